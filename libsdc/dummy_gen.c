/*
 * dummy_gen.c - one patient's rows, for every table the definition
 * uses, as CSV text: realistic shapes for what the population leaves
 * free, and the aimed rows (dum_target) it needs.
 *
 * Streams.  Every (patient, table) pair has its own stream (rng.h's
 * taus2 stream, reseeded), seeded with a bijective 32-bit mix of the patient's index
 * plus a per-table base derived from the seed and the table's name, so
 * a table's rows depend on neither the other tables nor the order the
 * definition names them in.  The patient's own facts (birth, sex,
 * death) come from a stream of their own, read before any table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "date.h"
#include "dummy_int.h"
#include "num.h"
#include "rng.h"

enum gkind {
	G_PATIENTS,	/* patients: dob, sex, death */
	G_DEATHS,	/* ons_deaths: a row for the dead */
	G_PATIENT,	/* another patient-level table: one row */
	G_HISTORY,	/* start_date, end_date spells */
	G_EVENTS	/* events */
};

struct gtab {
	const struct sdc_schema_table *st;
	uint64_t used;
	uint32_t base;
	enum gkind kind;
	int cstart, cend, cdate;	/* -1: none */
	double mean;			/* events per patient */
};

/* One value before formatting. */
struct gval {
	int null;
	int64_t i;
	double f;
	int32_t d;
	const char *s;
	size_t len;
	char buf[80];
};

struct grow {
	int32_t key;
	uint32_t seq;
	size_t off, len;
};

struct spell {
	int32_t start, end;	/* end INT32_MIN: open */
	int64_t practice;
	const struct dum_req *req;
};

#define MAXSPELL 8
#define NO_DATE INT32_MIN

struct dum_gen {
	const struct sdc_query *q;
	int32_t anchor;
	struct sdc_rng *rs;		/* the one stream, reseeded */
	gsl_rng *r;			/* its GSL generator */
	uint32_t base_aim, base_pat;
	size_t nt;
	struct gtab *t;
	size_t *order;			/* tables, canonical order */
	struct grow *rows;
	size_t nrows, caprows;
	struct dum_buf text;
	/* the patient */
	int64_t pid;
	int32_t dob, dod, end;		/* dod NO_DATE: alive */
	int sex;
	const struct dum_target *tg;
	struct dum_req merged;		/* history: the aimed spell */
};

static const struct dum_cons no_cons;

int
dum_buf_reserve(struct dum_buf *b, size_t n, struct sdc_err *err)
{
	char *p;
	size_t cap;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return sdc_err_nomem(err);
	b->p = p;
	b->cap = cap;
	return 0;
}

int
dum_buf_add(struct dum_buf *b, const void *s, size_t n, struct sdc_err *err)
{
	if (dum_buf_reserve(b, n, err) != 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* Bijective on 32 bits (Wellons' lowbias32). */
static uint32_t
mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static uint32_t
stream_base(uint64_t seed, const char *name)
{
	uint64_t h = 1469598103934665603ULL, z;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	z = seed * 0x9e3779b97f4a7c15ULL ^ h;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(z ^ (z >> 31));
}

static void
reseed(struct dum_gen *g, uint32_t base, uint64_t idx)
{
	sdc_rng_reseed(g->rs, mix32(base + (uint32_t)idx));
}

struct dum_gen *
dum_gen_new(const struct sdc_query *q, uint64_t seed, int32_t anchor,
    struct sdc_err *err)
{
	struct dum_gen *g;
	size_t i, j;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	g->q = q;
	g->anchor = anchor;
	g->nt = q->ntables;
	g->t = calloc(g->nt + 1, sizeof(*g->t));
	g->order = calloc(g->nt + 1, sizeof(*g->order));
	if (g->t == NULL || g->order == NULL) {
		dum_gen_free(g);
		sdc_err_nomem(err);
		return NULL;
	}
	if ((g->rs = sdc_rng_stream_new(err)) == NULL) {
		dum_gen_free(g);
		return NULL;
	}
	g->r = sdc_rng_gsl(g->rs);
	g->base_aim = stream_base(seed, " aim");
	g->base_pat = stream_base(seed, " patient");
	for (i = 0; i < g->nt; i++) {
		struct gtab *t = &g->t[i];
		const struct sdc_schema_table *st = q->tables[i].schema;

		t->st = st;
		t->used = q->tables[i].used;
		t->base = stream_base(seed, st->name);
		t->cstart = (int)sdc_schema_column_index(st, "start_date");
		t->cend = (int)sdc_schema_column_index(st, "end_date");
		t->cdate = -1;
		for (j = 1; j < st->ncolumns && j < DUM_MAXCOL; j++)
			if (st->columns[j].type == SDC_TYPE_DATE) {
				t->cdate = (int)j;
				break;
			}
		if (strcmp(st->name, "patients") == 0)
			t->kind = G_PATIENTS;
		else if (strcmp(st->name, "ons_deaths") == 0)
			t->kind = G_DEATHS;
		else if (st->patient_level)
			t->kind = G_PATIENT;
		else if (t->cstart > 0 && t->cend > 0)
			t->kind = G_HISTORY;
		else
			t->kind = G_EVENTS;
		t->mean = strcmp(st->name, "clinical_events") == 0 ? 12 :
		    strcmp(st->name, "medications") == 0 ? 5 :
		    strcmp(st->name, "apcs") == 0 ? 0.4 :
		    strcmp(st->name, "vaccinations") == 0 ? 2 : 3;
	}
	/* canonical order: patient-level tables first, then by name */
	for (i = 0; i < g->nt; i++)
		g->order[i] = i;
	for (i = 1; i < g->nt; i++)
		for (j = i; j > 0; j--) {
			const struct gtab *a = &g->t[g->order[j - 1]];
			const struct gtab *b = &g->t[g->order[j]];
			size_t tmp;

			if (a->st->patient_level > b->st->patient_level ||
			    (a->st->patient_level == b->st->patient_level &&
			    strcmp(a->st->name, b->st->name) <= 0))
				break;
			tmp = g->order[j];
			g->order[j] = g->order[j - 1];
			g->order[j - 1] = tmp;
		}
	return g;
}

void
dum_gen_free(struct dum_gen *g)
{
	if (g == NULL)
		return;
	sdc_rng_free(g->rs);
	free(g->t);
	free(g->order);
	free(g->rows);
	free(g->text.p);
	free(g);
}

gsl_rng *
dum_gen_aim_rng(struct dum_gen *g, uint64_t idx)
{
	reseed(g, g->base_aim, idx);
	return g->r;
}

int
dum_gen_header(const struct sdc_query *q, size_t t, struct dum_buf *b,
    struct sdc_err *err)
{
	const struct sdc_schema_table *st = q->tables[t].schema;
	size_t c;

	for (c = 0; c < st->ncolumns && c < DUM_MAXCOL; c++) {
		if (c > 0 && !(q->tables[t].used >> c & 1))
			continue;
		if ((c > 0 && dum_buf_add(b, ",", 1, err) != 0) ||
		    dum_buf_add(b, st->columns[c].name,
		    strlen(st->columns[c].name), err) != 0)
			return -1;
	}
	return dum_buf_add(b, "\n", 1, err);
}

/* Random helpers. */

static double
unif(struct dum_gen *g)
{
	return gsl_rng_uniform(g->r);
}

static int64_t
between(struct dum_gen *g, int64_t lo, int64_t hi)
{
	uint64_t span;

	if (hi <= lo)
		return lo;
	span = (uint64_t)(hi - lo) + 1;
	if (span > 0xffffffffULL)
		return lo + (int64_t)(unif(g) * (double)span);
	return lo + (int64_t)gsl_rng_uniform_int(g->r, (unsigned long)span);
}

/* Geometric on {0, 1, ...} with the given mean. */
static unsigned
geom(struct dum_gen *g, double mean)
{
	if (mean <= 0)
		return 0;
	return gsl_ran_geometric(g->r, 1 / (mean + 1)) - 1;
}

static int32_t
clamp_date(int64_t d)
{
	return d < SDC_DATE_MIN ? SDC_DATE_MIN : d > SDC_DATE_MAX ?
	    SDC_DATE_MAX : (int32_t)d;
}

static int32_t
years_before(int32_t d, int y)
{
	int32_t out = SDC_DATE_MIN;

	(void)sdc_date_add_years(d, -y, &out);
	return out;
}

/*
 * A date meeting c, inside [lo, hi] (the patient's span) when the two
 * overlap; else inside c alone.  skew: when c gives no lower bound,
 * recent dates are likelier.
 */
static int32_t
draw_date(struct dum_gen *g, const struct dum_cons *c, int32_t lo,
    int32_t hi, int skew)
{
	int64_t a = c->has_lo ? c->lo : lo, b = c->has_hi ? c->hi : hi;
	int64_t L = a > lo ? a : lo, H = b < hi ? b : hi;
	double u;

	/* recent years first, then the whole life, then c alone */
	if (L > H && g->dob < lo) {
		L = a > g->dob ? a : g->dob;
		H = b < hi ? b : hi;
		lo = g->dob;
	}
	if (L > H) {
		L = a;
		H = b;
		if (!c->has_hi)
			H = L + 365;
		if (!c->has_lo)
			L = H - 365;
	}
	L = clamp_date(L);
	H = clamp_date(H);
	if (L >= H)
		return (int32_t)L;
	u = unif(g);
	if (skew && !c->has_lo)
		return (int32_t)(H - (int64_t)((double)(H - L) * u * u));
	return (int32_t)between(g, L, H);
}

struct rctx_span {
	int32_t lo, hi;
};

/* Is v (type) in the sorted set? */
static int
in_set(const struct sdc_qval *set, size_t n, enum sdc_schema_type type,
    const struct sdc_qval *v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = sdc_qval_cmp(type, &set[mid], v);

		if (r == 0)
			return 1;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
fits(const struct dum_cons *c, enum sdc_schema_type type,
    const struct sdc_qval *v)
{
	int i;
	int64_t x;

	for (i = 1; i < c->nsets; i++)
		if (!in_set(c->set[i], c->nset[i], type, v))
			return 0;
	if (c->avoid != NULL && in_set(c->avoid, c->navoid, type, v))
		return 0;
	if (type == SDC_TYPE_INT || type == SDC_TYPE_DATE) {
		x = type == SDC_TYPE_INT ? v->u.i : v->u.d;
		if ((c->has_lo && x < c->lo) || (c->has_hi && x > c->hi))
			return 0;
	}
	if (type == SDC_TYPE_FLOAT && ((c->has_lo && v->u.f < c->flo) ||
	    (c->has_hi && v->u.f > c->fhi)))
		return 0;
	return 1;
}

/* A member of c's first set fitting the rest, or NULL. */
static const struct sdc_qval *
pick_set(struct dum_gen *g, const struct dum_cons *c,
    enum sdc_schema_type type)
{
	const struct sdc_qval *v;
	size_t i;
	int k;

	for (k = 0; k < 24; k++) {
		v = &c->set[0][gsl_rng_uniform_int(g->r,
		    (unsigned long)c->nset[0])];
		if (fits(c, type, v))
			return v;
	}
	for (i = 0; i < c->nset[0]; i++)
		if (fits(c, type, &c->set[0][i]))
			return &c->set[0][i];
	return &c->set[0][0];
}

/* Does v meet every part of c, its first set included? */
static int
fits_all(const struct dum_cons *c, enum sdc_schema_type type,
    const struct sdc_qval *v)
{
	if (c->nsets > 0 && !in_set(c->set[0], c->nset[0], type, v))
		return 0;
	return fits(c, type, v);
}

/*
 * A date from hint h that meets c: drawn from the hint, preferring
 * the patient's span [lo, hi]; else uniform where the hint's range,
 * c and the span meet, else where the range and c meet.  0: none.
 */
static int
hint_date(struct dum_gen *g, const struct dum_hint *h,
    const struct dum_cons *c, int32_t lo, int32_t hi, int32_t *out)
{
	int64_t a = h->earliest, b = h->latest;
	int k;

	if (!h->has_date)
		return 0;
	if (c->has_lo && c->lo > a)
		a = c->lo;
	if (c->has_hi && c->hi < b)
		b = c->hi;
	if (a > b)
		return 0;
	for (k = 0; k < 24; k++) {
		int32_t d = dum_hint_date(h, g->r);

		if (d >= a && d <= b && d >= lo && d <= hi) {
			*out = d;
			return 1;
		}
	}
	if ((a > lo ? a : lo) <= (b < hi ? b : hi)) {
		*out = (int32_t)between(g, a > lo ? a : lo, b < hi ? b : hi);
		return 1;
	}
	*out = (int32_t)between(g, a, b);
	return 1;
}

/* Fill v from hint h under c (column col); 0 when it cannot. */
static int
hint_value(struct dum_gen *g, const struct sdc_schema_column *col,
    const struct dum_cons *c, const struct rctx_span *sp, struct gval *v)
{
	const struct dum_hint *h = c->hint;
	struct sdc_qval q;
	int k;

	switch (col->type) {
	case SDC_TYPE_DATE:
		if (!hint_date(g, h, c, sp->lo, sp->hi, &v->d))
			return 0;
		if (col->flags & SDC_COL_FIRST_OF_MONTH) {
			int32_t f = sdc_date_first_of_month(v->d);

			if (f < h->earliest || (c->has_lo && f < c->lo))
				(void)sdc_date_add_months(f, 1, &f);
			v->d = f;
		}
		return 1;
	case SDC_TYPE_INT:
	case SDC_TYPE_FLOAT:
		if (h->ncat > 0)
			break;
		if (h->dist == D_NONE)
			return 0;
		for (k = 0; k < 24; k++) {
			double x = dum_hint_num(h, g->r);

			memset(&q, 0, sizeof(q));
			if (col->type == SDC_TYPE_INT) {
				if (!(fabs(x) < 9e18))
					continue;
				q.u.i = (int64_t)x;
				if ((col->flags & SDC_COL_RANGE) &&
				    (q.u.i < col->min || q.u.i > col->max))
					continue;
			} else {
				q.u.f = x;
			}
			if (fits_all(c, col->type, &q)) {
				v->i = q.u.i;
				v->f = q.u.f;
				return 1;
			}
		}
		return 0;
	default:
		break;
	}
	if (h->ncat == 0)
		return 0;
	for (k = 0; k < 24; k++) {
		const struct sdc_qval *cv = dum_hint_cat(h, g->r);

		if (fits_all(c, col->type, cv)) {
			v->i = cv->u.i;
			v->s = cv->u.s.p;
			v->len = cv->u.s.len;
			return 1;
		}
	}
	return 0;
}

/* Background codes: a few thousand per system, some much commoner. */
static size_t
bg_code(struct dum_gen *g, enum sdc_code_system sys, char *buf)
{
	double u = unif(g);
	unsigned k = (unsigned)(u * u * 3000);
	static const char letters[] = "ABCDEFGHJKLMNRSTZ";

	switch (sys) {
	case SDC_CODE_CTV3:
		buf[0] = 'Y';
		buf[1] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[k / 1296 % 36];
		buf[2] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[k / 36 % 36];
		buf[3] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[k % 36];
		buf[4] = '.';
		buf[5] = '\0';
		return 5;
	case SDC_CODE_ICD10:
		return (size_t)snprintf(buf, 16, "%c%02u%u",
		    letters[k % (sizeof(letters) - 1)], k / 17 % 100, k % 10);
	case SDC_CODE_OPCS4:
		return (size_t)snprintf(buf, 16, "%c%02u%u",
		    letters[k % (sizeof(letters) - 1)], k / 17 % 100, k % 10);
	case SDC_CODE_BNF:
		return (size_t)snprintf(buf, 16, "2%u%09u", k % 4, k * 7919);
	case SDC_CODE_DMD:
		return (size_t)snprintf(buf, 24, "8%05u11000001102", k);
	default:
		return (size_t)snprintf(buf, 24, "9%05u", k);
	}
}

/* Regular-expression columns of the schema, by their pattern. */
static size_t
bg_regex(struct dum_gen *g, const char *re, int64_t key, char *buf)
{
	if (strcmp(re, "E020[0-9]{5}") == 0)
		return (size_t)snprintf(buf, 16, "E020%05u",
		    (unsigned)(key % 7201));
	if (strcmp(re, "E540000[0-9]{2}") == 0)
		return (size_t)snprintf(buf, 16, "E540000%02u",
		    (unsigned)(key % 42 + 5));
	(void)g;
	buf[0] = '\0';
	return 0;
}

struct rctx {
	int32_t lo, hi;		/* the patient's span for dates */
	int32_t first;		/* the row's first date so far */
	int64_t k;		/* row number in the table */
	const struct spell *sp;
};

static const char *const str_vocab[][6] = {
	{ "discharge_destination", "19", "51", "54", "65", "79" },
	{ "discharge_method", "1", "2", "3", "4", "5" },
	{ "admission_method", "11", "12", "21", "22", "2A" },
	{ "spell_core_hrg_sus", "AA22C", "EB03E", "FD10M", "LA08E", "WD22Z" },
	{ "patient_classification", "1", "2", "3", "4", "5" },
	{ "target_disease", "SARS-2 CORONAVIRUS", "INFLUENZA", "PNEUMOCOCCAL",
	    "SHINGLES", "PERTUSSIS" },
	{ "product_name", "COVID-19 mRNA Vaccine Comirnaty",
	    "COVID-19 Vaccine Vaxzevria", "Fluenz Tetra",
	    "Pneumovax 23", "Shingrix" },
};

/* Fill v for column c of table t under constraints k. */
static void
gen_col(struct dum_gen *g, const struct gtab *t, int c,
    const struct dum_cons *k, struct rctx *x, struct gval *v)
{
	const struct sdc_schema_column *col = &t->st->columns[c];
	const char *name = col->name;
	int notnull = (col->flags & SDC_COL_NOT_NULL) != 0;
	int aimed = k->null == 2 || k->has_lo || k->has_hi || k->nsets > 0 ||
	    k->prefix != NULL;
	const struct sdc_qval *sv;
	size_t i, n;

	memset(v, 0, offsetof(struct gval, buf));
	if (k->null == 1 && !notnull) {
		v->null = 1;
		return;
	}
	if (k->hint != NULL) {
		struct rctx_span sp;

		sp.lo = x->lo;
		sp.hi = x->hi;
		if (hint_value(g, col, k, &sp, v)) {
			if (col->type == SDC_TYPE_DATE && x->first == NO_DATE)
				x->first = v->d;
			return;
		}
	}
	if (k->nsets > 0 && col->type != SDC_TYPE_MULTICODE) {
		sv = pick_set(g, k, col->type);
		v->i = sv->u.i;
		v->f = sv->u.f;
		v->d = sv->u.d;
		v->s = sv->u.s.p;
		v->len = sv->u.s.len;
		if (col->type == SDC_TYPE_BOOL)
			v->i = sv->u.b;
		return;
	}
	switch (col->type) {
	case SDC_TYPE_DATE:
		if (strcmp(name, "discharge_date") == 0 && x->first != NO_DATE &&
		    !aimed) {
			v->d = clamp_date((int64_t)x->first + geom(g, 4));
			return;
		}
		if (!aimed && !notnull && unif(g) < 0.01) {
			v->null = 1;
			return;
		}
		v->d = draw_date(g, k, x->lo, x->hi, 1);
		if (x->first == NO_DATE)
			x->first = v->d;
		return;
	case SDC_TYPE_CODE:
		if (!aimed && !notnull && unif(g) < 0.01) {
			v->null = 1;
			return;
		}
		for (i = 0; i < 8; i++) {
			struct sdc_qval q;

			v->len = bg_code(g, col->system, v->buf);
			q.null = 0;
			q.u.s.p = v->buf;
			q.u.s.len = v->len;
			if (fits(k, col->type, &q))
				break;
		}
		v->s = v->buf;
		return;
	case SDC_TYPE_MULTICODE:
		n = 0;
		if (k->prefix != NULL && k->plen < 8) {
			memcpy(v->buf, k->prefix, k->plen);
			n = k->plen;
			while (n < 4 && !sdc_code_valid(col->system, v->buf, n))
				v->buf[n++] = '0';
		}
		for (i = geom(g, 1.2) + (n == 0); i > 0 && n < 60; i--) {
			if (n > 0)
				v->buf[n++] = ',';
			n += bg_code(g, col->system, v->buf + n);
		}
		v->s = v->buf;
		v->len = n;
		return;
	case SDC_TYPE_BOOL:
		v->i = strncmp(name, "care_home", 9) == 0 ? unif(g) < 0.02 :
		    strcmp(name, "has_postcode") == 0 ? unif(g) < 0.97 :
		    unif(g) < 0.5;
		return;
	case SDC_TYPE_FLOAT:
		if (k->has_lo || k->has_hi) {
			double lo = k->has_lo ? k->flo : k->fhi - 20;
			double hi = k->has_hi ? k->fhi : k->flo + 20;

			v->f = lo + (hi - lo) * unif(g);
			if (round(v->f * 10) / 10 >= lo &&
			    round(v->f * 10) / 10 <= hi)
				v->f = round(v->f * 10) / 10;
			if (v->f < lo || v->f > hi)
				v->f = lo;
			return;
		}
		if (!notnull && !aimed && unif(g) < (strcmp(name,
		    "numeric_value") == 0 ? 0.3 : 0.05)) {
			v->null = 1;
			return;
		}
		v->f = round((40 + gsl_ran_gaussian(g->r, 12)) * 10) / 10;
		if (strcmp(name, "lower_bound") == 0)
			v->f = 20;
		else if (strcmp(name, "upper_bound") == 0)
			v->f = 42;
		return;
	case SDC_TYPE_INT: {
		int64_t lo = INT64_MIN, hi = INT64_MAX;

		if (col->flags & SDC_COL_CATEGORICAL) {
			for (n = 0; col->categories[n] != NULL; n++)
				;
			i = (size_t)gsl_rng_uniform_int(g->r, n);
			if (strcmp(name, "address_type") == 0)
				i = unif(g) < 0.9 ? 0 : i;
			(void)sdc_num_parse_i64(col->categories[i],
			    strlen(col->categories[i]), INT64_MIN, INT64_MAX,
			    &v->i);
			return;
		}
		if (col->flags & SDC_COL_RANGE) {
			lo = col->min;
			hi = col->max;
		}
		if (k->has_lo && k->lo > lo)
			lo = k->lo;
		if (k->has_hi && k->hi < hi)
			hi = k->hi;
		if (lo != INT64_MIN || hi != INT64_MAX) {
			if (lo == INT64_MIN)
				lo = hi > INT64_MIN + 100 ? hi - 100 : hi;
			if (hi == INT64_MAX)
				hi = lo < INT64_MAX - 100 ? lo + 100 : lo;
			v->i = between(g, lo, hi);
			if ((col->flags & SDC_COL_RANGE) && col->step > 1 &&
			    !aimed) {
				v->i -= (v->i - lo) % col->step;
			}
			return;
		}
		if (strcmp(name, "practice_pseudo_id") == 0) {
			v->i = x->sp != NULL ? x->sp->practice :
			    between(g, 1, 500);
			return;
		}
		if (strcmp(name + strlen(name) - (strlen(name) > 3 ? 3 : 0),
		    "_id") == 0 || strcmp(name, "apcs_ident") == 0) {
			v->i = g->pid * 1000 + x->k;
			return;
		}
		if (!notnull && !aimed && unif(g) < 0.02) {
			v->null = 1;
			return;
		}
		v->i = strcmp(name, "days_in_critical_care") == 0 ?
		    (unif(g) < 0.9 ? 0 : geom(g, 3)) : geom(g, 10);
		return;
	}
	case SDC_TYPE_STR:
		if (col->flags & SDC_COL_CATEGORICAL) {
			for (n = 0; col->categories[n] != NULL; n++)
				;
			for (i = 0; i < 16; i++) {
				struct sdc_qval q;
				size_t j = (size_t)gsl_rng_uniform_int(g->r, n);

				if (x->sp != NULL && strcmp(name,
				    "practice_nuts1_region_name") == 0)
					j = (size_t)(x->sp->practice % (int64_t)n);
				v->s = col->categories[j];
				v->len = strlen(v->s);
				q.null = 0;
				q.u.s.p = v->s;
				q.u.s.len = v->len;
				if (fits(k, col->type, &q))
					break;
			}
			if (!aimed && !notnull && strcmp(name, "comparator") ==
			    0 && unif(g) < 0.9)
				v->null = 1;
			return;
		}
		if (col->flags & SDC_COL_REGEX) {
			v->len = bg_regex(g, col->regex, x->sp != NULL ?
			    x->sp->practice : between(g, 0, 100000), v->buf);
			v->s = v->buf;
			return;
		}
		for (i = 0; i < sizeof(str_vocab) / sizeof(str_vocab[0]); i++)
			if (strcmp(str_vocab[i][0], name) == 0) {
				v->s = str_vocab[i][1 +
				    gsl_rng_uniform_int(g->r, 5)];
				v->len = strlen(v->s);
				return;
			}
		if (!notnull && !aimed && unif(g) < 0.02) {
			v->null = 1;
			return;
		}
		v->len = (size_t)snprintf(v->buf, sizeof(v->buf), "%s%u",
		    name, (unsigned)geom(g, 5));
		v->s = v->buf;
		return;
	}
}

/* Append v as a CSV field (type of column c) to g->text. */
static int
put(struct dum_gen *g, enum sdc_schema_type type, const struct gval *v,
    struct sdc_err *err)
{
	char buf[SDC_NUM_DOUBLE_MAX + 24];
	const char *s = buf;
	size_t n = 0, i;
	int quote = 0;

	if (v->null)
		return 0;
	switch (type) {
	case SDC_TYPE_BOOL:
		buf[0] = v->i ? 'T' : 'F';
		n = 1;
		break;
	case SDC_TYPE_INT:
		if (v->i < 0) {
			buf[0] = '-';
			n = 1 + sdc_num_format_u64(0 - (uint64_t)v->i, buf + 1);
		} else {
			n = sdc_num_format_u64((uint64_t)v->i, buf);
		}
		break;
	case SDC_TYPE_FLOAT:
		n = sdc_num_format_double(v->f, buf);
		break;
	case SDC_TYPE_DATE:
		n = sdc_date_format(v->d, buf);
		break;
	default:
		s = v->s;
		n = v->len;
		for (i = 0; i < n; i++)
			if (s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
			    s[i] == '\n')
				quote = 1;
		break;
	}
	if (!quote)
		return dum_buf_add(&g->text, s, n, err);
	if (dum_buf_add(&g->text, "\"", 1, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((s[i] == '"' && dum_buf_add(&g->text, "\"", 1, err) != 0) ||
		    dum_buf_add(&g->text, s + i, 1, err) != 0)
			return -1;
	return dum_buf_add(&g->text, "\"", 1, err);
}

/*
 * One row of table t: column values from fixed (dates etc. already
 * decided: fixed[c] non-NULL) or drawn under cons.
 */
static int
add_row(struct dum_gen *g, size_t ti, const struct dum_cons *cons,
    struct rctx *x, const struct gval *const *fixed, struct sdc_err *err)
{
	const struct gtab *t = &g->t[ti];
	size_t c, nc = t->st->ncolumns < DUM_MAXCOL ? t->st->ncolumns :
	    DUM_MAXCOL;
	struct grow *row;
	struct gval v;
	char id[24];
	int32_t key = NO_DATE;

	if (g->nrows == g->caprows) {
		size_t cap = g->caprows ? g->caprows * 2 : 256;
		struct grow *p = realloc(g->rows, cap * sizeof(*p));

		if (p == NULL)
			return sdc_err_nomem(err);
		g->rows = p;
		g->caprows = cap;
	}
	row = &g->rows[g->nrows];
	row->off = g->text.len;
	row->seq = (uint32_t)g->nrows;
	if (dum_buf_add(&g->text, id, sdc_num_format_u64((uint64_t)g->pid, id),
	    err) != 0)
		return -1;
	x->first = NO_DATE;
	for (c = 1; c < nc; c++) {
		const struct gval *vp = &v;

		/* draw every column, used or not, so that the rows do not
		   depend on which columns the definition reads */
		if (fixed != NULL && fixed[c] != NULL)
			vp = fixed[c];
		else
			gen_col(g, t, (int)c, cons != NULL ? &cons[c] : &no_cons,
			    x, &v);
		if ((int)c == t->cdate && !vp->null)
			key = vp->d;
		if (!(t->used >> c & 1))
			continue;
		if (dum_buf_add(&g->text, ",", 1, err) != 0 ||
		    put(g, t->st->columns[c].type, vp, err) != 0)
			return -1;
	}
	if (dum_buf_add(&g->text, "\n", 1, err) != 0)
		return -1;
	row->len = g->text.len - row->off;
	row->key = key;
	g->nrows++;
	x->k++;
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	const struct grow *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort the patient's rows of a table by date and append them to out. */
static int
flush_rows(struct dum_gen *g, struct dum_buf *out, struct sdc_err *err)
{
	size_t i;

	if (g->nrows > 1)
		qsort(g->rows, g->nrows, sizeof(*g->rows), by_key);
	for (i = 0; i < g->nrows; i++)
		if (dum_buf_add(out, g->text.p + g->rows[i].off,
		    g->rows[i].len, err) != 0)
			return -1;
	g->nrows = 0;
	g->text.len = 0;
	return 0;
}

/* The constraints on column c of patient-level table ti, or no_cons. */
static const struct dum_cons *
pcons(const struct dum_gen *g, long ti, int c)
{
	if (ti < 0 || c < 0 || c >= DUM_MAXCOL || g->tg->pcons[ti] == NULL)
		return &no_cons;
	return &g->tg->pcons[ti][c];
}

static long
table_index(const struct dum_gen *g, enum gkind kind)
{
	size_t i;

	for (i = 0; i < g->nt; i++)
		if (g->t[i].kind == kind)
			return (long)i;
	return -1;
}

static int32_t
first_of_month_ge(int32_t d)
{
	int32_t f = sdc_date_first_of_month(d), out = f;

	if (f < d)
		(void)sdc_date_add_months(f, 1, &out);
	return out;
}

/*
 * A date of birth (first of a month) from the hint on it, within c's
 * bounds, not after hi (nor the anchor date): for an age hint, an age
 * on the hint's date drawn and a birth month that gives it; for a date
 * hint, a date in its range.  NO_DATE when none fits in 30 draws.
 */
static int32_t
hint_birth(struct dum_gen *g, const struct dum_cons *c, int64_t hi)
{
	const struct dum_hint *h = c->hint;
	int64_t lo = c->has_lo ? c->lo : SDC_DATE_MIN;
	int k;

	if (c->has_hi && c->hi < hi)
		hi = c->hi;
	if (g->anchor < hi)
		hi = g->anchor;
	for (k = 0; k < 30; k++) {
		int64_t a, b;
		int32_t d0, d1, f, l, out;

		if (h->kind == H_AGE) {
			double age = dum_hint_num(h, g->r);

			if (!(age >= 0 && age <= 130))
				continue;
			/* age on D is n: D - (n+1) years < birth <= D - n */
			if (sdc_date_add_years(h->age_at, -(int64_t)age - 1,
			    &d0) != 0 || sdc_date_add_years(h->age_at,
			    -(int64_t)age, &d1) != 0)
				continue;
			a = (int64_t)d0 + 1;
			b = d1;
		} else if (h->has_date) {
			a = b = dum_hint_date(h, g->r);
			/* its month, the first of it inside the range */
			a = sdc_date_first_of_month((int32_t)a);
			if (a < h->earliest)
				b = a = first_of_month_ge((int32_t)a + 1);
			if (a > h->latest)
				return NO_DATE;
		} else {
			return NO_DATE;
		}
		if (a < lo)
			a = lo;
		if (b > hi)
			b = hi;
		if (a > b)
			continue;
		f = first_of_month_ge((int32_t)a);
		l = sdc_date_first_of_month((int32_t)b);
		if (f > l)
			continue;
		if (sdc_date_add_months(f, between(g, 0,
		    sdc_date_diff_months(l, f)), &out) != 0)
			continue;
		return out;
	}
	return NO_DATE;
}

/* Birth, sex and death, from the patient stream. */
static void
gen_person(struct dum_gen *g)
{
	const struct dum_target *tg = g->tg;
	long tp = table_index(g, G_PATIENTS), td = table_index(g, G_DEATHS);
	const struct dum_cons *cb = pcons(g, tp, 1), *cd;
	int64_t lo = years_before(g->anchor, 105), hi = g->anchor;
	int64_t reqhi = INT64_MAX, reqlo = INT64_MIN;
	size_t i, c;
	int k, y, m, dd;

	/* the aimed rows' dates bound birth and death */
	for (i = 0; i < tg->nreq; i++) {
		const struct dum_req *r = &tg->req[i];
		const struct sdc_schema_table *st = g->t[r->table].st;

		for (c = 1; c < st->ncolumns && c < DUM_MAXCOL; c++) {
			if (st->columns[c].type != SDC_TYPE_DATE)
				continue;
			if (r->c[c].has_hi && r->c[c].hi < reqhi)
				reqhi = r->c[c].hi;
			if (r->c[c].has_lo && r->c[c].lo > reqlo &&
			    (int)c != g->t[r->table].cend)
				reqlo = r->c[c].lo;
			/* born before a hinted date can fall */
			if (r->c[c].hint != NULL && r->c[c].hint->has_date &&
			    r->c[c].hint->latest < reqhi)
				reqhi = r->c[c].hint->latest;
		}
	}
	if (cb->has_lo && cb->lo > lo)
		lo = cb->lo;
	if (cb->has_hi && cb->hi < hi)
		hi = cb->hi;
	if (reqhi < hi && reqhi >= lo)
		hi = reqhi;
	g->dob = NO_DATE;
	if (cb->hint != NULL)
		g->dob = hint_birth(g, cb, reqhi);
	for (k = 0; k < 30 && g->dob == NO_DATE; k++) {
		int age = (int)between(g, 0, 104);
		int32_t d;

		if (age > 60 && between(g, 0, 44) < age - 60)
			continue;
		sdc_date_to_ymd(g->anchor, &y, &m, &dd);
		if (sdc_date_from_ymd(y - age, (int)between(g, 1, 12), 1,
		    &d) != 0)
			continue;
		if (d > g->anchor)
			d = sdc_date_first_of_month(g->anchor);
		if (d >= lo && d <= hi) {
			g->dob = d;
			break;
		}
	}
	if (g->dob == NO_DATE) {
		int32_t a = first_of_month_ge(clamp_date(lo));
		int32_t b = sdc_date_first_of_month(clamp_date(hi));

		if (a > b) {
			g->dob = b;
		} else {
			int months = sdc_date_diff_months(b, a);

			(void)sdc_date_add_months(a, between(g, 0, months),
			    &g->dob);
		}
	}
	/* sex: female and male about 49.5% each */
	{
		double u = unif(g);

		g->sex = u < 0.495 ? 0 : u < 0.99 ? 1 : u < 0.993 ? 2 : 3;
	}
	/* death */
	cd = pcons(g, tp, 3);
	if (cd->null == 0 && !cd->has_lo && !cd->has_hi && cd->hint == NULL)
		cd = pcons(g, td, 1);
	if (cd->null == 1) {
		g->dod = NO_DATE;
	} else if (cd->null == 2 || cd->has_lo || cd->has_hi) {
		int32_t lo2 = g->dob, hi2 = g->anchor;

		if (reqlo != INT64_MIN && reqlo > lo2 && reqlo <= hi2)
			lo2 = (int32_t)reqlo;
		if (cd->hint == NULL || !hint_date(g, cd->hint, cd, lo2, hi2,
		    &g->dod))
			g->dod = draw_date(g, cd, lo2, hi2, 0);
	} else if (cd->hint != NULL && cd->hint->has_inc) {
		/* the hint's incidence decided: NULL was not asked for */
		g->dod = NO_DATE;
	} else if (unif(g) < 0.015) {
		int32_t ten = years_before(g->anchor, 10);

		g->dod = (int32_t)between(g, g->dob > ten ? g->dob : ten,
		    g->anchor);
		if (cd->hint != NULL)
			(void)hint_date(g, cd->hint, cd, g->dob, g->anchor,
			    &g->dod);
		if (reqlo != INT64_MIN && g->dod < reqlo)
			g->dod = NO_DATE;
	} else {
		g->dod = NO_DATE;
	}
	g->end = g->dod != NO_DATE && g->dod < g->anchor ? g->dod : g->anchor;
	if (g->end < g->dob)
		g->end = g->dob;
}

static int
gen_patient_table(struct dum_gen *g, size_t ti, struct dum_buf *out,
    struct sdc_err *err)
{
	const struct gtab *t = &g->t[ti];
	const struct dum_cons *cons = g->tg->pcons[ti];
	const struct gval *fixed[DUM_MAXCOL];
	struct gval vd, vs, vx;
	struct rctx x;
	static const char *const sexes[] = { "female", "male", "intersex",
	    "unknown" };

	memset(fixed, 0, sizeof(fixed));
	memset(&x, 0, sizeof(x));
	x.lo = g->dob;
	x.hi = g->end;
	if (t->kind == G_PATIENTS) {
		memset(&vd, 0, sizeof(vd));
		memset(&vs, 0, sizeof(vs));
		memset(&vx, 0, sizeof(vx));
		vd.d = g->dob;
		fixed[1] = &vd;
		if (cons[2].nsets == 0 && cons[2].avoid == NULL &&
		    cons[2].hint == NULL) {
			vs.s = sexes[g->sex];
			vs.len = strlen(vs.s);
			fixed[2] = &vs;
		}
		vx.d = g->dod;
		vx.null = g->dod == NO_DATE;
		fixed[3] = &vx;
	} else if (t->kind == G_DEATHS) {
		if (g->dod == NO_DATE)
			return 0;
		memset(&vx, 0, sizeof(vx));
		vx.d = g->dod;
		fixed[1] = &vx;
	}
	if (add_row(g, ti, cons, &x, fixed, err) != 0)
		return -1;
	return flush_rows(g, out, err);
}

/* A spell row: start, end and practice fixed, the rest drawn. */
static int
spell_row(struct dum_gen *g, size_t ti, const struct spell *s,
    struct rctx *x, struct sdc_err *err)
{
	const struct gtab *t = &g->t[ti];
	const struct gval *fixed[DUM_MAXCOL];
	struct gval vs, ve;

	memset(fixed, 0, sizeof(fixed));
	memset(&vs, 0, sizeof(vs));
	memset(&ve, 0, sizeof(ve));
	vs.d = s->start;
	ve.d = s->end;
	ve.null = s->end == NO_DATE;
	fixed[t->cstart] = &vs;
	fixed[t->cend] = &ve;
	x->sp = s;
	return add_row(g, ti, s->req != NULL ? s->req->c : NULL, x, fixed, err);
}

/*
 * Merge b's constraints into a, column by column; where a column's
 * constraints cannot hold together, a's stay (the population is aimed
 * before the variables, so its wishes come first).
 */
static void
merge(struct dum_req *a, const struct dum_req *b, size_t nc)
{
	size_t c;
	int k;

	for (c = 1; c < nc && c < DUM_MAXCOL; c++) {
		struct dum_cons x = a->c[c];
		const struct dum_cons *y = &b->c[c];

		if (y->null != 0) {
			if (x.null != 0 && x.null != y->null)
				continue;
			x.null = y->null;
		}
		if (y->has_lo && (!x.has_lo || y->lo > x.lo)) {
			x.lo = y->lo;
			x.has_lo = 1;
		}
		if (y->has_hi && (!x.has_hi || y->hi < x.hi)) {
			x.hi = y->hi;
			x.has_hi = 1;
		}
		if ((x.has_lo && x.has_hi && x.lo > x.hi) ||
		    (x.null == 1 && (x.has_lo || x.has_hi)))
			continue;
		for (k = 0; k < y->nsets; k++)
			if (x.nsets < DUM_MAXSET) {
				x.set[x.nsets] = y->set[k];
				x.nset[x.nsets++] = y->nset[k];
			}
		if (y->avoid != NULL && x.avoid == NULL) {
			x.avoid = y->avoid;
			x.navoid = y->navoid;
		}
		if (y->hint != NULL && x.hint == NULL)
			x.hint = y->hint;
		a->c[c] = x;
	}
}

/* Registration (or address) history: one to three spells. */
static int
gen_history(struct dum_gen *g, size_t ti, struct dum_buf *out,
    struct sdc_err *err)
{
	const struct gtab *t = &g->t[ti];
	const struct dum_target *tg = g->tg;
	const struct dum_req *aimed = NULL;
	struct spell sp[MAXSPELL];
	struct rctx x;
	size_t i, n = 0, first;
	int32_t older = years_before(g->anchor, 30), lo;
	int64_t practice = between(g, 1, 500);

	memset(&x, 0, sizeof(x));
	x.lo = g->dob;
	x.hi = g->end;
	lo = g->dob > older ? g->dob : older;
	/* one spell meets every aimed registration when it can */
	for (i = 0; i < tg->nreq; i++) {
		if (tg->req[i].table != ti)
			continue;
		if (aimed == NULL) {
			g->merged = tg->req[i];
			aimed = &g->merged;
		} else {
			merge(&g->merged, &tg->req[i], t->st->ncolumns);
		}
	}
	memset(sp, 0, sizeof(sp));
	first = 2;			/* room for two earlier spells */
	if (aimed != NULL) {
		const struct dum_cons *cs = &aimed->c[t->cstart];
		const struct dum_cons *ce = &aimed->c[t->cend];
		struct spell *s = &sp[first];

		s->req = aimed;
		s->start = draw_date(g, cs, g->dob, g->end, 0);
		if (ce->null == 1)
			s->end = NO_DATE;
		else if (ce->null == 2 || ce->has_lo || ce->has_hi)
			s->end = draw_date(g, ce, s->start, g->end, 0);
		else if (unif(g) < 0.85)
			s->end = NO_DATE;
		else
			s->end = (int32_t)between(g, s->start, g->end);
	} else {
		sp[first].start = (int32_t)between(g, lo, g->end);
		sp[first].end = NO_DATE;
		if (unif(g) < 0.1)
			sp[first].end = (int32_t)between(g, sp[first].start,
			    g->end);
	}
	n = first + 1;
	/* earlier spells, ending when the next starts or a little before */
	for (i = first; i > 0 && unif(g) < (i == first ? 0.35 : 0.3); i--) {
		struct spell *s = &sp[i - 1];
		int32_t e = sp[i].start - (unif(g) < 0.6 ? 0 :
		    (int32_t)between(g, 1, 90));

		if (e <= g->dob)
			break;
		s->end = e;
		s->start = (int32_t)between(g, e - 15 * 365 > g->dob ?
		    e - 15 * 365 : g->dob, e);
		first = i - 1;
	}
	/* a later spell after a closed one */
	if (sp[n - 1].end != NO_DATE && sp[n - 1].end < g->end &&
	    unif(g) < 0.7) {
		struct spell *s = &sp[n];
		int32_t st = sp[n - 1].end + (unif(g) < 0.6 ? 0 :
		    (int32_t)between(g, 1, 90));

		if (st <= g->end) {
			s->start = st;
			s->end = g->dod != NO_DATE && unif(g) < 0.7 ?
			    g->end : NO_DATE;
			n++;
		}
	}
	/* a dead patient's open registration mostly ends at death */
	if (sp[n - 1].end == NO_DATE && sp[n - 1].req == NULL &&
	    g->dod != NO_DATE && unif(g) < 0.7)
		sp[n - 1].end = g->end;
	for (i = first; i < n; i++) {
		practice = 1 + (practice + between(g, 0, 498)) % 500;
		sp[i].practice = practice;
		if (sp[i].end != NO_DATE && sp[i].end < sp[i].start)
			sp[i].end = sp[i].start;
		if (spell_row(g, ti, &sp[i], &x, err) != 0)
			return -1;
	}
	x.sp = NULL;
	return flush_rows(g, out, err);
}

static int
gen_events(struct dum_gen *g, size_t ti, struct dum_buf *out,
    struct sdc_err *err)
{
	const struct gtab *t = &g->t[ti];
	const struct dum_target *tg = g->tg;
	struct rctx x;
	unsigned n, k;
	size_t i;
	int32_t old = years_before(g->anchor, 20);

	memset(&x, 0, sizeof(x));
	x.lo = g->dob > old ? g->dob : old;
	x.hi = g->end;
	if (x.lo > x.hi)
		x.lo = x.hi;
	n = geom(g, t->mean);
	for (k = 0; k < n; k++)
		if (add_row(g, ti, NULL, &x, NULL, err) != 0)
			return -1;
	for (i = 0; i < tg->nreq; i++)
		if (tg->req[i].table == ti)
			for (k = 0; k < tg->req[i].count; k++)
				if (add_row(g, ti, tg->req[i].c, &x, NULL,
				    err) != 0)
					return -1;
	return flush_rows(g, out, err);
}

int
dum_gen_patient(struct dum_gen *g, uint64_t idx, int64_t pid,
    const struct dum_target *tg, struct dum_buf *out, struct sdc_err *err)
{
	size_t i, ti;
	int rc = 0;

	g->pid = pid;
	g->tg = tg;
	reseed(g, g->base_pat, idx);
	gen_person(g);
	for (i = 0; i < g->nt && rc == 0; i++) {
		ti = g->order[i];
		reseed(g, g->t[ti].base, idx);
		switch (g->t[ti].kind) {
		case G_PATIENTS:
		case G_DEATHS:
		case G_PATIENT:
			rc = gen_patient_table(g, ti, &out[ti], err);
			break;
		case G_HISTORY:
			rc = gen_history(g, ti, &out[ti], err);
			break;
		case G_EVENTS:
			rc = gen_events(g, ti, &out[ti], err);
			break;
		}
	}
	return rc;
}
