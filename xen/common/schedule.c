/* The scheduling core: drives one scheduler of xen/common/sched/ (credit2,
 * null, rtds, arinc653, chosen by `sched=`) through the interface of
 * xen/include/xen/sched-if.h on every pCPU.
 *
 * The core owns vCPUs, pCPUs, the per-pCPU one-shot timer and the
 * reschedule IPI; the scheduler only decides. One spinlock (sched_lock,
 * interrupts off) serialises every call into the scheduler. Each pCPU runs
 * schedule_loop(): ask do_schedule() what to run, arm the timer at the slice
 * it returns, run that vCPU until the guest leaves (slice over, tickle,
 * block, yield, kick), and ask again; with nothing to run it halts until an
 * interrupt brings a tickle or its timer.
 *
 * The scheduler's idea of "runnable" (woken, not slept) follows the core's
 * flags: a vCPU is runnable when up, not blocked, not paused and its domain
 * runs. Flags change in several places (HLT, SCHEDOP_block, shutdown, vcpu
 * bring-up), so the core re-checks them under the lock whenever it wakes a
 * vCPU, after a vCPU left the guest, and on every unit the scheduler picks,
 * and puts the scheduler to sleep or wake accordingly. */
#include <xen/keyhandler.h>
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/sched-ctl.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <asm/apic.h>
#include <asm/hvm/hvm.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
/* sched-if.h has its own spelling of the time macros: same values. */
#undef MILLISECS
#undef MICROSECS
#undef SECONDS
#include <xen/sched-if.h>

/* ---- Options ---------------------------------------------------------- */
static char opt_sched[16] = "credit2";
string_param("sched", opt_sched);
/* Scheduler-wide settings, e.g. "ratelimit=500;runqueue=cpu" or
 * "major=20ms;slots=d1:5ms,d2:10ms" (see xen/common/sched/README.md). */
static char opt_sched_opts[512];
string_param("sched_opts", opt_sched_opts);
/* How a blocked vCPU whose pCPU would idle anyway (null) waits:
 * "halt" on its pCPU until an IPI, "poll" its flag there (the lowest
 * wake-up latency, at the price of a busy pCPU; wakers send no IPI), or
 * "no": leave through the scheduler like any other. */
static char opt_wait_in_place[8] = "halt";
string_param("wait_in_place", opt_wait_in_place);
static enum { WAIT_NO, WAIT_HALT, WAIT_POLL } wait_mode = WAIT_HALT;

/* guest_cpus=auto|all|LIST: the pCPUs that run guest vCPUs; the others run
 * only the hypervisor's own work (timers, console, scrubbing). auto is all
 * of them, except where the machine says pCPU 0 must not enter guests
 * (arch_cpu0_unfit_for_guests). Fixed at boot: every vCPU's hard affinity
 * lies within it. */
static char opt_guest_cpus[64] = "auto";
string_param("guest_cpus", opt_guest_cpus);
static struct sched_cpumask guest_cpus;

/* ---- State ------------------------------------------------------------- */
/* A vCPU as the scheduler sees it. */
struct sched_vcpu {
    struct sched_unit unit;
    _Alignas(16) unsigned char priv[SCHED_UNIT_PRIV_MAX];
    struct vcpu *v;
    bool inserted;    /* insert_unit done, remove_unit not yet */
    bool awake;       /* woken in the scheduler (wake without sleep since) */
    s_time_t woke_at; /* when it became runnable after blocking, 0 if not */
    uint64_t wakes, lat_sum_ns, lat_max_ns;
    uint64_t preempted; /* switched out while still runnable */
    uint64_t ran_on;    /* bit c: it ran on pCPU c (c < 64) */
    bool in_place;      /* blocked, waiting on its pCPU (sched_wait_in_place) */
    uint64_t waits_in_place;
};

struct sched_dom {
    struct sched_domain sd;
    _Alignas(16) unsigned char priv[SCHED_DOM_PRIV_MAX];
    struct domain *d;
    unsigned int nr_units;
    struct sched_vcpu units[MAX_VCPUS];
};

struct sched_pcpu {
    struct vcpu *curr; /* vCPU this pCPU runs, NULL when idle */
    struct timer timer;
    uint64_t decisions, switches, tickles, ipis;
    uint64_t decide_cycles, decide_max_cycles;
};

static DEFINE_SPINLOCK(sched_lock);
static const struct scheduler *sched_ops;
static struct sched_instance sched_inst;
static struct sched_callbacks sched_cb;
static unsigned int sched_nr_cpus;
static volatile bool sched_ready;
static struct sched_pcpu pcpus[NR_CPUS];
/* arinc653 without sched_opts: each domain's vCPUs get a slot of this
 * length as the domain is built, in order (the scheduler's own default
 * names domain 0, which never exists here). */
#define A653_AUTO_SLOT MILLISECS(2)
static bool a653_auto;
static struct sched_global_params a653_gp; /* under sched_lock */

/* Indexed by domain id (1..MAX_DOMAINS). */
/* A domain's scheduling state hangs off d->sched_priv (a struct sched_dom). */
#define SDOM(d) ((struct sched_dom *)(d)->sched_priv)

/* Wake-up latency (runnable after a block -> running), in log2 buckets of
 * nanoseconds, for the median the benchmark reports. */
#define LAT_BUCKETS 40
static uint64_t lat_hist[LAT_BUCKETS];
static uint64_t lat_count, lat_sum_ns, lat_max_ns;

/* A small ring of recent scheduler events, dumped by the 'r' key. */
#define TRACE_RING 64
struct trace_rec {
    s_time_t t;
    uint8_t ev;
    uint16_t cpu;
    uint32_t domid, unit_id;
    uint64_t arg;
};
static struct trace_rec trace_ring[TRACE_RING];
static unsigned int trace_next;
static uint64_t trace_count;

/* ---- Helpers ----------------------------------------------------------- */
static struct sched_vcpu *sched_vcpu_of(const struct vcpu *v)
{
    struct sched_dom *sd;

    if (!v || !v->domain || v->domain->domain_id > MAX_DOMAINS)
        return NULL;
    sd = SDOM(v->domain);
    if (!sd || sd->d != v->domain || v->vcpu_id >= sd->nr_units)
        return NULL;
    return &sd->units[v->vcpu_id];
}

static bool runnable(const struct vcpu *v)
{
    return v->up && !v->blocked && !v->pause && v->domain->state == DOMSTATE_RUNNING;
}

struct vcpu *current_vcpu(void)
{
    return pcpus[smp_processor_id()].curr;
}

void vcpu_runstate_change(struct vcpu *v, enum vcpu_runstate st, s_time_t now)
{
    if (now > v->runstate_entry)
        v->runstate_time[v->runstate] += now - v->runstate_entry;
    v->runstate = st;
    v->runstate_entry = now;
}

static enum vcpu_runstate idle_state(const struct vcpu *v)
{
    if (runnable(v))
        return RUNSTATE_runnable;
    return v->up ? RUNSTATE_blocked : RUNSTATE_offline;
}

/* ---- Callbacks for the scheduler (sched_lock held) --------------------- */
static void cb_tickle(void *ctx, unsigned int cpu)
{
    struct cpu_info *ci;

    if (cpu >= sched_nr_cpus)
        return;
    pcpus[cpu].tickles++;
    if (cpu == smp_processor_id()) {
        this_cpu()->softirq_pending = 1;
        return;
    }
    /* One IPI is enough until the target has seen the flag: it clears it
     * before it takes sched_lock to decide. */
    ci = per_cpu(cpu);
    if (!__atomic_exchange_n(&ci->softirq_pending, 1UL, __ATOMIC_SEQ_CST)) {
        pcpus[cpu].ipis++;
        apic_send_ipi(ci->apic_id, EVENT_CHECK_VECTOR);
    }
}

/* Set for an idle pCPU that should write out queued console output: its
 * idle loop does that without a scheduling pass (no sched_lock taken). */
static bool drain_wanted[NR_CPUS];

bool sched_wake_idle_cpu(void)
{
    unsigned int self = smp_processor_id();

    if (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
        return false;
    for (unsigned int c = 0; c < sched_nr_cpus; c++) {
        struct cpu_info *ci = per_cpu(c);

        if (c == self || !ci->online || __atomic_load_n(&ci->curr_vcpu, __ATOMIC_RELAXED))
            continue;
        if (!__atomic_exchange_n(&drain_wanted[c], true, __ATOMIC_SEQ_CST))
            apic_send_ipi(ci->apic_id, EVENT_CHECK_VECTOR);
        return true;
    }
    return false;
}

static s_time_t cb_now(void *ctx)
{
    return NOW();
}

static void cb_trace(void *ctx, enum sched_trace_event ev, unsigned int cpu, uint32_t domid,
                     uint32_t unit_id, uint64_t arg)
{
    struct trace_rec *r = &trace_ring[trace_next];

    r->t = NOW();
    r->ev = ev;
    r->cpu = cpu;
    r->domid = domid;
    r->unit_id = unit_id;
    r->arg = arg;
    trace_next = (trace_next + 1) % TRACE_RING;
    trace_count++;
}

/* The pCPU's slice is over: look again. */
static void sched_timer_fn(void *data)
{
    this_cpu()->softirq_pending = 1;
}

/* Event channels' answer to "would an event wake this vCPU now": xen/subsys.h. */

static void record_latency(struct sched_vcpu *sv, s_time_t now);

/* ---- Wake and sleep (sched_lock held) ---------------------------------- */
static void unit_wake(struct sched_vcpu *sv, s_time_t now)
{
    if (sv->awake || !sv->inserted)
        return;
    sv->awake = true;
    if (!sv->v->running) {
        vcpu_runstate_change(sv->v, RUNSTATE_runnable, now);
        sv->woke_at = now;
    }
    sched_ops->wake(&sched_inst, &sv->unit);
}

static void unit_sleep(struct sched_vcpu *sv)
{
    if (!sv->awake)
        return;
    sv->awake = false;
    sv->woke_at = 0;
    sched_ops->sleep(&sched_inst, &sv->unit);
}

/* An IPI makes v, running on another pCPU, leave the guest (or its halt
 * in place) and re-enter with what is now pending: no scheduling decision. */
static void vcpu_notify(struct vcpu *v)
{
    unsigned int cpu = v->processor;

    if (__atomic_load_n(&v->running, __ATOMIC_SEQ_CST) && cpu != smp_processor_id() &&
        cpu < sched_nr_cpus)
        apic_send_ipi(per_cpu(cpu)->apic_id, EVENT_CHECK_VECTOR);
}

/* What wake() found. */
#define WAKE_WAS_BLOCKED 1u
#define WAKE_POLLED      2u /* it polled in place: it sees the change, no IPI */

/* Clear v's blocked flag and make it runnable in the scheduler. A vCPU
 * still polling when its flag clears has not reached its next VMRUN, so it
 * takes whatever was made pending before: `wait_polling` is read first. */
static unsigned int wake(struct vcpu *v)
{
    struct sched_vcpu *sv;
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    bool polled = __atomic_load_n(&v->wait_polling, __ATOMIC_SEQ_CST);
    bool was_blocked = __atomic_exchange_n(&v->blocked, false, __ATOMIC_SEQ_CST);

    sv = sched_vcpu_of(v);
    if (sv && runnable(v)) {
        s_time_t now = NOW();

        if (sv->in_place && !sv->woke_at)
            sv->woke_at = now;
        unit_wake(sv, now);
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    return (was_blocked ? WAKE_WAS_BLOCKED : 0) | (polled ? WAKE_POLLED : 0);
}

void vcpu_wake(struct vcpu *v)
{
    if (wake(v) == WAKE_WAS_BLOCKED)
        vcpu_notify(v); /* it may halt on its pCPU */
}

void vcpu_interrupt(struct vcpu *v)
{
    if (!(wake(v) & WAKE_POLLED))
        vcpu_notify(v);
}

void sched_wait_in_place(struct vcpu *v)
{
    struct cpu_info *ci = this_cpu();
    struct sched_vcpu *sv = sched_vcpu_of(v);
    unsigned long flags;
    bool woken;

    if (!sched_ops->blocked_keeps_cpu || !sv || wait_mode == WAIT_NO)
        return;
    flags = spin_lock_irqsave(&sched_lock);
    sv->in_place = true;
    sv->woke_at = 0;
    vcpu_runstate_change(v, RUNSTATE_blocked, NOW());
    spin_unlock_irqrestore(&sched_lock, flags);
    /* A waker clears the flag, then reads `wait_polling`: unless it is
     * set, it sends an IPI (v runs here), which ends the halt. Anything for
     * the scheduler sets softirq_pending first. */
    local_irq_disable();
    if (wait_mode == WAIT_POLL)
        __atomic_store_n(&v->wait_polling, true, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&v->blocked, __ATOMIC_SEQ_CST) && !v->kick && !ci->softirq_pending &&
           !v->pause && v->domain->state == DOMSTATE_RUNNING) {
        if (wait_mode == WAIT_POLL) {
            local_irq_enable(); /* timers and kicks still come as interrupts */
            cpu_relax();
        } else {
            safe_halt();
        }
        local_irq_disable();
    }
    __atomic_store_n(&v->wait_polling, false, __ATOMIC_SEQ_CST);
    spin_lock(&sched_lock);
    sv->in_place = false;
    woken = runnable(v);
    vcpu_runstate_change(v, woken ? RUNSTATE_running : RUNSTATE_blocked, NOW());
    if (woken && sv->woke_at) {
        sv->waits_in_place++; /* it waited, and a wake-up ended the wait */
        record_latency(sv, NOW());
    }
    spin_unlock(&sched_lock);
}

/* The running vCPU waits for an event; it leaves the pCPU on return, and
 * the core puts it to sleep in the scheduler unless an event came. */
void vcpu_block(struct vcpu *v)
{
    /* Mark it blocked first, then look: whoever makes an event or an
     * interrupt pending afterwards calls vcpu_wake(), which clears the
     * flag; one that came before is seen here. The full fence keeps the
     * flag's store ahead of the loads (a wake-up is never lost between the
     * caller's check and the flag). */
    __atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (vcpu_events_pending(v) || hvm_pending_interrupt(v) >= 0)
        v->blocked = false;
}

void vcpu_yield(struct vcpu *v)
{
    struct sched_vcpu *sv;
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    sv = sched_vcpu_of(v);
    if (sv && sv->awake && v->running)
        sched_ops->yield(&sched_inst, &sv->unit);
    spin_unlock_irqrestore(&sched_lock, flags);
    v->kick = true;
}

void vcpu_kick(struct vcpu *v)
{
    unsigned int cpu = v->processor;

    v->kick = true;
    if (!v->running || cpu >= sched_nr_cpus)
        return;
    if (cpu == smp_processor_id())
        this_cpu()->softirq_pending = 1;
    else
        apic_send_ipi(per_cpu(cpu)->apic_id, EVENT_CHECK_VECTOR);
}

/* ---- vCPUs and domains -------------------------------------------------- */
/* The hooks domain.c calls (xen/subsys.h). */

void sched_add_vcpu(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, vcpu_singleshot_expired, v, v->processor);
    init_timer(&v->periodic_timer, vcpu_periodic_expired, v, v->processor);
    v->runstate_entry = NOW();
    v->on_runq = false;
}

void sched_remove_vcpu(struct vcpu *v)
{
    kill_timer(&v->singleshot_timer);
    kill_timer(&v->periodic_timer);
}

static void warn_parse(const struct domain *d, const char *what, const char *str,
                       const struct sched_parse_error *err)
{
    printk(XENLOG_WARNING "sched: d%u '%s': bad %s \"%s\" at offset %lu: %s; defaults kept\n",
           d->domain_id, d->name, what, str, (unsigned long)err->pos,
           err->msg ? err->msg : "invalid");
}

/* arinc653 automatic schedule: append a slot per vCPU of d (sched_lock
 * held). */
static void a653_add_slots(const struct domain *d)
{
    struct sched_global_params *gp = &a653_gp;

    if (sched_ops->adjust_global(&sched_inst, false, gp))
        return;
    if (gp->u.arinc653.nr_slots == 1 && gp->u.arinc653.slots[0].domid == 0) {
        gp->u.arinc653.nr_slots = 0; /* the default slot of domain 0 */
        gp->u.arinc653.major_frame = 0;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        unsigned int n = gp->u.arinc653.nr_slots;

        if (n == ARINC653_MAX_SLOTS) {
            printk(XENLOG_WARNING "sched: arinc653: no slot left for d%u.v%u\n", d->domain_id, i);
            break;
        }
        gp->u.arinc653.slots[n].domid = d->domain_id;
        gp->u.arinc653.slots[n].unit_id = i;
        gp->u.arinc653.slots[n].runtime = A653_AUTO_SLOT;
        gp->u.arinc653.nr_slots = n + 1;
        gp->u.arinc653.major_frame += A653_AUTO_SLOT;
    }
    if (sched_ops->adjust_global(&sched_inst, true, gp))
        printk(XENLOG_WARNING "sched: arinc653: schedule with d%u refused\n", d->domain_id);
}

/* A pCPU list of the boot settings: "all", or N and N-M joined by '+'
 * (e.g. "0-1+3"), ending at a separator. Returns the length parsed, or 0
 * with *why set. */
static size_t parse_cpu_list(const char *s, struct sched_cpumask *m, const char **why)
{
    size_t i = 0;

    sched_mask_clear(m);
    if (!strncmp(s, "all", 3) && (!s[3] || s[3] == ' ' || s[3] == ';' || s[3] == ',')) {
        sched_mask_fill(m, sched_nr_cpus);
        return 3;
    }
    for (;;) {
        unsigned long a = 0, b;
        size_t start = i;

        while (s[i] >= '0' && s[i] <= '9' && a < SCHED_MAX_CPUS)
            a = a * 10 + (s[i++] - '0');
        if (i == start) {
            *why = "pCPU list must be all, or N and N-M joined by +";
            return 0;
        }
        b = a;
        if (s[i] == '-') {
            start = ++i;
            b = 0;
            while (s[i] >= '0' && s[i] <= '9' && b < SCHED_MAX_CPUS)
                b = b * 10 + (s[i++] - '0');
            if (i == start || b < a) {
                *why = "bad pCPU range";
                return 0;
            }
        }
        if (b >= sched_nr_cpus) {
            *why = "pCPU beyond the last one";
            return 0;
        }
        for (unsigned long c = a; c <= b; c++)
            sched_mask_set(m, c);
        if (s[i] != '+')
            break;
        i++;
    }
    if (s[i] && s[i] != ' ' && s[i] != ';' && s[i] != ',') {
        *why = "pCPU list must be all, or N and N-M joined by +";
        return 0;
    }
    return i;
}

/* Take the affinity words (affinity=LIST for hard, soft_affinity=LIST)
 * out of a domain's sched= setting: the other words go to rest for the
 * scheduler's own parser. Returns 0, or -EINVAL with err filled. */
static int take_affinity(const char *str, char *rest, size_t restlen, struct sched_cpumask *hard,
                         struct sched_cpumask *soft, struct sched_parse_error *err)
{
    size_t i = 0, o = 0;

    *hard = guest_cpus;
    *soft = guest_cpus;
    while (str[i]) {
        size_t n = 0, k;
        struct sched_cpumask *m = NULL;

        if (str[i] == ' ' || str[i] == ';' || str[i] == ',') {
            i++;
            continue;
        }
        if (!strncmp(str + i, "affinity=", 9)) {
            m = hard;
            k = 9;
        } else if (!strncmp(str + i, "soft_affinity=", 14)) {
            m = soft;
            k = 14;
        }
        if (m) {
            const char *why = NULL;

            n = parse_cpu_list(str + i + k, m, &why);
            if (!n) {
                err->msg = why;
                err->pos = i + k;
                return -EINVAL;
            }
            i += k + n;
            continue;
        }
        while (str[i + n] && str[i + n] != ' ' && str[i + n] != ';' && str[i + n] != ',')
            n++;
        if (o + n + 2 > restlen) {
            err->msg = "too long";
            err->pos = i;
            return -EINVAL;
        }
        if (o)
            rest[o++] = ';';
        memcpy(rest + o, str + i, n);
        o += n;
        i += n;
    }
    rest[o] = 0;
    sched_mask_and(hard, &guest_cpus);
    sched_mask_and(soft, &guest_cpus);
    if (sched_mask_empty(hard, sched_nr_cpus)) {
        err->msg = "no pCPU of the hard affinity runs guests (guest_cpus)";
        err->pos = 0;
        return -EINVAL;
    }
    return 0;
}

/* The first pCPU of m at or after `from` (wrapping), or `from` if none. */
static unsigned int first_cpu_of(const struct sched_cpumask *m, unsigned int from)
{
    for (unsigned int k = 0; k < sched_nr_cpus; k++) {
        unsigned int c = (from + k) % sched_nr_cpus;
        if (sched_mask_test(m, c))
            return c;
    }
    return from;
}

/* Scheduler state of a domain and its vCPUs; parameters from the boot
 * settings weight=, cap= and sched= (which may also carry affinity= and
 * soft_affinity=). Called after the vCPUs exist. */
int sched_domain_init(struct domain *d)
{
    struct sched_dom *sd;
    struct sched_params p, parsed;
    struct sched_parse_error err = {0};
    struct sched_cpumask hard, soft;
    char rest[sizeof(d->sched_params)];
    unsigned long flags;
    int rc;

    if (!sched_ops)
        return 0; /* no scheduler: nothing will run anyway */
    if (d->domain_id == 0 || d->domain_id > MAX_DOMAINS || d->nr_vcpus > MAX_VCPUS)
        return -EINVAL;
    if (SDOM(d))
        return -EBUSY;
    sd = xzalloc(struct sched_dom);
    if (!sd)
        return -ENOMEM;
    sd->d = d;
    sd->sd.domid = d->domain_id;
    sd->sd.priv = sd->priv;

    sched_params_default(sched_ops, &p);
    if (sched_ops->sched_id == XEN_SCHEDULER_CREDIT2) {
        p.u.credit2.weight = d->weight ? d->weight : 256;
        p.u.credit2.cap = d->cap;
    }
    rest[0] = 0;
    if (take_affinity(d->sched_params, rest, sizeof(rest), &hard, &soft, &err)) {
        warn_parse(d, "sched= affinity", d->sched_params, &err);
        hard = guest_cpus;
        soft = guest_cpus;
    }
    if (rest[0]) {
        parsed = p;
        if (sched_parse_params(sched_ops, rest, &parsed, &err))
            warn_parse(d, "sched=", d->sched_params, &err);
        else
            p = parsed;
    }
    if (sched_params_check(sched_ops, &p)) {
        printk(XENLOG_WARNING "sched: d%u '%s': parameters out of range for %s; defaults kept\n",
               d->domain_id, d->name, sched_ops->opt_name);
        sched_params_default(sched_ops, &p);
    }

    flags = spin_lock_irqsave(&sched_lock);
    rc = sched_ops->init_domain(&sched_inst, &sd->sd);
    if (rc) {
        spin_unlock_irqrestore(&sched_lock, flags);
        xfree(sd);
        return rc;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct sched_vcpu *sv = &sd->units[i];
        struct vcpu *v = d->vcpus[i];

        sv->v = v;
        sv->unit.unit_id = i;
        sv->unit.dom = &sd->sd;
        sv->unit.priv = sv->priv;
        sv->unit.core = v;
        sv->unit.hard_affinity = hard;
        sv->unit.soft_affinity = soft;
        sv->unit.processor = first_cpu_of(&hard, v->processor < sched_nr_cpus ? v->processor : 0);
        rc = sched_ops->insert_unit(&sched_inst, &sv->unit);
        if (rc)
            break;
        sv->inserted = true;
        sd->nr_units = i + 1;
    }
    if (!rc)
        rc = sched_ops->adjust(&sched_inst, &sd->sd, NULL, true, &p);
    if (!rc && a653_auto)
        a653_add_slots(d);
    if (!rc) {
        s_time_t now = NOW();
        d->sched_priv = sd;
        /* Not runnable until the domain starts (vcpu_wake). */
        for (unsigned int i = 0; i < sd->nr_units; i++)
            vcpu_runstate_change(sd->units[i].v, RUNSTATE_offline, now);
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    if (rc) {
        d->sched_priv = sd; /* so that destroy undoes what was done */
        sched_domain_destroy(d);
        return rc;
    }
    if (sched_ops->sched_id == XEN_SCHEDULER_CREDIT2)
        printk_nowait(XENLOG_DEBUG "sched: d%u '%s': credit2 weight %u cap %u\n", d->domain_id,
                      d->name, p.u.credit2.weight, p.u.credit2.cap);
    else if (sched_ops->sched_id == XEN_SCHEDULER_RTDS)
        printk_nowait(XENLOG_DEBUG "sched: d%u '%s': rtds period %u us budget %u us%s\n",
                      d->domain_id, d->name, p.u.rtds.period_us, p.u.rtds.budget_us,
                      p.u.rtds.extratime ? " extratime" : "");
    return 0;
}

static void print_domain_stats(const struct sched_dom *sd, s_time_t now)
{
    const struct domain *d = sd->d;
    s_time_t t[4] = {0};
    uint64_t wakes = 0, in_place = 0, lat_sum = 0, lat_max = 0, preempted = 0, ran_on = 0;

    for (unsigned int i = 0; i < sd->nr_units; i++) {
        const struct sched_vcpu *sv = &sd->units[i];
        const struct vcpu *v = sv->v;

        for (unsigned int s = 0; s < 4; s++)
            t[s] += v->runstate_time[s];
        if (now > v->runstate_entry)
            t[v->runstate] += now - v->runstate_entry;
        wakes += sv->wakes;
        in_place += sv->waits_in_place;
        preempted += sv->preempted;
        ran_on |= sv->ran_on;
        lat_sum += sv->lat_sum_ns;
        if (sv->lat_max_ns > lat_max)
            lat_max = sv->lat_max_ns;
    }
    printk_nowait(
        XENLOG_DEBUG
        "sched: d%u '%s' running %lu us runnable %lu us blocked %lu us, %lu preempted, "
        "%lu wake-ups (%lu in place), latency mean %lu us max %lu us, ran on pCPUs %#lx\n",
        d->domain_id, d->name, (unsigned long)(t[RUNSTATE_running] / 1000),
        (unsigned long)(t[RUNSTATE_runnable] / 1000), (unsigned long)(t[RUNSTATE_blocked] / 1000),
        (unsigned long)preempted, (unsigned long)wakes, (unsigned long)in_place,
        (unsigned long)(wakes ? lat_sum / wakes / 1000 : 0), (unsigned long)(lat_max / 1000),
        (unsigned long)ran_on);
}

static void print_sched_stats(void);

static s_time_t running_time(const struct sched_dom *sd, s_time_t now)
{
    s_time_t t = 0;

    for (unsigned int i = 0; i < sd->nr_units; i++) {
        const struct vcpu *v = sd->units[i].v;
        t += v->runstate_time[RUNSTATE_running];
        if (v->runstate == RUNSTATE_running && now > v->runstate_entry)
            t += now - v->runstate_entry;
    }
    return t;
}

/* When the first domain of the boot ends, the running time of every
 * domain so far: over that common stretch all of them competed, so it
 * shows the shares the scheduler gave (used by xen/test/sched). */
static bool snapshot_done;
static void print_snapshot(s_time_t now)
{
    for (unsigned int i = 0; i < nr_domains; i++) {
        const struct domain *d = domain_list[i];

        if (SDOM(d))
            printk_nowait(XENLOG_DEBUG "sched: snapshot d%u '%s' running %lu us\n", d->domain_id,
                          d->name, (unsigned long)(running_time(SDOM(d), now) / 1000));
    }
}

/* Called when the domain's resources go (it no longer runs anywhere). */
void sched_domain_destroy(struct domain *d)
{
    struct sched_dom *sd;
    unsigned long flags;

    if (!sched_ops || d->domain_id == 0 || d->domain_id > MAX_DOMAINS)
        return;
    sd = SDOM(d);
    if (!sd || sd->d != d)
        return;
    if (!snapshot_done) {
        snapshot_done = true;
        print_snapshot(NOW());
    }
    print_domain_stats(sd, NOW());
    print_sched_stats();
    flags = spin_lock_irqsave(&sched_lock);
    for (unsigned int i = 0; i < sd->nr_units; i++) {
        struct sched_vcpu *sv = &sd->units[i];

        unit_sleep(sv);
        if (sv->inserted)
            sched_ops->remove_unit(&sched_inst, &sv->unit);
        sv->inserted = false;
    }
    sched_ops->destroy_domain(&sched_inst, &sd->sd);
    d->sched_priv = NULL;
    spin_unlock_irqrestore(&sched_lock, flags);
    xfree(sd);
}

/* A dying domain ends once none of its vCPUs runs or is awake. */
static void maybe_finish(struct domain *d)
{
    unsigned long flags;
    bool busy = false;

    if (d->state != DOMSTATE_DYING)
        return;
    flags = spin_lock_irqsave(&sched_lock);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        struct sched_vcpu *sv = sched_vcpu_of(v);

        if (v && (v->running || (sv && sv->awake)))
            busy = true;
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    if (busy)
        return;
    flags = spin_lock_irqsave(&d->lock);
    if (d->state != DOMSTATE_DYING) {
        spin_unlock_irqrestore(&d->lock, flags);
        return;
    }
    d->state = DOMSTATE_PAUSED; /* claimed: finishing */
    spin_unlock_irqrestore(&d->lock, flags);
    domain_finish(d);
}

void sched_domain_dying(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct sched_vcpu *sv = sched_vcpu_of(d->vcpus[i]);

        if (sv)
            unit_sleep(sv); /* tickles its pCPU if it runs */
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    maybe_finish(d);
}

/* ---- The decision ------------------------------------------------------- */
static void record_latency(struct sched_vcpu *sv, s_time_t now)
{
    uint64_t lat;
    unsigned int b = 0;

    if (!sv->woke_at || now < sv->woke_at) {
        sv->woke_at = 0;
        return;
    }
    lat = now - sv->woke_at;
    sv->woke_at = 0;
    sv->wakes++;
    sv->lat_sum_ns += lat;
    if (lat > sv->lat_max_ns)
        sv->lat_max_ns = lat;
    while (b + 1 < LAT_BUCKETS && (lat >> (b + 1)))
        b++;
    lat_hist[b]++;
    lat_count++;
    lat_sum_ns += lat;
    if (lat > lat_max_ns)
        lat_max_ns = lat;
}

/* prev: what this pCPU ran until now (NULL: idle). Returns what to run. */
static struct vcpu *schedule_decide(unsigned int cpu, struct vcpu *prev)
{
    struct sched_pcpu *pc = &pcpus[cpu];
    struct sched_decision dec;
    struct vcpu *next = NULL;
    s_time_t now;
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    /* The vCPU that just left the guest: asleep in the scheduler unless
     * it can still run. */
    if (prev) {
        struct sched_vcpu *sv = sched_vcpu_of(prev);
        if (sv && !runnable(prev))
            unit_sleep(sv);
    }
    now = NOW();
    for (unsigned int tries = 0;; tries++) {
        uint64_t t0 = rdtsc(), dt;
        struct sched_vcpu *sv;

        sched_ops->do_schedule(&sched_inst, cpu, now, &dec);
        dt = rdtsc() - t0;
        pc->decisions++;
        pc->decide_cycles += dt;
        if (dt > pc->decide_max_cycles)
            pc->decide_max_cycles = dt;
        next = dec.next ? dec.next->core : NULL;
        if (!next || runnable(next))
            break;
        /* Its flags changed behind the scheduler's back (paused, domain
         * dying): put it to sleep and ask again. */
        sv = sched_vcpu_of(next);
        if (sv)
            unit_sleep(sv);
        if (tries == 3) {
            next = NULL;
            dec.slice = MILLISECS(1);
            break;
        }
    }
    if (next != prev) {
        pc->switches++;
        if (prev) {
            struct sched_vcpu *psv = sched_vcpu_of(prev);
            if (psv && runnable(prev))
                psv->preempted++;
            prev->running = false;
            vcpu_runstate_change(prev, idle_state(prev), now);
        }
        if (next) {
            /* One pCPU at a time: a vCPU chosen while another pCPU still
             * runs it would enter the guest from two VMCB users at once. */
            if (next->running)
                panic("sched: CPU%u chose d%u v%u, which CPU%u is running (%s)", cpu,
                      next->domain->domain_id, next->vcpu_id, next->processor, sched_ops->opt_name);
            next->running = true;
            next->processor = cpu;
            if (cpu < 64 && sched_vcpu_of(next))
                sched_vcpu_of(next)->ran_on |= 1ULL << cpu;
            vcpu_runstate_change(next, RUNSTATE_running, now);
            record_latency(sched_vcpu_of(next), now);
        }
    }
    pc->curr = next;
    this_cpu()->curr_vcpu = next;
    if (dec.slice == SCHED_NO_TIMER)
        stop_timer(&pc->timer);
    else
        set_timer(&pc->timer, now + (dec.slice > 0 ? dec.slice : MICROSECS(50)));
    spin_unlock_irqrestore(&sched_lock, flags);
    if (prev && prev != next) {
        /* Finishing a domain (teardown, and the build again for a restart)
         * took up to 2.5 s here on a loaded host: with interrupts off as
         * schedule_loop() calls us, every timer of this pCPU (other
         * domains' periodic and poll timers, the scheduler's own) waited
         * that long. An interrupt meanwhile only sets softirq_pending,
         * which the caller looks at before it idles or enters a guest. */
        local_irq_enable();
        maybe_finish(prev->domain);
        local_irq_disable();
    }
    return next;
}

/* ---- Boot ---------------------------------------------------------------- */
static unsigned int guest_cpu_count(unsigned int nr)
{
    unsigned int n = 0;

    for (unsigned int c = 0; c < nr; c++)
        n += sched_mask_test(&guest_cpus, c);
    return n;
}

static void guest_cpus_init(unsigned int nr)
{
    const char *why = NULL;
    size_t len = strlen(opt_guest_cpus);

    sched_mask_fill(&guest_cpus, nr);
    if (!strcmp(opt_guest_cpus, "auto")) {
        if (nr > 1 && arch_cpu0_unfit_for_guests(&why)) {
            sched_mask_unset(&guest_cpus, 0);
            printk("sched: pCPU 0 runs no guests: %s (guest_cpus=all overrides)\n", why);
        }
    } else {
        struct sched_cpumask m;

        if (parse_cpu_list(opt_guest_cpus, &m, &why) != len || !len)
            printk(XENLOG_WARNING "sched: guest_cpus=%s: %s; all pCPUs run guests\n",
                   opt_guest_cpus, why ? why : "not a pCPU list");
        else
            guest_cpus = m;
    }
    sched_inst.first_cpu = first_cpu_of(&guest_cpus, 0);
}

void schedule_init(void)
{
    static struct sched_global_params gp, parsed; /* once, at boot: off the stack */
    struct sched_parse_error err = {0};
    unsigned int nr = 0;
    void *mem;
    int rc;

    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (per_cpu(c)->online)
            nr = c + 1;
    for (unsigned int c = 0; c < nr; c++)
        if (!per_cpu(c)->online)
            printk(XENLOG_WARNING "sched: CPU%u is not online but below CPU%u\n", c, nr - 1);
    if (nr > SCHED_MAX_CPUS)
        nr = SCHED_MAX_CPUS;
    sched_nr_cpus = nr;

    sched_ops = sched_find_by_name(opt_sched);
    if (!sched_ops) {
        printk(XENLOG_WARNING "sched: unknown scheduler '%s', using %s\n", opt_sched,
               sched_default()->opt_name);
        sched_ops = sched_default();
    }
    sched_global_default(sched_ops, &gp);
    if (opt_sched_opts[0]) {
        parsed = gp;
        if (sched_parse_global(sched_ops, opt_sched_opts, &parsed, &err))
            printk(XENLOG_WARNING "sched: bad sched_opts \"%s\" at offset %lu: %s; defaults kept\n",
                   opt_sched_opts, (unsigned long)err.pos, err.msg ? err.msg : "invalid");
        else
            gp = parsed;
    }
    if (!strcmp(opt_wait_in_place, "poll"))
        wait_mode = WAIT_POLL;
    else if (!strcmp(opt_wait_in_place, "no"))
        wait_mode = WAIT_NO;
    else if (strcmp(opt_wait_in_place, "halt"))
        printk(XENLOG_WARNING "sched: wait_in_place=%s: not halt, poll or no; halt used\n",
               opt_wait_in_place);
    if (sched_ops->blocked_keeps_cpu && wait_mode != WAIT_NO)
        printk("sched: a blocked vCPU waits on its pCPU (%s)\n", opt_wait_in_place);
    a653_auto = sched_ops->sched_id == XEN_SCHEDULER_ARINC653 && !opt_sched_opts[0];
    if (a653_auto)
        printk("sched: arinc653 without sched_opts: a %lu us slot per vCPU, in domain order\n",
               (unsigned long)(A653_AUTO_SLOT / 1000));
    sched_cb.tickle = cb_tickle;
    sched_cb.now = cb_now;
    sched_cb.trace = cb_trace;
    mem = xzalloc_bytes(sched_ops->instance_size(nr));
    if (!mem)
        panic("sched: out of memory for the %s scheduler", sched_ops->opt_name);
    rc = sched_instance_init(&sched_inst, sched_ops, &sched_cb, nr, mem, &gp);
    if (rc)
        panic("sched: %s scheduler refused to start (%d)", sched_ops->opt_name, rc);
    guest_cpus_init(nr);
    for (unsigned int c = 0; c < nr; c++)
        init_timer(&pcpus[c].timer, sched_timer_fn, &pcpus[c], c);
    printk("sched: %s (%s) on %u pCPUs, guests on %u of them from pCPU %u\n", sched_ops->name,
           sched_ops->opt_name, nr, guest_cpu_count(nr), sched_inst.first_cpu);
    __atomic_store_n(&sched_ready, true, __ATOMIC_RELEASE);
}

void __noreturn schedule_loop(void)
{
    unsigned int cpu = smp_processor_id();
    struct cpu_info *ci = this_cpu();
    struct vcpu *curr = NULL;

    while (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
        cpu_relax();
    if (cpu >= sched_nr_cpus)
        for (;;)
            safe_halt(); /* came up after the scheduler was sized */
    for (;;) {
        /* Frames of destroyed domains, a bounded step per pass, but not
         * while a vCPU woken here waits (a restarted domain's first run
         * would wait for its own previous incarnation's frames). */
        if (!ci->softirq_pending)
            page_reclaim_step(PAGE_RECLAIM_STEP);
        local_irq_disable();
        ci->softirq_pending = 0;
        curr = schedule_decide(cpu, curr);
        if (!curr) {
            /* Guest console output left over, with interrupts on. */
            local_irq_enable();
            console_idle_drain();
            /* Idle until a tickle or the timer asks for a decision. */
            local_irq_disable();
            while (!ci->softirq_pending) {
                if (__atomic_exchange_n(&drain_wanted[cpu], false, __ATOMIC_SEQ_CST)) {
                    local_irq_enable();
                    console_idle_drain();
                    local_irq_disable();
                    continue;
                }
                safe_halt(); /* sti; hlt: wakes on the next interrupt */
                local_irq_disable();
            }
            continue;
        }
        local_irq_enable();
        hvm_funcs->vcpu_run(curr);
    }
}

/* ---- domctl and sysctl ---------------------------------------------------- */
/* The scheduler state of d, or NULL when it has none (yet or any more). */
static struct sched_dom *sdom_of(const struct domain *d)
{
    if (!d || d->domain_id == 0 || d->domain_id > MAX_DOMAINS)
        return NULL;
    return SDOM(d) && SDOM(d)->d == d ? SDOM(d) : NULL;
}

static void rtds_to_params(const struct xen_domctl_sched_rtds *r, struct sched_params *p)
{
    p->sched_id = XEN_SCHEDULER_RTDS;
    p->u.rtds.period_us = r->period;
    p->u.rtds.budget_us = r->budget;
    p->u.rtds.extratime = r->flags & XEN_DOMCTL_SCHEDRT_extra;
}

static void params_to_rtds(const struct sched_params *p, struct xen_domctl_sched_rtds *r)
{
    r->period = p->u.rtds.period_us;
    r->budget = p->u.rtds.budget_us;
    r->flags = p->u.rtds.extratime ? XEN_DOMCTL_SCHEDRT_extra : 0;
}

/* Per-domain get/set (sched_lock taken here). */
static long dom_adjust(struct domain *d, struct sched_unit *u, bool set, struct sched_params *p)
{
    struct sched_dom *sd;
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    long rc;

    sd = sdom_of(d);
    rc = sd ? sched_ops->adjust(&sched_inst, &sd->sd, u, set, p) : -ESRCH;
    spin_unlock_irqrestore(&sched_lock, flags);
    return rc;
}

/* getvcpuinfo/putvcpuinfo of rtds: nr_vcpus entries in guest memory, each
 * naming a vCPU; stops at the first bad one (the ones before it are done,
 * as in Xen). */
static long rtds_vcpu_op(struct vcpu *caller, struct domain *d, struct xen_domctl_scheduler_op *op)
{
    bool set = op->cmd == XEN_DOMCTL_SCHEDOP_putvcpuinfo;
    struct sched_dom *sd = sdom_of(d);

    if (!sd)
        return -ESRCH;
    for (uint32_t i = 0; i < op->u.v.nr_vcpus; i++) {
        struct xen_domctl_schedparam_vcpu e;
        uint64_t addr = op->u.v.vcpus + (uint64_t)i * sizeof(e);
        struct sched_params p;
        long rc;

        if (copy_from_guest(caller, &e, addr, sizeof(e)))
            return -EFAULT;
        if (e.vcpuid >= sd->nr_units)
            return -EINVAL;
        memset(&p, 0, sizeof(p));
        if (set) {
            rtds_to_params(&e.u.rtds, &p);
            if (sched_params_check(sched_ops, &p))
                return -EINVAL;
        }
        rc = dom_adjust(d, &sd->units[e.vcpuid].unit, set, &p);
        if (rc)
            return rc;
        if (!set) {
            params_to_rtds(&p, &e.u.rtds);
            if (copy_to_guest(caller, addr, &e, sizeof(e)))
                return -EFAULT;
        }
    }
    return 0;
}

/* XEN_DOMCTL_scheduler_op: the scheduler id must be the one running. */
long sched_domctl_scheduler_op(struct vcpu *caller, struct domain *d,
                               struct xen_domctl_scheduler_op *op)
{
    struct sched_params p;
    bool set = op->cmd == XEN_DOMCTL_SCHEDOP_putinfo;
    long rc;

    if (!sched_ops)
        return -ENOSYS;
    if (op->sched_id != sched_ops->sched_id)
        return -EINVAL;
    if (op->cmd == XEN_DOMCTL_SCHEDOP_putvcpuinfo || op->cmd == XEN_DOMCTL_SCHEDOP_getvcpuinfo)
        return sched_ops->sched_id == XEN_SCHEDULER_RTDS ? rtds_vcpu_op(caller, d, op) : -EINVAL;
    if (op->cmd != XEN_DOMCTL_SCHEDOP_putinfo && op->cmd != XEN_DOMCTL_SCHEDOP_getinfo)
        return -EINVAL;

    memset(&p, 0, sizeof(p));
    rc = dom_adjust(d, NULL, false, &p);
    if (rc)
        return rc;
    switch (sched_ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        if (!set) {
            op->u.credit2.weight = p.u.credit2.weight;
            op->u.credit2.cap = p.u.credit2.cap;
            return 0;
        }
        /* A weight of 0 keeps the current one; a cap may not exceed the
         * domain's vCPUs (100 each). */
        if (op->u.credit2.weight)
            p.u.credit2.weight = op->u.credit2.weight;
        if (op->u.credit2.cap > 100 * d->nr_vcpus)
            return -EINVAL;
        p.u.credit2.cap = op->u.credit2.cap;
        break;
    case XEN_SCHEDULER_RTDS:
        if (!set) {
            params_to_rtds(&p, &op->u.rtds);
            return 0;
        }
        rtds_to_params(&op->u.rtds, &p);
        break;
    default:
        return 0; /* null and arinc653 have no per-domain parameters */
    }
    if (sched_params_check(sched_ops, &p))
        return -EINVAL;
    return dom_adjust(d, NULL, true, &p);
}

/* arinc653 schedule in the sysctl's layout; under sysctl_lock. */
static struct xen_sysctl_arinc653_schedule a653_buf;
static struct sched_global_params sysctl_gp;
static DEFINE_SPINLOCK(sysctl_lock);

/* A schedule entry's domain handle names domain id handle[0] when the
 * other bytes are zero (the handle getdomaininfo reports); any other
 * handle names no domain here, so its slot stays idle. */
static uint32_t handle_to_domid(const uint8_t h[16])
{
    for (unsigned int i = 1; i < 16; i++)
        if (h[i])
            return SCHED_IDLE_DOMID - 1;
    return h[0];
}

static long a653_sysctl(struct vcpu *caller, struct xen_sysctl_scheduler_op *op)
{
    struct sched_global_params *gp = &sysctl_gp;
    uint64_t addr = op->u.sched_arinc653.schedule;
    unsigned long flags;
    long rc;

    if (op->cmd == XEN_SYSCTL_SCHEDOP_putinfo) {
        if (copy_from_guest(caller, &a653_buf, addr, sizeof(a653_buf)))
            return -EFAULT;
        if (!a653_buf.num_sched_entries ||
            a653_buf.num_sched_entries > ARINC653_MAX_DOMAINS_PER_SCHEDULE ||
            a653_buf.major_frame > (uint64_t)SECONDS(10))
            return -EINVAL;
        memset(gp, 0, sizeof(*gp));
        gp->sched_id = XEN_SCHEDULER_ARINC653;
        gp->u.arinc653.major_frame = (s_time_t)a653_buf.major_frame;
        gp->u.arinc653.nr_slots = a653_buf.num_sched_entries;
        for (unsigned int i = 0; i < a653_buf.num_sched_entries; i++) {
            if (a653_buf.sched_entries[i].runtime > (uint64_t)SECONDS(10))
                return -EINVAL;
            gp->u.arinc653.slots[i].domid = handle_to_domid(a653_buf.sched_entries[i].dom_handle);
            gp->u.arinc653.slots[i].unit_id = a653_buf.sched_entries[i].vcpu_id;
            gp->u.arinc653.slots[i].runtime = (s_time_t)a653_buf.sched_entries[i].runtime;
        }
        if (sched_global_check(sched_ops, gp))
            return -EINVAL;
        flags = spin_lock_irqsave(&sched_lock);
        rc = sched_ops->adjust_global(&sched_inst, true, gp);
        if (!rc)
            a653_auto = false; /* the controller's schedule from now on */
        spin_unlock_irqrestore(&sched_lock, flags);
        return rc;
    }
    flags = spin_lock_irqsave(&sched_lock);
    rc = sched_ops->adjust_global(&sched_inst, false, gp);
    spin_unlock_irqrestore(&sched_lock, flags);
    if (rc)
        return rc;
    memset(&a653_buf, 0, sizeof(a653_buf));
    a653_buf.major_frame = (uint64_t)gp->u.arinc653.major_frame;
    a653_buf.num_sched_entries = (uint8_t)gp->u.arinc653.nr_slots;
    for (unsigned int i = 0; i < gp->u.arinc653.nr_slots; i++) {
        uint32_t domid = gp->u.arinc653.slots[i].domid;

        if (domid < 256)
            a653_buf.sched_entries[i].dom_handle[0] = (uint8_t)domid;
        else
            memset(a653_buf.sched_entries[i].dom_handle, 0xff, 16);
        a653_buf.sched_entries[i].vcpu_id = gp->u.arinc653.slots[i].unit_id;
        a653_buf.sched_entries[i].runtime = (uint64_t)gp->u.arinc653.slots[i].runtime;
    }
    return copy_to_guest(caller, addr, &a653_buf, sizeof(a653_buf)) ? -EFAULT : 0;
}

/* XEN_SYSCTL_scheduler_op: scheduler-wide parameters of pool 0. */
long sched_sysctl_scheduler_op(struct vcpu *caller, struct xen_sysctl_scheduler_op *op)
{
    struct sched_global_params *gp = &sysctl_gp;
    unsigned long flags, cflags;
    long rc = 0;

    if (!sched_ops)
        return -ENOSYS;
    if (op->cpupool_id != 0)
        return -ESRCH;
    if (op->sched_id != sched_ops->sched_id)
        return -EINVAL;
    if (op->cmd != XEN_SYSCTL_SCHEDOP_putinfo && op->cmd != XEN_SYSCTL_SCHEDOP_getinfo)
        return -EINVAL;
    cflags = spin_lock_irqsave(&sysctl_lock);
    switch (sched_ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        flags = spin_lock_irqsave(&sched_lock);
        rc = sched_ops->adjust_global(&sched_inst, false, gp);
        if (!rc && op->cmd == XEN_SYSCTL_SCHEDOP_putinfo) {
            gp->u.credit2.ratelimit_us = op->u.sched_credit2.ratelimit_us;
            rc = sched_global_check(sched_ops, gp)
                     ? -EINVAL
                     : sched_ops->adjust_global(&sched_inst, true, gp);
        }
        spin_unlock_irqrestore(&sched_lock, flags);
        if (!rc)
            op->u.sched_credit2.ratelimit_us = gp->u.credit2.ratelimit_us;
        break;
    case XEN_SCHEDULER_ARINC653:
        rc = a653_sysctl(caller, op);
        break;
    default:
        break; /* null and rtds have no scheduler-wide parameters */
    }
    spin_unlock_irqrestore(&sysctl_lock, cflags);
    return rc;
}

/* A guest bitmap into m (bits at or past nr_bits clear). */
static long bitmap_in(struct vcpu *caller, const struct xenctl_bitmap *b, struct sched_cpumask *m)
{
    uint8_t bytes[SCHED_MAX_CPUS / 8] = {0};
    size_t n = ((size_t)b->nr_bits + 7) / 8;

    if (n > sizeof(bytes))
        n = sizeof(bytes);
    if (n && copy_from_guest(caller, bytes, b->bitmap, n))
        return -EFAULT;
    if (b->nr_bits % 8 && n == ((size_t)b->nr_bits + 7) / 8)
        bytes[n - 1] &= (uint8_t)((1u << (b->nr_bits % 8)) - 1);
    sched_mask_clear(m);
    for (unsigned int c = 0; c < sched_nr_cpus; c++)
        if (bytes[c / 8] & (1u << (c % 8)))
            sched_mask_set(m, c);
    return 0;
}

/* m into a guest bitmap of nr_bits (rounded up to bytes; the part past
 * the pCPUs here is zeroed, at most 64 KiB of it). */
static long bitmap_out(struct vcpu *caller, const struct xenctl_bitmap *b,
                       const struct sched_cpumask *m)
{
    uint8_t bytes[SCHED_MAX_CPUS / 8] = {0};
    size_t n = ((size_t)b->nr_bits + 7) / 8, done = 0;

    if (n > 65536)
        n = 65536;
    for (unsigned int c = 0; c < sched_nr_cpus; c++)
        if (sched_mask_test(m, c))
            bytes[c / 8] |= 1u << (c % 8);
    while (done < n) {
        size_t k = n - done < sizeof(bytes) ? n - done : sizeof(bytes);

        if (copy_to_guest(caller, b->bitmap + done, bytes, k))
            return -EFAULT;
        memset(bytes, 0, sizeof(bytes));
        done += k;
    }
    return 0;
}

/* XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity. */
long sched_domctl_vcpuaffinity(struct vcpu *caller, struct domain *d, bool set,
                               struct xen_domctl_vcpuaffinity *op)
{
    struct sched_cpumask hard, soft, online, eff_hard, eff_soft;
    struct sched_dom *sd;
    struct sched_vcpu *sv;
    unsigned long flags;
    long rc;

    if (op->vcpu >= d->nr_vcpus)
        return -EINVAL;
    if (!d->vcpus[op->vcpu])
        return -ESRCH;
    if (!(op->flags & (XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT)))
        return -EINVAL;
    online = guest_cpus;
    if (set) {
        if (op->flags & XEN_VCPUAFFINITY_HARD) {
            rc = bitmap_in(caller, &op->cpumap_hard, &hard);
            if (rc)
                return rc;
            sched_mask_and(&hard, &guest_cpus);
            if (sched_mask_empty(&hard, sched_nr_cpus))
                return -EINVAL; /* no online pCPU that runs guests in it */
        }
        if (op->flags & XEN_VCPUAFFINITY_SOFT) {
            rc = bitmap_in(caller, &op->cpumap_soft, &soft);
            if (rc)
                return rc;
        }
    }
    flags = spin_lock_irqsave(&sched_lock);
    sd = sdom_of(d);
    if (!sd || op->vcpu >= sd->nr_units) {
        spin_unlock_irqrestore(&sched_lock, flags);
        return -ESRCH;
    }
    sv = &sd->units[op->vcpu];
    if (set) {
        if (op->flags & XEN_VCPUAFFINITY_HARD)
            sv->unit.hard_affinity = hard;
        if (op->flags & XEN_VCPUAFFINITY_SOFT)
            sv->unit.soft_affinity = soft;
        if (sv->inserted)
            sched_ops->affinity_changed(&sched_inst, &sv->unit);
    }
    /* What is in effect: hard within the online pCPUs, soft within hard. */
    for (unsigned int w = 0; w < SCHED_MASK_WORDS; w++) {
        eff_hard.bits[w] = sv->unit.hard_affinity.bits[w] & online.bits[w];
        eff_soft.bits[w] = sv->unit.soft_affinity.bits[w] & eff_hard.bits[w];
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    /* A running vCPU that may no longer run here leaves at once. */
    if (set && d->vcpus[op->vcpu]->running)
        vcpu_kick(d->vcpus[op->vcpu]);
    if (op->flags & XEN_VCPUAFFINITY_HARD) {
        rc = bitmap_out(caller, &op->cpumap_hard, &eff_hard);
        if (rc)
            return rc;
    }
    if (op->flags & XEN_VCPUAFFINITY_SOFT)
        return bitmap_out(caller, &op->cpumap_soft, &eff_soft);
    return 0;
}

/* XEN_DOMCTL_getvcpuinfo. */
long sched_domctl_getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *op)
{
    const struct vcpu *v;
    unsigned long flags;

    if (op->vcpu >= d->nr_vcpus)
        return -EINVAL;
    v = d->vcpus[op->vcpu];
    if (!v)
        return -ESRCH;
    flags = spin_lock_irqsave(&sched_lock);
    op->online = v->up;
    op->blocked = v->blocked;
    op->running = v->running;
    op->cpu_time = (uint64_t)v->runstate_time[RUNSTATE_running];
    if (v->running && NOW() > v->runstate_entry)
        op->cpu_time += (uint64_t)(NOW() - v->runstate_entry);
    op->cpu = sched_vcpu_of(v) ? sched_vcpu_of(v)->unit.processor : v->processor;
    spin_unlock_irqrestore(&sched_lock, flags);
    return 0;
}

/* ---- Debug key ------------------------------------------------------------ */
static void dump_print(void *ctx, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
}

static const char *const runstate_names[] = {"running", "runnable", "blocked", "offline"};

static uint64_t cycles_to_ns(uint64_t c)
{
    uint64_t khz = tsc_khz();

    return khz ? c * 1000000 / khz : 0;
}

static uint64_t lat_median_ns(void)
{
    uint64_t seen = 0;

    for (unsigned int b = 0; b < LAT_BUCKETS; b++) {
        seen += lat_hist[b];
        if (lat_count && seen * 2 >= lat_count)
            return (3ULL << b) / 2; /* middle of [2^b, 2^(b+1)) */
    }
    return 0;
}

static void print_sched_stats(void)
{
    uint64_t n = 0, cyc = 0, max = 0;

    for (unsigned int c = 0; c < sched_nr_cpus; c++) {
        n += pcpus[c].decisions;
        cyc += pcpus[c].decide_cycles;
        if (pcpus[c].decide_max_cycles > max)
            max = pcpus[c].decide_max_cycles;
    }
    printk_nowait(
        "sched: %s: %lu decisions, mean %lu ns max %lu ns; %lu wake-ups, latency median ~%lu "
        "us mean %lu us max %lu us\n",
        sched_ops->opt_name, (unsigned long)n, (unsigned long)(n ? cycles_to_ns(cyc / n) : 0),
        (unsigned long)cycles_to_ns(max), (unsigned long)lat_count,
        (unsigned long)(lat_median_ns() / 1000),
        (unsigned long)(lat_count ? lat_sum_ns / lat_count / 1000 : 0),
        (unsigned long)(lat_max_ns / 1000));
}

static void dump_runqs(char key)
{
    unsigned long flags;
    s_time_t now = NOW();

    if (!sched_ops) {
        printk("sched: not started\n");
        return;
    }
    print_sched_stats();
    flags = spin_lock_irqsave(&sched_lock);
    sched_ops->dump(&sched_inst, dump_print, NULL);
    for (unsigned int c = 0; c < sched_nr_cpus; c++) {
        const struct sched_pcpu *pc = &pcpus[c];
        printk(" CPU%u: running %s%s%u, %lu decisions, %lu switches, %lu tickles, %lu IPIs\n", c,
               pc->curr ? pc->curr->domain->name : "idle", pc->curr ? ".v" : "",
               pc->curr ? pc->curr->vcpu_id : 0, (unsigned long)pc->decisions,
               (unsigned long)pc->switches, (unsigned long)pc->tickles, (unsigned long)pc->ipis);
    }
    for (unsigned int k = 0; k < nr_domains; k++) {
        const struct sched_dom *sd = SDOM(domain_list[k]);
        if (!sd)
            continue;
        for (unsigned int i = 0; i < sd->nr_units; i++) {
            const struct vcpu *v = sd->units[i].v;
            s_time_t t[4];
            for (unsigned int s = 0; s < 4; s++)
                t[s] = v->runstate_time[s];
            if (now > v->runstate_entry)
                t[v->runstate] += now - v->runstate_entry;
            printk(" d%u.v%u '%s' %s on CPU%u%s: running %lu us runnable %lu us blocked %lu us "
                   "offline %lu us\n",
                   sd->d->domain_id, i, sd->d->name, runstate_names[v->runstate],
                   sd->units[i].unit.processor, sd->units[i].awake ? "" : " (asleep)",
                   (unsigned long)(t[0] / 1000), (unsigned long)(t[1] / 1000),
                   (unsigned long)(t[2] / 1000), (unsigned long)(t[3] / 1000));
        }
    }
    printk(" last %u of %lu trace events:\n",
           trace_count < TRACE_RING ? (unsigned int)trace_count : TRACE_RING,
           (unsigned long)trace_count);
    for (unsigned int k = 0; k < TRACE_RING && k < trace_count; k++) {
        const struct trace_rec *r = &trace_ring[(trace_next + TRACE_RING - 1 - k) % TRACE_RING];
        printk("  %lu ns ev%u cpu%u d%d.v%u arg %lu\n", (unsigned long)r->t, r->ev, r->cpu,
               r->domid == SCHED_IDLE_DOMID ? -1 : (int)r->domid, r->unit_id,
               (unsigned long)r->arg);
        if (k == 15)
            break; /* the most recent 16 are enough on a serial line */
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}
register_keyhandler('r', dump_runqs, "dump run queues and vCPU runstates");
