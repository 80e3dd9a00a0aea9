/*
 * uart.h - a 16550A UART register model.
 *
 * The model is pure state: register reads and writes in, transmitted bytes
 * and the interrupt line level out through callbacks. vmm/devices/uart.c puts it on
 * COM1 (0x3f8, IRQ 4); the unit tests drive it directly.
 *
 * Transmission is instantaneous: THR is always empty again by the time the
 * guest looks, so LSR always shows THRE|TEMT, and with IER.ETBEI set a
 * THR-empty interrupt is pending after every write until IIR is read or THR
 * is written. Received bytes (--type on the serial console) wait in a
 * 16-byte FIFO, a 16550A's, whatever FCR says; one more is an overrun
 * (LSR.OE) and is lost. MCR loopback takes the place of the line.
 */
#ifndef BOOTSCOPE_UART_H
#define BOOTSCOPE_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_RBR 0	/* read, DLAB=0 */
#define UART_THR 0	/* write, DLAB=0 */
#define UART_DLL 0	/* DLAB=1 */
#define UART_IER 1	/* DLAB=0 */
#define UART_DLM 1	/* DLAB=1 */
#define UART_IIR 2	/* read */
#define UART_FCR 2	/* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IER_RLSI	0x04
#define UART_IER_MSI	0x08

#define UART_IIR_NO_INT	0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_FIFO	0xc0

#define UART_LCR_DLAB	0x80
#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10

#define UART_RX_FIFO	16

#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define UART_MSR_DCTS	0x01
#define UART_MSR_DDSR	0x02
#define UART_MSR_TERI	0x04
#define UART_MSR_DDCD	0x08
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

struct uart {
	uint8_t rbr, ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	uint8_t rx[UART_RX_FIFO];	/* received bytes: rx_n of them from rx_head */
	uint8_t rx_head, rx_n;
	bool thri_pending;	/* THR-empty interrupt waiting to be seen */
	int irq_level;

	void (*tx)(void *opaque, uint8_t c);
	void (*set_irq)(void *opaque, int level);
	void *opaque;
};

void uart__reset(struct uart *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
		 void *opaque);
uint8_t uart__read(struct uart *u, unsigned reg);
void uart__write(struct uart *u, unsigned reg, uint8_t val);
/* A byte arrives on the line: 0, or -ENOSPC (an overrun) when the FIFO is full. */
int uart__receive(struct uart *u, uint8_t c);

#define COM1_BASE 0x3f8
#define COM1_IRQ 4

struct vm;
int uart__register(struct vm *vm);
/* --type on the serial console: bytes into COM1's receiver (struct typist_serial; arg is uart__com1()). */
int uart__send_bytes(void *arg, const char *bytes, size_t n);
void *uart__com1(void);

#endif
