/*
 * cmos.c - MC146818 RTC and CMOS memory at ports 0x70/0x71.
 *
 * The clock registers are read from the host's UTC time at the moment of the
 * read, in the format register B selects (BCD or binary, 12 or 24 hour);
 * writes to them are kept but do not set a clock. Register A never shows an
 * update in progress. No periodic, alarm or update interrupts (IRQ 8).
 * The memory-size bytes are filled in as a PC BIOS setup would.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "devices/devices.h"
#include "core/memmap.h"
#include "core/vm.h"

#define RTC_SEC 0x00
#define RTC_MIN 0x02
#define RTC_HOUR 0x04
#define RTC_WDAY 0x06
#define RTC_MDAY 0x07
#define RTC_MON 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_B_DM 0x04	/* binary data mode */
#define RTC_B_24H 0x02
#define CMOS_CENTURY 0x32

struct cmos {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t nvram[128];
};

static void put16(uint8_t *nv, int reg, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	nv[reg] = (uint8_t)v;
	nv[reg + 1] = (uint8_t)(v >> 8);
}

void cmos__fill_memory(uint8_t *nv, uint64_t ram_size, int nr_cpus)
{
	uint64_t ext_kb = ram_size > HIGH_RAM_BASE ? (ram_size - HIGH_RAM_BASE) / KiB : 0;
	uint64_t above16 = ram_size > 16 * MiB ? (ram_size - 16 * MiB) / (64 * KiB) : 0;
	unsigned sum = 0;

	put16(nv, 0x15, 640);		/* base memory, KiB */
	put16(nv, 0x17, ext_kb);	/* extended memory from 1 MiB, KiB */
	put16(nv, 0x30, ext_kb);	/* the same, as POST measured it */
	put16(nv, 0x34, above16);	/* memory above 16 MiB, 64 KiB blocks */
	nv[0x5b] = nv[0x5c] = nv[0x5d] = 0;	/* nothing above 4 GiB */
	nv[0x5f] = (uint8_t)(nr_cpus - 1);	/* CPU count - 1, as QEMU tells SeaBIOS */
	nv[0x10] = 0;			/* no floppy */
	nv[0x12] = 0;			/* no hard disk */
	nv[0x14] = 0x02;		/* equipment: math coprocessor */
	for (int i = 0x10; i <= 0x2d; i++)
		sum += nv[i];
	nv[0x2e] = (uint8_t)(sum >> 8);
	nv[0x2f] = (uint8_t)sum;
}

static uint8_t to_bcd(int v) { return (uint8_t)(((v / 10) << 4) | (v % 10)); }

static uint8_t clock_reg(const struct cmos *c, uint8_t reg)
{
	bool bin = c->nvram[RTC_REG_B] & RTC_B_DM;
	struct tm tm;
	time_t now = time(NULL);
	int v;

	gmtime_r(&now, &tm);
	switch (reg) {
	case RTC_SEC: v = tm.tm_sec; break;
	case RTC_MIN: v = tm.tm_min; break;
	case RTC_HOUR:
		v = tm.tm_hour;
		if (!(c->nvram[RTC_REG_B] & RTC_B_24H)) {
			int h12 = v % 12 ? v % 12 : 12;

			return (uint8_t)((bin ? h12 : to_bcd(h12)) | (v >= 12 ? 0x80 : 0));
		}
		break;
	case RTC_WDAY: v = tm.tm_wday + 1; break;
	case RTC_MDAY: v = tm.tm_mday; break;
	case RTC_MON: v = tm.tm_mon + 1; break;
	case RTC_YEAR: v = tm.tm_year % 100; break;
	case CMOS_CENTURY: v = 19 + tm.tm_year / 100; break;
	default: return c->nvram[reg];	/* alarm registers */
	}
	return bin ? (uint8_t)v : to_bcd(v);
}

static int cmos_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct cmos *c = dev;

	(void)cpu;
	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < len; i++) {
		bool index_port = ((port + i) & 1) == 0;

		if (index_port) {
			if (is_write)
				c->index = data[i] & 0x7f;	/* bit 7 is the NMI mask */
			else
				data[i] = 0xff;
			continue;
		}
		if (is_write) {
			if (c->index != RTC_REG_C && c->index != RTC_REG_D)
				c->nvram[c->index] = data[i];
			continue;
		}
		if (c->index <= RTC_YEAR || c->index == CMOS_CENTURY)
			data[i] = clock_reg(c, c->index);
		else
			data[i] = c->nvram[c->index];
		if (c->index == RTC_REG_C)
			c->nvram[RTC_REG_C] = 0;	/* reading C clears the flags */
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int cmos__register(struct vm *vm)
{
	static struct cmos cmos;

	pthread_mutex_init(&cmos.lock, NULL);
	cmos.nvram[RTC_REG_A] = 0x26;	/* 32.768 kHz time base, 1024 Hz rate */
	cmos.nvram[RTC_REG_B] = RTC_B_24H;
	cmos.nvram[RTC_REG_D] = 0x80;	/* battery good */
	cmos__fill_memory(cmos.nvram, vm->ram_size, vm->cfg.smp);
	return bus__register_pio(&vm->bus, "cmos", CMOS_PORT, 2, cmos_io, &cmos);
}
