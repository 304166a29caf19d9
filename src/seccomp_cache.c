/* Compiled seccomp programs, cached under <root>/.seccomp-cache so that
 * starting a second container with the same profile skips libseccomp.
 *
 * An entry is named by a 128-bit FNV-1a hash of the cache key (the
 * canonical profile plus the cell, libseccomp and kernel versions) and
 * holds the whole key: a hash collision is a miss, never the wrong
 * filter.  Entries are written to a temporary file and renamed, so
 * concurrent writers and readers see a whole entry or none; a checksum
 * over key and program catches a damaged one, which is recompiled, never
 * loaded.  The checksum guards against accidents, not against someone
 * who can write the state root: they own the containers already. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "seccomp_internal.h"
#include "utils.h"

#define CACHE_DIR ".seccomp-cache"
#define MAGIC "CELLBPF1"

typedef struct {
  char magic[8];
  uint32_t key_len, n_insns;
  uint64_t sum; /* FNV-1a 64 of key_len, n_insns, key, program */
} entry_hdr;

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

static uint64_t entry_sum(const char *key, uint32_t key_len,
                          const struct sock_filter *f, uint32_t n) {
  uint64_t h = fnv1a(FNV_BASIS, &key_len, sizeof key_len);
  h = fnv1a(h, &n, sizeof n);
  h = fnv1a(h, key, key_len);
  return fnv1a(h, f, (size_t)n * sizeof *f);
}

static char *entry_path(const char *root, const char *key) {
  size_t n = strlen(key);
  /* two differently seeded hashes make 128 bits of name */
  uint64_t a = fnv1a(FNV_BASIS, key, n);
  uint64_t b = fnv1a(FNV_BASIS ^ 0x9e3779b97f4a7c15ULL, key, n);
  return xasprintf("%s/" CACHE_DIR "/%016llx%016llx", root,
                   (unsigned long long)a, (unsigned long long)b);
}

int cell_seccomp_cache_get(const char *root, const char *key,
                           struct sock_filter **insns, size_t *len) {
  _cleanup_free_ char *path = entry_path(root, key);
  _cleanup_free_ char *data = NULL;
  size_t size;
  cell_error_t e = {0};
  if (read_file_at(AT_FDCWD, path, &data, &size, &e) < 0) {
    if (e.errnum != ENOENT)
      cell_debug("seccomp cache: %s", e.msg);
    return 0;
  }
  entry_hdr h;
  const char *why = NULL;
  size_t key_len = strlen(key);
  if (size < sizeof h) {
    why = "truncated";
  } else {
    memcpy(&h, data, sizeof h);
    const char *k = data + sizeof h;
    const struct sock_filter *f = (const void *)(k + h.key_len);
    if (memcmp(h.magic, MAGIC, sizeof h.magic))
      why = "bad magic";
    else if (h.n_insns == 0 || h.n_insns > BPF_MAXINSNS || h.key_len > size ||
             size != sizeof h + h.key_len +
                         (size_t)h.n_insns * sizeof(struct sock_filter))
      why = "bad length";
    else if (h.sum != entry_sum(k, h.key_len, f, h.n_insns))
      why = "bad checksum";
    else if (h.key_len != key_len || memcmp(k, key, key_len)) {
      cell_debug("seccomp cache: `%s` holds another profile", path);
      return 0;
    } else {
      *len = h.n_insns;
      *insns = xmalloc(*len * sizeof **insns);
      memcpy(*insns, f, *len * sizeof **insns);
      return 1;
    }
  }
  cell_warn("seccomp cache: `%s` is corrupt (%s), recompiling", path, why);
  return 0;
}

void cell_seccomp_cache_put(const char *root, const char *key,
                            const struct sock_filter *insns, size_t len) {
  _cleanup_free_ char *dir = xasprintf("%s/" CACHE_DIR, root);
  _cleanup_free_ char *path = entry_path(root, key);
  cell_error_t e = {0};
  /* the state root as state_create makes it; the cache is private */
  if (mkdir(root, 0711) < 0 && errno != EEXIST && mkdir_p(root, 0711, &e) < 0) {
    cell_debug("seccomp cache: %s", e.msg);
    return;
  }
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
    cell_debug("seccomp cache: mkdir `%s`: %m", dir);
    return;
  }
  entry_hdr h = {.key_len = (uint32_t)strlen(key), .n_insns = (uint32_t)len};
  memcpy(h.magic, MAGIC, sizeof h.magic);
  h.sum = entry_sum(key, h.key_len, insns, h.n_insns);
  size_t size = sizeof h + h.key_len + len * sizeof *insns;
  _cleanup_free_ char *buf = xmalloc(size);
  memcpy(buf, &h, sizeof h);
  memcpy(buf + sizeof h, key, h.key_len);
  memcpy(buf + sizeof h + h.key_len, insns, len * sizeof *insns);
  if (write_file_atomic(path, buf, size, 0600, &e) < 0)
    cell_debug("seccomp cache: %s", e.msg);
}
