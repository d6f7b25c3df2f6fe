/*
 * gen-table: write a seeded 3-way count table with every margin, for
 * the sdc-suppress benchmark (scripts/bench/suppress).  Not part of the
 * toolkit.
 *
 *   gen-table --levels L --patients N [--seed S]
 *
 * N patients fall into L x L x L cells with Zipf-like weights in each
 * column (weight of level i proportional to 1/(i+1)^0.8), so the table
 * has a few large cells and a long tail of small ones, as sparse study
 * tables do.  Output: a,b,c,n with "Total" margins, all cells present.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "bench.h"

static int
draw(const double *cum, int L)
{
	double u = (double)(next() >> 11) / 9007199254740992.0 * cum[L - 1];
	int lo = 0, hi = L - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
main(int argc, char **argv)
{
	long L = 0, N = 0, i, a, b, c, M;
	double *cum;
	long *n;
	int k;

	state = 1;
	for (k = 1; k + 1 < argc; k += 2) {
		if (strcmp(argv[k], "--levels") == 0)
			L = atol(argv[k + 1]);
		else if (strcmp(argv[k], "--patients") == 0)
			N = atol(argv[k + 1]);
		else if (strcmp(argv[k], "--seed") == 0)
			state = strtoull(argv[k + 1], NULL, 10);
	}
	if (L < 1 || L > 1000 || N < 1 || k != argc) {
		fputs("usage: gen-table --levels L --patients N [--seed S]\n",
		    stderr);
		return 2;
	}
	M = L + 1;	/* index L is the total */
	cum = malloc((size_t)L * sizeof(*cum));
	n = calloc((size_t)(M * M * M), sizeof(*n));
	if (cum == NULL || n == NULL)
		return 2;
	for (i = 0; i < L; i++)
		cum[i] = (i ? cum[i - 1] : 0) + 1 / pow((double)i + 1, 0.8);
	for (i = 0; i < N; i++) {
		long x = draw(cum, (int)L), y = draw(cum, (int)L);
		long z = draw(cum, (int)L);
		int m;

		for (m = 0; m < 8; m++)
			n[((m & 1 ? L : x) * M + (m & 2 ? L : y)) * M +
			    (m & 4 ? L : z)]++;
	}
	printf("a,b,c,n\n");
	for (a = 0; a < M; a++)
		for (b = 0; b < M; b++)
			for (c = 0; c < M; c++) {
				char sa[16], sb[16], sc[16];

				snprintf(sa, sizeof(sa), a == L ? "Total" : "a%ld", a);
				snprintf(sb, sizeof(sb), b == L ? "Total" : "b%ld", b);
				snprintf(sc, sizeof(sc), c == L ? "Total" : "c%ld", c);
				printf("%s,%s,%s,%ld\n", sa, sb, sc,
				    n[(a * M + b) * M + c]);
			}
	return 0;
}
