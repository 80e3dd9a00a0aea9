/*
 * run.h - the run controller (run.c): milestones set up, the vCPUs started,
 * the main loop until the run ends. The latch that ends it is outcome.h.
 */
#ifndef BOOTSCOPE_RUN_H
#define BOOTSCOPE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/outcome.h"
#include "core/vm.h"

/*
 * The milestones a boot has: the built-in ones, the machine's own (added by
 * machine(), if any: a BIOS boot's, with its built-ins when builtins is set),
 * then --mark and --until.
 */
typedef int (*machine_milestones_fn)(struct milestones *m, bool builtins, char *err, size_t errlen);
int run__setup_milestones(struct vm *vm, machine_milestones_fn machine, bool builtins, char *err, size_t errlen);
/* Let --until and a BIOS's "No bootable device" end the run, and trace each hit. */
void run__hook_milestones(struct vm *vm);
/*
 * Everything the main loop needs that a sandbox forbids creating later: the
 * eventfd, the signalfd and signal mask, the kick signal's handler.
 */
int run__prepare(struct vm *vm, char *err, size_t errlen);
/* The trace writer and the vCPU threads: the machine runs. */
int run__start(struct vm *vm, char *err, size_t errlen);
void run__wait(struct vm *vm);
/*
 * Has the machine stopped for good? Every vCPU answered the last idle check
 * (none still pending) as halted with interrupts off or waiting for a SIPI,
 * at least one is halted, and none has exited since it answered
 * (exits_at_check[i] is vCPU i's exit count when it was asked).
 */
bool run__all_stopped(struct vm *vm, const uint64_t *exits_at_check);

#endif
