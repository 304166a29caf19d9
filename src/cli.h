/* Command-line front end: global options and one function per command. */
#ifndef CELL_CLI_H
#define CELL_CLI_H

#include <stdbool.h>

enum rootless_mode { ROOTLESS_AUTO, ROOTLESS_TRUE, ROOTLESS_FALSE };

typedef struct {
  const char *root; /* state root: --root or the default */
  const char *log, *log_format;
  bool debug, systemd_cgroup;
  enum rootless_mode rootless;
} cell_globals;

typedef int (*cell_cmd_fn)(const cell_globals *g, int argc, char **argv);

int cmd_create(const cell_globals *g, int argc, char **argv);
int cmd_start(const cell_globals *g, int argc, char **argv);
int cmd_state(const cell_globals *g, int argc, char **argv);
int cmd_kill(const cell_globals *g, int argc, char **argv);
int cmd_delete(const cell_globals *g, int argc, char **argv);
int cmd_run(const cell_globals *g, int argc, char **argv);
int cmd_list(const cell_globals *g, int argc, char **argv);
int cmd_spec(const cell_globals *g, int argc, char **argv);
int cmd_features(const cell_globals *g, int argc, char **argv);
int cmd_update(const cell_globals *g, int argc, char **argv);
int cmd_pause(const cell_globals *g, int argc, char **argv);
int cmd_resume(const cell_globals *g, int argc, char **argv);
int cmd_ps(const cell_globals *g, int argc, char **argv);
int cmd_events(const cell_globals *g, int argc, char **argv);
int cmd_exec(const cell_globals *g, int argc, char **argv);

/* Prints "cell: msg" (or a JSON log line) and returns 1, the exit status
 * of every failed command. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Checks that exactly `want` positional arguments remain after options;
 * names the command in the message. */
int cli_need_args(const char *cmd, int argc, int optind, int want,
                  const char *usage);

#endif
