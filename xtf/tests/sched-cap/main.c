/**
 * @file
 * Credit2 cap, measured by the guest: proves that a CPU-bound domain with
 * cap=50 runs half of the time, within 10% of the cap (450 to 550 per
 * mille). The vCPU spins reading the TSC, a clock the hypervisor does not
 * make, and counts the time between consecutive reads short enough to be
 * its own; long gaps are time off the pCPU (parked by the cap). The boot
 * runs with @clock icount: QEMU's time counts instructions, so the host
 * running QEMU, however busy, takes no time the guest can see, and the
 * share is the hypervisor's doing alone. Without the cap the share is
 * nearly 1000.
 *
 * @category functional
 * @envs hvm64
 * @needs hypervisor
 * @domain cap=50
 * @xen-cmdline sched=credit2
 * @clock icount
 * @timeout 120
 */
#include <xtf.h>

const char test_title[] = "Scheduler: credit2 cap of 50%, measured in the guest";

/* 2^28 TSC ticks: 0.27 s at the 1 GHz of an instruction-counting QEMU,
 * 27 of credit2's 10 ms cap periods. A gap above 2^18 ticks (0.26 ms,
 * above one exit to the hypervisor, which counts its own instructions
 * too) is time off the pCPU. */
#define WINDOW (1ULL << 28)
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
    if (share < 450 || share > 550)
        xtf_failure("Fail: ran %u per mille, the cap is 500 (+-10%%)\n", share);
    else
        xtf_success(NULL);
}
