/*
 * outcome.h - the latch that ends a run (outcome.c).
 *
 * Whatever ends a run (a vCPU's exit, a device, the main loop's timeout or
 * a signal, the sandbox) calls run__end(); the first call wins and records
 * how and when, then wakes the main loop. Everything else only asks
 * run__ended(). This is all a device or a vCPU thread needs of the run;
 * the controller that starts and waits for it is run.h.
 */
#ifndef BOOTSCOPE_OUTCOME_H
#define BOOTSCOPE_OUTCOME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm.h"

/* First caller wins; returns true if this call ended the run. */
bool run__end(struct vm *vm, enum outcome o, int status, int vcpu, uint64_t t, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
const char *outcome__name(enum outcome o);

/* Has the run ended? (Its outcome, status and time are readable once this is true.) */
static inline bool run__ended(struct vm *vm)
{
	return atomic_load_explicit(&vm->run.ended, memory_order_acquire);
}

#endif
