/**
 * @file
 * Hostile hypercall arguments to the core hypercalls.  Bug class: missing
 * bounds or privilege checks (host crash, information leak, a guest acting
 * on another domain).  Proves that unknown hypercall numbers and sub-ops
 * give -ENOSYS, bad shutdown reasons and HVM param indices -EINVAL, huge
 * console_io counts -E2BIG and a bad buffer -EFAULT, that an unprivileged domain
 * gets -EPERM for sysctl, domctl, remote_shutdown, hvm_op on another domain
 * and privileged HVM params, that watchdog ids are checked, and that the
 * hypervisor survives all of it.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Hostile arguments to core hypercalls";

static uint8_t sysctl_buf[128];

void test_main(void)
{
    struct sched_shutdown sd = {.reason = 0x1000};
    struct sched_remote_shutdown rs = {.domain_id = 0, .reason = SHUTDOWN_poweroff};
    struct xen_hvm_param hp = {.domid = DOMID_SELF, .index = 0xffffffffu};
    struct sched_watchdog wd = {.id = 7, .timeout = 1};

    xtf_require_hypervisor();
    /* Numbers and sub-ops. */
    xtf_expect_rc("hypercall 63", hypercall_by_nr(63, 0, 0, 0, 0, 0), -ENOSYS);
    xtf_expect_rc("xen_version(0x7fffffff)", hypercall_xen_version(0x7fffffff, NULL), -ENOSYS);
    xtf_expect_rc("sched_op(0x7fff)", hypercall_sched_op(0x7fff, NULL), -ENOSYS);
    xtf_expect_rc("hvm_op(0x7fff)", hypercall_hvm_op(0x7fff, NULL), -ENOSYS);
    xtf_expect_rc("console_io(0x7fff)", hypercall_console_io(0x7fff, 0, NULL), -ENOSYS);
    /* Bad values. */
    xtf_expect_rc("shutdown(reason 0x1000)", hypercall_sched_op(SCHEDOP_shutdown, &sd), -EINVAL);
    xtf_expect_rc("shutdown_code(reason 0x1000)", hypercall_sched_op(SCHEDOP_shutdown_code, &sd),
                  -EINVAL);
    xtf_expect_rc("get_param(index ~0)", hypercall_hvm_op(HVMOP_get_param, &hp), -EINVAL);
    xtf_expect_rc("watchdog(id 7)", hypercall_sched_op(SCHEDOP_watchdog, &wd), -EINVAL);
    xtf_expect_rc("console_io(write, huge count)",
                  hypercall_console_io(CONSOLEIO_write, ~0ul >> 1, XTF_BAD_PTR), -E2BIG);
    xtf_expect_rc("console_io(write, bad buffer)",
                  hypercall_console_io(CONSOLEIO_write, 64, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("sched_op(watchdog, bad)", hypercall_sched_op(SCHEDOP_watchdog, XTF_BAD_PTR),
                  -EFAULT);
    /* Privilege. */
    xtf_expect_rc("sysctl", hypercall1(__HYPERVISOR_sysctl, sysctl_buf), -EPERM);
    xtf_expect_rc("domctl", hypercall1(__HYPERVISOR_domctl, sysctl_buf), -EPERM);
    xtf_expect_rc("remote_shutdown(d0)", hypercall_sched_op(SCHEDOP_remote_shutdown, &rs), -EPERM);
    hp.index = HVM_PARAM_STORE_PFN;
    hp.value = 0x1234;
    xtf_expect_rc("set_param(STORE_PFN)", hypercall_hvm_op(HVMOP_set_param, &hp), -EPERM);
    hp.domid = xen_domid == 1 ? 2 : 1;
    xtf_expect_rc("get_param(another domain)", hypercall_hvm_op(HVMOP_get_param, &hp), -EPERM);
    xtf_success(NULL);
}
