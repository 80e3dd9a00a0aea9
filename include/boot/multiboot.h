/*
 * multiboot.h - constants of the Multiboot Specification, version 0.6.96.
 */
#ifndef BOOTSCOPE_MULTIBOOT_H
#define BOOTSCOPE_MULTIBOOT_H

#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_BOOTLOADER_MAGIC	0x2BADB002u
#define MB_SEARCH		8192	/* header lies in the first 8 KiB */

/* Header flags: bits 0-15 are requirements, 16-31 optional features. */
#define MB_HF_PAGE_ALIGN	(1u << 0)
#define MB_HF_MEMORY_INFO	(1u << 1)
#define MB_HF_VIDEO_MODE	(1u << 2)
#define MB_HF_AOUT_KLUDGE	(1u << 16)
#define MB_HF_KNOWN_REQUIRED	(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE)

/* Boot information flags. */
#define MB_INFO_MEMORY		(1u << 0)
#define MB_INFO_CMDLINE		(1u << 2)
#define MB_INFO_MODS		(1u << 3)
#define MB_INFO_MEM_MAP		(1u << 6)
#define MB_INFO_LOADER_NAME	(1u << 9)

/* Boot information offsets. */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_BOOT_DEVICE		12
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		88

#define MB_MOD_SIZE		16	/* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY_SIZE	24	/* size field (20) + base, length, type */

#endif
