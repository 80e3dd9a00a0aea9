/*
 * tables.h - what a direct boot tells the guest about the machine, in the
 * formats guests of the era look for: an Intel MultiProcessor Specification
 * 1.4 table, ACPI (RSDP, RSDT, MADT), and QEMU's fw_cfg.
 *
 * The MP and ACPI tables are written into the firmware ROM's table area
 * (FW_TABLES_*), which the e820 map reserves; both describe the same
 * machine: CPUs with APIC IDs 0..N-1, one I/O APIC at 0xfec00000 with ID N,
 * ISA IRQ n on I/O APIC input n except IRQ 0 on input 2.
 */
#ifndef BOOTSCOPE_TABLES_H
#define BOOTSCOPE_TABLES_H

#include <stddef.h>
#include <stdint.h>

struct vm;

#define IOAPIC_ADDR 0xfec00000u
#define LAPIC_ADDR 0xfee00000u

/*
 * Each writer fills buf, which the guest will see at physical address gpa,
 * and returns the bytes used, or -E2BIG when len is too small.
 */
int mptable__write(uint8_t *buf, size_t len, uint32_t gpa, int nr_cpus, uint32_t cpu_signature,
		   uint32_t cpu_features);
int acpi__write(uint8_t *buf, size_t len, uint32_t gpa, int nr_cpus);
/* Byte sum, for checksums and their tests. */
uint8_t tables__sum(const uint8_t *p, size_t len);

/* Write both into the ROM, and give the in-kernel I/O APIC the ID they name. */
int tables__install(struct vm *vm, char *err, size_t errlen);

#endif
