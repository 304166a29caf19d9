/* cgroupfs driver: where the container's cgroup is, its creation and
 * removal, and moving processes in.
 *
 * Placement.  The init must be born in its cgroups: limits then hold from
 * its first instruction, and a cgroup namespace created by clone3
 * (CLONE_NEWCGROUP) is rooted at the cgroup the child starts in.
 *  - v2-only host: clone3(CLONE_INTO_CGROUP) with the cgroup's fd; the
 *    kernel roots a new cgroup namespace at the target, and the parent
 *    never moves (no cgroup.procs write at all).
 *  - v1/hybrid: there is no CLONE_INTO_CGROUP for v1 hierarchies, so the
 *    parent moves itself into every hierarchy ("0" > cgroup.procs), clones,
 *    and moves itself back.  Writing the child's pid after clone instead
 *    would race with the child's cgroup namespace (already rooted at our
 *    cgroups) unless the init waited for a message.  The writes come in a
 *    burst, so only the first pays the RCU grace period of the cgroup
 *    threadgroup lock. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "utils.h"

/* ---- small helpers ------------------------------------------------ */

void cgroup_map_add(oci_map *m, const char *key, const char *value) {
  m->items = xrealloc(m->items, (m->len + 1) * sizeof(oci_kv));
  m->items[m->len].key = xstrdup(key);
  m->items[m->len].value = xstrdup(value);
  m->len++;
}

void cgroup_map_free(oci_map *m) {
  for (size_t i = 0; i < m->len; i++) {
    free(m->items[i].key);
    free(m->items[i].value);
  }
  free(m->items);
  m->items = NULL;
  m->len = 0;
}

const char *cg_map_get(const oci_map *m, const char *key) {
  for (size_t i = 0; i < m->len; i++)
    if (!strcmp(m->items[i].key, key))
      return m->items[i].value;
  return NULL;
}

bool cgroup_is_v2(void) {
  struct statfs s;
  return statfs(CG_MOUNT, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

int cg_open(const char *key, const char *path, cg_dir *d, cell_error_t *err) {
  d->path = strcmp(key, ".") ? xasprintf(CG_MOUNT "/%s%s", key, path)
                             : xasprintf(CG_MOUNT "%s", path);
  int at;
  const char *rel = cgroup_at(d->path, &at);
  d->fd = openat(at, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d->fd < 0) {
    cell_errno(err, "open cgroup `%s`", d->path);
    free(d->path);
    d->path = NULL;
    return -1;
  }
  return 0;
}

void cg_close(cg_dir *d) {
  if (d->fd >= 0)
    close(d->fd);
  free(d->path);
  d->fd = -1;
  d->path = NULL;
}

int cg_write(const cg_dir *d, const char *file, const char *val,
             cell_error_t *err) {
  _cleanup_close_ int fd = openat(d->fd, file, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return cell_errno(err, "open `%s/%s`", d->path, file);
  ssize_t n = write(fd, val, strlen(val));
  if (n < 0)
    return cell_errno(err, "write `%s` to `%s/%s`", val, d->path, file);
  return 0;
}

int cg_writef(const cg_dir *d, const char *file, cell_error_t *err,
              const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return cg_write(d, file, buf, err);
}

char *cg_read(const cg_dir *d, const char *file) {
  char *out = NULL;
  cell_error_t e = {0};
  if (read_file_at(d->fd, file, &out, NULL, &e) < 0) {
    errno = e.errnum;
    return NULL;
  }
  return out;
}

bool cg_exists(const cg_dir *d, const char *file) {
  return faccessat(d->fd, file, F_OK, 0) == 0;
}

long long cg_keyed(const char *text, const char *key) {
  size_t k = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
    if (!strncmp(p, key, k) && p[k] == ' ')
      return strtoll(p + k + 1, NULL, 10);
  return -1;
}

const char *cg_v1_key(const oci_map *paths, const char *controller) {
  size_t n = strlen(controller);
  for (size_t i = 0; i < paths->len; i++) {
    const char *k = paths->items[i].key;
    for (const char *p = k; p; p = strchr(p, ','), p = p ? p + 1 : p)
      if (!strncmp(p, controller, n) && (p[n] == ',' || !p[n]))
        return k;
  }
  return NULL;
}

bool cg_resources_asked(const oci_resources *r) {
  return r->present && (r->n_devices || r->has_memory || r->has_cpu ||
                        r->has_blkio || r->has_network || r->has_pids ||
                        r->n_hugepage_limits || r->n_rdma || r->unified.len);
}

struct own_ctx {
  bool v2;
  oci_map *out;
};

static int add_own(char *ctl, char *path, void *arg) {
  struct own_ctx *c = arg;
  const char *key = ctl;
  if (!*ctl)
    key = c->v2 ? "." : "unified";
  else if (!strncmp(ctl, "name=", 5))
    key = ctl + 5;
  else if (c->v2)
    return 0;
  if (cgroup_hierarchy_mounted(key))
    cgroup_map_add(c->out, key, path);
  return 0;
}

/* The caller's cgroup in every mounted hierarchy, keyed like paths. */
static int own_cgroups(bool v2, oci_map *out, cell_error_t *err) {
  struct own_ctx c = {v2, out};
  return proc_cgroups(0, add_own, &c, err) < 0 ? -1 : 0;
}

/* ---- creation ------------------------------------------------------ */

/* write_file_at and read_file_at of a path under CG_MOUNT, walked from
 * cgroup_at()'s fd; errors name the whole path. */
static int cg_write_file(const char *full, const char *data, size_t n,
                         cell_error_t *err) {
  int at;
  const char *rel = cgroup_at(full, &at);
  if (write_file_at(at, rel, data, n, 0, err) == 0)
    return 0;
  return cell_err(err, err->errnum, "write `%s`", full);
}

static int cg_read_file(const char *full, char **out, cell_error_t *err) {
  int at;
  const char *rel = cgroup_at(full, &at);
  if (read_file_at(at, rel, out, NULL, err) == 0)
    return 0;
  return cell_err(err, err->errnum, "read `%s`", full);
}

/* v1 cpuset: a new cgroup starts with no cpus or mems, and nothing can
 * join it until they are set.  The kernel copies the parent's when the
 * parent has cgroup.clone_children, which cell sets on the parents it
 * makes: then one read tells, else cell copies them. */
static int cpuset_init(const char *dir, bool parent, cell_error_t *err) {
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  _cleanup_free_ char *cpus = xasprintf("%s/%s", dir, files[0]), *now = NULL;
  if (cg_read_file(cpus, &now, err) < 0)
    return -1;
  for (int i = 0; *now == '\n' && i < 2; i++) {
    _cleanup_free_ char *mine = xasprintf("%s/%s", dir, files[i]);
    _cleanup_free_ char *up = xasprintf("%s/../%s", dir, files[i]);
    _cleanup_free_ char *val = NULL;
    if (cg_read_file(up, &val, err) < 0 ||
        cg_write_file(mine, val, strlen(val), err) < 0)
      return -1;
  }
  if (!parent)
    return 0;
  _cleanup_free_ char *cc = xasprintf("%s/cgroup.clone_children", dir);
  return cg_write_file(cc, "1", 1, err);
}

static bool cgroup_in_use(const char *dir) {
  _cleanup_free_ char *p = xasprintf("%s/cgroup.procs", dir), *text = NULL;
  cell_error_t e = {0};
  return cg_read_file(p, &text, &e) == 0 && *text;
}

/* mkdir of one level; leaf: the container's own, not an existing one;
 * parent: a level above the last */
static int make_dir(char *full, bool leaf, bool parent, bool cpuset,
                    cell_error_t *err) {
  int at;
  const char *rel = cgroup_at(full, &at);
  if (mkdirat(at, rel, 0755) == 0)
    return cpuset ? cpuset_init(full, parent, err) : 0;
  if (errno != EEXIST)
    return cell_errno(err, "mkdir cgroup `%s`", full);
  if (leaf && cgroup_in_use(full))
    /* another container's: a failed create would kill it on cleanup */
    return cell_err(err, EBUSY, "cgroup `%s` holds processes already", full);
  return 0;
}

/* mkdir -p of path under the hierarchy's mount.  own: the leaf must not
 * hold processes already (systemd's scope holds the init). */
static int make_path(const char *key, const char *path, bool own,
                     cell_error_t *err) {
  _cleanup_free_ char *full = xasprintf(CG_MOUNT "/%s%s", key, path);
  size_t base = strlen(CG_MOUNT) + 1 + strlen(key);
  oci_kv kv = {(char *)key, NULL};
  bool cpuset = cg_v1_key(&(oci_map){&kv, 1}, "cpuset") != NULL;
  /* the parents exist but for the first container: the leaf alone */
  int r = make_dir(full, own, false, cpuset, err);
  if (r == 0 || err->errnum != ENOENT)
    return r;
  for (char *p = full + base + 1;; p++) {
    if (*p != '/' && *p)
      continue;
    char c = *p;
    *p = '\0';
    if (make_dir(full, own && !c, c != '\0', cpuset, err) < 0)
      return -1;
    *p = c;
    if (!c)
      return 0;
  }
}

/* v2: each ancestor enables, for its children, the controllers the
 * container's files come from. */
static int enable_controllers(const char *path, const char *want,
                              cell_error_t *err) {
  _cleanup_free_ char *dir = xstrdup(CG_MOUNT);
  _cleanup_free_ char *rest = xstrdup(path);
  char *save = NULL;
  for (char *comp = strtok_r(rest, "/", &save); comp;
       comp = strtok_r(NULL, "/", &save)) {
    cg_dir d = {-1, NULL};
    if (cg_open(".", dir + strlen(CG_MOUNT), &d, err) < 0)
      return -1;
    _cleanup_free_ char *have = cg_read(&d, "cgroup.subtree_control");
    _cleanup_free_ char *add = xstrdup("");
    _cleanup_free_ char *w = xstrdup(want);
    char *s2 = NULL;
    for (char *c = strtok_r(w, " ", &s2); c; c = strtok_r(NULL, " ", &s2)) {
      bool on = false;
      size_t n = strlen(c);
      for (const char *h = have; h && (h = strstr(h, c)); h += n)
        if ((h == have || h[-1] == ' ') &&
            (!h[n] || h[n] == ' ' || h[n] == '\n'))
          on = true;
      if (!on) {
        char *t = xasprintf("%s+%s ", add, c);
        free(add);
        add = t;
      }
    }
    int r = *add ? cg_write(&d, "cgroup.subtree_control", add, err) : 0;
    cg_close(&d);
    if (r < 0)
      return -1;
    char *next = xasprintf("%s/%s", dir, comp);
    free(dir);
    dir = next;
  }
  return 0;
}

static bool writable_cgroup(const char *key, const char *path) {
  _cleanup_free_ char *p = xasprintf(CG_MOUNT "/%s%s", key, path);
  return access(p, W_OK) == 0;
}

static int apply(const oci_map *paths, const oci_resources *r, bool update,
                 cell_error_t *err) {
  if (!cg_resources_asked(r))
    return 0;
  const char *v2 = cg_map_get(paths, ".");
  if (!v2)
    return cgv1_apply(paths, r, update, err);
  _cleanup_free_ char *want = cgv2_controllers(r);
  if (*want && enable_controllers(v2, want, err) < 0)
    return -1;
  cg_dir d;
  if (cg_open(".", v2, &d, err) < 0)
    return -1;
  int rc = cgv2_apply(&d, r, update, err);
  if (rc == 0 && r->n_devices)
    rc = cgv2_devices(&d, r, err);
  cg_close(&d);
  return rc;
}

/* The config's device rules, or deny-all when it has none: without a
 * device cgroup, a process with CAP_MKNOD (podman grants it) could make
 * and open a node for any host disk.  After them the devices every
 * container has (and those of linux.devices) stay usable, as the spec's
 * default devices must work whatever the rules say. */
static oci_device_cgroup *device_rules(const oci_resources *r,
                                       const oci_config *cfg, size_t *n) {
  static const struct {
    int64_t major, minor;
  } std[] = {{1, 3}, {1, 5}, {1, 7}, {1, 8},   {1, 9},
             {5, 0}, {5, 1}, {5, 2}, {136, -1}};
  size_t nstd = sizeof std / sizeof std[0];
  size_t nlin = cfg ? cfg->linux_.n_devices : 0;
  size_t base = r->n_devices ? r->n_devices : 1;
  oci_device_cgroup *v = xcalloc(base + nstd + nlin, sizeof *v);
  if (r->n_devices)
    memcpy(v, r->devices, r->n_devices * sizeof *v);
  else
    v[0] = (oci_device_cgroup){false, "a", {false, 0}, {false, 0}, "rwm"};
  size_t k = base;
  for (size_t i = 0; i < nstd; i++)
    v[k++] = (oci_device_cgroup){
        true, "c", {true, std[i].major}, {true, std[i].minor}, "rwm"};
  for (size_t i = 0; i < nlin; i++) {
    const oci_device *d = &cfg->linux_.devices[i];
    v[k++] = (oci_device_cgroup){true,
                                 d->type && *d->type == 'b' ? "b" : "c",
                                 {true, d->major},
                                 {true, d->minor},
                                 "rwm"};
  }
  *n = k;
  return v;
}

static int check_path(const char *p, cell_error_t *err) {
  for (const char *s = p; (s = strstr(s, "..")); s += 2)
    if ((s == p || s[-1] == '/') && (!s[2] || s[2] == '/'))
      return cell_err(err, 0, "linux.cgroupsPath `%s`: `..` not allowed", p);
  return 0;
}

/* --rootless: -1 auto (not root), else as given. */
static int rootless_mode = -1;

void cgroup_set_rootless(int mode) {
  rootless_mode = mode;
}

static bool systemd_mode;

void cgroup_set_systemd(bool on) {
  systemd_mode = on;
}

/* The config's resources, with the default device rules; rootless gets
 * none, as a v2 device program needs CAP_BPF (the user namespace already
 * forbids mknod, and /dev is bind mounts). */
static int apply_config(const oci_map *paths, const oci_config *cfg,
                        bool rootless, cell_error_t *err) {
  const oci_resources *r = &cfg->linux_.resources;
  oci_resources copy = *r;
  _cleanup_free_ oci_device_cgroup *dev =
      rootless && !r->n_devices ? NULL : device_rules(r, cfg, &copy.n_devices);
  copy.devices = dev;
  /* the rules apply when the config has no linux.resources at all */
  copy.present = copy.present || dev;
  return apply(paths, &copy, false, err);
}

static int systemd_create(const oci_config *cfg, const char *id, bool v2,
                          bool rootless, cell_cgroup *cg, cell_error_t *err) {
  if (rootless && !v2)
    return cell_err(err, 0,
                    "--systemd-cgroup: rootless needs a cgroup v2 host (a "
                    "user manager gets no v1 hierarchy delegated)");
  _cleanup_free_ char *rel = NULL, *root = NULL;
  if (cgsd_parse(cfg->linux_.cgroups_path, id, rootless, &cg->sd_unit,
                 &cg->sd_slice, &rel, err) < 0)
    return -1;
  cg->sd_fd = cgsd_connect(rootless, &root, err);
  if (cg->sd_fd < 0)
    return -1;
  if (own_cgroups(v2, &cg->saved, err) < 0)
    return -1;
  _cleanup_free_ char *path = xasprintf("%s%s", root, rel);
  /* v1: the scope sits at the same path in every hierarchy */
  if (v2)
    cgroup_map_add(&cg->paths, ".", path);
  for (size_t i = 0; !v2 && i < cg->saved.len; i++)
    cgroup_map_add(&cg->paths, cg->saved.items[i].key, path);
  cg->sd_user = rootless;
  cg->cfg = cfg;
  return 0;
}

static int move_pid(const oci_map *to, int pid, cell_error_t *err);

/* v1: systemd made the scope only in the hierarchies it manages (on
 * Debian 12: name=systemd, unified, memory, pids, cpu, devices); cell
 * makes it in the others (freezer, cpuset...) and moves the pid there,
 * as the cgroupfs driver would. */
static int systemd_v1_rest(oci_map *paths, int pid, cell_error_t *err) {
  oci_map ok = {0};
  for (size_t i = 0; i < paths->len; i++) {
    const char *key = paths->items[i].key, *path = paths->items[i].value;
    if (make_path(key, path, false, err) == 0)
      cgroup_map_add(&ok, key, path);
    else if (err->errnum != EROFS) {
      cgroup_map_free(&ok);
      return -1;
    }
    /* a hierarchy systemd mounted read-only (in a container) is not
     * the container's to use */
    *err = (cell_error_t){0};
  }
  cgroup_map_free(paths);
  *paths = ok;
  return move_pid(paths, pid, err);
}

int cgroup_systemd_enter_pid(cell_cgroup *cg, int pid, cell_error_t *err) {
  bool v2 = cg_map_get(&cg->paths, ".") != NULL;
  int rc = cgsd_start_scope(cg->sd_fd, cg->sd_unit, cg->sd_slice,
                            cg->paths.items[0].value, pid,
                            &cg->cfg->linux_.resources, err);
  close(steal_fd(&cg->sd_fd));
  if (rc < 0) {
    /* not ours (a unit of that name exists): the failed create must not
     * kill what runs there */
    cgroup_map_free(&cg->paths);
    return -1;
  }
  if (!v2 && systemd_v1_rest(&cg->paths, pid, err) < 0)
    return -1;
  /* rootless: no device rules, as for the cgroupfs driver */
  return apply_config(&cg->paths, cg->cfg, cg->sd_user, err);
}

int cgroup_create(const oci_config *cfg, const char *id, cell_cgroup *cg,
                  cell_error_t *err) {
  memset(cg, 0, sizeof *cg);
  cg->v2fd = cg->sd_fd = -1;
  cg->join = (cgroup_join)CGROUP_JOIN_NONE;
  const oci_resources *r = &cfg->linux_.resources;
  bool asked = cg_resources_asked(r);
  bool v2 = cgroup_is_v2(),
       rootless = rootless_mode >= 0 ? rootless_mode
                                     : geteuid() != 0 || in_user_namespace();
  if (systemd_mode)
    return systemd_create(cfg, id, v2, rootless, cg, err);
  const char *spec = cfg->linux_.cgroups_path;
  _cleanup_free_ char *def = NULL;
  if (!spec || !*spec)
    spec = def =
        rootless ? xasprintf("cell-%s", id) : xasprintf("/cell/%s", id);
  if (check_path(spec, err) < 0)
    return -1;
  oci_map own = {0};
  if (own_cgroups(v2, &own, err) < 0)
    return -1;
  if (rootless) {
    /* a delegated v2 subtree the user owns, or no cgroup at all */
    const char *mine = cg_map_get(&own, ".");
    if (!v2 || !mine || !writable_cgroup(".", mine)) {
      cgroup_map_free(&own);
      if (asked)
        return cell_err(err, 0,
                        "linux.resources: rootless and no writable cgroup v2 "
                        "to apply them in");
      cell_warn("rootless: no writable cgroup, running without one");
      return 0;
    }
  }
  for (size_t i = 0; i < own.len; i++) {
    const char *key = own.items[i].key, *base = own.items[i].value;
    _cleanup_free_ char *path =
        spec[0] == '/'
            ? xstrdup(spec)
            : xasprintf("%s/%s", strcmp(base, "/") ? base : "", spec);
    if (make_path(key, path, true, err) < 0)
      goto fail;
    cgroup_map_add(&cg->paths, key, path);
  }
  if (apply_config(&cg->paths, cfg, rootless, err) < 0)
    goto fail;
  if (v2) {
    cg_dir d;
    if (cg_open(".", cg_map_get(&cg->paths, "."), &d, err) < 0)
      goto fail;
    cg->v2fd = steal_fd(&d.fd);
    cg_close(&d);
  }
  cg->saved = own;
  return 0;
fail:
  cgroup_map_free(&own);
  {
    cell_error_t ignored = {0};
    cgroup_destroy(&cg->paths, &ignored);
  }
  cgroup_map_free(&cg->paths);
  return -1;
}

/* pid 0 is the writer itself */
static int move_pid(const oci_map *to, int pid, cell_error_t *err) {
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  for (size_t i = 0; i < to->len; i++) {
    _cleanup_free_ char *p = xasprintf(CG_MOUNT "/%s%s/cgroup.procs",
                                       to->items[i].key, to->items[i].value);
    if (cg_write_file(p, buf, (size_t)n, err) < 0)
      return -1;
  }
  return 0;
}

static int move_self(const oci_map *to, cell_error_t *err) {
  return move_pid(to, 0, err);
}

/* Rootless, cell may pass through the scope (for a clone that joins
 * namespaces first) only if it can leave again: a move needs write access
 * to cgroup.procs of the closest common ancestor, which is root's unless
 * cell runs below the user manager already (a user unit, an app scope). */
static int systemd_can_leave(cell_cgroup *cg, cell_error_t *err) {
  const char *from = cg_map_get(&cg->saved, "."),
             *to = cg_map_get(&cg->paths, ".");
  if (!from || !to)
    return 0;
  size_t common = 0;
  for (size_t i = 0;; i++) {
    if ((!from[i] || from[i] == '/') && (!to[i] || to[i] == '/'))
      common = i;
    if (!from[i] || from[i] != to[i])
      break;
  }
  _cleanup_free_ char *procs =
      xasprintf(CG_MOUNT "%.*s/cgroup.procs", (int)common, from);
  if (faccessat(AT_FDCWD, procs, W_OK, AT_EACCESS) == 0)
    return 0;
  /* nothing was started: the path may be another's unit */
  cgroup_map_free(&cg->paths);
  return cell_err(err, 0,
                  "--systemd-cgroup: rootless, a container that joins "
                  "namespaces by path or sets time offsets needs cell to "
                  "pass through its scope and back, and `%s` is not "
                  "writable: run cell in a cgroup of the user manager",
                  procs);
}

int cgroup_enter_self(cell_cgroup *cg, cell_error_t *err) {
  if (cg->sd_unit && cg->sd_user && systemd_can_leave(cg, err) < 0)
    return -1;
  if (cg->sd_unit)
    return cgroup_systemd_enter_pid(cg, getpid(), err);
  if (cg->v2fd >= 0 || !cg->paths.len)
    return 0;
  return move_self(&cg->paths, err);
}

int cgroup_leave_self(cell_cgroup *cg, cell_error_t *err) {
  if (cg->v2fd >= 0 || !cg->paths.len)
    return 0;
  return move_self(&cg->saved, err);
}

/* A process moves itself: "0" written into `tasks` moves the writing
 * thread and takes no global lock, where a pid written into cgroup.procs
 * by another process takes cgroup_threadgroup_rwsem for writing, whose
 * first use after an idle spell waits for an RCU grace period (10-15 ms
 * on this kernel, more under load).  Its parent opens the files: the
 * process's mounts and namespaces change under it.  The v2 hierarchy
 * (hybrid's unified) is joined by CLONE_INTO_CGROUP. */
int cgroup_join_open(const oci_map *paths, char **dirs, cgroup_join *j,
                     cell_error_t *err) {
  *j = (cgroup_join)CGROUP_JOIN_NONE;
  j->n = paths->len;
  j->dirs = dirs;
  j->fds = xmalloc((j->n + 1) * sizeof *j->fds);
  for (size_t i = 0; i < j->n; i++)
    j->fds[i] = -1;
  for (size_t i = 0; i < j->n; i++) {
    const char *key = paths->items[i].key;
    bool v2 = !strcmp(key, ".") || !strcmp(key, "unified");
    _cleanup_free_ char *p =
        v2 ? xstrdup(dirs[i]) : xasprintf("%s/tasks", dirs[i]);
    int at;
    const char *rel = cgroup_at(p, &at);
    int fd =
        openat(at, rel, (v2 ? O_PATH | O_DIRECTORY : O_WRONLY) | O_CLOEXEC);
    if (fd < 0)
      return cell_errno(err, "open `%s`", p);
    if (v2) {
      j->v2 = (int)i;
      j->v2dir = fd;
    } else
      j->fds[i] = fd;
  }
  return 0;
}

int cgroup_join_no_clone_into(cgroup_join *j, cell_error_t *err) {
  if (j->v2dir < 0)
    return 0;
  j->fds[j->v2] = openat(j->v2dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (j->fds[j->v2] < 0)
    return cell_errno(err, "open `%s/cgroup.procs`", j->dirs[j->v2]);
  close(steal_fd(&j->v2dir));
  return 0;
}

int cgroup_join_self(cgroup_join *j, cell_error_t *err) {
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < j->n; i++)
    if (j->fds[i] >= 0 && write(j->fds[i], "0", 1) < 0)
      rc = cell_errno(err, "join cgroup `%s`", j->dirs[i]);
  cgroup_join_close(j);
  return rc;
}

void cgroup_join_close(cgroup_join *j) {
  for (size_t i = 0; i < j->n; i++) {
    if (j->fds[i] >= 0)
      close(j->fds[i]);
    free(j->dirs[i]);
  }
  free(j->fds);
  free(j->dirs);
  if (j->v2dir >= 0)
    close(j->v2dir);
  *j = (cgroup_join)CGROUP_JOIN_NONE;
}

int cgroup_self_open(cell_cgroup *cg, cell_error_t *err) {
  char **dirs = xcalloc(cg->paths.len + 1, sizeof *dirs);
  for (size_t i = 0; i < cg->paths.len; i++)
    dirs[i] = xasprintf(CG_MOUNT "/%s%s", cg->paths.items[i].key,
                        cg->paths.items[i].value);
  return cgroup_join_open(&cg->paths, dirs, &cg->join, err);
}

void cgroup_free(cell_cgroup *cg) {
  cgroup_join_close(&cg->join);
  if (cg->v2fd >= 0)
    close(cg->v2fd);
  if (cg->sd_fd >= 0)
    close(cg->sd_fd);
  cg->v2fd = cg->sd_fd = -1;
  cgroup_map_free(&cg->paths);
  cgroup_map_free(&cg->saved);
  free(cg->sd_unit);
  free(cg->sd_slice);
  cg->sd_unit = cg->sd_slice = NULL;
}

/* ---- processes ----------------------------------------------------- */

/* The hierarchy to list processes from: v2 when there is one. */
static const char *procs_key(const oci_map *paths) {
  if (cg_map_get(paths, "."))
    return ".";
  if (cg_map_get(paths, "unified"))
    return "unified";
  const char *k = cg_v1_key(paths, "pids");
  if (!k)
    k = cg_v1_key(paths, "freezer");
  return k ? k : paths->len ? paths->items[0].key : NULL;
}

static int pid_cmp(const void *a, const void *b) {
  return *(const pid_t *)a - *(const pid_t *)b;
}

/* Calls fn(sub, arg) for each cgroup directly below dir (what runs in
 * the container may make cgroups of its own: systemd, a nested runtime)
 * until fn returns non-zero, which is returned. */
static int each_child(const char *dir, int (*fn)(const char *sub, void *arg),
                      void *arg) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;
  while (d && rc == 0 && (e = readdir(d)))
    if (e->d_type == DT_DIR && strcmp(e->d_name, ".") &&
        strcmp(e->d_name, "..")) {
      _cleanup_free_ char *sub = xasprintf("%s/%s", dir, e->d_name);
      rc = fn(sub, arg);
    }
  if (d)
    closedir(d);
  return rc;
}

typedef struct {
  pid_t *v;
  size_t n, cap;
  cell_error_t *err;
} pid_list;

static int collect_below(const char *sub, void *arg);

/* Appends the pids of dir's cgroup.procs and of every cgroup below it.
 * A cgroup below that vanished meanwhile holds none. */
static int collect_pids(const char *dir, bool top, pid_list *l) {
  _cleanup_free_ char *p = xasprintf("%s/cgroup.procs", dir);
  _cleanup_free_ char *data = NULL;
  if (read_file_at(AT_FDCWD, p, &data, NULL, l->err) < 0)
    return top || errno != ENOENT ? -1 : 0;
  for (char *s = data; *s;) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s)
      break;
    if (l->n == l->cap)
      l->v =
          xrealloc(l->v, (l->cap = l->cap ? l->cap * 2 : 16) * sizeof(pid_t));
    l->v[l->n++] = (pid_t)v;
    s = end + (*end == '\n');
  }
  return each_child(dir, collect_below, l);
}

static int collect_below(const char *sub, void *arg) {
  return collect_pids(sub, false, arg);
}

static int read_pids(const char *key, const char *path, pid_t **out, size_t *n,
                     cell_error_t *err) {
  _cleanup_free_ char *dir = xasprintf(CG_MOUNT "/%s%s", key, path);
  pid_list l = {.err = err};
  *out = NULL;
  *n = 0;
  if (collect_pids(dir, true, &l) < 0) {
    free(l.v);
    return -1;
  }
  *out = l.v;
  *n = l.n;
  /* v1 may list a pid twice */
  qsort(*out, *n, sizeof(pid_t), pid_cmp);
  size_t k = 0;
  for (size_t i = 0; i < *n; i++)
    if (!k || (*out)[k - 1] != (*out)[i])
      (*out)[k++] = (*out)[i];
  *n = k;
  return 0;
}

int cgroup_pids(const oci_map *paths, pid_t **out, size_t *n,
                cell_error_t *err) {
  const char *key = procs_key(paths);
  if (!key)
    return cell_err(err, 0, "the container has no cgroup (rootless?)");
  return read_pids(key, cg_map_get(paths, key), out, n, err);
}

int cgroup_signal_all(const oci_map *paths, int sig, cell_error_t *err) {
  const char *v2 = cg_map_get(paths, ".");
  if (v2 && sig == SIGKILL) {
    cg_dir d;
    if (cg_open(".", v2, &d, err) < 0)
      return -1;
    bool have = cg_exists(&d, "cgroup.kill");
    int r = have ? cg_write(&d, "cgroup.kill", "1", err) : 0;
    cg_close(&d);
    if (have)
      return r;
  }
  _cleanup_free_ pid_t *pids = NULL;
  size_t n;
  if (cgroup_pids(paths, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    kill(pids[i], sig);
  return 0;
}

static void nap(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

/* Removes dir and the cgroups the container made below it, deepest
 * first. */
static int rmdir_tree(const char *dir, void *unused) {
  each_child(dir, rmdir_tree, unused);
  int tries = 0;
  /* a killed task leaves its cgroup a moment after it exits */
  while (rmdir(dir) < 0 && errno == EBUSY && tries++ < 200)
    nap(5);
  return 0;
}

/* Whether any process is left anywhere in the container's subtree, in
 * one read where the kernel keeps a hierarchical count (v2 populated,
 * v1 pids.current); else by listing it. */
static bool cgroup_populated(const oci_map *paths) {
  bool v2 = cg_map_get(paths, ".") != NULL;
  const char *key = v2 ? "." : cg_v1_key(paths, "pids");
  cg_dir d;
  cell_error_t e = {0};
  if (key && cg_open(key, cg_map_get(paths, key), &d, &e) == 0) {
    _cleanup_free_ char *text =
        cg_read(&d, v2 ? "cgroup.events" : "pids.current");
    cg_close(&d);
    if (text)
      return v2 ? cg_keyed(text, "populated") != 0
                : strtoll(text, NULL, 10) > 0;
  }
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  return cgroup_pids(paths, &pids, &n, &e) == 0 && n > 0;
}

/* A systemd scope (Delegate=yes marks it, on the v2 hierarchy): systemd
 * removes it once empty and then forgets the unit; removed under it, the
 * unit may linger active. */
static void wait_for_systemd(const char *key, const char *path) {
  if (strcmp(key, ".") && strcmp(key, "unified"))
    return;
  _cleanup_free_ char *dir = xasprintf(CG_MOUNT "/%s%s", key, path);
  /* a user manager cannot write trusted.* and 252 marks nothing, but the
   * driver's cgroups are all scopes */
  size_t n = strlen(dir);
  if (getxattr(dir, "trusted.delegate", NULL, 0) < 0 &&
      (n < 6 || strcmp(dir + n - 6, ".scope") ||
       access("/run/systemd/system", F_OK) < 0))
    return;
  for (int tries = 0; tries < 400 && access(dir, F_OK) == 0; tries++)
    nap(5);
}

int cgroup_destroy(const oci_map *paths, cell_error_t *err) {
  if (!paths->len)
    return 0;
  /* SIGKILL, then thaw: a frozen v1 task cannot act on it */
  for (int tries = 0; tries < 500 && cgroup_populated(paths); tries++) {
    cell_error_t e = {0};
    cgroup_signal_all(paths, SIGKILL, &e);
    if (cgroup_is_frozen(paths))
      cgroup_freeze(paths, false, &e);
    nap(tries < 10 ? 1 : 10);
  }
  /* systemd first: a scope is removed in every hierarchy it manages,
   * and removing one of them under it may leave the unit behind */
  for (size_t i = 0; i < paths->len; i++)
    wait_for_systemd(paths->items[i].key, paths->items[i].value);
  int rc = 0;
  for (size_t i = 0; i < paths->len; i++) {
    _cleanup_free_ char *p =
        xasprintf(CG_MOUNT "/%s%s", paths->items[i].key, paths->items[i].value);
    /* the common case, an empty leaf, costs one call */
    int at;
    const char *rel = cgroup_at(p, &at);
    if (unlinkat(at, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
      continue;
    rmdir_tree(p, NULL);
    if (access(p, F_OK) == 0 && rc == 0)
      rc = cell_errno(err, "remove cgroup `%s`", p);
  }
  return rc;
}

/* ---- freezer ------------------------------------------------------- */

int cgroup_freeze(const oci_map *paths, bool freeze, cell_error_t *err) {
  const char *v2 = cg_map_get(paths, ".");
  const char *key = v2 ? "." : cg_v1_key(paths, "freezer");
  if (!key)
    return cell_err(err, 0,
                    paths->len ? "no freezer cgroup is mounted"
                               : "the container has no cgroup (rootless?)");
  cg_dir d;
  if (cg_open(key, cg_map_get(paths, key), &d, err) < 0)
    return -1;
  const char *file = v2 ? "cgroup.freeze" : "freezer.state";
  const char *val = v2 ? (freeze ? "1" : "0") : freeze ? "FROZEN" : "THAWED";
  int rc = cg_write(&d, file, val, err);
  /* wait until every task is frozen (or thawed) */
  for (int i = 0; rc == 0 && i < 2000; i++) {
    _cleanup_free_ char *s = cg_read(&d, v2 ? "cgroup.events" : file);
    if (!s)
      break;
    if (v2 ? cg_keyed(s, "frozen") == freeze : !strncmp(s, val, strlen(val)))
      break;
    if (!v2 && freeze && i % 50 == 49)
      cg_write(&d, file, val, err); /* v1 may stay FREEZING: retry */
    nap(1);
  }
  cg_close(&d);
  return rc;
}

bool cgroup_is_frozen(const oci_map *paths) {
  const char *v2 = cg_map_get(paths, ".");
  const char *key = v2 ? "." : cg_v1_key(paths, "freezer");
  if (!key)
    return false;
  _cleanup_free_ char *p =
      xasprintf(CG_MOUNT "/%s%s/%s", key, cg_map_get(paths, key),
                v2 ? "cgroup.freeze" : "freezer.state");
  char buf[16] = {0};
  _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, buf, sizeof buf - 1) <= 0)
    return false;
  return v2 ? buf[0] == '1' : !strncmp(buf, "FROZEN", 6);
}

/* ---- update -------------------------------------------------------- */

int cgroup_update(const oci_map *paths, const oci_resources *r,
                  cell_error_t *err) {
  if (!paths->len)
    return cell_err(err, 0, "the container has no cgroup (rootless?)");
  if (!r->n_devices)
    return apply(paths, r, true, err);
  /* the config is not at hand: linux.devices are not re-allowed */
  oci_resources copy = *r;
  _cleanup_free_ oci_device_cgroup *dev =
      device_rules(r, NULL, &copy.n_devices);
  copy.devices = dev;
  return apply(paths, &copy, true, err);
}
