/*
 * ide.h - the PIIX IDE controller's two channels: ATA disks and ATAPI
 * CD-ROMs whose data comes straight from their image files (disk.h).
 *
 * Ports, per channel (primary, secondary):
 *   0x1f0-0x1f7, 0x170-0x177   the task file; +0 is the data port
 *   0x3f6, 0x376               device control (write) / alternate status (read)
 *   BAR4 + 0 / + 8             bus-master DMA: command, status, PRD table
 *                              (16 ports wherever the BIOS puts BAR4, ide__map_bmdma)
 * Interrupts: IRQ 14 and 15 (the legacy mode QEMU's PIIX3 IDE runs in). The
 * line rises when a command completes or a DRQ block is ready, unless nIEN
 * is set, and falls when the guest reads the status register.
 *
 * Data flow. PIO: a command fills the channel's buffer with one DRQ block
 * (one pread: a sector, a READ MULTIPLE block, or up to the ATAPI byte count
 * of CD sectors), and a `rep insw` of the whole block is one exit that copies
 * it out; the next block is read when the last word is taken. DMA: a command
 * and the bus master's start bit, in either order, run the transfer there
 * and then: one pread per PRD entry, straight into guest RAM.
 *
 * What the guest sees follows QEMU's IDE: model strings, IDENTIFY words, the
 * ATAPI answers, the register behaviour of an absent slave. So a guest takes
 * the same driver paths under bootscope and under QEMU+KVM, and the two
 * engines' times compare like with like.
 *
 * Threads: any vCPU may touch a channel; each channel has a lock, held for
 * the whole access (including its pread). The bus-master ports take the
 * lock of the channel they address.
 *
 * This header is what a machine needs to have an IDE controller; the
 * register bits and the functions its three files share are in
 * ide_internal.h, and the command opcodes in ata.h.
 */
#ifndef BOOTSCOPE_IDE_H
#define BOOTSCOPE_IDE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/disk.h"

struct vm;
struct kvm_cpu;

#define CD_SECTOR 2048
#define IDE_BUF (64 * 1024)	/* the largest DRQ block: 63488 bytes of CD sectors */
#define IDE_MAX_MULT 16		/* READ/WRITE MULTIPLE sectors per block, as QEMU */

/* What happens when the guest has moved the current DRQ block. */
enum ide_block_end {
	IDE_END_DONE,		/* the command is over */
	IDE_END_ATA_READ,		/* read the next sectors, or finish */
	IDE_END_ATA_WRITE,		/* write the block, ask for the next */
	IDE_END_PACKET,		/* 12 bytes of ATAPI packet arrived: run it */
	IDE_END_ATAPI_IN,		/* the next chunk of an ATAPI reply */
};

struct ide_drive {
	struct disk *disk;	/* NULL: no drive */
	bool atapi;
	uint16_t cyls, heads, secs;	/* ATA geometry, QEMU's guess */
	char serial[21];

	/* The task file as this drive holds it (a write reaches both drives, a read the selected one). */
	uint8_t feature, nsector, sector, lcyl, hcyl, select, status, error;
	uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
	uint8_t mult_sectors;
	int8_t mdma_mode, udma_mode;	/* SET FEATURES transfer mode; -1 none */

	uint8_t sense_key, asc;	/* ATAPI: for REQUEST SENSE */
};

struct ide_channel {
	pthread_mutex_t lock;
	struct vm *vm;
	struct ide *ide;
	int index, irq;
	struct ide_drive drive[2];
	int cur;		/* the selected drive */
	uint8_t ctrl;		/* device control as last written */
	bool irq_level;

	/* PIO: the current DRQ block is buf[pos, end). */
	uint8_t buf[IDE_BUF];
	uint32_t pos, end;
	enum ide_block_end block_end;

	/* The rest of a transfer, beyond the current block. */
	uint64_t lba;		/* next sector (512 bytes ATA, 2048 ATAPI) */
	uint32_t left;		/* ATA: sectors; ATAPI: bytes */
	uint32_t mult;		/* ATA: sectors per DRQ block */
	bool lba48;
	bool from_buf;		/* ATAPI: the reply is already all in buf (pos marks the chunk) */
	uint16_t byte_limit;	/* ATAPI: the byte count the host allowed per DRQ, at PACKET time */

	/* DMA: a command waiting for (or running with) the bus master. */
	bool dma_pending, dma_write, dma_atapi;
	uint64_t dma_bytes;	/* bytes the command moves */

	struct {
		uint8_t cmd, status;
		uint32_t prd;
	} bm;

	/* Counters for the summary. */
	uint64_t commands, dma_transfers, pio_blocks;
};

struct ide {
	struct ide_channel ch[2];
	int bm_dev;		/* the bus-master ports' bus index */
	uint16_t bm_base;	/* 0: unmapped */
	/*
	 * Called on every read command (ATA read, ATAPI READ(10)/(12)) before it
	 * runs, on the vCPU that issued it: the PC's boot-read milestone.
	 */
	void (*read_hook)(struct kvm_cpu *cpu, void *arg);
	void *hook_arg;
};

/*
 * Attach a disk: channel 0 or 1, unit 0 (master) or 1 (slave). model and
 * serial follow QEMU ("QEMU HARDDISK", "QEMU DVD-ROM"; "QM0000N").
 */
void ide__attach(struct ide *ide, int channel, int unit, struct disk *disk, bool atapi);
/* Put both channels and the (unmapped) bus-master ports on the bus. 0 or -errno. */
int ide__register(struct vm *vm, struct ide *ide);
/* BAR4 as the guest programmed it (I/O space, 16 ports); base 0 unmaps. 0 or -errno. */
int ide__map_bmdma(struct vm *vm, struct ide *ide, uint16_t base);
void ide__exit(struct ide *ide);

#endif
