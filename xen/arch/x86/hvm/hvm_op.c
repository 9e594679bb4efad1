/* The hvm_op sub-operations Xen offers HVM guests besides the parameters
 * (common/hypercall.c): flush_tlbs, get_time, xentrace, get_mem_type,
 * pagetable_dying, guest_request_vm_event and altp2m, with Xen's answers
 * for a domain using nested paging with no altp2m, no trace buffers and no
 * monitor. The sub-ops Xen moved to dm_op are -ENOSYS, as there. */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/time.h>
#include <asm/hvm/hvm.h>
#include <public/hvm/hvm_op.h>

/* The domain a domid names for a query: -ESRCH if none, -EPERM if the
 * caller may not look at it. */
static struct domain *query_target(struct vcpu *v, domid_t domid, long *err)
{
    struct domain *d;

    if (domid == DOMID_SELF || domid == v->domain->domain_id)
        return v->domain;
    d = domid < DOMID_FIRST_RESERVED ? domain_by_id(domid) : NULL;
    if (!d || d->state == DOMSTATE_DEAD) {
        *err = -ESRCH;
        return NULL;
    }
    if (!v->domain->privileged) {
        *err = -EPERM;
        return NULL;
    }
    return d;
}

long hvm_op_other(struct vcpu *v, unsigned long op, unsigned long arg, bool compat)
{
    struct domain *d;
    long err = 0;

    switch (op) {
    case HVMOP_flush_tlbs:
        if (arg)
            return -EINVAL;
        hvm_flush_guest_tlbs(v->domain);
        return 0;

    case HVMOP_get_time: {
        struct xen_hvm_get_time t = {.now = NOW()};

        return copy_to_guest(v, arg, &t, sizeof(t)) ? -EFAULT : 0;
    }

    case HVMOP_xentrace: {
        struct xen_hvm_xentrace tr;

        if (copy_from_guest(v, &tr, arg, sizeof(tr)))
            return -EFAULT;
        if (tr.extra_bytes > sizeof(tr.extra_data) || (tr.event & ~((1u << TRC_SUBCLS_SHIFT) - 1)))
            return -EINVAL;
        return 0; /* no trace buffers: the record goes nowhere */
    }

    case HVMOP_get_mem_type: {
        struct xen_hvm_get_mem_type m;

        if (copy_from_guest(v, &m, arg, sizeof(m)))
            return -EFAULT;
        d = query_target(v, m.domid, &err);
        if (!d)
            return err;
        m.mem_type = m.pfn < d->nr_pages && gfn_to_virt(d, m.pfn) ? HVMMEM_ram_rw : HVMMEM_mmio_dm;
        return copy_to_guest(v, arg, &m, sizeof(m)) ? -EFAULT : 0;
    }

    case HVMOP_pagetable_dying: {
        struct xen_hvm_pagetable_dying p;

        if (copy_from_guest(v, &p, arg, sizeof(p)))
            return -EFAULT;
        if (p.domid != DOMID_SELF && p.domid != v->domain->domain_id) {
            d = p.domid < DOMID_FIRST_RESERVED ? domain_by_id(p.domid) : NULL;
            return d && d->state != DOMSTATE_DEAD ? -EOPNOTSUPP : -ESRCH; /* own tables only */
        }
        return -EINVAL; /* a hint for shadow paging only; nested paging has none */
    }

    case HVMOP_guest_request_vm_event:
        return arg ? -EINVAL : 0; /* no monitor listens */

    case HVMOP_altp2m:
        return -EOPNOTSUPP;
    }
    return -ENOSYS;
}
