/*
 * summary.h - what a run reports: the JSON summary (--json) and the
 * human-readable table on stderr. Both read the vm after the vCPU threads
 * have been joined. JSON field names are documented in docs/json-summary.md and stable.
 */
#ifndef BOOTSCOPE_SUMMARY_H
#define BOOTSCOPE_SUMMARY_H

#include <stdio.h>

struct vm;
struct cJSON;

struct cJSON *summary__json(const struct vm *vm);
/* Write to path ("-" = stdout); returns 0 or negative errno. */
int summary__write_json(struct vm *vm, const char *path);
/* An error after the options were read: prints MSG, records outcome error, writes --json; returns EXIT_ERROR. */
int summary__fail(struct vm *vm, const char *msg);
void summary__print(const struct vm *vm, FILE *f);

/*
 * After a run, before its summary: --type that failed (QEMU refused a key or
 * stopped reading) makes the run an error, said on stderr, whatever the
 * guest did; the screen's outputs that could not be written likewise.
 * log and svg are closed here (either may be NULL).
 */
void summary__screen_verdict(struct vm *vm, FILE *log, FILE *svg);

#endif
