#!/usr/bin/env bats
# failclosed.bats - the fail-closed property of the SDC path: over many
# seeded random count tables with malformed cells put in at random,
# sdc-suppress, sdc-round and sdc-check never exit 0 with an unprotected
# small count in what they publish (or, for sdc-check, pass).
#
#   sdc-suppress exit 0: every count is the marker, 0, or above 7.
#   sdc-round -b 5 exit 0: every count is the marker or a multiple of 5.
#   sdc-check exit 0: every count in the input is the marker, 0, or a
#       multiple of 5 above 7 (the default opensafely profile).
# Any other exit than 0, 1 (sdc-check only) or 2 is a failure too.
#
# SEEDS (default 150) and FIRST_SEED choose the tables; a failure prints
# the seed and the table.

load helpers

# table SEED MODE: a 2-way table a x b with margins; MODE raw: counts
# 0..40; MODE safe: what a release looks like (0, [REDACTED], multiples
# of 5 from 10).  Then 0 to 3 cells (rarely a header name) replaced by
# something malformed or small.
table() {
	awk -v seed="$1" -v mode="$2" '
	function cnt() {
		if (mode == "raw") return int(rand() * 41)
		r = rand()
		if (r < 0.1) return 0
		if (r < 0.3) return "[REDACTED]"
		return 5 * (2 + int(rand() * 12))
	}
	BEGIN {
		srand(seed)
		split("", bad)
		nb = split("|-3|2.5|1e1|3e0|abc|nan|inf|99999999999999999999|" \
		    " 4|4 |0x4|+4|Total|07|3.0|\"4|4\"|3,4|[redacted]|<=7|" \
		    "1|2|3|4|5|6|7|-0|00|1E0|.5|5.|\"\"|\"3\"|\"3,\"|" \
		    "9223372036854775807|18446744073709551616", bad, "|")
		na = 2 + int(rand() * 3); nbb = 2 + int(rand() * 3)
		n = 0
		for (i = 1; i <= na; i++) for (j = 1; j <= nbb; j++) {
			row[++n] = "a" i ",b" j; v[n] = cnt()
		}
		for (i = 1; i <= na; i++) { row[++n] = "a" i ",Total"; v[n] = cnt() }
		for (j = 1; j <= nbb; j++) { row[++n] = "Total,b" j; v[n] = cnt() }
		row[++n] = "Total,Total"; v[n] = cnt()
		k = int(rand() * 4)
		for (x = 0; x < k; x++) v[1 + int(rand() * n)] = bad[1 + int(rand() * nb)]
		hdr = "a,b,n"
		if (rand() < 0.05) hdr = "a,b,n,n"
		print hdr
		for (i = 1; i <= n; i++) print row[i] "," v[i]
	}'
}

# Margins must add up for sdc-suppress to accept a raw table; make them
# add up before the corruption, most of the time.
raw_table() {
	table "$1" raw | awk -F, -v seed="$1" '
	BEGIN { srand(seed + 7) }
	NR == 1 { print; next }
	{ line[NR] = $0; a[NR] = $1; b[NR] = $2; v[NR] = $3; n = NR }
	END {
		fix = rand() < 0.8
		for (i = 2; i <= n; i++) if (a[i] != "Total" && b[i] != "Total" &&
		    v[i] ~ /^[0-9]+$/) { sa[a[i]] += v[i]; sb[b[i]] += v[i]; t += v[i] }
		for (i = 2; i <= n; i++) {
			if (fix && v[i] ~ /^[0-9]+$/) {
				if (a[i] == "Total" && b[i] == "Total") v[i] = t
				else if (b[i] == "Total") v[i] = sa[a[i]]
				else if (a[i] == "Total") v[i] = sb[b[i]]
			}
			print a[i] "," b[i] "," v[i]
		}
	}'
}

# unprotected RULE FILE: print the offending count cells of FILE (CSV
# whose last column is the count), none when RULE holds.
unprotected() {
	awk -F, -v rule="$1" '
	NR == 1 { next }
	{
		c = $NF
		# redaction markers (Airlock'"'"'s, case-insensitive)
		if (tolower(c) ~ /^(\[redacted\]|redacted|na|n\/a|<=7)$/) next
		if (c !~ /^[0-9]+$/) { print "not a count: " $0; next }
		c = c + 0
		if (rule == "suppress" && c >= 1 && c <= 7) print
		if (rule == "round" && c % 5 != 0) print
		if (rule == "check" && (c % 5 != 0 || (c >= 1 && c <= 7))) print
	}' "$2"
}

@test "sdc-suppress, sdc-round, sdc-check fail closed on corrupted tables" {
	local s first=${FIRST_SEED:-1} n=${SEEDS:-150} t=$BATS_TEST_TMPDIR
	local ok0=0 refused=0 bad=0
	for s in $(seq "$first" $((first + n - 1))); do
		raw_table "$s" >"$t/raw.csv"
		table "$s" safe >"$t/safe.csv"
		for cmd in suppress round check; do
			rc=0
			case $cmd in
			suppress) sdc-suppress "$t/raw.csv" >"$t/out" 2>"$t/err" || rc=$?
				in=$t/out ;;
			round) sdc-round -b 5 "$t/raw.csv" >"$t/out" 2>"$t/err" || rc=$?
				in=$t/out ;;
			check) sdc-check -q "$t/safe.csv" >"$t/out" 2>"$t/err" || rc=$?
				in=$t/safe.csv ;;
			esac
			case $rc in
			0)	ok0=$((ok0 + 1))
				if [ -n "$(unprotected "$cmd" "$in")" ]; then
					echo "seed $s: sdc-$cmd exit 0 with:"
					unprotected "$cmd" "$in"
					cat "$in"
					bad=$((bad + 1))
				fi ;;
			1)	[ "$cmd" = check ] || { echo "seed $s: sdc-$cmd exit 1"; bad=$((bad + 1)); } ;;
			2)	refused=$((refused + 1))
				[ "$(wc -l <"$t/err")" -eq 1 ] && [ ! -s "$t/out" ] || {
					echo "seed $s: sdc-$cmd exit 2 but:"; cat "$t/err" "$t/out"
					bad=$((bad + 1)); } ;;
			*)	echo "seed $s: sdc-$cmd exit $rc"; cat "$t/err"
				bad=$((bad + 1)) ;;
			esac
		done
	done
	echo "# $n seeds: $ok0 passed, $refused refused, $bad violations" >&3
	[ "$bad" -eq 0 ]
	# the property was exercised both ways
	[ "$ok0" -gt 0 ] && [ "$refused" -gt 0 ]
}
