/*
 * fuzz_defn.c - libFuzzer target for the definition language: lexer,
 * parser, the Python-subset interpreter and the checker that builds the
 * query graph (sdc_defn_load_mem).  Imports and codelists are looked up
 * in the directory the fuzzer runs in.
 */
#include <stdint.h>
#include <stdlib.h>

#include "libsdc/sdc.h"
#include "libsdc/defn.h"
#include "libsdc/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdc_err err;
	struct sdc_query *q;

	sdc_err_clear(&err);
	if ((q = sdc_query_new(&err)) == NULL)
		return 0;
	(void)sdc_defn_load_mem(q, "fuzz.py", NULL, (const char *)data,
	    size, NULL, &err);
	sdc_query_free(q);
	return 0;
}
