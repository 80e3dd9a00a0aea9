/*
 * i8042.c - the keyboard controller of a direct boot: the register model
 * and its place on the bus (i8042.h).
 *
 * Data flow: a guest's command or a typed key puts bytes in the queue;
 * refill() moves the next one into the output buffer whenever the guest
 * has taken the last, and the IRQ line follows "output buffer full and
 * command byte bit 0". Nothing here waits: a real keyboard answers in
 * about a millisecond, this one at once, which no driver minds.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "devices/i8042.h"
#include "core/kvm.h"
#include "core/outcome.h"
#include "core/vm.h"

static void update_irq(struct i8042 *k)
{
	int level = (k->status & I8042_STR_OBF) && !(k->status & I8042_STR_AUXOBF) &&
		    (k->ctr & I8042_CTR_KBDINT);

	if (level != k->irq_level) {
		k->irq_level = level;
		if (k->set_irq)
			k->set_irq(k->opaque, level);
	}
}

/* The next waiting byte into an empty output buffer; typed keys wait while the keyboard is disabled. */
static void refill(struct i8042 *k)
{
	if (!(k->status & I8042_STR_OBF) && k->head != k->tail) {
		uint32_t i = k->tail & (I8042_QUEUE - 1);

		if (!(k->q[i].key && (k->ctr & I8042_CTR_KBDDIS))) {
			k->out = k->q[i].byte;
			k->status = (uint8_t)((k->status & ~I8042_STR_AUXOBF) | I8042_STR_OBF |
					      (k->q[i].aux ? I8042_STR_AUXOBF : 0));
			k->tail++;
		}
	}
	update_irq(k);
}

static int push(struct i8042 *k, uint8_t byte, bool aux, bool key)
{
	if (k->head - k->tail == I8042_QUEUE)
		return -ENOSPC;
	k->q[k->head & (I8042_QUEUE - 1)].byte = byte;
	k->q[k->head & (I8042_QUEUE - 1)].aux = aux;
	k->q[k->head & (I8042_QUEUE - 1)].key = key;
	k->head++;
	return 0;
}

static void reply(struct i8042 *k, uint8_t byte)
{
	push(k, byte, false, false);
	refill(k);
}

void i8042__reset(struct i8042 *k, void (*set_irq)(void *, int), void *opaque)
{
	memset(k, 0, sizeof(*k));
	/* As a BIOS leaves it after POST: self-test passed, keyboard on, translating, IRQ 1 on. */
	k->ctr = I8042_CTR_RESET;
	k->status = I8042_STR_SYS | I8042_STR_UNLOCKED;
	k->outport = I8042_OUT_RESET | I8042_OUT_A20;
	k->scanset = 2;
	k->set_irq = set_irq;
	k->opaque = opaque;
}

/* A byte written to 0x60 with no controller command waiting for it goes to the keyboard. */
static void keyboard_write(struct i8042 *k, uint8_t val)
{
	uint8_t cmd = k->kbd_pending;

	k->kbd_pending = 0;
	if (cmd == KBD_CMD_SCANSET) {
		if (val == 0)		/* "which set?": the ack, then the set */
			reply(k, KBD_REPLY_ACK), reply(k, k->scanset);
		else
			k->scanset = val, reply(k, KBD_REPLY_ACK);
		return;
	}
	if (cmd) {			/* a parameter (LEDs, typematic rate) */
		reply(k, KBD_REPLY_ACK);
		return;
	}
	switch (val) {
	case KBD_CMD_ECHO:
		reply(k, KBD_CMD_ECHO);
		break;
	case KBD_CMD_GET_ID:
		reply(k, KBD_REPLY_ACK), reply(k, KBD_ID_1), reply(k, KBD_ID_2);
		break;
	case KBD_CMD_RESET:
		reply(k, KBD_REPLY_ACK), reply(k, KBD_REPLY_POR);
		break;
	case KBD_CMD_SET_LEDS:
	case KBD_CMD_SET_RATE:
	case KBD_CMD_SCANSET:
		k->kbd_pending = val;
		reply(k, KBD_REPLY_ACK);
		break;
	default:			/* enable, disable, defaults, typematic modes: acknowledged */
		reply(k, KBD_REPLY_ACK);
		break;
	}
}

/* A data byte for the controller command written before it. */
static void command_data(struct i8042 *k, uint8_t cmd, uint8_t val)
{
	switch (cmd) {
	case I8042_CMD_CTL_WCTR:
		k->ctr = val;
		k->status = (uint8_t)((k->status & ~I8042_STR_SYS) | (val & I8042_CTR_SYS));
		refill(k);	/* enabling the keyboard or its IRQ may deliver at once */
		break;
	case I8042_CMD_WRITE_OUTPUT:
		k->outport = val;
		if (!(val & I8042_OUT_RESET))
			k->reset_pulsed = true;
		break;
	case I8042_CMD_KBD_LOOP:
		push(k, val, false, false);
		refill(k);
		break;
	case I8042_CMD_AUX_LOOP:
		/*
		 * No mouse port: the byte comes back, but as keyboard data, which is
		 * how a driver (Linux's i8042_check_aux) tells at once that there is
		 * no AUX port, instead of waiting half a second for an answer.
		 */
		push(k, val, false, false);
		refill(k);
		break;
	default:		/* I8042_CMD_AUX_SEND: no mouse takes it */
		break;
	}
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	if ((cmd & 0xf0) == I8042_CMD_PULSE) {
		if (!(cmd & I8042_OUT_RESET))
			k->reset_pulsed = true;
		return;
	}
	switch (cmd) {
	case I8042_CMD_CTL_RCTR:
		reply(k, k->ctr);
		break;
	case I8042_CMD_CTL_WCTR:
	case I8042_CMD_WRITE_OUTPUT:
	case I8042_CMD_KBD_LOOP:
	case I8042_CMD_AUX_LOOP:
	case I8042_CMD_AUX_SEND:
		k->pending = cmd;
		break;
	case I8042_CMD_AUX_DISABLE:
		k->ctr |= I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_ENABLE:
		k->ctr &= (uint8_t)~I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_TEST:
		reply(k, I8042_AUX_TEST_NONE);
		break;
	case I8042_CMD_CTL_TEST:
		k->status |= I8042_STR_SYS;
		reply(k, I8042_CTL_TEST_OK);
		break;
	case I8042_CMD_KBD_TEST:
		reply(k, I8042_KBD_TEST_OK);
		break;
	case I8042_CMD_KBD_DISABLE:
		k->ctr |= I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_KBD_ENABLE:
		k->ctr &= (uint8_t)~I8042_CTR_KBDDIS;
		refill(k);
		break;
	case I8042_CMD_READ_INPUT:
		reply(k, 0x80);		/* keyboard not inhibited by the key lock */
		break;
	case I8042_CMD_READ_OUTPUT:
		reply(k, k->outport);
		break;
	default:		/* unknown commands are ignored, as QEMU's i8042 does */
		break;
	}
}

uint8_t i8042__read(struct i8042 *k, uint16_t port)
{
	uint8_t v;

	if (port == I8042_COMMAND_PORT)
		return k->status;
	v = k->out;		/* an empty buffer reads its last byte again */
	k->status &= (uint8_t)~(I8042_STR_OBF | I8042_STR_AUXOBF);
	refill(k);
	return v;
}

void i8042__write(struct i8042 *k, uint16_t port, uint8_t val)
{
	if (port == I8042_COMMAND_PORT) {
		k->status |= I8042_STR_CMD;
		k->pending = 0;
		controller_command(k, val);
		return;
	}
	k->status &= (uint8_t)~I8042_STR_CMD;
	if (k->pending) {
		uint8_t cmd = k->pending;

		k->pending = 0;
		command_data(k, cmd, val);
		return;
	}
	keyboard_write(k, val);
}

int i8042__key(struct i8042 *k, const struct key_press *p, bool down)
{
	uint8_t codes[KEYS_COMBO * 2];
	int n = 0;

	for (int i = 0; i < p->n; i++) {
		int c = keys__set1(p->qcode[down ? i : p->n - 1 - i]);

		if (c < 0)
			return -EINVAL;
		if (c & KEYS_E0)
			codes[n++] = 0xe0;
		codes[n++] = (uint8_t)((c & 0x7f) | (down ? 0 : 0x80));
	}
	/* All of one press or none of it: half a key would confuse the driver more than a lost one. */
	if (I8042_QUEUE - (k->head - k->tail) < (uint32_t)n) {
		k->keys_dropped++;
		return -ENOSPC;
	}
	for (int i = 0; i < n; i++)
		push(k, codes[i], false, true);
	k->keys++;
	refill(k);
	return 0;
}

/* On the bus: one lock around the model, IRQ 1 to the interrupt controller, a pulsed reset ends the run. */
struct i8042_dev {
	struct i8042 k;
	pthread_mutex_t lock;
	struct vm *vm;
};

static struct i8042_dev kbd;

static void kbd_irq(void *opaque, int level)
{
	struct i8042_dev *d = opaque;

	kvm__irq_line(d->vm, I8042_IRQ, level);
}

static int i8042_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	struct i8042_dev *d = dev;
	bool reset;

	pthread_mutex_lock(&d->lock);
	if (is_write)
		i8042__write(&d->k, (uint16_t)port, data[0]);
	else
		data[0] = i8042__read(&d->k, (uint16_t)port);
	for (uint32_t i = 1; i < len; i++)	/* 0x61-0x63 and 0x65-0x67 are not the controller's */
		if (!is_write)
			data[i] = 0xff;
	reset = d->k.reset_pulsed;
	d->k.reset_pulsed = false;
	pthread_mutex_unlock(&d->lock);
	if (reset)
		run__end(cpu->vm, OUTCOME_SHUTDOWN, EXIT_GUEST_FAILED, cpu->id, cpu->t_exit,
			 "vCPU %d reset the machine (keyboard controller reset line); a reset ends the run", cpu->id);
	return 0;
}

int i8042__register(struct vm *vm)
{
	int rc;

	kbd.vm = vm;
	pthread_mutex_init(&kbd.lock, NULL);
	i8042__reset(&kbd.k, kbd_irq, &kbd);
	if ((rc = bus__register_pio(&vm->bus, "i8042", I8042_DATA_PORT, 1, i8042_io, &kbd)))
		return rc;
	return bus__register_pio(&vm->bus, "i8042", I8042_COMMAND_PORT, 1, i8042_io, &kbd);
}

void *i8042__sink_arg(void)
{
	return &kbd;
}

int i8042__send_key(void *arg, const struct key_press *p, bool down)
{
	struct i8042_dev *d = arg;
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = i8042__key(&d->k, p, down);
	pthread_mutex_unlock(&d->lock);
	return rc;
}
