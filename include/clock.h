/*
 * clock.h - the time base of every timestamp bootscope records.
 *
 * clock__now() is CLOCK_MONOTONIC_RAW read through the vDSO: no system call
 * on hosts whose clocksource is the TSC, and not slewed by NTP, so intervals
 * between exits are what the hardware counted. Times in reports are relative
 * to the first KVM_RUN of vCPU 0 (vm->t0).
 */
#ifndef BOOTSCOPE_CLOCK_H
#define BOOTSCOPE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CLOCK_SOURCE_NAME "CLOCK_MONOTONIC_RAW"

static inline uint64_t clock__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t clock__resolution_ns(void);
/* The host's kernel clocksource ("tsc", "kvm-clock", ...) or "unknown". */
const char *clock__host_source(void);

#endif
