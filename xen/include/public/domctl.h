/* domctl: the privileged domain-control hypercall of Xen's public
 * interface (the part implemented here: the header, the interface version
 * and the domain lifecycle sub-ops). */
#ifndef PUBLIC_DOMCTL_H
#define PUBLIC_DOMCTL_H

#include <xen/types.h>
#include <public/xen.h>

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000017

#define XEN_DOMCTL_createdomain    1
#define XEN_DOMCTL_destroydomain   2
#define XEN_DOMCTL_pausedomain     3
#define XEN_DOMCTL_unpausedomain   4
#define XEN_DOMCTL_getdomaininfo   5
#define XEN_DOMCTL_max_vcpus       15
#define XEN_DOMCTL_getvcpuinfo     14
#define XEN_DOMCTL_setvcpuaffinity 9
#define XEN_DOMCTL_scheduler_op    16
#define XEN_DOMCTL_getvcpuaffinity 25

/* Scheduler ids of scheduler_op (domctl and sysctl). */
#ifndef XEN_SCHEDULER_CREDIT
#define XEN_SCHEDULER_CREDIT   5
#define XEN_SCHEDULER_CREDIT2  6
#define XEN_SCHEDULER_ARINC653 7
#define XEN_SCHEDULER_RTDS     8
#define XEN_SCHEDULER_NULL     9
#endif

#define XEN_DOMINF_dying         (1u << 0)
#define XEN_DOMINF_hvm_guest     (1u << 1)
#define XEN_DOMINF_shutdown      (1u << 2)
#define XEN_DOMINF_paused        (1u << 3)
#define XEN_DOMINF_blocked       (1u << 4)
#define XEN_DOMINF_running       (1u << 5)
#define XEN_DOMINF_debugged      (1u << 6)
#define XEN_DOMINF_xs_domain     (1u << 7)
#define XEN_DOMINF_hap           (1u << 8)
#define XEN_DOMINF_shutdownshift 16
#define XEN_DOMINF_shutdownmask  255

struct xen_arch_domainconfig {
    uint32_t emulation_flags;
    uint32_t misc_flags;
};

struct xen_domctl_getdomaininfo {
    domid_t domain; /* out: the domain found (the first with id >= the one asked) */
    uint16_t pad;
    uint32_t flags;
    uint64_t tot_pages;
    uint64_t max_pages;
    uint64_t outstanding_pages;
    uint64_t shr_pages;
    uint64_t paged_pages;
    uint64_t shared_info_frame;
    uint64_t cpu_time; /* ns */
    uint32_t nr_online_vcpus;
    uint32_t max_vcpu_id;
    uint32_t ssidref;
    uint8_t handle[16];
    uint32_t cpupool;
    uint8_t gpaddr_bits;
    uint8_t pad2[7];
    struct xen_arch_domainconfig arch_config;
};

/* A CPU bitmap in guest memory: bit c of byte c / 8 is pCPU c. On reads
 * (set affinity) bits at or past nr_bits count as clear; on writes (get)
 * the bitmap is filled up to nr_bits, rounded up to whole bytes. */
struct xenctl_bitmap {
    uint64_t bitmap; /* XEN_GUEST_HANDLE_64(uint8): guest virtual address */
    uint32_t nr_bits;
    uint32_t pad;
};

/* setvcpuaffinity / getvcpuaffinity: flags say which of the two maps are
 * meant. On set, the maps are written back with the affinity in effect
 * (hard: within the online pCPUs; soft: within hard). */
#define XEN_VCPUAFFINITY_HARD  (1u << 0)
#define XEN_VCPUAFFINITY_SOFT  (1u << 1)
#define XEN_VCPUAFFINITY_FORCE (1u << 2)
struct xen_domctl_vcpuaffinity {
    uint32_t vcpu;
    uint32_t flags;
    struct xenctl_bitmap cpumap_hard;
    struct xenctl_bitmap cpumap_soft;
};

/* getvcpuinfo: state of one vCPU (-EINVAL past the last, -ESRCH if it
 * does not exist). */
struct xen_domctl_getvcpuinfo {
    uint32_t vcpu;
    uint8_t online, blocked, running, pad;
    uint64_t cpu_time; /* ns spent running */
    uint32_t cpu;      /* pCPU it runs on, last ran on, or will run on */
    uint32_t pad2;
};

/* scheduler_op: per-domain (and, for rtds, per-vCPU) parameters. */
#define XEN_DOMCTL_SCHEDOP_putinfo     0
#define XEN_DOMCTL_SCHEDOP_getinfo     1
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo 2
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo 3

struct xen_domctl_sched_credit {
    uint16_t weight; /* putinfo: 0 keeps the current one */
    uint16_t cap;    /* percent of one pCPU, 0 = none */
};

struct xen_domctl_sched_credit2 {
    uint16_t weight; /* 1..65535; putinfo: 0 keeps the current one */
    uint16_t cap;    /* percent of one pCPU, 0 = none, at most 100 per vCPU */
};

#define XEN_DOMCTL_SCHEDRT_extra (1u << 0) /* may run beyond its budget */
struct xen_domctl_sched_rtds {
    uint32_t period; /* us */
    uint32_t budget; /* us */
    uint32_t flags;  /* XEN_DOMCTL_SCHEDRT_* */
};

struct xen_domctl_schedparam_vcpu {
    union {
        struct xen_domctl_sched_credit credit;
        struct xen_domctl_sched_credit2 credit2;
        struct xen_domctl_sched_rtds rtds;
    } u;
    uint32_t vcpuid;
};

struct xen_domctl_scheduler_op {
    uint32_t sched_id; /* XEN_SCHEDULER_*: must be the one running */
    uint32_t cmd;      /* XEN_DOMCTL_SCHEDOP_* */
    union {
        struct xen_domctl_sched_credit credit;
        struct xen_domctl_sched_credit2 credit2;
        struct xen_domctl_sched_rtds rtds;
        struct {
            uint64_t vcpus; /* XEN_GUEST_HANDLE_64(xen_domctl_schedparam_vcpu_t) */
            uint32_t nr_vcpus;
            uint32_t padding;
        } v;
    } u;
};

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
    domid_t domain;
    uint16_t pad[3];
    union {
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_vcpuaffinity vcpuaffinity;
        struct xen_domctl_getvcpuinfo getvcpuinfo;
        struct xen_domctl_scheduler_op scheduler_op;
        uint8_t raw[128];
    } u;
};

#endif
