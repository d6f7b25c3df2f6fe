/*
 * release.c - the linear system of a whole release and its audit.
 *
 * Cells are variables, named by a key string (count column, then the
 * dimension values the cell fixes, dimensions sorted by name), so that
 * tables describing the same population share them.  Each table adds
 * the lattice of its cells (its rows, and for up to LATTICE_DIMS
 * dimensions every margin its rows imply) and one identity per margin
 * and totalled dimension, less those that follow from the rest
 * (write_idents).  The audit solves, per linked group, as few
 * LPs as it can: every LP solution is a feasible point, so the values
 * it gives all targets are witnesses that widen what each is known to
 * be able to take; a target whose witnessed range is already safe
 * needs no LP of its own.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glpk.h>

#include "hash.h"
#include "release.h"
#include "release_int.h"
#include "sort.h"

#define LATTICE_DIMS 8
#define SPREAD_ROUNDS 12	/* LPs with random objectives per group */
#define SHIFT_DJ 1e-7		/* a reduced cost that counts as a gain */
#define NEAR_DEPTH 2		/* identities from an open target: near_lp */
#define PIECE_WINDOW 32		/* targets tried per look at what pays */
#define HOLD_SLACK 1e-3		/* room past the point: rel_solve_held */

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	if ((q = realloc(*p, n * size)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

struct sdc_release *
sdc_release_new(const struct sdc_release_opts *o, struct sdc_err *err)
{
	struct sdc_release *rel = calloc(1, sizeof(*rel));

	if (rel == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	rel->o = *o;
	sdc_hmap_init(&rel->keys);
	sdc_hmap_init(&rel->idents);
	if ((rel->ioff = malloc(16 * sizeof(*rel->ioff))) == NULL) {
		free(rel);
		sdc_err_nomem(err);
		return NULL;
	}
	rel->identcap = 15;
	rel->ioff[0] = 0;
	return rel;
}

void
sdc_release_free(struct sdc_release *rel)
{
	if (rel == NULL)
		return;
	sdc_hmap_release(&rel->keys);
	sdc_hmap_release(&rel->idents);
	free(rel->lo);
	free(rel->hi);
	free(rel->first);
	free(rel->pt);
	free(rel->next);
	free(rel->pub);
	free(rel->iv);
	free(rel->ioff);
	free(rel->blk);
	free(rel->kbuf);
	free(rel);
}

/* Append s (n bytes) to the key buffer at *len. */
static int
kput(struct sdc_release *rel, size_t *len, const char *s, size_t n)
{
	size_t cap = rel->kcap;
	void *p = rel->kbuf;

	if (grow(&p, &cap, *len + n + 1, 1) != 0)
		return -1;
	rel->kbuf = p;
	rel->kcap = cap;
	memcpy(rel->kbuf + *len, s, n);
	*len += n;
	return 0;
}

/*
 * The key of the cell with level ids lev in t's column col: the
 * column's name, then name and value of each dimension that is not
 * totalled, in the order ord (dimensions sorted by name).  space, if
 * not 0, keeps a table apart: the key starts with its number.
 */
static int
cell_key(struct sdc_release *rel, const struct sdc_table *t, size_t col,
    const size_t *ord, const uint32_t *lev, size_t space, size_t *len)
{
	size_t i;
	char pre[32];

	*len = 0;
	if (space != 0) {
		int k = snprintf(pre, sizeof(pre), "\001%zu\002", space);

		if (kput(rel, len, pre, (size_t)k) != 0)
			return -1;
	}
	if (kput(rel, len, t->name[col], strlen(t->name[col]) + 1) != 0)
		return -1;
	for (i = 0; i < t->ngroup; i++) {
		size_t j = ord[i];
		const char *name = t->name[t->group[j]], *val;

		if (lev[j] == SDC_TABLE_TOTAL)
			continue;
		val = t->levname[j][lev[j]];
		if (kput(rel, len, "\037", 1) != 0 ||
		    kput(rel, len, name, strlen(name) + 1) != 0 ||
		    kput(rel, len, val, strlen(val) + 1) != 0)
			return -1;
	}
	return 0;
}

static int64_t
var_of(struct sdc_release *rel, size_t len, int *added)
{
	int64_t id = sdc_hmap_put(&rel->keys, rel->kbuf, len,
	    sdc_hash_bytes(rel->kbuf, len), added);

	if (id < 0)
		return -1;
	if (*added && (size_t)id >= rel->varcap) {
		size_t cap = rel->varcap ? 2 * rel->varcap : 64;
		double *lo = realloc(rel->lo, cap * sizeof(*lo));
		double *hi, *pt;
		size_t *first;

		if (lo != NULL)
			rel->lo = lo;
		hi = realloc(rel->hi, cap * sizeof(*hi));
		if (hi != NULL)
			rel->hi = hi;
		pt = realloc(rel->pt, cap * sizeof(*pt));
		if (pt != NULL)
			rel->pt = pt;
		first = realloc(rel->first, cap * sizeof(*first));
		if (first != NULL)
			rel->first = first;
		if (lo == NULL || hi == NULL || pt == NULL || first == NULL)
			return -1;
		rel->varcap = cap;
	}
	if (*added) {
		rel->lo[id] = 0;
		rel->hi[id] = HUGE_VAL;
		rel->first[id] = SIZE_MAX;
		rel->pt[id] = NAN;
		rel->nvar = (size_t)id + 1;
	}
	return id;
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Append a table's identities to rel: idmap holds its (parent, dimension)
 * pairs, pairs[2 * i] one's id and pairs[2 * i + 1] a child, loc its
 * cells, gvar their vars, ord its dimensions by name.
 *
 * A parent totalled over several dimensions has an identity over each.
 * When the lattice is complete (every cell has a child along each of
 * its totalled dimensions), those over all but the first of them by name
 * follow from that one and the identities below it (by induction on the
 * number of totals: sum over l of P[j=l] = sum over l, m of P[j=l, j0=m]
 * = sum over m of P[j0=m] = P), so only that one is kept.  An identity
 * that an earlier table gave already is dropped too.  The system is the
 * same with about a quarter fewer rows, and every LP over it is faster.
 * Returns 0, -1 with no memory.
 */
static int
write_idents(struct sdc_release *rel, const struct sdc_hmap *loc,
    const struct sdc_hmap *idmap, size_t ng, const size_t *ord,
    const size_t *gvar, const size_t *pairs, size_t npairs)
{
	size_t nid = idmap->n, base = rel->nident, ntot = 0, i, j, k, w, kn;
	size_t klen = ng * sizeof(uint32_t);
	size_t *cnt = calloc(nid + 1, sizeof(size_t));
	size_t *pos = malloc((nid + 1) * sizeof(size_t));
	size_t *sig = NULL, sigcap = 0, end;
	uint32_t tup[SDC_TABLE_GROUPS_MAX];
	void *a, *b;
	size_t ca = rel->identcap + 1, cb = rel->ivcap;
	int rc = -1, added;

	if (cnt == NULL || pos == NULL)
		goto done;
	for (k = 0; k < loc->n; k++) {
		memcpy(tup, sdc_hmap_key(loc, (uint32_t)k, &kn), klen);
		for (j = 0; j < ng; j++)
			ntot += tup[j] == SDC_TABLE_TOTAL;
	}
	/* cnt[i]: children of identity i, or 0 when it is not kept */
	for (i = 0; i < npairs; i++)
		cnt[pairs[2 * i]]++;
	for (i = 0; i < nid && ntot == nid; i++) {
		size_t ik[2];

		memcpy(ik, sdc_hmap_key(idmap, (uint32_t)i, &kn), sizeof(ik));
		memcpy(tup, sdc_hmap_key(loc, (uint32_t)ik[0], &kn), klen);
		for (j = 0; j < ng && tup[ord[j]] != SDC_TABLE_TOTAL; j++)
			;
		if (ord[j] != ik[1])
			cnt[i] = 0;
	}
	a = rel->ioff;
	b = rel->iv;
	if (grow(&a, &ca, base + nid + 1, sizeof(size_t)) != 0)
		goto done;
	rel->ioff = a;
	rel->identcap = ca - 1;
	if (grow(&b, &cb, rel->niv + nid + npairs, sizeof(size_t)) != 0)
		goto done;
	rel->iv = b;
	rel->ivcap = cb;
	for (i = 0, w = base; i < nid; i++) {
		size_t ik[2];

		if (cnt[i] == 0)
			continue;
		memcpy(ik, sdc_hmap_key(idmap, (uint32_t)i, &kn), sizeof(ik));
		rel->iv[rel->niv] = gvar[ik[0]];
		pos[i] = rel->niv + 1;
		rel->niv += 1 + cnt[i];
		rel->ioff[++w] = rel->niv;
	}
	for (i = 0; i < npairs; i++)
		if (cnt[pairs[2 * i]] != 0)
			rel->iv[pos[pairs[2 * i]]++] = gvar[pairs[2 * i + 1]];
	/* drop those given before, closing up the rest */
	end = w;
	for (i = base, w = base, k = rel->ioff[base]; i < end; i++) {
		size_t s0 = k, n = rel->ioff[i + 1] - s0;
		int64_t id;

		k = rel->ioff[i + 1];
		if (n > sigcap) {
			void *p = sig;

			if (grow(&p, &sigcap, n, sizeof(size_t)) != 0)
				goto done;
			sig = p;
		}
		memcpy(sig, rel->iv + s0, n * sizeof(size_t));
		qsort(sig + 1, n - 1, sizeof(size_t), size_cmp);
		if ((id = sdc_hmap_put(&rel->idents, sig, n * sizeof(size_t),
		    sdc_hash_bytes(sig, n * sizeof(size_t)), &added)) < 0)
			goto done;
		if (!added)
			continue;
		memmove(rel->iv + rel->ioff[w], rel->iv + s0,
		    n * sizeof(size_t));
		rel->ioff[w + 1] = rel->ioff[w] + n;
		w++;
	}
	rel->niv = rel->ioff[w];
	rel->nident = w;
	a = rel->blk;
	if (grow(&a, &rel->blkcap, rel->nblk + 2, sizeof(size_t)) != 0)
		goto done;
	rel->blk = a;
	rel->blk[rel->nblk] = base;
	rel->blk[++rel->nblk] = rel->nident;
	rc = 0;
done:
	free(cnt);
	free(pos);
	free(sig);
	return rc;
}

/* Order group columns of the table ctx by name. */
static int
by_name(const void *a, const void *b, void *ctx)
{
	const struct sdc_table *t = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return strcmp(t->name[t->group[i]], t->name[t->group[j]]);
}

int
sdc_release_add(struct sdc_release *rel, size_t table,
    const struct sdc_table *t, size_t col, const unsigned char *pub,
    const double *lo, const double *hi, const double *val,
    const unsigned char *target, struct sdc_err *err)
{
	struct sdc_hmap loc, idmap;
	size_t ng = t->ngroup, klen = ng * sizeof(uint32_t);
	size_t ord[SDC_TABLE_GROUPS_MAX], r, k, nloc, space = 0, len;
	size_t *gvar = NULL, *pairs = NULL, npairs = 0, paircap = 0;
	size_t *rowloc = NULL, shared = 0;
	uint32_t tup[SDC_TABLE_GROUPS_MAX];
	unsigned full = ng >= 32 ? ~0u : (1u << ng) - 1;
	int rc = -1, added;

	sdc_hmap_init(&loc);
	sdc_hmap_init(&idmap);
	for (k = 0; k < ng; k++)
		ord[k] = k;
	if (sdc_sort(ord, ng, sizeof(*ord), by_name, (void *)t) != 0)
		goto nomem;
	if ((rowloc = malloc((t->nrow + 1) * sizeof(*rowloc))) == NULL)
		goto nomem;

	/* the lattice: rows, and the margins they imply */
	for (r = 0; r < t->nrow; r++) {
		unsigned keep = ~t->mask[r] & full, sub;

		for (sub = keep;; sub = (sub - 1) & keep) {
			int64_t id;

			if (ng > LATTICE_DIMS && sub != keep)
				break;
			for (k = 0; k < ng; k++)
				tup[k] = sub & (1u << k) ? t->lev[r * ng + k] :
				    SDC_TABLE_TOTAL;
			if ((id = sdc_hmap_put(&loc, tup, klen,
			    sdc_hash_bytes(tup, klen), &added)) < 0)
				goto nomem;
			if (sub == keep)
				rowloc[r] = (size_t)id;
			if (sub == 0)
				break;
		}
	}
	nloc = loc.n;

	/* keep the table apart if it contradicts what is known */
	for (r = 0; r < t->nrow && space == 0; r++) {
		int64_t id;
		const char *kp;
		size_t kn;

		kp = sdc_hmap_key(&loc, (uint32_t)rowloc[r], &kn);
		memcpy(tup, kp, klen);
		if (cell_key(rel, t, col, ord, tup, 0, &len) != 0)
			goto nomem;
		id = sdc_hmap_get(&rel->keys, rel->kbuf, len,
		    sdc_hash_bytes(rel->kbuf, len));
		if (id < 0)
			continue;
		shared++;
		if (lo[r] > rel->hi[id] + EPS || hi[r] < rel->lo[id] - EPS)
			space = table + 1;
	}
	if (shared > 0 && space == 0)
		rel->ntable_links++;

	if ((gvar = malloc((nloc + 1) * sizeof(*gvar))) == NULL)
		goto nomem;
	for (k = 0; k < nloc; k++) {
		const char *kp;
		size_t kn;
		int64_t id;

		kp = sdc_hmap_key(&loc, (uint32_t)k, &kn);
		memcpy(tup, kp, klen);
		if (cell_key(rel, t, col, ord, tup, space, &len) != 0 ||
		    (id = var_of(rel, len, &added)) < 0)
			goto nomem;
		gvar[k] = (size_t)id;
	}

	/* publications */
	for (r = 0; r < t->nrow; r++) {
		struct pubrec *p;
		size_t v = gvar[rowloc[r]];
		void *pp = rel->pub, *np = rel->next;
		size_t pc = rel->pubcap, nc = rel->pubcap;

		if (!pub[r])
			continue;
		if (grow(&pp, &pc, rel->npub + 1, sizeof(*rel->pub)) != 0)
			goto nomem;
		rel->pub = pp;
		if (grow(&np, &nc, rel->npub + 1, sizeof(size_t)) != 0)
			goto nomem;
		rel->next = np;
		rel->pubcap = pc < nc ? pc : nc;
		p = &rel->pub[rel->npub];
		p->ref.table = table;
		p->ref.row = r;
		p->col = col;
		p->pub = pub[r];
		p->target = target[r];
		p->lo = lo[r];
		p->hi = hi[r];
		p->var = v;
		if (lo[r] > rel->lo[v])
			rel->lo[v] = lo[r];
		if (hi[r] < rel->hi[v])
			rel->hi[v] = hi[r];
		if (isnan(rel->pt[v]) && !isnan(val[r]))
			rel->pt[v] = val[r];
		/* append to the var's list, keeping publication order */
		rel->next[rel->npub] = SIZE_MAX;
		if (rel->first[v] == SIZE_MAX) {
			rel->first[v] = rel->npub;
		} else {
			size_t q = rel->first[v];

			while (rel->next[q] != SIZE_MAX)
				q = rel->next[q];
			rel->next[q] = rel->npub;
		}
		rel->npub++;
	}

	/* identities: (parent, dimension) -> its children */
	for (k = 0; k < nloc; k++) {
		const char *kp;
		size_t kn, j;

		kp = sdc_hmap_key(&loc, (uint32_t)k, &kn);
		memcpy(tup, kp, klen);
		for (j = 0; j < ng; j++) {
			uint32_t save = tup[j];
			int64_t par, id;
			size_t ik[2];
			void *pp = pairs;

			if (save == SDC_TABLE_TOTAL)
				continue;
			tup[j] = SDC_TABLE_TOTAL;
			par = sdc_hmap_get(&loc, tup, klen,
			    sdc_hash_bytes(tup, klen));
			tup[j] = save;
			if (par < 0)
				continue;
			ik[0] = (size_t)par;
			ik[1] = j;
			if ((id = sdc_hmap_put(&idmap, ik, sizeof(ik),
			    sdc_hash_bytes(ik, sizeof(ik)), &added)) < 0 ||
			    grow(&pp, &paircap, npairs + 1, 2 * sizeof(size_t))
			    != 0)
				goto nomem;
			pairs = pp;
			pairs[2 * npairs] = (size_t)id;
			pairs[2 * npairs + 1] = k;
			npairs++;
		}
	}
	if (write_idents(rel, &loc, &idmap, ng, ord, gvar, pairs, npairs) != 0)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	sdc_err_nomem(err);
done:
	free(gvar);
	free(pairs);
	free(rowloc);
	sdc_hmap_release(&loc);
	sdc_hmap_release(&idmap);
	return rc;
}

/*
 * Is publication p disclosed if its cell lies exactly in [lo, hi]?  A
 * redacted cell is when its interval lies inside 1..T, when it may be
 * small (lo <= T) and is narrower than the protection level, or when it
 * is recovered exactly; a published interval, when it is narrowed to
 * inside 1..T (and, for midpoints, narrower than published).
 */
static int
disclosed(const struct sdc_release *rel, const struct pubrec *p, double lo,
    double hi)
{
	double L = ceil(lo - EPS), H = isinf(hi) ? hi : floor(hi + EPS);
	double T = rel->o.threshold;
	double W = rel->o.protection > 1 ? rel->o.protection : 1;
	int small = L >= 1 && H <= T;

	switch (p->pub) {
	case SDC_PUB_REDACTED:
		return small || (L <= T && H - L < W) || H - L < 1;
	case SDC_PUB_ROUNDED:
		return small;
	case SDC_PUB_MIDPOINT:
		return small && H - L < floor(p->hi + EPS) - ceil(p->lo - EPS);
	default:
		return 0;
	}
}

/*
 * Is p surely safe, given that its cell can take every value in [m, M]
 * (values seen in feasible solutions; the true interval contains it)
 * and none below slo?
 */
static int
proven(const struct sdc_release *rel, const struct pubrec *p, double m,
    double M, double slo)
{
	double L = ceil(m - EPS), H = isinf(M) ? M : floor(M + EPS);
	double T = rel->o.threshold;
	double W = rel->o.protection > 1 ? rel->o.protection : 1;
	int notsmall = L < 1 || H > T;

	if (m > M)
		return 0;
	switch (p->pub) {
	case SDC_PUB_REDACTED:
		/*
		 * The true lower end L' is at most L and at least slo; at
		 * every L' <= T the interval must be W wide, and it is
		 * narrowest at L' = min(L, T).  So a cell seen both near
		 * 0 and at W, or anywhere above T + W, is safe; one known
		 * to exceed T need only not be recovered.
		 */
		if (!notsmall || H - L < 1)
			return 0;
		if (ceil(slo - EPS) > T)
			return 1;
		return H - (L < T ? L : T) >= W;
	case SDC_PUB_ROUNDED:
		return notsmall;
	case SDC_PUB_MIDPOINT:
		return notsmall ||
		    H - L >= floor(p->hi + EPS) - ceil(p->lo - EPS);
	default:
		return 1;
	}
}

/* Is every target publication of v surely safe, witnessed [m, M]? */
int
rel_safe(const struct sdc_release *rel, size_t v, double m, double M)
{
	size_t q;

	for (q = rel->first[v]; q != SIZE_MAX; q = rel->next[q])
		if (rel->pub[q].target &&
		    !proven(rel, &rel->pub[q], m, M, rel->lo[v]))
			return 0;
	return 1;
}

int
rel_is_target(const struct sdc_release *rel, size_t v)
{
	size_t q;

	for (q = rel->first[v]; q != SIZE_MAX; q = rel->next[q])
		if (rel->pub[q].target)
			return 1;
	return 0;
}

static size_t
uf_find(size_t *uf, size_t x)
{
	while (uf[x] != x) {
		uf[x] = uf[uf[x]];
		x = uf[x];
	}
	return x;
}

struct audit {
	struct sdc_release *rel;
	sdc_release_fn *fn;
	void *ctx;
	struct sdc_release_stats *st;
	unsigned char *fixed;
	unsigned char *told;		/* per table: inconsistency reported */
	size_t ntold;
	double *m, *M;			/* witnessed range of each var */
	size_t *col;			/* var -> LP column, 0 if none */
	size_t *cvar;			/* LP column -> var */
	unsigned char *freev;		/* per var: free in a restriction */
	double *x0;			/* a feasible point, where x0set */
	unsigned char *x0set;
	size_t *uf, *piece;		/* per var: pieces of a group */
	size_t *scratch;
	double cap;
	struct sdc_release_hit hit;
};

/* Name publication q among the cells that pin the current hit. */
static void
add_pin_pub(struct audit *a, size_t q)
{
	const struct sdc_release *rel = a->rel;
	struct sdc_release_hit *h = &a->hit;
	size_t i;

	if (q == SIZE_MAX || h->npin == SDC_RELEASE_PINS)
		return;
	for (i = 0; i < h->npin; i++)
		if (h->pin[i].table == rel->pub[q].ref.table &&
		    h->pin[i].row == rel->pub[q].ref.row &&
		    h->pincol[i] == rel->pub[q].col)
			return;
	h->pin[h->npin] = rel->pub[q].ref;
	h->pincol[h->npin++] = rel->pub[q].col;
}

static void
add_pin(struct audit *a, size_t v, size_t self)
{
	if (v != self)
		add_pin_pub(a, a->rel->first[v]);
}

/* Report every target publication of v that [lo, hi] discloses. */
static int
report(struct audit *a, size_t v, double lo, double hi, struct sdc_err *err)
{
	const struct sdc_release *rel = a->rel;
	size_t q;
	int rc;

	for (q = rel->first[v]; q != SIZE_MAX; q = rel->next[q]) {
		const struct pubrec *p = &rel->pub[q];

		if (!p->target || !disclosed(rel, p, lo, hi))
			continue;
		a->hit.what = SDC_RELEASE_DISCLOSED;
		a->hit.ref = p->ref;
		a->hit.col = p->col;
		a->hit.pub = (enum sdc_pub)p->pub;
		a->hit.lo = lo;
		a->hit.hi = hi;
		if ((rc = a->fn(a->ctx, &a->hit, err)) != 0)
			return rc;
	}
	return 0;
}

/* Report the tables of var v's publications as inconsistent, once each. */
static int
inconsistent(struct audit *a, size_t v, struct sdc_err *err)
{
	const struct sdc_release *rel = a->rel;
	size_t q;
	int rc;

	for (q = rel->first[v]; q != SIZE_MAX; q = rel->next[q]) {
		const struct pubrec *p = &rel->pub[q];

		if (p->ref.table < a->ntold && a->told[p->ref.table])
			continue;
		if (p->ref.table < a->ntold)
			a->told[p->ref.table] = 1;
		memset(&a->hit, 0, sizeof(a->hit));
		a->hit.what = SDC_RELEASE_INCONSISTENT;
		a->hit.ref = p->ref;
		a->hit.col = p->col;
		a->hit.pub = (enum sdc_pub)p->pub;
		if ((rc = a->fn(a->ctx, &a->hit, err)) != 0)
			return rc;
	}
	return 0;
}

/* Solve; 1 optimal, 0 infeasible, -1 solver failure. */
static int
solve(glp_prob *lp, const glp_smcp *parm, struct audit *a, double *v)
{
	int rc, st;

	a->st->lps++;
	rc = glp_simplex(lp, parm);
	if (rc != 0 && rc != GLP_ENOPFS && rc != GLP_ENODFS) {
		glp_adv_basis(lp, 0);
		rc = glp_simplex(lp, parm);
	}
	if (rc == GLP_ENOPFS)
		return 0;
	if (rc != 0)
		return -1;
	st = glp_get_status(lp);
	if (st == GLP_NOFEAS)
		return 0;
	if (st != GLP_OPT)
		return -1;
	*v = glp_get_obj_val(lp);
	return 1;
}

/* The value a var not in the current LP keeps: fixed, or its point. */
static double
held(const struct audit *a, size_t v)
{
	const struct sdc_release *rel = a->rel;
	double x = rel->pt[v];

	if (a->fixed[v])
		return rel->lo[v];
	if (a->x0set[v])
		return a->x0[v];
	if (x < rel->lo[v])
		x = rel->lo[v];
	if (x > rel->hi[v])
		x = rel->hi[v];
	return x;
}

/*
 * An LP over vars[0..nv-1] with the identities rows[0..nr-1]; members
 * of a row that are not among vars keep their held value.
 */
struct lp {
	glp_prob *lp;
	glp_smcp parm;
	const size_t *vars, *rows;
	size_t nv, nr;
	unsigned char *side;	/* per column from 1, or NULL: rel_hold */
	double *clo, *chi;	/* per column from 1: its bounds as loaded */
};

/* A column and its room about the point, for rel_crash. */
struct roomy {
	double room;
	int j;
};

static int
roomcmp(const void *a, const void *b)
{
	const struct roomy *x = a, *y = b;

	if (x->room != y->room)
		return x->room < y->room ? -1 : 1;
	return x->j < y->j ? -1 : x->j > y->j;
}

void
rel_seen(double x, double cap, double *m, double *M)
{
	if (x >= cap / 2)
		x = HUGE_VAL;
	if (x < *m)
		*m = x;
	if (x > *M)
		*M = x;
}

double
rel_room(const struct sdc_release *rel, double cap, size_t v, double x,
    unsigned char *up)
{
	double hi = isinf(rel->hi[v]) || rel->hi[v] > cap ? cap : rel->hi[v];

	*up = hi - x < x - rel->lo[v];
	return *up ? hi - x : x - rel->lo[v];
}

int
rel_crash(glp_prob *lp, const int *ia, const int *ja, size_t nnz,
    const double *room, const unsigned char *up)
{
	size_t nr = (size_t)glp_get_num_rows(lp);
	size_t nc = (size_t)glp_get_num_cols(lp);
	size_t i, k, r, next = 0, nq = 0;
	size_t *roff, *coff, *rid, *cnt, *q;
	struct roomy *ord;
	unsigned char *dec, *gone;
	int j, rc = -1;

	roff = malloc((nr + 2) * sizeof(*roff));
	coff = calloc(nc + 2, sizeof(*coff));
	rid = malloc((nnz + 1) * sizeof(*rid));
	cnt = calloc(nr + 1, sizeof(*cnt));
	q = malloc((nr + 1) * sizeof(*q));
	ord = malloc((nc + 1) * sizeof(*ord));
	dec = calloc(nc + 1, 1);
	gone = calloc(nr + 1, 1);
	if (roff == NULL || coff == NULL || rid == NULL || cnt == NULL ||
	    q == NULL || ord == NULL || dec == NULL || gone == NULL)
		goto done;
	/* entries of row i (from 1): k in [roff[i], roff[i + 1]) */
	for (k = 1; k <= nnz; k++) {
		cnt[ia[k] - 1]++;
		coff[ja[k]]++;
	}
	roff[1] = 1;
	for (i = 1; i <= nr; i++)
		roff[i + 1] = roff[i] + cnt[i - 1];
	/* rows of column j: rid[coff[j] .. coff[j + 1]) */
	for (i = 1; i <= nc + 1; i++)
		coff[i] += coff[i - 1];
	for (k = nnz; k >= 1; k--)
		rid[--coff[ja[k]]] = (size_t)ia[k];
	for (i = 0; i < nc; i++) {
		ord[i].j = (int)i + 1;
		ord[i].room = room[i];
	}
	qsort(ord, nc, sizeof(*ord), roomcmp);
	for (i = 1; i <= nr; i++)
		if (cnt[i - 1] == 1)
			q[nq++] = i;
	for (;;) {
		if (nq > 0) {
			/* a row with one undecided column: it is the basic */
			r = q[--nq];
			if (gone[r] || cnt[r - 1] != 1)
				continue;
			for (j = 0, k = roff[r]; k < roff[r + 1]; k++)
				if (!dec[ja[k]])
					j = ja[k];
			gone[r] = 1;
			if (j == 0)
				continue;
			glp_set_col_stat(lp, j, GLP_BS);
			glp_set_row_stat(lp, (int)r, GLP_NS);
		} else {
			/* else the column with least room, at its bound */
			while (next < nc && dec[ord[next].j])
				next++;
			if (next == nc)
				break;
			j = ord[next].j;
			glp_set_col_stat(lp, j, up[j - 1] ? GLP_NU : GLP_NL);
		}
		dec[j] = 1;
		for (k = coff[j]; k < coff[j + 1]; k++) {
			r = rid[k];
			if (!gone[r] && --cnt[r - 1] == 1)
				q[nq++] = r;
		}
	}
	rc = 0;
done:
	free(roff);
	free(coff);
	free(rid);
	free(cnt);
	free(q);
	free(ord);
	free(dec);
	free(gone);
	return rc;
}

void
rel_hold(glp_prob *lp, size_t n, const double *lo, const double *hi,
    const double *x, unsigned char *side)
{
	size_t j;

	for (j = 1; j <= n; j++) {
		int st = glp_get_col_stat(lp, (int)j);
		double p = x[j] < lo[j] ? lo[j] : x[j] > hi[j] ? hi[j] : x[j];

		side[j] = 0;
		if (st == GLP_NL && p - lo[j] > EPS) {
			glp_set_col_bnds(lp, (int)j, GLP_DB, lo[j], p);
			glp_set_col_stat(lp, (int)j, GLP_NU);
			side[j] = 1;
		} else if (st == GLP_NU && hi[j] - p > EPS) {
			glp_set_col_bnds(lp, (int)j, GLP_DB, p, hi[j]);
			glp_set_col_stat(lp, (int)j, GLP_NL);
			side[j] = 2;
		}
	}
}

size_t
rel_lift(glp_prob *lp, size_t n, const double *lo, const double *hi,
    unsigned char *side)
{
	int dir = glp_get_obj_dir(lp) == GLP_MAX ? 1 : -1;
	size_t j, flips = 0;

	for (j = 1; j <= n; j++) {
		int st, c = (int)j;
		double x, d;

		if (side[j] == 0)
			continue;
		st = glp_get_col_stat(lp, c);
		x = glp_get_col_prim(lp, c);
		if (st == GLP_BS || x - lo[j] <= EPS || hi[j] - x <= EPS) {
			glp_set_col_bnds(lp, c, GLP_DB, lo[j], hi[j]);
			if (st != GLP_BS)
				glp_set_col_stat(lp, c,
				    x - lo[j] <= EPS ? GLP_NL : GLP_NU);
			side[j] = 0;
			continue;
		}
		d = dir * glp_get_col_dual(lp, c);
		if (side[j] == 1 && d > SHIFT_DJ) {
			glp_set_col_bnds(lp, c, GLP_DB, x, hi[j]);
			glp_set_col_stat(lp, c, GLP_NL);
			side[j] = 2;
			flips++;
		} else if (side[j] == 2 && d < -SHIFT_DJ) {
			glp_set_col_bnds(lp, c, GLP_DB, lo[j], x);
			glp_set_col_stat(lp, c, GLP_NU);
			side[j] = 1;
			flips++;
		}
	}
	return flips;
}

int
rel_solve_held(glp_prob *lp, size_t n, const double *lo, const double *hi,
    unsigned char *side, rel_solve_fn *fn, void *ctx)
{
	size_t j;
	int s, pass;

	while ((s = fn(lp, ctx)) == 1 && rel_lift(lp, n, lo, hi, side) > 0)
		;
	/*
	 * Held columns can move only one way, so a restriction whose
	 * basic values come out a hair past a bound (rounding in sums of
	 * margins of 10^5) can be infeasible when the LP is not.  Then
	 * each held column gets a little room past its point, and failing
	 * that its own bounds back; neither changes the LP answered.
	 */
	for (pass = 0; s == 0 && pass < 2; pass++) {
		for (j = 1; j <= n; j++) {
			double l = lo[j], h = hi[j], x;

			if (side[j] == 0)
				continue;
			x = side[j] == 1 ? glp_get_col_ub(lp, (int)j) :
			    glp_get_col_lb(lp, (int)j);
			if (pass == 0 && side[j] == 1 && x + HOLD_SLACK < h)
				h = x + HOLD_SLACK;
			else if (pass == 0 && side[j] == 2 &&
			    x - HOLD_SLACK > l)
				l = x - HOLD_SLACK;
			glp_set_col_bnds(lp, (int)j, GLP_DB, l, h);
			if (pass == 1)
				side[j] = 0;
		}
		while ((s = fn(lp, ctx)) == 1 &&
		    rel_lift(lp, n, lo, hi, side) > 0)
			;
	}
	return s;
}

static int
lp_build(struct audit *a, struct lp *L, const size_t *vars, size_t nv,
    const size_t *rows, size_t nr, struct sdc_err *err)
{
	const struct sdc_release *rel = a->rel;
	size_t i, k, nnz = 0;
	int *ia, *ja;
	double *ar;

	L->vars = vars;
	L->side = NULL;
	L->clo = L->chi = NULL;
	L->nv = nv;
	L->rows = rows;
	L->nr = nr;
	for (i = 0; i < nr; i++)
		nnz += rel->ioff[rows[i] + 1] - rel->ioff[rows[i]];
	ia = malloc((nnz + 1) * sizeof(*ia));
	ja = malloc((nnz + 1) * sizeof(*ja));
	ar = malloc((nnz + 1) * sizeof(*ar));
	if (ia == NULL || ja == NULL || ar == NULL) {
		free(ia);
		free(ja);
		free(ar);
		return sdc_err_nomem(err);
	}
	L->lp = glp_create_prob();
	glp_add_cols(L->lp, (int)nv);
	for (i = 0; i < nv; i++) {
		size_t v = vars[i];
		double lo = rel->lo[v], hi = isinf(rel->hi[v]) ||
		    rel->hi[v] > a->cap ? a->cap : rel->hi[v];

		/* a point outside (only mend's) widens the bounds to it */
		if (a->x0set[v] && a->x0[v] < lo)
			lo = a->x0[v];
		if (a->x0set[v] && a->x0[v] > hi)
			hi = a->x0[v];
		a->col[v] = i + 1;
		a->cvar[i + 1] = v;
		glp_set_col_bnds(L->lp, (int)i + 1, GLP_DB, lo, hi);
	}
	if (nr > 0)
		glp_add_rows(L->lp, (int)nr);
	nnz = 0;
	for (i = 0; i < nr; i++) {
		double rhs = 0;

		for (k = rel->ioff[rows[i]]; k < rel->ioff[rows[i] + 1]; k++) {
			size_t v = rel->iv[k];
			double sign = k == rel->ioff[rows[i]] ? 1 : -1;

			if (a->col[v] == 0) {
				rhs -= sign * held(a, v);
				continue;
			}
			nnz++;
			ia[nnz] = (int)i + 1;
			ja[nnz] = (int)a->col[v];
			ar[nnz] = sign;
		}
		glp_set_row_bnds(L->lp, (int)i + 1, GLP_FX, rhs, rhs);
	}
	if (nnz > 0)
		glp_load_matrix(L->lp, (int)nnz, ia, ja, ar);
	glp_init_smcp(&L->parm);
	L->parm.msg_lev = GLP_MSG_OFF;
	L->parm.presolve = GLP_OFF;
	/* start near the point, if every var has one (rel_crash) */
	for (i = 0; i < nv && a->x0set[vars[i]]; i++)
		;
	if (i == nv && nv > 0 && nr > 0) {
		double *room = malloc(nv * sizeof(*room)), *x;
		unsigned char *up = malloc(nv);

		L->side = calloc(nv + 1, 1);
		L->clo = malloc((nv + 1) * sizeof(*L->clo));
		L->chi = malloc((nv + 1) * sizeof(*L->chi));
		x = malloc((nv + 1) * sizeof(*x));
		for (i = 0; room != NULL && up != NULL && i < nv; i++)
			room[i] = rel_room(rel, a->cap, vars[i], a->x0[vars[i]],
			    &up[i]);
		for (i = 0; x != NULL && L->clo != NULL && L->chi != NULL &&
		    i < nv; i++) {
			x[i + 1] = a->x0[vars[i]];
			L->clo[i + 1] = glp_get_col_lb(L->lp, (int)i + 1);
			L->chi[i + 1] = glp_get_col_ub(L->lp, (int)i + 1);
		}
		if (room == NULL || up == NULL || x == NULL ||
		    L->side == NULL || L->clo == NULL || L->chi == NULL ||
		    rel_crash(L->lp, ia, ja, nnz, room, up) != 0)
			nnz = SIZE_MAX;
		else
			rel_hold(L->lp, nv, L->clo, L->chi, x, L->side);
		free(room);
		free(up);
		free(x);
	}
	free(ia);
	free(ja);
	free(ar);
	return nnz == SIZE_MAX ? sdc_err_nomem(err) : 0;
}

static void
lp_free(struct audit *a, struct lp *L)
{
	size_t i;

	for (i = 0; i < L->nv; i++)
		a->col[L->vars[i]] = 0;
	if (L->lp != NULL)
		glp_delete_prob(L->lp);
	L->lp = NULL;
	free(L->side);
	free(L->clo);
	free(L->chi);
	L->side = NULL;
	L->clo = L->chi = NULL;
}

/* rel_solve_held's solve: one more LP for the stats */
struct lp_call {
	struct audit *a;
	const glp_smcp *parm;
	double val;
};

static int
lp_call(glp_prob *lp, void *ctx)
{
	struct lp_call *c = ctx;

	return solve(lp, c->parm, c->a, &c->val);
}

/*
 * Solve L exactly, held columns and all (rel_solve_held): 1 optimal,
 * 0 infeasible, -1 solver failure.
 */
static int
lp_solve(struct audit *a, struct lp *L, double *val)
{
	struct lp_call c;
	int s;

	c.a = a;
	c.parm = &L->parm;
	c.val = 0;
	if (L->side == NULL)
		s = solve(L->lp, &L->parm, a, &c.val);
	else
		s = rel_solve_held(L->lp, L->nv, L->clo, L->chi, L->side,
		    lp_call, &c);
	*val = c.val;
	return s;
}

/* Widen the witnessed ranges of the targets by the current solution. */
static void
witness(struct audit *a, const struct lp *L, const size_t *tv, size_t nt)
{
	size_t i;

	for (i = 0; i < nt; i++) {
		size_t v = tv[i];
		rel_seen(glp_get_col_prim(L->lp, (int)a->col[v]), a->cap,
		    &a->m[v], &a->M[v]);
	}
}

/* The published cells that bind the current solution, for a report. */
static void
pins(struct audit *a, const struct lp *L, size_t v)
{
	const struct sdc_release *rel = a->rel;
	size_t j, i, k;

	for (j = 1; j <= L->nv; j++)
		if (fabs(glp_get_col_dual(L->lp, (int)j)) > 1e-9)
			add_pin(a, a->cvar[j], v);
	for (i = 0; i < L->nr; i++) {
		if (fabs(glp_get_row_dual(L->lp, (int)i + 1)) <= 1e-9)
			continue;
		for (k = rel->ioff[L->rows[i]]; k < rel->ioff[L->rows[i] + 1];
		    k++)
			if (a->col[rel->iv[k]] == 0)
				add_pin(a, rel->iv[k], v);
	}
}

/*
 * Which way a target not yet proven safe still needs a witness: +1 up
 * when it has been seen at its least value, -1 down when at its
 * greatest, 0 either way, 2 when it is safe.
 */
static int
need(const struct audit *a, size_t v)
{
	const struct sdc_release *rel = a->rel;

	if (rel_safe(rel, v, a->m[v], a->M[v]))
		return 2;
	if (a->m[v] <= rel->lo[v] + EPS)
		return 1;
	if (!isinf(rel->hi[v]) && a->M[v] >= rel->hi[v] - EPS)
		return -1;
	return 0;
}

/*
 * The nearest value beyond v's witnessed range, above it (dir > 0) or
 * below, at which v would be proven safe; the cap (or v's least
 * value) when none is near.
 */
static double
goal(const struct audit *a, size_t v, int dir)
{
	const struct sdc_release *rel = a->rel;
	double W = rel->o.protection > 1 ? rel->o.protection : 1;
	double reach = W + rel->o.threshold + 2, m = a->m[v], M = a->M[v], G;

	if (!(m <= M) || !isfinite(m) || !isfinite(M))	/* nothing seen */
		return dir > 0 ? a->cap : rel->lo[v];
	if (dir > 0) {
		for (G = floor(M + EPS) + 1; G <= ceil(m - EPS) + reach; G++)
			if (rel_safe(rel, v, m, G))
				return G;
		return a->cap;
	}
	for (G = ceil(m - EPS) - 1; G >= rel->lo[v] &&
	    G >= floor(M + EPS) - reach; G--)
		if (rel_safe(rel, v, G, M))
			return G;
	return rel->lo[v];
}

/*
 * Push each target tv[t] with sgn[t] != 0 that way, only as far as its
 * goal (G[t], or goal() with G NULL): maximize the sum of new columns
 * y_t, with rows y_t - sgn x_t <= 0 and y_t <= sgn goal.  A plain sum
 * would push every target to its extreme, far past what proves it
 * safe, and cost many times the pivots.  Each y_t starts basic (its
 * row at its bound), so a feasible basis stays feasible.
 *
 * Afterwards y_t and its row go when one of the two is basic: y_t's
 * column has its one entry in that row, so the rest of the basis is
 * still nonsingular, with the same values.  Kept, they would pile up
 * over the pushes of a group and slow every later pivot (a quarter of
 * the pieces' time on the 3*10^4-cell benchmark).  The few others
 * leave the objective and, where basic, are freed: the row then binds
 * nothing.  Returns what lp_solve does, -1 also with no memory.
 */
static int
push(struct audit *a, struct lp *L, const size_t *tv, size_t nt,
    const int *sgn, const double *G)
{
	int c0 = glp_get_num_cols(L->lp), r0 = glp_get_num_rows(L->lp);
	int k = 0, n = 0, nd = 0, ind[3], s, *dr = NULL, *dc = NULL;
	double val[3], x;
	size_t t;

	for (t = 0; t < nt; t++)
		n += sgn[t] != 0;
	if (n > 0) {
		glp_add_cols(L->lp, n);
		glp_add_rows(L->lp, n);
	}
	for (t = 0; t < nt; t++) {
		if (sgn[t] == 0)
			continue;
		k++;
		ind[1] = c0 + k;
		val[1] = 1;
		ind[2] = (int)a->col[tv[t]];
		val[2] = -sgn[t];
		glp_set_mat_row(L->lp, r0 + k, 2, ind, val);
		glp_set_row_bnds(L->lp, r0 + k, GLP_UP, 0, 0);
		glp_set_row_stat(L->lp, r0 + k, GLP_NU);
		glp_set_col_bnds(L->lp, c0 + k, GLP_UP, 0, sgn[t] *
		    (G != NULL ? G[t] : goal(a, tv[t], sgn[t])));
		glp_set_col_stat(L->lp, c0 + k, GLP_BS);
		glp_set_obj_coef(L->lp, c0 + k, 1);
	}
	glp_set_obj_dir(L->lp, GLP_MAX);
	s = lp_solve(a, L, &x);
	if (n == 0)
		return s;
	if ((dr = malloc((size_t)(n + 1) * sizeof(*dr))) == NULL ||
	    (dc = malloc((size_t)(n + 1) * sizeof(*dc))) == NULL) {
		free(dr);
		return -1;
	}
	for (k = 1; k <= n; k++) {
		int yb = glp_get_col_stat(L->lp, c0 + k) == GLP_BS;

		if (yb != (glp_get_row_stat(L->lp, r0 + k) == GLP_BS)) {
			nd++;
			dr[nd] = r0 + k;
			dc[nd] = c0 + k;
			continue;
		}
		glp_set_obj_coef(L->lp, c0 + k, 0);
		if (yb)
			glp_set_col_bnds(L->lp, c0 + k, GLP_FR, 0, 0);
	}
	if (nd > 0) {
		glp_del_rows(L->lp, nd, dr);
		glp_del_cols(L->lp, nd, dc);
	}
	free(dr);
	free(dc);
	return s;
}

/*
 * Feasible points for the targets tv[0..nt-1] of L: the open targets
 * pushed up, then down (the first solve, run even with nothing open,
 * also tells whether L is feasible at all), then with random signs,
 * each the way it needs, until two rounds in a row settle none (their
 * pivots were seconds for nothing over the whole 10^5-cell group).
 * Returns 1, 0 if L is infeasible, -1 on failure.
 */
static int
spread(struct audit *a, struct lp *L, const size_t *tv, size_t nt,
    uint64_t *rng)
{
	size_t t, round, open, last = SIZE_MAX, idle = 0;
	int s = 1, dir, *sgn;

	if ((sgn = malloc((nt + 1) * sizeof(*sgn))) == NULL)
		return -1;
	for (dir = 1; dir >= -1 && s == 1; dir -= 2) {
		for (t = 0, open = 0; t < nt; t++) {
			int n = need(a, tv[t]);

			sgn[t] = n != 2 && n != -dir ? dir : 0;
			open += sgn[t] != 0;
		}
		if (dir < 0 && open == 0)
			break;
		if ((s = push(a, L, tv, nt, sgn, NULL)) == 1)
			witness(a, L, tv, nt);
		else if (dir < 0)
			s = -1;
	}
	for (round = 0; round < SPREAD_ROUNDS && s == 1; round++) {
		for (t = 0, open = 0; t < nt; t++) {
			int n = need(a, tv[t]);

			sgn[t] = 0;
			if (n == 2)
				continue;
			*rng ^= *rng << 13;
			*rng ^= *rng >> 7;
			*rng ^= *rng << 17;
			sgn[t] = n != 0 ? n : *rng & 1 ? 1 : -1;
			open++;
		}
		if (open == 0)
			break;
		idle = open == last ? idle + 1 : 0;
		last = open;
		if (idle == 2)
			break;
		if (push(a, L, tv, nt, sgn, NULL) != 1)
			s = -1;
		else
			witness(a, L, tv, nt);
	}
	free(sgn);
	return s;
}

/*
 * Least (dir GLP_MIN) or greatest value of v over L, pins collected.
 * Where L's solutions witness the targets tv[0..nt-1], only as far as
 * v's goal: exact unless v is then proven safe.  With tv NULL (L is
 * a relaxation, its solutions witness nothing), exact.
 */
static int
extreme(struct audit *a, struct lp *L, size_t v, int dir, double *x,
    const size_t *tv, size_t nt)
{
	int sgn = dir == GLP_MAX ? 1 : -1, s;

	if (tv != NULL) {
		s = push(a, L, &v, 1, &sgn, NULL);
		*x = glp_get_col_prim(L->lp, (int)a->col[v]);
	} else {
		glp_set_obj_coef(L->lp, (int)a->col[v], 1.0);
		glp_set_obj_dir(L->lp, dir);
		s = lp_solve(a, L, x);
		glp_set_obj_coef(L->lp, (int)a->col[v], 0.0);
	}
	if (s != 1)
		return -1;
	if (*x >= a->cap / 2)
		*x = HUGE_VAL;
	witness(a, L, tv, nt);
	pins(a, L, v);
	return 0;
}

/*
 * The target v's greatest value in L, then, unless that shows it safe,
 * its least (into *hi, *lo; pins in a->hit): 1 when v is safe, 0 when
 * not (*lo, *hi then v's interval in L, capped at the goals: extreme),
 * -1 when an LP failed.
 */
static int
extremes(struct audit *a, struct lp *L, size_t v, double *lo, double *hi,
    const size_t *tv, size_t nt)
{
	const struct sdc_release *rel = a->rel;

	memset(&a->hit, 0, sizeof(a->hit));
	if (extreme(a, L, v, GLP_MAX, hi, tv, nt) != 0)
		return -1;
	if (rel_safe(rel, v, a->m[v], a->M[v]))
		return 1;
	if (extreme(a, L, v, GLP_MIN, lo, tv, nt) != 0)
		return -1;
	return rel_safe(rel, v, a->m[v], a->M[v]);
}

/*
 * Does [lo, hi], an interval that contains the true one, show that p
 * is disclosed whatever the true interval is?
 */
static int
surely_disclosed(const struct sdc_release *rel, const struct pubrec *p,
    double lo, double hi)
{
	double L = ceil(lo - EPS), H = isinf(hi) ? hi : floor(hi + EPS);
	double T = rel->o.threshold;

	if (!disclosed(rel, p, lo, hi))
		return 0;
	/* narrow but maybe above T: only if it cannot be above T */
	if (p->pub == SDC_PUB_REDACTED && !(L >= 1 && H <= T) && H - L >= 1)
		return H <= T;
	return 1;
}

/*
 * Move x, a point that satisfies every identity but lies a little
 * outside some intervals (rel_witness), inside them all: one LP over
 * every var not fixed and every fixed var outside its value, with
 * every identity, started at x (lp_build widens the bounds of the vars
 * outside to take it in), pushes each var outside to its nearer bound.
 * Returns 1 with x moved, 0 (x then useless).  ctx: the audit.  Any
 * failure here, out of memory included, only costs time: with no
 * point, every cell is solved from scratch.
 */
static int
mend(void *ctx, double *x)
{
	struct audit *a = ctx;
	const struct sdc_release *rel = a->rel;
	size_t v, t, nv = 0, nb = 0, *vars, *ids, *bad;
	int *sgn, ok = 0;
	double *G;
	struct lp L;
	struct sdc_err err;

	memset(&L, 0, sizeof(L));
	vars = malloc((rel->nvar + 1) * sizeof(*vars));
	bad = malloc((rel->nvar + 1) * sizeof(*bad));
	ids = malloc((rel->nident + 1) * sizeof(*ids));
	sgn = malloc((rel->nvar + 1) * sizeof(*sgn));
	G = malloc((rel->nvar + 1) * sizeof(*G));
	if (vars == NULL || bad == NULL || ids == NULL || sgn == NULL ||
	    G == NULL)
		goto done;
	for (v = 0; v < rel->nvar; v++) {
		int out = x[v] < rel->lo[v] || x[v] > rel->hi[v];

		a->x0[v] = x[v];
		a->x0set[v] = 1;
		if (a->fixed[v] && !out)
			continue;
		vars[nv++] = v;
		if (!out)
			continue;
		sgn[nb] = x[v] < rel->lo[v] ? 1 : -1;
		G[nb] = x[v] < rel->lo[v] ? rel->lo[v] : rel->hi[v];
		bad[nb++] = v;
	}
	for (t = 0; t < rel->nident; t++)
		ids[t] = t;
	if (nv == 0 || rel->nident == 0 ||
	    lp_build(a, &L, vars, nv, ids, rel->nident, &err) != 0 ||
	    push(a, &L, bad, nb, sgn, G) != 1)
		goto done;
	for (t = 0; t < nb; t++) {
		double y = glp_get_col_prim(L.lp, (int)a->col[bad[t]]);

		if (y < rel->lo[bad[t]] - EPS || y > rel->hi[bad[t]] + EPS)
			goto done;
	}
	for (t = 0; t < nv; t++) {
		double y = glp_get_col_prim(L.lp, (int)t + 1);

		v = vars[t];
		x[v] = y < rel->lo[v] ? rel->lo[v] : y > rel->hi[v] ?
		    rel->hi[v] : y;
	}
	a->st->mended = ok = 1;
done:
	lp_free(a, &L);
	memset(a->x0set, 0, rel->nvar);
	free(vars);
	free(bad);
	free(ids);
	free(sgn);
	free(G);
	return ok;
}

/*
 * A feasible point of the whole system, table by table: each call of
 * sdc_release_add made a block of identities, and each block's LP (its
 * vars not yet given a value free, the others held) extends the point.
 * Every identity is in one block, so the result satisfies all of them.
 * Small LPs instead of one over every linked cell: with the point,
 * the restriction in component() needs to free only the targets.  If a
 * block cannot extend the point, there is none: component() then
 * holds published values instead.
 */
static int
point(struct audit *a, struct sdc_err *err)
{
	const struct sdc_release *rel = a->rel;
	size_t b, i, k, nv, *vars, *ids, cap = 0;
	struct lp L;
	int rc = 0;

	memset(&L, 0, sizeof(L));
	for (b = 0; b < rel->nblk; b++)
		if (rel->blk[b + 1] - rel->blk[b] > cap)
			cap = rel->blk[b + 1] - rel->blk[b];
	vars = malloc((rel->nvar + 1) * sizeof(*vars));
	ids = malloc((cap + 1) * sizeof(*ids));
	if (vars == NULL || ids == NULL) {
		free(vars);
		free(ids);
		return sdc_err_nomem(err);
	}
	for (b = 0; b < rel->nblk; b++) {
		size_t nid = rel->blk[b + 1] - rel->blk[b];
		double val;
		int s;

		nv = 0;
		for (i = 0; i < nid; i++) {
			size_t id = rel->blk[b] + i;

			ids[i] = id;
			for (k = rel->ioff[id]; k < rel->ioff[id + 1]; k++) {
				size_t v = rel->iv[k];

				if (a->fixed[v] || a->x0set[v] || a->col[v])
					continue;
				a->col[v] = 1;	/* seen; lp_build renumbers */
				vars[nv++] = v;
			}
		}
		for (i = 0; i < nv; i++)
			a->col[vars[i]] = 0;
		if (nv == 0)
			continue;
		if ((rc = lp_build(a, &L, vars, nv, ids, nid, err)) != 0)
			break;
		s = solve(L.lp, &L.parm, a, &val);
		if (s == 1)
			for (i = 0; i < nv; i++) {
				a->x0[vars[i]] = glp_get_col_prim(L.lp,
				    (int)i + 1);
				a->x0set[vars[i]] = 1;
			}
		lp_free(a, &L);
		if (s != 1) {
			/* no point this way: forget it all */
			memset(a->x0set, 0, rel->nvar);
			break;
		}
	}
	free(vars);
	free(ids);
	return rc;
}

/*
 * What the pieces leave open mostly needs the room of cells they hold:
 * the rounded cells near it.  An LP over every free var of the group
 * and every var within NEAR_DEPTH identities of an open target (the rest
 * held at the point) is a restriction, so what it shows safe is safe,
 * and it is often a fraction of the group: at the 3*10^4-cell benchmark
 * it settles 31 of the 38 left, in a sixth of the whole group's time.
 * Targets it settles leave left[0..*nleft-1]; nothing is reported,
 * and an LP that fails only ends this shortcut: the group's LP follows.
 * Returns 0, -1 with no memory (err set).
 */
static int
near_lp(struct audit *a, const size_t *vs, size_t nv, const size_t *ids,
    size_t nid, size_t *left, size_t *nleft, uint64_t *rng,
    struct sdc_err *err)
{
	const struct sdc_release *rel = a->rel;
	unsigned char *mk = calloc(rel->nvar + 1, 1);
	size_t *seed = malloc((nv + 1) * sizeof(*seed));
	size_t *xv = malloc((nv + 1) * sizeof(*xv));
	size_t *xr = malloc((nid + 1) * sizeof(*xr));
	size_t i, k, t, ns = 0, nn, nx = 0, nr = 0, d;
	struct lp L;
	int rc = -1;

	memset(&L, 0, sizeof(L));
	if (mk == NULL || seed == NULL || xv == NULL || xr == NULL) {
		rc = sdc_err_nomem(err);
		goto done;
	}
	/* mk: 1 free in the pieces or near, 2 also a seed of this round */
	for (i = 0; i < nv; i++)
		mk[vs[i]] = a->freev[vs[i]];
	for (t = 0; t < *nleft; t++) {
		mk[left[t]] = 2;
		seed[ns++] = left[t];
	}
	for (d = 0; d < NEAR_DEPTH && ns > 0; d++) {
		for (i = 0, nn = 0; i < nid; i++) {
			for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1];
			    k++)
				if (mk[rel->iv[k]] == 2)
					break;
			if (k == rel->ioff[ids[i] + 1])
				continue;
			for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1];
			    k++) {
				size_t u = rel->iv[k];

				if (!a->fixed[u] && mk[u] == 0) {
					mk[u] = 3;	/* the next seeds */
					xv[nn++] = u;
				}
			}
		}
		for (i = 0; i < ns; i++)
			mk[seed[i]] = 1;
		for (i = 0; i < nn; i++)
			mk[seed[i] = xv[i]] = 2;
		ns = nn;
	}
	for (i = 0; i < nv; i++)
		if (mk[vs[i]] != 0)
			xv[nx++] = vs[i];
	for (i = 0; i < nid; i++) {
		for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1]; k++)
			if (mk[rel->iv[k]] != 0 && !a->fixed[rel->iv[k]])
				break;
		if (k < rel->ioff[ids[i] + 1])
			xr[nr++] = ids[i];
	}
	/* near most of the group, the group's own LP is as cheap */
	if (nx * 4 > nv * 3) {
		rc = 0;
		goto done;
	}
	if (lp_build(a, &L, xv, nx, xr, nr, err) != 0)
		goto done;
	rc = 0;
	for (t = spread(a, &L, left, *nleft, rng) == 1 ? 0 : *nleft;
	    t < *nleft; t++) {
		size_t v = left[t];
		double lo, hi;

		if (!rel_safe(rel, v, a->m[v], a->M[v]) &&
		    extremes(a, &L, v, &lo, &hi, left, *nleft) < 0)
			break;
	}
	for (t = 0, i = 0; t < *nleft; t++)
		if (!rel_safe(rel, left[t], a->m[left[t]], a->M[left[t]]))
			left[i++] = left[t];
	a->st->nearby += *nleft - i;
	*nleft = i;
done:
	lp_free(a, &L);
	free(mk);
	free(seed);
	free(xv);
	free(xr);
	return rc;
}

/*
 * Audit one linked group: vars vs[0..nv-1] (not fixed), identities
 * ids[0..nid-1], targets tv[0..nt-1].
 *
 * The whole group can be large (every rounded cell is an interval, so
 * one release is often one group), and GLPK takes seconds over it.  So
 * first every var with a point (its published value) that is not a
 * target is held there, which splits the group into small pieces whose
 * LPs are fast: a solution of a piece is a feasible point of the whole
 * (a restriction), so targets it proves safe are safe.  A target not
 * proven gets the exact interval of the piece, and that of a relaxation
 * (the piece's identities only, every var in them free); when the two
 * agree, that is the true interval.  Only what is left goes to an LP
 * over the whole group.
 */
static int
component(struct audit *a, const size_t *vs, size_t nv, const size_t *ids,
    size_t nid, const size_t *tv, size_t nt, struct sdc_err *err)
{
	struct sdc_release *rel = a->rel;
	struct lp L;
	size_t i, k, t, p, np = 0, nleft = 0, *left = NULL;
	size_t *pstart = NULL, *pvar = NULL, *prow = NULL, *ptgt = NULL;
	size_t *rstart = NULL, *tstart = NULL, *pid = NULL, *xv = NULL;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;	/* fixed: runs repeat */
	double *rlo = NULL, *rhi = NULL;
	int rc = -1, s;

	memset(&L, 0, sizeof(L));
	/* only targets not yet proven safe */
	for (t = 0, i = 0; t < nt; t++)
		if (!rel_safe(rel, tv[t], a->m[tv[t]], a->M[tv[t]]))
			i++;
	if (i == 0)
		return 0;
	/* free: targets and vars with no point */
	for (i = 0; i < nv; i++) {
		size_t v = vs[i];

		a->freev[v] = rel_is_target(rel, v) ||
		    (!a->x0set[v] && isnan(rel->pt[v]));
		a->uf[v] = v;
	}
	/* points that break an identity cannot all be held */
	for (i = 0; i < nid; i++) {
		double sum = 0, size = 1;
		int anyfree = 0;

		for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1]; k++) {
			size_t v = rel->iv[k];
			double x = held(a, v);

			if (!a->fixed[v] && a->freev[v])
				anyfree = 1;
			sum += (k == rel->ioff[ids[i]] ? 1 : -1) * x;
			size += fabs(x);
		}
		if (anyfree || fabs(sum) <= EPS * size)
			continue;
		for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1]; k++)
			if (!a->fixed[rel->iv[k]])
				a->freev[rel->iv[k]] = 1;
	}
	/* pieces: free vars linked by identities */
	for (i = 0; i < nid; i++) {
		size_t first = SIZE_MAX;

		for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1]; k++) {
			size_t v = rel->iv[k];

			if (a->fixed[v] || !a->freev[v])
				continue;
			if (first == SIZE_MAX)
				first = v;
			else
				a->uf[uf_find(a->uf, v)] = uf_find(a->uf, first);
		}
	}
	pid = malloc((nv + 1) * sizeof(*pid));
	pstart = calloc(nv + 2, sizeof(*pstart));
	tstart = calloc(nv + 2, sizeof(*tstart));
	rstart = calloc(nv + 2, sizeof(*rstart));
	pvar = malloc((nv + 1) * sizeof(*pvar));
	ptgt = malloc((nt + 1) * sizeof(*ptgt));
	prow = malloc((nid + 1) * sizeof(*prow));
	left = malloc((nt + 1) * sizeof(*left));
	rlo = malloc((nt + 1) * sizeof(*rlo));
	rhi = malloc((nt + 1) * sizeof(*rhi));
	xv = malloc((nv + 1) * sizeof(*xv));
	if (pid == NULL || pstart == NULL || tstart == NULL || rstart == NULL ||
	    pvar == NULL || ptgt == NULL || prow == NULL || left == NULL ||
	    rlo == NULL || rhi == NULL || xv == NULL)
		goto nomem;
	/* number the pieces that hold a target, in target order */
	for (i = 0; i < nv; i++)
		a->piece[vs[i]] = SIZE_MAX;
	for (t = 0; t < nt; t++) {
		size_t r = uf_find(a->uf, tv[t]);

		if (a->piece[r] == SIZE_MAX)
			a->piece[r] = np++;
	}
	/* counting sort of free vars, targets and rows by piece */
	for (i = 0; i < nv; i++)
		pid[i] = a->freev[vs[i]] ? a->piece[uf_find(a->uf, vs[i])] :
		    SIZE_MAX;
	for (i = 0; i < nv; i++)
		if (pid[i] != SIZE_MAX)
			pstart[pid[i] + 1]++;
	for (t = 0; t < nt; t++)
		tstart[a->piece[uf_find(a->uf, tv[t])] + 1]++;
	for (i = 0; i < nid; i++) {
		for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1]; k++) {
			size_t v = rel->iv[k];

			if (!a->fixed[v] && a->freev[v])
				break;
		}
		if (k < rel->ioff[ids[i] + 1] &&
		    (p = a->piece[uf_find(a->uf, rel->iv[k])]) != SIZE_MAX)
			rstart[p + 1]++;
	}
	for (p = 0; p < np; p++) {
		pstart[p + 1] += pstart[p];
		tstart[p + 1] += tstart[p];
		rstart[p + 1] += rstart[p];
	}
	{
		size_t *fp = a->scratch, *tp = a->scratch + np,
		    *rp = a->scratch + 2 * np;

		memcpy(fp, pstart, np * sizeof(*fp));
		memcpy(tp, tstart, np * sizeof(*tp));
		memcpy(rp, rstart, np * sizeof(*rp));
		for (i = 0; i < nv; i++)
			if (pid[i] != SIZE_MAX)
				pvar[fp[pid[i]]++] = vs[i];
		for (t = 0; t < nt; t++)
			ptgt[tp[a->piece[uf_find(a->uf, tv[t])]]++] = tv[t];
		for (i = 0; i < nid; i++) {
			for (k = rel->ioff[ids[i]]; k < rel->ioff[ids[i] + 1];
			    k++) {
				size_t v = rel->iv[k];

				if (!a->fixed[v] && a->freev[v])
					break;
			}
			if (k < rel->ioff[ids[i] + 1] &&
			    (p = a->piece[uf_find(a->uf, rel->iv[k])]) !=
			    SIZE_MAX)
				prow[rp[p]++] = ids[i];
		}
	}

	/*
	 * Held points that no piece can complete are not a point at all;
	 * a point of every var (point(), rel_witness) completes them all.
	 */
	for (i = 0; i < nv && a->x0set[vs[i]]; i++)
		;
	for (p = i == nv ? np : 0; p < np; p++) {
		double val;

		if (lp_build(a, &L, pvar + pstart[p], pstart[p + 1] - pstart[p],
		    prow + rstart[p], rstart[p + 1] - rstart[p], err) != 0)
			goto done;
		s = solve(L.lp, &L.parm, a, &val);
		lp_free(a, &L);
		if (s < 0)
			goto fail;
		if (s == 0)
			break;
	}
	if (p < np) {
		for (t = 0, nleft = 0; t < nt; t++)
			if (!rel_safe(rel, tv[t], a->m[tv[t]], a->M[tv[t]]))
				left[nleft++] = tv[t];
		np = 0;
	}

	for (p = 0; p < np; p++) {
		const size_t *T = ptgt + tstart[p];
		size_t n = tstart[p + 1] - tstart[p], nx = 0, j, before = nleft;
		size_t tried, won;

		/* the restriction */
		if (lp_build(a, &L, pvar + pstart[p], pstart[p + 1] - pstart[p],
		    prow + rstart[p], rstart[p + 1] - rstart[p], err) != 0)
			goto done;
		if ((s = spread(a, &L, T, n, &rng)) < 0)
			goto fail;
		/*
		 * Each target's own extremes, while they pay: when fewer
		 * than a quarter of the last PIECE_WINDOW settle, the rest
		 * go on untried (their piece interval unknown, NAN) to the
		 * LPs that free the cells held here.  On the 10^5-cell
		 * benchmark 600 targets cost 112 s here for 38 settled.
		 */
		for (t = 0, tried = won = 0; t < n && s == 1; t++) {
			size_t v = T[t];

			if (rel_safe(rel, v, a->m[v], a->M[v]))
				continue;
			if (tried == PIECE_WINDOW && won * 4 < tried) {
				rlo[nleft] = rhi[nleft] = NAN;
				left[nleft++] = v;
				continue;
			}
			if (tried == PIECE_WINDOW)
				tried = won = 0;
			tried++;
			switch (extremes(a, &L, v, &rlo[nleft], &rhi[nleft], T,
			    n)) {
			case -1:
				goto fail;
			case 0:
				left[nleft++] = v;
				break;
			default:
				won++;
			}
		}
		lp_free(a, &L);
		if (s == 0)
			goto fail;	/* it was feasible a moment ago */
		if (nleft == before)
			continue;

		/* the relaxation: the piece's rows, all their vars free */
		for (j = 0; j < rstart[p + 1] - rstart[p]; j++) {
			size_t id = prow[rstart[p] + j];

			for (k = rel->ioff[id]; k < rel->ioff[id + 1]; k++) {
				size_t v = rel->iv[k];

				if (a->fixed[v] || a->col[v] != 0)
					continue;
				a->col[v] = 1;	/* mark, reset by lp_build */
				xv[nx++] = v;
			}
		}
		for (j = 0; j < nx; j++)
			a->col[xv[j]] = 0;
		/*
		 * Over most of the group it costs what the group does and
		 * settles little that the group will not (76 s for nothing
		 * on the 3*10^4-cell benchmark release): leave it to that.
		 */
		if (nx * 2 > nv)
			continue;
		if (lp_build(a, &L, xv, nx, prow + rstart[p],
		    rstart[p + 1] - rstart[p], err) != 0)
			goto done;
		for (t = before; t < nleft; t++) {
			size_t v = left[t], q;
			double lo, hi;
			int sure = 1, exact;

			if (a->col[v] == 0)
				continue;
			memset(&a->hit, 0, sizeof(a->hit));
			if (extreme(a, &L, v, GLP_MAX, &hi, NULL, 0) != 0 ||
			    extreme(a, &L, v, GLP_MIN, &lo, NULL, 0) != 0)
				goto fail;
			exact = fabs(lo - rlo[t]) <= EPS &&
			    (fabs(hi - rhi[t]) <= EPS ||
			    (isinf(hi) && isinf(rhi[t])));
			/*
			 * An outer interval settles the cell only when it
			 * discloses every target publication whatever the
			 * true interval inside it is.
			 */
			for (q = rel->first[v]; q != SIZE_MAX; q = rel->next[q])
				if (rel->pub[q].target && !surely_disclosed(
				    rel, &rel->pub[q], lo, hi))
					sure = 0;
			if (!exact && !sure)
				continue;	/* the whole group decides */
			if ((rc = report(a, v, lo, hi, err)) != 0)
				goto done;
			left[t] = SIZE_MAX;	/* settled */
		}
		lp_free(a, &L);
		/* keep what is still open */
		for (t = before, j = before; t < nleft; t++)
			if (left[t] != SIZE_MAX)
				left[j++] = left[t];
		nleft = j;
	}

	/* near what is left, if there was a point to hold */
	if (nleft > 0 && np > 0 && (rc = near_lp(a, vs, nv, ids, nid, left,
	    &nleft, &rng, err)) != 0)
		goto done;

	/* what is left: an LP over the whole group */
	if (nleft > 0) {
		if (lp_build(a, &L, vs, nv, ids, nid, err) != 0)
			goto done;
		if ((s = spread(a, &L, left, nleft, &rng)) < 0)
			goto fail;
		if (s == 0) {
			for (t = 0; t < nt; t++)
				if ((rc = inconsistent(a, tv[t], err)) != 0)
					goto done;
			for (i = 0; i < nv; i++)
				if ((rc = inconsistent(a, vs[i], err)) != 0)
					goto done;
		}
		for (t = 0; t < nleft && s == 1; t++) {
			size_t v = left[t];
			double lo, hi;
			int e;

			if (rel_safe(rel, v, a->m[v], a->M[v]))
				continue;
			if ((e = extremes(a, &L, v, &lo, &hi, left, nleft)) < 0)
				goto fail;
			if (e == 0 && (rc = report(a, v, lo, hi, err)) != 0)
				goto done;
		}
	}
	rc = 0;
	goto done;
nomem:
	rc = sdc_err_nomem(err);
	goto done;
fail:
	rc = sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
	    "the LP solver failed on a group of %zu linked cells", nv);
done:
	lp_free(a, &L);
	free(pid);
	free(pstart);
	free(tstart);
	free(rstart);
	free(pvar);
	free(ptgt);
	free(prow);
	free(left);
	free(rlo);
	free(rhi);
	free(xv);
	return rc;
}

int
sdc_release_audit(struct sdc_release *rel, sdc_release_fn *fn, void *ctx,
    struct sdc_release_stats *stats, struct sdc_err *err)
{
	struct sdc_release_stats st0;
	struct audit a;
	size_t n = rel->nvar, v, i, k, q, nc = 0, ntab = 0;
	size_t *uf = NULL, *comp = NULL, *vstart = NULL, *vlist = NULL;
	size_t *istart = NULL, *ilist = NULL, *tstart = NULL, *tlist = NULL;
	double total = 0;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	memset(&st0, 0, sizeof(st0));
	a.rel = rel;
	a.fn = fn;
	a.ctx = ctx;
	a.st = stats ? stats : &st0;
	memset(a.st, 0, sizeof(*a.st));
	a.st->cells = rel->npub;
	a.st->vars = n;
	a.st->identities = rel->nident;
	a.st->links = rel->ntable_links;
	for (q = 0; q < rel->npub; q++)
		if (rel->pub[q].ref.table + 1 > ntab)
			ntab = rel->pub[q].ref.table + 1;
	a.ntold = ntab;
	a.told = calloc(ntab + 1, 1);
	a.fixed = calloc(n + 1, 1);
	a.m = malloc((n + 1) * sizeof(double));
	a.M = malloc((n + 1) * sizeof(double));
	a.col = calloc(n + 1, sizeof(size_t));
	a.cvar = calloc(n + 2, sizeof(size_t));
	uf = malloc((n + 1) * sizeof(*uf));
	comp = malloc((n + 1) * sizeof(*comp));
	a.freev = calloc(n + 1, 1);
	a.x0 = calloc(n + 1, sizeof(double));
	a.x0set = calloc(n + 1, 1);
	a.uf = malloc((n + 1) * sizeof(size_t));
	a.piece = malloc((n + 1) * sizeof(size_t));
	a.scratch = malloc((3 * n + 3) * sizeof(size_t));

	if (a.told == NULL || a.fixed == NULL || a.m == NULL || a.M == NULL ||
	    a.col == NULL || a.cvar == NULL || uf == NULL || comp == NULL ||
	    a.freev == NULL || a.uf == NULL || a.piece == NULL ||
	    a.x0 == NULL || a.x0set == NULL ||
	    a.scratch == NULL)
		goto nomem;
	for (v = 0; v < n; v++) {
		a.fixed[v] = !isinf(rel->hi[v]) && rel->hi[v] - rel->lo[v] < EPS;
		a.m[v] = HUGE_VAL;
		a.M[v] = -HUGE_VAL;
		uf[v] = v;
		if (!isinf(rel->hi[v]))
			total += rel->hi[v];
	}
	a.cap = total + 1e3;
	if (point(&a, err) != 0)
		goto done;
	/*
	 * Witnesses from small LPs around a point found without LP: most
	 * targets are shown safe here, and component() solves over whole
	 * groups only for the rest.
	 */
	switch (rel_witness(rel, a.fixed, a.cap, a.m, a.M, a.x0, &a.st->lps,
	    mend, &a, err)) {
	case -1:
		goto done;
	case 1:
		/* a point of every var: held values, and LPs start near it */
		memset(a.x0set, 1, n);
		break;
	}

	/* identities of published values alone must add up */
	for (i = 0; i < rel->nident; i++) {
		size_t first = SIZE_MAX;
		double s = 0;

		for (k = rel->ioff[i]; k < rel->ioff[i + 1]; k++) {
			v = rel->iv[k];
			if (!a.fixed[v]) {
				if (first == SIZE_MAX)
					first = v;
				else
					uf[uf_find(uf, v)] = uf_find(uf, first);
				continue;
			}
			s += k == rel->ioff[i] ? rel->lo[v] : -rel->lo[v];
		}
		if (first == SIZE_MAX && fabs(s) > EPS &&
		    (rc = inconsistent(&a, rel->iv[rel->ioff[i]], err)) != 0)
			goto done;
	}

	/* targets whose cell is pinned by publications alone */
	for (v = 0; v < n; v++) {
		if (!rel_is_target(rel, v))
			continue;
		a.st->targets++;
		if (!a.fixed[v] && rel->lo[v] <= rel->hi[v] + EPS)
			continue;
		memset(&a.hit, 0, sizeof(a.hit));
		for (q = rel->first[v]; q != SIZE_MAX; q = rel->next[q])
			if (!rel->pub[q].target)
				add_pin_pub(&a, q);
		if ((rc = report(&a, v, rel->lo[v], rel->hi[v], err)) != 0)
			goto done;
	}

	/* number the linked groups that hold a target, in var order */
	for (v = 0; v < n; v++)
		comp[v] = SIZE_MAX;
	for (v = 0; v < n; v++) {
		size_t r;

		if (a.fixed[v] || !rel_is_target(rel, v))
			continue;
		r = uf_find(uf, v);
		if (comp[r] == SIZE_MAX)
			comp[r] = nc++;
	}
	a.st->components = nc;
	vstart = calloc(nc + 2, sizeof(*vstart));
	istart = calloc(nc + 2, sizeof(*istart));
	tstart = calloc(nc + 2, sizeof(*tstart));
	vlist = malloc((n + 1) * sizeof(*vlist));
	tlist = malloc((n + 1) * sizeof(*tlist));
	ilist = malloc((rel->nident + 1) * sizeof(*ilist));
	if (vstart == NULL || istart == NULL || tstart == NULL ||
	    vlist == NULL || tlist == NULL || ilist == NULL)
		goto nomem;
	/* counting sort of vars, targets and identities by group */
	for (v = 0; v < n; v++) {
		size_t c;

		if (a.fixed[v] || (c = comp[uf_find(uf, v)]) == SIZE_MAX)
			continue;
		vstart[c + 1]++;
		if (rel_is_target(rel, v))
			tstart[c + 1]++;
	}
	for (i = 0; i < rel->nident; i++) {
		for (k = rel->ioff[i]; k < rel->ioff[i + 1]; k++)
			if (!a.fixed[rel->iv[k]])
				break;
		if (k < rel->ioff[i + 1] &&
		    comp[uf_find(uf, rel->iv[k])] != SIZE_MAX)
			istart[comp[uf_find(uf, rel->iv[k])] + 1]++;
	}
	for (i = 0; i < nc; i++) {
		vstart[i + 1] += vstart[i];
		tstart[i + 1] += tstart[i];
		istart[i + 1] += istart[i];
	}
	{
		size_t *vp = malloc((nc + 1) * sizeof(*vp));
		size_t *tp = malloc((nc + 1) * sizeof(*tp));
		size_t *ip = malloc((nc + 1) * sizeof(*ip));

		if (vp == NULL || tp == NULL || ip == NULL) {
			free(vp);
			free(tp);
			free(ip);
			goto nomem;
		}
		memcpy(vp, vstart, nc * sizeof(*vp));
		memcpy(tp, tstart, nc * sizeof(*tp));
		memcpy(ip, istart, nc * sizeof(*ip));
		for (v = 0; v < n; v++) {
			size_t c;

			if (a.fixed[v] || (c = comp[uf_find(uf, v)]) ==
			    SIZE_MAX)
				continue;
			vlist[vp[c]++] = v;
			if (rel_is_target(rel, v))
				tlist[tp[c]++] = v;
		}
		for (i = 0; i < rel->nident; i++) {
			size_t c;

			for (k = rel->ioff[i]; k < rel->ioff[i + 1]; k++)
				if (!a.fixed[rel->iv[k]])
					break;
			if (k == rel->ioff[i + 1] ||
			    (c = comp[uf_find(uf, rel->iv[k])]) == SIZE_MAX)
				continue;
			ilist[ip[c]++] = i;
		}
		free(vp);
		free(tp);
		free(ip);
	}
	for (i = 0; i < nc; i++)
		if ((rc = component(&a, vlist + vstart[i],
		    vstart[i + 1] - vstart[i], ilist + istart[i],
		    istart[i + 1] - istart[i], tlist + tstart[i],
		    tstart[i + 1] - tstart[i], err)) != 0)
			goto done;
	rc = 0;
	goto done;
nomem:
	rc = sdc_err_nomem(err);
done:
	free(a.told);
	free(a.fixed);
	free(a.m);
	free(a.M);
	free(a.col);
	free(a.cvar);
	free(a.freev);
	free(a.x0);
	free(a.x0set);
	free(a.uf);
	free(a.piece);
	free(a.scratch);
	free(uf);
	free(comp);
	free(vstart);
	free(istart);
	free(tstart);
	free(vlist);
	free(tlist);
	free(ilist);
	return rc;
}
