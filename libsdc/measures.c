/*
 * measures.c - ehrQL's measures over EHR tables in one pass, their
 * disclosure control (ehrQL's rule through round.h, or sdc's stronger
 * one through suppress.h), and their CSV.  See measures.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "date.h"
#include "engine_int.h"
#include "hash.h"
#include "input.h"
#include "measures.h"
#include "num.h"
#include "round.h"
#include "suppress.h"
#include "table.h"

#define DC_THRESHOLD 7		/* ehrql/measures/disclosure_control.py */
#define DC_BASE 5

struct mrow {
	size_t rank;			/* the measure's batch */
	uint32_t m, k;			/* measure, interval (in ivl) */
	uint32_t id;			/* key in map */
	int64_t num, den;
	unsigned char hide_num, hide_den;
};

struct sdc_measures {
	const struct sdc_query *q;
	size_t nm, nt;
	size_t nivl;			/* every measure's intervals, sorted */
	int32_t (*ivl)[2];
	size_t *kn;			/* per interval: measures using it */
	uint32_t **km;			/* and which, in definition order */
	size_t *rank;			/* per measure: its batch's rank */
	unsigned char *dtab;		/* nm * nt: tables the denominator
					   reads */
	unsigned char *dany;		/* per measure: it reads some table */
	unsigned char *in;		/* per measure, per patient scratch */
	struct sdc_hmap map;		/* (m, k, groups) -> id */
	int64_t *num, *den;		/* per id */
	size_t cap;
	unsigned char *kbuf;
	size_t kcap;
	struct mrow *rows;		/* output order */
	size_t nrows;
	size_t ncols;			/* union of group columns */
	const char **cols;
	size_t *gpos;			/* per measure, per group: column */
	size_t *goff;			/* per measure: offset in gpos */
	int disclosed;
};

/* ---- set-up ---- */

static int
ivl_cmp(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

static long
ivl_find(const struct sdc_measures *r, const int32_t *v)
{
	size_t lo = 0, hi = r->nivl;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ivl_cmp(r->ivl[mid], v);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void
tables_of(const struct sdc_qnode *n, unsigned char *seen, unsigned char *tab)
{
	size_t i;

	if (seen[n->id])
		return;
	seen[n->id] = 1;
	if (n->kind == SDC_Q_TABLE)
		tab[n->table] = 1;
	for (i = 0; i < n->n; i++)
		tables_of(n->kid[i], seen, tab);
}

static int
same_intervals(const struct sdc_qmeasure *a, const struct sdc_qmeasure *b)
{
	return a->nintervals == b->nintervals && (a->nintervals == 0 ||
	    memcmp(a->intervals, b->intervals, a->nintervals *
	    sizeof(*a->intervals)) == 0);
}

static int
setup(struct sdc_measures *r, struct sdc_err *err)
{
	const struct sdc_query *q = r->q;
	unsigned char *seen;
	size_t m, j, k, n = 0, ng = 0, nb = 0;

	r->nm = q->nmeasures;
	r->nt = q->ntables;
	for (m = 0; m < r->nm; m++) {
		n += q->measures[m].nintervals;
		ng += q->measures[m].ngroups;
	}
	if ((r->ivl = calloc(n + 1, sizeof(*r->ivl))) == NULL ||
	    (r->rank = calloc(r->nm + 1, sizeof(*r->rank))) == NULL ||
	    (r->dtab = calloc(r->nm * r->nt + 1, 1)) == NULL ||
	    (r->dany = calloc(r->nm + 1, 1)) == NULL ||
	    (r->in = calloc(r->nm + 1, 1)) == NULL ||
	    (r->cols = calloc(ng + 1, sizeof(*r->cols))) == NULL ||
	    (r->gpos = calloc(ng + 1, sizeof(*r->gpos))) == NULL ||
	    (r->goff = calloc(r->nm + 1, sizeof(*r->goff))) == NULL ||
	    (seen = calloc(q->nnodes + 1, 1)) == NULL)
		return sdc_err_nomem(err);
	/* the union of the intervals */
	for (m = 0, n = 0; m < r->nm; m++)
		for (j = 0; j < q->measures[m].nintervals; j++) {
			r->ivl[n][0] = q->measures[m].intervals[j][0];
			r->ivl[n][1] = q->measures[m].intervals[j][1];
			n++;
		}
	if (n > 1)
		qsort(r->ivl, n, sizeof(*r->ivl), ivl_cmp);
	for (j = k = 0; j < n; j++)
		if (k == 0 || ivl_cmp(r->ivl[k - 1], r->ivl[j]) != 0) {
			r->ivl[k][0] = r->ivl[j][0];
			r->ivl[k][1] = r->ivl[j][1];
			k++;
		}
	r->nivl = k;
	if ((r->kn = calloc(r->nivl + 1, sizeof(*r->kn))) == NULL ||
	    (r->km = calloc(r->nivl + 1, sizeof(*r->km))) == NULL) {
		free(seen);
		return sdc_err_nomem(err);
	}
	for (k = 0; k < r->nivl; k++)
		if ((r->km[k] = calloc(r->nm + 1, sizeof(**r->km))) == NULL) {
			free(seen);
			return sdc_err_nomem(err);
		}
	for (m = 0; m < r->nm; m++) {
		const struct sdc_qmeasure *ms = &q->measures[m];
		size_t b;

		for (j = 0; j < ms->nintervals; j++) {
			long i = ivl_find(r, ms->intervals[j]);

			r->km[i][r->kn[i]++] = (uint32_t)m;
		}
		/* batches: same denominator node and intervals */
		for (b = 0; b < m; b++)
			if (q->measures[b].denominator == ms->denominator &&
			    same_intervals(&q->measures[b], ms))
				break;
		r->rank[m] = b < m ? r->rank[b] : nb++;
		memset(seen, 0, q->nnodes + 1);
		tables_of(ms->denominator, seen, r->dtab + m * r->nt);
		for (j = 0; j < r->nt; j++)
			r->dany[m] |= r->dtab[m * r->nt + j];
		/* group columns: the union, in order of first use */
		r->goff[m] = m == 0 ? 0 : r->goff[m - 1] +
		    q->measures[m - 1].ngroups;
		for (j = 0; j < ms->ngroups; j++) {
			size_t c;

			for (c = 0; c < r->ncols; c++)
				if (strcmp(r->cols[c], ms->groups[j].name) == 0)
					break;
			if (c == r->ncols)
				r->cols[r->ncols++] = ms->groups[j].name;
			r->gpos[r->goff[m] + j] = c;
		}
	}
	free(seen);
	return 0;
}

/* ---- the pass ---- */

static int
kput(struct sdc_measures *r, size_t *len, const void *p, size_t n,
    struct sdc_err *err)
{
	if (*len + n > r->kcap) {
		size_t cap = r->kcap ? r->kcap : 256;
		unsigned char *nb;

		while (cap < *len + n)
			cap *= 2;
		if ((nb = realloc(r->kbuf, cap)) == NULL)
			return sdc_err_nomem(err);
		r->kbuf = nb;
		r->kcap = cap;
	}
	memcpy(r->kbuf + *len, p, n);
	*len += n;
	return 0;
}

/* Append a group value to the key: a tag byte, then its bytes. */
static int
key_value(struct sdc_measures *r, size_t *len, enum sdc_schema_type t,
    const struct sdc_qval *v, struct sdc_err *err)
{
	unsigned char tag = v->null ? 0 : 1, b;
	uint32_t n;
	double f;

	if (kput(r, len, &tag, 1, err) != 0)
		return -1;
	if (v->null)
		return 0;
	switch (t) {
	case SDC_TYPE_BOOL:
		b = v->u.b != 0;
		return kput(r, len, &b, 1, err);
	case SDC_TYPE_INT:
		return kput(r, len, &v->u.i, sizeof(v->u.i), err);
	case SDC_TYPE_FLOAT:
		f = v->u.f == 0 ? 0.0 : v->u.f;	/* -0.0 == 0.0 */
		return kput(r, len, &f, sizeof(f), err);
	case SDC_TYPE_DATE:
		return kput(r, len, &v->u.d, sizeof(v->u.d), err);
	default:
		n = (uint32_t)v->u.s.len;
		if (kput(r, len, &n, sizeof(n), err) != 0)
			return -1;
		return kput(r, len, v->u.s.p, v->u.s.len, err);
	}
}

/* Read back a group value written by key_value; returns bytes used. */
static size_t
key_read(const unsigned char *p, enum sdc_schema_type t, struct sdc_qval *v)
{
	uint32_t n;

	memset(v, 0, sizeof(*v));
	if (p[0] == 0) {
		v->null = 1;
		return 1;
	}
	switch (t) {
	case SDC_TYPE_BOOL:
		v->u.b = p[1];
		return 2;
	case SDC_TYPE_INT:
		memcpy(&v->u.i, p + 1, sizeof(v->u.i));
		return 1 + sizeof(v->u.i);
	case SDC_TYPE_FLOAT:
		memcpy(&v->u.f, p + 1, sizeof(v->u.f));
		return 1 + sizeof(v->u.f);
	case SDC_TYPE_DATE:
		memcpy(&v->u.d, p + 1, sizeof(v->u.d));
		return 1 + sizeof(v->u.d);
	default:
		memcpy(&n, p + 1, sizeof(n));
		v->u.s.p = (const char *)p + 1 + sizeof(n);
		v->u.s.len = n;
		return 1 + sizeof(n) + n;
	}
}

static int
measure_fail(const struct sdc_qmeasure *ms, struct sdc_err *err,
    enum sdc_err_code code, const char *what)
{
	return sdc_err_set(err, code, ms->file, ms->line, ms->col,
	    "measure '%s': %s", ms->name, what);
}

static int
count(struct sdc_measures *r, struct eng_eval *x, uint32_t m, uint32_t k,
    struct sdc_err *err)
{
	const struct sdc_qmeasure *ms = &r->q->measures[m];
	struct sdc_qval v;
	int64_t num, den, id;
	size_t len = 0, j;
	int added;

	if (eng_eval_value(x, ms->denominator, &v) != 0)
		return -1;
	if (v.null)
		return 0;
	den = ms->denominator->type == SDC_TYPE_BOOL ? v.u.b != 0 : v.u.i;
	if (den <= 0)
		return 0;
	if (eng_eval_value(x, ms->numerator, &v) != 0)
		return -1;
	num = v.null ? 0 : ms->numerator->type == SDC_TYPE_BOOL ?
	    v.u.b != 0 : v.u.i;
	if (kput(r, &len, &m, sizeof(m), err) != 0 ||
	    kput(r, &len, &k, sizeof(k), err) != 0)
		return -1;
	for (j = 0; j < ms->ngroups; j++)
		if (eng_eval_value(x, ms->groups[j].node, &v) != 0 ||
		    key_value(r, &len, ms->groups[j].node->type, &v, err) != 0)
			return -1;
	if ((id = sdc_hmap_put(&r->map, r->kbuf, len, sdc_hash_bytes(r->kbuf,
	    len), &added)) < 0)
		return sdc_err_nomem(err);
	if ((size_t)id >= r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		int64_t *a, *b;

		if ((a = realloc(r->num, cap * sizeof(*a))) == NULL)
			return sdc_err_nomem(err);
		r->num = a;
		if ((b = realloc(r->den, cap * sizeof(*b))) == NULL)
			return sdc_err_nomem(err);
		r->den = b;
		r->cap = cap;
	}
	if (added)
		r->num[id] = r->den[id] = 0;
	if (__builtin_add_overflow(r->num[id], num, &r->num[id]) ||
	    __builtin_add_overflow(r->den[id], den, &r->den[id]))
		return measure_fail(ms, err, SDC_ELIMIT, "a sum overflows "
		    "64 bits");
	return 0;
}

static int
patient(void *ctx, struct eng_eval *x, int64_t pid,
    const struct eng_view *view, struct sdc_err *err)
{
	struct sdc_measures *r = ctx;
	size_t m, t, k, i;

	if (eng_eval_begin(x, pid, err) != 0)
		return -1;
	/* ehrQL's population rule, the denominator as the population */
	for (m = 0; m < r->nm; m++) {
		r->in[m] = !r->dany[m];
		for (t = 0; t < r->nt && !r->in[m]; t++)
			r->in[m] = r->dtab[m * r->nt + t] && view[t].n > 0;
	}
	for (k = 0; k < r->nivl; k++) {
		eng_eval_interval(x, r->ivl[k][0], r->ivl[k][1]);
		for (i = 0; i < r->kn[k]; i++)
			if (r->in[r->km[k][i]] && count(r, x, r->km[k][i],
			    (uint32_t)k, err) != 0)
				return -1;
	}
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	if (x->m != y->m)
		return x->m < y->m ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

struct sdc_measures *
sdc_measures_run(const struct sdc_query *q,
    const struct sdc_engine_opts *opts, struct sdc_err *err)
{
	struct sdc_measures *r;
	size_t i;

	if (!q->measures_mode || q->nmeasures == 0) {
		sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "not a measures "
		    "definition");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	r->q = q;
	sdc_hmap_init(&r->map);
	if (setup(r, err) != 0 || eng_run(q, opts, patient, r, err) != 0)
		goto fail;
	r->nrows = r->map.n;
	if ((r->rows = calloc(r->nrows + 1, sizeof(*r->rows))) == NULL) {
		sdc_err_nomem(err);
		goto fail;
	}
	for (i = 0; i < r->nrows; i++) {
		size_t n;
		const char *key = sdc_hmap_key(&r->map, (uint32_t)i, &n);

		memcpy(&r->rows[i].m, key, sizeof(uint32_t));
		memcpy(&r->rows[i].k, key + sizeof(uint32_t),
		    sizeof(uint32_t));
		r->rows[i].id = (uint32_t)i;
		r->rows[i].rank = r->rank[r->rows[i].m];
		r->rows[i].num = r->num[i];
		r->rows[i].den = r->den[i];
	}
	/* the key is total (ids are distinct), so the order is unique */
	qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	return r;
fail:
	sdc_measures_free(r);
	return NULL;
}

void
sdc_measures_free(struct sdc_measures *r)
{
	size_t k;

	if (r == NULL)
		return;
	if (r->km != NULL)
		for (k = 0; k < r->nivl; k++)
			free(r->km[k]);
	free(r->km);
	free(r->kn);
	free(r->ivl);
	free(r->rank);
	free(r->dtab);
	free(r->dany);
	free(r->in);
	free(r->cols);
	free(r->gpos);
	free(r->goff);
	sdc_hmap_release(&r->map);
	free(r->num);
	free(r->den);
	free(r->kbuf);
	free(r->rows);
	free(r);
}

size_t
sdc_measures_nrows(const struct sdc_measures *r)
{
	return r->nrows;
}

/* ---- group values ---- */

/* The group values of row id, decoded into v[0..ngroups-1]. */
static void
groups_of(const struct sdc_measures *r, const struct mrow *row,
    struct sdc_qval *v)
{
	const struct sdc_qmeasure *ms = &r->q->measures[row->m];
	size_t n, j;
	const unsigned char *p = (const unsigned char *)sdc_hmap_key(&r->map,
	    row->id, &n);

	p += 2 * sizeof(uint32_t);
	for (j = 0; j < ms->ngroups; j++)
		p += key_read(p, ms->groups[j].node->type, &v[j]);
}

/* ---- disclosure control ---- */

static int
dc_ehrql(struct sdc_measures *r, struct sdc_err *err)
{
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		struct mrow *w = &r->rows[i];
		const struct sdc_qmeasure *ms = &r->q->measures[w->m];

		if (w->num < 0)
			return measure_fail(ms, err, SDC_EDATA, "a negative "
			    "numerator cannot go through disclosure control");
		if (sdc_round_redact_nearest(w->num, DC_THRESHOLD, DC_BASE,
		    &w->num, err) != 0 ||
		    sdc_round_redact_nearest(w->den, DC_THRESHOLD, DC_BASE,
		    &w->den, err) != 0)
			return -1;
	}
	return 0;
}

/* A growing text buffer for the CSV handed to the table reader. */
struct tbuf {
	char *p;
	size_t n, cap;
};

static int
tb_put(struct tbuf *b, const char *s, size_t n, struct sdc_err *err)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->n + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return sdc_err_nomem(err);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	return 0;
}

/* A quoted CSV field, then sep. */
static int
tb_field(struct tbuf *b, const char *s, size_t n, char sep,
    struct sdc_err *err)
{
	size_t i, from = 0;

	if (tb_put(b, "\"", 1, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] == '"') {
			if (tb_put(b, s + from, i + 1 - from, err) != 0 ||
			    tb_put(b, "\"", 1, err) != 0)
				return -1;
			from = i + 1;
		}
	if (tb_put(b, s + from, n - from, err) != 0 ||
	    tb_put(b, "\"", 1, err) != 0)
		return -1;
	return tb_put(b, &sep, 1, err);
}

static int
tb_int(struct tbuf *b, int64_t x, char sep, struct sdc_err *err)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", (long long)x);

	return tb_field(b, num, (size_t)n, sep, err);
}

/*
 * One (measure, interval) table: leaves rows[0..n-1] (ngroups g).  The
 * margins are added, the table read with table.h and suppressed with
 * suppress.h per column; the leaves' hide flags are set.
 */
struct cell {
	const char **f;			/* g group fields */
	size_t *len;
};

static int
dc_sdc_table(struct sdc_measures *r, struct mrow *rows, size_t n,
    struct sdc_measures_stats *st, struct sdc_err *err)
{
	const struct sdc_qmeasure *ms = &r->q->measures[rows[0].m];
	size_t g = ms->ngroups, G = g ? g : 1, i, j, mask, nmask;
	struct sdc_qval *v = NULL;
	char fbuf[SDC_QVAL_FMT_MAX + 1];
	struct tbuf tb = { NULL, 0, 0 }, kb = { NULL, 0, 0 };
	struct tbuf gf[SDC_MEASURES_SDC_GROUPS_MAX + 1];
	struct sdc_hmap mm;
	struct tbuf *mtext = NULL;	/* per margin row: its fields */
	int64_t (*msum)[2] = NULL;
	size_t nmarg = 0, capmarg = 0;
	struct sdc_input *in = NULL;
	struct sdc_csv_reader *rd = NULL;
	struct sdc_table t;
	unsigned char *status = NULL;
	size_t group[SDC_MEASURES_SDC_GROUPS_MAX + 1];
	char name[300], s0[11], s1[11];
	int ret = -1, col;

	sdc_hmap_init(&mm);
	sdc_table_init(&t);
	memset(gf, 0, sizeof(gf));
	if (g > SDC_MEASURES_SDC_GROUPS_MAX)
		return measure_fail(ms, err, SDC_ELIMIT, "more group columns "
		    "than sdc disclosure control takes (8)");
	if ((v = calloc(G, sizeof(*v))) == NULL) {
		sdc_err_nomem(err);
		goto out;
	}
	/* header */
	for (j = 0; j < G; j++) {
		char h[16];
		int hn = snprintf(h, sizeof(h), "g%zu", j);

		if (tb_field(&tb, h, (size_t)hn, ',', err) != 0)
			goto out;
	}
	if (tb_field(&tb, "num", 3, ',', err) != 0 ||
	    tb_field(&tb, "den", 3, '\n', err) != 0)
		goto out;
	nmask = (size_t)1 << g;
	/* leaves, and their sums into every margin */
	for (i = 0; i < n; i++) {
		const char *fp[SDC_MEASURES_SDC_GROUPS_MAX + 1];
		size_t fl[SDC_MEASURES_SDC_GROUPS_MAX + 1];

		groups_of(r, &rows[i], v);
		for (j = 0; j < g; j++) {
			enum sdc_schema_type ty = ms->groups[j].node->type;
			const char *p;
			size_t vl;

			/* "v" + the value, or "null": never the total */
			gf[j].n = 0;
			if (v[j].null) {
				if (tb_put(&gf[j], "null", 4, err) != 0)
					goto out;
			} else {
				vl = sdc_qval_format(ty, &v[j], fbuf, &p);
				if (tb_put(&gf[j], "v", 1, err) != 0 ||
				    tb_put(&gf[j], p, vl, err) != 0)
					goto out;
			}
			fp[j] = gf[j].p;
			fl[j] = gf[j].n;
		}
		if (g == 0) {
			fp[0] = "all";
			fl[0] = 3;
		}
		for (j = 0; j < G; j++)
			if (tb_field(&tb, fp[j], fl[j], ',', err) != 0)
				goto out;
		if (tb_int(&tb, rows[i].num, ',', err) != 0 ||
		    tb_int(&tb, rows[i].den, '\n', err) != 0)
			goto out;
		for (mask = 1; mask < nmask; mask++) {
			int64_t id;
			int added;

			kb.n = 0;
			for (j = 0; j < g; j++) {
				if (mask >> j & 1) {
					if (tb_put(&kb, "Total", 5, err) != 0)
						goto out;
				} else if (tb_put(&kb, fp[j], fl[j], err) != 0)
					goto out;
				if (tb_put(&kb, "", 1, err) != 0)
					goto out;
			}
			if ((id = sdc_hmap_put(&mm, kb.p, kb.n,
			    sdc_hash_bytes(kb.p, kb.n), &added)) < 0) {
				sdc_err_nomem(err);
				goto out;
			}
			if ((size_t)id >= capmarg) {
				size_t cap = capmarg ? capmarg * 2 : 64;
				int64_t (*ns)[2] = realloc(msum,
				    cap * sizeof(*ns));
				struct tbuf *nt;

				if (ns == NULL) {
					sdc_err_nomem(err);
					goto out;
				}
				msum = ns;
				if ((nt = realloc(mtext, cap *
				    sizeof(*nt))) == NULL) {
					sdc_err_nomem(err);
					goto out;
				}
				mtext = nt;
				capmarg = cap;
			}
			if (added) {
				msum[id][0] = msum[id][1] = 0;
				memset(&mtext[id], 0, sizeof(mtext[id]));
				nmarg++;
				for (j = 0; j < g; j++)
					if (tb_field(&mtext[id], mask >> j & 1 ?
					    "Total" : fp[j], mask >> j & 1 ? 5 :
					    fl[j], ',', err) != 0)
						goto out;
			}
			if (__builtin_add_overflow(msum[id][0], rows[i].num,
			    &msum[id][0]) || __builtin_add_overflow(
			    msum[id][1], rows[i].den, &msum[id][1])) {
				measure_fail(ms, err, SDC_ELIMIT, "a margin "
				    "overflows 64 bits");
				goto out;
			}
		}
	}
	for (i = 0; i < nmarg; i++)
		if (tb_put(&tb, mtext[i].p, mtext[i].n, err) != 0 ||
		    tb_int(&tb, msum[i][0], ',', err) != 0 ||
		    tb_int(&tb, msum[i][1], '\n', err) != 0)
			goto out;
	sdc_date_format(r->ivl[rows[0].k][0], s0);
	sdc_date_format(r->ivl[rows[0].k][1], s1);
	snprintf(name, sizeof(name), "measure %s, interval %s..%s", ms->name,
	    s0, s1);
	if ((in = sdc_input_mem(tb.p, tb.n, name, err)) == NULL ||
	    (rd = sdc_csv_reader_new(in, 0, err)) == NULL ||
	    sdc_table_read(&t, rd, err) != 0)
		goto out;
	for (j = 0; j < G; j++)
		group[j] = j;
	if (sdc_table_structure(&t, G, group, "Total", err) != 0)
		goto out;
	if ((status = calloc(t.nrow + 1, 1)) == NULL) {
		sdc_err_nomem(err);
		goto out;
	}
	for (col = 0; col < 2; col++) {
		struct sdc_suppress_opts o;
		struct sdc_suppress_stats ss;

		memset(&o, 0, sizeof(o));
		o.threshold = DC_THRESHOLD;
		o.count_col = o.value_col = (long)(G + (size_t)col);
		o.sum_col = o.top1_col = o.top2_col = -1;
		memset(status, 0, t.nrow + 1);
		if (sdc_suppress_run(&t, &o, status, &ss, err) != 0)
			goto out;
		for (i = 0; i < n; i++) {
			if (col == 0)
				rows[i].hide_num = status[i] != 0;
			else
				rows[i].hide_den = status[i] != 0;
		}
		if (st != NULL) {
			st->primary += ss.primary;
			st->secondary += ss.secondary;
		}
	}
	ret = 0;
out:
	if (mtext != NULL)
		for (i = 0; i < nmarg; i++)
			free(mtext[i].p);
	free(mtext);
	free(msum);
	sdc_hmap_release(&mm);
	sdc_table_release(&t);
	sdc_csv_reader_free(rd);
	sdc_input_free(in);
	free(status);
	free(tb.p);
	free(kb.p);
	free(v);
	for (j = 0; j < G; j++)
		free(gf[j].p);
	return ret;
}

static int
dc_sdc(struct sdc_measures *r, struct sdc_measures_stats *st,
    struct sdc_err *err)
{
	size_t i, j;

	for (i = 0; i < r->nrows; i = j) {
		for (j = i + 1; j < r->nrows && r->rows[j].m == r->rows[i].m &&
		    r->rows[j].k == r->rows[i].k; j++)
			;
		if (r->rows[i].num < 0)
			return measure_fail(&r->q->measures[r->rows[i].m], err,
			    SDC_EDATA, "a negative numerator cannot go "
			    "through disclosure control");
		if (dc_sdc_table(r, r->rows + i, j - i, st, err) != 0)
			return -1;
		if (st != NULL)
			st->tables++;
	}
	for (i = 0; i < r->nrows; i++) {
		struct mrow *w = &r->rows[i];

		if ((!w->hide_num && sdc_round_redact_nearest(w->num,
		    DC_THRESHOLD, DC_BASE, &w->num, err) != 0) ||
		    (!w->hide_den && sdc_round_redact_nearest(w->den,
		    DC_THRESHOLD, DC_BASE, &w->den, err) != 0))
			return -1;
	}
	return 0;
}

int
sdc_measures_disclose(struct sdc_measures *r, enum sdc_measures_dc how,
    struct sdc_measures_stats *stats, struct sdc_err *err)
{
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	if (r->disclosed)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "disclosure "
		    "control applied twice");
	r->disclosed = 1;
	switch (how) {
	case SDC_MEASURES_DC_OFF:
		return 0;
	case SDC_MEASURES_DC_EHRQL:
		return dc_ehrql(r, err);
	case SDC_MEASURES_DC_SDC:
		return dc_sdc(r, stats, err);
	}
	return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "unknown disclosure "
	    "control");
}

/* ---- output ---- */

int
sdc_measures_write_csv(const struct sdc_measures *r, size_t m,
    struct sdc_output *out, struct sdc_err *err)
{
	size_t ng = m == SDC_MEASURES_ALL ? r->ncols :
	    r->q->measures[m].ngroups;
	size_t nf = ng + 6, i, j, off = m == SDC_MEASURES_ALL ? 1 : 0;
	const char **f = calloc(nf, sizeof(*f));
	size_t *len = calloc(nf, sizeof(*len));
	struct sdc_qval *v = calloc(r->ncols + 1, sizeof(*v));
	char (*buf)[SDC_QVAL_FMT_MAX + 1] = calloc(nf, sizeof(*buf));
	static const char *const head[] = { "measure", "interval_start",
		"interval_end", "ratio", "numerator", "denominator" };
	int ret = -1;

	if (f == NULL || len == NULL || v == NULL || buf == NULL) {
		sdc_err_nomem(err);
		goto out;
	}
	/* off: 1 with the measure column, 0 without */
	for (j = 0; j < 5 + off; j++)
		f[j] = head[j + 1 - off];
	for (j = 0; j < ng; j++)
		f[5 + off + j] = m == SDC_MEASURES_ALL ? r->cols[j] :
		    r->q->measures[m].groups[j].name;
	if (sdc_csv_write_row(out, 5 + off + ng, f, NULL, err) != 0)
		goto out;
	for (i = 0; i < r->nrows; i++) {
		const struct mrow *w = &r->rows[i];
		const struct sdc_qmeasure *ms = &r->q->measures[w->m];
		struct sdc_qval d;
		size_t c = 0;

		if (m != SDC_MEASURES_ALL && w->m != m)
			continue;
		if (off) {
			f[c] = ms->name;
			len[c++] = strlen(ms->name);
		}
		memset(&d, 0, sizeof(d));
		d.u.d = r->ivl[w->k][0];
		len[c] = sdc_qval_format(SDC_TYPE_DATE, &d, buf[c], &f[c]);
		c++;
		d.u.d = r->ivl[w->k][1];
		len[c] = sdc_qval_format(SDC_TYPE_DATE, &d, buf[c], &f[c]);
		c++;
		if (w->hide_num || w->hide_den) {
			f[c] = SDC_ROUND_MARKER;
			len[c] = strlen(SDC_ROUND_MARKER);
		} else if (w->den == 0) {
			f[c] = "";
			len[c] = 0;
		} else {
			d.u.f = (double)w->num / (double)w->den;
			len[c] = sdc_qval_format(SDC_TYPE_FLOAT, &d, buf[c],
			    &f[c]);
		}
		c++;
		if (w->hide_num) {
			f[c] = SDC_ROUND_MARKER;
			len[c] = strlen(SDC_ROUND_MARKER);
		} else {
			d.u.i = w->num;
			len[c] = sdc_qval_format(SDC_TYPE_INT, &d, buf[c],
			    &f[c]);
		}
		c++;
		if (w->hide_den) {
			f[c] = SDC_ROUND_MARKER;
			len[c] = strlen(SDC_ROUND_MARKER);
		} else {
			d.u.i = w->den;
			len[c] = sdc_qval_format(SDC_TYPE_INT, &d, buf[c],
			    &f[c]);
		}
		c++;
		for (j = 0; j < ng; j++) {
			f[c + j] = "";
			len[c + j] = 0;
		}
		groups_of(r, w, v);
		for (j = 0; j < ms->ngroups; j++) {
			size_t at = c + (m == SDC_MEASURES_ALL ?
			    r->gpos[r->goff[w->m] + j] : j);

			if (v[j].null)
				continue;
			len[at] = sdc_qval_format(ms->groups[j].node->type,
			    &v[j], buf[at], &f[at]);
		}
		if (sdc_csv_write_row(out, c + ng, f, len, err) != 0)
			goto out;
	}
	ret = 0;
out:
	free(f);
	free(len);
	free(v);
	free(buf);
	return ret;
}

int
sdc_measures_write_dir(const struct sdc_measures *r, const char *dir,
    struct sdc_err *err)
{
	const struct sdc_query *q = r->q;
	struct sdc_output **outs;
	char path[4096];
	size_t i, j, n = q->nmeasures;

	if (*dir != '\0' && mkdir(dir, 0777) != 0 && errno != EEXIST)
		return sdc_err_set(err, SDC_EIO, dir, 0, 0, "%s",
		    strerror(errno));
	if ((outs = calloc(n + 1, sizeof(*outs))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.csv", dir,
		    q->measures[i].name) >= sizeof(path)) {
			sdc_err_set(err, SDC_ELIMIT, dir, 0, 0,
			    "path too long");
			goto fail;
		}
		if ((outs[i] = sdc_output_open(path, err)) == NULL ||
		    sdc_measures_write_csv(r, i, outs[i], err) != 0)
			goto fail;
	}
	for (i = 0; i < n; i++)
		if (sdc_output_commit(outs[i], err) != 0) {
			outs[i] = NULL;
			for (j = i + 1; j < n; j++)
				sdc_output_abort(outs[j]);
			free(outs);
			return -1;
		}
	free(outs);
	return 0;
fail:
	for (j = 0; j < n; j++)
		sdc_output_abort(outs[j]);
	free(outs);
	return -1;
}
