/*
 * defn_dates.c - dates and durations for the definition checker: days(),
 * weeks(), months(), years(), date +/- duration on literals and series,
 * date differences, and Duration.starting_on/ending_on intervals.
 * Source: ehrql/query_language.py.
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

static int
neg_amount(struct defn *d, const struct dv *a, const struct sdc_node *at,
    struct dv *out)
{
	if (a->k == DV_SERIES)
		return defn_qunary(d, SDC_QOP_NEG, a->u.node, at, out);
	if (a->u.i == INT64_MIN)
		return defn_fail(d, at, SDC_EDATA, "integer overflow");
	*out = dv_int(-a->u.i);
	return 0;
}

int
defn_make_duration(struct defn *d, int unit, const struct dv *amount,
    const struct sdc_node *at, struct dv *out)
{
	struct dv *p;

	if (amount->k == DV_BOOL) {
		struct dv i = dv_int(amount->u.b);

		return defn_make_duration(d, unit, &i, at, out);
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
		return defn_make_duration(d, a->sub, &v, at, out);
	}
	if (a->k == DV_SERIES) {
		enum sdc_schema_type t = a->u.node->type;

		if (op == SDC_OP_NEG && (t == SDC_TYPE_INT || t == SDC_TYPE_FLOAT))
			return defn_qunary(d, SDC_QOP_NEG, a->u.node, at, out);
		if (op == SDC_OP_INVERT && t == SDC_TYPE_BOOL)
			return defn_qunary(d, SDC_QOP_NOT, a->u.node, at, out);
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
		if (defn_parse_date(d, dt.u.s.p, dt.u.s.len, at, &x) != 0)
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
	if (defn_to_node(d, &dt, NULL, at, &dn) != 0 ||
	    defn_to_node(d, amt, NULL, at, &an) != 0)
		return -1;
	return defn_qbinary(d, ops[dur->sub], dn, an, at, out);
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
				return defn_series_unsupported(d, op, l, r, at);
			if (op == SDC_OP_SUB) {
				if (neg_amount(d, &r->u.pair[0], at, &neg) != 0)
					return -1;
			} else
				neg = r->u.pair[0];
			if (defn_binop(d, SDC_OP_ADD, &l->u.pair[0], &neg, at,
			    &sum) != 0)
				return -1;
			return defn_make_duration(d, l->sub, &sum, at, out);
		}
		if (r->k == DV_DURATION) {
			struct dv dur = *r;

			if (op == SDC_OP_SUB) {
				if (neg_amount(d, &r->u.pair[0], at, &neg) != 0 ||
				    defn_make_duration(d, r->sub, &neg, at, &dur) != 0)
					return -1;
			}
			rc = add_duration(d, l, &dur, at, out);
			if (rc != -2)
				return rc;
			return defn_series_unsupported(d, op, l, r, at);
		}
		if (l->k == DV_DURATION && op == SDC_OP_ADD) {
			rc = add_duration(d, r, l, at, out);
			if (rc != -2)
				return rc;
			return defn_series_unsupported(d, op, l, r, at);
		}
	}
	if (op == SDC_OP_SUB && (is_date_series(l) || is_date_series(r) ||
	    (l->k == DV_DATE && r->k == DV_DATE))) {
		a = *l;
		b = *r;
		if (a.k == DV_STR && is_date_series(&b)) {
			if (defn_parse_date(d, a.u.s.p, a.u.s.len, at, &x) != 0)
				return -1;
			a = dv_date(x);
		}
		if (b.k == DV_STR && is_date_series(&a)) {
			if (defn_parse_date(d, b.u.s.p, b.u.s.len, at, &x) != 0)
				return -1;
			b = dv_date(x);
		}
		if ((a.k == DV_DATE || is_date_series(&a)) &&
		    (b.k == DV_DATE || is_date_series(&b)))
			return make_diff(d, &a, &b, out);
	}
	return defn_series_unsupported(d, op, l, r, at);
}

int
defn_intervals(struct defn *d, const struct dv *dur, const struct dv *date,
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
		if (defn_parse_date(d, dt.u.s.p, dt.u.s.len, at, &x) != 0)
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
