/* cgsd_parse: the systemd driver's cgroupsPath ("slice:prefix:name") to
 * unit, slice and cgroup path, for the system and a user manager; and
 * cgsd_manager_root: a manager's root from its own cgroup (TAP). */
#include <stdlib.h>

#include "../../libocispec/tests/tap.h"
#include "cgroup_internal.h"

static const struct {
  bool user;
  const char *in;                  /* NULL: the default */
  const char *unit, *slice, *path; /* unit NULL: refused */
} cases[] = {
    {false, NULL, "cell-ID.scope", "system.slice",
     "/system.slice/cell-ID.scope"},
    {false, "", "cell-ID.scope", "system.slice", "/system.slice/cell-ID.scope"},
    {false, "system.slice:cell:x", "cell-x.scope", "system.slice",
     "/system.slice/cell-x.scope"},
    {false, ":p:x", "p-x.scope", "system.slice", "/system.slice/p-x.scope"},
    {false, "a-b-c.slice:p:x", "p-x.scope", "a-b-c.slice",
     "/a.slice/a-b.slice/a-b-c.slice/p-x.scope"},
    {false, "-.slice:p:x", "p-x.scope", "-.slice", "/p-x.scope"},
    {false, "machine.slice::x", "x.scope", "machine.slice",
     "/machine.slice/x.scope"},
    {false, "system.slice:cri-containerd:abc_1.2@3",
     "cri-containerd-abc_1.2@3.scope", "system.slice",
     "/system.slice/cri-containerd-abc_1.2@3.scope"},
    {false, "/cell/x", NULL, NULL, NULL},
    {false, "system.slice:x", NULL, NULL, NULL},
    {false, "a:b:c:d", NULL, NULL, NULL},
    {false, "system:p:x", NULL, NULL, NULL},
    {false, "-a.slice:p:x", NULL, NULL, NULL},
    {false, "a-.slice:p:x", NULL, NULL, NULL},
    {false, "a--b.slice:p:x", NULL, NULL, NULL},
    {false, "a/b.slice:p:x", NULL, NULL, NULL},
    {false, "system.slice:p:", NULL, NULL, NULL},
    {false, "system.slice:p:../x", NULL, NULL, NULL},
    {false, "system.slice:p/q:x", NULL, NULL, NULL},
    {false, "system.slice:p:x.slice", NULL, NULL, NULL},
    /* a user manager: its default slice, the rest as for the system */
    {true, NULL, "cell-ID.scope", "user.slice", "/user.slice/cell-ID.scope"},
    {true, "", "cell-ID.scope", "user.slice", "/user.slice/cell-ID.scope"},
    {true, ":p:x", "p-x.scope", "user.slice", "/user.slice/p-x.scope"},
    {true, "app-x.slice:p:x", "p-x.scope", "app-x.slice",
     "/app.slice/app-x.slice/p-x.scope"},
    {true, "system.slice:p:x", "p-x.scope", "system.slice",
     "/system.slice/p-x.scope"},
    {true, "/cell/x", NULL, NULL, NULL},
};

int main(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *unit = NULL, *slice = NULL, *path = NULL;
    cell_error_t err = {0};
    int r = cgsd_parse(cases[i].in, "ID", cases[i].user, &unit, &slice, &path,
                       &err);
    const char *in = cases[i].in ? cases[i].in : "(none)";
    if (!cases[i].unit) {
      ok(r < 0 && strstr(err.msg, "linux.cgroupsPath"),
         "`%s` refused naming the field: %s", in, err.msg);
    } else {
      ok(r == 0 && !strcmp(unit, cases[i].unit) &&
             !strcmp(slice, cases[i].slice) && !strcmp(path, cases[i].path),
         "%s`%s` -> %s in %s at %s", cases[i].user ? "user: " : "", in,
         r ? err.msg : unit, r ? "" : slice, r ? "" : path);
    }
    free(unit);
    free(slice);
    free(path);
  }
  static const struct {
    const char *cg, *root;
  } roots[] = {
      {"/init.scope", ""},
      {"/", ""},
      {"/user.slice/user-1000.slice/user@1000.service/init.scope",
       "/user.slice/user-1000.slice/user@1000.service"},
      /* a manager not in init.scope (before systemd 247) */
      {"/user.slice/user-1000.slice/user@1000.service",
       "/user.slice/user-1000.slice/user@1000.service"},
      {"/a/xinit.scope", "/a/xinit.scope"},
  };
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
    char *root = cgsd_manager_root(roots[i].cg);
    ok(!strcmp(root, roots[i].root), "manager in `%s` -> root `%s`",
       roots[i].cg, root);
    free(root);
  }
  return done();
}
