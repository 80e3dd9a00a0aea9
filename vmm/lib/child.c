/*
 * child.c - starting, watching and killing bootscope's child processes (child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/child.h"
#include "lib/util.h"

void argv__init(struct argv_buf *a)
{
	a->n = 0;
	a->overflow = false;
	a->argv[0] = NULL;
}

void argv__add(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n >= ARGV_MAX) {
		a->overflow = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->s[a->n], ARGV_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= ARGV_LEN)
		a->overflow = true;
	a->argv[a->n] = a->s[a->n];
	a->argv[++a->n] = NULL;
}

void argv__print(const struct argv_buf *a, FILE *f)
{
	for (int i = 0; i < a->n; i++) {
		const char *s = a->argv[i];

		fputs(i ? " " : "", f);
		if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+,./:@%") == strlen(s)) {
			fputs(s, f);
			continue;
		}
		fputc('\'', f);
		for (; *s; s++)
			if (*s == '\'')
				fputs("'\\''", f);
			else
				fputc(*s, f);
		fputc('\'', f);
	}
	fputc('\n', f);
}

int child__resolve(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -errno;
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(out, len, "%.*s/%s", (int)n, p, name);
		if (n && access(out, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return -ENOENT;
}

static void __attribute__((noreturn)) exec_child(const char *path, char *const argv[], const int *keep,
						 int nkeep, int out, pid_t parent)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);	/* dup2 clears it on 0 */

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int i = 0; i < nkeep; i++)
		fcntl(keep[i], F_SETFD, 0);
	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(out, 2);
	execv(path, argv);
	dprintf(out, "cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

int child__spawn(struct child *c, const char *path, char *const argv[], const int *keep, int nkeep,
		 char *err, size_t errlen)
{
	pid_t parent = getpid();

	c->pid = 0;
	c->reaped = false;
	c->status = 0;
	c->output_fd = memfd_create("bootscope-child-output", MFD_CLOEXEC);
	if (c->output_fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -errno;
	}
	c->pid = fork();
	if (c->pid == 0)
		exec_child(path, argv, keep, nkeep, c->output_fd, parent);
	if (c->pid < 0) {
		c->pid = 0;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -EAGAIN;
	}
	return 0;
}

bool child__poll(struct child *c)
{
	if (c->reaped)
		return true;
	if (c->pid <= 0 || waitpid(c->pid, &c->status, WNOHANG) != c->pid)
		return false;
	c->reaped = true;
	return true;
}

bool child__wait(struct child *c, int ms)
{
	for (int i = 0; i <= ms / 10; i++) {
		if (child__poll(c))
			return true;
		usleep(10000);
	}
	return false;
}

void child__kill(struct child *c)
{
	if (c->pid > 0 && !c->reaped) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->reaped = true;
	}
	if (c->output_fd >= 0)
		close(c->output_fd);
	c->output_fd = -1;
}

void child__line(const struct child *c, bool first, char *buf, size_t len)
{
	char out[4096] = "", *line = NULL, *save = NULL;
	off_t end = c->output_fd >= 0 ? lseek(c->output_fd, 0, SEEK_END) : 0;
	ssize_t n;

	/* The start, or the end of what may be pages of warnings. */
	if (end > 0 && (n = pread(c->output_fd, out, sizeof(out) - 1,
				  first ? 0 : MAX(end - (off_t)sizeof(out) + 1, 0))) > 0) {
		out[n] = '\0';
		for (char *s = strtok_r(out, "\n", &save); s && !(first && line); s = strtok_r(NULL, "\n", &save))
			if (*s)
				line = s;
	}
	snprintf(buf, len, "%s", line ? line : "");
}
