/* Unit tests of the JSON summary writer and the option parser. */
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

#include "cli/options.h"
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

/* Options: each bad command line gives -EINVAL and names the problem. */
static int parse(char *err, size_t len, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "run";
	va_start(ap, len);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return options__parse_run(&vm.cfg, argc, argv, err, len);
}

static void test_options(void **state)
{
	char err[256];
	char mod[] = "m.bin,arg one", raw[] = "b@x.bin@0x8000", mark[] = "kern=^Linux";

	(void)state;
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "--module", mod, "-m", "64M", "--smp", "4",
			       "--mark", mark, "--until", "done", "--timeout", "2.5", NULL), 0);
	assert_string_equal(vm.cfg.modules[0].path, "m.bin");
	assert_string_equal(vm.cfg.modules[0].cmdline, "arg one");
	assert_int_equal(vm.cfg.ram_size, 64 * MiB);
	assert_int_equal(vm.cfg.smp, 4);
	assert_string_equal(vm.cfg.marks[0].name, "kern");
	assert_string_equal(vm.cfg.marks[0].regex, "^Linux");
	assert_true(vm.cfg.timeout_s == 2.5);
	assert_int_equal(parse(err, sizeof(err), "--raw", raw, NULL), 0);
	assert_string_equal(vm.cfg.raw, "b@x.bin");
	assert_int_equal(vm.cfg.raw_addr, 0x8000);
	assert_int_equal(vm.cfg.ram_size, RAM_DEFAULT);
	assert_int_equal(vm.cfg.timeout_s, 300);

	assert_int_equal(parse(err, sizeof(err), NULL), -22);
	assert_string_equal(err, "give one of --kernel, --raw (direct boots) or --cdrom, --hda, --bios (BIOS boots)");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "a", "--raw", "b", NULL), -22);
	assert_int_equal(parse(err, sizeof(err), "--raw", "b", "--append", "x", NULL), -22);
	assert_string_equal(err, "--append, --initrd and --module go with --kernel, not --raw");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "--smp", "9", NULL), -22);
	assert_string_equal(err, "--smp '9': give a number of vCPUs from 1 to 8");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "-m", "4G", NULL), -22);
	assert_string_equal(err, "--memory '4G': give 1M..3.5G in whole 4 KiB pages (e.g. 256M)");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "-m", "1000K", NULL), -22);
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "-m", "1025K", NULL), -22);
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "--timeout", "0", NULL), -22);
	assert_string_equal(err, "--timeout '0': give seconds greater than 0");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "--mark", "noequals", NULL), -22);
	assert_string_equal(err, "--mark 'noequals': write NAME=REGEX");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "--bogus", NULL), -22);
	assert_string_equal(err, "unknown option '--bogus'");
	assert_int_equal(parse(err, sizeof(err), "--kernel", NULL), -22);
	assert_string_equal(err, "option '--kernel' needs an argument");
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "extra", NULL), -22);
	assert_string_equal(err, "unexpected argument 'extra'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_overflow_is_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_exit_code_and_file_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
	};

	return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}
