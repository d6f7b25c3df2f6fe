/*
 * query.c - the query graph's storage: an arena for nodes and strings,
 * objects the query owns, the table list.  The builders that check
 * types and levels follow at the end of the file.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "query.h"

#define CHUNK_MIN (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct kept {
	void *obj;
	void (*fn)(void *);
};

/* What builders know of a node beyond query.h's fields, by node id. */
struct meta {
	const struct sdc_qnode *dom;	/* domain: the filtered frame (TABLE,
					   WHERE, EXCEPT) an event-level node
					   ranges over; NULL: patient */
	unsigned height;		/* 1 + tallest child's */
};

struct sdc_query_mem_ {
	struct chunk *chunks;
	struct kept *kept;
	size_t nkept, capkept;
	size_t captables;
	struct sdc_qnode **ht;		/* hash-consing table, open addressing */
	size_t htcap, htn;
	struct meta *meta;		/* by node id */
	size_t capmeta;
};

struct sdc_query *
sdc_query_new(struct sdc_err *err)
{
	struct sdc_query *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->mem_ = calloc(1, sizeof(*q->mem_))) == NULL) {
		free(q);
		sdc_err_nomem(err);
		return NULL;
	}
	q->disclosure_control = 1;
	return q;
}

void
sdc_query_free(struct sdc_query *q)
{
	struct chunk *c, *next;
	size_t i;

	if (q == NULL)
		return;
	for (i = q->mem_->nkept; i-- > 0;)
		q->mem_->kept[i].fn(q->mem_->kept[i].obj);
	free(q->mem_->kept);
	for (c = q->mem_->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(q->tables);
	free(q->mem_->ht);
	free(q->mem_->meta);
	free(q->mem_);
	free(q);
}

void *
sdc_query_alloc(struct sdc_query *q, size_t n, struct sdc_err *err)
{
	struct chunk *c = q->mem_->chunks;
	size_t align = sizeof(max_align_t), size;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2) {
		sdc_err_nomem(err);
		return NULL;
	}
	n = (n + align - 1) / align * align;
	if (c == NULL || c->size - c->used < n) {
		size = n > CHUNK_MIN ? n : CHUNK_MIN;
		if ((c = malloc(sizeof(*c) + size)) == NULL) {
			sdc_err_nomem(err);
			return NULL;
		}
		c->size = size;
		c->used = 0;
		c->next = q->mem_->chunks;
		q->mem_->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

int
sdc_query_keep(struct sdc_query *q, void *obj, void (*fn)(void *),
    struct sdc_err *err)
{
	struct sdc_query_mem_ *m = q->mem_;
	struct kept *k;
	size_t cap;

	if (m->nkept == m->capkept) {
		cap = m->capkept ? m->capkept * 2 : 8;
		if ((k = realloc(m->kept, cap * sizeof(*k))) == NULL) {
			fn(obj);
			return sdc_err_nomem(err);
		}
		m->kept = k;
		m->capkept = cap;
	}
	m->kept[m->nkept].obj = obj;
	m->kept[m->nkept].fn = fn;
	m->nkept++;
	return 0;
}

long
sdc_query_table(struct sdc_query *q, const struct sdc_schema_table *t,
    struct sdc_err *err)
{
	struct sdc_qtable *tab;
	size_t i, cap;

	for (i = 0; i < q->ntables; i++)
		if (q->tables[i].schema == t)
			return (long)i;
	if (t->ncolumns > 64)
		return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
		    "table %s has more than 64 columns", t->name);
	if (q->ntables == q->mem_->captables) {
		cap = q->mem_->captables ? q->mem_->captables * 2 : 8;
		if ((tab = realloc(q->tables, cap * sizeof(*tab))) == NULL)
			return sdc_err_nomem(err);
		q->tables = tab;
		q->mem_->captables = cap;
	}
	tab = &q->tables[q->ntables];
	memset(tab, 0, sizeof(*tab));
	tab->schema = t;
	tab->used = 1;
	return (long)q->ntables++;
}

struct sdc_qnode *
sdc_query_node(struct sdc_query *q, enum sdc_qkind kind, size_t n,
    struct sdc_err *err)
{
	struct sdc_qnode *node;

	if (q->nnodes >= 0xffffffffu) {
		sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0, "too many nodes");
		return NULL;
	}
	if ((node = sdc_query_alloc(q, sizeof(*node), err)) == NULL)
		return NULL;
	if (n > 0 && (node->kid = sdc_query_alloc(q, n * sizeof(*node->kid),
	    err)) == NULL)
		return NULL;
	node->kind = kind;
	node->n = n;
	node->column = -1;
	node->id = (unsigned)q->nnodes++;
	return node;
}

/*
 * Builders.  Each makes a prototype node on the stack, checks it, and
 * looks it up in the hash-consing table before copying it into q.
 */


static const char *const qop_names[] = {
	[SDC_QOP_NONE] = "none",
	[SDC_QOP_FIRST] = "first", [SDC_QOP_LAST] = "last",
	[SDC_QOP_MAX] = "max", [SDC_QOP_MIN] = "min",
	[SDC_QOP_NOT] = "not", [SDC_QOP_NEG] = "neg", [SDC_QOP_ABS] = "abs",
	[SDC_QOP_IS_NULL] = "is-null", [SDC_QOP_IS_NOT_NULL] = "is-not-null",
	[SDC_QOP_AS_INT] = "as-int", [SDC_QOP_AS_FLOAT] = "as-float",
	[SDC_QOP_YEAR] = "year", [SDC_QOP_MONTH] = "month",
	[SDC_QOP_DAY] = "day", [SDC_QOP_FIRST_OF_MONTH] = "first-of-month",
	[SDC_QOP_FIRST_OF_YEAR] = "first-of-year",
	[SDC_QOP_AND] = "and", [SDC_QOP_OR] = "or", [SDC_QOP_EQ] = "eq",
	[SDC_QOP_NE] = "ne", [SDC_QOP_LT] = "lt", [SDC_QOP_LE] = "le",
	[SDC_QOP_GT] = "gt", [SDC_QOP_GE] = "ge", [SDC_QOP_ADD] = "add",
	[SDC_QOP_SUB] = "sub", [SDC_QOP_MUL] = "mul", [SDC_QOP_DIV] = "div",
	[SDC_QOP_FLOORDIV] = "floordiv", [SDC_QOP_POW] = "pow",
	[SDC_QOP_ADD_DAYS] = "add-days", [SDC_QOP_ADD_WEEKS] = "add-weeks",
	[SDC_QOP_ADD_MONTHS] = "add-months",
	[SDC_QOP_ADD_YEARS] = "add-years",
	[SDC_QOP_DIFF_DAYS] = "diff-days", [SDC_QOP_DIFF_WEEKS] = "diff-weeks",
	[SDC_QOP_DIFF_MONTHS] = "diff-months",
	[SDC_QOP_DIFF_YEARS] = "diff-years",
	[SDC_QOP_CONTAINS] = "contains", [SDC_QOP_WHEN_NULL] = "when-null",
	[SDC_QOP_AGG_EXISTS] = "exists", [SDC_QOP_AGG_COUNT] = "count",
	[SDC_QOP_AGG_COUNT_DISTINCT] = "count-distinct",
	[SDC_QOP_AGG_MIN] = "min", [SDC_QOP_AGG_MAX] = "max",
	[SDC_QOP_AGG_SUM] = "sum", [SDC_QOP_AGG_MEAN] = "mean",
	[SDC_QOP_AGG_COUNT_EPISODES] = "count-episodes",
	[SDC_QOP_INTERVAL_START] = "interval-start",
	[SDC_QOP_INTERVAL_END] = "interval-end"
};

const char *
sdc_query_type_name(enum sdc_schema_type type, enum sdc_code_system system)
{
	switch (type) {
	case SDC_TYPE_BOOL:
		return "bool";
	case SDC_TYPE_INT:
		return "int";
	case SDC_TYPE_FLOAT:
		return "float";
	case SDC_TYPE_STR:
		return "str";
	case SDC_TYPE_DATE:
		return "datetime.date";
	case SDC_TYPE_CODE:
		return system ? sdc_code_system_class(system) : "BaseCode";
	case SDC_TYPE_MULTICODE:
		return system == SDC_CODE_OPCS4 ? "OPCS4MultiCodeString" :
		    "ICD10MultiCodeString";
	}
	return "?";
}

static int
is_frame(const struct sdc_qnode *n)
{
	return n->kind <= SDC_Q_PICK;
}

static int
fail(struct sdc_err *err, const struct sdc_qloc *loc, enum sdc_err_code code,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int
fail(struct sdc_err *err, const struct sdc_qloc *loc, enum sdc_err_code code,
    const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdc_err_set(err, code, loc ? loc->file : NULL,
	    loc ? loc->line : 0, loc ? loc->col : 0, "%s", msg);
}

static struct meta *
meta_of(const struct sdc_query *q, const struct sdc_qnode *n)
{
	static struct meta none = { NULL, 1 };	/* read-only */

	if (n->id < q->mem_->capmeta)
		return &q->mem_->meta[n->id];
	return &none;
}

/* Is a an ancestor-or-self domain of b?  NULL (patient) is everyone's. */
static int
dom_ancestor(const struct sdc_query *q, const struct sdc_qnode *a,
    const struct sdc_qnode *b)
{
	int steps = 0;

	if (a == NULL)
		return 1;
	while (b != NULL && steps++ <= SDC_QUERY_HEIGHT_MAX) {
		if (a == b)
			return 1;
		b = (b->kind == SDC_Q_WHERE || b->kind == SDC_Q_EXCEPT) ?
		    meta_of(q, b->kid[0])->dom : NULL;
	}
	return 0;
}

static int
series_check(const struct sdc_query *q, const struct sdc_qnode *n,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	if (is_frame(n))
		return fail(err, loc, SDC_EPARSE, "Expecting a series but got "
		    "a frame (`%s`): are you missing a column name?",
		    q->tables[n->table].schema->name);
	return 0;
}

static int
type_mismatch(const struct sdc_qnode *want_like, const struct sdc_qnode *got,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	return fail(err, loc, SDC_EPARSE, "Expected type 'Series[%s]' but got "
	    "'Series[%s]'", sdc_query_type_name(want_like->type,
	    want_like->system), sdc_query_type_name(got->type, got->system));
}

static int
type_want(const struct sdc_qnode *got, const char *want,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	return fail(err, loc, SDC_EPARSE, "Expected type '%s' but got "
	    "'Series[%s]'", want, sdc_query_type_name(got->type, got->system));
}

static int
same_type(const struct sdc_qnode *a, const struct sdc_qnode *b)
{
	return a->type == b->type && ((a->type != SDC_TYPE_CODE &&
	    a->type != SDC_TYPE_MULTICODE) || a->system == b->system);
}

#define DOMAIN_MSG "Cannot combine series which are drawn from different " \
	"tables and both have more than one value per patient; reduce one " \
	"series to one value per patient with an aggregation like " \
	"`maximum_for_patient()`, or pick a single row for each patient " \
	"from the table using `first_for_patient()`"

/* The common domain of n nodes, or -1 with err set. */
static int
combine(const struct sdc_query *q, struct sdc_qnode *const *kids, size_t n,
    const struct sdc_qnode **dom, int eq, const struct sdc_qloc *loc,
    struct sdc_err *err)
{
	size_t i;

	*dom = NULL;
	for (i = 0; i < n; i++) {
		const struct sdc_qnode *d = meta_of(q, kids[i])->dom;

		if (d == NULL)
			continue;
		if (*dom != NULL && *dom != d)
			return fail(err, loc, SDC_EPARSE, "%s%s", DOMAIN_MSG,
			    eq ? "; or use `x.is_in(y)` instead of `x == y` "
			    "to check if values from one series match any of "
			    "the patient's values in the other" : "");
		*dom = d;
	}
	return 0;
}

/* Hashing. */
static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0x100000001b3ULL;
}

static uint64_t
hash_bytes(uint64_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return mix(h, n);
}

static uint64_t
hash_val(uint64_t h, enum sdc_schema_type type, const struct sdc_qval *v)
{
	uint64_t bits;

	if (v->null)
		return mix(h, 0x5a5a);
	switch (type) {
	case SDC_TYPE_BOOL:
		return mix(h, (uint64_t)v->u.b);
	case SDC_TYPE_INT:
		return mix(h, (uint64_t)v->u.i);
	case SDC_TYPE_FLOAT:
		memcpy(&bits, &v->u.f, sizeof(bits));
		return mix(h, bits);
	case SDC_TYPE_DATE:
		return mix(h, (uint64_t)(uint32_t)v->u.d);
	default:
		return hash_bytes(h, v->u.s.p, v->u.s.len);
	}
}

static int
val_same(enum sdc_schema_type type, const struct sdc_qval *a,
    const struct sdc_qval *b)
{
	if (a->null || b->null)
		return a->null && b->null;
	if (type == SDC_TYPE_FLOAT)
		return memcmp(&a->u.f, &b->u.f, sizeof(double)) == 0;
	return sdc_qval_cmp(type, a, b) == 0;
}

static uint64_t
hash_node(const struct sdc_qnode *n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = mix(h, (uint64_t)n->kind);
	h = mix(h, (uint64_t)n->op);
	h = mix(h, (uint64_t)n->type);
	h = mix(h, (uint64_t)n->system);
	h = mix(h, (uint64_t)n->column);
	h = mix(h, n->kind == SDC_Q_TABLE ? (uint64_t)n->table : 0);
	h = mix(h, n->n);
	for (i = 0; i < n->n; i++)
		h = mix(h, (uint64_t)n->kid[i]->id);
	if (n->kind == SDC_Q_VALUE)
		h = hash_val(h, n->type, &n->val);
	h = mix(h, n->nvals);
	for (i = 0; i < n->nvals; i++) {
		h = hash_val(h, n->kind == SDC_Q_MAP ? n->kid[0]->type :
		    n->kid[0]->type, &n->vals[i]);
		if (n->map)
			h = hash_val(h, n->type, &n->map[i]);
	}
	return h;
}

static int
node_same(const struct sdc_qnode *a, const struct sdc_qnode *b)
{
	size_t i;

	if (a->kind != b->kind || a->op != b->op || a->type != b->type ||
	    a->system != b->system || a->column != b->column || a->n != b->n ||
	    a->nvals != b->nvals || (a->map == NULL) != (b->map == NULL))
		return 0;
	if (a->kind == SDC_Q_TABLE && a->table != b->table)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->kid[i] != b->kid[i])
			return 0;
	if (a->kind == SDC_Q_VALUE && !val_same(a->type, &a->val, &b->val))
		return 0;
	for (i = 0; i < a->nvals; i++) {
		if (!val_same(a->kid[0]->type, &a->vals[i], &b->vals[i]))
			return 0;
		if (a->map && !val_same(a->type, &a->map[i], &b->map[i]))
			return 0;
	}
	return 1;
}

static int
ht_grow(struct sdc_query *q, struct sdc_err *err)
{
	struct sdc_query_mem_ *m = q->mem_;
	size_t cap = m->htcap ? m->htcap * 2 : 256, i, j;
	struct sdc_qnode **ht = calloc(cap, sizeof(*ht));

	if (ht == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < m->htcap; i++) {
		if (m->ht[i] == NULL)
			continue;
		j = (size_t)hash_node(m->ht[i]) & (cap - 1);
		while (ht[j] != NULL)
			j = (j + 1) & (cap - 1);
		ht[j] = m->ht[i];
	}
	free(m->ht);
	m->ht = ht;
	m->htcap = cap;
	return 0;
}

static int
copy_val(struct sdc_query *q, enum sdc_schema_type type, struct sdc_qval *v,
    struct sdc_err *err)
{
	char *p;

	if (v->null || (type != SDC_TYPE_STR && type != SDC_TYPE_CODE &&
	    type != SDC_TYPE_MULTICODE))
		return 0;
	if ((p = sdc_query_alloc(q, v->u.s.len + 1, err)) == NULL)
		return -1;
	if (v->u.s.len)
		memcpy(p, v->u.s.p, v->u.s.len);
	v->u.s.p = p;
	return 0;
}

/*
 * Intern the prototype p (kids in p->kid, vals/map borrowed) with
 * domain dom: return the existing equal node or a new copy.
 */
static struct sdc_qnode *
intern(struct sdc_query *q, const struct sdc_qnode *p,
    const struct sdc_qnode *dom, const struct sdc_qloc *loc,
    struct sdc_err *err)
{
	struct sdc_query_mem_ *m = q->mem_;
	struct sdc_qnode *n;
	struct sdc_qval *vals = NULL, *map = NULL;
	uint64_t h = hash_node(p);
	unsigned height = 1;
	size_t i, j;

	if (m->htcap == 0 && ht_grow(q, err) != 0)
		return NULL;
	for (j = (size_t)h & (m->htcap - 1); m->ht[j] != NULL;
	    j = (j + 1) & (m->htcap - 1))
		if (node_same(m->ht[j], p))
			return m->ht[j];
	for (i = 0; i < p->n; i++)
		if (meta_of(q, p->kid[i])->height + 1 > height)
			height = meta_of(q, p->kid[i])->height + 1;
	if (height > SDC_QUERY_HEIGHT_MAX) {
		fail(err, loc, SDC_ELIMIT, "expression nested more than %d "
		    "levels deep", SDC_QUERY_HEIGHT_MAX);
		return NULL;
	}
	if ((n = sdc_query_node(q, p->kind, p->n, err)) == NULL)
		return NULL;
	if (p->n)
		memcpy(n->kid, p->kid, p->n * sizeof(*n->kid));
	n->op = p->op;
	n->level = p->level;
	n->table = p->table;
	n->type = p->type;
	n->system = p->system;
	n->column = p->column;
	n->val = p->val;
	if (n->kind == SDC_Q_VALUE && copy_val(q, n->type, &n->val, err) != 0)
		return NULL;
	if (p->nvals) {
		if ((vals = sdc_query_alloc(q, p->nvals * sizeof(*vals),
		    err)) == NULL)
			return NULL;
		memcpy(vals, p->vals, p->nvals * sizeof(*vals));
		for (i = 0; i < p->nvals; i++)
			if (copy_val(q, p->kid[0]->type, &vals[i], err) != 0)
				return NULL;
		if (p->map) {
			if ((map = sdc_query_alloc(q, p->nvals * sizeof(*map),
			    err)) == NULL)
				return NULL;
			memcpy(map, p->map, p->nvals * sizeof(*map));
			for (i = 0; i < p->nvals; i++)
				if (copy_val(q, p->type, &map[i], err) != 0)
					return NULL;
		}
	}
	n->nvals = p->nvals;
	n->vals = vals;
	n->map = map;
	n->interval = n->kind == SDC_Q_INTERVAL;
	for (i = 0; i < n->n; i++)
		n->interval |= n->kid[i]->interval;
	n->file = loc ? loc->file : NULL;
	n->line = loc ? loc->line : 0;
	n->col = loc ? loc->col : 0;
	if (n->id >= m->capmeta) {
		size_t cap = m->capmeta ? m->capmeta * 2 : 256;
		struct meta *mt;

		while (cap <= n->id)
			cap *= 2;
		if ((mt = realloc(m->meta, cap * sizeof(*mt))) == NULL) {
			sdc_err_nomem(err);
			return NULL;
		}
		memset(mt + m->capmeta, 0, (cap - m->capmeta) * sizeof(*mt));
		m->meta = mt;
		m->capmeta = cap;
	}
	m->meta[n->id].dom = (n->kind == SDC_Q_WHERE || n->kind == SDC_Q_EXCEPT ||
	    (n->kind == SDC_Q_TABLE && n->level == SDC_QL_EVENT)) ? n : dom;
	m->meta[n->id].height = height;
	if ((m->htn + 1) * 2 > m->htcap && ht_grow(q, err) != 0)
		return NULL;
	for (j = (size_t)h & (m->htcap - 1); m->ht[j] != NULL;
	    j = (j + 1) & (m->htcap - 1))
		;
	m->ht[j] = n;
	m->htn++;
	return n;
}

static void
proto_init(struct sdc_qnode *p, enum sdc_qkind kind, struct sdc_qnode **kids,
    size_t n)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->kid = kids;
	p->n = n;
	p->column = -1;
}

/* Set level and table of p from its domain. */
static void
proto_level(struct sdc_qnode *p, const struct sdc_qnode *dom)
{
	p->level = dom ? SDC_QL_EVENT : SDC_QL_PATIENT;
	p->table = dom ? dom->table : 0;
}

struct sdc_qnode *
sdc_query_interval(struct sdc_query *q, enum sdc_qop op,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p;

	if (op != SDC_QOP_INTERVAL_START && op != SDC_QOP_INTERVAL_END) {
		fail(err, loc, SDC_EUSAGE, "not an INTERVAL operation");
		return NULL;
	}
	proto_init(&p, SDC_Q_INTERVAL, NULL, 0);
	p.op = op;
	p.type = SDC_TYPE_DATE;
	p.level = SDC_QL_PATIENT;
	return intern(q, &p, NULL, loc, err);
}

struct sdc_qnode *
sdc_query_select(struct sdc_query *q, const struct sdc_schema_table *t,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p;
	long idx = sdc_query_table(q, t, err);

	if (idx < 0) {
		if (err && loc) {
			snprintf(err->file, sizeof(err->file), "%s",
			    loc->file ? loc->file : "");
			err->line = loc->line;
			err->column = loc->col;
		}
		return NULL;
	}
	proto_init(&p, SDC_Q_TABLE, NULL, 0);
	p.table = (size_t)idx;
	p.level = t->patient_level ? SDC_QL_PATIENT : SDC_QL_EVENT;
	return intern(q, &p, NULL, loc, err);
}

struct sdc_qnode *
sdc_query_column(struct sdc_query *q, struct sdc_qnode *frame,
    const char *name, const struct sdc_qloc *loc, struct sdc_err *err)
{
	const struct sdc_schema_table *t;
	struct sdc_qnode p, *kids[1], *n;
	long c;

	if (!is_frame(frame)) {
		fail(err, loc, SDC_EPARSE, "cannot select column '%s' of a "
		    "series", name);
		return NULL;
	}
	t = q->tables[frame->table].schema;
	c = sdc_schema_column_index(t, name);
	if (c <= 0) {
		fail(err, loc, SDC_EPARSE, "'%s' object has no attribute '%s'",
		    t->name, name);
		return NULL;
	}
	kids[0] = frame;
	proto_init(&p, SDC_Q_COLUMN, kids, 1);
	p.column = c;
	p.type = t->columns[c].type;
	p.system = t->columns[c].system;
	proto_level(&p, frame->kind == SDC_Q_PICK ? NULL :
	    meta_of(q, frame)->dom);
	p.table = frame->table;
	if ((n = intern(q, &p, meta_of(q, frame)->dom, loc, err)) == NULL)
		return NULL;
	if (frame->kind == SDC_Q_PICK)
		frame->kid[0]->picked |= (uint64_t)1 << c;
	q->tables[frame->table].used |= (uint64_t)1 << c;
	return n;
}

struct sdc_qnode *
sdc_query_value(struct sdc_query *q, enum sdc_schema_type type,
    enum sdc_code_system system, const struct sdc_qval *v,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p;

	proto_init(&p, SDC_Q_VALUE, NULL, 0);
	p.type = type;
	p.system = (type == SDC_TYPE_CODE || type == SDC_TYPE_MULTICODE) ?
	    system : SDC_CODE_NONE;
	p.val = *v;
	if (type == SDC_TYPE_FLOAT && !v->null && v->u.f == 0)
		p.val.u.f = v->u.f;	/* keep the sign of zero */
	return intern(q, &p, NULL, loc, err);
}

struct sdc_qnode *
sdc_query_unary(struct sdc_query *q, enum sdc_qop op, struct sdc_qnode *a,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[1];
	enum sdc_schema_type t;

	if (series_check(q, a, loc, err) != 0)
		return NULL;
	t = a->type;
	kids[0] = a;
	proto_init(&p, SDC_Q_UNARY, kids, 1);
	p.op = op;
	switch (op) {
	case SDC_QOP_NOT:
		if (t != SDC_TYPE_BOOL)
			goto bad_bool;
		p.type = t;
		break;
	case SDC_QOP_NEG:
	case SDC_QOP_ABS:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT)
			goto bad_num;
		p.type = t;
		break;
	case SDC_QOP_IS_NULL:
	case SDC_QOP_IS_NOT_NULL:
		p.type = SDC_TYPE_BOOL;
		break;
	case SDC_QOP_AS_INT:
	case SDC_QOP_AS_FLOAT:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT &&
		    t != SDC_TYPE_BOOL)
			goto bad_num;
		p.type = op == SDC_QOP_AS_INT ? SDC_TYPE_INT : SDC_TYPE_FLOAT;
		break;
	case SDC_QOP_YEAR:
	case SDC_QOP_MONTH:
	case SDC_QOP_DAY:
	case SDC_QOP_FIRST_OF_MONTH:
	case SDC_QOP_FIRST_OF_YEAR:
		if (t != SDC_TYPE_DATE)
			goto bad_date;
		p.type = (op == SDC_QOP_FIRST_OF_MONTH ||
		    op == SDC_QOP_FIRST_OF_YEAR) ? SDC_TYPE_DATE : SDC_TYPE_INT;
		break;
	default:
		fail(err, loc, SDC_EUSAGE, "not a unary operation");
		return NULL;
	}
	p.system = SDC_CODE_NONE;
	proto_level(&p, meta_of(q, a)->dom);
	return intern(q, &p, meta_of(q, a)->dom, loc, err);
bad_bool:
	type_want(a, "Series[bool]", loc, err);
	return NULL;
bad_num:
	type_want(a, "Series[int]' or 'Series[float]", loc, err);
	return NULL;
bad_date:
	type_want(a, "Series[datetime.date]", loc, err);
	return NULL;
}

static int
comparable(enum sdc_schema_type t)
{
	return t == SDC_TYPE_INT || t == SDC_TYPE_FLOAT || t == SDC_TYPE_DATE ||
	    t == SDC_TYPE_STR || t == SDC_TYPE_CODE;
}

struct sdc_qnode *
sdc_query_binary(struct sdc_query *q, enum sdc_qop op, struct sdc_qnode *a,
    struct sdc_qnode *b, const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[2];
	const struct sdc_qnode *dom;
	enum sdc_schema_type ta, tb;

	if (series_check(q, a, loc, err) != 0 ||
	    series_check(q, b, loc, err) != 0)
		return NULL;
	ta = a->type;
	tb = b->type;
	kids[0] = a;
	kids[1] = b;
	proto_init(&p, SDC_Q_BINARY, kids, 2);
	p.op = op;
	switch (op) {
	case SDC_QOP_AND:
	case SDC_QOP_OR:
		if (ta != SDC_TYPE_BOOL) {
			type_want(a, "Series[bool]", loc, err);
			return NULL;
		}
		if (tb != SDC_TYPE_BOOL)
			goto mismatch;
		p.type = SDC_TYPE_BOOL;
		break;
	case SDC_QOP_EQ:
	case SDC_QOP_NE:
		if (!same_type(a, b))
			goto mismatch;
		p.type = SDC_TYPE_BOOL;
		break;
	case SDC_QOP_LT:
	case SDC_QOP_LE:
	case SDC_QOP_GT:
	case SDC_QOP_GE:
		if (!comparable(ta)) {
			type_want(a, "Series[int | float | str | "
			    "datetime.date]", loc, err);
			return NULL;
		}
		if (!same_type(a, b))
			goto mismatch;
		p.type = SDC_TYPE_BOOL;
		break;
	case SDC_QOP_ADD:
	case SDC_QOP_SUB:
	case SDC_QOP_MUL:
	case SDC_QOP_DIV:
	case SDC_QOP_FLOORDIV:
	case SDC_QOP_POW:
		if (ta != SDC_TYPE_INT && ta != SDC_TYPE_FLOAT) {
			type_want(a, "Series[int]' or 'Series[float]", loc,
			    err);
			return NULL;
		}
		if (ta != tb)
			goto mismatch;
		p.type = op == SDC_QOP_DIV || op == SDC_QOP_POW ?
		    SDC_TYPE_FLOAT : op == SDC_QOP_FLOORDIV ? SDC_TYPE_INT : ta;
		break;
	case SDC_QOP_ADD_DAYS:
	case SDC_QOP_ADD_WEEKS:
	case SDC_QOP_ADD_MONTHS:
	case SDC_QOP_ADD_YEARS:
		if (ta != SDC_TYPE_DATE) {
			type_want(a, "Series[datetime.date]", loc, err);
			return NULL;
		}
		if (tb != SDC_TYPE_INT) {
			type_want(b, "Series[int]", loc, err);
			return NULL;
		}
		p.type = SDC_TYPE_DATE;
		break;
	case SDC_QOP_DIFF_DAYS:
	case SDC_QOP_DIFF_WEEKS:
	case SDC_QOP_DIFF_MONTHS:
	case SDC_QOP_DIFF_YEARS:
		if (ta != SDC_TYPE_DATE) {
			type_want(a, "Series[datetime.date]", loc, err);
			return NULL;
		}
		if (tb != SDC_TYPE_DATE)
			goto mismatch;
		p.type = SDC_TYPE_INT;
		break;
	case SDC_QOP_CONTAINS:
		if (ta == SDC_TYPE_STR && tb != SDC_TYPE_STR)
			goto mismatch;
		if (ta == SDC_TYPE_MULTICODE && !(tb == SDC_TYPE_STR ||
		    (tb == SDC_TYPE_CODE && b->system == a->system))) {
			fail(err, loc, SDC_EPARSE, "Expecting a %s, or a "
			    "string prefix of a %s",
			    sdc_code_system_class(a->system),
			    sdc_code_system_class(a->system));
			return NULL;
		}
		if (ta != SDC_TYPE_STR && ta != SDC_TYPE_MULTICODE) {
			type_want(a, "Series[str]", loc, err);
			return NULL;
		}
		p.type = SDC_TYPE_BOOL;
		break;
	case SDC_QOP_WHEN_NULL:
		if (!same_type(a, b))
			goto mismatch;
		p.type = ta;
		p.system = a->system;
		break;
	default:
		fail(err, loc, SDC_EUSAGE, "not a binary operation");
		return NULL;
	}
	if (combine(q, kids, 2, &dom, op == SDC_QOP_EQ || op == SDC_QOP_NE,
	    loc, err) != 0)
		return NULL;
	proto_level(&p, dom);
	return intern(q, &p, dom, loc, err);
mismatch:
	type_mismatch(a, b, loc, err);
	return NULL;
}

static int
event_frame(const struct sdc_query *q, const struct sdc_qnode *f,
    const char *what, const struct sdc_qloc *loc, struct sdc_err *err)
{
	if (!is_frame(f))
		return fail(err, loc, SDC_EPARSE, "%s needs a frame, not a "
		    "series", what);
	if (f->level != SDC_QL_EVENT)
		return fail(err, loc, SDC_EPARSE, "%s needs a frame with many "
		    "rows per patient, and `%s` has at most one", what,
		    q->tables[f->table].schema->name);
	return 0;
}

struct sdc_qnode *
sdc_query_filter(struct sdc_query *q, enum sdc_qkind kind,
    struct sdc_qnode *frame, struct sdc_qnode *cond,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[2];

	if (event_frame(q, frame, kind == SDC_Q_WHERE ? "where()" :
	    "except_where()", loc, err) != 0 ||
	    series_check(q, cond, loc, err) != 0)
		return NULL;
	if (cond->type != SDC_TYPE_BOOL) {
		type_want(cond, "Series[bool]", loc, err);
		return NULL;
	}
	if (!dom_ancestor(q, meta_of(q, cond)->dom, meta_of(q, frame)->dom)) {
		fail(err, loc, SDC_EPARSE, "%s", DOMAIN_MSG);
		return NULL;
	}
	kids[0] = frame;
	kids[1] = cond;
	proto_init(&p, kind, kids, 2);
	p.level = SDC_QL_EVENT;
	p.table = frame->table;
	return intern(q, &p, NULL, loc, err);
}

struct sdc_qnode *
sdc_query_sort(struct sdc_query *q, struct sdc_qnode *frame,
    struct sdc_qnode *key, const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[2];

	if (event_frame(q, frame, "sort_by()", loc, err) != 0 ||
	    series_check(q, key, loc, err) != 0)
		return NULL;
	if (!dom_ancestor(q, meta_of(q, key)->dom, meta_of(q, frame)->dom)) {
		fail(err, loc, SDC_EPARSE, "%s", DOMAIN_MSG);
		return NULL;
	}
	kids[0] = frame;
	kids[1] = key;
	proto_init(&p, SDC_Q_SORT, kids, 2);
	p.level = SDC_QL_EVENT;
	p.table = frame->table;
	return intern(q, &p, meta_of(q, frame)->dom, loc, err);
}

struct sdc_qnode *
sdc_query_pick(struct sdc_query *q, enum sdc_qop op, struct sdc_qnode *frame,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[1];
	const struct sdc_qnode *f;
	const char *what = op == SDC_QOP_FIRST ? "first_for_patient()" :
	    "last_for_patient()";

	if (event_frame(q, frame, what, loc, err) != 0)
		return NULL;
	for (f = frame; f->kind != SDC_Q_SORT; f = f->kid[0])
		if (f->kind == SDC_Q_TABLE) {
			fail(err, loc, SDC_EPARSE, "%s needs a sorted frame: "
			    "call sort_by(...) first", what);
			return NULL;
		}
	kids[0] = frame;
	proto_init(&p, SDC_Q_PICK, kids, 1);
	p.op = op;
	p.level = SDC_QL_PATIENT;
	p.table = frame->table;
	return intern(q, &p, NULL, loc, err);
}

struct sdc_qnode *
sdc_query_aggregate(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *src, int64_t gap, const struct sdc_qloc *loc,
    struct sdc_err *err)
{
	struct sdc_qnode p, *kids[2];
	struct sdc_qval v;
	enum sdc_schema_type t = src->type;

	kids[0] = src;
	proto_init(&p, SDC_Q_AGG, kids, 1);
	p.op = op;
	p.level = SDC_QL_PATIENT;
	if (op == SDC_QOP_AGG_EXISTS || op == SDC_QOP_AGG_COUNT) {
		if (!is_frame(src)) {
			fail(err, loc, SDC_EPARSE, "%s needs a frame, not a "
			    "series", op == SDC_QOP_AGG_EXISTS ?
			    "exists_for_patient()" : "count_for_patient()");
			return NULL;
		}
		p.type = op == SDC_QOP_AGG_EXISTS ? SDC_TYPE_BOOL : SDC_TYPE_INT;
		return intern(q, &p, NULL, loc, err);
	}
	if (series_check(q, src, loc, err) != 0)
		return NULL;
	if (src->level != SDC_QL_EVENT) {
		fail(err, loc, SDC_EPARSE, "Attempt to aggregate "
		    "one-row-per-patient series");
		return NULL;
	}
	switch (op) {
	case SDC_QOP_AGG_COUNT_DISTINCT:
		p.type = SDC_TYPE_INT;
		break;
	case SDC_QOP_AGG_MIN:
	case SDC_QOP_AGG_MAX:
		if (!comparable(t)) {
			type_want(src, "Series[int | float | str | "
			    "datetime.date]", loc, err);
			return NULL;
		}
		p.type = t;
		p.system = src->system;
		break;
	case SDC_QOP_AGG_SUM:
	case SDC_QOP_AGG_MEAN:
		if (t != SDC_TYPE_INT && t != SDC_TYPE_FLOAT) {
			type_want(src, "Series[int]' or 'Series[float]", loc,
			    err);
			return NULL;
		}
		p.type = op == SDC_QOP_AGG_MEAN ? SDC_TYPE_FLOAT : t;
		break;
	case SDC_QOP_AGG_COUNT_EPISODES:
		if (t != SDC_TYPE_DATE) {
			type_want(src, "Series[datetime.date]", loc, err);
			return NULL;
		}
		if (gap < 0) {
			fail(err, loc, SDC_EDATA, "`maximum_gap` must not be "
			    "negative");
			return NULL;
		}
		memset(&v, 0, sizeof(v));
		v.u.i = gap;
		if ((kids[1] = sdc_query_value(q, SDC_TYPE_INT, SDC_CODE_NONE,
		    &v, loc, err)) == NULL)
			return NULL;
		p.n = 2;
		p.type = SDC_TYPE_INT;
		break;
	default:
		fail(err, loc, SDC_EUSAGE, "not an aggregation");
		return NULL;
	}
	return intern(q, &p, NULL, loc, err);
}

/* Insertion sort with dedup: sets are small and qsort has no context. */
static size_t
sort_unique(enum sdc_schema_type type, struct sdc_qval *v, size_t n)
{
	size_t i, j, out = 0;

	for (i = 1; i < n; i++) {
		struct sdc_qval x = v[i];

		for (j = i; j > 0 && sdc_qval_cmp(type, &v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	for (i = 0; i < n; i++)
		if (out == 0 || sdc_qval_cmp(type, &v[out - 1], &v[i]) != 0)
			v[out++] = v[i];
	return out;
}

struct sdc_qnode *
sdc_query_in(struct sdc_query *q, struct sdc_qnode *a,
    const struct sdc_qval *vals, size_t n, const struct sdc_qloc *loc,
    struct sdc_err *err)
{
	struct sdc_qnode p, *kids[1], *res;
	struct sdc_qval *tmp = NULL;
	size_t i;

	if (series_check(q, a, loc, err) != 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (vals[i].null) {
			fail(err, loc, SDC_EPARSE, "is_in() values must not be "
			    "None");
			return NULL;
		}
	if (n > 0) {
		if ((tmp = malloc(n * sizeof(*tmp))) == NULL) {
			sdc_err_nomem(err);
			return NULL;
		}
		memcpy(tmp, vals, n * sizeof(*tmp));
		n = sort_unique(a->type, tmp, n);
	}
	kids[0] = a;
	proto_init(&p, SDC_Q_IN, kids, 1);
	p.type = SDC_TYPE_BOOL;
	p.vals = tmp;
	p.nvals = n;
	proto_level(&p, meta_of(q, a)->dom);
	res = intern(q, &p, meta_of(q, a)->dom, loc, err);
	free(tmp);
	return res;
}

struct sdc_qnode *
sdc_query_in_series(struct sdc_query *q, struct sdc_qnode *a,
    struct sdc_qnode *b, const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[2];

	if (series_check(q, a, loc, err) != 0 ||
	    series_check(q, b, loc, err) != 0)
		return NULL;
	if (b->level != SDC_QL_EVENT) {
		fail(err, loc, SDC_EPARSE, "Argument must be an EventSeries "
		    "(i.e. have many values per patient); you supplied a "
		    "PatientSeries with only one value per patient");
		return NULL;
	}
	if (a->level != SDC_QL_PATIENT) {
		fail(err, loc, SDC_EPARSE, "is_in() with a series argument "
		    "needs a series with one value per patient on its left");
		return NULL;
	}
	if (!same_type(a, b)) {
		type_mismatch(a, b, loc, err);
		return NULL;
	}
	kids[0] = a;
	kids[1] = b;
	proto_init(&p, SDC_Q_IN_SERIES, kids, 2);
	p.type = SDC_TYPE_BOOL;
	p.level = SDC_QL_PATIENT;
	return intern(q, &p, NULL, loc, err);
}

struct sdc_qnode *
sdc_query_map(struct sdc_query *q, struct sdc_qnode *a,
    const struct sdc_qval *keys, const struct sdc_qval *map, size_t n,
    enum sdc_schema_type type, enum sdc_code_system system,
    struct sdc_qnode *dflt, const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, *kids[2];
	const struct sdc_qnode *dom;
	size_t i, j;

	if (series_check(q, a, loc, err) != 0 ||
	    (dflt && series_check(q, dflt, loc, err) != 0))
		return NULL;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (sdc_qval_eq(a->type, &keys[i], &keys[j])) {
				fail(err, loc, SDC_EPARSE, "map_values() keys "
				    "must be distinct");
				return NULL;
			}
	kids[0] = a;
	kids[1] = dflt;
	proto_init(&p, SDC_Q_MAP, kids, dflt ? 2 : 1);
	p.type = type;
	p.system = (type == SDC_TYPE_CODE || type == SDC_TYPE_MULTICODE) ?
	    system : SDC_CODE_NONE;
	if (dflt && !same_type(&p, dflt)) {
		type_mismatch(&p, dflt, loc, err);
		return NULL;
	}
	p.vals = keys;
	p.map = map;
	p.nvals = n;
	if (combine(q, kids, p.n, &dom, 0, loc, err) != 0)
		return NULL;
	proto_level(&p, dom);
	return intern(q, &p, dom, loc, err);
}

struct sdc_qnode *
sdc_query_case(struct sdc_query *q, struct sdc_qnode *const *kids, size_t n,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct sdc_qnode p, **k;
	const struct sdc_qnode *dom, *val = NULL;
	size_t i;

	if (n < 2) {
		fail(err, loc, SDC_EPARSE, "`case()` expression requires at "
		    "least one case");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (series_check(q, kids[i], loc, err) != 0)
			return NULL;
		if (i % 2 == 0 && i + 1 < n) {
			if (kids[i]->type != SDC_TYPE_BOOL) {
				fail(err, loc, SDC_EPARSE, "invalid case "
				    "condition: Expecting a boolean series, "
				    "got series of type '%s'",
				    sdc_query_type_name(kids[i]->type,
				    kids[i]->system));
				return NULL;
			}
			continue;
		}
		if (val == NULL)
			val = kids[i];
		else if (!same_type(val, kids[i])) {
			type_mismatch(val, kids[i], loc, err);
			return NULL;
		}
	}
	k = (struct sdc_qnode **)(uintptr_t)kids;
	if (combine(q, k, n, &dom, 0, loc, err) != 0)
		return NULL;
	proto_init(&p, SDC_Q_CASE, k, n);
	p.type = val->type;
	p.system = val->system;
	proto_level(&p, dom);
	return intern(q, &p, dom, loc, err);
}

struct sdc_qnode *
sdc_query_extremum(struct sdc_query *q, enum sdc_qop op,
    struct sdc_qnode *const *kids, size_t n, const struct sdc_qloc *loc,
    struct sdc_err *err)
{
	struct sdc_qnode p, **k;
	const struct sdc_qnode *dom;
	size_t i;

	if (n < 1) {
		fail(err, loc, SDC_EPARSE, "%s needs at least one value",
		    op == SDC_QOP_MAX ? "maximum_of()" : "minimum_of()");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (series_check(q, kids[i], loc, err) != 0)
			return NULL;
		if (!comparable(kids[i]->type)) {
			type_want(kids[i], "Series[int | float | str | "
			    "datetime.date]", loc, err);
			return NULL;
		}
		if (!same_type(kids[0], kids[i])) {
			type_mismatch(kids[0], kids[i], loc, err);
			return NULL;
		}
	}
	k = (struct sdc_qnode **)(uintptr_t)kids;
	if (combine(q, k, n, &dom, 0, loc, err) != 0)
		return NULL;
	proto_init(&p, SDC_Q_EXTREMUM, k, n);
	p.op = op;
	p.type = kids[0]->type;
	p.system = kids[0]->system;
	proto_level(&p, dom);
	return intern(q, &p, dom, loc, err);
}

/*
 * ehrQL's population check: evaluate the population for one patient
 * with no row in any table (ehrQL's EmptyQueryEngine).  Only
 * patient-level nodes are evaluated; every event-level node has no
 * rows, so an aggregation of one is its empty value.  A computation
 * that would be a run-time error gives NULL here.
 */
struct empty {
	struct sdc_qval *val;
	unsigned char *done;
};

static const struct sdc_qval qnull = { 1, { 0 } };

static struct sdc_qval
mk_bool(int b)
{
	struct sdc_qval v;

	memset(&v, 0, sizeof(v));
	v.u.b = b != 0;
	return v;
}

static struct sdc_qval
mk_int(int64_t i)
{
	struct sdc_qval v;

	memset(&v, 0, sizeof(v));
	v.u.i = i;
	return v;
}

static struct sdc_qval
mk_float(double f)
{
	struct sdc_qval v;

	if (isnan(f) || isinf(f))
		return qnull;
	memset(&v, 0, sizeof(v));
	v.u.f = f;
	return v;
}

static struct sdc_qval
mk_date(int ok, int32_t d)
{
	struct sdc_qval v;

	if (!ok)
		return qnull;
	memset(&v, 0, sizeof(v));
	v.u.d = d;
	return v;
}

static double
as_double(enum sdc_schema_type t, const struct sdc_qval *v)
{
	return t == SDC_TYPE_FLOAT ? v->u.f : t == SDC_TYPE_BOOL ?
	    (double)v->u.b : (double)v->u.i;
}

static int
bytes_has(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	if (nn == 0)
		return 1;
	for (i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, n, nn) == 0)
			return 1;
	return 0;
}

static struct sdc_qval empty_eval(const struct sdc_qnode *n,
    struct empty *e);

static struct sdc_qval
empty_unary(const struct sdc_qnode *n, struct sdc_qval a)
{
	enum sdc_schema_type t = n->kid[0]->type;
	double f;

	if (n->op == SDC_QOP_IS_NULL)
		return mk_bool(a.null);
	if (n->op == SDC_QOP_IS_NOT_NULL)
		return mk_bool(!a.null);
	if (a.null)
		return qnull;
	switch (n->op) {
	case SDC_QOP_NOT:
		return mk_bool(!a.u.b);
	case SDC_QOP_NEG:
		if (t == SDC_TYPE_FLOAT)
			return mk_float(-a.u.f);
		return a.u.i == INT64_MIN ? qnull : mk_int(-a.u.i);
	case SDC_QOP_ABS:
		if (t == SDC_TYPE_FLOAT)
			return mk_float(fabs(a.u.f));
		return a.u.i == INT64_MIN ? qnull :
		    mk_int(a.u.i < 0 ? -a.u.i : a.u.i);
	case SDC_QOP_AS_INT:
		if (t != SDC_TYPE_FLOAT)
			return mk_int(t == SDC_TYPE_BOOL ? a.u.b : a.u.i);
		f = trunc(a.u.f);
		if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
			return qnull;
		return mk_int((int64_t)f);
	case SDC_QOP_AS_FLOAT:
		return mk_float(as_double(t, &a));
	case SDC_QOP_YEAR:
		return mk_int(sdc_date_year(a.u.d));
	case SDC_QOP_MONTH:
		return mk_int(sdc_date_month(a.u.d));
	case SDC_QOP_DAY:
		return mk_int(sdc_date_day(a.u.d));
	case SDC_QOP_FIRST_OF_MONTH:
		return mk_date(1, sdc_date_first_of_month(a.u.d));
	case SDC_QOP_FIRST_OF_YEAR:
		return mk_date(1, sdc_date_first_of_year(a.u.d));
	default:
		return qnull;
	}
}

static struct sdc_qval
empty_binary(const struct sdc_qnode *n, struct sdc_qval a, struct sdc_qval b)
{
	enum sdc_schema_type t = n->kid[0]->type;
	int64_t r;
	int32_t d;
	int c;

	if (n->op == SDC_QOP_AND) {
		if ((!a.null && !a.u.b) || (!b.null && !b.u.b))
			return mk_bool(0);
		return a.null || b.null ? qnull : mk_bool(1);
	}
	if (n->op == SDC_QOP_OR) {
		if ((!a.null && a.u.b) || (!b.null && b.u.b))
			return mk_bool(1);
		return a.null || b.null ? qnull : mk_bool(0);
	}
	if (n->op == SDC_QOP_WHEN_NULL)
		return a.null ? b : a;
	if (a.null || b.null)
		return qnull;
	switch (n->op) {
	case SDC_QOP_EQ:
		return mk_bool(sdc_qval_eq(t, &a, &b));
	case SDC_QOP_NE:
		return mk_bool(!sdc_qval_eq(t, &a, &b));
	case SDC_QOP_LT:
	case SDC_QOP_LE:
	case SDC_QOP_GT:
	case SDC_QOP_GE:
		if (t == SDC_TYPE_FLOAT && (isnan(a.u.f) || isnan(b.u.f)))
			return mk_bool(0);
		c = sdc_qval_cmp(t, &a, &b);
		return mk_bool(n->op == SDC_QOP_LT ? c < 0 : n->op ==
		    SDC_QOP_LE ? c <= 0 : n->op == SDC_QOP_GT ? c > 0 : c >= 0);
	case SDC_QOP_ADD:
	case SDC_QOP_SUB:
	case SDC_QOP_MUL:
		if (t == SDC_TYPE_FLOAT)
			return mk_float(n->op == SDC_QOP_ADD ? a.u.f + b.u.f :
			    n->op == SDC_QOP_SUB ? a.u.f - b.u.f :
			    a.u.f * b.u.f);
		if (n->op == SDC_QOP_ADD ?
		    __builtin_add_overflow(a.u.i, b.u.i, &r) :
		    n->op == SDC_QOP_SUB ?
		    __builtin_sub_overflow(a.u.i, b.u.i, &r) :
		    __builtin_mul_overflow(a.u.i, b.u.i, &r))
			return qnull;
		return mk_int(r);
	case SDC_QOP_DIV:
		if (as_double(t, &b) == 0)
			return qnull;
		return mk_float(as_double(t, &a) / as_double(t, &b));
	case SDC_QOP_FLOORDIV:
		if (t == SDC_TYPE_INT) {
			if (b.u.i == 0 || (a.u.i == INT64_MIN && b.u.i == -1))
				return qnull;
			r = a.u.i / b.u.i;
			if ((a.u.i % b.u.i != 0) && ((a.u.i < 0) != (b.u.i < 0)))
				r--;
			return mk_int(r);
		} else {
			double f;

			if (b.u.f == 0)
				return qnull;
			f = floor(a.u.f / b.u.f);
			if (!(f >= -9223372036854775808.0 &&
			    f < 9223372036854775808.0))
				return qnull;
			return mk_int((int64_t)f);
		}
	case SDC_QOP_POW:
		return mk_float(pow(as_double(t, &a), as_double(t, &b)));
	case SDC_QOP_ADD_DAYS:
		return mk_date(sdc_date_add_days(a.u.d, b.u.i, &d) == 0, d);
	case SDC_QOP_ADD_WEEKS:
		return mk_date(sdc_date_add_weeks(a.u.d, b.u.i, &d) == 0, d);
	case SDC_QOP_ADD_MONTHS:
		return mk_date(sdc_date_add_months(a.u.d, b.u.i, &d) == 0, d);
	case SDC_QOP_ADD_YEARS:
		return mk_date(sdc_date_add_years(a.u.d, b.u.i, &d) == 0, d);
	case SDC_QOP_DIFF_DAYS:
		return mk_int(sdc_date_diff_days(a.u.d, b.u.d));
	case SDC_QOP_DIFF_WEEKS:
		return mk_int(sdc_date_diff_weeks(a.u.d, b.u.d));
	case SDC_QOP_DIFF_MONTHS:
		return mk_int(sdc_date_diff_months(a.u.d, b.u.d));
	case SDC_QOP_DIFF_YEARS:
		return mk_int(sdc_date_diff_years(a.u.d, b.u.d));
	case SDC_QOP_CONTAINS:
		return mk_bool(bytes_has(a.u.s.p, a.u.s.len, b.u.s.p,
		    b.u.s.len));
	default:
		return qnull;
	}
}

static struct sdc_qval
empty_eval(const struct sdc_qnode *n, struct empty *e)
{
	struct sdc_qval v = qnull, a, b;
	size_t i;

	if (e->done[n->id])
		return e->val[n->id];
	switch (n->kind) {
	case SDC_Q_VALUE:
		v = n->val;
		break;
	case SDC_Q_COLUMN:
		v = qnull;	/* no row: a patient table's or a PICK's */
		break;
	case SDC_Q_AGG:
		v = n->op == SDC_QOP_AGG_EXISTS ? mk_bool(0) :
		    (n->op == SDC_QOP_AGG_COUNT || n->op ==
		    SDC_QOP_AGG_COUNT_DISTINCT || n->op ==
		    SDC_QOP_AGG_COUNT_EPISODES) ? mk_int(0) : qnull;
		break;
	case SDC_Q_IN_SERIES:
		v = mk_bool(0);
		break;
	case SDC_Q_UNARY:
		v = empty_unary(n, empty_eval(n->kid[0], e));
		break;
	case SDC_Q_BINARY:
		a = empty_eval(n->kid[0], e);
		b = empty_eval(n->kid[1], e);
		v = empty_binary(n, a, b);
		break;
	case SDC_Q_IN:
		a = empty_eval(n->kid[0], e);
		if (n->nvals == 0)
			v = mk_bool(0);
		else if (a.null)
			v = qnull;
		else {
			v = mk_bool(0);
			for (i = 0; i < n->nvals; i++)
				if (sdc_qval_eq(n->kid[0]->type, &a,
				    &n->vals[i]))
					v = mk_bool(1);
		}
		break;
	case SDC_Q_MAP:
		a = empty_eval(n->kid[0], e);
		v = n->n == 2 ? empty_eval(n->kid[1], e) : qnull;
		if (!a.null)
			for (i = 0; i < n->nvals; i++)
				if (sdc_qval_eq(n->kid[0]->type, &a,
				    &n->vals[i])) {
					v = n->map[i];
					break;
				}
		break;
	case SDC_Q_CASE:
		v = qnull;
		for (i = 0; i + 1 < n->n; i += 2) {
			a = empty_eval(n->kid[i], e);
			if (!a.null && a.u.b) {
				v = empty_eval(n->kid[i + 1], e);
				break;
			}
		}
		if (i + 1 >= n->n && n->n % 2 == 1)
			v = empty_eval(n->kid[n->n - 1], e);
		break;
	case SDC_Q_EXTREMUM:
		v = qnull;
		for (i = 0; i < n->n; i++) {
			a = empty_eval(n->kid[i], e);
			if (a.null)
				continue;
			if (v.null || (n->op == SDC_QOP_MAX ?
			    sdc_qval_cmp(n->type, &a, &v) > 0 :
			    sdc_qval_cmp(n->type, &a, &v) < 0))
				v = a;
		}
		break;
	default:
		v = qnull;
		break;
	}
	e->val[n->id] = v;
	e->done[n->id] = 1;
	return v;
}

static void
mark_tables(struct sdc_query *q, const struct sdc_qnode *n,
    unsigned char *seen)
{
	size_t i;

	if (seen[n->id])
		return;
	seen[n->id] = 1;
	if (n->kind == SDC_Q_TABLE)
		q->tables[n->table].mentioned_by_population = 1;
	for (i = 0; i < n->n; i++)
		mark_tables(q, n->kid[i], seen);
}

int
sdc_query_set_population(struct sdc_query *q, struct sdc_qnode *pop,
    const struct sdc_qloc *loc, struct sdc_err *err)
{
	struct empty e;
	struct sdc_qval v;

	if (is_frame(pop) || pop->type != SDC_TYPE_BOOL ||
	    pop->level != SDC_QL_PATIENT)
		return fail(err, loc, SDC_EPARSE, "population definition must "
		    "be a one-row-per-patient series of boolean type");
	e.val = calloc(q->nnodes, sizeof(*e.val));
	e.done = calloc(q->nnodes, 1);
	if (e.val == NULL || e.done == NULL) {
		free(e.val);
		free(e.done);
		return sdc_err_nomem(err);
	}
	v = empty_eval(pop, &e);
	free(e.val);
	if (!v.null && v.u.b) {
		free(e.done);
		return fail(err, loc, SDC_EDATA, "population definition must "
		    "not evaluate as True for NULL inputs (a patient with no "
		    "rows in any table would be included: start from a "
		    "positive condition such as registration, and exclude "
		    "from there)");
	}
	memset(e.done, 0, q->nnodes);
	mark_tables(q, pop, e.done);
	free(e.done);
	q->population = pop;
	return 0;
}

/* Dump. */
struct dbuf {
	const struct sdc_query *q;
	char *p;
	size_t size, len;
};

static void
put(struct dbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void
put(struct dbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->len < b->size ? b->p + b->len : NULL,
	    b->len < b->size ? b->size - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void
dump_val(struct dbuf *b, enum sdc_schema_type t, const struct sdc_qval *v)
{
	char buf[SDC_QVAL_FMT_MAX + 1];
	const char *p;
	size_t n;

	if (v->null) {
		put(b, "None");
		return;
	}
	n = sdc_qval_format(t, v, buf, &p);
	if (t == SDC_TYPE_STR || t == SDC_TYPE_CODE || t == SDC_TYPE_MULTICODE)
		put(b, "\"%.*s\"", (int)n, p);
	else
		put(b, "%.*s", (int)n, p);
}

static void
dump(struct dbuf *b, const struct sdc_qnode *n, int depth)
{
	size_t i;

	if (depth > SDC_QUERY_HEIGHT_MAX + 1) {
		put(b, "...");
		return;
	}
	switch (n->kind) {
	case SDC_Q_TABLE:
		put(b, "(table %s)", b->q->tables[n->table].schema->name);
		return;
	case SDC_Q_WHERE:
	case SDC_Q_EXCEPT:
	case SDC_Q_SORT:
		put(b, "(%s ", n->kind == SDC_Q_WHERE ? "where" :
		    n->kind == SDC_Q_EXCEPT ? "except" : "sort");
		dump(b, n->kid[0], depth + 1);
		put(b, " ");
		dump(b, n->kid[1], depth + 1);
		put(b, ")");
		return;
	case SDC_Q_PICK:
		put(b, "(%s ", n->op == SDC_QOP_FIRST ? "first" : "last");
		dump(b, n->kid[0], depth + 1);
		put(b, ")");
		return;
	case SDC_Q_COLUMN:
		put(b, "(col ");
		dump(b, n->kid[0], depth + 1);
		put(b, " %s)",
		    b->q->tables[n->table].schema->columns[n->column].name);
		return;
	case SDC_Q_VALUE:
		if (n->val.null) {
			put(b, "(null %s)", sdc_query_type_name(n->type,
			    n->system));
			return;
		}
		put(b, "(%s ", sdc_query_type_name(n->type, n->system));
		dump_val(b, n->type, &n->val);
		put(b, ")");
		return;
	case SDC_Q_IN:
		put(b, "(in ");
		dump(b, n->kid[0], depth + 1);
		put(b, " (");
		for (i = 0; i < n->nvals; i++) {
			put(b, i ? " " : "");
			dump_val(b, n->kid[0]->type, &n->vals[i]);
		}
		put(b, "))");
		return;
	case SDC_Q_IN_SERIES:
		put(b, "(in-series ");
		break;
	case SDC_Q_MAP:
		put(b, "(map ");
		dump(b, n->kid[0], depth + 1);
		put(b, " (");
		for (i = 0; i < n->nvals; i++) {
			put(b, "%s(", i ? " " : "");
			dump_val(b, n->kid[0]->type, &n->vals[i]);
			put(b, " ");
			dump_val(b, n->type, &n->map[i]);
			put(b, ")");
		}
		put(b, ")");
		if (n->n == 2) {
			put(b, " ");
			dump(b, n->kid[1], depth + 1);
		}
		put(b, ")");
		return;
	case SDC_Q_CASE:
		put(b, "(case ");
		break;
	case SDC_Q_AGG:
		put(b, "(agg-%s ", qop_names[n->op]);
		break;
	case SDC_Q_INTERVAL:
		put(b, "(%s)", qop_names[n->op]);
		return;
	default:
		put(b, "(%s ", qop_names[n->op]);
		break;
	}
	for (i = 0; i < n->n; i++) {
		put(b, i ? " " : "");
		if (n->kind == SDC_Q_AGG && i == 1)
			put(b, "%" PRId64, n->kid[1]->val.u.i);
		else
			dump(b, n->kid[i], depth + 1);
	}
	put(b, ")");
}

size_t
sdc_query_dump(const struct sdc_query *q, const struct sdc_qnode *node,
    char *buf, size_t size)
{
	struct dbuf b = { q, buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	dump(&b, node, 0);
	return b.len;
}

static void
reach(const struct sdc_qnode *n, unsigned char *seen)
{
	size_t i;

	if (seen[n->id])
		return;
	seen[n->id] = 1;
	for (i = 0; i < n->n; i++)
		reach(n->kid[i], seen);
}

int
sdc_query_finish(struct sdc_query *q, struct sdc_err *err)
{
	struct sdc_query_mem_ *m = q->mem_;
	unsigned char *seen = calloc(q->nnodes ? q->nnodes : 1, 1);
	size_t *map = calloc(q->ntables ? q->ntables : 1, sizeof(*map));
	struct sdc_qnode *n;
	size_t i, k = 0;

	if (seen == NULL || map == NULL) {
		free(seen);
		free(map);
		return sdc_err_nomem(err);
	}
	if (q->population)
		reach(q->population, seen);
	for (i = 0; i < q->nvars; i++)
		reach(q->vars[i].node, seen);
	for (i = 0; i < q->nmeasures; i++) {
		const struct sdc_qmeasure *ms = &q->measures[i];
		size_t j;

		reach(ms->numerator, seen);
		reach(ms->denominator, seen);
		for (j = 0; j < ms->ngroups; j++)
			reach(ms->groups[j].node, seen);
	}
	for (i = 0; i < q->ntables; i++)
		map[i] = SIZE_MAX;
	/* keep tables in their order of first registration */
	for (i = 0; i < m->htcap; i++)
		if ((n = m->ht[i]) != NULL && seen[n->id] &&
		    n->kind == SDC_Q_TABLE)
			map[n->table] = 0;
	for (i = 0; i < q->ntables; i++)
		if (map[i] != SIZE_MAX) {
			q->tables[k] = q->tables[i];
			q->tables[k].used = 1;
			q->tables[k].mentioned_by_population = 0;
			map[i] = k++;
		}
	q->ntables = k;
	for (i = 0; i < m->htcap; i++) {
		if ((n = m->ht[i]) == NULL)
			continue;
		n->picked = 0;
		if (is_frame(n) || n->kind == SDC_Q_COLUMN ||
		    n->level == SDC_QL_EVENT)
			n->table = map[n->table] == SIZE_MAX ? 0 :
			    map[n->table];
	}
	for (i = 0; i < m->htcap; i++) {
		if ((n = m->ht[i]) == NULL || !seen[n->id] ||
		    n->kind != SDC_Q_COLUMN)
			continue;
		q->tables[n->table].used |= (uint64_t)1 << n->column;
		if (n->kid[0]->kind == SDC_Q_PICK)
			n->kid[0]->kid[0]->picked |= (uint64_t)1 << n->column;
	}
	free(map);
	if (q->population) {
		memset(seen, 0, q->nnodes);
		mark_tables(q, q->population, seen);
	}
	if (q->nmeasures > 0) {
		memset(seen, 0, q->nnodes);
		for (i = 0; i < q->nmeasures; i++)
			mark_tables(q, q->measures[i].denominator, seen);
	}
	free(seen);
	return 0;
}
