#include <dirent.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "cmd_common.h"
#include "container.h"

static void gen_s(yajl_gen g, const char *k, const char *v) {
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
  yajl_gen_string(g, (const unsigned char *)(v ? v : ""), v ? strlen(v) : 0);
}

static void gen_i(yajl_gen g, const char *k, long long v) {
  yajl_gen_string(g, (const unsigned char *)k, strlen(k));
  yajl_gen_integer(g, v);
}

/* /etc/passwd read directly: a static binary has no NSS modules. */
static void owner_name(uid_t uid, char *buf, size_t n) {
  snprintf(buf, n, "#%u", (unsigned)uid);
  FILE *f = fopen("/etc/passwd", "re");
  struct passwd *pw;
  while (f && (pw = fgetpwent(f)))
    if (pw->pw_uid == uid) {
      snprintf(buf, n, "%s", pw->pw_name);
      break;
    }
  if (f)
    fclose(f);
}

static void list_one(const cell_container *c, bool json, bool quiet,
                     yajl_gen g) {
  const cell_state *s = &c->st;
  cell_status st = state_status(c);
  int pid = st == ST_STOPPED ? 0 : s->pid;
  char owner[64];
  owner_name(s->owner, owner, sizeof owner);
  if (quiet) {
    puts(s->id);
  } else if (json) {
    yajl_gen_map_open(g);
    gen_s(g, "ociVersion", "1.3.0");
    gen_s(g, "id", s->id);
    gen_i(g, "pid", pid);
    gen_s(g, "status", state_status_name(st));
    gen_s(g, "bundle", s->bundle);
    gen_s(g, "rootfs", s->rootfs);
    gen_s(g, "created", s->created);
    gen_s(g, "owner", owner);
    yajl_gen_map_close(g);
  } else {
    printf("%-12s %-8d %-10s %-40s %-30s %s\n", s->id, pid,
           state_status_name(st), s->bundle, s->created, owner);
  }
}

int cmd_list(const cell_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"quiet", no_argument, NULL, 'q'},
                                       {0}};
  bool json = false, quiet = false;
  int c;
  while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
    if (c == 'q')
      quiet = true;
    else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table")))
      json = !strcmp(optarg, "json");
    else if (c == 'f')
      return cli_fail("list: --format: expected table or json, got `%s`",
                      optarg);
    else
      return cli_fail("list: unknown option `%s`", argv[optind - 1]);
  }
  if (cli_need_args("list", argc, optind, 0,
                    "[--format table|json] "
                    "[--quiet]"))
    return 1;
  yajl_gen gen = yajl_gen_alloc(NULL);
  if (json)
    yajl_gen_array_open(gen);
  else if (!quiet)
    printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
           "CREATED", "OWNER");
  DIR *d = opendir(g->root);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.')
      continue;
    cell_container ct;
    cell_error_t err = {0};
    /* a container being deleted meanwhile is simply not listed */
    if (state_peek(g->root, de->d_name, &ct, &err) == 0)
      list_one(&ct, json, quiet, gen);
    state_close(&ct);
  }
  if (d)
    closedir(d);
  if (json) {
    const unsigned char *buf;
    size_t len;
    yajl_gen_array_close(gen);
    yajl_gen_get_buf(gen, &buf, &len);
    printf("%.*s\n", (int)len, buf);
  }
  yajl_gen_free(gen);
  return 0;
}
