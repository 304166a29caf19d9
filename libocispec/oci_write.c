/* oci.h structs -> runtime-spec JSON through yajl_gen.  Only present
 * fields are written, so that parse -> write -> parse is the identity. */
#include "oci.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

typedef struct {
  yajl_gen g;
  bool bad;
} wctx;

static void chk(wctx *w, yajl_gen_status st) {
  if (st != yajl_gen_status_ok)
    w->bad = true;
}

static void w_str(wctx *w, const char *s) {
  chk(w, yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}

static void w_key(wctx *w, const char *k) {
  w_str(w, k);
}

static void w_obj(wctx *w) {
  chk(w, yajl_gen_map_open(w->g));
}

static void w_end_obj(wctx *w) {
  chk(w, yajl_gen_map_close(w->g));
}

static void w_arr(wctx *w) {
  chk(w, yajl_gen_array_open(w->g));
}

static void w_end_arr(wctx *w) {
  chk(w, yajl_gen_array_close(w->g));
}

static void w_kobj(wctx *w, const char *k) {
  w_key(w, k);
  w_obj(w);
}

static void w_karr(wctx *w, const char *k) {
  w_key(w, k);
  w_arr(w);
}

/* yajl_gen_integer takes long long: use the number form for uint64. */
static void w_u64(wctx *w, uint64_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
  chk(w, yajl_gen_number(w->g, buf, (size_t)n));
}

static void w_i64(wctx *w, int64_t v) {
  chk(w, yajl_gen_integer(w->g, (long long)v));
}

static void w_kstr(wctx *w, const char *k, const char *s) {
  if (s) {
    w_key(w, k);
    w_str(w, s);
  }
}

/* A required string is written even when missing, as "". */
static void w_kstr_req(wctx *w, const char *k, const char *s) {
  w_key(w, k);
  w_str(w, s ? s : "");
}

static void w_kbool(wctx *w, const char *k, bool v) {
  w_key(w, k);
  chk(w, yajl_gen_bool(w->g, v));
}

static void w_ktrue(wctx *w, const char *k, bool v) {
  if (v)
    w_kbool(w, k, true);
}

static void w_kopt_bool(wctx *w, const char *k, oci_opt_bool v) {
  if (v.set)
    w_kbool(w, k, v.v);
}

static void w_ku64(wctx *w, const char *k, uint64_t v) {
  w_key(w, k);
  w_u64(w, v);
}

static void w_ki64(wctx *w, const char *k, int64_t v) {
  w_key(w, k);
  w_i64(w, v);
}

static void w_kopt_u64(wctx *w, const char *k, oci_opt_u64 v) {
  if (v.set)
    w_ku64(w, k, v.v);
}

static void w_kopt_i64(wctx *w, const char *k, oci_opt_i64 v) {
  if (v.set)
    w_ki64(w, k, v.v);
}

static void w_strv(wctx *w, const char *k, const oci_strv *v) {
  if (!v->len)
    return;
  w_karr(w, k);
  for (size_t i = 0; i < v->len; i++)
    w_str(w, v->items[i] ? v->items[i] : "");
  w_end_arr(w);
}

static void w_map(wctx *w, const char *k, const oci_map *m) {
  if (!m->len)
    return;
  w_kobj(w, k);
  for (size_t i = 0; i < m->len; i++) {
    w_key(w, m->items[i].key ? m->items[i].key : "");
    w_str(w, m->items[i].value ? m->items[i].value : "");
  }
  w_end_obj(w);
}

static void w_idmaps(wctx *w, const char *k, const oci_idmapv *v) {
  if (!v->len)
    return;
  w_karr(w, k);
  for (size_t i = 0; i < v->len; i++) {
    w_obj(w);
    w_ku64(w, "containerID", v->items[i].container_id);
    w_ku64(w, "hostID", v->items[i].host_id);
    w_ku64(w, "size", v->items[i].size);
    w_end_obj(w);
  }
  w_end_arr(w);
}

/* ---- process ---- */

static void w_process(wctx *w, const oci_process *p) {
  w_kobj(w, "process");
  w_ktrue(w, "terminal", p->terminal);
  if (p->has_console_size) {
    w_kobj(w, "consoleSize");
    w_ku64(w, "height", p->console_height);
    w_ku64(w, "width", p->console_width);
    w_end_obj(w);
  }

  const oci_user *u = &p->user;
  w_kobj(w, "user");
  w_ku64(w, "uid", u->uid);
  w_ku64(w, "gid", u->gid);
  w_kopt_u64(w, "umask", u->umask);
  if (u->n_additional_gids) {
    w_karr(w, "additionalGids");
    for (size_t i = 0; i < u->n_additional_gids; i++)
      w_u64(w, u->additional_gids[i]);
    w_end_arr(w);
  }
  w_kstr(w, "username", u->username);
  w_end_obj(w);

  w_strv(w, "args", &p->args);
  w_kstr(w, "commandLine", p->command_line);
  w_strv(w, "env", &p->env);
  w_kstr_req(w, "cwd", p->cwd);

  if (p->caps.present) {
    w_kobj(w, "capabilities");
    w_strv(w, "bounding", &p->caps.bounding);
    w_strv(w, "effective", &p->caps.effective);
    w_strv(w, "inheritable", &p->caps.inheritable);
    w_strv(w, "permitted", &p->caps.permitted);
    w_strv(w, "ambient", &p->caps.ambient);
    w_end_obj(w);
  }
  if (p->n_rlimits) {
    w_karr(w, "rlimits");
    for (size_t i = 0; i < p->n_rlimits; i++) {
      w_obj(w);
      w_kstr_req(w, "type", p->rlimits[i].type);
      w_ku64(w, "hard", p->rlimits[i].hard);
      w_ku64(w, "soft", p->rlimits[i].soft);
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  w_ktrue(w, "noNewPrivileges", p->no_new_privileges);
  w_kstr(w, "apparmorProfile", p->apparmor_profile);
  w_kopt_i64(w, "oomScoreAdj", p->oom_score_adj);
  w_kstr(w, "selinuxLabel", p->selinux_label);

  const oci_scheduler *s = &p->scheduler;
  if (s->present) {
    w_kobj(w, "scheduler");
    w_kstr_req(w, "policy", s->policy);
    if (s->nice)
      w_ki64(w, "nice", s->nice);
    if (s->priority)
      w_ki64(w, "priority", s->priority);
    w_strv(w, "flags", &s->flags);
    if (s->runtime)
      w_ku64(w, "runtime", s->runtime);
    if (s->deadline)
      w_ku64(w, "deadline", s->deadline);
    if (s->period)
      w_ku64(w, "period", s->period);
    w_end_obj(w);
  }
  if (p->io_priority.present) {
    w_kobj(w, "ioPriority");
    w_kstr_req(w, "class", p->io_priority.klass);
    w_ki64(w, "priority", p->io_priority.priority);
    w_end_obj(w);
  }
  if (p->exec_cpu_affinity.initial || p->exec_cpu_affinity.final) {
    w_kobj(w, "execCPUAffinity");
    w_kstr(w, "initial", p->exec_cpu_affinity.initial);
    w_kstr(w, "final", p->exec_cpu_affinity.final);
    w_end_obj(w);
  }
  w_end_obj(w);
}

/* ---- mounts, hooks ---- */

static void w_mounts(wctx *w, const oci_config *c) {
  if (!c->n_mounts)
    return;
  w_karr(w, "mounts");
  for (size_t i = 0; i < c->n_mounts; i++) {
    const oci_mount *m = &c->mounts[i];
    w_obj(w);
    w_kstr_req(w, "destination", m->destination);
    w_kstr(w, "type", m->type);
    w_kstr(w, "source", m->source);
    w_strv(w, "options", &m->options);
    w_idmaps(w, "uidMappings", &m->uid_mappings);
    w_idmaps(w, "gidMappings", &m->gid_mappings);
    w_end_obj(w);
  }
  w_end_arr(w);
}

static void w_hookv(wctx *w, const char *k, const oci_hookv *h) {
  if (!h->len)
    return;
  w_karr(w, k);
  for (size_t i = 0; i < h->len; i++) {
    w_obj(w);
    w_kstr_req(w, "path", h->items[i].path);
    w_strv(w, "args", &h->items[i].args);
    w_strv(w, "env", &h->items[i].env);
    w_kopt_i64(w, "timeout", h->items[i].timeout);
    w_end_obj(w);
  }
  w_end_arr(w);
}

static void w_hooks(wctx *w, const oci_hooks *h) {
  if (!h->prestart.len && !h->create_runtime.len && !h->create_container.len &&
      !h->start_container.len && !h->poststart.len && !h->poststop.len)
    return;
  w_kobj(w, "hooks");
  w_hookv(w, "prestart", &h->prestart);
  w_hookv(w, "createRuntime", &h->create_runtime);
  w_hookv(w, "createContainer", &h->create_container);
  w_hookv(w, "startContainer", &h->start_container);
  w_hookv(w, "poststart", &h->poststart);
  w_hookv(w, "poststop", &h->poststop);
  w_end_obj(w);
}

/* ---- linux.resources ---- */

static void w_throttlev(wctx *w, const char *k, const oci_throttlev *v) {
  if (!v->len)
    return;
  w_karr(w, k);
  for (size_t i = 0; i < v->len; i++) {
    w_obj(w);
    w_ki64(w, "major", v->items[i].major);
    w_ki64(w, "minor", v->items[i].minor);
    w_ku64(w, "rate", v->items[i].rate);
    w_end_obj(w);
  }
  w_end_arr(w);
}

static void w_blkio(wctx *w, const oci_blkio *b) {
  w_kobj(w, "blockIO");
  w_kopt_u64(w, "weight", b->weight);
  w_kopt_u64(w, "leafWeight", b->leaf_weight);
  if (b->n_weight_device) {
    w_karr(w, "weightDevice");
    for (size_t i = 0; i < b->n_weight_device; i++) {
      const oci_weight_device *d = &b->weight_device[i];
      w_obj(w);
      w_ki64(w, "major", d->major);
      w_ki64(w, "minor", d->minor);
      w_kopt_u64(w, "weight", d->weight);
      w_kopt_u64(w, "leafWeight", d->leaf_weight);
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  w_throttlev(w, "throttleReadBpsDevice", &b->throttle_read_bps);
  w_throttlev(w, "throttleWriteBpsDevice", &b->throttle_write_bps);
  w_throttlev(w, "throttleReadIOPSDevice", &b->throttle_read_iops);
  w_throttlev(w, "throttleWriteIOPSDevice", &b->throttle_write_iops);
  w_end_obj(w);
}

static void w_resources(wctx *w, const oci_resources *r) {
  w_kobj(w, "resources");
  if (r->n_devices) {
    w_karr(w, "devices");
    for (size_t i = 0; i < r->n_devices; i++) {
      const oci_device_cgroup *d = &r->devices[i];
      w_obj(w);
      w_kbool(w, "allow", d->allow);
      w_kstr(w, "type", d->type);
      w_kopt_i64(w, "major", d->major);
      w_kopt_i64(w, "minor", d->minor);
      w_kstr(w, "access", d->access);
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  if (r->has_memory) {
    const oci_memory *m = &r->memory;
    w_kobj(w, "memory");
    w_kopt_i64(w, "limit", m->limit);
    w_kopt_i64(w, "reservation", m->reservation);
    w_kopt_i64(w, "swap", m->swap);
    w_kopt_i64(w, "kernel", m->kernel);
    w_kopt_i64(w, "kernelTCP", m->kernel_tcp);
    w_kopt_u64(w, "swappiness", m->swappiness);
    w_kopt_bool(w, "disableOOMKiller", m->disable_oom_killer);
    w_kopt_bool(w, "useHierarchy", m->use_hierarchy);
    w_kopt_bool(w, "checkBeforeUpdate", m->check_before_update);
    w_end_obj(w);
  }
  if (r->has_cpu) {
    const oci_cpu *p = &r->cpu;
    w_kobj(w, "cpu");
    w_kopt_u64(w, "shares", p->shares);
    w_kopt_i64(w, "quota", p->quota);
    w_kopt_u64(w, "burst", p->burst);
    w_kopt_u64(w, "period", p->period);
    w_kopt_i64(w, "realtimeRuntime", p->realtime_runtime);
    w_kopt_u64(w, "realtimePeriod", p->realtime_period);
    w_kstr(w, "cpus", p->cpus);
    w_kstr(w, "mems", p->mems);
    w_kopt_i64(w, "idle", p->idle);
    w_end_obj(w);
  }
  if (r->has_pids) {
    w_kobj(w, "pids");
    w_kopt_i64(w, "limit", r->pids_limit);
    w_end_obj(w);
  }
  if (r->has_blkio)
    w_blkio(w, &r->blkio);
  if (r->n_hugepage_limits) {
    w_karr(w, "hugepageLimits");
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
      w_obj(w);
      w_kstr_req(w, "pageSize", r->hugepage_limits[i].page_size);
      w_ku64(w, "limit", r->hugepage_limits[i].limit);
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  if (r->has_network) {
    w_kobj(w, "network");
    w_kopt_u64(w, "classID", r->network.class_id);
    if (r->network.n_priorities) {
      w_karr(w, "priorities");
      for (size_t i = 0; i < r->network.n_priorities; i++) {
        w_obj(w);
        w_kstr_req(w, "name", r->network.priorities[i].name);
        w_ku64(w, "priority", r->network.priorities[i].priority);
        w_end_obj(w);
      }
      w_end_arr(w);
    }
    w_end_obj(w);
  }
  if (r->n_rdma) {
    w_kobj(w, "rdma");
    for (size_t i = 0; i < r->n_rdma; i++) {
      w_kobj(w, r->rdma[i].name ? r->rdma[i].name : "");
      w_kopt_u64(w, "hcaHandles", r->rdma[i].hca_handles);
      w_kopt_u64(w, "hcaObjects", r->rdma[i].hca_objects);
      w_end_obj(w);
    }
    w_end_obj(w);
  }
  w_map(w, "unified", &r->unified);
  w_end_obj(w);
}

/* ---- linux ---- */

static void w_seccomp(wctx *w, const oci_seccomp *s) {
  w_kobj(w, "seccomp");
  w_kstr_req(w, "defaultAction", s->default_action);
  w_kopt_u64(w, "defaultErrnoRet", s->default_errno_ret);
  w_strv(w, "architectures", &s->architectures);
  w_strv(w, "flags", &s->flags);
  w_kstr(w, "listenerPath", s->listener_path);
  w_kstr(w, "listenerMetadata", s->listener_metadata);
  if (s->n_syscalls) {
    w_karr(w, "syscalls");
    for (size_t i = 0; i < s->n_syscalls; i++) {
      const oci_seccomp_syscall *sc = &s->syscalls[i];
      w_obj(w);
      /* names is required, even when empty. */
      w_karr(w, "names");
      for (size_t j = 0; j < sc->names.len; j++)
        w_str(w, sc->names.items[j]);
      w_end_arr(w);
      w_kstr_req(w, "action", sc->action);
      w_kopt_u64(w, "errnoRet", sc->errno_ret);
      if (sc->n_args) {
        w_karr(w, "args");
        for (size_t j = 0; j < sc->n_args; j++) {
          const oci_seccomp_arg *a = &sc->args[j];
          w_obj(w);
          w_ku64(w, "index", (uint64_t)a->index);
          w_ku64(w, "value", a->value);
          if (a->value_two)
            w_ku64(w, "valueTwo", a->value_two);
          w_kstr_req(w, "op", a->op);
          w_end_obj(w);
        }
        w_end_arr(w);
      }
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  w_end_obj(w);
}

static void w_linux(wctx *w, const oci_linux *l) {
  w_kobj(w, "linux");
  w_idmaps(w, "uidMappings", &l->uid_mappings);
  w_idmaps(w, "gidMappings", &l->gid_mappings);
  w_map(w, "sysctl", &l->sysctl);
  if (l->resources.present)
    w_resources(w, &l->resources);
  w_kstr(w, "cgroupsPath", l->cgroups_path);
  if (l->n_namespaces) {
    w_karr(w, "namespaces");
    for (size_t i = 0; i < l->n_namespaces; i++) {
      w_obj(w);
      w_kstr_req(w, "type", l->namespaces[i].type);
      w_kstr(w, "path", l->namespaces[i].path);
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  if (l->n_devices) {
    w_karr(w, "devices");
    for (size_t i = 0; i < l->n_devices; i++) {
      const oci_device *d = &l->devices[i];
      w_obj(w);
      w_kstr_req(w, "path", d->path);
      w_kstr_req(w, "type", d->type);
      if (!d->type || strcmp(d->type, "p") != 0 || d->major || d->minor) {
        w_ki64(w, "major", d->major);
        w_ki64(w, "minor", d->minor);
      }
      w_kopt_u64(w, "fileMode", d->file_mode);
      w_kopt_u64(w, "uid", d->uid);
      w_kopt_u64(w, "gid", d->gid);
      w_end_obj(w);
    }
    w_end_arr(w);
  }
  if (l->seccomp.present)
    w_seccomp(w, &l->seccomp);
  w_kstr(w, "rootfsPropagation", l->rootfs_propagation);
  w_strv(w, "maskedPaths", &l->masked_paths);
  w_strv(w, "readonlyPaths", &l->readonly_paths);
  w_kstr(w, "mountLabel", l->mount_label);
  if (l->intel_rdt.present) {
    const oci_intel_rdt *r = &l->intel_rdt;
    w_kobj(w, "intelRdt");
    w_kstr(w, "closID", r->clos_id);
    w_kstr(w, "l3CacheSchema", r->l3_cache_schema);
    w_kstr(w, "memBwSchema", r->mem_bw_schema);
    w_strv(w, "schemata", &r->schemata);
    w_ktrue(w, "enableMonitoring", r->enable_monitoring);
    w_end_obj(w);
  }
  if (l->personality.present) {
    w_kobj(w, "personality");
    w_kstr_req(w, "domain", l->personality.domain);
    w_strv(w, "flags", &l->personality.flags);
    w_end_obj(w);
  }
  if (l->n_time_offsets) {
    w_kobj(w, "timeOffsets");
    for (size_t i = 0; i < l->n_time_offsets; i++) {
      const oci_time_offset *t = &l->time_offsets[i];
      w_kobj(w, t->clock ? t->clock : "");
      w_ki64(w, "secs", t->secs);
      w_ku64(w, "nanosecs", t->nanosecs);
      w_end_obj(w);
    }
    w_end_obj(w);
  }
  if (l->memory_policy.present) {
    w_kobj(w, "memoryPolicy");
    w_kstr_req(w, "mode", l->memory_policy.mode);
    w_kstr(w, "nodes", l->memory_policy.nodes);
    w_strv(w, "flags", &l->memory_policy.flags);
    w_end_obj(w);
  }
  if (l->n_net_devices) {
    w_kobj(w, "netDevices");
    for (size_t i = 0; i < l->n_net_devices; i++) {
      const oci_net_device *d = &l->net_devices[i];
      w_kobj(w, d->host_name ? d->host_name : "");
      w_kstr(w, "name", d->name);
      w_end_obj(w);
    }
    w_end_obj(w);
  }
  w_end_obj(w);
}

/* ---- documents ---- */

static bool w_begin(wctx *w, bool pretty) {
  w->bad = false;
  w->g = yajl_gen_alloc(NULL);
  if (!w->g)
    return false;
  if (pretty) {
    yajl_gen_config(w->g, yajl_gen_beautify, 1);
    yajl_gen_config(w->g, yajl_gen_indent_string, "\t");
  }
  return true;
}

static char *w_finish(wctx *w) {
  const unsigned char *buf;
  size_t len;
  char *out = NULL;
  if (!w->bad && yajl_gen_get_buf(w->g, &buf, &len) == yajl_gen_status_ok) {
    /* beautify ends with a newline, compact does not: callers get neither */
    while (len && buf[len - 1] == '\n')
      len--;
    out = strndup((const char *)buf, len);
  }
  yajl_gen_free(w->g);
  return out;
}

char *oci_config_write(const oci_config *c, bool pretty) {
  wctx w;
  if (!c || !w_begin(&w, pretty))
    return NULL;
  w_obj(&w);
  w_kstr_req(&w, "ociVersion", c->oci_version);
  if (c->process)
    w_process(&w, c->process);
  if (c->has_root) {
    w_kobj(&w, "root");
    w_kstr_req(&w, "path", c->root.path);
    w_ktrue(&w, "readonly", c->root.readonly);
    w_end_obj(&w);
  }
  w_kstr(&w, "hostname", c->hostname);
  w_kstr(&w, "domainname", c->domainname);
  w_mounts(&w, c);
  w_hooks(&w, &c->hooks);
  w_map(&w, "annotations", &c->annotations);
  if (c->linux_.present)
    w_linux(&w, &c->linux_);
  w_end_obj(&w);
  return w_finish(&w);
}

char *oci_state_write(const oci_state *s, bool pretty) {
  wctx w;
  if (!s || !w_begin(&w, pretty))
    return NULL;
  w_obj(&w);
  w_kstr_req(&w, "ociVersion", s->oci_version);
  w_kstr_req(&w, "id", s->id);
  w_kstr_req(&w, "status", s->status);
  /* pid is only meaningful (and required) while a process exists. */
  if (s->pid > 0)
    w_ki64(&w, "pid", s->pid);
  w_kstr_req(&w, "bundle", s->bundle);
  w_map(&w, "annotations", &s->annotations);
  w_end_obj(&w);
  return w_finish(&w);
}
