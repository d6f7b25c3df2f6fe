/*
 * defn_tables.c - frames and tables for the definition checker: where,
 * except_where, sort_by, first/last_for_patient, columns, the tables'
 * helper methods (built from primitives as ehrql/tables/core.py and
 * tpp.py build them), and attribute lookup on every kind of value.
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

/* Frame methods. */

int
defn_column(struct defn *d, struct sdc_qnode *frame, const char *name,
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

int
defn_m_filter(struct defn *d, enum sdc_qkind kind, struct sdc_qnode *frame,
    const struct dv *cond, const struct sdc_node *cat,
    const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *c, *n;

	if (defn_to_node(d, cond, NULL, cat, &c) != 0)
		return -1;
	if ((n = sdc_query_filter(d->q, kind, frame, c, &loc, d->err)) == NULL)
		return -1;
	*out = dv_node(n);
	return 0;
}

int
defn_m_sort_by(struct defn *d, struct sdc_qnode *frame, const struct dv *keys,
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
		if (defn_to_node(d, &keys[i], NULL, kat[i], &k) != 0)
			return -1;
		loc = defn_loc(d, kat[i]);
		if ((frame = sdc_query_sort(d->q, frame, k, &loc, d->err)) ==
		    NULL)
			return -1;
	}
	*out = dv_node(frame);
	return 0;
}

int
defn_pick(struct defn *d, enum sdc_qop op, struct sdc_qnode *frame,
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

	if (defn_column(d, self, "start_date", at, &s) != 0 ||
	    defn_column(d, self, "end_date", at, &e) != 0 ||
	    defn_compare(d, SDC_OP_LE, s.u.node, date, at, &c) != 0 ||
	    defn_m_filter(d, SDC_Q_WHERE, self, &c, at, at, &f) != 0 ||
	    defn_compare(d, SDC_OP_LT, e.u.node, date, at, &c) != 0)
		return -1;
	return defn_m_filter(d, SDC_Q_EXCEPT, f.u.node, &c, at, at, out);
}

int
defn_h_spanning(struct defn *d, struct sdc_qnode *self, const struct dv *start,
    const struct dv *end, const struct sdc_node *at, struct dv *out)
{
	struct dv s, e, a, b, c;

	if (defn_column(d, self, "start_date", at, &s) != 0 ||
	    defn_column(d, self, "end_date", at, &e) != 0 ||
	    defn_compare(d, SDC_OP_LE, s.u.node, start, at, &a) != 0 ||
	    defn_compare(d, SDC_OP_GT, e.u.node, end, at, &b) != 0 ||
	    defn_qunary(d, SDC_QOP_IS_NULL, e.u.node, at, &c) != 0 ||
	    defn_qbinary(d, SDC_QOP_OR, b.u.node, c.u.node, at, &b) != 0 ||
	    defn_qbinary(d, SDC_QOP_AND, a.u.node, b.u.node, at, &a) != 0)
		return -1;
	return defn_m_filter(d, SDC_Q_WHERE, self, &a, at, at, out);
}

int
defn_h_reg_for_patient_on(struct defn *d, struct sdc_qnode *self,
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

		if (defn_column(d, self, "has_postcode", at, &hp) != 0)
			return -1;
		cond = hp.u.node;
		if (defn_case_build(d, &cond, &one, vat, 1, &zero, at, at,
		    &keys[n++]) != 0)
			return -1;
	}
	if (defn_column(d, self, "start_date", at, &keys[n++]) != 0 ||
	    defn_column(d, self, "end_date", at, &keys[n++]) != 0 ||
	    defn_column(d, self, addr ? "address_id" : "practice_pseudo_id", at,
	    &keys[n++]) != 0 ||
	    defn_m_sort_by(d, f.u.node, keys, kat, n, at, &f) != 0)
		return -1;
	return defn_pick(d, SDC_QOP_LAST, f.u.node, at, out);
}

int
defn_h_cause_of_death_is_in(struct defn *d, struct sdc_qnode *self,
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
		if (defn_column(d, self, name, at, &c) != 0 ||
		    defn_m_is_in(d, c.u.node, codelist, cat, at, &r) != 0)
			return -1;
		if (i == 0)
			acc = r;
		else if (defn_qbinary(d, SDC_QOP_OR, acc.u.node, r.u.node, at,
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

	if (obj->k == DV_STR || obj->k == DV_LIST || obj->k == DV_DICT ||
	    obj->k == DV_SET || obj->k == DV_CODELIST || obj->k == DV_DATE ||
	    obj->k == DV_CODE || obj->k == DV_FUNC) {
		r = defn_py_getattr(d, obj, name, at, out);
		if (r != 1)
			return r;
	}
	switch (obj->k) {
	case DV_SERIES:
		if (obj->u.node->type == SDC_TYPE_DATE && (strcmp(name,
		    "year") == 0 || strcmp(name, "month") == 0 ||
		    strcmp(name, "day") == 0))
			return defn_qunary(d, name[0] == 'y' ? SDC_QOP_YEAR :
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
			return defn_column(d, obj->u.node, name, at, out);
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
		if (defn_to_node(d, l, NULL, at, &a) != 0 ||
		    defn_to_node(d, rr, NULL, at, &b) != 0)
			return -1;
		return defn_qbinary(d, ops[i], a, b, at, out);
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
	case DV_MEASURES: {
		static const struct method m[] = {
			{ "define_measure", M_DEFINE_MEASURE },
			{ "define_defaults", M_DEFINE_DEFAULTS },
			{ "configure_dummy_data", M_CONFIGURE_DUMMY_DATA },
			{ "configure_disclosure_control",
			    M_CONFIGURE_DISCLOSURE },
		};

		for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
			if (strcmp(name, m[i].name) == 0) {
				*out = dv_func(d, m[i].id, name, obj);
				return out->k == DV_FUNC ? 0 : -1;
			}
		break;
	}
	case DV_TUPLE:
		if (obj->sub == DV_TUPLE_INTERVAL &&
		    (strcmp(name, "start_date") == 0 ||
		    strcmp(name, "end_date") == 0)) {
			*out = obj->u.seq->v[name[0] == 'e'];
			return 0;
		}
		break;
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
