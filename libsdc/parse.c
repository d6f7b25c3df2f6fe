/*
 * parse.c - recursive-descent parser for the definition language.
 *
 * Every parse function returns a node (or 0) and NULL (or -1) after an
 * error, which p->err already holds; the caller just passes the failure
 * up, and sdc_parse frees the arena.  Lists are gathered on one
 * parser-wide stack of node pointers and copied into the arena when
 * complete, so nothing needs freeing on the error paths.  Recursion is
 * bounded by p->depth (see enter), and tree height by mk_kids.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "num.h"
#include "parse.h"

#define CHUNK_SIZE (64 * 1024)

struct sdc_ast_chunk_ {
	struct sdc_ast_chunk_ *next;
	size_t cap, used;
	max_align_t data[];
};

struct parser {
	struct sdc_ast *ast;
	struct sdc_err *err;
	const char *file;
	struct sdc_lexer *lx;
	struct sdc_token tok, ahead;
	int has_ahead;
	struct sdc_node **stk;		/* list under construction */
	size_t nstk, capstk;
	enum sdc_op *ops;		/* comparison operators likewise */
	size_t nops, capops;
	char *buf;			/* scratch for dotted names */
	size_t nbuf, capbuf;
	unsigned depth;
	unsigned in_def, in_loop;
};

/* Memory. */

static void *
alloc(struct parser *p, size_t n)
{
	struct sdc_ast_chunk_ *c = p->ast->mem_;
	size_t a = sizeof(max_align_t), cap;
	void *r;

	if (n > SIZE_MAX / 2) {
		sdc_err_nomem(p->err);
		return NULL;
	}
	n = n == 0 ? a : (n + a - 1) / a * a;
	if (c == NULL || c->cap - c->used < n) {
		cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		if ((c = malloc(sizeof(*c) + cap)) == NULL) {
			sdc_err_nomem(p->err);
			return NULL;
		}
		c->cap = cap;
		c->used = 0;
		c->next = p->ast->mem_;
		p->ast->mem_ = c;
	}
	r = (char *)c->data + c->used;
	c->used += n;
	return r;
}

static char *
copy_text(struct parser *p, const char *s, size_t n)
{
	char *r = alloc(p, n + 1);

	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

static int
grow(struct parser *p, void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem || (nv = realloc(*v, ncap * elem)) == NULL)
		return sdc_err_nomem(p->err);
	*v = nv;
	*cap = ncap;
	return 0;
}

static int
push(struct parser *p, struct sdc_node *n)
{
	void *v = p->stk;

	if (grow(p, &v, &p->capstk, p->nstk + 1, sizeof(*p->stk)) < 0)
		return -1;
	p->stk = v;
	p->stk[p->nstk++] = n;
	return 0;
}

static int
buf_add(struct parser *p, const char *s, size_t n)
{
	void *v = p->buf;

	if (grow(p, &v, &p->capbuf, p->nbuf + n + 1, 1) < 0)
		return -1;
	p->buf = v;
	memcpy(p->buf + p->nbuf, s, n);
	p->nbuf += n;
	return 0;
}

/* Errors. */

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void *
perr(struct parser *p, enum sdc_err_code code, unsigned line, unsigned col,
    const char *fmt, ...)
{
	char msg[SDC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sdc_err_set(p->err, code, p->file, line, col, "%s", msg);
	return NULL;
}

/* How a message names the token t ("name 'x'", "')'"). */
static const char *
tokdesc(const struct sdc_token *t, char *buf, size_t size)
{
	int n = t->len > 40 ? 40 : (int)t->len;

	switch (t->kind) {
	case SDC_TOK_NAME:
		snprintf(buf, size, "name '%.*s'", n, t->p);
		break;
	case SDC_TOK_INT:
	case SDC_TOK_FLOAT:
		snprintf(buf, size, "number %.*s", n, t->p);
		break;
	default:
		snprintf(buf, size, "%s", sdc_tok_name(t->kind));
		break;
	}
	return buf;
}

/* "expected WHAT, found TOKEN" at the current token. */
static void *
expected(struct parser *p, const char *what)
{
	char d[64];

	return perr(p, SDC_EPARSE, p->tok.line, p->tok.col,
	    "expected %s, found %s", what, tokdesc(&p->tok, d, sizeof(d)));
}

static void *
unsupported(struct parser *p, const char *what)
{
	return perr(p, SDC_EPARSE, p->tok.line, p->tok.col,
	    "%s not supported in definitions", what);
}

/* Tokens. */

static int
next(struct parser *p)
{
	if (p->has_ahead) {
		p->tok = p->ahead;
		p->has_ahead = 0;
		return 0;
	}
	return sdc_lex_next(p->lx, &p->tok, p->err);
}

/* The token after the current one, or NULL on a lexical error. */
static const struct sdc_token *
peek(struct parser *p)
{
	if (!p->has_ahead) {
		if (sdc_lex_next(p->lx, &p->ahead, p->err) < 0)
			return NULL;
		p->has_ahead = 1;
	}
	return &p->ahead;
}

static int
is(struct parser *p, enum sdc_tok kind)
{
	return p->tok.kind == kind;
}

/* Consume a token of kind, or fail with "expected 'kind' WHERE". */
static int
expect(struct parser *p, enum sdc_tok kind, const char *where)
{
	char what[96];

	if (p->tok.kind != kind) {
		snprintf(what, sizeof(what), "%s%s%s", sdc_tok_name(kind),
		    where ? " " : "", where ? where : "");
		expected(p, what);
		return -1;
	}
	return next(p);
}

/* Consume the closing bracket for the one opened at open. */
static int
expect_close(struct parser *p, enum sdc_tok kind, const struct sdc_token *open)
{
	char what[96];

	if (p->tok.kind != kind) {
		snprintf(what, sizeof(what), "%s to close %s at %u:%u",
		    sdc_tok_name(kind), sdc_tok_name(open->kind), open->line,
		    open->col);
		expected(p, what);
		return -1;
	}
	return next(p);
}

static int
enter(struct parser *p)
{
	if (++p->depth > SDC_PARSE_DEPTH_MAX) {
		perr(p, SDC_ELIMIT, p->tok.line, p->tok.col, "nested too "
		    "deeply (limit %d levels)", SDC_PARSE_DEPTH_MAX);
		return -1;
	}
	return 0;
}

static void
leave(struct parser *p)
{
	p->depth--;
}

/* Nodes. */

static struct sdc_node *
mk(struct parser *p, enum sdc_node_kind kind, unsigned line, unsigned col)
{
	struct sdc_node *n = alloc(p, sizeof(*n));

	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = n->op_line = line;
	n->col = n->op_col = col;
	n->height = 1;
	return n;
}

static struct sdc_node *
mk_at(struct parser *p, enum sdc_node_kind kind, const struct sdc_token *t)
{
	return mk(p, kind, t->line, t->col);
}

/* Give n the cnt children at k (copied); checks the height limit. */
static struct sdc_node *
mk_kids(struct parser *p, struct sdc_node *n, size_t cnt,
    struct sdc_node *const *k)
{
	size_t i;

	if (n == NULL)
		return NULL;
	if (cnt == 0)
		return n;
	if (cnt > SIZE_MAX / sizeof(*k) ||
	    (n->kid = alloc(p, cnt * sizeof(*k))) == NULL)
		return NULL;
	memcpy(n->kid, k, cnt * sizeof(*k));
	n->n = cnt;
	for (i = 0; i < cnt; i++)
		if (k[i] != NULL && k[i]->height >= n->height)
			n->height = k[i]->height + 1;
	if (n->height > SDC_AST_HEIGHT_MAX)
		return perr(p, SDC_ELIMIT, n->line, n->col, "expression nested "
		    "too deeply (syntax tree height limit %d)",
		    SDC_AST_HEIGHT_MAX);
	return n;
}

static struct sdc_node *
mk1(struct parser *p, struct sdc_node *n, struct sdc_node *a)
{
	return mk_kids(p, n, 1, &a);
}

static struct sdc_node *
mk2(struct parser *p, struct sdc_node *n, struct sdc_node *a,
    struct sdc_node *b)
{
	struct sdc_node *k[2];

	k[0] = a;
	k[1] = b;
	return mk_kids(p, n, 2, k);
}

static struct sdc_node *
mk3(struct parser *p, struct sdc_node *n, struct sdc_node *a,
    struct sdc_node *b, struct sdc_node *c)
{
	struct sdc_node *k[3];

	k[0] = a;
	k[1] = b;
	k[2] = c;
	return mk_kids(p, n, 3, k);
}

/* Give n the children stacked since base, and pop them. */
static struct sdc_node *
mk_stack(struct parser *p, struct sdc_node *n, size_t base)
{
	n = mk_kids(p, n, p->nstk - base, p->stk + base);
	p->nstk = base;
	return n;
}

static struct sdc_node *
mk_name(struct parser *p, enum sdc_node_kind kind, const struct sdc_token *t)
{
	struct sdc_node *n = mk_at(p, kind, t);

	if (n != NULL && (n->name = copy_text(p, t->p, t->len)) == NULL)
		return NULL;
	return n;
}

/*
 * Index of the first node among v[0..cnt) of kind whose name repeats
 * an earlier one's; cnt when none; SIZE_MAX when out of memory.
 */
static size_t
first_dup(struct parser *p, struct sdc_node *const *v, size_t cnt,
    enum sdc_node_kind kind)
{
	struct sdc_hmap m;
	size_t i, j, r = cnt;
	int added;

	if (cnt <= 16) {
		for (i = 0; i < cnt; i++)
			for (j = 0; j < i && v[i]->kind == kind &&
			    v[i]->name != NULL; j++)
				if (v[j]->kind == kind && v[j]->name != NULL &&
				    strcmp(v[i]->name, v[j]->name) == 0)
					return i;
		return cnt;
	}
	sdc_hmap_init(&m);
	for (i = 0; i < cnt && r == cnt; i++) {
		size_t len;

		if (v[i]->kind != kind || v[i]->name == NULL)
			continue;
		len = strlen(v[i]->name);
		if (sdc_hmap_put(&m, v[i]->name, len,
		    sdc_hash_bytes(v[i]->name, len), &added) < 0) {
			sdc_err_nomem(p->err);
			r = SIZE_MAX;
		} else if (!added)
			r = i;
	}
	sdc_hmap_release(&m);
	return r;
}

/* Grammar: forward declarations. */

static struct sdc_node *parse_test(struct parser *p);
static struct sdc_node *parse_binary(struct parser *p, int min);
static struct sdc_node *parse_testlist(struct parser *p, int star);
static int parse_statement(struct parser *p);

/* Tokens that can start an expression (or that atom names in errors). */
static int
starts_expr(enum sdc_tok k)
{
	switch (k) {
	case SDC_TOK_NAME: case SDC_TOK_INT: case SDC_TOK_FLOAT:
	case SDC_TOK_STRING: case SDC_TOK_LPAR: case SDC_TOK_LSQB:
	case SDC_TOK_LBRACE: case SDC_TOK_MINUS: case SDC_TOK_PLUS:
	case SDC_TOK_TILDE: case SDC_TOK_KW_NOT: case SDC_TOK_KW_LAMBDA:
	case SDC_TOK_KW_TRUE: case SDC_TOK_KW_FALSE: case SDC_TOK_KW_NONE:
	case SDC_TOK_STAR: case SDC_TOK_ELLIPSIS: case SDC_TOK_KW_AWAIT:
	case SDC_TOK_KW_YIELD:
		return 1;
	default:
		return 0;
	}
}

/* What an expression is called in "cannot assign to ..." messages. */
static const char *
node_desc(const struct sdc_node *n)
{
	switch (n->kind) {
	case SDC_NODE_CALL: return "function call";
	case SDC_NODE_CONST:
		return n->flag == SDC_CONST_TRUE ? "True" :
		    n->flag == SDC_CONST_FALSE ? "False" : "None";
	case SDC_NODE_INT: case SDC_NODE_FLOAT: case SDC_NODE_STR:
		return "literal";
	case SDC_NODE_FSTR: return "f-string expression";
	case SDC_NODE_COMPARE: return "comparison";
	case SDC_NODE_IFEXP: return "conditional expression";
	case SDC_NODE_LAMBDA: return "lambda";
	case SDC_NODE_DICT: return "dict literal";
	case SDC_NODE_SET: return "set display";
	case SDC_NODE_LISTCOMP: return "list comprehension";
	case SDC_NODE_SETCOMP: return "set comprehension";
	case SDC_NODE_DICTCOMP: return "dict comprehension";
	case SDC_NODE_GENEXP: return "generator expression";
	case SDC_NODE_STAR: return "starred expression";
	default: return "expression";
	}
}

/* Check that n can be assigned to (by '=', 'for' or a comprehension). */
static int
check_target(struct parser *p, const struct sdc_node *n, int in_seq)
{
	size_t i, stars = 0;

	switch (n->kind) {
	case SDC_NODE_NAME:
	case SDC_NODE_ATTR:
	case SDC_NODE_SUBSCRIPT:
		return 0;
	case SDC_NODE_STAR:
		if (!in_seq)
			break;
		return check_target(p, n->kid[0], 0);
	case SDC_NODE_TUPLE:
	case SDC_NODE_LIST:
		for (i = 0; i < n->n; i++) {
			if (n->kid[i]->kind == SDC_NODE_STAR && ++stars > 1) {
				perr(p, SDC_EPARSE, n->kid[i]->line,
				    n->kid[i]->col, "multiple starred "
				    "expressions in assignment");
				return -1;
			}
			if (check_target(p, n->kid[i], 1) < 0)
				return -1;
		}
		return 0;
	default:
		break;
	}
	if (n->kind == SDC_NODE_STAR)
		perr(p, SDC_EPARSE, n->line, n->col, "starred assignment "
		    "target must be in a list or tuple");
	else
		perr(p, SDC_EPARSE, n->line, n->col, "cannot assign to %s",
		    node_desc(n));
	return -1;
}

/* Numbers. */

static struct sdc_node *
parse_int(struct parser *p)
{
	const struct sdc_token *t = &p->tok;
	struct sdc_node *n = mk_at(p, SDC_NODE_INT, t);
	const char *s = t->p, *e = t->p + t->len;
	uint64_t v = 0;
	unsigned base = 10, d;
	int over = 0;

	if (n == NULL || (n->text = copy_text(p, t->p, t->len)) == NULL)
		return NULL;
	if (t->len > 1 && s[0] == '0' && strchr("xXoObB", s[1]) != NULL) {
		int c = s[1] | 0x20;

		base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
		s += 2;
	}
	for (; s < e; s++) {
		if (*s == '_')
			continue;
		d = *s <= '9' ? (unsigned)(*s - '0') :
		    (unsigned)((*s | 0x20) - 'a' + 10);
		if (v > (UINT64_MAX - d) / base)
			over = 1;
		else
			v = v * base + d;
	}
	if (over || v > (uint64_t)INT64_MAX) {
		n->overflow = 1;
		n->ival = INT64_MAX;
	} else
		n->ival = (int64_t)v;
	if (next(p) < 0)
		return NULL;
	return n;
}

static struct sdc_node *
parse_float(struct parser *p)
{
	const struct sdc_token *t = &p->tok;
	struct sdc_node *n = mk_at(p, SDC_NODE_FLOAT, t);
	char *tmp;
	size_t i, k = 0;

	if (n == NULL || (n->text = copy_text(p, t->p, t->len)) == NULL ||
	    (tmp = alloc(p, t->len + 1)) == NULL)
		return NULL;
	for (i = 0; i < t->len; i++)
		if (t->p[i] != '_')
			tmp[k++] = t->p[i];
	tmp[k] = '\0';
	n->fval = strtod(tmp, NULL);
	n->overflow = isinf(n->fval) ? 1 : 0;
	if (next(p) < 0)
		return NULL;
	return n;
}

/* Strings. */

/* Where byte at (inside token t) is. */
static void
pos_in(const struct sdc_token *t, const char *at, unsigned *line,
    unsigned *col)
{
	*line = t->line;
	*col = t->col;
	sdc_lex_advance(t->p, (size_t)(at - t->p), line, col);
}

static void *
perr_in(struct parser *p, const struct sdc_token *t, const char *at,
    const char *msg)
{
	unsigned line, col;

	pos_in(t, at, &line, &col);
	return perr(p, SDC_EPARSE, line, col, "%s", msg);
}

static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode the n bytes at s, part of the body of string token t, into out
 * (room for n + 1 bytes: no escape is longer decoded than written).
 * Line ends become "\n"; unless raw, escapes are decoded and unknown
 * ones kept with their backslash, as Python does; with braces, "{{" and
 * "}}" become single braces.  Returns 0 and the length in *olen.
 */
static int
decode(struct parser *p, const struct sdc_token *t, const char *s, size_t n,
    int raw, int braces, char *out, size_t *olen)
{
	const char *e = s + n, *q;
	size_t o = 0;
	unsigned long cp;
	int i, want, h;

	while (s < e) {
		if (*s == '\r') {
			out[o++] = '\n';
			s += (s + 1 < e && s[1] == '\n') ? 2 : 1;
			continue;
		}
		if (braces && (*s == '{' || *s == '}') && s + 1 < e &&
		    s[1] == *s) {
			out[o++] = *s;
			s += 2;
			continue;
		}
		if (*s != '\\' || raw || s + 1 == e) {
			out[o++] = *s++;
			continue;
		}
		q = s;		/* the backslash */
		s++;
		switch (*s) {
		case '\n':
			s++;
			continue;
		case '\r':
			s += (s + 1 < e && s[1] == '\n') ? 2 : 1;
			continue;
		case '\\': case '\'': case '"':
			out[o++] = *s++;
			continue;
		case 'a': out[o++] = '\a'; s++; continue;
		case 'b': out[o++] = '\b'; s++; continue;
		case 'f': out[o++] = '\f'; s++; continue;
		case 'n': out[o++] = '\n'; s++; continue;
		case 'r': out[o++] = '\r'; s++; continue;
		case 't': out[o++] = '\t'; s++; continue;
		case 'v': out[o++] = '\v'; s++; continue;
		case 'N':
			perr_in(p, t, q, "\\N{...} escapes are not supported; "
			    "write the character itself or use \\u");
			return -1;
		case 'x': want = 2; break;
		case 'u': want = 4; break;
		case 'U': want = 8; break;
		default:
			if (*s >= '0' && *s <= '7') {
				cp = 0;
				for (i = 0; i < 3 && s < e && *s >= '0' &&
				    *s <= '7'; i++)
					cp = cp * 8 + (unsigned long)(*s++ - '0');
				o += put_utf8(out + o, cp);
			} else
				out[o++] = '\\';	/* kept, like Python */
			continue;
		}
		s++;
		cp = 0;
		for (i = 0; i < want; i++) {
			if (s == e || (h = hexval(*s)) < 0) {
				char msg[64];

				snprintf(msg, sizeof(msg), "truncated \\%c "
				    "escape: expected %d hex digits", q[1], want);
				perr_in(p, t, q, msg);
				return -1;
			}
			cp = cp * 16 + (unsigned long)h;
			s++;
		}
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			perr_in(p, t, q, "surrogate code points are not "
			    "supported in strings");
			return -1;
		}
		if (cp > 0x10FFFF) {
			perr_in(p, t, q, "escape beyond U+10FFFF");
			return -1;
		}
		o += put_utf8(out + o, cp);
	}
	out[o] = '\0';
	*olen = o;
	return 0;
}

/* A STR node from n bytes at s inside t. */
static struct sdc_node *
str_node(struct parser *p, const struct sdc_token *t, unsigned line,
    unsigned col, const char *s, size_t n, int braces)
{
	struct sdc_node *r = mk(p, SDC_NODE_STR, line, col);
	char *out;

	if (r == NULL || (out = alloc(p, n + 1)) == NULL ||
	    decode(p, t, s, n, (t->str & SDC_STR_RAW) != 0, braces, out,
	    &r->len) < 0)
		return NULL;
	r->str = out;
	return r;
}

/* Parse the replacement field at body[i] == '{'; returns the index after
 * its '}' or (size_t)-1. */
static size_t
parse_field(struct parser *p, const struct sdc_token *t, const char *body,
    size_t blen, size_t i)
{
	struct sdc_lexer sub, *save_lx = p->lx;
	struct sdc_token save_tok = p->tok, save_ahead = p->ahead;
	int save_has = p->has_ahead, conv = 0;
	struct sdc_node *e, *spec = NULL, *f;
	unsigned line, col, fl, fc;
	size_t end, k;
	const char *s;

	pos_in(t, body + i, &fl, &fc);
	line = fl;
	col = fc + 1;
	if (enter(p) < 0)
		return (size_t)-1;
	sdc_lex_init_fexpr(&sub, p->file, body + i + 1, blen - i - 1, line,
	    col);
	p->lx = &sub;
	p->has_ahead = 0;
	if (next(p) < 0)
		return (size_t)-1;
	if (is(p, SDC_TOK_RBRACE) || is(p, SDC_TOK_END)) {
		perr(p, SDC_EPARSE, p->tok.line, p->tok.col,
		    "f-string: empty expression not allowed");
		return (size_t)-1;
	}
	if ((e = parse_testlist(p, 0)) == NULL)
		return (size_t)-1;
	if (is(p, SDC_TOK_ASSIGN)) {
		unsupported(p, "'=' in f-string replacement fields is");
		return (size_t)-1;
	}
	if (is(p, SDC_TOK_BANG)) {
		const char *bang = p->tok.p;

		if (next(p) < 0)
			return (size_t)-1;
		if (!is(p, SDC_TOK_NAME) || p->tok.p != bang + 1 ||
		    p->tok.len != 1 || strchr("rsa", p->tok.p[0]) == NULL) {
			expected(p, "'s', 'r' or 'a' after '!' in f-string");
			return (size_t)-1;
		}
		conv = p->tok.p[0];
		if (next(p) < 0)
			return (size_t)-1;
	}
	if (is(p, SDC_TOK_COLON)) {
		s = p->tok.p + 1;
		k = (size_t)(s - body);
		while (k < blen && body[k] != '}' && body[k] != '{')
			k++;
		if (k == blen) {
			perr_in(p, t, body + k, "f-string: expecting '}'");
			return (size_t)-1;
		}
		if (body[k] == '{') {
			perr_in(p, t, body + k, "nested replacement fields in "
			    "f-string format specs are not supported");
			return (size_t)-1;
		}
		pos_in(t, s, &line, &col);
		if ((spec = str_node(p, t, line, col, s,
		    (size_t)(body + k - s), 0)) == NULL)
			return (size_t)-1;
		end = k + 1;
	} else if (is(p, SDC_TOK_RBRACE)) {
		end = (size_t)(p->tok.p - body) + 1;
	} else {
		expected(p, "'}' in f-string");
		return (size_t)-1;
	}
	f = mk(p, SDC_NODE_FVALUE, fl, fc);
	if (f == NULL || mk2(p, f, e, spec) == NULL)
		return (size_t)-1;
	f->flag = conv;
	p->lx = save_lx;
	p->tok = save_tok;
	p->ahead = save_ahead;
	p->has_ahead = save_has;
	leave(p);
	if (push(p, f) < 0)
		return (size_t)-1;
	return end;
}

/* Push the parts of f-string token t (STR and FVALUE nodes). */
static int
fstring_parts(struct parser *p, const struct sdc_token *t)
{
	const char *body = t->p + t->prefix_len + t->quote_len;
	size_t blen = t->len - t->prefix_len - 2u * t->quote_len;
	size_t i = 0, seg = 0;
	int raw = (t->str & SDC_STR_RAW) != 0;
	unsigned line, col;
	struct sdc_node *s;

	while (i <= blen) {
		if (i < blen && body[i] == '{' && !(i + 1 < blen &&
		    body[i + 1] == '{')) {
			/* fall through to flush, then the field */
		} else if (i < blen && (body[i] == '{' || body[i] == '}')) {
			if (body[i] == '}' && !(i + 1 < blen &&
			    body[i + 1] == '}')) {
				perr_in(p, t, body + i, "f-string: single '}' "
				    "is not allowed");
				return -1;
			}
			i += 2;
			continue;
		} else if (i < blen && body[i] == '\\' && !raw) {
			if (i + 1 < blen && body[i + 1] == 'N') {
				perr_in(p, t, body + i, "\\N{...} escapes are "
				    "not supported; write the character itself "
				    "or use \\u");
				return -1;
			}
			i += (i + 1 < blen && body[i + 1] == '\\') ? 2 : 1;
			continue;
		} else if (i < blen) {
			i++;
			continue;
		}
		if (i > seg) {
			pos_in(t, body + seg, &line, &col);
			if ((s = str_node(p, t, line, col, body + seg, i - seg,
			    1)) == NULL || push(p, s) < 0)
				return -1;
		}
		if (i == blen)
			break;
		if ((i = parse_field(p, t, body, blen, i)) == (size_t)-1)
			return -1;
		seg = i;
	}
	return 0;
}

/* Join STR nodes v[0..cnt) into one at line, col. */
static struct sdc_node *
join_strs(struct parser *p, struct sdc_node *const *v, size_t cnt,
    unsigned line, unsigned col)
{
	struct sdc_node *r;
	size_t i, total = 0, o = 0;
	char *out;

	if (cnt == 1)
		return v[0];
	for (i = 0; i < cnt; i++)
		total += v[i]->len;
	if ((r = mk(p, SDC_NODE_STR, line, col)) == NULL ||
	    (out = alloc(p, total + 1)) == NULL)
		return NULL;
	for (i = 0; i < cnt; i++) {
		memcpy(out + o, v[i]->str, v[i]->len);
		o += v[i]->len;
	}
	out[o] = '\0';
	r->str = out;
	r->len = total;
	return r;
}

/* Adjacent string literals, joined: a STR, or an FSTR if any is an f. */
static struct sdc_node *
parse_strings(struct parser *p)
{
	struct sdc_token t0 = p->tok, t;
	size_t base = p->nstk, i, j, out;
	int any_f = 0;
	struct sdc_node *s, *r;

	while (is(p, SDC_TOK_STRING)) {
		t = p->tok;
		if (t.str & SDC_STR_BYTES)
			return unsupported(p, "bytes literals are");
		if (t.str & SDC_STR_F) {
			any_f = 1;
			if (fstring_parts(p, &t) < 0)
				return NULL;
		} else {
			s = str_node(p, &t, t.line, t.col,
			    t.p + t.prefix_len + t.quote_len,
			    t.len - t.prefix_len - 2u * t.quote_len, 0);
			if (s == NULL || push(p, s) < 0)
				return NULL;
		}
		if (next(p) < 0)
			return NULL;
	}
	if (!any_f) {
		r = join_strs(p, p->stk + base, p->nstk - base, t0.line,
		    t0.col);
		p->nstk = base;
		return r;
	}
	/* Join runs of literal parts in place; drop empty ones. */
	out = base;
	for (i = base; i < p->nstk; i = j) {
		j = i + 1;
		if (p->stk[i]->kind != SDC_NODE_STR) {
			p->stk[out++] = p->stk[i];
			continue;
		}
		while (j < p->nstk && p->stk[j]->kind == SDC_NODE_STR)
			j++;
		s = join_strs(p, p->stk + i, j - i, p->stk[i]->line,
		    p->stk[i]->col);
		if (s == NULL)
			return NULL;
		if (s->len > 0)
			p->stk[out++] = s;
	}
	p->nstk = out;
	return mk_stack(p, mk_at(p, SDC_NODE_FSTR, &t0), base);
}

/* Expressions. */

/* Comprehension clauses after elements stacked since base. */
static struct sdc_node *
parse_comp(struct parser *p, struct sdc_node *n, size_t base)
{
	struct sdc_node *cf, *target, *it;
	size_t b2;
	struct sdc_token ft;

	if (n == NULL)
		return NULL;
	while (is(p, SDC_TOK_KW_FOR) || is(p, SDC_TOK_KW_ASYNC)) {
		if (is(p, SDC_TOK_KW_ASYNC))
			return unsupported(p, "'async' is");
		ft = p->tok;
		if (next(p) < 0)
			return NULL;
		if ((target = parse_testlist(p, 2)) == NULL ||
		    check_target(p, target, 0) < 0 ||
		    expect(p, SDC_TOK_KW_IN, "after the 'for' target") < 0 ||
		    (it = parse_binary(p, 1)) == NULL)
			return NULL;
		b2 = p->nstk;
		if (push(p, target) < 0 || push(p, it) < 0)
			return NULL;
		while (is(p, SDC_TOK_KW_IF)) {
			if (next(p) < 0 || (it = parse_binary(p, 1)) == NULL ||
			    push(p, it) < 0)
				return NULL;
		}
		if ((cf = mk_stack(p, mk_at(p, SDC_NODE_COMPFOR, &ft), b2)) ==
		    NULL || push(p, cf) < 0)
			return NULL;
	}
	return mk_stack(p, n, base);
}

/* An element of a tuple, list or set display: test or *expr. */
static struct sdc_node *
parse_elem(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *e;

	if (!is(p, SDC_TOK_STAR))
		return parse_test(p);
	if (enter(p) < 0 || next(p) < 0 || (e = parse_binary(p, 5)) == NULL)
		return NULL;
	leave(p);
	return mk1(p, mk_at(p, SDC_NODE_STAR, &t), e);
}

/*
 * Comma-separated expressions, a TUPLE when there is a comma.  star: 0
 * plain tests, 1 also *expr, 2 targets ("for" lists: *expr or bitwise
 * expressions, so that 'in' is left alone).
 */
static struct sdc_node *
parse_testlist(struct parser *p, int star)
{
	struct sdc_node *first, *e, *tup;
	size_t base;

	first = star == 2 ? (is(p, SDC_TOK_STAR) ? parse_elem(p) :
	    parse_binary(p, 5)) : star ? parse_elem(p) : parse_test(p);
	if (first == NULL)
		return NULL;
	if (!is(p, SDC_TOK_COMMA))
		return first;
	tup = mk(p, SDC_NODE_TUPLE, first->line, first->col);
	base = p->nstk;
	if (tup == NULL || push(p, first) < 0)
		return NULL;
	while (is(p, SDC_TOK_COMMA)) {
		if (next(p) < 0)
			return NULL;
		if (!starts_expr(p->tok.kind) || (star == 2 &&
		    is(p, SDC_TOK_KW_NOT)) || (star == 2 && is(p, SDC_TOK_KW_LAMBDA)))
			break;
		e = star == 2 ? (is(p, SDC_TOK_STAR) ? parse_elem(p) :
		    parse_binary(p, 5)) : star ? parse_elem(p) : parse_test(p);
		if (e == NULL || push(p, e) < 0)
			return NULL;
	}
	return mk_stack(p, tup, base);
}

/* (...) after the '(' token open, already consumed. */
static struct sdc_node *
parse_paren(struct parser *p, const struct sdc_token *open)
{
	struct sdc_node *first, *e, *n;
	size_t base = p->nstk;

	if (is(p, SDC_TOK_RPAR)) {
		if (next(p) < 0)
			return NULL;
		return mk_at(p, SDC_NODE_TUPLE, open);
	}
	if (is(p, SDC_TOK_KW_YIELD))
		return unsupported(p, "'yield' is");
	if ((first = parse_elem(p)) == NULL)
		return NULL;
	if (is(p, SDC_TOK_KW_FOR)) {
		if (first->kind == SDC_NODE_STAR)
			return perr(p, SDC_EPARSE, first->line, first->col,
			    "iterable unpacking cannot be used in "
			    "comprehension");
		if (push(p, first) < 0 || (n = parse_comp(p,
		    mk_at(p, SDC_NODE_GENEXP, open), base)) == NULL ||
		    expect_close(p, SDC_TOK_RPAR, open) < 0)
			return NULL;
		return n;
	}
	if (!is(p, SDC_TOK_COMMA)) {
		if (first->kind == SDC_NODE_STAR)
			return perr(p, SDC_EPARSE, first->line, first->col,
			    "cannot use starred expression here");
		if (expect_close(p, SDC_TOK_RPAR, open) < 0)
			return NULL;
		return first;
	}
	if (push(p, first) < 0)
		return NULL;
	while (is(p, SDC_TOK_COMMA)) {
		if (next(p) < 0)
			return NULL;
		if (is(p, SDC_TOK_RPAR))
			break;
		if ((e = parse_elem(p)) == NULL || push(p, e) < 0)
			return NULL;
	}
	if (expect_close(p, SDC_TOK_RPAR, open) < 0)
		return NULL;
	return mk_stack(p, mk_at(p, SDC_NODE_TUPLE, open), base);
}

/* [...] after '['. */
static struct sdc_node *
parse_list(struct parser *p, const struct sdc_token *open)
{
	struct sdc_node *e;
	size_t base = p->nstk;

	if (is(p, SDC_TOK_RSQB)) {
		if (next(p) < 0)
			return NULL;
		return mk_at(p, SDC_NODE_LIST, open);
	}
	if ((e = parse_elem(p)) == NULL || push(p, e) < 0)
		return NULL;
	if (is(p, SDC_TOK_KW_FOR)) {
		if (e->kind == SDC_NODE_STAR)
			return perr(p, SDC_EPARSE, e->line, e->col, "iterable "
			    "unpacking cannot be used in comprehension");
		if ((e = parse_comp(p, mk_at(p, SDC_NODE_LISTCOMP, open),
		    base)) == NULL || expect_close(p, SDC_TOK_RSQB, open) < 0)
			return NULL;
		return e;
	}
	while (is(p, SDC_TOK_COMMA)) {
		if (next(p) < 0)
			return NULL;
		if (is(p, SDC_TOK_RSQB))
			break;
		if ((e = parse_elem(p)) == NULL || push(p, e) < 0)
			return NULL;
	}
	if (expect_close(p, SDC_TOK_RSQB, open) < 0)
		return NULL;
	return mk_stack(p, mk_at(p, SDC_NODE_LIST, open), base);
}

/* One dict entry: key: value or **mapping. */
static struct sdc_node *
parse_dict_entry(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *k, *v;

	if (is(p, SDC_TOK_DSTAR)) {
		if (enter(p) < 0 || next(p) < 0 ||
		    (v = parse_binary(p, 5)) == NULL)
			return NULL;
		leave(p);
		return mk1(p, mk_at(p, SDC_NODE_DSTAR, &t), v);
	}
	if ((k = parse_test(p)) == NULL ||
	    expect(p, SDC_TOK_COLON, "after dict key") < 0 ||
	    (v = parse_test(p)) == NULL)
		return NULL;
	return mk2(p, mk(p, SDC_NODE_PAIR, k->line, k->col), k, v);
}

/* {...} after '{'. */
static struct sdc_node *
parse_brace(struct parser *p, const struct sdc_token *open)
{
	struct sdc_node *e, *v;
	size_t base = p->nstk;
	int dict;

	if (is(p, SDC_TOK_RBRACE)) {
		if (next(p) < 0)
			return NULL;
		return mk_at(p, SDC_NODE_DICT, open);
	}
	if (is(p, SDC_TOK_DSTAR)) {
		dict = 1;
		if ((e = parse_dict_entry(p)) == NULL || push(p, e) < 0)
			return NULL;
	} else {
		if ((e = parse_elem(p)) == NULL)
			return NULL;
		dict = e->kind != SDC_NODE_STAR && is(p, SDC_TOK_COLON);
		if (dict) {
			if (next(p) < 0 || (v = parse_test(p)) == NULL)
				return NULL;
			if (is(p, SDC_TOK_KW_FOR)) {
				if (push(p, e) < 0 || push(p, v) < 0 ||
				    (e = parse_comp(p, mk_at(p,
				    SDC_NODE_DICTCOMP, open), base)) == NULL ||
				    expect_close(p, SDC_TOK_RBRACE, open) < 0)
					return NULL;
				return e;
			}
			e = mk2(p, mk(p, SDC_NODE_PAIR, e->line, e->col), e, v);
			if (e == NULL)
				return NULL;
		} else if (is(p, SDC_TOK_KW_FOR)) {
			if (e->kind == SDC_NODE_STAR)
				return perr(p, SDC_EPARSE, e->line, e->col,
				    "iterable unpacking cannot be used in "
				    "comprehension");
			if (push(p, e) < 0 || (e = parse_comp(p, mk_at(p,
			    SDC_NODE_SETCOMP, open), base)) == NULL ||
			    expect_close(p, SDC_TOK_RBRACE, open) < 0)
				return NULL;
			return e;
		}
		if (push(p, e) < 0)
			return NULL;
	}
	while (is(p, SDC_TOK_COMMA)) {
		if (next(p) < 0)
			return NULL;
		if (is(p, SDC_TOK_RBRACE))
			break;
		e = dict ? parse_dict_entry(p) : parse_elem(p);
		if (e == NULL || push(p, e) < 0)
			return NULL;
	}
	if (expect_close(p, SDC_TOK_RBRACE, open) < 0)
		return NULL;
	return mk_stack(p, mk_at(p, dict ? SDC_NODE_DICT : SDC_NODE_SET, open),
	    base);
}

static struct sdc_node *
parse_atom(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *n;

	switch (t.kind) {
	case SDC_TOK_NAME:
		if ((n = mk_name(p, SDC_NODE_NAME, &t)) == NULL ||
		    next(p) < 0)
			return NULL;
		return n;
	case SDC_TOK_KW_TRUE:
	case SDC_TOK_KW_FALSE:
	case SDC_TOK_KW_NONE:
		if ((n = mk_at(p, SDC_NODE_CONST, &t)) == NULL || next(p) < 0)
			return NULL;
		n->flag = t.kind == SDC_TOK_KW_TRUE ? SDC_CONST_TRUE :
		    t.kind == SDC_TOK_KW_FALSE ? SDC_CONST_FALSE :
		    SDC_CONST_NONE;
		return n;
	case SDC_TOK_INT:
		return parse_int(p);
	case SDC_TOK_FLOAT:
		return parse_float(p);
	case SDC_TOK_STRING:
		return parse_strings(p);
	case SDC_TOK_LPAR:
	case SDC_TOK_LSQB:
	case SDC_TOK_LBRACE:
		if (next(p) < 0)
			return NULL;
		return t.kind == SDC_TOK_LPAR ? parse_paren(p, &t) :
		    t.kind == SDC_TOK_LSQB ? parse_list(p, &t) :
		    parse_brace(p, &t);
	case SDC_TOK_ELLIPSIS:
		return unsupported(p, "'...' (Ellipsis) is");
	case SDC_TOK_KW_AWAIT:
		return unsupported(p, "'await' is");
	case SDC_TOK_KW_YIELD:
		return unsupported(p, "'yield' is");
	case SDC_TOK_STAR:
		return perr(p, SDC_EPARSE, t.line, t.col,
		    "cannot use starred expression here");
	default:
		return expected(p, "an expression");
	}
}

/* Call arguments after '(' (open); func is stacked at base. */
static struct sdc_node *
parse_call(struct parser *p, struct sdc_node *func,
    const struct sdc_token *open)
{
	struct sdc_node *call, *a, *v;
	struct sdc_token at;
	const struct sdc_token *nx;
	size_t base = p->nstk, nargs = 0, dup;
	int seen_kw = 0, seen_dstar = 0;

	if ((call = mk(p, SDC_NODE_CALL, func->line, func->col)) == NULL ||
	    push(p, func) < 0)
		return NULL;
	call->op_line = open->line;
	call->op_col = open->col;
	while (!is(p, SDC_TOK_RPAR)) {
		at = p->tok;
		if (is(p, SDC_TOK_STAR) || is(p, SDC_TOK_DSTAR)) {
			if (next(p) < 0 || (v = parse_test(p)) == NULL)
				return NULL;
			if (at.kind == SDC_TOK_STAR && seen_dstar)
				return perr(p, SDC_EPARSE, at.line, at.col,
				    "iterable argument unpacking follows "
				    "keyword argument unpacking");
			if (at.kind == SDC_TOK_DSTAR)
				seen_dstar = 1;
			a = mk1(p, mk_at(p, at.kind == SDC_TOK_STAR ?
			    SDC_NODE_STAR : SDC_NODE_DSTAR, &at), v);
		} else if (is(p, SDC_TOK_NAME) && ((nx = peek(p)) == NULL ||
		    nx->kind == SDC_TOK_ASSIGN)) {
			if (nx == NULL)
				return NULL;
			if ((a = mk_name(p, SDC_NODE_KEYWORD, &at)) == NULL ||
			    next(p) < 0 || next(p) < 0 ||
			    (v = parse_test(p)) == NULL)
				return NULL;
			a = mk1(p, a, v);
			seen_kw = 1;
		} else {
			if ((a = parse_test(p)) == NULL)
				return NULL;
			if (is(p, SDC_TOK_KW_FOR)) {
				size_t b2 = p->nstk;

				if (nargs > 0)
					return perr(p, SDC_EPARSE, a->line,
					    a->col, "generator expression must "
					    "be parenthesized");
				if (push(p, a) < 0 || (a = parse_comp(p,
				    mk(p, SDC_NODE_GENEXP, a->line, a->col),
				    b2)) == NULL)
					return NULL;
				if (!is(p, SDC_TOK_RPAR))
					return perr(p, SDC_EPARSE, a->line,
					    a->col, "generator expression must "
					    "be parenthesized");
			}
			if (is(p, SDC_TOK_ASSIGN))
				return perr(p, SDC_EPARSE, a->line, a->col,
				    "expression cannot contain assignment, "
				    "perhaps you meant \"==\"?");
			if (seen_dstar)
				return perr(p, SDC_EPARSE, a->line, a->col,
				    "positional argument follows keyword "
				    "argument unpacking");
			if (seen_kw)
				return perr(p, SDC_EPARSE, a->line, a->col,
				    "positional argument follows keyword "
				    "argument");
		}
		if (a == NULL || push(p, a) < 0)
			return NULL;
		nargs++;
		if (!is(p, SDC_TOK_COMMA))
			break;
		if (next(p) < 0)
			return NULL;
	}
	dup = first_dup(p, p->stk + base, p->nstk - base, SDC_NODE_KEYWORD);
	if (dup == SIZE_MAX)
		return NULL;
	if (dup < p->nstk - base) {
		a = p->stk[base + dup];
		return perr(p, SDC_EPARSE, a->line, a->col,
		    "keyword argument repeated: %s", a->name);
	}
	if (expect_close(p, SDC_TOK_RPAR, open) < 0)
		return NULL;
	return mk_stack(p, call, base);
}

/* One subscript item: an expression or a slice. */
static struct sdc_node *
parse_slice_item(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *lo = NULL, *hi = NULL, *step = NULL;

	if (!is(p, SDC_TOK_COLON)) {
		if ((lo = parse_test(p)) == NULL)
			return NULL;
		if (!is(p, SDC_TOK_COLON))
			return lo;
	}
	if (next(p) < 0)
		return NULL;
	if (!is(p, SDC_TOK_COLON) && !is(p, SDC_TOK_RSQB) &&
	    !is(p, SDC_TOK_COMMA) && (hi = parse_test(p)) == NULL)
		return NULL;
	if (is(p, SDC_TOK_COLON)) {
		if (next(p) < 0)
			return NULL;
		if (!is(p, SDC_TOK_RSQB) && !is(p, SDC_TOK_COMMA) &&
		    (step = parse_test(p)) == NULL)
			return NULL;
	}
	return mk3(p, mk_at(p, SDC_NODE_SLICE, &t), lo, hi, step);
}

static struct sdc_node *
parse_subscript(struct parser *p, struct sdc_node *obj,
    const struct sdc_token *open)
{
	struct sdc_node *n, *idx, *e;
	size_t base = p->nstk;

	if ((n = mk(p, SDC_NODE_SUBSCRIPT, obj->line, obj->col)) == NULL ||
	    (idx = parse_slice_item(p)) == NULL)
		return NULL;
	n->op_line = open->line;
	n->op_col = open->col;
	if (is(p, SDC_TOK_COMMA)) {
		if (push(p, idx) < 0)
			return NULL;
		while (is(p, SDC_TOK_COMMA)) {
			if (next(p) < 0)
				return NULL;
			if (is(p, SDC_TOK_RSQB))
				break;
			if ((e = parse_slice_item(p)) == NULL ||
			    push(p, e) < 0)
				return NULL;
		}
		if ((idx = mk_stack(p, mk(p, SDC_NODE_TUPLE, idx->line,
		    idx->col), base)) == NULL)
			return NULL;
	}
	if (expect_close(p, SDC_TOK_RSQB, open) < 0)
		return NULL;
	return mk2(p, n, obj, idx);
}

static struct sdc_node *
parse_primary(struct parser *p)
{
	struct sdc_node *e = parse_atom(p), *n;
	struct sdc_token t;

	while (e != NULL) {
		t = p->tok;
		switch (t.kind) {
		case SDC_TOK_DOT:
			if (next(p) < 0)
				return NULL;
			if (!is(p, SDC_TOK_NAME))
				return expected(p, "an attribute name after "
				    "'.'");
			if ((n = mk_name(p, SDC_NODE_ATTR, &p->tok)) == NULL ||
			    next(p) < 0)
				return NULL;
			n->line = e->line;
			n->col = e->col;
			n->op_line = t.line;
			n->op_col = t.col;
			e = mk1(p, n, e);
			break;
		case SDC_TOK_LPAR:
		case SDC_TOK_LSQB:
			if (next(p) < 0)
				return NULL;
			e = t.kind == SDC_TOK_LPAR ? parse_call(p, e, &t) :
			    parse_subscript(p, e, &t);
			break;
		default:
			return e;
		}
	}
	return NULL;
}

/* Binary operator at the current token and its precedence (0: none). */
static int
binop(struct parser *p, enum sdc_op *op)
{
	const struct sdc_token *nx;

	switch (p->tok.kind) {
	case SDC_TOK_KW_OR: *op = SDC_OP_OR; return 1;
	case SDC_TOK_KW_AND: *op = SDC_OP_AND; return 2;
	case SDC_TOK_EQ: *op = SDC_OP_EQ; return 4;
	case SDC_TOK_NE: *op = SDC_OP_NE; return 4;
	case SDC_TOK_LT: *op = SDC_OP_LT; return 4;
	case SDC_TOK_LE: *op = SDC_OP_LE; return 4;
	case SDC_TOK_GT: *op = SDC_OP_GT; return 4;
	case SDC_TOK_GE: *op = SDC_OP_GE; return 4;
	case SDC_TOK_KW_IN: *op = SDC_OP_IN; return 4;
	case SDC_TOK_KW_IS: *op = SDC_OP_IS; return 4;
	case SDC_TOK_KW_NOT:
		if ((nx = peek(p)) == NULL)
			return -1;
		if (nx->kind != SDC_TOK_KW_IN)
			return 0;
		*op = SDC_OP_NOTIN;
		return 4;
	case SDC_TOK_PIPE: *op = SDC_OP_BITOR; return 5;
	case SDC_TOK_CARET: *op = SDC_OP_BITXOR; return 6;
	case SDC_TOK_AMP: *op = SDC_OP_BITAND; return 7;
	case SDC_TOK_LSHIFT: *op = SDC_OP_LSHIFT; return 8;
	case SDC_TOK_RSHIFT: *op = SDC_OP_RSHIFT; return 8;
	case SDC_TOK_PLUS: *op = SDC_OP_ADD; return 9;
	case SDC_TOK_MINUS: *op = SDC_OP_SUB; return 9;
	case SDC_TOK_STAR: *op = SDC_OP_MUL; return 10;
	case SDC_TOK_SLASH: *op = SDC_OP_DIV; return 10;
	case SDC_TOK_DSLASH: *op = SDC_OP_FLOORDIV; return 10;
	case SDC_TOK_PERCENT: *op = SDC_OP_MOD; return 10;
	case SDC_TOK_AT: *op = SDC_OP_NONE; return 10;
	case SDC_TOK_DSTAR: *op = SDC_OP_POW; return 12;
	default: return 0;
	}
}

/* Prefix operators: not (level 3), - + ~ (level 11), else a primary. */
static struct sdc_node *
parse_prefix(struct parser *p, int min)
{
	struct sdc_token t = p->tok;
	struct sdc_node *n, *e;
	enum sdc_op op;

	switch (t.kind) {
	case SDC_TOK_KW_NOT:
		if (min > 3)
			return expected(p, "an expression");
		op = SDC_OP_NOT;
		break;
	case SDC_TOK_MINUS: op = SDC_OP_NEG; break;
	case SDC_TOK_PLUS: op = SDC_OP_POS; break;
	case SDC_TOK_TILDE: op = SDC_OP_INVERT; break;
	default:
		return parse_primary(p);
	}
	if (enter(p) < 0 || next(p) < 0 ||
	    (e = parse_binary(p, op == SDC_OP_NOT ? 3 : 11)) == NULL)
		return NULL;
	leave(p);
	if ((n = mk_at(p, SDC_NODE_UNARY, &t)) == NULL)
		return NULL;
	n->op = op;
	return mk1(p, n, e);
}

/*
 * Precedence climbing over the binary operators of level min and up:
 * 1 or, 2 and, 4 comparisons, 5 |, 6 ^, 7 &, 8 shifts, 9 + -,
 * 10 * / // %, 12 ** (its right operand is a unary-level expression).
 */
static struct sdc_node *
parse_binary(struct parser *p, int min)
{
	struct sdc_node *left, *right, *n;
	struct sdc_token t;
	enum sdc_op op;
	size_t base, bops, i;
	int prec;
	void *v;

	if ((left = parse_prefix(p, min)) == NULL)
		return NULL;
	for (;;) {
		if ((prec = binop(p, &op)) < 0)
			return NULL;
		if (prec == 0 || prec < min)
			return left;
		t = p->tok;
		if (t.kind == SDC_TOK_AT)
			return unsupported(p, "the '@' operator is");
		base = p->nstk;
		if (prec == 4) {
			n = mk(p, SDC_NODE_COMPARE, left->line, left->col);
			bops = p->nops;
			if (n == NULL || push(p, left) < 0)
				return NULL;
			n->op_line = t.line;
			n->op_col = t.col;
			while ((prec = binop(p, &op)) == 4) {
				if (next(p) < 0)
					return NULL;
				if (op == SDC_OP_IS && is(p, SDC_TOK_KW_NOT))
					op = SDC_OP_ISNOT;
				if ((op == SDC_OP_ISNOT || op == SDC_OP_NOTIN) &&
				    next(p) < 0)
					return NULL;
				if ((right = parse_binary(p, 5)) == NULL ||
				    push(p, right) < 0)
					return NULL;
				v = p->ops;
				if (grow(p, &v, &p->capops, p->nops + 1,
				    sizeof(*p->ops)) < 0)
					return NULL;
				p->ops = v;
				p->ops[p->nops++] = op;
			}
			if (prec < 0)
				return NULL;
			{
				enum sdc_op *o = alloc(p, (p->nops - bops) *
				    sizeof(*o));

				if (o == NULL)
					return NULL;
				for (i = bops; i < p->nops; i++)
					o[i - bops] = p->ops[i];
				n->ops = o;
				p->nops = bops;
			}
			left = mk_stack(p, n, base);
		} else if (prec <= 2) {
			n = mk(p, SDC_NODE_BOOLOP, left->line, left->col);
			if (n == NULL || push(p, left) < 0)
				return NULL;
			n->op = op;
			n->op_line = t.line;
			n->op_col = t.col;
			while (p->tok.kind == t.kind) {
				if (next(p) < 0 ||
				    (right = parse_binary(p, prec + 1)) ==
				    NULL || push(p, right) < 0)
					return NULL;
			}
			left = mk_stack(p, n, base);
		} else {
			if (next(p) < 0)
				return NULL;
			if (op == SDC_OP_POW) {
				if (enter(p) < 0 ||
				    (right = parse_binary(p, 11)) == NULL)
					return NULL;
				leave(p);
			} else if ((right = parse_binary(p, prec + 1)) == NULL)
				return NULL;
			n = mk(p, SDC_NODE_BINOP, left->line, left->col);
			if (n == NULL)
				return NULL;
			n->op = op;
			n->op_line = t.line;
			n->op_col = t.col;
			left = mk2(p, n, left, right);
		}
		if (left == NULL)
			return NULL;
	}
}

/*
 * Parameters up to close (')' for def, ':' for lambda), which is left
 * for the caller.  Annotations only for def.
 */
static struct sdc_node *
parse_params(struct parser *p, enum sdc_tok close)
{
	struct sdc_token t0 = p->tok, t;
	struct sdc_node *ps, *pm, *ann, *def;
	size_t base = p->nstk, dup, count = 0;
	int seen_default = 0, seen_star = 0, seen_kwargs = 0, seen_slash = 0;
	int bare_star = 0, lambda = close == SDC_TOK_COLON;

	if ((ps = mk_at(p, SDC_NODE_PARAMS, &t0)) == NULL)
		return NULL;
	while (!is(p, close)) {
		t = p->tok;
		ann = def = NULL;
		if (seen_kwargs)
			return perr(p, SDC_EPARSE, t.line, t.col, "arguments "
			    "cannot follow var-keyword argument");
		if ((pm = mk_at(p, SDC_NODE_PARAM, &t)) == NULL)
			return NULL;
		if (is(p, SDC_TOK_SLASH)) {
			if (count == 0 || seen_slash || seen_star)
				return perr(p, SDC_EPARSE, t.line, t.col,
				    count == 0 ? "at least one argument must "
				    "precede /" : "/ must come before * and "
				    "only once");
			seen_slash = 1;
			pm->flag = SDC_PARAM_SLASH;
			if (next(p) < 0)
				return NULL;
		} else if (is(p, SDC_TOK_STAR) || is(p, SDC_TOK_DSTAR)) {
			if (t.kind == SDC_TOK_STAR && seen_star)
				return perr(p, SDC_EPARSE, t.line, t.col,
				    "* argument may appear only once");
			if (next(p) < 0)
				return NULL;
			if (t.kind == SDC_TOK_STAR && !is(p, SDC_TOK_NAME)) {
				pm->flag = SDC_PARAM_STAR;
				bare_star = 1;
			} else {
				if (!is(p, SDC_TOK_NAME))
					return expected(p, "a parameter name");
				pm->flag = t.kind == SDC_TOK_STAR ?
				    SDC_PARAM_VARARGS : SDC_PARAM_KWARGS;
				if ((pm->name = copy_text(p, p->tok.p,
				    p->tok.len)) == NULL || next(p) < 0)
					return NULL;
				if (!lambda && is(p, SDC_TOK_COLON) &&
				    (next(p) < 0 ||
				    (ann = parse_test(p)) == NULL))
					return NULL;
			}
			if (t.kind == SDC_TOK_STAR)
				seen_star = 1;
			else
				seen_kwargs = 1;
		} else if (is(p, SDC_TOK_NAME)) {
			pm->flag = SDC_PARAM_PLAIN;
			if ((pm->name = copy_text(p, t.p, t.len)) == NULL ||
			    next(p) < 0)
				return NULL;
			if (!lambda && is(p, SDC_TOK_COLON) &&
			    (next(p) < 0 || (ann = parse_test(p)) == NULL))
				return NULL;
			if (is(p, SDC_TOK_ASSIGN)) {
				if (next(p) < 0 || (def = parse_test(p)) == NULL)
					return NULL;
				seen_default = 1;
			} else if (seen_default && !seen_star)
				return perr(p, SDC_EPARSE, t.line, t.col,
				    "non-default argument follows default "
				    "argument");
			bare_star = 0;
		} else
			return expected(p, "a parameter name");
		if (mk2(p, pm, ann, def) == NULL || push(p, pm) < 0)
			return NULL;
		count++;
		if (!is(p, SDC_TOK_COMMA))
			break;
		if (next(p) < 0)
			return NULL;
	}
	if (bare_star)
		return perr(p, SDC_EPARSE, p->stk[p->nstk - 1]->line,
		    p->stk[p->nstk - 1]->col, "named arguments must follow "
		    "bare *");
	dup = first_dup(p, p->stk + base, p->nstk - base, SDC_NODE_PARAM);
	if (dup == SIZE_MAX)
		return NULL;
	if (dup < p->nstk - base) {
		pm = p->stk[base + dup];
		return perr(p, SDC_EPARSE, pm->line, pm->col, "duplicate "
		    "argument '%s' in function definition", pm->name);
	}
	return mk_stack(p, ps, base);
}

static struct sdc_node *
parse_lambda(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *ps, *body;

	if (p->lx->fmode && p->lx->nbracket == 0)
		return perr(p, SDC_EPARSE, t.line, t.col, "f-string: lambda "
		    "expressions are not allowed without parentheses");
	if (next(p) < 0 || (ps = parse_params(p, SDC_TOK_COLON)) == NULL ||
	    expect(p, SDC_TOK_COLON, "after lambda parameters") < 0 ||
	    (body = parse_test(p)) == NULL)
		return NULL;
	return mk2(p, mk_at(p, SDC_NODE_LAMBDA, &t), ps, body);
}

/* test: lambda, or disjunction ['if' disjunction 'else' test]. */
static struct sdc_node *
parse_test(struct parser *p)
{
	struct sdc_node *e, *c, *o, *n;
	struct sdc_token t;

	if (enter(p) < 0)
		return NULL;
	if (is(p, SDC_TOK_KW_LAMBDA))
		e = parse_lambda(p);
	else
		e = parse_binary(p, 1);
	if (e == NULL)
		return NULL;
	if (is(p, SDC_TOK_KW_IF) && e->kind != SDC_NODE_LAMBDA) {
		t = p->tok;
		if (next(p) < 0 || (c = parse_binary(p, 1)) == NULL)
			return NULL;
		if (!is(p, SDC_TOK_KW_ELSE))
			return expected(p, "'else' in conditional expression");
		if (next(p) < 0 || (o = parse_test(p)) == NULL)
			return NULL;
		if ((n = mk(p, SDC_NODE_IFEXP, e->line, e->col)) == NULL)
			return NULL;
		n->op_line = t.line;
		n->op_col = t.col;
		if ((e = mk3(p, n, c, e, o)) == NULL)
			return NULL;
	}
	if (is(p, SDC_TOK_WALRUS))
		return unsupported(p, "assignment expressions (':=') are");
	leave(p);
	return e;
}

/* Statements. */

/* The end of a simple statement: ';' or NEWLINE.  1 if the line ends. */
static int
end_simple(struct parser *p)
{
	if (is(p, SDC_TOK_SEMI)) {
		if (next(p) < 0)
			return -1;
		if (!is(p, SDC_TOK_NEWLINE))
			return 0;
	}
	if (!is(p, SDC_TOK_NEWLINE)) {
		expected(p, "end of line");
		return -1;
	}
	if (next(p) < 0)
		return -1;
	return 1;
}

/* a.b.c into p->buf (appending). */
static int
dotted_name(struct parser *p)
{
	for (;;) {
		if (!is(p, SDC_TOK_NAME)) {
			expected(p, "a module name");
			return -1;
		}
		if (buf_add(p, p->tok.p, p->tok.len) < 0 || next(p) < 0)
			return -1;
		if (!is(p, SDC_TOK_DOT))
			return 0;
		if (buf_add(p, ".", 1) < 0 || next(p) < 0)
			return -1;
	}
}

/* name [as name], or for import, dotted [as name]. */
static struct sdc_node *
parse_alias(struct parser *p, int dotted)
{
	struct sdc_token t = p->tok;
	struct sdc_node *n = mk_at(p, SDC_NODE_ALIAS, &t);

	if (n == NULL)
		return NULL;
	p->nbuf = 0;
	if (dotted) {
		if (dotted_name(p) < 0)
			return NULL;
	} else {
		if (!is(p, SDC_TOK_NAME))
			return expected(p, "a name to import");
		if (buf_add(p, t.p, t.len) < 0 || next(p) < 0)
			return NULL;
	}
	if ((n->name = copy_text(p, p->buf, p->nbuf)) == NULL)
		return NULL;
	if (is(p, SDC_TOK_KW_AS)) {
		if (next(p) < 0)
			return NULL;
		if (!is(p, SDC_TOK_NAME))
			return expected(p, "a name after 'as'");
		if ((n->asname = copy_text(p, p->tok.p, p->tok.len)) == NULL ||
		    next(p) < 0)
			return NULL;
	}
	return n;
}

static struct sdc_node *
parse_import(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *a;
	size_t base = p->nstk;

	if (next(p) < 0)
		return NULL;
	for (;;) {
		if ((a = parse_alias(p, 1)) == NULL || push(p, a) < 0)
			return NULL;
		if (!is(p, SDC_TOK_COMMA))
			break;
		if (next(p) < 0)
			return NULL;
	}
	return mk_stack(p, mk_at(p, SDC_NODE_IMPORT, &t), base);
}

static struct sdc_node *
parse_from(struct parser *p)
{
	struct sdc_token t = p->tok, open;
	struct sdc_node *n, *a;
	size_t base = p->nstk;
	int paren = 0;

	if ((n = mk_at(p, SDC_NODE_FROM, &t)) == NULL || next(p) < 0)
		return NULL;
	p->nbuf = 0;
	while (is(p, SDC_TOK_DOT) || is(p, SDC_TOK_ELLIPSIS)) {
		if (buf_add(p, "...", p->tok.len) < 0 || next(p) < 0)
			return NULL;
	}
	if ((p->nbuf == 0 || !is(p, SDC_TOK_KW_IMPORT)) && dotted_name(p) < 0)
		return NULL;
	if ((n->name = copy_text(p, p->buf, p->nbuf)) == NULL ||
	    expect(p, SDC_TOK_KW_IMPORT, "after the module name") < 0)
		return NULL;
	if (is(p, SDC_TOK_STAR)) {
		n->flag = 1;
		if (next(p) < 0)
			return NULL;
		return mk_kids(p, n, 0, NULL);
	}
	if (is(p, SDC_TOK_LPAR)) {
		open = p->tok;
		paren = 1;
		if (next(p) < 0)
			return NULL;
	}
	for (;;) {
		if ((a = parse_alias(p, 0)) == NULL || push(p, a) < 0)
			return NULL;
		if (!is(p, SDC_TOK_COMMA))
			break;
		if (next(p) < 0)
			return NULL;
		if (paren && is(p, SDC_TOK_RPAR))
			break;
		if (!paren && !is(p, SDC_TOK_NAME))
			return perr(p, SDC_EPARSE, p->tok.line, p->tok.col,
			    "trailing comma not allowed without surrounding "
			    "parentheses");
	}
	if (paren && expect_close(p, SDC_TOK_RPAR, &open) < 0)
		return NULL;
	return mk_stack(p, n, base);
}

/* Expression statement, or an assignment of some kind. */
static struct sdc_node *
parse_expr_stmt(struct parser *p)
{
	struct sdc_token t = p->tok, eq;
	struct sdc_node *e, *v = NULL, *n, *ann;
	size_t base = p->nstk;
	enum sdc_op op;

	if ((e = parse_testlist(p, 1)) == NULL)
		return NULL;
	if (is(p, SDC_TOK_ASSIGN)) {
		n = mk(p, SDC_NODE_ASSIGN, e->line, e->col);
		if (n == NULL || push(p, e) < 0)
			return NULL;
		while (is(p, SDC_TOK_ASSIGN)) {
			eq = p->tok;
			if (check_target(p, p->stk[p->nstk - 1], 0) < 0 ||
			    next(p) < 0)
				return NULL;
			if (is(p, SDC_TOK_KW_YIELD))
				return unsupported(p, "'yield' is");
			if ((v = parse_testlist(p, 1)) == NULL ||
			    push(p, v) < 0)
				return NULL;
			n->op_line = eq.line;
			n->op_col = eq.col;
		}
		if (v->kind == SDC_NODE_STAR)
			return perr(p, SDC_EPARSE, v->line, v->col,
			    "cannot use starred expression here");
		return mk_stack(p, n, base);
	}
	switch (p->tok.kind) {
	case SDC_TOK_PLUSEQ: op = SDC_OP_ADD; break;
	case SDC_TOK_MINUSEQ: op = SDC_OP_SUB; break;
	case SDC_TOK_STAREQ: op = SDC_OP_MUL; break;
	case SDC_TOK_SLASHEQ: op = SDC_OP_DIV; break;
	case SDC_TOK_DSLASHEQ: op = SDC_OP_FLOORDIV; break;
	case SDC_TOK_PERCENTEQ: op = SDC_OP_MOD; break;
	case SDC_TOK_DSTAREQ: op = SDC_OP_POW; break;
	case SDC_TOK_LSHIFTEQ: op = SDC_OP_LSHIFT; break;
	case SDC_TOK_RSHIFTEQ: op = SDC_OP_RSHIFT; break;
	case SDC_TOK_AMPEQ: op = SDC_OP_BITAND; break;
	case SDC_TOK_PIPEEQ: op = SDC_OP_BITOR; break;
	case SDC_TOK_CARETEQ: op = SDC_OP_BITXOR; break;
	case SDC_TOK_ATEQ:
		return unsupported(p, "the '@=' operator is");
	default: op = SDC_OP_NONE; break;
	}
	if (op != SDC_OP_NONE) {
		eq = p->tok;
		if (e->kind != SDC_NODE_NAME && e->kind != SDC_NODE_ATTR &&
		    e->kind != SDC_NODE_SUBSCRIPT)
			return perr(p, SDC_EPARSE, e->line, e->col, "'%s' is an "
			    "illegal target for augmented assignment",
			    node_desc(e));
		if (next(p) < 0 || (v = parse_testlist(p, 1)) == NULL)
			return NULL;
		if ((n = mk(p, SDC_NODE_AUGASSIGN, e->line, e->col)) == NULL)
			return NULL;
		n->op = op;
		n->op_line = eq.line;
		n->op_col = eq.col;
		return mk2(p, n, e, v);
	}
	if (is(p, SDC_TOK_COLON)) {
		if (t.kind == SDC_TOK_NAME && t.len == 5 &&
		    memcmp(t.p, "match", 5) == 0 && e->kind != SDC_NODE_NAME)
			return perr(p, SDC_EPARSE, t.line, t.col, "'match' "
			    "statements are not supported in definitions");
		if (e->kind != SDC_NODE_NAME && e->kind != SDC_NODE_ATTR &&
		    e->kind != SDC_NODE_SUBSCRIPT)
			return perr(p, SDC_EPARSE, e->line, e->col, "only a "
			    "single name, attribute or subscript can be "
			    "annotated");
		v = NULL;
		if (next(p) < 0 || (ann = parse_test(p)) == NULL)
			return NULL;
		if (is(p, SDC_TOK_ASSIGN) && (next(p) < 0 ||
		    (v = parse_testlist(p, 1)) == NULL))
			return NULL;
		return mk3(p, mk(p, SDC_NODE_ANNASSIGN, e->line, e->col), e,
		    ann, v);
	}
	if (e->kind == SDC_NODE_STAR)
		return perr(p, SDC_EPARSE, e->line, e->col,
		    "cannot use starred expression here");
	if (t.kind == SDC_TOK_NAME && t.len == 5 &&
	    memcmp(t.p, "match", 5) == 0 && e->kind == SDC_NODE_NAME &&
	    starts_expr(p->tok.kind))
		return perr(p, SDC_EPARSE, t.line, t.col, "'match' statements "
		    "are not supported in definitions");
	return mk1(p, mk(p, SDC_NODE_EXPR, e->line, e->col), e);
}

static struct sdc_node *
parse_simple(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *n, *a = NULL, *b = NULL;

	switch (t.kind) {
	case SDC_TOK_KW_PASS:
	case SDC_TOK_KW_BREAK:
	case SDC_TOK_KW_CONTINUE:
		if (t.kind != SDC_TOK_KW_PASS && p->in_loop == 0)
			return perr(p, SDC_EPARSE, t.line, t.col, "%s outside "
			    "loop", sdc_tok_name(t.kind));
		n = mk_at(p, t.kind == SDC_TOK_KW_PASS ? SDC_NODE_PASS :
		    t.kind == SDC_TOK_KW_BREAK ? SDC_NODE_BREAK :
		    SDC_NODE_CONTINUE, &t);
		if (n == NULL || next(p) < 0)
			return NULL;
		return n;
	case SDC_TOK_KW_RETURN:
		if (p->in_def == 0)
			return perr(p, SDC_EPARSE, t.line, t.col,
			    "'return' outside function");
		if ((n = mk_at(p, SDC_NODE_RETURN, &t)) == NULL || next(p) < 0)
			return NULL;
		if (is(p, SDC_TOK_NEWLINE) || is(p, SDC_TOK_SEMI))
			return n;
		if ((a = parse_testlist(p, 1)) == NULL)
			return NULL;
		if (a->kind == SDC_NODE_STAR)
			return perr(p, SDC_EPARSE, a->line, a->col,
			    "cannot use starred expression here");
		return mk1(p, n, a);
	case SDC_TOK_KW_IMPORT:
		return parse_import(p);
	case SDC_TOK_KW_FROM:
		return parse_from(p);
	case SDC_TOK_KW_ASSERT:
		if ((n = mk_at(p, SDC_NODE_ASSERT, &t)) == NULL ||
		    next(p) < 0 || (a = parse_test(p)) == NULL)
			return NULL;
		if (!is(p, SDC_TOK_COMMA))
			return mk1(p, n, a);
		if (next(p) < 0 || (b = parse_test(p)) == NULL)
			return NULL;
		return mk2(p, n, a, b);
	case SDC_TOK_KW_RAISE:
		if ((n = mk_at(p, SDC_NODE_RAISE, &t)) == NULL || next(p) < 0)
			return NULL;
		if (is(p, SDC_TOK_NEWLINE) || is(p, SDC_TOK_SEMI))
			return mk_kids(p, n, 0, NULL);
		if ((a = parse_test(p)) == NULL)
			return NULL;
		if (!is(p, SDC_TOK_KW_FROM))
			return mk1(p, n, a);
		if (next(p) < 0 || (b = parse_test(p)) == NULL)
			return NULL;
		return mk2(p, n, a, b);
	case SDC_TOK_KW_GLOBAL:
	case SDC_TOK_KW_NONLOCAL:
	case SDC_TOK_KW_DEL:
		return perr(p, SDC_EPARSE, t.line, t.col, "%s statements are "
		    "not supported in definitions", sdc_tok_name(t.kind));
	case SDC_TOK_KW_YIELD:
		return unsupported(p, "'yield' is");
	default:
		return parse_expr_stmt(p);
	}
}

/* Simple statements up to the end of the line, pushed. */
static int
parse_simple_line(struct parser *p)
{
	struct sdc_node *s;
	int r;

	for (;;) {
		if ((s = parse_simple(p)) == NULL || push(p, s) < 0)
			return -1;
		if ((r = end_simple(p)) != 0)
			return r < 0 ? -1 : 0;
	}
}

/* A block after ':' of the statement what (at line). */
static struct sdc_node *
parse_block(struct parser *p, const char *what, unsigned line)
{
	struct sdc_node *b;
	size_t base = p->nstk;
	char ctx[96];

	if (enter(p) < 0 || (b = mk_at(p, SDC_NODE_BLOCK, &p->tok)) == NULL)
		return NULL;
	if (!is(p, SDC_TOK_NEWLINE)) {
		if (parse_simple_line(p) < 0)
			return NULL;
	} else {
		if (next(p) < 0)
			return NULL;
		if (!is(p, SDC_TOK_INDENT)) {
			snprintf(ctx, sizeof(ctx), "an indented block after "
			    "%s on line %u", what, line);
			return expected(p, ctx);
		}
		b->line = p->tok.line;
		b->col = p->tok.col;
		if (next(p) < 0)
			return NULL;
		while (!is(p, SDC_TOK_DEDENT))
			if (parse_statement(p) < 0)
				return NULL;
		if (next(p) < 0)
			return NULL;
	}
	leave(p);
	return mk_stack(p, b, base);
}

static struct sdc_node *
parse_if(struct parser *p)
{
	struct sdc_node *n, *test, *body, *orelse = NULL;
	struct sdc_token t;
	size_t base = p->nstk, i;

	do {
		t = p->tok;
		if ((n = mk_at(p, SDC_NODE_IF, &t)) == NULL || next(p) < 0 ||
		    (test = parse_test(p)) == NULL ||
		    expect(p, SDC_TOK_COLON, t.kind == SDC_TOK_KW_IF ?
		    "after the 'if' condition" : "after the 'elif' "
		    "condition") < 0 ||
		    (body = parse_block(p, t.kind == SDC_TOK_KW_IF ?
		    "'if' statement" : "'elif' statement", t.line)) == NULL)
			return NULL;
		n->flag = t.kind == SDC_TOK_KW_ELIF;
		if (push(p, n) < 0 || push(p, test) < 0 || push(p, body) < 0)
			return NULL;
	} while (is(p, SDC_TOK_KW_ELIF));
	if (is(p, SDC_TOK_KW_ELSE)) {
		t = p->tok;
		if (next(p) < 0 ||
		    expect(p, SDC_TOK_COLON, "after 'else'") < 0 ||
		    (orelse = parse_block(p, "'else' statement", t.line)) ==
		    NULL)
			return NULL;
	}
	for (i = p->nstk; i > base; i -= 3) {
		n = p->stk[i - 3];
		if ((orelse = mk3(p, n, p->stk[i - 2], p->stk[i - 1],
		    orelse)) == NULL)
			return NULL;
	}
	p->nstk = base;
	return orelse;
}

static struct sdc_node *
parse_for(struct parser *p)
{
	struct sdc_token t = p->tok;
	struct sdc_node *target, *it, *body;

	if (next(p) < 0 || (target = parse_testlist(p, 2)) == NULL ||
	    check_target(p, target, 0) < 0 ||
	    expect(p, SDC_TOK_KW_IN, "after the 'for' target") < 0 ||
	    (it = parse_testlist(p, 1)) == NULL ||
	    expect(p, SDC_TOK_COLON, "after the 'for' iterable") < 0)
		return NULL;
	p->in_loop++;
	if ((body = parse_block(p, "'for' statement", t.line)) == NULL)
		return NULL;
	p->in_loop--;
	if (is(p, SDC_TOK_KW_ELSE))
		return unsupported(p, "'for ... else' is");
	return mk3(p, mk_at(p, SDC_NODE_FOR, &t), target, it, body);
}

static struct sdc_node *
parse_def(struct parser *p)
{
	struct sdc_token t = p->tok, open;
	struct sdc_node *n, *ps, *ret = NULL, *body;
	unsigned loop = p->in_loop;

	if ((n = mk_at(p, SDC_NODE_DEF, &t)) == NULL || next(p) < 0)
		return NULL;
	if (!is(p, SDC_TOK_NAME))
		return expected(p, "a function name after 'def'");
	if ((n->name = copy_text(p, p->tok.p, p->tok.len)) == NULL ||
	    next(p) < 0)
		return NULL;
	open = p->tok;
	if (expect(p, SDC_TOK_LPAR, "after the function name") < 0 ||
	    (ps = parse_params(p, SDC_TOK_RPAR)) == NULL ||
	    expect_close(p, SDC_TOK_RPAR, &open) < 0)
		return NULL;
	if (is(p, SDC_TOK_ARROW) && (next(p) < 0 ||
	    (ret = parse_test(p)) == NULL))
		return NULL;
	if (expect(p, SDC_TOK_COLON, "after the function signature") < 0)
		return NULL;
	p->in_def++;
	p->in_loop = 0;
	if ((body = parse_block(p, "function definition", t.line)) == NULL)
		return NULL;
	p->in_def--;
	p->in_loop = loop;
	return mk3(p, n, ps, ret, body);
}

/* One statement (a line of simple ones, or a compound one), pushed. */
static int
parse_statement(struct parser *p)
{
	struct sdc_node *n;
	const char *what;

	switch (p->tok.kind) {
	case SDC_TOK_KW_IF:
		n = parse_if(p);
		break;
	case SDC_TOK_KW_FOR:
		n = parse_for(p);
		break;
	case SDC_TOK_KW_DEF:
		n = parse_def(p);
		break;
	case SDC_TOK_INDENT:
		perr(p, SDC_EPARSE, p->tok.line, p->tok.col,
		    "unexpected indent");
		return -1;
	case SDC_TOK_AT:
		unsupported(p, "decorators are");
		return -1;
	case SDC_TOK_KW_CLASS:
	case SDC_TOK_KW_WHILE:
	case SDC_TOK_KW_TRY:
	case SDC_TOK_KW_WITH:
		perr(p, SDC_EPARSE, p->tok.line, p->tok.col, "%s statements "
		    "are not supported in definitions",
		    sdc_tok_name(p->tok.kind));
		return -1;
	case SDC_TOK_KW_ASYNC:
		unsupported(p, "'async' is");
		return -1;
	case SDC_TOK_KW_ELIF:
	case SDC_TOK_KW_ELSE:
	case SDC_TOK_KW_EXCEPT:
	case SDC_TOK_KW_FINALLY:
		what = sdc_tok_name(p->tok.kind);
		perr(p, SDC_EPARSE, p->tok.line, p->tok.col, "%s without a "
		    "matching %s", what, p->tok.kind == SDC_TOK_KW_EXCEPT ||
		    p->tok.kind == SDC_TOK_KW_FINALLY ? "'try'" : "'if'");
		return -1;
	default:
		return parse_simple_line(p);
	}
	if (n == NULL || push(p, n) < 0)
		return -1;
	return 0;
}

int
sdc_parse(struct sdc_ast *ast, const char *file, const char *src,
    size_t len, struct sdc_err *err)
{
	struct parser p;
	struct sdc_lexer lx;
	struct sdc_node *root = NULL;

	memset(ast, 0, sizeof(*ast));
	memset(&p, 0, sizeof(p));
	if (src == NULL && len > 0)
		return sdc_err_set(err, SDC_EUSAGE, file, 0, 0,
		    "no source text");
	p.ast = ast;
	p.err = err;
	p.file = file;
	p.lx = &lx;
	if (push(&p, NULL) < 0)	/* p.stk + base is never NULL + 0 */
		goto out;
	p.nstk = 0;
	if (sdc_lex_init(&lx, file, src ? src : "", len, err) < 0 ||
	    next(&p) < 0)
		goto out;
	if ((root = mk_at(&p, SDC_NODE_MODULE, &p.tok)) == NULL)
		goto out;
	while (!is(&p, SDC_TOK_END))
		if (parse_statement(&p) < 0) {
			root = NULL;
			goto out;
		}
	root = mk_stack(&p, root, 0);
out:
	free(p.stk);
	free(p.ops);
	free(p.buf);
	if (root == NULL) {
		sdc_ast_release(ast);
		return -1;
	}
	ast->root = root;
	return 0;
}

void
sdc_ast_release(struct sdc_ast *ast)
{
	struct sdc_ast_chunk_ *c, *nx;

	if (ast == NULL)
		return;
	for (c = ast->mem_; c != NULL; c = nx) {
		nx = c->next;
		free(c);
	}
	ast->mem_ = NULL;
	ast->root = NULL;
}

/* Dump. */

struct out {
	char *buf;
	size_t size, len;
};

static void
put(struct out *o, const char *s, size_t n)
{
	size_t room;

	if (o->len < o->size) {
		room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
put_str(struct out *o, const char *s, size_t n)
{
	char esc[8];
	size_t i;
	unsigned char c;

	put(o, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(o, esc, 2);
		} else if (c == '\n')
			put(o, "\\n", 2);
		else if (c == '\r')
			put(o, "\\r", 2);
		else if (c == '\t')
			put(o, "\\t", 2);
		else if (c < 0x20 || c == 0x7F) {
			snprintf(esc, sizeof(esc), "\\x%02X", c);
			put(o, esc, 4);
		} else
			put(o, s + i, 1);
	}
	put(o, "\"", 1);
}

static const char *
op_text(enum sdc_op op)
{
	static const char *const t[] = {
		"?", "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "|",
		"^", "&", "neg", "pos", "inv", "not", "and", "or", "==", "!=",
		"<", "<=", ">", ">=", "in", "not-in", "is", "is-not"
	};

	return (unsigned)op < sizeof(t) / sizeof(t[0]) ? t[op] : "?";
}

static void dump(struct out *o, const struct sdc_node *n);

/* " k[from]..." each preceded by a space. */
static void
dump_kids(struct out *o, const struct sdc_node *n, size_t from)
{
	size_t i;

	for (i = from; i < n->n; i++) {
		put(o, " ", 1);
		dump(o, n->kid[i]);
	}
}

static void
open_(struct out *o, const char *head)
{
	put(o, "(", 1);
	puts_(o, head);
}

static void
dump(struct out *o, const struct sdc_node *n)
{
	char num[40];
	size_t i;

	if (n == NULL) {
		put(o, "_", 1);
		return;
	}
	switch (n->kind) {
	case SDC_NODE_MODULE: open_(o, "module"); dump_kids(o, n, 0); break;
	case SDC_NODE_BLOCK: open_(o, "block"); dump_kids(o, n, 0); break;
	case SDC_NODE_EXPR: open_(o, "expr"); dump_kids(o, n, 0); break;
	case SDC_NODE_ASSIGN: open_(o, "="); dump_kids(o, n, 0); break;
	case SDC_NODE_AUGASSIGN:
		open_(o, op_text(n->op));
		put(o, "=", 1);
		dump_kids(o, n, 0);
		break;
	case SDC_NODE_ANNASSIGN:
		open_(o, "ann");
		dump_kids(o, n, 0);
		break;
	case SDC_NODE_IMPORT: open_(o, "import"); dump_kids(o, n, 0); break;
	case SDC_NODE_FROM:
		open_(o, "from ");
		puts_(o, n->name);
		if (n->flag)
			put(o, " *", 2);
		dump_kids(o, n, 0);
		break;
	case SDC_NODE_ALIAS:
		if (n->asname == NULL) {
			puts_(o, n->name);
			return;
		}
		open_(o, "as ");
		puts_(o, n->name);
		put(o, " ", 1);
		puts_(o, n->asname);
		break;
	case SDC_NODE_DEF:
		open_(o, "def ");
		puts_(o, n->name);
		dump_kids(o, n, 0);
		break;
	case SDC_NODE_PARAMS: open_(o, "params"); dump_kids(o, n, 0); break;
	case SDC_NODE_PARAM:
		open_(o, "param ");
		puts_(o, n->flag == SDC_PARAM_VARARGS ? "*" :
		    n->flag == SDC_PARAM_KWARGS ? "**" :
		    n->flag == SDC_PARAM_STAR ? "*" :
		    n->flag == SDC_PARAM_SLASH ? "/" : "");
		if (n->name != NULL)
			puts_(o, n->name);
		if (n->kid[0] != NULL) {
			put(o, " : ", 3);
			dump(o, n->kid[0]);
		}
		if (n->kid[1] != NULL) {
			put(o, " = ", 3);
			dump(o, n->kid[1]);
		}
		break;
	case SDC_NODE_RETURN: open_(o, "return"); dump_kids(o, n, 0); break;
	case SDC_NODE_IF:
		open_(o, n->flag ? "elif " : "if ");
		dump(o, n->kid[0]);
		put(o, " ", 1);
		dump(o, n->kid[1]);
		if (n->kid[2] != NULL) {
			put(o, " ", 1);
			dump(o, n->kid[2]);
		}
		break;
	case SDC_NODE_FOR: open_(o, "for"); dump_kids(o, n, 0); break;
	case SDC_NODE_PASS: open_(o, "pass"); break;
	case SDC_NODE_BREAK: open_(o, "break"); break;
	case SDC_NODE_CONTINUE: open_(o, "continue"); break;
	case SDC_NODE_ASSERT: open_(o, "assert"); dump_kids(o, n, 0); break;
	case SDC_NODE_RAISE: open_(o, "raise"); dump_kids(o, n, 0); break;
	case SDC_NODE_NAME:
		open_(o, "name ");
		puts_(o, n->name);
		break;
	case SDC_NODE_CONST:
		puts_(o, n->flag == SDC_CONST_TRUE ? "True" :
		    n->flag == SDC_CONST_FALSE ? "False" : "None");
		return;
	case SDC_NODE_INT:
		if (n->overflow) {
			open_(o, "bigint ");
			puts_(o, n->text);
			break;
		}
		snprintf(num, sizeof(num), "%lld", (long long)n->ival);
		puts_(o, num);
		return;
	case SDC_NODE_FLOAT:
		open_(o, "float ");
		sdc_num_format_double(n->fval, num);
		puts_(o, num);
		break;
	case SDC_NODE_STR:
		put_str(o, n->str, n->len);
		return;
	case SDC_NODE_FSTR: open_(o, "fstr"); dump_kids(o, n, 0); break;
	case SDC_NODE_FVALUE:
		open_(o, "fval ");
		dump(o, n->kid[0]);
		if (n->flag) {
			num[0] = ' ';
			num[1] = '!';
			num[2] = (char)n->flag;
			put(o, num, 3);
		}
		if (n->kid[1] != NULL) {
			put(o, " :", 2);
			dump(o, n->kid[1]);
		}
		break;
	case SDC_NODE_ATTR:
		open_(o, "attr ");
		dump(o, n->kid[0]);
		put(o, " ", 1);
		puts_(o, n->name);
		break;
	case SDC_NODE_CALL: open_(o, "call"); dump_kids(o, n, 0); break;
	case SDC_NODE_KEYWORD:
		open_(o, "kw ");
		puts_(o, n->name);
		dump_kids(o, n, 0);
		break;
	case SDC_NODE_STAR: open_(o, "star"); dump_kids(o, n, 0); break;
	case SDC_NODE_DSTAR: open_(o, "dstar"); dump_kids(o, n, 0); break;
	case SDC_NODE_SUBSCRIPT: open_(o, "index"); dump_kids(o, n, 0); break;
	case SDC_NODE_SLICE: open_(o, "slice"); dump_kids(o, n, 0); break;
	case SDC_NODE_BINOP:
	case SDC_NODE_UNARY:
	case SDC_NODE_BOOLOP:
		open_(o, op_text(n->op));
		dump_kids(o, n, 0);
		break;
	case SDC_NODE_COMPARE:
		open_(o, "cmp ");
		dump(o, n->kid[0]);
		for (i = 1; i < n->n; i++) {
			put(o, " ", 1);
			puts_(o, op_text(n->ops[i - 1]));
			put(o, " ", 1);
			dump(o, n->kid[i]);
		}
		break;
	case SDC_NODE_IFEXP: open_(o, "ifexp"); dump_kids(o, n, 0); break;
	case SDC_NODE_LAMBDA: open_(o, "lambda"); dump_kids(o, n, 0); break;
	case SDC_NODE_TUPLE: open_(o, "tuple"); dump_kids(o, n, 0); break;
	case SDC_NODE_LIST: open_(o, "list"); dump_kids(o, n, 0); break;
	case SDC_NODE_SET: open_(o, "set"); dump_kids(o, n, 0); break;
	case SDC_NODE_DICT: open_(o, "dict"); dump_kids(o, n, 0); break;
	case SDC_NODE_PAIR: open_(o, "pair"); dump_kids(o, n, 0); break;
	case SDC_NODE_LISTCOMP: open_(o, "listcomp"); dump_kids(o, n, 0); break;
	case SDC_NODE_SETCOMP: open_(o, "setcomp"); dump_kids(o, n, 0); break;
	case SDC_NODE_GENEXP: open_(o, "genexp"); dump_kids(o, n, 0); break;
	case SDC_NODE_DICTCOMP: open_(o, "dictcomp"); dump_kids(o, n, 0); break;
	case SDC_NODE_COMPFOR:
		open_(o, "for ");
		dump(o, n->kid[0]);
		put(o, " ", 1);
		dump(o, n->kid[1]);
		for (i = 2; i < n->n; i++) {
			put(o, " (if ", 5);
			dump(o, n->kid[i]);
			put(o, ")", 1);
		}
		break;
	default:
		puts_(o, "(?");
		break;
	}
	put(o, ")", 1);
}

size_t
sdc_ast_dump(const struct sdc_node *n, char *buf, size_t size)
{
	struct out o;

	o.buf = buf;
	o.size = buf == NULL ? 0 : size;
	o.len = 0;
	if (o.size > 0)
		buf[0] = '\0';
	dump(&o, n);
	return o.len;
}
