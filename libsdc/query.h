/*
 * query.h - the typed query graph of a dataset definition: what the
 * definition checker (defn.h) builds and the engine (engine.h)
 * evaluates.  It is ehrQL's query model cut to what sdc runs: frames
 * (tables, filtered, sorted, a picked row) and series (columns,
 * literals, operations, aggregations), each with a type and a level.
 *
 * Lifecycle and ownership.  sdc_query_new makes an empty query;
 * sdc_query_free releases it and everything reachable from it: nodes,
 * literal strings, codelists handed over with sdc_query_keep_codelist,
 * the dataset.  Nodes are immutable once made, shared freely (the graph
 * is a DAG) and valid until sdc_query_free.  No global state.
 *
 * Levels.  Every node is either patient-level (at most one value per
 * patient: patient tables, aggregations, picked rows, literals) or
 * event-level, in which case node->table is the index (in q->tables) of
 * the event table whose rows it ranges over: its "root" table.  Filters
 * and sorts keep the root table.  Two event-level operands may be
 * combined only when they have the same root table (ehrQL: "Cannot
 * combine series which are drawn from different tables"); an
 * event-level operand combined with a patient-level one is broadcast
 * to every row.  Dataset variables and the population are
 * patient-level.
 *
 * Event-level values, per patient.  For one patient the root table has
 * rows 0..n-1 (in input order).  A frame node stands for an ordered
 * subset of those rows; an event-level series for a value on some
 * subset of them (its "defined" rows): SDC_Q_COLUMN of a frame is
 * defined on the frame's rows; an element-wise operation of two
 * event-level series is defined where both are (ehrQL joins on row);
 * an aggregation runs over the defined rows of its operand.
 *
 * NULL.  Every value may be NULL.  Unless a kind says otherwise, an
 * operation with a NULL operand is NULL (three-valued logic for AND,
 * OR, see below).
 */
#ifndef SDC_QUERY_H
#define SDC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "codelist.h"
#include "err.h"
#include "schema.h"

/*
 * Value types are the schema's: BOOL, INT, FLOAT, STR, DATE, CODE (with
 * a code system), MULTICODE (with a code system).  A CODE value is its
 * code text; a MULTICODE value the whole string.
 */

/* A literal or computed value.  str is not NUL-terminated by contract. */
struct sdc_qval {
	int null;		/* 1: NULL (the rest is meaningless) */
	union {
		int b;		/* BOOL: 0 or 1 */
		int64_t i;	/* INT */
		double f;	/* FLOAT */
		int32_t d;	/* DATE: days since 1970-01-01, date.h */
		struct {
			const char *p;
			size_t len;
		} s;		/* STR, CODE, MULTICODE */
	} u;
};

enum sdc_qkind {
	/* Frames (node->type is meaningless). */
	SDC_Q_TABLE,	/* a source table: schema = its schema row;
			   patient-level for a patient table (at most one
			   row per patient), else event-level over itself */
	SDC_Q_WHERE,	/* kid[0] frame, kid[1] BOOL series (same root, or
			   patient-level): the rows where it is TRUE */
	SDC_Q_EXCEPT,	/* except_where: the rows where kid[1] is not TRUE
			   (FALSE or NULL are kept) */
	SDC_Q_SORT,	/* kid[0] frame, kid[1] sort key series (not BOOL
			   only by accident: any orderable type).  Stable
			   sort; NULL first.  A chain SORT(SORT(f, a), b)
			   orders by b, then a: the outermost sort is the
			   primary key (ehrQL's sort_by(a, b) builds
			   SORT(SORT(f, b), a)).  WHERE/EXCEPT between sorts
			   keep the order. */
	SDC_Q_PICK,	/* first (op SDC_QOP_FIRST) or last (SDC_QOP_LAST)
			   row of kid[0], a frame with at least one SORT in
			   its chain: patient-level frame of 0 or 1 row.
			   Ties left by the sort keys are broken by the
			   values of the columns picked from any PICK of
			   the same sorted frame (kid[0]; see picked below),
			   ascending in alphabetical order of column name,
			   NULL first; LAST takes the last row of that
			   order.  Rows still tied are identical in every
			   picked column, so the choice cannot show. */

	/* Series. */
	SDC_Q_COLUMN,	/* column (index into the schema table) of frame
			   kid[0]: the column's values on the frame's rows;
			   of a PICK, the picked row's value or NULL when
			   the frame was empty */
	SDC_Q_VALUE,	/* literal: val; patient-level */
	SDC_Q_UNARY,	/* op: kid[0] */
	SDC_Q_BINARY,	/* op: kid[0], kid[1] */
	SDC_Q_IN,	/* kid[0] in the literal set vals[0..nvals-1] (all
			   non-NULL, of kid[0]'s type; CODE sets may come
			   from a codelist): NULL when kid[0] is NULL and
			   the set is not empty; FALSE for an empty set
			   even when kid[0] is NULL.  is_not_in(x) is
			   UNARY NOT of IN. */
	SDC_Q_IN_SERIES,/* kid[0] (patient-level) in the values of kid[1]
			   (event-level) for this patient, as ehrQL's
			   In(series, Series): NULL when kid[0] is NULL
			   (whatever kid[1] holds, as ehrQL's spec
			   test_containment has it), else TRUE when some
			   defined non-NULL value of kid[1] equals it, else
			   FALSE. */
	SDC_Q_MAP,	/* map_values / to_category: kid[0] looked up in
			   keys vals[0..nvals-1] (same type as kid[0]), the
			   result is map[i] (node->type; may be NULL
			   values); kid[0] NULL or not found: kid[1] if
			   n == 2 (the default, may be a series), else
			   NULL */
	SDC_Q_CASE,	/* kid[0] cond1, kid[1] value1, kid[2] cond2, ...;
			   if n is odd the last kid is the otherwise value.
			   The value of the first condition that is TRUE
			   (NULL conditions are skipped, as FALSE); none:
			   the otherwise value, or NULL */
	SDC_Q_EXTREMUM,	/* op SDC_QOP_MAX / SDC_QOP_MIN over kid[0..n-1]
			   (maximum_of / minimum_of): NULLs are ignored;
			   NULL only when all are NULL */
	SDC_Q_AGG,	/* op (an SDC_QOP_AGG_*): event-level kid[0] (a
			   series, or a frame for EXISTS and COUNT) to a
			   patient-level value; kid[1] for COUNT_EPISODES
			   (INT literal, gap in days) */
	SDC_Q_INTERVAL	/* ehrQL's measures placeholder: op
			   SDC_QOP_INTERVAL_START (INTERVAL.start_date) or
			   SDC_QOP_INTERVAL_END (INTERVAL.end_date); a
			   patient-level DATE, never NULL, with no
			   children.  Its value is the interval being
			   evaluated (see struct sdc_qmeasure); only
			   measures may use it. */
};

enum sdc_qop {
	SDC_QOP_NONE = 0,
	/* PICK */
	SDC_QOP_FIRST, SDC_QOP_LAST,
	/* EXTREMUM */
	SDC_QOP_MAX, SDC_QOP_MIN,

	/* UNARY */
	SDC_QOP_NOT,		/* BOOL -> BOOL; NULL stays NULL */
	SDC_QOP_NEG,		/* INT/FLOAT; INT64_MIN is an error */
	SDC_QOP_ABS,		/* INT/FLOAT */
	SDC_QOP_IS_NULL,	/* any -> BOOL, never NULL */
	SDC_QOP_IS_NOT_NULL,	/* any -> BOOL, never NULL */
	SDC_QOP_AS_INT,		/* INT/FLOAT/BOOL -> INT; float truncates
				   toward zero (NaN/inf or out of range:
				   an error) */
	SDC_QOP_AS_FLOAT,	/* INT/FLOAT/BOOL -> FLOAT */
	SDC_QOP_YEAR, SDC_QOP_MONTH, SDC_QOP_DAY,	/* DATE -> INT */
	SDC_QOP_FIRST_OF_MONTH, SDC_QOP_FIRST_OF_YEAR,	/* DATE -> DATE */

	/* BINARY (operands of the same type unless said otherwise) */
	SDC_QOP_AND,		/* BOOL: FALSE if either is FALSE, else NULL
				   if either is NULL, else TRUE */
	SDC_QOP_OR,		/* BOOL: TRUE if either is TRUE, else NULL if
				   either is NULL, else FALSE */
	SDC_QOP_EQ, SDC_QOP_NE,	/* any type -> BOOL */
	SDC_QOP_LT, SDC_QOP_LE, SDC_QOP_GT, SDC_QOP_GE,
				/* INT FLOAT DATE STR CODE -> BOOL; STR and
				   CODE compare bytewise */
	SDC_QOP_ADD, SDC_QOP_SUB, SDC_QOP_MUL,
				/* INT (overflow: an error) or FLOAT */
	SDC_QOP_DIV,		/* INT or FLOAT -> FLOAT; divisor 0: NULL */
	SDC_QOP_FLOORDIV,	/* INT or FLOAT -> INT (ehrQL's FloorDivide
				   is Series[int]): floor(a / b); divisor 0:
				   NULL */
	SDC_QOP_POW,		/* INT or FLOAT -> FLOAT (ehrQL's Power);
				   undefined or infinite results: NULL */
	SDC_QOP_ADD_DAYS, SDC_QOP_ADD_WEEKS, SDC_QOP_ADD_MONTHS,
	SDC_QOP_ADD_YEARS,	/* DATE kid[0] + INT kid[1] of the unit (a
				   subtraction is made with NEG on kid[1]):
				   DATE; outside 0001..9999: an error */
	SDC_QOP_DIFF_DAYS, SDC_QOP_DIFF_WEEKS, SDC_QOP_DIFF_MONTHS,
	SDC_QOP_DIFF_YEARS,	/* (DATE kid[0] - DATE kid[1]).unit: INT,
				   as date.h's sdc_date_diff_* */
	SDC_QOP_CONTAINS,	/* STR kid[0] contains STR kid[1] (bytes);
				   MULTICODE kid[0] contains a code whose
				   text starts with kid[1] (CODE or STR
				   prefix): ehrQL's "||"-separated lists are
				   matched as substrings of the whole value,
				   as ehrQL does */
	SDC_QOP_WHEN_NULL,	/* kid[0] unless NULL, else kid[1] */

	/* AGG */
	SDC_QOP_AGG_EXISTS,	/* frame -> BOOL: has rows; never NULL */
	SDC_QOP_AGG_COUNT,	/* frame -> INT: number of rows; never NULL */
	SDC_QOP_AGG_COUNT_DISTINCT,
				/* series -> INT: distinct non-NULL values;
				   never NULL */
	SDC_QOP_AGG_MIN, SDC_QOP_AGG_MAX,
				/* series -> its type; NULLs ignored; NULL
				   when no non-NULL value */
	SDC_QOP_AGG_SUM,	/* INT (overflow: an error) or FLOAT
				   (compensated, as Python's sum since 3.12)
				   -> same type; NULL when no non-NULL value */
	SDC_QOP_AGG_MEAN,	/* INT or FLOAT -> FLOAT: exact sum / count
				   (compensated); NULL when none */
	SDC_QOP_AGG_COUNT_EPISODES,
				/* DATE series, kid[1] INT gap g > 0 -> INT:
				   sort the non-NULL dates; an episode starts
				   at the first and at every date more than g
				   days after the previous date; never NULL */
	/* INTERVAL */
	SDC_QOP_INTERVAL_START, SDC_QOP_INTERVAL_END
};

enum sdc_qlevel { SDC_QL_PATIENT, SDC_QL_EVENT };

struct sdc_qnode {
	enum sdc_qkind kind;
	enum sdc_qop op;
	enum sdc_qlevel level;
	size_t table;			/* EVENT level: root table, index in
					   q->tables; TABLE: its own index */
	enum sdc_schema_type type;	/* series only */
	enum sdc_code_system system;	/* CODE and MULTICODE series */
	size_t n;			/* children */
	struct sdc_qnode **kid;
	long column;			/* COLUMN: index in the table schema */
	struct sdc_qval val;		/* VALUE */
	size_t nvals;			/* IN, MAP */
	const struct sdc_qval *vals;	/* IN: the set; MAP: the keys */
	const struct sdc_qval *map;	/* MAP: a result per key */
	uint64_t picked;		/* a frame under some PICK: bit c set
					   when column c is read from a PICK
					   of this frame (so tables have at
					   most 64 columns) */
	const char *file;		/* the definition or module file it
					   was written in (owned by the query;
					   NULL unknown) and where in it */
	unsigned line, col;		/* (1-based; 0 unknown), for run-time
					   errors */
	unsigned id;			/* 0..q->nnodes-1, in creation order
					   (children before parents), for
					   the engine's per-node caches */
	int interval;			/* 1: an INTERVAL node or a node
					   with one below it (set by the
					   builders), so its value changes
					   with the interval */
};

/* A source table the query reads, and the columns it uses. */
struct sdc_qtable {
	const struct sdc_schema_table *schema;
	uint64_t used;			/* bit c: column c is read (bit 0,
					   patient_id, always) */
	int mentioned_by_population;	/* the population reads it */
};

/* What configure_dummy_data recorded, for sdc-dummy (raw). */
struct sdc_qdummy {
	int64_t population_size;	/* 0: not given */
	const struct sdc_node *call;	/* the whole call, for sdc-dummy to
					   read expectations from; borrowed
					   from the definition's syntax tree,
					   which defn.h keeps with the query */
};

struct sdc_qvar {
	const char *name;
	struct sdc_qnode *node;		/* patient-level series */
};

/*
 * A measure (ehrQL's define_measure), for a measures definition.  For
 * each interval [start, end] (days since 1970-01-01, both inclusive),
 * with INTERVAL standing for it: the patients counted are those with a
 * row in some table the denominator reads (ehrQL's population rule,
 * the denominator taken as the population) for whom the denominator is
 * TRUE (BOOL) or > 0 (INT); each adds its denominator (TRUE as 1) and
 * its numerator (TRUE 1, FALSE 0, NULL 0) to the row of its group
 * values.  Groups no counted patient falls in have no row.
 *
 * For a data generator (sdc-dummy): the population of a measures
 * definition is the union over measures and their intervals of the
 * patients counted, i.e. "denominator is TRUE or > 0 for some
 * interval"; q->tables[t].mentioned_by_population is set for the
 * tables the denominators read, as a dataset's population sets it.
 */
struct sdc_qmeasure {
	const char *name;
	struct sdc_qnode *numerator;	/* patient-level BOOL or INT */
	struct sdc_qnode *denominator;	/* patient-level BOOL or INT */
	size_t ngroups;			/* group_by, in the dict's order */
	struct sdc_qvar *groups;	/* name, patient-level series */
	size_t nintervals;		/* sorted by (start, end), distinct,
					   start <= end (as ehrQL's
					   tuple(sorted(set(intervals)))) */
	const int32_t (*intervals)[2];
	const char *file;		/* the define_measure call */
	unsigned line, col;
};

struct sdc_query_mem_;

struct sdc_query {
	size_t ntables;
	struct sdc_qtable *tables;
	size_t nnodes;
	struct sdc_qnode *population;	/* patient-level BOOL, or NULL before
					   the definition sets it */
	size_t nvars;			/* dataset columns, definition order */
	struct sdc_qvar *vars;
	struct sdc_qdummy dummy;
	/*
	 * A measures definition (sdc_defn_opts.measures): population is
	 * NULL, nvars 0, and these say what to count.  dummy holds the
	 * measures' configure_dummy_data.
	 */
	int measures_mode;
	size_t nmeasures;		/* definition order */
	struct sdc_qmeasure *measures;
	int disclosure_control;		/* configure_disclosure_control(
					   enabled=): 1 (the default) or 0 */
	struct sdc_query_mem_ *mem_;	/* private: arena and owned objects */
};

/* A new, empty query, or NULL with err set. */
struct sdc_query *sdc_query_new(struct sdc_err *err);

/* Free q and everything it owns.  NULL is allowed. */
void sdc_query_free(struct sdc_query *q);

/*
 * Format a non-NULL value of type as ehrQL writes it in a dataset:
 * T/F, decimal ints, floats as Python's repr ("7.0", "1e+20",
 * "0.15000000000000002", "inf"), ISO dates, strings and codes as they
 * are.  Writes at most SDC_QVAL_FMT_MAX bytes (plus a NUL) to buf for
 * every type but STR, CODE, MULTICODE, whose text is returned through
 * *p instead (buf unused).  Returns the length; *p points at the text.
 */
#define SDC_QVAL_FMT_MAX 40
size_t sdc_qval_format(enum sdc_schema_type type, const struct sdc_qval *v,
    char *buf, const char **p);

/* Total order used by sorts: NULL first, then by value (STR bytewise). */
int sdc_qval_cmp(enum sdc_schema_type type, const struct sdc_qval *a,
    const struct sdc_qval *b);

/* 1 when equal (both NULL counts as equal), else 0. */
int sdc_qval_eq(enum sdc_schema_type type, const struct sdc_qval *a,
    const struct sdc_qval *b);

/*
 * Storage.  sdc_query_alloc returns n zeroed bytes owned by q (freed by
 * sdc_query_free), or NULL with err set.  sdc_query_keep hands q an
 * object to release with fn(obj) at sdc_query_free (a syntax tree, a
 * codelist); when it fails (out of memory) it calls fn(obj) at once and
 * returns -1.
 */
void *sdc_query_alloc(struct sdc_query *q, size_t n, struct sdc_err *err);
int sdc_query_keep(struct sdc_query *q, void *obj, void (*fn)(void *),
    struct sdc_err *err);

/*
 * The index in q->tables of schema table t, added (with patient_id
 * used) on first use; or -1 with err set.
 */
long sdc_query_table(struct sdc_query *q, const struct sdc_schema_table *t,
    struct sdc_err *err);

/*
 * A raw node of kind with n (zeroed) children, everything else zero
 * but kind, n, kid and id.  For builders and tests; the caller fills
 * in the rest and must respect the invariants above.
 */
struct sdc_qnode *sdc_query_node(struct sdc_query *q, enum sdc_qkind kind,
    size_t n, struct sdc_err *err);

/*
 * Builders, used by the definition checker: each checks types and
 * levels, sets type, level, table, line/col, records used columns and
 * picked columns, and returns the node, or NULL with err set to an
 * ehrQL-like message at line:col of file.  Structurally equal nodes are
 * the same node (hash-consed), so a frame written twice is one frame.
 * Declared below this line by the checker's implementation.
 *
 * Builders take builder-made nodes only (not raw sdc_query_node ones).
 * They add these guarantees to the invariants above:
 *  - every frame node (TABLE, WHERE, EXCEPT, SORT, PICK) has table set
 *    to the index of the source table it selects rows from, also when
 *    it is patient-level (a patient table, a PICK);
 *  - IN sets are sorted ascending by sdc_qval_cmp, without duplicates;
 *  - MAP keys are distinct;
 *  - no node is more than SDC_QUERY_HEIGHT_MAX levels above a leaf, so
 *    a recursive walk needs at most that many frames;
 *  - AGG EXISTS and COUNT accept a patient-level frame too (a patient
 *    table or a PICK: 0 or 1 row), as ehrQL does (p.exists_for_patient());
 *  - ehrQL's domain rule is enforced, which is stricter than "the same
 *    root table": two event-level series combine only when they come
 *    from the same filtered frame (sorts do not count), and a WHERE,
 *    EXCEPT or SORT condition/key comes from the frame or one of its
 *    unfiltered ancestors.
 * Literal strings handed to a builder are copied into q.
 */
#define SDC_QUERY_HEIGHT_MAX 1000

/* Where a node comes from, for messages and node->line/col. */
struct sdc_qloc {
	const char *file;	/* may be NULL */
	unsigned line, col;
};

/* SDC_Q_INTERVAL: op SDC_QOP_INTERVAL_START or SDC_QOP_INTERVAL_END. */
struct sdc_qnode *sdc_query_interval(struct sdc_query *q, enum sdc_qop op,
    const struct sdc_qloc *loc, struct sdc_err *err);

/* SDC_Q_TABLE for schema table t (patient- or event-level). */
struct sdc_qnode *sdc_query_select(struct sdc_query *q,
    const struct sdc_schema_table *t, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* Column name of frame; marks it used (and picked under a PICK). */
struct sdc_qnode *sdc_query_column(struct sdc_query *q,
    struct sdc_qnode *frame, const char *name, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* A literal of type (system for CODE); v may be NULL-valued. */
struct sdc_qnode *sdc_query_value(struct sdc_query *q,
    enum sdc_schema_type type, enum sdc_code_system system,
    const struct sdc_qval *v, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* UNARY op of a, BINARY op of a and b (see enum sdc_qop for types). */
struct sdc_qnode *sdc_query_unary(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *a, const struct sdc_qloc *loc, struct sdc_err *err);
struct sdc_qnode *sdc_query_binary(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *a, struct sdc_qnode *b, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* WHERE or EXCEPT (kind) of an event frame by a BOOL series. */
struct sdc_qnode *sdc_query_filter(struct sdc_query *q, enum sdc_qkind kind,
    struct sdc_qnode *frame, struct sdc_qnode *cond,
    const struct sdc_qloc *loc, struct sdc_err *err);

/* SORT of an event frame by key (one key; chain for more). */
struct sdc_qnode *sdc_query_sort(struct sdc_query *q, struct sdc_qnode *frame,
    struct sdc_qnode *key, const struct sdc_qloc *loc, struct sdc_err *err);

/* PICK (op SDC_QOP_FIRST or SDC_QOP_LAST) of a sorted event frame. */
struct sdc_qnode *sdc_query_pick(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *frame, const struct sdc_qloc *loc, struct sdc_err *err);

/* AGG op of src; gap (days) for SDC_QOP_AGG_COUNT_EPISODES only. */
struct sdc_qnode *sdc_query_aggregate(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *src, int64_t gap, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* IN: a in the n non-NULL values (a's type; copied, sorted, deduped). */
struct sdc_qnode *sdc_query_in(struct sdc_query *q, struct sdc_qnode *a,
    const struct sdc_qval *vals, size_t n, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* IN_SERIES: patient-level a in the values of event-level b. */
struct sdc_qnode *sdc_query_in_series(struct sdc_query *q,
    struct sdc_qnode *a, struct sdc_qnode *b, const struct sdc_qloc *loc,
    struct sdc_err *err);

/*
 * MAP: a looked up in the n distinct keys (a's type); result map[i] of
 * type (system for CODE), dflt (NULL: none) of that type otherwise.
 * keys and map are copied.
 */
struct sdc_qnode *sdc_query_map(struct sdc_query *q, struct sdc_qnode *a,
    const struct sdc_qval *keys, const struct sdc_qval *map, size_t n,
    enum sdc_schema_type type, enum sdc_code_system system,
    struct sdc_qnode *dflt, const struct sdc_qloc *loc, struct sdc_err *err);

/* CASE of kids (cond, value pairs, then an optional otherwise). */
struct sdc_qnode *sdc_query_case(struct sdc_query *q,
    struct sdc_qnode *const *kids, size_t n, const struct sdc_qloc *loc,
    struct sdc_err *err);

/* EXTREMUM op (SDC_QOP_MAX, SDC_QOP_MIN) of n >= 1 series. */
struct sdc_qnode *sdc_query_extremum(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *const *kids, size_t n, const struct sdc_qloc *loc,
    struct sdc_err *err);

/*
 * Set q->population to the patient-level BOOL series pop, after ehrQL's
 * check (ehrql/query_model/population_validation.py): a population
 * that is TRUE for a patient with no row in any table is refused.
 * Marks the tables it reads as mentioned_by_population.
 */
int sdc_query_set_population(struct sdc_query *q, struct sdc_qnode *pop,
    const struct sdc_qloc *loc, struct sdc_err *err);

/*
 * Called once q->population and q->vars (or q->measures) are final:
 * q->tables keeps only the tables they read (in first-use order; node->table indexes are
 * renumbered), and used, picked and mentioned_by_population are
 * recomputed from what they reach, so nothing left unused by the
 * dataset (an unused import, a helper variable) counts.
 */
int sdc_query_finish(struct sdc_query *q, struct sdc_err *err);

/*
 * Write node as an S-expression into buf (NUL-terminated within size;
 * buf may be NULL when size is 0); returns the full length, as
 * snprintf does.  For tests and debugging.  Shape:
 *   (table NAME) (where F C) (except F C) (sort F K) (first F) (last F)
 *   (col F NAME)  (COL's table is the frame's) (TYPE VALUE) e.g. (int 3) (date 2020-01-01) (str "x")
 *   (null TYPE) (OP A [B]) e.g. (add A B) (not A)
 *   (in A (V...)) (in-series A B) (map A ((K V)...) [D])
 *   (case C V ... [O]) (max A...) (min A...) (agg-OP A [gap])
 *   (interval-start) (interval-end)
 */
size_t sdc_query_dump(const struct sdc_query *q, const struct sdc_qnode *node,
    char *buf, size_t size);

/* Type name as ehrQL's messages write it: "int", "datetime.date",
 * "SNOMEDCTCode", "ICD10MultiCodeString" ... */
const char *sdc_query_type_name(enum sdc_schema_type type,
    enum sdc_code_system system);

#endif
