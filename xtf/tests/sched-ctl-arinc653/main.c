/**
 * @file
 * Scheduler control under arinc653, from a privileged domain: scheduler_op
 * (domctl and sysctl) answers only to scheduler id SCHED_ARINC653 (-EINVAL for the
 * others, for a bad sub-op; -ESRCH for pool 1 or a missing domain);
 * the arinc653 schedule reads back with this domain's slot, one more idle slot is taken, and empty,
 * overlong, frameless, oversized or unreadable ones are refused and change nothing; vCPU affinity
 * reads back as set (soft within hard), refuses an empty or offline hard set, no flags, a vCPU past
 * the last (-EINVAL) and a bad bitmap (-EFAULT), honours nr_bits, and (not under arinc653, which
 * runs only the first pCPU that runs guests) a vCPU pinned to the second then
 * the first pCPU that runs guests runs there (getvcpuinfo).
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @global-state the ARINC653 schedule of pool 0 (sysctl scheduler_op putinfo)
 * @domain priv=1
 * @xen-cmdline sched=arinc653
 * @smp 3
 */
#define EXPECT_SCHED SCHED_ARINC653
#include "../sched-ctl/sched-ctl.h"

const char test_title[] = "Scheduler control: arinc653";

void test_main(void)
{
    sched_ctl_main();
}
