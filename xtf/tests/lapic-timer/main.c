/**
 * @file
 * Local APIC timer: proves that the current count falls from the initial
 * count at a rate set by the divide configuration, that a masked one-shot
 * runs to zero without an interrupt, that an unmasked one-shot interrupts
 * exactly once and not early, that a periodic timer interrupts once per
 * period at most (never early, keeps going; periods missed while the host
 * held the vCPU off are dropped, Xen's timer_mode no_missed_ticks_pending,
 * so no count is judged against wall-clock time alone) and stops when the
 * initial count is cleared (and an expired one-shot does not restart when switched to
 * periodic), that masking a periodic timer suppresses its interrupts, and
 * that TSC-deadline mode (when CPUID offers it) fires once at the deadline,
 * at once for a past deadline (taken before the instruction after the
 * write), never after disarming, and ignores the initial-count register.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor lapic
 */
#include <xtf.h>
#include <xtf/lapic.h>

const char test_title[] = "Local APIC timer modes";

#define VEC    0x58
#define BUDGET (1ull << 32) /* TSC ticks to wait for an interrupt */

static volatile unsigned int ticks;
static volatile uint64_t tick_tsc[8];

void lapic_hi_irq(unsigned int vec)
{
    if (vec == VEC) {
        if (ticks < 8)
            tick_tsc[ticks] = rdtsc();
        ticks++;
    }
    apic_write(APIC_EOI, 0);
}

/* APIC timer counts (divide by 1) per 2^20 TSC ticks, and TSC ticks per
 * count in 1/256ths (32-bit arithmetic only: no 64-bit division in 32-bit
 * environments). */
static uint32_t counts_per_mtsc, tsc_per_count_256;

static uint32_t measure_fall(uint32_t tdcr)
{
    uint32_t c1, c2;

    apic_write(APIC_TDCR, tdcr);
    apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC);
    apic_write(APIC_TMICT, 0xffffffff);
    c1 = apic_read(APIC_TMCCT);
    lapic_spin_tsc(1u << 20);
    c2 = apic_read(APIC_TMCCT);
    apic_write(APIC_TMICT, 0);
    if (!(c2 < c1 && c1 <= 0xffffffffu))
        xtf_failure("Fail: TDCR %#x: count did not fall (%#x then %#x)\n", tdcr, c1, c2);
    return c1 - c2;
}

/* TSC ticks that `counts` timer counts (divide by 1) take. */
static uint64_t counts_to_tsc(uint64_t counts)
{
    return (counts * tsc_per_count_256) >> 8;
}

/* The least of several measurements: a busy host only ever adds time. */
static uint32_t min_fall(uint32_t tdcr)
{
    uint32_t best = ~0u, d;

    for (unsigned int i = 0; i < 5; i++) {
        d = measure_fall(tdcr);
        if (d < best)
            best = d;
    }
    return best;
}

static void test_rate_and_divide(void)
{
    uint32_t d1 = min_fall(0xb), d16 = min_fall(0x3);

    counts_per_mtsc = d1;
    if (d1)
        tsc_per_count_256 = (1u << 28) / d1;
    printk("Timer: %u counts per 2^20 TSC ticks at divide 1, %u at divide 16\n", d1, d16);
    if (d1 < 1000)
        return xtf_failure("Fail: timer barely moves (%u counts per 2^20 TSC)\n", d1);
    if (d16 * 8 > d1 || d16 * 32 < d1)
        xtf_failure("Fail: divide 16 gives %u counts where divide 1 gives %u\n", d16, d1);
    if (apic_read(APIC_TDCR) != 0x3)
        xtf_failure("Fail: TDCR reads %#x after writing 0x3\n", apic_read(APIC_TDCR));
    apic_write(APIC_TDCR, 0xb);
}

static void test_oneshot(void)
{
    uint32_t n = counts_per_mtsc / 4; /* about 2^18 TSC ticks */
    uint64_t t0;

    /* Masked: runs down to zero and stays there, no interrupt. */
    ticks = 0;
    apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC);
    apic_write(APIC_TMICT, n);
    if (apic_read(APIC_TMICT) != n)
        xtf_failure("Fail: TMICT reads %#x after writing %#x\n", apic_read(APIC_TMICT), n);
    lapic_spin_tsc(counts_to_tsc(n) * 4);
    if (apic_read(APIC_TMCCT) != 0)
        xtf_failure("Fail: masked one-shot count %#x after expiry\n", apic_read(APIC_TMCCT));
    if (ticks || lapic_vec_set(APIC_IRR, VEC))
        xtf_failure("Fail: masked one-shot raised its vector\n");

    /* Unmasked: exactly one interrupt, not before the count runs out. */
    ticks = 0;
    apic_write(APIC_LVTT, VEC);
    t0 = rdtsc();
    apic_write(APIC_TMICT, n);
    if (!lapic_wait_count(&ticks, 1, BUDGET))
        return xtf_failure("Fail: no one-shot timer interrupt\n");
    if (tick_tsc[0] - t0 < counts_to_tsc(n) * 3 / 4)
        xtf_failure("Fail: one-shot fired after %llu TSC ticks, expected about %llu\n",
                    (unsigned long long)(tick_tsc[0] - t0), (unsigned long long)counts_to_tsc(n));
    lapic_spin_tsc(counts_to_tsc(n) * 8);
    if (ticks != 1)
        xtf_failure("Fail: one-shot timer fired %u times\n", ticks);
    if (apic_read(APIC_TMCCT) != 0)
        xtf_failure("Fail: one-shot count %#x after expiry\n", apic_read(APIC_TMCCT));

    /* Rewriting the initial count restarts it. */
    apic_write(APIC_TMICT, n);
    if (!lapic_wait_count(&ticks, 2, BUDGET))
        xtf_failure("Fail: reloaded one-shot: %u interrupts\n", ticks);
}

/* Whole periods of p TSC ticks in d (no 64-bit division in 32-bit
 * environments). */
static unsigned int periods_in(uint64_t d, uint64_t p)
{
    unsigned int k = 0;

    for (; d >= p; d -= p)
        k++;
    return k;
}

static void test_periodic(void)
{
    uint32_t n = counts_per_mtsc; /* about 2^20 TSC ticks, well above 100 us */
    uint64_t p = counts_to_tsc(n), t0;
    unsigned int before, after, got;
    uint32_t c;

    /* An expired one-shot count stays at zero when switched to periodic. */
    ticks = 0;
    apic_write(APIC_LVTT, APIC_TIMER_PERIODIC | VEC);
    lapic_spin_tsc(2 * p);
    if (ticks || apic_read(APIC_TMCCT))
        xtf_failure("Fail: expired count restarted by the switch to periodic (%u irqs)\n", ticks);

    ticks = 0;
    t0 = rdtsc();
    apic_write(APIC_TMICT, n);
    c = apic_read(APIC_TMCCT);
    if (!c || c > n)
        xtf_failure("Fail: periodic count %#x out of (0, %#x]\n", c, n);
    if (!lapic_wait_count(&ticks, 6, BUDGET))
        return xtf_failure("Fail: periodic timer gave %u interrupts, expected 6\n", ticks);
    /* Six periods cannot pass in less than about five. (Late is fine: the
     * host may hold the vCPU off; missed periods are dropped, never bunched.) */
    if (tick_tsc[5] - t0 < 5 * p) {
        xtf_failure("Fail: 6 periodic interrupts after %llu TSC ticks, period %llu:",
                    (unsigned long long)(tick_tsc[5] - t0), (unsigned long long)p);
        for (unsigned int i = 0; i < 6; i++)
            printk(" %llu", (unsigned long long)(tick_tsc[i] - t0));
        printk("\n");
    }
    c = apic_read(APIC_TMCCT);
    if (!c || c > n)
        xtf_failure("Fail: periodic count %#x out of (0, %#x] while running\n", c, n);

    /* Never more than one interrupt per period since the start, and the
     * timer keeps going through ten periods of pure spinning. (Fewer is
     * fine: periods missed while the host held the vCPU off are dropped,
     * Xen's timer_mode no_missed_ticks_pending.) */
    before = ticks;
    lapic_spin_tsc(10 * p);
    if (!lapic_wait_count(&ticks, before + 1, 2 * p))
        xtf_failure("Fail: periodic timer stopped after %u interrupts\n", before);
    got = ticks;
    after = periods_in(rdtsc() - t0, p); /* read after got: the host may hold us off */
    if (got > after + 1)
        xtf_failure("Fail: %u periodic interrupts in %u periods\n", got, after);
    printk("Periodic: %u interrupts in %u periods\n", got, after);

    /* Masked: the count runs on, no interrupts; unmasked: they resume. */
    apic_write(APIC_LVTT, APIC_LVT_MASKED | APIC_TIMER_PERIODIC | VEC);
    lapic_spin_tsc(p / 2);
    ticks = 0;
    lapic_spin_tsc(4 * p);
    if (ticks)
        xtf_failure("Fail: %u interrupts from a masked periodic timer\n", ticks);
    if (!apic_read(APIC_TMCCT))
        xtf_failure("Fail: masked periodic timer stopped counting\n");
    apic_write(APIC_LVTT, APIC_TIMER_PERIODIC | VEC);
    if (!lapic_wait_count(&ticks, 2, BUDGET))
        xtf_failure("Fail: unmasked periodic timer did not resume\n");

    /* A zero initial count stops it. */
    apic_write(APIC_TMICT, 0);
    lapic_spin_tsc(p / 2);
    ticks = 0;
    lapic_spin_tsc(4 * p);
    if (ticks || apic_read(APIC_TMCCT))
        xtf_failure("Fail: stopped periodic timer: %u interrupts, count %#x\n", ticks,
                    apic_read(APIC_TMCCT));
    apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC);
}

static void test_deadline(void)
{
    uint64_t val, t0, d = 1u << 20, far = 1ull << 27;

    if (!lapic_deadline_offered()) {
        if (rdmsr_safe(MSR_TSC_DEADLINE, &val) != EXINFO_SYM(GP, 0))
            xtf_failure("Fail: TSC deadline MSR accessible though CPUID hides it\n");
        printk("TSC-deadline mode not offered\n");
        return;
    }
    /* Outside deadline mode the MSR reads 0 and ignores writes. */
    apic_write(APIC_LVTT, VEC);
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + d);
    if (rdmsr(MSR_TSC_DEADLINE))
        xtf_failure("Fail: deadline MSR kept a value in one-shot mode\n");

    ticks = 0;
    apic_write(APIC_LVTT, APIC_TIMER_DEADLINE | VEC);
    if ((apic_read(APIC_LVTT) & (3u << 17)) != APIC_TIMER_DEADLINE)
        return xtf_failure("Fail: LVTT %#x, deadline mode not taken\n", apic_read(APIC_LVTT));
    apic_write(APIC_TMICT, 1000);
    if (apic_read(APIC_TMICT) || apic_read(APIC_TMCCT))
        xtf_failure("Fail: TMICT/TMCCT not zero in deadline mode\n");
    lapic_spin_tsc(counts_to_tsc(4000));
    if (ticks)
        xtf_failure("Fail: TMICT write armed the timer in deadline mode\n");

    /* A future deadline: one interrupt, not early; the MSR then reads 0. */
    t0 = rdtsc();
    wrmsr(MSR_TSC_DEADLINE, t0 + d);
    val = rdmsr(MSR_TSC_DEADLINE);
    if (val != t0 + d && !(val == 0 && ticks)) /* 0 once it fired */
        xtf_failure("Fail: deadline MSR reads %#llx, wrote %#llx\n", (unsigned long long)val,
                    (unsigned long long)(t0 + d));
    if (!lapic_wait_count(&ticks, 1, BUDGET))
        return xtf_failure("Fail: no TSC-deadline interrupt\n");
    if (tick_tsc[0] < t0 + d)
        xtf_failure("Fail: deadline interrupt %llu TSC ticks early\n",
                    (unsigned long long)(t0 + d - tick_tsc[0]));
    lapic_spin_tsc(4 * d);
    if (ticks != 1)
        xtf_failure("Fail: deadline timer fired %u times\n", ticks);
    if (rdmsr(MSR_TSC_DEADLINE))
        xtf_failure("Fail: deadline MSR not cleared after firing\n");

    /* A past deadline fires at once: the vector is pending when the write
     * completes, so with interrupts on it is taken before the next
     * instruction. Checking right away, not within a TSC budget, keeps a
     * host that holds back the hypervisor's own timer interrupt (as a
     * loaded TCG host does for tens of ms) from deciding the outcome. */
    wrmsr(MSR_TSC_DEADLINE, 1);
    if (ticks != 2) {
        if (lapic_wait_count(&ticks, 2, d * 64))
            xtf_failure("Fail: past deadline fired later, not at once\n");
        else
            xtf_failure("Fail: past deadline did not fire\n");
    }

    /* Writing 0 disarms (a far deadline, so a busy host cannot make it
     * expire between the two writes). */
    ticks = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + far);
    wrmsr(MSR_TSC_DEADLINE, 0);
    lapic_spin_tsc(far + 4 * d);
    if (ticks)
        xtf_failure("Fail: disarmed deadline fired\n");

    /* Leaving deadline mode disarms and clears the deadline. */
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + far);
    apic_write(APIC_LVTT, VEC);
    lapic_spin_tsc(far + 4 * d);
    if (ticks)
        xtf_failure("Fail: deadline fired after leaving deadline mode\n");
    apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC);
}

void test_main(void)
{
    if (!xen_present)
        return xtf_skip("Skip: tests the hypervisor, and none was found\n");
    if (!apic_present())
        return xtf_skip("Skip: no local APIC in CPUID\n");
    if (apic_enable())
        return xtf_error("Error: cannot enable the APIC\n");
    lapic_hi_install();
    sti();

    test_rate_and_divide();
    if (!counts_per_mtsc)
        return;
    test_oneshot();
    test_periodic();
    test_deadline();
    cli();

    xtf_success(NULL);
}
