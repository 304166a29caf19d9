/* Writer tests: parse -> write reproduces the full document (compared as
 * JSON trees, so a dropped or altered field fails), write is a fixpoint,
 * and the state writer's exact output. */
#include "oci.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#ifndef TESTDATA
#error "compile with -DTESTDATA='\"/path/to/libocispec/tests/data\"'"
#endif

static char *load(const char *name, size_t *len) {
  char path[512];
  char *data = NULL;
  snprintf(path, sizeof(path), "%s/%s", TESTDATA, name);
  if (oci_read_file(path, &data, len) < 0) {
    perror(path);
    exit(2);
  }
  return data;
}

static yajl_val find_key(yajl_val o, const char *key) {
  for (size_t i = 0; i < o->u.object.len; i++)
    if (strcmp(o->u.object.keys[i], key) == 0)
      return o->u.object.values[i];
  return NULL;
}

/* JSON equality: objects compare as key sets, numbers by their text.  On a
 * difference, `where` receives the path. */
static bool tree_eq(yajl_val a, yajl_val b, char *where, size_t cap) {
  if (!a || !b || a->type != b->type) {
    snprintf(where, cap, "type differs");
    return false;
  }
  switch (a->type) {
  case yajl_t_string:
    if (strcmp(a->u.string, b->u.string) != 0) {
      snprintf(where, cap, "\"%s\" != \"%s\"", a->u.string, b->u.string);
      return false;
    }
    return true;
  case yajl_t_number:
    if (strcmp(a->u.number.r, b->u.number.r) != 0) {
      snprintf(where, cap, "%s != %s", a->u.number.r, b->u.number.r);
      return false;
    }
    return true;
  case yajl_t_array:
    if (a->u.array.len != b->u.array.len) {
      snprintf(where, cap, "array lengths %zu != %zu", a->u.array.len,
               b->u.array.len);
      return false;
    }
    for (size_t i = 0; i < a->u.array.len; i++) {
      if (!tree_eq(a->u.array.values[i], b->u.array.values[i], where, cap)) {
        char tail[512];
        snprintf(tail, sizeof(tail), "%s", where);
        snprintf(where, cap, "[%zu]: %s", i, tail);
        return false;
      }
    }
    return true;
  case yajl_t_object:
    if (a->u.object.len != b->u.object.len) {
      for (size_t i = 0; i < a->u.object.len; i++)
        if (!find_key(b, a->u.object.keys[i])) {
          snprintf(where, cap, "%s: missing", a->u.object.keys[i]);
          return false;
        }
      snprintf(where, cap, "object has extra keys");
      return false;
    }
    for (size_t i = 0; i < a->u.object.len; i++) {
      const char *k = a->u.object.keys[i];
      yajl_val bv = find_key(b, k);
      if (!bv || !tree_eq(a->u.object.values[i], bv, where, cap)) {
        char tail[512];
        snprintf(tail, sizeof(tail), "%s", bv ? where : "missing");
        snprintf(where, cap, "%s: %s", k, tail);
        return false;
      }
    }
    return true;
  default:
    return true;
  }
}

static bool same_json(const char *a, const char *b, const char *name) {
  char ebuf[256], where[1024] = "";
  yajl_val ta = yajl_tree_parse(a, ebuf, sizeof(ebuf));
  yajl_val tb = yajl_tree_parse(b, ebuf, sizeof(ebuf));
  bool eq = ta && tb && tree_eq(ta, tb, where, sizeof(where));
  if (!ok(eq, "%s", name))
    diag("%s", ta && tb ? where : "unparsable JSON");
  yajl_tree_free(ta);
  yajl_tree_free(tb);
  return eq;
}

static void test_full_roundtrip(void) {
  size_t len;
  char *orig = load("full.json", &len);
  oci_config *c = NULL, *c2 = NULL;
  char *err = NULL;
  if (!ok(oci_config_parse(orig, len, "config.json", &c, &err) == 0,
          "full config parses")) {
    diag("%s", err);
    free(err);
    free(orig);
    return;
  }
  char *pretty = oci_config_write(c, true);
  char *compact = oci_config_write(c, false);
  ok(pretty && compact, "config written");
  if (!pretty || !compact)
    goto out;
  same_json(orig, pretty, "parse -> write reproduces every field of full.json");
  same_json(pretty, compact, "pretty and compact outputs are the same JSON");
  ok(strchr(compact, '\n') == NULL, "compact output is one line");
  ok(strstr(pretty, "\n\t\"ociVersion\": \"1.3.0\",\n") != NULL,
     "pretty output is indented");
  ok(pretty[strlen(pretty) - 1] == '}' && compact[strlen(compact) - 1] == '}',
     "no trailing newline in either mode");
  ok(strstr(compact, "\"hard\":18446744073709551615") != NULL,
     "uint64 above INT64_MAX is written exactly");
  ok(strstr(compact, "\"kernelTCP\":-9223372036854775808") != NULL,
     "INT64_MIN is written exactly");
  ok(strstr(compact, "\"echo \\\"hi\\\"\\n\"") != NULL, "strings are escaped");

  if (!ok(oci_config_parse(pretty, strlen(pretty), "out.json", &c2, &err) == 0,
          "written config parses again")) {
    diag("%s", err);
    free(err);
    goto out;
  }
  char *again = oci_config_write(c2, true);
  is_str(again, pretty, "write(parse(write(c))) == write(c)");
  free(again);
out:
  free(pretty);
  free(compact);
  oci_config_free(c2);
  oci_config_free(c);
  free(orig);
}

static void test_sparse_roundtrip(void) {
  size_t len;
  char *orig = load("unknown.json", &len);
  oci_config *c = NULL;
  char *err = NULL;
  ok(oci_config_parse(orig, len, "config.json", &c, &err) == 0,
     "config with unknown fields parses");
  free(orig);
  if (!c) {
    free(err);
    return;
  }
  char *out = oci_config_write(c, false);
  is_str(
      out,
      "{\"ociVersion\":\"1.3.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
      "\"args\":[\"/bin/true\"],\"cwd\":\"/\",\"capabilities\":{}},"
      "\"root\":{\"path\":\"/rootfs\"},\"linux\":{\"resources\":"
      "{\"memory\":{\"limit\":1}},\"namespaces\":[{\"type\":\"mount\"}]}}",
      "only known, present fields are written");
  free(out);
  oci_config_free(c);
}

/* A config built in code, as `cell spec` does. */
static void test_built_config(void) {
  char *args[] = {"sh"};
  char *env[] = {"PATH=/bin", "TERM=xterm"};
  oci_process p = {.terminal = true,
                   .args = {args, 1},
                   .env = {env, 2},
                   .cwd = "/",
                   .no_new_privileges = true};
  oci_namespace ns[] = {{.type = "pid"}, {.type = "mount"}};
  oci_config c = {.oci_version = "1.3.0",
                  .process = &p,
                  .has_root = true,
                  .root = {.path = "rootfs", .readonly = true},
                  .hostname = "cell"};
  c.linux_.present = true;
  c.linux_.namespaces = ns;
  c.linux_.n_namespaces = 2;
  char *out = oci_config_write(&c, false);
  is_str(
      out,
      "{\"ociVersion\":\"1.3.0\",\"process\":{\"terminal\":true,\"user\":"
      "{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"env\":[\"PATH=/bin\","
      "\"TERM=xterm\"],\"cwd\":\"/\",\"noNewPrivileges\":true},\"root\":"
      "{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"cell\","
      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}",
      "config built in code is written as expected");
  free(out);
}

static void test_state_write(void) {
  oci_kv ann[] = {{"k", "v\"1"}};
  oci_state s = {.oci_version = "1.3.0",
                 .id = "c1",
                 .status = "running",
                 .pid = 42,
                 .bundle = "/run/b",
                 .annotations = {ann, 1}};
  char *out = oci_state_write(&s, false);
  is_str(out,
         "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"running\","
         "\"pid\":42,\"bundle\":\"/run/b\",\"annotations\":{\"k\":\"v\\\"1\"}}",
         "state written with pid and annotations");

  oci_state *back = NULL;
  char *err = NULL;
  if (ok(out && oci_state_parse(out, strlen(out), "state", &back, &err) == 0,
         "written state parses")) {
    ok(back->pid == 42 && strcmp(back->status, "running") == 0 &&
           back->annotations.len == 1 &&
           strcmp(back->annotations.items[0].value, "v\"1") == 0,
       "state round-trips");
  } else {
    free(err);
  }
  oci_state_free(back);
  free(out);

  s.status = "stopped";
  s.pid = 0;
  s.annotations.len = 0;
  out = oci_state_write(&s, false);
  is_str(out,
         "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"stopped\","
         "\"bundle\":\"/run/b\"}",
         "pid 0 and empty annotations are omitted");
  free(out);

  out = oci_state_write(&s, true);
  ok(out && strchr(out, '\n') && strstr(out, "\t\"id\": \"c1\""),
     "pretty state is indented");
  free(out);
  ok(oci_state_write(NULL, false) == NULL &&
         oci_config_write(NULL, false) == NULL,
     "writers return NULL for NULL");
}

int main(void) {
  test_full_roundtrip();
  test_sparse_roundtrip();
  test_built_config();
  test_state_write();
  return done();
}
