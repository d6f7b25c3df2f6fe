/* num.c - strict number parsing and formatting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int
sdc_num_is_integer(const char *s, size_t len)
{
	size_t i = 0;

	if (len > 0 && s[0] == '-')
		i = 1;
	if (i == len)
		return 0;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
sdc_num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int
sdc_num_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out)
{
	uint64_t mag;
	int64_t v;

	if (len > 0 && s[0] == '-') {
		if (sdc_num_parse_u64(s + 1, len - 1, (uint64_t)INT64_MAX + 1,
		    &mag) != 0)
			return -1;
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (sdc_num_parse_u64(s, len, (uint64_t)INT64_MAX, &mag) != 0)
			return -1;
		v = (int64_t)mag;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static size_t
digits(const char *s, size_t i, size_t len)
{
	size_t j = i;

	while (j < len && s[j] >= '0' && s[j] <= '9')
		j++;
	return j - i;
}

int
sdc_num_parse_double(const char *s, size_t len, double *out, int *is_int)
{
	char small[64], *copy, *end;
	size_t i = 0, n;
	int integral = 1;
	double v;

	if (len > 0 && s[0] == '-')
		i++;
	n = digits(s, i, len);
	i += n;
	if (i < len && s[i] == '.') {
		size_t f = digits(s, i + 1, len);

		if (n == 0 && f == 0)
			return -1;
		i += 1 + f;
		integral = 0;
	} else if (n == 0) {
		return -1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		n = digits(s, i, len);
		if (n == 0)
			return -1;
		i += n;
		integral = 0;
	}
	if (i != len)
		return -1;
	copy = len < sizeof(small) ? small : malloc(len + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	v = strtod(copy, &end);
	if (copy != small)
		free(copy);
	if (!isfinite(v))
		return -1;
	*out = v;
	if (is_int != NULL)
		*is_int = integral;
	return 0;
}

size_t
sdc_num_format_double(double x, char *buf)
{
	int prec, n = 0;

	if (x == 0)
		x = 0;	/* no "-0" */
	if (fabs(x) < 9007199254740992.0 && x == floor(x))
		return (size_t)snprintf(buf, SDC_NUM_DOUBLE_MAX, "%.0f", x);
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, SDC_NUM_DOUBLE_MAX, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return (size_t)n;
}

size_t
sdc_num_format_u64(uint64_t v, char *buf)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
