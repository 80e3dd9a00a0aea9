/*
 * ide_bmdma.c - the PIIX bus master (ide.h): per channel a command byte
 * (start, direction), a status byte (active, error, interrupt, the drives'
 * DMA-capable bits) and the guest address of a PRD table. Each PRD entry
 * is a guest buffer (address, byte count, 0 meaning 64 KiB) and bit 31 of
 * its second word ends the table.
 *
 * A transfer runs when the drive has a DMA command pending and the start
 * bit is set, whichever comes last, at once and on the vCPU that completed
 * the pair: the data moves between the image and guest RAM entry by entry,
 * then the drive completes and interrupts.
 */
#include <string.h>

#include "devices/ide_internal.h"
#include "lib/util.h"
#include "core/vm.h"

void ide_bmdma__arm(struct ide_channel *ch, bool write, uint64_t bytes)
{
	ch->dma_pending = true;
	ch->dma_write = write;
	ch->dma_bytes = bytes;
	ide__cur(ch)->status = ST_DRDY | ST_DSC | ST_DRQ | ST_BSY;
	if (ch->bm.cmd & BM_START)
		ide_bmdma__run(ch);
}

/* Guest RAM [addr, addr + len), or NULL when it is not all RAM. */
static uint8_t *guest(struct vm *vm, uint64_t addr, uint64_t len)
{
	return addr <= vm->ram_size && len <= vm->ram_size - addr ? vm->ram + addr : NULL;
}

void ide_bmdma__run(struct ide_channel *ch)
{
	struct ide_drive *d = &ch->drive[ch->cur];
	uint64_t done = 0, base = ch->dma_atapi ? ch->lba * CD_SECTOR : ch->lba * DISK_SECTOR;
	uint32_t prd = ch->bm.prd;
	bool eot = false, ok = true;

	ch->dma_pending = false;
	ch->dma_transfers++;
	if (!d->disk)			/* no drive there (a command cannot be armed for none; kept safe) */
		ok = false;
	/* At most 8192 entries: a table longer than 64 KiB is the guest's bug, not a reason to loop. */
	for (int i = 0; ok && i < 8192 && done < ch->dma_bytes && !eot; i++, prd += 8) {
		const uint8_t *e = guest(ch->vm, prd, 8);
		uint8_t *mem;
		uint32_t count;
		uint64_t n;

		if (!e) {
			ok = false;
			break;
		}
		count = get_le32(e + 4) & 0xffff;
		eot = get_le32(e + 4) >> 31;
		n = MIN((uint64_t)(count ? count : 0x10000), ch->dma_bytes - done);
		if (!(mem = guest(ch->vm, get_le32(e), n))) {
			ok = false;
		} else if (ch->dma_atapi && ch->from_buf) {
			memcpy(mem, ch->buf + done, n);
		} else if (ch->dma_write) {
			ok = !disk__write(d->disk, mem, base + done, n);
		} else {
			ok = !disk__read(d->disk, mem, base + done, n);
		}
		done += n;
	}
	if (done < ch->dma_bytes)
		ok = false;	/* the table ran out before the data */
	if (eot || !ok)
		ch->bm.status &= (uint8_t)~BM_ACTIVE;
	if (!ok)
		ch->bm.status |= BM_ERROR;
	ide__dma_done(ch, ok);
}

static void write_byte(struct ide_channel *ch, unsigned reg, uint8_t v)
{
	switch (reg) {
	case 0:
		if ((v & BM_START) && !(ch->bm.cmd & BM_START)) {
			ch->bm.cmd = v & (BM_START | BM_TO_MEMORY);
			ch->bm.status |= BM_ACTIVE;
			if (ch->dma_pending)
				ide_bmdma__run(ch);
		} else {
			if (!(v & BM_START))
				ch->bm.status &= (uint8_t)~BM_ACTIVE;	/* stopped, finished or not */
			ch->bm.cmd = v & (BM_START | BM_TO_MEMORY);
		}
		break;
	case 2:		/* bits 5 and 6 are the guest's; error and interrupt clear when written as 1 */
		ch->bm.status = (uint8_t)((v & 0x60) | (ch->bm.status & BM_ACTIVE) |
					  (ch->bm.status & ~v & (BM_ERROR | BM_INT)));
		break;
	case 4: case 5: case 6: case 7: {
		unsigned shift = 8 * (reg - 4);

		ch->bm.prd = ((ch->bm.prd & ~(0xffu << shift)) | ((uint32_t)v << shift)) & ~3u;
		break;
	}
	default:
		break;
	}
}

static uint8_t read_byte(const struct ide_channel *ch, unsigned reg)
{
	switch (reg) {
	case 0: return ch->bm.cmd;
	case 2: return ch->bm.status;
	case 4: case 5: case 6: case 7: return (uint8_t)(ch->bm.prd >> (8 * (reg - 4)));
	default: return 0;
	}
}

int ide_bmdma__io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	struct ide *ide = dev;
	unsigned off = (unsigned)(port - ide->bm_base);
	struct ide_channel *ch = &ide->ch[(off >> 3) & 1];

	(void)cpu;
	pthread_mutex_lock(&ch->lock);
	for (uint32_t i = 0; i < len; i++) {
		unsigned reg = (off + i) & 7;

		if (is_write)
			write_byte(ch, reg, data[i]);
		else
			data[i] = read_byte(ch, reg);
	}
	pthread_mutex_unlock(&ch->lock);
	return 0;
}
