/*
 * post.c - port 0x80, where firmware and kernels write POST codes (Linux
 * also writes it as an I/O delay). Every write is an event; reads answer as
 * an unconnected port.
 */
#include <string.h>

#include "devices/devices.h"
#include "core/kvm_cpu.h"
#include "core/vm.h"

static int post_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		   bool is_write)
{
	uint32_t v;

	(void)dev;
	(void)port;
	if (!bus__written_value(data, len, is_write, &v))
		return 0;
	kvm_cpu__event(cpu, EV_POST_CODE, v, 0, (uint8_t)len, 1);
	return 0;
}

int post__register(struct vm *vm)
{
	return bus__register_pio(&vm->bus, "post", POST_PORT, 1, post_io, NULL);
}
