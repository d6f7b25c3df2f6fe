/*
 * date.c - day numbers <-> civil dates (Howard Hinnant's days_from_civil
 * and civil_from_days, which need no loop over years) and ehrQL's date
 * arithmetic.
 */
#include "date.h"

/* Days from 1970-01-01 to y-m-d; any y, m in 1..12, d in 1..31. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				/* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;	/* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	yy = yoe + era * 400 + (*m <= 2);
	*y = (int)yy;
}

int
sdc_date_is_leap(int64_t year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
sdc_date_days_in_month(int64_t year, int month)
{
	static const unsigned char dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (month < 1 || month > 12)
		return 0;
	return dim[month - 1] + (month == 2 && sdc_date_is_leap(year));
}

int
sdc_date_from_ymd(int64_t year, int month, int day, int32_t *out)
{
	if (year < 1 || year > 9999 || day < 1 ||
	    day > sdc_date_days_in_month(year, month))
		return -1;
	*out = (int32_t)days_from_civil(year, month, day);
	return 0;
}

void
sdc_date_to_ymd(int32_t d, int *year, int *month, int *day)
{
	civil_from_days(d, year, month, day);
}

static int
digits(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
sdc_date_parse(const char *s, size_t len, int32_t *out)
{
	int y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return SDC_DATE_ESYNTAX;
	if (y < 1)
		return SDC_DATE_EYEAR;
	if (m < 1 || m > 12)
		return SDC_DATE_EMONTH;
	if (d < 1 || d > sdc_date_days_in_month(y, m))
		return SDC_DATE_EDAY;
	*out = (int32_t)days_from_civil(y, m, d);
	return SDC_DATE_OK;
}

const char *
sdc_date_strerror(int status)
{
	switch (status) {
	case SDC_DATE_OK:
		return "valid date";
	case SDC_DATE_ESYNTAX:
		return "not a date in YYYY-MM-DD form";
	case SDC_DATE_EYEAR:
		return "year 0000 does not exist";
	case SDC_DATE_EMONTH:
		return "month out of range";
	case SDC_DATE_EDAY:
		return "day out of range for the month";
	}
	return "unknown date error";
}

static void
put(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

size_t
sdc_date_format(int32_t d, char buf[SDC_DATE_BUF])
{
	int y = 0, m = 0, dd = 0;

	if (d >= SDC_DATE_MIN && d <= SDC_DATE_MAX)
		civil_from_days(d, &y, &m, &dd);
	put(buf, y, 4);
	buf[4] = '-';
	put(buf + 5, m, 2);
	buf[7] = '-';
	put(buf + 8, dd, 2);
	buf[10] = '\0';
	return 10;
}

int
sdc_date_year(int32_t d)
{
	int y, m, dd;

	civil_from_days(d, &y, &m, &dd);
	return y;
}

int
sdc_date_month(int32_t d)
{
	int y, m, dd;

	civil_from_days(d, &y, &m, &dd);
	return m;
}

int
sdc_date_day(int32_t d)
{
	int y, m, dd;

	civil_from_days(d, &y, &m, &dd);
	return dd;
}

int32_t
sdc_date_first_of_month(int32_t d)
{
	return d - sdc_date_day(d) + 1;
}

int32_t
sdc_date_first_of_year(int32_t d)
{
	return (int32_t)days_from_civil(sdc_date_year(d), 1, 1);
}

int
sdc_date_add_days(int32_t d, int64_t n, int32_t *out)
{
	if (n > (int64_t)SDC_DATE_MAX - d || n < (int64_t)SDC_DATE_MIN - d)
		return -1;
	*out = (int32_t)(d + n);
	return 0;
}

int
sdc_date_add_weeks(int32_t d, int64_t n, int32_t *out)
{
	const int64_t span = (int64_t)SDC_DATE_MAX - SDC_DATE_MIN;

	if (n > span / 7 || n < -span / 7)
		return -1;
	return sdc_date_add_days(d, n * 7, out);
}

/*
 * y-m-day, rolled forward to the first of the next month when the month
 * is too short (never needed in December, so the year stays put).
 */
static int
roll(int64_t y, int m, int day, int32_t *out)
{
	if (y < 1 || y > 9999)
		return -1;
	if (day > sdc_date_days_in_month(y, m)) {
		m++;
		day = 1;
	}
	*out = (int32_t)days_from_civil(y, m, day);
	return 0;
}

int
sdc_date_add_months(int32_t d, int64_t n, int32_t *out)
{
	int y, m, day;
	int64_t zm, fy;

	if (n > 12 * 10000 || n < -12 * 10000)
		return -1;
	civil_from_days(d, &y, &m, &day);
	zm = m - 1 + n;				/* zero-based month count */
	fy = zm >= 0 ? zm / 12 : -((11 - zm) / 12);	/* floor(zm / 12) */
	return roll(y + fy, (int)(zm - fy * 12) + 1, day, out);
}

int
sdc_date_add_years(int32_t d, int64_t n, int32_t *out)
{
	int y, m, day;

	if (n > 10000 || n < -10000)
		return -1;
	civil_from_days(d, &y, &m, &day);
	return roll(y + n, m, day, out);
}

int32_t
sdc_date_diff_days(int32_t a, int32_t b)
{
	return a - b;
}

int32_t
sdc_date_diff_weeks(int32_t a, int32_t b)
{
	int32_t n = a - b;

	return n >= 0 ? n / 7 : -((6 - n) / 7);	/* floor(n / 7) */
}

int32_t
sdc_date_diff_months(int32_t a, int32_t b)
{
	int ay, am, ad, by, bm, bd;

	civil_from_days(a, &ay, &am, &ad);
	civil_from_days(b, &by, &bm, &bd);
	return (ay - by) * 12 + am - bm - (ad < bd);
}

int32_t
sdc_date_diff_years(int32_t a, int32_t b)
{
	int ay, am, ad, by, bm, bd;

	civil_from_days(a, &ay, &am, &ad);
	civil_from_days(b, &by, &bm, &bd);
	return ay - by - (am < bm || (am == bm && ad < bd));
}
