/*
 * qemu.h - `bootscope qemu`: a boot on stock qemu-system-i386, with the same
 * options, milestones and JSON summary as `bootscope run` (see qemu.c).
 */
#ifndef BOOTSCOPE_QEMU_H
#define BOOTSCOPE_QEMU_H

#include <stdint.h>

struct vm;

/* The boot vm->cfg describes (options__vm() read it), on QEMU; the exit status. */
int qemu__run(struct vm *vm);
/*
 * qemu_trace.c: QEMU's kvm_run_exit log (log_fd) into the open trace, one
 * exit record per line; rt0_ns (CLOCK_REALTIME) and ticks0 (clock__now())
 * were read together at QEMU's launch. 0 or -errno; *converted counts them.
 */
int qemu_trace__convert(struct vm *vm, int log_fd, uint64_t rt0_ns, uint64_t ticks0, uint64_t *converted);

#endif
