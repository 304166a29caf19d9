/* Makes syscalls a seccomp filter should act on and prints what came back,
 * one line per command, each made in a child so a kill is reported too:
 *   mkdir PATH | i386-mkdir PATH | x32-mkdir PATH | personality HEX |
 *   clone3 | thread
 * "NAME: ok", "NAME: errno N" or "NAME: killed by signal N". */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT 0x40000000L
#define I386_MKDIR 39

static int report(long r) {
  if (r < 0)
    printf("errno %d\n", errno);
  else
    printf("ok\n");
  return 0;
}

/* The i386 entry point: the syscall number is i386's and pointers must be
 * 32-bit, which a static non-PIE binary's data is. */
static long i386_syscall2(long nr, long a, long b) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b) : "memory");
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

static void *thread_main(void *arg) {
  return arg;
}

static int one(const char *cmd, const char *arg) {
  static char path[256]; /* static: below 4 GiB for int 0x80 */
  snprintf(path, sizeof path, "%s", arg ? arg : "");
  if (!strcmp(cmd, "mkdir"))
    return report(syscall(SYS_mkdir, path, 0755));
  if (!strcmp(cmd, "i386-mkdir"))
    return report(i386_syscall2(I386_MKDIR, (long)path, 0755));
  if (!strcmp(cmd, "x32-mkdir"))
    return report(syscall(X32_BIT | SYS_mkdir, path, 0755));
  if (!strcmp(cmd, "personality"))
    return report(syscall(SYS_personality, strtoul(path, NULL, 16)));
  if (!strcmp(cmd, "clone3"))
    return report(syscall(SYS_clone3, NULL, 0));
  if (!strcmp(cmd, "thread")) {
    pthread_t t;
    int e = pthread_create(&t, NULL, thread_main, NULL);
    if (e == 0)
      pthread_join(t, NULL);
    errno = e;
    return report(e ? -1 : 0);
  }
  printf("unknown command\n");
  return 1;
}

static int takes_arg(const char *cmd) {
  return strcmp(cmd, "clone3") && strcmp(cmd, "thread");
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *cmd = argv[i];
    const char *arg = takes_arg(cmd) && i + 1 < argc ? argv[++i] : NULL;
    printf("%s: ", cmd);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
      printf("fork: errno %d\n", errno);
      return 1;
    }
    if (pid == 0) {
      int r = one(cmd, arg);
      fflush(stdout);
      _exit(r);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
      return 1;
    if (WIFSIGNALED(st))
      printf("killed by signal %d\n", WTERMSIG(st));
    fflush(stdout);
  }
  return 0;
}
