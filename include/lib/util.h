/*
 * util.h - small helpers shared by every part of the VMM.
 *
 * Error policy: setup code may die() with a one-line message; everything that
 * runs after the guest started returns negative errno (or a status) up to the
 * run controller, which prints once.
 */
#ifndef BOOTSCOPE_UTIL_H
#define BOOTSCOPE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

/* Process exit statuses; docs/usage.md's table documents the same numbers. */
enum {
	EXIT_OK = 0,		/* --until matched, or the guest ended cleanly */
	EXIT_ERROR = 1,		/* host, KVM or input-file error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_GUEST_FAILED = 3,	/* guest stopped without reaching --until, or crashed */
	EXIT_TIMEOUT = 124,	/* --timeout elapsed (as timeout(1)) */
	EXIT_INTERRUPTED = 130, /* SIGINT/SIGTERM */
	EXIT_SANDBOX = 159,	/* a system call outside the sandbox's allowlist (128 + SIGSYS) */
};

extern const char *progname;

/* Open an output file given by option opt ("we"); NULL with "OPT PATH: why" in err. */
FILE *open_output(const char *opt, const char *path, char *err, size_t errlen);
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void die_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A whole file read into memory. Loaders only ever see (data, size) and
 * bounds-check against size; max bounds the allocation so a huge input is an
 * error, not an out-of-memory.
 */
struct file_buf {
	const char *path;
	uint8_t *data;
	size_t size;
};
int file__read(struct file_buf *f, const char *path, size_t max, char *err, size_t errlen);
void file__free(struct file_buf *f);

/* Sort v ascending; sort_median also returns its median (n >= 1), so v[0] and v[n-1] are min and max. */
void sort_doubles(double *v, size_t n);
double sort_median(double *v, size_t n);

/* Text that came from a user or a file, escaped for an XML (SVG) document. */
void xml__text(FILE *f, const char *s);
/* s as one CSV field: quoted, quotes doubled, when it holds a comma, a quote or a newline. */
void csv__field(FILE *f, const char *s);

/* "256M", "1G", "3.5G", "65536K"; a bare number means MiB (as qemu -m). */
int parse_size(const char *s, uint64_t *out);
/* Strict unsigned parse (decimal or 0x hex), whole string, no sign. */
int parse_u64(const char *s, uint64_t *out);

static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v); put_le32(p + 4, (uint32_t)(v >> 32)); }

#endif
