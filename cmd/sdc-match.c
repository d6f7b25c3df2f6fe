/*
 * sdc-match - pick up to K matched controls per case from a stream of
 * candidate controls, reproducibly from a seed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "libsdc/match.h"

static const char usage[] =
"usage: sdc-match --cases file [-k matches] [--min-matches n]\n"
"                 [-e column[,column...]] [-w column=tolerance[,...]]\n"
"                 [--closest column[,column...]] [--index-date column\n"
"                 [--control-index offset] [--exclude-before column[,...]]\n"
"                 [--exclude-after column[,...]]] [--replace]\n"
"                 [--exclude-cases] [--order data | random] [--id column]\n"
"                 [--indicator name] [--set-id name] [--seed seed] [-q]\n"
"                 [-o file] [controls]\n";

static const char help[] =
"      --cases FILE        the cases (patient-level CSV, read whole)\n"
"  -k, --matches K         controls wanted per case (default 1)\n"
"      --min-matches N     drop sets with fewer than N controls; their\n"
"                          controls stay available (default 0)\n"
"  -e, --exact COLS        match exactly on these columns\n"
"  -w, --within COL=TOL    |case - control| <= TOL; TOL ending in d: a\n"
"                          date column, TOL days (repeatable)\n"
"      --closest COLS      prefer the smallest differences on these\n"
"                          tolerance columns, in order (default: random)\n"
"      --index-date COL    the cases' index date: cases are matched in\n"
"                          its order, exclusions are relative to it\n"
"      --control-index OFF give each control its case's index date moved\n"
"                          by OFF (0, -1y, +6m, 2w, -30d)\n"
"      --exclude-before COLS  drop a control with a date here before the\n"
"                          index date (dead, deregistered, ...)\n"
"      --exclude-after COLS   ... or after it\n"
"      --replace           a control may serve several cases\n"
"      --exclude-cases     no case may be a control (by id)\n"
"      --order ORDER       data (default) or random: order of cases with\n"
"                          the same index date\n"
"      --id COL            the id column (default patient_id)\n"
"      --indicator NAME    the case/control column (default case)\n"
"      --set-id NAME       the set column (default set_id)\n"
"      --seed S            seed of the random keys (0 to 4294967295;\n"
"                          default 1)\n"
"  -q, --quiet             no summary on standard error\n"
"  -o, --output FILE       write FILE atomically (gzip if FILE ends .gz)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_CASES = 256, OPT_MIN, OPT_CLOSEST, OPT_INDEX, OPT_CINDEX,
    OPT_BEFORE, OPT_AFTER, OPT_REPLACE, OPT_XCASES, OPT_ORDER, OPT_ID,
    OPT_IND, OPT_SETID, OPT_SEED };

static const struct option longopts[] = {
	{ "cases", required_argument, NULL, OPT_CASES },
	{ "matches", required_argument, NULL, 'k' },
	{ "min-matches", required_argument, NULL, OPT_MIN },
	{ "exact", required_argument, NULL, 'e' },
	{ "within", required_argument, NULL, 'w' },
	{ "closest", required_argument, NULL, OPT_CLOSEST },
	{ "index-date", required_argument, NULL, OPT_INDEX },
	{ "control-index", required_argument, NULL, OPT_CINDEX },
	{ "exclude-before", required_argument, NULL, OPT_BEFORE },
	{ "exclude-after", required_argument, NULL, OPT_AFTER },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "exclude-cases", no_argument, NULL, OPT_XCASES },
	{ "order", required_argument, NULL, OPT_ORDER },
	{ "id", required_argument, NULL, OPT_ID },
	{ "indicator", required_argument, NULL, OPT_IND },
	{ "set-id", required_argument, NULL, OPT_SETID },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "quiet", no_argument, NULL, 'q' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct sdc_match_opts m;
	const char *cases, *output, *controls;
	char **exact, **closest, **before, **after;
	struct sdc_match_within *within;
	char **wlists[64];
	size_t nwl;
	int quiet;
};

static void *
xrealloc(const struct sdc_cli *cli, void *p, size_t n)
{
	struct sdc_err err;

	if ((p = realloc(p, n)) == NULL) {
		sdc_err_nomem(&err);
		sdc_cli_fail(cli, &err);
	}
	return p;
}

/* -w COL=TOL[,COL=TOL...]: TOL a number >= 0, or whole days with 'd'. */
static void
add_within(const struct sdc_cli *cli, struct args *a, const char *arg)
{
	size_t n, i;
	char **l = sdc_cli_list(cli, "-w", arg, &n);

	if (a->nwl == sizeof(a->wlists) / sizeof(a->wlists[0]))
		sdc_cli_usage(cli, "-w given too often");
	a->wlists[a->nwl++] = l;
	a->within = xrealloc(cli, a->within,
	    (a->m.nwithin + n) * sizeof(*a->within));
	for (i = 0; i < n; i++) {
		struct sdc_match_within *w = &a->within[a->m.nwithin++];
		char *eq = strrchr(l[i], '=');
		size_t len;
		int64_t days;

		if (eq == NULL || eq == l[i] || eq[1] == '\0')
			sdc_cli_usage(cli, "-w: expected COLUMN=TOLERANCE in "
			    "'%s'", l[i]);
		*eq++ = '\0';
		w->column = l[i];
		len = strlen(eq);
		w->is_date = eq[len - 1] == 'd';
		if (w->is_date) {
			if (sdc_num_parse_i64(eq, len - 1, 0, 3652059,
			    &days) != 0)
				sdc_cli_usage(cli, "-w: '%s' is not a whole "
				    "number of days", eq);
			w->tol = (double)days;
		} else if (sdc_num_parse_double(eq, len, &w->tol, NULL) != 0 ||
		    w->tol < 0) {
			sdc_cli_usage(cli, "-w: '%s' is not a number >= 0 (for "
			    "a date column write days as Nd)", eq);
		}
	}
}

/* --control-index: 0, or [+-]N followed by d, w, m or y. */
static void
control_index(const struct sdc_cli *cli, struct args *a, const char *arg)
{
	size_t len = strlen(arg);
	const char *s = arg;

	a->m.control_index = 1;
	if (strcmp(arg, "0") == 0) {
		a->m.offset.n = 0;
		a->m.offset.unit = 'd';
		return;
	}
	if (len >= 2 && strchr("dwmy", arg[len - 1]) != NULL) {
		if (*s == '+' && s[1] != '-')
			s++;
		if (sdc_num_parse_i64(s, (size_t)(arg + len - 1 - s),
		    -4000000, 4000000, &a->m.offset.n) == 0) {
			a->m.offset.unit = arg[len - 1];
			return;
		}
	}
	sdc_cli_usage(cli, "--control-index: '%s' is not 0 or an offset "
	    "like -1y, +6m, 2w, -30d", arg);
}

static char **
list_once(const struct sdc_cli *cli, char **prev, const char *opt,
    const char *arg, size_t *n)
{
	if (prev != NULL)
		sdc_cli_usage(cli, "%s given twice", opt);
	return sdc_cli_list(cli, opt, arg, n);
}

static void
parse_args(const struct sdc_cli *cli, struct args *a, int argc, char **argv)
{
	int ch;

	a->m.k = 1;
	a->m.seed = 1;
	while ((ch = getopt_long(argc, argv, "k:e:w:qo:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_CASES:
			a->cases = optarg;
			break;
		case 'k':
			a->m.k = (size_t)sdc_cli_number(cli, "-k", optarg, 1,
			    SDC_MATCH_K_MAX);
			break;
		case OPT_MIN:
			a->m.min_matches = (size_t)sdc_cli_number(cli,
			    "--min-matches", optarg, 0, SDC_MATCH_K_MAX);
			break;
		case 'e':
			a->exact = list_once(cli, a->exact, "-e", optarg,
			    &a->m.nexact);
			break;
		case 'w':
			add_within(cli, a, optarg);
			break;
		case OPT_CLOSEST:
			a->closest = list_once(cli, a->closest, "--closest",
			    optarg, &a->m.nclosest);
			break;
		case OPT_INDEX:
			a->m.index_date = optarg;
			break;
		case OPT_CINDEX:
			control_index(cli, a, optarg);
			break;
		case OPT_BEFORE:
			a->before = list_once(cli, a->before,
			    "--exclude-before", optarg, &a->m.nbefore);
			break;
		case OPT_AFTER:
			a->after = list_once(cli, a->after, "--exclude-after",
			    optarg, &a->m.nafter);
			break;
		case OPT_REPLACE:
			a->m.replace = 1;
			break;
		case OPT_XCASES:
			a->m.exclude_cases = 1;
			break;
		case OPT_ORDER:
			if (strcmp(optarg, "random") == 0)
				a->m.order_random = 1;
			else if (strcmp(optarg, "data") != 0)
				sdc_cli_usage(cli, "--order: '%s' is neither "
				    "'data' nor 'random'", optarg);
			break;
		case OPT_ID:
			a->m.id = optarg;
			break;
		case OPT_IND:
			a->m.indicator = optarg;
			break;
		case OPT_SETID:
			a->m.set_id = optarg;
			break;
		case OPT_SEED:
			a->m.seed = (uint64_t)sdc_cli_number(cli, "--seed",
			    optarg, 0, (int64_t)SDC_RNG_SEED_MAX);
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'h':
			sdc_cli_help(cli);
		case 'V':
			sdc_cli_version(cli);
		default:
			sdc_cli_usage(cli, NULL);
		}
	}
	if (a->cases == NULL)
		sdc_cli_usage(cli, "--cases is required");
	if (argc - optind > 1)
		sdc_cli_usage(cli, "at most one input file (got %d)",
		    argc - optind);
	a->controls = optind < argc ? argv[optind] : NULL;
	a->m.exact = (const char *const *)a->exact;
	a->m.within = a->within;
	a->m.closest = (const char *const *)a->closest;
	a->m.exclude_before = (const char *const *)a->before;
	a->m.exclude_after = (const char *const *)a->after;
}

/* The controls, opened afresh for every pass. */
struct source {
	const char *path;	/* NULL: standard input */
	int regular;
	unsigned flags;
	struct sdc_input *in;
};

static struct sdc_csv_reader *
src_open(void *ctx, unsigned pass, struct sdc_err *err)
{
	struct source *s = ctx;
	struct sdc_csv_reader *r;

	if (pass > 0 && !s->regular) {
		sdc_err_set(err, SDC_ELIMIT, s->path ? s->path : "<stdin>",
		    0, 0, "this matching needs another pass over the "
		    "controls, which can be read only once from a pipe: give "
		    "them as a regular file");
		return NULL;
	}
	if ((s->in = sdc_input_open(s->path, err)) == NULL)
		return NULL;
	if ((r = sdc_csv_reader_new(s->in, s->flags, err)) == NULL) {
		sdc_input_free(s->in);
		s->in = NULL;
	}
	return r;
}

static void
src_close(void *ctx, struct sdc_csv_reader *r)
{
	struct source *s = ctx;

	sdc_csv_reader_free(r);
	sdc_input_free(s->in);
	s->in = NULL;
}

static void
summary(const struct sdc_cli *cli, const struct args *a,
    const struct sdc_match *m)
{
	const struct sdc_match_summary *s = sdc_match_summary(m);
	const char *p = cli->prog;
	size_t i;

	fprintf(stderr, "%s: %llu cases, %llu excluded by a date before "
	    "their index date\n", p, (unsigned long long)s->cases,
	    (unsigned long long)s->cases_excluded);
	fprintf(stderr, "%s: %llu candidate controls, %llu skipped as cases; "
	    "%u pass%s, seed %llu\n", p, (unsigned long long)s->controls,
	    (unsigned long long)s->controls_cases, s->passes,
	    s->passes == 1 ? "" : "es", (unsigned long long)a->m.seed);
	for (i = 0; i <= a->m.k; i++)
		fprintf(stderr, "%s: cases with %zu control%s: %llu\n", p, i,
		    i == 1 ? "" : "s", (unsigned long long)s->hist[i]);
	fprintf(stderr, "%s: wrote %llu sets, %llu controls", p,
	    (unsigned long long)s->sets,
	    (unsigned long long)s->controls_written);
	if (a->m.min_matches > 0)
		fprintf(stderr, "; dropped %llu sets with fewer than %zu",
		    (unsigned long long)s->sets_dropped, a->m.min_matches);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct args a;
	struct sdc_input *cin;
	struct sdc_csv_reader *cr;
	struct sdc_output *out;
	struct sdc_match *m;
	struct sdc_match_source src;
	struct source s;
	struct sdc_err err;
	struct stat st;
	const char *slow = getenv("SDC_CSV_SLOW");
	size_t i;

	sdc_cli_init(&cli, "sdc-match", usage, help);
	memset(&a, 0, sizeof(a));
	sdc_err_clear(&err);
	parse_args(&cli, &a, argc, argv);
	memset(&s, 0, sizeof(s));
	s.flags = slow && *slow && strcmp(slow, "0") != 0 ? SDC_CSV_SLOW : 0;
	s.path = a.controls && strcmp(a.controls, "-") != 0 ? a.controls :
	    NULL;
	s.regular = s.path != NULL && stat(s.path, &st) == 0 &&
	    S_ISREG(st.st_mode);
	if ((cin = sdc_input_open(a.cases, &err)) == NULL)
		sdc_cli_fail(&cli, &err);
	cr = sdc_cli_open_csv(&cli, cin);
	if ((m = sdc_match_new(&a.m, cr, &err)) == NULL) {
		if (err.code == SDC_EUSAGE)
			sdc_cli_usage(&cli, "%s", err.msg);
		sdc_cli_fail(&cli, &err);
	}
	sdc_csv_reader_free(cr);
	sdc_input_free(cin);
	src.open = src_open;
	src.close = src_close;
	src.ctx = &s;
	if (sdc_match_run(m, &src, &err) != 0)
		sdc_cli_fail(&cli, &err);
	out = sdc_cli_open_output(&cli, a.output);
	if (sdc_match_write(m, out, &err) != 0)
		sdc_cli_abort(&cli, out, &err);
	sdc_cli_commit(&cli, out);
	if (!a.quiet)
		summary(&cli, &a, m);
	sdc_match_free(m);
	sdc_cli_list_free(a.exact);
	sdc_cli_list_free(a.closest);
	sdc_cli_list_free(a.before);
	sdc_cli_list_free(a.after);
	for (i = 0; i < a.nwl; i++)
		sdc_cli_list_free(a.wlists[i]);
	free(a.within);
	return SDC_EXIT_OK;
}
