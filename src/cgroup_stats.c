/* Stats and OOM counts for `cell events`, in runc's JSON shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "utils.h"

/* The directory holding the controller's files, or fd -1. */
static void dir_for(const oci_map *paths, const char *ctl, cg_dir *d) {
  cell_error_t ignored = {0};
  const char *key = cg_map_get(paths, ".") ? "." : cg_v1_key(paths, ctl);
  d->fd = -1;
  d->path = NULL;
  if (key)
    cg_open(key, cg_map_get(paths, key), d, &ignored);
}

static long long num(const cg_dir *d, const char *file) {
  if (d->fd < 0)
    return 0;
  _cleanup_free_ char *s = cg_read(d, file);
  return s ? strtoll(s, NULL, 10) : 0;
}

static void key(yajl_gen g, const char *k) {
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void kv(yajl_gen g, const char *k, long long v) {
  key(g, k);
  yajl_gen_integer(g, v);
}

/* every "name value" line of a flat-keyed file */
static void raw(yajl_gen g, const cg_dir *d, const char *file) {
  _cleanup_free_ char *s = d->fd >= 0 ? cg_read(d, file) : NULL;
  key(g, "raw");
  yajl_gen_map_open(g);
  char *save = NULL;
  for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l;
       l = strtok_r(NULL, "\n", &save)) {
    char *sp = strchr(l, ' ');
    if (!sp)
      continue;
    *sp = '\0';
    kv(g, l, strtoll(sp + 1, NULL, 10));
  }
  yajl_gen_map_close(g);
}

static void cpu(yajl_gen g, const oci_map *paths, bool v2) {
  cg_dir d;
  dir_for(paths, v2 ? "cpu" : "cpuacct", &d);
  key(g, "cpu");
  yajl_gen_map_open(g);
  key(g, "usage");
  yajl_gen_map_open(g);
  _cleanup_free_ char *st = d.fd >= 0 ? cg_read(&d, "cpu.stat") : NULL;
  if (v2) {
    kv(g, "total", cg_keyed(st, "usage_usec") * 1000);
    kv(g, "user", cg_keyed(st, "user_usec") * 1000);
    kv(g, "kernel", cg_keyed(st, "system_usec") * 1000);
  } else {
    kv(g, "total", num(&d, "cpuacct.usage"));
    _cleanup_free_ char *pc =
        d.fd >= 0 ? cg_read(&d, "cpuacct.usage_percpu") : NULL;
    key(g, "percpu");
    yajl_gen_array_open(g);
    for (char *p = pc, *e; p && *p; p = e) {
      long long v = strtoll(p, &e, 10);
      if (e == p)
        break;
      yajl_gen_integer(g, v);
    }
    yajl_gen_array_close(g);
    _cleanup_free_ char *ct = d.fd >= 0 ? cg_read(&d, "cpuacct.stat") : NULL;
    /* USER_HZ ticks to ns */
    kv(g, "user", cg_keyed(ct, "user") * 10000000LL);
    kv(g, "kernel", cg_keyed(ct, "system") * 10000000LL);
  }
  yajl_gen_map_close(g);
  if (!v2) {
    cg_close(&d);
    dir_for(paths, "cpu", &d);
    free(st);
    st = d.fd >= 0 ? cg_read(&d, "cpu.stat") : NULL;
  }
  key(g, "throttling");
  yajl_gen_map_open(g);
  kv(g, "periods", cg_keyed(st, "nr_periods"));
  kv(g, "throttledPeriods", cg_keyed(st, "nr_throttled"));
  kv(g, "throttledTime",
     v2 ? cg_keyed(st, "throttled_usec") * 1000
        : cg_keyed(st, "throttled_time"));
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  cg_close(&d);
}

static void memory(yajl_gen g, const oci_map *paths, bool v2) {
  cg_dir d;
  dir_for(paths, "memory", &d);
  key(g, "memory");
  yajl_gen_map_open(g);
  key(g, "usage");
  yajl_gen_map_open(g);
  if (v2) {
    _cleanup_free_ char *lim = d.fd >= 0 ? cg_read(&d, "memory.max") : NULL;
    _cleanup_free_ char *ev = d.fd >= 0 ? cg_read(&d, "memory.events") : NULL;
    kv(g, "usage", num(&d, "memory.current"));
    kv(g, "max", num(&d, "memory.peak"));
    kv(g, "limit", lim && strncmp(lim, "max", 3) ? strtoll(lim, NULL, 10) : -1);
    kv(g, "failcnt", ev ? cg_keyed(ev, "max") : 0);
  } else {
    kv(g, "usage", num(&d, "memory.usage_in_bytes"));
    kv(g, "max", num(&d, "memory.max_usage_in_bytes"));
    kv(g, "limit", num(&d, "memory.limit_in_bytes"));
    kv(g, "failcnt", num(&d, "memory.failcnt"));
  }
  yajl_gen_map_close(g);
  raw(g, &d, "memory.stat");
  yajl_gen_map_close(g);
  cg_close(&d);
}

static void pids(yajl_gen g, const oci_map *paths) {
  cg_dir d;
  dir_for(paths, "pids", &d);
  key(g, "pids");
  yajl_gen_map_open(g);
  kv(g, "current", num(&d, "pids.current"));
  _cleanup_free_ char *m = d.fd >= 0 ? cg_read(&d, "pids.max") : NULL;
  kv(g, "limit", m && strncmp(m, "max", 3) ? strtoll(m, NULL, 10) : 0);
  yajl_gen_map_close(g);
  cg_close(&d);
}

char *cgroup_stats_json(const oci_map *paths, cell_error_t *err) {
  if (!paths->len) {
    cell_err(err, 0, "the container has no cgroup (rootless?)");
    return NULL;
  }
  bool v2 = cg_map_get(paths, ".") != NULL;
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_map_open(g);
  cpu(g, paths, v2);
  memory(g, paths, v2);
  pids(g, paths);
  yajl_gen_map_close(g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char *out = xmalloc(len + 1);
  memcpy(out, buf, len);
  out[len] = '\0';
  yajl_gen_free(g);
  return out;
}

long long cgroup_oom_count(const oci_map *paths) {
  cg_dir d;
  bool v2 = cg_map_get(paths, ".") != NULL;
  dir_for(paths, "memory", &d);
  _cleanup_free_ char *s =
      d.fd >= 0 ? cg_read(&d, v2 ? "memory.events" : "memory.oom_control")
                : NULL;
  cg_close(&d);
  long long n = s ? cg_keyed(s, "oom_kill") : -1;
  return n < 0 ? 0 : n;
}
