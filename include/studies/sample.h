/*
 * sample.h - one boot as a child process: this same binary running `run` or
 * `qemu` with given options and --json into a memfd it inherits (no file
 * name another user could plant), and its JSON summary read back.
 * `compare` and `matrix` are made of these.
 */
#ifndef BOOTSCOPE_SAMPLE_H
#define BOOTSCOPE_SAMPLE_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "lib/child.h"

struct sample_proc {
	struct child child;
	int json_fd;		/* memfd the child writes its summary to, or -1 */
};

/*
 * Start a boot: engine "kvm", "qemu" or "qemu-tcg"; opts[] are its options
 * (boot options first, then any others). 0, or -errno with err set.
 */
int sample__start(struct sample_proc *p, const char *engine, char *const opts[], int nr_opts, char *err,
		  size_t errlen);
/* Has it ended? (Non-blocking.) */
bool sample__done(struct sample_proc *p);
/*
 * After it ended: its summary (the caller frees it with cJSON_Delete), or
 * NULL with err set: its usage error (then *usage is true) or why there is
 * no summary. Releases everything the sample held.
 */
cJSON *sample__result(struct sample_proc *p, bool *usage, char *err, size_t errlen);
/* Kill a running sample and release what it held. */
void sample__abort(struct sample_proc *p);

/*
 * Did this boot give a result? A boot that reached --until, stopped at the
 * kernel's entry, was ended by the guest through isa-debug-exit, or halted
 * with exit status 0 did; any other end (timeout, no boot device, a triple
 * fault or reset, an error, an interrupt, and halting short of --until)
 * did not. Returns NULL for a result, else why not (the summary's message,
 * or its outcome).
 */
const char *sample__failure(const cJSON *summary);
/*
 * Before the first boot of a study: every file a boot option names
 * (--kernel, --initrd and its modules, --module, --raw, --cdrom, --hda,
 * --bios) can be opened for reading. 0, or -errno with err
 * naming the option and the file.
 */
int sample__check_files(char *const opts[], int nr_opts, char *err, size_t errlen);
/*
 * The kind of host a summary was measured on, for keeping results from
 * different kinds apart: "kvm_pvm", "kvm_amd under TCG", "kvm_intel".
 */
void sample__host_kind(const cJSON *summary, char *buf, size_t len);

/* JSON helpers for summaries read back. */
const char *sample__str(const cJSON *o, const char *key, const char *dflt);
double sample__num(const cJSON *o, const char *key);	/* NAN when absent or null */

#endif
