#include "error.h"
#include "utils.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cell_err(cell_error_t *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  if (errnum && n >= 0 && (size_t)n < sizeof err->msg)
    snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
             strerror(errnum));
  err->errnum = errnum;
  return -1;
}

int cell_err_prefix(cell_error_t *err, const char *fmt, ...) {
  char ctx[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx, sizeof ctx, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  /* bounded so the two halves always fit */
  snprintf(err->msg, sizeof err->msg, "%.500s: %.500s", ctx, old);
  return -1;
}

static struct {
  const char *path;
  FILE *out;
  int json, debug;
} logcfg;

void cell_log_init(const char *path, int json, int debug) {
  logcfg.json = json;
  logcfg.debug = debug;
  logcfg.path = path;
}

/* Opened at the first record, not at start: by then the preserved fds
 * are reserved, so the log cannot take one of their numbers. */
static FILE *log_file(void) {
  if (!logcfg.out && logcfg.path)
    logcfg.out = fopen(logcfg.path, "ae");
  return logcfg.out ? logcfg.out : stderr;
}

static void json_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
}

void cell_log(int level, const char *fmt, ...) {
  static const char *names[] = {"error", "warning", "info", "debug"};
  if (level == CELL_LOG_DEBUG && !logcfg.debug)
    return;
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  FILE *f = log_file();
  if (logcfg.json) {
    char ts[64];
    format_rfc3339_now(ts, sizeof ts);
    fprintf(f, "{\"level\":\"%s\",\"msg\":\"", names[level]);
    json_escape(f, msg);
    fprintf(f, "\",\"time\":\"%s\"}\n", ts);
  } else {
    fprintf(f, "cell: %s%s\n", level == CELL_LOG_WARN ? "warning: " : "", msg);
  }
  fflush(f);
  /* runc prints errors to stderr as well as the log file; so do we. */
  if (logcfg.out && level == CELL_LOG_ERROR && f != stderr)
    fprintf(stderr, "cell: %s\n", msg);
}
