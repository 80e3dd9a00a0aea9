/*
 * trace.c - the trace file: rings, the writer thread, header and trailer.
 *
 * Layout (docs/trace-format.md): a 64-byte header, the records as the
 * writer drained them (in order within each thread, interleaved between
 * threads), the trailer, and a 16-byte end block pointing back at the
 * trailer so a reader finds it from the end of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "core/trace.h"
#include "core/outcome.h"
#include "core/vm.h"

_Thread_local struct trace_ring *trace_ring_self;

static struct {
	int fd;
	int nr_rings;
	struct trace_ring rings[MAX_VCPUS + 2];
	pthread_t writer;
	bool writer_started;
	atomic_bool stop;
	int error;		/* first write error */
	uint64_t lost;		/* records drained after a write error, or past the budget */
	uint64_t bytes;
	uint64_t budget;	/* bytes of records the file may hold: --output-limit less room for the trailer */
	bool full;		/* the budget ran out: records since were counted, not written */
} tr = { .fd = -1 };

/*
 * The trailer's room under --output-limit: a trace stopped by the limit
 * still ends with its trailer (and so is read whole), with the records that
 * did not fit counted as dropped and flagged as such. A trailer takes a few
 * KiB; half of a small limit is kept for it.
 */
#define TRACE_TRAILER_ROOM (256 * 1024)

static int write_all(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(tr.fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		len -= (size_t)w;
		tr.bytes += (uint64_t)w;
	}
	return 0;
}

/* Move whatever the rings hold to the file; returns how many records moved. */
static uint64_t drain(void)
{
	uint64_t moved = 0;

	for (int i = 0; i < tr.nr_rings; i++) {
		struct trace_ring *r = &tr.rings[i];
		uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
		uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

		while (t < h) {
			uint64_t at = t & r->mask, n = MIN(h - t, (uint64_t)r->mask + 1 - at);

			if (!tr.error && !tr.full && tr.bytes + n * sizeof(struct trace_rec) > tr.budget)
				tr.full = true;
			if (!tr.error && !tr.full) {
				int rc = write_all(&r->recs[at], n * sizeof(struct trace_rec));

				if (rc)
					tr.error = -rc;
				else
					r->written += n;
			}
			if (tr.error)
				tr.lost += n;
			else if (tr.full)
				r->dropped += n;	/* in the trailer's count of what this ring lost */
			t += n;
			moved += n;
			atomic_store_explicit(&r->tail, t, memory_order_release);
		}
	}
	return moved;
}

static void *writer_thread(void *arg)
{
	const struct timespec nap = { .tv_nsec = 2 * 1000 * 1000 };

	(void)arg;
	while (!atomic_load(&tr.stop))
		if (!drain())
			nanosleep(&nap, NULL);
	drain();
	return NULL;
}

int trace__open(struct vm *vm, const char *path, char *err, size_t errlen)
{
	uint8_t hdr[TRACE_HEADER_SIZE] = { 0 };
	size_t ring_bytes = TRACE_RING_RECORDS * sizeof(struct trace_rec);

	tr.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (tr.fd < 0) {
		snprintf(err, errlen, "--trace %s: %s", path, strerror(errno));
		return -errno;
	}
	tr.nr_rings = vm->cfg.smp + 2;	/* the vCPUs', the main thread's, the screen thread's */
	for (int i = 0; i < tr.nr_rings; i++) {
		struct trace_ring *r = &tr.rings[i];

		r->recs = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (r->recs == MAP_FAILED) {
			r->recs = NULL;
			snprintf(err, errlen, "--trace: cannot allocate %zu KiB of trace buffers", ring_bytes / 1024);
			return -ENOMEM;
		}
		r->mask = TRACE_RING_RECORDS - 1;
	}
	memcpy(hdr, TRACE_MAGIC, 8);
	put_le32(hdr + 8, TRACE_VERSION);
	put_le32(hdr + 12, TRACE_HEADER_SIZE);
	put_le32(hdr + 16, sizeof(struct trace_rec));
	put_le32(hdr + 20, (uint32_t)vm->cfg.smp);
	/*
	 * The clock, known now, so that a trace whose trailer never came (the run
	 * was killed) can still be read: ticks per second and the clock source.
	 */
	{
		struct clock_info ci;
		uint64_t bits;

		clock__info(&ci);
		memcpy(&bits, &ci.ticks_per_sec, 8);
		put_le32(hdr + 24, (uint32_t)bits);
		put_le32(hdr + 28, (uint32_t)(bits >> 32));
		put_le32(hdr + 32, clock_use_tsc ? 1 : 2);
	}
	tr.budget = vm->cfg.output_limit - MIN(vm->cfg.output_limit / 2, (uint64_t)TRACE_TRAILER_ROOM);
	if (write_all(hdr, sizeof(hdr))) {
		snprintf(err, errlen, "--trace %s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int trace__start(struct vm *vm, char *err, size_t errlen)
{
	int rc;

	if (tr.fd < 0)
		return 0;
	for (int i = 0; i < vm->nr_cpus; i++)
		vm->cpus[i]->trace = &tr.rings[i];
	trace_ring_self = &tr.rings[tr.nr_rings - 2];
	rc = pthread_create(&tr.writer, NULL, writer_thread, NULL);
	if (rc) {
		snprintf(err, errlen, "cannot start the trace writer: %s", strerror(rc));
		return -rc;
	}
	tr.writer_started = true;
	return 0;
}

void trace__point(enum trace_kind kind, uint8_t reason, uint16_t vcpu, uint64_t t, uint64_t a,
		  uint64_t b, uint8_t size, uint8_t flags)
{
	struct trace_ring *r = trace_ring_self;
	struct trace_rec *rec;

	if (!r || !(rec = trace__begin(r)))
		return;
	*rec = (struct trace_rec){ .t_enter = t, .t_exit = t, .t_done = t, .addr = a, .value = b,
				   .vcpu = vcpu, .kind = (uint8_t)kind, .reason = reason, .size = size,
				   .flags = flags };
	trace__commit(r);
}

void trace__attach_screen_thread(void)
{
	trace_ring_self = tr.fd >= 0 && tr.nr_rings ? &tr.rings[tr.nr_rings - 1] : NULL;
}

int trace__append(int ring, const struct trace_rec *rec)
{
	const struct timespec nap = { .tv_nsec = 1000 * 1000 };
	struct trace_ring *r;
	struct trace_rec *slot;

	if (tr.fd < 0 || ring < 0 || ring >= tr.nr_rings)
		return -EINVAL;
	r = &tr.rings[ring];
	while (atomic_load_explicit(&r->head, memory_order_relaxed) -
	       atomic_load_explicit(&r->tail, memory_order_acquire) > r->mask)
		nanosleep(&nap, NULL);
	slot = trace__begin(r);
	*slot = *rec;
	trace__commit(r);
	return 0;
}

/* Trailer building: a growing buffer of little-endian fields. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 8 > b->cap) {
		size_t cap = MAX(b->cap * 2, b->len + n + 256);
		uint8_t *p = realloc(b->p, cap);

		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put32(struct buf *b, uint32_t v) { uint8_t x[4]; put_le32(x, v); put(b, x, 4); }
static void put64(struct buf *b, uint64_t v) { uint8_t x[8]; put_le64(x, v); put(b, x, 8); }
static void putf64(struct buf *b, double d) { uint64_t v; memcpy(&v, &d, 8); put64(b, v); }

static void put_name(struct buf *b, const char *s)
{
	static const uint8_t zero[8];
	size_t n = strlen(s);

	put32(b, (uint32_t)n);
	put(b, s, n);
	put(b, zero, ALIGN_UP(n, 8) - n);
}

int trace__finish(struct vm *vm)
{
	struct buf b = { 0 };
	struct clock_info ci;
	uint64_t trailer_at;
	uint32_t nr_dev = (uint32_t)(vm->bus.nr_pio + vm->bus.nr_mmio);
	int rc;

	if (tr.fd < 0)
		return 0;
	atomic_store(&tr.stop, true);
	if (tr.writer_started)
		pthread_join(tr.writer, NULL);
	drain();
	trace_ring_self = NULL;

	clock__info(&ci);
	trailer_at = tr.bytes;
	put(&b, TRACE_TRAILER_MAGIC, 8);
	put32(&b, 0);				/* size, patched below */
	put32(&b, (uint32_t)tr.nr_rings);
	put64(&b, vm->t0);
	put64(&b, vm->run.t_end);
	putf64(&b, ci.ticks_per_sec);
	putf64(&b, ci.error_ns);
	put32(&b, clock_use_tsc ? 1 : 2);
	put32(&b, (uint32_t)vm->ms.n);
	put32(&b, nr_dev);
	put32(&b, tr.full ? TRACE_ENDED_AT_LIMIT : 0);	/* why records are missing, if they are */
	for (int i = 0; i < tr.nr_rings; i++) {
		put64(&b, tr.rings[i].written);
		put64(&b, tr.rings[i].dropped);
	}
	for (int i = 0; i < vm->ms.n; i++) {
		put32(&b, (uint32_t)i);
		put_name(&b, vm->ms.ms[i].name);
	}
	for (int i = 1; i <= vm->bus.nr_pio; i++) {
		bool mapped = vm->bus.pio[i].base != BUS_UNMAPPED;	/* a BAR the guest never programmed */

		put32(&b, 1);
		put64(&b, mapped ? vm->bus.pio[i].base : 0);
		put64(&b, mapped ? vm->bus.pio[i].len : 0);
		put_name(&b, vm->bus.pio[i].name);
	}
	for (int i = 0; i < vm->bus.nr_mmio; i++) {
		put32(&b, 2);
		put64(&b, vm->bus.mmio[i].base);
		put64(&b, vm->bus.mmio[i].len);
		put_name(&b, vm->bus.mmio[i].name);
	}
	put_name(&b, outcome__name(vm->run.outcome));
	put64(&b, trailer_at);
	put(&b, TRACE_END_MAGIC, 8);
	if (!b.p || b.len < 16) {
		rc = -ENOMEM;
	} else {
		put_le32(b.p + 8, (uint32_t)b.len);
		rc = tr.error ? -tr.error : write_all(b.p, b.len);
	}
	free(b.p);
	if (close(tr.fd) < 0 && !rc)
		rc = -errno;
	tr.fd = -1;
	return rc;
}

void trace__stats(uint64_t *records, uint64_t *dropped, uint64_t *bytes, int *error)
{
	*records = *dropped = 0;
	for (int i = 0; i < tr.nr_rings; i++) {
		*records += tr.rings[i].written;
		*dropped += tr.rings[i].dropped;
	}
	*dropped += tr.lost;
	*bytes = tr.bytes;
	*error = tr.error;
}
