/* Paths inside the container's root: nothing here may resolve outside it,
 * whatever symlinks or ".." the rootfs image holds. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs_internal.h"
#include "utils.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

const char *fdpath(int fd, char buf[FDPATH_MAX]) {
  snprintf(buf, FDPATH_MAX, "/proc/self/fd/%d", fd);
  return buf;
}

int mount_on(const char *src, int fd, const char *type, unsigned long flags,
             const void *data) {
  char p[FDPATH_MAX];
  if (fchdir(fd) == 0)
    return mount(src, ".", type, flags, data);
  return mount(src, fdpath(fd, p), type, flags, data);
}

/* With clamp, ".." at "/" stays at "/" as in path resolution. */
static char *clean_path(const char *path, bool clamp) {
  size_t n = strlen(path);
  char *out = xmalloc(n + 2);
  size_t o = 0;
  const char *p = path;
  while (*p) {
    while (*p == '/')
      p++;
    const char *e = strchrnul(p, '/');
    size_t len = (size_t)(e - p);
    if (len == 0 || (len == 1 && p[0] == '.')) {
      /* nothing */
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (o == 0 && !clamp) {
        free(out);
        return NULL;
      }
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--; /* the '/' before the dropped component */
    } else {
      out[o++] = '/';
      memcpy(out + o, p, len);
      o += len;
    }
    p = e;
  }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return out;
}

char *rootfs_clean_path(const char *path) {
  if (!path || path[0] != '/')
    return NULL;
  return clean_path(path, false);
}

/* Fallback of open_in_root for kernels without openat2 (< 5.6): walks
 * one component at a time with O_NOFOLLOW, resolving symlinks by hand
 * relative to root and clamping ".." at root. */
#define MAX_DEPTH 256
static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode) {
  int stack[MAX_DEPTH];
  int depth = 0, links = 0, ret = -1, saved;
  _cleanup_free_ char *rest = xstrdup(path);
  stack[0] = rootfd; /* borrowed: never closed */
  char *p = rest;

  for (;;) {
    while (*p == '/')
      p++;
    if (*p == '\0') {
      /* the root itself, or a path ending in "/" or ".." */
      ret = openat(stack[depth], ".", flags & ~(O_CREAT | O_EXCL), mode);
      goto out;
    }
    char *e = strchrnul(p, '/');
    bool last = e[strspn(e, "/")] == '\0';
    char name[NAME_MAX + 1];
    size_t len = (size_t)(e - p);
    if (len > NAME_MAX) {
      errno = ENAMETOOLONG;
      goto out;
    }
    memcpy(name, p, len);
    name[len] = '\0';
    p = e;
    if (strcmp(name, ".") == 0)
      continue;
    if (strcmp(name, "..") == 0) {
      if (depth > 0)
        close(stack[depth--]);
      continue;
    }
    int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT && last && (flags & O_CREAT))
        ret = openat(stack[depth], name, flags | O_NOFOLLOW, mode);
      goto out;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
      close(fd);
      goto out;
    }
    if (S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
      close(fd);
      if (n < 0)
        goto out;
      target[n] = '\0';
      if (++links > 40) {
        errno = ELOOP;
        goto out;
      }
      if (target[0] == '/')
        while (depth > 0)
          close(stack[depth--]);
      char *nrest = xasprintf("%s/%s", target, p);
      free(rest);
      rest = nrest;
      p = rest;
      continue;
    }
    if (last) {
      if ((flags & O_CREAT) && (flags & O_EXCL)) {
        close(fd);
        errno = EEXIST;
        goto out;
      }
      if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
        close(fd);
        errno = ENOTDIR;
        goto out;
      }
      if (flags & O_PATH) {
        ret = fd;
        goto out;
      }
      ret = openat(stack[depth], name, (flags & ~O_CREAT) | O_NOFOLLOW, mode);
      close(fd);
      goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
      close(fd);
      errno = ENOTDIR;
      goto out;
    }
    if (depth + 1 >= MAX_DEPTH) {
      close(fd);
      errno = ENAMETOOLONG;
      goto out;
    }
    stack[++depth] = fd;
  }
out:
  saved = errno;
  while (depth > 0)
    close(stack[depth--]);
  errno = saved;
  return ret;
}

int open_in_root_quiet(int rootfd, const char *path, int flags, mode_t mode) {
  static bool no_openat2;
  flags |= O_CLOEXEC;
  if (!no_openat2) {
    struct open_how how = {
        .flags = (uint64_t)flags,
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    do
      fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM /* seccomp */))
      return fd;
    no_openat2 = true;
  }
  return walk_in_root(rootfd, path, flags, mode);
}

int open_in_root_error(const char *path, cell_error_t *err) {
  return cell_errno(err, "open `%s` in the container root", path);
}

int open_in_root(int rootfd, const char *path, int flags, mode_t mode,
                 cell_error_t *err) {
  int fd = open_in_root_quiet(rootfd, path, flags, mode);
  return fd < 0 ? open_in_root_error(path, err) : fd;
}

int rootfs_open_parent(int rootfd, const char *path, const char **base,
                       cell_error_t *err) {
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  if (!slash || slash == path)
    return open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0, err);
  _cleanup_free_ char *parent = strndup(path, (size_t)(slash - path));
  if (!parent)
    return cell_errno(err, "strndup");
  return rootfs_mkpath_in_root(rootfd, parent, false, err);
}

static int mkpath_in_root(int rootfd, const char *path, bool file, int links,
                          cell_error_t *err) {
  int oflags = O_PATH | (file ? 0 : O_DIRECTORY);
  int fd = open_in_root_quiet(rootfd, path, oflags, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return open_in_root_error(path, err);
  const char *base;
  _cleanup_close_ int pfd = rootfs_open_parent(rootfd, path, &base, err);
  if (pfd < 0)
    return -1;
  int r = file ? openat(pfd, base,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0)
               : mkdirat(pfd, base, 0755);
  if (r >= 0) {
    if (file) {
      close(r);
      return open_in_root(rootfd, path, oflags, 0, err);
    }
    /* just made by us in a parent resolved in the root: a symlink raced
     * in fails O_DIRECTORY|O_NOFOLLOW */
    r = openat(pfd, base, oflags | O_NOFOLLOW | O_CLOEXEC);
    if (r < 0)
      return open_in_root_error(path, err);
    return r;
  }
  if (errno != EEXIST)
    return cell_errno(err, "create `%s` in the container root", path);
  /* A dangling symlink: its target is made, inside the root. */
  char target[PATH_MAX];
  ssize_t n = readlinkat(pfd, base, target, sizeof target - 1);
  if (n < 0 || links >= 40)
    return cell_err(err, n < 0 ? EEXIST : ELOOP,
                    "create `%s` in the container root", path);
  target[n] = '\0';
  _cleanup_free_ char *next =
      target[0] == '/' ? xstrdup(target)
                       : xasprintf("%.*s/%s", (int)(base - path), path, target);
  _cleanup_free_ char *clean = clean_path(next, true);
  return mkpath_in_root(rootfd, clean, file, links + 1, err);
}

int rootfs_mkpath_in_root(int rootfd, const char *path, bool file,
                          cell_error_t *err) {
  return mkpath_in_root(rootfd, path, file, 0, err);
}

int rootfs_mkfile_at(int dirfd, const char *base, mode_t mode, const char *what,
                     cell_error_t *err) {
  int fd = openat(dirfd, base,
                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd >= 0 || errno != EEXIST) {
    if (fd < 0)
      return cell_errno(err, "create `%s` in the container root", what);
    return fd;
  }
  /* Already there: only a non-directory non-symlink may be mounted on. */
  fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return open_in_root_error(what, err);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    cell_errno(err, "stat `%s` in the container root", what);
    close(fd);
    return -1;
  }
  if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
    close(fd);
    return cell_err(err, S_ISDIR(st.st_mode) ? EISDIR : ELOOP,
                    "`%s` in the container root", what);
  }
  return fd;
}

unsigned long rootfs_locked_flags(int fd) {
  struct statvfs sv;
  if (fstatvfs(fd, &sv) < 0)
    return 0;
  static const struct {
    unsigned long st, ms;
  } map[] = {{ST_NOSUID, MS_NOSUID},         {ST_NODEV, MS_NODEV},
             {ST_NOEXEC, MS_NOEXEC},         {ST_NOATIME, MS_NOATIME},
             {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  unsigned long f = 0;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (sv.f_flag & map[i].st)
      f |= map[i].ms;
  /* neither noatime nor relatime: strictatime, which is locked too */
  if (!(f & (MS_NOATIME | MS_RELATIME)))
    f |= MS_STRICTATIME;
  return f;
}
