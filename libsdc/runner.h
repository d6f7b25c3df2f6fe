/*
 * runner.h - run the actions of a project (project.h): dependency order,
 * a temporary workspace per action, output checks, logs, state that
 * makes a rerun skip what is up to date, the manifest and the Level-4
 * gate on moderately_sensitive outputs.
 *
 * The runner never prints: what happens is reported through the event
 * callback, in order, from the calling thread.  It starts programs with
 * fork and execvp (so the program search uses the caller's PATH), each
 * in a process group of its own; when *stop becomes non-zero (set it
 * from a SIGINT or SIGTERM handler) it stops them, records them as
 * failed and returns.  A run killed outright leaves its actions marked
 * as running, and the next run treats them as failed.
 *
 * Files, all under the project directory root: metadata/ACTION.log,
 * metadata/manifest.json (written atomically), metadata/.sdc-run-state
 * (the runner's own record), and the Level-4 directory.
 */
#ifndef SDC_RUNNER_H
#define SDC_RUNNER_H

#include <signal.h>
#include <stddef.h>

#include "err.h"
#include "project.h"

enum sdc_run_ev {
	SDC_RUN_EV_PLAN,	/* --explain: will_run, reason */
	SDC_RUN_EV_START,	/* the action starts: reason, log */
	SDC_RUN_EV_SKIP,	/* up to date: reason */
	SDC_RUN_EV_DONE,	/* succeeded: log, files */
	SDC_RUN_EV_FAIL,	/* failed or not run: reason, log, tail */
	SDC_RUN_EV_L4		/* a moderately_sensitive file: file, l4_ok,
				   reason (the finding) or l4_path */
};

struct sdc_run_file {
	const char *path;	/* relative to the project directory */
	enum sdc_privacy privacy;
	const char *sha256;
	unsigned long long size;
};

/* Everything is valid only during the callback: copy what you keep. */
struct sdc_run_event {
	enum sdc_run_ev kind;
	const char *action;
	int will_run;
	const char *reason;
	const char *log;		/* metadata/ACTION.log, or NULL */
	const char *tail;		/* last lines of the log, or NULL */
	const char *command;		/* the command as run, or NULL */
	const struct sdc_run_file *files;
	size_t nfiles;
	const char *file;		/* SDC_RUN_EV_L4 */
	int l4_ok;
	const char *l4_path;
	double seconds;
};

struct sdc_run_opts {
	const char *root;	/* the project directory */
	const char *tmpdir;	/* where workspaces are made */
	const char *l4_dir;	/* release candidates, relative to root
				   unless absolute */
	const char *check_prog;	/* the sdc-check to run */
	unsigned jobs;		/* actions at once, 1 or more */
	int force;		/* run even what is up to date */
	int strict;		/* a Level-4 failure fails the action */
	int explain;		/* only say what would run, and why */
	volatile sig_atomic_t *stop;	/* may be NULL */
	void (*event)(void *ctx, const struct sdc_run_event *ev);
	void *ctx;
};

/*
 * Run the actions named (each an action of p, or "run_all" for every
 * action) and whatever they need.  Returns 0 when every named action
 * succeeded or was up to date, 1 when one did not (failed, its needs
 * failed, or the run was stopped), -1 with err set when the run could
 * not be done at all (an unknown action, an unreadable state file, a
 * workspace that cannot be made).
 */
int sdc_runner_run(const struct sdc_project *p, const char *const *names,
    size_t nnames, const struct sdc_run_opts *o, struct sdc_err *err);

#endif
