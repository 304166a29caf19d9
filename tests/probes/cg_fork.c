/* Fork bomb probe: forks children that wait, until fork fails; prints
 * how many forks succeeded and the errno of the failure, then reaps. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int n = 0, e = 0;
  for (int i = 0; i < 1000; i++) {
    pid_t p = fork();
    if (p < 0) {
      e = errno;
      break;
    }
    if (p == 0) {
      pause();
      _exit(0);
    }
    n++;
  }
  printf("forks=%d error=%s\n", n, e ? strerror(e) : "none");
  fflush(stdout);
  kill(0, SIGKILL);
  return 0;
}
