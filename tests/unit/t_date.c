/*
 * t_date.c - day numbers, strict parsing, and ehrQL's date arithmetic
 * against a naive calendar written here with loops (no day numbers).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libsdc/date.h"
#include "tests/unit/tap.h"

/* The naive reference calendar: plain y-m-d triples. */
struct ymd {
	int y, m, d;
};

static int
ref_leap(int y)
{
	if (y % 400 == 0)
		return 1;
	if (y % 100 == 0)
		return 0;
	return y % 4 == 0;
}

static int
ref_dim(int y, int m)
{
	switch (m) {
	case 2:
		return ref_leap(y) ? 29 : 28;
	case 4: case 6: case 9: case 11:
		return 30;
	default:
		return 31;
	}
}

static int
ref_cmp(struct ymd a, struct ymd b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

/*
 * Month k (counting from b's month) with b's day, rolled forward to the
 * first of the next month when that month is too short.  Steps one
 * month at a time.  Returns 0 when the year leaves 1..9999.
 */
static int
ref_add_months(struct ymd b, long k, struct ymd *out)
{
	int y = b.y, m = b.m;
	long i;

	for (i = 0; i < k; i++)
		if (++m == 13) {
			m = 1;
			y++;
		}
	for (i = 0; i > k; i--)
		if (--m == 0) {
			m = 12;
			y--;
		}
	if (y < 1 || y > 9999)
		return 0;
	out->y = y;
	out->m = m;
	out->d = b.d;
	if (b.d > ref_dim(y, m)) {
		out->m = m + 1;
		out->d = 1;
	}
	return 1;
}

static int
ref_add_years(struct ymd b, long k, struct ymd *out)
{
	return ref_add_months(b, k * 12, out);
}

/* b's day in month y-m, rolled forward like ref_add_months. */
static struct ymd
ref_at(struct ymd b, int y, int m)
{
	struct ymd t = { y, m, b.d };

	if (b.d > ref_dim(y, m)) {
		t.m = m + 1;
		t.d = 1;
	}
	return t;
}

/*
 * Largest k with b + k months (years) <= a, found by walking from b one
 * month (year) at a time.
 */
static long
ref_diff_months(struct ymd a, struct ymd b, int years)
{
	long k = 0;
	int y = b.y, m = b.m;

	if (ref_cmp(b, a) <= 0) {
		for (;;) {
			int ny = y, nm = m;

			if (years)
				ny++;
			else if (++nm == 13) {
				nm = 1;
				ny++;
			}
			if (ref_cmp(ref_at(b, ny, nm), a) > 0)
				return k;
			y = ny;
			m = nm;
			k++;
		}
	}
	do {
		if (years)
			y--;
		else if (--m == 0) {
			m = 12;
			y--;
		}
		k--;
	} while (ref_cmp(ref_at(b, y, m), a) > 0);
	return k;
}

static struct ymd
split(int32_t d)
{
	struct ymd r;

	sdc_date_to_ymd(d, &r.y, &r.m, &r.d);
	return r;
}

static int32_t
mk(int y, int m, int d)
{
	int32_t v = INT32_MIN;

	sdc_date_from_ymd(y, m, d, &v);
	return v;
}

static int32_t
P(const char *s)
{
	int32_t v = INT32_MIN;

	sdc_date_parse(s, strlen(s), &v);
	return v;
}

static const char *
F(int32_t d)
{
	static char buf[4][SDC_DATE_BUF];
	static int i;

	i = (i + 1) % 4;
	sdc_date_format(d, buf[i]);
	return buf[i];
}

static const char *
add(int (*fn)(int32_t, int64_t, int32_t *), const char *s, int64_t n)
{
	int32_t r;

	if (fn(P(s), n, &r) != 0)
		return "overflow";
	return F(r);
}

static int32_t
rnd_date(unsigned long long *st, int ylo, int yhi)
{
	int32_t lo = mk(ylo, 1, 1), hi = mk(yhi, 12, 31);

	return lo + (int32_t)(tap_rand(st) % (unsigned long long)(hi - lo + 1));
}

static void
exhaustive(void)
{
	struct ymd w = { 1, 1, 1 };
	int32_t d, v, prev = 0;
	int bad_walk = 0, bad_rt = 0, bad_fields = 0, bad_first = 0;
	char buf[SDC_DATE_BUF], want[48];

	for (d = SDC_DATE_MIN; d <= SDC_DATE_MAX; d++) {
		struct ymd g = split(d);

		if (ref_cmp(g, w) != 0 || (d > SDC_DATE_MIN && d != prev + 1))
			bad_walk++;
		if (sdc_date_from_ymd(w.y, w.m, w.d, &v) != 0 || v != d)
			bad_walk++;
		sdc_date_format(d, buf);
		snprintf(want, sizeof(want), "%04d-%02d-%02d", w.y, w.m, w.d);
		if (strcmp(buf, want) != 0 ||
		    sdc_date_parse(buf, 10, &v) != 0 || v != d)
			bad_rt++;
		if (sdc_date_year(d) != w.y || sdc_date_month(d) != w.m ||
		    sdc_date_day(d) != w.d)
			bad_fields++;
		if (split(sdc_date_first_of_month(d)).d != 1 ||
		    split(sdc_date_first_of_month(d)).m != w.m ||
		    sdc_date_first_of_year(d) != mk(w.y, 1, 1))
			bad_first++;
		prev = d;
		if (++w.d > ref_dim(w.y, w.m)) {
			w.d = 1;
			if (++w.m == 13) {
				w.m = 1;
				w.y++;
			}
		}
	}
	ok(bad_walk == 0, "every day 0001-01-01..9999-12-31 matches a day-by-day"
	    " walk (%d bad)", bad_walk);
	ok(bad_rt == 0, "format and parse round trip every day (%d bad)",
	    bad_rt);
	ok(bad_fields == 0, "year/month/day of every day (%d bad)", bad_fields);
	ok(bad_first == 0, "first of month/year of every day (%d bad)",
	    bad_first);
	ok(w.y == 10000 && w.m == 1 && w.d == 1, "walk ended after 9999-12-31");
}

static void
parsing(void)
{
	static const char *bad[] = {
		"", "2021-02-30", "2021-13-01", "2021-00-10", "2021-01-00",
		"2021-04-31", "2021-02-29", "1900-02-29", "0000-01-01",
		"2021-1-01", "2021-01-1", "21-01-01", " 2021-01-01",
		"2021-01-01 ", "2021-01-01T00:00:00", "2021-01-01 00:00",
		"2021/01/01", "20210101", "+2021-01-01", "-2021-01-01",
		"2021-01-0a", "２０２１-01-01", "10000-01-01", "2021-01-32",
		"2021_01-01", "2021-01-01\n"
	};
	size_t i;
	int32_t v = 12345;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		ok(sdc_date_parse(bad[i], strlen(bad[i]), &v) < 0 && v == 12345,
		    "'%.*s'%s refused, output untouched",
		    (int)strcspn(bad[i], "\n"), bad[i],
		    strchr(bad[i], '\n') ? " + LF" : "");
	}
	ok(sdc_date_parse("2021-02-30", 10, &v) == SDC_DATE_EDAY, "reason: day");
	ok(sdc_date_parse("2021-13-01", 10, &v) == SDC_DATE_EMONTH,
	    "reason: month");
	ok(sdc_date_parse("0000-01-01", 10, &v) == SDC_DATE_EYEAR,
	    "reason: year 0");
	ok(sdc_date_parse("2021-1-01", 9, &v) == SDC_DATE_ESYNTAX,
	    "reason: syntax");
	ok(strcmp(sdc_date_strerror(SDC_DATE_EDAY),
	    "day out of range for the month") == 0, "strerror");
	ok(sdc_date_parse("2021-01-01xyz", 10, &v) == 0 &&
	    strcmp(F(v), "2021-01-01") == 0, "length bounds the text");
	ok(P("1970-01-01") == 0, "day 0 is 1970-01-01");
	ok(P("0001-01-01") == SDC_DATE_MIN && P("9999-12-31") == SDC_DATE_MAX,
	    "range ends");
	ok(P("2000-02-29") == P("2000-03-01") - 1, "2000 is a leap year");
	ok(P("2024-02-29") != INT32_MIN, "2024-02-29 exists");
	ok(sdc_date_from_ymd(1900, 2, 29, &v) != 0 &&
	    sdc_date_from_ymd(10000, 1, 1, &v) != 0 &&
	    sdc_date_from_ymd(0, 12, 31, &v) != 0 &&
	    sdc_date_from_ymd(2000, 0, 1, &v) != 0, "from_ymd refuses");
	ok(strcmp(F(SDC_DATE_MAX + 1), "0000-00-00") == 0 &&
	    strcmp(F(SDC_DATE_MIN - 1), "0000-00-00") == 0,
	    "out-of-range day numbers format as 0000-00-00");
	ok(sdc_date_days_in_month(2021, 13) == 0 &&
	    sdc_date_days_in_month(2020, 2) == 29, "days_in_month");
}

/* Named cases from REFERENCE.md and ehrQL's spec tests. */
static void
corners(void)
{
	/* tests/spec/date_series_ops/test_date_series_ops.py::test_add_months */
	static const struct { const char *d; int n; const char *want; } mon[] = {
		{ "2003-01-29", 1, "2003-03-01" },
		{ "2004-01-29", 1, "2004-02-29" },
		{ "2003-01-31", 1, "2003-03-01" },
		{ "2004-01-31", 1, "2004-03-01" },
		{ "2004-03-31", -1, "2004-03-01" },
		{ "2000-10-31", 11, "2001-10-01" },
		{ "2000-10-31", -11, "1999-12-01" },
		{ "2000-01-01", 10, "2000-11-01" },
		{ "2000-01-01", -10, "1999-03-01" },
		{ "2021-01-31", 1, "2021-03-01" },
		{ "2020-01-31", 1, "2020-03-01" },
		{ "2021-12-31", 2, "2022-03-01" },
	};
	/* ...::test_add_years */
	static const struct { const char *d; int n; const char *want; } yr[] = {
		{ "2000-06-15", 5, "2005-06-15" },
		{ "2000-06-15", -5, "1995-06-15" },
		{ "2004-02-29", 1, "2005-03-01" },
		{ "2004-02-29", -1, "2003-03-01" },
		{ "2004-02-29", 4, "2008-02-29" },
		{ "2004-02-29", -4, "2000-02-29" },
		{ "2003-03-01", 1, "2004-03-01" },
		{ "2020-02-29", 1, "2021-03-01" },
		{ "2000-01-01", 10, "2010-01-01" },
		{ "2000-01-01", -10, "1990-01-01" },
	};
	/* ...::test_difference_between_dates_in_months */
	static const struct { const char *a, *b; int want; } dm[] = {
		{ "2000-02-28", "2000-01-30", 0 },
		{ "2000-03-01", "2000-01-30", 1 },
		{ "2000-03-28", "2000-02-28", 1 },
		{ "2000-03-30", "2000-01-30", 2 },
		{ "2000-02-27", "2000-01-30", 0 },
		{ "2000-01-27", "2000-01-30", -1 },
		{ "1999-12-26", "2000-01-27", -2 },
		{ "2005-02-28", "2004-02-29", 11 },
		{ "2010-01-01", "2000-01-01", 120 },
	};
	/* ...::test_difference_between_dates_in_years, _reversed_, older
	 * test_difference_in_years */
	static const struct { const char *a, *b; int want; } dy[] = {
		{ "2021-02-28", "2020-02-29", 0 },
		{ "2021-02-28", "2020-02-28", 1 },
		{ "2021-02-28", "2019-01-01", 2 },
		{ "2021-02-28", "2021-03-01", -1 },
		{ "2021-02-28", "2023-01-01", -2 },
		{ "1990-01-30", "1980-01-20", 10 },
		{ "1970-01-15", "1980-01-20", -11 },
		{ "2020-01-15", "1990-01-30", 29 },
		{ "2020-01-15", "2000-01-15", 20 },
		{ "2020-01-15", "2020-01-20", -1 },
		{ "2020-01-15", "2022-01-10", -2 },
		{ "2021-03-01", "2020-02-29", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(mon) / sizeof(mon[0]); i++)
		is_str(add(sdc_date_add_months, mon[i].d, mon[i].n), mon[i].want,
		    "%s + %d months", mon[i].d, mon[i].n);
	for (i = 0; i < sizeof(yr) / sizeof(yr[0]); i++)
		is_str(add(sdc_date_add_years, yr[i].d, yr[i].n), yr[i].want,
		    "%s + %d years", yr[i].d, yr[i].n);
	for (i = 0; i < sizeof(dm) / sizeof(dm[0]); i++)
		ok(sdc_date_diff_months(P(dm[i].a), P(dm[i].b)) == dm[i].want,
		    "(%s - %s).months == %d", dm[i].a, dm[i].b, dm[i].want);
	for (i = 0; i < sizeof(dy) / sizeof(dy[0]); i++)
		ok(sdc_date_diff_years(P(dy[i].a), P(dy[i].b)) == dy[i].want,
		    "(%s - %s).years == %d", dy[i].a, dy[i].b, dy[i].want);

	/* test_add_days, test_subtract_days, test_difference_..._in_days */
	is_str(add(sdc_date_add_days, "1990-01-02", 100), "1990-04-12", "+100 d");
	is_str(add(sdc_date_add_days, "2000-03-04", 200), "2000-09-20", "+200 d");
	is_str(add(sdc_date_add_days, "1990-01-02", -100), "1989-09-24",
	    "-100 d");
	is_str(add(sdc_date_add_days, "2000-03-04", -200), "1999-08-17",
	    "-200 d");
	is_str(add(sdc_date_add_days, "2000-01-01", -10), "1999-12-22", "-10 d");
	ok(sdc_date_diff_days(P("2000-03-01"), P("2000-01-01")) == 31 + 29 &&
	    sdc_date_diff_days(P("2001-03-01"), P("2001-01-01")) == 31 + 28 &&
	    sdc_date_diff_days(P("1999-12-31"), P("2001-01-01")) == -367 &&
	    sdc_date_diff_days(P("2000-01-01"), P("2000-01-01")) == 0,
	    "differences in days");
	is_str(add(sdc_date_add_weeks, "2020-01-01", 2), "2020-01-15", "+2 weeks");
	is_str(add(sdc_date_add_weeks, "2020-01-01", -1), "2019-12-25",
	    "-1 week");
	ok(sdc_date_diff_weeks(P("2020-01-15"), P("2020-01-01")) == 2 &&
	    sdc_date_diff_weeks(P("2020-01-14"), P("2020-01-01")) == 1 &&
	    sdc_date_diff_weeks(P("2020-01-01"), P("2020-01-02")) == -1 &&
	    sdc_date_diff_weeks(P("2020-01-01"), P("2020-01-08")) == -1 &&
	    sdc_date_diff_weeks(P("2020-01-01"), P("2020-01-09")) == -2,
	    "weeks are days // 7 (floor)");

	/* test_to_first_of_year / _month, test_get_year/_month/_day */
	ok(strcmp(F(sdc_date_first_of_year(P("2000-12-15"))), "2000-01-01") ==
	    0 && strcmp(F(sdc_date_first_of_year(P("2020-12-31"))),
	    "2020-01-01") == 0, "to_first_of_year");
	ok(strcmp(F(sdc_date_first_of_month(P("1990-01-31"))), "1990-01-01") ==
	    0, "to_first_of_month");
	ok(sdc_date_year(P("2000-03-04")) == 2000 &&
	    sdc_date_month(P("2000-03-04")) == 3 &&
	    sdc_date_day(P("2000-03-04")) == 4, "year, month, day");

	/* out of range: ehrQL raises (no NULL); we return -1 */
	is_str(add(sdc_date_add_days, "9999-12-31", 1), "overflow",
	    "9999-12-31 + 1 day");
	is_str(add(sdc_date_add_days, "0001-01-01", -1), "overflow",
	    "0001-01-01 - 1 day");
	is_str(add(sdc_date_add_days, "0001-01-01", SDC_DATE_MAX - SDC_DATE_MIN),
	    "9999-12-31", "whole range in days");
	is_str(add(sdc_date_add_days, "2000-01-01", INT64_MAX), "overflow",
	    "INT64_MAX days");
	is_str(add(sdc_date_add_days, "2000-01-01", INT64_MIN), "overflow",
	    "INT64_MIN days");
	is_str(add(sdc_date_add_weeks, "2000-01-01", INT64_MAX / 3), "overflow",
	    "huge weeks");
	is_str(add(sdc_date_add_weeks, "2000-01-01", INT64_MIN), "overflow",
	    "INT64_MIN weeks");
	is_str(add(sdc_date_add_months, "9999-12-01", 1), "overflow",
	    "9999-12 + 1 month");
	is_str(add(sdc_date_add_months, "9999-11-30", 1), "9999-12-30",
	    "9999-11-30 + 1 month");
	is_str(add(sdc_date_add_months, "0001-01-31", -1), "overflow",
	    "0001-01 - 1 month");
	is_str(add(sdc_date_add_months, "2000-01-01", INT64_MIN), "overflow",
	    "INT64_MIN months");
	is_str(add(sdc_date_add_months, "2000-01-01", INT64_MAX), "overflow",
	    "INT64_MAX months");
	is_str(add(sdc_date_add_years, "1934-05-05", 9999), "overflow",
	    "date_of_birth + years(9999) (ehrQL's own error fixture)");
	is_str(add(sdc_date_add_years, "2000-02-29", -1999), "0001-03-01",
	    "2000-02-29 - 1999 years");
	is_str(add(sdc_date_add_years, "2000-02-29", -2000), "overflow",
	    "year 0 is out of range");
	is_str(add(sdc_date_add_years, "2000-01-01", INT64_MIN), "overflow",
	    "INT64_MIN years");
	ok(sdc_date_diff_years(SDC_DATE_MAX, SDC_DATE_MIN) == 9998 &&
	    sdc_date_diff_years(SDC_DATE_MIN, SDC_DATE_MAX) == -9999 &&
	    sdc_date_diff_months(SDC_DATE_MAX, SDC_DATE_MIN) == 9999 * 12 - 1,
	    "differences across the whole range");
}

/* Random pairs against the naive month-stepping reference. */
static void
random_pairs(void)
{
	unsigned long long st = 0x5dc0da7e2024ULL;
	long i, bad_add_m = 0, bad_add_y = 0, bad_dm = 0, bad_dy = 0;
	long bad_dd = 0, bad_dw = 0, bad_ad = 0, n = 0;

	for (i = 0; i < 120000; i++) {
		int wide = i % 40 == 0;
		int32_t a = wide ? rnd_date(&st, 1, 9999) :
		    rnd_date(&st, 1880, 2120);
		int32_t b = wide ? rnd_date(&st, 1, 9999) :
		    rnd_date(&st, 1880, 2120);
		struct ymd ya = split(a), yb = split(b), t;
		long k = (long)(tap_rand(&st) % 4001) - 2000;
		int32_t r = 0;
		int rc, ref, w;

		if (wide)
			k = (long)(tap_rand(&st) % 240001) - 120000;
		/* add months */
		rc = sdc_date_add_months(a, k, &r);
		ref = ref_add_months(ya, k, &t);
		if (rc != (ref ? 0 : -1) || (ref && ref_cmp(split(r), t) != 0))
			bad_add_m++;
		/* add years */
		rc = sdc_date_add_years(a, k / 12, &r);
		ref = ref_add_years(ya, k / 12, &t);
		if (rc != (ref ? 0 : -1) || (ref && ref_cmp(split(r), t) != 0))
			bad_add_y++;
		/* add days: d + n and back */
		rc = sdc_date_add_days(a, k * 53, &r);
		w = (int64_t)a + k * 53 >= SDC_DATE_MIN &&
		    (int64_t)a + k * 53 <= SDC_DATE_MAX;
		if ((rc == 0) != w || (rc == 0 && r - a != k * 53))
			bad_ad++;
		/* differences */
		if (sdc_date_diff_months(a, b) != ref_diff_months(ya, yb, 0))
			bad_dm++;
		if (sdc_date_diff_years(a, b) != ref_diff_months(ya, yb, 1))
			bad_dy++;
		if (sdc_date_diff_days(a, b) != a - b)
			bad_dd++;
		w = sdc_date_diff_weeks(a, b);
		if (!((int64_t)w * 7 <= a - b && a - b < (int64_t)w * 7 + 7))
			bad_dw++;
		n++;
	}
	ok(bad_add_m == 0, "add_months matches the month-stepping reference"
	    " over %ld random cases (%ld bad)", n, bad_add_m);
	ok(bad_add_y == 0, "add_years matches the reference (%ld bad)",
	    bad_add_y);
	ok(bad_ad == 0, "add_days and its range check (%ld bad)", bad_ad);
	ok(bad_dm == 0, "(a - b).months is the largest k with b + k months"
	    " <= a (%ld bad)", bad_dm);
	ok(bad_dy == 0, "(a - b).years is the largest k with b + k years"
	    " <= a (%ld bad)", bad_dy);
	ok(bad_dd == 0, "(a - b).days (%ld bad)", bad_dd);
	ok(bad_dw == 0, "(a - b).weeks is floor(days / 7) (%ld bad)", bad_dw);
}

/* x + N months is the smallest y with (y - x).months == N (ehrQL's claim). */
static void
consistency(void)
{
	unsigned long long st = 42;
	long i, bad = 0, bady = 0;

	for (i = 0; i < 200000; i++) {
		int32_t x = rnd_date(&st, 1800, 2200), y, prev;
		long k = (long)(tap_rand(&st) % 601) - 300;

		if (sdc_date_add_months(x, k, &y) != 0)
			continue;
		if (sdc_date_diff_months(y, x) != k ||
		    (sdc_date_add_days(y, -1, &prev) == 0 &&
		    sdc_date_diff_months(prev, x) == k))
			bad++;
		if (sdc_date_add_years(x, k / 12, &y) != 0)
			continue;
		if (sdc_date_diff_years(y, x) != k / 12 ||
		    (sdc_date_add_days(y, -1, &prev) == 0 &&
		    sdc_date_diff_years(prev, x) == k / 12))
			bady++;
	}
	ok(bad == 0, "x + N months is the smallest y with (y - x).months == N"
	    " (%ld bad)", bad);
	ok(bady == 0, "x + N years is the smallest y with (y - x).years == N"
	    " (%ld bad)", bady);
}

int
main(void)
{
	exhaustive();
	parsing();
	corners();
	random_pairs();
	consistency();
	return done();
}
