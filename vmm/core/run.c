/*
 * run.c - the run controller: starts the vCPUs, decides when the run is
 * over, stops them.
 *
 * Any thread may end the run (run__end: first caller wins, the rest are
 * ignored). The main thread sleeps in poll() on an eventfd (a vCPU ended the
 * run) and a signalfd (SIGINT/SIGTERM) with a 100 ms tick. Each tick it
 * writes out pending guest text, checks the timeout, and, when no vCPU has
 * exited for a whole tick, kicks them out of KVM_RUN so they report their
 * state, which is how "every vCPU halted with interrupts off" is seen
 * although HLT never leaves the kernel.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "core/sandbox.h"
#include "core/kvm_cpu.h"
#include "core/run.h"
#include "core/vm.h"

#define TICK_MS 100

/* Each milestone notes how many exits came before it, for the per-phase table, and is a trace record. */
static void on_hit(void *opaque, struct milestone *ms, int id)
{
	struct vm *vm = opaque;

	ms->exits_at = 0;
	for (int i = 0; i < vm->nr_cpus; i++)
		ms->exits_at += atomic_load_explicit(&vm->cpus[i]->nr_exits, memory_order_relaxed);
	trace__point(TR_MILESTONE, 0, ms->vcpu < 0 ? TRACE_MAIN_THREAD : (uint16_t)ms->vcpu, ms->t,
		     (uint64_t)id, 0, 0, 0);
}

static void on_until(void *opaque, uint64_t t, int vcpu)
{
	struct vm *vm = opaque;

	run__end(vm, OUTCOME_UNTIL, EXIT_OK, vcpu, t, "--until matched");
}

int run__setup_milestones(struct vm *vm, machine_milestones_fn machine, bool builtins, char *err, size_t errlen)
{
	struct milestones *m = &vm->ms;

	milestones__init(m, NULL);
	if (machine && machine(m, builtins, err, errlen))
		return -EINVAL;
	for (int i = 0; i < vm->cfg.nr_marks; i++)
		if (milestones__add_pattern(m, vm->cfg.marks[i].name, vm->cfg.marks[i].regex, MS_MARK, err, errlen) < 0)
			return -EINVAL;
	if (vm->cfg.until && milestones__add_pattern(m, "until", vm->cfg.until, MS_UNTIL, err, errlen) < 0)
		return -EINVAL;
	/* --type triggers: "type1", "type2", ... in the order given (the typist finds them by name). */
	for (int i = 0; i < vm->cfg.nr_types; i++) {
		char name[16];

		snprintf(name, sizeof(name), "type%d", i + 1);
		if (milestones__add_pattern(m, name, vm->cfg.types[i].regex, MS_TYPE, err, errlen) < 0)
			return -EINVAL;
	}
	return 0;
}

static void on_no_boot(void *opaque, uint64_t t, int vcpu)
{
	struct vm *vm = opaque;

	run__end(vm, OUTCOME_NO_BOOT, EXIT_GUEST_FAILED, vcpu, t, "the BIOS found nothing to boot: \"%s\"",
		 vm->ms.last_line);
}

void run__hook_milestones(struct vm *vm)
{
	vm->ms.on_until = on_until;
	vm->ms.on_no_boot = on_no_boot;
	vm->ms.on_hit = on_hit;
	vm->ms.opaque = vm;
}

int run__prepare(struct vm *vm, char *err, size_t errlen)
{
	sigset_t set;

	vm->run.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->run.wake_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -errno;
	}
	run__hook_milestones(vm);

	/*
	 * Every thread from here on (trace writer, vCPUs) inherits this mask: only
	 * the main thread takes SIGINT/SIGTERM, through its signalfd, so a signal
	 * ends the run cleanly instead of killing the process.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR1);
	vm->run.signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vm->run.signal_fd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -errno;
	}
	kvm_cpu__init_kick();
	return 0;
}

int run__start(struct vm *vm, char *err, size_t errlen)
{
	int rc;

	if ((rc = trace__start(vm, err, errlen)))
		return rc;

	for (int i = 0; i < vm->nr_cpus; i++) {
		rc = kvm_cpu__start(vm->cpus[i]);
		if (rc) {
			snprintf(err, errlen, "cannot start vCPU %d thread: %s", i, strerror(-rc));
			run__end(vm, OUTCOME_ERROR, EXIT_ERROR, -1, clock__now(), "%s", err);
			run__wait(vm);
			return rc;
		}
	}
	return 0;
}

bool run__all_stopped(struct vm *vm, const uint64_t *exits_at_check)
{
	bool halted = false;

	for (int i = 0; i < vm->nr_cpus; i++) {
		struct kvm_cpu *cpu = vm->cpus[i];
		int idle = atomic_load(&cpu->idle);

		if (atomic_load(&cpu->idle_check) || atomic_load(&cpu->nr_exits) != exits_at_check[i])
			return false;
		if (idle == IDLE_HALTED_IF0)
			halted = true;
		else if (idle != IDLE_WAIT_SIPI)
			return false;
	}
	return halted;
}

/*
 * A machine has stopped only when every vCPU has, so a kick is worth its cost
 * only when none of them exited during the last tick. While any vCPU exits,
 * the quiet ones are left alone: a kick costs them a trip out of KVM_RUN, and
 * on a host that has fewer CPUs than the guest (the test VM runs 8 vCPUs on
 * one) it also wakes halted vCPUs that would have slept, stealing time from
 * the vCPU that does the work. A vCPU whose answer is still out is asked
 * again at the next quiet tick.
 */
static void check_idle(struct vm *vm, uint64_t *last_exits, uint64_t *exits_at_check)
{
	bool quiet = true;

	if (!atomic_load(&vm->started))
		return;
	if (run__all_stopped(vm, exits_at_check)) {
		/* HLT itself does not exit: the last exit before it is when the machine stopped. */
		uint64_t t = vm->t0, now = clock__now();

		for (int i = 0; i < vm->nr_cpus; i++)
			t = MAX(t, atomic_load(&vm->cpus[i]->t_last_exit));
		run__end(vm, OUTCOME_HALTED, vm->cfg.until ? EXIT_GUEST_FAILED : EXIT_OK, -1, t,
			 "every vCPU halted with interrupts disabled or never started (seen %.0f ms later)",
			 clock__ns(now - t) / 1e6);
		return;
	}
	for (int i = 0; i < vm->nr_cpus; i++) {
		uint64_t n = atomic_load(&vm->cpus[i]->nr_exits);

		if (n != last_exits[i]) {
			atomic_store(&vm->cpus[i]->idle, IDLE_RUNNING);
			quiet = false;
		}
		last_exits[i] = n;
	}
	if (!quiet)
		return;
	for (int i = 0; i < vm->nr_cpus; i++) {
		struct kvm_cpu *cpu = vm->cpus[i];

		if (!atomic_load(&cpu->idle_check)) {
			exits_at_check[i] = last_exits[i];
			atomic_store(&cpu->idle, IDLE_UNKNOWN);
			atomic_store(&cpu->idle_check, true);
		}
		kvm_cpu__kick(cpu);	/* again if the last kick fell between two KVM_RUNs */
	}
}

static void stop_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->nr_cpus; i++) {
		struct kvm_cpu *cpu = vm->cpus[i];

		if (!cpu->thread_started)
			continue;
		for (;;) {
			struct timespec ts;

			kvm_cpu__kick(cpu);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(cpu->thread, NULL, &ts) == 0)
				break;
		}
		cpu->thread_started = false;
	}
}

void run__wait(struct vm *vm)
{
	uint64_t last_exits[MAX_VCPUS] = { 0 }, exits_at_check[MAX_VCPUS] = { 0 };
	uint64_t start = clock__now(), timeout = clock__ticks(vm->cfg.timeout_s), deadline;
	int sfd = vm->run.signal_fd;
	char refused[192];
	bool busy = false;
	uint64_t tick = clock__ticks(TICK_MS / 1e3), next_tick = start + tick;

	/*
	 * The tick's work (flush text, calibrate, idle check) keeps its 100 ms
	 * pace even when a watched child (vm->watch) wakes this loop more often.
	 */
	while (!run__ended(vm)) {
		struct pollfd pfd[2 + RUN_WATCH_FDS] = { { .fd = vm->run.wake_fd, .events = POLLIN },
							 { .fd = sfd, .events = POLLIN } };
		int n = vm->watch.fds ? vm->watch.fds(vm, pfd + 2, RUN_WATCH_FDS) : 0;
		uint64_t now = clock__now(), wake;
		int ms;

		/* The timeout counts from the time origin, vCPU 0's first KVM_RUN, once there is one. */
		deadline = (atomic_load(&vm->started) ? vm->t0 : start) + timeout;
		wake = MIN(next_tick, deadline);
		ms = now < wake ? (int)(clock__ns(wake - now) / 1e6) + 1 : 0;
		if (busy)
			ms = MIN(ms, 1);
		poll(pfd, (nfds_t)(2 + n), ms);
		if (vm->watch.poll)
			busy = vm->watch.poll(vm, pfd + 2, n) > 0;
		now = clock__now();
		if (sfd >= 0 && (pfd[1].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				run__end(vm, OUTCOME_INTERRUPTED, 128 + (int)si.ssi_signo, -1, now,
					 "interrupted by SIG%s", sigabbrev_np((int)si.ssi_signo));
		}
		if (sandbox__violation(refused, sizeof(refused)))
			run__end(vm, OUTCOME_ERROR, EXIT_SANDBOX, -1, now, "%s", refused);
		if (now >= deadline)
			run__end(vm, OUTCOME_TIMEOUT, EXIT_TIMEOUT, -1, now,
				 "no end after %g s (--timeout)", vm->cfg.timeout_s);
		if (now < next_tick)
			continue;
		next_tick = now + tick;
		clock__sample();
		milestones__flush(&vm->ms, false);
		if (!run__ended(vm))
			check_idle(vm, last_exits, exits_at_check);
	}
	stop_vcpus(vm);
	clock__sample();
	milestones__flush(&vm->ms, true);
}
