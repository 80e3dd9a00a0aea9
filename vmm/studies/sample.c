/*
 * sample.c - one boot as a child process of this binary (sample.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "studies/sample.h"
#include "lib/util.h"

int sample__start(struct sample_proc *p, const char *engine, char *const opts[], int nr_opts, char *err,
		  size_t errlen)
{
	static struct argv_buf a;
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc;

	p->child = (struct child){ .pid = 0, .output_fd = -1 };
	p->json_fd = -1;
	if (n <= 0) {
		snprintf(err, errlen, "cannot find this program (/proc/self/exe): %s", strerror(errno));
		return -errno;
	}
	self[n] = '\0';
	if ((p->json_fd = memfd_create("bootscope-sample-json", MFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -errno;
	}
	argv__init(&a);
	argv__add(&a, "%s", self);
	argv__add(&a, "%s", strcmp(engine, "kvm") ? "qemu" : "run");
	for (int i = 0; i < nr_opts; i++)
		argv__add(&a, "%s", opts[i]);
	if (!strcmp(engine, "qemu-tcg")) {
		argv__add(&a, "--accel");
		argv__add(&a, "tcg");
	}
	argv__add(&a, "--json");
	argv__add(&a, "/proc/self/fd/%d", p->json_fd);
	argv__add(&a, "--serial");
	argv__add(&a, "/dev/null");
	argv__add(&a, "-q");
	if (a.overflow) {
		snprintf(err, errlen, "too many boot options");
		sample__abort(p);
		return -E2BIG;
	}
	if ((rc = child__spawn(&p->child, self, a.argv, &p->json_fd, 1, err, errlen)))
		sample__abort(p);
	return rc;
}

bool sample__done(struct sample_proc *p)
{
	return child__poll(&p->child);
}

cJSON *sample__result(struct sample_proc *p, bool *usage, char *err, size_t errlen)
{
	struct child *c = &p->child;
	off_t size = p->json_fd >= 0 ? lseek(p->json_fd, 0, SEEK_END) : -1;
	char line[256], *text;
	cJSON *root = NULL;

	*usage = WIFEXITED(c->status) && WEXITSTATUS(c->status) == EXIT_USAGE;
	/* A usage error's first line names the problem; anything else's last line does. */
	child__line(c, *usage, line, sizeof(line));
	if (*usage) {
		snprintf(err, errlen, "%s", line + (strncmp(line, "bootscope: ", 11) ? 0 : 11));
	} else if (size <= 0 || size > (64 << 20) || !(text = malloc((size_t)size))) {
		snprintf(err, errlen, "it wrote no summary: %s", *line ? line : "(no message)");
	} else {
		if (pread(p->json_fd, text, (size_t)size, 0) == size)
			root = cJSON_ParseWithLength(text, (size_t)size);
		free(text);
		if (!root)
			snprintf(err, errlen, "its JSON summary does not parse");
	}
	sample__abort(p);
	return root;
}

void sample__abort(struct sample_proc *p)
{
	child__kill(&p->child);
	if (p->json_fd >= 0)
		close(p->json_fd);
	p->json_fd = -1;
}

const char *sample__str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

double sample__num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
