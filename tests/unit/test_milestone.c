/* Unit tests of the line scanner and milestone matcher (include/core/milestone.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/milestone.h"

static struct milestones ms;
static char outbuf[8192];
static FILE *out;
static int until_calls;
static uint64_t until_t;

static void on_until(void *opaque, uint64_t t, int vcpu)
{
	(void)opaque;
	(void)vcpu;
	until_calls++;
	until_t = t;
}

static int setup(void **state)
{
	(void)state;
	memset(outbuf, 0, sizeof(outbuf));
	out = fmemopen(outbuf, sizeof(outbuf), "w");
	milestones__init(&ms, out);
	ms.on_until = on_until;
	until_calls = 0;
	until_t = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	milestones__destroy(&ms);
	fclose(out);
	return 0;
}

static void feed(enum text_source src, const char *s, uint64_t t, int vcpu)
{
	for (; *s; s++)
		milestones__text(&ms, src, (uint8_t)*s, t, vcpu);
}

static int add(const char *name, const char *re, enum ms_kind kind)
{
	char err[256];

	return milestones__add_pattern(&ms, name, re, kind, err, sizeof(err));
}

static void test_first_match_wins(void **state)
{
	int id;

	(void)state;
	id = add("kernel", "^Linux version", MS_MARK);
	assert_true(id >= 0);
	feed(TEXT_UART, "boot\r\n", 100, 0);
	assert_false(ms.ms[id].hit);
	feed(TEXT_UART, "Linux version 6.1\r\n", 200, 1);
	feed(TEXT_UART, "Linux version again\n", 300, 0);
	assert_true(ms.ms[id].hit);
	assert_int_equal(ms.ms[id].t, 200);
	assert_int_equal(ms.ms[id].vcpu, 1);
	/* Built-in first-output is the first byte of all. */
	assert_true(ms.ms[ms.id_first_output].hit);
	assert_int_equal(ms.ms[ms.id_first_output].t, 100);
	assert_int_equal(ms.lines, 3);
}

static void test_line_time_is_its_newline(void **state)
{
	int id;

	(void)state;
	id = add("m", "ready", MS_MARK);
	feed(TEXT_UART, "rea", 10, 0);
	feed(TEXT_UART, "dy", 20, 0);
	assert_false(ms.ms[id].hit);		/* not matched before the line ends */
	feed(TEXT_UART, "\n", 30, 0);
	assert_int_equal(ms.ms[id].t, 30);
}

static void test_until_calls_back_once(void **state)
{
	(void)state;
	add("until", "login:", MS_UNTIL);
	feed(TEXT_UART, "login: \n", 50, 0);
	feed(TEXT_UART, "login: \n", 60, 0);
	assert_int_equal(until_calls, 1);
	assert_int_equal(until_t, 50);
}

static void test_prompt_without_newline(void **state)
{
	int id;

	(void)state;
	add("until", "login: $", MS_UNTIL);
	id = milestones__find(&ms, "until");
	feed(TEXT_UART, "host login: ", 70, 0);
	assert_int_equal(until_calls, 0);
	milestones__flush(&ms, false);		/* the periodic flush matches the tail */
	assert_int_equal(until_calls, 1);
	assert_int_equal(ms.ms[id].t, 70);	/* at the time of its last byte */
	fflush(out);
	assert_string_equal(outbuf, "host login: ");
	/* The tail is not written twice when the line goes on. */
	feed(TEXT_UART, "root\n", 80, 0);
	fflush(out);
	assert_string_equal(outbuf, "host login: root\n");
}

static void test_sources_do_not_mix(void **state)
{
	int id;

	(void)state;
	id = add("both", "^abcdef$", MS_MARK);
	feed(TEXT_UART, "abc", 1, 0);
	feed(TEXT_DEBUGCON_E9, "xyz\n", 2, 0);
	feed(TEXT_UART, "def\n", 3, 0);
	assert_true(ms.ms[id].hit);
	assert_int_equal(ms.ms[id].t, 3);
	fflush(out);
	assert_string_equal(outbuf, "xyz\nabcdef\n");
}

static void test_long_line_split(void **state)
{
	char *line = malloc(TEXT_LINE_MAX * 2 + 2);
	int id;

	(void)state;
	id = add("end", "^x+END$", MS_MARK);
	memset(line, 'x', TEXT_LINE_MAX * 2);
	memcpy(line + TEXT_LINE_MAX * 2 - 3, "END", 3);
	line[TEXT_LINE_MAX * 2] = '\n';
	line[TEXT_LINE_MAX * 2 + 1] = '\0';
	feed(TEXT_UART, line, 5, 0);
	/* Two pieces of TEXT_LINE_MAX, then an empty line: the second piece matches. */
	assert_true(ms.ms[id].hit);
	assert_int_equal(ms.lines, 3);
	fflush(out);
	assert_int_equal(strlen(outbuf), TEXT_LINE_MAX * 2 + 1);
	free(line);
}

static int hits;

static void count_hit(void *opaque, struct milestone *m, int id)
{
	(void)opaque;
	(void)m;
	(void)id;
	hits++;
}

/* A line of exactly TEXT_LINE_MAX bytes, then a match: the callbacks next to the buffers survive. */
static void test_full_line_then_hit(void **state)
{
	char line[TEXT_LINE_MAX + 1];

	(void)state;
	hits = 0;
	ms.on_hit = count_hit;
	add("until", "^done$", MS_UNTIL);
	memset(line, '\r', TEXT_LINE_MAX);
	line[TEXT_LINE_MAX] = '\0';
	feed(TEXT_UART, line, 1, 0);
	assert_int_equal(strlen(ms.last_line), 0);	/* only CRs: trimmed to nothing */
	memset(line, '#', TEXT_LINE_MAX);
	feed(TEXT_UART, line, 2, 0);
	assert_int_equal(strlen(ms.last_line), TEXT_LINE_MAX);
	feed(TEXT_UART, "done\n", 3, 0);
	assert_int_equal(hits, 2);			/* first-output, until */
	assert_int_equal(until_calls, 1);
}

static void test_nul_bytes_do_not_hide_text(void **state)
{
	int id;

	(void)state;
	id = add("after", "after nul", MS_MARK);
	milestones__text(&ms, TEXT_UART, 'a', 1, 0);
	milestones__text(&ms, TEXT_UART, 0, 1, 0);
	feed(TEXT_UART, " after nul\n", 2, 0);
	assert_true(ms.ms[id].hit);
}

/* GRUB and memtest86+ draw with escape sequences: patterns see the text a terminal shows. */
static void test_escapes_and_returns_are_not_text(void **state)
{
	int grub, mod, pass;

	(void)state;
	grub = add("grub", "^GRUB-MARKER: grub is running$", MS_MARK);
	mod = add("module", "^module 1 sum$", MS_MARK);
	pass = add("pass", "Pass: +1 ", MS_MARK);
	feed(TEXT_UART, "\033[H\033[J\033[1;1HGRUB-MARKER: grub is running\n", 10, 0);
	feed(TEXT_UART, "\rmodule 1 sum\r\n", 20, 0);
	/* A screen with no newline: matched at the periodic flush, as it stands. */
	feed(TEXT_UART, "\033[9;1H\033[0mUsing: Core #0  | Pass:\033[1C 1 ", 30, 0);
	milestones__flush(&ms, false);
	feed(TEXT_UART, "\0337 \033[2;35H\033[?25lx", 40, 0);
	assert_true(ms.ms[grub].hit);
	assert_int_equal(ms.ms[grub].t, 10);
	assert_true(ms.ms[mod].hit);
	assert_int_equal(ms.ms[mod].t, 20);
	assert_true(ms.ms[pass].hit);
	assert_int_equal(ms.ms[pass].t, 30);
	milestones__flush(&ms, true);
	/* The cursor move to 2;35 ended "Using: ...": what came after is a piece of its own. */
	assert_string_equal(ms.last_line, "x");
	/* The guest's bytes themselves are written out as they came. */
	fflush(out);
	assert_non_null(strstr(outbuf, "\033[H\033[J\033[1;1HGRUB-MARKER"));
}

/*
 * memtest86+ draws its screen with cursor moves and never a newline: the
 * text between two moves is a line of its own, matched when the next move
 * comes, however much was drawn before it; a move is not a counted line.
 */
static void test_cursor_moves_end_lines(void **state)
{
	char screen[3000];
	size_t n = 0;
	int test4, grub;

	(void)state;
	test4 = add("test4", "^ #4  \\[Moving inversions, 8 bit pattern\\]$", MS_MARK);
	grub = add("grub", "^GRUB", MS_MARK);
	/* 1,500 bytes of progress bars first: the old 1 KiB pieces would have cut the marker. */
	for (int row = 0; n < 1500; row++)
		n += (size_t)snprintf(screen + n, sizeof(screen) - n, "\033[%d;1H %2d%% ##########", row % 20 + 1, row);
	n += (size_t)snprintf(screen + n, sizeof(screen) - n, "\033[6;1H #4  [Moving inversions, 8 bit pattern]");
	feed(TEXT_UART, screen, 50, 0);
	assert_false(ms.ms[test4].hit);
	feed(TEXT_UART, "\033[7;1f", 60, 0);
	assert_true(ms.ms[test4].hit);
	assert_int_equal(ms.ms[test4].t, 60);
	assert_string_equal(ms.last_line, " #4  [Moving inversions, 8 bit pattern]");
	/* Not a cursor move: ESC [ 2 J (erase), ESC [ 1 C (forward), a bare H. */
	feed(TEXT_UART, "GRUB\033[2J\033[1CH", 70, 0);
	assert_false(ms.ms[grub].hit);
	feed(TEXT_UART, "\n", 80, 0);
	assert_true(ms.ms[grub].hit);
	assert_int_equal(ms.lines, 1);
	/* Blanking with spaces is nothing to see: the last line stays the last text. */
	feed(TEXT_UART, "\033[3;1H     \033[4;1H", 90, 0);
	assert_string_equal(ms.last_line, "GRUBH");
	/* Output that ends after a cursor move still ends with a newline. */
	milestones__flush(&ms, true);
	fflush(out);
	assert_int_equal(strlen(outbuf), ftell(out));
	assert_string_equal(outbuf + strlen(outbuf) - 7, "\033[4;1H\n");
}

static void test_final_flush_matches_tail(void **state)
{
	int id;

	(void)state;
	id = add("tail", "^no newline$", MS_MARK);
	feed(TEXT_UART, "no newline", 9, 0);
	milestones__flush(&ms, true);
	assert_true(ms.ms[id].hit);
	assert_int_equal(ms.ms[id].t, 9);
	assert_string_equal(ms.last_line, "no newline");
}

static void test_bad_patterns(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(milestones__add_pattern(&ms, "x", "(unclosed", MS_MARK, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "bad regular expression '(unclosed' for x"));
	assert_int_equal(milestones__add_pattern(&ms, "entry", "a", MS_MARK, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "used twice"));
	assert_int_equal(milestones__add_pattern(&ms, "has space", "a", MS_MARK, err, sizeof(err)), -22);
	assert_int_equal(milestones__add_pattern(&ms, "", "a", MS_MARK, err, sizeof(err)), -22);
	assert_int_equal(ms.n, 2);		/* nothing was added */
}

static void test_builtin_hit(void **state)
{
	(void)state;
	milestones__hit(&ms, ms.id_entry, 1234, 0);
	milestones__hit(&ms, ms.id_entry, 9999, 1);
	assert_int_equal(ms.ms[ms.id_entry].t, 1234);
	milestones__hit(&ms, 99, 1, 0);		/* out of range: ignored */
}

/* Watches: one source's complete lines, a milestone and a call with the subexpressions. */
static char watched[64];
static int watch_calls, watch_vcpu;

static void on_booting(void *arg, const char *line, const regmatch_t *sub, int vcpu)
{
	(void)arg;
	watch_calls++;
	watch_vcpu = vcpu;
	snprintf(watched, sizeof(watched), "%.*s|%.*s", (int)(sub[1].rm_eo - sub[1].rm_so), line + sub[1].rm_so,
		 (int)(sub[2].rm_eo - sub[2].rm_so), line + sub[2].rm_so);
}

static void test_watch(void **state)
{
	int entry = ms.id_entry;

	(void)state;
	watch_calls = 0;
	assert_int_equal(milestones__watch(&ms, TEXT_DEBUGCON_402, "^Booting from ([0-9a-f]{4}):([0-9a-f]{4})", entry,
					   on_booting, NULL), 0);
	/* Another source's line, and an unfinished one, are not watched. */
	feed(TEXT_UART, "Booting from 0000:7c00\n", 10, 0);
	feed(TEXT_DEBUGCON_402, "Booting from 0000:7c00", 20, 1);
	assert_int_equal(watch_calls, 0);
	milestones__flush(&ms, false);
	assert_int_equal(watch_calls, 0);
	assert_false(ms.ms[entry].hit);
	feed(TEXT_DEBUGCON_402, "\n", 30, 1);
	assert_int_equal(watch_calls, 1);
	assert_int_equal(watch_vcpu, 1);
	assert_string_equal(watched, "0000|7c00");
	assert_true(ms.ms[entry].hit);
	assert_int_equal(ms.ms[entry].t, 30);
	/* Every matching line calls again; the milestone keeps its first time. */
	feed(TEXT_DEBUGCON_402, "Booting from 07c0:0000\n", 40, 0);
	assert_int_equal(watch_calls, 2);
	assert_string_equal(watched, "07c0|0000");
	assert_int_equal(ms.ms[entry].t, 30);
	/* The run's end flushes a last unfinished line without calling. */
	feed(TEXT_DEBUGCON_402, "Booting from 1234:5678", 50, 0);
	milestones__flush(&ms, true);
	assert_int_equal(watch_calls, 2);
	/* A bad pattern, and more watches than there is room for. */
	assert_int_equal(milestones__watch(&ms, TEXT_UART, "(", -1, NULL, NULL), -EINVAL);
	for (int i = 1; i < MAX_WATCHES; i++)
		assert_int_equal(milestones__watch(&ms, TEXT_UART, "x", -1, NULL, NULL), 0);
	assert_int_equal(milestones__watch(&ms, TEXT_UART, "x", -1, NULL, NULL), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_match_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_time_is_its_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_until_calls_back_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_without_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources_do_not_mix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes_do_not_hide_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_line_then_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes_and_returns_are_not_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_moves_end_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_final_flush_matches_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_patterns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
	};

	return cmocka_run_group_tests_name("milestone", tests, NULL, NULL);
}
