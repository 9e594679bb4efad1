/* Event channels (event_channel_op, hypercall 32): sub-op numbers,
 * argument structures and states, as Xen's public interface defines them.
 * Every structure holds only 16- and 32-bit fields, so 32- and 64-bit
 * guests share one layout. */
#ifndef PUBLIC_EVENT_CHANNEL_H
#define PUBLIC_EVENT_CHANNEL_H

#include <public/xen.h>

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11
#define EVTCHNOP_expand_array     12
#define EVTCHNOP_set_priority     13
#define EVTCHNOP_reset_cont       14

/* Virtual IRQs: per-vCPU ones (timer, debug, xenoprof, xenpmu) may be bound
 * on any vCPU, the others (global) only on vCPU 0. */
#define VIRQ_TIMER      0
#define VIRQ_DEBUG      1
#define VIRQ_CONSOLE    2
#define VIRQ_DOM_EXC    3
#define VIRQ_TBUF       4
#define VIRQ_DEBUGGER   6
#define VIRQ_XENOPROF   7
#define VIRQ_CON_RING   8
#define VIRQ_PCPU_STATE 9
#define VIRQ_MEM_EVENT  10
#define VIRQ_ARGO       11
#define VIRQ_ENOMEM     12
#define VIRQ_XENPMU     13
#define NR_VIRQS        24

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom; /* IN */
    evtchn_port_t port;      /* OUT */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;        /* IN */
    evtchn_port_t remote_port; /* IN */
    evtchn_port_t local_port;  /* OUT */
};

struct evtchn_bind_virq {
    uint32_t virq;      /* IN */
    uint32_t vcpu;      /* IN */
    evtchn_port_t port; /* OUT */
};

struct evtchn_bind_pirq {
    uint32_t pirq;
    uint32_t flags;
    evtchn_port_t port;
};

struct evtchn_bind_ipi {
    uint32_t vcpu;      /* IN */
    evtchn_port_t port; /* OUT */
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_send {
    evtchn_port_t port;
};

#define EVTCHNSTAT_closed      0
#define EVTCHNSTAT_unbound     1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq        3
#define EVTCHNSTAT_virq        4
#define EVTCHNSTAT_ipi         5

struct evtchn_status {
    domid_t dom;        /* IN */
    evtchn_port_t port; /* IN */
    uint32_t status;    /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;      /* OUT: the vCPU notified */
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

struct evtchn_unmask {
    evtchn_port_t port;
};

struct evtchn_reset {
    domid_t dom;
};

/* The FIFO ABI: a 32-bit event word per port in guest pages (the event
 * array, added a page at a time), and per vCPU a control block with a ready
 * bit and a queue head per priority (0 highest, 15 lowest). */
struct evtchn_init_control {
    uint64_t control_gfn; /* IN */
    uint32_t offset;      /* IN: 8-byte aligned, block within the page */
    uint32_t vcpu;        /* IN */
    uint8_t link_bits;    /* OUT */
    uint8_t _pad[7];
};

struct evtchn_expand_array {
    uint64_t array_gfn;
};

struct evtchn_set_priority {
    evtchn_port_t port;
    uint32_t priority;
};

#define EVTCHN_FIFO_PRIORITY_MAX     0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN     15
#define EVTCHN_FIFO_MAX_QUEUES       (EVTCHN_FIFO_PRIORITY_MIN + 1)

#define EVTCHN_FIFO_PENDING               31
#define EVTCHN_FIFO_MASKED                30
#define EVTCHN_FIFO_LINKED                29
#define EVTCHN_FIFO_BUSY                  28
#define EVTCHN_FIFO_LINK_BITS             17
#define EVTCHN_FIFO_LINK_MASK             ((1u << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS           (1u << EVTCHN_FIFO_LINK_BITS)
#define EVTCHN_FIFO_WORDS_PER_PAGE        1024
#define EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_WORDS_PER_PAGE)

struct evtchn_fifo_control_block {
    uint32_t ready;
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};

/* The two-level ABI: one pending and one mask bit per port in shared info,
 * a selector word per vCPU. A 64-bit layout has 64 x 64 ports, a 32-bit
 * one 32 x 32. */
#define EVTCHN_2L_NR_CHANNELS_64 4096
#define EVTCHN_2L_NR_CHANNELS_32 1024

/* The 32-bit shared info layout (64-bit is struct shared_info in xen.h). */
struct compat_vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint8_t pad0[2];
    uint32_t evtchn_pending_sel;
    uint32_t cr2, pad[5];
    struct vcpu_time_info time;
};

struct compat_shared_info {
    struct compat_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    uint32_t max_pfn, pfn_to_mfn_frame_list_list, nmi_reason, p2m_cr3, p2m_vaddr, p2m_generation;
    uint32_t wc_sec_hi;
};

#endif
