/*
 * t_codelist.c - code system validators (ehrQL's tests/unit/test_codes.py
 * cases and more) and codelist_from_csv semantics over the small files
 * in tests/data/codelist/ and in-memory CSV.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libsdc/codelist.h"
#include "libsdc/input.h"
#include "tests/unit/tap.h"

static char datadir[4096];

/* Find tests/data/codelist from the working directory or the binary's. */
static int
find_datadir(const char *argv0)
{
	return tap_find_dir(argv0, "tests/data/codelist", "categories.csv",
	    datadir, sizeof(datadir));
}

static const char *
path(const char *name)
{
	static char buf[2][4200];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", datadir, name);
	return buf[i];
}

static struct sdc_codelist *
mem(const char *csv, const char *col, const char *cat, struct sdc_err *err)
{
	struct sdc_input *in;
	struct sdc_codelist *cl;

	sdc_err_clear(err);
	if ((in = sdc_input_mem(csv, strlen(csv), "mem.csv", err)) == NULL)
		return NULL;
	cl = sdc_codelist_read(in, col, cat, err);
	sdc_input_free(in);
	return cl;
}

/* The codes joined by '|', and "code=cat" when there are categories. */
static const char *
dump(const struct sdc_codelist *cl)
{
	static char buf[4096];
	size_t i, off = 0;

	buf[0] = '\0';
	if (cl == NULL)
		return "(null)";
	for (i = 0; i < sdc_codelist_count(cl) && off < sizeof(buf); i++) {
		const char *cat = sdc_codelist_category(cl, i, NULL);

		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s%s%s",
		    i ? "|" : "", sdc_codelist_code(cl, i, NULL),
		    cat ? "=" : "", cat ? cat : "");
	}
	return buf;
}

static const char *
fmt_err(const struct sdc_err *err)
{
	static char buf[1024];

	return sdc_err_format(err, buf, sizeof(buf));
}

static void
validators(void)
{
	static const struct { enum sdc_code_system sys; const char *code; }
	good[] = {
		/* test_valid_single_codes */
		{ SDC_CODE_BNF, "0101010I0AAAEAE" },
		{ SDC_CODE_BNF, "23965909711" },
		{ SDC_CODE_CTV3, "ABC01" },
		{ SDC_CODE_CTV3, "De4.." },
		{ SDC_CODE_SNOMEDCT, "1234567890" },
		/* test_valid_single_codes_match_multi_codes */
		{ SDC_CODE_ICD10, "A01" },
		{ SDC_CODE_ICD10, "A012" },
		{ SDC_CODE_ICD10, "A01X" },
		{ SDC_CODE_OPCS4, "B23" },
		{ SDC_CODE_OPCS4, "B234" },
		/* more */
		{ SDC_CODE_SNOMEDCT, "100000" },
		{ SDC_CODE_SNOMEDCT, "999999999999999999" },
		{ SDC_CODE_DMD, "10514511000001106" },
		{ SDC_CODE_CTV3, "XY..." },
		{ SDC_CODE_CTV3, "Xa1b." },
		{ SDC_CODE_CTV3, "xaBC9" },
		{ SDC_CODE_ICD10, "Z999" },
		/* REFERENCE.md: up to two digits, or X and a digit */
		{ SDC_CODE_ICD10, "A0124" },
		{ SDC_CODE_ICD10, "A01X5" },
		{ SDC_CODE_CTV3, "X...." },
		{ SDC_CODE_CTV3, ".XY.." },
		{ SDC_CODE_OPCS4, "Z99" },
		{ SDC_CODE_OPCS4, "H01" },
		{ SDC_CODE_OPCS4, "J01" },
		{ SDC_CODE_BNF, "1001010AAAAAAAA" },
		{ SDC_CODE_BNF, "20000000000" },
	};
	static const struct { enum sdc_code_system sys; const char *code; }
	bad[] = {
		/* test_invalid_single_codes */
		{ SDC_CODE_BNF, "0101010I05AAEAE" },
		{ SDC_CODE_BNF, "239659097111" },
		{ SDC_CODE_CTV3, "ABC0" },
		{ SDC_CODE_SNOMEDCT, "123" },
		{ SDC_CODE_SNOMEDCT, "12345678901234567890" },
		{ SDC_CODE_SNOMEDCT, "0123456789" },
		/* test_invalid_single_codes_match_multicodes */
		{ SDC_CODE_ICD10, "AA1" },
		{ SDC_CODE_ICD10, "A01Y" },
		{ SDC_CODE_ICD10, "A1X" },
		{ SDC_CODE_ICD10, "" },
		{ SDC_CODE_OPCS4, "I00" },
		{ SDC_CODE_OPCS4, "" },
		{ SDC_CODE_OPCS4, "B1234" },
		/* more */
		{ SDC_CODE_SNOMEDCT, "12345" },
		{ SDC_CODE_SNOMEDCT, "1234567890123456789" },
		{ SDC_CODE_SNOMEDCT, " 123456" },
		{ SDC_CODE_SNOMEDCT, "123456a" },
		{ SDC_CODE_SNOMEDCT, "" },
		{ SDC_CODE_DMD, "0991" },
		{ SDC_CODE_CTV3, "ab c1" },
		{ SDC_CODE_CTV3, "~XaBc" },
		{ SDC_CODE_CTV3, "XaBcD1" },
		{ SDC_CODE_CTV3, "Xa-cD" },
		{ SDC_CODE_ICD10, "a01" },
		{ SDC_CODE_ICD10, "A01.1" },
		{ SDC_CODE_ICD10, "A01XX" },
		{ SDC_CODE_ICD10, "A01234" },
		{ SDC_CODE_ICD10, "A0" },
		{ SDC_CODE_OPCS4, "A1" },
		{ SDC_CODE_OPCS4, "W23.2" },
		{ SDC_CODE_OPCS4, "w232" },
		{ SDC_CODE_BNF, "2400000000" },
		{ SDC_CODE_BNF, "24000000000" },
		{ SDC_CODE_BNF, "0101010I0AA1AAE" },
		{ SDC_CODE_BNF, "2101010I0AAAEAE" },
		{ SDC_CODE_NONE, "123456" },
	};
	static const struct { enum sdc_code_system sys; const char *p; int ok; }
	prefix[] = {
		{ SDC_CODE_ICD10, "A", 1 }, { SDC_CODE_ICD10, "A0", 1 },
		{ SDC_CODE_ICD10, "A01", 1 }, { SDC_CODE_ICD10, "A012", 1 },
		{ SDC_CODE_ICD10, "A01X", 1 }, { SDC_CODE_OPCS4, "B", 1 },
		{ SDC_CODE_OPCS4, "B2", 1 }, { SDC_CODE_OPCS4, "B23", 1 },
		{ SDC_CODE_OPCS4, "B234", 1 },
		{ SDC_CODE_ICD10, "AA1", 0 }, { SDC_CODE_ICD10, "A0124", 0 },
		{ SDC_CODE_ICD10, "A01Y", 0 }, { SDC_CODE_ICD10, "A1X", 0 },
		{ SDC_CODE_ICD10, "", 0 }, { SDC_CODE_OPCS4, "I00", 0 },
		{ SDC_CODE_OPCS4, "", 0 }, { SDC_CODE_OPCS4, "B1234", 0 },
		{ SDC_CODE_ICD10, "AX", 0 }, { SDC_CODE_SNOMEDCT, "123456", 0 },
	};
	static const char *names[] = { "snomedct", "ctv3", "icd10", "opcs4",
	    "dmd", "bnf" };
	static const enum sdc_code_system want[] = { SDC_CODE_SNOMEDCT,
	    SDC_CODE_CTV3, SDC_CODE_ICD10, SDC_CODE_OPCS4, SDC_CODE_DMD,
	    SDC_CODE_BNF };
	enum sdc_code_system sys = SDC_CODE_NONE;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(sdc_code_valid(good[i].sys, good[i].code,
		    strlen(good[i].code)), "%s '%s' valid",
		    sdc_code_system_name(good[i].sys), good[i].code);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!sdc_code_valid(bad[i].sys, bad[i].code, strlen(bad[i].code)),
		    "%s '%s' invalid", sdc_code_system_name(bad[i].sys),
		    bad[i].code);
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		ok(sdc_code_prefix_valid(prefix[i].sys, prefix[i].p,
		    strlen(prefix[i].p)) == prefix[i].ok,
		    "%s multi-code prefix '%s' %s",
		    sdc_code_system_name(prefix[i].sys), prefix[i].p,
		    prefix[i].ok ? "accepted" : "refused");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok(sdc_code_system_lookup(names[i], &sys) == 0 &&
		    sys == want[i] && sdc_code_validator(sys) != NULL &&
		    strcmp(sdc_code_system_name(sys), names[i]) == 0,
		    "system '%s' found", names[i]);
	ok(sdc_code_system_lookup("read2", &sys) != 0 &&
	    sdc_code_system_lookup("", &sys) != 0 &&
	    sdc_code_system_lookup("SNOMEDCT", &sys) != 0,
	    "unknown system names refused");
	ok(sdc_code_validator(SDC_CODE_NONE) == NULL &&
	    sdc_code_validator(SDC_CODE_NSYSTEMS) == NULL,
	    "no validator outside the systems");
	is_str(sdc_code_system_class(SDC_CODE_DMD), "DMDCode", "class name");
	is_str(sdc_code_system_label(SDC_CODE_SNOMEDCT), "SNOMED-CT", "label");
	ok(sdc_code_validator(SDC_CODE_DMD) ==
	    sdc_code_validator(SDC_CODE_SNOMEDCT), "dm+d shares SNOMED's rule");
}

static void
files(void)
{
	struct sdc_err err;
	struct sdc_codelist *cl, *gz;
	unsigned long long line, col;
	char want[4600];

	sdc_err_clear(&err);
	cl = sdc_codelist_from_csv(path("opencodelists.csv"), "code", NULL,
	    &err);
	is_str(dump(cl), "1234567|7654321|22298006",
	    "whitespace stripped, blank codes dropped, repeat kept once");
	ok(cl && sdc_codelist_validate(cl, SDC_CODE_SNOMEDCT, &err) == 0,
	    "opencodelists.csv is valid SNOMED CT");
	ok(cl && !sdc_codelist_has_categories(cl) &&
	    sdc_codelist_category(cl, 0, NULL) == NULL, "no categories");
	ok(cl && sdc_codelist_contains(cl, "7654321", 7) &&
	    !sdc_codelist_contains(cl, "\t7654321", 8) &&
	    !sdc_codelist_contains(cl, "765432", 6) &&
	    sdc_codelist_find(cl, "22298006", 8) == 2, "membership");
	if (cl) {
		sdc_codelist_where(cl, 0, &line, &col);
		ok(line == 2 && col == 2, "' 1234567 ' found at 2:2 (%llu:%llu)",
		    line, col);
		sdc_codelist_where(cl, 1, &line, &col);
		ok(line == 3 && col == 2, "tab-led code at 3:2 (%llu:%llu)",
		    line, col);
		is_str(sdc_codelist_name(cl), path("opencodelists.csv"),
		    "name is the path");
	}
	sdc_codelist_free(cl);

	cl = sdc_codelist_from_csv(path("categories.csv"), "code", "category",
	    &err);
	is_str(dump(cl), "123456=C|234567=B|345678=D|456789=",
	    "categories: last wins, stripped, CRLF, quotes, blank lines");
	gz = sdc_codelist_from_csv(path("categories.csv.gz"), "code",
	    "category", &err);
	is_str(dump(gz), dump(cl), "the gzip copy reads the same");
	if (cl) {
		sdc_codelist_where(cl, 3, &line, &col);
		ok(line == 9 && col == 2, "after a two-line field and blank "
		    "lines, ' 456789' is at 9:2 (%llu:%llu)", line, col);
	}
	sdc_codelist_free(cl);
	sdc_codelist_free(gz);

	cl = sdc_codelist_from_csv(path("categories.csv"), "term", NULL, &err);
	is_str(dump(cl), "Term, with comma|Foo|Again|two\r\nlines|x",
	    "any column can hold the codes");
	sdc_codelist_free(cl);

	/* missing columns */
	sdc_err_clear(&err);
	cl = sdc_codelist_from_csv(path("categories.csv"), "snomed_code", NULL,
	    &err);
	ok(cl == NULL && strcmp(err.file, path("categories.csv")) == 0 &&
	    err.line == 1 && strstr(err.msg, "'snomed_code'") != NULL,
	    "missing column: %s", fmt_err(&err));
	sdc_err_clear(&err);
	cl = sdc_codelist_from_csv(path("categories.csv"), "code", "group",
	    &err);
	ok(cl == NULL && strcmp(err.file, path("categories.csv")) == 0 &&
	    strstr(err.msg, "'group'") != NULL,
	    "missing category column: %s", fmt_err(&err));
	sdc_err_clear(&err);
	cl = sdc_codelist_from_csv(path("no-such-file.csv"), "code", NULL,
	    &err);
	ok(cl == NULL && strstr(err.file, "no-such-file.csv") != NULL,
	    "missing file: %s", fmt_err(&err));
	sdc_err_clear(&err);
	cl = sdc_codelist_from_csv(path("ragged.csv"), "code", NULL, &err);
	ok(cl == NULL && err.line == 3, "a ragged row is an error on its own "
	    "line past a blank one: %s", fmt_err(&err));

	/* bad codes, one file per system */
	{
		static const struct {
			const char *file, *col;
			enum sdc_code_system sys;
			unsigned long long line, column;
			const char *msg;
		} cases[] = {
			{ "bad-snomedct.csv", "code", SDC_CODE_SNOMEDCT, 5, 7,
			  "'0123456' is not a valid SNOMED-CT code"
			  " (SNOMEDCTCode)" },
			{ "bad-ctv3.csv", "code", SDC_CODE_CTV3, 5, 1,
			  "'A_...' is not a valid CTV3 (Read v3) code"
			  " (CTV3Code)" },
			{ "bad-icd10.csv", "code", SDC_CODE_ICD10, 5, 2,
			  "'A01.1' is not a valid ICD-10 code (ICD10Code)" },
			{ "bad-opcs4.csv", "code", SDC_CODE_OPCS4, 3, 1,
			  "'I00' is not a valid OPCS-4 code (OPCS4Code)" },
			{ "bad-dmd.csv", "dmd_id", SDC_CODE_DMD, 4, 3,
			  "'0991' is not a valid dm+d code (DMDCode)" },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			sdc_err_clear(&err);
			cl = sdc_codelist_from_csv(path(cases[i].file),
			    cases[i].col, NULL, &err);
			ok(cl != NULL, "%s reads", cases[i].file);
			if (cl == NULL)
				continue;
			snprintf(want, sizeof(want), "%s:%llu:%llu: %s",
			    path(cases[i].file), cases[i].line,
			    cases[i].column, cases[i].msg);
			ok(sdc_codelist_validate(cl, cases[i].sys, &err) != 0 &&
			    err.code == SDC_EDATA, "%s refused as %s",
			    cases[i].file, sdc_code_system_name(cases[i].sys));
			is_str(fmt_err(&err), want, "%s: exact position",
			    cases[i].file);
			sdc_codelist_free(cl);
		}
	}
	cl = sdc_codelist_from_csv(path("bad-icd10.csv"), "code", NULL, &err);
	ok(cl && sdc_codelist_validate(cl, SDC_CODE_NONE, &err) != 0 &&
	    err.code == SDC_EUSAGE, "validate against no system is a usage "
	    "error");
	sdc_codelist_free(cl);
}

static void
in_memory(void)
{
	struct sdc_err err;
	struct sdc_codelist *cl;
	unsigned long long line, col;
	char *big;
	size_t i, off, n = 20000;
	int bad;

	/* ehrQL's test_codelist_from_csv_lines */
	cl = mem("CodeID,foo\nabc00,\ndef00,\nghi00 ,\n  ,\n def00,\n",
	    "CodeID", NULL, &err);
	is_str(dump(cl), "abc00|def00|ghi00", "ehrQL's own example");
	sdc_codelist_free(cl);
	/* test_codelist_from_csv_lines_with_category_column */
	cl = mem("CodeID,Cat1\nabc00,foo\ndef00,bar\nghi00,\n", "CodeID",
	    "Cat1", &err);
	is_str(dump(cl), "abc00=foo|def00=bar|ghi00=", "ehrQL's category "
	    "example");
	sdc_codelist_free(cl);

	cl = mem("code,cat\n1,a\n2,b\n1,\n3,c\n2,longer than before\n1,z\n",
	    "code", "cat", &err);
	is_str(dump(cl), "1=z|2=longer than before|3=c",
	    "order of first appearance, category of the last");
	sdc_codelist_free(cl);

	cl = mem("code,code\n1,2\n", "code", NULL, &err);
	is_str(dump(cl), "2", "a repeated column name: the last one is used");
	sdc_codelist_free(cl);

	cl = mem("code\n\xc2\xa0" "123456\xe3\x80\x80\n\xe2\x80\x8b" "7\n"
	    "\x1c" "8\x1f\n\v9\f\n", "code", NULL, &err);
	is_str(dump(cl), "123456|\xe2\x80\x8b" "7|8|9",
	    "Unicode and control whitespace stripped like str.strip()");
	if (cl) {
		sdc_codelist_where(cl, 0, &line, &col);
		ok(line == 2 && col == 3, "column counts bytes (%llu:%llu)",
		    line, col);
	}
	sdc_codelist_free(cl);

	cl = mem("code,t\n\"  12\"\"3\",x\n\"4\n5\",y\n", "code", NULL, &err);
	is_str(dump(cl), "12\"3|4\n5", "quoted codes, slow path");
	if (cl) {
		sdc_codelist_where(cl, 0, &line, &col);
		ok(line == 2 && col == 4, "quoted code position (%llu:%llu)",
		    line, col);
		sdc_codelist_where(cl, 1, &line, &col);
		ok(line == 3 && col == 2, "multi-line code position (%llu:%llu)",
		    line, col);
	}
	sdc_codelist_free(cl);

	cl = mem("\xef\xbb\xbf" "code\n123\n\n\n", "code", NULL, &err);
	is_str(dump(cl), "123", "byte order mark and trailing blank lines");
	sdc_codelist_free(cl);

	cl = mem("code,term\n", "code", NULL, &err);
	ok(cl != NULL && sdc_codelist_count(cl) == 0, "header only: empty");
	sdc_codelist_free(cl);

	cl = mem("code,term\n \t \n\t\r\n   ", "code", NULL, &err);
	ok(cl != NULL && sdc_codelist_count(cl) == 0,
	    "only blank lines after the header: empty");
	sdc_codelist_free(cl);

	cl = mem("", "code", NULL, &err);
	ok(cl == NULL, "empty input is an error: %s", fmt_err(&err));

	cl = mem("code,term\n1,\"a\n\n\",x\n", "code", NULL, &err);
	ok(cl == NULL && err.line == 4, "a blank line inside quotes is data, "
	    "so this row has 3 fields: %s", fmt_err(&err));

	cl = mem("code,term\n\n\n1,a\"b\n", "code", NULL, &err);
	ok(cl == NULL && err.line == 4 && err.column == 4,
	    "CSV errors keep the file's line numbers: %s", fmt_err(&err));

	/* a big codelist: every member found, near misses not */
	big = malloc(n * 24 + 16);
	if (big == NULL) {
		ok(0, "malloc");
		return;
	}
	off = (size_t)sprintf(big, "code\n");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(big + off, "%zu\n", 100000 + i * 7);
	cl = mem(big, "code", NULL, &err);
	ok(cl != NULL && sdc_codelist_count(cl) == n, "%zu codes read", n);
	bad = 0;
	for (i = 0; cl != NULL && i < n * 7; i++) {
		char s[32];
		int k = sprintf(s, "%zu", 100000 + i);
		long idx = sdc_codelist_find(cl, s, (size_t)k);

		if (i % 7 == 0 ? idx != (long)(i / 7) : idx != -1)
			bad++;
	}
	ok(cl != NULL && bad == 0, "find over %zu probes (%d wrong)", n * 7,
	    bad);
	ok(cl != NULL && sdc_codelist_validate(cl, SDC_CODE_SNOMEDCT, &err) ==
	    0, "all valid SNOMED CT");
	sdc_codelist_free(cl);
	free(big);
}

int
main(int argc, char **argv)
{
	(void)argc;
	validators();
	if (!ok(find_datadir(argv[0]) == 0, "found tests/data/codelist"))
		return done();
	files();
	in_memory();
	return done();
}
