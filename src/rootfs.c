/* The container's root filesystem: propagation, config mounts, devices,
 * pivot_root, masked and read-only paths. */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "rootfs_internal.h"
#include "utils.h"

static const struct {
  const char *name;
  unsigned long flags;
} propagations[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* 0 when name is NULL or unknown. */
static unsigned long propagation_flags(const char *name) {
  for (size_t i = 0; name && i < sizeof propagations / sizeof *propagations;
       i++)
    if (strcmp(propagations[i].name, name) == 0)
      return propagations[i].flags;
  return 0;
}

/* field: "mounts[%zu].destination" style, with idx. */
static int check_path(const char *field, const char *sub, size_t idx,
                      const char *path, cell_error_t *err) {
  if (!path)
    return cell_err(err, 0, "%s[%zu]%s: a path is required", field, idx, sub);
  _cleanup_free_ char *clean = rootfs_clean_path(path);
  if (clean)
    return 0;
  if (path[0] != '/')
    return cell_err(err, 0, "%s[%zu]%s: \"%s\" is not an absolute path", field,
                    idx, sub, path);
  return cell_err(err, 0, "%s[%zu]%s: \"%s\" escapes the root", field, idx, sub,
                  path);
}

int rootfs_validate(const oci_config *cfg, cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  for (size_t i = 0; i < cfg->n_mounts; i++) {
    const oci_mount *m = &cfg->mounts[i];
    if (check_path("mounts", ".destination", i, m->destination, err) < 0)
      return -1;
    if (rootfs_validate_mount_options(m, i, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < l->n_devices; i++) {
    const oci_device *d = &l->devices[i];
    if (check_path("linux.devices", ".path", i, d->path, err) < 0)
      return -1;
    _cleanup_free_ char *p = rootfs_clean_path(d->path);
    if (strncmp(p, "/dev/", 5) != 0)
      return cell_err(err, 0, "linux.devices[%zu]: `%s` is not under /dev", i,
                      d->path);
    if (!d->type || strlen(d->type) != 1 || !strchr("cbup", d->type[0]))
      return cell_err(err, 0,
                      "linux.devices[%zu] (`%s`): type must be c, b, u or p", i,
                      d->path);
  }
  for (size_t i = 0; i < l->masked_paths.len; i++)
    if (check_path("linux.maskedPaths", "", i, l->masked_paths.items[i], err) <
        0)
      return -1;
  for (size_t i = 0; i < l->readonly_paths.len; i++)
    if (check_path("linux.readonlyPaths", "", i, l->readonly_paths.items[i],
                   err) < 0)
      return -1;
  if (l->rootfs_propagation && !propagation_flags(l->rootfs_propagation))
    return cell_err(err, 0, "linux.rootfsPropagation: unknown value `%s`",
                    l->rootfs_propagation);
  return 0;
}

int rootfs_prepare(const oci_config *cfg, const rootfs_opts *o,
                   cell_error_t *err) {
  /* Nothing done here may reach the host: "/" becomes rslave (host mounts
   * still show through) or rprivate first.  The exact rootfsPropagation
   * is set on the new root after pivot_root, which refuses a shared
   * mount. */
  unsigned long prop = propagation_flags(cfg->linux_.rootfs_propagation);
  unsigned long first =
      MS_REC | ((prop & (MS_SLAVE | MS_SHARED)) ? MS_SLAVE : MS_PRIVATE);
  if (mount(NULL, "/", NULL, first, NULL) < 0)
    return cell_errno(err, "make `/` %s",
                      first & MS_SLAVE ? "rslave" : "rprivate");
  /* pivot_root needs the new root to be a mount point. */
  if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return cell_errno(err, "bind mount `%s` on itself", o->rootfs);
  _cleanup_close_ int rootfd =
      open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return cell_errno(err, "open `%s`", o->rootfs);

  for (size_t i = 0; i < cfg->n_mounts; i++)
    if (rootfs_do_mount(rootfd, &cfg->mounts[i], i, o, err) < 0)
      return -1;

  /* Device modes are exactly what the config says. */
  mode_t old = umask(0);
  int r = devices_create(rootfd, cfg, o, err);
  umask(old);
  /* mount_on moved the cwd; createContainer hooks run in the bundle */
  if (r == 0 && chdir(o->bundle) < 0)
    return cell_errno(err, "chdir `%s`", o->bundle);
  return r;
}

static int pivot(const rootfs_opts *o, cell_error_t *err) {
  if (o->no_pivot) {
    if (chdir(o->rootfs) < 0)
      return cell_errno(err, "chdir `%s`", o->rootfs);
    if (mount(o->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
      return cell_errno(err, "move mount `%s` to `/`", o->rootfs);
    if (chroot(".") < 0)
      return cell_errno(err, "chroot `%s`", o->rootfs);
    return 0;
  }
  /* pivot_root(".", ".") stacks the old root on the new one, then the old
   * root goes away detached: no directory for it in the rootfs. */
  _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (oldroot < 0)
    return cell_errno(err, "open `/`");
  _cleanup_close_ int newroot =
      open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (newroot < 0)
    return cell_errno(err, "open `%s`", o->rootfs);
  if (fchdir(newroot) < 0)
    return cell_errno(err, "chdir `%s`", o->rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return cell_errno(err, "pivot_root `%s`", o->rootfs);
  if (fchdir(oldroot) < 0)
    return cell_errno(err, "chdir to the old root");
  /* So that the unmount does not propagate anywhere. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return cell_errno(err, "make the old root rslave");
  if (umount2(".", MNT_DETACH) < 0)
    return cell_errno(err, "unmount the old root");
  return 0;
}

/* A clone of the mount tree at srcfd (the top alone unless recursive),
 * given attr (may be NULL) while still detached, then moved onto what
 * dstfd names: no new superblock, no second lookup of the target, no
 * walk through /proc/self/fd.  1: this kernel (before 5.2, or 5.12 for
 * attr) or a seccomp profile has no such calls, use mount(2). */
static int clone_onto(int srcfd, bool recursive, struct mount_attr *attr,
                      int dstfd) {
  static bool no_open_tree, no_setattr;
  if (no_open_tree || (attr && no_setattr))
    return 1;
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
  _cleanup_close_ int t = (int)syscall(SYS_open_tree, srcfd, "",
                                       flags | (recursive ? AT_RECURSIVE : 0));
  if (t < 0 && (errno == ENOSYS || errno == EPERM)) {
    no_open_tree = true;
    return 1;
  }
  if (t < 0)
    return -1;
  if (attr && syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, attr,
                      sizeof *attr) < 0) {
    if (errno != ENOSYS && errno != EPERM)
      return -1;
    no_setattr = true;
    return 1;
  }
  return (int)syscall(SYS_move_mount, t, "", dstfd, "",
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* Bound on itself (recursively: masks below stay), then read-only. */
static int readonly_path(int rootfd, const char *path, cell_error_t *err) {
  char p[FDPATH_MAX];
  _cleanup_close_ int fd = open_in_root_quiet(rootfd, path, O_PATH, 0);
  if (fd < 0)
    return errno == ENOENT ? 0 : open_in_root_error(path, err);
  /* the read-only flag alone: the kernel keeps the others (and locks
   * them in a user namespace) */
  struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
  int r = clone_onto(fd, true, &ro, fd);
  if (r < 0)
    return cell_errno(err, "bind `%s` read-only on itself", path);
  if (r == 0)
    return 0;
  /* itself as source and target: "." once it is the cwd (see mount_on);
   * a file goes through /proc/self/fd */
  if ((fchdir(fd) == 0
           ? mount(".", ".", NULL, MS_BIND | MS_REC, NULL)
           : mount(fdpath(fd, p), p, NULL, MS_BIND | MS_REC, NULL)) < 0)
    return cell_errno(err, "bind mount `%s` on itself", path);
  _cleanup_close_ int mfd = open_in_root(rootfd, path, O_PATH, 0, err);
  if (mfd < 0)
    return -1;
  unsigned long f = MS_BIND | MS_REMOUNT | MS_RDONLY | rootfs_locked_flags(mfd);
  if (mount_on(NULL, mfd, NULL, f, NULL) < 0)
    return cell_errno(err, "remount `%s` read-only", path);
  return 0;
}

/* What masks are clones of, made at first use: an empty read-only tmpfs
 * for directories (one superblock for all of them: a tmpfs each costs
 * more than the rest of masking), /dev/null for anything else. */
typedef struct {
  int dir, file;
} mask_src;

static void mask_src_close(mask_src *m) {
  if (m->dir >= 0)
    close(m->dir);
  if (m->file >= 0)
    close(m->file);
}

static int mask_path(int rootfd, const char *path, mask_src *m,
                     cell_error_t *err) {
  _cleanup_close_ int fd = open_in_root_quiet(rootfd, path, O_PATH, 0);
  if (fd < 0)
    return errno == ENOENT ? 0 : open_in_root_error(path, err);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return cell_errno(err, "stat `%s`", path);
  bool dir = S_ISDIR(st.st_mode);
  int *src = dir ? &m->dir : &m->file;
  if (!dir && *src < 0)
    *src = open_in_root_quiet(rootfd, "/dev/null", O_PATH, 0);
  int r = *src >= 0 ? clone_onto(*src, false, NULL, fd) : 1;
  if (r == 1)
    r = dir ? mount_on("tmpfs", fd, "tmpfs", MS_RDONLY, NULL)
            : mount_on("/dev/null", fd, NULL, MS_BIND, NULL);
  if (r < 0)
    return cell_errno(err, "mask `%s`", path);
  if (dir && *src < 0)
    /* the tmpfs just mounted there */
    *src = open_in_root_quiet(rootfd, path, O_PATH | O_DIRECTORY, 0);
  return 0;
}

int rootfs_pivot(const oci_config *cfg, const rootfs_opts *o,
                 cell_error_t *err) {
  if (pivot(o, err) < 0)
    return -1;
  if (chdir("/") < 0)
    return cell_errno(err, "chdir `/`");
  return 0;
}

int rootfs_finalize(const oci_config *cfg, cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return cell_errno(err, "open `/`");
  /* Read-only paths first: a recursive bind keeps masks inside them, and
   * masks go on top either way. */
  for (size_t i = 0; i < l->readonly_paths.len; i++)
    if (readonly_path(rootfd, l->readonly_paths.items[i], err) < 0)
      return -1;
  mask_src m __attribute__((cleanup(mask_src_close))) = {-1, -1};
  for (size_t i = 0; i < l->masked_paths.len; i++)
    if (mask_path(rootfd, l->masked_paths.items[i], &m, err) < 0)
      return -1;
  if (cfg->root.readonly) {
    unsigned long f =
        MS_BIND | MS_REMOUNT | MS_RDONLY | rootfs_locked_flags(rootfd);
    if (mount(NULL, "/", NULL, f, NULL) < 0)
      return cell_errno(err, "remount the root read-only");
  }
  /* Last: an unbindable root would refuse the read-only binds above. */
  unsigned long prop = propagation_flags(l->rootfs_propagation);
  if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
    return cell_errno(err, "make the root %s", l->rootfs_propagation);
  /* mount_on moved the cwd */
  if (chdir("/") < 0)
    return cell_errno(err, "chdir `/`");
  return 0;
}
