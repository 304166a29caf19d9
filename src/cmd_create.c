#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"
#include "utils.h"

int parse_create_opts(int argc, char **argv, create_opts *o, bool run,
                      bool *detach, char **bundle_out) {
  enum {
    O_PIDFILE = 1,
    O_CONSOLE,
    O_PRESERVE,
    O_NOPIVOT,
    O_NOKEYRING,
    O_PIDFD,
    O_KEEP
  };
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"pid-file", required_argument, NULL, O_PIDFILE},
      {"console-socket", required_argument, NULL, O_CONSOLE},
      {"pidfd-socket", required_argument, NULL, O_PIDFD},
      {"preserve-fds", required_argument, NULL, O_PRESERVE},
      {"no-pivot", no_argument, NULL, O_NOPIVOT},
      {"no-new-keyring", no_argument, NULL, O_NOKEYRING},
      {"detach", no_argument, NULL, 'd'},
      {"keep", no_argument, NULL, O_KEEP},
      {0}};
  const char *bundle = ".";
  int c;
  while ((c = getopt_long_only(argc, argv, run ? "+b:d" : "+b:", opts, NULL)) !=
         -1) {
    switch (c) {
    case 'b':
      bundle = optarg;
      break;
    case O_PIDFILE:
      o->pid_file = optarg;
      break;
    case O_CONSOLE:
      o->console_socket = optarg;
      break;
    case O_PIDFD:
      o->pidfd_socket = optarg;
      break;
    case O_PRESERVE: {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || n < 0 || n > 65536)
        return cli_fail("--preserve-fds: expected a non-negative number, got "
                        "`%s`",
                        optarg);
      o->preserve_fds = (int)n;
      break;
    }
    case O_NOPIVOT:
      o->no_pivot = true;
      break;
    case O_NOKEYRING:
      o->no_new_keyring = true;
      break;
    case 'd':
    case O_KEEP: /* run's own */
      if (run) {
        *(c == 'd' ? detach : &o->keep) = true;
        break;
      }
      /* fall through */
    default:
      return cli_fail("%s: unknown option `%s`", argv[0], argv[optind - 1]);
    }
  }
  if (cli_need_args(argv[0], argc, optind, 1, "[options] ID"))
    return 1;
  o->id = argv[optind];
  /* socket activation fds ride along with the preserved ones */
  const char *lf = getenv("LISTEN_FDS"), *lp = getenv("LISTEN_PID");
  if (lf && *lf && lp && atoi(lp) == (int)getpid() && atoi(lf) > 0) {
    o->listen_fds = atoi(lf);
    o->preserve_fds += o->listen_fds;
  }
  if (reserve_preserved_fds(argv[0], o->preserve_fds))
    return 1;
  char *real = realpath(bundle, NULL);
  if (!real)
    return cli_fail("bundle `%s`: %s", bundle, strerror(errno));
  *bundle_out = real;
  o->bundle = real;
  return 0;
}

int cmd_create(const cell_globals *g, int argc, char **argv) {
  create_opts o = {.root = g->root};
  _cleanup_free_ char *bundle = NULL;
  bool detach = false;
  if (parse_create_opts(argc, argv, &o, false, &detach, &bundle))
    return 1;
  cell_created cc;
  cell_error_t err = {0};
  int r = container_create(&o, &cc, &err);
  cell_created_free(&cc);
  return r < 0 ? cli_fail("%s", err.msg) : 0;
}
