/*
 * matrix_report.h - the finished cells of a study, grouped for
 * `bootscope matrix-report`: the milestone tables (matrix_report.c) and the
 * phase tables and stacked chart (matrix_phases.c) read the same groups
 * (matrix_cells.c).
 *
 * A group is the cells of one (engine, CPU model, SMP count); its value for
 * an interval (FROM, TO) is, per cell, milestone TO minus milestone FROM
 * (FROM NULL: the run's time origin), and the group gives the median, min
 * and max over the cells that reached both.
 */
#ifndef BOOTSCOPE_MATRIX_REPORT_H
#define BOOTSCOPE_MATRIX_REPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define REPORT_MAX_KEYS 64
#define REPORT_MAX_CELLS 100000

struct report_cells {
	cJSON *cells[REPORT_MAX_CELLS];
	int nr_cells, duplicates;
	/* Distinct values, in the order first seen (SMP counts sorted). */
	const char *engines[REPORT_MAX_KEYS], *cpus[REPORT_MAX_KEYS], *names[REPORT_MAX_KEYS];
	int smps[REPORT_MAX_KEYS];
	int nr_engines, nr_cpus, nr_smps, nr_names;
};

struct report_group {
	int n, failed;			/* cells that reached both ends; cells that did not */
	double median, min, max;	/* ms, NAN when n is 0 */
};

struct report_group report__group(const struct report_cells *r, const char *engine, const char *cpu, int smp,
				  const char *from, const char *to);
/* A group as a table cell ("median [min-max] n", "not reached", "-"), and as CSV's last five fields. */
void report__cell(char *buf, size_t len, const struct report_group *g);
void report__csv_fields(FILE *f, const struct report_group *g);
/*
 * The rows under a table's title line: a column per engine, a row per (cpu,
 * smp), each cell the group of (from, to); with engines a and b (indexes,
 * -1 for none) a last column a/b, the ratio of their medians.
 */
void report__table(const struct report_cells *r, FILE *f, const char *from, const char *to, int a, int b);

/*
 * Phases: the intervals between consecutive milestones that every engine of
 * the study reached (in at least one cell), in boot order; the first
 * starts at the time origin. Printed as one table per
 * phase with the bootscope/QEMU ratio when both engines are there; written
 * as CSV and as an SVG of stacked bars (one bar per cell and engine, one
 * segment per phase). 0 or -errno.
 */
void report__print_phases(const struct report_cells *r, FILE *f);
int report__phases_csv(const struct report_cells *r, const char *path);
int report__phases_svg(const struct report_cells *r, const char *path);

#endif
