/* Hook probe: records what a hook was given.  Usage: hookdump DIR NAME ...
 * Writes DIR/NAME.stdin (the state JSON), NAME.argv (argv, one a line,
 * argv[0] included), NAME.env, NAME.mntns (its mount namespace), NAME.pid,
 * then sleeps $HOOK_SLEEP seconds and exits with $HOOK_EXIT. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static FILE *out(const char *dir, const char *name, const char *ext) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    exit(99);
  }
  return f;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: hookdump DIR NAME ...\n");
    return 2;
  }
  const char *dir = argv[1], *name = argv[2];
  FILE *f = out(dir, name, "stdin");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
    fwrite(buf, 1, n, f);
  fclose(f);
  f = out(dir, name, "argv");
  for (int i = 0; i < argc; i++)
    fprintf(f, "%s\n", argv[i]);
  fclose(f);
  f = out(dir, name, "env");
  for (char **e = environ; *e; e++)
    fprintf(f, "%s\n", *e);
  fclose(f);
  f = out(dir, name, "mntns");
  ssize_t len = readlink("/proc/self/ns/mnt", buf, sizeof(buf) - 1);
  buf[len < 0 ? 0 : len] = '\0';
  fprintf(f, "%s\n", buf);
  fclose(f);
  f = out(dir, name, "pid");
  fprintf(f, "%d\n", (int)getpid());
  fclose(f);
  const char *s = getenv("HOOK_SLEEP"), *x = getenv("HOOK_EXIT");
  if (s)
    sleep(atoi(s));
  return x ? atoi(x) : 0;
}
