#include "utils.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
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
  /* no O_TRUNC: callers write kernel files (a truncate there allocates
   * attributes for nothing) or create new ones */
  _cleanup_close_ int fd =
      openat(dirfd, path, O_WRONLY | O_CLOEXEC | extra_flags, 0644);
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

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), counted in
 * 400-year eras that start on March 1st so the leap day comes last. */
static void civil_from_days(long long z, int *y, int *m, int *d) {
  z += 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

void format_rfc3339_now(char *buf, size_t n) {
  struct timespec ts;
  int y, mo, d;
  clock_gettime(CLOCK_REALTIME, &ts);
  /* not gmtime_r or strftime: glibc loads the time zone file for them,
   * which every container start would pay for */
  long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
  civil_from_days(days, &y, &mo, &d);
  snprintf(buf, n, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%09ldZ", y, mo, d,
           secs / 3600, secs / 60 % 60, secs % 60, ts.tv_nsec);
}

int unix_send_fd(const char *path, const char *what, const char *data,
                 size_t len, int fd, cell_error_t *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path)
    return cell_err(err, ENAMETOOLONG, "%s `%s`", what, path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return cell_errno(err, "%s: socket", what);
  if (connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0)
    return cell_errno(err, "%s: connect `%s`", what, path);
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct iovec iov = {(void *)data, len};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  /* a stream may take less; the fd went with the first byte */
  if (n < 0 || write_all(sock, data + n, len - (size_t)n) < 0)
    return cell_errno(err, "%s: send to `%s`", what, path);
  return 0;
}

int proc_cgroups(int pid, int (*fn)(char *controllers, char *path, void *arg),
                 void *arg, cell_error_t *err) {
  char file[32];
  if (pid)
    snprintf(file, sizeof file, "/proc/%d/cgroup", pid);
  else
    snprintf(file, sizeof file, "/proc/self/cgroup");
  _cleanup_free_ char *data = NULL;
  if (read_file_at(AT_FDCWD, file, &data, NULL, err) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r(data, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char *ctl = strchr(line, ':');
    char *path = ctl ? strchr(ctl + 1, ':') : NULL;
    if (!path)
      continue;
    *path++ = '\0';
    int r = fn(ctl + 1, path, arg);
    if (r)
      return r;
  }
  return 0;
}

/* Our euid as the parent user namespace sees it (its uid_map line), and
 * whether we are in a user namespace other than the initial one: root
 * there (rootless podman runs the runtime so) owns no cgroup or unit. */
static uid_t map_euid(bool *nested) {
  uid_t euid = geteuid(), out = euid;
  *nested = false;
  _cleanup_free_ char *map = NULL;
  cell_error_t e = {0};
  if (read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL, &e) < 0)
    return euid;
  unsigned long in, host, n;
  for (char *l = map; l && sscanf(l, "%lu %lu %lu", &in, &host, &n) == 3;
       l = strchr(l, '\n'), l = l ? l + 1 : l) {
    if (!(in == 0 && host == 0 && n == 4294967295UL))
      *nested = true;
    if (euid >= in && euid - in < n)
      out = (uid_t)(host + (euid - in));
  }
  return out;
}

bool in_user_namespace(void) {
  /* the initial user namespace has a fixed inode number (PROC_USER_INIT_INO
   * in the kernel since 3.8): one stat instead of reading the map */
  struct stat st;
  if (stat("/proc/self/ns/user", &st) == 0)
    return st.st_ino != 0xEFFFFFFDU;
  bool nested;
  map_euid(&nested);
  return nested;
}

uid_t host_euid(void) {
  bool nested;
  return map_euid(&nested);
}

pid_t fork_into_cgroup(int cgroup_fd) {
  struct clone_args_v2 ca = {.flags = CLONE_INTO_CGROUP,
                             .exit_signal = SIGCHLD,
                             .cgroup = (uint64_t)cgroup_fd};
  return (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
}

static int cgroup_root = -2; /* -2: not opened yet; -1: not used */

void cgroup_at_forget(void) {
  if (cgroup_root >= 0)
    close(cgroup_root);
  cgroup_root = -1;
}

const char *cgroup_at(const char *path, int *dirfd) {
  int root = cgroup_root;
  static const char prefix[] = "/sys/fs/cgroup";
  if (root == -2)
    root = cgroup_root = open(prefix, O_PATH | O_DIRECTORY | O_CLOEXEC);
  size_t n = sizeof prefix - 1;
  *dirfd = AT_FDCWD;
  if (root < 0 || strncmp(path, prefix, n) || (path[n] && path[n] != '/'))
    return path;
  *dirfd = root;
  while (path[n] == '/')
    n++;
  return path[n] ? path + n : ".";
}

bool cgroup_hierarchy_mounted(const char *name) {
  /* asked for each hierarchy by the parent, then again by the init it
   * cloned, which sees the same mounts: the second time is free */
  static struct {
    char name[64];
    bool mounted;
  } seen[32];
  static size_t n;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(seen[i].name, name))
      return seen[i].mounted;
  char dir[96];
  snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s", name);
  int at;
  const char *rel = cgroup_at(dir, &at);
  bool mounted = faccessat(at, rel, F_OK, 0) == 0;
  if (n < sizeof seen / sizeof *seen && strlen(name) < sizeof seen[0].name) {
    strcpy(seen[n].name, name);
    seen[n++].mounted = mounted;
  }
  return mounted;
}

static int find_v2(char *ctl, char *path, void *arg) {
  if (*ctl)
    return 0;
  *(char **)arg = xstrdup(path);
  return 1;
}

char *proc_cgroup_v2(int pid) {
  char *path = NULL;
  cell_error_t e = {0};
  proc_cgroups(pid, find_v2, &path, &e);
  return path;
}
