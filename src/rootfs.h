/* The container's root filesystem: mounts, devices, masked and read-only
 * paths, pivot_root.  Runs in the container's init, inside its new mount
 * namespace (and user namespace when there is one). */
#ifndef CELL_ROOTFS_H
#define CELL_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"

typedef struct {
  const char *rootfs; /* absolute host path of root.path, already resolved */
  const char *bundle; /* absolute: relative bind sources are under it */
  bool userns;        /* in a new user namespace: bind devices, no mknod */
  bool terminal;      /* process.terminal: create /dev/console (empty file) */
  bool no_pivot;      /* --no-pivot: move-mount and chroot */
  bool cgroupns;      /* in a cgroup namespace of its own: fresh cgroup
                       * mounts show the container's cgroups */
} rootfs_opts;

/* Everything before pivot_root, in the spec's order: rootfsPropagation
 * (default: rprivate), the rootfs bound on itself, config.mounts in order,
 * the default devices and linux.devices, /dev symlinks, /dev/ptmx.
 * Destinations are resolved inside the root (never follow out of it). */
int rootfs_prepare(const oci_config *cfg, const rootfs_opts *o,
                   cell_error_t *err);

/* pivot_root (or move+chroot).  On return the cwd is the new "/". */
int rootfs_pivot(const oci_config *cfg, const rootfs_opts *o,
                 cell_error_t *err);
/* After pivot_root and what still writes to /proc/sys or the root:
 * readonlyPaths, maskedPaths, root.readonly, then rootfsPropagation. */
int rootfs_finalize(const oci_config *cfg, cell_error_t *err);

/* Opens path inside root (a directory fd) without following anything out
 * of it: openat2(RESOLVE_IN_ROOT), with a careful component-by-component
 * fallback.  flags as for openat; O_CLOEXEC is always added. */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode,
                 cell_error_t *err);
/* The same, without an error message: -1 and errno (a missing path is
 * often no error, and formatting one costs more than the lookup). */
int open_in_root_quiet(int rootfd, const char *path, int flags, mode_t mode);
/* open_in_root's error for a failed open_in_root_quiet (errno): -1. */
int open_in_root_error(const char *path, cell_error_t *err);

/* Validates mount options and destinations of a config before anything is
 * created (so bad input leaves nothing behind). */
int rootfs_validate(const oci_config *cfg, cell_error_t *err);

/* The mount options cell knows, for `features` (NULL-terminated). */
extern const char *const rootfs_known_mount_options[];

#endif
