/*
 * compare.c - `bootscope compare`: one boot, two sides, N samples each,
 * interleaved (A, B, A, B, ...) so that drift in the host's speed falls on
 * both sides alike.
 *
 * The sides are `run` (KVM) against `qemu` (stock QEMU), or, with --a and
 * --b, two configurations of one engine: the boot options plus each side's
 * extra options. Each sample is a child process, this same binary running
 * `run` or `qemu` with --json into a temporary file; its milestones (ns from
 * the engine's origin), outcome and exit count are read back. Per milestone
 * both sides have, the table gives median, min and max, and the ratio of the
 * medians, bootscope/QEMU (A/B) for run against qemu and B/A for two
 * configurations, with a 95% percentile-bootstrap confidence interval (2000
 * resamples of each side, a fixed seed, so the same samples give the same
 * interval) when each side has at least 3 samples.
 *
 * A sample that gave no result (sample__failure: a timeout, no boot device,
 * a host error) is kept with its reason, left out of the statistics, and
 * makes compare exit 1; its files and --json path are checked before the
 * first sample, so a typo costs nothing.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/child.h"
#include "studies/compare.h"
#include "studies/sample.h"
#include "lib/stats.h"
#include "lib/util.h"

#define MAX_SAMPLES STATS_MAX_SAMPLES
#define MAX_SIDE_ARGS 32
#define MAX_NAMES 64

struct sample {
	int order;		/* position in the interleaved sequence, from 0 */
	bool failed;		/* no result: left out of the statistics */
	char why[240];		/* then, why */
	char note[240];		/* its timing note: what kind of times these are */
	char host[64];		/* the kind of host that measured it */
	char outcome[32];
	double exits;		/* NAN when the engine does not see exits */
	double setup;		/* ns from the sample's launch to its engine's origin */
	double first_output;	/* ns from that origin to its first output: the other clock's zero */
	double t[MAX_NAMES];	/* ns per milestone name from the engine's origin, NAN when not reached */
};

/*
 * The two clocks every milestone is shown on. Each engine counts from an
 * origin of its own (bootscope: its first KVM_RUN; QEMU: its exec), which
 * no user sees; these two are what a user can put side by side:
 *   - from launch: the exec of the command (bootscope run or qemu), so a
 *     BIOS boot's QEMU child's start, and QEMU's own start-up, are inside;
 *   - from the first guest output: the same boot's work, start-up left out.
 */
enum clock_kind { CLOCK_LAUNCH, CLOCK_FIRST_OUTPUT, NR_CLOCKS };
static const char *const clock_title[NR_CLOCKS] = {
	"from launch (the command's exec; a QEMU's start-up included)",
	"from the first guest output",
};
static const char *const clock_key[NR_CLOCKS] = { "launch", "first_output" };

struct side {
	const char *label;	/* "A", "B" */
	const char *engine;	/* "kvm" or "qemu" */
	char *extra[MAX_SIDE_ARGS];
	int nr_extra;
	char options[512];	/* the extra options as given */
	char *words;		/* extra[] point into this copy */
	struct sample *s;
	int n;
};

struct compare {
	int samples;
	const char *json_path;
	FILE *json;		/* opened before the first sample */
	bool pair;		/* --a and --b: two configurations, ratio B/A; else bootscope/QEMU, A/B */
	char **boot;		/* the boot options, passed to every sample */
	int nr_boot;
	struct side side[2];
	char names[MAX_NAMES][64];
	int nr_names;
};

/* Split a side's OPTIONS like a shell would, for simple cases: words, with '...' or "..." quoting. */
static int split_words(const char *s, struct side *sd)
{
	char *r = sd->words = strdup(s);

	if (!r)
		return -ENOMEM;
	snprintf(sd->options, sizeof(sd->options), "%s", s);
	for (;;) {
		char *o, q = 0;

		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			return 0;
		if (sd->nr_extra == MAX_SIDE_ARGS)
			return -E2BIG;
		sd->extra[sd->nr_extra++] = o = r;
		while (*r) {
			if (q) {
				if (*r == q)
					q = 0;
				else
					*o++ = *r;
				r++;
			} else if (*r == '\'' || *r == '"') {
				q = *r++;
			} else if (*r == ' ' || *r == '\t') {
				r++;
				break;
			} else {
				*o++ = *r++;
			}
		}
		if (q)
			return -EINVAL;
		*o = '\0';	/* o never passes r, so the unread rest is intact */
	}
}

static int name_index(struct compare *c, const char *name)
{
	for (int i = 0; i < c->nr_names; i++)
		if (!strcmp(c->names[i], name))
			return i;
	if (c->nr_names == MAX_NAMES)
		return -1;
	snprintf(c->names[c->nr_names], sizeof(c->names[0]), "%s", name);
	return c->nr_names++;
}

/* One sample of a side, run to its end and read back. */
static int run_sample(struct compare *c, struct side *sd, int order, char *err, size_t errlen)
{
	static char *opts[ARGV_MAX];
	struct sample_proc p;
	struct sample *s = &sd->s[sd->n];
	cJSON *root, *m;
	bool usage;
	char why[400];
	int n = 0, rc;

	for (int i = 0; i < c->nr_boot && n < ARGV_MAX; i++)
		opts[n++] = c->boot[i];
	for (int i = 0; i < sd->nr_extra && n < ARGV_MAX; i++)
		opts[n++] = sd->extra[i];
	if ((rc = sample__start(&p, sd->engine, opts, n, err, errlen)))
		return rc;
	while (!child__wait(&p.child, 1000))
		;
	memset(s, 0, sizeof(*s));
	s->order = order;
	for (int i = 0; i < MAX_NAMES; i++)
		s->t[i] = NAN;
	s->exits = NAN;
	s->first_output = NAN;
	if (!(root = sample__result(&p, &usage, why, sizeof(why)))) {
		if (usage) {
			snprintf(err, errlen, "side %s: %s", sd->label, why);
			return -EINVAL;
		}
		/* The host failed this sample (no QEMU, a crash): a failure with its reason, not the end of the study. */
		s->failed = true;
		snprintf(s->outcome, sizeof(s->outcome), "error");
		snprintf(s->why, sizeof(s->why), "%.230s", why);
		sd->n++;
		return 0;
	}
	snprintf(s->outcome, sizeof(s->outcome), "%s", sample__str(root, "outcome", "?"));
	if (sample__failure(root)) {
		s->failed = true;
		snprintf(s->why, sizeof(s->why), "%s", sample__failure(root));
	}
	snprintf(s->note, sizeof(s->note), "%s", sample__str(root, "timing_note", ""));
	sample__host_kind(root, s->host, sizeof(s->host));
	s->exits = sample__num(cJSON_GetObjectItem(root, "exits"), "total");
	s->setup = sample__num(root, "setup_ns");
	if (isnan(s->setup))
		s->setup = 0;
	/* Every milestone the boot was asked for, reached or not, gets a row. */
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(root, "milestones")) {
		double t = sample__num(m, "t_ns");
		int i;

		if ((i = name_index(c, sample__str(m, "name", ""))) >= 0)
			s->t[i] = t;
		if (!strcmp(sample__str(m, "name", ""), "first-output"))
			s->first_output = t;
	}
	cJSON_Delete(root);
	sd->n++;
	return 0;
}

/* Milestone i on clock ck in one sample: ns, NAN when not reached (or no first output). */
static double on_clock(const struct sample *s, int i, enum clock_kind ck)
{
	return ck == CLOCK_LAUNCH ? s->t[i] + s->setup : s->t[i] - s->first_output;
}

/* Milestone i on clock ck in a side's samples that gave a result, into v; their count. */
static int values(const struct side *sd, int i, enum clock_kind ck, double *v)
{
	int n = 0;

	for (int k = 0; k < sd->n; k++) {
		double t = on_clock(&sd->s[k], i, ck);

		if (!sd->s[k].failed && !isnan(t))
			v[n++] = t;
	}
	return n;
}

static int results(const struct side *sd)
{
	int n = 0;

	for (int k = 0; k < sd->n; k++)
		n += !sd->s[k].failed;
	return n;
}

static cJSON *stats_json(const struct stats *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "n", s->n);
	if (!s->n)
		return o;
	cJSON_AddNumberToObject(o, "median_ns", round(s->median));
	cJSON_AddNumberToObject(o, "min_ns", round(s->min));
	cJSON_AddNumberToObject(o, "max_ns", round(s->max));
	return o;
}

/* The table (to f) and the JSON's milestones; returns how many samples failed. */
static int report(struct compare *c, FILE *f, cJSON *root)
{
	static double va[MAX_SAMPLES], vb[MAX_SAMPLES];
	struct side *A = &c->side[0], *B = &c->side[1];
	/* One direction everywhere: bootscope over QEMU, or B over A for two configurations. */
	const char *rname = c->pair ? "B/A" : "bootscope/qemu";
	cJSON *arr;
	char notes[4][240] = { "" };
	int nr_notes = 0, failed = 0;

	cJSON_AddStringToObject(root, "ratio", rname);
	arr = cJSON_AddArrayToObject(root, "milestones");
	fprintf(f, "compare: %d samples per side, interleaved; A = %s%s%s, B = %s%s%s\n", c->samples, A->engine,
		*A->options ? " " : "", A->options, B->engine, *B->options ? " " : "", B->options);
	/* The caveat travels with the numbers: each distinct timing note, once. */
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < c->side[k].n; j++) {
			const char *note = c->side[k].s[j].note;
			int i;

			for (i = 0; i < nr_notes && strcmp(notes[i], note); i++)
				;
			if (*note && i == nr_notes && nr_notes < 4)
				snprintf(notes[nr_notes++], sizeof(notes[0]), "%s", note);
		}
	for (int i = 0; i < nr_notes; i++)
		fprintf(f, "  times: %s\n", notes[i]);
	for (int i = 0; i < c->nr_names; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", c->names[i]);
		cJSON_AddItemToArray(arr, o);
	}
	for (int ck = 0; ck < NR_CLOCKS; ck++) {
		fprintf(f, "  %s:\n", clock_title[ck]);
		fprintf(f, "  %-16s %9s %9s %9s   %9s %9s %9s   %14s  %s\n", "milestone (ms)", "A median", "min", "max",
			"B median", "min", "max", rname, "95% CI");
		for (int i = 0; i < c->nr_names; i++) {
			int na, nb;
			struct stats sa, sb;
			cJSON *o;
			double lo, hi, ratio;

			if (ck == CLOCK_FIRST_OUTPUT && !strcmp(c->names[i], "first-output")) {
				cJSON_AddNullToObject(cJSON_GetArrayItem(arr, i), clock_key[ck]);	/* 0 by definition */
				continue;
			}
			na = values(A, i, ck, va);
			nb = values(B, i, ck, vb);
			sa = stats__of(va, na);
			sb = stats__of(vb, nb);
			o = cJSON_AddObjectToObject(cJSON_GetArrayItem(arr, i), clock_key[ck]);
			cJSON_AddItemToObject(o, "a", stats_json(&sa));
			cJSON_AddItemToObject(o, "b", stats_json(&sb));
			if (!na || !nb) {
				fprintf(f, "  %-16s reached by %d of A's %d and %d of B's %d samples with a result\n",
					c->names[i], na, results(A), nb, results(B));
				cJSON_AddNullToObject(o, "ratio");
				cJSON_AddNullToObject(o, "ci95");
				continue;
			}
			if (sa.median <= 0 || sb.median <= 0) {	/* before the first output: no ratio of times */
				fprintf(f, "  %-16s %9.3f %9.3f %9.3f   %9.3f %9.3f %9.3f   %14s\n", c->names[i], sa.median / 1e6,
					sa.min / 1e6, sa.max / 1e6, sb.median / 1e6, sb.min / 1e6, sb.max / 1e6, "-");
				cJSON_AddNullToObject(o, "ratio");
				cJSON_AddNullToObject(o, "ci95");
				continue;
			}
			ratio = c->pair ? sb.median / sa.median : sa.median / sb.median;
			cJSON_AddNumberToObject(o, "ratio", ratio);
			if (na < 3 || nb < 3) {
				/* A bootstrap of one or two samples says nothing about the spread: no interval at all. */
				cJSON_AddNullToObject(o, "ci95");
				cJSON_AddStringToObject(o, "ci95_why_not", "fewer than 3 samples on a side");
				fprintf(f, "  %-16s %9.3f %9.3f %9.3f   %9.3f %9.3f %9.3f   %14.3f  none (fewer than 3 samples)\n",
					c->names[i], sa.median / 1e6, sa.min / 1e6, sa.max / 1e6, sb.median / 1e6,
					sb.min / 1e6, sb.max / 1e6, ratio);
				continue;
			}
			if (c->pair)
				stats__ratio_interval(va, na, vb, nb, &lo, &hi);
			else
				stats__ratio_interval(vb, nb, va, na, &lo, &hi);
			{
				cJSON *ci = cJSON_AddArrayToObject(o, "ci95");

				cJSON_AddItemToArray(ci, cJSON_CreateNumber(lo));
				cJSON_AddItemToArray(ci, cJSON_CreateNumber(hi));
			}
			fprintf(f, "  %-16s %9.3f %9.3f %9.3f   %9.3f %9.3f %9.3f   %14.3f  [%.3f, %.3f]\n", c->names[i],
				sa.median / 1e6, sa.min / 1e6, sa.max / 1e6, sb.median / 1e6, sb.min / 1e6, sb.max / 1e6,
				ratio, lo, hi);
		}
	}
	for (int k = 0; k < 2; k++) {
		struct side *sd = &c->side[k];
		int n = 0;

		for (int j = 0; j < sd->n; j++)
			if (!sd->s[j].failed && !isnan(sd->s[j].exits))
				va[n++] = sd->s[j].exits;
		if (n) {
			struct stats se = stats__of(va, n);	/* sorts va before its ends are read */

			fprintf(f, "  exits (%s)       median %.0f, min %.0f, max %.0f\n", sd->label, se.median, se.min,
				se.max);
		}
	}
	/* Samples without a result: which, and why. */
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < c->side[k].n; j++) {
			const struct sample *s = &c->side[k].s[j];

			if (!s->failed)
				continue;
			failed++;
			fprintf(f, "  failed: %s sample %d (boot %d of %d): %s: %s\n", c->side[k].label, j + 1, s->order + 1,
				2 * c->samples, s->outcome, s->why);
		}
	return failed;
}

static cJSON *side_json(const struct compare *c, const struct side *sd)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "engine", sd->engine);
	cJSON_AddStringToObject(o, "options", sd->options);
	arr = cJSON_AddArrayToObject(o, "samples");
	for (int k = 0; k < sd->n; k++) {
		cJSON *s = cJSON_CreateObject(), *ms = cJSON_CreateObject();

		cJSON_AddNumberToObject(s, "order", sd->s[k].order);
		cJSON_AddStringToObject(s, "outcome", sd->s[k].outcome);
		cJSON_AddBoolToObject(s, "failed", sd->s[k].failed);
		if (sd->s[k].failed)
			cJSON_AddStringToObject(s, "why", sd->s[k].why);
		cJSON_AddStringToObject(s, "host", sd->s[k].host);
		cJSON_AddStringToObject(s, "timing_note", sd->s[k].note);
		if (isnan(sd->s[k].exits))
			cJSON_AddNullToObject(s, "exits");
		else
			cJSON_AddNumberToObject(s, "exits", sd->s[k].exits);
		for (int i = 0; i < c->nr_names; i++)
			if (!isnan(sd->s[k].t[i]))
				cJSON_AddNumberToObject(ms, c->names[i], sd->s[k].t[i]);
		cJSON_AddItemToObject(s, "milestones_ns", ms);	/* from the engine's own origin */
		cJSON_AddNumberToObject(s, "setup_ns", sd->s[k].setup);	/* launch to that origin */
		cJSON_AddItemToArray(arr, s);
	}
	return o;
}

/* compare's own options; everything else is the boot's. */
static int parse(struct compare *c, int argc, char **argv, char *err, size_t errlen)
{
	const char *a = NULL, *b = NULL, *engine = NULL;
	uint64_t v;

	c->boot = calloc((size_t)argc + 1, sizeof(char *));
	if (!c->boot)
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool has = i + 1 < argc;

		if (!strcmp(o, "--samples") && has) {
			if (parse_u64(argv[++i], &v) || v < 1 || v > MAX_SAMPLES) {
				snprintf(err, errlen, "--samples '%s': give 1 to %d", argv[i], MAX_SAMPLES);
				return -EINVAL;
			}
			c->samples = (int)v;
		} else if (!strcmp(o, "--a") && has) {
			a = argv[++i];
		} else if (!strcmp(o, "--b") && has) {
			b = argv[++i];
		} else if (!strcmp(o, "--engine") && has) {
			engine = argv[++i];
		} else if (!strcmp(o, "--json") && has) {
			c->json_path = argv[++i];
		} else if (!strcmp(o, "--serial") || !strcmp(o, "--trace") || !strcmp(o, "--dry-run") ||
			   !strcmp(o, "--stop-at-entry")) {
			snprintf(err, errlen, "compare: %s does not go with compare", o);
			return -EINVAL;
		} else {
			c->boot[c->nr_boot++] = argv[i];
		}
	}
	if (!c->samples) {
		snprintf(err, errlen, "compare: give --samples N");
		return -EINVAL;
	}
	if (!!a != !!b) {
		snprintf(err, errlen, "compare: give both --a and --b, or neither");
		return -EINVAL;
	}
	if (engine && strcmp(engine, "kvm") && strcmp(engine, "qemu")) {
		snprintf(err, errlen, "compare: --engine '%s': give kvm or qemu", engine);
		return -EINVAL;
	}
	if (engine && !a) {
		snprintf(err, errlen, "compare: --engine goes with --a and --b");
		return -EINVAL;
	}
	c->pair = a != NULL;
	c->side[0] = (struct side){ .label = "A", .engine = a ? (engine ? engine : "kvm") : "kvm" };
	c->side[1] = (struct side){ .label = "B", .engine = a ? (engine ? engine : "kvm") : "qemu" };
	if ((a && split_words(a, &c->side[0])) || (b && split_words(b, &c->side[1]))) {
		snprintf(err, errlen, "compare: --a/--b: unbalanced quotes or more than %d words", MAX_SIDE_ARGS);
		return -EINVAL;
	}
	return 0;
}

int compare__main(int argc, char **argv)
{
	static struct compare c;
	char err[512];
	cJSON *root;
	int rc = 0, failed, status = EXIT_OK;
	bool to_stdout;

	if (parse(&c, argc, argv, err, sizeof(err)))
		die_usage("%s", err);
	/* Before the first boot: the files the boot names, and where the JSON goes. */
	if (sample__check_files(c.boot, c.nr_boot, err, sizeof(err)))
		die_usage("compare: %s", err);
	to_stdout = c.json_path && !strcmp(c.json_path, "-");
	if (c.json_path && !(c.json = to_stdout ? stdout : fopen(c.json_path, "we")))
		die_usage("compare: --json %s: %s", c.json_path, strerror(errno));
	for (int k = 0; k < 2; k++)
		if (!(c.side[k].s = calloc((size_t)c.samples, sizeof(struct sample))))
			die("out of memory");
	for (int i = 0; i < 2 * c.samples && !rc; i++) {
		struct side *sd = &c.side[i % 2];

		rc = run_sample(&c, sd, i, err, sizeof(err));
		if (!rc) {
			const struct sample *s = &sd->s[sd->n - 1];

			fprintf(stderr, "compare: %d/%d %s (%s) %s%s%s\n", i + 1, 2 * c.samples, sd->label, sd->engine,
				s->outcome, s->failed ? ", failed: " : "", s->failed ? s->why : "");
		}
	}
	if (rc == -EINVAL)
		die_usage("%s", err);
	if (rc)
		die("%s", err);
	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "samples", c.samples);
	/* With --json -, the JSON alone goes to stdout. */
	failed = report(&c, to_stdout ? stderr : stdout, root);
	cJSON_AddItemToObject(root, "a", side_json(&c, &c.side[0]));
	cJSON_AddItemToObject(root, "b", side_json(&c, &c.side[1]));
	cJSON_AddNumberToObject(root, "failed", failed);
	if (c.json) {
		char *s = cJSON_Print(root);

		if (!s || fputs(s, c.json) < 0 || fputc('\n', c.json) < 0 || (c.json == stdout ? fflush(stdout) : fclose(c.json))) {
			free(s);
			die("compare: cannot write --json %s: %s", c.json_path, strerror(errno));
		}
		free(s);
	}
	cJSON_Delete(root);
	/* A failure is never a result: say so, and exit 1. */
	for (int k = 0; k < 2; k++)
		if (!results(&c.side[k])) {
			fprintf(stderr, "compare: side %s (%s) has no sample with a result: no comparison was made\n",
				c.side[k].label, c.side[k].engine);
			status = EXIT_ERROR;
		}
	if (failed) {
		fprintf(stderr, "compare: %d of %d samples failed (listed above)\n", failed, 2 * c.samples);
		status = EXIT_ERROR;
	}
	return status;
}
