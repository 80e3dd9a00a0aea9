/*
 * cpus.h - `bootscope cpus`: the CPU models, their CPUID leaves and MSRs,
 * what this host cannot give, and (--verify) what a guest really sees.
 */
#ifndef BOOTSCOPE_CPUS_H
#define BOOTSCOPE_CPUS_H

#include <stdbool.h>
#include <stdint.h>

int cpus__main(int argc, char **argv);

/*
 * Parse the probe guest's output: "c LEAF EAX EBX ECX EDX" and "m MSR ok|gp"
 * lines. Returns the number of leaves stored, -1 if a line is malformed.
 */
struct cpuid_leaf;
struct msr_probe {
	uint32_t msr;
	bool ok;
};
int cpus__parse_probe(const char *text, struct cpuid_leaf *leaves, int max_leaves,
		      struct msr_probe *msrs, int max_msrs, int *nr_msrs);

#endif
