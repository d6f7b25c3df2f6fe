/*
 * rng.c - seeded random numbers on GSL's MT19937 (and taus2 streams).
 *
 * gsl_rng_alloc reports a failed allocation through GSL's error
 * handler, whose default prints and aborts.  The library may do
 * neither, so the handler is switched off around the call and put back
 * after it (libsdc is single-threaded).
 */
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "rng.h"

struct sdc_rng {
	gsl_rng *g;
};

static struct sdc_rng *
alloc(const gsl_rng_type *type, struct sdc_err *err)
{
	struct sdc_rng *rng;
	gsl_error_handler_t *old;

	if ((rng = malloc(sizeof(*rng))) == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	old = gsl_set_error_handler_off();
	rng->g = gsl_rng_alloc(type);
	gsl_set_error_handler(old);
	if (rng->g == NULL) {
		free(rng);
		sdc_err_nomem(err);
		return NULL;
	}
	return rng;
}

struct sdc_rng *
sdc_rng_new(uint64_t seed, struct sdc_err *err)
{
	struct sdc_rng *rng;

	if (seed > SDC_RNG_SEED_MAX) {
		sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "seed %llu is out of "
		    "range (0 to %llu)", (unsigned long long)seed,
		    SDC_RNG_SEED_MAX);
		return NULL;
	}
	if ((rng = alloc(gsl_rng_mt19937, err)) != NULL)
		gsl_rng_set(rng->g, (unsigned long)seed);
	return rng;
}

struct sdc_rng *
sdc_rng_stream_new(struct sdc_err *err)
{
	struct sdc_rng *rng;

	if ((rng = alloc(gsl_rng_taus2, err)) != NULL)
		gsl_rng_set(rng->g, 0);
	return rng;
}

void
sdc_rng_reseed(struct sdc_rng *rng, uint32_t seed)
{
	gsl_rng_set(rng->g, seed);
}

gsl_rng *
sdc_rng_gsl(struct sdc_rng *rng)
{
	return rng->g;
}

double
sdc_rng_uniform(struct sdc_rng *rng)
{
	return gsl_rng_uniform(rng->g);
}

void
sdc_rng_free(struct sdc_rng *rng)
{
	if (rng == NULL)
		return;
	gsl_rng_free(rng->g);
	free(rng);
}
