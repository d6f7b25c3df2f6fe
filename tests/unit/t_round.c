/*
 * t_round.c - rounding schemes against hand-written tables and
 * independent brute-force definitions, overflow refusal, the seeded
 * generator, random rounding (reproducible, only to the two neighbouring
 * multiples, unbiased), and totals over a table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsdc/sdc.h"
#include "tests/unit/tap.h"

#define N 51	/* the tables cover 0..50 */

/* Written out by hand, ten values a line. */
static const int64_t base5[N] = {
	0, 0, 0, 5, 5, 5, 5, 5, 10, 10,
	10, 10, 10, 15, 15, 15, 15, 15, 20, 20,
	20, 20, 20, 25, 25, 25, 25, 25, 30, 30,
	30, 30, 30, 35, 35, 35, 35, 35, 40, 40,
	40, 40, 40, 45, 45, 45, 45, 45, 50, 50,
	50
};
static const int64_t base10[N] = {
	0, 0, 0, 0, 0, 10, 10, 10, 10, 10,
	10, 10, 10, 10, 10, 20, 20, 20, 20, 20,
	20, 20, 20, 20, 20, 30, 30, 30, 30, 30,
	30, 30, 30, 30, 30, 40, 40, 40, 40, 40,
	40, 40, 40, 40, 40, 50, 50, 50, 50, 50,
	50
};
static const int64_t mid6[N] = {
	0, 3, 3, 3, 3, 3, 3, 9, 9, 9,
	9, 9, 9, 15, 15, 15, 15, 15, 15, 21,
	21, 21, 21, 21, 21, 27, 27, 27, 27, 27,
	27, 33, 33, 33, 33, 33, 33, 39, 39, 39,
	39, 39, 39, 45, 45, 45, 45, 45, 45, 51,
	51
};

static int64_t
nearest(int64_t x, int64_t b)
{
	int64_t v = -1;
	struct sdc_err err;

	if (sdc_round_nearest(x, b, &v, &err) != 0)
		return -1;
	return v;
}

static int64_t
midpoint(int64_t x, int64_t b)
{
	int64_t v = -1;
	struct sdc_err err;

	if (sdc_round_midpoint(x, b, &v, &err) != 0)
		return -1;
	return v;
}

/* Nearest multiple by search: the closest, the larger on a tie. */
static int64_t
brute_nearest(int64_t x, int64_t b)
{
	int64_t m, best = 0;

	for (m = 0; m <= x + b; m += b)
		if (llabs(x - m) <= llabs(x - best))
			best = m;
	return best;
}

/* Midpoint by search: the first multiple not below x, less half a base. */
static int64_t
brute_midpoint(int64_t x, int64_t b)
{
	int64_t m = 0;

	if (x == 0)
		return 0;
	while (m < x)
		m += b;
	return m - b / 2;
}

static void
test_tables(void)
{
	int64_t x, b;
	int bad;

	for (bad = 0, x = 0; x < N; x++)
		bad += nearest(x, 5) != base5[x];
	ok(bad == 0, "base 5 over 0..50 matches the table");
	for (bad = 0, x = 0; x < N; x++)
		bad += nearest(x, 10) != base10[x];
	ok(bad == 0, "base 10 over 0..50 matches the table");
	ok(nearest(5, 10) == 10 && nearest(15, 10) == 20 &&
	    nearest(25, 10) == 30 && nearest(35, 10) == 40 &&
	    nearest(45, 10) == 50, "base 10 ties 5..45 go up, never to even");
	ok(nearest(15, 10) == 20 && nearest(25, 10) == 30,
	    "15 -> 20 and 25 -> 30 (banker's rounding would give 20, 20)");
	ok(nearest(1, 2) == 2 && nearest(3, 2) == 4 && nearest(2, 4) == 4,
	    "even bases: the half goes up");
	for (bad = 0, x = 0; x < N; x++)
		bad += midpoint(x, 6) != mid6[x];
	ok(bad == 0, "midpoint 6 over 0..50 matches the table");
	for (bad = 0, x = 1; x <= 500; x++)
		bad += !(midpoint(x, 6) - 2 <= x &&
		    x <= midpoint(x, 6) + 3 && (midpoint(x, 6) - 3) % 6 == 0);
	ok(bad == 0, "midpoint 6: a published m stands for m-2..m+3");
	ok(midpoint(1, 5) == 3 && midpoint(5, 5) == 3 && midpoint(6, 5) == 8,
	    "midpoint 5: 1..5 -> 3, 6..10 -> 8");
	for (bad = 0, b = 1; b <= 12; b++)
		for (x = 0; x <= 200; x++)
			bad += nearest(x, b) != brute_nearest(x, b) ||
			    midpoint(x, b) != brute_midpoint(x, b);
	ok(bad == 0, "bases 1..12 over 0..200 agree with search");
}

static void
test_limits(void)
{
	struct sdc_err err;
	int64_t v = 42;

	ok(sdc_round_nearest(INT64_MAX, 10, &v, &err) != 0 &&
	    err.code == SDC_ELIMIT && v == 42,
	    "base 10: INT64_MAX would round past INT64_MAX: refused");
	ok(strstr(err.msg, "9223372036854775807") != NULL,
	    "the message names the count: %s", err.msg);
	ok(sdc_round_nearest(INT64_MAX, 5, &v, &err) == 0 &&
	    v == INT64_MAX - 2, "base 5: INT64_MAX rounds down, no overflow");
	ok(sdc_round_nearest(INT64_MAX - 1, INT64_MAX, &v, &err) == 0 &&
	    v == INT64_MAX, "base INT64_MAX: up to INT64_MAX itself");
	ok(sdc_round_nearest(1, INT64_MAX, &v, &err) == 0 && v == 0,
	    "base INT64_MAX: 1 rounds to 0");
	v = 42;
	ok(sdc_round_midpoint(INT64_MAX, 6, &v, &err) != 0 &&
	    err.code == SDC_ELIMIT && v == 42, "midpoint 6: INT64_MAX refused");
	ok(sdc_round_midpoint(INT64_MAX - 1, 6, &v, &err) == 0 &&
	    v == INT64_MAX - 4, "midpoint 6: INT64_MAX - 1 fits");
	ok(sdc_round_nearest(-1, 5, &v, &err) != 0 && err.code == SDC_EUSAGE,
	    "negative count refused");
	ok(sdc_round_nearest(1, 0, &v, &err) != 0 &&
	    sdc_round_midpoint(1, -6, &v, &err) != 0, "base < 1 refused");
}

static void
test_rng(void)
{
	struct sdc_err err;
	struct sdc_rng *a = sdc_rng_new(7, &err), *b = sdc_rng_new(7, &err);
	struct sdc_rng *c = sdc_rng_new(8, &err);
	int same = 1, diff = 0, range = 1, i;

	ok(a != NULL && b != NULL && c != NULL, "generators made");
	for (i = 0; i < 1000; i++) {
		double x = sdc_rng_uniform(a), y = sdc_rng_uniform(b);
		double z = sdc_rng_uniform(c);

		same &= x == y;
		diff += x != z;
		range &= x >= 0 && x < 1;
	}
	ok(same, "same seed, same draws");
	ok(diff > 990, "another seed, other draws");
	ok(range, "draws lie in [0, 1)");
	sdc_rng_free(a);
	sdc_rng_free(b);
	sdc_rng_free(c);
	ok(sdc_rng_new(SDC_RNG_SEED_MAX + 1, &err) == NULL &&
	    err.code == SDC_EUSAGE, "a seed beyond 32 bits is refused");
	a = sdc_rng_new(SDC_RNG_SEED_MAX, &err);
	ok(a != NULL, "the largest seed is accepted");
	sdc_rng_free(a);
	sdc_rng_free(NULL);
}

/* Random rounding of 0..50 to base 5 with a fresh generator. */
static int
random_row(uint64_t seed, int64_t *out)
{
	struct sdc_err err;
	struct sdc_rng *rng = sdc_rng_new(seed, &err);
	int64_t x;

	if (rng == NULL)
		return -1;
	for (x = 0; x < N; x++)
		if (sdc_round_random(x, 5, rng, &out[x], &err) != 0)
			return -1;
	sdc_rng_free(rng);
	return 0;
}

static void
test_random(void)
{
	enum { SEEDS = 4000 };
	static double mean[N];
	int64_t r1[N], r2[N], r3[N], x, v;
	struct sdc_err err;
	struct sdc_rng *a, *b;
	double worst = 0;
	int neighbours = 1, differ = 0, ok_rows = 1, bad;
	uint64_t s;

	ok(random_row(1, r1) == 0 && random_row(1, r2) == 0 &&
	    random_row(2, r3) == 0, "random rounding runs");
	ok(memcmp(r1, r2, sizeof(r1)) == 0, "same seed: same rounding");
	for (x = 0; x < N; x++)
		differ += r1[x] != r3[x];
	ok(differ > 0, "another seed: another rounding (%d differ)", differ);
	for (s = 1; s <= SEEDS; s++) {
		if (random_row(s, r1) != 0) {
			ok_rows = 0;
			break;
		}
		for (x = 0; x < N; x++) {
			int64_t lo = x / 5 * 5, hi = x % 5 ? lo + 5 : lo;

			neighbours &= r1[x] == lo || r1[x] == hi;
			mean[x] += (double)r1[x] / SEEDS;
		}
	}
	ok(ok_rows, "%d seeds rounded", SEEDS);
	ok(neighbours, "only ever the two neighbouring multiples; multiples "
	    "stay");
	for (x = 0; x < N; x++)
		if (mean[x] - (double)x > worst || (double)x - mean[x] > worst)
			worst = mean[x] > (double)x ? mean[x] - (double)x :
			    (double)x - mean[x];
	/* standard error of a mean is at most 2.5 / sqrt(4000) = 0.04 */
	ok(worst < 0.25, "unbiased: every mean within 0.25 of x (worst %.3f)",
	    worst);

	a = sdc_rng_new(99, &err);
	b = sdc_rng_new(99, &err);
	ok(sdc_round_random(35, 5, a, &v, &err) == 0 && v == 35 &&
	    sdc_rng_uniform(a) == sdc_rng_uniform(b),
	    "a multiple stays and takes no draw");
	ok(sdc_round_random(36, 5, a, &v, &err) == 0 &&
	    v == (sdc_rng_uniform(b) * 5 < 1 ? 40 : 35),
	    "one draw u: up when u * base < x mod base");
	for (bad = 0, s = 0; s < 200; s++) {
		v = 42;
		if (sdc_round_random(INT64_MAX, 10, a, &v, &err) == 0)
			bad += v != INT64_MAX - 7;
		else
			bad += err.code != SDC_ELIMIT || v != 42;
	}
	ok(bad == 0, "near INT64_MAX: down, or refused going up; no wrap");
	sdc_rng_free(a);
	sdc_rng_free(b);
}

static void
test_markers(void)
{
	static const char *yes[] = { "[REDACTED]", "[redacted]", "Redacted",
	    "NA", "na", "n/a", "N/A", "<=7" };
	static const char *no[] = { "", "0", "7", "<7", "redact", " na", "NaN",
	    "*" };
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		bad += !sdc_round_is_marker(yes[i], NULL);
	ok(bad == 0, "the standard markers, in any case");
	for (bad = 0, i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		bad += sdc_round_is_marker(no[i], NULL);
	ok(bad == 0, "near misses are not markers");
	ok(sdc_round_is_marker("*", "*") && sdc_round_is_marker("na", "*"),
	    "a chosen marker adds to the list");
}

/* Read csv into t and round it with o; 0 or -1. */
static int
round_csv(struct sdc_table *t, const char *csv,
    const struct sdc_round_opts *o, struct sdc_err *err)
{
	struct sdc_input *in = sdc_input_mem(csv, strlen(csv), "t", err);
	struct sdc_csv_reader *r = in ? sdc_csv_reader_new(in, 0, err) : NULL;
	int rc = -1;

	sdc_table_init(t);
	if (r != NULL && sdc_table_read(t, r, err) == 0)
		rc = sdc_round_table(t, o, err);
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return rc;
}

/* Column c of every row, joined with spaces. */
static const char *
column(const struct sdc_table *t, size_t c)
{
	static char buf[1024];
	size_t r, n = 0;

	buf[0] = '\0';
	for (r = 0; r < t->nrow; r++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    r ? " " : "", sdc_table_get(t, r, c));
	return buf;
}

static void
test_table(void)
{
	/* a 2x2 table with all margins, as sdc-count --margins writes it */
	static const char grid[] =
	    "s,g,n\n"
	    "F,a,3\nF,b,4\nF,Total,7\n"
	    "M,a,8\nM,b,13\nM,Total,21\n"
	    "Total,a,11\nTotal,b,17\nTotal,Total,28\n";
	static const char hidden[] =
	    "s,g,n\n"
	    "F,a,[REDACTED]\nF,b,4\nF,Total,7\n"
	    "M,a,8\nM,b,13\nM,Total,21\n"
	    "Total,a,11\nTotal,b,17\nTotal,Total,28\n";
	struct sdc_round_opts o;
	struct sdc_table t;
	struct sdc_err err;
	struct sdc_rng *rng;
	int64_t want[4];
	char buf[128];
	int i;

	memset(&o, 0, sizeof(o));
	o.scheme = SDC_ROUND_NEAREST;
	o.base = 5;
	ok(round_csv(&t, grid, &o, &err) == 0, "round a 2x2 table");
	/* leaves 3 4 8 13 -> 5 5 10 15; totals are the sums */
	is_str(column(&t, 2), "5 5 10 10 15 25 15 20 35",
	    "recompute: totals are sums of rounded leaves");
	sdc_table_release(&t);

	o.totals = SDC_ROUND_INDEPENDENT;
	ok(round_csv(&t, grid, &o, &err) == 0, "round totals independently");
	is_str(column(&t, 2), "5 5 5 10 15 20 10 15 30",
	    "round: every total rounded on its own");
	sdc_table_release(&t);

	o.totals = SDC_ROUND_RECOMPUTE;
	ok(round_csv(&t, hidden, &o, &err) == 0, "table with a redacted leaf");
	is_str(column(&t, 2), "[REDACTED] 5 5 10 15 25 10 20 30",
	    "totals over the redacted leaf rounded alone, others summed");
	sdc_table_release(&t);

	ok(round_csv(&t, "g,n\na,3\nTotal,9\n", &o, &err) == 0 &&
	    strcmp(column(&t, 1), "5 5") == 0,
	    "a one-way table: the total is the leaf's rounded value");
	sdc_table_release(&t);
	ok(round_csv(&t, "s,g,n\nF,a,3\nM,Total,9\n", &o, &err) == 0 &&
	    strcmp(column(&t, 2), "5 0") == 0,
	    "a total with no leaves in the table is 0");
	sdc_table_release(&t);

	ok(round_csv(&t, "g,n\na,6000000000000000000\nb,6000000000000000000\n"
	    "Total,1\n", &o, &err) != 0 && err.code == SDC_ELIMIT &&
	    err.line == 4, "a sum past INT64_MAX is refused at the total");
	sdc_table_release(&t);
	ok(round_csv(&t, "g,n\na,x\n", &o, &err) != 0 &&
	    err.code == SDC_EDATA && err.line == 2 &&
	    strstr(err.msg, "column 'n'") != NULL,
	    "not a count: refused with line and column (%s)", err.msg);
	sdc_table_release(&t);

	/* draws in row order, then header order within a row */
	o.scheme = SDC_ROUND_RANDOM;
	o.seed = 12345;
	o.ncolumn = 2;
	o.column = (const char *const[]){ "m", "n" };
	o.totals = SDC_ROUND_INDEPENDENT;
	ok(round_csv(&t, "g,n,m\na,1,2\nb,5,4\nc,3,10\n", &o, &err) == 0,
	    "random rounding of two columns");
	rng = sdc_rng_new(12345, &err);
	{
		static const int64_t x[4] = { 1, 2, 4, 3 };	/* no multiples */

		for (i = 0; i < 4; i++)
			want[i] = sdc_rng_uniform(rng) * 5 < (double)x[i] ?
			    5 : 0;
	}
	snprintf(buf, sizeof(buf), "%lld,%lld 5,%lld %lld,10",
	    (long long)want[0], (long long)want[1], (long long)want[2],
	    (long long)want[3]);
	{
		char got[128];
		size_t r, n = 0;

		for (r = 0; r < t.nrow; r++)
			n += (size_t)snprintf(got + n, sizeof(got) - n,
			    "%s%s,%s", r ? " " : "", sdc_table_get(&t, r, 1),
			    sdc_table_get(&t, r, 2));
		is_str(got, buf, "one draw per non-multiple, row by row");
	}
	sdc_rng_free(rng);
	sdc_table_release(&t);
}

int
main(void)
{
	test_tables();
	test_limits();
	test_rng();
	test_random();
	test_markers();
	test_table();
	return done();
}
