/*
 * defn.c - the dataset-definition checker's interpreter core: values,
 * environments, limits and error call chains, Python operators over
 * plain values, imports and sibling modules, entry points.  Evaluation
 * is in defn_eval.c, Python's builtins in defn_py.c, ehrQL's library in
 * defn_series.c, defn_dates.c, defn_tables.c and defn_lib.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date.h"
#include "defn.h"
#include "defn_int.h"

#define DEFN_SOURCE_MAX (16UL * 1024 * 1024)

/*
 * Errors.  A node is reported at its operator (the '+' of a + b, the
 * '.' of a.b) except a call, which is reported where it starts.
 */
unsigned
defn_where_line(const struct sdc_node *at)
{
	return at->kind == SDC_NODE_CALL ? at->line : at->op_line;
}

unsigned
defn_where_col(const struct sdc_node *at)
{
	return at->kind == SDC_NODE_CALL ? at->col : at->op_col;
}

#define where_line defn_where_line
#define where_col defn_where_col

int
defn_fail(struct defn *d, const struct sdc_node *at, enum sdc_err_code code,
    const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdc_err_set(d->err, code, d->file, at ? where_line(at) : 0,
	    at ? where_col(at) : 0, "%s", msg);
}

struct sdc_qloc
defn_loc(const struct defn *d, const struct sdc_node *at)
{
	struct sdc_qloc l;

	l.file = d->file;
	l.line = at ? where_line(at) : 0;
	l.col = at ? where_col(at) : 0;
	return l;
}

int
defn_bool_error(struct defn *d, const struct sdc_node *at)
{
	return defn_fail(d, at, SDC_EPARSE, "The keywords 'and', 'or', and "
	    "'not' cannot be used with ehrQL, please use the operators '&', "
	    "'|' and '~' instead. (You will also see this error if you try "
	    "use a chained comparison, such as 'a < b < c'.)");
}

/*
 * Limits.  A statement or loop step counts one; the query's nodes and
 * the interpreter's memory are checked at each step and allocation.
 */
int
defn_step(struct defn *d, const struct sdc_node *at)
{
	if (++d->steps > DEFN_STEPS_MAX)
		return defn_fail(d, at, SDC_ELIMIT, "the definition ran more "
		    "than %ld statements and loop steps (is a loop too long?)",
		    DEFN_STEPS_MAX);
	if (d->q->nnodes > DEFN_NODES_MAX)
		return defn_fail(d, at, SDC_ELIMIT, "the definition built more "
		    "than %lu query nodes", DEFN_NODES_MAX);
	return 0;
}

/*
 * An error passed up through a call of what (a function, or a module
 * being imported) made at file:at: add it to the call chain that
 * sdc_defn_load_mem appends to the message, outermost first.
 */
void
defn_add_frame(struct defn *d, const char *what, const char *file,
    const struct sdc_node *at)
{
	char frame[SDC_ERR_MSG_MAX];
	size_t n, old = strlen(d->chain), cap = sizeof(d->chain);

	if (d->nframes++ >= 8) {
		if (strncmp(d->chain, "... ", 4) != 0 && old + 5 < cap) {
			memmove(d->chain + 4, d->chain, old + 1);
			memcpy(d->chain, "... ", 4);
		}
		return;
	}
	n = (size_t)snprintf(frame, sizeof(frame), "%.200s:%u:%u %.100s%s",
	    file ? file : "?", at ? where_line(at) : 0, at ? where_col(at) : 0,
	    what, old ? " -> " : "");
	if (n + old + 1 > cap)
		return;
	memmove(d->chain + n, d->chain, old + 1);
	memcpy(d->chain, frame, n);
}

/* Memory: everything lives in the query's arena. */

void *
defn_alloc(struct defn *d, size_t n)
{
	if (n > DEFN_MEMORY_MAX - d->mem) {
		d->mem = DEFN_MEMORY_MAX;
		sdc_err_set(d->err, SDC_ELIMIT, d->file, d->cur ?
		    where_line(d->cur) : 0, d->cur ? where_col(d->cur) : 0,
		    "the definition needs more than %lu MiB of memory",
		    DEFN_MEMORY_MAX >> 20);
		return NULL;
	}
	d->mem += n;
	return sdc_query_alloc(d->q, n, d->err);
}

const char *
defn_strdup(struct defn *d, const char *s, size_t len)
{
	char *p = defn_alloc(d, len + 1);

	if (p != NULL && len > 0)
		memcpy(p, s, len);
	return p;
}

struct dv_seq *
dv_seq_new(struct defn *d, size_t cap)
{
	struct dv_seq *s = defn_alloc(d, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (cap < 4)
		cap = 4;
	if ((s->v = defn_alloc(d, cap * sizeof(*s->v))) == NULL)
		return NULL;
	s->cap = cap;
	return s;
}

int
dv_seq_push(struct defn *d, struct dv_seq *s, struct dv v)
{
	struct dv *nv;

	if (s->n == s->cap) {
		if (s->cap > SIZE_MAX / 4 / sizeof(*nv))
			return sdc_err_nomem(d->err);
		if ((nv = defn_alloc(d, s->cap * 2 * sizeof(*nv))) == NULL)
			return -1;
		memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap *= 2;
	}
	s->v[s->n++] = v;
	return 0;
}

struct dv
dv_none(void)
{
	struct dv v;

	memset(&v, 0, sizeof(v));
	v.k = DV_NONE;
	return v;
}

struct dv
dv_bool(int b)
{
	struct dv v = dv_none();

	v.k = DV_BOOL;
	v.u.b = b != 0;
	return v;
}

struct dv
dv_int(int64_t i)
{
	struct dv v = dv_none();

	v.k = DV_INT;
	v.u.i = i;
	return v;
}

struct dv
dv_float(double f)
{
	struct dv v = dv_none();

	v.k = DV_FLOAT;
	v.u.f = f;
	return v;
}

struct dv
dv_str(const char *p, size_t len)
{
	struct dv v = dv_none();

	v.k = DV_STR;
	v.u.s.p = p;
	v.u.s.len = len;
	return v;
}

struct dv
dv_date(int32_t x)
{
	struct dv v = dv_none();

	v.k = DV_DATE;
	v.u.d = x;
	return v;
}

struct dv
dv_seqval(enum dv_kind k, struct dv_seq *s)
{
	struct dv v = dv_none();

	v.k = k;
	v.u.seq = s;
	return v;
}

struct dv
dv_node(struct sdc_qnode *n)
{
	struct dv v = dv_none();

	v.k = n->kind <= SDC_Q_PICK ? DV_FRAME : DV_SERIES;
	v.u.node = n;
	return v;
}

struct dv
dv_func(struct defn *d, enum dv_fid id, const char *name, const struct dv *self)
{
	struct dv v = dv_none();
	struct dv_func *fn = defn_alloc(d, sizeof(*fn));

	if (fn == NULL)
		return v;	/* k NONE: callers check d->err via fn */
	fn->id = id;
	fn->name = name;
	fn->self = self ? *self : dv_none();
	v.k = DV_FUNC;
	v.u.fn = fn;
	return v;
}

static const char *
series_class(const struct sdc_qnode *n)
{
	static const char *const names[2][7] = {
		{ "BoolPatientSeries", "IntPatientSeries", "FloatPatientSeries",
		  "StrPatientSeries", "DatePatientSeries", "CodePatientSeries",
		  "MultiCodeStringPatientSeries" },
		{ "BoolEventSeries", "IntEventSeries", "FloatEventSeries",
		  "StrEventSeries", "DateEventSeries", "CodeEventSeries",
		  "MultiCodeStringEventSeries" }
	};

	return names[n->level == SDC_QL_EVENT][n->type];
}

const char *
dv_type_name(const struct defn *d, const struct dv *v)
{
	switch (v->k) {
	case DV_NONE: return "NoneType";
	case DV_BOOL: return "bool";
	case DV_INT: return "int";
	case DV_FLOAT: return "float";
	case DV_STR: return "str";
	case DV_DATE: return "datetime.date";
	case DV_CODE: return sdc_code_system_class((enum sdc_code_system)v->sub);
	case DV_LIST: return "list";
	case DV_TUPLE:
		return v->sub == DV_TUPLE_INTERVAL ? "INTERVAL" : "tuple";
	case DV_DICT: return "dict";
	case DV_SET: return "set";
	case DV_DURATION:
		return v->sub == DUR_DAYS ? "days" : v->sub == DUR_WEEKS ?
		    "weeks" : v->sub == DUR_MONTHS ? "months" : "years";
	case DV_DATEDIFF: return "DateDifference";
	case DV_CODELIST: return sdc_codelist_has_categories(v->u.cl) ?
		    "dict" : "list";
	case DV_SERIES: return series_class(v->u.node);
	case DV_FRAME:
		return d->q->tables[v->u.node->table].schema->name;
	case DV_WHEN: return "when";
	case DV_WHENTHEN: return "WhenThen";
	case DV_DATASET: return "Dataset";
	case DV_MEASURES: return "Measures";
	case DV_MODULE: return "module";
	case DV_FUNC: return "function";
	case DV_TYPE: return "type";
	}
	return "object";
}

int
dv_truthy(struct defn *d, const struct dv *v, const struct sdc_node *at,
    int *out)
{
	switch (v->k) {
	case DV_NONE: *out = 0; break;
	case DV_BOOL: *out = v->u.b; break;
	case DV_INT: *out = v->u.i != 0; break;
	case DV_FLOAT: *out = v->u.f != 0; break;
	case DV_STR: *out = v->u.s.len != 0; break;
	case DV_LIST:
	case DV_TUPLE:
	case DV_DICT:
	case DV_SET: *out = v->u.seq->n != 0; break;
	case DV_CODELIST: *out = sdc_codelist_count(v->u.cl) != 0; break;
	case DV_SERIES:
	case DV_WHEN:
	case DV_WHENTHEN:
		return defn_bool_error(d, at);
	case DV_DURATION:
		if (v->u.pair[0].k == DV_SERIES)
			return defn_bool_error(d, at);
		*out = 1;
		break;
	default: *out = 1; break;
	}
	return 0;
}

/* Python's ==, for values that are not series; nesting is bounded. */
static int
equal(const struct dv *a, const struct dv *b, int depth)
{
	size_t i;

	if (depth > SDC_AST_HEIGHT_MAX)
		return 0;

	if ((a->k == DV_INT || a->k == DV_BOOL || a->k == DV_FLOAT) &&
	    (b->k == DV_INT || b->k == DV_BOOL || b->k == DV_FLOAT)) {
		if (a->k == DV_FLOAT || b->k == DV_FLOAT)
			return (a->k == DV_FLOAT ? a->u.f : a->k == DV_INT ?
			    (double)a->u.i : a->u.b) == (b->k == DV_FLOAT ?
			    b->u.f : b->k == DV_INT ? (double)b->u.i : b->u.b);
		return (a->k == DV_INT ? a->u.i : a->u.b) ==
		    (b->k == DV_INT ? b->u.i : b->u.b);
	}
	if (a->k != b->k)
		return 0;
	switch (a->k) {
	case DV_NONE: return 1;
	case DV_STR:
		return a->u.s.len == b->u.s.len &&
		    memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
	case DV_CODE:
		return a->sub == b->sub && a->u.s.len == b->u.s.len &&
		    memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
	case DV_DATE: return a->u.d == b->u.d;
	case DV_SET:
		if (a->u.seq->n != b->u.seq->n)
			return 0;
		for (i = 0; i < a->u.seq->n; i++) {
			size_t j;

			for (j = 0; j < b->u.seq->n; j++)
				if (equal(&a->u.seq->v[i], &b->u.seq->v[j],
				    depth + 1))
					break;
			if (j == b->u.seq->n)
				return 0;
		}
		return 1;
	case DV_LIST:
	case DV_TUPLE:
	case DV_DICT:
		if (a->u.seq->n != b->u.seq->n)
			return 0;
		for (i = 0; i < a->u.seq->n; i++)
			if (!equal(&a->u.seq->v[i], &b->u.seq->v[i], depth + 1))
				return 0;
		return 1;
	case DV_DURATION:
		return a->sub == b->sub && equal(&a->u.pair[0],
		    &b->u.pair[0], depth + 1);
	case DV_SERIES:
	case DV_FRAME: return a->u.node == b->u.node;
	case DV_TYPE: return a->sub == b->sub;
	default: return a->u.pair == b->u.pair;
	}
}

int
dv_equal(const struct dv *a, const struct dv *b)
{
	return equal(a, b, 0);
}

/* The items of an iterable: list, tuple, dict keys, set, codelist, str. */
int
dv_iter(struct defn *d, const struct dv *v, const struct sdc_node *at,
    struct dv_seq **out)
{
	struct dv_seq *s;
	size_t i, n, len;
	const char *c;

	switch (v->k) {
	case DV_LIST:
	case DV_TUPLE:
	case DV_SET:
		*out = v->u.seq;
		return 0;
	case DV_DICT:
		if ((s = dv_seq_new(d, v->u.seq->n / 2)) == NULL)
			return -1;
		for (i = 0; i < v->u.seq->n; i += 2)
			if (dv_seq_push(d, s, v->u.seq->v[i]) != 0)
				return -1;
		*out = s;
		return 0;
	case DV_CODELIST:
		n = sdc_codelist_count(v->u.cl);
		if ((s = dv_seq_new(d, n)) == NULL)
			return -1;
		for (i = 0; i < n; i++) {
			c = sdc_codelist_code(v->u.cl, i, &len);
			if (dv_seq_push(d, s, dv_str(c, len)) != 0)
				return -1;
		}
		*out = s;
		return 0;
	case DV_STR:
		if ((s = dv_seq_new(d, v->u.s.len)) == NULL)
			return -1;
		for (i = 0; i < v->u.s.len; i++)
			if (dv_seq_push(d, s, dv_str(v->u.s.p + i, 1)) != 0)
				return -1;
		*out = s;
		return 0;
	default:
		return defn_fail(d, at, SDC_EPARSE, "'%s' object is not "
		    "iterable", dv_type_name(d, v));
	}
}

/* Environments. */

static uint64_t
hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

struct dv_env *
defn_env_new(struct defn *d, struct dv_env *parent, size_t cap)
{
	struct dv_env *e = defn_alloc(d, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->parent = parent;
	e->cap = cap;
	if ((e->b = defn_alloc(d, e->cap * sizeof(*e->b))) == NULL)
		return NULL;
	return e;
}

static struct dv_bind *
env_slot(const struct dv_env *e, const char *name)
{
	size_t i = (size_t)hash_name(name) & (e->cap - 1);

	while (e->b[i].name != NULL && strcmp(e->b[i].name, name) != 0)
		i = (i + 1) & (e->cap - 1);
	return &e->b[i];
}

const struct dv *
defn_env_get(const struct dv_env *e, const char *name)
{
	for (; e != NULL; e = e->parent) {
		struct dv_bind *b = env_slot(e, name);

		if (b->name != NULL)
			return &b->v;
	}
	return NULL;
}

int
defn_env_set(struct defn *d, struct dv_env *e, const char *name, struct dv v)
{
	struct dv_bind *b = env_slot(e, name), *old;
	size_t i, cap;

	if (b->name != NULL) {
		b->v = v;
		return 0;
	}
	if ((e->n + 1) * 2 > e->cap) {
		old = e->b;
		cap = e->cap;
		e->cap *= 2;
		if ((e->b = defn_alloc(d, e->cap * sizeof(*e->b))) == NULL)
			return -1;
		e->n = 0;
		for (i = 0; i < cap; i++)
			if (old[i].name != NULL) {
				*env_slot(e, old[i].name) = old[i];
				e->n++;
			}
		b = env_slot(e, name);
	}
	if (e->norder == e->caporder) {
		const char **o;
		size_t c = e->caporder ? e->caporder * 2 : 32;

		if ((o = defn_alloc(d, c * sizeof(*o))) == NULL)
			return -1;
		if (e->norder)
			memcpy(o, e->order, e->norder * sizeof(*o));
		e->order = o;
		e->caporder = c;
	}
	if ((b->name = defn_strdup(d, name, strlen(name))) == NULL)
		return -1;
	e->order[e->norder++] = b->name;
	b->v = v;
	e->n++;
	return 0;
}

static int
unhashable(const struct dv *k)
{
	return k->k == DV_SERIES || k->k == DV_FRAME || k->k == DV_LIST ||
	    k->k == DV_DICT || k->k == DV_SET || k->k == DV_DATASET;
}

/* d[k] = v on the key, value pairs of a dict. */
int
defn_dict_put(struct defn *d, struct dv_seq *s, struct dv k, struct dv v,
    const struct sdc_node *at)
{
	size_t i;

	if (unhashable(&k))
		return defn_fail(d, at, SDC_EPARSE, "unhashable type: '%s'",
		    dv_type_name(d, &k));
	for (i = 0; i < s->n; i += 2)
		if (dv_equal(&s->v[i], &k)) {
			s->v[i + 1] = v;
			return 0;
		}
	if (dv_seq_push(d, s, k) != 0 || dv_seq_push(d, s, v) != 0)
		return -1;
	return 0;
}

/* s.add(v) on the items of a set. */
int
defn_set_add(struct defn *d, struct dv_seq *s, struct dv v,
    const struct sdc_node *at)
{
	size_t i;

	if (unhashable(&v))
		return defn_fail(d, at, SDC_EPARSE, "unhashable type: '%s'",
		    dv_type_name(d, &v));
	for (i = 0; i < s->n; i++)
		if (dv_equal(&s->v[i], &v))
			return 0;
	return dv_seq_push(d, s, v);
}

/* Literal (non-series) arithmetic, as Python does it on 64 bits. */

static int
num_of(const struct dv *v, double *f, int64_t *i)
{
	switch (v->k) {
	case DV_BOOL: *i = v->u.b; *f = v->u.b; return 1;
	case DV_INT: *i = v->u.i; *f = (double)v->u.i; return 1;
	case DV_FLOAT: *f = v->u.f; return 2;
	default: return 0;
	}
}

static const char *
op_text(enum sdc_op op)
{
	switch (op) {
	case SDC_OP_ADD: return "+";
	case SDC_OP_SUB: return "-";
	case SDC_OP_MUL: return "*";
	case SDC_OP_DIV: return "/";
	case SDC_OP_FLOORDIV: return "//";
	case SDC_OP_MOD: return "%";
	case SDC_OP_POW: return "**";
	case SDC_OP_LSHIFT: return "<<";
	case SDC_OP_RSHIFT: return ">>";
	case SDC_OP_BITOR: return "|";
	case SDC_OP_BITXOR: return "^";
	case SDC_OP_BITAND: return "&";
	case SDC_OP_EQ: return "==";
	case SDC_OP_NE: return "!=";
	case SDC_OP_LT: return "<";
	case SDC_OP_LE: return "<=";
	case SDC_OP_GT: return ">";
	case SDC_OP_GE: return ">=";
	default: return "?";
	}
}

int
defn_unsupported(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at)
{
	if (op >= SDC_OP_LT && op <= SDC_OP_GE)
		return defn_fail(d, at, SDC_EPARSE, "'%s' not supported "
		    "between instances of '%s' and '%s'", op_text(op),
		    dv_type_name(d, l), dv_type_name(d, r));
	return defn_fail(d, at, SDC_EPARSE, "unsupported operand type(s) for "
	    "%s: '%s' and '%s'", op_text(op), dv_type_name(d, l),
	    dv_type_name(d, r));
}

static int
overflow(struct defn *d, const struct sdc_node *at)
{
	return defn_fail(d, at, SDC_EDATA, "integer overflow: sdc's integers "
	    "are 64-bit");
}

static int
int_pow(int64_t a, int64_t b, int64_t *out)
{
	int64_t r = 1;

	while (b > 0) {
		if (b & 1 && __builtin_mul_overflow(r, a, &r))
			return -1;
		b >>= 1;
		if (b > 0 && __builtin_mul_overflow(a, a, &a))
			return -1;
	}
	*out = r;
	return 0;
}

static int
seq_concat(struct defn *d, const struct dv *l, const struct dv *r,
    struct dv *out)
{
	struct dv_seq *s = dv_seq_new(d, l->u.seq->n + r->u.seq->n);
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < l->u.seq->n; i++)
		if (dv_seq_push(d, s, l->u.seq->v[i]) != 0)
			return -1;
	for (i = 0; i < r->u.seq->n; i++)
		if (dv_seq_push(d, s, r->u.seq->v[i]) != 0)
			return -1;
	*out = *l;
	out->u.seq = s;
	return 0;
}

/*
 * codelist + codelist (or list): ehrQL's codelists are lists of code
 * strings, so the sum is a list of them.
 */
static int
codelist_concat(struct defn *d, const struct dv *l, const struct dv *r,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *a, *b;
	struct dv x, y;

	if ((l->k == DV_CODELIST && sdc_codelist_has_categories(l->u.cl)) ||
	    (r->k == DV_CODELIST && sdc_codelist_has_categories(r->u.cl)))
		return defn_fail(d, at, SDC_EPARSE, "unsupported operand "
		    "type(s) for +: a codelist with categories is a dict");
	if (dv_iter(d, l, at, &a) != 0 || dv_iter(d, r, at, &b) != 0)
		return -1;
	x = dv_seqval(DV_LIST, a);
	y = dv_seqval(DV_LIST, b);
	return seq_concat(d, &x, &y, out);
}

/* s * n for a str, list or tuple. */
static int
repeat(struct defn *d, const struct dv *s, int64_t n, struct dv *out)
{
	size_t len = s->k == DV_STR ? s->u.s.len : s->u.seq->n, i, j;
	struct dv_seq *q;
	char *p;

	if (n < 0)
		n = 0;
	if (len > 0 && (uint64_t)n > DEFN_MEMORY_MAX / len) {
		defn_alloc(d, DEFN_MEMORY_MAX);
		return -1;
	}
	if (s->k == DV_STR) {
		if ((p = defn_alloc(d, len * (size_t)n + 1)) == NULL)
			return -1;
		for (i = 0; i < (size_t)n; i++)
			memcpy(p + i * len, s->u.s.p, len);
		*out = dv_str(p, len * (size_t)n);
		return 0;
	}
	if ((q = dv_seq_new(d, len * (size_t)n)) == NULL)
		return -1;
	for (i = 0; i < (size_t)n; i++)
		for (j = 0; j < len; j++)
			if (dv_seq_push(d, q, s->u.seq->v[j]) != 0)
				return -1;
	*out = dv_seqval(s->k, q);
	return 0;
}

static int
set_op(struct defn *d, enum sdc_op op, const struct dv *l, const struct dv *r,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *q = dv_seq_new(d, l->u.seq->n + r->u.seq->n);
	size_t i, j;
	int in;

	if (q == NULL)
		return -1;
	for (i = 0; i < l->u.seq->n; i++) {
		for (j = 0, in = 0; j < r->u.seq->n && !in; j++)
			in = dv_equal(&l->u.seq->v[i], &r->u.seq->v[j]);
		if ((op == SDC_OP_BITAND) == in || op == SDC_OP_BITOR)
			if (dv_seq_push(d, q, l->u.seq->v[i]) != 0)
				return -1;
	}
	if (op == SDC_OP_BITOR)
		for (i = 0; i < r->u.seq->n; i++)
			if (defn_set_add(d, q, r->u.seq->v[i], at) != 0)
				return -1;
	*out = dv_seqval(DV_SET, q);
	return 0;
}

static int
literal_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out)
{
	double fa = 0, fb = 0;
	int64_t ia = 0, ib = 0, ir;
	int ka = num_of(l, &fa, &ia), kb = num_of(r, &fb, &ib);
	char *p;

	if (ka && kb) {
		int isfloat = ka == 2 || kb == 2;

		if ((op == SDC_OP_BITAND || op == SDC_OP_BITOR ||
		    op == SDC_OP_BITXOR) && !isfloat) {
			ir = op == SDC_OP_BITAND ? ia & ib : op == SDC_OP_BITOR ?
			    ia | ib : ia ^ ib;
			*out = l->k == DV_BOOL && r->k == DV_BOOL ?
			    dv_bool((int)ir) : dv_int(ir);
			return 0;
		}
		switch (op) {
		case SDC_OP_ADD:
		case SDC_OP_SUB:
		case SDC_OP_MUL:
			if (isfloat) {
				*out = dv_float(op == SDC_OP_ADD ? fa + fb :
				    op == SDC_OP_SUB ? fa - fb : fa * fb);
				return 0;
			}
			if (op == SDC_OP_ADD ? __builtin_add_overflow(ia, ib,
			    &ir) : op == SDC_OP_SUB ?
			    __builtin_sub_overflow(ia, ib, &ir) :
			    __builtin_mul_overflow(ia, ib, &ir))
				return overflow(d, at);
			*out = dv_int(ir);
			return 0;
		case SDC_OP_DIV:
			if (fb == 0)
				return defn_fail(d, at, SDC_EDATA,
				    "division by zero");
			*out = dv_float(fa / fb);
			return 0;
		case SDC_OP_FLOORDIV:
		case SDC_OP_MOD:
			if (fb == 0)
				return defn_fail(d, at, SDC_EDATA, "integer "
				    "division or modulo by zero");
			if (isfloat) {
				double m = fmod(fa, fb);

				if (m != 0 && ((m < 0) != (fb < 0)))
					m += fb;
				*out = dv_float(op == SDC_OP_MOD ? m :
				    floor(fa / fb));
				return 0;
			}
			if (ia == INT64_MIN && ib == -1)
				return overflow(d, at);
			ir = ia / ib;
			if (ia % ib != 0 && ((ia < 0) != (ib < 0)))
				ir--;
			*out = dv_int(op == SDC_OP_MOD ? ia - ir * ib : ir);
			return 0;
		case SDC_OP_POW:
			if (!isfloat && ib >= 0) {
				if (int_pow(ia, ib, &ir) != 0)
					return overflow(d, at);
				*out = dv_int(ir);
				return 0;
			}
			if (fa == 0 && fb < 0)
				return defn_fail(d, at, SDC_EDATA, "0.0 cannot "
				    "be raised to a negative power");
			*out = dv_float(pow(fa, fb));
			return 0;
		default:
			break;
		}
		return defn_unsupported(d, op, l, r, at);
	}
	if (op == SDC_OP_ADD && l->k == DV_STR && r->k == DV_STR) {
		if ((p = defn_alloc(d, l->u.s.len + r->u.s.len + 1)) == NULL)
			return -1;
		memcpy(p, l->u.s.p, l->u.s.len);
		memcpy(p + l->u.s.len, r->u.s.p, r->u.s.len);
		*out = dv_str(p, l->u.s.len + r->u.s.len);
		return 0;
	}
	if (op == SDC_OP_ADD && l->k == r->k && (l->k == DV_LIST ||
	    l->k == DV_TUPLE))
		return seq_concat(d, l, r, out);
	if (op == SDC_OP_ADD && (l->k == DV_CODELIST || r->k == DV_CODELIST) &&
	    (l->k == DV_CODELIST || l->k == DV_LIST || l->k == DV_TUPLE) &&
	    (r->k == DV_CODELIST || r->k == DV_LIST || r->k == DV_TUPLE))
		return codelist_concat(d, l, r, at, out);
	if (op == SDC_OP_MUL && ((l->k == DV_INT && (r->k == DV_STR ||
	    r->k == DV_LIST || r->k == DV_TUPLE)) || (r->k == DV_INT &&
	    (l->k == DV_STR || l->k == DV_LIST || l->k == DV_TUPLE))))
		return l->k == DV_INT ? repeat(d, r, l->u.i, out) :
		    repeat(d, l, r->u.i, out);
	if ((op == SDC_OP_BITOR || op == SDC_OP_BITAND || op == SDC_OP_SUB) &&
	    l->k == DV_SET && r->k == DV_SET)
		return set_op(d, op, l, r, at, out);
	return defn_unsupported(d, op, l, r, at);
}

/* Python's ordering of two non-series values: -1, 0, 1; 2: unordered. */
static int literal_order(const struct dv *a, const struct dv *b, int depth);

int
defn_literal_order(const struct dv *a, const struct dv *b)
{
	return literal_order(a, b, 0);
}

static int
literal_order(const struct dv *a, const struct dv *b, int depth)
{
	double fa = 0, fb = 0;
	int64_t ia = 0, ib = 0;
	int ka = num_of(a, &fa, &ia), kb = num_of(b, &fb, &ib);
	size_t n;
	int c;

	if (ka && kb) {
		if (ka == 1 && kb == 1)
			return (ia > ib) - (ia < ib);
		if (isnan(fa) || isnan(fb))
			return 3;
		return (fa > fb) - (fa < fb);
	}
	if (a->k == DV_STR && b->k == DV_STR) {
		n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
		c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
		if (c != 0)
			return c < 0 ? -1 : 1;
		return (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
	}
	if (a->k == DV_DATE && b->k == DV_DATE)
		return (a->u.d > b->u.d) - (a->u.d < b->u.d);
	if (a->k == b->k && (a->k == DV_LIST || a->k == DV_TUPLE) &&
	    depth < SDC_AST_HEIGHT_MAX) {
		/* lexicographic, as Python compares sequences */
		for (n = 0; n < a->u.seq->n && n < b->u.seq->n; n++) {
			if (dv_equal(&a->u.seq->v[n], &b->u.seq->v[n]))
				continue;
			return literal_order(&a->u.seq->v[n], &b->u.seq->v[n],
			    depth + 1);
		}
		return (a->u.seq->n > b->u.seq->n) - (a->u.seq->n < b->u.seq->n);
	}
	return 2;
}
static int
is_static_series_op(const struct dv *l, const struct dv *r)
{
	return l->k == DV_SERIES || r->k == DV_SERIES;
}

int
defn_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out)
{
	int c;

	if (is_static_series_op(l, r))
		return defn_series_binop(d, op, l, r, at, out);
	if ((l->k == DV_DURATION || r->k == DV_DURATION || l->k == DV_DATE ||
	    r->k == DV_DATE || l->k == DV_DATEDIFF || r->k == DV_DATEDIFF) &&
	    !(op >= SDC_OP_EQ && op <= SDC_OP_GE))
		return defn_date_binop(d, op, l, r, at, out);
	switch (op) {
	case SDC_OP_EQ:
	case SDC_OP_NE:
		*out = dv_bool(dv_equal(l, r) == (op == SDC_OP_EQ));
		return 0;
	case SDC_OP_LT:
	case SDC_OP_LE:
	case SDC_OP_GT:
	case SDC_OP_GE:
		c = defn_literal_order(l, r);
		if (c == 2)
			return defn_unsupported(d, op, l, r, at);
		*out = dv_bool(c == 3 ? 0 : op == SDC_OP_LT ? c < 0 :
		    op == SDC_OP_LE ? c <= 0 : op == SDC_OP_GT ? c > 0 :
		    c >= 0);
		return 0;
	default:
		return literal_binop(d, op, l, r, at, out);
	}
}


static int load_user_module(struct defn *d, const char *name,
    const struct sdc_node *at, struct dv_module **out);

static struct dv_module *
builtin_module(struct defn *d, enum dv_modkind kind, const char *name,
    const char *schema)
{
	struct dv_module *m;

	for (m = d->mods; m != NULL; m = m->next)
		if (m->kind == kind && strcmp(m->name, name) == 0)
			return m;
	if ((m = defn_alloc(d, sizeof(*m))) == NULL)
		return NULL;
	m->kind = kind;
	m->name = name;
	m->schema = schema;
	m->next = d->mods;
	d->mods = m;
	return m;
}

int
defn_find_module(struct defn *d, const char *name, const struct sdc_node *at,
    struct dv_module **out)
{
	static const struct {
		const char *name;
		enum dv_modkind kind;
		const char *schema;
	} known[] = {
		{ "ehrql", MOD_EHRQL, NULL },
		{ "ehrql.tables", MOD_TABLES, NULL },
		{ "ehrql.tables.core", MOD_SCHEMA, "core" },
		{ "ehrql.tables.tpp", MOD_SCHEMA, "tpp" },
		{ "ehrql.tables.spec", MOD_SCHEMA, "spec" },
		{ "ehrql.codes", MOD_CODES, NULL },
		{ "ehrql.query_language", MOD_QL, NULL },
		{ "datetime", MOD_DATETIME, NULL },
		{ "functools", MOD_FUNCTOOLS, NULL },
		{ "operator", MOD_OPERATOR, NULL },
	};
	static const char *const refused[] = {
		"os", "sys", "subprocess", "pathlib", "io", "shutil", "socket",
		"builtins", "importlib", "ctypes", "pickle", "urllib", "http",
		"glob", "tempfile", "json", "csv", "runpy", "code", "signal",
		"multiprocessing", "threading", "requests", "posix",
	};
	size_t i, n;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(name, known[i].name) != 0)
			continue;
		if (known[i].schema && strcmp(known[i].schema, "spec") == 0 &&
		    (d->opts == NULL || !d->opts->spec_tables))
			break;
		*out = builtin_module(d, known[i].kind, known[i].name,
		    known[i].schema);
		return *out ? 0 : -1;
	}
	if (strncmp(name, "ehrql.", 6) == 0 || strcmp(name, "ehrql") == 0)
		return defn_fail(d, at, SDC_EPARSE, "module '%s' is not "
		    "supported by sdc (it knows ehrql, ehrql.tables.core, "
		    "ehrql.tables.tpp, ehrql.codes and ehrql.query_language)",
		    name);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		n = strlen(refused[i]);
		if (strncmp(name, refused[i], n) == 0 && (name[n] == '\0' ||
		    name[n] == '.'))
			return defn_fail(d, at, SDC_EPARSE, "importing '%s' is "
			    "refused: a dataset definition may not use files, "
			    "processes or the network (it may import ehrql, "
			    "datetime, functools, operator and Python files "
			    "next to the definition)", name);
	}
	while (*name == '.')
		name++;
	return load_user_module(d, name, at, out);
}

static int
import_star(struct defn *d, struct dv_module *m, const struct sdc_node *at)
{
	const char *const *names;
	struct dv v;
	size_t i, n;

	if (m->kind == MOD_USER) {
		for (i = 0; i < m->env->norder; i++) {
			const char *nm = m->env->order[i];

			if (nm[0] == '_')
				continue;
			if (defn_env_set(d, d->env, nm, *defn_env_get(m->env, nm)) != 0)
				return -1;
		}
		return 0;
	}
	if ((names = defn_module_names(d, m, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (defn_module_attr(d, m, names[i], at, &v) != 0 ||
		    defn_env_set(d, d->env, names[i], v) != 0)
			return -1;
	return 0;
}

int
defn_exec_from(struct defn *d, const struct sdc_node *s)
{
	struct dv_module *m;
	struct dv v;
	size_t i;

	if (defn_find_module(d, s->name, s, &m) != 0)
		return -1;
	if (s->flag == 1)
		return import_star(d, m, s);
	for (i = 0; i < s->n; i++) {
		const struct sdc_node *a = s->kid[i];

		if (defn_module_attr(d, m, a->name, a, &v) != 0 ||
		    defn_env_set(d, d->env, a->asname ? a->asname : a->name, v) != 0)
			return -1;
	}
	return 0;
}

int
defn_exec_import(struct defn *d, const struct sdc_node *s)
{
	struct dv_module *m, *top;
	struct dv v = dv_none();
	size_t i;
	char first[256];

	for (i = 0; i < s->n; i++) {
		const struct sdc_node *a = s->kid[i];
		const char *dot = strchr(a->name, '.');

		if (defn_find_module(d, a->name, a, &m) != 0)
			return -1;
		v.k = DV_MODULE;
		if (a->asname) {
			v.u.mod = m;
			if (defn_env_set(d, d->env, a->asname, v) != 0)
				return -1;
			continue;
		}
		/* "import a.b.c" binds a */
		snprintf(first, sizeof(first), "%.*s", dot ? (int)(dot -
		    a->name) : (int)strlen(a->name), a->name);
		if (defn_find_module(d, first, a, &top) != 0)
			return -1;
		v.u.mod = top;
		if (defn_env_set(d, d->env, first, v) != 0)
			return -1;
	}
	return 0;
}

/* Reading and running files. */

static void
free_ast(void *p)
{
	sdc_ast_release(p);
	free(p);
}

static int
read_file(struct defn *d, const char *path, char **src, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return sdc_err_set(d->err, SDC_EIO, path, 0, 0, "%s",
		    strerror(errno));
	for (;;) {
		if (n == cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > DEFN_SOURCE_MAX + 1) {
				free(buf);
				fclose(f);
				return sdc_err_set(d->err, SDC_ELIMIT, path, 0,
				    0, "file is larger than %lu bytes",
				    DEFN_SOURCE_MAX);
			}
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return sdc_err_nomem(d->err);
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return sdc_err_set(d->err, SDC_EIO, path, 0, 0, "read error");
	}
	fclose(f);
	*src = buf;
	*len = n;
	return 0;
}

/* Parse src (kept by q) and run it in env under file name. */
static int
run_source(struct defn *d, const char *file, const char *src, size_t len,
    struct dv_env *env, const struct sdc_node **root)
{
	struct sdc_ast *ast = calloc(1, sizeof(*ast));
	const char *saved_file = d->file;
	struct dv_env *saved_env = d->env;
	int rc;

	if (ast == NULL)
		return sdc_err_nomem(d->err);
	if (sdc_parse(ast, file, src, len, d->err) != 0) {
		free_ast(ast);
		return -1;
	}
	if (sdc_query_keep(d->q, ast, free_ast, d->err) != 0)
		return -1;
	if (root)
		*root = ast->root;
	d->file = file;
	d->env = env;
	rc = defn_exec_block(d, ast->root);
	d->file = saved_file;
	d->env = saved_env;
	return rc;
}

static int
valid_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int
load_user_module(struct defn *d, const char *name, const struct sdc_node *at,
    struct dv_module **out)
{
	struct dv_module *m;
	char path[4096], *src = NULL, *file;
	size_t len;
	struct stat st;
	int rc;

	for (m = d->mods; m != NULL; m = m->next) {
		if (m->kind != MOD_USER || strcmp(m->name, name) != 0)
			continue;
		if (m->loading)
			return defn_fail(d, at, SDC_EPARSE, "circular import: "
			    "module '%s' imports itself (directly or through "
			    "another module)", name);
		*out = m;
		return 0;
	}
	if (!valid_identifier(name))
		return defn_fail(d, at, SDC_EPARSE, "No module named '%s'",
		    name);
	if (d->depth >= DEFN_MODULE_DEPTH_MAX)
		return defn_fail(d, at, SDC_ELIMIT, "modules nested more than "
		    "%d deep", DEFN_MODULE_DEPTH_MAX);
	snprintf(path, sizeof(path), "%s%s%s.py", d->dir ? d->dir : "",
	    d->dir && *d->dir ? "/" : "", name);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return defn_fail(d, at, SDC_EPARSE, "No module named '%s' (no "
		    "file %s; sdc knows the ehrql modules and Python files "
		    "next to the definition)", name, path);
	if ((file = (char *)defn_strdup(d, path, strlen(path))) == NULL ||
	    (m = defn_alloc(d, sizeof(*m))) == NULL)
		return -1;
	m->kind = MOD_USER;
	m->name = defn_strdup(d, name, strlen(name));
	m->file = file;
	if (m->name == NULL || (m->env = defn_env_new(d, NULL, 64)) == NULL)
		return -1;
	m->loading = 1;
	m->next = d->mods;
	d->mods = m;
	if (read_file(d, path, &src, &len) != 0)
		return -1;
	d->depth++;
	rc = run_source(d, file, src, len, m->env, NULL);
	d->depth--;
	free(src);
	m->loading = 0;
	if (rc != 0) {
		char what[300];

		snprintf(what, sizeof(what), "import %s", name);
		defn_add_frame(d, what, d->file, at);
		return -1;
	}
	*out = m;
	return 0;
}

int
defn_call_module(struct defn *d, struct dv_module *m, const struct sdc_node *at)
{
	(void)m;
	return defn_fail(d, at, SDC_EPARSE, "'module' object is not callable");
}

/* Attribute of a user module (the rest is in defn_lib.c). */
int
defn_user_module_attr(struct defn *d, struct dv_module *m, const char *name,
    const struct sdc_node *at, struct dv *out)
{
	const struct dv *v = defn_env_get(m->env, name);

	if (v == NULL)
		return defn_fail(d, at, SDC_EPARSE, "cannot import name '%s' "
		    "from '%s' (%s)", name, m->name, m->file);
	*out = *v;
	return 0;
}

/* Entry points. */

static int
finish(struct defn *d, const char *name)
{
	const struct dv *v = defn_env_get(d->env, "dataset");
	struct dv_dataset *ds;
	struct sdc_qloc loc;

	if (v == NULL)
		return sdc_err_set(d->err, SDC_EPARSE, name, 0, 0, "Did not "
		    "find a variable called 'dataset' in dataset definition "
		    "file");
	if (v->k != DV_DATASET)
		return sdc_err_set(d->err, SDC_EPARSE, name, 0, 0, "'dataset' "
		    "must be an instance of ehrql.Dataset(), not '%s'",
		    dv_type_name(d, v));
	ds = v->u.ds;
	if (ds->population == NULL)
		return sdc_err_set(d->err, SDC_EPARSE, name, 0, 0, "A "
		    "population has not been defined; define one with "
		    "define_population()");
	loc = defn_loc(d, ds->pop_at);
	if (sdc_query_set_population(d->q, ds->population, &loc, d->err) != 0)
		return -1;
	d->q->vars = ds->vars;
	d->q->nvars = ds->n;
	d->q->dummy.population_size = ds->population_size;
	d->q->dummy.call = ds->dummy_call;
	return sdc_query_finish(d->q, d->err);
}

int
sdc_defn_load_mem(struct sdc_query *q, const char *name, const char *dir,
    const char *src, size_t len, const struct sdc_defn_opts *opts,
    struct sdc_err *err)
{
	struct defn d;
	const char *file;

	memset(&d, 0, sizeof(d));
	d.q = q;
	d.opts = opts;
	d.err = err;
	if (name == NULL)
		name = "<definition>";
	if ((file = defn_strdup(&d, name, strlen(name))) == NULL ||
	    (dir && (d.dir = defn_strdup(&d, dir, strlen(dir))) == NULL) ||
	    (d.env = defn_env_new(&d, NULL, 64)) == NULL)
		return -1;
	d.file = file;
	if (run_source(&d, file, src, len, d.env, NULL) != 0) {
		if (d.nframes > 0) {
			size_t n = strlen(err->msg);

			snprintf(err->msg + n, sizeof(err->msg) - n, " (call "
			    "chain: %s)", d.chain);
		}
		return -1;
	}
	if (opts != NULL && opts->measures)
		return defn_finish_measures(&d, file);
	return finish(&d, file);
}

int
sdc_defn_load(struct sdc_query *q, const char *path,
    const struct sdc_defn_opts *opts, struct sdc_err *err)
{
	struct defn tmp;
	char *src, dir[4096];
	const char *slash = strrchr(path, '/');
	size_t len;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.q = q;
	tmp.err = err;
	if (read_file(&tmp, path, &src, &len) != 0)
		return -1;
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
	rc = sdc_defn_load_mem(q, path, slash ? dir : NULL, src, len, opts,
	    err);
	free(src);
	return rc;
}
