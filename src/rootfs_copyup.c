/* tmpcopyup: the content a tmpfs mount hides is copied into it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs_internal.h"
#include "utils.h"

static int copy_data(int src, int dst) {
  for (;;) {
    ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
    if (n == 0)
      return 0;
    if (n > 0)
      continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL)
      return -1;
    /* plain read/write */
    char buf[65536];
    for (;;) {
      ssize_t r = read(src, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return (int)r;
      if (write_all(dst, buf, (size_t)r) < 0)
        return -1;
    }
  }
}

static int copy_entry(int srcdir, int dstdir, const char *name,
                      const struct stat *st, int depth);

static int copy_dir(int srcfd, int dstfd, int depth) {
  if (depth > 64) {
    errno = ELOOP;
    return -1;
  }
  int dup_fd = fcntl(srcfd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0)
    return -1;
  DIR *d = fdopendir(dup_fd);
  if (!d) {
    close(dup_fd);
    return -1;
  }
  rewinddir(d);
  int r = 0;
  struct dirent *e;
  while (r == 0 && (errno = 0, e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    struct stat st;
    r = fstatat(srcfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW);
    if (r == 0)
      r = copy_entry(srcfd, dstfd, e->d_name, &st, depth);
  }
  if (r == 0 && errno)
    r = -1;
  int saved = errno;
  closedir(d);
  errno = saved;
  return r;
}

static int copy_entry(int srcdir, int dstdir, const char *name,
                      const struct stat *st, int depth) {
  mode_t perm = st->st_mode & 07777;
  if (S_ISDIR(st->st_mode)) {
    if (mkdirat(dstdir, name, 0700) < 0)
      return -1;
    _cleanup_close_ int s =
        openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int t =
        openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0 || t < 0 || copy_dir(s, t, depth + 1) < 0)
      return -1;
  } else if (S_ISREG(st->st_mode)) {
    _cleanup_close_ int s =
        openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int t =
        openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (s < 0 || t < 0 || copy_data(s, t) < 0)
      return -1;
  } else if (S_ISLNK(st->st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(srcdir, name, target, sizeof target - 1);
    if (n < 0)
      return -1;
    target[n] = '\0';
    if (symlinkat(target, dstdir, name) < 0)
      return -1;
    return fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
  } else if (mknodat(dstdir, name, st->st_mode, st->st_rdev) < 0) {
    return -1;
  }
  /* owner before mode: chown clears setuid bits */
  if (fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
      fchmodat(dstdir, name, perm, 0) < 0)
    return -1;
  return 0;
}

int rootfs_copyup(int srcfd, int dstfd, bool root_attrs, const char *what,
                  cell_error_t *err) {
  if (copy_dir(srcfd, dstfd, 0) < 0)
    return cell_errno(err, "tmpcopyup into `%s`", what);
  if (!root_attrs)
    return 0;
  struct stat st;
  if (fstat(srcfd, &st) < 0 || fchown(dstfd, st.st_uid, st.st_gid) < 0 ||
      fchmod(dstfd, st.st_mode & 07777) < 0)
    return cell_errno(err, "tmpcopyup into `%s`", what);
  return 0;
}
