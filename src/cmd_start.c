#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"

int cmd_start(const cell_globals *g, int argc, char **argv) {
  const char *id;
  if (parse_id_only(argc, argv, "", NULL, NULL, &id))
    return 1;
  cell_container c;
  cell_error_t err = {0};
  if (state_open(g->root, id, &c, &err) < 0) {
    state_close(&c);
    return cli_fail("%s", err.msg);
  }
  cell_status s = state_status(&c);
  if (s != ST_CREATED) {
    state_close(&c);
    return cli_fail("cannot start container `%s`: it is %s, not created", id,
                    state_status_name(s));
  }
  /* the init holds the read end; no reader means it died meanwhile */
  _cleanup_close_ int fifo =
      openat(c.dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0 || write(fifo, "0", 1) != 1) {
    int e = errno;
    state_close(&c);
    return cli_fail("start container `%s`: exec fifo: %s", id, strerror(e));
  }
  unlinkat(c.dirfd, "exec.fifo", 0);
  oci_config *cfg;
  int r = container_saved_hooks(&c, &cfg, &err);
  if (r == 0 && cfg)
    r = container_run_hooks(&cfg->hooks.poststart, "poststart", &c.st,
                            "running", &err);
  oci_config_free(cfg);
  state_close(&c);
  return r < 0 ? cli_fail("%s", err.msg) : 0;
}
