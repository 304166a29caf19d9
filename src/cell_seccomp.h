/* linux.seccomp.  The parent validates the profile, then compiles it to
 * BPF (or takes it from the cache under the state root) before clone; the
 * init only loads the program, at the point cell_seccomp_stage() names. */
/* Not "seccomp.h": src/ is on the include path and would hide
 * libseccomp's <seccomp.h>. */
#ifndef CELL_CELL_SECCOMP_H
#define CELL_CELL_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci.h"
#include "state.h"

struct sock_filter;

typedef struct {
  struct sock_filter *insns; /* NULL: no linux.seccomp */
  size_t len;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
  bool notify;        /* a rule uses SCMP_ACT_NOTIFY */
} cell_seccomp_prog;

/* Where in the init the filter is loaded (see cell_seccomp_stage). */
enum cell_seccomp_at {
  CELL_SECCOMP_NONE,
  CELL_SECCOMP_BEFORE_USER,  /* before the user and capability change */
  CELL_SECCOMP_BEFORE_READY, /* after it, before waiting for start */
  CELL_SECCOMP_BEFORE_EXEC,  /* right before execve */
};

/* Checks every name and value in linux.seccomp; errors name the JSON path.
 * Syscall names libseccomp does not know are warned about here. */
int cell_seccomp_validate(const oci_config *cfg, cell_error_t *err);
/* Parent, before clone: the program for cfg (p->insns stays NULL without
 * linux.seccomp), from <root>/.seccomp-cache when it holds a good entry. */
int cell_seccomp_prepare(const oci_config *cfg, const char *root,
                         cell_seccomp_prog *p, cell_error_t *err);
void cell_seccomp_prog_free(cell_seccomp_prog *p);
enum cell_seccomp_at cell_seccomp_stage(const cell_seccomp_prog *p,
                                        bool no_new_privs);
/* Init: loads the program; *listener is the notify fd, or -1. */
int cell_seccomp_load(const cell_seccomp_prog *p, int *listener,
                      cell_error_t *err);

/* Whether the init will send a listener fd (SYNC_SECCOMP). */
bool cell_seccomp_uses_notify(const oci_seccomp *s);
/* Parent: sends the container process state and the listener fd to
 * linux.seccomp.listenerPath. */
int cell_seccomp_send_listener(const oci_seccomp *s, int listener,
                               const cell_state *st, cell_error_t *err);

/* For `features`: NULL-terminated name lists. */
extern const char *const cell_seccomp_action_names[];
extern const char *const cell_seccomp_op_names[];
extern const char *const cell_seccomp_arch_names[];
extern const char *const cell_seccomp_flag_names[];
/* Fills out (room for every known flag + NULL) with the flags this kernel
 * accepts. */
void cell_seccomp_supported_flags(const char **out);

#endif
