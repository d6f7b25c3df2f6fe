/*
 * defn_int.h - private to the definition checker (defn*.c): the
 * interpreter's values, environments and context.
 *
 * Values are small structs passed by value; what they point at lives
 * in the query's arena (sdc_query_alloc) and is freed with the query,
 * so nothing here is ever freed by hand.  Containers are immutable
 * once built except through dv_seq_push on a fresh one.
 *
 * A small Python-subset interpreter: a `def` or lambda is a DV_FUNC
 * (id F_USER) with its syntax node, defaults and closure env
 * (env->parent chains function scopes to their module), `for` and
 * comprehensions iterate with dv_iter, helper modules are DV_MODULE with
 * their own env.  Lists, dicts and sets are shared by reference, as in
 * Python, and grow with dv_seq_push.
 *
 * Files: defn.c values, environments, modules, entry points;
 * defn_eval.c expressions, statements, calls of user functions;
 * defn_py.c Python's builtins, str/list/dict methods, formatting,
 * functools and operator; defn_series.c series operators and methods;
 * defn_dates.c dates and durations; defn_tables.c frames, table
 * helpers and attribute lookup; defn_lib.c datasets, codelists, the
 * builtin dispatcher and the ehrql modules.
 */
#ifndef SDC_DEFN_INT_H
#define SDC_DEFN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "codelist.h"
#include "defn.h"
#include "parse.h"
#include "query.h"

enum dv_kind {
	DV_NONE, DV_BOOL, DV_INT, DV_FLOAT, DV_STR, DV_DATE, DV_CODE,
	DV_LIST, DV_TUPLE, DV_DICT, DV_SET,
	DV_DURATION,	/* sub: unit; u.pair[0]: DV_INT or int DV_SERIES */
	DV_DATEDIFF,	/* u.pair[0] - u.pair[1]: DV_DATE or date DV_SERIES */
	DV_CODELIST,	/* u.cl; a list of str, or a dict str -> str when it
			   has categories */
	DV_SERIES,	/* u.node: a series node */
	DV_FRAME,	/* u.node: a frame node */
	DV_WHEN,	/* u.pair[0]: the condition (DV_SERIES) */
	DV_WHENTHEN,	/* u.pair[0] condition, u.pair[1] value */
	DV_DATASET,	/* u.ds */
	DV_MODULE,	/* u.mod */
	DV_FUNC,	/* u.fn: a builtin function or bound method */
	DV_TYPE,	/* sub: SDC_TYPE_INT/FLOAT/STR/BOOL: int, float ... */
	DV_MEASURES	/* u.ms: create_measures() */
};

/* A DV_TUPLE with sub DV_TUPLE_INTERVAL is ehrQL's INTERVAL namedtuple:
 * (start_date, end_date) as SDC_Q_INTERVAL date series. */
#define DV_TUPLE_INTERVAL 1

enum { DUR_DAYS, DUR_WEEKS, DUR_MONTHS, DUR_YEARS };

struct dv_seq;
struct dv_dataset;
struct dv_measures;
struct dv_module;
struct dv_func;

struct dv {
	enum dv_kind k;
	int sub;		/* CODE: system; DURATION: unit; TYPE: type */
	union {
		int b;
		int64_t i;
		double f;
		int32_t d;
		struct {
			const char *p;
			size_t len;
		} s;		/* STR, CODE (NUL-terminated too) */
		struct dv_seq *seq;	/* LIST, TUPLE, SET; DICT: key,
					   value pairs at 2i, 2i + 1 */
		struct sdc_qnode *node;
		struct dv *pair;
		struct sdc_codelist *cl;
		struct dv_dataset *ds;
		struct dv_measures *ms;
		struct dv_module *mod;
		struct dv_func *fn;
	} u;
};

struct dv_seq {
	size_t n, cap;
	struct dv *v;
};

/* Builtins: functions and methods (bound to self). */
enum dv_fid {
	F_CREATE_DATASET, F_DAYS, F_WEEKS, F_MONTHS, F_YEARS, F_CASE,
	F_WHEN, F_MAXIMUM_OF, F_MINIMUM_OF, F_CODELIST_FROM_CSV,
	F_CODELIST_FROM_CSV_LINES, F_CODE, F_DATE, F_GET_PARAMETER, F_ABS,
	F_LEN, F_CREATE_MEASURES,
	/* series */
	M_IS_NULL, M_IS_NOT_NULL, M_WHEN_NULL_THEN, M_IS_IN, M_IS_NOT_IN,
	M_MAP_VALUES, M_TO_CATEGORY, M_COUNT_DISTINCT, M_AS_INT, M_AS_FLOAT,
	M_ABSOLUTE, M_SUM, M_MEAN, M_MIN, M_MAX, M_CONTAINS,
	M_CONTAINS_ANY_OF, M_TO_FIRST_OF_YEAR, M_TO_FIRST_OF_MONTH,
	M_IS_BEFORE, M_IS_ON_OR_BEFORE, M_IS_AFTER, M_IS_ON_OR_AFTER,
	M_IS_BETWEEN_BUT_NOT_ON, M_IS_ON_OR_BETWEEN, M_IS_DURING,
	M_COUNT_EPISODES,
	/* frames */
	M_WHERE, M_EXCEPT_WHERE, M_SORT_BY, M_FIRST, M_LAST, M_EXISTS,
	M_COUNT,
	/* table helpers */
	M_AGE_ON, M_IS_ALIVE_ON, M_IS_DEAD_ON, M_REG_FOR_PATIENT_ON,
	M_EXISTS_FOR_PATIENT_ON, M_SPANNING, M_SPANNING_WITH_SYSTMONE,
	M_CAUSE_OF_DEATH_IS_IN, M_ADDR_FOR_PATIENT_ON,
	/* dataset */
	M_DEFINE_POPULATION, M_ADD_COLUMN, M_CONFIGURE_DUMMY_DATA,
	/* measures */
	M_DEFINE_MEASURE, M_DEFINE_DEFAULTS, M_CONFIGURE_DISCLOSURE,
	/* when, durations */
	M_THEN, M_OTHERWISE, M_STARTING_ON, M_ENDING_ON,
	/* Python (defn_py.c), from F_PY_FIRST on */
	F_PY_FIRST,
	F_USER = F_PY_FIRST,	/* a def or lambda */
	F_RANGE, F_ZIP, F_ENUMERATE, F_SORTED, F_REVERSED, F_MIN, F_MAX,
	F_SUM, F_ANY, F_ALL, F_LIST, F_TUPLE, F_DICT, F_SET, F_GETATTR,
	F_SETATTR, F_HASATTR, F_ROUND, F_MAP, F_FILTER, F_ISINSTANCE,
	F_REDUCE, F_OP, F_REFUSED, F_FROMISOFORMAT,
	/* methods of plain values */
	S_FORMAT, S_UPPER, S_LOWER, S_STRIP, S_STARTSWITH, S_ENDSWITH,
	S_REPLACE, S_JOIN, S_SPLIT, S_ISOFORMAT, L_APPEND, L_EXTEND,
	D_ITEMS, D_KEYS, D_VALUES, D_GET, D_UPDATE, SET_ADD,
	F_NFUNCS
};

struct dv_env;

struct dv_func {
	enum dv_fid id;
	int sub;		/* F_CODE: the code system; F_OP: sdc_op */
	const char *name;	/* for messages */
	struct dv self;		/* methods: the receiver */
	/* F_USER */
	const struct sdc_node *def;	/* DEF or LAMBDA */
	const struct sdc_node *params;	/* its PARAMS */
	struct dv *defaults;	/* per parameter, evaluated at def time */
	unsigned char *hasdef;	/* per parameter: has a default */
	struct dv_env *closure;	/* the scope the def ran in */
	const char *file;	/* the file it is defined in */
};

struct dv_dataset {
	struct sdc_qvar *vars;
	size_t n, cap;
	struct sdc_qnode *population;
	const struct sdc_node *pop_at;
	int64_t population_size;
	const struct sdc_node *dummy_call;
};

/*
 * create_measures(): the measures defined so far and the defaults
 * (k DV_NONE: not given; at: where each default was written).
 */
enum { MS_NUMERATOR, MS_DENOMINATOR, MS_GROUP_BY, MS_INTERVALS, MS_NARGS };

struct dv_measures {
	struct sdc_qmeasure *m;
	size_t n, cap;
	struct dv defaults[MS_NARGS];
	const struct sdc_node *defaults_at[MS_NARGS];
	int defaults_set;
	int disclosure;		/* 1 (default) or 0 */
	int64_t population_size;
	const struct sdc_node *dummy_call;
};

/* Names bound in a module or (later) a function scope. */
struct dv_bind {
	const char *name;	/* NULL: empty slot */
	struct dv v;
};

struct dv_env {
	struct dv_env *parent;
	struct dv_bind *b;	/* open addressing, cap a power of 2 */
	size_t n, cap;
	const char **order;	/* names in binding order, for import * */
	size_t norder, caporder;
};

enum dv_modkind {
	MOD_USER, MOD_EHRQL, MOD_TABLES, MOD_SCHEMA, MOD_CODES, MOD_QL,
	MOD_DATETIME, MOD_FUNCTOOLS, MOD_OPERATOR
};

struct dv_module {
	enum dv_modkind kind;
	const char *name;	/* dotted, as imported */
	const char *schema;	/* MOD_SCHEMA: "core", "tpp", "spec" */
	const char *file;	/* MOD_USER: for messages */
	struct dv_env *env;	/* MOD_USER */
	int loading;		/* MOD_USER: being run (cycle check) */
	struct dv_module *next;
};

/*
 * Limits (documented in sdc-extract(1)): nested imports, nested calls of
 * user functions, nested evaluation (expressions and statements, across
 * calls), statements and loop or comprehension steps run, bytes the
 * interpreter allocates, items in one range(), and query nodes built.
 */
#define DEFN_MODULE_DEPTH_MAX 16
#define DEFN_CALL_DEPTH_MAX 100
#define DEFN_EVAL_DEPTH_MAX 3000
#define DEFN_STEPS_MAX 1000000L
#define DEFN_MEMORY_MAX (256UL * 1024 * 1024)
#define DEFN_RANGE_MAX 1000000L
#define DEFN_NODES_MAX 1000000UL

enum defn_flow { FLOW_NEXT, FLOW_RETURN, FLOW_BREAK, FLOW_CONTINUE };

struct defn {
	struct sdc_query *q;
	const struct sdc_defn_opts *opts;
	const char *dir;	/* the definition's folder, or NULL */
	const char *file;	/* file being run, for messages */
	struct sdc_err *err;
	struct dv_env *env;	/* current scope's names */
	struct dv_module *mods;	/* builtin and user modules loaded */
	int depth;		/* module nesting */
	int calls;		/* user function nesting */
	int evdepth;		/* evaluation nesting */
	long steps;		/* statements and iterations run */
	size_t mem;		/* bytes allocated */
	enum defn_flow flow;	/* after a return, break or continue */
	struct dv ret;		/* the value returned */
	const struct sdc_node *cur;	/* statement being run */
	char chain[SDC_ERR_MSG_MAX];	/* an error's call chain */
	int nframes;		/* frames in chain */
};

/* defn.c: values, environments, errors */
int defn_fail(struct defn *d, const struct sdc_node *at,
    enum sdc_err_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
struct sdc_qloc defn_loc(const struct defn *d, const struct sdc_node *at);
void *defn_alloc(struct defn *d, size_t n);
const char *defn_strdup(struct defn *d, const char *s, size_t len);
struct dv_seq *dv_seq_new(struct defn *d, size_t cap);
int dv_seq_push(struct defn *d, struct dv_seq *s, struct dv v);
struct dv dv_none(void);
struct dv dv_bool(int b);
struct dv dv_int(int64_t i);
struct dv dv_str(const char *p, size_t len);
struct dv dv_node(struct sdc_qnode *n);
struct dv dv_func(struct defn *d, enum dv_fid id, const char *name,
    const struct dv *self);
const char *dv_type_name(const struct defn *d, const struct dv *v);
int dv_truthy(struct defn *d, const struct dv *v, const struct sdc_node *at,
    int *out);
int dv_equal(const struct dv *a, const struct dv *b);
int dv_iter(struct defn *d, const struct dv *v, const struct sdc_node *at,
    struct dv_seq **out);
int defn_bool_error(struct defn *d, const struct sdc_node *at);
int defn_call_module(struct defn *d, struct dv_module *m,
    const struct sdc_node *at);
int defn_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out);
int defn_user_module_attr(struct defn *d, struct dv_module *m,
    const char *name, const struct sdc_node *at, struct dv *out);
struct dv dv_float(double f);
struct dv dv_date(int32_t x);
struct dv dv_seqval(enum dv_kind k, struct dv_seq *s);
struct dv_env *defn_env_new(struct defn *d, struct dv_env *parent,
    size_t cap);
const struct dv *defn_env_get(const struct dv_env *e, const char *name);
int defn_env_set(struct defn *d, struct dv_env *e, const char *name,
    struct dv v);
int defn_find_module(struct defn *d, const char *name,
    const struct sdc_node *at, struct dv_module **out);
int defn_literal_order(const struct dv *a, const struct dv *b);
int defn_unsupported(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at);
int defn_dict_put(struct defn *d, struct dv_seq *s, struct dv k,
    struct dv v, const struct sdc_node *at);
int defn_set_add(struct defn *d, struct dv_seq *s, struct dv v,
    const struct sdc_node *at);
int defn_step(struct defn *d, const struct sdc_node *at);
void defn_add_frame(struct defn *d, const char *what, const char *file,
    const struct sdc_node *at);
unsigned defn_where_line(const struct sdc_node *at);
unsigned defn_where_col(const struct sdc_node *at);

int defn_exec_import(struct defn *d, const struct sdc_node *s);
int defn_exec_from(struct defn *d, const struct sdc_node *s);

/* defn_eval.c: expressions, statements, user functions */
struct dv_argv;
int defn_unary(struct defn *d, enum sdc_op op, const struct dv *v,
    const struct sdc_node *at, struct dv *out);
int defn_ev(struct defn *d, const struct sdc_node *n, struct dv *out);
int defn_exec_block(struct defn *d, const struct sdc_node *blk);
int defn_call(struct defn *d, const struct dv *f, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out);
int defn_call1(struct defn *d, const struct dv *f, size_t n,
    const struct dv *v, const struct sdc_node *at, struct dv *out);

/* defn_py.c: Python's builtins and methods of plain values */
int defn_py_builtin(struct defn *d, const char *name,
    const struct sdc_node *at, struct dv *out);
int defn_call_py(struct defn *d, const struct dv_func *fn,
    const struct dv_argv *a, const struct sdc_node *at, struct dv *out);
int defn_call_type(struct defn *d, int type, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out);
int defn_py_getattr(struct defn *d, const struct dv *obj, const char *name,
    const struct sdc_node *at, struct dv *out);
int defn_py_module_attr(struct defn *d, struct dv_module *m,
    const char *name, const struct sdc_node *at, struct dv *out);
int defn_to_str(struct defn *d, const struct dv *v, int repr,
    const struct sdc_node *at, struct dv *out);
int defn_format(struct defn *d, const struct dv *v, const char *spec,
    size_t speclen, const struct sdc_node *at, struct dv *out);
int defn_fstring(struct defn *d, const struct sdc_node *n, struct dv *out);

/* defn_lib.c and friends: ehrQL's library */
struct dv_argv {
	size_t n;			/* positional */
	struct dv *v;
	const struct sdc_node **at;	/* each argument's node */
	size_t nkw;			/* keyword */
	const char **kwname;
	struct dv *kw;
	const struct sdc_node **kwat;
	const struct sdc_node *call;	/* the CALL node, or NULL */
};

int defn_call_builtin(struct defn *d, const struct dv_func *fn,
    const struct dv_argv *args, const struct sdc_node *at, struct dv *out);
int defn_getattr(struct defn *d, const struct dv *obj, const char *name,
    const struct sdc_node *at, struct dv *out);
int defn_series_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out);
int defn_series_unary(struct defn *d, enum sdc_op op, const struct dv *a,
    const struct sdc_node *at, struct dv *out);
int defn_date_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out);
int defn_set_variable(struct defn *d, struct dv_dataset *ds,
    const char *name, const struct dv *v, const struct sdc_node *at);
int defn_module_attr(struct defn *d, struct dv_module *m, const char *name,
    const struct sdc_node *at, struct dv *out);
const char *const *defn_module_names(struct defn *d, struct dv_module *m,
    size_t *n);

/* defn_series.c */
int defn_aggregate(struct defn *d, enum sdc_qop op, struct sdc_qnode *src,
    int64_t gap, const struct sdc_node *at, struct dv *out);
int defn_qbinary(struct defn *d, enum sdc_qop op, struct sdc_qnode *a,
    struct sdc_qnode *b, const struct sdc_node *at, struct dv *out);
int defn_case_build(struct defn *d, struct sdc_qnode **conds,
    const struct dv *vals, const struct sdc_node **vat, size_t n,
    const struct dv *otherwise, const struct sdc_node *oat,
    const struct sdc_node *at, struct dv *out);
int defn_compare(struct defn *d, enum sdc_op op, struct sdc_qnode *self,
    const struct dv *other, const struct sdc_node *at, struct dv *out);
int defn_extremum(struct defn *d, enum sdc_qop op, const struct dv_argv *a,
    const char *fname, const struct sdc_node *at, struct dv *out);
int defn_case(struct defn *d, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out);
int defn_helpful_error(struct defn *d, const struct dv *v,
    const struct sdc_node *at);
int defn_m_between(struct defn *d, struct sdc_qnode *self, const struct dv *lo,
    const struct dv *hi, int inclusive, const struct sdc_node *at,
    struct dv *out);
int defn_m_contains(struct defn *d, struct sdc_qnode *self,
    const struct dv *other, const struct sdc_node *oat,
    const struct sdc_node *at, struct dv *out);
int defn_m_contains_any_of(struct defn *d, struct sdc_qnode *self,
    const struct dv *codes, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out);
int defn_m_is_in(struct defn *d, struct sdc_qnode *self,
    const struct dv *other, const struct sdc_node *oat,
    const struct sdc_node *at, struct dv *out);
int defn_m_map_values(struct defn *d, struct sdc_qnode *self,
    const struct dv *mapping, const struct dv *dflt,
    const struct sdc_node *mat, const struct sdc_node *dat,
    const struct sdc_node *at, struct dv *out);
int defn_make_code(struct defn *d, enum sdc_code_system sys, const char *s,
    size_t len, const struct sdc_node *at, struct dv *out);
int defn_parse_date(struct defn *d, const char *s, size_t len,
    const struct sdc_node *at, int32_t *out);
int defn_series_op(struct defn *d, enum sdc_qop op, struct sdc_qnode *self,
    const struct dv *other, int reflected, const struct sdc_node *at,
    struct dv *out);
int defn_to_node(struct defn *d, const struct dv *v,
    const struct sdc_qnode *like, const struct sdc_node *at,
    struct sdc_qnode **out);
int defn_qunary(struct defn *d, enum sdc_qop op, struct sdc_qnode *a,
    const struct sdc_node *at, struct dv *out);
int defn_series_unsupported(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at);

/* defn_dates.c */
int defn_intervals(struct defn *d, const struct dv *dur, const struct dv *date,
    int sign, const struct sdc_node *at, struct dv *out);
int defn_make_duration(struct defn *d, int unit, const struct dv *amount,
    const struct sdc_node *at, struct dv *out);

/* defn_tables.c */
int defn_column(struct defn *d, struct sdc_qnode *frame, const char *name,
    const struct sdc_node *at, struct dv *out);
int defn_h_cause_of_death_is_in(struct defn *d, struct sdc_qnode *self,
    const struct dv *codelist, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out);
int defn_h_reg_for_patient_on(struct defn *d, struct sdc_qnode *self,
    const struct dv *date, const struct sdc_node *at, struct dv *out);
int defn_h_spanning(struct defn *d, struct sdc_qnode *self,
    const struct dv *start, const struct dv *end, const struct sdc_node *at,
    struct dv *out);
int defn_m_filter(struct defn *d, enum sdc_qkind kind, struct sdc_qnode *frame,
    const struct dv *cond, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out);
int defn_m_sort_by(struct defn *d, struct sdc_qnode *frame,
    const struct dv *keys, const struct sdc_node **kat, size_t n,
    const struct sdc_node *at, struct dv *out);
int defn_pick(struct defn *d, enum sdc_qop op, struct sdc_qnode *frame,
    const struct sdc_node *at, struct dv *out);

/* defn_measures.c */
int defn_new_measures(struct defn *d, struct dv *out);
int defn_interval(struct defn *d, const struct sdc_node *at, struct dv *out);
int defn_define_measure(struct defn *d, struct dv_measures *ms,
    const struct dv *arg, const struct sdc_node *const *aat,
    const int *set, const struct sdc_node *at);
int defn_define_defaults(struct defn *d, struct dv_measures *ms,
    const struct dv *arg, const struct sdc_node *const *aat,
    const int *set, const struct sdc_node *at);
int defn_finish_measures(struct defn *d, const char *name);
int defn_no_interval(struct defn *d, const struct sdc_qnode *n,
    const struct sdc_node *at);

/* defn_lib.c */
int defn_validate_series(struct defn *d, const struct dv *v,
    const char *context, const struct sdc_node *at);
int defn_define_population(struct defn *d, struct dv_dataset *ds,
    const struct dv *v, const struct sdc_node *vat, const struct sdc_node *at);

#endif
