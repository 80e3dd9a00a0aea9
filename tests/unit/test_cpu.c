/*
 * Unit tests of the CPU models (CPUID leaves as QEMU defines them), the MSR
 * allowlists, the MP and ACPI tables, and the probe output parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/cpu_model.h"
#include "cli/cpus.h"
#include "cpu/msr.h"
#include "boot/tables.h"
#include "lib/util.h"

/* A KVM that supports every bit of the words models use (or all but `remove`). */
static struct kvm_cpuid2 *supported_all(uint32_t remove_81_edx)
{
	struct kvm_cpuid2 *s = calloc(1, sizeof(*s) + 8 * sizeof(struct kvm_cpuid_entry2));

	s->nent = 3;
	s->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = ~0u, .edx = ~0u };
	s->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x80000001, .ecx = ~0u, .edx = ~remove_81_edx };
	s->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = ~0u };
	return s;
}

static struct cpuid_leaf leaves[MAX_LEAVES];
static uint32_t missing[FEAT_NR];

static int build(const char *model, struct kvm_cpuid2 *s, int cpus, uint32_t apic_id)
{
	int n = cpu_model__leaves(cpu_model__find(model), s, cpus, apic_id, leaves, MAX_LEAVES, missing);

	assert_true(n > 0);
	return n;
}

static const struct cpuid_leaf *leaf(int n, uint32_t fn)
{
	for (int i = 0; i < n; i++)
		if (leaves[i].function == fn)
			return &leaves[i];
	fail_msg("no leaf %08x", fn);
	return NULL;
}

static void expect_leaf(int n, uint32_t fn, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	const struct cpuid_leaf *l = leaf(n, fn);

	if (l->eax != a || l->ebx != b || l->ecx != c || l->edx != d)
		fail_msg("leaf %08x: %08x %08x %08x %08x, expected %08x %08x %08x %08x", fn, l->eax,
			 l->ebx, l->ecx, l->edx, a, b, c, d);
}

static void test_intel_models(void **state)
{
	struct kvm_cpuid2 *s = supported_all(0);
	int n;

	(void)state;
	n = build("486", s, 1, 0);
	assert_int_equal(n, 4);		/* 0, 1, 0x40000000, 0x40000001 */
	expect_leaf(n, 0, 1, 0x756e6547, 0x6c65746e, 0x49656e69);	/* GenuineIntel */
	expect_leaf(n, 1, 0x480, 0x800, 0x80200000, 0x0000000b);
	expect_leaf(n, 0x40000000, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	expect_leaf(n, 0x40000001, 0x0100007b, 0, 0, 0);

	n = build("pentium", s, 1, 0);
	expect_leaf(n, 1, 0x543, 0x800, 0x80200000, 0x008003bf);
	n = build("pentium2", s, 1, 0);
	expect_leaf(n, 0, 2, 0x756e6547, 0x6c65746e, 0x49656e69);
	expect_leaf(n, 1, 0x652, 0x800, 0x80200000, 0x0183fbff);
	expect_leaf(n, 2, 1, 0, 0x4d, 0x002c307d);
	n = build("pentium3", s, 1, 0);
	expect_leaf(n, 1, 0x673, 0x800, 0x80200000, 0x0383fbff);
	expect_leaf(n, 3, 0, 0, 0, 0);
	for (int w = 0; w < FEAT_NR; w++)
		assert_int_equal(missing[w], 0);
	free(s);
}

static void test_athlon(void **state)
{
	struct kvm_cpuid2 *s = supported_all(0);
	int n;

	(void)state;
	n = build("athlon", s, 1, 0);
	expect_leaf(n, 0, 2, 0x68747541, 0x444d4163, 0x69746e65);	/* AuthenticAMD */
	expect_leaf(n, 1, 0x623, 0x800, 0x80200000, 0x0783fbff);
	expect_leaf(n, 2, 0, 0, 0, 0);			/* AMD: no descriptors */
	expect_leaf(n, 0x80000000, 0x80000008, 0x68747541, 0x444d4163, 0x69746e65);
	expect_leaf(n, 0x80000001, 0x623, 0, 0, 0xc1c3f3ff);	/* the AMD aliases of leaf 1 */
	expect_leaf(n, 0x80000002, 0x554d4551, 0x72695620, 0x6c617574, 0x55504320);	/* "QEMU Virtual CPU" */
	expect_leaf(n, 0x80000003, 0x72657620, 0x6e6f6973, 0x352e3220, 0x0000002b);	/* " version 2.5+" */
	expect_leaf(n, 0x80000004, 0, 0, 0, 0);
	expect_leaf(n, 0x80000005, 0x01ff01ff, 0x01ff01ff, 0x40020140, 0x40020140);
	expect_leaf(n, 0x80000006, 0, 0x42004200, 0x02008140, 0x00808140);
	expect_leaf(n, 0x80000008, 0x24, 0, 0, 0);
	free(s);

	/* A host without 3DNow!: the bits go, and are reported. */
	s = supported_all(0xc0000000);
	n = build("athlon", s, 1, 0);
	expect_leaf(n, 0x80000001, 0x623, 0, 0, 0x01c3f3ff);
	assert_int_equal(missing[FEAT_8000_0001_EDX], 0xc0000000);
	{
		char names[64];

		cpu_model__feature_names(FEAT_8000_0001_EDX, missing[FEAT_8000_0001_EDX], names, sizeof(names));
		assert_string_equal(names, "3dnowext 3dnow");
	}
	free(s);
}

static void test_smp_topology(void **state)
{
	struct kvm_cpuid2 *s = supported_all(0);
	int n;

	(void)state;
	n = build("pentium2", s, 4, 3);
	expect_leaf(n, 1, 0x652, 0x03040800, 0x80200000, 0x0183fbff | (1u << 28));
	n = build("athlon", s, 4, 2);
	assert_int_equal(leaf(n, 0x80000001)->ecx, 2);		/* CmpLegacy */
	assert_int_equal(leaf(n, 0x80000008)->ecx, 0x2003);	/* 2 APIC ID bits, 4 cores */
	n = build("athlon", s, 8, 0);
	assert_int_equal(leaf(n, 0x80000008)->ecx, 0x3007);
	free(s);
}

static void test_unknown_model(void **state)
{
	(void)state;
	assert_null(cpu_model__find("i7"));
	assert_non_null(cpu_model__find("host"));
	assert_string_equal(cpu_model__find(CPU_MODEL_DEFAULT)->name, "pentium2");
}

static bool has(const uint32_t *l, int n, uint32_t msr)
{
	for (int i = 0; i < n; i++)
		if (l[i] == msr)
			return true;
	return false;
}

static int allowlist(const char *model, bool apic, uint32_t *out)
{
	struct kvm_cpuid2 *s = supported_all(0);
	int n = build(model, s, 1, 0);
	int k = msr__allowlist(cpu_model__find(model), leaves, n, apic, out, MAX_ALLOWED_MSRS);

	free(s);
	assert_true(k > 0);
	for (int i = 1; i < k; i++)
		assert_true(out[i - 1] < out[i]);	/* sorted, no repeats */
	return k;
}

static void test_msr_allowlists(void **state)
{
	uint32_t l[MAX_ALLOWED_MSRS];
	int n;

	(void)state;
	/* 486: no MSR feature; only the KVM paravirtual MSRs its KVM leaf offers. */
	n = allowlist("486", false, l);
	assert_int_equal(n, 2 + 5);
	assert_true(has(l, n, 0x4b564d01) && has(l, n, 0x12));
	assert_false(has(l, n, 0x10) || has(l, n, 0x1b));
	/* 486 with SMP gets its local APIC back. */
	n = allowlist("486", true, l);
	assert_true(has(l, n, 0x1b) && has(l, n, 0x830));

	n = allowlist("pentium", true, l);
	assert_true(has(l, n, 0x10) && has(l, n, 0x0) && has(l, n, 0x1b));
	assert_false(has(l, n, 0xfe) || has(l, n, 0x174) || has(l, n, 0x277) || has(l, n, 0x8b));

	n = allowlist("pentium2", true, l);
	assert_true(has(l, n, 0xfe) && has(l, n, 0x174) && has(l, n, 0x176) && has(l, n, 0x179) &&
		    has(l, n, 0x277) && has(l, n, 0x2ff) && has(l, n, 0x20f) && has(l, n, 0x8b));
	assert_false(has(l, n, 0xc0000080) || has(l, n, 0x1a0) || has(l, n, 0x210));

	n = allowlist("athlon", true, l);
	assert_true(has(l, n, 0xc0010000) && has(l, n, 0x277));
	assert_false(has(l, n, 0x8b) || has(l, n, 0xc0000080));
}

static void test_mp_table(void **state)
{
	uint8_t buf[1024];
	int len = mptable__write(buf, sizeof(buf), 0xf8000, 4, 0x652, 0x0183fbff);
	uint8_t *t = buf + 16, *e;

	(void)state;
	assert_true(len > 0);
	assert_memory_equal(buf, "_MP_", 4);
	assert_int_equal(get_le32(buf + 4), 0xf8010);
	assert_int_equal(tables__sum(buf, 16), 0);
	assert_memory_equal(t, "PCMP", 4);
	assert_int_equal(tables__sum(t, get_le16(t + 4)), 0);
	assert_int_equal(get_le16(t + 4), len - 16);
	/* 4 CPUs, a bus, an I/O APIC, ExtINT + 15 ISA IRQs, 2 local interrupts. */
	assert_int_equal(get_le16(t + 34), 4 + 1 + 1 + 16 + 2);
	assert_int_equal(get_le32(t + 36), 0xfee00000);
	e = t + 44;
	for (int i = 0; i < 4; i++, e += 20) {
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], i);
		assert_int_equal(e[3], i == 0 ? 3 : 1);
		assert_int_equal(get_le32(e + 4), 0x652);
		assert_int_equal(get_le32(e + 8), 0x0183fbff);
	}
	assert_int_equal(e[0], 1);
	e += 8;
	assert_int_equal(e[0], 2);
	assert_int_equal(e[1], 4);		/* I/O APIC ID after the CPUs */
	assert_int_equal(get_le32(e + 4), 0xfec00000);
	e += 8 + 8;				/* past ExtINT */
	assert_int_equal(e[5], 0);		/* IRQ 0 ... */
	assert_int_equal(e[7], 2);		/* ... on pin 2 */
	assert_int_equal(mptable__write(buf, 100, 0xf8000, 4, 0, 0), -E2BIG);
}

static void test_acpi(void **state)
{
	uint8_t buf[1024];
	int len = acpi__write(buf, sizeof(buf), 0xf8100, 2);
	uint32_t rsdt, madt;
	uint8_t *r, *m, *f, *d;

	(void)state;
	assert_true(len > 0);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(tables__sum(buf, 20), 0);
	rsdt = get_le32(buf + 16);
	r = buf + (rsdt - 0xf8100);
	assert_memory_equal(r, "RSDT", 4);
	assert_int_equal(get_le32(r + 4), 44);
	assert_int_equal(tables__sum(r, 44), 0);
	madt = get_le32(r + 36);
	m = buf + (madt - 0xf8100);
	assert_memory_equal(m, "APIC", 4);
	assert_int_equal(tables__sum(m, get_le32(m + 4)), 0);
	assert_int_equal(get_le32(m + 36), 0xfee00000);
	/* Two processors, the I/O APIC (ID 2), IRQ 0 -> GSI 2, IRQ 9 level high, LINT1 NMI. */
	assert_int_equal(m[44], 0);
	assert_int_equal(m[44 + 3], 0);
	assert_int_equal(m[52 + 3], 1);
	assert_int_equal(m[60], 1);
	assert_int_equal(m[62], 2);
	assert_int_equal(m[72], 2);
	assert_int_equal(get_le32(m + 76), 2);
	assert_int_equal(m[82], 2);
	assert_int_equal(m[85], 9);
	assert_int_equal(get_le32(m + 86), 9);
	assert_int_equal(get_le16(m + 90), 0x000d);
	assert_int_equal(m[92], 4);
	assert_int_equal(get_le32(m + 4), 98);
	/* The FADT: QEMU's PIIX4 PM block at 0x600, SCI 9, no SMI port; its FACS and DSDT. */
	f = buf + (get_le32(r + 40) - 0xf8100);
	assert_memory_equal(f, "FACP", 4);
	assert_int_equal(get_le32(f + 4), 116);
	assert_int_equal(tables__sum(f, 116), 0);
	assert_int_equal(get_le16(f + 46), 9);
	assert_int_equal(get_le32(f + 48), 0);
	assert_int_equal(get_le32(f + 56), 0x600);
	assert_int_equal(get_le32(f + 64), 0x604);
	assert_int_equal(get_le32(f + 76), 0x608);
	assert_int_equal(f[88] | f[89] << 8 | f[91] << 24, 4 | 2 << 8 | 4 << 24);
	assert_int_equal(get_le32(f + 36) % 64, 0);
	assert_memory_equal(buf + (get_le32(f + 36) - 0xf8100), "FACS", 4);
	d = buf + (get_le32(f + 40) - 0xf8100);
	assert_memory_equal(d, "DSDT", 4);
	assert_int_equal(tables__sum(d, get_le32(d + 4)), 0);
	assert_memory_equal(d + 36, "\x08_S5_\x12\x06\x04\0\0\0\0", 12);
	assert_int_equal(len, (int)(get_le32(f + 36) - 0xf8100 + 64));
	assert_int_equal(acpi__write(buf, 50, 0, 2), -E2BIG);
	assert_int_equal(acpi__write(buf, (size_t)len - 1, 0xf8100, 2), -E2BIG);
}

static void test_probe_parser(void **state)
{
	struct cpuid_leaf l[4];
	struct msr_probe m[4];
	int nm;

	(void)state;
	assert_int_equal(cpus__parse_probe("noise\r\nc 00000001 00000652 00000800 80200000 0183fbff\r\n"
					   "m 0000001b ok\r\nm c0000080 gp\r\n", l, 4, m, 4, &nm), 1);
	assert_int_equal(l[0].function, 1);
	assert_int_equal(l[0].edx, 0x0183fbff);
	assert_int_equal(nm, 2);
	assert_true(m[0].ok);
	assert_int_equal(m[1].msr, 0xc0000080);
	assert_false(m[1].ok);
	assert_int_equal(cpus__parse_probe("c 00000001 zz\n", l, 4, m, 4, &nm), -1);
	assert_int_equal(cpus__parse_probe("m 0000001b maybe\n", l, 4, m, 4, &nm), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_models),
		cmocka_unit_test(test_athlon),
		cmocka_unit_test(test_smp_topology),
		cmocka_unit_test(test_unknown_model),
		cmocka_unit_test(test_msr_allowlists),
		cmocka_unit_test(test_mp_table),
		cmocka_unit_test(test_acpi),
		cmocka_unit_test(test_probe_parser),
	};

	return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
