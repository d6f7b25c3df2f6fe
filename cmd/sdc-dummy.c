/*
 * sdc-dummy - generate dummy source tables and a dummy dataset that an
 * ehrQL dataset definition accepts, or check a hand-made dummy dataset
 * against the definition.  --measures: the same for a measures
 * definition, -o writing the measures.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "libsdc/date.h"
#include "libsdc/defn.h"
#include "libsdc/dummy.h"
#include "libsdc/input.h"

static const char usage[] =
"usage: sdc-dummy [--population-size n] [--seed s] [--anchor-date date]\n"
"                 [--tables-out dir] [-o file] [--tmpdir dir] definition\n"
"                 [-- --name value ...]\n"
"       sdc-dummy --measures [--population-size n] [--seed s]\n"
"                 [--anchor-date date] [--tables-out dir] [-o file]\n"
"                 [--tmpdir dir] definition [-- --name value ...]\n"
"       sdc-dummy --check file definition [-- --name value ...]\n";

static const char help[] =
"  definition              the dataset definition (ehrQL syntax)\n"
"      --measures          the definition is a measures definition: the\n"
"                          population is every patient some measure's\n"
"                          denominator counts, and -o writes the\n"
"                          measures (as sdc-extract --measures)\n"
"      --population-size N patients in the dataset (default: the\n"
"                          definition's configure_dummy_data, else 10)\n"
"      --seed S            seed, 0 to 4294967295 (default 1)\n"
"      --anchor-date DATE  the day the records end (default "
SDC_DUMMY_ANCHOR ")\n"
"      --tables-out DIR    write the source tables, DIR/<table>.csv\n"
"  -o, --output FILE       write the dataset to FILE atomically (gzip if\n"
"                          FILE ends .gz); default standard output,\n"
"                          unless --tables-out is given\n"
"      --tmpdir DIR        where batches are run (default $TMPDIR or /tmp)\n"
"      --check FILE        check the dummy dataset FILE ('-': standard\n"
"                          input) against the definition instead\n"
"  -- --NAME VALUE ...     parameters for get_parameter(NAME)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_POP = 256, OPT_SEED, OPT_ANCHOR, OPT_TABLES, OPT_TMPDIR,
    OPT_CHECK, OPT_MEASURES };

static const struct option longopts[] = {
	{ "population-size", required_argument, NULL, OPT_POP },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "anchor-date", required_argument, NULL, OPT_ANCHOR },
	{ "tables-out", required_argument, NULL, OPT_TABLES },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "check", required_argument, NULL, OPT_CHECK },
	{ "measures", no_argument, NULL, OPT_MEASURES },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct sdc_dummy_opts dummy;
	struct sdc_defn_opts defn;
	const char *output, *definition, *check;
};

static void
parse_args(const struct sdc_cli *cli, struct args *a, int argc, char **argv)
{
	int ch, gen = 0;

	argc = sdc_cli_params(cli, argc, argv, &a->defn);
	a->dummy.seed = 1;
	(void)sdc_date_parse(SDC_DUMMY_ANCHOR, 10, &a->dummy.anchor);
	while ((ch = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_POP:
			a->dummy.population_size = sdc_cli_number(cli,
			    "--population-size", optarg, 1,
			    SDC_DUMMY_POPULATION_MAX);
			gen = 1;
			break;
		case OPT_SEED:
			a->dummy.seed = (uint64_t)sdc_cli_number(cli, "--seed",
			    optarg, 0, 4294967295LL);
			gen = 1;
			break;
		case OPT_ANCHOR:
			if (sdc_date_parse(optarg, strlen(optarg),
			    &a->dummy.anchor) != 0)
				sdc_cli_usage(cli, "--anchor-date '%s': expected "
				    "a date YYYY-MM-DD", optarg);
			gen = 1;
			break;
		case OPT_TABLES:
			a->dummy.tables_dir = optarg;
			gen = 1;
			break;
		case OPT_TMPDIR:
			a->dummy.tmpdir = optarg;
			break;
		case OPT_CHECK:
			a->check = optarg;
			break;
		case OPT_MEASURES:
			a->defn.measures = 1;
			gen = 1;
			break;
		case 'o':
			a->output = optarg;
			gen = 1;
			break;
		case 'h':
			sdc_cli_help(cli);
		case 'V':
			sdc_cli_version(cli);
		default:
			sdc_cli_usage(cli, NULL);
		}
	}
	if (optind != argc - 1)
		sdc_cli_usage(cli, optind == argc ? "no definition given" :
		    "one definition at a time");
	a->definition = argv[optind];
	if (a->check != NULL && gen)
		sdc_cli_usage(cli, "--check takes no generating options");
	if (a->dummy.tmpdir == NULL && (a->dummy.tmpdir =
	    getenv("TMPDIR")) == NULL)
		a->dummy.tmpdir = "/tmp";
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct args a;
	struct sdc_query *q;
	struct sdc_output *out = NULL;
	struct sdc_err err;

	sdc_cli_init(&cli, "sdc-dummy", usage, help);
	memset(&a, 0, sizeof(a));
	sdc_err_clear(&err);
	parse_args(&cli, &a, argc, argv);
	if ((q = sdc_query_new(&err)) == NULL ||
	    sdc_defn_load(q, a.definition, &a.defn, &err) != 0)
		sdc_cli_fail(&cli, &err);
	if (a.check != NULL) {
		struct sdc_input *in = sdc_input_open(strcmp(a.check, "-") ==
		    0 ? NULL : a.check, &err);

		if (in == NULL || sdc_dummy_check(q, in, &err) != 0)
			sdc_cli_fail(&cli, &err);
		sdc_input_free(in);
	} else {
		if (a.output != NULL || a.dummy.tables_dir == NULL)
			out = sdc_cli_open_output(&cli, a.output);
		a.dummy.dataset = out;
		if (sdc_dummy_generate(q, &a.dummy, NULL, &err) != 0) {
			if (out != NULL)
				sdc_cli_abort(&cli, out, &err);
			sdc_cli_fail(&cli, &err);
		}
		if (out != NULL)
			sdc_cli_commit(&cli, out);
	}
	sdc_query_free(q);
	sdc_cli_params_free(&a.defn);
	return SDC_EXIT_OK;
}
