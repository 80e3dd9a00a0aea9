/*
 * keys.h - what --type types: text and named keys, as PC key presses.
 *
 * "root<enter>" is five presses: r, o, o, t, Enter. A capital letter or a
 * shifted symbol is a press of the key with Shift held. Named keys are
 * written in angle brackets: <enter>, <esc>, <up>, <f1>, <ctrl-c>, and <lt>
 * for a literal '<'. Each press names its keys as QEMU's QKeyCode does
 * ("ret", "shift", "a"), which is what QMP's send-key takes.
 */
#ifndef BOOTSCOPE_KEYS_H
#define BOOTSCOPE_KEYS_H

#include <stddef.h>

#define KEYS_MAX 128		/* presses in one --type */
#define KEYS_COMBO 3		/* keys held at once: a modifier or two, and the key */

struct key_press {
	const char *qcode[KEYS_COMBO];	/* pressed in order, released together */
	int n;
	char label[40];		/* how it was written: "r", "<enter>" */
};

/*
 * Parses text into at most max presses. Returns their number, or -EINVAL
 * with err naming the problem (an unknown name lists the valid ones, a
 * character no PC key types says which).
 */
int keys__parse(const char *text, struct key_press *out, int max, char *err, size_t errlen);
/* The valid <names>, for help and errors. */
const char *keys__names(void);

/*
 * A key's scancode in set 1 (what a translating i8042 delivers): the make
 * code, with KEYS_E0 set for keys sent after an 0xe0 prefix; -1 for a
 * qcode this table does not know.
 */
#define KEYS_E0 0x100
int keys__set1(const char *qcode);
/*
 * The bytes a terminal sends down a serial line for press p (<enter> is CR,
 * <up> is ESC [ A, <ctrl-c> is 0x03). Returns how many were written to out
 * (at most len), or -EINVAL for a press no terminal sends.
 */
int keys__bytes(const struct key_press *p, char *out, size_t len);

#endif
