/*
 * cpuid.c - KVM_GET_SUPPORTED_CPUID once, KVM_SET_CPUID2 per vCPU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu/cpu_model.h"
#include "cpu/cpuid.h"
#include "cpu/msr.h"
#include "core/vm.h"

static struct kvm_cpuid2 *supported;

#define F1_ECX_TSC_DEADLINE (1u << 24)
#define F1_ECX_HYPERVISOR (1u << 31)

/*
 * What QEMU adds to KVM_GET_SUPPORTED_CPUID before it applies a CPU model
 * (its kvm_arch_get_supported_cpuid): the hypervisor bit, always, and the
 * TSC-deadline timer when the in-kernel LAPIC has one. KVM lists neither
 * (both are its own doing, not the host CPU's), and a guest that looks for
 * KVM's paravirtual leaves checks the hypervisor bit first.
 */
static void add_what_qemu_adds(int kvm_fd)
{
	for (uint32_t i = 0; i < supported->nent; i++) {
		struct kvm_cpuid_entry2 *e = &supported->entries[i];

		if (e->function != 1)
			continue;
		e->ecx |= F1_ECX_HYPERVISOR;
		if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0)
			e->ecx |= F1_ECX_TSC_DEADLINE;
	}
}

int cpuid__read_supported(int kvm_fd, char *err, size_t errlen)
{
	if (supported)
		return 0;
	for (int n = 64; n <= 4096; n *= 2) {
		supported = calloc(1, sizeof(*supported) + (size_t)n * sizeof(struct kvm_cpuid_entry2));
		if (!supported)
			break;
		supported->nent = (uint32_t)n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, supported) == 0) {
			add_what_qemu_adds(kvm_fd);
			return 0;
		}
		free(supported);
		supported = NULL;
		if (errno != E2BIG)
			break;
	}
	snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
	return -ENOTSUP;
}

const struct kvm_cpuid2 *cpuid__supported(void)
{
	return supported;
}

int cpuid__init(struct vm *vm, char *err, size_t errlen)
{
	static struct cpu_state state;
	int rc = cpuid__read_supported(vm->kvm_fd, err, errlen);

	if (rc)
		return rc;
	vm->cpu_state = &state;
	/* Once for vCPU 0: what this host cannot give, and what the MSR filter and tables follow. */
	rc = cpu_model__leaves(vm->cpu, supported, vm->cfg.smp, 0, state.leaves0, MAX_LEAVES, state.missing);
	state.nr_leaves0 = rc;
	if (rc < 0) {
		snprintf(err, errlen, "CPU model %s: too many CPUID leaves", vm->cpu->name);
		return rc;
	}
	return 0;
}

struct kvm_cpuid2 *cpuid__to_kvm(const struct cpuid_leaf *leaves, int n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(struct kvm_cpuid_entry2));

	if (!c)
		return NULL;
	c->nent = (uint32_t)n;
	for (int i = 0; i < n; i++)
		c->entries[i] = (struct kvm_cpuid_entry2){
			.function = leaves[i].function, .index = leaves[i].index, .flags = leaves[i].flags,
			.eax = leaves[i].eax, .ebx = leaves[i].ebx, .ecx = leaves[i].ecx, .edx = leaves[i].edx };
	return c;
}

/* Program one vCPU: the model's leaves with its APIC ID. */
static int set_leaves(struct kvm_cpu *cpu, char *err, size_t errlen)
{
	struct cpuid_leaf leaves[MAX_LEAVES];
	uint32_t missing[FEAT_NR];
	struct kvm_cpuid2 *c;
	int n = cpu_model__leaves(cpu->vm->cpu, supported, cpu->vm->cfg.smp, (uint32_t)cpu->id, leaves,
				  (int)ARRAY_SIZE(leaves), missing);
	int rc = 0;

	if (n < 0) {
		snprintf(err, errlen, "CPU model %s: too many CPUID leaves", cpu->vm->cpu->name);
		return n;
	}
	c = cpuid__to_kvm(leaves, n);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (ioctl(cpu->fd, KVM_SET_CPUID2, c) < 0) {
		rc = -errno;
		snprintf(err, errlen, "KVM_SET_CPUID2 failed on vCPU %d: %s", cpu->id, strerror(errno));
	}
	free(c);
	return rc;
}

void cpuid__exit(void)
{
	free(supported);
	supported = NULL;
}

int cpuid__setup_vcpu(struct kvm_cpu *cpu, char *err, size_t errlen)
{
	int rc = set_leaves(cpu, err, errlen);

	if (rc)
		return rc;
	/*
	 * A model without a local APIC (the 486) on one CPU has it switched off, so
	 * CPUID shows no APIC, as QEMU leaves it; SMP needs the APICs and keeps them.
	 */
	if (!(cpu->vm->cpu->features[FEAT_1_EDX] & (1u << 9)) && cpu->vm->cpu->vendor[0] && cpu->vm->cfg.smp == 1) {
		/* struct kvm_msrs ends in a flexible array: one entry after it, in 8-byte words. */
		uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) / 8] = { 0 };
		struct kvm_msrs *msrs = (struct kvm_msrs *)buf;

		msrs->nmsrs = 1;
		msrs->entries[0] = (struct kvm_msr_entry){ .index = MSR_IA32_APICBASE, .data = 0 };
		if (ioctl(cpu->fd, KVM_SET_MSRS, msrs) != 1) {
			snprintf(err, errlen, "cannot switch off vCPU %d's local APIC: %s", cpu->id, strerror(errno));
			return -EIO;
		}
	}
	return 0;
}
