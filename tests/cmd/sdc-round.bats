#!/usr/bin/env bats
# sdc-round: options, golden tables per scheme, totals, markers, ratios,
# bad input, output errors.

bats_require_minimum_version 1.5.0

load helpers

d=$BATS_TEST_DIRNAME/../data/sdc-round
p=$BATS_TEST_DIRNAME/../data/sdc-count/patients.csv

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-round --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: sdc-round {-b base [--random --seed seed] | --midpoint base |" ]
	[ -z "$stderr" ]
	[[ "$output" == *"--totals MODE"* ]]
	run sdc-round -h
	[ "$status" -eq 0 ]
}

@test "-V prints the version" {
	run sdc-round -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-round\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run sdc-round --version
	[[ "$output" =~ ^sdc-round\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[[ "$output" == *"ok sdc-round.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	usage_fails 'unrecognized option' sdc-round --bogus -b 5 "$d/counts.csv"
	usage_fails 'choose a rounding scheme' sdc-round "$d/counts.csv"
	usage_fails 'choose one of' sdc-round -b 5 --midpoint6 "$d/counts.csv"
	usage_fails 'choose one of' sdc-round --midpoint6 --midpoint 6 "$d/counts.csv"
	usage_fails 'choose one of' sdc-round -b 5 -b 10 "$d/counts.csv"
	usage_fails '--random needs --seed' sdc-round -b 5 --random "$d/counts.csv"
	usage_fails '--random rounds to the base given by -b' \
	    sdc-round --random --seed 1 "$d/counts.csv"
	usage_fails '--random rounds to the base given by -b' \
	    sdc-round --midpoint6 --random --seed 1 "$d/counts.csv"
	usage_fails '--seed is only for --random' \
	    sdc-round -b 5 --seed 1 "$d/counts.csv"
	usage_fails "-b: '1' is not a whole number from 2" sdc-round -b 1 "$d/counts.csv"
	usage_fails "-b: 'x' is not a whole number" sdc-round -b x "$d/counts.csv"
	usage_fails "--midpoint: '0' is not" sdc-round --midpoint 0 "$d/counts.csv"
	usage_fails "--seed: '-1' is not a whole number from 0 to 4294967295" \
	    sdc-round -b 5 --random --seed -1 "$d/counts.csv"
	usage_fails "--seed: '4294967296' is not" \
	    sdc-round -b 5 --random --seed 4294967296 "$d/counts.csv"
	usage_fails "--totals: 'sum' is neither" \
	    sdc-round -b 5 --totals sum "$d/counts.csv"
	usage_fails 'at most one input' sdc-round -b 5 "$d/counts.csv" "$d/counts.csv"
	usage_fails '-c: empty list' sdc-round -b 5 -c '' "$d/counts.csv"
	usage_fails '-c given twice' sdc-round -b 5 -c n -c n "$d/counts.csv"
	usage_fails "column 'n' named twice" sdc-round -b 5 -c n,n "$d/counts.csv"
	usage_fails "'top1' is dominance evidence" \
	    sdc-round -b 5 -c events,top1 "$d/ratio.csv"
	usage_fails "cannot be both a group and rounded" \
	    sdc-round -b 5 -g band,n "$d/counts.csv"
	usage_fails "total label may not be empty" \
	    sdc-round -b 5 --total-label '' "$d/counts.csv"
	usage_fails "marker '' could be taken for a count" \
	    sdc-round -b 5 -m '' "$d/counts.csv"
	usage_fails "marker '0' could be taken for a count" \
	    sdc-round -b 5 -m 0 "$d/counts.csv"
}

@test "--ratio usage errors" {
	usage_fails 'expected NAME=NUM/DEN' sdc-round -b 5 --ratio r "$d/counts.csv"
	usage_fails 'expected NAME=NUM/DEN' sdc-round -b 5 --ratio r=n "$d/counts.csv"
	usage_fails 'expected NAME=NUM/DEN' sdc-round -b 5 --ratio =n/n "$d/counts.csv"
	usage_fails 'expected NAME=NUM/DEN' sdc-round -b 5 --ratio r=n/ "$d/counts.csv"
	usage_fails "ratio 'r': 'band' is not a rounded column" \
	    sdc-round -b 5 --ratio r=band/n "$d/counts.csv"
	usage_fails "ratio 'r': 'x' is not a rounded column" \
	    sdc-round -b 5 --ratio r=n/x "$d/counts.csv"
	usage_fails "ratio 'rate': 'population' is not a rounded column" \
	    sdc-round -b 5 -c events --ratio rate=events/population "$d/ratio.csv"
	usage_fails "ratio 'band' would replace a group column" \
	    sdc-round -b 5 --ratio band=n/n "$d/counts.csv"
	usage_fails "ratio 'n' would replace a rounded column" \
	    sdc-round -b 5 --ratio n=n/n "$d/counts.csv"
	usage_fails "'top1' cannot name a ratio column" \
	    sdc-round -b 5 --ratio top1=n/n "$d/counts.csv"
	usage_fails "ratio column 'r' given twice" \
	    sdc-round -b 5 --ratio r=n/n --ratio r=n/n "$d/counts.csv"
}

# --- golden tables, one per scheme ---------------------------------------

@test "-b 5: nearest multiple of 5" {
	golden base5 sdc-round -b 5 "$d/counts.csv"
}

@test "-b 10: ties 5, 15, 25, 35, 45 go up, never to even" {
	golden base10 sdc-round -b 10 "$d/counts.csv"
	sdc-round -b 10 "$d/counts.csv" >"$BATS_TEST_TMPDIR/t"
	for x in 5 15 25 35 45; do
		grep -qx "b$x,$((x + 5))" "$BATS_TEST_TMPDIR/t"
	done
}

@test "--midpoint6: 1..6 -> 3, 7..12 -> 9, 0 stays 0" {
	golden midpoint6 sdc-round --midpoint6 "$d/counts.csv"
	sdc-round --midpoint 6 "$d/counts.csv" |
	    cmp - "$d/midpoint6.out"
}

@test "--midpoint 4" {
	golden midpoint4 sdc-round --midpoint 4 "$d/counts.csv"
}

@test "--random: golden for one seed, only neighbouring multiples" {
	golden random-seed1 sdc-round -b 5 --random --seed 1 "$d/counts.csv"
	paste -d, "$d/counts.csv" "$d/random-seed1.out" | awk -F, 'NR > 1 {
	    lo = int($2 / 5) * 5; hi = $2 % 5 ? lo + 5 : lo
	    if ($4 != lo && $4 != hi) bad++ } END { exit bad > 0 }'
}

@test "--random is reproducible with a seed and differs with another" {
	for s in 7 8; do
		sdc-round -b 5 --random --seed "$s" "$d/counts.csv" >"$BATS_TEST_TMPDIR/a$s"
		sdc-round -b 5 --random --seed "$s" "$d/counts.csv" >"$BATS_TEST_TMPDIR/b$s"
		cmp "$BATS_TEST_TMPDIR/a$s" "$BATS_TEST_TMPDIR/b$s"
	done
	! cmp -s "$BATS_TEST_TMPDIR/a7" "$BATS_TEST_TMPDIR/a8"
}

# --- totals --------------------------------------------------------------

@test "totals recompute (default): sums of the rounded cells" {
	golden recompute sh -c "sdc-count -g sex,region --margins '$p' |
	    sdc-round -b 5"
	sdc-count -g sex,region --margins "$p" | sdc-round -b 5 --totals recompute |
	    cmp - "$d/recompute.out"
	# every total equals the sum of the cells it covers
	run awk -F, 'NR > 1 && $1 != "Total" && $2 != "Total" {
	        s[$1] += $NF; r[$2] += $NF; all += $NF }
	    NR > 1 && $1 != "Total" && $2 == "Total" { ts[$1] = $NF }
	    NR > 1 && $1 == "Total" && $2 != "Total" { tr[$2] = $NF }
	    NR > 1 && $1 == "Total" && $2 == "Total" { tt = $NF }
	    END { for (k in s) if (s[k] != ts[k]) bad++
	          for (k in r) if (r[k] != tr[k]) bad++
	          if (all != tt) bad++
	          print bad + 0 }' "$d/recompute.out"
	[ "$output" = 0 ]
}

@test "--totals round: totals rounded like cells" {
	golden totals-round sh -c "sdc-count -g sex,region --margins '$p' |
	    sdc-round -b 5 --totals round"
	! cmp -s "$d/recompute.out" "$d/totals-round.out"
}

@test "recompute with a redacted leaf: its totals are rounded, not summed" {
	golden redacted sdc-round -b 5 "$d/redacted.csv"
	# F,Total 17, Total,40+ 16 and Total,Total 37 rounded on their own;
	# a sum would have been 10 + 10 = 20 for Total,40+ (F,40+ unknown)
	grep -qx 'F,Total,15' "$d/redacted.out"
	grep -qx 'Total,40+,15' "$d/redacted.out"
	grep -qx 'Total,Total,35' "$d/redacted.out"
	grep -qx 'M,Total,20' "$d/redacted.out"	# 10 + 10
	grep -qx 'Total,0-39,20' "$d/redacted.out"	# 10 + 10
}

@test "midpoint6 totals are sums of midpoints" {
	golden midpoint6-margins sh -c "sdc-count -g sex --margins '$p' |
	    sdc-round --midpoint6"
}

@test "--total-label and -g" {
	sed 's/Total/ALL/g' "$d/redacted.csv" >"$BATS_TEST_TMPDIR/all.csv"
	sdc-round -b 5 --total-label ALL "$BATS_TEST_TMPDIR/all.csv" |
	    sed 's/ALL/Total/g' | cmp - "$d/redacted.out"
	sdc-round -b 5 -g sex,age_band "$d/redacted.csv" | cmp - "$d/redacted.out"
	# with age_band alone the rows' group values repeat
	fails 2 "redacted.csv:5: the group values of this row repeat those of line 2" \
	    sdc-round -b 5 -g age_band "$d/redacted.csv"
}

# --- markers, ratios, evidence -------------------------------------------

@test "redaction markers pass through unchanged, in any case" {
	golden markers sdc-round -b 5 -m '*' "$d/markers.csv"
	fails 2 "markers.csv:9: column 'n': '\*' is neither a count" \
	    sdc-round -b 5 "$d/markers.csv"
}

@test "--ratio: replaced in place, appended, empty for 0, marker when redacted" {
	golden ratio sdc-round -b 5 -c events,population \
	    --ratio rate=events/population --ratio per_pop=population/population \
	    "$d/ratio.csv"
	golden ratio-marker sdc-round -b 5 -c events,population -m 'x' \
	    --ratio rate=events/population "$d/ratio.csv"
}

@test "top1 and top2 are always dropped" {
	golden evidence sh -c "sdc-count -g region --sum cost --margins '$p' |
	    sdc-round -b 5"
	head -n 1 "$d/evidence.out" | grep -qx 'region,n,sum'
	sdc-round -b 5 -c events "$d/ratio.csv" | head -n 1 |
	    grep -qx 'region,events,population,rate'
}

# --- input forms ---------------------------------------------------------

@test "'-' and no operand read standard input; gzip is read too" {
	sdc-round -b 5 - <"$d/counts.csv" | cmp - "$d/base5.out"
	sdc-round -b 5 <"$d/counts.csv" | cmp - "$d/base5.out"
	gzip -c "$d/counts.csv" | sdc-round -b 5 | cmp - "$d/base5.out"
}

@test "empty input is an error" {
	fails 2 '^sdc-round: <stdin>:1: empty input' sdc-round -b 5 </dev/null
}

@test "header-only input gives a header-only table" {
	printf 'g,n,top1,top2\n' | sdc-round -b 5 --ratio r=n/n >"$BATS_TEST_TMPDIR/t"
	printf 'g,n,r\n' | cmp - "$BATS_TEST_TMPDIR/t"
}

@test "missing file" {
	fails 2 "^sdc-round: $BATS_TEST_TMPDIR/nope.csv: No such file" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/nope.csv"
}

@test "missing count column names the header" {
	fails 2 "<stdin>:1: no column named 'n' \(columns: a, b\)" \
	    sdc-round -b 5 < <(printf 'a,b\n1,2\n')
	fails 2 "counts.csv:1: no column named 'x'" \
	    sdc-round -b 5 -g x "$d/counts.csv"
}

@test "malformed CSV names the line" {
	printf 'g,n\na,1\nb\n' >"$BATS_TEST_TMPDIR/r.csv"
	fails 2 "r.csv:3:2: expected 2 fields, found 1" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/r.csv"
	printf 'g,n\na,1\n"b,2\n' >"$BATS_TEST_TMPDIR/q.csv"
	fails 2 "q.csv:3:1: unterminated quoted field" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/q.csv"
}

@test "non-integer, negative and empty counts are refused with line and column" {
	printf 'g,n\na,1\nb,2.5\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:3: column 'n': '2.5' is neither a count" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na,-3\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2: column 'n': '-3' is neither a count" \
	    sdc-round --midpoint6 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na,1\nb,\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:3: column 'n': empty value" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na, 1\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2: column 'n': ' 1' is neither a count" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na,+1\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2: column 'n': '\+1' is neither a count" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	# a total is checked too, even though it is recomputed
	printf 'g,n\na,1\nTotal,x\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:3: column 'n': 'x' is neither a count" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
}

@test "counts near INT64_MAX: refused, never wrapped" {
	printf 'g,n\na,9223372036854775807\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2: column 'n': rounding 9223372036854775807 to base 10 would exceed" \
	    sdc-round -b 10 "$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2: column 'n': rounding 9223372036854775807 to base 6 would exceed" \
	    sdc-round --midpoint6 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na,9223372036854775808\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2: column 'n': count 9223372036854775808 is beyond" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na,5000000000000000000\nb,5000000000000000000\nTotal,1\n' \
	    >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:4: column 'n': the sum of the rounded counts" \
	    sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	printf 'g,n\na,9223372036854775807\n' >"$BATS_TEST_TMPDIR/t.csv"
	run sdc-round -b 5 "$BATS_TEST_TMPDIR/t.csv"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "a,9223372036854775805" ]
}

# --- output --------------------------------------------------------------

@test "a full disk is an error, not a silent truncation" {
	fails 2 "write error: No space left on device" \
	    sh -c "sdc-round -b 5 '$d/counts.csv' >/dev/full"
}

@test "-o writes the file whole; on failure leaves the old one" {
	sdc-round -b 5 -o "$BATS_TEST_TMPDIR/t.csv" "$d/counts.csv"
	cmp "$d/base5.out" "$BATS_TEST_TMPDIR/t.csv"
	[ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c '^\.t\.csv')" -eq 0 ]
	printf 'g,n\na,x\n' | { ! sdc-round -b 5 -o "$BATS_TEST_TMPDIR/t.csv"; }
	cmp "$d/base5.out" "$BATS_TEST_TMPDIR/t.csv"
	[ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c '^\.t\.csv')" -eq 0 ]
	run sdc-round -b 5 -m '' -o "$BATS_TEST_TMPDIR/t.csv" "$d/counts.csv"
	[ "$status" -eq 2 ]
	cmp "$d/base5.out" "$BATS_TEST_TMPDIR/t.csv"
}

@test "-o FILE.gz writes gzip" {
	sdc-round -b 5 -o "$BATS_TEST_TMPDIR/t.csv.gz" "$d/counts.csv"
	gzip -dc "$BATS_TEST_TMPDIR/t.csv.gz" | cmp - "$d/base5.out"
}
