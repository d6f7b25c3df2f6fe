/*
 * sha256.h - SHA-256 (FIPS 180-4), for recording exactly which bytes a
 * check looked at.  The context is caller-owned; no allocation.
 */
#ifndef SDC_SHA256_H
#define SDC_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sdc_sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sdc_sha256_init(struct sdc_sha256 *s);
void sdc_sha256_update(struct sdc_sha256 *s, const void *p, size_t n);
/* The digest as 64 lower-case hex digits and a NUL into hex. */
void sdc_sha256_hex(struct sdc_sha256 *s, char hex[65]);

#endif
