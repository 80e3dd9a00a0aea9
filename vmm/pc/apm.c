/*
 * apm.c - the APM control and status ports 0xb2/0xb3, answered here.
 *
 * On a PIIX4 a write to 0xb2 raises an SMI. Forwarded, it would make the
 * QEMU child's own CPU enter SMM and write its state into guest RAM; and
 * KVM on some hosts has no SMM to give bootscope's vCPUs. So no SMI is
 * raised. What the OS wants from the SMI handler is QEMU's: the FADT says
 * 0xf1 enables ACPI mode and 0xf0 leaves it, which QEMU does by setting or
 * clearing SCI_EN in PM1 control; bootscope does that through the child.
 */
#include "pc/pc.h"
#include "core/vm.h"

#define APM_ACPI_ENABLE 0xf1
#define APM_ACPI_DISABLE 0xf0
#define PM1_CNT 0x04
#define SCI_EN 0x0001

static int set_sci_en(struct kvm_cpu *cpu, bool on)
{
	uint16_t base = cpu->vm->pc->pm_base;
	uint8_t v[2];
	int rc;

	if (!base)
		return 0;	/* PM I/O space not enabled yet: nothing to switch */
	if ((rc = delegate__forward(cpu, false, base + PM1_CNT, v, 2, 1, false)))
		return rc;
	v[0] = (uint8_t)(on ? v[0] | SCI_EN : v[0] & ~SCI_EN);
	return delegate__forward(cpu, false, base + PM1_CNT, v, 2, 1, true);
}

static int apm_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		  bool is_write)
{
	struct pc *pc = cpu->vm->pc;
	uint8_t *reg = port == 0xb2 ? &pc->apm_cnt : &pc->apm_sts;

	(void)dev;
	if (!is_write) {
		data[0] = *reg;
		for (uint32_t i = 1; i < len; i++)
			data[i] = port + i == 0xb3 ? pc->apm_sts : 0xff;
		return 0;
	}
	*reg = data[0];
	if (len > 1 && port == 0xb2)
		pc->apm_sts = data[1];
	if (port == 0xb2 && (data[0] == APM_ACPI_ENABLE || data[0] == APM_ACPI_DISABLE))
		return set_sci_en(cpu, data[0] == APM_ACPI_ENABLE);
	return 0;
}

int apm__register(struct vm *vm)
{
	return bus__register_pio(&vm->bus, "apm", 0xb2, 2, apm_io, NULL);
}
