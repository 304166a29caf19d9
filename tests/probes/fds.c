/* Prints the open fds of this process, sorted, space separated; the fd
 * used to read /proc/self/fd is left out.  With -l each fd is followed by
 * "=target" so a test can tell which file was passed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

int main(int argc, char **argv) {
  int targets = argc > 1 && strcmp(argv[1], "-l") == 0;
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) {
    perror("fds: opendir /proc/self/fd");
    return 1;
  }
  int self = dirfd(d), fds[4096], n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < 4096) {
    if (e->d_name[0] == '.')
      continue;
    int fd = atoi(e->d_name);
    if (fd != self)
      fds[n++] = fd;
  }
  qsort(fds, n, sizeof(int), cmp_int);
  for (int i = 0; i < n; i++) {
    printf("%s%d", i ? " " : "", fds[i]);
    if (targets) {
      char path[64], buf[4096];
      snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
      ssize_t len = readlink(path, buf, sizeof(buf) - 1);
      buf[len < 0 ? 0 : len] = '\0';
      printf("=%s", buf);
    }
  }
  printf("\n");
  closedir(d);
  return 0;
}
