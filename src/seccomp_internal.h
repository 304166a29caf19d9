/* Shared by the seccomp_*.c files: the name tables, the compiler and the
 * BPF cache. */
#ifndef CELL_SECCOMP_INTERNAL_H
#define CELL_SECCOMP_INTERNAL_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "oci.h"

/* The libseccomp action for an action name and optional errnoRet (EPERM
 * when absent); -1 for an unknown name. */
int cell_seccomp_action_value(const char *name, const oci_opt_u64 *errno_ret,
                              uint32_t *act);
/* enum scmp_compare for an operator name, or -1. */
int cell_seccomp_op_value(const char *name);
/* SCMP_ARCH_* token for an architecture name, or 0. */
uint32_t cell_seccomp_arch_value(const char *name);
/* SECCOMP_FILTER_FLAG_* bit for a flag name, or 0. */
unsigned int cell_seccomp_flag_value(const char *name);

/* Compiles s with libseccomp; *insns is malloc'd. */
int cell_seccomp_compile(const oci_seccomp *s, struct sock_filter **insns,
                         size_t *len, cell_error_t *err);
/* The canonical text of s and everything its program depends on. */
char *cell_seccomp_cache_key(const oci_seccomp *s);
/* 1 and the program when <root>/.seccomp-cache has a good entry for key,
 * else 0 (a corrupt entry is reported and ignored). */
int cell_seccomp_cache_get(const char *root, const char *key,
                           struct sock_filter **insns, size_t *len);
/* Best effort: a failure to write only costs the next start a compile. */
void cell_seccomp_cache_put(const char *root, const char *key,
                            const struct sock_filter *insns, size_t len);

#endif
