/**
 * @file
 * domctl from a privileged domain. Proves the interface version is checked
 * (-EACCES), a bad pointer gives -EFAULT, getdomaininfo reports the caller
 * (its id, an HVM guest that is running, one vCPU online, its pages) and
 * the first domain at or after the id asked for, ids past every domain give
 * -ESRCH, pausing oneself is refused (-EINVAL), pausing a domain that does
 * not exist gives -ESRCH, and unknown sub-ops -ENOSYS.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @domain priv=1
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "domctl (privileged)";

static long domctl(struct xen_domctl *op, uint32_t cmd, domid_t dom)
{
    memset(op, 0, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return hypercall_domctl(op);
}

void test_main(void)
{
    struct xen_domctl op;
    struct xen_domctl_getdomaininfo *info = &op.u.getdomaininfo;

    xtf_require_hypervisor();
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_getdomaininfo;
    op.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
    xtf_expect_rc("old interface version", hypercall_domctl(&op), -EACCES);
    xtf_expect_rc("bad pointer", hypercall1(__HYPERVISOR_domctl, XTF_BAD_PTR), -EFAULT);

    xtf_expect_rc("getdomaininfo self", domctl(&op, XEN_DOMCTL_getdomaininfo, xen_domid), 0);
    xtf_expect_rc("getdomaininfo domain", op.domain, xen_domid);
    xtf_expect_rc("getdomaininfo info.domain", info->domain, xen_domid);
    if (!(info->flags & XEN_DOMINF_hvm_guest) || !(info->flags & XEN_DOMINF_running) ||
        (info->flags & XEN_DOMINF_dying))
        xtf_failure("Fail: own flags %#x\n", info->flags);
    xtf_expect_rc("nr_online_vcpus", info->nr_online_vcpus, 1);
    xtf_expect_rc("max_vcpu_id", info->max_vcpu_id, 0);
    if (info->tot_pages < 256 || !info->cpu_time)
        xtf_failure("Fail: %llu pages, %llu ns\n", (unsigned long long)info->tot_pages,
                    (unsigned long long)info->cpu_time);

    xtf_expect_rc("getdomaininfo from 0", domctl(&op, XEN_DOMCTL_getdomaininfo, 0), 0);
    if (op.domain > xen_domid)
        xtf_failure("Fail: first domain from 0 is d%u, after d%u\n", op.domain, xen_domid);
    xtf_expect_rc("getdomaininfo past all", domctl(&op, XEN_DOMCTL_getdomaininfo, 0x7fef), -ESRCH);

    xtf_expect_rc("pause self", domctl(&op, XEN_DOMCTL_pausedomain, xen_domid), -EINVAL);
    xtf_expect_rc("pause missing", domctl(&op, XEN_DOMCTL_pausedomain, 0x7fef), -ESRCH);
    xtf_expect_rc("unpause missing", domctl(&op, XEN_DOMCTL_unpausedomain, 0x7fef), -ESRCH);
    xtf_expect_rc("unknown sub-op", domctl(&op, 0x7fff, xen_domid), -ENOSYS);
    xtf_success(NULL);
}
