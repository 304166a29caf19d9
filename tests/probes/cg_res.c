/* Resource probe for cgroups.bats.
 *   cg_res rt        try SCHED_FIFO: the cgroup's rt budget decides
 *   cg_res huge N    map and touch N 2 MiB huge pages, one mapping each
 *   cg_res touch N   touch N MiB of anonymous memory, a page at a time,
 *                    from user space (where a memcg OOM with the killer
 *                    off waits; a fault inside a syscall gets ENOMEM)
 * Prints one "what=result" line per attempt. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_2M (2UL << 20)

static int rt(void) {
  struct sched_param p = {.sched_priority = 1};
  int r = sched_setscheduler(0, SCHED_FIFO, &p);
  printf("fifo=%s\n", r ? strerror(errno) : "ok");
  return 0;
}

static int huge(int n) {
  for (int i = 0; i < n; i++) {
    /* with a rsvd limit the mmap itself fails; else the touch gets SIGBUS */
    char *m = mmap(NULL, HUGE_2M, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (m == MAP_FAILED) {
      printf("map%d=%s\n", i, strerror(errno));
      return 0;
    }
    fflush(stdout);
    m[0] = 1;
    printf("map%d=ok\n", i);
  }
  return 0;
}

static int touch(long mib) {
  size_t n = (size_t)mib << 20;
  char *m =
      mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    printf("touch=%s\n", strerror(errno));
    return 0;
  }
  for (size_t i = 0; i < n; i += 4096)
    m[i] = 1;
  printf("touch=ok\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "rt"))
    return rt();
  if (argc > 2 && !strcmp(argv[1], "huge"))
    return huge(atoi(argv[2]));
  if (argc > 2 && !strcmp(argv[1], "touch"))
    return touch(atol(argv[2]));
  fprintf(stderr, "usage: cg_res rt | huge N | touch N\n");
  return 2;
}
