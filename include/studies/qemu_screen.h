/*
 * qemu_screen.h - the screen and the keyboard of QEMU as the engine.
 *
 * `bootscope qemu` gives QEMU an ISA VGA (-device isa-vga, the same
 * SeaVGABIOS build bootscope's own VGA runs) and, when the run reads the
 * screen or types, a QMP monitor on a socketpair. The screen console
 * (core/screen.h) reads text memory through QMP's pmemsave of the 32 KiB
 * window into a memfd QEMU holds open, every QEMU_SCREEN_INTERVAL_NS: a
 * request is sent at one tick and its copy read at a later one, once QEMU
 * has answered, so nothing waits. QMP cannot read the VGA's registers, so
 * this screen has no start address, cursor or mode: rows are compared in
 * memory order, and the last screen is the 25 rows that end with the last
 * new line (or the first 25 when every line fits there).
 */
#ifndef BOOTSCOPE_QEMU_SCREEN_H
#define BOOTSCOPE_QEMU_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "pc/qmp.h"

#define QEMU_SCREEN_INTERVAL_NS 10000000ULL	/* 10 ms: each read costs QEMU's main loop a 32 KiB copy */

struct qemu_screen {
	struct qmp *qmp;
	int memfd;		/* where pmemsave writes; the same number in QEMU */
	bool waiting;		/* a pmemsave is out */
	uint64_t want;		/* the answer count that completes it */
	uint64_t errors_before;	/* qmp->screen_errors when it was asked for */
};

struct screen_frame;

/* A memfd for pmemsave, kept open in QEMU (its number is the same there). -errno. */
int qemu_screen__init(struct qemu_screen *qs, struct qmp *qmp);
/* The screen console's reader (screen_read_fn), arg the struct qemu_screen. */
int qemu_screen__read(void *arg, struct screen_frame *f);

#endif
