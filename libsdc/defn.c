/*
 * defn.c - the dataset-definition checker's interpreter core: values,
 * environments, statements, Python expressions over literals, imports
 * and sibling modules.  ehrQL's own library (series, frames, datasets,
 * codelists) is in defn_lib.c.
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
static unsigned
where_line(const struct sdc_node *at)
{
	return at->kind == SDC_NODE_CALL ? at->line : at->op_line;
}

static unsigned
where_col(const struct sdc_node *at)
{
	return at->kind == SDC_NODE_CALL ? at->col : at->op_col;
}

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

/* Memory: everything lives in the query's arena. */

void *
defn_alloc(struct defn *d, size_t n)
{
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

static struct dv
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
	case DV_TUPLE: return "tuple";
	case DV_DICT: return "dict";
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
	case DV_DICT: *out = v->u.seq->n != 0; break;
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

static struct dv_env *
env_new(struct defn *d, struct dv_env *parent)
{
	struct dv_env *e = defn_alloc(d, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->parent = parent;
	e->cap = 64;
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

static const struct dv *
env_get(const struct dv_env *e, const char *name)
{
	for (; e != NULL; e = e->parent) {
		struct dv_bind *b = env_slot(e, name);

		if (b->name != NULL)
			return &b->v;
	}
	return NULL;
}

static int
env_set(struct defn *d, struct dv_env *e, const char *name, struct dv v)
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

/* Python's builtins that a definition may use without an import. */
static int
builtin_name(struct defn *d, const char *name, struct dv *out)
{
	if (strcmp(name, "abs") == 0)
		*out = dv_func(d, F_ABS, "abs", NULL);
	else if (strcmp(name, "len") == 0)
		*out = dv_func(d, F_LEN, "len", NULL);
	else if (strcmp(name, "int") == 0 || strcmp(name, "float") == 0 ||
	    strcmp(name, "str") == 0 || strcmp(name, "bool") == 0) {
		*out = dv_none();
		out->k = DV_TYPE;
		out->sub = name[0] == 'i' ? SDC_TYPE_INT : name[0] == 'f' ?
		    SDC_TYPE_FLOAT : name[0] == 's' ? SDC_TYPE_STR :
		    SDC_TYPE_BOOL;
		return 0;
	} else
		return 1;
	return out->k == DV_FUNC ? 0 : -1;
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

static int
unsupported(struct defn *d, enum sdc_op op, const struct dv *l,
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
		return unsupported(d, op, l, r, at);
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
	return unsupported(d, op, l, r, at);
}

/* Python's ordering of two non-series values: -1, 0, 1; 2: unordered. */
static int
literal_order(const struct dv *a, const struct dv *b)
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
	return 2;
}

static int
contains(struct defn *d, const struct dv *hay, const struct dv *needle,
    const struct sdc_node *at, int *out)
{
	struct dv_seq *s;
	size_t i;

	if (hay->k == DV_STR) {
		if (needle->k != DV_STR)
			return defn_fail(d, at, SDC_EPARSE, "'in <string>' "
			    "requires string as left operand, not %s",
			    dv_type_name(d, needle));
		*out = 0;
		for (i = 0; i + needle->u.s.len <= hay->u.s.len; i++)
			if (memcmp(hay->u.s.p + i, needle->u.s.p,
			    needle->u.s.len) == 0) {
				*out = 1;
				break;
			}
		return 0;
	}
	if (needle->k == DV_SERIES)
		return defn_fail(d, at, SDC_EPARSE, "use series.is_in(...) "
		    "instead of 'in' with an ehrQL series");
	if (dv_iter(d, hay, at, &s) != 0)
		return -1;
	*out = 0;
	for (i = 0; i < s->n; i++)
		if (dv_equal(&s->v[i], needle)) {
			*out = 1;
			break;
		}
	return 0;
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
		c = literal_order(l, r);
		if (c == 2)
			return unsupported(d, op, l, r, at);
		*out = dv_bool(c == 3 ? 0 : op == SDC_OP_LT ? c < 0 :
		    op == SDC_OP_LE ? c <= 0 : op == SDC_OP_GT ? c > 0 :
		    c >= 0);
		return 0;
	default:
		return literal_binop(d, op, l, r, at, out);
	}
}

/* Evaluation of expressions. */

static int ev(struct defn *d, const struct sdc_node *n, struct dv *out);

static int
ev_seq(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv_seq *s = dv_seq_new(d, n->n), *items;
	struct dv v;
	size_t i, j;

	if (s == NULL)
		return -1;
	for (i = 0; i < n->n; i++) {
		if (n->kid[i]->kind == SDC_NODE_STAR) {
			if (ev(d, n->kid[i]->kid[0], &v) != 0 ||
			    dv_iter(d, &v, n->kid[i], &items) != 0)
				return -1;
			for (j = 0; j < items->n; j++)
				if (dv_seq_push(d, s, items->v[j]) != 0)
					return -1;
			continue;
		}
		if (ev(d, n->kid[i], &v) != 0 || dv_seq_push(d, s, v) != 0)
			return -1;
	}
	*out = dv_none();
	out->k = n->kind == SDC_NODE_TUPLE ? DV_TUPLE : DV_LIST;
	out->u.seq = s;
	return 0;
}

static int
dict_put(struct defn *d, struct dv_seq *s, struct dv k, struct dv v,
    const struct sdc_node *at)
{
	size_t i;

	if (k.k == DV_SERIES || k.k == DV_FRAME || k.k == DV_LIST ||
	    k.k == DV_DICT)
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

static int
ev_dict(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv_seq *s = dv_seq_new(d, 2 * n->n);
	struct dv k, v;
	size_t i, j;

	if (s == NULL)
		return -1;
	for (i = 0; i < n->n; i++) {
		const struct sdc_node *p = n->kid[i];

		if (p->kind == SDC_NODE_DSTAR) {
			if (ev(d, p->kid[0], &v) != 0)
				return -1;
			if (v.k != DV_DICT)
				return defn_fail(d, p, SDC_EPARSE, "'%s' object "
				    "is not a mapping", dv_type_name(d, &v));
			for (j = 0; j < v.u.seq->n; j += 2)
				if (dict_put(d, s, v.u.seq->v[j],
				    v.u.seq->v[j + 1], p) != 0)
					return -1;
			continue;
		}
		if (ev(d, p->kid[0], &k) != 0 || ev(d, p->kid[1], &v) != 0 ||
		    dict_put(d, s, k, v, p->kid[0]) != 0)
			return -1;
	}
	*out = dv_none();
	out->k = DV_DICT;
	out->u.seq = s;
	return 0;
}

static int
ev_call(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	const struct sdc_node *fnode = n->kid[0];
	struct dv f, v;
	struct dv_argv a;
	struct dv_seq *items;
	size_t i, j, np = 0, nk = 0, cap;

	if (ev(d, fnode, &f) != 0)
		return -1;
	cap = n->n;
	memset(&a, 0, sizeof(a));
	a.v = defn_alloc(d, (cap + 1) * sizeof(*a.v));
	a.at = defn_alloc(d, (cap + 1) * sizeof(*a.at));
	a.kw = defn_alloc(d, (cap + 1) * sizeof(*a.kw));
	a.kwname = defn_alloc(d, (cap + 1) * sizeof(*a.kwname));
	a.kwat = defn_alloc(d, (cap + 1) * sizeof(*a.kwat));
	if (!a.v || !a.at || !a.kw || !a.kwname || !a.kwat)
		return -1;
	for (i = 1; i < n->n; i++) {
		const struct sdc_node *k = n->kid[i];

		if (k->kind == SDC_NODE_KEYWORD) {
			if (ev(d, k->kid[0], &a.kw[nk]) != 0)
				return -1;
			a.kwname[nk] = k->name;
			a.kwat[nk++] = k->kid[0];
		} else if (k->kind == SDC_NODE_STAR) {
			if (ev(d, k->kid[0], &v) != 0 ||
			    dv_iter(d, &v, k, &items) != 0)
				return -1;
			if (items->n > 0) {
				struct dv *nv = defn_alloc(d, (cap + items->n) *
				    sizeof(*nv));
				const struct sdc_node **na = defn_alloc(d,
				    (cap + items->n) * sizeof(*na));

				if (nv == NULL || na == NULL)
					return -1;
				memcpy(nv, a.v, np * sizeof(*nv));
				memcpy(na, a.at, np * sizeof(*na));
				a.v = nv;
				a.at = na;
				cap += items->n;
			}
			for (j = 0; j < items->n; j++) {
				a.v[np] = items->v[j];
				a.at[np++] = k;
			}
		} else if (k->kind == SDC_NODE_DSTAR) {
			return defn_fail(d, k, SDC_EPARSE, "**kwargs in calls "
			    "are not supported yet");
		} else {
			if (ev(d, k, &a.v[np]) != 0)
				return -1;
			a.at[np++] = k;
		}
	}
	a.n = np;
	a.nkw = nk;
	if (f.k == DV_FUNC)
		return defn_call_builtin(d, f.u.fn, &a, fnode, out);
	if (f.k == DV_TYPE)
		return defn_fail(d, fnode, SDC_EPARSE, "calling %s() is not "
		    "supported in dataset definitions yet",
		    sdc_schema_type_name((enum sdc_schema_type)f.sub));
	if (f.k == DV_SERIES && fnode->kind == SDC_NODE_ATTR)
		return defn_fail(d, fnode, SDC_EPARSE, "'%s' object is not "
		    "callable: `%s` is a property, use it without ()",
		    dv_type_name(d, &f), fnode->name);
	return defn_fail(d, fnode, SDC_EPARSE, "'%s' object is not callable",
	    dv_type_name(d, &f));
}

static int
ev_subscript(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv o, k;
	size_t i;
	int64_t idx;

	if (ev(d, n->kid[0], &o) != 0)
		return -1;
	if (n->kid[1]->kind == SDC_NODE_SLICE)
		return defn_fail(d, n, SDC_EPARSE, "slices are not supported "
		    "in dataset definitions yet");
	if (ev(d, n->kid[1], &k) != 0)
		return -1;
	if (o.k == DV_LIST || o.k == DV_TUPLE) {
		if (k.k != DV_INT && k.k != DV_BOOL)
			return defn_fail(d, n->kid[1], SDC_EPARSE, "%s indices "
			    "must be integers, not %s", dv_type_name(d, &o),
			    dv_type_name(d, &k));
		idx = k.k == DV_INT ? k.u.i : k.u.b;
		if (idx < 0)
			idx += (int64_t)o.u.seq->n;
		if (idx < 0 || (uint64_t)idx >= o.u.seq->n)
			return defn_fail(d, n, SDC_EPARSE, "%s index out of "
			    "range", dv_type_name(d, &o));
		*out = o.u.seq->v[idx];
		return 0;
	}
	if (o.k == DV_DICT) {
		for (i = 0; i < o.u.seq->n; i += 2)
			if (dv_equal(&o.u.seq->v[i], &k)) {
				*out = o.u.seq->v[i + 1];
				return 0;
			}
		return defn_fail(d, n->kid[1], SDC_EPARSE, "KeyError: key not "
		    "in dict");
	}
	if (o.k == DV_CODELIST && sdc_codelist_has_categories(o.u.cl) &&
	    k.k == DV_STR) {
		long j = sdc_codelist_find(o.u.cl, k.u.s.p, k.u.s.len);
		size_t len;
		const char *c;

		if (j < 0)
			return defn_fail(d, n->kid[1], SDC_EPARSE, "KeyError: "
			    "'%.*s'", (int)k.u.s.len, k.u.s.p);
		c = sdc_codelist_category(o.u.cl, (size_t)j, &len);
		*out = dv_str(c, len);
		return 0;
	}
	return defn_fail(d, n, SDC_EPARSE, "'%s' object is not subscriptable",
	    dv_type_name(d, &o));
}

static int
ev_compare(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv l, r, res;
	size_t i;
	int b;

	if (ev(d, n->kid[0], &l) != 0)
		return -1;
	for (i = 0; i + 1 < n->n; i++) {
		enum sdc_op op = n->ops[i];

		if (ev(d, n->kid[i + 1], &r) != 0)
			return -1;
		switch (op) {
		case SDC_OP_IN:
		case SDC_OP_NOTIN:
			if (l.k == DV_SERIES || r.k == DV_SERIES)
				return defn_fail(d, n, SDC_EPARSE, "use "
				    "series.is_in(...) instead of 'in' with an "
				    "ehrQL series");
			if (contains(d, &r, &l, n, &b) != 0)
				return -1;
			res = dv_bool(op == SDC_OP_IN ? b : !b);
			break;
		case SDC_OP_IS:
		case SDC_OP_ISNOT:
			b = l.k == r.k && (l.k == DV_NONE || ((l.k == DV_BOOL) ?
			    l.u.b == r.u.b : dv_equal(&l, &r)));
			if (l.k == DV_SERIES || r.k == DV_SERIES)
				return defn_fail(d, n, SDC_EPARSE, "use "
				    "series.is_null() instead of 'is None' "
				    "with an ehrQL series");
			res = dv_bool(op == SDC_OP_IS ? b : !b);
			break;
		default: {
			struct sdc_node at = *n;

			/* point at this operator: the first is op_line */
			if (i > 0) {
				at.op_line = n->kid[i]->line;
				at.op_col = n->kid[i]->col;
			}
			if (defn_binop(d, op, &l, &r, &at, &res) != 0)
				return -1;
		}
		}
		if (i + 2 < n->n) {
			/* a chain: Python takes the truth of each link */
			if (dv_truthy(d, &res, n, &b) != 0)
				return -1;
			if (!b) {
				*out = res;
				return 0;
			}
		}
		l = r;
	}
	*out = res;
	return 0;
}

static int
ev_boolop(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	size_t i;
	int b;

	for (i = 0; i < n->n; i++) {
		if (ev(d, n->kid[i], out) != 0)
			return -1;
		if (i + 1 == n->n && out->k != DV_SERIES)
			return 0;
		if (dv_truthy(d, out, n, &b) != 0)
			return -1;
		if ((n->op == SDC_OP_AND && !b) || (n->op == SDC_OP_OR && b))
			return 0;
	}
	return 0;
}

static int
ev_unary(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv a;
	int b;

	if (ev(d, n->kid[0], &a) != 0)
		return -1;
	if (n->op == SDC_OP_NOT) {
		if (dv_truthy(d, &a, n, &b) != 0)
			return -1;
		*out = dv_bool(!b);
		return 0;
	}
	if (a.k == DV_SERIES || a.k == DV_DURATION)
		return defn_series_unary(d, n->op, &a, n, out);
	if (n->op == SDC_OP_NEG && n->kid[0]->kind == SDC_NODE_INT &&
	    n->kid[0]->overflow && strcmp(n->kid[0]->text,
	    "9223372036854775808") == 0) {
		*out = dv_int(INT64_MIN);
		return 0;
	}
	switch (a.k) {
	case DV_BOOL:
	case DV_INT:
		if (a.k == DV_BOOL)
			a = dv_int(a.u.b);
		if (n->op == SDC_OP_NEG) {
			if (a.u.i == INT64_MIN)
				return overflow(d, n);
			*out = dv_int(-a.u.i);
		} else if (n->op == SDC_OP_POS)
			*out = a;
		else
			*out = dv_int(~a.u.i);
		return 0;
	case DV_FLOAT:
		if (n->op == SDC_OP_INVERT)
			break;
		*out = dv_float(n->op == SDC_OP_NEG ? -a.u.f : a.u.f);
		return 0;
	default:
		break;
	}
	return defn_fail(d, n, SDC_EPARSE, "bad operand type for unary %s: "
	    "'%s'", n->op == SDC_OP_NEG ? "-" : n->op == SDC_OP_POS ? "+" :
	    "~", dv_type_name(d, &a));
}

static int
ev(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	const struct dv *v;
	struct dv a, b;
	int t;

	switch (n->kind) {
	case SDC_NODE_NAME:
		if ((v = env_get(d->env, n->name)) != NULL) {
			*out = *v;
			return 0;
		}
		t = builtin_name(d, n->name, out);
		if (t <= 0)
			return t;
		return defn_fail(d, n, SDC_EPARSE, "name '%s' is not defined",
		    n->name);
	case SDC_NODE_CONST:
		*out = n->flag == SDC_CONST_NONE ? dv_none() :
		    dv_bool(n->flag == SDC_CONST_TRUE);
		return 0;
	case SDC_NODE_INT:
		if (n->overflow)
			return defn_fail(d, n, SDC_EDATA, "integer %s is too "
			    "large: sdc's integers are 64-bit", n->text);
		*out = dv_int(n->ival);
		return 0;
	case SDC_NODE_FLOAT:
		*out = dv_float(n->fval);
		return 0;
	case SDC_NODE_STR:
		*out = dv_str(n->str, n->len);
		return 0;
	case SDC_NODE_ATTR:
		if (ev(d, n->kid[0], &a) != 0)
			return -1;
		return defn_getattr(d, &a, n->name, n, out);
	case SDC_NODE_CALL:
		return ev_call(d, n, out);
	case SDC_NODE_SUBSCRIPT:
		return ev_subscript(d, n, out);
	case SDC_NODE_BINOP:
		if (ev(d, n->kid[0], &a) != 0 || ev(d, n->kid[1], &b) != 0)
			return -1;
		return defn_binop(d, n->op, &a, &b, n, out);
	case SDC_NODE_UNARY:
		return ev_unary(d, n, out);
	case SDC_NODE_BOOLOP:
		return ev_boolop(d, n, out);
	case SDC_NODE_COMPARE:
		return ev_compare(d, n, out);
	case SDC_NODE_IFEXP:
		if (ev(d, n->kid[0], &a) != 0 || dv_truthy(d, &a, n, &t) != 0)
			return -1;
		return ev(d, n->kid[t ? 1 : 2], out);
	case SDC_NODE_TUPLE:
	case SDC_NODE_LIST:
	case SDC_NODE_SET:
		return ev_seq(d, n, out);
	case SDC_NODE_DICT:
		return ev_dict(d, n, out);
	case SDC_NODE_FSTR:
		return defn_fail(d, n, SDC_EPARSE, "f-strings are not "
		    "supported in dataset definitions yet");
	case SDC_NODE_LAMBDA:
		return defn_fail(d, n, SDC_EPARSE, "lambda is not supported "
		    "in dataset definitions yet");
	case SDC_NODE_LISTCOMP:
	case SDC_NODE_SETCOMP:
	case SDC_NODE_GENEXP:
	case SDC_NODE_DICTCOMP:
		return defn_fail(d, n, SDC_EPARSE, "comprehensions are not "
		    "supported in dataset definitions yet");
	default:
		return defn_fail(d, n, SDC_EPARSE, "unexpected expression");
	}
}

/* Statements. */

static int exec_block(struct defn *d, const struct sdc_node *blk);

static int
assign(struct defn *d, const struct sdc_node *t, const struct dv *v)
{
	struct dv o;
	struct dv_seq *items;
	size_t i;

	switch (t->kind) {
	case SDC_NODE_NAME:
		return env_set(d, d->env, t->name, *v);
	case SDC_NODE_ATTR:
		if (ev(d, t->kid[0], &o) != 0)
			return -1;
		if (o.k == DV_DATASET)
			return defn_set_variable(d, o.u.ds, t->name, v, t);
		return defn_fail(d, t, SDC_EPARSE, "cannot set attribute '%s' "
		    "of a '%s' object", t->name, dv_type_name(d, &o));
	case SDC_NODE_TUPLE:
	case SDC_NODE_LIST:
		if (v->k != DV_TUPLE && v->k != DV_LIST)
			return defn_fail(d, t, SDC_EPARSE, "cannot unpack "
			    "non-sequence %s", dv_type_name(d, v));
		items = v->u.seq;
		for (i = 0; i < t->n; i++)
			if (t->kid[i]->kind == SDC_NODE_STAR)
				return defn_fail(d, t->kid[i], SDC_EPARSE,
				    "starred assignment is not supported yet");
		if (items->n != t->n)
			return defn_fail(d, t, SDC_EPARSE, "%s values to "
			    "unpack (expected %zu, got %zu)", items->n > t->n ?
			    "too many" : "not enough", t->n, items->n);
		for (i = 0; i < t->n; i++)
			if (assign(d, t->kid[i], &items->v[i]) != 0)
				return -1;
		return 0;
	default:
		return defn_fail(d, t, SDC_EPARSE, "assignment to this target "
		    "is not supported in dataset definitions");
	}
}

/*
 * The module named dotted (possibly with leading dots, for a sibling),
 * as imported at node at.
 */
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

static int
find_module(struct defn *d, const char *name, const struct sdc_node *at,
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
	};
	size_t i;

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
			if (env_set(d, d->env, nm, *env_get(m->env, nm)) != 0)
				return -1;
		}
		return 0;
	}
	if ((names = defn_module_names(d, m, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (defn_module_attr(d, m, names[i], at, &v) != 0 ||
		    env_set(d, d->env, names[i], v) != 0)
			return -1;
	return 0;
}

static int
exec_from(struct defn *d, const struct sdc_node *s)
{
	struct dv_module *m;
	struct dv v;
	size_t i;

	if (find_module(d, s->name, s, &m) != 0)
		return -1;
	if (s->flag == 1)
		return import_star(d, m, s);
	for (i = 0; i < s->n; i++) {
		const struct sdc_node *a = s->kid[i];

		if (defn_module_attr(d, m, a->name, a, &v) != 0 ||
		    env_set(d, d->env, a->asname ? a->asname : a->name, v) != 0)
			return -1;
	}
	return 0;
}

static int
exec_import(struct defn *d, const struct sdc_node *s)
{
	struct dv_module *m, *top;
	struct dv v = dv_none();
	size_t i;
	char first[256];

	for (i = 0; i < s->n; i++) {
		const struct sdc_node *a = s->kid[i];
		const char *dot = strchr(a->name, '.');

		if (find_module(d, a->name, a, &m) != 0)
			return -1;
		v.k = DV_MODULE;
		if (a->asname) {
			v.u.mod = m;
			if (env_set(d, d->env, a->asname, v) != 0)
				return -1;
			continue;
		}
		/* "import a.b.c" binds a */
		snprintf(first, sizeof(first), "%.*s", dot ? (int)(dot -
		    a->name) : (int)strlen(a->name), a->name);
		if (find_module(d, first, a, &top) != 0)
			return -1;
		v.u.mod = top;
		if (env_set(d, d->env, first, v) != 0)
			return -1;
	}
	return 0;
}

static int
exec_stmt(struct defn *d, const struct sdc_node *s)
{
	struct dv v, cur;
	size_t i;
	int t;

	switch (s->kind) {
	case SDC_NODE_EXPR:
		return ev(d, s->kid[0], &v);
	case SDC_NODE_ASSIGN:
		if (ev(d, s->kid[s->n - 1], &v) != 0)
			return -1;
		for (i = 0; i + 1 < s->n; i++)
			if (assign(d, s->kid[i], &v) != 0)
				return -1;
		return 0;
	case SDC_NODE_ANNASSIGN:
		if (s->kid[2] == NULL)
			return 0;
		if (ev(d, s->kid[2], &v) != 0)
			return -1;
		return assign(d, s->kid[0], &v);
	case SDC_NODE_AUGASSIGN:
		if (s->kid[0]->kind != SDC_NODE_NAME)
			return defn_fail(d, s, SDC_EPARSE, "augmented "
			    "assignment is supported to names only");
		if (ev(d, s->kid[0], &cur) != 0 || ev(d, s->kid[1], &v) != 0 ||
		    defn_binop(d, s->op, &cur, &v, s, &v) != 0)
			return -1;
		return assign(d, s->kid[0], &v);
	case SDC_NODE_IMPORT:
		return exec_import(d, s);
	case SDC_NODE_FROM:
		return exec_from(d, s);
	case SDC_NODE_PASS:
		return 0;
	case SDC_NODE_IF:
		if (ev(d, s->kid[0], &v) != 0 || dv_truthy(d, &v, s->kid[0],
		    &t) != 0)
			return -1;
		if (t)
			return exec_block(d, s->kid[1]);
		if (s->kid[2] == NULL)
			return 0;
		if (s->kid[2]->kind == SDC_NODE_IF)
			return exec_stmt(d, s->kid[2]);
		return exec_block(d, s->kid[2]);
	case SDC_NODE_ASSERT:
		if (ev(d, s->kid[0], &v) != 0 || dv_truthy(d, &v, s->kid[0],
		    &t) != 0)
			return -1;
		if (!t) {
			if (s->kid[1] && ev(d, s->kid[1], &v) == 0 &&
			    v.k == DV_STR)
				return defn_fail(d, s, SDC_EDATA,
				    "AssertionError: %.*s", (int)v.u.s.len,
				    v.u.s.p);
			return defn_fail(d, s, SDC_EDATA, "AssertionError");
		}
		return 0;
	case SDC_NODE_DEF:
		return defn_fail(d, s, SDC_EPARSE, "def is not supported in "
		    "dataset definitions yet");
	case SDC_NODE_FOR:
		return defn_fail(d, s, SDC_EPARSE, "for loops are not "
		    "supported in dataset definitions yet");
	case SDC_NODE_RAISE:
		return defn_fail(d, s, SDC_EDATA, "the definition raised an "
		    "exception");
	default:
		return defn_fail(d, s, SDC_EPARSE, "this statement is not "
		    "supported in dataset definitions");
	}
}

static int
exec_block(struct defn *d, const struct sdc_node *blk)
{
	size_t i;

	for (i = 0; i < blk->n; i++)
		if (exec_stmt(d, blk->kid[i]) != 0)
			return -1;
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
	rc = exec_block(d, ast->root);
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
	if (m->name == NULL || (m->env = env_new(d, NULL)) == NULL)
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
	if (rc != 0)
		return -1;
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
	const struct dv *v = env_get(m->env, name);

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
	const struct dv *v = env_get(d->env, "dataset");
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
	    (d.env = env_new(&d, NULL)) == NULL)
		return -1;
	d.file = file;
	if (run_source(&d, file, src, len, d.env, NULL) != 0)
		return -1;
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
