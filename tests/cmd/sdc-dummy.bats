#!/usr/bin/env bats
# sdc-dummy: options, golden datasets and tables for fixed seeds, the
# dataset equals sdc-extract over the tables, the population is reached
# for definitions from simple to hard, shapes and constraints of the
# tables, --check, bad input, output errors.

bats_require_minimum_version 1.5.0

load helpers

d=$BATS_TEST_DIRNAME/../data/sdc-dummy
defs=$d/defs
study=$BATS_TEST_DIRNAME/../../examples/study

setup() {
	w=$BATS_TEST_TMPDIR/w
	mkdir -p "$w"
}

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-dummy --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: sdc-dummy [--population-size n] [--seed s] [--anchor-date date]" ]
	[ -z "$stderr" ]
	[[ "$output" == *"default 2025-01-01"* ]]
}

@test "-V prints the version" {
	run sdc-dummy -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-dummy\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[[ "$output" == *"ok sdc-dummy.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	usage_fails 'unrecognized option' sdc-dummy --bogus "$defs/1-alive.py"
	usage_fails 'no definition given' sdc-dummy
	usage_fails 'one definition at a time' sdc-dummy "$defs/1-alive.py" "$defs/1-alive.py"
	usage_fails 'population-size' sdc-dummy --population-size 0 "$defs/1-alive.py"
	usage_fails 'population-size' sdc-dummy --population-size 10x "$defs/1-alive.py"
	usage_fails 'seed' sdc-dummy --seed 4294967296 "$defs/1-alive.py"
	usage_fails "anchor-date '2025-02-30'" sdc-dummy --anchor-date 2025-02-30 "$defs/1-alive.py"
	usage_fails 'check takes no generating options' sdc-dummy --check x.csv --seed 2 "$defs/1-alive.py"
	usage_fails "parameter 'x'" sdc-dummy "$defs/1-alive.py" -- x 1
}

@test "a missing or bad definition is refused with its file and line" {
	fails 2 'nope\.py' sdc-dummy "$w/nope.py"
	printf 'from ehrql import create_dataset\nfrom os import path\n' >"$w/bad.py"
	fails 2 'bad\.py:2:' sdc-dummy "$w/bad.py"
	: >"$w/empty.py"
	fails 2 'empty\.py' sdc-dummy "$w/empty.py"
}

# --- golden outputs for fixed seeds --------------------------------------

@test "golden: the worked example study, 20 patients, seed 1" {
	cd "$study"
	golden study sdc-dummy --population-size 20 definition.py
}

@test "golden: the hardest test definition, its own population size (50)" {
	golden hard sdc-dummy --seed 5 "$defs/8-hard.py"
}

@test "golden: the tables of a registration definition, seed 3" {
	run sdc-dummy --seed 3 --population-size 6 --tables-out "$w/t" "$defs/2-registered.py"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	golden registered-tables sh -c 'cd "$1" && for f in *.csv; do echo "== $f"; cat "$f"; done' sh "$w/t"
}

@test "the same seed gives the same bytes; another seed other data" {
	sdc-dummy --seed 9 --population-size 300 --tables-out "$w/a" -o "$w/a.csv" "$defs/7-spanning.py"
	sdc-dummy --seed 9 --population-size 300 --tables-out "$w/b" -o "$w/b.csv" "$defs/7-spanning.py"
	diff -r "$w/a" "$w/b"
	cmp "$w/a.csv" "$w/b.csv"
	sdc-dummy --seed 10 --population-size 300 -o "$w/c.csv" "$defs/7-spanning.py"
	! cmp -s "$w/a.csv" "$w/c.csv"
}

@test "the default anchor date is 2025-01-01, whatever today is" {
	sdc-dummy --population-size 50 -o "$w/a.csv" "$defs/6-age-band.py"
	sdc-dummy --population-size 50 --anchor-date 2025-01-01 -o "$w/b.csv" "$defs/6-age-band.py"
	cmp "$w/a.csv" "$w/b.csv"
	sdc-dummy --population-size 50 --anchor-date 2024-01-01 -o "$w/c.csv" "$defs/6-age-band.py"
	! cmp -s "$w/a.csv" "$w/c.csv"
}

@test "a smaller population is the start of a larger one (ehrql#2570)" {
	sdc-dummy --population-size 1000 -o "$w/big.csv" "$defs/8-hard.py"
	sdc-dummy --population-size 100 -o "$w/small.csv" "$defs/8-hard.py"
	[ "$(wc -l <"$w/big.csv")" -eq 1001 ]
	head -n 101 "$w/big.csv" | cmp - "$w/small.csv"
}

# --- the population is reached, and the dataset is sdc-extract's --------

@test "every test definition reaches 2000 patients, and -o equals sdc-extract over --tables-out" {
	for def in "$defs"/[0-9]-*.py "$study/definition.py"; do
		rm -rf "$w/t"
		sdc-dummy --population-size 2000 --seed 11 --tables-out "$w/t" -o "$w/ds.csv" "$def"
		[ "$(wc -l <"$w/ds.csv")" -eq 2001 ] || { echo "$def: $(wc -l <"$w/ds.csv")"; false; }
		sdc-extract --tables "$w/t" "$def" | cmp - "$w/ds.csv" || { echo "$def differs"; false; }
	done
}

@test "population size: the option, else configure_dummy_data, else 10" {
	run sdc-dummy "$defs/8-hard.py"
	[ "${#lines[@]}" -eq 51 ]
	run sdc-dummy --population-size 7 "$defs/8-hard.py"
	[ "${#lines[@]}" -eq 8 ]
	run sdc-dummy "$defs/1-alive.py"
	[ "${#lines[@]}" -eq 11 ]
}

@test "an impossible population is refused after the limit, with its line" {
	fails 2 'impossible\.py:9:[0-9]+: population of 10 not reached: 0 of [0-9]+ generated' \
	    sdc-dummy -o "$w/out.csv" --tables-out "$w/t" "$defs/impossible.py"
	[ ! -e "$w/out.csv" ]
	[ -z "$(ls -A "$w/t")" ]
}

# --- shapes and constraints ----------------------------------------------

@test "tables: births on the 1st, events between birth and death or the anchor, sorted ids" {
	cd "$study"
	sdc-dummy --population-size 3000 --tables-out "$w/t" definition.py
	cd "$w/t"
	# dates of birth on the first of a month, not after the anchor
	awk -F, 'NR > 1 && (substr($2, 9) != "01" || $2 > "2025-01-01") { print; bad = 1 } END { exit bad }' patients.csv
	# sex within its categories; about 1.5% dead (a few dozen of 3000)
	awk -F, 'NR > 1 && $3 !~ /^(female|male|intersex|unknown)$/ { bad = 1 } END { exit bad }' patients.csv
	dead=$(awk -F, 'NR > 1 && $4 != ""' patients.csv | wc -l)
	[ "$dead" -lt 150 ]
	# every event dated between birth and min(death, anchor)
	for t in clinical_events medications practice_registrations; do
		awk -F, -v t="$t" 'FNR == 1 { next }
		    FILENAME ~ /patients/ { dob[$1] = $2; end[$1] = $4 != "" ? $4 : "2025-01-01"; next }
		    $2 != "" && ($2 < dob[$1] || $2 > end[$1]) { print t ": " $0; bad = 1 }
		    END { exit bad }' patients.csv "$t.csv"
	done
	# registrations: some patients change practice, ends after starts
	awk -F, 'NR > 1 { n[$1]++ } END { for (p in n) if (n[p] > 1) m++; exit !(m > 100) }' practice_registrations.csv
	awk -F, 'NR > 1 && $3 != "" && $3 < $2 { bad = 1 } END { exit bad }' practice_registrations.csv
	# every table sorted by patient_id
	for f in *.csv; do
		tail -n +2 "$f" | cut -d, -f1 | sort -n -c
	done
	# only the used columns
	[ "$(head -n 1 medications.csv)" = "patient_id,date,dmd_code" ]
}

@test "events per patient vary (geometric), and some values are empty" {
	sdc-dummy --population-size 2000 --tables-out "$w/t" "$defs/1-alive.py" -o /dev/null
	cd "$BATS_TEST_DIRNAME/../.."
	sdc-dummy --population-size 2000 --tables-out "$w/s" examples/study/definition.py
	awk -F, 'NR > 1 { n[$1]++ } END { for (p in n) { if (n[p] == 1) one++; if (n[p] > 30) many++ } exit !(one > 20 && many > 20) }' "$w/s/clinical_events.csv"
	awk -F, 'NR > 1 && $4 == "" { e++ } END { exit !(e > 100) }' "$w/s/clinical_events.csv"
}

# --- --check -------------------------------------------------------------

@test "--check accepts a generated dataset and a header-only one" {
	sdc-dummy --population-size 500 -o "$w/ds.csv" "$defs/8-hard.py"
	run --separate-stderr sdc-dummy --check "$w/ds.csv" "$defs/8-hard.py"
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	head -n 1 "$w/ds.csv" >"$w/h.csv"
	sdc-dummy --check "$w/h.csv" "$defs/8-hard.py"
	sdc-dummy --check - "$defs/8-hard.py" <"$w/h.csv"
}

@test "--check finds every kind of error, on any row, with file:line:column" {
	def=$defs/8-hard.py
	h='patient_id,age,hba1c,hba1c_date,region'
	printf '%s\n1,50,49.5,2020-01-01,London\n' "$h" >"$w/ok.csv"
	sdc-dummy --check "$w/ok.csv" "$def"
	printf 'patient_id,age,hba1c,region\n' >"$w/x.csv"
	fails 2 "x\.csv:1:[0-9]+: column 4 is 'region', expected 'hba1c_date'" sdc-dummy --check "$w/x.csv" "$def"
	printf '%s,extra\n' "$h" >"$w/x.csv"
	fails 2 "x\.csv:1:[0-9]+: unexpected column 'extra'" sdc-dummy --check "$w/x.csv" "$def"
	printf 'patient_id,age\n' >"$w/x.csv"
	fails 2 "missing column 'hba1c'" sdc-dummy --check "$w/x.csv" "$def"
	{ printf '%s\n' "$h"; for i in $(seq 1 5000); do echo "$i,50,49.5,2020-01-01,London"; done
	  echo "5001,50,49.5,2020-02-30,London"; } >"$w/x.csv"
	fails 2 'x\.csv:5002:[0-9]+: hba1c_date: .2020-02-30.' sdc-dummy --check "$w/x.csv" "$def"
	printf '%s\n1,fifty,49.5,2020-01-01,London\n' "$h" >"$w/x.csv"
	fails 2 "x\.csv:2:3: age: 'fifty' is not an integer" sdc-dummy --check "$w/x.csv" "$def"
	printf '%s\n1,50,high,2020-01-01,London\n' "$h" >"$w/x.csv"
	fails 2 "x\.csv:2:6: hba1c: 'high' is not a number" sdc-dummy --check "$w/x.csv" "$def"
	printf '%s\n1,50,49.5,2020-01-01,Narnia\n' "$h" >"$w/x.csv"
	fails 2 "x\.csv:2:[0-9]+: region: 'Narnia' is not one of the values" sdc-dummy --check "$w/x.csv" "$def"
	printf '%s\n1,50,49.5,2020-01-01,London\n1,51,,,\n' "$h" >"$w/x.csv"
	fails 2 "x\.csv:3:1: patient_id 1 repeats the row on line 2" sdc-dummy --check "$w/x.csv" "$def"
	printf '%s\nx,50,49.5,2020-01-01,London\n' "$h" >"$w/x.csv"
	fails 2 "x\.csv:2:1: patient_id: 'x' is not an integer" sdc-dummy --check "$w/x.csv" "$def"
	# booleans are T/F; exists_for_patient() is never empty
	printf 'patient_id,n_asthma\n1,\n' >"$w/x.csv"
	fails 2 "x\.csv:2:3: n_asthma: empty, but the variable is never NULL" sdc-dummy --check "$w/x.csv" "$defs/4-anded.py"
	cd "$study"
	sdc-dummy --population-size 3 definition.py | awk -F, -v OFS=, 'NR == 2 { $10 = "True" } 1' >"$w/x.csv"
	fails 2 "x\.csv:2:[0-9]+: ics_last_180_days: 'True' is not a boolean \(T or F\)" sdc-dummy --check "$w/x.csv" definition.py
	sdc-dummy --population-size 3 definition.py | awk -F, -v OFS=, 'NR == 3 { $3 = "18-40" } 1' >"$w/x.csv"
	fails 2 "x\.csv:3:[0-9]+: age_band: '18-40' is not one of" sdc-dummy --check "$w/x.csv" definition.py
}

@test "--check: empty input and malformed CSV are refused" {
	: >"$w/e.csv"
	fails 2 'e\.csv' sdc-dummy --check "$w/e.csv" "$defs/1-alive.py"
	printf 'patient_id,sex,date_of_birth\n1,"fem"ale,2000-01-01\n' >"$w/m.csv"
	fails 2 'm\.csv:2:' sdc-dummy --check "$w/m.csv" "$defs/1-alive.py"
	fails 2 'nope\.csv' sdc-dummy --check "$w/nope.csv" "$defs/1-alive.py"
}

# --- output errors -------------------------------------------------------

@test "a write error is exit 2 and leaves no file behind" {
	fails 2 'write error|No space' sh -c 'sdc-dummy "$1" >/dev/full' sh "$defs/1-alive.py"
	fails 2 '' sdc-dummy --tables-out /dev/null/x "$defs/1-alive.py"
	run sdc-dummy --tmpdir "$w/no/such" -o "$w/out.csv" "$defs/1-alive.py"
	[ "$status" -eq 2 ]
	[ ! -e "$w/out.csv" ]
}

@test "-o FILE.gz writes gzip" {
	sdc-dummy --population-size 30 -o "$w/ds.csv.gz" "$defs/6-age-band.py"
	sdc-dummy --population-size 30 "$defs/6-age-band.py" | cmp - <(gzip -dc "$w/ds.csv.gz")
}

# --- measures definitions ------------------------------------------------

@test "--measures: the definition's population size, -o equals sdc-extract --measures over the tables" {
	cd "$defs"
	sdc-dummy --measures --tables-out "$w/t" -o "$w/m.csv" measures.py
	# configure_dummy_data(population_size=40)
	[ "$(tail -n +2 "$w/t/patients.csv" | wc -l)" -eq 40 ]
	[ "$(cut -d, -f1 "$w/t/clinical_events.csv" | tail -n +2 | sort -u | wc -l)" -le 40 ]
	sdc-extract --measures measures.py --tables "$w/t" | cmp - "$w/m.csv"
	# -o alone gives the same measures (its tables in a temporary dir)
	sdc-dummy --measures --tmpdir "$w" measures.py | cmp - "$w/m.csv"
	[ -z "$(ls "$w" | grep sdc-dummy)" ]
	head -1 "$w/m.csv" | grep -qx 'measure,interval_start,interval_end,ratio,numerator,denominator,sex'
}

@test "--measures: a larger population, counts that survive disclosure control, byte-identical to sdc-extract" {
	cd "$defs"
	sdc-dummy --measures --population-size 2000 --seed 7 --tables-out "$w/t" -o "$w/m.csv" measures.py
	[ "$(tail -n +2 "$w/t/patients.csv" | wc -l)" -eq 2000 ]
	sdc-extract --measures measures.py --tables "$w/t" | cmp - "$w/m.csv"
	# both measures have rows with denominators over the threshold
	awk -F, '$1 == "asthma_in_diabetes" && $6 > 7 { a = 1 }
	    $1 == "asthma_events" && $6 > 7 { b = 1 } END { exit !(a && b) }' "$w/m.csv"
}

@test "--measures: deterministic for a seed, another seed differs" {
	cd "$defs"
	sdc-dummy --measures --seed 3 --tables-out "$w/a" -o "$w/a.csv" measures.py
	sdc-dummy --measures --seed 3 --tables-out "$w/b" -o "$w/b.csv" measures.py
	sdc-dummy --measures --seed 4 --tables-out "$w/c" measures.py
	cmp "$w/a.csv" "$w/b.csv"
	diff -r "$w/a" "$w/b"
	! cmp -s "$w/a/clinical_events.csv" "$w/c/clinical_events.csv"
	# a smaller population is a prefix
	sdc-dummy --measures --seed 3 --population-size 10 --tables-out "$w/d" measures.py
	head -11 "$w/a/patients.csv" | cmp - "$w/d/patients.csv"
}

@test "--measures: every kept patient counts in some measure's denominator" {
	cd "$defs"
	sdc-dummy --measures --seed 5 --tables-out "$w/t" measures.py
	{ cat measures.py; echo 'measures.configure_disclosure_control(enabled=False)'; } >"$w/nodc.py"
	cp -r codelists "$w/"
	n=0
	for p in $(tail -n +2 "$w/t/patients.csv" | cut -d, -f1); do
		mkdir -p "$w/one"
		for f in patients clinical_events; do
			awk -F, -v p="$p" 'NR == 1 || $1 == p' "$w/t/$f.csv" >"$w/one/$f.csv"
		done
		sdc-extract --measures "$w/nodc.py" --tables "$w/one" >"$w/one.csv"
		awk -F, 'NR > 1 && $6 > 0 { ok = 1 } END { exit !ok }' "$w/one.csv"
		n=$((n + 1))
	done
	[ "$n" -eq 40 ]
	# and the rule is not vacuous: a patient with no events is counted by
	# no measure
	printf 'patient_id,sex,date_of_death\n1,female,\n' >"$w/one/patients.csv"
	printf 'patient_id,date,snomedct_code\n' >"$w/one/clinical_events.csv"
	sdc-extract --measures "$w/nodc.py" --tables "$w/one" >"$w/one.csv"
	[ "$(wc -l <"$w/one.csv")" -eq 1 ]
}

@test "--measures: usage and definition errors" {
	cd "$defs"
	usage_fails '--check takes no generating options' sdc-dummy --measures --check x.csv measures.py
	# a dataset definition is not a measures definition
	fails 2 'measures' sdc-dummy --measures 1-alive.py
	fails 2 'write error|No space' sh -c 'sdc-dummy --measures "$1" >/dev/full' sh measures.py
	run sdc-dummy --measures --tmpdir "$w/no/such" -o "$w/out.csv" measures.py
	[ "$status" -eq 2 ]
	[ ! -e "$w/out.csv" ]
}
