/* cli.c - front-end glue shared by the sdc-* commands. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"

/* The temporary output file, for the signal handler to remove. */
static char cleanup_path[4096];
static volatile sig_atomic_t cleanup_armed;

static void
on_signal(int sig)
{
	if (cleanup_armed)
		unlink(cleanup_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
sdc_cli_init(struct sdc_cli *cli, const char *prog, const char *usage,
    const char *help)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction sa;
	size_t i;

	cli->prog = prog;
	cli->usage = usage;
	cli->help = help;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static _Noreturn void
finish_stdout(const struct sdc_cli *cli)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: <stdout>: write error: %s\n", cli->prog,
		    strerror(errno));
		exit(SDC_EXIT_ERROR);
	}
	exit(SDC_EXIT_OK);
}

void
sdc_cli_help(const struct sdc_cli *cli)
{
	fputs(cli->usage, stdout);
	if (cli->help != NULL) {
		fputc('\n', stdout);
		fputs(cli->help, stdout);
	}
	finish_stdout(cli);
}

void
sdc_cli_version(const struct sdc_cli *cli)
{
	printf("%s %s\n", cli->prog, SDC_VERSION);
	finish_stdout(cli);
}

void
sdc_cli_usage(const struct sdc_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", cli->prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(cli->usage, stderr);
	exit(SDC_EXIT_ERROR);
}

void
sdc_cli_fail(const struct sdc_cli *cli, const struct sdc_err *err)
{
	char buf[SDC_ERR_FILE_MAX + SDC_ERR_MSG_MAX + 64];

	fprintf(stderr, "%s: %s\n", cli->prog,
	    sdc_err_format(err, buf, sizeof(buf)));
	exit(SDC_EXIT_ERROR);
}

int64_t
sdc_cli_number(const struct sdc_cli *cli, const char *opt, const char *arg,
    int64_t min, int64_t max)
{
	int64_t v;

	if (sdc_num_parse_i64(arg, strlen(arg), min, max, &v) != 0)
		sdc_cli_usage(cli, "%s: '%s' is not a whole number from %lld "
		    "to %lld", opt, arg, (long long)min, (long long)max);
	return v;
}

char **
sdc_cli_list(const struct sdc_cli *cli, const char *opt, const char *arg,
    size_t *n)
{
	struct sdc_err err;
	struct sdc_input *in;
	struct sdc_csv_reader *r = NULL;
	const struct sdc_csv_row *row;
	char **list = NULL;
	size_t i;

	sdc_err_clear(&err);
	if (arg[0] == '\0')
		sdc_cli_usage(cli, "%s: empty list", opt);
	if ((in = sdc_input_mem(arg, strlen(arg), opt, &err)) == NULL ||
	    (r = sdc_csv_reader_new(in, SDC_CSV_DUPLICATES, &err)) == NULL ||
	    sdc_csv_reader_next(r, &row, &err) != 0) {
		if (err.code == SDC_ENOMEM)
			sdc_cli_fail(cli, &err);
		sdc_cli_usage(cli, "%s: '%s' is not a comma-separated list%s%s",
		    opt, arg, err.msg[0] ? ": " : "", err.msg);
	}
	row = sdc_csv_reader_header(r);
	if ((list = calloc(row->n + 1, sizeof(*list))) == NULL)
		goto nomem;
	for (i = 0; i < row->n; i++)
		if ((list[i] = strdup(row->field[i])) == NULL)
			goto nomem;
	*n = row->n;
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return list;
nomem:
	sdc_err_nomem(&err);
	sdc_cli_fail(cli, &err);
}

void
sdc_cli_list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

struct sdc_input *
sdc_cli_open_input(const struct sdc_cli *cli, int argc, char **argv)
{
	struct sdc_err err;
	struct sdc_input *in;

	sdc_err_clear(&err);
	if (argc > 1)
		sdc_cli_usage(cli, "at most one input file (got %d)", argc);
	if ((in = sdc_input_open(argc == 1 ? argv[0] : NULL, &err)) == NULL)
		sdc_cli_fail(cli, &err);
	return in;
}

struct sdc_csv_reader *
sdc_cli_open_csv(const struct sdc_cli *cli, struct sdc_input *in)
{
	struct sdc_err err;
	struct sdc_csv_reader *r;
	const char *slow = getenv("SDC_CSV_SLOW");
	unsigned flags = slow && *slow && strcmp(slow, "0") != 0 ?
	    SDC_CSV_SLOW : 0;

	sdc_err_clear(&err);
	if ((r = sdc_csv_reader_new(in, flags, &err)) == NULL)
		sdc_cli_fail(cli, &err);
	return r;
}

struct sdc_output *
sdc_cli_open_output(const struct sdc_cli *cli, const char *path)
{
	struct sdc_err err;
	struct sdc_output *out;
	const char *tmp;

	sdc_err_clear(&err);
	if ((out = sdc_output_open(path, &err)) == NULL)
		sdc_cli_fail(cli, &err);
	tmp = sdc_output_tmpname(out);
	if (tmp != NULL && strlen(tmp) < sizeof(cleanup_path)) {
		memcpy(cleanup_path, tmp, strlen(tmp) + 1);
		cleanup_armed = 1;
	}
	return out;
}

void
sdc_cli_commit(const struct sdc_cli *cli, struct sdc_output *out)
{
	struct sdc_err err;
	int rc;

	sdc_err_clear(&err);
	rc = sdc_output_commit(out, &err);
	cleanup_armed = 0;
	if (rc != 0)
		sdc_cli_fail(cli, &err);
}

void
sdc_cli_abort(const struct sdc_cli *cli, struct sdc_output *out,
    const struct sdc_err *err)
{
	sdc_output_abort(out);
	cleanup_armed = 0;
	sdc_cli_fail(cli, err);
}

int
sdc_cli_params(const struct sdc_cli *cli, int argc, char **argv,
    struct sdc_defn_opts *o)
{
	const char **names, **values;
	size_t n = 0;
	int i, k, cut;
	char *eq;

	for (cut = 1; cut < argc; cut++)
		if (strcmp(argv[cut], "--") == 0)
			break;
	names = calloc((size_t)argc + 1, sizeof(*names));
	values = calloc((size_t)argc + 1, sizeof(*values));
	if (names == NULL || values == NULL) {
		struct sdc_err err;

		sdc_err_nomem(&err);
		sdc_cli_fail(cli, &err);
	}
	for (k = cut + 1; k < argc; k++) {
		char *arg = argv[k];

		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0' ||
		    arg[2] == '=')
			sdc_cli_usage(cli, "parameter '%s': expected --NAME "
			    "VALUE", arg);
		names[n] = arg + 2;
		if ((eq = strchr(arg, '=')) != NULL) {
			*eq = '\0';
			values[n] = eq + 1;
		} else if (k + 1 < argc) {
			values[n] = argv[++k];
		} else {
			sdc_cli_usage(cli, "parameter '%s' has no value", arg);
		}
		n++;
	}
	o->nparams = n;
	o->param_names = names;
	o->param_values = values;
	for (i = cut; i < argc; i++)
		argv[i] = NULL;
	return cut;
}

void
sdc_cli_params_free(struct sdc_defn_opts *o)
{
	free((void *)o->param_names);
	free((void *)o->param_values);
	o->param_names = o->param_values = NULL;
	o->nparams = 0;
}
