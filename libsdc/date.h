/*
 * date.h - calendar dates as day numbers, with ehrQL's date arithmetic.
 *
 * A date is an int32_t counting days since 1970-01-01 (day 0; earlier
 * dates are negative) in the proleptic Gregorian calendar.  Valid dates
 * run from 0001-01-01 (SDC_DATE_MIN) to 9999-12-31 (SDC_DATE_MAX), the
 * range of Python's datetime.date that ehrQL uses.  Day numbers order
 * like the dates they stand for, so comparisons are integer comparisons.
 *
 * Arithmetic follows ehrql/utils/date_utils.py:
 *  - adding days or weeks moves by whole days (weeks are 7 days);
 *  - adding months or years keeps the day of the month; a day that does
 *    not exist in the target month rolls forward to the first of the
 *    following month (2021-01-31 + 1 month = 2021-03-01, 2020-01-31 +
 *    1 month = 2020-03-01, 2020-02-29 + 1 year = 2021-03-01, 2004-03-31
 *    - 1 month = 2004-03-01);
 *  - a result outside 0001-01-01 .. 9999-12-31 is not a date.  ehrQL
 *    does not turn it into NULL: its Python engines raise (ValueError
 *    "year ... is out of range", OverflowError) and the TPP database
 *    fails the query (generate-dataset exits with status 5).  The add
 *    functions here return -1 and leave *out alone, and the caller should
 *    treat that as an error, not as NULL.
 *
 * Differences, as ehrQL's (a - b).days / .weeks / .months / .years:
 *  - days: a - b;  weeks: floor((a - b) / 7) (ehrQL computes days // 7,
 *    so one day before is -1 week);
 *  - months: whole calendar months elapsed from b to a: the month count
 *    (a.year - b.year) * 12 + a.month - b.month, less one when a.day <
 *    b.day;  years: a.year - b.year, less one when (a.month, a.day) <
 *    (b.month, b.day).  Equivalently, the largest k with b + k months
 *    (years) <= a, so a one-day-negative difference is -1, and someone
 *    born on 29 February has birthdays on 1 March in common years.
 *    (a - b).years is ehrQL's age_on(a) for date of birth b.
 *
 * Nothing here allocates or fails other than as documented.
 */
#ifndef SDC_DATE_H
#define SDC_DATE_H

#include <stddef.h>
#include <stdint.h>

#define SDC_DATE_MIN (-719162)	/* 0001-01-01 */
#define SDC_DATE_MAX 2932896	/* 9999-12-31 */
#define SDC_DATE_BUF 11		/* "YYYY-MM-DD" and a NUL */

/* Reasons sdc_date_parse gives; SDC_DATE_OK is 0, the others negative. */
enum sdc_date_status {
	SDC_DATE_OK = 0,
	SDC_DATE_ESYNTAX = -1,	/* not exactly YYYY-MM-DD with ASCII digits */
	SDC_DATE_EYEAR = -2,	/* year 0000 */
	SDC_DATE_EMONTH = -3,	/* month not 01..12 */
	SDC_DATE_EDAY = -4	/* day not in the month (2021-02-29, 04-31) */
};

/*
 * Parse exactly the len bytes at s as YYYY-MM-DD: ten bytes, no sign,
 * no spaces, no time part, no other layout.  Returns SDC_DATE_OK and
 * sets *out, or a negative sdc_date_status leaving *out alone.
 */
int sdc_date_parse(const char *s, size_t len, int32_t *out);

/* A short English phrase for a status from sdc_date_parse. */
const char *sdc_date_strerror(int status);

/*
 * Write d as "YYYY-MM-DD" and a NUL into buf; returns 10.  A d outside
 * SDC_DATE_MIN..SDC_DATE_MAX is written as "0000-00-00".
 */
size_t sdc_date_format(int32_t d, char buf[SDC_DATE_BUF]);

/* 1 for a Gregorian leap year, else 0. */
int sdc_date_is_leap(int64_t year);

/* Days in month (1..12) of year; 0 for a month out of range. */
int sdc_date_days_in_month(int64_t year, int month);

/*
 * The day number of year-month-day.  Returns 0 and sets *out when the
 * date exists and lies in 0001-01-01 .. 9999-12-31, else -1.
 */
int sdc_date_from_ymd(int64_t year, int month, int day, int32_t *out);

/* Split a valid day number into its year, month (1..12), day (1..31). */
void sdc_date_to_ymd(int32_t d, int *year, int *month, int *day);

/* ehrQL's .year, .month and .day of a valid date. */
int sdc_date_year(int32_t d);
int sdc_date_month(int32_t d);
int sdc_date_day(int32_t d);

/* ehrQL's to_first_of_month() and to_first_of_year() of a valid date. */
int32_t sdc_date_first_of_month(int32_t d);
int32_t sdc_date_first_of_year(int32_t d);

/*
 * d plus n days, weeks, months or years (n may be negative), as ehrQL
 * computes it.  Returns 0 and sets *out, or -1 when the result would
 * fall outside 0001-01-01 .. 9999-12-31 (*out untouched).  d must be a
 * valid date.
 */
int sdc_date_add_days(int32_t d, int64_t n, int32_t *out);
int sdc_date_add_weeks(int32_t d, int64_t n, int32_t *out);
int sdc_date_add_months(int32_t d, int64_t n, int32_t *out);
int sdc_date_add_years(int32_t d, int64_t n, int32_t *out);

/* ehrQL's (a - b).days, .weeks, .months and .years; a, b valid dates. */
int32_t sdc_date_diff_days(int32_t a, int32_t b);
int32_t sdc_date_diff_weeks(int32_t a, int32_t b);
int32_t sdc_date_diff_months(int32_t a, int32_t b);
int32_t sdc_date_diff_years(int32_t a, int32_t b);

#endif
