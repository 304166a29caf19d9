/* One config mount: its options, the destination inside the root, the
 * mount and what must follow it (bind remount, recursive attributes,
 * propagation, tmpcopyup). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs_internal.h"
#include "utils.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* struct mount_attr, ours: <linux/mount.h> clashes with <sys/mount.h> on
 * some glibc versions. */
typedef struct {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
} mount_attr_t;

enum {
  K_NOOP,
  K_SET,    /* MS_* flag on */
  K_CLEAR,  /* MS_* flag off */
  K_PROP,   /* propagation, a separate mount(2) afterwards */
  K_RSET,   /* MOUNT_ATTR_* on, recursively */
  K_RCLEAR, /* MOUNT_ATTR_* off, recursively */
  K_RATIME, /* the recursive atime mode */
  K_BIND,
  K_RBIND,
  K_COPYUP,
  K_IDMAP,
};

static const struct mopt {
  const char *name;
  int kind;
  unsigned long v;
} mopts[] = {
    {"defaults", K_NOOP, 0},
    {"ro", K_SET, MS_RDONLY},
    {"rw", K_CLEAR, MS_RDONLY},
    {"nosuid", K_SET, MS_NOSUID},
    {"suid", K_CLEAR, MS_NOSUID},
    {"nodev", K_SET, MS_NODEV},
    {"dev", K_CLEAR, MS_NODEV},
    {"noexec", K_SET, MS_NOEXEC},
    {"exec", K_CLEAR, MS_NOEXEC},
    {"sync", K_SET, MS_SYNCHRONOUS},
    {"async", K_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", K_SET, MS_DIRSYNC},
    {"remount", K_SET, MS_REMOUNT},
    {"mand", K_SET, MS_MANDLOCK},
    {"nomand", K_CLEAR, MS_MANDLOCK},
    {"atime", K_CLEAR, MS_NOATIME},
    {"noatime", K_SET, MS_NOATIME},
    {"diratime", K_CLEAR, MS_NODIRATIME},
    {"nodiratime", K_SET, MS_NODIRATIME},
    {"relatime", K_SET, MS_RELATIME},
    {"norelatime", K_CLEAR, MS_RELATIME},
    {"strictatime", K_SET, MS_STRICTATIME},
    {"nostrictatime", K_CLEAR, MS_STRICTATIME},
    {"lazytime", K_SET, MS_LAZYTIME},
    {"nolazytime", K_CLEAR, MS_LAZYTIME},
    {"silent", K_SET, MS_SILENT},
    {"loud", K_CLEAR, MS_SILENT},
    {"iversion", K_SET, MS_I_VERSION},
    {"noiversion", K_CLEAR, MS_I_VERSION},
    {"nosymfollow", K_SET, MS_NOSYMFOLLOW},
    {"symfollow", K_CLEAR, MS_NOSYMFOLLOW},
    {"private", K_PROP, MS_PRIVATE},
    {"rprivate", K_PROP, MS_PRIVATE | MS_REC},
    {"shared", K_PROP, MS_SHARED},
    {"rshared", K_PROP, MS_SHARED | MS_REC},
    {"slave", K_PROP, MS_SLAVE},
    {"rslave", K_PROP, MS_SLAVE | MS_REC},
    {"unbindable", K_PROP, MS_UNBINDABLE},
    {"runbindable", K_PROP, MS_UNBINDABLE | MS_REC},
    {"rro", K_RSET, MOUNT_ATTR_RDONLY},
    {"rrw", K_RCLEAR, MOUNT_ATTR_RDONLY},
    {"rnosuid", K_RSET, MOUNT_ATTR_NOSUID},
    {"rsuid", K_RCLEAR, MOUNT_ATTR_NOSUID},
    {"rnodev", K_RSET, MOUNT_ATTR_NODEV},
    {"rdev", K_RCLEAR, MOUNT_ATTR_NODEV},
    {"rnoexec", K_RSET, MOUNT_ATTR_NOEXEC},
    {"rexec", K_RCLEAR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", K_RSET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", K_RCLEAR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", K_RSET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", K_RCLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    {"rnoatime", K_RATIME, MOUNT_ATTR_NOATIME},
    {"ratime", K_RATIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", K_RATIME, MOUNT_ATTR_RELATIME},
    {"rnorelatime", K_RATIME, MOUNT_ATTR_STRICTATIME},
    {"rstrictatime", K_RATIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", K_RATIME, MOUNT_ATTR_RELATIME},
    {"bind", K_BIND, 0},
    {"rbind", K_RBIND, 0},
    {"tmpcopyup", K_COPYUP, 0},
    {"idmap", K_IDMAP, 0},
    {"ridmap", K_IDMAP, 0},
};
#define N_MOPTS (sizeof mopts / sizeof mopts[0])

const char *const rootfs_known_mount_options[] = {"defaults",
                                                  "ro",
                                                  "rw",
                                                  "nosuid",
                                                  "suid",
                                                  "nodev",
                                                  "dev",
                                                  "noexec",
                                                  "exec",
                                                  "sync",
                                                  "async",
                                                  "dirsync",
                                                  "remount",
                                                  "mand",
                                                  "nomand",
                                                  "atime",
                                                  "noatime",
                                                  "diratime",
                                                  "nodiratime",
                                                  "relatime",
                                                  "norelatime",
                                                  "strictatime",
                                                  "nostrictatime",
                                                  "lazytime",
                                                  "nolazytime",
                                                  "silent",
                                                  "loud",
                                                  "iversion",
                                                  "noiversion",
                                                  "nosymfollow",
                                                  "symfollow",
                                                  "private",
                                                  "rprivate",
                                                  "shared",
                                                  "rshared",
                                                  "slave",
                                                  "rslave",
                                                  "unbindable",
                                                  "runbindable",
                                                  "rro",
                                                  "rrw",
                                                  "rnosuid",
                                                  "rsuid",
                                                  "rnodev",
                                                  "rdev",
                                                  "rnoexec",
                                                  "rexec",
                                                  "rnodiratime",
                                                  "rdiratime",
                                                  "rnosymfollow",
                                                  "rsymfollow",
                                                  "rnoatime",
                                                  "ratime",
                                                  "rrelatime",
                                                  "rnorelatime",
                                                  "rstrictatime",
                                                  "rnostrictatime",
                                                  "bind",
                                                  "rbind",
                                                  "tmpcopyup",
                                                  NULL};

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* Per-mount flags: what a bind remount can change. */
#define BIND_FLAGS                                                             \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME |              \
   MS_NOSYMFOLLOW | ATIME_FLAGS)

typedef struct {
  unsigned long flags, cleared;
  unsigned long props[8];
  size_t nprops;
  mount_attr_t attr;
  bool rattr, bind, rec, copyup, idmap, atime_given;
  char *data; /* unknown options, comma-joined */
} mount_opts;

static const struct mopt *find_mopt(const char *name) {
  for (size_t i = 0; i < N_MOPTS; i++)
    if (strcmp(mopts[i].name, name) == 0)
      return &mopts[i];
  return NULL;
}

static void parse_opts(const oci_strv *opts, mount_opts *mo) {
  size_t datalen = 0;
  for (size_t i = 0; i < opts->len; i++) {
    const char *name = opts->items[i];
    const struct mopt *p = find_mopt(name);
    if (!p) {
      size_t n = strlen(name);
      mo->data = xrealloc(mo->data, datalen + n + 2);
      if (datalen)
        mo->data[datalen++] = ',';
      memcpy(mo->data + datalen, name, n + 1);
      datalen += n;
      continue;
    }
    switch (p->kind) {
    case K_SET:
      mo->flags |= p->v;
      mo->cleared &= ~p->v;
      break;
    case K_CLEAR:
      mo->flags &= ~p->v;
      mo->cleared |= p->v;
      break;
    case K_PROP:
      if (mo->nprops < sizeof mo->props / sizeof mo->props[0])
        mo->props[mo->nprops++] = p->v;
      break;
    case K_RSET:
      mo->attr.attr_set |= p->v;
      mo->attr.attr_clr &= ~p->v;
      mo->rattr = true;
      break;
    case K_RCLEAR:
      mo->attr.attr_clr |= p->v;
      mo->attr.attr_set &= ~p->v;
      mo->rattr = true;
      break;
    case K_RATIME:
      mo->attr.attr_clr |= MOUNT_ATTR__ATIME;
      mo->attr.attr_set = (mo->attr.attr_set & ~MOUNT_ATTR__ATIME) | p->v;
      mo->rattr = true;
      break;
    case K_BIND:
      mo->bind = true;
      break;
    case K_RBIND:
      mo->bind = mo->rec = true;
      break;
    case K_COPYUP:
      mo->copyup = true;
      break;
    case K_IDMAP:
      mo->idmap = true;
      break;
    }
    if (p->v & ATIME_FLAGS && (p->kind == K_SET || p->kind == K_CLEAR))
      mo->atime_given = true;
  }
}

int rootfs_validate_mount_options(const oci_mount *m, size_t idx,
                                  cell_error_t *err) {
  mount_opts mo = {0};
  parse_opts(&m->options, &mo);
  free(mo.data);
  bool bind = mo.bind || (m->type && strcmp(m->type, "bind") == 0);
  if (mo.idmap || m->uid_mappings.len || m->gid_mappings.len)
    return cell_err(err, 0,
                    "mounts[%zu] (`%s`): idmapped mounts are not supported",
                    idx, m->destination);
  if (bind && !m->source)
    return cell_err(err, 0, "mounts[%zu] (`%s`): a bind mount needs a source",
                    idx, m->destination);
  if (mo.copyup && (!m->type || strcmp(m->type, "tmpfs") != 0))
    return cell_err(err, 0, "mounts[%zu] (`%s`): tmpcopyup needs type tmpfs",
                    idx, m->destination);
  return 0;
}

/* The bind remount that applies ro, nosuid... to a bind mount: the
 * kernel ignores them on the bind itself. */
static int bind_remount(int fd, const mount_opts *mo, const char *dest,
                        cell_error_t *err) {
  unsigned long locked = rootfs_locked_flags(fd) & ~mo->cleared;
  if (mo->atime_given)
    locked &= ~ATIME_FLAGS;
  unsigned long f = (mo->flags & BIND_FLAGS) | locked;
  if (f & MS_NOATIME)
    f &= ~(MS_RELATIME | MS_STRICTATIME);
  else if (f & MS_STRICTATIME)
    f &= ~MS_RELATIME;
  if (mount_on(NULL, fd, NULL, MS_BIND | MS_REMOUNT | f, NULL) < 0)
    return cell_errno(err, "remount `%s` with its bind options", dest);
  return 0;
}

static int mount_fail(const oci_mount *m, const char *dest, cell_error_t *err) {
  const char *src = m->source ? m->source : m->type ? m->type : "none";
  if (!m->type || !strcmp(m->type, src) || !strcmp(m->type, "bind"))
    return cell_errno(err, "mount `%s` on `%s`", src, dest);
  return cell_errno(err, "mount `%s` (%s) on `%s`", src, m->type, dest);
}

static int do_mount(int rootfd, const oci_mount *m, const char *dest,
                    mount_opts *mo, const rootfs_opts *o, cell_error_t *err) {
  const char *type = m->type;
  bool bind = mo->bind || (type && strcmp(type, "bind") == 0);
  bool file = false;
  /* mount_on moves the cwd: a relative source is the bundle's */
  _cleanup_free_ char *src_abs = !bind || !m->source ? NULL
                                 : m->source[0] == '/'
                                     ? xstrdup(m->source)
                                     : xasprintf("%s/%s", o->bundle, m->source);

  if (bind && !(mo->flags & MS_REMOUNT)) {
    struct stat st;
    if (stat(src_abs, &st) < 0)
      return cell_errno(err, "bind mount source `%s` (for `%s`)", m->source,
                        dest);
    file = !S_ISDIR(st.st_mode);
  }
  /* a directory, or an empty file for a non-directory bind source */
  _cleanup_close_ int destfd = rootfs_mkpath_in_root(rootfd, dest, file, err);
  if (destfd < 0)
    return -1;
  /* tmpcopyup reads what the tmpfs is about to hide, through an fd taken
   * before the mount. */
  _cleanup_close_ int copyfd = -1;
  if (mo->copyup) {
    copyfd = openat(destfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (copyfd < 0)
      return cell_errno(err, "open `%s` for tmpcopyup", dest);
  }

  bool remount = false, sys_fallback = false;
  if (bind && (mo->flags & MS_REMOUNT)) {
    remount = true;
  } else if (bind) {
    if (mount_on(src_abs, destfd, NULL, MS_BIND | (mo->rec ? MS_REC : 0),
                 NULL) < 0)
      return mount_fail(m, dest, err);
    remount = (mo->flags & BIND_FLAGS) != 0;
  } else {
    unsigned long f = mo->flags & ~(mo->copyup ? MS_RDONLY : 0);
    const char *src = m->source ? m->source : type;
    if (mount_on(src, destfd, type, f, mo->data) < 0) {
      /* sysfs belongs to the network namespace: in a user namespace
       * without one of its own the kernel refuses it, so bind the
       * host's, as runc does rootless. */
      if (!(errno == EPERM && o->userns && type && !strcmp(type, "sysfs")))
        return mount_fail(m, dest, err);
      if (mount_on("/sys", destfd, NULL, MS_BIND | MS_REC, NULL) < 0)
        return mount_fail(m, dest, err);
      remount = (mo->flags & BIND_FLAGS) != 0;
      sys_fallback = true;
      /* the host's mounts under /sys get ro, nosuid... as well (the
       * MS_ and MOUNT_ATTR_ values of these four are the same) */
      mo->attr.attr_set |=
          mo->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
      mo->rattr = mo->attr.attr_set != 0;
    }
  }
  if (!remount && !mo->rattr && !mo->nprops && !mo->copyup)
    return 0;

  /* What the mount put there, not the directory under it. */
  _cleanup_close_ int fd = open_in_root(rootfd, dest, O_PATH, 0, err);
  if (fd < 0)
    return -1;
  if (remount && bind_remount(fd, mo, dest, err) < 0)
    return -1;
  if (mo->copyup) {
    _cleanup_close_ int dfd =
        openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      return cell_errno(err, "open `%s` for tmpcopyup", dest);
    bool keep_root = mo->data && (!strncmp(mo->data, "mode=", 5) ||
                                  strstr(mo->data, ",mode="));
    if (rootfs_copyup(copyfd, dfd, !keep_root, dest, err) < 0)
      return -1;
    if ((mo->flags & MS_RDONLY) &&
        mount_on(NULL, fd, NULL, MS_REMOUNT | mo->flags, mo->data) < 0)
      return cell_errno(err, "remount `%s` read-only", dest);
  }
  if (mo->rattr &&
      syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
              &mo->attr, sizeof mo->attr) < 0 &&
      !(sys_fallback && errno == ENOSYS))
    return cell_errno(err, "set recursive mount attributes on `%s`", dest);
  for (size_t i = 0; i < mo->nprops; i++)
    if (mount_on(NULL, fd, NULL, mo->props[i], NULL) < 0)
      return cell_errno(err, "set the propagation of `%s`", dest);
  return 0;
}

int rootfs_do_mount(int rootfd, const oci_mount *m, size_t idx,
                    const rootfs_opts *o, cell_error_t *err) {
  _cleanup_free_ char *dest = rootfs_clean_path(m->destination);
  if (!dest)
    return cell_err(err, 0, "mounts[%zu].destination: `%s` is not valid", idx,
                    m->destination);
  mount_opts mo = {0};
  parse_opts(&m->options, &mo);
  int r;
  if (mo.idmap)
    r = cell_err(err, 0, "mount `%s`: idmapped mounts are not supported", dest);
  else if (m->type && strcmp(m->type, "cgroup") == 0)
    r = rootfs_mount_cgroup(rootfd, dest, o->cgroupns, mo.flags, err);
  else
    r = do_mount(rootfd, m, dest, &mo, o, err);
  free(mo.data);
  return r;
}
