/*
 * child.h - the processes bootscope starts (QEMU, as a device model or as
 * the engine of `bootscope qemu`), and how they are kept on a leash.
 *
 * A child runs in its own process group, so a terminal's ^C reaches only
 * bootscope, which then ends the run cleanly and kills the child itself. It
 * dies with bootscope (PR_SET_PDEATHSIG, checked against a parent that is
 * already gone). It inherits exactly the descriptors it is given, stdin is
 * /dev/null, and its stdout and stderr go to a memfd that error messages
 * quote. The command line is built in an argv_buf before fork, so nothing
 * between fork and exec allocates.
 */
#ifndef BOOTSCOPE_CHILD_H
#define BOOTSCOPE_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define ARGV_MAX 96
#define ARGV_LEN 512

struct argv_buf {
	char *argv[ARGV_MAX + 1];
	char s[ARGV_MAX][ARGV_LEN];
	int n;
	bool overflow;		/* an argument was cut or dropped: do not run it */
};

void argv__init(struct argv_buf *a);
void argv__add(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The command line as one shell-quoted line, for --dry-run. */
void argv__print(const struct argv_buf *a, FILE *f);

/* A program name without '/' is looked up in PATH here. 0 or -errno. */
int child__resolve(const char *name, char *out, size_t len);

struct child {
	pid_t pid;		/* 0 when there is none */
	int output_fd;		/* memfd with the child's stdout and stderr, or -1 */
	int status;		/* waitpid status, once reaped */
	bool reaped;
};

/*
 * Start path with argv. keep[] are descriptors (close-on-exec in bootscope)
 * the child inherits under the same numbers. 0 or -errno, with err set.
 */
int child__spawn(struct child *c, const char *path, char *const argv[], const int *keep, int nkeep,
		 char *err, size_t errlen);
/* Reap without blocking; true once the child has exited (status is then valid). */
bool child__poll(struct child *c);
/* Wait up to ms for the child to exit on its own. */
bool child__wait(struct child *c, int ms);
/* SIGKILL and reap; safe on a child that never started or is already reaped. */
void child__kill(struct child *c);
/* The first or the last non-empty line the child printed (an error message), or "". */
void child__line(const struct child *c, bool first, char *buf, size_t len);

#endif
