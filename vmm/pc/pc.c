/*
 * pc.c - a BIOS boot's machine (pc.h): the guest's files, the BIOS ROM, the
 * QEMU child, the devices split between bootscope and QEMU, the milestones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/devices.h"
#include "devices/vga.h"
#include "cpu/probe.h"
#include "pc/pc.h"
#include "devices/uart.h"
#include "lib/clock.h"
#include "core/kvm.h"
#include "core/vm.h"
#include "cpu/cpu_model.h"

/* Open a disk image for the child; refuse what is clearly not one, naming the option. */
static int open_image(const char *opt, const char *path, bool writable, uint64_t *size,
		      char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		snprintf(err, errlen, "%s %s: not a regular file or block device", opt, path);
		close(fd);
		return -EINVAL;
	}
	*size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "%s %s: the file is empty", opt, path);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* An ISO 9660 image has its primary volume descriptor ("\x01CD001") at 32 KiB. */
static int check_iso(int fd, const char *path, char *err, size_t errlen)
{
	char id[6];

	if (pread(fd, id, sizeof(id), 0x8000) != (ssize_t)sizeof(id) || memcmp(id + 1, "CD001", 5)) {
		snprintf(err, errlen, "--cdrom %s: not an ISO 9660 image (no CD001 volume descriptor at 32 KiB)",
			 path);
		return -EINVAL;
	}
	return 0;
}

static int read_bios(struct pc *pc, const char *path, char *err, size_t errlen)
{
	struct file_buf f;
	int rc = file__read(&f, path, PC_BIOS_MAX, err, errlen);

	if (rc)
		return rc;
	if (f.size < 0x10000 || f.size % 0x10000) {
		snprintf(err, errlen, "--bios %s: %zu bytes; a PC BIOS image is a multiple of 64 KiB (64 KiB..16 MiB)",
			 path, f.size);
		file__free(&f);
		return -EINVAL;
	}
	/* The reset vector, 16 bytes below 4 GiB, must hold code: all zeros or all ones is no BIOS. */
	if (!memcmp(f.data + f.size - 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) ||
	    !memcmp(f.data + f.size - 16, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 16)) {
		snprintf(err, errlen, "--bios %s: nothing at the reset vector (the image's last 16 bytes)", path);
		file__free(&f);
		return -EINVAL;
	}
	/* KVM maps page-aligned memory only. */
	pc->bios = mmap(NULL, f.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pc->bios == MAP_FAILED) {
		pc->bios = NULL;
		file__free(&f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(pc->bios, f.data, f.size);
	pc->bios_size = f.size;
	file__free(&f);
	return 0;
}

/*
 * The run loop's view of the QEMU child: its qtest socket carries interrupt
 * changes. While forwarding has more queued (delegate__poll() > 0) the loop
 * comes back within 1 ms and the socket is not polled.
 */
static int watch_fds(struct vm *vm, struct pollfd *p, int max)
{
	if (!vm->pc || vm->pc->qtest.fd < 0 || vm->pc->watch_busy || max < 1)
		return 0;
	p[0] = (struct pollfd){ .fd = vm->pc->qtest.fd, .events = POLLIN };
	return 1;
}

static int watch_poll(struct vm *vm, const struct pollfd *p, int n)
{
	struct pc *pc = vm->pc;

	if (pc && (pc->watch_busy || (n > 0 && p[0].revents)))
		pc->watch_busy = delegate__poll(vm) > 0;
	return pc && pc->watch_busy;
}

const char *pc__boot_file(const struct vm_config *c)
{
	return c->cdrom ? c->cdrom : c->hda ? c->hda : c->bios ? c->bios : PC_BIOS_DEFAULT;
}

/*
 * The disks bootscope's IDE reads: all of them, unless a qcow2 --hda keeps
 * the controller in the child. The CD is channel 1's master and the disk
 * channel 0's, as QEMU's -cdrom and -hda put them.
 */
static int open_disks(struct pc *pc, const struct vm_config *c, char *err, size_t errlen)
{
	char why[160];
	int rc;

	pc->ide_local = !c->hda || !strcmp(pc->hda_format, "raw");
	if (!pc->ide_local)
		return 0;
	if (c->cdrom && (rc = disk__init(&pc->cdrom, pc->cdrom_fd, false, why, sizeof(why)))) {
		snprintf(err, errlen, "--cdrom %s: %s", c->cdrom, why);
		return rc;
	}
	if (c->hda && (rc = disk__init(&pc->hda, pc->hda_fd, c->hda_writable, why, sizeof(why)))) {
		snprintf(err, errlen, "--hda %s: %s", c->hda, why);
		return rc;
	}
	return 0;
}

static void ide_read_hook(struct kvm_cpu *cpu, void *arg)
{
	(void)arg;
	delegate__boot_read(cpu);
}

/* bootscope's IDE, when the disks are its own; registered before the child's ports are named. */
static int storage__register(struct vm *vm)
{
	struct pc *pc = vm->pc;

	if (!pc->ide_local)
		return 0;
	if (pc->hda.size)
		ide__attach(&pc->ide, 0, 0, &pc->hda, false);
	if (pc->cdrom.size)
		ide__attach(&pc->ide, 1, 0, &pc->cdrom, true);
	pc->ide.read_hook = ide_read_hook;
	return ide__register(vm, &pc->ide);
}

int pc__prepare(struct vm *vm, char *err, size_t errlen)
{
	struct vm_config *c = &vm->cfg;
	struct pc *pc = calloc(1, sizeof(*pc));
	uint64_t size;
	int rc;

	if (!pc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pc->cdrom_fd = pc->hda_fd = -1;
	pc->qmp.fd = -1;
	pthread_mutex_init(&pc->chipset_lock, NULL);
	pc->qtest.fd = pc->qtest.child.output_fd = -1;
	vm->pc = pc;
	vm->watch.fds = watch_fds;
	vm->watch.poll = watch_poll;
	vm->dm_summary.json = pc__summary_json;
	vm->dm_summary.print = pc__summary_print;
	if ((rc = read_bios(pc, c->bios ? c->bios : PC_BIOS_DEFAULT, err, errlen)))
		return rc;
	if (!c->no_screen && access(VGA_ISA_ROM, R_OK)) {
		snprintf(err, errlen, "the VGA BIOS %s: %s (Debian's seabios package has it; --no-screen boots without a screen)",
			 VGA_ISA_ROM, strerror(errno));
		return -ENOENT;
	}
	if (c->cdrom) {
		if ((rc = pc->cdrom_fd = open_image("--cdrom", c->cdrom, false, &size, err, errlen)) < 0)
			return rc;
		if ((rc = check_iso(pc->cdrom_fd, c->cdrom, err, errlen)))
			return rc;
	}
	if (c->hda && (rc = pc->hda_fd = open_image("--hda", c->hda, c->hda_writable, &size, err, errlen)) < 0)
		return rc;
	if (c->hda && (rc = qtest__disk_format(pc->hda_fd, c->hda, &pc->hda_format, err, errlen)))
		return rc;
	if ((rc = open_disks(pc, c, err, errlen)))
		return rc;
	vm->boot_kind = "bios";
	vm->boot_file = pc__boot_file(c);
	vm->boot_entry = PC_BOOT_SECTOR;
	return 0;
}

/* QEMU's -cpu for the model the vCPUs present; the child's CPU only halts, but fw_cfg describes it. */
static const char *qemu_cpu(const struct vm *vm)
{
	return vm->cpu->vendor[0] ? vm->cpu->name : NULL;
}

/*
 * The BIOS image at the top of 4 GiB (the reset vector), read-only; its
 * last 128 KiB also back 0xe0000-0xfffff while PAM routes them to "PCI".
 * 0xc0000-0xdffff is QEMU's empty pc.rom then.
 */
static int map_bios(struct vm *vm, char *err, size_t errlen)
{
	struct pc *pc = vm->pc;
	size_t isa = MIN(pc->bios_size, (size_t)PC_ISA_BIOS_MAX);
	int rc;

	pc->legacy = mmap(NULL, PC_LEGACY_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pc->legacy == MAP_FAILED) {
		pc->legacy = NULL;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(pc->legacy + PC_LEGACY_SIZE - isa, pc->bios + pc->bios_size - isa, isa);
	rc = kvm__set_slot(vm, SLOT_ROM_HIGH, (1ULL << 32) - pc->bios_size, pc->bios_size, pc->bios,
			   KVM_MEM_READONLY);
	if (!rc)
		rc = pam__map_all(vm);
	if (rc)
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (BIOS ROM): %s", strerror(-rc));
	return rc;
}

static int register_devices(struct vm *vm)
{
	static const device_register_fn reg[] = {
		devices__register_common, reset__register, kbc__register, apm__register, pam__register, rtc__register,
		storage__register, vga__register, delegate__register,
	};

	return devices__register(vm, reg, ARRAY_SIZE(reg));
}

int pc__add_milestones(struct milestones *m, bool builtins, char *err, size_t errlen)
{
	if (builtins && (milestones__add_builtin(m, "reset") < 0 || milestones__add_builtin(m, "int19") < 0 ||
			 milestones__add_builtin(m, "boot-read") < 0)) {
		snprintf(err, errlen, "too many milestones");
		return -E2BIG;
	}
	/* SeaBIOS's words when every boot device failed; it would retry for a minute, then reset. */
	return milestones__add_pattern(m, "no-boot-device", "^No bootable device", MS_NO_BOOT, err, errlen) < 0
	       ? -EINVAL : 0;
}

static void add_breakpoint(struct vm *vm, uint32_t addr, int milestone, bool stop, atomic_bool *seen)
{
	vm->bps[vm->nr_bps++] = (struct breakpoint){ addr, milestone, stop, seen };
}

/* SeaBIOS's "enter handle_19:": INT 19h has begun, so disk reads from now on are the boot's. */
static void int19_line(void *arg, const char *line, const regmatch_t *sub, int vcpu)
{
	struct pc *pc = arg;

	(void)line;
	(void)sub;
	(void)vcpu;
	atomic_store(&pc->int19_seen, true);
}

/*
 * int19 and entry. Where hardware breakpoints fire, they sit at F000:E6F2
 * and 0000:7C00, and --stop-at-entry stops on the second. Where they do not
 * (a KVM inside QEMU's software emulation, as in tools/testvm), SeaBIOS's
 * debug console says the same a few instructions earlier: "enter handle_19:"
 * as INT 19h begins, and "Booting from SSSS:OOOO" as its last word before
 * the jump. Stopping there cannot be made exact: single-stepping to the
 * jump's target loses the trap flag at SeaBIOS's IRET, so --stop-at-entry
 * is refused rather than stopping somewhere near. Another BIOS may print
 * neither line: then the two are not reached.
 */
static int boot_milestones(struct vm *vm, char *err, size_t errlen)
{
	struct pc *pc = vm->pc;
	char why[200];

	if (probe__breakpoints_work(vm->kvm_fd, why, sizeof(why))) {
		add_breakpoint(vm, PC_INT19_ENTRY, pc->ms_int19, false, &pc->int19_seen);
		add_breakpoint(vm, PC_BOOT_SECTOR, vm->ms.id_entry, vm->cfg.stop_at_entry, NULL);
		return 0;
	}
	if (vm->cfg.stop_at_entry) {
		snprintf(err, errlen, "--stop-at-entry: a BIOS boot stops on a hardware breakpoint, and this host's "
			 "KVM does not fire them (see bootscope doctor)");
		return -ENOTSUP;
	}
	pc->milestones_from_debugcon = true;
	if (milestones__watch(&vm->ms, TEXT_DEBUGCON_402, "^enter handle_19:", pc->ms_int19, int19_line, pc) ||
	    milestones__watch(&vm->ms, TEXT_DEBUGCON_402, "^Booting from [0-9a-fA-F]{4}:[0-9a-fA-F]{4}",
			      vm->ms.id_entry, NULL, NULL)) {
		snprintf(err, errlen, "cannot watch the BIOS's debug console");
		return -ENOMEM;
	}
	return 0;
}

int pc__init(struct vm *vm, char *err, size_t errlen)
{
	struct pc *pc = vm->pc;
	struct qtest_config qc = {
		.qemu = qtest__qemu_binary(), .ram_size = vm->ram_size, .ram_fd = vm->ram_fd,
		.smp = vm->cfg.smp, .cpu = qemu_cpu(vm),
		.cdrom_fd = pc->ide_local ? -1 : pc->cdrom_fd, .hda_fd = pc->ide_local ? -1 : pc->hda_fd,
		.hda_format = pc->hda_format,
		.hda_writable = vm->cfg.hda_writable, .boot_order = vm->cfg.boot_order,
	};
	int rc;

	if ((rc = map_bios(vm, err, errlen)))
		return rc;
	if ((rc = register_devices(vm))) {
		snprintf(err, errlen, "cannot set up the devices: %s", strerror(-rc));
		return rc;
	}
	pc->ms_reset = milestones__find(&vm->ms, "reset");
	pc->ms_int19 = milestones__find(&vm->ms, "int19");
	pc->ms_boot_read = milestones__find(&vm->ms, "boot-read");
	vm->t0_milestone = pc->ms_reset + 1;
	if ((rc = boot_milestones(vm, err, errlen)))
		return rc;
	qc.vga_rom = vm->vga ? VGA_ISA_ROM : NULL;	/* registered above */
	if (vm->cfg.nr_types) {
		if ((rc = qmp__socketpair(&pc->qmp, &qc.qmp_fd))) {
			snprintf(err, errlen, "socketpair: %s", strerror(-rc));
			return rc;
		}
		qc.qmp = true;
	}
	/* Last: the child starts in tens of milliseconds, and every earlier failure spares it. */
	rc = qtest__start(&pc->qtest, &qc, delegate__irq, vm, err, errlen);
	if (qc.qmp) {
		close(qc.qmp_fd);
		if (!rc)
			rc = qmp__handshake(&pc->qmp, 10000, err, errlen);
	}
	return rc;
}

void pc__exit(struct vm *vm)
{
	struct pc *pc = vm->pc;

	if (!pc)
		return;
	qtest__stop(&pc->qtest);
	qmp__close(&pc->qmp);
	ide__exit(&pc->ide);
	disk__exit(&pc->cdrom);
	disk__exit(&pc->hda);
	if (pc->cdrom_fd >= 0)
		close(pc->cdrom_fd);
	if (pc->hda_fd >= 0)
		close(pc->hda_fd);
	if (pc->legacy)
		munmap(pc->legacy, PC_LEGACY_SIZE);
	if (pc->bios)
		munmap(pc->bios, pc->bios_size);
	free(pc);
	vm->pc = NULL;
	vm->watch.fds = NULL;
	vm->watch.poll = NULL;
	vm->dm_summary.json = NULL;
	vm->dm_summary.print = NULL;
}
