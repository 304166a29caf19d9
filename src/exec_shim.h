/* The exec shim (src/shim/exec_shim.c): the container's program is exec'd
 * by a sealed in-memory copy of it, never by a process whose
 * /proc/self/exe is cell's host binary (CVE-2019-5736). */
#ifndef CELL_EXEC_SHIM_H
#define CELL_EXEC_SHIM_H

#include <stddef.h>

#include "error.h"

extern const unsigned char cell_exec_shim[];
extern const size_t cell_exec_shim_len;

/* A sealed, close-on-exec memfd holding the shim.  Made before seccomp
 * (a profile may deny memfd_create) and before privileges are dropped. */
int exec_shim_open(cell_error_t *err);

/* Execs `exe` through the shim.  sync_fd (or -1) is the parent's sync
 * socket: it stays open across the shim and closes with the program's
 * exec, and an exec failure comes back on it.  Returns only on failure. */
int exec_shim_exec(int shim_fd, int sync_fd, const char *exe, char **argv,
                   char **env, cell_error_t *err);

#endif
