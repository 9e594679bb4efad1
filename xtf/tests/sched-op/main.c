/**
 * @file
 * sched_op: proves that yield returns 0, that shutdown_code is accepted,
 * that an unknown sub-op gives -ENOSYS, and (last) that shutdown(poweroff)
 * ends the domain, which the framework does on exit.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "sched_op";

void test_main(void)
{
    struct sched_shutdown code = {.reason = SHUTDOWN_poweroff};

    xtf_require_hypervisor();
    for (int i = 0; i < 10; ++i)
        xtf_expect_rc("yield", hypercall_yield(), 0);
    xtf_expect_rc("shutdown_code", hypercall_sched_op(SCHEDOP_shutdown_code, &code), 0);
    xtf_expect_rc("unknown sub-op", hypercall_sched_op(0x7fff, NULL), -ENOSYS);
    xtf_success(NULL);
}
