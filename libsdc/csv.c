/*
 * csv.c - streaming CSV reader (fast in-place scanner for unquoted
 * records, libcsv for quoted ones) and minimal-quoting writer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "csv.h"

#define BUF_INIT (1024 * 1024)

enum { FAST_DONE = 1, FAST_MORE = 2, FAST_SLOW = 3 };

struct sdc_csv_reader {
	struct sdc_input *in;
	unsigned flags;
	char *buf;		/* cap bytes plus a '\n' sentinel at end */
	size_t cap, pos, end;
	int eof;
	unsigned long long line;	/* line of buf[pos] */

	struct sdc_csv_row row;
	const char **field;
	size_t *len;
	size_t fcap;
	size_t nhdr;		/* fields per record; 0 while reading header */

	/* where the last record's fields start */
	int last_slow;
	const char *linestart;	/* fast records */
	unsigned long long *fline, *fcol;	/* slow records */
	size_t *off;		/* slow records: field offsets in arena */
	unsigned char *quoted;	/* fast records: field i was quoted */

	/* slow path (libcsv) state */
	struct csv_parser csv;
	char *arena;
	size_t alen, acap;
	size_t nf;
	int row_done, term, at_field_start, cb_failed;
	unsigned long long sline, scol, qline, qcol, eline, ecol;

	/* the header, owned */
	struct sdc_csv_row hdr;
	char *hdrbuf;
	unsigned long long *hcol;
};


/*
 * The buffer keeps PAD initialised bytes beyond its sentinel so that the
 * scanner may load 16 bytes from any position up to the sentinel.
 */
#define PAD 16

/* libcsv would trim spaces and tabs around unquoted fields: keep them. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int
grow_fields(struct sdc_csv_reader *r, size_t want)
{
	size_t n = r->fcap ? r->fcap : 16;
	const char **f;
	size_t *l;
	unsigned long long *fl, *fc;
	unsigned char *q;

	if (want <= r->fcap)
		return 0;
	while (n < want)
		n *= 2;
	if ((f = realloc(r->field, n * sizeof(*f))) == NULL)
		return -1;
	r->field = f;
	if ((l = realloc(r->len, n * sizeof(*l))) == NULL)
		return -1;
	r->len = l;
	if ((fl = realloc(r->fline, n * sizeof(*fl))) == NULL)
		return -1;
	r->fline = fl;
	if ((fc = realloc(r->fcol, n * sizeof(*fc))) == NULL)
		return -1;
	r->fcol = fc;
	if ((l = realloc(r->off, n * sizeof(*l))) == NULL)
		return -1;
	r->off = l;
	if ((q = realloc(r->quoted, n)) == NULL)
		return -1;
	r->quoted = q;
	r->fcap = n;
	return 0;
}

/* Keep the unread bytes, read more after them.  Returns bytes read. */
static ssize_t
refill(struct sdc_csv_reader *r, struct sdc_err *err)
{
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		size_t ncap = r->cap * 2;
		char *nb;

		if (r->cap >= SDC_CSV_RECORD_MAX)
			return sdc_err_set(err, SDC_ELIMIT,
			    sdc_input_name(r->in), r->line, 0,
			    "record longer than %lu bytes",
			    (unsigned long)SDC_CSV_RECORD_MAX);
		if ((nb = realloc(r->buf, ncap + 1 + PAD)) == NULL)
			return sdc_err_nomem(err);
		memset(nb + r->cap + 1, 0, ncap - r->cap + PAD);
		r->buf = nb;
		r->cap = ncap;
	}
	n = sdc_input_read(r->in, r->buf + r->end, r->cap - r->end, err);
	if (n < 0)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->end += (size_t)n;
	r->buf[r->end] = '\n';
	return n;
}

static int
ragged(struct sdc_csv_reader *r, size_t found, unsigned long long line,
    unsigned long long col, struct sdc_err *err)
{
	return sdc_err_set(err, SDC_EPARSE, sdc_input_name(r->in), line, col,
	    "expected %zu field%s, found %s%zu", r->nhdr,
	    r->nhdr == 1 ? "" : "s", found > r->nhdr ? "at least " : "",
	    found);
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Bit i set when p[i] is one of the bytes in special[]. */
static inline unsigned
block_mask(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
	    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
	    _mm_cmpeq_epi8(v, _mm_setzero_si128())));

	return (unsigned)_mm_movemask_epi8(m);
}
#else
/* Bytes that end a run of plain field text. */
static const unsigned char special[256] = {
	[0] = 1, [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1
};

static inline unsigned
block_mask(const char *p)
{
	unsigned m = 0, i;

	for (i = 0; i < 16; i++)
		m |= (unsigned)special[(unsigned char)p[i]] << i;
	return m;
}
#endif

static inline unsigned
lowest_bit(unsigned m)
{
#if defined(__GNUC__)
	return (unsigned)__builtin_ctz(m);
#else
	unsigned i = 0;

	while (!(m & 1u)) {
		m >>= 1;
		i++;
	}
	return i;
#endif
}

/*
 * Split one record in place: unquoted fields, and quoted fields that
 * close on the same line with no doubled quote inside.  FAST_MORE: the
 * line is not all in the buffer yet; FAST_SLOW: it needs libcsv (an
 * escaped quote, a line end inside quotes, or anything malformed, which
 * libcsv then reports).  The buffer is changed only once the whole
 * record has been accepted, so libcsv can always start over.
 *
 * The scan takes 16 bytes at a time and walks the bit mask of special
 * bytes in them, reading at most 15 bytes past the sentinel (PAD).
 */
static int
fast_record(struct sdc_csv_reader *r, struct sdc_err *err)
{
	char *p = r->buf + r->pos, *lim = r->buf + r->end, *blk = p, *at;
	char *next;
	unsigned mask = block_mask(p);
	size_t nf = 1, i;
	int inq = *p == '"', closed = 0;

	r->field[0] = p;
	r->quoted[0] = (unsigned char)inq;
	for (;;) {
		while (mask == 0) {
			blk += 16;
			mask = block_mask(blk);
		}
		at = blk + lowest_bit(mask);
		mask &= mask - 1;
		if (inq) {
			const char *open = r->field[nf - 1];

			if (*at == '"') {
				if (at == open)
					continue;
				if (at[1] != ',' && at[1] != '\n' &&
				    at[1] != '\r')
					return FAST_SLOW; /* "" or junk */
				r->field[nf - 1] = open + 1;
				r->len[nf - 1] = (size_t)(at - open - 1);
				inq = 0;
				closed = 1;
			} else if (*at == '\n' || *at == '\0') {
				return FAST_SLOW;
			}
			continue;	/* comma or CR inside quotes */
		}
		if (*at != ',')
			break;
		if (!closed)
			r->len[nf - 1] = (size_t)(at - r->field[nf - 1]);
		closed = 0;
		if (nf == r->fcap && grow_fields(r, nf + 1) != 0)
			return sdc_err_nomem(err);
		r->field[nf] = at + 1;
		inq = at[1] == '"';
		r->quoted[nf++] = (unsigned char)inq;
	}
	if (!closed)
		r->len[nf - 1] = (size_t)(at - r->field[nf - 1]);
	switch (*at) {
	case '\n':
		if (at == lim && !r->eof)
			return FAST_MORE;
		next = at == lim ? at : at + 1;
		break;
	case '\r':
		if (at + 1 < lim && at[1] == '\n') {
			next = at + 2;
			break;
		}
		if (at + 1 == lim && !r->eof)
			return FAST_MORE;
		return FAST_SLOW;	/* bare CR: the slow path says where */
	case '"':
		return FAST_SLOW;	/* quote inside a field: an error */
	default:		/* NUL */
		return sdc_err_set(err, SDC_EPARSE, sdc_input_name(r->in),
		    r->line, (unsigned long long)(at - p) + 1,
		    "NUL byte in input");
	}
	r->linestart = p;
	if (r->nhdr && nf != r->nhdr)
		return ragged(r, nf, r->line, (unsigned long long)(nf > r->nhdr ?
		    r->field[r->nhdr] - r->quoted[r->nhdr] - p : at - p) + 1,
		    err);
	for (i = 0; i < nf; i++)
		((char *)r->field[i])[r->len[i]] = '\0';
	r->row.n = nf;
	r->row.field = r->field;
	r->row.len = r->len;
	r->row.line = r->line;
	r->line++;
	r->last_slow = 0;
	r->pos = (size_t)(next - r->buf);
	return FAST_DONE;
}

/* libcsv field callback: copy the field into the arena. */
static void
cb_field(void *s, size_t len, void *data)
{
	struct sdc_csv_reader *r = data;

	if (r->cb_failed)
		return;
	if (grow_fields(r, r->nf + 1) != 0) {
		r->cb_failed = 1;
		return;
	}
	if (r->alen + len + 1 > r->acap) {
		size_t n = r->acap ? r->acap : 4096;
		char *a;

		while (n < r->alen + len + 1)
			n *= 2;
		if ((a = realloc(r->arena, n)) == NULL) {
			r->cb_failed = 1;
			return;
		}
		r->arena = a;
		r->acap = n;
	}
	if (len > 0)
		memcpy(r->arena + r->alen, s, len);
	r->arena[r->alen + len] = '\0';
	r->len[r->nf] = len;
	r->off[r->nf] = r->alen;	/* the arena may still move */
	r->alen += len + 1;
	r->nf++;
	r->at_field_start = 1;
}

static void
cb_row(int c, void *data)
{
	struct sdc_csv_reader *r = data;

	r->row_done = 1;
	r->term = c;
}

static int
slow_error(struct sdc_csv_reader *r, unsigned char c, struct sdc_err *err)
{
	const char *name = sdc_input_name(r->in);

	switch (csv_error(&r->csv)) {
	case CSV_ENOMEM:
		return sdc_err_nomem(err);
	case CSV_ETOOBIG:
		return sdc_err_set(err, SDC_ELIMIT, name, r->sline, r->scol,
		    "field too large");
	default:
		break;
	}
	if (c == '"')
		return sdc_err_set(err, SDC_EPARSE, name, r->sline, r->scol,
		    "quote inside an unquoted field (quote the whole field "
		    "and double the quote)");
	return sdc_err_set(err, SDC_EPARSE, name, r->sline, r->scol,
	    "unexpected character after a closing quote");
}

/* Parse one record with libcsv, feeding it a byte at a time. */
static int
slow_record(struct sdc_csv_reader *r, struct sdc_err *err)
{
	const char *name = sdc_input_name(r->in);
	size_t i, fed = 0;

	r->nf = 0;
	r->alen = 0;
	r->row_done = 0;
	r->at_field_start = 1;
	r->sline = r->line;
	r->scol = 1;
	r->qline = 0;
	while (!r->row_done) {
		unsigned char c;

		if (r->pos == r->end) {
			if (!r->eof) {
				if (refill(r, err) < 0)
					return -1;
				continue;
			}
			if (r->at_field_start) {	/* empty last field */
				if (grow_fields(r, r->nf + 1) != 0)
					return sdc_err_nomem(err);
				r->fline[r->nf] = r->sline;
				r->fcol[r->nf] = r->scol;
			}
			r->eline = r->sline;
			r->ecol = r->scol;
			if (csv_fini(&r->csv, cb_field, cb_row, r) != 0)
				return sdc_err_set(err, SDC_EPARSE, name,
				    r->qline, r->qcol,
				    "unterminated quoted field");
			if (r->cb_failed)
				return sdc_err_nomem(err);
			break;
		}
		c = (unsigned char)r->buf[r->pos];
		if (c == '\0')
			return sdc_err_set(err, SDC_EPARSE, name, r->sline,
			    r->scol, "NUL byte in input");
		if (r->at_field_start) {
			if (grow_fields(r, r->nf + 1) != 0)
				return sdc_err_nomem(err);
			r->fline[r->nf] = r->sline;
			r->fcol[r->nf] = r->scol;
			if (c == '"') {
				r->qline = r->sline;
				r->qcol = r->scol;
			}
			r->at_field_start = 0;
		}
		if (csv_parse(&r->csv, &c, 1, cb_field, cb_row, r) != 1)
			return slow_error(r, c, err);
		r->eline = r->sline;	/* where a row-ending byte was */
		r->ecol = r->scol;
		if (r->cb_failed)
			return sdc_err_nomem(err);
		if (++fed > SDC_CSV_RECORD_MAX)
			return sdc_err_set(err, SDC_ELIMIT, name, r->line, 0,
			    "record longer than %lu bytes",
			    (unsigned long)SDC_CSV_RECORD_MAX);
		r->pos++;
		if (c == '\n') {
			r->sline++;
			r->scol = 1;
		} else {
			r->scol++;
		}
	}
	if (r->row_done && r->term == '\r') {
		if (r->pos == r->end && !r->eof && refill(r, err) < 0)
			return -1;
		if (r->pos == r->end || r->buf[r->pos] != '\n')
			return sdc_err_set(err, SDC_EPARSE, name, r->sline,
			    r->scol - 1, "carriage return without line feed "
			    "outside quotes");
		r->pos++;
		r->sline++;
		r->scol = 1;
	}
	if (r->nf == 0) {	/* blank line: one empty field */
		static char empty[1];

		cb_field(empty, 0, r);
		if (r->cb_failed)
			return sdc_err_nomem(err);
	}
	if (r->nhdr && r->nf != r->nhdr)
		return r->nf > r->nhdr ?
		    ragged(r, r->nf, r->fline[r->nhdr], r->fcol[r->nhdr], err) :
		    ragged(r, r->nf, r->eline, r->ecol, err);
	for (i = 0; i < r->nf; i++)
		r->field[i] = r->arena + r->off[i];
	r->row.n = r->nf;
	r->row.field = r->field;
	r->row.len = r->len;
	r->row.line = r->line;
	r->line = r->sline;
	r->last_slow = 1;
	return 1;
}

/* Next record into r->row: 1, or 0 at the end, or -1. */
static int
read_record(struct sdc_csv_reader *r, struct sdc_err *err)
{
	for (;;) {
		int rc;

		if (r->pos == r->end) {
			if (r->eof)
				return 0;
			if (refill(r, err) < 0)
				return -1;
			continue;
		}
		if (r->flags & SDC_CSV_SLOW)
			return slow_record(r, err);
		rc = fast_record(r, err);
		if (rc == FAST_DONE)
			return 1;
		if (rc == FAST_SLOW)
			return slow_record(r, err);
		if (rc < 0)
			return -1;
		if (r->end - r->pos >= SDC_CSV_RECORD_MAX)
			return sdc_err_set(err, SDC_ELIMIT,
			    sdc_input_name(r->in), r->line, 0,
			    "record longer than %lu bytes",
			    (unsigned long)SDC_CSV_RECORD_MAX);
		if (refill(r, err) < 0)
			return -1;
	}
}

/* Names by content, then by address: the header's order. */
static int
cmp_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strcmp(x, y);

	return c != 0 ? c : (x > y) - (x < y);
}

static int
keep_header(struct sdc_csv_reader *r, struct sdc_err *err)
{
	const struct sdc_csv_row *row = &r->row;
	size_t i, j, total = 0;
	char *p;

	for (i = 0; i < row->n; i++)
		total += row->len[i] + 1;
	r->hdrbuf = malloc(total ? total : 1);
	r->hdr.field = malloc(row->n * sizeof(*r->hdr.field));
	r->hdr.len = malloc(row->n * sizeof(*r->hdr.len));
	r->hcol = malloc(row->n * sizeof(*r->hcol));
	if (!r->hdrbuf || !r->hdr.field || !r->hdr.len || !r->hcol)
		return sdc_err_nomem(err);
	p = r->hdrbuf;
	for (i = 0; i < row->n; i++) {
		unsigned long long line;

		memcpy(p, row->field[i], row->len[i] + 1);
		r->hdr.field[i] = p;
		((size_t *)r->hdr.len)[i] = row->len[i];
		sdc_csv_reader_where(r, i, &line, &r->hcol[i]);
		p += row->len[i] + 1;
	}
	r->hdr.n = row->n;
	r->hdr.line = row->line;
	if (row->n > 1 && !(r->flags & SDC_CSV_DUPLICATES)) {
		/*
		 * Sorted, not pairwise: a header of a million columns must
		 * not take a million squared comparisons.  The column
		 * reported is the first that repeats an earlier one.
		 */
		const char **f = malloc(row->n * sizeof(*f));
		size_t first = row->n;

		if (f == NULL)
			return sdc_err_nomem(err);
		memcpy(f, r->hdr.field, row->n * sizeof(*f));
		qsort(f, row->n, sizeof(*f), cmp_name);
		for (j = 1; j < row->n; j++)
			if (strcmp(f[j - 1], f[j]) == 0 &&
			    (j < 2 || strcmp(f[j - 2], f[j]) != 0)) {
				/* f[j]: the second of its name; which column? */
				size_t lo = 0, hi = row->n;

				while (hi - lo > 1) {
					size_t mid = lo + (hi - lo) / 2;

					if (r->hdr.field[mid] <= f[j])
						lo = mid;
					else
						hi = mid;
				}
				if (lo < first)
					first = lo;
			}
		free(f);
		if (first < row->n)
			return sdc_err_set(err, SDC_EPARSE,
			    sdc_input_name(r->in), r->hdr.line,
			    r->hcol[first], "column name '%s' repeated",
			    r->hdr.field[first]);
	}
	r->nhdr = row->n;
	return 0;
}

struct sdc_csv_reader *
sdc_csv_reader_new(struct sdc_input *in, unsigned flags, struct sdc_err *err)
{
	struct sdc_csv_reader *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	r->in = in;
	r->flags = flags;
	r->line = 1;
	r->cap = BUF_INIT;
	if ((r->buf = calloc(1, r->cap + 1 + PAD)) == NULL ||
	    grow_fields(r, 16) != 0 ||
	    csv_init(&r->csv, CSV_STRICT | CSV_STRICT_FINI |
	    CSV_REPALL_NL) != 0) {
		sdc_err_nomem(err);
		goto fail;
	}
	csv_set_space_func(&r->csv, no_space);
	/*
	 * libcsv grows its field buffer by the block size each time: the
	 * default of 128 bytes makes a 64 MiB field quadratic (a realloc
	 * every 128 bytes).
	 */
	csv_set_blk_size(&r->csv, 1024 * 1024);
	r->buf[0] = '\n';
	while (r->end < 3 && !r->eof)
		if (refill(r, err) < 0)
			goto fail;
	if (r->end >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
	rc = read_record(r, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		sdc_err_set(err, SDC_EPARSE, sdc_input_name(in), 1, 0,
		    "empty input: a header line is required");
		goto fail;
	}
	if (keep_header(r, err) != 0)
		goto fail;
	return r;
fail:
	sdc_csv_reader_free(r);
	return NULL;
}

const struct sdc_csv_row *
sdc_csv_reader_header(const struct sdc_csv_reader *r)
{
	return &r->hdr;
}

long
sdc_csv_reader_column(const struct sdc_csv_reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->hdr.n; i++)
		if (strcmp(r->hdr.field[i], name) == 0)
			return (long)i;
	return -1;
}

long
sdc_csv_reader_require(const struct sdc_csv_reader *r, const char *name,
    struct sdc_err *err)
{
	char list[200];
	size_t i, off = 0;
	long c = sdc_csv_reader_column(r, name);

	if (c >= 0)
		return c;
	list[0] = '\0';
	for (i = 0; i < r->hdr.n && off < sizeof(list); i++) {
		int k = snprintf(list + off, sizeof(list) - off, "%s%s",
		    i ? ", " : "", r->hdr.field[i]);

		if (k < 0)
			break;
		off += (size_t)k;
	}
	if (off >= sizeof(list))
		memcpy(list + sizeof(list) - 4, "...", 4);
	sdc_err_set(err, SDC_EDATA, sdc_input_name(r->in), r->hdr.line, 0,
	    "no column named '%s' (columns: %s)", name, list);
	return -1;
}

int
sdc_csv_reader_next(struct sdc_csv_reader *r, const struct sdc_csv_row **row,
    struct sdc_err *err)
{
	int rc = read_record(r, err);

	*row = rc == 1 ? &r->row : NULL;
	return rc;
}

int
sdc_csv_reader_each(struct sdc_csv_reader *r, sdc_csv_row_fn *fn, void *ctx,
    struct sdc_err *err)
{
	int rc;

	while ((rc = read_record(r, err)) == 1)
		if ((rc = fn(ctx, &r->row, err)) != 0)
			return rc;
	return rc;
}

void
sdc_csv_reader_where(const struct sdc_csv_reader *r, size_t i,
    unsigned long long *line, unsigned long long *column)
{
	if (r->row.n == 0) {
		*line = r->line;
		*column = 0;
		return;
	}
	if (i >= r->row.n)
		i = r->row.n - 1;
	if (r->last_slow) {
		*line = r->fline[i];
		*column = r->fcol[i];
	} else {
		*line = r->row.line;
		*column = (unsigned long long)(r->field[i] - r->quoted[i] -
		    r->linestart) + 1;
	}
}

int
sdc_csv_reader_field_error(const struct sdc_csv_reader *r, size_t i,
    struct sdc_err *err, enum sdc_err_code code, const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	unsigned long long line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sdc_csv_reader_where(r, i, &line, &col);
	return sdc_err_set(err, code, sdc_input_name(r->in), line, col, "%s",
	    msg);
}

const char *
sdc_csv_reader_name(const struct sdc_csv_reader *r)
{
	return sdc_input_name(r->in);
}

void
sdc_csv_reader_free(struct sdc_csv_reader *r)
{
	if (r == NULL)
		return;
	csv_free(&r->csv);
	free(r->buf);
	free(r->field);
	free(r->len);
	free(r->fline);
	free(r->fcol);
	free(r->off);
	free(r->quoted);
	free(r->arena);
	free(r->hdrbuf);
	free(r->hdr.field);
	free((void *)r->hdr.len);
	free(r->hcol);
	free(r);
}

static const unsigned char needs_quote[256] = {
	[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1
};

static int
write_field(struct sdc_output *out, const char *s, size_t n,
    struct sdc_err *err)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++)
		if (needs_quote[(unsigned char)s[i]])
			break;
	if (i == n)
		return sdc_output_write(out, s, n, err);
	if (sdc_output_write(out, "\"", 1, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		if (sdc_output_write(out, s + start, i + 1 - start, err) != 0)
			return -1;
		start = i;	/* the quote is written again: doubled */
	}
	if (sdc_output_write(out, s + start, n - start, err) != 0)
		return -1;
	return sdc_output_write(out, "\"", 1, err);
}

int
sdc_csv_write_row(struct sdc_output *out, size_t n, const char *const *field,
    const size_t *len, struct sdc_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *s = field[i] ? field[i] : "";
		size_t k = len && field[i] ? len[i] : strlen(s);

		if (i > 0 && sdc_output_write(out, ",", 1, err) != 0)
			return -1;
		if (write_field(out, s, k, err) != 0)
			return -1;
	}
	return sdc_output_write(out, "\n", 1, err);
}
