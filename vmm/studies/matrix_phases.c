/*
 * matrix_phases.c - where a study's boots spend their time: the phases
 * between consecutive milestones, per (engine, CPU model, SMP count).
 *
 * Milestones only one engine has (bootscope's reset, int19, boot-read and
 * entry come from its own vCPUs; QEMU's exits are not seen) would make
 * phases the engines cannot be compared on, so the phases run between the
 * milestones every engine reached. With the study's --mark lines for the
 * boot loader's first line, `Linux version` and `Run /init`, they are the
 * BIOS, the boot loader, the kernel and userspace.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "studies/matrix_report.h"
#include "studies/sample.h"
#include "lib/util.h"

struct phases {
	int nr;
	const char *from[REPORT_MAX_KEYS], *to[REPORT_MAX_KEYS];	/* the first from: REPORT_LAUNCH */
	int kvm, qemu;		/* engine indexes for the ratio, or -1 */
};

/*
 * Does milestone a come before b? As most cells that reached both say: the
 * engines differ in how long each part takes, not in the order of the parts.
 */
static bool before(const struct report_cells *r, const char *a, const char *b)
{
	int votes = 0;

	for (int i = 0; i < r->nr_cells; i++) {
		const cJSON *ms = cJSON_GetObjectItem(r->cells[i], "milestones_ns");
		double ta = sample__num(ms, a), tb = sample__num(ms, b);

		if (!isnan(ta) && !isnan(tb))
			votes += ta < tb ? 1 : ta > tb ? -1 : 0;
	}
	return votes > 0;
}

static bool engine_reached(const struct report_cells *r, const char *engine, const char *name)
{
	for (int i = 0; i < r->nr_cells; i++)
		if (!strcmp(sample__str(r->cells[i], "engine", ""), engine) &&
		    !isnan(sample__num(cJSON_GetObjectItem(r->cells[i], "milestones_ns"), name)))
			return true;
	return false;
}

static struct phases phases_of(const struct report_cells *r)
{
	struct phases p = { .kvm = -1, .qemu = -1 };
	const char *common[REPORT_MAX_KEYS];
	int n = 0;

	for (int k = 0; k < r->nr_names; k++) {
		int e;

		for (e = 0; e < r->nr_engines && engine_reached(r, r->engines[e], r->names[k]); e++)
			;
		if (e < r->nr_engines)
			continue;
		/* Insertion in boot order: a handful of names. */
		int j = n++;

		while (j > 0 && before(r, r->names[k], common[j - 1])) {
			common[j] = common[j - 1];
			j--;
		}
		common[j] = r->names[k];
	}
	for (int i = 0; i < n; i++) {
		p.from[i] = i ? common[i - 1] : REPORT_LAUNCH;
		p.to[i] = common[i];
	}
	p.nr = n;
	for (int e = 0; e < r->nr_engines; e++) {
		if (!strcmp(r->engines[e], "kvm"))
			p.kvm = e;
		else if (!strcmp(r->engines[e], "qemu") || (p.qemu < 0 && !strcmp(r->engines[e], "qemu-tcg")))
			p.qemu = e;
	}
	if (p.kvm < 0)
		p.qemu = -1;
	return p;
}

static const char *from_name(const char *from)
{
	return from;
}

void report__print_phases(const struct report_cells *r, FILE *f)
{
	struct phases p = phases_of(r);

	if (!p.nr)
		return;
	fprintf(f, "Phases: the time between consecutive milestones that every engine reached (launch: the "
		"command's exec, a QEMU's start-up included)%s\n\n", p.qemu >= 0 ? "; kvm/qemu is the ratio of the medians" : "");
	for (int k = 0; k < p.nr; k++) {
		fprintf(f, "phase %s..%s (ms): median [min-max] samples\n", from_name(p.from[k]), p.to[k]);
		report__table(r, f, p.from[k], p.to[k], p.qemu >= 0 ? p.kvm : -1, p.qemu);
	}
}

int report__phases_csv(const struct report_cells *r, const char *path)
{
	struct phases p = phases_of(r);
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (int i = 0; i < r->nr_notes; i++)
		fprintf(f, "# times: %s\n", r->notes[i]);
	fprintf(f, "cpu,smp,engine,phase,from,to,samples,not_reached,median_ms,min_ms,max_ms\n");
	for (int c = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++)
			for (int e = 0; e < r->nr_engines; e++)
				for (int k = 0; k < p.nr; k++) {
					struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s],
									      p.from[k], p.to[k]);

					if (!g.n && !g.failed)
						continue;
					fprintf(f, "%s,%d,%s,%d,", r->cpus[c], r->smps[s], r->engines[e], k + 1);
					csv__field(f, from_name(p.from[k]));
					fputc(',', f);
					csv__field(f, p.to[k]);
					report__csv_fields(f, &g);
				}
	return fclose(f) ? -errno : 0;
}

/*
 * Stacked bars, as systemd-analyze plot draws one boot: a group per (cpu,
 * smp), a bar per engine in it, a segment per phase (the phase's median),
 * bottom up in boot order. A phase a group did not reach is left out of its
 * bar, so a bar is only as tall as the phases it completed.
 */
int report__phases_svg(const struct report_cells *r, const char *path)
{
	static const char *const colours[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
					       "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f" };
	struct phases p = phases_of(r);
	const int left = 70, top = 46 + 16 * ((p.nr + 3) / 4), plot_h = 300, bar = 16, bottom = 90;
	const int slot = (bar + 4) * r->nr_engines + 16;
	int groups = r->nr_cpus * r->nr_smps, w = MAX(left + 20 + slot * MAX(groups, 1), left + 4 * 150);
	int h = top + 20 + plot_h + bottom + 24 + 16 * 3 * r->nr_notes;
	double ymax = 0;
	FILE *f;

	if (!p.nr)
		return -ENOENT;
	if (!(f = fopen(path, "we")))
		return -errno;
	for (int c = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++)
			for (int e = 0; e < r->nr_engines; e++) {
				double sum = 0;

				for (int k = 0; k < p.nr; k++) {
					struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s],
									      p.from[k], p.to[k]);
					if (g.n)
						sum += g.median;
				}
				ymax = MAX(ymax, sum);
			}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
		"font-size=\"11\">\n", w, h);
	fprintf(f, "<text x=\"%d\" y=\"18\" font-size=\"13\">Phases in ms: median per phase, stacked</text>\n", left);
	/* The engines by number under their bars: names would not fit, and first letters collide (qemu, qemu-tcg). */
	fprintf(f, "<text x=\"%d\" y=\"34\">bars: ", left);
	for (int e = 0; e < r->nr_engines; e++) {
		fprintf(f, "%s%d = ", e ? ", " : "", e + 1);
		xml__text(f, r->engines[e]);
	}
	fprintf(f, "</text>\n");
	for (int k = 0; k < p.nr; k++) {
		int x = left + 150 * (k % 4), y = 46 + 16 * (k / 4);

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", x,
			y, colours[k % ARRAY_SIZE(colours)], x + 14, y + 9);
		xml__text(f, from_name(p.from[k]));
		fputs("..", f);
		xml__text(f, p.to[k]);
		fputs("</text>\n", f);
	}
	const int base = top + 20 + plot_h;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + 20, left, base);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, base, w - 10, base);
	ymax = report__y_axis(f, left - 5, base, plot_h, ymax);
	report__caption(f, r, 10, base + bottom + 24, w - 20);
	for (int c = 0, gi = 0; c < r->nr_cpus; c++)
		for (int s = 0; s < r->nr_smps; s++, gi++) {
			int x0 = left + 10 + slot * gi;

			fprintf(f, "<text x=\"%d\" y=\"%d\" transform=\"rotate(45 %d %d)\">", x0, base + 28, x0, base + 28);
			xml__text(f, r->cpus[c]);
			fprintf(f, " smp %d</text>\n", r->smps[s]);
			for (int e = 0; e < r->nr_engines; e++) {
				int x = x0 + (bar + 4) * e;
				double below = 0;

				fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x + bar / 2,
					base + 12, e + 1);
				for (int k = 0; k < p.nr; k++) {
					struct report_group g = report__group(r, r->engines[e], r->cpus[c], r->smps[s],
									      p.from[k], p.to[k]);
					int y0, y1;

					if (!g.n)
						continue;
					y0 = base - (int)(plot_h * below / ymax);
					below += g.median;
					y1 = base - (int)(plot_h * below / ymax);
					fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", x, y1,
						bar, y0 - y1, colours[k % ARRAY_SIZE(colours)]);
					xml__text(f, r->engines[e]);
					fputc(' ', f);
					xml__text(f, r->cpus[c]);
					fprintf(f, " smp %d, ", r->smps[s]);
					xml__text(f, from_name(p.from[k]));
					fputs("..", f);
					xml__text(f, p.to[k]);
					fprintf(f, ": median %.1f ms, %d samples</title></rect>\n", g.median, g.n);
				}
			}
		}
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}
