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

#define PIT_HZ         1193182ULL
#define CALIBRATE_MS   4
#define CALIBRATE_RUNS 3

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

uint64_t time_ns_mult(void)
{
    return ns_mult;
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

/* Count `ms` milliseconds on PIT channel 2 (gate through port 0x61). */
static void pit_wait(unsigned int ms)
{
    uint32_t count = (uint32_t)(PIT_HZ * ms / 1000);

    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(0x43, 0xb0);                       /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    while (!(inb(0x61) & 0x20))
        cpu_relax();
}

/* One calibration window: TSC and APIC timer ticks over `ms` of the PIT. */
static void calibrate_once(unsigned int ms, uint64_t *tsc, uint32_t *apic)
{
    uint64_t t0, t1;
    uint32_t a0, a1;

    apic_timer_oneshot(0xffffffff);
    t0 = rdtsc();
    a0 = apic_timer_current();
    pit_wait(ms);
    t1 = rdtsc();
    a1 = apic_timer_current();
    apic_timer_oneshot(0);
    *tsc = t1 - t0;
    *apic = a0 - a1;
}

void time_init(void)
{
    uint64_t best_tsc = ~0ULL;
    uint32_t best_apic = 0;

    tsc_at_boot = rdtsc();
    /* A virtual CPU can be descheduled by its host between the PIT's end and
     * the reading of the counters, which only ever lengthens a window: the
     * shortest of a few windows is the truest. */
    for (unsigned int i = 0; i < CALIBRATE_RUNS; i++) {
        uint64_t tsc;
        uint32_t apic;

        calibrate_once(CALIBRATE_MS, &tsc, &apic);
        if (tsc < best_tsc) {
            best_tsc = tsc;
            best_apic = apic;
        }
    }
    tsc_hz = best_tsc * 1000 / CALIBRATE_MS;
    apic_hz = (uint64_t)best_apic * 1000 / CALIBRATE_MS;
    if (tsc_hz < 10000000 || apic_hz < 1000000)
        panic("time calibration failed: TSC %lu Hz, APIC timer %lu Hz (is the PIT present?)",
              (unsigned long)tsc_hz, (unsigned long)apic_hz);
    ns_mult = (1000000000ULL << 32) / tsc_hz;
    apic_khz = apic_hz / 1000;
    printk("time: TSC %lu.%03lu MHz, APIC timer %lu.%03lu MHz (calibrated against the PIT)\n",
           (unsigned long)(tsc_hz / 1000000), (unsigned long)(tsc_hz / 1000 % 1000),
           (unsigned long)(apic_hz / 1000000), (unsigned long)(apic_hz / 1000 % 1000));
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
