/* Unit tests of the JSON summary writer. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tracing/summary.h"
#include "core/vm.h"

static struct vm vm;
static struct kvm_cpu cpu0, cpu1;

/* A finished two-vCPU run, as the run controller would leave it. */
static int setup(void **state)
{
	char err[128];

	(void)state;
	memset(&vm, 0, sizeof(vm));
	memset(&cpu0, 0, sizeof(cpu0));
	memset(&cpu1, 0, sizeof(cpu1));
	vm.cfg.smp = 2;
	vm.ram_size = 256 * MiB;
	vm.nr_cpus = 2;
	vm.cpus[0] = &cpu0;
	vm.cpus[1] = &cpu1;
	cpu1.id = 1;
	vm.t0 = 1000000;
	vm.t_setup = 400000;
	vm.boot_kind = "multiboot";
	vm.boot_file = "k.elf";
	vm.boot_entry = 0x100010;
	vm.run.outcome = OUTCOME_EXIT;
	vm.run.exit_status = 33;
	vm.run.guest_exit_code = 0x10;
	vm.run.t_end = vm.t0 + 5000000;
	strcpy(vm.run.message, "guest wrote 0x10 to isa-debug-exit");

	milestones__init(&vm.ms, NULL);
	assert_true(milestones__add_pattern(&vm.ms, "late", "x", MS_MARK, err, sizeof(err)) >= 0);
	assert_true(milestones__add_pattern(&vm.ms, "never", "y", MS_MARK, err, sizeof(err)) >= 0);
	milestones__hit(&vm.ms, vm.ms.id_entry, vm.t0 + 2000, 0);
	milestones__hit(&vm.ms, milestones__find(&vm.ms, "late"), vm.t0 + 900, 1);

	cpu0.stats.exits[KVM_EXIT_IO] = (struct exit_stat){ 3, 300, 50, 200 };
	cpu1.stats.exits[KVM_EXIT_IO] = (struct exit_stat){ 1, 20, 20, 20 };
	cpu1.stats.exits[KVM_EXIT_MMIO] = (struct exit_stat){ 2, 10, 4, 6 };
	cpu0.stats.guest_ticks = 4000;
	cpu1.stats.guest_ticks = 1000;
	/* Each vCPU's log is in time order; the summary interleaves them. */
	event__record(&cpu0.events, vm.t0 + 10, EV_FW_UNSUPPORTED, 0x13, 0x0201, 0, 0);
	event__record(&cpu0.events, vm.t0 + 30, EV_POST_CODE, 0x42, 0, 1, 1);
	event__record(&cpu1.events, vm.t0 + 20, EV_UNHANDLED_PIO, 0x1234, 0, 2, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	milestones__destroy(&vm.ms);
	return 0;
}

static double num(const cJSON *o, const char *path)
{
	char buf[128], *tok, *save;
	const cJSON *cur = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
	assert_non_null(cur);
	assert_true(cJSON_IsNumber(cur));
	return cur->valuedouble;
}

static void test_fields(void **state)
{
	cJSON *j = summary__json(&vm), *ms, *ev;

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(j, "engine")->valuestring, "kvm");
	assert_string_equal(cJSON_GetObjectItem(j, "outcome")->valuestring, "exit");
	assert_int_equal(num(j, "exit_status"), 33);
	assert_int_equal(num(j, "guest_exit_code"), 16);
	assert_int_equal(num(j, "wall_ns"), 5000000);
	assert_int_equal(num(j, "setup_ns"), 600000);
	assert_int_equal(num(j, "smp"), 2);
	assert_int_equal(num(j, "memory"), 268435456);
	assert_int_equal(num(j, "boot.entry"), 0x100010);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tool"), "version")->valuestring, VERSION);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "clock"), "source")->valuestring,
			    "CLOCK_MONOTONIC_RAW");

	/* Exits: summed over vCPUs, min and max across them. */
	assert_int_equal(num(j, "exits.total"), 6);
	assert_int_equal(num(j, "exits.vmm_ns"), 330);
	assert_int_equal(num(j, "exits.guest_ns"), 5000);
	assert_int_equal(num(j, "exits.reasons.io.count"), 4);
	assert_int_equal(num(j, "exits.reasons.io.total_ns"), 320);
	assert_int_equal(num(j, "exits.reasons.io.min_ns"), 20);
	assert_int_equal(num(j, "exits.reasons.io.max_ns"), 200);
	assert_int_equal(num(j, "exits.reasons.mmio.count"), 2);

	/* Milestones in time order, unreached ones last with null times. */
	ms = cJSON_GetObjectItem(j, "milestones");
	assert_int_equal(cJSON_GetArraySize(ms), 4);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 0), "name")->valuestring, "late");
	assert_int_equal(num(cJSON_GetArrayItem(ms, 0), "t_ns"), 900);
	assert_int_equal(num(cJSON_GetArrayItem(ms, 0), "vcpu"), 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 1), "name")->valuestring, "entry");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 2), "name")->valuestring, "first-output");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 2), "t_ns")));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 3), "name")->valuestring, "never");

	/* Events merged across vCPUs by time. */
	ev = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "events"), "list");
	assert_int_equal(cJSON_GetArraySize(ev), 3);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 0), "kind")->valuestring,
			    "firmware_unsupported_call");
	assert_int_equal(num(cJSON_GetArrayItem(ev, 0), "vector"), 0x13);
	assert_int_equal(num(cJSON_GetArrayItem(ev, 0), "ax"), 0x201);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 1), "kind")->valuestring, "unhandled_pio");
	assert_int_equal(num(cJSON_GetArrayItem(ev, 1), "port"), 0x1234);
	assert_int_equal(num(cJSON_GetArrayItem(ev, 1), "vcpu"), 1);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 1), "write")));
	assert_int_equal(num(cJSON_GetArrayItem(ev, 2), "value"), 0x42);
	cJSON_Delete(j);
}

static void test_event_overflow_is_counted(void **state)
{
	cJSON *j;

	(void)state;
	for (int i = 0; i < EVENT_CAP + 5; i++)
		event__record(&cpu1.events, vm.t0 + 100 + (uint64_t)i, EV_POST_CODE, (uint64_t)i, 0, 1, 1);
	j = summary__json(&vm);
	assert_int_equal(num(j, "events.total"), EVENT_CAP + 5 + 3);
	assert_int_equal(num(j, "events.dropped"), 1 + 5);	/* cpu1 had one already */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "events"), "list")),
			 EVENT_CAP + 2);
	cJSON_Delete(j);
}

static void test_null_exit_code_and_file_roundtrip(void **state)
{
	char path[] = "/tmp/bootscope-summary-XXXXXX";
	int fd = mkstemp(path);
	char buf[65536];
	ssize_t n;
	cJSON *j;

	(void)state;
	assert_true(fd >= 0);
	vm.run.outcome = OUTCOME_HALTED;
	assert_int_equal(summary__write_json(&vm, path), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	j = cJSON_Parse(buf);
	assert_non_null(j);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "guest_exit_code")));
	assert_string_equal(cJSON_GetObjectItem(j, "outcome")->valuestring, "halted");
	cJSON_Delete(j);
	close(fd);
	unlink(path);
	assert_int_equal(summary__write_json(&vm, "/nonexistent-dir/x.json"), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_overflow_is_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_exit_code_and_file_roundtrip, setup, teardown),
	};

	return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}
