/*
 * defn_measures.c - ehrQL's measures framework in the definition
 * checker: create_measures() and its methods, the INTERVAL placeholder,
 * and the entry point of a measures definition.  The checks and their
 * messages follow ehrql/measures/measures.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defn_int.h"

static const char *const argname[MS_NARGS] = {
	"numerator", "denominator", "group_by", "intervals"
};

int
defn_new_measures(struct defn *d, struct dv *out)
{
	struct dv_measures *ms = defn_alloc(d, sizeof(*ms));
	size_t i;

	if (ms == NULL)
		return -1;
	memset(ms, 0, sizeof(*ms));
	for (i = 0; i < MS_NARGS; i++)
		ms->defaults[i] = dv_none();
	ms->disclosure = 1;
	*out = dv_none();
	out->k = DV_MEASURES;
	out->u.ms = ms;
	return 0;
}

/* INTERVAL: the namedtuple (start_date, end_date) of placeholders. */
int
defn_interval(struct defn *d, const struct sdc_node *at, struct dv *out)
{
	struct sdc_qloc loc = defn_loc(d, at);
	struct sdc_qnode *a, *b;
	struct dv_seq *s;

	if ((a = sdc_query_interval(d->q, SDC_QOP_INTERVAL_START, &loc,
	    d->err)) == NULL || (b = sdc_query_interval(d->q,
	    SDC_QOP_INTERVAL_END, &loc, d->err)) == NULL ||
	    (s = dv_seq_new(d, 2)) == NULL ||
	    dv_seq_push(d, s, dv_node(a)) != 0 ||
	    dv_seq_push(d, s, dv_node(b)) != 0)
		return -1;
	*out = dv_seqval(DV_TUPLE, s);
	out->sub = DV_TUPLE_INTERVAL;
	return 0;
}

int
defn_no_interval(struct defn *d, const struct sdc_qnode *n,
    const struct sdc_node *at)
{
	if ((d->opts != NULL && d->opts->measures) || !n->interval)
		return 0;
	return defn_fail(d, at, SDC_EPARSE, "INTERVAL can only be used in "
	    "a measure (measures.define_measure), not in a dataset");
}

static int
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int
reserved(const char *s, size_t n)
{
	static const char *const r[] = { "measure", "numerator",
		"denominator", "ratio", "interval_start", "interval_end" };
	size_t i;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (strlen(r[i]) == n && memcmp(r[i], s, n) == 0)
			return 1;
	return 0;
}

static int
check_num_denom(struct defn *d, const struct dv *v, const char *name,
    const struct sdc_node *at)
{
	const struct sdc_qnode *n;

	if (v->k == DV_NONE)
		return 0;
	if (defn_validate_series(d, v, name, at) != 0)
		return -1;
	n = v->u.node;
	if (n->type != SDC_TYPE_BOOL && n->type != SDC_TYPE_INT)
		return defn_fail(d, at, SDC_EPARSE, "invalid %s: Expecting a "
		    "boolean or integer series, got series of type '%s'", name,
		    sdc_query_type_name(n->type, n->system));
	return 0;
}

static int
check_intervals(struct defn *d, const struct dv *v, const struct sdc_node *at)
{
	static const char *const unit[] = { "days", "weeks", "months",
		"years" };
	const struct dv *it;
	size_t i;

	if (v->k == DV_NONE)
		return 0;
	if (v->k == DV_DURATION)
		return defn_fail(d, at, SDC_EPARSE, "You must supply a date "
		    "using `%s(...).starting_on('<DATE>')` or "
		    "`%s(...).ending_on('<DATE>')`", unit[v->sub], unit[v->sub]);
	if (v->k != DV_LIST)
		return defn_fail(d, at, SDC_EPARSE, "`intervals` must be a "
		    "list, got '%s'", dv_type_name(d, v));
	for (i = 0; i < v->u.seq->n; i++) {
		it = &v->u.seq->v[i];
		if (it->k != DV_TUPLE || it->u.seq->n != 2 ||
		    it->u.seq->v[0].k != DV_DATE ||
		    it->u.seq->v[1].k != DV_DATE)
			return defn_fail(d, at, SDC_EPARSE, "`intervals` must "
			    "contain pairs of dates, got a '%s' (item %zu)",
			    dv_type_name(d, it), i);
		if (it->u.seq->v[0].u.d > it->u.seq->v[1].u.d)
			return defn_fail(d, at, SDC_EPARSE, "Interval start "
			    "date must be before end date (item %zu)", i);
	}
	return 0;
}

static int
check_group_by(struct defn *d, const struct dv *v, const struct sdc_node *at)
{
	char ctx[300];
	const struct dv *k;
	size_t i;

	if (v->k == DV_NONE)
		return 0;
	if (v->k != DV_DICT)
		return defn_fail(d, at, SDC_EPARSE, "`group_by` must be a "
		    "dictionary, got '%s'", dv_type_name(d, v));
	for (i = 0; i < v->u.seq->n; i += 2) {
		k = &v->u.seq->v[i];
		if (k->k != DV_STR)
			return defn_fail(d, at, SDC_EPARSE, "`group_by` names "
			    "must be strings, got '%s'", dv_type_name(d, k));
		if (!valid_name(k->u.s.p, k->u.s.len))
			return defn_fail(d, at, SDC_EPARSE, "`group_by` names "
			    "must start with a letter and contain only "
			    "alphanumeric characters and underscores, got: "
			    "'%.*s'", (int)k->u.s.len, k->u.s.p);
		snprintf(ctx, sizeof(ctx), "`group_by` value for '%.*s'",
		    (int)k->u.s.len, k->u.s.p);
		if (defn_validate_series(d, &v->u.seq->v[i + 1], ctx, at) != 0)
			return -1;
	}
	for (i = 0; i < v->u.seq->n; i += 2) {
		k = &v->u.seq->v[i];
		if (reserved(k->u.s.p, k->u.s.len))
			return defn_fail(d, at, SDC_EPARSE, "disallowed "
			    "`group_by` column name: %.*s", (int)k->u.s.len,
			    k->u.s.p);
	}
	return 0;
}

/* The checks of ehrQL's _validate_kwargs, each at its argument. */
static int
check_args(struct defn *d, const struct dv *v,
    const struct sdc_node *const *at)
{
	return check_num_denom(d, &v[MS_NUMERATOR], "numerator",
	    at[MS_NUMERATOR]) != 0 ||
	    check_num_denom(d, &v[MS_DENOMINATOR], "denominator",
	    at[MS_DENOMINATOR]) != 0 ||
	    check_intervals(d, &v[MS_INTERVALS], at[MS_INTERVALS]) != 0 ||
	    check_group_by(d, &v[MS_GROUP_BY], at[MS_GROUP_BY]) != 0 ? -1 : 0;
}

int
defn_define_defaults(struct defn *d, struct dv_measures *ms,
    const struct dv *arg, const struct sdc_node *const *aat, const int *set,
    const struct sdc_node *at)
{
	struct dv v[MS_NARGS];
	const struct sdc_node *vat[MS_NARGS];
	size_t i;

	if (ms->defaults_set)
		return defn_fail(d, at, SDC_EPARSE, "Defaults already set; "
		    "cannot call `define_defaults()` more than once");
	for (i = 0; i < MS_NARGS; i++) {
		v[i] = set[i] ? arg[i] : dv_none();
		vat[i] = set[i] ? aat[i] : at;
	}
	if (check_args(d, v, vat) != 0)
		return -1;
	for (i = 0; i < MS_NARGS; i++) {
		ms->defaults[i] = v[i];
		ms->defaults_at[i] = vat[i];
	}
	ms->defaults_set = 1;
	return 0;
}

static int
cmp_interval(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return (x[1] > y[1]) - (x[1] < y[1]);
}

int
defn_define_measure(struct defn *d, struct dv_measures *ms,
    const struct dv *arg, const struct sdc_node *const *aat, const int *set,
    const struct sdc_node *at)
{
	struct dv v[MS_NARGS];
	const struct sdc_node *vat[MS_NARGS];
	struct sdc_qmeasure *m;
	struct sdc_qloc loc = defn_loc(d, at);
	const struct dv *g, *iv;
	int32_t (*ivs)[2];
	size_t i, j, k, n;

	/* arg[0] is the name, arg[1..4] the keyword arguments */
	for (i = 0; i < MS_NARGS; i++) {
		if (set[i + 1] && arg[i + 1].k != DV_NONE) {
			v[i] = arg[i + 1];
			vat[i] = aat[i + 1];
		} else {
			v[i] = ms->defaults[i];
			vat[i] = ms->defaults_at[i] ? ms->defaults_at[i] : at;
		}
	}
	if (check_args(d, v, vat) != 0)
		return -1;
	for (i = 0; i < MS_NARGS; i++)
		if (v[i].k == DV_NONE && i != MS_GROUP_BY)
			return defn_fail(d, at, SDC_EPARSE, "No value supplied "
			    "for '%s' and no default defined", argname[i]);
	if (arg[0].k != DV_STR || !valid_name(arg[0].u.s.p, arg[0].u.s.len))
		return defn_fail(d, aat[0], SDC_EPARSE, "Measure names must "
		    "start with a letter and contain only alphanumeric "
		    "characters and underscores, got a '%s'%s%.*s",
		    dv_type_name(d, &arg[0]), arg[0].k == DV_STR ? ": " : "",
		    arg[0].k == DV_STR ? (int)arg[0].u.s.len : 0,
		    arg[0].k == DV_STR ? arg[0].u.s.p : "");
	for (i = 0; i < ms->n; i++)
		if (strlen(ms->m[i].name) == arg[0].u.s.len &&
		    memcmp(ms->m[i].name, arg[0].u.s.p, arg[0].u.s.len) == 0)
			return defn_fail(d, aat[0], SDC_EPARSE, "Measure already "
			    "defined with name: %s", ms->m[i].name);
	g = &v[MS_GROUP_BY];
	n = g->k == DV_DICT ? g->u.seq->n / 2 : 0;
	/* a group name must mean the same series in every measure */
	for (k = 0; k < n; k++) {
		const struct dv *key = &g->u.seq->v[2 * k];

		for (i = 0; i < ms->n; i++)
			for (j = 0; j < ms->m[i].ngroups; j++)
				if (strlen(ms->m[i].groups[j].name) ==
				    key->u.s.len && memcmp(ms->m[i].groups[j].
				    name, key->u.s.p, key->u.s.len) == 0 &&
				    ms->m[i].groups[j].node !=
				    g->u.seq->v[2 * k + 1].u.node)
					return defn_fail(d, vat[MS_GROUP_BY],
					    SDC_EPARSE, "Inconsistent "
					    "definition for `group_by` column: "
					    "%.*s", (int)key->u.s.len,
					    key->u.s.p);
	}
	if (ms->n == ms->cap) {
		size_t cap = ms->cap ? ms->cap * 2 : 8;
		struct sdc_qmeasure *nm = defn_alloc(d, cap * sizeof(*nm));

		if (nm == NULL)
			return -1;
		if (ms->n)
			memcpy(nm, ms->m, ms->n * sizeof(*nm));
		ms->m = nm;
		ms->cap = cap;
	}
	m = &ms->m[ms->n];
	memset(m, 0, sizeof(*m));
	if ((m->name = defn_strdup(d, arg[0].u.s.p, arg[0].u.s.len)) == NULL)
		return -1;
	m->numerator = v[MS_NUMERATOR].u.node;
	m->denominator = v[MS_DENOMINATOR].u.node;
	m->ngroups = n;
	if (n > 0 && (m->groups = defn_alloc(d, n * sizeof(*m->groups))) ==
	    NULL)
		return -1;
	for (k = 0; k < n; k++) {
		const struct dv *key = &g->u.seq->v[2 * k];

		if ((m->groups[k].name = defn_strdup(d, key->u.s.p,
		    key->u.s.len)) == NULL)
			return -1;
		m->groups[k].node = g->u.seq->v[2 * k + 1].u.node;
	}
	/* tuple(sorted(set(intervals))) */
	iv = &v[MS_INTERVALS];
	n = iv->u.seq->n;
	if ((ivs = defn_alloc(d, (n ? n : 1) * sizeof(*ivs))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		ivs[i][0] = iv->u.seq->v[i].u.seq->v[0].u.d;
		ivs[i][1] = iv->u.seq->v[i].u.seq->v[1].u.d;
	}
	if (n > 1)
		qsort(ivs, n, sizeof(*ivs), cmp_interval);
	for (i = k = 0; i < n; i++)
		if (k == 0 || cmp_interval(ivs[k - 1], ivs[i]) != 0) {
			ivs[k][0] = ivs[i][0];
			ivs[k][1] = ivs[i][1];
			k++;
		}
	m->nintervals = k;
	m->intervals = (const int32_t (*)[2])ivs;
	m->file = loc.file;
	m->line = loc.line;
	m->col = loc.col;
	ms->n++;
	return 0;
}

int
defn_finish_measures(struct defn *d, const char *name)
{
	const struct dv *v = defn_env_get(d->env, "measures");
	struct dv_measures *ms;

	if (v == NULL)
		return sdc_err_set(d->err, SDC_EPARSE, name, 0, 0, "Did not "
		    "find a variable called 'measures' in measure definitions "
		    "file");
	if (v->k != DV_MEASURES)
		return sdc_err_set(d->err, SDC_EPARSE, name, 0, 0, "'measures' "
		    "must be an instance of ehrql.Measures(), not '%s'",
		    dv_type_name(d, v));
	ms = v->u.ms;
	if (ms->n == 0)
		return sdc_err_set(d->err, SDC_EPARSE, name, 0, 0, "No "
		    "measures defined; define one with "
		    "measures.define_measure()");
	d->q->measures_mode = 1;
	d->q->measures = ms->m;
	d->q->nmeasures = ms->n;
	d->q->disclosure_control = ms->disclosure;
	d->q->dummy.population_size = ms->population_size;
	d->q->dummy.call = ms->dummy_call;
	return sdc_query_finish(d->q, d->err);
}
