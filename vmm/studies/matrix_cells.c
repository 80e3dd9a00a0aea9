/*
 * matrix_cells.c - a study's cells grouped by (engine, CPU model, SMP count):
 * the numbers both matrix-report's milestone tables (matrix_report.c) and its
 * phase tables (matrix_phases.c) are made of, and how a group reads in a
 * table cell and in CSV.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

#include "studies/matrix_report.h"
#include "studies/sample.h"
#include "lib/stats.h"

/* The cells of (engine, cpu, smp): milestone to minus milestone from (NULL: the origin). */
struct report_group report__group(const struct report_cells *r, const char *engine, const char *cpu, int smp,
				  const char *from, const char *to)
{
	static double v[REPORT_MAX_CELLS];
	struct report_group g = { 0, 0, NAN, NAN, NAN };

	for (int i = 0; i < r->nr_cells; i++) {
		const cJSON *c = r->cells[i], *ms = cJSON_GetObjectItem(c, "milestones_ns");
		double t;

		if (strcmp(sample__str(c, "engine", ""), engine) || strcmp(sample__str(c, "cpu", ""), cpu) ||
		    (int)sample__num(c, "smp") != smp)
			continue;
		if (!from)
			t = sample__num(ms, to);
		else if (!strcmp(from, REPORT_LAUNCH))
			t = sample__num(ms, to) + sample__num(c, "setup_ns");	/* NAN in files without it */
		else
			t = sample__num(ms, to) - sample__num(ms, from);
		if (isnan(t))
			g.failed++;
		else
			v[g.n++] = t / 1e6;
	}
	if (g.n) {
		struct stats st = stats__of(v, g.n);

		g.median = st.median;
		g.min = st.min;
		g.max = st.max;
	}
	return g;
}

void report__cell(char *buf, size_t len, const struct report_group *g)
{
	if (g->n)
		snprintf(buf, len, "%.1f [%.1f-%.1f] %d%s", g->median, g->min, g->max, g->n,
			 g->failed ? " +not reached" : "");
	else
		snprintf(buf, len, "%s", g->failed ? "not reached" : "-");
}

void report__csv_fields(FILE *f, const struct report_group *g)
{
	fprintf(f, ",%d,%d", g->n, g->failed);
	if (g->n)
		fprintf(f, ",%.3f,%.3f,%.3f\n", g->median, g->min, g->max);
	else
		fprintf(f, ",,,\n");
}

void report__table(const struct report_cells *r, FILE *f, const char *from, const char *to, int a, int b)
{
	fprintf(f, "  %-10s %4s", "cpu", "smp");
	for (int e = 0; e < r->nr_engines; e++)
		fprintf(f, "  %-32s", r->engines[e]);
	if (a >= 0)
		fprintf(f, "  %s/%s", r->engines[a], r->engines[b]);
	fputc('\n', f);
	for (int c = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++) {
			double med[REPORT_MAX_KEYS];

			fprintf(f, "  %-10s %4d", r->cpus[c], r->smps[s]);
			for (int e = 0; e < r->nr_engines; e++) {
				struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s], from, to);
				char cell[64];

				med[e] = g.median;
				report__cell(cell, sizeof(cell), &g);
				fprintf(f, "  %-32s", cell);
			}
			if (a >= 0 && !isnan(med[a]) && !isnan(med[b]) && med[b] > 0)
				fprintf(f, "  %.3f", med[a] / med[b]);
			else if (a >= 0)
				fprintf(f, "  -");
			fputc('\n', f);
		}
	fputc('\n', f);
}

double report__y_axis(FILE *f, int x, int y_base, int plot_h, double vmax)
{
	double raw = vmax > 0 ? vmax / 4 : 0.25, mag = pow(10, floor(log10(raw))), step;
	int n, decimals;

	step = raw / mag <= 1 ? mag : raw / mag <= 2 ? 2 * mag : raw / mag <= 5 ? 5 * mag : 10 * mag;
	n = MAX(1, (int)ceil(vmax / step - 1e-9));
	decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	for (int t = 0; t <= n; t++)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.*f</text>\n", x, y_base - plot_h * t / n + 4,
			decimals, t * step);
	return n * step;
}

int report__caption(FILE *f, const struct report_cells *r, int x, int y, int width)
{
	const int per_line = MAX(40, width / 6), line_h = 14;	/* about 6 px a character at 10 px */
	int lines = 0;

	for (int i = 0; i < r->nr_notes; i++) {
		const char *s = r->notes[i];

		while (*s) {
			int n = (int)strlen(s);

			if (n > per_line) {	/* break at the last space that fits */
				n = per_line;
				while (n > 0 && s[n] != ' ')
					n--;
				if (!n)
					n = per_line;
			}
			fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#444\">", x, y + line_h * lines);
			for (int k = 0; k < n; k++) {
				char one[2] = { s[k], 0 };

				xml__text(f, one);
			}
			fputs("</text>\n", f);
			lines++;
			s += n;
			while (*s == ' ')
				s++;
		}
	}
	return line_h * lines;
}
