/*
 * engine_int.h - private to the engine (engine*.c): table readers that
 * parse CSV into blocks of typed rows, and the per-patient evaluator.
 *
 * A block holds whole patients only: a reader stops filling a block at a
 * patient boundary once it holds enough rows, so one patient's rows are
 * contiguous in one block.  Values are stored as struct sdc_qval so that
 * a column of a table is an event-level series without copying.
 *
 * With threads, each table has a reader thread that fills blocks ahead
 * of the evaluating thread (a bounded queue of ENG_QUEUE blocks); the
 * evaluating thread returns spent blocks for reuse.
 */
#ifndef SDC_ENGINE_INT_H
#define SDC_ENGINE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "engine.h"
#include "input.h"
#include "query.h"

#define ENG_BLOCK_ROWS 32768	/* rows per block before a boundary */
#define ENG_QUEUE 4		/* blocks per table in flight */
#define ENG_MAXCOL 64
#define ENG_THREAD_BYTES (1024 * 1024)	/* files this big get a thread */

/* Name of the column xsort adds to hold each record's original line. */
#define ENG_LINE_COLUMN "\001sdc_line"

struct eng_block {
	size_t n, cap;			/* rows */
	int64_t *pid;
	struct sdc_qval *col[ENG_MAXCOL];	/* used columns, else NULL */
	uint32_t *grp;			/* patient starts; grp[ngrp] == n */
	size_t ngrp, gcap;
	char *arena;			/* string bytes */
	size_t alen, acap;
	struct eng_block *next;		/* queue link */
};

struct eng_reader {
	const struct sdc_schema_table *st;
	uint64_t used;			/* columns to materialise */
	char *label;			/* the file named in messages */
	struct sdc_input *in;
	struct sdc_csv_reader *csv;
	int fd;				/* sorted temporary file, or -1 */
	long map[ENG_MAXCOL];		/* schema column -> CSV field, or -1 */
	long pidf;			/* field of patient_id */
	long linef;			/* sorted input: field of the line */
	uint64_t strcols;		/* used columns holding strings */
	int big;			/* worth a thread of its own */

	/* filling, owned by whoever fills (the thread, if any) */
	const struct sdc_csv_row *pend;	/* first row of the next block */
	int64_t pend_pid;
	int have_prev;
	int64_t prev_pid;
	char pidtext[24];		/* prev_pid as written */
	size_t pidlen;
	unsigned long long prev_line;
	int eof;

	/* hand-over */
	int inited;			/* mu and cv exist */
	int threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct eng_block *full, *full_tail, *free_;
	size_t nblocks;
	int done, failed, stop;
	struct sdc_err err;		/* the thread's error */
	struct eng_block *single;	/* unthreaded: the one block */
};

int eng_reader_open(struct eng_reader *rd, const struct sdc_qtable *qt,
    uint64_t extra, const struct sdc_engine_opts *opts, struct sdc_err *err);
int eng_reader_start(struct eng_reader *rd, int threaded,
    struct sdc_err *err);
/* Next full block: 1 (in *b), 0 at the end, -1 on error. */
int eng_reader_get(struct eng_reader *rd, struct eng_block **b,
    struct sdc_err *err);
/* Hand back a block obtained from eng_reader_get. */
void eng_reader_put(struct eng_reader *rd, struct eng_block *b);
void eng_reader_close(struct eng_reader *rd);

/* One table's rows for the current patient. */
struct eng_view {
	size_t n;
	const int64_t *pid;
	struct sdc_qval *col[ENG_MAXCOL];
};

struct eng_eval;

struct eng_eval *eng_eval_new(const struct sdc_query *q, struct sdc_err *err);
void eng_eval_free(struct eng_eval *x);
/* Columns each table must materialise beyond q->tables[t].used. */
uint64_t eng_eval_extra(const struct eng_eval *x, size_t t);
/* The views the evaluator reads (one per q->tables), set per patient. */
struct eng_view *eng_eval_views(struct eng_eval *x);
/*
 * Evaluate the population for patient pid (views set); 1: TRUE (and
 * vals[0..nvars-1] hold the variables), 0: not in the population, -1:
 * error.
 */
int eng_eval_patient(struct eng_eval *x, int64_t pid, struct sdc_qval *vals,
    struct sdc_err *err);

/*
 * Piecewise, for measures: begin patient pid (views set; resets the
 * per-patient cache and scratch), then optionally set the interval
 * INTERVAL stands for (dates; nodes that depend on it are recomputed,
 * the others kept), then the value of patient-level series nodes.
 * Scratch for every interval of a patient is kept until the next
 * eng_eval_begin.  -1 with err (given to eng_eval_begin) set.
 */
int eng_eval_begin(struct eng_eval *x, int64_t pid, struct sdc_err *err);
void eng_eval_interval(struct eng_eval *x, int32_t start, int32_t end);
int eng_eval_value(struct eng_eval *x, const struct sdc_qnode *nd,
    struct sdc_qval *out);

/*
 * The streaming loop of sdc_engine_run: for each patient (in ascending
 * patient_id) with a row in a table marked mentioned_by_population (or
 * in any table when none is), set the views and call fn with the
 * evaluator; fn returns 0 to go on, else that value is returned (fn
 * sets err).
 */
typedef int eng_patient_fn(void *ctx, struct eng_eval *x, int64_t pid,
    const struct eng_view *view, struct sdc_err *err);
int eng_run(const struct sdc_query *q, const struct sdc_engine_opts *opts,
    eng_patient_fn *fn, void *ctx, struct sdc_err *err);

#endif
