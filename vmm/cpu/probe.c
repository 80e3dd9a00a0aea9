/*
 * probe.c - what this host's KVM can run, tried with tiny throwaway VMs.
 *
 * Each probe builds a bare VM (4 MiB of RAM, one vCPU, no devices), puts a
 * few bytes of machine code and the tables it needs in memory, sets the
 * registers for the mode under test and runs until the code writes 0x2a to
 * port 0xf4 (it works), the vCPU shuts down, KVM fails to emulate, or a
 * second passes. `bootscope doctor` tabulates them; `run` asks the paging
 * probe before booting a kernel that needs paging, and a BIOS boot asks the
 * debug probes how it can find its milestones.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/x86.h"
#include "cpu/cpu_model.h"
#include "cpu/cpuid.h"
#include "cpu/host.h"
#include "cpu/probe.h"
#include "lib/util.h"
#include "core/vm.h"

#define PROBE_RAM (4 * MiB)
#define CODE 0x1000
#define MAGIC 0x2a

/* Guest code: "mov al, 0x2a; out 0xf4, al; hlt", the same bytes in 16- and 32-bit mode. */
static const uint8_t done_code[] = { 0xb0, MAGIC, 0xe6, 0xf4, 0xf4 };

struct probe_vm {
	int vm, cpu;
	uint8_t *mem;
	struct kvm_run *run;
	size_t run_size;
	/* KVM_EXIT_DEBUG on the way: where, in order; a breakpoint's is taken out after it fires. */
	uint64_t debug_pc[8];
	int nr_debug;
	bool disarm_on_debug;
	bool timed_out;		/* the 2 s alarm ended KVM_RUN */
};

static void probe_vm__destroy(struct probe_vm *p)
{
	if (p->run)
		munmap(p->run, p->run_size);
	if (p->mem)
		munmap(p->mem, PROBE_RAM);
	if (p->cpu >= 0)
		close(p->cpu);
	if (p->vm >= 0)
		close(p->vm);
}

/* msr_filter: deny every MSR to user space; KVM wants that set before the vCPU exists. */
static int probe_vm__create_with(int kvm, struct probe_vm *p, bool msr_filter)
{
	struct kvm_userspace_memory_region r = { .memory_size = PROBE_RAM };

	*p = (struct probe_vm){ .vm = -1, .cpu = -1 };
	p->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (p->vm < 0)
		return -errno;
	p->mem = mmap(NULL, PROBE_RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return -ENOMEM;
	}
	r.userspace_addr = (uintptr_t)p->mem;
	ioctl(p->vm, KVM_SET_TSS_ADDR, KVM_TSS_BASE);
	if (msr_filter) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
					      .args = { KVM_MSR_EXIT_REASON_FILTER } };
		/* KVM refuses a filter that allows nothing: allow one MSR no probe uses. */
		static uint8_t one = 1;
		struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_DENY,
			.ranges = { { .flags = KVM_MSR_FILTER_READ, .nmsrs = 1, .base = 0x1000, .bitmap = &one } } };

		if (ioctl(p->vm, KVM_ENABLE_CAP, &cap) < 0 || ioctl(p->vm, KVM_X86_SET_MSR_FILTER, &filter) < 0)
			return -errno;
	}
	if (ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0 || (p->cpu = ioctl(p->vm, KVM_CREATE_VCPU, 0)) < 0)
		return -errno;
	p->run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	p->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->cpu, 0);
	if (p->run == MAP_FAILED) {
		p->run = NULL;
		return -errno;
	}
	return 0;
}

static int probe_vm__create(int kvm, struct probe_vm *p)
{
	return probe_vm__create_with(kvm, p, false);
}

static struct kvm_segment flat(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
				     .present = 1, .s = 1, .db = 1, .g = 1 };
}

/* Flat 32-bit protected mode with the GDT at 0x4000; cr0/cr3/cr4 extra bits as given. */
static int set_pm32(struct probe_vm *p, uint64_t cr0, uint64_t cr3, uint64_t cr4)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE, .rflags = X86_EFLAGS_FIXED, .rsp = 0x8000 };
	static const uint64_t gdt[] = { 0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL };

	memcpy(p->mem + 0x4000, gdt, sizeof(gdt));
	if (ioctl(p->cpu, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cs = flat(0x08, 11);
	s.ds = s.es = s.fs = s.gs = s.ss = flat(0x10, 3);
	s.gdt.base = 0x4000;
	s.gdt.limit = sizeof(gdt) - 1;
	s.cr0 = X86_CR0_PE | X86_CR0_ET | cr0;
	s.cr3 = cr3;
	s.cr4 = cr4;
	if (ioctl(p->cpu, KVM_SET_SREGS, &s) < 0 || ioctl(p->cpu, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Run until the code reports, or something else ends it. Returns true if
 * 0x2a reached port 0xf4; exits counts every exit on the way.
 */
static bool probe_vm__run(struct probe_vm *p, char *detail, size_t len, uint64_t *exits)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	timer_t timer;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { .it_value = { .tv_sec = 2 }, .it_interval = { .tv_sec = 1 } };
	bool ok = false;

	*exits = 0;
	/* Probes run before any other thread exists, so a process-wide SIGALRM reaches this one. */
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) < 0) {
		snprintf(detail, len, "cannot create a timer: %s", strerror(errno));
		return false;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	timer_settime(timer, 0, &its, NULL);
	for (;;) {
		if (ioctl(p->cpu, KVM_RUN, 0) < 0) {
			p->timed_out = errno == EINTR;
			snprintf(detail, len, errno == EINTR ? "no answer within 2 s" : "KVM_RUN: %s", strerror(errno));
			break;
		}
		(*exits)++;
		if (p->run->exit_reason == KVM_EXIT_DEBUG) {
			if (p->nr_debug < (int)ARRAY_SIZE(p->debug_pc))
				p->debug_pc[p->nr_debug] = p->run->debug.arch.pc;
			p->nr_debug++;
			if (p->disarm_on_debug &&
			    ioctl(p->cpu, KVM_SET_GUEST_DEBUG, &(struct kvm_guest_debug){ 0 }) < 0) {
				snprintf(detail, len, "KVM_SET_GUEST_DEBUG: %s", strerror(errno));
				break;
			}
			if (p->nr_debug < 1000)
				continue;
			snprintf(detail, len, "debug exits without end");
			break;
		}
		if (p->run->exit_reason == KVM_EXIT_IO) {
			if (p->run->io.port != 0xf4)
				continue;
			ok = *((uint8_t *)p->run + p->run->io.data_offset) == MAGIC;
			snprintf(detail, len, ok ? "ran" : "wrong value at port 0xf4");
		} else if (p->run->exit_reason == KVM_EXIT_SHUTDOWN) {
			snprintf(detail, len, "triple fault (KVM_EXIT_SHUTDOWN)");
		} else if (p->run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			snprintf(detail, len, "KVM could not emulate it (internal error, suberror %u)",
				 p->run->internal.suberror);
		} else if (p->run->exit_reason == KVM_EXIT_HLT) {
			snprintf(detail, len, "halted before reporting");
		} else {
			snprintf(detail, len, "unexpected exit %u", p->run->exit_reason);
		}
		break;
	}
	timer_delete(timer);
	sigaction(SIGALRM, &old, NULL);
	return ok;
}


/* Real mode with CS:IP at 0:CODE, for the probes that need no tables. */
static int set_real(struct probe_vm *p)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE, .rflags = X86_EFLAGS_FIXED };

	if (ioctl(p->cpu, KVM_GET_SREGS, &s) < 0)
		return -errno;
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(p->cpu, KVM_SET_SREGS, &s) < 0 || ioctl(p->cpu, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

bool probe__mode(int kvm, enum probe_kind k, char *detail, size_t len)
{
	struct probe_vm p;
	uint64_t exits;
	bool ok = false;
	int rc = probe_vm__create(kvm, &p);

	if (rc) {
		snprintf(detail, len, "cannot create a VM: %s", strerror(-rc));
		probe_vm__destroy(&p);
		return false;
	}
	memcpy(p.mem + CODE, done_code, sizeof(done_code));
	switch (k) {
	case PR_REAL:
		rc = set_real(&p);
		break;
	case PR_PM32:
		rc = set_pm32(&p, 0, 0, 0);
		break;
	case PR_PSE:	/* one 4 MiB page, identity */
		put_le32(p.mem + 0x200000, X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
		rc = set_pm32(&p, X86_CR0_PG, 0x200000, X86_CR4_PSE);
		break;
	case PR_PAE:	/* PDPT -> page directory of 2 MiB pages, identity */
		put_le64(p.mem + 0x200000, 0x201000 | X86_PTE_P);
		put_le64(p.mem + 0x201000, X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
		put_le64(p.mem + 0x201008, 0x200000 | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
		rc = set_pm32(&p, X86_CR0_PG, 0x200000, X86_CR4_PAE);
		break;
	case PR_IRET: {	/* int 0x30 to a handler that only returns */
		static const uint8_t code[] = { 0xcd, 0x30 };
		uint8_t *gate = p.mem + 0x3000 + 0x30 * 8;

		memcpy(p.mem + CODE, code, sizeof(code));
		memcpy(p.mem + CODE + sizeof(code), done_code, sizeof(done_code));
		p.mem[0x2000] = 0xcf;	/* iret */
		put_le16(gate, 0x2000);
		put_le16(gate + 2, 0x08);
		gate[5] = 0x8e;		/* present 32-bit interrupt gate */
		rc = set_pm32(&p, 0, 0, 0);
		if (!rc) {
			struct kvm_sregs s;

			ioctl(p.cpu, KVM_GET_SREGS, &s);
			s.idt.base = 0x3000;
			s.idt.limit = 0x31 * 8 - 1;
			if (ioctl(p.cpu, KVM_SET_SREGS, &s) < 0)
				rc = -errno;
		}
		break;
	}
	case PR_LONG: {	/* 4-level paging, 2 MiB pages, a 64-bit code segment */
		struct kvm_sregs s;
		char err[128];

		/* KVM takes EFER.LME only from a vCPU whose CPUID has long mode. */
		if (cpuid__read_supported(kvm, err, sizeof(err)) ||
		    ioctl(p.cpu, KVM_SET_CPUID2, cpuid__supported()) < 0) {
			rc = -ENOTSUP;
			break;
		}

		put_le64(p.mem + 0x200000, 0x201003);
		put_le64(p.mem + 0x201000, 0x202003);
		put_le64(p.mem + 0x202000, 0x000083);
		/* Paging, PAE and long mode in one step: PML4 entries are not valid PDPTEs. */
		rc = set_pm32(&p, 0, 0, 0);
		if (!rc && !ioctl(p.cpu, KVM_GET_SREGS, &s)) {
			s.cr0 |= X86_CR0_PG;
			s.cr3 = 0x200000;
			s.cr4 = X86_CR4_PAE;
			s.efer = X86_EFER_LME | X86_EFER_LMA;
			s.cs.l = 1;
			s.cs.db = 0;
			if (ioctl(p.cpu, KVM_SET_SREGS, &s) < 0)
				rc = -errno;
		}
		break;
	}
	}
	if (rc)
		snprintf(detail, len, "cannot set the vCPU up: %s", strerror(-rc));
	else
		ok = probe_vm__run(&p, detail, len, &exits);
	probe_vm__destroy(&p);
	return ok;
}

bool probe__paging_works(int kvm_fd, char *detail, size_t len)
{
	return probe__mode(kvm_fd, PR_PSE, detail, len);
}

/*
 * Debug exits, by using them: a hardware breakpoint on the probe's first
 * instruction must stop it there; single-stepping "nop; nop; mov al, 0x2a"
 * must stop after each instruction. QEMU's software emulation loses the
 * breakpoints of a nested guest (VMRUN loads DR7 without arming it), so in
 * the test VM the code runs past the breakpoint, while single steps (the
 * trap flag, part of the guest's RFLAGS) arrive.
 */
static bool debug_probe(int kvm, bool step, char *detail, size_t len)
{
	static const uint8_t code[] = { 0x90, 0x90 };
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE };
	struct probe_vm p;
	uint64_t exits;
	bool ok = false;
	int rc = probe_vm__create(kvm, &p);

	if (!rc)
		rc = set_real(&p);
	if (rc) {
		snprintf(detail, len, "cannot set the vCPU up: %s", strerror(-rc));
		probe_vm__destroy(&p);
		return false;
	}
	memcpy(p.mem + CODE, code, sizeof(code));
	memcpy(p.mem + CODE + sizeof(code), done_code, sizeof(done_code));
	if (step) {
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	} else {
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[0] = CODE;
		dbg.arch.debugreg[7] = 1;	/* L0: execute, 1 byte */
		p.disarm_on_debug = true;
	}
	if (ioctl(p.cpu, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
		snprintf(detail, len, "KVM_SET_GUEST_DEBUG: %s", strerror(errno));
	} else if (probe_vm__run(&p, detail, len, &exits)) {
		if (step) {
			/* After each nop, after the mov; the out then exits on its own. */
			ok = p.nr_debug == 3 && p.debug_pc[0] == CODE + 1 && p.debug_pc[1] == CODE + 2 &&
			     p.debug_pc[2] == CODE + 4;
			if (ok)
				snprintf(detail, len, "stopped after each of 3 instructions");
			else if (!p.nr_debug)
				snprintf(detail, len, "no step was reported: the code ran to its end");
			else
				snprintf(detail, len, "%d steps reported, the first at 0x%llx; 3 expected from 0x%x",
					 p.nr_debug, (unsigned long long)p.debug_pc[0], CODE + 1);
		} else {
			ok = p.nr_debug == 1 && p.debug_pc[0] == CODE;
			if (ok)
				snprintf(detail, len, "a breakpoint on the first instruction stopped it there");
			else if (!p.nr_debug)
				snprintf(detail, len, "a breakpoint on the first instruction did not fire: the code ran past it%s",
					 host__info()->under_tcg ? " (QEMU's software emulation loses a nested guest's breakpoints)" : "");
			else
				snprintf(detail, len, "the breakpoint at 0x%x fired at 0x%llx", CODE,
					 (unsigned long long)p.debug_pc[0]);
		}
	}
	probe_vm__destroy(&p);
	return ok;
}

bool probe__breakpoints_work(int kvm_fd, char *detail, size_t len)
{
	return debug_probe(kvm_fd, false, detail, len);
}

bool probe__single_step_works(int kvm_fd, char *detail, size_t len)
{
	return debug_probe(kvm_fd, true, detail, len);
}

/*
 * The cost of a port-I/O exit with nothing done for it, in real mode. The
 * loop asks for 20000 exits, but a slow KVM (the test VM's, on some hosts)
 * does not get through them before the probe's 2 s alarm. The exits it made
 * by then measure the cost as well, so those count; a loop that ended any
 * other way measures nothing.
 */
double probe__exit_cost_ns(int kvm, uint64_t *nr_exits)
{
	/* mov cx, 20000; 1: out 0x70, al; dec cx; jnz 1b; then report. */
	static const uint8_t loop[] = { 0xb9, 0x20, 0x4e, 0xe6, 0x70, 0x49, 0x75, 0xfb };
	struct probe_vm p;
	char detail[128];
	uint64_t exits = 0, t0, t1;
	double ns = -1;

	if (probe_vm__create(kvm, &p) == 0 && set_real(&p) == 0) {
		memcpy(p.mem + CODE, loop, sizeof(loop));
		memcpy(p.mem + CODE + sizeof(loop), done_code, sizeof(done_code));
		t0 = clock__mono_ns();
		if ((probe_vm__run(&p, detail, sizeof(detail), &exits) || p.timed_out) && exits > 1) {
			t1 = clock__mono_ns();
			ns = (double)(t1 - t0) / (double)exits;
		}
	}
	probe_vm__destroy(&p);
	*nr_exits = exits;
	return ns;
}

int probe__cpuid_leaf1(int kvm, const struct cpuid_leaf *leaves, int n, uint32_t *ecx, uint32_t *edx)
{
	static const uint8_t code[] = { 0xb8, 0x01, 0, 0, 0, 0x0f, 0xa2, 0xf4 };	/* mov eax,1; cpuid; hlt */
	struct kvm_cpuid2 *c = cpuid__to_kvm(leaves, n);
	struct probe_vm p = { .vm = -1, .cpu = -1 };
	struct kvm_regs r;
	int rc = -EIO;

	if (c && !probe_vm__create(kvm, &p)) {
		memcpy(p.mem + CODE, code, sizeof(code));
		if (!ioctl(p.cpu, KVM_SET_CPUID2, c) && !set_pm32(&p, 0, 0, 0) && !ioctl(p.cpu, KVM_RUN, 0) &&
		    p.run->exit_reason == KVM_EXIT_HLT && !ioctl(p.cpu, KVM_GET_REGS, &r)) {
			*ecx = (uint32_t)r.rcx;
			*edx = (uint32_t)r.rdx;
			rc = 0;
		}
	}
	free(c);
	probe_vm__destroy(&p);
	return rc;
}

/* CPUID leaf 1 as a guest sees it after programming pentium2's: the bits the host changes. */
void probe__cpuid_as_programmed(int kvm, char *detail, size_t len, bool *same)
{
	struct cpuid_leaf leaves[MAX_LEAVES];
	uint32_t missing[FEAT_NR], want_c, want_d, gc, gd;
	char err[128], on_c[120], on_d[120];
	int n;

	*same = false;
	snprintf(detail, len, "could not be checked");
	if (cpuid__read_supported(kvm, err, sizeof(err)))
		return;
	n = cpu_model__leaves(cpu_model__find("pentium2"), cpuid__supported(), 1, 0, leaves, MAX_LEAVES, missing);
	if (n <= 0 || probe__cpuid_leaf1(kvm, leaves, n, &gc, &gd))
		return;
	want_c = cpuid_leaf__get(leaves, n, 1, 2);
	want_d = cpuid_leaf__get(leaves, n, 1, 3);
	/* The APIC bit follows the (absent) local APIC here; it is not the host's doing. */
	gd = (gd & ~(1u << 9)) | (want_d & (1u << 9));
	cpu_model__feature_names(FEAT_1_ECX, gc & ~want_c, on_c, sizeof(on_c));
	cpu_model__feature_names(FEAT_1_EDX, gd & ~want_d, on_d, sizeof(on_d));
	*same = gc == want_c && gd == want_d;
	if (*same)
		snprintf(detail, len, "leaf 1 comes back as programmed");
	else
		snprintf(detail, len, "leaf 1 ECX/EDX differ from what is programmed; host sets: %s%s%s%s",
			 on_c, *on_c && *on_d ? " " : "", on_d,
			 (want_c & ~gc) || (want_d & ~gd) ? " (and clears some)" : "");
}

/* Does a denied MSR come to user space? RDMSR of the TSC under a deny-everything filter. */
bool probe__msr_filter_works(int kvm, char *detail, size_t len)
{
	static const uint8_t code[] = { 0xb9, 0x10, 0, 0, 0, 0x0f, 0x32, 0xf4 };	/* mov ecx,0x10; rdmsr; hlt */
	struct probe_vm p;
	bool ok = false;
	int rc = probe_vm__create_with(kvm, &p, true);

	snprintf(detail, len, "cannot set a filter up: %s", strerror(-rc));
	if (rc == 0 && (rc = set_pm32(&p, 0, 0, 0)) != 0)
		snprintf(detail, len, "cannot set the vCPU up: %s", strerror(-rc));
	if (rc == 0) {
		memcpy(p.mem + CODE, code, sizeof(code));
		if (ioctl(p.cpu, KVM_RUN, 0) == 0) {
			ok = p.run->exit_reason == KVM_EXIT_X86_RDMSR && p.run->msr.index == 0x10;
			snprintf(detail, len, ok ? "a denied RDMSR reaches bootscope, which answers #GP" :
						   "a denied RDMSR did not reach user space (exit %u)", p.run->exit_reason);
		}
	}
	probe_vm__destroy(&p);
	return ok;
}
