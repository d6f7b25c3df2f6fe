/*
 * table.h - an aggregate table held in memory, with the linear structure
 * that its margin rows express.
 *
 * A table is what sdc-count writes: group columns, then value columns.
 * A row whose group value in some column is the total label (default
 * "Total") is a margin: in that column it stands for the sum over every
 * other value.  Rows are kept in input order and written back in it.
 *
 * Lifecycle: sdc_table_init -> sdc_table_read -> sdc_table_structure
 * (to find margins and their children) -> edit with sdc_table_set ->
 * sdc_table_write -> sdc_table_release.  The table owns every string;
 * pointers from sdc_table_get stay valid until sdc_table_release.
 */
#ifndef SDC_TABLE_H
#define SDC_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "err.h"
#include "hash.h"
#include "output.h"

/*
 * One margin identity: row parent equals the sum of rows child[0..n-1]
 * (its children along group column dim).  Rows absent from the table
 * are structural zeros and do not appear.
 */
struct sdc_table_sum {
	size_t parent;
	size_t dim;		/* index into group[] */
	size_t n;
	size_t *child;
};

struct sdc_table {
	char *src;		/* input name, for messages */
	size_t ncol, nrow;
	char **name;		/* header */
	const char **val;	/* nrow * ncol, row-major */
	unsigned long long *line;	/* input line of each row */
	unsigned long long hline;	/* line of the header */

	/* filled by sdc_table_structure */
	const char *total;
	size_t ngroup;
	size_t *group;		/* column indices of the group columns */
	unsigned *mask;		/* per row: bit j set when group[j] is total */
	size_t nsum;
	struct sdc_table_sum *sum;
	size_t *memb_off;	/* per row r: memb[memb_off[r] .. memb_off[r+1]) */
	size_t *memb;		/* are the sums r takes part in */
	uint32_t *lev;		/* per row, per group column: level id */
	uint32_t *nlev;		/* per group column: number of levels */
	const char ***levname;	/* per group column, per level: value */
	struct sdc_hmap rowmap;	/* level tuple -> row */

	/* storage */
	char **blocks;
	size_t nblock, blockcap, blockused, blocksize;
	size_t rowcap;
};

void sdc_table_init(struct sdc_table *t);
void sdc_table_release(struct sdc_table *t);

/* Read every record of r (a table must fit in memory). */
int sdc_table_read(struct sdc_table *t, struct sdc_csv_reader *r,
    struct sdc_err *err);

/* Index of the column called name, or -1; _require also sets err. */
long sdc_table_column(const struct sdc_table *t, const char *name);
long sdc_table_require(const struct sdc_table *t, const char *name,
    struct sdc_err *err);

static inline const char *
sdc_table_get(const struct sdc_table *t, size_t row, size_t col)
{
	return t->val[row * t->ncol + col];
}

/* Replace a value (copied). */
int sdc_table_set(struct sdc_table *t, size_t row, size_t col,
    const char *value, struct sdc_err *err);

/*
 * Record an error at a cell: the input name, the row's line, and the
 * column's name in the message.  Returns -1.
 */
int sdc_table_cell_error(const struct sdc_table *t, size_t row, size_t col,
    struct sdc_err *err, enum sdc_err_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/*
 * Find the margins: group columns are group[0..ngroup-1] (column
 * indices); total is the label.  Fails when two rows have the same
 * group values, or when there are more than SDC_TABLE_GROUPS_MAX group
 * columns.  Builds one sdc_table_sum per (margin row, totalled column)
 * that has a parent row in the table, and for each row the list of sums
 * it takes part in, as parent or child (memb_off, memb).
 */
#define SDC_TABLE_GROUPS_MAX 16
#define SDC_TABLE_TOTAL UINT32_MAX	/* level id of the total label */
int sdc_table_structure(struct sdc_table *t, size_t ngroup,
    const size_t *group, const char *total, struct sdc_err *err);

/*
 * The row whose group columns have the level ids lev[0..ngroup-1]
 * (SDC_TABLE_TOTAL for the total label), or SIZE_MAX if there is none.
 */
size_t sdc_table_find(const struct sdc_table *t, const uint32_t *lev);

/*
 * Write the header and rows; columns with drop[c] set are left out
 * (drop may be NULL).
 */
int sdc_table_write(const struct sdc_table *t, struct sdc_output *out,
    const unsigned char *drop, struct sdc_err *err);

/* The same with one more column at the end: xname, then xval[row]. */
int sdc_table_write_with(const struct sdc_table *t, struct sdc_output *out,
    const unsigned char *drop, const char *xname, const char *const *xval,
    struct sdc_err *err);

#endif
