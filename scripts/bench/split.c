/*
 * split: the speed floor for sdc-count in scripts/bench/count.  Counts
 * rows per distinct pair of values in two columns of a CSV file, the
 * fastest simple way: read() in big blocks, memchr for '\n' and ',',
 * hash into an open-addressing table.  It ignores quoting and does no
 * validation, so its groups are wrong on quoted commas: a floor, not a
 * tool.  Not part of the toolkit.
 *
 *   split FILE COL1 COL2        (columns numbered from 1; header skipped)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (1 << 20)

struct slot {
	uint64_t hash;
	char *key;	/* "a\x1fb", malloc'd; NULL when empty */
	size_t len;
	uint64_t n;
};

static struct slot *tab;
static size_t cap = 64, used;

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		perror("split");
		exit(2);
	}
	return p;
}

/* FNV-1a over both fields with a separator between them. */
static uint64_t
hash2(const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < alen; i++)
		h = (h ^ (unsigned char)a[i]) * 0x100000001b3ULL;
	h = (h ^ 0x1f) * 0x100000001b3ULL;
	for (i = 0; i < blen; i++)
		h = (h ^ (unsigned char)b[i]) * 0x100000001b3ULL;
	return h;
}

static void
grow(void)
{
	struct slot *old = tab;
	size_t oldcap = cap, i, j;

	cap *= 2;
	tab = xcalloc(cap, sizeof(*tab));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		for (j = old[i].hash & (cap - 1); tab[j].key; j = (j + 1) & (cap - 1))
			;
		tab[j] = old[i];
	}
	free(old);
}

static void
count(const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t h = hash2(a, alen, b, blen);
	size_t j, len = alen + 1 + blen;
	struct slot *s;

	for (j = h & (cap - 1); (s = &tab[j])->key; j = (j + 1) & (cap - 1)) {
		if (s->hash == h && s->len == len && memcmp(s->key, a, alen) == 0 &&
		    memcmp(s->key + alen + 1, b, blen) == 0) {
			s->n++;
			return;
		}
	}
	s->key = xcalloc(1, len + 1);
	memcpy(s->key, a, alen);
	s->key[alen] = '\x1f';
	memcpy(s->key + alen + 1, b, blen);
	s->hash = h;
	s->len = len;
	s->n = 1;
	if (++used * 2 > cap)
		grow();
}

/* Find field col (0-based) of line [p, end); returns its start, sets *len. */
static const char *
field(const char *p, const char *end, size_t col, size_t *len)
{
	const char *c;

	while (col-- > 0) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL) {
			*len = 0;
			return end;
		}
		p = c + 1;
	}
	c = memchr(p, ',', (size_t)(end - p));
	*len = (size_t)((c ? c : end) - p);
	return p;
}

static void
line(const char *p, const char *end, size_t c1, size_t c2)
{
	const char *a, *b;
	size_t alen, blen;

	if (end > p && end[-1] == '\r')
		end--;
	a = field(p, end, c1, &alen);
	b = field(p, end, c2, &blen);
	count(a, alen, b, blen);
}

static size_t
column(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 1000) {
		fprintf(stderr, "split: bad column '%s'\n", s);
		exit(2);
	}
	return v - 1;
}

int
main(int argc, char **argv)
{
	char *buf, *p, *nl, *end;
	size_t c1, c2, have = 0, i;
	ssize_t r;
	int fd, header = 1;

	if (argc != 4) {
		fputs("usage: split FILE COL1 COL2\n", stderr);
		return 2;
	}
	c1 = column(argv[2]);
	c2 = column(argv[3]);
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 2;
	}
	tab = xcalloc(cap, sizeof(*tab));
	buf = xcalloc(1, 2 * BLOCK);
	/* Invariant: buf[0..have) is the unfinished tail of the last block. */
	for (;;) {
		r = read(fd, buf + have, 2 * BLOCK - have);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror(argv[1]);
			return 2;
		}
		if (r == 0)
			break;
		p = buf;
		end = buf + have + (size_t)r;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (!header)
				line(p, nl, c1, c2);
			header = 0;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have == 2 * BLOCK) {
			fputs("split: line too long\n", stderr);
			return 2;
		}
		memmove(buf, p, have);
	}
	if (have > 0 && !header)
		line(buf, buf + have, c1, c2);
	for (i = 0; i < cap; i++) {
		if (tab[i].key == NULL)
			continue;
		p = memchr(tab[i].key, '\x1f', tab[i].len);
		*p = ',';
		printf("%s,%llu\n", tab[i].key, (unsigned long long)tab[i].n);
	}
	return fclose(stdout) == 0 ? 0 : 2;
}
