/*
 * cpu_model.h - the historical CPUs bootscope presents, as QEMU defines them.
 *
 * A model is a vendor, a family/model/stepping, the highest basic and
 * extended leaves, four feature words and a brand string. cpu_model__leaves()
 * turns it into the CPUID table a vCPU gets: the leaves QEMU's builtin
 * definition yields under KVM (hypervisor and x2APIC bits, the KVM leaves
 * 0x40000000-1, Intel leaf 2 cache descriptors, AMD cache leaves), each
 * feature word cut down to what KVM_GET_SUPPORTED_CPUID allows.
 */
#ifndef BOOTSCOPE_CPU_MODEL_H
#define BOOTSCOPE_CPU_MODEL_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum feat_word { FEAT_1_EDX, FEAT_1_ECX, FEAT_8000_0001_EDX, FEAT_8000_0001_ECX, FEAT_KVM, FEAT_NR };

struct cpu_model {
	const char *name;
	const char *vendor;		/* 12 characters */
	unsigned family, model, stepping;
	uint32_t level, xlevel;
	uint32_t features[FEAT_NR];
	const char *brand;		/* CPUID 0x80000002-4, "" for none */
	const char *description;
};

#define CPU_MODEL_DEFAULT "pentium2"
#define MAX_LEAVES 256	/* room for the host model's leaves and subleaves */

struct cpuid_leaf {
	uint32_t function, index;
	uint32_t eax, ebx, ecx, edx;
	uint32_t flags;			/* KVM_CPUID_FLAG_* */
};

/* Where a feature word lives. */
struct feat_word_info {
	uint32_t function;
	int reg;			/* 0 eax, 1 ebx, 2 ecx, 3 edx */
	const char *label;		/* "CPUID 1 EDX" */
	const char *names[32];
};

extern const struct feat_word_info feat_words[FEAT_NR];

const struct cpu_model *cpu_model__find(const char *name);
/* The models in presentation order, NULL-terminated; "host" is not among them. */
const struct cpu_model *const *cpu_model__all(void);
/* "486, pentium, pentium2, pentium3, athlon, host" */
const char *cpu_model__names(void);

/*
 * The CPUID table of vCPU apic_id of nr_cpus for model m, limited by what
 * KVM supports. missing[] gets, per feature word, the model's bits KVM
 * cannot give. Returns the number of leaves, or -E2BIG.
 */
int cpu_model__leaves(const struct cpu_model *m, const struct kvm_cpuid2 *supported, int nr_cpus,
		      uint32_t apic_id, struct cpuid_leaf *out, int max, uint32_t missing[FEAT_NR]);
/* "3dnowext 3dnow" for the set bits of a word; "" when none. */
void cpu_model__feature_names(enum feat_word w, uint32_t bits, char *buf, size_t len);
/* A register of a leaf as CPUID returns it. */
uint32_t cpuid_leaf__reg(const struct cpuid_leaf *l, int reg);
/* Leaf fn (subleaf 0) in a table, or NULL. */
const struct cpuid_leaf *cpuid_leaf__find(const struct cpuid_leaf *l, int n, uint32_t fn);
/* Register reg of leaf fn in a table, 0 when the table has no such leaf. */
uint32_t cpuid_leaf__get(const struct cpuid_leaf *l, int n, uint32_t fn, int reg);

#endif
