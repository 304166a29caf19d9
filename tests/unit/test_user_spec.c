/* user_spec_parse and user_spec_resolve, table-driven (TAP). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../libocispec/tests/tap.h"
#include "user_spec.h"

static const struct {
  const char *in;
  int ret;
  uint32_t uid, gid;
  bool has_gid;
} parse_cases[] = {
    {"1", 0, 1, 0, false},
    {"0", 0, 0, 0, false},
    {"1:1", 0, 1, 1, true},
    {"0:0", 0, 0, 0, true},
    {"1000:100", 0, 1000, 100, true},
    {"4294967294", 0, 4294967294u, 0, false},
    {"5:4294967294", 0, 5, 4294967294u, true},
    {"4294967295", -1, 0, 0, false}, /* (uid_t)-1 */
    {"1:4294967295", -1, 0, 0, false},
    {"4294967296", -1, 0, 0, false},
    {"99999999999999999999", -1, 0, 0, false},
    {"-1", -1, 0, 0, false},
    {"1:-1", -1, 0, 0, false},
    {"+1", -1, 0, 0, false},
    {" 1", -1, 0, 0, false},
    {"1 ", -1, 0, 0, false},
    {"0x10", -1, 0, 0, false},
    {"1a", -1, 0, 0, false},
    {"root", -1, 0, 0, false},
    {"", -1, 0, 0, false},
    {":", -1, 0, 0, false},
    {":1", -1, 0, 0, false},
    {"1:", -1, 0, 0, false},
    {"1:2:3", -1, 0, 0, false},
    {"1::2", -1, 0, 0, false},
};

static const struct {
  const char *in;
  int ret;
  uint32_t uid, gid;
  bool has_gid;
} resolve_cases[] = {
    {"7", 0, 7, 0, false},
    {"7:8", 0, 7, 8, true},
    {"root", 0, 0, 0, true},
    {"app", 0, 1000, 1001, true},
    {"app:wheel", 0, 1000, 10, true},
    {"app:3", 0, 1000, 3, true},
    {"5:wheel", 0, 5, 10, true},
    {"nobody", -1, 0, 0, false}, /* not in this passwd */
    {"app:nogroup", -1, 0, 0, false},
    {"bad", -1, 0, 0, false}, /* id field is garbage */
    {"4294967295", -1, 0, 0, false},
    {"app:", -1, 0, 0, false},
    {":wheel", -1, 0, 0, false},
    {"", -1, 0, 0, false},
};

static void write_at(int dir, const char *name, const char *s) {
  int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
    abort();
  close(fd);
}

int main(void) {
  cell_error_t err;
  for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
    uint32_t uid = 77, gid = 77;
    bool has = false;
    int r = user_spec_parse(parse_cases[i].in, &uid, &gid, &has, &err);
    bool good = r == parse_cases[i].ret;
    if (good && r == 0)
      good = uid == parse_cases[i].uid && has == parse_cases[i].has_gid &&
             (!has || gid == parse_cases[i].gid);
    ok(good, "parse \"%s\" -> %d", parse_cases[i].in, parse_cases[i].ret);
  }

  /* a rootfs whose /etc/passwd is a symlink out of the root: it must
   * resolve inside, to the rootfs's own /etc/passwd */
  char tmpl[] = "/tmp/user_spec.XXXXXX";
  if (!mkdtemp(tmpl))
    abort();
  int root = open(tmpl, O_PATH | O_DIRECTORY);
  mkdirat(root, "etc", 0755);
  mkdirat(root, "real", 0755);
  int etc = openat(root, "etc", O_PATH | O_DIRECTORY);
  int real = openat(root, "real", O_PATH | O_DIRECTORY);
  write_at(real, "passwd",
           "root:x:0:0:root:/root:/bin/sh\n"
           "app:x:1000:1001::/home/app:/bin/sh\n"
           "bad:x:12x:1::/:/bin/sh\n");
  symlinkat("/../../../../real/passwd", etc, "passwd");
  write_at(etc, "group", "root:x:0:\nwheel:x:10:app\n");
  for (size_t i = 0; i < sizeof resolve_cases / sizeof *resolve_cases; i++) {
    uint32_t uid = 77, gid = 77;
    bool has = false;
    int r =
        user_spec_resolve(root, resolve_cases[i].in, &uid, &gid, &has, &err);
    bool good = r == resolve_cases[i].ret;
    if (good && r == 0)
      good = uid == resolve_cases[i].uid && has == resolve_cases[i].has_gid &&
             (!has || gid == resolve_cases[i].gid);
    ok(good, "resolve \"%s\" -> %d (%u:%u%s)", resolve_cases[i].in,
       resolve_cases[i].ret, uid, gid, r < 0 ? err.msg : "");
  }
  unlinkat(real, "passwd", 0);
  unlinkat(etc, "passwd", 0);
  unlinkat(etc, "group", 0);
  unlinkat(root, "etc", AT_REMOVEDIR);
  unlinkat(root, "real", AT_REMOVEDIR);
  rmdir(tmpl);
  close(etc);
  close(real);
  close(root);
  return done();
}
