/* TIOCSTI attacker: pushes "ARG\n" into the input queue of the tty on
 * fd 0, one byte at a time.  Prints "tiocsti=ok" or the errno name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

int main(int argc, char **argv) {
  const char *s = argc > 1 ? argv[1] : "echo INJECTED";
  const char *r = "ok";
  for (const char *p = s;; p++) {
    char c = *p ? *p : '\n';
    if (ioctl(0, TIOCSTI, &c) < 0) {
      r = strerrorname_np(errno);
      break;
    }
    if (!*p)
      break;
  }
  printf("tiocsti=%s\n", r);
  return 0;
}
