/*
 * rng.h - the one source of randomness in libsdc: GSL's MT19937,
 * seeded explicitly by the caller, so that a run is reproducible from
 * its seed.  Nothing here reads the clock or the environment.
 *
 * Lifecycle: sdc_rng_new -> sdc_rng_uniform as often as needed ->
 * sdc_rng_free.  The handle owns the generator and its state.
 */
#ifndef SDC_RNG_H
#define SDC_RNG_H

#include <stdint.h>

#include "err.h"

/*
 * MT19937 takes a 32-bit seed; larger seeds are refused rather than
 * truncated, so two different seeds never silently mean the same one.
 * One exception is GSL's: seed 0 selects the same sequence as 4357.
 */
#define SDC_RNG_SEED_MAX 4294967295ULL

/*
 * A generator seeded with seed (0 .. SDC_RNG_SEED_MAX).  NULL with err
 * set on a seed out of range (SDC_EUSAGE) or lack of memory.
 */
struct sdc_rng *sdc_rng_new(uint64_t seed, struct sdc_err *err);

/* The next draw, uniform on [0, 1) with 32 random bits. */
double sdc_rng_uniform(struct sdc_rng *rng);

/* Release the generator.  NULL is allowed. */
void sdc_rng_free(struct sdc_rng *rng);

#endif
