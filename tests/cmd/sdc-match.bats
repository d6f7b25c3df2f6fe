#!/usr/bin/env bats
# sdc-match: options, golden matched sets (exact, tolerance edges,
# index dates and exclusions, no match, replacement rules), the summary,
# extra passes, bad input, output errors.

bats_require_minimum_version 1.5.0

load helpers

d=$BATS_TEST_DIRNAME/../data/sdc-match

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-match --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: sdc-match --cases file [-k matches] [--min-matches n]" ]
	[ -z "$stderr" ]
	[[ "$output" == *"--control-index OFF"* ]]
	run sdc-match -h
	[ "$status" -eq 0 ]
}

@test "-V prints the version" {
	run sdc-match -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-match\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[[ "$output" == *"ok sdc-match.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	c="--cases $d/cases.csv"
	usage_fails 'unrecognized option' sdc-match --bogus $c "$d/controls.csv"
	usage_fails '--cases is required' sdc-match "$d/controls.csv"
	usage_fails "-k: '0' is not a whole number from 1 to 1000" sdc-match $c -k 0 "$d/controls.csv"
	usage_fails 'minimum matches 3 exceeds matches per case 2' \
	    sdc-match $c -k 2 --min-matches 3 "$d/controls.csv"
	usage_fails "expected COLUMN=TOLERANCE in 'age'" sdc-match $c -w age "$d/controls.csv"
	usage_fails "-w: '-1' is not a number >= 0" sdc-match $c -w age=-1 "$d/controls.csv"
	usage_fails "-w: '1.5d' is not a whole number of days" \
	    sdc-match $c -w index_date=1.5d "$d/controls.csv"
	usage_fails "closest column 'age' has no tolerance" \
	    sdc-match $c --closest age "$d/controls.csv"
	usage_fails "column 'age' named twice" sdc-match $c -e age -w age=1 "$d/controls.csv"
	usage_fails "cannot match on the id column" sdc-match $c -e patient_id "$d/controls.csv"
	usage_fails "need an index date column" \
	    sdc-match $c --exclude-before died "$d/controls.csv"
	usage_fails "--control-index: '1x' is not 0 or an offset" \
	    sdc-match $c --index-date index_date --control-index 1x "$d/controls.csv"
	usage_fails "--order: 'age' is neither" sdc-match $c --order age "$d/controls.csv"
	usage_fails "--seed: '4294967296' is not" sdc-match $c --seed 4294967296 "$d/controls.csv"
	usage_fails '-e given twice' sdc-match $c -e sex -e region "$d/controls.csv"
	usage_fails 'two different non-empty names' \
	    sdc-match $c --indicator set_id "$d/controls.csv"
	usage_fails 'at most one input' sdc-match $c "$d/controls.csv" "$d/controls.csv"
}

# --- golden sets ---------------------------------------------------------

@test "exact and tolerance matching, random among the eligible" {
	golden basic sdc-match -q --cases "$d/cases.csv" -k 2 -e sex,region \
	    -w age=1 "$d/controls.csv"
}

@test "index dates: date order, tolerance in days, closest, exclusions" {
	# hand-checked: case 6 died before its index date and is left out;
	# 104 died before its own index date; 105 is 31 days from case 2;
	# 4 (a case) may serve case 1; 108 is 31 days from case 4
	golden design sdc-match -q --cases "$d/cases.csv" -k 2 -e sex,region \
	    -w age=1,index_date=30d --closest age --index-date index_date \
	    --exclude-before died "$d/controls.csv"
}

@test "tolerance edges are inclusive; decimals and dates exact at the edge" {
	golden edges sdc-match -q --cases "$d/edges-cases.csv" -k 20 \
	    -w age=1,bmi=0.1,index_date=30d --closest age,bmi,index_date \
	    "$d/edges-controls.csv"
	# tolerance 0: equal values only (40.0 is 40, 25 is 25.0)
	run -0 --separate-stderr sdc-match -q --cases "$d/edges-cases.csv" -k 20 \
	    -w age=0,bmi=0,index_date=0d "$d/edges-controls.csv"
	[ "$(cut -d, -f1 <<<"$output" | tr '\n' ' ')" = "patient_id 1 21 " ]
}

@test "no match: cases are written alone, or dropped with --min-matches" {
	golden nomatch sdc-match -q --cases "$d/cases.csv" -k 2 -e sex,region \
	    -w age=1 "$d/nomatch-controls.csv"
	golden nomatch-min sdc-match -q --cases "$d/cases.csv" -k 2 -e sex,region \
	    -w age=1 --min-matches 1 "$d/nomatch-controls.csv"
}

@test "without replacement: no patient twice, a repeated id counts once" {
	golden norepl sdc-match -q --cases "$d/repl-cases.csv" -k 2 -e sex \
	    "$d/repl-controls.csv"
	run -0 --separate-stderr sdc-match -q --cases "$d/repl-cases.csv" -k 5 \
	    -e sex "$d/repl-controls.csv"
	ids=$(awk -F, 'NR > 1 && $NF == 0 { print $1 }' <<<"$output" | sort)
	[ "$ids" = "$(sort -u <<<"$ids")" ]
	[ "$(wc -l <<<"$ids")" -eq 4 ]	# 10, 11, 12 and patient 1
}

@test "--exclude-cases keeps cases out of the pool" {
	run -0 --separate-stderr sdc-match -q --cases "$d/repl-cases.csv" -k 5 \
	    -e sex --exclude-cases "$d/repl-controls.csv"
	[ "$(awk -F, '$NF == 0 && $1 < 10' <<<"$output")" = "" ]
	run -0 --separate-stderr sdc-match --cases "$d/repl-cases.csv" -k 5 \
	    -e sex --exclude-cases "$d/repl-controls.csv"
	[[ "$stderr" == *"5 candidate controls, 1 skipped as cases"* ]]
}

@test "--replace: controls serve several cases, never their own" {
	golden repl sdc-match -q --cases "$d/repl-cases.csv" -k 2 -e sex \
	    --replace "$d/repl-controls.csv"
	run -0 --separate-stderr sdc-match -q --cases "$d/repl-cases.csv" -k 2 \
	    -e sex --replace "$d/repl-controls.csv"
	[ "$(awk -F, '$NF == 0' <<<"$output" | wc -l)" -eq 6 ]
	[ "$(awk -F, '$NF == 0 && $1 == $2' <<<"$output")" = "" ]
}

@test "--control-index: controls take the case's index date, moved" {
	golden cindex sdc-match -q --cases "$d/cases.csv" -k 1 -e sex,region \
	    -w age=1 --closest age --index-date index_date --control-index -1m \
	    --exclude-before died "$d/controls.csv"
}

@test "the seed decides; the order of the controls does not" {
	a=$(sdc-match -q --seed 7 --cases "$d/cases.csv" -k 2 -e sex,region -w age=1 "$d/controls.csv")
	b=$( (head -1 "$d/controls.csv"; tail -n +2 "$d/controls.csv" | tac) |
	    sdc-match -q --seed 7 --cases "$d/cases.csv" -k 2 -e sex,region -w age=1 -)
	[ "$a" = "$b" ]
	c=$(sdc-match -q --seed 8 --cases "$d/cases.csv" -k 2 -e sex,region -w age=1 "$d/controls.csv")
	[ "$a" != "$c" ]
}

@test "the summary on stderr counts cases by the number of controls" {
	run --separate-stderr sdc-match --cases "$d/cases.csv" -k 2 -e sex,region \
	    -w age=1,index_date=30d --closest age --index-date index_date \
	    --exclude-before died --min-matches 1 "$d/controls.csv"
	[ "$status" -eq 0 ]
	diff -u "$d/summary.err" - <<<"$stderr"
}

@test "an extra pass: works from a file, fails cleanly from a pipe" {
	run --separate-stderr sdc-match --cases "$d/passes-cases.csv" -w age=1 \
	    --closest age "$d/passes-controls.csv"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"2 passes"* ]]
	[ "$(awk -F, '$NF == 0' <<<"$output" | wc -l)" -eq 10 ]
	fails 2 '^sdc-match: <stdin>: this matching needs another pass over the controls' \
	    sdc-match --cases "$d/passes-cases.csv" -w age=1 --closest age - \
	    <"$d/passes-controls.csv"
}

# --- bad input -----------------------------------------------------------

@test "bad values: file:line:column, exit 2, no output" {
	printf 'patient_id,age\n1,40\n2,forty\n' >"$BATS_TEST_TMPDIR/c.csv"
	fails 2 "^sdc-match: .*/c.csv:3:3: age: 'forty' is not a number$" \
	    sdc-match --cases "$BATS_TEST_TMPDIR/c.csv" -w age=1 "$d/controls.csv"
	fails 2 "controls.csv:3:15: index_date: '2020-02-30' is not a date" \
	    sdc-match --cases "$d/cases.csv" -w index_date=3d \
	    "$d/bad-controls.csv"
	fails 2 "is not a number \(for dates give the tolerance in days" \
	    sdc-match --cases "$d/cases.csv" -w index_date=3 "$d/controls.csv"
	fails 2 "cases.csv:3:1: patient_id 1 appears twice in the cases" \
	    sdc-match --cases "$d/dup-cases.csv" "$d/controls.csv"
	printf 'patient_id,sex\n1x,F\n' >"$BATS_TEST_TMPDIR/k.csv"
	fails 2 "k.csv:2:1: patient_id: '1x' is not a whole number" \
	    sdc-match --cases "$d/cases.csv" "$BATS_TEST_TMPDIR/k.csv"
	fails 2 "no column named 'practice'" \
	    sdc-match --cases "$d/cases.csv" -e practice "$d/controls.csv"
	fails 2 "a case needs an index date" \
	    sdc-match --cases "$d/noindex-cases.csv" --index-date index_date "$d/controls.csv"
	fails 2 "column 'case' would be written twice: name the indicator" \
	    sdc-match --cases "$d/cases.csv" "$d/case-column.csv"
	fails 2 "malformed.csv:2:5: unterminated quoted field" \
	    sdc-match --cases "$d/cases.csv" "$d/malformed.csv"
	fails 2 "nonexistent" sdc-match --cases "$d/nonexistent.csv" "$d/controls.csv"
	fails 2 "nonexistent" sdc-match --cases "$d/cases.csv" "$d/nonexistent.csv"
	[ ! -e "$BATS_TEST_TMPDIR/out.csv" ]
	fails 2 "forty" sdc-match -o "$BATS_TEST_TMPDIR/out.csv" \
	    --cases "$BATS_TEST_TMPDIR/c.csv" -w age=1 "$d/controls.csv"
	[ ! -e "$BATS_TEST_TMPDIR/out.csv" ]
}

@test "empty and header-only inputs" {
	: >"$BATS_TEST_TMPDIR/empty.csv"
	fails 2 "empty" sdc-match --cases "$BATS_TEST_TMPDIR/empty.csv" "$d/controls.csv"
	fails 2 "empty" sdc-match --cases "$d/cases.csv" "$BATS_TEST_TMPDIR/empty.csv"
	head -1 "$d/cases.csv" >"$BATS_TEST_TMPDIR/h.csv"
	run -0 --separate-stderr sdc-match -q --cases "$BATS_TEST_TMPDIR/h.csv" -e sex "$d/controls.csv"
	[ "$output" = "patient_id,sex,region,age,index_date,died,practice,set_id,case" ]
	head -1 "$d/controls.csv" >"$BATS_TEST_TMPDIR/hc.csv"
	run -0 --separate-stderr sdc-match -q --cases "$d/cases.csv" -e sex "$BATS_TEST_TMPDIR/hc.csv"
	[ "$(wc -l <<<"$output")" -eq 7 ]
	[ "$(awk -F, '$NF == 0' <<<"$output")" = "" ]
}

@test "-o writes atomically, gzip for .gz; write errors exit 2" {
	run -0 sdc-match -q --cases "$d/cases.csv" -e sex -o "$BATS_TEST_TMPDIR/m.csv.gz" "$d/controls.csv"
	gzip -t "$BATS_TEST_TMPDIR/m.csv.gz"
	[ "$(zcat "$BATS_TEST_TMPDIR/m.csv.gz")" = "$(sdc-match -q --cases "$d/cases.csv" -e sex "$d/controls.csv")" ]
	run sh -c "sdc-match -q --cases '$d/cases.csv' -e sex '$d/controls.csv' > /dev/full"
	[ "$status" -eq 2 ]
	[[ "$output" == *"sdc-match:"* ]]
}
