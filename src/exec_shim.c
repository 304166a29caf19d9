#include "exec_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "sync_proto.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

int exec_shim_open(cell_error_t *err) {
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  /* vm.memfd_noexec (6.3+) may ask for MFD_EXEC or refuse it (EACCES);
   * older kernels refuse the flag (EINVAL).  A memfd that cannot be
   * exec'd sends exec_shim_exec to its fallback. */
  _cleanup_close_ int fd = memfd_create("cell-exec-shim", flags | MFD_EXEC);
  if (fd < 0 && (errno == EINVAL || errno == EACCES))
    fd = memfd_create("cell-exec-shim", flags);
  if (fd < 0)
    return cell_errno(err, "exec shim: memfd_create");
  size_t off = 0;
  while (off < cell_exec_shim_len) {
    ssize_t n = write(fd, cell_exec_shim + off, cell_exec_shim_len - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return cell_errno(err, "exec shim: write");
    off += (size_t)n;
  }
  int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0 &&
      fcntl(fd, F_ADD_SEALS, seals) < 0)
    return cell_errno(err, "exec shim: seal");
  return steal_fd(&fd);
}

int exec_shim_exec(int shim_fd, int sync_fd, const char *exe, char **argv,
                   char **env, cell_error_t *err) {
  size_t n = 0;
  while (argv[n])
    n++;
  char fdstr[16];
  snprintf(fdstr, sizeof fdstr, "%d", sync_fd);
  /* freed only when the shim could not run */
  char **sargv = shim_fd >= 0 ? calloc(n + 4, sizeof *sargv) : NULL;
  if (sargv && (sync_fd < 0 || fcntl(sync_fd, F_SETFD, 0) == 0)) {
    sargv[0] = (char *)CELL_SHIM_MARKER;
    sargv[1] = fdstr;
    sargv[2] = (char *)exe;
    memcpy(sargv + 3, argv, (n + 1) * sizeof *argv);
    syscall(SYS_execveat, shim_fd, "", sargv, env, AT_EMPTY_PATH);
    /* the shim could not run (a seccomp profile without execveat, a
     * noexec memfd policy): the program itself, as without a shim */
    if (sync_fd >= 0)
      fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
  }
  free(sargv);
  execve(exe, argv, env);
  return cell_errno(err, "exec `%s`", exe);
}
