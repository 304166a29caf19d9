/* cell's exec shim: the last step before the container's program.
 *
 * Why it exists (CVE-2019-5736): the process that execs the container's
 * program is a copy of cell, so its /proc/self/exe is cell's host binary.
 * A program that is `#!/proc/self/exe` would start that binary in the
 * container, dumpable, where the container can hold its exe and reopen it
 * for writing once cell is gone.  cell instead execs this shim from a
 * sealed memfd (exec_shim.c in src/), and the shim execs the program: from
 * here on /proc/self/exe names a sealed copy of the shim, never a host
 * file.  It is built freestanding (no libc) so the copy and the extra exec
 * cost microseconds.
 *
 *   argv: CELL_SHIM_MARKER SYNC_FD PATH ARGV0 [ARGS...]
 * SYNC_FD (-1: none) is cell's sync socket: the shim makes it
 * close-on-exec, so the program's exec closes it (the parent's sign of
 * success), and on failure sends one SYNC_EXEC_ERROR packet there. */
#include <asm/unistd.h>

#include "../sync_proto.h"

#define F_SETFD_ 2
#define FD_CLOEXEC_ 1

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(n), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return r;
}
__asm__(".text\n.global _start\n_start:\n"
        "  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n"
        "  call shim_main\n  hlt\n");
#elif defined(__aarch64__)
static long sys3(long n, long a, long b, long c) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n"
        "  mov x0, sp\n  bl shim_main\n  brk #0\n");
#else
#error "the exec shim supports x86_64 and aarch64"
#endif

static __attribute__((noreturn)) void die(int code) {
  for (;;)
    sys3(__NR_exit_group, code, 0, 0);
}

static unsigned long slen(const char *s) {
  unsigned long n = 0;
  while (s[n])
    n++;
  return n;
}

static int is_marker(const char *s) {
  const char *m = CELL_SHIM_MARKER;
  while (*m && *s == *m)
    s++, m++;
  return !*m && !*s;
}

static int parse_fd(const char *s) {
  int v = 0;
  if (*s == '-')
    return -1;
  for (; *s >= '0' && *s <= '9'; s++)
    v = v * 10 + (*s - '0');
  return *s ? -1 : v;
}

__attribute__((used, noreturn)) void shim_main(long *sp) {
  long argc = sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  if (argc < 4 || !is_marker(argv[0])) {
    static const char msg[] = "cell: the exec shim is not a program\n";
    sys3(__NR_write, 2, (long)msg, sizeof msg - 1);
    die(126);
  }
  int fd = parse_fd(argv[1]);
  if (fd >= 0 && sys3(__NR_fcntl, fd, F_SETFD_, FD_CLOEXEC_) < 0) {
    /* never leak it into the program */
    sys3(__NR_close, fd, 0, 0);
    fd = -1;
  }
  long r = sys3(__NR_execve, (long)argv[2], (long)(argv + 3), (long)envp);
  if (fd >= 0) {
    /* one packet: the header, then the path */
    char pkt[sizeof(struct sync_wire_hdr) + 4096];
    struct sync_wire_hdr *h = (struct sync_wire_hdr *)pkt;
    unsigned long n = slen(argv[2]);
    if (n > 4096)
      n = 4096;
    h->type = SYNC_EXEC_ERROR;
    h->value = (int)-r;
    h->len = (unsigned)n;
    for (unsigned long i = 0; i < n; i++)
      pkt[sizeof *h + i] = argv[2][i];
    sys3(__NR_write, fd, (long)pkt, (long)(sizeof *h + n));
  }
  die(1);
}
