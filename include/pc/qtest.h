/*
 * qtest.h - a QEMU child process used purely as a PC device model.
 *
 * BIOS boots (--bios, --cdrom, --hda) need devices bootscope does not
 * emulate: the i440FX/PIIX chipset, IDE/ATAPI, the RTC, the keyboard
 * controller, fw_cfg with QEMU's ACPI tables. A `qemu-system-i386 -M pc`
 * child provides them. It shares guest RAM (the VM's memfd, so DMA lands
 * where the vCPUs see it) and talks QEMU's qtest protocol on an inherited
 * socketpair: bootscope sends "inb 0x71", "outw 0x170 0x1234", "readl ADDR"
 * lines and reads "OK [0xVALUE]" answers. The child's own CPU executes a
 * two-instruction halt loop (cli; hlt) in a dummy BIOS, so it never touches
 * guest RAM; its PIC and PIT are off (KVM's in-kernel ones serve the guest),
 * so is its HPET (the guest gets none), and interrupts its devices raise on
 * the I/O APIC come back as asynchronous "IRQ raise|lower N" lines, which go
 * to KVM_IRQ_LINE.
 *
 * Who reads the socket: the vCPU thread that forwards an access holds the
 * lock from its command until its answer and handles any IRQ lines it finds
 * in between; the main thread polls the socket between runs of the vCPUs
 * and handles IRQ lines that arrive while no access is in flight.
 *
 * The child dies with bootscope (PR_SET_PDEATHSIG, its own process group so
 * a terminal's ^C reaches only bootscope, an explicit kill at the end); it
 * runs under QEMU's seccomp sandbox and leaves no files: RAM, the dummy BIOS
 * and the guest's disks are file descriptors it inherits.
 */
#ifndef BOOTSCOPE_QTEST_H
#define BOOTSCOPE_QTEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/child.h"

#define QTEST_ANSWER_TIMEOUT_MS 10000	/* a child that takes longer is declared hung */
#define QTEST_BATCH 256			/* commands per pipelined write */
#define QTEST_RBUF 65536

struct qtest_config {
	const char *qemu;	/* the QEMU binary */
	uint64_t ram_size;
	int ram_fd;		/* guest RAM memfd */
	int smp;
	const char *cpu;	/* QEMU -cpu model, or NULL */
	int cdrom_fd;		/* -1 when none */
	int hda_fd;
	const char *hda_format;	/* "raw" or "qcow2" */
	bool hda_writable;
	const char *boot_order;	/* QEMU -boot order=, e.g. "dc" */
	const char *vga_rom;	/* a VGA BIOS for SeaBIOS to run (fw_cfg vgaroms/), or NULL */
	bool qmp;		/* a QMP monitor on qmp_fd, the child's end of a socketpair (pc/qmp.h) */
	int qmp_fd;
};

/* Called for each "IRQ raise|lower N" line, with the qtest lock held. */
typedef void (*qtest_irq_fn)(void *opaque, int line, int level);

struct qtest {
	struct child child;	/* the QEMU process */
	const char *qemu;	/* its binary, as configured */
	int fd;			/* bootscope's end of the socketpair */
	pthread_mutex_t lock;
	bool lock_init;

	char rbuf[QTEST_RBUF];	/* answer bytes not yet parsed */
	size_t rlen;

	qtest_irq_fn irq;
	void *opaque;

	char last[96];		/* the first command of the last batch sent, for error messages */
	char bad[96];		/* an answer that broke the protocol */
	bool failed;		/* the child died, hung or broke the protocol: no more commands */
	char death[320];	/* qtest__describe_death's verdict, once found */

	/* Counters, under the lock. */
	uint64_t commands;	/* lines sent */
	uint64_t round_trips;	/* writes that waited for answers */
	uint64_t irq_lines;	/* IRQ raise/lower lines received */
	uint64_t start_ns;	/* fork to the first answer */
};

/*
 * Start the child and take over its I/O APIC's inputs. On failure err says
 * why (QEMU's own message when it printed one). Needs only stdin-less exec.
 */
int qtest__start(struct qtest *q, const struct qtest_config *c, qtest_irq_fn irq, void *opaque,
		 char *err, size_t errlen);
/* Kill and reap the child, close everything. Safe to call twice, or on a q whose fds are -1. */
void qtest__stop(struct qtest *q);

/*
 * Send n commands (each one line, "\n"-terminated, concatenated in cmds) in
 * batches of QTEST_BATCH and collect their answers: values[i] gets the number
 * after "OK" (0 when there is none). IRQ lines that arrived with the answers
 * are all handled before it returns. Call with the lock held. Returns 0,
 * -EPIPE (child gone), -ETIMEDOUT (no answer), -EPROTO (a FAIL or garbage,
 * in q->bad) or -ECANCELED (cancel() said stop while waiting). Any error
 * leaves the stream out of step, so q->failed is set and later calls fail.
 */
int qtest__exchange(struct qtest *q, const char *cmds, size_t len, int n, uint64_t *values,
		    bool (*cancel)(void *), void *cancel_arg);

/* Main thread: read what is pending without blocking and handle IRQ lines. 0, or -EPIPE. */
int qtest__poll(struct qtest *q);

/*
 * Why the child is gone, e.g. "was killed by signal 9 (Killed)" or "exited
 * with status 1: <its last stderr line>"; found once, then repeated. Call with
 * the lock held (or before any other thread uses q).
 */
void qtest__describe_death(struct qtest *q, char *buf, size_t len);

/*
 * QEMU's own seccomp sandbox, for every QEMU bootscope starts: no obsolete
 * calls, no privilege changes, no fork or exec, no scheduler or resource
 * changes. QEMU still opens files, which its command line names.
 */
#define QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/*
 * A --hda image's format: "qcow2" for a qcow2 image (its magic number), else
 * "raw", so QEMU is never left to probe. A qcow2 image that would make QEMU
 * open another file (a backing file, an external data file) is refused, as
 * is a qcow2 header that is cut short or of an unknown version: 0, or
 * -EINVAL with a one-line reason naming path in err.
 */
int qtest__disk_format(int fd, const char *path, const char **format, char *err, size_t errlen);
/*
 * A PC's disks on QEMU's command line, the same for the device model and for
 * `bootscope qemu`: hda and cdrom are QEMU file names (commas escaped), NULL
 * for none. The disk is read-only unless hda_writable, through a snapshot.
 */
void qtest__disk_args(struct argv_buf *a, const char *hda, const char *hda_format, bool hda_writable,
		      const char *cdrom, const char *boot_order);

/* The QEMU binary to run: $BOOTSCOPE_QEMU, /usr/libexec/qemu-system-i386 (Debian), or the PATH's. */
const char *qtest__qemu_binary(void);

#endif
