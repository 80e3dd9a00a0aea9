/*
 * Unit tests of the guest loaders (Multiboot ELF and a.out kludge, raw) and
 * the memory map they place things in. Images are built here, byte by byte,
 * and loaded into a VM that has memory but no KVM.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/firmware.h"
#include "boot/linux_boot.h"
#include "boot/loader.h"
#include "boot/multiboot.h"
#include "core/vm.h"

#define RAM (16 * MiB)

static struct vm vm;
static char err[512];
static uint8_t img[64 * 1024];

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	vm.ram_size = RAM;
	vm.ram = malloc(RAM);
	vm.rom = calloc(1, ROM_SIZE);
	memset(vm.ram, 0xaa, RAM);	/* so a missed zero fill shows */
	memmap__init(&vm.map, RAM);
	assert_int_equal(memmap__claim(&vm.map, 0, 0x500, "interrupt vector table and BIOS data area",
				       err, sizeof(err)), 0);
	memset(img, 0, sizeof(img));
	err[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm.ram);
	free(vm.rom);
	return 0;
}

static void mb_header(uint8_t *p, uint32_t flags)
{
	put_le32(p, MB_HEADER_MAGIC);
	put_le32(p + 4, flags);
	put_le32(p + 8, (uint32_t)-(MB_HEADER_MAGIC + flags));
}

struct seg {
	uint32_t paddr, vaddr, offset, filesz, memsz;
};

/* An ELF32 i386 executable: header, program headers at 52, data where the segments say. */
static size_t make_elf(const struct seg *segs, int n, uint32_t entry, uint32_t mbflags)
{
	Elf32_Ehdr eh = { 0 };
	size_t size = 0;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = (uint16_t)n;
	memcpy(img, &eh, sizeof(eh));
	for (int i = 0; i < n; i++) {
		Elf32_Phdr ph = { .p_type = PT_LOAD, .p_offset = segs[i].offset, .p_vaddr = segs[i].vaddr,
				  .p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
				  .p_memsz = segs[i].memsz, .p_flags = PF_R | PF_X, .p_align = 4096 };

		memcpy(img + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		for (uint32_t b = 0; b < segs[i].filesz; b++)
			img[segs[i].offset + b] = (uint8_t)(b * 7 + i + 1);
		size = MAX(size, (size_t)segs[i].offset + segs[i].filesz);
	}
	mb_header(img + segs[0].offset, mbflags);
	return size;
}

static int load(size_t size, const char *cmdline, struct mb_module *mods, int nr)
{
	struct file_buf f = { .path = "kernel.elf", .data = img, .size = size };

	return multiboot__load(&vm, &f, cmdline, mods, nr, err, sizeof(err));
}

static uint32_t rd32(uint64_t gpa) { return get_le32(vm.ram + gpa); }

static void test_elf_and_boot_information(void **state)
{
	struct seg s = { 0x100000, 0x100000, 0x100, 0x200, 0x1000 };
	uint8_t m1[10], m2[5000];
	struct mb_module mods[2] = {
		{ { "m1", m1, sizeof(m1) }, "m1 first" },
		{ { "m2", m2, sizeof(m2) }, "m2" },
	};
	size_t size = make_elf(&s, 1, 0x100010, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
	uint32_t mbi, mods_addr, mmap, mmap_len;

	(void)state;
	memset(m1, 0x11, sizeof(m1));
	memset(m2, 0x22, sizeof(m2));
	assert_int_equal(load(size, "kernel.elf console=ttyS0", mods, 2), 0);

	/* The segment, and its bss zeroed. */
	assert_memory_equal(vm.ram + 0x100000, img + 0x100, 0x200);
	for (uint32_t i = 0x200; i < 0x1000; i++)
		assert_int_equal(vm.ram[0x100000 + i], 0);
	assert_int_equal(vm.ram[0x101000 + sizeof(m1)], 0xaa);	/* module 1 ends where it says */

	/* The firmware enters at e_entry with the Multiboot registers. */
	assert_int_equal(get_le32(vm.rom + FW_HO_MODE), FW_MODE_PM32);
	assert_int_equal(get_le32(vm.rom + FW_HO_ENTRY), 0x100010);
	assert_int_equal(get_le32(vm.rom + FW_HO_EAX), MB_BOOTLOADER_MAGIC);
	mbi = get_le32(vm.rom + FW_HO_EBX);
	assert_true(mbi >= 0x8000 && mbi < EBDA_BASE);

	assert_int_equal(rd32(mbi + MBI_FLAGS), MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
						MB_INFO_MEM_MAP | MB_INFO_LOADER_NAME);
	assert_int_equal(rd32(mbi + MBI_MEM_LOWER), 639);
	assert_int_equal(rd32(mbi + MBI_MEM_UPPER), (RAM - MiB) / KiB);
	assert_string_equal((char *)vm.ram + rd32(mbi + MBI_CMDLINE), "kernel.elf console=ttyS0");
	assert_string_equal((char *)vm.ram + rd32(mbi + MBI_LOADER_NAME), "bootscope " VERSION);

	/* Modules: page aligned after the kernel, intact, with their strings. */
	assert_int_equal(rd32(mbi + MBI_MODS_COUNT), 2);
	mods_addr = rd32(mbi + MBI_MODS_ADDR);
	assert_int_equal(rd32(mods_addr), 0x101000);
	assert_int_equal(rd32(mods_addr + 4), 0x101000 + sizeof(m1));
	assert_string_equal((char *)vm.ram + rd32(mods_addr + 8), "m1 first");
	assert_int_equal(rd32(mods_addr + 16), 0x102000);
	assert_int_equal(rd32(mods_addr + 20), 0x102000 + sizeof(m2));
	assert_string_equal((char *)vm.ram + rd32(mods_addr + 24), "m2");
	assert_memory_equal(vm.ram + 0x101000, m1, sizeof(m1));
	assert_memory_equal(vm.ram + 0x102000, m2, sizeof(m2));

	/* The memory map is the machine's e820 table. */
	mmap = rd32(mbi + MBI_MMAP_ADDR);
	mmap_len = rd32(mbi + MBI_MMAP_LENGTH);
	assert_int_equal(mmap_len, (uint32_t)vm.map.nr_e820 * MB_MMAP_ENTRY_SIZE);
	assert_int_equal(rd32(mmap), 20);
	assert_int_equal(rd32(mmap + 4), 0);		/* base low */
	assert_int_equal(rd32(mmap + 12), 0x9fc00);	/* length low */
	assert_int_equal(rd32(mmap + 20), E820_RAM);
	assert_int_equal(rd32(mmap + 3 * 24 + 4), 0x100000);
	assert_int_equal(rd32(mmap + 3 * 24 + 12), RAM - MiB);
	assert_int_equal(rd32(mmap + 3 * 24 + 20), E820_RAM);
	assert_string_equal(vm.boot_kind, "multiboot");
}

static void test_elf_higher_half_entry(void **state)
{
	struct seg s = { 0x200000, 0xc0200000, 0x100, 0x100, 0x100 };
	size_t size = make_elf(&s, 1, 0xc0200020, 0);

	(void)state;
	assert_int_equal(load(size, "k", NULL, 0), 0);
	assert_int_equal(get_le32(vm.rom + FW_HO_ENTRY), 0x200020);
	assert_memory_equal(vm.ram + 0x200000, img + 0x100, 0x100);
}

static void test_aout_kludge(void **state)
{
	uint8_t *h = img + 0x40;
	struct file_buf f = { .path = "aout.bin", .data = img, .size = 0x300 };

	(void)state;
	/* The file is loaded from its start at 0x300000; the header sits at offset 0x40. */
	mb_header(h, MB_HF_AOUT_KLUDGE);
	put_le32(h + 12, 0x300040);	/* header_addr */
	put_le32(h + 16, 0x300000);	/* load_addr */
	put_le32(h + 20, 0x300200);	/* load_end_addr */
	put_le32(h + 24, 0x301000);	/* bss_end_addr */
	put_le32(h + 28, 0x300100);	/* entry_addr */
	memset(img + 0x100, 0x90, 0x100);
	memset(img + 0x200, 0x77, 0x100);	/* past load_end: must not be loaded */
	assert_int_equal(multiboot__load(&vm, &f, "aout.bin", NULL, 0, err, sizeof(err)), 0);
	assert_memory_equal(vm.ram + 0x300000, img, 0x200);
	for (uint32_t i = 0x200; i < 0x1000; i++)
		assert_int_equal(vm.ram[0x300000 + i], 0);
	assert_int_equal(get_le32(vm.rom + FW_HO_ENTRY), 0x300100);
}

static void expect_error(int rc, const char *what)
{
	assert_int_equal(rc, -22);
	if (!strstr(err, what))
		fail_msg("error '%s' does not say '%s'", err, what);
}

static void test_elf_errors(void **state)
{
	struct seg s = { 0x100000, 0x100000, 0x100, 0x200, 0x200 };
	struct seg two[2] = { { 0x100000, 0x100000, 0x100, 0x200, 0x1000 },
			      { 0x100800, 0x100800, 0x300, 0x10, 0x10 } };
	size_t size;

	(void)state;
	size = make_elf(&s, 1, 0x100000, 0);
	img[0x100] ^= 1;			/* magic broken */
	expect_error(load(size, "k", NULL, 0), "no Multiboot header");

	size = make_elf(&s, 1, 0x100000, 0);
	put_le32(img + 0x108, 0);		/* checksum broken */
	expect_error(load(size, "k", NULL, 0), "no Multiboot header");

	size = make_elf(&s, 1, 0x100000, 1u << 3);
	expect_error(load(size, "k", NULL, 0), "requires features bootscope does not know (flags 0x8)");

	size = make_elf(&s, 1, 0x100000, 0);
	img[EI_CLASS] = ELFCLASS64;
	expect_error(load(size, "k", NULL, 0), "ELF64");

	size = make_elf(&s, 1, 0x100000, 0);
	expect_error(load(size - 1, "k", NULL, 0), "truncated: ELF segment 0");

	size = make_elf(&s, 1, 0x100000, 0);
	img[EI_DATA] = ELFDATA2MSB;
	expect_error(load(size, "k", NULL, 0), "not a little-endian i386 ELF executable");

	size = make_elf(&s, 1, 0x500000, 0);
	expect_error(load(size, "k", NULL, 0), "ELF entry point 0x500000 lies in no loaded segment");

	size = make_elf(&s, 1, 0x100000, 0);
	put_le32(img + offsetof(Elf32_Ehdr, e_phoff), 0xfffffff0);
	expect_error(load(size, "k", NULL, 0), "program headers");

	size = make_elf(two, 2, 0x100000, 0);
	expect_error(load(size, "k", NULL, 0), "overlaps kernel kernel.elf segment 0");
}

static void test_elf_placement_errors(void **state)
{
	struct seg beyond = { RAM - 0x100, RAM - 0x100, 0x100, 0x200, 0x200 };
	struct seg hole = { 0xa0000, 0xa0000, 0x100, 0x200, 0x200 };
	struct seg ivt = { 0x0, 0x0, 0x100, 0x200, 0x200 };
	struct seg huge = { 0x100000, 0x100000, 0x100, 0x200, 0xfff00000 };
	size_t size;

	(void)state;
	size = make_elf(&beyond, 1, RAM - 0x100, 0);
	expect_error(load(size, "k", NULL, 0), "is not in guest RAM");
	size = make_elf(&hole, 1, 0xa0000, 0);
	expect_error(load(size, "k", NULL, 0), "at 0xa0000-0xa01ff is not in guest RAM");
	size = make_elf(&ivt, 1, 0x0, 0);
	expect_error(load(size, "k", NULL, 0), "overlaps interrupt vector table and BIOS data area");
	size = make_elf(&huge, 1, 0x100000, 0);
	expect_error(load(size, "k", NULL, 0), "is not in guest RAM");
}

static void test_module_and_cmdline_errors(void **state)
{
	struct seg s = { 0x100000, 0x100000, 0x100, 0x200, 0x200 };
	size_t size = make_elf(&s, 1, 0x100000, 0), n = 300 * KiB;
	uint8_t *big = calloc(1, RAM);
	char *cmdline = malloc(n + 1);
	struct mb_module mod = { { "big.mod", big, RAM - MiB }, "big.mod" };

	(void)state;
	expect_error(load(size, "k", &mod, 1), "big.mod: module 1");
	assert_non_null(strstr(err, "does not fit in guest RAM"));
	teardown(NULL);
	setup(NULL);
	size = make_elf(&s, 1, 0x100000, 0);
	memset(cmdline, 'c', n);
	cmdline[n] = '\0';
	expect_error(load(size, cmdline, NULL, 0), "command lines too long");
	free(big);
	free(cmdline);
}

static void test_aout_errors(void **state)
{
	uint8_t *h = img;
	struct file_buf f = { .path = "aout.bin", .data = img, .size = 0x300 };

	(void)state;
	mb_header(h, MB_HF_AOUT_KLUDGE);
	put_le32(h + 12, 0x300000);
	put_le32(h + 16, 0x300000);
	put_le32(h + 20, 0x300000);	/* load_end == load_addr */
	put_le32(h + 24, 0);
	put_le32(h + 28, 0x300000);
	expect_error(multiboot__load(&vm, &f, "a", NULL, 0, err, sizeof(err)), "load_end_addr 0x300000 is not above");
	put_le32(h + 20, 0x301000);	/* beyond the file */
	expect_error(multiboot__load(&vm, &f, "a", NULL, 0, err, sizeof(err)), "truncated: Multiboot load range");
	put_le32(h + 20, 0);
	put_le32(h + 28, 0x400000);	/* entry outside */
	expect_error(multiboot__load(&vm, &f, "a", NULL, 0, err, sizeof(err)), "entry_addr 0x400000 is outside");
	put_le32(h + 28, 0x300000);
	put_le32(h + 12, 0x300010);	/* header would lie before the file start */
	expect_error(multiboot__load(&vm, &f, "a", NULL, 0, err, sizeof(err)), "do not match the header's place");
	put_le32(h + 12, 0x300000);
	put_le32(h + 24, 0x300100);	/* bss end inside the image */
	expect_error(multiboot__load(&vm, &f, "a", NULL, 0, err, sizeof(err)), "bss_end_addr 0x300100 lies inside");
	f.size = 20;			/* header cut short */
	expect_error(multiboot__load(&vm, &f, "a", NULL, 0, err, sizeof(err)), "truncated Multiboot header");
}

static void test_raw(void **state)
{
	uint8_t sector[512];
	struct file_buf f = { .path = "boot.bin", .data = sector, .size = sizeof(sector) };

	(void)state;
	memset(sector, 0x5a, sizeof(sector));
	assert_int_equal(raw__load(&vm, &f, RAW_DEFAULT_ADDR, err, sizeof(err)), 0);
	assert_memory_equal(vm.ram + 0x7c00, sector, sizeof(sector));
	assert_int_equal(get_le32(vm.rom + FW_HO_MODE), FW_MODE_REAL);
	assert_int_equal(get_le32(vm.rom + FW_HO_ENTRY), 0x7c00);
	assert_int_equal(get_le32(vm.rom + FW_HO_EDX), 0x80);
	assert_int_equal(get_le32(vm.rom + FW_HO_ESP), 0x7c00);
}

static void test_raw_errors(void **state)
{
	static uint8_t big[700 * 1024];
	struct file_buf empty = { .path = "e.bin", .data = big, .size = 0 };
	struct file_buf f = { .path = "big.bin", .data = big, .size = sizeof(big) };
	struct file_buf edge = { .path = "edge.bin", .data = big, .size = 0x400 };

	(void)state;
	expect_error(raw__load(&vm, &empty, 0x7c00, err, sizeof(err)), "e.bin: empty file");
	expect_error(raw__load(&vm, &f, 0x7c00, err, sizeof(err)), "do not fit in conventional memory");
	expect_error(raw__load(&vm, &edge, 0x100, err, sizeof(err)), "1024 bytes at 0x100 do not fit");
	expect_error(raw__load(&vm, &edge, 0x9f801, err, sizeof(err)), "do not fit");
	assert_int_equal(raw__load(&vm, &edge, 0x9f800, err, sizeof(err)), 0);	/* ends at the EBDA */
}

/* The firmware's stack below 0x7c00 is not the image's to overwrite. */
static void test_raw_keeps_boot_stack_free(void **state)
{
	static uint8_t img7k[0x7000];
	struct file_buf f = { .path = "low.bin", .data = img7k, .size = sizeof(img7k) };

	(void)state;
	expect_error(raw__load(&vm, &f, 0x1000, err, sizeof(err)),
		     "raw image low.bin at 0x1000-0x7fff overlaps the boot stack below 0x7c00 at 0x7b00-0x7bff");
}

/* A bzImage: setup header, SETUP_SECTS sectors of setup, then 8 KiB of "kernel". */
static size_t make_bzimage(uint16_t version, uint8_t loadflags, uint32_t init_size, uint32_t initrd_max)
{
	const uint32_t setup_sects = 2, kernel = 8192;

	memset(img, 0, sizeof(img));
	img[LX_SETUP_SECTS] = setup_sects;
	put_le16(img + LX_BOOT_FLAG, 0xaa55);
	img[LX_JUMP] = 0xeb;
	img[LX_JUMP + 1] = 0x6a;			/* the header ends at 0x26c */
	put_le32(img + LX_HEADER, LX_HDR_MAGIC);
	put_le16(img + LX_VERSION, version);
	img[LX_LOADFLAGS] = loadflags;
	put_le32(img + LX_CODE32_START, 0x100000);
	put_le32(img + LX_INITRD_ADDR_MAX, initrd_max);
	put_le32(img + LX_KERNEL_ALIGNMENT, 0x200000);
	put_le32(img + LX_CMDLINE_SIZE, 255);
	put_le32(img + LX_INIT_SIZE, init_size);
	for (uint32_t i = 0; i < kernel; i++)
		img[(setup_sects + 1) * 512 + i] = (uint8_t)(i * 13 + 7);
	return (setup_sects + 1) * 512 + kernel;
}

static void test_linux(void **state)
{
	size_t size = make_bzimage(0x020f, LX_LOADED_HIGH, 0x40000, 0x7fffffff);
	static uint8_t rd[10000];
	struct file_buf k = { .path = "bzImage", .data = img, .size = size };
	struct file_buf initrd = { .path = "initrd", .data = rd, .size = sizeof(rd) };
	uint32_t bp, rd_at;
	const uint8_t *p;

	(void)state;
	memset(rd, 0x3c, sizeof(rd));
	assert_true(linux__detect(&k));
	assert_int_equal(linux__load(&vm, &k, "console=ttyS0 quiet", &initrd, err, sizeof(err)), 0);
	/* The protected-mode part at 1 MiB, zeroed up to init_size. */
	assert_memory_equal(vm.ram + 0x100000, img + 3 * 512, 8192);
	assert_int_equal(vm.ram[0x100000 + 8192], 0);
	assert_int_equal(vm.ram[0x100000 + 0x40000 - 1], 0);
	/* The protocol's 32-bit entry. */
	assert_int_equal(get_le32(vm.rom + FW_HO_MODE), FW_MODE_PM32);
	assert_int_equal(get_le32(vm.rom + FW_HO_ENTRY), 0x100000);
	assert_int_equal(get_le32(vm.rom + FW_HO_CS), FW_SEL_LINUX_CS);
	assert_int_equal(get_le32(vm.rom + FW_HO_DS), FW_SEL_DATA);
	assert_int_equal(get_le32(vm.rom + FW_HO_EBX) | get_le32(vm.rom + FW_HO_EDI) | get_le32(vm.rom + FW_HO_EBP), 0);
	bp = get_le32(vm.rom + FW_HO_ESI);
	assert_true(bp >= 0x10000 && bp + LX_BP_SIZE <= EBDA_BASE && bp % 4096 == 0);
	p = vm.ram + bp;
	/* The setup header copied, then filled in. */
	assert_int_equal(get_le32(p + LX_HEADER), LX_HDR_MAGIC);
	assert_int_equal(get_le16(p + LX_VERSION), 0x020f);
	assert_int_equal(p[LX_SETUP_SECTS], 2);
	assert_int_equal(get_le32(p + LX_KERNEL_ALIGNMENT), 0x200000);
	assert_int_equal(p[LX_TYPE_OF_LOADER], 0xff);
	assert_int_equal(p[LX_LOADFLAGS], LX_LOADED_HIGH | LX_CAN_USE_HEAP);
	assert_int_equal(get_le16(p + LX_HEAP_END_PTR), 0xfe00);
	assert_string_equal((char *)vm.ram + get_le32(p + LX_CMD_LINE_PTR), "console=ttyS0 quiet");
	/* The initrd: as high as RAM allows, page aligned, intact. */
	rd_at = get_le32(p + LX_RAMDISK_IMAGE);
	assert_int_equal(rd_at, (RAM - sizeof(rd)) & ~0xfffu);
	assert_int_equal(get_le32(p + LX_RAMDISK_SIZE), sizeof(rd));
	assert_memory_equal(vm.ram + rd_at, rd, sizeof(rd));
	/* e820 and the old memory size field. */
	assert_int_equal(p[LX_BP_E820_ENTRIES], vm.map.nr_e820);
	assert_int_equal(get_le32(p + LX_BP_E820_TABLE + 3 * 20), 0x100000);
	assert_int_equal(get_le32(p + LX_BP_E820_TABLE + 3 * 20 + 8), RAM - MiB);
	assert_int_equal(get_le32(p + LX_BP_ALT_MEM_K), (RAM - MiB) / KiB);
	assert_string_equal(vm.boot_kind, "linux");
}

static void test_linux_initrd_below_max(void **state)
{
	size_t size = make_bzimage(0x0206, LX_LOADED_HIGH, 0, 0x7fffff);
	static uint8_t rd[5000];
	struct file_buf k = { .path = "bzImage", .data = img, .size = size };
	struct file_buf initrd = { .path = "initrd", .data = rd, .size = sizeof(rd) };
	uint32_t bp;

	(void)state;
	assert_int_equal(linux__load(&vm, &k, "", &initrd, err, sizeof(err)), 0);
	bp = get_le32(vm.rom + FW_HO_ESI);
	assert_int_equal(get_le32(vm.ram + bp + LX_RAMDISK_IMAGE), (0x800000 - sizeof(rd)) & ~0xfffu);
}

/*
 * A relocatable kernel decompresses at pref_address (aligned): that room is
 * not free for the initrd, even when initrd_addr_max would allow it there.
 */
static void test_linux_runtime_area(void **state)
{
	size_t size = make_bzimage(0x020f, LX_LOADED_HIGH, 0x300000, 0xafffff);
	static uint8_t rd[10000];
	struct file_buf k = { .path = "bzImage", .data = img, .size = size };
	struct file_buf initrd = { .path = "initrd", .data = rd, .size = sizeof(rd) };
	uint32_t bp, at;

	(void)state;
	img[LX_RELOCATABLE] = 1;
	put_le32(img + LX_PREF_ADDRESS, 0x800000);	/* runtime start 8 MiB, 2 MiB aligned */
	assert_int_equal(linux__load(&vm, &k, "", &initrd, err, sizeof(err)), 0);
	bp = get_le32(vm.rom + FW_HO_ESI);
	at = get_le32(vm.ram + bp + LX_RAMDISK_IMAGE);
	assert_true(at + sizeof(rd) <= 0x800000);	/* below the 8-11 MiB decompression area */
	assert_true(at >= 0x100000 + 8192);
	/* A RAM that ends inside that area: what there is of it stays claimed. */
	teardown(NULL);
	setup(NULL);
	k.size = make_bzimage(0x020f, LX_LOADED_HIGH, 0x300000, 0xafffff);
	img[LX_RELOCATABLE] = 1;
	put_le32(img + LX_PREF_ADDRESS, 0x800000);
	vm.ram_size = 10 * MiB;
	memmap__init(&vm.map, 10 * MiB);
	assert_int_equal(linux__load(&vm, &k, "", NULL, err, sizeof(err)), 0);
	assert_int_equal(memmap__find_free(&vm.map, 0x800000, 4096, 4096, 10 * MiB), 0);
}

static void test_linux_errors(void **state)
{
	static uint8_t big[15 * 1024 * 1024];
	struct file_buf k = { .path = "bzImage", .data = img, .size = 0 };
	struct file_buf initrd = { .path = "huge", .data = big, .size = sizeof(big) };
	char cmd[300];

	(void)state;
	k.size = make_bzimage(0x0205, LX_LOADED_HIGH, 0, 0x7fffffff);
	expect_error(linux__load(&vm, &k, "", NULL, err, sizeof(err)), "bzImage: Linux boot protocol 2.05 is older than 2.06");
	k.size = make_bzimage(0x020f, 0, 0, 0x7fffffff);
	expect_error(linux__load(&vm, &k, "", NULL, err, sizeof(err)), "bzImage: a zImage (loaded below 1 MiB)");
	make_bzimage(0x020f, LX_LOADED_HIGH, 0, 0x7fffffff);
	k.size = 3 * 512;
	expect_error(linux__load(&vm, &k, "", NULL, err, sizeof(err)), "bzImage: truncated: the setup code needs 1536 bytes, the file has 1536");
	k.size = make_bzimage(0x020f, LX_LOADED_HIGH, 0, 0x7fffffff);
	memset(cmd, 'x', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	expect_error(linux__load(&vm, &k, cmd, NULL, err, sizeof(err)), "bzImage: the command line is 299 bytes; this kernel takes at most 255");
	expect_error(linux__load(&vm, &k, "", &initrd, err, sizeof(err)),
		     "huge: initrd of 15728640 bytes does not fit in guest RAM below the kernel's initrd_addr_max 0x7fffffff (-m 16M)");
	k.size = 600;	/* the magic fits, the header does not */
	expect_error(linux__load(&vm, &k, "", NULL, err, sizeof(err)), "bzImage: truncated: 600 bytes cannot hold a Linux setup header");
	img[LX_HEADER] = 'X';
	assert_false(linux__detect(&k));
	expect_error(linux__load(&vm, &k, "", NULL, err, sizeof(err)), "bzImage: not a Linux bzImage (no HdrS setup header)");
}

static void test_memmap(void **state)
{
	struct memmap m;

	(void)state;
	memmap__init(&m, 1 * MiB);
	assert_int_equal(m.nr_e820, 5);		/* no RAM above 1 MiB */
	assert_int_equal(memmap__ext_kb(&m), 0);
	memmap__init(&m, 64 * MiB);
	assert_true(memmap__is_ram(&m, 0x100000, 63 * MiB));
	assert_false(memmap__is_ram(&m, 0x100000, 63 * MiB + 1));
	assert_false(memmap__is_ram(&m, 0x9fc00, 1));
	assert_true(memmap__is_ram(&m, 0x9fbff, 1));
	assert_int_equal(memmap__claim(&m, 0x100000, 0x2000, "a", err, sizeof(err)), 0);
	assert_int_equal(memmap__find_free(&m, 0x100000, 0x1000, 0x1000, 64 * MiB), 0x102000);
	/* From low memory, a request too big for it skips the hole. */
	assert_int_equal(memmap__find_free(&m, 0x90000, 0x20000, 0x1000, 64 * MiB), 0x102000);
	assert_int_equal(memmap__find_free(&m, 0x100000, 64 * MiB, 0x1000, 64 * MiB), 0);
	assert_int_equal(memmap__ext_kb(&m), 63 * 1024);
}

static void test_parse(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("256M", &v), 0);
	assert_int_equal(v, 256 * MiB);
	assert_int_equal(parse_size("3.5G", &v), 0);
	assert_int_equal(v, 3584 * MiB);
	assert_int_equal(parse_size("16", &v), 0);
	assert_int_equal(v, 16 * MiB);
	assert_int_equal(parse_size("65536K", &v), 0);
	assert_int_equal(v, 64 * MiB);
	assert_int_equal(parse_size("1GiB", &v), 0);
	assert_int_equal(v, GiB);
	assert_int_not_equal(parse_size("", &v), 0);
	assert_int_not_equal(parse_size("-1M", &v), 0);
	assert_int_not_equal(parse_size("12X", &v), 0);
	assert_int_not_equal(parse_size("1.0000001K", &v), 0);
	assert_int_not_equal(parse_size("nan", &v), 0);
	assert_int_equal(parse_u64("0x7c00", &v), 0);
	assert_int_equal(v, 0x7c00);
	assert_int_not_equal(parse_u64("12abc", &v), 0);
	assert_int_not_equal(parse_u64("-5", &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_elf_and_boot_information, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_higher_half_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_kludge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_placement_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_and_cmdline_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aout_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_keeps_boot_stack_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_initrd_below_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_runtime_area, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memmap, setup, teardown),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
