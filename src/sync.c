#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "cleanup.h"
#include "utils.h"

/* Seqpacket messages can be as large as the socket buffer; the state JSON
 * with annotations is the largest thing sent. */
#define SYNC_MAX (192 * 1024)
#define EOF_MSG "container init exited during setup"

int sync_send(int fd, enum sync_type type, int32_t value, const void *data,
              size_t len, int pass_fd, cell_error_t *err) {
  sync_hdr h = {.type = type, .value = value, .len = (uint32_t)len};
  struct iovec iov[2] = {{&h, sizeof h}, {(void *)data, len}};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
  if (len > SYNC_MAX)
    return cell_err(err, EMSGSIZE, "sync message");
  if (pass_fd >= 0) {
    memset(&u, 0, sizeof u);
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  ssize_t r;
  do
    r = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return cell_errno(err, "sync: send");
  return 0;
}

int sync_recv(int fd, sync_hdr *h, char **data, int *passed_fd,
              cell_error_t *err) {
  /* in .bss: pages are only touched as far as a message reaches, where a
   * malloc of this size would be an mmap and munmap per message */
  static char buf[sizeof(sync_hdr) + SYNC_MAX + 1];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {buf, sizeof *h + SYNC_MAX};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  ssize_t r;
  do
    r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return cell_errno(err, "sync: receive");
  if (r == 0)
    return cell_err(err, 0, EOF_MSG);
  if ((size_t)r < sizeof *h)
    return cell_err(err, EPROTO, "sync: short message");
  memcpy(h, buf, sizeof *h);
  size_t len = (size_t)r - sizeof *h;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  int got_fd = -1;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
    memcpy(&got_fd, CMSG_DATA(c), sizeof(int));
  if (passed_fd)
    *passed_fd = got_fd;
  else if (got_fd >= 0)
    close(got_fd);
  if (h->type == SYNC_ERROR) {
    buf[sizeof *h + len] = '\0';
    err->errnum = h->value;
    snprintf(err->msg, sizeof err->msg, "%.1000s", buf + sizeof *h);
    return -1;
  }
  /* the shim sends a path and an errno: no libc there to format them */
  if (h->type == SYNC_EXEC_ERROR) {
    buf[sizeof *h + len] = '\0';
    return cell_err(err, h->value, "exec `%.900s`", buf + sizeof *h);
  }
  if (data) {
    char *d = xmalloc(len + 1);
    memcpy(d, buf + sizeof *h, len);
    d[len] = '\0';
    *data = d;
  }
  return 0;
}

int sync_expect(int fd, enum sync_type want, sync_hdr *h, char **data,
                int *passed_fd, cell_error_t *err) {
  if (sync_recv(fd, h, data, passed_fd, err) < 0)
    return -1;
  if (h->type != want)
    return cell_err(err, EPROTO, "sync: expected message %d, got %u", want,
                    h->type);
  return 0;
}

int sync_wait_exec(int fd, cell_error_t *err) {
  sync_hdr h;
  if (sync_recv(fd, &h, NULL, NULL, err) == 0)
    return cell_err(err, EPROTO, "sync: unexpected message %u", h.type);
  /* the close-on-exec socket closing is the sign of a successful exec */
  return err->errnum == 0 && !strcmp(err->msg, EOF_MSG) ? 0 : -1;
}

void sync_send_error(int fd, const cell_error_t *err) {
  cell_error_t ignored = {0};
  sync_send(fd, SYNC_ERROR, err->errnum, err->msg, strlen(err->msg), -1,
            &ignored);
}
