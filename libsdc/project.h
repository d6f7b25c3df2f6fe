/*
 * project.h - an OpenSAFELY-style project.yaml: loading (libyaml) and
 * validation.
 *
 * sdc_project_load reads and checks the whole file; the first problem
 * found is returned in err with the file, the line and the column of
 * the YAML node at fault (1-based).  A project that loads is valid:
 * every action has a run command that splits into words, every need
 * names another action, the needs have no cycle, every output pattern
 * is well formed and no two patterns of different privacy levels can
 * match the same file.  See project.yaml(5).
 *
 * The project owns every string and array reachable from it; all stay
 * valid until sdc_project_free.
 */
#ifndef SDC_PROJECT_H
#define SDC_PROJECT_H

#include <stddef.h>

#include "err.h"

/* The newest project.yaml version understood. */
#define SDC_PROJECT_VERSION_MAX 5

enum sdc_privacy {
	SDC_PRIVACY_HIGH,	/* highly_sensitive: never leaves */
	SDC_PRIVACY_MODERATE	/* moderately_sensitive: may be released */
};

/* "highly_sensitive" or "moderately_sensitive". */
const char *sdc_privacy_name(enum sdc_privacy p);

struct sdc_project_output {
	char *id;			/* the key under the privacy level */
	char *pattern;			/* relative path, '*' wildcards */
	enum sdc_privacy privacy;
	unsigned long line, column;	/* of the pattern */
};

/* What kind of program the run command names. */
enum sdc_run_kind {
	SDC_RUN_EHRQL,		/* ehrql:TAG generate-dataset|generate-measures */
	SDC_RUN_PYTHON,		/* python:TAG script.py ... */
	SDC_RUN_R,		/* r:TAG script.R ... */
	SDC_RUN_STATA,		/* stata-mp:TAG script.do ... */
	SDC_RUN_LOCAL,		/* sdc-*, sh or awk, no tag: run as written */
	SDC_RUN_OTHER		/* another image: cannot run here */
};

struct sdc_project_action {
	char *name;
	unsigned long line, column;	/* of the name */
	char *run;			/* the run string as written */
	unsigned long run_line, run_column;
	char **argv;			/* run split into words, NULL-ended */
	size_t argc;
	enum sdc_run_kind kind;
	char *image;			/* argv[0] before ':' */
	char *tag;			/* after ':', or NULL */
	size_t *needs;			/* indices into the project's actions */
	size_t nneeds;
	struct sdc_project_output *outputs;
	size_t noutputs;
	char *config;			/* config as compact JSON, or NULL */
	char *dummy_data_file;		/* or NULL */
};

struct sdc_project {
	char *file;			/* the name it was loaded under */
	double version;
	long population_size;		/* expectations; 0 when absent */
	struct sdc_project_action *actions;	/* in file order */
	size_t nactions;
	size_t *order;			/* action indices, needs first */
};

/* Load and validate path; NULL with err set on any problem. */
struct sdc_project *sdc_project_load(const char *path, struct sdc_err *err);

/* The same over n bytes of text; name is used in messages. */
struct sdc_project *sdc_project_parse(const char *text, size_t n,
    const char *name, struct sdc_err *err);

void sdc_project_free(struct sdc_project *p);

/* Index of the action called name, or -1. */
long sdc_project_find(const struct sdc_project *p, const char *name);

/*
 * Does path match pattern?  '*' matches any run of characters but '/';
 * everything else matches itself.
 */
int sdc_project_match(const char *pattern, const char *path);

/* Could some path match both patterns? */
int sdc_project_overlap(const char *a, const char *b);

/*
 * Split a command line into words as a POSIX shell would, with single
 * and double quotes and backslashes but no expansion.  Returns a
 * NULL-terminated array the caller frees with sdc_project_words_free,
 * its length in *n; NULL with err set (message only) on an unclosed
 * quote or no memory.
 */
char **sdc_project_split(const char *s, size_t *n, struct sdc_err *err);
void sdc_project_words_free(char **words);

#endif
