#!/usr/bin/env bats
# sdc-suppress: interface, golden tables, attack cases, refusals, faults.

bats_require_minimum_version 1.5.0

load helpers

p=$BATS_TEST_DIRNAME/../data/sdc-count/patients.csv
d=$BATS_TEST_DIRNAME/../data/sdc-suppress

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-suppress --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: sdc-suppress [-t threshold]"* ]]
	[ -z "$stderr" ]
}

@test "-V prints the version" {
	run sdc-suppress -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-suppress\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok sdc-suppress.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	usage_fails 'unrecognized option' sdc-suppress --bogus "$d/two.csv"
	usage_fails "-t: 'x' is not a whole number" sdc-suppress -t x "$d/two.csv"
	usage_fails '--zeros: keep or suppress' sdc-suppress --zeros maybe "$d/two.csv"
	usage_fails '--nk: expected N,K' sdc-suppress --nk 2 "$d/two.csv"
	usage_fails "--nk N: '3' is not a whole number from 1 to 2" \
	    sdc-suppress --nk 3,90 "$d/two.csv"
	usage_fails 'need the sum, top1 and top2' sdc-suppress --p 10 "$d/two.csv"
	usage_fails 'at most one input' sdc-suppress "$d/two.csv" "$d/two.csv"
	usage_fails 'may not be empty' sdc-suppress -m '' "$d/two.csv"
	usage_fails 'no group columns' sh -c 'printf "n\n5\n" | sdc-suppress'
	usage_fails 'a number cannot be a marker' sdc-suppress -m 0 "$d/two.csv"
	usage_fails 'already has a status column' sh -c \
	    'printf "a,n,status\nx,9,\nTotal,9,\n" | sdc-suppress --flags'
}

# --- golden tables and known attacks -------------------------------------

@test "2x2 with one small cell: hiding it alone would be undone" {
	golden two sdc-suppress --flags "$d/two.csv"
}

@test "a lone small cell in a row gets the smallest partner" {
	golden row sdc-suppress --flags "$d/row.csv"
}

@test "a small cell whose only partner is the total: both hidden" {
	printf 'a,n\nx,4\ny,0\nTotal,4\n' | sdc-suppress >"$BATS_TEST_TMPDIR/t"
	printf 'a,n\nx,[REDACTED]\ny,0\nTotal,[REDACTED]\n' |
	    diff -u - "$BATS_TEST_TMPDIR/t"
}

@test "a 2-way table from sdc-count --margins" {
	golden sex-region sh -c "sdc-count -g sex,region --margins '$p' |
	    sdc-suppress --flags"
}

@test "magnitude table: dominance rule, sum hidden, evidence dropped" {
	golden magnitude sh -c "sdc-count -g age_band --sum cost --margins '$p' |
	    sdc-suppress --p 10 --flags"
	! grep -q top1 "$data/sdc-suppress/magnitude.out"
}

@test "magnitude table: hidden counts are protected as well as sums" {
	# the sums of A and B cover each other; their n would add up to 3
	printf 'g,n,sum,top1,top2\nA,1,1000,1000,0\nB,2,900,800,100\nC,50,5000,300,200\nD,50,5000,300,200\nTotal,103,11900,1000,800\n' |
	    sdc-suppress --p 10 --flags >"$BATS_TEST_TMPDIR/t"
	[ "$(grep -c REDACTED "$BATS_TEST_TMPDIR/t")" -eq 3 ]
	grep -qx 'C,\[REDACTED\],\[REDACTED\],secondary' "$BATS_TEST_TMPDIR/t"
}

@test "--zeros suppress makes zero cells sensitive" {
	printf 'a,n\nx,0\ny,30\nz,40\nTotal,70\n' | sdc-suppress --zeros suppress --flags \
	    >"$BATS_TEST_TMPDIR/t"
	grep -qx 'x,\[REDACTED\],primary' "$BATS_TEST_TMPDIR/t"
	grep -qx 'y,\[REDACTED\],secondary' "$BATS_TEST_TMPDIR/t"
}

@test "-t and -m" {
	printf 'a,n\nx,9\ny,30\nz,40\nTotal,79\n' | sdc-suppress -t 10 -m SUPP \
	    >"$BATS_TEST_TMPDIR/t"
	grep -qx 'x,SUPP' "$BATS_TEST_TMPDIR/t"
	grep -qx 'y,SUPP' "$BATS_TEST_TMPDIR/t"
}

@test "the same input gives the same suppression" {
	sdc-count -g sex,age_band --margins "$top/demo/patients.csv" >"$BATS_TEST_TMPDIR/in"
	sdc-suppress "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/a"
	sdc-suppress "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}

@test "suppress then round: totals never give a hidden cell away" {
	sdc-count -g sex,age_band --margins "$top/demo/patients.csv" |
	    sdc-suppress >"$BATS_TEST_TMPDIR/s"
	sdc-round -b 5 <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/r"
	# the same cells are hidden, and every shown count is a multiple of 5
	[ "$(grep -c REDACTED "$BATS_TEST_TMPDIR/s")" -gt 0 ]
	diff <(cut -d, -f1,2 "$BATS_TEST_TMPDIR/s"; grep -n REDACTED "$BATS_TEST_TMPDIR/s" | cut -d: -f1) \
	    <(cut -d, -f1,2 "$BATS_TEST_TMPDIR/r"; grep -n REDACTED "$BATS_TEST_TMPDIR/r" | cut -d: -f1)
	run awk -F, 'NR > 1 && $3 != "[REDACTED]" && $3 % 5 != 0' "$BATS_TEST_TMPDIR/r"
	[ -z "$output" ]
	# a total over a hidden cell is rounded on its own, not recomputed
	run awk -F, 'FNR == 1 { f++ } FNR > 1 && $1 == "Total" { t[f, $2] = $3 }
	    f == 2 && FNR > 1 && $1 != "Total" && $3 == "[REDACTED]" { h[$2] = 1 }
	    END { for (k in h) if (t[1, k] != "[REDACTED]" &&
	        t[2, k] != int((t[1, k] + 2) / 5) * 5) print k, t[1, k], t[2, k] }' \
	    "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR/r"
	[ -z "$output" ]
}

@test "-v reports counts on stderr only" {
	run --separate-stderr sdc-suppress -v "$d/two.csv"
	[ "$status" -eq 0 ]
	[[ "$stderr" == "sdc-suppress: 9 cells, 1 primary, 3 secondary;"* ]]
}

# --- bad input -----------------------------------------------------------

@test "missing file" {
	fails 2 "nope.csv: No such file" sdc-suppress "$BATS_TEST_TMPDIR/nope.csv"
}

@test "empty input" {
	fails 2 '<stdin>:1: empty input' sdc-suppress </dev/null
}

@test "header-only input gives a header-only table" {
	printf 'sex,n\n' | sdc-suppress >"$BATS_TEST_TMPDIR/t"
	printf 'sex,n\n' | cmp - "$BATS_TEST_TMPDIR/t"
}

@test "malformed CSV names the line" {
	printf 'a,n\nx,3\ny\n' >"$BATS_TEST_TMPDIR/m.csv"
	fails 2 'm.csv:3:2: expected 2 fields, found 1' sdc-suppress "$BATS_TEST_TMPDIR/m.csv"
}

@test "no n column" {
	fails 2 "no column named 'n'" sh -c 'printf "a,count\nx,3\n" | sdc-suppress'
}

@test "a count that is not a whole number is refused, with its line" {
	printf 'a,n\nx,3.5\nTotal,3.5\n' >"$BATS_TEST_TMPDIR/f.csv"
	fails 2 "f.csv:2: column 'n': '3.5' is not a non-negative whole number" \
	    sdc-suppress "$BATS_TEST_TMPDIR/f.csv"
	printf 'a,n\nx,-3\nTotal,-3\n' >"$BATS_TEST_TMPDIR/g.csv"
	fails 2 "g.csv:2: column 'n': '-3' is not" sdc-suppress "$BATS_TEST_TMPDIR/g.csv"
	printf 'a,n\nx,-0\nTotal,0\n' >"$BATS_TEST_TMPDIR/h.csv"
	fails 2 "h.csv:2: column 'n': '-0' is not" sdc-suppress "$BATS_TEST_TMPDIR/h.csv"
}

@test "an already redacted table is refused" {
	printf 'a,n\nx,[REDACTED]\ny,30\nTotal,40\n' >"$BATS_TEST_TMPDIR/r.csv"
	fails 2 "r.csv:2: column 'n': '\[REDACTED\]' is not" \
	    sdc-suppress "$BATS_TEST_TMPDIR/r.csv"
}

@test "a margin that is not the sum of its cells is refused" {
	printf 'a,n\nx,3\ny,40\nTotal,42\n' >"$BATS_TEST_TMPDIR/s.csv"
	fails 2 "s.csv:4: column 'n': margin 42 is not the sum of its 2 cells \(43\)" \
	    sdc-suppress "$BATS_TEST_TMPDIR/s.csv"
}

@test "repeated group values are refused" {
	printf 'a,n\nx,3\nx,40\n' >"$BATS_TEST_TMPDIR/d.csv"
	fails 2 "d.csv:3: the group values of this row repeat those of line 2" \
	    sdc-suppress "$BATS_TEST_TMPDIR/d.csv"
}

# --- output faults -------------------------------------------------------

@test "a full disk is an error" {
	fails 2 "write error: No space left on device" \
	    sh -c "sdc-suppress '$d/two.csv' >/dev/full"
}

@test "-o writes the file; a refusal leaves nothing behind" {
	sdc-suppress -o "$BATS_TEST_TMPDIR/ok.csv" "$d/two.csv"
	sdc-suppress "$d/two.csv" | cmp - "$BATS_TEST_TMPDIR/ok.csv"
	mkdir "$BATS_TEST_TMPDIR/out"
	printf 'a,n\nx,3\ny,40\nTotal,42\n' |
	    { ! sdc-suppress -o "$BATS_TEST_TMPDIR/out/t.csv"; }
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}
