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

uint64_t sdc_hash_bytes(const void *p, size_t n);

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

/* Id of key, or -1 if absent. */
int64_t sdc_hmap_get(const struct sdc_hmap *m, const void *key, size_t n,
    uint64_t h);

/* The key of id and its length. */
const char *sdc_hmap_key(const struct sdc_hmap *m, uint32_t id, size_t *n);

#endif
