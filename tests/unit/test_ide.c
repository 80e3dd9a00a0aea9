/*
 * Unit tests of the IDE controller (devices/ide.c, atapi.c, ide_bmdma.c) and
 * its disk images (devices/disk.c), driven through the bus as a guest's port
 * accesses would: task-file registers, PIO blocks, ATAPI packets, bus-master
 * DMA into a buffer standing in for guest RAM. No KVM: the interrupt lines
 * go to a VM descriptor of -1, and the status bits tell what a guest sees.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/bus.h"
#include "core/vm.h"
#include "devices/disk.h"
#include "devices/ide_internal.h"

#define DISK_BYTES (1024 * 1024)
#define CD_BYTES (16 * CD_SECTOR)
#define RAM_BYTES (1024 * 1024)

static struct vm vm;
static struct kvm_cpu cpu;
static struct ide ide;
static struct disk hd, cd;
static int hd_fd = -1, cd_fd = -1;
static char hd_path[64], cd_path[64];
static int reads_seen;

/* Byte i of each image: distinct per sector, so a wrong sector shows. */
static uint8_t pattern(uint64_t i, int sector_size)
{
	return (uint8_t)(i / (uint64_t)sector_size * 7 + i % 251);
}

static int make_image(char *path, int size, int sector_size)
{
	uint8_t *b = malloc((size_t)size);
	int fd;

	strcpy(path, "/tmp/bootscope-ide-XXXXXX");
	fd = mkstemp(path);
	for (int i = 0; i < size; i++)
		b[i] = pattern((uint64_t)i, sector_size);
	assert_int_equal(write(fd, b, (size_t)size), size);
	free(b);
	return fd;
}

static void read_hook(struct kvm_cpu *c, void *arg)
{
	(void)c, (void)arg;
	reads_seen++;
}

static void start(bool writable)
{
	char err[128];

	memset(&vm, 0, sizeof(vm));
	memset(&cpu, 0, sizeof(cpu));
	memset(&ide, 0, sizeof(ide));
	vm.vm_fd = -1;
	vm.ram_size = RAM_BYTES;
	vm.ram = calloc(1, RAM_BYTES);
	cpu.vm = &vm;
	reads_seen = 0;
	hd_fd = make_image(hd_path, DISK_BYTES, DISK_SECTOR);
	cd_fd = make_image(cd_path, CD_BYTES, CD_SECTOR);
	assert_int_equal(disk__init(&hd, hd_fd, writable, err, sizeof(err)), 0);
	assert_int_equal(disk__init(&cd, cd_fd, false, err, sizeof(err)), 0);
	ide__attach(&ide, 0, 0, &hd, false);
	ide__attach(&ide, 1, 0, &cd, true);
	ide.read_hook = read_hook;
	assert_int_equal(ide__register(&vm, &ide), 0);
	assert_int_equal(ide__map_bmdma(&vm, &ide, 0xc000), 0);
}

static int setup(void **state)
{
	(void)state;
	start(false);
	return 0;
}

static int setup_writable(void **state)
{
	(void)state;
	start(true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ide__exit(&ide);
	disk__exit(&hd);
	disk__exit(&cd);
	close(hd_fd);
	close(cd_fd);
	unlink(hd_path);
	unlink(cd_path);
	free(vm.ram);
	return 0;
}

static void outb(uint16_t port, uint8_t v)
{
	assert_int_equal(bus__pio(&cpu, port, &v, 1, true), 0);
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	assert_int_equal(bus__pio(&cpu, port, &v, 1, false), 0);
	return v;
}

static void outl(uint16_t port, uint32_t v)
{
	assert_int_equal(bus__pio(&cpu, port, (uint8_t *)&v, 4, true), 0);
}

/* rep insw / outsw of n bytes: one string access, as one exit brings it. */
static void insw(uint16_t port, void *buf, uint32_t n)
{
	assert_int_equal(bus__pio_string(&cpu, port, buf, 2, n / 2, false), 0);
}

static void outsw(uint16_t port, const void *buf, uint32_t n)
{
	uint8_t tmp[64];

	memcpy(tmp, buf, n);
	assert_int_equal(bus__pio_string(&cpu, port, tmp, 2, n / 2, true), 0);
}

/* An LBA28 command to the primary master. */
static void ata_cmd(uint8_t cmd, uint32_t lba, uint8_t count)
{
	outb(0x1f6, (uint8_t)(0xe0 | (lba >> 24)));
	outb(0x1f2, count);
	outb(0x1f3, (uint8_t)lba);
	outb(0x1f4, (uint8_t)(lba >> 8));
	outb(0x1f5, (uint8_t)(lba >> 16));
	outb(0x1f7, cmd);
}

static void expect_sectors(const uint8_t *buf, uint64_t first, int n, int sector_size)
{
	for (uint64_t i = 0; i < (uint64_t)n * sector_size; i++)
		if (buf[i] != pattern(first * sector_size + i, sector_size))
			fail_msg("byte %llu of sector %llu differs", (unsigned long long)(i % sector_size),
				 (unsigned long long)(first + i / sector_size));
}

static void test_ata_identify(void **state)
{
	uint16_t w[256];
	char model[41];

	(void)state;
	ata_cmd(0xec, 0, 0);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC | ST_DRQ);
	insw(0x1f0, w, 512);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC);
	assert_int_equal(w[0], 0x0040);
	for (int i = 0; i < 20; i++) {
		model[2 * i] = (char)(w[27 + i] >> 8);
		model[2 * i + 1] = (char)w[27 + i];
	}
	model[40] = 0;
	assert_string_equal(model, "QEMU HARDDISK                           ");
	assert_int_equal(w[60] | w[61] << 16, DISK_BYTES / 512);
	assert_int_equal(w[100], DISK_BYTES / 512);
	assert_int_equal(w[1], 2);	/* 2048 sectors: fewer than two 16x63 cylinders, so QEMU's minimum */
	assert_int_equal(w[47], 0x8000 | 16);
}

static void test_ata_read_spans_blocks(void **state)
{
	uint8_t buf[3 * 512];

	(void)state;
	ata_cmd(0x20, 5, 3);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC | ST_DRQ);
	insw(0x1f0, buf, sizeof(buf));		/* three DRQ blocks in one string */
	expect_sectors(buf, 5, 3, 512);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC);
	assert_int_equal(inb(0x1f3), 7);	/* the task file names the last sector moved */
	assert_int_equal(reads_seen, 1);
	assert_int_equal(hd.reads, 3);
}

static void test_ata_read_multiple(void **state)
{
	uint8_t buf[16 * 512];

	(void)state;
	ata_cmd(0xc4, 100, 16);
	insw(0x1f0, buf, sizeof(buf));
	expect_sectors(buf, 100, 16, 512);
	assert_int_equal(hd.reads, 1);		/* one block of 16 sectors, one pread */
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC);
}

static void test_ata_bad_requests(void **state)
{
	(void)state;
	ata_cmd(0x20, DISK_BYTES / 512, 1);	/* just past the end */
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_ERR);
	assert_int_equal(inb(0x1f1), ER_ABRT);
	ata_cmd(0xa0, 0, 0);			/* PACKET to a disk */
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_ERR);
	ata_cmd(0xc6, 0, 3);			/* SET MULTIPLE: not a power of two */
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_ERR);
	ata_cmd(0x00, 0, 0);			/* NOP: aborts */
	assert_int_equal(inb(0x1f1), ER_ABRT);
	assert_int_equal(reads_seen, 0);
}

static void write_sector(uint32_t lba, uint8_t fill)
{
	uint8_t buf[512];

	memset(buf, fill, sizeof(buf));
	ata_cmd(0x30, lba, 1);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC | ST_DRQ);
	assert_int_equal(bus__pio_string(&cpu, 0x1f0, buf, 2, 256, true), 0);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC);
}

static uint8_t file_byte(int fd, off_t off)
{
	uint8_t b;

	assert_int_equal(pread(fd, &b, 1, off), 1);
	return b;
}

static void test_ata_write_goes_to_overlay(void **state)
{
	uint8_t buf[2 * 512];

	(void)state;
	write_sector(9, 0xab);
	assert_int_equal(file_byte(hd_fd, 9 * 512), pattern(9 * 512, 512));	/* the image is untouched */
	ata_cmd(0x20, 8, 2);
	insw(0x1f0, buf, sizeof(buf));
	expect_sectors(buf, 8, 1, 512);		/* sector 8 from the file, */
	for (int i = 512; i < 1024; i++)	/* sector 9 from the overlay */
		assert_int_equal(buf[i], 0xab);
}

static void test_ata_write_reaches_file(void **state)
{
	(void)state;
	write_sector(9, 0xcd);
	assert_int_equal(file_byte(hd_fd, 9 * 512), 0xcd);
	assert_int_equal(file_byte(hd_fd, 10 * 512), pattern(10 * 512, 512));
}

static void test_ata_dma_read(void **state)
{
	uint32_t prd[4] = { 0x20000, 512, 0x30000, 512 | 0x80000000u };

	(void)state;
	memcpy(vm.ram + 0x1000, prd, sizeof(prd));
	ata_cmd(0xc8, 4, 2);				/* READ DMA, then the bus master starts */
	assert_int_equal(inb(0x1f7) & ST_BSY, ST_BSY);
	outl(0xc004, 0x1000);
	outb(0xc000, BM_START | BM_TO_MEMORY);
	expect_sectors(vm.ram + 0x20000, 4, 1, 512);
	expect_sectors(vm.ram + 0x30000, 5, 1, 512);
	assert_int_equal(inb(0xc002), BM_INT);		/* done: not active, interrupting */
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC);
	assert_int_equal(reads_seen, 1);
	outb(0xc002, BM_INT);				/* write 1 to clear */
	assert_int_equal(inb(0xc002), 0);
}

static void test_ata_dma_table_too_short(void **state)
{
	uint32_t prd[2] = { 0x20000, 512 | 0x80000000u };

	(void)state;
	memcpy(vm.ram + 0x1000, prd, sizeof(prd));
	outl(0xc004, 0x1000);
	outb(0xc000, BM_START | BM_TO_MEMORY);		/* start first, then the command */
	ata_cmd(0xc8, 4, 2);
	assert_int_equal(inb(0xc002), BM_INT | BM_ERROR);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_ERR);
}

static void test_atapi_signature(void **state)
{
	(void)state;
	outb(0x176, 0xa0);
	outb(0x177, 0xec);				/* IDENTIFY DEVICE: not for ATAPI */
	assert_int_equal(inb(0x177), ST_DRDY | ST_ERR);
	assert_int_equal(inb(0x174), 0x14);
	assert_int_equal(inb(0x175), 0xeb);
	outb(0x176, 0xb0);				/* the absent slave reads as nothing */
	assert_int_equal(inb(0x177), 0);
}

/* Send a 12-byte packet to the secondary master with byte count limit. */
static void packet(const uint8_t cdb[12], uint16_t limit)
{
	outb(0x176, 0xa0);
	outb(0x171, 0);
	outb(0x174, (uint8_t)limit);
	outb(0x175, (uint8_t)(limit >> 8));
	outb(0x177, 0xa0);
	assert_int_equal(inb(0x177), ST_DRDY | ST_DSC | ST_DRQ);
	assert_int_equal(inb(0x172) & 3, IR_COD);
	outsw(0x170, cdb, 12);
}

static uint16_t byte_count(void)
{
	return (uint16_t)(inb(0x174) | inb(0x175) << 8);
}

static void test_atapi_read_in_chunks(void **state)
{
	static const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 3 };	/* sectors 1-3 */
	uint8_t buf[3 * CD_SECTOR];

	(void)state;
	packet(read10, CD_SECTOR);			/* SeaBIOS asks for one sector per DRQ */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(inb(0x177), ST_DRDY | ST_DSC | ST_DRQ);
		assert_int_equal(inb(0x172) & 3, IR_IO);
		assert_int_equal(byte_count(), CD_SECTOR);
		insw(0x170, buf + i * CD_SECTOR, CD_SECTOR);
	}
	expect_sectors(buf, 1, 3, CD_SECTOR);
	assert_int_equal(inb(0x177), ST_DRDY | ST_DSC);
	assert_int_equal(inb(0x172) & 3, IR_IO | IR_COD);
	assert_int_equal(reads_seen, 1);

	packet(read10, 0xfffe);				/* Linux allows 64 KiB: one chunk, one pread */
	assert_int_equal(byte_count(), 3 * CD_SECTOR);
	insw(0x170, buf, sizeof(buf));
	expect_sectors(buf, 1, 3, CD_SECTOR);
	assert_int_equal(inb(0x177), ST_DRDY | ST_DSC);
}

static void request_sense(uint8_t *key, uint8_t *asc)
{
	static const uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
	uint8_t s[18];

	packet(rs, 18);
	assert_int_equal(byte_count(), 18);
	insw(0x170, s, 18);
	*key = s[2];
	*asc = s[12];
}

static void test_atapi_errors_and_sense(void **state)
{
	static const uint8_t bad[12] = { 0xff };
	static const uint8_t past_end[12] = { 0x28, 0, 0, 0, 0, 15, 0, 0, 2 };	/* sectors 15-16 of 16 */
	uint8_t key, asc;

	(void)state;
	packet(bad, 2048);
	assert_int_equal(inb(0x177), ST_DRDY | ST_ERR);
	assert_int_equal(inb(0x171), 0x05 << 4);	/* ILLEGAL REQUEST */
	request_sense(&key, &asc);
	assert_int_equal(key, 0x05);
	assert_int_equal(asc, 0x20);			/* invalid command operation code */
	packet(past_end, 2048);
	request_sense(&key, &asc);
	assert_int_equal(asc, 0x21);			/* logical block address out of range */
	request_sense(&key, &asc);			/* sense is cleared once read */
	assert_int_equal(key, 0);
}

static void test_atapi_capacity_and_toc(void **state)
{
	static const uint8_t cap[12] = { 0x25 };
	static const uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 20 };
	static const uint8_t toc_msf[12] = { 0x43, 2, 0, 0, 0, 0, 0xaa, 0, 12 };
	static const uint8_t want_toc[20] = { 0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0,
					      0, 0x16, 0xaa, 0, 0, 0, 0, 16 };
	/* The lead-out at sector 16 is 00:02:16 (150 frames of lead-in first). */
	static const uint8_t want_msf[12] = { 0, 10, 1, 1, 0, 0x16, 0xaa, 0, 0, 0, 2, 16 };
	uint8_t b[20];

	(void)state;
	packet(cap, 8);
	insw(0x170, b, 8);
	assert_memory_equal(b, ((uint8_t[]){ 0, 0, 0, 15, 0, 0, 8, 0 }), 8);
	packet(toc, 20);
	assert_int_equal(byte_count(), 20);
	insw(0x170, b, 20);
	assert_memory_equal(b, want_toc, 20);
	packet(toc_msf, 12);
	insw(0x170, b, 12);
	assert_memory_equal(b, want_msf, 12);
}

static void test_atapi_dma(void **state)
{
	static const uint8_t read12[12] = { 0xa8, 0, 0, 0, 0, 2, 0, 0, 0, 2 };	/* sectors 2-3 */
	uint32_t prd[2] = { 0x40000, (2 * CD_SECTOR) | 0x80000000u };

	(void)state;
	memcpy(vm.ram + 0x1000, prd, sizeof(prd));
	outl(0xc00c, 0x1000);
	outb(0x171, 1);					/* the packet's data by DMA */
	outb(0x176, 0xa0);
	outb(0x177, 0xa0);
	outsw(0x170, read12, 12);
	outb(0xc008, BM_START | BM_TO_MEMORY);
	expect_sectors(vm.ram + 0x40000, 2, 2, CD_SECTOR);
	assert_int_equal(inb(0xc00a), BM_INT);
	assert_int_equal(inb(0x177), ST_DRDY | ST_DSC);
	assert_int_equal(inb(0x172) & 3, IR_IO | IR_COD);
}

static void test_soft_reset(void **state)
{
	(void)state;
	ata_cmd(0x20, 1, 1);				/* leave a transfer hanging */
	outb(0x3f6, CTL_SRST);
	assert_int_equal(inb(0x3f6), ST_BSY | ST_DSC);
	outb(0x3f6, 0);
	assert_int_equal(inb(0x1f7), ST_DRDY | ST_DSC);	/* no DRQ: the transfer is gone */
	assert_int_equal(inb(0x1f2), 1);		/* the ATA signature */
	assert_int_equal(inb(0x1f3), 1);
	assert_int_equal(inb(0x1f4), 0);
	assert_int_equal(inb(0x1f1), 0x01);
	outb(0x376, CTL_SRST);
	outb(0x376, 0);
	assert_int_equal(inb(0x177), 0);		/* ATAPI: no DRDY after a reset */
	assert_int_equal(inb(0x174), 0x14);
}

static void test_overlay_partial_write(void **state)
{
	uint8_t b[16] = { 0 };
	char err[64];
	struct disk d;

	(void)state;
	assert_int_equal(disk__init(&d, hd_fd, false, err, sizeof(err)), 0);
	memset(b, 0xee, sizeof(b));
	assert_int_equal(disk__write(&d, b, 512 + 100, sizeof(b)), 0);	/* inside sector 1 */
	assert_int_equal(disk__read(&d, b, 512 + 99, 3), 0);
	assert_int_equal(b[0], pattern(512 + 99, 512));			/* the rest of the sector is the file's */
	assert_int_equal(b[1], 0xee);
	assert_int_equal(disk__read(&d, b, DISK_BYTES - 1, 2), -EINVAL);	/* past the end */
	assert_int_equal(disk__write(&d, b, DISK_BYTES, 1), -EINVAL);
	disk__exit(&d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ata_identify),
		T(test_ata_read_spans_blocks),
		T(test_ata_read_multiple),
		T(test_ata_bad_requests),
		T(test_ata_write_goes_to_overlay),
		cmocka_unit_test_setup_teardown(test_ata_write_reaches_file, setup_writable, teardown),
		T(test_ata_dma_read),
		T(test_ata_dma_table_too_short),
		T(test_atapi_signature),
		T(test_atapi_read_in_chunks),
		T(test_atapi_errors_and_sense),
		T(test_atapi_capacity_and_toc),
		T(test_atapi_dma),
		T(test_soft_reset),
		T(test_overlay_partial_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
