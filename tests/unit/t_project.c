/* t_project.c - project.yaml loading: words, patterns, validation. */
#include <stdlib.h>
#include <string.h>

#include "libsdc/project.h"
#include "tests/unit/tap.h"

static struct sdc_project *
parse(const char *text, struct sdc_err *err)
{
	sdc_err_clear(err);
	return sdc_project_parse(text, strlen(text), "p.yaml", err);
}

static void
test_split(void)
{
	struct sdc_err err;
	size_t n;
	char **w;

	w = sdc_project_split("python:v2 a.py 'x y' \"q\\\"z\" a\\ b  ''", &n,
	    &err);
	ok(w != NULL && n == 6, "split: six words");
	if (w != NULL && n == 6) {
		is_str(w[0], "python:v2", "split: word 1");
		is_str(w[2], "x y", "split: single quotes");
		is_str(w[3], "q\"z", "split: double quotes with escape");
		is_str(w[4], "a b", "split: backslash");
		is_str(w[5], "", "split: empty quoted word");
		ok(w[6] == NULL, "split: NULL-terminated");
	}
	sdc_project_words_free(w);
	sdc_err_clear(&err);
	w = sdc_project_split("a 'b", &n, &err);
	ok(w == NULL && strcmp(err.msg, "unclosed quote") == 0,
	    "split: unclosed quote");
	w = sdc_project_split("   ", &n, &err);
	ok(w != NULL && n == 0 && w[0] == NULL, "split: blank is no words");
	sdc_project_words_free(w);
}

static void
test_patterns(void)
{
	ok(sdc_project_match("output/*.csv", "output/a.csv"), "match: star");
	ok(!sdc_project_match("output/*.csv", "output/x/a.csv"),
	    "match: star stops at slash");
	ok(sdc_project_match("out/t_*_*.csv", "out/t_a_b.csv"), "match: two");
	ok(!sdc_project_match("out/a.csv", "out/a.csvx"), "match: whole");
	ok(sdc_project_overlap("output/*.csv", "output/table.csv"),
	    "overlap: glob and file");
	ok(sdc_project_overlap("output/a_*.csv", "output/*_b.csv"),
	    "overlap: two globs");
	ok(!sdc_project_overlap("output/*.csv", "output/sub/t.csv"),
	    "overlap: not across directories");
	ok(!sdc_project_overlap("output/*.csv", "output/t.txt"),
	    "overlap: extensions differ");
	ok(!sdc_project_overlap("a/*.csv", "b/*.csv"), "overlap: dirs differ");
}

static const char good[] =
"version: '4.0'\n"
"actions:\n"
"  last:\n"
"    run: sdc-round -b 5 -o out/r.csv out/c.csv\n"
"    needs: [first, middle]\n"
"    outputs:\n"
"      moderately_sensitive:\n"
"        r: out/r.csv\n"
"  first:\n"
"    run: ehrql:v1 generate-dataset d.py --output out/d.csv.gz\n"
"    outputs:\n"
"      highly_sensitive:\n"
"        d: out/d.csv.gz\n"
"  middle:\n"
"    run: python:v2 a.py\n"
"    needs: [first]\n"
"    config: {n: 3, f: 1.5, s: x, q: '7', b: true, z: null, l: [1, a]}\n"
"    outputs:\n"
"      highly_sensitive:\n"
"        c: out/c*.csv\n";

static void
test_good(void)
{
	struct sdc_err err;
	struct sdc_project *p = parse(good, &err);
	const struct sdc_project_action *a;

	ok(p != NULL, "good project loads (%s)", err.msg);
	if (p == NULL)
		return;
	ok(p->version == 4.0 && p->nactions == 3, "version and actions");
	ok(p->order[0] == 1 && p->order[1] == 2 && p->order[2] == 0,
	    "needs come first in the order");
	a = &p->actions[0];
	ok(a->nneeds == 2 && a->needs[0] == 1 && a->needs[1] == 2,
	    "needs resolved");
	ok(a->kind == SDC_RUN_LOCAL && a->argc == 6, "sdc-* is local");
	ok(p->actions[1].kind == SDC_RUN_EHRQL &&
	    strcmp(p->actions[1].tag, "v1") == 0, "ehrql image and tag");
	ok(a->outputs[0].privacy == SDC_PRIVACY_MODERATE &&
	    a->outputs[0].line == 8 && a->outputs[0].column == 12,
	    "output level and position");
	is_str(p->actions[2].config,
	    "{\"n\":3,\"f\":1.5,\"s\":\"x\",\"q\":\"7\",\"b\":true,"
	    "\"z\":null,\"l\":[1,\"a\"]}", "config as JSON");
	ok(sdc_project_find(p, "middle") == 2 &&
	    sdc_project_find(p, "nope") == -1, "find");
	sdc_project_free(p);
}

static void
test_bad(void)
{
	static const struct {
		const char *text;
		unsigned long long line, column;
		const char *msg;
	} cases[] = {
		{ "version: 4\nversion: 4\nactions: {}\n", 2, 1,
		    "duplicate key 'version' (first at line 1)" },
		{ "version: 7\n", 1, 10, "version 7 is newer than sdc-run "
		    "understands (1 to 5)" },
		{ "version: 4\nactions:\n  a:\n    run: sdc-count x\n"
		    "    needs: [a]\n    outputs:\n      highly_sensitive:\n"
		    "        o: o.csv\n", 5, 13, "action a needs itself" },
		{ "version: 4\nactions:\n  a:\n    run: sdc-count x\n"
		    "    outputs:\n      highly_sensitive:\n"
		    "        o: out/*.csv\n      moderately_sensitive:\n"
		    "        p: out/t*.csv\n", 9, 12, "moderately_sensitive "
		    "output out/t*.csv overlaps highly_sensitive output "
		    "out/*.csv of action a: a file could have both privacy "
		    "levels" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sdc_err err;
		struct sdc_project *p = parse(cases[i].text, &err);

		ok(p == NULL && err.line == cases[i].line &&
		    err.column == cases[i].column &&
		    strcmp(err.file, "p.yaml") == 0, "bad %zu: at %llu:%llu "
		    "(got %llu:%llu)", i, cases[i].line, cases[i].column,
		    err.line, err.column);
		is_str(err.msg, cases[i].msg, "bad %zu: message", i);
		sdc_project_free(p);
	}
}

int
main(void)
{
	test_split();
	test_patterns();
	test_good();
	test_bad();
	return done();
}
