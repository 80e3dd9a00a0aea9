/*
 * stats.c - medians, ranges and a bootstrap interval for a ratio of medians.
 *
 * A boot's time is not normally distributed (a few slow samples, a floor it
 * cannot go below), so a study reports medians, and compares two sides by the
 * ratio of their medians with a percentile bootstrap: resample each side with
 * replacement, take the ratio, repeat, and read the 2.5th and 97.5th
 * percentiles. The generator is a fixed-seed xorshift, so that a report is
 * reproducible from its samples.
 */
#include <math.h>
#include <stdint.h>

#include "lib/stats.h"
#include "lib/util.h"

struct stats stats__of(double *v, int n)
{
	struct stats s = { n, NAN, NAN, NAN };

	if (n > 0) {
		s.median = sort_median(v, (size_t)n);
		s.min = v[0];
		s.max = v[n - 1];
	}
	return s;
}

static uint32_t xorshift(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state >> 32);
}

void stats__ratio_interval(const double *a, int na, const double *b, int nb, double *lo, double *hi)
{
	static double ratios[STATS_BOOTSTRAP], ra[STATS_MAX_SAMPLES], rb[STATS_MAX_SAMPLES];
	uint64_t state = 0x9e3779b97f4a7c15ULL;

	for (int r = 0; r < STATS_BOOTSTRAP; r++) {
		for (int i = 0; i < na; i++)
			ra[i] = a[xorshift(&state) % (uint32_t)na];
		for (int i = 0; i < nb; i++)
			rb[i] = b[xorshift(&state) % (uint32_t)nb];
		ratios[r] = sort_median(rb, (size_t)nb) / sort_median(ra, (size_t)na);
	}
	sort_doubles(ratios, STATS_BOOTSTRAP);
	*lo = ratios[(int)(0.025 * STATS_BOOTSTRAP)];
	*hi = ratios[(int)(0.975 * STATS_BOOTSTRAP) - 1];
}
