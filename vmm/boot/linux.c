/*
 * linux.c - Linux bzImage kernels, per the x86 boot protocol 2.06 and later.
 *
 * The protected-mode part of the image goes to 1 MiB, with room for its
 * init_size; boot_params and the command line go to conventional memory;
 * an initrd goes as high as RAM and the kernel's initrd_addr_max allow.
 * boot_params starts as a copy of the image's setup header, then bootscope
 * fills in what a loader must: type_of_loader, loadflags, heap_end_ptr,
 * cmd_line_ptr, ramdisk_image/size, and the e820 map. The firmware enters
 * the kernel at code32_start in flat protected mode, ESI = boot_params,
 * CS = 0x10, DS = ES = SS = 0x18, EBP = EDI = EBX = 0, interrupts off: the
 * protocol's 32-bit entry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/firmware.h"
#include "boot/linux_boot.h"
#include "boot/loader.h"
#include "core/vm.h"

#define BP_MIN_ADDR 0x10000	/* boot_params and command line: in conventional memory from here */

bool linux__detect(const struct file_buf *f)
{
	return f->size >= LX_HEADER + 4 && get_le16(f->data + LX_BOOT_FLAG) == 0xaa55 &&
	       get_le32(f->data + LX_HEADER) == LX_HDR_MAGIC;
}

static int place_initrd(struct vm *vm, const struct file_buf *initrd, uint32_t max_addr,
			uint32_t *where, char *err, size_t errlen)
{
	uint64_t top = MIN((uint64_t)max_addr + 1, vm->ram_size), at = 0;
	char what[300];

	/* As high as it fits: the highest page-aligned free range below top. */
	for (uint64_t cand = initrd->size <= top ? (top - initrd->size) & ~0xfffULL : 0;
	     initrd->size <= top && cand >= HIGH_RAM_BASE; cand -= 4096) {
		if (memmap__find_free(&vm->map, cand, initrd->size, 4096, top) == cand) {
			at = cand;
			break;
		}
		if (cand < 4096)
			break;
	}
	if (!at) {
		snprintf(err, errlen, "%s: initrd of %zu bytes does not fit in guest RAM below the kernel's initrd_addr_max 0x%x (-m %lluM)",
			 initrd->path, initrd->size, max_addr, (unsigned long long)(vm->ram_size / MiB));
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "initrd %s", initrd->path);
	if (memmap__claim(&vm->map, at, initrd->size, what, err, errlen))
		return -EINVAL;
	memcpy(vm->ram + at, initrd->data, initrd->size);
	*where = (uint32_t)at;
	return 0;
}

int linux__load(struct vm *vm, const struct file_buf *k, const char *cmdline,
		const struct file_buf *initrd, char *err, size_t errlen)
{
	const uint8_t *img = k->data;
	uint16_t version;
	uint32_t setup_sects, setup_size, hdr_end, kernel_size, init_size, cmdline_size, initrd_at = 0;
	uint64_t bp, cl, mem_size, runtime;
	size_t cmd_len = strlen(cmdline) + 1;
	uint8_t *p;
	char what[300];
	int rc;

	if (!linux__detect(k)) {
		snprintf(err, errlen, "%s: not a Linux bzImage (no HdrS setup header)", k->path);
		return -EINVAL;
	}
	if (k->size < 1024) {	/* the header fields read below reach 0x268 */
		snprintf(err, errlen, "%s: truncated: %zu bytes cannot hold a Linux setup header", k->path, k->size);
		return -EINVAL;
	}
	version = get_le16(img + LX_VERSION);
	if (version < LX_MIN_VERSION) {
		snprintf(err, errlen, "%s: Linux boot protocol %u.%02u is older than 2.06, which bootscope needs",
			 k->path, version >> 8, version & 0xff);
		return -EINVAL;
	}
	if (!(img[LX_LOADFLAGS] & LX_LOADED_HIGH)) {
		snprintf(err, errlen, "%s: a zImage (loaded below 1 MiB); only bzImage kernels are supported", k->path);
		return -EINVAL;
	}
	setup_sects = img[LX_SETUP_SECTS] ? img[LX_SETUP_SECTS] : 4;
	setup_size = (setup_sects + 1) * 512;
	hdr_end = LX_HEADER + img[LX_JUMP + 1];
	if (k->size <= setup_size || hdr_end > setup_size) {
		snprintf(err, errlen, "%s: truncated: the setup code needs %u bytes, the file has %zu",
			 k->path, setup_size, k->size);
		return -EINVAL;
	}
	kernel_size = (uint32_t)(k->size - setup_size);
	init_size = version >= 0x020a ? get_le32(img + LX_INIT_SIZE) : 0;
	mem_size = MAX((uint64_t)kernel_size, (uint64_t)init_size);
	cmdline_size = get_le32(img + LX_CMDLINE_SIZE);
	if (cmd_len > (uint64_t)cmdline_size + 1) {
		snprintf(err, errlen, "%s: the command line is %zu bytes; this kernel takes at most %u",
			 k->path, cmd_len - 1, cmdline_size);
		return -EINVAL;
	}

	/*
	 * The kernel, and the room it decompresses into: init_size bytes from its
	 * runtime start, which boot.rst defines as pref_address, or for a
	 * relocatable kernel the load address raised to pref_address and aligned
	 * to kernel_alignment. Both are claimed, so nothing (an initrd) goes there.
	 */
	runtime = LX_LOAD_ADDR;
	if (version >= 0x020a) {
		uint64_t pref = get_le32(img + LX_PREF_ADDRESS) | (uint64_t)get_le32(img + LX_PREF_ADDRESS + 4) << 32;
		uint64_t align = get_le32(img + LX_KERNEL_ALIGNMENT);

		if (!pref)
			pref = LX_LOAD_ADDR;
		runtime = img[LX_RELOCATABLE] && align ? ALIGN_UP(MAX((uint64_t)LX_LOAD_ADDR, pref), align) : pref;
	}
	/* A RAM that ends inside the area is the kernel's problem to report; keep what there is of it. */
	if (runtime + init_size > vm->ram_size) {
		fprintf(stderr, "bootscope: warning: %s decompresses into 0x%llx-0x%llx (init_size), beyond guest RAM (-m %lluM)\n",
			k->path, (unsigned long long)runtime, (unsigned long long)(runtime + init_size - 1),
			(unsigned long long)(vm->ram_size / MiB));
		init_size = runtime < vm->ram_size ? (uint32_t)(vm->ram_size - runtime) : 0;
	}
	snprintf(what, sizeof(what), "kernel %s", k->path);
	if (runtime < LX_LOAD_ADDR + mem_size && runtime + init_size > LX_LOAD_ADDR) {
		uint64_t end = MAX(LX_LOAD_ADDR + mem_size, runtime + init_size);

		rc = memmap__claim(&vm->map, LX_LOAD_ADDR, end - LX_LOAD_ADDR, what, err, errlen);
	} else {
		rc = memmap__claim(&vm->map, LX_LOAD_ADDR, mem_size, what, err, errlen);
		if (!rc && init_size) {
			snprintf(what, sizeof(what), "the decompression area of kernel %s (init_size from 0x%llx)",
				 k->path, (unsigned long long)runtime);
			rc = memmap__claim(&vm->map, runtime, init_size, what, err, errlen);
		}
	}
	if (rc)
		return rc;
	memcpy(vm->ram + LX_LOAD_ADDR, img + setup_size, kernel_size);
	memset(vm->ram + LX_LOAD_ADDR + kernel_size, 0, mem_size - kernel_size);

	if (initrd && (rc = place_initrd(vm, initrd, get_le32(img + LX_INITRD_ADDR_MAX), &initrd_at, err, errlen)))
		return rc;

	bp = memmap__find_free(&vm->map, BP_MIN_ADDR, LX_BP_SIZE + cmd_len, 4096, EBDA_BASE);
	if (!bp) {
		snprintf(err, errlen, "%s: no room in conventional memory for boot_params", k->path);
		return -EINVAL;
	}
	if ((rc = memmap__claim(&vm->map, bp, LX_BP_SIZE + cmd_len, "boot_params and command line", err, errlen)))
		return rc;
	cl = bp + LX_BP_SIZE;
	memcpy(vm->ram + cl, cmdline, cmd_len);

	p = vm->ram + bp;
	memset(p, 0, LX_BP_SIZE);
	memcpy(p + LX_SETUP_SECTS, img + LX_SETUP_SECTS, hdr_end - LX_SETUP_SECTS);
	p[LX_TYPE_OF_LOADER] = 0xff;			/* undefined loader */
	put_le32(p + LX_CODE32_START, LX_LOAD_ADDR);	/* where the kernel really is */
	p[LX_LOADFLAGS] |= LX_CAN_USE_HEAP;
	put_le16(p + LX_HEAP_END_PTR, 0xfe00);	/* the setup heap ends below the setup stack */
	put_le32(p + LX_CMD_LINE_PTR, (uint32_t)cl);
	put_le32(p + LX_RAMDISK_IMAGE, initrd_at);
	put_le32(p + LX_RAMDISK_SIZE, initrd ? (uint32_t)initrd->size : 0);
	put_le32(p + LX_BP_ALT_MEM_K, (uint32_t)memmap__ext_kb(&vm->map));
	p[LX_BP_E820_ENTRIES] = (uint8_t)vm->map.nr_e820;
	for (int i = 0; i < vm->map.nr_e820; i++) {
		uint8_t *e = p + LX_BP_E820_TABLE + 20 * i;

		put_le64(e, vm->map.e820[i].base);
		put_le64(e + 8, vm->map.e820[i].len);
		put_le32(e + 16, vm->map.e820[i].type);
	}

	firmware__set_entry(vm, &(struct fw_entry){
		.mode = FW_MODE_PM32, .entry = LX_LOAD_ADDR, .esi = (uint32_t)bp,
		.esp = (uint32_t)bp, .cs = FW_SEL_LINUX_CS, .ds = FW_SEL_DATA });
	vm->boot_kind = "linux";
	vm->boot_file = k->path;
	vm->boot_info = (uint32_t)bp;
	return 0;
}
