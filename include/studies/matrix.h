/*
 * matrix.h - `bootscope matrix` and `bootscope matrix-report`: a boot study
 * over engines x CPU models x SMP counts x samples, resumable, shardable.
 *
 * Results are JSON lines. The first line of a results file is its header:
 *   {"bootscope_matrix": 1, "boot": ["--cdrom", "x.iso", ...]}
 * the boot options every cell shares; a file whose header names other boot
 * options is refused. Every other line is one finished cell:
 *   {"engine": "kvm", "cpu": "486", "smp": 2, "sample": 1, "outcome": "until",
 *    "exit_status": 0, "wall_ns": ..., "milestones_ns": {"until": ...},
 *    "setup_ns": ... (launch to the engine's origin: the launch clock's offset),
 *    "exits": 3586 | null, "last_line": "...", "failed": false,
 *    "host": "kvm_pvm", "timing_note": "..."}
 * written with one write() and fsync()ed at once, so an interrupted matrix
 * loses at most the cells that were running.
 */
#ifndef BOOTSCOPE_MATRIX_H
#define BOOTSCOPE_MATRIX_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef void (*matrix_line_fn)(void *arg, const cJSON *cell);

/*
 * Read a results file: fn for every cell line. *boot is the header's boot
 * options as JSON: when NULL it is set from the file (the caller frees it);
 * otherwise a file with other boot options is refused. 0 or -errno, err set.
 */
int matrix__read(const char *path, char **boot, matrix_line_fn fn, void *arg, char *err, size_t errlen);
/* Did a cell's line record a failure (no result)? Older lines without "failed" are judged by their outcome. */
bool matrix__line_failed(const cJSON *cell);
int matrix__main(int argc, char **argv);
int matrix_report__main(int argc, char **argv);

#endif
