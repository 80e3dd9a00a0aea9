/*
 * fuzz_pio.h - the port-access record the device harnesses share: byte 1's
 * low bits are the size (1, 2, 4), bit 2 the direction, bit 3 string I/O
 * (with byte 2 + 1 items); bytes 4-7 the value written, repeated through
 * the buffer.
 */
#ifndef BOOTSCOPE_FUZZ_PIO_H
#define BOOTSCOPE_FUZZ_PIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bus.h"
#include "core/vm.h"

/*
 * A machine of the bus alone, one vCPU, for devices to be registered on: no
 * KVM (interrupt lines go to descriptor -1), nothing to wake, unclaimed
 * ports counted.
 */
static inline void fuzz__machine(struct vm *vm, struct kvm_cpu *cpu, uint64_t ram_size)
{
	vm->vm_fd = -1;
	vm->run.wake_fd = -1;
	vm->ram_size = ram_size;
	vm->unhandled_pio = calloc(65536, sizeof(*vm->unhandled_pio));
	if (!vm->unhandled_pio)
		abort();
	milestones__init(&vm->ms, NULL);
	cpu->vm = vm;
	vm->cpus[0] = cpu;
	vm->nr_cpus = 1;
}

static inline void fuzz__pio(struct kvm_cpu *cpu, uint16_t port, const uint8_t *r)
{
	uint8_t buf[4 * 64];
	uint32_t len = 1u << (r[1] & 3), count = 1 + r[2] % 64;
	bool write = r[1] & 4, string = r[1] & 8;

	if (len > 4)
		len = 4;
	for (uint32_t k = 0; k < sizeof(buf); k += 4)
		memcpy(buf + k, r + 4, 4);
	if (string)
		bus__pio_string(cpu, port, buf, len, count, write);
	else
		bus__pio(cpu, port, buf, len, write);
}

#endif
