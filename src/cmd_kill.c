#include <getopt.h>
#include <signal.h>

#include "cli.h"
#include "cmd_common.h"
#include "container.h"

int cmd_kill(const cell_globals *g, int argc, char **argv) {
  const char *id, *names[] = {"all"};
  bool all = false;
  if (parse_id_only(argc, argv, "a", names, &all, &id))
    return 1;
  int sig = SIGTERM;
  if (optind + 1 < argc && (sig = parse_signal(argv[optind + 1])) < 0)
    return cli_fail("kill: unknown signal `%s`", argv[optind + 1]);
  cell_container c;
  cell_error_t err = {0};
  int r = state_open(g->root, id, &c, &err);
  if (r == 0) {
    cell_status s = state_status(&c);
    if (s != ST_CREATED && s != ST_RUNNING && s != ST_PAUSED)
      r = cell_err(&err, 0, "cannot kill container `%s`: it is %s", id,
                   state_status_name(s));
    else
      r = container_signal(&c, sig, all, &err);
  }
  state_close(&c);
  return r < 0 ? cli_fail("%s", err.msg) : 0;
}
