/* `cell exec`: a new process in a running (or created) container.  It
 * joins the init's namespaces through a pidfd and its cgroup, and gets the
 * same security settings the init got (seccomp, capabilities, user,
 * no_new_privs, rlimits), from the process document it is given. */
#ifndef CELL_EXEC_H
#define CELL_EXEC_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"
#include "state.h"

typedef struct {
  const char *root;           /* state root, for the seccomp cache */
  const char *console_socket; /* with proc->terminal: where the master goes */
  int preserve_fds;
  const oci_strv *cgroups; /* --cgroup "[CONTROLLERS:]SUBPATH" specs */
} exec_opts;

typedef struct {
  int pid;     /* host pid of the process */
  int pidfd;   /* a child of the caller: wait on it */
  int console; /* pty master when terminal without a console socket, or -1 */
} exec_proc;

/* Starts proc in container c (whose config is cfg) and returns once its
 * execve succeeded; on failure nothing of it is left running.  Errors of
 * the process's setup (a missing program, a bad cwd) come back in err. */
int exec_start(const cell_container *c, const oci_config *cfg,
               const oci_process *proc, const exec_opts *o, exec_proc *out,
               cell_error_t *err);

#endif
