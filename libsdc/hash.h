/*
 * hash.h - hashing and an insert-only map from byte strings to dense
 * ids (0, 1, 2, ... in order of first insertion).  The map copies every
 * key into storage it owns; pointers from sdc_hmap_key stay valid until
 * the next insertion.
 */
#ifndef SDC_HASH_H
#define SDC_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

uint64_t sdc_hash_bytes(const void *p, size_t n);

/*
 * Hash a key given in parts: h = SDC_HASH_SEED, then h = sdc_hash_step(
 * h, part, len) per part, then sdc_hash_final(h).  Not equal to
 * sdc_hash_bytes of the joined parts; use one scheme per map.
 */
#define SDC_HASH_SEED 0x8bb84b93962eacc9ULL

/* The pieces below are inline: they sit on the per-record path. */
static inline uint64_t
sdc_hash_mix_(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static inline uint64_t
sdc_hash_fmix_(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static inline uint64_t
sdc_hash_read64_(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t
sdc_hash_read32_(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Fold n bytes into h.  Short tails are read as overlapping words rather
 * than copied byte by byte, so keys of a dozen bytes cost a few
 * multiplications and no library call.
 */
static inline uint64_t
sdc_hash_step(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t w;

	h ^= n;
	if (n > 8) {
		size_t left = n;

		while (left > 8) {
			h = sdc_hash_mix_(h, sdc_hash_read64_(s));
			s += 8;
			left -= 8;
		}
		w = sdc_hash_read64_(s + left - 8);	/* the last 8 bytes */
	} else if (n >= 4) {
		w = sdc_hash_read32_(s) << 32 | sdc_hash_read32_(s + n - 4);
	} else if (n > 0) {
		w = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1];
	} else {
		w = 0;
	}
	return sdc_hash_mix_(h, w);
}

/* Equality of two n-byte keys without a library call for short ones. */
static inline int
sdc_hash_same(const void *pa, const void *pb, size_t n)
{
	const unsigned char *a = pa, *b = pb;

	if (n >= 8) {
		size_t i;

		for (i = 0; i + 8 <= n; i += 8)
			if (sdc_hash_read64_(a + i) != sdc_hash_read64_(b + i))
				return 0;
		return sdc_hash_read64_(a + n - 8) == sdc_hash_read64_(b + n - 8);
	}
	if (n >= 4)
		return sdc_hash_read32_(a) == sdc_hash_read32_(b) &&
		    sdc_hash_read32_(a + n - 4) == sdc_hash_read32_(b + n - 4);
	while (n-- > 0)
		if (a[n] != b[n])
			return 0;
	return 1;
}

static inline uint64_t
sdc_hash_final(uint64_t h)
{
	return sdc_hash_fmix_(h);
}

struct sdc_hmap {
	uint32_t *slot;		/* id + 1, or 0 for empty */
	size_t nslot;		/* power of two */
	uint64_t *hash;		/* per id */
	size_t *off;		/* per id: key offset in keys */
	size_t n, cap;
	char *keys;
	size_t klen, kcap;
};

void sdc_hmap_init(struct sdc_hmap *m);
void sdc_hmap_release(struct sdc_hmap *m);

/*
 * Id of key (n bytes, hash h from sdc_hash_bytes), adding it if new
 * (*added then 1).  Returns -1 when out of memory or past 2^32-2 keys.
 */
int64_t sdc_hmap_put(struct sdc_hmap *m, const void *key, size_t n,
    uint64_t h, int *added);

/*
 * The ids whose stored hash is h, one per call, for callers that compare
 * keys themselves: set *state = SDC_HMAP_START, then call until -1.
 */
#define SDC_HMAP_START ((size_t)-1)
int64_t sdc_hmap_probe(const struct sdc_hmap *m, uint64_t h, size_t *state);

/* Id of key, or -1 if absent. */
int64_t sdc_hmap_get(const struct sdc_hmap *m, const void *key, size_t n,
    uint64_t h);

/* The key of id and its length. */
const char *sdc_hmap_key(const struct sdc_hmap *m, uint32_t id, size_t *n);

#endif
