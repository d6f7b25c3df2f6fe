/* t_parse.c - definition-language lexer and parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsdc/lex.h"
#include "libsdc/parse.h"
#include "tests/unit/tap.h"

/* The top-level statements of src, dumped and joined by spaces. */
static const char *
show(const char *src, size_t len)
{
	static char buf[1 << 16];
	struct sdc_ast ast;
	struct sdc_err err;
	size_t i, o = 0;

	sdc_err_clear(&err);
	if (sdc_parse(&ast, "t.py", src, len, &err) < 0) {
		snprintf(buf, sizeof(buf), "ERROR %llu:%llu: %s", err.line,
		    err.column, err.msg);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < ast.root->n; i++) {
		if (i > 0 && o + 1 < sizeof(buf))
			buf[o++] = ' ';
		o += sdc_ast_dump(ast.root->kid[i], buf + o, sizeof(buf) - o);
		if (o >= sizeof(buf))
			o = sizeof(buf) - 1;
	}
	sdc_ast_release(&ast);
	return buf;
}

static const char *
sh(const char *src)
{
	return show(src, strlen(src));
}

/* src on one line, shortened, for a test description. */
static const char *
one_line(const char *src)
{
	static char buf[80];
	size_t o = 0;

	for (; *src != '\0' && o + 8 < sizeof(buf); src++) {
		if (*src == '\n' || *src == '\r' || *src == '\t') {
			buf[o++] = '\\';
			buf[o++] = *src == '\n' ? 'n' : *src == '\r' ? 'r' : 't';
		} else if ((unsigned char)*src < 0x20)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02X",
			    (unsigned char)*src);
		else
			buf[o++] = *src;
	}
	if (*src != '\0')
		buf[o++] = '.', buf[o++] = '.', buf[o++] = '.';
	buf[o] = '\0';
	return buf;
}

struct good {
	const char *src, *want;
};

static const struct good good[] = {
	/* Imports. */
	{ "import a.b\n", "(import a.b)" },
	{ "import a as b, c\n", "(import (as a b) c)" },
	{ "from a.b import x, y as z\n", "(from a.b x (as y z))" },
	{ "from a import *\n", "(from a *)" },
	{ "from a import (x,\n    y,)\n", "(from a x y)" },
	{ "from . import x\n", "(from . x)" },
	{ "from ..a import x\n", "(from ..a x)" },
	{ "from ehrql.tables.core import patients, medications\n",
	    "(from ehrql.tables.core patients medications)" },
	/* Expression statements and docstrings. */
	{ "f()\n", "(expr (call (name f)))" },
	{ "\"\"\"Doc\nstring.\"\"\"\n", "(expr \"Doc\\nstring.\")" },
	{ "x", "(expr (name x))" },
	/* Assignment. */
	{ "x = 1\n", "(= (name x) 1)" },
	{ "a = b = 2\n", "(= (name a) (name b) 2)" },
	{ "dataset.age = 3\n", "(= (attr (name dataset) age) 3)" },
	{ "d[\"k\"] = v\n", "(= (index (name d) \"k\") (name v))" },
	{ "a, b = c\n", "(= (tuple (name a) (name b)) (name c))" },
	{ "[a, *b] = c\n", "(= (list (name a) (star (name b))) (name c))" },
	{ "x = 1, 2\n", "(= (name x) (tuple 1 2))" },
	{ "x = 1,\n", "(= (name x) (tuple 1))" },
	{ "a += 1\n", "(+= (name a) 1)" },
	{ "a -= 1; b *= 2; c |= d; e &= f\n",
	    "(-= (name a) 1) (*= (name b) 2) (|= (name c) (name d)) "
	    "(&= (name e) (name f))" },
	{ "x: int = 5\n", "(ann (name x) (name int) 5)" },
	{ "x: int\n", "(ann (name x) (name int) _)" },
	/* def. */
	{ "def f(a, b=1, *args, c=2, **kw):\n    return a\n",
	    "(def f (params (param a) (param b = 1) (param *args) "
	    "(param c = 2) (param **kw)) _ (block (return (name a))))" },
	{ "def f(a, /, b, *, c):\n    pass\n",
	    "(def f (params (param a) (param /) (param b) (param *) "
	    "(param c)) _ (block (pass)))" },
	{ "def f(x: str = \"a\") -> int: return\n",
	    "(def f (params (param x : (name str) = \"a\")) (name int) "
	    "(block (return)))" },
	{ "def f():\n    def g():\n        return 1\n    return g\n",
	    "(def f (params) _ (block (def g (params) _ (block (return 1))) "
	    "(return (name g))))" },
	{ "def f():\n    return 1, 2\n",
	    "(def f (params) _ (block (return (tuple 1 2))))" },
	/* if / for. */
	{ "if a:\n    b\nelif c:\n    d\nelse:\n    e\n",
	    "(if (name a) (block (expr (name b))) (elif (name c) "
	    "(block (expr (name d))) (block (expr (name e)))))" },
	{ "if a: pass\n", "(if (name a) (block (pass)))" },
	{ "for i, (a, b) in x:\n    pass\n",
	    "(for (tuple (name i) (tuple (name a) (name b))) (name x) "
	    "(block (pass)))" },
	{ "for x in a, b:\n    if x:\n        break\n    continue\n",
	    "(for (name x) (tuple (name a) (name b)) (block (if (name x) "
	    "(block (break))) (continue)))" },
	{ "assert x\nassert x, \"m\"\n",
	    "(assert (name x)) (assert (name x) \"m\")" },
	{ "raise ValueError(f\"bad {x}\")\n",
	    "(raise (call (name ValueError) (fstr \"bad \" "
	    "(fval (name x)))))" },
	/* Precedence and associativity. */
	{ "a - b - c", "(expr (- (- (name a) (name b)) (name c)))" },
	{ "2 ** -1", "(expr (** 2 (neg 1)))" },
	{ "-2 ** 2", "(expr (neg (** 2 2)))" },
	{ "2 ** 3 ** 2", "(expr (** 2 (** 3 2)))" },
	{ "a * b ** c", "(expr (* (name a) (** (name b) (name c))))" },
	{ "-a * b", "(expr (* (neg (name a)) (name b)))" },
	{ "not a == b", "(expr (not (cmp (name a) == (name b))))" },
	{ "not not a", "(expr (not (not (name a))))" },
	{ "a if b else c if d else e",
	    "(expr (ifexp (name b) (name a) (ifexp (name d) (name c) "
	    "(name e))))" },
	{ "~a & b | c", "(expr (| (& (inv (name a)) (name b)) (name c)))" },
	{ "a | b ^ c & d << e + f * g",
	    "(expr (| (name a) (^ (name b) (& (name c) (<< (name d) "
	    "(+ (name e) (* (name f) (name g))))))))" },
	{ "a < b < c", "(expr (cmp (name a) < (name b) < (name c)))" },
	{ "a not in b is not c == d",
	    "(expr (cmp (name a) not-in (name b) is-not (name c) == "
	    "(name d)))" },
	{ "a in b and c is d or e != f",
	    "(expr (or (and (cmp (name a) in (name b)) (cmp (name c) is "
	    "(name d))) (cmp (name e) != (name f))))" },
	{ "a or b or c and d",
	    "(expr (or (name a) (name b) (and (name c) (name d))))" },
	{ "x.is_in([1,2]) & ~y",
	    "(expr (& (call (attr (name x) is_in) (list 1 2)) "
	    "(inv (name y))))" },
	{ "a // b % c / d", "(expr (/ (% (// (name a) (name b)) (name c)) "
	    "(name d)))" },
	{ "a >> 1 << 2", "(expr (<< (>> (name a) 1) 2))" },
	{ "+a - -b", "(expr (- (pos (name a)) (neg (name b))))" },
	{ "lambda x, y=1: x + y",
	    "(expr (lambda (params (param x) (param y = 1)) (+ (name x) "
	    "(name y))))" },
	{ "(a)", "(expr (name a))" },
	/* Primaries. */
	{ "f(1, x=2, *a, **k)",
	    "(expr (call (name f) 1 (kw x 2) (star (name a)) "
	    "(dstar (name k))))" },
	{ "f(*a, x=1, *b, **c, y=2)",
	    "(expr (call (name f) (star (name a)) (kw x 1) (star (name b)) "
	    "(dstar (name c)) (kw y 2)))" },
	{ "f(x for x in y)",
	    "(expr (call (name f) (genexp (name x) (for (name x) "
	    "(name y)))))" },
	{ "f(a,)", "(expr (call (name f) (name a)))" },
	{ "a[1:2]", "(expr (index (name a) (slice 1 2 _)))" },
	{ "a[::2]", "(expr (index (name a) (slice _ _ 2)))" },
	{ "a[:]", "(expr (index (name a) (slice _ _ _)))" },
	{ "a[1:, x]",
	    "(expr (index (name a) (tuple (slice 1 _ _) (name x))))" },
	{ "a.b.c()[0]",
	    "(expr (index (call (attr (attr (name a) b) c)) 0))" },
	/* Atoms. */
	{ "True, False, None", "(expr (tuple True False None))" },
	{ "0x_ff, 0o17, 0b101, 1_000, 00",
	    "(expr (tuple 255 15 5 1000 0))" },
	{ "9223372036854775807", "(expr 9223372036854775807)" },
	{ "9223372036854775808",
	    "(expr (bigint 9223372036854775808))" },
	{ "0xffffffffffffffffffff", "(expr (bigint 0xffffffffffffffffffff))" },
	{ "1.5, 1e-3, .5, 1_0.0, 1., 2E+2, 012.5",
	    "(expr (tuple (float 1.5) (float 0.001) (float 0.5) (float 10) "
	    "(float 1) (float 200) (float 12.5)))" },
	{ "1e999", "(expr (float inf))" },
	{ "'a' \"b\" '''c''' \"\"\"d\"\"\"", "(expr \"abcd\")" },
	{ "'\\n\\t\\\\\\'\\\"\\x41\\u00e9\\U0001F600\\101\\0z'",
	    "(expr \"\\n\\t\\\\'\\\"A\xc3\xa9\xf0\x9f\x98\x80" "A\\x00z\")" },
	{ "'\\d' r'\\n' R'\\'' u'x'", "(expr \"\\\\d\\\\n\\\\'x\")" },
	{ "'a\\\nb'", "(expr \"ab\")" },
	{ "'caf\xc3\xa9'", "(expr \"caf\xc3\xa9\")" },
	{ "f'a{x}b{y!r}c{z:>10}{w!s:.2f}{{}}'",
	    "(expr (fstr \"a\" (fval (name x)) \"b\" (fval (name y) !r) \"c\" "
	    "(fval (name z) :\">10\") (fval (name w) !s :\".2f\") \"{}\"))" },
	{ "f'{a[\"k\"]}' 'x' F\"{b + 1}\"",
	    "(expr (fstr (fval (index (name a) \"k\")) \"x\" "
	    "(fval (+ (name b) 1))))" },
	{ "rf'\\n{x}'", "(expr (fstr \"\\\\n\" (fval (name x))))" },
	{ "f'{x}'", "(expr (fstr (fval (name x))))" },
	{ "f'{x:=10}{(lambda: 1)()}'", "(expr (fstr (fval (name x) :\"=10\") "
	    "(fval (call (lambda (params) 1)))))" },
	{ "\fx = 1\nif a:\n  \f    b\n", "(= (name x) 1) (if (name a) "
	    "(block (expr (name b))))" },
	{ "f''", "(expr (fstr))" },
	{ "f'{ {1: 2}[1] }'",
	    "(expr (fstr (fval (index (dict (pair 1 2)) 1))))" },
	{ "f'''{\nx\n}'''", "(expr (fstr (fval (name x))))" },
	{ "f'{f\"{x}\"}'", "(expr (fstr (fval (fstr (fval (name x))))))" },
	{ "(), (1,), (1, 2)",
	    "(expr (tuple (tuple) (tuple 1) (tuple 1 2)))" },
	{ "[], [1], [1, 2,]", "(expr (tuple (list) (list 1) (list 1 2)))" },
	{ "{}, {1: 2, **d}, {1, 2}, {*a}",
	    "(expr (tuple (dict) (dict (pair 1 2) (dstar (name d))) "
	    "(set 1 2) (set (star (name a)))))" },
	{ "[x for x in y if x if z for w in x]",
	    "(expr (listcomp (name x) (for (name x) (name y) (if (name x)) "
	    "(if (name z))) (for (name w) (name x))))" },
	{ "{k: v for k, v in d.items()}",
	    "(expr (dictcomp (name k) (name v) (for (tuple (name k) "
	    "(name v)) (call (attr (name d) items)))))" },
	{ "{x for x in y}",
	    "(expr (setcomp (name x) (for (name x) (name y))))" },
	{ "(x for x in y)",
	    "(expr (genexp (name x) (for (name x) (name y))))" },
	{ "[x if c else y for x in z]",
	    "(expr (listcomp (ifexp (name c) (name x) (name y)) "
	    "(for (name x) (name z))))" },
	/* Lexical matters. */
	{ "\xef\xbb\xbfx = 1", "(= (name x) 1)" },
	{ "x = (1 +  # comment\n     2)\n", "(= (name x) (+ 1 2))" },
	{ "x = 1 + \\\n    2\n", "(= (name x) (+ 1 2))" },
	{ "# only a comment\n\n   \n", "" },
	{ "", "" },
	{ "if a:\n\n    # c\n    b\n\n# d\nc\n",
	    "(if (name a) (block (expr (name b)))) (expr (name c))" },
	{ "if a:\r\n\tb\r\n\tif c:\r\n\t  d\r\ne\r\n",
	    "(if (name a) (block (expr (name b)) (if (name c) "
	    "(block (expr (name d)))))) (expr (name e))" },
	{ "if a:\n  if b:\n    c", "(if (name a) (block (if (name b) "
	    "(block (expr (name c))))))" },
	{ "x = [\n  1,\n    2,\n]\n", "(= (name x) (list 1 2))" },
	{ "s = '''a\r\nb'''\n", "(= (name s) \"a\\nb\")" },
	{ "match = 1\nmatch(x)\n",
	    "(= (name match) 1) (expr (call (name match) (name x)))" },
};

/* A realistic ehrQL dataset definition. */
static const char ehrql_src[] =
    "from ehrql import create_dataset, case, when, codelist_from_csv\n"
    "from ehrql.tables.core import patients, medications\n"
    "from ehrql.tables.tpp import (\n"
    "    practice_registrations,  # registration history\n"
    "    clinical_events,\n"
    ")\n"
    "\n"
    "index_date = \"2023-01-01\"\n"
    "asthma_codes = codelist_from_csv(\n"
    "    \"codelists/opensafely-asthma.csv\",\n"
    "    column=\"code\",\n"
    ")\n"
    "\n"
    "dataset = create_dataset()\n"
    "dataset.configure_dummy_data(population_size=1000)\n"
    "\n"
    "registered = practice_registrations.for_patient_on(index_date)\n"
    "dataset.define_population(\n"
    "    registered.exists_for_patient()\n"
    "    & patients.age_on(index_date).is_in([18, 19])  # adults\n"
    "    & ~patients.date_of_death.is_on_or_before(index_date)\n"
    ")\n"
    "dataset.age = patients.age_on(index_date)\n"
    "dataset.sex = patients.sex\n"
    "dataset.age_band = case(\n"
    "    when(dataset.age < 40).then(\"0-39\"),\n"
    "    when((dataset.age >= 40) & (dataset.age < 65)).then(\"40-64\"),\n"
    "    otherwise=\"65+\",\n"
    ")\n"
    "dataset.has_asthma = case(when(clinical_events.where(\n"
    "    clinical_events.snomedct_code.is_in(asthma_codes)\n"
    ").exists_for_patient()).then(1), otherwise=0)\n";

static const char ehrql_want[] =
    "(from ehrql create_dataset case when codelist_from_csv) "
    "(from ehrql.tables.core patients medications) "
    "(from ehrql.tables.tpp practice_registrations clinical_events) "
    "(= (name index_date) \"2023-01-01\") "
    "(= (name asthma_codes) (call (name codelist_from_csv) "
    "\"codelists/opensafely-asthma.csv\" (kw column \"code\"))) "
    "(= (name dataset) (call (name create_dataset))) "
    "(expr (call (attr (name dataset) configure_dummy_data) "
    "(kw population_size 1000))) "
    "(= (name registered) (call (attr (name practice_registrations) "
    "for_patient_on) (name index_date))) "
    "(expr (call (attr (name dataset) define_population) "
    "(& (& (call (attr (name registered) exists_for_patient)) "
    "(call (attr (call (attr (name patients) age_on) (name index_date)) "
    "is_in) (list 18 19))) (inv (call (attr (attr (name patients) "
    "date_of_death) is_on_or_before) (name index_date)))))) "
    "(= (attr (name dataset) age) (call (attr (name patients) age_on) "
    "(name index_date))) "
    "(= (attr (name dataset) sex) (attr (name patients) sex)) "
    "(= (attr (name dataset) age_band) (call (name case) "
    "(call (attr (call (name when) (cmp (attr (name dataset) age) < 40)) "
    "then) \"0-39\") "
    "(call (attr (call (name when) (& (cmp (attr (name dataset) age) >= "
    "40) (cmp (attr (name dataset) age) < 65))) then) \"40-64\") "
    "(kw otherwise \"65+\"))) "
    "(= (attr (name dataset) has_asthma) (call (name case) (call (attr "
    "(call (name when) (call (attr (call (attr (name clinical_events) "
    "where) (call (attr (attr (name clinical_events) snomedct_code) "
    "is_in) (name asthma_codes))) exists_for_patient))) then) 1) "
    "(kw otherwise 0)))";

/* An OpenSAFELY-style helper module. */
static const char helper_src[] =
    "\"\"\"Shared variables.\"\"\"\n"
    "import functools\n"
    "import operator\n"
    "\n"
    "from ehrql.tables.tpp import clinical_events as events\n"
    "\n"
    "\n"
    "def has_prior_event(codelist, where=True, *, on_or_before=None):\n"
    "    \"\"\"True if the patient had an event from codelist.\"\"\"\n"
    "    def inner(c):\n"
    "        return events.where(events.snomedct_code.is_in(c))\n"
    "    return inner(codelist).where(where).exists_for_patient()\n"
    "\n"
    "\n"
    "def add_flags(dataset, groups):\n"
    "    for name, codes in groups.items():\n"
    "        setattr(dataset, f\"has_{name}\", has_prior_event(codes))\n"
    "    names = [f\"{n!r:>8}\" for n in groups if n != \"x\"]\n"
    "    sizes = {k: len(v) for k, v in groups.items()}\n"
    "    any_flag = functools.reduce(operator.or_, [\n"
    "        getattr(dataset, f\"has_{n}\") for n in names\n"
    "    ])\n"
    "    return names, sizes, any_flag\n";

static const char helper_want[] =
    "(expr \"Shared variables.\") (import functools) (import operator) "
    "(from ehrql.tables.tpp (as clinical_events events)) "
    "(def has_prior_event (params (param codelist) (param where = True) "
    "(param *) (param on_or_before = None)) _ (block "
    "(expr \"True if the patient had an event from codelist.\") "
    "(def inner (params (param c)) _ (block (return (call (attr "
    "(name events) where) (call (attr (attr (name events) snomedct_code) "
    "is_in) (name c)))))) "
    "(return (call (attr (call (attr (call (name inner) (name codelist)) "
    "where) (name where)) exists_for_patient))))) "
    "(def add_flags (params (param dataset) (param groups)) _ (block "
    "(for (tuple (name name) (name codes)) (call (attr (name groups) "
    "items)) (block (expr (call (name setattr) (name dataset) "
    "(fstr \"has_\" (fval (name name))) (call (name has_prior_event) "
    "(name codes)))))) "
    "(= (name names) (listcomp (fstr (fval (name n) !r :\">8\")) "
    "(for (name n) (name groups) (if (cmp (name n) != \"x\"))))) "
    "(= (name sizes) (dictcomp (name k) (call (name len) (name v)) "
    "(for (tuple (name k) (name v)) (call (attr (name groups) items))))) "
    "(= (name any_flag) (call (attr (name functools) reduce) "
    "(attr (name operator) or_) (listcomp (call (name getattr) "
    "(name dataset) (fstr \"has_\" (fval (name n)))) (for (name n) "
    "(name names))))) "
    "(return (tuple (name names) (name sizes) (name any_flag)))))";

struct bad {
	const char *src;
	size_t len;		/* 0: strlen */
	unsigned line, col;
	const char *msg;	/* a substring of the message */
};

static const struct bad bad[] = {
	{ "x = f(1,\n  2\n", 0, 3, 1,
	    "expected ')' to close '(' at 1:6, found end of input" },
	{ "x = [1, 2)\n", 0, 1, 10,
	    "expected ']' to close '[' at 1:5, found ')'" },
	{ "x = (1 2)\n", 0, 1, 8, "expected ')' to close '(' at 1:5, "
	    "found number 2" },
	{ "x = 1)\n", 0, 1, 6, "unmatched ')'" },
	{ "  x = 1\n", 0, 1, 3, "unexpected indent" },
	{ "if a:\n    b\n      c\n", 0, 3, 7, "unexpected indent" },
	{ "if a:\n    b\n  c\n", 0, 3, 3,
	    "unindent does not match any outer indentation level" },
	{ "if a:\nb\n", 0, 2, 1,
	    "expected an indented block after 'if' statement on line 1, "
	    "found name 'b'" },
	{ "if a:\n", 0, 2, 1, "expected an indented block" },
	{ "if a:\n\tb\n        c\n", 0, 3, 9,
	    "inconsistent use of tabs and spaces" },
	{ "while x:\n    pass\n", 0, 1, 1,
	    "'while' statements are not supported in definitions" },
	{ "class A:\n    pass\n", 0, 1, 1,
	    "'class' statements are not supported in definitions" },
	{ "try:\n    x\n", 0, 1, 1, "'try' statements are not supported" },
	{ "with a:\n    x\n", 0, 1, 1, "'with' statements are not" },
	{ "global x\n", 0, 1, 1, "'global' statements are not supported" },
	{ "del x\n", 0, 1, 1, "'del' statements are not supported" },
	{ "def f():\n    yield 1\n", 0, 2, 5, "'yield' is not supported" },
	{ "async def f(): pass\n", 0, 1, 1, "'async' is not supported" },
	{ "x = await y\n", 0, 1, 5, "'await' is not supported" },
	{ "match x:\n    case 1: pass\n", 0, 1, 1,
	    "'match' statements are not supported" },
	{ "@dec\ndef f(): pass\n", 0, 1, 1, "decorators are not supported" },
	{ "for x in y:\n    pass\nelse:\n    pass\n", 0, 3, 1,
	    "'for ... else' is not supported" },
	{ "if (x := 1): pass\n", 0, 1, 7, "assignment expressions (':=') "
	    "are not supported" },
	{ "x = a @ b\n", 0, 1, 7, "the '@' operator is not supported" },
	{ "x = ...\n", 0, 1, 5, "'...' (Ellipsis) is not supported" },
	{ "x = b'abc'\n", 0, 1, 5, "bytes literals are not supported" },
	{ "x = 1j\n", 0, 1, 5, "imaginary numbers are not supported" },
	{ "x = '\\N{DASH}'\n", 0, 1, 6, "\\N{...} escapes are not supported" },
	{ "x = 'caf\xc3\n", 0, 1, 9, "invalid UTF-8" },
	{ "x = 1\ny = '\xe2\x82\xac\xff'\n", 0, 2, 7, "invalid UTF-8" },
	{ "x = 1\n# \xed\xa0\x80\n", 0, 2, 3, "invalid UTF-8" },
	{ "x = 1\nab\0c\n", 9, 2, 3, "NUL byte" },
	{ "x = 'abc\n", 0, 1, 5,
	    "unterminated string literal (detected at line 1)" },
	{ "x = 1\ny = '''abc\n\n", 0, 2, 5,
	    "unterminated triple-quoted string literal (detected at line 4)" },
	{ "x = 1__0\n", 0, 1, 6, "invalid decimal literal" },
	{ "x = 1_\n", 0, 1, 6, "invalid decimal literal" },
	{ "x = 0x\n", 0, 1, 7, "invalid hexadecimal literal" },
	{ "x = 0b12\n", 0, 1, 8, "invalid binary literal" },
	{ "x = 012\n", 0, 1, 5, "leading zeros in decimal integer" },
	{ "x = 1abc\n", 0, 1, 6, "invalid decimal literal" },
	{ "x = 1e+\n", 0, 1, 8, "exponent has no digits" },
	{ "f(a=1, a=2)\n", 0, 1, 8, "keyword argument repeated: a" },
	{ "f(a=1, b)\n", 0, 1, 8,
	    "positional argument follows keyword argument" },
	{ "f(**k, b)\n", 0, 1, 8,
	    "positional argument follows keyword argument unpacking" },
	{ "f(**k, *b)\n", 0, 1, 8,
	    "iterable argument unpacking follows keyword argument unpacking" },
	{ "f(x for x in y, 1)\n", 0, 1, 3,
	    "generator expression must be parenthesized" },
	{ "f(a, x for x in y)\n", 0, 1, 6,
	    "generator expression must be parenthesized" },
	{ "f(a.b=1)\n", 0, 1, 3, "expression cannot contain assignment" },
	{ "def f(a=1, b): pass\n", 0, 1, 12,
	    "non-default argument follows default argument" },
	{ "def f(a, a): pass\n", 0, 1, 10,
	    "duplicate argument 'a' in function definition" },
	{ "def f(*): pass\n", 0, 1, 7, "named arguments must follow bare *" },
	{ "def f(**k, a): pass\n", 0, 1, 12,
	    "arguments cannot follow var-keyword argument" },
	{ "f() = 1\n", 0, 1, 1, "cannot assign to function call" },
	{ "a + 1 = 2\n", 0, 1, 1, "cannot assign to expression" },
	{ "None = 1\n", 0, 1, 1, "cannot assign to None" },
	{ "a, *b, *c = d\n", 0, 1, 8, "multiple starred expressions" },
	{ "*a = b\n", 0, 1, 1, "starred assignment target must be in a list" },
	{ "(a, b) += 1\n", 0, 1, 1, "illegal target for augmented assignment" },
	{ "for f() in x: pass\n", 0, 1, 5, "cannot assign to function call" },
	{ "return 1\n", 0, 1, 1, "'return' outside function" },
	{ "break\n", 0, 1, 1, "'break' outside loop" },
	{ "for x in y:\n    def f():\n        continue\n", 0, 3, 9,
	    "'continue' outside loop" },
	{ "else:\n    pass\n", 0, 1, 1, "'else' without a matching 'if'" },
	{ "x = 1 2\n", 0, 1, 7, "expected end of line, found number 2" },
	{ "x = \n", 0, 1, 5, "expected an expression, found end of line" },
	{ "x = a +\n", 0, 1, 8, "expected an expression, found end of line" },
	{ "x = a.if\n", 0, 1, 7, "expected an attribute name after '.'" },
	{ "a < not b\n", 0, 1, 5, "expected an expression, found 'not'" },
	{ "x = $\n", 0, 1, 5, "invalid character '$' (U+0024)" },
	{ "x = a!\n", 0, 1, 6, "invalid character '!'" },
	{ "\xc3\xa9t\xc3\xa9 = 1\n", 0, 1, 1, "invalid character '\xc3\xa9' "
	    "(U+00E9): only ASCII is allowed outside strings" },
	{ "x = '\xc3\xa9' + \xe2\x82\xac\n", 0, 1, 11, "U+20AC" },
	{ "x = 1 + \\ 2\n", 0, 1, 10, "unexpected character after line "
	    "continuation character" },
	{ "x = 1 + \\", 0, 1, 10, "unexpected end of input after line "
	    "continuation" },
	{ "x = f'{}'\n", 0, 1, 8, "f-string: empty expression not allowed" },
	{ "x = f'{a'\n", 0, 1, 9, "'}' in f-string, found end of input" },
	{ "x = f'a}b'\n", 0, 1, 8, "f-string: single '}' is not allowed" },
	{ "x = f'{a!x}'\n", 0, 1, 10, "'s', 'r' or 'a' after '!'" },
	{ "x = f'{a:{w}}'\n", 0, 1, 10, "nested replacement fields" },
	{ "x = f'{a=}'\n", 0, 1, 9, "'=' in f-string replacement fields" },
	{ "x = f'{a # c}'\n", 0, 1, 10, "cannot include '#'" },
	{ "x = f'''\n  {a +\n  }'''\n", 0, 3, 3,
	    "expected an expression, found '}'" },
	{ "x = f'{lambda: 1}'\n", 0, 1, 8, "f-string: lambda expressions" },
	{ "x = '\\x4'\n", 0, 1, 6, "truncated \\x escape" },
	{ "x = '\\ud800'\n", 0, 1, 6, "surrogate" },
	{ "x = '\\U00110000'\n", 0, 1, 6, "beyond U+10FFFF" },
	{ "x = a if b\n", 0, 1, 11, "expected 'else' in conditional "
	    "expression, found end of line" },
	{ "if a\n    b\n", 0, 1, 5, "expected ':' after the 'if' condition, "
	    "found end of line" },
	{ "import\n", 0, 1, 7, "expected a module name" },
	{ "from a import b,\n", 0, 1, 17, "trailing comma not allowed" },
	{ "x = (*a)\n", 0, 1, 6, "cannot use starred expression here" },
	{ "x = [*a for a in b]\n", 0, 1, 6, "iterable unpacking cannot be "
	    "used in comprehension" },
	{ "lambda x: (yield)\n", 0, 1, 12, "'yield' is not supported" },
};

/* Parse, expecting failure; returns the error. */
static struct sdc_err
fail(const char *src, size_t len)
{
	struct sdc_ast ast;
	struct sdc_err err;

	sdc_err_clear(&err);
	if (sdc_parse(&ast, "t.py", src, len, &err) == 0) {
		err.code = SDC_EOK;
		sdc_ast_release(&ast);
	}
	return err;
}

static char *
repeat(const char *pre, const char *unit, size_t n, const char *post)
{
	size_t lp = strlen(pre), lu = strlen(unit), lq = strlen(post), i;
	char *s = malloc(lp + lu * n + lq + 1), *o;

	if (s == NULL)
		abort();
	memcpy(s, pre, lp);
	o = s + lp;
	for (i = 0; i < n; i++, o += lu)
		memcpy(o, unit, lu);
	memcpy(o, post, lq + 1);
	return s;
}

static void
test_limits(void)
{
	struct sdc_err err;
	char *s, *t;
	size_t n;

	s = repeat("x = ", "(", 100000, "1");
	n = strlen(s);
	t = realloc(s, n + 100000 + 2);
	if (t == NULL)
		abort();
	s = t;
	memset(s + n, ')', 100000);
	strcpy(s + n + 100000, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT && err.line == 1 && err.column > 100 &&
	    strstr(err.msg, "nested") != NULL,
	    "100000 nested parentheses: ELIMIT (%s at %llu)", err.msg,
	    err.column);
	free(s);

	s = repeat("x = ", "-", 100000, "1\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT, "100000 nested '-': ELIMIT (%s)", err.msg);
	free(s);

	s = repeat("x = ", "not ", 100000, "1\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT, "100000 nested 'not': ELIMIT (%s)",
	    err.msg);
	free(s);

	s = repeat("x = ", "[", 100000, "");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT, "100000 open brackets: ELIMIT (%s)",
	    err.msg);
	free(s);

	s = repeat("x = 1", " ** 1", 100000, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT, "100000 '**' operands: ELIMIT (%s)",
	    err.msg);
	free(s);

	s = repeat("x = 1", " + 1", 100000, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT && strstr(err.msg, "height") != NULL,
	    "100000-term sum: ELIMIT by tree height (%s)", err.msg);
	free(s);

	s = repeat("x = a", ".b", 100000, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT, "100000 attributes: ELIMIT (%s)", err.msg);
	free(s);

	s = repeat("x = f", "()", 100000, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_ELIMIT, "100000 calls: ELIMIT (%s)", err.msg);
	free(s);

	{
		char many[512];
		int i, o;

		o = snprintf(many, sizeof(many), "f(a=1, ");
		for (i = 10; i < 40; i++)
			o += snprintf(many + o, sizeof(many) - (size_t)o,
			    "k%d=1, ", i);
		snprintf(many + o, sizeof(many) - (size_t)o, "a=2)\n");
		err = fail(many, strlen(many));
	}
	ok(err.code == SDC_EPARSE && err.column == 218 &&
	    strstr(err.msg, "repeated: a") != NULL,
	    "repeated keyword among many (%s at %llu)", err.msg, err.column);

	s = repeat("x = 1", " < 1", 100000, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_EOK, "100000-long comparison chain is flat");
	free(s);

	s = repeat("x = [", "1, ", 100000, "]\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_EOK, "100000-element list is fine");
	free(s);

	s = repeat("x = 1", " + 1", 500, "\n");
	err = fail(s, strlen(s));
	ok(err.code == SDC_EOK, "500-term sum is fine");
	free(s);

	s = repeat("x = ", "(", 150, "1");
	t = repeat(s, ")", 150, "\n");
	err = fail(t, strlen(t));
	ok(err.code == SDC_EOK, "150 nested parentheses are fine (%s)",
	    err.msg);
	free(s);
	free(t);

	{
		char buf[64];
		size_t i, k = 0;
		char *src = malloc(200000);

		if (src == NULL)
			abort();
		for (i = 0; i < 101; i++) {
			memset(src + k, ' ', i);
			k += i;
			snprintf(buf, sizeof(buf), "if x%zu:\n", i);
			memcpy(src + k, buf, strlen(buf));
			k += strlen(buf);
		}
		memset(src + k, ' ', i);
		k += i;
		memcpy(src + k, "pass\n", 6);
		err = fail(src, strlen(src));
		ok(err.code == SDC_ELIMIT, "101 nested blocks: ELIMIT (%s)",
		    err.msg);
		free(src);
	}

	s = malloc(SDC_LEX_SOURCE_MAX + 1);
	if (s == NULL)
		abort();
	memset(s, '\n', SDC_LEX_SOURCE_MAX + 1);
	err = fail(s, SDC_LEX_SOURCE_MAX + 1);
	ok(err.code == SDC_ELIMIT, "source over the size limit: ELIMIT");
	err = fail(s, SDC_LEX_SOURCE_MAX);
	ok(err.code == SDC_EOK, "source at the size limit is fine");
	free(s);
}

static void
test_nodes(void)
{
	static const char src[] = "x = '\xc3\xa9' + f(y=\xc3\xa9t\xc3\xa9)\n";
	static const char src2[] = "s = 'caf\xc3\xa9' + b\n";
	struct sdc_ast ast;
	struct sdc_err err;
	const struct sdc_node *as, *v;
	char small[8];
	size_t n;

	ok(sdc_parse(&ast, "t.py", src, strlen(src), &err) < 0 &&
	    err.line == 1 && err.column == 15 &&
	    strcmp(err.file, "t.py") == 0, "column counts characters");
	ok(ast.root == NULL, "root is NULL after an error");
	sdc_ast_release(&ast);
	sdc_ast_release(&ast);

	if (!ok(sdc_parse(&ast, "t.py", src2, strlen(src2), &err) == 0,
	    "parse for node checks"))
		return;
	as = ast.root->kid[0];
	v = as->kid[1];
	ok(as->kind == SDC_NODE_ASSIGN && as->n == 2 && as->op_col == 3,
	    "assign node, '=' position");
	ok(v->kind == SDC_NODE_BINOP && v->op == SDC_OP_ADD &&
	    v->line == 1 && v->col == 5 && v->op_col == 12,
	    "binop position and operator position in characters");
	ok(v->kid[1]->col == 14, "column after a non-ASCII string");
	ok(v->kid[0]->kind == SDC_NODE_STR && v->kid[0]->len == 5 &&
	    memcmp(v->kid[0]->str, "caf\xc3\xa9", 6) == 0,
	    "string value and NUL terminator");
	n = sdc_ast_dump(as, small, sizeof(small));
	ok(n == strlen("(= (name s) (+ \"caf\xc3\xa9\" (name b)))") &&
	    strlen(small) == sizeof(small) - 1,
	    "dump truncates and reports the full length");
	ok(sdc_ast_dump(as, NULL, 0) == n, "dump length with no buffer");
	sdc_ast_release(&ast);

	if (!ok(sdc_parse(&ast, NULL, "s = 'a\\0b'\nn = 0x7f\n", 20,
	    &err) == 0, "parse strings with NUL"))
		return;
	v = ast.root->kid[0]->kid[1];
	ok(v->len == 3 && v->str[1] == '\0' && v->str[3] == '\0',
	    "NUL inside a string keeps its length");
	v = ast.root->kid[1]->kid[1];
	ok(v->kind == SDC_NODE_INT && v->ival == 127 && !v->overflow &&
	    strcmp(v->text, "0x7f") == 0, "int value and text");
	sdc_ast_release(&ast);

	if (!ok(sdc_parse(&ast, NULL, "x = 99999999999999999999999\n", 28,
	    &err) == 0, "parse a big int"))
		return;
	v = ast.root->kid[0]->kid[1];
	ok(v->overflow && v->ival == INT64_MAX, "overflow flag");
	sdc_ast_release(&ast);
}

/* Tokens of a snippet, for the lexer on its own. */
static void
test_lexer(void)
{
	static const char src[] = "if a:\n  b = 'x' # c\n";
	static const enum sdc_tok want[] = { SDC_TOK_KW_IF, SDC_TOK_NAME,
	    SDC_TOK_COLON, SDC_TOK_NEWLINE, SDC_TOK_INDENT, SDC_TOK_NAME,
	    SDC_TOK_ASSIGN, SDC_TOK_STRING, SDC_TOK_NEWLINE, SDC_TOK_DEDENT,
	    SDC_TOK_END, SDC_TOK_END };
	struct sdc_lexer lx;
	struct sdc_token t;
	struct sdc_err err;
	size_t i;
	int good_ = 1;

	ok(sdc_lex_init(&lx, "t", src, strlen(src), &err) == 0, "lex init");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (sdc_lex_next(&lx, &t, &err) < 0 || t.kind != want[i]) {
			good_ = 0;
			printf("# token %zu: %s\n", i, sdc_tok_name(t.kind));
		}
		if (i == 7)
			good_ &= t.line == 2 && t.col == 7 && t.len == 3 &&
			    t.quote_len == 1 && t.prefix_len == 0;
	}
	ok(good_, "token kinds and positions");
	is_str(sdc_tok_name(SDC_TOK_RPAR), "')'", "token name");
	is_str(sdc_tok_name(SDC_TOK_KW_WHILE), "'while'", "keyword name");
	is_str(sdc_tok_name(SDC_TOK_NEWLINE), "end of line", "newline name");
}

/* Random mutations of valid snippets: never a crash or a bad error. */
static void
test_fuzz(void)
{
	static const char *seeds[] = { ehrql_src, helper_src,
	    "x = f'{a!r:>3}' 'b' + [i for i in (1, 2.5e3, 0x1f)]\n",
	    "if a:\n\tb = {1: 2, **c}\nelif d:\n\tpass\nelse:\n\tx[1:2, ::3] = -y ** ~z\n",
	    "def f(a, b=1, *c, d: int = 2, **e) -> str:\n    return a if b else (c, d)\n" };
	static const char alphabet[] = "()[]{}:,.'\"\n\t #\\=fr*";
	unsigned long long state = 0x9E3779B97F4A7C15ULL;
	char buf[4096];
	struct sdc_ast ast;
	struct sdc_err err;
	size_t i, k, len, pos, nok = 0, nerr = 0, bad_err = 0;
	int r, m, edits;

	for (i = 0; i < 6000; i++) {
		const char *s = seeds[i % (sizeof(seeds) / sizeof(seeds[0]))];

		len = strlen(s);
		if (len > sizeof(buf) - 64)
			len = sizeof(buf) - 64;
		memcpy(buf, s, len);
		edits = 1 + (int)(tap_rand(&state) % 4);
		for (m = 0; m < edits && len > 0; m++) {
			pos = (size_t)(tap_rand(&state) % len);
			switch (tap_rand(&state) % 3) {
			case 0:		/* delete */
				memmove(buf + pos, buf + pos + 1,
				    len - pos - 1);
				len--;
				break;
			case 1:		/* duplicate */
				if (len + 1 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos,
					    len - pos);
					len++;
				}
				break;
			default:	/* replace */
				k = tap_rand(&state) % 4;
				buf[pos] = k == 0 ? (char)(tap_rand(&state) &
				    0xFF) : alphabet[tap_rand(&state) %
				    (sizeof(alphabet) - 1)];
				break;
			}
		}
		sdc_err_clear(&err);
		r = sdc_parse(&ast, "fuzz", buf, len, &err);
		if (r == 0) {
			char out[256];

			nok++;
			(void)sdc_ast_dump(ast.root, out, sizeof(out));
		} else {
			nerr++;
			if (err.msg[0] == '\0' || err.line == 0 ||
			    err.column == 0 || err.line > 200 ||
			    err.column > 4096 || (err.code != SDC_EPARSE &&
			    err.code != SDC_ELIMIT)) {
				bad_err++;
				buf[len] = '\0';
				printf("# bad error %llu:%llu '%s' for '%s'\n",
				    err.line, err.column, err.msg,
				    one_line(buf));
			}
		}
		sdc_ast_release(&ast);
	}
	ok(bad_err == 0, "6000 mutated inputs: %zu parsed, %zu refused, all "
	    "with a message and a position", nok, nerr);
}

int
main(void)
{
	size_t i;
	const char *got;
	struct sdc_err err;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		is_str(sh(good[i].src), good[i].want, "parse: %s",
		    one_line(good[i].src));
	is_str(sh(ehrql_src), ehrql_want, "ehrQL dataset definition");
	is_str(sh(helper_src), helper_want, "OpenSAFELY helper module");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].src);

		err = fail(bad[i].src, len);
		got = err.msg;
		if (!ok(err.code != SDC_EOK && err.line == bad[i].line &&
		    err.column == bad[i].col && strstr(got, bad[i].msg) !=
		    NULL && strcmp(err.file, "t.py") == 0,
		    "error: %s", one_line(bad[i].src)))
			printf("#   got:  %llu:%llu: %s\n#   want: %u:%u: %s\n",
			    err.line, err.column, got, bad[i].line, bad[i].col,
			    bad[i].msg);
	}
	test_limits();
	test_nodes();
	test_lexer();
	test_fuzz();
	return done();
}
