/*
 * clock.h - the time base of every timestamp bootscope records.
 *
 * clock__now() returns ticks: the TSC when the host's TSC is constant,
 * nonstop and the kernel's clocksource (one instruction, ~12 ns on the
 * development machine, against ~30 ns for clock_gettime); otherwise
 * nanoseconds of CLOCK_MONOTONIC_RAW. Ticks become nanoseconds only when
 * reported, through a calibration against CLOCK_MONOTONIC_RAW: pairs of
 * readings taken at start, every 100 ms by the main thread, and at the end,
 * fitted by least squares; the largest residual is the calibration error
 * the summary states. Reported times are relative to vm->t0, the first
 * KVM_RUN of vCPU 0.
 */
#ifndef BOOTSCOPE_CLOCK_H
#define BOOTSCOPE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

extern bool clock_use_tsc;

static inline uint64_t clock__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock__now(void)
{
	return clock_use_tsc ? __rdtsc() : clock__mono_ns();
}

struct clock_info {
	const char *source;		/* "tsc" or "CLOCK_MONOTONIC_RAW" */
	const char *host_clocksource;	/* the kernel's: "tsc", "kvm-clock", ... */
	double ticks_per_sec;
	double resolution_ns;		/* one tick */
	double error_ns;		/* largest calibration residual (0 for nanosecond ticks) */
	int samples;
};

/* Choose the source and make a first calibration (about 2 ms). */
void clock__init(void);
/* Add a (CLOCK_MONOTONIC_RAW, ticks) pair; the main thread calls it each tick. */
void clock__sample(void);
/* Ticks to nanoseconds, with the best calibration so far. */
double clock__ns(uint64_t ticks);
/* The same, rounded to a whole nanosecond: how the summary reports durations. */
double clock__whole_ns(uint64_t ticks);
/* Seconds to ticks, for deadlines. */
uint64_t clock__ticks(double seconds);
void clock__info(struct clock_info *info);

#endif
