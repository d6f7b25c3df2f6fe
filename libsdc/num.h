/*
 * num.h - strict number parsing shared by the library and the commands.
 *
 * Every parser takes the whole text (s, len): leading or trailing
 * spaces, signs where none is allowed, hex, "inf" and "nan" are all
 * rejected.  They return 0 on success and -1 on any failure, leaving
 * *out untouched on failure.  They never set errno-style globals for
 * the caller to read.
 */
#ifndef SDC_NUM_H
#define SDC_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Decimal integer, optional leading '-', within [min, max]. */
int sdc_num_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out);

/* Non-negative decimal integer (no sign) within [0, max]. */
int sdc_num_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/*
 * Decimal real: -?digits[.digits][(e|E)[+-]digits], or -?.digits.
 * The result must be finite.  *is_int is set to 1 when the text has
 * neither a fraction nor an exponent (it may be NULL).
 */
int sdc_num_parse_double(const char *s, size_t len, double *out,
    int *is_int);

/* 1 when s is an optionally signed run of decimal digits, else 0. */
int sdc_num_is_integer(const char *s, size_t len);

/*
 * Format x the shortest way that reads back to the same double
 * ("%.17g" at most; "1e+20" style exponents as printf gives them).
 * Integral values within 2^53 print without a fraction.  buf must hold
 * at least SDC_NUM_DOUBLE_MAX bytes.  Returns the length written.
 */
#define SDC_NUM_DOUBLE_MAX 32
size_t sdc_num_format_double(double x, char *buf);

/* Format v in decimal into buf (at least 21 bytes); returns the length. */
size_t sdc_num_format_u64(uint64_t v, char *buf);

#endif
