/* Scope-bound resources: __attribute__((cleanup)) helpers.  Ownership is
 * handed on with steal_fd()/steal_ptr(). */
#ifndef CELL_CLEANUP_H
#define CELL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p) {
  free(*(void **)p);
}
static inline void cleanup_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_fclosep(FILE **f) {
  if (*f)
    fclose(*f);
}
static inline int steal_fd(int *fd) {
  int r = *fd;
  *fd = -1;
  return r;
}
#define steal_ptr(p)                                                           \
  ({                                                                           \
    __typeof__(*(p)) _tmp = *(p);                                              \
    *(p) = NULL;                                                               \
    _tmp;                                                                      \
  })

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))

#endif
