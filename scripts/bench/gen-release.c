/*
 * gen-release: write seeded, synthetic patient-level data to stdout for
 * the sdc-check benchmark (scripts/bench/check), which counts it into
 * the linked tables of a release.  Not part of the toolkit.
 *
 *   gen-release [--patients N] [--regions R] [--seed S]
 *
 * Columns: region,sex,age_band,ethnicity,imd,year, one row per patient.
 * Every column is skewed so that crossed tables have a long tail of
 * small cells: region has R levels (default 40) with Zipf-like weights
 * (level i proportional to 1/(i+1)^0.8), sex has a rare third level,
 * ethnicity is dominated by one group, the oldest age bands are small.
 * Same arguments, same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct dim {
	const char *const *label;
	const double *weight;
	int n;
	double cum[64];
};

static void
prepare(struct dim *d)
{
	double s = 0;
	int i;

	for (i = 0; i < d->n; i++)
		d->cum[i] = s += d->weight[i];
}

static int
draw(const struct dim *d)
{
	double u = (double)(next() >> 11) / 9007199254740992.0 * d->cum[d->n - 1];
	int lo = 0, hi = d->n - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (d->cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static const char *const sexes[] = { "F", "M", "U" };
static const double sex_w[] = { 495, 495, 10 };
static const char *const ages[] = {
	"0-4", "5-11", "12-17", "18-24", "25-34", "35-44", "45-54", "55-64",
	"65-74", "75-79", "80-84", "85+"
};
static const double age_w[] = {
	55, 80, 70, 85, 140, 135, 135, 125, 95, 38, 26, 16
};
static const char *const eths[] = {
	"White", "Asian", "Black", "Mixed", "Other", "Unknown"
};
static const double eth_w[] = { 790, 90, 40, 30, 20, 30 };
static const char *const imds[] = { "1", "2", "3", "4", "5" };
static const double imd_w[] = { 230, 215, 200, 185, 170 };
static const char *const years[] = { "2019", "2020", "2021", "2022", "2023" };
static const double year_w[] = { 180, 190, 200, 210, 220 };

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAXREG 64


int
main(int argc, char **argv)
{
	static char regname[MAXREG][16];
	static const char *reglabel[MAXREG];
	static double reg_w[MAXREG];
	struct dim region = { reglabel, reg_w, 40, { 0 } };
	struct dim sex = { sexes, sex_w, NELEM(sexes), { 0 } };
	struct dim age = { ages, age_w, NELEM(ages), { 0 } };
	struct dim eth = { eths, eth_w, NELEM(eths), { 0 } };
	struct dim imd = { imds, imd_w, NELEM(imds), { 0 } };
	struct dim year = { years, year_w, NELEM(years), { 0 } };
	uint64_t patients = 1000000, seed = 1, r;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--patients") == 0 && i + 1 < argc)
			patients = parse_number("gen-release", argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--regions") == 0 && i + 1 < argc)
			region.n = (int)parse_number("gen-release", argv[i], argv[i + 1]), i++;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = parse_number("gen-release", argv[i], argv[i + 1]), i++;
		else {
			fputs("usage: gen-release [--patients N] [--regions R] "
			    "[--seed S]\n", stderr);
			return 2;
		}
	}
	if (region.n < 1 || region.n > MAXREG) {
		fprintf(stderr, "gen-release: --regions: 1..%d\n", MAXREG);
		return 2;
	}
	for (i = 0; i < region.n; i++) {
		snprintf(regname[i], sizeof(regname[i]), "Region %02d", i + 1);
		reglabel[i] = regname[i];
		reg_w[i] = 1 / pow(i + 1, 0.8);
	}
	prepare(&region);
	prepare(&sex);
	prepare(&age);
	prepare(&eth);
	prepare(&imd);
	prepare(&year);
	state = seed;
	fputs("region,sex,age_band,ethnicity,imd,year\n", stdout);
	for (r = 0; r < patients; r++)
		printf("%s,%s,%s,%s,%s,%s\n", region.label[draw(&region)],
		    sex.label[draw(&sex)], age.label[draw(&age)],
		    eth.label[draw(&eth)], imd.label[draw(&imd)],
		    year.label[draw(&year)]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("gen-release: write");
		return 2;
	}
	return 0;
}
