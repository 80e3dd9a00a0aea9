/*
 * cpuid.h - programming each vCPU's CPUID from the selected CPU model.
 */
#ifndef BOOTSCOPE_CPUID_H
#define BOOTSCOPE_CPUID_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu_model.h"

struct kvm_cpu;
struct kvm_cpuid2;
struct vm;

/* What the CPU model makes of this run on this host (vm->cpu_state). */
struct cpu_state {
	uint32_t missing[FEAT_NR];	/* model features this host's KVM cannot give */
	struct cpuid_leaf leaves0[MAX_LEAVES];	/* vCPU 0's CPUID, for the MSR list and the tables */
	int nr_leaves0;
};

/* Read KVM_GET_SUPPORTED_CPUID once; fill vm->cpu_state: what the model loses on this host. */
int cpuid__init(struct vm *vm, char *err, size_t errlen);
/*
 * A new vCPU as the model has it (vm->vcpu_setup): its CPUID, and, for a
 * model without a local APIC (the 486) on one CPU, the APIC switched off.
 */
int cpuid__setup_vcpu(struct kvm_cpu *cpu, char *err, size_t errlen);
/* What KVM supports (after cpuid__init), for `bootscope cpus`. */
const struct kvm_cpuid2 *cpuid__supported(void);
/* Read KVM_GET_SUPPORTED_CPUID on an open /dev/kvm. */
int cpuid__read_supported(int kvm_fd, char *err, size_t errlen);
/* A table as KVM_SET_CPUID2 takes it (malloc'd; NULL when out of memory). */
struct cpuid_leaf;
struct kvm_cpuid2 *cpuid__to_kvm(const struct cpuid_leaf *leaves, int n);
void cpuid__exit(void);

#endif
