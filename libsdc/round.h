/*
 * round.h - rounding the counts of an aggregate table for release.
 *
 * Three schemes, on whole counts x >= 0 and a base b >= 1:
 *
 *   nearest   the nearest multiple of b; a tie (x mod b == b/2, b even)
 *             goes up, away from zero: base 10 takes 15 to 20 and 25 to
 *             30.  Never ties-to-even.
 *   midpoint  0 stays 0; x > 0 becomes ceil(x/b)*b - floor(b/2), the
 *             middle of its band (b = 6: 1..6 -> 3, 7..12 -> 9).
 *   random    unbiased random rounding: a multiple of b stays and uses
 *             no draw; otherwise one draw u from the generator, and x
 *             goes up to the next multiple when u * b < x mod b, else
 *             down, so up with probability (x mod b) / b and the
 *             expected result is x.
 *
 * Arithmetic is in int64_t; a result beyond INT64_MAX is an error
 * (SDC_ELIMIT), never a wrapped value.
 *
 * The table layer (sdc_round_table, sdc_round_write, sdc_round_run)
 * rounds the named count columns of a table read with sdc_table_read:
 * group columns, then counts, as sdc-count writes it.  Every value in a
 * rounded column must be a decimal count (0 upwards, at most INT64_MAX)
 * or a redaction marker (sdc_round_is_marker), which passes unchanged.
 * Margin rows ("totals": a group value equal to the total label) are,
 * by default, recomputed as the sum of the rounded leaf rows they
 * cover; see sdc_round_table for the rule on redacted leaves.
 */
#ifndef SDC_ROUND_H
#define SDC_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "err.h"
#include "output.h"
#include "rng.h"
#include "table.h"

/*
 * Round x (>= 0) to base (>= 1) into *out.  -1 with err set when x or
 * base is out of range (SDC_EUSAGE) or the result would overflow
 * (SDC_ELIMIT); *out is then untouched.  sdc_round_random draws from
 * rng (borrowed) only when x is not a multiple of base.
 */
int sdc_round_nearest(int64_t x, int64_t base, int64_t *out,
    struct sdc_err *err);
int sdc_round_midpoint(int64_t x, int64_t base, int64_t *out,
    struct sdc_err *err);
int sdc_round_random(int64_t x, int64_t base, struct sdc_rng *rng,
    int64_t *out, struct sdc_err *err);

/*
 * ehrQL's measures rule (ehrql/measures/disclosure_control.py: value
 * <= threshold becomes 0, then base * round(value / base) with Python's
 * round): x <= threshold gives 0, else the nearest multiple of base,
 * a tie (even base only) going to the even multiple.  Errors as
 * sdc_round_nearest.
 */
int sdc_round_redact_nearest(int64_t x, int64_t threshold, int64_t base,
    int64_t *out, struct sdc_err *err);

/*
 * 1 when s is a redaction marker: marker (may be NULL) or one of
 * "[REDACTED]", "redacted", "na", "n/a", "<=7", all compared ignoring
 * ASCII case (so "[redacted]" and "NA" are markers too).
 */
int sdc_round_is_marker(const char *s, const char *marker);

enum sdc_round_scheme {
	SDC_ROUND_NEAREST,
	SDC_ROUND_MIDPOINT,
	SDC_ROUND_RANDOM
};

enum sdc_round_totals {
	SDC_ROUND_RECOMPUTE,	/* totals = sums of rounded leaves */
	SDC_ROUND_INDEPENDENT	/* totals rounded like any cell */
};

/* Output column name = num / den, both rounded columns. */
struct sdc_round_ratio {
	const char *name, *num, *den;
};

/* The marker written by default, and the default total label. */
#define SDC_ROUND_MARKER "[REDACTED]"
#define SDC_ROUND_TOTAL "Total"

/* All strings and arrays are borrowed for the duration of each call. */
struct sdc_round_opts {
	enum sdc_round_scheme scheme;
	int64_t base;
	uint64_t seed;		/* SDC_ROUND_RANDOM only */
	size_t ncolumn;		/* rounded columns; 0: just "n" */
	const char *const *column;
	size_t ngroup;		/* group columns; 0 with group NULL: every */
	const char *const *group;	/* column before the first rounded one */
	const char *total_label;	/* NULL: SDC_ROUND_TOTAL */
	const char *marker;	/* NULL: SDC_ROUND_MARKER */
	enum sdc_round_totals totals;
	size_t nratio;
	const struct sdc_round_ratio *ratio;
};

/*
 * Round t (filled by sdc_table_read, not yet structured) in place:
 * check the options against its header, find its margins with
 * sdc_table_structure, then round.
 *
 * Random draws are taken in row order, and within a row in the order
 * the rounded columns appear in the header, one per value rounded that
 * is not already a multiple of the base.
 *
 * With SDC_ROUND_RECOMPUTE, each total row's count becomes the sum of
 * the rounded counts of the leaf rows (no total label) that agree with
 * it on its non-total group columns; leaves absent from the table count
 * 0.  Fail-closed exception: when one of those leaves is redacted in
 * that column, the total cannot be recomputed without giving away the
 * hidden cell (total minus the others), so it is rounded on its own
 * instead, and takes its draw in row order like a leaf.  A total that
 * is itself redacted stays redacted.
 *
 * On error t may be partly rounded: do not write it.  Errors with code
 * SDC_EUSAGE are about the options (the caller reports them as usage
 * errors); the others name the input, its line and the column.
 */
int sdc_round_table(struct sdc_table *t, const struct sdc_round_opts *o,
    struct sdc_err *err);

/*
 * Write t, rounded by sdc_round_table with the same o, to out: the
 * evidence columns top1 and top2 left out, each ratio column replacing
 * the column of its name or appended at the end in the order given.  A
 * ratio is printed with sdc_num_format_double; it is empty when the
 * denominator is 0 and the marker when either side is redacted.
 */
int sdc_round_write(const struct sdc_table *t, const struct sdc_round_opts *o,
    struct sdc_output *out, struct sdc_err *err);

/* Read the table from r, round it and write it to out. */
int sdc_round_run(const struct sdc_round_opts *o, struct sdc_csv_reader *r,
    struct sdc_output *out, struct sdc_err *err);

#endif
