/*
 * matrix.c - `bootscope matrix`: every (engine, CPU model, SMP count,
 * sample) cell of a boot study, each a sample (sample.h), its result
 * appended to the results file the moment it ends (format in matrix.h).
 *
 * Run again with the same arguments, it reads the file, skips the cells
 * that gave a result and runs the rest, failed cells included (a failed
 * cell is kept, with its outcome and reason, and run again, unless
 * --keep-failed); a torn last line (power lost in the middle of a write) is
 * cut off first. Before the first cell, every file the boot options name
 * must open: a typo is a usage error, not a study of failures. It exits 1
 * when any cell of its shard failed, and says how many and the first why. --shard I/N takes every N-th cell
 * from the I-th, so N machines share a study; matrix-report merges their
 * files. --jobs J runs J cells at once (they disturb each other's timings).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cpu/cpu_model.h"
#include "studies/matrix.h"
#include "studies/sample.h"
#include "lib/util.h"

#define MAX_AXIS 16
#define MAX_JOBS 16

struct cell {
	const char *engine, *cpu;
	int smp, sample;
	bool done;		/* nothing to run: a result, or a failure kept with --keep-failed */
	bool seen, failed;	/* its latest line (in the file, or from this run) */
	char why[200];		/* why it failed */
};

struct matrix {
	const char *engines[MAX_AXIS], *cpus[MAX_AXIS];
	int smps[MAX_AXIS];
	int nr_engines, nr_cpus, nr_smps, samples, jobs, shard, shards;
	bool keep_failed;
	const char *out;
	char **boot;
	int nr_boot;
	struct cell *cells;
	int nr_cells, todo, finished;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* "a,b,c" into up to MAX_AXIS pieces of s (which is modified). */
static int split_list(char *s, const char **out)
{
	int n = 0;

	for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MAX_AXIS)
			return -E2BIG;
		out[n++] = t;
	}
	return n;
}

static int parse(struct matrix *m, int argc, char **argv, char *err, size_t errlen)
{
	static char default_engines[] = "kvm", default_smp[] = "1";
	const char *smps[MAX_AXIS];
	char *engines = default_engines, *cpus = NULL, *smp = default_smp;
	uint64_t v;

	m->samples = 1;
	m->jobs = 1;
	m->shard = 1;
	m->shards = 1;
	m->boot = calloc((size_t)argc + 1, sizeof(char *));
	if (!m->boot)
		return -ENOMEM;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool has = i + 1 < argc;

		if (!strcmp(o, "--engines") && has) {
			engines = argv[++i];
		} else if (!strcmp(o, "--cpus") && has) {
			cpus = argv[++i];
		} else if (!strcmp(o, "--smp") && has) {
			smp = argv[++i];
		} else if (!strcmp(o, "--samples") && has) {
			if (parse_u64(argv[++i], &v) || v < 1 || v > 1000) {
				snprintf(err, errlen, "--samples '%s': give 1 to 1000", argv[i]);
				return -EINVAL;
			}
			m->samples = (int)v;
		} else if (!strcmp(o, "--jobs") && has) {
			if (parse_u64(argv[++i], &v) || v < 1 || v > MAX_JOBS) {
				snprintf(err, errlen, "--jobs '%s': give 1 to %d", argv[i], MAX_JOBS);
				return -EINVAL;
			}
			m->jobs = (int)v;
		} else if (!strcmp(o, "--shard") && has) {
			if (sscanf(argv[++i], "%d/%d", &m->shard, &m->shards) != 2 || m->shards < 1 ||
			    m->shard < 1 || m->shard > m->shards) {
				snprintf(err, errlen, "--shard '%s': give I/N with 1 <= I <= N", argv[i]);
				return -EINVAL;
			}
		} else if (!strcmp(o, "--out") && has) {
			m->out = argv[++i];
		} else if (!strcmp(o, "--keep-failed")) {
			m->keep_failed = true;
		} else if (!strcmp(o, "--cpu") || !strcmp(o, "--json") || !strcmp(o, "--serial") ||
			   !strcmp(o, "--trace") || !strcmp(o, "--accel") || !strcmp(o, "--dry-run")) {
			snprintf(err, errlen, "matrix: %s does not go with matrix (--cpus, --smp and --engines set the cells)", o);
			return -EINVAL;
		} else {
			m->boot[m->nr_boot++] = argv[i];
		}
	}
	if (!m->out || !cpus) {
		snprintf(err, errlen, "matrix: give --cpus LIST and --out FILE");
		return -EINVAL;
	}
	if ((m->nr_engines = split_list(engines, m->engines)) <= 0 || (m->nr_cpus = split_list(cpus, m->cpus)) <= 0 ||
	    (m->nr_smps = split_list(smp, smps)) <= 0) {
		snprintf(err, errlen, "matrix: --engines, --cpus and --smp take 1 to %d comma-separated values", MAX_AXIS);
		return -EINVAL;
	}
	for (int i = 0; i < m->nr_engines; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(m->engines[i], m->engines[j])) {
				snprintf(err, errlen, "--engines: '%s' is given twice", m->engines[i]);
				return -EINVAL;
			}
	for (int i = 0; i < m->nr_cpus; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(m->cpus[i], m->cpus[j])) {
				snprintf(err, errlen, "--cpus: '%s' is given twice", m->cpus[i]);
				return -EINVAL;
			}
	for (int i = 0; i < m->nr_engines; i++)
		if (strcmp(m->engines[i], "kvm") && strcmp(m->engines[i], "qemu") && strcmp(m->engines[i], "qemu-tcg")) {
			snprintf(err, errlen, "--engines: '%s' is not kvm, qemu or qemu-tcg", m->engines[i]);
			return -EINVAL;
		}
	for (int i = 0; i < m->nr_cpus; i++)
		if (!cpu_model__find(m->cpus[i])) {
			snprintf(err, errlen, "--cpus: unknown CPU model '%s'; choose from %s", m->cpus[i], cpu_model__names());
			return -EINVAL;
		}
	for (int i = 0; i < m->nr_smps; i++) {
		if (parse_u64(smps[i], &v) || v < 1 || v > 8) {
			snprintf(err, errlen, "--smp: '%s' is not a vCPU count from 1 to 8", smps[i]);
			return -EINVAL;
		}
		m->smps[i] = (int)v;
		for (int j = 0; j < i; j++)
			if (m->smps[j] == (int)v) {
				snprintf(err, errlen, "--smp: %d is given twice", (int)v);
				return -EINVAL;
			}
	}
	return 0;
}

/* The cells, in the order they run: every engine of a (cpu, smp, sample) one after the other. */
static int make_cells(struct matrix *m)
{
	int n = 0;

	m->cells = calloc((size_t)(m->nr_engines * m->nr_cpus * m->nr_smps * m->samples), sizeof(*m->cells));
	if (!m->cells)
		return -ENOMEM;
	for (int c = 0; c < m->nr_cpus; c++)
		for (int s = 0; s < m->nr_smps; s++)
			for (int k = 1; k <= m->samples; k++)
				for (int e = 0; e < m->nr_engines; e++, n++)
					m->cells[n] = (struct cell){ .engine = m->engines[e], .cpu = m->cpus[c], .smp = m->smps[s], .sample = k };
	m->nr_cells = n;
	return 0;
}

static char *boot_json(const struct matrix *m)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (int i = 0; i < m->nr_boot; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(m->boot[i]));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

int matrix__read(const char *path, char **boot, matrix_line_fn fn, void *arg, char *err, size_t errlen)
{
	struct file_buf f;
	char *p, *end, *nl;
	int rc, lines = 0;

	if ((rc = file__read(&f, path, 1 << 30, err, errlen)))
		return rc;
	for (p = (char *)f.data, end = p + f.size; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		cJSON *o = cJSON_ParseWithLength(p, (size_t)(nl - p));
		const cJSON *h;

		lines++;
		if (!o) {
			snprintf(err, errlen, "%s: line %d is not JSON", path, lines);
			rc = -EINVAL;
			break;
		}
		h = cJSON_GetObjectItem(o, "bootscope_matrix");
		if (lines == 1 && !h) {
			snprintf(err, errlen, "%s: not a bootscope matrix results file (no header line)", path);
			rc = -EINVAL;
		} else if (h) {
			char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "boot"));

			if (!b) {
				rc = -ENOMEM;
			} else if (!*boot) {
				*boot = b;
				b = NULL;
			} else if (strcmp(b, *boot)) {
				snprintf(err, errlen, "%s was written for other boot options (%.200s, not %.200s)", path, b,
					 *boot);
				rc = -EINVAL;
			}
			free(b);
		} else {
			fn(arg, o);
		}
		cJSON_Delete(o);
		if (rc)
			break;
	}
	file__free(&f);
	return rc;
}

/*
 * Did a cell's line record a failure? Its "failed" field says so; lines
 * written before there was one are judged as sample__failure() judges a
 * summary, and a host error (no summary at all) always failed.
 */
bool matrix__line_failed(const cJSON *o)
{
	const cJSON *f = cJSON_GetObjectItem(o, "failed");

	if (cJSON_IsBool(f))
		return cJSON_IsTrue(f);
	return cJSON_IsTrue(cJSON_GetObjectItem(o, "host_error")) || sample__failure(o);
}

/* A line of the file: its cell's latest state. A failed cell runs again unless --keep-failed. */
static void mark_done(void *arg, const cJSON *o)
{
	struct matrix *m = arg;
	const char *engine = sample__str(o, "engine", ""), *cpu = sample__str(o, "cpu", "");
	double smp = sample__num(o, "smp"), k = sample__num(o, "sample");
	bool failed = matrix__line_failed(o);

	for (int i = 0; i < m->nr_cells; i++) {
		struct cell *c = &m->cells[i];

		if (strcmp(c->engine, engine) || strcmp(c->cpu, cpu) || c->smp != smp || c->sample != k)
			continue;
		if (c->seen && !c->failed && failed)
			continue;	/* a result is not undone by a later failure (overlapping runs) */
		c->seen = true;
		c->failed = failed;
		snprintf(c->why, sizeof(c->why), "%s: %.180s", sample__str(o, "outcome", "?"), sample__str(o, "message", ""));
		c->done = !failed || m->keep_failed;
	}
}

/* Is the file's first line a results header? (A file that is all one torn line counts as empty.) */
static int check_header(int fd, off_t size, const char *path, char *err, size_t errlen)
{
	char head[256];
	ssize_t n = pread(fd, head, (size_t)MIN(size, (off_t)sizeof(head) - 1), 0);

	if (n < 0)
		return -errno;
	head[n] = '\0';
	if (!strncmp(head, "{\"bootscope_matrix\"", 19))
		return 0;
	snprintf(err, errlen, "--out %s: not a bootscope matrix results file (no header line); give another file", path);
	return -EINVAL;
}

/*
 * Open the results file for appending, alone (a lock: two matrices on one
 * file would run the same cells). A new or emptied file gets its header; an
 * old one must have been written for the same boot options, its torn last
 * line is cut off, and its cells are marked done.
 */
static int open_results(struct matrix *m, char *err, size_t errlen)
{
	char *boot = boot_json(m);
	struct stat st;
	int fd, rc = 0;

	if (!boot)
		return -ENOMEM;
	fd = open(m->out, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "--out %s: %s", m->out, strerror(errno));
		free(boot);
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "--out %s: another bootscope matrix is writing it", m->out);
		rc = -EBUSY;
	} else if (st.st_size > 0 && !(rc = check_header(fd, st.st_size, m->out, err, errlen))) {
		off_t keep = st.st_size;
		char c;

		while (keep > 0 && pread(fd, &c, 1, keep - 1) == 1 && c != '\n')
			keep--;
		if (keep != st.st_size && ftruncate(fd, keep) < 0)
			rc = -errno;
		st.st_size = keep;
		if (!rc && keep > 0) {
			char *b = boot;

			rc = matrix__read(m->out, &b, mark_done, m, err, errlen);
			if (rc == -EINVAL && strstr(err, "other boot options"))
				snprintf(err + strlen(err), errlen - strlen(err), "; use another --out, or the same options");
		}
	}
	if (!rc && st.st_size == 0) {
		char line[8192];
		int n = snprintf(line, sizeof(line), "{\"bootscope_matrix\": 1, \"boot\": %s}\n", boot);

		if (n >= (int)sizeof(line) || write(fd, line, (size_t)n) != n || fsync(fd) < 0)
			rc = -EIO;
	}
	free(boot);
	if (rc) {
		if (!*err)
			snprintf(err, errlen, "--out %s: %s", m->out, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

/* The cell's line: what the sample's summary says, or why there is none. Notes the cell failed or not. */
static int append_result(int fd, struct cell *c, cJSON *summary, const char *why)
{
	cJSON *o = cJSON_CreateObject(), *ms = cJSON_CreateObject(), *m;
	const char *failure = summary ? sample__failure(summary) : why;
	char *s, host[64];
	int rc = 0;

	cJSON_AddStringToObject(o, "engine", c->engine);
	cJSON_AddStringToObject(o, "cpu", c->cpu);
	cJSON_AddNumberToObject(o, "smp", c->smp);
	cJSON_AddNumberToObject(o, "sample", c->sample);
	cJSON_AddStringToObject(o, "outcome", summary ? sample__str(summary, "outcome", "?") : "error");
	cJSON_AddStringToObject(o, "message", summary ? sample__str(summary, "message", "") : why);
	cJSON_AddNumberToObject(o, "exit_status", summary ? sample__num(summary, "exit_status") : EXIT_ERROR);
	cJSON_AddNumberToObject(o, "wall_ns", summary ? sample__num(summary, "wall_ns") : 0);
	/* Every milestone the boot was asked for: null when it was not reached, so the report lists it. */
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(summary, "milestones")) {
		double t = sample__num(m, "t_ns");

		if (!isnan(t))
			cJSON_AddNumberToObject(ms, sample__str(m, "name", "?"), t);
		else if (strcmp(c->engine, "kvm") == 0 || strcmp(sample__str(m, "name", ""), "entry"))
			cJSON_AddNullToObject(ms, sample__str(m, "name", "?"));	/* (QEMU cannot see a kernel's entry) */
	}
	cJSON_AddItemToObject(o, "milestones_ns", ms);
	/* From the command's launch to the engine's origin: milestones_ns plus this is the launch clock. */
	if (summary && !isnan(sample__num(summary, "setup_ns")))
		cJSON_AddNumberToObject(o, "setup_ns", sample__num(summary, "setup_ns"));
	else
		cJSON_AddNullToObject(o, "setup_ns");
	if (summary && !isnan(sample__num(cJSON_GetObjectItem(summary, "exits"), "total")))
		cJSON_AddNumberToObject(o, "exits", sample__num(cJSON_GetObjectItem(summary, "exits"), "total"));
	else
		cJSON_AddNullToObject(o, "exits");
	cJSON_AddStringToObject(o, "last_line",
				summary ? sample__str(cJSON_GetObjectItem(summary, "guest_output"), "last_line", "") : "");
	/* No summary: the host failed (no QEMU, a crash, out of memory), not the guest. */
	if (!summary)
		cJSON_AddTrueToObject(o, "host_error");
	cJSON_AddBoolToObject(o, "failed", failure != NULL);
	/* The caveat travels with the number: what kind of KVM measured it. */
	if (summary) {
		sample__host_kind(summary, host, sizeof(host));
		cJSON_AddStringToObject(o, "host", host);
		cJSON_AddStringToObject(o, "timing_note", sample__str(summary, "timing_note", ""));
	}
	c->seen = true;
	c->failed = failure != NULL;
	snprintf(c->why, sizeof(c->why), "%s: %.180s", summary ? sample__str(summary, "outcome", "?") : "error",
		 failure ? failure : "");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return -ENOMEM;
	{
		size_t n = strlen(s);

		s[n] = '\n';	/* replaces the NUL: one write of the whole line */
		if (write(fd, s, n + 1) != (ssize_t)(n + 1) || fsync(fd) < 0)
			rc = -EIO;
	}
	free(s);
	return rc;
}

static void fmt_duration(char *buf, size_t len, double s)
{
	if (s < 60)
		snprintf(buf, len, "%.0fs", s);
	else
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
}

/* A progress bar on a terminal; one line per finished cell otherwise. */
static void progress(const struct matrix *m, const struct cell *c, const char *outcome, double elapsed, bool tty)
{
	char el[32], eta[32] = "?";

	fmt_duration(el, sizeof(el), elapsed);
	if (m->finished)
		fmt_duration(eta, sizeof(eta), elapsed / m->finished * (m->todo - m->finished));
	if (tty) {
		int w = 30, filled = m->todo ? w * m->finished / m->todo : w;

		fprintf(stderr, "\r[%.*s%*s] %d/%d  %s %s smp %d #%d %s  elapsed %s  ETA %s\033[K", filled,
			"##############################", w - filled, "", m->finished, m->todo, c->engine, c->cpu,
			c->smp, c->sample, outcome, el, eta);
	} else {
		fprintf(stderr, "matrix: %d/%d %s %s smp=%d sample=%d %s (elapsed %s, ETA %s)\n", m->finished,
			m->todo, c->engine, c->cpu, c->smp, c->sample, outcome, el, eta);
	}
}

static int cell_opts(const struct matrix *m, const struct cell *c, char **opts, char *smp)
{
	int n = 0;

	for (int i = 0; i < m->nr_boot && n < ARGV_MAX - 4; i++)
		opts[n++] = m->boot[i];
	opts[n++] = "--cpu";
	opts[n++] = (char *)c->cpu;
	opts[n++] = "--smp";
	snprintf(smp, 8, "%d", c->smp);
	opts[n++] = smp;
	return n;
}

struct runner {
	struct matrix *m;
	struct sample_proc procs[MAX_JOBS];
	struct cell *running[MAX_JOBS];
	int fd, active;
	bool tty;
	struct timespec t0;
};

static void abort_all(struct runner *r)
{
	for (int j = 0; j < r->m->jobs; j++)
		if (r->running[j]) {
			sample__abort(&r->procs[j]);
			r->running[j] = NULL;
		}
}

/* Record every cell whose sample has ended. A failure to record ends everything. */
static void collect(struct runner *r)
{
	char err[512];

	for (int j = 0; j < r->m->jobs; j++) {
		struct timespec now;
		cJSON *summary;
		bool usage;
		int rc;

		if (!r->running[j] || !sample__done(&r->procs[j]))
			continue;
		summary = sample__result(&r->procs[j], &usage, err, sizeof(err));
		if (usage) {
			abort_all(r);
			die_usage("matrix: %s", err);
		}
		if ((rc = append_result(r->fd, r->running[j], summary, err))) {
			abort_all(r);
			die("matrix: cannot write %s: %s", r->m->out, strerror(-rc));
		}
		r->m->finished++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		progress(r->m, r->running[j], !summary ? "error (host), failed" : r->running[j]->failed ? r->running[j]->why :
			 sample__str(summary, "outcome", "?"),
			 (double)(now.tv_sec - r->t0.tv_sec) + (double)(now.tv_nsec - r->t0.tv_nsec) / 1e9, r->tty);
		cJSON_Delete(summary);
		r->running[j] = NULL;
		r->active--;
	}
}

int matrix__main(int argc, char **argv)
{
	static struct matrix m;
	static struct runner r;
	static char *opts[ARGV_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512] = "", smp[8];
	int next = 0, status = EXIT_OK;

	if (parse(&m, argc, argv, err, sizeof(err)) || make_cells(&m))
		die_usage("%s", *err ? err : "out of memory");
	/* A missing image fails every cell the same way: say so once, before any runs. */
	if (sample__check_files(m.boot, m.nr_boot, err, sizeof(err)))
		die_usage("matrix: %s", err);
	r.m = &m;
	r.tty = isatty(2);
	if ((r.fd = open_results(&m, err, sizeof(err))) < 0)
		die("%s", err);
	for (int i = 0; i < m.nr_cells; i++)
		if (i % m.shards == m.shard - 1 && !m.cells[i].done)
			m.todo++;
	fprintf(stderr, "matrix: %d cells, %d of them in shard %d/%d still to run, into %s\n", m.nr_cells, m.todo,
		m.shard, m.shards, m.out);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	while (!stop_signal && (r.active || next < m.nr_cells)) {
		/* Fill the free slots, then collect what ended. */
		for (int j = 0; j < m.jobs && !stop_signal; j++) {
			struct cell *c;

			if (r.running[j])
				continue;
			while (next < m.nr_cells && (next % m.shards != m.shard - 1 || m.cells[next].done))
				next++;
			if (next == m.nr_cells)
				break;
			c = &m.cells[next++];
			if (sample__start(&r.procs[j], c->engine, opts, cell_opts(&m, c, opts, smp), err, sizeof(err))) {
				abort_all(&r);
				die("matrix: %s", err);
			}
			r.running[j] = c;
			r.active++;
		}
		usleep(20000);
		collect(&r);
	}
	if (r.tty && m.finished)
		fputc('\n', stderr);
	if (stop_signal) {
		collect(&r);	/* cells that ended just before the signal count */
		abort_all(&r);
		fprintf(stderr, "matrix: interrupted by SIG%s: %d of %d cells done; run the same command again to finish\n",
			sigabbrev_np(stop_signal), m.finished, m.todo);
		status = 128 + stop_signal;
	} else {
		const struct cell *first = NULL;
		int failed = 0, shard_cells = 0;

		for (int i = 0; i < m.nr_cells; i++) {
			if (i % m.shards != m.shard - 1)
				continue;
			shard_cells++;
			if (m.cells[i].seen && m.cells[i].failed && !failed++)
				first = &m.cells[i];
		}
		if (failed) {
			fprintf(stderr, "matrix: done, %d cells run; %d of the %d cells failed (%s %s smp %d #%d: %s); "
				"`bootscope matrix-report %s` lists them, and the same command runs them again%s\n",
				m.finished, failed, shard_cells, first->engine, first->cpu, first->smp, first->sample,
				first->why, m.out, m.keep_failed ? " without --keep-failed" : "");
			status = EXIT_ERROR;
		} else {
			fprintf(stderr, "matrix: done, %d cells run, none failed; `bootscope matrix-report %s` shows them\n",
				m.finished, m.out);
		}
	}
	close(r.fd);
	return status;
}
