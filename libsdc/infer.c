/*
 * infer.c - column and cell kinds of a release table, from the values
 * and, where values cannot tell, from the column's name.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "infer.h"
#include "num.h"

static const char *const default_markers[] = {
	"[REDACTED]", "redacted", "na", "n/a", "<=7"
};

enum sdc_cell_kind
sdc_infer_cell(const char *s, const struct sdc_infer_opts *o, double *v)
{
	const char *const *m = o->markers ? o->markers : default_markers;
	size_t i, nm = o->markers ? o->nmarkers :
	    sizeof(default_markers) / sizeof(*default_markers);
	size_t len = strlen(s);
	int is_int;

	if (len == 0)
		return SDC_CELL_EMPTY;
	for (i = 0; i < nm; i++)
		if (strcasecmp(s, m[i]) == 0)
			return SDC_CELL_MARKER;
	if (o->total != NULL && strcmp(s, o->total) == 0)
		return SDC_CELL_TOTAL;
	if (sdc_num_parse_double(s, len, v, &is_int) == 0)
		return is_int ? SDC_CELL_INT : SDC_CELL_REAL;
	return SDC_CELL_TEXT;
}

/* The words of a column name: lower case, split at anything not alnum. */
#define WORDS_MAX 16
#define WORD_MAX 32
struct words {
	size_t n;
	char w[WORDS_MAX][WORD_MAX];
	char all[256];		/* the whole name, lower case */
};

static void
split(const char *name, struct words *ws)
{
	size_t i, k = 0;

	ws->n = 0;
	for (i = 0; name[i] != '\0' && i + 1 < sizeof(ws->all); i++)
		ws->all[i] = (char)tolower((unsigned char)name[i]);
	ws->all[i] = '\0';
	for (i = 0; ws->all[i] != '\0'; i++) {
		if (isalnum((unsigned char)ws->all[i]) || ws->all[i] == '%') {
			if (k == 0 && ws->n == WORDS_MAX)
				break;
			if (k + 1 < WORD_MAX)
				ws->w[ws->n][k++] = ws->all[i];
			continue;
		}
		if (k > 0) {
			ws->w[ws->n++][k] = '\0';
			k = 0;
		}
	}
	if (k > 0)
		ws->w[ws->n++][k] = '\0';
}

static int
has_word(const struct words *ws, const char *const *list)
{
	size_t i, j;

	for (i = 0; i < ws->n; i++)
		for (j = 0; list[j] != NULL; j++)
			if (strcmp(ws->w[i], list[j]) == 0)
				return 1;
	return 0;
}

static int
last_word(const struct words *ws, const char *const *list)
{
	size_t j;

	if (ws->n == 0)
		return 0;
	for (j = 0; list[j] != NULL; j++)
		if (strcmp(ws->w[ws->n - 1], list[j]) == 0)
			return 1;
	return 0;
}

static int
in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static const char *const evidence_words[] = {
	"record_id", "row_id", "person_id", "pseudo_id", "nhs_number",
	"patient_ids", NULL
};

static int
is_evidence(const struct words *ws)
{
	const char *a = ws->all;
	size_t i;

	if (strncmp(a, "top", 3) == 0 && a[3] != '\0') {
		for (i = 3; isdigit((unsigned char)a[i]); i++)
			;
		if (a[i] == '\0')
			return 1;
	}
	for (i = 0; evidence_words[i] != NULL; i++)
		if (strcmp(a, evidence_words[i]) == 0)
			return 1;
	return 0;
}

/* Words that make a name a count. */
static const char *const count_words[] = {
	"n", "count", "counts", "freq", "frequency", "numerator",
	"denominator", "patients", "people", "persons", "population",
	"events", "cases", "controls", "total", "midpoint6", NULL
};
static const char *const percent_words[] = {
	"percent", "percentage", "pct", "%", "proportion", "prop", "rate",
	"ratio", "prevalence", "incidence", "share", "fraction", NULL
};
static const char *const stat_words[] = {
	"sum", "mean", "median", "avg", "average", "sd", "std", "stdev",
	"var", "variance", "min", "max", "iqr", "q1", "q3", "p25", "p50",
	"p75", "lower", "upper", "ci", "lci", "uci", "se", "estimate",
	"coef", "value", "amount", "cost", "score", NULL
};
/* Last words that make an integer-valued column a dimension. */
static const char *const dim_words[] = {
	"year", "month", "week", "day", "date", "period", "quarter", "age",
	"code", "id", "band", "start", "end", "group", "category", "level",
	"decile", "quintile", "index", "imd", "stp", "region", NULL
};

static int
count_named(const struct words *ws)
{
	return last_word(ws, count_words) || (ws->n > 0 &&
	    (strcmp(ws->w[0], "n") == 0 || strcmp(ws->w[0], "count") == 0));
}

enum sdc_col_rounding
sdc_infer_rounding(const char *name)
{
	size_t n = strlen(name);

	if (n >= 18 && strcmp(name + n - 18, "_midpoint6_derived") == 0)
		return SDC_ROUNDING_MIDPOINT6_DERIVED;
	if (n >= 10 && strcmp(name + n - 10, "_midpoint6") == 0)
		return SDC_ROUNDING_MIDPOINT6;
	return SDC_ROUNDING_BASE;
}

/* The first row whose cell in column c is the total label. */
static size_t
first_total_row(const struct sdc_table *t, size_t c,
    const struct sdc_infer_opts *o)
{
	size_t r;

	for (r = 0; r < t->nrow; r++)
		if (strcmp(sdc_table_get(t, r, c), o->total) == 0)
			return r;
	return 0;
}

int
sdc_infer_columns(const struct sdc_table *t, const struct sdc_infer_opts *o,
    enum sdc_col_kind *kind, struct sdc_err *err)
{
	size_t c, r;

	for (c = 0; c < t->ncol; c++) {
		size_t n[SDC_CELL_TEXT + 1] = { 0 };
		size_t text_row = 0, bad_row = 0, have_bad = 0;
		size_t huge_row = 0, have_huge = 0;
		int64_t iv;
		const char *name = t->name[c];
		struct words ws;
		int forced_count, named_count;
		double v;

		split(name, &ws);
		if (strcmp(ws.all, "patient_id") == 0) {
			kind[c] = SDC_COL_PATIENT_ID;
			continue;
		}
		if (is_evidence(&ws)) {
			kind[c] = SDC_COL_EVIDENCE;
			continue;
		}
		if (in_list(name, o->dims, o->ndims)) {
			kind[c] = SDC_COL_DIM;
			continue;
		}
		forced_count = in_list(name, o->counts, o->ncounts);
		named_count = forced_count || count_named(&ws) ||
		    sdc_infer_rounding(name) != SDC_ROUNDING_BASE;
		for (r = 0; r < t->nrow; r++) {
			enum sdc_cell_kind k = sdc_infer_cell(
			    sdc_table_get(t, r, c), o, &v);

			if (k == SDC_CELL_TEXT && n[k] == 0)
				text_row = r;
			if (k == SDC_CELL_INT && fabs(v) >= 0x1p62 &&
			    sdc_num_parse_i64(sdc_table_get(t, r, c),
			    strlen(sdc_table_get(t, r, c)), INT64_MIN,
			    INT64_MAX, &iv) != 0 && !have_huge++)
				huge_row = r;
			if ((k == SDC_CELL_INT && v < 0) || k == SDC_CELL_REAL) {
				if (!have_bad++)
					bad_row = r;
			}
			n[k]++;
		}
		if (n[SDC_CELL_TOTAL] > 0 || n[SDC_CELL_TEXT] > 0) {
			size_t numeric = n[SDC_CELL_INT] + n[SDC_CELL_REAL];

			/* named as numbers: text there is not understood */
			int named_number = named_count ||
			    has_word(&ws, percent_words) ||
			    has_word(&ws, stat_words);

			if (n[SDC_CELL_TEXT] > 0 && (named_number ||
			    (numeric >= n[SDC_CELL_TEXT] &&
			    !last_word(&ws, dim_words))))
				return sdc_table_cell_error(t, text_row, c, err,
				    SDC_EDATA, "'%s' is neither a number nor a "
				    "redaction marker (give --dims %s if this "
				    "column is a dimension)",
				    sdc_table_get(t, text_row, c), name);
			/*
			 * Counts beside the total label: taking the column
			 * for a dimension would leave its counts unchecked.
			 */
			if (n[SDC_CELL_TEXT] == 0 && numeric > 0 &&
			    (named_number || !last_word(&ws, dim_words)))
				return sdc_table_cell_error(t,
				    first_total_row(t, c, o), c, err, SDC_EDATA,
				    "the total label '%s' among the numbers of "
				    "column %s (give --dims %s if this column is "
				    "a dimension)", o->total, name, name);
			if (forced_count)
				return sdc_table_cell_error(t,
				    n[SDC_CELL_TEXT] ? text_row : 0, c, err,
				    SDC_EDATA, "the total label in a count column");
			kind[c] = SDC_COL_DIM;
			continue;
		}
		if (has_word(&ws, percent_words) && !forced_count) {
			kind[c] = SDC_COL_PERCENT;
			continue;
		}
		if (has_word(&ws, stat_words) && !named_count) {
			kind[c] = SDC_COL_STAT;
			continue;
		}
		if (last_word(&ws, dim_words) && !named_count &&
		    n[SDC_CELL_MARKER] == 0) {
			kind[c] = SDC_COL_DIM;
			continue;
		}
		if (have_bad) {
			if (named_count)
				return sdc_table_cell_error(t, bad_row, c, err,
				    SDC_EDATA, "'%s' is not a count (a whole "
				    "number, 0 or more)",
				    sdc_table_get(t, bad_row, c));
			kind[c] = SDC_COL_STAT;
			continue;
		}
		if (n[SDC_CELL_INT] + n[SDC_CELL_MARKER] == 0 && !named_count) {
			kind[c] = SDC_COL_EMPTY;
			continue;
		}
		if (have_huge)	/* counts are checked in 64 bits, not doubles */
			return sdc_table_cell_error(t, huge_row, c, err,
			    SDC_EDATA, "count %s is beyond %lld",
			    sdc_table_get(t, huge_row, c),
			    (long long)INT64_MAX);
		kind[c] = SDC_COL_COUNT;
	}
	return 0;
}

const char *
sdc_infer_kind_name(enum sdc_col_kind k)
{
	static const char *const names[] = {
		"empty", "dimension", "count", "percentage", "statistic",
		"evidence", "patient_id"
	};

	return (size_t)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
}

const char *const *
sdc_infer_default_markers(size_t *n)
{
	*n = sizeof(default_markers) / sizeof(*default_markers);
	return default_markers;
}
