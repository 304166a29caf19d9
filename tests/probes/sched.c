/* Prints the scheduling attributes (sched_getattr) and the I/O priority
 * (ioprio_get) of this process, one "key=value" each. */
#include <linux/sched/types.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IOPRIO_WHO_PROCESS 1

int main(void) {
  struct sched_attr a;
  memset(&a, 0, sizeof(a));
  if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0) {
    perror("sched: sched_getattr");
    return 1;
  }
  long io = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
  if (io < 0) {
    perror("sched: ioprio_get");
    return 1;
  }
  printf("policy=%u\nnice=%d\npriority=%u\nflags=%llu\n", a.sched_policy,
         a.sched_nice, a.sched_priority, (unsigned long long)a.sched_flags);
  printf("runtime=%llu\ndeadline=%llu\nperiod=%llu\n",
         (unsigned long long)a.sched_runtime,
         (unsigned long long)a.sched_deadline,
         (unsigned long long)a.sched_period);
  printf("ioprio_class=%ld\nioprio_level=%ld\n", (io >> 13) & 0x7, io & 0xff);
  return 0;
}
