/* `cell update`: new linux.resources for a live container, from a
 * LinuxResources JSON (--resources FILE, - for stdin) and/or runc's flags
 * (which win over the file). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"
#include "utils.h"

/* "512m", "1g", "-1": bytes (binary suffixes, as runc reads them) */
static int parse_size(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s)
    return -1;
  int shift = 0;
  switch (*end | 0x20) {
  case 'k':
    shift = 10;
    break;
  case 'm':
    shift = 20;
    break;
  case 'g':
    shift = 30;
    break;
  case 't':
    shift = 40;
    break;
  default:
    if (*end)
      return -1;
  }
  if (*end && end[1] && (end[1] | 0x20) != 'b')
    return -1;
  *out = v < 0 ? v : (int64_t)((unsigned long long)v << shift);
  return 0;
}

static char *read_all(const char *path, size_t *len, cell_error_t *err) {
  char *data = NULL;
  if (strcmp(path, "-")) {
    if (read_file_at(AT_FDCWD, path, &data, len, err) < 0)
      return NULL;
    return data;
  }
  size_t cap = 0;
  *len = 0;
  for (;;) {
    if (*len + 4096 > cap)
      data = xrealloc(data, cap = cap * 2 + 8192);
    ssize_t n = read(0, data + *len, cap - *len - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      free(data);
      cell_errno(err, "read resources from stdin");
      return NULL;
    }
    if (n == 0)
      break;
    *len += (size_t)n;
  }
  data[*len] = '\0';
  return data;
}

enum {
  O_RES = 'r',
  O_MEM = 256,
  O_SWAP,
  O_RESV,
  O_KMEM,
  O_KTCP,
  O_SHARES,
  O_QUOTA,
  O_PERIOD,
  O_RTRUN,
  O_RTPER,
  O_CPUS,
  O_MEMS,
  O_PIDS,
  O_BLKIO,
};

static int set_flag(oci_resources *r, int c, const char *arg) {
  int64_t v = 0;
  if (c != O_CPUS && c != O_MEMS && parse_size(arg, &v) < 0)
    return -1;
  oci_opt_i64 i = {true, v};
  oci_opt_u64 u = {true, (uint64_t)v};
  if (c >= O_MEM && c <= O_KTCP)
    r->has_memory = true;
  else if (c >= O_SHARES && c <= O_MEMS)
    r->has_cpu = true;
  switch (c) {
  case O_MEM:
    r->memory.limit = i;
    break;
  case O_SWAP:
    r->memory.swap = i;
    break;
  case O_RESV:
    r->memory.reservation = i;
    break;
  case O_KMEM:
    r->memory.kernel = i;
    break;
  case O_KTCP:
    r->memory.kernel_tcp = i;
    break;
  case O_SHARES:
    r->cpu.shares = u;
    break;
  case O_QUOTA:
    r->cpu.quota = i;
    break;
  case O_PERIOD:
    r->cpu.period = u;
    break;
  case O_RTRUN:
    r->cpu.realtime_runtime = i;
    break;
  case O_RTPER:
    r->cpu.realtime_period = u;
    break;
  case O_CPUS:
    free(r->cpu.cpus);
    r->cpu.cpus = xstrdup(arg);
    break;
  case O_MEMS:
    free(r->cpu.mems);
    r->cpu.mems = xstrdup(arg);
    break;
  case O_PIDS:
    r->has_pids = true;
    r->pids_limit = i;
    break;
  case O_BLKIO:
    if (v < 0)
      return -1;
    r->has_blkio = true;
    r->blkio.weight = u;
    break;
  }
  r->present = true;
  return 0;
}

int cmd_update(const cell_globals *g, int argc, char **argv) {
  static const struct option opts[] = {
      {"resources", required_argument, NULL, O_RES},
      {"memory", required_argument, NULL, O_MEM},
      {"memory-swap", required_argument, NULL, O_SWAP},
      {"memory-reservation", required_argument, NULL, O_RESV},
      {"kernel-memory", required_argument, NULL, O_KMEM},
      {"kernel-memory-tcp", required_argument, NULL, O_KTCP},
      {"cpu-shares", required_argument, NULL, O_SHARES},
      {"cpu-share", required_argument, NULL, O_SHARES}, /* runc's spelling */
      {"cpu-quota", required_argument, NULL, O_QUOTA},
      {"cpu-period", required_argument, NULL, O_PERIOD},
      {"cpu-rt-runtime", required_argument, NULL, O_RTRUN},
      {"cpu-rt-period", required_argument, NULL, O_RTPER},
      {"cpuset-cpus", required_argument, NULL, O_CPUS},
      {"cpuset-mems", required_argument, NULL, O_MEMS},
      {"pids-limit", required_argument, NULL, O_PIDS},
      {"blkio-weight", required_argument, NULL, O_BLKIO},
      {0}};
  const char *file = NULL;
  struct {
    int c;
    const char *arg;
  } flags[32];
  int nflags = 0, c;
  while ((c = getopt_long_only(argc, argv, "+r:", opts, NULL)) != -1) {
    if (c == O_RES)
      file = optarg;
    else if (c >= O_MEM && nflags < 32)
      flags[nflags++] = (typeof(flags[0])){c, optarg};
    else
      return cli_fail("update: unknown option `%s`", argv[optind - 1]);
  }
  if (cli_need_args("update", argc, optind, 1, "[OPTIONS] ID"))
    return 1;
  const char *id = argv[optind];
  cell_error_t err = {0};
  oci_resources *r = NULL;
  if (file) {
    size_t len = 0;
    _cleanup_free_ char *data = read_all(file, &len, &err);
    _cleanup_free_ char *msg = NULL;
    if (!data)
      return cli_fail("update: %s", err.msg);
    if (oci_resources_parse(data, len, strcmp(file, "-") ? file : "stdin", &r,
                            &msg) < 0)
      return cli_fail("update: %s", msg);
    r->present = true;
  } else {
    r = xcalloc(1, sizeof *r);
  }
  for (int i = 0; i < nflags; i++)
    if (set_flag(r, flags[i].c, flags[i].arg) < 0) {
      oci_resources_free(r);
      return cli_fail("update: invalid value `%s`", flags[i].arg);
    }
  cell_container ct;
  int rc = state_open(g->root, id, &ct, &err);
  if (rc == 0) {
    cell_status s = state_status(&ct);
    if (s != ST_CREATED && s != ST_RUNNING && s != ST_PAUSED)
      rc = cell_err(&err, 0, "cannot update container `%s`: it is %s", id,
                    state_status_name(s));
    else
      rc = cgroup_update(&ct.st.cgroup_paths, r, &err);
  }
  state_close(&ct);
  oci_resources_free(r);
  return rc < 0 ? cli_fail("update: %s", err.msg) : 0;
}
