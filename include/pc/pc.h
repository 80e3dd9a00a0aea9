/*
 * pc.h - BIOS boots: a PC whose CPUs are bootscope's KVM vCPUs, whose disks
 * are bootscope's, and most of whose chipset is a QEMU child (qtest.h).
 *
 * Who owns what:
 *   KVM (in-kernel)  PIC, I/O APIC, local APICs, PIT (with port 0x61)
 *   bootscope        COM1, debugcon 0xe9/0x402, isa-debug-exit, port 0x80,
 *                    reset (0x92, 0xcf9, KBC command 0xfe), A20 (0x92), APM
 *                    0xb2/0xb3, the BIOS ROM and the PAM shadow windows,
 *                    the IDE channels and their bus master (devices/ide.h:
 *                    the disks' data never crosses to QEMU), the ACPI PM
 *                    timer, power-off through PM1 control
 *   QEMU child       i440FX/PIIX3/PIIX4 PCI functions (the IDE function's
 *                    configuration too), RTC/CMOS (rtc.c saves round trips),
 *                    KBC, fw_cfg (ACPI, SMBIOS, e820, boot order), the other
 *                    ACPI PM registers, SMBus, DMA and floppy controllers:
 *                    only the ports where it has a device are forwarded
 *                    (delegate.c); the rest read as an empty bus here, as
 *                    they would there
 * A qcow2 --hda is the exception: QEMU reads qcow2, bootscope does not, so
 * with one the whole IDE controller stays in the child (the slow path,
 * every access forwarded).
 *
 * Memory: guest RAM is the VM's memfd, also QEMU's pc.ram, so addresses
 * below 3.5 GiB mean the same byte on both sides. The BIOS image is mapped
 * read-only at the top of 4 GiB; its last 128 KiB and the option-ROM space
 * 0xc0000-0xfffff follow the i440FX PAM registers, which bootscope reads as
 * the guest writes them on the way to QEMU (pam.c).
 *
 * Milestones of a BIOS boot, besides the firmware's debugcon lines:
 *   reset        vCPU 0's first instruction, at the reset vector
 *   int19        the BIOS's INT 19h bootstrap entry (F000:E6F2, the address
 *                IBM-compatible BIOSes keep), by a hardware breakpoint
 *   boot-read    the first disk read command after int19 (ATA or ATAPI)
 *   entry        the first instruction at 0000:7C00, the loaded boot sector
 *                (as in direct boots: the loaded guest's first instruction)
 * Where this KVM's breakpoints do not fire, int19 and entry come from
 * SeaBIOS's debug console lines instead (pc.c, boot_milestones).
 */
#ifndef BOOTSCOPE_PC_H
#define BOOTSCOPE_PC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bus.h"
#include "devices/disk.h"
#include "devices/ide.h"
#include "pc/qmp.h"
#include "pc/qtest.h"

#define PC_BIOS_DEFAULT "/usr/share/seabios/bios-256k.bin"
#define PC_BIOS_MAX (16 * 1024 * 1024)
#define PC_ISA_BIOS_MAX 0x20000		/* the BIOS's tail aliased below 1 MiB */
#define PC_LEGACY_BASE 0xc0000		/* option ROMs and BIOS, under PAM */
#define PC_LEGACY_SIZE 0x40000
#define PC_RAM_MAX 0xe0000000ULL	/* QEMU splits RAM around 4 GiB from here */
#define PC_INT19_ENTRY 0xfe6f2
#define PC_BOOT_SECTOR 0x7c00
#define PC_NR_PAM 13
#define PIIX4_SMBUS_DEFAULT 0xb100	/* QEMU's SMBus base before the BIOS moves it */			/* 0xf0000 (64K) and 12 x 16K from 0xc0000 */

struct vm;
struct vm_config;
struct kvm_cpu;

struct pc {
	struct qtest qtest;
	struct qmp qmp;		/* the child's QMP monitor, with --type (fd -1 otherwise) */
	int cdrom_fd, hda_fd;
	const char *hda_format;	/* qtest__disk_format() */
	bool ide_local;		/* bootscope's IDE (every disk raw), not the child's */
	struct disk cdrom, hda;
	struct ide ide;

	uint8_t *bios;			/* the image as read, mapped at 4 GiB - bios_size */
	size_t bios_size;
	uint8_t *legacy;		/* what 0xc0000-0xfffff shows with PAM "to PCI" */

	/* i440FX state as the guest last wrote it, under chipset_lock. */
	pthread_mutex_t chipset_lock;
	uint32_t cf8;
	bool cf8_stale;			/* the child's latch is not cf8 yet: sent with the next data access */
	/*
	 * Bus 0's registers that cannot change, as the child answered them:
	 * IDs (0x00), class and revision (0x08), subsystem IDs (0x2c), per
	 * device and function. A write to one drops it.
	 */
	uint32_t pci_cache[256][3];
	uint8_t pci_cached[256];	/* bit i: pci_cache[devfn][i] is valid */
	uint8_t pam_regs[7];		/* config 0x59-0x5f */
	/* Written under chipset_lock, read without it by any vCPU's MMIO and port handlers. */
	_Atomic uint8_t pam_state[PC_NR_PAM];	/* 0 ROM, 1 RAM read-only, 2 and 3 RAM */
	_Atomic uint16_t pm_base;	/* PIIX4 PM I/O base (00:01.3 config 0x40) */
	uint32_t smbus_bar;		/* PIIX4 SMBus I/O base (00:01.3 config 0x90), as written */
	int pm_dev, smbus_dev;		/* their forwarding devices on the bus, moved as the BIOS moves them */
	uint64_t child_devs;		/* bit i: bus device i reaches the child (delegate__reaches_child) */
	uint32_t ide_bar4;		/* PIIX IDE bus-master BAR (00:01.1 config 0x20), as written */
	/* CMOS (rtc.c), under chipset_lock: the index as last written, and the bytes that cannot change. */
	uint8_t cmos_index;
	bool cmos_index_stale;
	uint8_t cmos_cache[128];
	uint8_t cmos_cached[16];	/* bit i % 8 of byte i / 8: cmos_cache[i] is valid */
	uint8_t apm_cnt, apm_sts;
	uint8_t port92;

	int ms_reset, ms_int19, ms_boot_read;
	atomic_bool int19_seen, boot_read_seen;
	bool milestones_from_debugcon;	/* int19 and entry from SeaBIOS's lines, not breakpoints */
	bool watch_busy;	/* forwarding has more queued: the run loop comes back within 1 ms (main thread) */
	atomic_int packet_port;		/* ATAPI data port whose next write is a packet, or 0 */

	/*
	 * The KBC's status byte as the child last answered a read of 0x64, with
	 * KBC_STATUS_KNOWN, or 0 once anything else has gone to the child since
	 * (kbc.c says why that is exact; delegate.c keeps it, under the qtest lock).
	 */
	_Atomic uint32_t kbc_status;
	/*
	 * --type: a key sent through QMP changes the child's i8042 behind the
	 * qtest stream's back, on QEMU's time, and its release again after the
	 * hold time. Until this clock time the status is not kept (kbc.c).
	 */
	_Atomic uint64_t kbc_keep_off_until;

	/* Counters for the summary. */
	_Atomic uint64_t slot_changes, rom_writes_dropped, resets, kbc_status_kept;
};

/* pc.c. Before the VM exists: read the BIOS image, open and check the disks. */
int pc__prepare(struct vm *vm, char *err, size_t errlen);
/* A BIOS boot's part of the summary (pc_summary.c): the "device_model" object, its table lines. */
struct cJSON *pc__summary_json(const struct vm *vm);
void pc__summary_print(const struct vm *vm, FILE *f);
/* The file a BIOS boot boots: the CD-ROM, else the disk, else the BIOS image itself. */
const char *pc__boot_file(const struct vm_config *c);
/*
 * A BIOS boot's milestones, added before the user's so their names stay
 * reserved: the no-boot-device pattern, and with builtins the ones
 * bootscope's vCPUs can see (reset, int19, boot-read).
 */
struct milestones;
int pc__add_milestones(struct milestones *m, bool builtins, char *err, size_t errlen);
/* After kvm__init: ROM and PAM slots, devices, breakpoints, then the child. */
int pc__init(struct vm *vm, char *err, size_t errlen);
void pc__exit(struct vm *vm);

/* delegate.c: the devices that forward to the child. */
int delegate__register(struct vm *vm);
/*
 * Bus device idx (just registered) sends accesses to the child: the named
 * forwarders, and bootscope's devices that forward what they do not answer
 * (PCI configuration, the CMOS, the KBC command port). The summary lists
 * their ports.
 */
void delegate__reaches_child(struct vm *vm, int idx);
/* Register a bootscope device that answers some accesses and forwards the rest (fn calls delegate__forward). */
int delegate__register_partly(struct vm *vm, const char *name, uint16_t base, uint16_t len, bus_fn fn);
bool delegate__forwards(const struct vm *vm, int idx);
/*
 * Forward one access (or count of them, for string I/O) to the child. Port
 * or MMIO; data holds count items of size bytes. Ends the run with a clear
 * message if the child is gone or hung, and returns -EIO then.
 */
int delegate__forward(struct kvm_cpu *cpu, bool mmio, uint64_t addr, uint8_t *data, uint32_t size,
		      uint32_t count, bool is_write);
/*
 * A data access (PCI configuration at 0xcfc, CMOS at 0x71) that needs the
 * child's index latch written first (latch_size bytes of latch to
 * latch_port): both commands in one exchange, one round trip.
 */
int delegate__forward_latched(struct kvm_cpu *cpu, uint16_t latch_port, uint32_t latch_size, uint32_t latch,
			      uint64_t port, uint8_t *data, uint32_t len, bool is_write);
/*
 * Main thread: handle IRQ lines pending on the socket. 0 done, 1 a vCPU holds
 * the socket (try again shortly), -1 the child is gone (the run has ended).
 */
int delegate__poll(struct vm *vm);
/*
 * One access as a qtest command line ("outb 0x70 0xb\n", "readl 0xfed00000\n"),
 * item holding size bytes in guest order; its length, or 0 for a size qtest has
 * no command for (delegate__forward() splits those into bytes).
 */
size_t delegate__format(char *p, size_t room, bool mmio, uint64_t addr, uint32_t size, const uint8_t *item,
			bool is_write);
/* A disk read command: the boot-read milestone if it is the first after INT 19h (bootscope's IDE or forwarded). */
void delegate__boot_read(struct kvm_cpu *cpu);
/* A qtest IRQ line arrived: raise or lower the GSI. */
void delegate__irq(void *opaque, int line, int level);

/* pam.c: PCI configuration ports, snooped for PAM and the PM base. */
int pam__register(struct vm *vm);
/* Map the 13 PAM windows for their current state. */
int pam__map_all(struct vm *vm);
/*
 * What the guest sees at addr (0xc0000-0xfffff) as PAM stands: the backing
 * byte (the ROM image or RAM), and whether a guest write lands there. The
 * memory slots and MMIO that reaches bootscope both follow this.
 */
uint8_t *pam__backing(struct vm *vm, uint64_t addr, bool *writable);


/* reset.c: the end of a run that resets (port 0x92, the KBC's 0xfe, 0xcf9). */
int reset__register(struct vm *vm);
void reset__request(struct kvm_cpu *cpu, const char *how);

/* kbc.c: the KBC's port 0x64, its reset command and its status kept between forwards. */
#define KBC_STATUS_PORT 0x64
#define KBC_STATUS_KNOWN 0x100u
int kbc__register(struct vm *vm);
/*
 * The typist's sink (core/typist.h) for a BIOS boot, arg the struct pc: a
 * press goes to the child's PS/2 keyboard through its QMP monitor, with the
 * kept status forgotten and not kept while the key is in flight.
 */
struct key_press;
int kbc__send_key(void *pc, const struct key_press *p, bool down);
int kbc__key_check(void *pc, char *err, size_t errlen);

/* rtc.c: the CMOS ports 0x70/0x71, forwarded with the index deferred and the NVRAM cached. */
int rtc__register(struct vm *vm);

/* apm.c: APM control/status 0xb2/0xb3, without SMIs. */
int apm__register(struct vm *vm);

#endif
