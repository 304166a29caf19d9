/* process.terminal: the pty is made inside the container (its devpts), the
 * master travels to cell over the sync socket and on to --console-socket,
 * or cell proxies it to the caller's terminal (foreground run). */
#ifndef CELL_TERMINAL_H
#define CELL_TERMINAL_H

#include "error.h"
#include "oci.h"

/* Init side, after pivot_root: makes the pty, applies consoleSize, binds
 * the slave on /dev/console, makes it the controlling terminal and stdio.
 * Returns the master fd (for the caller to send), or -1. */
int terminal_setup(const oci_process *p, cell_error_t *err);
/* Sends the master to the AF_UNIX socket at path (SCM_RIGHTS). */
int terminal_send(const char *path, int master, cell_error_t *err);
/* Copies between the caller's stdin/stdout and master until the master
 * hangs up or pidfd says the process exited; the caller's terminal is raw
 * meanwhile and SIGWINCH resizes the pty. */
int terminal_proxy(int master, int pidfd);

#endif
