/*
 * gen: write a seeded, synthetic patient-level CSV to stdout for the
 * sdc-count benchmark (scripts/bench/count).  Not part of the toolkit.
 *
 *   gen [--rows N] [--seed S]
 *
 * Columns: patient_id,sex,age_band,region,stp,has_asthma,date_of_death.
 * patient_id ascends from about 1e9 with random gaps that take it past
 * 2^32; one region is written quoted with a comma inside; sex is ~1%
 * empty; date_of_death is ~2% set.  Same seed, same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_OUT "gen"
#include "bench.h"

/* Uniform in [0, n); the modulo bias is irrelevant for n this small. */
static uint32_t
below(uint32_t n)
{
	return (uint32_t)((next() >> 32) % n);
}

struct choice {
	const char *s;
	unsigned weight;	/* per mille */
};

/* Weights out of 1000, roughly the English population split. */
static const struct choice sexes[] = {
	{ "F", 494 }, { "M", 494 }, { "U", 2 }, { "", 10 },
};
static const struct choice ages[] = {
	{ "0-17", 210 }, { "18-39", 290 }, { "40-64", 310 },
	{ "65-79", 130 }, { "80+", 60 },
};
static const struct choice regions[] = {
	{ "North East", 48 }, { "North West", 131 },
	{ "\"Yorkshire, and the Humber\"", 111 }, { "East Midlands", 86 },
	{ "West Midlands", 105 }, { "East", 111 }, { "London", 155 },
	{ "South East", 164 }, { "South West", 89 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
pick(const struct choice *c, size_t n)
{
	unsigned r = below(1000);
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (r < c[i].weight)
			return c[i].s;
		r -= c[i].weight;
	}
	return c[n - 1].s;
}


static uint64_t
parse(const char *flag, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-') {
		fprintf(stderr, "gen: %s: bad number '%s'\n", flag, arg);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t rows = 1000, seed = 1, id, gap, r;
	int i, y, m, d;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = parse(argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = parse(argv[i], argv[i + 1]), i++;
		else {
			fputs("usage: gen [--rows N] [--seed S]\n", stderr);
			return 2;
		}
	}
	state = seed;
	/* Mean gap chosen so the last ids pass 2^32 whatever the row count. */
	gap = rows ? 2 * 4000000000ULL / rows : 1;
	if (gap < 2)
		gap = 2;
	id = 1000000000;

	put("patient_id,sex,age_band,region,stp,has_asthma,date_of_death\n");
	for (r = 0; r < rows; r++) {
		if (len > sizeof(buf) - 256)
			flush();
		id += 1 + next() % gap;
		putu(id, 1);
		buf[len++] = ',';
		put(pick(sexes, NELEM(sexes)));
		buf[len++] = ',';
		put(pick(ages, NELEM(ages)));
		buf[len++] = ',';
		put(pick(regions, NELEM(regions)));
		put(",E540000");
		putu(5 + below(40), 2);
		buf[len++] = ',';
		buf[len++] = below(100) < 12 ? 'T' : 'F';
		buf[len++] = ',';
		if (below(100) < 2) {
			y = 2015 + (int)below(10);
			m = 1 + (int)below(12);
			d = mdays[m - 1] + (m == 2 && y % 4 == 0);
			d = 1 + (int)below((uint32_t)d);
			putu((uint64_t)y, 4);
			buf[len++] = '-';
			putu((uint64_t)m, 2);
			buf[len++] = '-';
			putu((uint64_t)d, 2);
		}
		buf[len++] = '\n';
	}
	flush();
	return 0;
}
