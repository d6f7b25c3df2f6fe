/* suppress.c - primary rules, secondary choice, and the final audit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "num.h"
#include "suppress.h"

#define EPS 1e-6
#define BOX_TRIES 64
#define PLAN_COMBOS 512

static size_t
ipow(size_t b, size_t e)
{
	size_t r = 1;

	while (e-- > 0)
		r *= b;
	return r;
}

struct sup {
	const struct sdc_table *t;
	const struct sdc_suppress_opts *o;
	unsigned char *status;
	unsigned char *hidden;
	unsigned char *fresh;	/* hidden since the last audit */
	unsigned char *ok;	/* primary passed an audit of its group */
	double *value;		/* what an attacker would see */
	double *count;		/* contributors */
	double *pl;		/* protection level of each primary */
	double *lo, *hi;
	double *plo, *phi;	/* widest interval proven by boxes so far */
	unsigned *ntot;		/* number of totalled group columns */
	int o_count_pass;	/* the second pass, on contributor counts */
	struct sdc_suppress_stats st;
	int magnitude;
};

static int
parse(struct sup *s, size_t r, long col, int integer, double *out,
    struct sdc_err *err)
{
	const char *v = sdc_table_get(s->t, r, (size_t)col);
	int is_int;

	uint64_t u;

	if (v[0] == '-' || sdc_num_parse_double(v, strlen(v), out,
	    &is_int) != 0 || (integer && !is_int))
		return sdc_table_cell_error(s->t, r, (size_t)col, err,
		    SDC_EDATA, "'%s' is not a non-negative %s", v,
		    integer ? "whole number" : "number");
	if (integer && sdc_num_parse_u64(v, strlen(v), INT64_MAX, &u) != 0)
		return sdc_table_cell_error(s->t, r, (size_t)col, err,
		    SDC_EDATA, "count %s is beyond %lld", v,
		    (long long)INT64_MAX);
	return 0;
}

/* Every margin must be the sum of its cells, or the model is wrong. */
static int
check_sums(struct sup *s, struct sdc_err *err)
{
	const struct sdc_table *t = s->t;
	size_t k, i;

	for (k = 0; k < t->nsum; k++) {
		const struct sdc_table_sum *sum = &t->sum[k];
		double total = 0, p = s->value[sum->parent];

		for (i = 0; i < sum->n; i++)
			total += s->value[sum->child[i]];
		if (fabs(total - p) > EPS * (1 + fabs(p)))
		{
			size_t col = (size_t)(s->o_count_pass ?
			    s->o->count_col : s->o->value_col);

			return sdc_table_cell_error(t, sum->parent, col, err,
			    SDC_EDATA, "margin %s is not the sum of its %zu "
			    "cells (%.17g); suppression needs an additive table",
			    sdc_table_get(t, sum->parent, col), sum->n, total);
		}
	}
	return 0;
}

static int
primaries(struct sup *s, struct sdc_err *err)
{
	const struct sdc_suppress_opts *o = s->o;
	const struct sdc_table *t = s->t;
	size_t r;

	for (r = 0; r < t->nrow; r++) {
		double n, v, top1 = 0, top2 = 0;
		int sensitive;

		if (parse(s, r, o->count_col, 1, &n, err) != 0)
			return -1;
		if (o->value_col == o->count_col)
			v = n;
		else if (parse(s, r, o->value_col, 0, &v, err) != 0)
			return -1;
		if (s->magnitude &&
		    (parse(s, r, o->top1_col, 0, &top1, err) != 0 ||
		    parse(s, r, o->top2_col, 0, &top2, err) != 0))
			return -1;
		s->count[r] = n;
		s->value[r] = v;
		sensitive = (n >= 1 && n <= (double)o->threshold) ||
		    (n == 0 && o->zeros);
		if (s->magnitude && v > 0) {
			if (o->nk_n > 0 && (o->nk_n == 1 ? top1 : top1 + top2) >
			    o->nk_k / 100 * v + EPS)
				sensitive = 1;
			if (o->p > 0 && v - top1 - top2 <
			    o->p / 100 * top1 - EPS)
				sensitive = 1;
		}
		if (!sensitive)
			continue;
		s->status[r] = SDC_CELL_PRIMARY;
		s->hidden[r] = s->fresh[r] = 1;
		s->st.primary++;
		if (o->protection > 0)
			s->pl[r] = o->protection;
		else if (!s->magnitude)
			s->pl[r] = (double)o->threshold;
		else if (o->p > 0)
			s->pl[r] = o->p / 100 * top1;
		else
			s->pl[r] = 0.1 * v;
	}
	return 0;
}

/*
 * Is a better than b as the next cell to hide, when the cell to protect
 * is short of need?  Enough (value >= need) beats not enough; among
 * enough the smaller value wins, among not enough the larger; then cells
 * with fewer totalled columns (leaves before margins); then row order.
 */
static int
better(const struct sup *s, size_t a, size_t b, double need)
{
	double va, vb;
	int ea, eb;

	if (b == SIZE_MAX)
		return 1;
	va = s->value[a];
	vb = s->value[b];
	ea = va + EPS >= need;
	eb = vb + EPS >= need;
	if (ea != eb)
		return ea;
	if (va != vb)
		return ea ? va < vb : va > vb;
	if (s->ntot[a] != s->ntot[b])
		return s->ntot[a] < s->ntot[b];
	return a < b;
}

static void
hide(struct sup *s, size_t r)
{
	s->hidden[r] = s->fresh[r] = 1;
	s->status[r] = SDC_CELL_SECONDARY;
	s->st.secondary++;
}

/* Best shown cell in the sums of row r, or SIZE_MAX. */
static size_t
candidate(const struct sup *s, size_t r, double need)
{
	const struct sdc_table *t = s->t;
	size_t m, i, best = SIZE_MAX;

	for (m = t->memb_off[r]; m < t->memb_off[r + 1]; m++) {
		const struct sdc_table_sum *sum = &t->sum[t->memb[m]];

		if (!s->hidden[sum->parent] && better(s, sum->parent, best, need))
			best = sum->parent;
		for (i = 0; i < sum->n; i++) {
			size_t c = sum->child[i];

			if (!s->hidden[c] && better(s, c, best, need))
				best = c;
		}
	}
	return best;
}

/*
 * No identity may have exactly one hidden cell: that cell would be the
 * margin minus the rest.  Hide a second one until none is left alone.
 */
static void
singletons(struct sup *s)
{
	const struct sdc_table *t = s->t;
	int changed = 1;

	while (changed) {
		size_t k, i;

		changed = 0;
		for (k = 0; k < t->nsum; k++) {
			const struct sdc_table_sum *sum = &t->sum[k];
			size_t nh = s->hidden[sum->parent], best = SIZE_MAX;

			for (i = 0; i < sum->n && nh < 2; i++)
				nh += s->hidden[sum->child[i]];
			if (nh != 1)
				continue;
			/* the smallest non-zero partner, zeros last */
			if (!s->hidden[sum->parent] &&
			    better(s, sum->parent, best, 1))
				best = sum->parent;
			for (i = 0; i < sum->n; i++) {
				size_t c = sum->child[i];

				if (!s->hidden[c] && better(s, c, best, 1))
					best = c;
			}
			if (best != SIZE_MAX) {
				hide(s, best);
				changed = 1;
			}
		}
	}
}

/* Does a sum of row r hold a cell hidden earlier in this round? */
static int
near_fresh(const struct sup *s, size_t r)
{
	const struct sdc_table *t = s->t;
	size_t m, i;

	for (m = t->memb_off[r]; m < t->memb_off[r + 1]; m++) {
		const struct sdc_table_sum *sum = &t->sum[t->memb[m]];

		if (s->fresh[sum->parent])
			return 1;
		for (i = 0; i < sum->n; i++)
			if (s->fresh[sum->child[i]])
				return 1;
	}
	return 0;
}

static int
protected(const struct sup *s, size_t r)
{
	double width = s->hi[r] - s->lo[r];

	if (width + EPS < s->pl[r])
		return 0;
	if (!s->magnitude && s->lo[r] >= 1 - EPS &&
	    s->hi[r] <= (double)s->o->threshold + EPS)
		return 0;
	return 1;
}

/*
 * For a primary cell r that no box of hidden cells proves: the cheapest
 * box (least total value shown now, then fewest cells) that would
 * protect r on its own once its shown corners are hidden.  Levels are
 * drawn, per group column, from r's hidden neighbours and its smallest
 * shown neighbours big enough to help.  Hides the corners and returns
 * how many, or 0 when no such box was found.
 */
static size_t
plan_box(struct sup *s, size_t r)
{
	const struct sdc_table *t = s->t;
	size_t k = t->ngroup, j, m, per, idx[SDC_TABLE_GROUPS_MAX];
	size_t nc[SDC_TABLE_GROUPS_MAX], best_n = 0, hidden_n = 0;
	uint32_t *cand[SDC_TABLE_GROUPS_MAX], base[SDC_TABLE_GROUPS_MAX];
	uint32_t key[SDC_TABLE_GROUPS_MAX], best[SDC_TABLE_GROUPS_MAX];
	double v = s->value[r], need = s->pl[r], best_cost = HUGE_VAL;
	unsigned corner, ncorner = 1u << k;

	if (k == 0 || k > 8)
		return 0;
	for (per = 1; ipow(per + 1, k) <= PLAN_COMBOS; per++)
		;
	memcpy(base, &t->lev[r * k], k * sizeof(*base));
	for (j = 0; j < k; j++)
		cand[j] = NULL;
	for (j = 0; j < k; j++) {
		size_t nh = 0, ns = 0;
		uint32_t l;

		if ((cand[j] = malloc((2 * per + 1) * sizeof(**cand))) == NULL)
			goto done;
		nc[j] = 0;
		memcpy(key, base, k * sizeof(*key));
		/*
		 * Hidden neighbours (largest first), then shown ones in the
		 * order of better(): the smallest that alone would be enough
		 * first.
		 */
		for (m = 0; m < 2; m++) {
			for (;;) {
				uint32_t pick = SDC_TABLE_TOTAL;
				size_t pc = SIZE_MAX;
				double pv = 0;

				for (l = 0; l < t->nlev[j]; l++) {
					size_t c, q;

					if (l == base[j])
						continue;
					key[j] = l;
					c = sdc_table_find(t, key);
					if (c == SIZE_MAX || (int)s->hidden[c] !=
					    (m == 0))
						continue;
					for (q = 0; q < nc[j]; q++)
						if (cand[j][q] == l)
							break;
					if (q < nc[j] || (m == 1 &&
					    s->value[c] < 1))
						continue;
					if (m == 0 ? pick == SDC_TABLE_TOTAL ||
					    s->value[c] > pv : better(s, c, pc,
					    need)) {
						pick = l;
						pc = c;
						pv = s->value[c];
					}
				}
				if (pick == SDC_TABLE_TOTAL)
					break;
				cand[j][nc[j]++] = pick;
				if (m == 0 ? ++nh >= per : ++ns >= per)
					break;
			}
		}
		if (nc[j] == 0)
			goto done;
		idx[j] = 0;
	}
	for (;;) {
		double minp = HUGE_VAL, minm = HUGE_VAL, cost = 0, down;
		size_t shown = 0;

		for (corner = 1; corner < ncorner; corner++) {
			unsigned parity = 0;
			size_t c;

			for (j = 0; j < k; j++) {
				int alt = (corner >> j) & 1u;

				key[j] = alt ? cand[j][idx[j]] : base[j];
				if (alt && base[j] != SDC_TABLE_TOTAL)
					parity ^= 1u;
			}
			if ((c = sdc_table_find(t, key)) == SIZE_MAX)
				break;
			if (parity)
				minm = s->value[c] < minm ? s->value[c] : minm;
			else
				minp = s->value[c] < minp ? s->value[c] : minp;
			if (!s->hidden[c]) {
				cost += s->value[c];
				shown++;
			}
		}
		down = minp < v ? minp : v;
		if (corner == ncorner && down + minm + EPS >= need &&
		    (s->magnitude || v - down < 1 - EPS ||
		    v + minm > (double)s->o->threshold + EPS) &&
		    (cost < best_cost || (cost == best_cost && shown < best_n))) {
			best_cost = cost;
			best_n = shown;
			for (j = 0; j < k; j++)
				best[j] = cand[j][idx[j]];
		}
		for (j = 0; j < k; j++) {
			if (++idx[j] < nc[j])
				break;
			idx[j] = 0;
		}
		if (j == k)
			break;
	}
	if (best_cost == HUGE_VAL)
		goto done;
	for (corner = 1; corner < ncorner; corner++) {
		size_t c;

		for (j = 0; j < k; j++)
			key[j] = (corner >> j) & 1u ? best[j] : base[j];
		c = sdc_table_find(t, key);
		if (!s->hidden[c]) {
			hide(s, c);
			hidden_n++;
		}
	}
done:
	for (j = 0; j < k; j++)
		free(cand[j]);
	return hidden_n;
}

/*
 * Try to prove r by boxes of hidden cells.  The interval a proof shows
 * stays shown when more cells are hidden later (the attacker only loses
 * knowledge), so the widest interval proven so far is kept in plo/phi
 * and counts too.
 */
static int
proven_by_box(struct sup *s, const struct sdc_audit *a, size_t r)
{
	double lo, hi;

	if (sdc_audit_box(a, r, BOX_TRIES, &lo, &hi)) {
		s->plo[r] = lo < s->plo[r] ? lo : s->plo[r];
		s->phi[r] = hi > s->phi[r] ? hi : s->phi[r];
	}
	s->lo[r] = s->plo[r];
	s->hi[r] = s->phi[r];
	return protected(s, r);
}

/*
 * Audit the groups that changed; for every primary cell found short,
 * hide one more cell.  Returns the number hidden (0: all protected), or
 * -1 on error.
 */
static long
audit_round(struct sup *s, int final, struct sdc_err *err)
{
	const struct sdc_table *t = s->t;
	struct sdc_audit a;
	unsigned char *want = NULL, *dirty = NULL;
	size_t g, i, r;
	long added = 0;

	if (sdc_audit_init(&a, t, s->value, s->hidden, err) != 0)
		return -1;
	want = calloc(t->nrow + 1, 1);
	dirty = calloc(a.ngroup + 1, 1);
	if (want == NULL || dirty == NULL) {
		sdc_err_nomem(err);
		added = -1;
		goto done;
	}
	for (r = 0; r < t->nrow; r++)
		if (s->hidden[r] && (final || s->fresh[r] ||
		    (s->status[r] == SDC_CELL_PRIMARY && !s->ok[r])))
			dirty[a.group[r]] = 1;
	s->st.groups = a.ngroup;
	for (g = 0; g < a.ngroup; g++) {
		int any = 0;

		if (!dirty[g])
			continue;
		for (i = a.start[g]; i < a.start[g + 1]; i++) {
			r = a.rows[i];
			/*
			 * Hiding more cells only widens intervals, so a cell
			 * once proven stays proven; the final pass checks all.
			 */
			want[r] = s->status[r] == SDC_CELL_PRIMARY &&
			    (final || !s->ok[r]);
			s->fresh[r] = 0;
			/* a box of hidden cells may prove it without LP */
			if (want[r] && proven_by_box(s, &a, r)) {
				s->ok[r] = 1;
				want[r] = 0;
				s->st.boxes++;
			}
			any |= want[r];
		}
		if (!any)
			continue;
		if (!final && a.start[g + 1] - a.start[g] > (s->o->lp_group_max ?
		    s->o->lp_group_max : SDC_SUPPRESS_LP_GROUP_MAX)) {
			/*
			 * Too big for an LP per cell: complete a box for each
			 * cell short of one; LP only for cells no box fits.
			 */
			any = 0;
			for (i = a.start[g]; i < a.start[g + 1]; i++) {
				size_t n;

				r = a.rows[i];
				if (!want[r])
					continue;
				if (near_fresh(s, r)) {
					want[r] = 0;
					continue;
				}
				if ((n = plan_box(s, r)) > 0) {
					s->st.planned++;
					added += (long)n;
					want[r] = 0;
				} else {
					/* no single box: widen what boxes
					 * proved with one more neighbour */
					double w = s->phi[r] - s->plo[r];
					size_t c = candidate(s, r, w > 0 ?
					    s->pl[r] - w : s->pl[r]);

					if (c != SIZE_MAX) {
						hide(s, c);
						added++;
						want[r] = 0;
					}
				}
				any |= want[r];
			}
			if (!any)
				continue;
		}
		if (sdc_audit_group(&a, g, want, s->lo, s->hi, err) != 0) {
			added = -1;
			goto done;
		}
		for (i = a.start[g]; i < a.start[g + 1]; i++) {
			double need;
			size_t c;

			r = a.rows[i];
			if (!want[r])
				continue;
			s->st.lps += 2;
			if ((s->ok[r] = (unsigned char)protected(s, r)))
				continue;
			if (final) {
				added = sdc_err_set(err, SDC_EDATA, t->src,
				    t->line[r], 0, "audit: suppressed cell "
				    "left within [%g, %g], narrower than its "
				    "protection %g", s->lo[r], s->hi[r],
				    s->pl[r]);
				goto done;
			}
			if (near_fresh(s, r))
				continue;	/* a new neighbour may be enough */
			need = s->pl[r] - (s->hi[r] - s->lo[r]);
			if ((c = candidate(s, r, need)) == SIZE_MAX) {
				size_t j;

				/* nothing next to it: look across its group */
				for (j = a.start[g]; j < a.start[g + 1]; j++) {
					size_t d = candidate(s, a.rows[j], need);

					if (d != SIZE_MAX && (c == SIZE_MAX ||
					    better(s, d, c, need)))
						c = d;
				}
			}
			if (c == SIZE_MAX && added > 0)
				continue;	/* cells hidden this round may do */
			if (c == SIZE_MAX) {
				added = sdc_err_set(err, SDC_EDATA, t->src,
				    t->line[r], 0, "cannot protect this cell: "
				    "no cell is left to suppress beside it");
				goto done;
			}
			hide(s, c);
			added++;
		}
	}
done:
	free(want);
	free(dirty);
	sdc_audit_release(&a);
	return added;
}

/* Hide cells until every primary cell is proven protected; final audit. */
static int
protect(struct sup *s, struct sdc_err *err)
{
	long added;

	do {
		singletons(s);
		s->st.rounds++;
		added = audit_round(s, 0, err);
	} while (added > 0);
	if (added < 0 || audit_round(s, 1, err) != 0)
		return -1;
	return 0;
}

int
sdc_suppress_run(const struct sdc_table *t, const struct sdc_suppress_opts *o,
    unsigned char *status, struct sdc_suppress_stats *stats,
    struct sdc_err *err)
{
	struct sup s;
	size_t n = t->nrow + 1, r, j;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.t = t;
	s.o = o;
	s.status = status;
	s.magnitude = o->top1_col >= 0 && o->top2_col >= 0;
	memset(status, 0, t->nrow);
	s.hidden = calloc(n, 1);
	s.fresh = calloc(n, 1);
	s.ok = calloc(n, 1);
	s.value = calloc(n, sizeof(*s.value));
	s.count = calloc(n, sizeof(*s.count));
	s.pl = calloc(n, sizeof(*s.pl));
	s.lo = calloc(n, sizeof(*s.lo));
	s.hi = calloc(n, sizeof(*s.hi));
	s.ntot = calloc(n, sizeof(*s.ntot));
	s.plo = calloc(n, sizeof(*s.plo));
	s.phi = calloc(n, sizeof(*s.phi));
	if (!s.hidden || !s.fresh || !s.ok || !s.value || !s.count || !s.pl ||
	    !s.lo || !s.hi || !s.ntot || !s.plo || !s.phi) {
		sdc_err_nomem(err);
		goto done;
	}
	for (r = 0; r < t->nrow; r++) {
		for (j = 0; j < t->ngroup; j++)
			s.ntot[r] += (t->mask[r] >> j) & 1u;
		s.plo[r] = HUGE_VAL;	/* nothing proven yet */
		s.phi[r] = -HUGE_VAL;
	}
	if (primaries(&s, err) != 0 || check_sums(&s, err) != 0 ||
	    protect(&s, err) != 0)
		goto done;
	if (s.magnitude) {
		/*
		 * A second attacker works on the contributor counts, which
		 * are published beside the sums: a hidden cell's n must not
		 * be narrowed into 1..T either.  Hiding more cells here only
		 * widens what was proven for the sums.
		 */
		double *v = s.value;

		s.value = s.count;
		s.count = v;
		s.magnitude = 0;
		for (r = 0; r < t->nrow; r++) {
			s.ok[r] = 0;
			s.fresh[r] = s.hidden[r];
			s.plo[r] = HUGE_VAL;
			s.phi[r] = -HUGE_VAL;
			s.pl[r] = s.status[r] == SDC_CELL_PRIMARY &&
			    s.value[r] >= 1 && s.value[r] <= (double)o->threshold ?
			    (double)o->threshold : 0;
		}
		s.o_count_pass = 1;
		if (check_sums(&s, err) != 0 || protect(&s, err) != 0)
			goto done;
	}
	rc = 0;
done:
	if (stats != NULL)
		*stats = s.st;
	free(s.hidden);
	free(s.fresh);
	free(s.ok);
	free(s.value);
	free(s.count);
	free(s.pl);
	free(s.lo);
	free(s.hi);
	free(s.ntot);
	free(s.plo);
	free(s.phi);
	return rc;
}
