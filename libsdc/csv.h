/*
 * csv.h - streaming RFC 4180 CSV reader and writer.
 *
 * Reading.  sdc_csv_reader_new reads the header (the first record) at
 * once; an input without one is an error.  Then either pull records
 * with sdc_csv_reader_next until it returns 0 (end) or -1 (error), or
 * hand a row callback to sdc_csv_reader_each.  Memory is bounded by the
 * longest record, which may not exceed SDC_CSV_RECORD_MAX bytes.  After
 * an error the reader is spent: free it.
 *
 * Conventions: a UTF-8 byte order mark at the start is dropped; records
 * end in LF or CRLF (a bare CR outside quotes is an error); a quoted
 * field may hold commas, doubled quotes and line ends; spaces are data.
 * Every record must have exactly as many fields as the header.  A NUL
 * byte anywhere, a quote inside an unquoted field, text after a closing
 * quote and an unterminated quote are errors.  Errors name the input,
 * the physical line and the byte column (both 1-based).  A blank line
 * is a record with one empty field, so it is an error unless the header
 * has a single column.
 *
 * A fast scanner splits records in place when every field is either
 * unquoted or quoted and closed on the same line with no doubled quote;
 * every other record (doubled quotes, line ends inside quotes, anything
 * malformed) goes through libcsv in strict mode, which is the reference.
 * SDC_CSV_SLOW sends every record through libcsv; results, including
 * error positions, are identical either way.
 *
 * Writing.  sdc_csv_write_row quotes a field only when it holds a comma,
 * quote, CR or LF, and ends each record with LF.
 */
#ifndef SDC_CSV_H
#define SDC_CSV_H

#include <stddef.h>

#include "err.h"
#include "input.h"
#include "output.h"

#define SDC_CSV_RECORD_MAX (64UL * 1024 * 1024)

enum {
	SDC_CSV_SLOW = 1,	/* parse every record with libcsv */
	SDC_CSV_DUPLICATES = 2	/* allow repeated names in the header */
};

/*
 * One record.  field[i] is NUL-terminated and len[i] bytes long.  The
 * row and everything it points to belong to the reader and are valid
 * only until the next call on it: copy what you keep.
 */
struct sdc_csv_row {
	size_t n;
	const char **field;
	const size_t *len;
	unsigned long long line;	/* line on which the record starts */
};

struct sdc_csv_reader;

/*
 * Start reading in (borrowed: it must outlive the reader) and read the
 * header.  Fails on empty input, a malformed header or a repeated
 * column name.
 */
struct sdc_csv_reader *sdc_csv_reader_new(struct sdc_input *in,
    unsigned flags, struct sdc_err *err);

/* The header record; valid until sdc_csv_reader_free. */
const struct sdc_csv_row *sdc_csv_reader_header(
    const struct sdc_csv_reader *r);

/* Index of the column called name, or -1. */
long sdc_csv_reader_column(const struct sdc_csv_reader *r,
    const char *name);

/*
 * Index of the column called name; when there is none, an error naming
 * the input's header line and listing the columns, and -1.
 */
long sdc_csv_reader_require(const struct sdc_csv_reader *r,
    const char *name, struct sdc_err *err);

/*
 * Next data record into *row.  Returns 1 with a record, 0 at the end of
 * the input, -1 on error.
 */
int sdc_csv_reader_next(struct sdc_csv_reader *r,
    const struct sdc_csv_row **row, struct sdc_err *err);

/*
 * Callback form: call fn for each remaining record, in order, until the
 * input ends (returns 0), the reader fails (-1, err set by the reader)
 * or fn returns non-zero (that value is returned; fn sets err).  The row
 * is valid only during the call.
 */
typedef int sdc_csv_row_fn(void *ctx, const struct sdc_csv_row *row,
    struct sdc_err *err);
int sdc_csv_reader_each(struct sdc_csv_reader *r, sdc_csv_row_fn *fn,
    void *ctx, struct sdc_err *err);

/* Where field i of the last record (or the header) starts. */
void sdc_csv_reader_where(const struct sdc_csv_reader *r, size_t i,
    unsigned long long *line, unsigned long long *column);

/*
 * Record an error located at field i of the last record returned, with
 * the input's name, line and column.  Returns -1.
 */
int sdc_csv_reader_field_error(const struct sdc_csv_reader *r, size_t i,
    struct sdc_err *err, enum sdc_err_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* The input's name, for messages. */
const char *sdc_csv_reader_name(const struct sdc_csv_reader *r);

/* Release the reader (not its input).  NULL is allowed. */
void sdc_csv_reader_free(struct sdc_csv_reader *r);

/*
 * Write one record of n fields.  len may be NULL (then each field is a
 * NUL-terminated string) and so may a field (written as empty).
 */
int sdc_csv_write_row(struct sdc_output *out, size_t n,
    const char *const *field, const size_t *len, struct sdc_err *err);

#endif
