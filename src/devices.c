/* Device nodes of the container's /dev and its standard symlinks. */
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs_internal.h"
#include "utils.h"

static const struct {
  const char *path;
  unsigned major, minor;
} default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

typedef struct {
  const char *path; /* cleaned */
  char type;
  unsigned major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
} devspec;

static mode_t type_bits(char type) {
  return type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
}

/* In a user namespace mknod is refused: the host's node of the same path
 * is bound onto an empty file instead. */
static int bind_device(int pfd, const char *base, const devspec *d,
                       cell_error_t *err) {
  _cleanup_close_ int fd = rootfs_mkfile_at(pfd, base, 0, d->path, err);
  if (fd < 0)
    return -1;
  if (mount_on(d->path, fd, NULL, MS_BIND, NULL) < 0)
    return cell_errno(err, "bind mount device `%s` from the host", d->path);
  return 0;
}

static int make_node(int pfd, const char *base, const devspec *d,
                     cell_error_t *err) {
  dev_t dev = makedev(d->major, d->minor);
  mode_t mode = type_bits(d->type) | (d->mode & 07777);
  if (mknodat(pfd, base, mode, dev) < 0) {
    /* Whatever the image put there goes: the node must be the one the
     * config describes. */
    if (errno != EEXIST || unlinkat(pfd, base, 0) < 0 ||
        mknodat(pfd, base, mode, dev) < 0)
      return cell_errno(err, "mknod `%s`", d->path);
  }
  if ((d->uid || d->gid) &&
      fchownat(pfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return cell_errno(err, "chown `%s`", d->path);
  return 0;
}

static int create_in(int pfd, const char *base, const devspec *d, bool userns,
                     cell_error_t *err) {
  /* a fifo needs no privilege */
  if (userns && d->type != 'p')
    return bind_device(pfd, base, d, err);
  return make_node(pfd, base, d, err);
}

/* devfd: /dev, already open, for the nodes directly in it */
static int create_device(int rootfd, int devfd, const devspec *d, bool userns,
                         cell_error_t *err) {
  const char *base = d->path + 5;
  if (!strncmp(d->path, "/dev/", 5) && !strchr(base, '/'))
    return create_in(devfd, base, d, userns, err);
  _cleanup_close_ int pfd = rootfs_open_parent(rootfd, d->path, &base, err);
  if (pfd < 0)
    return -1;
  return create_in(pfd, base, d, userns, err);
}

static bool in_config(const oci_linux *l, const char *path) {
  for (size_t i = 0; i < l->n_devices; i++) {
    _cleanup_free_ char *p = rootfs_clean_path(l->devices[i].path);
    if (p && strcmp(p, path) == 0)
      return true;
  }
  return false;
}

static bool mounts_dev_pts(const oci_config *cfg) {
  for (size_t i = 0; i < cfg->n_mounts; i++) {
    _cleanup_free_ char *p = rootfs_clean_path(cfg->mounts[i].destination);
    if (p && strcmp(p, "/dev/pts") == 0)
      return true;
  }
  return false;
}

static int dev_links(int devfd, const oci_config *cfg, const rootfs_opts *o,
                     cell_error_t *err) {
  static const char *const links[][2] = {{"fd", "/proc/self/fd"},
                                         {"stdin", "/proc/self/fd/0"},
                                         {"stdout", "/proc/self/fd/1"},
                                         {"stderr", "/proc/self/fd/2"}};
  for (size_t i = 0; i < sizeof links / sizeof *links; i++)
    if (symlinkat(links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST)
      return cell_errno(err, "symlink `/dev/%s`", links[i][0]);
  /* The ptmx of the container's own devpts instance. */
  if (mounts_dev_pts(cfg)) {
    if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
      return cell_errno(err, "remove `/dev/ptmx`");
    if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
      return cell_errno(err, "symlink `/dev/ptmx`");
  }
  /* The terminal's pty is bound on it later. */
  if (o->terminal) {
    int fd = rootfs_mkfile_at(devfd, "console", 0666, "/dev/console", err);
    if (fd < 0)
      return -1;
    close(fd);
  }
  return 0;
}

int devices_create(int rootfd, const oci_config *cfg, const rootfs_opts *o,
                   cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  _cleanup_close_ int devfd = rootfs_mkpath_in_root(rootfd, "/dev", false, err);
  if (devfd < 0)
    return -1;
  for (size_t i = 0; i < sizeof default_devices / sizeof *default_devices;
       i++) {
    if (in_config(l, default_devices[i].path))
      continue;
    devspec d = {.path = default_devices[i].path,
                 .type = 'c',
                 .major = default_devices[i].major,
                 .minor = default_devices[i].minor,
                 .mode = 0666};
    if (create_device(rootfd, devfd, &d, o->userns, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < l->n_devices; i++) {
    const oci_device *od = &l->devices[i];
    _cleanup_free_ char *path = rootfs_clean_path(od->path);
    if (!path)
      return cell_err(err, 0, "linux.devices[%zu]: bad path `%s`", i, od->path);
    devspec d = {.path = path,
                 .type = od->type ? od->type[0] : 'c',
                 .major = (unsigned)od->major,
                 .minor = (unsigned)od->minor,
                 .mode = od->file_mode.set ? (mode_t)od->file_mode.v : 0666,
                 .uid = od->uid.set ? (uid_t)od->uid.v : 0,
                 .gid = od->gid.set ? (gid_t)od->gid.v : 0};
    if (create_device(rootfd, devfd, &d, o->userns, err) < 0)
      return -1;
  }
  return dev_links(devfd, cfg, o, err);
}
