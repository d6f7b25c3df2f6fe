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
#include "query.h"

#define DUM_MAXCOL 64
#define DUM_MAXREQ 48		/* aimed row groups per patient */
#define DUM_MAXCHOICE 16	/* learnt choices remembered per patient */
#define DUM_MAXSET 3

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
};

/* count rows of table (an index in q->tables) meeting c[]. */
struct dum_req {
	size_t table;
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

struct dum_plan {
	const struct sdc_query *q;
	int32_t anchor;
	size_t nlearn;
	struct dum_learn *learn;	/* per slot */
	uint32_t *or_slot;		/* per node id: slot + 1, or 0 */
	size_t nvaraim;
	const struct sdc_qnode **varaim;	/* frames the variables read */
	uint32_t varaim_slot0;		/* their slots follow */
	struct dum_cons *pcons_mem;	/* storage behind target pcons */
};

int dum_plan_init(struct dum_plan *p, const struct sdc_query *q,
    int32_t anchor, struct sdc_err *err);
void dum_plan_release(struct dum_plan *p);

/* Aim one patient, drawing choices from r.  t is reset first. */
void dum_aim(struct dum_plan *p, gsl_rng *r, struct dum_target *t);

/* Record whether a patient with target t passed. */
void dum_learn_record(struct dum_plan *p, const struct dum_choice *c,
    size_t n, int passed);

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
