/*
 * engine.h - evaluates a checked query (query.h) over EHR tables held
 * as CSV files, one patient at a time.
 *
 * Tables.  Table T of the query is read from DIR/T.csv or DIR/T.csv.gz
 * (ehrQL's --dummy-tables layout; T is the schema table's name, e.g.
 * clinical_events, patient_level_table).  A header names the columns:
 * patient_id is required, other missing columns are NULL, extra ones
 * are ignored, a column named twice is an error.  Values: integers in
 * decimal, floats, ISO dates, booleans T/F, empty = NULL; codes are
 * checked against their code system, categorical columns against their
 * categories, patient_id is never NULL.  A bad value is an error naming
 * the file, line and column.  A table the query uses but DIR lacks is
 * an error.
 *
 * Streaming.  Every table must be sorted by patient_id (ascending,
 * numerically; a patient-level table has at most one row per patient).
 * All tables are read once, in step, merged by patient; each variable
 * is evaluated for one patient at a time, so memory is bounded by the
 * largest single patient's rows, not by the population.  An unsorted
 * table is an error naming the table and line, unless opts->sort is set,
 * in which case it is sorted first with an external merge sort in
 * opts->tmpdir.
 *
 * Population.  The patients considered are those with a row in any
 * table the population reads (ehrQL's rule); of those, the ones for
 * whom the population is TRUE are output, in ascending patient_id.
 */
#ifndef SDC_ENGINE_H
#define SDC_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "output.h"
#include "query.h"

struct sdc_engine_opts {
	const char *tables_dir;		/* borrowed */
	int sort;			/* 1: sort unsorted tables */
	const char *tmpdir;		/* for sort; NULL: $TMPDIR or /tmp
					   chosen by the caller, not here */
	/*
	 * Called now and then (about every 2^16 patients, and at the end)
	 * with the number of patients read so far; may be NULL.
	 */
	void (*progress)(void *ctx, uint64_t patients, int done);
	void *progress_ctx;
};

/*
 * One output row: patient_id and q->nvars values, in q->vars order.
 * vals and the strings they point at are valid only during the call.
 * Return 0 to go on, or non-zero to stop (that value is returned by
 * sdc_engine_run; fn sets err).
 */
typedef int sdc_engine_row_fn(void *ctx, int64_t patient_id,
    const struct sdc_qval *vals, struct sdc_err *err);

/* Run q over the tables; call fn per patient in the population. */
int sdc_engine_run(const struct sdc_query *q,
    const struct sdc_engine_opts *opts, sdc_engine_row_fn *fn, void *ctx,
    struct sdc_err *err);

/*
 * Run q and write the dataset to out as CSV: header "patient_id" and the
 * variables' names, then a row per patient, values formatted by
 * sdc_qval_format, NULL as an empty field, LF line ends.  Does not
 * commit out.
 */
int sdc_engine_write_csv(const struct sdc_query *q,
    const struct sdc_engine_opts *opts, struct sdc_output *out,
    struct sdc_err *err);

#endif
