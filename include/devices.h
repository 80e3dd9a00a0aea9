/*
 * devices.h - the small PC devices that live in the VMM, one file each.
 * Each register function puts its device on the bus; they run on the vCPU
 * thread that made the access.
 */
#ifndef BOOTSCOPE_DEVICES_H
#define BOOTSCOPE_DEVICES_H

#include <stdint.h>

struct vm;

#define DEBUG_EXIT_PORT	0xf4	/* isa-debug-exit,iobase=0xf4,iosize=4 */
#define POST_PORT	0x80
#define DEBUGCON_PORT	0xe9
#define DEBUGCON_PORT_SEABIOS 0x402
#define CMOS_PORT	0x70

int debug_exit__register(struct vm *vm);
int debugcon__register(struct vm *vm);
int post__register(struct vm *vm);
int cmos__register(struct vm *vm);

/* The CMOS bytes as the firmware and guests read them (for tests). */
void cmos__fill_memory(uint8_t *nvram, uint64_t ram_size, int nr_cpus);

#endif
