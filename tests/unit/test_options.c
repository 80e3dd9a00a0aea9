/* Unit tests of `bootscope run`'s option parser (cli/options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/options.h"
#include "core/vm.h"

static struct vm_config cfg;

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
	return options__parse_run(&cfg, argc, argv, err, len);
}

static void test_options(void **state)
{
	char err[256];
	char mod[] = "m.bin,arg one", raw[] = "b@x.bin@0x8000", mark[] = "kern=^Linux";

	(void)state;
	assert_int_equal(parse(err, sizeof(err), "--kernel", "k", "--module", mod, "-m", "64M", "--smp", "4",
			       "--mark", mark, "--until", "done", "--timeout", "2.5", NULL), 0);
	assert_string_equal(cfg.modules[0].path, "m.bin");
	assert_string_equal(cfg.modules[0].cmdline, "arg one");
	assert_int_equal(cfg.ram_size, 64 * MiB);
	assert_int_equal(cfg.smp, 4);
	assert_string_equal(cfg.marks[0].name, "kern");
	assert_string_equal(cfg.marks[0].regex, "^Linux");
	assert_true(cfg.timeout_s == 2.5);
	assert_int_equal(parse(err, sizeof(err), "--raw", raw, NULL), 0);
	assert_string_equal(cfg.raw, "b@x.bin");
	assert_int_equal(cfg.raw_addr, 0x8000);
	assert_int_equal(cfg.ram_size, RAM_DEFAULT);
	assert_int_equal(cfg.timeout_s, 300);

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
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
