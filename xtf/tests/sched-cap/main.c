/**
 * @file
 * Credit2 cap: proves that a CPU-bound domain with cap=50 gets at most half
 * of a pCPU. The vCPU spins reading the TSC for a fixed window and counts
 * the time between consecutive reads that is short enough to be its own;
 * long gaps are time it was off the pCPU (parked by the cap, or the host
 * running QEMU was busy elsewhere). Host noise only lowers the share seen,
 * so the upper bound (the cap plus 10%) is what this test asserts; without
 * a cap an undisturbed vCPU sees nearly 100%. The exact share is checked
 * from the hypervisor's own accounting by xen/test/sched/run-guest-tests.
 * In development: on a busy host the share seen from the TSC has been
 * above the share the hypervisor accounted (0.70 against 0.50), which is
 * not understood yet, so it is kept out of the default selection.
 *
 * @category in-development
 * @envs hvm64
 * @needs hypervisor
 * @domain cap=50
 * @xen-cmdline sched=credit2
 */
#include <xtf.h>

const char test_title[] = "Scheduler: credit2 cap of 50%";

/* 2^30 TSC ticks: 0.4 s at 2.6 GHz. A gap above 2^18 ticks (0.1 ms at
 * 2.6 GHz, far above one exit to the hypervisor under emulation) is time
 * off the pCPU. */
#define WINDOW (1ULL << 30)
#define GAP    (1ULL << 18)

/* Share of the window this vCPU ran, in per mille; *gaps: times it was
 * off the pCPU. */
static unsigned int own_permille(unsigned int *gaps)
{
    uint64_t start = rdtsc(), prev = start, now, own = 0;
    unsigned int n = 0;

    do {
        now = rdtsc();
        if (now - prev < GAP)
            own += now - prev;
        else
            n++;
        prev = now;
    } while (now - start < WINDOW);
    *gaps = n;
    return own * 1000 / (now - start);
}

void test_main(void)
{
    unsigned int gaps, share;

    xtf_require_hypervisor();
    share = own_permille(&gaps);
    printk("ran %u per mille of the window, off the pCPU %u times\n", share, gaps);
    if (share > 550)
        xtf_failure("Fail: ran %u per mille, cap is 500 (+10%%)\n", share);
    else if (share == 0)
        xtf_failure("Fail: never ran\n");
    else
        xtf_success(NULL);
}
