/* Runs commands one after another and reports, for all of them together:
 * wall time, CPU time (user+sys) of the whole process tree, and the peak
 * RSS of the largest single process in that tree.
 *   measure CMD [ARGS...] [--- CMD [ARGS...]]...
 * prints "wall_us cpu_us maxrss_kb" and exits 1 if any command failed.
 * It makes itself a child subreaper, so a container init that its runtime
 * left behind (create) is reparented here, reaped, and counted. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv) {
  return tv.tv_sec * 1000000LL + tv.tv_usec;
}

/* Runs argv and waits for it; other children reaped meanwhile (orphans of
 * an earlier step) are just counted by the kernel in RUSAGE_CHILDREN. */
static int run_one(char **argv) {
  pid_t pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return -1;
  }
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "measure: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  for (;;) {
    int st;
    pid_t w = waitpid(-1, &st, 0);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    if (w == pid)
      return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: measure CMD [ARGS...] [--- CMD [ARGS...]]...\n");
    return 2;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
    perror("measure: PR_SET_CHILD_SUBREAPER");
    return 2;
  }
  int failed = 0;
  long long start = now_us();
  for (int i = 1; i < argc;) {
    int j = i;
    while (j < argc && strcmp(argv[j], "---") != 0)
      j++;
    argv[j < argc ? j : argc] = NULL;
    if (j > i && run_one(&argv[i]) < 0) {
      fprintf(stderr, "measure: %s failed\n", argv[i]);
      failed = 1;
    }
    i = j + 1;
  }
  /* whatever the runtimes left behind is part of their cost */
  while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
    ;
  long long wall = now_us() - start;
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  printf("%lld %lld %ld\n", wall, tv_us(ru.ru_utime) + tv_us(ru.ru_stime),
         ru.ru_maxrss);
  return failed;
}
