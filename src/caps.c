/* Capabilities, user identity and no_new_privs of the container process.
 * Raw capset/prctl: cheaper than building libcap's cap_t for five masks. */
#include "process.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const process_cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
    NULL,
};

#define N_CAP_NAMES ((int)(sizeof process_cap_names / sizeof(char *)) - 1)

int process_cap_from_name(const char *name) {
  if (!name || strncmp(name, "CAP_", 4) != 0)
    return -1;
  for (int i = 0; i < N_CAP_NAMES; i++)
    if (strcmp(process_cap_names[i] + 4, name + 4) == 0)
      return i;
  return -1;
}

/* The running kernel's last capability.  PR_CAPBSET_READ answers EINVAL
 * past it; probing around our own last name usually takes two calls and,
 * unlike /proc/sys/kernel/cap_last_cap, works without /proc. */
static int kernel_last_cap(void) {
  static int last = -1;
  if (last >= 0)
    return last;
  int c = N_CAP_NAMES - 1;
  if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0) {
    while (c < 63 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
      c++;
  } else {
    while (c > 0 && prctl(PR_CAPBSET_READ, --c, 0, 0, 0) < 0)
      ;
  }
  return last = c;
}

static const char *cap_name(int c, char buf[16]) {
  if (c < N_CAP_NAMES)
    return process_cap_names[c];
  snprintf(buf, 16, "cap %d", c);
  return buf;
}

int process_cap_mask(const oci_strv *v, const char *set, uint64_t *mask,
                     cell_error_t *err) {
  *mask = 0;
  for (size_t i = 0; i < v->len; i++) {
    int c = process_cap_from_name(v->items[i]);
    if (c < 0)
      return cell_err(err, 0,
                      "process.capabilities.%s: unknown capability \"%s\"", set,
                      v->items[i] ? v->items[i] : "");
    *mask |= 1ULL << c;
  }
  return 0;
}

/* Capabilities the kernel does not know are skipped with one warning each:
 * a config written for a newer kernel must still run. */
static int caps_mask(const oci_strv *v, const char *set, int last,
                     uint64_t *warned, uint64_t *mask, cell_error_t *err) {
  if (process_cap_mask(v, set, mask, err) < 0)
    return -1;
  uint64_t unknown = last >= 63 ? 0 : *mask & ~((2ULL << last) - 1);
  for (int c = last + 1; c < 64 && unknown; c++)
    if ((unknown & (1ULL << c)) && !(*warned & (1ULL << c)))
      cell_warn("capability %s is not supported by the running kernel, "
                "ignored",
                process_cap_names[c]);
  *warned |= unknown;
  *mask &= ~unknown;
  return 0;
}

static int drop_bounding(uint64_t keep, int last, cell_error_t *err) {
  char buf[16];
  for (int c = 0; c <= last; c++) {
    if (keep & (1ULL << c))
      continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
      int e = errno;
      /* Without CAP_SETPCAP, a cap that is already gone is fine. */
      if (e == EPERM && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 0)
        continue;
      return cell_err(err, e, "drop %s from the bounding set",
                      cap_name(c, buf));
    }
  }
  return 0;
}

static int set_ids(const oci_user *u, bool userns, cell_error_t *err) {
  if (setgroups(u->n_additional_gids, u->additional_gids) < 0) {
    /* A user namespace with /proc/PID/setgroups "deny" (rootless with a
     * single mapping): there is nothing to clear when no groups are asked. */
    if (errno != EPERM || !userns)
      return cell_errno(err, "process.user.additionalGids: setgroups");
    if (u->n_additional_gids > 0)
      return cell_errno(err, "process.user.additionalGids: setgroups (denied "
                             "in this user namespace?)");
  }
  /* Keep the permitted set across the switch to a non-zero uid; the
   * capset below then decides what stays. */
  bool keep = u->uid != 0;
  if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return cell_errno(err, "prctl PR_SET_KEEPCAPS");
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return cell_errno(err, "process.user.gid: setresgid %u", u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return cell_errno(err, "process.user.uid: setresuid %u", u->uid);
  if (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return cell_errno(err, "prctl PR_SET_KEEPCAPS");
  return 0;
}

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh,
                    cell_error_t *err) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2] = {
      {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
      {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
  };
  if (syscall(SYS_capset, &hdr, d) < 0)
    return cell_errno(err, "process.capabilities: capset");
  return 0;
}

static int set_ambient(uint64_t amb, uint64_t prm, uint64_t inh, int last,
                       cell_error_t *err) {
  char buf[16];
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
    /* Kernels before 4.3 have no ambient set: nothing to clear. */
    if (errno == EINVAL && amb == 0)
      return 0;
    return cell_errno(err, "process.capabilities.ambient: clear");
  }
  for (int c = 0; c <= last; c++) {
    if (!(amb & (1ULL << c)))
      continue;
    if (!(prm & inh & (1ULL << c)))
      continue; /* process_validate warned */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return cell_errno(err, "process.capabilities.ambient: raise %s",
                        cap_name(c, buf));
  }
  return 0;
}

int process_set_user_and_caps(const oci_process *p, bool userns,
                              cell_error_t *err) {
  int last = kernel_last_cap();
  if (last > 63)
    last = 63;
  /* No capabilities object at all means no capabilities (not "keep the
   * runtime's"): the secure default. */
  uint64_t bnd = 0, eff = 0, prm = 0, inh = 0, amb = 0, warned = 0;
  const oci_caps *c = &p->caps;
  if (c->present &&
      (caps_mask(&c->bounding, "bounding", last, &warned, &bnd, err) < 0 ||
       caps_mask(&c->effective, "effective", last, &warned, &eff, err) < 0 ||
       caps_mask(&c->permitted, "permitted", last, &warned, &prm, err) < 0 ||
       caps_mask(&c->inheritable, "inheritable", last, &warned, &inh, err) <
           0 ||
       caps_mask(&c->ambient, "ambient", last, &warned, &amb, err) < 0))
    return -1;
  if (drop_bounding(bnd, last, err) < 0 || set_ids(&p->user, userns, err) < 0)
    return -1;
  umask(p->user.umask.set ? (mode_t)(p->user.umask.v & 07777) : 022);
  if (set_caps(eff, prm, inh, err) < 0)
    return -1;
  return set_ambient(amb, prm, inh, last, err);
}

int process_set_no_new_privs(const oci_process *p, cell_error_t *err) {
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return cell_errno(err, "prctl PR_SET_NO_NEW_PRIVS");
  return 0;
}
