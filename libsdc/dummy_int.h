/*
 * dummy_int.h - private to dummy*.c: the aiming plan (dummy_aim.c) and
 * the row generator (dummy_gen.c) that sdc_dummy_generate (dummy.c)
 * drives.
 */
#ifndef SDC_DUMMY_INT_H
#define SDC_DUMMY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "err.h"
#include "parse.h"
#include "query.h"

#define DUM_MAXCOL 64
#define DUM_MAXREQ 48		/* aimed row groups per patient */
#define DUM_MAXCHOICE 16	/* learnt choices remembered per patient */
#define DUM_MAXSET 3
#define DUM_MAXHINT 32		/* hinted variables (a bit each) */

/*
 * A researcher's expectation for one variable (dummy_expect.c), and
 * where it lands: a patient table's column (H_PCOL), the date of birth
 * behind an age (H_AGE), or a column of the rows of an event frame
 * (H_FRAME: a picked row's column, or an aggregated column).
 */
enum dum_hkind { H_PCOL, H_AGE, H_FRAME };
enum dum_rate { R_EXP, R_UNIFORM, R_UNIVERSAL };
enum dum_dist { D_NONE, D_NORMAL, D_POISSON, D_AGES };

struct dum_hint {
	const char *var;		/* the variable's name */
	size_t vi;			/* its index in q->vars */
	unsigned line, col;		/* its key in the dict */
	enum dum_hkind kind;
	size_t table;			/* index in q->tables */
	int column;			/* schema column (H_AGE: birth) */
	const struct sdc_qnode *frame;	/* H_FRAME: the frame */
	int32_t age_at;			/* H_AGE: age on this date */
	int has_inc;
	double inc;			/* share of the population non-NULL */
	int has_date;
	int32_t earliest, latest;
	enum dum_rate rate;
	size_t ncat;			/* category ratios */
	struct sdc_qval *cat;		/* the values (column's type) */
	double *cum;			/* cumulative ratios, cum[ncat-1] 1 */
	enum dum_dist dist;		/* int/float */
	int is_int;
	double mean, sd;
	uint32_t slot;			/* learn slot of the incidence */
};

/* What one column of a row must be; zero means "anything". */
struct dum_cons {
	unsigned char null;	/* 0 any, 1 NULL, 2 not NULL */
	unsigned char has_lo, has_hi;
	int64_t lo, hi;		/* INT, DATE: inclusive */
	double flo, fhi;	/* FLOAT: inclusive */
	int nsets;		/* a value of set[0] that is in the others */
	const struct sdc_qval *set[DUM_MAXSET];
	size_t nset[DUM_MAXSET];
	const struct sdc_qval *avoid;	/* not one of these */
	size_t navoid;
	const char *prefix;	/* CONTAINS: the value holds this */
	size_t plen;
	const struct dum_hint *hint;	/* draw the value from this hint's
					   distribution, within the rest */
};

/* count rows of table (an index in q->tables) meeting c[]. */
struct dum_req {
	size_t table;
	const struct sdc_qnode *frame;	/* the frame aimed at */
	unsigned count;
	struct dum_cons c[DUM_MAXCOL];
};

/* A learnt two-way choice: an OR aimed TRUE, or a variable's aim. */
struct dum_choice {
	uint32_t slot;		/* index in dum_plan.learn */
	uint8_t branch;
};

/* Counters per choice slot: tried and passed per branch, weights. */
struct dum_learn {
	uint64_t tried[2], passed[2];
	uint64_t nonnull[2];	/* hint slots: passed with a value */
	int hint;		/* hint index + 1, or 0 */
	double prior[2];
	double w[2];		/* current weights (fixed within a batch) */
};

/* One patient's aim: filled by dum_aim, read by the generator. */
struct dum_target {
	size_t nreq;
	struct dum_req req[DUM_MAXREQ];
	struct dum_cons *pcons[DUM_MAXCOL];	/* per q->tables index:
						   patient-level tables only */
	size_t nchoice;
	struct dum_choice choice[DUM_MAXCHOICE];
};

/* Choices beyond DUM_MAXCHOICE are not learnt from: hints come first. */

struct dum_plan {
	const struct sdc_query *q;
	int32_t anchor;
	size_t nlearn;
	struct dum_learn *learn;	/* per slot */
	uint32_t *or_slot;		/* per node id: slot + 1, or 0 */
	size_t nvaraim;
	const struct sdc_qnode **varaim;	/* frames the variables read */
	uint32_t varaim_slot0;		/* their slots follow */
	unsigned char *varaim_hinted;	/* per varaim: a hint decides */
	struct dum_cons *pcons_mem;	/* storage behind target pcons */
	size_t nhint;
	struct dum_hint *hint;		/* expectations (dummy_expect.c) */
};

/* The comparison with its operands swapped (a < b is b > a), and its
 * negation (not a < b is a >= b); other ops are returned as they are. */
enum sdc_qop dum_flip(enum sdc_qop op);
enum sdc_qop dum_negate(enum sdc_qop op);

int dum_plan_init(struct dum_plan *p, const struct sdc_query *q,
    int32_t anchor, struct sdc_err *err);
void dum_plan_release(struct dum_plan *p);

/* Aim one patient, drawing choices from r.  t is reset first. */
void dum_aim(struct dum_plan *p, gsl_rng *r, struct dum_target *t);

/*
 * Record whether a patient with target t passed; nonnull: bit j set
 * when hinted variable j had a value in the dataset row.
 */
void dum_learn_record(struct dum_plan *p, const struct dum_choice *c,
    size_t n, int passed, uint32_t nonnull);

/* col op v, wanted TRUE, into c (dummy_aim.c). */
void dum_cons_cmp(struct dum_cons *c, enum sdc_schema_type type,
    enum sdc_qop op, const struct sdc_qval *v);

/* The frame under any first/last_for_patient() and sorts. */
const struct sdc_qnode *dum_base_frame(const struct sdc_qnode *f);

/*
 * Read q->dummy.call's expectations into p->hint (dummy_expect.c):
 * literals only, each variable mapped to the column(s) it reads and
 * checked against the definition.  0, or -1 with err at line:column.
 */
int dum_expect_load(struct dum_plan *p, struct sdc_err *err);
void dum_expect_release(struct dum_plan *p);

/* Draws from a hint's distributions (dummy_expect.c). */
int32_t dum_hint_date(const struct dum_hint *h, gsl_rng *r);
double dum_hint_num(const struct dum_hint *h, gsl_rng *r);
const struct sdc_qval *dum_hint_cat(const struct dum_hint *h, gsl_rng *r);

/* Recompute the weights from the counters (between batches). */
void dum_learn_update(struct dum_plan *p);

/* Growable byte buffer. */
struct dum_buf {
	char *p;
	size_t len, cap;
};

int dum_buf_reserve(struct dum_buf *b, size_t n, struct sdc_err *err);
int dum_buf_add(struct dum_buf *b, const void *s, size_t n,
    struct sdc_err *err);

/*
 * The generator: per-table streams and scratch space.  dum_gen_patient
 * appends the CSV rows of patient (index idx, id pid) for every table
 * of the query to out[t] (no header).
 */
struct dum_gen;
struct dum_gen *dum_gen_new(const struct sdc_query *q, uint64_t seed,
    int32_t anchor, struct sdc_err *err);
void dum_gen_free(struct dum_gen *g);
/* The aiming stream of patient idx, reseeded. */
gsl_rng *dum_gen_aim_rng(struct dum_gen *g, uint64_t idx);
int dum_gen_patient(struct dum_gen *g, uint64_t idx, int64_t pid,
    const struct dum_target *t, struct dum_buf *out, struct sdc_err *err);
/* The header line of table t (only its used columns), with LF. */
int dum_gen_header(const struct sdc_query *q, size_t t, struct dum_buf *b,
    struct sdc_err *err);

#endif
