/* audit.c - attacker intervals for hidden cells, by linear programming. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "audit.h"

static size_t
find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

int
sdc_audit_init(struct sdc_audit *a, const struct sdc_table *t,
    const double *value, const unsigned char *hidden, struct sdc_err *err)
{
	size_t n = t->nrow, r, s, i, *uf, *count;

	memset(a, 0, sizeof(*a));
	a->t = t;
	a->value = value;
	a->hidden = hidden;
	uf = malloc((n + 1) * sizeof(*uf));
	a->group = malloc((n + 1) * sizeof(*a->group));
	a->rows = malloc((n + 1) * sizeof(*a->rows));
	count = calloc(n + 2, sizeof(*count));
	if (uf == NULL || a->group == NULL || a->rows == NULL ||
	    count == NULL) {
		free(uf);
		free(count);
		sdc_audit_release(a);
		return sdc_err_nomem(err);
	}
	for (r = 0; r < n; r++)
		uf[r] = r;
	for (s = 0; s < t->nsum; s++) {
		const struct sdc_table_sum *sum = &t->sum[s];
		size_t first = hidden[sum->parent] ? sum->parent : SIZE_MAX;

		for (i = 0; i < sum->n; i++) {
			size_t c = sum->child[i];

			if (!hidden[c])
				continue;
			if (first == SIZE_MAX)
				first = c;
			else
				uf[find(uf, c)] = find(uf, first);
		}
	}
	/* number the groups in order of their first row */
	for (r = 0; r < n; r++)
		a->group[r] = SIZE_MAX;
	for (r = 0; r < n; r++) {
		size_t root;

		if (!hidden[r])
			continue;
		root = find(uf, r);
		if (a->group[root] == SIZE_MAX)
			a->group[root] = a->ngroup++;
		a->group[r] = a->group[root];
	}
	a->start = calloc(a->ngroup + 2, sizeof(*a->start));
	a->col = malloc((n + 1) * sizeof(*a->col));
	a->stamp = calloc(t->nsum + 1, sizeof(*a->stamp));
	a->sums = malloc((t->nsum + 1) * sizeof(*a->sums));
	if (a->start == NULL || a->col == NULL || a->stamp == NULL ||
	    a->sums == NULL) {
		free(uf);
		free(count);
		sdc_audit_release(a);
		return sdc_err_nomem(err);
	}
	for (r = 0; r < n; r++)
		if (hidden[r])
			a->start[a->group[r] + 1]++;
	for (i = 0; i < a->ngroup; i++)
		a->start[i + 1] += a->start[i];
	for (r = 0; r < n; r++)
		if (hidden[r])
			a->rows[a->start[a->group[r]] + count[a->group[r]]++] = r;
	free(uf);
	free(count);
	return 0;
}

void
sdc_audit_release(struct sdc_audit *a)
{
	free(a->group);
	free(a->start);
	free(a->rows);
	free(a->col);
	free(a->stamp);
	free(a->sums);
	memset(a, 0, sizeof(*a));
}

/* One optimisation of the current objective; *v gets the optimum. */
static int
solve(glp_prob *lp, const glp_smcp *parm, int dir, double *v,
    struct sdc_err *err)
{
	int rc, st;

	glp_set_obj_dir(lp, dir);
	rc = glp_simplex(lp, parm);
	if (rc != 0) {
		/* a lost basis can be rebuilt once */
		glp_adv_basis(lp, 0);
		rc = glp_simplex(lp, parm);
	}
	if (rc != 0)
		return sdc_err_set(err, SDC_EDATA, NULL, 0, 0,
		    "audit: the LP solver failed (GLPK code %d)", rc);
	st = glp_get_status(lp);
	if (st == GLP_UNBND && dir == GLP_MAX) {
		*v = HUGE_VAL;
		return 0;
	}
	if (st != GLP_OPT)
		return sdc_err_set(err, SDC_EDATA, NULL, 0, 0,
		    "audit: the table's margins admit no solution (GLPK "
		    "status %d); are they sums of their cells?", st);
	*v = glp_get_obj_val(lp);
	return 0;
}

int
sdc_audit_group(const struct sdc_audit *a, size_t g, const unsigned char *want,
    double *lo, double *hi, struct sdc_err *err)
{
	const struct sdc_table *t = a->t;
	size_t nv = a->start[g + 1] - a->start[g], i, k, nsum = 0, nnz = 0;
	size_t *sums = a->sums, *col = a->col;
	int *ia = NULL, *ja = NULL, rc = -1;
	double *ar = NULL;
	glp_prob *lp = NULL;
	glp_smcp parm;

	/* scratch shared by all groups: col is read only for this group's
	 * rows, and a sum counts as seen when stamped with this group */
	for (i = 0; i < nv; i++) {
		size_t r = a->rows[a->start[g] + i], m;

		col[r] = i + 1;
		for (m = t->memb_off[r]; m < t->memb_off[r + 1]; m++)
			if (a->stamp[t->memb[m]] != g + 1) {
				a->stamp[t->memb[m]] = g + 1;
				sums[nsum++] = t->memb[m];
				nnz += t->sum[t->memb[m]].n + 1;
			}
	}
	ia = malloc((nnz + 1) * sizeof(*ia));
	ja = malloc((nnz + 1) * sizeof(*ja));
	ar = malloc((nnz + 1) * sizeof(*ar));
	if (ia == NULL || ja == NULL || ar == NULL)
		goto nomem;
	glp_term_out(GLP_OFF);
	lp = glp_create_prob();
	glp_add_cols(lp, (int)nv);
	for (i = 1; i <= nv; i++)
		glp_set_col_bnds(lp, (int)i, GLP_LO, 0.0, 0.0);
	if (nsum > 0)
		glp_add_rows(lp, (int)nsum);
	nnz = 0;
	for (k = 0; k < nsum; k++) {
		const struct sdc_table_sum *s = &t->sum[sums[k]];
		double rhs = 0;

		/*
		 * children - parent = 0, known values moved right.  Only
		 * the group as found by sdc_audit_init is unknown: a cell
		 * hidden since counts as known here, which can only narrow
		 * the intervals.
		 */
		for (i = 0; i < s->n; i++) {
			size_t c = s->child[i];

			if (a->group[c] == g) {
				nnz++;
				ia[nnz] = (int)k + 1;
				ja[nnz] = (int)col[c];
				ar[nnz] = 1.0;
			} else {
				rhs -= a->value[c];
			}
		}
		if (a->group[s->parent] == g) {
			nnz++;
			ia[nnz] = (int)k + 1;
			ja[nnz] = (int)col[s->parent];
			ar[nnz] = -1.0;
		} else {
			rhs += a->value[s->parent];
		}
		glp_set_row_bnds(lp, (int)k + 1, GLP_FX, rhs, rhs);
	}
	if (nnz > 0)
		glp_load_matrix(lp, (int)nnz, ia, ja, ar);
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_OFF;
	for (i = 0; i < nv; i++) {
		size_t r = a->rows[a->start[g] + i];

		if (want != NULL && !want[r])
			continue;
		glp_set_obj_coef(lp, (int)i + 1, 1.0);
		if (solve(lp, &parm, GLP_MIN, &lo[r], err) != 0 ||
		    solve(lp, &parm, GLP_MAX, &hi[r], err) != 0)
			goto done;
		glp_set_obj_coef(lp, (int)i + 1, 0.0);
	}
	rc = 0;
	goto done;
nomem:
	sdc_err_nomem(err);
done:
	if (lp != NULL)
		glp_delete_prob(lp);
	free(ia);
	free(ja);
	free(ar);
	return rc;
}

#define BOX_MAX 16

struct lcand {
	uint32_t lev;
	double v;
};

static int
cmp_lcand(const void *pa, const void *pb)
{
	const struct lcand *a = pa, *b = pb;

	if (a->v != b->v)
		return a->v < b->v ? 1 : -1;
	return (a->lev > b->lev) - (a->lev < b->lev);
}

int
sdc_audit_box(const struct sdc_audit *a, size_t r, size_t tries, double *lo,
    double *hi)
{
	const struct sdc_table *t = a->t;
	size_t k = t->ngroup, j, n[SDC_TABLE_GROUPS_MAX], idx[SDC_TABLE_GROUPS_MAX];
	struct lcand *cand[SDC_TABLE_GROUPS_MAX];
	uint32_t base[SDC_TABLE_GROUPS_MAX], key[SDC_TABLE_GROUPS_MAX];
	uint32_t used[BOX_MAX * SDC_TABLE_GROUPS_MAX];
	double down = 0, up = 0, bestdown = 0, bestup = 0;
	size_t tried = 0, nused = 0, diag = 0, shift = 0, maxn = 0;
	int found = 0;

	if (k == 0 || !a->hidden[r])
		return 0;
	memcpy(base, &t->lev[r * k], k * sizeof(*base));
	for (j = 0; j < k; j++)
		cand[j] = NULL;
	for (j = 0; j < k; j++) {
		uint32_t l;

		n[j] = 0;
		idx[j] = 0;
		cand[j] = malloc((t->nlev[j] + 1) * sizeof(**cand));
		if (cand[j] == NULL)
			goto done;
		memcpy(key, base, k * sizeof(*key));
		for (l = 0; l < t->nlev[j]; l++) {
			size_t c;

			if (l == base[j])
				continue;
			key[j] = l;
			c = sdc_table_find(t, key);
			if (c != SIZE_MAX && a->hidden[c]) {
				cand[j][n[j]].lev = l;
				cand[j][n[j]++].v = a->value[c];
			}
		}
		if (n[j] == 0)
			goto done;
		qsort(cand[j], n[j], sizeof(**cand), cmp_lcand);
		maxn = n[j] > maxn ? n[j] : maxn;
	}
	/*
	 * Boxes that share no second level in any column share only r, so
	 * their moves add up: r may rise by the sum of their limits, and
	 * fall by the sum too, down to zero.
	 */
	while (tried++ < tries) {
		double minp = HUGE_VAL, minm = HUGE_VAL;
		unsigned corner, ncorner = 1u << k;
		size_t u;

		/* u == nused: this box shares no level with those kept */
		for (u = 0, j = k; u < nused && j == k; u++)
			for (j = 0; j < k; j++)
				if (used[u * k + j] == cand[j][idx[j]].lev)
					break;
		if (j < k)
			u--;
		else
			u = nused;
		for (corner = 1; corner < ncorner; corner++) {
			unsigned parity = 0;
			size_t c;

			for (j = 0; j < k; j++) {
				int alt = (corner >> j) & 1u;

				key[j] = alt ? cand[j][idx[j]].lev : base[j];
				if (alt && base[j] != SDC_TABLE_TOTAL)
					parity ^= 1u;
			}
			c = sdc_table_find(t, key);
			if (c == SIZE_MAX || !a->hidden[c])
				break;
			if (parity)
				minm = a->value[c] < minm ? a->value[c] : minm;
			else
				minp = a->value[c] < minp ? a->value[c] : minp;
		}
		if (corner == ncorner && j == k) {
			found = 1;
			bestdown = minp > bestdown ? minp : bestdown;
			bestup = minm > bestup ? minm : bestup;
			if (u == nused && nused < BOX_MAX) {
				down += minp;
				up += minm;
				for (j = 0; j < k; j++)
					used[nused * k + j] =
					    cand[j][idx[j]].lev;
				nused++;
			}
		}
		/*
		 * Next box: walk diagonals (the i-th candidate of every
		 * column, then shifted), so that boxes that share no level
		 * come early.
		 */
		if (++diag >= maxn) {
			diag = 0;
			if (++shift >= maxn)
				break;
		}
		for (j = 0; j < k; j++)
			idx[j] = (diag + shift * j) % n[j];
	}
	down = down > bestdown ? down : bestdown;
	up = up > bestup ? up : bestup;
	if (down > a->value[r])
		down = a->value[r];
	*lo = a->value[r] - down;
	*hi = a->value[r] + up;
done:
	for (j = 0; j < k; j++)
		free(cand[j]);
	return found;
}
