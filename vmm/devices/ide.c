/*
 * ide.c - the IDE channels: task-file registers, ATA commands, PIO data,
 * resets and interrupts (ide.h). ATAPI packets are atapi.c's, bus-master DMA
 * ide_bmdma.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/ata.h"
#include "devices/ide_internal.h"
#include "core/bus.h"
#include "core/kvm.h"
#include "core/kvm_cpu.h"
#include "core/vm.h"


static const struct {
	uint16_t base, ctl;
	const char *name;
} channel_ports[2] = { { 0x1f0, 0x3f6, "ide0" }, { 0x170, 0x376, "ide1" } };

static bool any_drive(const struct ide_channel *ch)
{
	return ch->drive[0].disk || ch->drive[1].disk;
}

void ide__raise(struct ide_channel *ch)
{
	ch->bm.status |= BM_INT;
	if (ch->ctrl & CTL_NIEN)
		return;
	ch->irq_level = true;
	kvm__irq_line(ch->vm, ch->irq, 1);
}

static void lower(struct ide_channel *ch)
{
	if (!ch->irq_level)
		return;
	ch->irq_level = false;
	kvm__irq_line(ch->vm, ch->irq, 0);
}

static void done(struct ide_channel *ch)
{
	ide__cur(ch)->status = ST_DRDY | ST_DSC;
	ch->pos = ch->end = 0;
	ide__raise(ch);
}

void ide__abort(struct ide_channel *ch)
{
	struct ide_drive *d = ide__cur(ch);

	d->status = ST_DRDY | ST_ERR;
	d->error = ER_ABRT;
	ch->pos = ch->end = 0;
	ch->dma_pending = false;
	ide__raise(ch);
}

void ide__pio_in(struct ide_channel *ch, uint32_t len, enum ide_block_end end)
{
	ch->pos = 0;
	ch->end = len;
	ch->block_end = end;
	ch->pio_blocks++;
	ide__cur(ch)->status = ST_DRDY | ST_DSC | ST_DRQ;
	ide__raise(ch);
}

static void set_signature(struct ide_drive *d)
{
	d->select &= 0xf0;
	d->nsector = d->sector = 1;
	if (d->atapi) {
		atapi__set_signature(d);
	} else if (d->disk) {
		d->lcyl = d->hcyl = 0;
	} else {
		d->lcyl = d->hcyl = 0xff;
	}
}

static void reset_drive(struct ide_channel *ch, int unit)
{
	struct ide_drive *d = &ch->drive[unit];

	d->select = (uint8_t)(0xa0 | (unit << 4));
	d->feature = d->hob_feature = d->hob_nsector = d->hob_sector = d->hob_lcyl = d->hob_hcyl = 0;
	d->mult_sectors = IDE_MAX_MULT;
	d->error = 0x01;
	d->status = d->atapi ? 0 : ST_DRDY | ST_DSC;	/* an ATAPI device does not set DRDY after a reset */
	d->sense_key = d->asc = 0;
	set_signature(d);
}

static void reset_channel(struct ide_channel *ch)
{
	ch->cur = 0;
	ch->pos = ch->end = 0;
	ch->dma_pending = false;
	for (int u = 0; u < 2; u++)
		reset_drive(ch, u);
}

/* ATA strings: space-padded, two characters per word, the first in the high byte. */
void ide__put_string(uint16_t *w, int words, const char *s)
{
	size_t n = strlen(s);

	for (int i = 0; i < words * 2; i++) {
		uint8_t c = (size_t)i < n ? (uint8_t)s[i] : ' ';

		if (i % 2)
			w[i / 2] |= c;
		else
			w[i / 2] = (uint16_t)(c << 8);
	}
}

static void identify_strings(const struct ide_drive *d, uint16_t *w, const char *model)
{
	ide__put_string(w + 10, 10, d->serial);
	ide__put_string(w + 23, 4, IDE_VERSION);
	ide__put_string(w + 27, 20, model);
}

static void ata_identify(const struct ide_drive *d, uint16_t *w)
{
	uint64_t sectors = d->disk->size / DISK_SECTOR, chs = (uint64_t)d->cyls * d->heads * d->secs;
	uint64_t lba28 = MIN(sectors, 0x0fffffffULL);

	memset(w, 0, 512);
	w[0] = 0x0040;				/* fixed disk */
	w[1] = d->cyls;
	w[3] = d->heads;
	w[4] = (uint16_t)(512 * d->secs);
	w[5] = 512;
	w[6] = d->secs;
	identify_strings(d, w, "QEMU HARDDISK");
	w[20] = 3;
	w[21] = 512;
	w[22] = 4;
	w[47] = 0x8000 | IDE_MAX_MULT;
	w[48] = 1;				/* 32-bit data port */
	w[49] = (1 << 11) | (1 << 9) | (1 << 8);	/* IORDY, LBA, DMA */
	w[51] = w[52] = 0x200;
	w[53] = 1 | 2 | 4;			/* words 54-58, 64-70 and 88 are valid */
	w[54] = d->cyls;
	w[55] = d->heads;
	w[56] = d->secs;
	w[57] = (uint16_t)chs;
	w[58] = (uint16_t)(chs >> 16);
	if (d->mult_sectors)
		w[59] = 0x100 | d->mult_sectors;
	w[60] = (uint16_t)lba28;
	w[61] = (uint16_t)(lba28 >> 16);
	w[62] = 0x07;
	w[63] = 0x07 | (d->mdma_mode >= 0 ? 1 << (d->mdma_mode + 8) : 0);
	w[64] = 0x03;				/* PIO modes 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120;
	w[80] = 0xf0;				/* ATA-4 to ATA-7 */
	w[81] = 0x16;
	w[82] = (1 << 14) | (1 << 5) | 1;	/* write cache, SMART */
	w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10);	/* FLUSH CACHE (EXT), LBA48 */
	w[84] = 1 << 14;
	w[85] = (1 << 14) | (1 << 5) | 1;
	w[86] = (1 << 13) | (1 << 12) | (1 << 10);
	w[87] = 1 << 14;
	w[88] = 0x3f | (d->udma_mode >= 0 ? 1 << (d->udma_mode + 8) : 0);
	w[93] = 1 | (1 << 14) | 0x2000;	/* an 80-conductor cable */
	for (int i = 0; i < 4; i++)
		w[100 + i] = (uint16_t)(sectors >> (16 * i));
}

static void identify(struct ide_channel *ch, struct ide_drive *d)
{
	uint16_t w[256];

	if (d->atapi)
		atapi__identify(d, w);
	else
		ata_identify(d, w);
	for (int i = 0; i < 256; i++) {		/* little-endian words */
		ch->buf[2 * i] = (uint8_t)w[i];
		ch->buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
	}
	ide__pio_in(ch, 512, IDE_END_DONE);
}

/* The sector a command addresses, from the task file; UINT64_MAX when CHS names no sector. */
static uint64_t ata_lba(const struct ide_drive *d, bool lba48)
{
	if (lba48)
		return (uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 | (uint64_t)d->hob_sector << 24 |
		       (uint64_t)d->hcyl << 16 | (uint64_t)d->lcyl << 8 | d->sector;
	if (d->select & 0x40)
		return (uint64_t)(d->select & 0x0f) << 24 | (uint64_t)d->hcyl << 16 | (uint64_t)d->lcyl << 8 |
		       d->sector;
	if (!d->sector || d->sector > d->secs || (d->select & 0x0f) >= d->heads)
		return UINT64_MAX;
	return ((uint64_t)(d->lcyl | d->hcyl << 8) * d->heads + (d->select & 0x0f)) * d->secs + d->sector - 1;
}

/* Leave the task file naming sector lba, as a drive does after a transfer. */
static void ata_set_sector(struct ide_drive *d, uint64_t lba, bool lba48)
{
	if (lba48) {
		d->hob_hcyl = (uint8_t)(lba >> 40);
		d->hob_lcyl = (uint8_t)(lba >> 32);
		d->hob_sector = (uint8_t)(lba >> 24);
	} else if (d->select & 0x40) {
		d->select = (uint8_t)((d->select & 0xf0) | ((lba >> 24) & 0x0f));
	} else {
		uint64_t cyl = lba / ((uint64_t)d->heads * d->secs), r = lba % ((uint64_t)d->heads * d->secs);

		d->hcyl = (uint8_t)(cyl >> 8);
		d->lcyl = (uint8_t)cyl;
		d->select = (uint8_t)((d->select & 0xf0) | (r / d->secs));
		d->sector = (uint8_t)(r % d->secs + 1);
		return;
	}
	d->hcyl = (uint8_t)(lba >> 16);
	d->lcyl = (uint8_t)(lba >> 8);
	d->sector = (uint8_t)lba;
}

static void ata_read_block(struct ide_channel *ch)
{
	struct ide_drive *d = ide__cur(ch);
	uint32_t n = MIN(ch->left, ch->mult);

	if (disk__read(d->disk, ch->buf, ch->lba * DISK_SECTOR, (size_t)n * DISK_SECTOR)) {
		ide__abort(ch);
		return;
	}
	ch->lba += n;
	ch->left -= n;
	ata_set_sector(d, ch->lba - 1, ch->lba48);
	ide__pio_in(ch, n * DISK_SECTOR, IDE_END_ATA_READ);
}

static void ata_write_request(struct ide_channel *ch)
{
	ch->pos = 0;
	ch->end = MIN(ch->left, ch->mult) * DISK_SECTOR;
	ch->block_end = IDE_END_ATA_WRITE;
	ide__cur(ch)->status = ST_DRDY | ST_DSC | ST_DRQ;
}

static void ata_write_block(struct ide_channel *ch)
{
	struct ide_drive *d = ide__cur(ch);
	uint32_t n = ch->end / DISK_SECTOR;

	if (disk__write(d->disk, ch->buf, ch->lba * DISK_SECTOR, ch->end)) {
		ide__abort(ch);
		return;
	}
	ch->lba += n;
	ch->left -= n;
	ch->pio_blocks++;
	ata_set_sector(d, ch->lba - 1, ch->lba48);
	if (ch->left) {
		ata_write_request(ch);
		ide__raise(ch);
	} else {
		done(ch);
	}
}

/*
 * What a command table entry says about a command (QEMU hw/ide's
 * ide_cmd_table flags, and how a read or write moves its data).
 */
enum ide_cmd_flags {
	CMD_ATAPI_OK = 1 << 0,	/* an ATAPI device takes it too (QEMU's CD_OK) */
	CMD_WRITE = 1 << 1,	/* sectors go to the disk */
	CMD_LBA48 = 1 << 2,	/* the EXT form: 48-bit LBA, 16-bit count */
	CMD_MULTIPLE = 1 << 3,	/* DRQ blocks of the SET MULTIPLE MODE count */
	CMD_DMA = 1 << 4,	/* through the bus master */
};

static void ata_rw(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	bool write = flags & CMD_WRITE, lba48 = flags & CMD_LBA48, multiple = flags & CMD_MULTIPLE,
	     dma = flags & CMD_DMA;
	uint64_t lba = ata_lba(d, lba48), sectors = d->disk->size / DISK_SECTOR;
	uint32_t n = lba48 ? (uint32_t)(d->nsector | d->hob_nsector << 8) : d->nsector;

	if (!n)
		n = lba48 ? 65536 : 256;
	if ((multiple && !d->mult_sectors) || lba == UINT64_MAX || lba > sectors || n > sectors - lba) {
		ide__abort(ch);
		return;
	}
	if (!write && ch->ide->read_hook)
		ch->ide->read_hook(cpu, ch->ide->hook_arg);
	ch->lba = lba;
	ch->left = n;
	ch->lba48 = lba48;
	ch->mult = multiple ? d->mult_sectors : 1;
	if (dma) {
		ch->dma_atapi = false;
		ide_bmdma__arm(ch, write, (uint64_t)n * DISK_SECTOR);
	} else if (write) {
		ata_write_request(ch);
	} else {
		ata_read_block(ch);
	}
}

void ide__dma_done(struct ide_channel *ch, bool ok)
{
	struct ide_drive *d = ide__cur(ch);

	if (!ok) {
		if (d->atapi) {
			atapi__medium_error(ch);
		} else {
			ide__abort(ch);
		}
		return;
	}
	if (d->atapi) {
		d->nsector = (uint8_t)((d->nsector & ~7) | IR_IO | IR_COD);
		d->error = 0;
	} else {
		ch->lba += ch->dma_bytes / DISK_SECTOR;
		ch->left = 0;
		ata_set_sector(d, ch->lba - 1, ch->lba48);
	}
	done(ch);
}

static void set_features(struct ide_channel *ch, struct ide_drive *d)
{
	if (d->feature == ATA_SETFEATURES_XFER) {	/* the mode in the sector count */
		uint8_t mode = d->nsector & 7;

		switch (d->nsector >> 3) {
		case 0: case 1:	/* PIO */
			d->mdma_mode = d->udma_mode = -1;
			break;
		case 4:
			d->mdma_mode = (int8_t)mode;
			d->udma_mode = -1;
			break;
		case 8:
			d->udma_mode = (int8_t)mode;
			d->mdma_mode = -1;
			break;
		default:
			ide__abort(ch);
			return;
		}
	}
	done(ch);
}

/* ---- The ATA command table: one handler per opcode, as QEMU's hw/ide/core.c has it ---- */

static void cmd_identify_device(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	(void)cpu, (void)flags;
	if (d->atapi) {		/* an ATAPI device aborts it and shows its signature */
		set_signature(d);
		ide__abort(ch);
	} else {
		identify(ch, d);
	}
}

static void cmd_identify_packet_device(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d,
				       unsigned flags)
{
	(void)cpu, (void)flags;
	if (d->atapi)
		identify(ch, d);
	else
		ide__abort(ch);
}

/* PACKET: 12 bytes of command follow on the data port. */
static void cmd_packet(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	(void)cpu, (void)flags;
	if (!d->atapi) {
		ide__abort(ch);
		return;
	}
	ch->dma_atapi = d->feature & 1;
	ch->pos = 0;
	ch->end = 12;
	ch->block_end = IDE_END_PACKET;
	d->nsector = (uint8_t)((d->nsector & ~7) | IR_COD);
	d->status = ST_DRDY | ST_DSC | ST_DRQ;
}

static void cmd_device_reset(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	(void)cpu, (void)d, (void)flags;
	reset_drive(ch, ch->cur);
	ch->pos = ch->end = 0;
	ch->dma_pending = false;
}

static void cmd_execute_device_diagnostic(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d,
					  unsigned flags)
{
	(void)cpu, (void)flags;
	set_signature(d);
	d->status = d->atapi ? 0 : ST_DRDY | ST_DSC;
	d->error = 0x01;	/* no error detected */
	ide__raise(ch);
}

/* SET MULTIPLE MODE: 0 or a power of two up to IDE_MAX_MULT. */
static void cmd_set_multiple_mode(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d,
				  unsigned flags)
{
	(void)cpu, (void)flags;
	if (d->nsector > IDE_MAX_MULT || (d->nsector & (d->nsector - 1))) {
		ide__abort(ch);
	} else {
		d->mult_sectors = d->nsector;
		done(ch);
	}
}

static void cmd_set_features(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	(void)cpu, (void)flags;
	set_features(ch, d);
}

static void cmd_check_power_mode(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	(void)cpu, (void)flags;
	d->nsector = 0xff;	/* active */
	done(ch);
}

/* Commands with nothing to move or keep: verify, seek, flush (writes reach the file at once), power states. */
static void cmd_nothing(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags)
{
	(void)cpu, (void)d, (void)flags;
	done(ch);
}

typedef void (*ide_cmd_fn)(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, unsigned flags);

static const struct ide_cmd {
	ide_cmd_fn handler;
	unsigned flags;
} ide_cmd_table[256] = {
	[ATA_DEVICE_RESET]		= { cmd_device_reset, CMD_ATAPI_OK },
	[ATA_RECALIBRATE]		= { cmd_nothing, 0 },
	[ATA_READ_SECTORS]		= { ata_rw, 0 },
	[ATA_READ_SECTORS_NORETRY]	= { ata_rw, 0 },
	[ATA_READ_SECTORS_EXT]		= { ata_rw, CMD_LBA48 },
	[ATA_READ_DMA_EXT]		= { ata_rw, CMD_LBA48 | CMD_DMA },
	[ATA_READ_MULTIPLE_EXT]		= { ata_rw, CMD_LBA48 | CMD_MULTIPLE },
	[ATA_WRITE_SECTORS]		= { ata_rw, CMD_WRITE },
	[ATA_WRITE_SECTORS_NORETRY]	= { ata_rw, CMD_WRITE },
	[ATA_WRITE_SECTORS_EXT]		= { ata_rw, CMD_WRITE | CMD_LBA48 },
	[ATA_WRITE_DMA_EXT]		= { ata_rw, CMD_WRITE | CMD_LBA48 | CMD_DMA },
	[ATA_WRITE_MULTIPLE_EXT]	= { ata_rw, CMD_WRITE | CMD_LBA48 | CMD_MULTIPLE },
	[ATA_READ_VERIFY_SECTORS]	= { cmd_nothing, 0 },
	[ATA_READ_VERIFY_SECTORS_NORETRY] = { cmd_nothing, 0 },
	[ATA_READ_VERIFY_SECTORS_EXT]	= { cmd_nothing, 0 },
	[ATA_SEEK]			= { cmd_nothing, 0 },
	[ATA_EXECUTE_DEVICE_DIAGNOSTIC]	= { cmd_execute_device_diagnostic, CMD_ATAPI_OK },
	[ATA_INITIALIZE_DEVICE_PARAMETERS] = { cmd_nothing, 0 },
	[ATA_STANDBY_IMMEDIATE_OLD]	= { cmd_nothing, CMD_ATAPI_OK },
	[ATA_IDLE_IMMEDIATE_OLD]	= { cmd_nothing, CMD_ATAPI_OK },
	[ATA_STANDBY_OLD]		= { cmd_nothing, 0 },
	[ATA_IDLE_OLD]			= { cmd_nothing, 0 },
	[ATA_CHECK_POWER_MODE_OLD]	= { cmd_check_power_mode, CMD_ATAPI_OK },
	[ATA_SLEEP_OLD]			= { cmd_nothing, CMD_ATAPI_OK },
	[ATA_PACKET]			= { cmd_packet, CMD_ATAPI_OK },
	[ATA_IDENTIFY_PACKET_DEVICE]	= { cmd_identify_packet_device, CMD_ATAPI_OK },
	[ATA_READ_MULTIPLE]		= { ata_rw, CMD_MULTIPLE },
	[ATA_WRITE_MULTIPLE]		= { ata_rw, CMD_WRITE | CMD_MULTIPLE },
	[ATA_SET_MULTIPLE_MODE]		= { cmd_set_multiple_mode, 0 },
	[ATA_READ_DMA]			= { ata_rw, CMD_DMA },
	[ATA_READ_DMA_NORETRY]		= { ata_rw, CMD_DMA },
	[ATA_WRITE_DMA]			= { ata_rw, CMD_WRITE | CMD_DMA },
	[ATA_WRITE_DMA_NORETRY]		= { ata_rw, CMD_WRITE | CMD_DMA },
	[ATA_STANDBY_IMMEDIATE]		= { cmd_nothing, CMD_ATAPI_OK },
	[ATA_IDLE_IMMEDIATE]		= { cmd_nothing, CMD_ATAPI_OK },
	[ATA_STANDBY]			= { cmd_nothing, 0 },
	[ATA_IDLE]			= { cmd_nothing, 0 },
	[ATA_CHECK_POWER_MODE]		= { cmd_check_power_mode, CMD_ATAPI_OK },
	[ATA_SLEEP]			= { cmd_nothing, CMD_ATAPI_OK },
	[ATA_FLUSH_CACHE]		= { cmd_nothing, 0 },
	[ATA_FLUSH_CACHE_EXT]		= { cmd_nothing, 0 },
	[ATA_IDENTIFY_DEVICE]		= { cmd_identify_device, CMD_ATAPI_OK },
	[ATA_SET_FEATURES]		= { cmd_set_features, CMD_ATAPI_OK },
};

/* A write of the command register: the table says who runs it and whether an ATAPI device may. */
static void command(struct kvm_cpu *cpu, struct ide_channel *ch, uint8_t cmd)
{
	struct ide_drive *d = ide__cur(ch);
	const struct ide_cmd *c = &ide_cmd_table[cmd];

	if (!d->disk)
		return;			/* nobody there to take it */
	/* While busy, only DEVICE RESET to an ATAPI device gets through. */
	if ((d->status & (ST_BSY | ST_DRQ)) && !(cmd == ATA_DEVICE_RESET && d->atapi))
		return;
	ch->commands++;
	d->error = 0;
	if (!c->handler || (d->atapi && !(c->flags & CMD_ATAPI_OK))) {
		ide__abort(ch);
		return;
	}
	c->handler(cpu, ch, d, c->flags);
}

/* The current block is moved: on to whatever follows. */
static void block_done(struct kvm_cpu *cpu, struct ide_channel *ch)
{
	switch (ch->block_end) {
	case IDE_END_DONE:
		ide__cur(ch)->status = ST_DRDY | ST_DSC;
		ch->pos = ch->end = 0;
		break;
	case IDE_END_ATA_READ:
		if (ch->left)
			ata_read_block(ch);
		else
			ide__cur(ch)->status = ST_DRDY | ST_DSC, ch->pos = ch->end = 0;
		break;
	case IDE_END_ATA_WRITE:
		ata_write_block(ch);
		break;
	case IDE_END_PACKET:
		atapi__packet(cpu, ch);
		break;
	case IDE_END_ATAPI_IN:
		atapi__next_chunk(ch);
		break;
	}
}

static bool pio_out(const struct ide_channel *ch)
{
	return ch->block_end == IDE_END_ATA_WRITE || ch->block_end == IDE_END_PACKET;
}

/* The data port: len bytes in or out, block after block; bytes past the last block read as zeros. */
static void data_io(struct kvm_cpu *cpu, struct ide_channel *ch, uint8_t *data, uint32_t len, bool is_write)
{
	uint32_t off = 0;

	while (off < len) {
		uint32_t n;

		if (!(ide__cur(ch)->status & ST_DRQ) || ch->pos >= ch->end || pio_out(ch) != is_write)
			break;
		n = MIN(len - off, ch->end - ch->pos);
		if (is_write)
			memcpy(ch->buf + ch->pos, data + off, n);
		else
			memcpy(data + off, ch->buf + ch->pos, n);
		ch->pos += n;
		off += n;
		if (ch->pos >= ch->end)
			block_done(cpu, ch);
	}
	if (!is_write && off < len)
		memset(data + off, 0, len - off);
}

static uint8_t read_reg(struct ide_channel *ch, unsigned reg)
{
	struct ide_drive *d = ide__cur(ch);
	bool hob = ch->ctrl & CTL_HOB;

	if (!any_drive(ch))
		return 0;
	switch (reg) {
	case 1: return hob ? d->hob_feature : d->error;
	case 2: return hob ? d->hob_nsector : d->nsector;
	case 3: return hob ? d->hob_sector : d->sector;
	case 4: return hob ? d->hob_lcyl : d->lcyl;
	case 5: return hob ? d->hob_hcyl : d->hcyl;
	case 6: return d->select;
	default:		/* status, or alternate status */
		return !d->disk && ch->cur ? 0 : d->status;
	}
}

static void write_reg(struct kvm_cpu *cpu, struct ide_channel *ch, unsigned reg, uint8_t v)
{
	/*
	 * Writes to the command block while the selected drive is busy with a
	 * command (BSY or DRQ) are ignored, as the ATA standard and QEMU's IDE
	 * have it: a command's drive cannot change under its transfer.
	 */
	if (reg >= 1 && reg <= 6 && (ide__cur(ch)->status & (ST_BSY | ST_DRQ)))
		return;
	if (reg >= 1 && reg <= 6)
		ch->ctrl &= (uint8_t)~CTL_HOB;
	for (int u = 0; u < 2; u++) {
		struct ide_drive *d = &ch->drive[u];

		switch (reg) {
		case 1: d->hob_feature = d->feature; d->feature = v; break;
		case 2: d->hob_nsector = d->nsector; d->nsector = v; break;
		case 3: d->hob_sector = d->sector; d->sector = v; break;
		case 4: d->hob_lcyl = d->lcyl; d->lcyl = v; break;
		case 5: d->hob_hcyl = d->hcyl; d->hcyl = v; break;
		case 6: d->select = (uint8_t)((u ? v | 0x10 : v & ~0x10) | 0xa0); break;
		default: break;
		}
	}
	if (reg == 6)
		ch->cur = (v >> 4) & 1;
	else if (reg == 7)
		command(cpu, ch, v);
}

static void write_ctl(struct ide_channel *ch, uint8_t v)
{
	if (!(ch->ctrl & CTL_SRST) && (v & CTL_SRST)) {
		for (int u = 0; u < 2; u++) {
			ch->drive[u].status = ST_BSY | ST_DSC;
			ch->drive[u].error = 0x01;
		}
	} else if ((ch->ctrl & CTL_SRST) && !(v & CTL_SRST)) {
		reset_channel(ch);
	}
	ch->ctrl = v;
}

static int channel_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		      bool is_write)
{
	struct ide_channel *ch = dev;
	unsigned reg = (unsigned)(port - channel_ports[ch->index].base);
	bool ctl = port == channel_ports[ch->index].ctl;

	pthread_mutex_lock(&ch->lock);
	if (!ctl && reg == 0) {
		data_io(cpu, ch, data, len, is_write);
	} else if (is_write) {
		write_reg(cpu, ch, ctl ? 8 : reg, data[0]);	/* wider writes: the first byte, as ISA decodes them */
		if (ctl)
			write_ctl(ch, data[0]);
	} else {
		data[0] = read_reg(ch, ctl ? 8 : reg);
		if (reg == 7 && !ctl)
			lower(ch);
		memset(data + 1, 0, len - 1);
	}
	pthread_mutex_unlock(&ch->lock);
	return 0;
}

/* rep insw/outsw on the data port: the whole string in one go. */
static int channel_io_string(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t size,
			     uint32_t count, bool is_write)
{
	struct ide_channel *ch = dev;

	if (port != channel_ports[ch->index].base || size == 1) {
		for (uint32_t i = 0; i < count; i++)
			channel_io(cpu, dev, port, data + (size_t)i * size, size, is_write);
		return 0;
	}
	pthread_mutex_lock(&ch->lock);
	data_io(cpu, ch, data, size * count, is_write);
	pthread_mutex_unlock(&ch->lock);
	return 0;
}

void ide__attach(struct ide *ide, int channel, int unit, struct disk *disk, bool atapi)
{
	struct ide_drive *d = &ide->ch[channel].drive[unit];

	d->disk = disk;
	d->atapi = atapi;
	d->mdma_mode = d->udma_mode = -1;
	snprintf(d->serial, sizeof(d->serial), "QM%05d", channel * 2 + unit + 1);
	if (!atapi) {
		/* QEMU's guess for a disk without a partition table to go by. */
		uint64_t cyls = disk->size / DISK_SECTOR / (16 * 63);

		d->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls < 2 ? 2 : cyls);
		d->heads = 16;
		d->secs = 63;
	}
}

int ide__register(struct vm *vm, struct ide *ide)
{
	int rc;

	for (int c = 0; c < 2; c++) {
		struct ide_channel *ch = &ide->ch[c];

		pthread_mutex_init(&ch->lock, NULL);
		ch->vm = vm;
		ch->ide = ide;
		ch->index = c;
		ch->irq = 14 + c;
		for (int u = 0; u < 2; u++)
			if (!ch->drive[u].disk)
				ch->drive[u].mdma_mode = ch->drive[u].udma_mode = -1;
		reset_channel(ch);
		if ((rc = bus__register_pio(&vm->bus, channel_ports[c].name, channel_ports[c].base, 8, channel_io, ch)) ||
		    (rc = bus__register_pio(&vm->bus, channel_ports[c].name, channel_ports[c].ctl, 1, channel_io, ch)))
			return rc;
		bus__set_string_fn(&vm->bus, channel_ports[c].base, channel_io_string);
	}
	rc = bus__add_pio(&vm->bus, "ide-bm", 16, ide_bmdma__io, ide);
	if (rc < 0)
		return rc;
	ide->bm_dev = rc;
	return 0;
}

int ide__map_bmdma(struct vm *vm, struct ide *ide, uint16_t base)
{
	if (base == ide->bm_base)
		return 0;
	ide->bm_base = base;
	return bus__map_pio(&vm->bus, ide->bm_dev, base ? base : BUS_UNMAPPED);
}

void ide__exit(struct ide *ide)
{
	for (int c = 0; c < 2; c++)
		if (ide->ch[c].vm)
			pthread_mutex_destroy(&ide->ch[c].lock);
}
