/*
 * Fuzz harness: a trace file as `bootscope report` reads it, then written
 * out in every format. A damaged file must be refused with a message, never
 * read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tracing/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static FILE *null;
	struct trace_file t;
	char path[64], err[512];

	if (fd < 0 && ((fd = memfd_create("fuzz-trace", 0)) < 0 || !(null = fopen("/dev/null", "w"))))
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (trace_file__load(&t, path, err, sizeof(err)) == 0) {
		for (int f = 0; f <= REPORT_SVG; f++)
			report__write(&t, (enum report_format)f, null);
		trace_file__free(&t);
	}
	return 0;
}
