/*
 * dummy_expect.c - configure_dummy_data(expectations={...}): the
 * researcher's per-variable hints, in cohort-extractor's keys, read
 * from the call's syntax tree (literals only), mapped to the source
 * column each variable reads, and checked against the definition.
 *
 * Mapping.  A variable that is a patient table's column hints that
 * column (H_PCOL); an age (a difference in years between a literal
 * date and patients.date_of_birth) hints the date of birth (H_AGE); a
 * column of a first/last_for_patient() row, or a minimum, maximum, sum
 * or mean of an event column, hints that column on the rows aimed at
 * the frame (H_FRAME).  Anything else cannot be mapped: an error.
 *
 * Checks.  What the definition forces is collected from the
 * population's conjuncts (through AND, NOT, and OR wanted FALSE) and,
 * for a frame, from its where() conditions: a NULL or a value forced,
 * bounds on a date, a set of allowed values, a frame that must or must
 * not have rows.  A hint that cannot hold with them is an error naming
 * both places.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "date.h"
#include "dummy_int.h"
#include "num.h"

struct ex {
	struct dum_plan *p;
	const struct sdc_query *q;
	const char *file;
	struct sdc_err *err;
};

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
fail(struct ex *x, const struct sdc_node *at, enum sdc_err_code code,
    const char *var, const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (var != NULL)
		return sdc_err_set(x->err, code, x->file, at->line, at->col,
		    "expectations for '%s': %s", var, msg);
	return sdc_err_set(x->err, code, x->file, at->line, at->col,
	    "expectations: %s", msg);
}

static const char *
kind_name(const struct sdc_node *n)
{
	switch (n->kind) {
	case SDC_NODE_NAME: return "a name";
	case SDC_NODE_CALL: return "a call";
	case SDC_NODE_ATTR: return "an attribute";
	case SDC_NODE_CONST: return "None, True or False";
	case SDC_NODE_BINOP: return "an expression";
	default: return "an expression";
	}
}

/* A number literal (or -/+ one).  0, or -1 with err set. */
static int
lit_num(struct ex *x, const struct sdc_node *n, const char *var,
    const char *what, double *out)
{
	const struct sdc_node *m = n;
	double sign = 1;

	if (m->kind == SDC_NODE_UNARY && (m->op == SDC_OP_NEG ||
	    m->op == SDC_OP_POS)) {
		sign = m->op == SDC_OP_NEG ? -1 : 1;
		m = m->kid[0];
	}
	if (m->kind == SDC_NODE_INT && !m->overflow)
		*out = sign * (double)m->ival;
	else if (m->kind == SDC_NODE_FLOAT && !m->overflow)
		*out = sign * m->fval;
	else if (m->kind == SDC_NODE_STR || m->kind == SDC_NODE_DICT ||
	    m->kind == SDC_NODE_LIST || m->kind == SDC_NODE_INT ||
	    m->kind == SDC_NODE_FLOAT)
		return fail(x, n, SDC_EDATA, var, "%s must be a number", what);
	else
		return fail(x, n, SDC_EPARSE, var, "%s must be a literal "
		    "number, not %s (only literals are read here)", what,
		    kind_name(m));
	return 0;
}

static int
lit_str(struct ex *x, const struct sdc_node *n, const char *var,
    const char *what, const char **out)
{
	if (n->kind == SDC_NODE_STR) {
		*out = n->str;
		return 0;
	}
	if (n->kind == SDC_NODE_INT || n->kind == SDC_NODE_FLOAT ||
	    n->kind == SDC_NODE_DICT || n->kind == SDC_NODE_LIST ||
	    n->kind == SDC_NODE_UNARY)
		return fail(x, n, SDC_EDATA, var, "%s must be a string", what);
	return fail(x, n, SDC_EPARSE, var, "%s must be a literal string, "
	    "not %s (only literals are read here)", what, kind_name(n));
}

/* A dict literal: its PAIR children with STR keys. */
static int
lit_dict(struct ex *x, const struct sdc_node *n, const char *var,
    const char *what)
{
	size_t i;

	if (n->kind != SDC_NODE_DICT) {
		if (n->kind == SDC_NODE_STR || n->kind == SDC_NODE_INT ||
		    n->kind == SDC_NODE_FLOAT || n->kind == SDC_NODE_LIST)
			return fail(x, n, SDC_EDATA, var, "%s must be a dict",
			    what);
		return fail(x, n, SDC_EPARSE, var, "%s must be a literal "
		    "dict, not %s (only literals are read here)", what,
		    kind_name(n));
	}
	for (i = 0; i < n->n; i++) {
		const struct sdc_node *k = n->kid[i];

		if (k->kind != SDC_NODE_PAIR)
			return fail(x, k, SDC_EPARSE, var, "%s: '**' is not "
			    "read here (only literals)", what);
		if (k->kid[0]->kind != SDC_NODE_STR &&
		    !(k->kid[0]->kind == SDC_NODE_INT && strcmp(what,
		    "ratios") == 0))
			return fail(x, k->kid[0], SDC_EPARSE, var, "%s: keys "
			    "must be literal strings", what);
	}
	return 0;
}

static const char *
key(const struct sdc_node *pair)
{
	return pair->kid[0]->kind == SDC_NODE_STR ? pair->kid[0]->str :
	    pair->kid[0]->text;
}

static const struct sdc_schema_column *
hcol(const struct ex *x, const struct dum_hint *h)
{
	return &x->q->tables[h->table].schema->columns[h->column];
}

const struct sdc_qnode *
dum_base_frame(const struct sdc_qnode *f)
{
	while (f->kind == SDC_Q_PICK || f->kind == SDC_Q_SORT)
		f = f->kid[0];
	return f;
}

/*
 * Map variable node v to a column: 0, or -1 with err at the variable's
 * key (at).
 */
static int
map_var(struct ex *x, const struct sdc_node *at, struct dum_hint *h,
    const struct sdc_qnode *v)
{
	const struct sdc_qnode *c;

	if (v->kind == SDC_Q_COLUMN && v->kid[0]->kind == SDC_Q_TABLE &&
	    v->kid[0]->level == SDC_QL_PATIENT) {
		h->kind = H_PCOL;
		h->table = v->kid[0]->table;
		h->column = (int)v->column;
		return 0;
	}
	if (v->kind == SDC_Q_COLUMN && v->kid[0]->kind == SDC_Q_PICK) {
		h->kind = H_FRAME;
		h->frame = v->kid[0];
		h->table = v->kid[0]->table;
		h->column = (int)v->column;
		goto frame;
	}
	if (v->kind == SDC_Q_AGG && (v->op == SDC_QOP_AGG_MIN ||
	    v->op == SDC_QOP_AGG_MAX || v->op == SDC_QOP_AGG_SUM ||
	    v->op == SDC_QOP_AGG_MEAN) && (c = v->kid[0])->kind ==
	    SDC_Q_COLUMN && c->level == SDC_QL_EVENT) {
		h->kind = H_FRAME;
		h->frame = c->kid[0];
		h->table = c->table;
		h->column = (int)c->column;
		goto frame;
	}
	if (v->kind == SDC_Q_BINARY && v->op == SDC_QOP_DIFF_YEARS &&
	    v->kid[0]->kind == SDC_Q_VALUE && !v->kid[0]->val.null &&
	    (c = v->kid[1])->kind == SDC_Q_COLUMN &&
	    c->kid[0]->kind == SDC_Q_TABLE &&
	    strcmp(x->q->tables[c->kid[0]->table].schema->name,
	    "patients") == 0 && strcmp(x->q->tables[c->kid[0]->table].
	    schema->columns[c->column].name, "date_of_birth") == 0) {
		h->kind = H_AGE;
		h->table = c->kid[0]->table;
		h->column = (int)c->column;
		h->age_at = v->kid[0]->val.u.d;
		return 0;
	}
	if (v->kind == SDC_Q_AGG && (v->op == SDC_QOP_AGG_EXISTS ||
	    v->op == SDC_QOP_AGG_COUNT || v->op == SDC_QOP_AGG_COUNT_DISTINCT ||
	    v->op == SDC_QOP_AGG_COUNT_EPISODES))
		return fail(x, at, SDC_EDATA, h->var, "the variable is a "
		    "count or exists_for_patient(), never NULL and not a "
		    "column: sdc-dummy cannot map hints to it");
	return fail(x, at, SDC_EDATA, h->var, "sdc-dummy cannot map the "
	    "variable to a source column (hints apply to a patient table's "
	    "column, an age from patients.date_of_birth, a column of a "
	    "first/last_for_patient() row, or a minimum, maximum, sum or "
	    "mean of an event column)");
frame:
	if (sdc_schema_column_index(x->q->tables[h->table].schema,
	    "start_date") > 0 && sdc_schema_column_index(x->q->tables[h->table].
	    schema, "end_date") > 0 && (strcmp(hcol(x, h)->name,
	    "start_date") == 0 || strcmp(hcol(x, h)->name, "end_date") == 0))
		return fail(x, at, SDC_EDATA, h->var, "hints on the start and "
		    "end dates of %s are not supported (its spells are "
		    "made to fit the population)",
		    x->q->tables[h->table].schema->name);
	return 0;
}

/* What the definition forces on a hinted column. */
struct forced {
	struct dum_cons c;
	unsigned nl, nc;	/* where null was forced */
	unsigned bl, bc;	/* where a bound was set */
	unsigned sl, sc;	/* where a set or exclusion was set */
	int present;		/* 1: the frame must have rows, -1 none */
	unsigned pl, pc;
	int frame;		/* walking the frame's conditions */
};


/* Is series node n the hinted column? */
static int
is_col(const struct dum_hint *h, const struct forced *f,
    const struct sdc_qnode *n)
{
	if (n->kind != SDC_Q_COLUMN || n->column != h->column)
		return 0;
	if (f->frame)
		return n->level == SDC_QL_EVENT && n->table == h->table;
	if (h->kind == H_FRAME)
		return n->kid[0] == h->frame;
	return n->kid[0]->kind == SDC_Q_TABLE && n->kid[0]->table == h->table;
}

static void
walk(const struct dum_hint *h, const struct sdc_qnode *n, int want,
    struct forced *f)
{
	const struct sdc_qnode *a, *b;
	struct dum_cons before;

	switch (n->kind) {
	case SDC_Q_BINARY:
		if ((n->op == SDC_QOP_AND && want) ||
		    (n->op == SDC_QOP_OR && !want)) {
			walk(h, n->kid[0], want, f);
			walk(h, n->kid[1], want, f);
			return;
		}
		if (n->op < SDC_QOP_EQ || n->op > SDC_QOP_GE)
			return;
		a = n->kid[0];
		b = n->kid[1];
		if (a->kind == SDC_Q_VALUE) {
			a = n->kid[1];
			b = n->kid[0];
		}
		if (!is_col(h, f, a) || b->kind != SDC_Q_VALUE || b->val.null)
			return;
		before = f->c;
		dum_cons_cmp(&f->c, a->type, want ? (a == n->kid[0] ? n->op :
		    dum_flip(n->op)) : dum_negate(a == n->kid[0] ? n->op :
		    dum_flip(n->op)), &b->val);
		if (f->c.null != before.null) {
			f->nl = n->line;
			f->nc = n->col;
		}
		if (f->c.has_lo != before.has_lo || f->c.lo != before.lo ||
		    f->c.has_hi != before.has_hi || f->c.hi != before.hi) {
			f->bl = n->line;
			f->bc = n->col;
		}
		if (f->c.nsets != before.nsets || f->c.avoid != before.avoid) {
			f->sl = n->line;
			f->sc = n->col;
		}
		return;
	case SDC_Q_UNARY:
		if (n->op == SDC_QOP_NOT) {
			walk(h, n->kid[0], !want, f);
			return;
		}
		if ((n->op == SDC_QOP_IS_NULL || n->op == SDC_QOP_IS_NOT_NULL)
		    && is_col(h, f, n->kid[0])) {
			f->c.null = (n->op == SDC_QOP_IS_NULL) == (want != 0) ?
			    1 : 2;
			f->nl = n->line;
			f->nc = n->col;
		}
		return;
	case SDC_Q_IN:
		if (!is_col(h, f, n->kid[0]))
			return;
		if (want && f->c.nsets == 0) {
			f->c.null = 2;
			f->c.set[0] = n->vals;
			f->c.nset[0] = n->nvals;
			f->c.nsets = 1;
			f->nl = f->sl = n->line;
			f->nc = f->sc = n->col;
		} else if (!want && f->c.avoid == NULL) {
			f->c.avoid = n->vals;
			f->c.navoid = n->nvals;
			f->sl = n->line;
			f->sc = n->col;
		}
		return;
	case SDC_Q_AGG:
		if (n->op == SDC_QOP_AGG_EXISTS && h->kind == H_FRAME &&
		    !f->frame && dum_base_frame(n->kid[0]) ==
		    dum_base_frame(h->frame)) {
			f->present = want ? 1 : -1;
			f->pl = n->line;
			f->pc = n->col;
		}
		return;
	default:
		return;
	}
}

static int
val_in(enum sdc_schema_type type, const struct sdc_qval *set, size_t n,
    const struct sdc_qval *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sdc_qval_eq(type, &set[i], v))
			return 1;
	return 0;
}

static void
fmt_date(int32_t d, char *buf)
{
	buf[sdc_date_format(d, buf)] = '\0';
}

/* Check hint h against what the definition forces. */
static int
check_forced(struct ex *x, const struct sdc_node *at, const struct dum_hint *h)
{
	const struct sdc_query *q = x->q;
	const struct sdc_schema_column *col = hcol(x, h);
	struct forced f, w;
	const struct sdc_qnode *g;
	char a[SDC_DATE_BUF], b[SDC_DATE_BUF];
	size_t i;

	memset(&f, 0, sizeof(f));
	if (q->population != NULL)
		walk(h, q->population, 1, &f);
	/* the frame's own where() conditions bound its rows */
	memset(&w, 0, sizeof(w));
	w.frame = 1;
	for (g = h->frame; h->kind == H_FRAME && g->kind != SDC_Q_TABLE;
	    g = g->kid[0])
		if (g->kind == SDC_Q_WHERE)
			walk(h, g->kid[1], 1, &w);
	if (h->has_inc && h->kind != H_FRAME &&
	    (col->flags & SDC_COL_NOT_NULL) && h->inc < 1)
		return fail(x, at, SDC_EDATA, h->var, "incidence %g, but the "
		    "variable is never NULL (%s.%s is never NULL)", h->inc,
		    q->tables[h->table].schema->name, col->name);
	if (h->has_inc && h->inc > 0 && f.c.null == 1 && h->kind != H_AGE)
		return fail(x, at, SDC_EDATA, h->var, "incidence %g, but the "
		    "population (line %u:%u) forces it NULL", h->inc, f.nl,
		    f.nc);
	if (h->has_inc && h->inc > 0 && f.present < 0)
		return fail(x, at, SDC_EDATA, h->var, "incidence %g, but the "
		    "population (line %u:%u) forbids rows of its frame, so "
		    "it is always NULL", h->inc, f.pl, f.pc);
	if (h->has_inc && h->inc < 1 && f.c.null == 2 && h->kind != H_AGE)
		return fail(x, at, SDC_EDATA, h->var, "incidence %g, but the "
		    "population (line %u:%u) requires a value", h->inc, f.nl,
		    f.nc);
	if (h->has_inc && h->inc < 1 && f.present > 0)
		return fail(x, at, SDC_EDATA, h->var, "incidence %g, but the "
		    "population (line %u:%u) requires a row of its frame, so "
		    "it always has a value", h->inc, f.pl, f.pc);
	if (h->has_date) {
		const struct forced *fs[2] = { &f, &w };
		int k;

		for (k = 0; k < 2; k++) {
			const struct forced *ff = fs[k];
			const char *who = k == 0 ? "the population" :
			    "its frame's where()";

			if (ff->c.has_hi && h->earliest > ff->c.hi) {
				fmt_date(h->earliest, a);
				fmt_date((int32_t)ff->c.hi, b);
				return fail(x, at, SDC_EDATA, h->var, "date: "
				    "earliest %s is after %s, the latest date "
				    "%s (line %u:%u) allows", a, b, who, ff->bl,
				    ff->bc);
			}
			if (ff->c.has_lo && h->latest < ff->c.lo) {
				fmt_date(h->latest, a);
				fmt_date((int32_t)ff->c.lo, b);
				return fail(x, at, SDC_EDATA, h->var, "date: "
				    "latest %s is before %s, the earliest date "
				    "%s (line %u:%u) allows", a, b, who, ff->bl,
				    ff->bc);
			}
		}
	}
	for (i = 0; i < h->ncat; i++) {
		const struct forced *fs[2] = { &f, &w };
		double r = h->cum[i] - (i > 0 ? h->cum[i - 1] : 0);
		int k;

		if (r <= 0)
			continue;
		for (k = 0; k < 2; k++) {
			const struct forced *ff = fs[k];
			const char *who = k == 0 ? "the population" :
			    "its frame's where()";
			char buf[SDC_QVAL_FMT_MAX + 1];
			const char *p = buf;
			size_t n = sdc_qval_format(col->type, &h->cat[i], buf,
			    &p);

			if ((ff->c.nsets > 0 && !val_in(col->type, ff->c.set[0],
			    ff->c.nset[0], &h->cat[i])) || (ff->c.avoid != NULL &&
			    val_in(col->type, ff->c.avoid, ff->c.navoid,
			    &h->cat[i])))
				return fail(x, at, SDC_EDATA, h->var,
				    "category '%.*s' has ratio %g, but %s "
				    "(line %u:%u) excludes it", (int)n, p, r,
				    who, ff->sl, ff->sc);
		}
	}
	return 0;
}

static int
parse_date(struct ex *x, const struct sdc_node *n, const char *var,
    const char *what, int32_t *out)
{
	const char *s;

	if (lit_str(x, n, var, what, &s) != 0)
		return -1;
	if (strcmp(s, "today") == 0) {
		*out = x->p->anchor;
		return 0;
	}
	if (sdc_date_parse(s, strlen(s), out) != 0)
		return fail(x, n, SDC_EDATA, var, "%s '%s' is not a date "
		    "YYYY-MM-DD (or \"today\", the anchor date)", what, s);
	return 0;
}

static int
parse_dist(struct ex *x, const struct sdc_node *n, struct dum_hint *h,
    int is_int)
{
	const char *which = is_int ? "int" : "float", *d = NULL;
	int has_mean = 0, has_sd = 0;
	size_t i;

	if (lit_dict(x, n, h->var, which) != 0)
		return -1;
	h->is_int = is_int;
	for (i = 0; i < n->n; i++) {
		const struct sdc_node *k = n->kid[i], *v = k->kid[1];

		if (strcmp(key(k), "distribution") == 0) {
			if (lit_str(x, v, h->var, "distribution", &d) != 0)
				return -1;
			if (strcmp(d, "normal") == 0)
				h->dist = D_NORMAL;
			else if (strcmp(d, "poisson") == 0 && is_int)
				h->dist = D_POISSON;
			else if (strcmp(d, "population_ages") == 0 && is_int)
				h->dist = D_AGES;
			else
				return fail(x, v, SDC_EDATA, h->var, "unknown "
				    "%s distribution '%s' (expected %s)",
				    which, d, is_int ? "normal, poisson or "
				    "population_ages" : "normal");
		} else if (strcmp(key(k), "mean") == 0) {
			if (lit_num(x, v, h->var, "mean", &h->mean) != 0)
				return -1;
			has_mean = 1;
		} else if (strcmp(key(k), "stddev") == 0) {
			if (lit_num(x, v, h->var, "stddev", &h->sd) != 0)
				return -1;
			if (!(h->sd > 0))
				return fail(x, v, SDC_EDATA, h->var, "stddev "
				    "must be positive");
			has_sd = 1;
		} else {
			return fail(x, k, SDC_EDATA, h->var, "unknown key "
			    "'%s' in '%s' (expected distribution, mean, "
			    "stddev)", key(k), which);
		}
	}
	if (d == NULL)
		return fail(x, n, SDC_EDATA, h->var, "'%s' needs a "
		    "distribution", which);
	if (h->dist == D_NORMAL && (!has_mean || !has_sd))
		return fail(x, n, SDC_EDATA, h->var, "a normal distribution "
		    "needs mean and stddev");
	if (h->dist == D_POISSON && (!has_mean || !(h->mean > 0) ||
	    h->mean > 1e6))
		return fail(x, n, SDC_EDATA, h->var, "a poisson distribution "
		    "needs a mean above 0 (at most 1000000)");
	if (h->dist == D_POISSON && has_sd)
		return fail(x, n, SDC_EDATA, h->var, "a poisson distribution "
		    "takes no stddev");
	if (h->dist == D_AGES && (has_mean || has_sd))
		return fail(x, n, SDC_EDATA, h->var, "population_ages takes "
		    "no mean or stddev");
	if (h->dist == D_NORMAL && (fabs(h->mean) > 1e15 || h->sd > 1e15))
		return fail(x, n, SDC_EDATA, h->var, "mean and stddev must be "
		    "below 1e15");
	return 0;
}

static int
parse_category(struct ex *x, const struct sdc_node *n, struct dum_hint *h)
{
	const struct sdc_schema_column *col = hcol(x, h);
	const struct sdc_node *ratios = NULL;
	double sum = 0;
	size_t i, j;

	if (lit_dict(x, n, h->var, "category") != 0)
		return -1;
	for (i = 0; i < n->n; i++) {
		if (strcmp(key(n->kid[i]), "ratios") != 0)
			return fail(x, n->kid[i], SDC_EDATA, h->var, "unknown "
			    "key '%s' in 'category' (expected ratios)",
			    key(n->kid[i]));
		ratios = n->kid[i]->kid[1];
	}
	if (ratios == NULL)
		return fail(x, n, SDC_EDATA, h->var, "'category' needs "
		    "'ratios'");
	if (lit_dict(x, ratios, h->var, "ratios") != 0)
		return -1;
	if (ratios->n == 0)
		return fail(x, ratios, SDC_EDATA, h->var, "ratios is empty");
	h->cat = calloc(ratios->n, sizeof(*h->cat));
	h->cum = calloc(ratios->n, sizeof(*h->cum));
	if (h->cat == NULL || h->cum == NULL)
		return sdc_err_nomem(x->err);
	for (i = 0; i < ratios->n; i++) {
		const struct sdc_node *k = ratios->kid[i];
		const char *s = key(k);
		size_t len = strlen(s);
		struct sdc_qval *v = &h->cat[i];
		double r;

		if (lit_num(x, k->kid[1], h->var, "a ratio", &r) != 0)
			return -1;
		if (!(r >= 0 && r <= 1))
			return fail(x, k->kid[1], SDC_EDATA, h->var, "ratio %g "
			    "of '%s' is not between 0 and 1", r, s);
		sum += r;
		h->cum[i] = sum;
		if (col->flags & SDC_COL_CATEGORICAL) {
			for (j = 0; col->categories[j] != NULL; j++)
				if (strcmp(col->categories[j], s) == 0)
					break;
			if (col->categories[j] == NULL)
				return fail(x, k->kid[0], SDC_EDATA, h->var,
				    "'%s' is not a category of %s.%s", s,
				    x->q->tables[h->table].schema->name,
				    col->name);
		}
		switch (col->type) {
		case SDC_TYPE_INT:
			if (sdc_num_parse_i64(s, len, INT64_MIN, INT64_MAX,
			    &v->u.i) != 0)
				return fail(x, k->kid[0], SDC_EDATA, h->var,
				    "category '%s' is not an integer", s);
			break;
		case SDC_TYPE_CODE:
			if (!sdc_code_valid(col->system, s, len))
				return fail(x, k->kid[0], SDC_EDATA, h->var,
				    "'%s' is not a valid %s", s,
				    sdc_query_type_name(col->type,
				    col->system));
			/* FALLTHROUGH */
		case SDC_TYPE_STR:
			if (k->kid[0]->kind != SDC_NODE_STR)
				return fail(x, k->kid[0], SDC_EDATA, h->var,
				    "category keys must be strings");
			v->u.s.p = s;
			v->u.s.len = k->kid[0]->len;
			break;
		default:
			break;
		}
		for (j = 0; j < i; j++)
			if (sdc_qval_eq(col->type, &h->cat[j], v))
				return fail(x, k->kid[0], SDC_EDATA, h->var,
				    "category '%s' is given twice", s);
	}
	h->ncat = ratios->n;
	if (fabs(sum - 1) > 1e-6)
		return fail(x, ratios, SDC_EDATA, h->var, "ratios sum to %g, "
		    "not 1", sum);
	h->cum[h->ncat - 1] = 1;
	return 0;
}

static const char *
type_word(enum sdc_schema_type t)
{
	switch (t) {
	case SDC_TYPE_BOOL: return "a boolean";
	case SDC_TYPE_INT: return "an int";
	case SDC_TYPE_FLOAT: return "a float";
	case SDC_TYPE_DATE: return "a date";
	case SDC_TYPE_CODE: return "a code";
	case SDC_TYPE_MULTICODE: return "a multi-code string";
	default: return "a string";
	}
}

/* One variable's hints: n is its dict, at its key. */
static int
parse_hint(struct ex *x, const struct sdc_node *at, const struct sdc_node *n,
    struct dum_hint *h)
{
	const struct sdc_schema_column *col;
	const struct sdc_node *rate = NULL;
	enum sdc_schema_type t;
	size_t i;
	const char *s;

	if (map_var(x, at, h, x->q->vars[h->vi].node) != 0 ||
	    lit_dict(x, n, h->var, "the hints") != 0)
		return -1;
	col = hcol(x, h);
	t = col->type;
	h->rate = R_EXP;
	for (i = 0; i < n->n; i++) {
		const struct sdc_node *k = n->kid[i], *v = k->kid[1];
		const char *name = key(k);

		if (strcmp(name, "incidence") == 0) {
			if (lit_num(x, v, h->var, "incidence", &h->inc) != 0)
				return -1;
			if (!(h->inc >= 0 && h->inc <= 1))
				return fail(x, v, SDC_EDATA, h->var, "incidence "
				    "%g is not between 0 and 1", h->inc);
			h->has_inc = 1;
		} else if (strcmp(name, "rate") == 0) {
			if (lit_str(x, v, h->var, "rate", &s) != 0)
				return -1;
			if (strcmp(s, "uniform") == 0)
				h->rate = R_UNIFORM;
			else if (strcmp(s, "exponential_increase") == 0)
				h->rate = R_EXP;
			else if (strcmp(s, "universal") == 0)
				h->rate = R_UNIVERSAL;
			else
				return fail(x, v, SDC_EDATA, h->var, "unknown "
				    "rate '%s' (expected uniform, "
				    "exponential_increase or universal)", s);
			rate = v;
		} else if (strcmp(name, "date") == 0) {
			size_t j;
			int got = 0;

			if (h->kind == H_AGE || t != SDC_TYPE_DATE)
				return fail(x, k, SDC_EDATA, h->var, "a 'date' "
				    "hint, but the variable is %s",
				    h->kind == H_AGE ? "an age" :
				    type_word(t));
			if (lit_dict(x, v, h->var, "date") != 0)
				return -1;
			for (j = 0; j < v->n; j++) {
				const struct sdc_node *kk = v->kid[j];

				if (strcmp(key(kk), "earliest") == 0) {
					if (parse_date(x, kk->kid[1], h->var,
					    "earliest", &h->earliest) != 0)
						return -1;
					got |= 1;
				} else if (strcmp(key(kk), "latest") == 0) {
					if (parse_date(x, kk->kid[1], h->var,
					    "latest", &h->latest) != 0)
						return -1;
					got |= 2;
				} else {
					return fail(x, kk, SDC_EDATA, h->var,
					    "unknown key '%s' in 'date' "
					    "(expected earliest, latest)",
					    key(kk));
				}
			}
			if (got != 3)
				return fail(x, v, SDC_EDATA, h->var, "'date' "
				    "needs earliest and latest");
			if (h->earliest > h->latest)
				return fail(x, v, SDC_EDATA, h->var, "earliest "
				    "is after latest");
			h->has_date = 1;
		} else if (strcmp(name, "category") == 0) {
			if (h->kind == H_AGE || !(t == SDC_TYPE_STR ||
			    t == SDC_TYPE_CODE || (t == SDC_TYPE_INT &&
			    (col->flags & SDC_COL_CATEGORICAL))))
				return fail(x, k, SDC_EDATA, h->var, "a "
				    "'category' hint, but the variable is %s",
				    h->kind == H_AGE ? "an age" :
				    type_word(t));
			if (parse_category(x, v, h) != 0)
				return -1;
		} else if (strcmp(name, "int") == 0 ||
		    strcmp(name, "float") == 0) {
			int is_int = name[0] == 'i';

			if (h->kind != H_AGE && ((is_int && (t != SDC_TYPE_INT ||
			    (col->flags & SDC_COL_CATEGORICAL))) ||
			    (!is_int && t != SDC_TYPE_FLOAT)))
				return fail(x, k, SDC_EDATA, h->var, "an '%s' "
				    "hint, but the variable is %s%s", name,
				    (col->flags & SDC_COL_CATEGORICAL) ?
				    "categorical, " : "", type_word(t));
			if (h->kind == H_AGE && !is_int)
				return fail(x, k, SDC_EDATA, h->var, "a 'float' "
				    "hint, but the variable is an age (an "
				    "int)");
			if (h->dist != D_NONE)
				return fail(x, k, SDC_EDATA, h->var, "both "
				    "'int' and 'float'");
			if (parse_dist(x, v, h, is_int) != 0)
				return -1;
		} else {
			return fail(x, k, SDC_EDATA, h->var, "unknown key '%s' "
			    "(expected incidence, rate, date, category, int, "
			    "float)", name);
		}
	}
	if (rate != NULL && h->rate == R_UNIVERSAL) {
		if (h->has_inc && h->inc < 1)
			return fail(x, rate, SDC_EDATA, h->var, "rate "
			    "universal (every patient has a value) "
			    "contradicts incidence %g", h->inc);
		h->has_inc = 1;
		h->inc = 1;
	} else if (rate != NULL && !h->has_date) {
		return fail(x, rate, SDC_EDATA, h->var, "'rate' orders dates: "
		    "it needs a 'date' range");
	}
	return check_forced(x, at, h);
}

int
dum_expect_load(struct dum_plan *p, struct sdc_err *err)
{
	const struct sdc_query *q = p->q;
	const struct sdc_node *call = q->dummy.call, *dict = NULL;
	struct ex x;
	size_t i, j;

	p->nhint = 0;
	p->hint = NULL;
	if (call == NULL)
		return 0;
	if (call->kind != SDC_NODE_CALL)
		return sdc_err_set(err, SDC_EDATA, NULL, call->line, call->col,
		    "expectations: configure_dummy_data was not recorded as "
		    "a call");
	for (i = 1; i < call->n; i++)
		if (call->kid[i]->kind == SDC_NODE_KEYWORD &&
		    strcmp(call->kid[i]->name, "expectations") == 0)
			dict = call->kid[i]->kid[0];
	if (dict == NULL || (dict->kind == SDC_NODE_CONST &&
	    dict->flag == SDC_CONST_NONE))
		return 0;
	x.p = p;
	x.q = q;
	x.file = q->population != NULL ? q->population->file : NULL;
	x.err = err;
	if (lit_dict(&x, dict, NULL, "expectations") != 0)
		return -1;
	if (dict->n > DUM_MAXHINT)
		return fail(&x, dict, SDC_ELIMIT, NULL, "hints for at most %d "
		    "variables", DUM_MAXHINT);
	if ((p->hint = calloc(dict->n + 1, sizeof(*p->hint))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < dict->n; i++) {
		const struct sdc_node *k = dict->kid[i];
		struct dum_hint *h = &p->hint[p->nhint];

		h->var = key(k);
		h->line = k->kid[0]->line;
		h->col = k->kid[0]->col;
		for (j = 0; j < q->nvars; j++)
			if (strcmp(q->vars[j].name, h->var) == 0)
				break;
		if (j == q->nvars)
			return fail(&x, k->kid[0], SDC_EDATA, NULL, "'%s' is "
			    "not a variable of the dataset", h->var);
		h->vi = j;
		p->nhint++;
		if (parse_hint(&x, k->kid[0], k->kid[1], h) != 0)
			return -1;
		for (j = 0; j + 1 < p->nhint; j++) {
			const struct dum_hint *o = &p->hint[j];

			if (o->table == h->table && o->column == h->column &&
			    (o->kind == H_FRAME) == (h->kind == H_FRAME) &&
			    (h->kind != H_FRAME || dum_base_frame(o->frame) ==
			    dum_base_frame(h->frame)))
				return fail(&x, k->kid[0], SDC_EDATA, h->var,
				    "'%s' already sets hints on %s.%s", o->var,
				    q->tables[h->table].schema->name,
				    hcol(&x, h)->name);
		}
	}
	return 0;
}

void
dum_expect_release(struct dum_plan *p)
{
	size_t i;

	for (i = 0; p->hint != NULL && i < p->nhint; i++) {
		free(p->hint[i].cat);
		free(p->hint[i].cum);
	}
	free(p->hint);
	p->hint = NULL;
	p->nhint = 0;
}

/* Draws. */

int32_t
dum_hint_date(const struct dum_hint *h, gsl_rng *r)
{
	int64_t span = (int64_t)h->latest - h->earliest;
	int k;

	if (span <= 0)
		return h->earliest;
	if (h->rate == R_EXP) {
		/*
		 * cohort-extractor's: days before latest, exponential with
		 * mean a tenth of the span, the tail past earliest dropped
		 */
		for (k = 0; k < 64; k++) {
			double d = gsl_ran_exponential(r, 0.1) * (double)span;

			if (d <= (double)span)
				return (int32_t)(h->latest - (int64_t)d);
		}
	}
	if (span >= 0xffffffffLL)
		return (int32_t)(h->earliest + (int64_t)(gsl_rng_uniform(r) *
		    (double)span));
	return (int32_t)(h->earliest + (int64_t)gsl_rng_uniform_int(r,
	    (unsigned long)span + 1));
}

/*
 * Ages 0 to 109 roughly as the UK's population is spread over them
 * (mid-2018 estimates, thousands per five-year band; the last bands
 * tapered).  cohort-extractor draws population_ages from the same
 * source.
 */
static const double age_band[22] = {
	3914, 4136, 3854, 3650, 4149, 4521, 4488, 4301, 4074, 4640, 4729,
	4304, 3700, 3500, 3235, 2293, 1660, 1004, 420, 130, 15, 1
};

double
dum_hint_num(const struct dum_hint *h, gsl_rng *r)
{
	double v, u, tot = 0;
	size_t b;

	switch (h->dist) {
	case D_NORMAL:
		v = h->mean + gsl_ran_gaussian(r, h->sd);
		/* cohort-extractor's astype(int): toward zero */
		return h->is_int ? trunc(v) : v;
	case D_POISSON:
		return (double)gsl_ran_poisson(r, h->mean);
	case D_AGES:
		for (b = 0; b < 22; b++)
			tot += age_band[b];
		u = gsl_rng_uniform(r) * tot;
		for (b = 0; b < 21 && u >= age_band[b]; b++)
			u -= age_band[b];
		return (double)(5 * b + gsl_rng_uniform_int(r, 5));
	default:
		return 0;
	}
}

const struct sdc_qval *
dum_hint_cat(const struct dum_hint *h, gsl_rng *r)
{
	double u = gsl_rng_uniform(r);
	size_t i;

	for (i = 0; i + 1 < h->ncat && u >= h->cum[i]; i++)
		;
	return &h->cat[i];
}
