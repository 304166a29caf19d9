/* Console-socket peer for terminal tests: listens on a unix socket, takes
 * the pty master that the runtime sends with SCM_RIGHTS, optionally types
 * INPUT into it, and copies everything the container writes to stdout until
 * the pty hangs up (all slave ends closed) or TIMEOUT seconds pass.
 * Usage: recvtty SOCKET [INPUT] */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TIMEOUT 20

static int recv_fd(int conn) {
  char name[256], cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf,
                       .msg_controllen = sizeof(cbuf)};
  if (recvmsg(conn, &msg, 0) < 0)
    return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: recvtty SOCKET [INPUT]\n");
    return 2;
  }
  alarm(TIMEOUT);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
    fprintf(stderr, "recvtty: socket path too long\n");
    return 2;
  }
  strcpy(addr.sun_path, argv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  unlink(argv[1]);
  if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
      listen(s, 1) < 0) {
    perror("recvtty: listen");
    return 1;
  }
  int conn = accept(s, NULL, NULL);
  int master = conn < 0 ? -1 : recv_fd(conn);
  if (master < 0) {
    perror("recvtty: receive pty master");
    return 1;
  }
  fprintf(stderr, "recvtty: got master\n");
  if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0) {
    perror("recvtty: write input");
    return 1;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) /* EIO: every slave end is closed */
      break;
    if (fwrite(buf, 1, n, stdout) != (size_t)n)
      return 1;
    fflush(stdout);
  }
  return 0;
}
