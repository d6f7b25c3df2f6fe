#!/usr/bin/env bats
# sdc-extract: options, a golden study, the worked example, bad
# definitions, bad tables, sorting, parameters, output errors.

bats_require_minimum_version 1.5.0

load helpers

d=$BATS_TEST_DIRNAME/../data/sdc-extract

# Copy the fixture study to $w so tests may break its tables.
setup() {
	w=$BATS_TEST_TMPDIR/study
	mkdir -p "$w"
	cp -R "$d/tables" "$d/codelists" "$d/def.py" "$w/"
}

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-extract --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: sdc-extract --tables dir [--sort] [--tmpdir dir]" ]
	[ -z "$stderr" ]
	[[ "$output" == *"--dummy-tables"* ]]
}

@test "-V prints the version" {
	run sdc-extract -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-extract\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[[ "$output" == *"ok sdc-extract.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	usage_fails 'unrecognized option' sdc-extract --bogus --tables "$w/tables" "$w/def.py"
	usage_fails 'no definition given' sdc-extract --tables "$w/tables"
	usage_fails 'one definition at a time' sdc-extract --tables "$w/tables" "$w/def.py" "$w/def.py"
	usage_fails 'tables DIR is required' sdc-extract "$w/def.py"
	usage_fails "parameter 'x': expected --NAME VALUE" \
	    sdc-extract --tables "$w/tables" "$w/def.py" -- x 1
	usage_fails "parameter '--x' has no value" \
	    sdc-extract --tables "$w/tables" "$w/def.py" -- --x
}

# --- golden paths --------------------------------------------------------

@test "a study: population, ages, first/last with ties, counts, exists" {
	golden basic sdc-extract --tables "$w/tables" "$w/def.py"
}

@test "options after the definition, and --dummy-tables, work alike" {
	cd "$w"
	golden basic sdc-extract def.py --dummy-tables tables --no-progress
}

@test "-o writes the file; .gz output is gzip; .gz tables are read" {
	sdc-extract --tables "$w/tables" -o "$w/out.csv" "$w/def.py"
	diff -u "$d/basic.out" "$w/out.csv"
	sdc-extract --tables "$w/tables" -o "$w/out.csv.gz" "$w/def.py"
	gzip -dc "$w/out.csv.gz" | diff -u "$d/basic.out" -
	gzip "$w/tables/clinical_events.csv"
	golden basic sdc-extract --tables "$w/tables" "$w/def.py"
}

@test "the worked example in examples/ gives its expected output" {
	[ -d "$top/examples/study" ] || skip "no worked example"
	cd "$top/examples/study"
	sdc-extract --tables tables definition.py >"$BATS_TEST_TMPDIR/out"
	diff -u expected.csv "$BATS_TEST_TMPDIR/out"
}

@test "get_parameter takes values after --" {
	cat >"$w/param.py" <<'EOF'
from ehrql import create_dataset, get_parameter
from ehrql.tables.core import patients
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.born_after = patients.date_of_birth.is_after(get_parameter("cutoff"))
EOF
	run --separate-stderr sdc-extract --tables "$w/tables" "$w/param.py" -- --cutoff 1975-01-01
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'patient_id,born_after\n1,T\n2,T\n3,F\n4,T\n5,F')" ]
	run --separate-stderr sdc-extract --tables "$w/tables" "$w/param.py" -- --cutoff=2000-01-01
	[ "${lines[1]}" = "1,F" ]
	[ "${lines[2]}" = "2,T" ]
}

# --- empty and header-only input ----------------------------------------

@test "header-only tables give a header-only dataset" {
	for t in "$w"/tables/*.csv; do head -n 1 "$t" >"$t.new"; mv "$t.new" "$t"; done
	run --separate-stderr sdc-extract --tables "$w/tables" "$w/def.py"
	[ "$status" -eq 0 ]
	[ "$output" = "patient_id,age,sex,dm_first,dm_last_code,dm_last_value,dm_count,asthma,metformin" ]
}

@test "an empty table file (no header) is refused" {
	: >"$w/tables/medications.csv"
	fails 2 'medications\.csv.*' sdc-extract --tables "$w/tables" "$w/def.py"
}

@test "an empty definition defines no dataset and is refused" {
	: >"$w/empty.py"
	fails 2 'empty\.py' sdc-extract --tables "$w/tables" "$w/empty.py"
}

# --- bad definitions -----------------------------------------------------

@test "definition errors name the file, line and column" {
	printf 'from ehrql import create_dataset\nfrom os import path\n' >"$w/bad.py"
	fails 2 'bad\.py:2:[0-9]+: .*' sdc-extract --tables "$w/tables" "$w/bad.py"
	cat >"$w/bad.py" <<'EOF'
from ehrql import create_dataset
from ehrql.tables.core import patients, clinical_events
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.x = clinical_events.date
EOF
	fails 2 'bad\.py:5:[0-9]+: .*' sdc-extract --tables "$w/tables" "$w/bad.py"
	cat >"$w/bad.py" <<'EOF'
from ehrql import create_dataset
from ehrql.tables.core import patients
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.x = patients.date_of_birth + 1
EOF
	fails 2 'bad\.py:5:[0-9]+: .*' sdc-extract --tables "$w/tables" "$w/bad.py"
	cat >"$w/bad.py" <<'EOF'
from ehrql import create_dataset
from ehrql.tables.core import patients
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.x = patients.no_such_column
EOF
	fails 2 'bad\.py:5:[0-9]+: .*no_such_column' sdc-extract --tables "$w/tables" "$w/bad.py"
	printf 'dataset = (\n' >"$w/bad.py"
	fails 2 'bad\.py:[0-9]+:[0-9]+: ' sdc-extract --tables "$w/tables" "$w/bad.py"
	fails 2 'no-such\.py' sdc-extract --tables "$w/tables" "$w/no-such.py"
}

@test "a code that is not valid for its column is refused, naming the codelist" {
	printf 'code,term\nA01,not snomed\n' >"$w/codelists/asthma.csv"
	fails 2 'asthma\.csv:2:1: .*A01' sdc-extract --tables "$w/tables" "$w/def.py"
}

# --- bad tables ----------------------------------------------------------

@test "a bad value is refused with its file, line and column" {
	sed -i 's/2019-03-01,44054006/2019-02-30,44054006/' "$w/tables/clinical_events.csv"
	fails 2 'clinical_events\.csv:4:3: .*2019-02-30' sdc-extract --tables "$w/tables" "$w/def.py"
	cp "$d/tables/clinical_events.csv" "$w/tables/"
	sed -i 's/^5,1970-07-01,unknown/5,1970-07-01,other/' "$w/tables/patients.csv"
	fails 2 'patients\.csv:6:[0-9]+: .*other' sdc-extract --tables "$w/tables" "$w/def.py"
	cp "$d/tables/patients.csv" "$w/tables/"
	sed -i 's/^1,2000-01-01,,10/x,2000-01-01,,10/' "$w/tables/practice_registrations.csv"
	fails 2 'practice_registrations\.csv:2:1: ' sdc-extract --tables "$w/tables" "$w/def.py"
}

@test "a missing table or a table without patient_id is refused" {
	rm "$w/tables/medications.csv"
	fails 2 'medications' sdc-extract --tables "$w/tables" "$w/def.py"
	printf 'id,dmd_code\n' >"$w/tables/medications.csv"
	fails 2 'medications\.csv:1:.*patient_id' sdc-extract --tables "$w/tables" "$w/def.py"
}

@test "unsorted tables are refused, or sorted with --sort" {
	{ head -n 1 "$d/tables/clinical_events.csv"; tail -n +2 "$d/tables/clinical_events.csv" | sort -r; } \
	    >"$w/tables/clinical_events.csv"
	fails 2 'clinical_events\.csv:3:.*sort' sdc-extract --tables "$w/tables" "$w/def.py"
	golden basic sdc-extract --sort --tmpdir "$BATS_TEST_TMPDIR" --tables "$w/tables" "$w/def.py"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep -v '^study$\|^out$\|^err$')" ]
}

@test "a patient twice in a patient-level table is refused" {
	sed -i 2p "$w/tables/patients.csv"
	fails 2 'patients\.csv:3:.*' sdc-extract --tables "$w/tables" "$w/def.py"
}

# --- output errors -------------------------------------------------------

@test "a write error is exit 2, and -o leaves no file behind on error" {
	fails 2 'write error' sh -c 'sdc-extract --tables "$1/tables" "$1/def.py" >/dev/full' sh "$w"
	sed -i 's/2019-03-01,44054006/2019-02-30,44054006/' "$w/tables/clinical_events.csv"
	run sdc-extract --tables "$w/tables" -o "$w/out.csv" "$w/def.py"
	[ "$status" -eq 2 ]
	[ ! -e "$w/out.csv" ]
	[ -z "$(ls -A "$w" | grep -v '^tables$\|^codelists$\|^def\.py$')" ]
}

@test "a run-time error names the definition's line and column and the patient" {
	cat >"$w/rt.py" <<'PY'
from ehrql import create_dataset, years
from ehrql.tables.core import patients
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.x = patients.date_of_birth + years(9000)
PY
	fails 2 'rt\.py:5:36: date out of range .*patient_id 1' \
	    sdc-extract --tables "$w/tables" -o "$w/out.csv" "$w/rt.py"
	[ ! -e "$w/out.csv" ]
}

@test "--progress reports patients on stderr; the default off a terminal is quiet" {
	run --separate-stderr sdc-extract --progress --tables "$w/tables" "$w/def.py"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"sdc-extract: 6 patients, "*"/s"* ]]
	[ "$output" = "$(cat "$d/basic.out")" ]
	run --separate-stderr sdc-extract --tables "$w/tables" "$w/def.py"
	[ -z "$stderr" ]
}
