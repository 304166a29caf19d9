/* cgroups: placement of a container in its own cgroup (cgroupfs driver,
 * v1/hybrid and v2), linux.resources, and what commands do through the
 * cgroup (pause, ps, kill --all, stats).
 *
 * A container's cgroup is recorded as a map from the hierarchy's
 * directory under /sys/fs/cgroup ("memory", "cpu,cpuacct", "unified";
 * "." for a v2-only host) to the cgroup's path inside that hierarchy. */
#ifndef CELL_CGROUP_H
#define CELL_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

#define CG_MOUNT "/sys/fs/cgroup"

/* What a process needs to move itself into a container's cgroups (see
 * cgroup_join_open), opened by cell before that process exists. */
typedef struct {
  size_t n;
  char **dirs; /* per hierarchy: the cgroup directory (for messages) */
  int *fds;    /* per hierarchy: v1 `tasks`, -1 for none */
  int v2;      /* the v2 (or hybrid unified) hierarchy's index, -1: none */
  int v2dir;   /* its directory: for CLONE_INTO_CGROUP */
} cgroup_join;
#define CGROUP_JOIN_NONE                                                       \
  { .v2 = -1, .v2dir = -1 }

typedef struct {
  oci_map paths; /* empty: the container has no cgroup (rootless) */
  int v2fd;      /* v2-only host: the cgroup dir, for CLONE_INTO_CGROUP */
  /* v1 and hybrid, cgroupfs driver: how the init moves itself */
  cgroup_join join;
  /* v1: where the caller was before cgroup_enter_self(), to go back */
  oci_map saved;
  /* systemd driver: the scope is made when its first pid is known, and
   * the resources applied then, over sd_fd (connected at create, so that
   * a missing manager fails before the init exists); sd_user: the
   * caller's user manager (rootless) */
  char *sd_unit, *sd_slice;
  int sd_fd;
  bool sd_user;
  const oci_config *cfg;
} cell_cgroup;

/* Creates the container's cgroup(s) and applies cfg's linux.resources.
 * Rootless without a writable cgroup: no cgroup (a warning), unless
 * resources were asked for (an error).  On failure nothing is left. */
int cgroup_create(const oci_config *cfg, const char *id, cell_cgroup *cg,
                  cell_error_t *err);
/* Moves the caller into every hierarchy of cg (v1: so that a child cloned
 * now is born there), remembering where it was; cgroup_leave_self() moves
 * it back.  No-op on a v2-only host, where clone uses cg->v2fd. */
int cgroup_enter_self(cell_cgroup *cg, cell_error_t *err);
/* --rootless true|false|auto (1, 0, -1): a rootless cgroup setup uses a
 * delegated v2 subtree if it can, else runs without a cgroup (with a
 * warning) when no resources are asked for. */
void cgroup_set_rootless(int mode);
/* --systemd-cgroup: the container's cgroup is a systemd scope. */
void cgroup_set_systemd(bool on);
/* systemd driver: starts the scope with pid (the init, still waiting for
 * the parent) in it, and on v1 moves it into the other hierarchies.  The
 * cgroupfs driver has no such step: the init moves itself (cgroup_join)
 * or is cloned into its cgroup (v2). */
int cgroup_systemd_enter_pid(cell_cgroup *cg, int pid, cell_error_t *err);
int cgroup_leave_self(cell_cgroup *cg, cell_error_t *err);
/* Opens, for each hierarchy i of paths, what moves a process into
 * dirs[i] (a cgroup directory there): `tasks` on v1, the directory on
 * v2.  dirs (malloc'd, as its strings) is taken over, even on failure.
 * A process moves itself in by cgroup_join_self, and into the v2 one by
 * being cloned there (v2dir). */
int cgroup_join_open(const oci_map *paths, char **dirs, cgroup_join *j,
                     cell_error_t *err);
/* The kernel has no CLONE_INTO_CGROUP: the v2 hierarchy is joined by
 * its cgroup.procs as well. */
int cgroup_join_no_clone_into(cgroup_join *j, cell_error_t *err);
/* In the process that moves: "0" into each fd; closes them. */
int cgroup_join_self(cgroup_join *j, cell_error_t *err);
void cgroup_join_close(cgroup_join *j);
/* The init's cgroup_join for cg (cgroupfs driver, v1 and hybrid). */
int cgroup_self_open(cell_cgroup *cg, cell_error_t *err);
/* Kills what is left in the cgroup(s) and removes them. */
int cgroup_destroy(const oci_map *paths, cell_error_t *err);
void cgroup_free(cell_cgroup *cg);

/* Applies resources to an existing container's cgroup (update). */
int cgroup_update(const oci_map *paths, const oci_resources *r,
                  cell_error_t *err);
/* pause/resume. */
int cgroup_freeze(const oci_map *paths, bool freeze, cell_error_t *err);
bool cgroup_is_frozen(const oci_map *paths);
/* Pids of every process in the container's cgroup; *n set. */
int cgroup_pids(const oci_map *paths, pid_t **out, size_t *n,
                cell_error_t *err);
/* Signals every process in the cgroup. */
int cgroup_signal_all(const oci_map *paths, int sig, cell_error_t *err);
/* Stats as runc's events JSON "data" object, yajl-generated text. */
char *cgroup_stats_json(const oci_map *paths, cell_error_t *err);
/* Number of OOM kills so far (memory.events / memory.oom_control). */
long long cgroup_oom_count(const oci_map *paths);

/* map helpers (the state keeps the map) */
void cgroup_map_add(oci_map *m, const char *key, const char *value);
void cgroup_map_free(oci_map *m);
/* v2-only host? */
bool cgroup_is_v2(void);

#endif
