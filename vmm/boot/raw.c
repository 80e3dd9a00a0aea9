/*
 * raw.c - flat real-mode images: a boot sector at 0x7c00, or any image at a
 * chosen address. The firmware enters it as a PC BIOS enters a boot sector:
 * CS:IP = addr>>4 : addr&15, DL = 0x80 (first hard disk), SS:SP = 0:7c00,
 * interrupts on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/firmware.h"
#include "boot/loader.h"
#include "core/vm.h"

int raw__load(struct vm *vm, const struct file_buf *f, uint32_t addr, char *err, size_t errlen)
{
	char what[80];
	struct fw_entry e = { .mode = FW_MODE_REAL, .entry = addr, .edx = 0x80, .esp = 0x7c00 };
	int rc;

	if (f->size == 0) {
		snprintf(err, errlen, "%s: empty file", f->path);
		return -EINVAL;
	}
	if (addr < RAW_MIN_ADDR || addr >= EBDA_BASE || f->size > EBDA_BASE - addr) {
		snprintf(err, errlen,
			 "%s: %zu bytes at 0x%x do not fit in conventional memory (0x%x-0x%llx); a real-mode image must lie there",
			 f->path, f->size, addr, RAW_MIN_ADDR, EBDA_BASE - 1);
		return -EINVAL;
	}
	/* The firmware enters with SS:SP = 0:7c00 and takes timer interrupts on that stack. */
	rc = memmap__claim(&vm->map, RAW_STACK_BOTTOM, 0x7c00 - RAW_STACK_BOTTOM, "the boot stack below 0x7c00",
			   err, errlen);
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "raw image %s", f->path);
	rc = memmap__claim(&vm->map, addr, f->size, what, err, errlen);
	if (rc)
		return rc;
	memcpy(vm->ram + addr, f->data, f->size);
	firmware__set_entry(vm, &e);
	vm->boot_kind = "raw";
	vm->boot_file = f->path;
	return 0;
}
