/* linux.resources on cgroup v2.  The spec's values are v1-shaped; the
 * ones whose scale differs are translated the way other runtimes do, so
 * a config means the same under every runtime.  A value v2 has no file
 * for is an error naming the v1 file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "utils.h"

static void add(char **s, const char *ctl) {
  if (strstr(*s, ctl))
    return;
  char *t = xasprintf("%s%s%s", *s, **s ? " " : "", ctl);
  free(*s);
  *s = t;
}

char *cgv2_controllers(const oci_resources *r) {
  char *s = xstrdup("");
  const oci_cpu *c = &r->cpu;
  if (r->has_memory)
    add(&s, "memory");
  if (r->has_cpu && (c->shares.set || c->quota.set || c->period.set ||
                     c->burst.set || c->idle.set))
    add(&s, "cpu");
  if (r->has_cpu && (c->cpus || c->mems))
    add(&s, "cpuset");
  if (r->has_blkio)
    add(&s, "io");
  if (r->has_pids)
    add(&s, "pids");
  if (r->n_hugepage_limits)
    add(&s, "hugetlb");
  if (r->n_rdma)
    add(&s, "rdma");
  for (size_t i = 0; i < r->unified.len; i++) {
    const char *k = r->unified.items[i].key;
    const char *dot = strchr(k, '.');
    if (!dot || !strncmp(k, "cgroup.", 7))
      continue;
    _cleanup_free_ char *ctl = strndup(k, (size_t)(dot - k));
    add(&s, ctl);
  }
  return s;
}

static int no_file(const char *v1file, cell_error_t *err) {
  return cell_err(err, 0, "%s: not available on cgroup v2", v1file);
}

/* -1 (or anything negative) is "no limit" */
static int w_max(const cg_dir *d, const char *file, int64_t v,
                 cell_error_t *err) {
  return v < 0 ? cg_write(d, file, "max", err)
               : cg_writef(d, file, err, "%" PRId64, v);
}

static int memory(const cg_dir *d, const oci_memory *m, bool update,
                  cell_error_t *err) {
  if (m->kernel.set)
    return no_file("memory.kmem.limit_in_bytes", err);
  if (m->kernel_tcp.set)
    return no_file("memory.kmem.tcp.limit_in_bytes", err);
  if (m->swappiness.set)
    return no_file("memory.swappiness", err);
  if (m->disable_oom_killer.set && m->disable_oom_killer.v)
    return no_file("memory.oom_control", err);
  if (m->use_hierarchy.set && !m->use_hierarchy.v)
    return no_file("memory.use_hierarchy", err);
  if (update && m->check_before_update.set && m->check_before_update.v &&
      m->limit.set && m->limit.v > 0) {
    _cleanup_free_ char *u = cg_read(d, "memory.current");
    if (u && strtoll(u, NULL, 10) > m->limit.v)
      return cell_err(err, 0,
                      "memory.max: new limit %" PRId64
                      " is below the current usage %lld (checkBeforeUpdate)",
                      m->limit.v, strtoll(u, NULL, 10));
  }
  if (m->limit.set && w_max(d, "memory.max", m->limit.v, err) < 0)
    return -1;
  if (m->reservation.set && w_max(d, "memory.low", m->reservation.v, err) < 0)
    return -1;
  if (m->swap.set) {
    /* v1's swap is memory+swap; v2's swap.max is swap alone:
     * memory.swap.max = swap - limit (-1 stays unlimited) */
    if (m->swap.v < 0)
      return cg_write(d, "memory.swap.max", "max", err);
    if (!m->limit.set || m->limit.v < 0)
      return cell_err(err, 0,
                      "memory.swap.max: a swap limit needs a memory limit");
    if (m->swap.v < m->limit.v)
      return cell_err(err, 0,
                      "memory.swap.max: swap %" PRId64
                      " is below the memory limit %" PRId64,
                      m->swap.v, m->limit.v);
    return cg_writef(d, "memory.swap.max", err, "%" PRId64,
                     m->swap.v - m->limit.v);
  }
  return 0;
}

static int cpu(const cg_dir *d, const oci_cpu *c, cell_error_t *err) {
  if (c->realtime_runtime.set)
    return no_file("cpu.rt_runtime_us", err);
  if (c->realtime_period.set)
    return no_file("cpu.rt_period_us", err);
  /* shares 2..262144 onto weight 1..10000:
   * weight = 1 + ((shares - 2) * 9999) / 262142 */
  if (c->shares.set && c->shares.v) {
    uint64_t s = c->shares.v < 2        ? 2
                 : c->shares.v > 262144 ? 262144
                                        : c->shares.v;
    if (cg_writef(d, "cpu.weight", err, "%" PRIu64,
                  1 + ((s - 2) * 9999) / 262142) < 0)
      return -1;
  }
  if (c->quota.set || c->period.set) {
    /* cpu.max is "QUOTA PERIOD": keep the half not given */
    _cleanup_free_ char *cur = cg_read(d, "cpu.max");
    char quota[32] = "max";
    uint64_t period = 100000;
    if (cur) {
      sscanf(cur, "%31s %" SCNu64, quota, &period);
    }
    if (c->quota.set) {
      if (c->quota.v > 0)
        snprintf(quota, sizeof quota, "%" PRId64, c->quota.v);
      else
        strcpy(quota, "max");
    }
    if (c->period.set && c->period.v)
      period = c->period.v;
    if (cg_writef(d, "cpu.max", err, "%s %" PRIu64, quota, period) < 0)
      return -1;
  }
  if (c->burst.set &&
      cg_writef(d, "cpu.max.burst", err, "%" PRIu64, c->burst.v) < 0)
    return -1;
  if (c->idle.set && cg_writef(d, "cpu.idle", err, "%" PRId64, c->idle.v) < 0)
    return -1;
  if (c->cpus && cg_write(d, "cpuset.cpus", c->cpus, err) < 0)
    return -1;
  if (c->mems && cg_write(d, "cpuset.mems", c->mems, err) < 0)
    return -1;
  return 0;
}

/* blkio weight 10..1000 onto io.weight 1..10000:
 * io.weight = 1 + (weight - 10) * 9999 / 990.  BFQ's io.bfq.weight keeps
 * the v1 scale. */
static uint64_t io_weight(uint64_t w) {
  if (w < 10)
    w = 10;
  if (w > 1000)
    w = 1000;
  return 1 + (w - 10) * 9999 / 990;
}

static int io_max(const cg_dir *d, const char *key, const oci_throttlev *v,
                  cell_error_t *err) {
  for (size_t i = 0; i < v->len; i++) {
    const oci_throttle_device *t = &v->items[i];
    int rc =
        t->rate
            ? cg_writef(d, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                        t->major, t->minor, key, t->rate)
            : cg_writef(d, "io.max", err, "%" PRId64 ":%" PRId64 " %s=max",
                        t->major, t->minor, key);
    if (rc < 0)
      return -1;
  }
  return 0;
}

static int io(const cg_dir *d, const oci_blkio *b, cell_error_t *err) {
  if (b->leaf_weight.set)
    return no_file("blkio.leaf_weight", err);
  bool bfq = cg_exists(d, "io.bfq.weight");
  const char *wf = bfq ? "io.bfq.weight" : "io.weight";
  if (b->weight.set && b->weight.v &&
      cg_writef(d, wf, err, "%" PRIu64,
                bfq ? b->weight.v : io_weight(b->weight.v)) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const oci_weight_device *w = &b->weight_device[i];
    if (w->leaf_weight.set)
      return no_file("blkio.leaf_weight_device", err);
    if (w->weight.set &&
        cg_writef(d, wf, err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
                  w->minor, bfq ? w->weight.v : io_weight(w->weight.v)) < 0)
      return -1;
  }
  if (io_max(d, "rbps", &b->throttle_read_bps, err) < 0 ||
      io_max(d, "wbps", &b->throttle_write_bps, err) < 0 ||
      io_max(d, "riops", &b->throttle_read_iops, err) < 0 ||
      io_max(d, "wiops", &b->throttle_write_iops, err) < 0)
    return -1;
  return 0;
}

static int hugetlb(const cg_dir *d, const oci_resources *r, cell_error_t *err) {
  for (size_t i = 0; i < r->n_hugepage_limits; i++) {
    const oci_hugepage_limit *h = &r->hugepage_limits[i];
    _cleanup_free_ char *f = xasprintf("hugetlb.%s.max", h->page_size);
    _cleanup_free_ char *rf = xasprintf("hugetlb.%s.rsvd.max", h->page_size);
    if (cg_writef(d, f, err, "%" PRIu64, h->limit) < 0)
      return -1;
    if (cg_exists(d, rf) && cg_writef(d, rf, err, "%" PRIu64, h->limit) < 0)
      return -1;
  }
  return 0;
}

static int unified(const cg_dir *d, const oci_map *u, cell_error_t *err) {
  for (size_t i = 0; i < u->len; i++) {
    const char *k = u->items[i].key;
    if (!*k || strchr(k, '/') || k[0] == '.')
      return cell_err(err, 0, "linux.resources.unified: invalid key `%s`", k);
    /* cgroup.* files move processes, kill or freeze the cgroup, or change
     * its type: cell's business, not a limit (only the two limits are) */
    if (!strncmp(k, "cgroup.", 7) && strcmp(k, "cgroup.max.depth") &&
        strcmp(k, "cgroup.max.descendants"))
      return cell_err(err, 0, "linux.resources.unified: `%s` is not a limit",
                      k);
    if (cg_write(d, k, u->items[i].value, err) < 0)
      return -1;
  }
  return 0;
}

int cgv2_apply(const cg_dir *d, const oci_resources *r, bool update,
               cell_error_t *err) {
  if (r->has_network && r->network.class_id.set)
    return no_file("net_cls.classid", err);
  if (r->has_network && r->network.n_priorities)
    return no_file("net_prio.ifpriomap", err);
  if (r->has_memory && memory(d, &r->memory, update, err) < 0)
    return -1;
  if (r->has_cpu && cpu(d, &r->cpu, err) < 0)
    return -1;
  if (r->has_pids && r->pids_limit.set &&
      w_max(d, "pids.max", r->pids_limit.v > 0 ? r->pids_limit.v : -1, err) < 0)
    return -1;
  if (r->has_blkio && io(d, &r->blkio, err) < 0)
    return -1;
  if (r->n_hugepage_limits && hugetlb(d, r, err) < 0)
    return -1;
  char line[256];
  for (size_t i = 0; i < r->n_rdma; i++) {
    cg_rdma_line(&r->rdma[i], line, sizeof line);
    if (cg_write(d, "rdma.max", line, err) < 0)
      return -1;
  }
  /* last: unified values override the translated ones */
  return unified(d, &r->unified, err);
}
