/* cell: an OCI runtime.  Global options, then one command. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "config.h"
#include "error.h"
#include "state.h"

static const struct {
  const char *name;
  cell_cmd_fn fn;
  const char *help;
  const char *synopsis; /* for `cell COMMAND --help` */
} commands[] = {
    {"create", cmd_create, "create a container",
     "[--bundle DIR] [--pid-file F] [--console-socket SOCK] [--pidfd-socket "
     "SOCK] [--preserve-fds N] "
     "[--no-pivot] [--no-new-keyring] ID"},
    {"start", cmd_start, "run the user process of a created container", "ID"},
    {"state", cmd_state, "print the state of a container", "ID"},
    {"kill", cmd_kill, "send a signal to the container's init",
     "[--all] ID [SIGNAL]"},
    {"delete", cmd_delete, "delete a container and what it holds",
     "[--force] ID"},
    {"run", cmd_run, "create and start a container",
     "[--bundle DIR] [--detach] [--keep] [--pid-file F] "
     "[--console-socket SOCK] "
     "[--pidfd-socket SOCK] [--preserve-fds N] [--no-pivot] "
     "[--no-new-keyring] ID"},
    {"list", cmd_list, "list containers", "[--format table|json] [--quiet]"},
    {"spec", cmd_spec, "write a default config.json",
     "[--rootless] [--bundle DIR]"},
    {"features", cmd_features, "print the features document", ""},
    {"update", cmd_update, "change the cgroup limits of a container",
     "[--resources FILE|-] [--memory N] [--cpu-quota N] [--pids-limit N] ... "
     "ID"},
    {"pause", cmd_pause, "freeze every process of a container", "ID"},
    {"resume", cmd_resume, "thaw a paused container", "ID"},
    {"ps", cmd_ps, "list the processes of a container",
     "[--format table|json] ID"},
    {"events", cmd_events, "print stats and OOM events of a container",
     "[--stats] [--interval D] ID"},
    {"exec", cmd_exec, "run a new process in a container",
     "[--process F] [--tty] [--console-socket SOCK] [--pidfd-socket SOCK] "
     "[--detach] [--pid-file F] "
     "[--cwd DIR] [--env K=V]... [--user UID[:GID]] [--additional-gids G]... "
     "[--cap CAP]... [--no-new-privs] [--preserve-fds N] [--cgroup SUB] "
     "[--ignore-paused] ID [CMD ARGS...]"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: cell [global options] COMMAND [options] [ARGS]\n\n"
             "global options:\n"
             "  --root DIR          state directory (default /run/cell,\n"
             "                      or $XDG_RUNTIME_DIR/cell when not root)\n"
             "  --log FILE          log file\n"
             "  --log-format FMT    text or json\n"
             "  --debug             debug logging\n"
             "  --rootless MODE     auto, true or false\n"
             "  --systemd-cgroup    use systemd to manage cgroups\n"
             "  --version, --help\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int cli_fail(const char *fmt, ...) {
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* one line, whatever the message held */
  for (char *p = msg; *p; p++)
    if (*p == '\n')
      *p = ' ';
  cell_log(CELL_LOG_ERROR, "%s", msg);
  return 1;
}

int cli_need_args(const char *cmd, int argc, int optind, int want,
                  const char *usage_text) {
  if (argc - optind == want)
    return 0;
  return cli_fail("%s: expected %d argument%s, got %d (usage: cell %s %s)", cmd,
                  want, want == 1 ? "" : "s", argc - optind, cmd, usage_text);
}

int main(int argc, char **argv) {
  enum { O_ROOT = 1, O_LOG, O_LOGFMT, O_DEBUG, O_ROOTLESS, O_SYSTEMD, O_VER };
  static const struct option opts[] = {
      {"root", required_argument, NULL, O_ROOT},
      {"log", required_argument, NULL, O_LOG},
      {"log-format", required_argument, NULL, O_LOGFMT},
      {"debug", no_argument, NULL, O_DEBUG},
      {"rootless", required_argument, NULL, O_ROOTLESS},
      {"systemd-cgroup", no_argument, NULL, O_SYSTEMD},
      {"version", no_argument, NULL, O_VER},
      {"help", no_argument, NULL, 'h'},
      {0}};
  cell_globals g = {.rootless = ROOTLESS_AUTO};
  int c;
  opterr = 0;
  while ((c = getopt_long_only(argc, argv, "+hv", opts, NULL)) != -1) {
    switch (c) {
    case O_ROOT:
      g.root = optarg;
      break;
    case O_LOG:
      g.log = optarg;
      break;
    case O_LOGFMT:
      g.log_format = optarg;
      break;
    case O_DEBUG:
      g.debug = true;
      break;
    case O_ROOTLESS:
      if (!strcmp(optarg, "true"))
        g.rootless = ROOTLESS_TRUE;
      else if (!strcmp(optarg, "false"))
        g.rootless = ROOTLESS_FALSE;
      else if (strcmp(optarg, "auto"))
        return cli_fail("--rootless: expected auto, true or false, got `%s`",
                        optarg);
      break;
    case O_SYSTEMD:
      g.systemd_cgroup = true;
      break;
    case 'v':
    case O_VER:
      printf("cell version %s\nspec: 1.3.0\n", PACKAGE_VERSION);
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      return cli_fail("unknown global option `%s`", argv[optind - 1]);
    }
  }
  bool json = false;
  if (g.log_format && !(json = !strcmp(g.log_format, "json")) &&
      strcmp(g.log_format, "text"))
    return cli_fail("--log-format: expected text or json, got `%s`",
                    g.log_format);
  cell_log_init(g.log, json, g.debug);
  cgroup_set_rootless(g.rootless == ROOTLESS_AUTO   ? -1
                      : g.rootless == ROOTLESS_TRUE ? 1
                                                    : 0);
  if (optind >= argc) {
    usage(stderr);
    return 1;
  }
  const char *name = argv[optind];
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(commands[i].name, name))
      continue;
    /* only right after the name: later, --help may be the container's */
    if (argc - optind >= 2 && (!strcmp(argv[optind + 1], "--help") ||
                               !strcmp(argv[optind + 1], "-h"))) {
      printf("usage: cell %s%s%s\n%s; see cell-%s(8)\n", name,
             *commands[i].synopsis ? " " : "", commands[i].synopsis,
             commands[i].help, name);
      return 0;
    }
    /* systemd as PID 1 (sd_booted), rootless too: a user manager is
     * its user@UID.service, and it asks PID 1 to move pids it cannot;
     * whether the user manager runs is checked at create */
    if (g.systemd_cgroup && access("/run/systemd/system", F_OK) != 0)
      return cli_fail("--systemd-cgroup: systemd is not running on this "
                      "host");
    cgroup_set_systemd(g.systemd_cgroup);
    if (!g.root)
      g.root = state_default_root();
    /* each command parses its own options from its name on; optind 0
     * makes glibc's getopt start afresh */
    int cmd_argc = argc - optind;
    char **cmd_argv = argv + optind;
    optind = 0;
    return commands[i].fn(&g, cmd_argc, cmd_argv);
  }
  return cli_fail("unknown command `%s`", name);
}
