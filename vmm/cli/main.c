/*
 * main.c - bootscope's entry: the command dispatch, and `run`, which reads
 * as the boot sequence of the machine it builds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "studies/compare.h"
#include "studies/matrix.h"
#include "cpu/cpuid.h"
#include "cli/cpus.h"
#include "devices/acpi_pm.h"
#include "devices/devices.h"
#include "devices/vga.h"
#include "core/screen.h"
#include "core/typist.h"
#include "devices/i8042.h"
#include "cli/doctor.h"
#include "cpu/probe.h"
#include "cpu/host.h"
#include "boot/firmware.h"
#include "boot/loader.h"
#include "cpu/msr.h"
#include "cli/options.h"
#include "pc/pc.h"
#include "studies/qemu.h"
#include "tracing/report.h"
#include "core/sandbox.h"
#include "tracing/summary.h"
#include "boot/tables.h"
#include "core/trace.h"
#include "devices/uart.h"
#include "core/kvm.h"
#include "core/kvm_cpu.h"
#include "core/run.h"
#include "core/vm.h"

#define ERRLEN 512

/*
 * The guest's files, read and checked before any VM exists, so a bad file is
 * reported the same with or without KVM.
 */
struct guest_files {
	struct file_buf image;
	bool linux;
	struct file_buf initrd;		/* Linux */
	struct mb_module mods[MAX_MODULES];
	int nr_mods;
	char *cmdline;
	char *initrd_list;		/* Multiboot --initrd, split in place */
};


/* The screen console's files, opened before the sandbox. */
struct screen_outputs {
	FILE *log;	/* --screen */
	FILE *svg;	/* --screen-svg */
};

static char *joined(const char *a, const char *b)
{
	size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s%s", a, b ? " " : "", b ? b : "");
	return s;
}

static void guest_files__free(struct guest_files *g)
{
	for (int i = 0; i < g->nr_mods; i++) {
		file__free(&g->mods[i].file);
		free((char *)g->mods[i].cmdline);
	}
	file__free(&g->image);
	file__free(&g->initrd);
	free(g->cmdline);
	free(g->initrd_list);
}

static int add_module(struct guest_files *g, const char *path, const char *args, uint64_t max,
		      char *err, size_t errlen)
{
	struct mb_module *mod;

	if (g->nr_mods == MAX_MODULES) {
		snprintf(err, errlen, "too many modules (at most %d)", MAX_MODULES);
		return -E2BIG;
	}
	mod = &g->mods[g->nr_mods++];
	/* Multiboot strings are "FILE ARGS", as QEMU passes them. */
	mod->cmdline = joined(path, args);
	if (!mod->cmdline) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return file__read(&mod->file, path, max, err, errlen);
}

/*
 * QEMU's Multiboot -initrd: "FILE[ ARGS],FILE[ ARGS],...", where ",," is a
 * comma inside an item. Each item is a module whose string is the item.
 */
static int add_initrd_modules(struct guest_files *g, const char *list, uint64_t max, char *err, size_t errlen)
{
	char *item, *w;
	int rc;

	g->initrd_list = malloc(strlen(list) + 2);
	if (!g->initrd_list) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	item = w = g->initrd_list;
	for (const char *r = list;; r++) {
		if (*r == ',' && r[1] == ',') {
			*w++ = ',';
			r++;
			continue;
		}
		if (*r && *r != ',') {
			*w++ = *r;
			continue;
		}
		*w++ = '\0';
		{
			char *space = strchr(item, ' ');

			if (space)
				*space = '\0';
			if (!*item) {
				snprintf(err, errlen, "--initrd '%s': an empty module name", list);
				return -EINVAL;
			}
			if ((rc = add_module(g, item, space ? space + 1 : NULL, max, err, errlen)))
				return rc;
		}
		if (!*r)
			return 0;
		item = w;
	}
}

static int guest_files__read(struct guest_files *g, const struct vm_config *cfg, char *err, size_t errlen)
{
	int rc;

	memset(g, 0, sizeof(*g));
	if (cfg->raw) {
		if ((rc = file__read(&g->image, cfg->raw, EBDA_BASE, err, errlen)))
			return rc;
		if (!g->image.size) {
			snprintf(err, errlen, "%s: empty file", cfg->raw);
			return -EINVAL;
		}
		return 0;
	}
	if ((rc = file__read(&g->image, cfg->kernel, KERNEL_MAX_SIZE, err, errlen)))
		return rc;
	if (!g->image.size) {
		snprintf(err, errlen, "%s: empty file", cfg->kernel);
		return -EINVAL;
	}
	if (linux__detect(&g->image)) {
		g->linux = true;
		if (cfg->nr_modules) {
			snprintf(err, errlen, "%s: --module is for Multiboot kernels; give a Linux kernel one --initrd", cfg->kernel);
			return -EINVAL;
		}
		/* Linux gets the command line alone, as from QEMU's -append. */
		g->cmdline = strdup(cfg->append ? cfg->append : "");
		if (!g->cmdline) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		return cfg->initrd ? file__read(&g->initrd, cfg->initrd, cfg->ram_size, err, errlen) : 0;
	}
	if (!multiboot__detect(&g->image)) {
		snprintf(err, errlen, "%s: neither a Linux bzImage nor a Multiboot kernel (no HdrS header, no Multiboot header in the first 8 KiB)",
			 cfg->kernel);
		return -EINVAL;
	}
	g->cmdline = joined(cfg->kernel, cfg->append);
	if (!g->cmdline) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < cfg->nr_modules; i++)
		if ((rc = add_module(g, cfg->modules[i].path, cfg->modules[i].cmdline, cfg->ram_size, err, errlen)))
			return rc;
	return cfg->initrd ? add_initrd_modules(g, cfg->initrd, cfg->ram_size, err, errlen) : 0;
}

static int guest_files__load(struct vm *vm, struct guest_files *g, char *err, size_t errlen)
{
	if (vm->cfg.raw)
		return raw__load(vm, &g->image, vm->cfg.raw_addr, err, errlen);
	if (g->linux)
		return linux__load(vm, &g->image, g->cmdline, vm->cfg.initrd ? &g->initrd : NULL, err, errlen);
	return multiboot__load(vm, &g->image, g->cmdline, g->mods, g->nr_mods, err, errlen);
}

static int register_devices(struct vm *vm)
{
	static const device_register_fn reg[] = {
		devices__register_common, cmos__register, firmware__register_port, fw_cfg__register, acpi_pm__register,
		vga__register, i8042__register,
	};

	return devices__register(vm, reg, ARRAY_SIZE(reg));
}

/* Say plainly what of the CPU model this host's KVM cannot give. */
static void warn_missing_features(const struct vm *vm)
{
	for (int w = 0; w < FEAT_NR; w++) {
		char names[512];

		if (!vm->cpu_state->missing[w])
			continue;
		cpu_model__feature_names((enum feat_word)w, vm->cpu_state->missing[w], names, sizeof(names));
		fprintf(stderr, "%s: warning: this host's KVM cannot give CPU model %s these features (%s): %s\n",
			progname, vm->cpu->name, feat_words[w].label, names);
	}
}

/*
 * Some hosts' KVM shows the guest CPUID leaf 1 features the model does not
 * have (see bootscope doctor). A BIOS boot's firmware (SeaBIOS) sets up
 * whatever MSR-backed features it sees (MTRRs on a "486"), and QEMU+KVM on
 * the same host lets it; a model-exact MSR filter would answer #GP and the
 * BIOS would triple-fault. So for BIOS boots the filter follows the features
 * the guest really sees, and says so. Direct boots keep the model-exact
 * filter that `cpus --verify` checks.
 */
static void follow_host_leaf1(struct vm *vm)
{
	const uint32_t msr_bits = 1u << 4 | 1u << 5 | 1u << 7 | 1u << 11 | 1u << 12 | 1u << 14 | 1u << 16;
	/* vCPU 0's own copy: the lookup hands out a const view of it. */
	struct cpuid_leaf *l = (struct cpuid_leaf *)cpuid_leaf__find(vm->cpu_state->leaves0, vm->cpu_state->nr_leaves0, 1);
	uint32_t ecx, edx, added;
	char names[256];

	if (!l || probe__cpuid_leaf1(vm->kvm_fd, vm->cpu_state->leaves0, vm->cpu_state->nr_leaves0, &ecx, &edx))
		return;
	added = edx & ~l->edx & msr_bits;
	if (!added)
		return;
	l->edx |= added;
	cpu_model__feature_names(FEAT_1_EDX, added, names, sizeof(names));
	fprintf(stderr, "%s: warning: this host's KVM shows the guest CPUID features CPU model %s does not have "
		"(see bootscope doctor), so their MSRs are allowed: %s\n", progname, vm->cpu->name, names);
}

/*
 * The machine: memory and its map, firmware, the guest (every check of its
 * files done before KVM is opened), then KVM, devices, CPUID and tables.
 */
static int build_machine(struct vm *vm, struct guest_files *files, char *err, size_t errlen)
{
	char why[128];
	int rc;

	if ((rc = kvm__alloc_memory(vm, err, errlen)))
		return rc;
	memmap__init(&vm->map, vm->ram_size);
	if ((rc = memmap__claim(&vm->map, 0, 0x500, "interrupt vector table and BIOS data area",
				err, errlen)) ||
	    (rc = firmware__load(vm, err, errlen)) ||
	    (rc = guest_files__load(vm, files, err, errlen)) ||
	    (rc = kvm__init(vm, err, errlen)))
		return rc;
	/* Every i386 Linux kernel turns paging on; say so now if this host's KVM cannot run it. */
	if (files->linux && !vm->cfg.stop_at_entry && !probe__paging_works(vm->kvm_fd, why, sizeof(why)))
		fprintf(stderr, "%s: warning: this host's KVM cannot run 32-bit paging (%s; see bootscope doctor): "
			"this Linux kernel will stop when it turns paging on\n", progname, why);
	vm->unhandled_pio = calloc(65536, sizeof(*vm->unhandled_pio));
	if (!vm->unhandled_pio || (rc = register_devices(vm))) {
		snprintf(err, errlen, "cannot set up the devices");
		return -ENOMEM;
	}
	if ((rc = cpuid__init(vm, err, errlen)) || (rc = msr__install_filter(vm, err, errlen)) ||
	    (rc = tables__install(vm, err, errlen)) || (rc = kvm__map_rom(vm, err, errlen)))
		return rc;
	/* --stop-at-entry single-steps from the firmware's hand-off signal to the entry (firmware.c). */
	if (vm->cfg.stop_at_entry && !probe__single_step_works(vm->kvm_fd, why, sizeof(why))) {
		snprintf(err, errlen, "--stop-at-entry: this host's KVM does not single-step (%s; see bootscope doctor)", why);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * A BIOS boot: the BIOS runs from the reset vector on our vCPUs, the PC's
 * devices are a QEMU child's (pc.h), which builds the ACPI and MP tables.
 */
static int build_pc(struct vm *vm, char *err, size_t errlen)
{
	int rc;

	if ((rc = kvm__alloc_memory(vm, err, errlen)) || (rc = kvm__init(vm, err, errlen)))
		return rc;
	memmap__init(&vm->map, vm->ram_size);
	vm->unhandled_pio = calloc(65536, sizeof(*vm->unhandled_pio));
	if (!vm->unhandled_pio) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = cpuid__init(vm, err, errlen)))
		return rc;
	follow_host_leaf1(vm);
	if ((rc = msr__install_filter(vm, err, errlen)))
		return rc;
	return pc__init(vm, err, errlen);
}

static int create_vcpus(struct vm *vm, char *err, size_t errlen)
{
	int rc;

	warn_missing_features(vm);
	for (int i = 0; i < vm->cfg.smp; i++)
		if ((rc = kvm_cpu__create(vm, i, err, errlen)))
			return rc;
	return 0;
}

/*
 * The machine is built and every file is open: narrow what the process can
 * do before the guest runs. Output limits always; the seccomp allowlist
 * unless --no-sandbox.
 */
static int lock_down(struct vm *vm, char *err, size_t errlen)
{
	struct sandbox_spec s = {
		.vm_fd = vm->vm_fd, .nr_vcpus = vm->nr_cpus, .memory_slots = vm->pc != NULL,
		.qtest_fd = vm->pc ? vm->pc->qtest.fd : -1, .qmp_fd = vm->pc ? vm->pc->qmp.fd : -1,
		.child = vm->pc ? vm->pc->qtest.child.pid : 0,
		.child_output_fd = vm->pc ? vm->pc->qtest.child.output_fd : -1,
		.wake_fd = vm->run.wake_fd,
		.disk_fds = { -1, -1 }, .write_fd = -1,
	};
	int rc;

	for (int i = 0; i < vm->nr_cpus; i++)
		s.vcpu_fds[i] = vm->cpus[i]->fd;
	if (vm->pc && vm->pc->ide_local) {
		s.disk_fds[0] = vm->pc->cdrom_fd;
		s.disk_fds[1] = vm->pc->hda_fd;
		s.write_fd = vm->cfg.hda_writable ? vm->pc->hda_fd : -1;
	}
	if ((rc = sandbox__limit_output(vm->cfg.output_limit, err, errlen)))
		return rc;
	if (vm->cfg.no_sandbox)
		return 0;
	rc = sandbox__enter(&s, err, errlen);
	vm->sandboxed = rc == 0;
	return rc;
}

/* --user: /dev/kvm is opened as root, everything else (the guest's files, outputs, QEMU) as NAME. */
static void become_user(struct vm *vm)
{
	struct sandbox_user u;
	char err[ERRLEN];

	if (sandbox__find_user(vm->cfg.user, &u, err, sizeof(err)))
		die_usage("%s", err);
	vm->kvm_fd = kvm__open(err, sizeof(err));
	if (vm->kvm_fd < 0)
		die("%s", err);
	if (sandbox__drop_user(&u, err, sizeof(err)))
		die("%s", err);
}

/* Outputs are opened before the sandbox, which allows no open. */
static int open_outputs(struct vm *vm, FILE **out, struct screen_outputs *so, char *err, size_t errlen)
{
	if (!(*out = vm_config__guest_text(&vm->cfg, err, errlen))) {
		*out = stdout;
		return -EIO;
	}
	if (vm->cfg.screen_path && !(so->log = open_output("--screen", vm->cfg.screen_path, err, errlen)))
		return -EIO;
	if (vm->cfg.screen_svg_path && !(so->svg = open_output("--screen-svg", vm->cfg.screen_svg_path, err, errlen)))
		return -EIO;
	if (vm->cfg.json_path && strcmp(vm->cfg.json_path, "-") &&
	    !(vm->json_out = open_output("--json", vm->cfg.json_path, err, errlen)))
		return -EIO;
	return 0;
}

/* After the run: the last read; the picture and the log written and checked. */
static void screen_end(struct vm *vm, struct screen *s, struct screen_outputs *so)
{
	screen__run_stop(s, vm);
	summary__screen_verdict(vm, so->log, so->svg);
	so->log = so->svg = NULL;
}

static void report(struct vm *vm)
{
	int rc;

	/* The summary's first line says why; with -q there is none, so say it here. */
	if ((vm->run.outcome == OUTCOME_ERROR || vm->run.outcome == OUTCOME_SHUTDOWN) && vm->cfg.quiet)
		fprintf(stderr, "%s: %s\n", progname, vm->run.message);
	if (!vm->cfg.quiet)
		summary__print(vm, stderr);
	if (vm->cfg.json_path && (rc = summary__write_json(vm, vm->cfg.json_path)) < 0) {
		fprintf(stderr, "%s: cannot write --json %s: %s\n", progname, vm->cfg.json_path, strerror(-rc));
		vm->run.exit_status = EXIT_ERROR;
	}
}

static int cmd_run(int argc, char **argv)
{
	static struct vm vm_storage;
	static struct screen screen;
	static struct typist typist;
	struct vm *vm = &vm_storage;
	struct screen_outputs so = { 0 };
	struct guest_files files = { 0 };
	char err[ERRLEN];
	FILE *out = stdout;
	int rc, status;

	if (options__vm(vm, argc, argv))
		return EXIT_OK;
	if (vm->cfg.dry_run || vm->cfg.accel || vm->cfg.nr_qemu_args)
		die_usage("--dry-run, --accel and --qemu-arg go with `bootscope qemu`");
	if (run__setup_milestones(vm, vm_config__bios_boot(&vm->cfg) ? pc__add_milestones : NULL, true, err,
				  sizeof(err)) ||
	    (vm->cfg.nr_types && typist__setup(&typist, vm, err, sizeof(err))))
		die_usage("%s", err);
	if (vm->cfg.user)
		become_user(vm);
	host__info();	/* it reads /sys: before the sandbox */

	rc = vm_config__bios_boot(&vm->cfg) ? pc__prepare(vm, err, sizeof(err))
					     : guest_files__read(&files, &vm->cfg, err, sizeof(err));
	if (rc == 0)
		rc = open_outputs(vm, &out, &so, err, sizeof(err));
	vm->ms.out = out;
	vm->ms.out_limit = vm->cfg.output_limit;
	if (!rc)
		rc = vm->pc ? build_pc(vm, err, sizeof(err)) : build_machine(vm, &files, err, sizeof(err));
	/* Typed keys go to the child's i8042 through QMP on a BIOS boot, to bootscope's own on a direct one. */
	if (!rc && vm->typist)
		vm->typist->sink = vm->pc ? (struct typist_sink){ kbc__send_key, kbc__key_check, vm->pc }
					  : (struct typist_sink){ i8042__send_key, NULL, i8042__sink_arg() };
	if (!rc && vm->typist)
		vm->typist->serial = (struct typist_serial){ uart__send_bytes, uart__com1() };	/* COM1 is always bootscope's */
	if (!rc)
		rc = create_vcpus(vm, err, sizeof(err));
	if (!rc && vm->cfg.trace_path)
		rc = trace__open(vm, vm->cfg.trace_path, err, sizeof(err));
	guest_files__free(&files);
	if (!rc)
		rc = run__prepare(vm, err, sizeof(err));
	if (!rc)
		rc = lock_down(vm, err, sizeof(err));
	if (!rc)
		rc = screen__run_start(&screen, vm, vm->vga ? vga__read_screen : NULL, vm->vga, SCREEN_INTERVAL_NS,
				       so.log, err, sizeof(err));

	if (rc) {
		status = summary__fail(vm, err);
	} else if ((rc = run__start(vm, err, sizeof(err)))) {
		screen_end(vm, &screen, &so);
		trace__finish(vm);	/* the trace still gets its trailer */
		status = summary__fail(vm, err);
	} else {
		run__wait(vm);	/* power on: until the run ends */
		screen_end(vm, &screen, &so);
		if ((rc = trace__finish(vm)) < 0) {
			fprintf(stderr, "%s: --trace %s: %s\n", progname, vm->cfg.trace_path, strerror(-rc));
			vm->run.exit_status = EXIT_ERROR;
		}
		report(vm);
		status = vm->run.exit_status;
	}
	if (status != EXIT_SANDBOX && sandbox__violation(err, sizeof(err))) {
		/* Refused while the results were being written: they are out, but say so. */
		fprintf(stderr, "%s: %s\n", progname, err);
		status = EXIT_SANDBOX;
	}

	if (out != stdout && out != stderr)
		fclose(out);
	if (so.log)
		fclose(so.log);
	if (so.svg)
		fclose(so.svg);
	milestones__destroy(&vm->ms);
	cpuid__exit();
	pc__exit(vm);
	kvm__exit(vm);
	free(vm->unhandled_pio);
	if (vm->run.wake_fd >= 0)
		close(vm->run.wake_fd);
	if (vm->run.signal_fd >= 0)
		close(vm->run.signal_fd);
	return status;
}

/* `bootscope qemu`: the run options, then the boot on stock QEMU. */
static int cmd_qemu(int argc, char **argv)
{
	static struct vm vm;

	if (options__vm(&vm, argc, argv))
		return EXIT_OK;
	return qemu__run(&vm);
}

/* Each command gets argv from its own name on. */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run }, { "qemu", cmd_qemu }, { "compare", compare__main }, { "matrix", matrix__main },
	{ "matrix-report", matrix_report__main }, { "report", report__main }, { "cpus", cpus__main },
	{ "doctor", doctor__main }, { "sandbox-check", sandbox__main },
};

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
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(cmd, commands[i].name)) {
			if (options__command_help(cmd, argc - 1, argv + 1, stdout))
				return EXIT_OK;
			return commands[i].fn(argc - 1, argv + 1);
		}
	if (cmd[0] == '-')
		return cmd_run(argc, argv);
	die_usage("unknown command '%s'", cmd);
}
