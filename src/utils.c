#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t r = write(fd, p, len);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += r;
    len -= (size_t)r;
  }
  return 0;
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len,
                  int extra_flags, cell_error_t *err) {
  _cleanup_close_ int fd =
      openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | extra_flags, 0644);
  if (fd < 0)
    return cell_errno(err, "open `%s`", path);
  if (write_all(fd, data, len) < 0)
    return cell_errno(err, "write `%s`", path);
  return 0;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len,
                 cell_error_t *err) {
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return cell_errno(err, "open `%s`", path);
  size_t cap = 4096, n = 0;
  _cleanup_free_ char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap)
      buf = xrealloc(buf, cap *= 2);
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return cell_errno(err, "read `%s`", path);
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr(&buf);
  return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len,
                      mode_t mode, cell_error_t *err) {
  _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  _cleanup_close_ int fd =
      open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return cell_errno(err, "open `%s`", tmp);
  if (write_all(fd, data, len) < 0) {
    cell_errno(err, "write `%s`", tmp);
    unlink(tmp);
    return -1;
  }
  if (rename(tmp, path) < 0) {
    cell_errno(err, "rename `%s` to `%s`", tmp, path);
    unlink(tmp);
    return -1;
  }
  return 0;
}

int mkdir_p(const char *path, mode_t mode, cell_error_t *err) {
  _cleanup_free_ char *p = xstrdup(path);
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return cell_errno(err, "mkdir `%s`", p);
    *s = c;
    if (c == '\0')
      break;
  }
  return 0;
}

static void oom(void) {
  fputs("cell: out of memory\n", stderr);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    oom();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p)
    oom();
  return p;
}

char *xstrdup(const char *s) {
  char *r = strdup(s);
  if (!r)
    oom();
  return r;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  char *r;
  va_start(ap, fmt);
  int n = vasprintf(&r, fmt, ap);
  va_end(ap);
  if (n < 0)
    oom();
  return r;
}

void format_rfc3339_now(char *buf, size_t n) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  /* not strftime: it loads the time zone files, which cost every start */
  snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           ts.tv_nsec);
}
