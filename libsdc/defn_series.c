/*
 * defn_series.c - ehrQL's series for the definition checker: casting
 * literals to the series they meet, operators on series, the series
 * methods (is_in, map_values, contains, comparisons, aggregations),
 * case/when and maximum_of/minimum_of.  Source: ehrql/query_language.py.
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

int
defn_parse_date(struct defn *d, const char *s, size_t len,
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


int
defn_make_code(struct defn *d, enum sdc_code_system sys, const char *s, size_t len,
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
		if (defn_parse_date(d, v->u.s.p, v->u.s.len, at, &x) != 0)
			return -1;
		*out = dv_date(x);
	} else if (like->type == SDC_TYPE_CODE && v->k == DV_STR)
		return defn_make_code(d, like->system, v->u.s.p, v->u.s.len, at, out);
	return 0;
}

int
defn_helpful_error(struct defn *d, const struct dv *v, const struct sdc_node *at)
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
		return defn_helpful_error(d, v, at);
	}
	*out = sdc_query_value(d->q, t, sys, &q, &loc, d->err);
	return *out ? 0 : -1;
}

/* v as a series node meeting like (NULL: v's own type). */
int
defn_to_node(struct defn *d, const struct dv *v, const struct sdc_qnode *like,
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
	if (defn_to_node(d, v, like, at, &n) != 0)
		return -1;
	if (n->type != like->type || n->system != like->system)
		return defn_fail(d, at, SDC_EPARSE, "Expected type '%s' but "
		    "got '%s'", sdc_query_type_name(like->type, like->system),
		    sdc_query_type_name(n->type, n->system));
	*out = n->val;
	return 0;
}

/* Small builder wrappers returning values. */

int
defn_qunary(struct defn *d, enum sdc_qop op, struct sdc_qnode *a,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *n = sdc_query_unary(d->q, op, a, &loc, d->err);

	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

int
defn_qbinary(struct defn *d, enum sdc_qop op, struct sdc_qnode *a,
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
int
defn_series_op(struct defn *d, enum sdc_qop op, struct sdc_qnode *self,
    const struct dv *other, int reflected, const struct sdc_node *at,
    struct dv *out)
{
	struct sdc_qnode *o;

	if (defn_to_node(d, other, self, at, &o) != 0)
		return -1;
	return reflected ? defn_qbinary(d, op, o, self, at, out) :
	    defn_qbinary(d, op, self, o, at, out);
}

/* Operators. */

int
defn_series_unsupported(struct defn *d, enum sdc_op op, const struct dv *l,
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
		return defn_series_op(d, op == SDC_OP_EQ ? SDC_QOP_EQ : SDC_QOP_NE,
		    self, other, 0, at, out);
	case SDC_OP_LT:
	case SDC_OP_LE:
	case SDC_OP_GT:
	case SDC_OP_GE:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT &&
		    t != SDC_TYPE_STR && t != SDC_TYPE_DATE)
			return defn_series_unsupported(d, op, l, r, at);
		if (reflected)	/* 5 < x is x > 5 */
			op = op == SDC_OP_LT ? SDC_OP_GT : op == SDC_OP_LE ?
			    SDC_OP_GE : op == SDC_OP_GT ? SDC_OP_LT : SDC_OP_LE;
		qop = op == SDC_OP_LT ? SDC_QOP_LT : op == SDC_OP_LE ?
		    SDC_QOP_LE : op == SDC_OP_GT ? SDC_QOP_GT : SDC_QOP_GE;
		return defn_series_op(d, qop, self, other, 0, at, out);
	case SDC_OP_ADD:
	case SDC_OP_SUB:
	case SDC_OP_MUL:
	case SDC_OP_DIV:
	case SDC_OP_FLOORDIV:
	case SDC_OP_POW:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT)
			return defn_series_unsupported(d, op, l, r, at);
		if (other->k != DV_SERIES && other->k != DV_INT &&
		    other->k != DV_FLOAT && other->k != DV_BOOL)
			return defn_series_unsupported(d, op, l, r, at);
		qop = op == SDC_OP_ADD ? SDC_QOP_ADD : op == SDC_OP_SUB ?
		    SDC_QOP_SUB : op == SDC_OP_MUL ? SDC_QOP_MUL :
		    op == SDC_OP_DIV ? SDC_QOP_DIV : op == SDC_OP_FLOORDIV ?
		    SDC_QOP_FLOORDIV : SDC_QOP_POW;
		/* ehrQL's __radd__ and __rmul__ are self + other */
		return defn_series_op(d, qop, self, other, reflected &&
		    qop != SDC_QOP_ADD && qop != SDC_QOP_MUL, at, out);
	case SDC_OP_BITAND:
	case SDC_OP_BITOR:
		if (t != SDC_TYPE_BOOL || (other->k != DV_SERIES &&
		    other->k != DV_BOOL))
			return defn_series_unsupported(d, op, l, r, at);
		return defn_series_op(d, op == SDC_OP_BITAND ? SDC_QOP_AND :
		    SDC_QOP_OR, self, other, 0, at, out);
	default:
		return defn_series_unsupported(d, op, l, r, at);
	}
}

/* Series methods. */

int
defn_m_is_in(struct defn *d, struct sdc_qnode *self, const struct dv *other,
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
	    other->k != DV_DICT && other->k != DV_CODELIST &&
	    other->k != DV_SET) {
		if (other->k == DV_FRAME || other->k == DV_FUNC ||
		    other->k == DV_WHEN || other->k == DV_WHENTHEN)
			return defn_helpful_error(d, other, oat);
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
int
defn_case_build(struct defn *d, struct sdc_qnode **conds, const struct dv *vals,
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
		if (defn_to_node(d, v, NULL, i < n ? vat[i] : oat, &like) != 0)
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
		} else if (defn_to_node(d, &vals[i], NULL, vat[i], &kids[k++]) != 0)
			return -1;
	}
	if (otherwise && otherwise->k != DV_NONE &&
	    defn_to_node(d, otherwise, NULL, oat, &kids[k++]) != 0)
		return -1;
	if ((cn = sdc_query_case(d->q, kids, k, &loc, d->err)) == NULL)
		return -1;
	*out = dv_node(cn);
	return 0;
}

int
defn_m_map_values(struct defn *d, struct sdc_qnode *self, const struct dv *mapping,
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

			if (defn_series_op(d, SDC_QOP_EQ, self, &s->v[2 * i], 0, mat,
			    &c) != 0)
				return -1;
			conds[i] = c.u.node;
			vals[i] = s->v[2 * i + 1];
			vat[i] = mat;
		}
		return defn_case_build(d, conds, vals, vat, cnt, dflt, dat, at, out);
	}
	for (i = 0; i <= cnt && like == NULL; i++) {
		const struct dv *v = i < cnt ? &s->v[2 * i + 1] : dflt;

		if (v->k != DV_NONE && defn_to_node(d, v, NULL, i < cnt ? mat : dat,
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
	if (dflt->k != DV_NONE && defn_to_node(d, dflt, NULL, dat, &dn) != 0)
		return -1;
	n = sdc_query_map(d->q, self, keys, res, k, like->type, like->system,
	    dn, &loc, d->err);
	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

int
defn_m_contains(struct defn *d, struct sdc_qnode *self, const struct dv *other,
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
		if (defn_to_node(d, &s, NULL, oat, &o) != 0)
			return -1;
		return defn_qbinary(d, SDC_QOP_CONTAINS, self, o, at, out);
	}
	return defn_series_op(d, SDC_QOP_CONTAINS, self, other, 0, at, out);
}

int
defn_m_contains_any_of(struct defn *d, struct sdc_qnode *self,
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
		if (defn_m_contains(d, self, &items->v[i], cat, at, &c) != 0)
			return -1;
		if (i == 0)
			acc = c;
		else if (defn_qbinary(d, SDC_QOP_OR, acc.u.node, c.u.node, at,
		    &acc) != 0)
			return -1;
	}
	*out = acc;
	return 0;
}

int
defn_compare(struct defn *d, enum sdc_op op, struct sdc_qnode *self,
    const struct dv *other, const struct sdc_node *at, struct dv *out)
{
	struct dv s = dv_node(self);

	return defn_series_binop(d, op, &s, other, at, out);
}

int
defn_m_between(struct defn *d, struct sdc_qnode *self, const struct dv *lo,
    const struct dv *hi, int inclusive, const struct sdc_node *at,
    struct dv *out)
{
	struct dv a, b;

	if (defn_compare(d, inclusive ? SDC_OP_GE : SDC_OP_GT, self, lo, at, &a) != 0
	    || defn_compare(d, inclusive ? SDC_OP_LE : SDC_OP_LT, self, hi, at,
	    &b) != 0)
		return -1;
	return defn_qbinary(d, SDC_QOP_AND, a.u.node, b.u.node, at, out);
}

int
defn_aggregate(struct defn *d, enum sdc_qop op, struct sdc_qnode *src, int64_t gap,
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

int
defn_extremum(struct defn *d, enum sdc_qop op, const struct dv_argv *a,
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
		if (defn_to_node(d, &a->v[i], like, a->at[i], &kids[i]) != 0)
			return -1;
	n = sdc_query_extremum(d->q, op, kids, a->n, &loc, d->err);
	if (n == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

int
defn_case(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
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
	return defn_case_build(d, conds, vals, vat, a->n, &otherwise, oat, at, out);
}
