/*
 * defn_lib.c - ehrQL's library for the definition checker: series and
 * frame methods, operators on series, dates and durations, case/when,
 * codelists, datasets, the ehrql modules and the tables' helper
 * methods (built from primitives as ehrQL's schema code builds them).
 * Sources: ehrql/query_language.py, ehrql/tables/core.py and tpp.py,
 * ehrql/codes.py.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "date.h"
#include "defn_int.h"
#include "input.h"
#include "schema.h"

/* Conversions. */

static int
parse_date(struct defn *d, const char *s, size_t len,
    const struct sdc_node *at, int32_t *out)
{
	int st = sdc_date_parse(s, len, out);

	switch (st) {
	case SDC_DATE_OK:
		return 0;
	case SDC_DATE_EYEAR:
		return defn_fail(d, at, SDC_EDATA, "year 0 is out of range in "
		    "'%.*s'", (int)len, s);
	case SDC_DATE_EMONTH:
		return defn_fail(d, at, SDC_EDATA, "month must be in 1..12 in "
		    "'%.*s'", (int)len, s);
	case SDC_DATE_EDAY:
		return defn_fail(d, at, SDC_EDATA, "day is out of range for "
		    "month in '%.*s'", (int)len, s);
	default:
		return defn_fail(d, at, SDC_EDATA, "Dates must be in "
		    "YYYY-MM-DD format: '%.*s'", (int)len, s);
	}
}

static struct dv
dv_date(int32_t x)
{
	struct dv v = dv_none();

	v.k = DV_DATE;
	v.u.d = x;
	return v;
}

static int
make_code(struct defn *d, enum sdc_code_system sys, const char *s, size_t len,
    const struct sdc_node *at, struct dv *out)
{
	if (!sdc_code_valid(sys, s, len))
		return defn_fail(d, at, SDC_EDATA, "Invalid %s: %.*s",
		    sdc_code_system_class(sys), (int)len, s);
	*out = dv_str(s, len);
	out->k = DV_CODE;
	out->sub = (int)sys;
	return 0;
}

/* ehrQL's `_cast`: adapt a literal to the series it meets. */
static int
cast(struct defn *d, const struct dv *v, const struct sdc_qnode *like,
    const struct sdc_node *at, struct dv *out)
{
	int32_t x;

	*out = *v;
	if (like == NULL || v->k == DV_SERIES)
		return 0;
	if (like->type == SDC_TYPE_FLOAT && v->k == DV_INT) {
		*out = dv_none();
		out->k = DV_FLOAT;
		out->u.f = (double)v->u.i;
	} else if (like->type == SDC_TYPE_DATE && v->k == DV_STR) {
		if (parse_date(d, v->u.s.p, v->u.s.len, at, &x) != 0)
			return -1;
		*out = dv_date(x);
	} else if (like->type == SDC_TYPE_CODE && v->k == DV_STR)
		return make_code(d, like->system, v->u.s.p, v->u.s.len, at, out);
	return 0;
}

static int
helpful_error(struct defn *d, const struct dv *v, const struct sdc_node *at)
{
	switch (v->k) {
	case DV_FRAME:
		return defn_fail(d, at, SDC_EPARSE, "Expecting a series but got "
		    "a frame (`%s`): are you missing a column name?",
		    dv_type_name(d, v));
	case DV_FUNC:
		return defn_fail(d, at, SDC_EPARSE, "Function referenced but "
		    "not called: are you missing parentheses on `%s()`?",
		    v->u.fn->name);
	case DV_WHEN:
		return defn_fail(d, at, SDC_EPARSE, "Missing "
		    "`.then(...).otherwise(...)` conditions on a `when(...)` "
		    "expression");
	case DV_WHENTHEN:
		return defn_fail(d, at, SDC_EPARSE, "Missing `.otherwise(...)` "
		    "condition on a `when(...).then(...)` expression (you can "
		    "use `.otherwise(None)` to get NULL values)");
	case DV_TUPLE:
		if (v->u.seq->n == 1 && v->u.seq->v[0].k == DV_SERIES)
			return defn_fail(d, at, SDC_EPARSE, "Expecting an ehrQL "
			    "series, got type 'tuple': this is probably "
			    "because there is a trailing comma left on one of "
			    "the values");
		break;
	default:
		break;
	}
	return defn_fail(d, at, SDC_EPARSE, "Not a valid ehrQL type: '%s'",
	    dv_type_name(d, v));
}

/* A literal as a VALUE node (after cast). */
static int
literal_node(struct defn *d, const struct dv *v, const struct sdc_node *at,
    enum sdc_schema_type null_type, enum sdc_code_system null_sys,
    struct sdc_qnode **out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qval q;
	enum sdc_schema_type t;
	enum sdc_code_system sys = SDC_CODE_NONE;

	memset(&q, 0, sizeof(q));
	switch (v->k) {
	case DV_NONE:
		q.null = 1;
		t = null_type;
		sys = null_sys;
		break;
	case DV_BOOL: t = SDC_TYPE_BOOL; q.u.b = v->u.b; break;
	case DV_INT: t = SDC_TYPE_INT; q.u.i = v->u.i; break;
	case DV_FLOAT: t = SDC_TYPE_FLOAT; q.u.f = v->u.f; break;
	case DV_DATE: t = SDC_TYPE_DATE; q.u.d = v->u.d; break;
	case DV_STR:
	case DV_CODE:
		t = v->k == DV_STR ? SDC_TYPE_STR : SDC_TYPE_CODE;
		sys = (enum sdc_code_system)(v->k == DV_CODE ? v->sub : 0);
		q.u.s.p = v->u.s.p;
		q.u.s.len = v->u.s.len;
		break;
	default:
		return helpful_error(d, v, at);
	}
	*out = sdc_query_value(d->q, t, sys, &q, &loc, d->err);
	return *out ? 0 : -1;
}

/* v as a series node meeting like (NULL: v's own type). */
static int
to_node(struct defn *d, const struct dv *v, const struct sdc_qnode *like,
    const struct sdc_node *at, struct sdc_qnode **out)
{
	struct dv c;

	if (v->k == DV_SERIES) {
		*out = v->u.node;
		return 0;
	}
	if (v->k == DV_NONE)
		return defn_fail(d, at, SDC_EPARSE, "Expected type "
		    "'Series[%s]' but got 'None'", like ? sdc_query_type_name(
		    like->type, like->system) : "T");
	if (cast(d, v, like, at, &c) != 0)
		return -1;
	return literal_node(d, &c, at, SDC_TYPE_BOOL, SDC_CODE_NONE, out);
}

/* A literal as a query value of the type of like (for IN and MAP). */
static int
to_qval(struct defn *d, const struct dv *v, const struct sdc_qnode *like,
    const struct sdc_node *at, struct sdc_qval *out)
{
	struct sdc_qnode *n;

	if (v->k == DV_SERIES)
		return defn_fail(d, at, SDC_EPARSE, "Expecting a value, not a "
		    "series");
	if (to_node(d, v, like, at, &n) != 0)
		return -1;
	if (n->type != like->type || n->system != like->system)
		return defn_fail(d, at, SDC_EPARSE, "Expected type '%s' but "
		    "got '%s'", sdc_query_type_name(like->type, like->system),
		    sdc_query_type_name(n->type, n->system));
	*out = n->val;
	return 0;
}

/* Small builder wrappers returning values. */

static int
unary(struct defn *d, enum sdc_qop op, struct sdc_qnode *a,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n = sdc_query_unary(d->q, op, a, &loc, d->err);

	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

static int
binary(struct defn *d, enum sdc_qop op, struct sdc_qnode *a,
    struct sdc_qnode *b, const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n = sdc_query_binary(d->q, op, a, b, &loc, d->err);

	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

/* self OP other, other cast to self's type. */
static int
series_op(struct defn *d, enum sdc_qop op, struct sdc_qnode *self,
    const struct dv *other, int reflected, const struct sdc_node *at,
    struct dv *out)
{
	struct sdc_qnode *o;

	if (to_node(d, other, self, at, &o) != 0)
		return -1;
	return reflected ? binary(d, op, o, self, at, out) :
	    binary(d, op, self, o, at, out);
}

/* Operators. */

static int
unsupported(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at)
{
	static const char *const text[] = {
		[SDC_OP_ADD] = "+", [SDC_OP_SUB] = "-", [SDC_OP_MUL] = "*",
		[SDC_OP_DIV] = "/", [SDC_OP_FLOORDIV] = "//",
		[SDC_OP_MOD] = "%", [SDC_OP_POW] = "**",
		[SDC_OP_LSHIFT] = "<<", [SDC_OP_RSHIFT] = ">>",
		[SDC_OP_BITOR] = "|", [SDC_OP_BITXOR] = "^",
		[SDC_OP_BITAND] = "&", [SDC_OP_LT] = "<", [SDC_OP_LE] = "<=",
		[SDC_OP_GT] = ">", [SDC_OP_GE] = ">=", [SDC_OP_EQ] = "==",
		[SDC_OP_NE] = "!="
	};
	const char *t = (size_t)op < sizeof(text) / sizeof(text[0]) &&
	    text[op] ? text[op] : "?";

	if (op >= SDC_OP_LT && op <= SDC_OP_GE)
		return defn_fail(d, at, SDC_EPARSE, "'%s' not supported "
		    "between instances of '%s' and '%s'", t,
		    dv_type_name(d, l), dv_type_name(d, r));
	return defn_fail(d, at, SDC_EPARSE, "unsupported operand type(s) for "
	    "%s: '%s' and '%s'", t, dv_type_name(d, l), dv_type_name(d, r));
}

static const char MULTI_EQ[] = "This column contains multiple clinical "
    "codes combined together in a single string. If you want to know if a "
    "particular code is contained in the string, please use the "
    "`contains()` method";

int
defn_series_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out)
{
	int reflected = l->k != DV_SERIES;
	const struct dv *sv = reflected ? r : l, *other = reflected ? l : r;
	struct sdc_qnode *self = sv->u.node;
	enum sdc_schema_type t = self->type;
	enum sdc_qop qop;

	if (other->k == DV_DURATION || other->k == DV_DATEDIFF ||
	    (t == SDC_TYPE_DATE && (op == SDC_OP_SUB || op == SDC_OP_ADD)))
		return defn_date_binop(d, op, l, r, at, out);
	switch (op) {
	case SDC_OP_EQ:
	case SDC_OP_NE:
		if (t == SDC_TYPE_MULTICODE || (other->k == DV_SERIES &&
		    other->u.node->type == SDC_TYPE_MULTICODE))
			return defn_fail(d, at, SDC_EPARSE, "%s", MULTI_EQ);
		return series_op(d, op == SDC_OP_EQ ? SDC_QOP_EQ : SDC_QOP_NE,
		    self, other, 0, at, out);
	case SDC_OP_LT:
	case SDC_OP_LE:
	case SDC_OP_GT:
	case SDC_OP_GE:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT &&
		    t != SDC_TYPE_STR && t != SDC_TYPE_DATE)
			return unsupported(d, op, l, r, at);
		if (reflected)	/* 5 < x is x > 5 */
			op = op == SDC_OP_LT ? SDC_OP_GT : op == SDC_OP_LE ?
			    SDC_OP_GE : op == SDC_OP_GT ? SDC_OP_LT : SDC_OP_LE;
		qop = op == SDC_OP_LT ? SDC_QOP_LT : op == SDC_OP_LE ?
		    SDC_QOP_LE : op == SDC_OP_GT ? SDC_QOP_GT : SDC_QOP_GE;
		return series_op(d, qop, self, other, 0, at, out);
	case SDC_OP_ADD:
	case SDC_OP_SUB:
	case SDC_OP_MUL:
	case SDC_OP_DIV:
	case SDC_OP_FLOORDIV:
	case SDC_OP_POW:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT)
			return unsupported(d, op, l, r, at);
		if (other->k != DV_SERIES && other->k != DV_INT &&
		    other->k != DV_FLOAT && other->k != DV_BOOL)
			return unsupported(d, op, l, r, at);
		qop = op == SDC_OP_ADD ? SDC_QOP_ADD : op == SDC_OP_SUB ?
		    SDC_QOP_SUB : op == SDC_OP_MUL ? SDC_QOP_MUL :
		    op == SDC_OP_DIV ? SDC_QOP_DIV : op == SDC_OP_FLOORDIV ?
		    SDC_QOP_FLOORDIV : SDC_QOP_POW;
		/* ehrQL's __radd__ and __rmul__ are self + other */
		return series_op(d, qop, self, other, reflected &&
		    qop != SDC_QOP_ADD && qop != SDC_QOP_MUL, at, out);
	case SDC_OP_BITAND:
	case SDC_OP_BITOR:
		if (t != SDC_TYPE_BOOL || (other->k != DV_SERIES &&
		    other->k != DV_BOOL))
			return unsupported(d, op, l, r, at);
		return series_op(d, op == SDC_OP_BITAND ? SDC_QOP_AND :
		    SDC_QOP_OR, self, other, 0, at, out);
	default:
		return unsupported(d, op, l, r, at);
	}
}

static int
neg_amount(struct defn *d, const struct dv *a, const struct sdc_node *at,
    struct dv *out)
{
	if (a->k == DV_SERIES)
		return unary(d, SDC_QOP_NEG, a->u.node, at, out);
	if (a->u.i == INT64_MIN)
		return defn_fail(d, at, SDC_EDATA, "integer overflow");
	*out = dv_int(-a->u.i);
	return 0;
}

static int
make_duration(struct defn *d, int unit, const struct dv *amount,
    const struct sdc_node *at, struct dv *out)
{
	struct dv *p;

	if (amount->k == DV_BOOL) {
		struct dv i = dv_int(amount->u.b);

		return make_duration(d, unit, &i, at, out);
	}
	if (!(amount->k == DV_INT || (amount->k == DV_SERIES &&
	    amount->u.node->type == SDC_TYPE_INT)))
		return defn_fail(d, at, SDC_EPARSE, "Expected type 'int' or "
		    "'Series[int]' but got '%s'", amount->k == DV_SERIES ?
		    dv_type_name(d, amount) : dv_type_name(d, amount));
	if ((p = defn_alloc(d, sizeof(*p))) == NULL)
		return -1;
	*p = *amount;
	*out = dv_none();
	out->k = DV_DURATION;
	out->sub = unit;
	out->u.pair = p;
	return 0;
}

int
defn_series_unary(struct defn *d, enum sdc_op op, const struct dv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv v;
	const char *name = dv_type_name(d, a);

	if (a->k == DV_DURATION && op == SDC_OP_NEG) {
		if (neg_amount(d, &a->u.pair[0], at, &v) != 0)
			return -1;
		return make_duration(d, a->sub, &v, at, out);
	}
	if (a->k == DV_SERIES) {
		enum sdc_schema_type t = a->u.node->type;

		if (op == SDC_OP_NEG && (t == SDC_TYPE_INT || t == SDC_TYPE_FLOAT))
			return unary(d, SDC_QOP_NEG, a->u.node, at, out);
		if (op == SDC_OP_INVERT && t == SDC_TYPE_BOOL)
			return unary(d, SDC_QOP_NOT, a->u.node, at, out);
	}
	return defn_fail(d, at, SDC_EPARSE, "bad operand type for unary %s: "
	    "'%s'", op == SDC_OP_NEG ? "-" : op == SDC_OP_POS ? "+" : "~", name);
}

static int
is_date_series(const struct dv *v)
{
	return v->k == DV_SERIES && v->u.node->type == SDC_TYPE_DATE;
}

static int
make_diff(struct defn *d, const struct dv *a, const struct dv *b,
    struct dv *out)
{
	struct dv *p = defn_alloc(d, 2 * sizeof(*p));

	if (p == NULL)
		return -1;
	p[0] = *a;
	p[1] = *b;
	*out = dv_none();
	out->k = DV_DATEDIFF;
	out->u.pair = p;
	return 0;
}

/* date-ish + duration */
static int
add_duration(struct defn *d, const struct dv *date, const struct dv *dur,
    const struct sdc_node *at, struct dv *out)
{
	static const enum sdc_qop ops[] = { SDC_QOP_ADD_DAYS,
		SDC_QOP_ADD_WEEKS, SDC_QOP_ADD_MONTHS, SDC_QOP_ADD_YEARS };
	const struct dv *amt = &dur->u.pair[0];
	struct sdc_qnode *dn, *an;
	struct dv dt = *date;
	int32_t x;
	int rc;

	if (dt.k == DV_STR) {
		if (parse_date(d, dt.u.s.p, dt.u.s.len, at, &x) != 0)
			return -1;
		dt = dv_date(x);
	}
	if (dt.k == DV_DATE && amt->k == DV_INT) {
		switch (dur->sub) {
		case DUR_DAYS:
			rc = sdc_date_add_days(dt.u.d, amt->u.i, &x);
			break;
		case DUR_WEEKS:
			rc = sdc_date_add_weeks(dt.u.d, amt->u.i, &x);
			break;
		case DUR_MONTHS:
			rc = sdc_date_add_months(dt.u.d, amt->u.i, &x);
			break;
		default:
			rc = sdc_date_add_years(dt.u.d, amt->u.i, &x);
			break;
		}
		if (rc != 0)
			return defn_fail(d, at, SDC_EDATA, "date value out of "
			    "range");
		*out = dv_date(x);
		return 0;
	}
	if (dt.k != DV_DATE && !is_date_series(&dt))
		return -2;
	if (to_node(d, &dt, NULL, at, &dn) != 0 ||
	    to_node(d, amt, NULL, at, &an) != 0)
		return -1;
	return binary(d, ops[dur->sub], dn, an, at, out);
}

int
defn_date_binop(struct defn *d, enum sdc_op op, const struct dv *l,
    const struct dv *r, const struct sdc_node *at, struct dv *out)
{
	struct dv neg, sum, a, b;
	int32_t x;
	int rc;

	if (op == SDC_OP_ADD || op == SDC_OP_SUB) {
		if (l->k == DV_DURATION && r->k == DV_DURATION) {
			if (l->sub != r->sub)
				return unsupported(d, op, l, r, at);
			if (op == SDC_OP_SUB) {
				if (neg_amount(d, &r->u.pair[0], at, &neg) != 0)
					return -1;
			} else
				neg = r->u.pair[0];
			if (defn_binop(d, SDC_OP_ADD, &l->u.pair[0], &neg, at,
			    &sum) != 0)
				return -1;
			return make_duration(d, l->sub, &sum, at, out);
		}
		if (r->k == DV_DURATION) {
			struct dv dur = *r;

			if (op == SDC_OP_SUB) {
				if (neg_amount(d, &r->u.pair[0], at, &neg) != 0 ||
				    make_duration(d, r->sub, &neg, at, &dur) != 0)
					return -1;
			}
			rc = add_duration(d, l, &dur, at, out);
			if (rc != -2)
				return rc;
			return unsupported(d, op, l, r, at);
		}
		if (l->k == DV_DURATION && op == SDC_OP_ADD) {
			rc = add_duration(d, r, l, at, out);
			if (rc != -2)
				return rc;
			return unsupported(d, op, l, r, at);
		}
	}
	if (op == SDC_OP_SUB && (is_date_series(l) || is_date_series(r) ||
	    (l->k == DV_DATE && r->k == DV_DATE))) {
		a = *l;
		b = *r;
		if (a.k == DV_STR && is_date_series(&b)) {
			if (parse_date(d, a.u.s.p, a.u.s.len, at, &x) != 0)
				return -1;
			a = dv_date(x);
		}
		if (b.k == DV_STR && is_date_series(&a)) {
			if (parse_date(d, b.u.s.p, b.u.s.len, at, &x) != 0)
				return -1;
			b = dv_date(x);
		}
		if ((a.k == DV_DATE || is_date_series(&a)) &&
		    (b.k == DV_DATE || is_date_series(&b)))
			return make_diff(d, &a, &b, out);
	}
	return unsupported(d, op, l, r, at);
}

/* Arguments. */

struct params {
	const char *fname;
	const char *const *names;
	size_t n;	/* parameters */
	size_t npos;	/* of which the first npos may be positional */
	size_t nreq;	/* and the first nreq are required */
};

static int
bind(struct defn *d, const struct params *p, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *slot, const struct sdc_node **sat,
    int *set)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		set[i] = 0;
		slot[i] = dv_none();
		sat[i] = at;
	}
	if (a->n > p->npos)
		return defn_fail(d, a->at[p->npos], SDC_EPARSE, "%s() takes %zu "
		    "positional argument%s but %zu were given", p->fname,
		    p->npos, p->npos == 1 ? "" : "s", a->n);
	for (i = 0; i < a->n; i++) {
		slot[i] = a->v[i];
		sat[i] = a->at[i];
		set[i] = 1;
	}
	for (i = 0; i < a->nkw; i++) {
		for (j = 0; j < p->n; j++)
			if (strcmp(p->names[j], a->kwname[i]) == 0)
				break;
		if (j == p->n)
			return defn_fail(d, a->kwat[i], SDC_EPARSE, "%s() got an "
			    "unexpected keyword argument '%s'", p->fname,
			    a->kwname[i]);
		if (set[j])
			return defn_fail(d, a->kwat[i], SDC_EPARSE, "%s() got "
			    "multiple values for argument '%s'", p->fname,
			    a->kwname[i]);
		slot[j] = a->kw[i];
		sat[j] = a->kwat[i];
		set[j] = 1;
	}
	for (i = 0; i < p->nreq; i++)
		if (!set[i])
			return defn_fail(d, at, SDC_EPARSE, "%s() missing 1 "
			    "required %sargument: '%s'", p->fname, i < p->npos ?
			    "positional " : "keyword-only ", p->names[i]);
	return 0;
}

#define MAXP 8
#define BIND(fn, np, npos, nreq, ...) \
	const char *const pn_[] = { __VA_ARGS__ }; \
	const struct params pp_ = { fn, pn_, np, npos, nreq }; \
	if (bind(d, &pp_, a, at, arg, aat, set) != 0) \
		return -1

/* Series methods. */

static int
m_is_in(struct defn *d, struct sdc_qnode *self, const struct dv *other,
    const struct sdc_node *oat, const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qval *vals;
	struct sdc_qnode *n;
	struct dv_seq *items;
	size_t i, k = 0;

	if (self->type == SDC_TYPE_MULTICODE)
		return defn_fail(d, at, SDC_EPARSE, "You are attempting to use "
		    "`.is_in()` on a column that contains multiple clinical "
		    "codes joined together. This is not allowed. If you want to "
		    "know if the field contains any of the codes from a "
		    "codelist, then please use `.contains_any_of(codelist)` "
		    "instead.");
	if (other->k == DV_SERIES) {
		n = sdc_query_in_series(d->q, self, other->u.node, &loc, d->err);
		if (n == NULL)
			return -1;
		*out = dv_node(n);
		return 0;
	}
	if (other->k == DV_CODELIST && self->type == SDC_TYPE_CODE &&
	    sdc_codelist_validate(other->u.cl, self->system, d->err) != 0)
		return -1;
	if (other->k != DV_LIST && other->k != DV_TUPLE &&
	    other->k != DV_DICT && other->k != DV_CODELIST) {
		if (other->k == DV_FRAME || other->k == DV_FUNC ||
		    other->k == DV_WHEN || other->k == DV_WHENTHEN)
			return helpful_error(d, other, oat);
		return defn_fail(d, oat, SDC_EPARSE, "Invalid type: %s (note "
		    "`is_in()` usually expects a list of values rather than a "
		    "single value)", dv_type_name(d, other));
	}
	if (dv_iter(d, other, oat, &items) != 0)
		return -1;
	if ((vals = defn_alloc(d, (items->n + 1) * sizeof(*vals))) == NULL)
		return -1;
	for (i = 0; i < items->n; i++) {
		if (other->k == DV_CODELIST && self->type == SDC_TYPE_CODE) {
			memset(&vals[k], 0, sizeof(vals[k]));
			vals[k].u.s.p = items->v[i].u.s.p;
			vals[k++].u.s.len = items->v[i].u.s.len;
			continue;
		}
		if (to_qval(d, &items->v[i], self, oat, &vals[k++]) != 0)
			return -1;
	}
	if ((n = sdc_query_in(d->q, self, vals, k, &loc, d->err)) == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

/* The first non-None value's node decides a case's type. */
static int
case_build(struct defn *d, struct sdc_qnode **conds, const struct dv *vals,
    const struct sdc_node **vat, size_t n, const struct dv *otherwise,
    const struct sdc_node *oat, const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode **kids, *like = NULL, *cn;
	size_t i, k = 0;

	for (i = 0; i <= n && like == NULL; i++) {
		const struct dv *v = i < n ? &vals[i] : otherwise;

		if (v == NULL || v->k == DV_NONE)
			continue;
		if (to_node(d, v, NULL, i < n ? vat[i] : oat, &like) != 0)
			return -1;
	}
	if (like == NULL)
		return defn_fail(d, at, SDC_EPARSE, "`case()` expression cannot "
		    "have all `None` values");
	if ((kids = defn_alloc(d, (2 * n + 1) * sizeof(*kids))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (conds[j] == conds[i])
				return defn_fail(d, vat[i], SDC_EPARSE,
				    "duplicated condition in `case()` "
				    "expression");
		kids[k++] = conds[i];
		if (vals[i].k == DV_NONE) {
			if (literal_node(d, &vals[i], vat[i], like->type,
			    like->system, &kids[k++]) != 0)
				return -1;
		} else if (to_node(d, &vals[i], NULL, vat[i], &kids[k++]) != 0)
			return -1;
	}
	if (otherwise && otherwise->k != DV_NONE &&
	    to_node(d, otherwise, NULL, oat, &kids[k++]) != 0)
		return -1;
	if ((cn = sdc_query_case(d->q, kids, k, &loc, d->err)) == NULL)
		return -1;
	*out = dv_node(cn);
	return 0;
}

static int
m_map_values(struct defn *d, struct sdc_qnode *self, const struct dv *mapping,
    const struct dv *dflt, const struct sdc_node *mat,
    const struct sdc_node *dat, const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct dv_seq *s;
	struct sdc_qval *keys, *res;
	struct sdc_qnode *like = NULL, *dn = NULL, *n, **conds;
	struct dv *vals;
	const struct sdc_node **vat;
	size_t i, k, cnt, j;
	int all_literal = 1;

	if (mapping->k == DV_CODELIST && sdc_codelist_has_categories(
	    mapping->u.cl)) {
		if (self->type == SDC_TYPE_CODE && sdc_codelist_validate(
		    mapping->u.cl, self->system, d->err) != 0)
			return -1;
		cnt = sdc_codelist_count(mapping->u.cl);
		if ((s = dv_seq_new(d, 2 * cnt)) == NULL)
			return -1;
		for (i = 0; i < cnt; i++) {
			size_t l1, l2;
			const char *c = sdc_codelist_code(mapping->u.cl, i, &l1);
			const char *g = sdc_codelist_category(mapping->u.cl, i,
			    &l2);

			if (dv_seq_push(d, s, dv_str(c, l1)) != 0 ||
			    dv_seq_push(d, s, dv_str(g, l2)) != 0)
				return -1;
		}
	} else if (mapping->k == DV_DICT)
		s = mapping->u.seq;
	else
		return defn_fail(d, mat, SDC_EPARSE, "'%s' object has no "
		    "attribute 'items': map_values() needs a dict",
		    dv_type_name(d, mapping));
	cnt = s->n / 2;
	if (cnt == 0)
		return defn_fail(d, mat, SDC_EPARSE, "`case()` expression "
		    "requires at least one case");
	for (i = 0; i < cnt; i++)
		if (s->v[2 * i + 1].k == DV_SERIES)
			all_literal = 0;
	if (!all_literal) {
		/* ehrQL's own form: case(when(self == k).then(v), ...) */
		conds = defn_alloc(d, cnt * sizeof(*conds));
		vals = defn_alloc(d, cnt * sizeof(*vals));
		vat = defn_alloc(d, cnt * sizeof(*vat));
		if (!conds || !vals || !vat)
			return -1;
		for (i = 0; i < cnt; i++) {
			struct dv c;

			if (series_op(d, SDC_QOP_EQ, self, &s->v[2 * i], 0, mat,
			    &c) != 0)
				return -1;
			conds[i] = c.u.node;
			vals[i] = s->v[2 * i + 1];
			vat[i] = mat;
		}
		return case_build(d, conds, vals, vat, cnt, dflt, dat, at, out);
	}
	for (i = 0; i <= cnt && like == NULL; i++) {
		const struct dv *v = i < cnt ? &s->v[2 * i + 1] : dflt;

		if (v->k != DV_NONE && to_node(d, v, NULL, i < cnt ? mat : dat,
		    &like) != 0)
			return -1;
	}
	if (like == NULL)
		return defn_fail(d, at, SDC_EPARSE, "`case()` expression cannot "
		    "have all `None` values");
	keys = defn_alloc(d, cnt * sizeof(*keys));
	res = defn_alloc(d, cnt * sizeof(*res));
	if (!keys || !res)
		return -1;
	for (i = k = 0; i < cnt; i++) {
		struct sdc_qval kv;

		if (to_qval(d, &s->v[2 * i], self, mat, &kv) != 0)
			return -1;
		for (j = 0; j < k; j++)	/* the first mapping wins */
			if (sdc_qval_eq(self->type, &keys[j], &kv))
				break;
		if (j < k)
			continue;
		keys[k] = kv;
		if (s->v[2 * i + 1].k == DV_NONE) {
			memset(&res[k], 0, sizeof(res[k]));
			res[k].null = 1;
		} else if (to_qval(d, &s->v[2 * i + 1], like, mat, &res[k]) != 0)
			return -1;
		k++;
	}
	if (dflt->k != DV_NONE && to_node(d, dflt, NULL, dat, &dn) != 0)
		return -1;
	n = sdc_query_map(d->q, self, keys, res, k, like->type, like->system,
	    dn, &loc, d->err);
	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

static int
m_contains(struct defn *d, struct sdc_qnode *self, const struct dv *other,
    const struct sdc_node *oat, const struct sdc_node *at, struct dv *out)
{
	struct dv s;
	struct sdc_qnode *o;

	if (self->type == SDC_TYPE_MULTICODE) {
		enum sdc_code_system sys = self->system;

		if (other->k == DV_CODE && other->sub == (int)sys)
			s = dv_str(other->u.s.p, other->u.s.len);
		else if (other->k == DV_STR && sdc_code_prefix_valid(sys,
		    other->u.s.p, other->u.s.len))
			s = *other;
		else
			return defn_fail(d, oat, SDC_EPARSE, "Expecting a %s, or "
			    "a string prefix of a %s",
			    sdc_code_system_class(sys),
			    sdc_code_system_class(sys));
		if (to_node(d, &s, NULL, oat, &o) != 0)
			return -1;
		return binary(d, SDC_QOP_CONTAINS, self, o, at, out);
	}
	return series_op(d, SDC_QOP_CONTAINS, self, other, 0, at, out);
}

static int
m_contains_any_of(struct defn *d, struct sdc_qnode *self,
    const struct dv *codes, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *items;
	struct dv acc, c;
	size_t i;

	if (dv_iter(d, codes, cat, &items) != 0)
		return -1;
	if (items->n == 0)
		return defn_fail(d, cat, SDC_EPARSE, "reduce() of empty "
		    "iterable with no initial value");
	for (i = 0; i < items->n; i++) {
		if (m_contains(d, self, &items->v[i], cat, at, &c) != 0)
			return -1;
		if (i == 0)
			acc = c;
		else if (binary(d, SDC_QOP_OR, acc.u.node, c.u.node, at,
		    &acc) != 0)
			return -1;
	}
	*out = acc;
	return 0;
}

static int
compare(struct defn *d, enum sdc_op op, struct sdc_qnode *self,
    const struct dv *other, const struct sdc_node *at, struct dv *out)
{
	struct dv s = dv_node(self);

	return defn_series_binop(d, op, &s, other, at, out);
}

static int
m_between(struct defn *d, struct sdc_qnode *self, const struct dv *lo,
    const struct dv *hi, int inclusive, const struct sdc_node *at,
    struct dv *out)
{
	struct dv a, b;

	if (compare(d, inclusive ? SDC_OP_GE : SDC_OP_GT, self, lo, at, &a) != 0
	    || compare(d, inclusive ? SDC_OP_LE : SDC_OP_LT, self, hi, at,
	    &b) != 0)
		return -1;
	return binary(d, SDC_QOP_AND, a.u.node, b.u.node, at, out);
}

static int
aggregate(struct defn *d, enum sdc_qop op, struct sdc_qnode *src, int64_t gap,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n = sdc_query_aggregate(d->q, op, src, gap, &loc,
	    d->err);

	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

/* Frame methods. */

static int
column(struct defn *d, struct sdc_qnode *frame, const char *name,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n = sdc_query_column(d->q, frame, name, &loc,
	    d->err);

	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

static int
m_filter(struct defn *d, enum sdc_qkind kind, struct sdc_qnode *frame,
    const struct dv *cond, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *c, *n;

	if (to_node(d, cond, NULL, cat, &c) != 0)
		return -1;
	if ((n = sdc_query_filter(d->q, kind, frame, c, &loc, d->err)) == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

static int
m_sort_by(struct defn *d, struct sdc_qnode *frame, const struct dv *keys,
    const struct sdc_node **kat, size_t n, const struct sdc_node *at,
    struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *k;
	size_t i;

	if (n == 0)
		return defn_fail(d, at, SDC_EPARSE, "sort_by() needs at least "
		    "one value to sort by");
	for (i = 0; i < n; i++)
		if (keys[i].k == DV_STR)
			return defn_fail(d, kat[i], SDC_EPARSE, "to sort by a "
			    "column use a table attribute like `%s.%.*s` "
			    "rather than the string \"%.*s\"",
			    d->q->tables[frame->table].schema->name,
			    (int)keys[i].u.s.len, keys[i].u.s.p,
			    (int)keys[i].u.s.len, keys[i].u.s.p);
	for (i = n; i-- > 0;) {
		if (to_node(d, &keys[i], NULL, kat[i], &k) != 0)
			return -1;
		loc = defn_loc(d, kat[i]);
		if ((frame = sdc_query_sort(d->q, frame, k, &loc, d->err)) ==
		    NULL)
			return -1;
	}
	*out = dv_node(frame);
	return 0;
}

static int
pick(struct defn *d, enum sdc_qop op, struct sdc_qnode *frame,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n = sdc_query_pick(d->q, op, frame, &loc, d->err);

	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

/* Table helpers, as ehrql/tables/core.py and tpp.py define them. */

static const char *
frame_table(const struct defn *d, const struct sdc_qnode *f)
{
	return d->q->tables[f->table].schema->name;
}

static const char *
frame_module(const struct defn *d, const struct sdc_qnode *f)
{
	return d->q->tables[f->table].schema->module;
}

/* where(start_date <= date).except_where(end_date < date) */
static int
spanning_on(struct defn *d, struct sdc_qnode *self, const struct dv *date,
    const struct sdc_node *at, struct dv *out)
{
	struct dv s, e, c, f;

	if (column(d, self, "start_date", at, &s) != 0 ||
	    column(d, self, "end_date", at, &e) != 0 ||
	    compare(d, SDC_OP_LE, s.u.node, date, at, &c) != 0 ||
	    m_filter(d, SDC_Q_WHERE, self, &c, at, at, &f) != 0 ||
	    compare(d, SDC_OP_LT, e.u.node, date, at, &c) != 0)
		return -1;
	return m_filter(d, SDC_Q_EXCEPT, f.u.node, &c, at, at, out);
}

static int
h_spanning(struct defn *d, struct sdc_qnode *self, const struct dv *start,
    const struct dv *end, const struct sdc_node *at, struct dv *out)
{
	struct dv s, e, a, b, c;

	if (column(d, self, "start_date", at, &s) != 0 ||
	    column(d, self, "end_date", at, &e) != 0 ||
	    compare(d, SDC_OP_LE, s.u.node, start, at, &a) != 0 ||
	    compare(d, SDC_OP_GT, e.u.node, end, at, &b) != 0 ||
	    unary(d, SDC_QOP_IS_NULL, e.u.node, at, &c) != 0 ||
	    binary(d, SDC_QOP_OR, b.u.node, c.u.node, at, &b) != 0 ||
	    binary(d, SDC_QOP_AND, a.u.node, b.u.node, at, &a) != 0)
		return -1;
	return m_filter(d, SDC_Q_WHERE, self, &a, at, at, out);
}

static int
h_reg_for_patient_on(struct defn *d, struct sdc_qnode *self,
    const struct dv *date, const struct sdc_node *at, struct dv *out)
{
	struct dv f, keys[4];
	const struct sdc_node *kat[4] = { at, at, at, at };
	int addr = strcmp(frame_table(d, self), "addresses") == 0;
	size_t n = 0;

	if (spanning_on(d, self, date, at, &f) != 0)
		return -1;
	if (addr) {
		/* case(when(self.has_postcode).then(1), otherwise=0) */
		struct dv hp, one = dv_int(1), zero = dv_int(0);
		struct sdc_qnode *cond;
		const struct sdc_node *vat[1] = { at };

		if (column(d, self, "has_postcode", at, &hp) != 0)
			return -1;
		cond = hp.u.node;
		if (case_build(d, &cond, &one, vat, 1, &zero, at, at,
		    &keys[n++]) != 0)
			return -1;
	}
	if (column(d, self, "start_date", at, &keys[n++]) != 0 ||
	    column(d, self, "end_date", at, &keys[n++]) != 0 ||
	    column(d, self, addr ? "address_id" : "practice_pseudo_id", at,
	    &keys[n++]) != 0 ||
	    m_sort_by(d, f.u.node, keys, kat, n, at, &f) != 0)
		return -1;
	return pick(d, SDC_QOP_LAST, f.u.node, at, out);
}

static int
h_cause_of_death_is_in(struct defn *d, struct sdc_qnode *self,
    const struct dv *codelist, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out)
{
	struct dv c, r, acc;
	char name[32];
	int i;

	for (i = 0; i <= 15; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "underlying_cause_of_death");
		else
			snprintf(name, sizeof(name), "cause_of_death_%02d", i);
		if (column(d, self, name, at, &c) != 0 ||
		    m_is_in(d, c.u.node, codelist, cat, at, &r) != 0)
			return -1;
		if (i == 0)
			acc = r;
		else if (binary(d, SDC_QOP_OR, acc.u.node, r.u.node, at,
		    &acc) != 0)
			return -1;
	}
	*out = acc;
	return 0;
}

/* Method tables. */

struct method {
	const char *name;
	enum dv_fid id;
};

static int
series_method(const struct sdc_qnode *n, const char *name, enum dv_fid *id)
{
	static const struct method common[] = {
		{ "is_null", M_IS_NULL }, { "is_not_null", M_IS_NOT_NULL },
		{ "when_null_then", M_WHEN_NULL_THEN }, { "is_in", M_IS_IN },
		{ "is_not_in", M_IS_NOT_IN }, { "map_values", M_MAP_VALUES },
	}, numeric[] = {
		{ "as_int", M_AS_INT }, { "as_float", M_AS_FLOAT },
		{ "absolute", M_ABSOLUTE },
	}, date[] = {
		{ "to_first_of_year", M_TO_FIRST_OF_YEAR },
		{ "to_first_of_month", M_TO_FIRST_OF_MONTH },
		{ "is_before", M_IS_BEFORE },
		{ "is_on_or_before", M_IS_ON_OR_BEFORE },
		{ "is_after", M_IS_AFTER },
		{ "is_on_or_after", M_IS_ON_OR_AFTER },
		{ "is_between_but_not_on", M_IS_BETWEEN_BUT_NOT_ON },
		{ "is_on_or_between", M_IS_ON_OR_BETWEEN },
		{ "is_during", M_IS_DURING },
	};
	int ev = n->level == SDC_QL_EVENT;
	enum sdc_schema_type t = n->type;
	size_t i;

#define LOOK(tab) \
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) \
		if (strcmp(name, tab[i].name) == 0) { \
			*id = tab[i].id; \
			return 1; \
		}
	LOOK(common);
	if (ev && strcmp(name, "count_distinct_for_patient") == 0) {
		*id = M_COUNT_DISTINCT;
		return 1;
	}
	if (t == SDC_TYPE_BOOL && strcmp(name, "as_int") == 0) {
		*id = M_AS_INT;
		return 1;
	}
	if (t == SDC_TYPE_INT || t == SDC_TYPE_FLOAT) {
		LOOK(numeric);
		if (ev && strcmp(name, "sum_for_patient") == 0) {
			*id = M_SUM;
			return 1;
		}
		if (ev && strcmp(name, "mean_for_patient") == 0) {
			*id = M_MEAN;
			return 1;
		}
	}
	if (ev && (t == SDC_TYPE_INT || t == SDC_TYPE_FLOAT ||
	    t == SDC_TYPE_STR || t == SDC_TYPE_DATE)) {
		if (strcmp(name, "minimum_for_patient") == 0) {
			*id = M_MIN;
			return 1;
		}
		if (strcmp(name, "maximum_for_patient") == 0) {
			*id = M_MAX;
			return 1;
		}
	}
	if ((t == SDC_TYPE_STR || t == SDC_TYPE_MULTICODE) &&
	    strcmp(name, "contains") == 0) {
		*id = M_CONTAINS;
		return 1;
	}
	if (t == SDC_TYPE_MULTICODE && strcmp(name, "contains_any_of") == 0) {
		*id = M_CONTAINS_ANY_OF;
		return 1;
	}
	if (t == SDC_TYPE_CODE && strcmp(name, "to_category") == 0) {
		*id = M_TO_CATEGORY;
		return 1;
	}
	if (t == SDC_TYPE_DATE) {
		LOOK(date);
		if (ev && strcmp(name, "count_episodes_for_patient") == 0) {
			*id = M_COUNT_EPISODES;
			return 1;
		}
	}
#undef LOOK
	return 0;
}

static int
frame_method(const struct defn *d, const struct sdc_qnode *f,
    const char *name, enum dv_fid *id)
{
	const char *t = frame_table(d, f), *mod = frame_module(d, f);
	int ev = f->level == SDC_QL_EVENT;
	int helpers = f->kind != SDC_Q_PICK && strcmp(mod, "spec") != 0;
	const struct sdc_qnode *g;
	int sorted = 0;

	if (strcmp(name, "exists_for_patient") == 0)
		*id = M_EXISTS;
	else if (strcmp(name, "count_for_patient") == 0)
		*id = M_COUNT;
	else if (ev && strcmp(name, "where") == 0)
		*id = M_WHERE;
	else if (ev && strcmp(name, "except_where") == 0)
		*id = M_EXCEPT_WHERE;
	else if (ev && strcmp(name, "sort_by") == 0)
		*id = M_SORT_BY;
	else if (ev && (strcmp(name, "first_for_patient") == 0 ||
	    strcmp(name, "last_for_patient") == 0)) {
		for (g = f; g->kind != SDC_Q_TABLE; g = g->kid[0])
			if (g->kind == SDC_Q_SORT)
				sorted = 1;
		if (!sorted)
			return 2;
		*id = name[0] == 'f' ? M_FIRST : M_LAST;
	} else if (helpers && strcmp(t, "patients") == 0 &&
	    strcmp(name, "age_on") == 0)
		*id = M_AGE_ON;
	else if (helpers && strcmp(t, "patients") == 0 &&
	    strcmp(name, "is_alive_on") == 0)
		*id = M_IS_ALIVE_ON;
	else if (helpers && strcmp(t, "patients") == 0 &&
	    strcmp(name, "is_dead_on") == 0)
		*id = M_IS_DEAD_ON;
	else if (helpers && strcmp(t, "practice_registrations") == 0 &&
	    strcmp(name, "for_patient_on") == 0)
		*id = M_REG_FOR_PATIENT_ON;
	else if (helpers && strcmp(t, "practice_registrations") == 0 &&
	    strcmp(name, "exists_for_patient_on") == 0)
		*id = M_EXISTS_FOR_PATIENT_ON;
	else if (helpers && strcmp(t, "practice_registrations") == 0 &&
	    strcmp(name, "spanning") == 0)
		*id = M_SPANNING;
	else if (helpers && strcmp(t, "practice_registrations") == 0 &&
	    strcmp(mod, "tpp") == 0 &&
	    strcmp(name, "spanning_with_systmone") == 0)
		*id = M_SPANNING_WITH_SYSTMONE;
	else if (helpers && strcmp(t, "ons_deaths") == 0 &&
	    strcmp(name, "cause_of_death_is_in") == 0)
		*id = M_CAUSE_OF_DEATH_IS_IN;
	else if (helpers && strcmp(t, "addresses") == 0 &&
	    strcmp(name, "for_patient_on") == 0)
		*id = M_ADDR_FOR_PATIENT_ON;
	else
		return 0;
	return 1;
}

static int
list_columns(const struct defn *d, const struct sdc_qnode *f, char *buf,
    size_t size)
{
	const struct sdc_schema_table *t = d->q->tables[f->table].schema;
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 1; i < t->ncolumns && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		    i > 1 ? ", " : "", t->columns[i].name);
	return 0;
}

int
defn_getattr(struct defn *d, const struct dv *obj, const char *name,
    const struct sdc_node *at, struct dv *out)
{
	enum dv_fid id;
	char cols[SDC_ERR_MSG_MAX / 2];
	size_t i;
	int r;

	switch (obj->k) {
	case DV_SERIES:
		if (obj->u.node->type == SDC_TYPE_DATE && (strcmp(name,
		    "year") == 0 || strcmp(name, "month") == 0 ||
		    strcmp(name, "day") == 0))
			return unary(d, name[0] == 'y' ? SDC_QOP_YEAR :
			    name[0] == 'm' ? SDC_QOP_MONTH : SDC_QOP_DAY,
			    obj->u.node, at, out);
		if (series_method(obj->u.node, name, &id)) {
			*out = dv_func(d, id, name, obj);
			return out->k == DV_FUNC ? 0 : -1;
		}
		break;
	case DV_FRAME:
		r = frame_method(d, obj->u.node, name, &id);
		if (r == 1) {
			*out = dv_func(d, id, name, obj);
			return out->k == DV_FUNC ? 0 : -1;
		}
		if (r == 2)
			return defn_fail(d, at, SDC_EPARSE, "%s() needs a "
			    "sorted frame: call sort_by(...) first", name);
		if (sdc_schema_column_index(d->q->tables[obj->u.node->table].
		    schema, name) > 0)
			return column(d, obj->u.node, name, at, out);
		list_columns(d, obj->u.node, cols, sizeof(cols));
		return defn_fail(d, at, SDC_EPARSE, "'%s' object has no "
		    "attribute '%s' (its columns are: %s)",
		    dv_type_name(d, obj), name, cols);
	case DV_DATEDIFF: {
		static const char *const units[] = { "days", "weeks", "months",
			"years" };
		static const enum sdc_qop ops[] = { SDC_QOP_DIFF_DAYS,
			SDC_QOP_DIFF_WEEKS, SDC_QOP_DIFF_MONTHS,
			SDC_QOP_DIFF_YEARS };
		const struct dv *l = &obj->u.pair[0], *rr = &obj->u.pair[1];
		struct sdc_qnode *a, *b;

		for (i = 0; i < 4; i++)
			if (strcmp(name, units[i]) == 0)
				break;
		if (i == 4)
			break;
		if (l->k == DV_DATE && rr->k == DV_DATE) {
			int32_t (*fn[])(int32_t, int32_t) = {
				sdc_date_diff_days, sdc_date_diff_weeks,
				sdc_date_diff_months, sdc_date_diff_years };

			*out = dv_int(fn[i](l->u.d, rr->u.d));
			return 0;
		}
		if (to_node(d, l, NULL, at, &a) != 0 ||
		    to_node(d, rr, NULL, at, &b) != 0)
			return -1;
		return binary(d, ops[i], a, b, at, out);
	}
	case DV_DATASET: {
		struct dv_dataset *ds = obj->u.ds;
		static const struct method m[] = {
			{ "define_population", M_DEFINE_POPULATION },
			{ "add_column", M_ADD_COLUMN },
			{ "configure_dummy_data", M_CONFIGURE_DUMMY_DATA },
			{ "configure_dummy_dataset", M_CONFIGURE_DUMMY_DATA },
		};

		for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
			if (strcmp(name, m[i].name) == 0) {
				*out = dv_func(d, m[i].id, name, obj);
				return out->k == DV_FUNC ? 0 : -1;
			}
		for (i = 0; i < ds->n; i++)
			if (strcmp(ds->vars[i].name, name) == 0) {
				*out = dv_node(ds->vars[i].node);
				return 0;
			}
		if (strcmp(name, "population") == 0) {
			if (ds->population == NULL)
				return defn_fail(d, at, SDC_EPARSE, "A "
				    "population has not been defined; define "
				    "one with define_population()");
			*out = dv_node(ds->population);
			return 0;
		}
		return defn_fail(d, at, SDC_EPARSE, "Variable '%s' has not been "
		    "defined", name);
	}
	case DV_WHEN:
		if (strcmp(name, "then") == 0) {
			*out = dv_func(d, M_THEN, name, obj);
			return out->k == DV_FUNC ? 0 : -1;
		}
		break;
	case DV_WHENTHEN:
		if (strcmp(name, "otherwise") == 0) {
			*out = dv_func(d, M_OTHERWISE, name, obj);
			return out->k == DV_FUNC ? 0 : -1;
		}
		break;
	case DV_DURATION:
		if (strcmp(name, "starting_on") == 0 ||
		    strcmp(name, "ending_on") == 0) {
			*out = dv_func(d, name[0] == 's' ? M_STARTING_ON :
			    M_ENDING_ON, name, obj);
			return out->k == DV_FUNC ? 0 : -1;
		}
		if (strcmp(name, "value") == 0) {
			*out = obj->u.pair[0];
			return 0;
		}
		break;
	case DV_DATE:
		if (strcmp(name, "year") == 0 || strcmp(name, "month") == 0 ||
		    strcmp(name, "day") == 0) {
			*out = dv_int(name[0] == 'y' ? sdc_date_year(obj->u.d) :
			    name[0] == 'm' ? sdc_date_month(obj->u.d) :
			    sdc_date_day(obj->u.d));
			return 0;
		}
		break;
	case DV_CODE:
		if (strcmp(name, "value") == 0) {
			*out = dv_str(obj->u.s.p, obj->u.s.len);
			return 0;
		}
		break;
	case DV_MODULE:
		return defn_module_attr(d, obj->u.mod, name, at, out);
	default:
		break;
	}
	return defn_fail(d, at, SDC_EPARSE, "'%s' object has no attribute '%s'",
	    dv_type_name(d, obj), name);
}

/* Datasets. */

static int
valid_var_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int
validate_series(struct defn *d, const struct dv *v, const char *context,
    const struct sdc_node *at)
{
	char msg[SDC_ERR_MSG_MAX];

	if (v->k == DV_SERIES) {
		if (v->u.node->level != SDC_QL_PATIENT)
			return defn_fail(d, at, SDC_EPARSE, "invalid %s: "
			    "Expecting a series with only one value per "
			    "patient", context);
		return 0;
	}
	if (v->k == DV_FRAME || v->k == DV_FUNC || v->k == DV_WHEN ||
	    v->k == DV_WHENTHEN) {
		helpful_error(d, v, at);
		snprintf(msg, sizeof(msg), "%s", d->err->msg);
		return defn_fail(d, at, SDC_EPARSE, "invalid %s: %s", context,
		    msg);
	}
	if (v->k == DV_TUPLE && v->u.seq->n == 1 &&
	    v->u.seq->v[0].k == DV_SERIES)
		return defn_fail(d, at, SDC_EPARSE, "invalid %s: Expecting an "
		    "ehrQL series, got type 'tuple' (probably a trailing comma "
		    "left on the value: write `x = something()`, not "
		    "`x = something(),`)", context);
	return defn_fail(d, at, SDC_EPARSE, "invalid %s: Expecting an ehrQL "
	    "series, got type '%s'", context, dv_type_name(d, v));
}

int
defn_set_variable(struct defn *d, struct dv_dataset *ds, const char *name,
    const struct dv *v, const struct sdc_node *at)
{
	char ctx[300];
	size_t i;

	if (strcmp(name, "population") == 0)
		return defn_fail(d, at, SDC_EPARSE, "Cannot set variable "
		    "'population'; use define_population() instead");
	for (i = 0; i < ds->n; i++)
		if (strcmp(ds->vars[i].name, name) == 0)
			return defn_fail(d, at, SDC_EPARSE, "'%s' is already set "
			    "and cannot be reassigned", name);
	if (strcmp(name, "patient_id") == 0 ||
	    strcmp(name, "dummy_data_config") == 0)
		return defn_fail(d, at, SDC_EPARSE, "'%s' is not an allowed "
		    "variable name", name);
	if (!valid_var_name(name))
		return defn_fail(d, at, SDC_EPARSE, "variable names must start "
		    "with a letter, and contain only alphanumeric characters "
		    "and underscores (you defined a variable '%s')", name);
	snprintf(ctx, sizeof(ctx), "variable '%s'", name);
	if (validate_series(d, v, ctx, at) != 0)
		return -1;
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 16;
		struct sdc_qvar *nv = defn_alloc(d, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		if (ds->n)
			memcpy(nv, ds->vars, ds->n * sizeof(*nv));
		ds->vars = nv;
		ds->cap = cap;
	}
	if ((ds->vars[ds->n].name = defn_strdup(d, name, strlen(name))) == NULL)
		return -1;
	ds->vars[ds->n++].node = v->u.node;
	return 0;
}

static int
define_population(struct defn *d, struct dv_dataset *ds, const struct dv *v,
    const struct sdc_node *vat, const struct sdc_node *at)
{
	struct sdc_qloc loc = defn_loc(d, vat);

	if (ds->population != NULL)
		return defn_fail(d, at, SDC_EPARSE, "define_population() should "
		    "be called no more than once");
	if (validate_series(d, v, "population definition", vat) != 0)
		return -1;
	if (v->u.node->type != SDC_TYPE_BOOL)
		return defn_fail(d, vat, SDC_EPARSE, "invalid population "
		    "definition: Expecting a boolean series, got series of "
		    "type '%s'", sdc_query_type_name(v->u.node->type,
		    v->u.node->system));
	if (sdc_query_set_population(d->q, v->u.node, &loc, d->err) != 0)
		return -1;
	ds->population = v->u.node;
	ds->pop_at = vat;
	return 0;
}

/* Codelists. */

static void
free_codelist(void *p)
{
	sdc_codelist_free(p);
}

static int
keep_codelist(struct defn *d, struct sdc_codelist *cl, struct dv *out)
{
	if (cl == NULL)
		return -1;
	if (sdc_query_keep(d->q, cl, free_codelist, d->err) != 0)
		return -1;
	*out = dv_none();
	out->k = DV_CODELIST;
	out->u.cl = cl;
	return 0;
}

static int
str_arg(struct defn *d, const struct dv *v, const struct sdc_node *at,
    const char *what, const char **out)
{
	if (v->k != DV_STR)
		return defn_fail(d, at, SDC_EPARSE, "%s must be a string, not "
		    "'%s'", what, dv_type_name(d, v));
	if (memchr(v->u.s.p, '\0', v->u.s.len) != NULL)
		return defn_fail(d, at, SDC_EPARSE, "%s must not contain NUL",
		    what);
	*out = v->u.s.p;
	return 0;
}

static int
f_codelist_from_csv(struct defn *d, const struct dv *arg,
    const struct sdc_node **aat, const int *set, struct dv *out)
{
	const char *path, *col, *cat = NULL;
	char full[4096];
	struct stat st;

	if (str_arg(d, &arg[0], aat[0], "filename", &path) != 0 ||
	    str_arg(d, &arg[1], aat[1], "column", &col) != 0 ||
	    (set[2] && arg[2].k != DV_NONE && str_arg(d, &arg[2], aat[2],
	    "category_column", &cat) != 0))
		return -1;
	/*
	 * ehrQL reads the path from the working directory (the project's
	 * root); sdc tries the definition's folder first, then that.
	 */
	snprintf(full, sizeof(full), "%s", path);
	if (path[0] != '/' && d->dir && *d->dir) {
		snprintf(full, sizeof(full), "%s/%s", d->dir, path);
		if (stat(full, &st) != 0)
			snprintf(full, sizeof(full), "%s", path);
	}
	if (stat(full, &st) != 0)
		return defn_fail(d, aat[0], SDC_EIO, "No CSV file at %s%s", path,
		    strchr(path, '\\') ? " (HINT: Use forward slash (/) "
		    "instead of backslash (\\) in file paths)" : "");
	return keep_codelist(d, sdc_codelist_from_csv(full, col, cat, d->err),
	    out);
}

static int
f_codelist_from_csv_lines(struct defn *d, const struct dv *arg,
    const struct sdc_node **aat, const int *set, struct dv *out)
{
	const char *col, *cat = NULL;
	struct dv_seq *lines;
	struct sdc_input *in;
	struct sdc_codelist *cl;
	char *buf, *p;
	size_t i, len = 0;

	if (str_arg(d, &arg[1], aat[1], "column", &col) != 0 ||
	    (set[2] && arg[2].k != DV_NONE && str_arg(d, &arg[2], aat[2],
	    "category_column", &cat) != 0) ||
	    dv_iter(d, &arg[0], aat[0], &lines) != 0)
		return -1;
	for (i = 0; i < lines->n; i++) {
		if (lines->v[i].k != DV_STR)
			return defn_fail(d, aat[0], SDC_EPARSE, "lines must be "
			    "strings, not '%s'", dv_type_name(d,
			    &lines->v[i]));
		len += lines->v[i].u.s.len + 1;
	}
	if ((buf = p = defn_alloc(d, len + 1)) == NULL)
		return -1;
	for (i = 0; i < lines->n; i++) {
		memcpy(p, lines->v[i].u.s.p, lines->v[i].u.s.len);
		p += lines->v[i].u.s.len;
		if (lines->v[i].u.s.len == 0 || p[-1] != '\n')
			*p++ = '\n';
	}
	if ((in = sdc_input_mem(buf, (size_t)(p - buf),
	    "codelist_from_csv_lines", d->err)) == NULL)
		return -1;
	cl = sdc_codelist_read(in, col, cat, d->err);
	sdc_input_free(in);
	if (cl == NULL) {
		char msg[SDC_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", d->err->msg);
		return defn_fail(d, aat[0], SDC_EDATA, "%s", msg);
	}
	return keep_codelist(d, cl, out);
}

/* get_parameter(name, type=str, default=...) from opts. */
static int
f_get_parameter(struct defn *d, const struct dv *arg,
    const struct sdc_node **aat, const int *set, const struct sdc_node *at,
    struct dv *out)
{
	const char *name, *val = NULL, *end;
	enum sdc_schema_type t = SDC_TYPE_STR;
	size_t i;
	double f;
	long long ll;

	if (str_arg(d, &arg[0], aat[0], "name", &name) != 0)
		return -1;
	if (set[1] && arg[1].k != DV_NONE) {
		if (arg[1].k != DV_TYPE)
			return defn_fail(d, aat[1], SDC_EPARSE, "type must be "
			    "one of str, int, float, bool");
		t = (enum sdc_schema_type)arg[1].sub;
	}
	if (d->opts)
		for (i = 0; i < d->opts->nparams; i++)
			if (strcmp(d->opts->param_names[i], name) == 0)
				val = d->opts->param_values[i];
	if (val == NULL) {
		if (set[2]) {
			*out = arg[2];
			return 0;
		}
		return defn_fail(d, at, SDC_EUSAGE, "parameter '%s' was not "
		    "given and has no default (give it after -- as --%s "
		    "VALUE)", name, name);
	}
	errno = 0;
	switch (t) {
	case SDC_TYPE_INT:
		ll = strtoll(val, (char **)&end, 10);
		if (*val == '\0' || *end != '\0' || errno)
			return defn_fail(d, at, SDC_EUSAGE, "parameter '%s': "
			    "'%s' is not an integer", name, val);
		*out = dv_int(ll);
		return 0;
	case SDC_TYPE_FLOAT:
		f = strtod(val, (char **)&end);
		if (*val == '\0' || *end != '\0')
			return defn_fail(d, at, SDC_EUSAGE, "parameter '%s': "
			    "'%s' is not a number", name, val);
		*out = dv_none();
		out->k = DV_FLOAT;
		out->u.f = f;
		return 0;
	case SDC_TYPE_BOOL:
		if (strcmp(val, "true") == 0 || strcmp(val, "True") == 0 ||
		    strcmp(val, "1") == 0)
			*out = dv_bool(1);
		else if (strcmp(val, "false") == 0 || strcmp(val, "False") ==
		    0 || strcmp(val, "0") == 0)
			*out = dv_bool(0);
		else
			return defn_fail(d, at, SDC_EUSAGE, "parameter '%s': "
			    "'%s' is not true or false", name, val);
		return 0;
	default:
		*out = dv_str(val, strlen(val));
		return 0;
	}
}

static int
intervals(struct defn *d, const struct dv *dur, const struct dv *date,
    int sign, const struct sdc_node *at, struct dv *out)
{
	static const char *const cls[] = { "days", "weeks", "months",
		"years" };
	const char *m = sign > 0 ? "starting_on" : "ending_on";
	struct dv_seq *s, *pair;
	struct dv dt = *date, tup;
	int64_t n, i;
	int32_t a, b, x;

	if (dt.k == DV_STR) {
		if (parse_date(d, dt.u.s.p, dt.u.s.len, at, &x) != 0)
			return -1;
		dt = dv_date(x);
	}
	if (dt.k != DV_DATE)
		return defn_fail(d, at, SDC_EPARSE, "%s.%s() can only be used "
		    "with a literal date, not a date series", cls[dur->sub], m);
	if (dur->u.pair[0].k != DV_INT)
		return defn_fail(d, at, SDC_EPARSE, "%s.%s() can only be used "
		    "with a literal integer value, not an integer series",
		    cls[dur->sub], m);
	n = dur->u.pair[0].u.i;
	if (n < 0)
		return defn_fail(d, at, SDC_EDATA, "%s.%s() can only be used "
		    "with positive numbers", cls[dur->sub], m);
	if (n > 100000)
		return defn_fail(d, at, SDC_ELIMIT, "%s.%s(): at most 100000 "
		    "intervals", cls[dur->sub], m);
	if ((s = dv_seq_new(d, (size_t)n)) == NULL)
		return -1;
	/* ehrql/utils/date_utils.py generate_intervals */
	for (i = 0; i < n; i++) {
		int64_t k = sign > 0 ? i : -(n - i);
		int rc;

		switch (dur->sub) {
		case DUR_DAYS:
			rc = sdc_date_add_days(dt.u.d, k, &a) |
			    sdc_date_add_days(dt.u.d, k + 1, &b);
			break;
		case DUR_WEEKS:
			rc = sdc_date_add_weeks(dt.u.d, k, &a) |
			    sdc_date_add_weeks(dt.u.d, k + 1, &b);
			break;
		case DUR_MONTHS:
			rc = sdc_date_add_months(dt.u.d, k, &a) |
			    sdc_date_add_months(dt.u.d, k + 1, &b);
			break;
		default:
			rc = sdc_date_add_years(dt.u.d, k, &a) |
			    sdc_date_add_years(dt.u.d, k + 1, &b);
			break;
		}
		if (rc != 0)
			return defn_fail(d, at, SDC_EDATA, "date value out of "
			    "range");
		if (sign < 0) {	/* ending on date: shift by one day */
			if (sdc_date_add_days(a, 1, &a) != 0 ||
			    sdc_date_add_days(b, 1, &b) != 0)
				return defn_fail(d, at, SDC_EDATA, "date value "
				    "out of range");
		}
		if ((pair = dv_seq_new(d, 2)) == NULL ||
		    dv_seq_push(d, pair, dv_date(a)) != 0 ||
		    sdc_date_add_days(b, -1, &b) != 0 ||
		    dv_seq_push(d, pair, dv_date(b)) != 0)
			return -1;
		tup = dv_none();
		tup.k = DV_TUPLE;
		tup.u.seq = pair;
		if (dv_seq_push(d, s, tup) != 0)
			return -1;
	}
	*out = dv_none();
	out->k = DV_LIST;
	out->u.seq = s;
	return 0;
}

static int
extremum(struct defn *d, enum sdc_qop op, const struct dv_argv *a,
    const char *fname, const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode **kids, *like = NULL, *n;
	size_t i;

	if (a->nkw > 0)
		return defn_fail(d, a->kwat[0], SDC_EPARSE, "%s() got an "
		    "unexpected keyword argument '%s'", fname, a->kwname[0]);
	if (a->n == 0)
		return defn_fail(d, at, SDC_EPARSE, "%s() missing 1 required "
		    "positional argument: 'value'", fname);
	/* ehrQL's cast_all_arguments: cast to the first series */
	for (i = 0; i < a->n && like == NULL; i++)
		if (a->v[i].k == DV_SERIES)
			like = a->v[i].u.node;
	if ((kids = defn_alloc(d, a->n * sizeof(*kids))) == NULL)
		return -1;
	for (i = 0; i < a->n; i++)
		if (to_node(d, &a->v[i], like, a->at[i], &kids[i]) != 0)
			return -1;
	n = sdc_query_extremum(d->q, op, kids, a->n, &loc, d->err);
	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

static int
f_case(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
    struct dv *out)
{
	struct sdc_qnode **conds;
	struct dv *vals, otherwise = dv_none();
	const struct sdc_node **vat, *oat = at;
	size_t i;

	for (i = 0; i < a->nkw; i++) {
		if (strcmp(a->kwname[i], "otherwise") != 0 &&
		    strcmp(a->kwname[i], "default") != 0)
			return defn_fail(d, a->kwat[i], SDC_EPARSE, "case() got "
			    "an unexpected keyword argument '%s'",
			    a->kwname[i]);
		if (otherwise.k != DV_NONE && a->kw[i].k != DV_NONE)
			return defn_fail(d, a->kwat[i], SDC_EPARSE, "Use "
			    "`otherwise` instead of `default`");
		otherwise = a->kw[i];
		oat = a->kwat[i];
	}
	conds = defn_alloc(d, (a->n + 1) * sizeof(*conds));
	vals = defn_alloc(d, (a->n + 1) * sizeof(*vals));
	vat = defn_alloc(d, (a->n + 1) * sizeof(*vat));
	if (!conds || !vals || !vat)
		return -1;
	for (i = 0; i < a->n; i++) {
		const struct dv *c = &a->v[i];

		if (c->k == DV_WHEN)
			return defn_fail(d, a->at[i], SDC_EPARSE, "`when(...)` "
			    "clause missing a `.then(...)` value in `case()` "
			    "expression");
		if (c->k == DV_SERIES && c->u.node->kind == SDC_Q_CASE &&
		    c->u.node->n <= 3)
			return defn_fail(d, a->at[i], SDC_EPARSE, "invalid "
			    "syntax for `otherwise` in `case()` expression: "
			    "write case(when(...).then(...), otherwise=...), "
			    "not case(when(...).then(...).otherwise(...))");
		if (c->k != DV_WHENTHEN)
			return defn_fail(d, a->at[i], SDC_EPARSE, "cases must be "
			    "specified in the form: when(<CONDITION>).then("
			    "<VALUE>)");
		conds[i] = c->u.pair[0].u.node;
		vals[i] = c->u.pair[1];
		vat[i] = a->at[i];
	}
	if (a->n == 0)
		return defn_fail(d, at, SDC_EPARSE, "`case()` expression "
		    "requires at least one case");
	return case_build(d, conds, vals, vat, a->n, &otherwise, oat, at, out);
}

static int
new_dataset(struct defn *d, struct dv *out)
{
	struct dv_dataset *ds = defn_alloc(d, sizeof(*ds));

	if (ds == NULL)
		return -1;
	*out = dv_none();
	out->k = DV_DATASET;
	out->u.ds = ds;
	return 0;
}

static int
no_args(struct defn *d, const struct dv_argv *a, const char *fname)
{
	if (a->n > 0)
		return defn_fail(d, a->at[0], SDC_EPARSE, "%s() takes no "
		    "arguments (%zu given)", fname, a->n);
	if (a->nkw > 0)
		return defn_fail(d, a->kwat[0], SDC_EPARSE, "%s() got an "
		    "unexpected keyword argument '%s'", fname, a->kwname[0]);
	return 0;
}

static int
one_arg(struct defn *d, const struct dv_argv *a, const char *fname,
    const char *pname, const struct sdc_node *at, struct dv *arg,
    const struct sdc_node **aat)
{
	int set[1];
	const struct params p = { fname, &pname, 1, 1, 1 };

	return bind(d, &p, a, at, arg, aat, set);
}

int
defn_call_builtin(struct defn *d, const struct dv_func *fn,
    const struct dv_argv *a, const struct sdc_node *at, struct dv *out)
{
	struct dv arg[MAXP], v, *p;
	const struct sdc_node *aat[MAXP];
	int set[MAXP];
	struct sdc_qnode *self = NULL, *o;
	const char *name = fn->name;
	int32_t x;

	if (fn->self.k == DV_SERIES || fn->self.k == DV_FRAME)
		self = fn->self.u.node;
	switch (fn->id) {
	case F_CREATE_DATASET:
		if (no_args(d, a, name) != 0)
			return -1;
		return new_dataset(d, out);
	case F_DAYS:
	case F_WEEKS:
	case F_MONTHS:
	case F_YEARS:
		if (one_arg(d, a, name, "value", at, arg, aat) != 0)
			return -1;
		return make_duration(d, (int)(fn->id - F_DAYS), &arg[0], aat[0],
		    out);
	case F_WHEN: {
		struct sdc_qnode *c;

		if (one_arg(d, a, name, "condition", at, arg, aat) != 0 ||
		    to_node(d, &arg[0], NULL, aat[0], &c) != 0)
			return -1;
		if (c->type != SDC_TYPE_BOOL)
			return defn_fail(d, aat[0], SDC_EPARSE, "invalid case "
			    "condition: Expecting a boolean series, got series "
			    "of type '%s'", sdc_query_type_name(c->type,
			    c->system));
		if ((p = defn_alloc(d, sizeof(*p))) == NULL)
			return -1;
		*p = dv_node(c);
		*out = dv_none();
		out->k = DV_WHEN;
		out->u.pair = p;
		return 0;
	}
	case M_THEN:
		if (one_arg(d, a, name, "value", at, arg, aat) != 0)
			return -1;
		if (arg[0].k != DV_NONE && arg[0].k != DV_SERIES &&
		    to_node(d, &arg[0], NULL, aat[0], &o) != 0)
			return -1;
		if ((p = defn_alloc(d, 2 * sizeof(*p))) == NULL)
			return -1;
		p[0] = fn->self.u.pair[0];
		p[1] = arg[0];
		*out = dv_none();
		out->k = DV_WHENTHEN;
		out->u.pair = p;
		return 0;
	case M_OTHERWISE: {
		struct sdc_qnode *c = fn->self.u.pair[0].u.node;
		const struct sdc_node *vat[1] = { at };

		if (one_arg(d, a, name, "value", at, arg, aat) != 0)
			return -1;
		return case_build(d, &c, &fn->self.u.pair[1], vat, 1, &arg[0],
		    aat[0], at, out);
	}
	case F_CASE:
		return f_case(d, a, at, out);
	case F_MAXIMUM_OF:
	case F_MINIMUM_OF:
		return extremum(d, fn->id == F_MAXIMUM_OF ? SDC_QOP_MAX :
		    SDC_QOP_MIN, a, name, at, out);
	case F_CODELIST_FROM_CSV: {
		BIND(name, 3, 1, 2, "filename", "column", "category_column");
		return f_codelist_from_csv(d, arg, aat, set, out);
	}
	case F_CODELIST_FROM_CSV_LINES: {
		BIND(name, 3, 1, 2, "lines", "column", "category_column");
		return f_codelist_from_csv_lines(d, arg, aat, set, out);
	}
	case F_CODE:
		if (one_arg(d, a, name, "value", at, arg, aat) != 0)
			return -1;
		if (arg[0].k != DV_STR)
			return defn_fail(d, aat[0], SDC_EPARSE, "%s() needs a "
			    "string, not '%s'", name, dv_type_name(d, &arg[0]));
		return make_code(d, (enum sdc_code_system)fn->sub,
		    defn_strdup(d, arg[0].u.s.p, arg[0].u.s.len),
		    arg[0].u.s.len, aat[0], out);
	case F_DATE: {
		int64_t y, m, dd;

		BIND(name, 3, 3, 3, "year", "month", "day");
		if (arg[0].k != DV_INT || arg[1].k != DV_INT ||
		    arg[2].k != DV_INT)
			return defn_fail(d, at, SDC_EPARSE, "date() arguments "
			    "must be integers");
		y = arg[0].u.i;
		m = arg[1].u.i;
		dd = arg[2].u.i;
		if (y < 1 || y > 9999)
			return defn_fail(d, aat[0], SDC_EDATA, "year %" PRId64
			    " is out of range", y);
		if (m < 1 || m > 12)
			return defn_fail(d, aat[1], SDC_EDATA, "month must be "
			    "in 1..12");
		if (dd < 1 || dd > sdc_date_days_in_month(y, (int)m) ||
		    sdc_date_from_ymd(y, (int)m, (int)dd, &x) != 0)
			return defn_fail(d, aat[2], SDC_EDATA, "day is out of "
			    "range for month");
		*out = dv_date(x);
		return 0;
	}
	case F_GET_PARAMETER: {
		BIND(name, 3, 3, 1, "name", "type", "default");
		return f_get_parameter(d, arg, aat, set, at, out);
	}
	case F_ABS:
		if (one_arg(d, a, name, "x", at, arg, aat) != 0)
			return -1;
		if (arg[0].k == DV_SERIES && (arg[0].u.node->type ==
		    SDC_TYPE_INT || arg[0].u.node->type == SDC_TYPE_FLOAT))
			return unary(d, SDC_QOP_ABS, arg[0].u.node, at, out);
		if (arg[0].k == DV_INT) {
			if (arg[0].u.i == INT64_MIN)
				return defn_fail(d, at, SDC_EDATA, "integer "
				    "overflow");
			*out = dv_int(arg[0].u.i < 0 ? -arg[0].u.i :
			    arg[0].u.i);
			return 0;
		}
		if (arg[0].k == DV_FLOAT) {
			*out = arg[0];
			out->u.f = fabs(arg[0].u.f);
			return 0;
		}
		return defn_fail(d, aat[0], SDC_EPARSE, "bad operand type for "
		    "abs(): '%s'", dv_type_name(d, &arg[0]));
	case F_LEN: {
		struct dv_seq *s;

		if (one_arg(d, a, name, "obj", at, arg, aat) != 0)
			return -1;
		if (arg[0].k == DV_STR) {
			*out = dv_int((int64_t)arg[0].u.s.len);
			return 0;
		}
		if (arg[0].k == DV_DICT) {
			*out = dv_int((int64_t)arg[0].u.seq->n / 2);
			return 0;
		}
		if (arg[0].k != DV_LIST && arg[0].k != DV_TUPLE &&
		    arg[0].k != DV_CODELIST)
			return defn_fail(d, aat[0], SDC_EPARSE, "object of type "
			    "'%s' has no len()", dv_type_name(d, &arg[0]));
		if (dv_iter(d, &arg[0], aat[0], &s) != 0)
			return -1;
		*out = dv_int((int64_t)s->n);
		return 0;
	}

	/* Series methods. */
	case M_IS_NULL:
	case M_IS_NOT_NULL:
		if (no_args(d, a, name) != 0)
			return -1;
		return unary(d, fn->id == M_IS_NULL ? SDC_QOP_IS_NULL :
		    SDC_QOP_IS_NOT_NULL, self, at, out);
	case M_WHEN_NULL_THEN:
		if (one_arg(d, a, name, "other", at, arg, aat) != 0)
			return -1;
		return series_op(d, SDC_QOP_WHEN_NULL, self, &arg[0], 0, at,
		    out);
	case M_IS_IN:
	case M_IS_NOT_IN:
		if (self->type == SDC_TYPE_MULTICODE && fn->id == M_IS_NOT_IN)
			return defn_fail(d, at, SDC_EPARSE, "You are attempting "
			    "to use `.is_not_in()` on a column that contains "
			    "multiple clinical codes joined together. This is "
			    "not allowed. If you want to know if the column "
			    "does not contain any of the codes from a "
			    "codelist, then please use "
			    "`~column.contains_any_of(codelist)` instead.");
		if (one_arg(d, a, name, "other", at, arg, aat) != 0 ||
		    m_is_in(d, self, &arg[0], aat[0], at, &v) != 0)
			return -1;
		if (fn->id == M_IS_IN) {
			*out = v;
			return 0;
		}
		return unary(d, SDC_QOP_NOT, v.u.node, at, out);
	case M_MAP_VALUES:
	case M_TO_CATEGORY: {
		BIND(name, 2, 2, 1, fn->id == M_MAP_VALUES ? "mapping" :
		    "categorisation", "default");
		return m_map_values(d, self, &arg[0], &arg[1], aat[0], aat[1],
		    at, out);
	}
	case M_COUNT_DISTINCT:
	case M_SUM:
	case M_MEAN:
	case M_MIN:
	case M_MAX:
	case M_EXISTS:
	case M_COUNT:
		if (no_args(d, a, name) != 0)
			return -1;
		return aggregate(d, fn->id == M_COUNT_DISTINCT ?
		    SDC_QOP_AGG_COUNT_DISTINCT : fn->id == M_SUM ?
		    SDC_QOP_AGG_SUM : fn->id == M_MEAN ? SDC_QOP_AGG_MEAN :
		    fn->id == M_MIN ? SDC_QOP_AGG_MIN : fn->id == M_MAX ?
		    SDC_QOP_AGG_MAX : fn->id == M_EXISTS ? SDC_QOP_AGG_EXISTS :
		    SDC_QOP_AGG_COUNT, self, 0, at, out);
	case M_AS_INT:
	case M_AS_FLOAT:
	case M_ABSOLUTE:
	case M_TO_FIRST_OF_YEAR:
	case M_TO_FIRST_OF_MONTH:
		if (no_args(d, a, name) != 0)
			return -1;
		return unary(d, fn->id == M_AS_INT ? SDC_QOP_AS_INT :
		    fn->id == M_AS_FLOAT ? SDC_QOP_AS_FLOAT :
		    fn->id == M_ABSOLUTE ? SDC_QOP_ABS :
		    fn->id == M_TO_FIRST_OF_YEAR ? SDC_QOP_FIRST_OF_YEAR :
		    SDC_QOP_FIRST_OF_MONTH, self, at, out);
	case M_CONTAINS:
		if (one_arg(d, a, name, "other", at, arg, aat) != 0)
			return -1;
		return m_contains(d, self, &arg[0], aat[0], at, out);
	case M_CONTAINS_ANY_OF:
		if (one_arg(d, a, name, "codelist", at, arg, aat) != 0)
			return -1;
		return m_contains_any_of(d, self, &arg[0], aat[0], at, out);
	case M_IS_BEFORE:
	case M_IS_ON_OR_BEFORE:
	case M_IS_AFTER:
	case M_IS_ON_OR_AFTER:
		if (one_arg(d, a, name, "other", at, arg, aat) != 0)
			return -1;
		return compare(d, fn->id == M_IS_BEFORE ? SDC_OP_LT :
		    fn->id == M_IS_ON_OR_BEFORE ? SDC_OP_LE :
		    fn->id == M_IS_AFTER ? SDC_OP_GT : SDC_OP_GE, self,
		    &arg[0], at, out);
	case M_IS_BETWEEN_BUT_NOT_ON:
	case M_IS_ON_OR_BETWEEN: {
		BIND(name, 2, 2, 2, "start", "end");
		return m_between(d, self, &arg[0], &arg[1],
		    fn->id == M_IS_ON_OR_BETWEEN, at, out);
	}
	case M_IS_DURING: {
		struct dv_seq *s;

		if (one_arg(d, a, name, "interval", at, arg, aat) != 0 ||
		    dv_iter(d, &arg[0], aat[0], &s) != 0)
			return -1;
		if (s->n != 2)
			return defn_fail(d, aat[0], SDC_EPARSE, "is_during() "
			    "needs a (start, end) pair, got %zu values", s->n);
		return m_between(d, self, &s->v[0], &s->v[1], 1, at, out);
	}
	case M_COUNT_EPISODES: {
		const struct dv *g = &arg[0];
		int64_t gap;

		if (one_arg(d, a, name, "maximum_gap", at, arg, aat) != 0)
			return -1;
		if (g->k != DV_DURATION || (g->sub != DUR_DAYS &&
		    g->sub != DUR_WEEKS))
			return defn_fail(d, aat[0], SDC_EPARSE, "`maximum_gap` "
			    "must be supplied as `days()` or `weeks()`");
		if (g->u.pair[0].k != DV_INT)
			return defn_fail(d, aat[0], SDC_EPARSE, "`maximum_gap` "
			    "must be a single, fixed number of %s",
			    g->sub == DUR_DAYS ? "days" : "weeks");
		gap = g->u.pair[0].u.i;
		if (g->sub == DUR_WEEKS && __builtin_mul_overflow(gap, 7, &gap))
			return defn_fail(d, aat[0], SDC_EDATA, "integer "
			    "overflow");
		return aggregate(d, SDC_QOP_AGG_COUNT_EPISODES, self, gap, at,
		    out);
	}

	/* Frame methods. */
	case M_WHERE:
	case M_EXCEPT_WHERE:
		if (one_arg(d, a, name, "condition", at, arg, aat) != 0)
			return -1;
		return m_filter(d, fn->id == M_WHERE ? SDC_Q_WHERE :
		    SDC_Q_EXCEPT, self, &arg[0], aat[0], at, out);
	case M_SORT_BY:
		if (a->nkw > 0)
			return defn_fail(d, a->kwat[0], SDC_EPARSE, "sort_by() "
			    "got an unexpected keyword argument '%s'",
			    a->kwname[0]);
		return m_sort_by(d, self, a->v, a->at, a->n, at, out);
	case M_FIRST:
	case M_LAST:
		if (no_args(d, a, name) != 0)
			return -1;
		return pick(d, fn->id == M_FIRST ? SDC_QOP_FIRST :
		    SDC_QOP_LAST, self, at, out);
	case M_AGE_ON: {
		struct dv dob, diff;

		if (one_arg(d, a, name, "date", at, arg, aat) != 0 ||
		    column(d, self, "date_of_birth", at, &dob) != 0 ||
		    defn_date_binop(d, SDC_OP_SUB, &arg[0], &dob, at,
		    &diff) != 0)
			return -1;
		return defn_getattr(d, &diff, "years", at, out);
	}
	case M_IS_ALIVE_ON:
	case M_IS_DEAD_ON: {
		struct dv dod, l, r;

		if (one_arg(d, a, name, "date", at, arg, aat) != 0 ||
		    column(d, self, "date_of_death", at, &dod) != 0)
			return -1;
		if (fn->id == M_IS_ALIVE_ON) {
			if (compare(d, SDC_OP_GT, dod.u.node, &arg[0], at,
			    &l) != 0 || unary(d, SDC_QOP_IS_NULL, dod.u.node,
			    at, &r) != 0)
				return -1;
			return binary(d, SDC_QOP_OR, l.u.node, r.u.node, at,
			    out);
		}
		if (unary(d, SDC_QOP_IS_NOT_NULL, dod.u.node, at, &l) != 0 ||
		    compare(d, SDC_OP_LT, dod.u.node, &arg[0], at, &r) != 0)
			return -1;
		return binary(d, SDC_QOP_AND, l.u.node, r.u.node, at, out);
	}
	case M_REG_FOR_PATIENT_ON:
	case M_ADDR_FOR_PATIENT_ON:
		if (one_arg(d, a, name, "date", at, arg, aat) != 0)
			return -1;
		return h_reg_for_patient_on(d, self, &arg[0], at, out);
	case M_EXISTS_FOR_PATIENT_ON:
		if (one_arg(d, a, name, "date", at, arg, aat) != 0 ||
		    h_spanning(d, self, &arg[0], &arg[0], at, &v) != 0)
			return -1;
		return aggregate(d, SDC_QOP_AGG_EXISTS, v.u.node, 0, at, out);
	case M_SPANNING:
	case M_SPANNING_WITH_SYSTMONE: {
		struct dv go, c;

		BIND(name, 2, 2, 2, "start_date", "end_date");
		if (h_spanning(d, self, &arg[0], &arg[1], at, out) != 0)
			return -1;
		if (fn->id == M_SPANNING)
			return 0;
		v = *out;
		if (column(d, self, "practice_systmone_go_live_date", at,
		    &go) != 0 ||
		    compare(d, SDC_OP_LE, go.u.node, &arg[0], at, &c) != 0)
			return -1;
		return m_filter(d, SDC_Q_WHERE, v.u.node, &c, at, at, out);
	}
	case M_CAUSE_OF_DEATH_IS_IN:
		if (one_arg(d, a, name, "codelist", at, arg, aat) != 0)
			return -1;
		return h_cause_of_death_is_in(d, self, &arg[0], aat[0], at,
		    out);

	/* Datasets. */
	case M_DEFINE_POPULATION:
		if (one_arg(d, a, name, "population_condition", at, arg,
		    aat) != 0)
			return -1;
		if (define_population(d, fn->self.u.ds, &arg[0], aat[0],
		    at) != 0)
			return -1;
		*out = dv_none();
		return 0;
	case M_ADD_COLUMN: {
		BIND(name, 2, 2, 2, "column_name", "ehrql_query");
		if (arg[0].k != DV_STR)
			return defn_fail(d, aat[0], SDC_EPARSE, "attribute name "
			    "must be string, not '%s'", dv_type_name(d,
			    &arg[0]));
		if (defn_set_variable(d, fn->self.u.ds, defn_strdup(d,
		    arg[0].u.s.p, arg[0].u.s.len), &arg[1], aat[1]) != 0)
			return -1;
		*out = dv_none();
		return 0;
	}
	case M_CONFIGURE_DUMMY_DATA: {
		struct dv_dataset *ds = fn->self.u.ds;

		BIND(name, 4, 0, 0, "population_size", "legacy", "timeout",
		    "additional_population_constraint");
		if (set[0]) {
			if (arg[0].k != DV_INT || arg[0].u.i < 1)
				return defn_fail(d, aat[0], SDC_EDATA,
				    "population_size must be a positive "
				    "integer");
			ds->population_size = arg[0].u.i;
		}
		if (set[3] && arg[3].k != DV_NONE) {
			if (arg[3].k != DV_SERIES ||
			    arg[3].u.node->level != SDC_QL_PATIENT ||
			    arg[3].u.node->type != SDC_TYPE_BOOL)
				return defn_fail(d, aat[3], SDC_EPARSE,
				    "invalid additional population constraint: "
				    "Expecting a boolean series with only one "
				    "value per patient");
		}
		ds->dummy_call = at;
		*out = dv_none();
		return 0;
	}
	case M_STARTING_ON:
	case M_ENDING_ON:
		if (one_arg(d, a, name, "date", at, arg, aat) != 0)
			return -1;
		return intervals(d, &fn->self, &arg[0], fn->id == M_STARTING_ON ?
		    1 : -1, aat[0], out);
	default:
		break;
	}
	(void)x;
	return defn_fail(d, at, SDC_EPARSE, "%s() is not supported", name);
}

/* The ehrql modules. */

struct modname {
	const char *name;
	enum dv_fid id;
	int sub;
};

static const struct modname ehrql_names[] = {
	{ "create_dataset", F_CREATE_DATASET, 0 },
	{ "Dataset", F_CREATE_DATASET, 0 },
	{ "days", F_DAYS, 0 }, { "weeks", F_WEEKS, 0 },
	{ "months", F_MONTHS, 0 }, { "years", F_YEARS, 0 },
	{ "case", F_CASE, 0 }, { "when", F_WHEN, 0 },
	{ "maximum_of", F_MAXIMUM_OF, 0 }, { "minimum_of", F_MINIMUM_OF, 0 },
	{ "codelist_from_csv", F_CODELIST_FROM_CSV, 0 },
	{ "get_parameter", F_GET_PARAMETER, 0 },
}, codes_names[] = {
	{ "codelist_from_csv", F_CODELIST_FROM_CSV, 0 },
	{ "codelist_from_csv_lines", F_CODELIST_FROM_CSV_LINES, 0 },
	{ "SNOMEDCTCode", F_CODE, SDC_CODE_SNOMEDCT },
	{ "CTV3Code", F_CODE, SDC_CODE_CTV3 },
	{ "ICD10Code", F_CODE, SDC_CODE_ICD10 },
	{ "OPCS4Code", F_CODE, SDC_CODE_OPCS4 },
	{ "DMDCode", F_CODE, SDC_CODE_DMD },
	{ "BNFCode", F_CODE, SDC_CODE_BNF },
}, ql_names[] = {
	{ "create_dataset", F_CREATE_DATASET, 0 },
	{ "Dataset", F_CREATE_DATASET, 0 },
	{ "days", F_DAYS, 0 }, { "weeks", F_WEEKS, 0 },
	{ "months", F_MONTHS, 0 }, { "years", F_YEARS, 0 },
	{ "case", F_CASE, 0 }, { "when", F_WHEN, 0 },
	{ "maximum_of", F_MAXIMUM_OF, 0 }, { "minimum_of", F_MINIMUM_OF, 0 },
}, datetime_names[] = {
	{ "date", F_DATE, 0 },
};

static const struct modname *
mod_table(const struct dv_module *m, size_t *n)
{
	switch (m->kind) {
	case MOD_EHRQL:
		*n = sizeof(ehrql_names) / sizeof(ehrql_names[0]);
		return ehrql_names;
	case MOD_CODES:
		*n = sizeof(codes_names) / sizeof(codes_names[0]);
		return codes_names;
	case MOD_QL:
		*n = sizeof(ql_names) / sizeof(ql_names[0]);
		return ql_names;
	case MOD_DATETIME:
		*n = sizeof(datetime_names) / sizeof(datetime_names[0]);
		return datetime_names;
	default:
		*n = 0;
		return NULL;
	}
}

const char *const *
defn_module_names(struct defn *d, struct dv_module *m, size_t *n)
{
	const struct modname *t;
	const struct sdc_schema_table *tabs;
	const char **names;
	size_t i, k;

	if (m->kind == MOD_SCHEMA) {
		tabs = sdc_schema_tables(m->schema, &k);
		if ((names = defn_alloc(d, (k + 1) * sizeof(*names))) == NULL)
			return NULL;
		for (i = 0; i < k; i++)
			names[i] = tabs[i].name;
		*n = k;
		return names;
	}
	t = mod_table(m, &k);
	if ((names = defn_alloc(d, (k + 1) * sizeof(*names))) == NULL)
		return NULL;
	for (i = 0; i < k; i++)
		names[i] = t[i].name;
	*n = k;
	return names;
}

static int
submodule(struct defn *d, const char *name, enum dv_modkind kind,
    const char *schema, struct dv *out)
{
	struct dv_module *m;

	for (m = d->mods; m != NULL; m = m->next)
		if (m->kind == kind && strcmp(m->name, name) == 0)
			break;
	if (m == NULL) {
		if ((m = defn_alloc(d, sizeof(*m))) == NULL)
			return -1;
		m->kind = kind;
		m->name = name;
		m->schema = schema;
		m->next = d->mods;
		d->mods = m;
	}
	*out = dv_none();
	out->k = DV_MODULE;
	out->u.mod = m;
	return 0;
}

int
defn_module_attr(struct defn *d, struct dv_module *m, const char *name,
    const struct sdc_node *at, struct dv *out)
{
	const struct modname *t;
	const struct sdc_schema_table *tab, *tabs;
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n;
	char list[SDC_ERR_MSG_MAX / 2];
	size_t i, k, off = 0;
	int spec = d->opts && d->opts->spec_tables;

	switch (m->kind) {
	case MOD_USER:
		return defn_user_module_attr(d, m, name, at, out);
	case MOD_SCHEMA:
		tab = sdc_schema_table(m->schema, name);
		if (tab == NULL) {
			tabs = sdc_schema_tables(m->schema, &k);
			list[0] = '\0';
			for (i = 0; i < k && off < sizeof(list); i++)
				off += (size_t)snprintf(list + off,
				    sizeof(list) - off, "%s%s", i ? ", " : "",
				    tabs[i].name);
			return defn_fail(d, at, SDC_EPARSE, "cannot import name "
			    "'%s' from '%s' (its tables are: %s)", name,
			    m->name, list);
		}
		if ((n = sdc_query_select(d->q, tab, &loc, d->err)) == NULL)
			return -1;
		*out = dv_node(n);
		return 0;
	case MOD_EHRQL:
		if (strcmp(name, "tables") == 0)
			return submodule(d, "ehrql.tables", MOD_TABLES, NULL,
			    out);
		if (strcmp(name, "codes") == 0)
			return submodule(d, "ehrql.codes", MOD_CODES, NULL, out);
		if (strcmp(name, "query_language") == 0)
			return submodule(d, "ehrql.query_language", MOD_QL,
			    NULL, out);
		break;
	case MOD_TABLES:
		if (strcmp(name, "core") == 0)
			return submodule(d, "ehrql.tables.core", MOD_SCHEMA,
			    "core", out);
		if (strcmp(name, "tpp") == 0)
			return submodule(d, "ehrql.tables.tpp", MOD_SCHEMA,
			    "tpp", out);
		if (strcmp(name, "spec") == 0 && spec)
			return submodule(d, "ehrql.tables.spec", MOD_SCHEMA,
			    "spec", out);
		break;
	default:
		break;
	}
	t = mod_table(m, &k);
	for (i = 0; i < k; i++)
		if (strcmp(t[i].name, name) == 0) {
			*out = dv_func(d, t[i].id, t[i].name, NULL);
			if (out->k != DV_FUNC)
				return -1;
			out->u.fn->sub = t[i].sub;
			return 0;
		}
	if (m->kind == MOD_EHRQL && (strcmp(name, "Measures") == 0 ||
	    strcmp(name, "create_measures") == 0 ||
	    strcmp(name, "INTERVAL") == 0 || strcmp(name, "show") == 0 ||
	    strcmp(name, "table_from_file") == 0))
		return defn_fail(d, at, SDC_EPARSE, "'%s' from ehrql is not "
		    "supported by sdc-extract", name);
	return defn_fail(d, at, SDC_EPARSE, "cannot import name '%s' from "
	    "'%s'", name, m->name);
}
