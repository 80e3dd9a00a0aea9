/*
 * summary.c - the JSON summary and the table on stderr.
 *
 * All times in the output are nanoseconds relative to vm->t0, the first
 * KVM_RUN of vCPU 0.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "summary.h"
#include "vm.h"

static double rel(const struct vm *vm, uint64_t t)
{
	return t > vm->t0 ? (double)(t - vm->t0) : 0.0;
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
			uint64_t *vmm_ns, uint64_t *guest_ns)
{
	*all = *vmm_ns = *guest_ns = 0;
	for (int r = 0; r < NR_EXIT_REASONS; r++)
		tot[r] = (struct exit_stat){ .min_ns = UINT64_MAX };
	for (int i = 0; i < vm->nr_cpus; i++) {
		const struct kvm_cpu *cpu = vm->cpus[i];

		*guest_ns += cpu->guest_ns;
		for (int r = 0; r < NR_EXIT_REASONS; r++) {
			const struct exit_stat *s = &cpu->exits[r];

			if (!s->count)
				continue;
			tot[r].count += s->count;
			tot[r].total_ns += s->total_ns;
			tot[r].min_ns = MIN(tot[r].min_ns, s->min_ns);
			tot[r].max_ns = MAX(tot[r].max_ns, s->max_ns);
			*all += s->count;
			*vmm_ns += s->total_ns;
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
	cJSON_AddNumberToObject(o, "total_ns", (double)s->total_ns);
	cJSON_AddNumberToObject(o, "min_ns", (double)(s->count ? s->min_ns : 0));
	cJSON_AddNumberToObject(o, "max_ns", (double)s->max_ns);
	return o;
}

cJSON *summary__json(const struct vm *vm)
{
	const struct milestone *ms[MAX_MILESTONES];
	struct exit_stat tot[NR_EXIT_REASONS];
	uint64_t all, vmm_ns, guest_ns, ev_total, ev_dropped;
	cJSON *root = cJSON_CreateObject(), *o, *arr;
	int n;

	o = cJSON_AddObjectToObject(root, "tool");
	cJSON_AddStringToObject(o, "name", "bootscope");
	cJSON_AddStringToObject(o, "version", VERSION);
	cJSON_AddStringToObject(root, "engine", "kvm");
	o = cJSON_AddObjectToObject(root, "cpu");
	cJSON_AddStringToObject(o, "model", vm->cpu ? vm->cpu->name : vm->cfg.cpu_model);
	if (vm->cpu && vm->cpu->vendor[0]) {
		cJSON_AddStringToObject(o, "vendor", vm->cpu->vendor);
		cJSON_AddNumberToObject(o, "family", vm->cpu->family);
		cJSON_AddNumberToObject(o, "model_number", vm->cpu->model);
		cJSON_AddNumberToObject(o, "stepping", vm->cpu->stepping);
	}
	arr = cJSON_AddArrayToObject(o, "missing_features");
	for (int w = 0; w < FEAT_NR; w++)
		for (int b = 0; b < 32; b++)
			if (vm->cpu_missing[w] & (1u << b)) {
				char name[32];

				cpu_model__feature_names((enum feat_word)w, 1u << b, name, sizeof(name));
				cJSON_AddItemToArray(arr, cJSON_CreateString(name));
			}
	cJSON_AddNumberToObject(root, "smp", vm->cfg.smp);
	cJSON_AddNumberToObject(root, "memory", (double)vm->ram_size);

	o = cJSON_AddObjectToObject(root, "boot");
	cJSON_AddStringToObject(o, "kind", vm->boot_kind ? vm->boot_kind : "none");
	if (vm->boot_file)
		cJSON_AddStringToObject(o, "file", vm->boot_file);
	cJSON_AddNumberToObject(o, "entry", vm->boot_entry);

	cJSON_AddStringToObject(root, "outcome", outcome__name(vm->run.outcome));
	cJSON_AddStringToObject(root, "message", vm->run.message);
	cJSON_AddNumberToObject(root, "exit_status", vm->run.exit_status);
	if (vm->run.outcome == OUTCOME_EXIT)
		cJSON_AddNumberToObject(root, "guest_exit_code", vm->run.guest_exit_code);
	else
		cJSON_AddNullToObject(root, "guest_exit_code");
	cJSON_AddNumberToObject(root, "wall_ns", rel(vm, vm->run.t_end));
	cJSON_AddNumberToObject(root, "setup_ns", vm->t0 > vm->t_setup ? (double)(vm->t0 - vm->t_setup) : 0);

	o = cJSON_AddObjectToObject(root, "clock");
	cJSON_AddStringToObject(o, "source", CLOCK_SOURCE_NAME);
	cJSON_AddStringToObject(o, "host_clocksource", clock__host_source());
	cJSON_AddNumberToObject(o, "resolution_ns", (double)clock__resolution_ns());
	cJSON_AddStringToObject(o, "origin", "first KVM_RUN of vCPU 0");

	arr = cJSON_AddArrayToObject(root, "milestones");
	n = sorted_milestones(vm, ms);
	for (int i = 0; i < n; i++) {
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "name", ms[i]->name);
		if (ms[i]->hit) {
			cJSON_AddNumberToObject(m, "t_ns", rel(vm, ms[i]->t));
			cJSON_AddNumberToObject(m, "vcpu", ms[i]->vcpu);
		} else {
			cJSON_AddNullToObject(m, "t_ns");
			cJSON_AddNullToObject(m, "vcpu");
		}
		cJSON_AddItemToArray(arr, m);
	}

	exit_totals(vm, tot, &all, &vmm_ns, &guest_ns);
	o = cJSON_AddObjectToObject(root, "exits");
	cJSON_AddNumberToObject(o, "total", (double)all);
	cJSON_AddNumberToObject(o, "vmm_ns", (double)vmm_ns);
	cJSON_AddNumberToObject(o, "guest_ns", (double)guest_ns);
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
			cnt += cpu->exits[r].count;
		cJSON_AddNumberToObject(c, "vcpu", i);
		cJSON_AddNumberToObject(c, "exits", (double)cnt);
		cJSON_AddNumberToObject(c, "guest_ns", (double)cpu->guest_ns);
		cJSON_AddNumberToObject(c, "last_exit_ns", rel(vm, atomic_load(&cpu->t_last_exit)));
		cJSON_AddItemToArray(arr, c);
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

	o = cJSON_AddObjectToObject(root, "guest_output");
	cJSON_AddNumberToObject(o, "bytes", (double)vm->ms.text_bytes);
	cJSON_AddNumberToObject(o, "lines", (double)vm->ms.lines);
	cJSON_AddStringToObject(o, "last_line", vm->ms.last_line);
	return root;
}

int summary__write_json(const struct vm *vm, const char *path)
{
	cJSON *root = summary__json(vm);
	char *text = cJSON_Print(root);
	FILE *f;
	int rc = 0;

	cJSON_Delete(root);
	if (!text)
		return -ENOMEM;
	f = strcmp(path, "-") ? fopen(path, "we") : stdout;
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

void summary__print(const struct vm *vm, FILE *f)
{
	const struct milestone *ms[MAX_MILESTONES];
	struct exit_stat tot[NR_EXIT_REASONS];
	uint64_t all, vmm_ns, guest_ns;
	int n = sorted_milestones(vm, ms);

	fprintf(f, "bootscope: %s after %.3f ms: %s (exit status %d)\n", outcome__name(vm->run.outcome),
		rel(vm, vm->run.t_end) / 1e6, vm->run.message, vm->run.exit_status);
	fprintf(f, "  %-24s %15s  %s\n", "milestone", "time", "vcpu");
	for (int i = 0; i < n; i++) {
		fprintf(f, "  %-24s ", ms[i]->name);
		if (ms[i]->hit) {
			print_ms(f, rel(vm, ms[i]->t));
			fprintf(f, "  %d\n", ms[i]->vcpu);
		} else {
			fprintf(f, "%15s\n", "not reached");
		}
	}
	exit_totals(vm, tot, &all, &vmm_ns, &guest_ns);
	fprintf(f, "  exits: %llu (", (unsigned long long)all);
	for (int r = 0, first = 1; r < NR_EXIT_REASONS; r++) {
		if (!tot[r].count)
			continue;
		fprintf(f, "%s%s %llu", first ? "" : ", ", kvm_cpu__exit_name((unsigned)r),
			(unsigned long long)tot[r].count);
		first = 0;
	}
	fprintf(f, "); in the VMM %.3f ms, in the guest %.3f ms\n", (double)vmm_ns / 1e6,
		(double)guest_ns / 1e6);
}
