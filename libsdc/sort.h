/* sort.h - a stable merge sort that passes a context to its comparison. */
#ifndef SDC_SORT_H
#define SDC_SORT_H

#include <stddef.h>

/*
 * Sort n elements of size bytes at base, stably, by cmp(a, b, ctx)
 * (negative, zero, positive).  Returns -1 (base unchanged) when out of
 * memory, else 0.
 */
int sdc_sort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *, void *), void *ctx);

#endif
