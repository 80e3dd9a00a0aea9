/*
 * fw_cfg.c - the part of QEMU's firmware configuration device that guests
 * written for QEMU read in a direct boot (kvm-unit-tests among them): the
 * "QEMU" signature, the interface ID, the RAM size, the CPU count and an
 * empty file directory. Port 0x510 selects an item (16-bit write); 0x511
 * reads it a byte at a time. Unknown items and reads past an item's end
 * return 0, as in QEMU. No DMA interface.
 */
#include <pthread.h>
#include <string.h>

#include "devices/devices.h"
#include "core/vm.h"

enum { FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_RAM_SIZE = 0x03, FW_CFG_NB_CPUS = 0x05,
       FW_CFG_MAX_CPUS = 0x0f, FW_CFG_FILE_DIR = 0x19 };

struct fw_cfg {
	pthread_mutex_t lock;
	uint16_t key;
	uint32_t offset;
	uint8_t sig[4], id[4], ram[8], cpus[2], dir[4];
};

static const uint8_t *item(const struct fw_cfg *c, uint16_t key, uint32_t *len)
{
	switch (key) {
	case FW_CFG_SIGNATURE: *len = 4; return c->sig;
	case FW_CFG_ID: *len = 4; return c->id;
	case FW_CFG_RAM_SIZE: *len = 8; return c->ram;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS: *len = 2; return c->cpus;
	case FW_CFG_FILE_DIR: *len = 4; return c->dir;
	default: *len = 0; return NULL;
	}
}

static int fw_cfg_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct fw_cfg *c = dev;

	(void)cpu;
	pthread_mutex_lock(&c->lock);
	if (port == FW_CFG_PORT) {
		if (is_write) {
			c->key = (uint16_t)(data[0] | (len > 1 ? data[1] << 8 : 0));
			c->offset = 0;
		} else {
			memset(data, 0, len);
		}
	} else if (!is_write) {
		for (uint32_t i = 0; i < len; i++) {
			uint32_t n;
			const uint8_t *p = item(c, c->key, &n);

			data[i] = p && c->offset < n ? p[c->offset] : 0;
			c->offset++;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int fw_cfg__register(struct vm *vm)
{
	static struct fw_cfg c;

	pthread_mutex_init(&c.lock, NULL);
	memcpy(c.sig, "QEMU", 4);
	put_le32(c.id, 1);			/* traditional interface only */
	put_le64(c.ram, vm->ram_size);
	put_le16(c.cpus, (uint16_t)vm->cfg.smp);
	memset(c.dir, 0, sizeof(c.dir));	/* big-endian count: no files */
	return bus__register_pio(&vm->bus, "fw_cfg", FW_CFG_PORT, 2, fw_cfg_io, &c);
}
