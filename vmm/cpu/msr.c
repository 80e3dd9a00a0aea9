/*
 * msr.c - the per-model MSR allowlist and the KVM MSR filter built from it.
 *
 * KVM's filter takes up to 16 ranges, each a base and a bitmap of allowed
 * MSRs. The allowlist is bucketed into 1024-MSR windows, one range each;
 * the clusters of real MSRs (0x0-0x3ff, 0x400, 0x800, 0x4b564d00,
 * 0xc0000080, 0xc0010000) need six at most.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "core/vm.h"

#define WINDOW 1024

struct list {
	uint32_t *v;
	int n, max;
	bool overflow;
};

static void allow(struct list *l, uint32_t first, uint32_t last)
{
	for (uint64_t m = first; m <= last; m++) {
		if (l->n == l->max) {
			l->overflow = true;
			return;
		}
		l->v[l->n++] = (uint32_t)m;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int msr__allowlist(const struct cpu_model *m, const struct cpuid_leaf *leaves, int n,
		   bool apic_enabled, uint32_t *out, int max)
{
	uint32_t edx = cpuid_leaf__get(leaves, n, 1, 3);
	uint32_t ext_edx = cpuid_leaf__get(leaves, n, 0x80000001, 3);
	uint32_t kvm = cpuid_leaf__get(leaves, n, 0x40000001, 0);
	bool intel = !strcmp(m->vendor, "GenuineIntel"), amd = !strcmp(m->vendor, "AuthenticAMD");
	struct list l = { out, 0, max, false };

#define HAS(bit) (edx & (1u << (bit)))
	/* The KVM paravirtual MSRs follow the KVM leaf, on every model (as under QEMU). */
	if (kvm & (1u << 0))
		allow(&l, 0x11, 0x12);			/* wall clock, system time (old) */
	if (kvm & (1u << 3))
		allow(&l, 0x4b564d00, 0x4b564d01);	/* wall clock, system time */
	if (kvm & (1u << 4))
		allow(&l, 0x4b564d02, 0x4b564d02);	/* async page fault */
	if (kvm & (1u << 5))
		allow(&l, 0x4b564d03, 0x4b564d03);	/* steal time */
	if (kvm & (1u << 6))
		allow(&l, 0x4b564d04, 0x4b564d04);	/* PV EOI */
	if (apic_enabled) {
		allow(&l, MSR_IA32_APICBASE, MSR_IA32_APICBASE);
		allow(&l, 0x800, 0x8ff);		/* x2APIC (QEMU turns x2apic on under KVM) */
	}
	if (HAS(5)) {		/* msr: RDMSR/WRMSR exist at all */
		if (HAS(4))
			allow(&l, 0x10, 0x10);		/* TSC */
		if (HAS(7))
			allow(&l, 0x0, 0x1);		/* P5 machine-check address and type */
		if (HAS(12)) {				/* mtrr */
			allow(&l, 0xfe, 0xfe);
			allow(&l, 0x200, 0x20f);
			allow(&l, 0x250, 0x250);
			allow(&l, 0x258, 0x259);
			allow(&l, 0x268, 0x26f);
			allow(&l, 0x2ff, 0x2ff);
		}
		if (HAS(11))
			allow(&l, 0x174, 0x176);	/* SYSENTER_CS/ESP/EIP */
		if (HAS(14)) {				/* mca */
			allow(&l, 0x179, 0x17b);
			allow(&l, 0x400, 0x47f);
		}
		if (HAS(16))
			allow(&l, 0x277, 0x277);	/* PAT */
		if (intel && m->family == 6) {		/* P6: platform ID, microcode, perf counters */
			allow(&l, 0x17, 0x17);
			allow(&l, 0x8b, 0x8b);
			allow(&l, 0xc1, 0xc2);
			allow(&l, 0x186, 0x187);
		}
		if (amd && m->family >= 6)		/* K7 performance counters */
			allow(&l, 0xc0010000, 0xc0010007);
		if (ext_edx & ((1u << 11) | (1u << 20) | (1u << 29)))
			allow(&l, 0xc0000080, 0xc0000080);	/* EFER: syscall, nx or lm */
		if (ext_edx & (1u << 11))
			allow(&l, 0xc0000081, 0xc0000084);	/* STAR and friends */
	}
#undef HAS
	if (l.overflow)
		return -E2BIG;
	qsort(out, (size_t)l.n, sizeof(*out), cmp_u32);
	return l.n;
}

int msr__install_filter(struct vm *vm, char *err, size_t errlen)
{
	static uint8_t bitmaps[16][WINDOW / 8];
	uint32_t list[MAX_ALLOWED_MSRS];
	struct kvm_msr_filter f;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args = { KVM_MSR_EXIT_REASON_FILTER } };
	int n, nr = 0;
	bool apic;

	if (!strcmp(vm->cpu->name, "host"))
		return 0;
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0 ||
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0) {
		snprintf(err, errlen, "this kernel's KVM cannot filter MSRs (KVM_CAP_X86_MSR_FILTER), which CPU model %s needs; use --cpu host",
			 vm->cpu->name);
		return -ENOTSUP;
	}
	apic = (cpuid_leaf__get(vm->cpu_state->leaves0, vm->cpu_state->nr_leaves0, 1, 3) & (1u << 9)) || vm->cfg.smp > 1;
	n = msr__allowlist(vm->cpu, vm->cpu_state->leaves0, vm->cpu_state->nr_leaves0, apic, list, MAX_ALLOWED_MSRS);
	if (n < 0)
		return n;

	memset(&f, 0, sizeof(f));
	memset(bitmaps, 0, sizeof(bitmaps));
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	for (int i = 0; i < n; i++) {
		uint32_t base = list[i] & ~(uint32_t)(WINDOW - 1);

		if (!nr || f.ranges[nr - 1].base != base) {
			if (nr == KVM_MSR_FILTER_MAX_RANGES) {
				snprintf(err, errlen, "CPU model %s: MSR allowlist needs too many filter ranges", vm->cpu->name);
				return -E2BIG;
			}
			f.ranges[nr] = (struct kvm_msr_filter_range){
				.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE, .nmsrs = WINDOW,
				.base = base, .bitmap = bitmaps[nr] };
			nr++;
		}
		bitmaps[nr - 1][(list[i] - base) / 8] |= (uint8_t)(1u << ((list[i] - base) % 8));
	}
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0 || ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0) {
		snprintf(err, errlen, "cannot install the MSR filter: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
