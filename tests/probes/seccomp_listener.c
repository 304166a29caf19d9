/* A seccomp notify agent for the tests: listens on SOCK, takes one
 * runtime connection (the container process state JSON and the listener
 * fd), writes the JSON to OUT, then answers every notification with
 * ERRNO (0: a fake success, the syscall is not run) and appends
 * "nr=N" for each to OUT.log, until the container is gone.
 *   seccomp_listener SOCK OUT ERRNO */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what) {
  fprintf(stderr, "seccomp_listener: %s: %s\n", what, strerror(errno));
  return 1;
}

/* Reads the whole state (the runtime closes after sending) and the fd. */
static int receive(int conn, char *buf, size_t cap, int *fd) {
  union {
    char b[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  size_t len = 0;
  *fd = -1;
  for (;;) {
    struct iovec iov = {buf + len, cap - 1 - len};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = u.b,
                         .msg_controllen = sizeof u.b};
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_type == SCM_RIGHTS)
      memcpy(fd, CMSG_DATA(c), sizeof(int));
    if (n == 0 || len + (size_t)n >= cap - 1)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  return 0;
}

static int answer(int fd, int err, FILE *log) {
  struct seccomp_notif_sizes sz;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
    return die("notif sizes");
  struct seccomp_notif *req = calloc(1, sz.seccomp_notif);
  struct seccomp_notif_resp *resp = calloc(1, sz.seccomp_notif_resp);
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR)
      return die("poll");
    if (p.revents & (POLLHUP | POLLERR))
      break; /* every process of the filter is gone */
    memset(req, 0, sz.seccomp_notif);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
      if (errno == EINTR || errno == ENOENT)
        continue;
      return die("notif recv");
    }
    fprintf(log, "nr=%d\n", req->data.nr);
    fflush(log);
    memset(resp, 0, sz.seccomp_notif_resp);
    resp->id = req->id;
    resp->error = err ? -err : 0;
    resp->val = 0;
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
      return die("notif send");
  }
  free(req);
  free(resp);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: seccomp_listener SOCK OUT ERRNO\n");
    return 2;
  }
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(argv[1]);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 ||
      listen(s, 1) < 0)
    return die("listen");
  int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return die("accept");
  static char state[65536];
  int fd;
  if (receive(conn, state, sizeof state, &fd) < 0)
    return die("receive");
  close(conn);
  close(s);
  unlink(argv[1]);
  char logpath[4096];
  snprintf(logpath, sizeof logpath, "%s.log", argv[2]);
  FILE *log = fopen(logpath, "w");
  FILE *out = fopen(argv[2], "w");
  if (!log || !out)
    return die("open output");
  fprintf(out, "%s\n", state);
  fclose(out);
  if (fd < 0) {
    fprintf(stderr, "seccomp_listener: no fd received\n");
    return 1;
  }
  int r = answer(fd, atoi(argv[3]), log);
  fclose(log);
  return r;
}
