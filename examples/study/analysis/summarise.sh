#!/bin/sh
# summarise.sh TABLE OUT: a Markdown summary of a released age band by
# sex table (already suppressed and rounded): the table itself and the
# share of each age band among the published total.  Only published
# cells are used, so the summary releases nothing new.
set -eu
table=$1
out=$2
awk -F, '
NR == 1 { next }
{ band[NR] = $1; sex[NR] = $2; n[NR] = $3; rows = NR }
$1 != "Total" && $2 == "Total" && $3 ~ /^[0-9]+$/ { byband[$1] = $3 }
$1 == "Total" && $2 == "Total" { total = $3 }
END {
	print "# Age band by sex (released)"
	print ""
	print "| age band | sex | n |"
	print "| --- | --- | --- |"
	for (i = 2; i <= rows; i++)
		printf "| %s | %s | %s |\n", band[i], sex[i], n[i]
	print ""
	print "## Share of the total by age band"
	print ""
	for (b in byband)
		if (total + 0 > 0)
			printf "- %s: %.1f%%\n", b, 100 * byband[b] / total | "sort"
}' "$table" >"$out"
