/* CVE-2019-5736 as published: the image's program is replaced by a script
 * whose interpreter is /proc/self/exe, so whatever execs it (the runtime,
 * at `exec`) runs its own binary inside the container, as the container's
 * user and dumpable.  This probe watches /proc for a process whose exe is
 * the runtime's binary (DEV:INO, as the host sees it), keeps an O_PATH fd
 * to it, and tries to reopen that for writing until SECS have passed.  It
 * never writes a byte.
 *   esc_shebang DEV INO SECS FIFO
 * FIFO: the script's interpreter argument is `--log=FIFO`, so the runtime,
 * failing on its odd command line, blocks opening its log until we have
 * its exe; we then drain FIFO and let it exit.
 * Prints "found=PID|none reopen=ERR|opened|none". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int find_exe(dev_t dev, ino_t ino, int *pid_out) {
  DIR *d = opendir("/proc");
  struct dirent *e;
  int found = -1;
  while (d && found < 0 && (e = readdir(d))) {
    int pid = atoi(e->d_name);
    if (pid <= 0 || pid == getpid())
      continue;
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/exe", pid);
    int fd = open(p, O_PATH | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
      continue;
    if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
      found = fd;
      *pid_out = pid;
    } else {
      close(fd);
    }
  }
  if (d)
    closedir(d);
  return found;
}

int main(int argc, char **argv) {
  if (argc != 5)
    return 2;
  dev_t dev = (dev_t)strtoull(argv[1], NULL, 0);
  ino_t ino = (ino_t)strtoull(argv[2], NULL, 0);
  time_t end = time(NULL) + atoi(argv[3]);
  int pid = 0, path = -1;
  while (path < 0 && time(NULL) < end)
    path = find_exe(dev, ino, &pid);
  if (path < 0) {
    printf("found=none reopen=none\n");
    return 0;
  }
  printf("found=%d", pid);
  fflush(stdout);
  /* let the runtime's log open finish, so it exits */
  int fifo = open(argv[4], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  char fdp[64], buf[256];
  snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", path);
  const char *reopen = "ETXTBSY";
  while (time(NULL) < end) {
    if (fifo >= 0)
      (void)!read(fifo, buf, sizeof buf);
    int w = open(fdp, O_WRONLY | O_CLOEXEC);
    if (w >= 0) {
      close(w);
      reopen = "opened";
      break;
    }
    if (errno != ETXTBSY) {
      reopen = strerrorname_np(errno) ? strerrorname_np(errno) : "?";
      break;
    }
    usleep(10000);
  }
  printf(" reopen=%s\n", reopen);
  return 0;
}
