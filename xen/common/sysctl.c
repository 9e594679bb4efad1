/* The sysctl hypercall: system-wide operations for privileged domains.
 * Others get -EPERM before anything of theirs is read. The argument is one
 * struct xen_sysctl (Xen's layout, <public/sysctl.h>) at a guest virtual
 * address; it is read once, checked for the interface version, and written
 * back with the results. Operations not implemented here return -ENOSYS. */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/sched-ctl.h>
#include <asm/hvm/hvm.h>
#include <public/sysctl.h>
#ifdef CONFIG_COVERAGE
#include <xen/coverage.h>
#endif

_Static_assert(sizeof(struct xen_sysctl_scheduler_op) == 32, "scheduler_op layout");
_Static_assert(sizeof(struct xen_sysctl_arinc653_schedule) == 2064, "arinc653 schedule layout");

long do_sysctl(struct vcpu *v, const unsigned long *args, bool compat)
{
    struct xen_sysctl op;
    long rc;

    if (!v->domain->privileged)
        return -EPERM;
    if (copy_from_guest(v, &op, args[0], sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;

    switch (op.cmd) {
    case XEN_SYSCTL_coverage_op:
#ifdef CONFIG_COVERAGE
        rc = coverage_sysctl(v, &op.u.coverage_op);
#else
        rc = -EOPNOTSUPP;
#endif
        break;
    case XEN_SYSCTL_scheduler_op:
        rc = sched_sysctl_scheduler_op(v, &op.u.scheduler_op);
        break;
    default:
        return -ENOSYS;
    }
    if (!rc && copy_to_guest(v, args[0], &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
