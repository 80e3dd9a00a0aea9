/*
 * msr.h - which model-specific registers a CPU model has.
 *
 * A historical CPU has only the MSRs its features imply: a 486 none, a
 * Pentium its TSC and machine-check registers, a Pentium II MTRRs, SYSENTER
 * and PAT... bootscope installs a KVM MSR filter that denies everything
 * else; a denied RDMSR/WRMSR comes to user space, is recorded as an event
 * and answered with #GP, as the real CPU would (a real 486 raises #UD, which
 * KVM cannot do). The KVM paravirtual MSRs follow the KVM CPUID leaf.
 */
#ifndef BOOTSCOPE_MSR_H
#define BOOTSCOPE_MSR_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu_model.h"

struct vm;

#define MSR_IA32_APICBASE 0x1b
#define MAX_ALLOWED_MSRS 512

/*
 * The MSRs a vCPU with these CPUID leaves may use, sorted. Returns the count,
 * or -E2BIG. apic_enabled: the local APIC is on (the APIC feature, or SMP).
 */
int msr__allowlist(const struct cpu_model *m, const struct cpuid_leaf *leaves, int n,
		   bool apic_enabled, uint32_t *out, int max);
/* Install the filter on the VM (before any vCPU runs); host model: nothing. */
int msr__install_filter(struct vm *vm, char *err, size_t errlen);

#endif
