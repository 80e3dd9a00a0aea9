/*
 * cpu_model.c - the model table and the CPUID leaves built from it.
 *
 * Facts from QEMU's builtin_x86_defs (target/i386/cpu.c, identical in 7.2
 * and 10.x) and from what QEMU adds to every model under KVM; the probe
 * guest and `bootscope cpus --verify` check them against a real vCPU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu_model.h"
#include "lib/util.h"

/* CPUID 1 EDX building blocks, as QEMU composes them. */
#define I486_FEATURES	 0x0000000bu	/* fpu vme pse */
#define PENTIUM_FEATURES 0x008003bfu	/* + de tsc msr mce cx8 apic mmx */
#define PENTIUM2_FEATURES 0x0183fbffu	/* + pae sep mtrr pge mca cmov pat pse36 fxsr */
#define PENTIUM3_FEATURES 0x0383fbffu	/* + sse */
#define ATHLON_FEATURES	 0x0783fbffu	/* PPro features + pse36 vme mtrr mca (sse2 included) */
#define AMD_ALIAS_MASK	 0x0183f3ffu	/* leaf 1 EDX bits AMD repeats in 0x80000001 EDX */

/* What QEMU turns on for every model when KVM runs it (kvm_default_props). */
#define KVM_DEFAULT_FEATURES 0x0100007bu	/* kvmclock nopiodelay kvmclock2 asyncpf steal_time pv_eoi stable_bit */
#define F1_ECX_X2APIC	(1u << 21)
#define F1_ECX_HYPERVISOR (1u << 31)
#define F1_EDX_HTT	(1u << 28)
#define F81_ECX_CMP_LEGACY (1u << 1)

static const struct cpu_model models[] = {
	{ .name = "486", .vendor = "GenuineIntel", .family = 4, .model = 8, .stepping = 0,
	  .level = 1, .xlevel = 0, .features = { [FEAT_1_EDX] = I486_FEATURES }, .brand = "",
	  .description = "Intel 486" },
	{ .name = "pentium", .vendor = "GenuineIntel", .family = 5, .model = 4, .stepping = 3,
	  .level = 1, .xlevel = 0, .features = { [FEAT_1_EDX] = PENTIUM_FEATURES }, .brand = "",
	  .description = "Intel Pentium MMX" },
	{ .name = "pentium2", .vendor = "GenuineIntel", .family = 6, .model = 5, .stepping = 2,
	  .level = 2, .xlevel = 0, .features = { [FEAT_1_EDX] = PENTIUM2_FEATURES }, .brand = "",
	  .description = "Intel Pentium II" },
	{ .name = "pentium3", .vendor = "GenuineIntel", .family = 6, .model = 7, .stepping = 3,
	  .level = 3, .xlevel = 0, .features = { [FEAT_1_EDX] = PENTIUM3_FEATURES }, .brand = "",
	  .description = "Intel Pentium III" },
	{ .name = "athlon", .vendor = "AuthenticAMD", .family = 6, .model = 2, .stepping = 3,
	  .level = 2, .xlevel = 0x80000008,
	  .features = { [FEAT_1_EDX] = ATHLON_FEATURES,
			[FEAT_8000_0001_EDX] = 0xc0400000u },	/* mmxext 3dnowext 3dnow */
	  .brand = "QEMU Virtual CPU version 2.5+", .description = "AMD Athlon" },
};

static const struct cpu_model host_model = {
	.name = "host", .vendor = "", .brand = "", .description = "the host CPU, as KVM supports it",
};

const struct feat_word_info feat_words[FEAT_NR] = {
	[FEAT_1_EDX] = { 1, 3, "CPUID 1 EDX", {
		"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
		"mtrr", "pge", "mca", "cmov", "pat", "pse36", "psn", "clflush", NULL, "ds", "acpi",
		"mmx", "fxsr", "sse", "sse2", "ss", "htt", "tm", "ia64", "pbe" } },
	[FEAT_1_ECX] = { 1, 2, "CPUID 1 ECX", {
		"sse3", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2",
		"ssse3", "cnxt_id", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca",
		"sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline", "aes", "xsave",
		"osxsave", "avx", "f16c", "rdrand", "hypervisor" } },
	[FEAT_8000_0001_EDX] = { 0x80000001, 3, "CPUID 0x80000001 EDX", {
		"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL,
		"syscall", "mtrr", "pge", "mca", "cmov", "pat", "pse36", NULL, "mp", "nx", NULL,
		"mmxext", "mmx", "fxsr", "fxsr_opt", "pdpe1gb", "rdtscp", NULL, "lm", "3dnowext",
		"3dnow" } },
	[FEAT_8000_0001_ECX] = { 0x80000001, 2, "CPUID 0x80000001 ECX", {
		"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8legacy", "abm", "sse4a",
		"misalignsse", "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", NULL, "lwp",
		"fma4", "tce", NULL, "nodeid_msr", NULL, "tbm", "topoext", "perfctr_core",
		"perfctr_nb", NULL, "bpext", "ptsc", "perfctr_llc", "mwaitx", NULL, NULL } },
	[FEAT_KVM] = { 0x40000001, 0, "CPUID 0x40000001 EAX", {
		"kvmclock", "kvm_nopiodelay", "kvm_mmu", "kvmclock2", "kvm_asyncpf",
		"kvm_steal_time", "kvm_pv_eoi", "kvm_pv_unhalt", NULL, "kvm_pv_tlb_flush",
		"kvm_asyncpf_vmexit", "kvm_pv_send_ipi", "kvm_poll_control", "kvm_pv_sched_yield",
		"kvm_asyncpf_int", "kvm_msi_ext_dest_id", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		NULL, "kvmclock_stable_bit" } },
};

const struct cpu_model *const *cpu_model__all(void)
{
	static const struct cpu_model *all[ARRAY_SIZE(models) + 1];	/* NULL-terminated */

	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		all[i] = &models[i];
	return all;
}

const struct cpu_model *cpu_model__find(const char *name)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return strcmp(name, "host") ? NULL : &host_model;
}

const char *cpu_model__names(void)
{
	static char names[ARRAY_SIZE(models) * 24 + 8];
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(models); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s, ", models[i].name);
	snprintf(names + len, sizeof(names) - len, "host");
	return names;
}

uint32_t cpuid_leaf__reg(const struct cpuid_leaf *l, int reg)
{
	const uint32_t r[4] = { l->eax, l->ebx, l->ecx, l->edx };

	return r[reg & 3];
}

const struct cpuid_leaf *cpuid_leaf__find(const struct cpuid_leaf *l, int n, uint32_t fn)
{
	for (int i = 0; i < n; i++)
		if (l[i].function == fn && l[i].index == 0)
			return &l[i];
	return NULL;
}

uint32_t cpuid_leaf__get(const struct cpuid_leaf *l, int n, uint32_t fn, int reg)
{
	const struct cpuid_leaf *x = cpuid_leaf__find(l, n, fn);

	return x ? cpuid_leaf__reg(x, reg) : 0;
}

void cpu_model__feature_names(enum feat_word w, uint32_t bits, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int b = 0; b < 32 && off < len; b++) {
		char unnamed[16];
		const char *n = feat_words[w].names[b];

		if (!(bits & (1u << b)))
			continue;
		if (!n) {
			snprintf(unnamed, sizeof(unnamed), "bit%d", b);
			n = unnamed;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", n);
	}
}

static const struct kvm_cpuid_entry2 *supported_leaf(const struct kvm_cpuid2 *s, uint32_t fn)
{
	for (uint32_t i = 0; i < s->nent; i++)
		if (s->entries[i].function == fn && s->entries[i].index == 0)
			return &s->entries[i];
	return NULL;
}

static uint32_t supported_bits(const struct kvm_cpuid2 *s, enum feat_word w)
{
	const struct kvm_cpuid_entry2 *e = supported_leaf(s, feat_words[w].function);
	const uint32_t *r;

	if (!e)
		return 0;
	r = (const uint32_t[4]){ e->eax, e->ebx, e->ecx, e->edx };
	return r[feat_words[w].reg];
}

static void put_string(uint32_t *regs, int n, const char *s)
{
	char buf[48] = { 0 };

	memcpy(buf, s, strnlen(s, sizeof(buf)));
	memcpy(regs, buf, (size_t)n * 4);
}

static int ceil_log2(unsigned n)
{
	int b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

struct table {
	struct cpuid_leaf *out;
	int n, max;
};

static struct cpuid_leaf *add(struct table *t, uint32_t fn)
{
	if (t->n >= t->max)
		return NULL;
	t->out[t->n] = (struct cpuid_leaf){ .function = fn };
	return &t->out[t->n++];
}

static int host_leaves(const struct kvm_cpuid2 *s, int nr_cpus, uint32_t apic_id, struct table *t)
{
	for (uint32_t i = 0; i < s->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &s->entries[i];
		struct cpuid_leaf *l = t->n < t->max ? &t->out[t->n++] : NULL;

		if (!l)
			return -E2BIG;
		*l = (struct cpuid_leaf){ e->function, e->index, e->eax, e->ebx, e->ecx, e->edx, e->flags };
		if (e->function == 1) {
			l->ebx = (l->ebx & 0xffff) | apic_id << 24 | (uint32_t)nr_cpus << 16;
		} else if (e->function == 0xb || e->function == 0x1f) {
			l->edx = apic_id;
		}
	}
	return t->n;
}

int cpu_model__leaves(const struct cpu_model *m, const struct kvm_cpuid2 *supported, int nr_cpus,
		      uint32_t apic_id, struct cpuid_leaf *out, int max, uint32_t missing[FEAT_NR])
{
	struct table t = { out, 0, max };
	uint32_t f[FEAT_NR], sig, vendor[3];
	bool amd = !strcmp(m->vendor, "AuthenticAMD");
	struct cpuid_leaf *l;

	memset(missing, 0, sizeof(uint32_t) * FEAT_NR);
	if (m == &host_model)
		return host_leaves(supported, nr_cpus, apic_id, &t);

	memcpy(f, m->features, sizeof(f));
	f[FEAT_1_ECX] |= F1_ECX_HYPERVISOR | F1_ECX_X2APIC;
	f[FEAT_KVM] |= KVM_DEFAULT_FEATURES;
	if (amd)	/* AMD CPUs repeat the leaf 1 EDX features in 0x80000001 */
		f[FEAT_8000_0001_EDX] |= f[FEAT_1_EDX] & AMD_ALIAS_MASK;
	for (int w = 0; w < FEAT_NR; w++) {
		uint32_t can = supported_bits(supported, (enum feat_word)w);

		missing[w] = f[w] & ~can;
		f[w] &= can;
	}
	/* Topology, not features: KVM does not list them, QEMU sets them after filtering. */
	if (nr_cpus > 1) {
		f[FEAT_1_EDX] |= F1_EDX_HTT;
		if (amd)
			f[FEAT_8000_0001_ECX] |= F81_ECX_CMP_LEGACY;
	}
	if (m->xlevel < 0x80000001)
		missing[FEAT_8000_0001_EDX] = missing[FEAT_8000_0001_ECX] = 0;

	memcpy(vendor, m->vendor, 12);
	sig = m->stepping | m->model << 4 | m->family << 8;

	if (!(l = add(&t, 0)))
		return -E2BIG;
	*l = (struct cpuid_leaf){ 0, 0, m->level, vendor[0], vendor[2], vendor[1], 0 };
	if (!(l = add(&t, 1)))
		return -E2BIG;
	l->eax = sig;
	/* CLFLUSH line size 8 (x8 bytes); the logical CPU count once there is more than one. */
	l->ebx = apic_id << 24 | 8 << 8 | (nr_cpus > 1 ? (uint32_t)nr_cpus << 16 : 0);
	l->ecx = f[FEAT_1_ECX];
	l->edx = f[FEAT_1_EDX];
	if (m->level >= 2) {
		if (!(l = add(&t, 2)))
			return -E2BIG;
		if (!amd) {	/* descriptors: L1d 32K, L1i 32K, L2 2M, L3 16M */
			l->eax = 1;
			l->ecx = 0x4d;
			l->edx = 0x002c307d;
		}
	}
	for (uint32_t fn = 3; fn <= m->level; fn++)
		if (!add(&t, fn))
			return -E2BIG;

	if (!(l = add(&t, 0x40000000)))
		return -E2BIG;
	l->eax = 0x40000001;
	put_string(&l->ebx, 3, "KVMKVMKVM");
	if (!(l = add(&t, 0x40000001)))
		return -E2BIG;
	l->eax = f[FEAT_KVM];

	if (m->xlevel >= 0x80000000) {
		if (!(l = add(&t, 0x80000000)))
			return -E2BIG;
		*l = (struct cpuid_leaf){ 0x80000000, 0, m->xlevel, vendor[0], vendor[2], vendor[1], 0 };
	}
	if (m->xlevel >= 0x80000001) {
		if (!(l = add(&t, 0x80000001)))
			return -E2BIG;
		l->eax = sig;
		l->ecx = f[FEAT_8000_0001_ECX];
		l->edx = f[FEAT_8000_0001_EDX];
	}
	for (uint32_t fn = 0x80000002; fn <= 0x80000004 && fn <= m->xlevel; fn++) {
		if (!(l = add(&t, fn)))
			return -E2BIG;
		put_string(&l->eax, 4, strlen(m->brand) > (fn - 0x80000002) * 16 ?
				       m->brand + (fn - 0x80000002) * 16 : "");
	}
	if (m->xlevel >= 0x80000005) {
		if (!(l = add(&t, 0x80000005)))
			return -E2BIG;
		if (amd) {	/* QEMU's legacy AMD L1: 64K 2-way 64B lines; TLBs of 255 entries */
			l->eax = l->ebx = 0x01ff01ff;
			l->ecx = l->edx = 0x40020140;
		}
	}
	if (m->xlevel >= 0x80000006) {
		if (!(l = add(&t, 0x80000006)))
			return -E2BIG;
		if (amd) {	/* 512-entry 4-way L2 TLBs; L2 512K 16-way; L3 16M 16-way */
			l->ebx = 0x42004200;
			l->ecx = 0x02008140;
			l->edx = 0x00808140;
		}
	}
	if (m->xlevel >= 0x80000007 && !add(&t, 0x80000007))
		return -E2BIG;
	if (m->xlevel >= 0x80000008) {
		if (!(l = add(&t, 0x80000008)))
			return -E2BIG;
		l->eax = (f[FEAT_1_EDX] & (1u << 6)) ? 0x24 : 0x20;	/* 36 physical bits with PAE */
		if (nr_cpus > 1)
			l->ecx = (uint32_t)ceil_log2((unsigned)nr_cpus) << 12 | (uint32_t)(nr_cpus - 1);
	}
	return t.n;
}
