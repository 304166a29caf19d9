#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"

int cmd_state(const cell_globals *g, int argc, char **argv) {
  const char *id;
  if (parse_id_only(argc, argv, "", NULL, NULL, &id))
    return 1;
  cell_container c;
  cell_error_t err = {0};
  if (state_peek(g->root, id, &c, &err) < 0) {
    state_close(&c);
    return cli_fail("%s", err.msg);
  }
  _cleanup_free_ char *json =
      state_oci_json(&c.st, state_status_name(state_status(&c)), true);
  /* yajl's pretty output already ends with a newline */
  fputs(json, stdout);
  if (!*json || json[strlen(json) - 1] != '\n')
    putchar('\n');
  state_close(&c);
  return 0;
}
