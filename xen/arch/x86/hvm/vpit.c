/* The virtual 8254 PIT of HVM domains (ports 0x40-0x43, and port 0x61 for
 * channel 2's gate and output, as on a PC). Counters run at 1.193182 MHz
 * computed from the time they were loaded; the control word, counter
 * latch, read-back (count and status), and the lobyte/hibyte/word access
 * modes behave as the 8254 datasheet says, in binary (BCD counting is
 * accepted and shown in the status, but counts in binary). Channel 0
 * raises ISA IRQ 0 at terminal count in modes 0, 2 and 3 (at most every
 * 100 us). */
#include <xen/lib.h>
#include <asm/hvm/platform.h>

#define PIT_HZ     1193182ULL
#define MIN_IRQ_NS 100000

static uint64_t ticks_since(const struct vpit_channel *c, s_time_t now)
{
    return (uint64_t)(now - c->loaded) * PIT_HZ / 1000000000ULL;
}

/* Current count of a channel. */
static uint16_t count_now(const struct vpit_channel *c, s_time_t now)
{
    uint64_t t;

    if (!c->gate && c->mode != 0)
        return (uint16_t)c->count; /* stopped by its gate (channel 2) */
    t = ticks_since(c, now);
    switch (c->mode) {
    case 2:
        return (uint16_t)(c->count - t % c->count);
    case 3: /* counts down by two, twice a period */
        return (uint16_t)((c->count - (2 * t) % c->count) & 0xfffe);
    default: /* 0, 1, 4, 5: one pass, then wraps */
        return (uint16_t)(c->count - t);
    }
}

/* OUT pin of a channel. */
static bool out_now(const struct vpit_channel *c, s_time_t now)
{
    uint64_t t = ticks_since(c, now);

    switch (c->mode) {
    case 0:
        return t >= c->count;
    case 2:
        return t % c->count != c->count - 1;
    case 3:
        return t % c->count < (c->count + 1) / 2;
    default:
        return true;
    }
}

static void arm(struct hvm_platform *p)
{
    struct vpit *pit = &p->pit;
    struct vpit_channel *c = &pit->ch[0];
    s_time_t period = (s_time_t)(c->count * 1000000000ULL / PIT_HZ), now = NOW();

    if (period < MIN_IRQ_NS)
        period = MIN_IRQ_NS;
    switch (c->mode) {
    case 0:
        if (ticks_since(c, now) >= c->count) {
            stop_timer(&pit->timer);
            return;
        }
        pit->next = c->loaded + period;
        break;
    case 2:
    case 3:
        pit->next = c->loaded + ((now - c->loaded) / period + 1) * period;
        break;
    default:
        stop_timer(&pit->timer);
        return;
    }
    if (p->d->vcpus[0] && pit->timer.cpu != p->d->vcpus[0]->processor)
        migrate_timer(&pit->timer, p->d->vcpus[0]->processor); /* as vhpet.c */
    set_timer(&pit->timer, pit->next);
}

static void pit_timer_fn(void *data)
{
    struct hvm_platform *p = data;
    struct vpit_channel *c = &p->pit.ch[0];
    unsigned long flags;

    flags = spin_lock_irqsave(&p->lock);
    hvm_isa_irq_pulse(p, 0);
    if (c->mode == 2 || c->mode == 3)
        arm(p);
    spin_unlock_irqrestore(&p->lock, flags);
}

void vpit_init(struct hvm_platform *p)
{
    for (unsigned int i = 0; i < 3; i++) {
        struct vpit_channel *c = &p->pit.ch[i];

        c->mode = 3;
        c->rw = 3;
        c->count = 65536;
        c->gate = i != 2;
        c->loaded = NOW();
    }
    init_timer(&p->pit.timer, pit_timer_fn, p, 0);
}

void vpit_destroy(struct hvm_platform *p)
{
    kill_timer(&p->pit.timer); /* waits for a running handler */
}

static void load(struct hvm_platform *p, unsigned int n, uint32_t val)
{
    struct vpit_channel *c = &p->pit.ch[n];

    c->count = val ? val : 65536;
    c->loaded = NOW();
    if (n == 0)
        arm(p);
}

static void control(struct hvm_platform *p, uint8_t val)
{
    unsigned int n = val >> 6, access = (val >> 4) & 3;
    s_time_t now = NOW();

    if (n == 3) { /* read-back: bit 5 clear latches counts, bit 4 status */
        for (unsigned int i = 0; i < 3; i++) {
            struct vpit_channel *c = &p->pit.ch[i];

            if (!(val & (2u << i)))
                continue;
            if (!(val & 0x20) && !c->latched) {
                c->latch = count_now(c, now);
                c->latched = true;
                c->read_flip = 0;
            }
            if (!(val & 0x10) && !c->status_latched) {
                c->status = (out_now(c, now) ? 0x80 : 0) | (c->rw << 4) | (c->mode << 1) | c->bcd;
                c->status_latched = true;
            }
        }
        return;
    }
    struct vpit_channel *c = &p->pit.ch[n];

    if (!access) { /* counter latch */
        if (!c->latched) {
            c->latch = count_now(c, now);
            c->latched = true;
            c->read_flip = 0;
        }
        return;
    }
    c->rw = access;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4; /* 6 and 7 are 2 and 3 */
    c->bcd = val & 1;
    c->read_flip = c->write_flip = 0;
    c->latched = c->status_latched = false;
    if (n == 0)
        stop_timer(&p->pit.timer); /* a new mode waits for its count */
}

static uint8_t read_counter(struct vpit_channel *c)
{
    uint16_t v;
    uint8_t b;

    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    v = c->latched ? c->latch : count_now(c, NOW());
    switch (c->rw) {
    case 1:
        c->latched = false;
        return (uint8_t)v;
    case 2:
        c->latched = false;
        return v >> 8;
    default:
        b = c->read_flip ? v >> 8 : (uint8_t)v;
        if (c->read_flip)
            c->latched = false;
        c->read_flip ^= 1;
        return b;
    }
}

static void write_counter(struct hvm_platform *p, unsigned int n, uint8_t val)
{
    struct vpit_channel *c = &p->pit.ch[n];

    switch (c->rw) {
    case 1:
        load(p, n, val);
        break;
    case 2:
        load(p, n, (uint32_t)val << 8);
        break;
    default:
        if (!c->write_flip)
            c->write_lsb = val;
        else
            load(p, n, c->write_lsb | ((uint32_t)val << 8));
        c->write_flip ^= 1;
        break;
    }
}

int vpit_io(struct hvm_platform *p, uint16_t port, bool in, uint32_t *val)
{
    struct vpit *pit = &p->pit;

    if (port == 0x61) {
        struct vpit_channel *c2 = &pit->ch[2];
        s_time_t now = NOW();

        if (in) /* gate, speaker, refresh toggling every 15 us, OUT2 */
            *val =
                (pit->port61 & 3) | ((now / 15000) & 1 ? 0x10 : 0) | (out_now(c2, now) ? 0x20 : 0);
        else {
            bool gate = *val & 1;

            if (gate && !c2->gate)
                c2->loaded = now; /* a rising gate restarts the count */
            c2->gate = gate;
            pit->port61 = *val & 3;
        }
        return 0;
    }
    if (port == 0x43) {
        if (in)
            *val = 0xff; /* the control word is write-only */
        else
            control(p, (uint8_t)*val);
        return 0;
    }
    if (in)
        *val = read_counter(&pit->ch[port - 0x40]);
    else
        write_counter(p, port - 0x40, (uint8_t)*val);
    return 0;
}
