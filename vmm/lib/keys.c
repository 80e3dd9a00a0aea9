/*
 * keys.c - --type's text into key presses (see keys.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/keys.h"
#include "lib/util.h"

/* A US PC keyboard: each printable character, the key that types it and whether Shift is held. */
static const struct {
	char c;
	const char *qcode;
	bool shift;
} chars[] = {
	{ ' ', "spc", false }, { '-', "minus", false }, { '=', "equal", false }, { '[', "bracket_left", false },
	{ ']', "bracket_right", false }, { ';', "semicolon", false }, { '\'', "apostrophe", false },
	{ '`', "grave_accent", false }, { '\\', "backslash", false }, { ',', "comma", false }, { '.', "dot", false },
	{ '/', "slash", false }, { '!', "1", true }, { '@', "2", true }, { '#', "3", true }, { '$', "4", true },
	{ '%', "5", true }, { '^', "6", true }, { '&', "7", true }, { '*', "8", true }, { '(', "9", true },
	{ ')', "0", true }, { '_', "minus", true }, { '+', "equal", true }, { '{', "bracket_left", true },
	{ '}', "bracket_right", true }, { '|', "backslash", true }, { ':', "semicolon", true },
	{ '"', "apostrophe", true }, { '~', "grave_accent", true }, { '>', "dot", true }, { '?', "slash", true },
};

static const struct {
	const char *name;
	const char *qcode;
} named[] = {
	{ "enter", "ret" }, { "esc", "esc" }, { "space", "spc" }, { "tab", "tab" }, { "backspace", "backspace" },
	{ "up", "up" }, { "down", "down" }, { "left", "left" }, { "right", "right" }, { "home", "home" },
	{ "end", "end" }, { "pgup", "pgup" }, { "pgdn", "pgdn" }, { "ins", "insert" }, { "del", "delete" },
	{ "f1", "f1" }, { "f2", "f2" }, { "f3", "f3" }, { "f4", "f4" }, { "f5", "f5" }, { "f6", "f6" },
	{ "f7", "f7" }, { "f8", "f8" }, { "f9", "f9" }, { "f10", "f10" }, { "f11", "f11" }, { "f12", "f12" },
};

/* Single-letter and digit key names are the characters themselves, kept here so a press can point at them. */
static const char *const letters[] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t",
	"u", "v", "w", "x", "y", "z",
};
static const char *const digits[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

const char *keys__names(void)
{
	return "<enter> <esc> <space> <tab> <backspace> <up> <down> <left> <right> <home> <end> <pgup> <pgdn> "
	       "<ins> <del> <f1>..<f12> <lt> (a literal '<'), and <ctrl-X>, <alt-X>, <shift-X> with X a "
	       "letter, a digit or one of those names";
}

/* The key of one character (no Shift for letters and digits, as on the keyboard). */
static const char *char_key(char c, bool *shift)
{
	*shift = false;
	if (c >= 'a' && c <= 'z')
		return letters[c - 'a'];
	if (c >= 'A' && c <= 'Z') {
		*shift = true;
		return letters[c - 'A'];
	}
	if (c >= '0' && c <= '9')
		return digits[c - '0'];
	if (c == '<') {
		*shift = true;
		return "comma";
	}
	for (size_t i = 0; i < ARRAY_SIZE(chars); i++)
		if (chars[i].c == c) {
			*shift = chars[i].shift;
			return chars[i].qcode;
		}
	return NULL;
}

/* A name inside <>: a named key, or a single character's key. */
static const char *name_key(const char *name, bool *shift)
{
	*shift = false;
	for (size_t i = 0; i < ARRAY_SIZE(named); i++)
		if (!strcmp(named[i].name, name))
			return named[i].qcode;
	if (!strcmp(name, "lt"))
		return char_key('<', shift);
	if (strlen(name) == 1 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return char_key(name[0], shift);
	return NULL;
}

static int bad_name(const char *name, char *err, size_t errlen)
{
	snprintf(err, errlen, "--type: unknown key <%s>; the names are %s", name, keys__names());
	return -EINVAL;
}

/* <name>, <ctrl-name>, <alt-name>, <shift-name>. */
static int parse_named(const char *name, struct key_press *p)
{
	static const struct {
		const char *prefix, *qcode;
	} mods[] = { { "ctrl-", "ctrl" }, { "alt-", "alt" }, { "shift-", "shift" } };
	bool shift;
	const char *k;

	p->n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		size_t len = strlen(mods[i].prefix);

		if (!strncmp(name, mods[i].prefix, len)) {
			p->qcode[p->n++] = mods[i].qcode;
			name += len;
			break;
		}
	}
	k = name_key(name, &shift);
	if (!k)
		return -EINVAL;
	if (shift && (p->n == 0 || strcmp(p->qcode[0], "shift")))
		p->qcode[p->n++] = "shift";
	p->qcode[p->n++] = k;
	return 0;
}

int keys__parse(const char *text, struct key_press *out, int max, char *err, size_t errlen)
{
	int n = 0;

	for (const char *s = text; *s;) {
		struct key_press *p;

		if (n == max) {
			snprintf(err, errlen, "--type: more than %d key presses in '%s'", max, text);
			return -E2BIG;
		}
		p = &out[n];
		memset(p, 0, sizeof(*p));
		if (*s == '<') {
			const char *end = strchr(s, '>');
			char name[32];

			if (!end || end == s + 1 || (size_t)(end - s - 1) >= sizeof(name)) {
				snprintf(err, errlen, "--type: '%s' has a '<' that starts no key name (<lt> types '<'); "
					 "the names are %s", text, keys__names());
				return -EINVAL;
			}
			memcpy(name, s + 1, (size_t)(end - s - 1));
			name[end - s - 1] = '\0';
			if (parse_named(name, p))
				return bad_name(name, err, errlen);
			snprintf(p->label, sizeof(p->label), "<%s>", name);
			s = end + 1;
		} else {
			bool shift;
			const char *k = char_key(*s, &shift);

			if (!k) {
				snprintf(err, errlen, "--type: no key types the character 0x%02x in '%s'", (unsigned char)*s,
					 text);
				return -EINVAL;
			}
			if (shift)
				p->qcode[p->n++] = "shift";
			p->qcode[p->n++] = k;
			snprintf(p->label, sizeof(p->label), "%c", *s);
			s++;
		}
		n++;
	}
	if (!n) {
		snprintf(err, errlen, "--type: no keys after '='%s", "");
		return -EINVAL;
	}
	return n;
}

/*
 * Scancode set 1, as an i8042 that translates (command byte bit 6) hands
 * them to the guest: make codes; a break code is the make code | 0x80.
 * KEYS_E0 marks the extended keys, which come after an 0xe0 prefix.
 */
static const struct {
	const char *qcode;
	int code;
} set1[] = {
	{ "esc", 0x01 }, { "1", 0x02 }, { "2", 0x03 }, { "3", 0x04 }, { "4", 0x05 }, { "5", 0x06 },
	{ "6", 0x07 }, { "7", 0x08 }, { "8", 0x09 }, { "9", 0x0a }, { "0", 0x0b }, { "minus", 0x0c },
	{ "equal", 0x0d }, { "backspace", 0x0e }, { "tab", 0x0f }, { "q", 0x10 }, { "w", 0x11 }, { "e", 0x12 },
	{ "r", 0x13 }, { "t", 0x14 }, { "y", 0x15 }, { "u", 0x16 }, { "i", 0x17 }, { "o", 0x18 }, { "p", 0x19 },
	{ "bracket_left", 0x1a }, { "bracket_right", 0x1b }, { "ret", 0x1c }, { "ctrl", 0x1d }, { "a", 0x1e },
	{ "s", 0x1f }, { "d", 0x20 }, { "f", 0x21 }, { "g", 0x22 }, { "h", 0x23 }, { "j", 0x24 }, { "k", 0x25 },
	{ "l", 0x26 }, { "semicolon", 0x27 }, { "apostrophe", 0x28 }, { "grave_accent", 0x29 },
	{ "shift", 0x2a }, { "backslash", 0x2b }, { "z", 0x2c }, { "x", 0x2d }, { "c", 0x2e }, { "v", 0x2f },
	{ "b", 0x30 }, { "n", 0x31 }, { "m", 0x32 }, { "comma", 0x33 }, { "dot", 0x34 }, { "slash", 0x35 },
	{ "alt", 0x38 }, { "spc", 0x39 }, { "f1", 0x3b }, { "f2", 0x3c }, { "f3", 0x3d }, { "f4", 0x3e },
	{ "f5", 0x3f }, { "f6", 0x40 }, { "f7", 0x41 }, { "f8", 0x42 }, { "f9", 0x43 }, { "f10", 0x44 },
	{ "f11", 0x57 }, { "f12", 0x58 }, { "home", KEYS_E0 | 0x47 }, { "up", KEYS_E0 | 0x48 },
	{ "pgup", KEYS_E0 | 0x49 }, { "left", KEYS_E0 | 0x4b }, { "right", KEYS_E0 | 0x4d },
	{ "end", KEYS_E0 | 0x4f }, { "down", KEYS_E0 | 0x50 }, { "pgdn", KEYS_E0 | 0x51 },
	{ "insert", KEYS_E0 | 0x52 }, { "delete", KEYS_E0 | 0x53 },
};

int keys__set1(const char *qcode)
{
	for (size_t i = 0; i < ARRAY_SIZE(set1); i++)
		if (!strcmp(set1[i].qcode, qcode))
			return set1[i].code;
	return -1;
}

/*
 * What a terminal sends down a serial line for one press: the character
 * itself, a control character (<enter> is CR, as a terminal's Return key
 * sends), or the VT100/xterm escape sequence of a cursor or function key.
 */
static const struct {
	const char *qcode;
	const char *bytes;
} serial_keys[] = {
	{ "ret", "\r" }, { "esc", "\x1b" }, { "spc", " " }, { "tab", "\t" }, { "backspace", "\x7f" },
	{ "up", "\x1b[A" }, { "down", "\x1b[B" }, { "right", "\x1b[C" }, { "left", "\x1b[D" },
	{ "home", "\x1b[H" }, { "end", "\x1b[F" }, { "pgup", "\x1b[5~" }, { "pgdn", "\x1b[6~" },
	{ "insert", "\x1b[2~" }, { "delete", "\x1b[3~" }, { "f1", "\x1bOP" }, { "f2", "\x1bOQ" },
	{ "f3", "\x1bOR" }, { "f4", "\x1bOS" }, { "f5", "\x1b[15~" }, { "f6", "\x1b[17~" }, { "f7", "\x1b[18~" },
	{ "f8", "\x1b[19~" }, { "f9", "\x1b[20~" }, { "f10", "\x1b[21~" }, { "f11", "\x1b[23~" },
	{ "f12", "\x1b[24~" },
};

int keys__bytes(const struct key_press *p, char *out, size_t len)
{
	const char *key = p->qcode[p->n - 1];
	bool ctrl = false, alt = false, shift = false;
	char one[2] = { 0 };
	const char *s = NULL;
	size_t n;

	for (int i = 0; i < p->n - 1; i++) {
		ctrl |= !strcmp(p->qcode[i], "ctrl");
		alt |= !strcmp(p->qcode[i], "alt");
		shift |= !strcmp(p->qcode[i], "shift");
	}
	if (!strcmp(p->label, "<lt>") || p->label[0] != '<') {	/* text types itself */
		one[0] = p->label[0] == '<' ? '<' : p->label[0];
		s = one;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(serial_keys) && !s; i++)
			if (!strcmp(serial_keys[i].qcode, key))
				s = serial_keys[i].bytes;
		if (!s && strlen(key) == 1) {	/* <ctrl-c>, <alt-x>, <shift-a>, <5> */
			one[0] = shift && key[0] >= 'a' && key[0] <= 'z' ? (char)(key[0] - 'a' + 'A') : key[0];
			if (ctrl)
				one[0] = (char)(one[0] & 0x1f);
			s = one;
		}
	}
	if (!s)
		return -EINVAL;
	n = strlen(s) + (alt ? 1 : 0);	/* Alt sends ESC first, as xterm's metaSendsEscape does */
	if (n > len)
		return -ENOSPC;
	if (alt)
		*out++ = '\x1b';
	memcpy(out, s, strlen(s));
	return (int)n;
}
