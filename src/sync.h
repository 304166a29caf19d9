/* The sync protocol between `cell` (parent) and the container's init over
 * one SOCK_SEQPACKET socket pair: one message a packet, so no framing. */
#ifndef CELL_SYNC_H
#define CELL_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sync_proto.h"

int sync_send(int fd, enum sync_type type, int32_t value, const void *data,
              size_t len, int pass_fd, cell_error_t *err);
/* Receives one message; *data (malloc'd, NUL-terminated) and *fd are set
 * when the caller passes them and the message carries them. A SYNC_ERROR
 * from the child becomes the returned error (-1). */
int sync_recv(int fd, sync_hdr *h, char **data, int *passed_fd,
              cell_error_t *err);
/* Receives and checks that the type is `want`. */
int sync_expect(int fd, enum sync_type want, sync_hdr *h, char **data,
                int *passed_fd, cell_error_t *err);
/* Parent side, after SYNC_START: 0 once the init's exec closed the socket,
 * -1 with the init's error when the exec (or what precedes it) failed. */
int sync_wait_exec(int fd, cell_error_t *err);
/* Child side: forwards err to the parent; called once before exiting. */
void sync_send_error(int fd, const cell_error_t *err);

#endif
