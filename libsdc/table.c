/* table.c - an aggregate table in memory and its margin identities. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void
sdc_table_init(struct sdc_table *t)
{
	memset(t, 0, sizeof(*t));
}

void
sdc_table_release(struct sdc_table *t)
{
	size_t i;

	for (i = 0; i < t->nblock; i++)
		free(t->blocks[i]);
	for (i = 0; i < t->nsum; i++)
		free(t->sum[i].child);
	free(t->blocks);
	free(t->sum);
	free(t->name);
	free(t->val);
	free(t->line);
	free(t->group);
	free(t->mask);
	free(t->memb_off);
	free(t->memb);
	free(t->lev);
	free(t->nlev);
	for (i = 0; t->levname != NULL && i < t->ngroup; i++)
		free(t->levname[i]);
	free(t->levname);
	sdc_hmap_release(&t->rowmap);
	free(t->src);
	memset(t, 0, sizeof(*t));
}

/* Copy n bytes (plus a NUL) into the table's storage. */
static char *
keep(struct sdc_table *t, const char *s, size_t n)
{
	char *p;

	if (t->nblock == 0 || t->blockused + n + 1 > t->blocksize) {
		size_t size = n + 1 > 65536 ? n + 1 : 65536;

		if (t->nblock == t->blockcap) {
			size_t nc = t->blockcap ? t->blockcap * 2 : 16;
			char **b = realloc(t->blocks, nc * sizeof(*b));

			if (b == NULL)
				return NULL;
			t->blocks = b;
			t->blockcap = nc;
		}
		if ((t->blocks[t->nblock] = malloc(size)) == NULL)
			return NULL;
		t->nblock++;
		t->blocksize = size;
		t->blockused = 0;
	}
	p = t->blocks[t->nblock - 1] + t->blockused;
	memcpy(p, s, n);
	p[n] = '\0';
	t->blockused += n + 1;
	return p;
}

static int
add_row(struct sdc_table *t, const struct sdc_csv_row *row,
    struct sdc_err *err)
{
	size_t c;

	if (t->nrow == t->rowcap) {
		size_t nc = t->rowcap ? t->rowcap * 2 : 256;
		const char **v = realloc(t->val, nc * t->ncol * sizeof(*v));
		unsigned long long *l;

		if (v == NULL)
			return sdc_err_nomem(err);
		t->val = v;
		if ((l = realloc(t->line, nc * sizeof(*l))) == NULL)
			return sdc_err_nomem(err);
		t->line = l;
		t->rowcap = nc;
	}
	for (c = 0; c < t->ncol; c++) {
		const char *s = keep(t, row->field[c], row->len[c]);

		if (s == NULL)
			return sdc_err_nomem(err);
		t->val[t->nrow * t->ncol + c] = s;
	}
	t->line[t->nrow++] = row->line;
	return 0;
}

int
sdc_table_read(struct sdc_table *t, struct sdc_csv_reader *r,
    struct sdc_err *err)
{
	const struct sdc_csv_row *h = sdc_csv_reader_header(r), *row;
	size_t c;
	int rc;

	t->ncol = h->n;
	t->hline = h->line;
	if ((t->src = strdup(sdc_csv_reader_name(r))) == NULL ||
	    (t->name = calloc(h->n, sizeof(*t->name))) == NULL)
		return sdc_err_nomem(err);
	for (c = 0; c < h->n; c++)
		if ((t->name[c] = keep(t, h->field[c], h->len[c])) == NULL)
			return sdc_err_nomem(err);
	while ((rc = sdc_csv_reader_next(r, &row, err)) == 1)
		if (add_row(t, row, err) != 0)
			return -1;
	return rc;
}

long
sdc_table_column(const struct sdc_table *t, const char *name)
{
	size_t c;

	for (c = 0; c < t->ncol; c++)
		if (strcmp(t->name[c], name) == 0)
			return (long)c;
	return -1;
}

long
sdc_table_require(const struct sdc_table *t, const char *name,
    struct sdc_err *err)
{
	long c = sdc_table_column(t, name);

	if (c < 0)
		sdc_err_set(err, SDC_EDATA, t->src, t->hline, 0,
		    "no column named '%s'", name);
	return c;
}

int
sdc_table_set(struct sdc_table *t, size_t row, size_t col, const char *value,
    struct sdc_err *err)
{
	const char *s = keep(t, value, strlen(value));

	if (s == NULL)
		return sdc_err_nomem(err);
	t->val[row * t->ncol + col] = s;
	return 0;
}

int
sdc_table_cell_error(const struct sdc_table *t, size_t row, size_t col,
    struct sdc_err *err, enum sdc_err_code code, const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdc_err_set(err, code, t->src, t->line[row], 0,
	    "column '%s': %s", t->name[col], msg);
}

/* The tuple of level ids of row r, with the columns in mask totalled. */
static void
tuple(const struct sdc_table *t, size_t r, unsigned mask, uint32_t *out)
{
	size_t j;

	for (j = 0; j < t->ngroup; j++)
		out[j] = mask & (1u << j) ? SDC_TABLE_TOTAL :
		    t->lev[r * t->ngroup + j];
}

size_t
sdc_table_find(const struct sdc_table *t, const uint32_t *lev)
{
	size_t n = t->ngroup * sizeof(*lev);
	int64_t id = sdc_hmap_get(&t->rowmap, lev, n, sdc_hash_bytes(lev, n));

	return id < 0 ? SIZE_MAX : (size_t)id;
}

/* Number each group column's values; the total label is SDC_TABLE_TOTAL. */
static int
number_levels(struct sdc_table *t)
{
	size_t j, r;
	int rc = 0;

	t->lev = malloc((t->nrow * t->ngroup + 1) * sizeof(*t->lev));
	t->nlev = calloc(t->ngroup + 1, sizeof(*t->nlev));
	t->levname = calloc(t->ngroup + 1, sizeof(*t->levname));
	if (t->lev == NULL || t->nlev == NULL || t->levname == NULL)
		return -1;
	for (j = 0; j < t->ngroup && rc == 0; j++) {
		struct sdc_hmap vals;

		sdc_hmap_init(&vals);
		for (r = 0; r < t->nrow; r++) {
			const char *v = sdc_table_get(t, r, t->group[j]);
			size_t n = strlen(v);
			int added;
			int64_t id;

			if (t->mask[r] & (1u << j)) {
				t->lev[r * t->ngroup + j] = SDC_TABLE_TOTAL;
				continue;
			}
			if ((id = sdc_hmap_put(&vals, v, n, sdc_hash_bytes(v, n),
			    &added)) < 0) {
				rc = -1;
				break;
			}
			t->lev[r * t->ngroup + j] = (uint32_t)id;
		}
		t->nlev[j] = (uint32_t)vals.n;
		if (rc == 0 && (t->levname[j] = calloc(vals.n + 1,
		    sizeof(**t->levname))) == NULL)
			rc = -1;
		/* names point at the table's own copies, in first-seen order */
		for (r = 0; r < t->nrow && rc == 0; r++) {
			uint32_t l = t->lev[r * t->ngroup + j];

			if (l != SDC_TABLE_TOTAL && t->levname[j][l] == NULL)
				t->levname[j][l] = sdc_table_get(t, r,
				    t->group[j]);
		}
		sdc_hmap_release(&vals);
	}
	return rc;
}

/* For each row, the sums it is parent or child of (compressed rows). */
static int
memberships(struct sdc_table *t)
{
	size_t s, i, total = 0, *fill;

	t->memb_off = calloc(t->nrow + 1, sizeof(*t->memb_off));
	if (t->memb_off == NULL)
		return -1;
	for (s = 0; s < t->nsum; s++) {
		t->memb_off[t->sum[s].parent + 1]++;
		for (i = 0; i < t->sum[s].n; i++)
			t->memb_off[t->sum[s].child[i] + 1]++;
		total += t->sum[s].n + 1;
	}
	for (i = 0; i < t->nrow; i++)
		t->memb_off[i + 1] += t->memb_off[i];
	t->memb = malloc((total + 1) * sizeof(*t->memb));
	fill = malloc((t->nrow + 1) * sizeof(*fill));
	if (t->memb == NULL || fill == NULL) {
		free(fill);
		return -1;
	}
	memcpy(fill, t->memb_off, t->nrow * sizeof(*fill));
	for (s = 0; s < t->nsum; s++) {
		t->memb[fill[t->sum[s].parent]++] = s;
		for (i = 0; i < t->sum[s].n; i++)
			t->memb[fill[t->sum[s].child[i]]++] = s;
	}
	free(fill);
	return 0;
}

int
sdc_table_structure(struct sdc_table *t, size_t ngroup, const size_t *group,
    const char *total, struct sdc_err *err)
{
	struct sdc_hmap sums;
	size_t r, j, *ccap = NULL, klen = ngroup * sizeof(uint32_t);
	uint32_t key[SDC_TABLE_GROUPS_MAX];
	int rc = -1;

	if (ngroup > SDC_TABLE_GROUPS_MAX)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "more than %d group columns", SDC_TABLE_GROUPS_MAX);
	t->total = total;
	t->ngroup = ngroup;
	t->group = malloc((ngroup + 1) * sizeof(*t->group));
	t->mask = calloc(t->nrow + 1, sizeof(*t->mask));
	if (t->group == NULL || t->mask == NULL)
		return sdc_err_nomem(err);
	memcpy(t->group, group, ngroup * sizeof(*group));
	for (r = 0; r < t->nrow; r++)
		for (j = 0; j < ngroup; j++)
			if (strcmp(sdc_table_get(t, r, group[j]), total) == 0)
				t->mask[r] |= 1u << j;
	if (number_levels(t) != 0)
		return sdc_err_nomem(err);
	for (r = 0; r < t->nrow; r++) {
		int added;
		int64_t id;

		tuple(t, r, 0, key);
		if ((id = sdc_hmap_put(&t->rowmap, key, klen,
		    sdc_hash_bytes(key, klen), &added)) < 0)
			return sdc_err_nomem(err);
		if (!added)
			return sdc_err_set(err, SDC_EDATA, t->src, t->line[r], 0,
			    "the group values of this row repeat those of "
			    "line %llu", t->line[id]);
	}
	/* ids in rowmap are row numbers: both count from 0 in order */
	sdc_hmap_init(&sums);
	for (r = 0; r < t->nrow; r++) {
		for (j = 0; j < ngroup; j++) {
			size_t p, sk[2];
			int64_t s;
			int added;
			struct sdc_table_sum *sum;

			if (t->mask[r] & (1u << j))
				continue;
			tuple(t, r, 1u << j, key);
			if ((p = sdc_table_find(t, key)) == SIZE_MAX)
				continue;	/* no margin over this column */
			sk[0] = p;
			sk[1] = j;
			if ((s = sdc_hmap_put(&sums, sk, sizeof(sk),
			    sdc_hash_bytes(sk, sizeof(sk)), &added)) < 0)
				goto nomem;
			if (added) {
				struct sdc_table_sum *ns = realloc(t->sum,
				    (t->nsum + 1) * sizeof(*ns));
				size_t *nc = realloc(ccap,
				    (t->nsum + 1) * sizeof(*nc));

				if (ns != NULL)
					t->sum = ns;
				if (nc != NULL)
					ccap = nc;
				if (ns == NULL || nc == NULL)
					goto nomem;
				memset(&t->sum[t->nsum], 0, sizeof(*t->sum));
				t->sum[t->nsum].parent = p;
				t->sum[t->nsum].dim = j;
				ccap[t->nsum] = 0;
				t->nsum++;
			}
			sum = &t->sum[s];
			if (sum->n == ccap[s]) {
				size_t nc = ccap[s] ? ccap[s] * 2 : 4;
				size_t *c = realloc(sum->child,
				    nc * sizeof(*c));

				if (c == NULL)
					goto nomem;
				sum->child = c;
				ccap[s] = nc;
			}
			sum->child[sum->n++] = r;
		}
	}
	rc = memberships(t) == 0 ? 0 : sdc_err_nomem(err);
	goto done;
nomem:
	sdc_err_nomem(err);
done:
	free(ccap);
	sdc_hmap_release(&sums);
	return rc;
}

int
sdc_table_write_with(const struct sdc_table *t, struct sdc_output *out,
    const unsigned char *drop, const char *xname, const char *const *xval,
    struct sdc_err *err)
{
	const char **f = malloc((t->ncol + 2) * sizeof(*f));
	size_t r, c, n;
	int rc = -1;

	if (f == NULL)
		return sdc_err_nomem(err);
	for (c = n = 0; c < t->ncol; c++)
		if (drop == NULL || !drop[c])
			f[n++] = t->name[c];
	if (xname != NULL)
		f[n++] = xname;
	if (sdc_csv_write_row(out, n, f, NULL, err) != 0)
		goto done;
	for (r = 0; r < t->nrow; r++) {
		for (c = n = 0; c < t->ncol; c++)
			if (drop == NULL || !drop[c])
				f[n++] = sdc_table_get(t, r, c);
		if (xname != NULL)
			f[n++] = xval[r];
		if (sdc_csv_write_row(out, n, f, NULL, err) != 0)
			goto done;
	}
	rc = 0;
done:
	free(f);
	return rc;
}

int
sdc_table_write(const struct sdc_table *t, struct sdc_output *out,
    const unsigned char *drop, struct sdc_err *err)
{
	return sdc_table_write_with(t, out, drop, NULL, NULL, err);
}
