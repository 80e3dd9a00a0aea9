/*
 * memmap.h - the guest-physical layout of the PC bootscope builds, and the
 * ledger of what a loader has put where.
 *
 *   0x00000000 - 0x0009fbff  RAM (IVT, BDA, conventional memory)
 *   0x0009fc00 - 0x0009ffff  RAM, reserved: extended BIOS data area
 *   0x000a0000 - 0x000b7fff  hole: nothing (VGA graphics memory)
 *   0x000b8000 - 0x000bffff  VGA colour text memory: RAM the screen console reads
 *                            (not with --no-screen; not in the e820 map)
 *   0x000c0000 - 0x000effff  hole: nothing (option-ROM space)
 *   0x000f0000 - 0x000fffff  firmware ROM (read-only)
 *   0x00100000 - ram_size    RAM
 *   0xfeffc000 - 0xfeffffff  reserved: KVM identity map and TSS
 *   0xfec00000, 0xfee00000   I/O APIC, local APIC (in-kernel)
 *   0xffff0000 - 0xffffffff  firmware ROM again (reset vector)
 *
 * The e820 table below is what the firmware's INT 15h E820, the multiboot
 * memory map and the CMOS size bytes all derive from, so they agree.
 */
#ifndef BOOTSCOPE_MEMMAP_H
#define BOOTSCOPE_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOW_RAM_END	0x000a0000ULL
#define VGA_TEXT_BASE	0x000b8000ULL
#define VGA_TEXT_SIZE	0x00008000ULL
#define EBDA_BASE	0x0009fc00ULL
#define ROM_BASE	0x000f0000ULL
#define ROM_SIZE	0x00010000ULL
#define ROM_HIGH_BASE	0xffff0000ULL
#define HIGH_RAM_BASE	0x00100000ULL
#define KVM_TSS_BASE	0xfeffd000ULL
#define KVM_IDMAP_BASE	0xfeffc000ULL
#define KVM_PRIV_SIZE	0x4000ULL

enum { E820_RAM = 1, E820_RESERVED = 2 };

struct e820_entry {
	uint64_t base, len;
	uint32_t type;
};

#define MAX_E820 8
#define MAX_CLAIMS 128

/* A range a loader placed something in, named for error messages. */
struct claim {
	uint64_t start, end;	/* [start, end) */
	char what[80];
};

struct memmap {
	uint64_t ram_size;
	struct e820_entry e820[MAX_E820];
	int nr_e820;
	struct claim claims[MAX_CLAIMS];
	int nr_claims;
};

void memmap__init(struct memmap *m, uint64_t ram_size);
/* Is [start, start+len) usable RAM (type 1 e820) in one piece? */
bool memmap__is_ram(const struct memmap *m, uint64_t start, uint64_t len);
/*
 * Record that [start, start+len) now holds `what`. Fails with -EINVAL and a
 * message naming both parties if it is not RAM or overlaps an earlier claim.
 */
int memmap__claim(struct memmap *m, uint64_t start, uint64_t len, const char *what,
		  char *err, size_t errlen);
/* Lowest free RAM address >= min, aligned, where len bytes fit; 0 if none. */
uint64_t memmap__find_free(const struct memmap *m, uint64_t min, uint64_t len, uint64_t align,
			   uint64_t limit);
/* KiB of RAM from 1 MiB up to the first hole, as the BIOS reports it. */
uint64_t memmap__ext_kb(const struct memmap *m);

#endif
