/*
 * release_int.h - private to release.c and release_local.c: the linear
 * system of a release, and what the audit shares between them.
 */
#ifndef SDC_RELEASE_INT_H
#define SDC_RELEASE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <glpk.h>

#include "err.h"
#include "hash.h"
#include "release.h"

#define EPS 1e-6

struct pubrec {
	struct sdc_release_ref ref;
	size_t col;
	unsigned char pub, target;
	double lo, hi;
	size_t var;
};

struct sdc_release {
	struct sdc_release_opts o;
	struct sdc_hmap keys;		/* cell key -> var */
	struct sdc_hmap idents;		/* each identity's vars, parent
					   first, then children sorted */
	size_t nvar, varcap;
	double *lo, *hi;
	double *pt;			/* a published value of each var, or NAN */
	size_t *first;			/* first pub of each var, or SIZE_MAX */
	size_t *next;			/* next pub of the same var */
	struct pubrec *pub;
	size_t npub, pubcap;
	size_t *iv, niv, ivcap;		/* identity members, parent first */
	size_t *ioff, nident, identcap;	/* identity i: iv[ioff[i]..ioff[i+1]) */
	size_t ntable_links;
	size_t *blk, nblk, blkcap;	/* identities added by each call:
					   blk[b] .. blk[b + 1] */
	char *kbuf;
	size_t kcap;
};

/*
 * Widen a witnessed range [*m, *M] by x, a value seen at a feasible
 * point; values above cap / 2 count as unbounded.
 */
void rel_seen(double x, double cap, double *m, double *M);

/*
 * How far x, a value of var v, is from its nearer bound (the upper one
 * capped at cap), and in *up whether that is the upper one.
 */
double rel_room(const struct sdc_release *rel, double cap, size_t v,
    double x, unsigned char *up);

/*
 * A starting basis for lp near a feasible point, so that phase 1 has
 * little left to do (from GLPK's standard basis it costs more than all
 * the other solves of a large linked group together).  ia, ja: the
 * matrix as loaded, entries 1..nnz, sorted by row; per column j (from
 * 1), room[j - 1] is the point's distance to its nearer bound and
 * up[j - 1] whether that is the upper one.  A triangular crash: the
 * columns with least room are made nonbasic first, at their nearer
 * bound; a row left with one undecided column takes it as its basic.
 * Each basic column is the last of its row to be decided, so no row
 * decided later holds it: the basis is triangular, never singular.
 * Rows that get no column keep their auxiliary basic.  Returns 0, -1
 * with no memory (the basis then partly set, still valid).
 */
int rel_crash(glp_prob *lp, const int *ia, const int *ja, size_t nnz,
    const double *room, const unsigned char *up);

/*
 * Start lp's crash basis exactly at a feasible point x, so that the
 * simplex has no phase 1 at all: each nonbasic column j (1..n) is held
 * to the side of x[j] toward its nearer bound, [lo[j], x[j]] (side[j]
 * 1) or [x[j], hi[j]] (side[j] 2), and sits at x[j]; the others get
 * side[j] 0.  The basic columns then take their values at x too (the
 * basis is nonsingular and x satisfies every row), so the start is
 * feasible.  Each held column is a restriction of the LP, which
 * rel_lift lifts where it binds.  lo, hi: the columns' bounds as
 * loaded; every array is indexed from 1 and the caller's.
 */
void rel_hold(glp_prob *lp, size_t n, const double *lo, const double *hi,
    const double *x, unsigned char *side);

/*
 * After an optimal solve of lp held by rel_hold: a held column that is
 * basic or at its own bound gets its bounds back (the basis stays
 * optimal), and one at its held value whose reduced cost says the
 * objective would gain on its other side is held to that side instead
 * (same value, so still feasible).  Returns how many were switched:
 * solve again while it is not 0.  When it is 0, no held column gains
 * either way, so the basis is optimal for the LP itself.
 */
size_t rel_lift(glp_prob *lp, size_t n, const double *lo, const double *hi,
    unsigned char *side);

/*
 * The optimum of lp with every column j in 1..n within its own bounds
 * lo[j]..hi[j], from a start held by rel_hold: solve, and rel_lift
 * while it switches any.  A held start can be infeasible by a hair when
 * the LP is not (basic values a rounding error past a bound, which held
 * columns cannot always mend); then the held columns get 10^-3 of room
 * past their point, and failing that their own bounds, and the LP is
 * solved again.  fn(lp, ctx) is the caller's glp_simplex: 1 optimal,
 * 0 infeasible, -1 failed.  Returns its last answer; side is updated.
 */
typedef int rel_solve_fn(glp_prob *lp, void *ctx);
int rel_solve_held(glp_prob *lp, size_t n, const double *lo,
    const double *hi, unsigned char *side, rel_solve_fn *fn, void *ctx);

/* Is every target publication of v surely safe, witnessed [m, M]? */
int rel_safe(const struct sdc_release *rel, size_t v, double m, double M);
/* Is some publication of v a target? */
int rel_is_target(const struct sdc_release *rel, size_t v);

/*
 * Witnesses without an LP over a whole linked group.  First a feasible
 * point of the whole system, found without LP where every table of the
 * release is a set of margins of one array (one per count column): the
 * array's cells are scaled until every margin lies inside its interval
 * (iterative proportional fitting to intervals), and its margins are
 * the point, checked against every bound and identity.  Then, for each
 * target var v not yet safe (by m, M), an LP over a small set of cells
 * near v (its own dimensions' neighbouring levels, and the cells under
 * them), every other var held at the point (fixed vars at their
 * value), gives the least and the greatest value v can take there.
 * The point and each solution are feasible points of the whole system,
 * so they widen m and M of every target they reach; values above
 * cap / 2 count as unbounded.  The point is left in x (nvar values,
 * the caller's).  *lps counts the LPs solved.  A large release's fit
 * can settle with a few margins a unit or so outside their intervals,
 * its passes then only moving them about: such a point (every identity
 * holds) goes to mend, when not NULL, which moves it inside every
 * interval and returns 1, or returns 0.  Returns 1, 0 when no
 * point was found this way (m, M and x untouched), -1 with no memory
 * (err set).
 */
typedef int rel_mend_fn(void *ctx, double *x);

int rel_witness(const struct sdc_release *rel, const unsigned char *fixed,
    double cap, double *m, double *M, double *x, size_t *lps,
    rel_mend_fn *mend, void *ctx, struct sdc_err *err);

#endif
