/*
 * Fuzz harness: the 16550A as a guest drives it, any register, any value,
 * in any order: each pair of input bytes is (register and direction, value).
 */
#include <stdint.h>
#include <string.h>

#include "devices/uart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void tx(void *opaque, uint8_t c)
{
	(void)opaque;
	(void)c;
}

static void set_irq(void *opaque, int level)
{
	(void)opaque;
	(void)level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uart u;

	uart__reset(&u, tx, set_irq, NULL);
	for (size_t i = 0; i + 1 < size; i += 2) {
		unsigned reg = data[i] & 7;

		if (data[i] & 0x80)
			uart__write(&u, reg, data[i + 1]);
		else
			(void)uart__read(&u, reg);
	}
	return 0;
}
