/*
 * vcpu_event.c - what a vCPU's exits reveal besides their time: POST codes,
 * ports and addresses nobody claims, refused MSRs, firmware calls it cannot
 * serve. Each event goes into the vCPU's own log (counted per kind, the first
 * few kept for the summary) and, with --trace, into its trace ring. Called on
 * the vCPU's thread by the bus and by devices, so it takes no lock.
 */
#include "core/trace.h"
#include "core/vm.h"

void kvm_cpu__event(struct kvm_cpu *cpu, enum event_kind kind, uint64_t a, uint64_t b, uint8_t size,
		    uint8_t write)
{
	event__record(&cpu->events, cpu->t_exit, kind, a, b, size, write);
	if (cpu->trace)
		trace__point(TR_EVENT, (uint8_t)kind, (uint16_t)cpu->id, cpu->t_exit, a, b, size,
			     write ? TRF_WRITE : 0);
}
