#!/usr/bin/env bats
# sdc-check: the interface, every rule in both profiles, planted
# disclosures that must be found, safe releases that must pass, bad
# input, output errors.

bats_require_minimum_version 1.5.0

load helpers

d=$BATS_TEST_DIRNAME/../data/sdc-check
demo=$BATS_TEST_DIRNAME/../../demo/patients.csv

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-check --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: sdc-check [--profile opensafely | acro] [-t threshold] [-b base]" ]
	[[ "$output" == *"--history DIR"* ]]
	[ -z "$stderr" ]
}

@test "-V prints the version" {
	run sdc-check -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-check\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[[ "$output" == *"ok sdc-check.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	cd "$d"
	usage_fails 'no files to check' sdc-check
	usage_fails 'unrecognized option' sdc-check --bogus safe.csv
	usage_fails "--profile: opensafely or acro, not 'sdc'" \
	    sdc-check --profile sdc safe.csv
	usage_fails "--threshold: 'x' is not a whole number" \
	    sdc-check -t x safe.csv
	usage_fails '--zeros: ok or disclosive' sdc-check --zeros no safe.csv
	usage_fails '--nk: expected N,K' sdc-check --nk 2 safe.csv
	usage_fails "--p: '101' is not" sdc-check --p 101 safe.csv
	usage_fails '--totals: detect or rounded' sdc-check --totals x safe.csv
	usage_fails '--marker: empty marker' sdc-check -m '' safe.csv
}

# --- rules, one golden report each ------------------------------------------

@test "a release made by count | suppress | round passes" {
	cd "$d"
	golden safe sdc-check safe.csv safe-region.csv
}

@test "opensafely: small counts, rounding, midpoint-6 columns" {
	cd "$d"
	golden_exit 1 small sdc-check small.csv
	golden_exit 1 unrounded sdc-check unrounded.csv
	golden_exit 1 midpoint sdc-check midpoint.csv
}

@test "opensafely: patient_id and evidence columns" {
	cd "$d"
	golden_exit 1 patient sdc-check patient.csv
	golden_exit 1 evidence sdc-check evidence.csv
}

@test "totals, percentages and statistics of small groups" {
	cd "$d"
	golden_exit 1 total sdc-check total.csv
	golden_exit 1 percent sdc-check percent.csv
	golden_exit 1 statistic sdc-check statistic.csv
}

@test "file types and sizes" {
	cd "$d"
	golden_exit 1 types sdc-check image.png good.png \
	    sheet.xlsx
	golden_exit 1 size sdc-check --max-size 20 unrounded.csv
	# a type allowed but not CSV is checked for its size only
	run sdc-check --types csv,xlsx sheet.xlsx
	[ "$status" -eq 0 ]
	gzip -c small.csv >"$BATS_TEST_TMPDIR/packed.csv"
	run sdc-check "$BATS_TEST_TMPDIR/packed.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"packed.csv: file-type: the content is gzip-compressed, not text"* ]]
}

@test "5001 rows is one too many; --max-rows moves the limit" {
	{ echo group,n; for i in $(seq 5001); do echo "g$i,10"; done; } \
	    >"$BATS_TEST_TMPDIR/big.csv"
	run sdc-check "$BATS_TEST_TMPDIR/big.csv"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"big.csv: rows: 5001 rows, more than the 5000 allowed" ]]
	run sdc-check --max-rows 0 "$BATS_TEST_TMPDIR/big.csv"
	[ "$status" -eq 0 ]
}

@test "acro: threshold 10, zeros, dominance and p%" {
	cd "$d"
	golden_exit 1 acro sdc-check --profile acro acro.csv \
	    dominance.csv
	golden_exit 1 ppercent sdc-check --profile acro --nk off \
	    ppercent.csv
	# the same files under opensafely: other thresholds, no dominance
	golden_exit 1 acro-as-opensafely sdc-check acro.csv \
	    dominance.csv
}

# --- planted disclosures -------------------------------------------------

@test "differencing between a 2-way and a 1-way table is found" {
	cd "$d"
	golden_exit 1 link-exact sdc-check -b 0 two-way.csv \
	    one-way.csv
	golden_exit 1 link-rounded sdc-check two-way.csv one-way.csv
	# each table alone gives nothing away
	run sdc-check two-way.csv
	[ "$status" -eq 0 ]
	run sdc-check one-way.csv
	[ "$status" -eq 0 ]
}

@test "a single suppression in a row with a total is recovered" {
	cd "$d"
	golden_exit 1 row-total sdc-check -b 0 row-total.csv
}

@test "rounding unpicked by a tight total" {
	cd "$d"
	golden_exit 1 tight sdc-check tight.csv
}

@test "--history links against an earlier release" {
	mkdir "$BATS_TEST_TMPDIR/old"
	cp "$d/one-way.csv" "$BATS_TEST_TMPDIR/old/"
	run sdc-check -b 0 --history "$BATS_TEST_TMPDIR/old" "$d/two-way.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"two-way.csv:2:n: differencing: redacted cell lies in [0, 0]"* ]]
	[[ "$output" == *"pinned by $BATS_TEST_TMPDIR/old/one-way.csv:2:n"* ]]
}

@test "a directory operand checks every file under it" {
	mkdir -p "$BATS_TEST_TMPDIR/rel/sub"
	cp "$d/two-way.csv" "$BATS_TEST_TMPDIR/rel/"
	cp "$d/one-way.csv" "$BATS_TEST_TMPDIR/rel/sub/"
	run sdc-check -b 0 "$BATS_TEST_TMPDIR/rel"
	[ "$status" -eq 1 ]
	[[ "$output" == *"verdict: disclosive: 2 findings in 1 of 2 files"* ]]
	mkdir "$BATS_TEST_TMPDIR/none"
	fails 2 'none: no files to check' sdc-check "$BATS_TEST_TMPDIR/none"
	mkdir "$BATS_TEST_TMPDIR/loop"
	ln -s .. "$BATS_TEST_TMPDIR/loop/up"
	fails 2 'nested more than 64 deep' sdc-check "$BATS_TEST_TMPDIR/loop"
}

@test "safe releases from the real pipeline pass with no finding" {
	for g in region sex age_band region,sex sex,age_band \
	    region,sex,age_band; do
		sdc-count -g "$g" --margins "$demo" | sdc-suppress |
		    sdc-round -b 5 >"$BATS_TEST_TMPDIR/t-${g//,/-}.csv"
	done
	run sdc-check "$BATS_TEST_TMPDIR"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verdict: safe: 6 files,"* ]]
	# without rounding, separately suppressed tables can leak
	for g in region,age_band region,sex,age_band; do
		sdc-count -g "$g" --margins "$demo" |
		    sdc-suppress >"$BATS_TEST_TMPDIR/u-${g//,/-}.csv"
	done
	run sdc-check -b 0 "$BATS_TEST_TMPDIR"/u-*.csv
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *differencing* ]]
}

@test "standard input is read as a CSV file" {
	run sdc-check - <"$d/small.csv"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "-:2:n: small-count: count 5 is in 1..7 and must be redacted" ]]
}

@test "-q prints nothing; the status tells" {
	run sdc-check -q "$d/small.csv"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run sdc-check -q "$d/safe.csv"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--json writes the report with hashes, rules and intervals" {
	run sdc-check -b 0 --json "$BATS_TEST_TMPDIR/r.json" \
	    "$d/two-way.csv" "$d/one-way.csv"
	[ "$status" -eq 1 ]
	j=$BATS_TEST_TMPDIR/r.json
	grep -q '"verdict": "disclosive"' "$j"
	grep -q '"rounding_base": 0' "$j"
	sum=$(sha256sum "$d/two-way.csv" | cut -d' ' -f1)
	grep -q "\"sha256\": \"$sum\"" "$j"
	grep -q '"rule": "differencing", "value": "\[REDACTED\]", "interval": \[0, 0\]' "$j"
	grep -q '{"name": "region", "kind": "dimension"}' "$j"
	# balanced braces and brackets, nothing after the last one
	[ "$(tr -cd '{' <"$j" | wc -c)" -eq "$(tr -cd '}' <"$j" | wc -c)" ]
	[ "$(tr -cd '[' <"$j" | wc -c)" -eq "$(tr -cd ']' <"$j" | wc -c)" ]
	[ "$(tail -c 2 "$j")" = "}" ]
}

# --- bad input -------------------------------------------------------------

@test "header-only input is checked and passes" {
	run sdc-check "$d/header-only.csv"
	[ "$status" -eq 0 ]
	[ "$output" = "verdict: safe: 1 file, 0 count cells, nothing disclosive found" ]
}

@test "bad input exits 2 with one line naming file, line and column" {
	fails 2 'empty.csv:1: empty input' sdc-check "$d/empty.csv"
	fails 2 'ragged.csv:2:9: expected 2 fields' sdc-check "$d/ragged.csv"
	fails 2 "text-count.csv:3: column 'n': 'lots' is neither a number" \
	    sdc-check "$d/text-count.csv"
	fails 2 "negative.csv:3: column 'n': '-5' is not a count" \
	    sdc-check "$d/negative.csv"
	fails 2 'nope.csv: No such file' sdc-check "$d/nope.csv"
	fails 2 'column 1 has no name' sh -c 'echo | sdc-check -'
	printf 'a,b\n1,\0\n' >"$BATS_TEST_TMPDIR/nul.csv"
	fails 2 'nul.csv:2:3: NUL byte' sdc-check "$BATS_TEST_TMPDIR/nul.csv"
	printf 'group,n,percent\na,10,12%%\nb,20,20%%\n' >"$BATS_TEST_TMPDIR/pct.csv"
	fails 2 "pct.csv:2: column 'percent': '12%' is neither a number" \
	    sdc-check "$BATS_TEST_TMPDIR/pct.csv"
	printf 'region,region\nA,1\n' >"$BATS_TEST_TMPDIR/dup.csv"
	fails 2 "dup.csv:1:.*region" sdc-check "$BATS_TEST_TMPDIR/dup.csv"
	printf 'region,n\nA,1\nA,2\n' >"$BATS_TEST_TMPDIR/rep.csv"
	fails 2 'rep.csv:3: .*repeat those of line 2' \
	    sdc-check "$BATS_TEST_TMPDIR/rep.csv"
}

@test "a full disk or an unwritable --json is exit 2, no file left" {
	fails 2 'sdc-check: .*' sh -c "sdc-check '$d/small.csv' >/dev/full"
	fails 2 'sdc-check: .*' sdc-check --json /nonexistent/dir/r.json \
	    "$d/small.csv"
	fails 2 'sdc-check: .*' sdc-check --json /dev/full "$d/small.csv"
	mkdir "$BATS_TEST_TMPDIR/j"
	rc=0
	sdc-check --json "$BATS_TEST_TMPDIR/j/r.json" "$d/ragged.csv" \
	    2>/dev/null || rc=$?
	[ "$rc" -eq 2 ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/j")" ]
}

@test "seeded random releases made by the pipeline pass with no finding" {
	for seed in 1 2 3 4 5; do
		awk -v seed=$seed 'BEGIN {
			srand(seed); n = 300 + int(rand() * 900)
			print "patient_id,a,b,c"
			for (i = 1; i <= n; i++) {
				x = rand(); y = rand(); z = rand()
				printf "%d,a%d,b%d,c%d\n", i, int(x * x * 6),
				    int(y * 3), int(z * z * z * 5)
			}
		}' >"$BATS_TEST_TMPDIR/p$seed.csv"
		mkdir "$BATS_TEST_TMPDIR/r$seed"
		for g in a b c a,b b,c a,b,c; do
			sdc-count -g "$g" --margins "$BATS_TEST_TMPDIR/p$seed.csv" |
			    sdc-suppress | sdc-round -b 5 \
			    >"$BATS_TEST_TMPDIR/r$seed/${g//,/}.csv"
		done
		run sdc-check "$BATS_TEST_TMPDIR/r$seed"
		echo "seed $seed: $output"
		[ "$status" -eq 0 ]
	done
}
