/*
 * qmp.h - the little of QEMU's QMP that bootscope speaks: the handshake,
 * and commands whose answers are read later, without blocking.
 *
 * Both QEMUs bootscope starts get a QMP monitor on a socketpair only when
 * a run types (--type): the BIOS boot's device model, whose i8042 and
 * PS/2 keyboard the guest reads, and stock QEMU as the engine. Typing is
 * QMP's send-key; the answers ({"return": {}}, or {"error": ...}) and any
 * events are read at the next poll, so the thread that types never waits.
 */
#ifndef BOOTSCOPE_QMP_H
#define BOOTSCOPE_QMP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qmp {
	int fd;			/* bootscope's end; -1: none */
	char rbuf[8192];	/* answer bytes not yet split into lines */
	size_t rlen;
	uint64_t sent, answered;	/* commands sent, answers ({"return"} or {"error"}) read */
	uint64_t screen_errors;	/* {"error"} answers to the screen's copies (tagged "id": "screen") */
	bool stalled;		/* QEMU stopped reading: a send would have blocked; nothing more is sent */
	/*
	 * When QEMU's SHUTDOWN event came (clock ticks; 0: not yet): the guest
	 * powered off or reset (-no-reboot). Set by the thread that polls,
	 * read by the run's main loop.
	 */
	_Atomic uint64_t shutdown_t;
	char error[200];	/* the first {"error"} answer to anything else (a key); "" while none */
};

/* One end of a new socketpair for QEMU's `-chardev socket,fd=N`; the other end is q->fd. -errno. */
int qmp__socketpair(struct qmp *q, int *child_end);
/* The chardev and monitor arguments for child_end, for a command line. */
#define QMP_CHARDEV_FMT "socket,id=qmp,fd=%d"
#define QMP_MON_ARG "chardev=qmp,mode=control"
/*
 * Reads QEMU's greeting and leaves negotiation mode (qmp_capabilities),
 * waiting at most timeout_ms for each answer. 0, or -errno with err set.
 */
int qmp__handshake(struct qmp *q, int timeout_ms, char *err, size_t errlen);
/*
 * Sends one command line (JSON, without the newline). 0 or -errno; never
 * blocks: a QEMU that stopped reading its monitor gives -EAGAIN, now and
 * for every later command (q->stalled), rather than hanging the sender.
 */
int qmp__send(struct qmp *q, const char *json);
/* Reads what has come, counts answers and keeps the first error. 0, or -EPIPE when QEMU is gone. */
int qmp__poll(struct qmp *q);
void qmp__close(struct qmp *q);

/* The typist's sink (core/typist.h), arg a struct qmp: a press's keys down (in order) or up (reversed). */
struct key_press;
int qmp__send_key(void *arg, const struct key_press *p, bool down);
int qmp__check(void *arg, char *err, size_t errlen);

#endif
