/*
 * host.h - what the machine under bootscope is: which KVM, and whether
 * times measured on it are hardware timings.
 *
 * Two kinds of KVM give times that mean something only as ratios against
 * QEMU+KVM on the same KVM in the same run:
 *   - kvm_pvm, a KVM without hardware virtualization that emulates every
 *     guest instruction (about 2 million a second);
 *   - any KVM on a CPU that is itself QEMU's software emulation (TCG), as
 *     in bootscope's test VM (tools/testvm): guest code runs at TCG speed
 *     and an exit costs tens of microseconds.
 * The CPU tells the second apart: TCG answers CPUID 0x40000000 with the
 * signature "TCGTCGTCGTCG".
 */
#ifndef BOOTSCOPE_HOST_H
#define BOOTSCOPE_HOST_H

#include <stdbool.h>

struct host_info {
	const char *kvm_module;	/* "kvm_intel", "kvm_amd", "kvm_pvm" or "unknown" */
	char hypervisor[13];	/* the CPU's hypervisor signature, "" on bare metal */
	bool under_tcg;		/* the CPU is QEMU's software emulation */
	bool hardware_timings;	/* false: compare times only within one run */
	const char *timing_note;	/* why not, in a few words; NULL when they are */
};

/* Read once, then cached; safe before and after the sandbox. */
const struct host_info *host__info(void);

#endif
