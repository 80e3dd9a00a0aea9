/*
 * kvm.c - the VM: /dev/kvm, capabilities, interrupt controllers, memory.
 *
 * Guest RAM is one memfd mapping, so guest physical address X is byte X of
 * the file (the PC hole 640K-1M is simply not given to KVM). A device-model
 * child process can map the same file later. The firmware ROM is a separate
 * buffer mapped read-only twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/kvm.h"
#include "core/vm.h"

static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP (in-kernel interrupt controllers)" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2 (in-kernel PIT)" },
	{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING" },
	{ KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM (read-only ROM)" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
};

int kvm__set_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

/*
 * PC interrupt routing, as QEMU sets it up: ISA IRQ n goes to PIC input n and
 * I/O APIC input n, except that the PIT's IRQ 0 is wired to I/O APIC input 2
 * (the MP and ACPI tables say so with an interrupt source override).
 */
static int set_gsi_routing(struct vm *vm)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + 40 * sizeof(struct kvm_irq_routing_entry));
	int n = 0, rc;

	if (!r)
		return -ENOMEM;
	for (uint32_t gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)
			continue;
		r->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				       .pin = gsi % 8 } };
	}
	for (uint32_t gsi = 0; gsi < 24; gsi++) {
		if (gsi == 2)
			continue;
		r->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi } };
	}
	r->nr = (uint32_t)n;
	rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r) < 0 ? -errno : 0;
	free(r);
	return rc;
}

int kvm__irq_line(struct vm *vm, int gsi, int level)
{
	struct kvm_irq_level l = { .irq = (uint32_t)gsi, .level = (uint32_t)level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

int kvm__open(char *err, size_t errlen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), e = errno;

	if (fd >= 0)
		return fd;
	if (e == ENOENT)
		snprintf(err, errlen, "/dev/kvm does not exist: KVM is not available (load kvm_intel or kvm_amd, or enable virtualization)");
	else if (e == EACCES || e == EPERM)
		snprintf(err, errlen, "cannot open /dev/kvm: %s (add your user to the 'kvm' group)", strerror(e));
	else
		snprintf(err, errlen, "cannot open /dev/kvm: %s", strerror(e));
	return -e;
}

static int open_kvm(struct vm *vm, char *err, size_t errlen)
{
	int v;

	if (vm->kvm_fd < 0)	/* --user opened it already, as root */
		vm->kvm_fd = kvm__open(err, errlen);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	v = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm speaks KVM API version %d, bootscope needs %d", v, KVM_API_VERSION);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < ARRAY_SIZE(required_caps); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			snprintf(err, errlen, "this kernel's KVM lacks %s", required_caps[i].name);
			return -ENOTSUP;
		}
	}
	v = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (v <= 0)
		v = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (v > 0 && v < vm->cfg.smp) {
		snprintf(err, errlen, "this kernel's KVM allows %d vCPUs, --smp asked for %d", v, vm->cfg.smp);
		return -ENOTSUP;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The number in a one-line sysfs or procfs file, or -1. */
static long read_long(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

const char *kvm__thp_mode(const char *which, char *mode, size_t len)
{
	char buf[128], path[96], *l, *r;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", which);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return "unknown";
	buf[n] = 0;
	if (!(l = strchr(buf, '[')) || !(r = strchr(l, ']')))
		return "unknown";
	*r = 0;
	snprintf(mode, len, "%s", l + 1);
	return mode;
}

long kvm__free_huge_pages(void)
{
	return read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
}

/*
 * Map size bytes (of fd, or anonymous when fd < 0) at a 2 MiB-aligned
 * address: KVM maps guest memory with huge pages only where the host
 * address and the guest address agree modulo 2 MiB. The mapping is
 * reserved 2 MiB larger, and the unaligned head and tail given back.
 */
static uint8_t *map_aligned(size_t size, int fd, int flags)
{
	size_t room = size + HUGE_PAGE;
	uint8_t *p = mmap(NULL, room, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)ALIGN_UP((uintptr_t)p, HUGE_PAGE);
	if (mmap(a, size, PROT_READ | PROT_WRITE, flags | MAP_FIXED | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0) ==
	    MAP_FAILED) {
		munmap(p, room);
		return NULL;
	}
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + room > a + size)
		munmap(a + size, (size_t)(p + room - (a + size)));
	return a;
}

/*
 * Guest RAM, backed the way that runs fastest here (docs/machine.md):
 *   - a direct boot: anonymous memory with MADV_HUGEPAGE (transparent huge
 *     pages; QEMU gives its RAM the same advice);
 *   - a BIOS boot, whose QEMU child maps the same memory: a memfd from
 *     hugetlbfs when the host has enough 2 MiB pages reserved; else a shmem
 *     memfd with MADV_HUGEPAGE, which gets huge pages where
 *     transparent_hugepage/shmem_enabled allows (advise, always,
 *     within_size, force) and 4 KiB pages where it is "never" (Debian's
 *     default).
 * --no-huge-pages keeps 4 KiB pages everywhere, to measure what they cost.
 */
int kvm__alloc_memory(struct vm *vm, char *err, size_t errlen)
{
	bool shared = vm_config__bios_boot(&vm->cfg), huge = !vm->cfg.no_huge_pages;
	long free_huge = kvm__free_huge_pages();
	char mode[32];
	const char *shmem = kvm__thp_mode("shmem_enabled", mode, sizeof(mode));

	vm->ram_map_size = vm->ram_size;
	if (!shared) {
		char anon[32];

		vm->ram = map_aligned(vm->ram_size, -1, MAP_PRIVATE | MAP_NORESERVE);
		kvm__thp_mode("enabled", anon, sizeof(anon));
		vm->ram_backing = !huge ? "anonymous, 4 KiB pages (--no-huge-pages)" :
				  !strcmp(anon, "never") ? "anonymous, 4 KiB pages (transparent huge pages are never)" :
				  "anonymous, transparent huge pages";
	} else {
		if (huge && vm->ram_size % HUGE_PAGE == 0 && free_huge >= 0 &&
		    (uint64_t)free_huge >= vm->ram_size / HUGE_PAGE &&
		    (vm->ram_fd = memfd_create("bootscope-ram", MFD_CLOEXEC | MFD_HUGETLB)) >= 0) {
			/* Without MAP_NORESERVE: the pages are reserved now, or the mapping fails. */
			if (ftruncate(vm->ram_fd, (off_t)vm->ram_size) == 0 &&
			    (vm->ram = map_aligned(vm->ram_size, vm->ram_fd, MAP_SHARED)))
				vm->ram_backing = "memfd on hugetlbfs, 2 MiB pages";
			else
				close(vm->ram_fd);
		}
		if (!vm->ram) {
			vm->ram_fd = memfd_create("bootscope-ram", MFD_CLOEXEC);
			if (vm->ram_fd < 0 || ftruncate(vm->ram_fd, (off_t)vm->ram_size) < 0) {
				snprintf(err, errlen, "cannot create %llu MiB of guest RAM: %s",
					 (unsigned long long)(vm->ram_size / MiB), strerror(errno));
				return -errno;
			}
			vm->ram = map_aligned(vm->ram_size, vm->ram_fd, MAP_SHARED | MAP_NORESERVE);
			vm->ram_backing = !huge ? "shared memfd, 4 KiB pages (--no-huge-pages)" :
					  !strcmp(shmem, "never") || !strcmp(shmem, "deny") ?
					  "shared memfd, 4 KiB pages (shmem_enabled is never, no hugetlbfs pages reserved)" :
					  "shared memfd, transparent huge pages";
		}
	}
	vm->rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!vm->ram || vm->rom == MAP_FAILED) {
		snprintf(err, errlen, "cannot map %llu MiB of guest RAM: %s",
			 (unsigned long long)(vm->ram_size / MiB), strerror(errno));
		if (vm->rom == MAP_FAILED)
			vm->rom = NULL;
		return -ENOMEM;
	}
	/* Guest memory holds the guest's secrets, not ours: keep it out of core dumps. */
	if (madvise(vm->ram, vm->ram_size, MADV_DONTDUMP) < 0) {
		snprintf(err, errlen, "madvise(MADV_DONTDUMP) on guest RAM: %s", strerror(errno));
		return -errno;
	}
	/* Advice only: a kernel without THP refuses it, and 4 KiB pages still work. */
	madvise(vm->ram, vm->ram_size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return 0;
}

/* The RAM slots: below 640 KiB, above 1 MiB, and the VGA window. */
static int map_ram(struct vm *vm, char *err, size_t errlen)
{
	uint64_t low = MIN(vm->ram_size, LOW_RAM_END);
	int rc = kvm__set_slot(vm, SLOT_LOW_RAM, 0, low, vm->ram, 0);

	/*
	 * VGA memory is RAM, so a guest writing text makes no exit and the
	 * screen console reads it (devices/vga.h). A BIOS boot has the whole
	 * window 0xa0000-0xbffff (QEMU's child, which has no VGA, shows RAM
	 * there too: the VGA BIOS loads its font at 0xa0000); a direct boot
	 * the colour text memory 0xb8000-0xbffff, unless --no-screen, with the
	 * rest of the window left empty as before.
	 */
	if (!rc && vm_config__bios_boot(&vm->cfg))
		rc = kvm__set_slot(vm, SLOT_VGA_RAM, LOW_RAM_END, 0x20000, vm->ram + LOW_RAM_END, 0);
	else if (!rc && !vm->cfg.no_screen)
		rc = kvm__set_slot(vm, SLOT_VGA_RAM, VGA_TEXT_BASE, VGA_TEXT_SIZE, vm->ram + VGA_TEXT_BASE, 0);
	if (!rc && vm->ram_size > HIGH_RAM_BASE)
		rc = kvm__set_slot(vm, SLOT_HIGH_RAM, HIGH_RAM_BASE, vm->ram_size - HIGH_RAM_BASE,
			      vm->ram + HIGH_RAM_BASE, 0);
	if (rc) {
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (RAM) failed: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

/* The ROM slots go in after the firmware image was written. */
static int map_rom(struct vm *vm)
{
	int rc = kvm__set_slot(vm, SLOT_ROM, ROM_BASE, ROM_SIZE, vm->rom, KVM_MEM_READONLY);

	return rc ? rc : kvm__set_slot(vm, SLOT_ROM_HIGH, ROM_HIGH_BASE, ROM_SIZE, vm->rom, KVM_MEM_READONLY);
}

int kvm__init(struct vm *vm, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int rc;

	/* kvm_fd: -1 from options__vm(), or /dev/kvm opened by --user; RAM exists already. */
	if ((rc = open_kvm(vm, err, errlen)))
		return rc;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		snprintf(err, errlen, "KVM_CREATE_VM failed: %s", strerror(errno));
		return -errno;
	}
	/* Needed by VMX without unrestricted guest; reserved in the e820 map. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_BASE) < 0 ||
	    ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ KVM_IDMAP_BASE }) < 0) {
		snprintf(err, errlen, "KVM_SET_TSS_ADDR failed: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		snprintf(err, errlen, "KVM_CREATE_IRQCHIP failed: %s", strerror(errno));
		return -errno;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		snprintf(err, errlen, "KVM_CREATE_PIT2 failed: %s", strerror(errno));
		return -errno;
	}
	if ((rc = set_gsi_routing(vm))) {
		snprintf(err, errlen, "KVM_SET_GSI_ROUTING failed: %s", strerror(-rc));
		return rc;
	}
	return map_ram(vm, err, errlen);
}

int kvm__map_rom(struct vm *vm, char *err, size_t errlen)
{
	int rc = map_rom(vm);

	if (rc)
		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION (ROM) failed: %s", strerror(-rc));
	return rc;
}

void kvm__exit(struct vm *vm)
{
	for (int i = 0; i < vm->nr_cpus; i++) {
		struct kvm_cpu *cpu = vm->cpus[i];

		if (cpu->run)
			munmap(cpu->run, cpu->run_size);
		if (cpu->stats.pio_stats)
			munmap(cpu->stats.pio_stats, 65536 * sizeof(struct exit_stat));
		if (cpu->fd >= 0)
			close(cpu->fd);
		free(cpu);
	}
	vm->nr_cpus = 0;
	if (vm->ram)
		munmap(vm->ram, vm->ram_map_size);
	if (vm->rom)
		munmap(vm->rom, ROM_SIZE);
	if (vm->ram_fd >= 0)
		close(vm->ram_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->ram = vm->rom = NULL;
	vm->ram_fd = vm->vm_fd = vm->kvm_fd = -1;
}
