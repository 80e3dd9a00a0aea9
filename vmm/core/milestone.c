/*
 * milestone.c - guest text lines to output and milestones.
 *
 * A line is matched once, when it is complete ('\n', or TEXT_LINE_MAX bytes
 * without one, or the end of the run). A cursor move (CSI row;col H, as
 * memtest86+ and GRUB draw their screens) also ends one: the text after it
 * is somewhere else on the screen, and a program that only ever moves the
 * cursor would otherwise be matched in arbitrary 1 KiB pieces.
 *
 * Output is written as lines complete; milestones__flush() also writes the
 * unfinished tail so that a prompt with no newline shows up, remembering how
 * much was written so nothing is written twice.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/milestone.h"

void milestones__init(struct milestones *m, FILE *out)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->out = out;
	m->id_entry = milestones__add_builtin(m, "entry");
	m->id_first_output = milestones__add_builtin(m, "first-output");
}

void milestones__destroy(struct milestones *m)
{
	for (int i = 0; i < m->n; i++)
		if (m->ms[i].has_re)
			regfree(&m->ms[i].re);
	for (int i = 0; i < m->nr_watch; i++)
		regfree(&m->watch[i].re);
	pthread_mutex_destroy(&m->lock);
}

int milestones__find(const struct milestones *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->ms[i].name, name))
			return i;
	return -1;
}

static int add(struct milestones *m, const char *name, enum ms_kind kind)
{
	struct milestone *ms;

	if (m->n >= MAX_MILESTONES)
		return -E2BIG;
	ms = &m->ms[m->n];
	memset(ms, 0, sizeof(*ms));
	snprintf(ms->name, sizeof(ms->name), "%s", name);
	ms->kind = kind;
	ms->vcpu = -1;
	ms->console = -1;
	return m->n++;
}

int milestones__add_builtin(struct milestones *m, const char *name)
{
	return add(m, name, MS_BUILTIN);
}

int milestones__add_pattern(struct milestones *m, const char *name, const char *regex,
			    enum ms_kind kind, char *err, size_t errlen)
{
	int id, rc;

	if (!*name || strlen(name) >= sizeof(m->ms[0].name) || strpbrk(name, " \t\"\\")) {
		snprintf(err, errlen, "milestone name '%s' must be 1-63 characters without spaces, quotes or backslashes", name);
		return -EINVAL;
	}
	if (milestones__find(m, name) >= 0) {
		snprintf(err, errlen, "milestone name '%s' is used twice (or is built in)", name);
		return -EINVAL;
	}
	id = add(m, name, kind);
	if (id < 0) {
		snprintf(err, errlen, "too many milestones (at most %d)", MAX_MILESTONES);
		return id;
	}
	rc = regcomp(&m->ms[id].re, regex, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];

		regerror(rc, &m->ms[id].re, msg, sizeof(msg));
		snprintf(err, errlen, "bad regular expression '%s' for %s: %s", regex, name, msg);
		m->n--;
		return -EINVAL;
	}
	m->ms[id].has_re = true;
	return id;
}

int milestones__watch(struct milestones *m, enum text_source src, const char *regex, int milestone,
		      void (*fn)(void *arg, const char *line, const regmatch_t *sub, int vcpu), void *arg)
{
	struct text_watch *w;

	if (m->nr_watch >= MAX_WATCHES)
		return -E2BIG;
	w = &m->watch[m->nr_watch];
	if (regcomp(&w->re, regex, REG_EXTENDED))
		return -EINVAL;
	w->src = src;
	w->milestone = milestone;
	w->fn = fn;
	w->arg = arg;
	m->nr_watch++;
	return 0;
}

const char *milestones__console_name(int src)
{
	static const char *const names[TEXT_NR] = {
		[TEXT_UART] = "com1", [TEXT_DEBUGCON_E9] = "debugcon", [TEXT_DEBUGCON_402] = "debugcon-402",
		[TEXT_SCREEN] = "screen",
	};

	return src >= 0 && src < TEXT_NR ? names[src] : NULL;
}

static void hit_locked(struct milestones *m, int id, uint64_t t, int vcpu, int console)
{
	struct milestone *ms;

	if (id < 0 || id >= m->n)
		return;
	ms = &m->ms[id];
	if (ms->hit)
		return;
	ms->hit = true;
	ms->t = t;
	ms->vcpu = vcpu;
	ms->console = console;
	if (m->on_hit)
		m->on_hit(m->opaque, ms, id);
	if (ms->kind == MS_UNTIL && m->on_until)
		m->on_until(m->opaque, t, vcpu);
	if (ms->kind == MS_NO_BOOT && m->on_no_boot)
		m->on_no_boot(m->opaque, t, vcpu);
	if (ms->kind == MS_TYPE && m->on_type)
		m->on_type(m->type_arg, id, console);
}

void milestones__hit(struct milestones *m, int id, uint64_t t, int vcpu)
{
	pthread_mutex_lock(&m->lock);
	hit_locked(m, id, t, vcpu, -1);
	pthread_mutex_unlock(&m->lock);
}

/* Write out the part of the line not yet written, as far as --output-limit allows. */
static void emit(struct milestones *m, struct text_line *l)
{
	uint64_t n = l->len - l->emitted, room = m->out_limit ? m->out_limit - m->out_bytes : n;

	if (n)
		l->open = l->buf[l->len - 1] != '\n';
	if (m->out && n) {
		if (n > room) {
			m->dropped_bytes += n - room;
			n = room;
		}
		fwrite(l->buf + l->emitted, 1, n, m->out);
		m->out_bytes += n;
	}
	l->emitted = l->len;
}

/*
 * The text of a line as a terminal shows it, which is what --mark and --until
 * are written against: boot loaders and memtest86+ draw on a serial console
 * with ANSI escape sequences (GRUB starts its first line with ESC[H ESC[J
 * ESC[1;1H) and carriage returns. Those are dropped, the line's end too; NUL
 * bytes, which would hide the rest of the line from regexec, become spaces.
 * Returns the length written to text (at least n + 1 bytes).
 */
static size_t line__visible(char *text, const char *buf, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\033' && i + 1 < n && buf[i + 1] == '[') {
			/* CSI: parameters and intermediates up to a final byte in 0x40-0x7e. */
			for (i += 2; i < n && !((unsigned char)buf[i] >= 0x40 && (unsigned char)buf[i] <= 0x7e); i++)
				;
			continue;
		}
		if (c == '\033') {
			i++;	/* a two-byte escape (ESC 7, ESC c, ...) */
			continue;
		}
		if (c == '\r' || c == '\n')
			continue;
		text[o++] = c ? c : ' ';
	}
	text[o] = '\0';
	return o;
}

/* A complete line of src, as the guest wrote it: the watches on that source. */
static void watch_line(struct milestones *m, enum text_source src, const char *text, uint64_t t, int vcpu)
{
	for (int i = 0; i < m->nr_watch; i++) {
		struct text_watch *w = &m->watch[i];
		regmatch_t sub[4];

		if (w->src != src || regexec(&w->re, text, 4, sub, 0))
			continue;
		if (w->milestone >= 0)
			hit_locked(m, w->milestone, t, vcpu, (int)src);
		if (w->fn)
			w->fn(w->arg, text, sub, vcpu);
	}
}

/*
 * Every pattern not yet hit against one line of console src. The
 * firmware's own patterns (no boot device) read its debug console only:
 * the run's message quotes that line.
 */
static void match_text(struct milestones *m, const char *text, uint64_t t, int vcpu, int src)
{
	for (int i = 0; i < m->n; i++) {
		struct milestone *ms = &m->ms[i];

		if (ms->kind == MS_NO_BOOT && src == TEXT_SCREEN)
			continue;
		if (ms->has_re && !ms->hit && regexec(&ms->re, text, 0, NULL, 0) == 0)
			hit_locked(m, i, t, vcpu, src);
	}
}

/* watch: run the source's watches too (not for unfinished lines, nor at the final flush). */
static void match(struct milestones *m, const struct text_line *l, uint64_t t, int vcpu,
		  bool remember, int src, bool watch)
{
	char text[TEXT_LINE_MAX + 1];
	size_t n = line__visible(text, l->buf, l->len);
	if (remember)
		memcpy(m->last_line, text, n + 1);
	match_text(m, text, t, vcpu, src);
	if (watch)
		watch_line(m, (enum text_source)src, text, t, vcpu);
}

void milestones__line(struct milestones *m, enum text_source src, const char *text, uint64_t t, int vcpu)
{
	pthread_mutex_lock(&m->lock);
	if (!m->text_bytes && !m->screen_lines)
		hit_locked(m, m->id_first_output, t, vcpu, (int)src);
	m->screen_lines++;
	match_text(m, text, t, vcpu, (int)src);
	pthread_mutex_unlock(&m->lock);
}

/*
 * The line is complete: write what is left of it, then match. src is its
 * source; its watches run unless the run is over (the final flush).
 */
static void finish_line(struct milestones *m, struct text_line *l, uint64_t t, int vcpu, int src, bool watch)
{
	emit(m, l);
	m->lines++;
	match(m, l, t, vcpu, true, src, watch);
	l->len = l->emitted = l->matched = 0;
}

/*
 * The text before a cursor move is complete: match it as a line, unless
 * there is nothing to see in it (GRUB clears the screen with three escapes
 * in a row, memtest86+ blanks areas with spaces). It is not counted as a line.
 */
static void finish_piece(struct milestones *m, struct text_line *l, uint64_t t, int vcpu, int src)
{
	char text[TEXT_LINE_MAX + 1];
	size_t n = line__visible(text, l->buf, l->len);

	emit(m, l);
	if (strspn(text, " ") < n)
		match(m, l, t, vcpu, true, src, true);
	l->len = l->emitted = l->matched = 0;
}

/* Does buf end with a cursor position sequence, ESC [ digits-and-semicolons H (or f)? */
static bool ends_cursor_move(const struct text_line *l)
{
	size_t i = l->len - 1;
	char c = l->buf[i];

	if (c != 'H' && c != 'f')
		return false;
	while (i > 0 && ((l->buf[i - 1] >= '0' && l->buf[i - 1] <= '9') || l->buf[i - 1] == ';'))
		i--;
	return i >= 2 && l->buf[i - 1] == '[' && l->buf[i - 2] == '\033';
}

void milestones__text(struct milestones *m, enum text_source src, uint8_t c, uint64_t t, int vcpu)
{
	struct text_line *l = &m->line[src];

	pthread_mutex_lock(&m->lock);
	if (!m->text_bytes++)
		hit_locked(m, m->id_first_output, t, vcpu, (int)src);
	l->buf[l->len++] = (char)c;
	l->t_last = t;
	l->vcpu_last = vcpu;
	if (c == '\n' || l->len == TEXT_LINE_MAX)
		finish_line(m, l, t, vcpu, (int)src, true);
	else if (ends_cursor_move(l))
		finish_piece(m, l, t, vcpu, (int)src);
	pthread_mutex_unlock(&m->lock);
}

void milestones__flush(struct milestones *m, bool final)
{
	pthread_mutex_lock(&m->lock);
	for (int s = 0; s < TEXT_NR; s++) {
		struct text_line *l = &m->line[s];

		if (final) {
			if (l->len)
				finish_line(m, l, l->t_last, l->vcpu_last, s, false);
			/* The output ends inside a line (a partial one, or after a cursor move): end it. */
			if (l->open && m->out && (!m->out_limit || m->out_bytes < m->out_limit)) {
				fputc('\n', m->out);
				m->out_bytes++;
			}
			l->open = false;
		} else if (l->len && l->matched != l->len) {
			emit(m, l);
			match(m, l, l->t_last, l->vcpu_last, false, s, false);
			l->matched = l->len;
		}
	}
	if (m->out)
		fflush(m->out);
	pthread_mutex_unlock(&m->lock);
}
