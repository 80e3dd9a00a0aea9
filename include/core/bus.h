/*
 * bus.h - who answers a port or MMIO access.
 *
 * Devices register a port range or an address range with a handler. Port
 * lookup is one byte read from a 64 Ki table (the index of the device), so
 * dispatch costs the same whatever the number of devices. An access nobody
 * claims is recorded as an event and answered as an unconnected ISA bus
 * would: reads return all ones, writes vanish.
 */
#ifndef BOOTSCOPE_BUS_H
#define BOOTSCOPE_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_cpu;

/*
 * addr is the port or physical address, data holds len bytes (1, 2, 4 or 8)
 * in guest byte order. A read handler fills data. Returns 0, or negative
 * errno for a fault in the VMM itself (which ends the run).
 */
typedef int (*bus_fn)(struct kvm_cpu *cpu, void *dev, uint64_t addr, uint8_t *data,
		      uint32_t len, bool is_write);

/* String I/O (rep ins/outs): count items of size bytes at once, for devices that can batch. */
typedef int (*bus_string_fn)(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data,
			     uint32_t size, uint32_t count, bool is_write);

#define BUS_MAX_DEVICES 63

struct bus_device {
	const char *name;
	uint64_t base, len;
	bus_fn fn;
	void *dev;
	bus_string_fn string_fn;	/* optional */
};

struct bus {
	/*
	 * [0] answers ports nobody registered when its fn is set (a BIOS boot's
	 * device model); otherwise such accesses are recorded as unhandled.
	 */
	struct bus_device pio[BUS_MAX_DEVICES + 1];
	int nr_pio;
	uint8_t port_map[65536];
	struct bus_device mmio[BUS_MAX_DEVICES];
	int nr_mmio;
	struct bus_device mmio_default;	/* the same for MMIO */
};

int bus__register_pio(struct bus *bus, const char *name, uint16_t base, uint16_t len,
		      bus_fn fn, void *dev);
/*
 * A device whose ports move at run time (a PCI BAR the guest programs):
 * bus__add_pio() gives it an index with no ports, bus__map_pio() puts its
 * len ports at base, or nowhere with BUS_UNMAPPED. Moving happens on a vCPU
 * thread while others dispatch: each port's byte in port_map changes at
 * once, so a racing access reaches the old or the new owner, never garbage.
 */
#define BUS_UNMAPPED (~0ULL)
int bus__add_pio(struct bus *bus, const char *name, uint16_t len, bus_fn fn, void *dev);
int bus__map_pio(struct bus *bus, int idx, uint64_t base);
int bus__register_mmio(struct bus *bus, const char *name, uint64_t base, uint64_t len,
		       bus_fn fn, void *dev);
/* Dispatch one access; unclaimed ones are recorded on cpu and answered with ones. */
int bus__pio(struct kvm_cpu *cpu, uint16_t port, uint8_t *data, uint32_t len, bool is_write);
int bus__mmio(struct kvm_cpu *cpu, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);
/* rep ins/outs: one call to the device's string_fn when it has one, else item by item. */
int bus__pio_string(struct kvm_cpu *cpu, uint16_t port, uint8_t *data, uint32_t size, uint32_t count,
		    bool is_write);
void bus__set_string_fn(struct bus *bus, uint16_t port, bus_string_fn fn);
const struct bus_device *bus__find_pio(const struct bus *bus, uint16_t port);
/* Index of the MMIO device at addr, or BUS_MAX_DEVICES when there is none. */
int bus__find_mmio(const struct bus *bus, uint64_t addr);

/*
 * For devices that only take writes: a read is answered with all ones and
 * returns false; a write returns true with its value (up to 4 bytes).
 */
static inline bool bus__written_value(uint8_t *data, uint32_t len, bool is_write, uint32_t *value)
{
	*value = 0;
	for (uint32_t i = 0; i < len; i++) {
		if (!is_write)
			data[i] = 0xff;
		else if (i < 4)
			*value |= (uint32_t)data[i] << (8 * i);
	}
	return is_write;
}

#endif
