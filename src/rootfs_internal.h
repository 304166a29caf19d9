/* Private helpers shared by rootfs*.c and devices.c: paths resolved inside
 * the container's root, mounts onto O_PATH fds. */
#ifndef CELL_ROOTFS_INTERNAL_H
#define CELL_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci.h"
#include "rootfs.h"

/* Room for "/proc/self/fd/<int>". */
#define FDPATH_MAX 32
/* "/proc/self/fd/N": mount(2) follows it to what the O_PATH fd names. */
const char *fdpath(int fd, char buf[FDPATH_MAX]);

/* mount(2) onto what fd names.  A directory becomes the cwd and the
 * target is ".": no walk through the /proc/self/fd magic link, which
 * costs more than the rest of a bind.  So the cwd is scratch while the
 * rootfs is built, and bind sources must be absolute paths. */
int mount_on(const char *src, int fd, const char *type, unsigned long flags,
             const void *data);

/* Lexically cleaned absolute path ("//a/./b/../c" -> "/a/c"); NULL when
 * it is relative or a ".." would climb above "/".  malloc'd. */
char *rootfs_clean_path(const char *path);

/* O_PATH fd of `path` (cleaned) inside root, created when missing as a
 * directory (mode 0755) or an empty file (mode 0), with missing parents;
 * a dangling symlink there gets its target made inside the root. */
int rootfs_mkpath_in_root(int rootfd, const char *path, bool file,
                          cell_error_t *err);
/* O_PATH fd of the parent of `path` (cleaned), created when missing;
 * *base points into path at the last component ("" for "/"). */
int rootfs_open_parent(int rootfd, const char *path, const char **base,
                       cell_error_t *err);
/* O_PATH fd of `base` in dirfd, created as an empty file when missing.
 * A symlink or directory there is an error. */
int rootfs_mkfile_at(int dirfd, const char *base, mode_t mode, const char *what,
                     cell_error_t *err);

/* The flags a bind remount must keep (nodev, nosuid, noexec, atime: the
 * kernel locks them in a user namespace), from fstatvfs of fd. */
unsigned long rootfs_locked_flags(int fd);

/* Recursively copies the directory srcfd into dstfd (both readable
 * directory fds), keeping modes, owners and symlinks: tmpcopyup.  With
 * root_attrs, dstfd takes srcfd's mode and owner too (no mode= given). */
int rootfs_copyup(int srcfd, int dstfd, bool root_attrs, const char *what,
                  cell_error_t *err);

/* Option checks of one config mount that need the option table. */
int rootfs_validate_mount_options(const oci_mount *m, size_t idx,
                                  cell_error_t *err);
/* One config mount, destination resolved inside rootfd. */
int rootfs_do_mount(int rootfd, const oci_mount *m, size_t idx,
                    const rootfs_opts *o, cell_error_t *err);
/* The "cgroup" mount type (rootfs_cgroup.c). */
int rootfs_mount_cgroup(int rootfd, const char *dest, bool cgroupns,
                        unsigned long flags, cell_error_t *err);

#endif
