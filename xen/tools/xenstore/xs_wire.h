/*
 * Xenstore wire protocol: message header, message types, error names and the
 * shared ring page layout. Written from the public protocol description.
 * Usable by the freestanding core and by host programs alike.
 */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <stdint.h>

enum xs_msg_type {
    XS_CONTROL = 0,
    XS_DIRECTORY = 1,
    XS_READ = 2,
    XS_GET_PERMS = 3,
    XS_WATCH = 4,
    XS_UNWATCH = 5,
    XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7,
    XS_INTRODUCE = 8,
    XS_RELEASE = 9,
    XS_GET_DOMAIN_PATH = 10,
    XS_WRITE = 11,
    XS_MKDIR = 12,
    XS_RM = 13,
    XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15,
    XS_ERROR = 16,
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    /* 20 was RESTRICT; it is gone from the protocol and answered ENOSYS. */
    XS_RESET_WATCHES = 21,
    XS_DIRECTORY_PART = 22,
    XS_GET_FEATURE = 23,
    XS_SET_FEATURE = 24,
    XS_GET_QUOTA = 25,
    XS_SET_QUOTA = 26,
    XS_TYPE_COUNT
};

/* Every message starts with this header, little-endian on x86. */
struct xs_msg_hdr {
    uint32_t type;   /* enum xs_msg_type */
    uint32_t req_id; /* echoed in the reply */
    uint32_t tx_id;  /* transaction, 0 for none */
    uint32_t len;    /* payload bytes that follow */
};

#define XS_HDR_SIZE           16u
#define XENSTORE_PAYLOAD_MAX  4096u
#define XENSTORE_ABS_PATH_MAX 3072u
#define XENSTORE_REL_PATH_MAX 2048u

/* The shared ring page between a domain (client) and xenstored (server). */
#define XENSTORE_RING_SIZE 1024u
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE]; /* requests to xenstored */
    char rsp[XENSTORE_RING_SIZE]; /* replies and watch events */
    XENSTORE_RING_IDX req_cons, req_prod;
    XENSTORE_RING_IDX rsp_cons, rsp_prod;
    uint32_t server_features; /* XENSTORE_SERVER_FEATURE_* */
    uint32_t connection;      /* XENSTORE_CONNECTED / XENSTORE_RECONNECT */
    uint32_t error;           /* XENSTORE_ERROR_* */
};

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1u
#define XENSTORE_SERVER_FEATURE_ERROR        2u
#define XENSTORE_CONNECTED                   0u
#define XENSTORE_RECONNECT                   1u
#define XENSTORE_ERROR_NONE                  0u
#define XENSTORE_ERROR_COMM                  1u
#define XENSTORE_ERROR_RINGIDX               2u
#define XENSTORE_ERROR_PROTO                 3u

/*
 * Host-transport extension (not part of the guest protocol): a privileged
 * socket connection sends XS_CONTROL with payload "act-as\0<domid>\0" to act
 * as that (introduced) domain from then on, unprivileged.
 */
#define XS_CONTROL_ACT_AS "act-as"

#endif
