/*
 * fuzz_csv.c - libFuzzer target for the CSV reader over plain and gzip
 * input (gzip is chosen by the data's magic bytes, so seeds of both
 * kinds reach both paths).  Differential: the fast scanner and libcsv
 * (SDC_CSV_SLOW) must agree on every record and on every error,
 * position included, as csv.h promises; a difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsdc/sdc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fold everything the reader returns into a digest (FNV-1a). */
static void
mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		*h = (*h ^ *s++) * 1099511628211ULL;
}

static uint64_t
run(const uint8_t *data, size_t size, unsigned flags, struct sdc_err *err)
{
	struct sdc_input *in;
	struct sdc_csv_reader *r = NULL;
	const struct sdc_csv_row *row;
	uint64_t h = 1469598103934665603ULL;
	size_t i;
	int rc = -1;

	sdc_err_clear(err);
	if ((in = sdc_input_mem(data, size, "fuzz", err)) == NULL ||
	    (r = sdc_csv_reader_new(in, flags, err)) == NULL)
		goto done;
	row = sdc_csv_reader_header(r);
	for (i = 0; i < row->n; i++)
		mix(&h, row->field[i], row->len[i] + 1);
	while ((rc = sdc_csv_reader_next(r, &row, err)) == 1) {
		mix(&h, &row->line, sizeof(row->line));
		for (i = 0; i < row->n; i++) {
			unsigned long long line, col;

			if (strlen(row->field[i]) != row->len[i])
				abort();	/* a NUL got through */
			mix(&h, row->field[i], row->len[i] + 1);
			sdc_csv_reader_where(r, i, &line, &col);
			mix(&h, &line, sizeof(line));
			mix(&h, &col, sizeof(col));
		}
	}
done:
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return rc == 0 ? h : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdc_err e1, e2;
	unsigned dup = size > 0 && (data[0] & 1) ? SDC_CSV_DUPLICATES : 0;
	uint64_t fast = run(data, size, dup, &e1);
	uint64_t slow = run(data, size, dup | SDC_CSV_SLOW, &e2);

	if (fast != slow || e1.code != e2.code || e1.line != e2.line ||
	    e1.column != e2.column || strcmp(e1.msg, e2.msg) != 0) {
		fprintf(stderr, "fast and slow differ:\n fast %d %llu:%llu %s\n"
		    " slow %d %llu:%llu %s\n", (int)e1.code, e1.line,
		    e1.column, e1.msg, (int)e2.code, e2.line, e2.column,
		    e2.msg);
		abort();
	}
	return 0;
}
