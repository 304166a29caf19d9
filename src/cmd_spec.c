/* `cell spec`: a config.json that cell runs as it is.  Tight defaults:
 * the three capabilities runc also grants, no inheritable or ambient
 * ones, no_new_privs, a read-only root, the usual masked and read-only
 * kernel interfaces. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "oci.h"
#include "utils.h"

#define V(arr) ((oci_strv){(char **)(arr), sizeof(arr) / sizeof(arr[0])})

static const char *const args[] = {"sh"};
static const char *const env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm"};
static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL",
                                   "CAP_NET_BIND_SERVICE"};
static const char *const masked[] = {
    "/proc/acpi",        "/proc/asound",       "/proc/interrupts",
    "/proc/kcore",       "/proc/keys",         "/proc/latency_stats",
    "/proc/timer_list",  "/proc/timer_stats",  "/proc/sched_debug",
    "/proc/scsi",        "/sys/firmware",      "/sys/devices/virtual/powercap",
    "/sys/kernel/debug", "/sys/kernel/tracing"};
static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq",
                                       "/proc/sys", "/proc/sysrq-trigger"};
static const char *const o_proc[] = {"nosuid", "noexec", "nodev"};
static const char *const o_dev[] = {"nosuid", "strictatime", "mode=755",
                                    "size=65536k"};
static const char *const o_pts[] = {"nosuid",        "noexec",    "newinstance",
                                    "ptmxmode=0666", "mode=0620", "gid=5"};
static const char *const o_pts_rootless[] = {"nosuid", "noexec", "newinstance",
                                             "ptmxmode=0666", "mode=0620"};
static const char *const o_shm[] = {"nosuid", "noexec", "nodev", "mode=1777",
                                    "size=65536k"};
static const char *const o_mq[] = {"nosuid", "noexec", "nodev"};
static const char *const o_sys[] = {"nosuid", "noexec", "nodev", "ro"};
static const char *const o_cg[] = {"nosuid", "noexec", "nodev", "relatime",
                                   "ro"};

int cmd_spec(const cell_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {"rootless", no_argument, NULL, 'r'},
                                       {0}};
  const char *bundle = ".";
  bool rootless = false;
  int c;
  while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
    if (c == 'b')
      bundle = optarg;
    else if (c == 'r')
      rootless = true;
    else
      return cli_fail("spec: unknown option `%s`", argv[optind - 1]);
  }
  if (cli_need_args("spec", argc, optind, 0, "[--rootless] [--bundle DIR]"))
    return 1;

  oci_rlimit rl = {.type = "RLIMIT_NOFILE", .hard = 1024, .soft = 1024};
  oci_process proc = {
      .args = V(args),
      .env = V(env),
      .cwd = "/",
      .caps = {.present = true,
               .bounding = V(caps),
               .effective = V(caps),
               .permitted = V(caps)},
      .rlimits = &rl,
      .n_rlimits = 1,
      .no_new_privileges = true,
  };
  oci_mount mounts[] = {
      {.destination = "/proc",
       .type = "proc",
       .source = "proc",
       .options = V(o_proc)},
      {.destination = "/dev",
       .type = "tmpfs",
       .source = "tmpfs",
       .options = V(o_dev)},
      {.destination = "/dev/pts",
       .type = "devpts",
       .source = "devpts",
       .options = rootless ? V(o_pts_rootless) : V(o_pts)},
      {.destination = "/dev/shm",
       .type = "tmpfs",
       .source = "shm",
       .options = V(o_shm)},
      {.destination = "/dev/mqueue",
       .type = "mqueue",
       .source = "mqueue",
       .options = V(o_mq)},
      {.destination = "/sys",
       .type = "sysfs",
       .source = "sysfs",
       .options = V(o_sys)},
      {.destination = "/sys/fs/cgroup",
       .type = "cgroup",
       .source = "cgroup",
       .options = V(o_cg)},
  };
  oci_namespace ns[] = {
      {.type = "pid"},   {.type = "network"}, {.type = "ipc"}, {.type = "uts"},
      {.type = "mount"}, {.type = "cgroup"},  {.type = "user"}};
  oci_idmap uid = {0, (uint32_t)geteuid(), 1},
            gid = {0, (uint32_t)getegid(), 1};
  oci_config cfg = {
      .oci_version = "1.3.0",
      .process = &proc,
      .has_root = true,
      .root = {.path = "rootfs", .readonly = true},
      .hostname = "cell",
      .mounts = mounts,
      /* rootless: a cgroup v1 hierarchy cannot be mounted from a user
       * namespace, so no /sys/fs/cgroup */
      .n_mounts = sizeof mounts / sizeof mounts[0] - (rootless ? 1 : 0),
      .linux_ = {.present = true,
                 .namespaces = ns,
                 .n_namespaces = sizeof ns / sizeof ns[0] - (rootless ? 0 : 1),
                 .masked_paths = V(masked),
                 .readonly_paths = V(readonly)},
  };
  if (rootless) {
    cfg.linux_.uid_mappings = (oci_idmapv){&uid, 1};
    cfg.linux_.gid_mappings = (oci_idmapv){&gid, 1};
  }
  _cleanup_free_ char *json = oci_config_write(&cfg, true);
  _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
  cell_error_t err = {0};
  if (!json)
    return cli_fail("spec: out of memory");
  size_t len = strlen(json);
  json = xrealloc(json, len + 2);
  strcpy(json + len, "\n");
  if (write_file_at(AT_FDCWD, path, json, len + 1, O_CREAT | O_EXCL, &err) < 0)
    return cli_fail("spec: %s", err.msg);
  return 0;
}
