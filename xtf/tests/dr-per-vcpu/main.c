/**
 * @file
 * DR0-3 are per-vCPU state.  Bug class: one guest's debug registers seen by
 * the next vCPU that runs on the pCPU.  Two vCPUs pinned to one pCPU each
 * write their own addresses into DR0-3, then take turns (yielding to each
 * other) many times; each checks after every turn that it still reads its
 * own values, and that DR7 (which the VMCB switches) is its own too.
 * Needs two vCPUs (VCPUOP_up) on the same pCPU.
 *
 * @category security
 * @envs hvm64 hvm32pae
 * @needs hypervisor vcpu-op
 * @domain vcpus=2 affinity=1
 */
#include <xtf.h>

const char test_title[] = "DR0-3 kept per vCPU";

#define ROUNDS 50

static uint8_t stack1[8192] __aligned(16);
static volatile unsigned int turn, bad[2], rounds_done[2], ready;

static unsigned long pattern(unsigned int id, unsigned int n)
{
    return 0x10000ul * (id + 1) + 0x1000ul * n + 0x40;
}

static void load(unsigned int id)
{
    write_dr0(pattern(id, 0));
    write_dr1(pattern(id, 1));
    write_dr2(pattern(id, 2));
    write_dr3(pattern(id, 3));
    /* Breakpoints stay disabled; only the GD-free L bits differ per vCPU. */
    write_dr7(0x400 | (id << 16)); /* R/W0 differs per vCPU, L0 off */
}

static void check(unsigned int id)
{
    unsigned long got[4] = {read_dr0(), read_dr1(), read_dr2(), read_dr3()};

    for (unsigned int n = 0; n < 4; n++)
        if (got[n] != pattern(id, n)) {
            if (bad[id]++ < 4)
                xtf_failure("Fail: vCPU %u DR%u %#lx, expected %#lx\n", id, n, got[n],
                            pattern(id, n));
        }
    if ((read_dr7() & 0x30000) != (id << 16) && bad[id]++ < 4)
        xtf_failure("Fail: vCPU %u DR7 %#lx\n", id, read_dr7());
}

static void ap_main(unsigned int id)
{
    load(1);
    ready = 1;
    for (unsigned int r = 0; r < ROUNDS; r++) {
        while (turn != 1)
            hypercall_yield();
        check(1);
        rounds_done[1]++;
        turn = 0;
        hypercall_yield();
    }
}

void test_main(void)
{
    unsigned int i;

    xtf_require_hypervisor();
    load(0);
    if (!xtf_vcpu_start_ready(1, ap_main, stack1 + sizeof(stack1), &ready))
        return;
    for (unsigned int r = 0; r < ROUNDS; r++) {
        check(0);
        rounds_done[0]++;
        turn = 1;
        for (i = 0; i < 100000 && turn == 1; i++)
            hypercall_yield();
        if (turn == 1)
            return xtf_failure("Fail: vCPU 1 stopped answering at round %u\n", r);
    }
    check(0);
    if (rounds_done[0] != ROUNDS || rounds_done[1] != ROUNDS)
        xtf_failure("Fail: rounds %u/%u, expected %u\n", rounds_done[0], rounds_done[1], ROUNDS);
    write_dr7(0x400);
    xtf_success(NULL);
}
