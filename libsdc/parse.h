/*
 * parse.h - parser for the definition language: the subset of Python
 * used by ehrQL dataset definitions and OpenSAFELY study files, parsed
 * into a syntax tree.  Syntax only: nothing is evaluated or typed.
 *
 * Lifecycle and ownership.  sdc_parse fills a caller-owned struct
 * sdc_ast (no init needed); release it with sdc_ast_release whether the
 * parse succeeded or not.  The source text and file name are borrowed
 * only during the call: every node, name and string value lives in an
 * arena owned by the ast, valid until sdc_ast_release.  Nodes are
 * read-only to the caller.  No global state; the library never prints.
 *
 * Statements: import a.b [as c]; from [.]a.b import x [as y], ... |
 * (x, ...) | *; expressions (docstrings are string expressions);
 * assignment (chained, to names, attributes, subscripts, and tuples or
 * lists of targets with at most one starred); annotated assignment
 * "x: T [= e]"; augmented assignment (+= -= *= /= //= %= **= <<= >>= &=
 * |= ^=); def with positional, default, "/", "*", "*args", keyword-only
 * and "**kw" parameters and annotations; return; if/elif/else; for (no
 * else); pass; break; continue; assert; raise [e [from e]].  Simple
 * statements may share a line, separated by ';', and may follow the ':'
 * of if/for/def.
 *
 * Expressions: Python's precedence, from loosest: lambda; x if c else y;
 * or; and; not; comparisons (chained, in, not in, is, is not); |; ^; &;
 * << >>; + -; * / // %; unary - + ~; ** (right-associative, and tighter
 * than a unary operator on its left).  Primaries: attributes, calls
 * (positional, keyword, *args, **kw, in Python's order), subscripts and
 * slices; atoms: names, True, False, None, integers (decimal, 0x, 0o,
 * 0b, '_' between digits), floats, strings (quotes, triple quotes, r/u
 * prefixes, adjacent literals joined, escapes decoded), f-strings
 * (replacement fields with !r/!s/!a and a literal format spec),
 * parentheses, tuples, lists, sets, dicts (with **d), comprehensions
 * and generator expressions; lambda (not bare inside an f-string field,
 * as in Python).  A negative literal is unary minus applied to the
 * literal, so -9223372036854775808 arrives as NEG of an INT with
 * overflow set: folding it is the evaluator's business.  As in Python,
 * 'return' outside a def, 'break'/'continue' outside a loop, repeated
 * keyword arguments or parameters, and assignments to anything but
 * names, attributes, subscripts and tuples/lists of them are errors.
 *
 * Refused with an error naming the construct: class, while, try, with,
 * global, nonlocal, del, yield, async, await, match, decorators,
 * "for ... else", ":=", the '@' operator, '...', bytes literals,
 * imaginary numbers, \N{...} escapes, '=' and nested fields in
 * f-strings, and non-ASCII characters outside strings and comments.
 *
 * Limits (each an SDC_ELIMIT error at the place it is hit): the source
 * is at most SDC_LEX_SOURCE_MAX bytes; at most SDC_PARSE_DEPTH_MAX
 * nested expressions, unary operators, '**' operands and blocks; at
 * most SDC_LEX_BRACKET_MAX open brackets and SDC_LEX_INDENT_MAX
 * indentation levels; and no tree taller than SDC_AST_HEIGHT_MAX (so
 * long chains like a.b.c... or a + b + ... are bounded too).  A
 * recursive walk of a tree thus needs at most SDC_AST_HEIGHT_MAX frames.
 *
 * Errors are SDC_EPARSE (or SDC_ELIMIT, SDC_ENOMEM) with the file, line
 * and column (1-based, counted in characters) of the offending token and
 * a message saying what was expected and what was found, e.g.
 * "expected ')' to close '(' at 3:14, found end of input".
 */
#ifndef SDC_PARSE_H
#define SDC_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "lex.h"

#define SDC_PARSE_DEPTH_MAX 200
#define SDC_AST_HEIGHT_MAX 1000

/*
 * Node kinds, with their children (kid[0], kid[1], ...).  "?" marks a
 * child that may be NULL.  n is the number of children, including NULL
 * ones.
 */
enum sdc_node_kind {
	/* Statements. */
	SDC_NODE_MODULE,	/* statements */
	SDC_NODE_BLOCK,		/* statements (a body) */
	SDC_NODE_EXPR,		/* expression statement: [0] value */
	SDC_NODE_ASSIGN,	/* targets..., value (last) */
	SDC_NODE_AUGASSIGN,	/* op: [0] target, [1] value */
	SDC_NODE_ANNASSIGN,	/* [0] target, [1] annotation, [2]? value */
	SDC_NODE_IMPORT,	/* ALIAS nodes */
	SDC_NODE_FROM,		/* name: module ("a.b", ".a", "."); ALIAS
				   nodes, or none and flag 1 for "*" */
	SDC_NODE_ALIAS,		/* name (dotted), asname (NULL if none) */
	SDC_NODE_DEF,		/* name: [0] PARAMS, [1]? returns, [2] BLOCK */
	SDC_NODE_PARAMS,	/* PARAM nodes */
	SDC_NODE_PARAM,		/* flag: enum sdc_param; name (NULL for "*"
				   and "/"): [0]? annotation, [1]? default */
	SDC_NODE_RETURN,	/* [0]? value */
	SDC_NODE_IF,		/* [0] test, [1] BLOCK, [2]? BLOCK or IF;
				   flag 1 on an IF that is an elif */
	SDC_NODE_FOR,		/* [0] target, [1] iterable, [2] BLOCK */
	SDC_NODE_PASS,
	SDC_NODE_BREAK,
	SDC_NODE_CONTINUE,
	SDC_NODE_ASSERT,	/* [0] test, [1]? message */
	SDC_NODE_RAISE,		/* [0]? exception, [1]? cause */

	/* Expressions. */
	SDC_NODE_NAME,		/* name */
	SDC_NODE_CONST,		/* flag: enum sdc_const */
	SDC_NODE_INT,		/* ival, overflow; text as written */
	SDC_NODE_FLOAT,		/* fval (overflow: infinite); text */
	SDC_NODE_STR,		/* str, len (decoded, joined) */
	SDC_NODE_FSTR,		/* parts: STR and FVALUE nodes */
	SDC_NODE_FVALUE,	/* flag: conversion 'r' 's' 'a' or 0:
				   [0] value, [1]? format spec (STR) */
	SDC_NODE_ATTR,		/* name: [0] object */
	SDC_NODE_CALL,		/* [0] function, arguments (expressions,
				   STAR, KEYWORD, DSTAR) */
	SDC_NODE_KEYWORD,	/* name: [0] value (name=value argument) */
	SDC_NODE_STAR,		/* [0] value (*x) */
	SDC_NODE_DSTAR,		/* [0] value (**x in calls and dicts) */
	SDC_NODE_SUBSCRIPT,	/* [0] object, [1] index (maybe SLICE, or a
				   TUPLE holding SLICEs) */
	SDC_NODE_SLICE,		/* [0]? lower, [1]? upper, [2]? step */
	SDC_NODE_BINOP,		/* op: [0] left, [1] right */
	SDC_NODE_UNARY,		/* op (NEG POS INVERT NOT): [0] operand */
	SDC_NODE_BOOLOP,	/* op (AND OR): two or more operands */
	SDC_NODE_COMPARE,	/* operands; ops[i] between kid[i], kid[i+1] */
	SDC_NODE_IFEXP,		/* [0] test, [1] then, [2] else */
	SDC_NODE_LAMBDA,	/* [0] PARAMS, [1] body */
	SDC_NODE_TUPLE,		/* elements (maybe STAR) */
	SDC_NODE_LIST,		/* elements (maybe STAR) */
	SDC_NODE_SET,		/* elements (maybe STAR) */
	SDC_NODE_DICT,		/* PAIR and DSTAR nodes */
	SDC_NODE_PAIR,		/* [0] key, [1] value */
	SDC_NODE_LISTCOMP,	/* [0] element, COMPFOR nodes */
	SDC_NODE_SETCOMP,	/* [0] element, COMPFOR nodes */
	SDC_NODE_GENEXP,	/* [0] element, COMPFOR nodes */
	SDC_NODE_DICTCOMP,	/* [0] key, [1] value, COMPFOR nodes */
	SDC_NODE_COMPFOR	/* [0] target, [1] iterable, conditions... */
};

enum sdc_op {
	SDC_OP_NONE,
	SDC_OP_ADD, SDC_OP_SUB, SDC_OP_MUL, SDC_OP_DIV, SDC_OP_FLOORDIV,
	SDC_OP_MOD, SDC_OP_POW, SDC_OP_LSHIFT, SDC_OP_RSHIFT,
	SDC_OP_BITOR, SDC_OP_BITXOR, SDC_OP_BITAND,
	SDC_OP_NEG, SDC_OP_POS, SDC_OP_INVERT, SDC_OP_NOT,
	SDC_OP_AND, SDC_OP_OR,
	SDC_OP_EQ, SDC_OP_NE, SDC_OP_LT, SDC_OP_LE, SDC_OP_GT, SDC_OP_GE,
	SDC_OP_IN, SDC_OP_NOTIN, SDC_OP_IS, SDC_OP_ISNOT
};

enum sdc_const { SDC_CONST_NONE, SDC_CONST_TRUE, SDC_CONST_FALSE };

enum sdc_param {
	SDC_PARAM_PLAIN,	/* a, a=1, a: T = 1 */
	SDC_PARAM_VARARGS,	/* *args */
	SDC_PARAM_STAR,		/* bare *: keyword-only parameters follow */
	SDC_PARAM_SLASH,	/* /: positional-only parameters precede */
	SDC_PARAM_KWARGS	/* **kw */
};

/*
 * A node.  line, col: its first token.  op_line, op_col: its operator
 * for BINOP, UNARY, BOOLOP (the first), COMPARE (the first), AUGASSIGN,
 * ASSIGN (the last '='), ATTR ('.'), CALL ('('), SUBSCRIPT ('['),
 * IFEXP ('if'); otherwise the same as line, col.  All strings are
 * NUL-terminated and owned by the ast.
 */
struct sdc_node {
	enum sdc_node_kind kind;
	unsigned line, col;
	unsigned op_line, op_col;
	unsigned height;		/* 1 + the tallest child's height */
	enum sdc_op op;			/* BINOP UNARY BOOLOP AUGASSIGN */
	int flag;			/* per kind; see above */
	size_t n;			/* children */
	struct sdc_node **kid;
	const char *name;		/* identifier, or module for FROM */
	const char *asname;		/* ALIAS */
	const char *str;		/* STR value (may hold NULs) */
	size_t len;			/* its length in bytes */
	const char *text;		/* INT, FLOAT: literal as written */
	int64_t ival;			/* INT: value, INT64_MAX if overflow */
	int overflow;			/* INT: > INT64_MAX; FLOAT: infinite */
	double fval;			/* FLOAT */
	const enum sdc_op *ops;		/* COMPARE: n - 1 operators */
};

struct sdc_ast_chunk_;

struct sdc_ast {
	struct sdc_node *root;		/* SDC_NODE_MODULE; NULL on error */
	struct sdc_ast_chunk_ *mem_;	/* private */
};

/*
 * Parse src (len bytes; it needs no terminating NUL) into ast.  file
 * names the source in errors and may be NULL.  Returns 0, or -1 with err
 * filled in and ast->root NULL.
 */
int sdc_parse(struct sdc_ast *ast, const char *file, const char *src,
    size_t len, struct sdc_err *err);

/* Free everything the ast owns and reset it.  Safe to call twice. */
void sdc_ast_release(struct sdc_ast *ast);

/*
 * Write node n (NULL prints "_") as an S-expression into buf, keeping
 * it NUL-terminated within size bytes (buf may be NULL when size is
 * 0).  Returns the full length, as snprintf does.  The format:
 *
 *   (module S...)  (block S...)  (expr E)  (= T... V)  (+= T V)
 *   (ann T A V)  (import A...)  (from MOD A...)  (from MOD *)
 *   a.b  (as a.b c)  (def f (params P...) RET (block S...))
 *   P: (param a)  (param a : T)  (param a = E)  (param a : T = E)
 *      (param *args)  (param *)  (param /)  (param **kw)
 *   (return [E])  (if T (block ...) [ELSE])  where ELSE is (block ...)
 *   or (elif T (block ...) [ELSE])  (for T I (block ...))  (pass)
 *   (break)  (continue)  (assert T [M])  (raise [E [C]])
 *   (name x)  True False None  42  (bigint 99999999999999999999)
 *   (float 1.5)  "text"  (fstr PART...)  (fval E [!r] [:"spec"])
 *   (attr E name)  (call F ARG...)  (kw name E)  (star E)  (dstar E)
 *   (index E I)  (slice LO HI STEP)  (+ L R) (- L R) (* L R) (/ L R)
 *   (// L R) (% L R) (** L R) (<< L R) (>> L R) (| L R) (^ L R)
 *   (& L R)  (neg E) (pos E) (inv E) (not E)  (and E E...) (or E E...)
 *   (cmp A < B <= C)  with ops == != < <= > >= in not-in is is-not
 *   (ifexp TEST THEN ELSE)  (lambda (params ...) E)  (tuple ...)
 *   (list ...)  (set ...)  (dict (pair K V) (dstar E) ...)
 *   (listcomp E FOR...)  (setcomp E FOR...)  (genexp E FOR...)
 *   (dictcomp K V FOR...)  FOR: (for T I (if C)...)
 *
 * "_" stands for an absent optional child.  Strings are written in
 * double quotes with \" \\ \n \r \t and \xHH for other control bytes;
 * other bytes (UTF-8 included) as they are.  Floats use the shortest
 * form that reads back to the same double.
 */
size_t sdc_ast_dump(const struct sdc_node *n, char *buf, size_t size);

#endif
