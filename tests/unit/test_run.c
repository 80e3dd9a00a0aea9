/* Unit tests of the run controller's halt detection (core/run.c): when has a machine stopped for good? */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/run.h"
#include "core/vm.h"

static struct vm vm;
static struct kvm_cpu cpus[3];
static uint64_t asked_at[3];

/* Three vCPUs that have answered the idle check: idle states as given, no exits since. */
static void machine(int a, int b, int c)
{
	const int idle[3] = { a, b, c };

	memset(&vm, 0, sizeof(vm));
	memset(cpus, 0, sizeof(cpus));
	vm.nr_cpus = 3;
	for (int i = 0; i < 3; i++) {
		vm.cpus[i] = &cpus[i];
		cpus[i].id = i;
		atomic_store(&cpus[i].idle, idle[i]);
		atomic_store(&cpus[i].nr_exits, 100 + (uint64_t)i);
		asked_at[i] = 100 + (uint64_t)i;
	}
}

static void test_halted_with_interrupts_off(void **state)
{
	(void)state;
	machine(IDLE_HALTED_IF0, IDLE_HALTED_IF0, IDLE_HALTED_IF0);
	assert_true(run__all_stopped(&vm, asked_at));
	/* APs nobody started do not keep a halted BSP's machine alive. */
	machine(IDLE_HALTED_IF0, IDLE_WAIT_SIPI, IDLE_WAIT_SIPI);
	assert_true(run__all_stopped(&vm, asked_at));
}

static void test_not_stopped(void **state)
{
	(void)state;
	/* Nobody halted: only APs waiting, which is not an end by itself. */
	machine(IDLE_WAIT_SIPI, IDLE_WAIT_SIPI, IDLE_WAIT_SIPI);
	assert_false(run__all_stopped(&vm, asked_at));
	/* HLT with interrupts on waits for a timer; a running vCPU is running. */
	machine(IDLE_HALTED_IF0, IDLE_HALTED_IF1, IDLE_HALTED_IF0);
	assert_false(run__all_stopped(&vm, asked_at));
	machine(IDLE_HALTED_IF0, IDLE_RUNNING, IDLE_HALTED_IF0);
	assert_false(run__all_stopped(&vm, asked_at));
	machine(IDLE_UNKNOWN, IDLE_HALTED_IF0, IDLE_HALTED_IF0);
	assert_false(run__all_stopped(&vm, asked_at));
}

/* An answer is stale once its vCPU exits again, or while a new question is out. */
static void test_stale_answers(void **state)
{
	(void)state;
	machine(IDLE_HALTED_IF0, IDLE_HALTED_IF0, IDLE_HALTED_IF0);
	atomic_store(&cpus[2].nr_exits, 103);
	assert_false(run__all_stopped(&vm, asked_at));
	machine(IDLE_HALTED_IF0, IDLE_HALTED_IF0, IDLE_HALTED_IF0);
	atomic_store(&cpus[1].idle_check, true);
	assert_false(run__all_stopped(&vm, asked_at));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_halted_with_interrupts_off),
		cmocka_unit_test(test_not_stopped),
		cmocka_unit_test(test_stale_answers),
	};

	return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
