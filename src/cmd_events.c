/* `cell events [--stats] [--interval D] ID`: runc's event stream, one
 * JSON object a line: {"type":"stats","id":ID,"data":{...}} every
 * interval, and {"type":"oom","id":ID} when the OOM-kill count grows.
 * --stats prints one stats object and exits. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"

/* "5s", "500ms", "1m", "2" (seconds) */
static long parse_ms(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || v <= 0)
    return -1;
  if (!*end || !strcmp(end, "s"))
    return (long)(v * 1000);
  if (!strcmp(end, "ms"))
    return (long)v;
  if (!strcmp(end, "m"))
    return (long)(v * 60000);
  return -1;
}

static int print_stats(const cell_container *c, cell_error_t *err) {
  _cleanup_free_ char *data = cgroup_stats_json(&c->st.cgroup_paths, err);
  if (!data)
    return -1;
  printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}\n", c->st.id, data);
  fflush(stdout);
  return 0;
}

int cmd_events(const cell_globals *g, int argc, char **argv) {
  static const struct option opts[] = {
      {"stats", no_argument, NULL, 's'},
      {"interval", required_argument, NULL, 'i'},
      {0}};
  bool once = false;
  long ms = 5000;
  int c;
  while ((c = getopt_long_only(argc, argv, "+si:", opts, NULL)) != -1) {
    if (c == 's')
      once = true;
    else if (c == 'i' && (ms = parse_ms(optarg)) > 0)
      continue;
    else if (c == 'i')
      return cli_fail("events: --interval: invalid duration `%s`", optarg);
    else
      return cli_fail("events: unknown option `%s`", argv[optind - 1]);
  }
  if (cli_need_args("events", argc, optind, 1, "[--stats] [--interval D] ID"))
    return 1;
  const char *id = argv[optind];
  cell_error_t err = {0};
  long long ooms = -1;
  for (;;) {
    cell_container ct;
    int r = state_open(g->root, id, &ct, &err);
    if (r < 0) {
      state_close(&ct);
      return ooms < 0 ? cli_fail("events: %s", err.msg) : 0;
    }
    cell_status s = state_status(&ct);
    if (s == ST_STOPPED || s == ST_CREATING) {
      state_close(&ct);
      return ooms < 0 ? cli_fail("events: container `%s` is %s", id,
                                 state_status_name(s))
                      : 0;
    }
    long long n = cgroup_oom_count(&ct.st.cgroup_paths);
    if (ooms >= 0 && n > ooms)
      printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
    ooms = n;
    r = print_stats(&ct, &err);
    state_close(&ct);
    if (r < 0)
      return cli_fail("events: %s", err.msg);
    if (once)
      return 0;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
}
