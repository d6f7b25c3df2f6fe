#!/usr/bin/env bats
# Study fixtures in tests/data/studies: each folder holds a definition
# in the style of a real OpenSAFELY study (helper modules, codelists,
# loops, comprehensions, f-strings, ...), its tables and the expected
# output, checked by hand.  An optional file `args` holds parameters
# given after `--`.

bats_require_minimum_version 1.5.0

load helpers

studies=$BATS_TEST_DIRNAME/../data/studies

# run_study DIR: sdc-extract over DIR's tables; stdout to $out.
run_study() {
	local dir=$1 args=()
	if [ -f "$dir/args" ]; then
		read -r -a args <"$dir/args"
		args=(-- "${args[@]}")
	fi
	cd "$dir"
	sdc-extract --tables tables definition.py "${args[@]}" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
}

@test "there are at least 10 studies, each complete" {
	local n=0 s
	for s in "$studies"/*/; do
		[ -f "$s/definition.py" ] || { echo "$s: no definition.py"; return 1; }
		[ -f "$s/expected.csv" ] || { echo "$s: no expected.csv"; return 1; }
		[ -d "$s/tables" ] || { echo "$s: no tables"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
}

@test "every study gives its expected output" {
	local s rc failed=0
	for s in "$studies"/*/; do
		rc=0
		run_study "$s" || rc=$?
		if [ "$rc" -ne 0 ] || [ -s "$BATS_TEST_TMPDIR/err" ]; then
			echo "$(basename "$s"): exit $rc"
			cat "$BATS_TEST_TMPDIR/err"
			failed=1
			continue
		fi
		if ! diff -u "$s/expected.csv" "$BATS_TEST_TMPDIR/out"; then
			echo "$(basename "$s"): output differs"
			failed=1
		fi
	done
	[ "$failed" -eq 0 ]
}

@test "a parameter changes a study's output" {
	cd "$studies/07-params"
	sdc-extract --tables tables definition.py -- --start_year 2019 \
	    >"$BATS_TEST_TMPDIR/out"
	# a two-year window from 2019 sees patient 1's BMI of 31.5
	grep -qx '1,31.5,T' "$BATS_TEST_TMPDIR/out"
	! diff -q expected.csv "$BATS_TEST_TMPDIR/out" >/dev/null
}

@test "an error in a helper module names its line and the call chain" {
	cp -R "$studies/01-helpers" "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/s"
	sed -i 's/return (date - patients.date_of_birth).years/return (date - patients.date_of_birth).yeers/' variables_lib.py
	fails 2 "^sdc-extract: variables_lib.py:7:43: 'DateDifference' object has no attribute 'yeers' \(call chain: definition.py:21:15 age_as_of\)$" \
	    sdc-extract --tables tables definition.py
}

@test "file, process and code access are refused before any output" {
	cp -R "$studies/01-helpers" "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/s"
	printf 'x = open("/etc/passwd").read()\n' >>variables_lib.py
	fails 2 "variables_lib.py:34:5: 'open' is refused in dataset definitions.*call chain: definition.py:6:1 import variables_lib" \
	    sdc-extract --tables tables definition.py
	cp "$studies/01-helpers/variables_lib.py" .
	printf 'import subprocess\n' >>codelists.py
	fails 2 "codelists.py:5:8: importing 'subprocess' is refused" \
	    sdc-extract --tables tables definition.py
}

@test "a runaway loop in a study stops at the documented limit" {
	cp -R "$studies/02-sequential" "$BATS_TEST_TMPDIR/s"
	cd "$BATS_TEST_TMPDIR/s"
	printf 'names = [1]\nfor n in names:\n    names.append(n)\n' >>definition.py
	fails 2 "definition.py:[0-9]+:[0-9]+: the definition ran more than 1000000 statements and loop steps" \
	    timeout 60 sdc-extract --tables tables definition.py
}

@test "every study runs over sdc-dummy tables: population reached, same dataset as sdc-extract, --check accepts it" {
	local s args failed=0 n
	for s in "$studies"/*/; do
		args=()
		if [ -f "$s/args" ]; then
			read -r -a args <"$s/args"
			args=(-- "${args[@]}")
		fi
		rm -rf "$BATS_TEST_TMPDIR/t"
		(
			cd "$s"
			sdc-dummy --population-size 50 --seed 3 \
			    --tables-out "$BATS_TEST_TMPDIR/t" \
			    -o "$BATS_TEST_TMPDIR/dummy.csv" definition.py "${args[@]}" &&
			sdc-extract --tables "$BATS_TEST_TMPDIR/t" definition.py \
			    "${args[@]}" >"$BATS_TEST_TMPDIR/extract.csv" &&
			sdc-dummy --check "$BATS_TEST_TMPDIR/dummy.csv" definition.py \
			    "${args[@]}"
		) || { echo "$(basename "$s"): failed"; failed=1; continue; }
		n=$(($(wc -l <"$BATS_TEST_TMPDIR/dummy.csv") - 1))
		[ "$n" -eq 50 ] || { echo "$(basename "$s"): $n patients, wanted 50"; failed=1; }
		cmp "$BATS_TEST_TMPDIR/dummy.csv" "$BATS_TEST_TMPDIR/extract.csv" ||
		    { echo "$(basename "$s"): sdc-dummy -o differs from sdc-extract"; failed=1; }
	done
	[ "$failed" -eq 0 ]
}
