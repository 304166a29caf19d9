/* SCMP_ACT_NOTIFY: the runtime hands the filter's listener fd to the
 * process at linux.seccomp.listenerPath, with the runtime-spec "container
 * process state" as JSON, one connection per container. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <yajl/yajl_gen.h>

#include "cell_seccomp.h"
#include "cleanup.h"
#include "utils.h"

#define OCI_VERSION "1.3.0"

static void gen_str(yajl_gen g, const char *s) {
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {...}}
 * where fds names the SCM_RIGHTS fds in the order they are sent. */
static char *process_state_json(const oci_seccomp *s, const cell_state *st) {
  _cleanup_free_ char *state = state_oci_json(st, "creating", false);
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_map_open(g);
  gen_str(g, "ociVersion");
  gen_str(g, OCI_VERSION);
  gen_str(g, "fds");
  yajl_gen_array_open(g);
  gen_str(g, "seccompFd");
  yajl_gen_array_close(g);
  gen_str(g, "pid");
  yajl_gen_integer(g, st->pid);
  if (s->listener_metadata) {
    gen_str(g, "metadata");
    gen_str(g, s->listener_metadata);
  }
  /* the state is already JSON: splice it in rather than re-parse it */
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char *out = xasprintf("%.*s,\"state\":%s}", (int)len, buf, state);
  yajl_gen_free(g);
  return out;
}

int cell_seccomp_send_listener(const oci_seccomp *s, int listener,
                               const cell_state *st, cell_error_t *err) {
  _cleanup_free_ char *json = process_state_json(s, st);
  return unix_send_fd(s->listener_path, "linux.seccomp.listenerPath", json,
                      strlen(json), listener, err);
}
