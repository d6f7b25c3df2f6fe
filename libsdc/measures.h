/*
 * measures.h - ehrQL's measures (generate-measures): numerator and
 * denominator sums per (measure, interval, group) over EHR tables held
 * as CSV files, disclosure control, and the CSV that ehrQL writes.
 *
 * One pass.  The tables are streamed once (engine.h's rules: sorted by
 * patient_id, DIR/<table>.csv[.gz]); for each patient, every interval
 * of every measure is evaluated while that patient's rows are in
 * memory: the nodes that depend on INTERVAL are recomputed per
 * interval, the rest once per patient.  Sums are kept in a hash map
 * keyed by (measure, interval, group values), so memory grows with the
 * number of result rows, not with the population.
 *
 * Semantics are ehrQL's (struct sdc_qmeasure in query.h): a patient
 * counts for a measure in an interval when they have a row in a table
 * the denominator reads and the denominator is TRUE or > 0; the
 * numerator (TRUE 1, FALSE and NULL 0) and denominator are summed per
 * group; groups with no such patient have no row.
 *
 * Row order is ehrQL's (ehrql/measures/calculate.py, as its local-file
 * engine gives it): measures sharing a denominator and a list of
 * intervals form a batch, batches in order of their first measure;
 * within a batch, by interval (sorted), then measure (definition
 * order), then group values in the order the groups first occur among
 * patients taken in ascending patient_id.
 *
 * Lifecycle: sdc_measures_run -> sdc_measures_disclose (once) ->
 * sdc_measures_write_csv (any number of times) -> sdc_measures_free.
 * The result borrows q, which must outlive it.  The library never
 * prints.
 */
#ifndef SDC_MEASURES_H
#define SDC_MEASURES_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "err.h"
#include "output.h"
#include "query.h"

struct sdc_measures;

/* Count q's measures (q->measures_mode) over opts->tables_dir. */
struct sdc_measures *sdc_measures_run(const struct sdc_query *q,
    const struct sdc_engine_opts *opts, struct sdc_err *err);

void sdc_measures_free(struct sdc_measures *r);

/* Result rows (including those for every measure). */
size_t sdc_measures_nrows(const struct sdc_measures *r);

enum sdc_measures_dc {
	/*
	 * None: the exact sums (ehrQL with
	 * configure_disclosure_control(enabled=False)).
	 */
	SDC_MEASURES_DC_OFF,
	/*
	 * ehrQL's rule, per value: numerator and denominator <= 7 become
	 * 0, then are rounded to the nearest 5 (sdc_round_redact_nearest);
	 * the ratio is recomputed from the rounded values (empty when the
	 * rounded denominator is 0).  A negative numerator is an error
	 * (ehrQL's assertion).
	 */
	SDC_MEASURES_DC_EHRQL,
	/*
	 * sdc's stronger path, per (measure, interval) table: the leaf
	 * rows and every margin (each group column summed out, alone and
	 * together) form a table whose margins an attacker is assumed to
	 * know exactly; sdc_suppress_run (threshold 7, zeros not
	 * sensitive) hides the numerators of 1..7 and the denominators of
	 * 1..7 (each column on its own), then secondary cells until its
	 * LP audit proves no hidden value can be narrowed into 1..7 or
	 * below the protection width from the margins and the shown
	 * cells.  Shown values are then rounded as for
	 * SDC_MEASURES_DC_EHRQL (which, as none is 1..7, is plain nearest-5
	 * rounding).  Published: the leaf rows only, as ehrQL lays them
	 * out; a hidden value is written "[REDACTED]", and the ratio is
	 * "[REDACTED]" when either side is hidden.  Not modelled: links
	 * between different measures' tables other than through a
	 * common margin, and numerator <= denominator.  At most
	 * SDC_MEASURES_SDC_GROUPS_MAX group columns.
	 */
	SDC_MEASURES_DC_SDC
};

#define SDC_MEASURES_SDC_GROUPS_MAX 8

struct sdc_measures_stats {
	size_t tables;			/* (measure, interval) tables */
	size_t primary, secondary;	/* values hidden (SDC path) */
};

/*
 * Apply disclosure control how (once; OFF does nothing).  stats may be
 * NULL.  On error the result is unusable: do not write it.
 */
int sdc_measures_disclose(struct sdc_measures *r, enum sdc_measures_dc how,
    struct sdc_measures_stats *stats, struct sdc_err *err);

/*
 * Write to out (not committed).  m == SDC_MEASURES_ALL: every measure
 * in one table, columns measure, interval_start, interval_end, ratio,
 * numerator, denominator, then the union of the group columns in order
 * of first use (empty where a measure lacks one).  Else measure m only,
 * as ehrQL writes one file of a DIR/:csv output: no measure column, and
 * only m's own group columns.  Dates ISO, ratio as Python's repr,
 * NULL empty, LF line ends.
 */
#define SDC_MEASURES_ALL ((size_t)-1)
int sdc_measures_write_csv(const struct sdc_measures *r, size_t m,
    struct sdc_output *out, struct sdc_err *err);

/*
 * Write every measure to dir/<measure>.csv (sdc_measures_write_csv with
 * that measure), creating dir if it is missing.  Each file is written
 * under a temporary name and none is renamed into place until all have
 * been written; on any failure none is left behind.
 */
int sdc_measures_write_dir(const struct sdc_measures *r, const char *dir,
    struct sdc_err *err);

#endif
