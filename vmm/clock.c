/*
 * clock.c - facts about the time base, for the summary.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"

uint64_t clock__resolution_ns(void)
{
	struct timespec ts;

	if (clock_getres(CLOCK_MONOTONIC_RAW, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *clock__host_source(void)
{
	static char name[32];
	FILE *f;

	if (name[0])
		return name;
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (!f || !fgets(name, sizeof(name), f))
		strcpy(name, "unknown");
	if (f)
		fclose(f);
	name[strcspn(name, "\n")] = '\0';
	return name;
}
