/* domctl: domain control for privileged domains. Everyone else gets -EPERM
 * before the argument is read. Then, as in Xen: the argument must be
 * readable (-EFAULT) and carry this interface version (-EACCES); the
 * target domain must exist (-ESRCH). Implemented: getdomaininfo,
 * pausedomain, unpausedomain, and the scheduler's (scheduler_op,
 * setvcpuaffinity, getvcpuaffinity, getvcpuinfo, in xen/common/schedule.c);
 * every other sub-op gives -ENOSYS. */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched-ctl.h>
#include <xen/string.h>
#include <asm/hvm/hvm.h>
#include <public/domctl.h>

_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl layout");
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) <= 128, "getdomaininfo fits the union");
_Static_assert(sizeof(struct xen_domctl_scheduler_op) == 24, "scheduler_op layout");
_Static_assert(sizeof(struct xen_domctl_schedparam_vcpu) == 16, "schedparam_vcpu layout");
_Static_assert(sizeof(struct xen_domctl_vcpuaffinity) == 40, "vcpuaffinity layout");
_Static_assert(sizeof(struct xen_domctl_getvcpuinfo) == 24, "getvcpuinfo layout");

static bool domain_listed(const struct domain *d)
{
    return d && d->state != DOMSTATE_DEAD;
}

static bool domain_ctl_paused(const struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i] && d->vcpus[i]->pause)
            return true;
    return false;
}

static void fill_domaininfo(const struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    bool any_running = false, all_blocked = true;
    unsigned int online = 0;
    uint64_t cpu_time = 0;

    memset(info, 0, sizeof(*info));
    info->domain = d->domain_id;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        const struct vcpu *v = d->vcpus[i];

        if (!v)
            continue;
        cpu_time += v->runstate_time[RUNSTATE_running];
        if (v->running) {
            any_running = true;
            cpu_time += NOW() - v->runstate_entry;
        }
        if (v->up) {
            online++;
            if (!v->blocked)
                all_blocked = false;
        }
    }
    info->flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
    if (d->state == DOMSTATE_DYING)
        info->flags |= XEN_DOMINF_dying;
    if (d->state == DOMSTATE_SHUTDOWN || d->state == DOMSTATE_DYING)
        info->flags |= XEN_DOMINF_shutdown |
                       ((d->shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
    if (domain_ctl_paused(d))
        info->flags |= XEN_DOMINF_paused;
    if (any_running)
        info->flags |= XEN_DOMINF_running;
    else if (all_blocked && online)
        info->flags |= XEN_DOMINF_blocked;
    if (d->is_xenstore)
        info->flags |= XEN_DOMINF_xs_domain;
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages ? d->max_pages : d->nr_pages;
    info->shared_info_frame = d->shared_info_gfn;
    info->cpu_time = cpu_time;
    info->nr_online_vcpus = online;
    info->max_vcpu_id = d->nr_vcpus ? d->nr_vcpus - 1 : 0;
    info->handle[0] = (uint8_t)d->domain_id;
    info->gpaddr_bits = 48;
}

/* The first listed domain whose id is at least `from`, as Xen walks its
 * domain list. */
static struct domain *domain_at_or_after(domid_t from)
{
    struct domain *best = NULL;

    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *d = domain_list[i];

        if (domain_listed(d) && d->domain_id >= from && (!best || d->domain_id < best->domain_id))
            best = d;
    }
    return best;
}

static long domctl_pause(struct vcpu *caller, struct domain *d, bool pause)
{
    if (d == caller->domain)
        return -EINVAL;
    if (d->state != DOMSTATE_RUNNING)
        return -EINVAL;
    if (!pause && !domain_ctl_paused(d))
        return -EINVAL; /* not paused by the controller */
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (!v)
            continue;
        v->pause = pause;
        if (pause)
            vcpu_kick(v);
        else
            vcpu_wake(v);
    }
    return 0;
}

long do_domctl(struct vcpu *v, const unsigned long *args, bool compat)
{
    struct xen_domctl op;
    struct domain *d;

    if (!v->domain->privileged)
        return -EPERM;
    if (copy_from_guest(v, &op, args[0], sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -EACCES;

    if (op.cmd == XEN_DOMCTL_getdomaininfo) {
        d = domain_at_or_after(op.domain);
        if (!d)
            return -ESRCH;
        fill_domaininfo(d, &op.u.getdomaininfo);
        op.domain = d->domain_id;
        return copy_to_guest(v, args[0], &op, sizeof(op)) ? -EFAULT : 0;
    }

    switch (op.cmd) {
    case XEN_DOMCTL_pausedomain:
    case XEN_DOMCTL_unpausedomain:
        d = op.domain < DOMID_FIRST_RESERVED ? domain_by_id(op.domain) : NULL;
        if (!domain_listed(d))
            return -ESRCH;
        return domctl_pause(v, d, op.cmd == XEN_DOMCTL_pausedomain);
    case XEN_DOMCTL_scheduler_op:
    case XEN_DOMCTL_setvcpuaffinity:
    case XEN_DOMCTL_getvcpuaffinity:
    case XEN_DOMCTL_getvcpuinfo: {
        long rc;

        d = op.domain < DOMID_FIRST_RESERVED ? domain_by_id(op.domain) : NULL;
        if (!domain_listed(d))
            return -ESRCH;
        if (op.cmd == XEN_DOMCTL_scheduler_op)
            rc = sched_domctl_scheduler_op(v, d, &op.u.scheduler_op);
        else if (op.cmd == XEN_DOMCTL_getvcpuinfo)
            rc = sched_domctl_getvcpuinfo(d, &op.u.getvcpuinfo);
        else
            rc = sched_domctl_vcpuaffinity(v, d, op.cmd == XEN_DOMCTL_setvcpuaffinity,
                                           &op.u.vcpuaffinity);
        if (!rc && copy_to_guest(v, args[0], &op, sizeof(op)))
            rc = -EFAULT;
        return rc;
    }
    }
    return -ENOSYS;
}
