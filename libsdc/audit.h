/*
 * audit.h - what an attacker can infer about the hidden cells of a
 * table.
 *
 * The attacker's model: every margin identity of the table holds; every
 * published cell is known exactly; every hidden cell is an unknown
 * x >= 0 with no upper bound (a hidden cell may be a large secondary
 * suppression, so it cannot be assumed small).  The feasible interval
 * of a hidden cell is [min x, max x] over that model, found by linear
 * programming (GLPK), one connected group of hidden cells at a time.
 *
 * Lifecycle: sdc_audit_init (finds the groups) -> sdc_audit_group per
 * group -> sdc_audit_release.  The table, values and hidden flags are
 * borrowed and must not change in between.
 */
#ifndef SDC_AUDIT_H
#define SDC_AUDIT_H

#include <stddef.h>

#include "err.h"
#include "table.h"

struct sdc_audit {
	const struct sdc_table *t;
	const double *value;		/* per row: the true value */
	const unsigned char *hidden;	/* per row: not published */
	size_t ngroup;
	size_t *group;		/* per row: group id, or SIZE_MAX if shown */
	size_t *start;		/* rows of group g: */
	size_t *rows;		/* rows[start[g] .. start[g+1]) */
	/* scratch for sdc_audit_group, sized once so that many small
	 * groups cost no more than one large one */
	size_t *col;		/* per row: LP column in the current group */
	size_t *stamp;		/* per sum: group id + 1 once taken */
	size_t *sums;		/* the current group's sums */
};

/*
 * Link hidden rows that share a margin identity into groups.  t must
 * have been through sdc_table_structure.
 */
int sdc_audit_init(struct sdc_audit *a, const struct sdc_table *t,
    const double *value, const unsigned char *hidden, struct sdc_err *err);

/*
 * For each row r of group g with want[r] set (want NULL: every row),
 * store the attacker's bounds in lo[r] and hi[r]; hi[r] is HUGE_VAL when
 * there is no upper bound.  Fails if the model has no solution (the
 * identities do not hold) or the solver fails.
 */
int sdc_audit_group(const struct sdc_audit *a, size_t g,
    const unsigned char *want, double *lo, double *hi, struct sdc_err *err);

/*
 * A quick proof for hidden row r, without LP.  Pick, in each group
 * column, a second level (beside r's own, or, where r is a total, a
 * level under it) so that every corner of the resulting box of 2^k
 * cells is hidden; adding d to the corners of one parity and taking it
 * from the others (a total moving with the level under it) keeps every
 * margin, so r can move down by the smallest value among its parity
 * and up by the smallest among the other.  Up to tries boxes are tried,
 * largest neighbours first; the widest proven interval goes to [*lo,
 * *hi], which the attacker's interval contains.  Returns 0 when no box
 * was found.  Tables whose rows lack a needed corner simply get no
 * proof.
 */
int sdc_audit_box(const struct sdc_audit *a, size_t r, size_t tries,
    double *lo, double *hi);

void sdc_audit_release(struct sdc_audit *a);

#endif
