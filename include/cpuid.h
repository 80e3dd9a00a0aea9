/*
 * cpuid.h - what CPUID says to the guest.
 *
 * This foundation presents the host CPU as KVM supports it ("host"), with
 * each vCPU's APIC ID in leaf 1 EBX[31:24] and leaf 0xB EDX.
 */
#ifndef BOOTSCOPE_CPUID_H
#define BOOTSCOPE_CPUID_H

#include <stddef.h>

struct kvm_cpu;
struct vm;

/* Read KVM_GET_SUPPORTED_CPUID once per VM. */
int cpuid__init(struct vm *vm, char *err, size_t errlen);
/* Program one vCPU's CPUID. */
int cpuid__set(struct kvm_cpu *cpu, char *err, size_t errlen);
void cpuid__exit(void);

#endif
