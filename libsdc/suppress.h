/*
 * suppress.h - primary and secondary cell suppression with an attacker
 * audit.
 *
 * Primary cells are those a rule marks sensitive: a count of 1..T
 * contributors (and 0 when zeros are sensitive); for magnitude tables
 * the (n,k) dominance rule and the p% rule.  Secondary cells are then
 * hidden as well, chosen deterministically (row order breaks ties) to
 * lose little: a margin identity with one hidden cell gives it away, so
 * each such identity gets a second hidden cell, the smallest one; then
 * an LP audit (audit.h) measures every primary cell's feasible interval
 * and, while one is too narrow, hides the cell next to it that helps
 * most.  Most cells are proven without LP by a box of hidden cells (see
 * sdc_audit_box); in a linked group of more than lp_group_max hidden
 * cells LP is too slow, so there every primary cell must be proven by
 * boxes, and a cell short of one gets the cheapest box completed.  The run succeeds only if a final audit finds every primary
 * cell protected: its interval at least as wide as its protection level
 * and, for counts, not inside 1..T.  Otherwise it fails; it never
 * returns a weaker suppression.
 */
#ifndef SDC_SUPPRESS_H
#define SDC_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "table.h"

struct sdc_suppress_opts {
	int64_t threshold;	/* counts 1..threshold are primary (7) */
	int zeros;		/* 1: zero counts are primary too */
	int nk_n;		/* (n,k) rule: 0 off, else 1 or 2 */
	double nk_k;		/* percent */
	double p;		/* p% rule, percent; 0 off */
	double protection;	/* required width; 0: the default */
	long count_col;		/* column of contributor counts ("n") */
	long value_col;		/* column an attacker sees (n or sum) */
	long sum_col, top1_col, top2_col;	/* magnitude evidence, or -1 */
	size_t lp_group_max;	/* larger linked groups are proven by boxes
				   only; 0: SDC_SUPPRESS_LP_GROUP_MAX */
};

#define SDC_SUPPRESS_LP_GROUP_MAX 3000

enum sdc_cell_status {
	SDC_CELL_SHOWN = 0,
	SDC_CELL_PRIMARY,
	SDC_CELL_SECONDARY
};

struct sdc_suppress_stats {
	size_t primary, secondary;
	size_t groups;		/* linked groups of hidden cells at the end */
	size_t lps;		/* LP optimisations solved */
	size_t boxes;		/* cells proven by a box, without LP */
	size_t planned;		/* boxes completed for cells short */
	size_t rounds;
};

/*
 * Decide which rows of t to hide.  t must have been through
 * sdc_table_structure.  status (caller-owned, t->nrow entries) receives
 * an enum sdc_cell_status per row; stats may be NULL.  Fails when a
 * value is not a valid non-negative number, when the margins are not
 * the sums of their cells, or when no suppression protects every
 * primary cell.
 */
int sdc_suppress_run(const struct sdc_table *t,
    const struct sdc_suppress_opts *o, unsigned char *status,
    struct sdc_suppress_stats *stats, struct sdc_err *err);

#endif
