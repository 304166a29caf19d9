/* Process attributes other than user and capabilities (see caps.c):
 * validation of the whole process/linux attribute set, hostname, sysctl,
 * rlimits, oom_score_adj, personality, scheduler, I/O priority, affinity. */
#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "utils.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* glibc 2.36 has no sched_setattr wrapper nor struct; a private name avoids
 * clashing with libcs that do define it. */
struct cell_sched_attr {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
  uint32_t sched_util_min, sched_util_max;
};

typedef struct {
  const char *name;
  int value;
} named_int;

static const named_int sched_policies[] = {
    {"SCHED_OTHER", 0},    {"SCHED_FIFO", 1}, {"SCHED_RR", 2},
    {"SCHED_BATCH", 3},    {"SCHED_ISO", 4},  {"SCHED_IDLE", 5},
    {"SCHED_DEADLINE", 6}, {NULL, 0},
};

static const named_int sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0},
};

static const named_int ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
    {NULL, 0},
};

static int lookup(const named_int *t, const char *name) {
  for (; name && t->name; t++)
    if (strcmp(t->name, name) == 0)
      return t->value;
  return -1;
}

static bool has_namespace(const oci_config *cfg, const char *type) {
  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    if (cfg->linux_.namespaces[i].type &&
        strcmp(cfg->linux_.namespaces[i].type, type) == 0)
      return true;
  return false;
}

/* ---- cpu lists ("0-3,7") ---- */

#define MAX_CPUS 8192

/* Parses s; with set != NULL (sized for max+1 cpus) also fills it. */
static int parse_cpus(const char *s, long *max, cpu_set_t *set, size_t size) {
  long hi = -1;
  const char *p = s;
  if (!*p)
    return -1;
  for (;;) {
    char *end;
    if (*p < '0' || *p > '9')
      return -1;
    long a = strtol(p, &end, 10), b = a;
    if (*end == '-') {
      p = end + 1;
      if (*p < '0' || *p > '9')
        return -1;
      b = strtol(p, &end, 10);
    }
    if (a > b || b >= MAX_CPUS)
      return -1;
    if (b > hi)
      hi = b;
    for (long c = a; set && c <= b; c++)
      CPU_SET_S((size_t)c, size, set);
    if (*end == '\0')
      break;
    if (*end != ',')
      return -1;
    p = end + 1;
  }
  *max = hi;
  return 0;
}

int process_set_cpu_affinity(const char *cpus, cell_error_t *err) {
  long max;
  if (!cpus)
    return 0;
  if (parse_cpus(cpus, &max, NULL, 0) < 0)
    return cell_err(err, EINVAL, "cpu affinity \"%s\"", cpus);
  size_t size = CPU_ALLOC_SIZE(max + 1);
  cpu_set_t *set = CPU_ALLOC(max + 1);
  if (!set)
    return cell_errno(err, "cpu affinity \"%s\"", cpus);
  CPU_ZERO_S(size, set);
  parse_cpus(cpus, &max, set, size);
  int r = sched_setaffinity(0, size, set);
  CPU_FREE(set);
  if (r < 0)
    return cell_errno(err, "sched_setaffinity \"%s\"", cpus);
  return 0;
}

/* ---- cwd ---- */

int process_set_cwd(const oci_process *p, cell_error_t *err) {
  char buf[PATH_MAX];
  if (chdir(p->cwd) < 0)
    return cell_errno(err, "process.cwd: chdir `%s`", p->cwd);
  /* The kernel's getcwd says "(unreachable)/..." for a directory outside
   * our root (through a magic link or a symlink to one): one syscall. */
  if (syscall(SYS_getcwd, buf, sizeof buf) < 0)
    return cell_errno(err, "process.cwd: getcwd after chdir `%s`", p->cwd);
  if (buf[0] != '/')
    return cell_err(err, 0, "process.cwd: `%s` is outside the container root",
                    p->cwd);
  return 0;
}

/* ---- sysctl keys ---- */

/* Accepts "net.ipv4.ip_forward" and "net/ipv4/conf/eth0.100/forwarding"
 * (the slash form allows dots inside names).  Fills the /proc/sys relative
 * path and the dotted form used to decide the namespace. */
static int sysctl_key(const char *key, char **path, char **dotted) {
  char sep = strchr(key, '/') ? '/' : '.';
  const char *p = key;
  for (;;) {
    const char *e = strchrnul(p, sep);
    size_t n = (size_t)(e - p);
    if (n == 0 || (n == 1 && p[0] == '.') ||
        (n == 2 && p[0] == '.' && p[1] == '.'))
      return -1;
    if (!*e)
      break;
    p = e + 1;
  }
  char *a = xstrdup(key), *b = xstrdup(key);
  for (char *c = a; *c; c++)
    if (*c == '.' && sep == '.')
      *c = '/';
  for (char *c = b; *c; c++)
    if (*c == '/')
      *c = '.';
  *path = a;
  *dotted = b;
  return 0;
}

/* The namespace that makes a sysctl private to the container, or NULL when
 * the kernel does not namespace it (writing it would change the host). */
static const char *sysctl_namespace(const char *k) {
  static const char *const ipc[] = {
      "kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni",
      "kernel.sem",    "kernel.shmall",          "kernel.shmmax",
      "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
  };
  if (strncmp(k, "net.", 4) == 0)
    return "network";
  if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
    return "uts";
  if (strncmp(k, "fs.mqueue.", 10) == 0)
    return "ipc";
  for (size_t i = 0; ipc[i]; i++)
    if (strcmp(k, ipc[i]) == 0)
      return "ipc";
  return NULL;
}

static int validate_sysctl(const oci_config *cfg, cell_error_t *err) {
  const oci_map *m = &cfg->linux_.sysctl;
  for (size_t i = 0; i < m->len; i++) {
    const char *key = m->items[i].key;
    _cleanup_free_ char *path = NULL, *dotted = NULL;
    if (!key || sysctl_key(key, &path, &dotted) < 0)
      return cell_err(err, 0, "linux.sysctl: invalid key \"%s\"",
                      key ? key : "");
    const char *ns = sysctl_namespace(dotted);
    if (!ns)
      return cell_err(err, 0,
                      "linux.sysctl \"%s\": not namespaced by the kernel, "
                      "refusing to change the host",
                      key);
    if (!has_namespace(cfg, ns))
      return cell_err(err, 0,
                      "linux.sysctl \"%s\": requires a private %s namespace",
                      key, ns);
  }
  return 0;
}

int process_set_sysctl(const oci_config *cfg, cell_error_t *err) {
  const oci_map *m = &cfg->linux_.sysctl;
  if (m->len == 0)
    return 0;
  _cleanup_close_ int dir =
      open("/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return cell_errno(err, "linux.sysctl: open `/proc/sys`");
  /* The container's /proc could be anything the image put there. */
  struct statfs sfs;
  if (fstatfs(dir, &sfs) < 0)
    return cell_errno(err, "linux.sysctl: statfs `/proc/sys`");
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return cell_err(err, 0, "linux.sysctl: `/proc/sys` is not procfs");
  for (size_t i = 0; i < m->len; i++) {
    const char *key = m->items[i].key, *val = m->items[i].value;
    _cleanup_free_ char *path = NULL, *dotted = NULL;
    if (!key || sysctl_key(key, &path, &dotted) < 0)
      return cell_err(err, 0, "linux.sysctl: invalid key \"%s\"",
                      key ? key : "");
    if (!val)
      val = "";
    if (write_file_at(dir, path, val, strlen(val), O_NOFOLLOW, err) < 0)
      return cell_err_prefix(err, "linux.sysctl \"%s\"", key);
  }
  return 0;
}

/* ---- validation ---- */

static int validate_caps(const oci_caps *c, cell_error_t *err) {
  uint64_t bnd, eff, inh, prm, amb;
  if (process_cap_mask(&c->bounding, "bounding", &bnd, err) < 0 ||
      process_cap_mask(&c->effective, "effective", &eff, err) < 0 ||
      process_cap_mask(&c->inheritable, "inheritable", &inh, err) < 0 ||
      process_cap_mask(&c->permitted, "permitted", &prm, err) < 0 ||
      process_cap_mask(&c->ambient, "ambient", &amb, err) < 0)
    return -1;
  /* The kernel refuses these at capset/PR_CAP_AMBIENT time; say so before
   * anything is created. */
  for (int i = 0; process_cap_names[i]; i++) {
    uint64_t b = 1ULL << i;
    if ((eff & b) && !(prm & b))
      return cell_err(err, 0,
                      "process.capabilities.effective: \"%s\" is not in the "
                      "permitted set",
                      process_cap_names[i]);
    /* The kernel cannot raise these; runc and crun skip them (crun's own
     * `spec` asks for such), so skipping is compatible and grants less. */
    if ((amb & b) && !(prm & inh & b))
      cell_warn("process.capabilities.ambient: \"%s\" is not in both the "
                "permitted and inheritable sets, not raised",
                process_cap_names[i]);
  }
  return 0;
}

static int validate_rlimits(const oci_process *p, cell_error_t *err) {
  uint64_t seen = 0;
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const oci_rlimit *r = &p->rlimits[i];
    int res = oci_rlimit_from_name(r->type);
    if (res < 0 || res >= 64)
      return cell_err(err, 0, "process.rlimits: unknown rlimit \"%s\"",
                      r->type ? r->type : "");
    if (seen & (1ULL << res))
      return cell_err(err, 0, "process.rlimits: duplicate rlimit \"%s\"",
                      r->type);
    seen |= 1ULL << res;
    if (r->soft > r->hard)
      return cell_err(err, 0,
                      "process.rlimits: %s: soft limit %llu exceeds hard "
                      "limit %llu",
                      r->type, (unsigned long long)r->soft,
                      (unsigned long long)r->hard);
  }
  return 0;
}

static int validate_scheduler(const oci_scheduler *s, cell_error_t *err) {
  int pol = lookup(sched_policies, s->policy);
  if (pol < 0)
    return cell_err(err, 0, "process.scheduler.policy: unknown policy \"%s\"",
                    s->policy ? s->policy : "");
  for (size_t i = 0; i < s->flags.len; i++)
    if (lookup(sched_flags, s->flags.items[i]) < 0)
      return cell_err(err, 0, "process.scheduler.flags: unknown flag \"%s\"",
                      s->flags.items[i] ? s->flags.items[i] : "");
  if (s->nice < -20 || s->nice > 19)
    return cell_err(err, 0,
                    "process.scheduler.nice: %d is out of range -20..19",
                    (int)s->nice);
  bool rt = pol == SCHED_FIFO || pol == SCHED_RR;
  if (rt && (s->priority < 1 || s->priority > 99))
    return cell_err(err, 0,
                    "process.scheduler.priority: %d is out of range 1..99 "
                    "for %s",
                    (int)s->priority, s->policy);
  if (!rt && s->priority != 0)
    return cell_err(err, 0, "process.scheduler.priority: must be 0 for %s",
                    s->policy);
  if (pol != SCHED_DEADLINE && (s->runtime || s->deadline || s->period))
    return cell_err(err, 0,
                    "process.scheduler: runtime, deadline and period are only "
                    "for SCHED_DEADLINE");
  return 0;
}

int process_validate(const oci_config *cfg, cell_error_t *err) {
  const oci_process *p = cfg->process;
  const oci_linux *l = &cfg->linux_;
  long max;
  if (p) {
    if (p->caps.present && validate_caps(&p->caps, err) < 0)
      return -1;
    if (validate_rlimits(p, err) < 0)
      return -1;
    if (p->scheduler.present && validate_scheduler(&p->scheduler, err) < 0)
      return -1;
    if (p->io_priority.present) {
      if (lookup(ioprio_classes, p->io_priority.klass) < 0)
        return cell_err(err, 0,
                        "process.ioPriority.class: unknown class \"%s\"",
                        p->io_priority.klass ? p->io_priority.klass : "");
      if (p->io_priority.priority < 0 || p->io_priority.priority > 7)
        return cell_err(err, 0,
                        "process.ioPriority.priority: %d is out of range 0..7",
                        (int)p->io_priority.priority);
    }
    if (p->oom_score_adj.set &&
        (p->oom_score_adj.v < -1000 || p->oom_score_adj.v > 1000))
      return cell_err(err, 0,
                      "process.oomScoreAdj: %lld is out of range -1000..1000",
                      (long long)p->oom_score_adj.v);
    const char *aff[] = {p->exec_cpu_affinity.initial,
                         p->exec_cpu_affinity.final};
    for (int i = 0; i < 2; i++)
      if (aff[i] && parse_cpus(aff[i], &max, NULL, 0) < 0)
        return cell_err(err, 0,
                        "process.execCPUAffinity.%s: invalid cpu list \"%s\"",
                        i ? "final" : "initial", aff[i]);
  }
  if (l->personality.present &&
      !(l->personality.domain && (!strcmp(l->personality.domain, "LINUX") ||
                                  !strcmp(l->personality.domain, "LINUX32"))))
    return cell_err(err, 0, "linux.personality.domain: unknown domain \"%s\"",
                    l->personality.domain ? l->personality.domain : "");
  if ((cfg->hostname || cfg->domainname) && !has_namespace(cfg, "uts"))
    return cell_err(err, 0, "%s: requires a private uts namespace",
                    cfg->hostname ? "hostname" : "domainname");
  return validate_sysctl(cfg, err);
}

/* ---- setters ---- */

int process_set_hostname(const oci_config *cfg, cell_error_t *err) {
  if (!cfg->hostname && !cfg->domainname)
    return 0;
  if (!has_namespace(cfg, "uts"))
    return cell_err(err, 0, "%s: requires a private uts namespace",
                    cfg->hostname ? "hostname" : "domainname");
  if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
    return cell_errno(err, "sethostname \"%s\"", cfg->hostname);
  if (cfg->domainname &&
      setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
    return cell_errno(err, "setdomainname \"%s\"", cfg->domainname);
  return 0;
}

int process_set_rlimits(const oci_process *p, cell_error_t *err) {
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const oci_rlimit *r = &p->rlimits[i];
    int res = oci_rlimit_from_name(r->type);
    if (res < 0)
      return cell_err(err, 0, "process.rlimits: unknown rlimit \"%s\"",
                      r->type ? r->type : "");
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit(res, &rl) < 0)
      return cell_errno(err,
                        "process.rlimits: setrlimit %s (soft %llu, hard "
                        "%llu)",
                        r->type, (unsigned long long)r->soft,
                        (unsigned long long)r->hard);
  }
  return 0;
}

int process_set_oom_score_adj(const oci_process *p, int pid,
                              cell_error_t *err) {
  if (!p->oom_score_adj.set)
    return 0;
  char path[64], val[32];
  snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
  int n = snprintf(val, sizeof val, "%lld", (long long)p->oom_score_adj.v);
  if (write_file_at(AT_FDCWD, path, val, (size_t)n, 0, err) < 0)
    return cell_err_prefix(err, "process.oomScoreAdj");
  return 0;
}

int process_set_personality(const oci_linux *l, cell_error_t *err) {
  if (!l->personality.present)
    return 0;
  const char *d = l->personality.domain ? l->personality.domain : "";
  unsigned long per;
  if (strcmp(d, "LINUX") == 0)
    per = PER_LINUX;
  else if (strcmp(d, "LINUX32") == 0)
    per = PER_LINUX32;
  else
    return cell_err(err, 0, "linux.personality.domain: unknown domain \"%s\"",
                    d);
  /* personality.flags are reserved by the spec: nothing to apply. */
  if (personality(per) < 0)
    return cell_errno(err, "personality %s", d);
  return 0;
}

int process_set_scheduler(const oci_process *p, cell_error_t *err) {
  const oci_scheduler *s = &p->scheduler;
  if (!s->present)
    return 0;
  int pol = lookup(sched_policies, s->policy);
  if (pol < 0)
    return cell_err(err, 0, "process.scheduler.policy: unknown policy \"%s\"",
                    s->policy ? s->policy : "");
  struct cell_sched_attr a = {
      .size = sizeof a,
      .sched_policy = (uint32_t)pol,
      .sched_nice = s->nice,
      .sched_priority = (uint32_t)s->priority,
      .sched_runtime = s->runtime,
      .sched_deadline = s->deadline,
      .sched_period = s->period,
  };
  for (size_t i = 0; i < s->flags.len; i++) {
    int f = lookup(sched_flags, s->flags.items[i]);
    if (f < 0)
      return cell_err(err, 0, "process.scheduler.flags: unknown flag \"%s\"",
                      s->flags.items[i] ? s->flags.items[i] : "");
    a.sched_flags |= (uint64_t)f;
  }
  /* The spec has no clamp values: -1 asks for the defaults.  Older kernels
   * only take the 48-byte struct, so send the util fields only when used. */
  if (a.sched_flags & 0x60) {
    a.sched_util_min = a.sched_util_max = UINT32_MAX;
  } else {
    a.size = offsetof(struct cell_sched_attr, sched_util_min);
  }
  if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
    return cell_errno(err, "process.scheduler: sched_setattr %s", s->policy);
  return 0;
}

int process_set_ioprio(const oci_process *p, cell_error_t *err) {
  const oci_ioprio *io = &p->io_priority;
  if (!io->present)
    return 0;
  int klass = lookup(ioprio_classes, io->klass);
  if (klass < 0 || io->priority < 0 || io->priority > 7)
    return cell_err(err, 0,
                    "process.ioPriority: invalid class \"%s\" or "
                    "priority %d",
                    io->klass ? io->klass : "", (int)io->priority);
  /* IOPRIO_WHO_PROCESS, this process; the class sits above 13 data bits. */
  if (syscall(SYS_ioprio_set, 1, 0, klass << 13 | io->priority) < 0)
    return cell_errno(err, "process.ioPriority: ioprio_set %s %d", io->klass,
                      (int)io->priority);
  return 0;
}

/* ---- exec ---- */

int process_find_executable(const oci_process *p, char **out,
                            cell_error_t *err) {
  const char *arg0 = p->args.items[0];
  if (strchr(arg0, '/')) {
    /* a missing or non-executable program fails before start, as a PATH
     * miss does: after start, nobody hears the init's error */
    struct stat st;
    if (stat(arg0, &st) < 0)
      return cell_errno(err, "exec: `%s`", arg0);
    if (!S_ISREG(st.st_mode) || access(arg0, X_OK) < 0)
      return cell_err(err, EACCES, "exec: `%s`", arg0);
    *out = xstrdup(arg0);
    return 0;
  }
  const char *path = PROCESS_DEFAULT_PATH;
  for (size_t i = 0; i < p->env.len; i++)
    if (!strncmp(p->env.items[i], "PATH=", 5))
      path = p->env.items[i] + 5;
  _cleanup_free_ char *copy = xstrdup(path);
  char *save = NULL;
  for (char *dir = strtok_r(copy, ":", &save); dir;
       dir = strtok_r(NULL, ":", &save)) {
    _cleanup_free_ char *cand = xasprintf("%s/%s", *dir ? dir : ".", arg0);
    struct stat st;
    if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
        access(cand, X_OK) == 0) {
      *out = steal_ptr(&cand);
      return 0;
    }
  }
  return cell_err(err, 0, "exec: `%s`: executable file not found in $PATH",
                  arg0);
}

int process_prepare_fds(int preserve, cell_error_t *err) {
  for (int fd = 3; fd < 3 + preserve; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
      fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  /* kernels before 5.11: walk /proc/self/fd */
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return cell_errno(err, "list `/proc/self/fd`");
  struct dirent *de;
  while ((de = readdir(d))) {
    int fd = atoi(de->d_name);
    if (fd >= 3 + preserve && fd != dirfd(d))
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(d);
  return 0;
}

char **process_strv_dup(const oci_strv *v) {
  char **out = xcalloc(v->len + 1, sizeof(char *));
  if (v->len)
    memcpy(out, v->items, v->len * sizeof(char *));
  return out;
}
