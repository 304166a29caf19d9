/* Namespaces and user id maps. */
#ifndef CELL_NS_H
#define CELL_NS_H

#include <stdbool.h>

#include "error.h"
#include "oci.h"

/* CLONE_NEW* flag of a namespace type name, 0 when unknown. */
int ns_flag(const char *type);

typedef struct {
  int new_flags;   /* namespaces to create */
  int join_fds[8]; /* namespaces to join, by path; -1 when unused */
  int join_flags[8];
  int n_join;
  bool new_user, join_user, pid_changes, timens_offsets;
} ns_plan;

/* Checks namespace entries (types, duplicates, paths) and opens the ones
 * given by path, in join order: user first (the others are owned by it,
 * so joining them needs its capabilities), mount last (it changes what
 * paths mean). */
int ns_plan_make(const oci_config *cfg, ns_plan *plan, cell_error_t *err);
void ns_plan_close(ns_plan *plan);
/* The container will be in a namespace of this type (new or joined). */
bool ns_has(const ns_plan *plan, int flag);
/* Child side: setns into each namespace of the plan. */
int ns_join(const ns_plan *plan, cell_error_t *err);
/* Child side: linux.timeOffsets into /proc/self/timens_offsets, after
 * unshare(CLONE_NEWTIME) and before any process enters it. */
int ns_write_time_offsets(const oci_config *cfg, cell_error_t *err);

/* Parent side: writes uid_map/gid_map of pid.  As root directly; rootless
 * a single mapping of the caller directly (after setgroups=deny), larger
 * ones through newuidmap/newgidmap. */
int ns_write_id_maps(const oci_config *cfg, int pid, cell_error_t *err);

#endif
