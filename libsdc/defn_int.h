/*
 * defn_int.h - private to the definition checker (defn.c, defn_lib.c):
 * the interpreter's values, environments and context.
 *
 * Values are small structs passed by value; what they point at lives
 * in the query's arena (sdc_query_alloc) and is freed with the query,
 * so nothing here is ever freed by hand.  Containers are immutable
 * once built except through dv_seq_push on a fresh one.
 *
 * Designed to grow into a Python-subset interpreter: a `def` can become
 * a DV_FUNC with a user body and a closure env (env->parent), `for` and
 * comprehensions iterate with dv_iter, helper modules are DV_MODULE
 * with their own env.
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
	DV_LIST, DV_TUPLE, DV_DICT,
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
	DV_TYPE		/* sub: SDC_TYPE_INT/FLOAT/STR/BOOL: int, float ... */
};

enum { DUR_DAYS, DUR_WEEKS, DUR_MONTHS, DUR_YEARS };

struct dv_seq;
struct dv_dataset;
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
		struct dv_seq *seq;	/* LIST, TUPLE; DICT: key, value
					   pairs at 2i, 2i + 1 */
		struct sdc_qnode *node;
		struct dv *pair;
		struct sdc_codelist *cl;
		struct dv_dataset *ds;
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
	F_LEN,
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
	/* when, durations */
	M_THEN, M_OTHERWISE, M_STARTING_ON, M_ENDING_ON,
	F_NFUNCS
};

struct dv_func {
	enum dv_fid id;
	int sub;		/* F_CODE: the code system */
	const char *name;	/* for messages */
	struct dv self;		/* methods: the receiver */
};

struct dv_dataset {
	struct sdc_qvar *vars;
	size_t n, cap;
	struct sdc_qnode *population;
	const struct sdc_node *pop_at;
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
	MOD_DATETIME
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

#define DEFN_MODULE_DEPTH_MAX 16

struct defn {
	struct sdc_query *q;
	const struct sdc_defn_opts *opts;
	const char *dir;	/* the definition's folder, or NULL */
	const char *file;	/* file being run, for messages */
	struct sdc_err *err;
	struct dv_env *env;	/* current module's names */
	struct dv_module *mods;	/* builtin and user modules loaded */
	int depth;		/* module nesting */
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

/* defn_lib.c: ehrQL's library */
struct dv_argv {
	size_t n;			/* positional */
	struct dv *v;
	const struct sdc_node **at;	/* each argument's node */
	size_t nkw;			/* keyword */
	const char **kwname;
	struct dv *kw;
	const struct sdc_node **kwat;
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

#endif
