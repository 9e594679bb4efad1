/* The virtual local APIC of HVM vCPUs.
 *
 * One per vCPU. The guest reaches it through xAPIC MMIO at the APIC base
 * (nested page faults decoded by the instruction emulator end up in
 * vlapic_mmio), the x2APIC MSRs 0x800-0x8ff, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE (vlapic_msr). The HVM layer asks vlapic_pending_irq
 * before each guest entry and reports injection with vlapic_irq_delivered.
 *
 * The APIC timer counts at 1 GHz / divisor and is driven by one hypervisor
 * timer per vCPU, armed only while an interrupt can result: a periodic
 * timer costs one hypervisor timer interrupt per period, the current count
 * is computed from the time of the last load, never by polling.
 *
 * Periods a periodic timer misses (the vCPU did not run, or had the
 * vector still pending) are dropped: at most one interrupt is pending, as
 * in Xen's timer_mode no_missed_ticks_pending. Delivering every missed
 * period (no_delay_for_missed_ticks, a Xen toolstack's default) was tried:
 * under QEMU's TCG a vCPU that gets a fraction of a loaded pCPU cannot take
 * interrupts (injection, handler, EOI exit) as fast as 100 us - 1 ms
 * periods pile up, and packed XTF boots of lapic tests never finished.
 *
 * Locking: each vLAPIC has a lock taken with interrupts off (its timer
 * callback runs in interrupt context). A sender never holds its own lock
 * while taking a target's, so IPIs between vCPUs cannot deadlock. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <xen/time.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/platform.h>
#include <asm/hvm/svm.h>
#include <asm/hvm/vlapic.h>
#include <asm/percpu.h>
#include <asm/processor.h>

/* Shortest period of a periodic timer: a guest cannot make the hypervisor
 * take timer interrupts faster than this. */
#define VLAPIC_MIN_PERIOD MICROSECS(100)

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, NR_LVT };

struct vlapic {
    struct vcpu *v;
    spinlock_t lock;
    uint64_t base_msr;
    bool x2apic_ok;   /* CPUID offers x2APIC */
    bool deadline_ok; /* CPUID offers the TSC-deadline timer */

    uint32_t tpr, ldr, dfr, svr;
    int eoi_level_vec; /* a level-triggered vector just EOIed, for the IO-APIC; -1 none */
    uint32_t esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[NR_LVT];
    uint32_t isr[8], tmr[8], irr[8];

    /* timer */
    uint32_t tmict, tdcr;
    unsigned int div_shift; /* ns per count = 1 << div_shift */
    s_time_t start;         /* when the count was last loaded */
    bool counting;          /* loaded and not run out (one-shot) or stopped */
    bool parked;            /* periodic, waiting for its pending vector to go */
    s_time_t next_fire;     /* periodic: expiry of the armed period */
    uint64_t deadline;      /* TSC deadline, guest TSC; 0 = disarmed */
    struct timer timer;

    /* statistics, printed when the vCPU goes */
    unsigned long timer_fires, coalesced, late, delivered, ipis;
};

static inline struct vlapic *vcpu_vlapic(struct vcpu *v)
{
    return v->vlapic;
}

/* --- vector bitmaps --- */

static inline bool vec_test(const uint32_t *map, unsigned int vec)
{
    return map[vec / 32] & (1u << (vec % 32));
}

static inline void vec_set(uint32_t *map, unsigned int vec)
{
    map[vec / 32] |= 1u << (vec % 32);
}

static inline void vec_clear(uint32_t *map, unsigned int vec)
{
    map[vec / 32] &= ~(1u << (vec % 32));
}

static int vec_highest(const uint32_t *map)
{
    for (int i = 7; i >= 0; i--)
        if (map[i])
            return i * 32 + 31 - __builtin_clz(map[i]);
    return -1;
}

/* --- state helpers --- */

static bool hw_enabled(const struct vlapic *vl)
{
    return vl->base_msr & APIC_BASE_EN;
}

static bool x2apic_mode(const struct vlapic *vl)
{
    return (vl->base_msr & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool sw_enabled(const struct vlapic *vl)
{
    return hw_enabled(vl) && (vl->svr & APIC_SPIV_ENABLE);
}

static uint32_t apic_id(const struct vlapic *vl)
{
    return vl->v->vcpu_id;
}

static uint32_t x2apic_ldr(const struct vlapic *vl)
{
    uint32_t id = apic_id(vl);

    return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* The guest's CR8 writes land in the VMCB's V_TPR (SVM with
 * V_INTR_MASKING), so CR8 and the memory-mapped TPR are kept as one. */
static struct vmcb *vcpu_vmcb(struct vcpu *v)
{
    struct svm_vcpu *s = v->arch_hvm;

    return s ? s->vmcb : NULL;
}

static void tpr_from_cr8(struct vlapic *vl)
{
    struct vmcb *vmcb = vcpu_vmcb(vl->v);

    if (vmcb && (vmcb->int_ctl & 0xf) != (vl->tpr >> 4))
        vl->tpr = (vmcb->int_ctl & 0xf) << 4;
}

static void tpr_to_cr8(struct vlapic *vl)
{
    struct vmcb *vmcb = vcpu_vmcb(vl->v);

    if (vmcb)
        vmcb->int_ctl = (vmcb->int_ctl & ~0xfULL) | (vl->tpr >> 4);
}

static uint32_t ppr(const struct vlapic *vl)
{
    int isrv = vec_highest(vl->isr);

    if (isrv < 0)
        isrv = 0;
    return (vl->tpr >> 4) >= ((unsigned int)isrv >> 4) ? vl->tpr : (isrv & 0xf0);
}

/* --- time --- */

static uint64_t guest_tsc(struct vcpu *v)
{
    struct vmcb *vmcb = vcpu_vmcb(v);

    return rdtsc() + (vmcb ? vmcb->tsc_offset : 0);
}

/* Longest wait armed at once for a TSC deadline (in TSC ticks); a later
 * deadline is reached in several steps. */
#define DEADLINE_STEP (1ULL << 40)

/* Hypervisor time at which the guest's TSC reaches `tsc`, or a step towards
 * it when that is far away. */
static s_time_t tsc_to_time(struct vcpu *v, uint64_t tsc)
{
    uint64_t now_tsc = guest_tsc(v), khz = tsc_khz(), delta;

    if (tsc <= now_tsc || !khz)
        return NOW();
    delta = tsc - now_tsc;
    if (delta > DEADLINE_STEP)
        delta = DEADLINE_STEP;
    return NOW() + (s_time_t)(delta * 1000000 / khz);
}

static uint32_t timer_mode(const struct vlapic *vl)
{
    return vl->lvt[LVT_TIMER] & APIC_LVT_TIMER_MODE;
}

static s_time_t timer_period(const struct vlapic *vl)
{
    return ((s_time_t)vl->tmict * VLAPIC_BUS_NS) << vl->div_shift;
}

static uint32_t current_count(const struct vlapic *vl)
{
    s_time_t elapsed;
    uint64_t ticks;

    if (timer_mode(vl) == APIC_TIMER_DEADLINE || !vl->tmict || !vl->counting)
        return 0;
    elapsed = NOW() - vl->start;
    if (elapsed < 0)
        elapsed = 0;
    ticks = ((uint64_t)elapsed / VLAPIC_BUS_NS) >> vl->div_shift;
    if (timer_mode(vl) == APIC_TIMER_PERIODIC)
        return vl->tmict - (uint32_t)(ticks % vl->tmict);
    return ticks >= vl->tmict ? 0 : vl->tmict - (uint32_t)ticks;
}

/* Arm or stop the hypervisor timer to match the guest's settings. Called
 * with the lock held. */
static void timer_update(struct vlapic *vl)
{
    s_time_t now = NOW(), period, pe;

    vl->parked = false;
    if ((vl->lvt[LVT_TIMER] & APIC_LVT_MASKED) || !sw_enabled(vl)) {
        stop_timer(&vl->timer);
        return;
    }
    switch (timer_mode(vl)) {
    case APIC_TIMER_DEADLINE:
        if (vl->deadline)
            set_timer(&vl->timer, tsc_to_time(vl->v, vl->deadline));
        else
            stop_timer(&vl->timer);
        return;
    case APIC_TIMER_PERIODIC:
        if (!vl->tmict || !vl->counting)
            break;
        period = timer_period(vl);
        pe = period < VLAPIC_MIN_PERIOD ? VLAPIC_MIN_PERIOD : period;
        vl->next_fire = vl->start + ((now - vl->start) / pe + 1) * pe;
        set_timer(&vl->timer, vl->next_fire);
        return;
    default: /* one-shot (mode 3 is reserved and acts as one-shot) */
        if (!vl->tmict || !vl->counting)
            break;
        if (vl->start + timer_period(vl) > now)
            set_timer(&vl->timer, vl->start + timer_period(vl));
        else if (!timer_is_active(&vl->timer))
            break; /* expired already: it fired, or was masked then */
        return;
    }
    stop_timer(&vl->timer);
}

/* --- accepting interrupts --- */

static bool accept_irq(struct vlapic *vl, unsigned int vec, bool level);

/* An armed TSC deadline the guest's TSC has reached, with the timer able to
 * interrupt. Lock held. */
static bool deadline_due(struct vlapic *vl)
{
    return timer_mode(vl) == APIC_TIMER_DEADLINE && vl->deadline &&
           !(vl->lvt[LVT_TIMER] & APIC_LVT_MASKED) && sw_enabled(vl) &&
           guest_tsc(vl->v) >= vl->deadline;
}

/* Latch an error for the next ESR write (SDM "Error Handling") and, when
 * the error is new and LVT Error is unmasked, raise its vector. An illegal
 * vector in LVT Error itself only latches a receive error. True when an
 * interrupt became pending. Lock held. */
static bool raise_error(struct vlapic *vl, uint32_t err)
{
    uint32_t lvt = vl->lvt[LVT_ERROR];

    if ((vl->esr_pending & err) == err)
        return false;
    vl->esr_pending |= err;
    if (lvt & APIC_LVT_MASKED)
        return false;
    if ((lvt & 0xff) < 16) {
        vl->esr_pending |= APIC_ESR_RECV_ILLEGAL;
        return false;
    }
    return accept_irq(vl, lvt & 0xff, false);
}

/* Make `vec` pending; false when nothing became pending (an illegal
 * vector may raise the error interrupt instead: true then). Lock held. */
static bool accept_irq(struct vlapic *vl, unsigned int vec, bool level)
{
    if (!sw_enabled(vl))
        return false;
    if (vec < 16)
        return raise_error(vl, APIC_ESR_RECV_ILLEGAL);
    if (vec_test(vl->irr, vec))
        vl->coalesced++;
    vec_set(vl->irr, vec);
    if (level)
        vec_set(vl->tmr, vec);
    else
        vec_clear(vl->tmr, vec);
    return true;
}

bool vlapic_set_irq(struct vcpu *v, unsigned int vec)
{
    struct vlapic *vl = vcpu_vlapic(v);
    unsigned long flags;
    bool raised;

    if (!vl)
        return false;
    flags = spin_lock_irqsave(&vl->lock);
    raised = accept_irq(vl, vec, false);
    spin_unlock_irqrestore(&vl->lock, flags);
    return raised;
}

static void timer_fn(void *data)
{
    struct vlapic *vl = data;
    unsigned long flags;
    bool raised = false;
    s_time_t now, pe;

    flags = spin_lock_irqsave(&vl->lock);
    vl->timer_fires++;
    if (!(vl->lvt[LVT_TIMER] & APIC_LVT_MASKED) && sw_enabled(vl)) {
        switch (timer_mode(vl)) {
        case APIC_TIMER_DEADLINE:
            if (vl->deadline && guest_tsc(vl->v) < vl->deadline) {
                set_timer(&vl->timer, tsc_to_time(vl->v, vl->deadline));
            } else if (vl->deadline) {
                vl->deadline = 0;
                raised = accept_irq(vl, vl->lvt[LVT_TIMER] & 0xff, false);
            }
            break;
        case APIC_TIMER_PERIODIC:
            if (!vl->tmict || !vl->counting)
                break;
            if (vec_test(vl->irr, vl->lvt[LVT_TIMER] & 0xff)) {
                /* Still pending (the vCPU is not running or has interrupts
                 * off): park the timer until the vector is taken, rather
                 * than interrupt this pCPU every period for nothing. */
                vl->coalesced++;
                vl->parked = true;
                break;
            }
            raised = accept_irq(vl, vl->lvt[LVT_TIMER] & 0xff, false);
            now = NOW();
            pe = timer_period(vl);
            if (pe < VLAPIC_MIN_PERIOD)
                pe = VLAPIC_MIN_PERIOD;
            vl->next_fire += pe;
            if (vl->next_fire <= now) { /* late: drop the missed periods */
                vl->late++;
                vl->next_fire = vl->start + ((now - vl->start) / pe + 1) * pe;
            }
            set_timer(&vl->timer, vl->next_fire);
            break;
        default:
            if (vl->tmict && vl->counting)
                raised = accept_irq(vl, vl->lvt[LVT_TIMER] & 0xff, false);
            vl->counting = false;
            break;
        }
    }
    spin_unlock_irqrestore(&vl->lock, flags);
    if (raised)
        vcpu_interrupt(vl->v);
}

/* --- IPIs --- */

static bool dest_match(const struct vlapic *t, uint32_t dest, bool logical, bool x2)
{
    uint32_t id = apic_id(t);

    if (x2) {
        if (dest == 0xffffffffu)
            return true;
        if (!logical)
            return dest == id;
        return (dest >> 16) == (id >> 4) && (dest & 0xffff & (1u << (id & 0xf)));
    }
    dest &= 0xff;
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == (id & 0xff);
    if ((t->dfr >> 28) == 0xf) /* flat model */
        return (t->ldr >> 24) & dest;
    /* cluster model */
    return ((t->ldr >> 28) == (dest >> 4)) && ((t->ldr >> 24) & dest & 0xf);
}

/* Send the IPI described by ICR (low word) to `dest`. The sender's lock is
 * not held. */
static void reset_regs(struct vlapic *vl);

static void send_ipi(struct vlapic *src, uint32_t lo, uint32_t dest)
{
    struct domain *d = src->v->domain;
    unsigned int vec = lo & 0xff, mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    bool logical = lo & (1u << 11), level = lo & (1u << 15), x2 = x2apic_mode(src);
    unsigned long flags;

    if (mode == 5 || mode == 6) {
        /* INIT (assert; a de-assert does nothing) and Start-up, to the
         * other vCPUs addressed: how a PVH Linux starts its vCPUs. */
        if (mode == 5 && !(lo & (1u << 14)))
            return;
        for (unsigned int i = 0; i < d->nr_vcpus; i++) {
            struct vcpu *tv = d->vcpus[i];
            struct vlapic *t = tv ? vcpu_vlapic(tv) : NULL;

            if (!t || t == src || shorthand == 1 ||
                (shorthand == 0 && !dest_match(t, dest, logical, x2)))
                continue;
            if (mode == 5) {
                vcpu_init_ipi(tv);
                flags = spin_lock_irqsave(&t->lock);
                reset_regs(t);
                spin_unlock_irqrestore(&t->lock, flags);
            } else
                vcpu_sipi(tv, vec);
        }
        return;
    }
    if (mode != 0 && mode != 1)
        return; /* SMI, NMI: not offered */
    if (vec < 16) {
        /* The sender latches a send error; the message still goes out and
         * each receiver latches a receive error (SDM, ESR). The sender is
         * the running vCPU: it sees its error interrupt at its next entry. */
        flags = spin_lock_irqsave(&src->lock);
        raise_error(src, APIC_ESR_SEND_ILLEGAL);
        spin_unlock_irqrestore(&src->lock, flags);
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *tv = d->vcpus[i];
        struct vlapic *t = tv ? vcpu_vlapic(tv) : NULL;
        bool hit, raised = false;

        if (!t)
            continue;
        switch (shorthand) {
        case 1:
            hit = t == src;
            break;
        case 2:
            hit = true;
            break;
        case 3:
            hit = t != src;
            break;
        default:
            hit = dest_match(t, dest, logical, x2);
            break;
        }
        if (!hit)
            continue;
        flags = spin_lock_irqsave(&t->lock);
        raised = accept_irq(t, vec, level);
        t->ipis += raised;
        spin_unlock_irqrestore(&t->lock, flags);
        if (raised && t != src)
            vcpu_interrupt(tv);
        if (mode == 1 && raised && shorthand == 0)
            break; /* lowest priority: the first APIC that takes it */
    }
}

/* Interrupts from the platform's IO-APIC: fixed to every vLAPIC dest
 * names, lowest priority to the first that takes it. */
void vlapic_deliver_external(struct domain *d, uint32_t dest, bool logical, unsigned int mode,
                             uint8_t vec, bool level)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *tv = d->vcpus[i];
        struct vlapic *t = tv ? vcpu_vlapic(tv) : NULL;
        unsigned long flags;
        bool raised;

        if (!t || !hw_enabled(t) || !dest_match(t, dest, logical, false))
            continue;
        flags = spin_lock_irqsave(&t->lock);
        raised = accept_irq(t, vec, level);
        spin_unlock_irqrestore(&t->lock, flags);
        if (raised)
            vcpu_interrupt(tv);
        if (mode == 1 && raised)
            break;
    }
}

/* Whether an external interrupt (the PIC's INTR) reaches v: with its APIC
 * disabled (INTR goes straight to the CPU), or through LINT0 unmasked in
 * ExtINT mode. */
bool vlapic_accepts_extint(struct vcpu *v)
{
    struct vlapic *vl = vcpu_vlapic(v);
    uint32_t lvt0;

    if (!vl || !hw_enabled(vl))
        return true;
    lvt0 = vl->lvt[LVT_LINT0];
    return sw_enabled(vl) && !(lvt0 & APIC_LVT_MASKED) && ((lvt0 >> 8) & 7) == 7;
}

/* The EOI of a level-triggered vector goes on to the IO-APIC (its
 * Remote IRR), outside the vLAPIC lock. */
static void eoi_broadcast(struct vlapic *vl)
{
    int vec = vl->eoi_level_vec;

    if (vec < 0)
        return;
    vl->eoi_level_vec = -1;
    hvm_platform_eoi(vl->v->domain, (uint8_t)vec);
}

/* --- registers --- */

static void reset_regs(struct vlapic *vl)
{
    vl->tpr = 0;
    vl->ldr = 0;
    vl->dfr = 0xffffffffu;
    vl->svr = 0xff;
    vl->esr = vl->esr_pending = 0;
    vl->icr_lo = vl->icr_hi = 0;
    for (unsigned int i = 0; i < NR_LVT; i++)
        vl->lvt[i] = APIC_LVT_MASKED;
    memset(vl->isr, 0, sizeof(vl->isr));
    memset(vl->tmr, 0, sizeof(vl->tmr));
    memset(vl->irr, 0, sizeof(vl->irr));
    vl->tmict = vl->tdcr = 0;
    vl->div_shift = 1; /* divide by 2 */
    vl->deadline = 0;
    vl->start = NOW();
    vl->counting = false;
    stop_timer(&vl->timer);
    tpr_to_cr8(vl);
}

static uint32_t lvt_mask(const struct vlapic *vl, unsigned int i)
{
    switch (i) {
    case LVT_TIMER:
        return 0xff | APIC_LVT_MASKED |
               (vl->deadline_ok ? APIC_LVT_TIMER_MODE : APIC_TIMER_PERIODIC);
    case LVT_THERMAL:
    case LVT_PERF:
        return 0xff | 0x700 | APIC_LVT_MASKED;
    case LVT_LINT0:
    case LVT_LINT1:
        return 0xff | 0x700 | (1u << 13) | (1u << 15) | APIC_LVT_MASKED;
    default:
        return 0xff | APIC_LVT_MASKED;
    }
}

/* Read a register (offset in the xAPIC page). -1 for a reserved one. Lock
 * held. */
static int reg_read(struct vlapic *vl, unsigned int reg, uint32_t *val)
{
    bool x2 = x2apic_mode(vl);

    switch (reg) {
    case APIC_ID:
        *val = x2 ? apic_id(vl) : apic_id(vl) << 24;
        return 0;
    case APIC_LVR:
        *val = VLAPIC_VERSION;
        return 0;
    case APIC_TPR:
        *val = vl->tpr;
        return 0;
    case APIC_APR:
        if (x2)
            return -1;
        *val = 0;
        return 0;
    case APIC_PPR:
        *val = ppr(vl);
        return 0;
    case APIC_LDR:
        *val = x2 ? x2apic_ldr(vl) : vl->ldr;
        return 0;
    case APIC_DFR:
        if (x2)
            return -1;
        *val = vl->dfr;
        return 0;
    case APIC_SPIV:
        *val = vl->svr;
        return 0;
    case APIC_ISR ... APIC_ISR + 0x70:
        *val = vl->isr[(reg - APIC_ISR) >> 4];
        return 0;
    case APIC_TMR ... APIC_TMR + 0x70:
        *val = vl->tmr[(reg - APIC_TMR) >> 4];
        return 0;
    case APIC_IRR ... APIC_IRR + 0x70:
        *val = vl->irr[(reg - APIC_IRR) >> 4];
        return 0;
    case APIC_ESR:
        *val = vl->esr;
        return 0;
    case APIC_ICR:
        *val = vl->icr_lo;
        return 0;
    case APIC_ICR2:
        if (x2)
            return -1;
        *val = vl->icr_hi;
        return 0;
    case APIC_LVTT ... APIC_LVTERR:
        *val = vl->lvt[(reg - APIC_LVTT) >> 4];
        return 0;
    case APIC_TMICT:
        *val = timer_mode(vl) == APIC_TIMER_DEADLINE ? 0 : vl->tmict;
        return 0;
    case APIC_TMCCT:
        *val = current_count(vl);
        return 0;
    case APIC_TDCR:
        *val = vl->tdcr;
        return 0;
    case APIC_EOI:
    case APIC_RRD:
        if (x2)
            return -1; /* write-only or absent in x2APIC mode */
        *val = 0;
        return 0;
    }
    return -1;
}

/* What a register write does once it is known to be valid. -1 rejects it
 * (#GP in x2APIC mode, ignored in xAPIC mode). `ipi` receives an IPI to
 * send after the lock is dropped. Lock held. */
static int reg_write(struct vlapic *vl, unsigned int reg, uint32_t val, bool *ipi)
{
    bool x2 = x2apic_mode(vl);
    uint32_t old;
    int vec;

    switch (reg) {
    case APIC_TPR:
        if (x2 && (val & ~0xffu))
            return -1;
        vl->tpr = val & 0xff;
        tpr_to_cr8(vl);
        return 0;
    case APIC_EOI:
        if (x2 && val)
            return -1;
        vec = vec_highest(vl->isr);
        if (vec >= 0) {
            vec_clear(vl->isr, vec);
            if (vec_test(vl->tmr, vec))
                vl->eoi_level_vec = vec; /* broadcast once the lock is dropped */
            vec_clear(vl->tmr, vec);
        }
        return 0;
    case APIC_LDR:
        if (x2)
            return -1;
        vl->ldr = val & 0xff000000u;
        return 0;
    case APIC_DFR:
        if (x2)
            return -1;
        vl->dfr = val | 0x0fffffffu;
        return 0;
    case APIC_SPIV:
        if (x2 && (val & ~0x3ffu))
            return -1;
        vl->svr = val & 0x3ff;
        if (!(vl->svr & APIC_SPIV_ENABLE))
            for (unsigned int i = 0; i < NR_LVT; i++)
                vl->lvt[i] |= APIC_LVT_MASKED;
        timer_update(vl);
        return 0;
    case APIC_ESR:
        if (x2 && val)
            return -1;
        vl->esr = vl->esr_pending;
        vl->esr_pending = 0;
        return 0;
    case APIC_ICR:
        if (x2 && (val & 0xfff33000u))
            return -1;
        vl->icr_lo = val & ~(1u << 12); /* delivery is instant: never "send pending" */
        *ipi = true;
        return 0;
    case APIC_ICR2:
        if (x2)
            return -1;
        vl->icr_hi = val & 0xff000000u;
        return 0;
    case APIC_LVTT ... APIC_LVTERR: {
        unsigned int i = (reg - APIC_LVTT) >> 4;

        if (x2 && (val & ~lvt_mask(vl, i)))
            return -1;
        val &= lvt_mask(vl, i);
        if (!sw_enabled(vl))
            val |= APIC_LVT_MASKED;
        old = vl->lvt[i];
        if (i == LVT_TIMER && ((old ^ val) & APIC_LVT_TIMER_MODE)) {
            uint32_t cur = current_count(vl);

            if ((old & APIC_LVT_TIMER_MODE) == APIC_TIMER_DEADLINE ||
                (val & APIC_LVT_TIMER_MODE) == APIC_TIMER_DEADLINE) {
                /* Switching to or from TSC-deadline mode disarms the timer. */
                vl->tmict = 0;
                vl->deadline = 0;
                vl->counting = false;
            } else if (!cur) {
                vl->counting = false; /* a count at zero stays there */
            } else {
                /* One-shot <-> periodic: the count goes on from where it is. */
                vl->start =
                    NOW() - (((s_time_t)(vl->tmict - cur) * VLAPIC_BUS_NS) << vl->div_shift);
            }
        }
        vl->lvt[i] = val;
        if (i == LVT_TIMER)
            timer_update(vl);
        return 0;
    }
    case APIC_TMICT:
        if (timer_mode(vl) == APIC_TIMER_DEADLINE)
            return 0; /* ignored in TSC-deadline mode */
        vl->tmict = val;
        vl->start = NOW();
        vl->counting = val != 0;
        timer_update(vl);
        return 0;
    case APIC_TDCR: {
        uint32_t cur = current_count(vl);
        unsigned int idx;

        if (x2 && (val & ~0xbu))
            return -1;
        vl->tdcr = val & 0xb;
        idx = (vl->tdcr & 3) | ((vl->tdcr >> 1) & 4);
        vl->div_shift = (idx + 1) & 7;
        /* Keep the current count: rebase the load time on the new rate. */
        if (vl->tmict && cur)
            vl->start = NOW() - (((s_time_t)(vl->tmict - cur) * VLAPIC_BUS_NS) << vl->div_shift);
        timer_update(vl);
        return 0;
    }
    case APIC_SELF_IPI:
        if (!x2 || (val & ~0xffu))
            return -1;
        accept_irq(vl, val & 0xff, false);
        return 0;
    }
    return -1; /* read-only or reserved */
}

/* --- hooks --- */

int vlapic_mmio(struct vcpu *v, uint64_t gpa, unsigned int bytes, bool write, uint64_t *val)
{
    struct vlapic *vl = vcpu_vlapic(v);
    uint64_t base;
    unsigned int off, reg, sub;
    unsigned long flags;
    uint32_t r = 0;
    bool ipi = false;

    if (!vl || !hw_enabled(vl) || !bytes || bytes > 8)
        return -1;
    base = vl->base_msr & 0x000ffffffffff000ULL;
    if (gpa < base || gpa + bytes > base + 4096)
        return -1;
    if (x2apic_mode(vl)) {
        /* The MMIO window is closed in x2APIC mode: reads float, writes vanish. */
        if (!write)
            *val = ~0ULL;
        return 0;
    }
    off = gpa - base;
    reg = off & ~0xfu;
    sub = off & 0xf;

    if (!write) {
        uint8_t slot[16 + 8] = {0};

        tpr_from_cr8(vl);
        flags = spin_lock_irqsave(&vl->lock);
        if (reg_read(vl, reg, &r)) {
            r = 0; /* reserved registers read as zero */
            raise_error(vl, APIC_ESR_ILLEGAL_REG);
        }
        spin_unlock_irqrestore(&vl->lock, flags);
        memcpy(slot, &r, 4);
        *val = 0;
        memcpy(val, slot + sub, bytes);
        return 0;
    }

    /* Only 32-bit (or wider, using the low dword) aligned writes reach a register. */
    if (sub != 0 || bytes < 4)
        return 0;
    flags = spin_lock_irqsave(&vl->lock);
    /* Writes to read-only registers vanish; to reserved ones they also
     * latch an illegal-register error. */
    if (reg_write(vl, reg, (uint32_t)*val, &ipi) && reg_read(vl, reg, &r))
        raise_error(vl, APIC_ESR_ILLEGAL_REG);
    r = vl->icr_lo;
    spin_unlock_irqrestore(&vl->lock, flags);
    if (ipi)
        send_ipi(vl, r, vl->icr_hi >> 24);
    eoi_broadcast(vl);
    return 0;
}

static int base_write(struct vlapic *vl, uint64_t val)
{
    bool was_en = hw_enabled(vl), was_x2 = x2apic_mode(vl);
    bool en = val & APIC_BASE_EN, ext = val & APIC_BASE_EXTD;

    if (val & ~(0x000ffffffffff000ULL | APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN))
        return -1;
    if (ext && !vl->x2apic_ok)
        return -1;
    if (ext && !en)
        return -1; /* invalid state */
    if (en && ext && !was_en)
        return -1; /* disabled -> x2APIC must pass through xAPIC */
    if (en && !ext && was_x2)
        return -1; /* x2APIC -> xAPIC must pass through disabled */
    val = (val & ~APIC_BASE_BSP) | (vl->base_msr & APIC_BASE_BSP);
    if (was_en && !en)
        reset_regs(vl);
    vl->base_msr = val;
    return 0;
}

int vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
    struct vlapic *vl = vcpu_vlapic(v);
    unsigned long flags;
    uint32_t r = 0, dest;
    bool ipi = false;
    int rc = 0;

    if (!vl)
        return -1;
    if (msr == MSR_APIC_BASE) {
        if (!write) {
            *val = vl->base_msr;
            return 0;
        }
        flags = spin_lock_irqsave(&vl->lock);
        rc = base_write(vl, *val);
        spin_unlock_irqrestore(&vl->lock, flags);
        return rc;
    }
    if (msr == MSR_TSC_DEADLINE) {
        if (!vl->deadline_ok)
            return -1;
        flags = spin_lock_irqsave(&vl->lock);
        if (!write)
            *val = timer_mode(vl) == APIC_TIMER_DEADLINE ? vl->deadline : 0;
        else if (timer_mode(vl) == APIC_TIMER_DEADLINE) {
            vl->deadline = *val;
            if (deadline_due(vl)) {
                /* Already passed: the vector is pending when the write
                 * completes (the writer is v itself, which looks for it
                 * before it re-enters). Through a hypervisor timer it would
                 * wait for the host to deliver our own APIC timer interrupt
                 * while the guest runs on: on a loaded TCG host that took a
                 * median 5 ms and up to 160 ms. */
                vl->deadline = 0;
                stop_timer(&vl->timer);
                accept_irq(vl, vl->lvt[LVT_TIMER] & 0xff, false);
            } else
                timer_update(vl);
        }
        spin_unlock_irqrestore(&vl->lock, flags);
        return 0;
    }
    if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !x2apic_mode(vl))
        return -1;

    r = (msr - MSR_X2APIC_FIRST) << 4;
    if (!write) {
        tpr_from_cr8(vl);
        flags = spin_lock_irqsave(&vl->lock);
        rc = reg_read(vl, r, &dest);
        if (!rc)
            *val = r == APIC_ICR ? ((uint64_t)vl->icr_hi << 32) | vl->icr_lo : dest;
        spin_unlock_irqrestore(&vl->lock, flags);
        return rc;
    }
    if (r != APIC_ICR && (*val >> 32))
        return -1;
    flags = spin_lock_irqsave(&vl->lock);
    rc = reg_write(vl, r, (uint32_t)*val, &ipi);
    if (!rc && r == APIC_ICR)
        vl->icr_hi = *val >> 32;
    dest = vl->icr_hi;
    r = vl->icr_lo;
    spin_unlock_irqrestore(&vl->lock, flags);
    if (ipi)
        send_ipi(vl, r, dest);
    eoi_broadcast(vl);
    return rc;
}

/* The scheduler may move the vCPU: move its timer along, so expiries
 * interrupt the pCPU the vCPU runs on instead of costing an IPI and a kick. */
static void timer_follow(struct vlapic *vl)
{
    unsigned int cpu = smp_processor_id();

    if (vl->timer.cpu == cpu || !vl->v->running)
        return;
    migrate_timer(&vl->timer, cpu);
}

int vlapic_pending_irq(struct vcpu *v)
{
    struct vlapic *vl = vcpu_vlapic(v);
    unsigned long flags;
    int vec = -1, irrv;
    bool any = false;

    if (!vl || !hw_enabled(vl))
        return -1;
    if (v == current_vcpu())
        timer_follow(vl);
    for (unsigned int i = 0; i < 8; i++)
        any |= __atomic_load_n(&vl->irr[i], __ATOMIC_RELAXED) != 0;
    if (!any)
        return -1;
    tpr_from_cr8(vl);
    flags = spin_lock_irqsave(&vl->lock);
    irrv = vec_highest(vl->irr);
    if (irrv >= 0 && (irrv & 0xf0) > (int)(ppr(vl) & 0xf0))
        vec = irrv;
    spin_unlock_irqrestore(&vl->lock, flags);
    return vec;
}

bool vlapic_irq_delivered(struct vcpu *v, int vec)
{
    struct vlapic *vl = vcpu_vlapic(v);
    unsigned long flags;
    bool pending;

    if (!vl || vec < 0 || vec > 255)
        return false;
    flags = spin_lock_irqsave(&vl->lock);
    pending = vec_test(vl->irr, vec);
    if (pending) {
        vec_clear(vl->irr, vec);
        vec_set(vl->isr, vec);
        vl->delivered++;
        if (vl->parked && vec == (int)(vl->lvt[LVT_TIMER] & 0xff)) {
            vl->parked = false;
            timer_update(vl);
        }
    }
    spin_unlock_irqrestore(&vl->lock, flags);
    return pending;
}

void vlapic_destroy(struct vcpu *v)
{
    struct vlapic *vl = vcpu_vlapic(v);

    if (!vl)
        return;
    kill_timer(&vl->timer); /* and wait for its callback on another pCPU */
    if (vl->delivered || vl->timer_fires)
        printk("vlapic d%uv%u: %lu interrupts delivered, %lu timer expiries (%lu late, %lu "
               "coalesced in the IRR), %lu IPIs received\n",
               v->domain->domain_id, v->vcpu_id, vl->delivered, vl->timer_fires, vl->late,
               vl->coalesced, vl->ipis);
    v->vlapic = NULL;
    xfree(vl);
}

int vlapic_init(struct vcpu *v)
{
    struct vlapic *vl;
    uint32_t leaf1[4];

    vlapic_destroy(v); /* a restarted domain starts afresh */
    vl = xzalloc(struct vlapic);
    if (!vl)
        return -ENOMEM;
    vl->v = v;
    vl->eoi_level_vec = -1;
    hvm_cpuid(v, 1, 0, leaf1);
    vl->x2apic_ok = leaf1[2] & (1u << 21);
    vl->deadline_ok = leaf1[2] & (1u << 24);
    init_timer(&vl->timer, timer_fn, vl, v->processor);
    vl->base_msr = VLAPIC_DEFAULT_BASE | APIC_BASE_EN | (v->vcpu_id == 0 ? APIC_BASE_BSP : 0);
    reset_regs(vl);
    v->vlapic = vl;
    return 0;
}
