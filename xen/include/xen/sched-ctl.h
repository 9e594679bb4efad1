/* The scheduling core's side of domctl and sysctl (xen/common/schedule.c):
 * scheduler_op, vCPU affinity and vCPU info. Callers have checked the
 * caller's privilege and found the target domain; these check everything
 * in the request and return 0 or -errno (the request is updated in place
 * with what a get returns; the caller copies it back). */
#ifndef XEN_SCHED_CTL_H
#define XEN_SCHED_CTL_H

#include <xen/sched.h>
#include <public/domctl.h>
#include <public/sysctl.h>

long sched_domctl_scheduler_op(struct vcpu *caller, struct domain *d,
                               struct xen_domctl_scheduler_op *op);
long sched_domctl_vcpuaffinity(struct vcpu *caller, struct domain *d, bool set,
                               struct xen_domctl_vcpuaffinity *op);
long sched_sysctl_scheduler_op(struct vcpu *caller, struct xen_sysctl_scheduler_op *op);

long sched_domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *op);

#endif
