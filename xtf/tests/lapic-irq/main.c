/**
 * @file
 * Local APIC interrupt logic: proves that self-IPIs (shorthand self, all,
 * all-but-self, physical and logical destinations) land in the IRR, that
 * the highest vector is delivered first and moves to the ISR, that an
 * in-service vector and the TPR (also through CR8 in long mode) hold back
 * lower-priority vectors until EOI or a TPR drop, that a software-disabled
 * APIC masks its LVTs and ignores IPIs, and the error paths: reserved
 * registers read as zero and latch an illegal-register error, writes to
 * read-only registers are ignored, an illegal vector latches a send error.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor lapic
 */
#include <xtf.h>
#include <xtf/lapic.h>

const char test_title[] = "Local APIC interrupts, priorities and errors";

#define BUDGET (1ull << 30) /* TSC ticks to wait for an interrupt */

static volatile unsigned int nr_irqs;
static volatile unsigned int order[16];
static volatile bool eoi_in_handler = true;
static volatile bool isr_ok, irr_ok;
static volatile uint32_t ppr_seen;

void lapic_hi_irq(unsigned int vec)
{
    /* While it runs, the vector is in service and no longer requested. */
    isr_ok = lapic_vec_set(APIC_ISR, vec);
    irr_ok = !lapic_vec_set(APIC_IRR, vec);
    ppr_seen = apic_read(APIC_PPR);
    if (nr_irqs < 16)
        order[nr_irqs] = vec;
    nr_irqs++;
    if (eoi_in_handler)
        apic_write(APIC_EOI, 0);
}

static void send_ipi(uint32_t icr2, uint32_t icr)
{
    apic_write(APIC_ICR2, icr2);
    apic_write(APIC_ICR, icr);
}

static void reset_count(void)
{
    nr_irqs = 0;
    for (unsigned int i = 0; i < 16; i++)
        order[i] = 0;
}

/* Send with interrupts off, then open them and wait for `n` deliveries. */
static void check_delivery(const char *what, uint32_t icr2, uint32_t icr, unsigned int want)
{
    unsigned int vec = icr & 0xff;

    cli();
    reset_count();
    send_ipi(icr2, icr);
    if (want && !lapic_vec_set(APIC_IRR, vec))
        xtf_failure("Fail: %s: vector %#x not in the IRR\n", what, vec);
    if (!want && lapic_vec_set(APIC_IRR, vec))
        xtf_failure("Fail: %s: vector %#x accepted, should not be\n", what, vec);
    if (apic_read(APIC_ICR) & (1u << 12))
        xtf_failure("Fail: %s: ICR still says send pending\n", what);
    sti();
    if (want)
        lapic_wait_count(&nr_irqs, want, BUDGET);
    else
        lapic_spin_tsc(1u << 20);
    cli();
    if (nr_irqs != want)
        xtf_failure("Fail: %s: %u interrupts, expected %u\n", what, nr_irqs, want);
    else if (want && (!isr_ok || !irr_ok))
        xtf_failure("Fail: %s: in the handler ISR %s, IRR %s\n", what, isr_ok ? "set" : "clear",
                    irr_ok ? "clear" : "set");
    if (lapic_vec_set(APIC_ISR, vec))
        xtf_failure("Fail: %s: vector %#x still in service after EOI\n", what, vec);
}

static void test_destinations(uint32_t id)
{
    check_delivery("self shorthand", 0, APIC_ICR_SELF | 0x40, 1);
    check_delivery("all including self", 0, APIC_ICR_ALL | 0x41, 1);
    check_delivery("all but self", 0, APIC_ICR_ALL_BUT | 0x42, 0);
    check_delivery("physical to own ID", id << 24, 0x43, 1);
    check_delivery("physical to another ID", (id + 1) << 24, 0x44, 0);
    check_delivery("physical broadcast", 0xffu << 24, 0x45, 1);

    apic_write(APIC_DFR, 0xffffffff); /* flat model */
    apic_write(APIC_LDR, 0x04u << 24);
    if (apic_read(APIC_LDR) != 0x04u << 24)
        xtf_failure("Fail: LDR reads %#x after writing %#x\n", apic_read(APIC_LDR), 0x04u << 24);
    check_delivery("logical flat, our bit", 0x06u << 24, (1u << 11) | 0x46, 1);
    check_delivery("logical flat, other bits", 0x03u << 24, (1u << 11) | 0x47, 0);
    if (ppr_seen != 0x40)
        xtf_failure("Fail: PPR %#x in the handler of 0x46, expected 0x40\n", ppr_seen);
}

static void test_priority(void)
{
    static const unsigned int sent[] = {0x51, 0x73, 0x62, 0x90, 0x5f};
    static const unsigned int want[] = {0x90, 0x73, 0x62, 0x5f, 0x51};

    cli();
    reset_count();
    for (unsigned int i = 0; i < 5; i++)
        send_ipi(0, APIC_ICR_SELF | sent[i]);
    sti();
    lapic_wait_count(&nr_irqs, 5, BUDGET);
    cli();
    for (unsigned int i = 0; i < 5; i++)
        if (order[i] != want[i])
            xtf_failure("Fail: delivery %u was vector %#x, expected %#x\n", i, order[i], want[i]);
}

/* Without EOI the vector stays in service and holds back its class and
 * below; EOI releases them. */
static void test_isr_and_eoi(void)
{
    cli();
    reset_count();
    eoi_in_handler = false;
    send_ipi(0, APIC_ICR_SELF | 0x84);
    sti();
    lapic_wait_count(&nr_irqs, 1, BUDGET);
    cli();
    eoi_in_handler = true;
    if (nr_irqs != 1 || !lapic_vec_set(APIC_ISR, 0x84))
        return xtf_failure("Fail: 0x84 not in service after delivery without EOI\n");
    if (apic_read(APIC_PPR) != 0x80)
        xtf_failure("Fail: PPR %#x with 0x84 in service, expected 0x80\n", apic_read(APIC_PPR));

    send_ipi(0, APIC_ICR_SELF | 0x8c); /* same class: held */
    send_ipi(0, APIC_ICR_SELF | 0x70); /* lower class: held */
    sti();
    lapic_spin_tsc(1u << 20);
    cli();
    if (nr_irqs != 1)
        xtf_failure("Fail: %u interrupts got past vector 0x84 in service\n", nr_irqs - 1);
    if (!lapic_vec_set(APIC_IRR, 0x8c) || !lapic_vec_set(APIC_IRR, 0x70))
        xtf_failure("Fail: held vectors 0x8c/0x70 not in the IRR\n");

    send_ipi(0, APIC_ICR_SELF | 0xa0); /* higher class: delivered, nests */
    sti();
    lapic_wait_count(&nr_irqs, 2, BUDGET);
    cli();
    if (nr_irqs != 2 || order[1] != 0xa0)
        xtf_failure("Fail: higher vector 0xa0 not delivered over 0x84 (%u irqs)\n", nr_irqs);

    apic_write(APIC_EOI, 0); /* ends 0x84 */
    if (lapic_vec_set(APIC_ISR, 0x84))
        xtf_failure("Fail: EOI left 0x84 in service\n");
    sti();
    lapic_wait_count(&nr_irqs, 4, BUDGET);
    cli();
    if (nr_irqs != 4 || order[2] != 0x8c || order[3] != 0x70)
        xtf_failure("Fail: after EOI got %u irqs (%#x, %#x), expected 0x8c then 0x70\n", nr_irqs,
                    order[2], order[3]);
}

static void test_tpr(void)
{
    cli();
    reset_count();
    apic_write(APIC_TPR, 0x50);
    if (apic_read(APIC_TPR) != 0x50 || apic_read(APIC_PPR) != 0x50)
        xtf_failure("Fail: TPR %#x PPR %#x after TPR=0x50\n", apic_read(APIC_TPR),
                    apic_read(APIC_PPR));
    send_ipi(0, APIC_ICR_SELF | 0x45);
    send_ipi(0, APIC_ICR_SELF | 0x5e);
    sti();
    lapic_spin_tsc(1u << 20);
    cli();
    if (nr_irqs)
        xtf_failure("Fail: %u interrupts at or below TPR 0x50 delivered\n", nr_irqs);
    send_ipi(0, APIC_ICR_SELF | 0x61);
    sti();
    lapic_wait_count(&nr_irqs, 1, BUDGET);
    cli();
    if (nr_irqs != 1 || order[0] != 0x61)
        xtf_failure("Fail: vector 0x61 above TPR 0x50 not delivered\n");
    apic_write(APIC_TPR, 0x4f); /* class 4: 0x5e goes, 0x45 stays */
    sti();
    lapic_wait_count(&nr_irqs, 2, BUDGET);
    lapic_spin_tsc(1u << 20);
    cli();
    if (nr_irqs != 2 || order[1] != 0x5e)
        xtf_failure("Fail: TPR 0x4f: %u irqs, second %#x, expected 0x5e only\n", nr_irqs, order[1]);
    apic_write(APIC_TPR, 0);
    sti();
    lapic_wait_count(&nr_irqs, 3, BUDGET);
    cli();
    if (nr_irqs != 3 || order[2] != 0x45)
        xtf_failure("Fail: TPR 0: vector 0x45 not delivered\n");

#ifdef CONFIG_64BIT
    /* CR8 is the TPR's priority class. */
    asm volatile("mov %0, %%cr8" ::"r"(6ul));
    if (apic_read(APIC_TPR) != 0x60)
        xtf_failure("Fail: CR8=6 but TPR reads %#x\n", apic_read(APIC_TPR));
    send_ipi(0, APIC_ICR_SELF | 0x66);
    sti();
    lapic_spin_tsc(1u << 20);
    cli();
    if (nr_irqs != 3)
        xtf_failure("Fail: vector 0x66 delivered with CR8=6\n");
    apic_write(APIC_TPR, 0x20);
    {
        unsigned long cr8;
        asm volatile("mov %%cr8, %0" : "=r"(cr8));
        if (cr8 != 2)
            xtf_failure("Fail: TPR=0x20 but CR8 reads %lu\n", cr8);
    }
    sti();
    lapic_wait_count(&nr_irqs, 4, BUDGET);
    cli();
    if (nr_irqs != 4)
        xtf_failure("Fail: vector 0x66 not delivered after TPR drop\n");
    apic_write(APIC_TPR, 0);
#endif
}

static void test_software_disable(void)
{
    uint32_t svr = apic_read(APIC_SPIV);

    if (!(svr & APIC_SPIV_ENABLE))
        return xtf_failure("Fail: SVR %#x, software enable bit clear\n", svr);
    apic_write(APIC_LVTERR, 0x3e); /* unmasked */
    apic_write(APIC_SPIV, svr & ~APIC_SPIV_ENABLE);
    if (!(apic_read(APIC_LVTERR) & APIC_LVT_MASKED))
        xtf_failure("Fail: software disable left LVT error unmasked\n");
    apic_write(APIC_LVTT, 0x30);
    if (!(apic_read(APIC_LVTT) & APIC_LVT_MASKED))
        xtf_failure("Fail: LVT timer unmasked while software disabled\n");
    check_delivery("self IPI while software disabled", 0, APIC_ICR_SELF | 0x48, 0);
    apic_write(APIC_SPIV, svr);
    apic_write(APIC_LVTT, APIC_LVT_MASKED);
    apic_write(APIC_LVTERR, APIC_LVT_MASKED);
    check_delivery("self IPI after re-enable", 0, APIC_ICR_SELF | 0x49, 1);
}

static void test_errors(uint32_t id)
{
    static const unsigned int reserved[] = {0x000, 0x010, 0x040, 0x050, 0x060, 0x070,
                                            0x3a0, 0x3b0, 0x3f0, 0x400, 0xff0};
    uint32_t v, esr;

    /* Writes to read-only registers are ignored. */
    apic_write(APIC_ID, (id + 3) << 24);
    apic_write(APIC_LVR, 0);
    apic_write(APIC_PPR, 0xf0);
    apic_write(APIC_IRR + 0x20, 0xffffffff);
    apic_write(APIC_ISR + 0x20, 0xffffffff);
    apic_write(APIC_TMCCT, 12345);
    if (apic_read(APIC_ID) >> 24 != id)
        xtf_failure("Fail: APIC ID write took effect: %#x\n", apic_read(APIC_ID));
    if ((apic_read(APIC_LVR) & 0xff) < 0x10)
        xtf_failure("Fail: version register write took effect\n");
    if (apic_read(APIC_PPR) || apic_read(APIC_IRR + 0x20) || apic_read(APIC_ISR + 0x20) ||
        apic_read(APIC_TMCCT))
        xtf_failure("Fail: PPR/IRR/ISR/TMCCT writes took effect\n");

    /* Reserved registers read as zero, writes vanish, both latch an error. */
    apic_write(APIC_ESR, 0);
    for (unsigned int i = 0; i < ARRAY_SIZE(reserved); i++) {
        apic_write(reserved[i], 0xdeadbeef);
        v = apic_read(reserved[i]);
        if (v)
            xtf_failure("Fail: reserved register %#x reads %#x\n", reserved[i], v);
    }
    apic_write(APIC_ESR, 0);
    esr = apic_read(APIC_ESR);
    if (!(esr & APIC_ESR_ILLEGAL_REG))
        xtf_failure("Fail: ESR %#x after reserved accesses, no illegal-register bit\n", esr);

    /* An illegal vector (< 16) is refused and latches a send error. */
    apic_write(APIC_ESR, 0);
    check_delivery("illegal vector 5", 0, APIC_ICR_SELF | 0x05, 0);
    apic_write(APIC_ESR, 0);
    esr = apic_read(APIC_ESR);
    if (!(esr & APIC_ESR_SEND_ILL))
        xtf_failure("Fail: ESR %#x after sending vector 5, no send-illegal bit\n", esr);
    apic_write(APIC_ESR, 0);
    if (apic_read(APIC_ESR))
        xtf_failure("Fail: ESR %#x after clearing\n", apic_read(APIC_ESR));

    /* Sub-dword reads see the register's bytes. */
    v = *(volatile uint8_t *)(APIC_DEFAULT_BASE + APIC_LVR);
    if (v != (apic_read(APIC_LVR) & 0xff))
        xtf_failure("Fail: byte read of the version register gave %#x\n", v);
}

static void test_apic_base(void)
{
    uint64_t base = rdmsr(MSR_APICBASE), after;
    exinfo_t ex;

    if ((base & ~0xfffull) != APIC_DEFAULT_BASE || !(base & APICBASE_EN) || !(base & APICBASE_BSP))
        xtf_failure("Fail: APIC base MSR %#llx on the boot vCPU\n", (unsigned long long)base);
    /* A reserved bit: #GP (hardware) or refused; never taken. */
    ex = wrmsr_safe(MSR_APICBASE, base | (1ull << 9));
    after = rdmsr(MSR_APICBASE);
    if (after != base)
        xtf_failure("Fail: APIC base %#llx after a reserved-bit write (ex %#x)\n",
                    (unsigned long long)after, ex);
    if (!lapic_deadline_offered() && rdmsr_safe(MSR_TSC_DEADLINE, &after) != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: TSC deadline MSR readable though CPUID hides it\n");
}

void test_main(void)
{
    uint32_t id;

    if (!xen_present)
        return xtf_skip("Skip: tests the hypervisor, and none was found\n");

    if (!apic_present())
        return xtf_skip("Skip: no local APIC in CPUID\n");
    if (apic_enable())
        return xtf_error("Error: cannot enable the APIC\n");
    id = apic_read(APIC_ID) >> 24;
    lapic_hi_install();

    test_apic_base();
    test_destinations(id);
    test_priority();
    test_isr_and_eoi();
    test_tpr();
    test_software_disable();
    test_errors(id);
    cli();

    xtf_success(NULL);
}
