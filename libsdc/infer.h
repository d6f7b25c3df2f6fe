/*
 * infer.h - what the columns and cells of a released table are.
 *
 * A release file is a CSV of aggregate results with no schema.  Before
 * it can be checked, each column is given a kind: a dimension (the
 * categories a row describes), a count of people, a percentage or rate,
 * another statistic, an evidence column that must not be released, or
 * the patient_id column.  Each cell is classified as empty, a redaction
 * marker, the total label, a whole number, a real number or text.
 *
 * Inference fails closed: a column that looks numeric, or whose name
 * says it holds counts, but has a cell that is neither a number nor a
 * redaction marker is an error naming that cell, never a dimension; a
 * negative or fractional value in a count column is an error too.
 */
#ifndef SDC_INFER_H
#define SDC_INFER_H

#include <stddef.h>

#include "err.h"
#include "table.h"

enum sdc_col_kind {
	SDC_COL_EMPTY = 0,	/* no values at all */
	SDC_COL_DIM,
	SDC_COL_COUNT,
	SDC_COL_PERCENT,	/* percentage, proportion, rate or ratio */
	SDC_COL_STAT,		/* any other statistic: sum, mean, ... */
	SDC_COL_EVIDENCE,	/* top1, top2, record keys */
	SDC_COL_PATIENT_ID
};

enum sdc_cell_kind {
	SDC_CELL_EMPTY = 0,
	SDC_CELL_MARKER,	/* a redaction marker */
	SDC_CELL_TOTAL,		/* the total label */
	SDC_CELL_INT,		/* a whole number written without a fraction */
	SDC_CELL_REAL,		/* any other finite number */
	SDC_CELL_TEXT
};

/* How a count column's values were rounded, from its name. */
enum sdc_col_rounding {
	SDC_ROUNDING_BASE = 0,		/* the release's base (or none) */
	SDC_ROUNDING_MIDPOINT6,		/* name ends _midpoint6 */
	SDC_ROUNDING_MIDPOINT6_DERIVED	/* name ends _midpoint6_derived */
};

/*
 * Borrowed for the life of every call that takes it.  markers NULL:
 * the default set ([REDACTED], redacted, na, n/a, <=7; compared without
 * regard to case).  dims and counts name columns whose kind is forced.
 */
struct sdc_infer_opts {
	const char *total;
	const char *const *markers;
	size_t nmarkers;
	const char *const *dims;
	size_t ndims;
	const char *const *counts;
	size_t ncounts;
};

/* The kind of cell s; for INT and REAL its value goes to *v. */
enum sdc_cell_kind sdc_infer_cell(const char *s,
    const struct sdc_infer_opts *o, double *v);

/* Kind of each column of t into kind[0 .. t->ncol-1] (caller-owned). */
int sdc_infer_columns(const struct sdc_table *t,
    const struct sdc_infer_opts *o, enum sdc_col_kind *kind,
    struct sdc_err *err);

enum sdc_col_rounding sdc_infer_rounding(const char *name);

/* The default redaction markers; *n gets their number. */
const char *const *sdc_infer_default_markers(size_t *n);

/* Name of a column kind, for reports ("dimension", "count", ...). */
const char *sdc_infer_kind_name(enum sdc_col_kind k);

#endif
