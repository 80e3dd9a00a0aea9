/*
 * cpus.c - `bootscope cpus [--json] [--verify] [MODEL...]`.
 *
 * Without --verify it shows what bootscope programs: each model's CPUID
 * leaves (for vCPU 0 of one), its MSR allowlist, and the features this
 * host's KVM cannot give. --verify boots the probe guest linked into the
 * binary under each model, in a child `bootscope run`, and compares leaf
 * by leaf, register by register, what the guest saw with what was
 * programmed, naming every feature bit the host changed; and the MSRs the
 * guest could read with the allowlist.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu/cpu_model.h"
#include "cpu/cpuid.h"
#include "cli/cpus.h"
#include "cpu/msr.h"
#include "lib/util.h"
#include "core/kvm.h"
#include "core/vm.h"

extern const uint8_t bootscope_probe[], bootscope_probe_end[];

#define MAX_PROBE_LEAVES 128
#define MAX_PROBE_MSRS 64

static const char *const reg_names[4] = { "eax", "ebx", "ecx", "edx" };

int cpus__parse_probe(const char *text, struct cpuid_leaf *leaves, int max_leaves,
		      struct msr_probe *msrs, int max_msrs, int *nr_msrs)
{
	int n = 0;

	*nr_msrs = 0;
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		struct cpuid_leaf l = { 0 };
		unsigned msr;
		char res[3];

		if (line[0] == 'c' && line[1] == ' ') {
			if (sscanf(line, "c %8x %8x %8x %8x %8x", &l.function, &l.eax, &l.ebx, &l.ecx, &l.edx) != 5)
				return -1;
			if (n == max_leaves)
				return -1;
			leaves[n++] = l;
		} else if (line[0] == 'm' && line[1] == ' ') {
			if (sscanf(line, "m %8x %2s", &msr, res) != 2 || (strcmp(res, "ok") && strcmp(res, "gp")))
				return -1;
			if (*nr_msrs == max_msrs)
				return -1;
			msrs[(*nr_msrs)++] = (struct msr_probe){ msr, !strcmp(res, "ok") };
		}
	}
	return n;
}

/* Which feature word, if any, a leaf register is; for naming bits. */
static int feat_word_of(uint32_t fn, int reg)
{
	for (int w = 0; w < FEAT_NR; w++)
		if (feat_words[w].function == fn && feat_words[w].reg == reg)
			return w;
	return -1;
}

/* Run the probe under model m in a child bootscope; its guest text in *out. */
static int run_probe(const char *model, char **out, char *err, size_t errlen)
{
	int probe = memfd_create("bootscope-cpuprobe", 0);
	int text = memfd_create("bootscope-probe-out", MFD_CLOEXEC);
	int errfd = memfd_create("bootscope-probe-err", MFD_CLOEXEC);
	size_t size = (size_t)(bootscope_probe_end - bootscope_probe);
	int status = 0, rc = -EIO;
	pid_t pid;

	*out = NULL;
	if (probe < 0 || text < 0 || errfd < 0 || write(probe, bootscope_probe, size) != (ssize_t)size) {
		snprintf(err, errlen, "cannot prepare the probe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", probe);
		dup2(text, 1);
		dup2(errfd, 2);
		execl("/proc/self/exe", "bootscope", "run", "--raw", path, "--cpu", model, "-q",
		      "--timeout", "120", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		snprintf(err, errlen, "cannot run the probe: %s", strerror(errno));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 33) {
		char msg[200] = "";
		ssize_t r = pread(errfd, msg, sizeof(msg) - 1, 0);

		msg[r > 0 ? r : 0] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(err, errlen, "the probe under %s ended with status %d: %s", model,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), msg);
		goto out;
	}
	{
		off_t len = lseek(text, 0, SEEK_END);

		*out = calloc(1, (size_t)len + 1);
		if (!*out || pread(text, *out, (size_t)len, 0) != len) {
			snprintf(err, errlen, "cannot read the probe's output");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc) {
		free(*out);
		*out = NULL;
	}
	if (probe >= 0)
		close(probe);
	if (text >= 0)
		close(text);
	if (errfd >= 0)
		close(errfd);
	return rc;
}

static bool allowed(const uint32_t *list, int n, uint32_t msr)
{
	for (int i = 0; i < n; i++)
		if (list[i] == msr)
			return true;
	return false;
}

static cJSON *hex(uint32_t v)
{
	char b[16];

	snprintf(b, sizeof(b), "%08x", v);
	return cJSON_CreateString(b);
}

static cJSON *names_json(enum feat_word w, uint32_t bits)
{
	cJSON *a = cJSON_CreateArray();

	for (int b = 0; b < 32; b++)
		if (bits & (1u << b)) {
			char n[32];

			cpu_model__feature_names(w, 1u << b, n, sizeof(n));
			cJSON_AddItemToArray(a, cJSON_CreateString(n));
		}
	return a;
}

/*
 * Compare what the guest saw with what was programmed: one entry per
 * differing register, with the bits the host turned on and off named.
 */
static cJSON *compare(const struct cpuid_leaf *prog, int np, const struct cpuid_leaf *seen, int ns,
		      const uint32_t *allow, int na, const struct msr_probe *msrs, int nm, int *ndiff)
{
	cJSON *o = cJSON_CreateObject(), *diffs = cJSON_AddArrayToObject(o, "differences");
	cJSON *mdiffs = cJSON_AddArrayToObject(o, "msr_differences");

	*ndiff = 0;
	for (int i = 0; i < ns; i++) {
		const struct cpuid_leaf *p = cpuid_leaf__find(prog, np, seen[i].function);
		struct cpuid_leaf zero = { .function = seen[i].function };

		if (!p)
			p = &zero;	/* not programmed: KVM answers for leaves the model lacks */
		for (int r = 0; r < 4; r++) {
			uint32_t want = cpuid_leaf__reg(p, r), got = cpuid_leaf__reg(&seen[i], r);
			int w = feat_word_of(seen[i].function, r);
			cJSON *d;

			if (want == got)
				continue;
			d = cJSON_CreateObject();
			cJSON_AddItemToObject(d, "leaf", hex(seen[i].function));
			cJSON_AddStringToObject(d, "register", reg_names[r]);
			cJSON_AddItemToObject(d, "programmed", hex(want));
			cJSON_AddItemToObject(d, "seen", hex(got));
			if (w >= 0) {
				cJSON_AddItemToObject(d, "host_sets", names_json((enum feat_word)w, got & ~want));
				cJSON_AddItemToObject(d, "host_clears", names_json((enum feat_word)w, want & ~got));
			}
			cJSON_AddItemToArray(diffs, d);
			(*ndiff)++;
		}
	}
	for (int i = 0; i < nm; i++) {
		bool want = allowed(allow, na, msrs[i].msr);
		cJSON *d;

		if (want == msrs[i].ok)
			continue;
		d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "msr", hex(msrs[i].msr));
		cJSON_AddStringToObject(d, "expected", want ? "ok" : "gp");
		cJSON_AddStringToObject(d, "seen", msrs[i].ok ? "ok" : "gp");
		cJSON_AddItemToArray(mdiffs, d);
		(*ndiff)++;
	}
	return o;
}

static void print_model(const cJSON *m)
{
	const cJSON *l, *x;

	if (!strcmp(cJSON_GetObjectItem(m, "vendor")->valuestring, "host"))
		printf("%s: %s\n", cJSON_GetObjectItem(m, "name")->valuestring,
		       cJSON_GetObjectItem(m, "description")->valuestring);
	else
		printf("%s: %s (%s family %d model %d stepping %d)\n", cJSON_GetObjectItem(m, "name")->valuestring,
		       cJSON_GetObjectItem(m, "description")->valuestring,
		       cJSON_GetObjectItem(m, "vendor")->valuestring,
		       cJSON_GetObjectItem(m, "family")->valueint, cJSON_GetObjectItem(m, "model")->valueint,
		       cJSON_GetObjectItem(m, "stepping")->valueint);
	printf("  %-8s %-8s %-8s %-8s %-8s\n", "leaf", "eax", "ebx", "ecx", "edx");
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(m, "leaves"))
		printf("  %s %s %s %s %s\n", cJSON_GetObjectItem(l, "leaf")->valuestring,
		       cJSON_GetObjectItem(l, "eax")->valuestring, cJSON_GetObjectItem(l, "ebx")->valuestring,
		       cJSON_GetObjectItem(l, "ecx")->valuestring, cJSON_GetObjectItem(l, "edx")->valuestring);
	printf("  MSRs:");
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(m, "msrs")))
		printf(" none (every RDMSR/WRMSR raises #GP)");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(m, "msrs"))
		printf(" %s", x->valuestring);
	printf("\n  missing on this host:");
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(m, "missing_features")))
		printf(" nothing");
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(m, "missing_features"))
		printf(" %s", x->valuestring);
	printf("\n");
	if ((x = cJSON_GetObjectItem(m, "verify"))) {
		const cJSON *d;

		if (cJSON_GetObjectItem(x, "error")) {
			printf("  verify: FAILED: %s\n", cJSON_GetObjectItem(x, "error")->valuestring);
			return;
		}
		printf("  verify: the probe saw %d leaves and %d MSRs; %d differences\n",
		       cJSON_GetObjectItem(x, "leaves_seen")->valueint,
		       cJSON_GetObjectItem(x, "msrs_probed")->valueint,
		       cJSON_GetObjectItem(x, "difference_count")->valueint);
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(x, "differences")) {
			const cJSON *set = cJSON_GetObjectItem(d, "host_sets");
			const cJSON *clr = cJSON_GetObjectItem(d, "host_clears"), *n;

			printf("    leaf %s %s: programmed %s, seen %s", cJSON_GetObjectItem(d, "leaf")->valuestring,
			       cJSON_GetObjectItem(d, "register")->valuestring,
			       cJSON_GetObjectItem(d, "programmed")->valuestring,
			       cJSON_GetObjectItem(d, "seen")->valuestring);
			if (cJSON_GetArraySize(set)) {
				printf("; host sets");
				cJSON_ArrayForEach(n, set)
					printf(" %s", n->valuestring);
			}
			if (cJSON_GetArraySize(clr)) {
				printf("; host clears");
				cJSON_ArrayForEach(n, clr)
					printf(" %s", n->valuestring);
			}
			printf("\n");
		}
		cJSON_ArrayForEach(d, cJSON_GetObjectItem(x, "msr_differences"))
			printf("    msr %s: expected %s, seen %s\n", cJSON_GetObjectItem(d, "msr")->valuestring,
			       cJSON_GetObjectItem(d, "expected")->valuestring,
			       cJSON_GetObjectItem(d, "seen")->valuestring);
	}
}

static cJSON *model_json(const struct cpu_model *m, const struct kvm_cpuid2 *sup, bool verify, int *failed)
{
	struct cpuid_leaf leaves[MAX_LEAVES], seen[MAX_PROBE_LEAVES];
	struct msr_probe msrs[MAX_PROBE_MSRS];
	uint32_t missing[FEAT_NR], allow[MAX_ALLOWED_MSRS];
	cJSON *o = cJSON_CreateObject(), *arr;
	int n = cpu_model__leaves(m, sup, 1, 0, leaves, (int)ARRAY_SIZE(leaves), missing), na = 0;
	bool apic;

	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddStringToObject(o, "description", m->description);
	cJSON_AddStringToObject(o, "vendor", m->vendor[0] ? m->vendor : "host");
	cJSON_AddNumberToObject(o, "family", m->family);
	cJSON_AddNumberToObject(o, "model", m->model);
	cJSON_AddNumberToObject(o, "stepping", m->stepping);
	cJSON_AddStringToObject(o, "brand", m->brand);
	arr = cJSON_AddArrayToObject(o, "leaves");
	for (int i = 0; i < n; i++) {
		cJSON *l = cJSON_CreateObject();

		cJSON_AddItemToObject(l, "leaf", hex(leaves[i].function));
		cJSON_AddNumberToObject(l, "index", leaves[i].index);
		cJSON_AddItemToObject(l, "eax", hex(leaves[i].eax));
		cJSON_AddItemToObject(l, "ebx", hex(leaves[i].ebx));
		cJSON_AddItemToObject(l, "ecx", hex(leaves[i].ecx));
		cJSON_AddItemToObject(l, "edx", hex(leaves[i].edx));
		cJSON_AddItemToArray(arr, l);
	}
	arr = cJSON_AddArrayToObject(o, "msrs");
	if (m->vendor[0]) {
		char b[40];

		apic = !!(m->features[FEAT_1_EDX] & (1u << 9));
		na = msr__allowlist(m, leaves, n, apic, allow, MAX_ALLOWED_MSRS);
		for (int i = 0; i < na; i++) {
			int j = i;

			while (j + 1 < na && allow[j + 1] == allow[j] + 1)
				j++;
			if (j > i)
				snprintf(b, sizeof(b), "0x%x-0x%x", allow[i], allow[j]);
			else
				snprintf(b, sizeof(b), "0x%x", allow[i]);
			cJSON_AddItemToArray(arr, cJSON_CreateString(b));
			i = j;
		}
	} else {
		cJSON_AddItemToArray(arr, cJSON_CreateString("all that KVM knows"));
	}
	arr = cJSON_AddArrayToObject(o, "missing_features");
	for (int w = 0; w < FEAT_NR; w++)
		for (int b = 0; b < 32; b++)
			if (missing[w] & (1u << b)) {
				char name[32];

				cpu_model__feature_names((enum feat_word)w, 1u << b, name, sizeof(name));
				cJSON_AddItemToArray(arr, cJSON_CreateString(name));
			}
	if (verify) {
		char err[512], *text = NULL;
		cJSON *v;
		int ns, nm = 0, nd = 0;

		if (run_probe(m->name, &text, err, sizeof(err)) ||
		    (ns = cpus__parse_probe(text, seen, MAX_PROBE_LEAVES, msrs, MAX_PROBE_MSRS, &nm)) < 0) {
			v = cJSON_AddObjectToObject(o, "verify");
			cJSON_AddStringToObject(v, "error", text ? "the probe's output is malformed" : err);
			(*failed)++;
		} else {
			/* The host model has no allowlist: every MSR KVM knows is expected to work. */
			if (!m->vendor[0])
				for (int i = 0; i < nm && na < MAX_ALLOWED_MSRS; i++)
					if (msrs[i].ok)
						allow[na++] = msrs[i].msr;
			v = compare(leaves, n, seen, ns, allow, na, msrs, nm, &nd);
			cJSON_AddNumberToObject(v, "leaves_seen", ns);
			cJSON_AddNumberToObject(v, "msrs_probed", nm);
			cJSON_AddNumberToObject(v, "difference_count", nd);
			cJSON_AddItemToObject(o, "verify", v);
		}
		free(text);
	}
	return o;
}

int cpus__main(int argc, char **argv)
{
	const struct cpu_model *list[8];
	bool json = false, verify = false;
	int n = 0, failed = 0, fd;
	char err[256];
	cJSON *root;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--verify")) {
			verify = true;
		} else if (argv[i][0] == '-') {
			die_usage("cpus: unknown option '%s'", argv[i]);
		} else if (!cpu_model__find(argv[i])) {
			die_usage("cpus: unknown CPU model '%s'; choose one of %s", argv[i], cpu_model__names());
		} else if (n < (int)ARRAY_SIZE(list)) {
			list[n++] = cpu_model__find(argv[i]);
		}
	}
	if (!n) {
		for (const struct cpu_model *const *m = cpu_model__all(); *m; m++)
			list[n++] = *m;
		list[n++] = cpu_model__find("host");
	}
	fd = kvm__open(err, sizeof(err));
	if (fd < 0)
		die("%s", err);
	if (cpuid__read_supported(fd, err, sizeof(err)))
		die("%s", err);
	close(fd);

	root = cJSON_CreateArray();
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(root, model_json(list[i], cpuid__supported(), verify, &failed));
	if (json) {
		char *s = cJSON_Print(root);

		puts(s);
		free(s);
	} else {
		const cJSON *m;
		bool first = true;

		cJSON_ArrayForEach(m, root) {
			if (!first)
				printf("\n");
			print_model(m);
			first = false;
		}
	}
	cJSON_Delete(root);
	cpuid__exit();
	return failed ? EXIT_ERROR : EXIT_OK;
}
