/*
 * screen.h - the PC's text screen as a console: frames of VGA text memory
 * in, timed lines out.
 *
 * Data flow: a thread of its own wakes every interval (1 ms), asks the
 * engine's reader for a frame (bootscope's: a copy of guest RAM at 0xb8000
 * plus the VGA registers; no exit is made), and compares it row by row with
 * the frame before. A row whose text changed, is not blank and was not on
 * the screen before (a scroll or a copy only moves text) is a new line: it
 * goes to the milestone engine as console "screen", to --screen FILE, and
 * to the typing rules. Rows are taken across the whole 32 KiB text window,
 * not only the visible 25: an OS that scrolls by moving the CRTC start
 * address (Linux's vgacon, MINIX's tty) leaves the lines that scrolled past
 * between two reads in memory behind the origin, and they are read there.
 * A guest that scrolls by copying (the BIOS's teletype) and writes more
 * than a screenful within one interval loses the lines in between; lines
 * that repeat a line still on the screen are not reported again.
 *
 * Times are those of the read that saw a line: at most one interval (plus
 * the thread's wake-up delay, measured as max_gap) after the guest wrote it.
 */
#ifndef BOOTSCOPE_SCREEN_H
#define BOOTSCOPE_SCREEN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct milestones;

#define SCREEN_MEM_SIZE	0x8000		/* the text window: 32 KiB at 0xb8000 */
#define SCREEN_MAX_ROWS	(SCREEN_MEM_SIZE / 2 / 20)	/* rows of the narrowest pitch the VGA view allows */
#define SCREEN_MAX_COLS	132
#define SCREEN_INTERVAL_NS 1000000ULL	/* 1 ms */
#define SCREEN_TEXT_MAX	(SCREEN_MAX_COLS * 3 + 1)	/* a row as UTF-8 (CP437 box drawing takes 3 bytes) */

/* One read of the screen: what the VGA says, and the text window's bytes (character, attribute). */
struct screen_frame {
	bool graphics;
	bool geometry_clamped;
	bool start_unknown;	/* the reader cannot see the start address (QEMU's): rows in memory order */
	uint16_t cols, rows, pitch;
	uint32_t start;		/* CRTC start address, in cells */
	uint32_t cursor;	/* cell, or UINT32_MAX: off */
	uint8_t palette[16][3];
	uint8_t mem[SCREEN_MEM_SIZE];
};

/*
 * Fills f; 0, or negative errno when the screen cannot be read now (the
 * poll is skipped). NULL as struct screen's read: no screen, the thread
 * only ticks (a run that types but has no screen to read).
 */
typedef int (*screen_read_fn)(void *arg, struct screen_frame *f);
/* A new line, as UTF-8 without trailing blanks; row is its place on the visible screen, or -1. */
typedef void (*screen_line_fn)(void *arg, const char *text, int row, uint64_t t);

struct screen {
	/* Set before screen__start. */
	screen_read_fn read;
	void *read_arg;
	struct milestones *ms;	/* NULL: lines are not matched */
	FILE *log;		/* --screen FILE, or NULL */
	const uint64_t *t0;	/* the run's time origin, for the log */
	/*
	 * The run's end, when it has come: a read after it (the thread stops a
	 * little later) saw what the guest had written by then, so its time is
	 * the end's. NULL: no clamp.
	 */
	const atomic_bool *ended;
	const uint64_t *t_end;
	uint64_t interval_ns;
	screen_line_fn on_line;	/* also told every new line; may be NULL */
	void *on_line_arg;
	/* Called after every read, on the thread (the typist's pace); may be NULL. */
	void (*on_tick)(void *arg, uint64_t t);
	void *on_tick_arg;

	/* The thread. */
	pthread_t thread;
	bool started;
	atomic_bool stop;

	/*
	 * The last two text frames and what was made of the older one. cur is
	 * read into, then becomes prev; in a graphics mode prev stays the last
	 * text screen.
	 */
	struct screen_frame *cur, *prev, frames[2];
	bool have_prev;
	uint64_t row_hash[SCREEN_MAX_ROWS];	/* prev's rows, by memory row from its start phase */
	uint16_t prev_nrows;
	/*
	 * The log holds a row back while the guest may still be writing it
	 * (the cursor is on it), so that it gets one line, with the time the
	 * row first showed text, rather than one per character.
	 */
	bool pending[SCREEN_MAX_ROWS];
	uint8_t quiet[SCREEN_MAX_ROWS];		/* reads since the row last changed (at most 255) */
	uint64_t pending_t[SCREEN_MAX_ROWS];
	uint64_t pending_seq[SCREEN_MAX_ROWS];	/* seq when the row last got new text */
	uint64_t seq;				/* new lines so far, in the order seen */

	/* What the summary reports. */
	uint64_t polls, lines, read_errors;
	uint64_t t_last_poll, max_gap;	/* ticks */
	uint64_t t_graphics;		/* when the guest last left text mode (0: never) */
	int last_row;			/* memory row of the last new line (-1: none) */
	uint32_t graphics_switches;
	bool graphics_now;
	bool clamped_seen;
};

void screen__init(struct screen *s);
/* Starts the polling thread. 0 or -errno. */
int screen__start(struct screen *s);
/* Stops it and reads once more at t_end (the lines of the run's last moment). */
void screen__stop(struct screen *s, uint64_t t_end);
/* One read and comparison at time t (the thread's step; tests call it directly). */
void screen__poll(struct screen *s, uint64_t t);

/*
 * The last text screen: row r of its visible rows as UTF-8 without trailing
 * blanks. Returns the number of rows (0: no text screen was ever read).
 */
int screen__rows(const struct screen *s);
void screen__row_text(const struct screen *s, int r, char *out, size_t len);
/* The cursor's row and column on the last text screen; false when off or elsewhere. */
bool screen__cursor(const struct screen *s, int *row, int *col);
/* The character and attribute at (r, c) of the last text screen. */
void screen__cell(const struct screen *s, int r, int c, uint8_t *ch, uint8_t *attr);
/* The last text screen as an SVG picture in its colours. 0 or -errno. */
int screen__write_svg(const struct screen *s, FILE *f);

/*
 * A run's screen console, for either engine: reads with read (NULL: none,
 * the thread only paces vm->typist) every interval_ns, matches into vm->ms,
 * logs to log (--screen, or NULL), ticks vm->typist, and is vm->screen for
 * the summary when it reads. screen__run_stop takes the last read at the
 * run's end. 0 or -errno with err set.
 */
struct vm;
int screen__run_start(struct screen *s, struct vm *vm, screen_read_fn read, void *read_arg, uint64_t interval_ns,
		      FILE *log, char *err, size_t errlen);
void screen__run_stop(struct screen *s, struct vm *vm);

/* A CP437 character as UTF-8 (at most 3 bytes and a NUL): what the VGA font draws. */
const char *screen__cp437(uint8_t c);

#endif
