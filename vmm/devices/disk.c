/*
 * disk.c - disk images with a copy-on-write overlay in memory (disk.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/disk.h"

#define MIN_SZ(a, b) ((a) < (b) ? (a) : (b))
/* Bytes of dirty bitmap for n sectors, in whole 64-bit words. */
#define ALIGN8(n) ((((n) + 63) / 64) * 8)

static bool dirty(const struct disk *d, uint64_t sector)
{
	return d->dirty && (d->dirty[sector / 64] >> (sector % 64) & 1);
}

int disk__init(struct disk *d, int fd, bool writable, char *err, size_t errlen)
{
	struct stat st;
	off_t end;

	*d = (struct disk){ .fd = fd, .writable = writable };
	if (fstat(fd, &st) < 0 || (end = lseek(fd, 0, SEEK_END)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	d->size = (uint64_t)end / DISK_SECTOR * DISK_SECTOR;
	if (!d->size) {
		snprintf(err, errlen, "smaller than one %d-byte sector", DISK_SECTOR);
		return -EINVAL;
	}
	if (writable)
		return 0;
	/* Virtual only: pages exist once written. */
	d->overlay = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	d->dirty = mmap(NULL, ALIGN8(d->size / DISK_SECTOR), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->overlay == MAP_FAILED || d->dirty == MAP_FAILED) {
		snprintf(err, errlen, "no address space for a %llu-byte write overlay", (unsigned long long)d->size);
		disk__exit(d);
		return -ENOMEM;
	}
	return 0;
}

void disk__exit(struct disk *d)
{
	if (d->overlay && d->overlay != MAP_FAILED)
		munmap(d->overlay, d->size);
	if (d->dirty && (void *)d->dirty != MAP_FAILED)
		munmap(d->dirty, ALIGN8(d->size / DISK_SECTOR));
	d->overlay = NULL;
	d->dirty = NULL;
}

/* The whole of [off, off + len) read into p, or written from it. 0, -EIO (end of file) or -errno. */
static int io_all(int fd, uint8_t *p, size_t len, uint64_t off, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int disk__read(struct disk *d, void *buf, uint64_t off, size_t len)
{
	uint8_t *p = buf;

	if (off > d->size || len > d->size - off)
		return -EINVAL;
	d->reads++;
	d->read_bytes += len;
	/*
	 * Runs of sectors from one source: the whole request in one pread while
	 * the guest has written nothing there.
	 */
	while (len) {
		uint64_t s = off / DISK_SECTOR;
		bool from_overlay = dirty(d, s);
		size_t run = MIN_SZ(len, DISK_SECTOR - off % DISK_SECTOR);
		int rc;

		while (run < len && dirty(d, (off + run) / DISK_SECTOR) == from_overlay)
			run = MIN_SZ(len, run + DISK_SECTOR);
		if (from_overlay)
			memcpy(p, d->overlay + off, run);
		else if ((rc = io_all(d->fd, p, run, off, false)))
			return rc;
		p += run;
		off += run;
		len -= run;
	}
	return 0;
}

int disk__write(struct disk *d, const void *buf, uint64_t off, size_t len)
{
	const uint8_t *p = buf;

	if (off > d->size || len > d->size - off)
		return -EINVAL;
	d->writes++;
	d->write_bytes += len;
	if (!d->writable) {
		/* Whole sectors only reach the overlay: fill a partial one from its source first. */
		for (uint64_t s = off / DISK_SECTOR; s * DISK_SECTOR < off + len; s++) {
			uint64_t start = s * DISK_SECTOR;

			if (!dirty(d, s) && (start < off || start + DISK_SECTOR > off + len)) {
				int rc = io_all(d->fd, d->overlay + start, DISK_SECTOR, start, false);

				if (rc)
					return rc;
			}
			d->dirty[s / 64] |= 1ULL << (s % 64);
		}
		memcpy(d->overlay + off, p, len);
		return 0;
	}
	return io_all(d->fd, (uint8_t *)p, len, off, true);
}
