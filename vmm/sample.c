/*
 * sample.c - one boot as a child process of this binary (sample.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sample.h"
#include "util.h"

int sample__start(struct sample_proc *p, const char *engine, char *const opts[], int nr_opts, char *err,
		  size_t errlen)
{
	static struct argv_buf a;
	static unsigned seq;
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *tmp = getenv("TMPDIR");

	p->child = (struct child){ .pid = 0, .output_fd = -1 };
	if (n <= 0) {
		snprintf(err, errlen, "cannot find this program (/proc/self/exe): %s", strerror(errno));
		return -errno;
	}
	self[n] = '\0';
	snprintf(p->json, sizeof(p->json), "%.40s/bootscope-sample-%d-%u.json", tmp && *tmp ? tmp : "/tmp",
		 (int)getpid(), seq++);
	unlink(p->json);
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
	argv__add(&a, "%s", p->json);
	argv__add(&a, "--serial");
	argv__add(&a, "/dev/null");
	argv__add(&a, "-q");
	if (a.overflow) {
		snprintf(err, errlen, "too many boot options");
		return -E2BIG;
	}
	return child__spawn(&p->child, self, a.argv, NULL, 0, err, errlen);
}

bool sample__done(struct sample_proc *p)
{
	return child__poll(&p->child);
}

cJSON *sample__result(struct sample_proc *p, bool *usage, char *err, size_t errlen)
{
	struct child *c = &p->child;
	struct file_buf f;
	char line[256];
	cJSON *root = NULL;

	*usage = WIFEXITED(c->status) && WEXITSTATUS(c->status) == EXIT_USAGE;
	/* A usage error's first line names the problem; anything else's last line does. */
	child__line(c, *usage, line, sizeof(line));
	if (*usage) {
		snprintf(err, errlen, "%s", line + (strncmp(line, "bootscope: ", 11) ? 0 : 11));
	} else if (file__read(&f, p->json, 64 << 20, err, errlen)) {
		snprintf(err, errlen, "it wrote no summary: %s", *line ? line : "(no message)");
	} else {
		root = cJSON_ParseWithLength((const char *)f.data, f.size);
		file__free(&f);
		if (!root)
			snprintf(err, errlen, "its JSON summary does not parse");
	}
	child__kill(c);
	unlink(p->json);
	return root;
}

void sample__abort(struct sample_proc *p)
{
	child__kill(&p->child);
	unlink(p->json);
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
