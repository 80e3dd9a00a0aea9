/*
 * linux_boot.h - offsets of the Linux x86 boot protocol (Documentation/
 * arch/x86/boot.rst) that bootscope reads or fills: the setup header, which
 * sits at 0x1f1 both in a bzImage and in boot_params (the "zero page"), and
 * the boot_params fields around it.
 */
#ifndef BOOTSCOPE_LINUX_BOOT_H
#define BOOTSCOPE_LINUX_BOOT_H

#define LX_HDR_MAGIC		0x53726448u	/* "HdrS" */
#define LX_MIN_VERSION		0x0206		/* cmdline_size exists from 2.06 */

/* Setup header, offsets in the image and in boot_params. */
#define LX_SETUP_SECTS		0x1f1
#define LX_BOOT_FLAG		0x1fe		/* 0xAA55 */
#define LX_JUMP			0x200		/* the header ends at 0x202 + byte at 0x201 */
#define LX_HEADER		0x202
#define LX_VERSION		0x206
#define LX_TYPE_OF_LOADER	0x210
#define LX_LOADFLAGS		0x211
#define LX_CODE32_START		0x214
#define LX_RAMDISK_IMAGE	0x218
#define LX_RAMDISK_SIZE		0x21c
#define LX_HEAP_END_PTR		0x224
#define LX_CMD_LINE_PTR		0x228
#define LX_INITRD_ADDR_MAX	0x22c
#define LX_KERNEL_ALIGNMENT	0x230
#define LX_RELOCATABLE		0x234
#define LX_CMDLINE_SIZE		0x238
#define LX_PREF_ADDRESS		0x258		/* u64, protocol 2.10+ */
#define LX_INIT_SIZE		0x260

#define LX_LOADED_HIGH		0x01
#define LX_CAN_USE_HEAP		0x80

/* boot_params outside the setup header. */
#define LX_BP_SIZE		4096
#define LX_BP_ALT_MEM_K		0x1e0
#define LX_BP_E820_ENTRIES	0x1e8
#define LX_BP_E820_TABLE	0x2d0
#define LX_BP_E820_MAX		128

#define LX_LOAD_ADDR		0x100000u	/* where a bzImage's protected-mode part goes */

#endif
