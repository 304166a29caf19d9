/* cgsd_parse: the systemd driver's cgroupsPath ("slice:prefix:name") to
 * unit, slice and cgroup path, table-driven (TAP). */
#include <stdlib.h>

#include "../../libocispec/tests/tap.h"
#include "cgroup_internal.h"

static const struct {
  const char *in; /* NULL: the default */
  const char *unit, *slice, *path; /* unit NULL: refused */
} cases[] = {
    {NULL, "cell-ID.scope", "system.slice", "/system.slice/cell-ID.scope"},
    {"", "cell-ID.scope", "system.slice", "/system.slice/cell-ID.scope"},
    {"system.slice:cell:x", "cell-x.scope", "system.slice",
     "/system.slice/cell-x.scope"},
    {":p:x", "p-x.scope", "system.slice", "/system.slice/p-x.scope"},
    {"a-b-c.slice:p:x", "p-x.scope", "a-b-c.slice",
     "/a.slice/a-b.slice/a-b-c.slice/p-x.scope"},
    {"-.slice:p:x", "p-x.scope", "-.slice", "/p-x.scope"},
    {"machine.slice::x", "x.scope", "machine.slice", "/machine.slice/x.scope"},
    {"system.slice:cri-containerd:abc_1.2@3", "cri-containerd-abc_1.2@3.scope",
     "system.slice", "/system.slice/cri-containerd-abc_1.2@3.scope"},
    {"/cell/x", NULL, NULL, NULL},
    {"system.slice:x", NULL, NULL, NULL},
    {"a:b:c:d", NULL, NULL, NULL},
    {"system:p:x", NULL, NULL, NULL},
    {"-a.slice:p:x", NULL, NULL, NULL},
    {"a-.slice:p:x", NULL, NULL, NULL},
    {"a--b.slice:p:x", NULL, NULL, NULL},
    {"a/b.slice:p:x", NULL, NULL, NULL},
    {"system.slice:p:", NULL, NULL, NULL},
    {"system.slice:p:../x", NULL, NULL, NULL},
    {"system.slice:p/q:x", NULL, NULL, NULL},
    {"system.slice:p:x.slice", NULL, NULL, NULL},
};

int main(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *unit = NULL, *slice = NULL, *path = NULL;
    cell_error_t err = {0};
    int r = cgsd_parse(cases[i].in, "ID", &unit, &slice, &path, &err);
    const char *in = cases[i].in ? cases[i].in : "(none)";
    if (!cases[i].unit) {
      ok(r < 0 && strstr(err.msg, "linux.cgroupsPath"),
         "`%s` refused naming the field: %s", in, err.msg);
    } else {
      ok(r == 0 && !strcmp(unit, cases[i].unit) &&
             !strcmp(slice, cases[i].slice) && !strcmp(path, cases[i].path),
         "`%s` -> %s in %s at %s", in, r ? err.msg : unit, r ? "" : slice,
         r ? "" : path);
    }
    free(unit);
    free(slice);
    free(path);
  }
  return done();
}
