/* Process attributes applied by the container's init before exec, each in
 * its own function so the create sequence names them in order. */
#ifndef CELL_PROCESS_H
#define CELL_PROCESS_H

#include <stdint.h>

#include "error.h"
#include "oci.h"

/* Checks names and values (capabilities, rlimits, scheduler policy,
 * ioPriority class, personality domain, sysctl keys) before anything is
 * created. */
int process_validate(const oci_config *cfg, cell_error_t *err);

int process_set_hostname(const oci_config *cfg, cell_error_t *err);
/* Writes linux.sysctl under /proc/sys (after pivot_root, so it is the
 * container's /proc). */
int process_set_sysctl(const oci_config *cfg, cell_error_t *err);
int process_set_rlimits(const oci_process *p, cell_error_t *err);
/* Called from the parent, on the container's pid (so it is not bounded by
 * the container's own privileges). */
int process_set_oom_score_adj(const oci_process *p, int pid, cell_error_t *err);
int process_set_personality(const oci_linux *l, cell_error_t *err);
int process_set_scheduler(const oci_process *p, cell_error_t *err);
int process_set_ioprio(const oci_process *p, cell_error_t *err);
int process_set_cpu_affinity(const char *cpus, cell_error_t *err);
/* chdir to process.cwd, which must end up inside the container's root:
 * a leaked directory fd behind /proc/self/fd/N (CVE-2024-21626) fails. */
int process_set_cwd(const oci_process *p, cell_error_t *err);
/* Drops the bounding set (needs CAP_SETPCAP, so before the uid change),
 * then setgroups/setresgid/setresuid with PR_SET_KEEPCAPS, then
 * effective, permitted, inheritable and ambient sets. umask too. */
int process_set_user_and_caps(const oci_process *p, bool userns,
                              cell_error_t *err);
int process_set_no_new_privs(const oci_process *p, cell_error_t *err);

/* Capability names ("CAP_CHOWN", ...) known to this build, NULL-terminated,
 * for `features` and `spec`. */
extern const char *const process_cap_names[];
int process_cap_from_name(const char *name); /* -1 when unknown */
/* The bit mask of one capability set; unknown names are an error naming
 * process.capabilities.<set>. */
int process_cap_mask(const oci_strv *v, const char *set, uint64_t *mask,
                     cell_error_t *err);

/* process.args[0] as execvp would find it in the process's PATH (the
 * caller is already inside the container's root). */
#define PROCESS_DEFAULT_PATH                                                   \
  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
int process_find_executable(const oci_process *p, char **out,
                            cell_error_t *err);
/* Only 0-2 and the preserved fds reach the program: everything else
 * becomes close-on-exec in one syscall (the caller's own fds too, which it
 * still needs until exec). */
int process_prepare_fds(int preserve, cell_error_t *err);
/* A NULL-terminated copy of the pointers (not the strings), for exec. */
char **process_strv_dup(const oci_strv *v);

#endif
