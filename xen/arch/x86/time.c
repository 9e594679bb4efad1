/* Time: the TSC is the clock (NOW() in ns since boot), calibrated against
 * the PIT at boot together with the local APIC timer, which drives per-CPU
 * one-shot software timers. */
#include <xen/lib.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>

#define PIT_HZ 1193182ULL

static uint64_t tsc_at_boot, tsc_hz, apic_hz;
static uint64_t ns_mult;  /* ns = (tsc delta * ns_mult) >> 32 */
static uint64_t apic_khz; /* APIC timer frequency in kHz */
static spinlock_t timer_locks[NR_CPUS];

s_time_t NOW(void)
{
    uint64_t d = rdtsc() - tsc_at_boot;

    if (!ns_mult)
        return 0;
    return (s_time_t)(((unsigned __int128)d * ns_mult) >> 32);
}

uint64_t tsc_khz(void)
{
    return tsc_hz / 1000;
}

void udelay(unsigned long us)
{
    uint64_t start = rdtsc(), ticks = tsc_hz ? tsc_hz / 1000000 * us : us * 3000;

    while (rdtsc() - start < ticks)
        cpu_relax();
}

void mdelay(unsigned long ms)
{
    while (ms--)
        udelay(1000);
}

/*
 * Calibration. The PIT's channel 2 counts down at a known rate; each window
 * reads its count (latched) next to the TSC and the APIC timer at both ends,
 * so the elapsed PIT ticks are measured, not waited for: a vCPU whose host
 * steals the CPU while the window runs only makes the window longer. A read
 * is trusted only if the two TSC reads around it are close (no steal inside
 * it). Windows are repeated until CALIBRATE_GOOD of them agree; a window
 * whose reads were disturbed, or which the PIT wrapped, is thrown away.
 * Never a panic: if nothing plausible comes out, CPUID's nominal frequency
 * or a fixed guess is used, with a warning.
 */
#define CALIBRATE_TICKS   11932 /* PIT ticks per window: 10 ms */
#define CALIBRATE_GOOD    3     /* agreeing windows wanted */
#define CALIBRATE_WINDOWS 40    /* at most this many windows */
#define CALIBRATE_READS   4     /* reads per window end, the best kept */

struct calib_read {
    uint64_t tsc;    /* the middle of the two TSC reads around it */
    uint64_t spread; /* TSC ticks between those reads */
    uint32_t apic;
    uint16_t pit;
};

static uint16_t pit_ch2_count(void)
{
    uint8_t lo, hi;

    outb(0x43, 0x80); /* latch channel 2 */
    lo = inb(0x42);
    hi = inb(0x42);
    return lo | (uint16_t)hi << 8;
}

/* The read with the narrowest TSC bracket of a few. */
static void calib_read(struct calib_read *best)
{
    best->spread = ~0ULL;
    for (unsigned int i = 0; i < CALIBRATE_READS; i++) {
        struct calib_read r;
        uint64_t t0 = rdtsc(), t1;

        r.pit = pit_ch2_count();
        r.apic = apic_timer_current();
        t1 = rdtsc();
        r.tsc = t0 + (t1 - t0) / 2;
        r.spread = t1 - t0;
        if (r.spread < best->spread)
            *best = r;
    }
}

/* One window; false if it cannot be trusted (disturbed reads, PIT wrap). */
static bool calibrate_window(uint64_t *tsc_hz_out, uint64_t *apic_hz_out)
{
    struct calib_read a, b;
    uint64_t dtsc;
    uint32_t dpit;

    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(0x43, 0xb0);                       /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    apic_timer_oneshot(0xffffffff);
    calib_read(&a);
    while ((uint16_t)(a.pit - pit_ch2_count()) < CALIBRATE_TICKS && !(inb(0x61) & 0x20))
        cpu_relax();
    calib_read(&b);
    /* OUT high: the count passed 0 and wrapped, the elapsed ticks are lost. */
    if (inb(0x61) & 0x20)
        return false;
    apic_timer_oneshot(0);
    dpit = (uint16_t)(a.pit - b.pit);
    dtsc = b.tsc - a.tsc;
    /* Each end's uncertainty must stay under 0.1% of the window. */
    if (dpit < CALIBRATE_TICKS || (a.spread + b.spread) * 1000 > dtsc)
        return false;
    *tsc_hz_out = dtsc * PIT_HZ / dpit;
    *apic_hz_out = (uint64_t)(a.apic - b.apic) * PIT_HZ / dpit;
    return true;
}

static bool plausible(uint64_t tsc, uint64_t apic)
{
    return tsc >= 10000000ULL && tsc <= 100000000000ULL && apic >= 1000000ULL &&
           apic <= 100000000000ULL;
}

/* When no window can be trusted: CPUID leaf 0x16's base frequency, else a
 * guess; the APIC timer keeps its measured ratio to the TSC if it has one. */
static void calibrate_fallback(uint64_t tsc, uint64_t apic)
{
    uint32_t max, mhz, b, c, d;

    cpuid(0, &max, &b, &c, &d);
    mhz = 0;
    if (max >= 0x16)
        cpuid(0x16, &mhz, &b, &c, &d);
    tsc_hz = mhz ? (uint64_t)mhz * 1000000 : 1000000000ULL;
    apic_hz = plausible(tsc, apic) ? apic * (tsc_hz / 1000) / (tsc / 1000) : tsc_hz / 2;
    printk(XENLOG_WARNING "time: calibration against the PIT failed (last window TSC %lu Hz, "
                          "APIC timer %lu Hz); assuming TSC %lu Hz (%s), APIC timer %lu Hz\n",
           (unsigned long)tsc, (unsigned long)apic, (unsigned long)tsc_hz,
           mhz ? "CPUID leaf 0x16" : "a guess", (unsigned long)apic_hz);
}

void time_init(void)
{
    uint64_t good_tsc[CALIBRATE_GOOD], good_apic[CALIBRATE_GOOD], tsc = 0, apic = 0;
    unsigned int ngood = 0, windows = 0, rejected = 0;
    const char *how = "calibrated against the PIT";

    tsc_at_boot = rdtsc();
    while (windows < CALIBRATE_WINDOWS) {
        windows++;
        if (!calibrate_window(&tsc, &apic) || !plausible(tsc, apic)) {
            rejected++;
            continue;
        }
        /* Keep windows that agree (within 0.5%) with the first kept one;
         * one that disagrees starts the set again. */
        if (ngood &&
            (tsc > good_tsc[0] + good_tsc[0] / 200 || tsc + good_tsc[0] / 200 < good_tsc[0])) {
            rejected++;
            ngood = 0;
        }
        good_tsc[ngood] = tsc;
        good_apic[ngood] = apic;
        if (++ngood == CALIBRATE_GOOD)
            break;
    }
    if (ngood == CALIBRATE_GOOD) {
        /* The median of the agreeing windows. */
        unsigned int m = 0;

        for (unsigned int i = 0; i < CALIBRATE_GOOD; i++) {
            unsigned int below = 0;

            for (unsigned int j = 0; j < CALIBRATE_GOOD; j++)
                below += good_tsc[j] < good_tsc[i];
            if (below == CALIBRATE_GOOD / 2)
                m = i;
        }
        tsc_hz = good_tsc[m];
        apic_hz = good_apic[m];
    } else {
        calibrate_fallback(tsc, apic);
        how = "assumed";
    }
    apic_timer_oneshot(0);
    ns_mult = (1000000000ULL << 32) / tsc_hz;
    apic_khz = apic_hz / 1000;
    printk("time: TSC %lu.%03lu MHz, APIC timer %lu.%03lu MHz (%s: %u windows, %u rejected)\n",
           (unsigned long)(tsc_hz / 1000000), (unsigned long)(tsc_hz / 1000 % 1000),
           (unsigned long)(apic_hz / 1000000), (unsigned long)(apic_hz / 1000 % 1000), how, windows,
           rejected);
}

/* --- software timers --- */

static void program_apic(struct cpu_info *ci)
{
    s_time_t now, delta;
    uint64_t ticks;

    if (!ci->timers) {
        ci->timer_deadline = 0;
        apic_timer_oneshot(0);
        return;
    }
    ci->timer_deadline = ci->timers->expires;
    now = NOW();
    delta = ci->timer_deadline - now;
    if (delta < 1000)
        delta = 1000;
    if (delta > SECONDS(10))
        delta = SECONDS(10); /* reprogrammed when it fires early */
    ticks = (uint64_t)delta * apic_khz / 1000000;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffULL)
        ticks = 0xffffffffULL;
    apic_timer_oneshot((uint32_t)ticks);
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    *t = (struct timer){.fn = fn, .data = data, .cpu = cpu, .on_cpu = cpu};
}

static void timer_unlink(struct cpu_info *ci, struct timer *t)
{
    for (struct timer **pp = &ci->timers; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->active = false;
}

/* Take t off the list it is on, whichever CPU's that is: a user may have
 * changed t->cpu since it was set (a vCPU's timer follows the vCPU). */
void stop_timer(struct timer *t)
{
    for (;;) {
        unsigned int c = __atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE);
        unsigned long flags = spin_lock_irqsave(&timer_locks[c]);

        if (t->on_cpu != c) { /* moved meanwhile: try again */
            spin_unlock_irqrestore(&timer_locks[c], flags);
            continue;
        }
        if (t->active)
            timer_unlink(per_cpu(c), t);
        spin_unlock_irqrestore(&timer_locks[c], flags);
        return;
    }
}

void set_timer(struct timer *t, s_time_t expires)
{
    unsigned int cpu = t->cpu;
    struct cpu_info *ci = per_cpu(cpu);
    unsigned long flags;
    struct timer **pp;

    for (;;) {
        stop_timer(t);
        flags = spin_lock_irqsave(&timer_locks[cpu]);
        if (!t->active)
            break;
        if (t->on_cpu == cpu) { /* set again here meanwhile */
            timer_unlink(ci, t);
            break;
        }
        spin_unlock_irqrestore(&timer_locks[cpu], flags); /* ... or elsewhere: again */
    }
    t->expires = expires;
    for (pp = &ci->timers; *pp && (*pp)->expires <= expires; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    t->on_cpu = cpu;
    t->active = true;
    if (cpu == smp_processor_id()) {
        if (ci->timers == t)
            program_apic(ci);
    } else if (ci->timers == t)
        apic_send_ipi(ci->apic_id, EVENT_CHECK_VECTOR); /* it reprograms on the IPI */
    spin_unlock_irqrestore(&timer_locks[cpu], flags);
}

/* Run expired timers of this CPU and reprogram the APIC timer. */
void timer_interrupt(void)
{
    unsigned int cpu = smp_processor_id();
    struct cpu_info *ci = per_cpu(cpu);
    unsigned long flags = spin_lock_irqsave(&timer_locks[cpu]);

    while (ci->timers && ci->timers->expires <= NOW()) {
        struct timer *t = ci->timers;

        ci->timers = t->next;
        t->active = false;
        spin_unlock_irqrestore(&timer_locks[cpu], flags);
        t->fn(t->data);
        flags = spin_lock_irqsave(&timer_locks[cpu]);
    }
    program_apic(ci);
    spin_unlock_irqrestore(&timer_locks[cpu], flags);
}

static void timer_vector(struct cpu_user_regs *regs)
{
    apic_eoi();
    timer_interrupt();
}

static void event_check_vector(struct cpu_user_regs *regs)
{
    apic_eoi();
    timer_interrupt();
}

void timers_init(void)
{
    set_irq_handler(TIMER_VECTOR, timer_vector);
    set_irq_handler(EVENT_CHECK_VECTOR, event_check_vector);
}

void dump_timers(void)
{
    s_time_t now = NOW();

    printk("Timers (now %lld ns):\n", (long long)now);
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
        struct cpu_info *ci = per_cpu(cpu);
        unsigned long flags;

        if (!ci->online)
            continue;
        flags = spin_lock_irqsave(&timer_locks[cpu]);
        printk(" CPU%u: deadline %lld, %lu interrupts\n", cpu, (long long)ci->timer_deadline,
               (unsigned long)ci->irq_count);
        for (struct timer *t = ci->timers; t; t = t->next)
            printk("   expires in %lld ns: %pS(%p)\n", (long long)(t->expires - now), (void *)t->fn,
                   t->data);
        spin_unlock_irqrestore(&timer_locks[cpu], flags);
    }
}
