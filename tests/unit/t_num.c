/* t_num.c - strict number parsing and formatting. */
#include <stdint.h>
#include <string.h>

#include "libsdc/num.h"
#include "tests/unit/tap.h"

static int
i64(const char *s, int64_t *v)
{
	return sdc_num_parse_i64(s, strlen(s), INT64_MIN, INT64_MAX, v);
}

static const char *
fmt(double x)
{
	static char buf[SDC_NUM_DOUBLE_MAX];

	sdc_num_format_double(x, buf);
	return buf;
}

int
main(void)
{
	static const char *bad_int[] = { "", "-", "+1", " 1", "1 ", "1.0",
	    "0x10", "1e3", "9223372036854775808", "-9223372036854775809",
	    "١", "--1" };
	static const char *bad_real[] = { "", ".", "-", "e5", "1e",
	    "1e+", "inf", "nan", "0x1p3", " 1", "1 ", "1,5", "+1", "1e999" };
	int64_t v = 0;
	uint64_t u = 0;
	double d = 0;
	int isint = -1;
	size_t i;
	char buf[32];

	ok(i64("0", &v) == 0 && v == 0, "0");
	ok(i64("-17", &v) == 0 && v == -17, "-17");
	ok(i64("9223372036854775807", &v) == 0 && v == INT64_MAX, "INT64_MAX");
	ok(i64("-9223372036854775808", &v) == 0 && v == INT64_MIN, "INT64_MIN");
	ok(i64("007", &v) == 0 && v == 7, "leading zeros");
	for (i = 0; i < sizeof(bad_int) / sizeof(bad_int[0]); i++)
		ok(i64(bad_int[i], &v) != 0, "integer '%s' refused", bad_int[i]);
	ok(sdc_num_parse_i64("5", 1, 0, 4, &v) != 0, "range max");
	ok(sdc_num_parse_i64("-1", 2, 0, 4, &v) != 0, "range min");
	ok(sdc_num_parse_u64("18446744073709551615", 20, UINT64_MAX, &u) == 0 &&
	    u == UINT64_MAX, "UINT64_MAX");
	ok(sdc_num_parse_u64("18446744073709551616", 20, UINT64_MAX, &u) != 0,
	    "u64 overflow refused");
	ok(sdc_num_parse_u64("-0", 2, 10, &u) != 0, "u64 sign refused");
	ok(sdc_num_parse_double("12.5", 4, &d, &isint) == 0 && d == 12.5 &&
	    isint == 0, "12.5");
	ok(sdc_num_parse_double("-3", 2, &d, &isint) == 0 && d == -3 &&
	    isint == 1, "-3 integral");
	ok(sdc_num_parse_double(".5", 2, &d, NULL) == 0 && d == 0.5, ".5");
	ok(sdc_num_parse_double("1e3", 3, &d, &isint) == 0 && d == 1000 &&
	    isint == 0, "1e3");
	ok(sdc_num_parse_double("12.5xyz", 4, &d, NULL) == 0 && d == 12.5,
	    "length bounds the text");
	for (i = 0; i < sizeof(bad_real) / sizeof(bad_real[0]); i++)
		ok(sdc_num_parse_double(bad_real[i], strlen(bad_real[i]), &d,
		    NULL) != 0, "real '%s' refused", bad_real[i]);
	ok(sdc_num_is_integer("-12", 3) && !sdc_num_is_integer("-", 1) &&
	    !sdc_num_is_integer("1.0", 3) && !sdc_num_is_integer("", 0),
	    "is_integer");
	is_str(fmt(0), "0", "0");
	is_str(fmt(-0.0), "0", "no negative zero");
	is_str(fmt(7), "7", "integral without fraction");
	is_str(fmt(0.1 + 0.2), "0.30000000000000004", "shortest round trip");
	is_str(fmt(0.1), "0.1", "0.1");
	is_str(fmt(1e300), "1e+300", "large");
	is_str(fmt(9007199254740993.0 * 4), "3.602879701896397e+16",
	    "beyond 2^53: exponent form");
	ok(sdc_num_parse_double("1.", 2, &d, NULL) == 0 && d == 1, "1.");
	sdc_num_format_u64(UINT64_MAX, buf);
	is_str(buf, "18446744073709551615", "u64 format");
	sdc_num_format_u64(0, buf);
	is_str(buf, "0", "u64 zero");
	return done();
}
