/*
 * match.h - matched controls for case-control studies.
 *
 * The cases (a patient-level CSV) are read whole; the candidate controls
 * (another patient-level CSV) are streamed, once or a few times, so that
 * memory grows with the number of cases, never with the controls.
 *
 * Eligibility of control c for case a (every condition must hold):
 *  - every exact column holds the same bytes in both rows, and neither
 *    is empty (an empty value is NULL and matches nothing);
 *  - every tolerance column is non-empty in both and |a - c| <= tol
 *    (numbers as doubles: a difference that exceeds tol by less than
 *    4 units in the last place of the larger operand counts as within,
 *    so that 1.1 is within 0.1 of 1.0; dates as whole days, exact);
 *  - c's id differs from a's (a patient is never its own control); with
 *    exclude_cases, c's id is no case's id at all;
 *  - no exclusion date of c falls before (exclude_before) or after
 *    (exclude_after) the index date that applies to the pair: the
 *    case's index date moved by the control-index offset when
 *    control_index is set, else c's own index date.  An empty exclusion
 *    date, or an empty own index date, excludes nothing;
 *  - without replacement, no earlier case has taken c (by id: two rows
 *    with one id are one patient).
 *
 * Ranking.  A case prefers eligible controls in ascending order of
 * (|a - c| for each closest column in the order given, random key of c,
 * id of c, row number of c).  The random key is a 64-bit hash of c's id
 * under a secret drawn from sdc_rng seeded with seed, so it does not
 * depend on the order of the controls file; with replace the key is a
 * hash of the pair (case id, control id), so that two cases with the
 * same matching values draw independently.
 *
 * The rule (sequential greedy, as OpenSAFELY's matching action): cases
 * are taken in ascending index date (when index_date is set), then in
 * input order (or by a seeded random key of the case id with
 * order_random); each case takes its k best eligible controls.  A case
 * that gets fewer than min_matches keeps none: its controls stay
 * available to later cases, and the case is left out of the output.
 *
 * How it streams.  Cases with identical matching values (exact key,
 * tolerance values, the offset index date when it matters; with replace
 * also the id) form a group; each group keeps a bounded list of its best
 * candidates while the controls stream past.  The rule is then applied
 * to the lists in case order.  At the first case whose list was cut
 * short and ran out before k, the pass ends; another pass over the
 * controls (skipping taken ones, with lists twice as long) goes on from
 * that case.  The result is always exactly the rule's; extra passes
 * only cost time.
 */
#ifndef SDC_MATCH_H
#define SDC_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "err.h"
#include "output.h"

#define SDC_MATCH_CLOSEST_MAX 4
#define SDC_MATCH_K_MAX 1000

/* One tolerance column: numbers (is_date 0) or dates in days. */
struct sdc_match_within {
	const char *column;
	double tol;		/* >= 0; whole days for dates */
	int is_date;
};

/* The control-index offset: n units of d, w, m or y (ehrQL arithmetic). */
struct sdc_match_offset {
	int64_t n;
	char unit;		/* 'd', 'w', 'm', 'y' */
};

/*
 * Options.  Every pointer is borrowed and must outlive the matcher.
 * Zero-initialise, then set what is needed.
 */
struct sdc_match_opts {
	const char *id;			/* id column (default patient_id) */
	size_t k;			/* controls wanted per case, >= 1 */
	size_t min_matches;		/* sets with fewer are dropped */
	const char *const *exact;
	size_t nexact;
	const struct sdc_match_within *within;
	size_t nwithin;
	const char *const *closest;	/* names among within, ranked */
	size_t nclosest;
	const char *index_date;		/* cases' index date column */
	int control_index;		/* controls take the case's index date */
	struct sdc_match_offset offset;	/* ... moved by this */
	const char *const *exclude_before;
	size_t nbefore;
	const char *const *exclude_after;
	size_t nafter;
	int replace;			/* a control may serve many cases */
	int exclude_cases;		/* drop controls whose id is a case's */
	int order_random;		/* cases in seeded random order */
	const char *indicator;		/* default "case" */
	const char *set_id;		/* default "set_id" */
	uint64_t seed;			/* 0 .. SDC_RNG_SEED_MAX */
	int small_lists;		/* tests: start lists at k (more passes) */
};

/* What happened; counts over the whole run. */
struct sdc_match_summary {
	uint64_t cases;			/* case rows read */
	uint64_t cases_excluded;	/* exclusion date before own index */
	uint64_t controls;		/* candidate rows read (one pass) */
	uint64_t controls_cases;	/* skipped by exclude_cases */
	unsigned passes;
	const uint64_t *hist;		/* [0..k]: cases with i controls */
	uint64_t sets;			/* sets written */
	uint64_t sets_dropped;		/* fewer than min_matches */
	uint64_t controls_written;
};

/*
 * The controls, once per pass: open returns a reader positioned after
 * the header (pass 0, 1, ...), or NULL with err set (for example when
 * the controls cannot be read twice); close releases it.  The header
 * and the number of rows must be the same on every pass.
 */
struct sdc_match_source {
	struct sdc_csv_reader *(*open)(void *ctx, unsigned pass,
	    struct sdc_err *err);
	void (*close)(void *ctx, struct sdc_csv_reader *r);
	void *ctx;
};

struct sdc_match;

/*
 * Check the options (SDC_EUSAGE), read every case from cases (borrowed;
 * read to its end), and return the matcher.  Bad values are SDC_EDATA at
 * the file:line:column of the field.
 */
struct sdc_match *sdc_match_new(const struct sdc_match_opts *o,
    struct sdc_csv_reader *cases, struct sdc_err *err);

/* Stream the controls as often as needed and apply the rule. */
int sdc_match_run(struct sdc_match *m, const struct sdc_match_source *src,
    struct sdc_err *err);

/*
 * Write the matched sets to out: a header of the cases' columns, the
 * controls' other columns, then set_id and the indicator; per set the
 * case (indicator 1) then its controls best first (0), sets in the
 * order the cases were taken.  set_id is the case's id.  A value a row's
 * file lacks is empty.
 */
int sdc_match_write(struct sdc_match *m, struct sdc_output *out,
    struct sdc_err *err);

/* The counts; valid until sdc_match_free. */
const struct sdc_match_summary *sdc_match_summary(const struct sdc_match *m);

/* What became of one case, for tests and reports. */
enum sdc_match_state {
	SDC_MATCH_SET,		/* written with its controls */
	SDC_MATCH_SHORT,	/* fewer than min_matches: dropped */
	SDC_MATCH_EXCLUDED	/* exclusion date before its index date */
};

/* Number of cases, and case i in the order they were taken. */
size_t sdc_match_ncases(const struct sdc_match *m);
void sdc_match_case(const struct sdc_match *m, size_t i, int64_t *id,
    enum sdc_match_state *state, const int64_t **controls, size_t *n);

/* The random keys the rule uses (see above). */
uint64_t sdc_match_control_key(const struct sdc_match *m, int64_t id);
uint64_t sdc_match_pair_key(const struct sdc_match *m, int64_t case_id,
    int64_t control_id);
uint64_t sdc_match_case_key(const struct sdc_match *m, int64_t id);

void sdc_match_free(struct sdc_match *m);

#endif
