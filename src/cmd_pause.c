/* `cell pause` and `cell resume`: the cgroup freezer (v1 freezer.state,
 * v2 cgroup.freeze).  `state` then says "paused". */
#include "cgroup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"

static int freeze_cmd(const cell_globals *g, int argc, char **argv,
                      bool freeze) {
  const char *id;
  if (parse_id_only(argc, argv, "", NULL, NULL, &id))
    return 1;
  cell_container c;
  cell_error_t err = {0};
  int r = state_open(g->root, id, &c, &err);
  if (r == 0) {
    cell_status s = state_status(&c);
    if (freeze && s != ST_RUNNING && s != ST_CREATED)
      r = cell_err(&err, 0, "cannot pause container `%s`: it is %s", id,
                   state_status_name(s));
    else if (!freeze && s != ST_PAUSED)
      r = cell_err(&err, 0, "cannot resume container `%s`: it is %s", id,
                   state_status_name(s));
    else if (!c.st.cgroup_paths.len)
      r = cell_err(&err, 0,
                   "cannot %s container `%s`: it has no cgroup (rootless "
                   "without a writable cgroup)",
                   argv[0], id);
    else
      r = cgroup_freeze(&c.st.cgroup_paths, freeze, &err);
  }
  state_close(&c);
  return r < 0 ? cli_fail("%s", err.msg) : 0;
}

int cmd_pause(const cell_globals *g, int argc, char **argv) {
  return freeze_cmd(g, argc, argv, true);
}

int cmd_resume(const cell_globals *g, int argc, char **argv) {
  return freeze_cmd(g, argc, argv, false);
}
