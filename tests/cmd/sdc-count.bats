#!/usr/bin/env bats
# sdc-count: options, golden tables, bad input, output errors.

bats_require_minimum_version 1.5.0

load helpers

p=$BATS_TEST_DIRNAME/../data/sdc-count/patients.csv

# --- the interface -------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr sdc-count --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: sdc-count -g column[,column...] [--complete]" ]
	[ -z "$stderr" ]
	[[ "$output" == *"--margins"* ]]
}

@test "-V prints the version" {
	run sdc-count -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sdc-count\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "the man page SYNOPSIS is the usage text" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run "$top/scripts/lint-man"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok sdc-count.1 (lint, synopsis)"* ]]
}

@test "usage errors exit 2 with the usage on stderr" {
	usage_fails 'unrecognized option' sdc-count --bogus -g sex "$p"
	usage_fails '-g is required' sdc-count "$p"
	usage_fails 'at most one input' sdc-count -g sex "$p" "$p"
	usage_fails '-g: empty list' sdc-count -g '' "$p"
	usage_fails '-g given twice' sdc-count -g sex -g region "$p"
	usage_fails "group column 'sex' named twice" sdc-count -g sex,sex "$p"
	usage_fails "'n' would clash" sdc-count -g n "$p"
	usage_fails "levels given for 'age_band', which is not a group" \
	    sdc-count -g sex --levels age_band=1 "$p"
	usage_fails "expected COLUMN=LEVEL" sdc-count -g sex --levels sex "$p"
	usage_fails "level 'F' of 'sex' given twice" \
	    sdc-count -g sex --levels sex=F,M,F "$p"
	usage_fails "total label may not be empty" \
	    sdc-count -g sex --margins --total-label '' "$p"
}

# --- golden tables -------------------------------------------------------

@test "frequency table: groups in documented order, missing first" {
	golden sex-region sdc-count -g sex,region "$p"
}

@test "integers order numerically, missing first, text last" {
	golden band sdc-count -g band "$p"
}

@test "--margins: a total for every subset of the groups" {
	golden sex-region-margins sdc-count -g sex,region --margins "$p"
}

@test "--margins totals are the sums of their cells" {
	sdc-count -g sex,age_band --margins "$p" >"$BATS_TEST_TMPDIR/t"
	# each sex's Total equals the sum over its age bands, and so on
	run awk -F, 'NR > 1 && $2 != "Total" { s[$1] += $3; a[$2] += $3 }
	    NR > 1 && $2 == "Total" { t[$1] = $3 }
	    NR > 1 && $1 == "Total" && $2 != "Total" { ta[$2] = $3 }
	    END { for (k in s) if (k != "Total" && s[k] != t[k]) bad++
	          for (k in a) if (a[k] != 2 * ta[k]) bad++
	          print bad + 0 }' "$BATS_TEST_TMPDIR/t"
	[ "$output" = 0 ]
	grep -qx 'Total,Total,18' "$BATS_TEST_TMPDIR/t"
}

@test "--levels: declared order, zero cells for unobserved levels" {
	golden levels sdc-count -g sex,age_band --levels sex=M,F,U \
	    --levels 'age_band=0-17,18-39,40-64,65+' "$p"
}

@test "--levels accepts quoted levels holding commas" {
	golden levels-quoted sdc-count -g region \
	    --levels 'region=London,"Yorkshire, and the Humber",East,West' "$p"
}

@test "--complete: every combination of observed levels" {
	golden complete sdc-count -g sex,region --complete "$p"
}

@test "--unit counts distinct units, margins count distinct units too" {
	golden unit sdc-count -g sex --unit patient_id --margins "$p"
}

@test "--sum: magnitude table with contributor evidence" {
	golden sum sdc-count -g region --sum cost --margins "$p"
}

@test "--sum with --unit: a unit's rows are one contribution" {
	golden sum-unit sdc-count -g region --sum cost --unit patient_id "$p"
}

@test "--total-label" {
	sdc-count -g sex --margins --total-label ALL "$p" >"$BATS_TEST_TMPDIR/t"
	grep -qx 'ALL,18' "$BATS_TEST_TMPDIR/t"
	! grep -q Total "$BATS_TEST_TMPDIR/t"
}

# --- input forms ---------------------------------------------------------

@test "'-' and no operand read standard input" {
	sdc-count -g sex "$p" >"$BATS_TEST_TMPDIR/want"
	sdc-count -g sex - <"$p" >"$BATS_TEST_TMPDIR/a"
	sdc-count -g sex <"$p" >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/a"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/b"
}

@test "gzip input is recognised by content, not name" {
	gzip -c "$p" >"$BATS_TEST_TMPDIR/plain-name.csv"
	sdc-count -g sex,region "$p" >"$BATS_TEST_TMPDIR/want"
	sdc-count -g sex,region "$BATS_TEST_TMPDIR/plain-name.csv" >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	gzip -c "$p" | sdc-count -g sex,region >"$BATS_TEST_TMPDIR/got2"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got2"
}

@test "CRLF input and a BOM give the same table" {
	sdc-count -g sex,region "$p" >"$BATS_TEST_TMPDIR/want"
	{ printf '\357\273\277'; sed 's/$/\r/' "$p"; } >"$BATS_TEST_TMPDIR/crlf.csv"
	sdc-count -g sex,region "$BATS_TEST_TMPDIR/crlf.csv" >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "SDC_CSV_SLOW (libcsv for every record) gives identical tables" {
	for g in sex,region band region,age_band; do
		sdc-count -g "$g" --margins "$p" >"$BATS_TEST_TMPDIR/fast"
		SDC_CSV_SLOW=1 sdc-count -g "$g" --margins "$p" >"$BATS_TEST_TMPDIR/slow"
		cmp "$BATS_TEST_TMPDIR/fast" "$BATS_TEST_TMPDIR/slow"
	done
}

@test "empty input is an error" {
	fails 2 '^sdc-count: <stdin>:1: empty input' sdc-count -g sex </dev/null
}

@test "header-only input gives a header-only table" {
	head -n 1 "$p" | sdc-count -g sex,region >"$BATS_TEST_TMPDIR/t"
	printf 'sex,region,n\n' | cmp - "$BATS_TEST_TMPDIR/t"
}

@test "header-only input with --margins gives the grand total, zero" {
	head -n 1 "$p" | sdc-count -g sex,region --margins >"$BATS_TEST_TMPDIR/t"
	printf 'sex,region,n\nTotal,Total,0\n' | cmp - "$BATS_TEST_TMPDIR/t"
}

@test "header-only input with declared levels gives zero cells" {
	head -n 1 "$p" | sdc-count -g sex --levels sex=F,M >"$BATS_TEST_TMPDIR/t"
	printf 'sex,n\nF,0\nM,0\n' | cmp - "$BATS_TEST_TMPDIR/t"
}

# --- bad input: one line on stderr naming file, line and column; exit 2 --

@test "missing file" {
	fails 2 "^sdc-count: $BATS_TEST_TMPDIR/nope.csv: No such file" \
	    sdc-count -g sex "$BATS_TEST_TMPDIR/nope.csv"
}

@test "ragged row names line and column" {
	printf 'a,b\n1,2\n3\n' >"$BATS_TEST_TMPDIR/r.csv"
	fails 2 "r.csv:3:2: expected 2 fields, found 1" \
	    sdc-count -g a "$BATS_TEST_TMPDIR/r.csv"
}

@test "unterminated quote names where it opened" {
	printf 'a,b\n1,2\n3,"x\n4,5\n' >"$BATS_TEST_TMPDIR/q.csv"
	fails 2 "q.csv:3:3: unterminated quoted field" \
	    sdc-count -g a "$BATS_TEST_TMPDIR/q.csv"
}

@test "NUL byte" {
	printf 'a,b\n1,2\n3,x\0y\n' >"$BATS_TEST_TMPDIR/n.csv"
	fails 2 "n.csv:3:4: NUL byte" sdc-count -g a "$BATS_TEST_TMPDIR/n.csv"
}

@test "missing group column" {
	fails 2 "<stdin>:1: no column named 'sexx' \(columns: patient_id, sex" \
	    sdc-count -g sexx <"$p"
}

@test "truncated gzip" {
	gzip -c "$p" | head -c 100 >"$BATS_TEST_TMPDIR/t.gz"
	fails 2 "t.gz: truncated gzip input" sdc-count -g sex "$BATS_TEST_TMPDIR/t.gz"
}

@test "a value outside the declared levels is refused, with its place" {
	fails 2 "<stdin>:3:3: 'M' in column 'sex' is not one of its declared levels" \
	    sdc-count -g sex --levels sex=F,U <"$p"
}

@test "a data value equal to the total label is refused" {
	printf 'g\nTotal\nx\n' >"$BATS_TEST_TMPDIR/t.csv"
	fails 2 "t.csv:2:1: 'Total' in column 'g' is the total label" \
	    sdc-count -g g --margins "$BATS_TEST_TMPDIR/t.csv"
}

@test "--sum refuses non-numbers, negatives and empty values" {
	printf 'g,v\na,1\nb,x1\n' >"$BATS_TEST_TMPDIR/s1.csv"
	fails 2 "s1.csv:3:3: 'x1' in column 'v' is not a number" \
	    sdc-count -g g --sum v "$BATS_TEST_TMPDIR/s1.csv"
	printf 'g,v\na,-1\n' >"$BATS_TEST_TMPDIR/s2.csv"
	fails 2 "s2.csv:2:3: negative value -1" \
	    sdc-count -g g --sum v "$BATS_TEST_TMPDIR/s2.csv"
	printf 'g,v\na,\n' >"$BATS_TEST_TMPDIR/s3.csv"
	fails 2 "s3.csv:2:3: '' in column 'v' is not a number" \
	    sdc-count -g g --sum v "$BATS_TEST_TMPDIR/s3.csv"
}

@test "--unit refuses an empty unit" {
	printf 'g,u\na,1\nb,\n' >"$BATS_TEST_TMPDIR/u.csv"
	fails 2 "u.csv:3:3: empty value in unit column 'u'" \
	    sdc-count -g g --unit u "$BATS_TEST_TMPDIR/u.csv"
}

# --- output --------------------------------------------------------------

@test "a full disk is an error, not a silent truncation" {
	fails 2 "write error: No space left on device" \
	    sh -c "sdc-count -g sex '$p' >/dev/full"
	# -o on a device writes to it; it never renames a file over it
	fails 2 "/dev/full: write error: No space left on device" \
	    sdc-count -g sex -o /dev/full "$p"
	[ -c /dev/full ]
	sdc-count -g sex -o /dev/stdout "$p" | grep -q '^sex,n$'
}

@test "-o writes the file whole, with the default permissions" {
	sdc-count -g sex -o "$BATS_TEST_TMPDIR/t.csv" "$p"
	sdc-count -g sex "$p" | cmp - "$BATS_TEST_TMPDIR/t.csv"
	[ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c '^\.t\.csv')" -eq 0 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/t.csv")" = \
	    "$(printf '%o' $((0666 & ~$(umask))))" ]
}

@test "-o leaves no file and no temporary behind on bad input" {
	printf 'a,b\n1,2\n3\n' >"$BATS_TEST_TMPDIR/bad.csv"
	run sdc-count -g a -o "$BATS_TEST_TMPDIR/out/t.csv" "$BATS_TEST_TMPDIR/bad.csv"
	[ "$status" -eq 2 ]
	mkdir "$BATS_TEST_TMPDIR/out"
	run sdc-count -g a -o "$BATS_TEST_TMPDIR/out/t.csv" "$BATS_TEST_TMPDIR/bad.csv"
	[ "$status" -eq 2 ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "-o keeps an existing file intact when the run fails" {
	echo old >"$BATS_TEST_TMPDIR/t.csv"
	printf 'a,b\n1,2\n3\n' | { ! sdc-count -g a -o "$BATS_TEST_TMPDIR/t.csv"; }
	[ "$(cat "$BATS_TEST_TMPDIR/t.csv")" = old ]
}

@test "-o into a directory that does not exist" {
	fails 2 "nodir/t.csv: cannot create" \
	    sdc-count -g sex -o "$BATS_TEST_TMPDIR/nodir/t.csv" "$p"
}

@test "-o FILE.gz writes gzip" {
	sdc-count -g sex -o "$BATS_TEST_TMPDIR/t.csv.gz" "$p"
	gzip -t "$BATS_TEST_TMPDIR/t.csv.gz"
	sdc-count -g sex "$p" | cmp - <(gzip -dc "$BATS_TEST_TMPDIR/t.csv.gz")
}

@test "SIGTERM while writing -o removes the temporary file" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	mkdir "$BATS_TEST_TMPDIR/out"
	sdc-count -g a -o "$BATS_TEST_TMPDIR/out/t.csv" "$BATS_TEST_TMPDIR/fifo" &
	pid=$!
	exec 7>"$BATS_TEST_TMPDIR/fifo"
	printf 'a\n1\n' >&7
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$(ls -A "$BATS_TEST_TMPDIR/out")" ] && break
		sleep 0.1
	done
	[ -n "$(ls -A "$BATS_TEST_TMPDIR/out")" ]	# the temporary exists
	kill -TERM "$pid"
	exec 7>&-
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "a closed pipe ends quietly" {
	run bash -c "seq 1 200000 | sed '1s/.*/g/' | sdc-count -g g | head -n 1"
	[ "$status" -eq 0 ]
	[ "$output" = "g,n" ]
}
