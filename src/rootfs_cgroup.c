/* The "cgroup" mount type.  cgroup v2: a cgroup2 mount.  v1: a tmpfs
 * with one directory per hierarchy holding the container's own cgroup:
 * a fresh cgroup mount in a cgroup namespace (rooted at the container's
 * cgroup), else a bind of the host's directory of that cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs_internal.h"
#include "utils.h"

#define CG_ROOT "/sys/fs/cgroup"
#define PER_MOUNT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* "cpu,cpuacct" is also reachable as cpu and cpuacct. */
static int link_controllers(int tmpfd, const char *name, cell_error_t *err) {
  if (!strchr(name, ','))
    return 0;
  _cleanup_free_ char *dup = xstrdup(name);
  char *save = NULL;
  for (char *c = strtok_r(dup, ",", &save); c; c = strtok_r(NULL, ",", &save))
    if (symlinkat(name, tmpfd, c) < 0 && errno != EEXIST)
      return cell_errno(err, "symlink cgroup `%s`", c);
  return 0;
}

/* One hierarchy: "controllers" as in /proc/self/cgroup ("cpu,cpuacct",
 * "name=systemd", "" for the v2 one), path the container's cgroup. */
static int mount_hierarchy(int tmpfd, const char *controllers, const char *path,
                           bool cgns, unsigned long flags, cell_error_t *err) {
  const char *name = controllers;
  if (!*name)
    name = "unified";
  else if (!strncmp(name, "name=", 5))
    name += 5;
  if (!cgroup_hierarchy_mounted(name))
    return 0; /* not mounted on the host: nothing to show */
  bool made = mkdirat(tmpfd, name, 0755) == 0;
  if (!made && errno != EEXIST)
    return cell_errno(err, "mkdir cgroup `%s`", name);
  const char *type = *controllers ? "cgroup" : "cgroup2";
  const char *opts = *controllers ? controllers : NULL;
  /* a directory just made in our own tmpfs (the cwd, see mount_v1):
   * mounted on by its name, without an fd and a chdir of its own */
  if (made && cgns) {
    if (mount("cgroup", name, type, flags & PER_MOUNT, opts) < 0)
      return cell_errno(err, "mount cgroup `%s`", controllers);
    return link_controllers(tmpfd, name, err);
  }
  _cleanup_close_ int fd =
      openat(tmpfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return cell_errno(err, "open cgroup `%s`", name);
  if (cgns) {
    if (mount_on("cgroup", fd, type, flags & PER_MOUNT, opts) < 0)
      return cell_errno(err, "mount cgroup `%s`", controllers);
  } else {
    _cleanup_free_ char *src = xasprintf(CG_ROOT "/%s%s", name, path);
    if (mount_on(src, fd, NULL, MS_BIND | MS_REC, NULL) < 0)
      return cell_errno(err, "bind mount cgroup `%s`", src);
    _cleanup_close_ int mfd =
        openat(tmpfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (mfd < 0)
      return cell_errno(err, "open cgroup `%s`", name);
    unsigned long f = (flags & PER_MOUNT) | rootfs_locked_flags(mfd);
    if (mount_on(NULL, mfd, NULL, MS_BIND | MS_REMOUNT | f, NULL) < 0)
      return cell_errno(err, "remount cgroup `%s`", src);
  }
  /* mount_on moved the cwd */
  if (fchdir(tmpfd) < 0)
    return cell_errno(err, "chdir to the cgroup tmpfs");
  return link_controllers(tmpfd, name, err);
}

struct hier_ctx {
  int tmpfd;
  bool cgns;
  unsigned long flags;
  cell_error_t *err;
};

static int mount_one(char *controllers, char *path, void *arg) {
  struct hier_ctx *h = arg;
  return mount_hierarchy(h->tmpfd, controllers, path, h->cgns, h->flags,
                         h->err) < 0;
}

static int mount_v1(int rootfd, int destfd, const char *dest, bool cgns,
                    unsigned long flags, cell_error_t *err) {
  unsigned long tflags =
      (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (mount_on("tmpfs", destfd, "tmpfs", tflags, "mode=755") < 0)
    return cell_errno(err, "mount tmpfs on `%s`", dest);
  /* destfd names the directory under the tmpfs */
  _cleanup_close_ int tmpfd =
      open_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0, err);
  if (tmpfd < 0)
    return -1;

  /* the cwd: hierarchies are mounted by name (mount_hierarchy) */
  if (fchdir(tmpfd) < 0)
    return cell_errno(err, "chdir `%s`", dest);
  struct hier_ctx h = {tmpfd, cgns, flags, err};
  int r = proc_cgroups(0, mount_one, &h, err);
  if (r < 0)
    return -1;
  if (r > 0)
    return cell_err_prefix(err, "`%s`", dest);
  if ((flags & MS_RDONLY) &&
      mount_on(NULL, tmpfd, NULL, MS_REMOUNT | tflags | MS_RDONLY, "mode=755") <
          0)
    return cell_errno(err, "remount `%s` read-only", dest);
  return 0;
}

int rootfs_mount_cgroup(int rootfd, const char *dest, bool cgroupns,
                        unsigned long flags, cell_error_t *err) {
  _cleanup_close_ int destfd = rootfs_mkpath_in_root(rootfd, dest, false, err);
  if (destfd < 0)
    return -1;
  struct statfs sfs;
  if (statfs(CG_ROOT, &sfs) < 0)
    return cell_errno(err, "statfs `" CG_ROOT "`");
  if (sfs.f_type != CGROUP2_SUPER_MAGIC)
    return mount_v1(rootfd, destfd, dest, cgroupns, flags, err);
  if (mount_on("cgroup2", destfd, "cgroup2", flags, NULL) < 0)
    return cell_errno(err, "mount cgroup2 on `%s`", dest);
  return 0;
}
