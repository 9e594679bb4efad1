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

/* Scheduler-wide parameters of a cpupool's scheduler (only pool 0 exists
 * here). sched_id must be the scheduler running (else -EINVAL). */
#define XEN_SYSCTL_scheduler_op    19
#define XEN_SYSCTL_SCHEDOP_putinfo 0
#define XEN_SYSCTL_SCHEDOP_getinfo 1

/* arinc653: the schedule, read from / written to guest memory. A slot
 * names a domain by its handle (here: the domain id in byte 0, the rest
 * zero, as getdomaininfo reports it). */
#define ARINC653_MAX_DOMAINS_PER_SCHEDULE 64
struct xen_sysctl_arinc653_schedule {
    uint64_t major_frame; /* ns */
    uint8_t num_sched_entries;
    uint8_t pad[7];
    struct {
        uint8_t dom_handle[16];
        uint32_t vcpu_id;
        uint32_t pad;
        uint64_t runtime; /* ns */
    } sched_entries[ARINC653_MAX_DOMAINS_PER_SCHEDULE];
};

struct xen_sysctl_credit_schedule {
    uint32_t tslice_ms;
    uint32_t ratelimit_us;
    uint32_t vcpu_migr_delay_us;
};

struct xen_sysctl_credit2_schedule {
    uint32_t ratelimit_us; /* 0 = off, or 100..500000 */
};

struct xen_sysctl_scheduler_op {
    uint32_t cpupool_id; /* 0; another gives -ESRCH */
    uint32_t sched_id;   /* XEN_SCHEDULER_* (public/domctl.h) */
    uint32_t cmd;        /* XEN_SYSCTL_SCHEDOP_* */
    uint32_t pad;
    union {
        struct {
            uint64_t schedule; /* XEN_GUEST_HANDLE_64(xen_sysctl_arinc653_schedule_t) */
        } sched_arinc653;
        struct xen_sysctl_credit_schedule sched_credit;
        struct xen_sysctl_credit2_schedule sched_credit2;
    } u;
};

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version; /* XEN_SYSCTL_INTERFACE_VERSION */
    union {
        struct xen_sysctl_coverage_op coverage_op;
        struct xen_sysctl_scheduler_op scheduler_op;
        uint8_t pad[128];
    } u;
};

#endif
