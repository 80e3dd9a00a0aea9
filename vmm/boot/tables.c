/*
 * tables.c - put the MP and ACPI tables into the firmware ROM's table area
 * and make the in-kernel I/O APIC carry the ID they give it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu/cpuid.h"
#include "boot/firmware.h"
#include "boot/tables.h"
#include "core/vm.h"

int tables__install(struct vm *vm, char *err, size_t errlen)
{
	const struct cpuid_leaf *leaf1 = cpuid_leaf__find(vm->cpu_state->leaves0, vm->cpu_state->nr_leaves0, 1);
	uint32_t sig = leaf1 ? leaf1->eax : 0, features = leaf1 ? leaf1->edx : 0;
	uint8_t *area = vm->rom + FW_TABLES_OFFSET;
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	int mp, acpi;

	mp = mptable__write(area, FW_TABLES_SIZE, (uint32_t)(ROM_BASE + FW_TABLES_OFFSET), vm->cfg.smp,
			    sig, features);
	if (mp < 0) {
		snprintf(err, errlen, "the MP table does not fit in the firmware's table area");
		return mp;
	}
	mp = (int)ALIGN_UP((uint64_t)mp, 16);
	acpi = acpi__write(area + mp, FW_TABLES_SIZE - (size_t)mp,
			   (uint32_t)(ROM_BASE + FW_TABLES_OFFSET + (uint32_t)mp), vm->cfg.smp);
	if (acpi < 0) {
		snprintf(err, errlen, "the ACPI tables do not fit in the firmware's table area");
		return acpi;
	}
	/* KVM's I/O APIC comes out of reset with ID 0; the tables say N. */
	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
		snprintf(err, errlen, "KVM_GET_IRQCHIP (I/O APIC) failed: %s", strerror(errno));
		return -errno;
	}
	chip.chip.ioapic.id = (uint8_t)vm->cfg.smp;
	if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip) < 0) {
		snprintf(err, errlen, "KVM_SET_IRQCHIP (I/O APIC) failed: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
