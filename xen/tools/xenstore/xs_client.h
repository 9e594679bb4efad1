/*
 * Small blocking client library for xenstored's unix-socket transport.
 * Functions return 0 (or a pointer) on success and -1 (or NULL) on failure;
 * xs_error() then names the failure: a protocol error string such as
 * "ENOENT" or "EAGAIN", or "EIO" for a broken connection.
 */
#ifndef XS_CLIENT_H
#define XS_CLIENT_H

#include <stdint.h>
#include <stdbool.h>
#include "xs_wire.h"

struct xs_handle;

/* path NULL: $XENSTORED_SOCKET. */
struct xs_handle *xs_open(const char *path);
void xs_close(struct xs_handle *h);
const char *xs_error(const struct xs_handle *h);
int xs_fd(const struct xs_handle *h);

/* One request; *reply (malloc'd, nul-terminated after rlen bytes) may be NULL. */
int xs_request(struct xs_handle *h, uint32_t type, uint32_t tx, const void *payload, uint32_t len,
               char **reply, uint32_t *rlen);

char *xs_read(struct xs_handle *h, uint32_t tx, const char *path, uint32_t *len);
int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *val, uint32_t len);
int xs_mkdir(struct xs_handle *h, uint32_t tx, const char *path);
int xs_rm(struct xs_handle *h, uint32_t tx, const char *path);
/* Child names: a malloc'd array of *num pointers into the same block. */
char **xs_directory(struct xs_handle *h, uint32_t tx, const char *path, unsigned *num);
/* perms like {"b1", "r0"}: owner first. */
int xs_set_perms(struct xs_handle *h, uint32_t tx, const char *path, const char *const *perms,
                 unsigned n);
char **xs_get_perms(struct xs_handle *h, uint32_t tx, const char *path, unsigned *num);

int xs_watch(struct xs_handle *h, const char *path, const char *token);
int xs_unwatch(struct xs_handle *h, const char *path, const char *token);
/* Next watch event: 1 with *path and *token malloc'd, 0 on timeout, -1 on error. */
int xs_read_watch(struct xs_handle *h, char **path, char **token, int timeout_ms);

uint32_t xs_transaction_start(struct xs_handle *h); /* 0 on failure */
int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool abort);

int xs_introduce(struct xs_handle *h, uint32_t domid, uint64_t mfn, uint32_t evtchn);
int xs_release(struct xs_handle *h, uint32_t domid);
char *xs_get_domain_path(struct xs_handle *h, uint32_t domid);
/* Host transport only: act as an introduced domain from now on. */
int xs_act_as(struct xs_handle *h, uint32_t domid);

#endif
