/*
 * options.h - the command line of `bootscope run`.
 */
#ifndef BOOTSCOPE_OPTIONS_H
#define BOOTSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vm_config;

/*
 * Fill cfg from argv (argv[0] is the subcommand). Returns 0, 1 when help was
 * printed, or -EINVAL with a one-line message in err (a usage error).
 */
int options__parse_run(struct vm_config *cfg, int argc, char **argv, char *err, size_t errlen);
void options__usage(FILE *f);
/*
 * `bootscope COMMAND ... --help` for a command other than run and qemu: its
 * own help, with examples, on f. True when it was asked for and printed.
 */
bool options__command_help(const char *cmd, int argc, char **argv, FILE *f);
/*
 * The start of `run` and `qemu`: the clock, then the options into vm->cfg,
 * the memory size and the CPU model. Exits on a usage error; returns 1 when
 * help was printed, else 0.
 */
struct vm;
int options__vm(struct vm *vm, int argc, char **argv);

#endif
