/* Time: the TSC is the clock (NOW() in ns since boot), calibrated against
 * the PIT at boot together with the local APIC timer, which drives per-CPU
 * one-shot software timers. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/stack.h>
#include <asm/traps.h>

#define PIT_HZ 1193182ULL

static uint64_t tsc_at_boot, tsc_hz, apic_hz;
static uint64_t ns_mult;  /* ns = (tsc delta * ns_mult) >> 32 */
static uint64_t apic_khz; /* APIC timer frequency in kHz */

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

/* --- software timers ---
 *
 * The rules (those of Xen's common/timer.c):
 * - each pCPU has a lock, a min-heap of armed timers ordered by expiry, and
 *   the timer whose handler it is running;
 * - a timer's fields change only under the lock of the pCPU named by its
 *   `cpu` field, and `cpu` itself changes only in migrate_timer() with both
 *   pCPUs' locks held, so whoever holds the lock of t->cpu owns t;
 * - init_timer() is for a timer nobody else can reach (new, or killed);
 * - kill_timer() disarms for good and waits for a running handler to return,
 *   after which the memory may be freed or the timer initialised again.
 * A timer that does not fit in the heap (no memory to grow it) waits on a
 * per-CPU list instead, scanned on every interrupt. */

#define TIMER_HEAP_FIRST 64

struct cpu_timers {
    spinlock_t lock;
    struct timer **heap; /* heap[0] expires first */
    unsigned int nr, limit;
    struct timer *overflow; /* TIMER_in_list timers */
    struct timer *running;  /* whose handler runs now, or NULL */
};

static struct cpu_timers cpu_timers[NR_CPUS];

static bool earlier(const struct timer *a, const struct timer *b)
{
    return a->expires < b->expires;
}

static void heap_put(struct cpu_timers *ct, unsigned int pos, struct timer *t)
{
    ct->heap[pos] = t;
    t->heap_pos = pos;
}

static void heap_up(struct cpu_timers *ct, unsigned int pos)
{
    struct timer *t = ct->heap[pos];

    while (pos > 0 && earlier(t, ct->heap[(pos - 1) / 2])) {
        heap_put(ct, pos, ct->heap[(pos - 1) / 2]);
        pos = (pos - 1) / 2;
    }
    heap_put(ct, pos, t);
}

static void heap_down(struct cpu_timers *ct, unsigned int pos)
{
    struct timer *t = ct->heap[pos];

    for (;;) {
        unsigned int c = 2 * pos + 1;

        if (c >= ct->nr)
            break;
        if (c + 1 < ct->nr && earlier(ct->heap[c + 1], ct->heap[c]))
            c++;
        if (!earlier(ct->heap[c], t))
            break;
        heap_put(ct, pos, ct->heap[c]);
        pos = c;
    }
    heap_put(ct, pos, t);
}

static bool heap_grow(struct cpu_timers *ct)
{
    unsigned int limit = ct->limit ? ct->limit * 2 : TIMER_HEAP_FIRST;
    struct timer **heap = xmalloc_bytes(sizeof(*heap) * limit);

    if (!heap)
        return false;
    for (unsigned int i = 0; i < ct->nr; i++)
        heap[i] = ct->heap[i];
    xfree(ct->heap);
    ct->heap = heap;
    ct->limit = limit;
    return true;
}

size_t timer_heaps_footprint(void)
{
    size_t bytes = 0;

    for (unsigned int c = 0; c < NR_CPUS; c++) {
        unsigned long flags = spin_lock_irqsave(&cpu_timers[c].lock);

        bytes += xmalloc_footprint(cpu_timers[c].heap);
        spin_unlock_irqrestore(&cpu_timers[c].lock, flags);
    }
    return bytes;
}

/* The earliest expiry on this CPU, or 0 when nothing is armed. */
static s_time_t first_expiry(const struct cpu_timers *ct)
{
    s_time_t first = ct->nr ? ct->heap[0]->expires : 0;

    for (const struct timer *t = ct->overflow; t; t = t->list_next)
        if (!first || t->expires < first)
            first = t->expires;
    return first;
}

/* Caller holds ct->lock. Returns whether t became the CPU's first expiry. */
static bool activate(struct cpu_timers *ct, struct timer *t)
{
    if (ct->nr < ct->limit || heap_grow(ct)) {
        t->status = TIMER_in_heap;
        heap_put(ct, ct->nr++, t);
        heap_up(ct, t->heap_pos);
        return t->heap_pos == 0 && first_expiry(ct) == t->expires;
    }
    t->status = TIMER_in_list;
    t->list_next = ct->overflow;
    ct->overflow = t;
    return first_expiry(ct) == t->expires;
}

/* Caller holds ct->lock. */
static void deactivate(struct cpu_timers *ct, struct timer *t)
{
    if (t->status == TIMER_in_heap) {
        unsigned int pos = t->heap_pos;
        struct timer *last = ct->heap[--ct->nr];

        if (pos != ct->nr) {
            heap_put(ct, pos, last);
            heap_up(ct, pos);
            heap_down(ct, last->heap_pos);
        }
    } else if (t->status == TIMER_in_list) {
        for (struct timer **pp = &ct->overflow; *pp; pp = &(*pp)->list_next)
            if (*pp == t) {
                *pp = t->list_next;
                break;
            }
    }
    if (t->status == TIMER_in_heap || t->status == TIMER_in_list)
        t->status = TIMER_inactive;
}

/* Lock the pCPU that owns t. Fails (returns false, nothing locked) for a
 * timer never initialised or killed: arming those does nothing. */
static bool timer_lock(struct timer *t, unsigned long *flags)
{
    for (;;) {
        unsigned int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);

        if (cpu >= NR_CPUS)
            return false;
        *flags = spin_lock_irqsave(&cpu_timers[cpu].lock);
        if (cpu == t->cpu)
            break;
        spin_unlock_irqrestore(&cpu_timers[cpu].lock, *flags); /* migrated meanwhile */
    }
    if (t->status == TIMER_invalid || t->status == TIMER_killed) {
        spin_unlock_irqrestore(&cpu_timers[t->cpu].lock, *flags);
        return false;
    }
    return true;
}

static void timer_unlock(struct timer *t, unsigned long flags)
{
    spin_unlock_irqrestore(&cpu_timers[t->cpu].lock, flags);
}

static void program_apic(struct cpu_timers *ct)
{
    struct cpu_info *ci = this_cpu();
    s_time_t delta, first = first_expiry(ct);
    uint64_t ticks;

    ci->timer_deadline = first;
    if (!first) {
        apic_timer_oneshot(0);
        return;
    }
    delta = first - NOW();
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

/* t's CPU has a new first expiry: have its APIC timer follow. */
static void first_changed(unsigned int cpu)
{
    if (cpu == smp_processor_id())
        program_apic(&cpu_timers[cpu]);
    else
        apic_send_ipi(per_cpu(cpu)->apic_id, EVENT_CHECK_VECTOR); /* it reprograms on the IPI */
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    BUG_ON(cpu >= NR_CPUS);
    BUG_ON(t->status == TIMER_in_heap || t->status == TIMER_in_list);
    *t = (struct timer){.fn = fn, .data = data, .cpu = cpu, .status = TIMER_inactive};
}

void set_timer(struct timer *t, s_time_t expires)
{
    unsigned long flags;

    if (!timer_lock(t, &flags))
        return;
    deactivate(&cpu_timers[t->cpu], t);
    t->expires = expires;
    if (activate(&cpu_timers[t->cpu], t))
        first_changed(t->cpu);
    timer_unlock(t, flags);
}

void stop_timer(struct timer *t)
{
    unsigned long flags;

    if (!timer_lock(t, &flags))
        return;
    deactivate(&cpu_timers[t->cpu], t);
    timer_unlock(t, flags); /* an early APIC interrupt finds nothing and reprograms */
}

bool timer_is_active(struct timer *t)
{
    unsigned long flags;
    bool active;

    if (!timer_lock(t, &flags))
        return false;
    active = t->status == TIMER_in_heap || t->status == TIMER_in_list;
    timer_unlock(t, flags);
    return active;
}

void migrate_timer(struct timer *t, unsigned int new_cpu)
{
    for (;;) {
        unsigned int old_cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        unsigned long flags;
        bool active;

        if (old_cpu >= NR_CPUS || old_cpu == new_cpu || new_cpu >= NR_CPUS)
            return;
        /* Both locks, lower CPU first, so two migrations cannot deadlock. */
        flags = local_irq_save();
        spin_lock(&cpu_timers[old_cpu < new_cpu ? old_cpu : new_cpu].lock);
        spin_lock(&cpu_timers[old_cpu < new_cpu ? new_cpu : old_cpu].lock);
        if (t->cpu != old_cpu || t->status == TIMER_killed || t->status == TIMER_invalid) {
            bool again = t->cpu != old_cpu && t->status != TIMER_killed;

            spin_unlock(&cpu_timers[new_cpu].lock);
            spin_unlock(&cpu_timers[old_cpu].lock);
            local_irq_restore(flags);
            if (again)
                continue;
            return;
        }
        active = t->status == TIMER_in_heap || t->status == TIMER_in_list;
        deactivate(&cpu_timers[old_cpu], t);
        __atomic_store_n(&t->cpu, new_cpu, __ATOMIC_RELEASE);
        if (active && activate(&cpu_timers[new_cpu], t))
            first_changed(new_cpu);
        spin_unlock(&cpu_timers[new_cpu].lock);
        spin_unlock(&cpu_timers[old_cpu].lock);
        local_irq_restore(flags);
        return;
    }
}

void kill_timer(struct timer *t)
{
    unsigned long flags;
    unsigned int me = smp_processor_id();

    if (!timer_lock(t, &flags))
        return;
    deactivate(&cpu_timers[t->cpu], t);
    t->status = TIMER_killed;
    timer_unlock(t, flags);
    /* A handler of t may be running elsewhere: t is its to use until it
     * returns. (On this CPU, the caller is that handler.) */
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
        if (cpu != me)
            while (__atomic_load_n(&cpu_timers[cpu].running, __ATOMIC_ACQUIRE) == t)
                cpu_relax();
}

/* The expired timer that goes first, taken off its heap or list, or NULL. */
static struct timer *take_expired(struct cpu_timers *ct, s_time_t now)
{
    struct timer *t = NULL;

    if (ct->nr && ct->heap[0]->expires <= now)
        t = ct->heap[0];
    for (struct timer *l = ct->overflow; l; l = l->list_next)
        if (l->expires <= now && (!t || l->expires < t->expires))
            t = l;
    if (t)
        deactivate(ct, t);
    return t;
}

/* Run expired timers of this CPU and reprogram the APIC timer. */
void timer_interrupt(void)
{
    struct cpu_timers *ct = &cpu_timers[smp_processor_id()];

    stack_guard_check();
    unsigned long flags = spin_lock_irqsave(&ct->lock);
    struct timer *t;

    while ((t = take_expired(ct, NOW()))) {
        void (*fn)(void *) = t->fn;
        void *data = t->data;

        __atomic_store_n(&ct->running, t, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&ct->lock, flags);
        fn(data);
        flags = spin_lock_irqsave(&ct->lock);
        __atomic_store_n(&ct->running, NULL, __ATOMIC_RELEASE);
    }
    program_apic(ct);
    spin_unlock_irqrestore(&ct->lock, flags);
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

static void dump_timer(const struct timer *t, s_time_t now)
{
    printk("   expires in %lld ns: %pS(%p)\n", (long long)(t->expires - now), (void *)t->fn,
           t->data);
}

void dump_timers(void)
{
    s_time_t now = NOW();

    printk("Timers (now %lld ns):\n", (long long)now);
    for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
        struct cpu_timers *ct = &cpu_timers[cpu];
        struct cpu_info *ci = per_cpu(cpu);
        unsigned long flags;

        if (!ci->online)
            continue;
        flags = spin_lock_irqsave(&ct->lock);
        printk(" CPU%u: deadline %lld, %lu interrupts, %u in the heap (room for %u)%s\n", cpu,
               (long long)ci->timer_deadline, (unsigned long)ci->irq_count, ct->nr, ct->limit,
               ct->overflow ? ", more on the overflow list" : "");
        for (unsigned int i = 0; i < ct->nr; i++)
            dump_timer(ct->heap[i], now);
        for (const struct timer *t = ct->overflow; t; t = t->list_next)
            dump_timer(t, now);
        spin_unlock_irqrestore(&ct->lock, flags);
    }
}
