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

#ifdef BENCH_OUT
/*
 * Buffered standard output for the generators that define BENCH_OUT
 * (the program's name, for messages): append with put() and putu(), or
 * straight into buf[len++]; call flush() when len nears sizeof(buf)
 * and at the end.
 */
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];
static size_t len;

static void
flush(void)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = write(STDOUT_FILENO, buf + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror(BENCH_OUT ": write");
			exit(2);
		}
		off += (size_t)w;
	}
	len = 0;
}

static void
put(const char *s)
{
	size_t n = strlen(s);

	memcpy(buf + len, s, n);
	len += n;
}

/* Append v in decimal, zero-padded to at least width digits. */
static void
putu(uint64_t v, int width)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || i < width);
	while (i > 0)
		buf[len++] = tmp[--i];
}
#endif

#endif
