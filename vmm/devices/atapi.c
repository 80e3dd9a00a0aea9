/*
 * atapi.c - the ATAPI CD-ROM's packet commands (ide.h, ide_internal.h): what SeaBIOS,
 * GRUB, isolinux, Linux's sr and MINIX's at_wini send, answered as QEMU's
 * ide-cd answers them. Sector data comes from the image in DRQ chunks of
 * whole sectors up to the host's byte count, or by DMA.
 */
#include <string.h>

#include "devices/ata.h"
#include "devices/ide_internal.h"
#include "lib/util.h"

/* Sense keys and additional sense codes. */
#define SK_NOT_READY 0x02
#define SK_MEDIUM_ERROR 0x03
#define SK_ILLEGAL_REQUEST 0x05
#define ASC_UNRECOVERED_READ_ERROR 0x11
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_SAVING_NOT_SUPPORTED 0x39

#define CD_MAX_SECTORS 360000	/* 80 minutes of 2048-byte sectors: larger images are DVDs */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static uint32_t nr_sectors(const struct ide_drive *d)
{
	return (uint32_t)(d->disk->size / CD_SECTOR);
}

void atapi__set_signature(struct ide_drive *d)
{
	d->lcyl = 0x14;
	d->hcyl = 0xeb;
}

void atapi__identify(const struct ide_drive *d, uint16_t *w)
{
	memset(w, 0, 512);
	/* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets */
	w[0] = (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5);
	ide__put_string(w + 10, 10, d->serial);
	w[20] = 3;
	w[21] = 512;
	w[22] = 4;
	ide__put_string(w + 23, 4, IDE_VERSION);
	ide__put_string(w + 27, 20, "QEMU DVD-ROM");
	w[48] = 1;
	w[49] = (1 << 9) | (1 << 8);		/* LBA, DMA */
	w[53] = 7;
	w[62] = 7;
	w[63] = 7 | (d->mdma_mode >= 0 ? 1 << (d->mdma_mode + 8) : 0);
	w[64] = 3;
	w[65] = 0xb4;
	w[66] = 0xb4;
	w[67] = 0x12c;
	w[68] = 0xb4;
	w[71] = 30;
	w[72] = 30;
	w[80] = 0x1e;				/* ATAPI-1 to ATAPI-4 */
	w[88] = 0x3f | (d->udma_mode >= 0 ? 1 << (d->udma_mode + 8) : 0);
	w[93] = 1 | (1 << 14) | 0x2000;
}

static void finish(struct ide_channel *ch, uint8_t status, uint8_t error)
{
	struct ide_drive *d = ide__cur(ch);

	d->error = error;
	d->status = status;
	d->nsector = (uint8_t)((d->nsector & ~7) | IR_IO | IR_COD);
	ch->pos = ch->end = 0;
	ch->left = 0;
	ide__raise(ch);
}

static void ok(struct ide_channel *ch)
{
	finish(ch, ST_DRDY | ST_DSC, 0);
}

static void check_condition(struct ide_channel *ch, uint8_t key, uint8_t asc)
{
	struct ide_drive *d = ide__cur(ch);

	d->sense_key = key;
	d->asc = asc;
	ch->dma_pending = false;
	finish(ch, ST_DRDY | ST_ERR, (uint8_t)(key << 4));
}

void atapi__medium_error(struct ide_channel *ch)
{
	check_condition(ch, SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR);
}

/* Data in, by DMA or PIO chunks: len bytes of a reply in buf (from_buf), or the sectors from ch->lba. */
static void data_in(struct ide_channel *ch, uint64_t len)
{
	if (!len) {
		ok(ch);
		return;
	}
	ch->pos = ch->end = 0;
	ch->left = (uint32_t)len;
	if (ch->dma_atapi) {
		ide_bmdma__arm(ch, false, len);
		return;
	}
	atapi__next_chunk(ch);
}

static void reply(struct ide_channel *ch, uint32_t len, uint32_t alloc)
{
	ch->from_buf = true;
	data_in(ch, MIN(len, alloc));
}

void atapi__next_chunk(struct ide_channel *ch)
{
	struct ide_drive *d = ide__cur(ch);
	uint32_t limit = ch->byte_limit, size;

	if (!ch->left) {
		ok(ch);
		return;
	}
	/* The byte count the host allows per DRQ: 0xffff and 0 mean 0xfffe, and it is even. */
	if (limit == 0 || limit == 0xffff)
		limit = 0xfffe;
	limit &= ~1u;
	size = MIN(ch->left, limit);
	if (ch->from_buf) {
		ch->end = ch->pos + size;
	} else {
		/*
		 * Whole sectors per chunk, as many as the limit and the buffer
		 * hold; a host that allows less than a sector still gets one.
		 */
		size = MAX(size - size % CD_SECTOR, (uint32_t)CD_SECTOR);
		size = MIN(size, (uint32_t)(IDE_BUF - IDE_BUF % CD_SECTOR));
		if (disk__read(d->disk, ch->buf, ch->lba * CD_SECTOR, size)) {
			atapi__medium_error(ch);
			return;
		}
		ch->lba += size / CD_SECTOR;
		ch->pos = 0;
		ch->end = size;
	}
	ch->left -= size;
	ch->block_end = IDE_END_ATAPI_IN;
	ch->pio_blocks++;
	d->lcyl = (uint8_t)size;
	d->hcyl = (uint8_t)(size >> 8);
	d->nsector = (uint8_t)((d->nsector & ~7) | IR_IO);
	d->status = ST_DRDY | ST_DSC | ST_DRQ;
	ide__raise(ch);
}

static void read_sectors(struct kvm_cpu *cpu, struct ide_channel *ch, uint32_t lba, uint32_t n)
{
	struct ide_drive *d = ide__cur(ch);

	if (!n) {
		ok(ch);
		return;
	}
	if (lba > nr_sectors(d) || n > nr_sectors(d) - lba) {
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (ch->ide->read_hook)
		ch->ide->read_hook(cpu, ch->ide->hook_arg);
	ch->from_buf = false;
	ch->lba = lba;
	data_in(ch, (uint64_t)n * CD_SECTOR);
}

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
	lba += 150;
	p[0] = (uint8_t)(lba / (75 * 60));
	p[1] = (uint8_t)(lba / 75 % 60);
	p[2] = (uint8_t)(lba % 75);
}

static uint8_t *toc_address(uint8_t *q, uint32_t lba, bool msf)
{
	if (msf) {
		*q++ = 0;
		lba_to_msf(q, lba);
	} else {
		put_be32(q, lba);
	}
	return q + (msf ? 3 : 4);
}

static void read_toc(struct ide_channel *ch, const uint8_t *p)
{
	uint8_t *buf = ch->buf, *q;
	bool msf = p[1] & 2;
	int format = p[2] & 0x0f ? p[2] & 0x0f : p[9] >> 6;
	uint8_t start = p[6];

	memset(buf, 0, 64);
	switch (format) {
	case 0:		/* the TOC: track 1 from sector 0, then the lead-out */
		if (start > 1 && start != 0xaa)
			break;
		q = buf + 2;
		*q++ = 1;
		*q++ = 1;
		if (start <= 1) {
			q[1] = 0x14;
			q[2] = 1;
			q = toc_address(q + 4, 0, msf);
		}
		q[1] = 0x16;
		q[2] = 0xaa;
		q = toc_address(q + 4, nr_sectors(ide__cur(ch)), msf);
		put_be16(buf, (uint32_t)(q - buf - 2));
		reply(ch, (uint32_t)(q - buf), be16(p + 7));
		return;
	case 1:		/* multisession: one session */
		buf[1] = 0x0a;
		buf[2] = buf[3] = 1;
		reply(ch, 12, be16(p + 7));
		return;
	default:
		break;
	}
	check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
}

static void mode_sense(struct ide_channel *ch, const uint8_t *p)
{
	uint8_t *b = ch->buf;
	int action = p[2] >> 6, page = p[2] & 0x3f;

	memset(b, 0, 30);
	b[2] = 0x70;
	if (action == 3) {
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
		return;
	}
	if (action == 0 && page == 0x01) {		/* read error recovery */
		put_be16(b, 16 - 2);
		b[8] = 0x01;
		b[9] = 0x06;
		b[11] = 0x05;
		reply(ch, 16, be16(p + 7));
		return;
	}
	if (action == 0 && page == 0x2a) {		/* capabilities: reads CD-R/RW and DVDs, 4x, a tray */
		put_be16(b, 30 - 2);
		b[8] = 0x2a;
		b[9] = 0x14;
		b[10] = 0x3b;
		b[12] = 0x71;	/* "plays audio": some Linux code automounts only such drives */
		b[13] = 3 << 5;
		b[14] = (1 << 0) | (1 << 3) | (1 << 5);
		put_be16(b + 16, 704);
		b[19] = 2;
		put_be16(b + 20, 512);
		put_be16(b + 22, 704);
		reply(ch, 30, be16(p + 7));
		return;
	}
	check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
}

static void get_configuration(struct ide_channel *ch, const uint8_t *p)
{
	uint8_t *b = ch->buf;
	uint16_t current = nr_sectors(ide__cur(ch)) > CD_MAX_SECTORS ? 0x0010 : 0x0008;
	static const uint16_t profiles[] = { 0x0010, 0x0008 };	/* DVD-ROM, CD-ROM */

	if (p[2] || p[3]) {		/* only "all features from feature 0" */
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	memset(b, 0, 20);
	put_be16(b + 6, current);
	b[10] = 0x03;			/* the profile list: persistent, current */
	for (size_t i = 0; i < 2; i++) {
		put_be16(b + 12 + 4 * i, profiles[i]);
		b[12 + 4 * i + 2] = profiles[i] == current;
		b[11] += 4;
	}
	put_be32(b, 20 - 4);
	reply(ch, 20, be16(p + 7));
}

static void event_status(struct ide_channel *ch, const uint8_t *p)
{
	uint8_t *b = ch->buf;

	if (!(p[1] & 1)) {		/* polled only */
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	memset(b, 0, 8);
	b[3] = 1 << 4;			/* supports the media class */
	if (p[4] & (1 << 4)) {
		b[2] = 4;		/* media: no change, media present */
		b[5] = 2;
		put_be16(b, 4);
		reply(ch, 8, be16(p + 7));
	} else {
		b[2] = 0x80;		/* no event available */
		reply(ch, 4, be16(p + 7));
	}
}

/* ---- The packet command table: one handler per opcode ---- */

typedef void (*atapi_cmd_fn)(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p);

/* Commands with nothing to do on an image: the unit is always ready, never moves, never locks. */
static void pkt_ok(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)d, (void)p;
	ok(ch);
}

static void pkt_request_sense(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	uint8_t *b = ch->buf;

	(void)cpu;
	memset(b, 0, 18);
	b[0] = 0x70;		/* current error, fixed format */
	b[2] = d->sense_key;
	b[7] = 10;		/* additional length */
	b[12] = d->asc;
	d->sense_key = d->asc = 0;
	reply(ch, 18, p[4]);
}

static void pkt_inquiry(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	uint8_t *b = ch->buf;

	(void)cpu, (void)d;
	if (p[1] & 1) {		/* no vital product data pages */
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	memset(b, ' ', 36);
	b[0] = 0x05;		/* CD/DVD */
	b[1] = 0x80;		/* removable */
	b[2] = 0x00;
	b[3] = 0x21;
	b[4] = 31;
	b[5] = b[6] = b[7] = 0;
	memcpy(b + 8, "QEMU", 4);
	memcpy(b + 16, "QEMU DVD-ROM", 12);
	memcpy(b + 32, IDE_VERSION, 4);
	reply(ch, 36, p[4]);
}

static void pkt_read_capacity(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)p;
	put_be32(ch->buf, nr_sectors(d) - 1);
	put_be32(ch->buf + 4, CD_SECTOR);
	reply(ch, 8, 8);
}

static void pkt_read_10(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)d;
	read_sectors(cpu, ch, be32(p + 2), be16(p + 7));
}

static void pkt_read_12(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)d;
	read_sectors(cpu, ch, be32(p + 2), be32(p + 6));
}

static void pkt_read_toc(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)d;
	read_toc(ch, p);
}

static void pkt_get_configuration(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)d;
	get_configuration(ch, p);
}

static void pkt_event_status(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)d;
	event_status(ch, p);
}

static void pkt_mode_sense(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)d;
	mode_sense(ch, p);
}

/* A finalized one-session disc. */
static void pkt_read_disc_information(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d,
				      const uint8_t *p)
{
	uint8_t *b = ch->buf;

	(void)cpu, (void)d;
	if (p[1] & 7) {
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	memset(b, 0, 34);
	b[1] = 32;
	b[2] = 0x0e;
	b[3] = b[4] = b[5] = b[6] = 1;
	b[7] = 0x20;
	reply(ch, 34, be16(p + 7));
}

/* No changer. */
static void pkt_mechanism_status(struct kvm_cpu *cpu, struct ide_channel *ch, struct ide_drive *d, const uint8_t *p)
{
	(void)cpu, (void)d;
	memset(ch->buf, 0, 8);
	ch->buf[5] = 1;
	reply(ch, 8, be16(p + 8));
}

static const atapi_cmd_fn atapi_cmd_table[256] = {
	[ATAPI_TEST_UNIT_READY]			= pkt_ok,
	[ATAPI_REQUEST_SENSE]			= pkt_request_sense,
	[ATAPI_INQUIRY]				= pkt_inquiry,
	[ATAPI_START_STOP_UNIT]			= pkt_ok,
	[ATAPI_PREVENT_ALLOW_MEDIUM_REMOVAL]	= pkt_ok,
	[ATAPI_READ_CAPACITY]			= pkt_read_capacity,
	[ATAPI_READ_10]				= pkt_read_10,
	[ATAPI_SEEK_10]				= pkt_ok,
	[ATAPI_READ_TOC]			= pkt_read_toc,
	[ATAPI_GET_CONFIGURATION]		= pkt_get_configuration,
	[ATAPI_GET_EVENT_STATUS_NOTIFICATION]	= pkt_event_status,
	[ATAPI_READ_DISC_INFORMATION]		= pkt_read_disc_information,
	[ATAPI_MODE_SENSE_10]			= pkt_mode_sense,
	[ATAPI_READ_12]				= pkt_read_12,
	[ATAPI_SET_CD_SPEED]			= pkt_ok,
	[ATAPI_MECHANISM_STATUS]		= pkt_mechanism_status,
};

void atapi__packet(struct kvm_cpu *cpu, struct ide_channel *ch)
{
	struct ide_drive *d = ide__cur(ch);
	uint8_t p[12];

	memcpy(p, ch->buf, sizeof(p));
	ch->byte_limit = (uint16_t)(d->lcyl | d->hcyl << 8);
	if (p[0] != ATAPI_REQUEST_SENSE)	/* any other command clears the last sense */
		d->sense_key = d->asc = 0;
	if (atapi_cmd_table[p[0]])
		atapi_cmd_table[p[0]](cpu, ch, d, p);
	else
		check_condition(ch, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}
