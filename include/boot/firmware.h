/*
 * firmware.h - the contract between the VMM and bootscope's own firmware
 * (firmware/bios.asm), which runs from the reset vector in every direct boot.
 *
 * The VMM fills a hand-off block at the start of the ROM image before it maps
 * the ROM read-only: what to enter (real-mode boot image or 32-bit protected
 * mode kernel), with which registers, and the memory facts INT 15h reports.
 * The firmware reports back through one port: a 32-bit write of
 * (code << 24 | payload).
 *
 * Offsets here and in firmware/bios.asm must agree; firmware__load() checks
 * the magic and version the image carries.
 */
#ifndef BOOTSCOPE_FIRMWARE_H
#define BOOTSCOPE_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

struct vm;

#define FW_MAGIC	0x57465342u	/* "BSFW" */
#define FW_VERSION	2u

/* Hand-off block, at ROM offset 0 (physical 0xf0000). */
#define FW_HO_MAGIC	0x00
#define FW_HO_VERSION	0x04
#define FW_HO_MODE	0x08	/* FW_MODE_* */
#define FW_HO_ENTRY	0x0c	/* linear address of the first guest instruction */
#define FW_HO_EAX	0x10	/* general registers at entry: EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP */
#define FW_HO_EBX	0x14
#define FW_HO_ECX	0x18
#define FW_HO_EDX	0x1c
#define FW_HO_ESI	0x20
#define FW_HO_EDI	0x24
#define FW_HO_EBP	0x28
#define FW_HO_ESP	0x2c
#define FW_HO_CS	0x30	/* protected mode: code selector in the firmware's GDT */
#define FW_HO_DS	0x34	/* protected mode: data selector for DS, ES, FS, GS, SS */
#define FW_HO_E820_NR	0x38
#define FW_HO_EXT_KB	0x3c	/* INT 15h AH=88h: KiB above 1 MiB, capped */
#define FW_HO_E801_AX	0x40	/* INT 15h E801: KiB between 1 and 16 MiB */
#define FW_HO_E801_BX	0x44	/* INT 15h E801: 64 KiB blocks above 16 MiB */
#define FW_HO_BASE_KB	0x48	/* conventional memory in KiB (INT 12h) */
#define FW_HO_E820	0x50	/* entries of 20 bytes: base, length, type */
#define FW_HO_E820_MAX	8

/* Where the MP and ACPI tables go in the ROM (physical 0xf8000-0xfbfff). */
#define FW_TABLES_OFFSET 0x8000
#define FW_TABLES_SIZE	 0x4000

/*
 * The firmware's GDT: flat 4 GiB segments. Multiboot kernels get 0x08/0x18,
 * Linux its __BOOT_CS/__BOOT_DS, 0x10/0x18, as the boot protocol requires.
 */
#define FW_SEL_CODE	0x08
#define FW_SEL_LINUX_CS	0x10
#define FW_SEL_DATA	0x18

enum fw_mode {
	FW_MODE_REAL = 0,	/* far jump to entry>>4:entry&15, IF=1, DL from EDX */
	FW_MODE_PM32 = 1,	/* flat 32-bit protected mode, IF=0, paging off */
};

/* The firmware's report port and its codes. */
#define FW_PORT			0x0610
#define FW_EV_ENTRY		0x01	/* about to jump to the guest */
#define FW_EV_UNSUPPORTED	0x02	/* payload: vector << 16 | AX */
#define FW_EV_NO_BOOT		0x03	/* INT 18h/19h */
#define FW_EV_KEY_WAIT		0x04	/* INT 16h read with no keyboard */

struct fw_entry {
	enum fw_mode mode;
	uint32_t entry;
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp;
	uint16_t cs, ds;	/* protected mode only */
};

/* Copy the built-in ROM, check it, fill the memory facts. */
int firmware__load(struct vm *vm, char *err, size_t errlen);
/* Fill the entry part of the hand-off block. */
void firmware__set_entry(struct vm *vm, const struct fw_entry *e);
/* Register the report port. */
int firmware__register_port(struct vm *vm);

#endif
