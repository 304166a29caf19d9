/* A tiny TAP producer: plan(n) or done() at the end prints the plan;
 * done() returns the exit status (non-zero when a test failed). */
#ifndef CELL_TAP_H
#define CELL_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed, tap_planned = -1;

__attribute__((unused)) static void plan(int n) {
  tap_planned = n;
  printf("1..%d\n", n);
}

__attribute__((unused, format(printf, 2, 3))) static bool
ok(bool cond, const char *fmt, ...) {
  va_list ap;
  tap_run++;
  if (!cond)
    tap_failed++;
  printf("%sok %d - ", cond ? "" : "not ", tap_run);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  return cond;
}

__attribute__((unused)) static void diag(const char *fmt, ...) {
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

/* NULL-safe string comparison; shows both values on failure. */
__attribute__((unused)) static bool is_str(const char *got, const char *want,
                                           const char *name) {
  bool same = (got == NULL && want == NULL) ||
              (got != NULL && want != NULL && strcmp(got, want) == 0);
  if (!ok(same, "%s", name)) {
    diag("     got: %s%s%s", got ? "'" : "", got ? got : "NULL",
         got ? "'" : "");
    diag("expected: %s%s%s", want ? "'" : "", want ? want : "NULL",
         want ? "'" : "");
  }
  return same;
}

__attribute__((unused)) static bool is_int(int64_t got, int64_t want,
                                           const char *name) {
  if (!ok(got == want, "%s", name))
    diag("got %" PRId64 ", expected %" PRId64, got, want);
  return got == want;
}

__attribute__((unused)) static bool is_uint(uint64_t got, uint64_t want,
                                            const char *name) {
  if (!ok(got == want, "%s", name))
    diag("got %" PRIu64 ", expected %" PRIu64, got, want);
  return got == want;
}

__attribute__((unused)) static int done(void) {
  if (tap_planned < 0)
    printf("1..%d\n", tap_run);
  else if (tap_planned != tap_run)
    diag("planned %d tests but ran %d", tap_planned, tap_run);
  if (tap_failed)
    diag("%d of %d tests failed", tap_failed, tap_run);
  return tap_failed || (tap_planned >= 0 && tap_planned != tap_run) ? 1 : 0;
}

#endif
