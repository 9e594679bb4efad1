/**
 * @file
 * The 8259 PIC of an HVM domain delivers to vCPU 0 through the local APIC's
 * LINT0 in ExtINT mode (the virtual-wire setup).  With the PIC initialised
 * (master vectors from 0x28), only IRQ 0 unmasked and PIT channel 0 in
 * mode 2, interrupts arrive on vector 0x28; inside the handler OCW3 shows
 * IRQ 0 in service, and a non-specific EOI (OCW2) ends it.  With IRQ 0
 * masked in the PIC, or LINT0 masked in the APIC, none arrive.  Needs
 * type=hvm (the HPET paces the waits).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor lapic
 * @domain type=hvm
 */
#include <xtf.h>

const char test_title[] = "PIC interrupts through ExtINT";

#define VEC_IRQ0 0x28 /* 0x20 is the framework's return-to-kernel vector */
#define LVT0     0x350

static volatile unsigned int irqs, isr_bad;

static void on_irq0(struct cpu_regs *r)
{
    outb(0x0b, 0x20); /* OCW3: read ISR */
    if (!(inb(0x20) & 1))
        isr_bad++;
    outb(0x0a, 0x20); /* back to IRR */
    irqs++;
    outb(0x20, 0x20); /* OCW2: non-specific EOI */
}

/* The HPET's main counter (62.5 MHz here; the period is read) paces the
 * waits: a loop count would take minutes under emulation. */
#define HPET 0xfed00000ul
static uint32_t ticks_per_ms;

static uint32_t hpet_now(void)
{
    return *(volatile uint32_t *)(HPET + 0xf0);
}

/* Let interrupts in until `want` arrived or `ms` passed. */
/* Up to `want` interrupts in `ms` of HPET time and at least `min_yields`
 * yields. A loaded host may keep the vCPU off its pCPU for most of that time,
 * and missed periods are dropped: each yield gives the vCPU another chance
 * to take the one pending tick. */
static unsigned int wait_irqs(unsigned int want, unsigned int ms, unsigned int min_yields)
{
    unsigned int start = irqs, yields = 0;
    uint32_t t0 = hpet_now();

    sti();
    while ((hpet_now() - t0 < ms * ticks_per_ms || yields < min_yields) &&
           (!want || irqs - start < want)) {
        hypercall_yield(); /* see hpet-ioapic */
        yields++;
    }
    cli();
    return irqs - start;
}

void test_main(void)
{
    unsigned int n;

    xtf_require_hypervisor();
    if (apic_enable())
        return xtf_failure("Fail: no local APIC\n");
    xtf_set_irq_handler(VEC_IRQ0, on_irq0);
    ticks_per_ms = 1000000000u / (*(volatile uint32_t *)(HPET + 4) / 1000u);
    *(volatile uint32_t *)(HPET + 0x10) = 1; /* counter on */

    outb(0x11, 0x20); /* ICW1 */
    outb(0x28, 0x21); /* ICW2: master vectors 0x28-0x2f */
    outb(0x04, 0x21); /* ICW3 */
    outb(0x01, 0x21); /* ICW4 */
    outb(0x11, 0xa0);
    outb(0x30, 0xa1);
    outb(0x02, 0xa1);
    outb(0x01, 0xa1);
    outb(0xff, 0xa1);
    outb(0xff, 0x21); /* everything masked for now */

    apic_write(LVT0, 0x700); /* ExtINT, unmasked */
    outb(0x34, 0x43);        /* PIT channel 0, mode 2, 1 ms */
    outb(1193 & 0xff, 0x40);
    outb(1193 >> 8, 0x40);

    n = wait_irqs(3, 300, 0);
    if (n)
        xtf_failure("Fail: %u interrupts with IRQ 0 masked in the PIC\n", n);

    outb(0xfe, 0x21);            /* unmask IRQ 0 */
    n = wait_irqs(5, 3000, 200); /* few on a loaded host: missed periods are dropped */
    if (n < 3)
        xtf_failure("Fail: %u IRQ 0 interrupts through ExtINT in 3 s, want 3\n", n);
    if (isr_bad)
        xtf_failure("Fail: IRQ 0 not in service in its handler %u times\n", isr_bad);

    apic_write(LVT0, 0x700 | (1u << 16)); /* LINT0 masked */
    (void)wait_irqs(1, 50, 0);            /* one may have been on its way */
    n = wait_irqs(0, 300, 0);
    if (n)
        xtf_failure("Fail: %u interrupts with LINT0 masked\n", n);

    outb(0x30, 0x43); /* stop the PIT's IRQs */
    outb(0xff, 0x21);
    printk("%u IRQ 0 interrupts through the PIC\n", irqs);
    xtf_success(NULL);
}
