/*
 * i8042.h - the PC keyboard controller and its PS/2 keyboard, for direct
 * boots. (A BIOS boot's i8042 is the QEMU child's; pc/kbc.c.)
 *
 * The model is pure state, like the UART's: port reads and writes in, and
 * an output buffer the guest reads at 0x60 with the status at 0x64. Bytes
 * for the guest (a command's reply, a keyboard's acknowledgement, a typed
 * scancode) wait in a queue and enter the output buffer one at a time,
 * each as the guest takes the one before; with command byte bit 0 set, a
 * full output buffer holds IRQ 1 high.
 *
 * What it models: the controller commands a BIOS, a boot loader or an OS
 * driver sends (read/write the command byte, self-tests, enable/disable,
 * the output port, pulse reset), and a keyboard that acknowledges its
 * commands (reset answers 0xaa, identify answers 0xab 0x83). There is no
 * mouse: the auxiliary interface test answers "clock line stuck low", and
 * the AUX loopback answers as keyboard data, so a driver knows at once.
 * Typed keys arrive in scancode set 1, as through a translating
 * controller, whatever command byte bit 6 says.
 *
 * Threads: the vCPU threads make port accesses; --type's typist (the
 * screen console's thread) queues keys. The bus glue serialises both with
 * one lock.
 */
#ifndef BOOTSCOPE_I8042_H
#define BOOTSCOPE_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/keys.h"

#define I8042_DATA_PORT		0x60
#define I8042_COMMAND_PORT	0x64
#define I8042_IRQ		1
#define I8042_QUEUE		256	/* bytes waiting for the output buffer; a power of two */

/* Status register (port 0x64, read). */
#define I8042_STR_OBF		0x01	/* output buffer full */
#define I8042_STR_IBF		0x02	/* input buffer full: never, writes are taken at once */
#define I8042_STR_SYS		0x04	/* system flag: self-test passed */
#define I8042_STR_CMD		0x08	/* the last write went to 0x64 */
#define I8042_STR_UNLOCKED	0x10	/* keyboard not inhibited */
#define I8042_STR_AUXOBF	0x20	/* the output buffer holds mouse data */

/* Command byte (read with 0x20, written with 0x60). */
#define I8042_CTR_KBDINT	0x01	/* IRQ 1 when the output buffer fills */
#define I8042_CTR_SYS		0x04
#define I8042_CTR_KBDDIS	0x10	/* keyboard clock off: keys wait */
#define I8042_CTR_AUXDIS	0x20
#define I8042_CTR_XLATE		0x40	/* translate to set 1 */
#define I8042_CTR_RESET		(I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_XLATE)

/* Controller commands (port 0x64). */
#define I8042_CMD_CTL_RCTR	0x20
#define I8042_CMD_CTL_WCTR	0x60
#define I8042_CMD_AUX_DISABLE	0xa7
#define I8042_CMD_AUX_ENABLE	0xa8
#define I8042_CMD_AUX_TEST	0xa9
#define I8042_CMD_CTL_TEST	0xaa
#define I8042_CMD_KBD_TEST	0xab
#define I8042_CMD_KBD_DISABLE	0xad
#define I8042_CMD_KBD_ENABLE	0xae
#define I8042_CMD_READ_INPUT	0xc0
#define I8042_CMD_READ_OUTPUT	0xd0
#define I8042_CMD_WRITE_OUTPUT	0xd1
#define I8042_CMD_KBD_LOOP	0xd2	/* the next data byte comes back as keyboard data */
#define I8042_CMD_AUX_LOOP	0xd3
#define I8042_CMD_AUX_SEND	0xd4
#define I8042_CMD_PULSE		0xf0	/* 0xf0-0xff: pulse the output lines whose bit is 0 */

#define I8042_CTL_TEST_OK	0x55
#define I8042_KBD_TEST_OK	0x00
#define I8042_AUX_TEST_NONE	0x01	/* clock line stuck low: no mouse */
#define I8042_OUT_RESET		0x01	/* output port bit 0: the CPU's reset line, active low */
#define I8042_OUT_A20		0x02

/* Keyboard commands (port 0x60) and its answers. */
#define KBD_CMD_SET_LEDS	0xed
#define KBD_CMD_ECHO		0xee
#define KBD_CMD_SCANSET		0xf0
#define KBD_CMD_GET_ID		0xf2
#define KBD_CMD_SET_RATE	0xf3
#define KBD_CMD_RESET		0xff
#define KBD_REPLY_ACK		0xfa
#define KBD_REPLY_POR		0xaa	/* power-on reset: self-test passed */
#define KBD_ID_1		0xab
#define KBD_ID_2		0x83

struct i8042 {
	uint8_t ctr;		/* command byte */
	uint8_t out;		/* output buffer */
	uint8_t status;
	uint8_t outport;
	uint8_t pending;	/* a controller command waiting for its data byte, or 0 */
	uint8_t kbd_pending;	/* a keyboard command waiting for its parameter, or 0 */
	uint8_t scanset;
	struct {
		uint8_t byte;
		bool aux;
		bool key;	/* a typed key: held while the keyboard is disabled */
	} q[I8042_QUEUE];
	uint32_t head, tail;	/* q[tail..head) wait */
	uint64_t keys, keys_dropped;
	int irq_level;
	bool reset_pulsed;	/* the guest asked for a CPU reset; the caller ends the run */

	void (*set_irq)(void *opaque, int level);
	void *opaque;
};

void i8042__reset(struct i8042 *k, void (*set_irq)(void *, int), void *opaque);
uint8_t i8042__read(struct i8042 *k, uint16_t port);
void i8042__write(struct i8042 *k, uint16_t port, uint8_t val);
/* One press of p, down (make codes, in order) or up (break codes, reversed). 0, or -ENOSPC when the queue is full. */
int i8042__key(struct i8042 *k, const struct key_press *p, bool down);

struct vm;
int i8042__register(struct vm *vm);
/* The typist's keyboard (struct typist_sink): arg is what i8042__sink_arg() returns. */
int i8042__send_key(void *arg, const struct key_press *p, bool down);
void *i8042__sink_arg(void);

#endif
