/*
 * dummy.h - dummy data for a dataset definition: source tables that
 * the definition's population accepts, and the dataset the extract
 * engine computes from them, seeded and reproducible.
 *
 * How.  Patients are generated one at a time, each from its own seeded
 * GSL streams (derived from the seed, the patient's index and the table
 * name), so a patient's rows do not depend on the batch it falls in, on
 * the order of the tables in the definition or on the day.  Before its
 * rows are drawn, the population condition is walked with the target
 * TRUE and turned into requirements ("aiming"): codes drawn from the
 * codelists the population filters on, dates inside the windows its
 * comparisons name, date of birth inside the band its age conditions
 * allow, a practice registration spanning the dates it asks about,
 * enough events for count_for_patient() comparisons.  An OR is aimed at
 * one branch, chosen with weights the generator learns from which
 * patients pass.  Frames read by the dataset's variables are aimed at
 * too, now and then, so variables are not all NULL.  Patients are made
 * in batches; each batch is written to a temporary directory and run
 * through the engine (engine.h), so every kept patient passes the real
 * population, and the dataset rows are the engine's.  Batch sizes are
 * fixed (SDC_DUMMY_BATCH_*), and what is learnt changes only between
 * batches, so the output is a function of (definition, seed, anchor
 * date) alone; a smaller population size gives a prefix of a larger
 * one.
 *
 * Shapes.  Date of birth on the first of a month, ages 0 to 104 on the
 * anchor date with fewer old people; sex mostly female or male; about
 * 1.5% dead; events dated between birth and the earlier of death and
 * the anchor date (skewed to recent years), unless the population needs
 * a date outside that span; geometric numbers of events per patient;
 * registration (and address) histories of one to three spells with
 * practice changes, same-day handovers and gaps; a few NULLs where the
 * schema allows them; every value within the schema's constraints
 * (categories, ranges, code systems, regular expressions, first of the
 * month).  Only the columns the definition uses are written.
 *
 * Expectations.  configure_dummy_data(expectations={...}) gives hints
 * per variable in cohort-extractor's keys (incidence, rate, date,
 * category ratios, int/float distributions); each is mapped to the
 * source column the variable reads and checked against the definition
 * (dummy_expect.c), values are drawn from it within what the population
 * asks of the row, and incidences are met over the population by
 * learning the pass rates of patients with and without a value.  A
 * hint that contradicts the definition is an error (SDC_EDATA, or
 * SDC_EPARSE for what is not a literal) at its line and column.
 *
 * Ownership.  Everything passed in is borrowed for the call.  The
 * library never prints, never reads the environment.
 */
#ifndef SDC_DUMMY_H
#define SDC_DUMMY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "output.h"
#include "query.h"

#define SDC_DUMMY_ANCHOR "2025-01-01"	/* default anchor date */
#define SDC_DUMMY_POPULATION 10	/* ehrQL's default population size */
#define SDC_DUMMY_POPULATION_MAX 100000000
#define SDC_DUMMY_BATCH_FIRST 1024	/* batch k has FIRST << k patients, */
#define SDC_DUMMY_BATCH_MAX 32768	/* at most MAX */
#define SDC_DUMMY_NONE_PASS 200000	/* give up: none of the first ones pass */
#define SDC_DUMMY_TRIES 200		/* give up: more than TRIES * N + */
#define SDC_DUMMY_TRIES_MIN 2000000	/* TRIES_MIN patients generated */

struct sdc_dummy_opts {
	uint64_t seed;			/* 0 .. 2^32-1 */
	int32_t anchor;			/* day number (date.h) */
	int64_t population_size;	/* 0: the definition's, else default */
	const char *tmpdir;		/* where batches are run (required) */
	/*
	 * Where to write: tables_dir (NULL: none) gets one <table>.csv
	 * per table the definition uses, each written atomically; dataset
	 * (NULL: none) gets the dataset, not committed here.  For a
	 * measures definition (q->measures_mode) the population is the
	 * patients some measure's denominator counts in some interval,
	 * and dataset gets the measures CSV, as sdc_measures_write_csv
	 * writes it over the tables with the definition's disclosure
	 * control (see dummy_measures.h).
	 */
	const char *tables_dir;
	struct sdc_output *dataset;
	/* Called after each batch; may be NULL. */
	void (*progress)(void *ctx, uint64_t generated, uint64_t kept);
	void *progress_ctx;
};

struct sdc_dummy_stats {
	uint64_t generated;		/* patients made */
	uint64_t kept;			/* patients in the population */
	unsigned batches;
};

/*
 * Generate.  Returns 0, or -1 with err set: the population is not
 * reached within the documented limits (SDC_ELIMIT, naming the
 * population's line), a definition sdc-dummy cannot serve, expectations
 * it refuses, or I/O.
 * st may be NULL.
 */
int sdc_dummy_generate(const struct sdc_query *q,
    const struct sdc_dummy_opts *opts, struct sdc_dummy_stats *st,
    struct sdc_err *err);

/*
 * Check a user's dummy dataset read from in against the definition:
 * header exactly patient_id and the variables in order; every row:
 * patient_id an integer, unique, never empty; each value of its
 * variable's type (T/F booleans, integers, floats, ISO dates, codes of
 * the right system), within its categories when the variable can only
 * take known values, and empty only when the variable can be NULL.
 * Every row is read.  Returns 0, or -1 with err at file:line:column.
 */
int sdc_dummy_check(const struct sdc_query *q, struct sdc_input *in,
    struct sdc_err *err);

#endif
