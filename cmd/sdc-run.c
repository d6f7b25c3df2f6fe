/*
 * sdc-run - run the actions of an OpenSAFELY-style project.yaml on this
 * machine, in dependency order, skipping what is up to date, and gate
 * moderately_sensitive outputs through the Level-4 checks.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "libsdc/project.h"
#include "libsdc/runner.h"

static const char usage[] =
"usage: sdc-run [-f] [--explain] [--strict] [-c jobs] [-p file]\n"
"               [--l4-dir dir] [--tmpdir dir] action ...\n";

static const char help[] =
"  action                  an action of the project, or run_all for all\n"
"  -c, --concurrency N     run up to N actions at once (default 2)\n"
"  -f, --force-run-dependencies\n"
"                          run the actions and all they need even when up\n"
"                          to date\n"
"      --explain           say what would run and why; run nothing\n"
"      --strict            a moderately_sensitive output that fails the\n"
"                          Level-4 checks fails its action\n"
"  -p, --project FILE      the project file (default project.yaml); the\n"
"                          project directory is the one that holds it\n"
"      --l4-dir DIR        release candidates go here (default output-l4,\n"
"                          in the project directory)\n"
"      --tmpdir DIR        make workspaces here (default $TMPDIR or /tmp)\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n";

enum { OPT_EXPLAIN = 256, OPT_STRICT, OPT_L4, OPT_TMP };

static const struct option longopts[] = {
	{ "concurrency", required_argument, NULL, 'c' },
	{ "force-run-dependencies", no_argument, NULL, 'f' },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "project", required_argument, NULL, 'p' },
	{ "l4-dir", required_argument, NULL, OPT_L4 },
	{ "tmpdir", required_argument, NULL, OPT_TMP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

struct show {
	int l4_passed;
	const char *l4_dir;
};

static void
indent(const char *text)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		printf("     %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* The console: like `opensafely run`, one block per action. */
static void
on_event(void *ctx, const struct sdc_run_event *ev)
{
	struct show *s = ctx;
	size_t i;

	switch (ev->kind) {
	case SDC_RUN_EV_PLAN:
		printf("%s: %s: %s\n", ev->action, ev->will_run ? "will run" :
		    "will not run", ev->reason);
		if (ev->command != NULL)
			printf("   $ %s\n", ev->command);
		break;
	case SDC_RUN_EV_START:
		printf("=> %s\n   Running: %s\n   $ %s\n", ev->action,
		    ev->reason, ev->command);
		break;
	case SDC_RUN_EV_SKIP:
		printf("=> %s\n   Skipped: %s\n", ev->action, ev->reason);
		break;
	case SDC_RUN_EV_DONE:
		printf("=> %s\n   Completed successfully (%.1f s)\n"
		    "   log file: %s\n   outputs:\n", ev->action, ev->seconds,
		    ev->log);
		for (i = 0; i < ev->nfiles; i++)
			printf("     %s  - %s\n", ev->files[i].path,
			    sdc_privacy_name(ev->files[i].privacy));
		break;
	case SDC_RUN_EV_FAIL:
		printf("=> %s\n   Failed: %s\n", ev->action, ev->reason);
		if (ev->log != NULL)
			printf("   log file: %s\n", ev->log);
		if (ev->tail != NULL && ev->tail[0] != '\0') {
			printf("   last lines of the log:\n");
			indent(ev->tail);
		}
		break;
	case SDC_RUN_EV_L4:
		if (ev->l4_ok) {
			s->l4_passed++;
			printf("=> %s\n   Level 4: %s passed; copied to %s\n",
			    ev->action, ev->file, ev->l4_path);
		} else {
			printf("=> %s\n   Level 4: %s FAILED: %s\n", ev->action,
			    ev->file, ev->reason);
		}
		break;
	}
	fflush(stdout);
}

/* dir/rel, without a trailing "/." (caller frees). */
static char *
abs_path(const char *dir, const char *rel)
{
	size_t n = strlen(dir) + strlen(rel) + 2;
	char *s = malloc(n);

	if (s == NULL)
		return NULL;
	if (strcmp(rel, ".") == 0)
		snprintf(s, n, "%s", dir);
	else
		snprintf(s, n, "%s/%s", dir, rel);
	return s;
}

int
main(int argc, char **argv)
{
	struct sdc_cli cli;
	struct sdc_run_opts o;
	struct sdc_err err;
	struct sdc_project *p;
	struct show show = { 0, NULL };
	struct sigaction sa;
	const char *project = "project.yaml", *tmp;
	char *root, *slash;
	int ch, rc;

	sdc_cli_init(&cli, "sdc-run", usage, help);
	sdc_err_clear(&err);
	memset(&o, 0, sizeof(o));
	o.jobs = 2;
	o.l4_dir = "output-l4";
	o.check_prog = "sdc-check";
	tmp = getenv("TMPDIR");
	o.tmpdir = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp";
	while ((ch = getopt_long(argc, argv, "c:fp:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.jobs = (unsigned)sdc_cli_number(&cli, "-c", optarg, 1,
			    64);
			break;
		case 'f':
			o.force = 1;
			break;
		case OPT_EXPLAIN:
			o.explain = 1;
			break;
		case OPT_STRICT:
			o.strict = 1;
			break;
		case 'p':
			project = optarg;
			break;
		case OPT_L4:
			if (optarg[0] == '\0')
				sdc_cli_usage(&cli, "--l4-dir: empty name");
			o.l4_dir = optarg;
			break;
		case OPT_TMP:
			o.tmpdir = optarg;
			break;
		case 'h':
			sdc_cli_help(&cli);
		case 'V':
			sdc_cli_version(&cli);
		default:
			sdc_cli_usage(&cli, NULL);
		}
	}
	if (optind >= argc)
		sdc_cli_usage(&cli, "name the actions to run (or run_all)");
	if ((p = sdc_project_load(project, &err)) == NULL)
		sdc_cli_fail(&cli, &err);
	if ((root = strdup(project)) == NULL) {
		sdc_err_nomem(&err);
		sdc_cli_fail(&cli, &err);
	}
	if ((slash = strrchr(root, '/')) != NULL)
		slash[slash == root ? 1 : 0] = '\0';
	else
		strcpy(root, ".");
	if (root[0] != '/') {
		char cwd[4096];

		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			sdc_err_set(&err, SDC_EIO, ".", 0, 0, "%s",
			    strerror(errno));
			sdc_cli_fail(&cli, &err);
		}
		o.root = abs_path(cwd, root);
	} else {
		o.root = strdup(root);
	}
	if (o.root == NULL) {
		sdc_err_nomem(&err);
		sdc_cli_fail(&cli, &err);
	}
	show.l4_dir = o.l4_dir;
	o.event = on_event;
	o.ctx = &show;
	o.stop = &stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = sdc_runner_run(p, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &o, &err);
	if (rc < 0) {
		if (err.code == SDC_EUSAGE)
			sdc_cli_usage(&cli, "%s", err.msg);
		sdc_cli_fail(&cli, &err);
	}
	if (stop)
		printf("\nsdc-run: interrupted; the actions stopped are "
		    "recorded as failed\n");
	else if (show.l4_passed > 0)
		printf("\nRelease candidates (moderately_sensitive outputs "
		    "that passed the Level-4 checks) are in %s%s%s/\n",
		    o.l4_dir[0] == '/' ? "" : root,
		    o.l4_dir[0] == '/' ? "" : "/", o.l4_dir);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sdc-run: <stdout>: write error\n");
		rc = SDC_EXIT_ERROR;
	}
	sdc_project_free(p);
	free((char *)o.root);
	free(root);
	return rc;
}
