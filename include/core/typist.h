/*
 * typist.h - --type REGEX=KEYS: when REGEX appears on a console, type KEYS.
 *
 * Data flow: each rule is a milestone of kind MS_TYPE ("type1", "type2",
 * ...), so the milestone engine matches it on every console, the screen
 * included, and its time is in the summary and the phases. The engine's
 * on_type hook (any thread, the milestones' lock held) only marks the rule
 * fired. The typist's tick, called every millisecond by the screen
 * console's thread, takes fired rules in order and hands one key press at
 * a time to the keyboard's owner (send), down and, after the hold time,
 * up: QMP's input-send-event to the QEMU that has the PS/2 keyboard, the
 * BIOS boot's device model or QEMU itself as the engine (pc/qmp.h), or
 * bootscope's own i8042 on a direct boot (devices/i8042.h). A rule whose
 * trigger matched on the serial console (COM1) types there instead: each
 * press is the bytes a terminal would send (keys__bytes) into COM1's
 * receiver, bootscope's UART or QEMU's serial socket. The
 * typist keeps the time itself: QEMU's own delayed release (send-key's
 * hold-time) runs on its virtual clock, which a qtest child never
 * advances. A press is
 * held TYPIST_HOLD_MS and the next one follows TYPIST_PERIOD_MS after it,
 * as a quick typist would, so no keyboard buffer overflows. Every press is
 * recorded with its time, in the summary and as a trace event (EV_KEY).
 */
#ifndef BOOTSCOPE_TYPIST_H
#define BOOTSCOPE_TYPIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/keys.h"

#define TYPIST_RULES 16
#define TYPIST_LOG 256		/* presses recorded; the rest are counted */
#define TYPIST_HOLD_MS 20
#define TYPIST_PERIOD_MS 40

struct typist_rule {
	int milestone;		/* its MS_TYPE milestone's id */
	struct key_press keys[KEYS_MAX];
	int n;
};

struct typist_press {
	uint64_t t;		/* clock ticks, when send-key was sent */
	int rule;
	bool serial;		/* typed into COM1, not on the keyboard */
	char label[40];
};

/*
 * Where presses go. send hands one over (0, or -errno); check says whether
 * the keyboard's owner is still there and took every press so far (0, or
 * -errno with err set). Set once the owner is up; NULL until then.
 */
struct typist_sink {
	int (*send)(void *arg, const struct key_press *p, bool down);
	int (*check)(void *arg, char *err, size_t errlen);
	void *arg;
};

/* Where a serial rule's bytes go: 0, or -errno. Set once the owner is up; NULL: no serial input. */
struct typist_serial {
	int (*send)(void *arg, const char *bytes, size_t n);
	void *arg;
};

struct typist {
	struct typist_sink sink;
	struct typist_serial serial;
	struct typist_rule rules[TYPIST_RULES];
	int nr_rules;
	_Atomic uint32_t fired;	/* bit i: rule i matched (any thread) */
	_Atomic uint32_t on_serial;	/* bit i: rule i matched on COM1; set before its fired bit */
	uint32_t taken;		/* rules whose keys were queued (the typist's thread only) */

	/* The rule being typed, and when its next press is due. */
	int cur;		/* -1: none */
	int next_key;
	bool held;		/* next_key's keys are down: release them at next_t */
	bool cur_serial;	/* the rule being typed goes to COM1 */
	uint64_t next_t;

	struct typist_press log[TYPIST_LOG];
	int nr_log;
	uint64_t presses, presses_dropped;
	char error[240];	/* the first failure: QEMU gone, or a send-key error */
};

void typist__init(struct typist *t);
/*
 * A run's --type rules: each one's trigger is milestone typeN
 * (run__setup_milestones); hooks the milestone engine and sets vm->typist.
 * The sink is the engine's to set. 0, or -errno with a usage error in err.
 */
struct vm;
int typist__setup(struct typist *t, struct vm *vm, char *err, size_t errlen);
/* Rule i: parse KEYS (a usage error in err when they are bad). 0 or -errno. */
int typist__add(struct typist *t, int milestone, const char *keys, char *err, size_t errlen);
/* The milestone engine's on_type hook: a rule's pattern matched on console (a text_source). */
void typist__fire(void *arg, int milestone, int console);
/* Send what is due at time now (clock ticks). The screen console's tick. */
void typist__tick(void *arg, uint64_t now);

#endif
