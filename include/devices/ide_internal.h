/*
 * ide_internal.h - what the IDE controller's files (ide.c: the task file and
 * the ATA command table; atapi.c: the ATAPI packet commands; ide_bmdma.c:
 * the bus master) share, and its unit test. Not for the rest of bootscope:
 * a machine uses ide.h. All of it runs with the channel's lock held.
 */
#ifndef BOOTSCOPE_IDE_INTERNAL_H
#define BOOTSCOPE_IDE_INTERNAL_H

#include "devices/ide.h"

/* Status register bits. */
#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DSC 0x10
#define ST_DRDY 0x40
#define ST_BSY 0x80
/* Error register. */
#define ER_ABRT 0x04
/* Device control. */
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB 0x80
/* ATAPI interrupt reason, in the sector count register. */
#define IR_COD 0x01
#define IR_IO 0x02
/* Bus-master command and status. */
#define BM_START 0x01
#define BM_TO_MEMORY 0x08
#define BM_ACTIVE 0x01
#define BM_ERROR 0x02
#define BM_INT 0x04

/* The selected drive of a channel. */
static inline struct ide_drive *ide__cur(struct ide_channel *ch)
{
	return &ch->drive[ch->cur];
}

#define IDE_VERSION "2.5+"	/* QEMU's firmware revision, in IDENTIFY and INQUIRY */
/* An IDENTIFY string: space-padded, two characters per word, the first in the high byte. */
void ide__put_string(uint16_t *w, int words, const char *s);

/* ide.c, for atapi.c and ide_bmdma.c; channel lock held. */
void ide__raise(struct ide_channel *ch);
void ide__abort(struct ide_channel *ch);
/* Start a PIO data-in block of buf[0, len), ready for the guest; end says what follows. */
void ide__pio_in(struct ide_channel *ch, uint32_t len, enum ide_block_end end);
/* The command's data moved by DMA: the drive completes (ATA) or reports (ATAPI). */
void ide__dma_done(struct ide_channel *ch, bool ok);

/* atapi.c */
void atapi__identify(const struct ide_drive *d, uint16_t *w);
void atapi__packet(struct kvm_cpu *cpu, struct ide_channel *ch);
void atapi__next_chunk(struct ide_channel *ch);
void atapi__set_signature(struct ide_drive *d);

/* ide_bmdma.c */
int ide_bmdma__io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len, bool is_write);
/* A DMA command is pending and the start bit set: move its data now. */
void ide_bmdma__run(struct ide_channel *ch);

/*
 * Arm a DMA transfer of bytes for the bus master (write: to the disk); it
 * runs at once if the guest already set the start bit, else when it does.
 * The one place a command hands its data to the bus master, ATA or ATAPI.
 */
void ide_bmdma__arm(struct ide_channel *ch, bool write, uint64_t bytes);
/* ATAPI: CHECK CONDITION with MEDIUM ERROR, unrecovered read error (a failed read, PIO or DMA). */
void atapi__medium_error(struct ide_channel *ch);

#endif
