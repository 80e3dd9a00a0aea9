/*
 * Fuzz harness: a kernel image as bootscope's loaders see it. The bytes are
 * tried as a Multiboot kernel, a Linux bzImage and a raw image, each loaded
 * into 16 MiB of guest memory with no KVM behind it, as the unit tests do.
 * A refusal is fine; a crash, an out-of-bounds access or undefined behaviour
 * is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/loader.h"
#include "core/vm.h"

#define RAM (16 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static uint8_t *ram, *rom;
	struct file_buf f = { "fuzz", (uint8_t *)data, size };
	char err[512];

	if (!ram && (!(ram = malloc(RAM)) || !(rom = calloc(1, ROM_SIZE))))
		abort();
	memset(&vm, 0, sizeof(vm));
	vm.ram = ram;
	vm.rom = rom;
	vm.ram_size = RAM;
	memmap__init(&vm.map, RAM);
	memmap__claim(&vm.map, 0, 0x500, "interrupt vector table and BIOS data area", err, sizeof(err));
	if (multiboot__detect(&f))
		multiboot__load(&vm, &f, "fuzz args", NULL, 0, err, sizeof(err));
	else if (linux__detect(&f))
		linux__load(&vm, &f, "console=ttyS0", NULL, err, sizeof(err));
	else
		raw__load(&vm, &f, 0x7c00, err, sizeof(err));
	return 0;
}
