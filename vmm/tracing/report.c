/*
 * report.c - `bootscope report TRACE [--format F] [-o FILE]`.
 *
 * text: like `perf kvm stat`: VMM time per exit reason and per port or MMIO
 * device (count, share, total, min, mean, p50, p99, max), time in the guest
 * between exits, and the phases between consecutive milestones.
 * json: the same tables. csv: one row per record. chrome: Chrome Trace
 * Event JSON (Perfetto, chrome://tracing): a track per vCPU, exits as
 * slices, milestones as instant events. svg: exits per millisecond over boot
 * time per vCPU, milestones as labelled lines.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/events.h"
#include "tracing/report.h"
#include "lib/util.h"
#include "core/kvm_cpu.h"
#include "core/vm.h"

static double ns(const struct trace_file *t, uint64_t ticks)
{
	return (double)ticks * 1e9 / t->ticks_per_sec;
}

static double rel_ns(const struct trace_file *t, uint64_t ticks)
{
	return ticks > t->t0 ? ns(t, ticks - t->t0) : 0;
}

/* ---- grouping exits: by reason, and by port / MMIO device ---- */

struct sample {
	uint64_t key;
	uint64_t dur;		/* ticks in the VMM */
};

struct group {
	uint64_t key;
	uint64_t count;
	double total, min, mean, p50, p99, max;	/* ns */
};

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->dur < y->dur ? -1 : x->dur > y->dur;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->total > y->total ? -1 : x->total < y->total;
}

/* Summarise runs of equal keys; samples are sorted in place. Returns the group count. */
static size_t summarise(const struct trace_file *t, struct sample *s, size_t n, struct group *g)
{
	size_t ng = 0;

	qsort(s, n, sizeof(*s), cmp_sample);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double total = 0;

		while (j < n && s[j].key == s[i].key)
			total += ns(t, s[j++].dur);
		g[ng++] = (struct group){
			.key = s[i].key, .count = j - i, .total = total, .min = ns(t, s[i].dur),
			.mean = total / (double)(j - i), .p50 = ns(t, s[i + (j - i - 1) / 2].dur),
			.p99 = ns(t, s[i + (size_t)ceil(0.99 * (double)(j - i)) - 1].dur),
			.max = ns(t, s[j - 1].dur) };
		i = j;
	}
	qsort(g, ng, sizeof(*g), cmp_group);
	return ng;
}

#define KEY_MMIO (1ULL << 62)
#define KEY_OTHER (1ULL << 61)

static uint64_t port_key(const struct trace_file *t, const struct trace_rec *r)
{
	if (r->flags & TRF_NO_ADDR)
		return KEY_OTHER | r->reason;
	if (r->reason == KVM_EXIT_IO)
		return r->addr & 0xffff;
	if (r->reason == KVM_EXIT_MMIO) {
		for (uint32_t i = 0; i < t->nr_devs; i++)
			if (t->devs[i].type == 2 && r->addr - t->devs[i].base < t->devs[i].len)
				return KEY_MMIO | i;
		return KEY_MMIO | 0xffffffffULL | (r->addr >> 12) << 32;	/* an unclaimed page */
	}
	return KEY_OTHER | r->reason;
}

static void port_label(const struct trace_file *t, uint64_t key, char *buf, size_t len)
{
	if (key & KEY_OTHER) {
		snprintf(buf, len, "%s", kvm_cpu__exit_name((unsigned)(key & 0xff)));
	} else if (key & KEY_MMIO) {
		uint32_t dev = (uint32_t)key;

		if (dev != 0xffffffffu)
			snprintf(buf, len, "mmio %s", t->devs[dev].name);
		else
			snprintf(buf, len, "mmio page 0x%llx", (unsigned long long)((key & ~KEY_MMIO) >> 32) << 12);
	} else {
		const char *name = "-";

		for (uint32_t i = 0; i < t->nr_devs; i++)
			if (t->devs[i].type == 1 && key - t->devs[i].base < t->devs[i].len)
				name = t->devs[i].name;
		snprintf(buf, len, "io 0x%04llx %s", (unsigned long long)key, name);
	}
}

/* Forwarded accesses (BIOS boots) by the device that answered: a named port range, else "qemu". */
#define KEY_QEMU_PORTS 0xffffffffULL
#define KEY_QEMU_MMIO 0xfffffffeULL

static uint64_t deleg_key(const struct trace_file *t, const struct trace_rec *r)
{
	if (r->flags & TRF_MMIO)
		return KEY_QEMU_MMIO;
	for (uint32_t i = t->nr_devs; i-- > 0;) {
		if (t->devs[i].type != 1 || (r->addr & 0xffff) - t->devs[i].base >= t->devs[i].len)
			continue;
		/* The first range of that name: a device may own several. */
		for (uint32_t j = 0; j < i; j++)
			if (t->devs[j].type == 1 && !strcmp(t->devs[j].name, t->devs[i].name))
				return j;
		return i;
	}
	return KEY_QEMU_PORTS;
}

static const char *deleg_label(const struct trace_file *t, uint64_t key)
{
	return key == KEY_QEMU_MMIO ? "mmio (qemu)" : key == KEY_QEMU_PORTS ? "qemu" : t->devs[key].name;
}

struct tables {
	struct group *reasons, *ports, *deleg;
	size_t nr_reasons, nr_ports, nr_deleg, exits, forwards;
	struct group guest;	/* time in the guest before each exit */
	double exit_total, deleg_total;
};

static int build_tables(const struct trace_file *t, struct tables *tb)
{
	struct sample *s = malloc((t->nr + 1) * sizeof(*s)), *p = malloc((t->nr + 1) * sizeof(*p));
	struct sample *gs = malloc((t->nr + 1) * sizeof(*gs)), *ds = malloc((t->nr + 1) * sizeof(*ds));
	size_t n = 0, nd = 0;
	int rc;

	memset(tb, 0, sizeof(*tb));
	tb->reasons = malloc((t->nr + 1) * sizeof(struct group));
	tb->ports = malloc((t->nr + 1) * sizeof(struct group));
	tb->deleg = malloc((t->nr + 1) * sizeof(struct group));
	if (!s || !p || !gs || !ds || !tb->reasons || !tb->ports || !tb->deleg) {
		free(s), free(p), free(gs), free(ds);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];

		if (r->kind == TR_FORWARD) {
			ds[nd++] = (struct sample){ deleg_key(t, r), r->t_exit - r->t_enter };
			tb->deleg_total += ns(t, r->t_exit - r->t_enter);
			continue;
		}
		if (r->kind != TR_EXIT)
			continue;
		s[n] = (struct sample){ r->reason, r->t_done - r->t_exit };
		p[n] = (struct sample){ port_key(t, r), r->t_done - r->t_exit };
		gs[n] = (struct sample){ 0, r->t_exit - r->t_enter };
		tb->exit_total += ns(t, r->t_done - r->t_exit);
		n++;
	}
	tb->exits = n;
	tb->nr_reasons = summarise(t, s, n, tb->reasons);
	tb->nr_ports = summarise(t, p, n, tb->ports);
	tb->forwards = nd;
	tb->nr_deleg = summarise(t, ds, nd, tb->deleg);
	/* Guest time is one group: every sample has key 0. */
	rc = n && summarise(t, gs, n, &tb->guest) != 1 ? -EINVAL : 0;
	free(s), free(p), free(gs), free(ds);
	return rc;
}

static void free_tables(struct tables *tb)
{
	free(tb->reasons);
	free(tb->ports);
	free(tb->deleg);
}

/* Phases: from the start through each milestone, in time order, to the end. */
struct phase {
	const char *from, *to;
	uint64_t start, end;	/* ticks */
	uint64_t exits;
	uint64_t deleg;		/* ticks waiting for the QEMU device model */
};

static size_t build_phases(const struct trace_file *t, struct phase *ph, size_t max)
{
	const char *from = "start";
	uint64_t start = t->t0, exits = 0, deleg = 0;
	size_t n = 0;

	for (size_t i = 0; i < t->nr && n + 1 < max; i++) {
		const struct trace_rec *r = &t->recs[i];

		if (r->kind == TR_EXIT) {
			exits++;
		} else if (r->kind == TR_FORWARD) {
			deleg += r->t_exit - r->t_enter;
		} else if (r->kind == TR_MILESTONE) {
			ph[n++] = (struct phase){ from, t->ms_names[r->addr], start, r->t_exit, exits, deleg };
			from = t->ms_names[r->addr];
			start = r->t_exit;
			exits = deleg = 0;
		}
	}
	ph[n++] = (struct phase){ from, "end", start, MAX(t->t_end, start), exits, deleg };
	return n;
}

/* ---- text ---- */

/*
 * The QEMU engine's traces come from QEMU's kvm_run_exit events: each exit's
 * time and reason, but not its port or address, nor how long QEMU took to
 * handle it (TRF_NO_ADDR). Those columns are "not recorded", never zeros.
 */
static bool vmm_time_recorded(const struct trace_file *t)
{
	size_t exits = 0, no_addr = 0;

	for (size_t i = 0; i < t->nr; i++)
		if (t->recs[i].kind == TR_EXIT) {
			exits++;
			no_addr += !!(t->recs[i].flags & TRF_NO_ADDR);
		}
	return !exits || no_addr < exits;
}

/* Why a trace may be incomplete, in one sentence for the reader; NULL when it is whole. */
static const char *incomplete(const struct trace_file *t, char *buf, size_t len)
{
	if (t->partial)
		snprintf(buf, len, "partial trace: its trailer is missing (the run that wrote it was killed or "
			 "crashed); read %zu complete records%s; milestones are known by number, and the device map, "
			 "the records the rings dropped and the outcome are unknown", t->nr,
			 t->partial_torn ? " (the bytes after them are a record cut short, not read)" : "");
	else if (t->flags & TRACE_ENDED_AT_LIMIT)
		snprintf(buf, len, "the trace reached --output-limit: the records after that were not written "
			 "(counted as dropped)");
	else
		return NULL;
	return buf;
}

static void text_group(FILE *o, const char *label, const struct group *g, double all)
{
	fprintf(o, "  %-28s %8llu %6.1f%% %11.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", label,
		(unsigned long long)g->count, all ? 100.0 * g->total / all : 0, g->total / 1e3, g->min / 1e3,
		g->mean / 1e3, g->p50 / 1e3, g->p99 / 1e3, g->max / 1e3);
}

static int write_text(const struct trace_file *t, FILE *o)
{
	char why[400];
	struct tables tb;
	struct phase ph[TRACE_MAX_NAMES + 2];
	size_t nph = build_phases(t, ph, ARRAY_SIZE(ph));
	uint64_t dropped = 0;
	char label[96];

	if (build_tables(t, &tb))
		return -ENOMEM;
	for (uint32_t i = 0; i < t->nr_rings; i++)
		dropped += t->ring_dropped[i];
	if (t->partial)
		fprintf(o, "%zu records (%zu exits) from %u vCPU%s; unfinished: the last record is at %.3f ms\n", t->nr,
			tb.exits, t->nr_vcpus, t->nr_vcpus > 1 ? "s" : "", rel_ns(t, t->t_end) / 1e6);
	else
		fprintf(o, "%zu records (%zu exits) from %u vCPU%s, %llu dropped; outcome %s after %.3f ms\n", t->nr,
			tb.exits, t->nr_vcpus, t->nr_vcpus > 1 ? "s" : "", (unsigned long long)dropped, t->outcome,
			rel_ns(t, t->t_end) / 1e6);
	if (incomplete(t, why, sizeof(why)))
		fprintf(o, "%s\n", why);
	fprintf(o, "clock: %s, %.3f MHz, calibration error %.0f ns\n\n",
		t->clock_source == 1 ? "TSC" : "CLOCK_MONOTONIC_RAW", t->ticks_per_sec / 1e6, t->error_ns);
	if (!vmm_time_recorded(t)) {
		fprintf(o, "exits per reason                 count  (recorded by the QEMU engine: the time QEMU took "
			"per exit, and the port or address, are not recorded)\n");
		for (size_t i = 0; i < tb.nr_reasons; i++)
			fprintf(o, "  %-28s %8llu\n", kvm_cpu__exit_name((unsigned)tb.reasons[i].key),
				(unsigned long long)tb.reasons[i].count);
	} else {
		fprintf(o, "VMM time per exit reason (us)  %8s %7s %11s %9s %9s %9s %9s %9s\n", "count", "share",
			"total", "min", "mean", "p50", "p99", "max");
		for (size_t i = 0; i < tb.nr_reasons; i++)
			text_group(o, kvm_cpu__exit_name((unsigned)tb.reasons[i].key), &tb.reasons[i], tb.exit_total);
		fprintf(o, "\nVMM time per port or region (us)\n");
		for (size_t i = 0; i < tb.nr_ports; i++) {
			port_label(t, tb.ports[i].key, label, sizeof(label));
			text_group(o, label, &tb.ports[i], tb.exit_total);
		}
	}
	if (tb.exits) {
		fprintf(o, "\nguest time between exits (us)\n");
		text_group(o, "in the guest", &tb.guest, tb.guest.total);
	}
	if (tb.forwards) {
		fprintf(o, "\nQEMU device model time per device (us)\n");
		for (size_t i = 0; i < tb.nr_deleg; i++)
			text_group(o, deleg_label(t, tb.deleg[i].key), &tb.deleg[i], tb.deleg_total);
		fprintf(o, "\ntime split: guest %.3f ms, bootscope %.3f ms, QEMU device model %.3f ms "
			"(%zu forwards)\n", (rel_ns(t, t->t_end) - tb.exit_total) / 1e6,
			(tb.exit_total - tb.deleg_total) / 1e6, tb.deleg_total / 1e6, tb.forwards);
	}
	fprintf(o, "\nphases                                       start (ms)  duration (ms)    exits%s\n",
		tb.forwards ? "  device model (ms)" : "");
	for (size_t i = 0; i < nph; i++) {
		snprintf(label, sizeof(label), "%s -> %s", ph[i].from, ph[i].to);
		fprintf(o, "  %-40s %12.3f %14.3f %8llu", label, rel_ns(t, ph[i].start) / 1e6,
			(rel_ns(t, ph[i].end) - rel_ns(t, ph[i].start)) / 1e6, (unsigned long long)ph[i].exits);
		if (tb.forwards)
			fprintf(o, " %18.3f", ns(t, ph[i].deleg) / 1e6);
		fputc('\n', o);
	}
	free_tables(&tb);
	return 0;
}

/* ---- json ---- */

static cJSON *group_json(const struct group *g, double all)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)g->count);
	cJSON_AddNumberToObject(o, "share", all ? g->total / all : 0);
	cJSON_AddNumberToObject(o, "total_ns", round(g->total));
	cJSON_AddNumberToObject(o, "min_ns", round(g->min));
	cJSON_AddNumberToObject(o, "mean_ns", round(g->mean));
	cJSON_AddNumberToObject(o, "p50_ns", round(g->p50));
	cJSON_AddNumberToObject(o, "p99_ns", round(g->p99));
	cJSON_AddNumberToObject(o, "max_ns", round(g->max));
	return o;
}

static int print_json(cJSON *root, FILE *o)
{
	char *s = cJSON_Print(root);
	int rc = s && fputs(s, o) >= 0 && fputc('\n', o) != EOF ? 0 : -EIO;

	free(s);
	cJSON_Delete(root);
	return rc;
}

static int write_json(const struct trace_file *t, FILE *o)
{
	struct tables tb;
	struct phase ph[TRACE_MAX_NAMES + 2];
	size_t nph = build_phases(t, ph, ARRAY_SIZE(ph));
	cJSON *root = cJSON_CreateObject(), *arr, *x;
	uint64_t dropped = 0;
	char label[96];

	if (build_tables(t, &tb)) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->nr_rings; i++)
		dropped += t->ring_dropped[i];
	cJSON_AddNumberToObject(root, "records", (double)t->nr);
	cJSON_AddNumberToObject(root, "exits", (double)tb.exits);
	cJSON_AddNumberToObject(root, "dropped", (double)dropped);
	cJSON_AddNumberToObject(root, "vcpus", t->nr_vcpus);
	cJSON_AddStringToObject(root, "outcome", t->outcome);
	cJSON_AddBoolToObject(root, "partial", t->partial);
	cJSON_AddBoolToObject(root, "ended_at_output_limit", t->flags & TRACE_ENDED_AT_LIMIT);
	{
		char why[400];

		if (incomplete(t, why, sizeof(why)))
			cJSON_AddStringToObject(root, "incomplete", why);
		else
			cJSON_AddNullToObject(root, "incomplete");
	}
	/* The QEMU engine records neither the VMM's time per exit nor ports: null, not 0. */
	cJSON_AddBoolToObject(root, "vmm_time_recorded", vmm_time_recorded(t));
	cJSON_AddNumberToObject(root, "wall_ns", round(rel_ns(t, t->t_end)));
	x = cJSON_AddObjectToObject(root, "clock");
	cJSON_AddStringToObject(x, "source", t->clock_source == 1 ? "tsc" : "CLOCK_MONOTONIC_RAW");
	cJSON_AddNumberToObject(x, "ticks_per_second", round(t->ticks_per_sec));
	cJSON_AddNumberToObject(x, "calibration_error_ns", round(t->error_ns));
	arr = cJSON_AddArrayToObject(root, "reasons");
	for (size_t i = 0; i < tb.nr_reasons; i++) {
		if (vmm_time_recorded(t)) {
			x = group_json(&tb.reasons[i], tb.exit_total);
		} else {
			x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "count", (double)tb.reasons[i].count);
			cJSON_AddNullToObject(x, "total_ns");
		}
		cJSON_AddStringToObject(x, "reason", kvm_cpu__exit_name((unsigned)tb.reasons[i].key));
		cJSON_AddItemToArray(arr, x);
	}
	arr = cJSON_AddArrayToObject(root, "ports");
	for (size_t i = 0; i < tb.nr_ports && vmm_time_recorded(t); i++) {
		x = group_json(&tb.ports[i], tb.exit_total);
		port_label(t, tb.ports[i].key, label, sizeof(label));
		cJSON_AddStringToObject(x, "name", label);
		cJSON_AddItemToArray(arr, x);
	}
	if (tb.exits)
		cJSON_AddItemToObject(root, "guest", group_json(&tb.guest, tb.guest.total));
	arr = cJSON_AddArrayToObject(root, "delegated");
	for (size_t i = 0; i < tb.nr_deleg; i++) {
		x = group_json(&tb.deleg[i], tb.deleg_total);
		cJSON_AddStringToObject(x, "device", deleg_label(t, tb.deleg[i].key));
		cJSON_AddItemToArray(arr, x);
	}
	x = cJSON_AddObjectToObject(root, "split");
	/* Guest: all of the run that no exit's handling took (time in KVM_RUN, kicks included). */
	if (vmm_time_recorded(t)) {
		cJSON_AddNumberToObject(x, "guest_ns", round(MAX(rel_ns(t, t->t_end) - tb.exit_total, 0)));
		cJSON_AddNumberToObject(x, "bootscope_ns", round(tb.exit_total - tb.deleg_total));
	} else {
		cJSON_AddNullToObject(x, "guest_ns");
		cJSON_AddNullToObject(x, "bootscope_ns");
	}
	cJSON_AddNumberToObject(x, "device_model_ns", round(tb.deleg_total));
	cJSON_AddNumberToObject(x, "forwarded", (double)tb.forwards);
	arr = cJSON_AddArrayToObject(root, "phases");
	for (size_t i = 0; i < nph; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "from", ph[i].from);
		cJSON_AddStringToObject(x, "to", ph[i].to);
		cJSON_AddNumberToObject(x, "start_ns", round(rel_ns(t, ph[i].start)));
		cJSON_AddNumberToObject(x, "duration_ns", round(rel_ns(t, ph[i].end) - rel_ns(t, ph[i].start)));
		cJSON_AddNumberToObject(x, "exits", (double)ph[i].exits);
		cJSON_AddNumberToObject(x, "device_model_ns", round(ns(t, ph[i].deleg)));
		cJSON_AddItemToArray(arr, x);
	}
	free_tables(&tb);
	return print_json(root, o);
}

/* ---- csv ---- */

static const char *kind_name(const struct trace_rec *r)
{
	return r->kind == TR_EXIT ? "exit" : r->kind == TR_EVENT ? "event" :
	       r->kind == TR_FORWARD ? "forward" : "milestone";
}

static int write_csv(const struct trace_file *t, FILE *o)
{
	fprintf(o, "kind,vcpu,what,t_enter_ns,t_exit_ns,t_done_ns,guest_ns,vmm_ns,addr,size,write,count,value\n");
	for (size_t i = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];
		const char *what = r->kind == TR_EXIT ? kvm_cpu__exit_name(r->reason) :
				   r->kind == TR_EVENT ? event__kind_name((enum event_kind)r->reason) :
				   r->kind == TR_FORWARD ? deleg_label(t, deleg_key(t, r)) :
				   t->ms_names[r->addr];

		/* A forward's span is VMM time (the round trip), not guest time. */
		bool fwd = r->kind == TR_FORWARD;

		fprintf(o, "%s,%d,%s,%.0f,%.0f,%.0f,%.0f,%.0f,0x%llx,%u,%u,%u,0x%llx\n", kind_name(r),
			r->vcpu == TRACE_MAIN_THREAD ? -1 : r->vcpu, what, rel_ns(t, r->t_enter),
			rel_ns(t, r->t_exit), rel_ns(t, r->t_done), fwd ? 0 : ns(t, r->t_exit - r->t_enter),
			fwd ? ns(t, r->t_exit - r->t_enter) : ns(t, r->t_done - r->t_exit),
			(unsigned long long)r->addr, r->size,
			!!(r->flags & TRF_WRITE), r->count, (unsigned long long)r->value);
	}
	return ferror(o) ? -EIO : 0;
}

/* ---- chrome trace events ---- */

static int write_chrome(const struct trace_file *t, FILE *o)
{
	cJSON *root = cJSON_CreateObject(), *ev = cJSON_AddArrayToObject(root, "traceEvents"), *x, *a;
	char label[96];

	cJSON_AddStringToObject(root, "displayTimeUnit", "ns");
	for (uint32_t v = 0; v < t->nr_vcpus; v++) {
		snprintf(label, sizeof(label), "vCPU %u", v);
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "ph", "M");
		cJSON_AddStringToObject(x, "name", "thread_name");
		cJSON_AddNumberToObject(x, "pid", 1);
		cJSON_AddNumberToObject(x, "tid", v);
		a = cJSON_AddObjectToObject(x, "args");
		cJSON_AddStringToObject(a, "name", label);
		cJSON_AddItemToArray(ev, x);
	}
	for (size_t i = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];

		x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "pid", 1);
		cJSON_AddNumberToObject(x, "tid", r->vcpu == TRACE_MAIN_THREAD ? 0 : r->vcpu);
		cJSON_AddNumberToObject(x, "ts", rel_ns(t, r->t_exit) / 1e3);
		if (r->kind == TR_EXIT) {
			if (r->reason == KVM_EXIT_IO || r->reason == KVM_EXIT_MMIO)
				port_label(t, port_key(t, r), label, sizeof(label));
			else
				snprintf(label, sizeof(label), "%s", kvm_cpu__exit_name(r->reason));
			cJSON_AddStringToObject(x, "ph", "X");
			cJSON_AddStringToObject(x, "cat", "exit");
			cJSON_AddStringToObject(x, "name", label);
			cJSON_AddNumberToObject(x, "dur", ns(t, r->t_done - r->t_exit) / 1e3);
			a = cJSON_AddObjectToObject(x, "args");
			cJSON_AddNumberToObject(a, "guest_ns", round(ns(t, r->t_exit - r->t_enter)));
			cJSON_AddNumberToObject(a, "addr", (double)r->addr);
			cJSON_AddNumberToObject(a, "value", (double)r->value);
			cJSON_AddBoolToObject(a, "write", r->flags & TRF_WRITE);
		} else if (r->kind == TR_FORWARD) {
			/* Inside its exit's slice: the round trip to the QEMU device model. */
			cJSON_SetNumberValue(cJSON_GetObjectItem(x, "ts"), rel_ns(t, r->t_enter) / 1e3);
			cJSON_AddStringToObject(x, "ph", "X");
			cJSON_AddStringToObject(x, "cat", "device-model");
			cJSON_AddStringToObject(x, "name", deleg_label(t, deleg_key(t, r)));
			cJSON_AddNumberToObject(x, "dur", ns(t, r->t_exit - r->t_enter) / 1e3);
			a = cJSON_AddObjectToObject(x, "args");
			cJSON_AddNumberToObject(a, "addr", (double)r->addr);
			cJSON_AddNumberToObject(a, "items", r->count);
			cJSON_AddBoolToObject(a, "write", r->flags & TRF_WRITE);
		} else {
			cJSON_AddStringToObject(x, "ph", "i");
			cJSON_AddStringToObject(x, "cat", r->kind == TR_EVENT ? "event" : "milestone");
			cJSON_AddStringToObject(x, "name", r->kind == TR_EVENT ?
					       event__kind_name((enum event_kind)r->reason) : t->ms_names[r->addr]);
			cJSON_AddStringToObject(x, "s", r->kind == TR_MILESTONE ? "g" : "t");
		}
		cJSON_AddItemToArray(ev, x);
	}
	return print_json(root, o);
}

/* ---- svg ---- */

static int write_svg(const struct trace_file *t, FILE *o)
{
	const int W = 1000, left = 70, right = 20, top = 90, lane = 110, bottom = 60;
	const int plot_w = W - left - right, H = top + lane * (int)t->nr_vcpus + bottom;
	double total_ms = MAX(rel_ns(t, t->t_end) / 1e6, 1e-3);
	/* One bin per millisecond where it fits (compared as doubles: a damaged trace can say years). */
	int bins = total_ms >= plot_w ? plot_w : MAX(1, (int)ceil(total_ms));
	double bin_ms = total_ms / bins, step;
	uint64_t *count = calloc((size_t)bins * t->nr_vcpus, sizeof(*count)), peak = 1;

	if (!count)
		return -ENOMEM;
	for (size_t i = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];
		double x;
		int b;

		if (r->kind != TR_EXIT || r->vcpu >= t->nr_vcpus)
			continue;
		/* Clamp as a double: a record far past the end must not become a wild index. */
		x = rel_ns(t, r->t_exit) / 1e6 / bin_ms;
		b = x >= bins - 1 ? bins - 1 : x < 0 ? 0 : (int)x;
		peak = MAX(peak, ++count[(size_t)r->vcpu * bins + (size_t)b]);
	}
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "font-family=\"sans-serif\" font-size=\"11\">\n"
		   "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
		   "<text x=\"%d\" y=\"20\" font-size=\"14\">VM exits over boot time, in bins of %.3g ms (outcome %s after %.3f ms)</text>\n",
		W, H, W, H, W, H, left, bin_ms, t->outcome, total_ms);
	for (uint32_t v = 0; v < t->nr_vcpus; v++) {
		int y0 = top + lane * (int)v, base = y0 + lane - 20;

		fprintf(o, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">vCPU %u</text>\n", left + 6, y0 + 14, v);
		fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, y0 + 5, left, base);
		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>\n", left - 4, y0 + 12,
			(unsigned long long)peak);
		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4, base);
		for (int b = 0; b < bins; b++) {
			uint64_t c = count[(size_t)v * bins + (size_t)b];
			double h = (double)c / (double)peak * (lane - 30);

			if (c)
				fprintf(o, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#3b6fb6\"/>\n",
					left + (double)b * plot_w / bins, base - h, MAX((double)plot_w / bins, 0.5), h);
		}
		fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, base, W - right, base);
	}
	/* Time axis, in ms, with about ten ticks at round values. */
	step = pow(10, floor(log10(total_ms / 10)));
	if (total_ms / step > 20)
		step *= 5;
	else if (total_ms / step > 10)
		step *= 2;
	for (double x = 0; x <= total_ms + 1e-9; x += step)
		fprintf(o, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			left + x / total_ms * plot_w, H - bottom + 15, x);
	fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">boot time (ms)</text>\n", left + plot_w / 2, H - 15);
	fprintf(o, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">exits per bin</text>\n",
		top + lane / 2, top + lane / 2);
	/* Milestones: dashed lines, labels on three staggered rows so close ones stay legible. */
	for (size_t i = 0, k = 0; i < t->nr; i++) {
		const struct trace_rec *r = &t->recs[i];
		double x;
		int y;

		if (r->kind != TR_MILESTONE)
			continue;
		x = left + rel_ns(t, r->t_exit) / 1e6 / total_ms * plot_w;
		y = top - 10 - (int)(k++ % 3) * 14;
		fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c0392b\" stroke-dasharray=\"4 2\"/>\n",
			x, y + 3, x, H - bottom);
		/* Near the right edge the label goes to the left of its line. */
		fprintf(o, "<text x=\"%.1f\" y=\"%d\" fill=\"#c0392b\" text-anchor=\"%s\">",
			x > W - 180 ? x - 3 : x + 3, y, x > W - 180 ? "end" : "start");
		xml__text(o, t->ms_names[r->addr]);	/* the user's --mark name, or a damaged file's */
		fprintf(o, " %.3f ms</text>\n", rel_ns(t, r->t_exit) / 1e6);
	}
	fprintf(o, "</svg>\n");
	free(count);
	return ferror(o) ? -EIO : 0;
}

int report__write(const struct trace_file *t, enum report_format f, FILE *out)
{
	switch (f) {
	case REPORT_TEXT: return write_text(t, out);
	case REPORT_JSON: return write_json(t, out);
	case REPORT_CSV: return write_csv(t, out);
	case REPORT_CHROME: return write_chrome(t, out);
	case REPORT_SVG: return write_svg(t, out);
	}
	return -EINVAL;
}

int report__main(int argc, char **argv)
{
	static const char *const names[] = { "text", "json", "csv", "chrome", "svg" };
	enum report_format fmt = REPORT_TEXT;
	const char *path = NULL, *outpath = NULL;
	struct trace_file t;
	char err[512];
	FILE *out = stdout;
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "-f")) && i + 1 < argc) {
			size_t k;

			for (k = 0; k < ARRAY_SIZE(names) && strcmp(names[k], argv[i + 1]); k++)
				;
			if (k == ARRAY_SIZE(names))
				die_usage("report: unknown format '%s'; choose text, json, csv, chrome or svg", argv[i + 1]);
			fmt = (enum report_format)k;
			i++;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			outpath = argv[++i];
		} else if (argv[i][0] == '-') {
			die_usage("report: unknown or incomplete option '%s'", argv[i]);
		} else if (!path) {
			path = argv[i];
		} else {
			die_usage("report: unexpected argument '%s'", argv[i]);
		}
	}
	if (!path)
		die_usage("report: give a trace file");
	if (trace_file__load(&t, path, err, sizeof(err)))
		die("%s", err);
	if (outpath && !(out = fopen(outpath, "we")))
		die("report: -o %s: %s", outpath, strerror(errno));
	rc = report__write(&t, fmt, out);
	if (out != stdout ? fclose(out) != 0 : fflush(out) != 0)
		rc = rc ? rc : -EIO;
	trace_file__free(&t);
	if (rc)
		die("report: cannot write the %s report: %s", names[fmt], strerror(-rc));
	return EXIT_OK;
}
