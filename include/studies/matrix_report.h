/*
 * matrix_report.h - the finished cells of a study, grouped for
 * `bootscope matrix-report`: the milestone tables (matrix_report.c) and the
 * phase tables and stacked chart (matrix_phases.c) read the same groups
 * (matrix_cells.c).
 *
 * A group is the cells of one (engine, CPU model, SMP count); its value for
 * an interval (FROM, TO) is, per cell, milestone TO minus milestone FROM,
 * and the group gives the median, min and max over the cells that reached
 * both. FROM is REPORT_LAUNCH for the launch clock (the command's exec,
 * which every engine has: milestone TO plus the cell's setup_ns) and
 * "first-output" for the first-output clock; each engine's own origin is
 * not a clock a person can compare across engines, so it is never shown.
 */
#ifndef BOOTSCOPE_MATRIX_REPORT_H
#define BOOTSCOPE_MATRIX_REPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define REPORT_MAX_KEYS 64
#define REPORT_MAX_CELLS 100000
#define REPORT_LAUNCH "launch"		/* FROM: the launch clock */
#define REPORT_FIRST_OUTPUT "first-output"	/* FROM: the first-output clock */

struct report_cells {
	cJSON *cells[REPORT_MAX_CELLS];
	int nr_cells, duplicates;
	/* Distinct values, in the order first seen (SMP counts sorted). */
	const char *engines[REPORT_MAX_KEYS], *cpus[REPORT_MAX_KEYS], *names[REPORT_MAX_KEYS];
	int smps[REPORT_MAX_KEYS];
	int nr_engines, nr_cpus, nr_smps, nr_names;
	/* The caveats the cells carry: kinds of host, and distinct timing notes (empty ones left out). */
	const char *hosts[REPORT_MAX_KEYS], *notes[REPORT_MAX_KEYS];
	int nr_hosts, nr_notes;
	int retried;		/* failed cells whose later line (a run again) replaced them */
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
 * Charts: a y axis from 0 in round steps (1, 2 or 5 times a power of ten),
 * each label with the decimals its step needs, at x (right-aligned) over a
 * plot from y_base up plot_h pixels; returns the value at its top, which the
 * plot scales to. And the timing notes as a caption from (x, y), wrapped to
 * about width pixels; returns the height it took.
 */
double report__y_axis(FILE *f, int x, int y_base, int plot_h, double vmax);
int report__caption(FILE *f, const struct report_cells *r, int x, int y, int width);

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
