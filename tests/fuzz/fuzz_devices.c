/*
 * Fuzz harness: the port devices of a direct boot as a guest drives them
 * through the bus (CMOS/RTC, fw_cfg, the debug console, POST codes, the
 * i8042 keyboard controller, the ACPI PM block, and ports nobody claims), any port, size, direction, value and repeat count.
 * Each 8-byte record: port selector, flags (size, direction, string), a
 * count for string I/O, then a 4-byte value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/acpi_pm.h"
#include "devices/devices.h"
#include "devices/i8042.h"
#include "core/vm.h"
#include "fuzz_pio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The ports that have devices, and their neighbours; any other port is the selector's own value. */
static const uint16_t ports[] = { 0x70, 0x71, 0x72, 0x510, 0x511, 0x512, 0x80, 0xe9, 0x402, 0x3f8, 0x60, 0x64, 0x64,
				   0x600, 0x602, 0x604, 0x608, 0x60c };

static struct vm *machine(void)
{
	static struct vm vm;
	static struct kvm_cpu cpu;

	if (!cpu.vm) {
		fuzz__machine(&vm, &cpu, 16 * MiB);
		vm.cfg.smp = 2;
		if (cmos__register(&vm) || fw_cfg__register(&vm) || debugcon__register(&vm) || post__register(&vm) ||
		    i8042__register(&vm) || acpi_pm__register(&vm))
			abort();
	}
	return &vm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm *vm = machine();
	struct kvm_cpu *cpu = vm->cpus[0];

	for (size_t i = 0; i + 8 <= size; i += 8) {
		const uint8_t *r = data + i;
		uint16_t port = r[0] < 0xf0 ? ports[r[0] % (sizeof(ports) / sizeof(ports[0]))] : (uint16_t)(r[0] << 8 | r[2]);
		fuzz__pio(cpu, port, r);
	}
	return 0;
}
