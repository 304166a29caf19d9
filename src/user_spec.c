/* `exec --user` parsing.  Strict on purpose: a sign, a space or an
 * overflow that strtoul would wrap must never become some other id. */
#include "user_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs.h"
#include "utils.h"

#define ID_MAX 4294967294ULL /* (uint32_t)-1 means "no id" to the kernel */

/* The decimal id in s[0..n), or -1. */
static int64_t parse_id(const char *s, size_t n) {
  if (n == 0 || n > 10)
    return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  return v > ID_MAX ? -1 : (int64_t)v;
}

int user_spec_parse(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid,
                    cell_error_t *err) {
  if (!s)
    return cell_err(err, 0, "--user: empty");
  const char *colon = strchr(s, ':');
  size_t un = colon ? (size_t)(colon - s) : strlen(s);
  int64_t u = parse_id(s, un), g = 0;
  if (u < 0)
    return cell_err(err, 0, "--user `%s`: the uid must be 0..%llu", s, ID_MAX);
  if (colon) {
    g = parse_id(colon + 1, strlen(colon + 1));
    if (g < 0)
      return cell_err(err, 0, "--user `%s`: the gid must be 0..%llu", s,
                      ID_MAX);
  }
  *uid = (uint32_t)u;
  if (colon)
    *gid = (uint32_t)g;
  *has_gid = colon != NULL;
  return 0;
}

/* Field 0 of a line equal to name[0..n): fields 2 and 3 as ids (-1 when
 * absent).  file is "/etc/passwd" or "/etc/group". */
static int lookup(int rootfd, const char *file, const char *name, size_t n,
                  int64_t *id, int64_t *id2, cell_error_t *err) {
  _cleanup_close_ int fd = open_in_root(rootfd, file, O_RDONLY, 0, err);
  if (fd < 0)
    return -1;
  size_t cap = 4096, len = 0;
  _cleanup_free_ char *data = xmalloc(cap);
  for (ssize_t r;; len += (size_t)r) {
    if (len + 1 >= cap)
      data = xrealloc(data, cap *= 2);
    r = read(fd, data + len, cap - len - 1);
    if (r < 0 && errno == EINTR)
      r = 0;
    else if (r < 0)
      return cell_errno(err, "read `%s`", file);
    else if (r == 0)
      break;
  }
  data[len] = '\0';
  for (char *line = data, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *f[4] = {line, NULL, NULL, NULL};
    for (int i = 1; i < 4 && f[i - 1]; i++) {
      char *c = strchr(f[i - 1], ':');
      if (c)
        *c++ = '\0';
      f[i] = c;
    }
    if (strlen(f[0]) != n || strncmp(f[0], name, n) != 0 || !f[2])
      continue;
    *id = parse_id(f[2], strcspn(f[2], ":"));
    *id2 = f[3] ? parse_id(f[3], strcspn(f[3], ":")) : -1;
    if (*id < 0)
      return cell_err(err, 0, "%s: bad id for `%.*s`", file, (int)n, name);
    return 0;
  }
  return cell_err(err, 0, "%s: no entry `%.*s`", file, (int)n, name);
}

int user_spec_resolve(int rootfd, const char *s, uint32_t *uid, uint32_t *gid,
                      bool *has_gid, cell_error_t *err) {
  if (!s || !*s)
    return cell_err(err, 0, "--user: empty");
  const char *colon = strchr(s, ':');
  size_t un = colon ? (size_t)(colon - s) : strlen(s);
  int64_t u = parse_id(s, un), g = -1, pg = -1, unused;
  if (un == 0 || (colon && !colon[1]))
    return cell_err(err, 0, "--user `%s`: empty user or group", s);
  if (u < 0 && strspn(s, "0123456789") == un)
    return cell_err(err, 0, "--user `%s`: the uid must be 0..%llu", s, ID_MAX);
  if (u < 0 && lookup(rootfd, "/etc/passwd", s, un, &u, &pg, err) < 0)
    return cell_err_prefix(err, "--user `%s`", s);
  if (colon) {
    const char *gs = colon + 1;
    size_t gn = strlen(gs);
    g = parse_id(gs, gn);
    if (g < 0 && strspn(gs, "0123456789") == gn)
      return cell_err(err, 0, "--user `%s`: the gid must be 0..%llu", s,
                      ID_MAX);
    if (g < 0 && lookup(rootfd, "/etc/group", gs, gn, &g, &unused, err) < 0)
      return cell_err_prefix(err, "--user `%s`", s);
  } else if (pg >= 0) {
    g = pg; /* a user name brings its primary group */
  }
  *uid = (uint32_t)u;
  *has_gid = g >= 0;
  if (g >= 0)
    *gid = (uint32_t)g;
  return 0;
}
