/*
 * t_dummy.c - sdc_dummy_generate: every definition of
 * tests/data/sdc-dummy/defs, simple to hard, reaches its population
 * size; output is a function of (definition, seed, anchor) only, and a
 * smaller population is a prefix of a larger one; the order of a
 * definition's variables does not change the tables; an impossible
 * population is refused after the documented limit; an incidence
 * hint is met over the population even when its patients pass less
 * often, and a contradicting hint is refused at its line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libsdc/date.h"
#include "libsdc/defn.h"
#include "libsdc/dummy.h"
#include "tap.h"

static char data[4096];		/* tests/data/sdc-dummy */
static char tmp[4096];		/* scratch directory */

static int
find_data(const char *argv0)
{
	return tap_find_dir(argv0, "tests/data/sdc-dummy", "defs/1-alive.py",
	    data, sizeof(data));
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long len;

	*n = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)len + 1)) != NULL)
		*n = fread(p, 1, (size_t)len, f);
	fclose(f);
	return p;
}

/*
 * Generate from definition file def (under data/defs) with the given
 * population size and seed; the dataset goes to tmp/out, the tables to
 * tables (may be NULL).  Returns 0 or -1; err says why.
 */
static int
gen(const char *def, int64_t n, uint64_t seed, const char *tables,
    struct sdc_dummy_stats *st, struct sdc_err *err)
{
	struct sdc_query *q = sdc_query_new(err);
	struct sdc_dummy_opts o;
	struct sdc_output *out;
	char path[8192], ds[8192];
	int rc = -1;

	if (q == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/defs/%s", data, def);
	snprintf(ds, sizeof(ds), "%s/out", tmp);
	memset(&o, 0, sizeof(o));
	o.seed = seed;
	(void)sdc_date_parse(SDC_DUMMY_ANCHOR, 10, &o.anchor);
	o.population_size = n;
	o.tmpdir = tmp;
	o.tables_dir = tables;
	if (sdc_defn_load(q, path, NULL, err) == 0 &&
	    (out = sdc_output_open(ds, err)) != NULL) {
		o.dataset = out;
		if (sdc_dummy_generate(q, &o, st, err) == 0)
			rc = sdc_output_commit(out, err);
		else
			sdc_output_abort(out);
	}
	sdc_query_free(q);
	return rc;
}

static char *
dataset(size_t *n)
{
	char ds[8192];

	snprintf(ds, sizeof(ds), "%s/out", tmp);
	return slurp(ds, n);
}

static size_t
lines(const char *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

static void
test_populations(void)
{
	static const char *const defs[] = { "1-alive.py", "2-registered.py",
	    "3-narrow-window.py", "4-anded.py", "5-exclusions.py",
	    "6-age-band.py", "7-spanning.py", "8-hard.py" };
	size_t i, n;

	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		struct sdc_dummy_stats st;
		struct sdc_err err;
		char buf[600], *p;
		clock_t t0 = clock();

		memset(&st, 0, sizeof(st));
		sdc_err_clear(&err);
		if (!ok(gen(defs[i], 1000, 1, NULL, &st, &err) == 0,
		    "%s: population 1000 generated", defs[i])) {
			printf("#   %s\n", sdc_err_format(&err, buf,
			    sizeof(buf)));
			continue;
		}
		p = dataset(&n);
		ok(p != NULL && lines(p, n) == 1001 && st.kept == 1000,
		    "%s: 1000 rows (%llu generated, %.2f s cpu)",
		    defs[i], (unsigned long long)st.generated,
		    (double)(clock() - t0) / CLOCKS_PER_SEC);
		free(p);
	}
}

static void
test_determinism(void)
{
	struct sdc_err err;
	char *a, *b, *c;
	size_t na, nb, nc;

	sdc_err_clear(&err);
	ok(gen("8-hard.py", 300, 7, NULL, NULL, &err) == 0, "seed 7, 300");
	a = dataset(&na);
	ok(gen("8-hard.py", 300, 7, NULL, NULL, &err) == 0, "again");
	b = dataset(&nb);
	ok(a != NULL && b != NULL && na == nb && memcmp(a, b, na) == 0,
	    "same definition, seed and anchor: the same bytes");
	ok(gen("8-hard.py", 40, 7, NULL, NULL, &err) == 0, "seed 7, 40");
	c = dataset(&nc);
	ok(c != NULL && a != NULL && nc < na && memcmp(a, c, nc) == 0 &&
	    lines(c, nc) == 41,
	    "population 40 is the first 40 of population 300");
	free(c);
	ok(gen("8-hard.py", 300, 8, NULL, NULL, &err) == 0, "seed 8, 300");
	c = dataset(&nc);
	ok(c != NULL && (nc != na || memcmp(a, c, na) != 0),
	    "another seed: other data");
	free(a);
	free(b);
	free(c);
}

static void
test_table_order(void)
{
	struct sdc_err err;
	char d1[8192], d2[8192], f1[8300], f2[8300];
	static const char *const tabs[] = { "patients", "clinical_events",
	    "practice_registrations" };
	size_t i, n1, n2;

	snprintf(d1, sizeof(d1), "%s/t1", tmp);
	snprintf(d2, sizeof(d2), "%s/t2", tmp);
	sdc_err_clear(&err);
	ok(gen("order-a.py", 200, 3, d1, NULL, &err) == 0 &&
	    gen("order-b.py", 200, 3, d2, NULL, &err) == 0,
	    "two orderings of one definition");
	for (i = 0; i < 3; i++) {
		char *a, *b;

		snprintf(f1, sizeof(f1), "%s/%s.csv", d1, tabs[i]);
		snprintf(f2, sizeof(f2), "%s/%s.csv", d2, tabs[i]);
		a = slurp(f1, &n1);
		b = slurp(f2, &n2);
		ok(a != NULL && b != NULL && n1 == n2 &&
		    memcmp(a, b, n1) == 0 && lines(a, n1) > 200,
		    "%s: the same bytes whatever the order", tabs[i]);
		free(a);
		free(b);
		(void)unlink(f1);
		(void)unlink(f2);
	}
	(void)rmdir(d1);
	(void)rmdir(d2);
}

static void
test_impossible(void)
{
	struct sdc_err err;
	struct sdc_dummy_stats st;
	char path[8192];

	snprintf(path, sizeof(path), "%s/out", tmp);
	(void)unlink(path);
	sdc_err_clear(&err);
	ok(gen("impossible.py", 10, 1, NULL, &st, &err) == -1 &&
	    err.code == SDC_ELIMIT && err.line == 9 &&
	    strstr(err.msg, "population of 10 not reached: 0 of ") != NULL,
	    "an impossible population: SDC_ELIMIT at its line (%s)", err.msg);
	ok(access(path, F_OK) != 0, "no dataset left behind");
}

static void
test_expectations(void)
{
	struct sdc_err err;
	struct sdc_dummy_stats st;
	char *p, *line;
	size_t n, rows = 0, dead = 0;

	sdc_err_clear(&err);
	if (!ok(gen("expect-passrate.py", 0, 1, NULL, &st, &err) == 0,
	    "expect-passrate.py: its population of 4000 (%s)", err.msg))
		return;
	p = dataset(&n);
	if (!ok(p != NULL, "dataset read"))
		return;
	/* patient_id,died,sex: died is the second field */
	for (line = memchr(p, '\n', n); line != NULL && line + 1 < p + n;
	    line = memchr(line + 1, '\n', (size_t)(p + n - line - 1))) {
		const char *c = memchr(line + 1, ',', (size_t)(p + n - line -
		    1));

		rows++;
		dead += c != NULL && c[1] != ',';
	}
	ok(rows == 4000 && st.kept == 4000, "4000 rows (%zu)", rows);
	ok(dead > 0.47 * 4000 && dead < 0.53 * 4000,
	    "incidence 0.5 over the population, though the dead pass less "
	    "often (%.3f; %llu made)", (double)dead / 4000,
	    (unsigned long long)st.generated);
	free(p);
}

int
main(int argc, char **argv)
{
	(void)argc;
	if (!ok(find_data(argv[0]) == 0, "found tests/data/sdc-dummy"))
		return 1;
	snprintf(tmp, sizeof(tmp), "%s/t_dummy.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (!ok(mkdtemp(tmp) != NULL, "scratch directory"))
		return 1;
	test_populations();
	test_determinism();
	test_table_order();
	test_impossible();
	test_expectations();
	{
		char p[8192];

		snprintf(p, sizeof(p), "%s/out", tmp);
		(void)unlink(p);
		(void)rmdir(tmp);
	}
	return done();
}
