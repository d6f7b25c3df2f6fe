/*
 * check.h - audit the files of a release request, as an output checker
 * or a CI gate does before anything leaves the secure environment.
 *
 * Each file is checked on its own (type, size, rows, forbidden columns,
 * small counts, rounding, totals, percentages, statistics of small
 * groups, dominance), then every count of every CSV file goes into one
 * linear system (release.h) that an attacker could solve: tables that
 * share dimensions are linked, published values become the intervals
 * of true counts they can stand for, and each redacted or small cell's
 * feasible interval is found by linear programming.
 *
 * Lifecycle: sdc_check_new -> sdc_check_file (or _mem) per file ->
 * sdc_check_audit once -> read the findings, or write them with
 * sdc_check_write_text / _json -> sdc_check_free.  The options, and
 * every string they point to, are borrowed and must outlive the check.
 * The check owns its files and findings; pointers into them stay valid
 * until sdc_check_free.
 */
#ifndef SDC_CHECK_H
#define SDC_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "infer.h"
#include "output.h"

struct sdc_check_opts {
	const char *profile;	/* name for the report */
	int64_t threshold;	/* counts 1..threshold are disclosive */
	int zeros;		/* zero counts are disclosive too */
	int64_t base;		/* counts must be multiples of base (<= 1: no) */
	int nk_n;		/* dominance rule: 0 off, else 1 or 2 */
	double nk_k;		/* percent */
	double p;		/* p% rule, percent; 0 off */
	double protection;	/* a redacted cell's interval must be at least
				   this wide; 0: the threshold */
	int totals_rounded;	/* 0: a total equal to the sum of its
				   published cells was recomputed from them
				   and adds nothing; 1: every total was
				   rounded on its own */
	uint64_t max_rows;	/* rows per CSV file; 0: no limit */
	uint64_t max_bytes;	/* bytes per file; 0: no limit */
	const char *const *types;	/* allowed file name extensions */
	size_t ntypes;
	struct sdc_infer_opts infer;
	unsigned csv_flags;	/* for sdc_csv_reader_new */
};

/*
 * Fill o with a profile's rules: "opensafely" or "acro".  Returns -1
 * for an unknown name.
 */
int sdc_check_profile(struct sdc_check_opts *o, const char *name);

struct sdc_check_file {
	char *path;
	char sha256[65];
	uint64_t bytes;
	unsigned long long rows;	/* data rows of a CSV, else 0 */
	int csv;			/* read as a table */
	int history;			/* earlier release: context only */
	size_t ncol;
	char **col;			/* CSV header */
	enum sdc_col_kind *kind;	/* per column */
};

struct sdc_check_finding {
	size_t file;			/* index into the files */
	unsigned long long line;	/* 0: the file as a whole */
	const char *column;		/* NULL: no one column */
	const char *rule;
	char *value;			/* the published text, or NULL */
	int interval;			/* lo and hi are meaningful */
	double lo, hi;			/* what an attacker can infer */
	char *msg;
};

struct sdc_check_stats {
	size_t cells;		/* count cells in the linear system */
	size_t vars;		/* distinct cells after linking */
	size_t identities;
	size_t components;	/* linked groups with something to audit */
	size_t targets;		/* redacted or small cells audited */
	size_t lps;		/* LP optimisations solved */
	size_t links;		/* count columns that shared cells with
				   files added before them */
};

struct sdc_check;

struct sdc_check *sdc_check_new(const struct sdc_check_opts *o,
    struct sdc_err *err);

/*
 * Read and check one file.  history: an earlier release, used only as
 * context for the audit (its own findings are still reported, as a
 * new file may give away what it hid).  Fails only when the file cannot
 * be read or understood; what is disclosive becomes findings.
 */
int sdc_check_file(struct sdc_check *c, const char *path, int history,
    struct sdc_err *err);

/* The same over len bytes at data (copied), reported as name. */
int sdc_check_mem(struct sdc_check *c, const char *name, const void *data,
    size_t len, int history, struct sdc_err *err);

/* The release-wide audit, after the last file. */
int sdc_check_audit(struct sdc_check *c, struct sdc_err *err);

size_t sdc_check_nfile(const struct sdc_check *c);
const struct sdc_check_file *sdc_check_files(const struct sdc_check *c);

/* Findings, in file order, then line, then column. */
size_t sdc_check_nfinding(const struct sdc_check *c);
const struct sdc_check_finding *sdc_check_findings(const struct sdc_check *c);

const struct sdc_check_stats *sdc_check_stats(const struct sdc_check *c);
const struct sdc_check_opts *sdc_check_options(const struct sdc_check *c);

/*
 * Human-readable report: "file:line:column: rule: message" per finding,
 * grouped by file, then a verdict line.  quiet: nothing at all.
 */
int sdc_check_write_text(const struct sdc_check *c, struct sdc_output *out,
    int quiet, struct sdc_err *err);

/* The report as JSON; the schema is in sdc-check(1). */
int sdc_check_write_json(const struct sdc_check *c, struct sdc_output *out,
    struct sdc_err *err);

void sdc_check_free(struct sdc_check *c);

#endif
