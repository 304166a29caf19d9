/* `cell features`: the runtime-spec features document.  It says only what
 * this build really does; what is refused today is listed as disabled. */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cell_seccomp.h"
#include "cli.h"
#include "config.h"
#include "process.h"
#include "rootfs.h"

static void str(yajl_gen g, const char *s) {
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void strs(yajl_gen g, const char *key, const char *const *v) {
  str(g, key);
  yajl_gen_array_open(g);
  for (; *v; v++)
    str(g, *v);
  yajl_gen_array_close(g);
}

static void flag(yajl_gen g, const char *key, bool on) {
  str(g, key);
  yajl_gen_map_open(g);
  str(g, "enabled");
  yajl_gen_bool(g, on);
  yajl_gen_map_close(g);
}

int cmd_features(const cell_globals *gl, int argc, char **argv) {
  static const char *const hooks[] = {"prestart",
                                      "createRuntime",
                                      "createContainer",
                                      "startContainer",
                                      "poststart",
                                      "poststop",
                                      NULL};
  static const char *const ns[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                   "time",   "user", "uts",   NULL};
  static const char *const cgroup_keys[] = {"v1",          "v2",   "systemd",
                                            "systemdUser", "rdma", NULL};
  if (cli_need_args("features", argc, 1, 0, ""))
    return 1;
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_config(g, yajl_gen_beautify, 1);
  yajl_gen_config(g, yajl_gen_indent_string, "  ");
  yajl_gen_map_open(g);
  str(g, "ociVersionMin");
  str(g, "1.0.0");
  str(g, "ociVersionMax");
  str(g, "1.3.0");
  strs(g, "hooks", hooks);
  strs(g, "mountOptions", rootfs_known_mount_options);
  str(g, "linux");
  yajl_gen_map_open(g);
  strs(g, "namespaces", ns);
  strs(g, "capabilities", process_cap_names);
  /* cgroupfs driver for v1 and v2 (rdma where the controller is); the
   * systemd driver on v2, with the system manager or (rootless) the
   * caller's user manager */
  str(g, "cgroup");
  yajl_gen_map_open(g);
  for (const char *const *k = cgroup_keys; *k; k++) {
    str(g, *k);
    yajl_gen_bool(g, 1);
  }
  yajl_gen_map_close(g);
  str(g, "seccomp");
  yajl_gen_map_open(g);
  str(g, "enabled");
  yajl_gen_bool(g, 1);
  strs(g, "actions", cell_seccomp_action_names);
  strs(g, "operators", cell_seccomp_op_names);
  strs(g, "archs", cell_seccomp_arch_names);
  strs(g, "knownFlags", cell_seccomp_flag_names);
  const char *supported[8];
  cell_seccomp_supported_flags(supported);
  strs(g, "supportedFlags", supported);
  yajl_gen_map_close(g);
  flag(g, "apparmor", false);
  flag(g, "selinux", false);
  flag(g, "intelRdt", false);
  str(g, "mountExtensions");
  yajl_gen_map_open(g);
  flag(g, "idmap", false);
  yajl_gen_map_close(g);
  flag(g, "netDevices", false);
  yajl_gen_map_close(g);
  str(g, "annotations");
  yajl_gen_map_open(g);
  str(g, "run.cell.version");
  str(g, PACKAGE_VERSION);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  printf("%.*s\n", (int)len, buf);
  yajl_gen_free(g);
  return 0;
}
