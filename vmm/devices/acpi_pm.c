/*
 * acpi_pm.c - the ACPI PM timer, PM1 event and control registers, and the
 * power-off they give a guest (acpi_pm.h).
 */
#include <pthread.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "lib/clock.h"
#include "core/bus.h"
#include "core/kvm_cpu.h"
#include "core/outcome.h"
#include "core/vm.h"

uint32_t acpi_pm__timer(uint64_t ns)
{
	uint64_t s = ns / 1000000000ULL, r = ns % 1000000000ULL;

	return (uint32_t)((s * ACPI_PM_TIMER_HZ + r * ACPI_PM_TIMER_HZ / 1000000000ULL) & 0xffffff);
}

bool acpi_pm__read_timer(uint16_t base, uint64_t port, uint8_t *data, uint32_t len)
{
	uint64_t off;
	uint32_t v;

	if (!base || port < (uint64_t)base + ACPI_PM_TMR || (off = port - base - ACPI_PM_TMR) >= 4)
		return false;
	v = acpi_pm__timer(clock__mono_ns());
	for (uint32_t i = 0; i < len; i++)
		data[i] = off + i < 4 ? (uint8_t)(v >> (8 * (off + i))) : 0;
	return true;
}

bool acpi_pm__powers_off(struct kvm_cpu *cpu, uint16_t base, uint64_t port, const uint8_t *data, uint32_t size,
			 uint32_t count)
{
	uint64_t hi = (uint64_t)base + ACPI_PM1_CNT + 1;	/* the byte that holds SLP_EN and SLP_TYP */

	if (!base || hi < port || hi - port >= size)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t v = data[(size_t)i * size + (hi - port)];

		if (v & (ACPI_SLP_EN >> 8)) {
			run__end(cpu->vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
				 "vCPU %d powered the machine off (ACPI PM1 control, SLP_EN in 0x%02x written to port 0x%llx)",
				 cpu->id, v, (unsigned long long)hi);
			return true;
		}
	}
	return false;
}

/* A direct boot's block: no SMI, so ACPI mode is on from the start (SCI_EN reads 1). */
static struct {
	pthread_mutex_t lock;
	uint16_t sts, en, cnt;
} pm = { PTHREAD_MUTEX_INITIALIZER, 0, 0, ACPI_SCI_EN };

static int pm_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	unsigned off = (unsigned)(port - ACPI_PM_BASE);

	(void)dev;
	if (!is_write && acpi_pm__read_timer(ACPI_PM_BASE, port, data, len))
		return 0;
	if (is_write && acpi_pm__powers_off(cpu, ACPI_PM_BASE, port, data, len, 1))
		return 0;
	pthread_mutex_lock(&pm.lock);
	for (uint32_t i = 0; i < len; i++) {
		unsigned reg = off + i, shift = 8 * (reg % 2);
		uint16_t *r = reg < 2 ? &pm.sts : reg < 4 ? &pm.en : reg < 6 ? &pm.cnt : NULL;

		if (!r) {
			if (!is_write)
				data[i] = 0;
		} else if (!is_write) {
			data[i] = (uint8_t)(*r >> shift);
		} else if (r == &pm.sts) {
			*r &= (uint16_t)~(data[i] << shift);		/* write 1 to clear */
		} else {
			*r = (uint16_t)((*r & ~(0xff << shift)) | (data[i] << shift));
			pm.cnt |= ACPI_SCI_EN;
		}
	}
	pthread_mutex_unlock(&pm.lock);
	return 0;
}

int acpi_pm__register(struct vm *vm)
{
	return bus__register_pio(&vm->bus, "acpi-pm", ACPI_PM_BASE, ACPI_PM_LEN, pm_io, NULL);
}
