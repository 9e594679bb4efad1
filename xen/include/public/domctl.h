/* domctl: the privileged domain-control hypercall of Xen's public
 * interface (the part implemented here: the header, the interface version
 * and the domain lifecycle sub-ops). */
#ifndef PUBLIC_DOMCTL_H
#define PUBLIC_DOMCTL_H

#include <xen/types.h>
#include <public/xen.h>

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000017

#define XEN_DOMCTL_createdomain  1
#define XEN_DOMCTL_destroydomain 2
#define XEN_DOMCTL_pausedomain   3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_max_vcpus     15
#define XEN_DOMCTL_getvcpuinfo   14

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

struct xen_domctl {
    uint32_t cmd;
    uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
    domid_t domain;
    uint16_t pad[3];
    union {
        struct xen_domctl_getdomaininfo getdomaininfo;
        uint8_t raw[128];
    } u;
};

#endif
