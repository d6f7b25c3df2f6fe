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
#include <unistd.h>

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

/*
 * Find the data directory sub (such as "tests/data") by a file probe
 * inside it: from the working directory, else from the directory of
 * the binary argv0 and up to five levels above it.  The path goes to
 * dir (n bytes); returns 0, or -1 when not found.
 */
static inline int
tap_find_dir(const char *argv0, const char *sub, const char *probe,
    char *dir, size_t n)
{
	const char *slash = strrchr(argv0, '/');
	char path[8192];
	int up, i;

	snprintf(dir, n, "%s", sub);
	snprintf(path, sizeof(path), "%s/%s", dir, probe);
	if (access(path, R_OK) == 0)
		return 0;
	for (up = 1; slash != NULL && up <= 5; up++) {
		size_t off = (size_t)snprintf(dir, n, "%.*s",
		    (int)(slash - argv0), argv0);

		for (i = 0; i < up && off < n; i++)
			off += (size_t)snprintf(dir + off, n - off, "/..");
		if (off < n)
			snprintf(dir + off, n - off, "/%s", sub);
		snprintf(path, sizeof(path), "%s/%s", dir, probe);
		if (access(path, R_OK) == 0)
			return 0;
	}
	return -1;
}

static int
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
