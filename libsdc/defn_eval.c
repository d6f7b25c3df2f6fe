/*
 * defn_eval.c - the interpreter's evaluation of expressions and
 * statements: names, literals, containers, calls (builtins, and user
 * functions with Python's argument binding), subscripts and slices,
 * comparisons, comprehensions, f-strings; assignment, if, for, def,
 * return, break, continue, assert, raise and imports.
 *
 * Scopes: a call runs in a fresh env whose parent is the env the def
 * ran in (its closure), so names resolve local -> enclosing functions
 * -> the defining module, and assignments bind locally.  Python's rule
 * that a name assigned anywhere in a function is local throughout is
 * not enforced: reading it before the assignment reads the outer name.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "defn_int.h"

static int ev(struct defn *d, const struct sdc_node *n, struct dv *out);
static int exec_stmt(struct defn *d, const struct sdc_node *s);

static int
is_dunder(const char *s)
{
	size_t n = strlen(s);

	return n >= 4 && s[0] == '_' && s[1] == '_' && s[n - 1] == '_' &&
	    s[n - 2] == '_';
}

static int
dunder_error(struct defn *d, const struct sdc_node *at, const char *name)
{
	return defn_fail(d, at, SDC_EPARSE, "access to the special attribute "
	    "'%s' is refused in dataset definitions", name);
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
				if ((n->kind == SDC_NODE_SET ? defn_set_add(d, s,
				    items->v[j], n->kid[i]) : dv_seq_push(d, s,
				    items->v[j])) != 0)
					return -1;
			continue;
		}
		if (ev(d, n->kid[i], &v) != 0 || (n->kind == SDC_NODE_SET ?
		    defn_set_add(d, s, v, n->kid[i]) : dv_seq_push(d, s, v)) != 0)
			return -1;
	}
	*out = dv_seqval(n->kind == SDC_NODE_TUPLE ? DV_TUPLE :
	    n->kind == SDC_NODE_SET ? DV_SET : DV_LIST, s);
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
				if (defn_dict_put(d, s, v.u.seq->v[j],
				    v.u.seq->v[j + 1], p) != 0)
					return -1;
			continue;
		}
		if (ev(d, p->kid[0], &k) != 0 || ev(d, p->kid[1], &v) != 0 ||
		    defn_dict_put(d, s, k, v, p->kid[0]) != 0)
			return -1;
	}
	*out = dv_seqval(DV_DICT, s);
	return 0;
}

/* Functions. */

static int
make_func(struct defn *d, const char *name, const struct sdc_node *def,
    const struct sdc_node *params, struct dv *out)
{
	struct dv_func *fn;
	size_t i;

	*out = dv_func(d, F_USER, name, NULL);
	if (out->k != DV_FUNC)
		return -1;
	fn = out->u.fn;
	fn->def = def;
	fn->params = params;
	fn->closure = d->env;
	fn->file = d->file;
	if ((fn->defaults = defn_alloc(d, (params->n + 1) *
	    sizeof(*fn->defaults))) == NULL || (fn->hasdef = defn_alloc(d,
	    params->n + 1)) == NULL)
		return -1;
	for (i = 0; i < params->n; i++) {
		const struct sdc_node *p = params->kid[i];

		if (p->n > 1 && p->kid[1] != NULL) {
			if (ev(d, p->kid[1], &fn->defaults[i]) != 0)
				return -1;
			fn->hasdef[i] = 1;
		}
	}
	return 0;
}

enum { P_POS, P_KWONLY, P_OTHER };

/* Bind a's arguments to fn's parameters in env, as Python does. */
static int
bind_params(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv_env *env)
{
	const struct sdc_node *ps = fn->params;
	unsigned char *kind, *set;
	size_t i, j, k, npos = 0, slash = 0;
	long varargs = -1, kwargs = -1;
	struct dv_seq *rest, *kw;
	int kwonly = 0;

	if ((kind = defn_alloc(d, ps->n + 1)) == NULL ||
	    (set = defn_alloc(d, ps->n + 1)) == NULL ||
	    (kw = dv_seq_new(d, 4)) == NULL || (rest = dv_seq_new(d, 4)) == NULL)
		return -1;
	for (i = 0; i < ps->n; i++) {
		switch (ps->kid[i]->flag) {
		case SDC_PARAM_PLAIN:
			kind[i] = kwonly ? P_KWONLY : P_POS;
			npos += !kwonly;
			break;
		case SDC_PARAM_SLASH:
			kind[i] = P_OTHER;
			slash = i;
			break;
		case SDC_PARAM_STAR:
			kind[i] = P_OTHER;
			kwonly = 1;
			break;
		case SDC_PARAM_VARARGS:
			kind[i] = P_OTHER;
			varargs = (long)i;
			kwonly = 1;
			break;
		default:
			kind[i] = P_OTHER;
			kwargs = (long)i;
			break;
		}
	}
	for (i = 0, k = 0; i < ps->n && k < a->n; i++)
		if (kind[i] == P_POS) {
			if (defn_env_set(d, env, ps->kid[i]->name, a->v[k++]) != 0)
				return -1;
			set[i] = 1;
		}
	if (k < a->n && varargs < 0)
		return defn_fail(d, a->at[k], SDC_EPARSE, "%s() takes %zu "
		    "positional argument%s but %zu were given", fn->name, npos,
		    npos == 1 ? "" : "s", a->n);
	for (; k < a->n; k++)
		if (dv_seq_push(d, rest, a->v[k]) != 0)
			return -1;
	for (k = 0; k < a->nkw; k++) {
		for (j = 0; j < ps->n; j++)
			if (kind[j] != P_OTHER && j >= slash &&
			    strcmp(ps->kid[j]->name, a->kwname[k]) == 0)
				break;
		if (j < ps->n) {
			if (set[j])
				return defn_fail(d, a->kwat[k], SDC_EPARSE, "%s() "
				    "got multiple values for argument '%s'",
				    fn->name, a->kwname[k]);
			if (defn_env_set(d, env, ps->kid[j]->name,
			    a->kw[k]) != 0)
				return -1;
			set[j] = 1;
			continue;
		}
		if (kwargs < 0)
			return defn_fail(d, a->kwat[k], SDC_EPARSE, "%s() got an "
			    "unexpected keyword argument '%s'", fn->name,
			    a->kwname[k]);
		if (defn_dict_put(d, kw, dv_str(a->kwname[k],
		    strlen(a->kwname[k])), a->kw[k], a->kwat[k]) != 0)
			return -1;
	}
	for (i = 0; i < ps->n; i++) {
		if (kind[i] == P_OTHER || set[i])
			continue;
		if (!fn->hasdef[i])
			return defn_fail(d, at, SDC_EPARSE, "%s() missing 1 "
			    "required %sargument: '%s'", fn->name, kind[i] ==
			    P_POS ? "positional " : "keyword-only ",
			    ps->kid[i]->name);
		if (defn_env_set(d, env, ps->kid[i]->name,
		    fn->defaults[i]) != 0)
			return -1;
	}
	if (varargs >= 0 && defn_env_set(d, env, ps->kid[varargs]->name,
	    dv_seqval(DV_TUPLE, rest)) != 0)
		return -1;
	if (kwargs >= 0 && defn_env_set(d, env, ps->kid[kwargs]->name,
	    dv_seqval(DV_DICT, kw)) != 0)
		return -1;
	return 0;
}

static int
call_user(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_env *env, *saved_env = d->env;
	const char *saved_file = d->file;
	int rc;

	if (d->calls >= DEFN_CALL_DEPTH_MAX)
		return defn_fail(d, at, SDC_ELIMIT, "maximum recursion depth "
		    "exceeded: more than %d nested calls of functions",
		    DEFN_CALL_DEPTH_MAX);
	if ((env = defn_env_new(d, fn->closure, 16)) == NULL ||
	    bind_params(d, fn, a, at, env) != 0)
		return -1;
	d->calls++;
	d->env = env;
	d->file = fn->file;
	if (fn->def->kind == SDC_NODE_LAMBDA) {
		rc = ev(d, fn->def->kid[1], out);
	} else {
		rc = defn_exec_block(d, fn->def->kid[2]);
		*out = d->flow == FLOW_RETURN ? d->ret : dv_none();
		d->flow = FLOW_NEXT;
	}
	d->env = saved_env;
	d->file = saved_file;
	d->calls--;
	if (rc != 0)
		defn_add_frame(d, fn->name, saved_file, at);
	return rc;
}

int
defn_call(struct defn *d, const struct dv *f, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	if (f->k == DV_FUNC && f->u.fn->id == F_USER)
		return call_user(d, f->u.fn, a, at, out);
	if (f->k == DV_FUNC)
		return defn_call_builtin(d, f->u.fn, a, at, out);
	if (f->k == DV_TYPE)
		return defn_call_type(d, f->sub, a, at, out);
	if (f->k == DV_MODULE)
		return defn_call_module(d, f->u.mod, at);
	if (f->k == DV_SERIES && at->kind == SDC_NODE_ATTR)
		return defn_fail(d, at, SDC_EPARSE, "'%s' object is not "
		    "callable: `%s` is a property, use it without ()",
		    dv_type_name(d, f), at->name);
	return defn_fail(d, at, SDC_EPARSE, "'%s' object is not callable",
	    dv_type_name(d, f));
}

/* f(v[0], ..., v[n-1]) with positional arguments only. */
int
defn_call1(struct defn *d, const struct dv *f, size_t n, const struct dv *v,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_argv a;
	const struct sdc_node *ats[4];
	struct dv vs[4];
	size_t i;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < n && i < 4; i++) {
		vs[i] = v[i];
		ats[i] = at;
	}
	a.n = i;
	a.v = vs;
	a.at = ats;
	return defn_call(d, f, &a, at, out);
}

/* Growable argument lists. */
struct argbuf {
	size_t cap, kwcap;
};

static int
push_pos(struct defn *d, struct dv_argv *a, struct argbuf *b, struct dv v,
    const struct sdc_node *at)
{
	if (a->n == b->cap) {
		size_t cap = b->cap * 2 + 4;
		struct dv *nv = defn_alloc(d, cap * sizeof(*nv));
		const struct sdc_node **na = defn_alloc(d, cap * sizeof(*na));

		if (nv == NULL || na == NULL)
			return -1;
		if (a->n) {
			memcpy(nv, a->v, a->n * sizeof(*nv));
			memcpy(na, a->at, a->n * sizeof(*na));
		}
		a->v = nv;
		a->at = na;
		b->cap = cap;
	}
	a->v[a->n] = v;
	a->at[a->n++] = at;
	return 0;
}

static int
push_kw(struct defn *d, struct dv_argv *a, struct argbuf *b, const char *name,
    struct dv v, const struct sdc_node *at)
{
	size_t i;

	for (i = 0; i < a->nkw; i++)
		if (strcmp(a->kwname[i], name) == 0)
			return defn_fail(d, at, SDC_EPARSE, "got multiple "
			    "values for keyword argument '%s'", name);
	if (a->nkw == b->kwcap) {
		size_t cap = b->kwcap * 2 + 4;
		struct dv *nv = defn_alloc(d, cap * sizeof(*nv));
		const struct sdc_node **na = defn_alloc(d, cap * sizeof(*na));
		const char **nn = defn_alloc(d, cap * sizeof(*nn));

		if (nv == NULL || na == NULL || nn == NULL)
			return -1;
		if (a->nkw) {
			memcpy(nv, a->kw, a->nkw * sizeof(*nv));
			memcpy(na, a->kwat, a->nkw * sizeof(*na));
			memcpy(nn, a->kwname, a->nkw * sizeof(*nn));
		}
		a->kw = nv;
		a->kwat = na;
		a->kwname = nn;
		b->kwcap = cap;
	}
	a->kw[a->nkw] = v;
	a->kwname[a->nkw] = name;
	a->kwat[a->nkw++] = at;
	return 0;
}

static int
ev_call(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	const struct sdc_node *fnode = n->kid[0];
	struct dv f, v;
	struct dv_argv a;
	struct argbuf b;
	struct dv_seq *items;
	size_t i, j;

	if (ev(d, fnode, &f) != 0)
		return -1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.call = n;
	for (i = 1; i < n->n; i++) {
		const struct sdc_node *k = n->kid[i];

		if (k->kind == SDC_NODE_KEYWORD) {
			if (ev(d, k->kid[0], &v) != 0 ||
			    push_kw(d, &a, &b, k->name, v, k->kid[0]) != 0)
				return -1;
		} else if (k->kind == SDC_NODE_STAR) {
			if (ev(d, k->kid[0], &v) != 0 ||
			    dv_iter(d, &v, k, &items) != 0)
				return -1;
			for (j = 0; j < items->n; j++)
				if (push_pos(d, &a, &b, items->v[j], k) != 0)
					return -1;
		} else if (k->kind == SDC_NODE_DSTAR) {
			if (ev(d, k->kid[0], &v) != 0)
				return -1;
			if (v.k != DV_DICT)
				return defn_fail(d, k, SDC_EPARSE, "argument "
				    "after ** must be a mapping, not %s",
				    dv_type_name(d, &v));
			for (j = 0; j < v.u.seq->n; j += 2) {
				const struct dv *key = &v.u.seq->v[j];

				if (key->k != DV_STR)
					return defn_fail(d, k, SDC_EPARSE,
					    "keywords must be strings");
				if (push_kw(d, &a, &b, defn_strdup(d, key->u.s.p,
				    key->u.s.len), v.u.seq->v[j + 1], k) != 0)
					return -1;
			}
		} else {
			if (ev(d, k, &v) != 0 || push_pos(d, &a, &b, v, k) != 0)
				return -1;
		}
	}
	if (a.v == NULL && push_pos(d, &a, &b, dv_none(), n) == 0)
		a.n = 0;	/* callers may read a.v[0] safely */
	if (a.kw == NULL && push_kw(d, &a, &b, "", dv_none(), n) == 0)
		a.nkw = 0;
	if (a.v == NULL || a.kw == NULL)
		return -1;
	return defn_call(d, &f, &a, fnode, out);
}

/* Python's slice indices for a sequence of length len. */
static int
slice_index(struct defn *d, const struct sdc_node *e, int64_t def,
    int64_t *out)
{
	struct dv v;

	if (e == NULL) {
		*out = def;
		return 0;
	}
	if (ev(d, e, &v) != 0)
		return -1;
	if (v.k == DV_NONE) {
		*out = def;
		return 0;
	}
	if (v.k != DV_INT && v.k != DV_BOOL)
		return defn_fail(d, e, SDC_EPARSE, "slice indices must be "
		    "integers or None");
	*out = v.k == DV_INT ? v.u.i : v.u.b;
	return 0;
}

static int64_t
clamp_index(int64_t i, int64_t len, int64_t step)
{
	if (i < 0) {
		i += len;
		if (i < 0)
			i = step < 0 ? -1 : 0;
	} else if (i >= len)
		i = step < 0 ? len - 1 : len;
	return i;
}

static int
ev_slice(struct defn *d, const struct dv *o, const struct sdc_node *sl,
    struct dv *out)
{
	int64_t len, lo, hi, step, i;
	struct dv_seq *s;
	char *p;
	size_t k = 0;

	if (o->k != DV_LIST && o->k != DV_TUPLE && o->k != DV_STR)
		return defn_fail(d, sl, SDC_EPARSE, "'%s' object is not "
		    "subscriptable with a slice", dv_type_name(d, o));
	len = o->k == DV_STR ? (int64_t)o->u.s.len : (int64_t)o->u.seq->n;
	if (slice_index(d, sl->kid[2], 1, &step) != 0)
		return -1;
	if (step == 0)
		return defn_fail(d, sl, SDC_EPARSE, "slice step cannot be zero");
	if (slice_index(d, sl->kid[0], step < 0 ? len - 1 : 0, &lo) != 0 ||
	    slice_index(d, sl->kid[1], step < 0 ? -len - 1 : len, &hi) != 0)
		return -1;
	lo = clamp_index(lo, len, step);
	hi = clamp_index(hi, len, step);
	if (o->k == DV_STR) {
		if ((p = defn_alloc(d, (size_t)len + 1)) == NULL)
			return -1;
		for (i = lo; step > 0 ? i < hi : i > hi; i += step)
			p[k++] = o->u.s.p[i];
		*out = dv_str(p, k);
		return 0;
	}
	if ((s = dv_seq_new(d, 4)) == NULL)
		return -1;
	for (i = lo; step > 0 ? i < hi : i > hi; i += step)
		if (dv_seq_push(d, s, o->u.seq->v[i]) != 0)
			return -1;
	*out = dv_seqval(o->k, s);
	return 0;
}

static int
seq_index(struct defn *d, const struct dv *o, const struct dv *k,
    const struct sdc_node *at, const struct sdc_node *kat, size_t *out)
{
	int64_t idx, len = o->k == DV_STR ? (int64_t)o->u.s.len :
	    (int64_t)o->u.seq->n;

	if (k->k != DV_INT && k->k != DV_BOOL)
		return defn_fail(d, kat, SDC_EPARSE, "%s indices must be "
		    "integers, not %s", dv_type_name(d, o), dv_type_name(d, k));
	idx = k->k == DV_INT ? k->u.i : k->u.b;
	if (idx < 0)
		idx += len;
	if (idx < 0 || idx >= len)
		return defn_fail(d, at, SDC_EPARSE, "%s index out of range",
		    dv_type_name(d, o));
	*out = (size_t)idx;
	return 0;
}

static int
key_error(struct defn *d, const struct dv *k, const struct sdc_node *at)
{
	struct dv r;

	if (defn_to_str(d, k, 1, at, &r) != 0)
		return -1;
	return defn_fail(d, at, SDC_EPARSE, "KeyError: %.*s (no such key in "
	    "the dict)", (int)(r.u.s.len > 200 ? 200 : r.u.s.len), r.u.s.p);
}

static int
ev_subscript(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv o, k;
	size_t i;

	if (ev(d, n->kid[0], &o) != 0)
		return -1;
	if (n->kid[1]->kind == SDC_NODE_SLICE)
		return ev_slice(d, &o, n->kid[1], out);
	if (ev(d, n->kid[1], &k) != 0)
		return -1;
	if (o.k == DV_LIST || o.k == DV_TUPLE || o.k == DV_STR) {
		if (seq_index(d, &o, &k, n, n->kid[1], &i) != 0)
			return -1;
		*out = o.k == DV_STR ? dv_str(o.u.s.p + i, 1) : o.u.seq->v[i];
		return 0;
	}
	if (o.k == DV_DICT) {
		for (i = 0; i < o.u.seq->n; i += 2)
			if (dv_equal(&o.u.seq->v[i], &k)) {
				*out = o.u.seq->v[i + 1];
				return 0;
			}
		return key_error(d, &k, n->kid[1]);
	}
	if (o.k == DV_CODELIST && sdc_codelist_has_categories(o.u.cl) &&
	    k.k == DV_STR) {
		long j = sdc_codelist_find(o.u.cl, k.u.s.p, k.u.s.len);
		size_t len;
		const char *c;

		if (j < 0)
			return key_error(d, &k, n->kid[1]);
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
overflow(struct defn *d, const struct sdc_node *at)
{
	return defn_fail(d, at, SDC_EDATA, "integer overflow: sdc's integers "
	    "are 64-bit");
}

/* -a, +a, ~a, not a, on any value. */
int
defn_unary(struct defn *d, enum sdc_op op, const struct dv *v,
    const struct sdc_node *at, struct dv *out)
{
	struct dv a = *v;
	int b;

	if (op == SDC_OP_NOT) {
		if (dv_truthy(d, &a, at, &b) != 0)
			return -1;
		*out = dv_bool(!b);
		return 0;
	}
	if (a.k == DV_SERIES || a.k == DV_DURATION)
		return defn_series_unary(d, op, &a, at, out);
	switch (a.k) {
	case DV_BOOL:
	case DV_INT:
		if (a.k == DV_BOOL)
			a = dv_int(a.u.b);
		if (op == SDC_OP_NEG) {
			if (a.u.i == INT64_MIN)
				return overflow(d, at);
			*out = dv_int(-a.u.i);
		} else if (op == SDC_OP_POS)
			*out = a;
		else
			*out = dv_int(~a.u.i);
		return 0;
	case DV_FLOAT:
		if (op == SDC_OP_INVERT)
			break;
		*out = dv_float(op == SDC_OP_NEG ? -a.u.f : a.u.f);
		return 0;
	default:
		break;
	}
	return defn_fail(d, at, SDC_EPARSE, "bad operand type for unary %s: "
	    "'%s'", op == SDC_OP_NEG ? "-" : op == SDC_OP_POS ? "+" : "~",
	    dv_type_name(d, &a));
}

static int
ev_unary(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv a;

	if (n->op == SDC_OP_NEG && n->kid[0]->kind == SDC_NODE_INT &&
	    n->kid[0]->overflow && strcmp(n->kid[0]->text,
	    "9223372036854775808") == 0) {
		*out = dv_int(INT64_MIN);
		return 0;
	}
	if (ev(d, n->kid[0], &a) != 0)
		return -1;
	return defn_unary(d, n->op, &a, n, out);
}

/* Comprehensions. */

static int assign(struct defn *d, const struct sdc_node *t,
    const struct dv *v);

static int
comp_loop(struct defn *d, const struct sdc_node *n, size_t fi,
    struct dv_seq *acc)
{
	const struct sdc_node *cf;
	struct dv_seq *items;
	struct dv v, k;
	size_t i, j;
	int t;

	if (fi == n->n) {
		if (defn_step(d, n) != 0)
			return -1;
		if (n->kind == SDC_NODE_DICTCOMP)
			return ev(d, n->kid[0], &k) != 0 ||
			    ev(d, n->kid[1], &v) != 0 ||
			    defn_dict_put(d, acc, k, v, n->kid[0]) != 0 ? -1 : 0;
		if (ev(d, n->kid[0], &v) != 0)
			return -1;
		return n->kind == SDC_NODE_SETCOMP ? defn_set_add(d, acc, v,
		    n->kid[0]) : dv_seq_push(d, acc, v);
	}
	cf = n->kid[fi];
	if (ev(d, cf->kid[1], &v) != 0 || dv_iter(d, &v, cf->kid[1],
	    &items) != 0)
		return -1;
	for (i = 0; i < items->n; i++) {
		if (defn_step(d, cf) != 0 || assign(d, cf->kid[0],
		    &items->v[i]) != 0)
			return -1;
		for (j = 2, t = 1; j < cf->n && t; j++)
			if (ev(d, cf->kid[j], &v) != 0 ||
			    dv_truthy(d, &v, cf->kid[j], &t) != 0)
				return -1;
		if (t && comp_loop(d, n, fi + 1, acc) != 0)
			return -1;
	}
	return 0;
}

static int
ev_comp(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv_env *saved = d->env, *env = defn_env_new(d, d->env, 16);
	struct dv_seq *acc = dv_seq_new(d, 8);
	int rc;

	if (env == NULL || acc == NULL)
		return -1;
	d->env = env;
	rc = comp_loop(d, n, n->kind == SDC_NODE_DICTCOMP ? 2 : 1, acc);
	d->env = saved;
	if (rc != 0)
		return -1;
	*out = dv_seqval(n->kind == SDC_NODE_DICTCOMP ? DV_DICT :
	    n->kind == SDC_NODE_SETCOMP ? DV_SET : DV_LIST, acc);
	return 0;
}

static int
ev_name(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	const struct dv *v;
	int t;

	if ((v = defn_env_get(d->env, n->name)) != NULL) {
		*out = *v;
		return 0;
	}
	if (is_dunder(n->name))
		return defn_fail(d, n, SDC_EPARSE, "name '%s' is refused in "
		    "dataset definitions", n->name);
	t = defn_py_builtin(d, n->name, n, out);
	if (t <= 0)
		return t;
	return defn_fail(d, n, SDC_EPARSE, "name '%s' is not defined",
	    n->name);
}

static int
ev_inner(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct dv a, b;
	int t;

	switch (n->kind) {
	case SDC_NODE_NAME:
		return ev_name(d, n, out);
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
		if (is_dunder(n->name))
			return dunder_error(d, n, n->name);
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
		return defn_fstring(d, n, out);
	case SDC_NODE_LAMBDA:
		return make_func(d, "<lambda>", n, n->kid[0], out);
	case SDC_NODE_LISTCOMP:
	case SDC_NODE_SETCOMP:
	case SDC_NODE_GENEXP:
	case SDC_NODE_DICTCOMP:
		return ev_comp(d, n, out);
	case SDC_NODE_STAR:
		return defn_fail(d, n, SDC_EPARSE, "can't use starred "
		    "expression here");
	default:
		return defn_fail(d, n, SDC_EPARSE, "unexpected expression");
	}
}

static int
ev(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	int rc;

	if (d->evdepth >= DEFN_EVAL_DEPTH_MAX)
		return defn_fail(d, n, SDC_ELIMIT, "evaluation nested more "
		    "than %d deep (expressions within calls of functions)",
		    DEFN_EVAL_DEPTH_MAX);
	d->evdepth++;
	rc = ev_inner(d, n, out);
	d->evdepth--;
	return rc;
}

int
defn_ev(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	return ev(d, n, out);
}

/* Statements. */

static int
assign_seq(struct defn *d, const struct sdc_node *t, const struct dv *v)
{
	struct dv_seq *items, *mid;
	size_t i, j, star = t->n, after;

	if (dv_iter(d, v, t, &items) != 0)
		return -1;
	for (i = 0; i < t->n; i++)
		if (t->kid[i]->kind == SDC_NODE_STAR)
			star = i;
	if (star == t->n) {
		if (items->n != t->n)
			return defn_fail(d, t, SDC_EPARSE, "%s values to "
			    "unpack (expected %zu, got %zu)", items->n > t->n ?
			    "too many" : "not enough", t->n, items->n);
		for (i = 0; i < t->n; i++)
			if (assign(d, t->kid[i], &items->v[i]) != 0)
				return -1;
		return 0;
	}
	after = t->n - star - 1;
	if (items->n < t->n - 1)
		return defn_fail(d, t, SDC_EPARSE, "not enough values to unpack "
		    "(expected at least %zu, got %zu)", t->n - 1, items->n);
	for (i = 0; i < star; i++)
		if (assign(d, t->kid[i], &items->v[i]) != 0)
			return -1;
	if ((mid = dv_seq_new(d, items->n - star - after)) == NULL)
		return -1;
	for (j = star; j < items->n - after; j++)
		if (dv_seq_push(d, mid, items->v[j]) != 0)
			return -1;
	{
		struct dv m = dv_seqval(DV_LIST, mid);

		if (assign(d, t->kid[star]->kid[0], &m) != 0)
			return -1;
	}
	for (i = 0; i < after; i++)
		if (assign(d, t->kid[star + 1 + i], &items->v[items->n - after +
		    i]) != 0)
			return -1;
	return 0;
}

static int
assign(struct defn *d, const struct sdc_node *t, const struct dv *v)
{
	struct dv o, k;
	size_t i;

	switch (t->kind) {
	case SDC_NODE_NAME:
		if (is_dunder(t->name))
			return defn_fail(d, t, SDC_EPARSE, "assigning to '%s' "
			    "is refused in dataset definitions", t->name);
		return defn_env_set(d, d->env, t->name, *v);
	case SDC_NODE_ATTR:
		if (is_dunder(t->name))
			return dunder_error(d, t, t->name);
		if (ev(d, t->kid[0], &o) != 0)
			return -1;
		if (o.k == DV_DATASET)
			return defn_set_variable(d, o.u.ds, t->name, v, t);
		return defn_fail(d, t, SDC_EPARSE, "cannot set attribute '%s' "
		    "of a '%s' object", t->name, dv_type_name(d, &o));
	case SDC_NODE_SUBSCRIPT:
		if (t->kid[1]->kind == SDC_NODE_SLICE)
			return defn_fail(d, t, SDC_EPARSE, "assignment to a "
			    "slice is not supported in dataset definitions");
		if (ev(d, t->kid[0], &o) != 0 || ev(d, t->kid[1], &k) != 0)
			return -1;
		if (o.k == DV_DICT)
			return defn_dict_put(d, o.u.seq, k, *v, t->kid[1]);
		if (o.k == DV_LIST) {
			if (seq_index(d, &o, &k, t, t->kid[1], &i) != 0)
				return -1;
			o.u.seq->v[i] = *v;
			return 0;
		}
		return defn_fail(d, t, SDC_EPARSE, "'%s' object does not "
		    "support item assignment", dv_type_name(d, &o));
	case SDC_NODE_TUPLE:
	case SDC_NODE_LIST:
		if (v->k == DV_SERIES || v->k == DV_FRAME)
			return defn_fail(d, t, SDC_EPARSE, "cannot unpack "
			    "non-sequence %s", dv_type_name(d, v));
		return assign_seq(d, t, v);
	default:
		return defn_fail(d, t, SDC_EPARSE, "assignment to this target "
		    "is not supported in dataset definitions");
	}
}

static int
exec_for(struct defn *d, const struct sdc_node *s)
{
	struct dv v;
	struct dv_seq *items;
	size_t i;

	if (ev(d, s->kid[1], &v) != 0 || dv_iter(d, &v, s->kid[1],
	    &items) != 0)
		return -1;
	/* items->n is read each time: a list may grow while looped over */
	for (i = 0; i < items->n; i++) {
		if (defn_step(d, s) != 0 || assign(d, s->kid[0],
		    &items->v[i]) != 0 || defn_exec_block(d, s->kid[2]) != 0)
			return -1;
		if (d->flow == FLOW_BREAK) {
			d->flow = FLOW_NEXT;
			break;
		}
		if (d->flow == FLOW_CONTINUE)
			d->flow = FLOW_NEXT;
		else if (d->flow == FLOW_RETURN)
			break;
	}
	return 0;
}

static int
exec_inner(struct defn *d, const struct sdc_node *s)
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
		if (s->kid[0]->kind != SDC_NODE_NAME &&
		    s->kid[0]->kind != SDC_NODE_SUBSCRIPT)
			return defn_fail(d, s, SDC_EPARSE, "augmented "
			    "assignment is supported to names and items only");
		if (ev(d, s->kid[0], &cur) != 0 || ev(d, s->kid[1], &v) != 0)
			return -1;
		if (cur.k == DV_LIST && s->op == SDC_OP_ADD) {
			/* x += it extends x in place, as Python does */
			struct dv_seq *items;

			if (dv_iter(d, &v, s->kid[1], &items) != 0)
				return -1;
			if (items == cur.u.seq)
				return defn_fail(d, s, SDC_EPARSE, "a list "
				    "extended with itself is not supported");
			for (i = 0; i < items->n; i++)
				if (dv_seq_push(d, cur.u.seq, items->v[i]) != 0)
					return -1;
			return 0;
		}
		if (defn_binop(d, s->op, &cur, &v, s, &v) != 0)
			return -1;
		return assign(d, s->kid[0], &v);
	case SDC_NODE_IMPORT:
		return defn_exec_import(d, s);
	case SDC_NODE_FROM:
		return defn_exec_from(d, s);
	case SDC_NODE_PASS:
		return 0;
	case SDC_NODE_IF:
		if (ev(d, s->kid[0], &v) != 0 || dv_truthy(d, &v, s->kid[0],
		    &t) != 0)
			return -1;
		if (t)
			return defn_exec_block(d, s->kid[1]);
		if (s->kid[2] == NULL)
			return 0;
		if (s->kid[2]->kind == SDC_NODE_IF)
			return exec_stmt(d, s->kid[2]);
		return defn_exec_block(d, s->kid[2]);
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
		if (make_func(d, s->name, s, s->kid[0], &v) != 0)
			return -1;
		return defn_env_set(d, d->env, s->name, v);
	case SDC_NODE_RETURN:
		d->ret = dv_none();
		if (s->n > 0 && s->kid[0] && ev(d, s->kid[0], &d->ret) != 0)
			return -1;
		d->flow = FLOW_RETURN;
		return 0;
	case SDC_NODE_BREAK:
		d->flow = FLOW_BREAK;
		return 0;
	case SDC_NODE_CONTINUE:
		d->flow = FLOW_CONTINUE;
		return 0;
	case SDC_NODE_FOR:
		return exec_for(d, s);
	case SDC_NODE_RAISE:
		/* a bare raise has no child at all */
		if (s->n > 0 && ev(d, s->kid[0], &v) == 0 && v.k == DV_STR)
			return defn_fail(d, s, SDC_EDATA, "the definition "
			    "raised an exception: %.*s", (int)v.u.s.len,
			    v.u.s.p);
		return defn_fail(d, s, SDC_EDATA, "the definition raised an "
		    "exception");
	default:
		return defn_fail(d, s, SDC_EPARSE, "this statement is not "
		    "supported in dataset definitions");
	}
}

static int
exec_stmt(struct defn *d, const struct sdc_node *s)
{
	const struct sdc_node *saved = d->cur;
	int rc;

	if (defn_step(d, s) != 0)
		return -1;
	if (d->evdepth >= DEFN_EVAL_DEPTH_MAX)
		return defn_fail(d, s, SDC_ELIMIT, "evaluation nested more "
		    "than %d deep (statements within calls of functions)",
		    DEFN_EVAL_DEPTH_MAX);
	d->evdepth++;
	d->cur = s;
	rc = exec_inner(d, s);
	d->cur = saved;
	d->evdepth--;
	return rc;
}

int
defn_exec_block(struct defn *d, const struct sdc_node *blk)
{
	size_t i;

	for (i = 0; i < blk->n; i++) {
		if (exec_stmt(d, blk->kid[i]) != 0)
			return -1;
		if (d->flow != FLOW_NEXT)
			return 0;
	}
	return 0;
}
