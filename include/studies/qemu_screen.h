/*
 * qemu_screen.h - the screen and the keyboard of QEMU as the engine.
 *
 * `bootscope qemu` gives QEMU an ISA VGA (-device isa-vga, the same
 * SeaVGABIOS build bootscope's own VGA runs) and, when the run reads the
 * screen or types, a QMP monitor on a socketpair. The screen console
 * (core/screen.h) reads text memory through QMP's pmemsave of the 32 KiB
 * window into a memfd QEMU holds open. The console's thread ticks every
 * QEMU_SCREEN_POLL_NS and looks for QMP's answer; a copy is asked for at
 * most every QEMU_SCREEN_COPY_NS, and one is out at a time. A copy is read
 * at the first tick after QEMU answered, so its lines are stamped at most
 * a poll after QEMU made it, and nothing waits. QMP cannot read the VGA's registers, so
 * this screen has no start address, cursor or mode: rows are compared in
 * memory order, and the last screen is the 25 rows that end with the last
 * new line (or the first 25 when every line fits there).
 */
#ifndef BOOTSCOPE_QEMU_SCREEN_H
#define BOOTSCOPE_QEMU_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "pc/qmp.h"

#define QEMU_SCREEN_POLL_NS 1000000ULL	/* 1 ms: the console's tick, which reads an answered copy */
#define QEMU_SCREEN_COPY_NS 2000000ULL	/* 2 ms: each copy costs QEMU's main loop 32 KiB through its VGA */

struct qemu_screen {
	struct qmp *qmp;
	int memfd;		/* where pmemsave writes; the same number in QEMU */
	bool waiting;		/* a pmemsave is out */
	uint64_t want;		/* the answer count that completes it */
	uint64_t errors_before;	/* qmp->screen_errors when it was asked for */
	uint64_t asked;		/* clock ticks, when the last copy was asked for */
};

struct screen_frame;

/* A memfd for pmemsave, kept open in QEMU (its number is the same there). -errno. */
int qemu_screen__init(struct qemu_screen *qs, struct qmp *qmp);
/* The screen console's reader (screen_read_fn), arg the struct qemu_screen. */
int qemu_screen__read(void *arg, struct screen_frame *f);

#endif
