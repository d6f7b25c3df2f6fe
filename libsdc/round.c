/*
 * round.c - rounding schemes on whole counts, and rounding the count
 * columns of a table with its totals recomputed from the rounded cells.
 *
 * A table is rounded in three passes.  First every cell of a rounded
 * column is parsed (a count or a marker) and, when totals are
 * recomputed, every total cell that covers a redacted leaf is marked to
 * be rounded on its own.  Then the cells to round are rounded in row
 * order.  Last the other totals get the sums of their rounded leaves.
 * The leaves a total covers are found per pattern of totalled columns
 * (mask): leaves are hashed on their values in the columns the mask
 * leaves free, and each total with that mask looks up its own values.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"
#include "num.h"
#include "round.h"

static const char *const evidence[] = { "top1", "top2" };
static const char *const markers[] = { SDC_ROUND_MARKER, "redacted", "na",
    "n/a", "<=7" };

static int
overflow(int64_t x, int64_t base, struct sdc_err *err)
{
	return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0, "rounding %lld to "
	    "base %lld would exceed the largest count, %lld", (long long)x,
	    (long long)base, (long long)INT64_MAX);
}

static int
check(int64_t x, int64_t base, struct sdc_err *err)
{
	if (base < 1)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "rounding base %lld is not positive", (long long)base);
	if (x < 0)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "cannot round %lld: counts are not negative", (long long)x);
	return 0;
}

/* The multiple of base above x - x % base, or -1 past INT64_MAX. */
static int64_t
up(int64_t x, int64_t base)
{
	int64_t down = x - x % base;

	return down > INT64_MAX - base ? -1 : down + base;
}

int
sdc_round_nearest(int64_t x, int64_t base, int64_t *out,
    struct sdc_err *err)
{
	int64_t r;

	if (check(x, base, err) != 0)
		return -1;
	r = x % base;
	if (r < base - base / 2) {	/* r < b/2 exactly: below the tie */
		*out = x - r;
		return 0;
	}
	if (up(x, base) < 0)
		return overflow(x, base, err);
	*out = up(x, base);
	return 0;
}

int
sdc_round_redact_nearest(int64_t x, int64_t threshold, int64_t base,
    int64_t *out, struct sdc_err *err)
{
	int64_t r;

	if (check(x, base, err) != 0)
		return -1;
	if (x <= threshold) {
		*out = 0;
		return 0;
	}
	r = x % base;
	/* Python's round: a tie goes to the even multiple of base */
	if (base % 2 == 0 && r == base / 2 && (x / base) % 2 == 0) {
		*out = x - r;
		return 0;
	}
	return sdc_round_nearest(x, base, out, err);
}

int
sdc_round_midpoint(int64_t x, int64_t base, int64_t *out,
    struct sdc_err *err)
{
	int64_t low, half = base - base / 2;	/* ceil(b/2) */

	if (check(x, base, err) != 0)
		return -1;
	if (x == 0) {
		*out = 0;
		return 0;
	}
	/* ceil(x/b)*b - floor(b/2) = (ceil(x/b) - 1)*b + ceil(b/2) */
	low = (x - 1) - (x - 1) % base;
	if (low > INT64_MAX - half)
		return overflow(x, base, err);
	*out = low + half;
	return 0;
}

int
sdc_round_random(int64_t x, int64_t base, struct sdc_rng *rng,
    int64_t *out, struct sdc_err *err)
{
	int64_t r;

	if (check(x, base, err) != 0)
		return -1;
	if ((r = x % base) == 0) {
		*out = x;
		return 0;
	}
	if (sdc_rng_uniform(rng) * (double)base < (double)r) {
		if (up(x, base) < 0)
			return overflow(x, base, err);
		*out = up(x, base);
	} else {
		*out = x - r;
	}
	return 0;
}

int
sdc_round_is_marker(const char *s, const char *marker)
{
	size_t i;

	if (marker != NULL && strcasecmp(s, marker) == 0)
		return 1;
	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (strcasecmp(s, markers[i]) == 0)
			return 1;
	return 0;
}

/* --- the table ---------------------------------------------------------- */

enum { CELL_NUM, CELL_MARK, CELL_ALONE };	/* ALONE: total rounded alone */

/* The options resolved against a table's header. */
struct plan {
	size_t nrc, *rc;	/* rounded columns, in header order */
	size_t ng, *g;		/* group columns */
	long *rnum, *rden, *rcol;	/* per ratio: columns (rcol -1: new) */
	unsigned char *drop;	/* per column */
	const char *marker, *total;
};

struct rounder {
	struct sdc_table *t;
	const struct sdc_round_opts *o;
	struct plan p;
	int64_t *v;		/* nrow * nrc */
	unsigned char *st;	/* nrow * nrc, CELL_* */
	struct sdc_rng *rng;
	char *key;
	size_t keycap;
};

static void
plan_release(struct plan *p)
{
	free(p->rc);
	free(p->g);
	free(p->rnum);
	free(p->rden);
	free(p->rcol);
	free(p->drop);
}

static int
is_evidence(const char *name)
{
	return strcmp(name, evidence[0]) == 0 || strcmp(name, evidence[1]) == 0;
}

static int
is_rounded(const struct plan *p, size_t c)
{
	size_t k;

	for (k = 0; k < p->nrc; k++)
		if (p->rc[k] == c)
			return 1;
	return 0;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int
plan_columns(const struct sdc_table *t, const struct sdc_round_opts *o,
    struct plan *p, struct sdc_err *err)
{
	static const char *const dflt[] = { "n" };
	const char *const *names = o->ncolumn ? o->column : dflt;
	size_t n = o->ncolumn ? o->ncolumn : 1, i, j;
	long c;

	if ((p->rc = calloc(n, sizeof(*p->rc))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < n; i++) {
		if (is_evidence(names[i]))
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "column '%s' is dominance evidence, never "
			    "released, so not rounded", names[i]);
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "column '%s' named twice", names[i]);
		if ((c = sdc_table_require(t, names[i], err)) < 0)
			return -1;
		p->rc[i] = (size_t)c;
	}
	p->nrc = n;
	qsort(p->rc, n, sizeof(*p->rc), cmp_size);
	n = o->group ? o->ngroup : p->rc[0];
	if (n > 0 && (p->g = calloc(n, sizeof(*p->g))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < n; i++) {
		if (o->group == NULL) {
			p->g[i] = i;
		} else {
			for (j = 0; j < i; j++)
				if (strcmp(o->group[i], o->group[j]) == 0)
					return sdc_err_set(err, SDC_EUSAGE,
					    NULL, 0, 0, "group column '%s' "
					    "named twice", o->group[i]);
			if ((c = sdc_table_require(t, o->group[i], err)) < 0)
				return -1;
			p->g[i] = (size_t)c;
		}
		if (is_rounded(p, p->g[i]))
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "column '%s' cannot be both a group and rounded",
			    t->name[p->g[i]]);
		if (is_evidence(t->name[p->g[i]]))
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "column '%s' is dropped from the output, so it "
			    "cannot be a group column", t->name[p->g[i]]);
	}
	p->ng = n;
	return 0;
}

/* Index of a rounded column called name, or -1 with err set. */
static long
ratio_side(const struct sdc_table *t, const struct plan *p,
    const struct sdc_round_ratio *q, const char *name, struct sdc_err *err)
{
	long c = sdc_table_column(t, name);

	if (c < 0 || !is_rounded(p, (size_t)c)) {
		sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "ratio '%s': '%s' is "
		    "not a rounded column", q->name, name);
		return -1;
	}
	return c;
}

static int
plan_ratios(const struct sdc_table *t, const struct sdc_round_opts *o,
    struct plan *p, struct sdc_err *err)
{
	size_t i, j, n = o->nratio;

	p->rnum = calloc(n + 1, sizeof(*p->rnum));
	p->rden = calloc(n + 1, sizeof(*p->rden));
	p->rcol = calloc(n + 1, sizeof(*p->rcol));
	if (p->rnum == NULL || p->rden == NULL || p->rcol == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < n; i++) {
		const struct sdc_round_ratio *q = &o->ratio[i];
		long c;

		if (q->name[0] == '\0' || is_evidence(q->name))
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "'%s' cannot name a ratio column", q->name);
		for (j = 0; j < i; j++)
			if (strcmp(q->name, o->ratio[j].name) == 0)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "ratio column '%s' given twice", q->name);
		if ((p->rnum[i] = ratio_side(t, p, q, q->num, err)) < 0 ||
		    (p->rden[i] = ratio_side(t, p, q, q->den, err)) < 0)
			return -1;
		p->rcol[i] = c = sdc_table_column(t, q->name);
		for (j = 0; c >= 0 && j < p->ng; j++)
			if (p->g[j] == (size_t)c)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "ratio '%s' would replace a group column",
				    q->name);
		if (c >= 0 && is_rounded(p, (size_t)c))
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "ratio '%s' would replace a rounded column",
			    q->name);
	}
	return 0;
}

static int
plan_make(const struct sdc_table *t, const struct sdc_round_opts *o,
    struct plan *p, struct sdc_err *err)
{
	size_t c;

	memset(p, 0, sizeof(*p));
	p->marker = o->marker ? o->marker : SDC_ROUND_MARKER;
	p->total = o->total_label ? o->total_label : SDC_ROUND_TOTAL;
	if (p->total[0] == '\0')
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "the total label may not be empty (empty means missing)");
	if (p->marker[0] == '\0' || sdc_num_is_integer(p->marker,
	    strlen(p->marker)))
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "marker '%s' "
		    "could be taken for a count", p->marker);
	if (o->base < 1)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "rounding base %lld is not positive", (long long)o->base);
	if (plan_columns(t, o, p, err) != 0 || plan_ratios(t, o, p, err) != 0)
		return -1;
	if ((p->drop = calloc(t->ncol + 1, 1)) == NULL)
		return sdc_err_nomem(err);
	for (c = 0; c < t->ncol; c++)
		p->drop[c] = (unsigned char)is_evidence(t->name[c]);
	return 0;
}

/* Parse every rounded cell into z->v and z->st. */
static int
parse_cells(struct rounder *z, struct sdc_err *err)
{
	const struct sdc_table *t = z->t;
	size_t r, k;

	for (r = 0; r < t->nrow; r++) {
		for (k = 0; k < z->p.nrc; k++) {
			size_t c = z->p.rc[k], i = r * z->p.nrc + k;
			const char *s = sdc_table_get(t, r, c);
			uint64_t u;

			if (sdc_round_is_marker(s, z->p.marker)) {
				z->st[i] = CELL_MARK;
				continue;
			}
			if (s[0] == '\0')
				return sdc_table_cell_error(t, r, c, err,
				    SDC_EDATA, "empty value: a count or a "
				    "redaction marker is required");
			if (sdc_num_parse_u64(s, strlen(s), INT64_MAX, &u)
			    == 0) {
				z->v[i] = (int64_t)u;
				z->st[i] = CELL_NUM;
				continue;
			}
			if (sdc_num_is_integer(s, strlen(s)) && s[0] != '-')
				return sdc_table_cell_error(t, r, c, err,
				    SDC_ELIMIT, "count %s is beyond %lld", s,
				    (long long)INT64_MAX);
			return sdc_table_cell_error(t, r, c, err, SDC_EDATA,
			    "'%s' is neither a count (a whole number, 0 or "
			    "more) nor a redaction marker", s);
		}
	}
	return 0;
}

/* Key of row r's values in the group columns that mask leaves free. */
static int
proj_key(struct rounder *z, size_t r, unsigned mask, size_t *len)
{
	size_t j, n = 0;

	if (z->key == NULL) {	/* even an empty key needs a pointer */
		if ((z->key = malloc(64)) == NULL)
			return -1;
		z->keycap = 64;
	}
	for (j = 0; j < z->p.ng; j++) {
		const char *v;
		size_t l;

		if (mask & (1u << j))
			continue;
		v = sdc_table_get(z->t, r, z->p.g[j]);
		l = strlen(v) + 1;
		if (n + l > z->keycap) {
			size_t nc = (n + l) * 2;
			char *b = realloc(z->key, nc);

			if (b == NULL)
				return -1;
			z->key = b;
			z->keycap = nc;
		}
		memcpy(z->key + n, v, l);
		n += l;
	}
	*len = n;
	return 0;
}

/*
 * The totals with this mask against the leaves they cover.  Before
 * rounding (sum 0): mark the total cells that cover a redacted leaf to
 * be rounded alone.  After (sum 1): give the others the sum of their
 * rounded leaves.
 */
static int
cover(struct rounder *z, unsigned mask, int sum, struct sdc_err *err)
{
	const struct sdc_table *t = z->t;
	size_t nrc = z->p.nrc, r, k, n, cap = 0;
	struct sdc_hmap m;
	int64_t *acc = NULL, id;
	unsigned char *flag = NULL;	/* redacted leaf, or sum overflow */
	int added, rc = -1;

	sdc_hmap_init(&m);
	for (r = 0; r < t->nrow; r++) {
		if (t->mask[r] != 0)
			continue;
		if (proj_key(z, r, mask, &n) != 0 || (id = sdc_hmap_put(&m,
		    z->key, n, sdc_hash_bytes(z->key, n), &added)) < 0)
			goto nomem;
		if ((size_t)id >= cap) {
			size_t nc = cap ? cap * 2 : 64;
			int64_t *a = realloc(acc, nc * nrc * sizeof(*a));
			unsigned char *f;

			if (a != NULL)
				acc = a;
			if (a == NULL || (f = realloc(flag, nc * nrc)) == NULL)
				goto nomem;
			flag = f;
			memset(acc + cap * nrc, 0, (nc - cap) * nrc * sizeof(*a));
			memset(flag + cap * nrc, 0, (nc - cap) * nrc);
			cap = nc;
		}
		for (k = 0; k < nrc; k++) {
			size_t i = r * nrc + k, a = (size_t)id * nrc + k;

			if (!sum && z->st[i] == CELL_MARK)
				flag[a] = 1;
			if (sum && z->st[i] == CELL_NUM) {
				if (acc[a] > INT64_MAX - z->v[i])
					flag[a] = 1;
				else
					acc[a] += z->v[i];
			}
		}
	}
	for (r = 0; r < t->nrow; r++) {
		if (t->mask[r] != mask)
			continue;
		if (proj_key(z, r, mask, &n) != 0)
			goto nomem;
		id = sdc_hmap_get(&m, z->key, n, sdc_hash_bytes(z->key, n));
		for (k = 0; k < nrc; k++) {
			size_t i = r * nrc + k, a = (size_t)id * nrc + k;

			if (z->st[i] != CELL_NUM)
				continue;
			if (!sum && id >= 0 && flag[a])
				z->st[i] = CELL_ALONE;
			if (sum && id >= 0 && flag[a]) {
				sdc_table_cell_error(t, r, z->p.rc[k], err,
				    SDC_ELIMIT, "the sum of the rounded counts "
				    "this total covers exceeds %lld",
				    (long long)INT64_MAX);
				goto done;
			}
			if (sum)
				z->v[i] = id >= 0 ? acc[a] : 0;
		}
	}
	rc = 0;
	goto done;
nomem:
	sdc_err_nomem(err);
done:
	free(acc);
	free(flag);
	sdc_hmap_release(&m);
	return rc;
}

/* cover() for every mask that some total row has, in order of rows. */
static int
cover_all(struct rounder *z, int sum, struct sdc_err *err)
{
	const struct sdc_table *t = z->t;
	unsigned char *seen = calloc((1u << SDC_TABLE_GROUPS_MAX) / 8, 1);
	size_t r;
	int rc = 0;

	if (seen == NULL)
		return sdc_err_nomem(err);
	for (r = 0; r < t->nrow && rc == 0; r++) {
		unsigned m = t->mask[r];

		if (m == 0 || seen[m / 8] & (1u << m % 8))
			continue;
		seen[m / 8] |= (unsigned char)(1u << m % 8);
		rc = cover(z, m, sum, err);
	}
	free(seen);
	return rc;
}

static int
round_one(struct rounder *z, size_t r, size_t k, struct sdc_err *err)
{
	const struct sdc_round_opts *o = z->o;
	int64_t *v = &z->v[r * z->p.nrc + k];
	int rc;

	if (o->scheme == SDC_ROUND_NEAREST)
		rc = sdc_round_nearest(*v, o->base, v, err);
	else if (o->scheme == SDC_ROUND_MIDPOINT)
		rc = sdc_round_midpoint(*v, o->base, v, err);
	else
		rc = sdc_round_random(*v, o->base, z->rng, v, err);
	if (rc != 0)
		return sdc_table_cell_error(z->t, r, z->p.rc[k], err,
		    err->code, "%s", err->msg);
	return 0;
}

static int
round_cells(struct rounder *z, struct sdc_err *err)
{
	const struct sdc_table *t = z->t;
	int recompute = z->o->totals == SDC_ROUND_RECOMPUTE;
	size_t r, k;

	if (recompute && cover_all(z, 0, err) != 0)
		return -1;
	for (r = 0; r < t->nrow; r++) {
		for (k = 0; k < z->p.nrc; k++) {
			unsigned char st = z->st[r * z->p.nrc + k];

			if (st == CELL_MARK || (recompute && t->mask[r] != 0 &&
			    st != CELL_ALONE))
				continue;
			if (round_one(z, r, k, err) != 0)
				return -1;
		}
	}
	return recompute ? cover_all(z, 1, err) : 0;
}

int
sdc_round_table(struct sdc_table *t, const struct sdc_round_opts *o,
    struct sdc_err *err)
{
	struct rounder z;
	size_t r, k, n;
	int rc = -1;

	memset(&z, 0, sizeof(z));
	z.t = t;
	z.o = o;
	if (plan_make(t, o, &z.p, err) != 0)
		goto done;
	if (o->scheme == SDC_ROUND_RANDOM &&
	    (z.rng = sdc_rng_new(o->seed, err)) == NULL)
		goto done;
	if (sdc_table_structure(t, z.p.ng, z.p.g, z.p.total, err) != 0)
		goto done;
	n = t->nrow * z.p.nrc;
	z.v = calloc(n + 1, sizeof(*z.v));
	z.st = calloc(n + 1, 1);
	if (z.v == NULL || z.st == NULL) {
		sdc_err_nomem(err);
		goto done;
	}
	if (parse_cells(&z, err) != 0 || round_cells(&z, err) != 0)
		goto done;
	for (r = 0; r < t->nrow; r++) {
		for (k = 0; k < z.p.nrc; k++) {
			char buf[24];

			if (z.st[r * z.p.nrc + k] == CELL_MARK)
				continue;
			sdc_num_format_u64((uint64_t)z.v[r * z.p.nrc + k], buf);
			if (sdc_table_set(t, r, z.p.rc[k], buf, err) != 0)
				goto done;
		}
	}
	rc = 0;
done:
	plan_release(&z.p);
	sdc_rng_free(z.rng);
	free(z.v);
	free(z.st);
	free(z.key);
	return rc;
}

/*
 * Ratio i of row r, formatted into buf (SDC_NUM_DOUBLE_MAX bytes) or
 * a constant; NULL with err set when a side is not a count.
 */
static const char *
ratio(const struct sdc_table *t, const struct plan *p, size_t i, size_t r,
    char *buf, struct sdc_err *err)
{
	size_t side[2] = { (size_t)p->rnum[i], (size_t)p->rden[i] }, j;
	uint64_t x[2];

	for (j = 0; j < 2; j++)
		if (sdc_round_is_marker(sdc_table_get(t, r, side[j]),
		    p->marker))
			return p->marker;
	for (j = 0; j < 2; j++) {
		const char *s = sdc_table_get(t, r, side[j]);

		if (sdc_num_parse_u64(s, strlen(s), INT64_MAX, &x[j]) != 0) {
			sdc_table_cell_error(t, r, side[j], err, SDC_EDATA,
			    "'%s' is not a count", s);
			return NULL;
		}
	}
	if (x[1] == 0)
		return "";
	sdc_num_format_double((double)x[0] / (double)x[1], buf);
	return buf;
}

int
sdc_round_write(const struct sdc_table *t, const struct sdc_round_opts *o,
    struct sdc_output *out, struct sdc_err *err)
{
	struct plan p;
	size_t nr = o->nratio, r, c, i, k, kept;
	const char **f = malloc((t->ncol + nr + 1) * sizeof(*f));
	size_t *pos = malloc((t->ncol + 1) * sizeof(*pos));
	char (*buf)[SDC_NUM_DOUBLE_MAX] = malloc((nr + 1) * sizeof(*buf));
	int rc = -1;

	memset(&p, 0, sizeof(p));
	if (f == NULL || pos == NULL || buf == NULL) {
		sdc_err_nomem(err);
		goto done;
	}
	if (plan_make(t, o, &p, err) != 0)
		goto done;
	for (c = kept = 0; c < t->ncol; c++)
		pos[c] = p.drop[c] ? (size_t)-1 : kept++;
	for (r = 0; r <= t->nrow; r++) {	/* r 0: the header */
		for (c = 0; c < t->ncol; c++)
			if (!p.drop[c])
				f[pos[c]] = r ? sdc_table_get(t, r - 1, c) :
				    t->name[c];
		for (i = 0, k = kept; i < nr; i++) {
			const char *v = r == 0 ? o->ratio[i].name :
			    ratio(t, &p, i, r - 1, buf[i], err);

			if (v == NULL)
				goto done;
			f[p.rcol[i] < 0 ? k++ : pos[p.rcol[i]]] = v;
		}
		if (sdc_csv_write_row(out, k, f, NULL, err) != 0)
			goto done;
	}
	rc = 0;
done:
	plan_release(&p);
	free(f);
	free(pos);
	free(buf);
	return rc;
}

int
sdc_round_run(const struct sdc_round_opts *o, struct sdc_csv_reader *r,
    struct sdc_output *out, struct sdc_err *err)
{
	struct sdc_table t;
	size_t i;
	int rc = -1;

	/* Missing columns first, with the header listed, before reading. */
	for (i = 0; i < o->ncolumn; i++)
		if (sdc_csv_reader_require(r, o->column[i], err) < 0)
			return -1;
	if (o->ncolumn == 0 && sdc_csv_reader_require(r, "n", err) < 0)
		return -1;
	for (i = 0; o->group != NULL && i < o->ngroup; i++)
		if (sdc_csv_reader_require(r, o->group[i], err) < 0)
			return -1;
	sdc_table_init(&t);
	if (sdc_table_read(&t, r, err) == 0 &&
	    sdc_round_table(&t, o, err) == 0 &&
	    sdc_round_write(&t, o, out, err) == 0)
		rc = 0;
	sdc_table_release(&t);
	return rc;
}
