/*
 * sdc-count - turn a patient-level CSV into a frequency or magnitude
 * table, optionally with declared levels, zero cells and margins.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

static const char usage[] =
"usage: sdc-count -g column[,column...] [--complete]\n"
"                 [--levels column=level[,level...]] [--margins]\n"
"                 [--sum column] [--total-label label] [--unit column]\n"
"                 [-o file] [file]\n";

static const char help[] =
"  -g, --group COLS        group by these columns (comma-separated)\n"
"      --levels COL=LEVELS declare COL's categories, in order (repeatable)\n"
"      --complete          every combination of the observed levels\n"
"      --margins           add totals over every subset of the groups\n"
"      --total-label LABEL label of total rows (default Total)\n"
"      --unit COL          count distinct values of COL, not rows\n"
"      --sum COL           magnitude table: sum of COL, top1, top2\n"
"  -o, --output FILE       write FILE atomically (gzip if FILE ends .gz)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_LEVELS = 256, OPT_COMPLETE, OPT_MARGINS, OPT_TOTAL, OPT_UNIT,
    OPT_SUM };

static const struct option longopts[] = {
	{ "group", required_argument, NULL, 'g' },
	{ "levels", required_argument, NULL, OPT_LEVELS },
	{ "complete", no_argument, NULL, OPT_COMPLETE },
	{ "margins", no_argument, NULL, OPT_MARGINS },
	{ "total-label", required_argument, NULL, OPT_TOTAL },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "sum", required_argument, NULL, OPT_SUM },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	struct sdc_count_opts count;
	char **group;
	struct sdc_count_levels *levels;
	char ***lists;		/* each --levels list, to free */
	const char *output;
};

static void
add_levels(const struct sdc_cli *cli, struct args *a, char *spec)
{
	char *eq = strchr(spec, '=');
	struct sdc_count_levels *lv;
	size_t n = a->count.nlevels;
	char ***lists;

	if (eq == NULL || eq == spec)
		sdc_cli_usage(cli, "--levels: expected COLUMN=LEVEL,... in "
		    "'%s'", spec);
	*eq = '\0';
	lv = realloc(a->levels, (n + 1) * sizeof(*lv));
	if (lv != NULL)
		a->levels = lv;
	lists = realloc(a->lists, (n + 1) * sizeof(*lists));
	if (lists != NULL)
		a->lists = lists;
	if (lv == NULL || lists == NULL) {
		struct sdc_err err;

		sdc_err_nomem(&err);
		sdc_cli_fail(cli, &err);
	}
	lists[n] = sdc_cli_list(cli, "--levels", eq + 1, &lv[n].n);
	lv[n].column = spec;
	lv[n].level = (const char *const *)lists[n];
	a->count.levels = lv;
	a->count.nlevels = n + 1;
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
	size_t i;
	int ch;

	sdc_cli_init(&cli, "sdc-count", usage, help);
	memset(&a, 0, sizeof(a));
	sdc_err_clear(&err);
	while ((ch = getopt_long(argc, argv, "g:o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'g':
			if (a.group != NULL)
				sdc_cli_usage(&cli, "-g given twice");
			a.group = sdc_cli_list(&cli, "-g", optarg,
			    &a.count.ngroup);
			break;
		case OPT_LEVELS:
			add_levels(&cli, &a, optarg);
			break;
		case OPT_COMPLETE:
			a.count.complete = 1;
			break;
		case OPT_MARGINS:
			a.count.margins = 1;
			break;
		case OPT_TOTAL:
			a.count.total_label = optarg;
			break;
		case OPT_UNIT:
			a.count.unit = optarg;
			break;
		case OPT_SUM:
			a.count.sum = optarg;
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
	if (a.group == NULL)
		sdc_cli_usage(&cli, "-g is required");
	a.count.group = (const char *const *)a.group;
	in = sdc_cli_open_input(&cli, argc - optind, argv + optind);
	r = sdc_cli_open_csv(&cli, in);
	out = sdc_cli_open_output(&cli, a.output);
	if (sdc_count_run(&a.count, r, out, &err) != 0) {
		if (err.code == SDC_EUSAGE) {
			sdc_output_abort(out);
			sdc_cli_usage(&cli, "%s", err.msg);
		}
		sdc_cli_abort(&cli, out, &err);
	}
	sdc_cli_commit(&cli, out);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	sdc_cli_list_free(a.group);
	for (i = 0; i < a.count.nlevels; i++)
		sdc_cli_list_free(a.lists[i]);
	free(a.lists);
	free(a.levels);
	return SDC_EXIT_OK;
}
