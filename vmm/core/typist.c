/*
 * typist.c - key presses for --type, on the keyboard or into COM1 (typist.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/typist.h"
#include "core/trace.h"
#include "core/vm.h"
#include "lib/clock.h"

void typist__init(struct typist *t)
{
	memset(t, 0, sizeof(*t));
	t->cur = -1;
}

int typist__add(struct typist *t, int milestone, const char *keys, char *err, size_t errlen)
{
	struct typist_rule *r;
	int n;

	if (t->nr_rules == TYPIST_RULES) {
		snprintf(err, errlen, "too many --type options (at most %d)", TYPIST_RULES);
		return -E2BIG;
	}
	r = &t->rules[t->nr_rules];
	n = keys__parse(keys, r->keys, KEYS_MAX, err, errlen);
	if (n < 0)
		return n;
	r->n = n;
	r->milestone = milestone;
	t->nr_rules++;
	return 0;
}

void typist__fire(void *arg, int milestone, int console)
{
	struct typist *t = arg;

	for (int i = 0; i < t->nr_rules; i++)
		if (t->rules[i].milestone == milestone) {
			if (console == TEXT_UART)
				atomic_fetch_or(&t->on_serial, 1u << i);
			atomic_fetch_or(&t->fired, 1u << i);
		}
}

static void record(struct typist *t, uint64_t now, const struct key_press *p)
{
	t->presses++;
	if (t->nr_log == TYPIST_LOG) {
		t->presses_dropped++;
		return;
	}
	/* In the trace too (the screen thread's ring): a = rule, b = the press's index in it. */
	trace__point(TR_EVENT, EV_KEY, TRACE_MAIN_THREAD, now, (uint64_t)t->cur, (uint64_t)t->next_key, 0, 0);
	t->log[t->nr_log].t = now;
	t->log[t->nr_log].rule = t->cur;
	t->log[t->nr_log].serial = t->cur_serial;
	memcpy(t->log[t->nr_log].label, p->label, sizeof(p->label));	/* the same size, NUL-terminated */
	t->nr_log++;
}

/* One press into COM1: its bytes at once, the next press a period later (a line has no key-up). */
static void serial_tick(struct typist *t, uint64_t now)
{
	const struct typist_rule *r = &t->rules[t->cur];
	const struct key_press *p = &r->keys[t->next_key];
	char bytes[8];
	int n = keys__bytes(p, bytes, sizeof(bytes)), rc;

	if (n < 0) {
		snprintf(t->error, sizeof(t->error), "%s has no bytes a serial terminal sends", p->label);
		return;
	}
	if (!t->serial.send) {
		snprintf(t->error, sizeof(t->error), "this engine cannot type into COM1");
		return;
	}
	if ((rc = t->serial.send(t->serial.arg, bytes, (size_t)n))) {
		snprintf(t->error, sizeof(t->error), "cannot send a key into COM1: %s",
			 rc == -ENOSPC ? "the guest is not reading its receiver (overrun)" : strerror(-rc));
		return;
	}
	record(t, now, p);
	t->next_t = now + clock__ticks(TYPIST_PERIOD_MS / 1e3);
	if (++t->next_key == r->n)
		t->cur = -1;
}

void typist__tick(void *arg, uint64_t now)
{
	struct typist *t = arg;
	uint32_t fired;
	int rc;

	if (!t->sink.send || t->error[0])
		return;
	if (t->sink.check && t->sink.check(t->sink.arg, t->error, sizeof(t->error)))
		return;
	if (t->cur < 0) {
		fired = atomic_load(&t->fired) & ~t->taken;
		if (!fired)
			return;
		/* The rules that fired, in the order they were given. */
		t->cur = __builtin_ctz(fired);
		t->taken |= 1u << t->cur;
		t->cur_serial = (atomic_load(&t->on_serial) >> t->cur) & 1;
		t->next_key = 0;	/* next_t still paces it after the last rule's last press */
	}
	if (now < t->next_t)
		return;
	if (t->cur_serial) {
		serial_tick(t, now);
		return;
	}
	{
		const struct typist_rule *r = &t->rules[t->cur];
		const struct key_press *p = &r->keys[t->next_key];

		if ((rc = t->sink.send(t->sink.arg, p, !t->held))) {
			snprintf(t->error, sizeof(t->error), "cannot send a key: %s", strerror(-rc));
			return;
		}
		if (!t->held) {
			record(t, now, p);
			t->held = true;
			t->next_t = now + clock__ticks(TYPIST_HOLD_MS / 1e3);
			return;
		}
		t->held = false;
		t->next_t = now + clock__ticks((TYPIST_PERIOD_MS - TYPIST_HOLD_MS) / 1e3);
		if (++t->next_key == r->n)
			t->cur = -1;
	}
}

int typist__setup(struct typist *t, struct vm *vm, char *err, size_t errlen)
{
	typist__init(t);
	for (int i = 0; i < vm->cfg.nr_types; i++) {
		char name[16];
		int rc;

		snprintf(name, sizeof(name), "type%d", i + 1);
		if ((rc = typist__add(t, milestones__find(&vm->ms, name), vm->cfg.types[i].keys, err, errlen)))
			return rc;
	}
	vm->ms.on_type = typist__fire;
	vm->ms.type_arg = t;
	vm->typist = t;
	return 0;
}
