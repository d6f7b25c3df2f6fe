/*
 * sdc-suppress - hide the sensitive cells of a count or magnitude table,
 * and enough others that its margins cannot give them away.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "libsdc/suppress.h"

static const char usage[] =
"usage: sdc-suppress [-t threshold] [--zeros keep | suppress] [--nk n,k]\n"
"                    [--p percent] [--protection width] [-c column]\n"
"                    [-g column[,column...]] [-m marker] [--flags]\n"
"                    [--total-label label] [-v] [-o file] [file]\n";

static const char help[] =
"  -t, --threshold T       counts 1..T are sensitive (default 7)\n"
"      --zeros MODE        keep (default) or suppress zero counts\n"
"      --nk N,K            dominance: top N contributions > K% of the cell\n"
"      --p P               p% rule: the rest < P% of the largest\n"
"      --protection W      attacker interval must be at least W wide\n"
"  -c, --column COL        column to protect (default sum if present, else n)\n"
"  -g, --group COLS        group columns (default: those before n)\n"
"  -m, --marker MARK       replaces hidden values (default [REDACTED])\n"
"      --flags             add a status column: primary, secondary or empty\n"
"      --total-label LABEL label of margin rows (default Total)\n"
"  -v, --verbose           report counts of hidden cells on stderr\n"
"  -o, --output FILE       write FILE atomically (gzip if FILE ends .gz)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_ZEROS = 256, OPT_NK, OPT_P, OPT_PROT, OPT_FLAGS, OPT_TOTAL };

static const struct option longopts[] = {
	{ "threshold", required_argument, NULL, 't' },
	{ "zeros", required_argument, NULL, OPT_ZEROS },
	{ "nk", required_argument, NULL, OPT_NK },
	{ "p", required_argument, NULL, OPT_P },
	{ "protection", required_argument, NULL, OPT_PROT },
	{ "column", required_argument, NULL, 'c' },
	{ "group", required_argument, NULL, 'g' },
	{ "marker", required_argument, NULL, 'm' },
	{ "flags", no_argument, NULL, OPT_FLAGS },
	{ "total-label", required_argument, NULL, OPT_TOTAL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct sdc_suppress_opts s;
	const char *column, *marker, *total, *output;
	char **groups;
	size_t ngroups;
	int flags, verbose;
};

static void
parse_nk(const struct sdc_cli *cli, struct args *a, const char *arg)
{
	size_t n;
	char **l = sdc_cli_list(cli, "--nk", arg, &n);

	if (n != 2)
		sdc_cli_usage(cli, "--nk: expected N,K as in 2,90");
	a->s.nk_n = (int)sdc_cli_number(cli, "--nk N", l[0], 1, 2);
	a->s.nk_k = (double)sdc_cli_number(cli, "--nk K", l[1], 1, 100);
	sdc_cli_list_free(l);
}

/* Resolve the columns against the table's header. */
static void
columns(const struct sdc_cli *cli, struct args *a, struct sdc_table *t,
    size_t **group, size_t *ngroup)
{
	struct sdc_err err;
	size_t i;

	sdc_err_clear(&err);
	if ((a->s.count_col = sdc_table_require(t, "n", &err)) < 0)
		sdc_cli_fail(cli, &err);
	a->s.sum_col = sdc_table_column(t, "sum");
	a->s.top1_col = sdc_table_column(t, "top1");
	a->s.top2_col = sdc_table_column(t, "top2");
	if ((a->s.nk_n || a->s.p > 0) &&
	    (a->s.sum_col < 0 || a->s.top1_col < 0 || a->s.top2_col < 0))
		sdc_cli_usage(cli, "--nk and --p need the sum, top1 and top2 "
		    "columns of sdc-count --sum");
	if (a->column == NULL)
		a->column = a->s.sum_col >= 0 && a->s.top1_col >= 0 ? "sum" : "n";
	if ((a->s.value_col = sdc_table_require(t, a->column, &err)) < 0)
		sdc_cli_fail(cli, &err);
	*ngroup = a->groups ? a->ngroups : (size_t)a->s.count_col;
	if ((*group = malloc((*ngroup + 1) * sizeof(**group))) == NULL) {
		sdc_err_nomem(&err);
		sdc_cli_fail(cli, &err);
	}
	for (i = 0; i < *ngroup; i++) {
		long c = a->groups ? sdc_table_require(t, a->groups[i], &err) :
		    (long)i;

		if (c < 0)
			sdc_cli_fail(cli, &err);
		(*group)[i] = (size_t)c;
	}
	if (*ngroup == 0)
		sdc_cli_usage(cli, "no group columns (put them before n, or "
		    "name them with -g)");
}

/* The table, with a status column when status is given. */
static int
write_table(const struct sdc_table *t, struct sdc_output *out,
    const unsigned char *drop, const unsigned char *status,
    struct sdc_err *err)
{
	static const char *const word[] = { "", "primary", "secondary" };
	const char **x;
	size_t r;
	int rc;

	if (status == NULL)
		return sdc_table_write(t, out, drop, err);
	if ((x = malloc((t->nrow + 1) * sizeof(*x))) == NULL)
		return sdc_err_nomem(err);
	for (r = 0; r < t->nrow; r++)
		x[r] = word[status[r]];
	rc = sdc_table_write_with(t, out, drop, "status", x, err);
	free(x);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct args a;
	struct sdc_table t;
	struct sdc_input *in;
	struct sdc_csv_reader *r;
	struct sdc_output *out;
	struct sdc_suppress_stats st;
	struct sdc_err err;
	unsigned char *status, *drop, *isgroup;
	size_t *group, ngroup, row, c;
	int ch;

	sdc_cli_init(&cli, "sdc-suppress", usage, help);
	memset(&a, 0, sizeof(a));
	a.s.threshold = 7;
	a.marker = "[REDACTED]";
	a.total = "Total";
	sdc_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "t:c:g:m:vo:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't':
			a.s.threshold = sdc_cli_number(&cli, "-t", optarg, 0,
			    INT32_MAX);
			break;
		case OPT_ZEROS:
			if (strcmp(optarg, "keep") != 0 &&
			    strcmp(optarg, "suppress") != 0)
				sdc_cli_usage(&cli, "--zeros: keep or suppress");
			a.s.zeros = strcmp(optarg, "suppress") == 0;
			break;
		case OPT_NK:
			parse_nk(&cli, &a, optarg);
			break;
		case OPT_P:
			a.s.p = (double)sdc_cli_number(&cli, "--p", optarg, 1,
			    100);
			break;
		case OPT_PROT:
			a.s.protection = (double)sdc_cli_number(&cli,
			    "--protection", optarg, 1, INT32_MAX);
			break;
		case 'c':
			a.column = optarg;
			break;
		case 'g':
			a.groups = sdc_cli_list(&cli, "-g", optarg, &a.ngroups);
			break;
		case 'm':
			a.marker = optarg;
			break;
		case OPT_FLAGS:
			a.flags = 1;
			break;
		case OPT_TOTAL:
			a.total = optarg;
			break;
		case 'v':
			a.verbose = 1;
			break;
		case 'o':
			a.output = optarg;
			break;
		case 'h':
			sdc_cli_help(&cli);
		case 'V':
			sdc_cli_version(&cli);
		default:
			sdc_cli_usage(&cli, NULL);
		}
	}
	if (a.marker[0] == '\0' || a.total[0] == '\0')
		sdc_cli_usage(&cli, "the marker and the total label may not "
		    "be empty");
	{
		double x;

		if (sdc_num_parse_double(a.marker, strlen(a.marker), &x,
		    NULL) == 0)
			sdc_cli_usage(&cli, "-m: a number cannot be a marker: "
			    "hidden cells would pass for published ones");
	}
	in = sdc_cli_open_input(&cli, argc - optind, argv + optind);
	r = sdc_cli_open_csv(&cli, in);
	sdc_table_init(&t);
	if (sdc_table_read(&t, r, &err) != 0)
		sdc_cli_fail(&cli, &err);
	columns(&cli, &a, &t, &group, &ngroup);
	if (a.flags && sdc_table_column(&t, "status") >= 0)
		sdc_cli_usage(&cli, "--flags: the table already has a status "
		    "column");
	if (sdc_table_structure(&t, ngroup, group, a.total, &err) != 0)
		sdc_cli_fail(&cli, &err);
	status = calloc(t.nrow + 1, 1);
	drop = calloc(t.ncol + 1, 1);
	isgroup = calloc(t.ncol + 1, 1);
	if (status == NULL || drop == NULL || isgroup == NULL) {
		sdc_err_nomem(&err);
		sdc_cli_fail(&cli, &err);
	}
	if (sdc_suppress_run(&t, &a.s, status, &st, &err) != 0)
		sdc_cli_fail(&cli, &err);
	if (a.verbose)
		fprintf(stderr, "sdc-suppress: %zu cells, %zu primary, %zu "
		    "secondary; %zu linked groups, %zu box proofs, %zu boxes "
		    "completed, %zu LP solves, %zu rounds\n", t.nrow,
		    st.primary, st.secondary, st.groups, st.boxes, st.planned,
		    st.lps, st.rounds);
	/* evidence never leaves; hidden rows keep only their group values */
	if (a.s.top1_col >= 0)
		drop[a.s.top1_col] = 1;
	if (a.s.top2_col >= 0)
		drop[a.s.top2_col] = 1;
	for (c = 0; c < ngroup; c++)
		isgroup[group[c]] = 1;
	for (row = 0; row < t.nrow; row++)
		for (c = 0; c < t.ncol && status[row]; c++)
			if (!isgroup[c] && !drop[c] &&
			    sdc_table_set(&t, row, c, a.marker, &err) != 0)
				sdc_cli_fail(&cli, &err);
	out = sdc_cli_open_output(&cli, a.output);
	if (write_table(&t, out, drop, a.flags ? status : NULL, &err) != 0)
		sdc_cli_abort(&cli, out, &err);
	sdc_cli_commit(&cli, out);
	free(status);
	free(drop);
	free(isgroup);
	free(group);
	sdc_cli_list_free(a.groups);
	sdc_table_release(&t);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return SDC_EXIT_OK;
}
