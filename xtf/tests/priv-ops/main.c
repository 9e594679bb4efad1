/**
 * @file
 * Privileged operations from an unprivileged domain.  Bug class: missing
 * privilege checks (a guest controlling the host or other domains).
 * Proves sysctl and domctl fail with -EPERM, and that remote_shutdown of
 * another domain and evtchn alloc_unbound on behalf of another domain are
 * refused.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn
 */
#include <xtf.h>

const char test_title[] = "Privileged ops refused";

void test_main(void)
{
    struct xen_sysctl_probe probe = {.cmd = 1, .interface_version = 0};
    struct sched_remote_shutdown rs = {.domain_id = 0, .reason = SHUTDOWN_poweroff};
    struct evtchn_alloc_unbound au = {.dom = 0, .remote_dom = DOMID_SELF};

    xtf_require_hypervisor();
    for (uint32_t v = 0; v < 0x30; v += 7) {
        probe.interface_version = v;
        xtf_expect_rc("sysctl", hypercall1(__HYPERVISOR_sysctl, &probe), -EPERM);
        xtf_expect_rc("domctl", hypercall1(__HYPERVISOR_domctl, &probe), -EPERM);
    }
    if (xen_domid != 0) {
        xtf_expect_rc("remote_shutdown(d0)", hypercall_sched_op(SCHEDOP_remote_shutdown, &rs),
                      -EPERM);
        xtf_expect_rc("alloc_unbound for d0", hypercall_evtchn_op(EVTCHNOP_alloc_unbound, &au),
                      -EPERM);
    }
    xtf_success(NULL);
}
