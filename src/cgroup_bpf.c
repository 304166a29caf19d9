/* cgroup v2 device access: an eBPF program of type CGROUP_DEVICE built
 * here from the rules (no libbpf), attached with BPF_F_ALLOW_MULTI so a
 * parent's program still applies, and swapped in one step with
 * BPF_F_REPLACE on update so there is never a moment without one. */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "utils.h"

typedef struct {
  struct bpf_insn *v;
  size_t n, cap;
} prog;

static void emit(prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                 int32_t imm) {
  if (p->n == p->cap)
    p->v = xrealloc(p->v, (p->cap = p->cap ? p->cap * 2 : 64) *
                              sizeof(struct bpf_insn));
  p->v[p->n++] = (struct bpf_insn){
      .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* Registers: r2 access bits, r3 device type, r4 major, r5 minor. */
static void prologue(prog *p) {
  emit(p, BPF_LDX | BPF_MEM | BPF_W, 2, 1,
       offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
  emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
  emit(p, BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff);
  emit(p, BPF_ALU64 | BPF_RSH | BPF_K, 2, 0, 0, 16);
  emit(p, BPF_LDX | BPF_MEM | BPF_W, 4, 1,
       offsetof(struct bpf_cgroup_dev_ctx, major), 0);
  emit(p, BPF_LDX | BPF_MEM | BPF_W, 5, 1,
       offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
}

static int access_mask(const char *a) {
  int m = 0;
  for (; a && *a; a++)
    m |= *a == 'r'   ? BPF_DEVCG_ACC_READ
         : *a == 'w' ? BPF_DEVCG_ACC_WRITE
         : *a == 'm' ? BPF_DEVCG_ACC_MKNOD
                     : 0;
  return m ? m : BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
}

/* One rule: every test jumps past it on mismatch; a match returns the
 * verdict.  An allow rule matches when it covers all the access asked
 * for, a deny rule when it covers any of it.  Returns false when the rule
 * matches everything: what follows would be unreachable, which the
 * verifier refuses. */
static bool rule(prog *p, const oci_device_cgroup *r) {
  size_t jumps[4], nj = 0;
  const char *t = r->type && *r->type ? r->type : "a";
  if (*t != 'a') {
    jumps[nj++] = p->n;
    emit(p, BPF_JMP | BPF_JNE | BPF_K, 3, 0, 0,
         *t == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  }
  int m = access_mask(r->access);
  if (m != 7) {
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 6, 2, 0, 0);
    emit(p, BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, r->allow ? ~m & 7 : m);
    jumps[nj++] = p->n;
    emit(p, BPF_JMP | (r->allow ? BPF_JNE : BPF_JEQ) | BPF_K, 6, 0, 0, 0);
  }
  if (r->major.set && r->major.v >= 0) {
    jumps[nj++] = p->n;
    emit(p, BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)r->major.v);
  }
  if (r->minor.set && r->minor.v >= 0) {
    jumps[nj++] = p->n;
    emit(p, BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)r->minor.v);
  }
  emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
  emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = 0; i < nj; i++)
    p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
  return nj > 0;
}

static long sys_bpf(int cmd, union bpf_attr *a) {
  return syscall(SYS_bpf, cmd, a, sizeof *a);
}

/* The program attached before (update), or -1. */
static int old_program(int cgfd) {
  uint32_t ids[8] = {0};
  union bpf_attr q;
  memset(&q, 0, sizeof q);
  q.query.target_fd = (uint32_t)cgfd;
  q.query.attach_type = BPF_CGROUP_DEVICE;
  q.query.prog_ids = (uint64_t)(uintptr_t)ids;
  q.query.prog_cnt = 8;
  if (sys_bpf(BPF_PROG_QUERY, &q) < 0 || q.query.prog_cnt == 0)
    return -1;
  union bpf_attr g;
  memset(&g, 0, sizeof g);
  g.prog_id = ids[0];
  return (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
}

int cgv2_devices(const cg_dir *d, const oci_resources *r, cell_error_t *err) {
  prog p = {0};
  prologue(&p);
  /* the last rule that matches decides: test them from the end */
  bool open_end = true;
  for (size_t i = r->n_devices; open_end && i-- > 0;)
    open_end = rule(&p, &r->devices[i]);
  if (open_end) {
    emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
    emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  }

  char log[4096] = "";
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t)(uintptr_t)p.v;
  a.insn_cnt = (uint32_t)p.n;
  a.license = (uint64_t)(uintptr_t) "GPL";
  a.log_buf = (uint64_t)(uintptr_t)log;
  a.log_size = sizeof log;
  a.log_level = 1;
  _cleanup_close_ int pfd = (int)sys_bpf(BPF_PROG_LOAD, &a);
  free(p.v);
  if (pfd < 0)
    return cell_errno(err,
                      "linux.resources.devices: load BPF device program "
                      "for `%s`%s%.200s",
                      d->path, *log ? ": " : "", log);
  _cleanup_close_ int old = old_program(d->fd);
  memset(&a, 0, sizeof a);
  a.target_fd = (uint32_t)d->fd;
  a.attach_bpf_fd = (uint32_t)pfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (old >= 0) {
    a.attach_flags |= BPF_F_REPLACE;
    a.replace_bpf_fd = (uint32_t)old;
  }
  if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
    return cell_errno(err,
                      "linux.resources.devices: attach BPF device "
                      "program to `%s`",
                      d->path);
  return 0;
}
