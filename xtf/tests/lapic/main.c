/**
 * @file
 * Local APIC: proves that the APIC can be enabled in xAPIC mode, that its
 * ID register matches CPUID's initial APIC ID, that the version register is
 * sane, that the timer counts down in one-shot mode and delivers its
 * interrupt through the IDT, and that periodic mode reloads the count.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs lapic
 */
#include <xtf.h>

const char test_title[] = "Local APIC";

#define TIMER_VEC 0x28

static volatile unsigned int ticks;

static void timer_irq(struct cpu_regs *regs)
{
    ++ticks;
    apic_write(APIC_EOI, 0);
}

static bool wait_ticks(unsigned int n)
{
    for (unsigned long spin = 0; spin < 200000000ul; ++spin) {
        if (ticks >= n)
            return true;
        cpu_relax();
    }
    return false;
}

void test_main(void)
{
    uint32_t a, b, c, d, id, ver, cur1, cur2;

    if (!apic_present())
        return xtf_skip("Skip: no local APIC in CPUID\n");
    if (apic_enable())
        return xtf_error("Error: cannot enable the APIC\n");

    cpuid(1, &a, &b, &c, &d);
    id = apic_read(APIC_ID) >> 24;
    if (id != b >> 24)
        xtf_failure("Fail: APIC ID %u, CPUID says %u\n", id, b >> 24);
    ver = apic_read(APIC_LVR);
    if ((ver & 0xff) < 0x10 || (ver & 0xff) > 0x15 || ((ver >> 16) & 0xff) < 3)
        xtf_failure("Fail: version register %#x\n", ver);
    printk("APIC id %u version %#x\n", id, ver);

    xtf_set_irq_handler(TIMER_VEC, timer_irq);
    apic_write(APIC_TDCR, 0xb); /* divide by 1 */

    /* One-shot, masked: the count must fall. The largest count (over 4 s
     * at 1 ns a tick) so that it cannot run out while this vCPU waits for
     * a pCPU among the other domains of a busy boot. */
    apic_write(APIC_LVTT, APIC_LVT_MASKED | TIMER_VEC);
    apic_write(APIC_TMICT, 0xffffffff);
    cur1 = apic_read(APIC_TMCCT);
    for (volatile int i = 0; i < 100000; ++i)
        ;
    cur2 = apic_read(APIC_TMCCT);
    if (!(cur2 < cur1 && cur1 != 0))
        xtf_failure("Fail: one-shot count did not fall (%#x then %#x)\n", cur1, cur2);
    apic_write(APIC_TMICT, 0);

    /* One-shot, unmasked: exactly one interrupt. */
    ticks = 0;
    apic_write(APIC_LVTT, TIMER_VEC);
    sti();
    apic_write(APIC_TMICT, 100000);
    if (!wait_ticks(1))
        xtf_failure("Fail: no one-shot timer interrupt\n");
    for (volatile int i = 0; i < 1000000; ++i)
        ;
    if (ticks != 1)
        xtf_failure("Fail: one-shot timer fired %u times\n", ticks);

    /* Periodic: several interrupts. */
    ticks = 0;
    apic_write(APIC_LVTT, APIC_TIMER_PERIODIC | TIMER_VEC);
    apic_write(APIC_TMICT, 200000);
    if (!wait_ticks(3))
        xtf_failure("Fail: periodic timer gave %u interrupts, expected 3\n", ticks);
    apic_write(APIC_TMICT, 0);
    cli();
    apic_write(APIC_LVTT, APIC_LVT_MASKED);

    xtf_success(NULL);
}
