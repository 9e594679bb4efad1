/**
 * @file
 * HPET and IO-APIC of an HVM domain deliver a timer interrupt.  The guest
 * probes the HPET at 0xfed00000 (capabilities: vendor, a period of at most
 * 100 ns as the HPET spec requires, at least three timers, the legacy
 * route) and the IO-APIC at 0xfec00000 (version 0x1x, at least 24 pins, a
 * redirection entry reads back), then routes HPET timer 2 to a pin its
 * capability allows and programs that pin for a vector to its own APIC:
 * a one-shot comparator a millisecond ahead interrupts once; a masked pin
 * delivers nothing; timer 0 periodic (32-bit mode, programmed as Linux
 * does) delivers repeatedly; a level-triggered
 * timer sets its status bit and the pin's Remote IRR, which the vLAPIC EOI
 * clears once the guest cleared the status.  Needs type=hvm.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor lapic
 * @domain type=hvm
 */
#include <xtf.h>

const char test_title[] = "HPET and IO-APIC timer interrupt";

#define HPET       0xfed00000ul
#define IOAPIC     0xfec00000ul
#define VEC_ONE    0x2a
#define VEC_PER    0x2b
#define VEC_LVL    0x2c
#define APIC_EOI_R 0x0b0

static volatile unsigned int hits_one, hits_per, hits_lvl;
static volatile uint64_t lvl_status;

static uint64_t hpet_read(unsigned int reg)
{
    volatile uint32_t *p = (volatile uint32_t *)(HPET + reg);

    return p[0] | ((uint64_t)p[1] << 32);
}

static void hpet_write(unsigned int reg, uint64_t val)
{
    volatile uint32_t *p = (volatile uint32_t *)(HPET + reg);

    p[0] = (uint32_t)val;
    p[1] = (uint32_t)(val >> 32);
}

static uint32_t ioapic_read(unsigned int reg)
{
    *(volatile uint32_t *)IOAPIC = reg;
    return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static void ioapic_write(unsigned int reg, uint32_t val)
{
    *(volatile uint32_t *)IOAPIC = reg;
    *(volatile uint32_t *)(IOAPIC + 0x10) = val;
}

static void route(unsigned int pin, uint8_t vec, bool level, bool masked, uint32_t apic_id)
{
    ioapic_write(0x11 + 2 * pin, apic_id << 24);
    ioapic_write(0x10 + 2 * pin, vec | (level ? 1u << 15 : 0) | (masked ? 1u << 16 : 0));
}

static void on_one(struct cpu_regs *r)
{
    hits_one++;
    apic_write(APIC_EOI_R, 0);
}

static void on_per(struct cpu_regs *r)
{
    hits_per++;
    apic_write(APIC_EOI_R, 0);
}

static void on_lvl(struct cpu_regs *r)
{
    hits_lvl++;
    lvl_status = hpet_read(0x20);
    hpet_write(0x20, 1u << 1); /* clear timer 1's status: the line drops */
    apic_write(APIC_EOI_R, 0);
}

/* Let interrupts in for `ticks` of HPET time, or until *count reaches
 * want (a loaded host may run the vCPU late, never early). */
static void wait_hpet(uint64_t ticks, volatile unsigned int *count, unsigned int want)
{
    uint64_t end = hpet_read(0xf0) + ticks;

    sti();
    /* Yield between counter reads: other domains of the boot get the pCPU,
     * and this vCPU takes its pending interrupts each time it is back. */
    while ((int64_t)(hpet_read(0xf0) - end) < 0 && (!count || *count < want))
        hypercall_yield();
    cli();
}

void test_main(void)
{
    uint64_t caps, period_fs, per_ms, c1, c2, route_cap;
    uint32_t ver, id;
    unsigned int pin = 0, pin2 = 0, pin3 = 0, n = 0;

    xtf_require_hypervisor();
    if (apic_enable())
        return xtf_failure("Fail: no local APIC\n");
    id = apic_read(0x20) >> 24;
    xtf_set_irq_handler(VEC_ONE, on_one);
    xtf_set_irq_handler(VEC_PER, on_per);
    xtf_set_irq_handler(VEC_LVL, on_lvl);

    caps = hpet_read(0x00);
    period_fs = caps >> 32;
    printk("HPET capabilities %#llx\n", (unsigned long long)caps);
    if (!period_fs || period_fs > 100000000ull)
        return xtf_failure("Fail: HPET period %llu fs (0 or above 100 ns)\n",
                           (unsigned long long)period_fs);
    if (((caps >> 8) & 0x1f) < 2 || !(caps & (1u << 15)) || !(caps & 0xff))
        xtf_failure("Fail: HPET capabilities %#llx: want >= 3 timers, legacy route, a revision\n",
                    (unsigned long long)caps);
    per_ms = 1000000000u / ((uint32_t)period_fs / 1000u); /* ps per ms / ps per tick */

    ver = ioapic_read(1);
    printk("IO-APIC version register %#x\n", ver);
    if ((ver & 0xf0) != 0x10 || ((ver >> 16) & 0xff) < 23)
        return xtf_failure("Fail: IO-APIC version %#x: want 0x1x with >= 24 pins\n", ver);

    /* Counter runs once enabled. */
    hpet_write(0x10, 0);
    hpet_write(0xf0, 0);
    hpet_write(0x10, 1);
    c1 = hpet_read(0xf0);
    wait_hpet(per_ms / 10, NULL, 0);
    c2 = hpet_read(0xf0);
    if (c2 <= c1)
        return xtf_failure("Fail: HPET counter does not run (%llu then %llu)\n",
                           (unsigned long long)c1, (unsigned long long)c2);

    route_cap = hpet_read(0x100 + 0x20 * 2) >> 32;
    for (unsigned int i = 16; i < 32; i++)
        if (route_cap & (1u << i)) {
            if (!pin)
                pin = i;
            else if (!pin2)
                pin2 = i;
            else if (!pin3)
                pin3 = i;
        }
    if (!pin3)
        return xtf_failure("Fail: HPET timer 2 route capability %#llx: want 3 pins >= 16\n",
                           (unsigned long long)route_cap);

    /* Redirection entries read back. */
    route(pin, VEC_ONE, false, true, id);
    if ((ioapic_read(0x10 + 2 * pin) & 0x1ffff) != (VEC_ONE | 1u << 16) ||
        ioapic_read(0x11 + 2 * pin) >> 24 != id)
        xtf_failure("Fail: pin %u entry reads %#x:%#x\n", pin, ioapic_read(0x11 + 2 * pin),
                    ioapic_read(0x10 + 2 * pin));

    /* Timer 2, one-shot, masked pin: nothing. */
    hpet_write(0x108 + 0x20 * 2, hpet_read(0xf0) + per_ms);
    hpet_write(0x100 + 0x20 * 2, (pin << 9) | (1u << 2));
    wait_hpet(3 * per_ms, NULL, 0);
    if (hits_one)
        xtf_failure("Fail: %u interrupts through a masked pin\n", hits_one);

    /* Unmasked: once. (Disabled first, so that a late expiry of the
     * masked round cannot count here.) */
    hpet_write(0x100 + 0x20 * 2, pin << 9);
    route(pin, VEC_ONE, false, false, id);
    hpet_write(0x108 + 0x20 * 2, hpet_read(0xf0) + per_ms);
    hpet_write(0x100 + 0x20 * 2, (pin << 9) | (1u << 2));
    wait_hpet(500 * per_ms, &hits_one, 1);
    wait_hpet(5 * per_ms, NULL, 0); /* and no second one */
    if (hits_one != 1)
        xtf_failure("Fail: one-shot timer 2 on pin %u: %u interrupts, expected 1\n", pin, hits_one);

    /* Timer 0 periodic, 1 ms. */
    route(pin2, VEC_PER, false, false, id);
    /* As Linux programs it: 32-bit mode, VAL_SET, the first comparator
     * write sets the comparator, the second the period. */
    hpet_write(0x100, (pin2 << 9) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 8));
    *(volatile uint32_t *)(HPET + 0x108) = (uint32_t)(hpet_read(0xf0) + 20 * per_ms);
    *(volatile uint32_t *)(HPET + 0x108) = (uint32_t)(2 * per_ms);
    wait_hpet(3000 * per_ms, &hits_per, 3);
    n = hits_per;
    if (n < 3)
        printk("timer 0: config %#llx cmp %#llx counter %#llx, pin %u entry %#x\n",
               (unsigned long long)hpet_read(0x100), (unsigned long long)hpet_read(0x108),
               (unsigned long long)hpet_read(0xf0), pin2, ioapic_read(0x10 + 2 * pin2));
    hpet_write(0x100, 0);
    /* Three prove it re-arms itself (a one-shot gives one). Periods the
     * host could not run in time are dropped, not queued: on a loaded host
     * there are far fewer than the 1500 periods of 3 s. */
    if (n < 3)
        xtf_failure("Fail: periodic timer 0 on pin %u: %u interrupts in 3 s (2 ms period)\n", pin2,
                    n);

    /* Timer 1, level-triggered. */
    route(pin3, VEC_LVL, true, false, id);
    /* Comparator first: a 64-bit comparator found passed fires at once
     * (as in Xen), and the reset value ~0 counts as passed. */
    hpet_write(0x108 + 0x20, hpet_read(0xf0) + per_ms);
    hpet_write(0x100 + 0x20, (pin3 << 9) | (1u << 2) | (1u << 1));
    wait_hpet(500 * per_ms, &hits_lvl, 1);
    wait_hpet(5 * per_ms, NULL, 0);
    if (hits_lvl != 1)
        xtf_failure("Fail: level timer 1 on pin %u: %u interrupts, expected 1\n", pin3, hits_lvl);
    if (!(lvl_status & (1u << 1)))
        xtf_failure("Fail: level timer 1: status %#llx in the handler, bit 1 clear\n",
                    (unsigned long long)lvl_status);
    if (ioapic_read(0x10 + 2 * pin3) & (1u << 14))
        xtf_failure("Fail: Remote IRR of pin %u still set after EOI\n", pin3);
    if (hpet_read(0x20) & (1u << 1))
        xtf_failure("Fail: HPET status bit 1 still set after write-1-to-clear\n");

    printk("one-shot %u, periodic %u, level %u interrupts\n", hits_one, n, hits_lvl);
    xtf_success(NULL);
}
