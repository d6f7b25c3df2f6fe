/*
 * tap.h - a minimal Test Anything Protocol emitter for the unit tests.
 * ok(cond, fmt, ...) per check; return done() from main, which prints
 * the plan last, so a binary that dies midway leaves no plan and the
 * runner counts it as failed.
 */
#ifndef SDC_TAP_H
#define SDC_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

/* String equality with a diagnostic showing both sides. */
#define is_str(got, want, ...) \
	(ok(strcmp((got), (want)) == 0, __VA_ARGS__) ? 1 : \
	    (printf("#   got:  '%s'\n#   want: '%s'\n", (got), (want)), 0))

/* xorshift64: a seeded generator for randomised tests. */
static inline unsigned long long
tap_rand(unsigned long long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static int
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
