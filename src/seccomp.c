/* linux.seccomp: names, validation, and the parent/init entry points.
 * Compiling is in cell_seccomp_compile.c, the BPF cache in seccomp_cache.c and
 * the notify listener hand-off in seccomp_notify.c. */
#include "cell_seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "seccomp_internal.h"
#include "utils.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

typedef struct {
  const char *name;
  uint32_t value;
} named;

static const named actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

static const named ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* Every architecture this libseccomp build knows. */
static const named archs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

static const named flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
     SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const cell_seccomp_action_names[] = {
    "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",      NULL};
const char *const cell_seccomp_op_names[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL};
const char *const cell_seccomp_flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL};
const char *const cell_seccomp_arch_names[] = {"SCMP_ARCH_X86",
                                               "SCMP_ARCH_X86_64",
                                               "SCMP_ARCH_X32",
                                               "SCMP_ARCH_ARM",
                                               "SCMP_ARCH_AARCH64",
                                               "SCMP_ARCH_MIPS",
                                               "SCMP_ARCH_MIPS64",
                                               "SCMP_ARCH_MIPS64N32",
                                               "SCMP_ARCH_MIPSEL",
                                               "SCMP_ARCH_MIPSEL64",
                                               "SCMP_ARCH_MIPSEL64N32",
                                               "SCMP_ARCH_PPC",
                                               "SCMP_ARCH_PPC64",
                                               "SCMP_ARCH_PPC64LE",
                                               "SCMP_ARCH_S390",
                                               "SCMP_ARCH_S390X",
                                               "SCMP_ARCH_PARISC",
                                               "SCMP_ARCH_PARISC64",
                                               "SCMP_ARCH_RISCV64",
#ifdef SCMP_ARCH_LOONGARCH64
                                               "SCMP_ARCH_LOONGARCH64",
#endif
#ifdef SCMP_ARCH_M68K
                                               "SCMP_ARCH_M68K",
#endif
#ifdef SCMP_ARCH_SH
                                               "SCMP_ARCH_SH",
                                               "SCMP_ARCH_SHEB",
#endif
                                               NULL};

static const named *lookup(const named *t, size_t n, const char *name) {
  for (size_t i = 0; name && i < n; i++)
    if (!strcmp(t[i].name, name))
      return &t[i];
  return NULL;
}

static bool takes_errno(uint32_t act) {
  uint32_t base = act & SECCOMP_RET_ACTION_FULL;
  return base == SCMP_ACT_ERRNO(0) || base == SCMP_ACT_TRACE(0);
}

int cell_seccomp_action_value(const char *name, const oci_opt_u64 *errno_ret,
                              uint32_t *act) {
  const named *a = lookup(actions, N(actions), name);
  if (!a)
    return -1;
  *act = a->value;
  if (takes_errno(a->value))
    *act |= (errno_ret && errno_ret->set ? (uint32_t)errno_ret->v : EPERM) &
            SECCOMP_RET_DATA;
  return 0;
}

int cell_seccomp_op_value(const char *name) {
  const named *o = lookup(ops, N(ops), name);
  return o ? (int)o->value : -1;
}

uint32_t cell_seccomp_arch_value(const char *name) {
  const named *a = lookup(archs, N(archs), name);
  return a ? a->value : 0;
}

unsigned int cell_seccomp_flag_value(const char *name) {
  const named *f = lookup(flags, N(flags), name);
  return f ? f->value : 0;
}

/* seccomp(2) checks the flags before it reads the program: EFAULT on a
 * NULL program means the flag itself was accepted. */
static bool kernel_has_flag(unsigned int flag) {
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER; /* only valid with it */
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 &&
         errno == EFAULT;
}

void cell_seccomp_supported_flags(const char **out) {
  size_t k = 0;
  for (size_t i = 0; i < N(flags); i++)
    if (kernel_has_flag(flags[i].value))
      out[k++] = flags[i].name;
  out[k] = NULL;
}

bool cell_seccomp_uses_notify(const oci_seccomp *s) {
  if (!s->present)
    return false;
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (s->syscalls[i].action &&
        !strcmp(s->syscalls[i].action, "SCMP_ACT_NOTIFY"))
      return true;
  return false;
}

/* An action name, and errnoRet only where the action returns one. */
static int check_action(const char *path, const char *name,
                        const oci_opt_u64 *errno_ret, const char *errno_key,
                        cell_error_t *err) {
  uint32_t act;
  if (cell_seccomp_action_value(name, errno_ret, &act) < 0)
    return cell_err(err, 0, "%s: unknown action \"%s\"", path, name);
  if (errno_ret->set && !takes_errno(act))
    return cell_err(err, 0, "%s: %s does not take an errno (%s)", errno_key,
                    name, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do");
  if (errno_ret->set && errno_ret->v > 4095)
    return cell_err(err, 0, "%s: %llu is not an errno (1-4095)", errno_key,
                    (unsigned long long)errno_ret->v);
  return 0;
}

static int check_syscall(const oci_seccomp_syscall *sc, size_t i,
                         cell_error_t *err) {
  char path[96], key[112];
  snprintf(path, sizeof path, "linux.seccomp.syscalls[%zu].action", i);
  snprintf(key, sizeof key, "linux.seccomp.syscalls[%zu].errnoRet", i);
  if (check_action(path, sc->action, &sc->errno_ret, key, err) < 0)
    return -1;
  if (!sc->names.len)
    return cell_err(err, 0, "linux.seccomp.syscalls[%zu].names: empty", i);
  if (sc->n_args > 6)
    return cell_err(err, 0,
                    "linux.seccomp.syscalls[%zu].args: %zu conditions, at "
                    "most 6",
                    i, sc->n_args);
  for (size_t j = 0; j < sc->n_args; j++) {
    const oci_seccomp_arg *a = &sc->args[j];
    if (cell_seccomp_op_value(a->op) < 0)
      return cell_err(err, 0,
                      "linux.seccomp.syscalls[%zu].args[%zu].op: unknown "
                      "operator \"%s\"",
                      i, j, a->op);
    if (a->index < 0 || a->index > 5)
      return cell_err(err, 0,
                      "linux.seccomp.syscalls[%zu].args[%zu].index: %lld is "
                      "not a syscall argument (0-5)",
                      i, j, (long long)a->index);
  }
  /* the init hands the listener to the parent with sendmsg right after
   * loading: notified, it would wait for an agent that has no fd yet */
  for (size_t j = 0; j < sc->names.len; j++)
    if (!strcmp(sc->action, "SCMP_ACT_NOTIFY") &&
        !strcmp(sc->names.items[j], "sendmsg"))
      return cell_err(err, 0,
                      "linux.seccomp.syscalls[%zu].names[%zu]: SCMP_ACT_NOTIFY "
                      "on sendmsg would block the hand-off of the listener",
                      i, j);
  /* unknown names are skipped when compiling: a profile written for a
   * newer kernel must still run here */
  for (size_t j = 0; j < sc->names.len; j++)
    if (seccomp_syscall_resolve_name(sc->names.items[j]) == __NR_SCMP_ERROR)
      cell_warn("linux.seccomp.syscalls[%zu].names[%zu]: unknown syscall "
                "\"%s\", skipped",
                i, j, sc->names.items[j]);
  return 0;
}

int cell_seccomp_validate(const oci_config *cfg, cell_error_t *err) {
  const oci_seccomp *s = &cfg->linux_.seccomp;
  if (!s->present)
    return 0;
  if (check_action("linux.seccomp.defaultAction", s->default_action,
                   &s->default_errno_ret, "linux.seccomp.defaultErrnoRet",
                   err) < 0)
    return -1;
  /* every syscall would stop the init before it could hand the listener
   * to anyone: nothing could ever answer */
  if (!strcmp(s->default_action, "SCMP_ACT_NOTIFY"))
    return cell_err(err, 0,
                    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
                    "the default action");
  for (size_t i = 0; i < s->architectures.len; i++)
    if (!cell_seccomp_arch_value(s->architectures.items[i]))
      return cell_err(err, 0,
                      "linux.seccomp.architectures[%zu]: unknown "
                      "architecture \"%s\"",
                      i, s->architectures.items[i]);
  for (size_t i = 0; i < s->flags.len; i++) {
    unsigned int f = cell_seccomp_flag_value(s->flags.items[i]);
    if (!f)
      return cell_err(err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"",
                      i, s->flags.items[i]);
    if (!kernel_has_flag(f))
      return cell_err(err, 0,
                      "linux.seccomp.flags[%zu]: %s is not supported by "
                      "this kernel",
                      i, s->flags.items[i]);
  }
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (check_syscall(&s->syscalls[i], i, err) < 0)
      return -1;
  if (cell_seccomp_uses_notify(s) && (!s->listener_path || !*s->listener_path))
    return cell_err(err, 0,
                    "linux.seccomp.listenerPath: required when a rule uses "
                    "SCMP_ACT_NOTIFY");
  return 0;
}

static unsigned int load_flags(const oci_seccomp *s, bool notify) {
  unsigned int f = 0;
  for (size_t i = 0; i < s->flags.len; i++)
    f |= cell_seccomp_flag_value(s->flags.items[i]);
  /* TSYNC and NEW_LISTENER are exclusive unless a failed sync may
   * report ESRCH; the init is single-threaded, so it never does */
  if (notify && (f & SECCOMP_FILTER_FLAG_TSYNC))
    f |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  if (!notify)
    f &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return f;
}

static long elapsed_us(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (t1.tv_sec - t0->tv_sec) * 1000000L +
         (t1.tv_nsec - t0->tv_nsec) / 1000;
}

int cell_seccomp_prepare(const oci_config *cfg, const char *root,
                         cell_seccomp_prog *p, cell_error_t *err) {
  const oci_seccomp *s = &cfg->linux_.seccomp;
  memset(p, 0, sizeof *p);
  if (!s->present)
    return 0;
  p->notify = cell_seccomp_uses_notify(s);
  p->flags = load_flags(s, p->notify);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  _cleanup_free_ char *key = cell_seccomp_cache_key(s);
  if (root && cell_seccomp_cache_get(root, key, &p->insns, &p->len) == 1) {
    cell_debug("seccomp: cache hit, %zu instructions in %ld us", p->len,
               elapsed_us(&t0));
    return 0;
  }
  if (cell_seccomp_compile(s, &p->insns, &p->len, err) < 0)
    return -1;
  cell_debug("seccomp: compiled %zu instructions in %ld us", p->len,
             elapsed_us(&t0));
  if (root)
    cell_seccomp_cache_put(root, key, p->insns, p->len);
  return 0;
}

void cell_seccomp_prog_free(cell_seccomp_prog *p) {
  free(p->insns);
  p->insns = NULL;
  p->len = 0;
}

/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the
 * user and capability change drops: load before it.  With it, as late as
 * possible, so the filter constrains only the container's program: right
 * before execve, except with SCMP_ACT_NOTIFY, where the listener fd must
 * reach the parent, which after create is gone: then before the init
 * reports ready. */
enum cell_seccomp_at cell_seccomp_stage(const cell_seccomp_prog *p,
                                        bool no_new_privs) {
  if (!p || !p->insns)
    return CELL_SECCOMP_NONE;
  if (!no_new_privs)
    return CELL_SECCOMP_BEFORE_USER;
  return p->notify ? CELL_SECCOMP_BEFORE_READY : CELL_SECCOMP_BEFORE_EXEC;
}

int cell_seccomp_load(const cell_seccomp_prog *p, int *listener,
                      cell_error_t *err) {
  *listener = -1;
  struct sock_fprog fp = {.len = (unsigned short)p->len, .filter = p->insns};
  unsigned int f =
      p->flags | (p->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, &fp);
  if (r < 0)
    return cell_errno(err, "linux.seccomp: load the filter");
  if (p->notify)
    *listener = (int)r;
  return 0;
}
