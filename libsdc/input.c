/* input.c - plain or gzip byte input over a file descriptor or memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "input.h"

#define RAW_SIZE (256 * 1024)

/*
 * Gzip bombs: past SDC_INPUT_GZIP_FREE bytes of output, gzip input may
 * not expand to more than SDC_INPUT_GZIP_RATIO times the compressed
 * bytes read so far (see input.h).
 */

struct sdc_input {
	char *name;
	int fd;			/* -1 for memory input */
	int owns_fd;
	const unsigned char *mem;	/* memory input */
	size_t mem_len, mem_pos;
	unsigned char *raw;	/* compressed bytes, or peeked plain bytes */
	size_t raw_pos, raw_len;
	int raw_eof;
	int gzip;
	int gz_done;		/* last member ended at raw end */
	z_stream zs;
	int zs_live;
	unsigned long long gz_in, gz_out;	/* totals over all members */
};

static struct sdc_input *
input_new(const char *name, struct sdc_err *err)
{
	struct sdc_input *in = calloc(1, sizeof(*in));

	if (in == NULL || (in->name = strdup(name)) == NULL ||
	    (in->raw = malloc(RAW_SIZE)) == NULL) {
		if (in != NULL)
			free(in->name);
		free(in);
		sdc_err_nomem(err);
		return NULL;
	}
	in->fd = -1;
	return in;
}

/* Read more raw bytes after those kept; returns bytes added, 0 at EOF. */
static ssize_t
raw_fill(struct sdc_input *in, struct sdc_err *err)
{
	ssize_t n;

	if (in->raw_pos > 0) {
		memmove(in->raw, in->raw + in->raw_pos,
		    in->raw_len - in->raw_pos);
		in->raw_len -= in->raw_pos;
		in->raw_pos = 0;
	}
	if (in->raw_eof || in->raw_len == RAW_SIZE)
		return 0;
	if (in->fd < 0) {
		size_t k = in->mem_len - in->mem_pos;

		if (k > RAW_SIZE - in->raw_len)
			k = RAW_SIZE - in->raw_len;
		memcpy(in->raw + in->raw_len, in->mem + in->mem_pos, k);
		in->mem_pos += k;
		n = (ssize_t)k;
	} else {
		do
			n = read(in->fd, in->raw + in->raw_len,
			    RAW_SIZE - in->raw_len);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return sdc_err_set(err, SDC_EIO, in->name, 0, 0,
			    "read error: %s", strerror(errno));
	}
	if (n == 0)
		in->raw_eof = 1;
	in->raw_len += (size_t)n;
	return n;
}

/* Look at the first bytes to decide between gzip and plain. */
static int
sniff(struct sdc_input *in, struct sdc_err *err)
{
	while (in->raw_len < 2 && !in->raw_eof)
		if (raw_fill(in, err) < 0)
			return -1;
	if (in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b) {
		in->gzip = 1;
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return sdc_err_nomem(err);
		in->zs_live = 1;
	}
	return 0;
}

static struct sdc_input *
input_start(struct sdc_input *in, struct sdc_err *err)
{
	if (sniff(in, err) != 0) {
		sdc_input_free(in);
		return NULL;
	}
	return in;
}

struct sdc_input *
sdc_input_open(const char *path, struct sdc_err *err)
{
	struct sdc_input *in;
	int fd;

	if (path == NULL || strcmp(path, "-") == 0)
		return sdc_input_fdopen(STDIN_FILENO, "<stdin>", err);
	do
		fd = open(path, O_RDONLY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		sdc_err_set(err, SDC_EIO, path, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	if ((in = input_new(path, err)) == NULL) {
		close(fd);
		return NULL;
	}
	in->fd = fd;
	in->owns_fd = 1;
	return input_start(in, err);
}

struct sdc_input *
sdc_input_fdopen(int fd, const char *name, struct sdc_err *err)
{
	struct sdc_input *in = input_new(name, err);

	if (in == NULL)
		return NULL;
	in->fd = fd;
	return input_start(in, err);
}

struct sdc_input *
sdc_input_mem(const void *data, size_t len, const char *name,
    struct sdc_err *err)
{
	struct sdc_input *in = input_new(name, err);

	if (in == NULL)
		return NULL;
	in->mem = data;
	in->mem_len = len;
	return input_start(in, err);
}

static ssize_t
read_plain(struct sdc_input *in, void *buf, size_t n, struct sdc_err *err)
{
	ssize_t r;

	if (in->raw_pos < in->raw_len) {	/* peeked bytes first */
		size_t k = in->raw_len - in->raw_pos;

		if (k > n)
			k = n;
		memcpy(buf, in->raw + in->raw_pos, k);
		in->raw_pos += k;
		return (ssize_t)k;
	}
	if (in->raw_eof)
		return 0;
	if (in->fd < 0) {
		size_t k = in->mem_len - in->mem_pos;

		if (k > n)
			k = n;
		memcpy(buf, in->mem + in->mem_pos, k);
		in->mem_pos += k;
		if (k == 0)
			in->raw_eof = 1;
		return (ssize_t)k;
	}
	do
		r = read(in->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return sdc_err_set(err, SDC_EIO, in->name, 0, 0,
		    "read error: %s", strerror(errno));
	if (r == 0)
		in->raw_eof = 1;
	return r;
}

static ssize_t
read_gzip(struct sdc_input *in, void *buf, size_t n, struct sdc_err *err)
{
	z_stream *zs = &in->zs;

	if (n > 1U << 30)
		n = 1U << 30;
	while (!in->gz_done) {
		int rc;

		if (in->raw_pos == in->raw_len) {
			ssize_t got = raw_fill(in, err);

			if (got < 0)
				return -1;
			if (got == 0)
				return sdc_err_set(err, SDC_EPARSE, in->name,
				    0, 0, "truncated gzip input");
		}
		zs->next_in = in->raw + in->raw_pos;
		zs->avail_in = (uInt)(in->raw_len - in->raw_pos);
		zs->next_out = buf;
		zs->avail_out = (uInt)n;
		rc = inflate(zs, Z_NO_FLUSH);
		in->gz_in += (in->raw_len - in->raw_pos) - zs->avail_in;
		in->gz_out += n - zs->avail_out;
		in->raw_pos = in->raw_len - zs->avail_in;
		if (in->gz_out > SDC_INPUT_GZIP_FREE &&
		    in->gz_out / SDC_INPUT_GZIP_RATIO > in->gz_in)
			return sdc_err_set(err, SDC_EPARSE, in->name, 0, 0,
			    "gzip data expands more than %d-fold (%llu bytes "
			    "from %llu); refusing a likely gzip bomb",
			    SDC_INPUT_GZIP_RATIO, in->gz_out, in->gz_in);
		if (rc == Z_STREAM_END) {
			/* Another member may follow; anything else is garbage. */
			while (in->raw_len - in->raw_pos < 2 && !in->raw_eof)
				if (raw_fill(in, err) < 0)
					return -1;
			if (in->raw_pos == in->raw_len) {
				in->gz_done = 1;
			} else if (in->raw_len - in->raw_pos >= 2 &&
			    in->raw[in->raw_pos] == 0x1f &&
			    in->raw[in->raw_pos + 1] == 0x8b) {
				if (inflateReset(zs) != Z_OK)
					return sdc_err_set(err, SDC_EPARSE,
					    in->name, 0, 0, "gzip reset failed");
			} else {
				return sdc_err_set(err, SDC_EPARSE, in->name,
				    0, 0, "trailing data after gzip stream");
			}
		} else if (rc == Z_BUF_ERROR) {
			/* No progress possible: needs more input. */
			if (in->raw_eof)
				return sdc_err_set(err, SDC_EPARSE, in->name,
				    0, 0, "truncated gzip input");
			if (raw_fill(in, err) < 0)
				return -1;
		} else if (rc != Z_OK) {
			if (rc == Z_MEM_ERROR)
				return sdc_err_nomem(err);
			return sdc_err_set(err, SDC_EPARSE, in->name, 0, 0,
			    "corrupt gzip input: %s",
			    zs->msg ? zs->msg : "inflate failed");
		}
		if (zs->avail_out < n)
			return (ssize_t)(n - zs->avail_out);
	}
	return 0;
}

ssize_t
sdc_input_read(struct sdc_input *in, void *buf, size_t n, struct sdc_err *err)
{
	if (n == 0)
		return 0;
	return in->gzip ? read_gzip(in, buf, n, err) :
	    read_plain(in, buf, n, err);
}

const char *
sdc_input_name(const struct sdc_input *in)
{
	return in->name;
}

int
sdc_input_is_gzip(const struct sdc_input *in)
{
	return in->gzip;
}

void
sdc_input_free(struct sdc_input *in)
{
	if (in == NULL)
		return;
	if (in->zs_live)
		inflateEnd(&in->zs);
	if (in->owns_fd)
		close(in->fd);
	free(in->raw);
	free(in->name);
	free(in);
}
