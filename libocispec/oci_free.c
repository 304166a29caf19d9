/* Release of parsed documents.  Everything tolerates partially filled
 * structs (zeroed by calloc), since parsers free them on error. */
#include "oci.h"

#include <stdlib.h>

static void free_strv(oci_strv *v) {
  for (size_t i = 0; i < v->len; i++)
    free(v->items[i]);
  free(v->items);
}

static void free_map(oci_map *m) {
  for (size_t i = 0; i < m->len; i++) {
    free(m->items[i].key);
    free(m->items[i].value);
  }
  free(m->items);
}

static void clear_process(oci_process *p) {
  free(p->user.additional_gids);
  free(p->user.username);
  free_strv(&p->args);
  free(p->command_line);
  free_strv(&p->env);
  free(p->cwd);
  free_strv(&p->caps.bounding);
  free_strv(&p->caps.effective);
  free_strv(&p->caps.inheritable);
  free_strv(&p->caps.permitted);
  free_strv(&p->caps.ambient);
  for (size_t i = 0; i < p->n_rlimits; i++)
    free(p->rlimits[i].type);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  free(p->scheduler.policy);
  free_strv(&p->scheduler.flags);
  free(p->io_priority.klass);
  free(p->exec_cpu_affinity.initial);
  free(p->exec_cpu_affinity.final);
}

static void free_hookv(oci_hookv *h) {
  for (size_t i = 0; i < h->len; i++) {
    free(h->items[i].path);
    free_strv(&h->items[i].args);
    free_strv(&h->items[i].env);
  }
  free(h->items);
}

static void clear_resources(oci_resources *r) {
  for (size_t i = 0; i < r->n_devices; i++) {
    free(r->devices[i].type);
    free(r->devices[i].access);
  }
  free(r->devices);
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->blkio.weight_device);
  free(r->blkio.throttle_read_bps.items);
  free(r->blkio.throttle_write_bps.items);
  free(r->blkio.throttle_read_iops.items);
  free(r->blkio.throttle_write_iops.items);
  for (size_t i = 0; i < r->n_hugepage_limits; i++)
    free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  for (size_t i = 0; i < r->network.n_priorities; i++)
    free(r->network.priorities[i].name);
  free(r->network.priorities);
  for (size_t i = 0; i < r->n_rdma; i++)
    free(r->rdma[i].name);
  free(r->rdma);
  free_map(&r->unified);
}

static void clear_seccomp(oci_seccomp *s) {
  free(s->default_action);
  free_strv(&s->architectures);
  free_strv(&s->flags);
  free(s->listener_path);
  free(s->listener_metadata);
  for (size_t i = 0; i < s->n_syscalls; i++) {
    oci_seccomp_syscall *sc = &s->syscalls[i];
    free_strv(&sc->names);
    free(sc->action);
    for (size_t j = 0; j < sc->n_args; j++)
      free(sc->args[j].op);
    free(sc->args);
  }
  free(s->syscalls);
}

static void clear_linux(oci_linux *l) {
  free(l->uid_mappings.items);
  free(l->gid_mappings.items);
  free_map(&l->sysctl);
  clear_resources(&l->resources);
  free(l->cgroups_path);
  for (size_t i = 0; i < l->n_namespaces; i++) {
    free(l->namespaces[i].type);
    free(l->namespaces[i].path);
  }
  free(l->namespaces);
  for (size_t i = 0; i < l->n_devices; i++) {
    free(l->devices[i].type);
    free(l->devices[i].path);
  }
  free(l->devices);
  clear_seccomp(&l->seccomp);
  free(l->rootfs_propagation);
  free_strv(&l->masked_paths);
  free_strv(&l->readonly_paths);
  free(l->mount_label);
  free(l->intel_rdt.clos_id);
  free(l->intel_rdt.l3_cache_schema);
  free(l->intel_rdt.mem_bw_schema);
  free_strv(&l->intel_rdt.schemata);
  free(l->personality.domain);
  free_strv(&l->personality.flags);
  for (size_t i = 0; i < l->n_time_offsets; i++)
    free(l->time_offsets[i].clock);
  free(l->time_offsets);
  free(l->memory_policy.mode);
  free(l->memory_policy.nodes);
  free_strv(&l->memory_policy.flags);
  for (size_t i = 0; i < l->n_net_devices; i++) {
    free(l->net_devices[i].host_name);
    free(l->net_devices[i].name);
  }
  free(l->net_devices);
}

void oci_process_free(oci_process *p) {
  if (!p)
    return;
  clear_process(p);
  free(p);
}

void oci_resources_free(oci_resources *r) {
  if (!r)
    return;
  clear_resources(r);
  free(r);
}

void oci_config_free(oci_config *c) {
  if (!c)
    return;
  free(c->oci_version);
  oci_process_free(c->process);
  free(c->root.path);
  free(c->hostname);
  free(c->domainname);
  for (size_t i = 0; i < c->n_mounts; i++) {
    oci_mount *m = &c->mounts[i];
    free(m->destination);
    free(m->source);
    free(m->type);
    free_strv(&m->options);
    free(m->uid_mappings.items);
    free(m->gid_mappings.items);
  }
  free(c->mounts);
  free_hookv(&c->hooks.prestart);
  free_hookv(&c->hooks.create_runtime);
  free_hookv(&c->hooks.create_container);
  free_hookv(&c->hooks.start_container);
  free_hookv(&c->hooks.poststart);
  free_hookv(&c->hooks.poststop);
  free_map(&c->annotations);
  clear_linux(&c->linux_);
  free(c);
}

void oci_state_free(oci_state *s) {
  if (!s)
    return;
  free(s->oci_version);
  free(s->id);
  free(s->status);
  free(s->bundle);
  free_map(&s->annotations);
  free(s);
}
