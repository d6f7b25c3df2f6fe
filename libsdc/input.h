/*
 * input.h - byte input from a file, standard input or memory, with
 * gzip decompression chosen by the data's magic bytes (1f 8b), never by
 * the file's name.  Input that is not gzip passes through unchanged.
 *
 * Lifecycle: sdc_input_open (or _fdopen, _mem) -> sdc_input_read until
 * it returns 0 -> sdc_input_free.  The handle owns its buffers and, for
 * sdc_input_open on a path, the file descriptor.
 */
#ifndef SDC_INPUT_H
#define SDC_INPUT_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct sdc_input;

/*
 * Gzip input that expands too much is refused as a likely gzip bomb:
 * once more than SDC_INPUT_GZIP_FREE bytes have come out, the output so
 * far may be at most SDC_INPUT_GZIP_RATIO times the compressed input so
 * far.  Real CSV compresses 3 to 30-fold; deflate's ceiling is 1032.
 */
#define SDC_INPUT_GZIP_FREE (16ULL * 1024 * 1024)
#define SDC_INPUT_GZIP_RATIO 200

/*
 * Open path for reading; NULL or "-" means standard input, which is not
 * closed by sdc_input_free.  Errors are reported against path (or
 * "<stdin>").
 */
struct sdc_input *sdc_input_open(const char *path, struct sdc_err *err);

/*
 * Read from fd, which stays the caller's to close.  name (copied) is
 * used in error messages.
 */
struct sdc_input *sdc_input_fdopen(int fd, const char *name,
    struct sdc_err *err);

/*
 * Read from the len bytes at data, which the caller keeps alive and
 * unchanged until sdc_input_free.  For tests and fuzzing.
 */
struct sdc_input *sdc_input_mem(const void *data, size_t len,
    const char *name, struct sdc_err *err);

/*
 * Read up to n bytes of (decompressed) data into buf.  Returns the
 * number of bytes read, 0 at the end of the input, or -1 on error
 * (read failure, corrupt or truncated gzip data, trailing garbage
 * after a gzip stream, a gzip bomb).
 */
ssize_t sdc_input_read(struct sdc_input *in, void *buf, size_t n,
    struct sdc_err *err);

/* The name used in messages.  Owned by the handle. */
const char *sdc_input_name(const struct sdc_input *in);

/* 1 if the input was recognised as gzip, else 0. */
int sdc_input_is_gzip(const struct sdc_input *in);

/* Close (unless borrowed) and release everything.  NULL is allowed. */
void sdc_input_free(struct sdc_input *in);

#endif
