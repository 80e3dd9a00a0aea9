/*
 * bus.c - port and MMIO dispatch to registered devices.
 */
#include <errno.h>
#include <string.h>

#include "core/bus.h"
#include "core/kvm_cpu.h"
#include "core/vm.h"

int bus__add_pio(struct bus *bus, const char *name, uint16_t len, bus_fn fn, void *dev)
{
	if (bus->nr_pio >= BUS_MAX_DEVICES || len == 0)
		return -EINVAL;
	bus->pio[++bus->nr_pio] = (struct bus_device){ name, BUS_UNMAPPED, len, fn, dev, NULL };
	return bus->nr_pio;
}

int bus__map_pio(struct bus *bus, int idx, uint64_t base)
{
	struct bus_device *d = &bus->pio[idx];

	if (base != BUS_UNMAPPED) {
		if (base + d->len > 65536)
			return -EINVAL;
		for (uint64_t p = base; p < base + d->len; p++)
			if (bus->port_map[p] && bus->port_map[p] != idx)
				return -EBUSY;
	}
	if (d->base != BUS_UNMAPPED)
		memset(&bus->port_map[d->base], 0, d->len);
	d->base = base;
	if (base != BUS_UNMAPPED)
		memset(&bus->port_map[base], idx, d->len);
	return 0;
}

int bus__register_pio(struct bus *bus, const char *name, uint16_t base, uint16_t len,
		      bus_fn fn, void *dev)
{
	int idx = bus__add_pio(bus, name, len, fn, dev), rc;

	if (idx < 0)
		return idx;
	if ((rc = bus__map_pio(bus, idx, base)))
		bus->nr_pio--;
	return rc;
}

int bus__register_mmio(struct bus *bus, const char *name, uint64_t base, uint64_t len,
		       bus_fn fn, void *dev)
{
	if (bus->nr_mmio >= BUS_MAX_DEVICES || len == 0 || base + len < base)
		return -EINVAL;
	for (int i = 0; i < bus->nr_mmio; i++)
		if (base < bus->mmio[i].base + bus->mmio[i].len && bus->mmio[i].base < base + len)
			return -EBUSY;
	bus->mmio[bus->nr_mmio++] = (struct bus_device){ name, base, len, fn, dev, NULL };
	return 0;
}

void bus__set_string_fn(struct bus *bus, uint16_t port, bus_string_fn fn)
{
	bus->pio[bus->port_map[port]].string_fn = fn;
}

const struct bus_device *bus__find_pio(const struct bus *bus, uint16_t port)
{
	uint8_t i = bus->port_map[port];

	return i || bus->pio[0].fn ? &bus->pio[i] : NULL;
}

static uint64_t load_value(const uint8_t *data, uint32_t len)
{
	uint64_t v = 0;

	memcpy(&v, data, MIN(len, sizeof(v)));
	return v;
}

int bus__pio(struct kvm_cpu *cpu, uint16_t port, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = cpu->vm;
	uint8_t i = vm->bus.port_map[port];

	if (i || vm->bus.pio[0].fn) {
		struct bus_device *d = &vm->bus.pio[i];

		return d->fn(cpu, d->dev, port, data, len, is_write);
	}
	if (!is_write)
		memset(data, 0xff, len);
	if (vm->unhandled_pio)
		atomic_fetch_add_explicit(&vm->unhandled_pio[port][is_write], 1, memory_order_relaxed);
	kvm_cpu__event(cpu, EV_UNHANDLED_PIO, port,
		      is_write ? load_value(data, len) : 0, (uint8_t)len, is_write);
	return 0;
}

int bus__pio_string(struct kvm_cpu *cpu, uint16_t port, uint8_t *data, uint32_t size, uint32_t count,
		    bool is_write)
{
	struct bus_device *d = &cpu->vm->bus.pio[cpu->vm->bus.port_map[port]];

	if (d->string_fn)
		return d->string_fn(cpu, d->dev, port, data, size, count, is_write);
	for (uint32_t i = 0; i < count; i++, data += size) {
		int rc = bus__pio(cpu, port, data, size, is_write);

		if (rc)
			return rc;
	}
	return 0;
}

int bus__find_mmio(const struct bus *bus, uint64_t addr)
{
	for (int i = 0; i < bus->nr_mmio; i++)
		if (addr >= bus->mmio[i].base && addr - bus->mmio[i].base < bus->mmio[i].len)
			return i;
	return BUS_MAX_DEVICES;
}

int bus__mmio(struct kvm_cpu *cpu, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	struct bus *bus = &cpu->vm->bus;
	int i = bus__find_mmio(bus, addr);

	cpu->mmio_dev = i;
	if (i < BUS_MAX_DEVICES)
		return bus->mmio[i].fn(cpu, bus->mmio[i].dev, addr, data, len, is_write);
	if (bus->mmio_default.fn)
		return bus->mmio_default.fn(cpu, bus->mmio_default.dev, addr, data, len, is_write);
	if (!is_write)
		memset(data, 0xff, len);
	kvm_cpu__event(cpu, EV_UNHANDLED_MMIO, addr,
		      is_write ? load_value(data, len) : 0, (uint8_t)len, is_write);
	return 0;
}
