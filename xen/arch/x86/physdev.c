/* physdev_op: what Xen answers an HVM or PVH guest that has no physical
 * IRQs (no passthrough, no PIRQ emulation, as xl gives by default):
 * map_pirq and unmap_pirq read their argument (-EFAULT), look up the
 * domain (-ESRCH) and refuse a caller that is not the control domain
 * (-EPERM); the PIRQ operations (eoi, irq_status_query, get_free_pirq)
 * and the hardware-domain ones are -ENOSYS, as is everything else. */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <asm/hvm/hvm.h>
#include <public/physdev.h>

static long pirq_target(struct vcpu *v, domid_t domid)
{
    struct domain *d = v->domain;

    if (domid != DOMID_SELF && domid != d->domain_id) {
        struct domain *t = domid < DOMID_FIRST_RESERVED ? domain_by_id(domid) : NULL;

        if (!t || t->state == DOMSTATE_DEAD)
            return -ESRCH;
    }
    /* Mapping needs device-model privilege over the target; with no
     * physical IRQs to route, even the control domain has nothing. */
    return d->privileged ? -ENOSYS : -EPERM;
}

long do_physdev_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], arg = args[1];

    switch (cmd) {
    case PHYSDEVOP_map_pirq: {
        struct physdev_map_pirq m;

        if (copy_from_guest(v, &m, arg, sizeof(m)))
            return -EFAULT;
        return pirq_target(v, m.domid);
    }
    case PHYSDEVOP_unmap_pirq: {
        struct physdev_unmap_pirq u;

        if (copy_from_guest(v, &u, arg, sizeof(u)))
            return -EFAULT;
        return pirq_target(v, u.domid);
    }
    }
    return -ENOSYS;
}
