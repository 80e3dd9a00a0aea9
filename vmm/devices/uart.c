/*
 * uart.c - 16550A on COM1: the register model and its place on the bus.
 *
 * Interrupt sources, by priority as IIR reports them: received data (from
 * loopback, or typed with --type), THR empty, modem status. The line level follows
 * "any enabled source pending"; like QEMU's serial device, MCR.OUT2 does not
 * gate it, so guests tested on QEMU behave the same here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/uart.h"
#include "core/kvm.h"
#include "core/vm.h"

static uint8_t iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & 1) ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_RDI) && (u->lsr & UART_LSR_DR))
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thri_pending)
		return fifo | UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & 0x0f))
		return fifo | UART_IIR_MSI;
	return fifo | UART_IIR_NO_INT;
}

static void update_irq(struct uart *u)
{
	int level = !(iir(u) & UART_IIR_NO_INT);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->opaque, level);
	}
}

/* In loopback the modem inputs follow the outputs: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
static uint8_t loop_msr(uint8_t mcr)
{
	return (uint8_t)(((mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
			 ((mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
			 ((mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
			 ((mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
}

static void set_msr(struct uart *u, uint8_t status)
{
	uint8_t old = u->msr, delta = 0;

	if ((old ^ status) & UART_MSR_CTS) delta |= UART_MSR_DCTS;
	if ((old ^ status) & UART_MSR_DSR) delta |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(status & UART_MSR_RI)) delta |= UART_MSR_TERI;
	if ((old ^ status) & UART_MSR_DCD) delta |= UART_MSR_DDCD;
	u->msr = (uint8_t)(status | (old & 0x0f) | delta);
}

void uart__reset(struct uart *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
		 void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	/* Out of reset the modem lines are idle: carrier and data set ready as a cable would say. */
	u->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	u->dll = 12;		/* 9600 baud, as a PC BIOS leaves it */
	u->tx = tx;
	u->set_irq = set_irq;
	u->opaque = opaque;
}

uint8_t uart__read(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg & 7) {
	case UART_RBR:
		if (u->lcr & UART_LCR_DLAB)
			return u->dll;
		if (u->rx_n) {		/* received bytes first, in order */
			v = u->rx[u->rx_head];
			u->rx_head = (uint8_t)((u->rx_head + 1) % UART_RX_FIFO);
			u->rx_n--;
		} else {
			v = u->rbr;
		}
		if (!u->rx_n)
			u->lsr &= (uint8_t)~UART_LSR_DR;
		update_irq(u);
		return v;
	case UART_IER:
		return (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR:
		v = iir(u);
		/* Reading IIR acknowledges a THR-empty interrupt it reports. */
		if ((v & 0x0f) == UART_IIR_THRI) {
			u->thri_pending = false;
			update_irq(u);
		}
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = u->lsr;
		u->lsr &= (uint8_t)~UART_LSR_OE;	/* reading clears the overrun */
		return v;
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0;	/* reading clears the delta bits */
		update_irq(u);
		return v;
	default:
		return u->scr;
	}
}

void uart__write(struct uart *u, unsigned reg, uint8_t val)
{
	switch (reg & 7) {
	case UART_THR:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = val;
			return;
		}
		if (u->mcr & UART_MCR_LOOP) {
			u->rbr = val;
			u->lsr |= UART_LSR_DR;
		} else if (u->tx) {
			u->tx(u->opaque, val);
		}
		/* Sent at once: THR is empty again. */
		u->thri_pending = true;
		break;
	case UART_IER:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = val;
			return;
		}
		/* Enabling the THR-empty interrupt while THR is empty raises it. */
		if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thri_pending = true;
		u->ier = val & 0x0f;
		break;
	case UART_FCR:
		u->fcr = val & 0xc9;
		if (val & 0x02) {	/* clear receive FIFO */
			u->rx_n = 0;
			u->lsr &= (uint8_t)~UART_LSR_DR;
		}
		break;
	case UART_LCR:
		u->lcr = val;
		return;
	case UART_MCR: {
		uint8_t old = u->mcr;

		u->mcr = val & 0x1f;
		if (u->mcr & UART_MCR_LOOP)
			set_msr(u, loop_msr(u->mcr));
		else if (old & UART_MCR_LOOP)
			set_msr(u, UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
		break;
	}
	case UART_LSR:
	case UART_MSR:
		return;		/* read-only on a 16550A */
	default:
		u->scr = val;
		return;
	}
	update_irq(u);
}

int uart__receive(struct uart *u, uint8_t c)
{
	if (u->mcr & UART_MCR_LOOP)
		return 0;	/* in loopback the line is cut off from the outside */
	if (u->rx_n == UART_RX_FIFO) {
		u->lsr |= UART_LSR_OE;
		return -ENOSPC;
	}
	u->rx[(u->rx_head + u->rx_n) % UART_RX_FIFO] = c;
	u->rx_n++;
	u->lsr |= UART_LSR_DR;
	update_irq(u);
	return 0;
}

/* COM1 on the bus: one lock around the model, text to the milestone engine. */
struct uart_dev {
	struct uart u;
	pthread_mutex_t lock;
	struct vm *vm;
	struct kvm_cpu *cpu;	/* the vCPU whose access is being handled */
};

static void com1_tx(void *opaque, uint8_t c)
{
	struct uart_dev *d = opaque;

	milestones__text(&d->vm->ms, TEXT_UART, c, d->cpu->t_exit, d->cpu->id);
}

static void com1_irq(void *opaque, int level)
{
	struct uart_dev *d = opaque;

	kvm__irq_line(d->vm, COM1_IRQ, level);
}

static int com1_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct uart_dev *d = dev;

	pthread_mutex_lock(&d->lock);
	d->cpu = cpu;
	/* A wider access touches consecutive registers, as two byte accesses would. */
	for (uint32_t i = 0; i < len; i++) {
		unsigned reg = (unsigned)(port - COM1_BASE + i);

		if (reg > 7) {
			if (!is_write)
				data[i] = 0xff;
		} else if (is_write) {
			uart__write(&d->u, reg, data[i]);
		} else {
			data[i] = uart__read(&d->u, reg);
		}
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static struct uart_dev com1;

int uart__register(struct vm *vm)
{
	com1.vm = vm;
	pthread_mutex_init(&com1.lock, NULL);
	uart__reset(&com1.u, com1_tx, com1_irq, &com1);
	return bus__register_pio(&vm->bus, "uart", COM1_BASE, 8, com1_io, &com1);
}

void *uart__com1(void)
{
	return &com1;
}

int uart__send_bytes(void *arg, const char *bytes, size_t n)
{
	struct uart_dev *d = arg;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < n && !rc; i++)
		rc = uart__receive(&d->u, (uint8_t)bytes[i]);
	pthread_mutex_unlock(&d->lock);
	return rc;
}
