/*
 * clock.c - choosing the tick source and calibrating ticks to nanoseconds.
 *
 * Samples are (CLOCK_MONOTONIC_RAW, TSC) pairs, each taken as the TSC read
 * between two clock reads, keeping the tightest of a few tries so the pair
 * is known to within the bracket. The rate is the least-squares slope of
 * ticks over nanoseconds; only the main thread samples and fits.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"

#define MAX_SAMPLES 4096

bool clock_use_tsc;

static struct {
	double ns[MAX_SAMPLES], ticks[MAX_SAMPLES];
	int n;
	uint64_t ns0, ticks0;		/* offsets keep the sums well conditioned */
	double ticks_per_ns;		/* current fit */
	double error_ns;
	double bracket_ns;		/* widest clock read around a TSC read */
	char host_source[32];
} cal = { .ticks_per_ns = 1.0 };

static bool cpuinfo_has(const char *flag)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			for (char *tok = strtok(line, " \t\n"); tok && !found; tok = strtok(NULL, " \t\n"))
				found = !strcmp(tok, flag);
	if (f)
		fclose(f);
	return found;
}

static void read_host_source(void)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");

	if (!f || !fgets(cal.host_source, sizeof(cal.host_source), f))
		strcpy(cal.host_source, "unknown");
	if (f)
		fclose(f);
	cal.host_source[strcspn(cal.host_source, "\n")] = '\0';
}

static void pair(uint64_t *ns, uint64_t *ticks)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t a = clock__mono_ns(), t = __rdtsc(), b = clock__mono_ns();

		if (b - a < best) {
			best = b - a;
			*ns = a + (b - a) / 2;
			*ticks = t;
		}
	}
	if ((double)best / 2 > cal.bracket_ns)
		cal.bracket_ns = (double)best / 2;
}

/* Least squares over the samples; the largest residual is the error. */
static void fit(void)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, n = cal.n, slope, icpt, worst = 0;

	if (cal.n < 2)
		return;
	for (int i = 0; i < cal.n; i++) {
		sx += cal.ns[i];
		sy += cal.ticks[i];
		sxx += cal.ns[i] * cal.ns[i];
		sxy += cal.ns[i] * cal.ticks[i];
	}
	if (n * sxx - sx * sx <= 0)
		return;
	slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	icpt = (sy - slope * sx) / n;
	for (int i = 0; i < cal.n; i++)
		worst = fmax(worst, fabs((cal.ticks[i] - icpt) / slope - cal.ns[i]));
	cal.ticks_per_ns = slope;
	cal.error_ns = worst + cal.bracket_ns;
}

void clock__sample(void)
{
	uint64_t ns, ticks;

	if (!clock_use_tsc)
		return;
	pair(&ns, &ticks);
	if (cal.n == MAX_SAMPLES) {	/* keep the first, thin the rest */
		for (int i = 1; i < MAX_SAMPLES / 2; i++) {
			cal.ns[i] = cal.ns[2 * i];
			cal.ticks[i] = cal.ticks[2 * i];
		}
		cal.n = MAX_SAMPLES / 2;
	}
	cal.ns[cal.n] = (double)(ns - cal.ns0);
	cal.ticks[cal.n] = (double)(ticks - cal.ticks0);
	cal.n++;
	fit();
}

void clock__init(void)
{
	uint64_t start;

	read_host_source();
	clock_use_tsc = !strcmp(cal.host_source, "tsc") && cpuinfo_has("constant_tsc") &&
			cpuinfo_has("nonstop_tsc");
	cal.ticks_per_ns = 1.0;
	if (!clock_use_tsc)
		return;
	pair(&cal.ns0, &cal.ticks0);
	cal.n = 0;
	clock__sample();
	start = clock__mono_ns();
	while (clock__mono_ns() - start < 2000000)
		;
	clock__sample();
}

double clock__ns(uint64_t ticks)
{
	return (double)ticks / cal.ticks_per_ns;
}

double clock__whole_ns(uint64_t ticks)
{
	return round(clock__ns(ticks));
}

uint64_t clock__ticks(double seconds)
{
	return (uint64_t)(seconds * 1e9 * cal.ticks_per_ns);
}

void clock__info(struct clock_info *info)
{
	if (!cal.host_source[0])
		read_host_source();
	info->source = clock_use_tsc ? "tsc" : "CLOCK_MONOTONIC_RAW";
	info->host_clocksource = cal.host_source;
	info->ticks_per_sec = cal.ticks_per_ns * 1e9;
	info->resolution_ns = 1.0 / cal.ticks_per_ns;
	info->error_ns = clock_use_tsc ? cal.error_ns : 0;
	info->samples = cal.n;
}
