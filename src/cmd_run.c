#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"
#include "terminal.h"

/* Signals a foreground run passes on to the container, as runc does. */
static const int forwarded[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH};

static int exit_code(const siginfo_t *si) {
  return si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
}

/* Forwards signals until the init exits; returns its exit code. */
static int wait_forwarding(int pidfd, const sigset_t *set) {
  _cleanup_close_ int sfd = signalfd(-1, set, SFD_CLOEXEC);
  struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {sfd, POLLIN, 0}};
  for (;;) {
    siginfo_t si = {0};
    if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid)
      return exit_code(&si);
    if (poll(fds, sfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
      return 255;
    struct signalfd_siginfo ssi;
    if (sfd >= 0 && (fds[1].revents & POLLIN) &&
        read(sfd, &ssi, sizeof ssi) == sizeof ssi)
      syscall(SYS_pidfd_send_signal, pidfd, (int)ssi.ssi_signo, NULL, 0);
  }
}

int cmd_run(const cell_globals *g, int argc, char **argv) {
  create_opts o = {.root = g->root, .via_run = true};
  _cleanup_free_ char *bundle = NULL;
  bool detach = false;
  if (parse_create_opts(argc, argv, &o, true, &detach, &bundle))
    return 1;
  o.foreground = !detach;
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
    sigaddset(&set, forwarded[i]);
  cell_created cc;
  cell_error_t err = {0};
  if (container_create(&o, &cc, &err) < 0) {
    cell_created_free(&cc);
    return cli_fail("%s", err.msg);
  }
  /* blocked only now: the init must not inherit a blocked mask */
  if (o.foreground)
    sigprocmask(SIG_BLOCK, &set, NULL);
  int r = container_start_sync(&cc, &err);
  if (r == 0 && cc.cfg->hooks.poststart.len)
    r = container_run_hooks(&cc.cfg->hooks.poststart, "poststart", &cc.c.st,
                            "running", &err);
  if (r < 0) {
    container_destroy(&cc);
    cell_created_free(&cc);
    return cli_fail("%s", err.msg);
  }
  int code = 0;
  if (o.foreground) {
    state_unlock(&cc.c);
    if (cc.console >= 0)
      terminal_proxy(cc.console, cc.pidfd);
    code = wait_forwarding(cc.pidfd, &set);
    close(cc.pidfd);
    cc.pidfd = -1;
    /* a concurrent `delete --force` may have removed it already */
    if (state_relock(&cc.c, &err) == 0 &&
        faccessat(cc.c.dirfd, "state.json", F_OK, 0) == 0 &&
        container_remove(&cc.c, &err) < 0)
      cell_warn("%s", err.msg);
  }
  cell_created_free(&cc);
  return code;
}
