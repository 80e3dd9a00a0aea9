/*
 * debugcon.c - the Bochs/QEMU debug console ports: 0xe9, and 0x402 where
 * SeaBIOS writes its log. Bytes written are guest text; a read answers 0xe9,
 * which is how firmware detects that the port is there.
 */
#include "devices/devices.h"
#include "core/vm.h"

static int debugcon_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data,
		       uint32_t len, bool is_write)
{
	enum text_source src = (enum text_source)(uintptr_t)dev;

	(void)port;
	for (uint32_t i = 0; i < len; i++) {
		if (is_write)
			milestones__text(&cpu->vm->ms, src, data[i], cpu->t_exit, cpu->id);
		else
			data[i] = DEBUGCON_PORT;
	}
	return 0;
}

int debugcon__register(struct vm *vm)
{
	int rc = bus__register_pio(&vm->bus, "debugcon", DEBUGCON_PORT, 1, debugcon_io,
				   (void *)(uintptr_t)TEXT_DEBUGCON_E9);

	return rc ? rc : bus__register_pio(&vm->bus, "debugcon-402", DEBUGCON_PORT_SEABIOS, 1,
					   debugcon_io, (void *)(uintptr_t)TEXT_DEBUGCON_402);
}
