/**
 * @file
 * Scheduler control under null, from a privileged domain: scheduler_op
 * (domctl and sysctl) answers only to scheduler id SCHED_NULL (-EINVAL for the
 * others, for a bad sub-op; -ESRCH for pool 1 or a missing domain);
 * null takes no parameters (putinfo 0, vCPU sub-ops -EINVAL); vCPU affinity reads back as
 * set (soft within hard), refuses an empty or offline hard set, no flags,
 * a vCPU past the last (-EINVAL) and a bad bitmap (-EFAULT), honours
 * nr_bits, and a vCPU pinned to the second then the first
 * pCPU that runs guests runs there (getvcpuinfo).
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @global-state the null scheduler's parameters of pool 0 (sysctl scheduler_op putinfo)
 * @domain priv=1
 * @xen-cmdline sched=null
 * @smp 3
 */
#define EXPECT_SCHED SCHED_NULL
#include "../sched-ctl/sched-ctl.h"

const char test_title[] = "Scheduler control: null";

void test_main(void)
{
    sched_ctl_main();
}
