/*
 * milestone.h - guest text in, named points in time out.
 *
 * Every byte a guest writes to a text port (UART, debugcon) arrives here with
 * the time of the exit that carried it. Bytes are collected per source into
 * lines; a finished line is copied to the output stream and matched against
 * the --mark and --until patterns. The first line matching a pattern fixes
 * that milestone's time. Built-in milestones (entry, first-output) are hit
 * directly by the devices that see them.
 *
 * One text object is shared by all vCPUs, so it has its own mutex; it is
 * taken per text byte, never per exit in general.
 */
#ifndef BOOTSCOPE_MILESTONE_H
#define BOOTSCOPE_MILESTONE_H

#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_MILESTONES 64
#define TEXT_LINE_MAX 1024	/* longer lines are matched in pieces of this size */

/*
 * MS_NO_BOOT: a firmware line saying there is nothing to boot; it ends the run.
 * MS_TYPE: a --type trigger; its hit calls on_type.
 */
enum ms_kind { MS_BUILTIN, MS_MARK, MS_UNTIL, MS_NO_BOOT, MS_TYPE };

struct milestone {
	char name[64];
	enum ms_kind kind;
	regex_t re;
	bool has_re;
	bool hit;
	uint64_t t;		/* clock__now() at the hit */
	int vcpu;
	uint64_t exits_at;	/* exits of all vCPUs so far, when it was hit (on_hit fills it) */
	int console;		/* the text_source whose line matched; -1: none (built in, or hit directly) */
};

/* Where guest text comes from. The screen's lines arrive whole (core/screen.h), the others byte by byte. */
enum text_source { TEXT_UART, TEXT_DEBUGCON_E9, TEXT_DEBUGCON_402, TEXT_SCREEN, TEXT_NR };

/* A source's name in the summary: "com1", "debugcon", "debugcon-402", "screen". */
const char *milestones__console_name(int src);

/*
 * A watch on the complete lines of one source, for firmware lines that say
 * where the boot is (SeaBIOS's "Booting from 0000:7c00"): each match hits
 * milestone (-1: none) and calls fn, with the milestones' lock held, on the
 * thread that wrote the line's last byte, with the line and its
 * parenthesised subexpressions. Not part of the summary.
 */
#define MAX_WATCHES 4
struct text_watch {
	enum text_source src;
	regex_t re;
	int milestone;
	void (*fn)(void *arg, const char *line, const regmatch_t *sub, int vcpu);
	void *arg;
};

struct text_line {
	char buf[TEXT_LINE_MAX];
	size_t len;
	size_t emitted;		/* bytes of buf already written to out */
	size_t matched;		/* length at the last match of the unfinished line */
	bool open;		/* the last byte written to out was not a newline */
	uint64_t t_last;	/* time of the latest byte */
	int vcpu_last;
};

struct milestones {
	pthread_mutex_t lock;
	struct milestone ms[MAX_MILESTONES];
	int n;
	int id_entry, id_first_output;
	struct text_watch watch[MAX_WATCHES];
	int nr_watch;

	struct text_line line[TEXT_NR];
	FILE *out;		/* stdout or --serial FILE */
	uint64_t text_bytes;	/* bytes of the byte sources */
	uint64_t lines;
	uint64_t screen_lines;	/* whole lines from the screen */
	uint64_t out_limit;	/* guest text written to out at most (0: no limit) */
	uint64_t out_bytes, dropped_bytes;
	char last_line[TEXT_LINE_MAX + 1];	/* last complete guest line, for error reports */

	/* Called with the lock held: at every first hit, and when the --until pattern matches. */
	void (*on_hit)(void *opaque, struct milestone *ms, int id);
	void (*on_until)(void *opaque, uint64_t t, int vcpu);
	void (*on_no_boot)(void *opaque, uint64_t t, int vcpu);
	void *opaque;
	/* A MS_TYPE milestone was hit (the typist's; NULL: nothing types). Lock held: only mark it. */
	void (*on_type)(void *arg, int id, int console);	/* console: the text_source that matched */
	void *type_arg;
};

void milestones__init(struct milestones *m, FILE *out);
void milestones__destroy(struct milestones *m);
/* Add a pattern milestone; returns its id, or -EINVAL with err set. */
int milestones__add_pattern(struct milestones *m, const char *name, const char *regex,
			    enum ms_kind kind, char *err, size_t errlen);
int milestones__add_builtin(struct milestones *m, const char *name);
/* Watch src's lines for regex (extended, at most 3 subexpressions). 0, or -EINVAL/-E2BIG. */
int milestones__watch(struct milestones *m, enum text_source src, const char *regex, int milestone,
		      void (*fn)(void *arg, const char *line, const regmatch_t *sub, int vcpu), void *arg);
/* First call for an id wins; later calls are ignored. Takes the lock. */
void milestones__hit(struct milestones *m, int id, uint64_t t, int vcpu);
/*
 * A whole line from a source that delivers lines (the screen): matched at
 * once. Not written to the output stream: the screen has its own log.
 */
void milestones__line(struct milestones *m, enum text_source src, const char *text, uint64_t t, int vcpu);
/* One byte of guest text from a source. */
void milestones__text(struct milestones *m, enum text_source src, uint8_t c, uint64_t t, int vcpu);
/*
 * Write out unfinished lines and match them as they stand, at the time of
 * their latest byte, so a prompt without a newline ("login: ") can be an
 * --until target. Called periodically by the main thread and at the end.
 */
void milestones__flush(struct milestones *m, bool final);
int milestones__find(const struct milestones *m, const char *name);

#endif
