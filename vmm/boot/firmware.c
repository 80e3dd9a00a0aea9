/*
 * firmware.c - bootscope's built-in firmware ROM: copy, hand-off, report port.
 *
 * The ROM image (firmware/bios.asm) is linked into the binary, so a direct
 * boot needs no file besides the guest's. It is mapped read-only at 0xf0000
 * and at 0xffff0000, where the reset vector of every vCPU points.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/firmware.h"
#include "core/kvm_cpu.h"
#include "core/outcome.h"
#include "core/vm.h"

extern const uint8_t bootscope_bios[], bootscope_bios_end[];

int firmware__load(struct vm *vm, char *err, size_t errlen)
{
	size_t size = (size_t)(bootscope_bios_end - bootscope_bios);
	const struct memmap *m = &vm->map;
	uint64_t ext_kb = memmap__ext_kb(m);
	uint8_t *ho = vm->rom;

	if (size != ROM_SIZE || get_le32(bootscope_bios + FW_HO_MAGIC) != FW_MAGIC ||
	    get_le32(bootscope_bios + FW_HO_VERSION) != FW_VERSION) {
		snprintf(err, errlen, "built-in firmware image is damaged (size %zu, magic 0x%08x)",
			 size, size >= 4 ? get_le32(bootscope_bios) : 0);
		return -EINVAL;
	}
	memcpy(vm->rom, bootscope_bios, ROM_SIZE);

	/* SeaBIOS's answers: INT 15h 88h caps at 0xffc0, E801 splits at 16 MiB. */
	put_le32(ho + FW_HO_EXT_KB, (uint32_t)MIN(ext_kb, 0xffc0));
	put_le32(ho + FW_HO_E801_AX, (uint32_t)MIN(ext_kb, 15 * 1024));
	put_le32(ho + FW_HO_E801_BX,
		 (uint32_t)(vm->ram_size > 16 * MiB ? (vm->ram_size - 16 * MiB) / (64 * KiB) : 0));
	put_le32(ho + FW_HO_BASE_KB, (uint32_t)(EBDA_BASE / KiB));
	put_le32(ho + FW_HO_E820_NR, (uint32_t)MIN(m->nr_e820, FW_HO_E820_MAX));
	for (int i = 0; i < m->nr_e820 && i < FW_HO_E820_MAX; i++) {
		uint8_t *e = ho + FW_HO_E820 + 20 * i;

		put_le64(e, m->e820[i].base);
		put_le64(e + 8, m->e820[i].len);
		put_le32(e + 16, m->e820[i].type);
	}
	return 0;
}

void firmware__set_entry(struct vm *vm, const struct fw_entry *e)
{
	uint8_t *ho = vm->rom;

	put_le32(ho + FW_HO_MODE, e->mode);
	put_le32(ho + FW_HO_ENTRY, e->entry);
	put_le32(ho + FW_HO_EAX, e->eax);
	put_le32(ho + FW_HO_EBX, e->ebx);
	put_le32(ho + FW_HO_ECX, e->ecx);
	put_le32(ho + FW_HO_EDX, e->edx);
	put_le32(ho + FW_HO_ESI, e->esi);
	put_le32(ho + FW_HO_EDI, e->edi);
	put_le32(ho + FW_HO_EBP, e->ebp);
	put_le32(ho + FW_HO_ESP, e->esp);
	put_le32(ho + FW_HO_CS, e->cs ? e->cs : FW_SEL_CODE);
	put_le32(ho + FW_HO_DS, e->ds ? e->ds : FW_SEL_DATA);
	vm->boot_entry = e->entry;
}

static int fw_port_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		      bool is_write)
{
	struct vm *vm = cpu->vm;
	uint32_t v;

	(void)dev;
	(void)port;
	if (!bus__written_value(data, len, is_write, &v))
		return 0;
	switch (v >> 24) {
	case FW_EV_ENTRY:
		milestones__hit(&vm->ms, vm->ms.id_entry, cpu->t_exit, cpu->id);
		/* The last few instructions load the hand-off registers and jump: follow them there. */
		if (vm->cfg.stop_at_entry)
			return kvm_cpu__step_to(cpu, vm->boot_entry, -1, true);
		break;
	case FW_EV_UNSUPPORTED:
		kvm_cpu__event(cpu, EV_FW_UNSUPPORTED, (v >> 16) & 0xff,
			      v & 0xffff, 0, 0);
		break;
	case FW_EV_NO_BOOT:
		run__end(vm, OUTCOME_NO_BOOT, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
			 "no boot device: the guest called INT %02xh", (v >> 16) & 0xff);
		break;
	case FW_EV_KEY_WAIT:
		kvm_cpu__event(cpu, EV_FW_KEY_WAIT, 0, v & 0xffff, 0, 0);
		break;
	default:
		/* Not the firmware talking: treat like any unclaimed port. */
		kvm_cpu__event(cpu, EV_UNHANDLED_PIO, FW_PORT, v, (uint8_t)len, 1);
		break;
	}
	return 0;
}

int firmware__register_port(struct vm *vm)
{
	return bus__register_pio(&vm->bus, "firmware", FW_PORT, 4, fw_port_io, NULL);
}
