/*
 * entry.c - the `entry` object of the JSON summary.
 *
 * Everything is read back from guest memory and vCPU 0's registers, not
 * from what the loader meant to write, so it shows exactly what the kernel
 * would see; every guest pointer is bounds-checked against guest RAM.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "boot/entry.h"
#include "boot/linux_boot.h"
#include "boot/multiboot.h"
#include "lib/sha256.h"
#include "core/kvm.h"
#include "core/vm.h"

#define MAX_GUEST_STRING 4096

static void hex32(cJSON *o, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	cJSON_AddStringToObject(o, name, b);
}

/* A NUL-terminated string in guest memory, or NULL if it runs off RAM or past 4 KiB. */
static cJSON *guest_string(const struct vm *vm, uint32_t gpa)
{
	const char *p = guest_ptr((struct vm *)vm, gpa, 1);
	size_t room = p ? MIN(vm->ram_size - gpa, (uint64_t)MAX_GUEST_STRING) : 0;
	size_t n = p ? strnlen(p, room) : room;
	char buf[MAX_GUEST_STRING + 1];

	if (!p || n == room)
		return cJSON_CreateNull();
	memcpy(buf, p, n);
	buf[n] = '\0';
	return cJSON_CreateString(buf);
}

static cJSON *guest_sha256(const struct vm *vm, uint64_t start, uint64_t end)
{
	char hex[65];
	const void *p = end >= start ? guest_ptr((struct vm *)vm, start, end - start) : NULL;

	if (!p)
		return cJSON_CreateNull();
	sha256_hex(p, end - start, hex);
	return cJSON_CreateString(hex);
}

static cJSON *segment(const struct kvm_segment *s)
{
	cJSON *o = cJSON_CreateObject();

	hex32(o, "selector", s->selector);
	hex32(o, "base", s->base);
	hex32(o, "limit", s->limit);
	cJSON_AddNumberToObject(o, "type", s->type);
	cJSON_AddNumberToObject(o, "dpl", s->dpl);
	cJSON_AddBoolToObject(o, "present", s->present);
	cJSON_AddBoolToObject(o, "db", s->db);
	cJSON_AddBoolToObject(o, "granularity", s->g);
	return o;
}

static cJSON *multiboot_json(const struct vm *vm, uint32_t info)
{
	const uint8_t *mbi = guest_ptr((struct vm *)vm, info, MBI_SIZE);
	cJSON *o = cJSON_CreateObject(), *arr;
	uint32_t flags, n, addr, len;

	hex32(o, "info_address", info);
	if (!mbi) {
		cJSON_AddStringToObject(o, "error", "the information structure is not in guest RAM");
		return o;
	}
	flags = get_le32(mbi + MBI_FLAGS);
	hex32(o, "flags", flags);
	if (flags & MB_INFO_MEMORY) {
		cJSON_AddNumberToObject(o, "mem_lower", get_le32(mbi + MBI_MEM_LOWER));
		cJSON_AddNumberToObject(o, "mem_upper", get_le32(mbi + MBI_MEM_UPPER));
	}
	if (flags & MB_INFO_CMDLINE)
		cJSON_AddItemToObject(o, "cmdline", guest_string(vm, get_le32(mbi + MBI_CMDLINE)));
	if (flags & MB_INFO_LOADER_NAME)
		cJSON_AddItemToObject(o, "boot_loader_name", guest_string(vm, get_le32(mbi + MBI_LOADER_NAME)));
	if (flags & MB_INFO_MEM_MAP) {
		const uint8_t *m;

		addr = get_le32(mbi + MBI_MMAP_ADDR);
		len = get_le32(mbi + MBI_MMAP_LENGTH);
		arr = cJSON_AddArrayToObject(o, "mmap");
		m = guest_ptr((struct vm *)vm, addr, len);
		/* Entries are size-prefixed; size does not count itself. Stop at anything malformed. */
		for (uint64_t off = 0; m && off <= len && len - off >= 24;) {
			uint64_t size = get_le32(m + off);
			cJSON *e = cJSON_CreateObject();

			hex32(e, "base", get_le32(m + off + 4) | (uint64_t)get_le32(m + off + 8) << 32);
			hex32(e, "length", get_le32(m + off + 12) | (uint64_t)get_le32(m + off + 16) << 32);
			cJSON_AddNumberToObject(e, "type", get_le32(m + off + 20));
			cJSON_AddItemToArray(arr, e);
			if (size < 20)
				break;
			off += size + 4;
		}
	}
	if (flags & MB_INFO_MODS) {
		const uint8_t *mods;

		n = get_le32(mbi + MBI_MODS_COUNT);
		addr = get_le32(mbi + MBI_MODS_ADDR);
		arr = cJSON_AddArrayToObject(o, "modules");
		mods = n <= MAX_MODULES ? guest_ptr((struct vm *)vm, addr, (uint64_t)n * MB_MOD_SIZE) : NULL;
		for (uint32_t i = 0; mods && i < n; i++) {
			const uint8_t *m = mods + i * MB_MOD_SIZE;
			cJSON *e = cJSON_CreateObject();

			hex32(e, "start", get_le32(m));
			hex32(e, "end", get_le32(m + 4));
			cJSON_AddNumberToObject(e, "size", get_le32(m + 4) >= get_le32(m) ? get_le32(m + 4) - get_le32(m) : 0);
			cJSON_AddItemToObject(e, "cmdline", guest_string(vm, get_le32(m + 8)));
			cJSON_AddItemToObject(e, "sha256", guest_sha256(vm, get_le32(m), get_le32(m + 4)));
			cJSON_AddItemToArray(arr, e);
		}
	}
	return o;
}

/* boot_params as the kernel will read it: the setup header fields and the e820 map. */
static cJSON *linux_json(const struct vm *vm, uint32_t bp_addr)
{
	const uint8_t *bp = guest_ptr((struct vm *)vm, bp_addr, LX_BP_SIZE);
	cJSON *o = cJSON_CreateObject(), *arr;
	uint32_t rd, rd_size;

	hex32(o, "boot_params_address", bp_addr);
	if (!bp) {
		cJSON_AddStringToObject(o, "error", "boot_params is not in guest RAM");
		return o;
	}
	hex32(o, "header", get_le32(bp + LX_HEADER));
	hex32(o, "version", get_le16(bp + LX_VERSION));
	hex32(o, "boot_flag", get_le16(bp + LX_BOOT_FLAG));
	cJSON_AddNumberToObject(o, "setup_sects", bp[LX_SETUP_SECTS]);
	hex32(o, "type_of_loader", bp[LX_TYPE_OF_LOADER]);
	hex32(o, "loadflags", bp[LX_LOADFLAGS]);
	hex32(o, "code32_start", get_le32(bp + LX_CODE32_START));
	hex32(o, "heap_end_ptr", get_le16(bp + LX_HEAP_END_PTR));
	hex32(o, "cmd_line_ptr", get_le32(bp + LX_CMD_LINE_PTR));
	cJSON_AddItemToObject(o, "cmdline", guest_string(vm, get_le32(bp + LX_CMD_LINE_PTR)));
	hex32(o, "cmdline_size", get_le32(bp + LX_CMDLINE_SIZE));
	rd = get_le32(bp + LX_RAMDISK_IMAGE);
	rd_size = get_le32(bp + LX_RAMDISK_SIZE);
	hex32(o, "ramdisk_image", rd);
	cJSON_AddNumberToObject(o, "ramdisk_size", rd_size);
	if (rd_size)
		cJSON_AddItemToObject(o, "initrd_sha256", guest_sha256(vm, rd, (uint64_t)rd + rd_size));
	hex32(o, "initrd_addr_max", get_le32(bp + LX_INITRD_ADDR_MAX));
	hex32(o, "kernel_alignment", get_le32(bp + LX_KERNEL_ALIGNMENT));
	cJSON_AddNumberToObject(o, "relocatable_kernel", bp[LX_RELOCATABLE]);
	hex32(o, "init_size", get_le32(bp + LX_INIT_SIZE));
	cJSON_AddNumberToObject(o, "alt_mem_k", get_le32(bp + LX_BP_ALT_MEM_K));
	arr = cJSON_AddArrayToObject(o, "e820");
	for (unsigned i = 0; i < bp[LX_BP_E820_ENTRIES] && i < LX_BP_E820_MAX; i++) {
		const uint8_t *e = bp + LX_BP_E820_TABLE + 20 * i;
		cJSON *x = cJSON_CreateObject();

		hex32(x, "base", get_le32(e) | (uint64_t)get_le32(e + 4) << 32);
		hex32(x, "length", get_le32(e + 8) | (uint64_t)get_le32(e + 12) << 32);
		cJSON_AddNumberToObject(x, "type", get_le32(e + 16));
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}

cJSON *entry__json(const struct vm *vm)
{
	const struct kvm_regs *r = &vm->entry_regs;
	const struct kvm_sregs *s = &vm->entry_sregs;
	cJSON *o = cJSON_CreateObject(), *x;

	hex32(o, "eip", r->rip);
	hex32(o, "eflags", r->rflags);
	hex32(o, "eax", r->rax);
	hex32(o, "ebx", r->rbx);
	hex32(o, "ecx", r->rcx);
	hex32(o, "edx", r->rdx);
	hex32(o, "esi", r->rsi);
	hex32(o, "edi", r->rdi);
	hex32(o, "ebp", r->rbp);
	hex32(o, "esp", r->rsp);
	hex32(o, "cr0", s->cr0);
	hex32(o, "cr3", s->cr3);
	hex32(o, "cr4", s->cr4);
	hex32(o, "efer", s->efer);
	cJSON_AddItemToObject(o, "cs", segment(&s->cs));
	cJSON_AddItemToObject(o, "ds", segment(&s->ds));
	cJSON_AddItemToObject(o, "es", segment(&s->es));
	cJSON_AddItemToObject(o, "fs", segment(&s->fs));
	cJSON_AddItemToObject(o, "gs", segment(&s->gs));
	cJSON_AddItemToObject(o, "ss", segment(&s->ss));
	x = cJSON_AddObjectToObject(o, "gdt");
	hex32(x, "base", s->gdt.base);
	hex32(x, "limit", s->gdt.limit);
	if (vm->boot_kind && !strcmp(vm->boot_kind, "multiboot"))
		cJSON_AddItemToObject(o, "multiboot", multiboot_json(vm, vm->boot_info));
	else if (vm->boot_kind && !strcmp(vm->boot_kind, "linux"))
		cJSON_AddItemToObject(o, "linux", linux_json(vm, vm->boot_info));
	else if (vm->boot_kind && !strcmp(vm->boot_kind, "bios")) {
		/* What the BIOS loaded and jumps to, and the drive it says it came from (DL). */
		x = cJSON_AddObjectToObject(o, "bios");
		hex32(x, "boot_drive", r->rdx & 0xff);
		cJSON_AddItemToObject(x, "boot_sector_sha256", guest_sha256(vm, 0x7c00, 0x7e00));
	}
	return o;
}
