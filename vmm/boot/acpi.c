/*
 * acpi.c - minimal ACPI 1.0 tables: RSDP, RSDT, MADT, FADT, FACS and DSDT.
 *
 * The MADT lists the local APICs (IDs 0..N-1), the I/O APIC (ID N, GSI base
 * 0), the overrides that put ISA IRQ 0 on GSI 2 and make the SCI (IRQ 9)
 * level-triggered and active high, as QEMU's do, and NMI on LINT1 of every
 * processor. The FADT describes QEMU's PIIX4 PM block as bootscope has it
 * (devices/acpi_pm.h): PM1a event and control, the PM timer, SCI on IRQ 9,
 * no SMI command port (so ACPI mode is on from the start). The DSDT holds
 * only \_S5, whose sleep type 0 is QEMU's soft-off, so a kernel's power-off
 * reaches SLP_EN and ends the run as a shutdown.
 */
#include <errno.h>
#include <string.h>

#include "boot/tables.h"
#include "devices/acpi_pm.h"
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

#define FADT_LEN 116		/* ACPI 1.0 */
#define FACS_LEN 64

/* Name (_S5, Package (4) { 0, 0, 0, 0 }): S5 is sleep type 0. */
static const uint8_t dsdt_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };

static void fadt(uint8_t *t, uint32_t facs, uint32_t dsdt)
{
	put_le32(t + 36, facs);
	put_le32(t + 40, dsdt);
	put_le16(t + 46, ACPI_SCI_IRQ);
	put_le32(t + 48, 0);			/* no SMI_CMD: nothing to switch on */
	put_le32(t + 56, ACPI_PM_BASE);		/* PM1a event */
	put_le32(t + 64, ACPI_PM_BASE + ACPI_PM1_CNT);
	put_le32(t + 76, ACPI_PM_BASE + ACPI_PM_TMR);
	t[88] = 4;				/* PM1 event block length */
	t[89] = 2;				/* PM1 control */
	t[91] = 4;				/* PM timer */
	put_le16(t + 96, 0x0fff);		/* no C2 */
	put_le16(t + 98, 0x0fff);		/* no C3 */
	t[108] = 0x32;				/* the RTC's century byte, as QEMU's CMOS has it */
	/* WBINVD works, C1 on all CPUs, the sleep button is not a fixed feature, RTC wakes from S4. */
	put_le32(t + 112, (1 << 0) | (1 << 2) | (1 << 5) | (1 << 7));
	header(t, "FACP", FADT_LEN, 1);
}

int acpi__write(uint8_t *buf, size_t len, uint32_t gpa, int nr_cpus)
{
	const uint32_t madt_len = HDR + 8 + (uint32_t)nr_cpus * 8 + 12 + 10 + 10 + 6;
	const uint32_t dsdt_len = HDR + (uint32_t)sizeof(dsdt_aml);
	uint8_t *rsdp = buf, *rsdt = buf + 32, *madt = rsdt + HDR + 8, *fadt_t = madt + madt_len;
	uint8_t *dsdt = fadt_t + FADT_LEN, *facs = dsdt + dsdt_len, *e;
	size_t need;

	/* The FACS must sit on 64 bytes in guest memory. */
	facs += (64 - (gpa + (uint32_t)(facs - buf)) % 64) % 64;
	need = (size_t)(facs - buf) + FACS_LEN;
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
	e[0] = 2;
	e[1] = 10;
	e[2] = 0;
	e[3] = ACPI_SCI_IRQ;
	put_le32(e + 4, ACPI_SCI_IRQ);
	put_le16(e + 8, 0x000d);		/* active high, level-triggered */
	e += 10;
	e[0] = 4;				/* local APIC NMI */
	e[1] = 6;
	e[2] = 0xff;				/* all processors */
	put_le16(e + 3, 0);
	e[5] = 1;				/* LINT1 */
	header(madt, "APIC", madt_len, 1);

	memcpy(facs, "FACS", 4);
	put_le32(facs + 4, FACS_LEN);
	memcpy(dsdt + HDR, dsdt_aml, sizeof(dsdt_aml));
	header(dsdt, "DSDT", dsdt_len, 1);
	fadt(fadt_t, gpa + (uint32_t)(facs - buf), gpa + (uint32_t)(dsdt - buf));

	put_le32(rsdt + HDR, gpa + (uint32_t)(madt - buf));
	put_le32(rsdt + HDR + 4, gpa + (uint32_t)(fadt_t - buf));
	header(rsdt, "RSDT", HDR + 8, 1);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "BOOTSC", 6);
	rsdp[15] = 0;				/* ACPI 1.0 */
	put_le32(rsdp + 16, gpa + 32);
	rsdp[8] = (uint8_t)-tables__sum(rsdp, 20);
	return (int)need;
}
