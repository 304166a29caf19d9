/* SCMP_ACT_NOTIFY: the runtime hands the filter's listener fd to the
 * process at linux.seccomp.listenerPath, with the runtime-spec "container
 * process state" as JSON, one connection per container. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <yajl/yajl_gen.h>

#include "cell_seccomp.h"
#include "cleanup.h"
#include "utils.h"

#define OCI_VERSION "1.3.0"

static void gen_str(yajl_gen g, const char *s) {
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {...}}
 * where fds names the SCM_RIGHTS fds in the order they are sent. */
static char *process_state_json(const oci_seccomp *s, const cell_state *st) {
  _cleanup_free_ char *state = state_oci_json(st, "creating", false);
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_map_open(g);
  gen_str(g, "ociVersion");
  gen_str(g, OCI_VERSION);
  gen_str(g, "fds");
  yajl_gen_array_open(g);
  gen_str(g, "seccompFd");
  yajl_gen_array_close(g);
  gen_str(g, "pid");
  yajl_gen_integer(g, st->pid);
  if (s->listener_metadata) {
    gen_str(g, "metadata");
    gen_str(g, s->listener_metadata);
  }
  /* the state is already JSON: splice it in rather than re-parse it */
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char *out = xasprintf("%.*s,\"state\":%s}", (int)len, buf, state);
  yajl_gen_free(g);
  return out;
}

static int send_with_fd(int sock, const char *data, size_t len, int fd) {
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
  if (n < 0)
    return -1;
  /* a stream may take less; the fd went with the first byte */
  return write_all(sock, data + n, len - (size_t)n);
}

int cell_seccomp_send_listener(const oci_seccomp *s, int listener,
                               const cell_state *st, cell_error_t *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  const char *path = s->listener_path;
  if (strlen(path) >= sizeof sa.sun_path)
    return cell_err(err, ENAMETOOLONG, "linux.seccomp.listenerPath `%s`", path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return cell_errno(err, "linux.seccomp.listenerPath: socket");
  if (connect(sock, (struct sockaddr *)&sa, sizeof sa) < 0)
    return cell_errno(err, "linux.seccomp.listenerPath: connect `%s`", path);
  _cleanup_free_ char *json = process_state_json(s, st);
  if (send_with_fd(sock, json, strlen(json), listener) < 0)
    return cell_errno(err, "linux.seccomp.listenerPath: send to `%s`", path);
  return 0;
}
