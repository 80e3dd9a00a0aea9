/*
 * mptable.c - Intel MultiProcessor Specification 1.4 tables.
 *
 * A floating pointer ("_MP_") followed by the configuration table ("PCMP"):
 * one processor entry per vCPU, an ISA bus, the I/O APIC, the ISA interrupt
 * assignments (ExtINT on input 0, IRQ 0 on input 2, IRQ n on input n), and
 * ExtINT/NMI on LINT0/LINT1 of every local APIC, as a PC of the era wires
 * them.
 */
#include <errno.h>
#include <string.h>

#include "boot/tables.h"
#include "lib/util.h"

#define MP_SPEC_REV 4		/* 1.4 */
#define LAPIC_VERSION 0x14
#define IOAPIC_VERSION 0x11

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IOINT, MP_LOCALINT };
enum { INT_INT, INT_NMI, INT_SMI, INT_EXTINT };

uint8_t tables__sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint8_t *ioint(uint8_t *e, uint8_t type, uint8_t irq, uint8_t ioapic, uint8_t pin)
{
	e[0] = MP_IOINT;
	e[1] = type;
	put_le16(e + 2, 0);	/* polarity and trigger: conforming to the bus */
	e[4] = 0;		/* source bus: ISA */
	e[5] = irq;
	e[6] = ioapic;
	e[7] = pin;
	return e + 8;
}

int mptable__write(uint8_t *buf, size_t len, uint32_t gpa, int nr_cpus, uint32_t cpu_signature,
		   uint32_t cpu_features)
{
	const size_t need = 16 + 44 + (size_t)nr_cpus * 20 + 8 + 8 + 16 * 8 + 2 * 8;
	uint8_t *fp = buf, *t = buf + 16, *e = t + 44;
	uint8_t ioapic = (uint8_t)nr_cpus;
	uint16_t count = 0;

	if (len < need)
		return -E2BIG;
	memset(buf, 0, need);

	for (int i = 0; i < nr_cpus; i++, count++) {
		e[0] = MP_PROCESSOR;
		e[1] = (uint8_t)i;			/* local APIC ID */
		e[2] = LAPIC_VERSION;
		e[3] = (uint8_t)(1 | (i == 0 ? 2 : 0));	/* enabled, bootstrap processor */
		put_le32(e + 4, cpu_signature);
		put_le32(e + 8, cpu_features);
		e += 20;
	}
	e[0] = MP_BUS;
	memcpy(e + 2, "ISA   ", 6);
	e += 8;
	count++;
	e[0] = MP_IOAPIC;
	e[1] = ioapic;
	e[2] = IOAPIC_VERSION;
	e[3] = 1;				/* usable */
	put_le32(e + 4, IOAPIC_ADDR);
	e += 8;
	count++;
	e = ioint(e, INT_EXTINT, 0, ioapic, 0);
	count++;
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;		/* the cascade */
		e = ioint(e, INT_INT, irq, ioapic, irq == 0 ? 2 : irq);
		count++;
	}
	/* Local interrupts: ExtINT on LINT0, NMI on LINT1, of all local APICs (0xff). */
	e[0] = MP_LOCALINT;
	e[1] = INT_EXTINT;
	e[6] = 0xff;
	e[7] = 0;
	e += 8;
	e[0] = MP_LOCALINT;
	e[1] = INT_NMI;
	e[6] = 0xff;
	e[7] = 1;
	e += 8;
	count += 2;

	memcpy(t, "PCMP", 4);
	put_le16(t + 4, (uint16_t)(e - t));	/* base table length */
	t[6] = MP_SPEC_REV;
	memcpy(t + 8, "BOOTSCOP", 8);		/* OEM ID */
	memcpy(t + 16, "bootscope   ", 12);	/* product ID */
	put_le16(t + 34, count);
	put_le32(t + 36, LAPIC_ADDR);
	t[7] = (uint8_t)-tables__sum(t, (size_t)(e - t));

	memcpy(fp, "_MP_", 4);
	put_le32(fp + 4, gpa + 16);		/* configuration table */
	fp[8] = 1;				/* length in 16-byte units */
	fp[9] = MP_SPEC_REV;
	fp[11] = 0;				/* a table is present: no default configuration */
	fp[10] = (uint8_t)-tables__sum(fp, 16);
	return (int)(e - buf);
}
