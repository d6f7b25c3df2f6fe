/*
 * fuzz_check.c - libFuzzer target for sdc-check's reading of a release
 * table: CSV, table inference (column and cell kinds), the per-file
 * rules and the release-wide audit, then the JSON report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libsdc/sdc.h"
#include "libsdc/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdc_err err;
	struct sdc_check_opts o;
	struct sdc_check *c;
	struct sdc_output *out;

	memset(&o, 0, sizeof(o));
	sdc_err_clear(&err);
	if (sdc_check_profile(&o, size > 0 && data[0] == 'a' ? "acro" :
	    "opensafely") != 0)
		abort();
	if ((c = sdc_check_new(&o, &err)) == NULL)
		return 0;
	if (sdc_check_mem(c, "fuzz.csv", data, size, 0, &err) == 0 &&
	    sdc_check_audit(c, &err) == 0 &&
	    (out = sdc_output_open("/dev/null", &err)) != NULL) {
		if (sdc_check_write_json(c, out, &err) == 0)
			(void)sdc_output_commit(out, &err);
		else
			sdc_output_abort(out);
	}
	sdc_check_free(c);
	return 0;
}
