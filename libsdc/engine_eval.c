/*
 * engine_eval.c - evaluates the query graph for one patient at a time.
 *
 * Every node's value for the current patient is computed once and kept
 * in a per-node cache slot stamped with the patient's sequence number.
 * Frames are row masks over their root table's rows for the patient
 * (event level) or a single row index (patient level).  Event-level
 * series are a value per root-table row and a mask of the rows where
 * they are defined; a column of a frame is the table's column itself
 * (no copy) with the frame's mask.  A sort does not move rows: only a
 * pick looks at order, and it finds its row by one scan comparing the
 * sort keys (outermost first), then the picked columns.
 *
 * Scratch memory comes from an arena reset per patient, which keeps its
 * chunks, so steady state allocates nothing.
 *
 * Measures: a node that depends on INTERVAL (node->interval) is stamped
 * per (patient, interval) instead of per patient, so that evaluating
 * every interval for a patient recomputes only what INTERVAL reaches;
 * the rest is computed once per patient.  Both stamps come from one
 * counter, so a stale slot never matches.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "engine_int.h"
#include "hash.h"

struct nval {
	uint64_t stamp;
	struct sdc_qval pv;		/* patient-level series */
	struct sdc_qval *v;		/* event-level series: per row */
	const unsigned char *def;	/* event level: defined rows / frame */
	size_t count;			/* frames: number of rows */
	long row;			/* patient-level frames: row or -1 */
};

struct vset {
	size_t mask;
	uint64_t *slot;			/* hash's top 32 bits << 32 | value
					   index + 1; 0 empty */
	uint64_t *filt;			/* large sets: a bit per FILT_BITS
					   hash value, to reject most misses
					   from L1 cache */
};

#define FILT_BITS 65536
#define FILT_AT(h) ((size_t)((h) >> 16) & (FILT_BITS - 1))
#define FILT_MIN 64			/* sets this big get a filter */

struct ninfo {
	int ev;				/* event level */
	int frame;
	size_t root;			/* the table it ranges over */
	size_t nkeys;			/* PICK: sort keys, outermost first */
	const struct sdc_qnode **keys;
	size_t npc;			/* PICK: tie-break columns */
	int pc[ENG_MAXCOL];
	struct vset set;		/* IN, MAP */
};

struct achunk {
	struct achunk *next;
	size_t size, used;
	max_align_t data[];
};

struct eng_eval {
	const struct sdc_query *q;
	size_t nnodes;
	const struct sdc_qnode **node;
	struct ninfo *info;
	struct nval *cache;
	uint64_t tick;			/* last stamp handed out */
	uint64_t stamp;			/* the current patient's */
	uint64_t istamp;		/* the current (patient, interval)'s */
	int32_t ivl[2];			/* the interval: start, end */
	int have_ivl;
	uint64_t *extra;
	struct eng_view *view;
	unsigned char *ones, *zeros;
	size_t nflags;
	struct achunk *head, *cur;
	int64_t pid;
	struct sdc_err *err;
	struct sdc_qval nullv;
};

/* ---- memory ---- */

static void *
aalloc(struct eng_eval *x, size_t n)
{
	struct achunk *c = x->cur, *nc;
	size_t size;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (c != NULL && c->size - c->used < n && c->next != NULL &&
	    c->next->size >= n) {
		c = x->cur = c->next;
		c->used = 0;
	}
	if (c == NULL || c->size - c->used < n) {
		size = c ? c->size * 2 : 256 * 1024;
		if (size < n)
			size = n;
		if ((nc = malloc(sizeof(*nc) + size)) == NULL) {
			sdc_err_nomem(x->err);
			return NULL;
		}
		nc->size = size;
		nc->used = 0;
		if (c == NULL) {
			nc->next = x->head;
			x->head = nc;
		} else {
			nc->next = c->next;
			c->next = nc;
		}
		c = x->cur = nc;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void
areset(struct eng_eval *x)
{
	x->cur = x->head;
	if (x->cur != NULL)
		x->cur->used = 0;
}

/* ---- values ---- */

static int
is_num(enum sdc_schema_type t)
{
	return t == SDC_TYPE_INT || t == SDC_TYPE_FLOAT || t == SDC_TYPE_BOOL;
}

static double
asf(enum sdc_schema_type t, const struct sdc_qval *v)
{
	switch (t) {
	case SDC_TYPE_INT:
		return (double)v->u.i;
	case SDC_TYPE_BOOL:
		return v->u.b ? 1.0 : 0.0;
	case SDC_TYPE_DATE:
		return v->u.d;
	default:
		return v->u.f;
	}
}

/* Compare non-NULL a (type ta) with b (type tb), mixing INT and FLOAT. */
static int
vcmp2(enum sdc_schema_type ta, const struct sdc_qval *a,
    enum sdc_schema_type tb, const struct sdc_qval *b)
{
	if (ta != tb && is_num(ta) && is_num(tb)) {
		double x = asf(ta, a), y = asf(tb, b);

		return x < y ? -1 : x > y;
	}
	return sdc_qval_cmp(ta, a, b);
}

static int
veq(enum sdc_schema_type t, const struct sdc_qval *a,
    const struct sdc_qval *b)
{
	if (t == SDC_TYPE_STR || t == SDC_TYPE_CODE ||
	    t == SDC_TYPE_MULTICODE)
		return a->u.s.len == b->u.s.len &&
		    sdc_hash_same(a->u.s.p, b->u.s.p, a->u.s.len);
	return sdc_qval_cmp(t, a, b) == 0;
}

static uint64_t
vhash(enum sdc_schema_type t, const struct sdc_qval *v)
{
	uint64_t w;
	double f;

	switch (t) {
	case SDC_TYPE_BOOL:
		w = v->u.b != 0;
		break;
	case SDC_TYPE_INT:
		w = (uint64_t)v->u.i;
		break;
	case SDC_TYPE_FLOAT:
		f = v->u.f == 0.0 ? 0.0 : v->u.f;
		memcpy(&w, &f, sizeof(w));
		break;
	case SDC_TYPE_DATE:
		w = (uint64_t)(int64_t)v->u.d;
		break;
	default:
		return sdc_hash_final(sdc_hash_step(SDC_HASH_SEED, v->u.s.p,
		    v->u.s.len));
	}
	return sdc_hash_final(w ^ SDC_HASH_SEED);
}

#define SLOT_FP(h) ((h) >> 32 << 32)

static int
vset_build(struct vset *s, enum sdc_schema_type t, const struct sdc_qval *v,
    size_t n)
{
	size_t nslot = 16, i;

	while (nslot < 4 * n)
		nslot *= 2;
	if ((s->slot = calloc(nslot, sizeof(*s->slot))) == NULL)
		return -1;
	s->mask = nslot - 1;
	for (i = 0; i < n; i++) {
		uint64_t h;
		size_t k;
		int dup = 0;

		if (v[i].null)
			continue;
		h = vhash(t, &v[i]);
		k = (size_t)h & s->mask;
		while (s->slot[k] != 0) {
			if (veq(t, &v[(uint32_t)s->slot[k] - 1], &v[i])) {
				dup = 1;
				break;
			}
			k = (k + 1) & s->mask;
		}
		if (!dup)
			s->slot[k] = SLOT_FP(h) | ((uint64_t)i + 1);
	}
	if (n >= FILT_MIN) {
		if ((s->filt = calloc(FILT_BITS / 64, sizeof(*s->filt))) ==
		    NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (!v[i].null) {
				size_t b = FILT_AT(vhash(t, &v[i]));

				s->filt[b / 64] |= (uint64_t)1 << (b % 64);
			}
	}
	return 0;
}

/* Index of a (non-NULL) in the set of values v, or -1. */
static long
vset_find(const struct vset *s, enum sdc_schema_type t,
    const struct sdc_qval *v, const struct sdc_qval *a)
{
	uint64_t h = vhash(t, a), e;
	size_t k = (size_t)h & s->mask;

	if (s->filt != NULL &&
	    !(s->filt[FILT_AT(h) / 64] >> (FILT_AT(h) % 64) & 1))
		return -1;
	while ((e = s->slot[k]) != 0) {
		if (SLOT_FP(e) == SLOT_FP(h) &&
		    veq(t, &v[(uint32_t)e - 1], a))
			return (long)(uint32_t)e - 1;
		k = (k + 1) & s->mask;
	}
	return -1;
}

/* ---- errors ---- */

static int
rt_err(struct eng_eval *x, const struct sdc_qnode *nd, const char *what)
{
	return sdc_err_set(x->err, SDC_EDATA, nd->file, nd->line, nd->col,
	    "%s (patient_id %lld)", what, (long long)x->pid);
}

/* ---- scalar operations ---- */

static int
bytes_contain(const char *h, size_t hn, const char *nd, size_t nn)
{
	size_t i;

	if (nn == 0)
		return 1;
	if (nn > hn)
		return 0;
	for (i = 0; i + nn <= hn; i++) {
		const char *p = memchr(h + i, nd[0], hn - nn - i + 1);

		if (p == NULL)
			return 0;
		i = (size_t)(p - h);
		if (memcmp(p, nd, nn) == 0)
			return 1;
	}
	return 0;
}

static int
int_result(struct eng_eval *x, const struct sdc_qnode *nd, double f,
    struct sdc_qval *out)
{
	if (!isfinite(f) || f >= 9223372036854775808.0 ||
	    f < -9223372036854775808.0)
		return rt_err(x, nd, isfinite(f) ?
		    "integer out of range converting a float" :
		    "cannot convert a non-finite float to an integer");
	out->null = 0;
	out->u.i = (int64_t)f;
	return 0;
}

static int
op_unary(struct eng_eval *x, const struct sdc_qnode *nd,
    const struct sdc_qval *a, struct sdc_qval *out)
{
	enum sdc_schema_type ta = nd->kid[0]->type;

	if (nd->op == SDC_QOP_IS_NULL || nd->op == SDC_QOP_IS_NOT_NULL) {
		out->null = 0;
		out->u.b = (a->null != 0) == (nd->op == SDC_QOP_IS_NULL);
		return 0;
	}
	if (a->null) {
		out->null = 1;
		return 0;
	}
	out->null = 0;
	switch (nd->op) {
	case SDC_QOP_NOT:
		out->u.b = !a->u.b;
		return 0;
	case SDC_QOP_NEG:
	case SDC_QOP_ABS:
		if (ta == SDC_TYPE_FLOAT) {
			out->u.f = nd->op == SDC_QOP_NEG ? -a->u.f :
			    fabs(a->u.f);
			return 0;
		}
		if (a->u.i == INT64_MIN)
			return rt_err(x, nd, "integer overflow");
		out->u.i = nd->op == SDC_QOP_NEG || a->u.i < 0 ? -a->u.i :
		    a->u.i;
		return 0;
	case SDC_QOP_AS_INT:
		if (ta == SDC_TYPE_FLOAT)
			return int_result(x, nd, trunc(a->u.f), out);
		out->u.i = ta == SDC_TYPE_BOOL ? (a->u.b != 0) : a->u.i;
		return 0;
	case SDC_QOP_AS_FLOAT:
		out->u.f = asf(ta, a);
		return 0;
	case SDC_QOP_YEAR:
		out->u.i = sdc_date_year(a->u.d);
		return 0;
	case SDC_QOP_MONTH:
		out->u.i = sdc_date_month(a->u.d);
		return 0;
	case SDC_QOP_DAY:
		out->u.i = sdc_date_day(a->u.d);
		return 0;
	case SDC_QOP_FIRST_OF_MONTH:
		out->u.d = sdc_date_first_of_month(a->u.d);
		return 0;
	case SDC_QOP_FIRST_OF_YEAR:
		out->u.d = sdc_date_first_of_year(a->u.d);
		return 0;
	default:
		return sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: unknown unary operation %d", (int)nd->op);
	}
}

/* Python's float floor division. */
static double
py_floordiv(double a, double b)
{
	double mod = fmod(a, b), div = (a - mod) / b, fl;

	if (mod != 0.0) {
		if ((b < 0) != (mod < 0))
			div -= 1.0;
	}
	if (div != 0.0) {
		fl = floor(div);
		if (div - fl > 0.5)
			fl += 1.0;
	} else {
		fl = copysign(0.0, a / b);
	}
	return fl;
}

static int
op_binary(struct eng_eval *x, const struct sdc_qnode *nd,
    const struct sdc_qval *a, const struct sdc_qval *b, struct sdc_qval *out)
{
	enum sdc_schema_type ta = nd->kid[0]->type, tb = nd->kid[1]->type;
	int c;

	switch (nd->op) {
	case SDC_QOP_AND:
		if ((!a->null && !a->u.b) || (!b->null && !b->u.b)) {
			out->null = 0;
			out->u.b = 0;
		} else if (a->null || b->null) {
			out->null = 1;
		} else {
			out->null = 0;
			out->u.b = 1;
		}
		return 0;
	case SDC_QOP_OR:
		if ((!a->null && a->u.b) || (!b->null && b->u.b)) {
			out->null = 0;
			out->u.b = 1;
		} else if (a->null || b->null) {
			out->null = 1;
		} else {
			out->null = 0;
			out->u.b = 0;
		}
		return 0;
	case SDC_QOP_WHEN_NULL:
		*out = a->null ? *b : *a;
		return 0;
	default:
		break;
	}
	if (a->null || b->null) {
		out->null = 1;
		return 0;
	}
	out->null = 0;
	switch (nd->op) {
	case SDC_QOP_EQ:
	case SDC_QOP_NE:
		if (ta == tb && !is_num(ta) && ta != SDC_TYPE_DATE)
			c = !veq(ta, a, b);
		else
			c = vcmp2(ta, a, tb, b) != 0;
		out->u.b = nd->op == SDC_QOP_EQ ? !c : c;
		return 0;
	case SDC_QOP_LT:
		out->u.b = vcmp2(ta, a, tb, b) < 0;
		return 0;
	case SDC_QOP_LE:
		out->u.b = vcmp2(ta, a, tb, b) <= 0;
		return 0;
	case SDC_QOP_GT:
		out->u.b = vcmp2(ta, a, tb, b) > 0;
		return 0;
	case SDC_QOP_GE:
		out->u.b = vcmp2(ta, a, tb, b) >= 0;
		return 0;
	case SDC_QOP_ADD:
	case SDC_QOP_SUB:
	case SDC_QOP_MUL:
		if (nd->type == SDC_TYPE_FLOAT) {
			double p = asf(ta, a), q = asf(tb, b);

			out->u.f = nd->op == SDC_QOP_ADD ? p + q :
			    nd->op == SDC_QOP_SUB ? p - q : p * q;
			return 0;
		}
		if (nd->op == SDC_QOP_ADD ?
		    __builtin_add_overflow(a->u.i, b->u.i, &out->u.i) :
		    nd->op == SDC_QOP_SUB ?
		    __builtin_sub_overflow(a->u.i, b->u.i, &out->u.i) :
		    __builtin_mul_overflow(a->u.i, b->u.i, &out->u.i))
			return rt_err(x, nd, "integer overflow");
		return 0;
	case SDC_QOP_DIV:
		if (asf(tb, b) == 0.0) {
			out->null = 1;
			return 0;
		}
		out->u.f = asf(ta, a) / asf(tb, b);
		return 0;
	case SDC_QOP_FLOORDIV:
		if (asf(tb, b) == 0.0) {
			out->null = 1;
			return 0;
		}
		if (ta == SDC_TYPE_INT && tb == SDC_TYPE_INT) {
			int64_t p = a->u.i, q = b->u.i, r;

			if (p == INT64_MIN && q == -1)
				return rt_err(x, nd, "integer overflow");
			r = p / q;
			if (p % q != 0 && ((p < 0) != (q < 0)))
				r--;
			out->u.i = r;
			return 0;
		}
		return int_result(x, nd, py_floordiv(asf(ta, a), asf(tb, b)),
		    out);
	case SDC_QOP_POW: {
		double r = pow(asf(ta, a), asf(tb, b));

		if (!isfinite(r))
			out->null = 1;
		else
			out->u.f = r;
		return 0;
	}
	case SDC_QOP_ADD_DAYS:
	case SDC_QOP_ADD_WEEKS:
	case SDC_QOP_ADD_MONTHS:
	case SDC_QOP_ADD_YEARS: {
		int rc = nd->op == SDC_QOP_ADD_DAYS ?
		    sdc_date_add_days(a->u.d, b->u.i, &out->u.d) :
		    nd->op == SDC_QOP_ADD_WEEKS ?
		    sdc_date_add_weeks(a->u.d, b->u.i, &out->u.d) :
		    nd->op == SDC_QOP_ADD_MONTHS ?
		    sdc_date_add_months(a->u.d, b->u.i, &out->u.d) :
		    sdc_date_add_years(a->u.d, b->u.i, &out->u.d);

		if (rc != 0)
			return rt_err(x, nd,
			    "date out of range (0001-01-01 to 9999-12-31)");
		return 0;
	}
	case SDC_QOP_DIFF_DAYS:
		out->u.i = sdc_date_diff_days(a->u.d, b->u.d);
		return 0;
	case SDC_QOP_DIFF_WEEKS:
		out->u.i = sdc_date_diff_weeks(a->u.d, b->u.d);
		return 0;
	case SDC_QOP_DIFF_MONTHS:
		out->u.i = sdc_date_diff_months(a->u.d, b->u.d);
		return 0;
	case SDC_QOP_DIFF_YEARS:
		out->u.i = sdc_date_diff_years(a->u.d, b->u.d);
		return 0;
	case SDC_QOP_CONTAINS:
		out->u.b = bytes_contain(a->u.s.p, a->u.s.len, b->u.s.p,
		    b->u.s.len);
		return 0;
	default:
		return sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: unknown binary operation %d", (int)nd->op);
	}
}

/* Any element-wise node, given its operands' values. */
static int
apply(struct eng_eval *x, const struct sdc_qnode *nd,
    const struct sdc_qval *const *a, struct sdc_qval *out)
{
	const struct ninfo *in = &x->info[nd->id];
	size_t i;
	long k;

	switch (nd->kind) {
	case SDC_Q_UNARY:
		return op_unary(x, nd, a[0], out);
	case SDC_Q_BINARY:
		return op_binary(x, nd, a[0], a[1], out);
	case SDC_Q_IN:
		if (nd->nvals == 0) {
			out->null = 0;
			out->u.b = 0;
		} else if (a[0]->null) {
			out->null = 1;
		} else {
			out->null = 0;
			out->u.b = vset_find(&in->set, nd->kid[0]->type,
			    nd->vals, a[0]) >= 0;
		}
		return 0;
	case SDC_Q_MAP:
		k = a[0]->null || nd->nvals == 0 ? -1 :
		    vset_find(&in->set, nd->kid[0]->type, nd->vals, a[0]);
		if (k >= 0)
			*out = nd->map[k];
		else if (nd->n >= 2)
			*out = *a[1];
		else
			out->null = 1;
		return 0;
	case SDC_Q_CASE:
		for (i = 0; i + 1 < nd->n; i += 2)
			if (!a[i]->null && a[i]->u.b) {
				*out = *a[i + 1];
				return 0;
			}
		if (nd->n % 2 == 1)
			*out = *a[nd->n - 1];
		else
			out->null = 1;
		return 0;
	case SDC_Q_EXTREMUM:
		out->null = 1;
		for (i = 0; i < nd->n; i++) {
			if (a[i]->null)
				continue;
			if (out->null) {
				*out = *a[i];
				continue;
			}
			k = sdc_qval_cmp(nd->type, a[i], out);
			if (nd->op == SDC_QOP_MAX ? k > 0 : k < 0)
				*out = *a[i];
		}
		return 0;
	default:
		return sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: node kind %d is not element-wise", (int)nd->kind);
	}
}

/* ---- aggregation helpers ---- */

/* Python 3.12's sum() of floats: Neumaier's compensated sum. */
static double
neumaier(const double *v, size_t n)
{
	double s = 0.0, c = 0.0;
	size_t i;

	for (i = 0; i < n; i++) {
		double t = s + v[i];

		if (fabs(s) >= fabs(v[i]))
			c += (s - t) + v[i];
		else
			c += (v[i] - t) + s;
		s = t;
	}
	if (c != 0.0 && isfinite(c))
		s += c;
	return s;
}

/* Python's math.fsum: the correctly rounded sum; -1 on overflow. */
static int
fsum(const double *v, size_t n, double *out)
{
	double p[128], special = 0.0, inf_sum = 0.0, x, y, t, hi, lo = 0.0,
	    yr;
	size_t np = 0, i, j, k;

	for (k = 0; k < n; k++) {
		double xsave = x = v[k];

		for (i = j = 0; j < np; j++) {
			y = p[j];
			if (fabs(x) < fabs(y)) {
				t = x;
				x = y;
				y = t;
			}
			hi = x + y;
			yr = hi - x;
			lo = y - yr;
			if (lo != 0.0)
				p[i++] = lo;
			x = hi;
		}
		np = i;
		if (x != 0.0) {
			if (!isfinite(x)) {
				if (isfinite(xsave))
					return -1;
				if (isinf(xsave))
					inf_sum += xsave;
				special += xsave;
				np = 0;
			} else if (np < sizeof(p) / sizeof(*p)) {
				p[np++] = x;
			}
		}
	}
	if (special != 0.0) {
		if (isnan(inf_sum))
			return -1;
		*out = special;
		return 0;
	}
	hi = 0.0;
	if (np > 0) {
		hi = p[--np];
		while (np > 0) {
			x = hi;
			y = p[--np];
			hi = x + y;
			yr = hi - x;
			lo = y - yr;
			if (lo != 0.0)
				break;
		}
		if (np > 0 && ((lo < 0.0 && p[np - 1] < 0.0) ||
		    (lo > 0.0 && p[np - 1] > 0.0))) {
			y = lo * 2.0;
			x = hi + y;
			yr = x - hi;
			if (y == yr)
				hi = x;
		}
	}
	*out = hi;
	return 0;
}

static void
vsort(enum sdc_schema_type t, struct sdc_qval *a, struct sdc_qval *tmp,
    size_t n)
{
	size_t mid = n / 2, i, j, k;

	if (n < 2)
		return;
	if (n <= 12) {
		for (i = 1; i < n; i++) {
			struct sdc_qval v = a[i];

			for (j = i; j > 0 && sdc_qval_cmp(t, &a[j - 1], &v) > 0; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	vsort(t, a, tmp, mid);
	vsort(t, a + mid, tmp, n - mid);
	memcpy(tmp, a, mid * sizeof(*a));
	for (i = 0, j = mid, k = 0; i < mid && j < n;)
		a[k++] = sdc_qval_cmp(t, &a[j], &tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < mid)
		a[k++] = tmp[i++];
}

/* ---- evaluation ---- */

static const struct nval *ev(struct eng_eval *x, const struct sdc_qnode *nd);

static size_t
rows_of(const struct eng_eval *x, const struct sdc_qnode *nd)
{
	return x->view[x->info[nd->id].root].n;
}

/* Operand j of an element-wise node at row i. */
static const struct sdc_qval *
at(const struct eng_eval *x, const struct sdc_qnode *k,
    const struct nval *v, size_t i)
{
	if (!x->info[k->id].ev)
		return &v->pv;
	return v->def[i] ? &v->v[i] : &x->nullv;
}

/* String set membership with the hash inlined: the hot path of IN. */
static inline long
vset_find_str(const struct vset *s, const struct sdc_qval *v,
    const char *p, size_t len)
{
	uint64_t h = sdc_hash_final(sdc_hash_step(SDC_HASH_SEED, p, len)), e;
	size_t k = (size_t)h & s->mask;

	if (s->filt != NULL &&
	    !(s->filt[FILT_AT(h) / 64] >> (FILT_AT(h) % 64) & 1))
		return -1;
	while ((e = s->slot[k]) != 0) {
		if (SLOT_FP(e) == SLOT_FP(h)) {
			const struct sdc_qval *c = &v[(uint32_t)e - 1];

			if (c->u.s.len == len &&
			    sdc_hash_same(c->u.s.p, p, len))
				return (long)(uint32_t)e - 1;
		}
		k = (k + 1) & s->mask;
	}
	return -1;
}

/* IN over an event-level series: no per-row dispatch. */
static void
fast_in(const struct eng_eval *x, const struct sdc_qnode *nd,
    const struct nval *a, struct nval *r, size_t n)
{
	const struct vset *set = &x->info[nd->id].set;
	enum sdc_schema_type t = nd->kid[0]->type;
	int str = t == SDC_TYPE_STR || t == SDC_TYPE_CODE ||
	    t == SDC_TYPE_MULTICODE;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct sdc_qval *v = &a->v[i];
		struct sdc_qval *o = &r->v[i];

		if (!a->def[i])
			continue;
		if (nd->nvals == 0) {
			o->null = 0;
			o->u.b = 0;
		} else if (v->null) {
			o->null = 1;
		} else {
			o->null = 0;
			o->u.b = (str ? vset_find_str(set, nd->vals, v->u.s.p,
			    v->u.s.len) : vset_find(set, t, nd->vals, v)) >= 0;
		}
	}
}

/* Comparison of an event-level and a patient-level operand. */
static int
fast_cmp(const struct sdc_qnode *nd, const struct nval *ka,
    const struct nval *kb, int a_ev, struct nval *r, size_t n)
{
	enum sdc_schema_type t = nd->kid[0]->type;
	const struct nval *e = a_ev ? ka : kb;
	const struct sdc_qval *c = a_ev ? &kb->pv : &ka->pv;
	int lo, hi;
	size_t i;

	if (t != nd->kid[1]->type || (t != SDC_TYPE_DATE && t != SDC_TYPE_INT))
		return 0;
	/* the event value's comparison with c must fall in lo..hi */
	switch (nd->op) {
	case SDC_QOP_EQ: lo = 0; hi = 0; break;
	case SDC_QOP_LT: lo = -1; hi = -1; break;
	case SDC_QOP_LE: lo = -1; hi = 0; break;
	case SDC_QOP_GT: lo = 1; hi = 1; break;
	case SDC_QOP_GE: lo = 0; hi = 1; break;
	default: return 0;
	}
	if (!a_ev) {		/* c OP e  ==  e OP' c */
		int l = -hi;

		hi = -lo;
		lo = l;
	}
	for (i = 0; i < n; i++) {
		const struct sdc_qval *v = &e->v[i];
		struct sdc_qval *o = &r->v[i];
		int k;

		if (!e->def[i])
			continue;
		if (v->null || c->null) {
			o->null = 1;
			continue;
		}
		k = t == SDC_TYPE_DATE ? (v->u.d > c->u.d) - (v->u.d < c->u.d) :
		    (v->u.i > c->u.i) - (v->u.i < c->u.i);
		o->null = 0;
		o->u.b = k >= lo && k <= hi;
	}
	return 1;
}

static int
ev_elementwise(struct eng_eval *x, const struct sdc_qnode *nd,
    struct nval *r)
{
	const struct nval **kv;
	const struct sdc_qval **a;
	unsigned char *isev;
	const unsigned char *def = NULL;
	unsigned char *d = NULL;
	size_t n, i, j, nev = 0;

	if ((kv = aalloc(x, nd->n * sizeof(*kv))) == NULL ||
	    (a = aalloc(x, nd->n * sizeof(*a))) == NULL ||
	    (isev = aalloc(x, nd->n)) == NULL)
		return -1;
	for (j = 0; j < nd->n; j++) {
		if ((kv[j] = ev(x, nd->kid[j])) == NULL)
			return -1;
		isev[j] = (unsigned char)x->info[nd->kid[j]->id].ev;
		if (isev[j]) {
			nev++;
			def = kv[j]->def;
		}
	}
	if (!x->info[nd->id].ev) {
		for (j = 0; j < nd->n; j++)
			a[j] = &kv[j]->pv;
		return apply(x, nd, a, &r->pv);
	}
	n = rows_of(x, nd);
	if (nev > 1) {
		if ((d = aalloc(x, n)) == NULL)
			return -1;
		memset(d, 1, n);
		for (j = 0; j < nd->n; j++)
			if (isev[j])
				for (i = 0; i < n; i++)
					d[i] &= kv[j]->def[i];
		def = d;
	}
	if ((r->v = aalloc(x, n * sizeof(*r->v))) == NULL)
		return -1;
	r->def = def;
	if (nd->kind == SDC_Q_IN) {
		fast_in(x, nd, kv[0], r, n);
		return 0;
	}
	if (nd->kind == SDC_Q_BINARY && nev == 1 &&
	    fast_cmp(nd, kv[0], kv[1], isev[0], r, n))
		return 0;
	for (j = 0; j < nd->n; j++)
		if (!isev[j])
			a[j] = &kv[j]->pv;
	for (i = 0; i < n; i++) {
		if (!def[i])
			continue;
		for (j = 0; j < nd->n; j++)
			if (isev[j])
				a[j] = kv[j]->def[i] ? &kv[j]->v[i] :
				    &x->nullv;
		if (apply(x, nd, a, &r->v[i]) != 0)
			return -1;
	}
	return 0;
}

/* Patient-level CASE: conditions in order, only the chosen value. */
static int
ev_case_patient(struct eng_eval *x, const struct sdc_qnode *nd,
    struct nval *r)
{
	const struct nval *c;
	size_t i;

	for (i = 0; i + 1 < nd->n; i += 2) {
		if ((c = ev(x, nd->kid[i])) == NULL)
			return -1;
		if (!c->pv.null && c->pv.u.b) {
			if ((c = ev(x, nd->kid[i + 1])) == NULL)
				return -1;
			r->pv = c->pv;
			return 0;
		}
	}
	if (nd->n % 2 == 1) {
		if ((c = ev(x, nd->kid[nd->n - 1])) == NULL)
			return -1;
		r->pv = c->pv;
	} else {
		r->pv.null = 1;
	}
	return 0;
}

static int
ev_filter(struct eng_eval *x, const struct sdc_qnode *nd, struct nval *r)
{
	const struct nval *f, *c;
	int keep_where = nd->kind == SDC_Q_WHERE;
	unsigned char *m;
	size_t n, i;

	if ((f = ev(x, nd->kid[0])) == NULL || (c = ev(x, nd->kid[1])) == NULL)
		return -1;
	if (!x->info[nd->kid[1]->id].ev) {
		int t = !c->pv.null && c->pv.u.b;

		if (t == keep_where) {
			*r = *f;
		} else {
			r->def = x->zeros;
			r->count = 0;
			r->row = -1;
		}
		return 0;
	}
	if (!x->info[nd->id].ev) {	/* a patient-level frame */
		r->row = -1;
		r->count = 0;
		if (f->row >= 0) {
			const struct sdc_qval *v = at(x, nd->kid[1], c,
			    (size_t)f->row);
			int t = !v->null && v->u.b;

			if (t == keep_where) {
				r->row = f->row;
				r->count = 1;
			}
		}
		return 0;
	}
	n = rows_of(x, nd);
	if ((m = aalloc(x, n)) == NULL)
		return -1;
	r->count = 0;
	for (i = 0; i < n; i++) {
		int t = c->def[i] && !c->v[i].null && c->v[i].u.b;

		m[i] = f->def[i] && t == keep_where;
		r->count += m[i];
	}
	r->def = m;
	r->row = -1;
	return 0;
}

static int
ev_pick(struct eng_eval *x, const struct sdc_qnode *nd, struct nval *r)
{
	const struct ninfo *in = &x->info[nd->id];
	const struct nval *f, **kv = NULL;
	const struct eng_view *vw = &x->view[in->root];
	size_t n = vw->n, i, j;
	long best = -1;

	if ((f = ev(x, nd->kid[0])) == NULL)
		return -1;
	r->def = NULL;
	if (!x->info[nd->kid[0]->id].ev) {
		r->row = f->row;
		r->count = f->row >= 0;
		return 0;
	}
	if (in->nkeys > 0 &&
	    (kv = aalloc(x, in->nkeys * sizeof(*kv))) == NULL)
		return -1;
	for (j = 0; j < in->nkeys; j++)
		if ((kv[j] = ev(x, in->keys[j])) == NULL)
			return -1;
	for (i = 0; i < n; i++) {
		int c = 0;

		if (!f->def[i])
			continue;
		if (best < 0) {
			best = (long)i;
			continue;
		}
		for (j = 0; j < in->nkeys && c == 0; j++) {
			const struct sdc_qnode *k = in->keys[j];

			if (!x->info[k->id].ev)
				continue;
			c = sdc_qval_cmp(k->type, at(x, k, kv[j], i),
			    at(x, k, kv[j], (size_t)best));
		}
		for (j = 0; j < in->npc && c == 0; j++) {
			int col = in->pc[j];

			c = sdc_qval_cmp(x->q->tables[in->root].schema->columns[col].type,
			    &vw->col[col][i], &vw->col[col][best]);
		}
		if (nd->op == SDC_QOP_LAST ? c >= 0 : c < 0)
			best = (long)i;
	}
	r->row = best;
	r->count = best >= 0;
	return 0;
}

static int
ev_agg(struct eng_eval *x, const struct sdc_qnode *nd, struct nval *r)
{
	const struct sdc_qnode *k = nd->kid[0];
	const struct ninfo *ki = &x->info[k->id];
	const struct nval *s;
	size_t n, i, m = 0;
	struct sdc_qval *vals, *tmp, one;
	enum sdc_schema_type t = k->type;

	if ((s = ev(x, k)) == NULL)
		return -1;
	r->pv.null = 0;
	if (ki->frame) {
		size_t cnt = ki->ev ? s->count : (size_t)(s->row >= 0);

		if (nd->op == SDC_QOP_AGG_EXISTS)
			r->pv.u.b = cnt > 0;
		else
			r->pv.u.i = (int64_t)cnt;
		return 0;
	}
	/* the non-NULL values over the defined rows */
	if (!ki->ev) {
		one = s->pv;
		vals = &one;
		m = !s->pv.null;
	} else {
		n = rows_of(x, k);
		if ((vals = aalloc(x, (n ? n : 1) * sizeof(*vals))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (s->def[i] && !s->v[i].null)
				vals[m++] = s->v[i];
	}
	switch (nd->op) {
	case SDC_QOP_AGG_EXISTS:
		r->pv.u.b = m > 0;
		return 0;
	case SDC_QOP_AGG_COUNT:
		r->pv.u.i = (int64_t)m;
		return 0;
	case SDC_QOP_AGG_COUNT_DISTINCT:
		if (m > 1) {
			size_t d = 1;

			if ((tmp = aalloc(x, m * sizeof(*tmp))) == NULL)
				return -1;
			vsort(t, vals, tmp, m);
			for (i = 1; i < m; i++)
				d += sdc_qval_cmp(t, &vals[i - 1], &vals[i]) != 0;
			m = d;
		}
		r->pv.u.i = (int64_t)m;
		return 0;
	case SDC_QOP_AGG_MIN:
	case SDC_QOP_AGG_MAX:
		if (m == 0) {
			r->pv.null = 1;
			return 0;
		}
		r->pv = vals[0];
		for (i = 1; i < m; i++) {
			int c = sdc_qval_cmp(t, &vals[i], &r->pv);

			if (nd->op == SDC_QOP_AGG_MAX ? c > 0 : c < 0)
				r->pv = vals[i];
		}
		return 0;
	case SDC_QOP_AGG_SUM:
	case SDC_QOP_AGG_MEAN: {
		double *fv;

		if (m == 0) {
			r->pv.null = 1;
			return 0;
		}
		if (t == SDC_TYPE_INT && nd->op == SDC_QOP_AGG_SUM) {
			int64_t acc = 0;

			for (i = 0; i < m; i++)
				if (__builtin_add_overflow(acc, vals[i].u.i,
				    &acc))
					return rt_err(x, nd,
					    "integer overflow in sum");
			r->pv.u.i = acc;
			return 0;
		}
		if ((fv = aalloc(x, m * sizeof(*fv))) == NULL)
			return -1;
		for (i = 0; i < m; i++)
			fv[i] = asf(t, &vals[i]);
		if (nd->op == SDC_QOP_AGG_SUM) {
			r->pv.u.f = neumaier(fv, m);
			return 0;
		}
		if (fsum(fv, m, &r->pv.u.f) != 0)
			return rt_err(x, nd, "float overflow in mean");
		r->pv.u.f /= (double)m;
		return 0;
	}
	case SDC_QOP_AGG_COUNT_EPISODES: {
		const struct nval *g;
		int64_t gap, eps = 0;

		if (nd->n < 2 || (g = ev(x, nd->kid[1])) == NULL)
			return nd->n < 2 ? rt_err(x, nd,
			    "count_episodes without a gap") : -1;
		gap = g->pv.null ? 0 : g->pv.u.i;
		if (m > 0) {
			if ((tmp = aalloc(x, m * sizeof(*tmp))) == NULL)
				return -1;
			vsort(SDC_TYPE_DATE, vals, tmp, m);
			eps = 1;
			for (i = 1; i < m; i++)
				eps += (int64_t)vals[i].u.d -
				    vals[i - 1].u.d > gap;
		}
		r->pv.u.i = eps;
		return 0;
	}
	default:
		return sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: unknown aggregation %d", (int)nd->op);
	}
}

static int
ev_in_series(struct eng_eval *x, const struct sdc_qnode *nd, struct nval *r)
{
	const struct nval *a, *s;
	const struct sdc_qnode *k = nd->kid[1];
	enum sdc_schema_type ta = nd->kid[0]->type, tb = k->type;
	size_t n, i;

	if ((a = ev(x, nd->kid[0])) == NULL || (s = ev(x, k)) == NULL)
		return -1;
	if (x->info[nd->kid[0]->id].ev)
		return sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: is_in(series) of an event-level series");
	if (a->pv.null) {
		r->pv.null = 1;
		return 0;
	}
	r->pv.null = 0;
	r->pv.u.b = 0;
	if (!x->info[k->id].ev) {
		r->pv.u.b = !s->pv.null &&
		    vcmp2(ta, &a->pv, tb, &s->pv) == 0;
		return 0;
	}
	n = rows_of(x, k);
	for (i = 0; i < n; i++)
		if (s->def[i] && !s->v[i].null &&
		    vcmp2(ta, &a->pv, tb, &s->v[i]) == 0) {
			r->pv.u.b = 1;
			break;
		}
	return 0;
}

static const struct nval *
ev(struct eng_eval *x, const struct sdc_qnode *nd)
{
	struct nval *r = &x->cache[nd->id];
	const struct ninfo *in = &x->info[nd->id];
	const struct nval *f;
	uint64_t want = nd->interval ? x->istamp : x->stamp;
	int rc = 0;

	if (r->stamp == want)
		return r;
	switch (nd->kind) {
	case SDC_Q_TABLE: {
		size_t n = x->view[nd->table].n;

		r->def = x->ones;
		r->count = n;
		r->row = n > 0 ? 0 : -1;
		break;
	}
	case SDC_Q_WHERE:
	case SDC_Q_EXCEPT:
		rc = ev_filter(x, nd, r);
		break;
	case SDC_Q_SORT:
		if ((f = ev(x, nd->kid[0])) == NULL)
			return NULL;
		r->def = f->def;
		r->count = f->count;
		r->row = f->row;
		break;
	case SDC_Q_PICK:
		rc = ev_pick(x, nd, r);
		break;
	case SDC_Q_COLUMN: {
		struct sdc_qval *col = x->view[in->root].col[nd->column];

		if ((f = ev(x, nd->kid[0])) == NULL)
			return NULL;
		if (in->ev) {
			r->v = col;
			r->def = f->def;
		} else if (f->row >= 0) {
			r->pv = col[f->row];
		} else {
			r->pv.null = 1;
		}
		break;
	}
	case SDC_Q_VALUE:
		r->pv = nd->val;
		break;
	case SDC_Q_CASE:
		if (!in->ev) {
			rc = ev_case_patient(x, nd, r);
			break;
		}
		/* FALLTHROUGH */
	case SDC_Q_UNARY:
	case SDC_Q_BINARY:
	case SDC_Q_IN:
	case SDC_Q_MAP:
	case SDC_Q_EXTREMUM:
		rc = ev_elementwise(x, nd, r);
		break;
	case SDC_Q_IN_SERIES:
		rc = ev_in_series(x, nd, r);
		break;
	case SDC_Q_AGG:
		rc = ev_agg(x, nd, r);
		break;
	case SDC_Q_INTERVAL:
		if (!x->have_ivl) {
			sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line,
			    nd->col, "INTERVAL used outside a measure");
			return NULL;
		}
		r->pv.null = 0;
		r->pv.u.d = x->ivl[nd->op == SDC_QOP_INTERVAL_END];
		break;
	default:
		sdc_err_set(x->err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: unknown node kind %d", (int)nd->kind);
		return NULL;
	}
	if (rc != 0)
		return NULL;
	r->stamp = want;
	return r;
}

/* ---- set-up ---- */

static int
collect(struct eng_eval *x, const struct sdc_qnode *nd, struct sdc_err *err)
{
	size_t i;

	if (nd == NULL)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "engine: missing node in the query");
	if (nd->id >= x->nnodes)
		return sdc_err_set(err, SDC_EUSAGE, nd->file, nd->line, nd->col,
		    "engine: node id %u out of range", nd->id);
	if (x->node[nd->id] != NULL)
		return 0;
	x->node[nd->id] = nd;
	for (i = 0; i < nd->n; i++)
		if (collect(x, nd->kid[i], err) != 0)
			return -1;
	return 0;
}

static int
colname_cmp(const void *a, const void *b, const struct sdc_schema_table *t)
{
	return strcmp(t->columns[*(const int *)a].name,
	    t->columns[*(const int *)b].name);
}

static int
setup_node(struct eng_eval *x, const struct sdc_qnode *nd,
    struct sdc_err *err)
{
	struct ninfo *in = &x->info[nd->id];
	const struct sdc_query *q = x->q;
	size_t i, j;

	in->frame = nd->kind <= SDC_Q_PICK;
	switch (nd->kind) {
	case SDC_Q_TABLE:
		if (nd->table >= q->ntables)
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "engine: table index out of range");
		in->root = nd->table;
		in->ev = !q->tables[nd->table].schema->patient_level;
		return 0;
	case SDC_Q_WHERE:
	case SDC_Q_EXCEPT:
	case SDC_Q_SORT:
	case SDC_Q_COLUMN:
		in->root = x->info[nd->kid[0]->id].root;
		in->ev = x->info[nd->kid[0]->id].ev;
		if (nd->kind == SDC_Q_COLUMN) {
			if (nd->column < 0 || (size_t)nd->column >=
			    q->tables[in->root].schema->ncolumns)
				return sdc_err_set(err, SDC_EUSAGE, NULL,
				    nd->line, nd->col,
				    "engine: column index out of range");
			x->extra[in->root] |= (uint64_t)1 << nd->column;
		}
		return 0;
	case SDC_Q_PICK: {
		const struct sdc_qnode *f = nd->kid[0];
		const struct sdc_schema_table *t;

		in->root = x->info[f->id].root;
		in->ev = 0;
		t = q->tables[in->root].schema;
		for (f = nd->kid[0]; f->kind == SDC_Q_SORT ||
		    f->kind == SDC_Q_WHERE || f->kind == SDC_Q_EXCEPT;
		    f = f->kid[0])
			in->nkeys += f->kind == SDC_Q_SORT;
		if (in->nkeys > 0 && (in->keys = calloc(in->nkeys,
		    sizeof(*in->keys))) == NULL)
			return sdc_err_nomem(err);
		j = 0;
		for (f = nd->kid[0]; f->kind == SDC_Q_SORT ||
		    f->kind == SDC_Q_WHERE || f->kind == SDC_Q_EXCEPT;
		    f = f->kid[0])
			if (f->kind == SDC_Q_SORT)
				in->keys[j++] = f->kid[1];
		for (i = 0; i < t->ncolumns && i < ENG_MAXCOL; i++)
			if (nd->kid[0]->picked >> i & 1)
				in->pc[in->npc++] = (int)i;
		/* insertion sort by column name */
		for (i = 1; i < in->npc; i++) {
			int c = in->pc[i];

			for (j = i; j > 0 && colname_cmp(&in->pc[j - 1], &c,
			    t) > 0; j--)
				in->pc[j] = in->pc[j - 1];
			in->pc[j] = c;
		}
		x->extra[in->root] |= nd->kid[0]->picked;
		return 0;
	}
	case SDC_Q_AGG:
	case SDC_Q_IN_SERIES:
	case SDC_Q_VALUE:
	case SDC_Q_INTERVAL:
		in->ev = 0;
		return 0;
	default:
		break;
	}
	/* element-wise */
	in->ev = 0;
	for (i = 0; i < nd->n; i++)
		if (x->info[nd->kid[i]->id].ev) {
			if (in->ev && x->info[nd->kid[i]->id].root != in->root)
				return sdc_err_set(err, SDC_EUSAGE, NULL,
				    nd->line, nd->col, "engine: cannot "
				    "combine series from different tables");
			in->ev = 1;
			in->root = x->info[nd->kid[i]->id].root;
		}
	if ((nd->kind == SDC_Q_IN || nd->kind == SDC_Q_MAP) &&
	    vset_build(&in->set, nd->kid[0]->type, nd->vals,
	    nd->nvals) != 0)
		return sdc_err_nomem(err);
	return 0;
}

struct eng_eval *
eng_eval_new(const struct sdc_query *q, struct sdc_err *err)
{
	struct eng_eval *x = calloc(1, sizeof(*x));
	size_t i;

	if (x == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	x->q = q;
	x->nnodes = q->nnodes;
	x->nullv.null = 1;
	if ((x->node = calloc(q->nnodes + 1, sizeof(*x->node))) == NULL ||
	    (x->info = calloc(q->nnodes + 1, sizeof(*x->info))) == NULL ||
	    (x->cache = calloc(q->nnodes + 1, sizeof(*x->cache))) == NULL ||
	    (x->extra = calloc(q->ntables + 1, sizeof(*x->extra))) == NULL ||
	    (x->view = calloc(q->ntables + 1, sizeof(*x->view))) == NULL) {
		sdc_err_nomem(err);
		goto fail;
	}
	if (q->population == NULL && !q->measures_mode) {
		sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "the dataset definition does not define a population");
		goto fail;
	}
	if (q->population != NULL && collect(x, q->population, err) != 0)
		goto fail;
	for (i = 0; i < q->nvars; i++)
		if (collect(x, q->vars[i].node, err) != 0)
			goto fail;
	for (i = 0; i < q->nmeasures; i++) {
		const struct sdc_qmeasure *m = &q->measures[i];
		size_t j;

		if (collect(x, m->numerator, err) != 0 ||
		    collect(x, m->denominator, err) != 0)
			goto fail;
		for (j = 0; j < m->ngroups; j++)
			if (collect(x, m->groups[j].node, err) != 0)
				goto fail;
	}
	for (i = 0; i < q->nnodes; i++)
		if (x->node[i] != NULL && setup_node(x, x->node[i], err) != 0)
			goto fail;
	return x;
fail:
	eng_eval_free(x);
	return NULL;
}

void
eng_eval_free(struct eng_eval *x)
{
	struct achunk *c, *next;
	size_t i;

	if (x == NULL)
		return;
	if (x->info != NULL)
		for (i = 0; i < x->nnodes; i++) {
			free(x->info[i].keys);
			free(x->info[i].set.slot);
			free(x->info[i].set.filt);
		}
	for (c = x->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(x->node);
	free(x->info);
	free(x->cache);
	free(x->extra);
	free(x->view);
	free(x->ones);
	free(x->zeros);
	free(x);
}

uint64_t
eng_eval_extra(const struct eng_eval *x, size_t t)
{
	return x->extra[t];
}

struct eng_view *
eng_eval_views(struct eng_eval *x)
{
	return x->view;
}

int
eng_eval_begin(struct eng_eval *x, int64_t pid, struct sdc_err *err)
{
	size_t i, maxn = 0;

	x->pid = pid;
	x->err = err;
	x->stamp = ++x->tick;
	x->istamp = ++x->tick;
	x->have_ivl = 0;
	areset(x);
	for (i = 0; i < x->q->ntables; i++)
		if (x->view[i].n > maxn)
			maxn = x->view[i].n;
	if (maxn > x->nflags || x->ones == NULL) {
		size_t n = x->nflags ? x->nflags : 1024;
		unsigned char *o, *z;

		while (n < maxn)
			n *= 2;
		if ((o = realloc(x->ones, n)) == NULL)
			return sdc_err_nomem(err);
		x->ones = o;
		if ((z = realloc(x->zeros, n)) == NULL)
			return sdc_err_nomem(err);
		x->zeros = z;
		memset(x->ones, 1, n);
		memset(x->zeros, 0, n);
		x->nflags = n;
	}
	return 0;
}

void
eng_eval_interval(struct eng_eval *x, int32_t start, int32_t end)
{
	x->istamp = ++x->tick;
	x->ivl[0] = start;
	x->ivl[1] = end;
	x->have_ivl = 1;
}

int
eng_eval_value(struct eng_eval *x, const struct sdc_qnode *nd,
    struct sdc_qval *out)
{
	const struct nval *p;

	if ((p = ev(x, nd)) == NULL)
		return -1;
	*out = p->pv;
	return 0;
}

int
eng_eval_patient(struct eng_eval *x, int64_t pid, struct sdc_qval *vals,
    struct sdc_err *err)
{
	const struct nval *p;
	size_t i;

	if (eng_eval_begin(x, pid, err) != 0)
		return -1;
	if ((p = ev(x, x->q->population)) == NULL)
		return -1;
	if (p->pv.null || !p->pv.u.b)
		return 0;
	for (i = 0; i < x->q->nvars; i++) {
		if ((p = ev(x, x->q->vars[i].node)) == NULL)
			return -1;
		vals[i] = p->pv;
	}
	return 1;
}
