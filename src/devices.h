/* Device nodes of the container's /dev and its standard symlinks. */
#ifndef CELL_DEVICES_H
#define CELL_DEVICES_H

#include "error.h"
#include "oci.h"
#include "rootfs.h"

/* The default devices (null, zero, full, random, urandom, tty) and
 * linux.devices, made with mknod, or bound from the host in a user
 * namespace; then /dev/fd, stdin, stdout, stderr, /dev/ptmx when /dev/pts
 * is mounted and /dev/console for a terminal.  Paths resolve inside
 * rootfd.  Call with umask 0: modes are taken as given. */
int devices_create(int rootfd, const oci_config *cfg, const rootfs_opts *o,
                   cell_error_t *err);

#endif
