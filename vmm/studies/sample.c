/*
 * sample.c - one boot as a child process of this binary (sample.h).
 */
#include <errno.h>
#include <fcntl.h>
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

const char *sample__failure(const cJSON *summary)
{
	const char *o = sample__str(summary, "outcome", "?"), *msg = sample__str(summary, "message", "");
	double status = sample__num(summary, "exit_status");

	if (!strcmp(o, "until") || !strcmp(o, "entry") || !strcmp(o, "exit") ||
	    (!strcmp(o, "halted") && status == 0))
		return NULL;
	return *msg ? msg : o;
}

/* One file of option opt: readable, or err names both. */
static int check_file(const char *opt, const char *path, size_t len, char *err, size_t errlen)
{
	char name[4096];
	int fd;

	if (!len || len >= sizeof(name)) {
		snprintf(err, errlen, "%s: no file name", opt);
		return -EINVAL;
	}
	memcpy(name, path, len);
	name[len] = '\0';
	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = errno;

		snprintf(err, errlen, "%s %s: %s", opt, name, strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

/* --initrd's Multiboot shorthand: "FILE[ ARGS],FILE[ ARGS]", ",," a comma in a name; or one Linux initrd. */
static int check_initrd(const char *opt, const char *list, char *err, size_t errlen)
{
	char name[4096];
	size_t n = 0;
	int rc;

	if (!access(list, R_OK))	/* a Linux initrd, or one module named as given */
		return 0;
	for (const char *p = list;; p++) {
		if (*p == ',' && p[1] == ',') {
			if (n < sizeof(name) - 1)
				name[n++] = ',';
			p++;
			continue;
		}
		if (*p == ',' || *p == '\0') {
			char *space;

			name[n] = '\0';
			if ((space = strchr(name, ' ')))
				*space = '\0';
			if ((rc = check_file(opt, name, strlen(name), err, errlen)))
				return rc;
			n = 0;
			if (!*p)
				return 0;
			continue;
		}
		if (n < sizeof(name) - 1)
			name[n++] = *p;
	}
}

int sample__check_files(char *const opts[], int nr_opts, char *err, size_t errlen)
{
	static const char *const whole[] = { "--kernel", "--cdrom", "--hda", "--bios" };

	for (int i = 0; i + 1 < nr_opts; i++) {
		const char *o = opts[i], *v = opts[i + 1];
		int rc = 0;

		for (size_t k = 0; k < ARRAY_SIZE(whole); k++)
			if (!strcmp(o, whole[k]))
				rc = check_file(o, v, strlen(v), err, errlen);
		if (!strcmp(o, "--initrd"))
			rc = check_initrd(o, v, err, errlen);
		else if (!strcmp(o, "--module"))	/* FILE[,ARGS] */
			rc = check_file(o, v, strcspn(v, ","), err, errlen);
		else if (!strcmp(o, "--raw"))		/* FILE[@ADDR] */
			rc = check_file(o, v, strcspn(v, "@"), err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

void sample__host_kind(const cJSON *summary, char *buf, size_t len)
{
	const cJSON *h = cJSON_GetObjectItem(summary, "host");
	const char *kvm = sample__str(h, "kvm_module", "no KVM"), *hv = sample__str(h, "hypervisor", "");

	if (!strncmp(hv, "TCG", 3))
		snprintf(buf, len, "%s under TCG", kvm);
	else
		snprintf(buf, len, "%s", kvm);
}
