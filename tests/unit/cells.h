/*
 * cells.h - the full k-way tables the unit tests generate: every cell,
 * margins included, at one index.  Define KMAX (the most dimensions)
 * before including.  A cell's digit d[j] is its level in dimension j,
 * or L[j] for the total.
 */
#ifndef SDC_TEST_CELLS_H
#define SDC_TEST_CELLS_H

#include <stddef.h>

struct tab {
	int k, L[KMAX];
	size_t ncell;		/* prod (L[j] + 1) */
	long *v;
};

static size_t
cell_index(const struct tab *t, const int *d)
{
	size_t i = 0;
	int j;

	for (j = 0; j < t->k; j++)
		i = i * (size_t)(t->L[j] + 1) + (size_t)d[j];
	return i;
}

static void
cell_digits(const struct tab *t, size_t i, int *d)
{
	int j;

	for (j = t->k - 1; j >= 0; j--) {
		d[j] = (int)(i % (size_t)(t->L[j] + 1));
		i /= (size_t)(t->L[j] + 1);
	}
}

#endif
