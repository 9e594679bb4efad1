/**
 * @file
 * Scheduler control under credit2, from a privileged domain: scheduler_op
 * (domctl and sysctl) answers only to scheduler id SCHED_CREDIT2 (-EINVAL for the
 * others, for a bad sub-op; -ESRCH for pool 1 or a missing domain);
 * credit2 weight/cap get and set (weight 0 keeps it, cap over 100 per vCPU refused) and the rate
 * limit (0 or 100..500000 us); vCPU affinity reads back as set (soft within hard), refuses an empty
 * or offline hard set, no flags, a vCPU past the last (-EINVAL) and a bad bitmap (-EFAULT), honours
 * nr_bits, and a vCPU pinned to the second then the first
 * pCPU that runs guests runs there (getvcpuinfo).
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @global-state the credit2 rate limit of pool 0 (sysctl scheduler_op putinfo)
 * @domain priv=1
 * @xen-cmdline sched=credit2
 * @smp 3
 */
#define EXPECT_SCHED SCHED_CREDIT2
#include "../sched-ctl/sched-ctl.h"

const char test_title[] = "Scheduler control: credit2";

void test_main(void)
{
    sched_ctl_main();
}
