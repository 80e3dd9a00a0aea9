/*
 * trace_read.c - loading a trace file, trusting nothing in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracing/report.h"
#include "lib/util.h"

#define TRACE_MAX_FILE (4ULL << 30)

struct cursor {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static const uint8_t *take(struct cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || n > c->left) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	c->left -= n;
	return p;
}

static uint32_t u32(struct cursor *c) { const uint8_t *p = take(c, 4); return p ? get_le32(p) : 0; }
static uint64_t u64(struct cursor *c) { const uint8_t *p = take(c, 8); return p ? get_le64(p) : 0; }
static double f64(struct cursor *c) { uint64_t v = u64(c); double d; memcpy(&d, &v, 8); return d; }

static void name(struct cursor *c, char *out, size_t outlen)
{
	uint32_t n = u32(c);
	const uint8_t *p;

	out[0] = '\0';
	if (n > 255) {
		c->bad = true;
		return;
	}
	p = take(c, ALIGN_UP(n, 8));
	if (!p)
		return;
	snprintf(out, outlen, "%.*s", (int)n, (const char *)p);
	for (char *s = out; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\' || *s == '<' || *s == '>' || *s == '&')
			*s = '?';	/* names end up in CSV, JSON and SVG */
}

static int cmp_rec(const void *a, const void *b)
{
	const struct trace_rec *x = a, *y = b;

	if (x->t_exit != y->t_exit)
		return x->t_exit < y->t_exit ? -1 : 1;
	return x->vcpu < y->vcpu ? -1 : x->vcpu > y->vcpu;
}

/* A record that could have been written by bootscope: known kind, known thread, times in order. */
static bool record_ok(const struct trace_file *t, const struct trace_rec *r)
{
	return r->kind >= TR_EXIT && r->kind <= TR_FORWARD && (r->vcpu < t->nr_vcpus || r->vcpu == TRACE_MAIN_THREAD) &&
	       r->t_exit >= r->t_enter && r->t_done >= r->t_exit && (r->kind != TR_MILESTONE || r->addr < t->nr_ms);
}

/*
 * A trace without its trailer: the run was killed (SIGKILL, a crash, power
 * lost) before it could write one. Every complete record up to the first
 * that is not one is read; the clock comes from the header (written at the
 * start, since the screen); milestones are known by number only, the device
 * map and the ring counts not at all, and the report says so.
 */
static int load_partial(struct trace_file *t, const struct file_buf *f, const char *path, char *err, size_t errlen)
{
	const uint8_t *d = f->data;
	size_t whole = (f->size - TRACE_HEADER_SIZE) / sizeof(struct trace_rec);
	uint64_t bits = get_le32(d + 24) | (uint64_t)get_le32(d + 28) << 32;
	double tps;

	memcpy(&tps, &bits, 8);
	if (!(tps > 1e3 && tps < 1e12)) {
		snprintf(err, errlen, "%s: truncated: the trailer is missing (the run that wrote it did not finish), and "
			 "its header has no clock to read it by (a trace from an older bootscope)", path);
		return -EINVAL;
	}
	t->partial = true;
	t->ticks_per_sec = tps;
	t->clock_source = get_le32(d + 32);
	t->nr_rings = t->nr_vcpus + 2;
	t->nr_ms = TRACE_MAX_NAMES;	/* milestone ids are checked against this; named by number */
	snprintf(t->outcome, sizeof(t->outcome), "unfinished");
	t->recs = malloc(whole ? whole * sizeof(struct trace_rec) : 1);
	if (!t->recs) {
		snprintf(err, errlen, "%s: out of memory for %zu records", path, whole);
		return -ENOMEM;
	}
	memcpy(t->recs, d + TRACE_HEADER_SIZE, whole * sizeof(struct trace_rec));
	for (t->nr = 0; t->nr < whole && record_ok(t, &t->recs[t->nr]); t->nr++)
		;
	t->partial_torn = f->size - TRACE_HEADER_SIZE - t->nr * sizeof(struct trace_rec);
	qsort(t->recs, t->nr, sizeof(*t->recs), cmp_rec);
	t->nr_ms = 0;
	for (size_t i = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];

		if (r->kind == TR_MILESTONE && r->addr + 1 > t->nr_ms)
			t->nr_ms = (uint32_t)r->addr + 1;
		if (i == 0 || r->t_enter < t->t0)
			t->t0 = r->t_enter;
		if (r->t_done > t->t_end)
			t->t_end = r->t_done;
	}
	for (uint32_t i = 0; i < t->nr_ms; i++)
		snprintf(t->ms_names[i], sizeof(t->ms_names[i]), "milestone#%u", i);
	t->ring_records[0] = t->nr;
	return 0;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int trace_file__load(struct trace_file *t, const char *path, char *err, size_t errlen)
{
	struct file_buf f;
	struct cursor c;
	uint64_t trailer_at, nrecs = 0;
	const uint8_t *d;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = file__read(&f, path, TRACE_MAX_FILE, err, errlen)))
		return rc;
	d = f.data;
	if (f.size < TRACE_HEADER_SIZE || memcmp(d, TRACE_MAGIC, 8))
		BAD("%s: not a bootscope trace (no BSTRACE header)", path);
	if (get_le32(d + 8) != TRACE_VERSION)
		BAD("%s: trace format version %u; this bootscope reads version %u", path, get_le32(d + 8), TRACE_VERSION);
	if (get_le32(d + 12) != TRACE_HEADER_SIZE || get_le32(d + 16) != sizeof(struct trace_rec))
		BAD("%s: corrupt header (header size %u, record size %u)", path, get_le32(d + 12), get_le32(d + 16));
	t->nr_vcpus = get_le32(d + 20);
	if (t->nr_vcpus < 1 || t->nr_vcpus > TRACE_MAX_RINGS - 2)
		BAD("%s: corrupt header (%u vCPUs)", path, t->nr_vcpus);
	if (f.size < TRACE_HEADER_SIZE + 16 || memcmp(d + f.size - 8, TRACE_END_MAGIC, 8)) {
		rc = load_partial(t, &f, path, err, errlen);
		file__free(&f);
		if (rc)
			trace_file__free(t);
		return rc;
	}
	trailer_at = get_le32(d + f.size - 16) | (uint64_t)get_le32(d + f.size - 12) << 32;
	if (trailer_at < TRACE_HEADER_SIZE || trailer_at > f.size - 16 ||
	    (trailer_at - TRACE_HEADER_SIZE) % sizeof(struct trace_rec))
		BAD("%s: corrupt: the trailer offset %llu is impossible", path, (unsigned long long)trailer_at);
	c = (struct cursor){ d + trailer_at, f.size - 16 - trailer_at, false };
	if (!take(&c, 8) || memcmp(d + trailer_at, TRACE_TRAILER_MAGIC, 8))
		BAD("%s: corrupt: no trailer at offset %llu", path, (unsigned long long)trailer_at);
	if (u32(&c) != f.size - trailer_at)
		BAD("%s: corrupt: the trailer's size does not match the file", path);
	t->nr_rings = u32(&c);
	/* One per vCPU, then the main thread's, then (since screens) the screen thread's. */
	if (t->nr_rings != t->nr_vcpus + 1 && t->nr_rings != t->nr_vcpus + 2)
		BAD("%s: corrupt trailer: %u rings for %u vCPUs", path, t->nr_rings, t->nr_vcpus);
	t->t0 = u64(&c);
	t->t_end = u64(&c);
	t->ticks_per_sec = f64(&c);
	t->error_ns = f64(&c);
	t->clock_source = u32(&c);
	t->nr_ms = u32(&c);
	t->nr_devs = u32(&c);
	t->flags = u32(&c);
	if (c.bad || !(t->ticks_per_sec > 1e3 && t->ticks_per_sec < 1e12) ||
	    t->nr_ms > TRACE_MAX_NAMES || t->nr_devs > TRACE_MAX_NAMES)
		BAD("%s: corrupt trailer (clock %g ticks/s, %u milestones, %u devices)", path, t->ticks_per_sec,
		    t->nr_ms, t->nr_devs);
	for (uint32_t i = 0; i < t->nr_rings; i++) {
		t->ring_records[i] = u64(&c);
		t->ring_dropped[i] = u64(&c);
		nrecs += t->ring_records[i];
	}
	for (uint32_t i = 0; i < t->nr_ms; i++) {
		if (u32(&c) != i)
			c.bad = true;
		name(&c, t->ms_names[i], sizeof(t->ms_names[i]));
	}
	for (uint32_t i = 0; i < t->nr_devs; i++) {
		t->devs[i].type = u32(&c);
		t->devs[i].base = u64(&c);
		t->devs[i].len = u64(&c);
		name(&c, t->devs[i].name, sizeof(t->devs[i].name));
	}
	name(&c, t->outcome, sizeof(t->outcome));
	if (c.bad || c.left)
		BAD("%s: corrupt trailer (names or devices run past it)", path);
	t->nr = (trailer_at - TRACE_HEADER_SIZE) / sizeof(struct trace_rec);
	if (nrecs != t->nr)
		BAD("%s: corrupt: the trailer counts %llu records, the file holds %zu", path,
		    (unsigned long long)nrecs, t->nr);

	t->recs = malloc(t->nr ? t->nr * sizeof(struct trace_rec) : 1);
	if (!t->recs)
		BAD("%s: out of memory for %zu records", path, t->nr);
	memcpy(t->recs, d + TRACE_HEADER_SIZE, t->nr * sizeof(struct trace_rec));
	for (size_t i = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];

		if (!record_ok(t, r))
			BAD("%s: corrupt record %zu (kind %u, vCPU %u)", path, i, r->kind, r->vcpu);
	}
	qsort(t->recs, t->nr, sizeof(*t->recs), cmp_rec);
	file__free(&f);
	return 0;
fail:
	file__free(&f);
	trace_file__free(t);
	return -EINVAL;
}

void trace_file__free(struct trace_file *t)
{
	free(t->recs);
	t->recs = NULL;
	t->nr = 0;
}
