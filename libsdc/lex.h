/*
 * lex.h - tokenizer for the definition language (the Python subset used
 * by ehrQL dataset definitions), driven one token at a time by parse.c.
 *
 * Lifecycle and ownership.  sdc_lex_init checks the whole source once
 * (size, NUL bytes, UTF-8) and needs no release: the lexer allocates
 * nothing.  It borrows src and file, which must outlive it and every
 * token it returns; a token's p points into src.  Copy what you keep.
 * After an error the lexer is spent.
 *
 * Lexical rules.  A UTF-8 byte order mark at the start is skipped.  Lines
 * end in LF, CRLF or CR.  Lines and columns are 1-based; columns count
 * code points, so a tab is one column.  Non-ASCII characters are allowed
 * only inside strings and comments (identifiers are ASCII: letters,
 * digits, '_').  Indentation is compared as exact whitespace prefixes: a
 * deeper line must start with the enclosing line's indentation, a
 * shallower one must equal an enclosing level, and anything else (say a
 * tab where the outer line had spaces) is an error; a form feed in
 * the indentation discards what precedes it, as in Python.  Blank and
 * comment-only lines are ignored; newlines inside (), [] and {} and after
 * a backslash join lines.  At the end of the input the lexer supplies a
 * missing NEWLINE, one DEDENT per open block, then SDC_TOK_END.
 *
 * Numbers are checked here ("1__0", "0x", "012" and "1j" are errors) but
 * not converted; strings are delimited and classified (prefix, quotes)
 * but escapes are decoded by the parser.  Keywords, including the ones
 * the language rejects (while, class, ...), get their own kinds so that
 * the parser can name them.
 */
#ifndef SDC_LEX_H
#define SDC_LEX_H

#include <stddef.h>

#include "err.h"

#define SDC_LEX_SOURCE_MAX (16UL * 1024 * 1024)	/* bytes */
#define SDC_LEX_INDENT_MAX 100	/* open indentation levels */
#define SDC_LEX_BRACKET_MAX 200	/* open brackets */

/* X(kind, text): text is how messages name the token. */
#define SDC_TOK_LIST(X) \
	X(END, "end of input") X(NEWLINE, "end of line") \
	X(INDENT, "indent") X(DEDENT, "dedent") \
	X(NAME, "name") X(INT, "integer") X(FLOAT, "number") \
	X(STRING, "string") \
	X(LPAR, "(") X(RPAR, ")") X(LSQB, "[") X(RSQB, "]") \
	X(LBRACE, "{") X(RBRACE, "}") X(COMMA, ",") X(COLON, ":") \
	X(SEMI, ";") X(DOT, ".") X(ELLIPSIS, "...") X(ARROW, "->") \
	X(BANG, "!") X(WALRUS, ":=") X(AT, "@") \
	X(PLUS, "+") X(MINUS, "-") X(STAR, "*") X(SLASH, "/") \
	X(DSLASH, "//") X(PERCENT, "%") X(DSTAR, "**") \
	X(LSHIFT, "<<") X(RSHIFT, ">>") X(AMP, "&") X(PIPE, "|") \
	X(CARET, "^") X(TILDE, "~") \
	X(LT, "<") X(GT, ">") X(LE, "<=") X(GE, ">=") X(EQ, "==") \
	X(NE, "!=") X(ASSIGN, "=") \
	X(PLUSEQ, "+=") X(MINUSEQ, "-=") X(STAREQ, "*=") \
	X(SLASHEQ, "/=") X(DSLASHEQ, "//=") X(PERCENTEQ, "%=") \
	X(ATEQ, "@=") X(AMPEQ, "&=") X(PIPEEQ, "|=") X(CARETEQ, "^=") \
	X(LSHIFTEQ, "<<=") X(RSHIFTEQ, ">>=") X(DSTAREQ, "**=") \
	X(KW_FALSE, "False") X(KW_NONE, "None") X(KW_TRUE, "True") \
	X(KW_AND, "and") X(KW_AS, "as") X(KW_ASSERT, "assert") \
	X(KW_ASYNC, "async") X(KW_AWAIT, "await") X(KW_BREAK, "break") \
	X(KW_CLASS, "class") X(KW_CONTINUE, "continue") X(KW_DEF, "def") \
	X(KW_DEL, "del") X(KW_ELIF, "elif") X(KW_ELSE, "else") \
	X(KW_EXCEPT, "except") X(KW_FINALLY, "finally") X(KW_FOR, "for") \
	X(KW_FROM, "from") X(KW_GLOBAL, "global") X(KW_IF, "if") \
	X(KW_IMPORT, "import") X(KW_IN, "in") X(KW_IS, "is") \
	X(KW_LAMBDA, "lambda") X(KW_NONLOCAL, "nonlocal") X(KW_NOT, "not") \
	X(KW_OR, "or") X(KW_PASS, "pass") X(KW_RAISE, "raise") \
	X(KW_RETURN, "return") X(KW_TRY, "try") X(KW_WHILE, "while") \
	X(KW_WITH, "with") X(KW_YIELD, "yield")

#define SDC_TOK_ENUM_(k, t) SDC_TOK_##k,
enum sdc_tok { SDC_TOK_LIST(SDC_TOK_ENUM_) SDC_TOK_COUNT_ };
#undef SDC_TOK_ENUM_

/* String token flags (sdc_token.str). */
enum {
	SDC_STR_RAW = 1,	/* r or R prefix */
	SDC_STR_BYTES = 2,	/* b or B prefix */
	SDC_STR_F = 4,		/* f or F prefix */
	SDC_STR_TRIPLE = 8	/* ''' or """ */
};

/*
 * One token.  p and len cover its text in the source (for a string, the
 * prefix and quotes too; for NEWLINE the line end, empty at the end of
 * the input; INDENT, DEDENT and END are empty).  line and col are where
 * it starts.  For strings, the body (between the quotes) starts at
 * p + prefix_len + quote_len and is len - prefix_len - 2 * quote_len
 * bytes long.
 */
struct sdc_token {
	enum sdc_tok kind;
	const char *p;
	size_t len;
	unsigned line, col;
	unsigned str;			/* SDC_STR_* for SDC_TOK_STRING */
	unsigned char prefix_len, quote_len;
};

/*
 * Lexer state.  Caller-owned (it may live on the stack); the fields are
 * private.
 */
struct sdc_lexer {
	const char *file, *p, *end;
	unsigned line, col;
	int at_bol;			/* at the start of a logical line */
	int fmode;			/* inside an f-string replacement field */
	int done;			/* END returned */
	int need_newline;		/* a token since the last NEWLINE */
	unsigned dedents;		/* DEDENT tokens still to return */
	int indent_pending;		/* an INDENT token still to return */
	unsigned ind_line, ind_col;	/* where pending INDENT/DEDENTs sit */
	size_t nindent;
	struct { const char *p; size_t len; } indent[SDC_LEX_INDENT_MAX + 1];
	unsigned nbracket;		/* open brackets */
};

/*
 * Start lexing src (len bytes).  file names the input in errors (may be
 * NULL).  Fails with SDC_ELIMIT when len exceeds SDC_LEX_SOURCE_MAX and
 * with SDC_EPARSE, at the offending line and column, on a NUL byte or
 * invalid UTF-8.
 */
int sdc_lex_init(struct sdc_lexer *lx, const char *file, const char *src,
    size_t len, struct sdc_err *err);

/*
 * Lex the expression part of an f-string replacement field: the bytes
 * [p, p + len) that start at line, col.  Newlines are ignored as inside
 * brackets, '!' is a token, a '}' outside brackets ends the expression
 * (it is returned as SDC_TOK_RBRACE), and the end of the range is
 * SDC_TOK_END.  The range must lie inside a source already checked by
 * sdc_lex_init.  Used by the parser.
 */
void sdc_lex_init_fexpr(struct sdc_lexer *lx, const char *file,
    const char *p, size_t len, unsigned line, unsigned col);

/*
 * Next token into *tok.  Returns 0, or -1 with err filled in (code
 * SDC_EPARSE or SDC_ELIMIT).  After SDC_TOK_END every call returns END.
 */
int sdc_lex_next(struct sdc_lexer *lx, struct sdc_token *tok,
    struct sdc_err *err);

/* How messages name a token kind: "')'", "'while'", "end of line". */
const char *sdc_tok_name(enum sdc_tok kind);

/*
 * Advance a (line, col) position over the n bytes at p, which must be
 * valid UTF-8 (LF, CRLF and CR each end a line).
 */
void sdc_lex_advance(const char *p, size_t n, unsigned *line,
    unsigned *col);

#endif
