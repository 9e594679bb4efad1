/**
 * @file
 * Guest TLB entries stay with their vCPU and domain, and the guest's own
 * flushes still take effect.  Bug class: an ASID scheme that lets one
 * vCPU or domain hit another's translations (an ASID shared without a
 * flush, a generation that rolls over without one), or keeps entries a
 * flush should have dropped.
 *
 * Two domains of two vCPUs each, all on pCPU 1, map the same virtual
 * address (3 GiB) through page tables of their own to frames holding a
 * pattern that names the domain, vCPU and frame.  Each vCPU reads it,
 * yields (so another vCPU or domain runs on the pCPU in between), reads
 * it again, and every few rounds points it at its other frame and flushes
 * as a guest does: INVLPG, a CR3 reload, or INVLPG and then a yield before
 * the read.  vCPU 0 of each domain also asks for a flush by the hypervisor
 * (HVMOP_flush_tlbs), which gives the domain's vCPUs new ASIDs, so the
 * pCPU's ASIDs run out and roll over.  INVLPGA, which names an ASID, is
 * refused with #UD (the guest has no SVM, as on Xen).
 *
 * Under QEMU's TCG the TLB is flushed on every VMRUN and #VMEXIT whatever
 * the ASIDs say, so only the INVLPGA check and gross faults (ASID 0, a
 * flush that never comes) can fail there; the ASID rules themselves are
 * proven against a model TLB by xen/test/unit/test-asid.c.  On hardware
 * this test reads through the real TLB.
 *
 * @category functional
 * @envs hvm64
 * @needs hypervisor vcpu-op
 * @domain vcpus=2 affinity=1
 * @companion peer vcpus=2 affinity=1
 * @timeout 90
 */
#include <xtf.h>

const char test_title[] = "ASIDs: no translations leak between vCPUs or domains";

#define ROUNDS      400
#define TEST_VA     0xc0000000ul /* l4[0] -> l3[3] -> l2[0] -> l1[0] */
#define PT_FLAGS    0x7ul        /* present, writable, user */
#define FLUSH_EVERY 8            /* rounds between HVMOP_flush_tlbs on vCPU 0 */

/* Per vCPU: its own top two levels (copies of the boot tables), an l2 and
 * an l1 for the test region, and the two frames it maps at TEST_VA. */
struct vcpu_mem {
    uint64_t l4[512], l3[512], l2[512], l1[512];
    uint32_t frame[2][1024];
};
static struct vcpu_mem mem[2] __aligned(4096);
static uint8_t stack1[8192] __aligned(16);
static unsigned int role_id;
static volatile unsigned int done[2], bad[2], ready;

/* Identity-mapped image: a virtual address is its physical one. */
static uint64_t pa(const void *p)
{
    return (uint64_t)(unsigned long)p;
}

static uint32_t pattern(unsigned int vcpu, unsigned int f)
{
    return 0xa5000000u | (role_id << 16) | (vcpu << 8) | f;
}

/* Build the vCPU's tables (sharing every other mapping of the boot
 * tables) and switch to them. */
static void setup(unsigned int id)
{
    struct vcpu_mem *m = &mem[id];
    const uint64_t *boot_l4 = (const uint64_t *)(read_cr3() & ~0xffful);
    const uint64_t *boot_l3 = (const uint64_t *)(unsigned long)(boot_l4[0] & ~0xfffull);

    memcpy(m->l4, boot_l4, sizeof(m->l4));
    memcpy(m->l3, boot_l3, sizeof(m->l3));
    memset(m->l2, 0, sizeof(m->l2));
    memset(m->l1, 0, sizeof(m->l1));
    for (unsigned int f = 0; f < 2; f++)
        for (unsigned int i = 0; i < 1024; i++)
            m->frame[f][i] = pattern(id, f);
    m->l1[0] = pa(m->frame[0]) | PT_FLAGS;
    m->l2[0] = pa(m->l1) | PT_FLAGS;
    m->l3[3] = pa(m->l2) | PT_FLAGS;
    m->l4[0] = pa(m->l3) | PT_FLAGS;
    asm volatile("mov %0, %%cr3" ::"r"((unsigned long)pa(m->l4)) : "memory");
}

static bool check(unsigned int id, unsigned int f, unsigned int round, const char *after)
{
    const volatile uint32_t *va = (const volatile uint32_t *)TEST_VA;
    uint32_t first = va[0], last = va[1023], want = pattern(id, f);

    if (first == want && last == want)
        return true;
    if (bad[id]++ < 4)
        xtf_failure("Fail: vCPU %u round %u after %s: read %#x/%#x, want %#x (%s)\n", id, round,
                    after, first, last, want,
                    (first >> 16 & 0xff) != role_id ? "another domain's frame"
                    : (first >> 8 & 0xff) != id     ? "another vCPU's frame"
                                                    : "a stale translation");
    return false;
}

static void run(unsigned int id)
{
    struct vcpu_mem *m = &mem[id];
    unsigned int f = 0;

    setup(id);
    check(id, 0, 0, "setup");
    for (unsigned int r = 1; r <= ROUNDS && bad[id] < 4; r++) {
        hypercall_yield();
        check(id, f, r, "a yield");
        if (r % 4)
            continue;
        f ^= 1;
        m->l1[0] = pa(m->frame[f]) | PT_FLAGS;
        switch (r / 4 % 3) {
        case 0:
            invlpg((const void *)TEST_VA);
            check(id, f, r, "INVLPG");
            break;
        case 1:
            asm volatile("mov %0, %%cr3" ::"r"(read_cr3()) : "memory");
            check(id, f, r, "a CR3 reload");
            break;
        case 2:
            invlpg((const void *)TEST_VA);
            hypercall_yield();
            check(id, f, r, "INVLPG and a yield");
            break;
        }
        if (id == 0 && r % FLUSH_EVERY == 0) {
            long rc = hypercall2(__HYPERVISOR_hvm_op, 5 /* HVMOP_flush_tlbs */, 0);

            if (rc)
                xtf_failure("Fail: HVMOP_flush_tlbs: %ld\n", rc);
            check(id, f, r, "HVMOP_flush_tlbs");
        }
    }
    done[id] = 1;
}

static void ap_main(unsigned int id)
{
    ready = 1;
    run(1);
}

/* INVLPGA (0f 01 df) flushes a page of the ASID in ECX: a guest must not
 * reach other guests' ASIDs, and it has no SVM. */
static void check_invlpga(void)
{
    exinfo_t fault = 0;

    asm volatile("1: .byte 0x0f, 0x01, 0xdf; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault)
                 : "a"(TEST_VA), "c"(1)
                 : "memory");
    if (fault != EXINFO_SYM(UD, 0))
        xtf_failure("Fail: INVLPGA gave %#x, expected #UD\n", fault);
}

void test_main(void)
{
    unsigned int i;

    xtf_require_hypervisor();
    role_id = strcmp(xtf_role(), "peer") ? 1 : 2;
    check_invlpga();
    if (!xtf_vcpu_start_ready(1, ap_main, stack1 + sizeof(stack1), &ready))
        return;
    run(0);
    for (i = 0; i < 1000000 && !done[1]; i++)
        hypercall_yield();
    if (!done[1])
        return xtf_failure("Fail: vCPU 1 never finished\n");
    if (!bad[0] && !bad[1])
        xtf_success(NULL);
}
