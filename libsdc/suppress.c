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
	unsigned *ntot;		/* number of totalled group columns */
	struct sdc_suppress_stats st;
	int magnitude;
};

static int
parse(struct sup *s, size_t r, long col, int integer, double *out,
    struct sdc_err *err)
{
	const char *v = sdc_table_get(s->t, r, (size_t)col);
	int is_int;

	if (sdc_num_parse_double(v, strlen(v), out, &is_int) != 0 ||
	    *out < 0 || (integer && !is_int))
		return sdc_table_cell_error(s->t, r, (size_t)col, err,
		    SDC_EDATA, "'%s' is not a non-negative %s", v,
		    integer ? "whole number" : "number");
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
			return sdc_table_cell_error(t, sum->parent,
			    (size_t)s->o->value_col, err, SDC_EDATA,
			    "margin %s is not the sum of its %zu cells (%.17g); "
			    "suppression needs an additive table", sdc_table_get(
			    t, sum->parent, (size_t)s->o->value_col), sum->n,
			    total);
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
			size_t nh = s->hidden[sum->parent], alone = sum->parent;
			size_t best = SIZE_MAX;

			for (i = 0; i < sum->n && nh < 2; i++)
				if (s->hidden[sum->child[i]]) {
					nh++;
					alone = sum->child[i];
				}
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
			(void)alone;
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
			want[r] = s->status[r] == SDC_CELL_PRIMARY;
			s->fresh[r] = 0;
			/* a box of hidden cells may prove it without LP */
			if (want[r] && sdc_audit_box(&a, r, BOX_TRIES, &s->lo[r],
			    &s->hi[r]) && protected(s, r)) {
				s->ok[r] = 1;
				want[r] = 0;
				s->st.boxes++;
			}
			any |= want[r];
		}
		if (!any)
			continue;
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

int
sdc_suppress_run(const struct sdc_table *t, const struct sdc_suppress_opts *o,
    unsigned char *status, struct sdc_suppress_stats *stats,
    struct sdc_err *err)
{
	struct sup s;
	size_t n = t->nrow + 1, r, j;
	long added;
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
	if (!s.hidden || !s.fresh || !s.ok || !s.value || !s.count || !s.pl ||
	    !s.lo || !s.hi || !s.ntot) {
		sdc_err_nomem(err);
		goto done;
	}
	for (r = 0; r < t->nrow; r++)
		for (j = 0; j < t->ngroup; j++)
			s.ntot[r] += (t->mask[r] >> j) & 1u;
	if (primaries(&s, err) != 0 || check_sums(&s, err) != 0)
		goto done;
	do {
		singletons(&s);
		s.st.rounds++;
		added = audit_round(&s, 0, err);
	} while (added > 0);
	if (added < 0 || audit_round(&s, 1, err) != 0)
		goto done;
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
	return rc;
}
