/*
 * outcome.c - how a run ended, and the latch that decides it.
 *
 * Whoever sees the end first (a vCPU thread at an exit, a device, the main
 * thread at a tick or a signal) calls run__end(); the first caller's outcome
 * stands and the others are ignored. Then the main thread is woken through
 * the run's eventfd. A leaf of the core: devices, loaders and the run loop all
 * end runs through it, and it depends on nothing but struct vm.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "core/outcome.h"
#include "core/vm.h"

const char *outcome__name(enum outcome o)
{
	static const char *const names[] = {
		[OUTCOME_NONE] = "none", [OUTCOME_UNTIL] = "until", [OUTCOME_EXIT] = "exit",
		[OUTCOME_SHUTDOWN] = "shutdown", [OUTCOME_HALTED] = "halted",
		[OUTCOME_NO_BOOT] = "no-boot-device", [OUTCOME_TIMEOUT] = "timeout",
		[OUTCOME_INTERRUPTED] = "interrupted", [OUTCOME_ENTRY] = "entry", [OUTCOME_ERROR] = "error",
	};

	return (unsigned)o < ARRAY_SIZE(names) ? names[o] : "none";
}

bool run__end(struct vm *vm, enum outcome o, int status, int vcpu, uint64_t t, const char *fmt, ...)
{
	bool expected = false;
	va_list ap;

	/*
	 * Two flags, so that whoever sees `ended` (run__ended(), the screen
	 * console reading t_end) sees the outcome, status and time with it.
	 */
	if (!atomic_compare_exchange_strong(&vm->run.claimed, &expected, true))
		return false;
	vm->run.outcome = o;
	vm->run.exit_status = status;
	vm->run.vcpu = vcpu;
	vm->run.t_end = t;
	va_start(ap, fmt);
	vsnprintf(vm->run.message, sizeof(vm->run.message), fmt, ap);
	va_end(ap);
	atomic_store_explicit(&vm->run.ended, true, memory_order_release);
	if (vm->run.wake_fd >= 0) {
		uint64_t one = 1;

		if (write(vm->run.wake_fd, &one, sizeof(one)) < 0) {
			/* The main thread also notices at its next tick. */
		}
	}
	return true;
}
