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
