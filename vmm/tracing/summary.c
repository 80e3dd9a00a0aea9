/*
 * summary.c - the JSON summary and the table on stderr.
 *
 * Everything is recorded in clock ticks; here it becomes nanoseconds, times
 * relative to vm->t0 (the first KVM_RUN of vCPU 0), with the calibration
 * clock.c fitted over the run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "boot/entry.h"
#include "cpu/cpuid.h"
#include "cpu/host.h"
#include "tracing/summary.h"
#include "core/screen.h"
#include "core/typist.h"
#include "core/trace.h"
#include "core/kvm_cpu.h"
#include "core/outcome.h"
#include "core/vm.h"

static double rel(const struct vm *vm, uint64_t t)
{
	return t > vm->t0 ? round(clock__ns(t - vm->t0)) : 0.0;
}

static int cmp_ms(const void *a, const void *b)
{
	const struct milestone *x = *(const struct milestone *const *)a;
	const struct milestone *y = *(const struct milestone *const *)b;

	if (x->hit != y->hit)
		return x->hit ? -1 : 1;
	if (!x->hit)
		return 0;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* Milestones in time order; ones never reached last, in the order given (a stable sort). */
static int sorted_milestones(const struct vm *vm, const struct milestone **out)
{
	int n = vm->ms.n;

	for (int i = 0; i < n; i++) {
		const struct milestone *x = &vm->ms.ms[i];
		int j = i;

		while (j > 0 && cmp_ms(&x, &out[j - 1]) < 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
	return n;
}

static void exit_totals(const struct vm *vm, struct exit_stat *tot, uint64_t *all,
			uint64_t *vmm, uint64_t *guest)
{
	*all = *vmm = *guest = 0;
	memset(tot, 0, sizeof(*tot) * NR_EXIT_REASONS);
	for (int i = 0; i < vm->nr_cpus; i++) {
		const struct kvm_cpu *cpu = vm->cpus[i];

		*guest += cpu->stats.guest_ticks;
		for (int r = 0; r < NR_EXIT_REASONS; r++) {
			exit_stat__merge(&tot[r], &cpu->stats.exits[r]);
			*all += cpu->stats.exits[r].count;
			*vmm += cpu->stats.exits[r].total;
		}
	}
}

static cJSON *event_json(const struct vm *vm, const struct event *e, int vcpu)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "t_ns", rel(vm, e->t));
	cJSON_AddNumberToObject(o, "vcpu", vcpu);
	cJSON_AddStringToObject(o, "kind", event__kind_name((enum event_kind)e->kind));
	switch (e->kind) {
	case EV_POST_CODE:
		cJSON_AddNumberToObject(o, "value", (double)e->a);
		break;
	case EV_UNHANDLED_PIO:
	case EV_UNHANDLED_MMIO:
		cJSON_AddNumberToObject(o, e->kind == EV_UNHANDLED_PIO ? "port" : "address", (double)e->a);
		cJSON_AddNumberToObject(o, "size", e->size);
		cJSON_AddBoolToObject(o, "write", e->write);
		if (e->write)
			cJSON_AddNumberToObject(o, "value", (double)e->b);
		break;
	case EV_MSR_DENIED:
		cJSON_AddNumberToObject(o, "msr", (double)e->a);
		cJSON_AddBoolToObject(o, "write", e->write);
		if (e->write)
			cJSON_AddNumberToObject(o, "value", (double)e->b);
		break;
	case EV_FW_UNSUPPORTED:
		cJSON_AddNumberToObject(o, "vector", (double)e->a);
		cJSON_AddNumberToObject(o, "ax", (double)e->b);
		break;
	default:
		break;
	}
	return o;
}

/* Merge the per-vCPU logs by time: few events, simple selection is enough. */
static cJSON *events_json(const struct vm *vm, uint64_t *total, uint64_t *dropped)
{
	cJSON *list = cJSON_CreateArray();
	uint32_t pos[MAX_VCPUS] = { 0 };

	*total = *dropped = 0;
	for (int i = 0; i < vm->nr_cpus; i++) {
		*total += vm->cpus[i]->events.n + vm->cpus[i]->events.dropped;
		*dropped += vm->cpus[i]->events.dropped;
	}
	for (;;) {
		int best = -1;

		for (int i = 0; i < vm->nr_cpus; i++) {
			const struct event_log *l = &vm->cpus[i]->events;

			if (pos[i] < l->n && (best < 0 || l->ev[pos[i]].t < vm->cpus[best]->events.ev[pos[best]].t))
				best = i;
		}
		if (best < 0)
			break;
		cJSON_AddItemToArray(list, event_json(vm, &vm->cpus[best]->events.ev[pos[best]], best));
		pos[best]++;
	}
	return list;
}

static cJSON *stat_json(const struct exit_stat *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)s->count);
	cJSON_AddNumberToObject(o, "total_ns", clock__whole_ns(s->total));
	cJSON_AddNumberToObject(o, "min_ns", clock__whole_ns(s->min));
	cJSON_AddNumberToObject(o, "max_ns", clock__whole_ns(s->max));
	return o;
}

/* Per port (I/O) and per device (MMIO), merged over vCPUs, busiest first by count. */
static cJSON *ports_json(const struct vm *vm)
{
	cJSON *arr = cJSON_CreateArray();

	for (int p = 0; p < 65536; p++) {
		struct exit_stat st = { 0 };
		const struct bus_device *d;
		cJSON *o;

		for (int i = 0; i < vm->nr_cpus; i++)
			if (vm->cpus[i]->stats.pio_stats)
				exit_stat__merge(&st, &vm->cpus[i]->stats.pio_stats[p]);
		if (!st.count)
			continue;
		o = stat_json(&st);
		cJSON_AddNumberToObject(o, "port", p);
		d = bus__find_pio(&vm->bus, (uint16_t)p);
		cJSON_AddStringToObject(o, "device", d ? d->name : (p == 0x20 || p == 0x21 || p == 0xa0 ||
								    p == 0xa1 || (p >= 0x40 && p <= 0x43) || p == 0x61) ?
								   "in-kernel" : "none");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *mmio_json(const struct vm *vm)
{
	cJSON *arr = cJSON_CreateArray();

	for (int d = 0; d <= BUS_MAX_DEVICES; d++) {
		struct exit_stat st = { 0 };
		cJSON *o;

		for (int i = 0; i < vm->nr_cpus; i++)
			exit_stat__merge(&st, &vm->cpus[i]->stats.mmio_stats[d]);
		if (!st.count)
			continue;
		o = stat_json(&st);
		cJSON_AddStringToObject(o, "device", d < vm->bus.nr_mmio ? vm->bus.mmio[d].name :
					vm->bus.mmio_default.fn ? vm->bus.mmio_default.name : "none");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The intervals between consecutive milestones, from the start to the end of the run. */
static cJSON *phases_json(const struct vm *vm, const struct milestone **ms, int n, uint64_t all_exits)
{
	cJSON *arr = cJSON_CreateArray();
	const char *from = "start";
	uint64_t t_from = vm->t0, ex_from = 0;

	for (int i = 0; i <= n; i++) {
		bool last = i == n || !ms[i]->hit;
		const char *to = last ? "end" : ms[i]->name;
		uint64_t t_to = last ? MAX(vm->run.t_end, t_from) : ms[i]->t;
		uint64_t ex_to = last ? all_exits : ms[i]->exits_at;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "from", from);
		cJSON_AddStringToObject(o, "to", to);
		cJSON_AddNumberToObject(o, "start_ns", rel(vm, t_from));
		cJSON_AddNumberToObject(o, "duration_ns", rel(vm, t_to) - rel(vm, t_from));
		cJSON_AddNumberToObject(o, "exits", (double)(ex_to >= ex_from ? ex_to - ex_from : 0));
		cJSON_AddItemToArray(arr, o);
		if (last)
			break;
		from = to;
		t_from = t_to;
		ex_from = ex_to;
	}
	return arr;
}

/* Why this run's times are not hardware timings, or NULL when they are. */
static const char *timing_note(const struct vm *vm)
{
	if (vm->engine && !strcmp(vm->engine, "qemu-tcg"))
		return "QEMU's software emulation (TCG): not hardware timings";
	return host__info()->timing_note;
}

/* How a vCPU's state at the end of a run reads in the summary and in its JSON. */
static const char *end_state_name(enum cpu_idle state, bool json)
{
	switch (state) {
	case IDLE_HALTED_IF1:
		return "halted";
	case IDLE_HALTED_IF0:
		return json ? "halted-interrupts-off" : "halted with interrupts off";
	case IDLE_WAIT_SIPI:
		return json ? "waiting-for-sipi" : "waiting for SIPI";
	default:
		return "running";
	}
}

static void hex_string(cJSON *o, const char *name, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)v);
	cJSON_AddStringToObject(o, name, b);
}

static cJSON *end_json(const struct vcpu_end *e)
{
	cJSON *o = cJSON_CreateObject(), *r;

	cJSON_AddStringToObject(o, "state", end_state_name(e->state, true));
	hex_string(o, "cs", e->cs);
	hex_string(o, "eip", e->regs.rip);
	hex_string(o, "linear", e->linear);
	cJSON_AddStringToObject(o, "mode", e->mode);
	/* Their 32-bit views, as the entry state (boot/entry.c) gives them. */
	r = cJSON_AddObjectToObject(o, "regs");
	hex_string(r, "eax", (uint32_t)e->regs.rax);
	hex_string(r, "ebx", (uint32_t)e->regs.rbx);
	hex_string(r, "ecx", (uint32_t)e->regs.rcx);
	hex_string(r, "edx", (uint32_t)e->regs.rdx);
	hex_string(r, "esi", (uint32_t)e->regs.rsi);
	hex_string(r, "edi", (uint32_t)e->regs.rdi);
	hex_string(r, "ebp", (uint32_t)e->regs.rbp);
	hex_string(r, "esp", (uint32_t)e->regs.rsp);
	hex_string(r, "eflags", (uint32_t)e->regs.rflags);
	if (e->lapic_known) {
		cJSON *l = cJSON_AddObjectToObject(o, "lapic");

		/* The highest vector waiting in IRR, and in service in ISR; null: none. */
		if (e->irr_top >= 0)
			cJSON_AddNumberToObject(l, "requested", e->irr_top);
		else
			cJSON_AddNullToObject(l, "requested");
		if (e->isr_top >= 0)
			cJSON_AddNumberToObject(l, "in_service", e->isr_top);
		else
			cJSON_AddNullToObject(l, "in_service");
		cJSON_AddNumberToObject(l, "tpr", e->tpr);
		hex_string(l, "timer_lvt", e->timer_lvt);
		cJSON_AddNumberToObject(l, "timer_initial", e->timer_initial);
		cJSON_AddNumberToObject(l, "timer_current", e->timer_current);
	}
	return o;
}

/* "0xec" or "none", for the stderr line. */
static const char *vector_text(int v, char *buf, size_t len)
{
	if (v < 0)
		return "none";
	snprintf(buf, len, "%#x", (unsigned)v);
	return buf;
}

/*
 * The screen console: how often it read and how late it could be (its time
 * resolution), what it saw, and the last text screen, row by row.
 */
static cJSON *screen_json(const struct vm *vm, const struct screen *s)
{
	cJSON *o = cJSON_CreateObject(), *rows, *g;
	int n = screen__rows(s), row, col;

	cJSON_AddStringToObject(o, "source", vm->engine ? "QMP pmemsave" : "guest RAM");
	cJSON_AddNumberToObject(o, "interval_ns", (double)s->interval_ns);
	cJSON_AddNumberToObject(o, "polls", (double)s->polls);
	cJSON_AddNumberToObject(o, "max_gap_ns", clock__whole_ns(s->max_gap));
	cJSON_AddNumberToObject(o, "lines", (double)s->lines);
	cJSON_AddNumberToObject(o, "read_errors", (double)s->read_errors);
	cJSON_AddBoolToObject(o, "geometry_clamped", s->clamped_seen);
	g = cJSON_AddObjectToObject(o, "graphics");
	cJSON_AddNumberToObject(g, "switches", s->graphics_switches);
	if (s->t_graphics)
		cJSON_AddNumberToObject(g, "last_t_ns", rel(vm, s->t_graphics));
	else
		cJSON_AddNullToObject(g, "last_t_ns");
	cJSON_AddBoolToObject(g, "at_end", s->graphics_now);
	cJSON_AddNumberToObject(o, "cols", n ? s->prev->cols : 0);
	cJSON_AddNumberToObject(o, "rows", n);	/* of the screen; "last" holds them up to the last non-blank one */
	if (screen__cursor(s, &row, &col)) {
		cJSON *c = cJSON_AddObjectToObject(o, "cursor");

		cJSON_AddNumberToObject(c, "row", row);
		cJSON_AddNumberToObject(c, "col", col);
	} else {
		cJSON_AddNullToObject(o, "cursor");
	}
	/* Blank rows at the bottom are left out: a screen that showed nothing is an empty list. */
	while (n > 0) {
		char text[SCREEN_TEXT_MAX];

		screen__row_text(s, n - 1, text, sizeof(text));
		if (*text)
			break;
		n--;
	}
	rows = cJSON_AddArrayToObject(o, "last");
	for (int r = 0; r < n; r++) {
		char text[SCREEN_TEXT_MAX];

		screen__row_text(s, r, text, sizeof(text));
		cJSON_AddItemToArray(rows, cJSON_CreateString(text));
	}
	return o;
}

/* --type: each rule, whether it fired, and every press with its time. */
static cJSON *typing_json(const struct vm *vm, const struct typist *t)
{
	cJSON *o = cJSON_CreateObject(), *rules = cJSON_AddArrayToObject(o, "rules"), *presses;
	uint32_t fired = atomic_load(&((struct typist *)t)->fired);

	cJSON_AddNumberToObject(o, "hold_ms", TYPIST_HOLD_MS);
	cJSON_AddNumberToObject(o, "period_ms", TYPIST_PERIOD_MS);
	for (int i = 0; i < t->nr_rules; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "milestone", vm->ms.ms[t->rules[i].milestone].name);
		cJSON_AddStringToObject(r, "text", vm->cfg.types[i].keys);
		int pressed = 0;

		for (int k = 0; k < t->nr_log; k++)
			pressed += t->log[k].rule == i;
		cJSON_AddBoolToObject(r, "fired", fired & (1u << i));
		cJSON_AddNumberToObject(r, "keys", t->rules[i].n);
		cJSON_AddNumberToObject(r, "pressed", pressed);
		cJSON_AddItemToArray(rules, r);
	}
	presses = cJSON_AddArrayToObject(o, "presses");
	for (int i = 0; i < t->nr_log; i++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddNumberToObject(p, "t_ns", rel(vm, t->log[i].t));
		cJSON_AddNumberToObject(p, "rule", t->log[i].rule + 1);
		cJSON_AddStringToObject(p, "key", t->log[i].label);
		cJSON_AddStringToObject(p, "into", t->log[i].serial ? "com1" : "keyboard");
		cJSON_AddItemToArray(presses, p);
	}
	cJSON_AddNumberToObject(o, "presses_total", (double)t->presses);
	cJSON_AddNumberToObject(o, "presses_dropped", (double)t->presses_dropped);
	if (t->error[0])
		cJSON_AddStringToObject(o, "error", t->error);
	else
		cJSON_AddNullToObject(o, "error");
	return o;
}

cJSON *summary__json(const struct vm *vm)
{
	const struct milestone *ms[MAX_MILESTONES];
	struct exit_stat tot[NR_EXIT_REASONS];
	uint64_t all, vmm, guest, ev_total, ev_dropped;
	struct clock_info ci;
	cJSON *root = cJSON_CreateObject(), *o, *arr;
	int n;

	o = cJSON_AddObjectToObject(root, "tool");
	cJSON_AddStringToObject(o, "name", "bootscope");
	cJSON_AddStringToObject(o, "version", VERSION);
	cJSON_AddStringToObject(root, "engine", vm->engine ? vm->engine : "kvm");
	if (timing_note(vm))
		cJSON_AddStringToObject(root, "timing_note", timing_note(vm));
	o = cJSON_AddObjectToObject(root, "host");
	cJSON_AddStringToObject(o, "kvm_module", host__info()->kvm_module);
	cJSON_AddStringToObject(o, "hypervisor", host__info()->hypervisor);
	cJSON_AddBoolToObject(o, "hardware_timings", !timing_note(vm));
	o = cJSON_AddObjectToObject(root, "cpu");
	cJSON_AddStringToObject(o, "model", vm->cpu ? vm->cpu->name : vm->cfg.cpu_model);
	if (vm->cpu && vm->cpu->vendor[0]) {
		cJSON_AddStringToObject(o, "vendor", vm->cpu->vendor);
		cJSON_AddNumberToObject(o, "family", vm->cpu->family);
		cJSON_AddNumberToObject(o, "model_number", vm->cpu->model);
		cJSON_AddNumberToObject(o, "stepping", vm->cpu->stepping);
	}
	arr = cJSON_AddArrayToObject(o, "missing_features");
	for (int w = 0; vm->cpu_state && w < FEAT_NR; w++)
		for (int b = 0; b < 32; b++)
			if (vm->cpu_state->missing[w] & (1u << b)) {
				char name[32];

				cpu_model__feature_names((enum feat_word)w, 1u << b, name, sizeof(name));
				cJSON_AddItemToArray(arr, cJSON_CreateString(name));
			}
	cJSON_AddNumberToObject(root, "smp", vm->cfg.smp);
	cJSON_AddNumberToObject(root, "memory", (double)vm->ram_size);
	if (vm->ram_backing)
		cJSON_AddStringToObject(root, "ram_backing", vm->ram_backing);

	o = cJSON_AddObjectToObject(root, "boot");
	cJSON_AddStringToObject(o, "kind", vm->boot_kind ? vm->boot_kind : "none");
	if (vm->boot_file)
		cJSON_AddStringToObject(o, "file", vm->boot_file);
	cJSON_AddNumberToObject(o, "entry", vm->boot_entry);

	cJSON_AddStringToObject(root, "outcome", outcome__name(vm->run.outcome));
	cJSON_AddStringToObject(root, "message", vm->run.message);
	cJSON_AddNumberToObject(root, "exit_status", vm->run.exit_status);
	if (vm->run.vcpu >= 0)
		cJSON_AddNumberToObject(root, "ended_by_vcpu", vm->run.vcpu);
	else
		cJSON_AddNullToObject(root, "ended_by_vcpu");
	if (vm->run.outcome == OUTCOME_EXIT)
		cJSON_AddNumberToObject(root, "guest_exit_code", vm->run.guest_exit_code);
	else
		cJSON_AddNullToObject(root, "guest_exit_code");
	cJSON_AddNumberToObject(root, "wall_ns", rel(vm, vm->run.t_end));
	cJSON_AddNumberToObject(root, "setup_ns", vm->t0 > vm->t_setup ? clock__whole_ns(vm->t0 - vm->t_setup) : 0);

	clock__info(&ci);
	o = cJSON_AddObjectToObject(root, "clock");
	cJSON_AddStringToObject(o, "source", ci.source);
	cJSON_AddStringToObject(o, "host_clocksource", ci.host_clocksource);
	cJSON_AddNumberToObject(o, "ticks_per_second", round(ci.ticks_per_sec));
	cJSON_AddNumberToObject(o, "resolution_ns", ci.resolution_ns);
	cJSON_AddStringToObject(o, "calibration", clock_use_tsc ?
				"least squares over (CLOCK_MONOTONIC_RAW, TSC) pairs" : "none: nanosecond ticks");
	cJSON_AddNumberToObject(o, "calibration_samples", ci.samples);
	cJSON_AddNumberToObject(o, "calibration_error_ns", round(ci.error_ns));
	cJSON_AddStringToObject(o, "origin", vm->engine ? "exec of QEMU (QEMU's start-up is inside every time)" :
				"first KVM_RUN of vCPU 0");

	arr = cJSON_AddArrayToObject(root, "milestones");
	n = sorted_milestones(vm, ms);
	for (int i = 0; i < n; i++) {
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "name", ms[i]->name);
		if (ms[i]->hit) {
			cJSON_AddNumberToObject(m, "t_ns", rel(vm, ms[i]->t));
			/* The launch clock: from this process's start, set-up (a QEMU child's start) included. */
			cJSON_AddNumberToObject(m, "t_launch_ns", rel(vm, ms[i]->t) +
						  (vm->t0 > vm->t_setup ? clock__whole_ns(vm->t0 - vm->t_setup) : 0));
			if (ms[i]->vcpu >= 0)
				cJSON_AddNumberToObject(m, "vcpu", ms[i]->vcpu);
			else
				cJSON_AddNullToObject(m, "vcpu");
		} else {
			cJSON_AddNullToObject(m, "t_ns");
			cJSON_AddNullToObject(m, "t_launch_ns");
			cJSON_AddNullToObject(m, "vcpu");
		}
		if (ms[i]->hit && milestones__console_name(ms[i]->console))
			cJSON_AddStringToObject(m, "console", milestones__console_name(ms[i]->console));
		else
			cJSON_AddNullToObject(m, "console");
		cJSON_AddItemToArray(arr, m);
	}

	exit_totals(vm, tot, &all, &vmm, &guest);
	if (vm->engine) {
		/* QEMU's exits are its own; without its trace events there is nothing to say about them. */
		cJSON_AddNullToObject(root, "exits");
		cJSON_AddItemToObject(root, "phases", phases_json(vm, ms, n, all));
		goto after_exits;
	}
	o = cJSON_AddObjectToObject(root, "exits");
	cJSON_AddNumberToObject(o, "total", (double)all);
	cJSON_AddNumberToObject(o, "vmm_ns", clock__whole_ns(vmm));
	cJSON_AddNumberToObject(o, "guest_ns", clock__whole_ns(guest));
	{
		uint64_t book = 0, deleg = vm__delegated_ticks(vm);

		for (int i = 0; i < vm->nr_cpus; i++)
			book += vm->cpus[i]->stats.book_ticks;
		cJSON_AddNumberToObject(o, "bookkeeping_ns", clock__whole_ns(book));
		/* vmm_ns split: bootscope's own handling, and waiting for a BIOS boot's device model. */
		cJSON_AddNumberToObject(o, "delegated_ns", clock__whole_ns(deleg));
		cJSON_AddNumberToObject(o, "vmm_own_ns", clock__whole_ns(vmm - MIN(vmm, deleg)));
	}
	{
		cJSON *reasons = cJSON_AddObjectToObject(o, "reasons");

		for (int r = 0; r < NR_EXIT_REASONS; r++)
			if (tot[r].count)
				cJSON_AddItemToObject(reasons, kvm_cpu__exit_name((unsigned)r), stat_json(&tot[r]));
	}
	arr = cJSON_AddArrayToObject(o, "per_vcpu");
	for (int i = 0; i < vm->nr_cpus; i++) {
		const struct kvm_cpu *cpu = vm->cpus[i];
		cJSON *c = cJSON_CreateObject();
		uint64_t cnt = 0;

		for (int r = 0; r < NR_EXIT_REASONS; r++)
			cnt += cpu->stats.exits[r].count;
		cJSON_AddNumberToObject(c, "vcpu", i);
		cJSON_AddNumberToObject(c, "exits", (double)cnt);
		cJSON_AddNumberToObject(c, "guest_ns", clock__whole_ns(cpu->stats.guest_ticks));
		cJSON_AddNumberToObject(c, "last_exit_ns", rel(vm, atomic_load(&cpu->t_last_exit)));
		cJSON_AddNumberToObject(c, "kicks", (double)cpu->stats.kicks);
		if (cpu->at_end.known)
			cJSON_AddItemToObject(c, "at_end", end_json(&cpu->at_end));
		cJSON_AddItemToArray(arr, c);
	}

	cJSON_AddItemToObject(o, "ports", ports_json(vm));
	cJSON_AddItemToObject(o, "mmio", mmio_json(vm));
	cJSON_AddItemToObject(root, "phases", phases_json(vm, ms, n, all));
after_exits:
	if (vm->entry_captured)
		cJSON_AddItemToObject(root, "entry", entry__json(vm));
	if (vm->dm_summary.json) {
		cJSON *dm = vm->dm_summary.json(vm);

		if (dm)
			cJSON_AddItemToObject(root, "device_model", dm);
	}

	if (vm->cfg.trace_path) {
		uint64_t recs, dropped, bytes;
		int error;

		trace__stats(&recs, &dropped, &bytes, &error);
		o = cJSON_AddObjectToObject(root, "trace");
		cJSON_AddStringToObject(o, "file", vm->cfg.trace_path);
		cJSON_AddNumberToObject(o, "records", (double)recs);
		cJSON_AddNumberToObject(o, "dropped", (double)dropped);
		cJSON_AddNumberToObject(o, "bytes", (double)bytes);
		if (error)
			cJSON_AddStringToObject(o, "error", strerror(error));
	}

	o = cJSON_AddObjectToObject(root, "events");
	arr = events_json(vm, &ev_total, &ev_dropped);
	cJSON_AddNumberToObject(o, "total", (double)ev_total);
	cJSON_AddNumberToObject(o, "dropped", (double)ev_dropped);
	cJSON_AddItemToObject(o, "list", arr);

	arr = cJSON_AddArrayToObject(root, "unhandled_io");
	if (vm->unhandled_pio) {
		for (int p = 0; p < 65536; p++) {
			uint32_t rd = atomic_load(&vm->unhandled_pio[p][0]);
			uint32_t wr = atomic_load(&vm->unhandled_pio[p][1]);
			cJSON *u;

			if (!rd && !wr)
				continue;
			u = cJSON_CreateObject();
			cJSON_AddNumberToObject(u, "port", p);
			cJSON_AddNumberToObject(u, "reads", rd);
			cJSON_AddNumberToObject(u, "writes", wr);
			cJSON_AddItemToArray(arr, u);
		}
	}

	if (vm->screen)
		cJSON_AddItemToObject(root, "screen", screen_json(vm, vm->screen));
	else
		cJSON_AddNullToObject(root, "screen");
	if (vm->typist)
		cJSON_AddItemToObject(root, "typing", typing_json(vm, vm->typist));
	else
		cJSON_AddNullToObject(root, "typing");

	o = cJSON_AddObjectToObject(root, "guest_output");
	cJSON_AddNumberToObject(o, "bytes", (double)vm->ms.text_bytes);
	cJSON_AddNumberToObject(o, "lines", (double)vm->ms.lines);
	cJSON_AddStringToObject(o, "last_line", vm->ms.last_line);
	cJSON_AddNumberToObject(o, "dropped_bytes", (double)vm->ms.dropped_bytes);

	o = cJSON_AddObjectToObject(root, "sandbox");
	cJSON_AddBoolToObject(o, "seccomp", vm->sandboxed);
	if (vm->cfg.user)
		cJSON_AddStringToObject(o, "user", vm->cfg.user);
	else
		cJSON_AddNullToObject(o, "user");
	cJSON_AddNumberToObject(o, "output_limit", (double)vm->cfg.output_limit);
	return root;
}

int summary__write_json(struct vm *vm, const char *path)
{
	cJSON *root = summary__json(vm);
	char *text = cJSON_Print(root);
	FILE *f;
	int rc = 0;

	cJSON_Delete(root);
	if (!text) {
		if (vm->json_out)
			fclose(vm->json_out);
		vm->json_out = NULL;
		return -ENOMEM;
	}
	f = vm->json_out ? vm->json_out : strcmp(path, "-") ? fopen(path, "we") : stdout;
	vm->json_out = NULL;
	if (!f) {
		rc = -errno;
	} else {
		if (fputs(text, f) < 0 || fputc('\n', f) < 0)
			rc = -EIO;
		if (f != stdout ? fclose(f) != 0 : fflush(f) != 0)
			rc = rc ? rc : -errno;
	}
	free(text);
	return rc;
}

static void print_ms(FILE *f, double ns)
{
	fprintf(f, "%12.3f ms", ns / 1e6);
}

/* A run that did not end: the screen as it was left, its blank rows at the ends dropped. */
static void print_last_screen(const struct screen *s, FILE *f)
{
	int n = screen__rows(s), first = 0, last = n - 1;
	char text[SCREEN_TEXT_MAX];

	if (s->graphics_now) {
		fputs("  the screen at the end: a graphics mode (not read)\n", f);
		return;
	}
	for (; first < n; first++) {
		screen__row_text(s, first, text, sizeof(text));
		if (*text)
			break;
	}
	for (; last > first; last--) {
		screen__row_text(s, last, text, sizeof(text));
		if (*text)
			break;
	}
	if (first == n) {
		fputs("  the screen at the end: blank\n", f);
		return;
	}
	fprintf(f, "  the screen at the end (rows %d-%d of %d):\n", first + 1, last + 1, n);
	for (int r = first; r <= last; r++) {
		screen__row_text(s, r, text, sizeof(text));
		fprintf(f, "  | %s\n", text);
	}
}

void summary__print(const struct vm *vm, FILE *f)
{
	const struct milestone *ms[MAX_MILESTONES];
	struct exit_stat tot[NR_EXIT_REASONS];
	uint64_t all, vmm, guest;
	int n = sorted_milestones(vm, ms);

	fprintf(f, "bootscope: %s after %.3f ms: %s (exit status %d)\n", outcome__name(vm->run.outcome),
		rel(vm, vm->run.t_end) / 1e6, vm->run.message, vm->run.exit_status);
	fprintf(f, "  %-24s %15s  %-4s  %s\n", "milestone", "time", "vcpu", "console");
	for (int i = 0; i < n; i++) {
		const char *console = milestones__console_name(ms[i]->console);

		fprintf(f, "  %-24s ", ms[i]->name);
		if (ms[i]->hit) {
			print_ms(f, rel(vm, ms[i]->t));
			char vcpu[16];

			snprintf(vcpu, sizeof(vcpu), ms[i]->vcpu >= 0 ? "%d" : "-", ms[i]->vcpu);
			if (console)
				fprintf(f, "  %-4s  %s\n", vcpu, console);
			else
				fprintf(f, "  %s\n", vcpu);
		} else {
			fprintf(f, "%15s\n", "not reached");
		}
	}
	if (timing_note(vm))
		fprintf(f, "  times: %s\n", timing_note(vm));
	if (vm->engine) {
		fprintf(f, "  engine %s: times count from QEMU's exec; its exits are not seen\n", vm->engine);
		return;
	}
	exit_totals(vm, tot, &all, &vmm, &guest);
	fprintf(f, "  exits: %llu (", (unsigned long long)all);
	for (int r = 0, first = 1; r < NR_EXIT_REASONS; r++) {
		if (!tot[r].count)
			continue;
		fprintf(f, "%s%s %llu", first ? "" : ", ", kvm_cpu__exit_name((unsigned)r),
			(unsigned long long)tot[r].count);
		first = 0;
	}
	fprintf(f, "); in the VMM %.3f ms, in the guest %.3f ms\n", clock__ns(vmm) / 1e6,
		clock__ns(guest) / 1e6);
	if (vm->dm_summary.print)
		vm->dm_summary.print(vm, f);
	/* A run the guest did not end: where each vCPU was left, and when it last exited. */
	if (vm->run.outcome == OUTCOME_TIMEOUT || vm->run.outcome == OUTCOME_INTERRUPTED)
		for (int i = 0; i < vm->nr_cpus; i++) {
			const struct kvm_cpu *cpu = vm->cpus[i];
			const struct vcpu_end *e = &cpu->at_end;

			if (!e->known)
				continue;
			fprintf(f, "  vCPU %d at the end: %s at CS:EIP %04x:%08llx (linear 0x%llx, %s mode); ", i,
				end_state_name(e->state, false), e->cs, (unsigned long long)e->regs.rip,
				(unsigned long long)e->linear, e->mode);
			if (atomic_load(&cpu->t_last_exit)) {
				fputs("last exit at ", f);
				print_ms(f, rel(vm, atomic_load(&cpu->t_last_exit)));
			} else {
				fputs("no exit", f);
			}
			if (e->lapic_known) {
				char a[16], b[16];

				fprintf(f, "; LAPIC requested %s, in service %s, TPR %#x, timer LVT %#x count %u of %u",
					vector_text(e->irr_top, a, sizeof(a)), vector_text(e->isr_top, b, sizeof(b)),
					e->tpr, e->timer_lvt, e->timer_current, e->timer_initial);
			}
			fputc('\n', f);
		}
	if (vm->typist)
		for (int i = 0; i < vm->typist->nr_rules; i++)
			if (!(atomic_load(&vm->typist->fired) & (1u << i)))
				fprintf(f, "  typing: --type '%s=%s' never fired: no line matched\n", vm->cfg.types[i].regex,
					vm->cfg.types[i].keys);
	if (vm->screen && (vm->run.outcome == OUTCOME_TIMEOUT || vm->run.outcome == OUTCOME_INTERRUPTED))
		print_last_screen(vm->screen, f);
	if (vm->ms.dropped_bytes)
		fprintf(f, "  guest text: %llu bytes beyond --output-limit were not written\n",
			(unsigned long long)vm->ms.dropped_bytes);
	if (vm->cfg.no_sandbox)
		fputs("  sandbox: off (--no-sandbox): the guest ran without the seccomp allowlist\n", f);
}

void summary__screen_verdict(struct vm *vm, FILE *log, FILE *svg)
{
	bool svg_bad = false, log_bad = false;

	if (svg) {
		svg_bad = (vm->screen && screen__write_svg(vm->screen, svg) < 0);
		svg_bad |= fclose(svg) != 0;
	}
	if (log)
		log_bad = fclose(log) != 0;
	if (svg_bad)
		fprintf(stderr, "%s: cannot write --screen-svg %s\n", progname, vm->cfg.screen_svg_path);
	if (log_bad)
		fprintf(stderr, "%s: cannot write --screen %s\n", progname, vm->cfg.screen_path);
	if (vm->typist && vm->typist->error[0])
		fprintf(stderr, "%s: --type: %s\n", progname, vm->typist->error);
	if ((svg_bad || log_bad || (vm->typist && vm->typist->error[0])) && vm->run.exit_status == EXIT_OK)
		vm->run.exit_status = EXIT_ERROR;
}

/* An error after the options were read: one line on stderr, and still the --json summary. */
int summary__fail(struct vm *vm, const char *msg)
{
	fprintf(stderr, "%s: %s\n", progname, msg);
	vm->run.outcome = OUTCOME_ERROR;
	vm->run.exit_status = EXIT_ERROR;
	vm->run.vcpu = -1;
	snprintf(vm->run.message, sizeof(vm->run.message), "%.*s", (int)sizeof(vm->run.message) - 1, msg);
	if (vm->cfg.json_path)
		summary__write_json(vm, vm->cfg.json_path);
	return EXIT_ERROR;
}
