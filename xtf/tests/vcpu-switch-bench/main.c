/**
 * @file
 * The cost of switching a pCPU between two domains' vCPUs: the primary and
 * a companion, both pinned to pCPU 1, yield to each other ROUNDS times, so
 * every yield of one hands the pCPU to the other and back.  The primary
 * times blocks of BLOCK yields with the hypervisor's system time and
 * prints the median and 90th percentile per switch (a block's time over
 * its 2 * BLOCK switches): one switch is a hypercall exit, a scheduling
 * decision, and the entry of the other vCPU with its TLB and predictor
 * work (ASID, flush, IBPB).  QEMU counts instructions for time (@clock
 * icount): the figure is the path's length, the same in every boot
 * whatever the load of the shared host (wall-clock medians of the same
 * boots ranged from 60 to 340 us there).  Under TCG a TLB flush costs QEMU
 * host time, not guest instructions, and TCG flushes on every VMRUN
 * anyway.  Figures only: no time is asserted.  Used by
 * xen/test/asid/run-asid-tests --bench (asid=off against the default).
 *
 * @category utility
 * @envs hvm64
 * @needs hypervisor memory
 * @domain affinity=1
 * @companion peer affinity=1
 * @clock icount
 * @timeout 60
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "vCPU switch cost between two domains on one pCPU";

#define BLOCK  100
#define BLOCKS 40
#define ROUNDS (BLOCK * BLOCKS)
/* The peer goes on yielding a while after the primary's last block, so
 * that every timed yield finds it runnable. */
#define PEER_EXTRA (ROUNDS / 4)

static uint32_t per_switch[BLOCKS];

void test_main(void)
{
    struct shared_info *s;

    xtf_require_hypervisor();
    if (!strcmp(xtf_role(), "peer")) {
        for (unsigned int i = 0; i < ROUNDS + PEER_EXTRA; i++)
            hypercall_yield();
        return xtf_success(NULL);
    }
    s = xtf_shared_info_start();
    /* Let the peer start: its first yields come once it runs. */
    for (unsigned int i = 0; i < BLOCK; i++)
        hypercall_yield();
    for (unsigned int b = 0; b < BLOCKS; b++) {
        uint64_t t0 = xen_system_time(s);

        for (unsigned int i = 0; i < BLOCK; i++)
            hypercall_yield();
        per_switch[b] = (uint32_t)((xen_system_time(s) - t0) / (2 * BLOCK));
    }
    sort_u32(per_switch, BLOCKS);
    printk("switch: %u yields, per switch median %u ns p90 %u ns\n", ROUNDS, per_switch[BLOCKS / 2],
           per_switch[BLOCKS * 9 / 10]);
    xtf_success(NULL);
}
