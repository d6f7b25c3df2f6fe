/* sort.c - bottom-up merge sort with a context argument. */
#include <stdlib.h>
#include <string.h>

#include "sort.h"

int
sdc_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *, void *), void *ctx)
{
	char *a = base, *b, *src, *dst;
	size_t width;

	if (n < 2)
		return 0;
	if ((b = malloc(n * size)) == NULL)
		return -1;
	src = a;
	dst = b;
	for (width = 1; width < n; width *= 2) {
		size_t lo;

		for (lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi) {
				if (cmp(src + j * size, src + i * size, ctx) < 0)
					memcpy(dst + k++ * size, src + j++ * size,
					    size);
				else
					memcpy(dst + k++ * size, src + i++ * size,
					    size);
			}
			memcpy(dst + k * size, src + i * size, (mid - i) * size);
			k += mid - i;
			memcpy(dst + k * size, src + j * size, (hi - j) * size);
		}
		src = src == a ? b : a;
		dst = dst == a ? b : a;
	}
	if (src != a)
		memcpy(a, src, n * size);
	free(b);
	return 0;
}
