/*
 * defn_py.c - the Python builtins and standard-library names a
 * definition may use (range, len, zip, enumerate, sorted, min, max,
 * sum, any, all, str, int, float, bool, list, tuple, dict, set,
 * getattr, setattr, hasattr, isinstance, round, map, filter,
 * functools.reduce, operator.*), methods of plain values (str.format
 * and friends, list.append, dict.items, set.add, date.isoformat),
 * str() and repr() of plain values, format specs and f-strings.
 *
 * Names that would give a definition I/O or a way to run other code
 * (open, exec, eval, __import__, ...) are refused with a message.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "defn_int.h"
#include "num.h"

/* A growable string in the arena. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static int
sb_add(struct defn *d, struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *np;

		if (cap < 64)
			cap = 64;
		if ((np = defn_alloc(d, cap)) == NULL)
			return -1;
		if (b->n)
			memcpy(np, b->p, b->n);
		b->p = np;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

static int
sb_str(struct defn *d, struct sbuf *b, const char *s)
{
	return sb_add(d, b, s, strlen(s));
}

static struct dv
sb_value(struct sbuf *b)
{
	return dv_str(b->p ? b->p : "", b->n);
}

/* Names. */

static const struct {
	const char *name;
	enum dv_fid id;
} builtins[] = {
	{ "abs", F_ABS }, { "len", F_LEN }, { "range", F_RANGE },
	{ "zip", F_ZIP }, { "enumerate", F_ENUMERATE }, { "sorted", F_SORTED },
	{ "reversed", F_REVERSED }, { "min", F_MIN }, { "max", F_MAX },
	{ "sum", F_SUM }, { "any", F_ANY }, { "all", F_ALL },
	{ "list", F_LIST }, { "tuple", F_TUPLE }, { "dict", F_DICT },
	{ "set", F_SET }, { "frozenset", F_SET }, { "getattr", F_GETATTR },
	{ "setattr", F_SETATTR }, { "hasattr", F_HASATTR },
	{ "round", F_ROUND }, { "map", F_MAP }, { "filter", F_FILTER },
	{ "isinstance", F_ISINSTANCE },
};

static const char *const refused_names[] = {
	"open", "exec", "eval", "compile", "input", "globals", "locals",
	"vars", "breakpoint", "exit", "quit", "memoryview", "type", "object",
	"super", "id", "iter", "next", "classmethod", "staticmethod",
	"property", "delattr", "help", "dir", "print", "bytes", "bytearray",
	"callable", "hash",
};

int
defn_py_builtin(struct defn *d, const char *name, const struct sdc_node *at,
    struct dv *out)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(name, builtins[i].name) == 0) {
			*out = dv_func(d, builtins[i].id, builtins[i].name,
			    NULL);
			return out->k == DV_FUNC ? 0 : -1;
		}
	if (strcmp(name, "int") == 0 || strcmp(name, "float") == 0 ||
	    strcmp(name, "str") == 0 || strcmp(name, "bool") == 0) {
		*out = dv_none();
		out->k = DV_TYPE;
		out->sub = name[0] == 'i' ? SDC_TYPE_INT : name[0] == 'f' ?
		    SDC_TYPE_FLOAT : name[0] == 's' ? SDC_TYPE_STR :
		    SDC_TYPE_BOOL;
		return 0;
	}
	for (i = 0; i < sizeof(refused_names) / sizeof(refused_names[0]); i++)
		if (strcmp(name, refused_names[i]) == 0)
			return defn_fail(d, at, SDC_EPARSE, "'%s' is refused in "
			    "dataset definitions: a definition may not do I/O, "
			    "run other code or inspect the interpreter", name);
	return 1;
}

/* str() and repr() of plain values. */

static int to_str(struct defn *d, struct sbuf *b, const struct dv *v,
    int repr, const struct sdc_node *at, int depth);

static int
float_repr(struct defn *d, struct sbuf *b, double f)
{
	char buf[SDC_NUM_DOUBLE_MAX + 4];
	size_t n;

	if (isnan(f))
		return sb_str(d, b, "nan");
	if (isinf(f))
		return sb_str(d, b, f < 0 ? "-inf" : "inf");
	n = sdc_num_format_double(f, buf);
	if (strpbrk(buf, ".e") == NULL) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	return sb_add(d, b, buf, n);
}

static int
str_repr(struct defn *d, struct sbuf *b, const char *s, size_t n)
{
	char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'', e[8];
	size_t i;

	if (sb_add(d, b, &q, 1) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == (unsigned char)q) {
			e[0] = '\\';
			e[1] = (char)c;
			if (sb_add(d, b, e, 2) != 0)
				return -1;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			e[0] = '\\';
			e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			if (sb_add(d, b, e, 2) != 0)
				return -1;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\x%02x", c);
			if (sb_str(d, b, e) != 0)
				return -1;
		} else if (sb_add(d, b, (const char *)&c, 1) != 0)
			return -1;
	}
	return sb_add(d, b, &q, 1);
}

static int
seq_repr(struct defn *d, struct sbuf *b, const struct dv *v,
    const struct sdc_node *at, int depth)
{
	const struct dv_seq *s = v->u.seq;
	size_t i, step = v->k == DV_DICT ? 2 : 1;

	if (v->k == DV_SET && s->n == 0)
		return sb_str(d, b, "set()");
	if (sb_str(d, b, v->k == DV_LIST ? "[" : v->k == DV_TUPLE ? "(" :
	    "{") != 0)
		return -1;
	for (i = 0; i < s->n; i += step) {
		if (i > 0 && sb_str(d, b, ", ") != 0)
			return -1;
		if (to_str(d, b, &s->v[i], 1, at, depth + 1) != 0)
			return -1;
		if (step == 2 && (sb_str(d, b, ": ") != 0 || to_str(d, b,
		    &s->v[i + 1], 1, at, depth + 1) != 0))
			return -1;
	}
	if (v->k == DV_TUPLE && s->n == 1 && sb_str(d, b, ",") != 0)
		return -1;
	return sb_str(d, b, v->k == DV_LIST ? "]" : v->k == DV_TUPLE ? ")" :
	    "}");
}

static int
to_str(struct defn *d, struct sbuf *b, const struct dv *v, int repr,
    const struct sdc_node *at, int depth)
{
	char buf[64];
	struct dv_seq *s;
	struct dv t;

	if (depth > 100)
		return defn_fail(d, at, SDC_ELIMIT, "value nested too deeply "
		    "to print");
	switch (v->k) {
	case DV_NONE: return sb_str(d, b, "None");
	case DV_BOOL: return sb_str(d, b, v->u.b ? "True" : "False");
	case DV_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, v->u.i);
		return sb_str(d, b, buf);
	case DV_FLOAT: return float_repr(d, b, v->u.f);
	case DV_STR:
		return repr ? str_repr(d, b, v->u.s.p, v->u.s.len) :
		    sb_add(d, b, v->u.s.p, v->u.s.len);
	case DV_DATE:
		if (repr) {
			snprintf(buf, sizeof(buf), "datetime.date(%d, %d, %d)",
			    sdc_date_year(v->u.d), sdc_date_month(v->u.d),
			    sdc_date_day(v->u.d));
			return sb_str(d, b, buf);
		}
		return sb_add(d, b, buf, sdc_date_format(v->u.d, buf));
	case DV_CODE:
		return sb_str(d, b, sdc_code_system_class(
		    (enum sdc_code_system)v->sub)) || sb_str(d, b, "(value=") ||
		    str_repr(d, b, v->u.s.p, v->u.s.len) || sb_str(d, b, ")") ?
		    -1 : 0;
	case DV_LIST:
	case DV_TUPLE:
	case DV_SET:
	case DV_DICT:
		return seq_repr(d, b, v, at, depth);
	case DV_CODELIST:
		if (dv_iter(d, v, at, &s) != 0)
			return -1;
		t = dv_seqval(DV_LIST, s);
		return seq_repr(d, b, &t, at, depth);
	case DV_DURATION:
		if (v->u.pair[0].k != DV_INT)
			break;
		snprintf(buf, sizeof(buf), "%s(value=%" PRId64 ")",
		    dv_type_name(d, v), v->u.pair[0].u.i);
		return sb_str(d, b, buf);
	case DV_TYPE:
		snprintf(buf, sizeof(buf), "<class '%s'>",
		    v->sub == SDC_TYPE_INT ? "int" : v->sub == SDC_TYPE_FLOAT ?
		    "float" : v->sub == SDC_TYPE_STR ? "str" : "bool");
		return sb_str(d, b, buf);
	case DV_FUNC:
		return sb_str(d, b, "<function ") || sb_str(d, b,
		    v->u.fn->name) || sb_str(d, b, ">") ? -1 : 0;
	case DV_MODULE:
		return sb_str(d, b, "<module '") || sb_str(d, b,
		    v->u.mod->name) || sb_str(d, b, "'>") ? -1 : 0;
	default:
		break;
	}
	if (v->k == DV_SERIES || v->k == DV_FRAME)
		return defn_fail(d, at, SDC_EPARSE, "cannot make a string of "
		    "an ehrQL %s (%s): its value is per patient, not known "
		    "while the definition runs", v->k == DV_SERIES ? "series" :
		    "frame", dv_type_name(d, v));
	return defn_fail(d, at, SDC_EPARSE, "cannot make a string of a '%s' "
	    "object", dv_type_name(d, v));
}

int
defn_to_str(struct defn *d, const struct dv *v, int repr,
    const struct sdc_node *at, struct dv *out)
{
	struct sbuf b = { NULL, 0, 0 };

	if (!repr && v->k == DV_STR) {
		*out = *v;
		return 0;
	}
	if (to_str(d, &b, v, repr, at, 0) != 0 || sb_add(d, &b, "", 0) != 0)
		return -1;
	*out = sb_value(&b);
	return 0;
}

/*
 * Format specs: [[fill]align][sign][#][0][width][,|_][.precision][type]
 * for int, float, str, bool; dates take strftime's %Y %m %d %y %B %b %%.
 */
struct spec {
	char fill, align, sign, group, type;
	int zero, width, prec;
};

static int
parse_spec(struct defn *d, const char *s, size_t n, const struct sdc_node *at,
    struct spec *sp)
{
	size_t i = 0;

	memset(sp, 0, sizeof(*sp));
	sp->fill = ' ';
	sp->prec = -1;
	if (n >= 2 && strchr("<>^=", s[1])) {
		sp->fill = s[0];
		sp->align = s[1];
		i = 2;
	} else if (n >= 1 && strchr("<>^=", s[0])) {
		sp->align = s[0];
		i = 1;
	}
	if (i < n && strchr("+- ", s[i]))
		sp->sign = s[i++];
	if (i < n && s[i] == '#')
		i++;
	if (i < n && s[i] == '0') {
		sp->zero = 1;
		i++;
	}
	while (i < n && s[i] >= '0' && s[i] <= '9' && sp->width < 1000)
		sp->width = sp->width * 10 + (s[i++] - '0');
	if (i < n && (s[i] == ',' || s[i] == '_'))
		sp->group = s[i++];
	if (i < n && s[i] == '.') {
		i++;
		sp->prec = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && sp->prec < 100)
			sp->prec = sp->prec * 10 + (s[i++] - '0');
	}
	if (i < n && strchr("bcdeEfFgGnosxX%", s[i]))
		sp->type = s[i++];
	if (i != n || sp->width >= 1000 || sp->prec >= 100)
		return defn_fail(d, at, SDC_EPARSE, "invalid or unsupported "
		    "format specifier '%.*s'", (int)n, s);
	if (sp->zero && !sp->align) {
		sp->fill = '0';
		sp->align = '=';
	}
	return 0;
}

/* Insert grouping separators into the digits of body (no sign). */
static int
group_digits(struct defn *d, struct sbuf *o, const char *p, size_t n, char g)
{
	size_t int_len = 0, i;

	while (int_len < n && p[int_len] >= '0' && p[int_len] <= '9')
		int_len++;
	for (i = 0; i < int_len; i++) {
		if (i > 0 && (int_len - i) % 3 == 0 && sb_add(d, o, &g, 1) != 0)
			return -1;
		if (sb_add(d, o, p + i, 1) != 0)
			return -1;
	}
	return sb_add(d, o, p + int_len, n - int_len);
}

static int
pad(struct defn *d, struct sbuf *o, const struct spec *sp, const char *sign,
    const char *body, size_t n, char defalign)
{
	size_t len = strlen(sign) + n, fill, left, i;
	char align = sp->align ? sp->align : defalign;

	fill = (size_t)sp->width > len ? (size_t)sp->width - len : 0;
	left = align == '>' || align == '=' ? fill : align == '^' ? fill / 2 :
	    0;
	if (align == '=') {
		if (sb_str(d, o, sign) != 0)
			return -1;
		for (i = 0; i < left; i++)
			if (sb_add(d, o, &sp->fill, 1) != 0)
				return -1;
		return sb_add(d, o, body, n);
	}
	for (i = 0; i < left; i++)
		if (sb_add(d, o, &sp->fill, 1) != 0)
			return -1;
	if (sb_str(d, o, sign) != 0 || sb_add(d, o, body, n) != 0)
		return -1;
	for (i = left; i < fill; i++)
		if (sb_add(d, o, &sp->fill, 1) != 0)
			return -1;
	return 0;
}

static int
format_date(struct defn *d, int32_t x, const char *s, size_t n,
    const struct sdc_node *at, struct sbuf *o)
{
	static const char *const mon[] = { "January", "February", "March",
		"April", "May", "June", "July", "August", "September",
		"October", "November", "December" };
	char buf[32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '%' || i + 1 == n) {
			if (sb_add(d, o, s + i, 1) != 0)
				return -1;
			continue;
		}
		switch (s[++i]) {
		case 'Y':
			snprintf(buf, sizeof(buf), "%04d", sdc_date_year(x));
			break;
		case 'y':
			snprintf(buf, sizeof(buf), "%02d", sdc_date_year(x) %
			    100);
			break;
		case 'm':
			snprintf(buf, sizeof(buf), "%02d", sdc_date_month(x));
			break;
		case 'd':
			snprintf(buf, sizeof(buf), "%02d", sdc_date_day(x));
			break;
		case 'B':
			snprintf(buf, sizeof(buf), "%s",
			    mon[sdc_date_month(x) - 1]);
			break;
		case 'b':
			snprintf(buf, sizeof(buf), "%.3s",
			    mon[sdc_date_month(x) - 1]);
			break;
		case '%':
			snprintf(buf, sizeof(buf), "%%");
			break;
		default:
			return defn_fail(d, at, SDC_EPARSE, "date format '%%%c' "
			    "is not supported (use %%Y %%m %%d %%y %%B %%b)",
			    s[i]);
		}
		if (sb_str(d, o, buf) != 0)
			return -1;
	}
	return 0;
}

static int
format_value(struct defn *d, struct sbuf *o, const struct dv *v,
    const char *s, size_t n, const struct sdc_node *at)
{
	struct spec sp;
	struct sbuf body = { NULL, 0, 0 };
	char buf[512], *p;
	const char *sign = "";
	double f;
	int64_t i;
	int prec;

	if (n == 0 && v->k != DV_DATE)
		return to_str(d, o, v, 0, at, 0);
	if (v->k == DV_DATE)
		return n == 0 ? to_str(d, o, v, 0, at, 0) :
		    format_date(d, v->u.d, s, n, at, o);
	if (parse_spec(d, s, n, at, &sp) != 0)
		return -1;
	if (v->k == DV_STR || (v->k != DV_INT && v->k != DV_BOOL &&
	    v->k != DV_FLOAT)) {
		struct dv t;

		if (sp.type && sp.type != 's')
			return defn_fail(d, at, SDC_EPARSE, "Unknown format "
			    "code '%c' for object of type '%s'", sp.type,
			    dv_type_name(d, v));
		if (defn_to_str(d, v, 0, at, &t) != 0)
			return -1;
		return pad(d, o, &sp, "", t.u.s.p, sp.prec >= 0 &&
		    (size_t)sp.prec < t.u.s.len ? (size_t)sp.prec : t.u.s.len,
		    '<');
	}
	if ((v->k == DV_INT || v->k == DV_BOOL) && (sp.type == 0 ||
	    strchr("dnbcoxX", sp.type))) {
		uint64_t u;

		if (sp.prec >= 0)
			return defn_fail(d, at, SDC_EPARSE, "Precision not "
			    "allowed in integer format specifier");
		i = v->k == DV_INT ? v->u.i : v->u.b;
		u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
		switch (sp.type) {
		case 'x': snprintf(buf, sizeof(buf), "%" PRIx64, u); break;
		case 'X': snprintf(buf, sizeof(buf), "%" PRIX64, u); break;
		case 'o': snprintf(buf, sizeof(buf), "%" PRIo64, u); break;
		case 'b': {
			int k = 0, m;
			char t[70];

			do {
				t[k++] = (char)('0' + (u & 1));
				u >>= 1;
			} while (u);
			for (m = 0; m < k; m++)
				buf[m] = t[k - 1 - m];
			buf[k] = '\0';
			break;
		}
		case 'c':
			return defn_fail(d, at, SDC_EPARSE, "format code 'c' "
			    "is not supported");
		default: snprintf(buf, sizeof(buf), "%" PRIu64, u); break;
		}
		sign = i < 0 ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ?
		    " " : "";
	} else {
		f = v->k == DV_FLOAT ? v->u.f : v->k == DV_INT ?
		    (double)v->u.i : v->u.b;
		prec = sp.prec >= 0 ? sp.prec : 6;
		sign = signbit(f) && !isnan(f) ? "-" : sp.sign == '+' ? "+" :
		    sp.sign == ' ' ? " " : "";
		f = fabs(f);
		switch (sp.type) {
		case 'f': case 'F':
			snprintf(buf, sizeof(buf), "%.*f", prec, f);
			break;
		case 'e': case 'E':
			snprintf(buf, sizeof(buf), sp.type == 'e' ? "%.*e" :
			    "%.*E", prec, f);
			break;
		case 'g': case 'G': case 'n':
			snprintf(buf, sizeof(buf), "%.*g", prec ? prec : 1, f);
			break;
		case '%':
			snprintf(buf, sizeof(buf), "%.*f%%", prec, f * 100);
			break;
		default:
			if (sp.prec >= 0) {
				snprintf(buf, sizeof(buf), "%.*g", prec ? prec :
				    1, f);
			} else {
				struct sbuf r = { NULL, 0, 0 };

				if (float_repr(d, &r, f) != 0)
					return -1;
				snprintf(buf, sizeof(buf), "%s", r.p);
			}
			break;
		}
	}
	p = buf;
	if (sp.group) {
		if (group_digits(d, &body, p, strlen(p), sp.group) != 0)
			return -1;
		return pad(d, o, &sp, sign, body.p, body.n, '>');
	}
	return pad(d, o, &sp, sign, p, strlen(p), '>');
}

int
defn_format(struct defn *d, const struct dv *v, const char *spec,
    size_t speclen, const struct sdc_node *at, struct dv *out)
{
	struct sbuf b = { NULL, 0, 0 };

	if (format_value(d, &b, v, spec, speclen, at) != 0 ||
	    sb_add(d, &b, "", 0) != 0)
		return -1;
	*out = sb_value(&b);
	return 0;
}

int
defn_fstring(struct defn *d, const struct sdc_node *n, struct dv *out)
{
	struct sbuf b = { NULL, 0, 0 };
	struct dv v;
	size_t i;

	if (sb_add(d, &b, "", 0) != 0)
		return -1;
	for (i = 0; i < n->n; i++) {
		const struct sdc_node *k = n->kid[i];

		if (k->kind == SDC_NODE_STR) {
			if (sb_add(d, &b, k->str, k->len) != 0)
				return -1;
			continue;
		}
		if (defn_ev(d, k->kid[0], &v) != 0)
			return -1;
		if (k->flag && defn_to_str(d, &v, k->flag != 's', k->kid[0],
		    &v) != 0)
			return -1;
		if (format_value(d, &b, &v, k->n > 1 && k->kid[1] ?
		    k->kid[1]->str : "", k->n > 1 && k->kid[1] ? k->kid[1]->len :
		    0, k->kid[0]) != 0)
			return -1;
	}
	*out = sb_value(&b);
	return 0;
}

/* "...{}...{0}...{name!r:>5}...".format(...) */
static int
str_format(struct defn *d, const struct dv *tmpl, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	const char *s = tmpl->u.s.p, *f, *conv, *spec;
	size_t n = tmpl->u.s.len, i = 0, j, auto_i = 0, flen, speclen, k;
	struct sbuf b = { NULL, 0, 0 };
	const struct dv *v;
	struct dv t;

	if (sb_add(d, &b, "", 0) != 0)
		return -1;
	while (i < n) {
		if (s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
			if (sb_add(d, &b, "}", 1) != 0)
				return -1;
			i += 2;
			continue;
		}
		if (s[i] != '{') {
			if (sb_add(d, &b, s + i, 1) != 0)
				return -1;
			i++;
			continue;
		}
		if (i + 1 < n && s[i + 1] == '{') {
			if (sb_add(d, &b, "{", 1) != 0)
				return -1;
			i += 2;
			continue;
		}
		for (j = i + 1; j < n && s[j] != '}' && s[j] != '{'; j++)
			;
		if (j == n || s[j] == '{')
			return defn_fail(d, at, SDC_EPARSE, "str.format(): "
			    "unmatched '{' or a nested field in the template");
		f = s + i + 1;
		flen = j - i - 1;
		spec = memchr(f, ':', flen);
		speclen = spec ? (size_t)(f + flen - spec - 1) : 0;
		if (spec)
			flen = (size_t)(spec++ - f);
		conv = memchr(f, '!', flen);
		if (conv)
			flen = (size_t)(conv++ - f);
		if (flen == 0) {
			if (auto_i >= a->n)
				return defn_fail(d, at, SDC_EPARSE, "str.format()"
				    ": Replacement index %zu out of range",
				    auto_i);
			v = &a->v[auto_i++];
		} else if (f[0] >= '0' && f[0] <= '9') {
			for (k = 0, auto_i = 0; k < flen && f[k] >= '0' &&
			    f[k] <= '9' && auto_i < 100000; k++)
				auto_i = auto_i * 10 + (size_t)(f[k] - '0');
			if (k != flen || auto_i >= a->n)
				return defn_fail(d, at, SDC_EPARSE, "str.format()"
				    ": Replacement index '%.*s' out of range",
				    (int)flen, f);
			v = &a->v[auto_i++];
		} else {
			for (k = 0; k < a->nkw; k++)
				if (strlen(a->kwname[k]) == flen &&
				    memcmp(a->kwname[k], f, flen) == 0)
					break;
			if (k == a->nkw)
				return defn_fail(d, at, SDC_EPARSE, "str.format()"
				    ": KeyError: '%.*s'", (int)flen, f);
			v = &a->kw[k];
		}
		t = *v;
		if (conv && defn_to_str(d, &t, *conv != 's', at, &t) != 0)
			return -1;
		if (format_value(d, &b, &t, spec ? spec : "", speclen, at) != 0)
			return -1;
		i = j + 1;
	}
	*out = sb_value(&b);
	return 0;
}

/* Argument checks for the builtins here. */

static int
nargs(struct defn *d, const struct dv_argv *a, const char *fname, size_t lo,
    size_t hi, int kw_ok, const struct sdc_node *at)
{
	if (a->n < lo)
		return defn_fail(d, at, SDC_EPARSE, "%s() expected at least %zu "
		    "argument%s, got %zu", fname, lo, lo == 1 ? "" : "s", a->n);
	if (a->n > hi)
		return defn_fail(d, a->at[hi], SDC_EPARSE, "%s() takes at most "
		    "%zu argument%s (%zu given)", fname, hi, hi == 1 ? "" : "s",
		    a->n);
	if (!kw_ok && a->nkw > 0)
		return defn_fail(d, a->kwat[0], SDC_EPARSE, "%s() got an "
		    "unexpected keyword argument '%s'", fname, a->kwname[0]);
	return 0;
}

/* The keyword argument name, or NULL; others are refused. */
static const struct dv *
kwarg(struct defn *d, const struct dv_argv *a, const char *fname,
    const char *const *names, const char *name, int *err)
{
	size_t i, j;
	const struct dv *v = NULL;

	for (i = 0; i < a->nkw; i++) {
		for (j = 0; names[j]; j++)
			if (strcmp(a->kwname[i], names[j]) == 0)
				break;
		if (names[j] == NULL) {
			defn_fail(d, a->kwat[i], SDC_EPARSE, "%s() got an "
			    "unexpected keyword argument '%s'", fname,
			    a->kwname[i]);
			*err = 1;
			return NULL;
		}
		if (strcmp(a->kwname[i], name) == 0)
			v = &a->kw[i];
	}
	return v;
}

static int
int_arg(struct defn *d, const struct dv *v, const struct sdc_node *at,
    int64_t *out)
{
	if (v->k == DV_INT)
		*out = v->u.i;
	else if (v->k == DV_BOOL)
		*out = v->u.b;
	else
		return defn_fail(d, at, SDC_EPARSE, "'%s' object cannot be "
		    "interpreted as an integer", dv_type_name(d, v));
	return 0;
}

static int
f_range(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
    struct dv *out)
{
	int64_t lo = 0, hi = 0, step = 1, i, n;
	struct dv_seq *s;

	if (nargs(d, a, "range", 1, 3, 0, at) != 0)
		return -1;
	if (a->n == 1) {
		if (int_arg(d, &a->v[0], a->at[0], &hi) != 0)
			return -1;
	} else if (int_arg(d, &a->v[0], a->at[0], &lo) != 0 ||
	    int_arg(d, &a->v[1], a->at[1], &hi) != 0 || (a->n == 3 &&
	    int_arg(d, &a->v[2], a->at[2], &step) != 0))
		return -1;
	if (step == 0)
		return defn_fail(d, a->at[2], SDC_EPARSE, "range() arg 3 must "
		    "not be zero");
	if (step > 0)
		n = hi > lo ? (int64_t)(((uint64_t)hi - (uint64_t)lo - 1) /
		    (uint64_t)step) + 1 : 0;
	else
		n = lo > hi ? (int64_t)(((uint64_t)lo - (uint64_t)hi - 1) /
		    ((uint64_t)0 - (uint64_t)step)) + 1 : 0;
	if (n < 0 || n > DEFN_RANGE_MAX)
		return defn_fail(d, at, SDC_ELIMIT, "range() of more than %ld "
		    "numbers", DEFN_RANGE_MAX);
	if ((s = dv_seq_new(d, (size_t)n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (dv_seq_push(d, s, dv_int(lo + i * step)) != 0)
			return -1;
	*out = dv_seqval(DV_LIST, s);
	return 0;
}

static int
f_zip(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
    struct dv *out)
{
	struct dv_seq **its, *s, *t;
	size_t i, j, n = SIZE_MAX;

	if (nargs(d, a, "zip", 0, SIZE_MAX, 0, at) != 0)
		return -1;
	if ((its = defn_alloc(d, (a->n + 1) * sizeof(*its))) == NULL ||
	    (s = dv_seq_new(d, 4)) == NULL)
		return -1;
	for (i = 0; i < a->n; i++) {
		if (dv_iter(d, &a->v[i], a->at[i], &its[i]) != 0)
			return -1;
		if (its[i]->n < n)
			n = its[i]->n;
	}
	if (a->n == 0)
		n = 0;
	for (j = 0; j < n; j++) {
		if ((t = dv_seq_new(d, a->n)) == NULL)
			return -1;
		for (i = 0; i < a->n; i++)
			if (dv_seq_push(d, t, its[i]->v[j]) != 0)
				return -1;
		if (dv_seq_push(d, s, dv_seqval(DV_TUPLE, t)) != 0)
			return -1;
	}
	*out = dv_seqval(DV_LIST, s);
	return 0;
}

/* Stable merge sort of v[0..n) by keys k (plain values). */
static int
msort(struct defn *d, struct dv *v, struct dv *k, struct dv *tv,
    struct dv *tk, size_t n, int rev, const struct sdc_node *at)
{
	size_t m = n / 2, i = 0, j = m, o = 0;
	int c = 0;

	if (n < 2)
		return 0;
	if (msort(d, v, k, tv, tk, m, rev, at) != 0 ||
	    msort(d, v + m, k + m, tv, tk, n - m, rev, at) != 0)
		return -1;
	while (i < m || j < n) {
		if (i < m && j < n) {
			c = defn_literal_order(&k[j], &k[i]);
			if (c == 2)
				return defn_unsupported(d, SDC_OP_LT, &k[j],
				    &k[i], at);
			if (c == 3)
				c = 0;
			if (rev)
				c = -c;
		}
		if (j == n || (i < m && c >= 0)) {
			tv[o] = v[i];
			tk[o++] = k[i++];
		} else {
			tv[o] = v[j];
			tk[o++] = k[j++];
		}
	}
	memcpy(v, tv, n * sizeof(*v));
	memcpy(k, tk, n * sizeof(*k));
	return 0;
}

static int
f_sorted(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
    struct dv *out)
{
	static const char *const names[] = { "key", "reverse", NULL };
	const struct dv *key, *rev;
	struct dv_seq *items, *s;
	struct dv *k, *tv, *tk;
	size_t i;
	int e = 0, r = 0;

	if (nargs(d, a, "sorted", 1, 1, 1, at) != 0)
		return -1;
	key = kwarg(d, a, "sorted", names, "key", &e);
	rev = kwarg(d, a, "sorted", names, "reverse", &e);
	if (e || dv_iter(d, &a->v[0], a->at[0], &items) != 0 ||
	    (rev && dv_truthy(d, rev, at, &r) != 0))
		return -1;
	if ((s = dv_seq_new(d, items->n)) == NULL ||
	    (k = defn_alloc(d, (items->n + 1) * sizeof(*k))) == NULL ||
	    (tv = defn_alloc(d, (items->n + 1) * sizeof(*tv))) == NULL ||
	    (tk = defn_alloc(d, (items->n + 1) * sizeof(*tk))) == NULL)
		return -1;
	for (i = 0; i < items->n; i++) {
		s->v[i] = items->v[i];
		if (key && key->k != DV_NONE) {
			if (defn_step(d, at) != 0 || defn_call1(d, key, 1,
			    &items->v[i], at, &k[i]) != 0)
				return -1;
		} else
			k[i] = items->v[i];
	}
	s->n = items->n;
	if (msort(d, s->v, k, tv, tk, s->n, r, at) != 0)
		return -1;
	*out = dv_seqval(DV_LIST, s);
	return 0;
}

static int
f_minmax(struct defn *d, int max, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	static const char *const names[] = { "key", "default", NULL };
	const char *fname = max ? "max" : "min";
	const struct dv *key, *def;
	struct dv_seq *items, one;
	struct dv best, bk, k;
	size_t i;
	int e = 0, c = 0;

	key = kwarg(d, a, fname, names, "key", &e);
	def = kwarg(d, a, fname, names, "default", &e);
	if (e || nargs(d, a, fname, 1, SIZE_MAX, 1, at) != 0)
		return -1;
	if (a->n == 1) {
		if (dv_iter(d, &a->v[0], a->at[0], &items) != 0)
			return -1;
	} else {
		one.n = one.cap = a->n;
		one.v = a->v;
		items = &one;
	}
	if (items->n == 0) {
		if (def) {
			*out = *def;
			return 0;
		}
		return defn_fail(d, at, SDC_EPARSE, "%s() arg is an empty "
		    "sequence", fname);
	}
	for (i = 0; i < items->n; i++) {
		if (items->v[i].k == DV_SERIES)
			return defn_fail(d, at, SDC_EPARSE, "%s() of an ehrQL "
			    "series: use %s() from ehrql instead", fname,
			    max ? "maximum_of" : "minimum_of");
		k = items->v[i];
		if (key && key->k != DV_NONE && defn_call1(d, key, 1,
		    &items->v[i], at, &k) != 0)
			return -1;
		if (i == 0) {
			best = items->v[i];
			bk = k;
			continue;
		}
		c = defn_literal_order(&k, &bk);
		if (c == 2)
			return defn_unsupported(d, max ? SDC_OP_GT : SDC_OP_LT,
			    &k, &bk, at);
		if (c != 3 && (max ? c > 0 : c < 0)) {
			best = items->v[i];
			bk = k;
		}
	}
	*out = best;
	return 0;
}

static int
f_round(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
    struct dv *out)
{
	int64_t nd = 0;
	char buf[400];
	double f;

	if (nargs(d, a, "round", 1, 2, 0, at) != 0)
		return -1;
	if (a->n == 2 && a->v[1].k != DV_NONE && int_arg(d, &a->v[1],
	    a->at[1], &nd) != 0)
		return -1;
	if (a->v[0].k == DV_INT || a->v[0].k == DV_BOOL) {
		*out = a->v[0].k == DV_INT ? a->v[0] : dv_int(a->v[0].u.b);
		if (nd >= 0)
			return 0;
	}
	if (a->v[0].k == DV_SERIES)
		return defn_fail(d, a->at[0], SDC_EPARSE, "round() of an ehrQL "
		    "series is not supported");
	if (a->v[0].k != DV_FLOAT && a->v[0].k != DV_INT)
		return defn_fail(d, a->at[0], SDC_EPARSE, "type %s doesn't "
		    "define __round__ method", dv_type_name(d, &a->v[0]));
	f = a->v[0].k == DV_FLOAT ? a->v[0].u.f : (double)a->v[0].u.i;
	if (a->n == 1 || a->v[1].k == DV_NONE) {
		if (!isfinite(f) || fabs(f) >= 9.2e18)
			return defn_fail(d, at, SDC_EDATA, "cannot convert "
			    "float to integer");
		*out = dv_int((int64_t)nearbyint(f));
		return 0;
	}
	if (nd > 300 || nd < -300 || !isfinite(f)) {
		*out = dv_float(f);
		return 0;
	}
	if (nd >= 0) {
		/* printf rounds the exact binary value half to even */
		snprintf(buf, sizeof(buf), "%.*f", (int)nd, f);
		f = strtod(buf, NULL);
	} else {
		double p = pow(10, (double)-nd);

		f = nearbyint(f / p) * p;
	}
	*out = a->v[0].k == DV_INT ? dv_int((int64_t)f) : dv_float(f);
	return 0;
}

static int
f_reduce(struct defn *d, const struct dv_argv *a, const struct sdc_node *at,
    struct dv *out)
{
	struct dv_seq *items;
	struct dv acc, two[2];
	size_t i = 0;

	if (nargs(d, a, "reduce", 2, 3, 0, at) != 0 ||
	    dv_iter(d, &a->v[1], a->at[1], &items) != 0)
		return -1;
	if (a->n == 3)
		acc = a->v[2];
	else if (items->n == 0)
		return defn_fail(d, at, SDC_EPARSE, "reduce() of empty iterable "
		    "with no initial value");
	else
		acc = items->v[i++];
	for (; i < items->n; i++) {
		two[0] = acc;
		two[1] = items->v[i];
		if (defn_step(d, at) != 0 || defn_call1(d, &a->v[0], 2, two,
		    a->at[0], &acc) != 0)
			return -1;
	}
	*out = acc;
	return 0;
}

static int
f_op(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	enum sdc_op op = (enum sdc_op)fn->sub;
	int unary = op == SDC_OP_NEG || op == SDC_OP_POS ||
	    op == SDC_OP_INVERT || op == SDC_OP_NOT;

	if (nargs(d, a, fn->name, unary ? 1 : 2, unary ? 1 : 2, 0, at) != 0)
		return -1;
	if (unary)
		return defn_unary(d, op, &a->v[0], at, out);
	return defn_binop(d, op, &a->v[0], &a->v[1], at, out);
}

static int
type_match(const struct dv *v, const struct dv *t)
{
	if (t->k == DV_TYPE)
		switch (t->sub) {
		case SDC_TYPE_INT: return v->k == DV_INT || v->k == DV_BOOL;
		case SDC_TYPE_FLOAT: return v->k == DV_FLOAT;
		case SDC_TYPE_STR: return v->k == DV_STR;
		default: return v->k == DV_BOOL;
		}
	if (t->k == DV_FUNC)
		switch (t->u.fn->id) {
		case F_LIST: return v->k == DV_LIST || (v->k == DV_CODELIST &&
			    !sdc_codelist_has_categories(v->u.cl));
		case F_TUPLE: return v->k == DV_TUPLE;
		case F_DICT: return v->k == DV_DICT || (v->k == DV_CODELIST &&
			    sdc_codelist_has_categories(v->u.cl));
		case F_SET: return v->k == DV_SET;
		default: return -1;
		}
	return -1;
}

static int
f_isinstance(struct defn *d, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq one, *ts;
	size_t i;
	int m;

	if (nargs(d, a, "isinstance", 2, 2, 0, at) != 0)
		return -1;
	if (a->v[1].k == DV_TUPLE)
		ts = a->v[1].u.seq;
	else {
		one.n = one.cap = 1;
		one.v = (struct dv *)&a->v[1];
		ts = &one;
	}
	for (i = 0; i < ts->n; i++) {
		if ((m = type_match(&a->v[0], &ts->v[i])) < 0)
			return defn_fail(d, a->at[1], SDC_EPARSE, "isinstance() "
			    "accepts int, float, str, bool, list, tuple, dict "
			    "and set only");
		if (m) {
			*out = dv_bool(1);
			return 0;
		}
	}
	*out = dv_bool(0);
	return 0;
}

/* A categorised codelist as a dict code -> category. */
static int
codelist_dict(struct defn *d, const struct dv *cl, struct dv *out)
{
	size_t i, n = sdc_codelist_count(cl->u.cl), len, clen;
	struct dv_seq *s = dv_seq_new(d, 2 * n);
	const char *c, *cat;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		c = sdc_codelist_code(cl->u.cl, i, &len);
		cat = sdc_codelist_category(cl->u.cl, i, &clen);
		if (dv_seq_push(d, s, dv_str(c, len)) != 0 ||
		    dv_seq_push(d, s, dv_str(cat, clen)) != 0)
			return -1;
	}
	*out = dv_seqval(DV_DICT, s);
	return 0;
}

static int
f_container(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *items, *s, *pair;
	struct dv v;
	size_t i;

	if (nargs(d, a, fn->name, 0, 1, fn->id == F_DICT, at) != 0)
		return -1;
	if ((s = dv_seq_new(d, 8)) == NULL)
		return -1;
	if (fn->id == F_DICT) {
		if (a->n == 1) {
			v = a->v[0];
			if (v.k == DV_CODELIST && sdc_codelist_has_categories(
			    v.u.cl) && codelist_dict(d, &v, &v) != 0)
				return -1;
			if (v.k == DV_DICT) {
				for (i = 0; i < v.u.seq->n; i++)
					if (dv_seq_push(d, s, v.u.seq->v[i]) != 0)
						return -1;
			} else {
				if (dv_iter(d, &v, a->at[0], &items) != 0)
					return -1;
				for (i = 0; i < items->n; i++) {
					if (items->v[i].k != DV_TUPLE &&
					    items->v[i].k != DV_LIST)
						return defn_fail(d, a->at[0],
						    SDC_EPARSE, "cannot convert "
						    "dictionary update sequence "
						    "element #%zu to a sequence",
						    i);
					pair = items->v[i].u.seq;
					if (pair->n != 2)
						return defn_fail(d, a->at[0],
						    SDC_EPARSE, "dictionary update "
						    "sequence element #%zu has "
						    "length %zu; 2 is required",
						    i, pair->n);
					if (defn_dict_put(d, s, pair->v[0],
					    pair->v[1], a->at[0]) != 0)
						return -1;
				}
			}
		}
		for (i = 0; i < a->nkw; i++)
			if (defn_dict_put(d, s, dv_str(a->kwname[i],
			    strlen(a->kwname[i])), a->kw[i], a->kwat[i]) != 0)
				return -1;
		*out = dv_seqval(DV_DICT, s);
		return 0;
	}
	if (a->n == 1) {
		if (dv_iter(d, &a->v[0], a->at[0], &items) != 0)
			return -1;
		for (i = 0; i < items->n; i++)
			if ((fn->id == F_SET ? defn_set_add(d, s, items->v[i],
			    a->at[0]) : dv_seq_push(d, s, items->v[i])) != 0)
				return -1;
	}
	*out = dv_seqval(fn->id == F_LIST ? DV_LIST : fn->id == F_TUPLE ?
	    DV_TUPLE : DV_SET, s);
	return 0;
}

static int
name_arg(struct defn *d, const struct dv_argv *a, const char *fname,
    const struct sdc_node *at, const char **out)
{
	const struct dv *v = &a->v[1];
	size_t n;

	if (v->k != DV_STR)
		return defn_fail(d, a->at[1], SDC_EPARSE, "%s(): attribute "
		    "name must be string, not '%s'", fname, dv_type_name(d, v));
	n = v->u.s.len;
	if (n >= 2 && v->u.s.p[0] == '_' && v->u.s.p[1] == '_')
		return defn_fail(d, a->at[1], SDC_EPARSE, "%s(): access to the "
		    "special attribute '%.*s' is refused in dataset "
		    "definitions", fname, (int)n, v->u.s.p);
	(void)at;
	*out = defn_strdup(d, v->u.s.p, n);
	return *out ? 0 : -1;
}

/* Convert with int(), float(), str(), bool(). */
int
defn_call_type(struct defn *d, int type, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	static const char *const names[] = { "bool", "int", "float", "str" };
	const char *fname = type == SDC_TYPE_INT ? names[1] : type ==
	    SDC_TYPE_FLOAT ? names[2] : type == SDC_TYPE_STR ? names[3] :
	    names[0];
	const struct dv *v = &a->v[0];
	double f;
	int b, is_int;
	char buf[64];

	if (nargs(d, a, fname, 0, type == SDC_TYPE_INT ? 2 : 1, 0, at) != 0)
		return -1;
	if (a->n == 0) {
		*out = type == SDC_TYPE_INT ? dv_int(0) : type ==
		    SDC_TYPE_FLOAT ? dv_float(0) : type == SDC_TYPE_STR ?
		    dv_str("", 0) : dv_bool(0);
		return 0;
	}
	if (v->k == DV_SERIES)
		return defn_fail(d, a->at[0], SDC_EPARSE, "%s() of an ehrQL "
		    "series: use the series' methods (as_int(), as_float()) "
		    "instead", fname);
	switch (type) {
	case SDC_TYPE_STR:
		return defn_to_str(d, v, 0, at, out);
	case SDC_TYPE_BOOL:
		if (dv_truthy(d, v, at, &b) != 0)
			return -1;
		*out = dv_bool(b);
		return 0;
	case SDC_TYPE_INT:
		if (v->k == DV_INT || v->k == DV_BOOL) {
			*out = v->k == DV_INT ? *v : dv_int(v->u.b);
			return 0;
		}
		if (v->k == DV_FLOAT) {
			if (!isfinite(v->u.f) || fabs(v->u.f) >= 9.2e18)
				return defn_fail(d, at, SDC_EDATA, "cannot "
				    "convert float %g to integer", v->u.f);
			*out = dv_int((int64_t)v->u.f);
			return 0;
		}
		if (v->k == DV_STR && v->u.s.len < sizeof(buf)) {
			long long ll;
			char *end;
			size_t s = 0, e = v->u.s.len;

			while (s < e && strchr(" \t\n", v->u.s.p[s]))
				s++;
			while (e > s && strchr(" \t\n", v->u.s.p[e - 1]))
				e--;
			memcpy(buf, v->u.s.p + s, e - s);
			buf[e - s] = '\0';
			if (sdc_num_is_integer(buf, e - s)) {
				ll = strtoll(buf, &end, 10);
				if (*end == '\0') {
					*out = dv_int(ll);
					return 0;
				}
			}
		}
		break;
	case SDC_TYPE_FLOAT:
		if (v->k == DV_INT || v->k == DV_BOOL || v->k == DV_FLOAT) {
			*out = dv_float(v->k == DV_FLOAT ? v->u.f : v->k ==
			    DV_INT ? (double)v->u.i : v->u.b);
			return 0;
		}
		if (v->k == DV_STR && sdc_num_parse_double(v->u.s.p,
		    v->u.s.len, &f, &is_int) == 0) {
			*out = dv_float(f);
			return 0;
		}
		break;
	}
	if (v->k == DV_STR)
		return defn_fail(d, a->at[0], SDC_EPARSE, "invalid literal for "
		    "%s(): '%.*s'", fname, (int)(v->u.s.len > 100 ? 100 :
		    v->u.s.len), v->u.s.p);
	return defn_fail(d, a->at[0], SDC_EPARSE, "%s() argument must be a "
	    "string or a number, not '%s'", fname, dv_type_name(d, v));
}

/* Methods of str, list, dict, set, date and codes. */

static int
str_self(struct defn *d, const struct dv_argv *a, size_t i, const char *fname,
    struct dv *out)
{
	if (a->v[i].k != DV_STR)
		return defn_fail(d, a->at[i], SDC_EPARSE, "%s() argument must "
		    "be str, not %s", fname, dv_type_name(d, &a->v[i]));
	*out = a->v[i];
	return 0;
}

static int
m_split(struct defn *d, const struct dv *self, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *s = dv_seq_new(d, 4);
	const char *p = self->u.s.p, *e = p + self->u.s.len, *q;
	struct dv sep;

	if (s == NULL || nargs(d, a, "split", 0, 1, 0, at) != 0)
		return -1;
	if (a->n == 0 || a->v[0].k == DV_NONE) {
		while (p < e) {
			while (p < e && strchr(" \t\n\r", *p))
				p++;
			if (p == e)
				break;
			for (q = p; q < e && !strchr(" \t\n\r", *q); q++)
				;
			if (dv_seq_push(d, s, dv_str(p, (size_t)(q - p))) != 0)
				return -1;
			p = q;
		}
	} else {
		if (str_self(d, a, 0, "split", &sep) != 0)
			return -1;
		if (sep.u.s.len == 0)
			return defn_fail(d, a->at[0], SDC_EPARSE, "empty "
			    "separator");
		for (;;) {
			for (q = p; q + sep.u.s.len <= e && memcmp(q,
			    sep.u.s.p, sep.u.s.len) != 0; q++)
				;
			if (q + sep.u.s.len > e)
				q = e;
			if (dv_seq_push(d, s, dv_str(p, (size_t)(q - p))) != 0)
				return -1;
			if (q == e)
				break;
			p = q + sep.u.s.len;
		}
	}
	*out = dv_seqval(DV_LIST, s);
	return 0;
}

static int
m_str(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	const struct dv *self = &fn->self;
	const char *p = self->u.s.p;
	size_t n = self->u.s.len, i, lo, hi;
	struct sbuf b = { NULL, 0, 0 };
	struct dv x, y;
	struct dv_seq *items;

	switch (fn->id) {
	case S_FORMAT:
		return str_format(d, self, a, at, out);
	case S_UPPER:
	case S_LOWER:
		if (nargs(d, a, fn->name, 0, 0, 0, at) != 0 ||
		    sb_add(d, &b, p, n) != 0)
			return -1;
		for (i = 0; i < n; i++)
			if (fn->id == S_UPPER && b.p[i] >= 'a' && b.p[i] <= 'z')
				b.p[i] = (char)(b.p[i] - 'a' + 'A');
			else if (fn->id == S_LOWER && b.p[i] >= 'A' &&
			    b.p[i] <= 'Z')
				b.p[i] = (char)(b.p[i] - 'A' + 'a');
		*out = sb_value(&b);
		return 0;
	case S_STRIP:
		if (nargs(d, a, fn->name, 0, 1, 0, at) != 0)
			return -1;
		x = dv_str(" \t\n\r\f\v", 6);
		if (a->n == 1 && a->v[0].k != DV_NONE && str_self(d, a, 0,
		    "strip", &x) != 0)
			return -1;
		for (lo = 0; lo < n && memchr(x.u.s.p, p[lo], x.u.s.len); lo++)
			;
		for (hi = n; hi > lo && memchr(x.u.s.p, p[hi - 1],
		    x.u.s.len); hi--)
			;
		*out = dv_str(p + lo, hi - lo);
		return 0;
	case S_STARTSWITH:
	case S_ENDSWITH:
		if (nargs(d, a, fn->name, 1, 1, 0, at) != 0)
			return -1;
		if (a->v[0].k == DV_TUPLE)
			items = a->v[0].u.seq;
		else {
			if (str_self(d, a, 0, fn->name, &x) != 0 ||
			    (items = dv_seq_new(d, 1)) == NULL ||
			    dv_seq_push(d, items, x) != 0)
				return -1;
		}
		for (i = 0; i < items->n; i++) {
			y = items->v[i];
			if (y.k != DV_STR)
				return defn_fail(d, a->at[0], SDC_EPARSE, "%s() "
				    "takes str or a tuple of str", fn->name);
			if (y.u.s.len <= n && memcmp(fn->id == S_STARTSWITH ?
			    p : p + n - y.u.s.len, y.u.s.p, y.u.s.len) == 0) {
				*out = dv_bool(1);
				return 0;
			}
		}
		*out = dv_bool(0);
		return 0;
	case S_REPLACE:
		if (nargs(d, a, fn->name, 2, 2, 0, at) != 0 ||
		    str_self(d, a, 0, "replace", &x) != 0 ||
		    str_self(d, a, 1, "replace", &y) != 0 ||
		    sb_add(d, &b, "", 0) != 0)
			return -1;
		for (i = 0; i < n;) {
			if (x.u.s.len > 0 && i + x.u.s.len <= n && memcmp(p + i,
			    x.u.s.p, x.u.s.len) == 0) {
				if (sb_add(d, &b, y.u.s.p, y.u.s.len) != 0)
					return -1;
				i += x.u.s.len;
			} else if (sb_add(d, &b, p + i++, 1) != 0)
				return -1;
		}
		*out = sb_value(&b);
		return 0;
	case S_JOIN:
		if (nargs(d, a, fn->name, 1, 1, 0, at) != 0 ||
		    dv_iter(d, &a->v[0], a->at[0], &items) != 0 ||
		    sb_add(d, &b, "", 0) != 0)
			return -1;
		for (i = 0; i < items->n; i++) {
			if (items->v[i].k != DV_STR)
				return defn_fail(d, a->at[0], SDC_EPARSE,
				    "sequence item %zu: expected str instance, "
				    "%s found", i, dv_type_name(d, &items->v[i]));
			if ((i > 0 && sb_add(d, &b, p, n) != 0) || sb_add(d, &b,
			    items->v[i].u.s.p, items->v[i].u.s.len) != 0)
				return -1;
		}
		*out = sb_value(&b);
		return 0;
	case S_SPLIT:
		return m_split(d, self, a, at, out);
	default:
		break;
	}
	return defn_fail(d, at, SDC_EPARSE, "%s() is not supported", fn->name);
}

static int
m_container(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv self = fn->self, k;
	struct dv_seq *s, *items, *t;
	size_t i;

	if (self.k == DV_CODELIST && codelist_dict(d, &self, &self) != 0)
		return -1;
	s = self.u.seq;
	*out = dv_none();
	switch (fn->id) {
	case L_APPEND:
	case SET_ADD:
		if (nargs(d, a, fn->name, 1, 1, 0, at) != 0)
			return -1;
		return fn->id == SET_ADD ? defn_set_add(d, s, a->v[0],
		    a->at[0]) : dv_seq_push(d, s, a->v[0]);
	case L_EXTEND:
		if (nargs(d, a, fn->name, 1, 1, 0, at) != 0 ||
		    dv_iter(d, &a->v[0], a->at[0], &items) != 0)
			return -1;
		if (items == s)
			return defn_fail(d, at, SDC_EPARSE, "a list extended "
			    "with itself is not supported");
		for (i = 0; i < items->n; i++)
			if (dv_seq_push(d, s, items->v[i]) != 0)
				return -1;
		return 0;
	case D_ITEMS:
	case D_KEYS:
	case D_VALUES:
		if (nargs(d, a, fn->name, 0, 0, 0, at) != 0 ||
		    (t = dv_seq_new(d, s->n / 2)) == NULL)
			return -1;
		for (i = 0; i < s->n; i += 2) {
			if (fn->id == D_ITEMS) {
				if ((items = dv_seq_new(d, 2)) == NULL ||
				    dv_seq_push(d, items, s->v[i]) != 0 ||
				    dv_seq_push(d, items, s->v[i + 1]) != 0)
					return -1;
				k = dv_seqval(DV_TUPLE, items);
			} else
				k = s->v[i + (fn->id == D_VALUES)];
			if (dv_seq_push(d, t, k) != 0)
				return -1;
		}
		*out = dv_seqval(DV_LIST, t);
		return 0;
	case D_GET:
		if (nargs(d, a, fn->name, 1, 2, 0, at) != 0)
			return -1;
		for (i = 0; i < s->n; i += 2)
			if (dv_equal(&s->v[i], &a->v[0])) {
				*out = s->v[i + 1];
				return 0;
			}
		if (a->n == 2)
			*out = a->v[1];
		return 0;
	case D_UPDATE:
		if (nargs(d, a, fn->name, 0, 1, 1, at) != 0)
			return -1;
		if (a->n == 1) {
			k = a->v[0];
			if (k.k == DV_CODELIST && codelist_dict(d, &k, &k) != 0)
				return -1;
			if (k.k != DV_DICT)
				return defn_fail(d, a->at[0], SDC_EPARSE,
				    "update() takes a dict");
			for (i = 0; i < k.u.seq->n; i += 2)
				if (defn_dict_put(d, s, k.u.seq->v[i],
				    k.u.seq->v[i + 1], a->at[0]) != 0)
					return -1;
		}
		for (i = 0; i < a->nkw; i++)
			if (defn_dict_put(d, s, dv_str(a->kwname[i],
			    strlen(a->kwname[i])), a->kw[i], a->kwat[i]) != 0)
				return -1;
		return 0;
	default:
		break;
	}
	return defn_fail(d, at, SDC_EPARSE, "%s() is not supported", fn->name);
}

static int
f_getattr(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	const char *name = NULL;
	struct sdc_err saved;
	int rc;

	if (nargs(d, a, fn->name, fn->id == F_SETATTR ? 3 : 2, fn->id ==
	    F_GETATTR ? 3 : fn->id == F_SETATTR ? 3 : 2, 0, at) != 0 ||
	    name_arg(d, a, fn->name, at, &name) != 0)
		return -1;
	if (fn->id == F_SETATTR) {
		if (a->v[0].k != DV_DATASET)
			return defn_fail(d, a->at[0], SDC_EPARSE, "setattr() "
			    "is supported on a dataset only, not '%s'",
			    dv_type_name(d, &a->v[0]));
		*out = dv_none();
		return defn_set_variable(d, a->v[0].u.ds, name, &a->v[2],
		    a->at[2]);
	}
	if (fn->id == F_GETATTR && a->n == 2)
		return defn_getattr(d, &a->v[0], name, at, out);
	saved = *d->err;
	rc = defn_getattr(d, &a->v[0], name, at, out);
	if (rc != 0 && d->err->code == SDC_ENOMEM)
		return -1;
	if (rc != 0)
		*d->err = saved;
	if (fn->id == F_HASATTR)
		*out = dv_bool(rc == 0);
	else if (rc != 0)
		*out = a->v[2];
	return 0;
}

static int
f_mapfilter(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *items, *s;
	struct dv v;
	size_t i;
	int t;

	if (nargs(d, a, fn->name, 2, 2, 0, at) != 0 ||
	    dv_iter(d, &a->v[1], a->at[1], &items) != 0 ||
	    (s = dv_seq_new(d, items->n)) == NULL)
		return -1;
	for (i = 0; i < items->n; i++) {
		if (defn_step(d, at) != 0)
			return -1;
		if (fn->id == F_FILTER && a->v[0].k == DV_NONE)
			v = items->v[i];
		else if (defn_call1(d, &a->v[0], 1, &items->v[i], at, &v) != 0)
			return -1;
		if (fn->id == F_MAP) {
			if (dv_seq_push(d, s, v) != 0)
				return -1;
			continue;
		}
		if (dv_truthy(d, &v, at, &t) != 0)
			return -1;
		if (t && dv_seq_push(d, s, items->v[i]) != 0)
			return -1;
	}
	*out = dv_seqval(DV_LIST, s);
	return 0;
}

int
defn_call_py(struct defn *d, const struct dv_func *fn, const struct dv_argv *a,
    const struct sdc_node *at, struct dv *out)
{
	struct dv_seq *items, *s, *t;
	struct dv v;
	size_t i;
	int64_t start = 0;
	int b, any;

	switch (fn->id) {
	case F_RANGE:
		return f_range(d, a, at, out);
	case F_ZIP:
		return f_zip(d, a, at, out);
	case F_ENUMERATE: {
		static const char *const names[] = { "start", NULL };
		const struct dv *st;
		int e = 0;

		st = kwarg(d, a, "enumerate", names, "start", &e);
		if (e || nargs(d, a, "enumerate", 1, 2, 1, at) != 0)
			return -1;
		if (a->n == 2)
			st = &a->v[1];
		if ((st && int_arg(d, st, at, &start) != 0) ||
		    dv_iter(d, &a->v[0], a->at[0], &items) != 0 ||
		    (s = dv_seq_new(d, items->n)) == NULL)
			return -1;
		for (i = 0; i < items->n; i++) {
			if ((t = dv_seq_new(d, 2)) == NULL ||
			    dv_seq_push(d, t, dv_int(start + (int64_t)i)) != 0 ||
			    dv_seq_push(d, t, items->v[i]) != 0 ||
			    dv_seq_push(d, s, dv_seqval(DV_TUPLE, t)) != 0)
				return -1;
		}
		*out = dv_seqval(DV_LIST, s);
		return 0;
	}
	case F_SORTED:
		return f_sorted(d, a, at, out);
	case F_REVERSED:
		if (nargs(d, a, "reversed", 1, 1, 0, at) != 0 ||
		    dv_iter(d, &a->v[0], a->at[0], &items) != 0 ||
		    (s = dv_seq_new(d, items->n)) == NULL)
			return -1;
		for (i = items->n; i > 0; i--)
			if (dv_seq_push(d, s, items->v[i - 1]) != 0)
				return -1;
		*out = dv_seqval(DV_LIST, s);
		return 0;
	case F_MIN:
	case F_MAX:
		return f_minmax(d, fn->id == F_MAX, a, at, out);
	case F_SUM:
		if (nargs(d, a, "sum", 1, 2, 0, at) != 0 ||
		    dv_iter(d, &a->v[0], a->at[0], &items) != 0)
			return -1;
		*out = a->n == 2 ? a->v[1] : dv_int(0);
		for (i = 0; i < items->n; i++)
			if (defn_binop(d, SDC_OP_ADD, out, &items->v[i], at,
			    out) != 0)
				return -1;
		return 0;
	case F_ANY:
	case F_ALL:
		if (nargs(d, a, fn->name, 1, 1, 0, at) != 0 ||
		    dv_iter(d, &a->v[0], a->at[0], &items) != 0)
			return -1;
		any = fn->id == F_ANY;
		for (i = 0; i < items->n; i++) {
			if (dv_truthy(d, &items->v[i], a->at[0], &b) != 0)
				return -1;
			if (b == any) {
				*out = dv_bool(any);
				return 0;
			}
		}
		*out = dv_bool(!any);
		return 0;
	case F_LIST:
	case F_TUPLE:
	case F_DICT:
	case F_SET:
		return f_container(d, fn, a, at, out);
	case F_GETATTR:
	case F_SETATTR:
	case F_HASATTR:
		return f_getattr(d, fn, a, at, out);
	case F_ROUND:
		return f_round(d, a, at, out);
	case F_MAP:
	case F_FILTER:
		return f_mapfilter(d, fn, a, at, out);
	case F_ISINSTANCE:
		return f_isinstance(d, a, at, out);
	case F_REDUCE:
		return f_reduce(d, a, at, out);
	case F_OP:
		return f_op(d, fn, a, at, out);
	case F_FROMISOFORMAT: {
		int32_t x;

		if (nargs(d, a, fn->name, 1, 1, 0, at) != 0 ||
		    str_self(d, a, 0, fn->name, &v) != 0)
			return -1;
		if (v.u.s.len != 10 || sdc_date_parse(v.u.s.p, v.u.s.len,
		    &x) != 0)
			return defn_fail(d, a->at[0], SDC_EDATA, "Invalid "
			    "isoformat string: '%.*s'", (int)(v.u.s.len > 40 ?
			    40 : v.u.s.len), v.u.s.p);
		*out = dv_date(x);
		return 0;
	}
	case S_ISOFORMAT:
		if (nargs(d, a, fn->name, 0, 0, 0, at) != 0)
			return -1;
		return defn_to_str(d, &fn->self, 0, at, out);
	case L_APPEND:
	case L_EXTEND:
	case D_ITEMS:
	case D_KEYS:
	case D_VALUES:
	case D_GET:
	case D_UPDATE:
	case SET_ADD:
		return m_container(d, fn, a, at, out);
	default:
		if (fn->id >= S_FORMAT && fn->id <= S_SPLIT)
			return m_str(d, fn, a, at, out);
		break;
	}
	return defn_fail(d, at, SDC_EPARSE, "%s() is not supported", fn->name);
}

/* Methods of plain values: 0 found, 1 not a method here, -1 error. */
int
defn_py_getattr(struct defn *d, const struct dv *obj, const char *name,
    const struct sdc_node *at, struct dv *out)
{
	static const struct {
		enum dv_kind k;
		const char *name;
		enum dv_fid id;
	} m[] = {
		{ DV_STR, "format", S_FORMAT }, { DV_STR, "upper", S_UPPER },
		{ DV_STR, "lower", S_LOWER }, { DV_STR, "strip", S_STRIP },
		{ DV_STR, "startswith", S_STARTSWITH },
		{ DV_STR, "endswith", S_ENDSWITH },
		{ DV_STR, "replace", S_REPLACE }, { DV_STR, "join", S_JOIN },
		{ DV_STR, "split", S_SPLIT }, { DV_DATE, "isoformat",
		    S_ISOFORMAT },
		{ DV_LIST, "append", L_APPEND }, { DV_LIST, "extend", L_EXTEND },
		{ DV_DICT, "items", D_ITEMS }, { DV_DICT, "keys", D_KEYS },
		{ DV_DICT, "values", D_VALUES }, { DV_DICT, "get", D_GET },
		{ DV_DICT, "update", D_UPDATE }, { DV_SET, "add", SET_ADD },
	};
	enum dv_kind k = obj->k;
	size_t i;

	if (k == DV_CODELIST && sdc_codelist_has_categories(obj->u.cl))
		k = DV_DICT;
	if (k == DV_CODELIST && (strcmp(name, "append") == 0 ||
	    strcmp(name, "extend") == 0))
		return defn_fail(d, at, SDC_EPARSE, "a codelist read from a "
		    "file cannot be changed: make a list of it first, "
		    "list(codelist)");
	if (obj->k == DV_CODELIST && (strcmp(name, "update") == 0))
		return defn_fail(d, at, SDC_EPARSE, "a codelist read from a "
		    "file cannot be changed: make a dict of it first, "
		    "dict(codelist)");
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i].k == k && strcmp(m[i].name, name) == 0) {
			*out = dv_func(d, m[i].id, m[i].name, obj);
			return out->k == DV_FUNC ? 0 : -1;
		}
	if (obj->k == DV_CODE && strcmp(name, "_to_primitive_type") == 0) {
		struct dv s = dv_str(obj->u.s.p, obj->u.s.len);

		/* bound to the code's string: calling it returns that */
		*out = dv_func(d, S_STRIP, "_to_primitive_type", &s);
		return out->k == DV_FUNC ? 0 : -1;
	}
	if (obj->k == DV_FUNC && obj->u.fn->id == F_DATE) {
		if (strcmp(name, "fromisoformat") == 0) {
			*out = dv_func(d, F_FROMISOFORMAT, "fromisoformat",
			    NULL);
			return out->k == DV_FUNC ? 0 : -1;
		}
		if (strcmp(name, "today") == 0)
			return defn_fail(d, at, SDC_EPARSE, "date.today() is "
			    "refused: a definition's output must not depend on "
			    "the day it is run (write the date, or use "
			    "get_parameter)");
	}
	return 1;
}

/* functools and operator. */
int
defn_py_module_attr(struct defn *d, struct dv_module *m, const char *name,
    const struct sdc_node *at, struct dv *out)
{
	static const struct {
		const char *name;
		enum sdc_op op;
	} ops[] = {
		{ "or_", SDC_OP_BITOR }, { "and_", SDC_OP_BITAND },
		{ "xor", SDC_OP_BITXOR }, { "add", SDC_OP_ADD },
		{ "sub", SDC_OP_SUB }, { "mul", SDC_OP_MUL },
		{ "truediv", SDC_OP_DIV }, { "floordiv", SDC_OP_FLOORDIV },
		{ "mod", SDC_OP_MOD }, { "pow", SDC_OP_POW },
		{ "eq", SDC_OP_EQ }, { "ne", SDC_OP_NE }, { "lt", SDC_OP_LT },
		{ "le", SDC_OP_LE }, { "gt", SDC_OP_GT }, { "ge", SDC_OP_GE },
		{ "neg", SDC_OP_NEG }, { "pos", SDC_OP_POS },
		{ "inv", SDC_OP_INVERT }, { "invert", SDC_OP_INVERT },
		{ "not_", SDC_OP_NOT },
	};
	size_t i;

	if (m->kind == MOD_FUNCTOOLS) {
		if (strcmp(name, "reduce") == 0) {
			*out = dv_func(d, F_REDUCE, "reduce", NULL);
			return out->k == DV_FUNC ? 0 : -1;
		}
		return defn_fail(d, at, SDC_EPARSE, "cannot import name '%s' "
		    "from 'functools' (sdc has functools.reduce only)", name);
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(name, ops[i].name) == 0) {
			*out = dv_func(d, F_OP, ops[i].name, NULL);
			if (out->k != DV_FUNC)
				return -1;
			out->u.fn->sub = (int)ops[i].op;
			return 0;
		}
	return defn_fail(d, at, SDC_EPARSE, "cannot import name '%s' from "
	    "'operator' (sdc has its arithmetic, comparison and logical "
	    "functions)", name);
}
