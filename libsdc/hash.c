/* hash.c - byte hashing and an insert-only string-to-id map. */
#include <stdlib.h>
#include <string.h>

#include "hash.h"

uint64_t
sdc_hash_bytes(const void *p, size_t n)
{
	return sdc_hash_final(sdc_hash_step(SDC_HASH_SEED, p, n));
}

void
sdc_hmap_init(struct sdc_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
sdc_hmap_release(struct sdc_hmap *m)
{
	free(m->slot);
	free(m->hash);
	free(m->off);
	free(m->keys);
	memset(m, 0, sizeof(*m));
}

static size_t
key_len(const struct sdc_hmap *m, uint32_t id)
{
	size_t end = id + 1 < m->n ? m->off[id + 1] : m->klen;

	return end - m->off[id];
}

static int
rehash(struct sdc_hmap *m)
{
	size_t ns = m->nslot ? m->nslot * 2 : 64, i;
	uint32_t *slot = calloc(ns, sizeof(*slot));

	if (slot == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		size_t j = (size_t)m->hash[i] & (ns - 1);

		while (slot[j] != 0)
			j = (j + 1) & (ns - 1);
		slot[j] = (uint32_t)i + 1;
	}
	free(m->slot);
	m->slot = slot;
	m->nslot = ns;
	return 0;
}

int64_t
sdc_hmap_probe(const struct sdc_hmap *m, uint64_t h, size_t *state)
{
	size_t j = *state == SDC_HMAP_START ? (size_t)h : *state;

	if (m->nslot == 0)
		return -1;
	for (j &= m->nslot - 1; m->slot[j] != 0; j = (j + 1) & (m->nslot - 1)) {
		uint32_t id = m->slot[j] - 1;

		if (m->hash[id] == h) {
			*state = j + 1;
			return id;
		}
	}
	return -1;
}

int64_t
sdc_hmap_get(const struct sdc_hmap *m, const void *key, size_t n, uint64_t h)
{
	size_t j;

	if (m->nslot == 0)
		return -1;
	for (j = (size_t)h & (m->nslot - 1); m->slot[j] != 0;
	    j = (j + 1) & (m->nslot - 1)) {
		uint32_t id = m->slot[j] - 1;

		if (m->hash[id] == h && key_len(m, id) == n &&
		    sdc_hash_same(m->keys ? m->keys + m->off[id] : "", key,
		    n))
			return id;
	}
	return -1;
}

int64_t
sdc_hmap_put(struct sdc_hmap *m, const void *key, size_t n, uint64_t h,
    int *added)
{
	int64_t id = sdc_hmap_get(m, key, n, h);
	size_t j;

	*added = 0;
	if (id >= 0)
		return id;
	if (m->n >= UINT32_MAX - 1)
		return -1;
	if ((m->n + 1) * 4 > m->nslot * 3 && rehash(m) != 0)
		return -1;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 64;
		uint64_t *hh = realloc(m->hash, nc * sizeof(*hh));
		size_t *oo;

		if (hh == NULL)
			return -1;
		m->hash = hh;
		if ((oo = realloc(m->off, nc * sizeof(*oo))) == NULL)
			return -1;
		m->off = oo;
		m->cap = nc;
	}
	if (m->klen + n > m->kcap) {
		size_t nk = m->kcap ? m->kcap * 2 : 1024;
		char *k;

		while (nk < m->klen + n)
			nk *= 2;
		if ((k = realloc(m->keys, nk)) == NULL)
			return -1;
		m->keys = k;
		m->kcap = nk;
	}
	if (n > 0)
		memcpy(m->keys + m->klen, key, n);
	m->off[m->n] = m->klen;
	m->hash[m->n] = h;
	m->klen += n;
	for (j = (size_t)h & (m->nslot - 1); m->slot[j] != 0;
	    j = (j + 1) & (m->nslot - 1))
		;
	m->slot[j] = (uint32_t)m->n + 1;
	*added = 1;
	return (int64_t)m->n++;
}

const char *
sdc_hmap_key(const struct sdc_hmap *m, uint32_t id, size_t *n)
{
	*n = key_len(m, id);
	return m->keys ? m->keys + m->off[id] : "";
}
