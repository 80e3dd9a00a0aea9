/*
 * doctor.h - `bootscope doctor [--json]`: a table of what this host's KVM
 * runs (the probes of probe.h, and QEMU as a device model), and which kinds
 * of guests will therefore not boot here.
 */
#ifndef BOOTSCOPE_DOCTOR_H
#define BOOTSCOPE_DOCTOR_H

int doctor__main(int argc, char **argv);

#endif
