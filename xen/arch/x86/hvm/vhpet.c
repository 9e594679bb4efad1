/* The virtual HPET of HVM domains at 0xfed00000 (IA-PC HPET 1.0a register
 * model): a 64-bit main counter at 62.5 MHz (16 ns a tick), three
 * comparators, timer 0 periodic-capable, all 64-bit capable with a 32-bit
 * mode, routable to IO-APIC pins 20-23 or, with the legacy replacement
 * route, timer 0 to IRQ 0 and timer 1 to IRQ 8. The capabilities word is
 * the one Xen's vHPET shows (vendor 0x8086, revision 1).
 *
 * Each comparator that can interrupt has a hypervisor timer armed for the
 * moment the counter reaches it; periodic comparators advance by their
 * period. Edge-triggered timers pulse their line; level-triggered ones set
 * their status bit and hold the line high until the guest writes 1 to it.
 * FSB (MSI) delivery is not offered. */
#include <xen/lib.h>
#include <asm/hvm/platform.h>

#define TICK_NS    16
#define PERIOD_FS  (TICK_NS * 1000000ULL)
#define CAPS       (0x8086a201ULL | (PERIOD_FS << 32)) /* 3 timers, 64-bit, legacy route */
#define ROUTE_CAP  (0x00f00000ULL << 32)               /* IO-APIC pins 20-23 */
#define MIN_PERIOD (100000 / TICK_NS)                  /* 100 us */
#define TINY_SPAN  (1000000000ULL / 1024 / TICK_NS)    /* ~1 ms of ticks */

#define CFG_ENABLE (1ULL << 0)
#define CFG_LEGACY (1ULL << 1)

#define TN_LEVEL    (1ULL << 1)
#define TN_ENABLE   (1ULL << 2)
#define TN_PERIODIC (1ULL << 3)
#define TN_PER_CAP  (1ULL << 4)
#define TN_64_CAP   (1ULL << 5)
#define TN_SETVAL   (1ULL << 6)
#define TN_32MODE   (1ULL << 8)
#define TN_ROUTE    (0x1fULL << 9)
#define TN_WRITABLE (TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32MODE | TN_ROUTE)

static uint64_t counter_now(const struct vhpet *h)
{
    if (!(h->config & CFG_ENABLE))
        return h->counter;
    return h->counter + (uint64_t)(NOW() - h->started) / TICK_NS;
}

static bool is32(const struct vhpet_timer *t)
{
    return t->config & TN_32MODE;
}

/* Raise timer n's interrupt. */
static void fire(struct hvm_platform *p, unsigned int n)
{
    struct vhpet *h = &p->hpet;
    struct vhpet_timer *t = &h->t[n];
    unsigned int pin = (t->config & TN_ROUTE) >> 9;

    if (h->config & CFG_LEGACY && n < 2) {
        hvm_isa_irq_pulse(p, n == 0 ? 0 : 8);
        return;
    }
    if (!(ROUTE_CAP & (1ULL << (32 + pin))))
        return; /* a route the capability does not allow goes nowhere */
    if (t->config & TN_LEVEL) {
        h->isr |= 1ULL << n;
        vioapic_set_line(p, pin, true);
    } else {
        vioapic_set_line(p, pin, true);
        vioapic_set_line(p, pin, false);
    }
}

/* How far the counter is past the comparator (0 if not past), in the
 * timer's width. */
static uint64_t behind(const struct vhpet_timer *t, uint64_t now)
{
    if (is32(t)) {
        uint32_t d = (uint32_t)now - (uint32_t)t->cmp;
        return (int32_t)d > 0 ? d : 0;
    }
    return (int64_t)(now - t->cmp) > 0 ? now - t->cmp : 0;
}

/* A periodic timer's period, at least MIN_PERIOD: a guest cannot make
 * the hypervisor take timer interrupts faster than that. */
static uint64_t period_of(const struct vhpet_timer *t)
{
    return t->period < MIN_PERIOD ? MIN_PERIOD : t->period;
}

/* Move a periodic comparator left behind to its next period after now:
 * missed periods are dropped (also when the guest took longer than a
 * period to program it on a busy host), instead of waiting for a wrap. */
static void catch_up(struct vhpet_timer *t, uint64_t now)
{
    uint64_t b = behind(t, now), per = period_of(t);

    if (b)
        t->cmp += (b / per + 1) * per;
    if (is32(t))
        t->cmp = (uint32_t)t->cmp;
}

/* Arm timer n's hypervisor timer for its next match, or stop it. */
static void arm(struct hvm_platform *p, unsigned int n)
{
    struct vhpet *h = &p->hpet;
    struct vhpet_timer *t = &h->t[n];
    uint64_t now = counter_now(h), diff;

    if (!(h->config & CFG_ENABLE) || !(t->config & TN_ENABLE)) {
        stop_timer(&t->timer);
        return;
    }
    /* A comparator already passed fires now, as Xen's vHPET does: always
     * for a 64-bit timer, within TINY_SPAN for a 32-bit one (further back,
     * it waits for the counter to wrap). */
    /* A periodic comparator left behind (the guest took longer than a
     * period to program it on a busy host) catches up by whole periods
     * instead of waiting for the counter to wrap. */
    if ((t->config & TN_PERIODIC) && t->period)
        catch_up(t, now);
    diff = t->cmp - now;
    if (is32(t))
        diff = (uint32_t)diff;
    if ((int64_t)diff < 0 || (is32(t) && (uint32_t)(now - t->cmp) < TINY_SPAN))
        diff = 0;
    /* Fire where vCPU 0 runs (where the interrupts usually go): no IPI,
     * and no wait for another pCPU. */
    if (p->d->vcpus[0] && t->timer.cpu != p->d->vcpus[0]->processor)
        migrate_timer(&t->timer, p->d->vcpus[0]->processor);
    set_timer(&t->timer, NOW() + (s_time_t)(diff * TICK_NS));
}

static void timer_fn(void *data)
{
    struct vhpet_timer *t = data;
    struct hvm_platform *p = t->p;
    struct vhpet *h = &p->hpet;
    unsigned long flags;

    flags = spin_lock_irqsave(&p->lock);
    uint64_t now = counter_now(h);
    uint64_t left = is32(t) ? (uint32_t)(t->cmp - now) : t->cmp - now;

    if ((h->config & CFG_ENABLE) && (t->config & TN_ENABLE)) {
        if (left && (int64_t)left > 0 && left < (1ULL << 31) &&
            !(is32(t) && (uint32_t)(now - t->cmp) < TINY_SPAN)) {
            arm(p, t->idx); /* early: wait for the match */
        } else {
            fire(p, t->idx);
            if ((t->config & TN_PERIODIC) && t->period) {
                /* Next period after now (delivery took time). */
                t->cmp += period_of(t);
                if (is32(t))
                    t->cmp = (uint32_t)t->cmp;
                catch_up(t, counter_now(h));
                arm(p, t->idx);
            }
        }
    }
    spin_unlock_irqrestore(&p->lock, flags);
}

void vhpet_init(struct hvm_platform *p)
{
    struct vhpet *h = &p->hpet;

    for (unsigned int i = 0; i < VHPET_NR_TIMERS; i++) {
        h->t[i].p = p;
        h->t[i].idx = i;
        h->t[i].cmp = ~0ULL;
        init_timer(&h->t[i].timer, timer_fn, &h->t[i], 0);
    }
}

void vhpet_destroy(struct hvm_platform *p)
{
    for (unsigned int i = 0; i < VHPET_NR_TIMERS; i++)
        kill_timer(&p->hpet.t[i].timer); /* waits for a running handler */
}

static uint64_t reg_read(struct vhpet *h, unsigned int reg)
{
    switch (reg) {
    case 0x000:
        return CAPS;
    case 0x010:
        return h->config;
    case 0x020:
        return h->isr;
    case 0x0f0:
        return counter_now(h);
    }
    if (reg >= 0x100 && reg < 0x100 + 0x20 * VHPET_NR_TIMERS) {
        const struct vhpet_timer *t = &h->t[(reg - 0x100) / 0x20];

        switch (reg & 0x1f) {
        case 0x00:
            return (t->config & ~TN_SETVAL) | ROUTE_CAP | TN_64_CAP |
                   (t == &h->t[0] ? TN_PER_CAP : 0);
        case 0x08:
            return is32(t) ? (uint32_t)t->cmp : t->cmp;
        case 0x10:
            return 0; /* FSB route: not offered */
        }
    }
    return 0;
}

static void reg_write(struct hvm_platform *p, unsigned int reg, uint64_t val, uint64_t mask)
{
    struct vhpet *h = &p->hpet;
    uint64_t old = reg_read(h, reg);

    val = (old & ~mask) | (val & mask);
    switch (reg) {
    case 0x010: {
        uint64_t was = h->config;

        if ((val ^ was) & CFG_ENABLE) {
            h->counter = counter_now(h); /* freeze or restart from here */
            h->started = NOW();
        }
        h->config = val & (CFG_ENABLE | CFG_LEGACY);
        for (unsigned int i = 0; i < VHPET_NR_TIMERS; i++)
            arm(p, i);
        return;
    }
    case 0x020: /* write 1 to clear a level timer's status */
        for (unsigned int i = 0; i < VHPET_NR_TIMERS; i++)
            if ((val & mask & (1ULL << i)) && (h->isr & (1ULL << i))) {
                h->isr &= ~(1ULL << i);
                vioapic_set_line(p, (h->t[i].config & TN_ROUTE) >> 9, false);
            }
        return;
    case 0x0f0:
        h->counter = val;
        h->started = NOW();
        for (unsigned int i = 0; i < VHPET_NR_TIMERS; i++)
            arm(p, i);
        return;
    }
    if (reg >= 0x100 && reg < 0x100 + 0x20 * VHPET_NR_TIMERS) {
        unsigned int n = (reg - 0x100) / 0x20;
        struct vhpet_timer *t = &h->t[n];

        switch (reg & 0x1f) {
        case 0x00:
            if (!(mask & 0xffffffffULL))
                return; /* the high half (route capability) is read-only */
            t->config = val & TN_WRITABLE;
            if (n != 0)
                t->config &= ~TN_PERIODIC; /* only timer 0 can be periodic */
            if (!(t->config & TN_LEVEL) && (h->isr & (1ULL << n))) {
                h->isr &= ~(1ULL << n);
                vioapic_set_line(p, (t->config & TN_ROUTE) >> 9, false);
            }
            if (is32(t))
                t->cmp = (uint32_t)t->cmp;
            break;
        case 0x08:
            if (is32(t))
                val = (uint32_t)val;
            /* Periodic: a write sets the period; with VAL_SET (cleared by
             * the write) it also sets the comparator. */
            if (!(t->config & TN_PERIODIC) || (t->config & TN_SETVAL))
                t->cmp = val;
            if (t->config & TN_PERIODIC)
                t->period = val;
            t->config &= ~TN_SETVAL;
            break;
        default:
            return;
        }
        arm(p, n);
    }
}

int vhpet_mmio(struct hvm_platform *p, uint64_t off, unsigned int bytes, bool write, uint64_t *val)
{
    unsigned int reg = off & ~7u, shift = (off & 4) * 8;
    uint64_t mask;

    if (!(bytes == 8 && !(off & 7)) && !(bytes == 4 && !(off & 3))) {
        if (!write)
            *val = 0;
        return 0; /* only aligned 32- and 64-bit accesses reach registers */
    }
    mask = bytes == 8 ? ~0ULL : 0xffffffffULL << shift;
    if (write)
        reg_write(p, reg, *val << shift, mask);
    else
        *val = (reg_read(&p->hpet, reg) & mask) >> shift;
    return 0;
}
