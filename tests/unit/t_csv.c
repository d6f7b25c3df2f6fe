/*
 * t_csv.c - the CSV reader: conventions, errors with their positions,
 * gzip input, and agreement between the fast scanner and libcsv.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "libsdc/csv.h"
#include "tests/unit/tap.h"

/* A growing string. */
struct str {
	char *p;
	size_t n, cap;
};

static void
put(struct str *s, const char *p, size_t n)
{
	if (s->n + n + 1 > s->cap) {
		s->cap = (s->n + n + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (s->p == NULL)
			abort();
	}
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void
puts_(struct str *s, const char *p)
{
	put(s, p, strlen(p));
}

/*
 * Parse data and describe what the reader saw: records as [f|f|...]
 * with the start position of every field as @line:col, then either
 * "END" or "ERR line:col message".
 */
static char *
parse(const void *data, size_t len, unsigned flags)
{
	struct str s = { 0 };
	struct sdc_err err;
	struct sdc_input *in;
	struct sdc_csv_reader *r = NULL;
	const struct sdc_csv_row *row;
	char buf[SDC_ERR_MSG_MAX + 64];
	size_t i;
	int rc;

	sdc_err_clear(&err);
	in = sdc_input_mem(data, len, "t", &err);
	if (in != NULL)
		r = sdc_csv_reader_new(in, flags, &err);
	if (r != NULL) {
		row = sdc_csv_reader_header(r);
		rc = 1;
		do {
			puts_(&s, "[");
			for (i = 0; i < row->n; i++) {
				unsigned long long l, c;

				if (i)
					puts_(&s, "|");
				put(&s, row->field[i], row->len[i]);
				if (strlen(row->field[i]) != row->len[i])
					puts_(&s, "<BADLEN>");
				if (row != sdc_csv_reader_header(r)) {
					sdc_csv_reader_where(r, i, &l, &c);
					snprintf(buf, sizeof(buf), "@%llu:%llu",
					    l, c);
					puts_(&s, buf);
				}
			}
			puts_(&s, "]");
		} while ((rc = sdc_csv_reader_next(r, &row, &err)) == 1);
		if (rc == 0)
			puts_(&s, "END");
	}
	if (err.code != SDC_EOK) {
		snprintf(buf, sizeof(buf), "ERR %llu:%llu %s", err.line,
		    err.column, err.msg);
		puts_(&s, buf);
	}
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	return s.p;
}

/* Both paths must give want. */
static void
check(const char *data, const char *want, const char *what)
{
	char *fast = parse(data, strlen(data), 0);
	char *slow = parse(data, strlen(data), SDC_CSV_SLOW);

	is_str(fast, want, "%s (fast)", what);
	is_str(slow, want, "%s (libcsv)", what);
	free(fast);
	free(slow);
}

/* The error must start with want ("ERR line:col ..."). */
static void
check_err(const char *data, size_t len, const char *want, const char *what)
{
	unsigned flags[2] = { 0, SDC_CSV_SLOW };
	int k;

	for (k = 0; k < 2; k++) {
		char *got = parse(data, len, flags[k]);
		char *e = strstr(got, "ERR ");

		if (!ok(e != NULL && strncmp(e, want, strlen(want)) == 0,
		    "%s (%s)", what, k ? "libcsv" : "fast"))
			printf("#   got:  '%s'\n#   want: '%s...'\n", got, want);
		free(got);
	}
}

static unsigned long long rng_state = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	return tap_rand(&rng_state);
}

/* A random, mostly valid CSV document; some get one defect injected. */
static void
random_doc(struct str *s, int ncol, int nrec, int defect)
{
	static const char *pieces[] = { "", "a", "bc", "East", " sp ",
	    "\"q,c\"", "\"dq\"\"x\"", "\"nl\nz\"", "\"\"", "12", "\"cr\r\nlf\"",
	    "\xc3\xa9t\xc3\xa9", "\t" };
	static const char *defects[] = { "\"open", "x\"y", "\"a\"b", "\0",
	    "\r", ",extra", "\"\"\"" };
	int r, c;

	for (r = 0; r < nrec; r++) {
		for (c = 0; c < ncol; c++) {
			const char *p = pieces[rnd() % (sizeof(pieces) /
			    sizeof(pieces[0]))];

			if (c)
				puts_(s, ",");
			if (defect && rnd() % (size_t)(nrec * ncol) == 0) {
				size_t d = rnd() % (sizeof(defects) /
				    sizeof(defects[0]));

				put(s, defects[d], d == 3 ? 1 : strlen(defects[d]));
			}
			puts_(s, p);
		}
		if (r + 1 < nrec || rnd() % 2)
			puts_(s, rnd() % 4 ? "\n" : "\r\n");
	}
}

static void
test_agreement(void)
{
	int i, same = 0, total = 400, errors = 0;

	for (i = 0; i < total; i++) {
		struct str s = { 0 };
		char *fast, *slow;
		int ncol = 1 + (int)(rnd() % 5);

		random_doc(&s, ncol, 1 + (int)(rnd() % 30), i % 2);
		fast = parse(s.p, s.n, 0);
		slow = parse(s.p, s.n, SDC_CSV_SLOW);
		if (strcmp(fast, slow) == 0)
			same++;
		else
			printf("# differ on doc %d:\n#  fast %s\n#  slow %s\n",
			    i, fast, slow);
		errors += strstr(fast, "ERR ") != NULL;
		free(fast);
		free(slow);
		free(s.p);
	}
	ok(same == total, "fast scanner and libcsv agree on %d/%d random "
	    "documents", same, total);
	ok(errors > total / 8 && errors < total, "the random documents "
	    "include both valid and defective ones (%d defective)", errors);
}

/* Several MiB, so records straddle the reader's buffer refills. */
static void
test_big(void)
{
	struct str s = { 0 };
	char *fast, *slow;
	int i;

	puts_(&s, "id,text,n\n");
	for (i = 0; i < 60000; i++) {
		char line[200];
		int len = (int)(rnd() % 120);

		snprintf(line, sizeof(line), "%d,", i);
		puts_(&s, line);
		if (i % 7 == 0)
			puts_(&s, "\"quoted, with\nnewline\",");
		else {
			memset(line, 'x', (size_t)len);
			line[len] = ',';
			put(&s, line, (size_t)len + 1);
		}
		puts_(&s, i % 3 ? "1\n" : "2\r\n");
	}
	for (i = 0; i < 5; i++) {	/* fields longer than the buffer */
		size_t k, n = (size_t)(1 << 20) + 17 * (size_t)i;

		for (k = 0; k < n; k += 64)
			put(&s, "0123456789abcdef0123456789abcdef0123456789abcdef"
			    "0123456789abcdef", k + 64 <= n ? 64 : n - k);
		puts_(&s, i % 2 ? ",\"a\"\"b\",3\n" : ",t,3\n");
	}
	fast = parse(s.p, s.n, 0);
	slow = parse(s.p, s.n, SDC_CSV_SLOW);
	ok(strcmp(fast, slow) == 0 && strstr(fast, "END") != NULL,
	    "%zu bytes with multi-MiB records: both paths agree", s.n);
	ok(strstr(fast, "[59999@") != NULL, "last short record seen");
	free(fast);
	free(slow);
	free(s.p);
}

static size_t
gzip_mem(const char *src, size_t n, unsigned char *dst, size_t cap)
{
	z_stream z;
	size_t out;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)(uintptr_t)src;
	z.avail_in = (uInt)n;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	out = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void
test_gzip(void)
{
	const char *doc = "a,b\n1,\"x,y\"\n2,z\n";
	const char *want = "[a|b][1@2:1|x,y@2:3][2@3:1|z@3:3]END";
	unsigned char gz[512], two[1024];
	size_t n = gzip_mem(doc, strlen(doc), gz, sizeof(gz)), m;
	char *got;

	got = parse(gz, n, 0);
	is_str(got, want, "gzip input is decompressed");
	free(got);
	/* two members: "a,b\n1,.." then "3,w\n" */
	memcpy(two, gz, n);
	m = gzip_mem("3,w\n", 4, two + n, sizeof(two) - n);
	got = parse(two, n + m, 0);
	is_str(got, "[a|b][1@2:1|x,y@2:3][2@3:1|z@3:3][3@4:1|w@4:3]END",
	    "concatenated gzip members are read in turn");
	free(got);
	got = parse(gz, n - 5, 0);
	ok(strstr(got, "truncated gzip") != NULL, "truncated gzip is an error");
	free(got);
	memcpy(two, gz, n);
	memcpy(two + n, "junk", 4);
	got = parse(two, n + 4, 0);
	ok(strstr(got, "trailing data after gzip") != NULL,
	    "garbage after the gzip stream is an error");
	free(got);
	memcpy(two, gz, n);
	two[n / 2] ^= 0x55;
	got = parse(two, n, 0);
	ok(strstr(got, "ERR") != NULL, "corrupt gzip data is an error");
	free(got);
	got = parse("\x1f", 1, 0);
	ok(strstr(got, "[\x1f]END") != NULL,
	    "a lone 0x1f byte is plain data, not gzip");
	free(got);
}

int
main(void)
{
	check("a,b\n1,2\n", "[a|b][1@2:1|2@2:3]END", "simple");
	check("a,b\r\n1,2\r\n", "[a|b][1@2:1|2@2:3]END", "CRLF");
	check("a,b\n1,2", "[a|b][1@2:1|2@2:3]END", "no final newline");
	check("\xef\xbb\xbf" "a,b\n1,2\n", "[a|b][1@2:1|2@2:3]END",
	    "BOM dropped");
	check("a\n\xef\xbb\xbfx\n", "[a][\xef\xbb\xbfx@2:1]END",
	    "BOM kept when not at the start");
	check("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n",
	    "[a|b][x,y@2:1|say \"hi\"@2:7]END", "quoted comma and quotes");
	check("a,b\n\"multi\nline\",z\n3,4\n",
	    "[a|b][multi\nline@2:1|z@3:7][3@4:1|4@4:3]END",
	    "quoted newline; later lines numbered right");
	check("a,b\n\"cr\r\nlf\",z\r\n",
	    "[a|b][cr\r\nlf@2:1|z@3:5]END", "quoted CRLF kept");
	check("a,b\n x , y \n", "[a|b][ x @2:1| y @2:5]END", "spaces are data");
	check("a,b,c\n,,\n", "[a|b|c][@2:1|@2:2|@2:3]END", "empty fields");
	check("a,b\n\"\",x\n", "[a|b][@2:1|x@2:4]END", "quoted empty field");
	check("a\n\n\nb\n", "[a][@2:1][@3:1][b@4:1]END",
	    "blank lines in a one-column file are empty values");
	check("a\r\n\r\nb\r\n", "[a][@2:1][b@3:1]END", "blank CRLF line");
	check("a,\"b\"\n1,2\n", "[a|b][1@2:1|2@2:3]END", "quoted header");
	check("a\n\"\"\"\"\n", "[a][\"@2:1]END", "a lone escaped quote");
	check("a\n\"x\"", "[a][x@2:1]END", "quoted last field without newline");
	check("a,b\n1,\"\xc3\xa9\"\n", "[a|b][1@2:1|\xc3\xa9@2:3]END",
	    "UTF-8 passes through");

	check_err("", 0, "ERR 1:0 empty input", "empty input");
	check_err("\xef\xbb\xbf", 3, "ERR 1:0 empty input", "BOM only");
	check_err("a,b\n1,2\n3\n", 10, "ERR 3:2 expected 2 fields, found 1",
	    "too few fields");
	check_err("a,b\n1,2,3\n", 10, "ERR 2:5 expected 2 fields, found at "
	    "least 3", "too many fields");
	check_err("a,b\n\"x\ny\",2,3\n", 14, "ERR 3:6 expected 2 fields",
	    "too many after a multi-line field");
	check_err("a,b\n1,2\n\n3,4\n", 13, "ERR 3:1 expected 2 fields, "
	    "found 1", "blank line in a two-column file");
	check_err("a,b\n1,\"x\n2,3\n", 13, "ERR 2:3 unterminated quoted field",
	    "unterminated quote points at its start");
	check_err("a,b\n1,x\"y\n", 10, "ERR 2:4 quote inside an unquoted",
	    "quote inside unquoted field");
	check_err("a,b\n1,\"x\"y\n", 11, "ERR 2:6 unexpected character after",
	    "text after closing quote");
	check_err("a,b\n1,\"x\" \n", 11, "ERR 2:6 unexpected character after",
	    "space after closing quote");
	check_err("a,b\n1,2\r3,4\n", 12, "ERR 2:4 carriage return without",
	    "bare CR");
	check_err("a,b\n1,2\r", 8, "ERR 2:4 carriage return without",
	    "CR at the very end");
	check_err("a,b\n1,x\0y\n", 10, "ERR 2:4 NUL byte", "NUL byte");
	check_err("a,b\n\"1\",x\0y\n", 12, "ERR 2:6 NUL byte",
	    "NUL byte in a record with quotes");
	check_err("a,b,a\n1,2,3\n", 12, "ERR 1:5 column name 'a' repeated",
	    "repeated column name");
	{
		char *got = parse("a,a\n1,2\n", 8, SDC_CSV_DUPLICATES);

		is_str(got, "[a|a][1@2:1|2@2:3]END",
		    "repeated names allowed on request");
		free(got);
	}
	test_agreement();
	test_big();
	test_gzip();
	return done();
}
