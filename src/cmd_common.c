#include "cmd_common.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

int parse_id_only(int argc, char **argv, const char *flags,
                  const char *long_names[], bool *set, const char **id) {
  struct option opts[8] = {{0}};
  size_t n = strlen(flags);
  for (size_t i = 0; i < n && i < 7; i++)
    opts[i] = (struct option){long_names[i], no_argument, NULL, flags[i]};
  char short_opts[16] = "+";
  strncat(short_opts, flags, sizeof short_opts - 2);
  int c;
  while ((c = getopt_long_only(argc, argv, short_opts, opts, NULL)) != -1) {
    const char *hit = c > 0 ? strchr(flags, c) : NULL;
    if (!hit || c == '?')
      return cli_fail("%s: unknown option `%s`", argv[0], argv[optind - 1]);
    set[hit - flags] = true;
  }
  /* kill takes an optional signal after the id */
  int want = !strcmp(argv[0], "kill") && argc - optind == 2 ? 2 : 1;
  if (cli_need_args(argv[0], argc, optind, want, "ID"))
    return 1;
  *id = argv[optind];
  return 0;
}

static const struct {
  const char *name;
  int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},
    {"ILL", SIGILL},   {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},
    {"IOT", SIGIOT},   {"BUS", SIGBUS},       {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

int parse_signal(const char *s) {
  if (isdigit((unsigned char)*s)) {
    char *end;
    long n = strtol(s, &end, 10);
    return *end || n < 1 || n > SIGRTMAX ? -1 : (int)n;
  }
  if (!strncasecmp(s, "SIG", 3))
    s += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (!strcasecmp(s, signals[i].name))
      return signals[i].sig;
  /* RTMIN+N, RTMAX-N */
  if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
    int base = toupper((unsigned char)s[3]) == 'I' ? SIGRTMIN : SIGRTMAX;
    int off = s[5] ? atoi(s + 5) : 0;
    int sig = base + off;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
  }
  return -1;
}

int wait_stopped(const cell_container *c, int ms) {
  int fd = (int)syscall(SYS_pidfd_open, c->st.pid, 0);
  if (fd < 0)
    return 0; /* already gone */
  struct pollfd p = {fd, POLLIN, 0};
  int r = poll(&p, 1, ms);
  close(fd);
  return r > 0 || state_status(c) == ST_STOPPED ? 0 : -1;
}

int reserve_preserved_fds(const char *cmd, int n) {
  for (int fd = 3; fd < 3 + n; fd++) {
    if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
      continue;
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul < 0)
      return cli_fail("%s: open `/dev/null`: %s", cmd, strerror(errno));
    if (nul != fd) {
      int r = dup3(nul, fd, O_CLOEXEC);
      close(nul);
      if (r < 0)
        return cli_fail("%s: reserve fd %d: %s", cmd, fd, strerror(errno));
    }
  }
  return 0;
}

void forwarded_signals(sigset_t *set) {
  static const int sigs[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                             SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH};
  sigemptyset(set);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(set, sigs[i]);
}

int wait_forwarding(int pidfd, const sigset_t *set) {
  int sfd = signalfd(-1, set, SFD_CLOEXEC);
  struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {sfd, POLLIN, 0}};
  int code;
  for (;;) {
    siginfo_t si = {0};
    if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 &&
        si.si_pid) {
      code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
      break;
    }
    if (poll(fds, sfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
      code = 255;
      break;
    }
    struct signalfd_siginfo ssi;
    if (sfd >= 0 && (fds[1].revents & POLLIN) &&
        read(sfd, &ssi, sizeof ssi) == sizeof ssi)
      syscall(SYS_pidfd_send_signal, pidfd, (int)ssi.ssi_signo, NULL, 0);
  }
  if (sfd >= 0)
    close(sfd);
  return code;
}
