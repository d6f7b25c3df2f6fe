/*
 * defn.h - the dataset-definition checker: runs an ehrQL dataset
 * definition (Python syntax, parse.h) as a small interpreter over
 * ehrQL's query values and builds the typed query graph (query.h).
 * Type and domain errors are found here, before any data is read, with
 * ehrQL-like messages at file:line:column.
 *
 * Lifecycle and ownership.  sdc_defn_load fills a caller-made query
 * (sdc_query_new) from the definition at path; sibling modules
 * (`from codelists import *`) and codelists (codelist_from_csv) are
 * read relative to the definition's folder.  Everything it makes
 * (syntax trees, codelists, nodes) is owned by the query.  On error the
 * query is left in an unspecified state: free it.  No global state; the
 * library never prints.
 */
#ifndef SDC_DEFN_H
#define SDC_DEFN_H

#include <stddef.h>

#include "err.h"
#include "query.h"

struct sdc_defn_opts {
	/*
	 * Parameters for get_parameter(name): given after "--" on the
	 * command line as "--name value" pairs.  Borrowed.
	 */
	size_t nparams;
	const char *const *param_names;
	const char *const *param_values;
	/*
	 * 1: the module ehrql.tables.spec (the generic tables p and e of
	 * ehrQL's spec tests) may be imported.  For tests only.
	 */
	int spec_tables;
	/*
	 * 1: a measures definition (ehrQL's generate-measures): the
	 * variable 'measures' (create_measures()) is read instead of
	 * 'dataset', and q->measures_mode, q->measures and
	 * q->disclosure_control are set instead of the population and
	 * variables.  INTERVAL may only be used in measures.
	 */
	int measures;
};

/*
 * Read and check the definition at path into q: q->tables, q->vars,
 * q->population and q->dummy are set.  Returns 0, or -1 with err set.
 * opts may be NULL.
 */
int sdc_defn_load(struct sdc_query *q, const char *path,
    const struct sdc_defn_opts *opts, struct sdc_err *err);

/*
 * The same from len bytes of source held in memory; name is used in
 * messages and dir (may be NULL: the current directory) is where
 * sibling modules and codelists are looked up.  src is borrowed for the
 * call only.
 */
int sdc_defn_load_mem(struct sdc_query *q, const char *name,
    const char *dir, const char *src, size_t len,
    const struct sdc_defn_opts *opts, struct sdc_err *err);

#endif
