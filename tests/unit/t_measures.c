/*
 * t_measures.c - ehrQL's measures: the disclosure rounding rule, the
 * intervals a definition gives, INTERVAL's reach in the query graph,
 * and a run over small tables with each disclosure control.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libsdc/date.h"
#include "libsdc/defn.h"
#include "libsdc/measures.h"
#include "libsdc/round.h"
#include "tap.h"

static char dir[] = "/tmp/t_measures.XXXXXX";

static void
put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static char *
slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return strcpy(buf, "(missing)");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct sdc_query *
load(const char *src, struct sdc_err *err)
{
	struct sdc_defn_opts o;
	struct sdc_query *q = sdc_query_new(err);

	memset(&o, 0, sizeof(o));
	o.measures = 1;
	if (q != NULL && sdc_defn_load_mem(q, "m.py", dir, src, strlen(src),
	    &o, err) != 0) {
		printf("# %s:%llu:%llu: %s\n", err->file,
		    (unsigned long long)err->line,
		    (unsigned long long)err->column, err->msg);
		sdc_query_free(q);
		return NULL;
	}
	return q;
}

static void
test_round(void)
{
	/* ehrQL: <= 7 -> 0, then 5 * round(x / 5) */
	static const int64_t want[21] = { 0, 0, 0, 0, 0, 0, 0, 0, 10, 10,
		10, 10, 10, 15, 15, 15, 15, 15, 20, 20, 20 };
	struct sdc_err err;
	int64_t x, out;
	int bad = 0;

	for (x = 0; x <= 20; x++)
		if (sdc_round_redact_nearest(x, 7, 5, &out, &err) != 0 ||
		    out != want[x])
			bad++;
	ok(bad == 0, "redact-then-round table 0..20, base 5");
	ok(sdc_round_redact_nearest(15, 7, 10, &out, &err) == 0 && out == 20,
	    "an even base's tie goes to the even multiple (15 -> 20)");
	ok(sdc_round_redact_nearest(25, 7, 10, &out, &err) == 0 && out == 20,
	    "an even base's tie goes to the even multiple (25 -> 20)");
	ok(sdc_round_redact_nearest(-1, 7, 5, &out, &err) != 0,
	    "a negative count is refused");
}

static int32_t
day(const char *s)
{
	int32_t d = 0;

	sdc_date_parse(s, strlen(s), &d);
	return d;
}

static void
test_intervals(void)
{
	struct sdc_err err;
	struct sdc_query *q = load(
	    "from ehrql import INTERVAL, create_measures, weeks, years, months\n"
	    "from ehrql.tables.core import patients\n"
	    "d = patients.date_of_birth.is_before(INTERVAL.end_date)\n"
	    "measures = create_measures()\n"
	    "measures.define_measure('w', numerator=d, denominator=d,\n"
	    "    intervals=weeks(2).ending_on('2020-01-14'))\n"
	    "measures.define_measure('y', numerator=d, denominator=d,\n"
	    "    intervals=years(2).starting_on('2019-03-01'))\n"
	    "measures.define_measure('m', numerator=d, denominator=d,\n"
	    "    intervals=months(2).starting_on('2020-01-31')\n"
	    "    + months(1).starting_on('2020-01-31')\n"
	    "    + months(1).starting_on('2019-12-31'))\n", &err);
	const struct sdc_qmeasure *m;
	char buf[200];

	if (!ok(q != NULL && q->nmeasures == 3, "a measures definition loads"))
		return;
	m = &q->measures[0];
	ok(m->nintervals == 2 && m->intervals[0][0] == day("2020-01-01") &&
	    m->intervals[0][1] == day("2020-01-07") &&
	    m->intervals[1][0] == day("2020-01-08") &&
	    m->intervals[1][1] == day("2020-01-14"),
	    "weeks(2).ending_on: two weeks ending on the date, inclusive");
	m = &q->measures[1];
	ok(m->nintervals == 2 && m->intervals[0][1] == day("2020-02-29") &&
	    m->intervals[1][0] == day("2020-03-01") &&
	    m->intervals[1][1] == day("2021-02-28"),
	    "years(2).starting_on: a leap day ends the first year");
	m = &q->measures[2];
	/* 2020-01-31 + 1 month rolls forward to 2020-03-01 */
	ok(m->nintervals == 3 && m->intervals[0][0] == day("2019-12-31") &&
	    m->intervals[0][1] == day("2020-01-30") &&
	    m->intervals[1][0] == day("2020-01-31") &&
	    m->intervals[1][1] == day("2020-02-29") &&
	    m->intervals[2][0] == day("2020-03-01") &&
	    m->intervals[2][1] == day("2020-03-30"),
	    "intervals are sorted and repeated ones kept once");
	ok(q->disclosure_control == 1, "disclosure control is on by default");
	sdc_query_dump(q, m->numerator, buf, sizeof(buf));
	ok(strstr(buf, "(interval-end)") != NULL, "INTERVAL.end_date is a "
	    "placeholder node: %s", buf);
	ok(m->numerator->interval && !m->numerator->kid[0]->interval,
	    "a node knows whether INTERVAL is below it");
	sdc_query_free(q);
}

static const char study[] =
    "from ehrql import INTERVAL, create_measures, days\n"
    "from ehrql.tables.core import clinical_events as e, patients as p\n"
    "ev = e.where(e.date.is_on_or_between(INTERVAL.start_date,\n"
    "    INTERVAL.end_date))\n"
    "measures = create_measures()\n"
    "measures.define_measure('m', numerator=ev.count_for_patient(),\n"
    "    denominator=p.exists_for_patient(),\n"
    "    group_by={'sex': p.sex, 'dead': p.date_of_death.is_not_null()},\n"
    "    intervals=days(1).starting_on('2020-01-01'))\n";

static int
run(enum sdc_measures_dc how, struct sdc_measures_stats *st, char **text)
{
	struct sdc_err err;
	struct sdc_query *q = load(study, &err);
	struct sdc_engine_opts eo;
	struct sdc_measures *r;
	struct sdc_output *out;
	char path[256];
	int rc = -1;

	memset(&eo, 0, sizeof(eo));
	eo.tables_dir = dir;
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	if (q == NULL)
		return -1;
	if ((r = sdc_measures_run(q, &eo, &err)) != NULL &&
	    sdc_measures_disclose(r, how, st, &err) == 0 &&
	    (out = sdc_output_open(path, &err)) != NULL) {
		if (sdc_measures_write_csv(r, SDC_MEASURES_ALL, out,
		    &err) == 0 && sdc_output_commit(out, &err) == 0)
			rc = 0;
		else
			sdc_output_abort(out);
	}
	if (rc != 0)
		printf("# %s\n", err.msg);
	sdc_measures_free(r);
	sdc_query_free(q);
	*text = slurp(path);
	return rc;
}

static void
test_run(void)
{
	struct sdc_measures_stats st;
	char *text, pat[2048];
	int i;

	/* 3 living women with 2 events each, 20 living men with 1 event
	 * each, one dead man with none */
	strcpy(pat, "patient_id,date_of_birth,sex,date_of_death\n");
	for (i = 1; i <= 24; i++)
		snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat),
		    "%d,1980-01-01,%s,%s\n", i, i <= 3 ? "female" : "male",
		    i == 24 ? "2019-01-01" : "");
	put("patients.csv", pat);
	strcpy(pat, "patient_id,date,snomedct_code,numeric_value\n");
	for (i = 1; i <= 23; i++) {
		snprintf(pat + strlen(pat), sizeof(pat) - strlen(pat),
		    "%d,2020-01-01,123456,\n", i);
		if (i <= 3)
			snprintf(pat + strlen(pat), sizeof(pat) -
			    strlen(pat), "%d,2020-01-01,123456,\n", i);
	}
	put("clinical_events.csv", pat);

	ok(run(SDC_MEASURES_DC_OFF, &st, &text) == 0, "runs without control");
	is_str(text,
	    "measure,interval_start,interval_end,ratio,numerator,denominator,"
	    "sex,dead\n"
	    "m,2020-01-01,2020-01-01,2.0,6,3,female,F\n"
	    "m,2020-01-01,2020-01-01,1.0,20,20,male,F\n"
	    "m,2020-01-01,2020-01-01,0.0,0,1,male,T\n",
	    "exact sums, groups in order of first patient");
	ok(run(SDC_MEASURES_DC_EHRQL, &st, &text) == 0, "runs with ehrQL's");
	is_str(text,
	    "measure,interval_start,interval_end,ratio,numerator,denominator,"
	    "sex,dead\n"
	    "m,2020-01-01,2020-01-01,,0,0,female,F\n"
	    "m,2020-01-01,2020-01-01,1.0,20,20,male,F\n"
	    "m,2020-01-01,2020-01-01,,0,0,male,T\n",
	    "ehrQL: <= 7 to 0, ratio empty on a zero denominator");
	ok(run(SDC_MEASURES_DC_SDC, &st, &text) == 0, "runs with sdc's");
	/*
	 * Denominators 3 (female, F) and 1 (male, T) are primary; with
	 * the margins male = 21 and dead=F = 23 known, 20 (male, F) must
	 * hide too.  Numerator 6 (female, F) is primary; dead=F = 26 and
	 * 26 - 6 = 20 would show it, so 20 (male, F) hides; 0 (male, T)
	 * is not sensitive and shows.
	 */
	is_str(text,
	    "measure,interval_start,interval_end,ratio,numerator,denominator,"
	    "sex,dead\n"
	    "m,2020-01-01,2020-01-01,[REDACTED],[REDACTED],[REDACTED],female,F\n"
	    "m,2020-01-01,2020-01-01,[REDACTED],[REDACTED],[REDACTED],male,F\n"
	    "m,2020-01-01,2020-01-01,[REDACTED],0,[REDACTED],male,T\n",
	    "sdc: primary and secondary cells hidden, the rest rounded");
	ok(st.tables == 1 && st.primary >= 3, "sdc: %zu tables, %zu primary, "
	    "%zu secondary", st.tables, st.primary, st.secondary);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_round();
	test_intervals();
	test_run();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			ok(0, "clean up %s", dir);
	}
	return done();
}
