/*
 * sandbox.h - what a running guest can reach of the host.
 *
 * A run sets everything up first: files read and opened, /dev/kvm, guest
 * memory, the vCPUs, the trace file, the QEMU child of a BIOS boot. Then,
 * before the first KVM_RUN, sandbox__enter() installs a seccomp filter (an
 * allowlist, through libseccomp) that holds for every thread of the process:
 * what is left is the run loop's own system calls, with ioctl limited to the
 * KVM requests the run makes on the VM and vCPU descriptors. There is no
 * open, exec, fork, socket or ptrace after that point.
 *
 * A call outside the list does not kill the process: the filter traps it,
 * the call fails with EPERM, the SIGSYS handler notes the first one and wakes
 * the main thread, which ends the run (outcome error, EXIT_SANDBOX) with a
 * message naming the call and still writes every result.
 *
 * Before that, sandbox__drop_user() (--user) and sandbox__limit_output()
 * (--output-limit, no core dumps) narrow the process further.
 */
#ifndef BOOTSCOPE_SANDBOX_H
#define BOOTSCOPE_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define SANDBOX_MAX_FDS 8	/* vCPU descriptors (MAX_VCPUS) */

/* The descriptors and processes the filter lets the run reach. */
struct sandbox_spec {
	int vm_fd;
	int vcpu_fds[SANDBOX_MAX_FDS];
	int nr_vcpus;
	bool memory_slots;	/* BIOS boots: PAM shadowing changes KVM memory slots */
	int qtest_fd;		/* the device-model child's socket, or -1 */
	int qmp_fd;		/* its QMP monitor's socket (--type), or -1 */
	pid_t child;		/* the device-model child, or 0 */
	int child_output_fd;	/* its captured stdout and stderr, or -1 */
	int disk_fds[2];	/* images the VMM reads sectors from, or -1 */
	int write_fd;		/* the image guest writes reach (--hda-writable), or -1 */
	int wake_fd;		/* the eventfd the main thread polls: the SIGSYS handler writes it */
};

/* Install the filter for the whole process. 0, or -errno with a one-line reason in err. */
int sandbox__enter(const struct sandbox_spec *s, char *err, size_t errlen);

/*
 * The first system call the filter refused: the one-line message that names
 * it, into msg; false if none. Safe to call at any time, from any thread.
 */
bool sandbox__violation(char *msg, size_t len);

/* Print the policy sandbox__enter() installs, for `bootscope sandbox-check`. */
void sandbox__print(FILE *f);
int sandbox__main(int argc, char **argv);

/*
 * --user NAME: sandbox__find_user() checks that this process is root and
 * NAME an unprivileged user; then, once /dev/kvm is open and before any file
 * of the user's, sandbox__drop_user() becomes NAME (uid, gid, no
 * supplementary groups) for good. 0, or -errno with a reason in err.
 */
struct sandbox_user {
	const char *name;
	uid_t uid;
	gid_t gid;
};
int sandbox__find_user(const char *name, struct sandbox_user *u, char *err, size_t errlen);
int sandbox__drop_user(const struct sandbox_user *u, char *err, size_t errlen);

/*
 * No core dumps (guest memory would be in them); every file this process
 * writes stops at limit bytes (write fails with EFBIG, no SIGXFSZ).
 */
int sandbox__limit_output(uint64_t limit, char *err, size_t errlen);

/*
 * Tests only: with BOOTSCOPE_TEST_FORBIDDEN=open|socket|exec|fork in the
 * environment, make that call (which the sandbox refuses) from the calling
 * thread. Nothing otherwise.
 */
void sandbox__test_hook(void);

#endif
