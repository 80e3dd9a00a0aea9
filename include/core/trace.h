/*
 * trace.h - every VM exit of every vCPU, recorded without disturbing it.
 *
 * Each vCPU thread (and the main and screen threads, for milestones they match) owns a
 * ring of fixed-size records, preallocated before the run. Recording is a
 * bounds check, a 48-byte store and a release store of the head index: no
 * allocation, no lock, no system call. A writer thread drains the rings to
 * the file every few milliseconds; at the end of the run (any end: guest
 * exit, timeout, error, SIGINT/SIGTERM) it drains what is left and writes
 * the trailer, with per-ring record counts and drops, the clock
 * calibration, the milestone names and the device map. A full ring drops
 * the record and counts it; the file format is in docs/trace-format.md.
 */
#ifndef BOOTSCOPE_TRACE_H
#define BOOTSCOPE_TRACE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_MAGIC "BSTRACE"		/* 8 bytes with the NUL */
#define TRACE_TRAILER_MAGIC "BSTRAIL"
#define TRACE_END_MAGIC "BSTREND"
#define TRACE_VERSION 1
#define TRACE_HEADER_SIZE 64
#define TRACE_RING_RECORDS (64 * 1024)	/* per thread; a power of two */
#define TRACE_MAIN_THREAD 0xffff	/* vcpu field of records the main thread wrote */
#define TRACE_ENDED_AT_LIMIT 1		/* trailer flag: records past --output-limit were dropped */

/*
 * TR_FORWARD: an access (count items) sent to the QEMU device model within
 * the exit before it; t_enter..t_exit is the round trip, lock wait included.
 */
enum trace_kind { TR_EXIT = 1, TR_EVENT = 2, TR_MILESTONE = 3, TR_FORWARD = 4 };
/* TRF_NO_ADDR: the engine that recorded the exit did not say which port or address (QEMU's trace). */
enum trace_flags { TRF_WRITE = 1, TRF_STRING = 2, TRF_MMIO = 4, TRF_NO_ADDR = 8 };

/* One record; little-endian on disk, exactly this layout. */
struct trace_rec {
	uint64_t t_enter;	/* ticks: KVM_RUN entered (exits); the event time otherwise */
	uint64_t t_exit;	/* ticks: KVM_RUN returned; the event time otherwise */
	uint64_t t_done;	/* ticks: the VMM finished handling the exit */
	uint64_t addr;		/* port, physical address, MSR, event's a, milestone id */
	uint64_t value;		/* data written or read (first item of string I/O), event's b */
	uint16_t vcpu;
	uint8_t kind;		/* enum trace_kind */
	uint8_t reason;		/* KVM exit reason, or enum event_kind */
	uint8_t size;		/* access size in bytes */
	uint8_t flags;		/* enum trace_flags */
	uint16_t count;		/* items of string I/O */
};
_Static_assert(sizeof(struct trace_rec) == 48, "trace record layout");

struct trace_ring {
	struct trace_rec *recs;
	uint32_t mask;
	_Atomic uint64_t head;	/* next slot the producer fills */
	_Atomic uint64_t tail;	/* next slot the writer takes */
	uint64_t dropped;	/* producer only */
	uint64_t written;	/* writer only */
};

/* The calling thread's ring, or NULL when not tracing. */
extern _Thread_local struct trace_ring *trace_ring_self;

static inline struct trace_rec *trace__begin(struct trace_ring *r)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h - atomic_load_explicit(&r->tail, memory_order_acquire) > r->mask) {
		r->dropped++;
		return NULL;
	}
	return &r->recs[h & r->mask];
}

static inline void trace__commit(struct trace_ring *r)
{
	atomic_store_explicit(&r->head, atomic_load_explicit(&r->head, memory_order_relaxed) + 1,
			      memory_order_release);
}

struct vm;

/* Create the file and the rings (one per vCPU and one for the main thread). */
int trace__open(struct vm *vm, const char *path, char *err, size_t errlen);
/*
 * Start the writer thread. Rings: one per vCPU, then the main thread's, then
 * the screen console's thread's (its screen milestones and key presses).
 */
int trace__start(struct vm *vm, char *err, size_t errlen);
/* The calling thread (the screen console's) writes into the last ring from now on. */
void trace__attach_screen_thread(void);
/* After the vCPUs are joined: drain, write the trailer, close. Returns 0 or -errno. */
int trace__finish(struct vm *vm);
/* Records written and dropped (full rings, or lost to a write error), bytes, errno of a failed write. */
void trace__stats(uint64_t *records, uint64_t *dropped, uint64_t *bytes, int *error);
/*
 * A record made after the fact (converted from another engine's trace) onto
 * ring i: waits for the writer instead of dropping. 0, or -EINVAL for no
 * such ring.
 */
int trace__append(int ring, const struct trace_rec *rec);
/* A record for something that is not an exit (event, milestone), on the caller's ring. */
void trace__point(enum trace_kind kind, uint8_t reason, uint16_t vcpu, uint64_t t, uint64_t a,
		  uint64_t b, uint8_t size, uint8_t flags);

#endif
