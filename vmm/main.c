/*
 * main.c - bootscope's entry: the command dispatch, and `run`, which reads
 * as the boot sequence of the machine it builds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpuid.h"
#include "devices.h"
#include "firmware.h"
#include "loader.h"
#include "options.h"
#include "summary.h"
#include "uart.h"
#include "vm.h"

#define ERRLEN 512

/* After options are read every failure is an "error" outcome, with a summary if asked. */
static int fail_run(struct vm *vm, const char *msg)
{
	fprintf(stderr, "%s: %s\n", progname, msg);
	vm->run.outcome = OUTCOME_ERROR;
	vm->run.exit_status = EXIT_ERROR;
	snprintf(vm->run.message, sizeof(vm->run.message), "%s", msg);
	if (vm->cfg.json_path)
		summary__write_json(vm, vm->cfg.json_path);
	return EXIT_ERROR;
}

/* Kernel or raw image, with its modules, into guest memory. */
static int load_guest(struct vm *vm, char *err, size_t errlen)
{
	struct vm_config *cfg = &vm->cfg;
	struct mb_module mods[MAX_MODULES];
	struct file_buf k;
	char *cmdline = NULL;
	int rc;

	if (cfg->raw) {
		if ((rc = file__read(&k, cfg->raw, EBDA_BASE, err, errlen)))
			return rc;
		rc = raw__load(vm, &k, cfg->raw_addr, err, errlen);
		file__free(&k);
		return rc;
	}
	if ((rc = file__read(&k, cfg->kernel, KERNEL_MAX_SIZE, err, errlen)))
		return rc;
	if (!multiboot__detect(&k)) {
		snprintf(err, errlen, "%s: not a Multiboot kernel (no valid header in the first 8 KiB)", cfg->kernel);
		file__free(&k);
		return -EINVAL;
	}
	memset(mods, 0, sizeof(mods));
	for (int i = 0; i < cfg->nr_modules && !rc; i++) {
		const struct module_arg *m = &cfg->modules[i];
		size_t n = strlen(m->path) + (m->cmdline ? strlen(m->cmdline) + 1 : 0) + 1;
		char *s = malloc(n);

		rc = s ? file__read(&mods[i].file, m->path, vm->ram_size, err, errlen) : -ENOMEM;
		if (s)
			snprintf(s, n, "%s%s%s", m->path, m->cmdline ? " " : "", m->cmdline ? m->cmdline : "");
		mods[i].cmdline = s;
	}
	if (!rc) {
		size_t n = strlen(cfg->kernel) + (cfg->append ? strlen(cfg->append) + 1 : 0) + 1;

		cmdline = malloc(n);
		if (cmdline) {
			snprintf(cmdline, n, "%s%s%s", cfg->kernel, cfg->append ? " " : "",
				 cfg->append ? cfg->append : "");
			rc = multiboot__load(vm, &k, cmdline, mods, cfg->nr_modules, err, errlen);
		} else {
			rc = -ENOMEM;
		}
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory while loading %s", cfg->kernel);
	for (int i = 0; i < cfg->nr_modules; i++) {
		file__free(&mods[i].file);
		free((char *)mods[i].cmdline);
	}
	free(cmdline);
	file__free(&k);
	return rc;
}

static int register_devices(struct vm *vm)
{
	int (*const reg[])(struct vm *) = {
		uart__register, cmos__register, debugcon__register, debug_exit__register,
		post__register, firmware__register_port,
	};

	for (size_t i = 0; i < ARRAY_SIZE(reg); i++) {
		int rc = reg[i](vm);

		if (rc)
			return rc;
	}
	return 0;
}

static int setup_milestones(struct vm *vm, FILE *out, char *err, size_t errlen)
{
	milestones__init(&vm->ms, out);
	for (int i = 0; i < vm->cfg.nr_marks; i++)
		if (milestones__add_pattern(&vm->ms, vm->cfg.marks[i].name, vm->cfg.marks[i].regex,
					    MS_MARK, err, errlen) < 0)
			return -EINVAL;
	if (vm->cfg.until &&
	    milestones__add_pattern(&vm->ms, "until", vm->cfg.until, MS_UNTIL, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static struct vm vm_storage;
	struct vm *vm = &vm_storage;
	char err[ERRLEN];
	FILE *out = stdout;
	int rc, status;

	vm->t_setup = clock__now();
	vm->kvm_fd = vm->vm_fd = vm->ram_fd = vm->run.wake_fd = -1;
	rc = options__parse_run(&vm->cfg, argc, argv, err, sizeof(err));
	if (rc == 1)
		return EXIT_OK;
	if (rc)
		die_usage("%s", err);
	vm->ram_size = vm->cfg.ram_size;
	vm->nr_cpus = 0;
	if (setup_milestones(vm, NULL, err, sizeof(err)))
		die_usage("%s", err);
	if (vm->cfg.serial_path && !(out = fopen(vm->cfg.serial_path, "we")))
		die("--serial %s: %s", vm->cfg.serial_path, strerror(errno));
	vm->ms.out = out;

	/* The machine: KVM, memory and its map, firmware, the guest, devices, vCPUs. */
	if ((rc = kvm__init(vm, err, sizeof(err))))
		return fail_run(vm, err);
	memmap__init(&vm->map, vm->ram_size);
	if ((rc = memmap__claim(&vm->map, 0, 0x500, "interrupt vector table and BIOS data area",
				err, sizeof(err))) ||
	    (rc = firmware__load(vm, err, sizeof(err))) ||
	    (rc = load_guest(vm, err, sizeof(err))) ||
	    (rc = kvm__map_rom(vm, err, sizeof(err))))
		return fail_run(vm, err);
	vm->unhandled_pio = calloc(65536, sizeof(*vm->unhandled_pio));
	if (!vm->unhandled_pio || register_devices(vm))
		return fail_run(vm, "cannot set up the devices");
	if ((rc = cpuid__init(vm, err, sizeof(err))))
		return fail_run(vm, err);
	for (int i = 0; i < vm->cfg.smp; i++)
		if ((rc = kvm_cpu__create(vm, i, err, sizeof(err))))
			return fail_run(vm, err);

	/* Power on. */
	if ((rc = run__start(vm, err, sizeof(err))))
		return fail_run(vm, err);
	run__wait(vm);

	if (vm->run.outcome == OUTCOME_ERROR || vm->run.outcome == OUTCOME_SHUTDOWN)
		fprintf(stderr, "%s: %s\n", progname, vm->run.message);
	if (!vm->cfg.quiet)
		summary__print(vm, stderr);
	if (vm->cfg.json_path && (rc = summary__write_json(vm, vm->cfg.json_path)) < 0) {
		fprintf(stderr, "%s: cannot write --json %s: %s\n", progname, vm->cfg.json_path, strerror(-rc));
		vm->run.exit_status = EXIT_ERROR;
	}
	status = vm->run.exit_status;
	if (out != stdout)
		fclose(out);
	milestones__destroy(&vm->ms);
	cpuid__exit();
	kvm__exit(vm);
	free(vm->unhandled_pio);
	return status;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		options__usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		options__usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("bootscope %s\n", VERSION);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return cmd_run(argc, argv);
	die_usage("unknown command '%s'", cmd);
}
