/* Errors: a fallible function returns a negative int and fills a
 * cell_error_t with errno and a message that names the path or field. */
#ifndef CELL_ERROR_H
#define CELL_ERROR_H

#include <stdarg.h>

typedef struct {
  int errnum;     /* 0 when the message says it all */
  char msg[1024]; /* already includes ": strerror(errnum)" */
} cell_error_t;

/* Formats fmt and, when errnum != 0, appends ": <strerror>".  Returns -1. */
int cell_err(cell_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like cell_err with errno. */
#define cell_errno(err, ...) cell_err((err), errno, __VA_ARGS__)
/* Prefixes an existing message with context: "ctx: old". Returns -1. */
int cell_err_prefix(cell_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Logging (--log, --log-format, --debug). */
enum { CELL_LOG_ERROR, CELL_LOG_WARN, CELL_LOG_INFO, CELL_LOG_DEBUG };
void cell_log_init(const char *path, int json, int debug);
void cell_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define cell_warn(...) cell_log(CELL_LOG_WARN, __VA_ARGS__)
#define cell_debug(...) cell_log(CELL_LOG_DEBUG, __VA_ARGS__)

#endif
