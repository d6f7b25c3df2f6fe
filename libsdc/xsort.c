/*
 * xsort.c - external merge sort of a CSV file by an integer column.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "input.h"
#include "num.h"
#include "xsort.h"

#define IOBUF (256 * 1024)

struct ent {
	int64_t key;
	uint64_t seq;
	size_t off, len;
};

struct wbuf {
	int fd;
	char *buf;
	size_t n;
};

struct run {
	int fd;
	char *buf;
	size_t pos, end;
	int64_t key;
	char *rec;
	size_t len, cap;
	int live;
};

struct xs {
	const char *tmpdir;
	char *text;		/* record text of the current run */
	size_t tlen, tcap;
	struct ent *ent;
	size_t nent, ecap;
	struct run *runs;
	size_t nruns, rcap;
	char *hdr;
	size_t hlen;
};

static int
tmpfile_in(const char *dir, struct sdc_err *err)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/sdc-xsort-XXXXXX",
	    dir) >= sizeof(path))
		return sdc_err_set(err, SDC_EUSAGE, dir, 0, 0,
		    "temporary directory name too long");
	if ((fd = mkstemp(path)) < 0)
		return sdc_err_set(err, SDC_EIO, dir, 0, 0,
		    "cannot create a temporary file: %s", strerror(errno));
	unlink(path);
	return fd;
}

static int
wflush(struct wbuf *w, struct sdc_err *err)
{
	size_t off = 0;

	while (off < w->n) {
		ssize_t k = write(w->fd, w->buf + off, w->n - off);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return sdc_err_set(err, SDC_EIO, NULL, 0, 0,
			    "writing a temporary file: %s", strerror(errno));
		}
		off += (size_t)k;
	}
	w->n = 0;
	return 0;
}

static int
wput(struct wbuf *w, const void *p, size_t n, struct sdc_err *err)
{
	const char *s = p;

	while (n > 0) {
		size_t k = IOBUF - w->n < n ? IOBUF - w->n : n;

		memcpy(w->buf + w->n, s, k);
		w->n += k;
		s += k;
		n -= k;
		if (w->n == IOBUF && wflush(w, err) != 0)
			return -1;
	}
	return 0;
}

/* Read exactly n bytes; 1, 0 at a clean end, -1 on error. */
static int
rget(struct run *r, void *dst, size_t n, struct sdc_err *err)
{
	char *d = dst;
	size_t got = 0;

	while (got < n) {
		if (r->pos == r->end) {
			ssize_t k = read(r->fd, r->buf, IOBUF);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return sdc_err_set(err, SDC_EIO, NULL, 0, 0,
				    "reading a temporary file: %s",
				    strerror(errno));
			if (k == 0) {
				if (got == 0)
					return 0;
				return sdc_err_set(err, SDC_EIO, NULL, 0, 0,
				    "temporary file truncated");
			}
			r->pos = 0;
			r->end = (size_t)k;
		}
		{
			size_t k = r->end - r->pos < n - got ?
			    r->end - r->pos : n - got;

			memcpy(d + got, r->buf + r->pos, k);
			r->pos += k;
			got += k;
		}
	}
	return 1;
}

static int
grow(char **p, size_t *cap, size_t want)
{
	size_t n = *cap ? *cap : 4096;
	char *q;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	if ((q = realloc(*p, n)) == NULL)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* Append field s (n bytes) to *buf, quoted when it needs to be. */
static int
put_field(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	size_t i, extra = 0;
	int q = 0;
	char *d;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			extra++;
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			q = 1;
	}
	if (grow(buf, cap, *len + n + extra + 3) != 0)
		return -1;
	d = *buf + *len;
	if (!q) {
		memcpy(d, s, n);
		*len += n;
		return 0;
	}
	*d++ = '"';
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			*d++ = '"';
		*d++ = s[i];
	}
	*d++ = '"';
	*len = (size_t)(d - *buf);
	return 0;
}

static int
ent_cmp(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
spill(struct xs *x, struct sdc_err *err)
{
	struct wbuf w = { -1, NULL, 0 };
	struct run *r;
	size_t i;
	int rc = -1;

	if (x->nruns == x->rcap) {
		size_t cap = x->rcap ? x->rcap * 2 : 8;

		if ((r = realloc(x->runs, cap * sizeof(*r))) == NULL)
			return sdc_err_nomem(err);
		x->runs = r;
		x->rcap = cap;
	}
	r = &x->runs[x->nruns];
	memset(r, 0, sizeof(*r));
	if ((r->fd = tmpfile_in(x->tmpdir, err)) < 0)
		return -1;
	x->nruns++;
	if ((w.buf = malloc(IOBUF)) == NULL)
		return sdc_err_nomem(err);
	w.fd = r->fd;
	qsort(x->ent, x->nent, sizeof(*x->ent), ent_cmp);
	for (i = 0; i < x->nent; i++) {
		uint32_t len = (uint32_t)x->ent[i].len;

		if (wput(&w, &x->ent[i].key, 8, err) != 0 ||
		    wput(&w, &len, 4, err) != 0 ||
		    wput(&w, x->text + x->ent[i].off, len, err) != 0)
			goto out;
	}
	if (wflush(&w, err) != 0)
		goto out;
	if (lseek(r->fd, 0, SEEK_SET) < 0) {
		sdc_err_set(err, SDC_EIO, NULL, 0, 0, "seek: %s",
		    strerror(errno));
		goto out;
	}
	x->nent = 0;
	x->tlen = 0;
	rc = 0;
out:
	free(w.buf);
	return rc;
}

static int
run_next(struct run *r, struct sdc_err *err)
{
	uint32_t len;
	int rc = rget(r, &r->key, 8, err);

	if (rc <= 0) {
		r->live = 0;
		return rc;
	}
	if ((rc = rget(r, &len, 4, err)) <= 0)
		return rc < 0 ? -1 : sdc_err_set(err, SDC_EIO, NULL, 0, 0,
		    "temporary file truncated");
	if (grow(&r->rec, &r->cap, len) != 0)
		return sdc_err_nomem(err);
	if (len > 0 && rget(r, r->rec, len, err) <= 0)
		return sdc_err_set(err, SDC_EIO, NULL, 0, 0,
		    "temporary file truncated");
	r->len = len;
	r->live = 1;
	return 1;
}

static int
merge(struct xs *x, struct wbuf *w, struct sdc_err *err)
{
	size_t i;

	for (i = 0; i < x->nruns; i++) {
		if ((x->runs[i].buf = malloc(IOBUF)) == NULL)
			return sdc_err_nomem(err);
		if (run_next(&x->runs[i], err) < 0)
			return -1;
	}
	for (;;) {
		struct run *best = NULL;

		for (i = 0; i < x->nruns; i++)
			if (x->runs[i].live && (best == NULL ||
			    x->runs[i].key < best->key))
				best = &x->runs[i];
		if (best == NULL)
			return 0;
		if (wput(w, best->rec, best->len, err) != 0 ||
		    run_next(best, err) < 0)
			return -1;
	}
}

int
sdc_xsort_csv(const char *path, const char *key, const char *name_line,
    const char *tmpdir, size_t mem, int *fdp, struct sdc_err *err)
{
	struct sdc_input *in = NULL;
	struct sdc_csv_reader *r = NULL;
	const struct sdc_csv_row *row;
	struct xs x;
	struct wbuf w = { -1, NULL, 0 };
	long kf;
	size_t i;
	uint64_t seq = 0;
	int rc = -1, got;

	memset(&x, 0, sizeof(x));
	x.tmpdir = tmpdir ? tmpdir : "/tmp";
	if (mem < 4096)
		mem = 4096;
	if ((in = sdc_input_open(path, err)) == NULL ||
	    (r = sdc_csv_reader_new(in, 0, err)) == NULL ||
	    (kf = sdc_csv_reader_require(r, key, err)) < 0)
		goto out;
	row = sdc_csv_reader_header(r);
	{
		size_t cap = 0;

		if (grow(&x.hdr, &cap, strlen(name_line) + 2) != 0)
			goto nomem;
		memcpy(x.hdr, name_line, strlen(name_line));
		x.hlen = strlen(name_line);
		for (i = 0; i < row->n; i++) {
			if (grow(&x.hdr, &cap, x.hlen + 1) != 0)
				goto nomem;
			x.hdr[x.hlen++] = ',';
			if (put_field(&x.hdr, &x.hlen, &cap, row->field[i],
			    row->len[i]) != 0)
				goto nomem;
		}
		if (grow(&x.hdr, &cap, x.hlen + 1) != 0)
			goto nomem;
		x.hdr[x.hlen++] = '\n';
	}
	while ((got = sdc_csv_reader_next(r, &row, err)) == 1) {
		int64_t k;
		char num[24];
		size_t start = x.tlen, nl;

		if (row->len[kf] == 0) {
			sdc_csv_reader_field_error(r, (size_t)kf, err, SDC_EDATA,
			    "%s is empty", key);
			goto out;
		}
		if (sdc_num_parse_i64(row->field[kf], row->len[kf], INT64_MIN,
		    INT64_MAX, &k) != 0) {
			sdc_csv_reader_field_error(r, (size_t)kf, err, SDC_EDATA,
			    "%s '%s' is not an integer", key, row->field[kf]);
			goto out;
		}
		nl = (size_t)snprintf(num, sizeof(num), "%llu", row->line);
		if (grow(&x.text, &x.tcap, x.tlen + nl + 1) != 0)
			goto nomem;
		memcpy(x.text + x.tlen, num, nl);
		x.tlen += nl;
		for (i = 0; i < row->n; i++) {
			if (grow(&x.text, &x.tcap, x.tlen + 1) != 0)
				goto nomem;
			x.text[x.tlen++] = ',';
			if (put_field(&x.text, &x.tlen, &x.tcap, row->field[i],
			    row->len[i]) != 0)
				goto nomem;
		}
		if (grow(&x.text, &x.tcap, x.tlen + 1) != 0)
			goto nomem;
		x.text[x.tlen++] = '\n';
		if (x.nent == x.ecap) {
			size_t cap = x.ecap ? x.ecap * 2 : 1024;
			struct ent *e = realloc(x.ent, cap * sizeof(*e));

			if (e == NULL)
				goto nomem;
			x.ent = e;
			x.ecap = cap;
		}
		x.ent[x.nent].key = k;
		x.ent[x.nent].seq = seq++;
		x.ent[x.nent].off = start;
		x.ent[x.nent].len = x.tlen - start;
		x.nent++;
		if (x.tlen + x.ecap * sizeof(struct ent) >= mem &&
		    spill(&x, err) != 0)
			goto out;
	}
	if (got < 0)
		goto out;
	if ((w.buf = malloc(IOBUF)) == NULL)
		goto nomem;
	if ((w.fd = tmpfile_in(x.tmpdir, err)) < 0)
		goto out;
	if (wput(&w, x.hdr, x.hlen, err) != 0)
		goto out;
	if (x.nruns == 0) {
		if (x.nent > 0)
			qsort(x.ent, x.nent, sizeof(*x.ent), ent_cmp);
		for (i = 0; i < x.nent; i++)
			if (wput(&w, x.text + x.ent[i].off, x.ent[i].len,
			    err) != 0)
				goto out;
	} else {
		if (x.nent > 0 && spill(&x, err) != 0)
			goto out;
		free(x.text);
		x.text = NULL;
		free(x.ent);
		x.ent = NULL;
		if (merge(&x, &w, err) != 0)
			goto out;
	}
	if (wflush(&w, err) != 0)
		goto out;
	if (lseek(w.fd, 0, SEEK_SET) < 0) {
		sdc_err_set(err, SDC_EIO, NULL, 0, 0, "seek: %s",
		    strerror(errno));
		goto out;
	}
	*fdp = w.fd;
	w.fd = -1;
	rc = 0;
	goto out;
nomem:
	sdc_err_nomem(err);
out:
	if (w.fd >= 0)
		close(w.fd);
	free(w.buf);
	for (i = 0; i < x.nruns; i++) {
		close(x.runs[i].fd);
		free(x.runs[i].buf);
		free(x.runs[i].rec);
	}
	free(x.runs);
	free(x.text);
	free(x.ent);
	free(x.hdr);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return rc;
}
