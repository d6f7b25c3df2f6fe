/*
 * t_extract_spec.c - ehrQL's language-neutral spec cases (our
 * transcription in tests/data/spec/, format in its README) run through
 * the definition checker and the engine: each case's tables are written
 * as CSV files, its series becomes the one variable of a definition,
 * and the values per patient must be the expected ones.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libsdc/defn.h"
#include "libsdc/engine.h"
#include "libsdc/num.h"
#include "libsdc/query.h"
#include "tests/unit/tap.h"

#define MAXLINES 400
#define MAXROWS 64

/* A growing text buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* One case as read from a .spec file. */
struct table {
	char name[32];
	struct buf csv;
};

struct spec_case {
	char name[4096];
	char file[600];
	struct buf prelude, series, population, expect;
	struct table tables[4];
	int ntables;
	int has_error, unsupported;
};

static void
case_reset(struct spec_case *c)
{
	int i;

	free(c->prelude.p);
	free(c->series.p);
	free(c->population.p);
	free(c->expect.p);
	for (i = 0; i < c->ntables; i++)
		free(c->tables[i].csv.p);
	memset(c, 0, sizeof(*c));
}

static char *
strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * Split an ASCII table line into cells at '|' not adjacent to another
 * '|'; returns the number of cells (stripped, in place).
 */
static int
split_cells(char *line, char **cell, int max)
{
	int n = 0;
	char *s = line, *p;

	for (p = line; *p != '\0'; p++) {
		if (*p == '|' && p[1] != '|' && (p == line || p[-1] != '|')) {
			*p = '\0';
			if (n < max)
				cell[n++] = strip(s);
			s = p + 1;
		}
	}
	if (n < max)
		cell[n++] = strip(s);
	return n;
}

/* A CSV field: quoted when it holds a comma, quote or line end. */
static void
put_field(struct buf *b, const char *s)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		puts_(b, s);
		return;
	}
	put(b, "\"", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			put(b, "\"", 1);
		put(b, p, 1);
	}
	put(b, "\"", 1);
}

/* Turn the ASCII table lines of one "table" block into CSV. */
static void
table_csv(struct table *t, char **lines, int n)
{
	char *cell[64], *hdr[64];
	int nh, nc, i, j;

	nh = split_cells(lines[0], hdr, 64);
	puts_(&t->csv, "patient_id");
	for (j = 1; j < nh; j++) {
		puts_(&t->csv, ",");
		puts_(&t->csv, hdr[j]);
	}
	puts_(&t->csv, "\n");
	for (i = 2; i < n; i++) {	/* lines[1] is the separator */
		nc = split_cells(lines[i], cell, 64);
		put_field(&t->csv, cell[0]);
		for (j = 1; j < nh; j++) {
			puts_(&t->csv, ",");
			if (j < nc)
				put_field(&t->csv, cell[j]);
		}
		puts_(&t->csv, "\n");
	}
}

static const char *
table_file(const char *name)
{
	if (strcmp(name, "p") == 0)
		return "patient_level_table";
	if (strcmp(name, "e") == 0)
		return "event_level_table";
	return NULL;
}

/* Write text to dir/name. */
static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[1300];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The values the engine gives, formatted, per patient. */
struct got {
	enum sdc_schema_type type;
	int n;
	long long pid[MAXROWS];
	char val[MAXROWS][64];
	int null[MAXROWS];
};

static int
collect(void *ctx, int64_t pid, const struct sdc_qval *v, struct sdc_err *err)
{
	struct got *g = ctx;
	char buf[SDC_QVAL_FMT_MAX + 1];
	const char *p = buf;
	size_t len;

	(void)err;
	if (g->n == MAXROWS)
		return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0, "too many rows");
	g->pid[g->n] = pid;
	g->null[g->n] = v[0].null;
	g->val[g->n][0] = '\0';
	if (!v[0].null) {
		len = sdc_qval_format(g->type, &v[0], buf, &p);
		snprintf(g->val[g->n], sizeof(g->val[0]), "%.*s", (int)len, p);
	}
	g->n++;
	return 0;
}

/* Equal as ehrQL's spec tests compare: floats approximately. */
static int
same(enum sdc_schema_type type, const char *got, const char *want)
{
	double a, b;

	if (type == SDC_TYPE_FLOAT && *got != '\0' && *want != '\0' &&
	    sdc_num_parse_double(got, strlen(got), &a, NULL) == 0 &&
	    sdc_num_parse_double(want, strlen(want), &b, NULL) == 0)
		return a == b || fabs(a - b) <= 1e-5 * fmax(fabs(a), fabs(b));
	return strcmp(got, want) == 0;
}

/* Compare the engine's rows with the "expect" block; 1 when equal. */
static int
compare(const struct got *g, const char *expect, char *why, size_t size)
{
	char *copy = strdup(expect), *line, *save = NULL, *cell[4];
	int i = 0, nc, okay = 1;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		nc = split_cells(line, cell, 4);
		if (i >= g->n) {
			snprintf(why, size, "patient %s missing", cell[0]);
			okay = 0;
			break;
		}
		if (atoll(cell[0]) != g->pid[i] ||
		    !same(g->type, g->val[i], nc > 1 ? cell[1] : "")) {
			snprintf(why, size, "row %d: got %lld | %s, want %s | %s",
			    i + 1, g->pid[i], g->null[i] ? "(null)" : g->val[i],
			    cell[0], nc > 1 ? cell[1] : "");
			okay = 0;
			break;
		}
		i++;
	}
	if (okay && i != g->n) {
		snprintf(why, size, "extra patient %lld", g->pid[i]);
		okay = 0;
	}
	free(copy);
	return okay;
}

static int
rmtree_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[600];

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

/* Build the definition, write the tables, run, compare. */
static void
run_case(struct spec_case *c, const char *specdir)
{
	char tmp[] = "/tmp/sdc-spec-XXXXXX", why[300] = "", msg[700];
	struct buf def = { 0 };
	struct sdc_defn_opts opts = { 0 };
	struct sdc_engine_opts eo = { 0 };
	struct sdc_query *q = NULL;
	struct sdc_err err;
	struct got *g = calloc(1, sizeof(*g));
	char path[600];
	struct stat st;
	size_t i;
	int k;

	sdc_err_clear(&err);
	puts_(&def, "from ehrql import create_dataset\n"
	    "from ehrql.tables.spec import p, e\n");
	if (c->prelude.p != NULL)
		puts_(&def, c->prelude.p);
	puts_(&def, "dataset = create_dataset()\n"
	    "dataset.define_population(");
	if (c->population.p != NULL) {
		puts_(&def, "\n");
		puts_(&def, c->population.p);
	} else {
		for (k = 0; k < c->ntables; k++) {
			if (k > 0)
				puts_(&def, " | ");
			puts_(&def, c->tables[k].name);
			puts_(&def, ".exists_for_patient()");
		}
	}
	puts_(&def, ")\ndataset.v = (\n");
	puts_(&def, c->series.p);
	puts_(&def, ")\n");

	if (mkdtemp(tmp) == NULL) {
		ok(0, "%s: %s: mkdtemp: %s", c->file, c->name, strerror(errno));
		goto out;
	}
	for (k = 0; k < c->ntables; k++) {
		snprintf(path, sizeof(path), "%s.csv",
		    table_file(c->tables[k].name));
		write_file(tmp, path, c->tables[k].csv.p);
	}
	opts.spec_tables = 1;
	eo.tables_dir = tmp;
	eo.tmpdir = tmp;
	if ((q = sdc_query_new(&err)) == NULL ||
	    sdc_defn_load_mem(q, c->file, specdir, def.p, def.len, &opts,
	    &err) != 0) {
		ok(0, "%s: %s: %s", c->file, c->name,
		    sdc_err_format(&err, msg, sizeof(msg)));
		printf("# definition:\n%s", def.p);
		goto clean;
	}
	/* Tables the case leaves out are empty. */
	for (i = 0; i < q->ntables; i++) {
		snprintf(path, sizeof(path), "%s/%s.csv", tmp,
		    q->tables[i].schema->name);
		if (stat(path, &st) != 0)
			write_file(tmp, strrchr(path, '/') + 1, "patient_id\n");
	}
	g->type = q->vars[0].node->type;
	if (sdc_engine_run(q, &eo, collect, g, &err) != 0) {
		ok(0, "%s: %s: %s", c->file, c->name,
		    sdc_err_format(&err, msg, sizeof(msg)));
		goto clean;
	}
	if (!ok(compare(g, c->expect.p ? c->expect.p : "", why, sizeof(why)),
	    "%s: %s", c->file, c->name))
		printf("#   %s\n", why);
clean:
	rmtree_files(tmp);
out:
	sdc_query_free(q);
	free(def.p);
	free(g);
}

/* Read one .spec file and run its cases. */
static void
run_file(const char *path, const char *rel)
{
	FILE *f = fopen(path, "r");
	char line[4096], *lines[MAXLINES], dir[600], *slash;
	struct spec_case c;
	struct buf *block = NULL;
	int intable = -1, nlines = 0, incase = 0, k;

	if (!ok(f != NULL, "open %s", rel))
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	memset(&c, 0, sizeof(c));
	for (;;) {
		char *got = fgets(line, sizeof(line), f), raw[4096];

		if (got != NULL && (block != NULL || intable != -1)) {
			snprintf(raw, sizeof(raw), "%s", line);
			if (strcmp(strip(line), "end") != 0 ||
			    strncmp(raw, "end", 3) != 0) {
				/* inside a block: keep the raw line */
				if (intable != -1) {
					if (nlines < MAXLINES)
						lines[nlines++] = strdup(raw);
				} else {
					puts_(block, raw);
					if (raw[strlen(raw) - 1] != '\n')
						puts_(block, "\n");
				}
				continue;
			}
			if (intable != -1) {
				if (intable >= 0)
					table_csv(&c.tables[intable], lines,
					    nlines);
				for (k = 0; k < nlines; k++)
					free(lines[k]);
				nlines = 0;
				intable = -1;
			}
			block = NULL;
			continue;
		}
		if (got == NULL || strncmp(line, "case ", 5) == 0) {
			if (incase) {
				if (c.prelude.p != NULL &&
				    strstr(c.prelude.p, "class ") != NULL)
					c.unsupported = 1;
				if (c.unsupported || c.has_error)
					printf("# not run: %s: %s (%s)\n", rel,
					    c.name, c.unsupported ?
					    "class syntax: table_from_file" :
					    "error case");
				else
					run_case(&c, dir);
			}
			case_reset(&c);
			if (got == NULL)
				break;
			incase = 1;
			snprintf(c.name, sizeof(c.name), "%s", strip(line + 5));
			snprintf(c.file, sizeof(c.file), "%s", rel);
			continue;
		}
		strip(line);
		if (strcmp(line, "prelude") == 0)
			block = &c.prelude;
		else if (strcmp(line, "expect") == 0)
			block = &c.expect;
		else if (strcmp(line, "series") == 0)
			block = &c.series;
		else if (strcmp(line, "population") == 0)
			block = &c.population;
		else if (strncmp(line, "series ", 7) == 0) {
			puts_(&c.series, line + 7);
			puts_(&c.series, "\n");
		} else if (strncmp(line, "population ", 11) == 0) {
			puts_(&c.population, line + 11);
			puts_(&c.population, "\n");
		} else if (strncmp(line, "table ", 6) == 0) {
			if (table_file(strip(line + 6)) == NULL ||
			    c.ntables == 4) {
				c.unsupported = 1;
				intable = -2;	/* read and drop */
			} else {
				intable = c.ntables++;
				snprintf(c.tables[intable].name,
				    sizeof(c.tables[0].name), "%s",
				    strip(line + 6));
			}
		} else if (strncmp(line, "error ", 6) == 0)
			c.has_error = 1;
	}
	fclose(f);
}

/* Every .spec file under dir, in sorted order. */
static void
walk(const char *dir, const char *rel)
{
	struct dirent **ents;
	char path[600], sub[600];
	struct stat st;
	int n, i;

	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		ok(0, "scandir %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
		    name);
		if (name[0] != '.' && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(path, sub);
			else if (len > 5 && strcmp(name + len - 5, ".spec") == 0)
				run_file(path, sub);
		}
		free(ents[i]);
	}
	free(ents);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data/spec";

	walk(dir, "");
	return done();
}
