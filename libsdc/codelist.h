/*
 * codelist.h - clinical code systems and codelists read from CSV, as
 * ehrQL's ehrql/codes.py defines them.
 *
 * Code systems.  Each has a short name (as in ehrQL and OpenCodelists
 * URLs), a validator for one code, and the name of ehrQL's class for
 * messages.  The rules, matched against the whole code, are those of
 * ../shared/REFERENCE.md, which corrects older ehrQL where they differ
 * (older ehrQL refused "A0124" and placed CTV3 dots only at the end):
 *   snomedct  SNOMEDCTCode  [1-9][0-9]{5,17}
 *   dmd       DMDCode       the same as SNOMED CT
 *   ctv3      CTV3Code      5 characters of [0-9A-Za-z.]
 *   icd10     ICD10Code     [A-Z][0-9]{2}(X[0-9]?|[0-9]{0,2})? (no dot:
 *                           "A01", "A012", "A0124", "A01X", "A01X5")
 *   opcs4     OPCS4Code     [A-HJ-Z][0-9]{2,3} (no dot, no letter I)
 *   bnf       BNFCode       [01][0-9]{6}[0-9A-Z]{2}([A-Z][0-9A-Z]){3}
 *                           or 2[0-3][0-9]{9} (appliances)
 * The multi-code string columns of apcs (all_diagnoses, all_procedures)
 * are searched with contains(prefix); ehrQL checks such a prefix with
 * ICD10MultiCodeString ([A-Z]([0-9]{0,2}|[0-9]{2}X|[0-9]{3})) and
 * OPCS4MultiCodeString ([A-HJ-Z][0-9]{0,3}): sdc_code_prefix_valid.
 *
 * Codelists.  sdc_codelist_from_csv follows ehrQL's codelist_from_csv
 * (path, column=, category_column=):
 *  - the codes come from the column named column, and categories, if
 *    category_column is not NULL, from that column; a missing column is
 *    an error naming the file, its header line and the column;
 *  - codes and categories are stripped of leading and trailing
 *    whitespace as Python's str.strip() does (ASCII \t\n\v\f\r, space,
 *    \x1c-\x1f, and the Unicode spaces U+0085, U+00A0, U+1680,
 *    U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000 in UTF-8);
 *  - a code left empty is dropped;
 *  - a code that repeats keeps its place of first appearance and the
 *    category of its last appearance (a Python dict's behaviour);
 *  - when a column name repeats in the header, the last such column is
 *    used (as csv.DictReader does);
 *  - lines that are empty or hold only spaces and tabs after the header
 *    are skipped (csv.DictReader skips empty rows; a spaces-only row
 *    yields an empty code, which is dropped).  Line numbers in messages
 *    are those of the original file.
 * Codes are not checked against a system when read (neither does ehrQL
 * until a codelist meets a column); sdc_codelist_validate does that.
 *
 * Differences from ehrQL, all on input ehrQL would read loosely: the
 * file is read by the strict sdc CSV reader (csv.h), so a row with too
 * few or too many fields, a quote inside an unquoted field or a bare CR
 * is an error where Python's csv module pads or guesses; a UTF-8 byte
 * order mark is dropped (ehrQL would fail to find the first column);
 * gzip input is accepted (by its magic bytes).
 */
#ifndef SDC_CODELIST_H
#define SDC_CODELIST_H

#include <stddef.h>

#include "err.h"
#include "input.h"

enum sdc_code_system {
	SDC_CODE_NONE = 0,
	SDC_CODE_SNOMEDCT,
	SDC_CODE_CTV3,
	SDC_CODE_ICD10,
	SDC_CODE_OPCS4,
	SDC_CODE_DMD,
	SDC_CODE_BNF,
	SDC_CODE_NSYSTEMS
};

/* 1 when the len bytes at s are one valid code of the system, else 0. */
typedef int sdc_code_check_fn(const char *s, size_t len);

/* The validator of a system, or NULL for SDC_CODE_NONE or out of range. */
sdc_code_check_fn *sdc_code_validator(enum sdc_code_system sys);

/* 1 when s is a valid code of sys, else 0 (also for SDC_CODE_NONE). */
int sdc_code_valid(enum sdc_code_system sys, const char *s, size_t len);

/*
 * 1 when s is a prefix ehrQL accepts for contains() on a multi-code
 * string column of sys (SDC_CODE_ICD10 or SDC_CODE_OPCS4), else 0.
 */
int sdc_code_prefix_valid(enum sdc_code_system sys, const char *s,
    size_t len);

/*
 * The system called name ("snomedct", "ctv3", "icd10", "opcs4", "dmd",
 * "bnf"); returns 0 and sets *out, or -1 for an unknown name.
 */
int sdc_code_system_lookup(const char *name, enum sdc_code_system *out);

/* "snomedct" ..., ehrQL's class name "SNOMEDCTCode" ..., and its label
 * "SNOMED-CT" ...; "" for SDC_CODE_NONE or out of range.  Static. */
const char *sdc_code_system_name(enum sdc_code_system sys);
const char *sdc_code_system_class(enum sdc_code_system sys);
const char *sdc_code_system_label(enum sdc_code_system sys);

struct sdc_codelist;

/*
 * Read a codelist from path (plain or gzip).  category_column may be
 * NULL.  Returns a codelist owned by the caller (sdc_codelist_free), or
 * NULL with err set: the file cannot be read, is malformed CSV, lacks a
 * column, or holds more than SDC_CODELIST_MAX bytes.
 */
#define SDC_CODELIST_MAX (256UL * 1024 * 1024)
struct sdc_codelist *sdc_codelist_from_csv(const char *path,
    const char *column, const char *category_column, struct sdc_err *err);

/* The same from an open input (borrowed; read to its end, not freed). */
struct sdc_codelist *sdc_codelist_read(struct sdc_input *in,
    const char *column, const char *category_column, struct sdc_err *err);

void sdc_codelist_free(struct sdc_codelist *cl);

/* Number of distinct codes; they are indexed 0..n-1 in file order. */
size_t sdc_codelist_count(const struct sdc_codelist *cl);

/*
 * Code i and its length (len may be NULL).  NUL-terminated; owned by
 * the codelist and valid until sdc_codelist_free.
 */
const char *sdc_codelist_code(const struct sdc_codelist *cl, size_t i,
    size_t *len);

/* 1 when the codelist was read with a category column, else 0. */
int sdc_codelist_has_categories(const struct sdc_codelist *cl);

/*
 * Category of code i (possibly ""), or NULL when there is no category
 * column.  NUL-terminated; owned by the codelist.
 */
const char *sdc_codelist_category(const struct sdc_codelist *cl, size_t i,
    size_t *len);

/* Index of the code equal to the len bytes at s, or -1.  Hashed. */
long sdc_codelist_find(const struct sdc_codelist *cl, const char *s,
    size_t len);

/* 1 when s is in the codelist, else 0. */
int sdc_codelist_contains(const struct sdc_codelist *cl, const char *s,
    size_t len);

/*
 * Where code i first appears in its file: line and byte column (both
 * 1-based) of its first character after stripping.
 */
void sdc_codelist_where(const struct sdc_codelist *cl, size_t i,
    unsigned long long *line, unsigned long long *column);

/* The name of the file read (for messages).  Owned by the codelist. */
const char *sdc_codelist_name(const struct sdc_codelist *cl);

/*
 * Check every code against sys.  Returns 0 when all are valid; else -1
 * with err naming the file, line and column of the first bad code in
 * file order: "'A01.1' is not a valid ICD-10 code (ICD10Code)".
 */
int sdc_codelist_validate(const struct sdc_codelist *cl,
    enum sdc_code_system sys, struct sdc_err *err);

#endif
