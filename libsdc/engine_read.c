/*
 * engine_read.c - the engine's table readers: CSV to blocks of typed
 * rows, checked and sorted-by-patient, optionally on a thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date.h"
#include "engine_int.h"
#include "num.h"
#include "xsort.h"

static int
is_str_type(enum sdc_schema_type t)
{
	return t == SDC_TYPE_STR || t == SDC_TYPE_CODE ||
	    t == SDC_TYPE_MULTICODE;
}

int
eng_reader_open(struct eng_reader *rd, const struct sdc_qtable *qt,
    uint64_t extra, const struct sdc_engine_opts *opts, struct sdc_err *err)
{
	const struct sdc_schema_table *st = qt->schema;
	const char *dir = opts->tables_dir ? opts->tables_dir : ".";
	size_t need = strlen(dir) + strlen(st->name) + 16, c;
	struct stat sb;
	char *path;

	memset(rd, 0, sizeof(*rd));
	rd->fd = -1;
	rd->st = st;
	rd->used = qt->used | extra;
	rd->linef = -1;
	if (pthread_mutex_init(&rd->mu, NULL) != 0)
		return sdc_err_nomem(err);
	if (pthread_cond_init(&rd->cv, NULL) != 0) {
		pthread_mutex_destroy(&rd->mu);
		return sdc_err_nomem(err);
	}
	rd->inited = 1;
	if ((path = malloc(need)) == NULL)
		return sdc_err_nomem(err);
	rd->label = path;
	snprintf(path, need, "%s/%s.csv", dir, st->name);
	if (stat(path, &sb) != 0) {
		snprintf(path, need, "%s/%s.csv.gz", dir, st->name);
		if (stat(path, &sb) != 0) {
			snprintf(path, need, "%s/%s.csv", dir, st->name);
			return sdc_err_set(err, SDC_EIO, path, 0, 0,
			    "table %s: no file %s.csv or %s.csv.gz in %s",
			    st->name, st->name, st->name, dir);
		}
	}
	rd->big = sb.st_size >= ENG_THREAD_BYTES;
	if (opts->sort) {
		if (sdc_xsort_csv(path, "patient_id", ENG_LINE_COLUMN,
		    opts->tmpdir ? opts->tmpdir : "/tmp", SDC_XSORT_MEM,
		    &rd->fd, err) != 0)
			return -1;
		rd->in = sdc_input_fdopen(rd->fd, path, err);
	} else {
		rd->in = sdc_input_open(path, err);
	}
	if (rd->in == NULL ||
	    (rd->csv = sdc_csv_reader_new(rd->in, 0, err)) == NULL)
		return -1;
	if ((rd->pidf = sdc_csv_reader_require(rd->csv, "patient_id",
	    err)) < 0)
		return -1;
	if (opts->sort)
		rd->linef = sdc_csv_reader_column(rd->csv, ENG_LINE_COLUMN);
	for (c = 0; c < ENG_MAXCOL; c++)
		rd->map[c] = -1;
	for (c = 0; c < st->ncolumns; c++) {
		if (!(rd->used >> c & 1))
			continue;
		rd->map[c] = c == 0 ? rd->pidf :
		    sdc_csv_reader_column(rd->csv, st->columns[c].name);
		if (is_str_type(st->columns[c].type))
			rd->strcols |= (uint64_t)1 << c;
	}
	return 0;
}

/* An error at field f of row, in the original file's terms. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
ferr(struct eng_reader *rd, const struct sdc_csv_row *row, long f,
    struct sdc_err *err, const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	unsigned long long line, col, orig;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->linef < 0)
		return sdc_csv_reader_field_error(rd->csv, (size_t)f, err,
		    SDC_EDATA, "%s", msg);
	sdc_csv_reader_where(rd->csv, (size_t)f, &line, &col);
	if (sdc_num_parse_u64(row->field[rd->linef], row->len[rd->linef],
	    UINT64_MAX, (uint64_t *)&orig) != 0)
		orig = 0;
	col = col > row->len[rd->linef] + 1 ?
	    col - row->len[rd->linef] - 1 : 0;
	return sdc_err_set(err, SDC_EDATA, rd->label, orig, col, "%s", msg);
}

static unsigned long long
row_line(struct eng_reader *rd, const struct sdc_csv_row *row)
{
	uint64_t v;

	if (rd->linef >= 0 && sdc_num_parse_u64(row->field[rd->linef],
	    row->len[rd->linef], UINT64_MAX, &v) == 0)
		return v;
	return row->line;
}

static struct eng_block *
block_new(const struct eng_reader *rd)
{
	(void)rd;
	return calloc(1, sizeof(struct eng_block));
}

static void
block_free(struct eng_block *b)
{
	size_t c;

	if (b == NULL)
		return;
	free(b->pid);
	for (c = 0; c < ENG_MAXCOL; c++)
		free(b->col[c]);
	free(b->grp);
	free(b->arena);
	free(b);
}

static int
block_rows(const struct eng_reader *rd, struct eng_block *b, size_t want)
{
	size_t cap = b->cap ? b->cap : 1024, c;
	void *p;

	if (want <= b->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if ((p = realloc(b->pid, cap * sizeof(*b->pid))) == NULL)
		return -1;
	b->pid = p;
	for (c = 0; c < rd->st->ncolumns; c++) {
		if (!(rd->used >> c & 1))
			continue;
		if ((p = realloc(b->col[c], cap * sizeof(**b->col))) == NULL)
			return -1;
		b->col[c] = p;
	}
	b->cap = cap;
	return 0;
}

static int
block_group(struct eng_block *b)
{
	if (b->ngrp + 2 > b->gcap) {
		size_t cap = b->gcap ? b->gcap * 2 : 1024;
		uint32_t *g = realloc(b->grp, cap * sizeof(*g));

		if (g == NULL)
			return -1;
		b->grp = g;
		b->gcap = cap;
	}
	b->grp[b->ngrp++] = (uint32_t)b->n;
	return 0;
}

static int
store_str(struct eng_block *b, const char *s, size_t len,
    struct sdc_qval *out)
{
	if (b->alen + len > b->acap) {
		size_t cap = b->acap ? b->acap : 65536;
		char *a;

		while (cap < b->alen + len)
			cap *= 2;
		if ((a = realloc(b->arena, cap)) == NULL)
			return -1;
		b->arena = a;
		b->acap = cap;
	}
	memcpy(b->arena + b->alen, s, len);
	/* an offset until the block is complete (the arena may move) */
	out->u.s.p = (const char *)(uintptr_t)b->alen;
	out->u.s.len = len;
	b->alen += len;
	return 0;
}

/*
 * -?D+(.D+)? with at most 15 digits in all: the digits as an integer
 * and one division by a power of ten are both exact or correctly
 * rounded, so the result is strtod's.  0 when the text is not so.
 */
static int
fast_double(const char *s, size_t len, double *out)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	size_t i = s[0] == '-', nd = 0, frac = 0, dot = 0;
	int64_t m = 0;
	double v;

	if (i == len)
		return 0;
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			m = m * 10 + (s[i] - '0');
			if (++nd > 15)
				return 0;
			frac += dot;
		} else if (s[i] == '.' && !dot && nd > 0 && i + 1 < len) {
			dot = 1;
		} else {
			return 0;
		}
	}
	v = (double)m / p10[frac];
	*out = s[0] == '-' ? -v : v;
	return 1;
}

static int
parse_cell(struct eng_reader *rd, struct eng_block *b,
    const struct sdc_csv_row *row, size_t c, struct sdc_qval *out,
    struct sdc_err *err)
{
	const struct sdc_schema_column *col = &rd->st->columns[c];
	long f = rd->map[c];
	const char *s;
	size_t len;
	int st;

	if (f < 0 || row->len[f] == 0) {
		out->null = 1;
		return 0;
	}
	s = row->field[f];
	len = row->len[f];
	out->null = 0;
	switch (col->type) {
	case SDC_TYPE_INT:
		if (sdc_num_parse_i64(s, len, INT64_MIN, INT64_MAX,
		    &out->u.i) != 0)
			return ferr(rd, row, f, err,
			    "%s: '%.40s' is not an integer", col->name, s);
		break;
	case SDC_TYPE_FLOAT:
		if (fast_double(s, len, &out->u.f))
			break;
		if (sdc_num_parse_double(s, len, &out->u.f, NULL) != 0)
			return ferr(rd, row, f, err,
			    "%s: '%.40s' is not a number", col->name, s);
		break;
	case SDC_TYPE_DATE:
		if ((st = sdc_date_parse(s, len, &out->u.d)) != 0)
			return ferr(rd, row, f, err, "%s: '%.40s': %s",
			    col->name, s, sdc_date_strerror(st));
		break;
	case SDC_TYPE_BOOL:
		if (len != 1 || (s[0] != 'T' && s[0] != 'F'))
			return ferr(rd, row, f, err,
			    "%s: '%.40s' is not a boolean (T or F)",
			    col->name, s);
		out->u.b = s[0] == 'T';
		break;
	case SDC_TYPE_CODE:
		if (!sdc_code_valid(col->system, s, len))
			return ferr(rd, row, f, err,
			    "%s: '%.40s' is not a valid %s code (%s)",
			    col->name, s, sdc_code_system_label(col->system),
			    sdc_code_system_class(col->system));
		/* FALLTHROUGH */
	case SDC_TYPE_STR:
	case SDC_TYPE_MULTICODE:
		if (store_str(b, s, len, out) != 0)
			return sdc_err_nomem(err);
		break;
	}
	if ((col->flags & SDC_COL_CATEGORICAL) &&
	    !sdc_schema_category_ok(col, s, len))
		return ferr(rd, row, f, err,
		    "%s: '%.40s' is not one of the column's categories",
		    col->name, s);
	return 0;
}

/* Fill b with whole patients; 1 with rows, 0 at the end, -1 on error. */
static int
fill(struct eng_reader *rd, struct eng_block *b, struct sdc_err *err)
{
	const struct sdc_schema_table *st = rd->st;
	size_t c, i;

	b->n = 0;
	b->ngrp = 0;
	b->alen = 0;
	while (!rd->eof) {
		const struct sdc_csv_row *row;
		int64_t pid;

		if (rd->pend != NULL) {
			row = rd->pend;
			pid = rd->pend_pid;
			rd->pend = NULL;
		} else {
			int rc = sdc_csv_reader_next(rd->csv, &row, err);

			if (rc < 0)
				return -1;
			if (rc == 0) {
				rd->eof = 1;
				break;
			}
			if (row->len[rd->pidf] == 0)
				return ferr(rd, row, rd->pidf, err,
				    "patient_id is empty");
			if (rd->have_prev && row->len[rd->pidf] ==
			    rd->pidlen && memcmp(row->field[rd->pidf],
			    rd->pidtext, rd->pidlen) == 0)
				pid = rd->prev_pid;	/* the same text */
			else if (sdc_num_parse_i64(row->field[rd->pidf],
			    row->len[rd->pidf], INT64_MIN, INT64_MAX,
			    &pid) != 0)
				return ferr(rd, row, rd->pidf, err,
				    "patient_id '%.40s' is not an integer",
				    row->field[rd->pidf]);
			if (rd->have_prev && pid < rd->prev_pid)
				return sdc_err_set(err, SDC_EDATA, rd->label,
				    row_line(rd, row), 0,
				    "table %s is not sorted by patient_id: "
				    "%lld follows %lld (line %llu); sort it "
				    "or use --sort", st->name, (long long)pid,
				    (long long)rd->prev_pid, rd->prev_line);
			if (rd->have_prev && pid == rd->prev_pid &&
			    st->patient_level)
				return sdc_err_set(err, SDC_EDATA, rd->label,
				    row_line(rd, row), 0,
				    "table %s has more than one row for "
				    "patient_id %lld (also line %llu)",
				    st->name, (long long)pid, rd->prev_line);
			if (!rd->have_prev || pid != rd->prev_pid) {
				rd->prev_line = row_line(rd, row);
				rd->pidlen = row->len[rd->pidf] <
				    sizeof(rd->pidtext) ? row->len[rd->pidf] :
				    0;
				memcpy(rd->pidtext, row->field[rd->pidf],
				    rd->pidlen);
			}
			rd->have_prev = 1;
			rd->prev_pid = pid;
			if (b->n >= ENG_BLOCK_ROWS && pid != b->pid[b->n - 1]) {
				rd->pend = row;
				rd->pend_pid = pid;
				break;
			}
		}
		if ((b->n == 0 || pid != b->pid[b->n - 1]) &&
		    block_group(b) != 0)
			return sdc_err_nomem(err);
		if (b->n == b->cap && block_rows(rd, b, b->n + 1) != 0)
			return sdc_err_nomem(err);
		b->pid[b->n] = pid;
		for (c = 0; c < st->ncolumns; c++)
			if ((rd->used >> c & 1) && parse_cell(rd, b, row, c,
			    &b->col[c][b->n], err) != 0)
				return -1;
		b->n++;
	}
	if (b->n == 0)
		return 0;
	if (b->ngrp + 1 > b->gcap && block_group(b) != 0)
		return sdc_err_nomem(err);
	b->grp[b->ngrp] = (uint32_t)b->n;
	for (c = 0; c < st->ncolumns; c++) {
		struct sdc_qval *v = b->col[c];

		if (!(rd->strcols >> c & 1))
			continue;
		for (i = 0; i < b->n; i++)
			if (!v[i].null)
				v[i].u.s.p = b->arena + (uintptr_t)v[i].u.s.p;
	}
	return 1;
}

static void *
rd_thread(void *arg)
{
	struct eng_reader *rd = arg;
	struct eng_block *b;
	int rc;

	for (;;) {
		pthread_mutex_lock(&rd->mu);
		while (!rd->stop && rd->free_ == NULL &&
		    rd->nblocks >= ENG_QUEUE)
			pthread_cond_wait(&rd->cv, &rd->mu);
		if (rd->stop) {
			pthread_mutex_unlock(&rd->mu);
			break;
		}
		if ((b = rd->free_) != NULL)
			rd->free_ = b->next;
		else
			rd->nblocks++;
		pthread_mutex_unlock(&rd->mu);
		if (b == NULL && (b = block_new(rd)) == NULL) {
			sdc_err_nomem(&rd->err);
			rc = -1;
		} else {
			rc = fill(rd, b, &rd->err);
		}
		pthread_mutex_lock(&rd->mu);
		if (rc <= 0) {
			if (b != NULL) {
				b->next = rd->free_;
				rd->free_ = b;
			}
			if (rc < 0)
				rd->failed = 1;
			else
				rd->done = 1;
			pthread_cond_broadcast(&rd->cv);
			pthread_mutex_unlock(&rd->mu);
			break;
		}
		b->next = NULL;
		if (rd->full_tail != NULL)
			rd->full_tail->next = b;
		else
			rd->full = b;
		rd->full_tail = b;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
	}
	return NULL;
}

int
eng_reader_start(struct eng_reader *rd, int threaded, struct sdc_err *err)
{
	if (threaded) {
		if (pthread_create(&rd->th, NULL, rd_thread, rd) == 0) {
			rd->threaded = 1;
			return 0;
		}
	}
	rd->threaded = 0;
	if ((rd->single = block_new(rd)) == NULL)
		return sdc_err_nomem(err);
	return 0;
}

int
eng_reader_get(struct eng_reader *rd, struct eng_block **bp,
    struct sdc_err *err)
{
	struct eng_block *b;

	*bp = NULL;
	if (!rd->threaded) {
		int rc = fill(rd, rd->single, err);

		if (rc == 1)
			*bp = rd->single;
		return rc;
	}
	pthread_mutex_lock(&rd->mu);
	while (rd->full == NULL && !rd->done && !rd->failed)
		pthread_cond_wait(&rd->cv, &rd->mu);
	if ((b = rd->full) != NULL) {
		rd->full = b->next;
		if (rd->full == NULL)
			rd->full_tail = NULL;
		pthread_mutex_unlock(&rd->mu);
		*bp = b;
		return 1;
	}
	if (rd->failed) {
		*err = rd->err;
		pthread_mutex_unlock(&rd->mu);
		return -1;
	}
	pthread_mutex_unlock(&rd->mu);
	return 0;
}

void
eng_reader_put(struct eng_reader *rd, struct eng_block *b)
{
	if (b == NULL || !rd->threaded)
		return;
	pthread_mutex_lock(&rd->mu);
	b->next = rd->free_;
	rd->free_ = b;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
}

void
eng_reader_close(struct eng_reader *rd)
{
	struct eng_block *b, *next;

	if (rd->threaded == 1) {
		pthread_mutex_lock(&rd->mu);
		rd->stop = 1;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
		pthread_join(rd->th, NULL);
	}
	for (b = rd->full; b != NULL; b = next) {
		next = b->next;
		block_free(b);
	}
	for (b = rd->free_; b != NULL; b = next) {
		next = b->next;
		block_free(b);
	}
	block_free(rd->single);
	sdc_csv_reader_free(rd->csv);
	sdc_input_free(rd->in);
	if (rd->fd >= 0)
		close(rd->fd);
	free(rd->label);
	if (rd->inited) {
		pthread_cond_destroy(&rd->cv);
		pthread_mutex_destroy(&rd->mu);
	}
	memset(rd, 0, sizeof(*rd));
	rd->fd = -1;
}
