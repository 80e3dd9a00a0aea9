/*
 * matrix_report.c - `bootscope matrix-report RESULTS.jsonl... [--csv FILE]
 * [--phases-csv FILE] [--svg FILE] [--chart milestone|phases] [--milestone
 * NAME]`: the cells of one study (one file, or the shards of one, merged)
 * as a table per milestone (rows CPU model x SMP count, a column per engine:
 * median, min-max, samples), as CSV, and as an SVG chart of one milestone
 * with a series per engine and min-max bars. The phase tables and the
 * stacked chart are matrix_phases.c's. A cell that appears twice
 * (overlapping shards) counts once; a failed cell that was run again counts
 * as its later line. Every output repeats the cells' timing notes, and cells
 * measured on different kinds of host (kvm_pvm, a KVM under TCG, hardware)
 * are refused together: their times cannot be put side by side.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "studies/matrix.h"
#include "studies/matrix_report.h"
#include "studies/sample.h"
#include "lib/util.h"

#define MAX_KEYS REPORT_MAX_KEYS
#define MAX_CELLS REPORT_MAX_CELLS

/* s's index in list, added (a copy: the cell it came from may be replaced by a retry) when new. */
static int key(const char **list, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(list[i], s))
			return i;
	if (*n == MAX_KEYS || !(list[*n] = strdup(s)))
		return -1;
	return (*n)++;
}

static bool same_cell(const cJSON *a, const cJSON *b)
{
	return !strcmp(sample__str(a, "engine", ""), sample__str(b, "engine", "")) &&
	       !strcmp(sample__str(a, "cpu", ""), sample__str(b, "cpu", "")) &&
	       sample__num(a, "smp") == sample__num(b, "smp") && sample__num(a, "sample") == sample__num(b, "sample");
}

static void add_cell(void *arg, const cJSON *cell)
{
	struct report_cells *r = arg;
	cJSON *c = NULL, *m;
	double smp_v = sample__num(cell, "smp");
	int smp, i;

	/* A line that is not a cell as matrix writes them is skipped, not trusted. */
	if (isnan(smp_v) || smp_v < 1 || smp_v > 64 || isnan(sample__num(cell, "sample")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(cell, "engine")) || !cJSON_IsString(cJSON_GetObjectItem(cell, "cpu")) ||
	    !cJSON_IsObject(cJSON_GetObjectItem(cell, "milestones_ns")))
		return;
	smp = (int)smp_v;
	for (i = 0; i < r->nr_cells; i++)
		if (same_cell(r->cells[i], cell)) {
			/* A failed cell run again: its later line is the cell. Otherwise the first one stands. */
			if (matrix__line_failed(r->cells[i]) && (c = cJSON_Duplicate(cell, true))) {
				cJSON_Delete(r->cells[i]);
				r->cells[i] = c;
				r->retried++;
				break;
			}
			r->duplicates++;
			return;
		}
	if (i == r->nr_cells) {
		if (r->nr_cells == MAX_CELLS || !(c = cJSON_Duplicate(cell, true)))
			return;
		r->cells[r->nr_cells++] = c;
	}
	if (cJSON_IsString(cJSON_GetObjectItem(c, "host")))
		key(r->hosts, &r->nr_hosts, sample__str(c, "host", ""));
	if (*sample__str(c, "timing_note", ""))
		key(r->notes, &r->nr_notes, sample__str(c, "timing_note", ""));
	key(r->engines, &r->nr_engines, sample__str(c, "engine", "?"));
	key(r->cpus, &r->nr_cpus, sample__str(c, "cpu", "?"));
	for (i = 0; i < r->nr_smps && r->smps[i] != smp; i++)
		;
	if (i == r->nr_smps && r->nr_smps < MAX_KEYS) {
		/* Kept sorted. */
		int j = r->nr_smps++;

		while (j > 0 && r->smps[j - 1] > smp) {
			r->smps[j] = r->smps[j - 1];
			j--;
		}
		r->smps[j] = smp;
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "milestones_ns"))
		if (m->string)
			key(r->names, &r->nr_names, m->string);
}

static void print_table(const struct report_cells *r, FILE *f)
{
	int kvm = -1, qemu = -1;

	/* One ratio direction everywhere: bootscope (kvm) over stock QEMU (qemu). */
	for (int e = 0; e < r->nr_engines; e++) {
		if (!strcmp(r->engines[e], "kvm"))
			kvm = e;
		if (!strcmp(r->engines[e], "qemu"))
			qemu = e;
	}
	/* Every milestone on both clocks a person can put side by side (matrix_report.h). */
	for (int k = 0; k < r->nr_names; k++) {
		fprintf(f, "%s, from launch (ms): median [min-max] samples%s\n", r->names[k],
			kvm >= 0 && qemu >= 0 ? "; kvm/qemu is bootscope's median over QEMU's" : "");
		report__table(r, f, REPORT_LAUNCH, r->names[k], qemu >= 0 ? kvm : -1, qemu);
		if (!strcmp(r->names[k], REPORT_FIRST_OUTPUT))
			continue;
		fprintf(f, "%s, from the first guest output (ms): median [min-max] samples%s\n", r->names[k],
			kvm >= 0 && qemu >= 0 ? "; kvm/qemu is bootscope's median over QEMU's" : "");
		report__table(r, f, REPORT_FIRST_OUTPUT, r->names[k], qemu >= 0 ? kvm : -1, qemu);
	}
	/* Cells that did not end well: what ended them, and the guest's last words. */
	bool failed = false;

	for (int i = 0; i < r->nr_cells; i++) {
		const cJSON *c = r->cells[i];
		const char *o = sample__str(c, "outcome", "?");

		if (!matrix__line_failed(c))
			continue;
		fprintf(f, "failed: %s %s smp %d sample %d: %s: %s (last line: %s)\n", sample__str(c, "engine", "?"),
			sample__str(c, "cpu", "?"), (int)sample__num(c, "smp"), (int)sample__num(c, "sample"), o,
			sample__str(c, "message", ""), sample__str(c, "last_line", ""));
		failed = true;
	}
	if (failed)
		fputc('\n', f);
}

static int write_csv(const struct report_cells *r, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (int i = 0; i < r->nr_notes; i++)
		fprintf(f, "# times: %s\n", r->notes[i]);
	fprintf(f, "cpu,smp,engine,milestone,clock,samples,not_reached,median_ms,min_ms,max_ms\n");
	for (int c = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++)
			for (int e = 0; e < r->nr_engines; e++)
				for (int k = 0; k < r->nr_names; k++)
					for (int ck = 0; ck < 2; ck++) {
						const char *from = ck ? REPORT_FIRST_OUTPUT : REPORT_LAUNCH;
						struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s],
										      from, r->names[k]);

						if ((!g.n && !g.failed) || (ck && !strcmp(r->names[k], REPORT_FIRST_OUTPUT)))
							continue;
						fprintf(f, "%s,%d,%s,", r->cpus[c], r->smps[s], r->engines[e]);
						csv__field(f, r->names[k]);
						fprintf(f, ",%s", from);
						report__csv_fields(f, &g);
					}
	return fclose(f) ? -errno : 0;
}

/* One milestone: a group of points per (cpu, smp), a colour per engine, bars from min to max. */
static int write_svg(const struct report_cells *r, const char *path, const char *name, const char *clock)
{
	static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e" };
	const int left = 70, top = 50, plot_h = 300, slot = 24 * (r->nr_engines + 1), bottom = 90;
	int groups = r->nr_cpus * r->nr_smps;
	int w = MAX(left + 20 + slot * MAX(groups, 1), MAX(560, left + 90 * r->nr_engines + 20));
	int h = top + plot_h + bottom + 24 + 16 * 3 * r->nr_notes;
	double ymax = 0;
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (int c = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++)
			for (int e = 0; e < r->nr_engines; e++) {
				struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s], clock, name);

				if (g.n)
					ymax = MAX(ymax, g.max);
			}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		"font-size=\"11\">\n", w, h);
	fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"13\">", left);
	xml__text(f, name);
	fprintf(f, " in ms %s: median, bar from min to max</text>\n",
		strcmp(clock, REPORT_LAUNCH) ? "from the first guest output" : "from launch");
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top, left, top + plot_h);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + plot_h, w - 10,
		top + plot_h);
	ymax = report__y_axis(f, left - 5, top + plot_h, plot_h, ymax);
	report__caption(f, r, 10, top + plot_h + bottom + 24, w - 20);
	for (int e = 0; e < r->nr_engines; e++)
		fprintf(f, "<rect x=\"%d\" y=\"30\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"39\">%s</text>\n",
			left + 90 * e, colours[e % 5], left + 90 * e + 14, r->engines[e]);
	for (int c = 0, gi = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++, gi++) {
			int x0 = left + 10 + slot * gi;

			fprintf(f, "<text x=\"%d\" y=\"%d\" transform=\"rotate(45 %d %d)\">%s smp %d</text>\n", x0,
				top + plot_h + 15, x0, top + plot_h + 15, r->cpus[c], r->smps[s]);
			for (int e = 0; e < r->nr_engines; e++) {
				struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s], clock, name);
				int x = x0 + 12 + 24 * e;

				if (!g.n)
					continue;
#define Y(v) (top + plot_h - (int)(plot_h * (v) / ymax))
				fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>\n", x, Y(g.min), x,
					Y(g.max), colours[e % 5]);
				fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"><title>%s %s smp %d: median %.1f ms, "
					"%d samples</title></circle>\n", x, Y(g.median), colours[e % 5], r->engines[e],
					r->cpus[c], r->smps[s], g.median, g.n);
#undef Y
			}
		}
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

/* Did any cell reach milestone name? */
static bool reached(const struct report_cells *r, const char *name)
{
	for (int i = 0; i < r->nr_cells; i++)
		if (!isnan(sample__num(cJSON_GetObjectItem(r->cells[i], "milestones_ns"), name)))
			return true;
	return false;
}

int matrix_report__main(int argc, char **argv)
{
	static struct report_cells r;
	const char *csv = NULL, *svg = NULL, *name = NULL, *phases_csv = NULL, *chart = "milestone";
	const char *clock = REPORT_LAUNCH;
	char *boot = NULL, err[512];
	int files = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv") && i + 1 < argc)
			csv = argv[++i];
		else if (!strcmp(argv[i], "--svg") && i + 1 < argc)
			svg = argv[++i];
		else if (!strcmp(argv[i], "--milestone") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--clock") && i + 1 < argc) {
			clock = argv[++i];
			if (strcmp(clock, REPORT_LAUNCH) && strcmp(clock, REPORT_FIRST_OUTPUT))
				die_usage("matrix-report: --clock '%s': give launch or first-output", clock);
		}
		else if (!strcmp(argv[i], "--phases-csv") && i + 1 < argc)
			phases_csv = argv[++i];
		else if (!strcmp(argv[i], "--chart") && i + 1 < argc) {
			chart = argv[++i];
			if (strcmp(chart, "milestone") && strcmp(chart, "phases"))
				die_usage("matrix-report: --chart '%s': give milestone or phases", chart);
		}
		else if (argv[i][0] == '-')
			die_usage("matrix-report: unknown option '%s'", argv[i]);
		else if ((files++, rc = matrix__read(argv[i], &boot, add_cell, &r, err, sizeof(err))))
			die("matrix-report: %s", err);
	}
	if (!files)
		die_usage("matrix-report: give one or more results files (bootscope matrix --out)");
	if (!r.nr_cells)
		die("matrix-report: no finished cells in %s", files > 1 ? "these files" : argv[argc - 1]);
	if (r.nr_hosts > 1) {
		char kinds[512] = "";

		for (int i = 0; i < r.nr_hosts; i++)
			snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s", i ? ", " : "", r.hosts[i]);
		die_usage("matrix-report: these cells were measured on different kinds of host (%s), whose times "
			  "cannot be compared; report each kind's files on their own", kinds);
	}
	/* The chart's milestone, checked before anything is printed: --milestone, else until. */
	{
		const char *want = name ? name : "until";
		char present[512] = "";
		int i;

		for (i = 0; i < r.nr_names && (strcmp(r.names[i], want) || !reached(&r, want)); i++)
			;
		if (i == r.nr_names && (name || (svg && !strcmp(chart, "milestone")))) {
			for (int k = 0; k < r.nr_names; k++)
				if (reached(&r, r.names[k]))
					snprintf(present + strlen(present), sizeof(present) - strlen(present), "%s%s",
						 *present ? ", " : "", r.names[k]);
			die_usage("matrix-report: %s '%s': no cell reached it; the milestones reached are %s%s",
				  name ? "--milestone" : "the chart's milestone, by default", want, *present ? present : "none",
				  name ? "" : " (choose one with --milestone)");
		}
		name = want;
	}
	printf("%d cells from %d file%s, boot options %s%s%s\n\n", r.nr_cells, files, files > 1 ? "s" : "", boot,
	       r.duplicates ? " (duplicates counted once)" : "",
	       r.retried ? " (failed cells that were run again count as their later run)" : "");
	for (int i = 0; i < r.nr_notes; i++)
		printf("times: %s\n\n", r.notes[i]);
	for (int e = 0; e < r.nr_engines; e++)
		if (!strcmp(r.engines[e], "qemu-tcg"))
			printf("qemu-tcg is QEMU's software emulation: its times are not hardware timings.\n\n");
	print_table(&r, stdout);
	report__print_phases(&r, stdout);
	if (csv && (rc = write_csv(&r, csv)))
		die("matrix-report: --csv %s: %s", csv, strerror(-rc));
	if (phases_csv && (rc = report__phases_csv(&r, phases_csv)))
		die("matrix-report: --phases-csv %s: %s", phases_csv, strerror(-rc));
	if (svg && !strcmp(chart, "phases") && (rc = report__phases_svg(&r, svg)))
		die("matrix-report: --svg %s: %s", svg,
		    rc == -ENOENT ? "no milestone was reached by every engine, so there are no phases" : strerror(-rc));
	if (svg && !strcmp(chart, "milestone") && (rc = write_svg(&r, svg, name, clock)))
		die("matrix-report: --svg %s: %s", svg, strerror(-rc));
	free(boot);
	for (int i = 0; i < r.nr_cells; i++)
		cJSON_Delete(r.cells[i]);
	return EXIT_OK;
}
