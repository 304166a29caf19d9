#include <signal.h>

#include "cgroup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"

int cmd_delete(const cell_globals *g, int argc, char **argv) {
  const char *id, *names[] = {"force"};
  bool force = false;
  if (parse_id_only(argc, argv, "f", names, &force, &id))
    return 1;
  cell_container c;
  cell_error_t err = {0};
  int r = state_open(g->root, id, &c, &err);
  if (r < 0) {
    state_close(&c);
    /* runc: a forced delete of what does not exist is not an error */
    return force && c.dirfd < 0 ? 0 : cli_fail("%s", err.msg);
  }
  cell_status s = state_status(&c);
  if (s != ST_STOPPED && !force) {
    r = cell_err(&err, 0,
                 "cannot delete container `%s` that is not stopped: %s", id,
                 state_status_name(s));
  } else if (s == ST_CREATED || s == ST_RUNNING || s == ST_PAUSED) {
    /* the whole pid namespace dies with its init */
    container_signal(&c, SIGKILL, true, &err);
    container_signal(&c, SIGKILL, false, &err);
    /* a frozen v1 task acts on SIGKILL only once thawed */
    if (s == ST_PAUSED)
      cgroup_freeze(&c.st.cgroup_paths, false, &err);
    if (wait_stopped(&c, 10000) < 0)
      r = cell_err(&err, 0, "container `%s` did not stop after SIGKILL", id);
  }
  if (r == 0)
    r = container_remove(&c, &err);
  state_close(&c);
  return r < 0 ? cli_fail("%s", err.msg) : 0;
}
