/* Unit tests of the keyboard controller model (include/devices/i8042.h) and the key tables (lib/keys.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/i8042.h"
#include "lib/keys.h"

struct line {
	int level, changes;
};

static void set_irq(void *opaque, int level)
{
	struct line *l = opaque;

	l->level = level;
	l->changes++;
}

static void setup(struct i8042 *k, struct line *l)
{
	memset(l, 0, sizeof(*l));
	i8042__reset(k, set_irq, l);
}

/* The next byte the guest reads, after checking the status says one is there. */
static uint8_t take(struct i8042 *k)
{
	assert_true(i8042__read(k, I8042_COMMAND_PORT) & I8042_STR_OBF);
	return i8042__read(k, I8042_DATA_PORT);
}

static void press(struct i8042 *k, const char *text, bool down)
{
	struct key_press p[4];
	char err[256];

	assert_int_equal(keys__parse(text, p, 4, err, sizeof(err)), 1);
	assert_int_equal(i8042__key(k, &p[0], down), 0);
}

static void test_after_post(void **state)
{
	struct i8042 k;
	struct line l;

	(void)state;
	setup(&k, &l);
	assert_int_equal(i8042__read(&k, I8042_COMMAND_PORT), I8042_STR_SYS | I8042_STR_UNLOCKED);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_CTL_RCTR);
	assert_int_equal(take(&k), I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_XLATE);
	assert_int_equal(i8042__read(&k, I8042_COMMAND_PORT) & I8042_STR_OBF, 0);
}

/* What a driver's probe sends: self-tests, the command byte written back, no mouse. */
static void test_controller_commands(void **state)
{
	struct i8042 k;
	struct line l;

	(void)state;
	setup(&k, &l);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_CTL_TEST);
	assert_int_equal(take(&k), I8042_CTL_TEST_OK);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_KBD_TEST);
	assert_int_equal(take(&k), I8042_KBD_TEST_OK);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_AUX_TEST);
	assert_int_equal(take(&k), I8042_AUX_TEST_NONE);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_CTL_WCTR);
	assert_true(i8042__read(&k, I8042_COMMAND_PORT) & I8042_STR_CMD);
	i8042__write(&k, I8042_DATA_PORT, I8042_CTR_XLATE | I8042_CTR_SYS);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_CTL_RCTR);
	assert_int_equal(take(&k), I8042_CTR_XLATE | I8042_CTR_SYS);
	/* Loopback: the byte comes back as keyboard data; the AUX loop too, there being no mouse port. */
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_KBD_LOOP);
	i8042__write(&k, I8042_DATA_PORT, 0x5a);
	assert_int_equal(take(&k), 0x5a);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_AUX_LOOP);
	i8042__write(&k, I8042_DATA_PORT, 0xa5);
	assert_false(i8042__read(&k, I8042_COMMAND_PORT) & I8042_STR_AUXOBF);
	assert_int_equal(take(&k), 0xa5);
	assert_false(k.reset_pulsed);
	i8042__write(&k, I8042_COMMAND_PORT, 0xff);	/* pulse no line */
	assert_false(k.reset_pulsed);
	i8042__write(&k, I8042_COMMAND_PORT, 0xfe);	/* pulse the reset line */
	assert_true(k.reset_pulsed);
	k.reset_pulsed = false;
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_WRITE_OUTPUT);
	i8042__write(&k, I8042_DATA_PORT, I8042_OUT_A20);	/* reset line low */
	assert_true(k.reset_pulsed);
}

/* The keyboard acknowledges, answers reset and identify, and takes parameters. */
static void test_keyboard_commands(void **state)
{
	struct i8042 k;
	struct line l;

	(void)state;
	setup(&k, &l);
	i8042__write(&k, I8042_DATA_PORT, KBD_CMD_RESET);
	assert_int_equal(take(&k), KBD_REPLY_ACK);
	assert_int_equal(take(&k), KBD_REPLY_POR);
	i8042__write(&k, I8042_DATA_PORT, KBD_CMD_GET_ID);
	assert_int_equal(take(&k), KBD_REPLY_ACK);
	assert_int_equal(take(&k), KBD_ID_1);
	assert_int_equal(take(&k), KBD_ID_2);
	i8042__write(&k, I8042_DATA_PORT, KBD_CMD_SET_LEDS);
	assert_int_equal(take(&k), KBD_REPLY_ACK);
	i8042__write(&k, I8042_DATA_PORT, 0x07);	/* the LEDs, not a command */
	assert_int_equal(take(&k), KBD_REPLY_ACK);
	i8042__write(&k, I8042_DATA_PORT, KBD_CMD_SCANSET);
	assert_int_equal(take(&k), KBD_REPLY_ACK);
	i8042__write(&k, I8042_DATA_PORT, 0);
	assert_int_equal(take(&k), KBD_REPLY_ACK);
	assert_int_equal(take(&k), 2);
	i8042__write(&k, I8042_DATA_PORT, KBD_CMD_ECHO);
	assert_int_equal(take(&k), KBD_CMD_ECHO);
	assert_int_equal(i8042__read(&k, I8042_COMMAND_PORT) & I8042_STR_OBF, 0);
}

/* Typed keys in set 1: make codes in order, break codes reversed, 0xe0 before extended keys; IRQ 1 per byte. */
static void test_typed_keys(void **state)
{
	struct i8042 k;
	struct line l;

	(void)state;
	setup(&k, &l);
	press(&k, "R", true);
	assert_int_equal(l.level, 1);
	assert_int_equal(take(&k), 0x2a);	/* shift */
	assert_int_equal(l.level, 1);		/* the next byte is already there */
	assert_int_equal(take(&k), 0x13);	/* r */
	assert_int_equal(l.level, 0);
	press(&k, "R", false);
	assert_int_equal(take(&k), 0x93);
	assert_int_equal(take(&k), 0xaa);
	press(&k, "<up>", true);
	assert_int_equal(take(&k), 0xe0);
	assert_int_equal(take(&k), 0x48);
	press(&k, "<up>", false);
	assert_int_equal(take(&k), 0xe0);
	assert_int_equal(take(&k), 0xc8);
	assert_int_equal(k.keys, 4);
	/* With IRQ 1 off in the command byte, the buffer fills without the line. */
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_CTL_WCTR);
	i8042__write(&k, I8042_DATA_PORT, I8042_CTR_XLATE);
	press(&k, "<enter>", true);
	assert_int_equal(l.level, 0);
	assert_int_equal(take(&k), 0x1c);
}

/* A disabled keyboard holds typed keys (a command's reply still comes) until it is enabled. */
static void test_disabled_keyboard(void **state)
{
	struct i8042 k;
	struct line l;

	(void)state;
	setup(&k, &l);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_KBD_DISABLE);
	press(&k, "a", true);
	assert_int_equal(i8042__read(&k, I8042_COMMAND_PORT) & I8042_STR_OBF, 0);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_KBD_ENABLE);
	assert_int_equal(take(&k), 0x1e);
}

/* A press goes in whole or not at all. */
static void test_queue_full(void **state)
{
	struct i8042 k;
	struct line l;
	int n = 0;

	(void)state;
	setup(&k, &l);
	i8042__write(&k, I8042_COMMAND_PORT, I8042_CMD_KBD_DISABLE);
	struct key_press p[1];
	char err[256];

	assert_int_equal(keys__parse("<up>", p, 1, err, sizeof(err)), 1);
	while (i8042__key(&k, &p[0], true) == 0)
		n++;
	assert_int_equal(n, I8042_QUEUE / 2);
	assert_int_equal(k.keys_dropped, 1);
}

static void test_key_tables(void **state)
{
	struct key_press p[8];
	char err[256], b[8];
	int n;

	(void)state;
	assert_int_equal(keys__set1("a"), 0x1e);
	assert_int_equal(keys__set1("ret"), 0x1c);
	assert_int_equal(keys__set1("pgdn"), KEYS_E0 | 0x51);
	assert_int_equal(keys__set1("nosuch"), -1);
	n = keys__parse("r<enter><up><ctrl-c><lt>A<alt-x><f1>", p, 8, err, sizeof(err));
	assert_int_equal(n, 8);
	assert_int_equal(keys__bytes(&p[0], b, sizeof(b)), 1);
	assert_memory_equal(b, "r", 1);
	assert_int_equal(keys__bytes(&p[1], b, sizeof(b)), 1);
	assert_memory_equal(b, "\r", 1);
	assert_int_equal(keys__bytes(&p[2], b, sizeof(b)), 3);
	assert_memory_equal(b, "\x1b[A", 3);
	assert_int_equal(keys__bytes(&p[3], b, sizeof(b)), 1);
	assert_int_equal(b[0], 3);
	assert_int_equal(keys__bytes(&p[4], b, sizeof(b)), 1);
	assert_int_equal(b[0], '<');
	assert_int_equal(keys__bytes(&p[5], b, sizeof(b)), 1);
	assert_int_equal(b[0], 'A');
	assert_int_equal(keys__bytes(&p[6], b, sizeof(b)), 2);
	assert_memory_equal(b, "\x1bx", 2);
	assert_int_equal(keys__bytes(&p[7], b, sizeof(b)), 3);
	assert_memory_equal(b, "\x1bOP", 3);
	assert_int_equal(keys__bytes(&p[2], b, 2), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_post),
		cmocka_unit_test(test_controller_commands),
		cmocka_unit_test(test_keyboard_commands),
		cmocka_unit_test(test_typed_keys),
		cmocka_unit_test(test_disabled_keyboard),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_key_tables),
	};

	return cmocka_run_group_tests_name("i8042", tests, NULL, NULL);
}
