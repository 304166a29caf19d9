/* CVE-2019-5736 attacker: tries to open the executable of a process
 * running the runtime's code (/proc/PID/exe) for writing, directly and
 * through an O_PATH fd reopened after that process exec'd.  It never
 * writes a byte: "opened" is the failure the test looks for.
 *   esc_exe PID|ppid|cmd=WORD [SECONDS]
 * Prints "direct=ERR path=ERR reopen=ERR" (ok, or the errno name). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *res(int fd) {
  if (fd >= 0) {
    close(fd);
    return "opened";
  }
  return strerrorname_np(errno) ? strerrorname_np(errno) : "?";
}

/* The first other process whose command line holds WORD (and is not
 * timeout(1) or this probe). */
static int find_cmd(const char *word) {
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int pid = atoi(e->d_name);
    if (pid <= 0 || pid == getpid())
      continue;
    char p[64], buf[4096];
    snprintf(p, sizeof p, "/proc/%d/cmdline", pid);
    int fd = open(p, O_RDONLY);
    if (fd < 0)
      continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    /* the runtime itself, not the timeout(1) wrapping it */
    if (n <= 0 || strstr(buf, "timeout"))
      continue;
    for (ssize_t i = 0; i < n; i++)
      if (!buf[i])
        buf[i] = ' ';
    buf[n < 0 ? 0 : n] = 0;
    if (strstr(buf, word) && !strstr(buf, "esc_exe")) {
      closedir(d);
      return pid;
    }
  }
  if (d)
    closedir(d);
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int pid = !strcmp(argv[1], "ppid")       ? getppid()
            : !strncmp(argv[1], "cmd=", 4) ? find_cmd(argv[1] + 4)
                                           : atoi(argv[1]);
  int secs = argc > 2 ? atoi(argv[2]) : 0;
  char exe[64], target[4096] = "", now[4096];
  snprintf(exe, sizeof exe, "/proc/%d/exe", pid);
  ssize_t n = readlink(exe, target, sizeof target - 1);
  target[n < 0 ? 0 : n] = 0;
  printf("pid=%d direct=%s", pid, res(open(exe, O_WRONLY | O_CLOEXEC)));
  int path = open(exe, O_PATH | O_CLOEXEC);
  printf(" path=%s", res(path >= 0 ? dup(path) : -1));
  fflush(stdout);
  const char *reopen = "none";
  if (path >= 0) {
    /* wait (bounded) for the process to exec something else, then for
     * the binary to stop being busy */
    char fdp[64];
    snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", path);
    time_t end = time(NULL) + secs;
    reopen = "ETXTBSY";
    do {
      n = readlink(exe, now, sizeof now - 1);
      now[n < 0 ? 0 : n] = 0;
      int fd = open(fdp, O_WRONLY | O_CLOEXEC);
      if (fd >= 0 || errno != ETXTBSY) {
        reopen = res(fd);
        break;
      }
      usleep(20000);
    } while (time(NULL) < end);
  }
  printf(" reopen=%s\n", reopen);
  return 0;
}
