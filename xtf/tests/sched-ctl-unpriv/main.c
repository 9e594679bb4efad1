/**
 * @file
 * Scheduler control from an unprivileged domain: scheduler_op (domctl and
 * sysctl), setvcpuaffinity, getvcpuaffinity and getvcpuinfo are all refused
 * with -EPERM before the argument is read, and nothing changes.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Scheduler control refused without privilege";

void test_main(void)
{
    static const struct {
        const char *what;
        uint32_t cmd;
    } ops[] = {
        {"scheduler_op", 16}, {"setvcpuaffinity", 9}, {"getvcpuaffinity", 25}, {"getvcpuinfo", 14}};
    struct xen_domctl dc;
    struct xen_sysctl_probe sc;

    xtf_require_hypervisor();
    for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++) {
        memset(&dc, 0, sizeof(dc));
        dc.cmd = ops[i].cmd;
        dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        dc.domain = xen_domid;
        dc.u.raw[0] = 6; /* credit2, getinfo-like arguments */
        dc.u.raw[4] = 1;
        xtf_expect_rc(ops[i].what, hypercall_domctl(&dc), -EPERM);
        xtf_expect_rc("bad pointer", hypercall1(__HYPERVISOR_domctl, XTF_BAD_PTR), -EPERM);
    }
    memset(&sc, 0, sizeof(sc));
    sc.cmd = 19; /* XEN_SYSCTL_scheduler_op */
    sc.interface_version = 0x15;
    sc.pad[4] = 6;
    sc.pad[8] = 1;
    xtf_expect_rc("sysctl scheduler_op", hypercall1(__HYPERVISOR_sysctl, &sc), -EPERM);
    xtf_success(NULL);
}
