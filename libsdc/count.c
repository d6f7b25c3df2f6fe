/*
 * count.c - group-by counting with declared levels, zero cells, margins,
 * distinct units and magnitude evidence.
 *
 * Records are hashed on their group values (joined with NUL, which no
 * field can hold) into leaf cells.  At the end each group column's
 * values are ranked, every cell becomes a tuple of ranks (the total
 * label ranks last), zero cells and margins are added to a map keyed by
 * the tuple, and the map is written in tuple order.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "hash.h"
#include "num.h"
#include "sort.h"

#define WILD UINT32_MAX

struct agg {
	uint64_t n;
	double sum, comp;	/* Neumaier-compensated sum */
	double top1, top2;
};

struct contrib {		/* one row's contribution, with units */
	uint32_t unit, cell;
	double v;
};

struct column {
	long idx;		/* in the input */
	const char *name;
	int declared;
	size_t ndeclared;
	struct sdc_hmap vals;	/* value -> local id (declared ones first) */
	uint32_t *rank;		/* local id -> rank */
	uint32_t *byrank;	/* rank -> local id */
	uint32_t nlev;
};

struct counter {
	const struct sdc_count_opts *o;
	struct sdc_csv_reader *r;
	size_t k;
	struct column *col;
	long ucol, scol;
	const char *total;

	struct sdc_hmap cells;	/* joined group values -> leaf id */
	struct agg *leaf;
	size_t leafcap;
	char *key;
	size_t keycap;

	struct sdc_hmap units;
	struct contrib *con;
	size_t ncon, concap;

	struct sdc_hmap out;	/* big-endian rank tuple -> out id */
	struct agg *oagg;
	size_t oaggcap;
	uint32_t *ltuple;	/* per leaf id: k ranks */
	unsigned char *tbuf;	/* scratch tuple */
};

static void
agg_add(struct agg *a, double v)
{
	double t = a->sum + v;

	if (fabs(a->sum) >= fabs(v))
		a->comp += (a->sum - t) + v;
	else
		a->comp += (v - t) + a->sum;
	a->sum = t;
}

static void
agg_top(struct agg *a, double v)
{
	if (v > a->top1) {
		a->top2 = a->top1;
		a->top1 = v;
	} else if (v > a->top2) {
		a->top2 = v;
	}
}

/* Fold child into parent (margins without units). */
static void
agg_merge(struct agg *p, const struct agg *c)
{
	p->n += c->n;
	agg_add(p, c->sum);
	agg_add(p, c->comp);
	agg_top(p, c->top1);
	agg_top(p, c->top2);
}

static int
grow(void *pp, size_t *cap, size_t want, size_t size)
{
	void **p = pp;
	size_t n = *cap ? *cap : 64;
	void *q;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	if ((q = realloc(*p, n * size)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int
setup(struct counter *c, struct sdc_err *err)
{
	const struct sdc_count_opts *o = c->o;
	static const char *const outcols[] = { "n", "sum", "top1", "top2" };
	size_t i, j;

	c->k = o->ngroup;
	c->total = o->total_label ? o->total_label : "Total";
	if (c->k == 0)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "no group columns");
	if (o->margins && c->k > SDC_COUNT_MARGIN_GROUPS_MAX)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "margins over more than %d group columns",
		    SDC_COUNT_MARGIN_GROUPS_MAX);
	if (o->margins && c->total[0] == '\0')
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "the total label may not be empty (empty means missing)");
	c->col = calloc(c->k, sizeof(*c->col));
	c->tbuf = malloc(4 * c->k);
	if (c->col == NULL || c->tbuf == NULL)
		return sdc_err_nomem(err);
	for (j = 0; j < c->k; j++) {
		struct column *cl = &c->col[j];

		sdc_hmap_init(&cl->vals);
		cl->name = o->group[j];
		for (i = 0; i < j; i++)
			if (strcmp(o->group[i], cl->name) == 0)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "group column '%s' named twice", cl->name);
		for (i = 0; i < (o->sum ? 4u : 1u); i++)
			if (strcmp(cl->name, outcols[i]) == 0)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "group column '%s' would clash with the "
				    "output column of that name", cl->name);
		if ((cl->idx = sdc_csv_reader_require(c->r, cl->name, err)) < 0)
			return -1;
	}
	for (i = 0; i < o->nlevels; i++) {
		const struct sdc_count_levels *lv = &o->levels[i];
		struct column *cl = NULL;
		size_t v;

		for (j = 0; j < c->k; j++)
			if (strcmp(c->col[j].name, lv->column) == 0)
				cl = &c->col[j];
		if (cl == NULL)
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "levels given for '%s', which is not a group "
			    "column", lv->column);
		if (cl->declared)
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "levels for '%s' given twice", lv->column);
		cl->declared = 1;
		for (v = 0; v < lv->n; v++) {
			size_t n = strlen(lv->level[v]);
			int added;

			if (o->margins && strcmp(lv->level[v], c->total) == 0)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "level '%s' of '%s' is the total label",
				    lv->level[v], lv->column);
			if (sdc_hmap_put(&cl->vals, lv->level[v], n,
			    sdc_hash_bytes(lv->level[v], n), &added) < 0)
				return sdc_err_nomem(err);
			if (!added)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "level '%s' of '%s' given twice",
				    lv->level[v], lv->column);
		}
		cl->ndeclared = lv->n;
	}
	c->ucol = c->scol = -1;
	if (o->unit != NULL &&
	    (c->ucol = sdc_csv_reader_require(c->r, o->unit, err)) < 0)
		return -1;
	if (o->sum != NULL &&
	    (c->scol = sdc_csv_reader_require(c->r, o->sum, err)) < 0)
		return -1;
	return 0;
}

/* A leaf seen for the first time: check its values, make room. */
static int
new_leaf(struct counter *c, const struct sdc_csv_row *row, size_t id,
    struct sdc_err *err)
{
	size_t j;

	for (j = 0; j < c->k; j++) {
		const struct column *cl = &c->col[j];
		size_t i = (size_t)cl->idx;
		const char *v = row->field[i];

		if (cl->declared && row->len[i] > 0 &&
		    sdc_hmap_get(&cl->vals, v, row->len[i],
		    sdc_hash_bytes(v, row->len[i])) < 0)
			return sdc_csv_reader_field_error(c->r, i, err,
			    SDC_EDATA, "'%s' in column '%s' is not one of "
			    "its declared levels", v, cl->name);
		if (c->o->margins && strcmp(v, c->total) == 0)
			return sdc_csv_reader_field_error(c->r, i, err,
			    SDC_EDATA, "'%s' in column '%s' is the total "
			    "label; choose another with --total-label", v,
			    cl->name);
	}
	if (grow(&c->leaf, &c->leafcap, id + 1, sizeof(*c->leaf)) != 0)
		return sdc_err_nomem(err);
	memset(&c->leaf[id], 0, sizeof(c->leaf[id]));
	return 0;
}

static int
value(struct counter *c, const struct sdc_csv_row *row, double *v,
    struct sdc_err *err)
{
	size_t i = (size_t)c->scol;

	if (sdc_num_parse_double(row->field[i], row->len[i], v, NULL) != 0)
		return sdc_csv_reader_field_error(c->r, i, err, SDC_EDATA,
		    "'%s' in column '%s' is not a number", row->field[i],
		    c->o->sum);
	if (*v < 0)
		return sdc_csv_reader_field_error(c->r, i, err, SDC_EDATA,
		    "negative value %s in column '%s' (magnitude tables "
		    "need non-negative contributions)", row->field[i],
		    c->o->sum);
	return 0;
}

/* Does leaf id hold exactly this row's group values? */
static int
leaf_matches(const struct counter *c, const struct sdc_csv_row *row,
    uint32_t id)
{
	size_t klen, off = 0, j;
	const char *key = sdc_hmap_key(&c->cells, id, &klen);

	for (j = 0; j < c->k; j++) {
		size_t i = (size_t)c->col[j].idx, n = row->len[i];

		if (off + n >= klen || key[off + n] != '\0' ||
		    !sdc_hash_same(key + off, row->field[i], n))
			return 0;
		off += n + 1;
	}
	return off == klen;
}

static int
add_row(void *ctx, const struct sdc_csv_row *row, struct sdc_err *err)
{
	struct counter *c = ctx;
	size_t j, state = SDC_HMAP_START;
	uint64_t h = SDC_HASH_SEED;
	int64_t id;
	double v = 0;

	/* hash the values where they lie; copy them only for a new leaf */
	for (j = 0; j < c->k; j++) {
		size_t i = (size_t)c->col[j].idx;

		h = sdc_hash_step(h, row->field[i], row->len[i]);
	}
	h = sdc_hash_final(h);
	while ((id = sdc_hmap_probe(&c->cells, h, &state)) >= 0 &&
	    !leaf_matches(c, row, (uint32_t)id))
		;
	if (id < 0) {
		size_t klen = 0;
		int added;

		for (j = 0; j < c->k; j++) {
			size_t i = (size_t)c->col[j].idx, n = row->len[i];

			if (klen + n + 1 > c->keycap &&
			    grow(&c->key, &c->keycap, klen + n + 1, 1) != 0)
				return sdc_err_nomem(err);
			memcpy(c->key + klen, row->field[i], n);
			klen += n;
			c->key[klen++] = '\0';
		}
		if ((id = sdc_hmap_put(&c->cells, c->key, klen, h, &added)) < 0)
			return sdc_err_nomem(err);
		if (new_leaf(c, row, (size_t)id, err) != 0)
			return -1;
	}
	if (c->scol >= 0 && value(c, row, &v, err) != 0)
		return -1;
	if (c->ucol >= 0) {
		size_t i = (size_t)c->ucol;
		int64_t u;
		int added;

		if (row->len[i] == 0)
			return sdc_csv_reader_field_error(c->r, i, err,
			    SDC_EDATA, "empty value in unit column '%s'",
			    c->o->unit);
		u = sdc_hmap_put(&c->units, row->field[i], row->len[i],
		    sdc_hash_bytes(row->field[i], row->len[i]), &added);
		if (u < 0 || grow(&c->con, &c->concap, c->ncon + 1,
		    sizeof(*c->con)) != 0)
			return sdc_err_nomem(err);
		c->con[c->ncon].unit = (uint32_t)u;
		c->con[c->ncon].cell = (uint32_t)id;
		c->con[c->ncon].v = v;
		c->ncon++;
		return 0;
	}
	c->leaf[id].n++;
	if (c->scol >= 0) {
		agg_add(&c->leaf[id], v);
		agg_top(&c->leaf[id], v);
	}
	return 0;
}

/*
 * Natural order of values: empty, then decimal integers by value, then
 * everything else by bytes.  Ties (e.g. "7" and "007") fall to bytes.
 */
static int
value_class(const char *s, size_t n)
{
	return n == 0 ? 0 : sdc_num_is_integer(s, n) ? 1 : 2;
}

static int
bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int d = memcmp(a, b, an < bn ? an : bn);

	return d ? d : (an > bn) - (an < bn);
}

static int
int_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int na = a[0] == '-', nb = b[0] == '-', d;

	if (na != nb)
		return na ? -1 : 1;
	a += na, an -= (size_t)na, b += nb, bn -= (size_t)nb;
	while (an > 1 && a[0] == '0')
		a++, an--;
	while (bn > 1 && b[0] == '0')
		b++, bn--;
	d = an != bn ? (an > bn) - (an < bn) : memcmp(a, b, an);
	return na ? -d : d;
}

struct rank_ctx {
	const struct column *cl;
};

static int
cmp_local(const void *pa, const void *pb, void *ctx)
{
	const struct column *cl = ((struct rank_ctx *)ctx)->cl;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	size_t an, bn;
	const char *a = sdc_hmap_key(&cl->vals, ia, &an);
	const char *b = sdc_hmap_key(&cl->vals, ib, &bn);
	int ca, cb, d;

	if (cl->declared) {	/* declared order; undeclared missing first */
		int ma = ia >= cl->ndeclared, mb = ib >= cl->ndeclared;

		if (ma != mb)
			return ma ? -1 : 1;
		return (ia > ib) - (ia < ib);
	}
	ca = value_class(a, an);
	cb = value_class(b, bn);
	if (ca != cb)
		return ca - cb;
	if (ca == 1 && (d = int_cmp(a, an, b, bn)) != 0)
		return d;
	return bytes_cmp(a, an, b, bn);
}

/* Rank every group column's values; make each leaf a tuple of ranks. */
static int
rank_levels(struct counter *c, struct sdc_err *err)
{
	size_t nleaf = c->cells.n, j, id;
	uint32_t l;

	if (nleaf > 0 && (c->ltuple = malloc(nleaf * c->k *
	    sizeof(*c->ltuple))) == NULL)
		return sdc_err_nomem(err);
	/* local ids first, stored in ltuple, converted to ranks below */
	for (id = 0; id < nleaf; id++) {
		size_t n;
		const char *key = sdc_hmap_key(&c->cells, (uint32_t)id, &n);

		for (j = 0; j < c->k; j++) {
			size_t len = strlen(key);
			int added;
			int64_t lid = sdc_hmap_put(&c->col[j].vals, key, len,
			    sdc_hash_bytes(key, len), &added);

			if (lid < 0)
				return sdc_err_nomem(err);
			c->ltuple[id * c->k + j] = (uint32_t)lid;
			key += len + 1;
		}
	}
	for (j = 0; j < c->k; j++) {
		struct column *cl = &c->col[j];
		struct rank_ctx ctx = { cl };

		cl->nlev = (uint32_t)cl->vals.n;
		cl->rank = malloc((cl->nlev + 1) * sizeof(*cl->rank));
		cl->byrank = malloc((cl->nlev + 1) * sizeof(*cl->byrank));
		if (cl->rank == NULL || cl->byrank == NULL)
			return sdc_err_nomem(err);
		for (l = 0; l < cl->nlev; l++)
			cl->byrank[l] = l;
		if (sdc_sort(cl->byrank, cl->nlev, sizeof(*cl->byrank),
		    cmp_local, &ctx) != 0)
			return sdc_err_nomem(err);
		for (l = 0; l < cl->nlev; l++)
			cl->rank[cl->byrank[l]] = l;
	}
	for (id = 0; id < nleaf; id++)
		for (j = 0; j < c->k; j++)
			c->ltuple[id * c->k + j] =
			    c->col[j].rank[c->ltuple[id * c->k + j]];
	return 0;
}

static void
encode(const struct counter *c, const uint32_t *t, unsigned char *buf)
{
	size_t j;

	for (j = 0; j < c->k; j++) {
		buf[4 * j] = (unsigned char)(t[j] >> 24);
		buf[4 * j + 1] = (unsigned char)(t[j] >> 16);
		buf[4 * j + 2] = (unsigned char)(t[j] >> 8);
		buf[4 * j + 3] = (unsigned char)t[j];
	}
}

static uint32_t
decode1(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Out id of tuple t, adding a zero cell if new; -1 when out of memory. */
static int64_t
out_put(struct counter *c, const uint32_t *t)
{
	size_t n = 4 * c->k;
	int added;
	int64_t id;

	encode(c, t, c->tbuf);
	id = sdc_hmap_put(&c->out, c->tbuf, n, sdc_hash_bytes(c->tbuf, n),
	    &added);
	if (id < 0)
		return -1;
	if (added) {
		if (grow(&c->oagg, &c->oaggcap, (size_t)id + 1,
		    sizeof(*c->oagg)) != 0)
			return -1;
		memset(&c->oagg[id], 0, sizeof(c->oagg[id]));
	}
	return id;
}

static int64_t
out_get(struct counter *c, const uint32_t *t)
{
	size_t n = 4 * c->k;

	encode(c, t, c->tbuf);
	return sdc_hmap_get(&c->out, c->tbuf, n, sdc_hash_bytes(c->tbuf, n));
}

/* Expand a tuple with WILD entries over those columns' levels. */
static int
expand(struct counter *c, const uint32_t *pattern, uint32_t *t,
    struct sdc_err *err)
{
	size_t j;

	memcpy(t, pattern, c->k * sizeof(*t));
	for (j = 0; j < c->k; j++)
		if (pattern[j] == WILD) {
			if (c->col[j].nlev == 0)
				return 0;
			t[j] = 0;
		}
	for (;;) {
		if (out_put(c, t) < 0)
			return sdc_err_nomem(err);
		if (c->out.n > SDC_COUNT_CELLS_MAX)
			return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
			    "more than %lu cells", SDC_COUNT_CELLS_MAX);
		for (j = c->k; j-- > 0;) {
			if (pattern[j] != WILD)
				continue;
			if (++t[j] < c->col[j].nlev)
				break;
			t[j] = 0;
		}
		if (j == (size_t)-1)
			return 0;
	}
}

/* Observed leaves, then the zero cells that levels or complete ask for. */
static int
add_leaves(struct counter *c, struct sdc_err *err)
{
	size_t nleaf = c->cells.n, id, j;
	int any = c->o->complete;
	uint32_t *pat, *t;
	struct sdc_hmap seen;
	int rc = 0;

	for (id = 0; id < nleaf; id++) {
		int64_t o = out_put(c, &c->ltuple[id * c->k]);

		if (o < 0)
			return sdc_err_nomem(err);
		if (c->ucol < 0)
			c->oagg[o] = c->leaf[id];
	}
	for (j = 0; j < c->k; j++)
		any |= c->col[j].declared;
	if (!any)
		return 0;
	pat = malloc(2 * c->k * sizeof(*pat));
	if (pat == NULL)
		return sdc_err_nomem(err);
	t = pat + c->k;
	sdc_hmap_init(&seen);
	if (c->o->complete) {
		for (j = 0; j < c->k; j++)
			pat[j] = WILD;
		rc = expand(c, pat, t, err);
	} else if (nleaf == 0) {
		/* nothing observed: the declared columns alone, if all are */
		for (j = 0; j < c->k && c->col[j].declared; j++)
			pat[j] = WILD;
		if (j == c->k)
			rc = expand(c, pat, t, err);
	}
	for (id = 0; id < nleaf && !c->o->complete && rc == 0; id++) {
		int added;

		for (j = 0; j < c->k; j++)
			pat[j] = c->col[j].declared ? WILD :
			    c->ltuple[id * c->k + j];
		if (sdc_hmap_put(&seen, pat, c->k * sizeof(*pat),
		    sdc_hash_bytes(pat, c->k * sizeof(*pat)), &added) < 0)
			rc = sdc_err_nomem(err);
		else if (added)
			rc = expand(c, pat, t, err);
	}
	sdc_hmap_release(&seen);
	free(pat);
	return rc;
}

static void
project(const struct counter *c, const unsigned char *leaf, unsigned mask,
    uint32_t *t)
{
	size_t j;

	for (j = 0; j < c->k; j++)
		t[j] = mask & (1u << j) ? c->col[j].nlev : decode1(leaf + 4 * j);
}

/* Margins for every non-empty subset of the group columns. */
static int
add_margins(struct counter *c, struct sdc_err *err)
{
	size_t nleaf = c->out.n, id;
	unsigned mask, nmask = 1u << c->k;
	uint32_t *t = malloc(c->k * sizeof(*t));

	if (t == NULL)
		return sdc_err_nomem(err);
	if (nleaf == 0) {	/* the grand total exists even over nothing */
		project(c, NULL, nmask - 1, t);
		if (out_put(c, t) < 0) {
			free(t);
			return sdc_err_nomem(err);
		}
	}
	for (mask = 1; mask < nmask; mask++) {
		for (id = 0; id < nleaf; id++) {
			size_t n;
			int64_t o;

			project(c, (const unsigned char *)sdc_hmap_key(&c->out,
			    (uint32_t)id, &n), mask, t);
			if ((o = out_put(c, t)) < 0) {
				free(t);
				return sdc_err_nomem(err);
			}
			if (c->ucol < 0)
				agg_merge(&c->oagg[o], &c->oagg[id]);
		}
	}
	free(t);
	return 0;
}

static int
cmp_con(const void *pa, const void *pb, void *ctx)
{
	const struct contrib *a = pa, *b = pb;

	(void)ctx;
	if (a->unit != b->unit)
		return a->unit < b->unit ? -1 : 1;
	return (a->cell > b->cell) - (a->cell < b->cell);
}

struct pend {
	int64_t out;
	double v;
};

/*
 * With units: each unit contributes once to every cell it falls in,
 * leaves and margins alike, its values summed within the cell.
 */
static int
add_units(struct counter *c, struct sdc_err *err)
{
	unsigned mask, nmask = c->o->margins ? 1u << c->k : 1u;
	struct pend *p = NULL;
	size_t pcap = 0, lo, hi, i, np;
	uint32_t *t = malloc(c->k * sizeof(*t));
	int rc = -1;

	if (t == NULL)
		return sdc_err_nomem(err);
	if (sdc_sort(c->con, c->ncon, sizeof(*c->con), cmp_con, NULL) != 0)
		goto nomem;
	for (lo = 0; lo < c->ncon; lo = hi) {
		for (hi = lo; hi < c->ncon && c->con[hi].unit == c->con[lo].unit;
		    hi++)
			;
		for (mask = 0; mask < nmask; mask++) {
			np = 0;
			for (i = lo; i < hi; i++) {
				unsigned char enc[4 * SDC_COUNT_MARGIN_GROUPS_MAX];
				const uint32_t *lt =
				    &c->ltuple[c->con[i].cell * c->k];
				int64_t o;
				size_t q;

				if (c->k > SDC_COUNT_MARGIN_GROUPS_MAX) {
					o = out_get(c, lt);
				} else {
					encode(c, lt, enc);
					project(c, enc, mask, t);
					o = out_get(c, t);
				}
				for (q = 0; q < np && p[q].out != o; q++)
					;
				if (q == np) {
					if (grow(&p, &pcap, np + 1,
					    sizeof(*p)) != 0)
						goto nomem;
					p[np].out = o;
					p[np++].v = 0;
				}
				p[q].v += c->con[i].v;
			}
			for (i = 0; i < np; i++) {
				struct agg *a = &c->oagg[p[i].out];

				a->n++;
				if (c->scol >= 0) {
					agg_add(a, p[i].v);
					agg_top(a, p[i].v);
				}
			}
		}
	}
	rc = 0;
	goto done;
nomem:
	sdc_err_nomem(err);
done:
	free(p);
	free(t);
	return rc;
}

struct order_ctx {
	const struct counter *c;
};

static int
cmp_out(const void *pa, const void *pb, void *ctx)
{
	const struct counter *c = ((struct order_ctx *)ctx)->c;
	size_t n;
	const char *a = sdc_hmap_key(&c->out, *(const uint32_t *)pa, &n);
	const char *b = sdc_hmap_key(&c->out, *(const uint32_t *)pb, &n);

	return memcmp(a, b, n);
}

static int
write_table(struct counter *c, struct sdc_output *out, struct sdc_err *err)
{
	size_t nf = c->k + (c->scol >= 0 ? 4 : 1), j, i;
	const char **f = malloc(nf * sizeof(*f));
	size_t *len = malloc(nf * sizeof(*len));
	uint32_t *order = malloc((c->out.n + 1) * sizeof(*order));
	char num[4][SDC_NUM_DOUBLE_MAX];
	struct order_ctx ctx = { c };
	int rc = -1;

	if (f == NULL || len == NULL || order == NULL) {
		sdc_err_nomem(err);
		goto done;
	}
	for (i = 0; i < c->out.n && c->scol >= 0; i++)
		if (!isfinite(c->oagg[i].sum + c->oagg[i].comp)) {
			/* past the largest double: inf, or nan */
			sdc_err_set(err, SDC_EDATA,
			    sdc_csv_reader_name(c->r), 0, 0, "the sum of "
			    "column '%s' is too large for a double",
			    c->o->sum);
			goto done;
		}
	for (j = 0; j < c->k; j++)
		f[j] = c->col[j].name;
	f[c->k] = "n";
	if (c->scol >= 0) {
		f[c->k + 1] = "sum";
		f[c->k + 2] = "top1";
		f[c->k + 3] = "top2";
	}
	if (sdc_csv_write_row(out, nf, f, NULL, err) != 0)
		goto done;
	for (i = 0; i < c->out.n; i++)
		order[i] = (uint32_t)i;
	if (sdc_sort(order, c->out.n, sizeof(*order), cmp_out, &ctx) != 0) {
		sdc_err_nomem(err);
		goto done;
	}
	for (i = 0; i < c->out.n; i++) {
		size_t n;
		const unsigned char *key = (const unsigned char *)
		    sdc_hmap_key(&c->out, order[i], &n);
		const struct agg *a = &c->oagg[order[i]];

		for (j = 0; j < c->k; j++) {
			const struct column *cl = &c->col[j];
			uint32_t rank = decode1(key + 4 * j);

			if (rank == cl->nlev) {
				f[j] = c->total;
				len[j] = strlen(c->total);
			} else {
				f[j] = sdc_hmap_key(&cl->vals,
				    cl->byrank[rank], &len[j]);
			}
		}
		f[c->k] = num[0];
		len[c->k] = sdc_num_format_u64(a->n, num[0]);
		if (c->scol >= 0) {
			f[c->k + 1] = num[1];
			len[c->k + 1] = sdc_num_format_double(a->sum + a->comp,
			    num[1]);
			f[c->k + 2] = num[2];
			len[c->k + 2] = sdc_num_format_double(a->top1, num[2]);
			f[c->k + 3] = num[3];
			len[c->k + 3] = sdc_num_format_double(a->top2, num[3]);
		}
		if (sdc_csv_write_row(out, nf, f, len, err) != 0)
			goto done;
	}
	rc = 0;
done:
	free(f);
	free(len);
	free(order);
	return rc;
}

static void
counter_release(struct counter *c)
{
	size_t j;

	for (j = 0; c->col != NULL && j < c->k; j++) {
		sdc_hmap_release(&c->col[j].vals);
		free(c->col[j].rank);
		free(c->col[j].byrank);
	}
	free(c->col);
	sdc_hmap_release(&c->cells);
	sdc_hmap_release(&c->units);
	sdc_hmap_release(&c->out);
	free(c->leaf);
	free(c->key);
	free(c->con);
	free(c->oagg);
	free(c->ltuple);
	free(c->tbuf);
}

int
sdc_count_run(const struct sdc_count_opts *opts, struct sdc_csv_reader *r,
    struct sdc_output *out, struct sdc_err *err)
{
	struct counter c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.o = opts;
	c.r = r;
	sdc_hmap_init(&c.cells);
	sdc_hmap_init(&c.units);
	sdc_hmap_init(&c.out);
	if ((rc = setup(&c, err)) != 0)
		goto done;
	if ((rc = sdc_csv_reader_each(r, add_row, &c, err)) != 0)
		goto done;
	rc = -1;
	if (rank_levels(&c, err) != 0 || add_leaves(&c, err) != 0)
		goto done;
	if (opts->margins && add_margins(&c, err) != 0)
		goto done;
	if (c.ucol >= 0 && add_units(&c, err) != 0)
		goto done;
	rc = write_table(&c, out, err);
done:
	counter_release(&c);
	return rc;
}
