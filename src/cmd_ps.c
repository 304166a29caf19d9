/* `cell ps [--format table|json] ID [PS_ARGS...]`: the processes of the
 * container's cgroup.  json: an array of pids; table: the host's `ps`
 * (default `ps -ef`) output cut down to those pids, as runc does. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "cmd_common.h"
#include "container.h"
#include "utils.h"

static bool has_pid(const pid_t *v, size_t n, long pid) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == pid)
      return true;
  return false;
}

/* Runs ps and keeps the header and the lines whose PID column is ours. */
static int ps_table(char **ps_args, int nargs, const pid_t *pids, size_t n) {
  int fds[2];
  if (pipe(fds) < 0)
    return cli_fail("ps: pipe: %m");
  pid_t child = fork();
  if (child < 0)
    return cli_fail("ps: fork: %m");
  if (child == 0) {
    char **argv = xcalloc((size_t)nargs + 3, sizeof(char *));
    argv[0] = "ps";
    int k = 1;
    if (nargs == 0)
      argv[k++] = "-ef";
    for (int i = 0; i < nargs; i++)
      argv[k++] = ps_args[i];
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execvp("ps", argv);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char *line = NULL;
  size_t cap = 0;
  int col = -1;
  while (getline(&line, &cap, f) > 0) {
    _cleanup_free_ char *copy = xstrdup(line);
    char *save = NULL;
    int i = 0;
    if (col < 0) {
      for (char *t = strtok_r(copy, " \t\n", &save); t;
           t = strtok_r(NULL, " \t\n", &save), i++)
        if (!strcmp(t, "PID"))
          col = i;
      fputs(line, stdout);
      continue;
    }
    for (char *t = strtok_r(copy, " \t\n", &save); t;
         t = strtok_r(NULL, " \t\n", &save), i++)
      if (i == col) {
        if (has_pid(pids, n, strtol(t, NULL, 10)))
          fputs(line, stdout);
        break;
      }
  }
  free(line);
  fclose(f);
  int st;
  waitpid(child, &st, 0);
  if (col < 0)
    return cli_fail("ps: no PID column in the output of ps");
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : cli_fail("ps: ps failed");
}

int cmd_ps(const cell_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {0}};
  const char *format = "table";
  int c;
  while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
    if (c != 'f')
      return cli_fail("ps: unknown option `%s`", argv[optind - 1]);
    format = optarg;
  }
  bool json = !strcmp(format, "json");
  if (!json && strcmp(format, "table"))
    return cli_fail("ps: --format: expected table or json, got `%s`", format);
  if (optind >= argc)
    return cli_fail("ps: expected an ID (usage: cell ps [--format "
                    "table|json] ID [PS_ARGS...])");
  const char *id = argv[optind];
  cell_container ct;
  cell_error_t err = {0};
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int r = state_open(g->root, id, &ct, &err);
  if (r == 0) {
    cell_status s = state_status(&ct);
    if (s == ST_STOPPED || s == ST_CREATING)
      r = cell_err(&err, 0, "cannot list processes of `%s`: it is %s", id,
                   state_status_name(s));
    else
      r = cgroup_pids(&ct.st.cgroup_paths, &pids, &n, &err);
  }
  state_close(&ct);
  if (r < 0)
    return cli_fail("ps: %s", err.msg);
  if (!json)
    return ps_table(argv + optind + 1, argc - optind - 1, pids, n);
  if (argc - optind > 1)
    return cli_fail("ps: ps arguments are not allowed with --format json");
  fputc('[', stdout);
  for (size_t i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", (int)pids[i]);
  puts("]");
  return 0;
}
