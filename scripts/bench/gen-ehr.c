/*
 * gen-ehr: write seeded, synthetic EHR tables in ehrQL's --dummy-tables
 * layout for the sdc-extract benchmark (scripts/bench/extract) and the
 * worked example (examples/study).  Not part of the toolkit.
 *
 *   gen-ehr [--patients N] [--seed S] [--events MEAN] [--meds MEAN]
 *           [--first-id ID] DIR
 *   gen-ehr --codelists DIR
 *
 * The first form writes DIR/patients.csv, practice_registrations.csv,
 * clinical_events.csv and medications.csv (ehrQL's core schema), each
 * sorted by patient_id, for N patients (default 1000).  The second
 * writes the codelists the events are drawn from, as OpenCodelists-style
 * CSVs (code,term): hypertension, diabetes, asthma, hba1c (SNOMED CT)
 * and inhaled-corticosteroids, statins (dm+d).  The codes are made up:
 * valid in form ([1-9][0-9]{5,17}), of mixed lengths (6 to 15 digits)
 * so that string and numeric order differ; they are not real concepts.
 *
 * Shapes.  patient_id ascends from ID (default 1) with occasional gaps;
 * date_of_birth is the first of a month, ages 0-104 in mid-2024 with
 * fewer old people; sex female/male ~49.5% each, intersex and unknown
 * rare; ~1% have a date_of_death (2015 to mid-2025).  1-3 registrations
 * per patient (65/25/10%), each change to another practice, with
 * same-day handovers, gaps and overlaps; the last one is open (end_date
 * empty) unless the patient left or died.  Events per patient are
 * geometric with mean MEAN (default 50 clinical_events, 5 medications),
 * dated from 1995 (medications: 2010) to mid-2025 or death, skewed to
 * recent years, so some fall after an index date or outside a
 * registration; about 30% share the date of the previous event (same
 * consultation), so same-day ties are common.  Patients carry
 * conditions (hypertension ~20%, more when old; diabetes ~8%; asthma
 * ~12%) that make codes of the matching codelists frequent; anyone gets
 * a stray codelist code now and then.  hba1c events carry a
 * numeric_value (10% empty, some written without a decimal point);
 * about 15% of other events have one.  A few events have an empty date
 * or code.  Same arguments, same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define PROG "gen-ehr"
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Dates as days since 1970-01-01 (H. Hinnant's civil algorithms). */
static int32_t
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Uniform in [0, n) for n >= 1. */
static uint32_t
below(uint32_t n)
{
	return (uint32_t)(((next() >> 32) * n) >> 32);
}

/* Uniform in [0, 1). */
static double
unit(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static int32_t
between(int32_t lo, int32_t hi)	/* uniform in [lo, hi] */
{
	return hi <= lo ? lo : lo + (int32_t)below((uint32_t)(hi - lo + 1));
}

/* Geometric on {0, 1, ...} with the given mean. */
static uint32_t
geometric(double mean)
{
	double u = unit();

	if (mean <= 0)
		return 0;
	return (uint32_t)floor(log1p(-u) / log1p(-1 / (mean + 1)));
}

/*
 * Code sets.  Code i of a set is the set's digit, i in three digits,
 * then a tail that sets its length; the lengths cycle so that a set
 * mixes codes of 6 to 14 digits (SNOMED CT) or 9 to 15 (dm+d).
 */
struct codeset {
	const char *name;	/* codelist file name; NULL: background */
	const char *term;	/* term prefix */
	int digit, n;
	int dmd;		/* 1: dm+d lengths */
};

static const char *const snomed_tail[] = { "05", "1003", "10006", "1000000104" };
static const char *const dmd_tail[] = { "00009", "1000001", "11000001102" };

enum { HTN, DM, ASTHMA, HBA1C, BG1, BG2, BG3, ICS, STATIN, MBG1, MBG2, NSETS };

static const struct codeset sets[NSETS] = {
	[HTN] = { "hypertension", "Hypertension (synthetic concept", 1, 60, 0 },
	[DM] = { "diabetes", "Diabetes mellitus (synthetic concept", 2, 40, 0 },
	[ASTHMA] = { "asthma", "Asthma (synthetic concept", 3, 30, 0 },
	[HBA1C] = { "hba1c", "Haemoglobin A1c level (synthetic concept", 4, 20, 0 },
	[BG1] = { NULL, NULL, 7, 1000, 0 },
	[BG2] = { NULL, NULL, 8, 1000, 0 },
	[BG3] = { NULL, NULL, 9, 1000, 0 },
	[ICS] = { "inhaled-corticosteroids",
	    "Inhaled corticosteroid inhaler (synthetic product", 3, 80, 1 },
	[STATIN] = { "statins", "Statin tablets (synthetic product", 5, 30, 1 },
	[MBG1] = { NULL, NULL, 8, 1000, 1 },
	[MBG2] = { NULL, NULL, 9, 1000, 1 },
};

/* Write code i of set s into buf (at least 24 bytes); returns length. */
static int
code(int s, int i, char *buf)
{
	const struct codeset *c = &sets[s];
	const char *tail = c->dmd ? dmd_tail[i % NELEM(dmd_tail)] :
	    snomed_tail[i % NELEM(snomed_tail)];

	return sprintf(buf, "%d%03d%s", c->digit, i, tail);
}

static int
write_codelists(const char *dir)
{
	char path[4096], buf[32];
	int s, i;
	FILE *f;

	for (s = 0; s < NSETS; s++) {
		if (sets[s].name == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s.csv", dir, sets[s].name);
		if ((f = fopen(path, "w")) == NULL) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			return 2;
		}
		fputs("code,term\n", f);
		for (i = 0; i < sets[s].n; i++) {
			code(s, i, buf);
			fprintf(f, "%s,%s %d)\n", buf, sets[s].term, i + 1);
		}
		if (fclose(f) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			return 2;
		}
	}
	return 0;
}

/* Buffered output files with fast number and date formatting. */
struct out {
	FILE *f;
	const char *path;
	char *buf;
	size_t len;
};

#define OUTBUF (1 << 20)

static void
out_flush(struct out *o)
{
	if (o->len > 0 && fwrite(o->buf, 1, o->len, o->f) != o->len) {
		fprintf(stderr, PROG ": %s: %s\n", o->path, strerror(errno));
		exit(2);
	}
	o->len = 0;
}

static void
out_reserve(struct out *o, size_t n)
{
	if (o->len + n > OUTBUF)
		out_flush(o);
}

static void
out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	out_reserve(o, n);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
out_ch(struct out *o, char c)
{
	out_reserve(o, 1);
	o->buf[o->len++] = c;
}

static void
out_u(struct out *o, uint64_t v)
{
	char tmp[24];
	int i = 0;

	out_reserve(o, 24);
	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (i > 0)
		o->buf[o->len++] = tmp[--i];
}

static void
out_date(struct out *o, int32_t z)
{
	int y, m, d;
	char *p;

	civil_from_days(z, &y, &m, &d);
	out_reserve(o, 10);
	p = o->buf + o->len;
	p[0] = (char)('0' + y / 1000);
	p[1] = (char)('0' + y / 100 % 10);
	p[2] = (char)('0' + y / 10 % 10);
	p[3] = (char)('0' + y % 10);
	p[4] = '-';
	p[5] = (char)('0' + m / 10);
	p[6] = (char)('0' + m % 10);
	p[7] = '-';
	p[8] = (char)('0' + d / 10);
	p[9] = (char)('0' + d % 10);
	o->len += 10;
}

/* A value in tenths, as "48.5", "48.0" or (integral, plain) "48". */
static void
out_tenths(struct out *o, uint32_t t, int plain)
{
	out_u(o, t / 10);
	if (plain && t % 10 == 0)
		return;
	out_ch(o, '.');
	out_ch(o, (char)('0' + t % 10));
}

static void
out_open(struct out *o, const char *dir, const char *name, const char *hdr)
{
	static char path[4][4096];
	static int n;

	snprintf(path[n], sizeof(path[n]), "%s/%s.csv", dir, name);
	o->path = path[n++];
	if ((o->f = fopen(o->path, "w")) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", o->path, strerror(errno));
		exit(2);
	}
	if ((o->buf = malloc(OUTBUF)) == NULL) {
		fputs(PROG ": out of memory\n", stderr);
		exit(2);
	}
	o->len = 0;
	out_str(o, hdr);
}

static void
out_close(struct out *o)
{
	out_flush(o);
	if (fclose(o->f) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->path, strerror(errno));
		exit(2);
	}
	free(o->buf);
}

/* One event of a patient, sorted by date (empty dates first). */
struct event {
	int32_t date;		/* INT32_MIN: empty */
	int16_t set, idx;	/* set -1: empty code */
	int32_t value;		/* tenths; -1: empty */
	int plain;		/* value written without ".0" */
};

static int
by_date(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return (x->date > y->date) - (x->date < y->date);
}

static struct event *ev;
static size_t evcap;

static void
ev_reserve(size_t n)
{
	if (n <= evcap)
		return;
	while (evcap < n)
		evcap = evcap ? evcap * 2 : 1024;
	if ((ev = realloc(ev, evcap * sizeof(*ev))) == NULL) {
		fputs(PROG ": out of memory\n", stderr);
		exit(2);
	}
}

static void
put_code(struct out *o, int s, int i)
{
	char buf[32];

	if (s < 0)
		return;
	code(s, i, buf);
	out_str(o, buf);
}

/* Background index skewed towards low numbers (a few common codes). */
static int
skewed(int n)
{
	double u = unit();

	return (int)(u * u * n);
}

int
main(int argc, char **argv)
{
	uint64_t patients = 1000, seed = 1, id = 1, p;
	double ev_mean = 50, med_mean = 5;
	const char *dir = NULL, *cl_dir = NULL;
	struct out pat, reg, cev, med;
	const int32_t data_end = days_from_civil(2025, 6, 30);
	const int32_t ev_start = days_from_civil(1995, 1, 1);
	const int32_t med_start = days_from_civil(2010, 1, 1);
	const int32_t reg_start = days_from_civil(1990, 1, 1);
	uint32_t practices;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--patients") == 0 && i + 1 < argc)
			patients = parse_number(PROG, argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = parse_number(PROG, argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
			ev_mean = (double)parse_number(PROG, argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--meds") == 0 && i + 1 < argc)
			med_mean = (double)parse_number(PROG, argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--first-id") == 0 && i + 1 < argc)
			id = parse_number(PROG, argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--codelists") == 0 && i + 1 < argc)
			cl_dir = argv[++i];
		else if (argv[i][0] != '-' && dir == NULL)
			dir = argv[i];
		else
			dir = NULL, i = argc + 1;
	}
	if (cl_dir != NULL && dir == NULL && i == argc)
		return write_codelists(cl_dir);
	if (dir == NULL || cl_dir != NULL || i != argc) {
		fputs("usage: gen-ehr [--patients N] [--seed S] [--events MEAN] "
		    "[--meds MEAN] [--first-id ID] DIR\n"
		    "       gen-ehr --codelists DIR\n", stderr);
		return 2;
	}

	state = seed;
	practices = (uint32_t)(patients / 2000 + 10);
	out_open(&pat, dir, "patients",
	    "patient_id,date_of_birth,sex,date_of_death\n");
	out_open(&reg, dir, "practice_registrations",
	    "patient_id,start_date,end_date,practice_pseudo_id\n");
	out_open(&cev, dir, "clinical_events",
	    "patient_id,date,snomedct_code,numeric_value\n");
	out_open(&med, dir, "medications", "patient_id,date,dmd_code\n");

	for (p = 0; p < patients; p++) {
		int age, nreg, r, htn, dm, asthma;
		int32_t dob, dod = -1, end, start, stop, lo;
		uint32_t n, k, practice;

		if (p > 0)
			id += below(8) == 0 ? 2 + below(20) : 1;

		/* patients: fewer people at older ages */
		do
			age = (int)below(105);
		while (age > 60 && below(45) < (uint32_t)(age - 60));
		dob = days_from_civil(2024 - age, 1 + (int)below(12), 1);
		if (dob > data_end)
			dob = days_from_civil(2025, 1, 1);
		out_u(&pat, id);
		out_ch(&pat, ',');
		out_date(&pat, dob);
		r = (int)below(1000);
		out_str(&pat, r < 495 ? ",female," : r < 990 ? ",male," :
		    r < 993 ? ",intersex," : ",unknown,");
		if (below(100) == 0) {
			lo = days_from_civil(2015, 1, 1);
			dod = between(dob > lo ? dob : lo, data_end);
			out_date(&pat, dod);
		}
		out_ch(&pat, '\n');
		end = dod >= 0 ? dod : data_end;	/* end of the record */

		/* practice_registrations */
		r = (int)below(100);
		nreg = r < 65 ? 1 : r < 90 ? 2 : 3;
		if (below(100) < 85)
			start = between(reg_start, days_from_civil(2023, 6, 1));
		else
			start = between(days_from_civil(2023, 6, 1), data_end);
		if (start < dob)
			start = dob + (int32_t)below(60);
		if (start > end)
			start = end;
		practice = 1 + below(practices);
		for (i = 0; i < nreg; i++) {
			int32_t left = -1;

			if (i + 1 < nreg && start + 30 < end) {
				left = between(start + 30, end);
			} else if (i + 1 == nreg) {
				if (dod >= 0 && below(10) < 7)
					left = dod;
				else if (dod < 0 && below(100) < 8)
					left = between(start, data_end);
			} else {
				nreg = i + 1;
			}
			out_u(&reg, id);
			out_ch(&reg, ',');
			out_date(&reg, start);
			out_ch(&reg, ',');
			if (left >= 0)
				out_date(&reg, left);
			out_ch(&reg, ',');
			out_u(&reg, practice);
			out_ch(&reg, '\n');
			if (left < 0)
				break;
			/* handover: same day 60%, a gap 30%, an overlap 10% */
			r = (int)below(10);
			start = r < 6 ? left : r < 9 ? left + 1 + (int32_t)below(90) :
			    left - (int32_t)below(30);
			if (start > end)
				start = end;
			practice = 1 + (practice + below(practices - 1)) % practices;
		}

		/* conditions */
		htn = below(1000) < (uint32_t)(60 + 4 * age);
		dm = below(100) < 8;
		asthma = below(100) < 12;

		/* clinical_events */
		lo = dob > ev_start ? dob : ev_start;
		stop = end;
		n = lo <= stop ? geometric(ev_mean) : 0;
		ev_reserve(n);
		for (k = 0; k < n; k++) {
			struct event *e = &ev[k];

			double u = unit();

			r = (int)below(1000);
			if (k > 0 && below(10) < 3)
				e->date = ev[k - 1].date;
			else if (below(2) == 0)
				e->date = between(lo, stop);
			else	/* half of them skewed to recent years */
				e->date = stop - (int32_t)(u * u * (stop - lo));
			e->value = -1;
			e->plain = 0;
			if (htn && r < 60)
				e->set = HTN;
			else if (dm && r < 110)
				e->set = DM;
			else if (asthma && r < 200)
				e->set = ASTHMA;
			else if ((dm && r < 240) || (r >= 240 && r < 255))
				e->set = HBA1C;
			else if (r >= 255 && r < 258)
				e->set = (int16_t)below(3);	/* a stray code */
			else
				e->set = (int16_t)(BG1 + below(3));
			e->idx = (int16_t)(e->set >= BG1 ? skewed(sets[e->set].n) :
			    (int)below((uint32_t)sets[e->set].n));
			if (e->set == HBA1C) {
				if (below(10) > 0) {
					e->value = dm ? 450 + (int32_t)below(550) :
					    300 + (int32_t)below(170);
					e->plain = below(4) == 0;
					if (e->plain)
						e->value -= e->value % 10;
				}
			} else if (e->set >= BG1 && below(100) < 15) {
				e->value = (int32_t)below(2000);
				e->plain = below(3) == 0;
			} else if (below(50) == 0) {
				e->value = (int32_t)below(1000);
			}
			if (below(2000) == 0)
				e->date = INT32_MIN;
			if (below(1000) == 0)
				e->set = -1;
		}
		qsort(ev, n, sizeof(*ev), by_date);
		for (k = 0; k < n; k++) {
			out_u(&cev, id);
			out_ch(&cev, ',');
			if (ev[k].date != INT32_MIN)
				out_date(&cev, ev[k].date);
			out_ch(&cev, ',');
			put_code(&cev, ev[k].set, ev[k].idx);
			out_ch(&cev, ',');
			if (ev[k].value >= 0)
				out_tenths(&cev, (uint32_t)ev[k].value, ev[k].plain);
			out_ch(&cev, '\n');
		}

		/* medications: recent years more often */
		lo = dob > med_start ? dob : med_start;
		n = lo <= stop ? geometric(med_mean) : 0;
		ev_reserve(n);
		for (k = 0; k < n; k++) {
			struct event *e = &ev[k];
			double u = unit();

			r = (int)below(1000);
			e->date = k > 0 && below(10) < 2 ? ev[k - 1].date :
			    stop - (int32_t)(u * u * (stop - lo));
			if (asthma && r < 400)
				e->set = ICS;
			else if ((htn || dm) && r >= 400 && r < 750)
				e->set = STATIN;
			else if (r >= 750 && r < 758)
				e->set = r < 755 ? ICS : STATIN;	/* stray */
			else
				e->set = (int16_t)(MBG1 + below(2));
			e->idx = (int16_t)(e->set >= MBG1 ? skewed(sets[e->set].n) :
			    (int)below((uint32_t)sets[e->set].n));
		}
		qsort(ev, n, sizeof(*ev), by_date);
		for (k = 0; k < n; k++) {
			out_u(&med, id);
			out_ch(&med, ',');
			out_date(&med, ev[k].date);
			out_ch(&med, ',');
			put_code(&med, ev[k].set, ev[k].idx);
			out_ch(&med, '\n');
		}
	}
	out_close(&pat);
	out_close(&reg);
	out_close(&cev);
	out_close(&med);
	free(ev);
	return 0;
}
