/*
 * Public interface of the portable xenstore core: the store (nodes,
 * permissions, transactions, watches, quotas) and connections that speak the
 * wire protocol. A transport feeds request bytes into a connection and takes
 * reply bytes out of it; the core never does I/O itself.
 */
#ifndef XS_CORE_H
#define XS_CORE_H

#include "xs_platform.h"
#include "xs_wire.h"

struct xs_store;
struct xs_conn;

/* Quota names, in the order GET_QUOTA lists them. */
enum xs_quota {
    XS_Q_NODES,        /* nodes owned by a domain */
    XS_Q_VALUE_SIZE,   /* bytes in one node's value */
    XS_Q_WATCHES,      /* watches registered by a domain */
    XS_Q_TRANSACTIONS, /* open transactions of a domain */
    XS_Q_OUTSTANDING,  /* replies queued but not yet taken by a domain */
    XS_Q_PERMS,        /* permission entries on one node */
    XS_Q_TX_NODES,     /* nodes one transaction may touch */
    XS_Q_COUNT
};

struct xs_limits {
    uint32_t quota[XS_Q_COUNT]; /* defaults for unprivileged domains */
    uint32_t max_transactions;  /* open transactions, all domains together */
    uint32_t max_event_bytes;   /* queued output of one connection before it is closed */
};

/* Hooks a transport may provide; any pointer may be NULL. */
struct xs_transport_ops {
    /* INTRODUCE from a privileged domain: set up the domain's ring. 0 or an errno. */
    int (*introduce)(void *ctx, uint32_t domid, uint64_t mfn, uint32_t evtchn);
    /* RELEASE: tear the domain's ring down. */
    void (*release)(void *ctx, uint32_t domid);
    /* A connection got new output (a reply or a watch event). */
    void (*output_ready)(void *ctx, struct xs_conn *conn);
};

void xs_default_limits(struct xs_limits *lim);
struct xs_store *xs_store_new(const struct xs_limits *lim, const struct xs_transport_ops *ops,
                              void *ops_ctx);
void xs_store_free(struct xs_store *s);

/* A connection acting as domain domid; privileged connections pass every check. */
struct xs_conn *xs_conn_new(struct xs_store *s, uint32_t domid, bool privileged, void *user);
void xs_conn_free(struct xs_conn *c);
void *xs_conn_user(const struct xs_conn *c);
uint32_t xs_conn_domid(const struct xs_conn *c);

/*
 * Give request bytes to a connection. Returns how many were taken (possibly
 * fewer than n when its input buffer is full), or -1 when the connection broke
 * the protocol and must be closed (a reply saying why is queued first).
 */
long xs_conn_feed(struct xs_conn *c, const void *buf, size_t n);
/* Room for more request bytes, and whether the connection may be read now. */
size_t xs_conn_input_room(const struct xs_conn *c);
bool xs_conn_want_input(const struct xs_conn *c);
/* Handle buffered requests held back by the outstanding-replies quota. */
int xs_conn_process(struct xs_conn *c);
/* Output: the next contiguous bytes to send, and how many were sent. */
size_t xs_conn_output_peek(const struct xs_conn *c, const void **p);
/* Up to max queued buffers at once (for writev); returns how many. */
size_t xs_conn_output_peekv(const struct xs_conn *c, const void **ptrs, size_t *lens, size_t max);
void xs_conn_output_consume(struct xs_conn *c, size_t n);
bool xs_conn_has_output(const struct xs_conn *c);
/* True once the connection must be closed (protocol error, output overflow). */
bool xs_conn_broken(const struct xs_conn *c);

/*
 * Shared-ring transport glue: move request bytes from the ring into the
 * connection, handle them, and move queued output into the reply ring.
 * Returns 1 if the peer should be notified, 0 if not, -1 if the ring indexes
 * are corrupt or the protocol was broken (intf->error is set; the caller
 * should stop serving this ring).
 */
int xs_conn_ring_service(struct xs_conn *c, struct xenstore_domain_interface *intf);

/* Ring primitives: byte counts moved, or -1 on corrupt indexes. */
long xs_ring_server_read(struct xenstore_domain_interface *intf, void *buf, size_t len);
long xs_ring_server_write(struct xenstore_domain_interface *intf, const void *buf, size_t len);
long xs_ring_client_write(struct xenstore_domain_interface *intf, const void *buf, size_t len);
long xs_ring_client_read(struct xenstore_domain_interface *intf, void *buf, size_t len);

/* Statistics for tests and benchmarks. */
struct xs_stats {
    uint64_t nodes, watches, transactions, connections, domains, requests, events;
    uint64_t bytes_allocated;
};
void xs_store_stats(const struct xs_store *s, struct xs_stats *st);

#endif
