/**
 * @file
 * SCHEDOP_shutdown_code: proves a bad reason (-EINVAL) and a bad pointer
 * (-EFAULT) are refused, and that a code set beforehand is the reason the
 * domain shuts down with, as in Xen: after shutdown_code(reboot) a
 * SCHEDOP_shutdown(poweroff) ends the domain as a reboot (with
 * on_reboot=destroy, so the hypervisor says "shutdown: reboot" and
 * destroys it).
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @domain on_reboot=destroy
 * @expect-end shutdown: reboot; destroyed
 */
#include <xtf.h>

const char test_title[] = "SCHEDOP_shutdown_code";

void test_main(void)
{
    struct sched_shutdown sc = {.reason = 99};

    xtf_require_hypervisor();
    xtf_expect_rc("bad reason", hypercall_sched_op(SCHEDOP_shutdown_code, &sc), -EINVAL);
    xtf_expect_rc("bad pointer", hypercall_sched_op(SCHEDOP_shutdown_code, XTF_BAD_PTR), -EFAULT);
    sc.reason = SHUTDOWN_reboot;
    xtf_expect_rc("shutdown_code(reboot)", hypercall_sched_op(SCHEDOP_shutdown_code, &sc), 0);
    if (!xtf_status_is_success())
        xtf_exit();
    printk("Test result: SUCCESS\n");
    xtf_shutdown(SHUTDOWN_poweroff);
}
