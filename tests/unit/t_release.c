/*
 * t_release.c - the release audit, checked from outside.
 *
 * Seeded random k-way tables (k = 1..3, every margin) are published
 * with redactions, base-5 rounding or exact values, some with a second
 * table that republishes one of their margins on its own terms.  The
 * check builds the attacker's LP itself from the generator's indexing
 * (every cell of the full table a variable, bounded by what each
 * publication says of it, every margin the sum of its children), finds
 * each target's exact interval with GLPK, applies the disclosure rule,
 * and compares with what sdc_release_audit reports: the same cells,
 * and intervals that contain the exact ones.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "libsdc/release.h"
#include "libsdc/release_int.h"
#include "libsdc/sdc.h"
#include "tests/unit/tap.h"

#define KMAX 3
#define T 7
#define W 7

static unsigned long long seed = 20261122;

/* how often the LP-free point and the local witnesses came into play */
static int npoint, nwitness, nmended, nnearby;

/* releases whose identities were not one per margin cell */
static int nident_off;

#include "tests/unit/cells.h"

static void
make_table(struct tab *t, int k)
{
	size_t i, c;
	int d[KMAX], j, l;

	t->k = k;
	t->ncell = 1;
	for (j = 0; j < k; j++) {
		t->L[j] = 2 + (int)(tap_rand(&seed) % 3);
		t->ncell *= (size_t)(t->L[j] + 1);
	}
	t->v = calloc(t->ncell, sizeof(*t->v));
	for (i = 0; i < t->ncell; i++) {
		cell_digits(t, i, d);
		for (j = 0; j < k && d[j] < t->L[j]; j++)
			;
		if (j < k)
			continue;
		t->v[i] = tap_rand(&seed) % 3 == 0 ?
		    (long)(tap_rand(&seed) % 8) : (long)(tap_rand(&seed) % 60);
	}
	/* margins, one totalled dimension more at a time */
	for (l = 1; l <= k; l++)
		for (i = 0; i < t->ncell; i++) {
			int nt = 0, first = -1;

			cell_digits(t, i, d);
			for (j = 0; j < k; j++)
				if (d[j] == t->L[j]) {
					nt++;
					if (first < 0)
						first = j;
				}
			if (nt != l)
				continue;
			t->v[i] = 0;
			for (c = 0; c < (size_t)t->L[first]; c++) {
				d[first] = (int)c;
				t->v[i] += t->v[cell_index(t, d)];
			}
		}
}

/* One publication of a cell. */
struct pubc {
	unsigned char pub, target;
	double lo, hi, val;
	char text[24];
};

static void
publish(long v, int base, struct pubc *p)
{
	int small = v >= 1 && v <= T;

	memset(p, 0, sizeof(*p));
	if (tap_rand(&seed) % 100 < (small ? 70u : 12u)) {
		p->pub = SDC_PUB_REDACTED;
		p->lo = 0;
		p->hi = HUGE_VAL;
		p->val = NAN;
		p->target = 1;
		strcpy(p->text, "[REDACTED]");
		return;
	}
	if (base == 0) {
		p->pub = SDC_PUB_EXACT;
		p->lo = p->hi = p->val = (double)v;
	} else {
		long r = (v + 2) / 5 * 5;

		p->pub = SDC_PUB_ROUNDED;
		p->val = (double)r;
		p->lo = r > 2 ? (double)(r - 2) : 0;
		p->hi = (double)(r + 2);
		p->target = p->lo <= T && p->hi >= 1 &&
		    !(p->lo >= 1 && p->hi <= T);
	}
	snprintf(p->text, sizeof(p->text), "%.0f", p->val);
}

/* The disclosure rule, written out again. */
static int
rule(const struct pubc *p, double lo, double hi)
{
	double L = ceil(lo - 1e-6), H = isinf(hi) ? hi : floor(hi + 1e-6);
	int small = L >= 1 && H <= T;

	if (p->pub == SDC_PUB_REDACTED)
		return small || (L <= T && H - L < W) || H - L < 1;
	return p->pub == SDC_PUB_ROUNDED && small;
}

/* A table as CSV text: dims d0.., levels "l0".., total "Total", n. */
static char *
csv_of(const struct tab *t, const int *dims, int nd, const size_t *cells,
    size_t ncell, const struct pubc *pub)
{
	size_t cap = 64 + ncell * 64, len = 0, i;
	char *s = malloc(cap);
	int j, d[KMAX];

	for (j = 0; j < nd; j++)
		len += (size_t)sprintf(s + len, "d%d,", dims[j]);
	len += (size_t)sprintf(s + len, "n\n");
	for (i = 0; i < ncell; i++) {
		cell_digits(t, cells[i], d);
		for (j = 0; j < nd; j++)
			len += d[dims[j]] == t->L[dims[j]] ?
			    (size_t)sprintf(s + len, "Total,") :
			    (size_t)sprintf(s + len, "l%d,", d[dims[j]]);
		len += (size_t)sprintf(s + len, "%s\n", pub[i].text);
	}
	return s;
}

static int
load(struct sdc_table *tb, const char *text, int nd)
{
	struct sdc_err err;
	struct sdc_input *in;
	struct sdc_csv_reader *r;
	size_t g[KMAX];
	int j, rc;

	sdc_err_clear(&err);
	sdc_table_init(tb);
	in = sdc_input_mem(text, strlen(text), "t", &err);
	r = sdc_csv_reader_new(in, 0, &err);
	rc = sdc_table_read(tb, r, &err);
	for (j = 0; j < nd; j++)
		g[j] = (size_t)j;
	if (rc == 0)
		rc = sdc_table_structure(tb, (size_t)nd, g, "Total", &err);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return rc;
}

struct hits {
	size_t n;
	size_t table[4096], row[4096];
	double lo[4096], hi[4096];
	int inconsistent;
};

static int
on_hit(void *ctx, const struct sdc_release_hit *h, struct sdc_err *err)
{
	struct hits *x = ctx;

	(void)err;
	if (h->what == SDC_RELEASE_INCONSISTENT) {
		x->inconsistent = 1;
		return 0;
	}
	if (x->n < 4096) {
		x->table[x->n] = h->ref.table;
		x->row[x->n] = h->ref.row;
		x->lo[x->n] = h->lo;
		x->hi[x->n] = h->hi;
		x->n++;
	}
	return 0;
}

/* Exact interval of cell c over the attacker's LP of the full table. */
static void
exact(const struct tab *t, const double *lo, const double *hi, size_t c,
    double *xlo, double *xhi)
{
	glp_prob *lp = glp_create_prob();
	glp_smcp parm;
	size_t i, nr = 0, m;
	int d[KMAX], j, *ia, *ja, nnz = 0, dir;
	double *ar;

	glp_term_out(GLP_OFF);
	glp_add_cols(lp, (int)t->ncell);
	for (i = 0; i < t->ncell; i++)
		glp_set_col_bnds(lp, (int)i + 1, isinf(hi[i]) ? GLP_LO :
		    hi[i] - lo[i] < 1e-9 ? GLP_FX : GLP_DB, lo[i],
		    isinf(hi[i]) ? 0 : hi[i]);
	m = t->ncell * KMAX * 8 + 16;
	ia = malloc(m * sizeof(*ia));
	ja = malloc(m * sizeof(*ja));
	ar = malloc(m * sizeof(*ar));
	for (i = 0; i < t->ncell; i++) {
		cell_digits(t, i, d);
		for (j = 0; j < t->k; j++) {
			int l;

			if (d[j] != t->L[j])
				continue;
			glp_add_rows(lp, 1);
			nr++;
			glp_set_row_bnds(lp, (int)nr, GLP_FX, 0, 0);
			nnz++;
			ia[nnz] = (int)nr;
			ja[nnz] = (int)i + 1;
			ar[nnz] = 1;
			for (l = 0; l < t->L[j]; l++) {
				d[j] = l;
				nnz++;
				ia[nnz] = (int)nr;
				ja[nnz] = (int)cell_index(t, d) + 1;
				ar[nnz] = -1;
			}
			d[j] = t->L[j];
		}
	}
	glp_load_matrix(lp, nnz, ia, ja, ar);
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	glp_set_obj_coef(lp, (int)c + 1, 1);
	for (dir = 0; dir < 2; dir++) {
		glp_set_obj_dir(lp, dir ? GLP_MAX : GLP_MIN);
		if (glp_simplex(lp, &parm) != 0 ||
		    glp_get_status(lp) == GLP_NOFEAS) {
			*xlo = NAN;
			*xhi = NAN;
			break;
		}
		if (glp_get_status(lp) == GLP_UNBND)
			*xhi = HUGE_VAL;
		else if (dir)
			*xhi = glp_get_obj_val(lp);
		else
			*xlo = glp_get_obj_val(lp);
	}
	glp_delete_prob(lp);
	free(ia);
	free(ja);
	free(ar);
}

/*
 * One case: table A (all dims) and, if linked, table B (the margin over
 * the first dimension), each published on its own.
 */
static int
one_case(int k, int base, int linked, int *nfound)
{
	struct tab t;
	struct pubc *pa, *pb;
	size_t *ca, *cb, nb = 0, i, h;
	double *lo, *hi, *bl, *bh, *bv;
	unsigned char *bp, *bt;
	struct sdc_table ta, tb;
	struct sdc_release_opts o = { T, W };
	struct sdc_release *rel;
	struct hits *x = calloc(1, sizeof(*x));
	struct sdc_err err;
	struct sdc_release_stats st;
	int dims[KMAX], d[KMAX], j, bad = 0, one = 0;
	char *text;

	make_table(&t, k);
	pa = calloc(t.ncell, sizeof(*pa));
	pb = calloc(t.ncell, sizeof(*pb));
	ca = malloc(t.ncell * sizeof(*ca));
	cb = malloc(t.ncell * sizeof(*cb));
	lo = malloc(t.ncell * sizeof(*lo));
	hi = malloc(t.ncell * sizeof(*hi));
	for (i = 0; i < t.ncell; i++) {
		ca[i] = i;
		publish(t.v[i], base, &pa[i]);
		lo[i] = pa[i].lo;
		hi[i] = pa[i].hi;
	}
	for (j = 0; j < k; j++)
		dims[j] = j;
	text = csv_of(&t, dims, k, ca, t.ncell, pa);
	if (load(&ta, text, k) != 0)
		return ok(0, "table A loads");
	free(text);
	if (linked) {
		for (i = 0; i < t.ncell; i++) {
			cell_digits(&t, i, d);
			for (j = 1; j < k && d[j] == t.L[j]; j++)
				;
			if (j < k)
				continue;
			cb[nb] = i;
			publish(t.v[i], (int)(tap_rand(&seed) % 2) * 5, &pb[nb]);
			/* what both say of the cell */
			if (pb[nb].lo > lo[i])
				lo[i] = pb[nb].lo;
			if (pb[nb].hi < hi[i])
				hi[i] = pb[nb].hi;
			nb++;
		}
		text = csv_of(&t, dims, 1, cb, nb, pb);
		if (load(&tb, text, 1) != 0)
			return ok(0, "table B loads");
		free(text);
	}

	sdc_err_clear(&err);
	rel = sdc_release_new(&o, &err);
	{
		unsigned char *ap = malloc(t.ncell), *at = malloc(t.ncell);
		double *al = malloc(t.ncell * sizeof(double));
		double *ah = malloc(t.ncell * sizeof(double));
		double *av = malloc(t.ncell * sizeof(double));

		for (i = 0; i < t.ncell; i++) {
			ap[i] = pa[i].pub;
			at[i] = pa[i].target;
			al[i] = pa[i].lo;
			ah[i] = pa[i].hi;
			av[i] = pa[i].val;
		}
		if (sdc_release_add(rel, 0, &ta, (size_t)k, ap, al, ah, av, at,
		    &err) != 0)
			bad = 1;
		free(ap);
		free(at);
		free(al);
		free(ah);
		free(av);
	}
	if (linked) {
		bp = malloc(nb);
		bt = malloc(nb);
		bl = malloc(nb * sizeof(double));
		bh = malloc(nb * sizeof(double));
		bv = malloc(nb * sizeof(double));
		for (i = 0; i < nb; i++) {
			bp[i] = pb[i].pub;
			bt[i] = pb[i].target;
			bl[i] = pb[i].lo;
			bh[i] = pb[i].hi;
			bv[i] = pb[i].val;
		}
		if (sdc_release_add(rel, 1, &tb, 1, bp, bl, bh, bv, bt,
		    &err) != 0)
			bad = 1;
		free(bp);
		free(bt);
		free(bl);
		free(bh);
		free(bv);
	}
	if (bad || sdc_release_audit(rel, on_hit, x, &st, &err) != 0) {
		printf("# %s\n", err.msg);
		return ok(0, "audit runs");
	}

	nmended += st.mended != 0;
	nnearby += (int)st.nearby;
	/*
	 * Table A is a complete lattice, so one identity per margin cell
	 * is kept; table B's identity is one of them.
	 */
	{
		size_t nm = 0;

		for (i = 0; i < t.ncell; i++) {
			cell_digits(&t, i, d);
			for (j = 0; j < k && d[j] < t.L[j]; j++)
				;
			nm += j < k;
		}
		nident_off += st.identities != nm;
	}
	/* published from true values, the release cannot contradict itself */
	if (x->inconsistent) {
		printf("# k=%d base=%d linked=%d: reported inconsistent\n", k,
		    base, linked);
		one = 1;
	}
	/* every target, both tables: the rule on the exact interval */
	for (h = 0; h < (linked ? 2u : 1u) && !x->inconsistent; h++) {
		size_t n = h ? nb : t.ncell;
		const struct pubc *pp = h ? pb : pa;
		const size_t *cells = h ? cb : ca;

		for (i = 0; i < n; i++) {
			double xl = 0, xh = 0;
			size_t q, found = SIZE_MAX;
			int want;

			if (!pp[i].target)
				continue;
			exact(&t, lo, hi, cells[i], &xl, &xh);
			want = rule(&pp[i], xl, xh);
			for (q = 0; q < x->n; q++)
				if (x->table[q] == h && x->row[q] == i)
					found = q;
			if (want != (found != SIZE_MAX)) {
				printf("# k=%d base=%d linked=%d table %zu row "
				    "%zu: exact [%g, %g], reported %s\n", k,
				    base, linked, h, i + 1, xl, xh,
				    found != SIZE_MAX ? "disclosed" : "safe");
				one = 1;
			} else if (found != SIZE_MAX &&
			    (x->lo[found] > xl + 1e-6 ||
			    (!isinf(xh) && x->hi[found] < xh - 1e-6))) {
				printf("# reported [%g, %g] narrower than exact "
				    "[%g, %g]\n", x->lo[found], x->hi[found],
				    xl, xh);
				one = 1;
			}
			*nfound += want;
		}
	}
	/*
	 * The point found without LP, and the witnesses around it: every
	 * value a target is witnessed at must lie in its exact interval.
	 */
	if (!x->inconsistent) {
		size_t nv = rel->nvar, v, q;
		double *m = malloc((nv + 1) * sizeof(double));
		double *M = malloc((nv + 1) * sizeof(double));
		double *pt = malloc((nv + 1) * sizeof(double));
		unsigned char *fx = calloc(nv + 1, 1);
		size_t lps = 0;
		int r;

		for (v = 0; v < nv; v++) {
			m[v] = HUGE_VAL;
			M[v] = -HUGE_VAL;
			fx[v] = !isinf(rel->hi[v]) && rel->hi[v] - rel->lo[v] < 1e-6;
		}
		if ((r = rel_witness(rel, fx, 1e6, m, M, pt, &lps, NULL, NULL,
		    &err)) < 0) {
			printf("# %s\n", err.msg);
			one = 1;
		}
		npoint += r == 1;
		for (q = 0; r == 1 && q < rel->npub; q++) {
			const struct pubrec *pr = &rel->pub[q];
			size_t c = (pr->ref.table ? cb : ca)[pr->ref.row];
			double xl, xh;

			v = pr->var;
			if (!pr->target || fx[v] || m[v] > M[v])
				continue;
			nwitness++;
			exact(&t, lo, hi, c, &xl, &xh);
			if (m[v] < xl - 1e-6 || (!isinf(M[v]) && M[v] > xh + 1e-6)
			    || (isinf(M[v]) && !isinf(xh))) {
				printf("# k=%d base=%d linked=%d table %zu row "
				    "%zu: witnessed [%g, %g] outside exact "
				    "[%g, %g]\n", k, base, linked,
				    pr->ref.table, pr->ref.row + 1, m[v], M[v],
				    xl, xh);
				one = 1;
			}
			/* the point is a feasible point too */
			if (pt[v] < xl - 1e-6 || pt[v] > xh + 1e-6) {
				printf("# k=%d base=%d linked=%d table %zu row "
				    "%zu: point %g outside exact [%g, %g]\n",
				    k, base, linked, pr->ref.table,
				    pr->ref.row + 1, pt[v], xl, xh);
				one = 1;
			}
		}
		free(m);
		free(M);
		free(pt);
		free(fx);
	}
	sdc_release_free(rel);
	sdc_table_release(&ta);
	if (linked)
		sdc_table_release(&tb);
	free(t.v);
	free(pa);
	free(pb);
	free(ca);
	free(cb);
	free(lo);
	free(hi);
	free(x);
	return !one;
}

/*
 * The proof from witnesses is sound and as strong as the rule allows:
 * a redacted cell (published lower end 0 or 18) seen at m and M is
 * proven safe exactly when no true interval [L, H] around [m, M], with
 * L at least the published lower end, is disclosed.
 */
static void
proof_rule(void)
{
	static const char text[] = "d0,n\nl0,[REDACTED]\nl1,20\n"
	    "Total,[REDACTED]\n";
	unsigned char pub[3] = { SDC_PUB_REDACTED, SDC_PUB_ROUNDED,
	    SDC_PUB_REDACTED }, tg[3] = { 1, 0, 1 };
	double lo[3] = { 0, 18, 0 }, hi[3] = { HUGE_VAL, 22, HUGE_VAL };
	double val[3] = { NAN, 20, NAN }, m, M, L, H;
	struct sdc_release_opts o = { T, W };
	struct sdc_release *rel;
	struct sdc_table tb;
	struct sdc_err err;
	struct pubc pc;
	size_t q, v[2] = { SIZE_MAX, SIZE_MAX };
	int h, wrong = 0, tried = 0, gained = 0;

	sdc_err_clear(&err);
	rel = sdc_release_new(&o, &err);
	if (load(&tb, text, 1) != 0 || rel == NULL ||
	    sdc_release_add(rel, 0, &tb, 1, pub, lo, hi, val, tg, &err) != 0) {
		ok(0, "proof rule: the release loads");
		return;
	}
	/* v[0]: l0, lower end 0; v[1]: l1 also redacted elsewhere */
	for (q = 0; q < rel->npub; q++)
		if (rel->pub[q].ref.row < 2)
			v[rel->pub[q].ref.row] = rel->pub[q].var;
	memset(&pc, 0, sizeof(pc));
	pc.pub = SDC_PUB_REDACTED;
	for (h = 0; h < 2 && v[0] != SIZE_MAX && v[1] != SIZE_MAX; h++) {
		double slo = h ? 18 : 0;

		/* the rel_safe of v[1] looks at its one target publication */
		rel->pub[h ? 1 : 0].target = 1;
		rel->pub[h ? 1 : 0].pub = SDC_PUB_REDACTED;
		for (m = slo; m <= 30; m += 0.5)
			for (M = m; M <= 40; M += 0.5) {
				int safe = 1, said;

				for (L = ceil(slo); L <= ceil(m) && safe; L++)
					for (H = floor(M); H <= 60 && safe; H++)
						if (rule(&pc, L, H))
							safe = 0;
				said = rel_safe(rel, v[h], m, M);
				wrong += said != safe;
				gained += said && M - m < W;
				tried++;
			}
	}
	ok(tried > 0 && wrong == 0 && gained > 0, "proof rule: %d witnessed "
	    "ranges, %d proven safe though narrower than W, %d wrong", tried,
	    gained, wrong);
	sdc_table_release(&tb);
	sdc_release_free(rel);
}

/*
 * A lattice with a hole: x's total has no cells under it.  Then the
 * grand total's identity over b does not follow from the others (it
 * says x is 0), and every identity is kept.
 */
static void
holed_lattice(void)
{
	static const char text[] = "a,b,n\nx,Total,0\ny,p,3\ny,q,4\n"
	    "y,Total,7\nTotal,p,3\nTotal,q,4\nTotal,Total,7\n";
	unsigned char pub[7], tg[7];
	double lo[7], hi[7], val[7] = { 0, 3, 4, 7, 3, 4, 7 };
	struct sdc_release_opts o = { T, W };
	struct sdc_release *rel;
	struct sdc_table tb;
	struct sdc_err err;
	size_t i;

	for (i = 0; i < 7; i++) {
		pub[i] = SDC_PUB_EXACT;
		tg[i] = 0;
		lo[i] = hi[i] = val[i];
	}
	sdc_err_clear(&err);
	rel = sdc_release_new(&o, &err);
	if (load(&tb, text, 2) != 0 || rel == NULL ||
	    sdc_release_add(rel, 0, &tb, 2, pub, lo, hi, val, tg, &err) != 0)
		ok(0, "holed lattice: the release loads");
	else
		ok(rel->nident == 5, "holed lattice: all 5 identities kept "
		    "(%zu)", rel->nident);
	sdc_table_release(&tb);
	sdc_release_free(rel);
}

/* rel_solve_held's solve: glp_simplex, counted */
static int
held_call(glp_prob *lp, void *ctx)
{
	glp_smcp parm;

	++*(int *)ctx;
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	if (glp_simplex(lp, &parm) != 0)
		return -1;
	return glp_get_status(lp) == GLP_OPT ? 1 :
	    glp_get_status(lp) == GLP_NOFEAS ? 0 : -1;
}

/*
 * max x1 with x1 - x2 = 0, x1 in [0, hi1], x2 in [lo2, 1], started with
 * x1 held at 0.5 from above (it may only go down) and x2 basic: what
 * rel_solve_held answers (x1 in *x), and in how many solves.
 */
static int
held_case(double hi1, double lo2, double *x, int *calls)
{
	glp_prob *lp = glp_create_prob();
	int ia[3] = { 0, 1, 1 }, ja[3] = { 0, 1, 2 }, s;
	double ar[3] = { 0, 1, -1 }, lo[3] = { 0, 0, 0 }, hi[3] = { 0, 0, 1 };
	unsigned char side[3] = { 0, 1, 0 };

	lo[2] = lo2;
	hi[1] = hi1;
	glp_add_rows(lp, 1);
	glp_add_cols(lp, 2);
	glp_load_matrix(lp, 2, ia, ja, ar);
	glp_set_row_bnds(lp, 1, GLP_FX, 0, 0);
	glp_set_col_bnds(lp, 1, GLP_DB, 0, 0.5);
	glp_set_col_bnds(lp, 2, GLP_DB, lo2, 1);
	glp_set_obj_dir(lp, GLP_MAX);
	glp_set_obj_coef(lp, 1, 1);
	glp_set_row_stat(lp, 1, GLP_NS);
	glp_set_col_stat(lp, 1, GLP_NU);
	glp_set_col_stat(lp, 2, GLP_BS);
	*calls = 0;
	s = rel_solve_held(lp, 2, lo, hi, side, held_call, calls);
	*x = glp_get_col_prim(lp, 1);
	glp_delete_prob(lp);
	return s;
}

/*
 * A held start can be infeasible when the LP is not: by a rounding
 * error (given room, it solves), or by more (given its own bounds back,
 * it solves); an LP infeasible itself stays so.
 */
static void
held_start(void)
{
	double x;
	int calls, s;

	s = held_case(1, 0.3, &x, &calls);
	ok(s == 1 && fabs(x - 1) < 1e-9 && calls == 2, "held start "
	    "feasible: the LP's optimum 1 (%g) after one lift (%d solves)",
	    x, calls);
	s = held_case(1, 0.5 + 5e-7, &x, &calls);
	ok(s == 1 && fabs(x - 1) < 1e-9 && calls == 3, "held start off by "
	    "5e-7: room past the point mends it, optimum 1 (%g, %d solves)",
	    x, calls);
	s = held_case(1, 0.7, &x, &calls);
	ok(s == 1 && fabs(x - 1) < 1e-9 && calls == 3, "held start off by "
	    "0.2: its own bounds back, optimum 1 (%g, %d solves)", x, calls);
	s = held_case(0.6, 0.7, &x, &calls);
	ok(s == 0, "an infeasible LP stays infeasible (%d, %d solves)", s,
	    calls);
}

int
main(void)
{
	int k, base, linked, i, good, nfound;

	for (k = 1; k <= KMAX; k++)
		for (base = 0; base <= 5; base += 5)
			for (linked = 0; linked <= (k > 1); linked++) {
				good = 0;
				nfound = 0;
				for (i = 0; i < 60; i++)
					good += one_case(k, base, linked,
					    &nfound);
				ok(good == 60, "k=%d base %d%s: 60 tables agree "
				    "with an independent LP (%d disclosures)", k,
				    base, linked ? ", linked margin" : "",
				    nfound);
			}
	proof_rule();
	held_start();
	holed_lattice();
	ok(nident_off == 0, "one identity per margin cell (%d of 600 "
	    "releases had another number)", nident_off);
	ok(nnearby > 0, "LPs near the targets the pieces left settled %d "
	    "of them, and the audits still agree", nnearby);
	ok(nmended > 50, "a fitted point outside some intervals was mended "
	    "(%d of 600 releases), and the audits still agree", nmended);
	ok(npoint > 100 && nwitness > 1000, "the LP-free point was found "
	    "(%d of 600 releases) and %d targets witnessed around it",
	    npoint, nwitness);
	return done();
}
