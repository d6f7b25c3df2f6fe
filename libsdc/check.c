/*
 * check.c - the rules of a release check, file by file, and the
 * release-wide audit over release.c's linear system.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "csv.h"
#include "input.h"
#include "num.h"
#include "release.h"
#include "sha256.h"
#include "sort.h"
#include "table.h"

#define EPS 1e-9
#define READ_MAX (1024ULL * 1024 * 1024)	/* refuse larger files */

static const char *const os_types[] = {
	"csv", "jpg", "jpeg", "png", "svg", "svgz", "html", "txt", "log",
	"json", "md"
};

int
sdc_check_profile(struct sdc_check_opts *o, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->types = os_types;
	o->ntypes = sizeof(os_types) / sizeof(*os_types);
	o->base = 5;
	o->infer.total = "Total";
	if (strcmp(name, "opensafely") == 0) {
		o->profile = "opensafely";
		o->threshold = 7;
		o->max_rows = 5000;
		o->max_bytes = 16ULL * 1024 * 1024;
		return 0;
	}
	if (strcmp(name, "acro") == 0) {
		o->profile = "acro";
		o->threshold = 9;	/* a count under 10 fails */
		o->zeros = 1;
		o->nk_n = 2;
		o->nk_k = 90;
		o->p = 10;
		return 0;
	}
	return -1;
}

/* What the check keeps of a file beyond its public record. */
struct cfile {
	struct sdc_table t;
	int have_table;
};

struct sdc_check {
	const struct sdc_check_opts *o;
	struct sdc_check_file *file;
	struct cfile *cf;
	size_t nfile, filecap;
	struct sdc_check_finding *fd;
	size_t nfd, fdcap;
	struct sdc_check_stats st;
	struct sdc_release *rel;
	int audited;
};

struct sdc_check *
sdc_check_new(const struct sdc_check_opts *o, struct sdc_err *err)
{
	struct sdc_check *c = calloc(1, sizeof(*c));
	struct sdc_release_opts ro;

	if (c == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	c->o = o;
	ro.threshold = (double)o->threshold;
	ro.protection = o->protection > 0 ? o->protection :
	    (double)o->threshold;
	if ((c->rel = sdc_release_new(&ro, err)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
sdc_check_free(struct sdc_check *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfile; i++) {
		free(c->file[i].path);
		free(c->file[i].col);
		free(c->file[i].kind);
		sdc_table_release(&c->cf[i].t);
	}
	for (i = 0; i < c->nfd; i++) {
		free(c->fd[i].value);
		free(c->fd[i].msg);
	}
	sdc_release_free(c->rel);
	free(c->file);
	free(c->cf);
	free(c->fd);
	free(c);
}

#if defined(__GNUC__)
__attribute__((format(printf, 8, 9)))
#endif
static int
finding(struct sdc_check *c, size_t f, unsigned long long line,
    const char *column, const char *rule, const char *value,
    struct sdc_err *err, const char *fmt, ...)
{
	struct sdc_check_finding *d;
	char msg[1024];
	va_list ap;

	if (c->nfd == c->fdcap) {
		size_t n = c->fdcap ? 2 * c->fdcap : 16;
		void *p = realloc(c->fd, n * sizeof(*c->fd));

		if (p == NULL)
			return sdc_err_nomem(err);
		c->fd = p;
		c->fdcap = n;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d = &c->fd[c->nfd];
	memset(d, 0, sizeof(*d));
	d->file = f;
	d->line = line;
	d->column = column;
	d->rule = rule;
	if ((value != NULL && (d->value = strdup(value)) == NULL) ||
	    (d->msg = strdup(msg)) == NULL) {
		free(d->value);
		return sdc_err_nomem(err);
	}
	c->nfd++;
	return 0;
}

static const char *
extension(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot && dot != base ? dot + 1 : "";
}

static int
allowed_type(const struct sdc_check_opts *o, const char *ext)
{
	size_t i;

	for (i = 0; i < o->ntypes; i++)
		if (strcasecmp(ext, o->types[i]) == 0)
			return 1;
	return 0;
}

/* Does the content fit the type its name claims?  NULL if so. */
static const char *
content_mismatch(const char *ext, const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
	};
	size_t i;

	if (strcasecmp(ext, "png") == 0)
		return n >= 8 && memcmp(p, png, 8) == 0 ? NULL :
		    "the content is not a PNG image";
	if (strcasecmp(ext, "jpg") == 0 || strcasecmp(ext, "jpeg") == 0)
		return n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff ?
		    NULL : "the content is not a JPEG image";
	if (strcasecmp(ext, "svgz") == 0)
		return n >= 2 && p[0] == 0x1f && p[1] == 0x8b ? NULL :
		    "the content is not gzip-compressed SVG";
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "the content is gzip-compressed, not text";
	if (memchr(p, '\0', n) != NULL)
		return "the content holds NUL bytes: not a text file";
	if (strcasecmp(ext, "svg") == 0) {
		for (i = 0; i + 4 <= n; i++)
			if (memcmp(p + i, "<svg", 4) == 0)
				return NULL;
		return "the content is not an SVG image";
	}
	if (strcasecmp(ext, "json") == 0) {
		for (i = 0; i < n && isspace(p[i]); i++)
			;
		return i < n && (p[i] == '{' || p[i] == '[') ? NULL :
		    "the content is not a JSON object or array";
	}
	return NULL;
}

/* Per count cell: its publication and interval. */
struct cells {
	unsigned char *pub, *target;
	double *lo, *hi, *val;
};

static void
cells_free(struct cells *k)
{
	free(k->pub);
	free(k->target);
	free(k->lo);
	free(k->hi);
	free(k->val);
}

static int
cells_alloc(struct cells *k, size_t n)
{
	memset(k, 0, sizeof(*k));
	k->pub = calloc(n + 1, 1);
	k->target = calloc(n + 1, 1);
	k->lo = calloc(n + 1, sizeof(double));
	k->hi = calloc(n + 1, sizeof(double));
	k->val = calloc(n + 1, sizeof(double));
	if (k->pub == NULL || k->target == NULL || k->lo == NULL ||
	    k->hi == NULL || k->val == NULL) {
		cells_free(k);
		return -1;
	}
	return 0;
}

static const char *
fmt_num(double x, char *buf)
{
	if (isinf(x))
		return x > 0 ? "inf" : "-inf";
	sdc_num_format_double(x, buf);
	return buf;
}

/*
 * One count column: small counts, rounding, and the interval each
 * published value stands for.
 */
static int
count_column(struct sdc_check *c, size_t f, size_t col, struct cells *k,
    struct sdc_err *err)
{
	const struct sdc_check_opts *o = c->o;
	const struct sdc_table *t = &c->cf[f].t;
	enum sdc_col_rounding rk = sdc_infer_rounding(t->name[col]);
	double T = (double)o->threshold, h = o->base > 1 ?
	    floor((double)o->base / 2) : 0, v;
	size_t r;

	for (r = 0; r < t->nrow; r++) {
		const char *s = sdc_table_get(t, r, col);
		enum sdc_cell_kind ck = sdc_infer_cell(s, &o->infer, &v);
		int rounded = 0;

		k->val[r] = NAN;
		if (ck != SDC_CELL_INT) {
			/* redaction markers and empty cells: unknown */
			k->pub[r] = SDC_PUB_REDACTED;
			k->lo[r] = 0;
			k->hi[r] = HUGE_VAL;
			k->target[r] = 1;
			continue;
		}
		k->val[r] = v;
		if (rk == SDC_ROUNDING_BASE && v >= 1 && v <= T &&
		    finding(c, f, t->line[r], t->name[col], "small-count", s,
		    err, "count %s is in 1..%lld and must be redacted", s,
		    (long long)o->threshold) != 0)
			return -1;
		if (v == 0 && o->zeros && rk != SDC_ROUNDING_MIDPOINT6_DERIVED &&
		    finding(c, f, t->line[r], t->name[col], "small-count", s,
		    err, "a zero count must be redacted (zeros are "
		    "disclosive)") != 0)
			return -1;
		switch (rk) {
		case SDC_ROUNDING_MIDPOINT6:
			if (v != 0 && fmod(v - 3, 6) != 0) {
				if (finding(c, f, t->line[r], t->name[col],
				    "rounding", s, err, "%s is not a midpoint-6 "
				    "value (0, 3, 9, 15, ...)", s) != 0)
					return -1;
			} else if (v != 0) {
				k->pub[r] = SDC_PUB_MIDPOINT;
				k->lo[r] = v - 2;
				k->hi[r] = v + 3;
				k->target[r] = k->lo[r] <= T;
				rounded = 1;
			}
			break;
		case SDC_ROUNDING_MIDPOINT6_DERIVED:
			if (fmod(v, 6) != 0 && finding(c, f, t->line[r],
			    t->name[col], "rounding", s, err,
			    "%s is not a multiple of 6", s) != 0)
				return -1;
			k->pub[r] = 0;	/* a sum or difference: not a cell */
			continue;
		default:
			if (o->base > 1 && fmod(v, (double)o->base) != 0) {
				if (finding(c, f, t->line[r], t->name[col],
				    "rounding", s, err, "%s is not a multiple "
				    "of %lld", s, (long long)o->base) != 0)
					return -1;
			} else if (o->base > 1) {
				k->pub[r] = SDC_PUB_ROUNDED;
				k->lo[r] = v > h ? v - h : 0;
				k->hi[r] = v + h;
				/* inside 1..T it is a small count already */
				k->target[r] = k->lo[r] <= T && k->hi[r] >= 1 &&
				    !(k->lo[r] >= 1 && k->hi[r] <= T);
				rounded = 1;
			}
			break;
		}
		if (!rounded) {
			k->pub[r] = SDC_PUB_EXACT;
			k->lo[r] = k->hi[r] = v;
		}
	}
	return 0;
}

/*
 * A total that covers no redacted cell and equals the sum of the
 * published cells it covers (the rows with no total in any column) was,
 * as OpenSAFELY and sdc-round do it, recomputed from the rounded cells:
 * it adds nothing of its own, so it stands for any value (the identity
 * with its cells still holds it).  Tables of more than RECOMPUTE_DIMS
 * dimensions are not searched; their totals count as rounded on their
 * own, which can only make the audit stricter.
 */
#define RECOMPUTE_DIMS 10
static int
recomputed(const struct sdc_table *t, struct cells *k, struct sdc_err *err)
{
	size_t ng = t->ngroup, r, j;
	unsigned full = (1u << ng) - 1, sub;
	uint32_t tup[SDC_TABLE_GROUPS_MAX];
	double *sum;
	unsigned char *hidden;

	if (ng == 0 || ng > RECOMPUTE_DIMS)
		return 0;
	sum = calloc(t->nrow + 1, sizeof(*sum));
	hidden = calloc(t->nrow + 1, 1);
	if (sum == NULL || hidden == NULL) {
		free(sum);
		free(hidden);
		return sdc_err_nomem(err);
	}
	for (r = 0; r < t->nrow; r++) {
		if (t->mask[r] != 0)
			continue;
		for (sub = 1; sub <= full; sub++) {
			size_t p;

			for (j = 0; j < ng; j++)
				tup[j] = sub & (1u << j) ? SDC_TABLE_TOTAL :
				    t->lev[r * ng + j];
			if ((p = sdc_table_find(t, tup)) == SIZE_MAX)
				continue;
			if (isnan(k->val[r]))
				hidden[p] = 1;
			else
				sum[p] += k->val[r];
		}
	}
	for (r = 0; r < t->nrow; r++) {
		if (t->mask[r] == 0 || hidden[r] || isnan(k->val[r]) ||
		    k->pub[r] == SDC_PUB_EXACT || sum[r] != k->val[r])
			continue;
		k->lo[r] = 0;
		k->hi[r] = HUGE_VAL;
		k->target[r] = 0;
	}
	free(sum);
	free(hidden);
	return 0;
}

/* Totals that cannot be the sum of their cells, whatever the rounding. */
static int
totals(struct sdc_check *c, size_t f, size_t col, const struct cells *k,
    struct sdc_err *err)
{
	const struct sdc_table *t = &c->cf[f].t;
	size_t s, i;

	for (s = 0; s < t->nsum; s++) {
		const struct sdc_table_sum *sum = &t->sum[s];
		double lo = 0, hi = 0;
		size_t p = sum->parent;
		char a[SDC_NUM_DOUBLE_MAX], b[SDC_NUM_DOUBLE_MAX];

		if (!k->pub[p])
			continue;
		for (i = 0; i < sum->n; i++) {
			if (!k->pub[sum->child[i]])
				break;
			lo += k->lo[sum->child[i]];
			hi += k->hi[sum->child[i]];
		}
		if (i < sum->n)
			continue;
		if (k->hi[p] < lo - EPS || k->lo[p] > hi + EPS) {
			if (finding(c, f, t->line[p], t->name[col], "total",
			    sdc_table_get(t, p, col), err, "total %s is not "
			    "the sum of its %zu cells over '%s' (they add up "
			    "to %s%s%s)", sdc_table_get(t, p, col), sum->n,
			    t->name[t->group[sum->dim]], fmt_num(lo, a),
			    hi > lo ? ".." : "", hi > lo ? fmt_num(hi, b) :
			    "") != 0)
				return -1;
		}
	}
	return 0;
}

/* Number of digits after the decimal point in s (0 for exponents). */
static int
decimals(const char *s)
{
	const char *dot = strchr(s, '.');
	int n = 0;

	if (dot == NULL || strpbrk(s, "eE") != NULL)
		return 0;
	for (dot++; isdigit((unsigned char)*dot); dot++)
		n++;
	return n;
}

static int
ratio_matches(double v, int dec, double a, double b)
{
	static const double mult[] = { 1, 100, 1000, 10000, 100000 };
	double tol = 0.5 * pow(10, -dec) * (1 + 1e-9) + 1e-12 * fabs(v);
	size_t i;

	if (b <= 0)
		return 0;
	for (i = 0; i < sizeof(mult) / sizeof(*mult); i++)
		if (fabs(v - mult[i] * a / b) <= tol)
			return 1;
	return 0;
}

/*
 * Percentages and rates must come from the published counts: of the
 * same row, or over a total the row falls under.  Statistics of a row
 * whose count is redacted or small give that count away.
 */
static int
derived(struct sdc_check *c, size_t f, const enum sdc_col_kind *kind,
    struct cells *const *cc, struct sdc_err *err)
{
	const struct sdc_check_opts *o = c->o;
	const struct sdc_table *t = &c->cf[f].t;
	size_t r, j, a, b, ncount = 0, m;
	double v;

	for (j = 0; j < t->ncol; j++)
		ncount += kind[j] == SDC_COL_COUNT;
	for (r = 0; r < t->nrow; r++) {
		const char *hidden = NULL;

		for (a = 0; a < t->ncol && hidden == NULL; a++) {
			if (kind[a] != SDC_COL_COUNT || cc[a] == NULL)
				continue;
			if (cc[a]->pub[r] == SDC_PUB_REDACTED ||
			    (cc[a]->val[r] >= 1 &&
			    cc[a]->val[r] <= (double)o->threshold &&
			    sdc_infer_rounding(t->name[a]) ==
			    SDC_ROUNDING_BASE))
				hidden = t->name[a];
		}
		for (j = 0; j < t->ncol; j++) {
			const char *s = sdc_table_get(t, r, j);
			enum sdc_cell_kind ck;
			int ok = 0, dec;

			if (kind[j] != SDC_COL_PERCENT && kind[j] != SDC_COL_STAT)
				continue;
			ck = sdc_infer_cell(s, &o->infer, &v);
			if (ck != SDC_CELL_INT && ck != SDC_CELL_REAL)
				continue;
			if (hidden != NULL) {
				if (finding(c, f, t->line[r], t->name[j],
				    "statistic", s, err, "%s of a group whose "
				    "count '%s' is redacted or small must be "
				    "redacted too", kind[j] == SDC_COL_PERCENT ?
				    "a percentage" : "a statistic", hidden) != 0)
					return -1;
				continue;
			}
			if (kind[j] != SDC_COL_PERCENT)
				continue;
			dec = decimals(s);
			for (a = 0; a < t->ncol && !ok; a++) {
				double x;

				if (kind[a] != SDC_COL_COUNT || cc[a] == NULL ||
				    isnan(x = cc[a]->val[r]))
					continue;
				/* a count over itself: 100% says nothing */
				ok = ratio_matches(v, dec, x, x);
				/* over another count of the row */
				for (b = 0; b < t->ncol && !ok; b++)
					if (b != a && kind[b] == SDC_COL_COUNT &&
					    cc[b] != NULL &&
					    !isnan(cc[b]->val[r]))
						ok = ratio_matches(v, dec, x,
						    cc[b]->val[r]);
				/* over a total the row falls under */
				for (m = t->memb_off[r]; m < t->memb_off[r + 1] &&
				    !ok; m++) {
					const struct sdc_table_sum *sum =
					    &t->sum[t->memb[m]];

					if (sum->parent != r && !isnan(
					    cc[a]->val[sum->parent]))
						ok = ratio_matches(v, dec, x,
						    cc[a]->val[sum->parent]);
				}
			}
			if (!ok && finding(c, f, t->line[r], t->name[j],
			    "percentage", s, err, "%s cannot be computed from "
			    "the published counts of this row or its totals%s",
			    s, ncount == 0 ? " (the file has no counts)" : "")
			    != 0)
				return -1;
		}
	}
	return 0;
}

/* ACRO's dominance rules, where the evidence columns are present. */
static int
dominance(struct sdc_check *c, size_t f, struct sdc_err *err)
{
	const struct sdc_check_opts *o = c->o;
	const struct sdc_table *t = &c->cf[f].t;
	long sc = sdc_table_column(t, "sum"), t1 = sdc_table_column(t, "top1");
	long t2 = sdc_table_column(t, "top2");
	size_t r;

	if (sc < 0 || t1 < 0 || (o->nk_n == 0 && o->p <= 0))
		return 0;
	for (r = 0; r < t->nrow; r++) {
		double v, a, b = 0;
		const char *s = sdc_table_get(t, r, (size_t)sc);

		if (sdc_num_parse_double(s, strlen(s), &v, NULL) != 0 ||
		    v <= 0)
			continue;
		s = sdc_table_get(t, r, (size_t)t1);
		if (sdc_num_parse_double(s, strlen(s), &a, NULL) != 0)
			continue;
		if (t2 >= 0) {
			s = sdc_table_get(t, r, (size_t)t2);
			if (sdc_num_parse_double(s, strlen(s), &b, NULL) != 0)
				b = 0;
		}
		if (o->nk_n > 0 && (o->nk_n == 1 ? a : a + b) >
		    o->nk_k / 100 * v + EPS &&
		    finding(c, f, t->line[r], "sum", "dominance",
		    sdc_table_get(t, r, (size_t)sc), err, "the largest %d "
		    "contribution%s %g%% of the total (more than %g%%)",
		    o->nk_n, o->nk_n == 1 ? " is" : "s are",
		    100 * (o->nk_n == 1 ? a : a + b) / v, o->nk_k) != 0)
			return -1;
		if (o->p > 0 && v - a - b < o->p / 100 * a - EPS &&
		    finding(c, f, t->line[r], "sum", "p-percent",
		    sdc_table_get(t, r, (size_t)sc), err, "the rest of the "
		    "total is within %g%% of the largest contribution",
		    o->p) != 0)
			return -1;
	}
	return 0;
}

static int
check_table(struct sdc_check *c, size_t f, struct sdc_err *err)
{
	const struct sdc_check_opts *o = c->o;
	struct sdc_check_file *cf = &c->file[f];
	struct sdc_table *t = &c->cf[f].t;
	size_t j, dims[SDC_TABLE_GROUPS_MAX], ndim = 0;
	struct cells **cc = NULL;
	int rc = -1;

	cf->rows = t->nrow;
	cf->ncol = t->ncol;
	if ((cf->col = malloc((t->ncol + 1) * sizeof(*cf->col))) == NULL ||
	    (cf->kind = calloc(t->ncol + 1, sizeof(*cf->kind))) == NULL)
		return sdc_err_nomem(err);
	for (j = 0; j < t->ncol; j++) {
		cf->col[j] = t->name[j];
		if (t->name[j][0] == '\0')
			return sdc_err_set(err, SDC_EDATA, t->src, t->hline, 0,
			    "column %zu has no name", j + 1);
	}
	if (o->max_rows > 0 && t->nrow > o->max_rows &&
	    finding(c, f, 0, NULL, "rows", NULL, err, "%zu rows, more than "
	    "the %llu allowed", t->nrow, (unsigned long long)o->max_rows) != 0)
		return -1;
	if (sdc_infer_columns(t, &o->infer, cf->kind, err) != 0)
		return -1;
	for (j = 0; j < t->ncol; j++) {
		if (cf->kind[j] == SDC_COL_PATIENT_ID && finding(c, f, t->hline,
		    t->name[j], "patient-id", NULL, err, "a patient_id column "
		    "may not be released") != 0)
			return -1;
		if (cf->kind[j] == SDC_COL_EVIDENCE && finding(c, f, t->hline,
		    t->name[j], "evidence", NULL, err, "'%s' is evidence "
		    "(largest contributions or record keys) and may not be "
		    "released", t->name[j]) != 0)
			return -1;
		if (cf->kind[j] != SDC_COL_DIM)
			continue;
		if (ndim == SDC_TABLE_GROUPS_MAX)
			return sdc_err_set(err, SDC_ELIMIT, t->src, t->hline, 0,
			    "more than %d dimension columns",
			    SDC_TABLE_GROUPS_MAX);
		dims[ndim++] = j;
	}
	if (sdc_table_structure(t, ndim, dims, o->infer.total, err) != 0) {
		if (err->code == SDC_EDATA) {
			char was[SDC_ERR_MSG_MAX];

			memcpy(was, err->msg, sizeof(was));
			if (snprintf(err->msg, sizeof(err->msg), "%s; the "
			    "dimensions were taken to be the %zu columns that "
			    "are not counts or statistics (--dims and --counts "
			    "say otherwise)", was, ndim) >= (int)sizeof(err->msg))
				err->msg[sizeof(err->msg) - 1] = '\0';
		}
		return -1;
	}
	if ((cc = calloc(t->ncol + 1, sizeof(*cc))) == NULL)
		return sdc_err_nomem(err);
	for (j = 0; j < t->ncol; j++) {
		if (cf->kind[j] != SDC_COL_COUNT)
			continue;
		if ((cc[j] = malloc(sizeof(**cc))) == NULL ||
		    cells_alloc(cc[j], t->nrow) != 0) {
			free(cc[j]);
			cc[j] = NULL;
			sdc_err_nomem(err);
			goto done;
		}
		if (count_column(c, f, j, cc[j], err) != 0 ||
		    (!o->totals_rounded && recomputed(t, cc[j], err) != 0) ||
		    totals(c, f, j, cc[j], err) != 0)
			goto done;
		if (sdc_infer_rounding(t->name[j]) !=
		    SDC_ROUNDING_MIDPOINT6_DERIVED &&
		    sdc_release_add(c->rel, f, t, j, cc[j]->pub, cc[j]->lo,
		    cc[j]->hi, cc[j]->val, cc[j]->target, err) != 0)
			goto done;
	}
	if (derived(c, f, cf->kind, cc, err) != 0 ||
	    dominance(c, f, err) != 0)
		goto done;
	rc = 0;
done:
	for (j = 0; j < t->ncol; j++)
		if (cc[j] != NULL) {
			cells_free(cc[j]);
			free(cc[j]);
		}
	free(cc);
	return rc;
}

int
sdc_check_mem(struct sdc_check *c, const char *name, const void *data,
    size_t len, int history, struct sdc_err *err)
{
	const struct sdc_check_opts *o = c->o;
	struct sdc_check_file *cf;
	struct sdc_sha256 sha;
	/* standard input ("-") is a CSV */
	const char *ext = strcmp(name, "-") == 0 ? "csv" : extension(name);
	const char *why;
	const unsigned char *p = data;
	struct sdc_input *in = NULL;
	struct sdc_csv_reader *r = NULL;
	size_t f;

	if (c->audited)
		return sdc_err_set(err, SDC_EUSAGE, name, 0, 0,
		    "the release was already audited");
	if (c->nfile == c->filecap) {
		size_t n = c->filecap ? 2 * c->filecap : 8;
		void *a = realloc(c->file, n * sizeof(*c->file));

		if (a == NULL)
			return sdc_err_nomem(err);
		c->file = a;
		if ((a = realloc(c->cf, n * sizeof(*c->cf))) == NULL)
			return sdc_err_nomem(err);
		c->cf = a;
		c->filecap = n;
	}
	f = c->nfile;
	cf = &c->file[f];
	memset(cf, 0, sizeof(*cf));
	memset(&c->cf[f], 0, sizeof(c->cf[f]));
	sdc_table_init(&c->cf[f].t);
	if ((cf->path = strdup(name)) == NULL)
		return sdc_err_nomem(err);
	c->nfile++;
	cf->history = history;
	cf->bytes = len;
	sdc_sha256_init(&sha);
	sdc_sha256_update(&sha, data, len);
	sdc_sha256_hex(&sha, cf->sha256);

	if (history) {
		/* earlier releases: only their tables matter */
		if (strcasecmp(ext, "csv") != 0)
			return 0;
	} else {
		if (!allowed_type(o, ext))
			return finding(c, f, 0, NULL, "file-type", NULL, err,
			    "files of type '%s' may not be released", ext);
		if (o->max_bytes > 0 && len > o->max_bytes &&
		    finding(c, f, 0, NULL, "file-size", NULL, err,
		    "%zu bytes, more than the %llu allowed", len,
		    (unsigned long long)o->max_bytes) != 0)
			return -1;
		/* a CSV's content is judged by its parser */
		if ((strcasecmp(ext, "csv") != 0 || (len >= 2 &&
		    p[0] == 0x1f && p[1] == 0x8b)) &&
		    (why = content_mismatch(ext, p, len)) != NULL)
			return finding(c, f, 0, NULL, "file-type", NULL, err,
			    "%s", why);
		if (strcasecmp(ext, "csv") != 0)
			return 0;
	}
	cf->csv = 1;
	if ((in = sdc_input_mem(data, len, name, err)) == NULL)
		return -1;
	if ((r = sdc_csv_reader_new(in, o->csv_flags, err)) == NULL ||
	    sdc_table_read(&c->cf[f].t, r, err) != 0) {
		sdc_csv_reader_free(r);
		sdc_input_free(in);
		return -1;
	}
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	c->cf[f].have_table = 1;
	return check_table(c, f, err);
}

int
sdc_check_file(struct sdc_check *c, const char *path, int history,
    struct sdc_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t n;
	int fd, rc;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) < 0)
		return sdc_err_set(err, SDC_EIO, path, 0, 0, "%s",
		    strerror(errno));
	if (fd == STDIN_FILENO) {
		if (fstat(fd, &st) != 0)
			return sdc_err_set(err, SDC_EIO, "<stdin>", 0, 0, "%s",
			    strerror(errno));
		st.st_size = 0;
	} else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int e = errno;

		close(fd);
		return sdc_err_set(err, SDC_EIO, path, 0, 0, "%s",
		    S_ISDIR(st.st_mode) ? "is a directory" :
		    !S_ISREG(st.st_mode) ? "not a regular file" : strerror(e));
	}
	if ((unsigned long long)st.st_size > READ_MAX) {
		close(fd);
		return sdc_err_set(err, SDC_ELIMIT, path, 0, 0, "%lld bytes, "
		    "more than the %llu this check reads",
		    (long long)st.st_size, READ_MAX);
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		close(fd);
		return sdc_err_nomem(err);
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap > READ_MAX || (nb = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				if (fd != STDIN_FILENO)
					close(fd);
				return cap > READ_MAX ? sdc_err_set(err,
				    SDC_ELIMIT, path, 0, 0, "grew past %llu "
				    "bytes while being read", READ_MAX) :
				    sdc_err_nomem(err);
			}
			buf = nb;
			cap *= 2;
		}
		if ((n = read(fd, buf + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			rc = sdc_err_set(err, SDC_EIO, path, 0, 0, "read: %s",
			    strerror(errno));
			free(buf);
			if (fd != STDIN_FILENO)
				close(fd);
			return rc;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	rc = sdc_check_mem(c, path, buf, len, history, err);
	free(buf);
	return rc;
}

static int
on_hit(void *ctx, const struct sdc_release_hit *h, struct sdc_err *err)
{
	struct sdc_check *c = ctx;
	const struct sdc_table *t = &c->cf[h->ref.table].t;
	char lo[SDC_NUM_DOUBLE_MAX], hi[SDC_NUM_DOUBLE_MAX];
	char pins[512], what[128];
	size_t i, n = 0;
	struct sdc_check_finding *d;
	double T = (double)c->o->threshold;
	double L = ceil(h->lo - 1e-6), H = isinf(h->hi) ? h->hi :
	    floor(h->hi + 1e-6);

	if (h->what == SDC_RELEASE_INCONSISTENT)
		return finding(c, h->ref.table, 0, NULL, "inconsistent", NULL,
		    err, "its counts contradict those of the tables it shares "
		    "cells with (or its own totals), so the release cannot be "
		    "audited");
	pins[0] = '\0';
	for (i = 0; i < h->npin; i++) {
		const struct sdc_table *pt = &c->cf[h->pin[i].table].t;
		int k = snprintf(pins + n, sizeof(pins) - n, "%s%s:%llu:%s",
		    i ? ", " : "", pt->src, pt->line[h->pin[i].row],
		    pt->name[h->pincol[i]]);

		if (k < 0 || (size_t)k >= sizeof(pins) - n)
			break;
		n += (size_t)k;
	}
	if (L >= 1 && H <= T)
		snprintf(what, sizeof(what), "inside 1..%lld",
		    (long long)c->o->threshold);
	else if (H - L < 1)
		snprintf(what, sizeof(what), "recovered exactly");
	else
		snprintf(what, sizeof(what), "narrower than %g",
		    c->o->protection > 0 ? c->o->protection : T);
	if (finding(c, h->ref.table, t->line[h->ref.row], t->name[h->col],
	    "differencing", sdc_table_get(t, h->ref.row, h->col), err,
	    "%s cell lies in [%s, %s]: %s%s%s",
	    h->pub == SDC_PUB_REDACTED ? "redacted" : "rounded",
	    fmt_num(L, lo), fmt_num(H, hi), what,
	    h->npin ? "; pinned by " : "", pins) != 0)
		return -1;
	d = &c->fd[c->nfd - 1];
	d->interval = 1;
	d->lo = L;
	d->hi = H;
	return 0;
}

static int
by_place(const void *a, const void *b, void *ctx)
{
	const struct sdc_check_finding *x = a, *y = b;

	(void)ctx;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return 0;
}

int
sdc_check_audit(struct sdc_check *c, struct sdc_err *err)
{
	struct sdc_release_stats rs;

	if (c->audited)
		return 0;
	c->audited = 1;
	if (sdc_release_audit(c->rel, on_hit, c, &rs, err) != 0)
		return -1;
	c->st.cells = rs.cells;
	c->st.vars = rs.vars;
	c->st.identities = rs.identities;
	c->st.components = rs.components;
	c->st.targets = rs.targets;
	c->st.lps = rs.lps;
	c->st.links = rs.links;
	if (sdc_sort(c->fd, c->nfd, sizeof(*c->fd), by_place, NULL) != 0)
		return sdc_err_nomem(err);
	return 0;
}

size_t
sdc_check_nfile(const struct sdc_check *c)
{
	return c->nfile;
}

const struct sdc_check_file *
sdc_check_files(const struct sdc_check *c)
{
	return c->file;
}

size_t
sdc_check_nfinding(const struct sdc_check *c)
{
	return c->nfd;
}

const struct sdc_check_finding *
sdc_check_findings(const struct sdc_check *c)
{
	return c->fd;
}

const struct sdc_check_stats *
sdc_check_stats(const struct sdc_check *c)
{
	return &c->st;
}

const struct sdc_check_opts *
sdc_check_options(const struct sdc_check *c)
{
	return c->o;
}
