/*
 * Fuzz harness: a matrix results file (JSON lines) as `matrix` and
 * `matrix-report` read it. Anything but a header and cells must be refused
 * or skipped, never trusted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "studies/matrix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *arg, const cJSON *cell)
{
	(void)cell;
	++*(int *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[512], *boot = NULL;
	int n = 0;

	if (fd < 0 && (fd = memfd_create("fuzz-results", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	matrix__read(path, &boot, count, &n, err, sizeof(err));
	free(boot);
	return 0;
}
