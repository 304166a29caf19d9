/* --pidfd-socket peer: listens on SOCKET, takes the one fd the runtime
 * sends with SCM_RIGHTS, and prints "name=DATA pid=PID" (PID from the
 * fd's fdinfo, so only a pidfd has one); with "wait", then waits (20 s at
 * most) until the process ends and prints "exited".
 * Usage: recvfd SOCKET [wait] */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
  unlink(argv[1]);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 ||
      listen(s, 1) < 0)
    return perror("listen"), 1;
  int c = accept(s, NULL, NULL);
  char name[256] = "", cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf};
  ssize_t n = c < 0 ? -1 : recvmsg(c, &msg, 0);
  struct cmsghdr *h = n < 0 ? NULL : CMSG_FIRSTHDR(&msg);
  if (!h || h->cmsg_type != SCM_RIGHTS)
    return fprintf(stderr, "no fd received\n"), 1;
  name[n] = '\0';
  int fd;
  memcpy(&fd, CMSG_DATA(h), sizeof fd);
  char path[64], line[256];
  long pid = -1;
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "Pid:", 4))
      pid = strtol(line + 4, NULL, 10);
  if (f)
    fclose(f);
  printf("name=%s pid=%ld\n", name, pid);
  fflush(stdout);
  if (argc > 2 && !strcmp(argv[2], "wait")) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 20000) == 1)
      printf("exited\n");
  }
  return 0;
}
