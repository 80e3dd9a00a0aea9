/*
 * qtest.c - the QEMU device-model child: start, talk, reap (see qtest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/child.h"
#include "lib/clock.h"
#include "pc/qtest.h"
#include "pc/qmp.h"
#include "lib/util.h"

#define HALT_BIOS_SIZE 0x10000

const char *qtest__qemu_binary(void)
{
	const char *env = getenv("BOOTSCOPE_QEMU");

	if (env && *env)
		return env;
	/* Debian's /usr/bin/qemu-system-i386 is a shell wrapper; the binary is here. */
	if (access("/usr/libexec/qemu-system-i386", X_OK) == 0)
		return "/usr/libexec/qemu-system-i386";
	return "qemu-system-i386";
}

/* The child's BIOS: 64 KiB of zeros with "cli; hlt; jmp $-3" at the reset vector. */
static int make_halt_bios(void)
{
	static const uint8_t loop[] = { 0xfa, 0xf4, 0xeb, 0xfd };
	int fd = memfd_create("bootscope-halt-bios", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, HALT_BIOS_SIZE) < 0 ||
	    pwrite(fd, loop, sizeof(loop), HALT_BIOS_SIZE - 16) != (ssize_t)sizeof(loop)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/*
 * The command line. Every choice here keeps QEMU from acting on the guest
 * behind bootscope's back: no PIT or PIC (KVM's in-kernel ones serve the guest),
 * no HPET (KVM has none, and the child's would be a forwarded MMIO read at each
 * clock read; so the guest has none, unlike QEMU+KVM's machine), no SMM (this
 * kind of host's KVM cannot give the vCPUs SMM, and QEMU's own CPU would
 * take the SMI in shared RAM), no kvmvapic option ROM (it patches code for
 * QEMU's APIC), no reboot (a reset is bootscope's to handle).
 */
static void build_args(struct argv_buf *a, const char *qemu, const struct qtest_config *c,
		       int sock, int halt)
{
	argv__init(a);
	argv__add(a, "%s", qemu);
	argv__add(a, "-M");
	argv__add(a, "pc,memory-backend=pc.ram,pit=off,hpet=off,pic=off,smm=off");
	argv__add(a, "-accel");
	argv__add(a, "tcg");
	argv__add(a, "-m");
	argv__add(a, "%lluM", (unsigned long long)(c->ram_size / MiB));
	argv__add(a, "-object");
	argv__add(a, "memory-backend-file,id=pc.ram,size=%lluM,mem-path=/proc/self/fd/%d,share=on",
	    (unsigned long long)(c->ram_size / MiB), c->ram_fd);
	argv__add(a, "-smp");
	argv__add(a, "%d", c->smp);
	if (c->cpu) {
		argv__add(a, "-cpu");
		argv__add(a, "%s", c->cpu);
	}
	argv__add(a, "-bios");
	argv__add(a, "/proc/self/fd/%d", halt);
	argv__add(a, "-display");
	argv__add(a, "none");
	argv__add(a, "-nodefaults");
	argv__add(a, "-no-user-config");
	argv__add(a, "-no-reboot");
	argv__add(a, "-global");
	argv__add(a, "apic-common.vapic=off");
	argv__add(a, "-sandbox");
	argv__add(a, QEMU_SANDBOX);
	argv__add(a, "-chardev");
	argv__add(a, "socket,id=qtest,fd=%d", sock);
	argv__add(a, "-qtest");
	argv__add(a, "chardev:qtest");
	argv__add(a, "-qtest-log");
	argv__add(a, "none");
	/*
	 * The VGA is bootscope's (devices/vga.h), but its BIOS comes the way
	 * QEMU's own ISA VGA hands it over: a fw_cfg file under vgaroms/,
	 * which SeaBIOS runs as the video option ROM. The child has no VGA.
	 */
	if (c->vga_rom) {
		argv__add(a, "-fw_cfg");
		argv__add(a, "name=vgaroms/vgabios-isavga.bin,file=%s", c->vga_rom);
	}
	/* --type: the child's PS/2 keyboard is typed on through QMP (pc/qmp.h). */
	if (c->qmp) {
		argv__add(a, "-chardev");
		argv__add(a, QMP_CHARDEV_FMT, c->qmp_fd);
		argv__add(a, "-mon");
		argv__add(a, QMP_MON_ARG);
	}
	{
		char hda[32], cdrom[32];

		snprintf(hda, sizeof(hda), "/proc/self/fd/%d", c->hda_fd);
		snprintf(cdrom, sizeof(cdrom), "/proc/self/fd/%d", c->cdrom_fd);
		qtest__disk_args(a, c->hda_fd >= 0 ? hda : NULL, c->hda_format, c->hda_writable,
				 c->cdrom_fd >= 0 ? cdrom : NULL, c->boot_order);
	}
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

int qtest__disk_format(int fd, const char *path, const char **format, char *err, size_t errlen)
{
	/* The qcow2 header (QEMU's docs/interop/qcow2.txt): big-endian, 72 bytes in v2, 104 in v3. */
	uint8_t h[104];
	ssize_t n = pread(fd, h, sizeof(h), 0);
	uint32_t version;

	*format = "raw";
	if (n < 4 || memcmp(h, "QFI\xfb", 4))
		return 0;
	*format = "qcow2";
	version = (uint32_t)be(h + 4, 4);
	if (version != 2 && version != 3) {
		snprintf(err, errlen, "--hda %s: qcow2 version %u; QEMU's qcow2 is version 2 or 3", path, version);
		return -EINVAL;
	}
	if (n < (version == 2 ? 72 : 104)) {
		snprintf(err, errlen, "--hda %s: a qcow2 header cut short (%zd bytes)", path, n);
		return -EINVAL;
	}
	if (be(h + 8, 8) || be(h + 16, 4)) {
		snprintf(err, errlen, "--hda %s: a qcow2 image with a backing file; bootscope does not let QEMU open "
			 "other files (flatten it: qemu-img convert -O qcow2 %s flat.qcow2)", path, path);
		return -EINVAL;
	}
	if (version == 3 && (be(h + 72, 8) & 4)) {
		snprintf(err, errlen, "--hda %s: a qcow2 image with an external data file; bootscope does not let "
			 "QEMU open other files", path);
		return -EINVAL;
	}
	return 0;
}

void qtest__disk_args(struct argv_buf *a, const char *hda, const char *hda_format, bool hda_writable,
		      const char *cdrom, const char *boot_order)
{
	if (hda) {
		argv__add(a, "-drive");
		/* Read-only by default: the guest may write, into a discarded (already unlinked) overlay. */
		argv__add(a, "file=%s,format=%s,if=ide,index=0,media=disk%s", hda, hda_format,
			  hda_writable ? "" : ",snapshot=on");
	}
	if (cdrom) {
		argv__add(a, "-drive");
		argv__add(a, "file=%s,format=raw,if=ide,index=2,media=cdrom,readonly=on", cdrom);
	}
	if (boot_order) {
		argv__add(a, "-boot");
		argv__add(a, "order=%s", boot_order);
	}
}

/* A child that stops reading must not hang the sender: same deadline and cancel check as answers. */
static int send_all(struct qtest *q, const char *buf, size_t len, uint64_t deadline,
		    bool (*cancel)(void *), void *cancel_arg)
{
	while (len) {
		ssize_t n = send(q->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			struct pollfd p = { .fd = q->fd, .events = POLLOUT };

			if (errno != EINTR && errno != EAGAIN)
				return -EPIPE;
			if (cancel && cancel(cancel_arg))
				return -ECANCELED;
			if (clock__mono_ns() > deadline)
				return -ETIMEDOUT;
			poll(&p, 1, 100);
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Pull what the socket holds into rbuf. 0, -EAGAIN (nothing yet) or -EPIPE. */
static int fill(struct qtest *q)
{
	ssize_t n;

	if (q->rlen == sizeof(q->rbuf)) {
		snprintf(q->bad, sizeof(q->bad), "a line longer than %zu bytes", sizeof(q->rbuf));
		return -EPROTO;
	}
	n = recv(q->fd, q->rbuf + q->rlen, sizeof(q->rbuf) - q->rlen, MSG_DONTWAIT);
	if (n > 0) {
		q->rlen += (size_t)n;
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	return -EPIPE;
}

enum line_kind { LINE_NONE, LINE_OK, LINE_BAD };

/* "IRQ raise N" or "IRQ lower N", N a decimal below 256: 1, else 0. */
static int parse_irq(const char *line, int *num, bool *raise)
{
	const char *p;
	char *end;
	long v;

	if (!strncmp(line, "IRQ raise ", 10))
		*raise = true;
	else if (!strncmp(line, "IRQ lower ", 10))
		*raise = false;
	else
		return 0;
	p = line + 10;
	if (*p < '0' || *p > '9')
		return 0;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno || *end || v > 255)
		return 0;
	*num = (int)v;
	return 1;
}

/*
 * Take the next complete line out of rbuf. IRQ lines are handled here and
 * consumed; an answer is returned as LINE_OK with its value or LINE_BAD,
 * or, with irq_only, left in rbuf (LINE_NONE).
 */
static enum line_kind next_answer(struct qtest *q, uint64_t *value, bool irq_only)
{
	for (;;) {
		char *nl = memchr(q->rbuf, '\n', q->rlen), line[128];
		size_t n;
		int num, irq;
		bool raise;

		if (!nl)
			return LINE_NONE;
		n = (size_t)(nl - q->rbuf);
		snprintf(line, sizeof(line), "%.*s", (int)MIN(n, sizeof(line) - 1), q->rbuf);
		irq = parse_irq(line, &num, &raise);
		if (irq_only && !irq)
			return LINE_NONE;	/* an answer: left for whoever asks */
		memmove(q->rbuf, nl + 1, q->rlen - n - 1);
		q->rlen -= n + 1;
		if (irq) {
			q->irq_lines++;
			if (q->irq)
				q->irq(q->opaque, num, raise);
			continue;
		}
		if (!strncmp(line, "OK", 2) && (line[2] == '\0' || line[2] == ' ')) {
			*value = line[2] ? strtoull(line + 3, NULL, 16) : 0;
			return LINE_OK;
		}
		snprintf(q->bad, sizeof(q->bad), "%.80s", line);
		return LINE_BAD;
	}
}

static int read_answer(struct qtest *q, uint64_t *value, uint64_t deadline,
		       bool (*cancel)(void *), void *cancel_arg)
{
	for (;;) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		enum line_kind k = next_answer(q, value, false);
		int rc;

		if (k == LINE_OK)
			return 0;
		if (k == LINE_BAD)
			return -EPROTO;
		/* Checked on every pass: a child that floods IRQ lines never lets fill() say EAGAIN. */
		if (cancel && cancel(cancel_arg))
			return -ECANCELED;
		if (clock__mono_ns() > deadline)
			return -ETIMEDOUT;
		rc = fill(q);
		if (rc == 0)
			continue;
		if (rc != -EAGAIN)
			return rc;
		poll(&p, 1, 100);	/* a kick (EINTR) brings us back to the cancel check */
	}
}

/*
 * IRQ lines that came in behind the last answer: handle them now, or they
 * would wait in rbuf, unseen by the main thread's poll, until the next access.
 */
static void drain_irq_lines(struct qtest *q)
{
	uint64_t v;

	next_answer(q, &v, true);
}

static int exchange(struct qtest *q, const char *cmds, size_t len, int n, uint64_t *values,
		    bool (*cancel)(void *), void *cancel_arg)
{
	size_t off = 0;
	int done = 0;

	while (done < n) {
		size_t end = off;
		int k = 0, rc;
		uint64_t deadline;

		while (k < QTEST_BATCH && done + k < n && end < len) {
			const char *nl = memchr(cmds + end, '\n', len - end);

			if (!nl)
				return -EINVAL;
			end = (size_t)(nl - cmds) + 1;
			k++;
		}
		if (!k)
			return -EINVAL;
		snprintf(q->last, sizeof(q->last), "%.*s", (int)strcspn(cmds + off, "\n"), cmds + off);
		deadline = clock__mono_ns() + (uint64_t)QTEST_ANSWER_TIMEOUT_MS * 1000000u;
		if ((rc = send_all(q, cmds + off, end - off, deadline, cancel, cancel_arg)))
			return rc;
		q->commands += (uint64_t)k;
		q->round_trips++;
		for (int i = 0; i < k; i++) {
			uint64_t v = 0;

			if ((rc = read_answer(q, &v, deadline, cancel, cancel_arg)))
				return rc;
			if (values)
				values[done + i] = v;
		}
		done += k;
		off = end;
	}
	drain_irq_lines(q);
	return 0;
}

int qtest__exchange(struct qtest *q, const char *cmds, size_t len, int n, uint64_t *values,
		    bool (*cancel)(void *), void *cancel_arg)
{
	int rc;

	if (q->failed)
		return -EPIPE;
	rc = exchange(q, cmds, len, n, values, cancel, cancel_arg);
	if (rc)
		q->failed = true;	/* answers still due would be read as someone else's */
	return rc;
}

int qtest__poll(struct qtest *q)
{
	if (q->failed)
		return -EPIPE;
	/* Bounded: a child that never stops sending must not keep the main loop from its tick. */
	for (int pass = 0; pass < 16; pass++) {
		uint64_t v;
		int rc;

		if (next_answer(q, &v, false) != LINE_NONE) {
			if (!q->bad[0])
				snprintf(q->bad, sizeof(q->bad), "an answer nobody asked for");
			q->failed = true;
			return -EPROTO;
		}
		rc = fill(q);
		if (rc == -EAGAIN)
			return 0;
		if (rc) {
			q->failed = true;
			return rc;
		}
	}
	return 0;
}

void qtest__describe_death(struct qtest *q, char *buf, size_t len)
{
	char line[256];

	if (q->death[0]) {
		snprintf(buf, len, "%s", q->death);
		return;
	}
	/* EOF on the socket comes just before the child can be reaped. */
	child__wait(&q->child, 500);
	child__line(&q->child, false, line, sizeof(line));
	if (!q->child.reaped) {
		snprintf(buf, len, "stopped answering%s%.200s", *line ? ": " : "", line);
		return;	/* still alive: a later look may find it dead */
	}
	if (WIFSIGNALED(q->child.status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(q->child.status),
			 strsignal(WTERMSIG(q->child.status)));
	else
		snprintf(buf, len, "exited with status %d%s%.200s", WEXITSTATUS(q->child.status), *line ? ": " : "",
			 line);
	snprintf(q->death, sizeof(q->death), "%s", buf);
}

int qtest__start(struct qtest *q, const struct qtest_config *c, qtest_irq_fn irq, void *opaque,
		 char *err, size_t errlen)
{
	static struct argv_buf a;
	static const char intercept[] = "irq_intercept_in ioapic\n";
	char path[512], why[400];
	int sv[2], halt, rc, keep[6], nkeep = 0;
	uint64_t t0 = clock__mono_ns(), v;

	memset(q, 0, sizeof(*q));
	q->fd = q->child.output_fd = -1;
	q->irq = irq;
	q->opaque = opaque;
	q->qemu = c->qemu;
	pthread_mutex_init(&q->lock, NULL);
	q->lock_init = true;
	if ((rc = child__resolve(c->qemu, path, sizeof(path)))) {
		snprintf(err, errlen, "cannot find QEMU (%s), which BIOS boots use as their device model: %s "
			 "(install qemu-system-x86, or set BOOTSCOPE_QEMU)", c->qemu, strerror(-rc));
		return rc;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -errno;
	}
	q->fd = sv[0];
	if ((halt = make_halt_bios()) < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(-halt));
		close(sv[1]);
		return halt;
	}
	build_args(&a, path, c, sv[1], halt);
	keep[nkeep++] = sv[1];
	keep[nkeep++] = halt;
	keep[nkeep++] = c->ram_fd;
	if (c->cdrom_fd >= 0)
		keep[nkeep++] = c->cdrom_fd;
	if (c->hda_fd >= 0)
		keep[nkeep++] = c->hda_fd;
	if (c->qmp)
		keep[nkeep++] = c->qmp_fd;
	rc = a.overflow ? -E2BIG : child__spawn(&q->child, path, a.argv, keep, nkeep, err, errlen);
	if (rc == -E2BIG)
		snprintf(err, errlen, "the QEMU command line is too long");
	close(sv[1]);
	close(halt);
	if (rc)
		return rc;
	/* The first answer proves QEMU is up with our RAM, and routes its interrupts to us. */
	rc = qtest__exchange(q, intercept, sizeof(intercept) - 1, 1, &v, NULL, NULL);
	if (rc) {
		if (rc == -EPROTO)
			snprintf(why, sizeof(why), "answered '%s' to '%s'", q->bad, q->last);
		else
			qtest__describe_death(q, why, sizeof(why));
		snprintf(err, errlen, "the QEMU device model (%s) %s", path, why);
		return rc;
	}
	q->start_ns = clock__mono_ns() - t0;
	return 0;
}

void qtest__stop(struct qtest *q)
{
	child__kill(&q->child);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	if (q->lock_init)
		pthread_mutex_destroy(&q->lock);
	q->lock_init = false;
}
