/* Local APIC: x2APIC when the CPU has it (MSR access, 32-bit ids), xAPIC
 * through MMIO otherwise. The timer runs one-shot with divide-by-1; its
 * frequency is calibrated in time.c. */
#include <xen/lib.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/traps.h>

#define APIC_ID     0x020
#define APIC_EOI    0x0b0
#define APIC_SVR    0x0f0
#define APIC_ICR    0x300
#define APIC_ICR2   0x310
#define APIC_LVTT   0x320
#define APIC_LVT0   0x350
#define APIC_LVT1   0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT  0x380
#define APIC_TMCCT  0x390
#define APIC_TDCR   0x3e0
#define APIC_TPR    0x080

#define APIC_BASE_X2APIC (1UL << 10)
#define APIC_BASE_ENABLE (1UL << 11)

static bool x2apic;
static volatile uint8_t *apic_mmio;

bool apic_x2apic_mode(void)
{
    return x2apic;
}

static uint32_t apic_read(unsigned int reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(0x800 + (reg >> 4));
    return mmio_read32(apic_mmio + reg);
}

static void apic_write(unsigned int reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + (reg >> 4), v);
    else
        mmio_write32(apic_mmio + reg, v);
}

uint32_t apic_read_id(void)
{
    return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

static void apic_enable_local(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

    if (x2apic)
        base |= APIC_BASE_X2APIC;
    wrmsr(MSR_APIC_BASE, base);
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, 0x100 | SPURIOUS_VECTOR);
    apic_write(APIC_LVT0, 1u << 16); /* masked */
    apic_write(APIC_LVT1, 1u << 16);
    apic_write(APIC_LVTERR, 1u << 16);
    apic_write(APIC_TDCR, 0xb); /* divide by 1 */
    apic_write(APIC_LVTT, (1u << 16) | TIMER_VECTOR);
}

void apic_init_bsp(void)
{
    x2apic = cpuid_ecx(1) & (1u << 21);
    if (!x2apic)
        apic_mmio = ioremap(rdmsr(MSR_APIC_BASE) & 0xfffff000UL, 4096);
    /* Mask the legacy PICs: every interrupt comes through the APIC. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic_enable_local();
}

void apic_init_ap(void)
{
    apic_enable_local();
}

static void apic_wait_icr_idle(void)
{
    if (x2apic)
        return;
    for (unsigned int i = 0; i < 1000000 && (apic_read(APIC_ICR) & (1u << 12)); i++)
        cpu_relax();
}

/* In xAPIC mode an IPI takes two writes (destination, then command): an
 * interrupt handler that sends its own IPI between them would redirect
 * this one to its destination, so interrupts stay off across both. */
static void apic_icr(uint32_t dest, uint32_t low)
{
    unsigned long flags;

    if (x2apic) {
        wrmsr(0x830, ((uint64_t)dest << 32) | low);
        return;
    }
    flags = local_irq_save();
    apic_wait_icr_idle();
    apic_write(APIC_ICR2, dest << 24);
    apic_write(APIC_ICR, low);
    apic_wait_icr_idle();
    local_irq_restore(flags);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
    apic_icr(dest, vector);
}

void apic_send_nmi(uint32_t dest)
{
    apic_icr(dest, 4u << 8);
}

void apic_send_init(uint32_t dest)
{
    apic_icr(dest, (5u << 8) | (1u << 14)); /* INIT, assert */
}

void apic_send_sipi(uint32_t dest, uint8_t page)
{
    apic_icr(dest, (6u << 8) | page);
}

void apic_timer_oneshot(uint32_t ticks)
{
    apic_write(APIC_LVTT, TIMER_VECTOR | (ticks ? 0 : (1u << 16)));
    apic_write(APIC_TMICT, ticks);
}

uint32_t apic_timer_current(void)
{
    return apic_read(APIC_TMCCT);
}
