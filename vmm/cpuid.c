/*
 * cpuid.c - the host CPU model: KVM_GET_SUPPORTED_CPUID, per-vCPU APIC IDs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpuid.h"
#include "vm.h"

static struct kvm_cpuid2 *supported;

int cpuid__init(struct vm *vm, char *err, size_t errlen)
{
	for (int n = 64; n <= 4096; n *= 2) {
		supported = calloc(1, sizeof(*supported) + (size_t)n * sizeof(struct kvm_cpuid_entry2));
		if (!supported)
			break;
		supported->nent = (uint32_t)n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, supported) == 0)
			return 0;
		free(supported);
		supported = NULL;
		if (errno != E2BIG)
			break;
	}
	snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
	return -ENOTSUP;
}

int cpuid__set(struct kvm_cpu *cpu, char *err, size_t errlen)
{
	size_t size = sizeof(*supported) + supported->nent * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = malloc(size);
	uint32_t apic_id = (uint32_t)cpu->id;
	int rc = 0;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(c, supported, size);
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x0000ffff) | apic_id << 24 |
				 (uint32_t)cpu->vm->cfg.smp << 16;
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = apic_id;
		}
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
