/* `cell exec`: options, the process document (--process, or the
 * container's config.json process with the options on top, as runc
 * builds it), then exec.c starts it; in the foreground cell proxies the
 * terminal, forwards signals and returns the process's exit status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"
#include "exec.h"
#include "process.h"
#include "rootfs.h"
#include "terminal.h"
#include "user_spec.h"
#include "utils.h"

#define USAGE "[options] ID [COMMAND [ARGS...]]"

typedef struct {
  const char *process, *console_socket, *pid_file, *cwd, *user, *pidfd_socket;
  oci_strv env, caps, gids, cgroups; /* borrowed from argv */
  bool tty, detach, no_new_privs, ignore_paused;
  int preserve_fds;
} exec_flags;

static void push(oci_strv *v, char *s) {
  v->items = xrealloc(v->items, (v->len + 1) * sizeof(char *));
  v->items[v->len++] = s;
}

static int parse_uint(const char *opt, const char *s, unsigned long max,
                      unsigned long *out) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*s < '0' || *s > '9' || *end || errno || v > max)
    return cli_fail("exec: %s: expected a number up to %lu, got `%s`", opt, max,
                    s);
  *out = v;
  return 0;
}

static int parse_flags(int argc, char **argv, exec_flags *f) {
  enum {
    O_PROCESS = 1,
    O_SOCK,
    O_PIDFILE,
    O_CWD,
    O_NNP,
    O_PRESERVE,
    O_CGROUP,
    O_IGNORE_PAUSED,
    O_PIDFD
  };
  static const struct option opts[] = {
      {"process", required_argument, NULL, O_PROCESS},
      {"tty", no_argument, NULL, 't'},
      {"console-socket", required_argument, NULL, O_SOCK},
      {"pidfd-socket", required_argument, NULL, O_PIDFD},
      {"detach", no_argument, NULL, 'd'},
      {"pid-file", required_argument, NULL, O_PIDFILE},
      {"cwd", required_argument, NULL, O_CWD},
      {"env", required_argument, NULL, 'e'},
      {"user", required_argument, NULL, 'u'},
      {"additional-gids", required_argument, NULL, 'g'},
      {"cap", required_argument, NULL, 'c'},
      {"no-new-privs", no_argument, NULL, O_NNP},
      {"preserve-fds", required_argument, NULL, O_PRESERVE},
      {"cgroup", required_argument, NULL, O_CGROUP},
      {"ignore-paused", no_argument, NULL, O_IGNORE_PAUSED},
      {0}};
  int c;
  unsigned long n;
  while ((c = getopt_long_only(argc, argv, "+tde:u:g:c:p:", opts, NULL)) !=
         -1) {
    switch (c) {
    case 'p':
    case O_PROCESS:
      f->process = optarg;
      break;
    case 't':
      f->tty = true;
      break;
    case 'd':
      f->detach = true;
      break;
    case O_SOCK:
      f->console_socket = optarg;
      break;
    case O_PIDFD:
      f->pidfd_socket = optarg;
      break;
    case O_PIDFILE:
      f->pid_file = optarg;
      break;
    case O_CWD:
      f->cwd = optarg;
      break;
    case 'e':
      if (!strchr(optarg, '=') || *optarg == '=')
        return cli_fail("exec: --env `%s`: expected KEY=VALUE", optarg);
      push(&f->env, optarg);
      break;
    case 'u':
      f->user = optarg;
      break;
    case 'g':
      if (parse_uint("--additional-gids", optarg, 4294967294UL, &n))
        return 1;
      push(&f->gids, optarg);
      break;
    case 'c':
      if (process_cap_from_name(optarg) < 0)
        return cli_fail("exec: --cap `%s`: unknown capability", optarg);
      push(&f->caps, optarg);
      break;
    case O_NNP:
      f->no_new_privs = true;
      break;
    case O_PRESERVE:
      if (parse_uint("--preserve-fds", optarg, 65536, &n))
        return 1;
      f->preserve_fds = (int)n;
      break;
    case O_CGROUP:
      push(&f->cgroups, optarg);
      break;
    case O_IGNORE_PAUSED:
      f->ignore_paused = true;
      break;
    default:
      return cli_fail("exec: unknown option `%s` (usage: cell exec %s)",
                      argv[optind - 1], USAGE);
    }
  }
  if (optind >= argc)
    return cli_fail("exec: expected an ID (usage: cell exec %s)", USAGE);
  if (!f->process && argc - optind < 2)
    return cli_fail("exec: a command is required (or --process FILE)");
  if (f->process && argc - optind > 1)
    return cli_fail("exec: --process and a command are exclusive");
  return 0;
}

static bool strv_has(const oci_strv *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], s))
      return true;
  return false;
}

static void add_cap(oci_strv *set, const char *cap) {
  if (!strv_has(set, cap))
    push(set, xstrdup(cap));
}

static void set_env(oci_strv *env, const char *kv) {
  size_t klen = (size_t)(strchr(kv, '=') - kv) + 1;
  for (size_t i = 0; i < env->len; i++)
    if (!strncmp(env->items[i], kv, klen)) {
      free(env->items[i]);
      env->items[i] = xstrdup(kv);
      return;
    }
  push(env, xstrdup(kv));
}

/* --user: numeric, or names from the container's /etc/passwd and
 * /etc/group (read under its rootfs, as seen from the host). */
static int apply_user(oci_user *u, const char *spec, const char *rootfs,
                      cell_error_t *err) {
  uint32_t uid, gid = u->gid;
  bool has_gid;
  if (strspn(spec, "0123456789:") == strlen(spec)) {
    if (user_spec_parse(spec, &uid, &gid, &has_gid, err) < 0)
      return -1;
  } else {
    _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      return cell_errno(err, "--user: open rootfs `%s`", rootfs);
    if (user_spec_resolve(rootfd, spec, &uid, &gid, &has_gid, err) < 0)
      return -1;
  }
  u->uid = uid;
  u->gid = gid;
  return 0;
}

/* The config's process with the options on top: runc's defaults. */
static int apply_flags(oci_process *p, const exec_flags *f, char **argv,
                       int argc, const char *rootfs, cell_error_t *err) {
  for (size_t i = 0; i < p->args.len; i++)
    free(p->args.items[i]);
  p->args.len = 0;
  for (int i = 0; i < argc; i++)
    push(&p->args, xstrdup(argv[i]));
  p->terminal = f->tty;
  for (size_t i = 0; i < f->env.len; i++)
    set_env(&p->env, f->env.items[i]);
  if (f->cwd) {
    free(p->cwd);
    p->cwd = xstrdup(f->cwd);
  }
  if (p->cwd[0] != '/')
    return cell_err(err, 0, "--cwd `%s`: must be absolute", p->cwd);
  if (f->user && apply_user(&p->user, f->user, rootfs, err) < 0)
    return -1;
  if (f->gids.len) {
    oci_user *u = &p->user;
    u->additional_gids =
        xrealloc(u->additional_gids,
                 (u->n_additional_gids + f->gids.len) * sizeof(uint32_t));
    for (size_t i = 0; i < f->gids.len; i++)
      u->additional_gids[u->n_additional_gids++] =
          (uint32_t)strtoul(f->gids.items[i], NULL, 10);
  }
  /* like runc: bounding, effective and permitted; ambient only where the
   * inheritable set already allows it */
  if (f->caps.len)
    p->caps.present = true;
  for (size_t i = 0; i < f->caps.len; i++) {
    const char *cap = f->caps.items[i];
    add_cap(&p->caps.bounding, cap);
    add_cap(&p->caps.effective, cap);
    add_cap(&p->caps.permitted, cap);
    if (strv_has(&p->caps.inheritable, cap))
      add_cap(&p->caps.ambient, cap);
  }
  if (f->no_new_privs)
    p->no_new_privileges = true;
  return 0;
}

static int load_process_file(const char *path, oci_process **out,
                             cell_error_t *err) {
  _cleanup_free_ char *data = NULL, *msg = NULL;
  size_t len;
  if (oci_read_file(path, &data, &len) < 0)
    return cell_errno(err, "--process: open `%s`", path);
  if (oci_process_parse(data, len, path, out, &msg) < 0)
    return cell_err(err, 0, "--process: %s", msg);
  return 0;
}

/* The config the container was created with: the copy in the state
 * directory when there is one, else the bundle's. */
static int load_config(const cell_container *c, oci_config **cfg,
                       cell_error_t *err) {
  if (c->st.has_config_copy)
    return container_saved_hooks(c, cfg, err);
  return container_load_config(c->st.bundle, cfg, err);
}

static int check_status(const cell_container *c, bool ignore_paused,
                        cell_error_t *err) {
  const char *id = c->st.id;
  switch (state_status(c)) {
  case ST_RUNNING:
  case ST_CREATED:
    return 0;
  case ST_PAUSED:
    if (ignore_paused)
      return 0;
    return cell_err(err, 0,
                    "cannot exec in a paused container `%s` (use "
                    "--ignore-paused to override)",
                    id);
  case ST_CREATING:
    return cell_err(err, 0, "cannot exec in container `%s`: it is creating",
                    id);
  case ST_STOPPED:
  default:
    return cell_err(err, 0, "cannot exec in a stopped container `%s`", id);
  }
}

static int validate_process(const oci_config *cfg, oci_process *p,
                            cell_error_t *err) {
  if (p->apparmor_profile && *p->apparmor_profile)
    return cell_err(err, 0,
                    "process.apparmorProfile: AppArmor is not "
                    "supported");
  if (p->selinux_label && *p->selinux_label)
    return cell_err(err, 0, "process.selinuxLabel: SELinux is not supported");
  oci_config tmp = *cfg;
  tmp.process = p;
  return process_validate(&tmp, err);
}

static int write_pid_file(const char *path, int pid, cell_error_t *err) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", pid);
  if (write_file_atomic(path, buf, (size_t)n, 0644, err) < 0)
    return cell_err_prefix(err, "--pid-file");
  return 0;
}

/* Everything up to a started process; *c stays open for the caller. */
static int start(const cell_globals *g, exec_flags *f, int argc, char **argv,
                 cell_container *c, exec_proc *ep, cell_error_t *err) {
  const char *id = argv[optind];
  oci_config *cfg = NULL;
  oci_process *proc = NULL;
  int r = -1;
  if (state_validate_id(id, err) < 0 || state_open(g->root, id, c, err) < 0 ||
      check_status(c, f->ignore_paused, err) < 0 ||
      load_config(c, &cfg, err) < 0)
    goto out;
  if (!cfg) {
    cell_err(err, 0, "container `%s`: no saved config", id);
    goto out;
  }
  if (f->process) {
    if (load_process_file(f->process, &proc, err) < 0)
      goto out;
    proc->terminal = proc->terminal || f->tty;
  } else {
    proc = steal_ptr(&cfg->process);
    if (!proc) {
      cell_err(err, 0, "config.json: process: required");
      goto out;
    }
    if (apply_flags(proc, f, argv + optind + 1, argc - optind - 1, c->st.rootfs,
                    err) < 0)
      goto out;
  }
  if (validate_process(cfg, proc, err) < 0)
    goto out;
  if (proc->terminal && f->detach && !f->console_socket) {
    cell_err(err, 0,
             "exec: a terminal in detached mode needs "
             "--console-socket");
    goto out;
  }
  if (!proc->terminal && f->console_socket) {
    cell_err(err, 0, "exec: --console-socket needs --tty");
    goto out;
  }
  /* the process must not wait on us, nor `resume` on an exec that joins a
   * frozen cgroup */
  state_unlock(c);
  exec_opts eo = {.root = g->root,
                  .console_socket = f->console_socket,
                  .preserve_fds = f->preserve_fds,
                  .cgroups = &f->cgroups};
  if (exec_start(c, cfg, proc, &eo, ep, err) < 0)
    goto out;
  if ((f->pid_file && write_pid_file(f->pid_file, ep->pid, err) < 0) ||
      (f->pidfd_socket && unix_send_fd(f->pidfd_socket, "--pidfd-socket",
                                       "pidfd", 5, ep->pidfd, err) < 0)) {
    syscall(SYS_pidfd_send_signal, ep->pidfd, SIGKILL, NULL, 0);
    siginfo_t si;
    waitid(P_PIDFD, (id_t)ep->pidfd, &si, WEXITED);
    goto out;
  }
  r = 0;
out:
  oci_process_free(proc);
  oci_config_free(cfg);
  return r;
}

int cmd_exec(const cell_globals *g, int argc, char **argv) {
  exec_flags f = {.preserve_fds = 0};
  int rc = parse_flags(argc, argv, &f);
  if (rc == 0)
    rc = reserve_preserved_fds("exec", f.preserve_fds);
  if (rc) {
    free(f.env.items);
    free(f.caps.items);
    free(f.gids.items);
    free(f.cgroups.items);
    return rc;
  }
  cell_container c = {.dirfd = -1};
  cell_error_t err = {0};
  exec_proc ep = {.pid = 0, .pidfd = -1, .console = -1};
  int r = start(g, &f, argc, argv, &c, &ep, &err);
  state_close(&c);
  free(f.env.items);
  free(f.caps.items);
  free(f.gids.items);
  free(f.cgroups.items);
  if (r < 0)
    return cli_fail("%s", err.msg);
  if (f.detach) {
    close(ep.pidfd);
    return 0;
  }
  sigset_t set;
  forwarded_signals(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
  if (ep.console >= 0) {
    terminal_proxy(ep.console, ep.pidfd);
    close(ep.console);
  }
  int code = wait_forwarding(ep.pidfd, &set);
  close(ep.pidfd);
  return code;
}
