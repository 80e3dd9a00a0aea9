/*
 * debug_exit.c - isa-debug-exit at 0xf4 (4 ports): a guest write of v ends
 * the run with process status (v << 1) | 1, QEMU's convention, so a test
 * guest can report pass/fail through the exit status.
 */
#include <string.h>

#include "devices/devices.h"
#include "core/outcome.h"
#include "core/vm.h"

static int debug_exit_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data,
			 uint32_t len, bool is_write)
{
	uint32_t v;

	(void)dev;
	(void)port;
	if (!bus__written_value(data, len, is_write, &v))
		return 0;
	if (run__end(cpu->vm, OUTCOME_EXIT, (int)((v << 1) | 1) & 0xff, cpu->id, cpu->t_exit,
		     "guest wrote 0x%x to isa-debug-exit", v))
		cpu->vm->run.guest_exit_code = v;
	return 0;
}

int debug_exit__register(struct vm *vm)
{
	return bus__register_pio(&vm->bus, "isa-debug-exit", DEBUG_EXIT_PORT, 4, debug_exit_io, NULL);
}
