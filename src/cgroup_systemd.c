/* systemd cgroup driver (--systemd-cgroup): the container's cgroup is a
 * transient scope that systemd creates, asked for over D-Bus.
 *
 * cgroupsPath is "slice:prefix:name" (runc's form): the scope
 * "prefix-name.scope" in "slice".  systemd makes the scope with the init's
 * pid in it (StartTransientUnit, PIDs) and Delegate=yes, which hands the
 * scope's own files to cell: resources, pause, ps and removal then work
 * on that path as with the cgroupfs driver.  An empty scope is collected
 * by systemd, so delete needs nothing of systemd.
 *
 * Rootless, the manager is the caller's user manager (systemd --user),
 * and its default slice user.slice.  A user manager's units live below
 * its own cgroup (.../user@UID.service), so unit paths are relative to
 * the manager's root: its cgroup without the init.scope it sits in.
 *
 * Why not sd-bus: libsystemd has no static library in Debian, and cell is
 * one static binary.  One method call needs little of D-Bus: the EXTERNAL
 * handshake on systemd's private socket (no bus daemon) and the message
 * marshalling below. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "utils.h"

/* ---- marshalling (little endian, as this host) ---------------------- */

typedef struct {
  unsigned char *b;
  size_t len, cap;
} dbuf;

static void put(dbuf *m, const void *p, size_t n) {
  if (m->len + n > m->cap) {
    m->cap = (m->len + n) * 2 + 256;
    m->b = xrealloc(m->b, m->cap);
  }
  memcpy(m->b + m->len, p, n);
  m->len += n;
}

static void pad(dbuf *m, size_t a) {
  static const unsigned char z[8];
  put(m, z, (a - m->len % a) % a);
}

static void put_u8(dbuf *m, uint8_t v) {
  put(m, &v, 1);
}

static void put_u32(dbuf *m, uint32_t v) {
  pad(m, 4);
  put(m, &v, 4);
}

static void put_u64(dbuf *m, uint64_t v) {
  pad(m, 8);
  put(m, &v, 8);
}

static void put_str(dbuf *m, const char *s) {
  put_u32(m, (uint32_t)strlen(s));
  put(m, s, strlen(s) + 1);
}

static void put_sig(dbuf *m, const char *s) {
  put_u8(m, (uint8_t)strlen(s));
  put(m, s, strlen(s) + 1);
}

/* An array's length counts its elements' bytes, not the padding that
 * aligns the first one. */
typedef struct {
  size_t len_at, start;
} darray;

static darray array_open(dbuf *m, size_t elem_align) {
  put_u32(m, 0);
  darray a = {m->len - 4, 0};
  pad(m, elem_align);
  a.start = m->len;
  return a;
}

static void array_close(dbuf *m, darray a) {
  uint32_t n = (uint32_t)(m->len - a.start);
  memcpy(m->b + a.len_at, &n, 4);
}

/* One a(sv) entry: key, then a variant of signature sig. */
static void prop_open(dbuf *m, const char *key, const char *sig) {
  pad(m, 8);
  put_str(m, key);
  put_sig(m, sig);
}

static void prop_str(dbuf *m, const char *key, const char *v) {
  prop_open(m, key, "s");
  put_str(m, v);
}

static void prop_bool(dbuf *m, const char *key, int v) {
  prop_open(m, key, "b");
  put_u32(m, v ? 1 : 0);
}

static void prop_u64(dbuf *m, const char *key, uint64_t v) {
  prop_open(m, key, "t");
  put_u64(m, v);
}

static void prop_pid(dbuf *m, const char *key, uint32_t pid) {
  prop_open(m, key, "au");
  darray a = array_open(m, 4);
  put_u32(m, pid);
  array_close(m, a);
}

static void field(dbuf *m, uint8_t code, const char *sig, const char *v) {
  pad(m, 8);
  put_u8(m, code);
  put_sig(m, sig);
  if (!strcmp(sig, "g"))
    put_sig(m, v);
  else
    put_str(m, v);
}

/* StartTransientUnit(ssa(sv)a(sa(sv))) for a scope holding pid. */
static void start_scope_msg(dbuf *m, uint32_t serial, const char *unit,
                            const char *slice, const char *desc, int pid,
                            const oci_resources *r) {
  put(m, "l\1\0\1", 4);
  put_u32(m, 0); /* body length, set below */
  put_u32(m, serial);
  darray f = array_open(m, 8);
  field(m, 1, "o", "/org/freedesktop/systemd1");
  field(m, 2, "s", "org.freedesktop.systemd1.Manager");
  field(m, 3, "s", "StartTransientUnit");
  field(m, 6, "s", "org.freedesktop.systemd1");
  field(m, 8, "g", "ssa(sv)a(sa(sv))");
  array_close(m, f);
  pad(m, 8);
  size_t body = m->len;
  put_str(m, unit);
  put_str(m, "fail");
  darray p = array_open(m, 8);
  prop_str(m, "Description", desc);
  prop_str(m, "Slice", slice);
  prop_bool(m, "Delegate", 1);
  prop_bool(m, "DefaultDependencies", 0);
  /* systemd then enables these controllers above the scope */
  prop_bool(m, "MemoryAccounting", 1);
  prop_bool(m, "CPUAccounting", 1);
  prop_bool(m, "IOAccounting", 1);
  prop_bool(m, "TasksAccounting", 1);
  /* a scope that failed is collected too, not kept for inspection */
  prop_str(m, "CollectMode", "inactive-or-failed");
  /* limits systemd knows as properties, so that it keeps them (a
   * daemon-reload rewrites the scope's files from them); cell writes
   * them and the rest to the files afterwards */
  if (r->memory.limit.set && r->memory.limit.v > 0)
    prop_u64(m, "MemoryMax", (uint64_t)r->memory.limit.v);
  if (r->pids_limit.set && r->pids_limit.v > 0)
    prop_u64(m, "TasksMax", (uint64_t)r->pids_limit.v);
  prop_pid(m, "PIDs", (uint32_t)pid);
  array_close(m, p);
  darray aux = array_open(m, 8);
  array_close(m, aux);
  uint32_t n = (uint32_t)(m->len - body);
  memcpy(m->b + 4, &n, 4);
}

/* ---- the connection ------------------------------------------------- */

static int io_wait(int fd, short ev, cell_error_t *err) {
  struct pollfd p = {fd, ev, 0};
  int r;
  do
    r = poll(&p, 1, 10000);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return cell_err(err, ETIMEDOUT, "systemd: no answer");
  return r < 0 ? cell_errno(err, "systemd: poll") : 0;
}

static int send_all(int fd, const void *p, size_t n, cell_error_t *err) {
  for (size_t off = 0; off < n;) {
    ssize_t w = send(fd, (const char *)p + off, n - off, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return cell_errno(err, "systemd: send");
    off += (size_t)w;
  }
  return 0;
}

static int recv_all(int fd, void *p, size_t n, cell_error_t *err) {
  for (size_t off = 0; off < n;) {
    if (io_wait(fd, POLLIN, err) < 0)
      return -1;
    ssize_t r = recv(fd, (char *)p + off, n - off, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return cell_errno(err, "systemd: receive");
    if (r == 0)
      return cell_err(err, ECONNRESET, "systemd: connection closed");
    off += (size_t)r;
  }
  return 0;
}

/* The SASL EXTERNAL handshake: our euid, in hex of its decimal digits.
 * systemd compares it with SO_PEERCRED, which holds the euid of connect()
 * as systemd's user namespace sees it (a user manager takes only its own
 * uid, or root): root of a user namespace is the user who made it. */
static int dbus_auth(int fd, cell_error_t *err) {
  char uid[16], hex[40], line[128];
  snprintf(uid, sizeof uid, "%u", (unsigned)host_euid());
  for (size_t i = 0; uid[i]; i++)
    snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
  int n = snprintf(line, sizeof line, "%cAUTH EXTERNAL %s\r\n", 0, hex);
  if (send_all(fd, line, (size_t)n, err) < 0)
    return -1;
  size_t got = 0;
  while (got < 2 || memcmp(line + got - 2, "\r\n", 2)) {
    if (got == sizeof line - 1 || recv_all(fd, line + got, 1, err) < 0)
      return got == sizeof line - 1
                 ? cell_err(err, EPROTO, "systemd: bad authentication reply")
                 : -1;
    got++;
  }
  line[got] = '\0';
  if (strncmp(line, "OK ", 3))
    return cell_err(err, EACCES, "systemd: authentication refused");
  return send_all(fd, "BEGIN\r\n", 7, err);
}

typedef struct {
  uint8_t type;
  uint32_t reply_serial;
  char error_name[256];
  char error_msg[512];
} dbus_reply;

static uint32_t get_u32(const unsigned char *b) {
  uint32_t v;
  memcpy(&v, b, 4);
  return v;
}

/* Header fields of interest: REPLY_SERIAL (5) and ERROR_NAME (4); the
 * first string of an error's body is its message. */
static void parse_reply(const unsigned char *b, size_t hlen, size_t total,
                        dbus_reply *r) {
  size_t off = 16, end = 16 + get_u32(b + 12);
  while (off < end && off + 4 <= hlen) {
    uint8_t code = b[off], slen = b[off + 1];
    const char *sig = (const char *)b + off + 2;
    size_t v = off + 2 + slen + 1;
    if (slen == 1 && (*sig == 's' || *sig == 'o' || *sig == 'u')) {
      v = (v + 3) & ~(size_t)3;
      uint32_t x = v + 4 <= hlen ? get_u32(b + v) : 0;
      if (code == 5 && *sig == 'u')
        r->reply_serial = x;
      if (code == 4 && *sig == 's' && v + 4 + x < hlen)
        snprintf(r->error_name, sizeof r->error_name, "%.*s", (int)x,
                 (const char *)b + v + 4);
      v += 4 + (*sig == 'u' ? 0 : x + 1);
    } else if (slen == 1 && *sig == 'g') {
      v += 1 + b[v] + 1;
    } else {
      return; /* a field we do not know: stop, keep what we have */
    }
    off = (v + 7) & ~(size_t)7;
  }
  if (r->type == 3 && hlen + 4 <= total) {
    uint32_t x = get_u32(b + hlen);
    if (hlen + 4 + x < total)
      snprintf(r->error_msg, sizeof r->error_msg, "%.*s", (int)x,
               (const char *)b + hlen + 4);
  }
}

static int read_reply(int fd, uint32_t serial, dbus_reply *r,
                      cell_error_t *err) {
  for (;;) {
    unsigned char fixed[16];
    if (recv_all(fd, fixed, sizeof fixed, err) < 0)
      return -1;
    if (fixed[0] != 'l')
      return cell_err(err, EPROTO, "systemd: big-endian reply");
    size_t hlen = (16 + get_u32(fixed + 12) + 7) & ~(size_t)7;
    size_t total = hlen + get_u32(fixed + 4);
    if (total > 1 << 20)
      return cell_err(err, EPROTO, "systemd: reply of %zu bytes", total);
    _cleanup_free_ unsigned char *b = xmalloc(total);
    memcpy(b, fixed, 16);
    if (recv_all(fd, b + 16, total - 16, err) < 0)
      return -1;
    memset(r, 0, sizeof *r);
    r->type = b[1];
    parse_reply(b, hlen, total, r);
    /* 2: method return, 3: error; signals and others are skipped */
    if ((r->type == 2 || r->type == 3) && r->reply_serial == serial)
      return 0;
  }
}

/* ---- the driver ----------------------------------------------------- */

static bool valid_unit_part(const char *s) {
  if (!*s || strlen(s) > 200)
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("-_.\\@", *s))
      return false;
  return true;
}

/* "a-b.slice" lives at /a.slice/a-b.slice; "-.slice" is the root. */
static char *slice_path(const char *slice) {
  if (!strcmp(slice, "-.slice"))
    return xstrdup("");
  size_t n = strlen(slice) - strlen(".slice");
  char *out = xstrdup("");
  for (size_t i = 0; i <= n; i++) {
    if (i < n && slice[i] != '-')
      continue;
    char *t = xasprintf("%s/%.*s.slice", out, (int)i, slice);
    free(out);
    out = t;
  }
  return out;
}

int cgsd_parse(const char *spec, const char *id, bool user, char **unit,
               char **slice, char **path, cell_error_t *err) {
  /* runc's defaults: user.slice is where a user manager's apps go */
  const char *def_slice = user ? "user.slice" : "system.slice";
  _cleanup_free_ char *def =
      !spec || !*spec ? xasprintf("%s:cell:%s", def_slice, id) : NULL;
  if (def)
    spec = def;
  const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (!c2 || strchr(c2 + 1, ':'))
    return cell_err(err, 0,
                    "linux.cgroupsPath: `%s`: the systemd driver expects "
                    "slice:prefix:name",
                    spec);
  _cleanup_free_ char *s = xasprintf("%.*s", (int)(c1 - spec), spec);
  _cleanup_free_ char *prefix = xasprintf("%.*s", (int)(c2 - c1 - 1), c1 + 1);
  const char *name = c2 + 1;
  if (!*s) {
    free(s);
    s = xstrdup(def_slice);
  }
  size_t sl = strlen(s);
  bool slice_ok = sl > 6 && !strcmp(s + sl - 6, ".slice") &&
                  valid_unit_part(s) && s[0] != '-' && !strstr(s, "--") &&
                  s[sl - 7] != '-';
  if (!slice_ok && strcmp(s, "-.slice"))
    return cell_err(err, 0, "linux.cgroupsPath: `%s`: not a slice name", s);
  if (!valid_unit_part(name) || (*prefix && !valid_unit_part(prefix)))
    return cell_err(err, 0, "linux.cgroupsPath: `%s`: not a unit name", spec);
  size_t nl = strlen(name);
  if (nl > 6 && !strcmp(name + nl - 6, ".slice"))
    return cell_err(err, 0,
                    "linux.cgroupsPath: `%s`: a slice as the container's "
                    "unit is not supported",
                    spec);
  *unit = *prefix ? xasprintf("%s-%s.scope", prefix, name)
                  : xasprintf("%s.scope", name);
  _cleanup_free_ char *sp = slice_path(s);
  *path = xasprintf("%s/%s", sp, *unit);
  *slice = steal_ptr(&s);
  return 0;
}

struct where {
  const char *path;
  int v2, named; /* -1 absent, 0 elsewhere, 1 there */
};

static int pid_where(char *ctl, char *path, void *arg) {
  struct where *w = arg;
  if (!*ctl)
    w->v2 = !strcmp(path, w->path);
  else if (!strcmp(ctl, "name=systemd"))
    w->named = !strcmp(path, w->path);
  return 0;
}

/* Is pid in the scope yet?  systemd tracks units in name=systemd where
 * that hierarchy exists (v1, hybrid), else in the v2 one. */
static bool pid_in(int pid, const char *path) {
  struct where w = {path, -1, -1};
  cell_error_t e = {0};
  if (proc_cgroups(pid, pid_where, &w, &e) < 0)
    return false;
  return w.named >= 0 ? w.named == 1 : w.v2 == 1;
}

char *cgsd_manager_root(const char *cg) {
  size_t n = strlen(cg), k = strlen("/init.scope");
  if (n >= k && !strcmp(cg + n - k, "/init.scope"))
    n -= k;
  /* "/" is the root: unit paths are appended to it */
  if (n == 1 && cg[0] == '/')
    n = 0;
  return xasprintf("%.*s", (int)n, cg);
}

/* Connects to sock; 1 when nothing listens there (try the next one). */
static int try_connect(const char *sock, int *fd, cell_error_t *err) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(sock) >= sizeof a.sun_path)
    return cell_err(err, ENAMETOOLONG, "connect to `%s`", sock);
  memcpy(a.sun_path, sock, strlen(sock) + 1);
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return cell_errno(err, "socket");
  if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
    bool absent = errno == ENOENT || errno == ECONNREFUSED;
    cell_errno(err, "connect to `%s`", sock);
    return absent ? 1 : -1;
  }
  *fd = steal_fd(&s);
  return 0;
}

/* The manager's root cgroup, from its pid on the other end of fd. */
static int manager_root(int fd, bool user, const char *sock, char **root,
                        cell_error_t *err) {
  struct ucred uc = {0};
  socklen_t len = sizeof uc;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
    return cell_errno(err, "systemd: credentials of `%s`", sock);
  if (uc.pid <= 0) {
    /* PID 1 of another pid namespace: as before, the top of ours */
    if (!user) {
      *root = xstrdup("");
      return 0;
    }
    return cell_err(err, 0,
                    "systemd: the user manager at `%s` is in another pid "
                    "namespace; its cgroup is unknown",
                    sock);
  }
  _cleanup_free_ char *cg = proc_cgroup_v2(uc.pid);
  if (!cg)
    return cell_err(err, errno, "systemd: read /proc/%d/cgroup (the manager)",
                    (int)uc.pid);
  *root = cgsd_manager_root(cg);
  return 0;
}

int cgsd_connect(bool user, char **root, cell_error_t *err) {
  /* $XDG_RUNTIME_DIR may name another directory than the manager's (su,
   * runuser), so /run/user/UID is tried after it */
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  _cleanup_free_ char *first = !user ? xstrdup("/run/systemd/private")
                               : xdg && *xdg == '/'
                                   ? xasprintf("%s/systemd/private", xdg)
                                   : NULL;
  _cleanup_free_ char *second =
      user ? xasprintf("/run/user/%u/systemd/private", (unsigned)host_euid())
           : NULL;
  if (first && second && !strcmp(first, second)) {
    free(second);
    second = NULL;
  }
  const char *socks[] = {first ? first : second, first ? second : NULL};
  int fd = -1, r = 1;
  const char *sock = NULL;
  for (int i = 0; i < 2 && socks[i] && r == 1; i++)
    r = try_connect(sock = socks[i], &fd, err);
  if (r == 1 && user)
    return cell_err(err, 0,
                    "--systemd-cgroup: no systemd user manager runs for uid "
                    "%u (nothing listens on `%s`%s%s%s)",
                    (unsigned)host_euid(), socks[0], socks[1] ? " nor `" : "",
                    socks[1] ? socks[1] : "", socks[1] ? "`" : "");
  if (r != 0)
    return cell_err_prefix(err, "--systemd-cgroup");
  if (manager_root(fd, user, sock, root, err) < 0 || dbus_auth(fd, err) < 0) {
    close(fd);
    return cell_err_prefix(err, "--systemd-cgroup");
  }
  return fd;
}

int cgsd_start_scope(int fd, const char *unit, const char *slice,
                     const char *path, int pid, const oci_resources *res,
                     cell_error_t *err) {
  dbuf m = {0};
  _cleanup_free_ char *desc = xasprintf("cell container %s", unit);
  start_scope_msg(&m, 1, unit, slice, desc, pid, res);
  int rc = send_all(fd, m.b, m.len, err);
  free(m.b);
  dbus_reply r;
  if (rc < 0 || read_reply(fd, 1, &r, err) < 0)
    return cell_err_prefix(err, "start unit `%s`", unit);
  if (r.type == 3)
    return cell_err(err, 0, "systemd: start unit `%s`: %s (%s)", unit,
                    r.error_msg, r.error_name);
  /* the job moves the pid; a scope's job does not wait for anything */
  for (int i = 0; i < 5000; i++) {
    if (pid_in(pid, path))
      return 0;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return cell_err(err, ETIMEDOUT, "systemd: unit `%s`: pid %d not in `%s`",
                  unit, pid, path);
}
