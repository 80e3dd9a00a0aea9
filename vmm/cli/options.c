/*
 * options.c - `bootscope run` options into struct vm_config.
 */
#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "cpu/cpuid.h"
#include "boot/loader.h"
#include "cli/options.h"
#include "lib/keys.h"
#include "pc/pc.h"
#include "core/vm.h"

enum {
	OPT_CPU = 255, OPT_SMP = 256, OPT_KERNEL, OPT_APPEND, OPT_MODULE, OPT_RAW, OPT_MARK, OPT_UNTIL,
	OPT_TIMEOUT, OPT_SERIAL, OPT_JSON, OPT_TRACE, OPT_STOP_AT_ENTRY, OPT_INITRD,
	OPT_BIOS, OPT_CDROM, OPT_HDA, OPT_HDA_WRITABLE, OPT_BOOT, OPT_DRY_RUN, OPT_ACCEL, OPT_QEMU_ARG,
	OPT_NO_SANDBOX, OPT_USER, OPT_OUTPUT_LIMIT, OPT_NO_HUGE_PAGES, OPT_SCREEN, OPT_SCREEN_SVG, OPT_NO_SCREEN, OPT_TYPE,
};

static const struct option run_options[] = {
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "memory", required_argument, NULL, 'm' },
	{ "smp", required_argument, NULL, OPT_SMP },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "raw", required_argument, NULL, OPT_RAW },
	{ "mark", required_argument, NULL, OPT_MARK },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "screen", required_argument, NULL, OPT_SCREEN },
	{ "screen-svg", required_argument, NULL, OPT_SCREEN_SVG },
	{ "no-screen", no_argument, NULL, OPT_NO_SCREEN },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "stop-at-entry", no_argument, NULL, OPT_STOP_AT_ENTRY },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "bios", required_argument, NULL, OPT_BIOS },
	{ "cdrom", required_argument, NULL, OPT_CDROM },
	{ "hda", required_argument, NULL, OPT_HDA },
	{ "hda-writable", no_argument, NULL, OPT_HDA_WRITABLE },
	{ "boot", required_argument, NULL, OPT_BOOT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "qemu-arg", required_argument, NULL, OPT_QEMU_ARG },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "user", required_argument, NULL, OPT_USER },
	{ "output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT },
	{ "no-huge-pages", no_argument, NULL, OPT_NO_HUGE_PAGES },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void options__usage(FILE *f)
{
	fputs("Usage: bootscope COMMAND [OPTIONS]\n"
	      "\n"
	      "Commands:\n"
	      "  run [OPTIONS]        boot a guest on KVM and time it (the default command)\n"
	      "  qemu [OPTIONS]       the same boot on stock qemu-system-i386, timed the same way; takes\n"
	      "                       run's options (not --raw or --stop-at-entry), and\n"
	      "                       --accel kvm|tcg (default kvm), --qemu-arg ARG (repeatable, appended\n"
	      "                       to QEMU's arguments) and --dry-run (print QEMU's command line)\n"
	      "  compare --samples N [--a 'OPTIONS' --b 'OPTIONS' [--engine kvm|qemu]] [--json FILE]\n"
	      "          [BOOT OPTIONS]   the boot N times under run and N times under qemu (or under two\n"
	      "                       configurations), interleaved: per milestone median, min, max, and the\n"
	      "                       ratio of medians with a 95% bootstrap confidence interval\n"
	      "  matrix --cpus LIST --out FILE [--smp LIST] [--samples N] [--engines kvm,qemu,qemu-tcg]\n"
	      "         [--jobs J] [--shard I/N] [BOOT OPTIONS]\n"
	      "                       every engine x CPU x SMP x sample cell, one JSON line each in FILE;\n"
	      "                       run again to finish an interrupted matrix. --jobs > 1 runs cells in\n"
	      "                       parallel, which disturbs their timings (default 1)\n"
	      "  matrix-report FILE... [--csv FILE] [--phases-csv FILE] [--svg FILE]\n"
	      "                [--chart milestone|phases] [--milestone NAME]\n"
	      "                       a table per milestone and per phase (the time between milestones\n"
	      "                       every engine reached; kvm/qemu ratios), shards merged; as CSV; and\n"
	      "                       an SVG chart of one milestone or of the phases as stacked bars\n"
	      "  doctor [--json]      what this host's KVM can run (paging, IRET, CPUID, SMM, exit cost)\n"
	      "  cpus [--json] [--verify]  the CPU models: CPUID leaves, what this host cannot give;\n"
	      "                       --verify boots a probe under each and compares what it sees\n"
	      "  report TRACE [--format text|json|csv|chrome|svg] [-o FILE]\n"
	      "                       read a trace: per exit reason, port and phase; or convert it\n"
	      "  sandbox-check        the seccomp policy a run installs, loaded and listed\n"
	      "  version              print the version\n"
	      "  help                 print this help\n"
	      "\n"
	      "Options of run: a direct boot (--kernel or --raw) or a BIOS boot (--cdrom, --hda, --bios):\n"
	      "  --kernel FILE          Linux bzImage (boot protocol 2.06+), or Multiboot (v1) kernel:\n"
	      "                         ELF32 or a.out-kludge\n"
	      "  --append STRING        kernel command line (Multiboot: after the file name, as QEMU passes it)\n"
	      "  --initrd FILE          Linux: the initrd; Multiboot: \"FILE[ ARGS],FILE...\" modules, as QEMU's\n"
	      "                         -initrd (\",,\" for a comma in a name)\n"
	      "  --module FILE[,ARGS]   Multiboot module, repeatable; its string is \"FILE ARGS\"\n"
	      "  --raw FILE[@ADDR]      flat real-mode image at ADDR (default 0x7c00), entered with DL=0x80\n"
	      "  --cdrom FILE           boot an ISO 9660 image through the BIOS (El Torito) from bootscope's\n"
	      "                         IDE CD-ROM; a QEMU child process emulates the PC's other devices\n"
	      "  --hda FILE             IDE disk image (raw, or qcow2); the guest's writes are discarded\n"
	      "  --hda-writable         ... unless this is given: then they go to FILE\n"
	      "  --boot ORDER           BIOS boot order: c disk, d CD-ROM (default: d with --cdrom, else c)\n"
	      "  --bios FILE            BIOS image (default " PC_BIOS_DEFAULT ");\n"
	      "                         alone, times the BIOS POST to its 'No bootable device'\n"
	      "  --cpu MODEL            486, pentium, pentium2, pentium3, athlon (QEMU's models) or host\n"
	      "                         (default pentium2); `bootscope cpus` shows what each presents\n"
	      "  -m, --memory SIZE      guest RAM: 1M..3.5G, K/M/G suffix, bare number = MiB (default 256M)\n"
	      "  --smp N                vCPUs, 1..8 (default 1)\n"
	      "  --mark NAME=REGEX      milestone NAME at the first guest line matching REGEX (repeatable)\n"
	      "  --until REGEX          milestone 'until' and end of the run at the first matching line\n"
	      "  --type REGEX=KEYS      when a line matching REGEX appears, type KEYS on the PS/2 keyboard\n"
	      "                         (into COM1 when the line was there): text and <enter>, <esc>,\n"
	      "                         <up>, <down>, <f1>.., <ctrl-X>; milestone typeN (repeatable, up to 16)\n"
	      "  --timeout SECONDS      end a run that has not ended by then (default 300)\n"
	      "  --serial FILE          write guest text to FILE instead of stdout ('-' or stdio: stdout)\n"
	      "  --screen FILE          write every new line of the VGA text screen to FILE, with its time\n"
	      "                         (--mark and --until match screen lines whether or not it is given)\n"
	      "  --screen-svg FILE      the last text screen as an SVG picture, in its colours\n"
	      "  --no-screen            no VGA and no screen console (the VGA window is plain RAM)\n"
	      "  --json FILE            write the JSON summary to FILE ('-' for stdout: guest text then goes\n"
	      "                         to stderr, or to --serial)\n"
	      "  --trace FILE           record every VM exit to FILE (read it with `bootscope report`)\n"
	      "  --stop-at-entry        stop at the loaded guest's first instruction (BIOS boots: the boot\n"
	      "                         sector at 0x7c00); the JSON summary's `entry` shows the registers\n"
	      "                         and the boot information it was handed\n"
	      "  --output-limit SIZE    the most bytes written to any file (--serial, --trace, --json) and\n"
	      "                         of guest text passed on; K/M/G suffix (default 1G)\n"
	      "  --user NAME            started as root: become NAME once /dev/kvm is open\n"
	      "  --no-sandbox           run without the seccomp sandbox (`bootscope sandbox-check`)\n"
	      "  --no-huge-pages        guest RAM on 4 KiB pages, not huge ones (to measure what they save)\n"
	      "  -q, --quiet            no summary table on stderr\n"
	      "\n"
	      "Exit status: 0 --until matched, --stop-at-entry stopped, or the guest halted cleanly;\n"
	      "1 error; 2 usage;\n"
	      "3 the guest stopped without reaching --until (halt, shutdown, no boot device);\n"
	      "(v<<1)|1 the guest wrote v to isa-debug-exit (port 0xf4); 124 timeout;\n"
	      "128+N killed by signal N (SIGINT, SIGTERM); 159 the sandbox refused a system call.\n"
	      "compare and matrix: 0 every boot gave a result; 1 a boot failed (listed, with why); 2 usage.\n"
	      "\n"
	      "QEMU's single-dash spellings of the options both take work too: -kernel, -append, -initrd,\n"
	      "-cdrom, -hda, -bios, -cpu, -smp, -m. `bootscope COMMAND --help` shows a command's options.\n", f);
}

/* Each command's own help, with examples: `bootscope COMMAND --help`. */
static const struct {
	const char *cmd, *text;
} command_help[] = {
	{ "compare",
	  "Usage: bootscope compare --samples N [--a 'OPTIONS' --b 'OPTIONS' [--engine kvm|qemu]]\n"
	  "                         [--json FILE|-] BOOT OPTIONS\n"
	  "\n"
	  "The same boot N times on each side, interleaved (A, B, A, B, ...). Without --a/--b, A is\n"
	  "bootscope (run) and B is stock QEMU (qemu), and the ratio is bootscope/qemu; with them, both\n"
	  "sides are one engine with extra options, and the ratio is B/A. Per milestone: median, min,\n"
	  "max, the ratio of the medians and, with 3 or more samples a side, its 95% bootstrap interval.\n"
	  "A boot that gives no result (timeout, no boot device, an error) is listed with why, left out\n"
	  "of the statistics, and makes the exit status 1. Files and --json are checked first.\n"
	  "\n"
	  "Examples:\n"
	  "  bootscope compare --samples 5 --cdrom minix.iso --cpu pentium2 --until 'login:'\n"
	  "  bootscope compare --samples 3 --a '--smp 1' --b '--smp 4' --kernel k.elf --until done\n"
	  "  bootscope compare --samples 3 --cdrom grub.iso --until x --json - | jq .milestones\n" },
	{ "matrix",
	  "Usage: bootscope matrix --cpus LIST --out FILE [--engines LIST] [--smp LIST] [--samples N]\n"
	  "                        [--jobs J] [--shard I/N] [--keep-failed] BOOT OPTIONS\n"
	  "\n"
	  "Every engine x CPU x SMP x sample cell of a study, each a boot, appended to FILE (JSON lines)\n"
	  "as it ends. Defaults: --engines kvm, --smp 1, --samples 1, --jobs 1, --shard 1/1. Run the\n"
	  "same command again to finish: cells with a result are kept, failed cells run again (kept\n"
	  "with --keep-failed). Exit status 1 when any cell of the shard failed. --shard I/N takes\n"
	  "every N-th cell from the I-th: N machines, or N jobs of a job runner, share the study;\n"
	  "`matrix-report` merges their files.\n"
	  "\n"
	  "Examples:\n"
	  "  bootscope matrix --cpus 486,pentium,pentium2,pentium3,athlon --smp 1,2,4,8 --samples 3 \\\n"
	  "      --engines kvm,qemu --out minix.jsonl --cdrom minix.iso --until 'login:'\n"
	  "  parallel bootscope matrix --shard {}/4 --out part{}.jsonl --cpus 486,pentium ... ::: 1 2 3 4\n" },
	{ "matrix-report",
	  "Usage: bootscope matrix-report FILE... [--csv FILE] [--phases-csv FILE] [--svg FILE]\n"
	  "                               [--chart milestone|phases] [--milestone NAME]\n"
	  "\n"
	  "A study's cells (one file, or its shards) as tables per milestone and per phase, with\n"
	  "kvm/qemu ratios (bootscope over QEMU), the failed cells with why, and the cells' timing\n"
	  "notes; as CSV; and as an SVG chart of one milestone (--milestone, default until) or of the\n"
	  "phases. Cells from different kinds of host are refused together.\n"
	  "\n"
	  "Examples:\n"
	  "  bootscope matrix-report minix.jsonl --svg until.svg\n"
	  "  bootscope matrix-report part1.jsonl part2.jsonl --chart phases --svg phases.svg\n" },
	{ "report",
	  "Usage: bootscope report TRACE [--format text|json|csv|chrome|svg] [-o FILE]\n"
	  "\n"
	  "Read a --trace file: time per exit reason, port or region and device, and per phase between\n"
	  "milestones; or convert it (chrome: Perfetto's timeline; svg: a timeline picture).\n"
	  "\n"
	  "Examples:\n"
	  "  bootscope run --kernel k.elf --until done --trace t.bin -q && bootscope report t.bin\n"
	  "  bootscope report t.bin --format chrome -o t.json\n" },
	{ "cpus",
	  "Usage: bootscope cpus [--json] [--verify] [MODEL...]\n"
	  "\n"
	  "The CPU models (486, pentium, pentium2, pentium3, athlon, host): the CPUID leaves each\n"
	  "presents, and what this host's KVM cannot give; --verify boots a probe under each model\n"
	  "with bootscope and with QEMU and compares what the guest sees.\n"
	  "\n"
	  "Examples:\n"
	  "  bootscope cpus\n"
	  "  bootscope cpus --verify pentium3 athlon\n" },
	{ "doctor",
	  "Usage: bootscope doctor [--json]\n"
	  "\n"
	  "What this host's KVM can run: 32-bit paging, IRET, CPUID, SMM, an exit's cost; and whether\n"
	  "its times are hardware timings.\n"
	  "\n"
	  "Example:\n"
	  "  bootscope doctor\n" },
	{ "sandbox-check",
	  "Usage: bootscope sandbox-check\n"
	  "\n"
	  "Load the seccomp policy a run installs and list what it allows, with why.\n" },
};

bool options__command_help(const char *cmd, int argc, char **argv, FILE *f)
{
	bool asked = false;

	for (int i = 1; i < argc && !asked; i++)
		asked = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
	if (!asked)
		return false;
	for (size_t i = 0; i < sizeof(command_help) / sizeof(command_help[0]); i++)
		if (!strcmp(cmd, command_help[i].cmd)) {
			fputs(command_help[i].text, f);
			return true;
		}
	return false;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

/* FILE@ADDR, where a file name may itself contain '@' when no number follows. */
static int split_raw(struct vm_config *cfg, char *arg, char *err, size_t errlen)
{
	char *at = strrchr(arg, '@');
	uint64_t addr;

	cfg->raw = arg;
	cfg->raw_addr = RAW_DEFAULT_ADDR;
	if (at && parse_u64(at + 1, &addr) == 0 && addr <= UINT32_MAX) {
		*at = '\0';
		cfg->raw_addr = (uint32_t)addr;
		return 0;
	}
	/* "@0xzz", "@12k": meant as an address (no file has that name), but not one. */
	if (at && at[1] >= '0' && at[1] <= '9' && access(arg, F_OK)) {
		snprintf(err, errlen, "--raw '%s': '%s' is not an address (give FILE@ADDR, e.g. boot.bin@0x7c00)", arg,
			 at + 1);
		return -EINVAL;
	}
	return 0;
}

/* The QEMU child shares RAM 1:1 only below its 3.5 GiB split, in whole MiB. */
static int check_bios_boot(struct vm_config *cfg, char *err, size_t errlen)
{
	char mem[32];

	if (cfg->kernel || cfg->raw)
		return fail(err, errlen, "--kernel and --raw boot directly, --cdrom, --hda and --bios through a BIOS: "
			    "choose one kind%s", "");
	if (cfg->append || cfg->nr_modules || cfg->initrd)
		return fail(err, errlen, "--append, --initrd and --module go with --kernel, not a BIOS boot%s", "");
	snprintf(mem, sizeof(mem), "%lluK", (unsigned long long)(cfg->ram_size / KiB));
	if (cfg->ram_size % MiB || cfg->ram_size < 16 * MiB || cfg->ram_size >= PC_RAM_MAX)
		return fail(err, errlen, "--memory %s: a BIOS boot takes whole MiB from 16M to 3583M", mem);
	if (cfg->hda_writable && !cfg->hda)
		return fail(err, errlen, "--hda-writable needs --hda%s", "");
	if (cfg->boot_order) {
		if (strchr(cfg->boot_order, 'd') && !cfg->cdrom)
			return fail(err, errlen, "--boot %s: there is no --cdrom to boot from", cfg->boot_order);
		if (strchr(cfg->boot_order, 'c') && !cfg->hda)
			return fail(err, errlen, "--boot %s: there is no --hda to boot from", cfg->boot_order);
	} else if (cfg->cdrom || cfg->hda) {
		cfg->boot_order = cfg->cdrom ? (cfg->hda ? "dc" : "d") : "c";
	}
	return 0;
}

/*
 * QEMU options people bring along that bootscope has no option for, and what
 * to do instead; an option both have is accepted in either spelling.
 */
static const struct {
	const char *name, *hint;
} qemu_only[] = {
	{ "enable-kvm", "bootscope run always runs on KVM, and bootscope qemu gives QEMU -enable-kvm (--accel tcg for software emulation)" },
	{ "accel", "give --accel kvm|tcg to bootscope qemu" },
	{ "nographic", "bootscope shows no display; --screen FILE logs the VGA screen's lines, --screen-svg draws it" },
	{ "display", "bootscope shows no display; --screen FILE logs the VGA screen's lines, --screen-svg draws it" },
	{ "vga", "the VGA is an ISA VGA; --no-screen removes it" },
	{ "machine", "the machine is a PC (ISA devices, the i440FX's PAM and reset registers); there is no other" },
	{ "M", "the machine is a PC (ISA devices, the i440FX's PAM and reset registers); there is no other" },
	{ "no-reboot", "a reset always ends a bootscope run" },
	{ "drive", "give --hda FILE or --cdrom FILE" },
	{ "device", "bootscope's devices are fixed (docs/machine.md, docs/bios-boots.md); bootscope qemu passes --qemu-arg ARG to QEMU" },
	{ "monitor", "bootscope qemu passes --qemu-arg ARG to QEMU" },
	{ "netdev", "there is no network device" },
	{ "net", "there is no network device" },
	{ "s", "there is no gdb stub; --trace records every exit" },
	{ "S", "there is no gdb stub; --trace records every exit" },
	{ "d", "QEMU's -d logs are QEMU's own; --trace records every exit" },
};

/* The option getopt could not place: its own name, and for QEMU's, what to give instead. */
static int unknown_option(char **argv, char *err, size_t errlen)
{
	const char *arg = optopt ? NULL : argv[optind - 1];
	char name[64];

	if (!arg) {	/* a short option inside a cluster */
		snprintf(err, errlen, "unknown option '-%c'", optopt);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%s", arg + strspn(arg, "-"));
	name[strcspn(name, "=")] = '\0';
	for (size_t i = 0; i < sizeof(qemu_only) / sizeof(qemu_only[0]); i++)
		if (!strcmp(name, qemu_only[i].name)) {
			snprintf(err, errlen, "unknown option '%s': a QEMU option bootscope does not take; %s", arg,
				 qemu_only[i].hint);
			return -EINVAL;
		}
	snprintf(err, errlen, "unknown option '%s'", arg);
	return -EINVAL;
}

int options__parse_run(struct vm_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cpu_model = CPU_MODEL_DEFAULT;
	cfg->ram_size = RAM_DEFAULT;
	cfg->smp = 1;
	cfg->timeout_s = 300;
	cfg->output_limit = OUTPUT_LIMIT_DEFAULT;
	optind = 1;
	opterr = 0;
	/*
	 * getopt_long_only: QEMU's single-dash spellings of the options both
	 * share (-kernel, -append, -initrd, -cdrom, -hda, -bios, -smp, -cpu, -m)
	 * work as they do in QEMU; -m and -q stay short options.
	 */
	while ((c = getopt_long_only(argc, argv, ":m:qh", run_options, NULL)) != -1) {
		uint64_t v;
		char *eq, *end;

		switch (c) {
		case OPT_CPU:
			if (!cpu_model__find(optarg)) {
				snprintf(err, errlen, "--cpu '%s': unknown CPU model; choose one of %s", optarg,
					 cpu_model__names());
				return -EINVAL;
			}
			cfg->cpu_model = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &v) || v < RAM_MIN || v > RAM_MAX || v % (4 * KiB))
				return fail(err, errlen, "--memory '%s': give 1M..3.5G in whole 4 KiB pages (e.g. 256M)", optarg);
			cfg->ram_size = v;
			break;
		case OPT_SMP:
			if (parse_u64(optarg, &v) || v < 1 || v > MAX_VCPUS)
				return fail(err, errlen, "--smp '%s': give a number of vCPUs from 1 to 8", optarg);
			cfg->smp = (int)v;
			break;
		case OPT_KERNEL:
			cfg->kernel = optarg;
			break;
		case OPT_APPEND:
			cfg->append = optarg;
			break;
		case OPT_MODULE:
			if (cfg->nr_modules == MAX_MODULES)
				return fail(err, errlen, "too many --module options (at most %s)", "64");
			eq = strchr(optarg, ',');
			if (eq)
				*eq = '\0';
			if (!*optarg)
				return fail(err, errlen, "--module%s: the file name before ',' is empty", "");
			cfg->modules[cfg->nr_modules++] = (struct module_arg){ optarg, eq ? eq + 1 : NULL };
			break;
		case OPT_RAW:
			if (split_raw(cfg, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_MARK:
			if (cfg->nr_marks == MAX_MARKS)
				return fail(err, errlen, "too many --mark options (at most %s)", "32");
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return fail(err, errlen, "--mark '%s': write NAME=REGEX", optarg);
			*eq = '\0';
			cfg->marks[cfg->nr_marks++] = (struct mark_arg){ optarg, eq + 1 };
			break;
		case OPT_UNTIL:
			if (!*optarg)
				return fail(err, errlen, "--until%s: the pattern is empty", "");
			cfg->until = optarg;
			break;
		case OPT_TYPE: {
			struct key_press presses[KEYS_MAX];
			int n;

			if (cfg->nr_types == MAX_TYPES)
				return fail(err, errlen, "too many --type options (at most %s)", "16");
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return fail(err, errlen, "--type '%s': write REGEX=KEYS (e.g. 'login:=root<enter>')", optarg);
			*eq = '\0';
			n = keys__parse(eq + 1, presses, KEYS_MAX, err, errlen);
			if (n < 0)
				return -EINVAL;
			cfg->types[cfg->nr_types++] = (struct type_arg){ optarg, eq + 1 };
			break;
		}
		case OPT_TIMEOUT:
			cfg->timeout_s = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(cfg->timeout_s) || cfg->timeout_s <= 0 ||
			    cfg->timeout_s > 1e7)
				return fail(err, errlen, "--timeout '%s': give seconds greater than 0", optarg);
			break;
		case OPT_SERIAL:
			cfg->serial_path = optarg;
			break;
		case OPT_SCREEN:
			cfg->screen_path = optarg;
			break;
		case OPT_SCREEN_SVG:
			cfg->screen_svg_path = optarg;
			break;
		case OPT_NO_SCREEN:
			cfg->no_screen = true;
			break;
		case OPT_JSON:
			cfg->json_path = optarg;
			break;
		case OPT_TRACE:
			cfg->trace_path = optarg;
			break;
		case OPT_INITRD:
			cfg->initrd = optarg;
			break;
		case OPT_BIOS:
			cfg->bios = optarg;
			break;
		case OPT_CDROM:
			cfg->cdrom = optarg;
			break;
		case OPT_HDA:
			cfg->hda = optarg;
			break;
		case OPT_HDA_WRITABLE:
			cfg->hda_writable = true;
			break;
		case OPT_BOOT:
			if (!*optarg || strspn(optarg, "cd") != strlen(optarg) || strlen(optarg) > 2)
				return fail(err, errlen, "--boot '%s': give c (disk), d (CD-ROM), or both in order (dc)", optarg);
			cfg->boot_order = optarg;
			break;
		case OPT_DRY_RUN:
			cfg->dry_run = true;
			break;
		case OPT_ACCEL:
			cfg->accel = optarg;
			break;
		case OPT_QEMU_ARG:
			if (cfg->nr_qemu_args == MAX_QEMU_ARGS)
				return fail(err, errlen, "too many --qemu-arg options (at most %s)", "16");
			cfg->qemu_args[cfg->nr_qemu_args++] = optarg;
			break;
		case OPT_STOP_AT_ENTRY:
			cfg->stop_at_entry = true;
			break;
		case OPT_NO_SANDBOX:
			cfg->no_sandbox = true;
			break;
		case OPT_NO_HUGE_PAGES:
			cfg->no_huge_pages = true;
			break;
		case OPT_USER:
			if (!*optarg)
				return fail(err, errlen, "--user: give a user name%s", "");
			cfg->user = optarg;
			break;
		case OPT_OUTPUT_LIMIT:
			/* A bare number could be bytes or MiB: the unit must be given. */
			if (parse_size(optarg, &v) || v < 4 * KiB || !strpbrk(optarg, "kKmMgG"))
				return fail(err, errlen, "--output-limit '%s': give a size with its unit, at least 4K (e.g. 100M)", optarg);
			cfg->output_limit = v;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			options__usage(stdout);
			return 1;
		case ':':
			/* (optopt is a long option's value too; only 'm' is a short one with an argument.) */
			return fail(err, errlen, "option '%s' needs an argument", optopt == 'm' ? "-m" : argv[optind - 1]);
		default:
			return unknown_option(argv, err, errlen);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	/* Guest text goes to stdout unless --serial FILE; "-" (and QEMU's "stdio") say stdout. */
	if (cfg->serial_path && (!strcmp(cfg->serial_path, "-") || !strcmp(cfg->serial_path, "stdio"))) {
		if (cfg->json_path && !strcmp(cfg->json_path, "-"))
			return fail(err, errlen, "--json - and --serial %s both want stdout; send one to a file", cfg->serial_path);
		cfg->serial_path = NULL;
	} else if (cfg->json_path && !strcmp(cfg->json_path, "-") && !cfg->serial_path) {
		cfg->text_to_stderr = true;	/* the summary alone is stdout */
	}
	if (cfg->no_screen && (cfg->screen_path || cfg->screen_svg_path))
		return fail(err, errlen, "--screen and --screen-svg read the screen that --no-screen turns off%s", "");
	if (vm_config__bios_boot(cfg))
		return check_bios_boot(cfg, err, errlen);
	if (cfg->boot_order || cfg->hda_writable)
		return fail(err, errlen, "--boot and --hda-writable go with a BIOS boot (--cdrom, --hda)%s", "");
	if (!!cfg->kernel + !!cfg->raw != 1)
		return fail(err, errlen, "give one of --kernel, --raw (direct boots) or --cdrom, --hda, --bios (BIOS boots)%s", "");
	if (cfg->raw && (cfg->append || cfg->nr_modules || cfg->initrd))
		return fail(err, errlen, "--append, --initrd and --module go with --kernel, not --raw%s", "");
	return 0;
}

int options__vm(struct vm *vm, int argc, char **argv)
{
	char err[512];
	int rc;

	clock__init();
	vm->t_setup = clock__now();
	vm->kvm_fd = vm->vm_fd = vm->ram_fd = vm->run.wake_fd = vm->run.signal_fd = -1;
	rc = options__parse_run(&vm->cfg, argc, argv, err, sizeof(err));
	if (rc == 1)
		return 1;
	if (rc)
		die_usage("%s", err);
	vm->ram_size = vm->cfg.ram_size;
	vm->cpu = cpu_model__find(vm->cfg.cpu_model);
	vm->vcpu_setup = cpuid__setup_vcpu;
	return 0;
}
