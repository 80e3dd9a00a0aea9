/*
 * loader.h - putting a guest image into guest memory.
 *
 * Each loader works on bytes already read (struct file_buf), checks every
 * offset against the file size and every destination against the memory map
 * (memmap__claim), and ends by telling the firmware where to enter. A refusal
 * returns -EINVAL with a message that names the file and the problem.
 */
#ifndef BOOTSCOPE_LOADER_H
#define BOOTSCOPE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct vm;

#define RAW_DEFAULT_ADDR 0x7c00u
#define RAW_MIN_ADDR 0x500u		/* above the IVT and BIOS data area */
#define RAW_STACK_BOTTOM 0x7b00u	/* 0x7b00-0x7bff: the boot stack, kept free */
#define KERNEL_MAX_SIZE (256 * MiB)	/* larger files are refused before reading */

/* A flat real-mode image at addr, entered at addr with DL=0x80. */
int raw__load(struct vm *vm, const struct file_buf *f, uint32_t addr, char *err, size_t errlen);

/* Is this a Multiboot (v1) image? Searches the first 8 KiB for the header. */
bool multiboot__detect(const struct file_buf *f);
/*
 * Load a Multiboot kernel, its modules and the boot information. cmdline is
 * the full kernel command line, modules[i] already read.
 */
struct mb_module {
	struct file_buf file;
	const char *cmdline;
};
int multiboot__load(struct vm *vm, const struct file_buf *kernel, const char *cmdline,
		    struct mb_module *mods, int nr_mods, char *err, size_t errlen);

/* Is this a Linux bzImage (setup header "HdrS")? */
bool linux__detect(const struct file_buf *f);
/* Load a bzImage (boot protocol 2.06+), its command line and optional initrd. */
int linux__load(struct vm *vm, const struct file_buf *kernel, const char *cmdline,
		const struct file_buf *initrd, char *err, size_t errlen);

#endif
