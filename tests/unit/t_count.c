/*
 * t_count.c - property tests for sdc_count_run: over many seeded random
 * patient-level tables, every output cell equals a brute-force count
 * over the rows it describes, every observed combination and each of
 * its margins appears exactly once, and rows come in the documented
 * order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libsdc/sdc.h"
#include "tests/unit/tap.h"

#define NROW_MAX 300
#define K 3

static const char *vals[K][6] = {
	{ "F", "M", "", "U" },
	{ "10", "9", "-1", "x", "", "100" },
	{ "East", "North, East", "West" },
};
static const size_t nvals[K] = { 4, 6, 3 };

struct data {
	size_t n;
	const char *g[NROW_MAX][K];
	int unit[NROW_MAX];
	double v[NROW_MAX];
};

static unsigned long long seed = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	return tap_rand(&seed);
}

static char *
to_csv(const struct data *d, size_t *len)
{
	size_t cap = 64 + d->n * 64, n = 0, i;
	char *s = malloc(cap);

	n += (size_t)sprintf(s + n, "unit,a,b,c,v\n");
	for (i = 0; i < d->n; i++)
		n += (size_t)sprintf(s + n, "u%d,%s,%s,\"%s\",%g\n", d->unit[i],
		    d->g[i][0], d->g[i][1], d->g[i][2], d->v[i]);
	*len = n;
	return s;
}

/* Order of values in one column: empty, integers by value, the rest. */
static int
vcmp(const char *a, const char *b)
{
	int ca = *a == '\0' ? 0 : sdc_num_is_integer(a, strlen(a)) ? 1 : 2;
	int cb = *b == '\0' ? 0 : sdc_num_is_integer(b, strlen(b)) ? 1 : 2;

	if (ca != cb)
		return ca - cb;
	if (ca == 1) {
		long x = strtol(a, NULL, 10), y = strtol(b, NULL, 10);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return strcmp(a, b);
}

struct expect {
	uint64_t n;
	double sum, top1, top2;
};

/* Brute force over rows matching cell (NULL entry = Total). */
static struct expect
brute(const struct data *d, const char *const *cell, size_t k, int units,
    int *present)
{
	struct expect e = { 0, 0, 0, 0 };
	double per[NROW_MAX];
	int seen[NROW_MAX];
	size_t i, j, nc = 0;

	*present = 0;
	for (i = 0; i < d->n; i++) {
		for (j = 0; j < k; j++)
			if (cell[j] != NULL && strcmp(cell[j], d->g[i][j]) != 0)
				break;
		if (j < k)
			continue;
		*present = 1;
		if (units) {
			for (j = 0; j < nc; j++)
				if (seen[j] == d->unit[i])
					break;
			if (j == nc) {
				seen[nc] = d->unit[i];
				per[nc++] = 0;
			}
			per[j] += d->v[i];
		} else {
			per[nc++] = d->v[i];
		}
	}
	for (i = 0; i < nc; i++) {
		e.n++;
		e.sum += per[i];
		if (per[i] > e.top1) {
			e.top2 = e.top1;
			e.top1 = per[i];
		} else if (per[i] > e.top2) {
			e.top2 = per[i];
		}
	}
	return e;
}

static int
near(double a, double b)
{
	double d = a - b;

	return d < 1e-6 && d > -1e-6;
}

/* Run one configuration; returns a description of the first problem. */
static const char *
run_one(const struct data *d, size_t k, int margins, int units, int sum,
    const char *path)
{
	static char why[SDC_ERR_MSG_MAX + 64];
	static const char *groups[K] = { "a", "b", "c" };
	struct sdc_count_opts o;
	struct sdc_err err;
	struct sdc_input *in, *back;
	struct sdc_csv_reader *r, *rb;
	struct sdc_output *out;
	const struct sdc_csv_row *row;
	char *csv, prev[K][32];
	size_t len, rows = 0, want_rows = 0, j, m;
	int rc, have_prev = 0;

	memset(&o, 0, sizeof(o));
	o.ngroup = k;
	o.group = groups;
	o.margins = margins;
	o.unit = units ? "unit" : NULL;
	o.sum = sum ? "v" : NULL;
	sdc_err_clear(&err);
	csv = to_csv(d, &len);
	in = sdc_input_mem(csv, len, "mem", &err);
	r = sdc_csv_reader_new(in, 0, &err);
	out = sdc_output_open(path, &err);
	if (r == NULL || out == NULL)
		return "setup failed";
	rc = sdc_count_run(&o, r, out, &err);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	free(csv);
	if (rc != 0) {
		sdc_output_abort(out);
		snprintf(why, sizeof(why), "count failed: %s", err.msg);
		return why;
	}
	if (sdc_output_commit(out, &err) != 0)
		return "commit failed";

	/* How many distinct cells should there be? */
	for (m = 0; m < (margins ? 1u << k : 1u); m++) {
		const char *seen[NROW_MAX][K];
		size_t ns = 0, i, s;

		for (i = 0; i < d->n; i++) {
			for (s = 0; s < ns; s++) {
				for (j = 0; j < k; j++)
					if (!(m & (1u << j)) &&
					    strcmp(seen[s][j], d->g[i][j]) != 0)
						break;
				if (j == k)
					break;
			}
			if (s == ns) {
				for (j = 0; j < k; j++)
					seen[ns][j] = d->g[i][j];
				ns++;
			}
		}
		want_rows += ns ? ns : (m == (1u << k) - 1 ? 1 : 0);
	}

	back = sdc_input_open(path, &err);
	rb = back ? sdc_csv_reader_new(back, 0, &err) : NULL;
	if (rb == NULL)
		return "cannot read output back";
	while ((rc = sdc_csv_reader_next(rb, &row, &err)) == 1) {
		const char *cell[K];
		struct expect e;
		int present;
		uint64_t n = strtoull(row->field[k], NULL, 10);

		rows++;
		if (row->n != k + (sum ? 4u : 1u))
			return "wrong number of columns";
		for (j = 0; j < k; j++) {
			int tot = strcmp(row->field[j], "Total") == 0;

			if (tot && !margins)
				return "Total without --margins";
			cell[j] = tot ? NULL : row->field[j];
		}
		e = brute(d, cell, k, units, &present);
		if (!present && !(d->n == 0 && margins))
			return "cell for rows that do not exist";
		if (n != e.n) {
			snprintf(why, sizeof(why), "n %llu, brute force %llu "
			    "(row %zu)", (unsigned long long)n,
			    (unsigned long long)e.n, rows);
			return why;
		}
		if (sum && (!near(strtod(row->field[k + 1], NULL), e.sum) ||
		    !near(strtod(row->field[k + 2], NULL), e.top1) ||
		    !near(strtod(row->field[k + 3], NULL), e.top2)))
			return "sum/top1/top2 differ from brute force";
		/* order: lexicographic, Total after every value */
		if (have_prev) {
			int c = 0;

			for (j = 0; j < k && c == 0; j++) {
				int pt = strcmp(prev[j], "Total") == 0;
				int ct = cell[j] == NULL;

				c = pt != ct ? (pt ? 1 : -1) :
				    pt ? 0 : vcmp(prev[j], cell[j]);
			}
			if (c >= 0)
				return "rows out of order or repeated";
		}
		for (j = 0; j < k; j++)
			snprintf(prev[j], sizeof(prev[j]), "%s",
			    cell[j] ? cell[j] : "Total");
		have_prev = 1;
	}
	sdc_csv_reader_free(rb);
	sdc_input_free(back);
	if (rc != 0)
		return "output is not valid CSV";
	if (rows != want_rows) {
		snprintf(why, sizeof(why), "%zu rows, expected %zu", rows,
		    want_rows);
		return why;
	}
	return NULL;
}

int
main(void)
{
	char path[] = "/tmp/t_count.XXXXXX";
	int fd = mkstemp(path), cfg, trial, bad[16] = { 0 };
	struct data *d = malloc(sizeof(*d));
	const char *why[16] = { 0 };

	if (fd < 0 || d == NULL)
		return 1;
	close(fd);
	for (trial = 0; trial < 60; trial++) {
		size_t i, j, k = 1 + (size_t)trial % K;

		d->n = trial % 10 == 0 ? 0 : 1 + rnd() % NROW_MAX;
		for (i = 0; i < d->n; i++) {
			for (j = 0; j < K; j++)
				d->g[i][j] = vals[j][rnd() % nvals[j]];
			d->unit[i] = (int)(rnd() % (d->n / 2 + 1));
			d->v[i] = (double)(rnd() % 1000) / 4;
		}
		for (cfg = 0; cfg < 8; cfg++) {
			const char *w = run_one(d, k, cfg & 1, cfg & 2, cfg & 4,
			    path);

			if (w != NULL && bad[cfg]++ == 0)
				why[cfg] = w;
		}
	}
	for (cfg = 0; cfg < 8; cfg++)
		if (!ok(bad[cfg] == 0, "60 random tables: %s%s%s match brute "
		    "force", cfg & 1 ? "margins " : "", cfg & 2 ? "units " : "",
		    cfg & 4 ? "sums" : "counts"))
			printf("#   %d failures, first: %s\n", bad[cfg], why[cfg]);
	unlink(path);
	free(d);
	return done();
}
