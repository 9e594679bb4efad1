/*
 * Internal structures of the portable xenstore core (store, domains,
 * connections, transactions, watches). Only the core's .c files include it.
 */
#ifndef XS_INTERNAL_H
#define XS_INTERNAL_H

#include "xs_core.h"

/* Error numbers (Linux values) and their wire names. */
enum {
    XS_EPERM = 1,
    XS_ENOENT = 2,
    XS_EIO = 5,
    XS_E2BIG = 7,
    XS_EAGAIN = 11,
    XS_ENOMEM = 12,
    XS_EACCES = 13,
    XS_EBUSY = 16,
    XS_EEXIST = 17,
    XS_EISDIR = 21,
    XS_EINVAL = 22,
    XS_ENOSPC = 28,
    XS_EROFS = 30,
    XS_ENOSYS = 38,
    XS_ENOTEMPTY = 39,
    XS_EISCONN = 106,
    XS_EQUOTA = 122,
};
const char *xs_errname(int err);

#define XS_PERM_READ  1u
#define XS_PERM_WRITE 2u

struct xs_perm {
    uint32_t id;
    uint32_t perm; /* XS_PERM_* bits */
};

struct xs_node {
    struct xs_node *hnext; /* hash chain */
    char *name;            /* absolute path, nul-terminated, stored after the struct */
    uint32_t namelen, hash;
    char *value;
    uint32_t vlen;
    uint32_t nperms;
    struct xs_perm *perms; /* perms[0]: owner and default for others */
    char *children;        /* child names, each nul-terminated */
    uint32_t clen, ccap;
    uint64_t gen;      /* store generation of the last change */
    uint64_t base_gen; /* transaction copy: main generation when first seen, 0 = absent */
    bool deleted;      /* transaction copy: the node is absent */
    bool modified;     /* transaction copy: to be applied at commit */
};

struct xs_ntab {
    struct xs_node **b;
    uint32_t mask, count;
};

struct xs_watch {
    struct xs_watch *hnext; /* store hash chain by path */
    struct xs_watch *cnext; /* connection's list */
    struct xs_conn *conn;
    char *path; /* absolute path or @special */
    char *token;
    uint32_t pathlen, tokenlen, hash;
    bool relative;
};

struct xs_wtab {
    struct xs_watch **b;
    uint32_t mask, count;
};

struct xs_evrec {
    struct xs_evrec *next;
    bool recursive;
    uint32_t len;
    char path[];
};

struct xs_tx {
    struct xs_tx *next;
    uint32_t id;
    struct xs_ntab overlay;
    struct xs_evrec *events, *events_tail;
    int32_t node_delta; /* nodes of the connection's domain created minus removed */
    uint32_t max_nodes; /* entries the overlay may hold */
    bool failed;        /* out of memory or over quota during the transaction */
    bool overflow;      /* the last operation hit max_nodes */
};

struct xs_domain {
    uint32_t domid;
    bool introduced;
    bool has_target;
    uint32_t target;
    uint64_t mfn;
    uint32_t evtchn;
    uint32_t features;
    uint32_t nodes, watches, transactions, outstanding, conns;
    uint32_t quota[XS_Q_COUNT]; /* UINT32_MAX: the store default */
};

struct xs_outbuf {
    struct xs_outbuf *next;
    uint32_t len, off;
    bool is_reply;
    char data[];
};

#define XS_IN_CAP (XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX)

struct xs_conn {
    struct xs_store *s;
    struct xs_conn *next, *prev;
    uint32_t domid;
    bool priv;
    bool broken;
    void *user;
    struct xs_domain *dom;
    char home[40]; /* "/local/domain/<id>/" */
    uint32_t homelen;
    char in[XS_IN_CAP];
    uint32_t in_len;
    struct xs_outbuf *out_head, *out_tail;
    uint64_t out_bytes;
    uint32_t out_replies;
    struct xs_watch *watches;
    struct xs_tx *txs;
};

#define XS_MAX_DOMID 0x7FF0u /* first reserved domain id */

struct xs_store {
    struct xs_limits lim;
    struct xs_transport_ops ops;
    void *ops_ctx;
    struct xs_ntab nodes;
    struct xs_wtab watches;
    uint64_t gen;
    uint32_t next_txid;
    uint32_t ntx;
    struct xs_domain **domtab; /* XS_MAX_DOMID entries */
    uint32_t ndomains;
    struct xs_conn *conns;
    uint32_t nconns;
    uint64_t requests, events;
    struct xs_watch *new_watch; /* set by WATCH: fire the initial event after the reply */
    char reply[XENSTORE_PAYLOAD_MAX];
    uint32_t rlen;
    bool roverflow;
};

/* Allocation with accounting (xs_core.c). */
void *xs_zalloc(size_t n);
void xs_free(void *p);
uint64_t xs_allocated(void);

/* Helpers shared by the core files (xs_core.c). */
uint32_t xs_hash(const char *p, uint32_t len);
uint32_t xs_utoa(uint64_t v, char *buf);
bool xs_parse_u64(const char *s, uint64_t max, uint64_t *out);
int xs_ntab_init(struct xs_ntab *t, uint32_t size);
struct xs_node *xs_ntab_find(const struct xs_ntab *t, const char *path, uint32_t len, uint32_t h);
void xs_ntab_insert(struct xs_ntab *t, struct xs_node *n);
void xs_ntab_remove(struct xs_ntab *t, struct xs_node *n);
struct xs_node *xs_node_alloc(const char *path, uint32_t len);
void xs_node_clear(struct xs_node *n);
void xs_node_free(struct xs_node *n);
int xs_node_set_value(struct xs_node *n, const char *v, uint32_t len);
int xs_node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np);
int xs_node_set_children(struct xs_node *n, const char *c, uint32_t len);
struct xs_node *xs_node_clone(const struct xs_node *m);
int xs_child_add(struct xs_node *n, const char *name, uint32_t len);
void xs_child_del(struct xs_node *n, const char *name, uint32_t len);
struct xs_domain *xs_dom_get(struct xs_store *s, uint32_t domid, bool create);
uint32_t xs_quota(const struct xs_store *s, const struct xs_domain *d, enum xs_quota q);
void xs_dom_nodes(struct xs_store *s, uint32_t owner, int delta);
int xs_send_reply(struct xs_conn *c, const struct xs_msg_hdr *h, uint32_t type, const void *p,
                  uint32_t len);
int xs_send_error(struct xs_conn *c, const struct xs_msg_hdr *h, int err);
uint32_t xs_perm_for(const struct xs_conn *c, const struct xs_node *n);
struct xs_watch *xs_watch_add(struct xs_conn *c, const char *path, uint32_t plen, const char *token,
                              uint32_t tlen, bool relative);
void xs_watch_del(struct xs_conn *c, struct xs_watch *w);
struct xs_watch *xs_watch_find(struct xs_conn *c, const char *path, uint32_t plen,
                               const char *token, uint32_t tlen);
void xs_watch_send(struct xs_watch *w, const char *path, uint32_t plen);
void xs_fire(struct xs_store *s, const char *path, uint32_t plen, const struct xs_node *n,
             bool recursive);

#endif
