/* fuzz_project.c - libFuzzer target for the project.yaml loader. */
#include <stdint.h>
#include <stdlib.h>

#include "libsdc/sdc.h"
#include "libsdc/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdc_err err;
	struct sdc_project *p;

	sdc_err_clear(&err);
	p = sdc_project_parse((const char *)data, size, "project.yaml", &err);
	sdc_project_free(p);
	return 0;
}
