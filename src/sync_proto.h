/* The sync protocol's wire format, shared with the freestanding exec shim
 * (src/shim/exec_shim.c), which can include nothing but this. */
#ifndef CELL_SYNC_PROTO_H
#define CELL_SYNC_PROTO_H

#include <stdint.h>

enum sync_type {
  SYNC_USERNS = 1,  /* child -> parent: write my uid/gid maps */
  SYNC_USERNS_DONE, /* parent -> child */
  SYNC_PID,         /* child -> parent: value = pid of the real init */
  SYNC_HOOKS,       /* child -> parent: run prestart/createRuntime hooks */
  SYNC_HOOKS_DONE,  /* parent -> child: data = state JSON for later hooks */
  SYNC_CONSOLE,     /* child -> parent: pty master in SCM_RIGHTS */
  SYNC_READY,       /* child -> parent: waiting for start */
  SYNC_START,       /* parent -> child (run): exec now */
  SYNC_ERROR,       /* child -> parent: data = message, value = errno */
  SYNC_SECCOMP,     /* child -> parent: seccomp listener in SCM_RIGHTS */
  SYNC_EXEC_ERROR,  /* exec shim -> parent: data = path, value = errno */
};

typedef struct sync_wire_hdr {
  uint32_t type;
  int32_t value;
  uint32_t len; /* bytes of data that follow the header */
} sync_hdr;

/* argv[0] the exec shim insists on: anything else runs it by accident */
#define CELL_SHIM_MARKER "cell-exec-shim"

#endif
