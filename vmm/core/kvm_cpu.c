/*
 * kvm_cpu.c - one thread per vCPU: KVM_RUN, then the handler for the exit
 * reason, from a table.
 *
 * Per exit the loop reads the clock three times: entering KVM_RUN, leaving
 * it, and after the handler. Time inside KVM_RUN is the guest's; the
 * handler's is the VMM's; the bookkeeping after it (this vCPU's counters,
 * the trace record) belongs to neither. Nothing shared is touched unless
 * the device does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/x86.h"
#include "core/sandbox.h"
#include "core/kvm_cpu.h"
#include "core/outcome.h"
#include "core/vm.h"

#define KICK_SIGNAL SIGUSR1

typedef int (*exit_fn)(struct kvm_cpu *cpu);

static int handle_io(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	uint32_t size = run->io.size, count = run->io.count;
	uint8_t *p = (uint8_t *)run + run->io.data_offset;

	if (size == 0 || size > 4 || count == 0 || run->io.data_offset > cpu->run_size ||
	    (uint64_t)size * count > cpu->run_size - run->io.data_offset)
		return -EFAULT;
	/* String I/O (rep ins/outs) arrives as count consecutive items. */
	if (count > 1)
		return bus__pio_string(cpu, run->io.port, p, size, count, run->io.direction == KVM_EXIT_IO_OUT);
	return bus__pio(cpu, run->io.port, p, size, run->io.direction == KVM_EXIT_IO_OUT);
}

static int handle_mmio(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;

	cpu->mmio_dev = BUS_MAX_DEVICES;
	if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
		return -EFAULT;
	return bus__mmio(cpu, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
			 run->mmio.is_write);
}


static int handle_system_event(struct kvm_cpu *cpu)
{
	run__end(cpu->vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
		 "vCPU %d: system event %u (reset or power off)", cpu->id, cpu->run->system_event.type);
	return 0;
}

/* With the in-kernel LAPIC, HLT stays in KVM; an exit here means no irqchip. */
static int handle_hlt(struct kvm_cpu *cpu)
{
	run__end(cpu->vm, OUTCOME_HALTED, EXIT_OK, cpu->id, cpu->t_exit, "vCPU %d halted", cpu->id);
	return 0;
}

static const char *cpu_mode(const struct kvm_sregs *s)
{
	if (!(s->cr0 & X86_CR0_PE))
		return "real";
	if (s->efer & X86_EFER_LMA)
		return "long";
	return (s->cr0 & X86_CR0_PG) ? "paged protected" : "protected";
}

/* Where the vCPU is; false if its registers are the reset state (or unavailable). */
static bool describe_pc(struct kvm_cpu *cpu, char *buf, size_t len)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0) {
		snprintf(buf, len, "(registers unavailable)");
		return false;
	}
	snprintf(buf, len, "CS:EIP %04x:%08llx (linear 0x%llx, %s mode)", sregs.cs.selector,
		 (unsigned long long)regs.rip, (unsigned long long)(sregs.cs.base + regs.rip), cpu_mode(&sregs));
	return !(sregs.cs.selector == X86_RESET_CS_SELECTOR && sregs.cs.base == X86_RESET_CS_BASE &&
		 regs.rip == X86_RESET_IP && !(sregs.cr0 & X86_CR0_PE));
}

/* The highest vector set in one of the local APIC's 256-bit registers (ISR 0x100, IRR 0x200), or -1. */
static int lapic_top_vector(const struct kvm_lapic_state *l, unsigned base)
{
	for (int w = 7; w >= 0; w--) {
		uint32_t v;

		memcpy(&v, l->regs + base + 0x10 * (unsigned)w, sizeof(v));
		if (v)
			return w * 32 + 31 - __builtin_clz(v);
	}
	return -1;
}

static void record_lapic(struct kvm_cpu *cpu, struct vcpu_end *e)
{
	struct kvm_lapic_state l;

	if (ioctl(cpu->fd, KVM_GET_LAPIC, &l) < 0)
		return;
	e->irr_top = lapic_top_vector(&l, X86_APIC_IRR);
	e->isr_top = lapic_top_vector(&l, X86_APIC_ISR);
	e->tpr = (uint8_t)l.regs[0x80];
	memcpy(&e->timer_lvt, l.regs + 0x320, 4);
	memcpy(&e->timer_initial, l.regs + 0x380, 4);
	memcpy(&e->timer_current, l.regs + 0x390, 4);
	e->lapic_known = true;
}

/* The vCPU's state as the run ends (its thread, after its last KVM_RUN): only reads, never a write back. */
static void record_end(struct kvm_cpu *cpu)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct vcpu_end *e = &cpu->at_end;

	if (ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) < 0 || ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return;
	if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED || mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
		e->state = IDLE_WAIT_SIPI;
	else if (mp.mp_state == KVM_MP_STATE_HALTED)
		e->state = (regs.rflags & X86_EFLAGS_IF) ? IDLE_HALTED_IF1 : IDLE_HALTED_IF0;
	else
		e->state = IDLE_RUNNING;
	e->cs = sregs.cs.selector;
	e->linear = sregs.cs.base + regs.rip;
	e->mode = cpu_mode(&sregs);
	e->regs = regs;
	e->known = true;
	record_lapic(cpu, e);
}

static int handle_shutdown(struct kvm_cpu *cpu)
{
	char where[128];

	/* KVM on AMD (SVM) puts a vCPU back in its reset state when it shuts down: nothing to say where. */
	if (!describe_pc(cpu, where, sizeof(where)))
		run__end(cpu->vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
			 "vCPU %d shut down (triple fault); this KVM reset its registers, so where is not known",
			 cpu->id);
	else
		run__end(cpu->vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
			 "vCPU %d shut down (triple fault) at %s%s", cpu->id, where,
			 strstr(where, "paged protected") ? "; if this host's KVM cannot run 32-bit paging, see bootscope doctor" : "");
	return 0;
}

static int handle_internal_error(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	char where[128], bytes[64] = "";
	const char *what;

	describe_pc(cpu, where, sizeof(where));
	switch (run->internal.suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		what = "KVM could not emulate a guest instruction";
		if (run->emulation_failure.ndata >= 3 &&
		    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
			size_t n = MIN((size_t)run->emulation_failure.insn_size,
				       sizeof(run->emulation_failure.insn_bytes));
			size_t off = (size_t)snprintf(bytes, sizeof(bytes), ", bytes");

			for (size_t i = 0; i < n && off < sizeof(bytes); i++)
				off += (size_t)snprintf(bytes + off, sizeof(bytes) - off, " %02x",
							run->emulation_failure.insn_bytes[i]);
		}
		break;
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		what = "KVM hit an exception while delivering another";
		break;
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		what = "KVM could not deliver an event to the guest";
		break;
	default:
		what = "KVM internal error";
		break;
	}
	run__end(cpu->vm, OUTCOME_ERROR, EXIT_ERROR, cpu->id, cpu->t_exit,
		 "vCPU %d: %s (suberror %u) at %s%s; hosts differ in what their KVM can run", cpu->id,
		 what, run->internal.suberror, where, bytes);
	return 0;
}

static int handle_fail_entry(struct kvm_cpu *cpu)
{
	run__end(cpu->vm, OUTCOME_ERROR, EXIT_ERROR, cpu->id, cpu->t_exit,
		 "vCPU %d: KVM could not enter the guest (hardware reason 0x%llx)", cpu->id,
		 (unsigned long long)cpu->run->fail_entry.hardware_entry_failure_reason);
	return 0;
}

/* An MSR the CPU model does not have (msr.c): record it, answer with #GP. */
static int handle_msr(struct kvm_cpu *cpu)
{
	struct kvm_run *run = cpu->run;
	bool write = run->exit_reason == KVM_EXIT_X86_WRMSR;

	kvm_cpu__event(cpu, EV_MSR_DENIED, run->msr.index, write ? run->msr.data : 0, 8, write);
	run->msr.error = 1;
	return 0;
}

/*
 * Hardware breakpoints on vCPU 0 (vm->bps), set before it first runs:
 * milestones at fixed addresses (a BIOS's INT 19h entry, the boot sector)
 * and --stop-at-entry's stop at the loaded guest's first instruction. A
 * breakpoint fires before its instruction executes; one that only marks a
 * milestone is then taken out so the guest runs on. KVM reports the linear
 * address, which is what the breakpoints hold.
 */
static int arm_breakpoints(struct kvm_cpu *cpu, bool inject_db)
{
	struct kvm_guest_debug dbg = { .control = inject_db ? KVM_GUESTDBG_INJECT_DB : 0 };
	struct vm *vm = cpu->vm;

	/* Interrupts wait while stepping (BLOCKIRQ): the steps follow the hand-off, not a timer tick. */
	if (cpu->step.on)
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_BLOCKIRQ;
	if (cpu->bp_armed) {
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		for (int i = 0; i < vm->nr_bps; i++) {
			if (!(cpu->bp_armed & (1u << i)))
				continue;
			dbg.arch.debugreg[i] = vm->bps[i].addr;
			dbg.arch.debugreg[7] |= 1u << (2 * i);	/* Li: execute, 1 byte */
		}
	}
	if (ioctl(cpu->fd, KVM_SET_GUEST_DEBUG, &dbg) == 0)
		return 0;
	/* Kernels before 5.16 know no BLOCKIRQ. */
	if (errno == EINVAL && (dbg.control & KVM_GUESTDBG_BLOCKIRQ)) {
		dbg.control &= ~KVM_GUESTDBG_BLOCKIRQ;
		if (ioctl(cpu->fd, KVM_SET_GUEST_DEBUG, &dbg) == 0)
			return 0;
	}
	return -errno;
}

/* --stop-at-entry: the vCPU is at the guest's first instruction; keep its state and end the run. */
static int stop_at_entry(struct kvm_cpu *cpu, uint32_t addr)
{
	struct vm *vm = cpu->vm;

	if (ioctl(cpu->fd, KVM_GET_REGS, &vm->entry_regs) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &vm->entry_sregs) < 0)
		return -errno;
	/* RF is KVM's, set to get past the stop; the guest never had it. */
	vm->entry_regs.rflags &= ~(uint64_t)X86_EFLAGS_RF;
	vm->entry_captured = true;
	run__end(vm, OUTCOME_ENTRY, EXIT_OK, cpu->id, cpu->t_exit,
		 "stopped at the first instruction of the guest, 0x%x (--stop-at-entry)", addr);
	return 0;
}

/* A follow of the hand-off gives up after this many instructions. */
#define STEP_LIMIT 100000

int kvm_cpu__step_to(struct kvm_cpu *cpu, uint32_t to, int milestone, bool stop)
{
	cpu->step.on = true;
	cpu->step.to = to;
	cpu->step.milestone = milestone;
	cpu->step.stop = stop;
	cpu->step.steps = 0;
	return arm_breakpoints(cpu, false);
}

static int handle_step(struct kvm_cpu *cpu, uint64_t pc)
{
	int rc;

	if (pc != cpu->step.to) {
		if (++cpu->step.steps < STEP_LIMIT)
			return 0;
		cpu->step.on = false;
		if (cpu->step.stop)
			run__end(cpu->vm, OUTCOME_ERROR, EXIT_ERROR, cpu->id, cpu->t_exit,
				 "--stop-at-entry: %u instructions after the hand-off began, the guest was still not at 0x%x",
				 STEP_LIMIT, cpu->step.to);
		return arm_breakpoints(cpu, false);
	}
	cpu->step.on = false;
	if (cpu->step.milestone >= 0)
		milestones__hit(&cpu->vm->ms, cpu->step.milestone, cpu->t_exit, cpu->id);
	if (cpu->step.stop && (rc = stop_at_entry(cpu, cpu->step.to)))
		return rc;
	return arm_breakpoints(cpu, false);
}

static int handle_debug(struct kvm_cpu *cpu)
{
	struct vm *vm = cpu->vm;
	uint64_t pc = cpu->run->debug.arch.pc;
	int rc;

	/* While stepping, every exit is a step (a breakpoint on the same instruction shows as one too). */
	if (cpu->step.on)
		return handle_step(cpu, pc);
	for (int i = 0; i < vm->nr_bps; i++) {
		struct breakpoint *bp = &vm->bps[i];

		if (!(cpu->bp_armed & (1u << i)) || bp->addr != pc)
			continue;
		if (bp->milestone >= 0)
			milestones__hit(&vm->ms, bp->milestone, cpu->t_exit, cpu->id);
		if (bp->stop && (rc = stop_at_entry(cpu, bp->addr)))
			return rc;
		if (bp->seen)
			atomic_store(bp->seen, true);
		cpu->bp_armed &= ~(1u << i);
		return arm_breakpoints(cpu, false);
	}
	/* Not ours: the guest's own #DB (single step, ICEBP, its breakpoints), which KVM gave us. */
	return arm_breakpoints(cpu, true);
}

static int handle_nothing(struct kvm_cpu *cpu)
{
	(void)cpu;
	return 0;
}

static const exit_fn exit_handlers[NR_EXIT_REASONS] = {
	[KVM_EXIT_IO] = handle_io,
	[KVM_EXIT_MMIO] = handle_mmio,
	[KVM_EXIT_SHUTDOWN] = handle_shutdown,
	[KVM_EXIT_SYSTEM_EVENT] = handle_system_event,
	[KVM_EXIT_HLT] = handle_hlt,
	[KVM_EXIT_INTERNAL_ERROR] = handle_internal_error,
	[KVM_EXIT_FAIL_ENTRY] = handle_fail_entry,
	[KVM_EXIT_DEBUG] = handle_debug,
	[KVM_EXIT_X86_RDMSR] = handle_msr,
	[KVM_EXIT_X86_WRMSR] = handle_msr,
	[KVM_EXIT_IRQ_WINDOW_OPEN] = handle_nothing,
	[KVM_EXIT_INTR] = handle_nothing,
};

const char *kvm_cpu__exit_name(unsigned reason)
{
	static const char *const names[NR_EXIT_REASONS] = {
		[KVM_EXIT_UNKNOWN] = "unknown", [KVM_EXIT_EXCEPTION] = "exception",
		[KVM_EXIT_IO] = "io", [KVM_EXIT_HYPERCALL] = "hypercall", [KVM_EXIT_DEBUG] = "debug",
		[KVM_EXIT_HLT] = "hlt", [KVM_EXIT_MMIO] = "mmio",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open", [KVM_EXIT_SHUTDOWN] = "shutdown",
		[KVM_EXIT_FAIL_ENTRY] = "fail_entry", [KVM_EXIT_INTR] = "intr",
		[KVM_EXIT_SET_TPR] = "set_tpr", [KVM_EXIT_TPR_ACCESS] = "tpr_access",
		[KVM_EXIT_NMI] = "nmi", [KVM_EXIT_INTERNAL_ERROR] = "internal_error",
		[KVM_EXIT_SYSTEM_EVENT] = "system_event", [KVM_EXIT_X86_RDMSR] = "rdmsr",
		[KVM_EXIT_X86_WRMSR] = "wrmsr",
	};

	if (reason >= NR_EXIT_REASONS - 1)
		return "other";
	return names[reason] ? names[reason] : "other";
}

/* Per-port and per-device time, and the trace record, of the exit just handled. */
static void account(struct kvm_cpu *cpu, unsigned reason, uint64_t t_in, uint64_t t_done)
{
	struct kvm_run *run = cpu->run;
	struct trace_rec rec = { .t_enter = t_in, .t_exit = cpu->t_exit, .t_done = t_done,
				 .vcpu = (uint16_t)cpu->id, .kind = TR_EXIT, .reason = (uint8_t)reason };
	uint64_t d = t_done - cpu->t_exit;
	struct trace_rec *slot;

	if (reason == KVM_EXIT_IO) {
		exit_stat__add(&cpu->stats.pio_stats[run->io.port], 1, d);
		rec.addr = run->io.port;
		rec.size = run->io.size;
		rec.count = (uint16_t)MIN(run->io.count, 0xffffu);
		rec.flags = (uint8_t)((run->io.direction == KVM_EXIT_IO_OUT ? TRF_WRITE : 0) |
				      (run->io.count > 1 ? TRF_STRING : 0));
		if (run->io.data_offset <= cpu->run_size && run->io.size <= cpu->run_size - run->io.data_offset)
			memcpy(&rec.value, (uint8_t *)run + run->io.data_offset, MIN(run->io.size, 8u));
	} else if (reason == KVM_EXIT_MMIO) {
		exit_stat__add(&cpu->stats.mmio_stats[cpu->mmio_dev], 1, d);
		rec.addr = run->mmio.phys_addr;
		rec.size = (uint8_t)run->mmio.len;
		rec.flags = run->mmio.is_write ? TRF_WRITE : 0;
		memcpy(&rec.value, run->mmio.data, MIN(run->mmio.len, 8u));
	} else if (reason == KVM_EXIT_X86_RDMSR || reason == KVM_EXIT_X86_WRMSR) {
		rec.addr = run->msr.index;
		rec.value = run->msr.data;
		rec.flags = reason == KVM_EXIT_X86_WRMSR ? TRF_WRITE : 0;
	} else if (reason == KVM_EXIT_INTERNAL_ERROR) {
		rec.addr = run->internal.suberror;
	}
	if (cpu->trace && (slot = trace__begin(cpu->trace))) {
		*slot = rec;
		trace__commit(cpu->trace);
	}
}

static void kick_handler(int sig)
{
	(void)sig;
}

int kvm_cpu__create(struct vm *vm, int id, char *err, size_t errlen)
{
	struct kvm_cpu *cpu = calloc(1, sizeof(*cpu));
	int rc;

	if (!cpu) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cpu->vm = vm;
	cpu->id = id;
	cpu->fd = -1;
	vm->cpus[vm->nr_cpus++] = cpu;
	/* 2 MiB of address space; only the pages of ports the guest uses get memory. */
	cpu->stats.pio_stats = mmap(NULL, 65536 * sizeof(struct exit_stat), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (cpu->stats.pio_stats == MAP_FAILED) {
		cpu->stats.pio_stats = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (cpu->fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VCPU %d failed: %s", id, strerror(errno));
		return -errno;
	}
	cpu->run_size = (size_t)vm->run_size;
	cpu->run = mmap(NULL, cpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		cpu->run = NULL;
		snprintf(err, errlen, "cannot map vCPU %d's run area: %s", id, strerror(errno));
		return -errno;
	}
	/* A fresh vCPU sits at the reset vector (CS base 0xffff0000, IP 0xfff0); APs wait for SIPI. */
	if (vm->vcpu_setup && (rc = vm->vcpu_setup(cpu, err, errlen)))
		return rc;
	return 0;
}

/* The main thread asked what this quiet vCPU is doing. */
static void answer_idle_check(struct kvm_cpu *cpu)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	int idle = IDLE_RUNNING;

	if (ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) == 0) {
		if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED || mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
			idle = IDLE_WAIT_SIPI;
		else if (mp.mp_state == KVM_MP_STATE_HALTED && ioctl(cpu->fd, KVM_GET_REGS, &regs) == 0)
			idle = (regs.rflags & X86_EFLAGS_IF) ? IDLE_HALTED_IF1 : IDLE_HALTED_IF0;
	}
	atomic_store(&cpu->idle, idle);
	atomic_store(&cpu->idle_check, false);
}

static void *vcpu_thread(void *arg)
{
	struct kvm_cpu *cpu = arg;
	struct vm *vm = cpu->vm;
	sigset_t set;
	uint64_t t_in, t_prev_done = 0;

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	trace_ring_self = cpu->trace;
	if (cpu->id == 0)
		sandbox__test_hook();
	if (cpu->id == 0 && vm->nr_bps) {
		int rc;

		cpu->bp_armed = (1u << vm->nr_bps) - 1;
		if ((rc = arm_breakpoints(cpu, false))) {
			run__end(vm, OUTCOME_ERROR, EXIT_ERROR, cpu->id, clock__now(),
				 "this host's KVM cannot set a hardware breakpoint (KVM_SET_GUEST_DEBUG: %s), "
				 "which --stop-at-entry and BIOS milestones need", strerror(-rc));
			return NULL;
		}
	}

	while (!run__ended(vm)) {
		unsigned reason;
		exit_fn fn;
		uint64_t t_done;
		int r;

		t_in = clock__now();
		if (t_prev_done)
			cpu->stats.book_ticks += t_in - t_prev_done;
		t_prev_done = 0;
		if (cpu->id == 0 && !atomic_load_explicit(&vm->started, memory_order_relaxed)) {
			vm->t0 = t_in;
			atomic_store(&vm->started, true);
			if (vm->t0_milestone)
				milestones__hit(&vm->ms, vm->t0_milestone - 1, t_in, 0);
		}
		r = ioctl(cpu->fd, KVM_RUN, 0);

		cpu->t_exit = clock__now();
		cpu->stats.guest_ticks += cpu->t_exit - t_in;
		if (r < 0) {
			int e = errno;

			/* EINTR: our kick. EAGAIN: an AP woken from wait-for-SIPI. */
			if (e == EINTR || e == EAGAIN) {
				cpu->run->immediate_exit = 0;
				cpu->stats.kicks++;
				if (atomic_load(&cpu->idle_check))
					answer_idle_check(cpu);
				continue;
			}
			run__end(vm, OUTCOME_ERROR, EXIT_ERROR, cpu->id, cpu->t_exit,
				 "vCPU %d: KVM_RUN failed: %s", cpu->id, strerror(e));
			break;
		}
		atomic_store_explicit(&cpu->t_last_exit, cpu->t_exit, memory_order_relaxed);
		reason = cpu->run->exit_reason;
		if (reason >= NR_EXIT_REASONS)
			reason = NR_EXIT_REASONS - 1;
		fn = exit_handlers[reason];
		r = fn ? fn(cpu) : -ENOSYS;
		t_done = clock__now();
		exit_stat__add(&cpu->stats.exits[reason], 1, t_done - cpu->t_exit);
		account(cpu, reason, t_in, t_done);
		atomic_store_explicit(&cpu->nr_exits, atomic_load_explicit(&cpu->nr_exits, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		if (r) {
			run__end(vm, OUTCOME_ERROR, EXIT_ERROR, cpu->id, cpu->t_exit,
				 r == -ENOSYS ? "vCPU %d: unexpected KVM exit reason %u" :
						"vCPU %d: exit %u could not be handled", cpu->id, cpu->run->exit_reason);
			break;
		}
		t_prev_done = t_done;
	}
	record_end(cpu);
	return NULL;
}

void kvm_cpu__init_kick(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);	/* no SA_RESTART: KVM_RUN must return */
}

int kvm_cpu__start(struct kvm_cpu *cpu)
{
	int rc;

	rc = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);
	if (rc)
		return -rc;
	cpu->thread_started = true;
	return 0;
}

/* Make KVM_RUN return: immediate_exit covers the window before the ioctl starts. */
void kvm_cpu__kick(struct kvm_cpu *cpu)
{
	cpu->run->immediate_exit = 1;
	pthread_kill(cpu->thread, KICK_SIGNAL);
}
