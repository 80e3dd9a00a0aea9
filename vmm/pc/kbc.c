/*
 * kbc.c - the keyboard controller's command and status port 0x64. The
 * i8042 itself stays the child's; bootscope keeps two things here:
 *
 *   - command 0xfe, which pulses the reset line (reset.c ends the run);
 *   - status reads, answered from the last status the child gave while
 *     nothing else has reached the child since.
 *
 * Why the status can be kept: QEMU's i8042 and its PS/2 devices change
 * state only when the guest reaches them (no timers unless kbd-throttle
 * is set, which bootscope does not; no display, so no input). Their status
 * can therefore change only through something forwarded, and delegate.c
 * forgets the kept status, under the qtest lock, before anything goes to
 * the child; a forwarded status read sets it again from the answer.
 * Programs that poll 0x64 in a loop (memtest86+ between tests, a BIOS or a
 * kernel waiting for the output buffer) then cost an exit each, not a
 * round trip to the child. Keys typed with --type are the exception: they
 * reach QEMU's i8042 through QMP (kbc__send_key).
 */
#include "pc/pc.h"
#include "core/typist.h"
#include "core/vm.h"
#include "lib/clock.h"

static int kbc_command_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
			  bool is_write)
{
	struct pc *pc = cpu->vm->pc;

	(void)dev;
	if (is_write && len == 1 && data[0] == 0xfe) {
		reset__request(cpu, "keyboard controller command 0xfe");
		return 0;
	}
	if (!is_write && len == 1) {
		uint32_t s = atomic_load(&pc->kbc_status);

		if ((s & KBC_STATUS_KNOWN) && clock__now() >= atomic_load(&pc->kbc_keep_off_until)) {
			data[0] = (uint8_t)s;
			atomic_fetch_add_explicit(&pc->kbc_status_kept, 1, memory_order_relaxed);
			return 0;
		}
	}
	return delegate__forward(cpu, false, port, data, len, 1, is_write);
}

int kbc__register(struct vm *vm)
{
	return delegate__register_partly(vm, "kbc", KBC_STATUS_PORT, 1, kbc_command_io);
}

/*
 * A key typed into the child: QEMU queues it in its i8042 when it handles
 * the QMP command, after this returns, and releases it a hold time later.
 * The status is forgotten now (with the qtest lock, so no forward is in
 * flight) and not kept until well after the release; the IRQ the child
 * raises for it forgets it again (delegate__irq).
 */
int kbc__send_key(void *arg, const struct key_press *p, bool down)
{
	struct pc *pc = arg;

	pthread_mutex_lock(&pc->qtest.lock);
	atomic_store(&pc->kbc_status, 0);
	atomic_store(&pc->kbc_keep_off_until, clock__now() + clock__ticks((TYPIST_HOLD_MS + 200) / 1e3));
	pthread_mutex_unlock(&pc->qtest.lock);
	return qmp__send_key(&pc->qmp, p, down);
}

int kbc__key_check(void *arg, char *err, size_t errlen)
{
	struct pc *pc = arg;

	return qmp__check(&pc->qmp, err, errlen);
}
