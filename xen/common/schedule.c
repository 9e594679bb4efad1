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
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/sched.h>
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
static struct sched_dom *sdoms[MAX_DOMAINS + 1];

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
    sd = sdoms[v->domain->domain_id];
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

void vcpu_wake(struct vcpu *v)
{
    struct sched_vcpu *sv;
    unsigned long flags = spin_lock_irqsave(&sched_lock);

    v->blocked = false;
    sv = sched_vcpu_of(v);
    if (sv && runnable(v))
        unit_wake(sv, NOW());
    spin_unlock_irqrestore(&sched_lock, flags);
}

/* The running vCPU waits for an event; it leaves the pCPU on return, and
 * the core puts it to sleep in the scheduler unless an event came. */
void vcpu_block(struct vcpu *v)
{
    v->blocked = true;
    /* An event that arrived meanwhile cancels the block. */
    if (hvm_pending_interrupt(v) >= 0)
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
/* The hooks domain.c calls (weak defaults there). */
int sched_domain_init(struct domain *d);
void sched_domain_destroy(struct domain *d);

void sched_add_vcpu(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, NULL, v, v->processor);
    init_timer(&v->periodic_timer, NULL, v, v->processor);
    v->runstate_entry = NOW();
    v->on_runq = false;
}

void sched_remove_vcpu(struct vcpu *v)
{
    if (v->singleshot_timer.fn)
        stop_timer(&v->singleshot_timer);
    if (v->periodic_timer.fn)
        stop_timer(&v->periodic_timer);
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

/* Scheduler state of a domain and its vCPUs; parameters from the boot
 * settings weight=, cap= and sched=. Called after the vCPUs exist. */
int sched_domain_init(struct domain *d)
{
    struct sched_dom *sd;
    struct sched_params p, parsed;
    struct sched_parse_error err = {0};
    unsigned long flags;
    int rc;

    if (!sched_ops)
        return 0; /* no scheduler: nothing will run anyway */
    if (d->domain_id == 0 || d->domain_id > MAX_DOMAINS || d->nr_vcpus > MAX_VCPUS)
        return -EINVAL;
    if (sdoms[d->domain_id])
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
    if (d->sched_params[0]) {
        parsed = p;
        if (sched_parse_params(sched_ops, d->sched_params, &parsed, &err))
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
        sched_mask_fill(&sv->unit.hard_affinity, sched_nr_cpus);
        sched_mask_fill(&sv->unit.soft_affinity, sched_nr_cpus);
        sv->unit.processor = v->processor < sched_nr_cpus ? v->processor : 0;
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
        sdoms[d->domain_id] = sd;
        /* Not runnable until the domain starts (vcpu_wake). */
        for (unsigned int i = 0; i < sd->nr_units; i++)
            vcpu_runstate_change(sd->units[i].v, RUNSTATE_offline, now);
    }
    spin_unlock_irqrestore(&sched_lock, flags);
    if (rc) {
        sdoms[d->domain_id] = sd; /* so that destroy undoes what was done */
        sched_domain_destroy(d);
        return rc;
    }
    if (sched_ops->sched_id == XEN_SCHEDULER_CREDIT2)
        printk(XENLOG_DEBUG "sched: d%u '%s': credit2 weight %u cap %u\n", d->domain_id, d->name,
               p.u.credit2.weight, p.u.credit2.cap);
    else if (sched_ops->sched_id == XEN_SCHEDULER_RTDS)
        printk(XENLOG_DEBUG "sched: d%u '%s': rtds period %u us budget %u us%s\n", d->domain_id,
               d->name, p.u.rtds.period_us, p.u.rtds.budget_us,
               p.u.rtds.extratime ? " extratime" : "");
    return 0;
}

static void print_domain_stats(const struct sched_dom *sd, s_time_t now)
{
    const struct domain *d = sd->d;
    s_time_t t[4] = {0};
    uint64_t wakes = 0, lat_sum = 0, lat_max = 0, preempted = 0;

    for (unsigned int i = 0; i < sd->nr_units; i++) {
        const struct sched_vcpu *sv = &sd->units[i];
        const struct vcpu *v = sv->v;

        for (unsigned int s = 0; s < 4; s++)
            t[s] += v->runstate_time[s];
        if (now > v->runstate_entry)
            t[v->runstate] += now - v->runstate_entry;
        wakes += sv->wakes;
        preempted += sv->preempted;
        lat_sum += sv->lat_sum_ns;
        if (sv->lat_max_ns > lat_max)
            lat_max = sv->lat_max_ns;
    }
    printk("sched: d%u '%s' running %lu us runnable %lu us blocked %lu us, %lu preempted, "
           "%lu wake-ups, latency mean %lu us max %lu us\n",
           d->domain_id, d->name, (unsigned long)(t[RUNSTATE_running] / 1000),
           (unsigned long)(t[RUNSTATE_runnable] / 1000),
           (unsigned long)(t[RUNSTATE_blocked] / 1000), (unsigned long)preempted,
           (unsigned long)wakes, (unsigned long)(wakes ? lat_sum / wakes / 1000 : 0),
           (unsigned long)(lat_max / 1000));
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
    for (unsigned int id = 1; id <= MAX_DOMAINS; id++)
        if (sdoms[id])
            printk("sched: snapshot d%u '%s' running %lu us\n", id, sdoms[id]->d->name,
                   (unsigned long)(running_time(sdoms[id], now) / 1000));
}

/* Called when the domain's resources go (it no longer runs anywhere). */
void sched_domain_destroy(struct domain *d)
{
    struct sched_dom *sd;
    unsigned long flags;

    if (!sched_ops || d->domain_id == 0 || d->domain_id > MAX_DOMAINS)
        return;
    sd = sdoms[d->domain_id];
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
    sdoms[d->domain_id] = NULL;
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
            next->running = true;
            next->processor = cpu;
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
    if (prev && prev != next)
        maybe_finish(prev->domain);
    return next;
}

/* ---- Boot ---------------------------------------------------------------- */
void schedule_init(void)
{
    struct sched_global_params gp;
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
        struct sched_global_params parsed = gp;
        if (sched_parse_global(sched_ops, opt_sched_opts, &parsed, &err))
            printk(XENLOG_WARNING "sched: bad sched_opts \"%s\" at offset %lu: %s; defaults kept\n",
                   opt_sched_opts, (unsigned long)err.pos, err.msg ? err.msg : "invalid");
        else
            gp = parsed;
    }
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
    for (unsigned int c = 0; c < nr; c++)
        init_timer(&pcpus[c].timer, sched_timer_fn, &pcpus[c], c);
    printk("sched: %s (%s) on %u pCPUs\n", sched_ops->name, sched_ops->opt_name, nr);
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
        local_irq_disable();
        ci->softirq_pending = 0;
        curr = schedule_decide(cpu, curr);
        if (!curr) {
            /* Idle until a tickle or the timer asks for a decision. */
            local_irq_disable();
            while (!ci->softirq_pending) {
                safe_halt(); /* sti; hlt: wakes on the next interrupt */
                local_irq_disable();
            }
            continue;
        }
        local_irq_enable();
        hvm_funcs->vcpu_run(curr);
    }
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
    printk("sched: %s: %lu decisions, mean %lu ns max %lu ns; %lu wake-ups, latency median ~%lu "
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
    for (unsigned int id = 1; id <= MAX_DOMAINS; id++) {
        const struct sched_dom *sd = sdoms[id];
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
                   id, i, sd->d->name, runstate_names[v->runstate], sd->units[i].unit.processor,
                   sd->units[i].awake ? "" : " (asleep)", (unsigned long)(t[0] / 1000),
                   (unsigned long)(t[1] / 1000), (unsigned long)(t[2] / 1000),
                   (unsigned long)(t[3] / 1000));
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
