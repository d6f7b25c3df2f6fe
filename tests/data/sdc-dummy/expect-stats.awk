# Statistics of a dataset made from defs/expect-all.py, one per line.
BEGIN { FS = "," }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	n++
	a = $col["age"]; sa += a; saa += a * a
	sex[$col["sex"]]++
	if ($col["died"] != "") { nd++; if ($col["died"] < "2023-05-01" || $col["died"] > "2024-12-31") bd++ }
	if ($col["asthma_date"] != "") { na++; if ($col["asthma_date"] < "2015-01-01" || $col["asthma_date"] > "2024-12-31") ba++; if ($col["asthma_date"] >= "2023-01-01") late++ }
	if ($col["asthma_code"] != "") { nc++; code[$col["asthma_code"]]++ }
	if ($col["hba1c"] != "") { nh++; h = $col["hba1c"]; sh += h; shh += h * h }
	if ($col["icu_days"] != "") { ni++; sI += $col["icu_days"] }
}
END {
	printf "n %d\nage mean %.2f\nage sd %.2f\n", n, sa / n, sqrt(saa / n - (sa / n) ^ 2)
	for (s in sex) printf "sex %s %.3f\n", s, sex[s] / n
	printf "died inc %.3f\ndied out-of-range %d\n", nd / n, bd + 0
	printf "asthma inc %.3f\nasthma out %d\nasthma late-share %.3f\n", na / n, ba + 0, late / na
	for (c in code) printf "code %s %.3f\n", c, code[c] / nc
	printf "hba1c inc %.3f\nhba1c mean %.2f\nhba1c sd %.2f\n", nh / n, sh / nh, sqrt(shh / nh - (sh / nh) ^ 2)
	printf "icu inc %.3f\nicu mean %.2f\n", ni / n, sI / ni
}
