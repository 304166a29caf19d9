/* A linux.seccomp profile to classic BPF: libseccomp builds the filter,
 * then cell puts an ENOSYS stub in front of it (below). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "seccomp_internal.h"
#include "utils.h"

/* Bump when the program cell makes from the same profile changes. */
#define COMPILER_REVISION 1

#define X32_BIT 0x40000000U
/* x32's own compat syscalls sit at 512-547, above any "new" syscall */
#define X32_COMPAT_BASE 512U
/* ARM's private syscalls (cacheflush, set_tls...) start here */
#define ARM_PRIVATE_BASE 0x0f0000U
#define MAX_ARCHS 32

static void ctx_release(scmp_filter_ctx *c) {
  if (*c)
    seccomp_release(*c);
}

/* Several conditions on one argument cannot be ANDed in one libseccomp
 * rule (it refuses them); like other runtimes, each becomes its own rule,
 * so they are ORed. Distinct arguments stay one ANDed rule. */
static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr,
                    const oci_seccomp_syscall *sc, size_t i, const char *name,
                    cell_error_t *err) {
  struct scmp_arg_cmp c[6];
  bool same_arg = false;
  for (size_t j = 0; j < sc->n_args; j++) {
    c[j] = (struct scmp_arg_cmp){.arg = (unsigned int)sc->args[j].index,
                                 .op = cell_seccomp_op_value(sc->args[j].op),
                                 .datum_a = sc->args[j].value,
                                 .datum_b = sc->args[j].value_two};
    for (size_t k = 0; k < j; k++)
      same_arg |= c[k].arg == c[j].arg;
  }
  int rc = 0;
  if (!same_arg)
    rc = seccomp_rule_add_array(ctx, act, nr, (unsigned int)sc->n_args, c);
  for (size_t j = 0; same_arg && rc == 0 && j < sc->n_args; j++)
    rc = seccomp_rule_add_array(ctx, act, nr, 1, &c[j]);
  if (rc < 0)
    return cell_err(err, -rc, "linux.seccomp.syscalls[%zu]: rule for `%s`", i,
                    name);
  return 0;
}

static int add_rules(scmp_filter_ctx ctx, const oci_seccomp *s, uint32_t def,
                     cell_error_t *err) {
  for (size_t i = 0; i < s->n_syscalls; i++) {
    const oci_seccomp_syscall *sc = &s->syscalls[i];
    uint32_t act;
    cell_seccomp_action_value(sc->action, &sc->errno_ret, &act);
    /* libseccomp refuses a rule that only repeats the default */
    if (act == def)
      continue;
    for (size_t j = 0; j < sc->names.len; j++) {
      int nr = seccomp_syscall_resolve_name(sc->names.items[j]);
      if (nr == __NR_SCMP_ERROR)
        continue; /* warned about in validation */
      if (add_rule(ctx, act, nr, sc, i, sc->names.items[j], err) < 0)
        return -1;
    }
  }
  return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **insns,
                      size_t *len, cell_error_t *err) {
  _cleanup_close_ int fd = memfd_create("cell-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return cell_errno(err, "linux.seccomp: memfd_create");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return cell_err(err, -rc, "linux.seccomp: export the filter");
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0 || size % (off_t)sizeof(struct sock_filter))
    return cell_err(err, EINVAL, "linux.seccomp: exported filter");
  struct sock_filter *f = xmalloc((size_t)size);
  if (pread(fd, f, (size_t)size, 0) != size) {
    free(f);
    return cell_errno(err, "linux.seccomp: read the exported filter");
  }
  *insns = f;
  *len = (size_t)size / sizeof *f;
  return 0;
}

/* ---- the ENOSYS stub ------------------------------------------------
 * A profile lists the syscalls its author knew of.  One the kernel added
 * later (clone3 for a profile older than 5.3) would get the default
 * action, usually EPERM, and glibc only falls back to the older syscall
 * on ENOSYS: the program breaks instead of degrading.  So, per audit
 * architecture, every syscall number above the highest one the profile
 * names is treated as unknown to the profile and answered ENOSYS, as the
 * kernel itself would for a syscall it lacks.  Numbers at or below it
 * keep the default: the profile's author knew them and chose not to list
 * them.  This holds as long as syscall numbers grow with time, which they
 * do within each table; the ranges that break that rule (x32's compat
 * calls at 512+, ARM's private calls) are left to the profile.
 *
 * It is done as a few BPF instructions in front of libseccomp's program
 * (libseccomp can only name syscalls it knows, and a kernel newer than
 * libseccomp has more), and only when the default action refuses (ERRNO,
 * KILL*, TRAP): an allowing or logging default already lets them run.
 *
 *   ld arch
 *   per arch:  jeq ARCH ? on : next-arch
 *              ld nr
 *   (x86_64)   jge X32_BIT ? x32-part : on         ; x32 comes as x86_64
 *   (others)   jge LIMIT ? main : on               ; private ranges
 *              jgt MAX ? enosys : main
 *   (x32-part) jge X32_BIT+512 ? main : on
 *              jgt MAX_X32 ? enosys : main
 *   enosys:    ret ERRNO(ENOSYS)
 *   main:      libseccomp's program, which loads what it needs itself
 * At most 7 instructions per arch and 24 arches: every jump fits jt/jf's
 * 8 bits. */

typedef struct {
  uint32_t audit;  /* seccomp_data.arch */
  int64_t max;     /* highest number the profile names, or -1 */
  int64_t max_x32; /* same for x32 (x86_64 only), with X32_BIT */
  uint32_t limit;  /* numbers from here on are left to the profile */
} stub_arch;

static uint32_t limit_of(uint32_t token) {
  if (token == SCMP_ARCH_ARM)
    return ARM_PRIVATE_BASE;
  if (token == SCMP_ARCH_X32)
    return X32_BIT + X32_COMPAT_BASE;
  return X32_BIT;
}

static int64_t highest(const oci_seccomp *s, uint32_t token) {
  int64_t max = -1;
  uint32_t limit = limit_of(token);
  for (size_t i = 0; i < s->n_syscalls; i++)
    for (size_t j = 0; j < s->syscalls[i].names.len; j++) {
      int nr = seccomp_syscall_resolve_name_arch(token,
                                                 s->syscalls[i].names.items[j]);
      /* negative: a pseudo-syscall, absent on this arch */
      if (nr >= 0 && (uint32_t)nr < limit && nr > max)
        max = nr;
    }
  return max;
}

static size_t stub_archs(const oci_seccomp *s, stub_arch *out) {
  uint32_t tokens[MAX_ARCHS];
  size_t nt = 0, n = 0;
  tokens[nt++] = seccomp_arch_native();
  for (size_t i = 0; i < s->architectures.len && nt < MAX_ARCHS; i++)
    tokens[nt++] = cell_seccomp_arch_value(s->architectures.items[i]);
  for (size_t t = 0; t < nt; t++) {
    bool x32 = tokens[t] == SCMP_ARCH_X32;
    uint32_t audit = x32 ? AUDIT_ARCH_X86_64 : tokens[t];
    size_t k = 0;
    while (k < n && out[k].audit != audit)
      k++;
    if (k == n)
      out[n++] = (stub_arch){audit, -1, -1, limit_of(audit)};
    if (x32)
      out[k].max_x32 = highest(s, SCMP_ARCH_X32);
    else
      out[k].max = highest(s, tokens[t]);
  }
  return n;
}

enum { T_NEXT = 1000, T_X32, T_ENOSYS, T_MAIN };

typedef struct {
  struct sock_filter f[8 * MAX_ARCHS + 4];
  int jt[8 * MAX_ARCHS + 4], jf[8 * MAX_ARCHS + 4], ja[8 * MAX_ARCHS + 4];
  int group[8 * MAX_ARCHS + 4];
  size_t n;
} stub_buf;

static void emit(stub_buf *b, int grp, uint16_t code, uint32_t k, int jt,
                 int jf) {
  b->f[b->n] = (struct sock_filter){code, 0, 0, k};
  b->jt[b->n] = jt;
  b->jf[b->n] = jf;
  b->ja[b->n] = code == (BPF_JMP | BPF_JA) ? jt : 0;
  b->group[b->n] = grp;
  b->n++;
}

/* Targets are symbolic until every block's position is known. */
static int resolve(const stub_buf *b, size_t pc, int t, const size_t *next,
                   const size_t *x32, size_t enosys, size_t main) {
  size_t to = pc + 1;
  switch (t) {
  case 0:
    return 0;
  case T_NEXT:
    to = next[b->group[pc]];
    break;
  case T_X32:
    to = x32[b->group[pc]];
    break;
  case T_ENOSYS:
    to = enosys;
    break;
  case T_MAIN:
    to = main;
    break;
  }
  return (int)(to - pc - 1);
}

static size_t build_stub(const stub_arch *a, size_t n,
                         struct sock_filter *out) {
  stub_buf b = {.n = 0};
  size_t next[MAX_ARCHS + 1], x32[MAX_ARCHS], start[MAX_ARCHS + 1];
  size_t g = 0;
  emit(&b, 0, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0,
       0);
  for (size_t i = 0; i < n; i++) {
    if (a[i].max < 0 && a[i].max_x32 < 0)
      continue;
    start[g] = b.n;
    emit(&b, (int)g, BPF_JMP | BPF_JEQ | BPF_K, a[i].audit, 0, T_NEXT);
    emit(&b, (int)g, BPF_LD | BPF_W | BPF_ABS,
         offsetof(struct seccomp_data, nr), 0, 0);
    if (a[i].audit == AUDIT_ARCH_X86_64)
      emit(&b, (int)g, BPF_JMP | BPF_JGE | BPF_K, X32_BIT,
           a[i].max_x32 >= 0 ? T_X32 : T_MAIN, 0);
    if (a[i].max >= 0) {
      if (a[i].audit != AUDIT_ARCH_X86_64) /* x86_64 checked X32_BIT */
        emit(&b, (int)g, BPF_JMP | BPF_JGE | BPF_K, a[i].limit, T_MAIN, 0);
      emit(&b, (int)g, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)a[i].max, T_ENOSYS,
           T_MAIN);
    } else {
      emit(&b, (int)g, BPF_JMP | BPF_JA, 0, T_MAIN, 0);
    }
    if (a[i].audit == AUDIT_ARCH_X86_64 && a[i].max_x32 >= 0) {
      x32[g] = b.n;
      emit(&b, (int)g, BPF_JMP | BPF_JGE | BPF_K, X32_BIT + X32_COMPAT_BASE,
           T_MAIN, 0);
      emit(&b, (int)g, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)a[i].max_x32,
           T_ENOSYS, T_MAIN);
    }
    g++;
  }
  if (!g)
    return 0;
  size_t enosys = b.n;
  emit(&b, 0, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
  size_t main = b.n;
  for (size_t i = 0; i < g; i++)
    next[i] = i + 1 < g ? start[i + 1] : main;
  for (size_t pc = 0; pc < b.n; pc++) {
    out[pc] = b.f[pc];
    if (b.f[pc].code == (BPF_JMP | BPF_JA)) {
      out[pc].k = (uint32_t)resolve(&b, pc, b.ja[pc], next, x32, enosys, main);
    } else if (BPF_CLASS(b.f[pc].code) == BPF_JMP) {
      out[pc].jt = (uint8_t)resolve(&b, pc, b.jt[pc], next, x32, enosys, main);
      out[pc].jf = (uint8_t)resolve(&b, pc, b.jf[pc], next, x32, enosys, main);
    }
  }
  return b.n;
}

static bool default_refuses(uint32_t def) {
  uint32_t base = def & SECCOMP_RET_ACTION_FULL;
  return base == SCMP_ACT_ERRNO(0) || base == SCMP_ACT_KILL_THREAD ||
         base == SCMP_ACT_KILL_PROCESS || base == SCMP_ACT_TRAP;
}

static int add_enosys_stub(const oci_seccomp *s, uint32_t def,
                           struct sock_filter **insns, size_t *len,
                           cell_error_t *err) {
  stub_arch a[MAX_ARCHS];
  struct sock_filter stub[8 * MAX_ARCHS + 4];
  if (!default_refuses(def))
    return 0;
  size_t n = build_stub(a, stub_archs(s, a), stub);
  if (!n)
    return 0;
  if (*len + n > BPF_MAXINSNS)
    return cell_err(err, E2BIG, "linux.seccomp: filter of %zu instructions",
                    *len + n);
  struct sock_filter *f = xmalloc((*len + n) * sizeof *f);
  memcpy(f, stub, n * sizeof *f);
  memcpy(f + n, *insns, *len * sizeof *f);
  free(*insns);
  *insns = f;
  *len += n;
  return 0;
}

int cell_seccomp_compile(const oci_seccomp *s, struct sock_filter **insns,
                         size_t *len, cell_error_t *err) {
  uint32_t def;
  cell_seccomp_action_value(s->default_action, &s->default_errno_ret, &def);
  __attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx)
    return cell_err(err, 0,
                    "linux.seccomp.defaultAction: libseccomp refused "
                    "\"%s\"",
                    s->default_action);
  /* cell sets no_new_privs itself, from process.noNewPrivileges */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  /* a binary search over syscall numbers: big profiles cost less per
   * syscall */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < s->architectures.len; i++) {
    int rc = seccomp_arch_add(
        ctx, cell_seccomp_arch_value(s->architectures.items[i]));
    /* a filter holds one byte order: an arch of the other can never
     * reach this kernel, so there is nothing to filter */
    if (rc == -EDOM)
      cell_debug("linux.seccomp.architectures[%zu]: \"%s\" skipped, other "
                 "byte order",
                 i, s->architectures.items[i]);
    else if (rc < 0 && rc != -EEXIST)
      return cell_err(err, -rc, "linux.seccomp.architectures[%zu]: add \"%s\"",
                      i, s->architectures.items[i]);
  }
  if (add_rules(ctx, s, def, err) < 0 || export_bpf(ctx, insns, len, err) < 0)
    return -1;
  if (add_enosys_stub(s, def, insns, len, err) < 0) {
    free(*insns);
    *insns = NULL;
    return -1;
  }
  return 0;
}

/* ---- cache key -------------------------------------------------------
 * Everything the program depends on, in a form where different inputs
 * never print the same: strings carry their length.  Action and operator
 * names are printed resolved, so equal profiles spelled differently (an
 * absent errnoRet and an explicit EPERM) share an entry. */

typedef struct {
  char *buf;
  size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    b->cap = (b->cap + (size_t)n + 1) * 2;
    b->buf = xrealloc(b->buf, b->cap);
  }
}

static void put_str(sbuf *b, const char *s) {
  put(b, "%zu:%s ", strlen(s), s);
}

char *cell_seccomp_cache_key(const oci_seccomp *s) {
  sbuf b = {xmalloc(4096), 0, 4096};
  const struct scmp_version *v = seccomp_version();
  struct utsname u;
  uint32_t act;
  if (uname(&u) < 0)
    memset(&u, 0, sizeof u);
  put(&b, "cell %s compiler %d\n", PACKAGE_VERSION, COMPILER_REVISION);
  put(&b, "libseccomp %u.%u.%u api %u\n", v->major, v->minor, v->micro,
      seccomp_api_get());
  put(&b, "kernel %s %s native %#x\n", u.release, u.machine,
      seccomp_arch_native());
  cell_seccomp_action_value(s->default_action, &s->default_errno_ret, &act);
  put(&b, "default %#x\narchs", act);
  for (size_t i = 0; i < s->architectures.len; i++)
    put(&b, " %#x", cell_seccomp_arch_value(s->architectures.items[i]));
  put(&b, "\n");
  for (size_t i = 0; i < s->n_syscalls; i++) {
    const oci_seccomp_syscall *sc = &s->syscalls[i];
    cell_seccomp_action_value(sc->action, &sc->errno_ret, &act);
    put(&b, "rule %#x names %zu ", act, sc->names.len);
    for (size_t j = 0; j < sc->names.len; j++)
      put_str(&b, sc->names.items[j]);
    put(&b, "args %zu", sc->n_args);
    for (size_t j = 0; j < sc->n_args; j++) {
      const oci_seccomp_arg *a = &sc->args[j];
      put(&b, " %lld %d %llu %llu", (long long)a->index,
          cell_seccomp_op_value(a->op), (unsigned long long)a->value,
          (unsigned long long)a->value_two);
    }
    put(&b, "\n");
  }
  return b.buf;
}
