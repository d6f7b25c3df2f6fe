/*
 * t_defn.c - the definition checker (defn.h) and the query builders
 * (query.h): definitions that load and the graph they make, definitions
 * refused with ehrQL's message at the right line and column, and every
 * series and population of ehrQL's spec cases (tests/data/spec).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libsdc/defn.h"
#include "libsdc/query.h"
#include "tests/unit/tap.h"

static char data[4096];		/* tests/data */

static int
find_data(const char *argv0)
{
	return tap_find_dir(argv0, "tests/data", "defn/study.py", data,
	    sizeof(data));
}

static const char SPEC[] =
    "from ehrql import create_dataset\n"
    "from ehrql.tables.spec import p, e\n"
    "dataset = create_dataset()\n"
    "dataset.define_population(p.exists_for_patient())\n";

static struct sdc_defn_opts opts;

static struct sdc_query *
load(const char *src, struct sdc_err *err)
{
	struct sdc_query *q = sdc_query_new(err);
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/defn", data);
	if (q == NULL)
		return NULL;
	if (sdc_defn_load_mem(q, "defn.py", dir, src, strlen(src), &opts,
	    err) != 0) {
		sdc_query_free(q);
		return NULL;
	}
	return q;
}

static const struct sdc_qvar *
var(const struct sdc_query *q, const char *name)
{
	size_t i;

	for (i = 0; i < q->nvars; i++)
		if (strcmp(q->vars[i].name, name) == 0)
			return &q->vars[i];
	return NULL;
}

/* src (after the spec prelude) loads; variable v dumps as want. */
static void
accept(const char *what, const char *src, const char *v, const char *want)
{
	char buf[8192], got[4096];
	struct sdc_err err;
	struct sdc_query *q;
	const struct sdc_qvar *x;

	snprintf(buf, sizeof(buf), "%s%s", SPEC, src);
	sdc_err_clear(&err);
	if ((q = load(buf, &err)) == NULL) {
		ok(0, "%s: loads", what);
		printf("#   %s:%llu:%llu: %s\n", err.file, err.line, err.column,
		    err.msg);
		return;
	}
	if (v == NULL) {
		ok(1, "%s: loads", what);
	} else if ((x = var(q, v)) == NULL) {
		ok(0, "%s: has variable %s", what, v);
	} else {
		sdc_query_dump(q, x->node, got, sizeof(got));
		is_str(got, want, "%s", what);
	}
	sdc_query_free(q);
}

/*
 * src is refused with msg at line:col.  refuse() puts the 4-line spec
 * prelude first and counts lines from after it; refuse_bare() does not.
 */
static void
refuse_src(const char *what, const char *prelude, const char *src,
    unsigned line, unsigned col, const char *msg)
{
	char buf[8192];
	struct sdc_err err;
	struct sdc_query *q;

	snprintf(buf, sizeof(buf), "%s%s", prelude, src);
	if (line > 0 && *prelude)
		line += 4;
	sdc_err_clear(&err);
	if ((q = load(buf, &err)) != NULL) {
		ok(0, "%s: refused", what);
		sdc_query_free(q);
		return;
	}
	if (!ok(err.line == line && err.column == col && strstr(err.msg, msg)
	    != NULL, "%s: refused at %u:%u", what, line, col))
		printf("#   got %s:%llu:%llu: %s\n#   want %u:%u: ...%s...\n",
		    err.file, err.line, err.column, err.msg, line, col, msg);
}

static void
refuse(const char *what, const char *src, unsigned line, unsigned col,
    const char *msg)
{
	refuse_src(what, SPEC, src, line, col, msg);
}

static void
refuse_bare(const char *what, const char *src, unsigned line, unsigned col,
    const char *msg)
{
	refuse_src(what, "", src, line, col, msg);
}

static void
test_accept(void)
{
	accept("column", "dataset.v = p.i1\n", "v",
	    "(col (table patient_level_table) i1)");
	accept("int plus literal", "dataset.v = p.i1 + 1\n", "v",
	    "(add (col (table patient_level_table) i1) (int 1))");
	accept("reflected add keeps ehrQL's order", "dataset.v = 1 + p.i1\n",
	    "v", "(add (col (table patient_level_table) i1) (int 1))");
	accept("reflected sub", "dataset.v = 10 - p.i1\n", "v",
	    "(sub (int 10) (col (table patient_level_table) i1))");
	accept("reflected division", "dataset.v = 10 / p.i1\n", "v",
	    "(div (int 10) (col (table patient_level_table) i1))");
	accept("float series takes an int literal", "dataset.v = p.f1 * 2\n",
	    "v", "(mul (col (table patient_level_table) f1) (float 2.0))");
	accept("reflected comparison", "dataset.v = 5 < p.i1\n", "v",
	    "(gt (col (table patient_level_table) i1) (int 5))");
	accept("date string cast", "dataset.v = p.d1 < \"2020-01-02\"\n", "v",
	    "(lt (col (table patient_level_table) d1) (datetime.date "
	    "2020-01-02))");
	accept("age_on style difference",
	    "dataset.v = (p.d1 - \"1980-01-20\").years\n", "v",
	    "(diff-years (col (table patient_level_table) d1) "
	    "(datetime.date 1980-01-20))");
	accept("static date arithmetic",
	    "from ehrql import months\nfrom datetime import date\n"
	    "dataset.v = p.d1 < date(2020, 1, 31) + months(1)\n", "v",
	    "(lt (col (table patient_level_table) d1) (datetime.date "
	    "2020-03-01))");
	accept("date plus days of a series",
	    "from ehrql import days\ndataset.v = p.d1 - days(p.i1)\n", "v",
	    "(add-days (col (table patient_level_table) d1) (neg (col (table "
	    "patient_level_table) i1)))");
	accept("where then sum", "dataset.v = e.where(e.b1).i1."
	    "sum_for_patient()\n", "v",
	    "(agg-sum (col (where (table event_level_table) (col (table "
	    "event_level_table) b1)) i1))");
	accept("sort_by(a, b) sorts by b then a",
	    "dataset.v = e.sort_by(e.i1, e.i2).first_for_patient().i3\n", "v",
	    "(col (first (sort (sort (table event_level_table) (col (table "
	    "event_level_table) i2)) (col (table event_level_table) i1))) i3)");
	accept("except_where", "dataset.v = e.except_where(e.b1)."
	    "count_for_patient()\n", "v",
	    "(agg-count (except (table event_level_table) (col (table "
	    "event_level_table) b1)))");
	accept("is_in set is sorted and deduplicated",
	    "dataset.v = p.i1.is_in([3, 1, 3, 2])\n", "v",
	    "(in (col (table patient_level_table) i1) (1 2 3))");
	accept("is_not_in is not of in", "dataset.v = p.i1.is_not_in([])\n",
	    "v", "(not (in (col (table patient_level_table) i1) ()))");
	accept("is_in of an event series",
	    "dataset.v = p.i1.is_in(e.i1)\n", "v",
	    "(in-series (col (table patient_level_table) i1) (col (table "
	    "event_level_table) i1))");
	accept("map_values", "dataset.v = p.i1.map_values({1: \"a\", 2: None},"
	    " default=\"z\")\n", "v",
	    "(map (col (table patient_level_table) i1) ((1 \"a\") (2 None)) "
	    "(str \"z\"))");
	accept("case with otherwise",
	    "from ehrql import case, when\n"
	    "dataset.v = case(when(p.i1 < 8).then(p.i1), otherwise=0)\n", "v",
	    "(case (lt (col (table patient_level_table) i1) (int 8)) (col "
	    "(table patient_level_table) i1) (int 0))");
	accept("when then None gets the case's type",
	    "from ehrql import when\n"
	    "dataset.v = when(p.b1).then(None).otherwise(\"x\")\n", "v",
	    "(case (col (table patient_level_table) b1) (null str) (str "
	    "\"x\"))");
	accept("maximum_of casts to the first series",
	    "from ehrql.query_language import maximum_of\n"
	    "dataset.v = maximum_of(p.f1, 2)\n", "v",
	    "(max (col (table patient_level_table) f1) (float 2.0))");
	accept("count_episodes in weeks",
	    "from ehrql import weeks\n"
	    "dataset.v = e.d1.count_episodes_for_patient(weeks(2))\n", "v",
	    "(agg-count-episodes (col (table event_level_table) d1) 14)");
	accept("multi-code contains with a code",
	    "from ehrql.codes import ICD10Code\n"
	    "dataset.v = p.m1.contains(ICD10Code(\"M069\"))\n", "v",
	    "(contains (col (table patient_level_table) m1) (str \"M069\"))");
	accept("when_null_then", "dataset.v = p.f1.when_null_then(0)\n", "v",
	    "(when-null (col (table patient_level_table) f1) (float 0.0))");
	accept("abs() and .absolute() agree",
	    "dataset.v = abs(p.i1)\ndataset.w = p.i1.absolute()\n", "w",
	    "(abs (col (table patient_level_table) i1))");
	accept("weeks of days difference",
	    "dataset.v = (p.d1 - p.d2).weeks\n", "v",
	    "(diff-weeks (col (table patient_level_table) d1) (col (table "
	    "patient_level_table) d2))");
	accept("python arithmetic on literals",
	    "n = 2 ** 10 // 3 - -1\nx = [1, 2] + [n]\n"
	    "dataset.v = p.i1.is_in(x)\n", "v",
	    "(in (col (table patient_level_table) i1) (1 2 342))");
	accept("add_column and if on literals",
	    "big = True\nif big and not False:\n"
	    "    dataset.add_column(\"v\", p.i1 * 2)\n", "v",
	    "(mul (col (table patient_level_table) i1) (int 2))");
	accept("tuple unpacking and is_during",
	    "from datetime import date\n"
	    "start, end = (date(2020, 1, 1), \"2020-12-31\")\n"
	    "dataset.v = p.d1.is_during((start, end))\n", "v",
	    "(and (ge (col (table patient_level_table) d1) (datetime.date "
	    "2020-01-01)) (le (col (table patient_level_table) d1) "
	    "(datetime.date 2020-12-31)))");
	accept("starting_on gives intervals",
	    "from ehrql import months\n"
	    "iv = months(3).starting_on(\"2020-01-31\")\n"
	    "dataset.v = p.d1.is_during(iv[1])\n", "v",
	    "(and (ge (col (table patient_level_table) d1) (datetime.date "
	    "2020-03-01)) (le (col (table patient_level_table) d1) "
	    "(datetime.date 2020-03-30)))");
	accept("sort by a constant (spec)",
	    "dataset.v = e.sort_by(p.i1, 0).first_for_patient().i1\n", "v",
	    "(col (first (sort (sort (table event_level_table) (int 0)) (col "
	    "(table patient_level_table) i1))) i1)");
}

static void
test_graph(void)
{
	struct sdc_err err;
	struct sdc_query *q;
	const struct sdc_qvar *a, *b;
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s"
	    "s = e.sort_by(e.d1)\n"
	    "dataset.a = s.first_for_patient().i1\n"
	    "dataset.b = s.last_for_patient().s1\n"
	    "dataset.c = e.sort_by(e.d1).first_for_patient().i1 + 0\n"
	    "dataset.d = e.where(e.i2 > 1).exists_for_patient()\n"
	    "unused = e.f1.sum_for_patient()\n", SPEC);
	sdc_err_clear(&err);
	q = load(buf, &err);
	if (!ok(q != NULL, "graph definition loads")) {
		printf("#   %llu:%llu: %s\n", err.line, err.column, err.msg);
		return;
	}
	a = var(q, "a");
	b = var(q, "c");
	ok(a && b && b->node->kid[0] == a->node, "hash-consing: the same "
	    "column written twice is one node");
	ok(a && a->node->level == SDC_QL_PATIENT && a->node->type ==
	    SDC_TYPE_INT, "picked column is patient-level int");
	ok(q->ntables == 2, "two tables (%zu)", q->ntables);
	if (q->ntables == 2) {
		const struct sdc_qtable *p = &q->tables[0], *e = &q->tables[1];
		long i1 = 1, i2 = 2, d1 = 8, s1 = 10, f1 = 12;

		ok(strcmp(p->schema->name, "patient_level_table") == 0 &&
		    strcmp(e->schema->name, "event_level_table") == 0,
		    "tables in first-use order");
		ok(p->mentioned_by_population && !e->mentioned_by_population,
		    "only p is mentioned by the population");
		ok(e->used == ((1u << 0) | (1u << i1) | (1u << i2) |
		    (1u << d1) | (1u << s1)), "used columns of e (%llx), not "
		    "the unused f1", (unsigned long long)e->used);
		(void)f1;
		ok(a && a->node->kid[0]->kid[0]->picked == ((1u << i1) |
		    (1u << s1)), "picked bits pool first and last of one "
		    "frame (%llx)", a ? (unsigned long long)
		    a->node->kid[0]->kid[0]->picked : 0ULL);
	}
	ok(q->population && q->population->type == SDC_TYPE_BOOL,
	    "population set");
	sdc_query_free(q);
}

static void
test_files(void)
{
	struct sdc_err err;
	struct sdc_query *q = sdc_query_new(&err);
	char path[4200];
	const struct sdc_qvar *v;

	snprintf(path, sizeof(path), "%s/defn/study.py", data);
	sdc_err_clear(&err);
	if (!ok(sdc_defn_load(q, path, NULL, &err) == 0, "study.py loads "
	    "with a sibling module and a codelist"))
		printf("#   %s:%llu:%llu: %s\n", err.file, err.line, err.column,
		    err.msg);
	ok(q->nvars == 3, "three variables (%zu)", q->nvars);
	ok(q->dummy.population_size == 500 && q->dummy.call != NULL,
	    "configure_dummy_data recorded");
	v = var(q, "asthma_count");
	if (v) {
		char got[2048];

		sdc_query_dump(q, v->node, got, sizeof(got));
		ok(strstr(got, "(in (col (table clinical_events) snomedct_code) "
		    "(\"195967001\" \"233678006\" \"401000119107\"))") != NULL,
		    "codelist codes stripped and in the set");
	} else
		ok(0, "asthma_count defined");
	sdc_query_free(q);

	/* spec_tables off: ehrql.tables.spec is not importable */
	refuse_bare("spec tables need the option", "from ehrql.tables.spec import "
	    "p\n", 1, 1, "module 'ehrql.tables.spec' is not supported");
}

static void
test_refuse(void)
{
	/* found by fuzz_defn: a bare raise has no child to read */
	refuse_bare("a bare raise", "raise\n", 1, 1, "the definition "
	    "raised an exception");
	refuse_bare("raise with a message", "raise ValueError('no')\n", 1, 1,
	    "the definition raised an exception");
	refuse("event series of different tables",
	    "from ehrql.tables.core import clinical_events as c, medications "
	    "as m\nx = c.date == m.date\n", 2, 12, "Cannot combine series "
	    "which are drawn from different tables");
	refuse("series of different filters of one table",
	    "dataset.v = (e.where(e.b1).i1 + e.i1).sum_for_patient()\n", 1, 31,
	    "Cannot combine series");
	refuse("where by a series of another table",
	    "from ehrql.tables.core import clinical_events as c, medications "
	    "as m\nx = c.where(m.date.is_null())\n", 2, 6, "Cannot combine");
	refuse("date plus an int", "dataset.v = p.d1 + 1\n", 1, 18,
	    "unsupported operand type(s) for +: 'DatePatientSeries' and "
	    "'int'");
	refuse("int series plus a float literal", "dataset.v = p.i1 + 1.5\n",
	    1, 18, "Expected type 'Series[int]' but got 'Series[float]'");
	refuse("int series plus a float series", "dataset.v = p.i1 * p.f1\n",
	    1, 18, "Expected type 'Series[int]' but got 'Series[float]'");
	refuse("comparing int with str", "dataset.v = p.i1 == \"a\"\n", 1, 18,
	    "Expected type 'Series[int]' but got 'Series[str]'");
	refuse("comparing a code with a date",
	    "dataset.v = p.c1 == p.d1\n", 1, 18,
	    "Expected type 'Series[SNOMEDCTCode]' but got "
	    "'Series[datetime.date]'");
	refuse("ordering bools", "dataset.v = p.b1 < p.b2\n", 1, 18,
	    "'<' not supported between instances of 'BoolPatientSeries'");
	refuse("and on series", "dataset.v = p.b1 and p.b2\n", 1, 18,
	    "The keywords 'and', 'or', and 'not' cannot be used with ehrQL");
	refuse("not on a series", "dataset.v = not p.b1\n", 1, 13,
	    "please use the operators '&', '|' and '~' instead");
	refuse("if on a series", "if p.b1:\n    pass\n", 1, 5,
	    "cannot be used with ehrQL");
	refuse("chained comparison", "dataset.v = 1 < p.i1 < 3\n", 1, 15,
	    "chained comparison");
	refuse("event-level variable", "dataset.v = e.i1\n", 1, 8,
	    "invalid variable 'v': Expecting a series with only one value per "
	    "patient");
	refuse("frame as a variable", "dataset.v = p\n", 1, 8,
	    "are you missing a column name?");
	refuse("literal as a variable", "dataset.v = 1\n", 1, 8,
	    "Expecting an ehrQL series, got type 'int'");
	refuse("trailing comma", "dataset.v = p.i1,\n", 1, 8,
	    "trailing comma");
	refuse("reassigned variable", "dataset.v = p.i1\ndataset.v = p.i2\n",
	    2, 8, "'v' is already set and cannot be reassigned");
	refuse("variable starting with _", "dataset._v = p.i1\n", 1, 8,
	    "variable names must start with a letter");
	refuse("variable patient_id", "dataset.patient_id = p.i1\n", 1, 8,
	    "'patient_id' is not an allowed variable name");
	refuse("variable population", "dataset.population = p.b1\n", 1, 8,
	    "Cannot set variable 'population'; use define_population()");
	refuse("add_column with a bad name", "dataset.add_column(\"1x\", "
	    "p.i1)\n", 1, 27, "variable names must start with a letter");
	refuse("unknown column", "dataset.v = p.nope\n", 1, 14,
	    "'patient_level_table' object has no attribute 'nope' (its "
	    "columns are: i1, i2,");
	refuse("unknown table", "from ehrql.tables.core import patient\n", 1,
	    31, "cannot import name 'patient' from 'ehrql.tables.core' (its "
	    "tables are: clinical_events, medications, ons_deaths, patients,");
	refuse("unknown name", "dataset.v = q.i1\n", 1, 13,
	    "name 'q' is not defined");
	refuse_bare("unknown module", "import pandas\n", 1, 8,
	    "No module named 'pandas'");
	refuse_bare("unsupported ehrql module", "from ehrql.tables.emis import "
	    "patients\n", 1, 1, "module 'ehrql.tables.emis' is not supported");
	refuse("bad code literal", "from ehrql.codes import SNOMEDCTCode\n"
	    "x = SNOMEDCTCode(\"0123\")\n", 2, 18, "Invalid SNOMEDCTCode: 0123");
	refuse("string code of the wrong system",
	    "dataset.v = p.c1.is_in([\"A01\"])\n", 1, 24,
	    "Invalid SNOMEDCTCode: A01");
	refuse_bare("codelist of the wrong system (its file's line)",
	    "from ehrql import codelist_from_csv\n"
	    "from ehrql.tables.core import clinical_events as c\n"
	    "cl = codelist_from_csv(\"icd.csv\", column=\"code\")\n"
	    "x = c.snomedct_code.is_in(cl)\n", 2, 1,
	    "'J45' is not a valid SNOMED-CT code");
	refuse("multi-code prefix", "dataset.v = p.m1.contains(\"M0.6\")\n",
	    1, 27, "Expecting a ICD10Code, or a string prefix of a ICD10Code");
	refuse("multi-code equality", "dataset.v = p.m1 == \"M06\"\n", 1, 18,
	    "contains multiple clinical codes");
	refuse("multi-code is_in", "dataset.v = p.m1.is_in([\"M06\"])\n", 1,
	    17, "`.contains_any_of(codelist)` instead");
	refuse("aggregating a patient series",
	    "dataset.v = p.i1.sum_for_patient()\n", 1, 17,
	    "'IntPatientSeries' object has no attribute 'sum_for_patient'");
	refuse("first_for_patient unsorted",
	    "dataset.v = e.first_for_patient().i1\n", 1, 14,
	    "first_for_patient() needs a sorted frame");
	refuse("where on a patient frame", "dataset.v = p.where(p.b1)\n", 1,
	    14, "'patient_level_table' object has no attribute 'where'");
	refuse("where with an int condition",
	    "dataset.v = e.where(e.i1).count_for_patient()\n", 1, 14,
	    "Expected type 'Series[bool]' but got 'Series[int]'");
	refuse("sort by a string", "x = e.sort_by(\"i1\")\n", 1, 15,
	    "to sort by a column use a table attribute like "
	    "`event_level_table.i1`");
	refuse("bad date string", "dataset.v = p.d1 < \"2021-02-30\"\n", 1, 18,
	    "day is out of range for month in '2021-02-30'");
	refuse("date in another layout", "dataset.v = p.d1.is_before("
	    "\"01/02/2020\")\n", 1, 17, "Dates must be in YYYY-MM-DD format");
	refuse_bare("population true for no rows",
	    "from ehrql import create_dataset\n"
	    "from ehrql.tables.spec import p\n"
	    "dataset = create_dataset()\n"
	    "dataset.define_population(~p.exists_for_patient())\n", 4, 27,
	    "population definition must not evaluate as True for NULL inputs");
	refuse_bare("population true via is_null",
	    "from ehrql import create_dataset\n"
	    "from ehrql.tables.spec import p\n"
	    "dataset = create_dataset()\n"
	    "dataset.define_population(p.i1.is_null() | p.b1)\n", 4, 42,
	    "must not evaluate as True for NULL inputs");
	refuse_bare("population of ints",
	    "from ehrql import create_dataset\n"
	    "from ehrql.tables.spec import p\n"
	    "dataset = create_dataset()\n"
	    "dataset.define_population(p.i1)\n", 4, 28,
	    "Expecting a boolean series, got series of type 'int'");
	refuse("population twice", "dataset.define_population(p.b1)\n", 1, 8,
	    "define_population() should be called no more than once");
	refuse_bare("no dataset", "from ehrql import create_dataset\nd = "
	    "create_dataset()\n", 0, 0, "Did not find a variable called "
	    "'dataset'");
	refuse_bare("no population", "from ehrql import create_dataset\ndataset = "
	    "create_dataset()\n", 0, 0, "A population has not been defined");
	refuse("case needs then", "from ehrql import case, when\n"
	    "dataset.v = case(when(p.b1))\n", 2, 18, "`when(...)` clause "
	    "missing a `.then(...)` value");
	refuse("case with all None", "from ehrql import case, when\n"
	    "dataset.v = case(when(p.b1).then(None))\n", 2, 13,
	    "cannot have all `None` values");
	refuse("case of mixed types", "from ehrql import case, when\n"
	    "dataset.v = case(when(p.b1).then(1), otherwise=\"a\")\n", 2, 13,
	    "Expected type 'Series[int]' but got 'Series[str]'");
	refuse("when of an int", "from ehrql import when\n"
	    "dataset.v = when(p.i1).then(1).otherwise(0)\n", 2, 19,
	    "Expecting a boolean series, got series of type 'int'");
	refuse("count_episodes of months", "from ehrql import months\n"
	    "dataset.v = e.d1.count_episodes_for_patient(months(1))\n", 2, 45,
	    "`maximum_gap` must be supplied as `days()` or `weeks()`");
	refuse("unknown keyword", "from ehrql import codelist_from_csv\n"
	    "x = codelist_from_csv(\"asthma.csv\", col=\"code\")\n", 2, 41,
	    "got an unexpected keyword argument 'col'");
	refuse("missing codelist file", "from ehrql import codelist_from_csv\n"
	    "x = codelist_from_csv(\"nope.csv\", column=\"code\")\n", 2, 23,
	    "No CSV file at nope.csv");
	refuse_bare("circular import", "from cycle_a import *\n", 1, 1,
	    "circular import");
	refuse_bare("error in a sibling names its file", "import broken\n", 3, 15,
	    "unsupported operand type(s) for +: 'days' and 'int'");
	refuse("float as duration", "from ehrql import days\n"
	    "x = days(1.5)\n", 2, 10, "Expected type 'int' or 'Series[int]'");
	refuse("integer overflow", "x = 9223372036854775807 + 1\n", 1, 25,
	    "integer overflow");
	refuse("property called", "dataset.v = p.d1.year()\n", 1, 17,
	    "is a property");
	refuse("function not called", "dataset.v = p.i1.is_null\n", 1, 8,
	    "Function referenced but not called");
	refuse("is_in of a patient series", "dataset.v = p.i1.is_in(p.i2)\n",
	    1, 17, "Argument must be an EventSeries");
	refuse("bool series plus int", "dataset.v = p.b1 & 1\n", 1, 18,
	    "unsupported operand type(s) for &: 'BoolPatientSeries' and "
	    "'int'");
}

/* An error inside a helper module: its file and line, and the chain. */
static void
chain(void)
{
	char buf[8192];
	struct sdc_err err;
	struct sdc_query *q;
	size_t n;

	snprintf(buf, sizeof(buf), "%sfrom helper import outer\n"
	    "dataset.v = outer(e.b1)\n", SPEC);
	sdc_err_clear(&err);
	if ((q = load(buf, &err)) != NULL) {
		ok(0, "error in a helper: refused");
		sdc_query_free(q);
		return;
	}
	n = strlen(err.file);
	ok(n >= 9 && strcmp(err.file + n - 9, "helper.py") == 0 &&
	    err.line == 7 && err.column == 25, "error in a helper points at "
	    "helper.py:7:25");
	if (!ok(strstr(err.msg, "has no attribute 'no_such_column'") &&
	    strstr(err.msg, "(call chain: defn.py:6:13 outer -> ") &&
	    strstr(err.msg, "helper.py:11:12 _inner)"), "and gives the call "
	    "chain, outermost first"))
		printf("#   got %s\n", err.msg);
}

/* The Python subset: functions, loops, comprehensions, builtins, limits. */
static void
test_python(void)
{
	accept("def with a default and a keyword",
	    "def f(x, k=1):\n    return p.i1 + x * k\ndataset.v = f(2, k=3)\n",
	    "v", "(add (col (table patient_level_table) i1) (int 6))");
	accept("closure over an enclosing function's parameter",
	    "def mk(n):\n    def g():\n        return p.i1 + n\n    return g\n"
	    "dataset.v = mk(5)()\n", "v",
	    "(add (col (table patient_level_table) i1) (int 5))");
	accept("early return from an if",
	    "def f(x):\n    if x > 1:\n        return p.i1\n    return p.i2\n"
	    "dataset.v = f(2)\n", "v", "(col (table patient_level_table) i1)");
	accept("a function sees module names bound after its def",
	    "def f():\n    return later\nlater = p.i2\ndataset.v = f()\n", "v",
	    "(col (table patient_level_table) i2)");
	accept("for loop with setattr and an f-string name",
	    "for n in range(3):\n    setattr(dataset, f\"v{n}\", p.i1 + n)\n",
	    "v2", "(add (col (table patient_level_table) i1) (int 2))");
	accept("add_column with str.format",
	    "dataset.add_column(\"x_{n}\".format(n=3), p.i1)\n", "x_3",
	    "(col (table patient_level_table) i1)");
	accept("functools.reduce(operator.or_, ...) over a comprehension",
	    "import operator\nfrom functools import reduce\n"
	    "dataset.v = reduce(operator.or_, [p.i1 == k for k in (1, 2)])\n",
	    "v", "(or (eq (col (table patient_level_table) i1) (int 1)) (eq "
	    "(col (table patient_level_table) i1) (int 2)))");
	accept("operator.and_ and ~ from a helper in a sibling module",
	    "from operator import and_, inv\n"
	    "dataset.v = and_(p.b1, inv(p.b1))\n", "v",
	    "(and (col (table patient_level_table) b1) (not (col (table "
	    "patient_level_table) b1)))");
	accept("getattr with a column name in a helper, keyword-only",
	    "from helper import first_of\n"
	    "dataset.v = first_of([1, 2], column=\"i2\", where=e.b1).i1\n",
	    "v", "(col (first (sort (where (where (table event_level_table) "
	    "(col (table event_level_table) b1)) (in (col (table "
	    "event_level_table) i2) (1 2))) (col (table event_level_table) "
	    "i1))) i1)");
	accept("plain Python: each assert holds",
	    "from datetime import date\n"
	    "a, *rest = [1, 2, 3]\n"
	    "assert rest == [2, 3] and a == 1\n"
	    "assert [1, 2, 3][::-1] == [3, 2, 1] and \"abcd\"[1:3] == \"bc\"\n"
	    "assert f\"{1/3:.2f}|{7:>3}|{'x'!r}|{5:03d}\" == \"0.33|  7|'x'|005\"\n"
	    "assert f\"{date(2020, 1, 2):%Y/%m}|{date(2020, 1, 2)}\" == "
	    "\"2020/01|2020-01-02\"\n"
	    "assert \"{} {x:,}\".format(1.5, x=1234567) == \"1.5 1,234,567\"\n"
	    "assert str(2.0) == \"2.0\" and int(\"42\") + int(3.9) == 45\n"
	    "assert sorted([3, 1, 2], key=lambda x: -x) == [3, 2, 1]\n"
	    "assert sorted([(2, 'b'), (1, 'z'), (2, 'a')])[0] == (1, 'z')\n"
	    "assert max([3, 1, 2]) == 3 and min(4, 2) == 2 and sum(range(5)) == 10\n"
	    "assert len({1, 2, 2}) == 2 and list(zip([1, 2], \"ab\")) == "
	    "[(1, \"a\"), (2, \"b\")]\n"
	    "assert dict(enumerate([\"a\"], start=1)) == {1: \"a\"}\n"
	    "assert {k: v for k, v in [(\"a\", 1)]} == {\"a\": 1}\n"
	    "assert list(map(lambda x: x * 2, filter(None, [0, 1, 2]))) == [2, 4]\n"
	    "assert any(x > 1 for x in [1, 2]) and not all([1, 0])\n"
	    "assert round(2.5) == 2 and round(0.125, 2) == 0.12\n"
	    "assert \"-\".join([\"a\", \"b\"]).upper() == \"A-B\"\n"
	    "assert \"a,b\".split(\",\") == [\"a\", \"b\"] and \" x \".strip() == \"x\"\n"
	    "assert isinstance(1, int) and not isinstance(\"1\", (int, float))\n"
	    "assert date.fromisoformat(\"2021-03-04\").isoformat() == \"2021-03-04\"\n"
	    "d = {}\nd[\"k\"] = [1]\nd[\"k\"].append(2)\nd[\"k\"] += [3]\n"
	    "assert d.get(\"k\") == [1, 2, 3] and d.get(\"z\", 0) == 0\n"
	    "s = set()\ns.add(\"x\")\ns.add(\"x\")\nassert len(s) == 1\n"
	    "def kw(*args, **kwargs):\n    return len(args), sorted(kwargs)\n"
	    "assert kw(1, 2, b=1, a=2) == (2, [\"a\", \"b\"])\n"
	    "assert kw(*[1], **{\"z\": 1}) == (1, [\"z\"])\n"
	    "def brk():\n    for i in range(10):\n        if i == 3:\n"
	    "            break\n        if i == 1:\n            continue\n"
	    "    return i\nassert brk() == 3\n"
	    "assert (\"x\" * 3, [0] * 2) == (\"xxx\", [0, 0])\n",
	    NULL, NULL);
	refuse("open is refused", "x = open(\"f\")\n", 1, 5,
	    "'open' is refused in dataset definitions");
	refuse("exec is refused", "exec(\"x = 1\")\n", 1, 1,
	    "'exec' is refused");
	refuse("__import__ is refused", "os = __import__(\"os\")\n", 1, 6,
	    "name '__import__' is refused");
	refuse("import os is refused", "import os\n", 1, 8,
	    "importing 'os' is refused");
	refuse("from pathlib import is refused", "from pathlib import Path\n",
	    1, 1, "importing 'pathlib' is refused");
	refuse("dunder attribute", "x = (1).__class__\n", 1, 8,
	    "special attribute '__class__' is refused");
	refuse("dunder through getattr", "x = getattr(p, \"__dict__\")\n", 1,
	    16, "special attribute '__dict__' is refused");
	refuse("date.today is refused", "from datetime import date\n"
	    "x = date.today()\n", 2, 9, "date.today() is refused");
	refuse("setattr on a table", "setattr(p, \"x\", 1)\n", 1, 9,
	    "setattr() is supported on a dataset only");
	refuse("f-string of a series", "x = f\"{p.i1}\"\n", 1, 9,
	    "cannot make a string of an ehrQL series");
	refuse("missing argument", "def f(a, b):\n    return a\nf(1)\n", 3, 1,
	    "f() missing 1 required positional argument: 'b'");
	refuse("unexpected keyword", "def f(a):\n    return a\nf(1, c=2)\n", 3,
	    8, "f() got an unexpected keyword argument 'c'");
	refuse("too many positional", "def f(a):\n    return a\nf(1, 2)\n", 3,
	    6, "f() takes 1 positional argument but 2 were given");
	refuse("while is refused", "while True:\n    pass\n", 1, 1,
	    "'while' statements are not supported");
	refuse("recursion is bounded", "def f(n):\n    return f(n + 1)\nf(0)\n",
	    2, 12, "maximum recursion depth exceeded: more than 100 nested");
	refuse("range is bounded", "x = range(2000000)\n", 1, 5,
	    "range() of more than 1000000 numbers");
	refuse("loop steps are bounded",
	    "for i in range(1000000):\n    x = i\n", 2, 7,
	    "more than 1000000 statements and loop steps");
	refuse("a list growing while looped over is bounded",
	    "x = [1]\nfor i in x:\n    x.append(i)\n", 2, 1,
	    "more than 1000000 statements and loop steps");
	refuse("memory is bounded", "x = \"a\"\nfor i in range(40):\n"
	    "    x = x + x\n", 3, 7, "needs more than 256 MiB of memory");
	chain();
}

/* Every series and population of the spec cases loads when wrapped. */
struct tally {
	int cases, loaded, failed, skipped;
};

static void
append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

static void
run_case(const char *path, const char *prelude, const char *series,
    const char *population, struct tally *t)
{
	char *src = NULL;
	size_t len = 0, cap = 0;
	struct sdc_err err;
	struct sdc_query *q;

	t->cases++;
	if (strstr(prelude, "@table_from_file")) {
		t->skipped++;
		return;
	}
	append(&src, &len, &cap, "from ehrql import create_dataset\n"
	    "from ehrql.tables.spec import p, e\n");
	append(&src, &len, &cap, prelude);
	append(&src, &len, &cap, "dataset = create_dataset()\n"
	    "dataset.define_population(");
	append(&src, &len, &cap, population[0] ? population :
	    "p.exists_for_patient() | e.exists_for_patient()");
	append(&src, &len, &cap, ")\ndataset.v = (");
	append(&src, &len, &cap, series);
	append(&src, &len, &cap, ")\n");
	sdc_err_clear(&err);
	if ((q = load(src, &err)) != NULL) {
		t->loaded++;
		sdc_query_free(q);
	} else {
		t->failed++;
		printf("# %s: %llu:%llu: %s\n%s", path, err.line, err.column,
		    err.msg, src);
	}
	free(src);
}

static void
spec_file(const char *path, struct tally *t)
{
	FILE *f = fopen(path, "r");
	char line[8192], kind[16] = "";
	char *pre = NULL, *ser = NULL, *pop = NULL;
	size_t pl = 0, pc = 0, sl = 0, sc = 0, ol = 0, oc = 0;
	int in_block = 0, in_case = 0;

	if (f == NULL)
		return;
	append(&pre, &pl, &pc, "");
	append(&ser, &sl, &sc, "");
	append(&pop, &ol, &oc, "");
	for (;;) {
		char *got = fgets(line, sizeof(line), f);
		size_t n = got ? strlen(line) : 0;

		if (got && n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (in_block && got && strcmp(line, "end") != 0) {
			if (strcmp(kind, "prelude") == 0) {
				append(&pre, &pl, &pc, line);
				append(&pre, &pl, &pc, "\n");
			} else if (strcmp(kind, "series") == 0) {
				append(&ser, &sl, &sc, line);
				append(&ser, &sl, &sc, "\n");
			} else if (strcmp(kind, "population") == 0) {
				append(&pop, &ol, &oc, line);
				append(&pop, &ol, &oc, "\n");
			}
			continue;
		}
		if (in_block && got) {
			in_block = 0;
			continue;
		}
		if (!got || strncmp(line, "case ", 5) == 0) {
			if (in_case)
				run_case(path, pre, ser, pop, t);
			if (!got)
				break;
			in_case = 1;
			pl = sl = ol = 0;
			pre[0] = ser[0] = pop[0] = '\0';
			continue;
		}
		if (strncmp(line, "series", 6) == 0 ||
		    strncmp(line, "population", 10) == 0) {
			int s = line[0] == 's';
			const char *rest = line + (s ? 6 : 10);

			snprintf(kind, sizeof(kind), "%s", s ? "series" :
			    "population");
			if (*rest == '\0') {
				in_block = 1;
				append(s ? &ser : &pop, s ? &sl : &ol,
				    s ? &sc : &oc, "\n");
				continue;
			}
			append(s ? &ser : &pop, s ? &sl : &ol, s ? &sc : &oc,
			    rest + 1);
			continue;
		}
		if (strcmp(line, "prelude") == 0 || strcmp(line, "expect") == 0 ||
		    strncmp(line, "table ", 6) == 0) {
			snprintf(kind, sizeof(kind), "%.15s", line);
			in_block = 1;
		}
	}
	fclose(f);
	free(pre);
	free(ser);
	free(pop);
}

static void
walk(const char *dir, struct tally *t, int depth)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (dp == NULL || depth > 4) {
		if (dp)
			closedir(dp);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	for (i = 0; i < n; i++) {
		char path[8192];
		size_t len = strlen(names[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (len > 5 && strcmp(names[i] + len - 5, ".spec") == 0)
			spec_file(path, t);
		else if (strchr(names[i], '.') == NULL)
			walk(path, t, depth + 1);
		free(names[i]);
	}
	free(names);
}

static void
test_spec(void)
{
	struct tally t = { 0, 0, 0, 0 };
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/spec", data);
	walk(dir, &t, 0);
	ok(t.cases >= 200, "%d spec cases", t.cases);
	ok(t.failed == 0 && t.loaded == t.cases - 2, "every spec case loads "
	    "(%d loaded, %d failed, %d table_from_file skipped)", t.loaded,
	    t.failed, t.skipped);
}

static void
test_qval(void)
{
	static const struct {
		double f;
		const char *want;
	} fl[] = {
		{ 7.0, "7.0" }, { 0.1, "0.1" }, { 1e16, "1e+16" },
		{ 1e-05, "1e-05" }, { 1.2345678901234568e+17,
		"1.2345678901234568e+17" }, { 0.15000000000000002,
		"0.15000000000000002" }, { 9350000.000000002,
		"9350000.000000002" }, { 6.833333333333333e-05,
		"6.833333333333333e-05" }, { -0.0, "-0.0" }, { 1e15,
		"1000000000000000.0" }, { 0.0001, "0.0001" }, { 123.456,
		"123.456" }, { -2.5, "-2.5" }, { 1e300, "1e+300" },
		{ 5e-324, "5e-324" },
	};
	char buf[SDC_QVAL_FMT_MAX + 1];
	const char *p;
	struct sdc_qval v, w;
	size_t i, n;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		v.u.f = fl[i].f;
		n = sdc_qval_format(SDC_TYPE_FLOAT, &v, buf, &p);
		is_str(p, fl[i].want, "float repr %s", fl[i].want);
		ok(n == strlen(fl[i].want), "length of %s", fl[i].want);
	}
	v.u.f = 1.0 / 0.0;
	sdc_qval_format(SDC_TYPE_FLOAT, &v, buf, &p);
	is_str(p, "inf", "inf");
	v.u.f = -1.0 / 0.0;
	sdc_qval_format(SDC_TYPE_FLOAT, &v, buf, &p);
	is_str(p, "-inf", "-inf");
	v.u.f = 0.0 / 0.0;
	sdc_qval_format(SDC_TYPE_FLOAT, &v, buf, &p);
	is_str(p, "nan", "nan");
	v.u.b = 1;
	sdc_qval_format(SDC_TYPE_BOOL, &v, buf, &p);
	is_str(p, "T", "T");
	v.u.d = 18262;
	sdc_qval_format(SDC_TYPE_DATE, &v, buf, &p);
	is_str(p, "2020-01-01", "date");
	memset(&w, 0, sizeof(w));
	w.null = 1;
	v.u.i = -5;
	ok(sdc_qval_cmp(SDC_TYPE_INT, &w, &v) < 0, "NULL sorts first");
	ok(sdc_qval_eq(SDC_TYPE_INT, &w, &w) && !sdc_qval_eq(SDC_TYPE_INT,
	    &w, &v), "NULL equals only NULL");
}

int
main(int argc, char **argv)
{
	(void)argc;
	opts.spec_tables = 1;
	if (!ok(find_data(argv[0]) == 0, "found tests/data"))
		return done();
	test_qval();
	test_accept();
	test_graph();
	test_refuse();
	test_python();
	test_spec();
	opts.spec_tables = 0;
	test_files();
	return done();
}
