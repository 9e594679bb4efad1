/**
 * @file
 * Scheduler control under rtds, from a privileged domain: scheduler_op
 * (domctl and sysctl) answers only to scheduler id SCHED_RTDS (-EINVAL for the
 * others, for a bad sub-op; -ESRCH for pool 1 or a missing domain);
 * rtds period/budget/extratime per domain and per vCPU, with out-of-range values, a vCPU past the
 * last and a bad array refused; vCPU affinity reads back as set (soft within hard), refuses an
 * empty or offline hard set, no flags, a vCPU past the last (-EINVAL) and a bad bitmap (-EFAULT),
 * honours nr_bits, and a vCPU pinned to the second then the first
 * pCPU that runs guests runs there (getvcpuinfo).
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @global-state the RTDS parameters of pool 0 (sysctl scheduler_op putinfo)
 * @domain priv=1
 * @xen-cmdline sched=rtds
 * @smp 3
 */
#define EXPECT_SCHED SCHED_RTDS
#include "../sched-ctl/sched-ctl.h"

const char test_title[] = "Scheduler control: rtds";

void test_main(void)
{
    sched_ctl_main();
}
