/*
 * qemu.h - `bootscope qemu`: a boot on stock qemu-system-i386, with the same
 * options, milestones and JSON summary as `bootscope run` (see qemu.c).
 */
#ifndef BOOTSCOPE_QEMU_H
#define BOOTSCOPE_QEMU_H

int qemu__main(int argc, char **argv);

#endif
