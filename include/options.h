/*
 * options.h - the command line of `bootscope run`.
 */
#ifndef BOOTSCOPE_OPTIONS_H
#define BOOTSCOPE_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

struct vm_config;

/*
 * Fill cfg from argv (argv[0] is the subcommand). Returns 0, 1 when help was
 * printed, or -EINVAL with a one-line message in err (a usage error).
 */
int options__parse_run(struct vm_config *cfg, int argc, char **argv, char *err, size_t errlen);
void options__usage(FILE *f);

#endif
