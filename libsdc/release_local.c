/*
 * release_local.c - a feasible point of a whole release without LP,
 * and witnesses from small LPs around it.
 *
 * The audit must show, for each target cell, feasible points of the
 * whole linked system at which the cell is low and high.  One LP over a
 * release of 10^5 linked cells takes GLPK minutes, so this file avoids
 * it: the tables of a release are margins of one array over all their
 * dimensions (per count column), and scaling that array until every
 * margin lies inside its published interval gives a point that
 * satisfies every identity by construction (rel_cube_point).  The point
 * is central rather than a vertex, so cells around a target have room
 * both ways, and an LP over those few cells alone, everything else
 * held, finds how far the target can move (rel_local).  Both only ever
 * prove safety: a target they cannot show safe is left to the exact
 * LPs of release.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "release_int.h"

#define MAXDIMS 64		/* dimensions a mask can name */
#define CUBE_MAX 8000000	/* cells of one array */
#define FIT_ROUNDS 400		/* scaling passes before giving up */
#define FIT_CHECK 10		/* passes between checks */
#define LOCAL_MAX 1000		/* cells of one local LP */
#define NOLEV UINT32_MAX

/* The cell keys of release.c, parsed: prefix, dimensions, levels. */
struct index {
	size_t nvar, nd, npre;
	uint32_t *pre;		/* per var: prefix (count column, space) */
	uint64_t *mask;		/* per var: the dimensions it fixes */
	uint32_t *lev;		/* per var and dimension: level or NOLEV */
	uint32_t *nlev;		/* per dimension: levels seen */
	struct sdc_hmap cells;	/* (prefix, mask, levels) -> var */
	struct sdc_hmap dims;	/* dimension name -> id */
	struct sdc_hmap levs;	/* (dimension, value) -> id */
	struct sdc_hmap pres;	/* prefix -> id */
	uint32_t *levid;	/* levs id -> level within its dimension */
	uint64_t **pmask;	/* per prefix: its masks */
	size_t *npmask;
	uint32_t *buf;		/* a lookup key */
	char *kbuf;		/* a level key */
	size_t kcap;
};

static void
index_free(struct index *ix)
{
	size_t i;

	free(ix->pre);
	free(ix->mask);
	free(ix->lev);
	free(ix->nlev);
	free(ix->levid);
	for (i = 0; ix->pmask != NULL && i < ix->npre; i++)
		free(ix->pmask[i]);
	free(ix->pmask);
	free(ix->npmask);
	free(ix->buf);
	free(ix->kbuf);
	sdc_hmap_release(&ix->cells);
	sdc_hmap_release(&ix->dims);
	sdc_hmap_release(&ix->levs);
	sdc_hmap_release(&ix->pres);
}

/* The lookup key of a cell into ix->buf; returns its length in bytes. */
static size_t
cell_key(const struct index *ix, uint32_t pre, uint64_t mask,
    const uint32_t *lev)
{
	size_t n = 0, d;

	ix->buf[n++] = pre;
	ix->buf[n++] = (uint32_t)mask;
	ix->buf[n++] = (uint32_t)(mask >> 32);
	for (d = 0; d < ix->nd; d++)
		if (mask >> d & 1)
			ix->buf[n++] = lev[d];
	return n * sizeof(uint32_t);
}

/* The var of a cell, or -1. */
static int64_t
cell_find(const struct index *ix, uint32_t pre, uint64_t mask,
    const uint32_t *lev)
{
	size_t n = cell_key(ix, pre, mask, lev);

	return sdc_hmap_get(&ix->cells, ix->buf, n,
	    sdc_hash_bytes(ix->buf, n));
}

/*
 * Parse the keys (see cell_key in release.c).  Returns 1, 0 when the
 * release has too many dimensions, -1 with no memory.
 */
static int
index_build(struct index *ix, const struct sdc_release *rel)
{
	size_t v, n = rel->nvar, k, d;
	uint32_t *lev1;
	int added;

	memset(ix, 0, sizeof(*ix));
	sdc_hmap_init(&ix->cells);
	sdc_hmap_init(&ix->dims);
	sdc_hmap_init(&ix->levs);
	sdc_hmap_init(&ix->pres);
	ix->nvar = n;
	ix->pre = malloc((n + 1) * sizeof(*ix->pre));
	ix->mask = malloc((n + 1) * sizeof(*ix->mask));
	ix->lev = malloc((n * MAXDIMS + 1) * sizeof(*ix->lev));
	ix->buf = malloc((MAXDIMS + 3) * sizeof(*ix->buf));
	if (ix->pre == NULL || ix->mask == NULL || ix->lev == NULL ||
	    ix->buf == NULL)
		return -1;
	/* first pass: prefixes, dimensions and levels, stored wide */
	for (v = 0; v < n; v++) {
		size_t len, i;
		const char *key = sdc_hmap_key(&rel->keys, (uint32_t)v, &len);
		int64_t id;

		i = strlen(key) + 1;		/* [\001space\002]column\0 */
		if ((id = sdc_hmap_put(&ix->pres, key, i,
		    sdc_hash_bytes(key, i), &added)) < 0)
			return -1;
		ix->pre[v] = (uint32_t)id;
		ix->mask[v] = 0;
		lev1 = ix->lev + v * MAXDIMS;
		for (d = 0; d < MAXDIMS; d++)
			lev1[d] = NOLEV;
		while (i < len) {
			/* \037 name \0 value \0 */
			const char *name = key + i + 1;
			size_t nn = strlen(name) + 1, vn;
			int64_t did, lid;

			vn = strlen(name + nn) + 1;
			if ((did = sdc_hmap_put(&ix->dims, name, nn,
			    sdc_hash_bytes(name, nn), &added)) < 0)
				return -1;
			if (did >= MAXDIMS)
				return 0;
			/* the level key: dimension id, then the value */
			{
				size_t kl = sizeof(uint32_t) + vn;
				uint32_t d32 = (uint32_t)did;

				if (kl > ix->kcap) {
					void *q = realloc(ix->kbuf, 2 * kl);

					if (q == NULL)
						return -1;
					ix->kbuf = q;
					ix->kcap = 2 * kl;
				}
				memcpy(ix->kbuf, &d32, sizeof(d32));
				memcpy(ix->kbuf + sizeof(d32), name + nn, vn);
				if ((lid = sdc_hmap_put(&ix->levs, ix->kbuf, kl,
				    sdc_hash_bytes(ix->kbuf, kl), &added)) < 0)
					return -1;
			}
			if (added) {
				void *p = realloc(ix->levid,
				    ((size_t)lid + 1) * sizeof(*ix->levid));

				if (p == NULL)
					return -1;
				ix->levid = p;
				if ((size_t)did >= ix->nd) {
					void *q = realloc(ix->nlev,
					    ((size_t)did + 1) * sizeof(*ix->nlev));

					if (q == NULL)
						return -1;
					ix->nlev = q;
					for (k = ix->nd; k <= (size_t)did; k++)
						ix->nlev[k] = 0;
					ix->nd = (size_t)did + 1;
				}
				ix->levid[lid] = ix->nlev[did]++;
			}
			ix->mask[v] |= (uint64_t)1 << did;
			lev1[did] = ix->levid[lid];
			i += 1 + nn + vn;
		}
	}
	ix->npre = ix->pres.n;
	/* narrow the levels to nd per var, and index the cells */
	for (v = 0; v < n; v++) {
		size_t len;
		int64_t id;

		memmove(ix->lev + v * ix->nd, ix->lev + v * MAXDIMS,
		    ix->nd * sizeof(*ix->lev));
		len = cell_key(ix, ix->pre[v], ix->mask[v],
		    ix->lev + v * ix->nd);
		if ((id = sdc_hmap_put(&ix->cells, ix->buf, len,
		    sdc_hash_bytes(ix->buf, len), &added)) < 0)
			return -1;
		if ((size_t)id != v)
			return 0;	/* two keys, one cell: not ours */
	}
	if ((lev1 = realloc(ix->lev, (n * ix->nd + 1) * sizeof(*ix->lev))) !=
	    NULL)
		ix->lev = lev1;
	/* the masks of each prefix */
	ix->pmask = calloc(ix->npre + 1, sizeof(*ix->pmask));
	ix->npmask = calloc(ix->npre + 1, sizeof(*ix->npmask));
	if (ix->pmask == NULL || ix->npmask == NULL)
		return -1;
	for (v = 0; v < n; v++) {
		uint32_t p = ix->pre[v];
		void *q;

		for (k = 0; k < ix->npmask[p]; k++)
			if (ix->pmask[p][k] == ix->mask[v])
				break;
		if (k < ix->npmask[p])
			continue;
		if ((q = realloc(ix->pmask[p], (k + 1) * sizeof(**ix->pmask)))
		    == NULL)
			return -1;
		ix->pmask[p] = q;
		ix->pmask[p][ix->npmask[p]++] = ix->mask[v];
	}
	return 1;
}

/* Scale the cells of one array until its margins fit. */
struct cube {
	size_t ncell, nmask;
	uint64_t *masks;	/* the prefix's masks, fewest dimensions
				   first */
	uint32_t *cv;		/* cell c, mask j: var cv[j * ncell + c] */
	uint32_t *mv;		/* the vars of mask j, each once:
				   mv[moff[j] .. moff[j + 1]) */
	size_t *moff;
	double *c;		/* cell values */
};

static int
popcmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	int px = __builtin_popcountll(x), py = __builtin_popcountll(y);

	if (px != py)
		return px < py ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Lay the vars of the array (cell-major as found) out mask by mask, so
 * that a pass over one mask reads them in order, and list each mask's
 * vars once.  seen: scratch, one per var, all 0 (left so).  Returns 0,
 * -1 with no memory.
 */
static int
cube_layout(struct cube *cb, unsigned char *seen)
{
	size_t c, j, n = 0, nc = cb->ncell, nm = cb->nmask;
	uint32_t *t;

	t = malloc((nc * nm + 1) * sizeof(*t));
	cb->mv = malloc((nc * nm + 1) * sizeof(*cb->mv));
	cb->moff = malloc((nm + 1) * sizeof(*cb->moff));
	if (t == NULL || cb->mv == NULL || cb->moff == NULL) {
		free(t);
		return -1;
	}
	for (c = 0; c < nc; c++)
		for (j = 0; j < nm; j++)
			t[j * nc + c] = cb->cv[c * nm + j];
	free(cb->cv);
	cb->cv = t;
	for (j = 0; j < nm; j++) {
		cb->moff[j] = n;
		for (c = 0; c < nc; c++)
			if (!seen[t[j * nc + c]]) {
				seen[t[j * nc + c]] = 1;
				cb->mv[n++] = t[j * nc + c];
			}
		for (c = cb->moff[j]; c < n; c++)
			seen[cb->mv[c]] = 0;
	}
	cb->moff[nm] = n;
	if ((t = realloc(cb->mv, (n + 1) * sizeof(*t))) != NULL)
		cb->mv = t;	/* else the larger block serves as well */
	return 0;
}

/*
 * Build the array of prefix p: every combination of the levels of its
 * dimensions whose margin in every maximal mask is a var.  seen:
 * scratch for cube_layout.  Returns 1, 0 when too large, -1 with no
 * memory.
 */
static int
cube_build(struct cube *cb, const struct index *ix, uint32_t p,
    unsigned char *seen)
{
	size_t j, k, nmax = 0, cap = 0, total = 1, d;
	uint64_t all = 0, *maxm = NULL;
	uint32_t cur[MAXDIMS];
	int rc = -1;

	memset(cb, 0, sizeof(*cb));
	cb->nmask = ix->npmask[p];
	if ((cb->masks = malloc((cb->nmask + 1) * sizeof(*cb->masks))) == NULL)
		return -1;
	memcpy(cb->masks, ix->pmask[p], cb->nmask * sizeof(*cb->masks));
	qsort(cb->masks, cb->nmask, sizeof(*cb->masks), popcmp);
	for (j = 0; j < cb->nmask; j++)
		all |= cb->masks[j];
	for (d = 0; d < ix->nd; d++)
		if (all >> d & 1) {
			if (ix->nlev[d] == 0 || total > CUBE_MAX / ix->nlev[d])
				return 0;
			total *= ix->nlev[d];
		}
	if ((maxm = malloc((cb->nmask + 1) * sizeof(*maxm))) == NULL)
		return -1;
	for (j = 0; j < cb->nmask; j++) {
		for (k = 0; k < cb->nmask; k++)
			if (k != j && (cb->masks[k] & cb->masks[j]) ==
			    cb->masks[j] && cb->masks[k] != cb->masks[j])
				break;
		if (k == cb->nmask)
			maxm[nmax++] = cb->masks[j];
	}
	/* odometer over the dimensions of the array */
	for (d = 0; d < ix->nd; d++)
		cur[d] = 0;
	cap = 0;
	for (;;) {
		for (j = 0; j < nmax; j++)
			if (cell_find(ix, p, maxm[j], cur) < 0)
				break;
		if (j == nmax) {
			if (cb->ncell == cap) {
				size_t nc = cap ? 2 * cap : 1024;
				void *q = realloc(cb->cv, nc * cb->nmask *
				    sizeof(*cb->cv));

				if (q == NULL)
					goto done;
				cb->cv = q;
				cap = nc;
			}
			for (k = 0; k < cb->nmask; k++) {
				int64_t id = cell_find(ix, p, cb->masks[k], cur);

				if (id < 0) {
					rc = 0;	/* a margin of no table */
					goto done;
				}
				cb->cv[cb->ncell * cb->nmask + k] = (uint32_t)id;
			}
			cb->ncell++;
		}
		for (d = 0; d < ix->nd; d++) {
			if (!(all >> d & 1))
				continue;
			if (++cur[d] < ix->nlev[d])
				break;
			cur[d] = 0;
		}
		if (d == ix->nd)
			break;
	}
	if (cube_layout(cb, seen) != 0 ||
	    (cb->c = malloc((cb->ncell + 1) * sizeof(*cb->c))) == NULL)
		goto done;
	for (k = 0; k < cb->ncell; k++)
		cb->c[k] = 1;
	rc = 1;
done:
	free(maxm);
	return rc;
}

static void
cube_free(struct cube *cb)
{
	free(cb->masks);
	free(cb->cv);
	free(cb->mv);
	free(cb->moff);
	free(cb->c);
}

/* The interval a scaled margin aims at: inside [lo, hi], with room. */
static void
aim(const struct sdc_release *rel, size_t v, double *a, double *b)
{
	double lo = rel->lo[v], hi = rel->hi[v], w;

	if (isinf(hi)) {
		*a = lo + 0.5;
		*b = HUGE_VAL;
		return;
	}
	w = (hi - lo) / 4;
	if (w > 0.5)
		w = 0.5;
	*a = lo + w;
	*b = hi - w;
}

/* The margins of mask j of the array into x. */
static void
mask_sums(const struct cube *cb, size_t j, double *x)
{
	const uint32_t *cv = cb->cv + j * cb->ncell;
	size_t c;

	for (c = cb->moff[j]; c < cb->moff[j + 1]; c++)
		x[cb->mv[c]] = 0;
	for (c = 0; c < cb->ncell; c++)
		x[cv[c]] += cb->c[c];
}

/* Every margin of the array into x. */
static void
cube_sums(const struct cube *cb, double *x)
{
	size_t j;

	for (j = 0; j < cb->nmask; j++)
		mask_sums(cb, j, x);
}

/* Is every margin of the array inside its interval? */
static int
cube_fits(const struct cube *cb, const struct sdc_release *rel, double *x)
{
	size_t c;

	cube_sums(cb, x);
	for (c = 0; c < cb->moff[cb->nmask]; c++) {
		size_t u = cb->mv[c];

		if (!(x[u] >= rel->lo[u] && x[u] <= rel->hi[u]))
			return 0;
	}
	return 1;
}

/*
 * Fit the array: pass over its masks, scaling the cells of each margin
 * outside its interval so that the margin lands a little inside it
 * (aim); every FIT_CHECK passes, stop if every margin fits.  Returns
 * whether they all do.  f is scratch, one per var.
 */
static int
cube_fit(struct cube *cb, const struct sdc_release *rel, double *x,
    double *f)
{
	size_t c, j, round;

	for (round = 1; round <= FIT_ROUNDS; round++) {
		int moved = 0;

		for (j = 0; j < cb->nmask; j++) {
			const uint32_t *cv = cb->cv + j * cb->ncell;
			int scale = 0;

			mask_sums(cb, j, x);
			for (c = cb->moff[j]; c < cb->moff[j + 1]; c++) {
				size_t u = cb->mv[c];
				double a, b;

				f[u] = 1;
				aim(rel, u, &a, &b);
				if (x[u] < rel->lo[u] && x[u] > 0)
					f[u] = a / x[u];
				else if (x[u] > rel->hi[u])
					f[u] = b / x[u];
				scale |= f[u] != 1;
			}
			if (!scale)
				continue;
			moved = 1;
			for (c = 0; c < cb->ncell; c++)
				cb->c[c] *= f[cv[c]];
		}
		if (!moved || (round % FIT_CHECK == 0 && cube_fits(cb, rel, x)))
			break;
	}
	return cube_fits(cb, rel, x);
}

/*
 * Does x satisfy every identity and every bound?  1, 2 when only
 * bounds fail, 0.
 */
static int
point_ok(const struct sdc_release *rel, const double *x)
{
	size_t v, i, k;
	int rc = 1;

	for (v = 0; v < rel->nvar; v++)
		if (isnan(x[v]))
			return 0;
		else if (x[v] < rel->lo[v] || x[v] > rel->hi[v])
			rc = 2;
	for (i = 0; i < rel->nident; i++) {
		double s = 0, size = 1;

		for (k = rel->ioff[i]; k < rel->ioff[i + 1]; k++) {
			s += (k == rel->ioff[i] ? 1 : -1) * x[rel->iv[k]];
			size += fabs(x[rel->iv[k]]);
		}
		if (fabs(s) > 1e-9 * size)
			return 0;
	}
	return rc;
}

/*
 * A point x of the whole system from the arrays of every prefix: its
 * values are margins, so it satisfies every identity, and every bound
 * where the fits converged.  Returns 1, 2 when some bounds fail, 0
 * when there is none this way, -1 with no memory.
 */
static int
cube_point(const struct index *ix, const struct sdc_release *rel, double *x)
{
	struct cube cb;
	size_t v;
	uint32_t p;
	double *f;
	unsigned char *seen;
	int rc = 1;

	f = malloc((rel->nvar + 1) * sizeof(*f));
	seen = calloc(rel->nvar + 1, 1);
	if (f == NULL || seen == NULL) {
		free(f);
		free(seen);
		return -1;
	}
	for (v = 0; v < rel->nvar; v++)
		x[v] = NAN;
	for (p = 0; p < ix->npre && rc == 1; p++) {
		if ((rc = cube_build(&cb, ix, p, seen)) == 1)
			(void)cube_fit(&cb, rel, x, f);
		cube_free(&cb);
	}
	free(f);
	free(seen);
	return rc == 1 ? point_ok(rel, x) : rc;
}

/* A candidate level of a dimension, and how much room its cell has. */
struct cand {
	uint32_t lev;
	double room;
};

static int
candcmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->room != y->room)
		return x->room > y->room ? -1 : 1;
	return x->lev < y->lev ? -1 : x->lev > y->lev;
}

/* How freely var u can move about x: unbounded cells first. */
static double
room(const struct sdc_release *rel, const double *x, size_t u)
{
	double a = x[u] - rel->lo[u], b = rel->hi[u] - x[u];

	if (isinf(rel->hi[u]))
		return 1e300;
	return a < b ? a : b;
}

struct local {
	const struct sdc_release *rel;
	const struct index *ix;
	const double *x;
	const unsigned char *fixed;
	double cap;
	size_t *roff, *rid;	/* var -> identities */
	size_t *colof;		/* var -> LP column, 0 if none */
	size_t *rstamp, stamp;
	size_t *F, nf;
	struct cand *cand[MAXDIMS];
	size_t ncand[MAXDIMS];
	int *ia, *ja;		/* an LP's matrix: at most niv entries */
	double *ar;
	double *room;		/* per column: for rel_crash */
	unsigned char *up;
	double *clo, *chi, *cx;	/* per column from 1: for rel_hold */
	unsigned char *side;
};

/*
 * Candidate levels of dimension d, but skip, for the cells like lev (d
 * set to each), most room first; up to keep of them.
 */
static void
cands(struct local *L, uint32_t pre, uint64_t mask, uint32_t *lev, size_t d,
    uint32_t skip, size_t keep)
{
	const struct index *ix = L->ix;
	uint32_t own = lev[d], l;
	size_t n = 0;
	int64_t id;

	for (l = 0; l < ix->nlev[d]; l++) {
		if (l == skip)
			continue;
		lev[d] = l;
		if ((id = cell_find(ix, pre, mask, lev)) < 0 ||
		    L->fixed[id])
			continue;
		L->cand[d][n].lev = l;
		L->cand[d][n++].room = room(L->rel, L->x, (size_t)id);
	}
	lev[d] = own;
	qsort(L->cand[d], n, sizeof(*L->cand[d]), candcmp);
	L->ncand[d] = n < keep ? n : keep;
}

/*
 * The cells near v: in every mask of v's prefix that contains v's, the
 * cells whose levels are v's own or a candidate in each of v's
 * dimensions, and a candidate in each other.  Returns their number, or
 * SIZE_MAX when more than LOCAL_MAX.
 */
static size_t
near(struct local *L, size_t v, size_t alt, size_t ext)
{
	const struct index *ix = L->ix;
	uint32_t p = ix->pre[v], lev[MAXDIMS], base[MAXDIMS];
	uint64_t K = ix->mask[v];
	size_t d, j, pos[MAXDIMS];

	L->nf = 0;
	for (d = 0; d < ix->nd; d++)
		base[d] = (K >> d & 1) ? ix->lev[v * ix->nd + d] : 0;
	/* v's own level first, then the alternatives */
	for (d = 0; d < ix->nd; d++) {
		L->ncand[d] = 0;
		if (K >> d & 1) {
			cands(L, p, K, base, d, base[d], alt);
			memmove(L->cand[d] + 1, L->cand[d],
			    L->ncand[d] * sizeof(*L->cand[d]));
			L->cand[d][0].lev = base[d];
			L->ncand[d]++;
		}
	}
	for (d = 0; d < ix->nd; d++) {
		uint64_t Kd = K | (uint64_t)1 << d;

		if (K >> d & 1)
			continue;
		for (j = 0; j < ix->npmask[p]; j++)
			if (ix->pmask[p][j] == Kd)
				break;
		if (j < ix->npmask[p])
			cands(L, p, Kd, base, d, NOLEV, ext);
	}
	for (j = 0; j < ix->npmask[p]; j++) {
		uint64_t M = ix->pmask[p][j];

		if ((M & K) != K)
			continue;
		for (d = 0; d < ix->nd; d++)
			if ((M >> d & 1) && L->ncand[d] == 0)
				break;
		if (d < ix->nd)
			continue;
		/* odometer over the candidates of M's dimensions */
		for (d = 0; d < ix->nd; d++) {
			pos[d] = 0;
			lev[d] = (M >> d & 1) ? L->cand[d][0].lev : 0;
		}
		for (;;) {
			int64_t id = cell_find(ix, p, M, lev);

			if (id >= 0 && !L->fixed[id] && L->colof[id] == 0) {
				if (L->nf == LOCAL_MAX) {
					size_t i;

					for (i = 0; i < L->nf; i++)
						L->colof[L->F[i]] = 0;
					return SIZE_MAX;
				}
				L->F[L->nf++] = (size_t)id;
				L->colof[id] = L->nf;
			}
			for (d = 0; d < ix->nd; d++) {
				if (!(M >> d & 1))
					continue;
				if (++pos[d] < L->ncand[d]) {
					lev[d] = L->cand[d][pos[d]].lev;
					break;
				}
				pos[d] = 0;
				lev[d] = L->cand[d][0].lev;
			}
			if (d == ix->nd)
				break;
		}
	}
	return L->nf;
}

static void
see(struct local *L, glp_prob *lp, double *m, double *M)
{
	size_t i;

	for (i = 0; i < L->nf; i++) {
		size_t u = L->F[i];
		double y = glp_get_col_prim(lp, (int)i + 1);

		if (rel_is_target(L->rel, u))
			rel_seen(y, L->cap, &m[u], &M[u]);
	}
}

/* rel_solve_held's solve for the local LPs */
struct local_call {
	glp_smcp parm;
	size_t *lps;
};

static int
local_simplex(glp_prob *lp, void *ctx)
{
	struct local_call *c = ctx;

	(*c->lps)++;
	if (glp_simplex(lp, &c->parm) != 0)
		return -1;
	return glp_get_status(lp) == GLP_OPT ? 1 :
	    glp_get_status(lp) == GLP_NOFEAS ? 0 : -1;
}

/* The LP over F (L->colof set); witness its extremes of v. */
static void
local_lp(struct local *L, size_t v, double *m, double *M, size_t *lps)
{
	const struct sdc_release *rel = L->rel;
	glp_prob *lp = glp_create_prob();
	struct local_call c;
	size_t i, k, r, nr = 0, nnz = 0;
	int dir;

	glp_add_cols(lp, (int)L->nf);
	for (i = 0; i < L->nf; i++) {
		size_t u = L->F[i];
		double hi = rel->hi[u] > L->cap ? L->cap : rel->hi[u];

		glp_set_col_bnds(lp, (int)i + 1, GLP_DB, rel->lo[u], hi);
		L->clo[i + 1] = rel->lo[u];
		L->chi[i + 1] = hi;
		L->cx[i + 1] = L->x[u];
		L->side[i + 1] = 0;
	}
	L->stamp++;
	for (i = 0; i < L->nf; i++) {
		size_t u = L->F[i];

		for (r = L->roff[u]; r < L->roff[u + 1]; r++) {
			size_t id = L->rid[r];
			double rhs = 0;

			if (L->rstamp[id] == L->stamp)
				continue;
			L->rstamp[id] = L->stamp;
			glp_add_rows(lp, 1);
			nr++;
			for (k = rel->ioff[id]; k < rel->ioff[id + 1]; k++) {
				size_t w = rel->iv[k];
				double sign = k == rel->ioff[id] ? 1 : -1;

				if (L->colof[w] == 0) {
					rhs -= sign * (L->fixed[w] ? rel->lo[w] :
					    L->x[w]);
					continue;
				}
				nnz++;
				L->ia[nnz] = (int)nr;
				L->ja[nnz] = (int)L->colof[w];
				L->ar[nnz] = sign;
			}
			glp_set_row_bnds(lp, (int)nr, GLP_FX, rhs, rhs);
		}
	}
	if (nnz > 0)
		glp_load_matrix(lp, (int)nnz, L->ia, L->ja, L->ar);
	/*
	 * Start at the point, which the LP holds (out of memory, the
	 * basis is left valid: the solve is only slower).
	 */
	for (i = 0; i < L->nf; i++)
		L->room[i] = rel_room(rel, L->cap, L->F[i], L->x[L->F[i]],
		    &L->up[i]);
	if (nr > 0 && rel_crash(lp, L->ia, L->ja, nnz, L->room, L->up) == 0)
		rel_hold(lp, L->nf, L->clo, L->chi, L->cx, L->side);
	glp_init_smcp(&c.parm);
	c.parm.msg_lev = GLP_MSG_OFF;
	c.lps = lps;
	glp_set_obj_coef(lp, (int)L->colof[v], 1);
	for (dir = 0; dir < 2; dir++) {
		if (rel_safe(rel, v, m[v], M[v]))
			break;
		glp_set_obj_dir(lp, dir == 0 ? GLP_MAX : GLP_MIN);
		if (rel_solve_held(lp, L->nf, L->clo, L->chi, L->side,
		    local_simplex, &c) != 1)
			break;	/* no witness here */
		see(L, lp, m, M);
	}
	glp_delete_prob(lp);
}

/*
 * Witness every target not yet safe around the point x (see
 * rel_witness); x itself witnesses them all.  Returns 0, -1 with no
 * memory.
 */
static int
local(struct local *L, double *m, double *M, size_t *lps)
{
	static const size_t tries[][2] = { { 5, 3 }, { 3, 2 }, { 1, 1 } };
	const struct sdc_release *rel = L->rel;
	const struct index *ix = L->ix;
	size_t v, i, k, d, t, n = rel->nvar;

	L->roff = calloc(n + 2, sizeof(*L->roff));
	L->rid = malloc((rel->niv + 1) * sizeof(*L->rid));
	L->colof = calloc(n + 1, sizeof(*L->colof));
	L->rstamp = calloc(rel->nident + 1, sizeof(*L->rstamp));
	L->F = malloc((LOCAL_MAX + 1) * sizeof(*L->F));
	L->room = malloc((LOCAL_MAX + 1) * sizeof(*L->room));
	L->up = malloc(LOCAL_MAX + 1);
	L->clo = malloc((LOCAL_MAX + 1) * sizeof(*L->clo));
	L->chi = malloc((LOCAL_MAX + 1) * sizeof(*L->chi));
	L->cx = malloc((LOCAL_MAX + 1) * sizeof(*L->cx));
	L->side = malloc(LOCAL_MAX + 1);
	L->ia = malloc((rel->niv + 1) * sizeof(*L->ia));
	L->ja = malloc((rel->niv + 1) * sizeof(*L->ja));
	L->ar = malloc((rel->niv + 1) * sizeof(*L->ar));
	if (L->roff == NULL || L->rid == NULL || L->colof == NULL ||
	    L->rstamp == NULL || L->F == NULL || L->room == NULL ||
	    L->up == NULL || L->clo == NULL || L->chi == NULL ||
	    L->cx == NULL || L->side == NULL || L->ia == NULL ||
	    L->ja == NULL || L->ar == NULL)
		return -1;
	for (d = 0; d < ix->nd; d++)
		if ((L->cand[d] = malloc((ix->nlev[d] + 1) *
		    sizeof(*L->cand[d]))) == NULL)
			return -1;
	/* the identities of each var */
	for (i = 0; i < rel->nident; i++)
		for (k = rel->ioff[i]; k < rel->ioff[i + 1]; k++)
			L->roff[rel->iv[k] + 2]++;
	for (v = 0; v < n; v++)
		L->roff[v + 2] += L->roff[v + 1];
	for (i = 0; i < rel->nident; i++)
		for (k = rel->ioff[i]; k < rel->ioff[i + 1]; k++)
			L->rid[L->roff[rel->iv[k] + 1]++] = i;
	for (v = 0; v < n; v++)
		if (!L->fixed[v] && rel_is_target(rel, v)) {
			if (L->x[v] < m[v])
				m[v] = L->x[v];
			if (L->x[v] > M[v])
				M[v] = L->x[v];
		}
	for (v = 0; v < n; v++) {
		if (L->fixed[v] || !rel_is_target(rel, v) ||
		    rel_safe(rel, v, m[v], M[v]))
			continue;
		for (t = 0; t < 3; t++)
			if (near(L, v, tries[t][0], tries[t][1]) != SIZE_MAX)
				break;
		if (t == 3)
			continue;
		local_lp(L, v, m, M, lps);
		for (i = 0; i < L->nf; i++)
			L->colof[L->F[i]] = 0;
	}
	return 0;
}

int
rel_witness(const struct sdc_release *rel, const unsigned char *fixed,
    double cap, double *m, double *M, double *x0, size_t *lps,
    rel_mend_fn *mend, void *ctx, struct sdc_err *err)
{
	struct index ix;
	struct local L;
	double *x = NULL;
	size_t d;
	int rc;

	memset(&L, 0, sizeof(L));
	if ((rc = index_build(&ix, rel)) == 1) {
		if ((x = malloc((rel->nvar + 1) * sizeof(*x))) == NULL)
			rc = -1;
		else
			rc = cube_point(&ix, rel, x);
	}
	if (rc == 2)
		rc = mend != NULL && mend(ctx, x) == 1 ? point_ok(rel, x) : 0;
	if (rc == 2)
		rc = 0;
	if (rc == 1) {
		L.rel = rel;
		L.ix = &ix;
		L.x = x;
		L.fixed = fixed;
		L.cap = cap;
		if (local(&L, m, M, lps) != 0)
			rc = -1;
		else
			memcpy(x0, x, rel->nvar * sizeof(*x0));
	}
	if (rc < 0)
		sdc_err_nomem(err);
	for (d = 0; d < MAXDIMS; d++)
		free(L.cand[d]);
	free(L.roff);
	free(L.rid);
	free(L.colof);
	free(L.rstamp);
	free(L.F);
	free(L.room);
	free(L.up);
	free(L.clo);
	free(L.chi);
	free(L.cx);
	free(L.side);
	free(L.ia);
	free(L.ja);
	free(L.ar);
	free(x);
	index_free(&ix);
	return rc;
}
