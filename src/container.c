/* The create sequence.  Read container_create() (the parent's stages) and
 * init_main() (the container init's stages) top to bottom: each stage is
 * a function, and the comment at each call says why it sits where it
 * does. */
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cell_seccomp.h"
#include "cgroup.h"
#include "cleanup.h"
#include "exec_shim.h"
#include "hooks.h"
#include "ns.h"
#include "process.h"
#include "rootfs.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

#define EXEC_FIFO "exec.fifo"

/* Everything the init needs, prepared by the parent before clone. */
typedef struct {
  const create_opts *o;
  const oci_config *cfg;
  const ns_plan *plan;
  const char *rootfs;
  int sync_fd;  /* init's end */
  int fifo_dir; /* state dir, closed before pivot_root */
  int fifo;     /* exec fifo's read end, opened by the parent (create only) */
  const cell_seccomp_prog *seccomp; /* compiled by the parent */
  bool wait_parent;  /* the parent writes maps or moves us first */
  int late_unshare;  /* CLONE_NEWCGROUP once we are in our v1 cgroups */
  cgroup_join *join; /* v1: the init moves itself (cgroup_self_open) */
} init_args;

static bool has_hooks(const oci_hookv *h) {
  return h->len > 0;
}

/* The init asks the parent for hooks when any hook needs the state JSON
 * or runs in the runtime's namespaces while the init waits. */
static bool init_needs_hooks(const oci_config *cfg) {
  const oci_hooks *h = &cfg->hooks;
  return has_hooks(&h->prestart) || has_hooks(&h->create_runtime) ||
         has_hooks(&h->create_container) || has_hooks(&h->start_container);
}

/* ------------------------------------------------------------------ */
/* Init side                                                           */
/* ------------------------------------------------------------------ */

/* With new namespaces only, clone3 made them all.  Joining by path, or a
 * time namespace with offsets, needs the slow path: join (user first),
 * unshare, and fork again when the pid or time namespace only applies to
 * children. Returns 1 in the process that goes on as init, 0 in an
 * intermediate that should exit. */
static int init_enter_namespaces(const init_args *a, cell_error_t *err) {
  const ns_plan *p = a->plan;
  sync_hdr h;
  bool slow = p->n_join > 0 || p->timens_offsets;
  if (!slow) {
    if (a->join && cgroup_join_self(a->join, err) < 0)
      return -1;
    if (a->wait_parent &&
        sync_expect(a->sync_fd, SYNC_USERNS_DONE, &h, NULL, NULL, err) < 0)
      return -1;
    /* rooted at the cgroups we (or the parent) just moved into */
    if (a->late_unshare && unshare(a->late_unshare) < 0)
      return cell_errno(err, "unshare cgroup namespace");
    return 1;
  }
  if (ns_join(p, err) < 0)
    return -1;
  if (p->new_user) {
    if (unshare(CLONE_NEWUSER) < 0)
      return cell_errno(err, "unshare user namespace");
    if (sync_send(a->sync_fd, SYNC_USERNS, 0, NULL, 0, -1, err) < 0 ||
        sync_expect(a->sync_fd, SYNC_USERNS_DONE, &h, NULL, NULL, err) < 0)
      return -1;
  }
  if (unshare(p->new_flags & ~CLONE_NEWUSER) < 0)
    return cell_errno(err, "unshare namespaces");
  if (p->timens_offsets && ns_write_time_offsets(a->cfg, err) < 0)
    return -1;
  if (!p->pid_changes && !(p->new_flags & CLONE_NEWTIME))
    return 1;
  pid_t child = fork();
  if (child < 0)
    return cell_errno(err, "fork init");
  if (child == 0)
    return 1;
  if (sync_send(a->sync_fd, SYNC_PID, child, NULL, 0, -1, err) < 0)
    return -1;
  return 0;
}

/* In a new user namespace the init is unmapped until the maps exist;
 * becoming root there makes files it creates belong to the container. */
static void init_become_root(const ns_plan *p) {
  if (!p->new_user && !p->join_user)
    return;
  if (setresgid(0, 0, 0) == 0)
    (void)setresuid(0, 0, 0);
}

/* create: block until `cell start` writes to the exec fifo.  The fifo was
 * opened before pivot_root; a reader-side fifo polls quietly until a
 * writer comes. */
static int init_wait_start_fifo(int fifo, cell_error_t *err) {
  struct pollfd pfd = {fifo, POLLIN, 0};
  char c;
  for (;;) {
    int r = poll(&pfd, 1, -1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return cell_errno(err, "wait for start");
    ssize_t n = read(fifo, &c, 1);
    if (n == 1)
      return 0;
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return cell_errno(err, "read exec fifo");
  }
}

static char **init_env(const oci_process *p, int listen_fds) {
  size_t n = p->env.len;
  char **env = xcalloc(n + 3, sizeof(char *));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    env[k++] = p->env.items[i];
  /* socket activation: the fds follow 0-2 and belong to this process */
  if (listen_fds > 0) {
    env[k++] = xasprintf("LISTEN_FDS=%d", listen_fds);
    env[k++] = xasprintf("LISTEN_PID=%d", (int)getpid());
  }
  return env;
}

/* Loads the seccomp filter when `at` is the stage cell_seccomp_stage() picked;
 * a notify listener goes to the parent, which hands it on. */
static int init_seccomp(const init_args *a, enum cell_seccomp_at at,
                        cell_error_t *err) {
  if (cell_seccomp_stage(a->seccomp, a->cfg->process->no_new_privileges) != at)
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

static int init_main(const init_args *a, cell_error_t *err) {
  const oci_config *cfg = a->cfg;
  const oci_process *proc = cfg->process;
  const create_opts *o = a->o;
  rootfs_opts ro = {.rootfs = a->rootfs,
                    .bundle = o->bundle,
                    .userns = a->plan->new_user || a->plan->join_user,
                    .terminal = proc->terminal,
                    .no_pivot = o->no_pivot,
                    .cgroupns = ns_has(a->plan, CLONE_NEWCGROUP)};
  sync_hdr h;
  _cleanup_free_ char *state_json = NULL, *exe = NULL;
  _cleanup_close_ int fifo = -1, master = -1, shim = -1;

  /* the container starts with cell's signal state undone */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  /* the parent's fd of the host's /sys/fs/cgroup stays out of here */
  cgroup_at_forget();

  /* 1. Namespaces first: everything after is done inside them. */
  int r = init_enter_namespaces(a, err);
  if (r <= 0)
    return r < 0 ? -1 : 1;
  /* Not dumpable from here on: while the init holds host fds and runs
   * cell's code, nothing in the container may ptrace it or open its
   * /proc/PID/exe or fds; exec resets it for the user's program.  Only
   * now, because a non-dumpable process's /proc files belong to root and
   * a rootless parent (or newuidmap) must write its id maps first. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  init_become_root(a->plan);

  /* 2. A new session: the container's process can never reach the
   * caller's terminal (TIOCSTI) through a controlling tty. */
  setsid();
  if (!o->no_new_keyring)
    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);

  /* 3. The root filesystem, before hooks that expect to see the mounts.
   * The cwd is the bundle, so relative bind sources resolve there. */
  if (chdir(o->bundle) < 0)
    return cell_errno(err, "chdir `%s`", o->bundle);
  if (rootfs_prepare(cfg, &ro, err) < 0)
    return -1;

  /* 4. prestart and createRuntime run in the runtime's namespaces (the
   * parent) once ours exist; createContainer after them, in ours, before
   * pivot_root. */
  if (init_needs_hooks(cfg)) {
    if (sync_send(a->sync_fd, SYNC_HOOKS, 0, NULL, 0, -1, err) < 0 ||
        sync_expect(a->sync_fd, SYNC_HOOKS_DONE, &h, &state_json, NULL, err) <
            0)
      return -1;
    if (hooks_run(&cfg->hooks.create_container, "createContainer", state_json,
                  err) < 0)
      return -1;
  }

  /* 5. The exec fifo was opened by the parent: a root mapped by a user
   * namespace may not search the host's state directory. */
  fifo = a->fifo;
  if (a->fifo_dir >= 0)
    close(a->fifo_dir);

  /* 6. pivot_root; masked and read-only paths and a read-only root wait
   * until the console and sysctl writes below are done. */
  if (rootfs_pivot(cfg, &ro, err) < 0)
    return -1;

  /* 7. The terminal needs the container's /dev/pts and /dev/console. */
  if (proc->terminal) {
    master = terminal_setup(proc, err);
    if (master < 0 ||
        sync_send(a->sync_fd, SYNC_CONSOLE, 0, NULL, 0, master, err) < 0)
      return -1;
    close(steal_fd(&master));
  }

  /* 8. Attributes that need privilege come before the user and
   * capability change that takes privilege away. sysctl needs the
   * container's /proc, so after pivot_root. */
  if (process_set_hostname(cfg, err) < 0 || process_set_sysctl(cfg, err) < 0)
    return -1;
  /* /proc/sys is read-only from here (readonlyPaths) */
  if (rootfs_finalize(cfg, err) < 0)
    return -1;
  if (process_set_rlimits(proc, err) < 0 ||
      process_set_personality(&cfg->linux_, err) < 0)
    return -1;
  /* affinity before the scheduler: a SCHED_DEADLINE task may not move */
  if (proc->exec_cpu_affinity.initial &&
      process_set_cpu_affinity(proc->exec_cpu_affinity.initial, err) < 0)
    return -1;
  if (process_set_scheduler(proc, err) < 0 || process_set_ioprio(proc, err) < 0)
    return -1;
  if (process_set_cwd(proc, err) < 0)
    return -1;
  /* Looked up while still root, so a missing program fails create. */
  if (process_find_executable(proc, &exe, err) < 0)
    return -1;
  /* before seccomp, which may deny memfd_create */
  if ((shim = exec_shim_open(err)) < 0)
    return -1;
  if (process_prepare_fds(o->preserve_fds, err) < 0)
    return -1;

  /* 9. User and capabilities; no_new_privs last, it needs nothing.
   * Without no_new_privs, seccomp needs CAP_SYS_ADMIN: load it first. */
  if (init_seccomp(a, CELL_SECCOMP_BEFORE_USER, err) < 0 ||
      process_set_user_and_caps(proc, ro.userns, err) < 0 ||
      process_set_no_new_privs(proc, err) < 0)
    return -1;
  /* a notify listener must reach the parent, gone after create */
  if (init_seccomp(a, CELL_SECCOMP_BEFORE_READY, err) < 0)
    return -1;

  /* 10. Ready: wait for start, then startContainer hooks and exec. */
  if (sync_send(a->sync_fd, SYNC_READY, 0, NULL, 0, -1, err) < 0 ||
      sync_expect(a->sync_fd, SYNC_START, &h, NULL, NULL, err) < 0)
    return -1;
  if (!o->via_run) {
    /* created: the parent is gone, only the fifo can start us */
    close(a->sync_fd);
    if (init_wait_start_fifo(fifo, err) < 0)
      return -1;
  }
  if (state_json && hooks_run(&cfg->hooks.start_container, "startContainer",
                              state_json + strlen(state_json) + 1, err) < 0)
    return -1;
  if (proc->exec_cpu_affinity.final &&
      process_set_cpu_affinity(proc->exec_cpu_affinity.final, err) < 0)
    return -1;
  char **env = init_env(proc, o->listen_fds);
  char **argv = process_strv_dup(&proc->args);
  /* 11. With no_new_privs, seccomp last: it filters only the program. */
  if (init_seccomp(a, CELL_SECCOMP_BEFORE_EXEC, err) < 0)
    return -1;
  /* 12. The shim execs the program: no process of cell's binary is ever
   * the one that runs it (CVE-2019-5736). */
  return exec_shim_exec(shim, o->via_run ? a->sync_fd : -1, exe, argv, env,
                        err);
}

/* ------------------------------------------------------------------ */
/* Parent side                                                         */
/* ------------------------------------------------------------------ */

int container_load_config(const char *bundle, oci_config **cfg,
                          cell_error_t *err) {
  _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
  _cleanup_free_ char *data = NULL;
  _cleanup_free_ char *msg = NULL;
  size_t len;
  if (oci_read_file(path, &data, &len) < 0)
    return cell_errno(err, "open `%s`", path);
  if (oci_config_parse(data, len, "config.json", cfg, &msg) < 0)
    return cell_err(err, 0, "%s", msg);
  return 0;
}

/* What this version cannot apply yet is refused, never ignored. */
static int validate_unsupported(const oci_config *cfg, cell_error_t *err) {
  const oci_linux *l = &cfg->linux_;
  if (l->intel_rdt.present)
    return cell_err(err, 0, "linux.intelRdt: not supported");
  if (l->memory_policy.present)
    return cell_err(err, 0, "linux.memoryPolicy: not supported yet");
  if (l->n_net_devices)
    return cell_err(err, 0, "linux.netDevices: not supported yet");
  if (cfg->process && cfg->process->apparmor_profile &&
      *cfg->process->apparmor_profile)
    return cell_err(err, 0,
                    "process.apparmorProfile: AppArmor is not "
                    "supported");
  if (cfg->process && cfg->process->selinux_label &&
      *cfg->process->selinux_label)
    return cell_err(err, 0, "process.selinuxLabel: SELinux is not supported");
  return 0;
}

static int validate_config(const create_opts *o, const oci_config *cfg,
                           char **rootfs, cell_error_t *err) {
  if (!cfg->process)
    return cell_err(err, 0, "config.json: process: required to create");
  if (!cfg->process->args.len)
    return cell_err(err, 0, "config.json: process.args: must not be empty");
  if (!cfg->has_root || !cfg->root.path)
    return cell_err(err, 0, "config.json: root.path: required");
  if (cfg->process->terminal && !o->console_socket && !o->foreground)
    return cell_err(err, 0,
                    "process.terminal needs --console-socket (or `run` in "
                    "the foreground)");
  if (!cfg->process->terminal && o->console_socket)
    return cell_err(err, 0,
                    "--console-socket given but process.terminal is "
                    "false");
  _cleanup_free_ char *p = cfg->root.path[0] == '/'
                               ? xstrdup(cfg->root.path)
                               : xasprintf("%s/%s", o->bundle, cfg->root.path);
  char *real = realpath(p, NULL);
  if (!real)
    return cell_errno(err, "root.path `%s`", cfg->root.path);
  struct stat st;
  if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
    free(real);
    return cell_err(err, ENOTDIR, "root.path `%s`", cfg->root.path);
  }
  *rootfs = real;
  if (validate_unsupported(cfg, err) < 0 || rootfs_validate(cfg, err) < 0 ||
      process_validate(cfg, err) < 0 || cell_seccomp_validate(cfg, err) < 0)
    return -1;
  return 0;
}

static int stage_state_dir(const create_opts *o, const oci_config *cfg,
                           const char *rootfs, cell_container *c,
                           cell_error_t *err) {
  char created[64];
  if (state_create(o->root, o->id, c, err) < 0)
    return -1;
  cell_state *s = &c->st;
  format_rfc3339_now(created, sizeof created);
  s->id = xstrdup(o->id);
  s->bundle = xstrdup(o->bundle);
  s->rootfs = xstrdup(rootfs);
  s->created = xstrdup(created);
  s->creator = getpid();
  s->creator_start = proc_start_time(s->creator);
  s->owner = geteuid();
  s->annotations = cfg->annotations; /* borrowed; cleared before close */
  /* start and delete run these later, when the bundle may have changed */
  s->has_config_copy =
      has_hooks(&cfg->hooks.poststart) || has_hooks(&cfg->hooks.poststop);
  if (s->has_config_copy) {
    _cleanup_free_ char *src = xasprintf("%s/config.json", o->bundle);
    _cleanup_free_ char *data = NULL;
    size_t len;
    if (read_file_at(AT_FDCWD, src, &data, &len, err) < 0 ||
        write_file_at(c->dirfd, "config.json", data, len, O_CREAT | O_EXCL,
                      err) < 0)
      return -1;
  }
  if (!o->via_run && mkfifoat(c->dirfd, EXEC_FIFO, 0600) < 0)
    return cell_errno(err, "mkfifo `%s/%s`", c->path, EXEC_FIFO);
  /* state.json waits for the init's pid: written once (see
   * stage_follow_init); until then the lock keeps readers out */
  return 0;
}

/* clone3 gives a pidfd with the child (no pid-reuse race for kill and
 * wait) and creates every namespace at once, the user namespace first by
 * the kernel's own ordering. */
static pid_t clone_init(int flags, int *pidfd, int cgroup_fd) {
  struct clone_args_v2 ca = {.flags = (uint64_t)flags | CLONE_PIDFD,
                             .pidfd = (uint64_t)(uintptr_t)pidfd,
                             .exit_signal = SIGCHLD};
  /* v2: born in its cgroup (see cgroup.c); the caller falls back when the
   * kernel predates CLONE_INTO_CGROUP */
  if (cgroup_fd >= 0) {
    ca.flags |= CLONE_INTO_CGROUP;
    ca.cgroup = (uint64_t)cgroup_fd;
  }
  pid_t pid = (pid_t)syscall(
      SYS_clone3, &ca,
      cgroup_fd >= 0 ? sizeof ca : offsetof(struct clone_args_v2, set_tid));
  if (pid < 0 && errno == ENOSYS && cgroup_fd < 0) {
    pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid > 0)
      *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  }
  return pid;
}

static int wait_pidfd(int pidfd) {
  siginfo_t si = {0};
  while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
    if (errno != EINTR)
      return -1;
  return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

int container_run_hooks(const oci_hookv *hooks, const char *kind,
                        const cell_state *st, const char *status,
                        cell_error_t *err) {
  if (!hooks->len)
    return 0;
  _cleanup_free_ char *json = state_oci_json(st, status, false);
  return hooks_run(hooks, kind, json, err);
}

int container_take_fds(int sync_fd, const oci_config *cfg, bool terminal,
                       const char *console_socket, const cell_state *st,
                       int *console, cell_error_t *err) {
  sync_hdr h;
  if (terminal) {
    int master = -1;
    if (sync_expect(sync_fd, SYNC_CONSOLE, &h, NULL, &master, err) < 0)
      return -1;
    if (master < 0)
      return cell_err(err, EPROTO, "no console received");
    if (!console_socket) {
      *console = master;
    } else {
      int r = terminal_send(console_socket, master, err);
      close(master);
      if (r < 0)
        return -1;
    }
  }
  if (cell_seccomp_uses_notify(&cfg->linux_.seccomp)) {
    _cleanup_close_ int listener = -1;
    if (sync_expect(sync_fd, SYNC_SECCOMP, &h, NULL, &listener, err) < 0)
      return -1;
    if (listener < 0)
      return cell_err(err, EPROTO, "no seccomp listener received");
    if (cell_seccomp_send_listener(&cfg->linux_.seccomp, listener, st, err) < 0)
      return -1;
  }
  return 0;
}

/* The init reports in the order init_main() runs; each conditional
 * message here matches a conditional send there. */
static int stage_follow_init(const create_opts *o, cell_created *cc,
                             const ns_plan *plan, cell_cgroup *cg,
                             bool systemd_moves, int *init_pid,
                             cell_error_t *err) {
  const oci_config *cfg = cc->cfg;
  cell_state *st = &cc->c.st;
  sync_hdr h;
  bool slow = plan->n_join > 0 || plan->timens_offsets;
  if (plan->new_user || systemd_moves) {
    if (plan->new_user && slow &&
        sync_expect(cc->sync_fd, SYNC_USERNS, &h, NULL, NULL, err) < 0)
      return -1;
    if (plan->new_user && ns_write_id_maps(cfg, *init_pid, err) < 0)
      return -1;
    if (systemd_moves && cgroup_systemd_enter_pid(cg, *init_pid, err) < 0)
      return -1;
    if (sync_send(cc->sync_fd, SYNC_USERNS_DONE, 0, NULL, 0, -1, err) < 0)
      return -1;
  }
  if (slow && (plan->pid_changes || (plan->new_flags & CLONE_NEWTIME))) {
    /* the intermediate forked the real init and exits */
    if (sync_expect(cc->sync_fd, SYNC_PID, &h, NULL, NULL, err) < 0)
      return -1;
    wait_pidfd(cc->pidfd);
    close(cc->pidfd);
    *init_pid = h.value;
    cc->pidfd = (int)syscall(SYS_pidfd_open, *init_pid, 0);
    if (cc->pidfd < 0)
      return cell_errno(err, "pidfd_open %d", *init_pid);
  }
  st->pid = *init_pid;
  st->own_pidns = plan->new_flags & CLONE_NEWPID;
  st->pid_start = proc_start_time(*init_pid);
  /* The one write of state.json: the pid (with its start time, against
   * pid reuse) and the cgroups are known, and nothing in it changes
   * later.  Each write costs a file creation and a rename. */
  if (state_save(&cc->c, err) < 0)
    return -1;
  if (init_needs_hooks(cfg)) {
    if (sync_expect(cc->sync_fd, SYNC_HOOKS, &h, NULL, NULL, err) < 0 ||
        container_run_hooks(&cfg->hooks.prestart, "prestart", st, "creating",
                            err) < 0 ||
        container_run_hooks(&cfg->hooks.create_runtime, "createRuntime", st,
                            "creating", err) < 0)
      return -1;
    /* two states: createContainer sees "creating", startContainer
     * "created"; one message, NUL between them */
    _cleanup_free_ char *creating = state_oci_json(st, "creating", false);
    _cleanup_free_ char *created = state_oci_json(st, "created", false);
    size_t n1 = strlen(creating) + 1, n2 = strlen(created);
    _cleanup_free_ char *both = xmalloc(n1 + n2);
    memcpy(both, creating, n1);
    memcpy(both + n1, created, n2);
    if (sync_send(cc->sync_fd, SYNC_HOOKS_DONE, 0, both, n1 + n2, -1, err) < 0)
      return -1;
  }
  if (container_take_fds(cc->sync_fd, cfg, cfg->process->terminal,
                         o->console_socket, st, &cc->console, err) < 0)
    return -1;
  return sync_expect(cc->sync_fd, SYNC_READY, &h, NULL, NULL, err);
}

/* A pidfd of pid (checked alive by the caller) to a --pidfd-socket
 * listener, as runc sends one: the pid can then be waited on and
 * signalled without the reuse race of a pid file. */
int send_pidfd(const char *socket_path, int pid, cell_error_t *err) {
  _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return cell_errno(err, "--pidfd-socket: pidfd_open %d", pid);
  return unix_send_fd(socket_path, "--pidfd-socket", "pidfd", 5, fd, err);
}

static int stage_record(const create_opts *o, cell_created *cc,
                        cell_error_t *err) {
  if (o->pid_file) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", cc->c.st.pid);
    if (write_file_atomic(o->pid_file, buf, (size_t)n, 0644, err) < 0)
      return cell_err_prefix(err, "--pid-file");
  }
  if (o->pidfd_socket)
    return send_pidfd(o->pidfd_socket, cc->c.st.pid, err);
  return 0;
}

int container_create(const create_opts *o, cell_created *cc,
                     cell_error_t *err) {
  memset(cc, 0, sizeof *cc);
  cc->sync_fd = cc->pidfd = cc->console = -1;
  cc->c.dirfd = -1;
  _cleanup_free_ char *rootfs = NULL;
  ns_plan plan = {.n_join = 0};
  cell_cgroup cg = {.v2fd = -1, .sd_fd = -1, .join = CGROUP_JOIN_NONE};
  cell_seccomp_prog sp = {.insns = NULL};
  int sv[2] = {-1, -1};
  _cleanup_close_ int fifo = -1;
  int r = -1;

  /* 1. Parse and validate everything before anything exists, so bad input
   * leaves nothing behind. */
  if (state_validate_id(o->id, err) < 0 ||
      container_load_config(o->bundle, &cc->cfg, err) < 0 ||
      validate_config(o, cc->cfg, &rootfs, err) < 0 ||
      ns_plan_make(cc->cfg, &plan, err) < 0)
    goto out;
  /* The seccomp program is compiled (or taken from the cache) here, so
   * the init only loads it. */
  if (cell_seccomp_prepare(cc->cfg, o->root, &sp, err) < 0)
    goto out;

  /* 2. The state directory doubles as the per-id lock, and its mkdir is
   * what makes a duplicate id fail. */
  if (stage_state_dir(o, cc->cfg, rootfs, &cc->c, err) < 0)
    goto out;
  if (!o->via_run) {
    fifo = openat(cc->c.dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0) {
      cell_errno(err, "open exec fifo");
      goto out;
    }
  }

  /* 2b. The cgroup, with its limits, before the init exists: it is born
   * in it.  Recorded in the state so a failure (and delete) removes it. */
  if (cgroup_create(cc->cfg, o->id, &cg, err) < 0)
    goto out;
  for (size_t i = 0; i < cg.paths.len; i++)
    cgroup_map_add(&cc->c.st.cgroup_paths, cg.paths.items[i].key,
                   cg.paths.items[i].value);

  /* 3. One seqpacket pair: errors in the init come back as messages. */
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    cell_errno(err, "socketpair");
    goto out;
  }
  cc->sync_fd = sv[0];

  /* 4. oomScoreAdj is inherited across clone: set on ourselves, it needs
   * no write into the init's /proc files (which a rootless parent cannot
   * open once the init is not dumpable). */
  if (process_set_oom_score_adj(cc->cfg->process, getpid(), err) < 0)
    goto out;

  /* 5. Clone the init.  A foreground run reaps it even when the slow path
   * makes it a grandchild. */
  if (o->foreground)
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  bool slow = plan.n_join > 0 || plan.timens_offsets;
  /* v1 has no CLONE_INTO_CGROUP.  In the fast path the init is moved
   * into its cgroups (one migration per hierarchy): by itself with the
   * cgroupfs driver (no global lock, see cgroup_join_open), by the parent
   * through systemd; it makes its cgroup namespace after that.  The slow
   * path moves cell itself in for the clone and back out (two per
   * hierarchy). */
  bool move_child = !slow && cg.v2fd < 0 && cg.paths.len > 0;
  bool self_move = move_child && !cg.sd_unit,
       systemd_moves = move_child && cg.sd_unit;
  int clone_flags = slow ? 0 : plan.new_flags;
  if (move_child)
    clone_flags &= ~CLONE_NEWCGROUP;
  if (!move_child && cgroup_enter_self(&cg, err) < 0)
    goto out;
  if (self_move && cgroup_self_open(&cg, err) < 0)
    goto out;
  int into = cg.v2fd >= 0 ? cg.v2fd : cg.join.v2dir;
  int init_pid = clone_init(clone_flags, &cc->pidfd, into);
  if (init_pid < 0 && into >= 0 &&
      (errno == E2BIG || errno == EINVAL || errno == ENOSYS)) {
    /* no CLONE_INTO_CGROUP (before 5.7): enter the cgroup ourselves, or
     * let the init join unified as it joins the rest */
    if (cg.v2fd >= 0) {
      close(steal_fd(&cg.v2fd));
      if (cgroup_enter_self(&cg, err) < 0)
        goto out;
    } else if (cgroup_join_no_clone_into(&cg.join, err) < 0)
      goto out;
    init_pid = clone_init(clone_flags, &cc->pidfd, -1);
  }
  if (init_pid != 0 && !move_child) {
    int saved = errno;
    cell_error_t e = {0};
    if (cgroup_leave_self(&cg, &e) < 0 && init_pid > 0) {
      *err = e;
      goto out;
    }
    errno = saved;
  }
  if (init_pid < 0) {
    cell_errno(err, "clone");
    goto out;
  }
  if (init_pid == 0) {
    close(sv[0]);
    init_args a = {.o = o,
                   .cfg = cc->cfg,
                   .plan = &plan,
                   .rootfs = rootfs,
                   .sync_fd = sv[1],
                   .fifo_dir = cc->c.dirfd,
                   .fifo = steal_fd(&fifo),
                   .seccomp = &sp,
                   .wait_parent = plan.new_user || systemd_moves,
                   .late_unshare =
                       move_child ? plan.new_flags & CLONE_NEWCGROUP : 0,
                   .join = self_move ? &cg.join : NULL};
    cell_error_t e = {0};
    int rc = init_main(&a, &e);
    if (rc < 0)
      sync_send_error(sv[1], &e);
    _exit(rc < 0 ? 1 : 0);
  }
  close(steal_fd(&sv[1]));
  cgroup_join_close(&cg.join);
  /* the init's is the only reader: start finds none once it died */
  if (fifo >= 0)
    close(steal_fd(&fifo));

  /* 6. uid/gid maps, hooks, console and readiness, as the init asks. */
  if (stage_follow_init(o, cc, &plan, &cg, systemd_moves, &init_pid, err) < 0)
    goto out;

  /* 7. The pid file only once the init is ready: whoever reads it may
   * act on the container at once. */
  if (stage_record(o, cc, err) < 0)
    goto out;
  if (!o->via_run) {
    /* let the init go on to wait for the fifo */
    if (sync_send(cc->sync_fd, SYNC_START, 0, NULL, 0, -1, err) < 0)
      goto out;
  }
  r = 0;
out:
  /* entering dropped a cgroup that turned out not to be ours (a systemd
   * unit of that name): the cleanup must not remove it */
  if (r < 0 && !cg.paths.len)
    cgroup_map_free(&cc->c.st.cgroup_paths);
  ns_plan_close(&plan);
  cgroup_free(&cg);
  cell_seccomp_prog_free(&sp);
  if (sv[1] >= 0)
    close(sv[1]);
  if (r < 0)
    container_destroy(cc);
  return r;
}

int container_start_sync(cell_created *cc, cell_error_t *err) {
  if (sync_send(cc->sync_fd, SYNC_START, 0, NULL, 0, -1, err) < 0)
    return -1;
  return sync_wait_exec(cc->sync_fd, err);
}

void container_destroy(cell_created *cc) {
  if (cc->pidfd >= 0) {
    syscall(SYS_pidfd_send_signal, cc->pidfd, SIGKILL, NULL, 0);
    wait_pidfd(cc->pidfd);
  }
  if (cc->c.dirfd >= 0) {
    cell_error_t ignored = {0};
    cgroup_destroy(&cc->c.st.cgroup_paths, &ignored);
    state_remove(&cc->c, &ignored);
  }
}

void cell_created_free(cell_created *cc) {
  if (cc->sync_fd >= 0)
    close(cc->sync_fd);
  if (cc->pidfd >= 0)
    close(cc->pidfd);
  if (cc->console >= 0)
    close(cc->console);
  /* the annotations were borrowed from the config */
  memset(&cc->c.st.annotations, 0, sizeof cc->c.st.annotations);
  state_close(&cc->c);
  oci_config_free(cc->cfg);
  cc->cfg = NULL;
  cc->sync_fd = cc->pidfd = cc->console = -1;
}

/* ------------------------------------------------------------------ */
/* Operations on an existing container                                 */
/* ------------------------------------------------------------------ */

static int pidfd_for(const cell_state *st, cell_error_t *err) {
  int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
  if (fd < 0)
    return cell_errno(err, "pidfd_open %d", st->pid);
  /* the pid may have been reused between the status check and here */
  if (proc_start_time(st->pid) != st->pid_start) {
    close(fd);
    return cell_err(err, ESRCH, "container `%s` is not running", st->id);
  }
  return fd;
}

/* Every process whose pid namespace is the init's. */
static int signal_all(const cell_state *st, int sig, cell_error_t *err) {
  char path[64];
  struct stat ref, cur;
  snprintf(path, sizeof path, "/proc/%d/ns/pid", st->pid);
  if (stat(path, &ref) < 0)
    return cell_errno(err, "stat `%s`", path);
  DIR *d = opendir("/proc");
  if (!d)
    return cell_errno(err, "open `/proc`");
  struct dirent *de;
  while ((de = readdir(d))) {
    int pid = atoi(de->d_name);
    if (pid <= 0)
      continue;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
    if (stat(path, &cur) == 0 && cur.st_ino == ref.st_ino &&
        cur.st_dev == ref.st_dev)
      kill(pid, sig);
  }
  closedir(d);
  return 0;
}

int container_signal(const cell_container *c, int sig, bool all,
                     cell_error_t *err) {
  const cell_state *st = &c->st;
  if (all && st->cgroup_paths.len)
    return cgroup_signal_all(&st->cgroup_paths, sig, err);
  if (all && st->own_pidns)
    return signal_all(st, sig, err);
  _cleanup_close_ int fd = pidfd_for(st, err);
  if (fd < 0)
    return -1;
  if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
    return cell_errno(err, "kill container `%s`", st->id);
  return 0;
}

int container_saved_hooks(const cell_container *c, oci_config **cfg,
                          cell_error_t *err) {
  *cfg = NULL;
  if (!c->st.has_config_copy)
    return 0;
  _cleanup_free_ char *data = NULL, *msg = NULL;
  size_t len;
  if (read_file_at(c->dirfd, "config.json", &data, &len, err) < 0)
    return -1;
  if (oci_config_parse(data, len, "config.json", cfg, &msg) < 0)
    return cell_err(err, 0, "%s/%s", c->path, msg);
  return 0;
}

int container_remove(cell_container *c, cell_error_t *err) {
  oci_config *cfg;
  cell_error_t e = {0};
  /* poststop failures are warnings: the container is gone either way */
  if (container_saved_hooks(c, &cfg, &e) < 0)
    cell_warn("poststop hooks of `%s` not run: %s", c->st.id, e.msg);
  else if (cfg && container_run_hooks(&cfg->hooks.poststop, "poststop", &c->st,
                                      "stopped", &e) < 0)
    cell_warn("%s", e.msg);
  oci_config_free(cfg);
  /* what is left in the cgroup dies with it */
  if (cgroup_destroy(&c->st.cgroup_paths, err) < 0)
    return -1;
  return state_remove(c, err);
}
