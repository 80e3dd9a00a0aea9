/*
 * disk.h - a guest's disk image as the storage devices read and write it.
 *
 * Reads go to the image file with one pread per request (a DRQ block, a DMA
 * descriptor), straight into the device's buffer or guest RAM. A read-only
 * disk (the default for --hda, always for --cdrom) still accepts the guest's
 * writes: they land in an in-memory overlay, a sparse anonymous mapping of
 * the image's size with one dirty bit per 512-byte sector, and later reads
 * of those sectors come from it. The file never changes. With --hda-writable
 * writes go to the file (pwrite).
 *
 * Callers serialize access per disk (the IDE channel's lock).
 */
#ifndef BOOTSCOPE_DISK_H
#define BOOTSCOPE_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR 512

struct disk {
	int fd;			/* the image; owned by whoever opened it */
	uint64_t size;		/* bytes the guest can address: whole 512-byte sectors */
	bool writable;		/* guest writes reach the file */
	uint8_t *overlay;	/* read-only disks: written sectors, at their offsets */
	uint64_t *dirty;	/* one bit per sector of overlay */

	/* Counters for the summary. */
	uint64_t reads, read_bytes, writes, write_bytes;
};

/*
 * Take fd (a regular file or block device) as a disk. 0, or -errno with
 * "the reason" in err (the caller names the file).
 */
int disk__init(struct disk *d, int fd, bool writable, char *err, size_t errlen);
void disk__exit(struct disk *d);
/* [off, off + len) must lie inside the disk. 0, -EIO for a short read or write, or -errno. */
int disk__read(struct disk *d, void *buf, uint64_t off, size_t len);
int disk__write(struct disk *d, const void *buf, uint64_t off, size_t len);

#endif
