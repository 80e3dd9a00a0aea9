/* Unit tests of the ACPI PM block (devices/acpi_pm.c): the timer's arithmetic and register decoding, SLP_EN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/bus.h"
#include "core/run.h"
#include "core/vm.h"
#include "devices/acpi_pm.h"

static struct vm vm;
static struct kvm_cpu cpu;

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	memset(&cpu, 0, sizeof(cpu));
	vm.vm_fd = -1;
	vm.run.wake_fd = -1;
	cpu.vm = &vm;
	cpu.id = 1;
	return 0;
}

static void test_timer_counts_at_3579545_hz(void **state)
{
	(void)state;
	assert_int_equal(acpi_pm__timer(0), 0);
	assert_int_equal(acpi_pm__timer(1000000000ULL), 3579545);
	assert_int_equal(acpi_pm__timer(1000), 3);			/* 3.58 ticks in a microsecond */
	assert_int_equal(acpi_pm__timer(5000000000ULL), 17897725 - 16777216);	/* 24 bits wrap */
	/* No overflow for a host up for centuries. */
	assert_int_equal(acpi_pm__timer(10000000000000000000ULL), (uint32_t)((10000000000ULL * 3579545ULL) & 0xffffff));
}

static void test_timer_register(void **state)
{
	uint8_t b[4] = { 0xaa, 0xaa, 0xaa, 0xaa };

	(void)state;
	assert_false(acpi_pm__read_timer(0x600, 0x607, b, 1));		/* PM1 control's neighbour */
	assert_false(acpi_pm__read_timer(0x600, 0x60c, b, 4));
	assert_false(acpi_pm__read_timer(0, 0x608, b, 4));		/* no base programmed yet */
	assert_true(acpi_pm__read_timer(0x600, 0x608, b, 4));
	assert_int_equal(b[3], 0);					/* 24 bits */
	assert_true(acpi_pm__read_timer(0x600, 0x60b, b, 1));
	assert_int_equal(b[0], 0);
}

static void test_slp_en_powers_off(void **state)
{
	uint8_t word[2] = { 0x01, 0x24 }, low[1] = { 0xff }, typ_only[2] = { 0x01, 0x04 };

	(void)state;
	assert_false(acpi_pm__powers_off(&cpu, 0x600, 0x604, low, 1, 1));	/* the low byte has no SLP_EN */
	assert_false(acpi_pm__powers_off(&cpu, 0x600, 0x604, typ_only, 2, 1));
	assert_false(acpi_pm__powers_off(&cpu, 0x600, 0x600, word, 2, 1));	/* PM1 status, not control */
	assert_false(atomic_load(&vm.run.ended));
	assert_true(acpi_pm__powers_off(&cpu, 0x600, 0x604, word, 2, 1));
	assert_true(atomic_load(&vm.run.ended));
	assert_int_equal(vm.run.outcome, OUTCOME_SHUTDOWN);
	assert_string_equal(vm.run.message,
			    "vCPU 1 powered the machine off (ACPI PM1 control, SLP_EN in 0x24 written to port 0x605)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_timer_counts_at_3579545_hz, setup),
		cmocka_unit_test_setup(test_timer_register, setup),
		cmocka_unit_test_setup(test_slp_en_powers_off, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
