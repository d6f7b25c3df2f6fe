/*
 * output.h - buffered byte output to standard output or to a file that
 * is complete or absent.
 *
 * A named file is written under a temporary name in the same directory
 * and renamed over the target only by sdc_output_commit, so a reader
 * never sees half a file; sdc_output_abort (or a failed commit) removes
 * the temporary file.  A name ending in ".gz" is written gzip-compressed.
 * Standard output is flushed and checked by commit, so a full disk or a
 * closed pipe is an error rather than silent truncation.
 */
#ifndef SDC_OUTPUT_H
#define SDC_OUTPUT_H

#include <stddef.h>

#include "err.h"

struct sdc_output;

/*
 * Open path (NULL or "-" for standard output, which is never closed).
 * The handle owns every resource; end it with commit or abort.
 */
struct sdc_output *sdc_output_open(const char *path, struct sdc_err *err);

/* Append n bytes. */
int sdc_output_write(struct sdc_output *out, const void *buf, size_t n,
    struct sdc_err *err);

/*
 * Reserve room for n more bytes in the buffer and return where to put
 * them (NULL with err set on failure); then sdc_output_advance(out, k)
 * with the k <= n bytes actually written.  n may not exceed
 * SDC_OUTPUT_RESERVE_MAX.
 */
#define SDC_OUTPUT_RESERVE_MAX (64 * 1024)
char *sdc_output_reserve(struct sdc_output *out, size_t n,
    struct sdc_err *err);
void sdc_output_advance(struct sdc_output *out, size_t k);

/*
 * Flush everything, and for a file make it durable and rename it into
 * place.  Frees out whatever the result.
 */
int sdc_output_commit(struct sdc_output *out, struct sdc_err *err);

/* Discard: remove the temporary file, free out.  NULL is allowed. */
void sdc_output_abort(struct sdc_output *out);

/*
 * The temporary file's name while one exists, else NULL; owned by out.
 * For a signal handler that must unlink it.
 */
const char *sdc_output_tmpname(const struct sdc_output *out);

#endif
