/*
 * t_match.c - matched controls: tolerance edges, replacement rules,
 * exclusions, --min-matches release, order invariance, error positions,
 * and a property test against a brute-force reference of the greedy
 * rule documented in match.h, on many seeded random inputs (with lists
 * forced short so that the multi-pass path is exercised too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libsdc/date.h"
#include "libsdc/match.h"
#include "tap.h"

/* --- running the matcher on strings ------------------------------------ */

struct memsrc {
	const char *text;
	struct sdc_input *in;
	unsigned opened;
};

static struct sdc_csv_reader *
mem_open(void *ctx, unsigned pass, struct sdc_err *err)
{
	struct memsrc *s = ctx;
	struct sdc_csv_reader *r;

	(void)pass;
	s->opened++;
	if ((s->in = sdc_input_mem(s->text, strlen(s->text), "controls.csv",
	    err)) == NULL)
		return NULL;
	if ((r = sdc_csv_reader_new(s->in, 0, err)) == NULL)
		sdc_input_free(s->in);
	return r;
}

static void
mem_close(void *ctx, struct sdc_csv_reader *r)
{
	struct memsrc *s = ctx;

	sdc_csv_reader_free(r);
	sdc_input_free(s->in);
}

/* Match; NULL with err on failure.  *passes gets the passes made. */
static struct sdc_match *
run(const struct sdc_match_opts *o, const char *cases, const char *controls,
    struct sdc_err *err)
{
	struct sdc_input *in = sdc_input_mem(cases, strlen(cases), "cases.csv",
	    err);
	struct sdc_csv_reader *r = in ? sdc_csv_reader_new(in, 0, err) : NULL;
	struct sdc_match *m = r ? sdc_match_new(o, r, err) : NULL;
	struct memsrc ms = { controls, NULL, 0 };
	struct sdc_match_source src = { mem_open, mem_close, &ms };

	sdc_csv_reader_free(r);
	sdc_input_free(in);
	if (m != NULL && sdc_match_run(m, &src, err) != 0) {
		sdc_match_free(m);
		m = NULL;
	}
	return m;
}

/* The sets as text: "case:ctl,ctl;case:...", dropped cases "case!". */
static void
sets(const struct sdc_match *m, char *buf, size_t size)
{
	size_t i, j, n, len = 0;
	int64_t id;
	enum sdc_match_state st;
	const int64_t *c;

	buf[0] = '\0';
	for (i = 0; i < sdc_match_ncases(m); i++) {
		sdc_match_case(m, i, &id, &st, &c, &n);
		if (st == SDC_MATCH_EXCLUDED)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%lld%s",
		    len ? ";" : "", (long long)id,
		    st == SDC_MATCH_SHORT ? "!" : ":");
		for (j = 0; st == SDC_MATCH_SET && j < n; j++)
			len += (size_t)snprintf(buf + len, size - len, "%s%lld",
			    j ? "," : "", (long long)c[j]);
	}
}

static const char *
run_sets(const struct sdc_match_opts *o, const char *cases,
    const char *controls)
{
	static char buf[4096];
	struct sdc_err err;
	struct sdc_match *m;

	sdc_err_clear(&err);
	if ((m = run(o, cases, controls, &err)) == NULL) {
		char e[700];

		snprintf(buf, sizeof(buf), "error: %s",
		    sdc_err_format(&err, e, sizeof(e)));
		return buf;
	}
	sets(m, buf, sizeof(buf));
	sdc_match_free(m);
	return buf;
}

/* a is one of the two texts (two controls tied up to the random key) */
static int
one_of(const char *a, const char *x, const char *y)
{
	return strcmp(a, x) == 0 || strcmp(a, y) == 0;
}

/* --- hand-made cases --------------------------------------------------- */

static void
test_tolerance_edges(void)
{
	struct sdc_match_opts o;
	struct sdc_match_within w[1] = { { "age", 1, 0 } };

	memset(&o, 0, sizeof(o));
	o.k = 5;
	o.within = w;
	o.nwithin = 1;
	o.nclosest = 1;
	o.closest = (const char *const[]){ "age" };
	ok(one_of(run_sets(&o, "patient_id,age\n1,40\n",
	    "patient_id,age\n10,38\n11,39\n12,40\n13,41\n14,42\n15,\n"),
	    "1:12,11,13", "1:12,13,11"), "age within 1 takes 39..41 "
	    "inclusive, closest first, not the empty age");
	w[0].tol = 0.1;
	is_str(run_sets(&o, "patient_id,age\n1,1.0\n",
	    "patient_id,age\n10,1.1\n11,0.9\n12,1.2\n13,0.8999\n"),
	    "1:11,10", "decimal edges: 1.1 and 0.9 are within 0.1 of 1.0 "
	    "(0.9 is the closer double), 1.2 and 0.8999 are not");
	w[0].tol = 0;
	is_str(run_sets(&o, "patient_id,age\n1,7\n",
	    "patient_id,age\n10,7.0\n11,7.000001\n"),
	    "1:10", "tolerance 0 is equality of values, not of text");
	w[0] = (struct sdc_match_within){ "d", 30, 1 };
	o.closest = (const char *const[]){ "d" };
	ok(one_of(run_sets(&o, "patient_id,d\n1,2020-03-01\n",
	    "patient_id,d\n10,2020-01-31\n11,2020-01-30\n12,2020-03-31\n"
	    "13,2020-04-01\n14,2020-03-01\n"), "1:14,10,12", "1:14,12,10"),
	    "dates within 30 days (leap February): 2020-01-31 and "
	    "2020-03-31 in, a day further out not");
}

static void
test_exact_and_nulls(void)
{
	struct sdc_match_opts o;

	memset(&o, 0, sizeof(o));
	o.k = 3;
	o.exact = (const char *const[]){ "sex", "region" };
	o.nexact = 2;
	is_str(run_sets(&o, "patient_id,sex,region\n1,F,\"A, B\"\n2,M,\n",
	    "patient_id,sex,region\n10,F,\"A, B\"\n11,F,A\n12,,\"A, B\"\n"
	    "13,M,\n14,f,\"A, B\"\n"),
	    "1:10;2:", "exact on bytes; an empty value matches nothing");
}

static void
test_replacement(void)
{
	struct sdc_match_opts o;
	const char *cases = "patient_id,sex\n1,F\n2,F\n3,F\n";
	const char *ctl = "patient_id,sex\n10,F\n11,F\n1,F\n";
	char a[256];

	memset(&o, 0, sizeof(o));
	o.k = 2;
	o.exact = (const char *const[]){ "sex" };
	o.nexact = 1;
	snprintf(a, sizeof(a), "%s", run_sets(&o, cases, ctl));
	ok(one_of(a, "1:10,11;2:1;3:", "1:11,10;2:1;3:"), "without "
	    "replacement: case 1 takes two, case 2 the third (patient 1 is "
	    "a case but may serve another), case 3 none (%s)", a);
	o.exclude_cases = 1;
	snprintf(a, sizeof(a), "%s", run_sets(&o, cases, ctl));
	ok(one_of(a, "1:10,11;2:;3:", "1:11,10;2:;3:"),
	    "--exclude-cases removes patient 1 from the pool (%s)", a);
	o.exclude_cases = 0;
	o.replace = 1;
	{
		struct sdc_err err;
		struct sdc_match *m = run(&o, cases, ctl, &err);
		int good = m != NULL &&
		    sdc_match_summary(m)->controls_written == 6;
		size_t i, j, n;
		int64_t id;
		enum sdc_match_state st;
		const int64_t *c;

		for (i = 0; good && i < sdc_match_ncases(m); i++) {
			sdc_match_case(m, i, &id, &st, &c, &n);
			for (j = 0; j < n; j++)
				good &= c[j] != id;
		}
		ok(good, "with replacement every case gets 2, none itself");
		sdc_match_free(m);
	}
	/* two rows of one patient are one patient */
	o.replace = 0;
	o.k = 3;
	is_str(run_sets(&o, "patient_id,sex\n1,F\n",
	    "patient_id,sex\n10,F\n10,F\n"), "1:10",
	    "a control id listed twice is taken once");
}

static void
test_min_matches(void)
{
	struct sdc_match_opts o;
	struct sdc_match_within w[1] = { { "age", 1, 0 } };

	/* case 1 (first) can reach only 11; case 2 reaches 11 and 12 */
	memset(&o, 0, sizeof(o));
	o.k = 2;
	o.min_matches = 2;
	o.within = w;
	o.nwithin = 1;
	ok(one_of(run_sets(&o, "patient_id,age\n1,10\n2,12\n",
	    "patient_id,age\n11,11\n12,13\n"), "1!;2:11,12", "1!;2:12,11"),
	    "a set short of --min-matches is dropped and its controls "
	    "go back to the pool");
	o.min_matches = 1;
	is_str(run_sets(&o, "patient_id,age\n1,10\n2,12\n",
	    "patient_id,age\n11,11\n12,13\n"), "1:11;2:12",
	    "with --min-matches 1 the first case keeps its control");
}

static void
test_index_dates(void)
{
	struct sdc_match_opts o;
	const char *cases = "patient_id,idx,died\n"
	    "1,2020-06-01,\n2,2020-01-01,\n3,2020-03-01,2020-02-01\n";
	const char *ctl = "patient_id,idx,died\n"
	    "10,2019-01-01,2020-03-01\n11,,2020-07-01\n";

	memset(&o, 0, sizeof(o));
	o.k = 1;
	o.index_date = "idx";
	o.exclude_before = (const char *const[]){ "died" };
	o.nbefore = 1;
	o.control_index = 1;
	o.offset.unit = 'd';
	ok(one_of(run_sets(&o, cases, ctl), "2:10;1:11", "2:11;1:"),
	    "cases in index-date order, case 3 excluded (died before its "
	    "index date), control 10 (dead 2020-03-01) not eligible for "
	    "case 1 (2020-06-01)");
	o.offset = (struct sdc_match_offset){ -1, 'y' };
	ok(one_of(run_sets(&o, cases, ctl), "2:10;1:11", "2:11;1:10"),
	    "-1y: control index dates a year earlier, so 10 is eligible "
	    "for case 1 too");
	o.control_index = 0;
	ok(one_of(run_sets(&o, cases, ctl), "2:10;1:11", "2:11;1:10"),
	    "without --control-index the control's own index date applies "
	    "(10 died after its own; 11 has none, so nothing excludes it)");
	is_str(run_sets(&o, cases, "patient_id,idx,died\n"
	    "10,2020-04-01,2020-03-01\n"), "2:;1:", "a control dead before "
	    "its own index date is never eligible");
}

static void
test_errors(void)
{
	struct sdc_match_opts o;
	struct sdc_match_within w[2] = { { "age", 1, 0 }, { "d", 3, 1 } };

	memset(&o, 0, sizeof(o));
	o.k = 1;
	o.within = w;
	o.nwithin = 2;
	is_str(run_sets(&o, "patient_id,age,d\n1,x,2020-01-01\n",
	    "patient_id,age,d\n"),
	    "error: cases.csv:2:3: age: 'x' is not a number", "a bad "
	    "number in the cases at line:column");
	is_str(run_sets(&o, "patient_id,age,d\n1,4,2020-01-01\n",
	    "patient_id,age,d\n2,3,2020-01-01\n3,5,2021-02-29\n"),
	    "error: controls.csv:3:5: d: '2021-02-29' is not a date (day "
	    "out of range for the month)", "a bad date in the controls");
	is_str(run_sets(&o, "patient_id,age,d\n1,4,2020-01-01\n1,4,2020-01-01\n",
	    "patient_id,age,d\n"),
	    "error: cases.csv:3:1: patient_id 1 appears twice in the cases",
	    "a repeated case id");
	is_str(run_sets(&o, "patient_id,age,d\n1,4,2020-01-01\n",
	    "patient_id,age,d\n1.5,3,2020-01-01\n"),
	    "error: controls.csv:2:1: patient_id: '1.5' is not a whole number",
	    "a bad control id");
	w[0].is_date = 0;
	is_str(run_sets(&o, "patient_id,age,d\n1,2020-01-01,2020-01-01\n",
	    "patient_id,age,d\n"), "error: cases.csv:2:3: age: '2020-01-01' "
	    "is not a number (for dates give the tolerance in days: "
	    "COLUMN=Nd)", "a date under a number tolerance says how to fix it");
	o.nclosest = 1;
	o.closest = (const char *const[]){ "bmi" };
	ok(strstr(run_sets(&o, "patient_id,age,d\n", "patient_id\n"),
	    "closest column 'bmi' has no tolerance") != NULL,
	    "--closest must name a tolerance column");
	o.nclosest = 0;
	o.min_matches = 2;
	ok(strstr(run_sets(&o, "patient_id,age,d\n", "patient_id\n"),
	    "minimum matches 2 exceeds") != NULL, "min > k refused");
	o.min_matches = 0;
	ok(strncmp(run_sets(&o, "patient_id,age,d\n", "patient_id,age\n"),
	    "error: controls.csv:1", 21) == 0 && strstr(run_sets(&o,
	    "patient_id,age,d\n", "patient_id,age\n"), "'d'") != NULL,
	    "a tolerance column missing from the controls is an error");
}

/* Shuffling the controls changes nothing: keys hash ids, not rows. */
static void
test_order_invariance(void)
{
	struct sdc_match_opts o;
	struct sdc_match_within w[1] = { { "age", 2, 0 } };
	char a[1024];

	memset(&o, 0, sizeof(o));
	o.k = 2;
	o.within = w;
	o.nwithin = 1;
	o.seed = 7;
	snprintf(a, sizeof(a), "%s", run_sets(&o,
	    "patient_id,age\n1,40\n2,41\n3,44\n",
	    "patient_id,age\n10,40\n11,41\n12,42\n13,43\n14,39\n15,45\n"));
	is_str(run_sets(&o, "patient_id,age\n1,40\n2,41\n3,44\n",
	    "patient_id,age\n15,45\n13,43\n11,41\n14,39\n12,42\n10,40\n"), a,
	    "the same sets from the controls in another order");
	o.seed = 8;
	ok(strcmp(run_sets(&o, "patient_id,age\n1,40\n2,41\n3,44\n",
	    "patient_id,age\n10,40\n11,41\n12,42\n13,43\n14,39\n15,45\n"),
	    a) != 0, "another seed, other sets");
}

/* --- the property test ------------------------------------------------- */

#define MAXC 16
#define MAXK 40

struct prow {
	int64_t id;
	char sex[2];
	int age;	/* -1: NULL */
	int32_t idx;	/* NODATE-like: INT32_MIN */
	int32_t died;
};

#define NONE INT32_MIN

struct pconf {
	int exact, closest_age, closest_d, index, cidx, before, replace;
	int xcases, order_random;
	int nwithin_d;
	double tol_age;
	int tol_d;
	size_t k, min;
};

static void
emit(char *buf, size_t size, const struct prow *r, size_t n)
{
	size_t len = 0, i;
	char d1[SDC_DATE_BUF], d2[SDC_DATE_BUF];

	len += (size_t)snprintf(buf + len, size - len,
	    "patient_id,sex,age,idx,died\n");
	for (i = 0; i < n; i++) {
		char age[16] = "";

		if (r[i].age >= 0)
			snprintf(age, sizeof(age), "%d", r[i].age);
		if (r[i].idx != NONE)
			sdc_date_format(r[i].idx, d1);
		if (r[i].died != NONE)
			sdc_date_format(r[i].died, d2);
		len += (size_t)snprintf(buf + len, size - len,
		    "%lld,%s,%s,%s,%s\n", (long long)r[i].id, r[i].sex, age,
		    r[i].idx != NONE ? d1 : "", r[i].died != NONE ? d2 : "");
	}
}

struct rcand {
	int d0, d1;
	uint64_t key;
	int64_t id;
	size_t ord;
};

static int
rcand_cmp(const void *pa, const void *pb)
{
	const struct rcand *a = pa, *b = pb;

	if (a->d0 != b->d0)
		return a->d0 < b->d0 ? -1 : 1;
	if (a->d1 != b->d1)
		return a->d1 < b->d1 ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

struct rcase {
	const struct prow *r;
	size_t ord;
	uint64_t okey;
};

static int
rcase_cmp(const void *pa, const void *pb)
{
	const struct rcase *a = pa, *b = pb;

	if (a->r->idx != b->r->idx)
		return a->r->idx < b->r->idx ? -1 : 1;
	if (a->okey != b->okey)
		return a->okey < b->okey ? -1 : 1;
	return a->ord < b->ord ? -1 : a->ord > b->ord;
}

static int
eligible(const struct pconf *pc, const struct prow *a, const struct prow *c,
    const struct prow *cases, size_t ncase)
{
	int32_t pidx;
	size_t i;

	if (c->id == a->id)
		return 0;
	if (pc->xcases)
		for (i = 0; i < ncase; i++)
			if (cases[i].id == c->id)
				return 0;
	if (pc->exact && (a->sex[0] == '\0' || strcmp(a->sex, c->sex) != 0))
		return 0;
	if (a->age < 0 || c->age < 0 || abs(a->age - c->age) > pc->tol_age)
		return 0;
	if (pc->nwithin_d && (a->idx == NONE || c->idx == NONE ||
	    abs(a->idx - c->idx) > pc->tol_d))
		return 0;
	if (pc->before) {
		pidx = pc->cidx ? a->idx + 7 : c->idx;
		if (pidx != NONE && c->died != NONE && c->died < pidx)
			return 0;
	}
	return 1;
}

/* The rule, by brute force: "case:ctl,...;..." as sets() writes it. */
static void
reference(const struct pconf *pc, const struct sdc_match *m,
    const struct prow *cases, size_t ncase, const struct prow *ctl,
    size_t nctl, char *buf, size_t size)
{
	struct rcase order[MAXC];
	struct rcand cand[MAXK];
	int64_t claimed[MAXC * 8];
	size_t nclaimed = 0, no = 0, i, j, p, nc, np, len = 0;
	int64_t pick[8];

	buf[0] = '\0';
	for (i = 0; i < ncase; i++) {
		const struct prow *a = &cases[i];

		if (pc->index && pc->before && a->died != NONE &&
		    a->died < a->idx)
			continue;	/* excluded */
		order[no].r = a;
		order[no].ord = i;
		order[no].okey = pc->order_random ?
		    sdc_match_case_key(m, a->id) : 0;
		no++;
	}
	if (!pc->index)
		for (i = 0; i < no; i++)	/* no index date: input order */
			order[i].okey = pc->order_random ? order[i].okey : 0;
	if (pc->index)
		qsort(order, no, sizeof(order[0]), rcase_cmp);
	else if (pc->order_random) {
		/* sort by key then input order, ignoring idx */
		for (i = 1; i < no; i++)
			for (j = i; j > 0 && (order[j - 1].okey > order[j].okey ||
			    (order[j - 1].okey == order[j].okey &&
			    order[j - 1].ord > order[j].ord)); j--) {
				struct rcase t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
	}
	for (i = 0; i < no; i++) {
		const struct prow *a = order[i].r;

		nc = 0;
		for (j = 0; j < nctl; j++) {
			const struct prow *c = &ctl[j];

			if (!eligible(pc, a, c, cases, ncase))
				continue;
			if (!pc->replace) {
				for (p = 0; p < nclaimed; p++)
					if (claimed[p] == c->id)
						break;
				if (p < nclaimed)
					continue;
			}
			cand[nc].d0 = pc->closest_age ? abs(a->age - c->age) :
			    pc->closest_d ? abs(a->idx - c->idx) : 0;
			cand[nc].d1 = pc->closest_age && pc->closest_d ?
			    abs(a->idx - c->idx) : 0;
			cand[nc].key = pc->replace ?
			    sdc_match_pair_key(m, a->id, c->id) :
			    sdc_match_control_key(m, c->id);
			cand[nc].id = c->id;
			cand[nc].ord = j;
			nc++;
		}
		qsort(cand, nc, sizeof(cand[0]), rcand_cmp);
		np = 0;
		for (j = 0; j < nc && np < pc->k; j++) {
			for (p = 0; p < np; p++)
				if (pick[p] == cand[j].id)
					break;
			if (p == np)
				pick[np++] = cand[j].id;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%lld%s",
		    len ? ";" : "", (long long)a->id,
		    np < pc->min ? "!" : ":");
		if (np < pc->min)
			continue;
		for (p = 0; p < np; p++) {
			len += (size_t)snprintf(buf + len, size - len, "%s%lld",
			    p ? "," : "", (long long)pick[p]);
			if (!pc->replace)
				claimed[nclaimed++] = pick[p];
		}
	}
}

/* Invariants straight from the output, independent of the reference. */
static int
invariants(const struct pconf *pc, const struct sdc_match *m,
    const struct prow *cases, size_t ncase, const struct prow *ctl,
    size_t nctl)
{
	int64_t used[MAXC * 8];
	size_t nused = 0, i, j, p, n, q;
	int64_t id;
	enum sdc_match_state st;
	const int64_t *c;

	for (i = 0; i < sdc_match_ncases(m); i++) {
		const struct prow *a = NULL;

		sdc_match_case(m, i, &id, &st, &c, &n);
		if (st != SDC_MATCH_SET)
			continue;
		if (n > pc->k || n < pc->min)
			return 0;
		for (j = 0; j < ncase; j++)
			if (cases[j].id == id)
				a = &cases[j];
		for (j = 0; j < n; j++) {
			int any = 0;

			for (q = 0; q < nctl; q++)	/* some row of c[j] fits */
				if (ctl[q].id == c[j] &&
				    eligible(pc, a, &ctl[q], cases, ncase))
					any = 1;
			if (!any)
				return 0;
			for (p = 0; p < j; p++)
				if (c[p] == c[j])
					return 0;	/* twice in a set */
			if (!pc->replace) {
				for (p = 0; p < nused; p++)
					if (used[p] == c[j])
						return 0;	/* reused */
				used[nused++] = c[j];
			}
		}
	}
	return 1;
}

static void
test_property(void)
{
	unsigned long long rs = 0x5eed1234abcdULL;
	int t, bad = 0, inv = 0, multipass = 0, tried = 0;

	for (t = 0; t < 3000; t++) {
		struct prow cases[MAXC], ctl[MAXK];
		struct pconf pc;
		struct sdc_match_opts o;
		struct sdc_match_within w[2];
		const char *closest[2];
		size_t ncase = 1 + tap_rand(&rs) % 10, nctl = tap_rand(&rs) %
		    (MAXK - 5), i, nw = 0, ncl = 0;
		static char ctext[8192], ktext[8192], got[4096], want[4096];
		struct sdc_err err;
		struct sdc_match *m;
		static const char *sexes[] = { "F", "M", "", "F", "M" };
		static const char *const sexcol[] = { "sex" };
		static const char *const diedcol[] = { "died" };

		memset(&pc, 0, sizeof(pc));
		pc.exact = tap_rand(&rs) % 2;
		pc.tol_age = (double)(tap_rand(&rs) % 3);
		pc.nwithin_d = tap_rand(&rs) % 3 == 0;
		pc.tol_d = (int)(tap_rand(&rs) % 20);
		pc.closest_age = tap_rand(&rs) % 2;
		pc.closest_d = pc.nwithin_d && tap_rand(&rs) % 2;
		pc.index = tap_rand(&rs) % 2;
		pc.before = pc.index && tap_rand(&rs) % 2;
		pc.cidx = pc.index && tap_rand(&rs) % 2;
		pc.replace = tap_rand(&rs) % 4 == 0;
		pc.xcases = tap_rand(&rs) % 3 == 0;
		pc.order_random = tap_rand(&rs) % 3 == 0;
		pc.k = 1 + tap_rand(&rs) % 3;
		pc.min = tap_rand(&rs) % (pc.k + 1);
		for (i = 0; i < ncase; i++) {
			cases[i].id = (int64_t)(i * 3 + 1);
			strcpy(cases[i].sex, sexes[tap_rand(&rs) % 5]);
			cases[i].age = tap_rand(&rs) % 12 == 0 ? -1 :
			    (int)(tap_rand(&rs) % 6);
			cases[i].idx = 18262 + (int32_t)(tap_rand(&rs) % 40);
			cases[i].died = tap_rand(&rs) % 4 == 0 ?
			    18262 + (int32_t)(tap_rand(&rs) % 60) : NONE;
		}
		for (i = 0; i < nctl; i++) {
			ctl[i].id = (int64_t)(tap_rand(&rs) % 45);
			strcpy(ctl[i].sex, sexes[tap_rand(&rs) % 5]);
			ctl[i].age = tap_rand(&rs) % 12 == 0 ? -1 :
			    (int)(tap_rand(&rs) % 6);
			ctl[i].idx = tap_rand(&rs) % 8 == 0 ? NONE :
			    18262 + (int32_t)(tap_rand(&rs) % 40);
			ctl[i].died = tap_rand(&rs) % 4 == 0 ?
			    18262 + (int32_t)(tap_rand(&rs) % 60) : NONE;
		}
		emit(ctext, sizeof(ctext), cases, ncase);
		emit(ktext, sizeof(ktext), ctl, nctl);
		memset(&o, 0, sizeof(o));
		o.k = pc.k;
		o.min_matches = pc.min;
		if (pc.exact) {
			o.exact = sexcol;
			o.nexact = 1;
		}
		w[nw++] = (struct sdc_match_within){ "age", pc.tol_age, 0 };
		if (pc.nwithin_d)
			w[nw++] = (struct sdc_match_within){ "idx",
			    pc.tol_d, 1 };
		o.within = w;
		o.nwithin = nw;
		if (pc.closest_age)
			closest[ncl++] = "age";
		if (pc.closest_d)
			closest[ncl++] = "idx";
		o.closest = closest;
		o.nclosest = ncl;
		if (pc.index)
			o.index_date = "idx";
		if (pc.before) {
			o.exclude_before = diedcol;
			o.nbefore = 1;
		}
		if (pc.cidx) {
			o.control_index = 1;
			o.offset = (struct sdc_match_offset){ 7, 'd' };
		}
		o.replace = pc.replace;
		o.exclude_cases = pc.xcases;
		o.order_random = pc.order_random;
		o.seed = (uint64_t)t;
		o.small_lists = t % 2;
		sdc_err_clear(&err);
		tried++;
		if ((m = run(&o, ctext, ktext, &err)) == NULL) {
			char e[700];

			printf("# trial %d: %s\n", t,
			    sdc_err_format(&err, e, sizeof(e)));
			bad++;
			continue;
		}
		if (sdc_match_summary(m)->passes > 1)
			multipass++;
		sets(m, got, sizeof(got));
		reference(&pc, m, cases, ncase, ctl, nctl, want, sizeof(want));
		if (strcmp(got, want) != 0) {
			if (bad++ < 3)
				printf("# trial %d: k %zu min %zu exact %d "
				    "age<=%g d<=%d(%d) closest %d%d index %d "
				    "before %d cidx %d replace %d xcases %d "
				    "random %d small %d\n#  got  %s\n#  want %s\n"
				    "# cases\n%s# controls\n%s", t, pc.k,
				    pc.min, pc.exact, pc.tol_age, pc.tol_d,
				    pc.nwithin_d, pc.closest_age, pc.closest_d,
				    pc.index, pc.before, pc.cidx, pc.replace,
				    pc.xcases, pc.order_random, t % 2, got,
				    want, ctext, ktext);
		}
		if (!invariants(&pc, m, cases, ncase, ctl, nctl))
			inv++;
		sdc_match_free(m);
	}
	ok(bad == 0, "property: %d random inputs, the sets equal the "
	    "brute-force greedy rule (%d differ)", tried, bad);
	ok(inv == 0, "property: every set satisfies the exact, tolerance "
	    "and exclusion rules, has k or fewer distinct controls, and "
	    "without replacement no control serves twice (%d violate)", inv);
	ok(multipass > 100, "property: %d of them needed more than one pass",
	    multipass);
}

int
main(void)
{
	test_tolerance_edges();
	test_exact_and_nulls();
	test_replacement();
	test_min_matches();
	test_index_dates();
	test_errors();
	test_order_invariance();
	test_property();
	return done();
}
