/* The sysctl hypercall (__HYPERVISOR_sysctl, 35): system-wide operations for
 * privileged domains. Xen's layout: a command, the interface version, then a
 * 128-byte union of per-command arguments. Only the operations this
 * hypervisor implements are defined here. */
#ifndef PUBLIC_SYSCTL_H
#define PUBLIC_SYSCTL_H

#include "xen.h"

/* Xen 4.17 to 4.20. A caller with another version gets -EACCES. */
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

/* Coverage counters of the hypervisor (a COVERAGE=y build; otherwise
 * -EOPNOTSUPP).
 *   get_size: size = bytes of a dump taken now;
 *   read:     write a dump into buffer, which holds size bytes; size = bytes
 *             written (-ENOBUFS if the buffer is too small);
 *   reset:    zero every counter. */
#define XEN_SYSCTL_coverage_op       20
#define XEN_SYSCTL_COVERAGE_get_size 0
#define XEN_SYSCTL_COVERAGE_read     1
#define XEN_SYSCTL_COVERAGE_reset    2
struct xen_sysctl_coverage_op {
    uint32_t cmd;
    uint32_t size;
    uint64_t buffer; /* XEN_GUEST_HANDLE_64(char): guest virtual address */
};

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version; /* XEN_SYSCTL_INTERFACE_VERSION */
    union {
        struct xen_sysctl_coverage_op coverage_op;
        uint8_t pad[128];
    } u;
};

#endif
