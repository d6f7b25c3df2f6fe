#!/usr/bin/env bats
# sdc-extract --measures: ehrQL's measures framework.  Goldens worked out
# by hand (tests/data/measures/README), disclosure control (ehrQL's and
# sdc's), DIR/:csv, errors with line:column, one pass over the tables.

bats_require_minimum_version 1.5.0

load helpers

d=$BATS_TEST_DIRNAME/../data/measures

setup() {
	w=$BATS_TEST_TMPDIR/study
	mkdir -p "$w"
	cp -R "$d/tables" "$d/study.py" "$d/nodc.py" "$w/"
}

# A measures definition $w/$1.py from the rest of the arguments (lines).
defn() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$w/$name.py"
}

@test "--help shows the measures form" {
	run --separate-stderr sdc-extract --help
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "       sdc-extract --measures definition --tables dir" ]
	[[ "$output" == *"--disclosure HOW"* ]]
}

@test "usage errors" {
	usage_fails "--disclosure: ehrql or sdc, not 'x'" \
	    sdc-extract --measures "$w/study.py" --tables "$w/tables" --disclosure x
	usage_fails "--disclosure is for --measures" \
	    sdc-extract --tables "$w/tables" --disclosure sdc "$w/study.py"
	usage_fails "-o DIR/:csv is for --measures" \
	    sdc-extract --tables "$w/tables" -o "$w/out/:csv" "$w/study.py"
	usage_fails "one definition at a time" \
	    sdc-extract --measures "$w/study.py" --tables "$w/tables" "$w/study.py"
	usage_fails "tables DIR is required" sdc-extract --measures "$w/study.py"
}

# --- golden paths --------------------------------------------------------

@test "no disclosure control: exact sums, ehrQL's rows and columns" {
	golden nodc sdc-extract --measures "$w/nodc.py" --tables "$w/tables"
}

@test "disclosure control is on by default: <= 7 to 0, nearest 5" {
	golden study sdc-extract --measures "$w/study.py" --tables "$w/tables"
}

@test "--disclosure ehrql is the default" {
	golden study sdc-extract --measures "$w/study.py" --tables "$w/tables" \
	    --disclosure ehrql
}

@test "-o FILE is the same table" {
	run sdc-extract --measures "$w/nodc.py" --tables "$w/tables" -o "$w/m.csv"
	[ "$status" -eq 0 ]
	diff -u "$d/nodc.out" "$w/m.csv"
}

@test "-o DIR/:csv writes one file per measure, with its own groups" {
	run sdc-extract --measures "$w/nodc.py" --tables "$w/tables" -o "$w/out/:csv"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	diff -u "$d/has_event.out" "$w/out/has_event.csv"
	[ "$(head -1 "$w/out/n_events.csv")" = \
	    "interval_start,interval_end,ratio,numerator,denominator,age_group" ]
	[ "$(cat "$w/out/per_patient.csv")" = "$(printf '%s\n' \
	    interval_start,interval_end,ratio,numerator,denominator \
	    2020-01-01,2020-01-31,0.75,12,16 2020-02-01,2020-02-29,0.75,9,12)" ]
	[ "$(ls "$w/out" | wc -l)" -eq 3 ]
}

@test "tables with a header only: a header only" {
	for t in patients clinical_events; do
		head -1 "$w/tables/$t.csv" >"$w/h" && mv "$w/h" "$w/tables/$t.csv"
	done
	run sdc-extract --measures "$w/study.py" --tables "$w/tables"
	[ "$status" -eq 0 ]
	[ "$output" = "measure,interval_start,interval_end,ratio,numerator,denominator,sex,age_group" ]
}

@test "every interval comes from one read of each table (a FIFO)" {
	rm "$w/tables/clinical_events.csv"
	mkfifo "$w/tables/clinical_events.csv"
	cat "$d/tables/clinical_events.csv" >"$w/tables/clinical_events.csv" &
	run timeout 20 sdc-extract --measures "$w/nodc.py" --tables "$w/tables"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$d/nodc.out")" ]
}

# --- sdc's stronger path --------------------------------------------------

@test "--disclosure sdc: a small group hides, and so does its complement" {
	# women 3, men 20: the total (23) would give the 3 away
	defn s 'from ehrql import INTERVAL, create_measures, days' \
	    'from ehrql.tables.core import patients as p' \
	    'measures = create_measures()' \
	    'measures.define_measure("m", numerator=p.exists_for_patient(),' \
	    '    denominator=p.exists_for_patient(), group_by={"sex": p.sex},' \
	    '    intervals=days(1).starting_on("2020-01-01"))'
	{
		echo patient_id,date_of_birth,sex,date_of_death
		for i in $(seq 1 23); do
			[ "$i" -le 3 ] && s=female || s=male
			echo "$i,1980-01-01,$s,"
		done
	} >"$w/tables/patients.csv"
	run sdc-extract --measures "$w/s.py" --tables "$w/tables" --disclosure sdc
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' \
	    measure,interval_start,interval_end,ratio,numerator,denominator,sex \
	    'm,2020-01-01,2020-01-01,[REDACTED],[REDACTED],[REDACTED],female' \
	    'm,2020-01-01,2020-01-01,[REDACTED],[REDACTED],[REDACTED],male')" ]
	# ehrQL's rule alone would publish 20 and let 23 - 20 be worked out
	run sdc-extract --measures "$w/s.py" --tables "$w/tables"
	[ "${lines[2]}" = "m,2020-01-01,2020-01-01,1.0,20,20,male" ]
}

@test "--disclosure sdc never publishes a count of 1..7" {
	# 600 patients, random sex and birth year, 0..3 events a month
	awk 'BEGIN {
		srand(7)
		print "patient_id,date_of_birth,sex,date_of_death" > "p.csv"
		print "patient_id,date,snomedct_code,numeric_value" > "e.csv"
		split("female male intersex unknown", sx, " ")
		for (i = 1; i <= 600; i++) {
			r = rand()
			s = r < 0.49 ? 1 : r < 0.98 ? 2 : r < 0.99 ? 3 : 4
			printf "%d,%d-06-01,%s,\n", i, 1930 + int(rand() * 90),
			    sx[s] > "p.csv"
			for (m = 1; m <= 6; m++)
				for (k = int(rand() * 4); k > 0; k--)
					printf "%d,2020-%02d-1%d,123456,\n", i, m,
					    k > "e.csv"
		}
	}' </dev/null
	mv p.csv "$w/tables/patients.csv"
	mv e.csv "$w/tables/clinical_events.csv"
	defn r 'from ehrql import INTERVAL, case, create_measures, months, when' \
	    'from ehrql.tables.core import clinical_events as e, patients as p' \
	    'ev = e.where(e.date.is_during(INTERVAL))' \
	    'age = p.age_on(INTERVAL.start_date)' \
	    'band = case(when(age < 30).then("0-29"), when(age < 60).then("30-59"),' \
	    '    otherwise="60+")' \
	    'measures = create_measures()' \
	    'measures.define_defaults(denominator=p.exists_for_patient(),' \
	    '    intervals=months(6).starting_on("2020-01-01"))' \
	    'measures.define_measure("any", numerator=ev.exists_for_patient(),' \
	    '    group_by={"sex": p.sex, "band": band})' \
	    'measures.define_measure("n", numerator=ev.count_for_patient(),' \
	    '    group_by={"sex": p.sex})'
	run --separate-stderr sdc-extract --measures "$w/r.py" --tables "$w/tables" \
	    --disclosure sdc
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 60 ]
	# some values are hidden, some shown; no shown one is 1..7
	echo "$output" | grep -q 'REDACTED'
	echo "$output" | awk -F, 'NR > 1 {
		for (c = 5; c <= 6; c++) {
			if ($c == "[REDACTED]") continue
			if ($c !~ /^[0-9]+$/ || ($c >= 1 && $c <= 7) || $c % 5)
				{ print "bad value " $c " in " $0; bad = 1 }
			shown++
		}
	} END { exit bad || !shown }'
	# the unprotected rule publishes small ones on the same data
	run sdc-extract --measures "$w/r.py" --tables "$w/tables"
	[ "$status" -eq 0 ]
}

# --- errors ----------------------------------------------------------------

@test "a numerator that is not one value per patient: line:column" {
	defn bad 'from ehrql import INTERVAL, create_measures, months' \
	    'from ehrql.tables.core import clinical_events as e' \
	    'ev = e.where(e.date.is_during(INTERVAL))' \
	    'measures = create_measures()' \
	    'measures.define_measure("m", numerator=ev.date,' \
	    '    denominator=ev.exists_for_patient(),' \
	    '    intervals=months(2).starting_on("2020-01-01"))'
	fails 2 "^sdc-extract: .*/bad.py:5:42: invalid numerator: Expecting a series with only one value per patient$" \
	    sdc-extract --measures "$w/bad.py" --tables "$w/tables"
}

@test "a numerator of the wrong type, a missing denominator" {
	defn bad 'from ehrql import create_measures, months' \
	    'from ehrql.tables.core import patients as p' \
	    'measures = create_measures()' \
	    'measures.define_measure("m", numerator=p.sex,' \
	    '    denominator=p.exists_for_patient(),' \
	    '    intervals=months(2).starting_on("2020-01-01"))'
	fails 2 "bad.py:4:41: invalid numerator: Expecting a boolean or integer series, got series of type 'str'$" \
	    sdc-extract --measures "$w/bad.py" --tables "$w/tables"
	defn bad 'from ehrql import create_measures, months' \
	    'from ehrql.tables.core import patients as p' \
	    'measures = create_measures()' \
	    'measures.define_measure("m", numerator=p.exists_for_patient(),' \
	    '    intervals=months(2).starting_on("2020-01-01"))'
	fails 2 "bad.py:4:9: No value supplied for 'denominator' and no default defined$" \
	    sdc-extract --measures "$w/bad.py" --tables "$w/tables"
}

@test "intervals given as a duration" {
	defn bad 'from ehrql import create_measures, months' \
	    'from ehrql.tables.core import patients as p' \
	    'measures = create_measures()' \
	    'x = p.exists_for_patient()' \
	    'measures.define_measure("m", numerator=x, denominator=x,' \
	    '    intervals=months(2))'
	fails 2 "bad.py:6:15: You must supply a date using .months\(...\).starting_on\('<DATE>'\)" \
	    sdc-extract --measures "$w/bad.py" --tables "$w/tables"
}

@test "INTERVAL in a dataset is an error at its line:column" {
	defn ds 'from ehrql import INTERVAL, create_dataset' \
	    'from ehrql.tables.core import patients' \
	    'dataset = create_dataset()' \
	    'dataset.define_population(patients.exists_for_patient())' \
	    'dataset.age = patients.age_on(INTERVAL.start_date)'
	fails 2 "ds.py:5:[0-9]+: INTERVAL can only be used in a measure" \
	    sdc-extract --tables "$w/tables" "$w/ds.py"
	defn ds 'from ehrql import INTERVAL, create_dataset' \
	    'from ehrql.tables.core import patients' \
	    'dataset = create_dataset()' \
	    'dataset.define_population(' \
	    '    patients.date_of_birth.is_before(INTERVAL.end_date))'
	fails 2 "ds.py:5:5: INTERVAL can only be used in a measure" \
	    sdc-extract --tables "$w/tables" "$w/ds.py"
}

@test "a dataset definition is not a measures definition, and back" {
	fails 2 "Did not find a variable called 'measures'" \
	    sdc-extract --measures "$BATS_TEST_DIRNAME/../data/sdc-extract/def.py" \
	    --tables "$w/tables"
	fails 2 "Did not find a variable called 'dataset'" \
	    sdc-extract --tables "$w/tables" "$w/study.py"
}

@test "a negative numerator cannot go through ehrQL's control" {
	defn neg 'from ehrql import create_measures, days' \
	    'from ehrql.tables.core import patients as p' \
	    'measures = create_measures()' \
	    'x = p.exists_for_patient()' \
	    'measures.define_measure("m", numerator=x.as_int() - 2,' \
	    '    denominator=x, intervals=days(1).starting_on("2020-01-01"))'
	fails 2 "neg.py:5:9: measure 'm': a negative numerator" \
	    sdc-extract --measures "$w/neg.py" --tables "$w/tables" -o "$w/o.csv"
	[ ! -e "$w/o.csv" ]
}

@test "a missing table, an empty table file" {
	rm "$w/tables/clinical_events.csv"
	fails 2 "clinical_events" \
	    sdc-extract --measures "$w/study.py" --tables "$w/tables"
	: >"$w/tables/clinical_events.csv"
	fails 2 "clinical_events" \
	    sdc-extract --measures "$w/study.py" --tables "$w/tables"
}

@test "a write error is exit 2" {
	run sh -c 'sdc-extract --measures "$1" --tables "$2" > /dev/full' sh \
	    "$w/study.py" "$w/tables"
	[ "$status" -eq 2 ]
	[[ "$output" == *"sdc-extract:"* ]]
}

@test "-o DIR/:csv in a directory that cannot be made: exit 2, no files" {
	run sdc-extract --measures "$w/study.py" --tables "$w/tables" \
	    -o "$w/nope/deeper/:csv"
	[ "$status" -eq 2 ]
	[ ! -e "$w/nope" ]
}
