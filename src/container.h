/* The create sequence (parent and init sides) and the operations that act
 * on a created container. */
#ifndef CELL_CONTAINER_H
#define CELL_CONTAINER_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"
#include "state.h"

typedef struct {
  const char *id, *bundle, *root;
  const char *pid_file, *console_socket;
  const char *pidfd_socket; /* receives a pidfd of the init (runc's flag) */
  int preserve_fds;         /* including listen_fds */
  int listen_fds;           /* socket activation (LISTEN_FDS meant for cell) */
  bool no_pivot, no_new_keyring;
  bool via_run;    /* started over the sync socket, not the exec fifo */
  bool foreground; /* run without --detach: proxy a terminal, reap */
  bool keep;       /* run --keep: the stopped container stays for delete */
} create_opts;

typedef struct {
  oci_config *cfg;
  cell_container c;
  int sync_fd; /* parent end; open until the init is started */
  int pidfd;   /* the init */
  int console; /* pty master kept for a foreground run, else -1 */
} cell_created;

/* Creates the container: on success it is "created" and waits for start
 * (exec fifo), or for container_start_sync() when via_run.  On failure
 * nothing is left: no state directory, mount or process. */
int container_create(const create_opts *o, cell_created *out,
                     cell_error_t *err);
/* run: tells the init to exec now. */
int container_start_sync(cell_created *cc, cell_error_t *err);
/* Kills the init (if any) and removes everything create made. */
void container_destroy(cell_created *cc);
void cell_created_free(cell_created *cc);

/* Loads bundle/config.json. */
int container_load_config(const char *bundle, oci_config **cfg,
                          cell_error_t *err);
/* Runs hooks with the state JSON of st in the given status. */
int container_run_hooks(const oci_hookv *hooks, const char *kind,
                        const cell_state *st, const char *status,
                        cell_error_t *err);

/* After a process's namespaces exist, the fds it sends over the sync
 * socket: its pty master (terminal) goes to console_socket, or into
 * *console for a proxy; a seccomp notify listener goes to listenerPath. */
int container_take_fds(int sync_fd, const oci_config *cfg, bool terminal,
                       const char *console_socket, const cell_state *st,
                       int *console, cell_error_t *err);
/* Sends sig to the init (or every process of the container with all). */
int container_signal(const cell_container *c, int sig, bool all,
                     cell_error_t *err);
/* The config copy saved for poststart/poststop hooks; *cfg is NULL when
 * there is none. */
int container_saved_hooks(const cell_container *c, oci_config **cfg,
                          cell_error_t *err);
/* delete: poststop hooks (failure is a warning) and the state directory. */
int container_remove(cell_container *c, cell_error_t *err);

/* Sends a pidfd of pid to the AF_UNIX socket (--pidfd-socket). */
int send_pidfd(const char *socket_path, int pid, cell_error_t *err);

#endif
