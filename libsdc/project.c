/* project.c - load and validate an OpenSAFELY-style project.yaml. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "input.h"
#include "project.h"

#define TEXT_MAX (16UL * 1024 * 1024)
/*
 * Limits on hostile YAML: nesting deeper than DEPTH_MAX (libyaml's
 * scanner is quadratic in it), and a config whose JSON, aliases
 * expanded, exceeds CONFIG_MAX (it is passed as one argument, and the
 * kernel refuses an argument over 128 KiB).
 */
#define DEPTH_MAX 64
#define CONFIG_MAX (128UL * 1024)

/* Moderately sensitive outputs may only have these extensions. */
static const char *const l4_types[] = { "csv", "txt", "json", "html", "md",
    "png", "jpg", "jpeg", "svg", "log", NULL };

struct ld {
	yaml_document_t doc;
	const char *name;
	struct sdc_err *err;
	struct sdc_project *p;
};

const char *
sdc_privacy_name(enum sdc_privacy p)
{
	return p == SDC_PRIVACY_HIGH ? "highly_sensitive" :
	    "moderately_sensitive";
}

/* An error at node n (or at no position when n is NULL). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdc_err_set(l->err, SDC_EDATA, l->name,
	    n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0,
	    "%s", msg);
}

static int
nomem(struct ld *l)
{
	return sdc_err_nomem(l->err);
}

static yaml_node_t *
node(struct ld *l, int i)
{
	return yaml_document_get_node(&l->doc, i);
}

static const char *
scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value :
	    NULL;
}

static int
is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	return s != NULL && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

static const char *
kind_name(const yaml_node_t *n)
{
	if (is_null(n))
		return "empty";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a single value";
	}
}

/* Reject duplicate keys in every mapping of the document. */
static int
check_duplicates(struct ld *l)
{
	yaml_node_t *n;

	for (n = l->doc.nodes.start; n < l->doc.nodes.top; n++) {
		yaml_node_pair_t *a, *b;

		if (n->type != YAML_MAPPING_NODE)
			continue;
		for (a = n->data.mapping.pairs.start;
		    a < n->data.mapping.pairs.top; a++) {
			yaml_node_t *ka = node(l, a->key);

			if (scalar(ka) == NULL)
				return fail(l, ka, "a key must be a single "
				    "value");
			for (b = n->data.mapping.pairs.start; b < a; b++) {
				yaml_node_t *kb = node(l, b->key);

				if (strcmp(scalar(ka), scalar(kb)) == 0)
					return fail(l, ka, "duplicate key "
					    "'%s' (first at line %lu)",
					    scalar(ka),
					    (unsigned long)kb->start_mark.line +
					    1);
			}
		}
	}
	return 0;
}

/* The value under key in mapping m, or NULL; *key gets the key node. */
static yaml_node_t *
get(struct ld *l, yaml_node_t *m, const char *key, yaml_node_t **kn)
{
	yaml_node_pair_t *pr;

	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	    pr++) {
		yaml_node_t *k = node(l, pr->key);

		if (strcmp(scalar(k), key) == 0) {
			if (kn != NULL)
				*kn = k;
			return node(l, pr->value);
		}
	}
	return NULL;
}

/* Every key of m must be in allowed; where says whose keys they are. */
static int
only_keys(struct ld *l, yaml_node_t *m, const char *const *allowed,
    const char *where)
{
	yaml_node_pair_t *pr;

	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	    pr++) {
		yaml_node_t *k = node(l, pr->key);
		const char *const *a;
		char list[256];
		size_t used = 0;

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, scalar(k)) == 0)
				break;
		if (*a != NULL)
			continue;
		list[0] = '\0';
		for (a = allowed; *a != NULL; a++)
			used += (size_t)snprintf(list + used,
			    used < sizeof(list) ? sizeof(list) - used : 0,
			    "%s%s", a == allowed ? "" : ", ", *a);
		return fail(l, k, "unexpected key '%s' in %s (expected %s)",
		    scalar(k), where, list);
	}
	return 0;
}

/* A whole decimal or floating number, the entire string. */
static int
number(const char *s, double *v)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(*v))
		return -1;
	return 0;
}

/* ---- JSON for config ---- */

struct buf {
	char *s;
	size_t n, cap;
	int oom;
	int big;		/* over CONFIG_MAX, or nested too deeply */
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->oom || b->big)
		return;
	if (b->n + n > CONFIG_MAX) {
		b->big = 1;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *t;

		while (cap < b->n + n + 1)
			cap *= 2;
		if ((t = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_json_string(struct buf *b, const char *s)
{
	const unsigned char *p;

	puts_(b, "\"");
	for (p = (const unsigned char *)s; *p; p++) {
		char esc[8];

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(b, esc);
		} else {
			put(b, (const char *)p, 1);
		}
	}
	puts_(b, "\"");
}

static void
put_json(struct ld *l, struct buf *b, yaml_node_t *n, int depth)
{
	const char *s = scalar(n);
	double v;

	if (b->oom || b->big)
		return;
	if (depth > DEPTH_MAX) {	/* an alias inside its own anchor */
		b->big = 1;
		return;
	}
	if (n->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *pr;

		puts_(b, "{");
		for (pr = n->data.mapping.pairs.start;
		    pr < n->data.mapping.pairs.top; pr++) {
			if (pr != n->data.mapping.pairs.start)
				puts_(b, ",");
			put_json_string(b, scalar(node(l, pr->key)));
			puts_(b, ":");
			put_json(l, b, node(l, pr->value), depth + 1);
		}
		puts_(b, "}");
	} else if (n->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *it;

		puts_(b, "[");
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++) {
			if (it != n->data.sequence.items.start)
				puts_(b, ",");
			put_json(l, b, node(l, *it), depth + 1);
		}
		puts_(b, "]");
	} else if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		put_json_string(b, s);
	} else if (is_null(n)) {
		puts_(b, "null");
	} else if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0) {
		puts_(b, "true");
	} else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0) {
		puts_(b, "false");
	} else if (number(s, &v) == 0 && strspn(s, "0123456789+-.eE") ==
	    strlen(s) && s[strspn(s, "+-")] != '.') {
		char num[32];

		if (v == floor(v) && fabs(v) < 1e15 && strpbrk(s, ".eE") == NULL)
			snprintf(num, sizeof(num), "%.0f", v);
		else
			snprintf(num, sizeof(num), "%.17g", v);
		puts_(b, num);
	} else {
		put_json_string(b, s);
	}
}

/* ---- words ---- */

void
sdc_project_words_free(char **w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; w[i] != NULL; i++)
		free(w[i]);
	free(w);
}

char **
sdc_project_split(const char *s, size_t *np, struct sdc_err *err)
{
	char **w = NULL, **t;
	size_t n = 0;
	struct buf b = { 0 };

	for (;;) {
		int in = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		b.n = 0;
		put(&b, "", 0);
		while (*s != '\0' && !(*s == ' ' || *s == '\t' || *s == '\n' ||
		    *s == '\r')) {
			in = 1;
			if (*s == '\'') {
				const char *e = strchr(s + 1, '\'');

				if (e == NULL)
					goto unclosed;
				put(&b, s + 1, (size_t)(e - s - 1));
				s = e + 1;
			} else if (*s == '"') {
				s++;
				while (*s != '"') {
					if (*s == '\0')
						goto unclosed;
					if (*s == '\\' && s[1] != '\0' &&
					    strchr("\"\\$`", s[1]) != NULL)
						s++;
					put(&b, s++, 1);
				}
				s++;
			} else if (*s == '\\' && s[1] != '\0') {
				put(&b, s + 1, 1);
				s += 2;
			} else {
				put(&b, s++, 1);
			}
		}
		if (!in)
			break;
		if (b.oom || (t = realloc(w, (n + 2) * sizeof(*w))) == NULL)
			goto oom;
		w = t;
		if ((w[n] = strdup(b.s)) == NULL)
			goto oom;
		w[++n] = NULL;
	}
	if (w == NULL && (w = calloc(1, sizeof(*w))) == NULL)
		goto oom;
	free(b.s);
	*np = n;
	return w;
unclosed:
	sdc_err_set(err, SDC_EPARSE, NULL, 0, 0, "unclosed quote");
	goto out;
oom:
	sdc_err_nomem(err);
out:
	if (w != NULL)
		w[n] = NULL;
	sdc_project_words_free(w);
	free(b.s);
	return NULL;
}

/* ---- patterns ---- */

int
sdc_project_match(const char *p, const char *s)
{
	if (*p == '\0')
		return *s == '\0';
	if (*p == '*') {
		for (;;) {
			if (sdc_project_match(p + 1, s))
				return 1;
			if (*s == '\0' || *s == '/')
				return 0;
			s++;
		}
	}
	return *p == *s && sdc_project_match(p + 1, s + 1);
}

/* Memoised search for a string both patterns match: 0 unknown, 1, 2. */
static int
overlap_at(const char *a, size_t i, size_t na, const char *b, size_t j,
    size_t nb, unsigned char *memo)
{
	unsigned char *m = &memo[i * (nb + 1) + j];
	int r;

	if (*m)
		return *m == 1;
	if (i == na && j == nb)
		r = 1;
	else if (i < na && a[i] == '*')
		r = overlap_at(a, i + 1, na, b, j, nb, memo) ||
		    (j < nb && b[j] != '/' &&
		    overlap_at(a, i, na, b, j + 1, nb, memo));
	else if (j < nb && b[j] == '*')
		r = overlap_at(a, i, na, b, j + 1, nb, memo) ||
		    (i < na && a[i] != '/' &&
		    overlap_at(a, i + 1, na, b, j, nb, memo));
	else
		r = i < na && j < nb && a[i] == b[j] &&
		    overlap_at(a, i + 1, na, b, j + 1, nb, memo);
	*m = r ? 1 : 2;
	return r;
}

int
sdc_project_overlap(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char *memo = calloc((na + 1) * (nb + 1), 1);
	int r;

	if (memo == NULL)
		return 1;	/* fail closed */
	r = overlap_at(a, 0, na, b, 0, nb, memo);
	free(memo);
	return r;
}

/* OpenSAFELY's checks on one output pattern, and ours. */
static int
check_pattern(struct ld *l, yaml_node_t *n, const char *pat,
    enum sdc_privacy lv)
{
	const char *base = strrchr(pat, '/'), *dot, *const *t;

	base = base ? base + 1 : pat;
	dot = strrchr(base, '.');
	if (*pat == '\0')
		return fail(l, n, "output path is empty");
	if (strchr(pat, '\\') != NULL)
		return fail(l, n, "output path %s contains back slashes (use "
		    "forward slashes only)", pat);
	if (strstr(pat, "**") != NULL || strchr(pat, '?') != NULL ||
	    strchr(pat, '[') != NULL)
		return fail(l, n, "output path %s: only the * wildcard is "
		    "supported", pat);
	if (pat[0] == '/' || (pat[1] == ':' && pat[0] != '\0'))
		return fail(l, n, "output path %s is an absolute path", pat);
	if (strstr(pat, "//") != NULL || strcmp(pat, "..") == 0 ||
	    strncmp(pat, "../", 3) == 0 || strstr(pat, "/../") != NULL ||
	    strcmp(pat, ".") == 0 || strncmp(pat, "./", 2) == 0 ||
	    strstr(pat, "/./") != NULL ||
	    (strlen(pat) >= 3 && strcmp(pat + strlen(pat) - 3, "/..") == 0) ||
	    pat[strlen(pat) - 1] == '/')
		return fail(l, n, "output path %s is not in standard form "
		    "(contains double slashes, '.' or '..' elements)", pat);
	if (strcmp(pat, "metadata") == 0 || strncmp(pat, "metadata/", 9) == 0)
		return fail(l, n, "output path %s is in the metadata "
		    "directory, which is sdc-run's own", pat);
	if (dot == NULL || dot == base || dot[1] == '\0' ||
	    strchr(dot, '*') != NULL)
		return fail(l, n, "output path %s must have a file type "
		    "extension at the end", pat);
	if (lv == SDC_PRIVACY_MODERATE) {
		for (t = l4_types; *t != NULL; t++)
			if (strcmp(dot + 1, *t) == 0)
				break;
		if (*t == NULL)
			return fail(l, n, "output path %s: .%s is not an "
			    "allowed file type for moderately_sensitive "
			    "outputs (csv, txt, json, html, md, png, jpg, "
			    "jpeg, svg, log)", pat, dot + 1);
	}
	return 0;
}

/* ---- actions ---- */

static char *
dup(struct ld *l, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		nomem(l);
	return d;
}

static int
load_outputs(struct ld *l, struct sdc_project_action *a, yaml_node_t *o)
{
	static const char *const levels[] = { "highly_sensitive",
	    "moderately_sensitive", NULL };
	yaml_node_pair_t *pr;
	size_t total = 0;

	if (o->type != YAML_MAPPING_NODE)
		return fail(l, o, "outputs of action %s must be a mapping of "
		    "privacy levels, not %s", a->name, kind_name(o));
	for (pr = o->data.mapping.pairs.start; pr < o->data.mapping.pairs.top;
	    pr++)
		if (strcmp(scalar(node(l, pr->key)), "minimally_sensitive") == 0)
			return fail(l, node(l, pr->key), "minimally_sensitive "
			    "is not supported: use moderately_sensitive for "
			    "files meant for release (they are checked) and "
			    "highly_sensitive for the rest");
	if (only_keys(l, o, levels, "outputs") != 0)
		return -1;
	for (pr = o->data.mapping.pairs.start; pr < o->data.mapping.pairs.top;
	    pr++) {
		yaml_node_t *k = node(l, pr->key), *v = node(l, pr->value);

		if (v->type != YAML_MAPPING_NODE)
			return fail(l, v, "%s outputs of action %s must be a "
			    "mapping of names to paths, not %s", scalar(k),
			    a->name, kind_name(v));
		total += (size_t)(v->data.mapping.pairs.top -
		    v->data.mapping.pairs.start);
	}
	if (total == 0)
		return fail(l, o, "action %s must specify at least one output "
		    "of: highly_sensitive, moderately_sensitive", a->name);
	if ((a->outputs = calloc(total, sizeof(*a->outputs))) == NULL)
		return nomem(l);
	for (pr = o->data.mapping.pairs.start; pr < o->data.mapping.pairs.top;
	    pr++) {
		yaml_node_t *k = node(l, pr->key), *v = node(l, pr->value);
		enum sdc_privacy lv = strcmp(scalar(k), "highly_sensitive") == 0 ?
		    SDC_PRIVACY_HIGH : SDC_PRIVACY_MODERATE;
		yaml_node_pair_t *q;

		for (q = v->data.mapping.pairs.start;
		    q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *id = node(l, q->key), *pat =
			    node(l, q->value);
			struct sdc_project_output *out =
			    &a->outputs[a->noutputs];

			if (scalar(pat) == NULL || is_null(pat))
				return fail(l, pat, "output %s of action %s "
				    "must be a path, not %s", scalar(id),
				    a->name, kind_name(pat));
			if (check_pattern(l, pat, scalar(pat), lv) != 0)
				return -1;
			if ((out->id = dup(l, scalar(id))) == NULL ||
			    (out->pattern = dup(l, scalar(pat))) == NULL)
				return -1;
			out->privacy = lv;
			out->line = pat->start_mark.line + 1;
			out->column = pat->start_mark.column + 1;
			a->noutputs++;
		}
	}
	return 0;
}

/* The value of --output in argv (either form), or NULL. */
static const char *
output_arg(struct sdc_project_action *a)
{
	size_t i;

	for (i = 1; i < a->argc; i++) {
		if (strcmp(a->argv[i], "--") == 0)
			break;
		if (strcmp(a->argv[i], "--output") == 0 && i + 1 < a->argc)
			return a->argv[i + 1];
		if (strncmp(a->argv[i], "--output=", 9) == 0)
			return a->argv[i] + 9;
	}
	return NULL;
}

static int
load_run(struct ld *l, struct sdc_project_action *a, yaml_node_t *r)
{
	struct sdc_err e;
	char *colon;

	if (scalar(r) == NULL || is_null(r))
		return fail(l, r, "run of action %s must be a command, not %s",
		    a->name, kind_name(r));
	if ((a->run = dup(l, scalar(r))) == NULL)
		return -1;
	a->run_line = r->start_mark.line + 1;
	a->run_column = r->start_mark.column + 1;
	sdc_err_clear(&e);
	if ((a->argv = sdc_project_split(a->run, &a->argc, &e)) == NULL)
		return e.code == SDC_ENOMEM ? nomem(l) :
		    fail(l, r, "run of action %s: %s", a->name, e.msg);
	if (a->argc == 0)
		return fail(l, r, "run must have a value, %s has an empty run "
		    "key", a->name);
	if ((a->image = dup(l, a->argv[0])) == NULL)
		return -1;
	if ((colon = strchr(a->image, ':')) != NULL) {
		*colon = '\0';
		a->tag = colon + 1;
	}
	if (strncmp(a->image, "sdc-", 4) == 0 || (a->tag == NULL &&
	    (strcmp(a->image, "sh") == 0 || strcmp(a->image, "awk") == 0)))
		a->kind = SDC_RUN_LOCAL;
	else if (a->tag == NULL || *a->tag == '\0')
		return fail(l, r, "%s must have a version specified (e.g. "
		    "%s:v1)", a->image, a->image);
	else if (strcmp(a->image, "ehrql") == 0)
		a->kind = SDC_RUN_EHRQL;
	else if (strcmp(a->image, "python") == 0)
		a->kind = SDC_RUN_PYTHON;
	else if (strcmp(a->image, "r") == 0)
		a->kind = SDC_RUN_R;
	else if (strcmp(a->image, "stata-mp") == 0)
		a->kind = SDC_RUN_STATA;
	else
		a->kind = SDC_RUN_OTHER;
	if (a->tag != NULL && strcmp(a->tag, "latest") == 0 &&
	    l->p->version >= 5)
		return fail(l, r, "%s:latest is not allowed in version 5: "
		    "name a version (e.g. %s:v1)", a->image, a->image);
	if (a->kind == SDC_RUN_EHRQL) {
		const char *want;
		size_t i;

		if (a->argc < 2 || (strcmp(a->argv[1], "generate-dataset") != 0
		    && strcmp(a->argv[1], "generate-measures") != 0))
			return fail(l, r, "action %s: ehrql runs "
			    "generate-dataset or generate-measures", a->name);
		if (a->argc < 3 || a->argv[2][0] == '-')
			return fail(l, r, "action %s: %s needs a definition "
			    "file", a->name, a->argv[1]);
		for (i = 0; i < a->noutputs; i++)
			if (a->outputs[i].privacy != SDC_PRIVACY_HIGH)
				return fail(l, r, "`%s` action uses `%s` and "
				    "so all outputs must be labelled "
				    "`highly_sensitive`", a->name, a->argv[1]);
		want = output_arg(a);
		if (want == NULL)
			return fail(l, r, "action %s: %s needs --output",
			    a->name, a->argv[1]);
		if (a->noutputs == 0 ||
		    strcmp(want, a->outputs[0].pattern) != 0)
			return fail(l, r, "action %s: --output in run command "
			    "and outputs must match (%s, %s)", a->name, want,
			    a->noutputs ? a->outputs[0].pattern : "none");
	}
	return 0;
}

static int
load_action(struct ld *l, struct sdc_project_action *a, yaml_node_t *k,
    yaml_node_t *v)
{
	static const char *const keys[] = { "run", "needs", "outputs",
	    "config", "dummy_data_file", NULL };
	yaml_node_t *r, *o, *c, *d, *kn = NULL;
	char where[300];

	a->line = k->start_mark.line + 1;
	a->column = k->start_mark.column + 1;
	if ((a->name = dup(l, scalar(k))) == NULL)
		return -1;
	if (strcmp(a->name, "run_all") == 0)
		return fail(l, k, "run_all is a reserved action name");
	if (a->name[0] == '\0' || strpbrk(a->name, "/\\ \t") != NULL ||
	    strcmp(a->name, ".") == 0 || strcmp(a->name, "..") == 0)
		return fail(l, k, "action name '%s' is not allowed (no "
		    "slashes or spaces)", a->name);
	if (v->type != YAML_MAPPING_NODE)
		return fail(l, v, "configuration for action %s must be a "
		    "mapping, not %s", a->name, kind_name(v));
	snprintf(where, sizeof(where), "action %s", a->name);
	if (only_keys(l, v, keys, where) != 0)
		return -1;
	if ((r = get(l, v, "run", NULL)) == NULL)
		return fail(l, k, "action %s must contain a configuration for "
		    "'run'", a->name);
	if ((o = get(l, v, "outputs", &kn)) == NULL)
		return fail(l, k, "action %s must contain a configuration for "
		    "'outputs'", a->name);
	if (is_null(o))
		return fail(l, kn, "action %s must specify at least one output "
		    "of: highly_sensitive, moderately_sensitive", a->name);
	if (load_outputs(l, a, o) != 0 || load_run(l, a, r) != 0)
		return -1;
	if ((c = get(l, v, "config", NULL)) != NULL && !is_null(c)) {
		struct buf b = { 0 };

		put_json(l, &b, c, 0);
		if (b.oom) {
			free(b.s);
			return nomem(l);
		}
		if (b.big) {
			free(b.s);
			return fail(l, c, "config of action %s is too large "
			    "(more than %lu KiB as JSON, or nested more than "
			    "%d deep)", a->name, CONFIG_MAX / 1024, DEPTH_MAX);
		}
		a->config = b.s;
	}
	if ((d = get(l, v, "dummy_data_file", NULL)) != NULL) {
		if (scalar(d) == NULL || is_null(d))
			return fail(l, d, "dummy_data_file of action %s must "
			    "be a path", a->name);
		if ((a->dummy_data_file = dup(l, scalar(d))) == NULL)
			return -1;
	}
	return 0;
}

/* Resolve needs to indices; the node of each action is m's value. */
static int
load_needs(struct ld *l, yaml_node_t *actions)
{
	struct sdc_project *p = l->p;
	yaml_node_pair_t *pr;
	size_t i = 0;

	for (pr = actions->data.mapping.pairs.start;
	    pr < actions->data.mapping.pairs.top; pr++, i++) {
		struct sdc_project_action *a = &p->actions[i];
		yaml_node_t *nd = get(l, node(l, pr->value), "needs", NULL);
		yaml_node_item_t *it;

		if (nd == NULL || is_null(nd))
			continue;
		if (scalar(nd) != NULL)
			return fail(l, nd, "needs of action %s must be a list "
			    "(needs: [a, b]), not a single value", a->name);
		if (nd->type != YAML_SEQUENCE_NODE)
			return fail(l, nd, "needs of action %s must be a list, "
			    "not %s", a->name, kind_name(nd));
		a->needs = calloc((size_t)(nd->data.sequence.items.top -
		    nd->data.sequence.items.start) + 1, sizeof(*a->needs));
		if (a->needs == NULL)
			return nomem(l);
		for (it = nd->data.sequence.items.start;
		    it < nd->data.sequence.items.top; it++) {
			yaml_node_t *x = node(l, *it);
			const char *s = scalar(x);
			long j;
			size_t m;

			if (s == NULL || is_null(x))
				return fail(l, x, "needs of action %s must "
				    "name actions", a->name);
			if (strchr(s, ' ') != NULL)
				return fail(l, x, "`needs` actions should be "
				    "separated with commas: action %s needs "
				    "'%s'", a->name, s);
			if ((j = sdc_project_find(p, s)) < 0)
				return fail(l, x, "action %s needs unknown "
				    "action '%s'", a->name, s);
			if ((size_t)j == i)
				return fail(l, x, "action %s needs itself",
				    a->name);
			for (m = 0; m < a->nneeds; m++)
				if (a->needs[m] == (size_t)j)
					return fail(l, x, "action %s needs "
					    "'%s' twice", a->name, s);
			a->needs[a->nneeds++] = (size_t)j;
		}
	}
	return 0;
}

/* Depth-first order; a cycle is reported with its path. */
static int
visit(struct ld *l, size_t i, unsigned char *mark, size_t *stack,
    size_t depth, size_t *n)
{
	struct sdc_project *p = l->p;
	struct sdc_project_action *a = &p->actions[i];
	size_t k;

	if (mark[i] == 2)
		return 0;
	if (mark[i] == 1) {
		char path[SDC_ERR_MSG_MAX];
		size_t used = 0, s = 0;

		while (stack[s] != i)
			s++;
		path[0] = '\0';
		for (; s < depth; s++)
			used += (size_t)snprintf(path + used, used < sizeof(path)
			    ? sizeof(path) - used : 0, "%s -> ",
			    p->actions[stack[s]].name);
		snprintf(path + (used < sizeof(path) ? used : sizeof(path) - 1),
		    used < sizeof(path) ? sizeof(path) - used : 1, "%s",
		    a->name);
		return sdc_err_set(l->err, SDC_EDATA, l->name, a->line,
		    a->column, "dependency cycle: %s", path);
	}
	mark[i] = 1;
	stack[depth] = i;
	for (k = 0; k < a->nneeds; k++)
		if (visit(l, a->needs[k], mark, stack, depth + 1, n) != 0)
			return -1;
	mark[i] = 2;
	p->order[(*n)++] = i;
	return 0;
}

static int
check_order(struct ld *l)
{
	struct sdc_project *p = l->p;
	unsigned char *mark = calloc(p->nactions + 1, 1);
	size_t *stack = calloc(p->nactions + 1, sizeof(*stack));
	size_t i, n = 0;
	int rc = 0;

	p->order = calloc(p->nactions + 1, sizeof(*p->order));
	if (mark == NULL || stack == NULL || p->order == NULL)
		rc = nomem(l);
	for (i = 0; rc == 0 && i < p->nactions; i++)
		rc = visit(l, i, mark, stack, 0, &n);
	free(mark);
	free(stack);
	return rc;
}

/* Unique run strings and output paths; no overlap across levels. */
static int
check_across(struct ld *l)
{
	struct sdc_project *p = l->p;
	size_t i, j, x, y;

	for (i = 0; i < p->nactions; i++) {
		struct sdc_project_action *a = &p->actions[i];

		for (j = 0; j < i; j++)
			if (strcmp(p->actions[j].run, a->run) == 0)
				return sdc_err_set(l->err, SDC_EDATA, l->name,
				    a->run_line, a->run_column, "action %s "
				    "has the same 'run' command as action %s",
				    a->name, p->actions[j].name);
		for (x = 0; x < a->noutputs; x++)
			for (j = 0; j <= i; j++) {
				struct sdc_project_action *b = &p->actions[j];

				for (y = 0; y < (j == i ? x : b->noutputs);
				    y++) {
					struct sdc_project_output *o =
					    &a->outputs[x], *q = &b->outputs[y];

					if (strcmp(o->pattern, q->pattern) == 0
					    && p->version >= 2)
						return sdc_err_set(l->err,
						    SDC_EDATA, l->name, o->line,
						    o->column, "output path %s "
						    "is not unique (also in "
						    "action %s)", o->pattern,
						    b->name);
					if (o->privacy != q->privacy &&
					    sdc_project_overlap(o->pattern,
					    q->pattern))
						return sdc_err_set(l->err,
						    SDC_EDATA, l->name, o->line,
						    o->column, "%s output %s "
						    "overlaps %s output %s of "
						    "action %s: a file could "
						    "have both privacy levels",
						    sdc_privacy_name(o->privacy),
						    o->pattern,
						    sdc_privacy_name(q->privacy),
						    q->pattern, b->name);
				}
			}
	}
	return 0;
}

static int
load_top(struct ld *l)
{
	static const char *const keys[] = { "version", "actions",
	    "expectations", NULL };
	struct sdc_project *p = l->p;
	yaml_node_t *root = yaml_document_get_root_node(&l->doc), *v, *a, *e;
	yaml_node_pair_t *pr;
	size_t i;

	if (root == NULL)
		return sdc_err_set(l->err, SDC_EDATA, l->name, 1, 1,
		    "project file is empty");
	if (root->type != YAML_MAPPING_NODE)
		return fail(l, root, "project file must be a mapping with "
		    "version and actions, not %s", kind_name(root));
	if (check_duplicates(l) != 0 || only_keys(l, root, keys, "project") !=
	    0)
		return -1;
	if ((v = get(l, root, "version", NULL)) == NULL || is_null(v))
		return fail(l, v ? v : root, "project file must have a "
		    "`version` attribute specifying which version of the "
		    "project configuration format it uses (current latest "
		    "version is %d)", SDC_PROJECT_VERSION_MAX);
	if (number(scalar(v), &p->version) != 0 || p->version < 1)
		return fail(l, v, "`version` must be a number between 1 and %d",
		    SDC_PROJECT_VERSION_MAX);
	if (p->version > SDC_PROJECT_VERSION_MAX)
		return fail(l, v, "version %s is newer than sdc-run "
		    "understands (1 to %d)", scalar(v),
		    SDC_PROJECT_VERSION_MAX);
	e = get(l, root, "expectations", NULL);
	if (p->version >= 3 && p->version < 4 && (e == NULL || is_null(e)))
		return fail(l, root, "project must include `expectations` "
		    "section (version 3)");
	if (e != NULL && !is_null(e) && p->version < 4) {
		static const char *const ek[] = { "population_size", NULL };
		yaml_node_t *ps;
		double n;

		if (e->type != YAML_MAPPING_NODE)
			return fail(l, e, "expectations must be a mapping");
		if (only_keys(l, e, ek, "expectations") != 0)
			return -1;
		if ((ps = get(l, e, "population_size", NULL)) == NULL)
			return fail(l, e, "project `expectations` section must "
			    "include `population_size` section");
		if (number(scalar(ps), &n) != 0 || n != floor(n) || n < 1 ||
		    n > 1e9)
			return fail(l, ps, "project expectations population "
			    "size must be a whole number from 1 to 1000000000");
		p->population_size = (long)n;
	}
	if ((a = get(l, root, "actions", NULL)) == NULL)
		return fail(l, root, "project file must have `actions`");
	if (a->type != YAML_MAPPING_NODE || is_null(a))
		return fail(l, a, "actions must be a mapping of action names "
		    "to actions, not %s", kind_name(a));
	p->nactions = (size_t)(a->data.mapping.pairs.top -
	    a->data.mapping.pairs.start);
	if (p->nactions == 0)
		return fail(l, a, "project has no actions");
	if ((p->actions = calloc(p->nactions, sizeof(*p->actions))) == NULL)
		return nomem(l);
	for (pr = a->data.mapping.pairs.start, i = 0;
	    pr < a->data.mapping.pairs.top; pr++, i++)
		if (load_action(l, &p->actions[i], node(l, pr->key),
		    node(l, pr->value)) != 0)
			return -1;
	if (load_needs(l, a) != 0 || check_across(l) != 0 ||
	    check_order(l) != 0)
		return -1;
	return 0;
}

/*
 * Refuse collections nested more than DEPTH_MAX deep before building the
 * document: a pass over the events, which stops at the first offence.
 * Errors in the YAML itself are left to the load that follows.
 */
static int
check_depth(const char *text, size_t n, const char *name,
    struct sdc_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return sdc_err_nomem(err);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
	while (!done && rc == 0 && yaml_parser_parse(&parser, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > DEPTH_MAX)
				rc = sdc_err_set(err, SDC_EPARSE, name,
				    (unsigned long long)ev.start_mark.line + 1,
				    (unsigned long long)ev.start_mark.column + 1,
				    "YAML nested more than %d deep", DEPTH_MAX);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

struct sdc_project *
sdc_project_parse(const char *text, size_t n, const char *name,
    struct sdc_err *err)
{
	struct ld l;
	yaml_parser_t parser;
	int rc;

	if (check_depth(text, n, name, err) != 0)
		return NULL;
	memset(&l, 0, sizeof(l));
	l.name = name;
	l.err = err;
	if ((l.p = calloc(1, sizeof(*l.p))) == NULL ||
	    (l.p->file = strdup(name)) == NULL) {
		free(l.p);
		sdc_err_nomem(err);
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		sdc_project_free(l.p);
		sdc_err_nomem(err);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
	if (!yaml_parser_load(&parser, &l.doc)) {
		const yaml_mark_t *m = parser.context != NULL &&
		    parser.problem_mark.line == 0 && parser.problem_mark.column
		    == 0 ? &parser.context_mark : &parser.problem_mark;

		if (parser.error == YAML_MEMORY_ERROR)
			sdc_err_nomem(err);
		else
			sdc_err_set(err, SDC_EPARSE, name,
			    (unsigned long long)m->line + 1,
			    (unsigned long long)m->column + 1, "YAML: %s%s%s",
			    parser.problem ? parser.problem : "malformed",
			    parser.context ? " " : "",
			    parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		sdc_project_free(l.p);
		return NULL;
	}
	{
		/* A second document would be silently ignored: refuse it. */
		yaml_document_t more;

		if (yaml_parser_load(&parser, &more)) {
			yaml_node_t *root = yaml_document_get_root_node(&more);

			if (root != NULL) {
				sdc_err_set(err, SDC_EPARSE, name,
				    (unsigned long long)root->start_mark.line
				    + 1, (unsigned long long)
				    root->start_mark.column + 1,
				    "more than one YAML document in the "
				    "project file");
				yaml_document_delete(&more);
				yaml_document_delete(&l.doc);
				yaml_parser_delete(&parser);
				sdc_project_free(l.p);
				return NULL;
			}
			yaml_document_delete(&more);
		} else {
			sdc_err_set(err, SDC_EPARSE, name,
			    (unsigned long long)parser.problem_mark.line + 1,
			    (unsigned long long)parser.problem_mark.column + 1,
			    "YAML: %s", parser.problem ? parser.problem :
			    "malformed");
			yaml_document_delete(&l.doc);
			yaml_parser_delete(&parser);
			sdc_project_free(l.p);
			return NULL;
		}
	}
	rc = load_top(&l);
	yaml_document_delete(&l.doc);
	yaml_parser_delete(&parser);
	if (rc != 0) {
		sdc_project_free(l.p);
		return NULL;
	}
	return l.p;
}

struct sdc_project *
sdc_project_load(const char *path, struct sdc_err *err)
{
	struct sdc_input *in;
	struct sdc_project *p;
	char *text = NULL, *t;
	size_t n = 0, cap = 0;
	ssize_t got;

	if ((in = sdc_input_open(path, err)) == NULL)
		return NULL;
	do {
		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > TEXT_MAX + 8192 ||
			    (t = realloc(text, cap)) == NULL) {
				free(text);
				sdc_input_free(in);
				if (cap > TEXT_MAX + 8192)
					sdc_err_set(err, SDC_ELIMIT, path, 0, 0,
					    "larger than 16 MiB");
				else
					sdc_err_nomem(err);
				return NULL;
			}
			text = t;
		}
		if ((got = sdc_input_read(in, text + n, cap - n, err)) < 0) {
			free(text);
			sdc_input_free(in);
			return NULL;
		}
		n += (size_t)got;
	} while (got > 0);
	sdc_input_free(in);
	p = sdc_project_parse(text ? text : "", n, path, err);
	free(text);
	return p;
}

void
sdc_project_free(struct sdc_project *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nactions; i++) {
		struct sdc_project_action *a = &p->actions[i];

		free(a->name);
		free(a->run);
		sdc_project_words_free(a->argv);
		free(a->image);
		free(a->needs);
		for (j = 0; j < a->noutputs; j++) {
			free(a->outputs[j].id);
			free(a->outputs[j].pattern);
		}
		free(a->outputs);
		free(a->config);
		free(a->dummy_data_file);
	}
	free(p->actions);
	free(p->order);
	free(p->file);
	free(p);
}

long
sdc_project_find(const struct sdc_project *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nactions; i++)
		if (p->actions[i].name != NULL &&
		    strcmp(p->actions[i].name, name) == 0)
			return (long)i;
	return -1;
}
