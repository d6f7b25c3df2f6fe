/*
 * t_suppress.c - the suppression guarantee, checked from outside.
 *
 * Hundreds of seeded random 2-, 3- and 4-way count tables with every
 * margin go through sdc_suppress_run.  The check does not use the
 * library's audit or table structure: it builds the attacker's LP itself
 * from the generator's own cell indexing (every cell a variable; shown
 * cells fixed; hidden cells >= 0; every margin the sum of its row of
 * cells) and asks GLPK for each sensitive cell's bounds.  Known attack
 * cases follow.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "libsdc/sdc.h"
#include "libsdc/suppress.h"
#include "tests/unit/tap.h"

#define KMAX 4
#define T 7

static unsigned long long seed = 20261122;

#include "tests/unit/cells.h"

static void
make_table(struct tab *t, int k)
{
	size_t i;
	int j, d[KMAX];

	t->k = k;
	t->ncell = 1;
	for (j = 0; j < k; j++) {
		t->L[j] = 2 + (int)(tap_rand(&seed) % (k == 4 ? 2 : 3));
		t->ncell *= (size_t)(t->L[j] + 1);
	}
	t->v = calloc(t->ncell, sizeof(*t->v));
	for (i = 0; i < t->ncell; i++) {
		unsigned long long u = tap_rand(&seed) % 100;
		int leaf = 1;

		cell_digits(t, i, d);
		for (j = 0; j < k; j++)
			leaf &= d[j] < t->L[j];
		if (!leaf)
			continue;
		t->v[i] = u < 10 ? 0 : u < 35 ? 1 + (long)(tap_rand(&seed) % T) :
		    8 + (long)(tap_rand(&seed) % 150);
	}
	/* margins: add each leaf into every projection */
	for (i = 0; i < t->ncell; i++) {
		unsigned m;
		int leaf = 1;

		cell_digits(t, i, d);
		for (j = 0; j < k; j++)
			leaf &= d[j] < t->L[j];
		if (!leaf || t->v[i] == 0)
			continue;
		for (m = 1; m < 1u << k; m++) {
			int e[KMAX];

			for (j = 0; j < k; j++)
				e[j] = m & (1u << j) ? t->L[j] : d[j];
			t->v[cell_index(t, e)] += t->v[i];
		}
	}
}

static char *
to_csv(const struct tab *t, size_t *len)
{
	size_t cap = 64 + t->ncell * 48, n = 0, i;
	char *s = malloc(cap);
	int j, d[KMAX];

	for (j = 0; j < t->k; j++)
		n += (size_t)sprintf(s + n, "g%d,", j);
	n += (size_t)sprintf(s + n, "n\n");
	for (i = 0; i < t->ncell; i++) {
		cell_digits(t, i, d);
		for (j = 0; j < t->k; j++)
			n += d[j] == t->L[j] ? (size_t)sprintf(s + n, "Total,") :
			    (size_t)sprintf(s + n, "v%d,", d[j]);
		n += (size_t)sprintf(s + n, "%ld\n", t->v[i]);
	}
	*len = n;
	return s;
}

/* Run the library: status per cell (rows come out in cell order). */
static int
suppress(const struct tab *t, size_t lpmax, unsigned char *status, char *why,
    size_t wn)
{
	struct sdc_suppress_opts o;
	struct sdc_err err;
	struct sdc_table tb;
	struct sdc_input *in;
	struct sdc_csv_reader *r;
	size_t len, group[KMAX];
	char *csv = to_csv(t, &len);
	int j, rc;

	sdc_err_clear(&err);
	memset(&o, 0, sizeof(o));
	o.threshold = T;
	o.lp_group_max = lpmax;
	o.count_col = o.value_col = t->k;
	o.sum_col = o.top1_col = o.top2_col = -1;
	for (j = 0; j < t->k; j++)
		group[j] = (size_t)j;
	in = sdc_input_mem(csv, len, "t", &err);
	r = sdc_csv_reader_new(in, 0, &err);
	sdc_table_init(&tb);
	rc = sdc_table_read(&tb, r, &err) || sdc_table_structure(&tb,
	    (size_t)t->k, group, "Total", &err) ||
	    sdc_suppress_run(&tb, &o, status, NULL, &err);
	if (rc)
		snprintf(why, wn, "%s (line %llu)", err.msg, err.line);
	sdc_table_release(&tb);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	free(csv);
	return rc ? -1 : 0;
}

/*
 * The attacker, written independently: returns the number of sensitive
 * cells whose interval is too narrow.
 */
static int
attack(const struct tab *t, const unsigned char *hidden, double *worst)
{
	glp_prob *lp = glp_create_prob();
	glp_smcp parm;
	size_t i, nrow = 0, cap = 1024, nz = 0;
	int *ia = malloc((cap + 1) * sizeof(int));
	int *ja = malloc((cap + 1) * sizeof(int));
	double *ar = malloc((cap + 1) * sizeof(double));
	int j, d[KMAX], bad = 0;

	glp_term_out(GLP_OFF);
	glp_add_cols(lp, (int)t->ncell);
	for (i = 0; i < t->ncell; i++) {
		if (hidden[i])
			glp_set_col_bnds(lp, (int)i + 1, GLP_LO, 0, 0);
		else
			glp_set_col_bnds(lp, (int)i + 1, GLP_FX,
			    (double)t->v[i], (double)t->v[i]);
	}
	/* for each cell and each dimension where it is a total: identity */
	for (i = 0; i < t->ncell; i++) {
		cell_digits(t, i, d);
		for (j = 0; j < t->k; j++) {
			int e[KMAX], l;

			if (d[j] != t->L[j])
				continue;
			glp_add_rows(lp, 1);
			nrow++;
			glp_set_row_bnds(lp, (int)nrow, GLP_FX, 0, 0);
			memcpy(e, d, sizeof(e));
			for (l = 0; l <= t->L[j]; l++) {
				e[j] = l;
				if (nz + 1 >= cap) {
					cap *= 2;
					ia = realloc(ia, (cap + 1) * sizeof(int));
					ja = realloc(ja, (cap + 1) * sizeof(int));
					ar = realloc(ar, (cap + 1) * sizeof(double));
				}
				nz++;
				ia[nz] = (int)nrow;
				ja[nz] = (int)cell_index(t, e) + 1;
				ar[nz] = l == t->L[j] ? -1.0 : 1.0;
			}
		}
	}
	glp_load_matrix(lp, (int)nz, ia, ja, ar);
	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	*worst = HUGE_VAL;
	for (i = 0; i < t->ncell; i++) {
		double lo, hi;

		if (!(t->v[i] >= 1 && t->v[i] <= T))
			continue;
		if (!hidden[i]) {
			bad++;	/* a sensitive cell shown */
			continue;
		}
		glp_set_obj_coef(lp, (int)i + 1, 1);
		glp_set_obj_dir(lp, GLP_MIN);
		glp_simplex(lp, &parm);
		lo = glp_get_obj_val(lp);
		glp_set_obj_dir(lp, GLP_MAX);
		glp_simplex(lp, &parm);
		hi = glp_get_status(lp) == GLP_UNBND ? HUGE_VAL :
		    glp_get_obj_val(lp);
		glp_set_obj_coef(lp, (int)i + 1, 0);
		if (hi - lo < *worst)
			*worst = hi - lo;
		if (hi - lo < T - 1e-6 || (lo >= 1 - 1e-6 && hi <= T + 1e-6))
			bad++;
	}
	glp_delete_prob(lp);
	free(ia);
	free(ja);
	free(ar);
	return bad;
}

static void
property(int k, int ntab, size_t lpmax)
{
	int n, failed = 0, refused = 0;
	size_t hidden_total = 0, cells = 0, sensitive = 0;
	double worst_all = HUGE_VAL;
	char why[700] = "";

	for (n = 0; n < ntab; n++) {
		struct tab t;
		unsigned char *st, *hidden;
		double worst;
		size_t i;
		char w[600];

		make_table(&t, k);
		st = calloc(t.ncell, 1);
		hidden = calloc(t.ncell, 1);
		if (suppress(&t, lpmax, st, w, sizeof(w)) != 0) {
			if (refused++ == 0)
				snprintf(why, sizeof(why), "refused: %s", w);
		} else {
			for (i = 0; i < t.ncell; i++) {
				hidden[i] = st[i] != SDC_CELL_SHOWN;
				hidden_total += hidden[i];
				sensitive += t.v[i] >= 1 && t.v[i] <= T;
			}
			cells += t.ncell;
			if (attack(&t, hidden, &worst) != 0 && failed++ == 0)
				snprintf(why, sizeof(why), "table %d: attacker "
				    "narrows a cell to width %g", n, worst);
			if (worst < worst_all)
				worst_all = worst;
		}
		free(st);
		free(hidden);
		free(t.v);
	}
	if (!ok(failed == 0 && refused == 0, "%d random %d-way tables (%s): "
	    "every sensitive cell hidden, attacker intervals >= %d wide", ntab,
	    k, lpmax == 1 ? "boxes first, LP as a last resort" : "LP audit", T))
		printf("#   %d failed, %d refused; first: %s\n", failed, refused,
		    why);
	printf("#   %zu cells, %zu sensitive, %zu hidden; narrowest "
	    "interval %g\n", cells, sensitive, hidden_total, worst_all);
}

/* Suppress a hand-written table; return the status string per row. */
static const char *
run_csv(const char *csv, size_t ngroup)
{
	static char out[SDC_ERR_MSG_MAX + 8];
	struct sdc_suppress_opts o;
	struct sdc_err err;
	struct sdc_table tb;
	struct sdc_input *in;
	struct sdc_csv_reader *r;
	unsigned char st[64];
	size_t group[KMAX] = { 0, 1, 2, 3 }, i;

	sdc_err_clear(&err);
	memset(&o, 0, sizeof(o));
	o.threshold = T;
	o.count_col = o.value_col = (long)ngroup;
	o.sum_col = o.top1_col = o.top2_col = -1;
	in = sdc_input_mem(csv, strlen(csv), "t", &err);
	r = sdc_csv_reader_new(in, 0, &err);
	sdc_table_init(&tb);
	if (sdc_table_read(&tb, r, &err) || sdc_table_structure(&tb, ngroup,
	    group, "Total", &err) || sdc_suppress_run(&tb, &o, st, NULL,
	    &err)) {
		snprintf(out, sizeof(out), "ERR %s", err.msg);
	} else {
		for (i = 0; i < tb.nrow && i < sizeof(out) - 1; i++)
			out[i] = ".PS"[st[i]];
		out[i] = '\0';
	}
	sdc_table_release(&tb);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return out;
}

int
main(void)
{
	/* 2x2 with one small cell: hiding it alone is undone by margins */
	is_str(run_csv("a,b,n\nx,p,3\nx,q,20\nx,Total,23\ny,p,30\ny,q,40\n"
	    "y,Total,70\nTotal,p,33\nTotal,q,60\nTotal,Total,93\n", 2),
	    "PS.SS....", "2x2, one small cell: a full rectangle is hidden");
	/* a row whose only small cell must get a partner in its row */
	is_str(run_csv("a,n\nx,2\ny,50\nz,60\nTotal,112\n", 1),
	    "PS..", "1-way with total: the smallest other cell is the partner");
	/* one small cell that only the total can protect */
	is_str(run_csv("a,n\nx,4\ny,0\nTotal,4\n", 1), "P.P",
	    "a small cell whose only partner is its total: both hidden");
	/* two small cells in a row can cover each other only if wide enough */
	is_str(run_csv("a,n\nx,1\ny,1\nz,40\nTotal,42\n", 1), "PPS.",
	    "two tiny cells (sum 2) are not enough cover: a third is hidden");
	is_str(run_csv("a,n\nx,6\ny,5\nz,40\nTotal,51\n", 1), "PP..",
	    "two small cells whose sum gives width >= T protect each other");
	ok(strstr(run_csv("a,n\nx,3\ny,4\nTotal,9\n", 1),
	    "margin 9 is not the sum of its 2 cells") != NULL,
	    "a margin that is not the sum of its cells is refused");
	ok(strncmp(run_csv("a,n\nx,3.5\nTotal,3.5\n", 1), "ERR", 3) == 0,
	    "a fractional count is refused");
	ok(strncmp(run_csv("a,n\nx,[REDACTED]\nTotal,9\n", 1), "ERR", 3) == 0,
	    "an already-redacted cell is refused");
	is_str(run_csv("a,n\nx,0\ny,50\nTotal,50\n", 1), "...",
	    "zeros are kept by default");
	property(2, 150, 0);
	property(3, 100, 0);
	property(4, 50, 0);
	property(2, 150, 1);
	property(3, 100, 1);
	property(4, 50, 1);
	return done();
}
