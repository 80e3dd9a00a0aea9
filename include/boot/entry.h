/*
 * entry.h - what a kernel is handed, decoded for `--stop-at-entry`: vCPU 0's
 * registers and segments at the kernel's first instruction, and the boot
 * information as it sits in guest memory (Multiboot info structure, Linux
 * boot_params), with a SHA-256 of every module and initrd.
 */
#ifndef BOOTSCOPE_ENTRY_H
#define BOOTSCOPE_ENTRY_H

struct cJSON;
struct vm;

struct cJSON *entry__json(const struct vm *vm);

#endif
