/* Unit tests of the study statistics (lib/stats.c): medians, ranges, the bootstrap interval. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/stats.h"

static void test_median_and_range(void **state)
{
	double odd[] = { 9, 1, 5 }, even[] = { 4, 10, 2, 8 }, one[] = { 7 };
	struct stats s;

	(void)state;
	s = stats__of(odd, 3);
	assert_int_equal(s.n, 3);
	assert_true(s.median == 5 && s.min == 1 && s.max == 9);
	assert_true(odd[0] == 1 && odd[1] == 5 && odd[2] == 9);	/* sorted in place */
	s = stats__of(even, 4);
	assert_true(s.median == 6 && s.min == 2 && s.max == 10);
	s = stats__of(one, 1);
	assert_true(s.median == 7 && s.min == 7 && s.max == 7);
	s = stats__of(one, 0);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median) && isnan(s.min) && isnan(s.max));
}

static void test_interval_of_constant_sides(void **state)
{
	double a[] = { 10, 10, 10 }, b[] = { 25, 25, 25, 25 }, lo, hi;

	(void)state;
	stats__ratio_interval(a, 3, b, 4, &lo, &hi);
	assert_true(lo == 2.5 && hi == 2.5);
}

/* The interval holds the ratio of the medians, and the same samples in any order give the same interval. */
static void test_interval_brackets_the_ratio_and_is_reproducible(void **state)
{
	double a[] = { 100, 104, 98, 101, 130 }, b[] = { 151, 149, 160, 150, 148 };
	double a2[] = { 130, 101, 98, 104, 100 }, b2[] = { 148, 150, 160, 149, 151 };
	double lo, hi, lo2, hi2, lo3, hi3;

	(void)state;
	stats__ratio_interval(a, 5, b, 5, &lo, &hi);
	assert_true(lo <= 150.0 / 101.0 && 150.0 / 101.0 <= hi);
	assert_true(lo < hi);
	/* A resample's median is one of the values, so no ratio lies beyond the extremes. */
	assert_true(lo >= 148.0 / 130.0 && hi <= 160.0 / 98.0);
	stats__ratio_interval(a, 5, b, 5, &lo2, &hi2);
	assert_true(lo2 == lo && hi2 == hi);
	stats__ratio_interval(a2, 5, b2, 5, &lo3, &hi3);
	assert_true(lo3 == lo && hi3 == hi);
}

/* Sides that differ clearly: the interval excludes 1, on the side the slower one is. */
static void test_clear_difference_excludes_one(void **state)
{
	double a[] = { 10, 11, 12 }, b[] = { 20, 22, 24 }, lo, hi, lo2, hi2;

	(void)state;
	stats__ratio_interval(a, 3, b, 3, &lo, &hi);
	stats__ratio_interval(b, 3, a, 3, &lo2, &hi2);
	assert_true(lo > 1 && hi > 1 && lo2 < 1 && hi2 < 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_and_range),
		cmocka_unit_test(test_interval_of_constant_sides),
		cmocka_unit_test(test_interval_brackets_the_ratio_and_is_reproducible),
		cmocka_unit_test(test_clear_difference_excludes_one),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
