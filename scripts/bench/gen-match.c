/*
 * gen-match: write a seeded, synthetic cases or candidate-controls CSV
 * to stdout for the sdc-match benchmark (scripts/bench/match).  Not part
 * of the toolkit.
 *
 *   gen-match --cases N [--seed S]
 *   gen-match --controls N [--cases-of N] [--seed S]
 *
 * Columns: patient_id,sex,region,age,index_date,date_of_death.  Cases
 * have ids 1000000000 + 40 i; about 1% of the controls reuse a case's id
 * (give --cases-of, the number of cases, for that), the others have ids
 * from 3000000000 up.  sex is F or M (0.5% empty); region one of nine
 * English regions, one quoted with a comma; age 0..99; index_date in
 * 2020-2021; date_of_death set for about 2%, in 2019-2022.  Same
 * arguments, same bytes.
 */
#include <string.h>
#include <unistd.h>

#define BENCH_OUT "gen-match"
#include "bench.h"

static const char *const regions[] = {
	"North East", "North West", "\"Yorkshire, and the Humber\"",
	"East Midlands", "West Midlands", "East", "London", "South East",
	"South West",
};


/* Day number (days since 1970-01-01) to Y-M-D, Howard Hinnant's method. */
static void
putdate(int64_t z)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	putu((uint64_t)y, 4);
	buf[len++] = '-';
	putu((uint64_t)m, 2);
	buf[len++] = '-';
	putu((uint64_t)d, 2);
}

#define D2019 17897	/* 2019-01-01 */
#define D2020 18262	/* 2020-01-01 */

int
main(int argc, char **argv)
{
	uint64_t n = 0, casesof = 0, r, u;
	int cases = -1, i;

	state = 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			n = parse_number("gen-match", argv[i], argv[i + 1]);
			cases = 1, i++;
		} else if (strcmp(argv[i], "--controls") == 0 && i + 1 < argc) {
			n = parse_number("gen-match", argv[i], argv[i + 1]);
			cases = 0, i++;
		} else if (strcmp(argv[i], "--cases-of") == 0 && i + 1 < argc) {
			casesof = parse_number("gen-match", argv[i],
			    argv[i + 1]), i++;
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			state = parse_number("gen-match", argv[i],
			    argv[i + 1]), i++;
		} else {
			cases = -1;
			break;
		}
	}
	if (cases < 0) {
		fputs("usage: gen-match --cases N | --controls N "
		    "[--cases-of N] [--seed S]\n", stderr);
		return 2;
	}
	state = state * 2 + (uint64_t)cases;	/* two different streams */
	put("patient_id,sex,region,age,index_date,date_of_death\n");
	for (r = 0; r < n; r++) {
		if (len > sizeof(buf) - 256)
			flush();
		u = next();
		if (cases)
			putu(1000000000 + 40 * r, 1);
		else if (casesof > 0 && u % 100 == 0)
			putu(1000000000 + 40 * ((u >> 8) % casesof), 1);
		else
			putu(3000000000ULL + r, 1);
		buf[len++] = ',';
		u = next();
		put(u % 1000 < 5 ? "" : u % 2 ? "F" : "M");
		buf[len++] = ',';
		put(regions[(u >> 16) % 9]);
		buf[len++] = ',';
		putu((u >> 24) % 100, 1);
		buf[len++] = ',';
		putdate(D2020 + (int64_t)((u >> 32) % 731));
		buf[len++] = ',';
		u = next();
		if (u % 100 < 2)
			putdate(D2019 + (int64_t)((u >> 8) % 1461));
		buf[len++] = '\n';
	}
	flush();
	return 0;
}
