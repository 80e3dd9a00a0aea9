/*
 * probe.h - what this host's KVM can run, probed with tiny throwaway VMs
 * (see probe.c). Each probe returns whether it worked, and says what happened
 * in detail.
 */
#ifndef BOOTSCOPE_PROBE_H
#define BOOTSCOPE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpuid_leaf;

/* The processor modes a probe can enter: the code runs there and reports. */
enum probe_kind { PR_REAL, PR_PM32, PR_PSE, PR_PAE, PR_IRET, PR_LONG };

bool probe__mode(int kvm_fd, enum probe_kind k, char *detail, size_t len);
/* Does 32-bit paging (PSE) work? */
bool probe__paging_works(int kvm_fd, char *detail, size_t len);
/* Do hardware breakpoints (KVM_GUESTDBG_USE_HW_BP) fire? Tried with one, not read off a capability. */
bool probe__breakpoints_work(int kvm_fd, char *detail, size_t len);
/* Does KVM_GUESTDBG_SINGLESTEP stop after each instruction? */
bool probe__single_step_works(int kvm_fd, char *detail, size_t len);
/* Leaf 1 ECX/EDX as a guest executing CPUID sees it after these leaves are programmed. 0 or -errno. */
int probe__cpuid_leaf1(int kvm_fd, const struct cpuid_leaf *leaves, int n, uint32_t *ecx, uint32_t *edx);
/* Does leaf 1 come back as pentium2's was programmed? *same says; detail names the bits the host changes. */
void probe__cpuid_as_programmed(int kvm_fd, char *detail, size_t len, bool *same);
/* Does a denied MSR come to user space (KVM's MSR filter)? */
bool probe__msr_filter_works(int kvm_fd, char *detail, size_t len);
/*
 * The cost of a port-I/O exit with nothing done for it, in ns, over up to
 * 20000 exits or 2 s (*nr_exits says how many); < 0 if it could not be measured.
 */
double probe__exit_cost_ns(int kvm_fd, uint64_t *nr_exits);

#endif
