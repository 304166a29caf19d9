/* Pieces that several commands share. */
#ifndef CELL_CMD_COMMON_H
#define CELL_CMD_COMMON_H

#include <stdbool.h>

#include "container.h"

/* Options of create and run; returns 0, or 1 after printing the error. */
int parse_create_opts(int argc, char **argv, create_opts *o, bool run,
                      bool *detach, char **bundle_out);
/* Parses options that take no value (each a short letter), then one ID.
 * Returns 0, or 1 after printing the error. */
int parse_id_only(int argc, char **argv, const char *flags,
                  const char *long_names[], bool *set, const char **id);
/* Signal by name (KILL, SIGKILL) or number; -1 when unknown. */
int parse_signal(const char *s);
/* Waits up to ms for the container's init to exit. */
int wait_stopped(const cell_container *c, int ms);

#endif
