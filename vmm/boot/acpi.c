/*
 * acpi.c - minimal ACPI 1.0 tables: RSDP, RSDT and MADT.
 *
 * The MADT lists the local APICs (IDs 0..N-1), the I/O APIC (ID N, GSI base
 * 0), the override that puts ISA IRQ 0 on GSI 2, and NMI on LINT1 of every
 * processor. No FADT: there is no ACPI hardware (PM timer, SCI) to describe;
 * guests that use ACPI for the APIC topology find all they need here.
 */
#include <errno.h>
#include <string.h>

#include "boot/tables.h"
#include "lib/util.h"

#define HDR 36

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "BOOTSC", 6);		/* OEM ID */
	memcpy(t + 16, "BOOTSCOP", 8);		/* OEM table ID */
	put_le32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, "BTSC", 4);		/* creator */
	put_le32(t + 32, 1);
	t[9] = (uint8_t)-tables__sum(t, len);
}

int acpi__write(uint8_t *buf, size_t len, uint32_t gpa, int nr_cpus)
{
	const uint32_t madt_len = HDR + 8 + (uint32_t)nr_cpus * 8 + 12 + 10 + 6;
	const size_t need = 32 + HDR + 4 + madt_len;
	uint8_t *rsdp = buf, *rsdt = buf + 32, *madt = rsdt + HDR + 4, *e;

	if (len < need)
		return -E2BIG;
	memset(buf, 0, need);

	e = madt + HDR;
	put_le32(e, LAPIC_ADDR);
	put_le32(e + 4, 1);			/* PCAT_COMPAT: there are 8259s too */
	e += 8;
	for (int i = 0; i < nr_cpus; i++, e += 8) {
		e[0] = 0;			/* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i;		/* ACPI processor ID */
		e[3] = (uint8_t)i;		/* APIC ID */
		put_le32(e + 4, 1);		/* enabled */
	}
	e[0] = 1;				/* I/O APIC */
	e[1] = 12;
	e[2] = (uint8_t)nr_cpus;
	put_le32(e + 4, IOAPIC_ADDR);
	put_le32(e + 8, 0);			/* GSI base */
	e += 12;
	e[0] = 2;				/* interrupt source override */
	e[1] = 10;
	e[2] = 0;				/* ISA */
	e[3] = 0;				/* IRQ 0 */
	put_le32(e + 4, 2);			/* GSI 2 */
	put_le16(e + 8, 0);			/* conforming */
	e += 10;
	e[0] = 4;				/* local APIC NMI */
	e[1] = 6;
	e[2] = 0xff;				/* all processors */
	put_le16(e + 3, 0);
	e[5] = 1;				/* LINT1 */
	header(madt, "APIC", madt_len, 1);

	put_le32(rsdt + HDR, gpa + (uint32_t)(madt - buf));
	header(rsdt, "RSDT", HDR + 4, 1);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "BOOTSC", 6);
	rsdp[15] = 0;				/* ACPI 1.0 */
	put_le32(rsdp + 16, gpa + 32);
	rsdp[8] = (uint8_t)-tables__sum(rsdp, 20);
	return (int)need;
}
