/*
 * dummy_measures.h - private to dummy*.c: what sdc_dummy_generate
 * (dummy.c) needs to serve a measures definition (q->measures_mode).
 *
 * Population.  ehrQL's: a patient belongs when, for some measure and
 * some of its intervals, they have a row in a table the denominator
 * reads and the denominator is TRUE or > 0.  dum_meas_pass decides
 * that exactly, per patient, with the engine's per-interval evaluator
 * (engine_int.h), the way measures.c counts.
 *
 * Aiming.  The aim walker (dummy_aim.c) takes a population node with
 * concrete dates, so dum_meas_new builds an aiming query: a copy of q
 * whose population is the OR of the measures' distinct denominators
 * (an INT denominator as "> 0"), and whose variables are the
 * numerators and group_by series, in each of which INTERVAL.start_date
 * stands for the first start and INTERVAL.end_date for the last end
 * of all the measures' intervals (their hull).  Events filtered with
 * is_during(INTERVAL) are thus aimed inside the hull, which contains
 * every interval; when the intervals have gaps an aimed date may fall
 * in one, and the exact filter then decides.  The aiming query shares
 * q's tables and nodes (copying only those that depend on INTERVAL);
 * it is only read by the aim walker, never run.
 *
 * Output.  dum_meas_generate writes the tables (to opts->tables_dir,
 * else to a temporary directory) and then the measures CSV to
 * opts->dataset, as sdc-extract --measures writes it over those
 * tables, with the definition's disclosure control.
 */
#ifndef SDC_DUMMY_MEASURES_H
#define SDC_DUMMY_MEASURES_H

#include <stddef.h>
#include <stdint.h>

#include "dummy.h"
#include "engine.h"
#include "err.h"
#include "query.h"

struct dum_meas;

/* For q (measures_mode, borrowed: must outlive the result). */
struct dum_meas *dum_meas_new(const struct sdc_query *q, struct sdc_err *err);
void dum_meas_free(struct dum_meas *m);

/* The aiming query (owned by m). */
const struct sdc_query *dum_meas_aimq(const struct dum_meas *m);

/*
 * Run the tables in eo->tables_dir, holding patients with ids
 * first + 1 .. first + n: pass[i] = 1 when patient first + 1 + i is in
 * the population (pass[] is not cleared).
 */
int dum_meas_pass(struct dum_meas *m, const struct sdc_engine_opts *eo,
    uint64_t first, size_t n, unsigned char *pass, struct sdc_err *err);

/*
 * For messages about the population: its place, or for a measures
 * definition the first measure's.
 */
void dum_meas_where(const struct sdc_query *q, const char **file,
    unsigned *line, unsigned *col);

/* sdc_dummy_generate for a measures definition with o->dataset set. */
int dum_meas_generate(const struct sdc_query *q,
    const struct sdc_dummy_opts *o, struct sdc_dummy_stats *st,
    struct sdc_err *err);

#endif
