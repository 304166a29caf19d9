/* linux.resources on cgroup v1: one controller a hierarchy, the spec's
 * values written as they are.  A file the host lacks is an error that
 * names it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "utils.h"

/* Opens the controller's hierarchy; an error when it is not mounted. */
static int open_ctl(const oci_map *paths, const char *ctl, const char *file,
                    cg_dir *d, cell_error_t *err) {
  const char *key = cg_v1_key(paths, ctl);
  if (!key)
    return cell_err(err, 0, "%s: the %s cgroup controller is not mounted", file,
                    ctl);
  return cg_open(key, cg_map_get(paths, key), d, err);
}

static int w_i64(const cg_dir *d, const char *file, oci_opt_i64 v,
                 cell_error_t *err) {
  return v.set ? cg_writef(d, file, err, "%" PRId64, v.v) : 0;
}

static int w_u64(const cg_dir *d, const char *file, oci_opt_u64 v,
                 cell_error_t *err) {
  return v.set ? cg_writef(d, file, err, "%" PRIu64, v.v) : 0;
}

static int memory(const oci_map *paths, const oci_memory *m, bool update,
                  cell_error_t *err) {
  cg_dir d;
  if (open_ctl(paths, "memory", "memory.limit_in_bytes", &d, err) < 0)
    return -1;
  int rc = -1;
  if (update && m->check_before_update.set && m->check_before_update.v &&
      m->limit.set && m->limit.v > 0) {
    _cleanup_free_ char *u = cg_read(&d, "memory.usage_in_bytes");
    if (u && strtoll(u, NULL, 10) > m->limit.v) {
      cell_err(err, 0,
               "memory.limit_in_bytes: new limit %" PRId64
               " is below the current usage %lld (checkBeforeUpdate)",
               m->limit.v, strtoll(u, NULL, 10));
      goto out;
    }
  }
  /* memsw must stay >= the limit: when raising both, memsw goes first */
  if (m->limit.set && w_i64(&d, "memory.limit_in_bytes", m->limit, err) < 0) {
    if (!m->swap.set || err->errnum != EINVAL)
      goto out;
    if (w_i64(&d, "memory.memsw.limit_in_bytes", m->swap, err) < 0 ||
        w_i64(&d, "memory.limit_in_bytes", m->limit, err) < 0)
      goto out;
  } else if (w_i64(&d, "memory.memsw.limit_in_bytes", m->swap, err) < 0) {
    goto out;
  }
  if (w_i64(&d, "memory.soft_limit_in_bytes", m->reservation, err) < 0 ||
      w_i64(&d, "memory.kmem.limit_in_bytes", m->kernel, err) < 0 ||
      w_i64(&d, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err) < 0 ||
      w_u64(&d, "memory.swappiness", m->swappiness, err) < 0)
    goto out;
  if (m->disable_oom_killer.set &&
      cg_write(&d, "memory.oom_control", m->disable_oom_killer.v ? "1" : "0",
               err) < 0)
    goto out;
  if (m->use_hierarchy.set && cg_write(&d, "memory.use_hierarchy",
                                       m->use_hierarchy.v ? "1" : "0", err) < 0)
    goto out;
  rc = 0;
out:
  cg_close(&d);
  return rc;
}

static int cpu(const oci_map *paths, const oci_cpu *c, cell_error_t *err) {
  cg_dir d;
  int rc = -1;
  if (c->shares.set || c->quota.set || c->period.set || c->burst.set ||
      c->idle.set || c->realtime_period.set || c->realtime_runtime.set) {
    if (open_ctl(paths, "cpu", "cpu.shares", &d, err) < 0)
      return -1;
    /* period first: the quota is checked against it; rt likewise */
    if (w_u64(&d, "cpu.shares", c->shares, err) == 0 &&
        w_u64(&d, "cpu.cfs_period_us", c->period, err) == 0 &&
        w_i64(&d, "cpu.cfs_quota_us", c->quota, err) == 0 &&
        w_u64(&d, "cpu.cfs_burst_us", c->burst, err) == 0 &&
        w_i64(&d, "cpu.idle", c->idle, err) == 0 &&
        w_u64(&d, "cpu.rt_period_us", c->realtime_period, err) == 0 &&
        w_i64(&d, "cpu.rt_runtime_us", c->realtime_runtime, err) == 0)
      rc = 0;
    cg_close(&d);
    if (rc < 0)
      return -1;
  }
  if (!c->cpus && !c->mems)
    return 0;
  if (open_ctl(paths, "cpuset", "cpuset.cpus", &d, err) < 0)
    return -1;
  rc = 0;
  if (c->cpus && cg_write(&d, "cpuset.cpus", c->cpus, err) < 0)
    rc = -1;
  if (rc == 0 && c->mems && cg_write(&d, "cpuset.mems", c->mems, err) < 0)
    rc = -1;
  cg_close(&d);
  return rc;
}

static int throttle(const cg_dir *d, const char *file, const oci_throttlev *v,
                    cell_error_t *err) {
  for (size_t i = 0; i < v->len; i++)
    if (cg_writef(d, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                  v->items[i].major, v->items[i].minor, v->items[i].rate) < 0)
      return -1;
  return 0;
}

static int blkio(const oci_map *paths, const oci_blkio *b, cell_error_t *err) {
  cg_dir d;
  if (open_ctl(paths, "blkio", "blkio.weight", &d, err) < 0)
    return -1;
  /* CFQ's files, else BFQ's (which has no leaf weights) */
  bool bfq =
      !cg_exists(&d, "blkio.weight") && cg_exists(&d, "blkio.bfq.weight");
  const char *wf = bfq ? "blkio.bfq.weight" : "blkio.weight";
  const char *wdf = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
  int rc = -1;
  if (w_u64(&d, wf, b->weight, err) < 0 ||
      w_u64(&d, "blkio.leaf_weight", b->leaf_weight, err) < 0)
    goto out;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const oci_weight_device *w = &b->weight_device[i];
    if (w->weight.set &&
        cg_writef(&d, wdf, err, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
                  w->minor, w->weight.v) < 0)
      goto out;
    if (w->leaf_weight.set &&
        cg_writef(&d, "blkio.leaf_weight_device", err,
                  "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                  w->leaf_weight.v) < 0)
      goto out;
  }
  if (throttle(&d, "blkio.throttle.read_bps_device", &b->throttle_read_bps,
               err) < 0 ||
      throttle(&d, "blkio.throttle.write_bps_device", &b->throttle_write_bps,
               err) < 0 ||
      throttle(&d, "blkio.throttle.read_iops_device", &b->throttle_read_iops,
               err) < 0 ||
      throttle(&d, "blkio.throttle.write_iops_device", &b->throttle_write_iops,
               err) < 0)
    goto out;
  rc = 0;
out:
  cg_close(&d);
  return rc;
}

static int hugetlb(const oci_map *paths, const oci_resources *r,
                   cell_error_t *err) {
  cg_dir d;
  if (open_ctl(paths, "hugetlb", "hugetlb.*.limit_in_bytes", &d, err) < 0)
    return -1;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < r->n_hugepage_limits; i++) {
    const oci_hugepage_limit *h = &r->hugepage_limits[i];
    _cleanup_free_ char *f =
        xasprintf("hugetlb.%s.limit_in_bytes", h->page_size);
    _cleanup_free_ char *rf =
        xasprintf("hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
    rc = cg_writef(&d, f, err, "%" PRIu64, h->limit);
    /* reservations too, so a mapping cannot reserve past the limit */
    if (rc == 0 && cg_exists(&d, rf))
      rc = cg_writef(&d, rf, err, "%" PRIu64, h->limit);
  }
  cg_close(&d);
  return rc;
}

static int network(const oci_map *paths, const oci_network *n,
                   cell_error_t *err) {
  cg_dir d;
  if (n->class_id.set) {
    if (open_ctl(paths, "net_cls", "net_cls.classid", &d, err) < 0)
      return -1;
    int rc = w_u64(&d, "net_cls.classid", n->class_id, err);
    cg_close(&d);
    if (rc < 0)
      return -1;
  }
  if (!n->n_priorities)
    return 0;
  if (open_ctl(paths, "net_prio", "net_prio.ifpriomap", &d, err) < 0)
    return -1;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n->n_priorities; i++)
    rc = cg_writef(&d, "net_prio.ifpriomap", err, "%s %u",
                   n->priorities[i].name, n->priorities[i].priority);
  cg_close(&d);
  return rc;
}

int cg_rdma_line(const oci_rdma *r, char *buf, size_t n) {
  int k = snprintf(buf, n, "%s", r->name);
  if (r->hca_handles.set)
    k += snprintf(buf + k, n - (size_t)k, " hca_handle=%" PRIu64,
                  r->hca_handles.v);
  if (r->hca_objects.set)
    k += snprintf(buf + k, n - (size_t)k, " hca_object=%" PRIu64,
                  r->hca_objects.v);
  return k;
}

static int rdma(const oci_map *paths, const oci_resources *r,
                cell_error_t *err) {
  cg_dir d;
  if (open_ctl(paths, "rdma", "rdma.max", &d, err) < 0)
    return -1;
  int rc = 0;
  char line[256];
  for (size_t i = 0; rc == 0 && i < r->n_rdma; i++) {
    cg_rdma_line(&r->rdma[i], line, sizeof line);
    rc = cg_write(&d, "rdma.max", line, err);
  }
  cg_close(&d);
  return rc;
}

/* "c 1:3 rwm"; absent numbers and type mean any */
static void device_rule(const oci_device_cgroup *dc, char *buf, size_t n) {
  char maj[24] = "*", min[24] = "*";
  if (dc->major.set && dc->major.v >= 0)
    snprintf(maj, sizeof maj, "%" PRId64, dc->major.v);
  if (dc->minor.set && dc->minor.v >= 0)
    snprintf(min, sizeof min, "%" PRId64, dc->minor.v);
  const char *type = dc->type && *dc->type ? dc->type : "a";
  if (!strcmp(type, "a"))
    snprintf(buf, n, "a");
  else
    snprintf(buf, n, "%s %s:%s %s", type, maj, min,
             dc->access && *dc->access ? dc->access : "rwm");
}

static int devices(const oci_map *paths, const oci_resources *r,
                   cell_error_t *err) {
  cg_dir d;
  if (open_ctl(paths, "devices", "devices.allow", &d, err) < 0)
    return -1;
  /* deny everything, then the rules in order: the last match wins.  One
   * open of each file: the kernel takes a rule per write. */
  static const char *const file[2] = {"devices.deny", "devices.allow"};
  int fd[2] = {-1, -1}, rc = 0;
  for (int i = 0; i < 2 && rc == 0; i++)
    if ((fd[i] = openat(d.fd, file[i], O_WRONLY | O_CLOEXEC)) < 0)
      rc = cell_errno(err, "open `%s/%s`", d.path, file[i]);
  char rule[96] = "a";
  for (size_t i = 0; rc == 0 && i <= r->n_devices; i++) {
    const oci_device_cgroup *dc = i ? &r->devices[i - 1] : NULL;
    if (dc)
      device_rule(dc, rule, sizeof rule);
    int w = dc && dc->allow;
    if (write(fd[w], rule, strlen(rule)) < 0)
      rc = cell_errno(err, "write `%s` to `%s/%s`", rule, d.path, file[w]);
  }
  for (int i = 0; i < 2; i++)
    if (fd[i] >= 0)
      close(fd[i]);
  cg_close(&d);
  return rc;
}

int cgv1_apply(const oci_map *paths, const oci_resources *r, bool update,
               cell_error_t *err) {
  if (r->unified.len)
    return cell_err(err, 0, "linux.resources.unified `%s`: needs cgroup v2",
                    r->unified.items[0].key);
  if (r->has_memory && memory(paths, &r->memory, update, err) < 0)
    return -1;
  if (r->has_cpu && cpu(paths, &r->cpu, err) < 0)
    return -1;
  if (r->has_pids && r->pids_limit.set) {
    cg_dir d;
    if (open_ctl(paths, "pids", "pids.max", &d, err) < 0)
      return -1;
    int rc = r->pids_limit.v > 0
                 ? cg_writef(&d, "pids.max", err, "%" PRId64, r->pids_limit.v)
                 : cg_write(&d, "pids.max", "max", err);
    cg_close(&d);
    if (rc < 0)
      return -1;
  }
  if (r->has_blkio && blkio(paths, &r->blkio, err) < 0)
    return -1;
  if (r->n_hugepage_limits && hugetlb(paths, r, err) < 0)
    return -1;
  if (r->has_network && network(paths, &r->network, err) < 0)
    return -1;
  if (r->n_rdma && rdma(paths, r, err) < 0)
    return -1;
  if (r->n_devices && devices(paths, r, err) < 0)
    return -1;
  return 0;
}
