/* `exec --user` specs: "UID[:GID]" numerically, or names looked up in the
 * container's own /etc/passwd and /etc/group. */
#ifndef CELL_USER_SPEC_H
#define CELL_USER_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Numeric "UID" or "UID:GID": decimal digits only, each at most
 * 4294967294 (4294967295 is the invalid id -1).  *has_gid says whether a
 * GID was given (*gid is left alone otherwise). */
int user_spec_parse(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid,
                    cell_error_t *err);

/* Like user_spec_parse, but either part may also be a name: the user in
 * /etc/passwd (its primary group becomes the gid when none is given) and
 * the group in /etc/group, both read inside rootfd with open_in_root. */
int user_spec_resolve(int rootfd, const char *s, uint32_t *uid, uint32_t *gid,
                      bool *has_gid, cell_error_t *err);

#endif
