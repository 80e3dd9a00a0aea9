/*
 * common.c - putting devices on the bus, and the devices every boot has,
 * whatever else it has: COM1, the debug consoles, isa-debug-exit and the POST
 * code port. A direct boot adds its CMOS, fw_cfg and firmware port; a BIOS
 * boot, its chipset registers and the forwarding of everything else to QEMU.
 */
#include "devices/devices.h"
#include "devices/uart.h"
#include "lib/util.h"

int devices__register(struct vm *vm, const device_register_fn *reg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = reg[i](vm);

		if (rc)
			return rc;
	}
	return 0;
}

int devices__register_common(struct vm *vm)
{
	static const device_register_fn common[] = {
		uart__register, debugcon__register, debug_exit__register, post__register,
	};

	return devices__register(vm, common, ARRAY_SIZE(common));
}
