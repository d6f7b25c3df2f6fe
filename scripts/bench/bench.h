/*
 * bench.h - shared by the benchmark data generators (each a standalone
 * program): a seeded splitmix64 stream and a strict number argument.
 */
#ifndef SDC_BENCH_H
#define SDC_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static inline uint64_t
next(void)		/* splitmix64 */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A whole number for flag, or exit 2 naming prog. */
static inline uint64_t
parse_number(const char *prog, const char *flag, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-') {
		fprintf(stderr, "%s: %s: bad number '%s'\n", prog, flag, arg);
		exit(2);
	}
	return v;
}

#endif
