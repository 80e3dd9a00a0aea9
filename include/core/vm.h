/*
 * vm.h - the machine: configuration, guest memory, vCPUs and the run state.
 *
 * Data flow of a run: options fill struct vm_config; kvm__init() opens
 * /dev/kvm and builds the VM and its memory; devices register on the bus;
 * a loader places the guest and fills the firmware hand-off; run__start()
 * starts one thread per vCPU, each looping KVM_RUN -> exit handler; the
 * first party that decides the run is over calls run__end(), the main thread
 * stops the vCPUs, and summary__* report what was recorded.
 */
#ifndef BOOTSCOPE_VM_H
#define BOOTSCOPE_VM_H

#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bus.h"
#include "lib/events.h"
#include "core/memmap.h"
#include "core/milestone.h"
#include "core/trace.h"
#include "lib/util.h"

struct cpu_model;
struct cpu_state;
struct vga;
struct screen;
struct typist;


#define MAX_VCPUS 8
#define MAX_MODULES 64
#define MAX_MARKS 32
#define MAX_QEMU_ARGS 16
#define NR_EXIT_REASONS 64	/* KVM_EXIT_* codes; larger ones count as the last slot */

#define RAM_MIN (1 * MiB)
#define RAM_MAX (3584 * MiB)	/* 3.5 GiB: everything stays below the PCI/ROM hole */
#define RAM_DEFAULT (256 * MiB)
#define OUTPUT_LIMIT_DEFAULT (1 * GiB)

struct module_arg {
	const char *path;
	const char *cmdline;	/* may be NULL */
};

struct mark_arg {
	const char *name;
	const char *regex;
};

#define MAX_TYPES 16	/* --type rules (pc/typist.h) */

struct type_arg {
	const char *regex;
	const char *keys;
};

struct vm_config {
	const char *cpu_model;
	uint64_t ram_size;
	int smp;
	const char *kernel;
	const char *append;
	const char *initrd;	/* Linux: one file; Multiboot: "a,b,c" modules, as QEMU's -initrd */
	const char *raw;
	uint32_t raw_addr;
	struct module_arg modules[MAX_MODULES];
	int nr_modules;
	struct mark_arg marks[MAX_MARKS];
	int nr_marks;
	const char *until;
	struct type_arg types[MAX_TYPES];	/* --type REGEX=KEYS */
	int nr_types;
	double timeout_s;
	const char *serial_path;	/* guest text: a file, or NULL for the standard stream below */
	bool text_to_stderr;	/* with --json - (the summary is stdout): guest text on stderr */
	const char *screen_path;	/* --screen: every new screen line with its time */
	const char *screen_svg_path;	/* --screen-svg: the last screen as a picture */
	bool no_screen;		/* --no-screen: no VGA, no screen console */
	const char *json_path;
	const char *trace_path;
	bool stop_at_entry;
	bool quiet;
	bool dry_run;		/* bootscope qemu: print the command line only */
	const char *qemu_args[MAX_QEMU_ARGS];	/* bootscope qemu: raw arguments appended to QEMU's */
	int nr_qemu_args;
	const char *accel;	/* bootscope qemu: "kvm" (default) or "tcg" */
	/* BIOS boots (pc.h): any of these starts the QEMU device-model child. */
	const char *bios;	/* BIOS image; NULL with cdrom/hda means PC_BIOS_DEFAULT */
	const char *cdrom;
	const char *hda;
	bool hda_writable;
	bool no_huge_pages;	/* --no-huge-pages: guest RAM on 4 KiB pages */
	const char *boot_order;	/* "c", "d", "dc", ... */
	/* The sandbox (sandbox.h). */
	bool no_sandbox;
	const char *user;	/* --user: drop to this user after opening /dev/kvm */
	uint64_t output_limit;	/* bytes per output file (RLIMIT_FSIZE) and of guest text passed on */
};

static inline bool vm_config__bios_boot(const struct vm_config *c)
{
	return c->bios || c->cdrom || c->hda;
}

/* Where guest text goes: --serial FILE, else stdout, or stderr when --json - has stdout. */
static inline FILE *vm_config__guest_text(const struct vm_config *c, char *err, size_t errlen)
{
	if (!c->serial_path)
		return c->text_to_stderr ? stderr : stdout;
	return open_output("--serial", c->serial_path, err, errlen);
}

enum outcome {
	OUTCOME_NONE,
	OUTCOME_UNTIL,		/* --until matched */
	OUTCOME_EXIT,		/* isa-debug-exit */
	OUTCOME_SHUTDOWN,	/* triple fault / KVM_EXIT_SHUTDOWN / system reset */
	OUTCOME_HALTED,		/* every vCPU halted with interrupts off, or waiting for SIPI */
	OUTCOME_NO_BOOT,	/* firmware INT 18h/19h: nothing to boot */
	OUTCOME_TIMEOUT,
	OUTCOME_INTERRUPTED,	/* SIGINT / SIGTERM */
	OUTCOME_ENTRY,		/* --stop-at-entry: stopped at the kernel's first instruction */
	OUTCOME_ERROR,
};

/* Time the VMM spent handling exits of one reason, in clock ticks. */
struct exit_stat {
	uint64_t count;
	uint64_t total;
	uint64_t min;
	uint64_t max;
};

static inline void exit_stat__merge(struct exit_stat *to, const struct exit_stat *s)
{
	if (!s->count)
		return;
	to->min = to->count ? MIN(to->min, s->min) : s->min;
	to->max = MAX(to->max, s->max);
	to->count += s->count;
	to->total += s->total;
}

/* n items handled in d ticks (n > 1: a string I/O forward); min and max are per call. */
static inline void exit_stat__add(struct exit_stat *s, uint64_t n, uint64_t d)
{
	s->count += n;
	s->total += d;
	if (s->count == n || d < s->min)
		s->min = d;
	if (d > s->max)
		s->max = d;
}

/* What the idle check found when it kicked a vCPU that had stopped exiting. */
enum cpu_idle {
	IDLE_UNKNOWN,
	IDLE_RUNNING,
	IDLE_HALTED_IF0,	/* HLT with EFLAGS.IF clear: only NMI/INIT can wake it */
	IDLE_HALTED_IF1,
	IDLE_WAIT_SIPI,		/* an AP nobody started */
};

struct vm;

/*
 * What one vCPU's exits added up to. Written by that vCPU's thread alone, with
 * no lock and no allocation (pio_stats is allocated before it starts); the
 * summary reads it after the thread is joined.
 */
struct vcpu_stats {
	struct exit_stat exits[NR_EXIT_REASONS];
	struct exit_stat *pio_stats;	/* per port, 65536 entries */
	struct exit_stat mmio_stats[BUS_MAX_DEVICES + 1];	/* per MMIO device; the last: no device */
	uint64_t guest_ticks;	/* time spent inside KVM_RUN */
	uint64_t book_ticks;	/* after handling, before the next KVM_RUN: counters, trace record */
	uint64_t kicks;		/* KVM_RUN returns caused by our own signal */
	uint64_t deleg_ticks;	/* waiting for the QEMU device model (part of handling) */
	uint64_t deleg_accesses;	/* port/MMIO items forwarded */
	uint64_t deleg_exits;	/* forwards (one per exit, or a few when a device reads before writing) */
	/* Forwarded time per port device (bus.pio index), the last for MMIO; count = items. */
	struct exit_stat deleg_stats[BUS_MAX_DEVICES + 2];
};

/*
 * Where a vCPU was when the run ended, read by its own thread after its last
 * KVM_RUN. A run that ends on a timeout or a signal says, per vCPU, whether
 * the guest sat halted or was still running, and where: a hung boot's first
 * clue.
 */
struct vcpu_end {
	bool known;		/* false: its registers could not be read */
	enum cpu_idle state;	/* RUNNING, HALTED_IF0, HALTED_IF1 or WAIT_SIPI */
	uint16_t cs;
	uint64_t linear;	/* CS base + RIP */
	const char *mode;	/* "real", "protected", "paged protected", "long" */
	struct kvm_regs regs;	/* all of them: a hung guest's lock address is often in one */
	/* Its local APIC (lapic_known): what waits to be delivered, what is being served, its timer. */
	bool lapic_known;
	int irr_top, isr_top;	/* highest vector requested / in service; -1: none */
	uint8_t tpr;
	uint32_t timer_lvt, timer_initial, timer_current;
};

struct kvm_cpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;

	uint64_t t_exit;	/* clock__now() when the current exit left KVM_RUN */
	_Atomic uint64_t t_last_exit;	/* the same, of the last real exit (not a kick) */

	struct vcpu_stats stats;	/* this vCPU's thread only; read after it is joined */
	struct vcpu_end at_end;	/* the same */
	int mmio_dev;		/* the device bus__mmio found for the current exit */
	struct trace_ring *trace;	/* NULL unless --trace */
	uint32_t bp_armed;	/* bit i: vm->bps[i] is still set in DR7 */
	/* Single-stepping to a linear address (kvm_cpu__step_to), this vCPU's thread only. */
	struct {
		bool on;
		uint32_t to;
		int milestone;	/* hit on arrival; -1: none */
		bool stop;	/* --stop-at-entry */
		uint32_t steps;
	} step;
	struct event_log events;

	/* Idle detection handshake with the main thread. */
	_Atomic uint64_t nr_exits;
	atomic_bool idle_check;
	_Atomic int idle;
};

struct run_state {
	atomic_bool claimed;	/* the latch: the first run__end() takes it */
	atomic_bool ended;	/* published after the fields below are written */
	enum outcome outcome;
	int exit_status;
	uint64_t t_end;
	int vcpu;		/* who ended it, -1 for the main thread */
	uint32_t guest_exit_code;
	char message[256];	/* why, for errors and abnormal ends */
	int wake_fd;		/* eventfd the main thread polls */
	int signal_fd;		/* SIGINT, SIGTERM */
};

#define RUN_WATCH_FDS 4	/* descriptors a watched child may have polled at once */

struct vm {
	struct vm_config cfg;
	FILE *json_out;		/* --json, opened before the sandbox; NULL: open at the end */
	bool sandboxed;		/* the seccomp filter is installed (sandbox.h) */
	const char *engine;	/* "kvm" (NULL means it too), "qemu" or "qemu-tcg" */

	int kvm_fd;
	int vm_fd;
	int run_size;

	uint8_t *ram;		/* guest physical address X is ram[X] for X < ram_size */
	uint64_t ram_size;
	int ram_fd;		/* memfd backing ram in BIOS boots, shared with the device-model child; else -1 */
	size_t ram_map_size;	/* what was mapped at ram */
	const char *ram_backing;	/* how, in words (kvm__alloc_memory) */
	uint8_t *rom;		/* firmware ROM image, ROM_SIZE bytes */
	struct memmap map;

	struct bus bus;
	struct milestones ms;

	const struct cpu_model *cpu;
	/* Gives a new vCPU the model's CPUID; set by whoever chose the model (NULL: KVM's defaults). */
	int (*vcpu_setup)(struct kvm_cpu *cpu, char *err, size_t errlen);
	/* What the model makes of this host (cpu/cpuid.h; set by cpuid__init, NULL until then). */
	struct cpu_state *cpu_state;

	int nr_cpus;
	struct kvm_cpu *cpus[MAX_VCPUS];

	atomic_bool started;
	uint64_t t0;		/* first KVM_RUN of vCPU 0 */
	uint64_t t_setup;	/* process start, for the setup cost */
	struct run_state run;

	/* What was booted, for the summary. */
	const char *boot_kind;	/* "multiboot", "linux", "raw" or "bios" */
	const char *boot_file;
	uint32_t boot_entry;
	uint32_t boot_info;	/* guest address of the boot information (Multiboot info, boot_params) */

	/* Hardware breakpoints on vCPU 0: milestones, and the --stop-at-entry stop. */
	struct breakpoint {
		uint32_t addr;	/* linear */
		int milestone;	/* -1: none */
		bool stop;	/* --stop-at-entry */
		atomic_bool *seen;	/* set when hit; may be NULL */
	} bps[4];
	int nr_bps;
	int t0_milestone;	/* milestone id + 1 hit at t0 (0: none) */

	struct pc *pc;		/* BIOS boots only */
	struct vga *vga;	/* the VGA's registers (devices/vga.h); NULL with --no-screen */
	struct screen *screen;	/* the screen console (core/screen.h); NULL until it runs */
	struct typist *typist;	/* --type (core/typist.h); NULL without */
	/*
	 * What the main loop watches besides the vCPUs: a BIOS boot's QEMU
	 * device model, or QEMU itself when it is the engine. fds() fills in the
	 * descriptors to poll now (at most RUN_WATCH_FDS) and returns how many;
	 * after each wake-up poll() gets them back with revents set, does what
	 * came, and returns > 0 while it has more to do soon (the loop then comes
	 * back within 1 ms). The layer that owns the child sets these, so the
	 * core never calls up into it; NULL: nothing to watch.
	 */
	struct {
		int (*fds)(struct vm *vm, struct pollfd *p, int max);
		int (*poll)(struct vm *vm, const struct pollfd *p, int n);
	} watch;
	/* The device model's part of the summary (set with watch; NULL: none). */
	struct {
		struct cJSON *(*json)(const struct vm *vm);	/* the "device_model" object, or NULL */
		void (*print)(const struct vm *vm, FILE *f);	/* its lines in the table */
	} dm_summary;

	/* --stop-at-entry: vCPU 0's state at the loaded guest's first instruction. */
	bool entry_captured;
	struct kvm_regs entry_regs;
	struct kvm_sregs entry_sregs;

	/* Unclaimed port accesses per port, [port][0=read,1=write]. */
	_Atomic uint32_t (*unhandled_pio)[2];
};

/* Time the vCPUs spent waiting for a BIOS boot's device model (part of the VMM's time). */
static inline uint64_t vm__delegated_ticks(const struct vm *vm)
{
	uint64_t t = 0;

	for (int i = 0; i < vm->nr_cpus; i++)
		t += vm->cpus[i]->stats.deleg_ticks;
	return t;
}

#endif
