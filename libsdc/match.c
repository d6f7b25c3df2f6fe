/*
 * match.c - matched controls: groups of identical cases keep bounded
 * candidate lists while the controls stream past; the sequential greedy
 * rule of match.h is then applied to the lists, with another pass over
 * the controls where a list proved too short.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "hash.h"
#include "match.h"
#include "num.h"
#include "rng.h"
#include "sort.h"

enum { PENDING = 255 };

/* A stored record: n NUL-terminated fields, shared by reference. */
struct crow {
	uint32_t refs, n;
	uint32_t off[];		/* n + 1 offsets into the text after off[n] */
};

static char *
crow_text(const struct crow *r)
{
	return (char *)(uintptr_t)(r->off + r->n + 1);
}

static struct crow *
crow_new(const struct sdc_csv_row *row)
{
	size_t i, bytes = 0;
	struct crow *r;
	char *t;

	for (i = 0; i < row->n; i++)
		bytes += row->len[i] + 1;
	if (bytes > UINT32_MAX)
		return NULL;
	r = malloc(sizeof(*r) + (row->n + 1) * sizeof(uint32_t) + bytes);
	if (r == NULL)
		return NULL;
	r->refs = 0;
	r->n = (uint32_t)row->n;
	t = crow_text(r);
	bytes = 0;
	for (i = 0; i < row->n; i++) {
		r->off[i] = (uint32_t)bytes;
		memcpy(t + bytes, row->field[i], row->len[i] + 1);
		bytes += row->len[i] + 1;
	}
	r->off[row->n] = (uint32_t)bytes;
	return r;
}

static const char *
crow_field(const struct crow *r, size_t i, size_t *len)
{
	*len = r->off[i + 1] - r->off[i] - 1;
	return crow_text(r) + r->off[i];
}

static void
crow_unref(struct crow *r)
{
	if (r != NULL && --r->refs == 0)
		free(r);
}

/* An open-addressing map from int64 ids to non-zero uint32 values. */
struct idmap {
	int64_t *key;
	uint32_t *val;		/* 0: empty slot */
	size_t cap, n;
};

static size_t
id_slot(int64_t id, size_t cap)
{
	return (size_t)sdc_hash_final((uint64_t)id) & (cap - 1);
}

static uint32_t
idmap_get(const struct idmap *m, int64_t id)
{
	size_t i;

	if (m->n == 0)
		return 0;
	for (i = id_slot(id, m->cap); m->val[i] != 0; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == id)
			return m->val[i];
	return 0;
}

static int
idmap_put(struct idmap *m, int64_t id, uint32_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct idmap b;
		size_t j;

		b.cap = m->cap ? 2 * m->cap : 64;
		b.n = m->n;
		b.key = malloc(b.cap * sizeof(*b.key));
		b.val = calloc(b.cap, sizeof(*b.val));
		if (b.key == NULL || b.val == NULL) {
			free(b.key);
			free(b.val);
			return -1;
		}
		for (j = 0; j < m->cap; j++) {
			if (m->val[j] == 0)
				continue;
			for (i = id_slot(m->key[j], b.cap); b.val[i] != 0;
			    i = (i + 1) & (b.cap - 1))
				;
			b.key[i] = m->key[j];
			b.val[i] = m->val[j];
		}
		free(m->key);
		free(m->val);
		*m = b;
	}
	for (i = id_slot(id, m->cap); m->val[i] != 0; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == id) {
			m->val[i] = val;
			return 0;
		}
	m->key[i] = id;
	m->val[i] = val;
	m->n++;
	return 0;
}

static void
idmap_release(struct idmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* A candidate control in a group's list. */
struct cand {
	double d[SDC_MATCH_CLOSEST_MAX];
	int32_t wlo, whi;	/* index dates at which it is not excluded */
	uint64_t key;
	int64_t id;
	uint64_t ord;
	struct crow *row;
};

/* Cases with identical matching values. */
struct group {
	uint32_t stratum;
	int32_t cmin, cmax;	/* pending cases' offset index dates */
	int64_t case_id;	/* with replace, the group's one case */
	size_t vi;		/* values at gval[vi .. vi + nwithin) */
	uint32_t g;		/* pending cases this pass */
	struct cand *list;	/* max-heap while streaming, then sorted */
	size_t n, alloc, cap, cursor;
	uint64_t seen;		/* eligible controls offered this pass */
};

/* A group's place in the range index of a pass. */
struct slot {
	double v0, v1;		/* the group's first two tolerance values */
	double t0, t1;		/* when full: the worst kept entry's d[0..1] */
	uint64_t tkey;		/* ... and its key */
	int32_t cmin, cmax;	/* the group's offset index dates */
	uint32_t g;
	uint32_t runend;	/* first slot after the run of equal v0 */
	uint8_t full;		/* the group's list is at its cap */
	uint8_t over;		/* a candidate was turned away here */
};

struct mcase {
	int64_t id;
	uint64_t ord, okey;
	struct crow *row;
	int32_t idx, cidx;
	int32_t group;		/* -1: cannot match (NULL values) */
	uint8_t state;		/* enum sdc_match_state or PENDING */
	uint32_t nsel;
};

/* Column positions in one file; -1 where absent. */
struct cols {
	long id, index;
	long *exact, *within, *before, *after;
	size_t n;		/* columns in the file */
	char **names;		/* owned copies */
};

struct sdc_match {
	struct sdc_match_opts o;
	size_t closest[SDC_MATCH_CLOSEST_MAX];	/* indices into within */
	char *cases_file, *controls_file;
	struct cols cc, kc;	/* cases, controls */
	struct mcase *cs;
	size_t ncs;
	int64_t *selid;		/* ncs * k */
	struct crow **selrow;	/* ncs * k */
	struct group *gs;
	size_t ngs;
	double *gval;
	size_t ngval, gvalcap;
	struct sdc_hmap strata, groups;
	struct idmap caseids, claimed;
	struct slot *slots;
	size_t *soff;		/* nstrata + 1 */
	uint64_t sec_ctl, sec_pair, sec_case;
	struct sdc_match_summary sum;
	uint64_t *hist;
	char *kbuf;
	size_t kcap;
	double *cv;		/* scratch: a control's tolerance values */
	unsigned char *cnull;
	int32_t *cex;		/* scratch: exclusion dates, INT32_MIN NULL */
	int32_t wlo, whi;	/* scratch: window of index dates (cand) */
	size_t nout;
	long *out_case, *out_ctl;
	long out_index;		/* output column overwritten for controls */
	uint64_t rows0;
};

#define NODATE INT32_MIN

/* --- keys ------------------------------------------------------------- */

static uint64_t
mix2(uint64_t s, uint64_t x)
{
	return sdc_hash_final(sdc_hash_final(s ^ x) + s);
}

uint64_t
sdc_match_control_key(const struct sdc_match *m, int64_t id)
{
	return mix2(m->sec_ctl, (uint64_t)id);
}

uint64_t
sdc_match_pair_key(const struct sdc_match *m, int64_t case_id,
    int64_t control_id)
{
	return mix2(mix2(m->sec_pair, (uint64_t)case_id), (uint64_t)control_id);
}

uint64_t
sdc_match_case_key(const struct sdc_match *m, int64_t id)
{
	return mix2(m->sec_case, (uint64_t)id);
}

static uint64_t
draw64(struct sdc_rng *rng)
{
	uint64_t hi = (uint64_t)(sdc_rng_uniform(rng) * 4294967296.0);
	uint64_t lo = (uint64_t)(sdc_rng_uniform(rng) * 4294967296.0);

	return hi << 32 | lo;
}

/* --- options ------------------------------------------------------------ */

static int
named_twice(const struct sdc_match_opts *o, struct sdc_err *err)
{
	size_t n = o->nexact + o->nwithin, i, j;
	const char *a, *b;

	for (i = 0; i < n; i++) {
		a = i < o->nexact ? o->exact[i] : o->within[i - o->nexact].column;
		if (strcmp(a, o->id) == 0)
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "cannot match on the id column '%s'", a);
		for (j = i + 1; j < n; j++) {
			b = j < o->nexact ? o->exact[j] :
			    o->within[j - o->nexact].column;
			if (strcmp(a, b) == 0)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "column '%s' named twice", a);
		}
	}
	return 0;
}

static int
check_opts(struct sdc_match *m, struct sdc_err *err)
{
	struct sdc_match_opts *o = &m->o;
	size_t i, j;

	if (o->id == NULL)
		o->id = "patient_id";
	if (o->indicator == NULL)
		o->indicator = "case";
	if (o->set_id == NULL)
		o->set_id = "set_id";
	if (o->k < 1 || o->k > SDC_MATCH_K_MAX)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "matches per case must be 1 to %d", SDC_MATCH_K_MAX);
	if (o->min_matches > o->k)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "minimum matches %zu exceeds matches per case %zu",
		    o->min_matches, o->k);
	if (*o->indicator == '\0' || *o->set_id == '\0' ||
	    strcmp(o->indicator, o->set_id) == 0)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "the set id and indicator columns need two different "
		    "non-empty names");
	if (named_twice(o, err) != 0)
		return -1;
	for (i = 0; i < o->nwithin; i++)
		if (!(o->within[i].tol >= 0) || !isfinite(o->within[i].tol))
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "tolerance of '%s' must be a finite number >= 0",
			    o->within[i].column);
	if (o->nclosest > SDC_MATCH_CLOSEST_MAX)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "at most %d closest columns", SDC_MATCH_CLOSEST_MAX);
	for (i = 0; i < o->nclosest; i++) {
		for (j = 0; j < o->nwithin; j++)
			if (strcmp(o->closest[i], o->within[j].column) == 0)
				break;
		if (j == o->nwithin)
			return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
			    "closest column '%s' has no tolerance: give it "
			    "one with -w", o->closest[i]);
		for (size_t p = 0; p < i; p++)
			if (m->closest[p] == j)
				return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
				    "closest column '%s' named twice",
				    o->closest[i]);
		m->closest[i] = j;
	}
	if (o->index_date == NULL && (o->control_index || o->nbefore ||
	    o->nafter))
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "the control index date and exclusion dates need an "
		    "index date column");
	if (o->control_index && strchr("dwmy", o->offset.unit) == NULL)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "offset unit must be d, w, m or y");
	if (o->seed > SDC_RNG_SEED_MAX)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "seed must be 0 to %llu", (unsigned long long)SDC_RNG_SEED_MAX);
	return 0;
}

/* --- columns and values ------------------------------------------------ */

static long *
find_list(const struct sdc_csv_reader *r, const char *const *names, size_t n,
    int required, struct sdc_err *err)
{
	long *ix = malloc((n ? n : 1) * sizeof(*ix));
	size_t i;

	if (ix == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		ix[i] = required ? sdc_csv_reader_require(r, names[i], err) :
		    sdc_csv_reader_column(r, names[i]);
		if (ix[i] < 0 && required) {
			free(ix);
			return NULL;
		}
	}
	return ix;
}

static void
cols_release(struct cols *c)
{
	size_t i;

	free(c->exact);
	free(c->within);
	free(c->before);
	free(c->after);
	if (c->names != NULL)
		for (i = 0; i < c->n; i++)
			free(c->names[i]);
	free(c->names);
	memset(c, 0, sizeof(*c));
}

/*
 * Map the columns of r.  index_req: the index date column must exist;
 * excl_req: so must the exclusion columns.
 */
static int
cols_map(struct sdc_match *m, struct cols *c, const struct sdc_csv_reader *r,
    int index_req, int excl_req, struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	const struct sdc_csv_row *h = sdc_csv_reader_header(r);
	const char **wn = NULL;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->index = -1;
	if ((c->id = sdc_csv_reader_require(r, o->id, err)) < 0)
		return -1;
	if (o->index_date != NULL) {
		c->index = index_req ?
		    sdc_csv_reader_require(r, o->index_date, err) :
		    sdc_csv_reader_column(r, o->index_date);
		if (index_req && c->index < 0)
			return -1;
	}
	if ((wn = malloc((o->nwithin + 1) * sizeof(*wn))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < o->nwithin; i++)
		wn[i] = o->within[i].column;
	c->exact = find_list(r, o->exact, o->nexact, 1, err);
	c->within = c->exact ? find_list(r, wn, o->nwithin, 1, err) : NULL;
	c->before = c->within ? find_list(r, o->exclude_before, o->nbefore,
	    excl_req, err) : NULL;
	c->after = c->before ? find_list(r, o->exclude_after, o->nafter,
	    excl_req, err) : NULL;
	free(wn);
	if (c->after == NULL)
		return -1;
	c->n = h->n;
	if ((c->names = calloc(h->n, sizeof(*c->names))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < h->n; i++)
		if ((c->names[i] = strdup(h->field[i])) == NULL)
			return sdc_err_nomem(err);
	return 0;
}

static int
parse_id(const struct sdc_csv_reader *r, const struct sdc_csv_row *row,
    long col, int64_t *id, struct sdc_err *err)
{
	if (sdc_num_parse_i64(row->field[col], row->len[col], INT64_MIN,
	    INT64_MAX, id) != 0)
		return sdc_csv_reader_field_error(r, (size_t)col, err,
		    SDC_EDATA, "%s: '%s' is not a whole number",
		    sdc_csv_reader_header(r)->field[col], row->field[col]);
	return 0;
}

/* A date or empty (NODATE). */
static int
parse_date(const struct sdc_csv_reader *r, const struct sdc_csv_row *row,
    long col, int32_t *out, struct sdc_err *err)
{
	int st;

	if (row->len[col] == 0) {
		*out = NODATE;
		return 0;
	}
	if ((st = sdc_date_parse(row->field[col], row->len[col], out)) != 0)
		return sdc_csv_reader_field_error(r, (size_t)col, err,
		    SDC_EDATA, "%s: '%s' is not a date (%s)",
		    sdc_csv_reader_header(r)->field[col], row->field[col],
		    sdc_date_strerror(st));
	return 0;
}

/* Tolerance column j of a row: *isnull for an empty value. */
static int
parse_within(const struct sdc_match *m, const struct sdc_csv_reader *r,
    const struct sdc_csv_row *row, size_t j, long col, double *out,
    unsigned char *isnull, struct sdc_err *err)
{
	int32_t d;

	*isnull = row->len[col] == 0;
	if (*isnull) {
		*out = 0;
		return 0;
	}
	if (m->o.within[j].is_date) {
		if (parse_date(r, row, col, &d, err) != 0)
			return -1;
		*out = d;
		return 0;
	}
	if (sdc_num_parse_double(row->field[col], row->len[col], out,
	    NULL) != 0) {
		int32_t dd;

		return sdc_csv_reader_field_error(r, (size_t)col, err,
		    SDC_EDATA, "%s: '%s' is not a number%s",
		    sdc_csv_reader_header(r)->field[col], row->field[col],
		    sdc_date_parse(row->field[col], row->len[col], &dd) == 0 ?
		    " (for dates give the tolerance in days: COLUMN=Nd)" : "");
	}
	if (*out == 0)
		*out = 0;	/* no -0.0 in group keys */
	return 0;
}

/*
 * The stratum key of a row's exact columns into m->kbuf: returns its
 * length, or 0 when a value is empty (matches nothing), or -1.
 */
static long
exact_key(struct sdc_match *m, const struct sdc_csv_row *row, const long *col,
    struct sdc_err *err)
{
	size_t i, n = sizeof(uint32_t);

	for (i = 0; i < m->o.nexact; i++) {
		if (row->len[col[i]] == 0)
			return 0;
		n += sizeof(uint32_t) + row->len[col[i]];
	}
	if (n > m->kcap) {
		char *p = realloc(m->kbuf, n * 2);

		if (p == NULL)
			return sdc_err_nomem(err);
		m->kbuf = p;
		m->kcap = n * 2;
	}
	n = 0;
	memcpy(m->kbuf, "key:", 4);
	n = 4;
	for (i = 0; i < m->o.nexact; i++) {
		uint32_t len = (uint32_t)row->len[col[i]];

		memcpy(m->kbuf + n, &len, sizeof(len));
		memcpy(m->kbuf + n + sizeof(len), row->field[col[i]], len);
		n += sizeof(len) + len;
	}
	return (long)n;
}

static int
within(double a, double b, double tol)
{
	double d = fabs(a - b);

	return d <= tol || d - tol <= 4 * DBL_EPSILON * fmax(fabs(a), fabs(b));
}

/* Is a control with exclusion dates ex excluded at index date idx? */
static int
excluded(const struct sdc_match *m, const int32_t *ex, int32_t idx)
{
	size_t i;

	if (idx == NODATE)
		return 0;
	for (i = 0; i < m->o.nbefore; i++)
		if (ex[i] != NODATE && ex[i] < idx)
			return 1;
	for (i = 0; i < m->o.nafter; i++)
		if (ex[m->o.nbefore + i] != NODATE && ex[m->o.nbefore + i] > idx)
			return 1;
	return 0;
}

/* --- reading the cases ------------------------------------------------- */

static int
offset_date(const struct sdc_match_offset *off, int32_t d, int32_t *out)
{
	switch (off->unit) {
	case 'd':
		return sdc_date_add_days(d, off->n, out);
	case 'w':
		return sdc_date_add_weeks(d, off->n, out);
	case 'm':
		return sdc_date_add_months(d, off->n, out);
	default:
		return sdc_date_add_years(d, off->n, out);
	}
}

/* The group of a case (or -1), adding it if new. */
static int
case_group(struct sdc_match *m, struct mcase *c, const double *v,
    const unsigned char *vnull, long klen, struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	size_t i, n;
	int64_t s, gi;
	int added;
	char *p;

	c->group = -1;
	if (klen == 0)
		return 0;
	for (i = 0; i < o->nwithin; i++)
		if (vnull[i])
			return 0;
	s = sdc_hmap_put(&m->strata, m->kbuf, (size_t)klen,
	    sdc_hash_bytes(m->kbuf, (size_t)klen), &added);
	if (s < 0)
		return sdc_err_nomem(err);
	/* the group key: stratum, values, offset index date, id */
	n = 4 + o->nwithin * sizeof(double) + 4 + 8;
	if (n > m->kcap) {
		if ((p = realloc(m->kbuf, n)) == NULL)
			return sdc_err_nomem(err);
		m->kbuf = p;
		m->kcap = n;
	}
	p = m->kbuf;
	memcpy(p, &(uint32_t){ (uint32_t)s }, 4);
	n = 4;
	for (i = 0; i < o->nwithin; i++, n += sizeof(double))
		memcpy(p + n, &v[i], sizeof(double));
	if (o->replace) {
		memcpy(p + n, &c->id, 8);
		n += 8;
	}
	gi = sdc_hmap_put(&m->groups, p, n, sdc_hash_bytes(p, n), &added);
	if (gi < 0)
		return sdc_err_nomem(err);
	if (added) {
		struct group *g;

		if ((size_t)gi >= m->ngs) {
			size_t cap = m->ngs ? m->ngs * 2 : 64;

			if ((g = realloc(m->gs, cap * sizeof(*g))) == NULL)
				return sdc_err_nomem(err);
			m->gs = g;
			m->ngs = cap;
		}
		if (m->ngval + o->nwithin > m->gvalcap) {
			size_t cap = m->gvalcap ? m->gvalcap * 2 : 256;
			double *dv;

			while (cap < m->ngval + o->nwithin)
				cap *= 2;
			if ((dv = realloc(m->gval, cap * sizeof(*dv))) == NULL)
				return sdc_err_nomem(err);
			m->gval = dv;
			m->gvalcap = cap;
		}
		g = &m->gs[gi];
		memset(g, 0, sizeof(*g));
		g->stratum = (uint32_t)s;
		g->case_id = c->id;
		g->vi = m->ngval;
		if (o->nwithin > 0)
			memcpy(m->gval + m->ngval, v,
			    o->nwithin * sizeof(double));
		m->ngval += o->nwithin;
	}
	c->group = (int32_t)gi;
	return 0;
}

static int
read_case(struct sdc_match *m, struct sdc_csv_reader *r,
    const struct sdc_csv_row *row, struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	struct cols *cc = &m->cc;
	struct mcase *c;
	uint32_t prev;
	long klen;
	size_t i;

	if ((m->ncs & (m->ncs - 1)) == 0 && m->ncs >= 64) {
		c = realloc(m->cs, 2 * m->ncs * sizeof(*c));
		if (c == NULL)
			return sdc_err_nomem(err);
		m->cs = c;
	} else if (m->ncs == 0 &&
	    (m->cs = malloc(64 * sizeof(*m->cs))) == NULL) {
		return sdc_err_nomem(err);
	}
	if (m->ncs >= UINT32_MAX - 1)
		return sdc_err_set(err, SDC_ELIMIT, m->cases_file, row->line, 0,
		    "too many cases");
	c = &m->cs[m->ncs];
	memset(c, 0, sizeof(*c));
	c->ord = m->ncs;
	c->idx = c->cidx = NODATE;
	c->state = PENDING;
	if (parse_id(r, row, cc->id, &c->id, err) != 0)
		return -1;
	if ((prev = idmap_get(&m->caseids, c->id)) != 0)
		return sdc_csv_reader_field_error(r, (size_t)cc->id, err,
		    SDC_EDATA, "%s %s appears twice in the cases",
		    o->id, row->field[cc->id]);
	if (idmap_put(&m->caseids, c->id, (uint32_t)m->ncs + 1) != 0)
		return sdc_err_nomem(err);
	for (i = 0; i < o->nwithin; i++)
		if (parse_within(m, r, row, i, cc->within[i], &m->cv[i],
		    &m->cnull[i], err) != 0)
			return -1;
	if (cc->index >= 0) {
		if (parse_date(r, row, cc->index, &c->idx, err) != 0)
			return -1;
		if (c->idx == NODATE)
			return sdc_csv_reader_field_error(r, (size_t)cc->index,
			    err, SDC_EDATA, "%s: a case needs an index date",
			    o->index_date);
		if (o->control_index && offset_date(&o->offset, c->idx,
		    &c->cidx) != 0)
			return sdc_csv_reader_field_error(r, (size_t)cc->index,
			    err, SDC_EDATA, "%s: %s moved by the control-index "
			    "offset is not a date", o->index_date,
			    row->field[cc->index]);
	}
	for (i = 0; i < o->nbefore + o->nafter; i++) {
		long col = i < o->nbefore ? cc->before[i] :
		    cc->after[i - o->nbefore];

		m->cex[i] = NODATE;
		if (col >= 0 && parse_date(r, row, col, &m->cex[i], err) != 0)
			return -1;
	}
	if (o->nbefore + o->nafter > 0 && excluded(m, m->cex, c->idx))
		c->state = SDC_MATCH_EXCLUDED;
	if ((klen = exact_key(m, row, cc->exact, err)) < 0)
		return -1;
	if (c->state == PENDING &&
	    case_group(m, c, m->cv, m->cnull, klen, err) != 0)
		return -1;
	if ((c->row = crow_new(row)) == NULL)
		return sdc_err_nomem(err);
	c->row->refs = 1;
	m->ncs++;
	return 0;
}

static int
case_order(const void *pa, const void *pb)
{
	const struct mcase *a = pa, *b = pb;

	if (a->idx != b->idx)
		return a->idx < b->idx ? -1 : 1;
	if (a->okey != b->okey)
		return a->okey < b->okey ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

struct sdc_match *
sdc_match_new(const struct sdc_match_opts *o, struct sdc_csv_reader *cases,
    struct sdc_err *err)
{
	struct sdc_match *m;
	const struct sdc_csv_row *row;
	struct sdc_rng *rng;
	size_t i, nex;
	int rc;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	m->o = *o;
	sdc_hmap_init(&m->strata);
	sdc_hmap_init(&m->groups);
	if (check_opts(m, err) != 0)
		goto fail;
	if ((rng = sdc_rng_new(o->seed, err)) == NULL)
		goto fail;
	m->sec_ctl = draw64(rng);
	m->sec_pair = draw64(rng);
	m->sec_case = draw64(rng);
	sdc_rng_free(rng);
	nex = o->nbefore + o->nafter;
	m->cv = malloc((o->nwithin + 1) * sizeof(*m->cv));
	m->cnull = malloc(o->nwithin + 1);
	m->cex = malloc((nex + 1) * sizeof(*m->cex));
	m->hist = calloc(o->k + 1, sizeof(*m->hist));
	m->cases_file = strdup(sdc_csv_reader_name(cases));
	if (m->cv == NULL || m->cnull == NULL || m->cex == NULL ||
	    m->hist == NULL || m->cases_file == NULL) {
		sdc_err_nomem(err);
		goto fail;
	}
	m->sum.hist = m->hist;
	if (cols_map(m, &m->cc, cases, o->index_date != NULL, 0, err) != 0)
		goto fail;
	while ((rc = sdc_csv_reader_next(cases, &row, err)) == 1)
		if (read_case(m, cases, row, err) != 0)
			goto fail;
	if (rc < 0)
		goto fail;
	m->sum.cases = m->ncs;
	for (i = 0; i < m->ncs; i++) {
		m->cs[i].okey = o->order_random ?
		    sdc_match_case_key(m, m->cs[i].id) : 0;
		if (o->index_date == NULL)
			m->cs[i].idx = 0;
		if (m->cs[i].state == SDC_MATCH_EXCLUDED)
			m->sum.cases_excluded++;
	}
	if (m->ncs > 0)
		qsort(m->cs, m->ncs, sizeof(*m->cs), case_order);
	m->selid = calloc(m->ncs * o->k + 1, sizeof(*m->selid));
	m->selrow = calloc(m->ncs * o->k + 1, sizeof(*m->selrow));
	if (m->selid == NULL || m->selrow == NULL) {
		sdc_err_nomem(err);
		goto fail;
	}
	return m;
fail:
	sdc_match_free(m);
	return NULL;
}

/* --- a pass over the controls ----------------------------------------- */

static int
slot_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct slot *a = pa, *b = pb;
	const struct sdc_match *m = ctx;
	uint32_t sa = m->gs[a->g].stratum, sb = m->gs[b->g].stratum;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (a->v0 != b->v0)
		return a->v0 < b->v0 ? -1 : 1;
	if (a->v1 != b->v1)
		return a->v1 < b->v1 ? -1 : 1;
	return a->g < b->g ? -1 : a->g > b->g;
}

/* Count the pending cases per group and build the range index. */
static int
setup_pass(struct sdc_match *m, unsigned pass, struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	size_t i, n = 0, nstrata = m->strata.n, base, shift;
	struct group *g;

	for (i = 0; i < m->groups.n; i++) {
		m->gs[i].g = 0;
		m->gs[i].cmin = INT32_MAX;
		m->gs[i].cmax = INT32_MIN;
	}
	for (i = 0; i < m->ncs; i++) {
		const struct mcase *c = &m->cs[i];

		if (c->state == PENDING && c->group >= 0) {
			g = &m->gs[c->group];
			g->g++;
			if (c->cidx < g->cmin)
				g->cmin = c->cidx;
			if (c->cidx > g->cmax)
				g->cmax = c->cidx;
		}
	}
	free(m->slots);
	free(m->soff);
	m->slots = malloc((m->groups.n + 1) * sizeof(*m->slots));
	m->soff = calloc(nstrata + 2, sizeof(*m->soff));
	if (m->slots == NULL || m->soff == NULL)
		return sdc_err_nomem(err);
	shift = pass < 24 ? pass : 24;
	for (i = 0; i < m->groups.n; i++) {
		g = &m->gs[i];
		g->n = g->alloc = g->cursor = 0;
		g->seen = 0;
		g->list = NULL;
		if (g->g == 0)
			continue;
		if (o->small_lists)
			base = o->k;
		else if (o->replace)
			base = o->k + 1;
		else
			base = (size_t)g->g * (o->k + 1) + 4;
		g->cap = base << shift;
		m->slots[n].g = (uint32_t)i;
		m->slots[n].v0 = o->nwithin > 0 ? m->gval[g->vi] : 0;
		m->slots[n].v1 = o->nwithin > 1 ? m->gval[g->vi + 1] : 0;
		m->slots[n].cmin = g->cmin;
		m->slots[n].cmax = g->cmax;
		m->slots[n].full = m->slots[n].over = 0;
		m->soff[g->stratum + 1]++;
		n++;
	}
	for (i = 0; i < nstrata; i++)
		m->soff[i + 1] += m->soff[i];
	if (n > 1 && sdc_sort(m->slots, n, sizeof(*m->slots), slot_cmp, m) != 0)
		return sdc_err_nomem(err);
	for (i = n; i-- > 0;)	/* runs of one stratum and one v0 */
		m->slots[i].runend = i + 1 < n &&
		    m->gs[m->slots[i + 1].g].stratum ==
		    m->gs[m->slots[i].g].stratum &&
		    m->slots[i + 1].v0 == m->slots[i].v0 ?
		    m->slots[i + 1].runend : (uint32_t)(i + 1);
	return 0;
}

static int
cand_cmp(const struct cand *a, const struct cand *b, size_t nclosest)
{
	size_t i;

	for (i = 0; i < nclosest; i++)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

static int
cand_sort_cmp(const void *a, const void *b, void *ctx)
{
	return cand_cmp(a, b, *(const size_t *)ctx);
}

/* Offer c to g's bounded max-heap; *row is made on first use. */
static int
offer(struct sdc_match *m, struct group *g, const struct cand *c,
    struct crow **row, const struct sdc_csv_row *rec, struct sdc_err *err)
{
	size_t nc = m->o.nclosest, i, j;
	struct cand *h;

	g->seen++;
	if (g->n == g->cap) {
		if (cand_cmp(c, &g->list[0], nc) >= 0)
			return 0;
	} else if (g->n == g->alloc) {
		size_t a = g->alloc ? g->alloc * 2 : 8;

		if (a > g->cap)
			a = g->cap;
		if ((h = realloc(g->list, a * sizeof(*h))) == NULL)
			return sdc_err_nomem(err);
		g->list = h;
		g->alloc = a;
	}
	if (*row == NULL && (*row = crow_new(rec)) == NULL)
		return sdc_err_nomem(err);
	(*row)->refs++;
	h = g->list;
	if (g->n < g->cap) {	/* sift up */
		for (i = g->n++; i > 0; i = j) {
			j = (i - 1) / 2;
			if (cand_cmp(&h[j], c, nc) >= 0)
				break;
			h[i] = h[j];
		}
		h[i] = *c;
		h[i].row = *row;
		return 0;
	}
	crow_unref(h[0].row);	/* replace the worst, sift down */
	for (i = 0;; i = j) {
		j = 2 * i + 1;
		if (j >= g->n)
			break;
		if (j + 1 < g->n && cand_cmp(&h[j + 1], &h[j], nc) > 0)
			j++;
		if (cand_cmp(&h[j], c, nc) <= 0)
			break;
		h[i] = h[j];
	}
	h[i] = *c;
	h[i].row = *row;
	return 0;
}

/*
 * Consider the control (values in m->cv, m->cex) for the group of slot
 * sl.  Everything needed to turn a candidate away is in the slot, so
 * the common case touches no other memory.
 */
static int
consider(struct sdc_match *m, struct slot *sl, int64_t id, uint64_t ord,
    uint64_t key, struct crow **row, const struct sdc_csv_row *rec,
    struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	const double *gv = NULL;
	struct group *g;
	struct cand c;
	size_t i, nc = o->nclosest;

	if (o->nwithin > 0 && !within(m->cv[0], sl->v0, o->within[0].tol))
		return 0;
	if (o->nwithin > 1 && !within(m->cv[1], sl->v1, o->within[1].tol))
		return 0;
	if (m->whi < sl->cmin || m->wlo > sl->cmax)
		return 0;	/* excluded for every case of the group */
	if (o->nwithin > 2) {
		gv = m->gval + m->gs[sl->g].vi;
		for (i = 2; i < o->nwithin; i++)
			if (!within(m->cv[i], gv[i], o->within[i].tol))
				return 0;
	}
	for (i = 0; i < nc; i++) {
		size_t w = m->closest[i];
		double v = w == 0 ? sl->v0 : w == 1 ? sl->v1 :
		    (gv ? gv : m->gval + m->gs[sl->g].vi)[w];

		c.d[i] = fabs(m->cv[w] - v);
	}
	for (; i < SDC_MATCH_CLOSEST_MAX; i++)
		c.d[i] = 0;
	if (o->replace) {
		g = &m->gs[sl->g];
		if (g->case_id == id)
			return 0;
		key = sdc_match_pair_key(m, g->case_id, id);
	}
	if (sl->full) {		/* turn away what ranks after the worst kept */
		int cmp = 0;

		if (nc > 0 && c.d[0] != sl->t0)
			cmp = c.d[0] < sl->t0 ? -1 : 1;
		else if (nc > 1 && c.d[1] != sl->t1)
			cmp = c.d[1] < sl->t1 ? -1 : 1;
		else if (nc <= 2 && key != sl->tkey)
			cmp = key < sl->tkey ? -1 : 1;
		if (cmp > 0) {
			sl->over = 1;
			return 0;
		}
	}
	g = &m->gs[sl->g];
	c.wlo = m->wlo;
	c.whi = m->whi;
	c.key = key;
	c.id = id;
	c.ord = ord;
	c.row = NULL;
	if (offer(m, g, &c, row, rec, err) != 0)
		return -1;
	if (g->n == g->cap) {
		sl->full = 1;
		sl->t0 = g->list[0].d[0];
		sl->t1 = g->list[0].d[1];
		sl->tkey = g->list[0].key;
	}
	return 0;
}

/* First slot in [lo, hi) whose value (v0 or v1) is >= x. */
static size_t
lower(const struct slot *s, size_t lo, size_t hi, int second, double x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((second ? s[mid].v1 : s[mid].v0) < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double
reach(double c, double tol)
{
	return tol + 8 * DBL_EPSILON * (fabs(c) + tol + 1);
}

static int
control_row(struct sdc_match *m, struct sdc_csv_reader *r,
    const struct sdc_csv_row *rec, unsigned pass, uint64_t ord,
    struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	const struct cols *kc = &m->kc;
	struct crow *row = NULL;
	int64_t id, s;
	int32_t own = NODATE;
	size_t i, lo, hi, nex = o->nbefore + o->nafter;
	uint64_t key;
	long klen;
	int rc = 0;

	if (parse_id(r, rec, kc->id, &id, err) != 0)
		return -1;
	for (i = 0; i < o->nwithin; i++)
		if (parse_within(m, r, rec, i, kc->within[i], &m->cv[i],
		    &m->cnull[i], err) != 0)
			return -1;
	for (i = 0; i < nex; i++)
		if (parse_date(r, rec, i < o->nbefore ? kc->before[i] :
		    kc->after[i - o->nbefore], &m->cex[i], err) != 0)
			return -1;
	if (nex > 0 && !o->control_index &&
	    parse_date(r, rec, kc->index, &own, err) != 0)
		return -1;
	if (o->exclude_cases && idmap_get(&m->caseids, id) != 0) {
		if (pass == 0)
			m->sum.controls_cases++;
		return 0;
	}
	if (!o->replace && idmap_get(&m->claimed, id) != 0)
		return 0;
	if ((klen = exact_key(m, rec, kc->exact, err)) <= 0)
		return (int)klen;
	if ((s = sdc_hmap_get(&m->strata, m->kbuf, (size_t)klen,
	    sdc_hash_bytes(m->kbuf, (size_t)klen))) < 0)
		return 0;
	for (i = 0; i < o->nwithin; i++)
		if (m->cnull[i])
			return 0;
	if (!o->control_index && nex > 0 && excluded(m, m->cex, own))
		return 0;
	/*
	 * With --control-index the index date is the case's: not excluded
	 * at idx when idx <= every before-date and idx >= every after-date.
	 */
	m->wlo = INT32_MIN;
	m->whi = INT32_MAX;
	for (i = 0; o->control_index && i < nex; i++) {
		if (m->cex[i] == NODATE)
			continue;
		if (i < o->nbefore && m->cex[i] < m->whi)
			m->whi = m->cex[i];
		if (i >= o->nbefore && m->cex[i] > m->wlo)
			m->wlo = m->cex[i];
	}
	lo = m->soff[s];
	hi = m->soff[s + 1];
	if (lo == hi)
		return 0;
	key = o->replace ? 0 : sdc_match_control_key(m, id);
	if (o->nwithin == 0) {
		for (i = lo; i < hi && rc == 0; i++)
			rc = consider(m, &m->slots[i], id, ord, key, &row, rec,
			    err);
	} else {
		double c0 = m->cv[0], t0 = reach(c0, o->within[0].tol);

		i = lower(m->slots, lo, hi, 0, c0 - t0);
		while (i < hi && m->slots[i].v0 <= c0 + t0 && rc == 0) {
			if (o->nwithin > 1) {
				double c1 = m->cv[1];
				double t1 = reach(c1, o->within[1].tol);
				size_t j = m->slots[i].runend;
				size_t p = lower(m->slots, i, j, 1, c1 - t1);

				for (; p < j && m->slots[p].v1 <= c1 + t1 &&
				    rc == 0; p++)
					rc = consider(m, &m->slots[p], id, ord,
					    key, &row, rec, err);
				i = j;
			} else {
				rc = consider(m, &m->slots[i], id, ord, key,
				    &row, rec, err);
				i++;
			}
		}
	}
	if (row != NULL && row->refs == 0)
		free(row);
	return rc;
}

/* Map the controls' header (pass 0) or check it is unchanged. */
static int
controls_header(struct sdc_match *m, struct sdc_csv_reader *r, unsigned pass,
    struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	const struct sdc_csv_row *h = sdc_csv_reader_header(r);
	size_t i, j, n;

	if (pass > 0) {
		int same = h->n == m->kc.n;

		for (i = 0; same && i < h->n; i++)
			same = strcmp(h->field[i], m->kc.names[i]) == 0;
		if (!same)
			return sdc_err_set(err, SDC_EDATA,
			    sdc_csv_reader_name(r), 1, 0,
			    "the controls changed between passes");
		return 0;
	}
	if ((m->controls_file = strdup(sdc_csv_reader_name(r))) == NULL)
		return sdc_err_nomem(err);
	if (cols_map(m, &m->kc, r, (o->nbefore || o->nafter) &&
	    !o->control_index, 1, err) != 0)
		return -1;
	/* output: cases' columns, controls' others, set id, indicator */
	n = m->cc.n + m->kc.n + 2;
	m->out_case = malloc(n * sizeof(long));
	m->out_ctl = malloc(n * sizeof(long));
	if (m->out_case == NULL || m->out_ctl == NULL)
		return sdc_err_nomem(err);
	m->out_index = -1;
	for (i = 0; i < m->cc.n; i++) {
		m->out_case[i] = (long)i;
		m->out_ctl[i] = sdc_csv_reader_column(r, m->cc.names[i]);
		if (m->cc.index == (long)i && o->control_index)
			m->out_index = (long)i;
	}
	n = m->cc.n;
	for (j = 0; j < m->kc.n; j++) {
		for (i = 0; i < m->cc.n; i++)
			if (strcmp(m->kc.names[j], m->cc.names[i]) == 0)
				break;
		if (i < m->cc.n)
			continue;
		m->out_case[n] = -1;
		m->out_ctl[n++] = (long)j;
	}
	for (i = 0; i < n; i++) {
		const char *name = m->out_case[i] >= 0 ?
		    m->cc.names[m->out_case[i]] : m->kc.names[m->out_ctl[i]];
		const char *file = m->out_case[i] >= 0 ? m->cases_file :
		    m->controls_file;

		if (strcmp(name, o->set_id) == 0 ||
		    strcmp(name, o->indicator) == 0)
			return sdc_err_set(err, SDC_EDATA, file, 1, 0,
			    "column '%s' would be written twice: name the "
			    "%s column otherwise", name,
			    strcmp(name, o->set_id) == 0 ? "set id" :
			    "indicator");
	}
	m->nout = n + 2;
	return 0;
}

static void
free_lists(struct sdc_match *m)
{
	size_t i, j;

	for (i = 0; i < m->groups.n; i++) {
		struct group *g = &m->gs[i];

		for (j = 0; j < g->n; j++)
			crow_unref(g->list[j].row);
		free(g->list);
		g->list = NULL;
		g->n = g->alloc = 0;
	}
}

/*
 * Apply the rule to the lists, in case order, up to the first case whose
 * list was cut short and ran out: everything after it waits for the next
 * pass.  (Stopping per stratum would not do: one patient may have rows
 * with different exact values, so strata can share a control.)
 */
static int
resolve(struct sdc_match *m, size_t *decided, struct sdc_err *err)
{
	const struct sdc_match_opts *o = &m->o;
	size_t i, j, p, np, k = o->k;

	*decided = 0;
	for (i = 0; i < m->ncs; i++) {
		struct mcase *c = &m->cs[i];
		int64_t *sel = m->selid + i * k;
		struct group *g = c->group >= 0 ? &m->gs[c->group] : NULL;

		if (c->state != PENDING)
			continue;
		np = 0;
		for (j = g ? g->cursor : 0; g && j < g->n && np < k; j++) {
			const struct cand *e = &g->list[j];

			if (e->id == c->id || c->cidx < e->wlo ||
			    c->cidx > e->whi || (!o->replace &&
			    idmap_get(&m->claimed, e->id) != 0))
				continue;
			for (p = 0; p < np; p++)
				if (sel[p] == e->id)
					break;
			if (p < np)
				continue;
			m->selrow[i * k + np] = e->row;
			sel[np++] = e->id;
		}
		if (g && np < k && g->seen > g->n)
			break;	/* undecidable: the next pass goes on from here */
		(*decided)++;
		c->nsel = (uint32_t)np;
		m->hist[np]++;
		if (np < o->min_matches) {
			c->state = SDC_MATCH_SHORT;
			for (p = 0; p < np; p++)
				m->selrow[i * k + p] = NULL;
			continue;
		}
		c->state = SDC_MATCH_SET;
		for (p = 0; p < np; p++) {
			m->selrow[i * k + p]->refs++;
			if (!o->replace && idmap_put(&m->claimed, sel[p], 1) != 0)
				return sdc_err_nomem(err);
		}
		while (g != NULL && !o->replace && g->cursor < g->n &&
		    idmap_get(&m->claimed, g->list[g->cursor].id) != 0)
			g->cursor++;
	}
	return 0;
}

int
sdc_match_run(struct sdc_match *m, const struct sdc_match_source *src,
    struct sdc_err *err)
{
	struct sdc_csv_reader *r;
	const struct sdc_csv_row *rec;
	size_t i, pending, decided, nc = m->o.nclosest;
	unsigned pass;
	uint64_t ord;
	int rc;

	for (pass = 0;; pass++) {
		if (setup_pass(m, pass, err) != 0)
			return -1;
		if ((r = src->open(src->ctx, pass, err)) == NULL)
			return -1;
		if (controls_header(m, r, pass, err) != 0) {
			src->close(src->ctx, r);
			return -1;
		}
		ord = 0;
		while ((rc = sdc_csv_reader_next(r, &rec, err)) == 1) {
			if (control_row(m, r, rec, pass, ord++, err) != 0) {
				rc = -1;
				break;
			}
		}
		if (rc == 0 && pass == 0)
			m->rows0 = m->sum.controls = ord;
		else if (rc == 0 && ord != m->rows0)
			rc = sdc_err_set(err, SDC_EDATA, sdc_csv_reader_name(r),
			    0, 0, "the controls changed between passes");
		src->close(src->ctx, r);
		m->sum.passes = pass + 1;
		if (rc != 0) {
			free_lists(m);
			return -1;
		}
		for (i = 0; i < m->soff[m->strata.n]; i++)
			if (m->slots[i].over)	/* turned away: cut short */
				m->gs[m->slots[i].g].seen++;
		for (i = 0; i < m->groups.n; i++)
			if (m->gs[i].n > 1 && sdc_sort(m->gs[i].list,
			    m->gs[i].n, sizeof(struct cand), cand_sort_cmp,
			    &nc) != 0) {
				free_lists(m);
				return sdc_err_nomem(err);
			}
		rc = resolve(m, &decided, err);
		free_lists(m);
		if (rc != 0)
			return -1;
		for (i = pending = 0; i < m->ncs; i++)
			pending += m->cs[i].state == PENDING;
		if (pending == 0)
			break;
		/*
		 * A pass may decide nothing when a list was filled by the
		 * case's own id or repeated ids; the next one has lists
		 * twice as long, and lists that hold every eligible control
		 * always decide.  The bound is a guard, never reached.
		 */
		if (decided == 0 && pass >= 48)
			return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
			    "matching made no progress on pass %u", pass + 1);
	}
	for (i = 0; i < m->ncs; i++) {
		if (m->cs[i].state == SDC_MATCH_SET) {
			m->sum.sets++;
			m->sum.controls_written += m->cs[i].nsel;
		} else if (m->cs[i].state == SDC_MATCH_SHORT) {
			m->sum.sets_dropped++;
		}
	}
	return 0;
}

/* --- output ----------------------------------------------------------- */

int
sdc_match_write(struct sdc_match *m, struct sdc_output *out,
    struct sdc_err *err)
{
	size_t n = m->nout, i, j, p, k = m->o.k;
	const char **f = calloc(n + 1, sizeof(*f));
	size_t *len = calloc(n + 1, sizeof(*len));
	char id[24], date[SDC_DATE_BUF];
	int rc = -1;

	if (f == NULL || len == NULL) {
		sdc_err_nomem(err);
		goto done;
	}
	for (j = 0; j + 2 < n; j++) {
		f[j] = m->out_case[j] >= 0 ? m->cc.names[m->out_case[j]] :
		    m->kc.names[m->out_ctl[j]];
		len[j] = strlen(f[j]);
	}
	f[n - 2] = m->o.set_id;
	f[n - 1] = m->o.indicator;
	len[n - 2] = strlen(f[n - 2]);
	len[n - 1] = strlen(f[n - 1]);
	if (sdc_csv_write_row(out, n, f, len, err) != 0)
		goto done;
	for (i = 0; i < m->ncs; i++) {
		const struct mcase *c = &m->cs[i];

		if (c->state != SDC_MATCH_SET)
			continue;
		f[n - 2] = id;
		len[n - 2] = (size_t)snprintf(id, sizeof(id), "%lld",
		    (long long)c->id);
		for (p = 0; p <= c->nsel; p++) {
			const struct crow *row = p == 0 ? c->row :
			    m->selrow[i * k + p - 1];
			const long *map = p == 0 ? m->out_case : m->out_ctl;

			for (j = 0; j + 2 < n; j++) {
				if (map[j] < 0) {
					f[j] = "";
					len[j] = 0;
				} else {
					f[j] = crow_field(row, (size_t)map[j],
					    &len[j]);
				}
			}
			if (p > 0 && m->out_index >= 0) {
				f[m->out_index] = date;
				len[m->out_index] = sdc_date_format(c->cidx,
				    date);
			}
			f[n - 1] = p == 0 ? "1" : "0";
			len[n - 1] = 1;
			if (sdc_csv_write_row(out, n, f, len, err) != 0)
				goto done;
		}
	}
	rc = 0;
done:
	free(f);
	free(len);
	return rc;
}

const struct sdc_match_summary *
sdc_match_summary(const struct sdc_match *m)
{
	return &m->sum;
}

size_t
sdc_match_ncases(const struct sdc_match *m)
{
	return m->ncs;
}

void
sdc_match_case(const struct sdc_match *m, size_t i, int64_t *id,
    enum sdc_match_state *state, const int64_t **controls, size_t *n)
{
	const struct mcase *c = &m->cs[i];

	*id = c->id;
	*state = c->state == PENDING ? SDC_MATCH_SHORT :
	    (enum sdc_match_state)c->state;
	*controls = m->selid + i * m->o.k;
	*n = c->nsel;
}

void
sdc_match_free(struct sdc_match *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	free_lists(m);
	for (i = 0; i < m->ncs; i++) {
		crow_unref(m->cs[i].row);
		if (m->cs[i].state == SDC_MATCH_SET && m->selrow != NULL)
			for (j = 0; j < m->cs[i].nsel; j++)
				crow_unref(m->selrow[i * m->o.k + j]);
	}
	free(m->cs);
	free(m->selid);
	free(m->selrow);
	free(m->gs);
	free(m->gval);
	sdc_hmap_release(&m->strata);
	sdc_hmap_release(&m->groups);
	idmap_release(&m->caseids);
	idmap_release(&m->claimed);
	free(m->slots);
	free(m->soff);
	free(m->hist);
	free(m->kbuf);
	free(m->cv);
	free(m->cnull);
	free(m->cex);
	free(m->out_case);
	free(m->out_ctl);
	free(m->cases_file);
	free(m->controls_file);
	cols_release(&m->cc);
	cols_release(&m->kc);
	free(m);
}
