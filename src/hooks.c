/* OCI hooks: each one spawned with the state JSON on a stdin pipe, waited
 * for with an optional timeout. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "utils.h"

typedef struct {
  const char *data;
  size_t left;
  int fd; /* write end of the hook's stdin, -1 once done */
} feed_t;

/* Writes what the pipe takes without blocking; closes the pipe when all is
 * written or the hook closed its end (a hook need not read its stdin). */
static void feed(feed_t *f) {
  while (f->left > 0) {
    ssize_t n = write(f->fd, f->data, f->left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        return;
      break; /* EPIPE and the like: stop feeding */
    }
    f->data += n;
    f->left -= (size_t)n;
  }
  close(f->fd);
  f->fd = -1;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Feeds the rest of the state and waits for the hook, which is reaped on
 * return.  Returns 1 when it timed out (it is then killed), 0 when it
 * exited, -1 on error. */
static int wait_hook(pid_t pid, feed_t *f, int64_t timeout, int *status) {
  int64_t deadline = -1;
  if (timeout > 0 && timeout < INT64_MAX / 2000)
    deadline = now_ms() + timeout * 1000;
  if (deadline < 0 && f->fd < 0)
    return waitpid(pid, status, 0) < 0 ? -1 : 0;

  /* The exit shows up as a readable pidfd; kernels before 5.3 (and
   * valgrind) have none, so SIGCHLD through a signalfd stands in. */
  sigset_t chld, old;
  bool sigchld = false;
  _cleanup_close_ int evfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (evfd < 0) {
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    sigchld = true;
    evfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (evfd < 0) {
      int e = errno;
      sigprocmask(SIG_SETMASK, &old, NULL);
      kill(pid, SIGKILL);
      waitpid(pid, status, 0);
      errno = e;
      return -1;
    }
  }
  int r = 0;
  bool reaped = false;
  for (;;) {
    /* With SIGCHLD blocked first, an exit before this check is not lost. */
    if (sigchld) {
      pid_t w = waitpid(pid, status, WNOHANG);
      if (w != 0) {
        reaped = w > 0;
        r = w > 0 ? 0 : -1;
        break;
      }
    }
    struct pollfd pf[2] = {{evfd, POLLIN, 0}, {f->fd, POLLOUT, 0}};
    int ms = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      ms = left > 0 ? (int)(left > INT32_MAX ? INT32_MAX : left) : 0;
    }
    int n = poll(pf, f->fd >= 0 ? 2 : 1, ms);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      /* Timed out, or poll failed: either way the hook must not outlive
       * this call.  It is unreaped, so its pid is still ours to kill. */
      r = n == 0 ? 1 : -1;
      break;
    }
    if (f->fd >= 0 && pf[1].revents)
      feed(f);
    if (pf[0].revents && !sigchld)
      break;
    if (pf[0].revents) {
      struct signalfd_siginfo si;
      while (read(evfd, &si, sizeof si) > 0)
        ;
    }
  }
  int e = errno;
  if (r != 0 && !reaped)
    kill(pid, SIGKILL);
  if (!reaped && waitpid(pid, status, 0) < 0 && r == 0)
    r = -1, e = errno;
  if (sigchld)
    sigprocmask(SIG_SETMASK, &old, NULL);
  errno = e;
  return r;
}

static char **vec(const oci_strv *v, const char *first) {
  size_t n = v->len ? v->len : (first ? 1 : 0);
  char **a = xcalloc(n + 1, sizeof *a);
  for (size_t i = 0; i < v->len; i++)
    a[i] = v->items[i];
  if (!v->len && first)
    a[0] = (char *)first;
  return a;
}

static int run_one(const oci_hook *h, const char *kind, size_t idx,
                   const char *json, cell_error_t *err) {
  const char *path = h->path ? h->path : "";
  if (path[0] != '/')
    return cell_err(err, 0, "%s hook #%zu (%s): path must be absolute", kind,
                    idx, path);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return cell_errno(err, "%s hook #%zu (%s): pipe", kind, idx, path);
  _cleanup_close_ int rfd = p[0];
  feed_t f = {json, strlen(json), p[1]};
  /* Most states fit the pipe buffer: written before the hook even exists,
   * with no SIGPIPE risk since we hold the read end. */
  fcntl(f.fd, F_SETFL, O_NONBLOCK);
  feed(&f);

  _cleanup_free_ char **argv = vec(&h->args, path);
  _cleanup_free_ char **envp = vec(&h->env, NULL);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, def;
  sigemptyset(&none);
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, rfd, 0);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &def);
  pid_t pid;
  int e = posix_spawn(&pid, path, &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(steal_fd(&rfd));
  if (e) {
    if (f.fd >= 0)
      close(f.fd);
    return cell_err(err, e, "%s hook #%zu (%s): exec", kind, idx, path);
  }

  /* The rest of a large state goes out while the hook runs; a hook that
   * exits without reading must not kill cell with SIGPIPE. */
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  bool masked = f.fd >= 0, was_pending = false;
  if (masked) {
    sigprocmask(SIG_BLOCK, &pipe_set, &old);
    sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE);
  }
  int status = 0;
  int r = wait_hook(pid, &f, h->timeout.set ? h->timeout.v : 0, &status);
  e = errno;
  if (f.fd >= 0)
    close(f.fd);
  if (masked) {
    struct timespec zero = {0, 0};
    sigpending(&pending);
    if (!was_pending && sigismember(&pending, SIGPIPE))
      sigtimedwait(&pipe_set, NULL, &zero);
    sigprocmask(SIG_SETMASK, &old, NULL);
  }

  if (r < 0)
    return cell_err(err, e, "%s hook #%zu (%s): wait", kind, idx, path);
  if (r == 1)
    return cell_err(err, 0, "%s hook #%zu (%s): timed out after %lld s", kind,
                    idx, path, (long long)h->timeout.v);
  if (WIFSIGNALED(status))
    return cell_err(err, 0, "%s hook #%zu (%s): killed by signal %d", kind, idx,
                    path, WTERMSIG(status));
  if (WEXITSTATUS(status) != 0)
    return cell_err(err, 0, "%s hook #%zu (%s): exited with status %d", kind,
                    idx, path, WEXITSTATUS(status));
  return 0;
}

int hooks_run(const oci_hookv *hooks, const char *kind, const char *state_json,
              cell_error_t *err) {
  for (size_t i = 0; i < hooks->len; i++)
    if (run_one(&hooks->items[i], kind, i, state_json ? state_json : "", err) <
        0)
      return -1;
  return 0;
}
