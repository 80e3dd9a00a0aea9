/*
 * sandbox.c - the seccomp allowlist of a run, its report when something
 * breaks it, --user and the output limits (see sandbox.h).
 *
 * The policy is data: sys_rules[] and ioctl_rules[] are both what the filter
 * is built from and what `bootscope sandbox-check` prints, so the printed
 * policy cannot drift from the installed one.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/sandbox.h"
#include "lib/util.h"
#include "core/vm.h"

/* How a rule narrows a call's arguments. */
enum arg_rule {
	ARGS_ANY,
	ARGS_NO_EXEC,		/* mmap, mprotect: the protection (arg 2) lacks PROT_EXEC */
	ARGS_THREAD,		/* clone: a thread (CLONE_THREAD), never a process */
	ARGS_FSTAT,		/* newfstatat: with AT_EMPTY_PATH, as fstat() makes it (a filter cannot read the path) */
	ARGS_OWN_THREADS,	/* tgkill: a thread of this process */
	ARGS_CHILD,		/* kill, wait4: the device-model child only */
	ARGS_QTEST_FD,		/* sendto, recvfrom: the device-model child's socket only */
	ARGS_READ_FDS,		/* pread64: the child's captured output and the guest's disk images only */
	ARGS_WRITE_FD,		/* pwrite64: the --hda-writable image only */
	ARGS_IOCTL,		/* ioctl: ioctl_rules[] */
	ARGS_THREAD_SIGNALS,	/* rt_sigaction: glibc's own SIGCANCEL and SIGSETXID only */
	ARGS_ENOSYS,		/* clone3: fails with ENOSYS, so glibc falls back to clone */
};

static const char *const arg_rule_text[] = {
	[ARGS_ANY] = "any arguments",
	[ARGS_NO_EXEC] = "without PROT_EXEC",
	[ARGS_THREAD] = "CLONE_THREAD, no CLONE_NEW*: threads only",
	[ARGS_FSTAT] = "AT_EMPTY_PATH set (the path is unread)",
	[ARGS_OWN_THREADS] = "this process's threads only",
	[ARGS_CHILD] = "the QEMU child's pid only",
	[ARGS_QTEST_FD] = "the qtest socket only (and with --type, QMP's)",
	[ARGS_READ_FDS] = "the QEMU child's output memfd and the disk images only",
	[ARGS_WRITE_FD] = "the --hda-writable image only",
	[ARGS_IOCTL] = "the requests below, per descriptor",
	[ARGS_THREAD_SIGNALS] = "signals 32 and 33 only (glibc's)",
	[ARGS_ENOSYS] = "fails with ENOSYS",
};

static const struct sys_rule {
	const char *name;
	enum arg_rule args;
	const char *why;
} sys_rules[] = {
	{ "read", ARGS_ANY, "eventfd, signalfd" },
	{ "write", ARGS_ANY, "guest text, the summary, trace records, the eventfd" },
	{ "writev", ARGS_ANY, "stdio" },
	{ "lseek", ARGS_ANY, "stdio" },
	{ "close", ARGS_ANY, "the end of the run" },
	{ "fsync", ARGS_ANY, "the trace file at the end" },
	{ "newfstatat", ARGS_FSTAT, "stdio's first write to a stream" },
	{ "fstat", ARGS_ANY, "stdio's first write to a stream" },
	{ "poll", ARGS_ANY, "the main loop" },
	{ "ppoll", ARGS_ANY, "the main loop" },
	{ "ioctl", ARGS_IOCTL, "KVM" },
	{ "sendto", ARGS_QTEST_FD, "qtest commands (BIOS boots)" },
	{ "recvfrom", ARGS_QTEST_FD, "qtest answers and IRQ lines (BIOS boots)" },
	{ "kill", ARGS_CHILD, "killing the QEMU child at the end (BIOS boots)" },
	{ "wait4", ARGS_CHILD, "reaping the QEMU child (BIOS boots)" },
	{ "pread64", ARGS_READ_FDS, "disk and CD sectors; QEMU's last words, when it dies (BIOS boots)" },
	{ "pwrite64", ARGS_WRITE_FD, "the guest's disk writes with --hda-writable (BIOS boots)" },
	{ "futex", ARGS_ANY, "locks, joins" },
	{ "sched_yield", ARGS_ANY, "locks" },
	{ "nanosleep", ARGS_ANY, "the trace writer's naps" },
	{ "clock_nanosleep", ARGS_ANY, "the trace writer's naps" },
	{ "clock_gettime", ARGS_ANY, "the clock, when the vDSO is not used" },
	{ "gettimeofday", ARGS_ANY, "the clock, when the vDSO is not used" },
	{ "time", ARGS_ANY, "the RTC's clock, when the vDSO is not used" },
	{ "restart_syscall", ARGS_ANY, "a nap interrupted by a kick" },
	{ "getpid", ARGS_ANY, "pthread_kill" },
	{ "gettid", ARGS_ANY, "pthread_kill" },
	{ "tgkill", ARGS_OWN_THREADS, "kicking a vCPU out of KVM_RUN" },
	{ "rt_sigprocmask", ARGS_ANY, "signal masks" },
	{ "rt_sigreturn", ARGS_ANY, "the end of a signal handler" },
	{ "rt_sigaction", ARGS_THREAD_SIGNALS, "glibc's first pthread_create sets up its thread signals" },
	{ "mmap", ARGS_NO_EXEC, "malloc, thread stacks" },
	{ "mprotect", ARGS_NO_EXEC, "thread stack guards" },
	{ "munmap", ARGS_ANY, "free, the end of the run" },
	{ "madvise", ARGS_ANY, "free" },
	{ "mremap", ARGS_ANY, "realloc" },
	{ "brk", ARGS_ANY, "malloc" },
	{ "clone", ARGS_THREAD, "vCPU and trace-writer threads" },
	{ "clone3", ARGS_ENOSYS, "glibc then uses clone, whose flags a filter can read" },
	{ "set_robust_list", ARGS_ANY, "a new thread" },
	{ "rseq", ARGS_ANY, "a new thread" },
	{ "exit", ARGS_ANY, "a thread's end" },
	{ "exit_group", ARGS_ANY, "the process's end" },
#if defined(__SANITIZE_ADDRESS__)
	/* LeakSanitizer's check at exit reads /proc/self and stops the threads under ptrace. */
	{ "openat", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer reads /proc/self" },
	{ "open", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer reads /proc/self" },
	{ "getdents64", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "getdents", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "readlink", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "ptrace", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer stops the threads" },
	{ "prctl", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "sigaltstack", ARGS_ANY, "SANITIZER BUILD ONLY: sanitizer signal handling" },
	{ "rt_sigaction", ARGS_ANY, "SANITIZER BUILD ONLY: sanitizer signal handling" },
	{ "sched_getaffinity", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "getrlimit", ARGS_ANY, "SANITIZER BUILD ONLY: sanitizer runtime" },
	{ "prlimit64", ARGS_ANY, "SANITIZER BUILD ONLY: sanitizer runtime" },
	{ "pipe2", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "waitid", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer" },
	{ "clone", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer's tracer, a process" },
	{ "wait4", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer waits for its tracer" },
	{ "getppid", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer's tracer" },
	{ "kill", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer's tracer" },
	{ "tgkill", ARGS_ANY, "SANITIZER BUILD ONLY: LeakSanitizer's tracer" },
#endif
};

/* Which descriptors an ioctl request is allowed on. */
enum ioctl_target { ON_VM, ON_VCPU, ON_ANY };

static const char *const target_text[] = { [ON_VM] = "VM", [ON_VCPU] = "vCPUs", [ON_ANY] = "any" };

static const struct ioctl_rule {
	const char *name;
	unsigned long request;
	enum ioctl_target on;
	bool memory_slots;	/* only when the run changes memory slots (BIOS boots) */
	const char *why;
} ioctl_rules[] = {
	{ "KVM_RUN", KVM_RUN, ON_VCPU, false, "run the guest" },
	{ "KVM_GET_REGS", KVM_GET_REGS, ON_VCPU, false, "idle checks, triple-fault reports, --stop-at-entry, the end of a run" },
	{ "KVM_GET_SREGS", KVM_GET_SREGS, ON_VCPU, false, "triple-fault reports, --stop-at-entry, the end of a run" },
	{ "KVM_GET_MP_STATE", KVM_GET_MP_STATE, ON_VCPU, false, "idle checks (halted or waiting for SIPI)" },
	{ "KVM_GET_LAPIC", KVM_GET_LAPIC, ON_VCPU, false, "where a timed-out run left each vCPU's interrupts" },
	{ "KVM_SET_GUEST_DEBUG", KVM_SET_GUEST_DEBUG, ON_VCPU, false, "disarming milestone breakpoints" },
	{ "KVM_IRQ_LINE", KVM_IRQ_LINE, ON_VM, false, "UART and device-model interrupts" },
	{ "KVM_SET_USER_MEMORY_REGION", KVM_SET_USER_MEMORY_REGION, ON_VM, true,
	  "PAM shadowing (BIOS boots only)" },
	{ "TCGETS", TCGETS, ON_ANY, false, "isatty(), by stdio's first write to a stream" },
};

/*
 * The first refused call, written by the SIGSYS handler: its architecture
 * (an AUDIT_ARCH_* value) << 32 | its number, in one word so that a reader
 * never sees one without the other. NO_VIOLATION until then.
 */
#define NO_VIOLATION UINT64_MAX
static _Atomic uint64_t violation = NO_VIOLATION;
static int violation_wake_fd = -1;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int saved = errno;
	uint64_t one = 1, none = NO_VIOLATION;

	(void)sig;
	atomic_compare_exchange_strong(&violation, &none, (uint64_t)si->si_arch << 32 | (uint32_t)si->si_syscall);
	/* The call returns EPERM to its caller; the main thread ends the run. */
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#elif defined(__i386__)
	uc->uc_mcontext.gregs[REG_EAX] = -EPERM;
#else
#error "the SIGSYS handler knows x86 only"
#endif
	if (violation_wake_fd >= 0 && write(violation_wake_fd, &one, sizeof(one)) < 0)
		(void)0;	/* the main loop's tick still sees the violation */
	errno = saved;
}

bool sandbox__violation(char *msg, size_t len)
{
	uint64_t v = atomic_load(&violation);
	uint32_t arch = (uint32_t)(v >> 32);
	int nr = (int)(uint32_t)v;
	char *s, name[96];

	if (v == NO_VIOLATION)
		return false;
	s = seccomp_syscall_resolve_num_arch(arch, nr);
	if (s && arch == seccomp_arch_native())
		snprintf(name, sizeof(name), "%s", s);
	else if (s)
		snprintf(name, sizeof(name), "%s (number %d, of another architecture)", s, nr);
	else
		snprintf(name, sizeof(name), "number %d (architecture 0x%x)", nr, arch);
	free(s);
	snprintf(msg, len, "sandbox: the system call %s is not allowed once the guest runs (see bootscope sandbox-check)",
		 name);
	return true;
}

/* Argument comparisons, every field given (libseccomp's SCMP_A* macros leave datum_b out). */
#define ARG_EQ(n, v) ((struct scmp_arg_cmp){ (n), SCMP_CMP_EQ, (uint32_t)(v), 0 })
#define ARG_MASKED(n, mask, v) ((struct scmp_arg_cmp){ (n), SCMP_CMP_MASKED_EQ, (mask), (v) })

/* Allow call nr when its first argument is v (a descriptor, a pid, a signal); no rule when v < 0. */
static int allow_arg0(scmp_filter_ctx ctx, int nr, long v)
{
	return v < 0 ? 0 : seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, ARG_EQ(0, v));
}

static int add_rule(scmp_filter_ctx ctx, const struct sys_rule *r, const struct sandbox_spec *s)
{
	int nr = seccomp_syscall_resolve_name(r->name), rc = 0;

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* this architecture has no such call (e.g. poll on arm64) */
	switch (r->args) {
	case ARGS_ANY:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case ARGS_NO_EXEC:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, ARG_MASKED(2, PROT_EXEC, 0));
	case ARGS_THREAD: {
		const uint64_t ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
				    CLONE_NEWPID | CLONE_NEWNET;

		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					ARG_MASKED(0, CLONE_THREAD | ns, CLONE_THREAD));
	}
	case ARGS_FSTAT:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					ARG_MASKED(3, AT_EMPTY_PATH, AT_EMPTY_PATH));
	case ARGS_OWN_THREADS:
		return allow_arg0(ctx, nr, getpid());
	case ARGS_CHILD:
		return allow_arg0(ctx, nr, s->child > 0 ? s->child : -1);
	case ARGS_QTEST_FD:
		rc = allow_arg0(ctx, nr, s->qtest_fd);
		return rc || s->qmp_fd < 0 ? rc : allow_arg0(ctx, nr, s->qmp_fd);
	case ARGS_THREAD_SIGNALS:
		/* SIGCANCEL and SIGSETXID: the kernel's 32 and 33, below glibc's SIGRTMIN. */
		rc = allow_arg0(ctx, nr, 32);
		return rc ? rc : allow_arg0(ctx, nr, 33);
	case ARGS_READ_FDS:
		rc = allow_arg0(ctx, nr, s->child_output_fd);
		for (int i = 0; i < 2 && !rc; i++)
			rc = allow_arg0(ctx, nr, s->disk_fds[i]);
		return rc;
	case ARGS_WRITE_FD:
		return allow_arg0(ctx, nr, s->write_fd);
	case ARGS_ENOSYS:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	case ARGS_IOCTL:
		for (size_t i = 0; i < ARRAY_SIZE(ioctl_rules) && !rc; i++) {
			const struct ioctl_rule *io = &ioctl_rules[i];
			uint32_t req = (uint32_t)io->request;	/* the kernel reads the request as 32 bits */

			if (io->memory_slots && !s->memory_slots)
				continue;
			if (io->on == ON_ANY)
				rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, ARG_EQ(1, req));
			else if (io->on == ON_VM)
				rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2, ARG_EQ(0, (uint32_t)s->vm_fd),
						      ARG_EQ(1, req));
			else
				for (int v = 0; v < s->nr_vcpus && !rc; v++)
					rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
							      ARG_EQ(0, (uint32_t)s->vcpu_fds[v]),
							      ARG_EQ(1, req));
		}
		return rc;
	}
	return -EINVAL;
}

int sandbox__enter(const struct sandbox_spec *s, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	const char *step = "seccomp_init";
	int rc = 0;

	violation_wake_fd = s->wake_fd;
	/* glibc reads the time zone file on the first gmtime_r() (the RTC's): now, not after the filter. */
	tzset();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "cannot install the sandbox: sigaction(SIGSYS): %s", strerror(errno));
		return -errno;
	}
	/* Traps everything not listed, calls of other architectures (int 0x80) included. */
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		rc = -ENOMEM;
		goto out;
	}
	step = "a filter attribute";
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP)) ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)))
		goto out;
	step = "a rule";
	for (size_t i = 0; i < ARRAY_SIZE(sys_rules) && !rc; i++)
		rc = add_rule(ctx, &sys_rules[i], s);
	if (rc)
		goto out;
	/* seccomp_load() sets PR_SET_NO_NEW_PRIVS first (CTL_NNP above). */
	step = "seccomp_load";
	rc = seccomp_load(ctx);
out:
	if (rc)
		snprintf(err, errlen, "cannot install the sandbox (%s: %s); --no-sandbox runs without it", step,
			 strerror(-rc));
	seccomp_release(ctx);
	return rc;
}

void sandbox__print(FILE *f)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sys_rules); i++)
		n += sys_rules[i].args != ARGS_ENOSYS;
	fprintf(f, "bootscope %s: the run's seccomp policy (libseccomp %u.%u.%u, %s)\n"
		"Installed after setup, before the first KVM_RUN, for every thread; PR_SET_NO_NEW_PRIVS is set first.\n"
		"Any other system call fails with EPERM and ends the run: outcome error, exit status %d, a message\n"
		"naming the call. `run --no-sandbox` runs without the policy (the summary says so).\n\n"
		"System calls allowed (%zu):\n",
		VERSION, seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
#if defined(__SANITIZE_ADDRESS__)
		"SANITIZER BUILD: wider than a normal build",
#else
		"normal build",
#endif
		EXIT_SANDBOX, n);
	for (size_t i = 0; i < ARRAY_SIZE(sys_rules); i++)
		if (sys_rules[i].args != ARGS_ENOSYS)
			fprintf(f, "  %-18s %-42s %s\n", sys_rules[i].name, arg_rule_text[sys_rules[i].args],
				sys_rules[i].why);
	fputs("\nioctl requests allowed:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(ioctl_rules); i++)
		fprintf(f, "  %-28s 0x%08lx  on %-6s %s\n", ioctl_rules[i].name, ioctl_rules[i].request,
			target_text[ioctl_rules[i].on], ioctl_rules[i].why);
	fputs("\nRefused with ENOSYS, not trapped:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(sys_rules); i++)
		if (sys_rules[i].args == ARGS_ENOSYS)
			fprintf(f, "  %-18s %s\n", sys_rules[i].name, sys_rules[i].why);
	fputs("\nNot allowed, among others: open, openat, execve, execveat, fork, vfork, socket, connect,\n"
	      "ptrace, process_vm_writev, mount, setuid, setgid, bpf, memfd_create, dup, unlink.\n", f);
}

int sandbox__main(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			puts("Usage: bootscope sandbox-check\nPrint the seccomp policy a run installs.");
			return EXIT_OK;
		}
		die_usage("sandbox-check: unexpected argument '%s'", argv[1]);
	}
	sandbox__print(stdout);
	return EXIT_OK;
}

int sandbox__find_user(const char *name, struct sandbox_user *u, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		snprintf(err, errlen, "--user %s: only root can change user (this is uid %u)", name, (unsigned)geteuid());
		return -EPERM;
	}
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, errlen, "--user %s: %s", name, errno ? strerror(errno) : "no such user");
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "--user %s: that is root; give an unprivileged user", name);
		return -EINVAL;
	}
	*u = (struct sandbox_user){ name, pw->pw_uid, pw->pw_gid };
	return 0;
}

int sandbox__drop_user(const struct sandbox_user *u, char *err, size_t errlen)
{
	if (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0) {
		snprintf(err, errlen, "--user %s: cannot change user: %s", u->name, strerror(errno));
		return -errno;
	}
	/* For good: root must not be reachable again. */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(err, errlen, "--user %s: root is still reachable after the change", u->name);
		return -EPERM;
	}
	return 0;
}

int sandbox__limit_output(uint64_t limit, char *err, size_t errlen)
{
	struct rlimit core = { 0, 0 }, fsize;

	/* Never above the hard limit the caller had: only root could raise it. */
	if (getrlimit(RLIMIT_FSIZE, &fsize) < 0) {
		snprintf(err, errlen, "cannot read the file size limit: %s", strerror(errno));
		return -errno;
	}
	if (fsize.rlim_max == RLIM_INFINITY || fsize.rlim_max > limit)
		fsize.rlim_max = limit;
	fsize.rlim_cur = fsize.rlim_max;
	/* Past the limit, write() fails with EFBIG instead of the signal killing the run. */
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_CORE, &core) < 0 || setrlimit(RLIMIT_FSIZE, &fsize) < 0) {
		snprintf(err, errlen, "cannot set resource limits: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void sandbox__test_hook(void)
{
	const char *what = getenv("BOOTSCOPE_TEST_FORBIDDEN");
	int fd = -1;

	if (!what)
		return;
	if (!strcmp(what, "open"))
		fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	else if (!strcmp(what, "socket"))
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else if (!strcmp(what, "exec"))
		execl("/bin/true", "true", (char *)NULL);
	else if (!strcmp(what, "fork")) {
		pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);	/* a process, not a thread */

		if (pid == 0)
			_exit(0);	/* the child, were the call allowed */
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	if (fd >= 0)
		close(fd);
}
