/*
 * Fuzz harness: what a QEMU child could send on the qtest socket while no
 * access is in flight (IRQ lines, or garbage). The client must handle the
 * IRQ lines and call anything else a protocol error, never overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pc/qtest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void irq(void *opaque, int line, int level)
{
	(void)opaque;
	(void)line;
	(void)level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qtest q;
	int sv[2];

	if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	memset(&q, 0, sizeof(q));
	q.fd = sv[0];
	q.child.output_fd = -1;
	q.irq = irq;
	if (write(sv[1], data, size) == (ssize_t)size)
		qtest__poll(&q);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
