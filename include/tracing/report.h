/*
 * report.h - reading a trace file and reporting on it (`bootscope report`).
 */
#ifndef BOOTSCOPE_REPORT_H
#define BOOTSCOPE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/trace.h"

#define TRACE_MAX_RINGS 10	/* 8 vCPUs, the main thread, the screen thread */
#define TRACE_MAX_NAMES 128

struct trace_dev {
	uint32_t type;		/* 1 port I/O, 2 MMIO */
	uint64_t base, len;
	char name[64];
};

struct trace_file {
	uint32_t nr_vcpus, nr_rings;
	struct trace_rec *recs;	/* sorted by t_exit */
	size_t nr;
	uint64_t ring_records[TRACE_MAX_RINGS], ring_dropped[TRACE_MAX_RINGS];
	uint64_t t0, t_end;
	double ticks_per_sec, error_ns;
	uint32_t clock_source;	/* 1 TSC, 2 CLOCK_MONOTONIC_RAW nanoseconds */
	char ms_names[TRACE_MAX_NAMES][64];
	uint32_t nr_ms;
	struct trace_dev devs[TRACE_MAX_NAMES];
	uint32_t nr_devs;
	char outcome[32];
	uint32_t flags;		/* TRACE_ENDED_AT_LIMIT: records past --output-limit were dropped */
	bool partial;		/* no trailer (the run was killed): what was read, by number */
	uint64_t partial_torn;	/* bytes after the last complete record, not read */
};

/*
 * Load and check a trace. Every length, count and offset is checked against
 * the file; a bad file gives -EINVAL and a message naming the problem. A
 * trace that lost its trailer (the run was killed) is read up to its last
 * complete record, with partial set.
 */
int trace_file__load(struct trace_file *t, const char *path, char *err, size_t errlen);
void trace_file__free(struct trace_file *t);

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV, REPORT_CHROME, REPORT_SVG };

int report__write(const struct trace_file *t, enum report_format f, FILE *out);
int report__main(int argc, char **argv);

#endif
