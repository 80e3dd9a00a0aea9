/*
 * qemu.c - `bootscope qemu`: the same boot on stock QEMU, timed the same way.
 *
 * bootscope builds the qemu-system-i386 command line that gives the guest
 * what `bootscope run` gives it: the PC machine, the CPU model with its
 * vendor (QEMU under KVM would otherwise show the host's vendor), memory,
 * vCPUs, the kernel and its modules or the BIOS and disks, COM1, the debug
 * consoles 0xe9 and 0x402, and isa-debug-exit at 0xf4. It starts QEMU as a
 * child (child.h) and reads COM1 and the debug consoles from socketpairs
 * into the same milestone engine, timestamping each read.
 *
 * The time origin is the exec of QEMU. `bootscope run` counts from the
 * first KVM_RUN instead, so QEMU's own start-up (tens of milliseconds,
 * `setup_ns` of a run is the comparable part) is inside every milestone
 * here. QEMU's end is read from its exit status: isa-debug-exit gives
 * (v << 1) | 1, a reset or power-off with -no-reboot gives 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/child.h"
#include "lib/clock.h"
#include "cpu/host.h"
#include "boot/loader.h"
#include "pc/pc.h"
#include "studies/qemu.h"
#include "studies/qemu_screen.h"
#include "core/screen.h"
#include "core/typist.h"
#include "pc/qmp.h"
#include "pc/qtest.h"
#include "core/sandbox.h"
#include "tracing/summary.h"
#include "core/trace.h"
#include "core/run.h"
#include "core/vm.h"
#include "cpu/cpu_model.h"

enum { SRC_SERIAL, SRC_E9, SRC_402, NR_SRC };

static const enum text_source text_src[NR_SRC] = { TEXT_UART, TEXT_DEBUGCON_E9, TEXT_DEBUGCON_402 };

/* A string for a QEMU option value: commas doubled, as QEMU's option parser wants them. -E2BIG if cut. */
static int escape_commas(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 2 < len; s++) {
		out[o++] = *s;
		if (*s == ',')
			out[o++] = ',';
	}
	out[o] = '\0';
	return *s ? -E2BIG : 0;
}

/* QEMU's Multiboot -initrd list from --module FILE[,ARGS]: "FILE ARGS,FILE ARGS". */
static int module_list(const struct vm_config *c, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < c->nr_modules; i++) {
		char item[ARGV_LEN], esc[ARGV_LEN];
		int n;

		n = snprintf(item, sizeof(item), "%s%s%s", c->modules[i].path, c->modules[i].cmdline ? " " : "",
			     c->modules[i].cmdline ? c->modules[i].cmdline : "");
		if (n < 0 || (size_t)n >= sizeof(item) || escape_commas(esc, sizeof(esc), item))
			return -E2BIG;
		n = snprintf(out + o, len - o, "%s%s", i ? "," : "", esc);
		if (n < 0 || (size_t)n >= len - o)
			return -E2BIG;
		o += (size_t)n;
	}
	return 0;
}

/* The disk's format as the device model would give it; an unreadable file is QEMU's to report. */
static int disk_format(const char *path, const char **format, char *err, size_t errlen)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1, rc = 0;

	*format = "raw";
	if (fd >= 0) {
		rc = qtest__disk_format(fd, path, format, err, errlen);
		close(fd);
	}
	return rc;
}

/*
 * The command line. fds[] are the socket ends QEMU writes COM1 and the debug
 * consoles to. For --dry-run they are -1, and the line is one a person can
 * paste into a shell: COM1 on stdio, the debug consoles on stderr, QEMU's
 * trace log in a file, and no QMP monitor (bootscope would be its client).
 */
static int build_args(struct argv_buf *a, const char *qemu, const struct vm *vm, const int fds[NR_SRC],
		      int log_fd, int qmp_fd, char *err, size_t errlen)
{
	const struct vm_config *c = &vm->cfg;
	bool tcg = c->accel && !strcmp(c->accel, "tcg");
	char esc[ARGV_LEN], list[ARGV_LEN];
	const char *format;

	argv__init(a);
	argv__add(a, "%s", qemu);
	argv__add(a, "-M");
	argv__add(a, "pc");
	argv__add(a, "-accel");
	argv__add(a, "%s", tcg ? "tcg" : "kvm");
	argv__add(a, "-cpu");
	if (vm->cpu->vendor[0])
		argv__add(a, "%s,vendor=%s", vm->cpu->name, vm->cpu->vendor);
	else
		argv__add(a, "%s", tcg ? "max" : "host");
	argv__add(a, "-m");
	if (c->ram_size % MiB)
		argv__add(a, "%lluK", (unsigned long long)(c->ram_size / KiB));
	else
		argv__add(a, "%lluM", (unsigned long long)(c->ram_size / MiB));
	argv__add(a, "-smp");
	argv__add(a, "%d", c->smp);
	argv__add(a, "-nodefaults");
	argv__add(a, "-no-user-config");
	argv__add(a, "-display");
	argv__add(a, "none");
	argv__add(a, "-no-reboot");
	argv__add(a, "-sandbox");
	argv__add(a, QEMU_SANDBOX);
	argv__add(a, "-chardev");
	if (fds[SRC_SERIAL] >= 0)
		argv__add(a, "socket,id=com1,fd=%d", fds[SRC_SERIAL]);
	else
		argv__add(a, "stdio,id=com1,signal=off");
	argv__add(a, "-serial");
	argv__add(a, "chardev:com1");
	argv__add(a, "-chardev");
	if (fds[SRC_E9] >= 0)
		argv__add(a, "socket,id=debugcon-e9,fd=%d", fds[SRC_E9]);
	else
		argv__add(a, "file,id=debugcon-e9,path=/dev/stderr");
	argv__add(a, "-device");
	argv__add(a, "isa-debugcon,iobase=0xe9,chardev=debugcon-e9");
	argv__add(a, "-chardev");
	if (fds[SRC_402] >= 0)
		argv__add(a, "socket,id=debugcon-402,fd=%d", fds[SRC_402]);
	else
		argv__add(a, "file,id=debugcon-402,path=/dev/stderr");
	argv__add(a, "-device");
	argv__add(a, "isa-debugcon,iobase=0x402,chardev=debugcon-402");
	argv__add(a, "-device");
	argv__add(a, "isa-debug-exit,iobase=0xf4,iosize=4");
	/* The same VGA as bootscope's: ISA, with SeaVGABIOS's ISA build (QEMU's vgabios.bin). */
	if (!c->no_screen) {
		argv__add(a, "-device");
		argv__add(a, "isa-vga");
	}
	/* The screen is read, and --type typed, through QMP (qemu_screen.h). */
	if (qmp_fd >= 0) {
		argv__add(a, "-chardev");
		argv__add(a, QMP_CHARDEV_FMT, qmp_fd);
		argv__add(a, "-mon");
		argv__add(a, QMP_MON_ARG);
	}
	/*
	 * A KVM inside QEMU's software emulation (tools/testvm): QEMU's kvmvapic
	 * reads and writes back the vCPU's registers when the guest touches the
	 * TPR, and KVM on AMD reports TR as busy, so the outer QEMU gets a busy
	 * TSS type and aborts ("invalid tss type") at the guest's first switch
	 * to ring 0. Without vapic that round trip never happens. On any other
	 * KVM the command line stays stock.
	 */
	if (!tcg && host__info()->under_tcg) {
		argv__add(a, "-global");
		argv__add(a, "apic-common.vapic=off");
	}
	if (c->kernel) {
		argv__add(a, "-kernel");
		argv__add(a, "%s", c->kernel);
		if (c->append) {
			argv__add(a, "-append");
			argv__add(a, "%s", c->append);
		}
		if (c->initrd) {
			argv__add(a, "-initrd");
			argv__add(a, "%s", c->initrd);
		} else if (c->nr_modules) {
			if (module_list(c, list, sizeof(list))) {
				snprintf(err, errlen, "the --module list is too long for QEMU's -initrd");
				return -E2BIG;
			}
			argv__add(a, "-initrd");
			argv__add(a, "%s", list);
		}
	}
	if (c->bios) {
		argv__add(a, "-bios");
		argv__add(a, "%s", c->bios);
	}
	if ((c->hda && escape_commas(esc, sizeof(esc), c->hda)) || (c->cdrom && escape_commas(list, sizeof(list), c->cdrom))) {
		snprintf(err, errlen, "a disk image's path is too long for QEMU's -drive");
		return -E2BIG;
	}
	if (disk_format(c->hda, &format, err, errlen))
		return -EINVAL;
	qtest__disk_args(a, c->hda ? esc : NULL, format, c->hda_writable, c->cdrom ? list : NULL,
			 c->boot_order);
	if (c->trace_path) {
		/* QEMU's own exit events, timestamped, into a descriptor bootscope reads afterwards (qemu_trace.c). */
		argv__add(a, "-trace");
		argv__add(a, "enable=kvm_run_exit");
		argv__add(a, "-D");
		if (log_fd >= 0)
			argv__add(a, "/proc/self/fd/%d", log_fd);
		else
			argv__add(a, "qemu-trace.log");
		argv__add(a, "-msg");
		argv__add(a, "timestamp=on");
	}
	for (int i = 0; i < c->nr_qemu_args; i++)
		argv__add(a, "%s", c->qemu_args[i]);
	if (a->overflow) {
		snprintf(err, errlen, "the QEMU command line is too long");
		return -E2BIG;
	}
	return 0;
}

/* What `run` accepts but this engine cannot give, refused by name. */
static int check_options(const struct vm_config *c, char *err, size_t errlen)
{
	const char *no = c->raw ? "--raw (it boots through bootscope's own firmware; give a boot sector as --hda)" :
			 c->stop_at_entry ? "--stop-at-entry" :
			 c->user || c->no_sandbox ? "--user or --no-sandbox (QEMU runs under its own -sandbox on)" : NULL;

	if (no) {
		snprintf(err, errlen, "bootscope qemu: %s is not available with the QEMU engine", no);
		return -EINVAL;
	}
	if (c->accel && strcmp(c->accel, "kvm") && strcmp(c->accel, "tcg")) {
		snprintf(err, errlen, "--accel '%s': give kvm or tcg", c->accel);
		return -EINVAL;
	}
	return 0;
}

/* Linux or Multiboot, as `run` would call it, for the summary's boot.kind. */
static const char *kernel_kind(const char *path)
{
	struct file_buf f;
	char err[256];
	const char *kind = "kernel";

	if (file__read(&f, path, KERNEL_MAX_SIZE, err, sizeof(err)) == 0) {
		kind = linux__detect(&f) ? "linux" : multiboot__detect(&f) ? "multiboot" : "kernel";
		file__free(&f);
	}
	return kind;
}

/* QEMU exited: what its status means for the run. */
static void qemu_exited(struct vm *vm, struct child *ch, uint64_t t)
{
	char line[256];
	int st = ch->status;

	child__line(ch, false, line, sizeof(line));
	if (WIFSIGNALED(st)) {
		run__end(vm, OUTCOME_ERROR, EXIT_ERROR, -1, t, "QEMU was killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	} else if (WEXITSTATUS(st) == 127) {
		run__end(vm, OUTCOME_ERROR, EXIT_ERROR, -1, t, "QEMU could not be started%s%.200s", *line ? ": " : "", line);
	} else if (WEXITSTATUS(st) & 1 && (WEXITSTATUS(st) != 1 || !*line || strstr(line, "warning:"))) {
		/*
		 * isa-debug-exit: (v << 1) | 1. v = 0 gives 1, which is also QEMU's
		 * failure status: a failure ends with an error line, not a warning.
		 */
		vm->run.guest_exit_code = (uint32_t)WEXITSTATUS(st) >> 1;
		run__end(vm, OUTCOME_EXIT, WEXITSTATUS(st), -1, t, "the guest wrote 0x%x to isa-debug-exit",
			 vm->run.guest_exit_code);
	} else if (WEXITSTATUS(st) == 0) {
		run__end(vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, -1, t,
			 "QEMU exited: the guest reset or powered off the machine (-no-reboot)");
	} else {
		run__end(vm, OUTCOME_ERROR, EXIT_ERROR, -1, t, "QEMU exited with status %d%s%.200s", WEXITSTATUS(st),
			 *line ? ": " : "", line);
	}
}

/*
 * QEMU writes a guest's serial output one byte per write(). A unix stream
 * socket charges each pending write a whole buffer (about 1 KiB), so the
 * default send buffer holds only a few hundred unread bytes. When bootscope
 * falls behind (a loaded host), QEMU's write fails with EAGAIN, and its
 * 16550 model then stops sending for good: the rest of the boot's output
 * never arrives. A large send buffer on QEMU's end keeps that from happening
 * (root may go past net.core.wmem_max; others get what it allows).
 */
static void widen_send_buffer(int fd)
{
	int size = 16 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/*
 * --type on the serial console: the bytes go up QEMU's COM1 socket, and its
 * 16550 receives them. The socket is non-blocking: a full one means QEMU
 * stopped reading, which is an error, not a wait.
 */
static int serial_fd = -1;

static int serial_send(void *arg, const char *bytes, size_t n)
{
	ssize_t w = write(*(int *)arg, bytes, n);

	return w == (ssize_t)n ? 0 : w < 0 ? -errno : -EAGAIN;
}

/* Read what QEMU wrote on one console socket into the milestone engine: 1 read, 0 nothing yet, -1 closed. */
static int drain(struct vm *vm, int fd, enum text_source src)
{
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	uint64_t t = clock__now();

	if (n <= 0)
		return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	for (ssize_t i = 0; i < n; i++)
		milestones__text(&vm->ms, src, buf[i], t, -1);
	return 1;
}

/*
 * The run, from exec to an end, is run__wait()'s main loop; what it watches
 * here is QEMU itself: its console sockets (guest text into the milestone
 * engine) and its exit status (the outcome).
 */
static struct {
	struct child *ch;
	struct qmp *qmp;
	int fds[NR_SRC];
	bool open[NR_SRC];
} qw;

/* How long QEMU may take to exit after its SHUTDOWN event before the run ends without it. */
#define QEMU_EXIT_GRACE_S 2.0

static int watch_fds(struct vm *vm, struct pollfd *p, int max)
{
	int n = 0;

	(void)vm;
	for (int i = 0; i < NR_SRC && n < max; i++)
		if (qw.open[i])
			p[n++] = (struct pollfd){ .fd = qw.fds[i], .events = POLLIN };
	return n;
}

static int watch_poll(struct vm *vm, const struct pollfd *p, int n)
{
	bool any = false;

	for (int k = 0; k < n; k++)
		for (int i = 0; i < NR_SRC; i++)
			if (p[k].fd == qw.fds[i] && p[k].revents && drain(vm, qw.fds[i], text_src[i]) < 0)
				qw.open[i] = false;
	/* Output QEMU wrote before it exited is read first: drain, then look. */
	if (child__poll(qw.ch)) {
		for (int i = 0; i < NR_SRC; i++)
			while (qw.open[i] && drain(vm, qw.fds[i], text_src[i]) > 0)
				;
		qemu_exited(vm, qw.ch, clock__now());
	} else if (qw.qmp && atomic_load(&qw.qmp->shutdown_t) &&
		   clock__now() - atomic_load(&qw.qmp->shutdown_t) > clock__ticks(QEMU_EXIT_GRACE_S)) {
		/*
		 * The guest powered off (QEMU said SHUTDOWN) but QEMU did not exit:
		 * QEMU 7.2 can hang in its own exit while a QMP command is in flight.
		 * The boot is over all the same, at the event's time.
		 */
		for (int i = 0; i < NR_SRC; i++)
			while (qw.open[i] && drain(vm, qw.fds[i], text_src[i]) > 0)
				;
		run__end(vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, -1, atomic_load(&qw.qmp->shutdown_t),
			 "the guest reset or powered off the machine (QEMU's SHUTDOWN event, -no-reboot); QEMU did not "
			 "exit within %.0f s after it and was stopped", QEMU_EXIT_GRACE_S);
	}
	for (int i = 0; i < NR_SRC; i++)
		any |= qw.open[i];
	/* Once QEMU closed its consoles it is exiting: look for it often. */
	return !any;
}

/* Has QEMU exited, or does it within a second (its QMP socket just closed)? */
static bool qemu_exiting(struct child *ch)
{
	for (int i = 0; i < 100; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (child__poll(ch))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

int qemu__run(struct vm *vm)
{
	static struct argv_buf a;
	struct child ch = { .pid = 0, .output_fd = -1 };
	char err[512], path[512];
	int sv[NR_SRC][2], fds[NR_SRC], keep[NR_SRC + 3], nkeep = NR_SRC, rc, status, log_fd = -1;
	static struct qmp qmp = { .fd = -1 };
	static struct qemu_screen qscreen = { .memfd = -1 };
	static struct screen screen;
	static struct typist typist;
	int qmp_child = -1;
	FILE *screen_log = NULL, *screen_svg = NULL;
	uint64_t rt0 = 0, converted = 0;
	struct timespec rt;
	FILE *out = stdout;

	if (check_options(&vm->cfg, err, sizeof(err)))
		die_usage("%s", err);
	vm->engine = vm->cfg.accel && !strcmp(vm->cfg.accel, "tcg") ? "qemu-tcg" : "qemu";
	if (run__setup_milestones(vm, vm_config__bios_boot(&vm->cfg) ? pc__add_milestones : NULL, false, err,
				  sizeof(err)) ||
	    (vm->cfg.nr_types && typist__setup(&typist, vm, err, sizeof(err))))
		die_usage("%s", err);
	for (int i = 0; i < NR_SRC; i++)
		fds[i] = -1;	/* --dry-run: a line to paste (build_args); the real ones follow */
	if (vm->cfg.dry_run) {
		if (build_args(&a, qtest__qemu_binary(), vm, fds, -1, -1, err, sizeof(err)))
			die("%s", err);
		argv__print(&a, stdout);
		return EXIT_OK;
	}
	vm->boot_kind = vm->cfg.kernel ? kernel_kind(vm->cfg.kernel) : "bios";
	vm->boot_file = vm->cfg.kernel ? vm->cfg.kernel : pc__boot_file(&vm->cfg);
	if ((rc = child__resolve(qtest__qemu_binary(), path, sizeof(path)))) {
		snprintf(err, sizeof(err), "cannot find QEMU (%s): %s (install qemu-system-x86, or set BOOTSCOPE_QEMU)",
			 qtest__qemu_binary(), strerror(-rc));
		goto fail;
	}
	if (!(out = vm_config__guest_text(&vm->cfg, err, sizeof(err)))) {
		out = stdout;
		goto fail;
	}
	vm->ms.out = out;
	vm->ms.out_limit = vm->cfg.output_limit;
	/* Before any thread starts: SIGINT and SIGTERM then reach only the main loop's signalfd. */
	if ((rc = run__prepare(vm, err, sizeof(err))))
		goto fail;
	for (int i = 0; i < NR_SRC; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv[i]) < 0) {
			snprintf(err, sizeof(err), "socketpair: %s", strerror(errno));
			goto fail;
		}
		fds[i] = sv[i][0];
		keep[i] = sv[i][1];
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		widen_send_buffer(keep[i]);
	}
	if (vm->cfg.trace_path) {
		if ((log_fd = memfd_create("bootscope-qemu-trace", MFD_CLOEXEC)) < 0) {
			snprintf(err, sizeof(err), "memfd_create: %s", strerror(errno));
			goto fail;
		}
		keep[nkeep++] = log_fd;
		if (trace__open(vm, vm->cfg.trace_path, err, sizeof(err)) || trace__start(vm, err, sizeof(err)))
			goto fail;
	}
	/* The screen and the keyboard: a QMP monitor, and the memfd pmemsave writes to. */
	if (!vm->cfg.no_screen || vm->cfg.nr_types) {
		if ((rc = qmp__socketpair(&qmp, &qmp_child)) ||
		    (!vm->cfg.no_screen && (rc = qemu_screen__init(&qscreen, &qmp)))) {
			snprintf(err, sizeof(err), "cannot make QEMU's QMP socket: %s", strerror(-rc));
			goto fail;
		}
		keep[nkeep++] = qmp_child;
		if (!vm->cfg.no_screen)
			keep[nkeep++] = qscreen.memfd;
	}
	if (vm->cfg.screen_path && !(screen_log = open_output("--screen", vm->cfg.screen_path, err, sizeof(err))))
		goto fail;
	if (vm->cfg.screen_svg_path &&
	    !(screen_svg = open_output("--screen-svg", vm->cfg.screen_svg_path, err, sizeof(err))))
		goto fail;
	if (build_args(&a, path, vm, keep, log_fd, qmp_child, err, sizeof(err)))
		goto fail;
	vm->run.vcpu = -1;
	/* The origin, on both clocks: QEMU's trace stamps the real-time one. */
	clock_gettime(CLOCK_REALTIME, &rt);
	vm->t0 = clock__now();
	rt0 = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	atomic_store(&vm->started, true);
	rc = child__spawn(&ch, path, a.argv, keep, nkeep, err, sizeof(err));
	for (int i = 0; i < NR_SRC; i++)
		close(keep[i]);
	if (qmp_child >= 0)
		close(qmp_child);
	if (rc || (rc = sandbox__limit_output(vm->cfg.output_limit, err, sizeof(err))))
		goto fail;
	if (qmp.fd >= 0 && (rc = qmp__handshake(&qmp, 10000, err, sizeof(err)))) {
		/* QEMU refused its command line and is exiting: that is the error to report (run__wait does). */
		if (!qemu_exiting(&ch))
			goto fail;
		qmp__close(&qmp);
		vm->cfg.no_screen = true;
		vm->typist = NULL;
	}
	if (vm->typist) {
		serial_fd = fds[SRC_SERIAL];
		vm->typist->sink = (struct typist_sink){ qmp__send_key, qmp__check, &qmp };
		vm->typist->serial = (struct typist_serial){ serial_send, &serial_fd };
	}
	if ((rc = screen__run_start(&screen, vm, vm->cfg.no_screen ? NULL : qemu_screen__read, &qscreen,
				    QEMU_SCREEN_POLL_NS, screen_log, err, sizeof(err))))
		goto fail;
	qw.ch = &ch;
	qw.qmp = qmp.fd >= 0 ? &qmp : NULL;
	for (int i = 0; i < NR_SRC; i++) {
		qw.fds[i] = fds[i];
		qw.open[i] = true;
	}
	vm->watch.fds = watch_fds;
	vm->watch.poll = watch_poll;
	run__wait(vm);
	screen__run_stop(&screen, vm);
	child__kill(&ch);
	summary__screen_verdict(vm, screen_log, screen_svg);
	if (log_fd >= 0) {
		int frc;

		rc = qemu_trace__convert(vm, log_fd, rt0, vm->t0, &converted);
		if (!rc && !converted)
			fprintf(stderr, "%s: warning: QEMU's trace has no kvm_run_exit events (is its log trace backend built in?)\n",
				progname);
		frc = trace__finish(vm);	/* always: the file gets its trailer */
		if (rc || frc) {
			fprintf(stderr, "%s: --trace %s: %s\n", progname, vm->cfg.trace_path, strerror(-(rc ? rc : frc)));
			vm->run.exit_status = EXIT_ERROR;
		}
		close(log_fd);
	}
	if (vm->run.outcome == OUTCOME_ERROR)
		fprintf(stderr, "%s: %s\n", progname, vm->run.message);
	if (!vm->cfg.quiet)
		summary__print(vm, stderr);
	status = vm->run.exit_status;
	if (vm->cfg.json_path && (rc = summary__write_json(vm, vm->cfg.json_path)) < 0) {
		fprintf(stderr, "%s: cannot write --json %s: %s\n", progname, vm->cfg.json_path, strerror(-rc));
		status = EXIT_ERROR;
	}
	if (out != stdout && out != stderr)
		fclose(out);
	milestones__destroy(&vm->ms);
	return status;

fail:
	screen__run_stop(&screen, vm);
	child__kill(&ch);
	if (log_fd >= 0) {
		trace__finish(vm);
		close(log_fd);
	}
	return summary__fail(vm, err);
}
