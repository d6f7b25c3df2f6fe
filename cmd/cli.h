/*
 * cli.h - glue shared by the sdc-* commands: usage and version, number
 * parsing, opening input and output, reporting errors, and the exit
 * statuses used across the toolkit.
 *
 * Every function that reports a problem prints one line to standard
 * error, prefixed with the program name, and exits; the commands stay
 * free of error plumbing.
 */
#ifndef SDC_CLI_H
#define SDC_CLI_H

#include <stdint.h>

#include "libsdc/sdc.h"
#include "libsdc/defn.h"

enum {
	SDC_EXIT_OK = 0,
	SDC_EXIT_DISCLOSIVE = 1,	/* only for checks that found a risk */
	SDC_EXIT_ERROR = 2		/* usage, input, I/O or resource */
};

/*
 * The running command.  usage is the synopsis exactly as the man page
 * has it, starting "usage: "; help is the option summary printed after
 * it by --help.  Both are borrowed for the life of the program.
 */
struct sdc_cli {
	const char *prog;
	const char *usage;
	const char *help;
};

/* Record the command and install the signal handlers for -o cleanup. */
void sdc_cli_init(struct sdc_cli *cli, const char *prog, const char *usage,
    const char *help);

/* --help: usage and options on standard output, exit 0 (2 if unwritable). */
_Noreturn void sdc_cli_help(const struct sdc_cli *cli);

/* --version: "prog VERSION" on standard output, exit 0. */
_Noreturn void sdc_cli_version(const struct sdc_cli *cli);

/* "prog: message" and the usage on standard error, exit 2. */
_Noreturn void sdc_cli_usage(const struct sdc_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "prog: file:line:column: message" on standard error, exit 2. */
_Noreturn void sdc_cli_fail(const struct sdc_cli *cli,
    const struct sdc_err *err);

/*
 * Parse arg, the argument of option opt, as a whole number in
 * [min, max]; on failure a usage error naming the option.
 */
int64_t sdc_cli_number(const struct sdc_cli *cli, const char *opt,
    const char *arg, int64_t min, int64_t max);

/*
 * Split a comma-separated list (CSV quoting allowed, so a value may
 * hold a comma: a,"b,c").  The result is a NULL-terminated array the
 * caller frees with sdc_cli_list_free; its length goes to *n.  An empty
 * or malformed list is a usage error naming opt.
 */
char **sdc_cli_list(const struct sdc_cli *cli, const char *opt,
    const char *arg, size_t *n);
void sdc_cli_list_free(char **list);

/*
 * The input operand: argc/argv are what getopt left.  No operand or
 * "-" is standard input; more than one operand is a usage error.
 */
struct sdc_input *sdc_cli_open_input(const struct sdc_cli *cli, int argc,
    char **argv);

/* CSV reader over in, honouring SDC_CSV_SLOW in the environment. */
struct sdc_csv_reader *sdc_cli_open_csv(const struct sdc_cli *cli,
    struct sdc_input *in);

/* Output to path (NULL or "-": standard output); see output.h. */
struct sdc_output *sdc_cli_open_output(const struct sdc_cli *cli,
    const char *path);

/* Commit out; on failure report it and exit 2. */
void sdc_cli_commit(const struct sdc_cli *cli, struct sdc_output *out);

/* Abort out (removing any temporary file), report err, exit 2. */
_Noreturn void sdc_cli_abort(const struct sdc_cli *cli,
    struct sdc_output *out, const struct sdc_err *err);

/*
 * Definition parameters: everything after the first "--" in argv is
 * taken as "--NAME VALUE" or "--NAME=VALUE" pairs for get_parameter
 * (a malformed pair is a usage error), and the "--" and what follows
 * are cut off, so that getopt never sees them.  Returns the argc left
 * for getopt.  o's name and value arrays are allocated (free them with
 * sdc_cli_params_free); the strings point into argv.
 */
int sdc_cli_params(const struct sdc_cli *cli, int argc, char **argv,
    struct sdc_defn_opts *o);
void sdc_cli_params_free(struct sdc_defn_opts *o);

#endif
