/* The state directory: <root>/<id>/ holds state.json (written atomically),
 * exec.fifo while the container is created but not started, and a copy of
 * config.json when delete will need its poststop hooks.  The directory fd
 * is flock()ed to serialise commands on one id. */
#ifndef CELL_STATE_H
#define CELL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

typedef enum {
  ST_CREATING,
  ST_CREATED,
  ST_RUNNING,
  ST_STOPPED,
  ST_PAUSED, /* running (or created) with its cgroup frozen */
} cell_status;

typedef struct {
  char *id, *bundle, *rootfs, *created;
  int pid;            /* host pid of the init, 0 while creating */
  uint64_t pid_start; /* its start time (/proc/PID/stat field 22) */
  int creator;        /* pid of the `cell create` that is setting it up */
  uint64_t creator_start;
  uid_t owner;
  bool own_pidns;       /* kill --all can rely on the pid namespace */
  bool has_config_copy; /* config.json copied: poststart/poststop hooks */
  oci_map annotations;  /* borrowed from the config when writing */
  oci_map cgroup_paths; /* hierarchy -> cgroup path (see cgroup.h) */
} cell_state;

typedef struct {
  int dirfd;   /* the state directory */
  bool locked; /* by us: state_open (not state_peek) */
  char *path;  /* <root>/<id> */
  cell_state st;
} cell_container;

/* Default --root: /run/cell as root, $XDG_RUNTIME_DIR/cell otherwise. */
const char *state_default_root(void);
int state_validate_id(const char *id, cell_error_t *err);
/* Makes <root>/<id> (EEXIST: the id is taken), locks it. */
int state_create(const char *root, const char *id, cell_container *c,
                 cell_error_t *err);
/* Loads a container's state without the lock, for state and list: they
 * must not wait for a create at work (its hooks may take minutes), and
 * state.json is only ever replaced whole. */
int state_peek(const char *root, const char *id, cell_container *c,
               cell_error_t *err);
/* Opens and locks an existing container and loads its state. */
int state_open(const char *root, const char *id, cell_container *c,
               cell_error_t *err);
int state_save(cell_container *c, cell_error_t *err);
/* A foreground run holds no lock while the container runs, so that kill,
 * state and delete work meanwhile. */
int state_unlock(cell_container *c);
int state_relock(cell_container *c, cell_error_t *err);
/* Removes the state directory (and its files); c stays valid to close. */
int state_remove(cell_container *c, cell_error_t *err);
void state_close(cell_container *c);

/* The status derived from the live process: pid plus start time, the exec
 * fifo, and the creating process. */
cell_status state_status(const cell_container *c);
const char *state_status_name(cell_status s);
/* OCI state JSON (runtime-spec "state"); status given explicitly. */
char *state_oci_json(const cell_state *st, const char *status, bool pretty);

/* Start time of a pid from /proc/PID/stat, 0 when gone or a zombie. */
uint64_t proc_start_time(int pid);

#endif
