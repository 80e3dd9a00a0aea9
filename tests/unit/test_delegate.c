/* Unit tests of the qtest command lines a BIOS boot's forwarded accesses become (pc/delegate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pc/pc.h"

static char buf[64];

static const char *fmt(bool mmio, uint64_t addr, uint32_t size, const void *item, bool is_write)
{
	size_t n = delegate__format(buf, sizeof(buf), mmio, addr, size, item, is_write);

	assert_int_equal(n, strlen(buf));
	return buf;
}

static void test_port_io(void **state)
{
	uint8_t b = 0x0b;
	uint16_t w = 0x1234;
	uint32_t l = 0xdeadbeef;

	(void)state;
	assert_string_equal(fmt(false, 0x70, 1, &b, true), "outb 0x70 0xb\n");
	assert_string_equal(fmt(false, 0x1f0, 2, &w, true), "outw 0x1f0 0x1234\n");
	assert_string_equal(fmt(false, 0xcfc, 4, &l, true), "outl 0xcfc 0xdeadbeef\n");
	assert_string_equal(fmt(false, 0x71, 1, &b, false), "inb 0x71\n");
	assert_string_equal(fmt(false, 0x1f0, 2, &w, false), "inw 0x1f0\n");
	assert_string_equal(fmt(false, 0xcfc, 4, &l, false), "inl 0xcfc\n");
}

static void test_mmio(void **state)
{
	uint64_t q = 0x0102030405060708ull;
	uint8_t le[4] = { 0x78, 0x56, 0x34, 0x12 };	/* guest byte order */

	(void)state;
	assert_string_equal(fmt(true, 0xfed00000, 8, &q, true), "writeq 0xfed00000 0x102030405060708\n");
	assert_string_equal(fmt(true, 0xfebf0000, 4, le, true), "writel 0xfebf0000 0x12345678\n");
	assert_string_equal(fmt(true, 0xfebf0000, 2, le, true), "writew 0xfebf0000 0x5678\n");
	assert_string_equal(fmt(true, 0xa0000, 1, le, false), "readb 0xa0000\n");
	assert_string_equal(fmt(true, 0xfed00000, 8, &q, false), "readq 0xfed00000\n");
}

/* Sizes qtest has no command for give nothing: no 8-byte port I/O, no 3-byte access. */
static void test_sizes_without_a_command(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(delegate__format(buf, sizeof(buf), false, 0x70, 8, (uint8_t *)&v, true), 0);
	assert_int_equal(delegate__format(buf, sizeof(buf), true, 0x1000, 3, (uint8_t *)&v, false), 0);
	assert_int_equal(delegate__format(buf, sizeof(buf), true, 0x1000, 16, (uint8_t *)&v, false), 0);
	assert_int_equal(delegate__format(buf, sizeof(buf), false, 0x70, 0, (uint8_t *)&v, false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_io),
		cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_sizes_without_a_command),
	};

	return cmocka_run_group_tests_name("delegate", tests, NULL, NULL);
}
