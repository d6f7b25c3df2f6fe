/* runner.c - run a project's actions; see runner.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "input.h"
#include "output.h"
#include "runner.h"
#include "sha256.h"

#define STATE_FILE "metadata/.sdc-run-state"
#define MANIFEST_FILE "metadata/manifest.json"
#define TAIL_LINES 10

/* ---- small helpers ---- */

struct sv {
	char **v;
	size_t n, cap;
};

static int
sv_add(struct sv *s, const char *str)
{
	if (s->n + 1 >= s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **t = realloc(s->v, cap * sizeof(*t));

		if (t == NULL)
			return -1;
		s->v = t;
		s->cap = cap;
	}
	if ((s->v[s->n] = strdup(str)) == NULL)
		return -1;
	s->v[++s->n] = NULL;
	return 0;
}

static int
sv_has(const struct sv *s, const char *str)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return 1;
	return 0;
}

static void
sv_free(struct sv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a/b" in a new string, or NULL. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static char *
fmt(const char *f, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static void
now_iso(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Make every directory above path (not path itself). */
static int
mkdir_parents(const char *path)
{
	char *d = strdup(path), *p;

	if (d == NULL)
		return -1;
	for (p = d + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(d, 0777) != 0 && errno != EEXIST) {
			free(d);
			return -1;
		}
		*p = '/';
	}
	free(d);
	return 0;
}

static void
rm_rf(const char *path)
{
	struct stat st;
	DIR *dir;
	struct dirent *e;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (dir = opendir(path)) != NULL) {
		while ((e = readdir(dir)) != NULL) {
			char *c;

			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			if ((c = fmt("%s/%s", path, e->d_name)) != NULL) {
				rm_rf(c);
				free(c);
			}
		}
		closedir(dir);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/*
 * The regular files under base/rel (rel may be ""), as paths relative
 * to base, into out; skip(ctx, relpath, isdir) may leave some out.
 * Symbolic links are never followed into directories (a loop would never
 * end); with links, every symbolic link goes there instead, else one to
 * a regular file counts as that file.
 */
static int
walk(const char *base, const char *rel, struct sv *out,
    int (*skip)(void *, const char *, int), void *ctx, struct sv *links)
{
	char *dpath = rel[0] ? fmt("%s/%s", base, rel) : strdup(base);
	DIR *dir;
	struct dirent *e;
	int rc = 0;

	if (dpath == NULL)
		return -1;
	if ((dir = opendir(dpath)) == NULL) {
		free(dpath);
		return -1;
	}
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		char *r, *full;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = rel[0] ? fmt("%s/%s", rel, e->d_name) : strdup(e->d_name);
		full = r ? fmt("%s/%s", base, r) : NULL;
		if (r == NULL || full == NULL) {
			rc = -1;
		} else if (lstat(full, &st) != 0) {
			;	/* gone meanwhile */
		} else if (S_ISLNK(st.st_mode) && links != NULL) {
			rc = sv_add(links, r);
		} else if (!S_ISLNK(st.st_mode) || (stat(full, &st) == 0 &&
		    S_ISREG(st.st_mode))) {
			int isdir = S_ISDIR(st.st_mode);

			if ((isdir || S_ISREG(st.st_mode)) &&
			    (skip == NULL || !skip(ctx, r, isdir)))
				rc = isdir ? walk(base, r, out, skip, ctx,
				    links) : sv_add(out, r);
		}
		free(r);
		free(full);
	}
	closedir(dir);
	free(dpath);
	if (rc == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return rc;
}

/*
 * Hash src (and copy it to dst when dst is not NULL, through a
 * temporary name and a rename).  0 or -1 with errno.
 */
static int
hash_copy(const char *src, const char *dst, char hex[65],
    unsigned long long *size)
{
	struct sdc_sha256 h;
	char buf[65536], *tmp = NULL;
	int in, out = -1, e;
	ssize_t n;
	unsigned long long total = 0;

	if ((in = open(src, O_RDONLY)) < 0)
		return -1;
	if (dst != NULL) {
		if (mkdir_parents(dst) != 0 ||
		    (tmp = fmt("%s.sdc-run-tmp", dst)) == NULL ||
		    (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
			goto fail;
	}
	sdc_sha256_init(&h);
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		sdc_sha256_update(&h, buf, (size_t)n);
		total += (unsigned long long)n;
		if (out >= 0) {
			ssize_t off = 0, w;

			while (off < n) {
				if ((w = write(out, buf + off,
				    (size_t)(n - off))) < 0) {
					if (errno == EINTR)
						continue;
					goto fail;
				}
				off += w;
			}
		}
	}
	close(in);
	in = -1;
	if (out >= 0) {
		if (close(out) != 0) {
			out = -1;
			goto fail;
		}
		out = -1;
		if (rename(tmp, dst) != 0)
			goto fail;
	}
	free(tmp);
	sdc_sha256_hex(&h, hex);
	if (size != NULL)
		*size = total;
	return 0;
fail:
	e = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	errno = e;
	return -1;
}

/* ---- state ---- */

enum { ST_NONE, ST_OK, ST_FAIL, ST_RUNNING };
static const char *const st_names[] = { "none", "succeeded", "failed",
    "running" };

struct rec {
	char *path;
	char sha[65];
	enum sdc_privacy privacy;
	unsigned long long size;
	long rows, cols;	/* -1 when not a CSV */
};

struct st {
	int status;
	int interrupted;	/* a run was killed while it ran */
	int exit_code;
	char kcmd[65], kcode[65], kin[65];
	char started[32], finished[32];
	double seconds;
	struct rec *out;
	size_t nout;
};

enum { P_IDLE, P_WAIT, P_RUN, P_OK, P_FAIL };

struct job {
	int phase;
	pid_t pid;
	char *ws;		/* workspace directory */
	char *part;		/* the log while it runs */
	char **argv;		/* the command as run (owned) */
	char *cmdline;
	char *copy_from;	/* a dummy data file to copy instead */
	char *copy_to;
	char *tail;		/* the log's last lines, for a failure */
	struct sv code, inputs;	/* files put in the workspace */
	char kcmd[65], kcode[65], kin[65];
	char started[32];
	double t0;
};

struct run {
	const struct sdc_project *p;
	const struct sdc_run_opts *o;
	struct sdc_err *err;
	struct st *st;
	struct job *job;
	char *l4rel;		/* first component of a relative l4 dir */
	size_t running;
};

static void
emit(struct run *r, struct sdc_run_event *ev)
{
	if (r->o->event != NULL)
		r->o->event(r->o->ctx, ev);
}

static char *
at_root(struct run *r, const char *rel)
{
	return fmt("%s/%s", r->o->root, rel);
}

static void
st_clear_out(struct st *s)
{
	size_t i;

	for (i = 0; i < s->nout; i++)
		free(s->out[i].path);
	free(s->out);
	s->out = NULL;
	s->nout = 0;
}

static int
st_add_out(struct st *s, const char *path, const char *sha,
    enum sdc_privacy pv, unsigned long long size, long rows, long cols)
{
	struct rec *t = realloc(s->out, (s->nout + 1) * sizeof(*t));

	if (t == NULL)
		return -1;
	s->out = t;
	if ((t[s->nout].path = strdup(path)) == NULL)
		return -1;
	snprintf(t[s->nout].sha, sizeof(t[s->nout].sha), "%s", sha);
	t[s->nout].privacy = pv;
	t[s->nout].size = size;
	t[s->nout].rows = rows;
	t[s->nout].cols = cols;
	s->nout++;
	return 0;
}

/* Split line at tabs into at most max fields; returns the count. */
static size_t
split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

static int
state_load(struct run *r)
{
	char *path = at_root(r, STATE_FILE), *line = NULL;
	size_t cap = 0;
	unsigned long long lineno = 0;
	FILE *f;

	if (path == NULL)
		return sdc_err_nomem(r->err);
	if ((f = fopen(path, "r")) == NULL) {
		free(path);
		if (errno == ENOENT)
			return 0;
		return sdc_err_set(r->err, SDC_EIO, STATE_FILE, 0, 0, "%s",
		    strerror(errno));
	}
	while (getline(&line, &cap, f) > 0) {
		char *fld[10];
		size_t n = split_tabs(line, fld, 10);
		long a;
		int s;

		lineno++;
		if (n < 3 || (a = sdc_project_find(r->p, fld[1])) < 0)
			continue;
		if (strcmp(fld[0], "action") == 0 && n == 10) {
			struct st *x = &r->st[a];

			for (s = ST_OK; s <= ST_RUNNING; s++)
				if (strcmp(fld[2], st_names[s]) == 0)
					x->status = s;
			if (x->status == ST_RUNNING) {
				x->status = ST_FAIL;
				x->interrupted = 1;
			}
			x->exit_code = atoi(fld[3]);
			snprintf(x->kcmd, 65, "%s", fld[4]);
			snprintf(x->kcode, 65, "%s", fld[5]);
			snprintf(x->kin, 65, "%s", fld[6]);
			snprintf(x->started, 32, "%s", fld[7]);
			snprintf(x->finished, 32, "%s", fld[8]);
			x->seconds = strtod(fld[9], NULL);
		} else if (strcmp(fld[0], "output") == 0 && n == 8) {
			if (st_add_out(&r->st[a], fld[2], fld[3],
			    strcmp(fld[4], "moderately_sensitive") == 0 ?
			    SDC_PRIVACY_MODERATE : SDC_PRIVACY_HIGH,
			    strtoull(fld[5], NULL, 10), strtol(fld[6], NULL,
			    10), strtol(fld[7], NULL, 10)) != 0) {
				free(line);
				fclose(f);
				free(path);
				return sdc_err_nomem(r->err);
			}
		}
	}
	free(line);
	fclose(f);
	free(path);
	return 0;
}

static int
write_str(struct sdc_output *out, const char *s, struct sdc_err *err)
{
	return sdc_output_write(out, s, strlen(s), err);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
writef(struct sdc_output *out, struct sdc_err *err, const char *f, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
		    "line too long");
	return sdc_output_write(out, buf, (size_t)n, err);
}

static int
state_save(struct run *r)
{
	char *path = at_root(r, STATE_FILE);
	struct sdc_output *out;
	size_t i, k;

	if (path == NULL)
		return sdc_err_nomem(r->err);
	if (mkdir_parents(path) != 0) {
		free(path);
		return sdc_err_set(r->err, SDC_EIO, "metadata", 0, 0, "%s",
		    strerror(errno));
	}
	out = sdc_output_open(path, r->err);
	free(path);
	if (out == NULL)
		return -1;
	for (i = 0; i < r->p->nactions; i++) {
		struct st *s = &r->st[i];

		if (s->status == ST_NONE)
			continue;
		if (writef(out, r->err, "action\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s"
		    "\t%.3f\n", r->p->actions[i].name, st_names[s->status],
		    s->exit_code, s->kcmd, s->kcode, s->kin, s->started,
		    s->finished, s->seconds) != 0)
			goto fail;
		for (k = 0; k < s->nout; k++)
			if (writef(out, r->err, "output\t%s\t%s\t%s\t%s\t%llu"
			    "\t%ld\t%ld\n", r->p->actions[i].name,
			    s->out[k].path, s->out[k].sha,
			    sdc_privacy_name(s->out[k].privacy),
			    s->out[k].size, s->out[k].rows, s->out[k].cols) !=
			    0)
				goto fail;
	}
	return sdc_output_commit(out, r->err);
fail:
	sdc_output_abort(out);
	return -1;
}

/* ---- the command as run ---- */

static int
argv_add(char ***v, size_t *n, const char *s)
{
	char **t = realloc(*v, (*n + 2) * sizeof(*t));

	if (t == NULL)
		return -1;
	*v = t;
	if ((t[*n] = strdup(s)) == NULL)
		return -1;
	t[++*n] = NULL;
	return 0;
}

/* The value of an ehrql option at argv[*i] (both "--x v" and "--x=v"). */
static const char *
opt_val(char **argv, size_t argc, size_t *i, const char *name)
{
	size_t n = strlen(name);

	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return argv[++*i];
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	return NULL;
}

/*
 * Build job->argv (or the copy of a dummy data file) from the action.
 * On failure a reason for the user in why.
 */
static int
expand(struct run *r, size_t ai, char *why, size_t nwhy)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	struct job *j = &r->job[ai];
	char **v = NULL;
	size_t n = 0, i;
	int ok = 0;

	if (a->kind == SDC_RUN_EHRQL) {
		const char *def = a->argv[2], *outp = NULL, *tables = NULL,
		    *dummy = a->dummy_data_file, *x;
		size_t params = a->argc;

		for (i = 3; i < a->argc; i++) {
			if (strcmp(a->argv[i], "--") == 0) {
				params = i;
				break;
			}
			if ((x = opt_val(a->argv, a->argc, &i, "--output")))
				outp = x;
			else if ((x = opt_val(a->argv, a->argc, &i,
			    "--dummy-tables")))
				tables = x;
			else if ((x = opt_val(a->argv, a->argc, &i,
			    "--dummy-data-file")))
				dummy = x;
			else {
				snprintf(why, nwhy, "ehrql option %s is not "
				    "supported by sdc-run", a->argv[i]);
				return -1;
			}
		}
		if (strstr(outp, ".csv") == NULL ||
		    (strcmp(outp + strlen(outp) - 4, ".csv") != 0 &&
		    strcmp(outp + strlen(outp) - 7, ".csv.gz") != 0)) {
			snprintf(why, nwhy, "--output %s: sdc-run writes only "
			    ".csv and .csv.gz datasets", outp);
			return -1;
		}
		if (dummy != NULL) {
			if ((j->copy_from = strdup(dummy)) == NULL ||
			    (j->copy_to = strdup(outp)) == NULL)
				goto oom;
			if (argv_add(&v, &n, "(copy)") || argv_add(&v, &n,
			    dummy) || argv_add(&v, &n, outp))
				goto oom;
		} else if (tables != NULL) {
			if (argv_add(&v, &n, "sdc-extract") ||
			    argv_add(&v, &n, "--tables") ||
			    argv_add(&v, &n, tables) ||
			    argv_add(&v, &n, "-o") || argv_add(&v, &n, outp) ||
			    argv_add(&v, &n, def))
				goto oom;
			for (i = params; i < a->argc; i++)
				if (argv_add(&v, &n, a->argv[i]))
					goto oom;
		} else {
			if (argv_add(&v, &n, "sdc-dummy") ||
			    argv_add(&v, &n, def) || argv_add(&v, &n, "-o") ||
			    argv_add(&v, &n, outp))
				goto oom;
			if (r->p->version < 4 && r->p->population_size > 0) {
				char num[32];

				snprintf(num, sizeof(num), "%ld",
				    r->p->population_size);
				if (argv_add(&v, &n, "--population-size") ||
				    argv_add(&v, &n, num))
					goto oom;
			}
		}
		ok = 1;
	} else if (a->kind == SDC_RUN_OTHER) {
		snprintf(why, nwhy, "image %s cannot run here: sdc-run runs "
		    "ehrql, python, r, stata-mp, sdc-*, sh and awk actions",
		    a->image);
		return -1;
	} else {
		size_t from = 1;

		switch (a->kind) {
		case SDC_RUN_PYTHON:
			if (a->argc > 1 && (strcmp(a->argv[1], "python") == 0 ||
			    strcmp(a->argv[1], "python3") == 0))
				from = 2;
			ok = argv_add(&v, &n, "python3") == 0;
			break;
		case SDC_RUN_R:
			if (a->argc > 1 && strcmp(a->argv[1], "Rscript") == 0)
				from = 2;
			ok = argv_add(&v, &n, "Rscript") == 0;
			break;
		case SDC_RUN_STATA:
			ok = argv_add(&v, &n, "stata-mp") == 0 &&
			    argv_add(&v, &n, "-b") == 0 &&
			    argv_add(&v, &n, "do") == 0;
			break;
		default:
			ok = argv_add(&v, &n, a->image) == 0;
			break;
		}
		if (!ok)
			goto oom;
		for (i = from; i < a->argc; i++)
			if (argv_add(&v, &n, a->argv[i]))
				goto oom;
	}
	if (a->config != NULL && j->copy_from == NULL &&
	    (argv_add(&v, &n, "--config") || argv_add(&v, &n, a->config)))
		goto oom;
	(void)ok;
	j->argv = v;
	return 0;
oom:
	sdc_project_words_free(v);
	snprintf(why, nwhy, "out of memory");
	return -1;
}

/* The command as a shell would read it, for logs and messages. */
static char *
cmdline(char **v)
{
	size_t i, len = 1;
	char *s, *p;

	for (i = 0; v[i] != NULL; i++)
		len += strlen(v[i]) * 4 + 3;
	if ((s = p = malloc(len)) == NULL)
		return NULL;
	for (i = 0; v[i] != NULL; i++) {
		const char *c;

		if (i > 0)
			*p++ = ' ';
		if (v[i][0] != '\0' && strspn(v[i], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") ==
		    strlen(v[i])) {
			strcpy(p, v[i]);
			p += strlen(v[i]);
			continue;
		}
		*p++ = '\'';
		for (c = v[i]; *c; c++) {
			if (*c == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *c;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

/* ---- keys: what decides whether an action is up to date ---- */

/* Is rel a file any action declares as an output? */
static int
is_output(const struct sdc_project *p, const char *rel)
{
	size_t i, k;

	for (i = 0; i < p->nactions; i++)
		for (k = 0; k < p->actions[i].noutputs; k++)
			if (sdc_project_match(p->actions[i].outputs[k].pattern,
			    rel))
				return 1;
	return 0;
}

static int
code_skip(void *ctx, const char *rel, int isdir)
{
	struct run *r = ctx;

	if (strcmp(rel, ".git") == 0 || strcmp(rel, "metadata") == 0 ||
	    (r->l4rel != NULL && strcmp(rel, r->l4rel) == 0))
		return 1;
	return !isdir && is_output(r->p, rel);
}

static void
keys(struct run *r, size_t ai)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	struct job *j = &r->job[ai];
	struct sdc_sha256 h;
	struct sv files = { 0 };
	size_t i, k;

	sdc_sha256_init(&h);
	for (i = 0; j->argv[i] != NULL; i++)
		sdc_sha256_update(&h, j->argv[i], strlen(j->argv[i]) + 1);
	for (i = 0; i < a->noutputs; i++) {
		sdc_sha256_update(&h, a->outputs[i].pattern,
		    strlen(a->outputs[i].pattern) + 1);
		sdc_sha256_update(&h, a->outputs[i].privacy ? "m" : "h", 1);
	}
	sdc_sha256_hex(&h, j->kcmd);

	/* The code: every file the workspace gets but the inputs. */
	sdc_sha256_init(&h);
	walk(r->o->root, "", &files, code_skip, r, NULL);
	for (i = 0; i < files.n; i++) {
		char *full = at_root(r, files.v[i]), hex[65];

		sdc_sha256_update(&h, files.v[i], strlen(files.v[i]) + 1);
		if (full != NULL && hash_copy(full, NULL, hex, NULL) == 0)
			sdc_sha256_update(&h, hex, 64);
		free(full);
	}
	sv_free(&files);
	sdc_sha256_hex(&h, j->kcode);

	sdc_sha256_init(&h);
	for (i = 0; i < a->nneeds; i++) {
		const struct st *s = &r->st[a->needs[i]];

		for (k = 0; k < s->nout; k++) {
			sdc_sha256_update(&h, s->out[k].path,
			    strlen(s->out[k].path) + 1);
			sdc_sha256_update(&h, s->out[k].sha, 64);
		}
	}
	sdc_sha256_hex(&h, j->kin);
}

/*
 * Whether action ai must run, and why, into why.  Computes the keys and
 * checks the outputs recorded for it.
 */
static int
must_run(struct run *r, size_t ai, int force, char *why, size_t nwhy)
{
	struct st *s = &r->st[ai];
	struct job *j = &r->job[ai];
	size_t k;

	keys(r, ai);
	if (force)
		return snprintf(why, nwhy, "forced (-f)"), 1;
	if (s->status == ST_NONE)
		return snprintf(why, nwhy, "it has not run before"), 1;
	if (s->status == ST_FAIL && s->interrupted)
		return snprintf(why, nwhy, "it was interrupted"), 1;
	if (s->status == ST_FAIL)
		return snprintf(why, nwhy, "it failed last time"), 1;
	if (strcmp(s->kcmd, j->kcmd) != 0)
		return snprintf(why, nwhy, "its command or outputs changed"), 1;
	if (strcmp(s->kcode, j->kcode) != 0)
		return snprintf(why, nwhy, "its code or codelists changed"), 1;
	if (strcmp(s->kin, j->kin) != 0)
		return snprintf(why, nwhy, "its inputs changed"), 1;
	for (k = 0; k < s->nout; k++) {
		char *full = at_root(r, s->out[k].path), hex[65];
		int rc = full ? hash_copy(full, NULL, hex, NULL) : -1;

		free(full);
		if (rc != 0)
			return snprintf(why, nwhy, "output %s is missing",
			    s->out[k].path), 1;
		if (strcmp(hex, s->out[k].sha) != 0)
			return snprintf(why, nwhy, "output %s was changed",
			    s->out[k].path), 1;
	}
	snprintf(why, nwhy, "up to date (last run %s)", s->finished);
	return 0;
}

/* ---- running ---- */

static void
job_reset(struct job *j)
{
	if (j->ws != NULL)
		rm_rf(j->ws);
	free(j->ws);
	free(j->part);
	sdc_project_words_free(j->argv);
	free(j->cmdline);
	free(j->copy_from);
	free(j->copy_to);
	free(j->tail);
	j->tail = NULL;
	sv_free(&j->code);
	sv_free(&j->inputs);
	j->ws = j->part = j->cmdline = j->copy_from = j->copy_to = NULL;
	j->argv = NULL;
}

/* The last TAIL_LINES lines of file path (caller frees). */
static char *
tail(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long size, from;
	size_t n, i, lines = 0;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	from = size > 8192 ? size - 8192 : 0;
	fseek(f, from, SEEK_SET);
	if ((buf = calloc(8193, 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, 8192, f);
	fclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (i = n; i > 0; i--)
		if (buf[i - 1] == '\n' && ++lines == TAIL_LINES)
			break;
	memmove(buf, buf + i, n - i + 1);
	return buf;
}

/* Start argv in dir with output to logpath; 0, or -1 with errno. */
static pid_t
spawn(char **argv, const char *dir, const char *logpath, int own_group,
    int *exec_failed)
{
	int pfd[2], e = 0;
	pid_t pid;
	ssize_t got;

	if (pipe(pfd) != 0)
		return -1;
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) < 0) {
		e = errno;
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		int fd, nul;

		if (own_group)
			setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		int msg[2] = { 0, 0 };

		if (chdir(dir) != 0 ||
		    (fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND,
		    0666)) < 0 || (nul = open("/dev/null", O_RDONLY)) < 0 ||
		    dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
			msg[1] = errno;
		} else {
			execvp(argv[0], argv);
			msg[0] = 1;
			msg[1] = errno;
		}
		if (write(pfd[1], msg, sizeof(msg)) < 0)
			_exit(127);
		_exit(127);
	}
	if (own_group)
		setpgid(pid, pid);
	close(pfd[1]);
	{
		int msg[2];

		do
			got = read(pfd[0], msg, sizeof(msg));
		while (got < 0 && errno == EINTR);
		close(pfd[0]);
		if (got == (ssize_t)sizeof(msg)) {
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			*exec_failed = msg[0];
			errno = msg[1];
			return -1;
		}
	}
	return pid;
}

static void
fail_action(struct run *r, size_t ai, const char *why, int with_log)
{
	struct sdc_run_event ev;
	char *log = fmt("metadata/%s.log", r->p->actions[ai].name);
	char *full = log ? at_root(r, log) : NULL;
	char *t = with_log ? r->job[ai].tail : NULL;

	r->job[ai].phase = P_FAIL;
	memset(&ev, 0, sizeof(ev));
	ev.kind = SDC_RUN_EV_FAIL;
	ev.action = r->p->actions[ai].name;
	ev.reason = why;
	ev.log = with_log ? log : NULL;
	ev.tail = t;
	ev.command = r->job[ai].cmdline;
	emit(r, &ev);
	free(t);
	r->job[ai].tail = NULL;
	free(full);
	free(log);
}

/* Copy the code and the needs' outputs into a new workspace. */
static int
prepare(struct run *r, size_t ai, char *why, size_t nwhy)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	struct job *j = &r->job[ai];
	char *tmpl = fmt("%s/sdc-run-%s-XXXXXX", r->o->tmpdir, a->name);
	size_t i, k;

	if (tmpl == NULL || mkdtemp(tmpl) == NULL) {
		snprintf(why, nwhy, "cannot make a workspace in %s: %s",
		    r->o->tmpdir, strerror(errno));
		free(tmpl);
		return -1;
	}
	j->ws = tmpl;
	if (walk(r->o->root, "", &j->code, code_skip, r, NULL) != 0) {
		snprintf(why, nwhy, "cannot read the project directory: %s",
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < j->code.n; i++) {
		char *src = at_root(r, j->code.v[i]);
		char *dst = fmt("%s/%s", j->ws, j->code.v[i]), hex[65];
		int rc = src && dst ? hash_copy(src, dst, hex, NULL) : -1;

		free(src);
		free(dst);
		if (rc != 0) {
			snprintf(why, nwhy, "cannot copy %s to the workspace: "
			    "%s", j->code.v[i], strerror(errno));
			return -1;
		}
	}
	for (k = 0; k < a->noutputs; k++) {
		/* The directories of the outputs, up to any wildcard. */
		char *d = fmt("%s/%s", j->ws, a->outputs[k].pattern), *star;

		if (d != NULL && (star = strchr(d + strlen(j->ws), '*')) !=
		    NULL)
			*star = '\0';
		if (d != NULL)
			mkdir_parents(d);
		free(d);
	}
	for (i = 0; i < a->nneeds; i++) {
		const struct st *s = &r->st[a->needs[i]];

		for (k = 0; k < s->nout; k++) {
			char *src = at_root(r, s->out[k].path);
			char *dst = fmt("%s/%s", j->ws, s->out[k].path), hex[65];
			int rc = src && dst ? hash_copy(src, dst, hex, NULL) :
			    -1;

			free(src);
			free(dst);
			if (rc != 0 || sv_add(&j->inputs, s->out[k].path)) {
				snprintf(why, nwhy, "cannot copy input %s: %s",
				    s->out[k].path, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* Check that path is a CSV file: every record parses. */
static int
csv_shape(const char *path, long *rows, long *cols, struct sdc_err *err)
{
	struct sdc_input *in = sdc_input_open(path, err);
	struct sdc_csv_reader *rd;
	const struct sdc_csv_row *row;
	long n = 0;
	int rc;

	if (in == NULL)
		return -1;
	if ((rd = sdc_csv_reader_new(in, SDC_CSV_DUPLICATES, err)) == NULL) {
		sdc_input_free(in);
		return -1;
	}
	*cols = (long)sdc_csv_reader_header(rd)->n;
	while ((rc = sdc_csv_reader_next(rd, &row, err)) == 1)
		n++;
	*rows = n;
	sdc_csv_reader_free(rd);
	sdc_input_free(in);
	return rc;
}

static int
is_csv_name(const char *p)
{
	size_t n = strlen(p);

	return (n > 4 && strcmp(p + n - 4, ".csv") == 0) ||
	    (n > 7 && strcmp(p + n - 7, ".csv.gz") == 0);
}

/* Start action ai: workspace, then the program (or the copy). */
static void
start(struct run *r, size_t ai, const char *reason)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	struct job *j = &r->job[ai];
	struct st *s = &r->st[ai];
	struct sdc_run_event ev;
	char why[1024], *logrel = fmt("metadata/%s.log", a->name);
	int xf = 0;

	j->part = fmt("%s/metadata/.%s.log.part", r->o->root, a->name);
	if (logrel == NULL || j->part == NULL) {
		free(logrel);
		fail_action(r, ai, "out of memory", 0);
		return;
	}
	now_iso(j->started);
	j->t0 = now_s();
	memset(&ev, 0, sizeof(ev));
	ev.kind = SDC_RUN_EV_START;
	ev.action = a->name;
	ev.reason = reason;
	ev.log = logrel;
	ev.command = j->cmdline;
	emit(r, &ev);
	free(logrel);
	mkdir_parents(j->part);
	unlink(j->part);
	s->status = ST_RUNNING;
	snprintf(s->started, sizeof(s->started), "%s", j->started);
	if (state_save(r) != 0) {
		snprintf(why, sizeof(why), "cannot record state: %s",
		    r->err->msg);
		goto fail;
	}
	if (prepare(r, ai, why, sizeof(why)) != 0)
		goto fail;
	if (j->copy_from != NULL) {
		char *src = fmt("%s/%s", j->ws, j->copy_from);
		char *dst = fmt("%s/%s", j->ws, j->copy_to), hex[65];
		struct sdc_err e;
		long rows, cols;

		sdc_err_clear(&e);
		if (src == NULL || dst == NULL)
			snprintf(why, sizeof(why), "out of memory");
		else if (!is_csv_name(j->copy_from))
			snprintf(why, sizeof(why), "dummy data file %s is not "
			    "a .csv or .csv.gz file", j->copy_from);
		else if (csv_shape(src, &rows, &cols, &e) != 0)
			snprintf(why, sizeof(why), "dummy data file %s: %s",
			    j->copy_from, e.msg);
		else if (hash_copy(src, dst, hex, NULL) != 0)
			snprintf(why, sizeof(why), "cannot copy %s: %s",
			    j->copy_from, strerror(errno));
		else
			why[0] = '\0';
		free(src);
		free(dst);
		if (why[0] != '\0')
			goto fail;
		j->pid = 0;	/* done already: finish() sees exit 0 */
		j->phase = P_RUN;
		r->running++;
		return;
	}
	if ((j->pid = spawn(j->argv, j->ws, j->part, 1, &xf)) < 0) {
		if (!xf)
			snprintf(why, sizeof(why), "cannot start: %s",
			    strerror(errno));
		else if (errno == ENOENT)
			snprintf(why, sizeof(why), "%s not found: this action "
			    "needs %s on the PATH", j->argv[0], j->argv[0]);
		else
			snprintf(why, sizeof(why), "cannot run %s: %s",
			    j->argv[0], strerror(errno));
		goto fail;
	}
	j->phase = P_RUN;
	r->running++;
	return;
fail:
	s->status = ST_FAIL;
	s->exit_code = -1;
	now_iso(s->finished);
	state_save(r);
	fail_action(r, ai, why, 0);
	job_reset(j);
}

/* Run sdc-check on files (relative to root) into a temporary report. */
static int
run_check(struct run *r, char **files, size_t n, char **report)
{
	char **v = NULL, *rep = fmt("%s/sdc-run-check-XXXXXX", r->o->tmpdir);
	size_t nv = 0, i;
	int fd, status = 0, xf = 0;
	pid_t pid;

	*report = NULL;
	if (rep == NULL || (fd = mkstemp(rep)) < 0) {
		free(rep);
		return -1;
	}
	close(fd);
	if (argv_add(&v, &nv, r->o->check_prog) ||
	    argv_add(&v, &nv, "--profile") || argv_add(&v, &nv, "opensafely"))
		goto fail;
	for (i = 0; i < n; i++)
		if (argv_add(&v, &nv, files[i]))
			goto fail;
	if ((pid = spawn(v, r->o->root, rep, 0, &xf)) < 0)
		goto fail;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			goto fail;
	sdc_project_words_free(v);
	*report = rep;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
fail:
	sdc_project_words_free(v);
	unlink(rep);
	free(rep);
	return -1;
}

/* The first line in report that is about file, or NULL (caller frees). */
static char *
finding_for(const char *report, const char *file, int any_line)
{
	FILE *f = fopen(report, "r");
	char *line = NULL, *hit = NULL;
	size_t cap = 0, n = strlen(file);

	if (f == NULL)
		return NULL;
	while (hit == NULL && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if ((strncmp(line, file, n) == 0 && line[n] == ':') ||
		    (any_line && line[0] != '\0'))
			hit = strdup(line);
	}
	free(line);
	fclose(f);
	return hit;
}

static void
l4_event(struct run *r, size_t ai, const char *file, int ok,
    const char *finding, const char *l4path)
{
	struct sdc_run_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = SDC_RUN_EV_L4;
	ev.action = r->p->actions[ai].name;
	ev.file = file;
	ev.l4_ok = ok;
	ev.reason = finding;
	ev.l4_path = l4path;
	emit(r, &ev);
}

/*
 * The Level-4 gate over the moderately_sensitive outputs of ai: passes
 * are copied to the l4 directory, failures removed from it.  Returns the
 * number of files that failed.
 */
static int
l4_gate(struct run *r, size_t ai)
{
	struct st *s = &r->st[ai];
	struct sv files = { 0 };
	char *report = NULL;
	size_t i;
	int rc, failed = 0;

	for (i = 0; i < s->nout; i++)
		if (s->out[i].privacy == SDC_PRIVACY_MODERATE)
			sv_add(&files, s->out[i].path);
	if (files.n == 0)
		return 0;
	rc = run_check(r, files.v, files.n, &report);
	for (i = 0; i < files.n; i++) {
		char *finding = NULL, *l4rel, *src, *dst, hex[65];

		if (rc == 2 && report != NULL) {
			char *one = NULL;
			int rc1 = run_check(r, &files.v[i], 1, &one);

			if (rc1 != 0)
				finding = one ? finding_for(one, files.v[i],
				    rc1 == 2) : NULL;
			if (rc1 != 0 && finding == NULL)
				finding = strdup("sdc-check could not check "
				    "it");
			if (one != NULL) {
				unlink(one);
				free(one);
			}
		} else if (rc == 1) {
			finding = finding_for(report, files.v[i], 0);
		} else if (rc != 0) {
			finding = strdup(rc < 0 ? "sdc-check could not be run" :
			    "sdc-check failed");
		}
		l4rel = r->o->l4_dir[0] == '/' ?
		    fmt("%s/%s", r->o->l4_dir, files.v[i]) :
		    fmt("%s/%s", r->o->l4_dir, files.v[i]);
		dst = l4rel == NULL ? NULL : r->o->l4_dir[0] == '/' ?
		    strdup(l4rel) : at_root(r, l4rel);
		src = at_root(r, files.v[i]);
		if (finding != NULL) {
			failed++;
			if (dst != NULL)
				unlink(dst);
			l4_event(r, ai, files.v[i], 0, finding, NULL);
		} else if (src != NULL && dst != NULL &&
		    hash_copy(src, dst, hex, NULL) == 0) {
			l4_event(r, ai, files.v[i], 1, NULL, l4rel);
		} else {
			failed++;
			l4_event(r, ai, files.v[i], 0, "cannot copy to the "
			    "Level-4 directory", NULL);
		}
		free(finding);
		free(l4rel);
		free(src);
		free(dst);
	}
	if (report != NULL) {
		unlink(report);
		free(report);
	}
	sv_free(&files);
	return failed;
}

/* Append the trailer and install the log as metadata/ACTION.log. */
static void
write_log(struct run *r, size_t ai, int status, double secs,
    const char *outcome)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	struct job *j = &r->job[ai];
	struct st *s = &r->st[ai];
	char *path = fmt("%s/metadata/%s.log", r->o->root, a->name);
	char buf[65536], fin[32];
	struct sdc_output *out;
	struct sdc_err e;
	size_t k;
	int fd;
	ssize_t n;

	sdc_err_clear(&e);
	if (path == NULL || (out = sdc_output_open(path, &e)) == NULL) {
		free(path);
		return;
	}
	if ((fd = open(j->part, O_RDONLY)) >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			sdc_output_write(out, buf, (size_t)n, &e);
		close(fd);
	}
	now_iso(fin);
	writef(out, &e, "\n--- sdc-run ---\naction: %s\ncommand: %s\n",
	    a->name, j->cmdline ? j->cmdline : a->run);
	writef(out, &e, "exit status: %d\nstarted: %s\nfinished: %s\n"
	    "elapsed: %.3f s\nresult: %s\n", status, j->started, fin, secs,
	    outcome);
	write_str(out, "outputs:\n", &e);
	for (k = 0; k < s->nout; k++)
		writef(out, &e, "  %s  %s  sha256:%s\n", s->out[k].path,
		    sdc_privacy_name(s->out[k].privacy), s->out[k].sha);
	if (sdc_output_commit(out, &e) == 0)
		unlink(j->part);
	free(path);
}

/* After the program of ai ended with wait status ws. */
static void
finish(struct run *r, size_t ai, int ws)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	struct job *j = &r->job[ai];
	struct st *s = &r->st[ai];
	struct sv all = { 0 }, made = { 0 }, links = { 0 };
	struct sdc_run_file *files = NULL;
	char why[2048] = "";
	double secs = now_s() - j->t0;
	int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	size_t i, k;

	r->running--;
	s->interrupted = 0;
	s->exit_code = code;
	s->seconds = secs;
	now_iso(s->finished);
	if (code != 0) {
		if (WIFSIGNALED(ws))
			snprintf(why, sizeof(why), "killed by signal %d%s",
			    WTERMSIG(ws), r->o->stop && *r->o->stop ?
			    " (interrupted)" : "");
		else
			snprintf(why, sizeof(why), "exited with status %d",
			    code);
		goto failed;
	}
	if (walk(j->ws, "", &all, NULL, NULL, &links) != 0) {
		snprintf(why, sizeof(why), "cannot read the workspace");
		goto failed;
	}
	/* A link could point anywhere: outside the workspace, say. */
	for (i = 0; i < links.n; i++)
		for (k = 0; k < a->noutputs; k++)
			if (sdc_project_match(a->outputs[k].pattern,
			    links.v[i])) {
				snprintf(why, sizeof(why), "output %s is a "
				    "symbolic link; outputs must be regular "
				    "files", links.v[i]);
				goto failed;
			}
	for (i = 0; i < all.n; i++)
		if (!sv_has(&j->code, all.v[i]) && !sv_has(&j->inputs,
		    all.v[i]))
			sv_add(&made, all.v[i]);
	for (k = 0; k < a->noutputs; k++) {
		int hit = 0;

		for (i = 0; i < made.n; i++)
			hit |= sdc_project_match(a->outputs[k].pattern,
			    made.v[i]);
		if (!hit) {
			size_t used = (size_t)snprintf(why, sizeof(why),
			    "no file matches output pattern %s",
			    a->outputs[k].pattern);
			int any = 0;

			for (i = 0; i < made.n && used < sizeof(why); i++) {
				size_t x;
				int declared = 0;

				for (x = 0; x < a->noutputs; x++)
					declared |= sdc_project_match(
					    a->outputs[x].pattern, made.v[i]);
				if (declared)
					continue;
				used += (size_t)snprintf(why + used,
				    sizeof(why) - used, "%s%s", any ?
				    ", " : " (did you mean: ", made.v[i]);
				any = 1;
			}
			if (any && used < sizeof(why))
				snprintf(why + used, sizeof(why) - used, "?)");
			goto failed;
		}
	}
	/* Commit: new outputs into the project, stale ones removed. */
	{
		struct st fresh;

		memset(&fresh, 0, sizeof(fresh));
		for (i = 0; i < made.n; i++) {
			enum sdc_privacy pv = SDC_PRIVACY_HIGH;
			int declared = 0;
			char *src, *dst, hex[65];
			unsigned long long size = 0;
			long rows = -1, cols = -1;

			for (k = 0; k < a->noutputs && !declared; k++)
				if (sdc_project_match(a->outputs[k].pattern,
				    made.v[i])) {
					declared = 1;
					pv = a->outputs[k].privacy;
				}
			if (!declared)
				continue;
			if (strpbrk(made.v[i], "\t\n") != NULL) {
				snprintf(why, sizeof(why), "output %s has a "
				    "tab or line end in its name", made.v[i]);
				st_clear_out(&fresh);
				goto failed;
			}
			src = fmt("%s/%s", j->ws, made.v[i]);
			dst = at_root(r, made.v[i]);
			if (src == NULL || dst == NULL ||
			    hash_copy(src, dst, hex, &size) != 0) {
				snprintf(why, sizeof(why), "cannot copy output "
				    "%s: %s", made.v[i], strerror(errno));
				free(src);
				free(dst);
				st_clear_out(&fresh);
				goto failed;
			}
			if (is_csv_name(made.v[i])) {
				struct sdc_err e;

				sdc_err_clear(&e);
				if (csv_shape(dst, &rows, &cols, &e) != 0)
					rows = cols = -1;
			}
			free(src);
			free(dst);
			st_add_out(&fresh, made.v[i], hex, pv, size, rows,
			    cols);
		}
		for (k = 0; k < s->nout; k++) {
			int still = 0;

			for (i = 0; i < fresh.nout; i++)
				still |= strcmp(fresh.out[i].path,
				    s->out[k].path) == 0;
			if (!still) {
				char *old = at_root(r, s->out[k].path);
				char *l4 = r->o->l4_dir[0] == '/' ?
				    fmt("%s/%s", r->o->l4_dir, s->out[k].path) :
				    fmt("%s/%s/%s", r->o->root, r->o->l4_dir,
				    s->out[k].path);

				if (old != NULL)
					unlink(old);
				if (l4 != NULL)
					unlink(l4);
				free(old);
				free(l4);
			}
		}
		st_clear_out(s);
		s->out = fresh.out;
		s->nout = fresh.nout;
	}
	memcpy(s->kcmd, j->kcmd, 65);
	memcpy(s->kcode, j->kcode, 65);
	memcpy(s->kin, j->kin, 65);
	{
		int bad = l4_gate(r, ai);

		if (bad > 0 && r->o->strict) {
			snprintf(why, sizeof(why), "%d moderately_sensitive "
			    "file%s failed the Level-4 checks (--strict)", bad,
			    bad == 1 ? "" : "s");
			goto failed;
		}
	}
	s->status = ST_OK;
	write_log(r, ai, code, secs, "succeeded");
	state_save(r);
	if ((files = calloc(s->nout + 1, sizeof(*files))) != NULL) {
		struct sdc_run_event ev;
		char *log = fmt("metadata/%s.log", a->name);

		for (k = 0; k < s->nout; k++) {
			files[k].path = s->out[k].path;
			files[k].privacy = s->out[k].privacy;
			files[k].sha256 = s->out[k].sha;
			files[k].size = s->out[k].size;
		}
		memset(&ev, 0, sizeof(ev));
		ev.kind = SDC_RUN_EV_DONE;
		ev.action = a->name;
		ev.log = log;
		ev.files = files;
		ev.nfiles = s->nout;
		ev.seconds = secs;
		ev.command = j->cmdline;
		emit(r, &ev);
		free(log);
		free(files);
	}
	j->phase = P_OK;
	sv_free(&all);
	sv_free(&links);
	sv_free(&made);
	job_reset(j);
	return;
failed:
	s->status = ST_FAIL;
	j->tail = tail(j->part);
	write_log(r, ai, code, secs, why);
	state_save(r);
	fail_action(r, ai, why, 1);
	sv_free(&all);
	sv_free(&links);
	sv_free(&made);
	job_reset(j);
}

/* Stop every running program: TERM, then KILL after five seconds. */
static void
stop_all(struct run *r)
{
	size_t i;
	double t0 = now_s();
	int sig_kill = 0;

	for (i = 0; i < r->p->nactions; i++)
		if (r->job[i].phase == P_RUN && r->job[i].pid > 0)
			kill(-r->job[i].pid, SIGTERM);
	while (r->running > 0) {
		int ws;
		pid_t pid = waitpid(-1, &ws, WNOHANG);

		if (pid > 0) {
			for (i = 0; i < r->p->nactions; i++)
				if (r->job[i].phase == P_RUN &&
				    r->job[i].pid == pid) {
					r->job[i].pid = 0;
					r->running--;
					r->job[i].phase = P_FAIL;
					r->st[i].status = ST_FAIL;
					r->st[i].interrupted = 1;
					r->st[i].exit_code = WIFEXITED(ws) ?
					    WEXITSTATUS(ws) : 128 +
					    WTERMSIG(ws);
					now_iso(r->st[i].finished);
					r->job[i].tail = tail(r->job[i].part);
					write_log(r, i, r->st[i].exit_code,
					    now_s() - r->job[i].t0,
					    "interrupted");
					fail_action(r, i, "interrupted", 1);
					job_reset(&r->job[i]);
				}
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		for (i = 0; i < r->p->nactions; i++)
			if (r->job[i].phase == P_RUN && r->job[i].pid == 0) {
				/* a copy that had finished */
				r->running--;
				r->job[i].phase = P_FAIL;
				r->st[i].status = ST_FAIL;
				fail_action(r, i, "interrupted", 0);
				job_reset(&r->job[i]);
			}
		if (!sig_kill && now_s() - t0 > 5) {
			for (i = 0; i < r->p->nactions; i++)
				if (r->job[i].phase == P_RUN &&
				    r->job[i].pid > 0)
					kill(-r->job[i].pid, SIGKILL);
			sig_kill = 1;
		}
		{
			struct timespec ts = { 0, 20000000 };

			nanosleep(&ts, NULL);
		}
	}
	state_save(r);
}

/* ---- manifest ---- */

static void
json_str(struct sdc_output *out, const char *s, struct sdc_err *e)
{
	const unsigned char *p;

	write_str(out, "\"", e);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			writef(out, e, "\\%c", *p);
		else if (*p < 0x20)
			writef(out, e, "\\u%04x", *p);
		else
			sdc_output_write(out, p, 1, e);
	}
	write_str(out, "\"", e);
}

static int
write_manifest(struct run *r)
{
	char *path = at_root(r, MANIFEST_FILE), why[512];
	struct sdc_output *out;
	struct sdc_err *e = r->err;
	size_t i, k;
	int first = 1;
	unsigned char *stale = calloc(r->p->nactions + 1, 1);

	if (path == NULL || stale == NULL || mkdir_parents(path) != 0 ||
	    (out = sdc_output_open(path, e)) == NULL) {
		free(path);
		free(stale);
		return -1;
	}
	/* Out of date: would run now (nothing forced), or a need would. */
	for (i = 0; i < r->p->nactions; i++) {
		size_t ai = r->p->order[i];
		const struct sdc_project_action *a = &r->p->actions[ai];

		if (r->st[ai].status == ST_NONE)
			continue;
		if (expand(r, ai, why, sizeof(why)) != 0) {
			stale[ai] = 1;
			continue;
		}
		stale[ai] = (unsigned char)must_run(r, ai, 0, why, sizeof(why));
		for (k = 0; k < a->nneeds; k++)
			stale[ai] |= stale[a->needs[k]] |
			    (r->st[a->needs[k]].status != ST_OK);
		sdc_project_words_free(r->job[ai].argv);
		r->job[ai].argv = NULL;
	}
	write_str(out, "{\n  \"project\": ", e);
	json_str(out, r->p->file, e);
	write_str(out, ",\n  \"actions\": {", e);
	for (i = 0; i < r->p->nactions; i++) {
		struct st *s = &r->st[i];

		if (s->status == ST_NONE)
			continue;
		write_str(out, first ? "\n    " : ",\n    ", e);
		first = 0;
		json_str(out, r->p->actions[i].name, e);
		writef(out, e, ": {\"status\": \"%s\", \"exit_code\": %d, "
		    "\"started_at\": \"%s\", \"completed_at\": \"%s\", "
		    "\"seconds\": %.3f, \"log\": ", st_names[s->status],
		    s->exit_code, s->started, s->finished, s->seconds);
		{
			char *log = fmt("metadata/%s.log",
			    r->p->actions[i].name);

			json_str(out, log ? log : "", e);
			free(log);
		}
		write_str(out, "}", e);
	}
	write_str(out, first ? "},\n  \"outputs\": {" :
	    "\n  },\n  \"outputs\": {", e);
	first = 1;
	for (i = 0; i < r->p->nactions; i++) {
		struct st *s = &r->st[i];

		for (k = 0; k < s->nout; k++) {
			struct rec *o = &s->out[k];

			write_str(out, first ? "\n    " : ",\n    ", e);
			first = 0;
			json_str(out, o->path, e);
			write_str(out, ": {\"action\": ", e);
			json_str(out, r->p->actions[i].name, e);
			writef(out, e, ", \"privacy_level\": \"%s\", \"size\": "
			    "%llu, \"sha256\": \"%s\"",
			    sdc_privacy_name(o->privacy), o->size, o->sha);
			if (o->rows >= 0)
				writef(out, e, ", \"rows\": %ld, \"columns\": "
				    "%ld", o->rows, o->cols);
			writef(out, e, ", \"out_of_date\": %s}",
			    stale[i] ? "true" : "false");
		}
	}
	write_str(out, first ? "}\n}\n" : "\n  }\n}\n", e);
	free(path);
	free(stale);
	return sdc_output_commit(out, e);
}

/* ---- the run ---- */

static void
select_needs(struct run *r, size_t ai)
{
	const struct sdc_project_action *a = &r->p->actions[ai];
	size_t k;

	if (r->job[ai].phase == P_WAIT)
		return;
	r->job[ai].phase = P_WAIT;
	for (k = 0; k < a->nneeds; k++)
		select_needs(r, a->needs[k]);
}

static void
explain(struct run *r)
{
	size_t i, k;
	unsigned char *will = calloc(r->p->nactions + 1, 1);

	for (i = 0; will != NULL && i < r->p->nactions; i++) {
		size_t ai = r->p->order[i];
		const struct sdc_project_action *a = &r->p->actions[ai];
		struct sdc_run_event ev;
		char why[1024], dep[2048] = "";

		if (r->job[ai].phase != P_WAIT)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.kind = SDC_RUN_EV_PLAN;
		ev.action = a->name;
		if (expand(r, ai, why, sizeof(why)) != 0) {
			ev.will_run = 1;
			ev.reason = why;
			emit(r, &ev);
			will[ai] = 1;
			continue;
		}
		ev.command = r->job[ai].cmdline = cmdline(r->job[ai].argv);
		ev.will_run = must_run(r, ai, r->o->force, why, sizeof(why));
		for (k = 0; k < a->nneeds && !ev.will_run; k++)
			if (will[a->needs[k]]) {
				snprintf(dep, sizeof(dep), "%s; it will run "
				    "again if the new outputs of %s differ",
				    why, r->p->actions[a->needs[k]].name);
				break;
			}
		ev.reason = dep[0] ? dep : why;
		will[ai] = (unsigned char)(ev.will_run || dep[0]);
		emit(r, &ev);
		job_reset(&r->job[ai]);
	}
	free(will);
}

static void
schedule(struct run *r)
{
	size_t i, k;

	for (;;) {
		int waiting = 0, changed = 0, ws;
		pid_t pid;

		if (r->o->stop != NULL && *r->o->stop)
			break;
		for (i = 0; i < r->p->nactions; i++) {
			size_t ai = r->p->order[i];
			const struct sdc_project_action *a = &r->p->actions[ai];
			int ready = 1;
			char why[1024];

			if (r->job[ai].phase != P_WAIT)
				continue;
			waiting = 1;
			for (k = 0; k < a->nneeds; k++) {
				int ph = r->job[a->needs[k]].phase;

				if (ph == P_FAIL) {
					snprintf(why, sizeof(why), "not run: "
					    "it needs %s, which failed",
					    r->p->actions[a->needs[k]].name);
					fail_action(r, ai, why, 0);
					ready = 0;
					changed = 1;
					break;
				}
				if (ph != P_OK)
					ready = 0;
			}
			if (!ready || r->running >= r->o->jobs)
				continue;
			changed = 1;
			if (expand(r, ai, why, sizeof(why)) != 0) {
				r->st[ai].status = ST_FAIL;
				now_iso(r->st[ai].finished);
				state_save(r);
				fail_action(r, ai, why, 0);
				job_reset(&r->job[ai]);
				continue;
			}
			r->job[ai].cmdline = cmdline(r->job[ai].argv);
			if (!must_run(r, ai, r->o->force, why, sizeof(why))) {
				struct sdc_run_event ev;

				memset(&ev, 0, sizeof(ev));
				ev.kind = SDC_RUN_EV_SKIP;
				ev.action = a->name;
				ev.reason = why;
				ev.command = r->job[ai].cmdline;
				emit(r, &ev);
				r->job[ai].phase = P_OK;
				job_reset(&r->job[ai]);
				continue;
			}
			start(r, ai, why);
		}
		if (!waiting && r->running == 0)
			break;
		/* A finished copy (no process) completes at once. */
		for (i = 0; i < r->p->nactions; i++)
			if (r->job[i].phase == P_RUN && r->job[i].pid == 0)
				finish(r, i, 0);
		pid = waitpid(-1, &ws, WNOHANG);
		if (pid > 0) {
			for (i = 0; i < r->p->nactions; i++)
				if (r->job[i].phase == P_RUN &&
				    r->job[i].pid == pid)
					finish(r, i, ws);
			continue;
		}
		if (r->running == 0) {
			if (!changed)
				break;	/* nothing runs, nothing can start */
			continue;
		}
		{
			struct timespec ts = { 0, 20000000 };

			nanosleep(&ts, NULL);
		}
	}
	if (r->running > 0)
		stop_all(r);
	for (i = 0; i < r->p->nactions; i++)
		if (r->job[i].phase == P_WAIT)
			fail_action(r, i, "not run: interrupted", 0);
}

int
sdc_runner_run(const struct sdc_project *p, const char *const *names,
    size_t nnames, const struct sdc_run_opts *o, struct sdc_err *err)
{
	struct run r;
	size_t i;
	int rc = 0;
	long *want = calloc(nnames + 1, sizeof(*want));

	memset(&r, 0, sizeof(r));
	r.p = p;
	r.o = o;
	r.err = err;
	r.st = calloc(p->nactions, sizeof(*r.st));
	r.job = calloc(p->nactions, sizeof(*r.job));
	if (want == NULL || r.st == NULL || r.job == NULL) {
		rc = sdc_err_nomem(err);
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		want[i] = strcmp(names[i], "run_all") == 0 ? -2 :
		    sdc_project_find(p, names[i]);
		if (want[i] == -1) {
			rc = sdc_err_set(err, SDC_EUSAGE, p->file, 0, 0,
			    "no action called '%s'", names[i]);
			goto out;
		}
	}
	if (o->l4_dir[0] != '/' && (r.l4rel = strdup(o->l4_dir)) != NULL)
		r.l4rel[strcspn(r.l4rel, "/")] = '\0';
	if (state_load(&r) != 0) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		size_t a;

		for (a = 0; a < p->nactions; a++)
			if (want[i] == -2 || want[i] == (long)a)
				select_needs(&r, a);
	}
	if (o->explain) {
		explain(&r);
		goto out;
	}
	schedule(&r);
	if (write_manifest(&r) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < nnames; i++) {
		size_t a;

		for (a = 0; a < p->nactions; a++)
			if ((want[i] == -2 || want[i] == (long)a) &&
			    r.job[a].phase != P_OK)
				rc = 1;
	}
out:
	if (r.job != NULL)
		for (i = 0; i < p->nactions; i++)
			job_reset(&r.job[i]);
	if (r.st != NULL)
		for (i = 0; i < p->nactions; i++)
			st_clear_out(&r.st[i]);
	free(r.st);
	free(r.job);
	free(r.l4rel);
	free(want);
	return rc;
}
