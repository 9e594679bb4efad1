/* Local APIC helpers (xAPIC MMIO at the architectural default base). */
#include <xtf.h>

bool apic_present(void)
{
    return cpuid_edx(1) & (1u << 9);
}

uint32_t apic_read(unsigned int reg)
{
    return *(volatile uint32_t *)(APIC_DEFAULT_BASE + reg);
}

void apic_write(unsigned int reg, uint32_t val)
{
    *(volatile uint32_t *)(APIC_DEFAULT_BASE + reg) = val;
}

int apic_enable(void)
{
    uint64_t base;

    if (!apic_present())
        return -ENODEV;
    base = rdmsr(MSR_APICBASE);
    /* Global enable, xAPIC mode (clear x2APIC), default base. */
    base = (base & ~(0xfffff000ull | (1ull << 10))) | APIC_DEFAULT_BASE | (1ull << 11);
    wrmsr(MSR_APICBASE, base);
    apic_write(APIC_SPIV, 0x100 | 0x2f); /* software enable, spurious vector 0x2f */
    return 0;
}
