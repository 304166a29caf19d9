#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *name;
  int flag;
} ns_types[] = {
    /* join order: see ns_plan_make */
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"network", CLONE_NEWNET},
    {"pid", CLONE_NEWPID},   {"cgroup", CLONE_NEWCGROUP},
    {"time", CLONE_NEWTIME}, {"mount", CLONE_NEWNS},
};
#define N_NS (sizeof ns_types / sizeof ns_types[0])

int ns_flag(const char *type) {
  for (size_t i = 0; i < N_NS; i++)
    if (!strcmp(ns_types[i].name, type))
      return ns_types[i].flag;
  return 0;
}

int ns_plan_make(const oci_config *cfg, ns_plan *plan, cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  memset(plan, 0, sizeof *plan);
  for (int i = 0; i < 8; i++)
    plan->join_fds[i] = -1;
  int seen = 0;
  const char *paths[N_NS] = {0};
  for (size_t i = 0; i < l->n_namespaces; i++) {
    const oci_namespace *ns = &l->namespaces[i];
    int flag = ns_flag(ns->type);
    if (!flag)
      return cell_err(err, 0,
                      "linux.namespaces[%zu].type: unknown namespace `%s`", i,
                      ns->type);
    if (seen & flag)
      return cell_err(err, 0,
                      "linux.namespaces[%zu].type: duplicate namespace `%s`", i,
                      ns->type);
    seen |= flag;
    if (ns->path && *ns->path) {
      for (size_t k = 0; k < N_NS; k++)
        if (ns_types[k].flag == flag)
          paths[k] = ns->path;
    } else {
      plan->new_flags |= flag;
    }
  }
  for (size_t k = 0; k < N_NS; k++) {
    if (!paths[k])
      continue;
    int fd = open(paths[k], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      cell_errno(err, "linux.namespaces: open `%s`", paths[k]);
      ns_plan_close(plan);
      return -1;
    }
    plan->join_fds[plan->n_join] = fd;
    plan->join_flags[plan->n_join++] = ns_types[k].flag;
  }
  /* the rootfs is built by mounting: never in the host's mount table */
  if (!(plan->new_flags & CLONE_NEWNS))
    return cell_err(err, 0,
                    "linux.namespaces: a new mount namespace is required");
  plan->new_user = plan->new_flags & CLONE_NEWUSER;
  plan->join_user = (seen & CLONE_NEWUSER) && !plan->new_user;
  plan->pid_changes = seen & CLONE_NEWPID;
  plan->timens_offsets = (plan->new_flags & CLONE_NEWTIME) && l->n_time_offsets;
  if (l->n_time_offsets && !(plan->new_flags & CLONE_NEWTIME))
    return cell_err(err, 0, "linux.timeOffsets: needs a new time namespace");
  if ((l->uid_mappings.len || l->gid_mappings.len) && !plan->new_user)
    return cell_err(err, 0,
                    "linux.uidMappings: given without a new user namespace");
  if (plan->new_user && (!l->uid_mappings.len || !l->gid_mappings.len))
    return cell_err(err, 0,
                    "linux.uidMappings and linux.gidMappings: required with a "
                    "new user namespace");
  return 0;
}

bool ns_has(const ns_plan *plan, int flag) {
  for (int i = 0; i < plan->n_join; i++)
    if (plan->join_flags[i] == flag)
      return true;
  return plan->new_flags & flag;
}

void ns_plan_close(ns_plan *plan) {
  for (int i = 0; i < plan->n_join; i++)
    if (plan->join_fds[i] >= 0)
      close(plan->join_fds[i]);
  plan->n_join = 0;
}

int ns_join(const ns_plan *plan, cell_error_t *err) {
  for (int i = 0; i < plan->n_join; i++)
    if (setns(plan->join_fds[i], plan->join_flags[i]) < 0) {
      for (size_t k = 0; k < N_NS; k++)
        if (ns_types[k].flag == plan->join_flags[i])
          return cell_errno(err, "join %s namespace", ns_types[k].name);
    }
  return 0;
}

int ns_write_time_offsets(const oci_config *cfg, cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  char buf[256];
  size_t n = 0;
  for (size_t i = 0; i < l->n_time_offsets && n < sizeof buf; i++) {
    const oci_time_offset *o = &l->time_offsets[i];
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s %lld %u\n", o->clock,
                          (long long)o->secs, o->nanosecs);
  }
  return write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, n, 0, err);
}

static char *format_map(const oci_idmapv *m) {
  size_t cap = 64 * (m->len + 1), n = 0;
  char *buf = xmalloc(cap);
  buf[0] = '\0';
  for (size_t i = 0; i < m->len; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%u %u %u\n",
                          m->items[i].container_id, m->items[i].host_id,
                          m->items[i].size);
  return buf;
}

/* A rootless caller may map only itself, and only after setgroups=deny. */
static bool single_self_map(const oci_idmapv *m, unsigned self) {
  return m->len == 1 && m->items[0].size == 1 && m->items[0].host_id == self;
}

static int run_idmap_helper(const char *tool, int pid, const oci_idmapv *m,
                            cell_error_t *err) {
  size_t argc = 2 + 3 * m->len;
  char **argv = xcalloc(argc + 1, sizeof(char *));
  argv[0] = (char *)tool;
  argv[1] = xasprintf("%d", pid);
  for (size_t i = 0; i < m->len; i++) {
    argv[2 + 3 * i] = xasprintf("%u", m->items[i].container_id);
    argv[3 + 3 * i] = xasprintf("%u", m->items[i].host_id);
    argv[4 + 3 * i] = xasprintf("%u", m->items[i].size);
  }
  int status = -1;
  pid_t child = fork();
  if (child == 0) {
    execvp(tool, argv);
    _exit(127);
  }
  if (child > 0)
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
      ;
  for (size_t i = 1; i < argc; i++)
    free(argv[i]);
  free(argv);
  if (child < 0)
    return cell_errno(err, "fork `%s`", tool);
  if (!WIFEXITED(status) || WEXITSTATUS(status))
    return cell_err(err, 0, "%s %d: failed (status %d)%s", tool, pid,
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                    WIFEXITED(status) && WEXITSTATUS(status) == 127
                        ? ": not installed (package uidmap)"
                        : "");
  return 0;
}

static int write_one_map(int pid, const char *file, const char *tool,
                         const oci_idmapv *m, unsigned self,
                         cell_error_t *err) {
  if (geteuid() != 0 && !single_self_map(m, self))
    return run_idmap_helper(tool, pid, m, err);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  _cleanup_free_ char *map = format_map(m);
  if (write_file_at(AT_FDCWD, path, map, strlen(map), 0, err) < 0)
    return cell_err_prefix(err, "linux.%s",
                           !strcmp(file, "uid_map") ? "uidMappings"
                                                    : "gidMappings");
  return 0;
}

int ns_write_id_maps(const oci_config *cfg, int pid, cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  bool rootless = geteuid() != 0;
  if (rootless && single_self_map(&l->gid_mappings, getegid())) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    if (write_file_at(AT_FDCWD, path, "deny", 4, 0, err) < 0)
      return -1;
  }
  if (write_one_map(pid, "uid_map", "newuidmap", &l->uid_mappings, geteuid(),
                    err) < 0)
    return -1;
  return write_one_map(pid, "gid_map", "newgidmap", &l->gid_mappings, getegid(),
                       err);
}
