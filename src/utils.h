#ifndef CELL_UTILS_H
#define CELL_UTILS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Writes all of data to path (relative to dirfd), which must exist unless
 * O_CREAT is in extra_flags. */
int write_file_at(int dirfd, const char *path, const char *data, size_t len,
                  int extra_flags, cell_error_t *err);
/* In a user namespace other than the initial one (uid_map). */
bool in_user_namespace(void);
/* geteuid() as the parent user namespace sees it. */
uid_t host_euid(void);
/* Whether /sys/fs/cgroup/NAME exists (remembered per process). */
bool cgroup_hierarchy_mounted(const char *name);
/* A path under /sys/fs/cgroup as a (dirfd, relative path) pair: walked
 * from a directory fd opened once, not from "/" through sysfs for every
 * cgroup file (AT_FDCWD and the path itself when that open failed). */
const char *cgroup_at(const char *path, int *dirfd);

/* clone_args up to the cgroup field (CLONE_ARGS_SIZE_VER2) */
struct clone_args_v2 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
      tls, set_tid, set_tid_size, cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
/* fork(), the child born in the v2 cgroup dir cgroup_fd (clone3 with
 * CLONE_INTO_CGROUP, Linux 5.7); -1 and errno as clone3 gives them. */
pid_t fork_into_cgroup(int cgroup_fd);
/* Closes that fd for good (the container's init: no host fd in there). */
void cgroup_at_forget(void);
/* Calls fn(controllers, path, arg) for each line "id:controllers:path"
 * of /proc/PID/cgroup (pid 0: our own), until fn returns non-zero, which
 * is then returned; -1 with err when the file cannot be read. */
int proc_cgroups(int pid, int (*fn)(char *controllers, char *path, void *arg),
                 void *arg, cell_error_t *err);
/* pid's cgroup in the v2 hierarchy (the "0::" line, as our cgroup
 * namespace sees it); NULL when it has none. */
char *proc_cgroup_v2(int pid);
/* Reads a whole file; *out is NUL-terminated and malloc'd. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len,
                 cell_error_t *err);
/* Writes path atomically: a temporary file in the same directory, then
 * rename. */
int write_file_atomic(const char *path, const char *data, size_t len,
                      mode_t mode, cell_error_t *err);
/* mkdir -p (absolute or relative to the cwd). */
int mkdir_p(const char *path, mode_t mode, cell_error_t *err);
/* Loops over short writes and EINTR. */
int write_all(int fd, const void *buf, size_t len);
/* Returns a malloc'd copy or aborts (allocation failure of a few bytes is
 * not worth a code path in a short-lived CLI). */
char *xstrdup(const char *s);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The current UTC time as RFC 3339 with nanoseconds. */
void format_rfc3339_now(char *buf, size_t n);

/* Connects to the AF_UNIX stream socket at path and sends data with fd in
 * SCM_RIGHTS; `what` names the option or field in errors. */
int unix_send_fd(const char *path, const char *what, const char *data,
                 size_t len, int fd, cell_error_t *err);

#endif
