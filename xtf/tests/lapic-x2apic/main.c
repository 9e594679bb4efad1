/**
 * @file
 * x2APIC: when CPUID offers it, proves that the APIC base MSR switches to
 * x2APIC mode only from enabled xAPIC mode, that the MSRs give the 32-bit
 * ID, the derived logical ID, TPR/PPR, self-IPIs through the SELF IPI MSR
 * and the 64-bit ICR with delivery and EOI, and that invalid accesses #GP:
 * reserved or absent registers, reads of write-only ones, writes to
 * read-only ones, reserved bits, a non-zero EOI; that leaving x2APIC mode
 * straight for xAPIC is refused and disabling then re-enabling gives xAPIC
 * back. When CPUID hides it, proves that the x2APIC MSRs #GP and the mode
 * cannot be entered.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor lapic
 */
#include <xtf.h>
#include <xtf/lapic.h>

const char test_title[] = "x2APIC MSRs";

#define BUDGET (1ull << 30)

static volatile unsigned int nr_irqs, last_vec;

void lapic_hi_irq(unsigned int vec)
{
    nr_irqs++;
    last_vec = vec;
    wrmsr(MSR_X2APIC(APIC_EOI), 0);
}

static void expect_gp_read(uint32_t msr, const char *what)
{
    uint64_t val;
    exinfo_t ex = rdmsr_safe(msr, &val);

    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: rdmsr %#x (%s): %#x, expected #GP\n", msr, what, ex);
}

static void expect_gp_write(uint32_t msr, uint64_t val, const char *what)
{
    exinfo_t ex = wrmsr_safe(msr, val);

    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: wrmsr %#x=%#llx (%s): %#x, expected #GP\n", msr, (unsigned long long)val,
                    what, ex);
}

static void test_hidden(uint64_t base)
{
    expect_gp_read(MSR_X2APIC(APIC_ID), "ID without x2APIC");
    expect_gp_read(MSR_X2APIC(APIC_TPR), "TPR without x2APIC");
    expect_gp_write(MSR_X2APIC_SELF, 0x40, "SELF IPI without x2APIC");
    wrmsr_safe(MSR_APICBASE, base | APICBASE_EXTD);
    if (rdmsr(MSR_APICBASE) & APICBASE_EXTD)
        xtf_failure("Fail: x2APIC mode entered though CPUID hides it\n");
    xtf_success("Success: x2APIC not offered; its MSRs #GP\n");
}

static void check_self_ipi(const char *what, uint32_t msr, uint64_t val, unsigned int vec)
{
    cli();
    nr_irqs = 0;
    wrmsr(msr, val);
    sti();
    lapic_wait_count(&nr_irqs, 1, BUDGET);
    cli();
    if (nr_irqs != 1 || last_vec != vec)
        xtf_failure("Fail: %s: %u interrupts, last vector %#x, expected one %#x\n", what, nr_irqs,
                    last_vec, vec);
}

void test_main(void)
{
    uint64_t base, val;
    uint32_t id, cpuid_id, a, b, c, d;

    if (!xen_present)
        return xtf_skip("Skip: tests the hypervisor, and none was found\n");

    if (!apic_present())
        return xtf_skip("Skip: no local APIC in CPUID\n");
    if (apic_enable())
        return xtf_error("Error: cannot enable the APIC\n");
    lapic_hi_install();
    base = rdmsr(MSR_APICBASE);
    cpuid(1, &a, &b, &c, &d);
    cpuid_id = b >> 24;

    /* xAPIC mode: the x2APIC MSRs are not there, whatever CPUID says. */
    expect_gp_read(MSR_X2APIC(APIC_LVR), "version in xAPIC mode");
    if (!lapic_x2apic_offered())
        return test_hidden(base);

    if (wrmsr_safe(MSR_APICBASE, base | APICBASE_EXTD))
        return xtf_failure("Fail: cannot enter x2APIC mode\n");
    if (!(rdmsr(MSR_APICBASE) & APICBASE_EXTD))
        return xtf_failure("Fail: APIC base %#llx, x2APIC bit not kept\n",
                           (unsigned long long)rdmsr(MSR_APICBASE));
    wrmsr(MSR_X2APIC(APIC_SPIV), APIC_SPIV_ENABLE | 0x2f);

    id = rdmsr(MSR_X2APIC(APIC_ID));
    if (id != cpuid_id)
        xtf_failure("Fail: x2APIC ID %u, CPUID initial ID %u\n", id, cpuid_id);
    val = rdmsr(MSR_X2APIC(APIC_LDR));
    if (val != (((id >> 4) << 16) | (1u << (id & 0xf))))
        xtf_failure("Fail: logical ID %#llx for ID %u\n", (unsigned long long)val, id);
    if ((rdmsr(MSR_X2APIC(APIC_LVR)) & 0xff) < 0x10)
        xtf_failure("Fail: version %#llx\n", (unsigned long long)rdmsr(MSR_X2APIC(APIC_LVR)));

    wrmsr(MSR_X2APIC(APIC_TPR), 0x30);
    if (rdmsr(MSR_X2APIC(APIC_TPR)) != 0x30 || rdmsr(MSR_X2APIC(APIC_PPR)) != 0x30)
        xtf_failure("Fail: TPR/PPR %#llx/%#llx after TPR=0x30\n",
                    (unsigned long long)rdmsr(MSR_X2APIC(APIC_TPR)),
                    (unsigned long long)rdmsr(MSR_X2APIC(APIC_PPR)));
    wrmsr(MSR_X2APIC(APIC_TPR), 0);

    check_self_ipi("SELF IPI MSR", MSR_X2APIC_SELF, 0x61, 0x61);
    check_self_ipi("ICR self shorthand", MSR_X2APIC(APIC_ICR), APIC_ICR_SELF | 0x62, 0x62);
    check_self_ipi("ICR physical to own ID", MSR_X2APIC(APIC_ICR), ((uint64_t)id << 32) | 0x63,
                   0x63);
    check_self_ipi("ICR logical to own bit", MSR_X2APIC(APIC_ICR),
                   ((uint64_t)(((id >> 4) << 16) | (1u << (id & 0xf))) << 32) | (1u << 11) | 0x64,
                   0x64);
    if ((rdmsr(MSR_X2APIC(APIC_ICR)) >> 32) != (((id >> 4) << 16) | (1u << (id & 0xf))))
        xtf_failure("Fail: ICR destination not kept: %#llx\n",
                    (unsigned long long)rdmsr(MSR_X2APIC(APIC_ICR)));

    /* Invalid accesses #GP. */
    expect_gp_read(0x801, "reserved register");
    expect_gp_read(MSR_X2APIC(APIC_EOI), "EOI is write-only");
    expect_gp_read(MSR_X2APIC_SELF, "SELF IPI is write-only");
    expect_gp_read(MSR_X2APIC(APIC_DFR), "no DFR in x2APIC mode");
    expect_gp_read(MSR_X2APIC(APIC_ICR2), "no ICR2 in x2APIC mode");
    expect_gp_read(0x8ff, "last MSR of the range");
    expect_gp_write(MSR_X2APIC(APIC_ID), 5, "ID is read-only");
    expect_gp_write(MSR_X2APIC(APIC_LVR), 0, "version is read-only");
    expect_gp_write(MSR_X2APIC(APIC_LDR), 0, "LDR is read-only");
    expect_gp_write(MSR_X2APIC(APIC_PPR), 0, "PPR is read-only");
    expect_gp_write(MSR_X2APIC(APIC_ISR), 0, "ISR is read-only");
    expect_gp_write(MSR_X2APIC(APIC_TMCCT), 0, "current count is read-only");
    expect_gp_write(MSR_X2APIC(APIC_EOI), 1, "non-zero EOI");
    expect_gp_write(MSR_X2APIC(APIC_TPR), 0x100, "TPR reserved bits");
    expect_gp_write(MSR_X2APIC(APIC_TPR), 1ull << 32, "TPR high half");
    expect_gp_write(MSR_X2APIC(APIC_SPIV), 1u << 16, "SVR reserved bits");
    expect_gp_write(MSR_X2APIC(APIC_LVTT), 1u << 20, "LVT timer reserved bits");
    expect_gp_write(MSR_X2APIC(APIC_ESR), 1, "non-zero ESR write");
    expect_gp_write(MSR_X2APIC_SELF, 0x100, "SELF IPI reserved bits");
    expect_gp_write(MSR_X2APIC(APIC_ICR), 1u << 13, "ICR reserved bit");

    /* x2APIC -> xAPIC directly is refused; via disabled it works. */
    wrmsr_safe(MSR_APICBASE, base & ~APICBASE_EXTD);
    if (!(rdmsr(MSR_APICBASE) & APICBASE_EXTD))
        xtf_failure("Fail: went from x2APIC straight to xAPIC mode\n");
    wrmsr(MSR_APICBASE, base & ~(APICBASE_EXTD | APICBASE_EN));
    wrmsr(MSR_APICBASE, base);
    if ((rdmsr(MSR_APICBASE) & (APICBASE_EXTD | APICBASE_EN)) != APICBASE_EN)
        xtf_failure("Fail: APIC base %#llx after disable/enable\n",
                    (unsigned long long)rdmsr(MSR_APICBASE));
    if (apic_read(APIC_SPIV) & APIC_SPIV_ENABLE)
        xtf_failure("Fail: software enable survived a hardware disable\n");
    if (apic_read(APIC_ID) >> 24 != cpuid_id)
        xtf_failure("Fail: xAPIC ID %#x after returning from x2APIC\n", apic_read(APIC_ID));
    cli();
    xtf_success(NULL);
}
