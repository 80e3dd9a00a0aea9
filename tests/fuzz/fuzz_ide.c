/*
 * Fuzz harness: the IDE controller as a guest drives it (devices/ide.c,
 * atapi.c, ide_bmdma.c): the task files of both channels, device control,
 * the bus master's command, status and PRD pointer, ATA commands, ATAPI
 * packets through the data port, and bus-master DMA whose PRD tables (in
 * a 1 MiB guest RAM the input also writes) point anywhere, past RAM too.
 * A hard disk on the primary channel and a CD-ROM on the secondary, both
 * small image files. ASan and UBSan catch a device that touches memory
 * outside guest RAM or its own state.
 *
 * Each 8-byte record: a selector byte, flags (size, direction, string,
 * or "write guest RAM"), a count, then a 4-byte value; a RAM write puts
 * the value at offset (selector:count:flags) into guest RAM, so an input can
 * build PRD tables and packets of its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bus.h"
#include "core/vm.h"
#include "fuzz_pio.h"
#include "devices/disk.h"
#include "devices/ide_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BYTES (1024 * 1024)
#define BM_BASE 0xc000

static const uint16_t ports[] = {
	0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6,
	0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
	BM_BASE, BM_BASE + 2, BM_BASE + 4, BM_BASE + 8, BM_BASE + 10, BM_BASE + 12,
	0x1f0, 0x170, 0x1f7, 0x177,	/* the data and command ports, more often */
};

static int image(size_t bytes)
{
	char path[] = "/tmp/bootscope-fuzz-ide-XXXXXX";
	int fd = mkstemp(path);
	uint8_t *b = malloc(bytes);

	if (fd < 0 || !b)
		abort();
	unlink(path);
	for (size_t i = 0; i < bytes; i++)
		b[i] = (uint8_t)(i * 7 + i / 512);
	if (write(fd, b, bytes) != (ssize_t)bytes)
		abort();
	free(b);
	return fd;
}

static struct vm vm;
static struct kvm_cpu cpu;
static struct ide ide;
static struct disk hd, cd;

static struct vm *machine(void)
{
	char err[128];

	if (!cpu.vm) {
		fuzz__machine(&vm, &cpu, RAM_BYTES);
		vm.ram = calloc(1, RAM_BYTES);
		if (!vm.ram || disk__init(&hd, image(256 * 1024), false, err, sizeof(err)) ||
		    disk__init(&cd, image(64 * CD_SECTOR), false, err, sizeof(err)))
			abort();
		ide__attach(&ide, 0, 0, &hd, false);
		ide__attach(&ide, 1, 0, &cd, true);
		if (ide__register(&vm, &ide) || ide__map_bmdma(&vm, &ide, BM_BASE))
			abort();
	}
	return &vm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm *vm = machine();
	struct kvm_cpu *cpu = vm->cpus[0];

	for (size_t i = 0; i + 8 <= size; i += 8) {
		const uint8_t *r = data + i;

		if ((r[1] & 0xf0) == 0xf0) {	/* a guest RAM write */
			uint32_t at = (uint32_t)(r[0] << 12 | r[2] << 4 | (r[1] & 0x0f)) % (RAM_BYTES - 4);

			memcpy(vm->ram + at, r + 4, 4);
			continue;
		}
		uint16_t port = ports[r[0] % (sizeof(ports) / sizeof(ports[0]))];
		fuzz__pio(cpu, port, r);
	}
	return 0;
}
