/*
 * qemu_screen.c - QEMU's VGA text memory through QMP's pmemsave (qemu_screen.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "studies/qemu_screen.h"
#include "core/screen.h"
#include "core/memmap.h"
#include "lib/clock.h"

int qemu_screen__init(struct qemu_screen *qs, struct qmp *qmp)
{
	memset(qs, 0, sizeof(*qs));
	qs->qmp = qmp;
	qs->memfd = memfd_create("bootscope-qemu-screen", 0);	/* inherited by QEMU, by number */
	return qs->memfd < 0 ? -errno : 0;
}

/* Ask QEMU for the next copy; it is read at a later tick. */
static int request(struct qemu_screen *qs)
{
	char json[160];
	int rc;

	snprintf(json, sizeof(json),
		 "{\"execute\": \"pmemsave\", \"arguments\": {\"val\": %llu, \"size\": %d, \"filename\": \"/proc/self/fd/%d\"}, \"id\": \"screen\"}",
		 (unsigned long long)VGA_TEXT_BASE, SCREEN_MEM_SIZE, qs->memfd);
	if ((rc = qmp__send(qs->qmp, json)))
		return rc;
	qs->waiting = true;
	qs->asked = clock__now();
	qs->want = qs->qmp->sent;
	qs->errors_before = qs->qmp->screen_errors;
	return 0;
}

/*
 * One copy in flight at a time: when its answer has come, the copy is read,
 * and the next one is asked for once QEMU_SCREEN_COPY_NS have passed since
 * this one was, so QEMU makes a copy every 2 ms at most and each is seen
 * within a tick of its answer.
 */
int qemu_screen__read(void *arg, struct screen_frame *f)
{
	struct qemu_screen *qs = arg;
	ssize_t n;
	int rc;

	if ((rc = qmp__poll(qs->qmp)))
		return rc;
	/*
	 * The guest powered off: ask QEMU for nothing more. A QMP command in
	 * flight while QEMU 7.2 exits can keep it from exiting at all (its
	 * monitor waits for the command's coroutine); qemu.c ends such a run.
	 */
	if (atomic_load(&qs->qmp->shutdown_t))
		return -EAGAIN;
	if (qs->waiting && qs->qmp->answered < qs->want)
		return -EAGAIN;
	if (qs->waiting) {
		qs->waiting = false;
		if (qs->qmp->screen_errors != qs->errors_before) {	/* QEMU refused the copy: the memfd is stale */
			request(qs);
			return -EIO;
		}
		n = pread(qs->memfd, f->mem, SCREEN_MEM_SIZE, 0);
		if (n != SCREEN_MEM_SIZE) {
			return -EIO;
		}
		memset(f->palette, 0, sizeof(f->palette));
		f->graphics = false;
		f->geometry_clamped = false;
		f->cols = 80;
		f->rows = 25;
		f->pitch = 80;
		f->start = 0;
		f->start_unknown = true;
		f->cursor = UINT32_MAX;
		/* The default palette of mode 3, for the picture (the DAC cannot be read here). */
		for (int c = 0; c < 16; c++) {
			uint8_t hi = (c & 8) ? 0x55 : 0, lo = (c & 8) ? 0xff : 0xaa;

			f->palette[c][0] = (c & 4) ? lo : hi;
			f->palette[c][1] = c == 6 ? 0x55 : (c & 2) ? lo : hi;
			f->palette[c][2] = (c & 1) ? lo : hi;
		}
		if (clock__now() - qs->asked >= clock__ticks(QEMU_SCREEN_COPY_NS / 1e9))
			request(qs);	/* the next copy, ready by a later tick */
		return 0;
	}
	if (clock__now() - qs->asked < clock__ticks(QEMU_SCREEN_COPY_NS / 1e9))
		return -EAGAIN;
	return (rc = request(qs)) ? rc : -EAGAIN;
}
