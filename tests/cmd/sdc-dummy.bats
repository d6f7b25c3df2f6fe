#!/usr/bin/env bats
# sdc-dummy: options, golden datasets and tables for fixed seeds, the
# dataset equals sdc-extract over the tables, the population is reached
# for definitions from simple to hard, shapes and constraints of the
# tables, expectations (each kind of hint honoured with the population
# reached, every contradiction refused), --check, bad input, output
# errors.

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

# --- expectations (cohort-extractor's hints) ----------------------------

# near NAME WANT TOL: the statistic NAME in $w/stats is WANT within TOL
near() {
	awk -v k="$1" -v want="$2" -v tol="$3" '
	    { v = $NF; $NF = ""; sub(/ $/, "") }
	    $0 == k { found = 1; d = v - want; if (d < 0) d = -d
	        if (d > tol) { print k ": " v ", want " want " +- " tol; bad = 1 } }
	    END { if (!found) print k ": missing"; exit bad || !found }' "$w/stats"
}

@test "expectations: every kind of hint is honoured, 2000 patients, seed 1" {
	sdc-dummy --tables-out "$w/t" -o "$w/ds.csv" "$defs/expect-all.py"
	# the population size is reached exactly, and it is sdc-extract's
	[ "$(wc -l <"$w/ds.csv")" -eq 2001 ]
	sdc-extract --tables "$w/t" "$defs/expect-all.py" | cmp - "$w/ds.csv"
	awk -f "$d/expect-stats.awk" "$w/ds.csv" >"$w/stats"
	cat "$w/stats"
	# int normal(50, 10), truncated as cohort-extractor does
	near "age mean" 49.5 1
	near "age sd" 10 1
	# category ratios
	near "sex female" 0.3 0.04
	near "sex male" 0.6 0.04
	near "sex intersex" 0.05 0.02
	near "sex unknown" 0.05 0.02
	# incidence, and dates within [earliest, latest]
	near "died inc" 0.2 0.04
	near "died out-of-range" 0 0
	near "asthma inc" 0.3 0.04
	near "asthma out" 0 0
	# exponential_increase: most dates near the latest
	near "asthma late-share" 0.75 0.12
	near "code 300005" 0.8 0.05
	near "code 30011003" 0.2 0.05
	# float normal(42, 6)
	near "hba1c inc" 0.6 0.04
	near "hba1c mean" 42 1
	near "hba1c sd" 6 1
	# a date window in the frame does not dilute the incidence (#94)
	near "icu inc" 0.4 0.04
	# poisson(3); a stay in the window made by chance may be picked
	near "icu mean" 3 0.4
}

@test "expectations: the same seed gives the same bytes, another seed other data" {
	sdc-dummy --seed 4 --population-size 500 -o "$w/a.csv" "$defs/expect-all.py"
	sdc-dummy --seed 4 --population-size 500 -o "$w/b.csv" "$defs/expect-all.py"
	cmp "$w/a.csv" "$w/b.csv"
	sdc-dummy --seed 5 --population-size 500 -o "$w/c.csv" "$defs/expect-all.py"
	! cmp -s "$w/a.csv" "$w/c.csv"
	# a smaller population is still the start of a larger one
	sdc-dummy --seed 4 --population-size 100 -o "$w/s.csv" "$defs/expect-all.py"
	head -n 101 "$w/a.csv" | cmp - "$w/s.csv"
}

@test "expectations: hints on what the population needs keep the population (#359)" {
	sdc-dummy --tables-out "$w/t" -o "$w/ds.csv" "$defs/expect-pop.py"
	[ "$(wc -l <"$w/ds.csv")" -eq 1001 ]
	sdc-extract --tables "$w/t" "$defs/expect-pop.py" | cmp - "$w/ds.csv"
	# ages in the band, dates where the window and the hint meet
	awk -F, 'NR > 1 && ($2 < 40 || $2 > 64 || $4 < "2021-01-01" || $4 > "2022-12-31") { print; bad = 1 } END { exit bad }' "$w/ds.csv"
	awk -F, 'NR > 1 { n++; f += $3 == "female"; c += $5 == "300005" }
	    END { printf "female %.3f 300005 %.3f\n", f / n, c / n
	          exit !(f / n > 0.76 && f / n < 0.84 && c / n > 0.45 && c / n < 0.55) }' "$w/ds.csv"
}

@test "expectations: population_ages gives ages shaped like the UK's" {
	sdc-dummy -o "$w/ds.csv" "$defs/expect-ages.py"
	[ "$(wc -l <"$w/ds.csv")" -eq 2001 ]
	awk -F, 'NR > 1 { n++; s += $2; if ($2 < 0 || $2 > 109) bad++; old += $2 >= 80; kid += $2 < 18 }
	    END { printf "mean %.1f 80+ %.3f <18 %.3f\n", s / n, old / n, kid / n
	          exit !(bad == 0 && s / n > 37 && s / n < 43 && old / n > 0.02 && old / n < 0.07 && kid / n > 0.18 && kid / n < 0.26) }' "$w/ds.csv"
}

# expect_def POPULATION HINTS: $w/c.py, a definition with that
# population (ANDed with patients.exists_for_patient()) and those hints
# (line 15)
expect_def() {
	cat >"$w/c.py" <<EOF
from ehrql import create_dataset
from ehrql.tables.tpp import patients, clinical_events

index_date = "2023-04-01"
first = clinical_events.where(clinical_events.snomedct_code.is_in(["300005"])).sort_by(clinical_events.date).first_for_patient()
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient() & $1)
dataset.age = patients.age_on(index_date)
dataset.sex = patients.sex
dataset.died = patients.date_of_death
dataset.first_date = first.date
dataset.has = clinical_events.exists_for_patient()
dataset.older = patients.age_on(index_date) + 1
dataset.configure_dummy_data(expectations={
    $2
})
EOF
}

@test "expectations: a hint that contradicts the definition is refused with line:column" {
	alive='patients.date_of_death.is_null()'
	expect_def "$alive" '"sex": {"category": {"ratios": {"female": 0.5, "other": 0.5}}},'
	fails 2 "c\.py:15:52: expectations for 'sex': 'other' is not a category of patients\.sex" sdc-dummy -o "$w/o.csv" "$w/c.py"
	[ ! -e "$w/o.csv" ]
	expect_def '(patients.sex == "male")' '"sex": {"category": {"ratios": {"female": 0.5, "male": 0.5}}},'
	fails 2 "c\.py:15:5: expectations for 'sex': category 'female' has ratio 0\.5, but the population \(line 7:73\) excludes it" sdc-dummy "$w/c.py"
	expect_def '(first.date < "2020-01-01")' '"first_date": {"date": {"earliest": "2021-01-01", "latest": "2022-01-01"}},'
	fails 2 "c\.py:15:5: expectations for 'first_date': date: earliest 2021-01-01 is after 2019-12-31, the latest date the population \(line 7:71\) allows" sdc-dummy "$w/c.py"
	expect_def "$alive" '"sex": {"incidence": 0.5},'
	fails 2 "c\.py:15:5: expectations for 'sex': incidence 0\.5, but the variable is never NULL" sdc-dummy "$w/c.py"
	expect_def "$alive" '"has": {"incidence": 0.5},'
	fails 2 "c\.py:15:5: expectations for 'has': the variable is a count or exists_for_patient\(\), never NULL" sdc-dummy "$w/c.py"
	expect_def "$alive" '"died": {"incidence": 1.0},'
	fails 2 "c\.py:15:5: expectations for 'died': incidence 1, but the population \(line 7:[0-9]+\) forces it NULL" sdc-dummy "$w/c.py"
	expect_def 'first.exists_for_patient()' '"first_date": {"incidence": 0.5},'
	fails 2 "c\.py:15:5: expectations for 'first_date': incidence 0\.5, but the population \(line 7:64\) requires a row of its frame" sdc-dummy "$w/c.py"
	expect_def '~first.exists_for_patient()' '"first_date": {"incidence": 0.1},'
	fails 2 "c\.py:15:5: expectations for 'first_date': incidence 0\.1, but the population \(line 7:[0-9]+\) forbids rows of its frame" sdc-dummy "$w/c.py"
	expect_def "$alive" '"age": {"float": {"distribution": "normal", "mean": 3, "stddev": 1}},'
	fails 2 "c\.py:15:13: expectations for 'age': a 'float' hint, but the variable is an age" sdc-dummy "$w/c.py"
	expect_def "$alive" '"first_date": {"rate": "universal", "incidence": 0.3},'
	fails 2 "c\.py:15:28: expectations for 'first_date': rate universal .* contradicts incidence 0\.3" sdc-dummy "$w/c.py"
}

@test "expectations: bad hints and unmappable variables are refused with line:column" {
	alive='patients.date_of_death.is_null()'
	expect_def "$alive" '"older": {"int": {"distribution": "normal", "mean": 3, "stddev": 1}},'
	fails 2 "c\.py:15:5: expectations for 'older': sdc-dummy cannot map the variable to a source column" sdc-dummy "$w/c.py"
	expect_def "$alive" '"died": {"date": {"earliest": index_date, "latest": "today"}},'
	fails 2 "c\.py:15:35: expectations for 'died': earliest must be a literal string, not a name" sdc-dummy "$w/c.py"
	expect_def "$alive" '"sex": {"category": {"ratios": {"female": 0.5, "male": 0.4}}},'
	fails 2 "c\.py:15:36: expectations for 'sex': ratios sum to 0\.9, not 1" sdc-dummy "$w/c.py"
	expect_def "$alive" '"nope": {"incidence": 0.5},'
	fails 2 "c\.py:15:5: expectations: 'nope' is not a variable of the dataset" sdc-dummy "$w/c.py"
	expect_def "$alive" '"first_date": {"incidence": 0.5, "colour": "red"},'
	fails 2 "c\.py:15:38: expectations for 'first_date': unknown key 'colour'" sdc-dummy "$w/c.py"
	expect_def "$alive" '"first_date": {"incidence": 1.5},'
	fails 2 "c\.py:15:33: expectations for 'first_date': incidence 1\.5 is not between 0 and 1" sdc-dummy "$w/c.py"
	expect_def "$alive" '"first_date": {"rate": "uniform"},'
	fails 2 "c\.py:15:28: expectations for 'first_date': 'rate' orders dates: it needs a 'date' range" sdc-dummy "$w/c.py"
	expect_def "$alive" '"first_date": {"date": {"earliest": "2021-13-01", "latest": "2022-01-01"}},'
	fails 2 "c\.py:15:41: expectations for 'first_date': earliest '2021-13-01' is not a date" sdc-dummy "$w/c.py"
	expect_def "$alive" '"sex": {"int": {"distribution": "poisson", "mean": 3}},'
	fails 2 "c\.py:15:13: expectations for 'sex': an 'int' hint, but the variable is categorical" sdc-dummy "$w/c.py"
	expect_def "$alive" '"age": {"int": {"distribution": "poisson"}},'
	fails 2 "c\.py:15:20: expectations for 'age': a poisson distribution needs a mean" sdc-dummy "$w/c.py"
	expect_def "$alive" '"age": {"int": {"distribution": "normal", "mean": 3}},'
	fails 2 "c\.py:15:20: expectations for 'age': a normal distribution needs mean and stddev" sdc-dummy "$w/c.py"
	expect_def "$alive" '"died": 1,'
	fails 2 "c\.py:15:13: expectations for 'died': the hints must be a dict" sdc-dummy "$w/c.py"
	expect_def "$alive" '"age": {"int": {"distribution": "normal", "mean": 50, "stddev": 9}}, "age": {"incidence": 1},'
	fails 2 "c\.py:15:[0-9]+: expectations for 'age': 'age' already sets hints on patients\.date_of_birth" sdc-dummy "$w/c.py"
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
