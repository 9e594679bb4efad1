/**
 * @file
 * A CPU-bound guest for scheduler measurements (xen/test/sched/run-guest-tests
 * and the xen-sched-guest benchmark): spins for a fixed window of TSC time,
 * or as many windows as `spin=N` on its command line asks, and prints the
 * share of the window it ran and how often it was off the pCPU. It asserts
 * nothing about the share; what it proves alone is that a spinning guest
 * gets to the end of its window and reports.
 *
 * @category utility
 * @envs hvm64
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Scheduler: CPU-bound spinner";

#define WINDOW (1ULL << 30)
#define GAP    (1ULL << 18)

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
    printk("spin: ran %u per mille of the window, off the pCPU %u times\n", share, gaps);
    xtf_success(NULL);
}
