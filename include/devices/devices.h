/*
 * devices.h - the small PC devices that live in the VMM, one file each.
 * Each register function puts its device on the bus; they run on the vCPU
 * thread that made the access.
 */
#ifndef BOOTSCOPE_DEVICES_H
#define BOOTSCOPE_DEVICES_H

#include <stddef.h>
#include <stdint.h>

struct vm;

#define DEBUG_EXIT_PORT	0xf4	/* isa-debug-exit,iobase=0xf4,iosize=4 */
#define POST_PORT	0x80
#define DEBUGCON_PORT	0xe9
#define DEBUGCON_PORT_SEABIOS 0x402
#define CMOS_PORT	0x70
#define FW_CFG_PORT	0x510	/* fw_cfg: selector at 0x510, data at 0x511 */

/* Puts a device on the bus: its ports, its state. 0 or -errno. */
typedef int (*device_register_fn)(struct vm *vm);
/* Each of reg[0..n), in order (the order the trace's device map lists them); stops at the first error. */
int devices__register(struct vm *vm, const device_register_fn *reg, size_t n);
/* The devices every boot has: COM1, the debug consoles, isa-debug-exit, POST codes (in that order). */
int devices__register_common(struct vm *vm);
int debug_exit__register(struct vm *vm);
int debugcon__register(struct vm *vm);
int post__register(struct vm *vm);
int cmos__register(struct vm *vm);
/* fw_cfg: signature, CPU count, RAM size, as the firmware and SeaBIOS-style guests read them. */
int fw_cfg__register(struct vm *vm);

/* The CMOS bytes as the firmware and guests read them (for tests). */
void cmos__fill_memory(uint8_t *nvram, uint64_t ram_size, int nr_cpus);

#endif
