/*
 * dummy_aim.c - turn the population condition into requirements on one
 * patient's rows (dum_target), and learn which ways of meeting an OR
 * let patients pass.
 *
 * The population is walked with a wanted truth value.  AND wanted TRUE
 * wants both sides; OR wanted TRUE wants one side, chosen by learnt
 * weights; NOT flips; an AND wanted FALSE wants one side FALSE.  At the
 * leaves: exists_for_patient() wanted TRUE asks for a row of the frame
 * (its where() conditions wanted TRUE, its except_where() conditions
 * FALSE, on that row's columns); count_for_patient() compared with a
 * number asks for that many rows; a column compared with a literal, in
 * a literal set, NULL or not, or containing a prefix constrains the
 * column (a patient table's column, or a row of the frame a picked row
 * comes from); an age (a difference in years, months or days between a
 * literal date and a date column) bounds the date.  Anything else is
 * left to chance: the engine has the last word.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "date.h"
#include "dummy_int.h"

struct aim {
	struct dum_plan *p;
	gsl_rng *r;
	struct dum_target *t;
};

static int aim(struct aim *a, const struct sdc_qnode *n, int want,
    struct dum_req *req);

static int
is_value(const struct sdc_qnode *n)
{
	return n->kind == SDC_Q_VALUE && !n->val.null;
}

static struct dum_req *new_req(struct aim *a, const struct sdc_qnode *frame,
    unsigned count);

/*
 * The constraints of column node col: a patient table's column, a
 * column of req's row, or (for a picked row or an event column read at
 * patient level) a column of a new row of the frame it comes from.
 */
static struct dum_cons *
cons_for(struct aim *a, const struct sdc_qnode *col, struct dum_req *req)
{
	const struct sdc_qnode *f;
	struct dum_req *nr;

	if (col->kind != SDC_Q_COLUMN || col->column < 0 ||
	    col->column >= DUM_MAXCOL)
		return NULL;
	f = col->kid[0];
	if (req != NULL) {
		if (col->level == SDC_QL_EVENT && col->table == req->table)
			return &req->c[col->column];
		return NULL;
	}
	if (f->kind == SDC_Q_TABLE && f->level == SDC_QL_PATIENT)
		return a->t->pcons[f->table];
	if (f->kind == SDC_Q_PICK || f->level == SDC_QL_EVENT) {
		if ((nr = new_req(a, f, 1)) == NULL)
			return NULL;
		return &nr->c[col->column];
	}
	return NULL;
}

/* A patient-table column's constraints need the column index added. */
static struct dum_cons *
cons_col(struct aim *a, const struct sdc_qnode *col, struct dum_req *req)
{
	struct dum_cons *c = cons_for(a, col, req);

	if (c == NULL)
		return NULL;
	if (req == NULL && col->kid[0]->kind == SDC_Q_TABLE &&
	    col->kid[0]->level == SDC_QL_PATIENT)
		c += col->column;
	return c;
}

static struct dum_req *
new_req(struct aim *a, const struct sdc_qnode *f, unsigned count)
{
	struct dum_target *t = a->t;
	const struct sdc_qnode *g;
	struct dum_req *req;
	size_t nc;

	for (g = f; g->kind != SDC_Q_TABLE; g = g->kid[0])
		;
	if (g->level == SDC_QL_PATIENT || t->nreq >= DUM_MAXREQ)
		return NULL;
	req = &t->req[t->nreq++];
	nc = a->p->q->tables[g->table].schema->ncolumns;
	if (nc > DUM_MAXCOL)
		nc = DUM_MAXCOL;
	memset(req->c, 0, nc * sizeof(req->c[0]));
	req->table = g->table;
	req->frame = f;
	req->count = count;
	for (g = f; g->kind != SDC_Q_TABLE; g = g->kid[0])
		if (g->kind == SDC_Q_WHERE)
			aim(a, g->kid[1], 1, req);
		else if (g->kind == SDC_Q_EXCEPT)
			aim(a, g->kid[1], 0, req);
	return req;
}

enum sdc_qop
dum_flip(enum sdc_qop op)	/* a op b == b flip(op) a */
{
	switch (op) {
	case SDC_QOP_LT: return SDC_QOP_GT;
	case SDC_QOP_LE: return SDC_QOP_GE;
	case SDC_QOP_GT: return SDC_QOP_LT;
	case SDC_QOP_GE: return SDC_QOP_LE;
	default: return op;
	}
}

enum sdc_qop
dum_negate(enum sdc_qop op)
{
	switch (op) {
	case SDC_QOP_LT: return SDC_QOP_GE;
	case SDC_QOP_LE: return SDC_QOP_GT;
	case SDC_QOP_GT: return SDC_QOP_LE;
	case SDC_QOP_GE: return SDC_QOP_LT;
	case SDC_QOP_EQ: return SDC_QOP_NE;
	case SDC_QOP_NE: return SDC_QOP_EQ;
	default: return op;
	}
}

static void
set_lo(struct dum_cons *c, int64_t v)
{
	if (!c->has_lo || v > c->lo)
		c->lo = v;
	c->has_lo = 1;
}

static void
set_hi(struct dum_cons *c, int64_t v)
{
	if (!c->has_hi || v < c->hi)
		c->hi = v;
	c->has_hi = 1;
}

static void
add_set(struct dum_cons *c, const struct sdc_qval *v, size_t n)
{
	if (c->nsets < DUM_MAXSET) {
		c->set[c->nsets] = v;
		c->nset[c->nsets++] = n;
	}
}

/* col op v, wanted TRUE, for a column of type type. */
void
dum_cons_cmp(struct dum_cons *c, enum sdc_schema_type type, enum sdc_qop op,
    const struct sdc_qval *v)
{
	int64_t x;

	if (c == NULL)
		return;
	if (op != SDC_QOP_NE)
		c->null = 2;
	switch (type) {
	case SDC_TYPE_INT:
	case SDC_TYPE_DATE:
		x = type == SDC_TYPE_INT ? v->u.i : v->u.d;
		if (x <= INT64_MIN + 1 || x >= INT64_MAX - 1)
			break;
		switch (op) {
		case SDC_QOP_EQ: set_lo(c, x); set_hi(c, x); break;
		case SDC_QOP_LT: set_hi(c, x - 1); break;
		case SDC_QOP_LE: set_hi(c, x); break;
		case SDC_QOP_GT: set_lo(c, x + 1); break;
		case SDC_QOP_GE: set_lo(c, x); break;
		default: break;
		}
		break;
	case SDC_TYPE_FLOAT:
		if (!c->has_lo)
			c->flo = -HUGE_VAL;
		if (!c->has_hi)
			c->fhi = HUGE_VAL;
		switch (op) {
		case SDC_QOP_EQ:
			c->flo = fmax(c->flo, v->u.f);
			c->fhi = fmin(c->fhi, v->u.f);
			break;
		case SDC_QOP_LT:
			c->fhi = fmin(c->fhi, nextafter(v->u.f, -HUGE_VAL));
			break;
		case SDC_QOP_LE: c->fhi = fmin(c->fhi, v->u.f); break;
		case SDC_QOP_GT:
			c->flo = fmax(c->flo, nextafter(v->u.f, HUGE_VAL));
			break;
		case SDC_QOP_GE: c->flo = fmax(c->flo, v->u.f); break;
		default: break;
		}
		c->has_lo = c->flo > -HUGE_VAL;
		c->has_hi = c->fhi < HUGE_VAL;
		break;
	default:
		if (op == SDC_QOP_EQ)
			add_set(c, v, 1);
		else if (op == SDC_QOP_NE && c->avoid == NULL) {
			c->avoid = v;
			c->navoid = 1;
		}
		break;
	}
}

/* d - k units (k may be negative), clamped to valid dates. */
static int64_t
date_minus(enum sdc_qop unit, int32_t d, int64_t k)
{
	int32_t out = k > 0 ? SDC_DATE_MIN : SDC_DATE_MAX;

	switch (unit) {
	case SDC_QOP_DIFF_YEARS: (void)sdc_date_add_years(d, -k, &out); break;
	case SDC_QOP_DIFF_MONTHS: (void)sdc_date_add_months(d, -k, &out); break;
	case SDC_QOP_DIFF_WEEKS: (void)sdc_date_add_days(d, -7 * k, &out); break;
	default: (void)sdc_date_add_days(d, -k, &out); break;
	}
	return out;
}

/*
 * diff(a, b) op k with one of a, b a literal date and the other a date
 * column: bounds on the column.  diff(D, X) >= k iff X <= D - k units;
 * diff(X, D) >= k iff X >= D + k units (ehrQL's whole units elapsed).
 */
static void
aim_diff(struct aim *a, const struct sdc_qnode *diff, enum sdc_qop op,
    int64_t k, struct dum_req *req)
{
	const struct sdc_qnode *x = diff->kid[0], *y = diff->kid[1];
	struct dum_cons *c;
	int32_t d;
	int64_t lo = INT64_MIN, hi = INT64_MAX, kk[2] = { k, k };

	switch (op) {
	case SDC_QOP_EQ: break;
	case SDC_QOP_GE: kk[1] = INT64_MAX; break;
	case SDC_QOP_GT: kk[0] = k + 1; kk[1] = INT64_MAX; break;
	case SDC_QOP_LE: kk[0] = INT64_MIN; break;
	case SDC_QOP_LT: kk[0] = INT64_MIN; kk[1] = k - 1; break;
	default: return;
	}
	if (kk[0] != INT64_MIN && (kk[0] > 20000 || kk[0] < -20000))
		return;
	if (kk[1] != INT64_MAX && (kk[1] > 20000 || kk[1] < -20000))
		return;
	if (is_value(x) && y->kind == SDC_Q_COLUMN) {
		d = x->val.u.d;
		if ((c = cons_col(a, y, req)) == NULL)
			return;
		if (kk[0] != INT64_MIN)
			hi = date_minus(diff->op, d, kk[0]);
		if (kk[1] != INT64_MAX)
			lo = date_minus(diff->op, d, kk[1] + 1) + 1;
	} else if (is_value(y) && x->kind == SDC_Q_COLUMN) {
		d = y->val.u.d;
		if ((c = cons_col(a, x, req)) == NULL)
			return;
		if (kk[0] != INT64_MIN)
			lo = date_minus(diff->op, d, -kk[0]);
		if (kk[1] != INT64_MAX)
			hi = date_minus(diff->op, d, -(kk[1] + 1)) - 1;
	} else {
		return;
	}
	c->null = 2;
	if (lo != INT64_MIN)
		set_lo(c, lo);
	if (hi != INT64_MAX)
		set_hi(c, hi);
}

/* count_for_patient() op k: ask for a fitting number of rows. */
static void
aim_count(struct aim *a, const struct sdc_qnode *agg, enum sdc_qop op,
    int64_t k)
{
	int64_t lo = 0, hi = 0;

	if (k < -1000000 || k > 1000000)
		return;
	switch (op) {
	case SDC_QOP_EQ: lo = hi = k; break;
	case SDC_QOP_GE: lo = k; hi = k + 2; break;
	case SDC_QOP_GT: lo = k + 1; hi = k + 3; break;
	case SDC_QOP_LE: lo = 1; hi = k; break;
	case SDC_QOP_LT: lo = 1; hi = k - 1; break;
	case SDC_QOP_NE: lo = k + 1; hi = k + 2; break;
	default: return;
	}
	if (lo < 1)
		lo = 1;
	if (hi > 100)
		hi = 100;
	if (lo > hi)
		return;
	(void)new_req(a, agg->kid[0], (unsigned)(lo +
	    (int64_t)gsl_rng_uniform_int(a->r, (unsigned long)(hi - lo + 1))));
}

static void
aim_cmp(struct aim *a, const struct sdc_qnode *n, int want,
    struct dum_req *req)
{
	const struct sdc_qnode *x = n->kid[0], *v = n->kid[1];
	enum sdc_qop op = n->op;

	if (is_value(x) && !is_value(v)) {
		x = n->kid[1];
		v = n->kid[0];
		op = dum_flip(op);
	}
	if (!is_value(v))
		return;
	if (!want)
		op = dum_negate(op);
	switch (x->kind) {
	case SDC_Q_COLUMN:
		dum_cons_cmp(cons_col(a, x, req), x->type, op, &v->val);
		break;
	case SDC_Q_AGG:
		if (req != NULL)
			break;
		if (x->op == SDC_QOP_AGG_COUNT && v->type == SDC_TYPE_INT)
			aim_count(a, x, op, v->val.u.i);
		else if ((x->op == SDC_QOP_AGG_MIN || x->op == SDC_QOP_AGG_MAX)
		    && x->kid[0]->kind == SDC_Q_COLUMN)
			dum_cons_cmp(cons_col(a, x->kid[0], NULL), x->type, op,
			    &v->val);
		break;
	case SDC_Q_BINARY:
		if (x->op >= SDC_QOP_DIFF_DAYS && x->op <= SDC_QOP_DIFF_YEARS &&
		    v->type == SDC_TYPE_INT)
			aim_diff(a, x, op, v->val.u.i, req);
		break;
	case SDC_Q_UNARY:
		if (x->op == SDC_QOP_YEAR && v->type == SDC_TYPE_INT &&
		    x->kid[0]->kind == SDC_Q_COLUMN && v->val.u.i >= 1 &&
		    v->val.u.i <= 9999) {
			struct dum_cons *c = cons_col(a, x->kid[0], req);
			int32_t jan1, dec31;

			if (c == NULL)
				break;
			(void)sdc_date_from_ymd(v->val.u.i, 1, 1, &jan1);
			(void)sdc_date_from_ymd(v->val.u.i, 12, 31, &dec31);
			c->null = 2;
			if (op == SDC_QOP_EQ || op == SDC_QOP_GE)
				set_lo(c, jan1);
			if (op == SDC_QOP_GT)
				set_lo(c, dec31 + 1);
			if (op == SDC_QOP_EQ || op == SDC_QOP_LE)
				set_hi(c, dec31);
			if (op == SDC_QOP_LT)
				set_hi(c, jan1 - 1);
		}
		break;
	default:
		break;
	}
}

/* Choose a branch of learnt slot s. */
static int
choose(struct aim *a, uint32_t s)
{
	const struct dum_learn *l = &a->p->learn[s];
	double u = gsl_rng_uniform(a->r) * (l->w[0] + l->w[1]);
	int b = u < l->w[0] ? 0 : 1;
	struct dum_target *t = a->t;

	if (t->nchoice < DUM_MAXCHOICE) {
		t->choice[t->nchoice].slot = s;
		t->choice[t->nchoice++].branch = (uint8_t)b;
	}
	return b;
}

static int
aim(struct aim *a, const struct sdc_qnode *n, int want, struct dum_req *req)
{
	struct dum_cons *c;

	switch (n->kind) {
	case SDC_Q_BINARY:
		switch (n->op) {
		case SDC_QOP_AND:
		case SDC_QOP_OR:
			if ((n->op == SDC_QOP_AND) == (want != 0)) {
				aim(a, n->kid[0], want, req);
				return aim(a, n->kid[1], want, req);
			}
			if (n->op == SDC_QOP_OR && a->p->or_slot[n->id] != 0)
				return aim(a, n->kid[choose(a,
				    a->p->or_slot[n->id] - 1)], want, req);
			return aim(a, n->kid[gsl_rng_uniform_int(a->r, 2)],
			    want, req);
		case SDC_QOP_EQ: case SDC_QOP_NE: case SDC_QOP_LT:
		case SDC_QOP_LE: case SDC_QOP_GT: case SDC_QOP_GE:
			aim_cmp(a, n, want, req);
			return 0;
		case SDC_QOP_CONTAINS:
			if (want && is_value(n->kid[1]) &&
			    (c = cons_col(a, n->kid[0], req)) != NULL &&
			    c->prefix == NULL) {
				c->null = 2;
				c->prefix = n->kid[1]->val.u.s.p;
				c->plen = n->kid[1]->val.u.s.len;
			}
			return 0;
		default:
			return 0;
		}
	case SDC_Q_UNARY:
		switch (n->op) {
		case SDC_QOP_NOT:
			return aim(a, n->kid[0], !want, req);
		case SDC_QOP_IS_NULL:
		case SDC_QOP_IS_NOT_NULL: {
			int null = (n->op == SDC_QOP_IS_NULL) == (want != 0);
			const struct sdc_qnode *x = n->kid[0];

			/* a picked row need not exist to be NULL */
			if (null && x->kind == SDC_Q_COLUMN &&
			    x->kid[0]->kind == SDC_Q_PICK && req == NULL)
				return 0;
			if ((c = cons_col(a, x, req)) != NULL)
				c->null = null ? 1 : 2;
			return 0;
		}
		default:
			return 0;
		}
	case SDC_Q_IN:
		if (n->nvals == 0 || (c = cons_col(a, n->kid[0], req)) == NULL)
			return 0;
		if (want) {
			c->null = 2;
			add_set(c, n->vals, n->nvals);
		} else if (c->avoid == NULL) {
			c->avoid = n->vals;
			c->navoid = n->nvals;
		}
		return 0;
	case SDC_Q_AGG:
		if (req == NULL && want && n->op == SDC_QOP_AGG_EXISTS)
			(void)new_req(a, n->kid[0], 1);
		return 0;
	default:
		return 0;
	}
}

/*
 * Apply hint h (present: 1 a value wanted, 0 none, -1 not decided) to
 * the target, after the population was aimed: the population's wishes
 * stand, the hint fills in what they leave open.
 */
static void
aim_hint(struct aim *a, const struct dum_hint *h, int present)
{
	struct dum_target *t = a->t;
	struct dum_cons *c;
	struct dum_req *req;
	const struct sdc_qnode *base;
	size_t i;
	int found = 0;

	if (h->kind != H_FRAME) {
		/*
		 * The hint decides even against the branch of an OR the
		 * population was aimed at: what the population forces was
		 * checked (dummy_expect.c), the engine drops the rest, and
		 * the learnt share makes up for it.
		 */
		c = &t->pcons[h->table][h->column];
		if (present == 0)
			c->null = 1;
		else if (present == 1)
			c->null = 2;
		c->hint = h;
		return;
	}
	base = dum_base_frame(h->frame);
	for (i = 0; i < t->nreq; i++) {
		req = &t->req[i];
		if (req->table == h->table && req->frame != NULL &&
		    dum_base_frame(req->frame) == base) {
			req->c[h->column].hint = h;
			found = 1;
		}
	}
	if (present == 1 && !found &&
	    (req = new_req(a, h->frame, 1)) != NULL) {
		if (req->c[h->column].null != 1)
			req->c[h->column].null = 2;
		req->c[h->column].hint = h;
	}
}

void
dum_aim(struct dum_plan *p, gsl_rng *r, struct dum_target *t)
{
	const struct sdc_query *q = p->q;
	struct aim a;
	size_t i, nc;
	signed char present[DUM_MAXHINT];

	a.p = p;
	a.r = r;
	a.t = t;
	t->nreq = 0;
	t->nchoice = 0;
	for (i = 0; i < q->ntables && i < DUM_MAXCOL; i++) {
		t->pcons[i] = p->pcons_mem + i * DUM_MAXCOL;
		nc = q->tables[i].schema->ncolumns;
		memset(t->pcons[i], 0, (nc < DUM_MAXCOL ? nc : DUM_MAXCOL) *
		    sizeof(struct dum_cons));
	}
	/* decided first, so their choices are always learnt from */
	for (i = 0; i < p->nhint; i++)
		present[i] = p->hint[i].has_inc ? (signed char)choose(&a,
		    p->hint[i].slot) : -1;
	if (q->population != NULL)
		aim(&a, q->population, 1, NULL);
	for (i = 0; i < p->nvaraim; i++) {
		uint32_t s = p->varaim_slot0 + (uint32_t)i;

		if (p->varaim_hinted[i])
			continue;
		if (choose(&a, s) == 1)
			(void)new_req(&a, p->varaim[i],
			    1 + (unsigned)gsl_ran_geometric(r, 0.6) - 1);
	}
	for (i = 0; i < p->nhint; i++)
		aim_hint(&a, &p->hint[i], present[i]);
}

/* The share of ordinary patients for whom n is TRUE, roughly. */
static double
prior(const struct sdc_query *q, const struct sdc_qnode *n)
{
	const struct sdc_qnode *x;
	const char *name;

	int isnull, death;

	if (n->kind == SDC_Q_UNARY && n->op == SDC_QOP_IS_NULL)
		isnull = 1;
	else if (n->kind == SDC_Q_BINARY && n->op >= SDC_QOP_EQ &&
	    n->op <= SDC_QOP_GE)
		isnull = 0;
	else
		return 0.5;
	x = n->kid[0]->kind == SDC_Q_COLUMN ? n->kid[0] : n->n > 1 ?
	    n->kid[1] : n->kid[0];
	if (x->kind != SDC_Q_COLUMN)
		return 0.5;
	name = q->tables[x->kid[0]->table].schema->columns[x->column].name;
	/* death is rare; a registration is mostly still open */
	death = strcmp(name, "date_of_death") == 0 || (strcmp(name, "date") ==
	    0 && x->level == SDC_QL_PATIENT);
	if (death)
		return isnull ? 0.97 : 0.02;
	if (strcmp(name, "end_date") == 0)
		return isnull ? 0.7 : 0.3;
	return isnull ? 0.3 : 0.5;
}

static void
walk(struct dum_plan *p, const struct sdc_qnode *n, unsigned char *seen,
    int var)
{
	size_t i;

	if (seen[n->id] & (var ? 2 : 1))
		return;
	seen[n->id] |= (unsigned char)(var ? 2 : 1);
	if (var && (n->kind == SDC_Q_AGG || (n->kind == SDC_Q_COLUMN &&
	    n->kid[0]->kind == SDC_Q_PICK))) {
		const struct sdc_qnode *f = n->kid[0];

		if (n->kind == SDC_Q_AGG && f->kind == SDC_Q_COLUMN)
			f = f->kid[0];
		if (f->level == SDC_QL_EVENT || f->kind == SDC_Q_PICK) {
			for (i = 0; i < p->nvaraim; i++)
				if (p->varaim[i] == f)
					break;
			if (i == p->nvaraim)
				p->varaim[p->nvaraim++] = f;
		}
	}
	if (n->kind == SDC_Q_BINARY && n->op == SDC_QOP_OR &&
	    p->or_slot[n->id] == 0) {
		struct dum_learn *l = &p->learn[p->nlearn];

		l->prior[0] = prior(p->q, n->kid[0]);
		l->prior[1] = prior(p->q, n->kid[1]);
		p->or_slot[n->id] = (uint32_t)++p->nlearn;
	}
	for (i = 0; i < n->n; i++)
		walk(p, n->kid[i], seen, var);
}

/*
 * Order the variables' frames by their text, so that the order the
 * definition writes its variables in does not change the data.
 */
static int
sort_varaims(struct dum_plan *p, struct sdc_err *err)
{
	char **text;
	size_t i, j, n;
	int rc = 0;

	if (p->nvaraim < 2)
		return 0;
	if ((text = calloc(p->nvaraim, sizeof(*text))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < p->nvaraim && rc == 0; i++) {
		n = sdc_query_dump(p->q, p->varaim[i], NULL, 0) + 1;
		if ((text[i] = malloc(n)) == NULL)
			rc = sdc_err_nomem(err);
		else
			(void)sdc_query_dump(p->q, p->varaim[i], text[i], n);
	}
	for (i = 1; i < p->nvaraim && rc == 0; i++)
		for (j = i; j > 0 && strcmp(text[j - 1], text[j]) > 0; j--) {
			char *t = text[j];
			const struct sdc_qnode *f = p->varaim[j];

			text[j] = text[j - 1];
			text[j - 1] = t;
			p->varaim[j] = p->varaim[j - 1];
			p->varaim[j - 1] = f;
		}
	for (i = 0; i < p->nvaraim; i++)
		free(text[i]);
	free(text);
	return rc;
}

int
dum_plan_init(struct dum_plan *p, const struct sdc_query *q, int32_t anchor,
    struct sdc_err *err)
{
	unsigned char *seen;
	size_t i, nn = q->nnodes + 1;

	memset(p, 0, sizeof(*p));
	p->q = q;
	p->anchor = anchor;
	seen = calloc(nn, 1);
	p->learn = calloc(2 * nn + DUM_MAXHINT, sizeof(*p->learn));
	p->or_slot = calloc(nn, sizeof(*p->or_slot));
	p->varaim = calloc(nn, sizeof(*p->varaim));
	p->pcons_mem = calloc((q->ntables + 1) * DUM_MAXCOL,
	    sizeof(*p->pcons_mem));
	if (seen == NULL || p->learn == NULL || p->or_slot == NULL ||
	    p->varaim == NULL || p->pcons_mem == NULL) {
		free(seen);
		dum_plan_release(p);
		return sdc_err_nomem(err);
	}
	if (q->population != NULL)
		walk(p, q->population, seen, 0);
	for (i = 0; i < q->nvars; i++)
		walk(p, q->vars[i].node, seen, 1);
	free(seen);
	if (sort_varaims(p, err) != 0) {
		dum_plan_release(p);
		return -1;
	}
	p->varaim_slot0 = (uint32_t)p->nlearn;
	for (i = 0; i < p->nvaraim; i++) {
		/* a frame a variable reads gets rows for about 40% */
		p->learn[p->nlearn].prior[0] = 0.6;
		p->learn[p->nlearn++].prior[1] = 0.4;
	}
	if ((p->varaim_hinted = calloc(p->nvaraim + 1, 1)) == NULL) {
		dum_plan_release(p);
		return sdc_err_nomem(err);
	}
	if (dum_expect_load(p, err) != 0) {
		dum_plan_release(p);
		return -1;
	}
	for (i = 0; i < p->nhint; i++) {
		struct dum_hint *h = &p->hint[i];
		size_t j;

		if (!h->has_inc)
			continue;
		h->slot = (uint32_t)p->nlearn;
		p->learn[p->nlearn++].hint = (int)i + 1;
		/* the hint decides whether its frame gets a row */
		for (j = 0; h->kind == H_FRAME && j < p->nvaraim; j++)
			if (dum_base_frame(p->varaim[j]) ==
			    dum_base_frame(h->frame))
				p->varaim_hinted[j] = 1;
	}
	dum_learn_update(p);
	return 0;
}

void
dum_plan_release(struct dum_plan *p)
{
	free(p->learn);
	free(p->or_slot);
	free(p->varaim);
	free(p->varaim_hinted);
	free(p->pcons_mem);
	dum_expect_release(p);
	memset(p, 0, sizeof(*p));
}

void
dum_learn_record(struct dum_plan *p, const struct dum_choice *c, size_t n,
    int passed, uint32_t nonnull)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct dum_learn *l = &p->learn[c[i].slot];

		l->tried[c[i].branch]++;
		l->passed[c[i].branch] += passed != 0;
		if (l->hint > 0 && passed && (nonnull >> (l->hint - 1) & 1))
			l->nonnull[c[i].branch]++;
	}
}

/*
 * The share k of patients to aim a value at, so that the share with a
 * value among those passing is the incidence p (cohort-extractor#94:
 * measured over the population, not over all patients made).  With
 * pass rates r1 (aimed) and r0 (not), and shares with a value among
 * the passing q1 and q0:
 *   p = (k r1 q1 + (1-k) r0 q0) / (k r1 + (1-k) r0),
 * so k = r0 (p - q0) / (r1 (q1 - p) + r0 (p - q0)), clamped to [0, 1].
 * Before any patient is seen: r1 = r0, q1 = 1, q0 = 0, and k = p.
 */
static double
hint_share(const struct dum_learn *l, double p)
{
	double r1 = ((double)l->passed[1] + 1) / ((double)l->tried[1] + 2);
	double r0 = ((double)l->passed[0] + 1) / ((double)l->tried[0] + 2);
	double q1 = ((double)l->nonnull[1] + 1) / ((double)l->passed[1] + 1);
	double q0 = (double)l->nonnull[0] / ((double)l->passed[0] + 1);
	double den = r1 * (q1 - p) + r0 * (p - q0), k;

	if (p <= 0 || p >= 1)
		return p <= 0 ? 0 : 1;
	if (!(fabs(den) > 1e-12))
		return p;
	k = r0 * (p - q0) / den;
	return k < 0 ? 0 : k > 1 ? 1 : k;
}

void
dum_learn_update(struct dum_plan *p)
{
	size_t i;
	int b;

	for (i = 0; i < p->nlearn; i++) {
		struct dum_learn *l = &p->learn[i];

		if (l->hint > 0) {
			l->w[1] = hint_share(l, p->hint[l->hint - 1].inc);
			l->w[0] = 1 - l->w[1];
			continue;
		}
		for (b = 0; b < 2; b++)
			l->w[b] = l->prior[b] * ((double)l->passed[b] + 1) /
			    ((double)l->tried[b] + 2);
		if (l->w[0] + l->w[1] <= 0)
			l->w[0] = l->w[1] = 1;
	}
}
