/*
 * sdc-round - round the counts of an aggregate table for release, with
 * totals recomputed from the rounded cells.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

static const char usage[] =
"usage: sdc-round {-b base [--random --seed seed] | --midpoint base |\n"
"                 --midpoint6} [-c column[,column...]]\n"
"                 [-g column[,column...]] [-m marker]\n"
"                 [--ratio name=num/den] [--total-label label]\n"
"                 [--totals recompute | round] [-o file] [file]\n";

static const char help[] =
"  -b, --base N            round to the nearest multiple of N (ties up)\n"
"      --random            with -b: unbiased random rounding to base N\n"
"      --seed S            seed for --random (0 to 4294967295; required)\n"
"      --midpoint N        midpoint rounding: ceil(x/N)*N - floor(N/2)\n"
"      --midpoint6         the same as --midpoint 6 (OpenSAFELY)\n"
"  -c, --columns COLS      the count columns to round (default n)\n"
"  -g, --group COLS        group columns (default: those before the first\n"
"                          rounded column)\n"
"  -m, --marker MARK       redaction marker (default [REDACTED])\n"
"      --ratio NAME=NUM/DEN  set column NAME to NUM/DEN after rounding\n"
"                          (repeatable)\n"
"      --total-label LABEL label of total rows (default Total)\n"
"      --totals MODE       recompute (default): totals are sums of the\n"
"                          rounded cells; round: rounded like any cell\n"
"  -o, --output FILE       write FILE atomically (gzip if FILE ends .gz)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_RANDOM = 256, OPT_SEED, OPT_MIDPOINT, OPT_MIDPOINT6, OPT_RATIO,
    OPT_TOTAL, OPT_TOTALS };

static const struct option longopts[] = {
	{ "base", required_argument, NULL, 'b' },
	{ "random", no_argument, NULL, OPT_RANDOM },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "midpoint", required_argument, NULL, OPT_MIDPOINT },
	{ "midpoint6", no_argument, NULL, OPT_MIDPOINT6 },
	{ "columns", required_argument, NULL, 'c' },
	{ "group", required_argument, NULL, 'g' },
	{ "marker", required_argument, NULL, 'm' },
	{ "ratio", required_argument, NULL, OPT_RATIO },
	{ "total-label", required_argument, NULL, OPT_TOTAL },
	{ "totals", required_argument, NULL, OPT_TOTALS },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Largest base accepted: far above any sensible one, and exact in a double. */
#define BASE_MAX 1000000000

struct args {
	struct sdc_round_opts round;
	int nscheme;		/* -b, --midpoint, --midpoint6 given */
	int random, seeded;
	char **columns, **group;
	struct sdc_round_ratio *ratio;
	const char *output;
};

/* One scheme option: -b, --midpoint or --midpoint6. */
static void
scheme(const struct sdc_cli *cli, struct args *a, enum sdc_round_scheme s,
    const char *opt, const char *arg)
{
	if (a->nscheme++ > 0)
		sdc_cli_usage(cli, "choose one of -b, --midpoint and "
		    "--midpoint6");
	a->round.scheme = s;
	a->round.base = arg ? sdc_cli_number(cli, opt, arg, 2, BASE_MAX) : 6;
}

/* --ratio NAME=NUM/DEN: NAME ends at the first '=', NUM at the next '/'. */
static void
add_ratio(const struct sdc_cli *cli, struct args *a, char *spec)
{
	char *eq = strchr(spec, '='), *sl = eq ? strchr(eq, '/') : NULL;
	size_t n = a->round.nratio;
	struct sdc_round_ratio *q;

	if (eq == NULL || sl == NULL || eq == spec || sl == eq + 1 ||
	    sl[1] == '\0')
		sdc_cli_usage(cli, "--ratio: expected NAME=NUM/DEN in '%s'",
		    spec);
	if ((q = realloc(a->ratio, (n + 1) * sizeof(*q))) == NULL) {
		struct sdc_err err;

		sdc_err_nomem(&err);
		sdc_cli_fail(cli, &err);
	}
	*eq = *sl = '\0';
	q[n].name = spec;
	q[n].num = eq + 1;
	q[n].den = sl + 1;
	a->ratio = q;
	a->round.ratio = q;
	a->round.nratio = n + 1;
}

static void
parse_args(const struct sdc_cli *cli, struct args *a, int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "b:c:g:m:o:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			scheme(cli, a, SDC_ROUND_NEAREST, "-b", optarg);
			break;
		case OPT_MIDPOINT:
			scheme(cli, a, SDC_ROUND_MIDPOINT, "--midpoint", optarg);
			break;
		case OPT_MIDPOINT6:
			scheme(cli, a, SDC_ROUND_MIDPOINT, "--midpoint6", NULL);
			break;
		case OPT_RANDOM:
			a->random = 1;
			break;
		case OPT_SEED:
			a->round.seed = (uint64_t)sdc_cli_number(cli, "--seed",
			    optarg, 0, (int64_t)SDC_RNG_SEED_MAX);
			a->seeded = 1;
			break;
		case 'c':
			if (a->columns != NULL)
				sdc_cli_usage(cli, "-c given twice");
			a->columns = sdc_cli_list(cli, "-c", optarg,
			    &a->round.ncolumn);
			break;
		case 'g':
			if (a->group != NULL)
				sdc_cli_usage(cli, "-g given twice");
			a->group = sdc_cli_list(cli, "-g", optarg,
			    &a->round.ngroup);
			break;
		case 'm':
			a->round.marker = optarg;
			break;
		case OPT_RATIO:
			add_ratio(cli, a, optarg);
			break;
		case OPT_TOTAL:
			a->round.total_label = optarg;
			break;
		case OPT_TOTALS:
			if (strcmp(optarg, "recompute") == 0)
				a->round.totals = SDC_ROUND_RECOMPUTE;
			else if (strcmp(optarg, "round") == 0)
				a->round.totals = SDC_ROUND_INDEPENDENT;
			else
				sdc_cli_usage(cli, "--totals: '%s' is neither "
				    "'recompute' nor 'round'", optarg);
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
	if (a->random && (a->nscheme == 0 ||
	    a->round.scheme != SDC_ROUND_NEAREST))
		sdc_cli_usage(cli, "--random rounds to the base given by -b");
	if (a->nscheme == 0)
		sdc_cli_usage(cli, "choose a rounding scheme: -b, --midpoint or "
		    "--midpoint6");
	if (a->random && !a->seeded)
		sdc_cli_usage(cli, "--random needs --seed (a run must be "
		    "reproducible)");
	if (a->seeded && !a->random)
		sdc_cli_usage(cli, "--seed is only for --random");
	if (a->random)
		a->round.scheme = SDC_ROUND_RANDOM;
	a->round.column = (const char *const *)a->columns;
	a->round.group = (const char *const *)a->group;
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct args a;
	struct sdc_input *in;
	struct sdc_csv_reader *r;
	struct sdc_output *out;
	struct sdc_err err;

	sdc_cli_init(&cli, "sdc-round", usage, help);
	memset(&a, 0, sizeof(a));
	sdc_err_clear(&err);
	parse_args(&cli, &a, argc, argv);
	in = sdc_cli_open_input(&cli, argc - optind, argv + optind);
	r = sdc_cli_open_csv(&cli, in);
	out = sdc_cli_open_output(&cli, a.output);
	if (sdc_round_run(&a.round, r, out, &err) != 0) {
		if (err.code == SDC_EUSAGE) {
			sdc_output_abort(out);
			sdc_cli_usage(&cli, "%s", err.msg);
		}
		sdc_cli_abort(&cli, out, &err);
	}
	sdc_cli_commit(&cli, out);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	sdc_cli_list_free(a.columns);
	sdc_cli_list_free(a.group);
	free(a.ratio);
	return SDC_EXIT_OK;
}
