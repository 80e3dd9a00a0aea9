/*
 * Unit tests of the screen console (include/core/screen.h) on frames built
 * cell by cell, the VGA's register file (include/devices/vga.h), and the
 * --type key parser (include/lib/keys.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/screen.h"
#include "devices/vga.h"
#include "lib/keys.h"

/* The "guest": a text window the reader copies, and the registers it reports. */
static struct screen_frame guest;
static struct screen s;
static char lines[64][SCREEN_TEXT_MAX];
static int rows_of[64];
static int nr_lines;

static int read_guest(void *arg, struct screen_frame *f)
{
	(void)arg;
	memcpy(f, &guest, sizeof(*f));
	return 0;
}

static void on_line(void *arg, const char *text, int row, uint64_t t)
{
	(void)arg;
	(void)t;
	if (nr_lines < 64) {
		rows_of[nr_lines] = row;
		snprintf(lines[nr_lines++], SCREEN_TEXT_MAX, "%s", text);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&guest, 0, sizeof(guest));
	guest.cols = 80;
	guest.rows = 25;
	guest.pitch = 80;
	guest.cursor = UINT32_MAX;
	screen__init(&s);
	s.read = read_guest;
	s.on_line = on_line;
	nr_lines = 0;
	return 0;
}

/* Write text at memory row r (cells from the window's start, at pitch 80). */
static void put(int r, const char *text)
{
	uint8_t *p = &guest.mem[(size_t)r * 80 * 2];

	memset(p, 0, 80 * 2);
	for (size_t i = 0; text[i] && i < 80; i++) {
		p[i * 2] = (uint8_t)text[i];
		p[i * 2 + 1] = 0x07;
	}
}

static void test_new_rows_in_screen_order(void **state)
{
	(void)state;
	put(0, "first");
	put(2, "third");
	screen__poll(&s, 1);
	assert_int_equal(nr_lines, 2);
	assert_string_equal(lines[0], "first");
	assert_int_equal(rows_of[0], 0);
	assert_string_equal(lines[1], "third");
	assert_int_equal(rows_of[1], 2);
	/* Nothing changed: nothing new. An attribute-only change is nothing new either. */
	guest.mem[1] = 0x70;
	screen__poll(&s, 2);
	assert_int_equal(nr_lines, 2);
}

/*
 * Hardware scrolling: 60 lines written below the old screen and the start
 * address moved 40 rows down, all between two reads. Every line comes, once,
 * in the order written, although 40 of them are above the new origin.
 */
static void test_hardware_scroll_between_reads(void **state)
{
	char text[16];

	(void)state;
	put(0, "banner");
	screen__poll(&s, 1);
	for (int i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "line %02d", i);
		put(1 + i, text);
	}
	guest.start = 40 * 80;	/* visible: memory rows 40..64 */
	screen__poll(&s, 2);
	assert_int_equal(nr_lines, 61);
	for (int i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "line %02d", i);
		assert_string_equal(lines[1 + i], text);
	}
	assert_int_equal(rows_of[1], -1);	/* memory row 1: above the screen now */
	assert_int_equal(rows_of[60], 20);	/* memory row 60: visible row 20 */
	assert_int_equal(screen__rows(&s), 25);
	{
		char row[SCREEN_TEXT_MAX];

		screen__row_text(&s, 0, row, sizeof(row));
		assert_string_equal(row, "line 39");
	}
}

/* A BIOS teletype scrolls by copying every row up one: only the new bottom row is new. */
static void test_software_scroll_moves_rows(void **state)
{
	char text[16];

	(void)state;
	for (int r = 0; r < 25; r++) {
		snprintf(text, sizeof(text), "row %02d", r);
		put(r, text);
	}
	screen__poll(&s, 1);
	assert_int_equal(nr_lines, 25);
	memmove(guest.mem, guest.mem + 160, 24 * 160);
	put(24, "row 25");
	screen__poll(&s, 2);
	assert_int_equal(nr_lines, 26);
	assert_string_equal(lines[25], "row 25");
}

/* A line being typed is matched as it grows; a line being erased is nothing new. */
static void test_growing_and_erasing(void **state)
{
	(void)state;
	put(0, "log");
	screen__poll(&s, 1);
	put(0, "login:");
	screen__poll(&s, 2);
	assert_int_equal(nr_lines, 2);
	assert_string_equal(lines[1], "login:");
	put(0, "   in:");	/* a clear screen blanking it from the left */
	screen__poll(&s, 3);
	put(0, "");
	screen__poll(&s, 4);
	assert_int_equal(nr_lines, 2);
}

/* Trailing blanks are never text (QEMU's screen has no cursor to tell them by); the cursor is reported. */
static void test_trailing_blanks_and_cursor(void **state)
{
	(void)state;
	put(3, "login: ");
	guest.cursor = 3 * 80 + 7;
	screen__poll(&s, 1);
	assert_int_equal(nr_lines, 1);
	assert_string_equal(lines[0], "login:");
	{
		int row, col;

		assert_true(screen__cursor(&s, &row, &col));
		assert_int_equal(row, 3);
		assert_int_equal(col, 7);
	}
}

/* CP437's upper half and control glyphs come out as the VGA font draws them. */
static void test_cp437(void **state)
{
	(void)state;
	assert_string_equal(screen__cp437('A'), "A");
	assert_string_equal(screen__cp437(0xc4), "─");
	assert_string_equal(screen__cp437(0xda), "┌");
	assert_string_equal(screen__cp437(0x18), "↑");
	assert_string_equal(screen__cp437(0x00), " ");
}

/* Graphics: noted once, the console quiet, the last text screen kept. */
static void test_graphics_mode(void **state)
{
	char row[SCREEN_TEXT_MAX];

	(void)state;
	put(0, "text");
	screen__poll(&s, 1);
	guest.graphics = true;
	put(0, "garbage");
	screen__poll(&s, 2);
	screen__poll(&s, 3);
	assert_int_equal(nr_lines, 1);
	assert_int_equal(s.graphics_switches, 1);
	assert_true(s.graphics_now);
	screen__row_text(&s, 0, row, sizeof(row));
	assert_string_equal(row, "text");
}

/* The VGA: mode 3 at reset, the CRTC pair latched on its low byte, garbage clamped. */
static void test_vga_registers(void **state)
{
	struct vga v;
	struct vga_view view;
	uint8_t b;

	(void)state;
	vga__init(&v);
	vga__view(&v, &view);
	assert_false(view.graphics);
	assert_int_equal(view.mem_base, 0xb8000);
	assert_int_equal(view.cols, 80);
	assert_int_equal(view.rows, 25);
	assert_int_equal(view.pitch, 80);
	/* Start address 0x0150: high byte first, then low; the high byte alone is not shown. */
	b = 0x0c, vga__io(&v, 0x3d4, &b, true);
	b = 0x01, vga__io(&v, 0x3d5, &b, true);
	vga__view(&v, &view);
	assert_int_equal(view.start, 0);
	b = 0x0d, vga__io(&v, 0x3d4, &b, true);
	b = 0x50, vga__io(&v, 0x3d5, &b, true);
	vga__view(&v, &view);
	assert_int_equal(view.start, 0x150);
	/* Reads back what was written; the attribute flip-flop resets on input status 1. */
	b = 0x0d, vga__io(&v, 0x3d4, &b, true);
	vga__io(&v, 0x3d5, &b, false);
	assert_int_equal(b, 0x50);
	vga__io(&v, 0x3da, &b, false);
	b = 0x10, vga__io(&v, 0x3c0, &b, true);	/* index */
	b = 0x01, vga__io(&v, 0x3c0, &b, true);	/* data: graphics */
	vga__view(&v, &view);
	assert_true(view.graphics);
	/* Garbage: 256 columns and a pitch of 0 are clamped. */
	vga__init(&v);
	b = 0x11, vga__io(&v, 0x3d4, &b, true);
	b = 0x00, vga__io(&v, 0x3d5, &b, true);
	b = 0x01, vga__io(&v, 0x3d4, &b, true);
	b = 0xff, vga__io(&v, 0x3d5, &b, true);
	b = 0x13, vga__io(&v, 0x3d4, &b, true);
	b = 0x00, vga__io(&v, 0x3d5, &b, true);
	vga__view(&v, &view);
	assert_true(view.geometry_clamped);
	assert_int_equal(view.cols, 132);
	assert_int_equal(view.pitch, 132);
	/* The mono block is empty in colour mode. */
	vga__io(&v, 0x3b5, &b, false);
	assert_int_equal(b, 0xff);
}

static void test_keys(void **state)
{
	struct key_press k[KEYS_MAX];
	char err[512];

	(void)state;
	assert_int_equal(keys__parse("rO<enter>", k, KEYS_MAX, err, sizeof(err)), 3);
	assert_int_equal(k[0].n, 1);
	assert_string_equal(k[0].qcode[0], "r");
	assert_int_equal(k[1].n, 2);
	assert_string_equal(k[1].qcode[0], "shift");
	assert_string_equal(k[1].qcode[1], "o");
	assert_string_equal(k[2].qcode[0], "ret");
	assert_string_equal(k[2].label, "<enter>");
	assert_int_equal(keys__parse("<ctrl-c><lt>:", k, KEYS_MAX, err, sizeof(err)), 3);
	assert_string_equal(k[0].qcode[0], "ctrl");
	assert_string_equal(k[0].qcode[1], "c");
	assert_string_equal(k[1].qcode[0], "shift");
	assert_string_equal(k[1].qcode[1], "comma");
	assert_string_equal(k[2].qcode[1], "semicolon");
	assert_int_equal(keys__parse("<f13>", k, KEYS_MAX, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown key <f13>; the names are <enter>"));
	assert_int_equal(keys__parse("a\tb", k, KEYS_MAX, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no key types the character 0x09"));
	assert_int_equal(keys__parse("", k, KEYS_MAX, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_rows_in_screen_order, setup),
		cmocka_unit_test_setup(test_hardware_scroll_between_reads, setup),
		cmocka_unit_test_setup(test_software_scroll_moves_rows, setup),
		cmocka_unit_test_setup(test_growing_and_erasing, setup),
		cmocka_unit_test_setup(test_trailing_blanks_and_cursor, setup),
		cmocka_unit_test_setup(test_cp437, setup),
		cmocka_unit_test_setup(test_graphics_mode, setup),
		cmocka_unit_test(test_vga_registers),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
