/*
 * compare.h - `bootscope compare`: the same boot on two sides (run against
 * qemu, or two configurations of one engine), N interleaved samples each,
 * medians and the ratio of medians with a bootstrap confidence interval.
 */
#ifndef BOOTSCOPE_COMPARE_H
#define BOOTSCOPE_COMPARE_H

int compare__main(int argc, char **argv);

#endif
