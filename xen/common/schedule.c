/* The scheduling core: per-pCPU run queues of vCPUs, time slices, blocking
 * and wake-up, and the end of a domain once none of its vCPUs is on a pCPU.
 *
 * Policy here is round robin with a fixed slice: a vCPU runs until it
 * blocks, yields, or its slice ends while another vCPU waits on the same
 * pCPU. Each pCPU runs schedule_loop(), entered from boot (CPU0) or from
 * start_secondary (the others). */
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <asm/apic.h>
#include <asm/hvm/hvm.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>

struct runq {
    spinlock_t lock;
    struct vcpu *head, *tail;
    struct vcpu *curr;
    unsigned int len;
    struct timer slice_timer;
    uint64_t switches;
};

static struct runq runqs[NR_CPUS];
static unsigned int opt_tslice_ms = 10;
unsigned_param("sched_tslice_ms", opt_tslice_ms, 1, 1000);

struct vcpu *current_vcpu(void)
{
    return runqs[smp_processor_id()].curr;
}

void vcpu_runstate_change(struct vcpu *v, enum vcpu_runstate st, s_time_t now)
{
    v->runstate_time[v->runstate] += now - v->runstate_entry;
    v->runstate = st;
    v->runstate_entry = now;
}

static void enqueue(struct runq *rq, struct vcpu *v)
{
    v->rq_next = NULL;
    if (rq->tail)
        rq->tail->rq_next = v;
    else
        rq->head = v;
    rq->tail = v;
    v->on_runq = true;
    rq->len++;
}

static struct vcpu *dequeue(struct runq *rq)
{
    struct vcpu *v = rq->head;

    if (v) {
        rq->head = v->rq_next;
        if (!rq->head)
            rq->tail = NULL;
        v->rq_next = NULL;
        v->on_runq = false;
        rq->len--;
    }
    return v;
}

static void remove_from(struct runq *rq, struct vcpu *v)
{
    struct vcpu **pp = &rq->head, *prev = NULL;

    for (; *pp; prev = *pp, pp = &(*pp)->rq_next)
        if (*pp == v) {
            *pp = v->rq_next;
            if (rq->tail == v)
                rq->tail = prev;
            v->on_runq = false;
            rq->len--;
            return;
        }
}

static bool runnable(const struct vcpu *v)
{
    return v->up && !v->blocked && !v->pause && v->domain->state == DOMSTATE_RUNNING;
}

/* Make the pCPU look at its queue: from the guest (a #VMEXIT via the IPI)
 * or from idle. */
static void cpu_tickle(unsigned int cpu)
{
    if (cpu == smp_processor_id())
        this_cpu()->softirq_pending = 1;
    else
        apic_send_ipi(per_cpu(cpu)->apic_id, EVENT_CHECK_VECTOR);
}

void vcpu_wake(struct vcpu *v)
{
    struct runq *rq = &runqs[v->processor];
    unsigned long flags = spin_lock_irqsave(&rq->lock);
    bool tickle = false;

    v->blocked = false;
    if (runnable(v) && !v->on_runq && !v->running) {
        vcpu_runstate_change(v, RUNSTATE_runnable, NOW());
        enqueue(rq, v);
        tickle = !rq->curr || rq->len > 0;
    }
    spin_unlock_irqrestore(&rq->lock, flags);
    if (tickle)
        cpu_tickle(v->processor);
}

/* The running vCPU waits for an event; it leaves the pCPU on return. */
void vcpu_block(struct vcpu *v)
{
    v->blocked = true;
    /* An event that arrived meanwhile cancels the block. */
    if (hvm_pending_interrupt(v) >= 0)
        v->blocked = false;
}

void vcpu_yield(struct vcpu *v)
{
    v->kick = true;
}

void vcpu_kick(struct vcpu *v)
{
    v->kick = true;
    if (v->running)
        cpu_tickle(v->processor);
}

void sched_add_vcpu(struct vcpu *v)
{
    init_timer(&v->singleshot_timer, NULL, v, v->processor);
    init_timer(&v->periodic_timer, NULL, v, v->processor);
    v->runstate_entry = NOW();
}

void sched_remove_vcpu(struct vcpu *v)
{
    struct runq *rq = &runqs[v->processor];
    unsigned long flags = spin_lock_irqsave(&rq->lock);

    if (v->on_runq)
        remove_from(rq, v);
    spin_unlock_irqrestore(&rq->lock, flags);
    if (v->singleshot_timer.fn)
        stop_timer(&v->singleshot_timer);
    if (v->periodic_timer.fn)
        stop_timer(&v->periodic_timer);
}

/* A dying domain ends once no vCPU of it is running or queued. */
static void maybe_finish(struct domain *d)
{
    unsigned long flags;
    bool busy = false;

    if (d->state != DOMSTATE_DYING)
        return;
    flags = spin_lock_irqsave(&d->lock);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && (v->running || v->on_runq))
            busy = true;
    }
    if (busy || d->state != DOMSTATE_DYING) {
        spin_unlock_irqrestore(&d->lock, flags);
        return;
    }
    d->state = DOMSTATE_PAUSED; /* claimed: finishing */
    spin_unlock_irqrestore(&d->lock, flags);
    domain_finish(d);
}

void sched_domain_dying(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        struct runq *rq;
        unsigned long flags;

        if (!v)
            continue;
        rq = &runqs[v->processor];
        flags = spin_lock_irqsave(&rq->lock);
        if (v->on_runq)
            remove_from(rq, v);
        spin_unlock_irqrestore(&rq->lock, flags);
    }
    maybe_finish(d);
}

static void slice_end(void *data)
{
    struct runq *rq = data;

    if (rq->len)
        this_cpu()->softirq_pending = 1; /* someone waits: preempt */
}

void schedule_init(void)
{
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        runqs[c].lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
        init_timer(&runqs[c].slice_timer, slice_end, &runqs[c], c);
    }
}

void __noreturn schedule_loop(void)
{
    unsigned int cpu = smp_processor_id();
    struct runq *rq = &runqs[cpu];
    struct cpu_info *ci = this_cpu();

    for (;;) {
        struct vcpu *v;
        unsigned long flags;
        s_time_t now;

        local_irq_disable();
        ci->softirq_pending = 0;
        flags = spin_lock_irqsave(&rq->lock);
        v = dequeue(rq);
        if (v)
            v->running = true;
        rq->curr = v;
        spin_unlock_irqrestore(&rq->lock, flags);
        if (!v) {
            safe_halt(); /* sti; hlt: wakes on the next interrupt */
            continue;
        }
        local_irq_enable();
        if (!runnable(v)) {
            v->running = false;
            rq->curr = NULL;
            maybe_finish(v->domain);
            continue;
        }
        now = NOW();
        vcpu_runstate_change(v, RUNSTATE_running, now);
        rq->switches++;
        set_timer(&rq->slice_timer, now + MILLISECS(opt_tslice_ms));
        hvm_funcs->vcpu_run(v);
        stop_timer(&rq->slice_timer);

        flags = spin_lock_irqsave(&rq->lock);
        v->running = false;
        rq->curr = NULL;
        if (runnable(v)) {
            vcpu_runstate_change(v, RUNSTATE_runnable, NOW());
            enqueue(rq, v);
        } else
            vcpu_runstate_change(v, v->up ? RUNSTATE_blocked : RUNSTATE_offline, NOW());
        spin_unlock_irqrestore(&rq->lock, flags);
        maybe_finish(v->domain);
    }
}

static void dump_runqs(char key)
{
    printk("Run queues:\n");
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        struct runq *rq = &runqs[c];
        if (!per_cpu(c)->online)
            continue;
        printk(" CPU%u: running %s%s%u, %u queued, %lu switches:", c,
               rq->curr ? rq->curr->domain->name : "idle", rq->curr ? ".v" : "",
               rq->curr ? rq->curr->vcpu_id : 0, rq->len, (unsigned long)rq->switches);
        for (struct vcpu *v = rq->head; v; v = v->rq_next)
            printk(" d%u.v%u", v->domain->domain_id, v->vcpu_id);
        printk("\n");
    }
}
register_keyhandler('r', dump_runqs, "dump run queues");
