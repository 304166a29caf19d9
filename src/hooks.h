#ifndef CELL_HOOKS_H
#define CELL_HOOKS_H

#include "error.h"
#include "oci.h"

/* Runs each hook in order: path with args and env, state_json on stdin,
 * killed (SIGKILL) once timeout seconds pass.  A hook that fails (non-zero
 * exit, signal, timeout, exec failure) stops the list and returns -1 with
 * a message naming the hook kind, index and path. */
int hooks_run(const oci_hookv *hooks, const char *kind, const char *state_json,
              cell_error_t *err);

#endif
