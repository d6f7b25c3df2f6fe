/* lex.c - tokenizer for the definition language. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lex.h"

#define TOK_TEXT_(k, t) t,
#define TOK_QUOTED_(k, t) "'" t "'",
static const char *const tok_text[] = { SDC_TOK_LIST(TOK_TEXT_) };
static const char *const tok_quoted[] = { SDC_TOK_LIST(TOK_QUOTED_) };

const char *
sdc_tok_name(enum sdc_tok kind)
{
	if ((unsigned)kind >= SDC_TOK_COUNT_)
		return "?";
	return kind < SDC_TOK_LPAR ? tok_text[kind] : tok_quoted[kind];
}

/*
 * Length of the UTF-8 sequence at s (before e) and its code point, or 0
 * when it is not valid UTF-8 (overlong forms, surrogates and values
 * beyond U+10FFFF included).
 */
static size_t
u8dec(const unsigned char *s, const unsigned char *e, unsigned *cp)
{
	unsigned c = s[0], n, i, v, lo = 0x80, hi = 0xBF;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0) {
		n = 1;
		v = c & 0x1F;
	} else if (c < 0xF0) {
		n = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		n = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if ((size_t)(e - s) <= n)
		return 0;
	for (i = 1; i <= n; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	*cp = v;
	return n + 1;
}

void
sdc_lex_advance(const char *p, size_t n, unsigned *line, unsigned *col)
{
	const char *e = p + n;

	for (; p < e; p++) {
		if (*p == '\n' || (*p == '\r' && (p + 1 == e || p[1] != '\n'))) {
			(*line)++;
			*col = 1;
		} else if (*p != '\r' && ((unsigned char)*p & 0xC0) != 0x80)
			(*col)++;
	}
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
lerr(struct sdc_lexer *lx, const char *at, struct sdc_err *err,
    enum sdc_err_code code, const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	unsigned line = lx->line, col = lx->col;
	va_list ap;

	if (at > lx->p)
		sdc_lex_advance(lx->p, (size_t)(at - lx->p), &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdc_err_set(err, code, lx->file, line, col, "%s", msg);
}

int
sdc_lex_init(struct sdc_lexer *lx, const char *file, const char *src,
    size_t len, struct sdc_err *err)
{
	const unsigned char *s, *e;
	unsigned cp;
	size_t n;

	memset(lx, 0, sizeof(*lx));
	lx->file = file;
	lx->line = lx->col = 1;
	lx->at_bol = 1;
	lx->nindent = 1;
	if (len > SDC_LEX_SOURCE_MAX)
		return sdc_err_set(err, SDC_ELIMIT, file, 0, 0,
		    "definition is %zu bytes, more than the limit of %lu",
		    len, SDC_LEX_SOURCE_MAX);
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
		src += 3;
		len -= 3;
	}
	lx->p = src;
	lx->end = src + len;
	lx->indent[0].p = src;
	lx->indent[0].len = 0;
	s = (const unsigned char *)src;
	e = s + len;
	while (s < e) {
		if (*s >= 0x20 && *s < 0x80) {
			s++;
			continue;
		}
		if (*s == 0)
			return lerr(lx, (const char *)s, err, SDC_EPARSE,
			    "NUL byte in definition");
		n = u8dec(s, e, &cp);
		if (n == 0)
			return lerr(lx, (const char *)s, err, SDC_EPARSE,
			    "invalid UTF-8 (byte 0x%02X)", *s);
		s += n;
	}
	return 0;
}

void
sdc_lex_init_fexpr(struct sdc_lexer *lx, const char *file, const char *p,
    size_t len, unsigned line, unsigned col)
{
	memset(lx, 0, sizeof(*lx));
	lx->file = file;
	lx->p = p;
	lx->end = p + len;
	lx->line = line;
	lx->col = col;
	lx->fmode = 1;
	lx->nindent = 1;
	lx->indent[0].p = p;
}

static void
emit(struct sdc_lexer *lx, struct sdc_token *tok, enum sdc_tok kind,
    size_t len)
{
	tok->kind = kind;
	tok->p = lx->p;
	tok->len = len;
	tok->line = lx->line;
	tok->col = lx->col;
	sdc_lex_advance(lx->p, len, &lx->line, &lx->col);
	lx->p += len;
}

static void
emit_at_indent(struct sdc_lexer *lx, struct sdc_token *tok,
    enum sdc_tok kind)
{
	tok->kind = kind;
	tok->p = lx->p;
	tok->len = 0;
	tok->line = lx->ind_line;
	tok->col = lx->ind_col;
}

/*
 * At the start of a line outside brackets: skip a blank or comment-only
 * line (returns 0 to go round again) or measure the indentation and
 * queue INDENT/DEDENT (returns 1).  -1 on error.
 */
static int
indentation(struct sdc_lexer *lx, struct sdc_err *err)
{
	const char *q = lx->p, *top;
	size_t w, tlen, k;

	while (q < lx->end && (*q == ' ' || *q == '\t' || *q == '\f')) {
		if (*q == '\f') {	/* a form feed resets the indentation */
			lx->col += (unsigned)(q + 1 - lx->p);
			lx->p = q + 1;
		}
		q++;
	}
	w = (size_t)(q - lx->p);
	if (q == lx->end) {
		lx->col += (unsigned)w;
		lx->p = q;
		lx->at_bol = 0;
		return 1;
	}
	if (*q == '#' || *q == '\n' || *q == '\r') {
		while (q < lx->end && *q != '\n' && *q != '\r')
			q++;
		if (q < lx->end)
			q += (*q == '\r' && q + 1 < lx->end && q[1] == '\n') ?
			    2 : 1;
		sdc_lex_advance(lx->p, (size_t)(q - lx->p), &lx->line,
		    &lx->col);
		lx->p = q;
		return 0;
	}
	lx->at_bol = 0;
	top = lx->indent[lx->nindent - 1].p;
	tlen = lx->indent[lx->nindent - 1].len;
	if (w == tlen && memcmp(lx->p, top, w) == 0) {
		/* same level */
	} else if (w > tlen && memcmp(lx->p, top, tlen) == 0) {
		if (lx->nindent > SDC_LEX_INDENT_MAX)
			return lerr(lx, q, err, SDC_ELIMIT,
			    "too many levels of indentation (limit %d)",
			    SDC_LEX_INDENT_MAX);
		lx->indent[lx->nindent].p = lx->p;
		lx->indent[lx->nindent].len = w;
		lx->nindent++;
		lx->indent_pending = 1;
	} else if (w < tlen && memcmp(lx->p, top, w) == 0) {
		k = lx->nindent;
		while (k > 1 && lx->indent[k - 1].len > w)
			k--;
		if (lx->indent[k - 1].len != w)
			return lerr(lx, q, err, SDC_EPARSE, "unindent does not "
			    "match any outer indentation level");
		lx->dedents = (unsigned)(lx->nindent - k);
		lx->nindent = k;
	} else
		return lerr(lx, q, err, SDC_EPARSE,
		    "inconsistent use of tabs and spaces in indentation");
	lx->col += (unsigned)w;
	lx->p = q;
	lx->ind_line = lx->line;
	lx->ind_col = lx->col;
	return 1;
}

static int
is_id_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_id_char(int c)
{
	return is_id_start(c) || (c >= '0' && c <= '9');
}

static int
is_digit(int c, int base)
{
	switch (base) {
	case 2:
		return c == '0' || c == '1';
	case 8:
		return c >= '0' && c <= '7';
	case 16:
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F');
	default:
		return c >= '0' && c <= '9';
	}
}

static const char *
base_name(int base)
{
	return base == 2 ? "binary" : base == 8 ? "octal" :
	    base == 16 ? "hexadecimal" : "decimal";
}

static const struct {
	const char *s;
	enum sdc_tok kind;
} keywords[] = {
	{ "False", SDC_TOK_KW_FALSE }, { "None", SDC_TOK_KW_NONE },
	{ "True", SDC_TOK_KW_TRUE }, { "and", SDC_TOK_KW_AND },
	{ "as", SDC_TOK_KW_AS }, { "assert", SDC_TOK_KW_ASSERT },
	{ "async", SDC_TOK_KW_ASYNC }, { "await", SDC_TOK_KW_AWAIT },
	{ "break", SDC_TOK_KW_BREAK }, { "class", SDC_TOK_KW_CLASS },
	{ "continue", SDC_TOK_KW_CONTINUE }, { "def", SDC_TOK_KW_DEF },
	{ "del", SDC_TOK_KW_DEL }, { "elif", SDC_TOK_KW_ELIF },
	{ "else", SDC_TOK_KW_ELSE }, { "except", SDC_TOK_KW_EXCEPT },
	{ "finally", SDC_TOK_KW_FINALLY }, { "for", SDC_TOK_KW_FOR },
	{ "from", SDC_TOK_KW_FROM }, { "global", SDC_TOK_KW_GLOBAL },
	{ "if", SDC_TOK_KW_IF }, { "import", SDC_TOK_KW_IMPORT },
	{ "in", SDC_TOK_KW_IN }, { "is", SDC_TOK_KW_IS },
	{ "lambda", SDC_TOK_KW_LAMBDA }, { "nonlocal", SDC_TOK_KW_NONLOCAL },
	{ "not", SDC_TOK_KW_NOT }, { "or", SDC_TOK_KW_OR },
	{ "pass", SDC_TOK_KW_PASS }, { "raise", SDC_TOK_KW_RAISE },
	{ "return", SDC_TOK_KW_RETURN }, { "try", SDC_TOK_KW_TRY },
	{ "while", SDC_TOK_KW_WHILE }, { "with", SDC_TOK_KW_WITH },
	{ "yield", SDC_TOK_KW_YIELD }
};

/* String prefix flags for the identifier at s (n bytes), or -1. */
static int
str_prefix(const char *s, size_t n)
{
	int f = 0;
	size_t i;

	if (n > 2)
		return -1;
	for (i = 0; i < n; i++) {
		int c = s[i] | 0x20, bit;

		if (c == 'r')
			bit = SDC_STR_RAW;
		else if (c == 'b')
			bit = SDC_STR_BYTES;
		else if (c == 'f')
			bit = SDC_STR_F;
		else if (c == 'u' && n == 1)
			bit = 0;
		else
			return -1;
		if (f & bit)
			return -1;
		f |= bit;
	}
	if ((f & SDC_STR_BYTES) && (f & SDC_STR_F))
		return -1;
	return f;
}

static int
scan_string(struct sdc_lexer *lx, struct sdc_token *tok, size_t plen,
    int flags, struct sdc_err *err)
{
	const char *q = lx->p + plen, *r;
	char quote = *q;
	int triple = lx->end - q >= 3 && q[1] == quote && q[2] == quote;
	unsigned line, col;

	r = q + (triple ? 3 : 1);
	for (;;) {
		if (r == lx->end || (!triple && (*r == '\n' || *r == '\r'))) {
			line = lx->line;
			col = lx->col;
			sdc_lex_advance(lx->p, (size_t)(r - lx->p), &line,
			    &col);
			return lerr(lx, lx->p, err, SDC_EPARSE,
			    "unterminated %sstring literal (detected at "
			    "line %u)", triple ? "triple-quoted " : "", line);
		}
		if (*r == '\\') {
			r++;
			if (r < lx->end)
				r += (*r == '\r' && r + 1 < lx->end &&
				    r[1] == '\n') ? 2 : 1;
			continue;
		}
		if (*r == quote && (!triple ||
		    (lx->end - r >= 3 && r[1] == quote && r[2] == quote))) {
			r += triple ? 3 : 1;
			break;
		}
		r++;
	}
	emit(lx, tok, SDC_TOK_STRING, (size_t)(r - lx->p));
	tok->str = (unsigned)flags | (triple ? SDC_STR_TRIPLE : 0);
	tok->prefix_len = (unsigned char)plen;
	tok->quote_len = triple ? 3 : 1;
	return 0;
}

/* Digits of base at q (q[0] is one) with single '_' between digits. */
static const char *
digits(struct sdc_lexer *lx, const char *q, int base, struct sdc_err *err)
{
	while (q < lx->end) {
		if (is_digit(*q, base))
			q++;
		else if (*q == '_' && q + 1 < lx->end && is_digit(q[1], base))
			q += 2;
		else if (*q == '_') {
			lerr(lx, q, err, SDC_EPARSE, "invalid %s literal: '_' "
			    "must separate digits", base_name(base));
			return NULL;
		} else
			break;
	}
	return q;
}

static int
scan_number(struct sdc_lexer *lx, struct sdc_token *tok,
    struct sdc_err *err)
{
	const char *s = lx->p, *q = s, *r;
	enum sdc_tok kind = SDC_TOK_INT;
	int base = 10;

	if (*q == '0' && q + 1 < lx->end && strchr("xXoObB", q[1]) != NULL) {
		int c = q[1] | 0x20;

		base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
		q += 2;
		if (q < lx->end && *q == '_')
			q++;
		if (q == lx->end || !is_digit(*q, base))
			return lerr(lx, q, err, SDC_EPARSE, "invalid %s "
			    "literal: no digits after '%.2s'",
			    base_name(base), s);
		if ((q = digits(lx, q, base, err)) == NULL)
			return -1;
	} else {
		if (*q == '.')
			kind = SDC_TOK_FLOAT;
		else if ((q = digits(lx, q, 10, err)) == NULL)
			return -1;
		if (q < lx->end && *q == '.') {
			kind = SDC_TOK_FLOAT;
			q++;
			if (q < lx->end && is_digit(*q, 10) &&
			    (q = digits(lx, q, 10, err)) == NULL)
				return -1;
		}
		if (q < lx->end && (*q == 'e' || *q == 'E')) {
			r = q + 1;
			if (r < lx->end && (*r == '+' || *r == '-'))
				r++;
			if (r == lx->end || !is_digit(*r, 10))
				return lerr(lx, r, err, SDC_EPARSE, "invalid "
				    "decimal literal: exponent has no digits");
			kind = SDC_TOK_FLOAT;
			if ((q = digits(lx, r, 10, err)) == NULL)
				return -1;
		}
		if (kind == SDC_TOK_INT && *s == '0') {
			for (r = s; r < q; r++)
				if (*r != '0' && *r != '_')
					return lerr(lx, s, err, SDC_EPARSE,
					    "leading zeros in decimal integer "
					    "literals are not permitted; use an "
					    "0o prefix for octal integers");
		}
		if (q < lx->end && (*q == 'j' || *q == 'J'))
			return lerr(lx, s, err, SDC_EPARSE,
			    "imaginary numbers are not supported");
	}
	if (q < lx->end && (is_id_char(*q) || (unsigned char)*q >= 0x80))
		return lerr(lx, q, err, SDC_EPARSE, "invalid %s literal",
		    base_name(base));
	emit(lx, tok, kind, (size_t)(q - s));
	return 0;
}

static int
end_of_input(struct sdc_lexer *lx, struct sdc_token *tok)
{
	if (!lx->fmode && lx->nbracket == 0) {
		if (lx->need_newline) {
			lx->need_newline = 0;
			emit(lx, tok, SDC_TOK_NEWLINE, 0);
			return 0;
		}
		if (lx->nindent > 1) {
			lx->nindent--;
			emit(lx, tok, SDC_TOK_DEDENT, 0);
			return 0;
		}
	}
	lx->done = 1;
	emit(lx, tok, SDC_TOK_END, 0);
	return 0;
}

/* The operator at p: its kind and length, or 0 length when none. */
static size_t
operator(const char *p, const char *end, enum sdc_tok *kind)
{
	static const struct {
		const char *s;
		enum sdc_tok kind;
	} ops[] = {
		{ "**=", SDC_TOK_DSTAREQ }, { "//=", SDC_TOK_DSLASHEQ },
		{ "<<=", SDC_TOK_LSHIFTEQ }, { ">>=", SDC_TOK_RSHIFTEQ },
		{ "...", SDC_TOK_ELLIPSIS },
		{ "**", SDC_TOK_DSTAR }, { "//", SDC_TOK_DSLASH },
		{ "<<", SDC_TOK_LSHIFT }, { ">>", SDC_TOK_RSHIFT },
		{ "<=", SDC_TOK_LE }, { ">=", SDC_TOK_GE },
		{ "==", SDC_TOK_EQ }, { "!=", SDC_TOK_NE },
		{ "->", SDC_TOK_ARROW }, { ":=", SDC_TOK_WALRUS },
		{ "+=", SDC_TOK_PLUSEQ }, { "-=", SDC_TOK_MINUSEQ },
		{ "*=", SDC_TOK_STAREQ }, { "/=", SDC_TOK_SLASHEQ },
		{ "%=", SDC_TOK_PERCENTEQ }, { "@=", SDC_TOK_ATEQ },
		{ "&=", SDC_TOK_AMPEQ }, { "|=", SDC_TOK_PIPEEQ },
		{ "^=", SDC_TOK_CARETEQ },
		{ "(", SDC_TOK_LPAR }, { ")", SDC_TOK_RPAR },
		{ "[", SDC_TOK_LSQB }, { "]", SDC_TOK_RSQB },
		{ "{", SDC_TOK_LBRACE }, { "}", SDC_TOK_RBRACE },
		{ ",", SDC_TOK_COMMA }, { ":", SDC_TOK_COLON },
		{ ";", SDC_TOK_SEMI }, { ".", SDC_TOK_DOT },
		{ "@", SDC_TOK_AT }, { "+", SDC_TOK_PLUS },
		{ "-", SDC_TOK_MINUS }, { "*", SDC_TOK_STAR },
		{ "/", SDC_TOK_SLASH }, { "%", SDC_TOK_PERCENT },
		{ "&", SDC_TOK_AMP }, { "|", SDC_TOK_PIPE },
		{ "^", SDC_TOK_CARET }, { "~", SDC_TOK_TILDE },
		{ "<", SDC_TOK_LT }, { ">", SDC_TOK_GT },
		{ "=", SDC_TOK_ASSIGN }, { "!", SDC_TOK_BANG }
	};
	size_t i, n, avail = (size_t)(end - p);

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i].s);
		if (n <= avail && memcmp(p, ops[i].s, n) == 0) {
			*kind = ops[i].kind;
			return n;
		}
	}
	return 0;
}

int
sdc_lex_next(struct sdc_lexer *lx, struct sdc_token *tok,
    struct sdc_err *err)
{
	const char *q;
	enum sdc_tok kind;
	size_t n, i;
	unsigned cp;
	int r;

	memset(tok, 0, sizeof(*tok));
	if (lx->done) {
		emit(lx, tok, SDC_TOK_END, 0);
		return 0;
	}
	for (;;) {
		if (lx->dedents > 0) {
			lx->dedents--;
			emit_at_indent(lx, tok, SDC_TOK_DEDENT);
			return 0;
		}
		if (lx->indent_pending) {
			lx->indent_pending = 0;
			emit_at_indent(lx, tok, SDC_TOK_INDENT);
			return 0;
		}
		if (lx->at_bol && !lx->fmode && lx->nbracket == 0) {
			if ((r = indentation(lx, err)) < 0)
				return -1;
			continue;
		}
		while (lx->p < lx->end &&
		    (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\f')) {
			lx->p++;
			lx->col++;
		}
		if (lx->p == lx->end)
			return end_of_input(lx, tok);
		q = lx->p;
		switch (*q) {
		case '#':
			if (lx->fmode)
				return lerr(lx, q, err, SDC_EPARSE, "f-string "
				    "expression part cannot include '#'");
			while (q < lx->end && *q != '\n' && *q != '\r')
				q++;
			sdc_lex_advance(lx->p, (size_t)(q - lx->p), &lx->line,
			    &lx->col);
			lx->p = q;
			continue;
		case '\\':
			if (lx->fmode)
				return lerr(lx, q, err, SDC_EPARSE, "f-string "
				    "expression part cannot include a "
				    "backslash");
			q++;
			if (q == lx->end)
				return lerr(lx, q, err, SDC_EPARSE, "unexpected "
				    "end of input after line continuation "
				    "character");
			if (*q != '\n' && *q != '\r')
				return lerr(lx, q, err, SDC_EPARSE, "unexpected "
				    "character after line continuation "
				    "character");
			q += (*q == '\r' && q + 1 < lx->end && q[1] == '\n') ?
			    2 : 1;
			sdc_lex_advance(lx->p, (size_t)(q - lx->p), &lx->line,
			    &lx->col);
			lx->p = q;
			continue;
		case '\n':
		case '\r':
			n = (*q == '\r' && q + 1 < lx->end && q[1] == '\n') ?
			    2 : 1;
			if (lx->fmode || lx->nbracket > 0) {
				sdc_lex_advance(lx->p, n, &lx->line, &lx->col);
				lx->p += n;
				continue;
			}
			emit(lx, tok, SDC_TOK_NEWLINE, n);
			lx->at_bol = 1;
			lx->need_newline = 0;
			return 0;
		}
		break;
	}

	lx->need_newline = 1;
	if (is_id_start(*q)) {
		while (q < lx->end && is_id_char(*q))
			q++;
		n = (size_t)(q - lx->p);
		if (q < lx->end && (*q == '\'' || *q == '"') &&
		    (r = str_prefix(lx->p, n)) >= 0)
			return scan_string(lx, tok, n, r, err);
		kind = SDC_TOK_NAME;
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].s) == n &&
			    memcmp(keywords[i].s, lx->p, n) == 0) {
				kind = keywords[i].kind;
				break;
			}
		emit(lx, tok, kind, n);
		return 0;
	}
	if (*q == '\'' || *q == '"')
		return scan_string(lx, tok, 0, 0, err);
	if (is_digit(*q, 10) || (*q == '.' && q + 1 < lx->end &&
	    is_digit(q[1], 10)))
		return scan_number(lx, tok, err);
	if ((n = operator(q, lx->end, &kind)) > 0) {
		switch (kind) {
		case SDC_TOK_LPAR:
		case SDC_TOK_LSQB:
		case SDC_TOK_LBRACE:
			if (lx->nbracket >= SDC_LEX_BRACKET_MAX)
				return lerr(lx, q, err, SDC_ELIMIT, "too many "
				    "nested brackets (limit %d)",
				    SDC_LEX_BRACKET_MAX);
			lx->nbracket++;
			break;
		case SDC_TOK_RPAR:
		case SDC_TOK_RSQB:
		case SDC_TOK_RBRACE:
			if (lx->nbracket > 0)
				lx->nbracket--;
			else if (!lx->fmode || kind != SDC_TOK_RBRACE)
				return lerr(lx, q, err, SDC_EPARSE,
				    "unmatched '%c'", *q);
			break;
		case SDC_TOK_WALRUS:	/* f"{x:=10}": a format spec */
			if (lx->fmode && lx->nbracket == 0) {
				kind = SDC_TOK_COLON;
				n = 1;
			}
			break;
		case SDC_TOK_BANG:
			if (!lx->fmode)
				return lerr(lx, q, err, SDC_EPARSE,
				    "invalid character '!' (U+0021)");
			break;
		default:
			break;
		}
		emit(lx, tok, kind, n);
		return 0;
	}
	if ((unsigned char)*q < 0x80) {
		if ((unsigned char)*q < 0x20 || *q == 0x7F)
			return lerr(lx, q, err, SDC_EPARSE, "invalid character "
			    "U+%04X", (unsigned)*q);
		return lerr(lx, q, err, SDC_EPARSE, "invalid character '%c' "
		    "(U+%04X)", *q, (unsigned)*q);
	}
	n = u8dec((const unsigned char *)q, (const unsigned char *)lx->end,
	    &cp);
	if (n == 0)	/* not reached after sdc_lex_init's check */
		return lerr(lx, q, err, SDC_EPARSE, "invalid UTF-8");
	return lerr(lx, q, err, SDC_EPARSE, "invalid character '%.*s' "
	    "(U+%04X): only ASCII is allowed outside strings and comments",
	    (int)n, q, cp);
}
