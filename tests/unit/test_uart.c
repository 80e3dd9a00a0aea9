/* Unit tests of the 16550A register model (include/devices/uart.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/uart.h"

struct sink {
	char out[64];
	int n;
	int irq;
	int irq_changes;
};

static void tx(void *opaque, uint8_t c)
{
	struct sink *s = opaque;

	if (s->n < (int)sizeof(s->out) - 1)
		s->out[s->n++] = (char)c;
}

static void set_irq(void *opaque, int level)
{
	struct sink *s = opaque;

	s->irq = level;
	s->irq_changes++;
}

static void setup(struct uart *u, struct sink *s)
{
	memset(s, 0, sizeof(*s));
	uart__reset(u, tx, set_irq, s);
}

static void test_reset_state(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	assert_int_equal(uart__read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(uart__read(&u, UART_IER), 0);
	assert_int_equal(uart__read(&u, UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(s.irq, 0);
}

static void test_transmit(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	uart__write(&u, UART_THR, 'h');
	uart__write(&u, UART_THR, 'i');
	assert_string_equal(s.out, "hi");
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_THRE, UART_LSR_THRE);
	assert_int_equal(s.irq, 0);	/* no interrupt without IER */
}

static void test_divisor_latch(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	uart__write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart__write(&u, UART_DLL, 0x01);
	uart__write(&u, UART_DLM, 0x02);
	assert_int_equal(uart__read(&u, UART_DLL), 0x01);
	assert_int_equal(uart__read(&u, UART_DLM), 0x02);
	assert_int_equal(s.n, 0);		/* DLL writes are not data */
	uart__write(&u, UART_LCR, 0x03);
	assert_int_equal(uart__read(&u, UART_IER), 0);	/* DLM did not land in IER */
	assert_int_equal(uart__read(&u, UART_LCR), 0x03);
}

static void test_scratch(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	uart__write(&u, UART_SCR, 0x5a);
	assert_int_equal(uart__read(&u, UART_SCR), 0x5a);
	uart__write(&u, UART_SCR, 0xa5);
	assert_int_equal(uart__read(&u, UART_SCR), 0xa5);
}

static void test_thr_empty_interrupt(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	/* Enabling ETBEI with THR empty raises the interrupt at once. */
	uart__write(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(s.irq, 1);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_THRI);
	/* That read acknowledged it. */
	assert_int_equal(s.irq, 0);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_NO_INT);
	/* Each character sent empties THR again. */
	uart__write(&u, UART_THR, 'x');
	assert_int_equal(s.irq, 1);
	uart__write(&u, UART_IER, 0);
	assert_int_equal(s.irq, 0);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_NO_INT);
}

static void test_fifo_bits(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	uart__write(&u, UART_FCR, 0xc7);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NO_INT);
	uart__write(&u, UART_FCR, 0);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_NO_INT);
}

static void test_loopback(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	/* Linux's 8250 probe: loopback with OUT2|RTS must read back CTS|DCD. */
	uart__write(&u, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(uart__read(&u, UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
	uart__write(&u, UART_IER, UART_IER_RDI);
	uart__write(&u, UART_THR, 'L');
	assert_int_equal(s.n, 0);		/* looped back, not sent */
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(s.irq, 1);
	assert_int_equal(uart__read(&u, UART_IIR), UART_IIR_RDI);
	assert_int_equal(uart__read(&u, UART_RBR), 'L');
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(s.irq, 0);
	uart__write(&u, UART_MCR, 0x0b);
	uart__write(&u, UART_THR, 'T');
	assert_string_equal(s.out, "T");
}

static void test_readonly_registers(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	uart__write(&u, UART_LSR, 0);
	assert_int_equal(uart__read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	uart__write(&u, UART_IER, 0xff);
	assert_int_equal(uart__read(&u, UART_IER), 0x0f);	/* upper bits reserved */
}

/* Typed bytes: received in order, DR while any wait, RDI raises the line, a 17th byte overruns. */
static void test_receive(void **state)
{
	struct uart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	uart__write(&u, UART_IER, UART_IER_RDI);
	assert_int_equal(s.irq, 0);
	assert_int_equal(uart__receive(&u, 'r'), 0);
	assert_int_equal(uart__receive(&u, '\r'), 0);
	assert_int_equal(s.irq, 1);
	assert_int_equal(uart__read(&u, UART_IIR) & 0x0f, UART_IIR_RDI);
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(uart__read(&u, UART_RBR), 'r');
	assert_int_equal(s.irq, 1);
	assert_int_equal(uart__read(&u, UART_RBR), '\r');
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(s.irq, 0);
	for (int i = 0; i < UART_RX_FIFO; i++)
		assert_int_equal(uart__receive(&u, (uint8_t)('a' + i)), 0);
	assert_int_equal(uart__receive(&u, 'z'), -ENOSPC);
	assert_int_equal(uart__read(&u, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_OE, 0);	/* cleared by the read */
	assert_int_equal(uart__read(&u, UART_RBR), 'a');
	uart__write(&u, UART_FCR, 0x03);	/* FIFO on, receive FIFO cleared */
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_DR, 0);
	/* In loopback the line is cut off: nothing is received. */
	uart__write(&u, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(uart__receive(&u, 'x'), 0);
	assert_int_equal(uart__read(&u, UART_LSR) & UART_LSR_DR, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_transmit),
		cmocka_unit_test(test_divisor_latch),
		cmocka_unit_test(test_scratch),
		cmocka_unit_test(test_thr_empty_interrupt),
		cmocka_unit_test(test_fifo_bits),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_readonly_registers),
		cmocka_unit_test(test_receive),
	};

	return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
