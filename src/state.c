#include "state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cgroup.h"
#include "cleanup.h"
#include "utils.h"

#define STATE_FILE "state.json"
#define OCI_VERSION "1.3.0"

const char *state_default_root(void) {
  static char buf[4096];
  if (geteuid() == 0)
    return "/run/cell";
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg) {
    snprintf(buf, sizeof buf, "%s/cell", xdg);
    return buf;
  }
  snprintf(buf, sizeof buf, "/tmp/cell-%u", (unsigned)geteuid());
  return buf;
}

int state_validate_id(const char *id, cell_error_t *err) {
  size_t n = strlen(id);
  if (n == 0)
    return cell_err(err, 0, "invalid container id: empty");
  if (n > 1024)
    return cell_err(err, 0, "invalid container id: longer than 1024 bytes");
  if (!strcmp(id, ".") || !strcmp(id, ".."))
    return cell_err(err, 0, "invalid container id `%s`", id);
  for (const char *p = id; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
      return cell_err(err, 0,
                      "invalid container id `%s`: only letters, digits and "
                      "`_+-.` are allowed",
                      id);
  return 0;
}

static int lock_dir(cell_container *c, const char *id, cell_error_t *err) {
  while (flock(c->dirfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return cell_errno(err, "lock container `%s`", id);
  c->locked = true;
  return 0;
}

int state_unlock(cell_container *c) {
  c->locked = false;
  return flock(c->dirfd, LOCK_UN);
}

int state_relock(cell_container *c, cell_error_t *err) {
  return lock_dir(c, c->st.id, err);
}

int state_create(const char *root, const char *id, cell_container *c,
                 cell_error_t *err) {
  memset(c, 0, sizeof *c);
  c->dirfd = -1;
  if (mkdir(root, 0711) < 0 && errno != EEXIST && mkdir_p(root, 0711, err) < 0)
    return -1;
  c->path = xasprintf("%s/%s", root, id);
  if (mkdir(c->path, 0700) < 0) {
    if (errno == EEXIST)
      return cell_err(err, 0, "container `%s` already exists", id);
    return cell_errno(err, "mkdir `%s`", c->path);
  }
  c->dirfd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd < 0) {
    cell_errno(err, "open `%s`", c->path);
    rmdir(c->path);
    return -1;
  }
  return lock_dir(c, id, err);
}

static const char *jstr(yajl_val root, const char *key) {
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(root, path, yajl_t_string);
  return v ? YAJL_GET_STRING(v) : NULL;
}

static long long jint(yajl_val root, const char *key) {
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(root, path, yajl_t_number);
  return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static bool jbool(yajl_val root, const char *key) {
  const char *path[] = {key, NULL};
  yajl_val v = yajl_tree_get(root, path, yajl_t_any);
  return v && YAJL_IS_TRUE(v);
}

static char *dup_or_null(const char *s) {
  return s ? xstrdup(s) : NULL;
}

static int state_load(cell_container *c, const char *id, cell_error_t *err) {
  _cleanup_free_ char *data = NULL;
  if (read_file_at(c->dirfd, STATE_FILE, &data, NULL, err) < 0) {
    if (err->errnum != ENOENT)
      return -1;
    /* A create at work that has no init yet (state_status tells by the
     * lock), or one that died before: stopped, and delete removes it. */
    c->st.id = xstrdup(id);
    return 0;
  }
  char ebuf[256];
  yajl_val root = yajl_tree_parse(data, ebuf, sizeof ebuf);
  if (!root)
    return cell_err(err, 0, "%s/%s: corrupt state", c->path, STATE_FILE);
  cell_state *s = &c->st;
  s->id = dup_or_null(jstr(root, "id"));
  s->bundle = dup_or_null(jstr(root, "bundle"));
  s->rootfs = dup_or_null(jstr(root, "rootfs"));
  s->created = dup_or_null(jstr(root, "created"));
  s->pid = (int)jint(root, "pid");
  s->pid_start = (uint64_t)jint(root, "pidStart");
  s->creator = (int)jint(root, "creator");
  s->creator_start = (uint64_t)jint(root, "creatorStart");
  s->owner = (uid_t)jint(root, "owner");
  s->own_pidns = jbool(root, "ownPidns");
  s->has_config_copy = jbool(root, "hasConfigCopy");
  const char *apath[] = {"annotations", NULL};
  yajl_val ann = yajl_tree_get(root, apath, yajl_t_object);
  if (ann && YAJL_GET_OBJECT(ann)->len) {
    size_t n = YAJL_GET_OBJECT(ann)->len;
    s->annotations.items = xcalloc(n, sizeof(oci_kv));
    for (size_t i = 0; i < n; i++) {
      yajl_val v = YAJL_GET_OBJECT(ann)->values[i];
      if (!YAJL_IS_STRING(v))
        continue;
      oci_kv *kv = &s->annotations.items[s->annotations.len++];
      kv->key = xstrdup(YAJL_GET_OBJECT(ann)->keys[i]);
      kv->value = xstrdup(YAJL_GET_STRING(v));
    }
  }
  const char *cpath[] = {"cgroupPaths", NULL};
  yajl_val cg = yajl_tree_get(root, cpath, yajl_t_object);
  for (size_t i = 0; cg && i < YAJL_GET_OBJECT(cg)->len; i++) {
    yajl_val v = YAJL_GET_OBJECT(cg)->values[i];
    if (YAJL_IS_STRING(v))
      cgroup_map_add(&s->cgroup_paths, YAJL_GET_OBJECT(cg)->keys[i],
                     YAJL_GET_STRING(v));
  }
  yajl_tree_free(root);
  if (!s->id)
    return cell_err(err, 0, "%s/%s: corrupt state", c->path, STATE_FILE);
  return 0;
}

static int open_dir(const char *root, const char *id, bool lock,
                    cell_container *c, cell_error_t *err) {
  memset(c, 0, sizeof *c);
  c->dirfd = -1;
  if (state_validate_id(id, err) < 0)
    return -1;
  c->path = xasprintf("%s/%s", root, id);
  c->dirfd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->dirfd < 0) {
    if (errno == ENOENT)
      return cell_err(err, 0, "container `%s` does not exist", id);
    return cell_errno(err, "open `%s`", c->path);
  }
  if (lock && lock_dir(c, id, err) < 0)
    return -1;
  return state_load(c, id, err);
}

int state_open(const char *root, const char *id, cell_container *c,
               cell_error_t *err) {
  return open_dir(root, id, true, c, err);
}

int state_peek(const char *root, const char *id, cell_container *c,
               cell_error_t *err) {
  return open_dir(root, id, false, c, err);
}

static void gen_str(yajl_gen g, const char *s) {
  yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_kv(yajl_gen g, const char *k, const char *v) {
  gen_str(g, k);
  gen_str(g, v ? v : "");
}

static void gen_annotations(yajl_gen g, const oci_map *m) {
  gen_str(g, "annotations");
  yajl_gen_map_open(g);
  for (size_t i = 0; i < m->len; i++)
    gen_kv(g, m->items[i].key, m->items[i].value);
  yajl_gen_map_close(g);
}

static char *gen_finish(yajl_gen g) {
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf(g, &buf, &len);
  char *r = xmalloc(len + 1);
  memcpy(r, buf, len);
  r[len] = '\0';
  yajl_gen_free(g);
  return r;
}

char *state_oci_json(const cell_state *st, const char *status, bool pretty) {
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_config(g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_config(g, yajl_gen_indent_string, "  ");
  yajl_gen_map_open(g);
  gen_kv(g, "ociVersion", OCI_VERSION);
  gen_kv(g, "id", st->id);
  gen_kv(g, "status", status);
  if (st->pid > 0 && strcmp(status, "stopped")) {
    gen_str(g, "pid");
    yajl_gen_integer(g, st->pid);
  }
  gen_kv(g, "bundle", st->bundle);
  if (st->annotations.len)
    gen_annotations(g, &st->annotations);
  yajl_gen_map_close(g);
  return gen_finish(g);
}

int state_save(cell_container *c, cell_error_t *err) {
  const cell_state *s = &c->st;
  yajl_gen g = yajl_gen_alloc(NULL);
  yajl_gen_map_open(g);
  gen_kv(g, "ociVersion", OCI_VERSION);
  gen_kv(g, "id", s->id);
  gen_kv(g, "bundle", s->bundle);
  gen_kv(g, "rootfs", s->rootfs);
  gen_kv(g, "created", s->created);
  gen_str(g, "pid");
  yajl_gen_integer(g, s->pid);
  gen_str(g, "pidStart");
  yajl_gen_integer(g, (long long)s->pid_start);
  gen_str(g, "creator");
  yajl_gen_integer(g, s->creator);
  gen_str(g, "creatorStart");
  yajl_gen_integer(g, (long long)s->creator_start);
  gen_str(g, "owner");
  yajl_gen_integer(g, s->owner);
  gen_str(g, "ownPidns");
  yajl_gen_bool(g, s->own_pidns);
  gen_str(g, "hasConfigCopy");
  yajl_gen_bool(g, s->has_config_copy);
  gen_annotations(g, &s->annotations);
  if (s->cgroup_paths.len) {
    gen_str(g, "cgroupPaths");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < s->cgroup_paths.len; i++)
      gen_kv(g, s->cgroup_paths.items[i].key, s->cgroup_paths.items[i].value);
    yajl_gen_map_close(g);
  }
  yajl_gen_map_close(g);
  _cleanup_free_ char *json = gen_finish(g);
  _cleanup_free_ char *path = xasprintf("%s/%s", c->path, STATE_FILE);
  return write_file_atomic(path, json, strlen(json), 0600, err);
}

int state_remove(cell_container *c, cell_error_t *err) {
  _cleanup_close_ int fd = dup(c->dirfd);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d)
    return cell_errno(err, "open `%s`", c->path);
  fd = -1;
  struct dirent *de;
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
      unlinkat(c->dirfd, de->d_name, 0);
  closedir(d);
  if (rmdir(c->path) < 0)
    return cell_errno(err, "remove `%s`", c->path);
  return 0;
}

void state_close(cell_container *c) {
  cell_state *s = &c->st;
  if (c->dirfd >= 0)
    close(c->dirfd);
  c->dirfd = -1;
  free(c->path);
  free(s->id);
  free(s->bundle);
  free(s->rootfs);
  free(s->created);
  for (size_t i = 0; i < s->annotations.len; i++) {
    free(s->annotations.items[i].key);
    free(s->annotations.items[i].value);
  }
  free(s->annotations.items);
  cgroup_map_free(&s->cgroup_paths);
  memset(c, 0, sizeof *c);
  c->dirfd = -1;
}

uint64_t proc_start_time(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* comm may hold spaces and parentheses: fields start after the last ')' */
  char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ')
    return 0;
  char state = p[2];
  if (state == 'Z' || state == 'X')
    return 0;
  p += 2;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p)
      return 0;
    p++;
  }
  return strtoull(p, NULL, 10);
}

/* A create at work holds the directory's lock from mkdir to its end; a
 * peeking reader sees the lock busy.  Other commands hold it only briefly,
 * and then the creator is gone (create) or has unlocked (run). */
static bool create_at_work(const cell_container *c) {
  const cell_state *s = &c->st;
  if (c->locked)
    return false;
  if (flock(c->dirfd, LOCK_SH | LOCK_NB) == 0) {
    flock(c->dirfd, LOCK_UN);
    return false;
  }
  if (errno != EWOULDBLOCK)
    return false;
  return s->pid <= 0 || (s->creator > 0 && s->creator_start &&
                         proc_start_time(s->creator) == s->creator_start);
}

cell_status state_status(const cell_container *c) {
  const cell_state *s = &c->st;
  if (create_at_work(c))
    return ST_CREATING;
  if (s->pid <= 0)
    return ST_STOPPED;
  if (proc_start_time(s->pid) != s->pid_start || !s->pid_start)
    return ST_STOPPED;
  /* one small read, only for a container with a cgroup */
  if (s->cgroup_paths.len && cgroup_is_frozen(&s->cgroup_paths))
    return ST_PAUSED;
  if (faccessat(c->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return ST_CREATED;
  return ST_RUNNING;
}

const char *state_status_name(cell_status s) {
  static const char *names[] = {"creating", "created", "running", "stopped",
                                "paused"};
  return names[s];
}
