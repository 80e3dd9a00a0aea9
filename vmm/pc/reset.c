/*
 * reset.c - the ways a PC guest resets itself, kept out of the QEMU child
 * (whose -no-reboot would make it exit, and whose reset would not reach
 * bootscope's vCPUs): port 0x92 bit 0 (fast reset; bit 1 is the A20 gate,
 * which KVM does not model, as under QEMU+KVM), the keyboard controller's
 * pulse-reset command 0xfe on port 0x64 (kbc.c), and 0xcf9 (pam.c).
 *
 * A reset ends the run (outcome "shutdown"): a boot that resets is over,
 * and rebuilding the machine mid-measurement would blur what was timed.
 */
#include "pc/pc.h"
#include "core/outcome.h"
#include "core/vm.h"

void reset__request(struct kvm_cpu *cpu, const char *how)
{
	atomic_fetch_add(&cpu->vm->pc->resets, 1);
	run__end(cpu->vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
		 "vCPU %d reset the machine (%s); a reset ends the run", cpu->id, how);
}

static int port92_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct pc *pc = cpu->vm->pc;

	(void)dev;
	(void)port;
	if (!is_write) {
		data[0] = pc->port92;
		for (uint32_t i = 1; i < len; i++)
			data[i] = 0xff;
		return 0;
	}
	pc->port92 = data[0] & 0x02;
	if (data[0] & 0x01)
		reset__request(cpu, "port 0x92 fast reset");
	return 0;
}

int reset__register(struct vm *vm)
{
	return bus__register_pio(&vm->bus, "port92", 0x92, 1, port92_io, NULL);
}
