/*
 * pc_summary.c - a BIOS boot's part of the summary: what was forwarded to the
 * QEMU device model, to which device, at what cost, and where the BIOS
 * milestones came from. The summary (tracing/) calls these through
 * vm->dm_summary, which pc__prepare() sets.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "pc/pc.h"
#include "core/vm.h"

static void add_disk(cJSON *o, const char *name, const struct disk *d)
{
	cJSON *x;

	if (!d->size)
		return;
	x = cJSON_AddObjectToObject(o, name);
	cJSON_AddNumberToObject(x, "size", (double)d->size);
	cJSON_AddNumberToObject(x, "reads", (double)d->reads);
	cJSON_AddNumberToObject(x, "read_bytes", (double)d->read_bytes);
	cJSON_AddNumberToObject(x, "writes", (double)d->writes);
	cJSON_AddNumberToObject(x, "write_bytes", (double)d->write_bytes);
	cJSON_AddStringToObject(x, "writes_to", d->writable ? "file" : "overlay");
}

/* Where the disks' data went: bootscope's IDE (with what it read), or the child's. */
static void add_storage(cJSON *o, const struct pc *pc)
{
	cJSON *s = cJSON_AddObjectToObject(o, "storage");
	uint64_t commands = 0, dma = 0, blocks = 0;

	cJSON_AddStringToObject(s, "ide", pc->ide_local ? "bootscope" : "qemu (a qcow2 --hda)");
	if (!pc->ide_local)
		return;
	for (int c = 0; c < 2; c++) {
		commands += pc->ide.ch[c].commands;
		dma += pc->ide.ch[c].dma_transfers;
		blocks += pc->ide.ch[c].pio_blocks;
	}
	cJSON_AddNumberToObject(s, "commands", (double)commands);
	cJSON_AddNumberToObject(s, "pio_blocks", (double)blocks);
	cJSON_AddNumberToObject(s, "dma_transfers", (double)dma);
	add_disk(s, "cdrom", &pc->cdrom);
	add_disk(s, "hda", &pc->hda);
}

/* A BIOS boot's QEMU child: what was forwarded, to which device, at what cost. */
cJSON *pc__summary_json(const struct vm *vm)
{
	const struct pc *pc = vm->pc;
	const struct qtest *q;
	cJSON *o, *arr;
	uint64_t items = 0, forwards = 0, ticks = vm__delegated_ticks(vm);

	if (!pc)
		return NULL;
	q = &pc->qtest;
	o = cJSON_CreateObject();
	for (int i = 0; i < vm->nr_cpus; i++) {
		items += vm->cpus[i]->stats.deleg_accesses;
		forwards += vm->cpus[i]->stats.deleg_exits;
	}
	cJSON_AddStringToObject(o, "qemu", q->qemu ? q->qemu : "");
	cJSON_AddStringToObject(o, "boot_milestones", pc->milestones_from_debugcon ?
				"int19 and entry from SeaBIOS's debug console (this KVM's hardware breakpoints do not fire)" :
				"int19 and entry from hardware breakpoints");
	cJSON_AddNumberToObject(o, "start_ns", (double)q->start_ns);
	cJSON_AddNumberToObject(o, "forwards", (double)forwards);
	cJSON_AddNumberToObject(o, "accesses", (double)items);
	cJSON_AddNumberToObject(o, "commands", (double)q->commands);
	cJSON_AddNumberToObject(o, "round_trips", (double)q->round_trips);
	cJSON_AddNumberToObject(o, "delegated_ns", clock__whole_ns(ticks));
	cJSON_AddNumberToObject(o, "mean_access_ns", items ? round(clock__whole_ns(ticks) / (double)items) : 0);
	cJSON_AddNumberToObject(o, "irq_lines", (double)q->irq_lines);
	cJSON_AddNumberToObject(o, "pam_slot_changes", (double)atomic_load(&pc->slot_changes));
	cJSON_AddNumberToObject(o, "rom_writes_dropped", (double)atomic_load(&pc->rom_writes_dropped));
	cJSON_AddNumberToObject(o, "kbc_status_kept", (double)atomic_load(&pc->kbc_status_kept));
	add_storage(o, pc);
	/* The port ranges whose accesses can reach the child, where they ended up (the BIOS moves some). */
	arr = cJSON_AddArrayToObject(o, "ports");
	for (int d = 1; d <= vm->bus.nr_pio; d++) {
		const struct bus_device *b = &vm->bus.pio[d];
		cJSON *x;

		if (!delegate__forwards(vm, d) || b->base == BUS_UNMAPPED)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "device", b->name);
		cJSON_AddNumberToObject(x, "first", (double)b->base);
		cJSON_AddNumberToObject(x, "last", (double)(b->base + b->len - 1));
		cJSON_AddItemToArray(arr, x);
	}
	/* One entry per device name: a device may have registered several port ranges. */
	arr = cJSON_AddArrayToObject(o, "devices");
	for (int d = 0; d < BUS_MAX_DEVICES + 2; d++) {
		const char *name = d > BUS_MAX_DEVICES ? "mmio" : vm->bus.pio[d].name;
		struct exit_stat st = { 0 };
		bool first = name != NULL;
		cJSON *x;

		for (int e = 0; e < d && first && d <= BUS_MAX_DEVICES; e++)
			first = !vm->bus.pio[e].name || strcmp(vm->bus.pio[e].name, name);
		if (!first)
			continue;
		for (int e = d; e < BUS_MAX_DEVICES + 2; e++) {
			if (e != d && (e > BUS_MAX_DEVICES || d > BUS_MAX_DEVICES || !vm->bus.pio[e].name ||
				       strcmp(vm->bus.pio[e].name, name)))
				continue;
			for (int i = 0; i < vm->nr_cpus; i++)
				exit_stat__merge(&st, &vm->cpus[i]->stats.deleg_stats[e]);
		}
		if (!st.count)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "device", name);
		cJSON_AddNumberToObject(x, "accesses", (double)st.count);
		cJSON_AddNumberToObject(x, "total_ns", clock__whole_ns(st.total));
		cJSON_AddNumberToObject(x, "mean_ns", round(clock__whole_ns(st.total) / (double)st.count));
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}

void pc__summary_print(const struct vm *vm, FILE *f)
{
	uint64_t items = 0;
	double ns;

	if (!vm->pc)
		return;
	for (int i = 0; i < vm->nr_cpus; i++)
		items += vm->cpus[i]->stats.deleg_accesses;
	ns = clock__ns(vm__delegated_ticks(vm));
	fprintf(f, "  QEMU device model: %llu accesses forwarded in %.3f ms of the VMM's time "
		"(%.1f us each), %llu interrupt lines\n", (unsigned long long)items, ns / 1e6,
		items ? ns / 1e3 / (double)items : 0.0,
		(unsigned long long)vm->pc->qtest.irq_lines);
	if (vm->pc->milestones_from_debugcon)
		fputs("  int19 and entry: from SeaBIOS's debug console, as this KVM's hardware breakpoints do not fire\n", f);
}
