/*
 * xsort.h - external merge sort of a CSV file by an integer column, in
 * bounded memory, for sdc-extract's --sort.
 *
 * The input (plain or gzip) is read with the CSV reader; records are
 * gathered into runs of at most mem bytes (record text and index
 * together), each run sorted stably by the key and spilled to a
 * temporary file in tmpdir, then the runs are merged (ties keep input
 * order).  The output is a plain CSV file whose first column, named
 * name_line (not a name a real header can hold without quoting it),
 * gives each record's line in the input, followed by the input's
 * columns, re-quoted minimally.
 *
 * Every temporary file is unlinked as soon as it is created, so none
 * survives the call whatever happens; the result is an open descriptor
 * positioned at the start of the unlinked output, for the caller to
 * read and close.
 */
#ifndef SDC_XSORT_H
#define SDC_XSORT_H

#include <stddef.h>

#include "err.h"

#define SDC_XSORT_MEM (32UL * 1024 * 1024)

/*
 * Sort path by its column key (decimal int64, never empty) into a new
 * temporary file; *fd receives its descriptor.  Returns 0, or -1 with
 * err set (bad key values are reported at the input's file:line:column).
 */
int sdc_xsort_csv(const char *path, const char *key, const char *name_line,
    const char *tmpdir, size_t mem, int *fd, struct sdc_err *err);

#endif
