/*
 * doctor.h - what this host's KVM can run, probed with tiny throwaway VMs.
 *
 * Each probe builds a bare VM (4 MiB of RAM, one vCPU, no devices), puts a
 * few bytes of machine code and the tables it needs in memory, sets the
 * registers for the mode under test and runs until the code writes 0x2a to
 * port 0xf4 (it works), the vCPU shuts down, KVM fails to emulate, or a
 * second passes. `bootscope doctor` prints the table; `run` uses the paging
 * probe to warn before booting a kernel that needs paging, and the debug
 * probes to choose how it finds a BIOS boot's milestones.
 */
#ifndef BOOTSCOPE_DOCTOR_H
#define BOOTSCOPE_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does 32-bit paging (PSE) work? detail says what happened. */
bool doctor__paging_works(int kvm_fd, char *detail, size_t len);
/* Do hardware breakpoints (KVM_GUESTDBG_USE_HW_BP) fire? Tried with one, not read off a capability. */
bool doctor__breakpoints_work(int kvm_fd, char *detail, size_t len);
/* Does KVM_GUESTDBG_SINGLESTEP stop after each instruction? */
bool doctor__single_step_works(int kvm_fd, char *detail, size_t len);
/* Leaf 1 ECX/EDX as a guest executing CPUID sees it after these leaves are programmed. 0 or -errno. */
struct cpuid_leaf;
int doctor__cpuid_leaf1(int kvm_fd, const struct cpuid_leaf *leaves, int n, uint32_t *ecx, uint32_t *edx);
int doctor__main(int argc, char **argv);

#endif
