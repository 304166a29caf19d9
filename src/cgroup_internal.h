/* Shared between the cgroup modules: file access that names the file in
 * errors, and the per-version resource writers. */
#ifndef CELL_CGROUP_INTERNAL_H
#define CELL_CGROUP_INTERNAL_H

#include <stdbool.h>

#include "cgroup.h"

/* One cgroup directory: its fd and its host path, for messages. */
typedef struct {
  int fd;
  char *path;
} cg_dir;

int cg_open(const char *key, const char *path, cg_dir *d, cell_error_t *err);
void cg_close(cg_dir *d);
/* Writes a string to a file of d; the error names the full path. */
int cg_write(const cg_dir *d, const char *file, const char *val,
             cell_error_t *err);
int cg_writef(const cg_dir *d, const char *file, cell_error_t *err,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reads a file of d; NULL (errno set) when it cannot. */
char *cg_read(const cg_dir *d, const char *file);
bool cg_exists(const cg_dir *d, const char *file);
/* "key value" line of a flat-keyed file, -1 when absent. */
long long cg_keyed(const char *text, const char *key);

/* Does the map hold a v1 hierarchy with this controller? Its key. */
const char *cg_v1_key(const oci_map *paths, const char *controller);
const char *cg_map_get(const oci_map *m, const char *key);

/* rdma.max line for one device: "mlx4_0 hca_handle=2 hca_object=3" */
int cg_rdma_line(const oci_rdma *r, char *buf, size_t n);

/* True when r asks for anything at all. */
bool cg_resources_asked(const oci_resources *r);

/* v1: applies r to every hierarchy it touches; update is true for
 * `cell update` (checkBeforeUpdate). */
int cgv1_apply(const oci_map *paths, const oci_resources *r, bool update,
               cell_error_t *err);
/* v2: the controllers r needs ("memory pids ..."), enabled by the caller
 * in every ancestor's subtree_control. */
char *cgv2_controllers(const oci_resources *r);
int cgv2_apply(const cg_dir *d, const oci_resources *r, bool update,
               cell_error_t *err);
/* v2 devices: the eBPF program that enforces r->devices, attached to d
 * (replacing the one attached before). */
int cgv2_devices(const cg_dir *d, const oci_resources *r, cell_error_t *err);

/* systemd driver (cgroup_systemd.c).  Parses cgroupsPath
 * ("slice:prefix:name", empty for the default) into the scope's unit, its
 * slice and its v2 path relative to the manager's root; user: the default
 * slice is a user manager's (user.slice). */
int cgsd_parse(const char *spec, const char *id, bool user, char **unit,
               char **slice, char **path, cell_error_t *err);
/* A manager's root cgroup from the cgroup it runs in: without the
 * trailing "/init.scope", "" for the top. */
char *cgsd_manager_root(const char *cg);
/* Connects and authenticates to the system manager or (user) the
 * caller's user manager: the fd, or -1 with err set; *root is the
 * manager's root cgroup, which unit paths are relative to. */
int cgsd_connect(bool user, char **root, cell_error_t *err);
/* Has systemd start the scope with pid in it, over fd from cgsd_connect,
 * and waits until the pid is in path. */
int cgsd_start_scope(int fd, const char *unit, const char *slice,
                     const char *path, int pid, const oci_resources *r,
                     cell_error_t *err);

#endif
