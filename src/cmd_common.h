/* Pieces that several commands share. */
#ifndef CELL_CMD_COMMON_H
#define CELL_CMD_COMMON_H

#include <signal.h>
#include <stdbool.h>

#include "container.h"

/* Options of create and run; returns 0, or 1 after printing the error. */
int parse_create_opts(int argc, char **argv, create_opts *o, bool run,
                      bool *detach, char **bundle_out);
/* Parses options that take no value (each a short letter), then one ID.
 * Returns 0, or 1 after printing the error. */
int parse_id_only(int argc, char **argv, const char *flags,
                  const char *long_names[], bool *set, const char **id);
/* The preserved fds 3..3+n-1 must be the caller's: where one is not
 * open, an fd of cell's own (the state directory, the sync socket) would
 * land there and reach the container, so each gap gets /dev/null.  Call
 * before opening anything.  Returns 0, or 1 after printing the error. */
int reserve_preserved_fds(const char *cmd, int n);
/* Signal by name (KILL, SIGKILL) or number; -1 when unknown. */
int parse_signal(const char *s);
/* Waits up to ms for the container's init to exit. */
int wait_stopped(const cell_container *c, int ms);

/* The signals a foreground run or exec passes on, as runc does; the
 * caller blocks them once its child exists (it must not inherit them). */
void forwarded_signals(sigset_t *set);
/* Forwards those signals to pidfd's process until it exits; returns its
 * exit code (128+N for signal N). */
int wait_forwarding(int pidfd, const sigset_t *set);

#endif
