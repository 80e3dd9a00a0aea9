/*
 * rtc.c - the RTC/CMOS ports 0x70/0x71, which stay the child's (its clock,
 * its periodic, alarm and update interrupts on IRQ 8, the NVRAM QEMU filled
 * in), with two round trips saved:
 *
 *   - a write of the index to 0x70 stays here and reaches the child with
 *     the next access to 0x71, in one exchange (QEMU keeps only the index,
 *     without the NMI bit, and answers a read of 0x70 with 0xff: so do we);
 *   - a read of an NVRAM byte that only the guest changes (not the clock,
 *     the alarm, registers A-D or the century) is answered from what the
 *     child said the first time; a write to it drops that.
 *
 * SeaBIOS reads its boot order, memory sizes and equipment bytes this way;
 * a kernel reading the clock still gets the child's clock.
 */
#include <string.h>

#include "pc/pc.h"
#include "core/bus.h"
#include "core/vm.h"

#define CMOS_CENTURY 0x32

static bool cacheable(uint8_t index)
{
	return index > 0x0d && index != CMOS_CENTURY;
}

static int rtc_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	struct pc *pc = cpu->vm->pc;
	uint8_t idx;
	int rc;

	(void)dev;
	if (len != 1)		/* no one does this: the child answers it as it will */
		return delegate__forward(cpu, false, port, data, len, 1, is_write);
	pthread_mutex_lock(&pc->chipset_lock);
	if (port == 0x70) {
		if (is_write) {
			pc->cmos_index = data[0];
			pc->cmos_index_stale = true;
		} else {
			data[0] = 0xff;
		}
		pthread_mutex_unlock(&pc->chipset_lock);
		return 0;
	}
	idx = pc->cmos_index & 0x7f;
	if (!is_write && cacheable(idx) && (pc->cmos_cached[idx / 8] >> (idx % 8) & 1)) {
		data[0] = pc->cmos_cache[idx];
		pthread_mutex_unlock(&pc->chipset_lock);
		return 0;
	}
	if (pc->cmos_index_stale) {
		rc = delegate__forward_latched(cpu, 0x70, 1, pc->cmos_index, port, data, 1, is_write);
		pc->cmos_index_stale = rc != 0;
	} else {
		rc = delegate__forward(cpu, false, port, data, 1, 1, is_write);
	}
	if (!rc && cacheable(idx)) {
		if (is_write) {
			pc->cmos_cached[idx / 8] &= (uint8_t)~(1u << (idx % 8));
		} else {
			pc->cmos_cache[idx] = data[0];
			pc->cmos_cached[idx / 8] |= (uint8_t)(1u << (idx % 8));
		}
	}
	pthread_mutex_unlock(&pc->chipset_lock);
	return rc;
}

int rtc__register(struct vm *vm)
{
	return delegate__register_partly(vm, "rtc", 0x70, 2, rtc_io);
}
