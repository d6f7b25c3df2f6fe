/*
 * sdc.h - umbrella header for libsdc, the statistical disclosure
 * control library behind the sdc-* commands.
 *
 * The library never prints, never exits and never reads the
 * environment.  Functions return 0 (or a pointer) on success and -1 (or
 * NULL) on failure, with a caller-owned struct sdc_err filled in.
 */
#ifndef SDC_H
#define SDC_H

#ifndef SDC_VERSION
#define SDC_VERSION "0.1.0"
#endif

#include "libsdc/err.h"
#include "libsdc/num.h"
#include "libsdc/input.h"
#include "libsdc/output.h"
#include "libsdc/csv.h"
#include "libsdc/count.h"
#include "libsdc/table.h"
#include "libsdc/rng.h"
#include "libsdc/round.h"

#endif
