/* Typed runtime-spec 1.3 documents: config, state, process, resources,
 * features.  Absent strings are NULL; absent optional numbers have
 * .set == false; arrays are (items, len) pairs. */
#ifndef CELL_OCI_H
#define CELL_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  bool set;
  int64_t v;
} oci_opt_i64;
typedef struct {
  bool set;
  uint64_t v;
} oci_opt_u64;
typedef struct {
  bool set;
  bool v;
} oci_opt_bool;

typedef struct {
  char **items;
  size_t len;
} oci_strv;

typedef struct {
  char *key;
  char *value;
} oci_kv;

typedef struct {
  oci_kv *items;
  size_t len;
} oci_map;

typedef struct {
  uint32_t container_id, host_id, size;
} oci_idmap;

typedef struct {
  oci_idmap *items;
  size_t len;
} oci_idmapv;

/* ---- process ---- */

typedef struct {
  char *type; /* RLIMIT_NOFILE, ... validated against the known names */
  uint64_t hard, soft;
} oci_rlimit;

typedef struct {
  bool present;
  oci_strv bounding, effective, inheritable, permitted, ambient;
} oci_caps;

typedef struct {
  uint32_t uid, gid;
  oci_opt_u64 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username;
} oci_user;

typedef struct {
  bool present;
  char *policy; /* required when present: SCHED_OTHER, SCHED_FIFO, ... */
  int32_t nice, priority;
  oci_strv flags;
  uint64_t runtime, deadline, period;
} oci_scheduler;

typedef struct {
  bool present;
  char *klass; /* IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE */
  int32_t priority;
} oci_ioprio;

typedef struct {
  char *initial, *final;
} oci_cpu_affinity;

typedef struct {
  bool terminal;
  bool has_console_size;
  uint32_t console_height, console_width;
  oci_user user;
  oci_strv args;
  char *command_line;
  oci_strv env;
  char *cwd; /* required, absolute */
  oci_caps caps;
  oci_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  oci_opt_i64 oom_score_adj;
  char *selinux_label;
  oci_scheduler scheduler;
  oci_ioprio io_priority;
  oci_cpu_affinity exec_cpu_affinity;
} oci_process;

/* ---- root, mounts, hooks ---- */

typedef struct {
  char *path;
  bool readonly;
} oci_root;

typedef struct {
  char *destination; /* required */
  char *source;
  char *type;
  oci_strv options;
  oci_idmapv uid_mappings, gid_mappings;
} oci_mount;

typedef struct {
  char *path; /* required, absolute */
  oci_strv args, env;
  oci_opt_i64 timeout; /* > 0 when set */
} oci_hook;

typedef struct {
  oci_hook *items;
  size_t len;
} oci_hookv;

typedef struct {
  oci_hookv prestart, create_runtime, create_container, start_container,
      poststart, poststop;
} oci_hooks;

/* ---- linux ---- */

typedef struct {
  char *type; /* pid network mount ipc uts user cgroup time */
  char *path;
} oci_namespace;

typedef struct {
  char *type; /* c b u p */
  char *path;
  int64_t major, minor;
  oci_opt_u64 file_mode, uid, gid;
} oci_device;

typedef struct {
  bool allow;
  char *type;
  oci_opt_i64 major, minor;
  char *access;
} oci_device_cgroup;

typedef struct {
  oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
  oci_opt_u64 swappiness;
  oci_opt_bool disable_oom_killer, use_hierarchy, check_before_update;
} oci_memory;

typedef struct {
  oci_opt_u64 shares, burst, period, realtime_period;
  oci_opt_i64 quota, realtime_runtime, idle;
  char *cpus, *mems;
} oci_cpu;

typedef struct {
  int64_t major, minor;
  oci_opt_u64 weight, leaf_weight;
} oci_weight_device;

typedef struct {
  int64_t major, minor;
  uint64_t rate;
} oci_throttle_device;

typedef struct {
  oci_throttle_device *items;
  size_t len;
} oci_throttlev;

typedef struct {
  oci_opt_u64 weight, leaf_weight;
  oci_weight_device *weight_device;
  size_t n_weight_device;
  oci_throttlev throttle_read_bps, throttle_write_bps, throttle_read_iops,
      throttle_write_iops;
} oci_blkio;

typedef struct {
  char *page_size;
  uint64_t limit;
} oci_hugepage_limit;

typedef struct {
  char *name;
  uint32_t priority;
} oci_net_priority;

typedef struct {
  oci_opt_u64 class_id;
  oci_net_priority *priorities;
  size_t n_priorities;
} oci_network;

typedef struct {
  char *name;
  oci_opt_u64 hca_handles, hca_objects;
} oci_rdma;

typedef struct {
  bool present;
  oci_device_cgroup *devices;
  size_t n_devices;
  bool has_memory, has_cpu, has_blkio, has_network, has_pids;
  oci_memory memory;
  oci_cpu cpu;
  oci_blkio blkio;
  oci_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  oci_network network;
  oci_opt_i64 pids_limit;
  oci_rdma *rdma;
  size_t n_rdma;
  oci_map unified;
} oci_resources;

typedef struct {
  int64_t index;
  uint64_t value, value_two;
  char *op;
} oci_seccomp_arg;

typedef struct {
  oci_strv names;
  char *action;
  oci_opt_u64 errno_ret;
  oci_seccomp_arg *args;
  size_t n_args;
} oci_seccomp_syscall;

typedef struct {
  bool present;
  char *default_action;
  oci_opt_u64 default_errno_ret;
  oci_strv architectures, flags;
  char *listener_path, *listener_metadata;
  oci_seccomp_syscall *syscalls;
  size_t n_syscalls;
} oci_seccomp;

typedef struct {
  bool present;
  char *clos_id, *l3_cache_schema, *mem_bw_schema;
  oci_strv schemata;
  bool enable_monitoring;
} oci_intel_rdt;

typedef struct {
  bool present;
  char *domain; /* LINUX | LINUX32 */
  oci_strv flags;
} oci_personality;

typedef struct {
  bool present;
  char *mode;
  char *nodes;
  oci_strv flags;
} oci_memory_policy;

typedef struct {
  char *clock; /* boottime | monotonic */
  int64_t secs;
  uint32_t nanosecs;
} oci_time_offset;

typedef struct {
  char *host_name; /* the map key */
  char *name;
} oci_net_device;

typedef struct {
  bool present;
  oci_idmapv uid_mappings, gid_mappings;
  oci_map sysctl;
  oci_resources resources;
  char *cgroups_path;
  oci_namespace *namespaces;
  size_t n_namespaces;
  oci_device *devices;
  size_t n_devices;
  oci_seccomp seccomp;
  char *rootfs_propagation;
  oci_strv masked_paths, readonly_paths;
  char *mount_label;
  oci_intel_rdt intel_rdt;
  oci_personality personality;
  oci_time_offset *time_offsets;
  size_t n_time_offsets;
  oci_memory_policy memory_policy;
  oci_net_device *net_devices;
  size_t n_net_devices;
} oci_linux;

typedef struct {
  char *oci_version;    /* required */
  oci_process *process; /* NULL when absent */
  oci_root root;
  bool has_root;
  char *hostname, *domainname;
  oci_mount *mounts;
  size_t n_mounts;
  oci_hooks hooks;
  oci_map annotations;
  oci_linux linux_;
} oci_config;

/* ---- state (runtime-spec "state" operation) ---- */

typedef struct {
  char *oci_version, *id, *status, *bundle;
  int pid;
  oci_map annotations;
} oci_state;

/* ---- parsing ----
 * All parsers take the whole document in memory.  `docname` prefixes error
 * messages ("config.json: process.user.uid: expected a non-negative
 * integer").  On error they return -1, set *errmsg to a malloc'd
 * one-line message and leave *out untouched. */
int oci_config_parse(const char *data, size_t len, const char *docname,
                     oci_config **out, char **errmsg);
int oci_process_parse(const char *data, size_t len, const char *docname,
                      oci_process **out, char **errmsg);
int oci_resources_parse(const char *data, size_t len, const char *docname,
                        oci_resources **out, char **errmsg);
int oci_state_parse(const char *data, size_t len, const char *docname,
                    oci_state **out, char **errmsg);

void oci_config_free(oci_config *c);
void oci_process_free(oci_process *p);
void oci_resources_free(oci_resources *r);
void oci_state_free(oci_state *s);

/* Reads a whole file (for the parsers above).  Returns -1 with errno set. */
int oci_read_file(const char *path, char **data, size_t *len);

/* ---- writing ----
 * Writers return a malloc'd NUL-terminated JSON text (pretty when asked),
 * or NULL on allocation failure. */
char *oci_config_write(const oci_config *c, bool pretty);
char *oci_state_write(const oci_state *s, bool pretty);

/* The known rlimit names, NULL-terminated, and their RLIMIT_* numbers. */
int oci_rlimit_from_name(const char *name); /* -1 when unknown */

#endif
