/*
 * screen.c - the text screen as a console (see screen.h for the data flow).
 *
 * Rows are compared in memory order, at the phase of the CRTC start address,
 * so a row is the same memory whether it is on the screen or has scrolled
 * past the top. A poll walks them oldest first: from the row after the
 * visible screen's end, around the 32 KiB window, to the screen's last row.
 * For a circular hardware-scrolled console that is the order they were
 * written in; for a screen drawn at origin 0 it is top to bottom.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/screen.h"
#include "core/milestone.h"
#include "core/typist.h"
#include "core/trace.h"
#include "core/vm.h"
#include "lib/clock.h"

/* CP437 as the VGA's ROM font draws it: the control range as glyphs, then the upper half. */
static const char *const cp437_low[32] = {
	" ", "☺", "☻", "♥", "♦", "♣", "♠", "•", "◘", "○", "◙", "♂", "♀", "♪", "♫", "☼",
	"►", "◄", "↕", "‼", "¶", "§", "▬", "↨", "↑", "↓", "→", "←", "∟", "↔", "▲", "▼",
};
static const char *const cp437_high[128] = {
	"Ç", "ü", "é", "â", "ä", "à", "å", "ç", "ê", "ë", "è", "ï", "î", "ì", "Ä", "Å",
	"É", "æ", "Æ", "ô", "ö", "ò", "û", "ù", "ÿ", "Ö", "Ü", "¢", "£", "¥", "₧", "ƒ",
	"á", "í", "ó", "ú", "ñ", "Ñ", "ª", "º", "¿", "⌐", "¬", "½", "¼", "¡", "«", "»",
	"░", "▒", "▓", "│", "┤", "╡", "╢", "╖", "╕", "╣", "║", "╗", "╝", "╜", "╛", "┐",
	"└", "┴", "┬", "├", "─", "┼", "╞", "╟", "╚", "╔", "╩", "╦", "╠", "═", "╬", "╧",
	"╨", "╤", "╥", "╙", "╘", "╒", "╓", "╫", "╪", "┘", "┌", "█", "▄", "▌", "▐", "▀",
	"α", "ß", "Γ", "π", "Σ", "σ", "µ", "τ", "Φ", "Θ", "Ω", "δ", "∞", "φ", "ε", "∩",
	"≡", "±", "≥", "≤", "⌠", "⌡", "÷", "≈", "°", "∙", "·", "√", "ⁿ", "²", "■", " ",
};

const char *screen__cp437(uint8_t c)
{
	static const char ascii[96][4] = {
		" ", "!", "\"", "#", "$", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/",
		"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?",
		"@", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O",
		"P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "[", "\\", "]", "^", "_",
		"`", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
		"p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "{", "|", "}", "~", "⌂",
	};

	if (c < 0x20)
		return cp437_low[c];
	if (c < 0x7f)
		return ascii[c - 0x20];
	if (c == 0x7f)
		return "⌂";
	return cp437_high[c - 0x80];
}

void screen__init(struct screen *s)
{
	memset(s, 0, sizeof(*s));
	s->interval_ns = SCREEN_INTERVAL_NS;
	s->cur = &s->frames[0];
	s->prev = &s->frames[1];
	s->last_row = -1;
}

/* A cell that shows nothing: space, NUL, or 0xff (an all-ones read). */
static bool blank(uint8_t ch)
{
	return ch == ' ' || ch == 0 || ch == 0xff;
}

/* Cell n of the window (wrapping, as the CRTC's address counter does). */
static const uint8_t *cell(const struct screen_frame *f, uint32_t n)
{
	return &f->mem[(n * 2) % SCREEN_MEM_SIZE];
}

static uint16_t nrows(const struct screen_frame *f)
{
	return (uint16_t)(SCREEN_MEM_SIZE / 2 / f->pitch);
}

/* The first cell of memory row k: rows keep the phase of the start address. */
static uint32_t row_cell(const struct screen_frame *f, uint32_t k)
{
	return f->start % f->pitch + k * f->pitch;
}

/*
 * A row's characters as UTF-8 without trailing blanks (a screen cannot show
 * them, and QEMU's has no cursor to tell them by); returns the length.
 */
static size_t text_at(const struct screen_frame *f, uint32_t first, char *out, size_t len)
{
	size_t o = 0, end = 0;

	for (uint32_t c = 0; c < f->cols; c++) {
		uint8_t ch = cell(f, first + c)[0];
		const char *u = screen__cp437(ch);
		size_t n = strlen(u);

		if (o + n + 1 > len)
			break;
		memcpy(out + o, u, n);
		o += n;
		if (!blank(ch))
			end = o;
	}
	out[end] = '\0';
	return end;
}

/* FNV-1a over a row's character bytes as text_at() gives them (blanks at the end ignored); 0 means blank. */
static uint64_t row_hash(const struct screen_frame *f, uint32_t first)
{
	uint64_t h = 0xcbf29ce484222325ULL, blank_run = 0;
	bool any = false;

	for (uint32_t c = 0; c < f->cols; c++) {
		uint8_t ch = cell(f, first + c)[0];

		if (blank(ch)) {
			blank_run++;
			continue;
		}
		for (; blank_run; blank_run--)
			h = (h ^ ' ') * 0x100000001b3ULL;
		h = (h ^ ch) * 0x100000001b3ULL;
		any = true;
	}
	return any ? (h | 1) : 0;
}

static bool same_layout(const struct screen_frame *a, const struct screen_frame *b)
{
	return a->cols == b->cols && a->pitch == b->pitch && a->start % a->pitch == b->start % b->pitch;
}

static bool was_on_screen(const struct screen *s, uint64_t h)
{
	for (uint16_t k = 0; k < s->prev_nrows; k++)
		if (s->row_hash[k] == h)
			return true;
	return false;
}

static double log_ms(const struct screen *s, uint64_t t)
{
	return s->t0 && *s->t0 && t > *s->t0 ? clock__ns(t - *s->t0) / 1e6 : 0;
}

/* Row k of frame f goes to the log, at the time it first showed its text. */
static void log_row(struct screen *s, const struct screen_frame *f, uint32_t k)
{
	char text[SCREEN_TEXT_MAX];

	s->pending[k] = false;
	if (!s->log)
		return;
	text_at(f, row_cell(f, k), text, sizeof(text));
	if (*text)
		fprintf(s->log, "%12.3f ms  %s\n", log_ms(s, s->pending_t[k]), text);
}

/*
 * Does every character of row k in a stand at the same place in b? With a
 * the frame before, the row is being drawn (a line typed, a menu's box
 * filled in): the same line, growing. With a the new frame, it is being
 * erased (a clear screen blanking it from the left): nothing new. Both
 * frames have the same layout.
 */
static bool chars_within(const struct screen_frame *a, const struct screen_frame *b, uint32_t k)
{
	uint32_t fa = row_cell(a, k), fb = row_cell(b, k);

	for (uint32_t c = 0; c < a->cols; c++) {
		uint8_t ch = cell(a, fa + c)[0];

		if (!blank(ch) && cell(b, fb + c)[0] != ch)
			return false;
	}
	return true;
}

static void new_line(struct screen *s, const struct screen_frame *f, uint32_t k, int row, uint64_t t)
{
	char text[SCREEN_TEXT_MAX];

	text_at(f, row_cell(f, k), text, sizeof(text));
	s->lines++;
	s->pending_seq[k] = ++s->seq;
	if (!s->pending[k] || !chars_within(s->prev, f, k)) {
		if (s->pending[k])
			log_row(s, s->prev, k);
		s->pending[k] = true;
		s->pending_t[k] = t;
	}
	if (s->ms)
		milestones__line(s->ms, TEXT_SCREEN, text, t, -1);
	if (s->on_line)
		s->on_line(s->on_line_arg, text, row, t);
}

/*
 * Rows held back for the log are whole once the cursor is elsewhere (on
 * another row, or the row has left the visible screen), or, with the
 * cursor off or unknown, once another row got new text after it; and they
 * did not change for two reads.
 */
static void log_finished(struct screen *s, const struct screen_frame *f, uint16_t start_row, uint16_t n,
			 const bool *changed)
{
	int cur_row = -1;

	if (f->cursor != UINT32_MAX && f->cursor >= f->start && (f->cursor - f->start) / f->pitch < f->rows)
		cur_row = (int)((start_row + (f->cursor - f->start) / f->pitch) % n);
	for (uint16_t i = 0; i < n; i++) {
		uint16_t k = (uint16_t)((start_row + f->rows + i) % n);

		/*
		 * Unchanged for two reads, too: the cursor's two registers are
		 * written one after the other, so one read can see it elsewhere
		 * for a moment while the row is still being typed.
		 */
		/* With no cursor to go by, a row is whole once another row got new text after it. */
		if (cur_row < 0 && s->pending_seq[k] == s->seq)
			continue;
		if (s->pending[k] && k != cur_row && !changed[k] && s->quiet[k] >= 2)
			log_row(s, f, k);
	}
}

/* The frame in s->cur against s->prev: report new rows, then make cur the previous frame. */
static void compare(struct screen *s, uint64_t t)
{
	struct screen_frame *f = s->cur, *p = s->prev;
	uint16_t n = nrows(f), start_row = (uint16_t)((f->start / f->pitch) % n);
	bool layout = s->have_prev && same_layout(f, p);
	uint64_t hash[SCREEN_MAX_ROWS];
	bool changed[SCREEN_MAX_ROWS];

	/* A new geometry (a mode set): the rows held back are whole, as the old layout showed them. */
	if (s->have_prev && !layout)
		for (uint16_t k = 0; k < s->prev_nrows; k++)
			if (s->pending[k])
				log_row(s, p, k);

	for (uint16_t k = 0; k < n; k++) {
		uint32_t first = row_cell(f, k);

		bool whole = (first + f->cols) * 2 <= SCREEN_MEM_SIZE;	/* not wrapping: one memcmp */

		if (layout && whole && !memcmp(cell(f, first), cell(p, first), (size_t)f->cols * 2))
			hash[k] = s->row_hash[k];
		else
			hash[k] = row_hash(f, first);
	}
	for (uint16_t i = 0; i < n; i++) {
		/* Oldest first: after the screen's end, around, to its last row; or memory order. */
		uint16_t k = f->start_unknown ? i : (uint16_t)((start_row + f->rows + i) % n);
		int row = (int)((k + n - start_row) % n);

		changed[k] = !(layout && hash[k] == s->row_hash[k]);
		if (!changed[k]) {
			if (s->quiet[k] < UINT8_MAX)
				s->quiet[k]++;
			continue;
		}
		s->quiet[k] = 0;
		/*
		 * Nothing new: the row was blanked, or partly (being erased), or
		 * text that was elsewhere on the screen was moved or copied here
		 * (a scroll), unless it continues what this row held: a line
		 * being typed that happens to equal an earlier one.
		 */
		if (!hash[k] || (layout && chars_within(f, s->prev, k)) ||
		    (was_on_screen(s, hash[k]) && !(layout && s->row_hash[k] && chars_within(s->prev, f, k)))) {
			if (s->pending[k])	/* erased, or overwritten by a moved row: the line was whole */
				log_row(s, s->prev, k);
			continue;
		}
		new_line(s, f, k, row < f->rows ? row : -1, t);
		s->last_row = k;
	}
	log_finished(s, f, start_row, n, changed);
	memcpy(s->row_hash, hash, sizeof(hash[0]) * n);
	s->prev_nrows = n;
	s->prev = f;
	s->cur = p;
	s->have_prev = true;
}

void screen__poll(struct screen *s, uint64_t t)
{
	struct screen_frame *f = s->cur;
	int rc;

	if (s->ended && atomic_load(s->ended) && *s->t_end && t > *s->t_end)
		t = *s->t_end;

	if (!s->read)
		return;
	s->polls++;
	rc = s->read(s->read_arg, f);
	if (rc == -EAGAIN)
		return;		/* no new copy yet (QEMU's): the gap goes on */
	/* The gap is between copies seen, which is what bounds how late a line can be. */
	if (s->t_last_poll && t > s->t_last_poll && t - s->t_last_poll > s->max_gap)
		s->max_gap = t - s->t_last_poll;
	s->t_last_poll = t;
	if (rc < 0) {
		s->read_errors++;
		return;
	}
	if (f->graphics) {
		if (!s->graphics_now) {
			s->graphics_now = true;
			s->graphics_switches++;
			s->t_graphics = t;
			if (s->log)
				fprintf(s->log, "%12.3f ms  [the guest switched to a graphics mode; the screen console is quiet]\n",
					log_ms(s, t));
		}
		return;
	}
	s->graphics_now = false;
	s->clamped_seen |= f->geometry_clamped;
	compare(s, t);
}

static void *screen_thread(void *arg)
{
	struct screen *s = arg;
	struct timespec next;

	trace__attach_screen_thread();	/* its milestones and key presses are trace records too */
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&s->stop)) {
		struct timespec now;

		next.tv_nsec += (long)s->interval_ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (atomic_load(&s->stop))
			break;
		screen__poll(s, clock__now());
		if (s->on_tick)
			s->on_tick(s->on_tick_arg, clock__now());
		/* Late by more than an interval (the host was busy): start again from now, no burst of reads. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - next.tv_sec) * 1000000000L + (now.tv_nsec - next.tv_nsec) > (long)s->interval_ns)
			next = now;
	}
	return NULL;
}

int screen__start(struct screen *s)
{
	int rc;

	atomic_store(&s->stop, false);
	rc = pthread_create(&s->thread, NULL, screen_thread, s);
	if (rc)
		return -rc;
	s->started = true;
	return 0;
}

void screen__stop(struct screen *s, uint64_t t_end)
{
	if (!s->started)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	s->started = false;
	screen__poll(s, t_end);
	/*
	 * Without the start address, the last screen is the 25 rows that end
	 * with the last new line, or the first 25 when it is among them.
	 */
	if (s->have_prev && s->prev->start_unknown && s->last_row >= s->prev->rows)
		s->prev->start = (uint32_t)(s->last_row + 1 - s->prev->rows) * s->prev->pitch;
	/* The run is over: what is still held back is whole. */
	if (s->have_prev) {
		const struct screen_frame *f = s->prev;
		uint16_t n = nrows(f), start_row = (uint16_t)((f->start / f->pitch) % n);

		for (uint16_t i = 0; i < n; i++) {
			uint16_t k = (uint16_t)((start_row + f->rows + i) % n);

			if (s->pending[k])
				log_row(s, f, k);
		}
	}
	if (s->log)
		fflush(s->log);
}

int screen__rows(const struct screen *s)
{
	return s->have_prev ? s->prev->rows : 0;
}

/* The first cell of visible row r of the last text screen. */
static uint32_t visible_cell(const struct screen_frame *f, int r)
{
	return f->start + (uint32_t)r * f->pitch;
}

void screen__row_text(const struct screen *s, int r, char *out, size_t len)
{
	out[0] = '\0';
	if (s->have_prev && r >= 0 && r < s->prev->rows)
		text_at(s->prev, visible_cell(s->prev, r), out, len);
}

bool screen__cursor(const struct screen *s, int *row, int *col)
{
	const struct screen_frame *f = s->prev;
	uint32_t off;

	if (!s->have_prev || f->cursor == UINT32_MAX || f->cursor < f->start)
		return false;
	off = f->cursor - f->start;
	if (off / f->pitch >= f->rows || off % f->pitch >= f->cols)
		return false;
	*row = (int)(off / f->pitch);
	*col = (int)(off % f->pitch);
	return true;
}

void screen__cell(const struct screen *s, int r, int c, uint8_t *ch, uint8_t *attr)
{
	const uint8_t *p = cell(s->prev, visible_cell(s->prev, r) + (uint32_t)c);

	*ch = p[0];
	*attr = p[1];
}

/* Text for an SVG text node: XML's five specials escaped. */
static void svg_char(FILE *f, uint8_t ch)
{
	const char *u = screen__cp437(ch);

	if (!strcmp(u, "&"))
		fputs("&amp;", f);
	else if (!strcmp(u, "<"))
		fputs("&lt;", f);
	else if (!strcmp(u, ">"))
		fputs("&gt;", f);
	else
		fputs(u, f);
}

/*
 * Each row is drawn as runs of one background (rectangles) and runs of one
 * foreground (text spans), cells 9 by 16 pixels as the VGA shows them.
 * Attribute bit 7 is taken as bright background, as QEMU and most BIOSes
 * leave the blink bit; the cursor is an underline.
 */
int screen__write_svg(const struct screen *s, FILE *f)
{
	const int cw = 9, ch_h = 16;
	int rows = screen__rows(s), cols = rows ? s->prev->cols : 80, crow, ccol;

	if (!rows)
		rows = 25;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		cols * cw, rows * ch_h, cols * cw, rows * ch_h);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"#000000\"/>\n");
	fprintf(f, "<g font-family=\"DejaVu Sans Mono, monospace\" font-size=\"14\" xml:space=\"preserve\">\n");
	for (int r = 0; s->have_prev && r < rows; r++) {
		for (int c = 0; c < cols;) {
			uint8_t chr, attr;
			int c2;
			const uint8_t *rgb;

			screen__cell(s, r, c, &chr, &attr);
			for (c2 = c + 1; c2 < cols; c2++) {
				uint8_t x, a2;

				screen__cell(s, r, c2, &x, &a2);
				if ((a2 >> 4) != (attr >> 4))
					break;
			}
			rgb = s->prev->palette[attr >> 4];
			if (rgb[0] | rgb[1] | rgb[2])
				fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\"/>\n",
					c * cw, r * ch_h, (c2 - c) * cw, ch_h, rgb[0], rgb[1], rgb[2]);
			c = c2;
		}
		for (int c = 0; c < cols; c++) {
			uint8_t chr, attr;
			const uint8_t *rgb;

			screen__cell(s, r, c, &chr, &attr);
			if (blank(chr))
				continue;
			rgb = s->prev->palette[attr & 0x0f];
			/* One node per character: x is exact whatever the font's advance. */
			fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#%02x%02x%02x\">", c * cw, r * ch_h + 12, rgb[0], rgb[1],
				rgb[2]);
			svg_char(f, chr);
			fputs("</text>\n", f);
		}
	}
	if (screen__cursor(s, &crow, &ccol))
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"2\" fill=\"#aaaaaa\"/>\n", ccol * cw,
			crow * ch_h + 13, cw);
	fputs("</g>\n</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

int screen__run_start(struct screen *s, struct vm *vm, screen_read_fn read, void *read_arg, uint64_t interval_ns,
		      FILE *log, char *err, size_t errlen)
{
	int rc;

	if (!read && !vm->typist)
		return 0;
	screen__init(s);
	s->read = read;
	s->read_arg = read_arg;
	s->interval_ns = interval_ns;
	s->ms = &vm->ms;
	s->log = log;
	s->t0 = &vm->t0;
	s->ended = &vm->run.ended;
	s->t_end = &vm->run.t_end;
	if (vm->typist) {	/* the thread paces the typing too */
		s->on_tick = typist__tick;
		s->on_tick_arg = vm->typist;
	}
	if ((rc = screen__start(s))) {
		snprintf(err, errlen, "cannot start the screen console: %s", strerror(-rc));
		return rc;
	}
	if (read)
		vm->screen = s;
	return 0;
}

void screen__run_stop(struct screen *s, struct vm *vm)
{
	screen__stop(s, vm->run.t_end ? vm->run.t_end : clock__now());
}
