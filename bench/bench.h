/*
 * What the benchmark programs share: the clock they time with and the
 * order they sort timings in for medians and percentiles.
 */
#ifndef BENCH_H
#define BENCH_H

/* Seconds on the monotonic clock. */
double bench_now(void);
/* Orders doubles for qsort. */
int bench_cmp(const void *, const void *);

#endif
