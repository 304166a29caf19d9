/* `cell exec`: three processes.  The caller (cell) forks a helper, puts it
 * in the container's cgroup, and lets it go; the helper joins every
 * namespace of the init with one setns(pidfd), then clones the process
 * with CLONE_PARENT, so that the process is cell's own child (its pidfd
 * and exit status stay with cell) and is born in the container's pid
 * namespace.  The process applies the container's security settings in
 * the order the init does (container.c, init_main) and execs; the
 * close-on-exec sync socket closing tells cell that the exec worked. */
#include "exec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cell_seccomp.h"
#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "exec_shim.h"
#include "ns.h"
#include "process.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

/* What the helper and the process need, prepared by cell before fork. */
typedef struct {
  const cell_state *st;
  const oci_config *cfg;
  const oci_process *proc;
  const exec_opts *o;
  const cell_seccomp_prog *seccomp;
  int ns_flags;
  bool userns;
  bool wait_cgroup;  /* cell moves the helper into the v2 cgroup first */
  cgroup_join *join; /* how the helper joins the cgroups */
  int init_pidfd;
  int sync_fd; /* the child end */
} exec_args;

/* ------------------------------------------------------------------ */
/* Cell side: preparation                                              */
/* ------------------------------------------------------------------ */

/* The namespaces the container has (created or joined by path at
 * create): the init is in each, so its pidfd reaches them all.  With the
 * init's pid, a user namespace that is ours is left out (joined by path,
 * it may be, and setns refuses the caller's own). */
static int container_ns_flags(const oci_config *cfg, int pid) {
  int flags = 0;
  for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
    if (cfg->linux_.namespaces[i].type)
      flags |= ns_flag(cfg->linux_.namespaces[i].type);
  if ((flags & CLONE_NEWUSER) && pid > 0) {
    char path[64];
    struct stat a, b;
    snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
    if (stat(path, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 &&
        a.st_ino == b.st_ino && a.st_dev == b.st_dev)
      flags &= ~CLONE_NEWUSER;
  }
  return flags;
}

/* A pidfd on the init, checked against pid reuse: the start time recorded
 * at create must still be the pid's after the pidfd pins it. */
static int open_init(const cell_state *st, cell_error_t *err) {
  int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (fd < 0) {
    if (errno == ESRCH)
      return cell_err(err, 0, "cannot exec in a stopped container `%s`",
                      st->id);
    return cell_errno(err, "pidfd_open %d", st->pid);
  }
  if (!st->pid_start || proc_start_time(st->pid) != st->pid_start) {
    close(fd);
    return cell_err(err, 0, "cannot exec in a stopped container `%s`", st->id);
  }
  return fd;
}

static bool has_controller(const char *key, const char *list, size_t n) {
  _cleanup_free_ char *want = xasprintf("%.*s", (int)n, list);
  char *save = NULL;
  for (char *c = strtok_r(want, ",", &save); c; c = strtok_r(NULL, ",", &save))
    for (const char *k = key; (k = strstr(k, c)); k++)
      if ((k == key || k[-1] == ',') && (!k[strlen(c)] || k[strlen(c)] == ','))
        return true;
  return false;
}

static int check_subpath(const char *spec, const char *sub, cell_error_t *err) {
  if (!*sub || *sub == '/')
    return cell_err(err, 0, "--cgroup `%s`: expected a relative path", spec);
  for (const char *s = sub; (s = strstr(s, "..")); s += 2)
    if ((s == sub || s[-1] == '/') && (!s[2] || s[2] == '/'))
      return cell_err(err, 0, "--cgroup `%s`: `..` not allowed", spec);
  return 0;
}

/* The cgroup directory of each hierarchy the process joins, in the
 * order of st->cgroup_paths: the container's cgroup, or the --cgroup
 * sub-cgroup ("SUB" for every hierarchy, "ctrl1,ctrl2:SUB" for v1
 * hierarchies with those controllers, ":SUB" for the v2 one).  *out is
 * malloc'd, as its strings (for cgroup_join_open). */
static int cgroup_targets(const cell_state *st, const oci_strv *specs,
                          char ***out, cell_error_t *err) {
  const oci_map *m = &st->cgroup_paths;
  *out = NULL;
  if (specs && specs->len && !m->len)
    return cell_err(err, 0,
                    "--cgroup: the container has no cgroup (rootless without "
                    "a writable cgroup)");
  const char **sub = xcalloc(m->len + 1, sizeof(char *));
  for (size_t k = 0; specs && k < specs->len; k++) {
    const char *s = specs->items[k], *colon = strchr(s, ':');
    const char *p = colon ? colon + 1 : s;
    if (check_subpath(s, p, err) < 0) {
      free(sub);
      return -1;
    }
    bool hit = false;
    for (size_t i = 0; i < m->len; i++) {
      const char *key = m->items[i].key;
      bool v2 = !strcmp(key, ".") || !strcmp(key, "unified");
      if (!colon ||
          (v2 ? colon == s
              : colon != s && has_controller(key, s, (size_t)(colon - s)))) {
        sub[i] = p;
        hit = true;
      }
    }
    if (!hit) {
      free(sub);
      return cell_err(err, 0, "--cgroup `%s`: no such hierarchy", s);
    }
  }
  *out = xcalloc(m->len + 1, sizeof(char *));
  for (size_t i = 0; i < m->len; i++) {
    const char *key = m->items[i].key, *path = m->items[i].value;
    (*out)[i] = sub[i] ? xasprintf(CG_MOUNT "/%s%s/%s", key, path, sub[i])
                       : xasprintf(CG_MOUNT "/%s%s", key, path);
  }
  free(sub);
  return 0;
}

/* v2 allows no process in a cgroup whose children have controllers
 * (systemd in the container made them).  For the container's own v2
 * cgroup (not a --cgroup sub-cgroup) the init's current cgroup below it
 * is taken instead, as runc does: its directory, or NULL. */
static char *busy_fallback(const cell_state *st, size_t i, const char *target) {
  const oci_map *m = &st->cgroup_paths;
  if (i >= m->len)
    return NULL;
  const char *key = m->items[i].key, *base = m->items[i].value;
  if (strcmp(key, ".") && strcmp(key, "unified"))
    return NULL;
  _cleanup_free_ char *own = xasprintf(CG_MOUNT "/%s%s", key, base);
  _cleanup_free_ char *now = proc_cgroup_v2(st->pid);
  size_t n = strlen(base);
  if (strcmp(own, target) || !now || strncmp(now, base, n) || now[n] != '/' ||
      proc_start_time(st->pid) != st->pid_start)
    return NULL;
  return xasprintf(CG_MOUNT "/%s%s", key, now);
}

/* The helper joins the cgroups itself (no global lock, see
 * cgroup_join_open): an exec after an idle spell took 17-33 ms of wall
 * time here when cell wrote its pid, 2 ms back to back.  Only a kernel
 * before CLONE_INTO_CGROUP has cell write the pid, into the v2 cgroup
 * alone. */
static int enter_v2(const cell_state *st, const cgroup_join *j, int pid,
                    cell_error_t *err) {
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  const char *dir = j->dirs[j->v2];
  _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
  if (write_file_at(AT_FDCWD, procs, buf, (size_t)n, 0, err) == 0)
    return 0;
  _cleanup_free_ char *alt =
      err->errnum == EBUSY ? busy_fallback(st, (size_t)j->v2, dir) : NULL;
  _cleanup_free_ char *alt_procs =
      alt ? xasprintf("%s/cgroup.procs", alt) : NULL;
  if (!alt || write_file_at(AT_FDCWD, alt_procs, buf, (size_t)n, 0, err) < 0)
    return cell_err_prefix(err, "join the container's cgroup");
  return 0;
}

/* The helper, born in the v2 target when there is one.  *parent_moves:
 * this kernel predates CLONE_INTO_CGROUP, cell writes its pid there. */
static pid_t spawn_helper(const cell_state *st, cgroup_join *j,
                          bool *parent_moves, cell_error_t *err) {
  *parent_moves = false;
  pid_t pid = -1;
  if (j->v2dir >= 0) {
    pid = fork_into_cgroup(j->v2dir);
    int e = errno;
    if (pid < 0 && e == EBUSY) {
      _cleanup_free_ char *alt =
          busy_fallback(st, (size_t)j->v2, j->dirs[j->v2]);
      _cleanup_close_ int fd =
          alt ? open(alt, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
      if (fd >= 0) {
        pid = fork_into_cgroup(fd);
        e = errno;
      }
    }
    if (pid < 0 && e != E2BIG && e != EINVAL && e != ENOSYS)
      return cell_err(err, e, "join cgroup `%s`", j->dirs[j->v2]);
    *parent_moves = pid < 0;
  }
  if (pid < 0 && (pid = fork()) < 0)
    cell_errno(err, "fork");
  return pid;
}

/* ------------------------------------------------------------------ */
/* The helper: namespaces                                              */
/* ------------------------------------------------------------------ */

static const struct {
  const char *name;
  int flag;
} ns_order[] = {
    /* user first (it owns the others), mount last (it changes paths) */
    {"user", CLONE_NEWUSER}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"net", CLONE_NEWNET},   {"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP},
    {"time", CLONE_NEWTIME}, {"mnt", CLONE_NEWNS},
};
#define N_NS (sizeof ns_order / sizeof ns_order[0])

/* Kernels before 5.8 take no pidfd in setns: /proc/PID/ns files, all
 * opened before the first join (the mount join hides the host's /proc). */
static int join_by_proc(const exec_args *a, cell_error_t *err) {
  int fds[N_NS];
  int r = 0;
  for (size_t i = 0; i < N_NS; i++) {
    fds[i] = -1;
    if (!(a->ns_flags & ns_order[i].flag))
      continue;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", a->st->pid, ns_order[i].name);
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0 && r == 0)
      r = cell_errno(err, "open `%s`", path);
  }
  /* the pid was pinned by the pidfd: still the init? */
  if (r == 0 && proc_start_time(a->st->pid) != a->st->pid_start)
    r = cell_err(err, 0, "cannot exec in a stopped container `%s`", a->st->id);
  for (size_t i = 0; i < N_NS; i++) {
    if (fds[i] < 0)
      continue;
    if (r == 0 && setns(fds[i], ns_order[i].flag) < 0)
      r = cell_errno(err, "join the container's %s namespace",
                     ns_order[i].name);
    close(fds[i]);
  }
  return r;
}

static int join_namespaces(const exec_args *a, cell_error_t *err) {
  /* one call; the kernel joins the user namespace first */
  if (setns(a->init_pidfd, a->ns_flags) == 0)
    return 0;
  if (errno == EINVAL)
    return join_by_proc(a, err);
  return cell_errno(err, "join the namespaces of container `%s`", a->st->id);
}

/* ------------------------------------------------------------------ */
/* The process                                                         */
/* ------------------------------------------------------------------ */

/* A pty of the container's devpts (we are in its mount namespace) as the
 * controlling terminal and stdio; unlike the init's, /dev/console stays
 * the init's.  The master goes to cell. */
static int setup_terminal(const exec_args *a, cell_error_t *err) {
  _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return cell_errno(err, "open `/dev/ptmx` in the container");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    return cell_errno(err, "unlock pty");
  _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return cell_errno(err, "open pty slave");
  const oci_process *p = a->proc;
  if (p->has_console_size) {
    struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                         .ws_col = (unsigned short)p->console_width};
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
      return cell_errno(err, "set console size");
  }
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return cell_errno(err, "set controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0)
      return cell_errno(err, "dup pty to fd %d", fd);
  return sync_send(a->sync_fd, SYNC_CONSOLE, 0, NULL, 0, master, err);
}

static int load_seccomp(const exec_args *a, enum cell_seccomp_at at,
                        cell_error_t *err) {
  if (cell_seccomp_stage(a->seccomp, a->proc->no_new_privileges) != at)
    return 0;
  int listener;
  if (cell_seccomp_load(a->seccomp, &listener, err) < 0)
    return -1;
  if (listener < 0)
    return 0;
  int r = sync_send(a->sync_fd, SYNC_SECCOMP, 0, NULL, 0, listener, err);
  close(listener);
  return r;
}

/* In the container's namespaces and cgroup, as the child of cell. */
static int process_main(const exec_args *a, cell_error_t *err) {
  const oci_process *p = a->proc;
  _cleanup_free_ char *exe = NULL;
  _cleanup_close_ int shim = -1;
  /* A session of its own: no way back to the caller's terminal. */
  setsid();
  syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
  if (a->userns && setresgid(0, 0, 0) == 0)
    (void)setresuid(0, 0, 0);
  if (p->terminal && setup_terminal(a, err) < 0)
    return -1;
  if (process_set_rlimits(p, err) < 0 ||
      process_set_personality(&a->cfg->linux_, err) < 0)
    return -1;
  if (p->exec_cpu_affinity.initial &&
      process_set_cpu_affinity(p->exec_cpu_affinity.initial, err) < 0)
    return -1;
  if (process_set_scheduler(p, err) < 0 || process_set_ioprio(p, err) < 0 ||
      process_set_cwd(p, err) < 0 ||
      process_find_executable(p, &exe, err) < 0 ||
      (shim = exec_shim_open(err)) < 0 ||
      process_prepare_fds(a->o->preserve_fds, err) < 0)
    return -1;
  if (load_seccomp(a, CELL_SECCOMP_BEFORE_USER, err) < 0 ||
      process_set_user_and_caps(p, a->userns, err) < 0 ||
      process_set_no_new_privs(p, err) < 0 ||
      load_seccomp(a, CELL_SECCOMP_BEFORE_READY, err) < 0)
    return -1;
  if (p->exec_cpu_affinity.final &&
      process_set_cpu_affinity(p->exec_cpu_affinity.final, err) < 0)
    return -1;
  char **argv = process_strv_dup(&p->args);
  char **env = process_strv_dup(&p->env);
  if (load_seccomp(a, CELL_SECCOMP_BEFORE_EXEC, err) < 0)
    return -1;
  return exec_shim_exec(shim, a->sync_fd, exe, argv, env, err);
}

/* The helper: cgroup (cell moves it), namespaces, then the process as a
 * sibling.  Returns the process's host pid. */
static int helper_main(const exec_args *a, cell_error_t *err) {
  sync_hdr h;
  /* inherited across clone; before PR_SET_DUMPABLE, which makes our own
   * /proc files root's */
  if (process_set_oom_score_adj(a->proc, getpid(), err) < 0)
    return -1;
  /* We hold host fds: nothing in the container may ptrace us or open our
   * /proc files.  The program's exec resets this. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (cgroup_join_self(a->join, err) < 0 ||
      (a->wait_cgroup &&
       sync_expect(a->sync_fd, SYNC_START, &h, NULL, NULL, err) < 0))
    return -1;
  if (join_namespaces(a, err) < 0)
    return -1;
  /* CLONE_PARENT: cell's child, born in the container's pid namespace */
  pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, 0, 0, 0, 0);
  if (pid < 0)
    return cell_errno(err, "clone the process");
  if (pid == 0) {
    cell_error_t e = {0};
    process_main(a, &e);
    sync_send_error(a->sync_fd, &e);
    _exit(127);
  }
  return sync_send(a->sync_fd, SYNC_PID, pid, NULL, 0, -1, err);
}

/* ------------------------------------------------------------------ */
/* Cell side: the sequence                                             */
/* ------------------------------------------------------------------ */

static void kill_and_reap(int pidfd) {
  syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  siginfo_t si;
  while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
    ;
}

static void reap(pid_t pid) {
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

/* A socket pair above the preserved fds, so that the preserved range
 * never holds (and leaks) it. */
static int sync_pair(int preserve, int sv[2], cell_error_t *err) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return cell_errno(err, "socketpair");
  for (int i = 0; i < 2; i++) {
    if (sv[i] >= 3 + preserve)
      continue;
    int fd = fcntl(sv[i], F_DUPFD_CLOEXEC, 3 + preserve);
    close(sv[i]);
    sv[i] = fd;
    if (fd < 0)
      return cell_errno(err, "dup sync socket");
  }
  return 0;
}

/* After the helper reported the pid: console, seccomp listener, exec. */
static int follow_process(const cell_state *st, const oci_config *cfg,
                          const oci_process *proc, const exec_opts *o,
                          int sync_fd, exec_proc *out, cell_error_t *err) {
  if (container_take_fds(sync_fd, cfg, proc->terminal, o->console_socket, st,
                         &out->console, err) < 0)
    return -1;
  return sync_wait_exec(sync_fd, err);
}

int exec_start(const cell_container *c, const oci_config *cfg,
               const oci_process *proc, const exec_opts *o, exec_proc *out,
               cell_error_t *err) {
  const cell_state *st = &c->st;
  out->pid = 0;
  out->pidfd = out->console = -1;
  cell_seccomp_prog sp = {.insns = NULL};
  char **dirs = NULL;
  cgroup_join join = CGROUP_JOIN_NONE;
  int sv[2] = {-1, -1};
  int init_pidfd = -1, r = -1;
  pid_t helper = -1;

  if (cell_seccomp_prepare(cfg, o->root, &sp, err) < 0 ||
      cgroup_targets(st, o->cgroups, &dirs, err) < 0)
    goto out;
  if (cgroup_join_open(&st->cgroup_paths, steal_ptr(&dirs), &join, err) < 0) {
    cell_err_prefix(err, "join the container's cgroup");
    goto out;
  }
  init_pidfd = open_init(st, err);
  if (init_pidfd < 0 || sync_pair(o->preserve_fds, sv, err) < 0)
    goto out;
  int flags = container_ns_flags(cfg, st->pid);
  exec_args a = {.st = st,
                 .cfg = cfg,
                 .proc = proc,
                 .o = o,
                 .seccomp = &sp,
                 .ns_flags = flags,
                 .userns = container_ns_flags(cfg, 0) & CLONE_NEWUSER,
                 .join = &join,
                 .init_pidfd = init_pidfd,
                 .sync_fd = sv[1]};

  /* a.wait_cgroup is set before the helper copies a */
  helper = spawn_helper(st, &join, &a.wait_cgroup, err);
  if (helper < 0)
    goto out;
  if (helper == 0) {
    /* the program starts with cell's signal state undone */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    close(sv[0]);
    cell_error_t e = {0};
    if (helper_main(&a, &e) < 0) {
      sync_send_error(sv[1], &e);
      _exit(1);
    }
    _exit(0);
  }
  close(steal_fd(&sv[1]));

  sync_hdr h;
  if (a.wait_cgroup) {
    if (enter_v2(st, &join, helper, err) < 0 ||
        sync_send(sv[0], SYNC_START, 0, NULL, 0, -1, err) < 0) {
      kill(helper, SIGKILL);
      goto out;
    }
  }
  if (sync_expect(sv[0], SYNC_PID, &h, NULL, NULL, err) < 0)
    goto out;
  reap(steal_fd(&helper));
  /* our child, unreaped: its pid cannot be reused under us */
  out->pid = h.value;
  out->pidfd = (int)syscall(SYS_pidfd_open, out->pid, 0);
  if (out->pidfd < 0) {
    cell_errno(err, "pidfd_open %d", out->pid);
    kill(out->pid, SIGKILL);
    reap(out->pid);
    goto out;
  }
  if (follow_process(st, cfg, proc, o, sv[0], out, err) < 0) {
    kill_and_reap(out->pidfd);
    close(out->pidfd);
    if (out->console >= 0)
      close(out->console);
    out->pidfd = out->console = -1;
    goto out;
  }
  r = 0;
out:
  if (helper > 0)
    reap(helper);
  if (init_pidfd >= 0)
    close(init_pidfd);
  for (int i = 0; i < 2; i++)
    if (sv[i] >= 0)
      close(sv[i]);
  cgroup_join_close(&join);
  cell_seccomp_prog_free(&sp);
  return r;
}
