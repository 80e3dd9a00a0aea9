/*
 * pam.c - the PCI configuration ports 0xcf8-0xcff, forwarded to the child
 * and read on the way for the state bootscope must mirror:
 *
 *   i440FX 00:00.0 0x59-0x5f  PAM: what 0xc0000-0xfffff shows. Each 2-bit
 *                             field picks ROM ("to PCI", 0), RAM read-only
 *                             (1), RAM (2, which QEMU treats as 3, and 3).
 *                             The BIOS shadows itself by copying the ROM to
 *                             RAM with the window at 2 or 3, then setting 1.
 *   PIIX3 00:01.1 0x20        the IDE bus master's I/O BAR, where bootscope's
 *                             IDE puts its bus-master ports (ide.h).
 *   PIIX4 00:01.3 0x40        the ACPI PM I/O base, for apm.c and pm.c.
 *   port 0xcf9 (byte)         reset control: bit 2 resets (reset.c).
 *
 * A window changes by deleting its KVM memory slot and adding it again:
 * KVM cannot flip a live slot's read-only flag. A vCPU touching the window
 * in between exits as MMIO, which delegate.c answers from the same state.
 */
#include <errno.h>
#include <string.h>

#include "pc/pc.h"
#include "core/kvm.h"
#include "core/vm.h"

#define PAM_FIRST_REG 0x59
#define PM_DEVFN ((1 << 3) | 3)	/* PIIX4 power management: device 1, function 3 */
#define IDE_DEVFN ((1 << 3) | 1)	/* PIIX3 IDE: device 1, function 1 */
#define IDE_BAR4 0x20

static uint8_t pam_field(const struct pc *pc, int i)
{
	if (i == 0)
		return (pc->pam_regs[0] >> 4) & 3;
	i--;
	return (pc->pam_regs[1 + i / 2] >> (4 * (i % 2))) & 3;
}

uint8_t *pam__backing(struct vm *vm, uint64_t addr, bool *writable)
{
	struct pc *pc = vm->pc;
	uint8_t st = pc->pam_state[addr >= 0xf0000 ? 0 : 1 + (int)((addr - PC_LEGACY_BASE) / 0x4000)];

	*writable = st >= 2;
	return st ? vm->ram + addr : pc->legacy + (addr - PC_LEGACY_BASE);
}

static int map_window(struct vm *vm, int i, bool replace)
{
	uint64_t gpa = i == 0 ? 0xf0000 : PC_LEGACY_BASE + (uint64_t)(i - 1) * 0x4000;
	uint64_t size = i == 0 ? 0x10000 : 0x4000;
	bool writable;
	uint8_t *host = pam__backing(vm, gpa, &writable);
	int rc;

	if (replace && (rc = kvm__set_slot(vm, SLOT_PAM + (uint32_t)i, gpa, 0, NULL, 0)))
		return rc;
	rc = kvm__set_slot(vm, SLOT_PAM + (uint32_t)i, gpa, size, host, writable ? 0 : KVM_MEM_READONLY);
	atomic_fetch_add(&vm->pc->slot_changes, 1);
	return rc;
}

int pam__map_all(struct vm *vm)
{
	for (int i = 0; i < PC_NR_PAM; i++) {
		int rc = map_window(vm, i, false);

		if (rc)
			return rc;
	}
	return 0;
}

/* A configuration write went through: update what depends on the bytes it changed. */
static int snoop(struct vm *vm, uint32_t cf8, unsigned off, const uint8_t *data, uint32_t len)
{
	struct pc *pc = vm->pc;
	unsigned bus = (cf8 >> 16) & 0xff, devfn = (cf8 >> 8) & 0xff;

	if (!(cf8 & 0x80000000u) || bus != 0)
		return 0;
	for (uint32_t b = 0; b < len; b++) {
		unsigned reg = (cf8 & 0xfc) + off + b;

		if (devfn == 0 && reg >= PAM_FIRST_REG && reg < PAM_FIRST_REG + 7) {
			pc->pam_regs[reg - PAM_FIRST_REG] = data[b];
		} else if (devfn == PM_DEVFN && (reg == 0x40 || reg == 0x41)) {
			unsigned shift = 8 * (reg - 0x40);

			pc->pm_base = (uint16_t)(((pc->pm_base & ~(0xffu << shift)) | ((unsigned)data[b] << shift)) & 0xffc0);
		} else if (devfn == PM_DEVFN && reg >= 0x90 && reg < 0x94) {
			unsigned shift = 8 * (reg - 0x90);

			pc->smbus_bar = (pc->smbus_bar & ~(0xffu << shift)) | ((uint32_t)data[b] << shift);
		} else if (devfn == IDE_DEVFN && reg >= IDE_BAR4 && reg < IDE_BAR4 + 4) {
			unsigned shift = 8 * (reg - IDE_BAR4);

			pc->ide_bar4 = (pc->ide_bar4 & ~(0xffu << shift)) | ((uint32_t)data[b] << shift);
		}
	}
	if (devfn == PM_DEVFN && (cf8 & 0xfc) + off < 0x94 && (cf8 & 0xfc) + off + len > 0x40) {
		/* The PM block and the SMBus follow their bases (0: not mapped). */
		uint16_t pm = atomic_load(&pc->pm_base), smb = (uint16_t)(pc->smbus_bar & 0xffc0);
		int rc = bus__map_pio(&vm->bus, pc->pm_dev, pm ? pm : BUS_UNMAPPED);

		if (!rc && smb && smb != 0xffc0)
			rc = bus__map_pio(&vm->bus, pc->smbus_dev, smb);
		if (rc)
			return rc;
	}
	if (devfn == IDE_DEVFN && pc->ide_local && (cf8 & 0xfc) + off < IDE_BAR4 + 4 &&
	    (cf8 & 0xfc) + off + len > IDE_BAR4) {
		/* A BIOS sizing the BAR writes all ones first: no ports until a real address. */
		uint32_t base = pc->ide_bar4 & 0xfff0;
		int rc = ide__map_bmdma(vm, &pc->ide, base == 0xfff0 ? 0 : (uint16_t)base);

		if (rc)
			return rc;
	}
	for (int i = 0; devfn == 0 && i < PC_NR_PAM; i++) {
		uint8_t st = pam_field(pc, i);
		int rc;

		if (st == pc->pam_state[i])
			continue;
		pc->pam_state[i] = st;
		if ((rc = map_window(vm, i, true)))
			return rc;
	}
	return 0;
}

/* The cache slot of a configuration dword (register reg of cf8's bus 0 function), or -1. */
static int cache_slot(uint32_t cf8, unsigned reg)
{
	if (!(cf8 & 0x80000000u) || ((cf8 >> 16) & 0xff))
		return -1;
	switch (reg & 0xfc) {
	case 0x00: return 0;
	case 0x08: return 1;
	case 0x2c: return 2;
	default: return -1;
	}
}

/*
 * The configuration mechanism #1 ports. Most of a PCI scan is a write of
 * the address to 0xcf8 and a read of 0xcfc: the address is kept here and
 * reaches the child only with the next data access (one exchange for both),
 * a read of 0xcf8 is answered from it, and reads of registers that cannot
 * change are answered from what the child said the first time.
 */
static int pci_config_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
			 bool is_write)
{
	struct pc *pc = cpu->vm->pc;
	unsigned off = (unsigned)(port & 3), devfn;
	uint32_t cf8;
	int rc, slot;

	(void)dev;
	if (port == 0xcf9 && len == 1 && is_write && (data[0] & 0x04)) {
		reset__request(cpu, "reset control register 0xcf9");
		return 0;
	}
	pthread_mutex_lock(&pc->chipset_lock);
	if (port == 0xcf8 && len == 4) {
		if (is_write) {
			memcpy(&pc->cf8, data, 4);
			pc->cf8_stale = true;
		} else {
			memcpy(data, &pc->cf8, 4);
		}
		pthread_mutex_unlock(&pc->chipset_lock);
		return 0;
	}
	cf8 = pc->cf8;
	devfn = (cf8 >> 8) & 0xff;
	slot = port >= 0xcfc ? cache_slot(cf8, (cf8 & 0xfc) + off) : -1;
	if (slot >= 0 && !is_write && (pc->pci_cached[devfn] >> slot & 1) && off + len <= 4) {
		uint32_t v = pc->pci_cache[devfn][slot] >> (8 * off);

		memcpy(data, &v, len);
		pthread_mutex_unlock(&pc->chipset_lock);
		return 0;
	}
	if (port >= 0xcfc && pc->cf8_stale) {
		rc = delegate__forward_latched(cpu, 0xcf8, 4, cf8, port, data, len, is_write);
		pc->cf8_stale = rc != 0;
	} else {
		rc = delegate__forward(cpu, false, port, data, len, 1, is_write);
	}
	if (!rc && slot >= 0) {
		if (is_write)
			pc->pci_cached[devfn] &= (uint8_t)~(1u << slot);
		else if (len == 4 && off == 0) {
			memcpy(&pc->pci_cache[devfn][slot], data, 4);
			pc->pci_cached[devfn] |= (uint8_t)(1u << slot);
		}
	}
	if (!rc && is_write && port >= 0xcfc)
		rc = snoop(cpu->vm, cf8, off, data, len);
	pthread_mutex_unlock(&pc->chipset_lock);
	return rc;
}

int pam__register(struct vm *vm)
{
	return delegate__register_partly(vm, "pci-config", 0xcf8, 8, pci_config_io);
}
