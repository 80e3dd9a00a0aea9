/*
 * events.h - things a guest did that are worth a line in the summary but are
 * not milestones: POST codes, accesses nobody claimed, firmware calls it could
 * not serve.
 *
 * Each vCPU owns a fixed array, written only by its own thread, so recording
 * takes no lock and allocates nothing; past EVENT_CAP the event is counted in
 * `dropped` and otherwise forgotten. The summary merges and sorts the arrays
 * after the vCPU threads have been joined.
 */
#ifndef BOOTSCOPE_EVENTS_H
#define BOOTSCOPE_EVENTS_H

#include <stdint.h>

#define EVENT_CAP 512

/* The numbers are part of the trace file format (docs/trace-format.md): only append. */
enum event_kind {
	EV_POST_CODE,		/* a: value written to port 0x80 */
	EV_UNHANDLED_PIO,	/* a: port, b: value, size, dir */
	EV_UNHANDLED_MMIO,	/* a: address, b: value, size, dir */
	EV_FW_UNSUPPORTED,	/* a: interrupt vector, b: AX at the call */
	EV_FW_KEY_WAIT,		/* guest waits for a key that never comes */
	EV_MSR_DENIED,		/* a: MSR index, b: value written; the guest got #GP */
	EV_KEY,			/* --type pressed a key; a: its rule (0-based), b: the press's index in it */
	EV_NR
};

struct event {
	uint64_t t;		/* clock__now() at the exit */
	uint64_t a, b;
	uint16_t kind;
	uint8_t size;		/* access size in bytes (I/O events) */
	uint8_t write;		/* 1 for writes (I/O events) */
};

struct event_log {
	struct event ev[EVENT_CAP];
	uint32_t n;
	uint64_t dropped;
};

static inline void event__record(struct event_log *log, uint64_t t, enum event_kind kind,
				 uint64_t a, uint64_t b, uint8_t size, uint8_t write)
{
	if (log->n >= EVENT_CAP) {
		log->dropped++;
		return;
	}
	log->ev[log->n++] = (struct event){ .t = t, .a = a, .b = b, .kind = (uint16_t)kind,
					    .size = size, .write = write };
}

const char *event__kind_name(enum event_kind kind);

#endif
