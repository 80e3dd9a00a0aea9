/*
 * kvm_cpu.h - the vCPUs: one thread each, KVM_RUN and the exit handlers
 * (kvm_cpu.c), and the events their exits raise (vcpu_event.c).
 */
#ifndef BOOTSCOPE_KVM_CPU_H
#define BOOTSCOPE_KVM_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

/*
 * From this vCPU's own thread (a handler of its exit): single-step until the
 * guest's next instruction is at linear address to, then hit milestone (-1:
 * none) and, with stop, end the run there as --stop-at-entry does. Where
 * hardware breakpoints do not fire (tools/testvm), this is how the firmware's
 * hand-off is followed to its target.
 */
int kvm_cpu__step_to(struct kvm_cpu *cpu, uint32_t to, int milestone, bool stop);
/* Something worth a line in the summary (and the trace) happened on this vCPU. */
void kvm_cpu__event(struct kvm_cpu *cpu, enum event_kind kind, uint64_t a, uint64_t b, uint8_t size,
		    uint8_t write);
int kvm_cpu__create(struct vm *vm, int id, char *err, size_t errlen);
/* The signal kvm_cpu__kick() sends; once, before any vCPU starts. */
void kvm_cpu__init_kick(void);
int kvm_cpu__start(struct kvm_cpu *cpu);
void kvm_cpu__kick(struct kvm_cpu *cpu);
const char *kvm_cpu__exit_name(unsigned reason);

#endif
