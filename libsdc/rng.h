/*
 * rng.h - the one source of randomness in libsdc: GSL's MT19937,
 * seeded explicitly by the caller, so that a run is reproducible from
 * its seed.  Nothing here reads the clock or the environment.
 *
 * Lifecycle: sdc_rng_new (or sdc_rng_stream_new) -> sdc_rng_uniform,
 * or GSL's distributions on sdc_rng_gsl, as often as needed ->
 * sdc_rng_free.  The handle owns the generator and its state.
 */
#ifndef SDC_RNG_H
#define SDC_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

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

/*
 * A stream: GSL's taus2, cheap to reseed, for callers that keep one
 * generator and reseed it per item (sdc-dummy: per patient and table).
 * It starts seeded with 0; sdc_rng_reseed sets a 32-bit seed.  NULL
 * with err set on lack of memory.
 */
struct sdc_rng *sdc_rng_stream_new(struct sdc_err *err);
void sdc_rng_reseed(struct sdc_rng *rng, uint32_t seed);

/*
 * The GSL generator inside rng, for GSL's distributions (gsl_ran_*).
 * Owned by rng: valid until sdc_rng_free; do not free or reseed it
 * directly.
 */
gsl_rng *sdc_rng_gsl(struct sdc_rng *rng);

/* Release the generator.  NULL is allowed. */
void sdc_rng_free(struct sdc_rng *rng);

#endif
