/*
 * release.h - every count of a release as one linear system, and what
 * an attacker can infer from it.
 *
 * Each published count is an interval of the true count it can stand
 * for (exact: itself; rounded: the values that round to it; redacted:
 * [0, +inf)).  A table adds its margin identities: a row with the total
 * label in some dimension is the sum of the rows under it; a table
 * without total rows still implies them, as unpublished unknowns.
 * Tables are linked through the cells they share: a cell is named by
 * its count column and the dimension values it fixes (a dimension that
 * a table lacks, or totals, is left out), so a 1-way region table and
 * the region margin of a region x sex table name the same cells.  A
 * table whose published values contradict cells already known is kept
 * apart rather than linked.
 *
 * sdc_release_audit then finds, for each target cell (redacted, or
 * published as an interval that reaches into 1..T), the interval an
 * attacker can prove by linear programming (GLPK) over its linked
 * group, and reports those that are disclosed: a redacted cell whose
 * interval lies inside 1..T or is narrower than the protection level, a
 * published interval narrowed to inside 1..T.
 *
 * Lifecycle: sdc_release_new -> sdc_release_add per count column of
 * each table -> sdc_release_audit -> sdc_release_free.  Tables are
 * borrowed until sdc_release_audit returns; arrays passed to
 * sdc_release_add are copied.
 */
#ifndef SDC_RELEASE_H
#define SDC_RELEASE_H

#include <stddef.h>

#include "err.h"
#include "table.h"

enum sdc_pub {
	SDC_PUB_EXACT = 1,
	SDC_PUB_ROUNDED,	/* a rounded value: [lo, hi] */
	SDC_PUB_MIDPOINT,	/* midpoint rounding: [lo, hi] */
	SDC_PUB_REDACTED	/* [0, +inf) */
};

struct sdc_release_opts {
	double threshold;	/* counts 1..threshold are small */
	double protection;	/* redacted: required interval width */
};

/* Where a cell was published: the caller's table id and a row. */
struct sdc_release_ref {
	size_t table, row;
};

#define SDC_RELEASE_PINS 6

enum sdc_release_what {
	SDC_RELEASE_DISCLOSED,	/* ref's cell is disclosed: lo, hi, pins */
	SDC_RELEASE_INCONSISTENT	/* ref's table cannot be satisfied
					   together with the tables linked
					   to it */
};

struct sdc_release_hit {
	enum sdc_release_what what;
	struct sdc_release_ref ref;
	size_t col;			/* column of ref's table */
	enum sdc_pub pub;
	double lo, hi;			/* hi is HUGE_VAL when unbounded */
	size_t npin;			/* published cells that pin it */
	struct sdc_release_ref pin[SDC_RELEASE_PINS];
	size_t pincol[SDC_RELEASE_PINS];
};

struct sdc_release_stats {
	size_t cells, vars, identities, components, targets, lps, links;
	size_t mended;		/* 1 when the fitted point needed mending */
	size_t nearby;		/* targets settled by LPs near them */
};

struct sdc_release;

struct sdc_release *sdc_release_new(const struct sdc_release_opts *o,
    struct sdc_err *err);

/*
 * Add count column col of t, which has been through sdc_table_structure
 * (its group columns are the dimensions).  Per row: pub (0: not a
 * cell of the system), the interval [lo, hi] (hi may be HUGE_VAL), the
 * published value val (NAN when redacted), and target (audit this
 * cell).
 */
int sdc_release_add(struct sdc_release *rel, size_t table,
    const struct sdc_table *t, size_t col, const unsigned char *pub,
    const double *lo, const double *hi, const double *val,
    const unsigned char *target, struct sdc_err *err);

/*
 * Audit; fn is called for each disclosed cell and each inconsistent
 * table, in a deterministic order.  A non-zero return from fn stops the
 * audit and is returned (fn sets err).
 */
typedef int sdc_release_fn(void *ctx, const struct sdc_release_hit *hit,
    struct sdc_err *err);
int sdc_release_audit(struct sdc_release *rel, sdc_release_fn *fn,
    void *ctx, struct sdc_release_stats *stats, struct sdc_err *err);

void sdc_release_free(struct sdc_release *rel);

#endif
