/*
 * sdc-check - audit the files of a release together and exit 0 when
 * nothing disclosive is found, 1 when something is, 2 when the release
 * cannot be checked.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "libsdc/check.h"

static const char usage[] =
"usage: sdc-check [--profile opensafely | acro] [-t threshold] [-b base]\n"
"                 [--zeros ok | disclosive] [--nk n,k | off] [--p percent]\n"
"                 [--protection width] [--max-rows n] [--max-size bytes]\n"
"                 [--types ext[,ext...]] [--dims column[,column...]]\n"
"                 [--counts column[,column...]] [-m marker]\n"
"                 [--total-label label] [--totals detect | rounded]\n"
"                 [--history dir] [--json file] [-q] file ...\n";

static const char help[] =
"      --profile NAME      opensafely (default) or acro\n"
"  -t, --threshold T       counts 1..T are disclosive (7; acro 9)\n"
"  -b, --base N            counts must be multiples of N (5; 0: no rounding)\n"
"      --zeros MODE        ok (default) or disclosive (acro)\n"
"      --nk N,K            dominance: top N contributions > K% (acro 2,90)\n"
"      --p P               p% rule: the rest < P% of the largest (acro 10)\n"
"      --protection W      a redacted cell's interval must be W wide\n"
"                          (default: the threshold)\n"
"      --max-rows N        rows per CSV file (5000; 0: no limit)\n"
"      --max-size BYTES    bytes per file (16777216; 0: no limit)\n"
"      --types EXTS        file types that may be released\n"
"      --dims COLS         these columns are dimensions\n"
"      --counts COLS       these columns are counts\n"
"  -m, --marker MARK       one more redaction marker (repeatable)\n"
"      --total-label LABEL label of total rows (default Total)\n"
"      --totals MODE       detect (default): a total equal to the sum of its\n"
"                          cells was recomputed from them; rounded: every\n"
"                          total was rounded on its own\n"
"      --history DIR       earlier releases to link against (repeatable)\n"
"      --json FILE         also write the report as JSON to FILE\n"
"  -q, --quiet             print nothing; the exit status tells\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum {
	OPT_PROFILE = 256, OPT_ZEROS, OPT_NK, OPT_P, OPT_PROT, OPT_ROWS,
	OPT_SIZE, OPT_TYPES, OPT_DIMS, OPT_COUNTS, OPT_TOTAL, OPT_TOTALS,
	OPT_HISTORY,
	OPT_JSON
};

static const struct option longopts[] = {
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "threshold", required_argument, NULL, 't' },
	{ "base", required_argument, NULL, 'b' },
	{ "zeros", required_argument, NULL, OPT_ZEROS },
	{ "nk", required_argument, NULL, OPT_NK },
	{ "p", required_argument, NULL, OPT_P },
	{ "protection", required_argument, NULL, OPT_PROT },
	{ "max-rows", required_argument, NULL, OPT_ROWS },
	{ "max-size", required_argument, NULL, OPT_SIZE },
	{ "types", required_argument, NULL, OPT_TYPES },
	{ "dims", required_argument, NULL, OPT_DIMS },
	{ "counts", required_argument, NULL, OPT_COUNTS },
	{ "marker", required_argument, NULL, 'm' },
	{ "total-label", required_argument, NULL, OPT_TOTAL },
	{ "totals", required_argument, NULL, OPT_TOTALS },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* A growable list of strings. */
struct strs {
	char **v;
	size_t n, cap;
};

static void
push(const struct sdc_cli *cli, struct strs *l, const char *s)
{
	struct sdc_err err;

	if (l->n + 1 >= l->cap) {
		size_t n = l->cap ? 2 * l->cap : 8;
		char **v = realloc(l->v, n * sizeof(*v));

		if (v == NULL)
			goto nomem;
		l->v = v;
		l->cap = n;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		goto nomem;
	l->v[++l->n] = NULL;
	return;
nomem:
	sdc_err_clear(&err);
	sdc_err_nomem(&err);
	sdc_cli_fail(cli, &err);
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Add path to the list; a directory adds every file under it, sorted.
 * Nesting deeper than EXPAND_DEPTH (a symbolic link looping back, say)
 * is an error, not endless recursion.
 */
#define EXPAND_DEPTH 64
static void
expand(const struct sdc_cli *cli, struct strs *l, const char *path,
    int depth)
{
	struct sdc_err err;
	struct stat st;
	struct strs sub = { NULL, 0, 0 };
	struct dirent *e;
	DIR *d;
	size_t i;

	sdc_err_clear(&err);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		push(cli, l, path);	/* errors are reported on reading */
		return;
	}
	if (depth > EXPAND_DEPTH) {
		sdc_err_set(&err, SDC_ELIMIT, path, 0, 0, "directories nested "
		    "more than %d deep (a link loop?)", EXPAND_DEPTH);
		sdc_cli_fail(cli, &err);
	}
	if ((d = opendir(path)) == NULL) {
		sdc_err_set(&err, SDC_EIO, path, 0, 0, "cannot open directory");
		sdc_cli_fail(cli, &err);
	}
	while ((e = readdir(d)) != NULL) {
		char *p;
		size_t n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n = strlen(path) + strlen(e->d_name) + 2;
		if ((p = malloc(n)) == NULL) {
			sdc_err_nomem(&err);
			sdc_cli_fail(cli, &err);
		}
		snprintf(p, n, "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
		push(cli, &sub, p);
		free(p);
	}
	closedir(d);
	if (sub.n > 0)
		qsort(sub.v, sub.n, sizeof(*sub.v), by_str);
	for (i = 0; i < sub.n; i++) {
		expand(cli, l, sub.v[i], depth + 1);
		free(sub.v[i]);
	}
	free(sub.v);
}

struct args {
	const char *profile, *json;
	int64_t threshold, base, protection, p;
	uint64_t max_rows, max_size;
	int zeros, nk_n, nk_k, quiet, totals_rounded;
	int set_t, set_b, set_zeros, set_nk, set_p, set_rows, set_size;
	char **types, **dims, **counts;
	size_t ntypes, ndims, ncounts;
	const char *total;
	struct strs markers, history, allmarkers;
};

static void
strs_free(struct strs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
args_release(struct args *a)
{
	sdc_cli_list_free(a->types);
	sdc_cli_list_free(a->dims);
	sdc_cli_list_free(a->counts);
	strs_free(&a->markers);
	strs_free(&a->history);
	strs_free(&a->allmarkers);
}

static void
options(const struct sdc_cli *cli, struct args *a, int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "t:b:m:qhV", longopts, NULL))
	    != -1) {
		switch (ch) {
		case OPT_PROFILE:
			a->profile = optarg;
			break;
		case 't':
			a->threshold = sdc_cli_number(cli, "--threshold", optarg,
			    0, INT32_MAX);
			a->set_t = 1;
			break;
		case 'b':
			a->base = sdc_cli_number(cli, "--base", optarg, 0,
			    INT32_MAX);
			a->set_b = 1;
			break;
		case OPT_ZEROS:
			if (strcmp(optarg, "ok") != 0 &&
			    strcmp(optarg, "disclosive") != 0)
				sdc_cli_usage(cli, "--zeros: ok or disclosive");
			a->zeros = strcmp(optarg, "disclosive") == 0;
			a->set_zeros = 1;
			break;
		case OPT_NK:
			a->set_nk = 1;
			if (strcmp(optarg, "off") == 0) {
				a->nk_n = 0;
			} else {
				size_t n;
				char **l = sdc_cli_list(cli, "--nk", optarg, &n);

				if (n != 2)
					sdc_cli_usage(cli, "--nk: expected N,K "
					    "as in 2,90, or off");
				a->nk_n = (int)sdc_cli_number(cli, "--nk N",
				    l[0], 1, 2);
				a->nk_k = (int)sdc_cli_number(cli, "--nk K",
				    l[1], 1, 100);
				sdc_cli_list_free(l);
			}
			break;
		case OPT_P:
			a->p = sdc_cli_number(cli, "--p", optarg, 0, 100);
			a->set_p = 1;
			break;
		case OPT_PROT:
			a->protection = sdc_cli_number(cli, "--protection",
			    optarg, 1, INT32_MAX);
			break;
		case OPT_ROWS:
			a->max_rows = (uint64_t)sdc_cli_number(cli,
			    "--max-rows", optarg, 0, INT64_MAX);
			a->set_rows = 1;
			break;
		case OPT_SIZE:
			a->max_size = (uint64_t)sdc_cli_number(cli,
			    "--max-size", optarg, 0, INT64_MAX);
			a->set_size = 1;
			break;
		case OPT_TYPES:
			sdc_cli_list_free(a->types);
			a->types = sdc_cli_list(cli, "--types", optarg,
			    &a->ntypes);
			break;
		case OPT_DIMS:
			sdc_cli_list_free(a->dims);
			a->dims = sdc_cli_list(cli, "--dims", optarg, &a->ndims);
			break;
		case OPT_COUNTS:
			sdc_cli_list_free(a->counts);
			a->counts = sdc_cli_list(cli, "--counts", optarg,
			    &a->ncounts);
			break;
		case 'm':
			if (optarg[0] == '\0')
				sdc_cli_usage(cli, "--marker: empty marker");
			push(cli, &a->markers, optarg);
			break;
		case OPT_TOTAL:
			if (optarg[0] == '\0')
				sdc_cli_usage(cli, "--total-label: empty label");
			a->total = optarg;
			break;
		case OPT_TOTALS:
			if (strcmp(optarg, "detect") != 0 &&
			    strcmp(optarg, "rounded") != 0)
				sdc_cli_usage(cli, "--totals: detect or rounded");
			a->totals_rounded = strcmp(optarg, "rounded") == 0;
			break;
		case OPT_HISTORY:
			push(cli, &a->history, optarg);
			break;
		case OPT_JSON:
			a->json = optarg;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'h':
			sdc_cli_help(cli);
		case 'V':
			sdc_cli_version(cli);
		default:
			sdc_cli_usage(cli, NULL);
		}
	}
}

/* The profile's rules, then what the command line overrides. */
static void
settle(const struct sdc_cli *cli, struct args *a, struct sdc_check_opts *o)
{
	const char *slow = getenv("SDC_CSV_SLOW");
	size_t nm, i;
	const char *const *dm = sdc_infer_default_markers(&nm);

	if (sdc_check_profile(o, a->profile ? a->profile : "opensafely") != 0)
		sdc_cli_usage(cli, "--profile: opensafely or acro, not '%s'",
		    a->profile);
	if (a->set_t)
		o->threshold = a->threshold;
	if (a->set_b)
		o->base = a->base;
	if (a->set_zeros)
		o->zeros = a->zeros;
	if (a->set_nk) {
		o->nk_n = a->nk_n;
		o->nk_k = a->nk_k;
	}
	if (a->set_p)
		o->p = (double)a->p;
	o->protection = (double)a->protection;
	if (a->set_rows)
		o->max_rows = a->max_rows;
	if (a->set_size)
		o->max_bytes = a->max_size;
	if (a->types) {
		o->types = (const char *const *)a->types;
		o->ntypes = a->ntypes;
	}
	if (a->total)
		o->infer.total = a->total;
	o->totals_rounded = a->totals_rounded;
	o->infer.dims = (const char *const *)a->dims;
	o->infer.ndims = a->ndims;
	o->infer.counts = (const char *const *)a->counts;
	o->infer.ncounts = a->ncounts;
	if (a->markers.n > 0) {
		for (i = 0; i < nm; i++)
			push(cli, &a->allmarkers, dm[i]);
		for (i = 0; i < a->markers.n; i++)
			push(cli, &a->allmarkers, a->markers.v[i]);
		o->infer.markers = (const char *const *)a->allmarkers.v;
		o->infer.nmarkers = a->allmarkers.n;
	}
	o->csv_flags = slow && *slow && strcmp(slow, "0") != 0 ?
	    SDC_CSV_SLOW : 0;
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct args a;
	struct sdc_check_opts o;
	struct sdc_check *c;
	struct sdc_output *out, *json = NULL;
	struct sdc_err err;
	struct strs files = { NULL, 0, 0 }, hist = { NULL, 0, 0 };
	size_t i;
	int i_arg, status;

	sdc_cli_init(&cli, "sdc-check", usage, help);
	memset(&a, 0, sizeof(a));
	sdc_err_clear(&err);
	options(&cli, &a, argc, argv);
	if (optind == argc)
		sdc_cli_usage(&cli, "no files to check");
	settle(&cli, &a, &o);
	for (i_arg = optind; i_arg < argc; i_arg++)
		expand(&cli, &files, argv[i_arg], 0);
	for (i = 0; i < a.history.n; i++)
		expand(&cli, &hist, a.history.v[i], 0);
	if (files.n == 0) {
		sdc_err_set(&err, SDC_EUSAGE, argv[optind], 0, 0,
		    "no files to check");
		sdc_cli_fail(&cli, &err);
	}

	if ((c = sdc_check_new(&o, &err)) == NULL)
		sdc_cli_fail(&cli, &err);
	for (i = 0; i < files.n; i++)
		if (sdc_check_file(c, files.v[i], 0, &err) != 0)
			sdc_cli_fail(&cli, &err);
	for (i = 0; i < hist.n; i++)
		if (sdc_check_file(c, hist.v[i], 1, &err) != 0)
			sdc_cli_fail(&cli, &err);
	if (sdc_check_audit(c, &err) != 0)
		sdc_cli_fail(&cli, &err);

	if (a.json != NULL) {
		json = sdc_cli_open_output(&cli, a.json);
		if (sdc_check_write_json(c, json, &err) != 0)
			sdc_cli_abort(&cli, json, &err);
		sdc_cli_commit(&cli, json);
	}
	out = sdc_cli_open_output(&cli, NULL);
	if (sdc_check_write_text(c, out, a.quiet, &err) != 0)
		sdc_cli_abort(&cli, out, &err);
	sdc_cli_commit(&cli, out);
	status = sdc_check_nfinding(c) > 0 ? SDC_EXIT_DISCLOSIVE : SDC_EXIT_OK;
	sdc_check_free(c);
	strs_free(&files);
	strs_free(&hist);
	args_release(&a);
	return status;
}
