/* output.c - buffered, checked, atomic output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "output.h"

#define BUF_SIZE (256 * 1024)

struct sdc_output {
	char *path;		/* NULL for standard output */
	char *tmp;		/* temporary name while writing a file */
	int direct;		/* path is a device or pipe: written as is */
	int fd;
	gzFile gz;
	char *buf;
	size_t len;
};

static const char *
out_name(const struct sdc_output *out)
{
	return out->path ? out->path : "<stdout>";
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

struct sdc_output *
sdc_output_open(const char *path, struct sdc_err *err)
{
	struct sdc_output *out = calloc(1, sizeof(*out));
	const char *slash;
	size_t dirlen;

	if (out == NULL || (out->buf = malloc(BUF_SIZE)) == NULL) {
		free(out);
		sdc_err_nomem(err);
		return NULL;
	}
	out->fd = STDOUT_FILENO;
	if (path == NULL || strcmp(path, "-") == 0)
		return out;
	if ((out->path = strdup(path)) == NULL) {
		sdc_err_nomem(err);
		goto fail;
	}
	/*
	 * A device or a pipe cannot be replaced by a rename (and must not
	 * be: renaming over /dev/full would put a file in its place), so
	 * it is written directly.
	 */
	{
		struct stat st;

		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
		    !S_ISDIR(st.st_mode)) {
			if ((out->fd = open(path, O_WRONLY)) < 0) {
				sdc_err_set(err, SDC_EIO, path, 0, 0,
				    "cannot open: %s", strerror(errno));
				goto fail;
			}
			out->direct = 1;
			return out;
		}
	}
	if ((out->tmp = malloc(strlen(path) + 16)) == NULL) {
		sdc_err_nomem(err);
		goto fail;
	}
	/* ".NAME.XXXXXX" beside the target, so rename stays on one disk. */
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	memcpy(out->tmp, path, dirlen);
	sprintf(out->tmp + dirlen, ".%s.XXXXXX", path + dirlen);
	if ((out->fd = mkstemp(out->tmp)) < 0) {
		sdc_err_set(err, SDC_EIO, path, 0, 0, "cannot create: %s",
		    strerror(errno));
		free(out->tmp);
		out->tmp = NULL;
		goto fail;
	}
	{
		mode_t mask = umask(0);

		umask(mask);
		(void)fchmod(out->fd, 0666 & ~mask);
	}
	if (has_suffix(path, ".gz")) {
		int fd2 = dup(out->fd);

		if (fd2 < 0 || (out->gz = gzdopen(fd2, "wb6")) == NULL) {
			if (fd2 >= 0)
				close(fd2);
			sdc_err_nomem(err);
			goto fail;
		}
	}
	return out;
fail:
	sdc_output_abort(out);
	return NULL;
}

static int
flush(struct sdc_output *out, struct sdc_err *err)
{
	size_t off = 0;

	if (out->gz != NULL) {
		if (out->len > 0 &&
		    gzwrite(out->gz, out->buf, (unsigned)out->len) !=
		    (int)out->len) {
			int zerr;
			const char *m = gzerror(out->gz, &zerr);

			return sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "write error: %s", zerr == Z_ERRNO ?
			    strerror(errno) : m);
		}
		out->len = 0;
		return 0;
	}
	while (off < out->len) {
		ssize_t n = write(out->fd, out->buf + off, out->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			out->len = 0;
			return sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "write error: %s",
			    n < 0 ? strerror(errno) : "no progress");
		}
		off += (size_t)n;
	}
	out->len = 0;
	return 0;
}

int
sdc_output_write(struct sdc_output *out, const void *buf, size_t n,
    struct sdc_err *err)
{
	const char *p = buf;

	while (n > 0) {
		size_t k = BUF_SIZE - out->len;

		if (k == 0) {
			if (flush(out, err) != 0)
				return -1;
			continue;
		}
		if (k > n)
			k = n;
		memcpy(out->buf + out->len, p, k);
		out->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

char *
sdc_output_reserve(struct sdc_output *out, size_t n, struct sdc_err *err)
{
	if (n > SDC_OUTPUT_RESERVE_MAX) {
		sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "output reservation too large");
		return NULL;
	}
	if (BUF_SIZE - out->len < n && flush(out, err) != 0)
		return NULL;
	return out->buf + out->len;
}

void
sdc_output_advance(struct sdc_output *out, size_t k)
{
	out->len += k;
}

int
sdc_output_commit(struct sdc_output *out, struct sdc_err *err)
{
	int rc = flush(out, err);

	if (out->gz != NULL) {
		int zrc = gzclose(out->gz);

		out->gz = NULL;
		if (rc == 0 && zrc != Z_OK)
			rc = sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "write error: %s", zrc == Z_ERRNO ?
			    strerror(errno) : "gzip close failed");
	}
	if (out->tmp != NULL && rc == 0) {
		if (fsync(out->fd) != 0 && errno != EINVAL)
			rc = sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "write error: %s", strerror(errno));
		if (close(out->fd) != 0 && rc == 0)
			rc = sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "write error: %s", strerror(errno));
		out->fd = -1;
		if (rc == 0 && rename(out->tmp, out->path) != 0)
			rc = sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "cannot rename into place: %s", strerror(errno));
		if (rc == 0) {
			free(out->tmp);
			out->tmp = NULL;
		}
	}
	if (out->direct) {
		if (close(out->fd) != 0 && rc == 0)
			rc = sdc_err_set(err, SDC_EIO, out_name(out), 0, 0,
			    "write error: %s", strerror(errno));
		out->fd = -1;
	}
	if (rc != 0) {
		sdc_output_abort(out);
		return -1;
	}
	free(out->path);
	free(out->buf);
	free(out);
	return 0;
}

void
sdc_output_abort(struct sdc_output *out)
{
	if (out == NULL)
		return;
	if (out->gz != NULL)
		gzclose(out->gz);
	if (out->tmp != NULL) {
		if (out->fd >= 0)
			close(out->fd);
		unlink(out->tmp);
		free(out->tmp);
	} else if (out->direct && out->fd >= 0) {
		close(out->fd);
	}
	free(out->path);
	free(out->buf);
	free(out);
}

const char *
sdc_output_tmpname(const struct sdc_output *out)
{
	return out ? out->tmp : NULL;
}
