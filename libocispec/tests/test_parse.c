/* Parser tests: valid documents with every field checked, unknown
 * properties, and the exact message of each error class. */
#include "oci.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#ifndef TESTDATA
#error "compile with -DTESTDATA='\"/path/to/libocispec/tests/data\"'"
#endif

static char *load(const char *name, size_t *len) {
  char path[512];
  char *data = NULL;
  snprintf(path, sizeof(path), "%s/%s", TESTDATA, name);
  if (oci_read_file(path, &data, len) < 0) {
    perror(path);
    exit(2);
  }
  return data;
}

static const char *sv(const oci_strv *v, size_t i) {
  return i < v->len ? v->items[i] : NULL;
}

static const char *map_get(const oci_map *m, const char *key) {
  for (size_t i = 0; i < m->len; i++)
    if (strcmp(m->items[i].key, key) == 0)
      return m->items[i].value;
  return NULL;
}

static void test_full_process(const oci_process *p) {
  ok(p->terminal, "terminal");
  ok(p->has_console_size && p->console_height == 25 && p->console_width == 80,
     "consoleSize");
  is_uint(p->user.uid, 1000, "user.uid");
  is_uint(p->user.gid, 4294967295u, "user.gid at UINT32_MAX");
  ok(p->user.umask.set && p->user.umask.v == 18, "user.umask");
  ok(p->user.n_additional_gids == 3 && p->user.additional_gids[0] == 5 &&
         p->user.additional_gids[2] == 4294967294u,
     "user.additionalGids");
  is_str(p->user.username, "alice", "user.username");
  is_int((int64_t)p->args.len, 3, "args length");
  is_str(sv(&p->args, 2), "echo \"hi\"\n", "args with escapes");
  is_str(p->command_line, "sh -c hi", "commandLine");
  is_str(sv(&p->env, 1), "TERM=xterm", "env");
  is_str(p->cwd, "/home/alice", "cwd");
  ok(p->caps.present, "capabilities present");
  is_str(sv(&p->caps.bounding, 1), "CAP_KILL", "capabilities.bounding");
  is_str(sv(&p->caps.effective, 0), "CAP_KILL", "capabilities.effective");
  is_str(sv(&p->caps.inheritable, 0), "CAP_NET_BIND_SERVICE",
         "capabilities.inheritable");
  is_int((int64_t)p->caps.permitted.len, 3, "capabilities.permitted");
  is_str(sv(&p->caps.ambient, 0), "CAP_CHOWN", "capabilities.ambient");
  ok(p->n_rlimits == 2, "rlimits count");
  if (p->n_rlimits == 2) {
    is_str(p->rlimits[0].type, "RLIMIT_NOFILE", "rlimits[0].type");
    ok(p->rlimits[0].hard == 4096 && p->rlimits[0].soft == 1024,
       "rlimits[0] values");
    is_uint(p->rlimits[1].hard, UINT64_MAX, "rlimit hard at UINT64_MAX");
    is_uint(p->rlimits[1].soft, 9223372036854775808ull,
            "rlimit soft above INT64_MAX");
  }
  ok(p->no_new_privileges, "noNewPrivileges");
  is_str(p->apparmor_profile, "cell-default", "apparmorProfile");
  ok(p->oom_score_adj.set && p->oom_score_adj.v == -500, "oomScoreAdj");
  is_str(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
         "selinuxLabel");
  const oci_scheduler *s = &p->scheduler;
  ok(s->present, "scheduler present");
  is_str(s->policy, "SCHED_DEADLINE", "scheduler.policy");
  ok(s->nice == -10 && s->priority == 2147483647, "scheduler nice/priority");
  is_str(sv(&s->flags, 1), "SCHED_FLAG_RECLAIM", "scheduler.flags");
  ok(s->runtime == 10000000 && s->deadline == 20000000 && s->period == 30000000,
     "scheduler runtime/deadline/period");
  ok(p->io_priority.present && p->io_priority.priority == 4, "ioPriority");
  is_str(p->io_priority.klass, "IOPRIO_CLASS_BE", "ioPriority.class");
  is_str(p->exec_cpu_affinity.initial, "7", "execCPUAffinity.initial");
  is_str(p->exec_cpu_affinity.final, "0-3,7", "execCPUAffinity.final");
}

static void test_full_top(const oci_config *c) {
  is_str(c->oci_version, "1.3.0", "ociVersion");
  ok(c->has_root && c->root.readonly, "root.readonly");
  is_str(c->root.path, "rootfs", "root.path");
  is_str(c->hostname, "cellhost", "hostname");
  is_str(c->domainname, "example.org", "domainname");
  ok(c->n_mounts == 2, "mounts count");
  if (c->n_mounts == 2) {
    const oci_mount *m = &c->mounts[1];
    is_str(c->mounts[0].destination, "/proc", "mounts[0].destination");
    ok(c->mounts[0].options.len == 0 && c->mounts[0].uid_mappings.len == 0,
       "mounts[0] has no options or mappings");
    is_str(m->destination, "/data", "mounts[1].destination");
    is_str(m->source, "/srv/data", "mounts[1].source");
    is_str(m->type, "bind", "mounts[1].type");
    is_str(sv(&m->options, 2), "idmap", "mounts[1].options");
    ok(m->uid_mappings.len == 1 && m->uid_mappings.items[0].host_id == 100000 &&
           m->uid_mappings.items[0].size == 65536,
       "mounts[1].uidMappings");
    ok(m->gid_mappings.len == 1 && m->gid_mappings.items[0].container_id == 1 &&
           m->gid_mappings.items[0].host_id == 200000,
       "mounts[1].gidMappings");
  }
  const oci_hooks *h = &c->hooks;
  ok(h->prestart.len == 1, "hooks.prestart");
  if (h->prestart.len == 1) {
    is_str(h->prestart.items[0].path, "/usr/bin/pre", "prestart path");
    is_str(sv(&h->prestart.items[0].args, 1), "a", "prestart args");
    is_str(sv(&h->prestart.items[0].env, 0), "X=1", "prestart env");
    ok(h->prestart.items[0].timeout.set && h->prestart.items[0].timeout.v == 5,
       "prestart timeout");
  }
  ok(h->create_runtime.len == 1 && h->create_container.len == 1 &&
         h->start_container.len == 1,
     "create/start hooks");
  if (h->create_container.len == 1)
    is_str(h->create_container.items[0].path, "/usr/bin/cc",
           "createContainer path");
  ok(h->poststart.len == 2 && !h->poststart.items[0].timeout.set &&
         h->poststart.items[1].timeout.v == 2147483647,
     "poststart hooks");
  ok(h->poststop.len == 1, "poststop");
  is_int((int64_t)c->annotations.len, 2, "annotations count");
  is_str(map_get(&c->annotations, "com.example.key"), "value", "annotation");
  is_str(map_get(&c->annotations, "org.empty"), "", "empty annotation");
}

static void test_full_resources(const oci_resources *r) {
  ok(r->present, "resources present");
  ok(r->n_devices == 2, "resources.devices");
  if (r->n_devices == 2) {
    ok(!r->devices[0].allow && !r->devices[0].type && !r->devices[0].major.set,
       "devices[0] deny all");
    is_str(r->devices[0].access, "rwm", "devices[0].access");
    ok(r->devices[1].allow && r->devices[1].major.v == 10 &&
           r->devices[1].minor.set && r->devices[1].minor.v == 229,
       "devices[1]");
    is_str(r->devices[1].type, "c", "devices[1].type");
  }
  const oci_memory *m = &r->memory;
  ok(r->has_memory, "memory present");
  ok(m->limit.set && m->limit.v == 536870912, "memory.limit");
  ok(m->reservation.v == 268435456, "memory.reservation");
  ok(m->swap.set && m->swap.v == -1, "memory.swap -1");
  is_int(m->kernel.v, INT64_MAX, "memory.kernel INT64_MAX");
  is_int(m->kernel_tcp.v, INT64_MIN, "memory.kernelTCP INT64_MIN");
  ok(m->swappiness.set && m->swappiness.v == 60, "memory.swappiness");
  ok(m->disable_oom_killer.set && m->disable_oom_killer.v,
     "memory.disableOOMKiller");
  ok(m->use_hierarchy.set && !m->use_hierarchy.v, "memory.useHierarchy false");
  ok(m->check_before_update.set && m->check_before_update.v,
     "memory.checkBeforeUpdate");
  const oci_cpu *p = &r->cpu;
  ok(r->has_cpu && p->shares.v == 1024 && p->quota.v == 1000000 &&
         p->burst.v == 500000 && p->period.v == 500000,
     "cpu shares/quota/burst/period");
  ok(p->realtime_runtime.v == 950000 && p->realtime_period.v == 1000000,
     "cpu realtime");
  is_str(p->cpus, "2-3", "cpu.cpus");
  is_str(p->mems, "0-7", "cpu.mems");
  ok(p->idle.set && p->idle.v == 1, "cpu.idle");
  const oci_blkio *b = &r->blkio;
  ok(r->has_blkio && b->weight.v == 10 && b->leaf_weight.v == 65535,
     "blockIO weight");
  ok(b->n_weight_device == 2 && b->weight_device[0].major == 8 &&
         b->weight_device[0].leaf_weight.v == 300 &&
         b->weight_device[1].minor == 16 &&
         !b->weight_device[1].leaf_weight.set,
     "blockIO.weightDevice");
  ok(b->throttle_read_bps.len == 1 && b->throttle_read_bps.items[0].rate == 600,
     "throttleReadBpsDevice");
  ok(b->throttle_write_bps.len == 1 &&
         b->throttle_write_bps.items[0].minor == 1 &&
         b->throttle_write_bps.items[0].rate == 700,
     "throttleWriteBpsDevice");
  ok(b->throttle_read_iops.len == 1 &&
         b->throttle_read_iops.items[0].rate == 800,
     "throttleReadIOPSDevice");
  ok(b->throttle_write_iops.len == 1 &&
         b->throttle_write_iops.items[0].rate == UINT64_MAX,
     "throttleWriteIOPSDevice");
  ok(r->n_hugepage_limits == 2 && r->hugepage_limits[0].limit == 209715200,
     "hugepageLimits");
  if (r->n_hugepage_limits == 2)
    is_str(r->hugepage_limits[1].page_size, "1GB", "hugepageLimits pageSize");
  ok(r->has_network && r->network.class_id.v == 1048577 &&
         r->network.n_priorities == 2 &&
         r->network.priorities[1].priority == 1000,
     "network");
  if (r->network.n_priorities == 2)
    is_str(r->network.priorities[0].name, "eth0", "network priority name");
  ok(r->has_pids && r->pids_limit.set && r->pids_limit.v == 32771, "pids");
  ok(r->n_rdma == 2, "rdma count");
  if (r->n_rdma == 2) {
    is_str(r->rdma[0].name, "mlx5_1", "rdma name");
    ok(r->rdma[0].hca_handles.v == 3 && r->rdma[0].hca_objects.v == 10000,
       "rdma[0] values");
    ok(!r->rdma[1].hca_handles.set && r->rdma[1].hca_objects.v == 1000,
       "rdma[1] values");
  }
  is_str(map_get(&r->unified, "io.max"), "259:0 rbps=2097152", "unified");
}

static void test_full_linux(const oci_linux *l) {
  ok(l->present, "linux present");
  ok(l->uid_mappings.len == 1 && l->uid_mappings.items[0].host_id == 1000,
     "linux.uidMappings");
  ok(l->gid_mappings.len == 1 && l->gid_mappings.items[0].size == 2,
     "linux.gidMappings");
  is_str(map_get(&l->sysctl, "net.ipv4.ip_forward"), "1", "sysctl");
  test_full_resources(&l->resources);
  is_str(l->cgroups_path, "/myRuntime/myContainer", "cgroupsPath");
  is_int((int64_t)l->n_namespaces, 8, "all 8 namespace types");
  if (l->n_namespaces == 8) {
    is_str(l->namespaces[1].type, "network", "namespaces[1].type");
    is_str(l->namespaces[1].path, "/var/run/netns/neta", "namespaces[1].path");
    is_str(l->namespaces[7].type, "time", "namespaces[7].type");
  }
  ok(l->n_devices == 3, "devices count");
  if (l->n_devices == 3) {
    const oci_device *d = &l->devices[0];
    is_str(d->path, "/dev/fuse", "devices[0].path");
    ok(d->major == 10 && d->minor == 229 && d->file_mode.v == 438 &&
           d->uid.set && d->uid.v == 0 && d->gid.v == 4294967295u,
       "devices[0] numbers");
    is_str(l->devices[2].type, "p", "fifo device without major/minor");
    ok(!l->devices[1].file_mode.set, "devices[1] without fileMode");
  }
  const oci_seccomp *s = &l->seccomp;
  ok(s->present, "seccomp present");
  is_str(s->default_action, "SCMP_ACT_ERRNO", "seccomp.defaultAction");
  ok(s->default_errno_ret.set && s->default_errno_ret.v == 1,
     "seccomp.defaultErrnoRet");
  is_str(sv(&s->architectures, 1), "SCMP_ARCH_X32", "seccomp.architectures");
  is_str(sv(&s->flags, 0), "SECCOMP_FILTER_FLAG_LOG", "seccomp.flags");
  is_str(s->listener_path, "/run/seccomp-agent.socket", "listenerPath");
  is_str(s->listener_metadata, "metadata", "listenerMetadata");
  ok(s->n_syscalls == 2, "seccomp.syscalls count");
  if (s->n_syscalls == 2) {
    const oci_seccomp_syscall *sc = &s->syscalls[1];
    is_str(sv(&s->syscalls[0].names, 1), "chmod", "syscalls[0].names");
    ok(!s->syscalls[0].errno_ret.set, "syscalls[0] without errnoRet");
    is_str(sc->action, "SCMP_ACT_ERRNO", "syscalls[1].action");
    ok(sc->errno_ret.set && sc->errno_ret.v == 38, "syscalls[1].errnoRet");
    ok(sc->n_args == 2 && sc->args[1].index == 5 &&
           sc->args[1].value == UINT64_MAX &&
           sc->args[1].value_two == 4294967295u,
       "syscalls[1].args");
    if (sc->n_args == 2)
      is_str(sc->args[1].op, "SCMP_CMP_MASKED_EQ", "syscalls[1].args[1].op");
  }
  is_str(l->rootfs_propagation, "rslave", "rootfsPropagation");
  is_str(sv(&l->masked_paths, 1), "/proc/keys", "maskedPaths");
  is_str(sv(&l->readonly_paths, 0), "/proc/sys", "readonlyPaths");
  is_str(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
         "mountLabel");
  const oci_intel_rdt *rdt = &l->intel_rdt;
  ok(rdt->present && rdt->enable_monitoring, "intelRdt");
  is_str(rdt->clos_id, "guaranteed_group", "intelRdt.closID");
  is_str(rdt->l3_cache_schema, "L3:0=7f0;1=1f", "intelRdt.l3CacheSchema");
  is_str(rdt->mem_bw_schema, "MB:0=20;1=70", "intelRdt.memBwSchema");
  is_str(sv(&rdt->schemata, 1), "L3:0=f", "intelRdt.schemata");
  ok(l->personality.present && l->personality.flags.len == 0, "personality");
  is_str(l->personality.domain, "LINUX32", "personality.domain");
  ok(l->n_time_offsets == 2, "timeOffsets");
  if (l->n_time_offsets == 2) {
    is_str(l->time_offsets[0].clock, "monotonic", "timeOffsets clock");
    ok(l->time_offsets[0].secs == -172800 &&
           l->time_offsets[0].nanosecs == 999999999,
       "timeOffsets values");
  }
  ok(l->memory_policy.present, "memoryPolicy");
  is_str(l->memory_policy.mode, "MPOL_INTERLEAVE", "memoryPolicy.mode");
  is_str(l->memory_policy.nodes, "0-3", "memoryPolicy.nodes");
  is_str(sv(&l->memory_policy.flags, 0), "MPOL_F_STATIC_NODES",
         "memoryPolicy.flags");
  ok(l->n_net_devices == 2, "netDevices");
  if (l->n_net_devices == 2) {
    is_str(l->net_devices[0].host_name, "eth1", "netDevices host name");
    is_str(l->net_devices[0].name, "ceth0", "netDevices name");
    is_str(l->net_devices[1].name, NULL, "netDevices without name");
  }
}

static void test_full(void) {
  size_t len;
  char *data = load("full.json", &len);
  oci_config *c = NULL;
  char *err = NULL;
  int r = oci_config_parse(data, len, "config.json", &c, &err);
  free(data);
  if (!ok(r == 0 && c, "full config parses")) {
    diag("%s", err ? err : "(no message)");
    free(err);
    return;
  }
  ok(c->process != NULL, "process present");
  if (c->process)
    test_full_process(c->process);
  test_full_top(c);
  test_full_linux(&c->linux_);
  oci_config_free(c);
}

static void test_minimal_and_unknown(void) {
  size_t len;
  char *err = NULL;
  oci_config *c = NULL;
  char *data = load("minimal.json", &len);
  ok(oci_config_parse(data, len, "config.json", &c, &err) == 0,
     "minimal config parses");
  free(data);
  if (c) {
    ok(!c->process && !c->has_root && !c->linux_.present && !c->n_mounts &&
           !c->hostname,
       "minimal config has nothing else");
    oci_config_free(c);
    c = NULL;
  }

  data = load("unknown.json", &len);
  int r = oci_config_parse(data, len, "config.json", &c, &err);
  free(data);
  if (!ok(r == 0, "unknown properties are ignored")) {
    diag("%s", err);
    free(err);
    return;
  }
  ok(c->process && c->process->args.len == 1 && c->process->caps.present,
     "known fields next to unknown ones are read");
  ok(!c->hostname && c->annotations.len == 0, "null is treated as absent");
  ok(c->linux_.resources.has_memory &&
         c->linux_.resources.memory.limit.v == 1 && !c->linux_.seccomp.present,
     "unknown resource controllers are ignored");
  oci_config_free(c);
}

static void test_process_doc(void) {
  size_t len;
  char *err = NULL;
  oci_process *p = NULL;
  char *data = load("process.json", &len);
  int r = oci_process_parse(data, len, "process.json", &p, &err);
  free(data);
  if (!ok(r == 0 && p, "process document parses")) {
    diag("%s", err);
    free(err);
    return;
  }
  is_str(sv(&p->args, 1), "aux", "process args");
  ok(!p->terminal && p->user.n_additional_gids == 1 &&
         p->user.additional_gids[0] == 10,
     "process user");
  ok(p->n_rlimits == 1 && p->rlimits[0].soft == 5, "process rlimits");
  ok(p->no_new_privileges && !p->scheduler.present && !p->io_priority.present &&
         !p->oom_score_adj.set,
     "process flags and absent optionals");
  is_str(p->exec_cpu_affinity.final, "1", "process execCPUAffinity.final");
  is_str(p->exec_cpu_affinity.initial, NULL, "absent initial is NULL");
  oci_process_free(p);

  const char *bad = "{\"cwd\": \"/\", \"user\": {\"uid\": -1, \"gid\": 0}, "
                    "\"args\": [\"x\"]}";
  p = NULL;
  r = oci_process_parse(bad, strlen(bad), "process.json", &p, &err);
  ok(r < 0 && p == NULL, "bad process document fails");
  is_str(r < 0 ? err : NULL,
         "process.json: user.uid: expected a non-negative integer",
         "process paths are relative to the document");
  if (r < 0)
    free(err);
}

static void test_resources_doc(void) {
  size_t len;
  char *err = NULL;
  oci_resources *res = NULL;
  char *data = load("resources.json", &len);
  int r = oci_resources_parse(data, len, "resources.json", &res, &err);
  free(data);
  if (!ok(r == 0 && res, "resources document parses")) {
    diag("%s", err);
    free(err);
    return;
  }
  ok(res->present && res->has_memory && res->memory.limit.v == 1073741824 &&
         res->memory.swap.v == 2147483648,
     "resources memory");
  ok(res->has_cpu && res->cpu.shares.v == 512 && res->cpu.quota.v == -1,
     "resources cpu");
  ok(res->has_pids && res->pids_limit.v == -1, "resources pids -1");
  ok(res->has_blkio && res->blkio.weight.v == 100 && !res->has_network,
     "resources blockIO");
  is_str(map_get(&res->unified, "cpu.weight"), "50", "resources unified");
  oci_resources_free(res);

  const char *bad = "{\"blockIO\": {\"weight\": 65536}}";
  r = oci_resources_parse(bad, strlen(bad), "resources.json", &res, &err);
  ok(r < 0, "uint16 overflow fails");
  is_str(r < 0 ? err : NULL,
         "resources.json: blockIO.weight: value 65536 out of range [0, 65535]",
         "uint16 overflow message");
  if (r < 0)
    free(err);
}

static void test_state_doc(void) {
  size_t len;
  char *err = NULL;
  oci_state *s = NULL;
  char *data = load("state.json", &len);
  int r = oci_state_parse(data, len, "state.json", &s, &err);
  free(data);
  if (!ok(r == 0 && s, "state document parses")) {
    diag("%s", err);
    free(err);
    return;
  }
  is_str(s->oci_version, "1.3.0", "state ociVersion");
  is_str(s->id, "oci-container1", "state id");
  is_str(s->status, "running", "state status");
  is_int(s->pid, 4422, "state pid");
  is_str(s->bundle, "/containers/redis", "state bundle");
  is_str(map_get(&s->annotations, "myKey"), "myValue", "state annotations");
  oci_state_free(s);

  static const struct {
    const char *json, *msg;
  } cases[] = {
      {"{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"running\","
       "\"bundle\":\"/b\"}",
       "state.json: pid: required when status is \"running\""},
      {"{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"paused\","
       "\"bundle\":\"/b\"}",
       "state.json: status: unknown status \"paused\""},
      {"{\"ociVersion\":\"1\",\"status\":\"stopped\",\"bundle\":\"/b\"}",
       "state.json: id: required"},
      {"{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"created\","
       "\"pid\":-5,\"bundle\":\"/b\"}",
       "state.json: pid: value -5 out of range [0, 2147483647]"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    s = NULL;
    err = NULL;
    r = oci_state_parse(cases[i].json, strlen(cases[i].json), "state.json", &s,
                        &err);
    is_str(r < 0 ? err : "(parsed)", cases[i].msg, cases[i].msg);
    free(err);
    oci_state_free(s);
  }
  const char *stopped =
      "{\"ociVersion\":\"1\",\"id\":\"a\",\"status\":\"stopped\","
      "\"bundle\":\"/b\"}";
  s = NULL;
  ok(oci_state_parse(stopped, strlen(stopped), "state.json", &s, &err) == 0 &&
         s->pid == 0,
     "stopped state needs no pid");
  oci_state_free(s);
}

/* Each invalid config and the exact one-line message it must produce. */
static const struct {
  const char *json, *msg;
} bad_configs[] = {
    /* documents */
    {"", "config.json: invalid JSON: parse error: premature EOF"},
    {"[1]", "config.json: expected an object"},
    {"{\"ociVersion\": \"1\"} x",
     "config.json: invalid JSON: parse error: trailing garbage"},
    {"{\"ociVersion\": \"a\\u0000b\"}",
     "config.json: invalid JSON: \\u0000 in a string is not supported"},
    {"{}", "config.json: ociVersion: required"},
    {"{\"ociVersion\": 1}", "config.json: ociVersion: expected a string"},
    /* process */
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":-1,\"gid\":0}}}",
     "config.json: process.user.uid: expected a non-negative integer"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":4294967296,\"gid\":0}}}",
     "config.json: process.user.uid: value 4294967296 out of range [0, "
     "4294967295]"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":1.0,\"gid\":0}}}",
     "config.json: process.user.uid: expected a non-negative integer"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":1e3,\"gid\":0}}}",
     "config.json: process.user.uid: expected a non-negative integer"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":\"0\",\"gid\":0}}}",
     "config.json: process.user.uid: expected a non-negative integer"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":0}}}",
     "config.json: process.user.gid: required"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],"
     "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,-2]}}}",
     "config.json: process.user.additionalGids[1]: expected a non-negative "
     "integer"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\"}}",
     "config.json: process.args: required"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[]}}",
     "config.json: process.args: must not be empty"},
    {"{\"ociVersion\":\"1\",\"process\":{\"cwd\":\"/\",\"args\":[\"a\",2]}}",
     "config.json: process.args[1]: expected a string"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"]}}",
     "config.json: process.cwd: required"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"tmp\"}}",
     "config.json: process.cwd: must be an absolute path"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"terminal\":1}}",
     "config.json: process.terminal: expected a boolean"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"env\":\"A=1\"}}",
     "config.json: process.env: expected an array"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"capabilities\":[]}}",
     "config.json: process.capabilities: expected an object"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}}",
     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"hard\":1}]}}",
     "config.json: process.rlimits[0].soft: required"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"hard\":18446744073709551616,"
     "\"soft\":1}]}}",
     "config.json: process.rlimits[0].hard: value 18446744073709551616 out of "
     "range [0, 18446744073709551615]"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"hard\":1,\"soft\":1},"
     "{\"type\":\"RLIMIT_CPU\",\"hard\":2,\"soft\":2}]}}",
     "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_CPU\""},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"oomScoreAdj\":2147483648}}",
     "config.json: process.oomScoreAdj: value 2147483648 out of range "
     "[-2147483648, 2147483647]"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"oomScoreAdj\":-1.5}}",
     "config.json: process.oomScoreAdj: expected an integer"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"scheduler\":{\"policy\":\"SCHED_FAST\"}}}",
     "config.json: process.scheduler.policy: unknown scheduler policy "
     "\"SCHED_FAST\""},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"scheduler\":{\"nice\":1}}}",
     "config.json: process.scheduler.policy: required"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"scheduler\":{\"policy\":\"SCHED_RR\",\"nice\":-2147483649}}}",
     "config.json: process.scheduler.nice: value -2147483649 out of range "
     "[-2147483648, 2147483647]"},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"scheduler\":{\"policy\":\"SCHED_RR\",\"flags\":[\"X\"]}}}",
     "config.json: process.scheduler.flags[0]: unknown scheduler flag \"X\""},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\",\"priority\":1}}}",
     "config.json: process.ioPriority.class: unknown ioPriority class "
     "\"IOPRIO_CLASS_NONE\""},
    {"{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
     "\"consoleSize\":{\"height\":1}}}",
     "config.json: process.consoleSize.width: required"},
    /* root, mounts, hooks */
    {"{\"ociVersion\":\"1\",\"root\":{\"readonly\":true}}",
     "config.json: root.path: required"},
    {"{\"ociVersion\":\"1\",\"mounts\":[{\"destination\":\"/a\"},"
     "{\"destination\":\"/b\"},{\"source\":\"x\"}]}",
     "config.json: mounts[2].destination: required"},
    {"{\"ociVersion\":\"1\",\"mounts\":[\"/a\"]}",
     "config.json: mounts[0]: expected an object"},
    {"{\"ociVersion\":\"1\",\"mounts\":[{\"destination\":\"/a\","
     "\"uidMappings\":[{\"containerID\":0,\"hostID\":1}]}]}",
     "config.json: mounts[0].uidMappings[0].size: required"},
    {"{\"ociVersion\":\"1\",\"hooks\":{\"poststop\":[{\"args\":[]}]}}",
     "config.json: hooks.poststop[0].path: required"},
    {"{\"ociVersion\":\"1\",\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}}",
     "config.json: hooks.prestart[0].path: must be an absolute path"},
    {"{\"ociVersion\":\"1\",\"hooks\":{\"createRuntime\":[{\"path\":\"/h\","
     "\"timeout\":0}]}}",
     "config.json: hooks.createRuntime[0].timeout: value 0 out of range [1, "
     "2147483647]"},
    {"{\"ociVersion\":\"1\",\"annotations\":{\"a\":\"b\",\"c\":1}}",
     "config.json: annotations.c: expected a string"},
    /* linux */
    {"{\"ociVersion\":\"1\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
     "{\"type\":\"foo\"}]}}",
     "config.json: linux.namespaces[1].type: unknown namespace type \"foo\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
     "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"pid\"}]}}",
     "config.json: linux.namespaces[3].type: duplicate namespace \"pid\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}}",
     "config.json: linux.namespaces[0].type: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"namespaces\":[{\"type\":\"a\\nb\"}]}}",
     "config.json: linux.namespaces[0].type: unknown namespace type "
     "\"a\\x0ab\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"devices\":[{\"type\":\"x\","
     "\"path\":\"/dev/x\"}]}}",
     "config.json: linux.devices[0].type: unknown device type \"x\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"devices\":[{\"type\":\"c\","
     "\"path\":\"/dev/x\",\"major\":1}]}}",
     "config.json: linux.devices[0].minor: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"devices\":[{\"type\":\"c\","
     "\"major\":1,\"minor\":1}]}}",
     "config.json: linux.devices[0].path: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"uidMappings\":[{\"containerID\":0,"
     "\"hostID\":-1,\"size\":1}]}}",
     "config.json: linux.uidMappings[0].hostID: expected a non-negative "
     "integer"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"rootfsPropagation\":\"slaves\"}}",
     "config.json: linux.rootfsPropagation: unknown rootfs propagation "
     "\"slaves\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"personality\":{\"domain\":\"BSD\"}}}",
     "config.json: linux.personality.domain: unknown personality domain "
     "\"BSD\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"timeOffsets\":{\"realtime\":"
     "{\"secs\":1}}}}",
     "config.json: linux.timeOffsets.realtime: unknown clock \"realtime\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"timeOffsets\":{\"boottime\":"
     "{\"nanosecs\":-1}}}}",
     "config.json: linux.timeOffsets.boottime.nanosecs: expected a "
     "non-negative integer"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"memoryPolicy\":{\"nodes\":\"0\"}}}",
     "config.json: linux.memoryPolicy.mode: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"netDevices\":{\"eth0\":"
     "{\"name\":5}}}}",
     "config.json: linux.netDevices.eth0.name: expected a string"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"seccomp\":{\"syscalls\":[]}}}",
     "config.json: linux.seccomp.defaultAction: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"seccomp\":{\"defaultAction\":\"A\","
     "\"syscalls\":[{\"action\":\"B\"}]}}}",
     "config.json: linux.seccomp.syscalls[0].names: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"seccomp\":{\"defaultAction\":\"A\","
     "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"B\",\"args\":"
     "[{\"index\":0,\"value\":1}]}]}}}",
     "config.json: linux.seccomp.syscalls[0].args[0].op: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":"
     "9223372036854775808}}}}",
     "config.json: linux.resources.memory.limit: value 9223372036854775808 out "
     "of range [-9223372036854775808, 9223372036854775807]"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"memory\":{\"limit\":"
     "1.5}}}}",
     "config.json: linux.resources.memory.limit: expected an integer"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"cpu\":{\"shares\":"
     "-1}}}}",
     "config.json: linux.resources.cpu.shares: expected a non-negative "
     "integer"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"devices\":[{\"allow\":"
     "true,\"access\":\"rwx\"}]}}}",
     "config.json: linux.resources.devices[0].access: invalid access "
     "\"rwx\""},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"hugepageLimits\":"
     "[{\"limit\":1}]}}}",
     "config.json: linux.resources.hugepageLimits[0].pageSize: required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"blockIO\":"
     "{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}}}}",
     "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: "
     "required"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"rdma\":{\"mlx\":"
     "{\"hcaHandles\":4294967296}}}}}",
     "config.json: linux.resources.rdma.mlx.hcaHandles: value 4294967296 out "
     "of range [0, 4294967295]"},
    {"{\"ociVersion\":\"1\",\"linux\":{\"resources\":{\"network\":"
     "{\"priorities\":[{\"name\":\"eth0\"}]}}}}",
     "config.json: linux.resources.network.priorities[0].priority: required"},
};

static void test_errors(void) {
  for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
    oci_config *c = NULL;
    char *err = NULL;
    const char *j = bad_configs[i].json;
    int r = oci_config_parse(j, strlen(j), "config.json", &c, &err);
    ok(r < 0 && c == NULL, "rejected: %s", j);
    is_str(r < 0 ? err : "(parsed)", bad_configs[i].msg, bad_configs[i].msg);
    if (err && strchr(err, '\n'))
      ok(false, "message is one line");
    free(err);
    oci_config_free(c);
  }

  /* yajl's syntax errors are multi-line: only the first line is kept. */
  size_t len;
  char *data = load("bad_syntax.json", &len);
  oci_config *c = NULL;
  char *err = NULL;
  int r = oci_config_parse(data, len, "config.json", &c, &err);
  free(data);
  ok(r < 0 && err && strncmp(err, "config.json: invalid JSON: ", 27) == 0 &&
         !strchr(err, '\n'),
     "syntax error gives a one-line invalid JSON message");
  if (err)
    diag("%s", err);
  free(err);

  /* Nesting is limited (yajl recurses), brackets inside strings do not
   * count, and an escaped backslash before "u0000" is not a NUL escape. */
  char deep[1200];
  size_t n = (size_t)sprintf(deep, "{\"ociVersion\":\"1\",\"x\":");
  memset(deep + n, '[', 300);
  memset(deep + n + 300, ']', 300);
  strcpy(deep + n + 600, "}");
  c = NULL;
  r = oci_config_parse(deep, strlen(deep), "config.json", &c, &err);
  is_str(r < 0 ? err : NULL,
         "config.json: invalid JSON: nested deeper than 256 levels",
         "deep nesting is rejected");
  if (r < 0)
    free(err);
  const char *tricky = "{\"ociVersion\": \"[[[{{{\\\"\\\\u0000\", "
                       "\"x\": [[[[[[[[[[]]]]]]]]]]}";
  c = NULL;
  r = oci_config_parse(tricky, strlen(tricky), "config.json", &c, &err);
  ok(r == 0, "brackets and escapes inside strings are handled");
  if (r == 0)
    is_str(c->oci_version, "[[[{{{\"\\u0000", "string with escapes");
  else
    free(err);
  oci_config_free(c);
  ok(oci_config_parse("{\"ociVersion\":\"1\"}\0", 20, "config.json", &c, &err) <
             0 &&
         strcmp(err, "config.json: invalid JSON: NUL byte in document") == 0,
     "NUL byte in document is rejected");
  free(err);

  /* Data without a terminating NUL must not be read past len. */
  const char *txt = "{\"ociVersion\": \"1.0\"}garbage";
  c = NULL;
  ok(oci_config_parse(txt, 21, "config.json", &c, &err) == 0 && c,
     "only len bytes are parsed");
  oci_config_free(c);
}

static void test_rlimit_names(void) {
  static const struct {
    const char *name;
    int v;
  } t[] = {{"RLIMIT_AS", RLIMIT_AS},
           {"RLIMIT_CORE", RLIMIT_CORE},
           {"RLIMIT_CPU", RLIMIT_CPU},
           {"RLIMIT_DATA", RLIMIT_DATA},
           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
           {"RLIMIT_LOCKS", RLIMIT_LOCKS},
           {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
           {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
           {"RLIMIT_NICE", RLIMIT_NICE},
           {"RLIMIT_NOFILE", RLIMIT_NOFILE},
           {"RLIMIT_NPROC", RLIMIT_NPROC},
           {"RLIMIT_RSS", RLIMIT_RSS},
           {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
           {"RLIMIT_RTTIME", RLIMIT_RTTIME},
           {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
           {"RLIMIT_STACK", RLIMIT_STACK}};
  bool all = true;
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if (oci_rlimit_from_name(t[i].name) != t[i].v) {
      diag("%s wrong", t[i].name);
      all = false;
    }
  ok(all, "all 16 rlimit names map to their RLIMIT_* values");
  ok(oci_rlimit_from_name("RLIMIT_FOO") == -1 &&
         oci_rlimit_from_name("nofile") == -1 &&
         oci_rlimit_from_name(NULL) == -1,
     "unknown rlimit names give -1");
}

/* Every value each enum allows is accepted. */
static void test_enum_values(void) {
  static const char *const docs[] = {
      "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
      "\"scheduler\":{\"policy\":\"%s\"}}}",
      "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
      "\"ioPriority\":{\"class\":\"%s\",\"priority\":0}}}",
      "{\"ociVersion\":\"1\",\"linux\":{\"devices\":[{\"type\":\"%s\","
      "\"path\":\"/d\",\"major\":1,\"minor\":2}]}}",
      "{\"ociVersion\":\"1\",\"linux\":{\"rootfsPropagation\":\"%s\"}}",
      "{\"ociVersion\":\"1\",\"linux\":{\"personality\":{\"domain\":\"%s\"}}}",
      "{\"ociVersion\":\"1\",\"linux\":{\"timeOffsets\":{\"%s\":{}}}}",
      "{\"ociVersion\":\"1\",\"linux\":{\"namespaces\":[{\"type\":\"%s\"}]}}",
      "{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
      "\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"flags\":[\"%s\"]}}}",
  };
  static const char *const values[][9] = {
      {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO",
       "SCHED_IDLE", "SCHED_DEADLINE", NULL},
      {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL},
      {"c", "b", "u", "p", NULL},
      {"private", "rprivate", "slave", "rslave", "shared", "rshared",
       "unbindable", "runbindable", NULL},
      {"LINUX", "LINUX32", NULL},
      {"boottime", "monotonic", NULL},
      {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL},
      {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
       "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
       "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
       "SCHED_FLAG_UTIL_CLAMP_MAX", NULL},
  };
  for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
    for (size_t i = 0; values[d][i]; i++) {
      char json[512];
      oci_config *c = NULL;
      char *err = NULL;
      snprintf(json, sizeof(json), docs[d], values[d][i]);
      if (!ok(oci_config_parse(json, strlen(json), "config.json", &c, &err) ==
                  0,
              "accepted: %s", values[d][i])) {
        diag("%s", err);
        free(err);
      }
      oci_config_free(c);
    }
  }
}

static void test_read_file(void) {
  char *data = NULL;
  size_t len = 0;
  errno = 0;
  ok(oci_read_file(TESTDATA "/no-such-file.json", &data, &len) < 0 &&
         errno == ENOENT && data == NULL,
     "oci_read_file: missing file fails with ENOENT");
  /* procfs reports st_size 0: the whole content must still be read,
   * beyond the initial buffer. */
  ok(oci_read_file("/proc/self/smaps", &data, &len) == 0 && len > 8192 &&
         strlen(data) == len && strstr(data + len - 200, "VmFlags") != NULL,
     "oci_read_file reads large files with st_size 0");
  free(data);
  ok(oci_read_file(TESTDATA "/minimal.json", &data, &len) == 0 &&
         len == strlen("{\"ociVersion\": \"1.0.2\"}\n") && data[len] == '\0',
     "oci_read_file: length and NUL terminator");
  free(data);
}

static void test_free_null(void) {
  oci_config_free(NULL);
  oci_process_free(NULL);
  oci_resources_free(NULL);
  oci_state_free(NULL);
  ok(true, "free functions accept NULL");
}

int main(void) {
  test_full();
  test_minimal_and_unknown();
  test_process_doc();
  test_resources_doc();
  test_state_doc();
  test_errors();
  test_rlimit_names();
  test_enum_values();
  test_read_file();
  test_free_null();
  return done();
}
