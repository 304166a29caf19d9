#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "utils.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int terminal_setup(const oci_process *p, cell_error_t *err) {
  _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return cell_errno(err, "open `/dev/ptmx`");
  int unlock = 0, n;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
    return cell_errno(err, "unlock pty");
  /* TIOCGPTPEER opens the slave through the master: no path lookup that a
   * container could redirect. */
  _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return cell_errno(err, "open pty slave");
  if (p->has_console_size) {
    struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                         .ws_col = (unsigned short)p->console_width};
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
      return cell_errno(err, "set console size");
  }
  char path[64];
  snprintf(path, sizeof path, "/dev/pts/%d", n);
  if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
    return cell_errno(err, "mount `%s` on `/dev/console`", path);
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return cell_errno(err, "set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      return cell_errno(err, "dup pty to fd %d", fd);
  return steal_fd(&master);
}

int terminal_send(const char *path, int master, cell_error_t *err) {
  static const char name[] = "/dev/ptmx";
  return unix_send_fd(path, "--console-socket", name, sizeof name - 1, master,
                      err);
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

/* Returns false when the source is done. */
static bool pump(int from, int to) {
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0)
    return n < 0 && (errno == EINTR || errno == EAGAIN);
  write_all(to, buf, (size_t)n);
  return true;
}

int terminal_proxy(int master, int pidfd) {
  struct termios saved, raw;
  bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    raw = saved;
    cfmakeraw(&raw);
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    copy_winsize(master);
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  struct pollfd fds[4] = {{master, POLLIN, 0},
                          {STDIN_FILENO, POLLIN, 0},
                          {pidfd, POLLIN, 0},
                          {sfd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 4, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      if (!pump(master, STDOUT_FILENO))
        break;
    } else if (fds[0].revents & (POLLHUP | POLLERR)) {
      break;
    }
    if (fds[1].revents & POLLIN) {
      if (!pump(STDIN_FILENO, master))
        fds[1].fd = -1;
    } else if (fds[1].revents & (POLLHUP | POLLERR)) {
      fds[1].fd = -1;
    }
    if (fds[3].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) > 0)
        copy_winsize(master);
    }
    if (fds[2].revents & POLLIN) {
      /* drain what the process wrote before it exited */
      char buf[8192];
      ssize_t n;
      fcntl(master, F_SETFL, O_NONBLOCK);
      while ((n = read(master, buf, sizeof buf)) > 0)
        write_all(STDOUT_FILENO, buf, (size_t)n);
      break;
    }
  }
  if (sfd >= 0)
    close(sfd);
  if (tty)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return 0;
}
