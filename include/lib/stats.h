/*
 * stats.h - the statistics of boot studies: a sample's median and range, and
 * a confidence interval for the ratio of two samples' medians.
 */
#ifndef BOOTSCOPE_STATS_H
#define BOOTSCOPE_STATS_H

#define STATS_BOOTSTRAP 2000		/* resamples per interval */
#define STATS_MAX_SAMPLES 1000		/* the most values a side may have */

struct stats {
	int n;
	double median, min, max;	/* NAN when n is 0 */
};

/* Sorts v[0..n) and describes it. */
struct stats stats__of(double *v, int n);
/*
 * The 95% percentile-bootstrap interval of median(b) / median(a), from
 * STATS_BOOTSTRAP resamples with a fixed seed: the same samples always give
 * the same interval. 1 <= na, nb <= STATS_MAX_SAMPLES.
 */
void stats__ratio_interval(const double *a, int na, const double *b, int nb, double *lo, double *hi);

#endif
