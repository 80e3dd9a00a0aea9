/*
 * multiboot.c - Multiboot (version 1) kernels, their modules and the boot
 * information structure, as the Multiboot Specification 0.6.96 states.
 *
 * Layout: kernel segments where the image asks; modules after the kernel,
 * each page aligned; the information block (the structure, memory map,
 * module list and strings) in conventional memory from 0x8000. Every piece
 * is claimed in the memory map, so any overlap is an error naming both.
 * The firmware enters the kernel in flat 32-bit protected mode with
 * EAX = 0x2BADB002 and EBX = the information block.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/firmware.h"
#include "boot/loader.h"
#include "boot/multiboot.h"
#include "core/vm.h"

#define MBI_LOW_MIN 0x8000
#define MBI_MAX_SIZE (256 * KiB)
#define BOOT_STACK 0x7c00

struct mb_header {
	uint32_t offset;	/* in the file */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

static bool find_header(const struct file_buf *f, struct mb_header *h)
{
	size_t limit = MIN(f->size, (size_t)MB_SEARCH);

	for (size_t off = 0; off + 12 <= limit; off += 4) {
		const uint8_t *p = f->data + off;
		uint32_t magic = get_le32(p), flags = get_le32(p + 4), sum = get_le32(p + 8);

		if (magic != MB_HEADER_MAGIC || (uint32_t)(magic + flags + sum) != 0)
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = (uint32_t)off;
		h->flags = flags;
		if ((flags & MB_HF_AOUT_KLUDGE) && off + 32 <= f->size) {
			h->header_addr = get_le32(p + 12);
			h->load_addr = get_le32(p + 16);
			h->load_end_addr = get_le32(p + 20);
			h->bss_end_addr = get_le32(p + 24);
			h->entry_addr = get_le32(p + 28);
		}
		return true;
	}
	return false;
}

bool multiboot__detect(const struct file_buf *f)
{
	struct mb_header h;

	return find_header(f, &h);
}

struct loaded {
	uint64_t end;		/* highest byte loaded + 1 */
	uint32_t entry;
};

static int place(struct vm *vm, uint64_t addr, const uint8_t *src, uint64_t filesz,
		 uint64_t memsz, const char *what, char *err, size_t errlen)
{
	int rc = memmap__claim(&vm->map, addr, memsz, what, err, errlen);

	if (rc)
		return rc;
	memcpy(vm->ram + addr, src, filesz);
	memset(vm->ram + addr + filesz, 0, memsz - filesz);
	return 0;
}

static int load_aout(struct vm *vm, const struct file_buf *f, const struct mb_header *h,
		     struct loaded *out, char *err, size_t errlen)
{
	uint64_t file_off, load_len, mem_len;
	char what[300];

	if (f->size < h->offset + 32u) {
		snprintf(err, errlen, "%s: truncated Multiboot header (a.out kludge fields missing)", f->path);
		return -EINVAL;
	}
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > h->offset) {
		snprintf(err, errlen, "%s: Multiboot header_addr 0x%x and load_addr 0x%x do not match the header's place in the file",
			 f->path, h->header_addr, h->load_addr);
		return -EINVAL;
	}
	file_off = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr == 0) {
		load_len = f->size - file_off;
	} else if (h->load_end_addr <= h->load_addr) {
		snprintf(err, errlen, "%s: Multiboot load_end_addr 0x%x is not above load_addr 0x%x",
			 f->path, h->load_end_addr, h->load_addr);
		return -EINVAL;
	} else {
		load_len = (uint64_t)h->load_end_addr - h->load_addr;
		if (load_len > f->size - file_off) {
			snprintf(err, errlen, "%s: truncated: Multiboot load range needs %llu bytes from offset %llu, the file has %zu",
				 f->path, (unsigned long long)load_len, (unsigned long long)file_off, f->size);
			return -EINVAL;
		}
	}
	mem_len = load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + load_len) {
			snprintf(err, errlen, "%s: Multiboot bss_end_addr 0x%x lies inside the loaded image",
				 f->path, h->bss_end_addr);
			return -EINVAL;
		}
		mem_len = (uint64_t)h->bss_end_addr - h->load_addr;
	}
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= mem_len) {
		snprintf(err, errlen, "%s: Multiboot entry_addr 0x%x is outside the loaded image 0x%x-0x%llx",
			 f->path, h->entry_addr, h->load_addr,
			 (unsigned long long)(h->load_addr + mem_len - 1));
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "kernel %s", f->path);
	if (place(vm, h->load_addr, f->data + file_off, load_len, mem_len, what, err, errlen))
		return -EINVAL;
	out->end = h->load_addr + mem_len;
	out->entry = h->entry_addr;
	return 0;
}

static int load_elf(struct vm *vm, const struct file_buf *f, struct loaded *out, char *err,
		    size_t errlen)
{
	const Elf32_Ehdr *eh = (const Elf32_Ehdr *)f->data;
	Elf32_Ehdr e;
	bool entry_found = false;

	if (f->size < EI_NIDENT || memcmp(f->data, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "%s: Multiboot kernel is neither ELF nor has a.out kludge address fields (header flag 16)", f->path);
		return -EINVAL;
	}
	if (f->data[EI_CLASS] != ELFCLASS32) {
		snprintf(err, errlen, "%s: ELF64 kernel without the a.out kludge; Multiboot 1 loads ELF32 only", f->path);
		return -EINVAL;
	}
	if (f->size < sizeof(Elf32_Ehdr)) {
		snprintf(err, errlen, "%s: truncated ELF header", f->path);
		return -EINVAL;
	}
	memcpy(&e, eh, sizeof(e));
	if (f->data[EI_DATA] != ELFDATA2LSB || e.e_machine != EM_386 || e.e_type != ET_EXEC) {
		snprintf(err, errlen, "%s: not a little-endian i386 ELF executable (machine %u, type %u)",
			 f->path, e.e_machine, e.e_type);
		return -EINVAL;
	}
	if (e.e_phnum == 0 || e.e_phentsize < sizeof(Elf32_Phdr) ||
	    e.e_phoff > f->size || (uint64_t)e.e_phnum * e.e_phentsize > f->size - e.e_phoff) {
		snprintf(err, errlen, "%s: ELF program headers (%u at offset %u) lie outside the file",
			 f->path, e.e_phnum, e.e_phoff);
		return -EINVAL;
	}
	out->end = 0;
	for (unsigned i = 0; i < e.e_phnum; i++) {
		Elf32_Phdr ph;
		char what[300];

		memcpy(&ph, f->data + e.e_phoff + (size_t)i * e.e_phentsize, sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > f->size || ph.p_filesz > f->size - ph.p_offset) {
			snprintf(err, errlen, "%s: truncated: ELF segment %u needs bytes %u-%llu of the file, which has %zu",
				 f->path, i, ph.p_offset, (unsigned long long)ph.p_offset + ph.p_filesz, f->size);
			return -EINVAL;
		}
		snprintf(what, sizeof(what), "kernel %s segment %u", f->path, i);
		if (place(vm, ph.p_paddr, f->data + ph.p_offset, ph.p_filesz, ph.p_memsz, what, err, errlen))
			return -EINVAL;
		out->end = MAX(out->end, (uint64_t)ph.p_paddr + ph.p_memsz);
		/* Paging is off at entry: a higher-half entry point is translated through its segment. */
		if (!entry_found && e.e_entry >= ph.p_vaddr && e.e_entry - ph.p_vaddr < ph.p_memsz) {
			out->entry = e.e_entry - ph.p_vaddr + ph.p_paddr;
			entry_found = true;
		}
	}
	if (!out->end) {
		snprintf(err, errlen, "%s: ELF file has no loadable segment", f->path);
		return -EINVAL;
	}
	if (!entry_found) {
		snprintf(err, errlen, "%s: ELF entry point 0x%x lies in no loaded segment", f->path, e.e_entry);
		return -EINVAL;
	}
	return 0;
}

/* The information block is built in a local buffer, then copied in once placed. */
struct mbi_builder {
	uint8_t buf[MBI_MAX_SIZE];
	uint32_t len;
	uint32_t base;		/* guest address of buf[0], known only at the end */
	bool overflow;
};

static uint32_t mbi_alloc(struct mbi_builder *b, uint32_t size)
{
	uint32_t off = (uint32_t)ALIGN_UP(b->len, 4);

	if (size > MBI_MAX_SIZE || off > MBI_MAX_SIZE - size) {
		b->overflow = true;
		return 0;
	}
	b->len = off + size;
	return off;
}

static uint32_t mbi_string(struct mbi_builder *b, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1, off = mbi_alloc(b, n);

	if (!b->overflow)
		memcpy(b->buf + off, s, n);
	return off;
}

int multiboot__load(struct vm *vm, const struct file_buf *kernel, const char *cmdline,
		    struct mb_module *mods, int nr_mods, char *err, size_t errlen)
{
	static struct mbi_builder b;
	const struct memmap *map = &vm->map;
	struct mb_header h;
	struct loaded k;
	uint32_t mods_off, mmap_off, cmdline_off, name_off, mod_str[MAX_MODULES];
	uint64_t next, mbi_addr;
	struct fw_entry e;
	int rc;

	if (!find_header(kernel, &h)) {
		snprintf(err, errlen, "%s: no Multiboot header (magic 0x1BADB002 with a valid checksum) in the first 8 KiB", kernel->path);
		return -EINVAL;
	}
	if (h.flags & 0xffff & ~MB_HF_KNOWN_REQUIRED) {
		snprintf(err, errlen, "%s: Multiboot header requires features bootscope does not know (flags 0x%x)",
			 kernel->path, h.flags & 0xffff & ~MB_HF_KNOWN_REQUIRED);
		return -EINVAL;
	}
	/* As QEMU does: there is no display, so a video mode request is ignored, with a word. */
	if (h.flags & MB_HF_VIDEO_MODE)
		fprintf(stderr, "bootscope: warning: %s asks for a video mode; there is no display, the request is ignored\n",
			kernel->path);
	if (nr_mods > MAX_MODULES) {
		snprintf(err, errlen, "too many modules (%d, at most %d)", nr_mods, MAX_MODULES);
		return -EINVAL;
	}
	rc = (h.flags & MB_HF_AOUT_KLUDGE) ? load_aout(vm, kernel, &h, &k, err, errlen)
					   : load_elf(vm, kernel, &k, err, errlen);
	if (rc)
		return rc;

	/* Modules: page aligned, in order, after the kernel. */
	memset(&b, 0, sizeof(b));
	mods_off = mbi_alloc(&b, MB_MOD_SIZE * (uint32_t)nr_mods);
	next = ALIGN_UP(MAX(k.end, HIGH_RAM_BASE), 4096);
	for (int i = 0; i < nr_mods; i++) {
		const struct file_buf *f = &mods[i].file;
		uint64_t size = MAX(f->size, 1), at;
		char what[300];
		uint8_t *ent = b.buf + mods_off + MB_MOD_SIZE * i;

		at = memmap__find_free(map, next, size, 4096, vm->ram_size);
		if (!at) {
			snprintf(err, errlen, "%s: module %d (%zu bytes) does not fit in guest RAM after 0x%llx (-m %lluM)",
				 f->path, i + 1, f->size, (unsigned long long)next,
				 (unsigned long long)(vm->ram_size / MiB));
			return -EINVAL;
		}
		snprintf(what, sizeof(what), "module %s", f->path);
		if ((rc = place(vm, at, f->data, f->size, f->size, what, err, errlen)))
			return rc;
		put_le32(ent, (uint32_t)at);
		put_le32(ent + 4, (uint32_t)(at + f->size));
		mod_str[i] = mbi_string(&b, mods[i].cmdline);
		next = at + size;
	}

	/* The structure itself, the memory map and the strings. */
	uint32_t info_off = mbi_alloc(&b, MBI_SIZE);
	mmap_off = mbi_alloc(&b, MB_MMAP_ENTRY_SIZE * (uint32_t)map->nr_e820);
	cmdline_off = mbi_string(&b, cmdline);
	name_off = mbi_string(&b, "bootscope " VERSION);
	if (b.overflow) {
		snprintf(err, errlen, "%s: command lines too long: the Multiboot information block would exceed %llu KiB",
			 kernel->path, (unsigned long long)(MBI_MAX_SIZE / KiB));
		return -EINVAL;
	}
	mbi_addr = memmap__find_free(map, MBI_LOW_MIN, b.len, 16, EBDA_BASE);
	if (!mbi_addr)
		mbi_addr = memmap__find_free(map, next, b.len, 4096, vm->ram_size);
	if (!mbi_addr) {
		snprintf(err, errlen, "%s: no room left in guest RAM for the Multiboot information (%u bytes)",
			 kernel->path, b.len);
		return -EINVAL;
	}
	if ((rc = memmap__claim(&vm->map, mbi_addr, b.len, "multiboot information", err, errlen)))
		return rc;

	/* Now that the base is known, turn offsets into guest addresses. */
	uint8_t *info = b.buf + info_off;
	uint32_t base = (uint32_t)mbi_addr;

	put_le32(info + MBI_FLAGS, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP |
				   MB_INFO_LOADER_NAME);
	put_le32(info + MBI_MEM_LOWER, (uint32_t)(EBDA_BASE / KiB));
	put_le32(info + MBI_MEM_UPPER, (uint32_t)memmap__ext_kb(map));
	put_le32(info + MBI_CMDLINE, base + cmdline_off);
	put_le32(info + MBI_MODS_COUNT, (uint32_t)nr_mods);
	put_le32(info + MBI_MODS_ADDR, nr_mods ? base + mods_off : 0);
	put_le32(info + MBI_MMAP_LENGTH, MB_MMAP_ENTRY_SIZE * (uint32_t)map->nr_e820);
	put_le32(info + MBI_MMAP_ADDR, base + mmap_off);
	put_le32(info + MBI_LOADER_NAME, base + name_off);
	for (int i = 0; i < nr_mods; i++)
		put_le32(b.buf + mods_off + MB_MOD_SIZE * i + 8, base + mod_str[i]);
	for (int i = 0; i < map->nr_e820; i++) {
		uint8_t *m = b.buf + mmap_off + MB_MMAP_ENTRY_SIZE * i;

		put_le32(m, 20);
		put_le64(m + 4, map->e820[i].base);
		put_le64(m + 12, map->e820[i].len);
		put_le32(m + 20, map->e820[i].type);
	}
	memcpy(vm->ram + mbi_addr, b.buf, b.len);

	e = (struct fw_entry){ .mode = FW_MODE_PM32, .entry = k.entry, .eax = MB_BOOTLOADER_MAGIC,
			       .ebx = base + info_off, .esp = BOOT_STACK, .cs = FW_SEL_CODE,
			       .ds = FW_SEL_DATA };
	firmware__set_entry(vm, &e);
	vm->boot_kind = "multiboot";
	vm->boot_info = base + info_off;
	vm->boot_file = kernel->path;
	return 0;
}
