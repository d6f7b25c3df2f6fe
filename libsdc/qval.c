/*
 * qval.c - formatting, ordering and equality of query values
 * (query.h): floats as Python's repr, T/F, ISO dates.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "query.h"

/*
 * Python's repr of a finite double: the shortest digit string that
 * reads back to the same double, in fixed notation when the decimal
 * exponent e of the leading digit is -4 <= e < 16 (with ".0" for
 * integral values), else as d[.ddd]e+XX.
 */
static size_t
format_float(double f, char *buf)
{
	char tmp[64], digits[32];
	int prec, exp10, nd = 0, i, neg;
	size_t n = 0;
	char *e, *p;

	if (isnan(f))
		return (size_t)snprintf(buf, SDC_QVAL_FMT_MAX, "nan");
	if (isinf(f))
		return (size_t)snprintf(buf, SDC_QVAL_FMT_MAX, "%sinf",
		    f < 0 ? "-" : "");
	neg = signbit(f) != 0;
	if (f == 0)
		return (size_t)snprintf(buf, SDC_QVAL_FMT_MAX, "%s0.0",
		    neg ? "-" : "");
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp: [-]d[.ddd]e[+-]XX */
	p = tmp + (neg ? 1 : 0);
	e = strchr(p, 'e');
	exp10 = atoi(e + 1);
	for (; p < e; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (neg)
		buf[n++] = '-';
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			buf[n++] = '0';
			buf[n++] = '.';
			for (i = -1; i > exp10; i--)
				buf[n++] = '0';
			for (i = 0; i < nd; i++)
				buf[n++] = digits[i];
		} else {
			for (i = 0; i <= exp10; i++)
				buf[n++] = i < nd ? digits[i] : '0';
			buf[n++] = '.';
			if (nd > exp10 + 1)
				for (i = exp10 + 1; i < nd; i++)
					buf[n++] = digits[i];
			else
				buf[n++] = '0';
		}
		buf[n] = '\0';
		return n;
	}
	buf[n++] = digits[0];
	if (nd > 1) {
		buf[n++] = '.';
		for (i = 1; i < nd; i++)
			buf[n++] = digits[i];
	}
	n += (size_t)snprintf(buf + n, SDC_QVAL_FMT_MAX - n, "e%c%02d",
	    exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
	return n;
}

size_t
sdc_qval_format(enum sdc_schema_type type, const struct sdc_qval *v,
    char *buf, const char **p)
{
	size_t n = 0;

	*p = buf;
	switch (type) {
	case SDC_TYPE_BOOL:
		buf[0] = v->u.b ? 'T' : 'F';
		buf[1] = '\0';
		n = 1;
		break;
	case SDC_TYPE_INT:
		n = (size_t)snprintf(buf, SDC_QVAL_FMT_MAX, "%" PRId64, v->u.i);
		break;
	case SDC_TYPE_FLOAT:
		n = format_float(v->u.f, buf);
		break;
	case SDC_TYPE_DATE:
		n = sdc_date_format(v->u.d, buf);
		break;
	case SDC_TYPE_STR:
	case SDC_TYPE_CODE:
	case SDC_TYPE_MULTICODE:
		*p = v->u.s.p ? v->u.s.p : "";
		n = v->u.s.len;
		break;
	}
	return n;
}

static int
cmp_bytes(const struct sdc_qval *a, const struct sdc_qval *b)
{
	size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
	int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
}

int
sdc_qval_cmp(enum sdc_schema_type type, const struct sdc_qval *a,
    const struct sdc_qval *b)
{
	if (a->null || b->null)
		return a->null && b->null ? 0 : a->null ? -1 : 1;
	switch (type) {
	case SDC_TYPE_BOOL:
		return (a->u.b > b->u.b) - (a->u.b < b->u.b);
	case SDC_TYPE_INT:
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	case SDC_TYPE_FLOAT:
		/* NaN sorts after every number, as a total order needs. */
		if (isnan(a->u.f) || isnan(b->u.f))
			return (isnan(a->u.f) != 0) - (isnan(b->u.f) != 0);
		return (a->u.f > b->u.f) - (a->u.f < b->u.f);
	case SDC_TYPE_DATE:
		return (a->u.d > b->u.d) - (a->u.d < b->u.d);
	case SDC_TYPE_STR:
	case SDC_TYPE_CODE:
	case SDC_TYPE_MULTICODE:
		return cmp_bytes(a, b);
	}
	return 0;
}

int
sdc_qval_eq(enum sdc_schema_type type, const struct sdc_qval *a,
    const struct sdc_qval *b)
{
	if (a->null || b->null)
		return a->null && b->null;
	if (type == SDC_TYPE_FLOAT)
		return a->u.f == b->u.f;
	return sdc_qval_cmp(type, a, b) == 0;
}
