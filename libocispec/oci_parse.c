/* runtime-spec documents -> oci.h structs, through yajl's tree API.  Every
 * error names the document and the JSON path of the offending value. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

typedef struct {
  const char *doc;
  char *errmsg;
  size_t plen;
  char path[1024];
} pctx;

/* ---- error reporting ---- */

/* Appends s (at most max bytes of it) with control characters, quotes and
 * backslashes escaped so that messages stay on one line. */
static size_t esc_append(char *buf, size_t cap, size_t len, const char *s,
                         size_t max) {
  size_t i;
  for (i = 0; i < max && s[i] && len + 8 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 || ch == 0x7f)
      len += (size_t)snprintf(buf + len, cap - len, "\\x%02x", ch);
    else if (ch == '"' || ch == '\\')
      len += (size_t)snprintf(buf + len, cap - len, "\\%c", ch);
    else
      buf[len++] = (char)ch;
  }
  if (s[i] && len + 4 < cap) {
    memcpy(buf + len, "...", 3);
    len += 3;
  }
  buf[len] = '\0';
  return len;
}

/* "value" quoted and escaped into q (for user text inside messages). */
static const char *quote(char *q, size_t cap, const char *s) {
  size_t len = 0;
  q[len++] = '"';
  len = esc_append(q, cap - 1, len, s, 64);
  q[len++] = '"';
  q[len] = '\0';
  return q;
}

static size_t push_key(pctx *c, const char *key) {
  size_t old = c->plen;
  if (c->plen && c->plen + 1 < sizeof(c->path))
    c->path[c->plen++] = '.';
  c->plen = esc_append(c->path, sizeof(c->path), c->plen, key, 128);
  return old;
}

static size_t push_index(pctx *c, size_t i) {
  size_t old = c->plen;
  int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
  if (n > 0 && c->plen + (size_t)n < sizeof(c->path))
    c->plen += (size_t)n;
  c->path[c->plen] = '\0';
  return old;
}

static void pop(pctx *c, size_t old) {
  c->plen = old;
  c->path[old] = '\0';
}

/* Records "<doc>: <path>[.key]: <message>" and returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(pctx *c, const char *key,
                                                      const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  size_t old = c->plen;
  if (key)
    push_key(c, key);
  free(c->errmsg);
  c->errmsg = NULL;
  int r;
  if (c->plen)
    r = asprintf(&c->errmsg, "%s: %s: %s", c->doc, c->path, msg);
  else
    r = asprintf(&c->errmsg, "%s: %s", c->doc, msg);
  if (r < 0)
    c->errmsg = NULL;
  pop(c, old);
  return -1;
}

/* "<what> \"<val>\"" with val quoted and escaped. */
static int fail_val(pctx *c, const char *key, const char *what,
                    const char *val) {
  char q[160];
  return fail(c, key, "%s %s", what, quote(q, sizeof(q), val));
}

static int oom(pctx *c) {
  return fail(c, NULL, "out of memory");
}

/* ---- scalar access ---- */

/* The member `key` of obj, last one wins; JSON null counts as absent. */
static yajl_val get(yajl_val obj, const char *key) {
  for (size_t i = obj->u.object.len; i-- > 0;) {
    if (strcmp(obj->u.object.keys[i], key) == 0) {
      yajl_val v = obj->u.object.values[i];
      return YAJL_IS_NULL(v) ? NULL : v;
    }
  }
  return NULL;
}

static int dup_str(pctx *c, const char *s, char **out) {
  *out = strdup(s);
  return *out ? 0 : oom(c);
}

static int get_str(pctx *c, yajl_val obj, const char *key, bool required,
                   char **out) {
  yajl_val v = get(obj, key);
  if (!v)
    return required ? fail(c, key, "required") : 0;
  if (!YAJL_IS_STRING(v))
    return fail(c, key, "expected a string");
  return dup_str(c, v->u.string, out);
}

static int opt_str(pctx *c, yajl_val obj, const char *key, char **out) {
  return get_str(c, obj, key, false, out);
}

static int req_str(pctx *c, yajl_val obj, const char *key, char **out) {
  return get_str(c, obj, key, true, out);
}

static int opt_bool(pctx *c, yajl_val obj, const char *key, bool *out,
                    bool *set) {
  yajl_val v = get(obj, key);
  if (!v)
    return 0;
  if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
    return fail(c, key, "expected a boolean");
  *out = YAJL_IS_TRUE(v);
  if (set)
    *set = true;
  return 0;
}

/* JSON numbers are integers only without fraction or exponent; the text form
 * is used so that the full 64-bit ranges are exact. */
static const char *int_text(yajl_val v) {
  if (!YAJL_IS_NUMBER(v) || !v->u.number.r)
    return NULL;
  const char *r = v->u.number.r;
  if (strpbrk(r, ".eE"))
    return NULL;
  return r;
}

static int take_u64(pctx *c, yajl_val v, const char *key, uint64_t max,
                    uint64_t *out) {
  const char *r = int_text(v);
  if (!r)
    return fail(c, key, "expected a non-negative integer");
  if (r[0] == '-') {
    if (strspn(r + 1, "0") != strlen(r + 1))
      return fail(c, key, "expected a non-negative integer");
    *out = 0;
    return 0;
  }
  errno = 0;
  unsigned long long x = strtoull(r, NULL, 10);
  if (errno == ERANGE || x > max)
    return fail(c, key, "value %.40s out of range [0, %" PRIu64 "]", r, max);
  *out = x;
  return 0;
}

static int take_i64(pctx *c, yajl_val v, const char *key, int64_t min,
                    int64_t max, int64_t *out) {
  const char *r = int_text(v);
  if (!r)
    return fail(c, key, "expected an integer");
  errno = 0;
  long long x = strtoll(r, NULL, 10);
  if (errno == ERANGE || x < min || x > max)
    return fail(c, key, "value %.40s out of range [%" PRId64 ", %" PRId64 "]",
                r, min, max);
  *out = x;
  return 0;
}

static int get_u64(pctx *c, yajl_val obj, const char *key, uint64_t max,
                   bool required, uint64_t *out, bool *set) {
  yajl_val v = get(obj, key);
  if (!v)
    return required ? fail(c, key, "required") : 0;
  if (take_u64(c, v, key, max, out) < 0)
    return -1;
  if (set)
    *set = true;
  return 0;
}

static int get_i64(pctx *c, yajl_val obj, const char *key, int64_t min,
                   int64_t max, bool required, int64_t *out, bool *set) {
  yajl_val v = get(obj, key);
  if (!v)
    return required ? fail(c, key, "required") : 0;
  if (take_i64(c, v, key, min, max, out) < 0)
    return -1;
  if (set)
    *set = true;
  return 0;
}

static int opt_u64(pctx *c, yajl_val obj, const char *key, uint64_t max,
                   oci_opt_u64 *out) {
  return get_u64(c, obj, key, max, false, &out->v, &out->set);
}

static int opt_i64(pctx *c, yajl_val obj, const char *key, int64_t min,
                   int64_t max, oci_opt_i64 *out) {
  return get_i64(c, obj, key, min, max, false, &out->v, &out->set);
}

static int opt_bool3(pctx *c, yajl_val obj, const char *key,
                     oci_opt_bool *out) {
  return opt_bool(c, obj, key, &out->v, &out->set);
}

static int req_u64(pctx *c, yajl_val obj, const char *key, uint64_t *out) {
  return get_u64(c, obj, key, UINT64_MAX, true, out, NULL);
}

static int req_i64(pctx *c, yajl_val obj, const char *key, int64_t *out) {
  return get_i64(c, obj, key, INT64_MIN, INT64_MAX, true, out, NULL);
}

static int get_u32(pctx *c, yajl_val obj, const char *key, bool required,
                   uint32_t *out) {
  uint64_t x = 0;
  bool set = false;
  if (get_u64(c, obj, key, UINT32_MAX, required, &x, &set) < 0)
    return -1;
  if (set)
    *out = (uint32_t)x;
  return 0;
}

static int get_i32(pctx *c, yajl_val obj, const char *key, bool required,
                   int32_t *out) {
  int64_t x = 0;
  bool set = false;
  if (get_i64(c, obj, key, INT32_MIN, INT32_MAX, required, &x, &set) < 0)
    return -1;
  if (set)
    *out = (int32_t)x;
  return 0;
}

/* ---- containers ---- */

static int opt_obj(pctx *c, yajl_val obj, const char *key, yajl_val *out) {
  yajl_val v = get(obj, key);
  *out = NULL;
  if (v && !YAJL_IS_OBJECT(v))
    return fail(c, key, "expected an object");
  *out = v;
  return 0;
}

static int opt_arr(pctx *c, yajl_val obj, const char *key, yajl_val *out) {
  yajl_val v = get(obj, key);
  *out = NULL;
  if (v && !YAJL_IS_ARRAY(v))
    return fail(c, key, "expected an array");
  *out = v;
  return 0;
}

static int opt_strv(pctx *c, yajl_val obj, const char *key, oci_strv *out) {
  yajl_val a;
  if (opt_arr(c, obj, key, &a) < 0)
    return -1;
  if (!a || a->u.array.len == 0)
    return 0;
  size_t n = a->u.array.len;
  out->items = calloc(n, sizeof(char *));
  if (!out->items)
    return oom(c);
  out->len = n;
  for (size_t i = 0; i < n; i++) {
    yajl_val e = a->u.array.values[i];
    if (!YAJL_IS_STRING(e)) {
      size_t old = push_key(c, key);
      push_index(c, i);
      fail(c, NULL, "expected a string");
      pop(c, old);
      return -1;
    }
    if (dup_str(c, e->u.string, &out->items[i]) < 0)
      return -1;
  }
  return 0;
}

/* A {"k": "v"} object. */
static int opt_map(pctx *c, yajl_val obj, const char *key, oci_map *out) {
  yajl_val o;
  if (opt_obj(c, obj, key, &o) < 0)
    return -1;
  if (!o || o->u.object.len == 0)
    return 0;
  size_t n = o->u.object.len;
  out->items = calloc(n, sizeof(oci_kv));
  if (!out->items)
    return oom(c);
  out->len = n;
  size_t old = push_key(c, key);
  for (size_t i = 0; i < n; i++) {
    yajl_val v = o->u.object.values[i];
    if (!YAJL_IS_STRING(v))
      return fail(c, o->u.object.keys[i], "expected a string");
    if (dup_str(c, o->u.object.keys[i], &out->items[i].key) < 0 ||
        dup_str(c, v->u.string, &out->items[i].value) < 0)
      return -1;
  }
  pop(c, old);
  return 0;
}

typedef int (*elem_fn)(pctx *c, yajl_val v, void *elem);

/* Calls fn on each element of an array of objects, with the path set. */
static int each_obj(pctx *c, const char *key, yajl_val a, void *items,
                    size_t esize, elem_fn fn) {
  size_t old = push_key(c, key);
  for (size_t i = 0; i < a->u.array.len; i++) {
    size_t o2 = push_index(c, i);
    yajl_val e = a->u.array.values[i];
    if (!YAJL_IS_OBJECT(e))
      return fail(c, NULL, "expected an object");
    if (fn(c, e, (char *)items + i * esize) < 0)
      return -1;
    pop(c, o2);
  }
  pop(c, old);
  return 0;
}

/* Parses obj[key], an optional array of objects, into (field, nfield); both
 * are set before the elements are parsed so that a failure frees cleanly. */
#define PARSE_ARR(c, obj, key, field, nfield, fn)                              \
  ({                                                                           \
    yajl_val a_;                                                               \
    int r_ = opt_arr((c), (obj), (key), &a_);                                  \
    if (r_ == 0 && a_ && a_->u.array.len) {                                    \
      (field) = calloc(a_->u.array.len, sizeof(*(field)));                     \
      if (!(field)) {                                                          \
        r_ = oom(c);                                                           \
      } else {                                                                 \
        (nfield) = a_->u.array.len;                                            \
        r_ = each_obj((c), (key), a_, (field), sizeof(*(field)), (fn));        \
      }                                                                        \
    }                                                                          \
    r_;                                                                        \
  })

/* Runs `body` with `key` pushed on the path; non-zero (e.g. an `||` chain of
 * calls) gives -1. */
#define WITH_KEY(c, key, body)                                                 \
  ({                                                                           \
    size_t o_ = push_key((c), (key));                                          \
    int r_ = (body) ? -1 : 0;                                                  \
    if (r_ == 0)                                                               \
      pop((c), o_);                                                            \
    r_;                                                                        \
  })

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return true;
  return false;
}

static int check_enum(pctx *c, const char *key, const char *val,
                      const char *const *list, const char *what) {
  if (val && !in_list(val, list)) {
    char msg[64];
    snprintf(msg, sizeof(msg), "unknown %s", what);
    return fail_val(c, key, msg, val);
  }
  return 0;
}

static int check_abs(pctx *c, const char *key, const char *val) {
  if (val && val[0] != '/')
    return fail(c, key, "must be an absolute path");
  return 0;
}

/* ---- rlimits ---- */

static const struct {
  const char *name;
  int value;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int oci_rlimit_from_name(const char *name) {
  if (!name)
    return -1;
  for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
    if (strcmp(name, rlimits[i].name) == 0)
      return rlimits[i].value;
  return -1;
}

/* ---- process ---- */

static const char *const sched_policies[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
    "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL};
static const char *const sched_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
    "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX", NULL};
static const char *const ioprio_classes[] = {
    "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL};

static int parse_rlimit(pctx *c, yajl_val v, void *elem) {
  oci_rlimit *r = elem;
  if (req_str(c, v, "type", &r->type) < 0)
    return -1;
  if (oci_rlimit_from_name(r->type) < 0)
    return fail_val(c, "type", "unknown rlimit", r->type);
  if (req_u64(c, v, "hard", &r->hard) < 0 ||
      req_u64(c, v, "soft", &r->soft) < 0)
    return -1;
  return 0;
}

static int check_rlimit_dups(pctx *c, const oci_process *p) {
  uint64_t seen = 0;
  for (size_t i = 0; i < p->n_rlimits; i++) {
    int n = oci_rlimit_from_name(p->rlimits[i].type);
    if (n >= 0 && n < 64) {
      if (seen & (1ULL << n)) {
        size_t old = push_key(c, "rlimits");
        push_index(c, i);
        fail_val(c, "type", "duplicate rlimit", p->rlimits[i].type);
        pop(c, old);
        return -1;
      }
      seen |= 1ULL << n;
    }
  }
  return 0;
}

static int parse_user(pctx *c, yajl_val v, oci_user *u) {
  if (get_u32(c, v, "uid", true, &u->uid) < 0 ||
      get_u32(c, v, "gid", true, &u->gid) < 0 ||
      opt_u64(c, v, "umask", UINT32_MAX, &u->umask) < 0 ||
      opt_str(c, v, "username", &u->username) < 0)
    return -1;
  yajl_val a;
  if (opt_arr(c, v, "additionalGids", &a) < 0)
    return -1;
  if (a && a->u.array.len) {
    size_t n = a->u.array.len;
    u->additional_gids = calloc(n, sizeof(uint32_t));
    if (!u->additional_gids)
      return oom(c);
    u->n_additional_gids = n;
    size_t old = push_key(c, "additionalGids");
    for (size_t i = 0; i < n; i++) {
      uint64_t x;
      size_t o2 = push_index(c, i);
      if (take_u64(c, a->u.array.values[i], NULL, UINT32_MAX, &x) < 0)
        return -1;
      u->additional_gids[i] = (uint32_t)x;
      pop(c, o2);
    }
    pop(c, old);
  }
  return 0;
}

static int parse_caps(pctx *c, yajl_val v, oci_caps *caps) {
  caps->present = true;
  if (opt_strv(c, v, "bounding", &caps->bounding) < 0 ||
      opt_strv(c, v, "effective", &caps->effective) < 0 ||
      opt_strv(c, v, "inheritable", &caps->inheritable) < 0 ||
      opt_strv(c, v, "permitted", &caps->permitted) < 0 ||
      opt_strv(c, v, "ambient", &caps->ambient) < 0)
    return -1;
  return 0;
}

static int parse_scheduler(pctx *c, yajl_val v, oci_scheduler *s) {
  s->present = true;
  if (req_str(c, v, "policy", &s->policy) < 0 ||
      check_enum(c, "policy", s->policy, sched_policies, "scheduler policy") <
          0 ||
      get_i32(c, v, "nice", false, &s->nice) < 0 ||
      get_i32(c, v, "priority", false, &s->priority) < 0 ||
      opt_strv(c, v, "flags", &s->flags) < 0 ||
      get_u64(c, v, "runtime", UINT64_MAX, false, &s->runtime, NULL) < 0 ||
      get_u64(c, v, "deadline", UINT64_MAX, false, &s->deadline, NULL) < 0 ||
      get_u64(c, v, "period", UINT64_MAX, false, &s->period, NULL) < 0)
    return -1;
  for (size_t i = 0; i < s->flags.len; i++) {
    size_t old = push_key(c, "flags");
    push_index(c, i);
    int r =
        check_enum(c, NULL, s->flags.items[i], sched_flags, "scheduler flag");
    pop(c, old);
    if (r < 0)
      return -1;
  }
  return 0;
}

static int parse_ioprio(pctx *c, yajl_val v, oci_ioprio *io) {
  io->present = true;
  if (req_str(c, v, "class", &io->klass) < 0 ||
      check_enum(c, "class", io->klass, ioprio_classes, "ioPriority class") <
          0 ||
      get_i32(c, v, "priority", true, &io->priority) < 0)
    return -1;
  return 0;
}

static int parse_process_obj(pctx *c, yajl_val v, oci_process *p) {
  yajl_val o;
  if (opt_bool(c, v, "terminal", &p->terminal, NULL) < 0)
    return -1;

  if (opt_obj(c, v, "consoleSize", &o) < 0)
    return -1;
  if (o) {
    p->has_console_size = true;
    if (WITH_KEY(c, "consoleSize",
                 get_u32(c, o, "height", true, &p->console_height) ||
                     get_u32(c, o, "width", true, &p->console_width)))
      return -1;
  }

  if (opt_obj(c, v, "user", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "user", parse_user(c, o, &p->user)) < 0)
    return -1;

  if (!get(v, "args"))
    return fail(c, "args", "required");
  if (opt_strv(c, v, "args", &p->args) < 0)
    return -1;
  if (p->args.len == 0)
    return fail(c, "args", "must not be empty");

  if (opt_str(c, v, "commandLine", &p->command_line) < 0 ||
      opt_strv(c, v, "env", &p->env) < 0 || req_str(c, v, "cwd", &p->cwd) < 0 ||
      check_abs(c, "cwd", p->cwd) < 0)
    return -1;

  if (opt_obj(c, v, "capabilities", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "capabilities", parse_caps(c, o, &p->caps)) < 0)
    return -1;

  if (PARSE_ARR(c, v, "rlimits", p->rlimits, p->n_rlimits, parse_rlimit) < 0 ||
      check_rlimit_dups(c, p) < 0)
    return -1;

  if (opt_bool(c, v, "noNewPrivileges", &p->no_new_privileges, NULL) < 0 ||
      opt_str(c, v, "apparmorProfile", &p->apparmor_profile) < 0 ||
      opt_i64(c, v, "oomScoreAdj", INT32_MIN, INT32_MAX, &p->oom_score_adj) <
          0 ||
      opt_str(c, v, "selinuxLabel", &p->selinux_label) < 0)
    return -1;

  if (opt_obj(c, v, "scheduler", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "scheduler", parse_scheduler(c, o, &p->scheduler)) < 0)
    return -1;

  if (opt_obj(c, v, "ioPriority", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "ioPriority", parse_ioprio(c, o, &p->io_priority)) < 0)
    return -1;

  if (opt_obj(c, v, "execCPUAffinity", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "execCPUAffinity",
                    opt_str(c, o, "initial", &p->exec_cpu_affinity.initial) ||
                        opt_str(c, o, "final", &p->exec_cpu_affinity.final)))
    return -1;
  return 0;
}

/* ---- root, mounts, hooks ---- */

static int parse_idmap(pctx *c, yajl_val v, void *elem) {
  oci_idmap *m = elem;
  if (get_u32(c, v, "containerID", true, &m->container_id) < 0 ||
      get_u32(c, v, "hostID", true, &m->host_id) < 0 ||
      get_u32(c, v, "size", true, &m->size) < 0)
    return -1;
  return 0;
}

static int parse_idmaps(pctx *c, yajl_val v, const char *key, oci_idmapv *out) {
  return PARSE_ARR(c, v, key, out->items, out->len, parse_idmap);
}

static int parse_mount(pctx *c, yajl_val v, void *elem) {
  oci_mount *m = elem;
  if (req_str(c, v, "destination", &m->destination) < 0 ||
      opt_str(c, v, "source", &m->source) < 0 ||
      opt_str(c, v, "type", &m->type) < 0 ||
      opt_strv(c, v, "options", &m->options) < 0 ||
      parse_idmaps(c, v, "uidMappings", &m->uid_mappings) < 0 ||
      parse_idmaps(c, v, "gidMappings", &m->gid_mappings) < 0)
    return -1;
  return 0;
}

static int parse_hook(pctx *c, yajl_val v, void *elem) {
  oci_hook *h = elem;
  if (req_str(c, v, "path", &h->path) < 0 ||
      check_abs(c, "path", h->path) < 0 ||
      opt_strv(c, v, "args", &h->args) < 0 ||
      opt_strv(c, v, "env", &h->env) < 0 ||
      opt_i64(c, v, "timeout", 1, INT32_MAX, &h->timeout) < 0)
    return -1;
  return 0;
}

static int parse_hookv(pctx *c, yajl_val v, const char *key, oci_hookv *out) {
  return PARSE_ARR(c, v, key, out->items, out->len, parse_hook);
}

static int parse_hooks(pctx *c, yajl_val v, oci_hooks *h) {
  if (parse_hookv(c, v, "prestart", &h->prestart) < 0 ||
      parse_hookv(c, v, "createRuntime", &h->create_runtime) < 0 ||
      parse_hookv(c, v, "createContainer", &h->create_container) < 0 ||
      parse_hookv(c, v, "startContainer", &h->start_container) < 0 ||
      parse_hookv(c, v, "poststart", &h->poststart) < 0 ||
      parse_hookv(c, v, "poststop", &h->poststop) < 0)
    return -1;
  return 0;
}

/* ---- linux.resources ---- */

static const char *const cgroup_dev_types[] = {"a", "b", "c", NULL};

static int parse_dev_cgroup(pctx *c, yajl_val v, void *elem) {
  oci_device_cgroup *d = elem;
  if (opt_bool(c, v, "allow", &d->allow, NULL) < 0 ||
      opt_str(c, v, "type", &d->type) < 0 ||
      check_enum(c, "type", d->type, cgroup_dev_types, "device type") < 0 ||
      opt_i64(c, v, "major", INT64_MIN, INT64_MAX, &d->major) < 0 ||
      opt_i64(c, v, "minor", INT64_MIN, INT64_MAX, &d->minor) < 0 ||
      opt_str(c, v, "access", &d->access) < 0)
    return -1;
  if (d->access && strspn(d->access, "rwm") != strlen(d->access))
    return fail_val(c, "access", "invalid access", d->access);
  return 0;
}

static int parse_memory(pctx *c, yajl_val v, oci_memory *m) {
  if (opt_i64(c, v, "limit", INT64_MIN, INT64_MAX, &m->limit) < 0 ||
      opt_i64(c, v, "reservation", INT64_MIN, INT64_MAX, &m->reservation) < 0 ||
      opt_i64(c, v, "swap", INT64_MIN, INT64_MAX, &m->swap) < 0 ||
      opt_i64(c, v, "kernel", INT64_MIN, INT64_MAX, &m->kernel) < 0 ||
      opt_i64(c, v, "kernelTCP", INT64_MIN, INT64_MAX, &m->kernel_tcp) < 0 ||
      opt_u64(c, v, "swappiness", UINT64_MAX, &m->swappiness) < 0 ||
      opt_bool3(c, v, "disableOOMKiller", &m->disable_oom_killer) < 0 ||
      opt_bool3(c, v, "useHierarchy", &m->use_hierarchy) < 0 ||
      opt_bool3(c, v, "checkBeforeUpdate", &m->check_before_update) < 0)
    return -1;
  return 0;
}

static int parse_cpu(pctx *c, yajl_val v, oci_cpu *p) {
  if (opt_u64(c, v, "shares", UINT64_MAX, &p->shares) < 0 ||
      opt_i64(c, v, "quota", INT64_MIN, INT64_MAX, &p->quota) < 0 ||
      opt_u64(c, v, "burst", UINT64_MAX, &p->burst) < 0 ||
      opt_u64(c, v, "period", UINT64_MAX, &p->period) < 0 ||
      opt_i64(c, v, "realtimeRuntime", INT64_MIN, INT64_MAX,
              &p->realtime_runtime) < 0 ||
      opt_u64(c, v, "realtimePeriod", UINT64_MAX, &p->realtime_period) < 0 ||
      opt_str(c, v, "cpus", &p->cpus) < 0 ||
      opt_str(c, v, "mems", &p->mems) < 0 ||
      opt_i64(c, v, "idle", INT64_MIN, INT64_MAX, &p->idle) < 0)
    return -1;
  return 0;
}

static int parse_weight_dev(pctx *c, yajl_val v, void *elem) {
  oci_weight_device *d = elem;
  if (req_i64(c, v, "major", &d->major) < 0 ||
      req_i64(c, v, "minor", &d->minor) < 0 ||
      opt_u64(c, v, "weight", UINT16_MAX, &d->weight) < 0 ||
      opt_u64(c, v, "leafWeight", UINT16_MAX, &d->leaf_weight) < 0)
    return -1;
  return 0;
}

static int parse_throttle_dev(pctx *c, yajl_val v, void *elem) {
  oci_throttle_device *d = elem;
  if (req_i64(c, v, "major", &d->major) < 0 ||
      req_i64(c, v, "minor", &d->minor) < 0 ||
      req_u64(c, v, "rate", &d->rate) < 0)
    return -1;
  return 0;
}

static int parse_throttlev(pctx *c, yajl_val v, const char *key,
                           oci_throttlev *out) {
  return PARSE_ARR(c, v, key, out->items, out->len, parse_throttle_dev);
}

static int parse_blkio(pctx *c, yajl_val v, oci_blkio *b) {
  if (opt_u64(c, v, "weight", UINT16_MAX, &b->weight) < 0 ||
      opt_u64(c, v, "leafWeight", UINT16_MAX, &b->leaf_weight) < 0 ||
      PARSE_ARR(c, v, "weightDevice", b->weight_device, b->n_weight_device,
                parse_weight_dev) < 0 ||
      parse_throttlev(c, v, "throttleReadBpsDevice", &b->throttle_read_bps) <
          0 ||
      parse_throttlev(c, v, "throttleWriteBpsDevice", &b->throttle_write_bps) <
          0 ||
      parse_throttlev(c, v, "throttleReadIOPSDevice", &b->throttle_read_iops) <
          0 ||
      parse_throttlev(c, v, "throttleWriteIOPSDevice",
                      &b->throttle_write_iops) < 0)
    return -1;
  return 0;
}

static int parse_hugepage(pctx *c, yajl_val v, void *elem) {
  oci_hugepage_limit *h = elem;
  if (req_str(c, v, "pageSize", &h->page_size) < 0 ||
      req_u64(c, v, "limit", &h->limit) < 0)
    return -1;
  return 0;
}

static int parse_net_prio(pctx *c, yajl_val v, void *elem) {
  oci_net_priority *p = elem;
  if (req_str(c, v, "name", &p->name) < 0 ||
      get_u32(c, v, "priority", true, &p->priority) < 0)
    return -1;
  return 0;
}

static int parse_network(pctx *c, yajl_val v, oci_network *n) {
  if (opt_u64(c, v, "classID", UINT32_MAX, &n->class_id) < 0 ||
      PARSE_ARR(c, v, "priorities", n->priorities, n->n_priorities,
                parse_net_prio) < 0)
    return -1;
  return 0;
}

static int parse_rdma(pctx *c, yajl_val o, oci_resources *r) {
  size_t n = o->u.object.len;
  if (n == 0)
    return 0;
  r->rdma = calloc(n, sizeof(oci_rdma));
  if (!r->rdma)
    return oom(c);
  r->n_rdma = n;
  for (size_t i = 0; i < n; i++) {
    yajl_val e = o->u.object.values[i];
    oci_rdma *d = &r->rdma[i];
    if (dup_str(c, o->u.object.keys[i], &d->name) < 0)
      return -1;
    if (!YAJL_IS_OBJECT(e))
      return fail(c, d->name, "expected an object");
    if (WITH_KEY(c, d->name,
                 opt_u64(c, e, "hcaHandles", UINT32_MAX, &d->hca_handles) ||
                     opt_u64(c, e, "hcaObjects", UINT32_MAX, &d->hca_objects)))
      return -1;
  }
  return 0;
}

static int parse_resources_obj(pctx *c, yajl_val v, oci_resources *r) {
  yajl_val o;
  r->present = true;
  if (PARSE_ARR(c, v, "devices", r->devices, r->n_devices, parse_dev_cgroup) <
      0)
    return -1;

  if (opt_obj(c, v, "memory", &o) < 0)
    return -1;
  if (o) {
    r->has_memory = true;
    if (WITH_KEY(c, "memory", parse_memory(c, o, &r->memory)) < 0)
      return -1;
  }
  if (opt_obj(c, v, "cpu", &o) < 0)
    return -1;
  if (o) {
    r->has_cpu = true;
    if (WITH_KEY(c, "cpu", parse_cpu(c, o, &r->cpu)) < 0)
      return -1;
  }
  if (opt_obj(c, v, "blockIO", &o) < 0)
    return -1;
  if (o) {
    r->has_blkio = true;
    if (WITH_KEY(c, "blockIO", parse_blkio(c, o, &r->blkio)) < 0)
      return -1;
  }
  if (PARSE_ARR(c, v, "hugepageLimits", r->hugepage_limits,
                r->n_hugepage_limits, parse_hugepage) < 0)
    return -1;
  if (opt_obj(c, v, "network", &o) < 0)
    return -1;
  if (o) {
    r->has_network = true;
    if (WITH_KEY(c, "network", parse_network(c, o, &r->network)) < 0)
      return -1;
  }
  if (opt_obj(c, v, "pids", &o) < 0)
    return -1;
  if (o) {
    r->has_pids = true;
    if (WITH_KEY(c, "pids",
                 opt_i64(c, o, "limit", INT64_MIN, INT64_MAX, &r->pids_limit)))
      return -1;
  }
  if (opt_obj(c, v, "rdma", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "rdma", parse_rdma(c, o, r)) < 0)
    return -1;
  return opt_map(c, v, "unified", &r->unified);
}

/* ---- linux ---- */

static const char *const ns_types[] = {"pid",  "network", "mount", "ipc", "uts",
                                       "user", "cgroup",  "time",  NULL};
static const char *const dev_types[] = {"c", "b", "u", "p", NULL};
static const char *const propagations[] = {
    "private", "rprivate",   "slave",       "rslave", "shared",
    "rshared", "unbindable", "runbindable", NULL};
static const char *const personalities[] = {"LINUX", "LINUX32", NULL};
static const char *const clocks[] = {"boottime", "monotonic", NULL};
static const char *const mpol_modes[] = {"MPOL_DEFAULT",
                                         "MPOL_PREFERRED",
                                         "MPOL_BIND",
                                         "MPOL_INTERLEAVE",
                                         "MPOL_LOCAL",
                                         "MPOL_PREFERRED_MANY",
                                         "MPOL_WEIGHTED_INTERLEAVE",
                                         NULL};

static int parse_namespace(pctx *c, yajl_val v, void *elem) {
  oci_namespace *ns = elem;
  if (req_str(c, v, "type", &ns->type) < 0 ||
      check_enum(c, "type", ns->type, ns_types, "namespace type") < 0 ||
      opt_str(c, v, "path", &ns->path) < 0)
    return -1;
  return 0;
}

static int check_ns_dups(pctx *c, const oci_linux *l) {
  unsigned seen = 0;
  for (size_t i = 0; i < l->n_namespaces; i++) {
    unsigned bit = 0;
    for (size_t k = 0; ns_types[k]; k++)
      if (strcmp(ns_types[k], l->namespaces[i].type) == 0)
        bit = 1u << k;
    if (seen & bit) {
      size_t old = push_key(c, "namespaces");
      push_index(c, i);
      fail_val(c, "type", "duplicate namespace", l->namespaces[i].type);
      pop(c, old);
      return -1;
    }
    seen |= bit;
  }
  return 0;
}

static int parse_device(pctx *c, yajl_val v, void *elem) {
  oci_device *d = elem;
  if (req_str(c, v, "type", &d->type) < 0 ||
      check_enum(c, "type", d->type, dev_types, "device type") < 0 ||
      req_str(c, v, "path", &d->path) < 0)
    return -1;
  bool need_nums = strcmp(d->type, "p") != 0;
  if (get_i64(c, v, "major", INT64_MIN, INT64_MAX, need_nums, &d->major, NULL) <
          0 ||
      get_i64(c, v, "minor", INT64_MIN, INT64_MAX, need_nums, &d->minor, NULL) <
          0 ||
      opt_u64(c, v, "fileMode", UINT32_MAX, &d->file_mode) < 0 ||
      opt_u64(c, v, "uid", UINT32_MAX, &d->uid) < 0 ||
      opt_u64(c, v, "gid", UINT32_MAX, &d->gid) < 0)
    return -1;
  return 0;
}

static int parse_seccomp_arg(pctx *c, yajl_val v, void *elem) {
  oci_seccomp_arg *a = elem;
  uint64_t index = 0;
  if (get_u64(c, v, "index", INT64_MAX, true, &index, NULL) < 0 ||
      req_u64(c, v, "value", &a->value) < 0 ||
      get_u64(c, v, "valueTwo", UINT64_MAX, false, &a->value_two, NULL) < 0 ||
      req_str(c, v, "op", &a->op) < 0)
    return -1;
  a->index = (int64_t)index;
  return 0;
}

static int parse_syscall(pctx *c, yajl_val v, void *elem) {
  oci_seccomp_syscall *s = elem;
  if (!get(v, "names"))
    return fail(c, "names", "required");
  if (opt_strv(c, v, "names", &s->names) < 0 ||
      req_str(c, v, "action", &s->action) < 0 ||
      opt_u64(c, v, "errnoRet", UINT32_MAX, &s->errno_ret) < 0 ||
      PARSE_ARR(c, v, "args", s->args, s->n_args, parse_seccomp_arg) < 0)
    return -1;
  return 0;
}

static int parse_seccomp(pctx *c, yajl_val v, oci_seccomp *s) {
  s->present = true;
  if (req_str(c, v, "defaultAction", &s->default_action) < 0 ||
      opt_u64(c, v, "defaultErrnoRet", UINT32_MAX, &s->default_errno_ret) < 0 ||
      opt_strv(c, v, "architectures", &s->architectures) < 0 ||
      opt_strv(c, v, "flags", &s->flags) < 0 ||
      opt_str(c, v, "listenerPath", &s->listener_path) < 0 ||
      opt_str(c, v, "listenerMetadata", &s->listener_metadata) < 0 ||
      PARSE_ARR(c, v, "syscalls", s->syscalls, s->n_syscalls, parse_syscall) <
          0)
    return -1;
  return 0;
}

static int parse_intel_rdt(pctx *c, yajl_val v, oci_intel_rdt *r) {
  r->present = true;
  if (opt_str(c, v, "closID", &r->clos_id) < 0 ||
      opt_str(c, v, "l3CacheSchema", &r->l3_cache_schema) < 0 ||
      opt_str(c, v, "memBwSchema", &r->mem_bw_schema) < 0 ||
      opt_strv(c, v, "schemata", &r->schemata) < 0 ||
      opt_bool(c, v, "enableMonitoring", &r->enable_monitoring, NULL) < 0)
    return -1;
  return 0;
}

static int parse_personality(pctx *c, yajl_val v, oci_personality *p) {
  p->present = true;
  if (req_str(c, v, "domain", &p->domain) < 0 ||
      check_enum(c, "domain", p->domain, personalities, "personality domain") <
          0 ||
      opt_strv(c, v, "flags", &p->flags) < 0)
    return -1;
  return 0;
}

static int parse_memory_policy(pctx *c, yajl_val v, oci_memory_policy *m) {
  m->present = true;
  if (req_str(c, v, "mode", &m->mode) < 0 ||
      check_enum(c, "mode", m->mode, mpol_modes, "memory policy mode") < 0 ||
      opt_str(c, v, "nodes", &m->nodes) < 0 ||
      opt_strv(c, v, "flags", &m->flags) < 0)
    return -1;
  return 0;
}

static int parse_time_offsets(pctx *c, yajl_val o, oci_linux *l) {
  size_t n = o->u.object.len;
  if (n == 0)
    return 0;
  l->time_offsets = calloc(n, sizeof(oci_time_offset));
  if (!l->time_offsets)
    return oom(c);
  l->n_time_offsets = n;
  for (size_t i = 0; i < n; i++) {
    const char *key = o->u.object.keys[i];
    yajl_val e = o->u.object.values[i];
    oci_time_offset *t = &l->time_offsets[i];
    if (check_enum(c, key, key, clocks, "clock") < 0 ||
        dup_str(c, key, &t->clock) < 0)
      return -1;
    if (!YAJL_IS_OBJECT(e))
      return fail(c, key, "expected an object");
    if (WITH_KEY(c, key,
                 get_i64(c, e, "secs", INT64_MIN, INT64_MAX, false, &t->secs,
                         NULL) ||
                     get_u32(c, e, "nanosecs", false, &t->nanosecs)))
      return -1;
  }
  return 0;
}

static int parse_net_devices(pctx *c, yajl_val o, oci_linux *l) {
  size_t n = o->u.object.len;
  if (n == 0)
    return 0;
  l->net_devices = calloc(n, sizeof(oci_net_device));
  if (!l->net_devices)
    return oom(c);
  l->n_net_devices = n;
  for (size_t i = 0; i < n; i++) {
    const char *key = o->u.object.keys[i];
    yajl_val e = o->u.object.values[i];
    oci_net_device *d = &l->net_devices[i];
    if (dup_str(c, key, &d->host_name) < 0)
      return -1;
    if (!YAJL_IS_OBJECT(e))
      return fail(c, key, "expected an object");
    if (WITH_KEY(c, key, opt_str(c, e, "name", &d->name)))
      return -1;
  }
  return 0;
}

static int parse_linux(pctx *c, yajl_val v, oci_linux *l) {
  yajl_val o;
  l->present = true;
  if (parse_idmaps(c, v, "uidMappings", &l->uid_mappings) < 0 ||
      parse_idmaps(c, v, "gidMappings", &l->gid_mappings) < 0 ||
      opt_map(c, v, "sysctl", &l->sysctl) < 0)
    return -1;

  if (opt_obj(c, v, "resources", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "resources", parse_resources_obj(c, o, &l->resources)))
    return -1;

  if (opt_str(c, v, "cgroupsPath", &l->cgroups_path) < 0 ||
      PARSE_ARR(c, v, "namespaces", l->namespaces, l->n_namespaces,
                parse_namespace) < 0 ||
      check_ns_dups(c, l) < 0 ||
      PARSE_ARR(c, v, "devices", l->devices, l->n_devices, parse_device) < 0)
    return -1;

  if (opt_obj(c, v, "seccomp", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "seccomp", parse_seccomp(c, o, &l->seccomp)))
    return -1;

  if (opt_str(c, v, "rootfsPropagation", &l->rootfs_propagation) < 0 ||
      check_enum(c, "rootfsPropagation", l->rootfs_propagation, propagations,
                 "rootfs propagation") < 0 ||
      opt_strv(c, v, "maskedPaths", &l->masked_paths) < 0 ||
      opt_strv(c, v, "readonlyPaths", &l->readonly_paths) < 0 ||
      opt_str(c, v, "mountLabel", &l->mount_label) < 0)
    return -1;

  if (opt_obj(c, v, "intelRdt", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "intelRdt", parse_intel_rdt(c, o, &l->intel_rdt)))
    return -1;
  if (opt_obj(c, v, "personality", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "personality", parse_personality(c, o, &l->personality)))
    return -1;
  if (opt_obj(c, v, "timeOffsets", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "timeOffsets", parse_time_offsets(c, o, l)))
    return -1;
  if (opt_obj(c, v, "memoryPolicy", &o) < 0)
    return -1;
  if (o &&
      WITH_KEY(c, "memoryPolicy", parse_memory_policy(c, o, &l->memory_policy)))
    return -1;
  if (opt_obj(c, v, "netDevices", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "netDevices", parse_net_devices(c, o, l)))
    return -1;
  return 0;
}

/* ---- documents ---- */

static int parse_config_obj(pctx *c, yajl_val v, oci_config *cfg) {
  yajl_val o;
  if (req_str(c, v, "ociVersion", &cfg->oci_version) < 0)
    return -1;

  if (opt_obj(c, v, "process", &o) < 0)
    return -1;
  if (o) {
    cfg->process = calloc(1, sizeof(oci_process));
    if (!cfg->process)
      return oom(c);
    if (WITH_KEY(c, "process", parse_process_obj(c, o, cfg->process)))
      return -1;
  }

  if (opt_obj(c, v, "root", &o) < 0)
    return -1;
  if (o) {
    cfg->has_root = true;
    if (WITH_KEY(c, "root",
                 req_str(c, o, "path", &cfg->root.path) ||
                     opt_bool(c, o, "readonly", &cfg->root.readonly, NULL)))
      return -1;
  }

  if (opt_str(c, v, "hostname", &cfg->hostname) < 0 ||
      opt_str(c, v, "domainname", &cfg->domainname) < 0 ||
      PARSE_ARR(c, v, "mounts", cfg->mounts, cfg->n_mounts, parse_mount) < 0)
    return -1;

  if (opt_obj(c, v, "hooks", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "hooks", parse_hooks(c, o, &cfg->hooks)))
    return -1;

  if (opt_map(c, v, "annotations", &cfg->annotations) < 0)
    return -1;

  if (opt_obj(c, v, "linux", &o) < 0)
    return -1;
  if (o && WITH_KEY(c, "linux", parse_linux(c, o, &cfg->linux_)))
    return -1;
  return 0;
}

static const char *const state_statuses[] = {"creating", "created", "running",
                                             "stopped", NULL};

static int parse_state_obj(pctx *c, yajl_val v, oci_state *s) {
  int64_t pid = 0;
  bool has_pid = false;
  if (req_str(c, v, "ociVersion", &s->oci_version) < 0 ||
      req_str(c, v, "id", &s->id) < 0 ||
      req_str(c, v, "status", &s->status) < 0 ||
      check_enum(c, "status", s->status, state_statuses, "status") < 0 ||
      get_i64(c, v, "pid", 0, INT32_MAX, false, &pid, &has_pid) < 0 ||
      req_str(c, v, "bundle", &s->bundle) < 0 ||
      opt_map(c, v, "annotations", &s->annotations) < 0)
    return -1;
  /* The spec requires pid for the states in which a process exists. */
  if (!has_pid &&
      (strcmp(s->status, "created") == 0 || strcmp(s->status, "running") == 0))
    return fail_val(c, "pid", "required when status is", s->status);
  s->pid = (int)pid;
  return 0;
}

/* One pass before yajl: yajl_tree_parse needs a NUL-terminated text, a
 * "\u0000" escape would silently truncate a C string, and yajl recurses
 * (and overflows the stack) on absurdly deep nesting. */
#define MAX_DEPTH 256

static int precheck(pctx *c, const char *s, size_t len) {
  size_t depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    if (ch == '\0')
      return fail(c, NULL, "invalid JSON: NUL byte in document");
    if (in_str) {
      if (ch == '"') {
        in_str = false;
      } else if (ch == '\\' && i + 1 < len) {
        if (s[i + 1] == 'u' && len - i >= 6 &&
            memcmp(s + i + 2, "0000", 4) == 0)
          return fail(c, NULL,
                      "invalid JSON: \\u0000 in a string is not supported");
        i++;
      }
    } else if (ch == '"') {
      in_str = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > MAX_DEPTH)
        return fail(c, NULL, "invalid JSON: nested deeper than %d levels",
                    MAX_DEPTH);
    } else if ((ch == '}' || ch == ']') && depth) {
      depth--;
    }
  }
  return 0;
}

/* Parses the text into a tree whose root is an object, or fails with an
 * "invalid JSON" message. */
static yajl_val parse_tree(pctx *c, const char *data, size_t len) {
  char ebuf[256] = "";
  if (precheck(c, data, len) < 0)
    return NULL;
  char *text = malloc(len + 1);
  if (!text) {
    oom(c);
    return NULL;
  }
  if (len)
    memcpy(text, data, len);
  text[len] = '\0';
  yajl_val root = yajl_tree_parse(text, ebuf, sizeof(ebuf));
  free(text);
  if (!root) {
    /* yajl's verbose message spans lines: keep the first, trimmed. */
    ebuf[strcspn(ebuf, "\n")] = '\0';
    size_t n = strlen(ebuf);
    while (n &&
           (ebuf[n - 1] == ' ' || ebuf[n - 1] == '\t' || ebuf[n - 1] == '\r'))
      ebuf[--n] = '\0';
    fail(c, NULL, "invalid JSON: %s", n ? ebuf : "unknown error");
    return NULL;
  }
  if (!YAJL_IS_OBJECT(root)) {
    yajl_tree_free(root);
    fail(c, NULL, "expected an object");
    return NULL;
  }
  return root;
}

static void finish(pctx *c, char **errmsg) {
  if (errmsg)
    *errmsg = c->errmsg ? c->errmsg : strdup("out of memory");
  else
    free(c->errmsg);
}

int oci_config_parse(const char *data, size_t len, const char *docname,
                     oci_config **out, char **errmsg) {
  pctx c = {.doc = docname ? docname : "config.json"};
  yajl_val root = parse_tree(&c, data, len);
  if (!root)
    goto fail;
  oci_config *cfg = calloc(1, sizeof(*cfg));
  int r = cfg ? parse_config_obj(&c, root, cfg) : oom(&c);
  yajl_tree_free(root);
  if (r < 0) {
    oci_config_free(cfg);
    goto fail;
  }
  *out = cfg;
  return 0;
fail:
  finish(&c, errmsg);
  return -1;
}

int oci_process_parse(const char *data, size_t len, const char *docname,
                      oci_process **out, char **errmsg) {
  pctx c = {.doc = docname ? docname : "process.json"};
  yajl_val root = parse_tree(&c, data, len);
  if (!root)
    goto fail;
  oci_process *p = calloc(1, sizeof(*p));
  int r = p ? parse_process_obj(&c, root, p) : oom(&c);
  yajl_tree_free(root);
  if (r < 0) {
    oci_process_free(p);
    goto fail;
  }
  *out = p;
  return 0;
fail:
  finish(&c, errmsg);
  return -1;
}

int oci_resources_parse(const char *data, size_t len, const char *docname,
                        oci_resources **out, char **errmsg) {
  pctx c = {.doc = docname ? docname : "resources.json"};
  yajl_val root = parse_tree(&c, data, len);
  if (!root)
    goto fail;
  oci_resources *res = calloc(1, sizeof(*res));
  int r = res ? parse_resources_obj(&c, root, res) : oom(&c);
  yajl_tree_free(root);
  if (r < 0) {
    oci_resources_free(res);
    goto fail;
  }
  *out = res;
  return 0;
fail:
  finish(&c, errmsg);
  return -1;
}

int oci_state_parse(const char *data, size_t len, const char *docname,
                    oci_state **out, char **errmsg) {
  pctx c = {.doc = docname ? docname : "state.json"};
  yajl_val root = parse_tree(&c, data, len);
  if (!root)
    goto fail;
  oci_state *s = calloc(1, sizeof(*s));
  int r = s ? parse_state_obj(&c, root, s) : oom(&c);
  yajl_tree_free(root);
  if (r < 0) {
    oci_state_free(s);
    goto fail;
  }
  *out = s;
  return 0;
fail:
  finish(&c, errmsg);
  return -1;
}

int oci_read_file(const char *path, char **data, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat st;
  size_t cap = 4096, n = 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    cap = (size_t)st.st_size + 1;
  char *buf = malloc(cap);
  if (!buf)
    goto fail;
  for (;;) {
    if (n + 1 >= cap) {
      char *nb = realloc(buf, cap * 2);
      if (!nb)
        goto fail;
      buf = nb;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n - 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      goto fail;
    if (r == 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 0;
fail:;
  int saved = errno;
  free(buf);
  close(fd);
  errno = saved;
  return -1;
}
