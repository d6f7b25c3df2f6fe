/*
 * defn_lib.c - ehrQL's library for the definition checker: argument
 * binding for builtins, datasets, codelists, get_parameter, the builtin
 * dispatcher and the ehrql modules.  Series, dates and tables are in
 * defn_series.c, defn_dates.c and defn_tables.c.
 * Sources: ehrql/query_language.py, ehrql/codes.py.
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

int
defn_validate_series(struct defn *d, const struct dv *v, const char *context,
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
		defn_helpful_error(d, v, at);
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
	if (defn_validate_series(d, v, ctx, at) != 0 ||
	    defn_no_interval(d, v->u.node, at) != 0)
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

int
defn_define_population(struct defn *d, struct dv_dataset *ds, const struct dv *v,
    const struct sdc_node *vat, const struct sdc_node *at)
{
	struct sdc_qloc loc = defn_loc(d, vat);

	if (ds->population != NULL)
		return defn_fail(d, at, SDC_EPARSE, "define_population() should "
		    "be called no more than once");
	if (defn_validate_series(d, v, "population definition", vat) != 0)
		return -1;
	if (v->u.node->type != SDC_TYPE_BOOL)
		return defn_fail(d, vat, SDC_EPARSE, "invalid population "
		    "definition: Expecting a boolean series, got series of "
		    "type '%s'", sdc_query_type_name(v->u.node->type,
		    v->u.node->system));
	if (defn_no_interval(d, v->u.node, vat) != 0)
		return -1;
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

	if (fn->id >= F_PY_FIRST)
		return defn_call_py(d, fn, a, at, out);
	if (fn->self.k == DV_SERIES || fn->self.k == DV_FRAME)
		self = fn->self.u.node;
	switch (fn->id) {
	case F_CREATE_DATASET:
		if (no_args(d, a, name) != 0)
			return -1;
		return new_dataset(d, out);
	case F_CREATE_MEASURES:
		if (no_args(d, a, name) != 0)
			return -1;
		return defn_new_measures(d, out);
	case M_DEFINE_MEASURE: {
		BIND(name, 5, 5, 1, "name", "numerator", "denominator",
		    "group_by", "intervals");
		if (defn_define_measure(d, fn->self.u.ms, arg, aat, set,
		    at) != 0)
			return -1;
		*out = dv_none();
		return 0;
	}
	case M_DEFINE_DEFAULTS: {
		BIND(name, 4, 4, 0, "numerator", "denominator", "group_by",
		    "intervals");
		if (defn_define_defaults(d, fn->self.u.ms, arg, aat, set,
		    at) != 0)
			return -1;
		*out = dv_none();
		return 0;
	}
	case M_CONFIGURE_DISCLOSURE: {
		BIND(name, 1, 0, 0, "enabled");
		if (set[0]) {
			if (arg[0].k != DV_BOOL)
				return defn_fail(d, aat[0], SDC_EPARSE,
				    "enabled must be True or False, not '%s'",
				    dv_type_name(d, &arg[0]));
			fn->self.u.ms->disclosure = arg[0].u.b != 0;
		} else {
			fn->self.u.ms->disclosure = 1;
		}
		*out = dv_none();
		return 0;
	}
	case F_DAYS:
	case F_WEEKS:
	case F_MONTHS:
	case F_YEARS:
		if (one_arg(d, a, name, "value", at, arg, aat) != 0)
			return -1;
		return defn_make_duration(d, (int)(fn->id - F_DAYS), &arg[0], aat[0],
		    out);
	case F_WHEN: {
		struct sdc_qnode *c;

		if (one_arg(d, a, name, "condition", at, arg, aat) != 0 ||
		    defn_to_node(d, &arg[0], NULL, aat[0], &c) != 0)
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
		    defn_to_node(d, &arg[0], NULL, aat[0], &o) != 0)
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
		return defn_case_build(d, &c, &fn->self.u.pair[1], vat, 1, &arg[0],
		    aat[0], at, out);
	}
	case F_CASE:
		return defn_case(d, a, at, out);
	case F_MAXIMUM_OF:
	case F_MINIMUM_OF:
		return defn_extremum(d, fn->id == F_MAXIMUM_OF ? SDC_QOP_MAX :
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
		return defn_make_code(d, (enum sdc_code_system)fn->sub,
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
			return defn_qunary(d, SDC_QOP_ABS, arg[0].u.node, at, out);
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
		if (arg[0].k == DV_SET) {
			*out = dv_int((int64_t)arg[0].u.seq->n);
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
		return defn_qunary(d, fn->id == M_IS_NULL ? SDC_QOP_IS_NULL :
		    SDC_QOP_IS_NOT_NULL, self, at, out);
	case M_WHEN_NULL_THEN:
		if (one_arg(d, a, name, "other", at, arg, aat) != 0)
			return -1;
		return defn_series_op(d, SDC_QOP_WHEN_NULL, self, &arg[0], 0, at,
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
		    defn_m_is_in(d, self, &arg[0], aat[0], at, &v) != 0)
			return -1;
		if (fn->id == M_IS_IN) {
			*out = v;
			return 0;
		}
		return defn_qunary(d, SDC_QOP_NOT, v.u.node, at, out);
	case M_MAP_VALUES:
	case M_TO_CATEGORY: {
		BIND(name, 2, 2, 1, fn->id == M_MAP_VALUES ? "mapping" :
		    "categorisation", "default");
		return defn_m_map_values(d, self, &arg[0], &arg[1], aat[0], aat[1],
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
		return defn_aggregate(d, fn->id == M_COUNT_DISTINCT ?
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
		return defn_qunary(d, fn->id == M_AS_INT ? SDC_QOP_AS_INT :
		    fn->id == M_AS_FLOAT ? SDC_QOP_AS_FLOAT :
		    fn->id == M_ABSOLUTE ? SDC_QOP_ABS :
		    fn->id == M_TO_FIRST_OF_YEAR ? SDC_QOP_FIRST_OF_YEAR :
		    SDC_QOP_FIRST_OF_MONTH, self, at, out);
	case M_CONTAINS:
		if (one_arg(d, a, name, "other", at, arg, aat) != 0)
			return -1;
		return defn_m_contains(d, self, &arg[0], aat[0], at, out);
	case M_CONTAINS_ANY_OF:
		if (one_arg(d, a, name, "codelist", at, arg, aat) != 0)
			return -1;
		return defn_m_contains_any_of(d, self, &arg[0], aat[0], at, out);
	case M_IS_BEFORE:
	case M_IS_ON_OR_BEFORE:
	case M_IS_AFTER:
	case M_IS_ON_OR_AFTER:
		if (one_arg(d, a, name, "other", at, arg, aat) != 0)
			return -1;
		return defn_compare(d, fn->id == M_IS_BEFORE ? SDC_OP_LT :
		    fn->id == M_IS_ON_OR_BEFORE ? SDC_OP_LE :
		    fn->id == M_IS_AFTER ? SDC_OP_GT : SDC_OP_GE, self,
		    &arg[0], at, out);
	case M_IS_BETWEEN_BUT_NOT_ON:
	case M_IS_ON_OR_BETWEEN: {
		BIND(name, 2, 2, 2, "start", "end");
		return defn_m_between(d, self, &arg[0], &arg[1],
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
		return defn_m_between(d, self, &s->v[0], &s->v[1], 1, at, out);
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
		return defn_aggregate(d, SDC_QOP_AGG_COUNT_EPISODES, self, gap, at,
		    out);
	}

	/* Frame methods. */
	case M_WHERE:
	case M_EXCEPT_WHERE:
		if (one_arg(d, a, name, "condition", at, arg, aat) != 0)
			return -1;
		return defn_m_filter(d, fn->id == M_WHERE ? SDC_Q_WHERE :
		    SDC_Q_EXCEPT, self, &arg[0], aat[0], at, out);
	case M_SORT_BY:
		if (a->nkw > 0)
			return defn_fail(d, a->kwat[0], SDC_EPARSE, "sort_by() "
			    "got an unexpected keyword argument '%s'",
			    a->kwname[0]);
		return defn_m_sort_by(d, self, a->v, a->at, a->n, at, out);
	case M_FIRST:
	case M_LAST:
		if (no_args(d, a, name) != 0)
			return -1;
		return defn_pick(d, fn->id == M_FIRST ? SDC_QOP_FIRST :
		    SDC_QOP_LAST, self, at, out);
	case M_AGE_ON: {
		struct dv dob, diff;

		if (one_arg(d, a, name, "date", at, arg, aat) != 0 ||
		    defn_column(d, self, "date_of_birth", at, &dob) != 0 ||
		    defn_date_binop(d, SDC_OP_SUB, &arg[0], &dob, at,
		    &diff) != 0)
			return -1;
		return defn_getattr(d, &diff, "years", at, out);
	}
	case M_IS_ALIVE_ON:
	case M_IS_DEAD_ON: {
		struct dv dod, l, r;

		if (one_arg(d, a, name, "date", at, arg, aat) != 0 ||
		    defn_column(d, self, "date_of_death", at, &dod) != 0)
			return -1;
		if (fn->id == M_IS_ALIVE_ON) {
			if (defn_compare(d, SDC_OP_GT, dod.u.node, &arg[0], at,
			    &l) != 0 || defn_qunary(d, SDC_QOP_IS_NULL, dod.u.node,
			    at, &r) != 0)
				return -1;
			return defn_qbinary(d, SDC_QOP_OR, l.u.node, r.u.node, at,
			    out);
		}
		if (defn_qunary(d, SDC_QOP_IS_NOT_NULL, dod.u.node, at, &l) != 0 ||
		    defn_compare(d, SDC_OP_LT, dod.u.node, &arg[0], at, &r) != 0)
			return -1;
		return defn_qbinary(d, SDC_QOP_AND, l.u.node, r.u.node, at, out);
	}
	case M_REG_FOR_PATIENT_ON:
	case M_ADDR_FOR_PATIENT_ON:
		if (one_arg(d, a, name, "date", at, arg, aat) != 0)
			return -1;
		return defn_h_reg_for_patient_on(d, self, &arg[0], at, out);
	case M_EXISTS_FOR_PATIENT_ON:
		if (one_arg(d, a, name, "date", at, arg, aat) != 0 ||
		    defn_h_spanning(d, self, &arg[0], &arg[0], at, &v) != 0)
			return -1;
		return defn_aggregate(d, SDC_QOP_AGG_EXISTS, v.u.node, 0, at, out);
	case M_SPANNING:
	case M_SPANNING_WITH_SYSTMONE: {
		struct dv go, c;

		BIND(name, 2, 2, 2, "start_date", "end_date");
		if (defn_h_spanning(d, self, &arg[0], &arg[1], at, out) != 0)
			return -1;
		if (fn->id == M_SPANNING)
			return 0;
		v = *out;
		if (defn_column(d, self, "practice_systmone_go_live_date", at,
		    &go) != 0 ||
		    defn_compare(d, SDC_OP_LE, go.u.node, &arg[0], at, &c) != 0)
			return -1;
		return defn_m_filter(d, SDC_Q_WHERE, v.u.node, &c, at, at, out);
	}
	case M_CAUSE_OF_DEATH_IS_IN:
		if (one_arg(d, a, name, "codelist", at, arg, aat) != 0)
			return -1;
		return defn_h_cause_of_death_is_in(d, self, &arg[0], aat[0], at,
		    out);

	/* Datasets. */
	case M_DEFINE_POPULATION:
		if (one_arg(d, a, name, "population_condition", at, arg,
		    aat) != 0)
			return -1;
		if (defn_define_population(d, fn->self.u.ds, &arg[0], aat[0],
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
		struct dv_dataset *ds = fn->self.k == DV_DATASET ?
		    fn->self.u.ds : NULL;
		struct dv_measures *ms = fn->self.k == DV_MEASURES ?
		    fn->self.u.ms : NULL;

		BIND(name, 5, 0, 0, "population_size", "legacy", "timeout",
		    "additional_population_constraint", "expectations");
		if (ms != NULL && set[0] == 0)
			return defn_fail(d, at, SDC_EPARSE, "%s() missing 1 "
			    "required keyword-only argument: "
			    "'population_size'", name);
		if (ms != NULL && (set[2] || set[3] || set[4]))
			return defn_fail(d, at, SDC_EPARSE, "%s() got an "
			    "unexpected keyword argument '%s'", name,
			    set[2] ? "timeout" : set[3] ?
			    "additional_population_constraint" :
			    "expectations");
		if (set[0]) {
			if (arg[0].k != DV_INT || arg[0].u.i < 1)
				return defn_fail(d, aat[0], SDC_EDATA,
				    "population_size must be a positive "
				    "integer");
			if (ms != NULL)
				ms->population_size = arg[0].u.i;
			else
				ds->population_size = arg[0].u.i;
		}
		if (ms != NULL) {
			ms->dummy_call = a->call != NULL ? a->call : at;
			*out = dv_none();
			return 0;
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
		/* read by sdc-dummy from the call's syntax tree */
		if (set[4] && arg[4].k != DV_DICT && arg[4].k != DV_NONE)
			return defn_fail(d, aat[4], SDC_EPARSE, "expectations "
			    "must be a dict of variable name to hints, not "
			    "'%s'", dv_type_name(d, &arg[4]));
		ds->dummy_call = a->call != NULL ? a->call : at;
		*out = dv_none();
		return 0;
	}
	case M_STARTING_ON:
	case M_ENDING_ON:
		if (one_arg(d, a, name, "date", at, arg, aat) != 0)
			return -1;
		return defn_intervals(d, &fn->self, &arg[0], fn->id == M_STARTING_ON ?
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
	{ "create_measures", F_CREATE_MEASURES, 0 },
	{ "Measures", F_CREATE_MEASURES, 0 },
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
	if ((names = defn_alloc(d, (k + 2) * sizeof(*names))) == NULL)
		return NULL;
	for (i = 0; i < k; i++)
		names[i] = t[i].name;
	if (m->kind == MOD_EHRQL)
		names[k++] = "INTERVAL";
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
	case MOD_FUNCTOOLS:
	case MOD_OPERATOR:
		return defn_py_module_attr(d, m, name, at, out);
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
	if (m->kind == MOD_EHRQL && strcmp(name, "INTERVAL") == 0)
		return defn_interval(d, at, out);
	if (m->kind == MOD_EHRQL && (strcmp(name, "show") == 0 ||
	    strcmp(name, "table_from_file") == 0))
		return defn_fail(d, at, SDC_EPARSE, "'%s' from ehrql is not "
		    "supported by sdc-extract", name);
	return defn_fail(d, at, SDC_EPARSE, "cannot import name '%s' from "
	    "'%s'", name, m->name);
}
