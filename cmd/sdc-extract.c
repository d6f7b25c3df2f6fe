/*
 * sdc-extract - run an ehrQL dataset definition over EHR tables held as
 * CSV files and write the patient-level dataset, or a measures
 * definition and write its measures.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "libsdc/defn.h"
#include "libsdc/engine.h"
#include "libsdc/measures.h"

static const char usage[] =
"usage: sdc-extract --tables dir [--sort] [--tmpdir dir]\n"
"                   [--progress | --no-progress] [-o file] definition\n"
"                   [-- --name value ...]\n"
"       sdc-extract --measures definition --tables dir\n"
"                   [--disclosure ehrql | sdc] [--sort] [--tmpdir dir]\n"
"                   [--progress | --no-progress] [-o file | -o dir/:csv]\n"
"                   [-- --name value ...]\n";

static const char help[] =
"  definition              the dataset definition (ehrQL syntax)\n"
"      --measures DEF      run the measures definition DEF instead\n"
"      --disclosure HOW    measures: ehrql (default: <= 7 to 0, then\n"
"                          nearest 5) or sdc (suppression with margins\n"
"                          audited, then rounding)\n"
"      --tables DIR        the tables: DIR/<table>.csv or .csv.gz, sorted\n"
"                          by patient_id (alias --dummy-tables)\n"
"      --sort              sort unsorted tables first (external merge\n"
"                          sort) instead of refusing them\n"
"      --tmpdir DIR        where --sort keeps its runs (default $TMPDIR\n"
"                          or /tmp)\n"
"      --progress          patients done and rate on stderr (default\n"
"                          when stderr is a terminal)\n"
"      --no-progress       no progress report\n"
"  -o, --output FILE       write FILE atomically (gzip if FILE ends .gz);\n"
"                          measures: DIR/:csv writes DIR/<measure>.csv\n"
"  -- --NAME VALUE ...     parameters for get_parameter(NAME)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_TABLES = 256, OPT_SORT, OPT_TMPDIR, OPT_PROGRESS,
    OPT_NO_PROGRESS, OPT_MEASURES, OPT_DISCLOSURE };

static const struct option longopts[] = {
	{ "tables", required_argument, NULL, OPT_TABLES },
	{ "dummy-tables", required_argument, NULL, OPT_TABLES },
	{ "sort", no_argument, NULL, OPT_SORT },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "measures", required_argument, NULL, OPT_MEASURES },
	{ "disclosure", required_argument, NULL, OPT_DISCLOSURE },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct sdc_engine_opts engine;
	struct sdc_defn_opts defn;
	int progress;			/* -1: when stderr is a terminal */
	const char *output, *definition;
	int measures;			/* --measures */
	const char *disclosure;		/* NULL, "ehrql" or "sdc" */
};

/* Progress on stderr: patients read and the rate, on one updated line. */
struct progress {
	struct timespec start;
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
report(void *ctx, uint64_t patients, int done)
{
	struct progress *p = ctx;
	double s = elapsed(&p->start);

	fprintf(stderr, "\rsdc-extract: %llu patients, %.0f/s%s",
	    (unsigned long long)patients, s > 0 ? (double)patients / s : 0.0,
	    done ? "\n" : "");
}

/* "DIR/:csv": one file per measure in DIR. */
static int
is_dir_output(const char *o)
{
	size_t n = strlen(o);

	return n >= 5 && strcmp(o + n - 5, "/:csv") == 0;
}

static void
parse_args(const struct sdc_cli *cli, struct args *a, int argc, char **argv)
{
	int ch;

	argc = sdc_cli_params(cli, argc, argv, &a->defn);
	a->progress = -1;
	while ((ch = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_TABLES:
			a->engine.tables_dir = optarg;
			break;
		case OPT_SORT:
			a->engine.sort = 1;
			break;
		case OPT_TMPDIR:
			a->engine.tmpdir = optarg;
			break;
		case OPT_PROGRESS:
			a->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			a->progress = 0;
			break;
		case OPT_MEASURES:
			a->measures = 1;
			a->definition = optarg;
			break;
		case OPT_DISCLOSURE:
			if (strcmp(optarg, "ehrql") != 0 &&
			    strcmp(optarg, "sdc") != 0)
				sdc_cli_usage(cli, "--disclosure: ehrql or sdc, "
				    "not '%s'", optarg);
			a->disclosure = optarg;
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
	if (a->measures) {
		if (optind != argc)
			sdc_cli_usage(cli, "one definition at a time");
	} else {
		if (optind != argc - 1)
			sdc_cli_usage(cli, optind == argc ?
			    "no definition given" : "one definition at a time");
		a->definition = argv[optind];
		if (a->disclosure != NULL)
			sdc_cli_usage(cli, "--disclosure is for --measures");
		if (a->output != NULL && is_dir_output(a->output))
			sdc_cli_usage(cli, "-o DIR/:csv is for --measures");
	}
	a->defn.measures = a->measures;
	if (a->engine.tables_dir == NULL)
		sdc_cli_usage(cli, "--tables DIR is required");
	if (a->engine.tmpdir == NULL && (a->engine.tmpdir =
	    getenv("TMPDIR")) == NULL)
		a->engine.tmpdir = "/tmp";
	if (a->progress < 0)
		a->progress = isatty(STDERR_FILENO);
}

/*
 * Measures: count, apply disclosure control (the definition's unless
 * --disclosure sdc), write one table, or DIR/<measure>.csv per measure,
 * each atomically and all committed only once all are written.
 */
static void
run_measures(const struct sdc_cli *cli, const struct args *a,
    const struct sdc_query *q)
{
	struct sdc_measures *r;
	struct sdc_output *out;
	struct sdc_err err;
	enum sdc_measures_dc how;
	char dir[4096];

	sdc_err_clear(&err);
	if ((r = sdc_measures_run(q, &a->engine, &err)) == NULL)
		sdc_cli_fail(cli, &err);
	how = a->disclosure != NULL && strcmp(a->disclosure, "sdc") == 0 ?
	    SDC_MEASURES_DC_SDC : q->disclosure_control ?
	    SDC_MEASURES_DC_EHRQL : SDC_MEASURES_DC_OFF;
	if (sdc_measures_disclose(r, how, NULL, &err) != 0)
		sdc_cli_fail(cli, &err);
	if (a->output == NULL || !is_dir_output(a->output)) {
		out = sdc_cli_open_output(cli, a->output);
		if (sdc_measures_write_csv(r, SDC_MEASURES_ALL, out, &err) != 0)
			sdc_cli_abort(cli, out, &err);
		sdc_cli_commit(cli, out);
		sdc_measures_free(r);
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(a->output) - 5),
	    a->output);
	if (sdc_measures_write_dir(r, dir, &err) != 0)
		sdc_cli_fail(cli, &err);
	sdc_measures_free(r);
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct args a;
	struct progress prog;
	struct sdc_query *q;
	struct sdc_output *out;
	struct sdc_err err;

	sdc_cli_init(&cli, "sdc-extract", usage, help);
	memset(&a, 0, sizeof(a));
	sdc_err_clear(&err);
	parse_args(&cli, &a, argc, argv);
	if ((q = sdc_query_new(&err)) == NULL ||
	    sdc_defn_load(q, a.definition, &a.defn, &err) != 0)
		sdc_cli_fail(&cli, &err);
	if (a.progress) {
		clock_gettime(CLOCK_MONOTONIC, &prog.start);
		a.engine.progress = report;
		a.engine.progress_ctx = &prog;
	}
	if (a.measures) {
		run_measures(&cli, &a, q);
	} else {
		out = sdc_cli_open_output(&cli, a.output);
		if (sdc_engine_write_csv(q, &a.engine, out, &err) != 0)
			sdc_cli_abort(&cli, out, &err);
		sdc_cli_commit(&cli, out);
	}
	sdc_query_free(q);
	sdc_cli_params_free(&a.defn);
	return SDC_EXIT_OK;
}
