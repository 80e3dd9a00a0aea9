/* Unit tests of port and MMIO dispatch (core/bus.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/bus.h"
#include "core/vm.h"

static struct vm vm;
static struct kvm_cpu cpu;

/* A device that remembers its last access and reads back a fixed pattern. */
struct dev {
	uint64_t addr;
	uint32_t len, calls, string_calls, count;
	bool is_write;
	uint8_t last[8];
};

static int dev_fn(struct kvm_cpu *c, void *opaque, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct dev *d = opaque;

	(void)c;
	d->addr = addr;
	d->len = len;
	d->is_write = is_write;
	d->calls++;
	if (is_write)
		memcpy(d->last, data, len);
	else
		memset(data, 0x5a, len);
	return 0;
}

static int dev_string_fn(struct kvm_cpu *c, void *opaque, uint64_t port, uint8_t *data, uint32_t size,
			 uint32_t count, bool is_write)
{
	struct dev *d = opaque;

	(void)c, (void)data, (void)is_write;
	d->addr = port;
	d->len = size;
	d->count = count;
	d->string_calls++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	memset(&cpu, 0, sizeof(cpu));
	cpu.vm = &vm;
	return 0;
}

static void test_ports_reach_their_device(void **state)
{
	struct dev a = { 0 }, b = { 0 };
	uint8_t v[4] = { 1, 2, 3, 4 };

	(void)state;
	assert_int_equal(bus__register_pio(&vm.bus, "a", 0x70, 2, dev_fn, &a), 0);
	assert_int_equal(bus__register_pio(&vm.bus, "b", 0x3f8, 8, dev_fn, &b), 0);
	assert_int_equal(bus__pio(&cpu, 0x71, v, 1, true), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.addr, 0x71);
	assert_true(a.is_write);
	assert_int_equal(a.last[0], 1);
	assert_int_equal(bus__pio(&cpu, 0x3ff, v, 4, false), 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.len, 4);
	assert_memory_equal(v, "\x5a\x5a\x5a\x5a", 4);
	assert_string_equal(bus__find_pio(&vm.bus, 0x3fa)->name, "b");
	assert_null(bus__find_pio(&vm.bus, 0x72));
}

static void test_bad_and_overlapping_ranges_are_refused(void **state)
{
	struct dev a = { 0 };

	(void)state;
	assert_int_equal(bus__register_pio(&vm.bus, "a", 0x60, 5, dev_fn, &a), 0);
	assert_int_equal(bus__register_pio(&vm.bus, "x", 0x64, 1, dev_fn, &a), -EBUSY);
	assert_int_equal(bus__register_pio(&vm.bus, "x", 0x5f, 2, dev_fn, &a), -EBUSY);
	assert_int_equal(bus__register_pio(&vm.bus, "x", 0x100, 0, dev_fn, &a), -EINVAL);
	assert_int_equal(bus__register_pio(&vm.bus, "x", 0xffff, 2, dev_fn, &a), -EINVAL);
	assert_int_equal(bus__register_pio(&vm.bus, "x", 0xffff, 1, dev_fn, &a), 0);
	assert_int_equal(bus__register_mmio(&vm.bus, "m", 0xfee00000, 0x1000, dev_fn, &a), 0);
	assert_int_equal(bus__register_mmio(&vm.bus, "x", 0xfee00fff, 1, dev_fn, &a), -EBUSY);
	assert_int_equal(bus__register_mmio(&vm.bus, "x", UINT64_MAX, 2, dev_fn, &a), -EINVAL);
	/* The table holds BUS_MAX_DEVICES port devices. */
	for (int i = 2; i < BUS_MAX_DEVICES; i++)
		assert_int_equal(bus__register_pio(&vm.bus, "n", (uint16_t)(0x1000 + i), 1, dev_fn, &a), 0);
	assert_int_equal(bus__register_pio(&vm.bus, "n", 0x2000, 1, dev_fn, &a), -EINVAL);
}

/* Nobody's port: reads float high, writes vanish, and each is counted and kept as an event. */
static void test_unclaimed_port(void **state)
{
	static _Atomic uint32_t counts[65536][2];
	uint8_t v[2] = { 0x12, 0x34 };

	(void)state;
	vm.unhandled_pio = counts;
	assert_int_equal(bus__pio(&cpu, 0x1234, v, 2, false), 0);
	assert_memory_equal(v, "\xff\xff", 2);
	v[0] = 0xab;
	v[1] = 0xcd;
	assert_int_equal(bus__pio(&cpu, 0x1234, v, 2, true), 0);
	assert_int_equal(counts[0x1234][0], 1);
	assert_int_equal(counts[0x1234][1], 1);
	assert_int_equal(cpu.events.n, 2);
	assert_int_equal(cpu.events.ev[1].kind, EV_UNHANDLED_PIO);
	assert_int_equal(cpu.events.ev[1].a, 0x1234);
	assert_int_equal(cpu.events.ev[1].b, 0xcdab);
	vm.unhandled_pio = NULL;
}

/* A BIOS boot's catch-all (pio[0]) answers every port nobody registered. */
static void test_catch_all_device(void **state)
{
	struct dev all = { 0 }, a = { 0 };
	uint8_t v = 0;

	(void)state;
	vm.bus.pio[0] = (struct bus_device){ "qemu", 0, 65536, dev_fn, &all, NULL };
	assert_int_equal(bus__register_pio(&vm.bus, "a", 0x80, 1, dev_fn, &a), 0);
	assert_int_equal(bus__pio(&cpu, 0x1f0, &v, 1, false), 0);
	assert_int_equal(all.calls, 1);
	assert_int_equal(v, 0x5a);
	assert_int_equal(bus__pio(&cpu, 0x80, &v, 1, true), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(all.calls, 1);
	assert_string_equal(bus__find_pio(&vm.bus, 0x1f0)->name, "qemu");
	assert_int_equal(cpu.events.n, 0);
}

/* rep outs: one call to a device's string handler, else one call per item. */
static void test_string_io(void **state)
{
	struct dev s = { 0 }, p = { 0 };
	uint8_t buf[16] = { 0 };

	(void)state;
	assert_int_equal(bus__register_pio(&vm.bus, "s", 0x1f0, 8, dev_fn, &s), 0);
	bus__set_string_fn(&vm.bus, 0x1f0, dev_string_fn);
	assert_int_equal(bus__register_pio(&vm.bus, "p", 0x3f8, 8, dev_fn, &p), 0);
	assert_int_equal(bus__pio_string(&cpu, 0x1f0, buf, 2, 8, true), 0);
	assert_int_equal(s.string_calls, 1);
	assert_int_equal(s.count, 8);
	assert_int_equal(s.calls, 0);
	assert_int_equal(bus__pio_string(&cpu, 0x3f8, buf, 1, 5, false), 0);
	assert_int_equal(p.calls, 5);
	assert_memory_equal(buf, "\x5a\x5a\x5a\x5a\x5a\x00", 6);
}

static void test_mmio(void **state)
{
	struct dev m = { 0 }, d = { 0 };
	uint8_t v[4] = { 0 };

	(void)state;
	assert_int_equal(bus__register_mmio(&vm.bus, "lapic", 0xfee00000, 0x1000, dev_fn, &m), 0);
	assert_int_equal(bus__find_mmio(&vm.bus, 0xfee00ff0), 0);
	assert_int_equal(bus__find_mmio(&vm.bus, 0xfee01000), BUS_MAX_DEVICES);
	assert_int_equal(bus__mmio(&cpu, 0xfee00020, v, 4, false), 0);
	assert_int_equal(m.calls, 1);
	assert_int_equal(cpu.mmio_dev, 0);
	/* Nobody's address: ones, and an event. */
	assert_int_equal(bus__mmio(&cpu, 0xd0000000, v, 4, false), 0);
	assert_memory_equal(v, "\xff\xff\xff\xff", 4);
	assert_int_equal(cpu.mmio_dev, BUS_MAX_DEVICES);
	assert_int_equal(cpu.events.n, 1);
	assert_int_equal(cpu.events.ev[0].kind, EV_UNHANDLED_MMIO);
	assert_int_equal(cpu.events.ev[0].a, 0xd0000000);
	/* ... unless a default handler takes them. */
	vm.bus.mmio_default = (struct bus_device){ "qemu", 0, 0, dev_fn, &d, NULL };
	assert_int_equal(bus__mmio(&cpu, 0xd0000000, v, 4, true), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(cpu.events.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ports_reach_their_device, setup),
		cmocka_unit_test_setup(test_bad_and_overlapping_ranges_are_refused, setup),
		cmocka_unit_test_setup(test_unclaimed_port, setup),
		cmocka_unit_test_setup(test_catch_all_device, setup),
		cmocka_unit_test_setup(test_string_io, setup),
		cmocka_unit_test_setup(test_mmio, setup),
	};

	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
