/*
 * codelist.c - code system validators and ehrQL-style codelists read
 * from CSV.
 *
 * A codelist file is read whole (they are small), lines that are blank
 * after the header are cut out in place, and the rest goes through the
 * strict CSV reader from memory.  Positions the reader reports are
 * mapped back to the original lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codelist.h"
#include "csv.h"
#include "hash.h"

/* Code systems */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_alnum(int c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* [1-9][0-9]{5,17} */
static int
check_snomedct(const char *s, size_t n)
{
	return n >= 6 && n <= 18 && s[0] >= '1' && s[0] <= '9' &&
	    all_digits(s, n);
}

/* five of [0-9A-Za-z.], as ../shared/REFERENCE.md gives it */
static int
check_ctv3(const char *s, size_t n)
{
	size_t i;

	if (n != 5)
		return 0;
	for (i = 0; i < 5; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '.')
			return 0;
	return 1;
}

/*
 * [A-Z][0-9]{2}(X[0-9]?|[0-9]{0,2})? as ../shared/REFERENCE.md gives it
 * (the later word; older ehrQL allowed only one character after the
 * first three).
 */
static int
check_icd10(const char *s, size_t n)
{
	if (n < 3 || n > 5 || !is_upper((unsigned char)s[0]) ||
	    !all_digits(s + 1, 2))
		return 0;
	if (n == 3)
		return 1;
	if (s[3] == 'X')
		return n == 4 || is_digit((unsigned char)s[4]);
	return all_digits(s + 3, n - 3);
}

/* [A-HJ-Z][0-9]{2,3} */
static int
check_opcs4(const char *s, size_t n)
{
	return (n == 3 || n == 4) && is_upper((unsigned char)s[0]) &&
	    s[0] != 'I' && all_digits(s + 1, n - 1);
}

/* [01][0-9]{6}[0-9A-Z]{2}([A-Z][0-9A-Z]){3} | 2[0-3][0-9]{9} */
static int
check_bnf(const char *s, size_t n)
{
	size_t i;

	if (n == 11)
		return s[0] == '2' && s[1] >= '0' && s[1] <= '3' &&
		    all_digits(s + 2, 9);
	if (n != 15 || (s[0] != '0' && s[0] != '1') || !all_digits(s + 1, 6))
		return 0;
	for (i = 7; i < 15; i++) {
		int c = (unsigned char)s[i];

		if (!is_upper(c) && !(is_digit(c) && (i < 9 || i % 2 == 0)))
			return 0;
	}
	return 1;
}

static const struct code_system {
	const char *name, *cls, *label;
	sdc_code_check_fn *check;
} systems[SDC_CODE_NSYSTEMS] = {
	[SDC_CODE_NONE] = { "", "", "", NULL },
	[SDC_CODE_SNOMEDCT] = { "snomedct", "SNOMEDCTCode", "SNOMED-CT",
	    check_snomedct },
	[SDC_CODE_CTV3] = { "ctv3", "CTV3Code", "CTV3 (Read v3)", check_ctv3 },
	[SDC_CODE_ICD10] = { "icd10", "ICD10Code", "ICD-10", check_icd10 },
	[SDC_CODE_OPCS4] = { "opcs4", "OPCS4Code", "OPCS-4", check_opcs4 },
	[SDC_CODE_DMD] = { "dmd", "DMDCode", "dm+d", check_snomedct },
	[SDC_CODE_BNF] = { "bnf", "BNFCode", "Pseudo BNF", check_bnf },
};

static const struct code_system *
system_of(enum sdc_code_system sys)
{
	if ((int)sys <= SDC_CODE_NONE || (int)sys >= SDC_CODE_NSYSTEMS)
		return &systems[SDC_CODE_NONE];
	return &systems[sys];
}

sdc_code_check_fn *
sdc_code_validator(enum sdc_code_system sys)
{
	return system_of(sys)->check;
}

int
sdc_code_valid(enum sdc_code_system sys, const char *s, size_t len)
{
	sdc_code_check_fn *fn = sdc_code_validator(sys);

	return fn != NULL && fn(s, len);
}

int
sdc_code_prefix_valid(enum sdc_code_system sys, const char *s, size_t len)
{
	if (len == 0 || !is_upper((unsigned char)s[0]))
		return 0;
	switch (sys) {
	case SDC_CODE_ICD10:	/* [A-Z](\d{0,2}|\d{2}X|\d{3}) */
		if (len <= 3)
			return all_digits(s + 1, len - 1);
		return len == 4 && all_digits(s + 1, 2) &&
		    (s[3] == 'X' || is_digit((unsigned char)s[3]));
	case SDC_CODE_OPCS4:	/* [A-HJ-Z][0-9]{0,3} */
		return s[0] != 'I' && len <= 4 && all_digits(s + 1, len - 1);
	default:
		return 0;
	}
}

int
sdc_code_system_lookup(const char *name, enum sdc_code_system *out)
{
	int i;

	for (i = SDC_CODE_NONE + 1; i < SDC_CODE_NSYSTEMS; i++)
		if (strcmp(name, systems[i].name) == 0) {
			*out = (enum sdc_code_system)i;
			return 0;
		}
	return -1;
}

const char *
sdc_code_system_name(enum sdc_code_system sys)
{
	return system_of(sys)->name;
}

const char *
sdc_code_system_class(enum sdc_code_system sys)
{
	return system_of(sys)->cls;
}

const char *
sdc_code_system_label(enum sdc_code_system sys)
{
	return system_of(sys)->label;
}

/* Codelists */

struct sdc_codelist {
	char *name;
	struct sdc_hmap map;		/* code -> index, in file order */
	char *text;			/* codes and categories, NUL-ended */
	size_t tlen, tcap;
	size_t *code_off, *cat_off;	/* per code, into text */
	size_t *code_len, *cat_len;
	unsigned long long *line, *col;	/* first appearance */
	size_t n, cap;
	int has_cat;
};

/* Bytes of Python whitespace starting at s (0 if none); n > 0. */
static size_t
space_at(const unsigned char *s, size_t n)
{
	if ((s[0] >= 0x09 && s[0] <= 0x0d) || (s[0] >= 0x1c && s[0] <= 0x20))
		return 1;
	if (s[0] == 0xc2 && n >= 2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)		/* 1680 */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x80 && s[2] <= 0x8a) ||
	    s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))	/* 2000.. */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)		/* 205F */
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)		/* 3000 */
		return 3;
	return 0;
}

/* Length of the whitespace that ends the n bytes at s. */
static size_t
space_before(const unsigned char *s, size_t n)
{
	size_t k;

	if (n == 0)
		return 0;
	for (k = 1; k <= 3 && k <= n; k++)
		if (space_at(s + n - k, k) == k)
			return k;
	return 0;
}

/*
 * Strip (*s, *n) as str.strip() would; returns the number of bytes cut
 * from the front.
 */
static size_t
strip(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	size_t k, front = 0, len = *n;

	while (len > 0 && (k = space_at(p, len)) > 0) {
		p += k;
		len -= k;
		front += k;
	}
	while (len > 0 && (k = space_before(p, len)) > 0)
		len -= k;
	*s = (const char *)p;
	*n = len;
	return front;
}

static int
add_text(struct sdc_codelist *cl, const char *s, size_t n, size_t *off)
{
	if (cl->tcap - cl->tlen < n + 1) {
		size_t nc = cl->tcap ? cl->tcap : 4096;
		char *t;

		while (nc - cl->tlen < n + 1)
			nc *= 2;
		if ((t = realloc(cl->text, nc)) == NULL)
			return -1;
		cl->text = t;
		cl->tcap = nc;
	}
	memcpy(cl->text + cl->tlen, s, n);
	cl->text[cl->tlen + n] = '\0';
	*off = cl->tlen;
	cl->tlen += n + 1;
	return 0;
}

static int
grow(struct sdc_codelist *cl)
{
	size_t nc = cl->cap ? cl->cap * 2 : 64;
	size_t *a, *b, *c, *d;
	unsigned long long *e, *f;

	if ((a = realloc(cl->code_off, nc * sizeof(*a))) != NULL)
		cl->code_off = a;
	if ((b = realloc(cl->cat_off, nc * sizeof(*b))) != NULL)
		cl->cat_off = b;
	if ((c = realloc(cl->code_len, nc * sizeof(*c))) != NULL)
		cl->code_len = c;
	if ((d = realloc(cl->cat_len, nc * sizeof(*d))) != NULL)
		cl->cat_len = d;
	if ((e = realloc(cl->line, nc * sizeof(*e))) != NULL)
		cl->line = e;
	if ((f = realloc(cl->col, nc * sizeof(*f))) != NULL)
		cl->col = f;
	if (!a || !b || !c || !d || !e || !f)
		return -1;
	cl->cap = nc;
	return 0;
}

/* The text after the header, with its blank lines taken out. */
struct filtered {
	char *buf;
	size_t len;
	size_t *lstart;		/* byte offset of each kept line */
	size_t nlines, lcap;
	size_t *drop;		/* per dropped line: kept lines before it */
	size_t ndrop, dcap;
};

static int
push(size_t **v, size_t *n, size_t *cap, size_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		size_t *p = realloc(*v, nc * sizeof(*p));

		if (p == NULL)
			return -1;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/*
 * Cut, in place, every physical line after the first record that holds
 * nothing but spaces and tabs (and a CR before its LF), outside quotes.
 */
static int
filter_blank(struct filtered *f)
{
	char *b = f->buf;
	size_t r = 0, w = 0, n = f->len;
	int inq = 0, header = 1;

	while (r < n) {
		size_t e = r;

		if (!inq && !header) {
			while (e < n && (b[e] == ' ' || b[e] == '\t'))
				e++;
			if (e < n && b[e] == '\r' && e + 1 < n && b[e + 1] == '\n')
				e++;
			if (e == n || b[e] == '\n') {
				if (push(&f->drop, &f->ndrop, &f->dcap,
				    f->nlines) != 0)
					return -1;
				r = e < n ? e + 1 : n;
				continue;
			}
		}
		if (!inq && push(&f->lstart, &f->nlines, &f->lcap, w) != 0)
			return -1;
		/* copy one physical line, tracking quotes */
		while (r < n) {
			char c = b[r];

			b[w++] = b[r++];
			if (c == '"')
				inq = !inq;
			else if (c == '\n') {
				if (!inq)
					header = 0;
				break;
			}
		}
		if (inq && r < n && push(&f->lstart, &f->nlines, &f->lcap, w) !=
		    0)
			return -1;
	}
	f->len = w;
	return 0;
}

/* Original line number of line l of the filtered text. */
static unsigned long long
orig_line(const struct filtered *f, unsigned long long l)
{
	size_t lo = 0, hi = f->ndrop;

	while (lo < hi) {	/* count drops with drop[i] < l */
		size_t mid = lo + (hi - lo) / 2;

		if (f->drop[mid] < l)
			lo = mid + 1;
		else
			hi = mid;
	}
	return l + lo;
}

static int
slurp(struct sdc_input *in, struct filtered *f, struct sdc_err *err)
{
	size_t cap = 0;
	ssize_t k;

	for (;;) {
		if (cap - f->len < 65536) {
			size_t nc = cap ? cap * 2 : 65536;
			char *p;

			if (nc > SDC_CODELIST_MAX + 65536)
				nc = SDC_CODELIST_MAX + 65536;
			if (f->len > SDC_CODELIST_MAX)
				return sdc_err_set(err, SDC_ELIMIT,
				    sdc_input_name(in), 0, 0,
				    "codelist larger than %lu bytes",
				    (unsigned long)SDC_CODELIST_MAX);
			if ((p = realloc(f->buf, nc)) == NULL)
				return sdc_err_nomem(err);
			f->buf = p;
			cap = nc;
		}
		k = sdc_input_read(in, f->buf + f->len, cap - f->len, err);
		if (k < 0)
			return -1;
		if (k == 0)
			return 0;
		f->len += (size_t)k;
	}
}

/* Index of the last header column called name, or -1. */
static long
last_column(const struct sdc_csv_row *h, const char *name)
{
	size_t i = h->n;

	while (i-- > 0)
		if (strcmp(h->field[i], name) == 0)
			return (long)i;
	return -1;
}

/*
 * Record where code i starts: the field's position, past its opening
 * quote if any, past the front bytes stripped from it.
 */
static void
locate(struct sdc_codelist *cl, size_t i, const struct sdc_csv_reader *r,
    size_t field, size_t front, const struct filtered *f)
{
	unsigned long long line, col;
	const char *p;
	size_t k;

	sdc_csv_reader_where(r, field, &line, &col);
	p = line >= 1 && line <= f->nlines ?
	    f->buf + f->lstart[line - 1] + col - 1 : NULL;
	if (p != NULL && *p == '"') {
		p++;
		col++;
	}
	for (k = 0; p != NULL && k < front; k++) {
		if (p[k] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	cl->line[i] = orig_line(f, line);
	cl->col[i] = col;
}

static int
add_row(struct sdc_codelist *cl, const struct sdc_csv_reader *r,
    const struct sdc_csv_row *row, long ci, long ki, const struct filtered *f,
    struct sdc_err *err)
{
	const char *code = row->field[ci], *cat = NULL;
	size_t n = row->len[ci], cn = 0, front;
	uint64_t h;
	int64_t id;
	int added;

	front = strip(&code, &n);
	if (n == 0)
		return 0;
	if (ki >= 0) {
		cat = row->field[ki];
		cn = row->len[ki];
		strip(&cat, &cn);
	}
	h = sdc_hash_bytes(code, n);
	if ((id = sdc_hmap_put(&cl->map, code, n, h, &added)) < 0)
		return sdc_err_nomem(err);
	if (added) {
		if (cl->n == cl->cap && grow(cl) != 0)
			return sdc_err_nomem(err);
		if (add_text(cl, code, n, &cl->code_off[id]) != 0)
			return sdc_err_nomem(err);
		cl->code_len[id] = n;
		cl->n++;
		locate(cl, (size_t)id, r, (size_t)ci, front, f);
	}
	if (ki >= 0) {		/* the last category wins */
		if (!added && cl->cat_len[id] >= cn) {
			memcpy(cl->text + cl->cat_off[id], cat, cn);
			cl->text[cl->cat_off[id] + cn] = '\0';
		} else if (add_text(cl, cat, cn, &cl->cat_off[id]) != 0)
			return sdc_err_nomem(err);
		cl->cat_len[id] = cn;
	}
	return 0;
}

static void
filtered_free(struct filtered *f)
{
	free(f->buf);
	free(f->lstart);
	free(f->drop);
}

struct sdc_codelist *
sdc_codelist_read(struct sdc_input *src, const char *column,
    const char *category_column, struct sdc_err *err)
{
	struct sdc_codelist *cl = calloc(1, sizeof(*cl));
	struct filtered f;
	struct sdc_input *in = NULL;
	struct sdc_csv_reader *r = NULL;
	const struct sdc_csv_row *row;
	long ci, ki = -1;
	int rc;

	memset(&f, 0, sizeof(f));
	if (cl == NULL || (cl->name = strdup(sdc_input_name(src))) == NULL) {
		free(cl);
		sdc_err_nomem(err);
		return NULL;
	}
	sdc_hmap_init(&cl->map);
	cl->has_cat = category_column != NULL;
	if (slurp(src, &f, err) != 0)
		goto fail;
	if (filter_blank(&f) != 0) {
		sdc_err_nomem(err);
		goto fail;
	}
	if ((in = sdc_input_mem(f.buf, f.len, cl->name, err)) == NULL ||
	    (r = sdc_csv_reader_new(in, SDC_CSV_DUPLICATES, err)) == NULL)
		goto fail;
	if ((ci = last_column(sdc_csv_reader_header(r), column)) < 0) {
		sdc_csv_reader_require(r, column, err);
		goto fail;
	}
	if (category_column != NULL && (ki = last_column(
	    sdc_csv_reader_header(r), category_column)) < 0) {
		sdc_csv_reader_require(r, category_column, err);
		goto fail;
	}
	while ((rc = sdc_csv_reader_next(r, &row, err)) == 1)
		if (add_row(cl, r, row, ci, ki, &f, err) != 0)
			goto fail;
	if (rc < 0) {
		/* map the reader's line back to the file's */
		if (err != NULL && err->line > 0)
			err->line = orig_line(&f, err->line);
		goto fail;
	}
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	filtered_free(&f);
	return cl;

fail:
	sdc_csv_reader_free(r);
	sdc_input_free(in);
	filtered_free(&f);
	sdc_codelist_free(cl);
	return NULL;
}

struct sdc_codelist *
sdc_codelist_from_csv(const char *path, const char *column,
    const char *category_column, struct sdc_err *err)
{
	struct sdc_input *in = sdc_input_open(path, err);
	struct sdc_codelist *cl;

	if (in == NULL)
		return NULL;
	cl = sdc_codelist_read(in, column, category_column, err);
	sdc_input_free(in);
	return cl;
}

void
sdc_codelist_free(struct sdc_codelist *cl)
{
	if (cl == NULL)
		return;
	free(cl->name);
	sdc_hmap_release(&cl->map);
	free(cl->text);
	free(cl->code_off);
	free(cl->cat_off);
	free(cl->code_len);
	free(cl->cat_len);
	free(cl->line);
	free(cl->col);
	free(cl);
}

size_t
sdc_codelist_count(const struct sdc_codelist *cl)
{
	return cl->n;
}

const char *
sdc_codelist_code(const struct sdc_codelist *cl, size_t i, size_t *len)
{
	if (len != NULL)
		*len = cl->code_len[i];
	return cl->text + cl->code_off[i];
}

int
sdc_codelist_has_categories(const struct sdc_codelist *cl)
{
	return cl->has_cat;
}

const char *
sdc_codelist_category(const struct sdc_codelist *cl, size_t i, size_t *len)
{
	if (!cl->has_cat) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = cl->cat_len[i];
	return cl->text + cl->cat_off[i];
}

long
sdc_codelist_find(const struct sdc_codelist *cl, const char *s, size_t len)
{
	return (long)sdc_hmap_get(&cl->map, s, len, sdc_hash_bytes(s, len));
}

int
sdc_codelist_contains(const struct sdc_codelist *cl, const char *s,
    size_t len)
{
	return sdc_codelist_find(cl, s, len) >= 0;
}

void
sdc_codelist_where(const struct sdc_codelist *cl, size_t i,
    unsigned long long *line, unsigned long long *column)
{
	*line = cl->line[i];
	*column = cl->col[i];
}

const char *
sdc_codelist_name(const struct sdc_codelist *cl)
{
	return cl->name;
}

int
sdc_codelist_validate(const struct sdc_codelist *cl,
    enum sdc_code_system sys, struct sdc_err *err)
{
	sdc_code_check_fn *fn = sdc_code_validator(sys);
	size_t i;

	if (fn == NULL)
		return sdc_err_set(err, SDC_EUSAGE, cl->name, 0, 0,
		    "no such code system");
	for (i = 0; i < cl->n; i++)
		if (!fn(cl->text + cl->code_off[i], cl->code_len[i]))
			return sdc_err_set(err, SDC_EDATA, cl->name,
			    cl->line[i], cl->col[i],
			    "'%s' is not a valid %s code (%s)",
			    cl->text + cl->code_off[i],
			    sdc_code_system_label(sys),
			    sdc_code_system_class(sys));
	return 0;
}
