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

int cmd_run(const cell_globals *g, int argc, char **argv) {
  create_opts o = {.root = g->root, .via_run = true};
  _cleanup_free_ char *bundle = NULL;
  bool detach = false;
  if (parse_create_opts(argc, argv, &o, true, &detach, &bundle))
    return 1;
  o.foreground = !detach;
  if (o.keep && detach)
    return cli_fail("run: --keep and --detach: a detached container is kept "
                    "anyway");
  sigset_t set;
  forwarded_signals(&set);
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
    if (!o.keep && state_relock(&cc.c, &err) == 0 &&
        faccessat(cc.c.dirfd, "state.json", F_OK, 0) == 0 &&
        container_remove(&cc.c, &err) < 0)
      cell_warn("%s", err.msg);
  }
  cell_created_free(&cc);
  return code;
}
