/*
 * delegate.c - port I/O and MMIO that bootscope leaves to the QEMU child.
 *
 * An access arrives on the vCPU thread that exited for it. It becomes qtest
 * command lines ("inw 0x170"), sent under the qtest lock; the answers give
 * the values read. String I/O (a rep insw of an ATAPI sector: up to a page
 * of items per exit) is sent as pipelined batches, so it costs one round
 * trip per QTEST_BATCH items instead of one per item.
 *
 * The time from taking the lock to the last answer is the delegated time of
 * the exit (per vCPU, in the summary) and a TR_FORWARD trace record, so a
 * report can split boot time into guest execution, bootscope's handling and
 * QEMU's devices. Known PC devices get their own names on the bus, so the
 * per-port tables say "kbc" rather than "qemu"; ports nobody named (PCI
 * BARs the BIOS assigns) fall through to the bus's default device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/ata.h"
#include "devices/acpi_pm.h"
#include "lib/clock.h"
#include "pc/pc.h"
#include "core/kvm.h"
#include "core/outcome.h"
#include "core/vm.h"

#define CHUNK 512	/* items formatted per exchange */

static bool run_over(void *arg)
{
	return run__ended(arg);
}

/*
 * The child is gone, hung or confused: end the run, naming what was in
 * flight. Called with the qtest lock held, so one thread at a time looks.
 */
static void fail_locked(struct vm *vm, int vcpu, int rc, uint64_t t)
{
	struct qtest *q = &vm->pc->qtest;
	char why[400];

	if (rc == -ETIMEDOUT)
		snprintf(why, sizeof(why), "did not answer within %d s", QTEST_ANSWER_TIMEOUT_MS / 1000);
	else if (rc == -EPROTO)
		snprintf(why, sizeof(why), "broke the protocol, answering '%s'", q->bad);
	else
		qtest__describe_death(q, why, sizeof(why));
	run__end(vm, OUTCOME_ERROR, EXIT_ERROR, vcpu, t, "the QEMU device model %s; the last forwarded access was '%s'",
		 why, q->commands ? q->last : "(none)");
}

/*
 * The KBC's kept status (kbc.c), with the qtest lock held: forgotten before
 * anything reaches the child, which might change it; set from the answer
 * when what reached the child was a plain read of the status port.
 */
static void kbc_status_forget(struct pc *pc)
{
	atomic_store(&pc->kbc_status, 0);
}

static void kbc_status_learn(struct pc *pc, bool mmio, uint64_t addr, uint32_t size, uint32_t count,
			     bool is_write, uint8_t value)
{
	if (!mmio && !is_write && addr == KBC_STATUS_PORT && size == 1 && count == 1)
		atomic_store(&pc->kbc_status, KBC_STATUS_KNOWN | value);
}

static char size_letter(bool mmio, uint32_t size)
{
	switch (size) {
	case 1: return 'b';
	case 2: return 'w';
	case 4: return 'l';
	case 8: return mmio ? 'q' : 0;
	default: return 0;
	}
}

size_t delegate__format(char *p, size_t room, bool mmio, uint64_t addr, uint32_t size, const uint8_t *item,
			bool is_write)
{
	char s = size_letter(mmio, size);
	uint64_t v = 0;

	if (!s)
		return 0;
	memcpy(&v, item, size);
	if (mmio)
		return (size_t)(is_write ? snprintf(p, room, "write%c 0x%llx 0x%llx\n", s, (unsigned long long)addr,
						    (unsigned long long)v)
					 : snprintf(p, room, "read%c 0x%llx\n", s, (unsigned long long)addr));
	return (size_t)(is_write ? snprintf(p, room, "out%c 0x%llx 0x%llx\n", s, (unsigned long long)addr,
					    (unsigned long long)v)
				 : snprintf(p, room, "in%c 0x%llx\n", s, (unsigned long long)addr));
}

void delegate__boot_read(struct kvm_cpu *cpu)
{
	struct pc *pc = cpu->vm->pc;
	bool no = false;

	if (atomic_load_explicit(&pc->int19_seen, memory_order_relaxed) &&
	    !atomic_load_explicit(&pc->boot_read_seen, memory_order_relaxed) &&
	    atomic_compare_exchange_strong(&pc->boot_read_seen, &no, true))
		milestones__hit(&cpu->vm->ms, pc->ms_boot_read, cpu->t_exit, cpu->id);
}

/*
 * The first disk read after INT 19h: the bootstrap has found its device. An
 * ATA read command counts at once; an ATAPI PACKET command (0xa0) only when
 * the packet written next to the data port is a read (not TEST UNIT READY).
 */
static void watch_boot_read(struct kvm_cpu *cpu, uint64_t port, const uint8_t *data)
{
	struct pc *pc = cpu->vm->pc;
	bool read = false;

	if (!atomic_load_explicit(&pc->int19_seen, memory_order_relaxed) ||
	    atomic_load_explicit(&pc->boot_read_seen, memory_order_relaxed))
		return;
	if (port == 0x1f7 || port == 0x177) {
		switch (data[0]) {
		case ATA_READ_SECTORS: case ATA_READ_SECTORS_NORETRY: case ATA_READ_SECTORS_EXT:
		case ATA_READ_DMA_EXT: case ATA_READ_MULTIPLE_EXT: case ATA_READ_MULTIPLE: case ATA_READ_DMA:
			read = true;
			break;
		case ATA_PACKET:					/* look at the packet */
			atomic_store(&pc->packet_port, (int)port - 7);
			break;
		default:
			break;
		}
	} else if ((int)port == atomic_load(&pc->packet_port)) {
		atomic_store(&pc->packet_port, 0);
		read = data[0] == ATAPI_READ_10 || data[0] == ATAPI_READ_12 || data[0] == ATAPI_READ_CD;
	}
	if (read)
		delegate__boot_read(cpu);
}

static void record(struct kvm_cpu *cpu, bool mmio, uint64_t addr, const uint8_t *data, uint32_t size,
		   uint32_t count, bool is_write, uint64_t t0, uint64_t t1)
{
	struct exit_stat *st = &cpu->stats.deleg_stats[mmio ? BUS_MAX_DEVICES + 1 : cpu->vm->bus.port_map[addr & 0xffff]];
	struct trace_rec *r;

	cpu->stats.deleg_ticks += t1 - t0;
	cpu->stats.deleg_accesses += count;
	cpu->stats.deleg_exits++;
	exit_stat__add(st, count, t1 - t0);
	if (!cpu->trace || !(r = trace__begin(cpu->trace)))
		return;
	*r = (struct trace_rec){ .t_enter = t0, .t_exit = t1, .t_done = t1, .addr = addr,
				 .vcpu = (uint16_t)cpu->id, .kind = TR_FORWARD, .size = (uint8_t)size,
				 .flags = (uint8_t)((is_write ? TRF_WRITE : 0) | (count > 1 ? TRF_STRING : 0) |
						    (mmio ? TRF_MMIO : 0)),
				 .count = (uint16_t)MIN(count, 0xffffu) };
	memcpy(&r->value, data, MIN(size, 8u));
	trace__commit(cpu->trace);
}

int delegate__forward(struct kvm_cpu *cpu, bool mmio, uint64_t addr, uint8_t *data, uint32_t size,
		      uint32_t count, bool is_write)
{
	struct vm *vm = cpu->vm;
	struct qtest *q = &vm->pc->qtest;
	char cmds[CHUNK * 48];
	uint64_t values[CHUNK], t0, t1;
	int rc = 0;

	/* Odd MMIO sizes (a 3-byte or 16-byte access) go byte by byte. */
	if (!size_letter(mmio, size)) {
		for (uint32_t i = 0; i < size * count && !rc; i++)
			rc = delegate__forward(cpu, mmio, addr + (mmio ? i % size : 0), data + i, 1, 1, is_write);
		return rc;
	}
	if (!mmio && is_write)
		watch_boot_read(cpu, addr, data);
	t0 = clock__now();
	pthread_mutex_lock(&q->lock);
	kbc_status_forget(vm->pc);
	for (uint32_t done = 0; done < count && !rc;) {
		uint32_t n = MIN(count - done, (uint32_t)CHUNK);
		size_t len = 0;

		for (uint32_t i = 0; i < n; i++)
			len += delegate__format(cmds + len, sizeof(cmds) - len, mmio, addr, size, data + (done + i) * size,
					      is_write);
		rc = qtest__exchange(q, cmds, len, (int)n, values, run_over, vm);
		for (uint32_t i = 0; i < n && !rc && !is_write; i++)
			memcpy(data + (done + i) * size, &values[i], size);
		done += n;
	}
	t1 = clock__now();
	if (!rc)
		kbc_status_learn(vm->pc, mmio, addr, size, count, is_write, data[0]);
	else if (rc != -ECANCELED)
		fail_locked(vm, cpu->id, rc, t1);
	pthread_mutex_unlock(&q->lock);
	record(cpu, mmio, addr, data, size, count, is_write, t0, t1);
	if (!rc)
		return 0;
	if (!is_write)
		memset(data, 0xff, (size_t)size * count);
	return rc == -ECANCELED ? 0 : -EIO;
}

int delegate__forward_latched(struct kvm_cpu *cpu, uint16_t latch_port, uint32_t latch_size, uint32_t latch,
			      uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = cpu->vm;
	struct qtest *q = &vm->pc->qtest;
	char cmds[96];
	uint64_t values[2] = { 0, 0 }, t0, t1;
	size_t n;
	int rc;

	n = delegate__format(cmds, sizeof(cmds), false, latch_port, latch_size, (const uint8_t *)&latch, true);
	n += delegate__format(cmds + n, sizeof(cmds) - n, false, port, len, data, is_write);
	t0 = clock__now();
	pthread_mutex_lock(&q->lock);
	kbc_status_forget(vm->pc);
	rc = qtest__exchange(q, cmds, n, 2, values, run_over, vm);
	t1 = clock__now();
	if (rc && rc != -ECANCELED)
		fail_locked(vm, cpu->id, rc, t1);
	pthread_mutex_unlock(&q->lock);
	if (!rc && !is_write)
		memcpy(data, &values[1], len);
	record(cpu, false, port, data, len, 1, is_write, t0, t1);
	if (!rc)
		return 0;
	if (!is_write)
		memset(data, 0xff, len);
	return rc == -ECANCELED ? 0 : -EIO;
}

/*
 * The ACPI PM block stays in the child, but two of its registers are
 * answered here (devices/acpi_pm.h): timer reads, and a write that sets
 * SLP_EN, which ends the run as QEMU would power off.
 */
static bool pm_local(struct kvm_cpu *cpu, uint64_t port, uint8_t *data, uint32_t size, uint32_t count,
		     bool is_write)
{
	uint16_t base = atomic_load_explicit(&cpu->vm->pc->pm_base, memory_order_relaxed);

	if (is_write)
		return acpi_pm__powers_off(cpu, base, port, data, size, count);
	if (!acpi_pm__read_timer(base, port, data, size))
		return false;
	for (uint32_t i = 1; i < count; i++)
		acpi_pm__read_timer(base, port, data + (size_t)i * size, size);
	return true;
}

static int forward_pio(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		       bool is_write)
{
	(void)dev;
	if (pm_local(cpu, port, data, len, 1, is_write))
		return 0;
	return delegate__forward(cpu, false, port, data, len, 1, is_write);
}

static int forward_pio_string(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t size,
			      uint32_t count, bool is_write)
{
	(void)dev;
	if (pm_local(cpu, port, data, size, count, is_write))
		return 0;
	return delegate__forward(cpu, false, port, data, size, count, is_write);
}

/*
 * MMIO that reaches us: the PAM windows during a slot swap or a write the
 * guest made to a read-only one, the BIOS ROM (a write), else QEMU's.
 */
static int forward_mmio(struct kvm_cpu *cpu, void *dev, uint64_t addr, uint8_t *data, uint32_t len,
			bool is_write)
{
	struct pc *pc = cpu->vm->pc;
	uint64_t rom = (1ULL << 32) - pc->bios_size;

	(void)dev;
	if (addr >= PC_LEGACY_BASE && addr + len <= PC_LEGACY_BASE + PC_LEGACY_SIZE) {
		bool writable;
		uint8_t *p = pam__backing(cpu->vm, addr, &writable);

		if (!is_write)
			memcpy(data, p, len);
		else if (writable)
			memcpy(p, data, len);
		else
			atomic_fetch_add(&pc->rom_writes_dropped, 1);
		return 0;
	}
	/*
	 * The local APIC page exits only while a vCPU's APIC is off (a 486 on one
	 * CPU). Forwarded, it would reach the child's own CPU's APIC: answer as an
	 * empty bus would.
	 */
	if (addr >= 0xfee00000 && addr < 0xfef00000) {
		if (!is_write)
			memset(data, 0xff, len);
		return 0;
	}
	if (addr >= rom && addr + len <= (1ULL << 32)) {
		if (!is_write)
			memcpy(data, pc->bios + (addr - rom), len);
		else
			atomic_fetch_add(&pc->rom_writes_dropped, 1);
		return 0;
	}
	return delegate__forward(cpu, true, addr, data, len, 1, is_write);
}

/*
 * The ports where the child has a device, as `info mtree -f` shows its I/O
 * space (QEMU 7.2, bootscope's command line), less the ones bootscope
 * answers itself (IDE, port 0x80, 0x92, APM, PCI configuration, reset).
 * Only these are forwarded. Every other port is empty in the child too, and
 * QEMU answers an empty port with all ones: bootscope now answers it so
 * itself, without a round trip, and counts it as unhandled, as in a direct
 * boot (the many ports Linux probes for ISA cards, VGA, serial and parallel
 * ports). tests/integration/bios.sh compares this list with the child's map.
 */
static const struct {
	const char *name;
	uint16_t base, len;
} named[] = {
	{ "dma", 0x00, 0x10 },		/* channels 0-3, controller 1 */
	{ "kbc", 0x60, 1 },		/* 0x64 is kbc.c's, which forwards */
	{ "rtc", 0x70, 2 },
	{ "dma", 0x81, 3 },		/* page registers */
	{ "dma", 0x87, 1 },
	{ "dma", 0x89, 3 },
	{ "dma", 0x8f, 1 },
	{ "dma", 0xc0, 0x20 },		/* channels 4-7, controller 2 */
	{ "fpu", 0xf0, 1 },		/* ioportF0: clears the FPU's error */
	{ "fdc", 0x3f1, 5 },
	{ "fdc", 0x3f7, 1 },
	{ "fw_cfg", 0x510, 2 },
	{ "fw_cfg", 0x514, 8 },		/* its DMA interface */
	{ "vmport", 0x5658, 1 },
	{ "acpi-hotplug", 0xae00, 0x18 },	/* PCI hotplug */
	{ "acpi-hotplug", 0xaf00, 0x20 },	/* CPU hotplug */
	{ "acpi-gpe", 0xafe0, 4 },
};

void delegate__reaches_child(struct vm *vm, int idx)
{
	vm->pc->child_devs |= 1ULL << idx;
}

int delegate__register_partly(struct vm *vm, const char *name, uint16_t base, uint16_t len, bus_fn fn)
{
	int rc = bus__register_pio(&vm->bus, name, base, len, fn, NULL);

	if (!rc)
		delegate__reaches_child(vm, vm->bus.nr_pio);
	return rc;
}

bool delegate__forwards(const struct vm *vm, int idx)
{
	return vm->pc->child_devs >> idx & 1;
}

int delegate__register(struct vm *vm)
{
	struct bus *bus = &vm->bus;
	struct pc *pc = vm->pc;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(named); i++) {
		if (bus->port_map[named[i].base])
			continue;	/* bootscope's own */
		rc = bus__register_pio(bus, named[i].name, named[i].base, named[i].len, forward_pio, NULL);
		if (rc)
			return rc;
		bus__set_string_fn(bus, named[i].base, forward_pio_string);
		delegate__reaches_child(vm, bus->nr_pio);
	}
	/*
	 * The PIIX4's two I/O windows move where the BIOS programs them (pam.c):
	 * the ACPI PM block (off until then) and the SMBus controller (at QEMU's
	 * 0xb100 until then).
	 */
	if ((rc = pc->pm_dev = bus__add_pio(bus, "acpi-pm", 0x40, forward_pio, NULL)) < 0 ||
	    (rc = pc->smbus_dev = bus__add_pio(bus, "smbus", 0x40, forward_pio, NULL)) < 0)
		return rc;
	bus->pio[pc->pm_dev].string_fn = forward_pio_string;
	bus->pio[pc->smbus_dev].string_fn = forward_pio_string;
	delegate__reaches_child(vm, pc->pm_dev);
	delegate__reaches_child(vm, pc->smbus_dev);
	if ((rc = bus__map_pio(bus, pc->smbus_dev, PIIX4_SMBUS_DEFAULT)))
		return rc;
	/* Ports nobody claimed read as an empty ISA bus (bus.c); MMIO nobody claimed is the child's. */
	bus->pio[0] = (struct bus_device){ 0 };
	bus->mmio_default = (struct bus_device){ "qemu", 0, ~0ULL, forward_mmio, NULL, NULL };
	return 0;
}

/* The child's I/O APIC input N is ISA IRQ N (or a PCI PIRQ routed there): the same GSI here. */
void delegate__irq(void *opaque, int line, int level)
{
	struct vm *vm = opaque;

	/* The keyboard or the mouse has a byte (a typed key, say): the kept KBC status is stale. */
	if ((line == 1 || line == 12) && level)
		kbc_status_forget(vm->pc);
	if (line >= 0 && line < 24)
		kvm__irq_line(vm, line, level);
}

int delegate__poll(struct vm *vm)
{
	struct qtest *q = &vm->pc->qtest;
	int rc;

	if (pthread_mutex_trylock(&q->lock))
		return 1;	/* a vCPU is talking to the child and reads its IRQ lines itself */
	rc = qtest__poll(q);
	if (rc)
		fail_locked(vm, -1, rc, clock__now());
	pthread_mutex_unlock(&q->lock);
	return rc ? -1 : 0;
}
