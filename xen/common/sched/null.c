/* The null scheduler: each unit is bound to one pCPU of its own, chosen
 * among free pCPUs of its hard affinity (soft affinity first). Units that
 * find no free pCPU wait in a FIFO queue and get the first pCPU that frees
 * up within their affinity. There is no time slicing: a pCPU runs its unit
 * whenever it is runnable and idles otherwise, and never sets a timer. */
#include "private.h"

struct null_unit {
    struct slist wait_elem; /* in the wait queue while unassigned */
    struct sched_unit *u;
    int cpu;         /* assigned pCPU, -1 if none */
    int running_cpu; /* pCPU currently running it, -1 if none */
    bool runnable;
};

struct null_pcpu {
    struct sched_unit *assigned;
    struct sched_unit *curr;
};

struct null_priv {
    struct slist waitq;
    struct null_pcpu *pcpu;
};

#define NPRIV(s) ((struct null_priv *)(s)->priv)
#define NUNIT(u) ((struct null_unit *)(u)->priv)

static size_t null_instance_size(unsigned int nr_cpus)
{
    return SCHED_ALIGN(sizeof(struct null_priv)) + nr_cpus * sizeof(struct null_pcpu);
}

static int null_init(struct sched_instance *s, const struct sched_global_params *gp)
{
    struct null_priv *p = NPRIV(s);
    (void)gp;
    slist_init(&p->waitq);
    p->pcpu = (struct null_pcpu *)((char *)s->priv + SCHED_ALIGN(sizeof(struct null_priv)));
    return 0;
}

static bool cpu_free_for(struct sched_instance *s, unsigned int c, const struct sched_unit *u)
{
    return NPRIV(s)->pcpu[c].assigned == NULL && sched_mask_test(&u->hard_affinity, c);
}

/* A free pCPU for u, or -1: its last pCPU, then soft, then hard affinity. */
static int find_free_cpu(struct sched_instance *s, const struct sched_unit *u)
{
    bool soft = sched_has_soft(u, s->nr_cpus);

    if (u->processor < s->nr_cpus && cpu_free_for(s, u->processor, u) &&
        (!soft || sched_mask_test(&u->soft_affinity, u->processor)))
        return (int)u->processor;
    for (int pass = soft ? 0 : 1; pass < 2; pass++)
        for (unsigned int c = 0; c < s->nr_cpus; c++)
            if (cpu_free_for(s, c, u) && (pass == 1 || sched_mask_test(&u->soft_affinity, c)))
                return (int)c;
    return -1;
}

static void assign(struct sched_instance *s, struct sched_unit *u, unsigned int cpu)
{
    struct null_unit *nu = NUNIT(u);

    if (u->processor != cpu)
        sched_trace(s, SCHED_TRC_MIGRATE, u->processor, u, cpu);
    NPRIV(s)->pcpu[cpu].assigned = u;
    nu->cpu = (int)cpu;
    u->processor = cpu;
    if (nu->runnable)
        sched_tickle(s, cpu);
}

/* Bind u to a free pCPU, or queue it. */
static void assign_or_wait(struct sched_instance *s, struct sched_unit *u)
{
    int c = find_free_cpu(s, u);

    if (c >= 0)
        assign(s, u, (unsigned int)c);
    else
        slist_add_tail(&NPRIV(s)->waitq, &NUNIT(u)->wait_elem);
}

/* cpu lost its unit: give it to the first waiting unit allowed there. */
static void unassign(struct sched_instance *s, unsigned int cpu)
{
    struct null_priv *p = NPRIV(s);
    struct slist *e;

    NUNIT(p->pcpu[cpu].assigned)->cpu = -1;
    p->pcpu[cpu].assigned = NULL;
    slist_for_each(e, &p->waitq)
    {
        struct null_unit *w = container_of(e, struct null_unit, wait_elem);
        if (sched_mask_test(&w->u->hard_affinity, cpu)) {
            slist_del(&w->wait_elem);
            assign(s, w->u, cpu);
            return;
        }
    }
    sched_tickle(s, cpu);
}

static int null_insert_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct null_unit *nu = NUNIT(u);

    slist_init(&nu->wait_elem);
    nu->u = u;
    nu->cpu = -1;
    nu->running_cpu = -1;
    nu->runnable = false;
    if (u->processor >= s->nr_cpus)
        u->processor = 0;
    u->dom->nr_units++;
    assign_or_wait(s, u);
    return 0;
}

static void null_remove_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct null_unit *nu = NUNIT(u);

    nu->runnable = false;
    if (nu->cpu >= 0)
        unassign(s, (unsigned int)nu->cpu);
    else if (slist_linked(&nu->wait_elem))
        slist_del(&nu->wait_elem);
    u->dom->nr_units--;
}

static void null_sleep(struct sched_instance *s, struct sched_unit *u)
{
    struct null_unit *nu = NUNIT(u);

    nu->runnable = false;
    sched_trace(s, SCHED_TRC_SLEEP, u->processor, u, 0);
    if (nu->running_cpu >= 0)
        sched_tickle(s, (unsigned int)nu->running_cpu);
}

static void null_wake(struct sched_instance *s, struct sched_unit *u)
{
    struct null_unit *nu = NUNIT(u);

    if (nu->runnable)
        return;
    nu->runnable = true;
    sched_trace(s, SCHED_TRC_WAKE, u->processor, u, 0);
    if (nu->cpu >= 0 && NPRIV(s)->pcpu[nu->cpu].curr != u)
        sched_tickle(s, (unsigned int)nu->cpu);
}

static void null_yield(struct sched_instance *s, struct sched_unit *u)
{
    /* Nothing else may run on the unit's pCPU: yielding changes nothing. */
    sched_trace(s, SCHED_TRC_YIELD, u->processor, u, 0);
}

static void null_do_schedule(struct sched_instance *s, unsigned int cpu, s_time_t now,
                             struct sched_decision *out)
{
    struct null_pcpu *pc = &NPRIV(s)->pcpu[cpu];
    struct sched_unit *prev = pc->curr, *next = pc->assigned;

    (void)now;
    if (prev != NULL && prev != next) {
        struct null_unit *np = NUNIT(prev);
        np->running_cpu = -1;
        /* It moved while running here: its new pCPU may take it now. */
        if (np->runnable && np->cpu >= 0)
            sched_tickle(s, (unsigned int)np->cpu);
    }
    if (next != NULL) {
        struct null_unit *nn = NUNIT(next);
        if (!nn->runnable || (nn->running_cpu >= 0 && nn->running_cpu != (int)cpu))
            next = NULL;
    }
    if (next != NULL)
        NUNIT(next)->running_cpu = (int)cpu;
    pc->curr = next;
    out->next = next;
    out->slice = SCHED_NO_TIMER;
    sched_trace(s, SCHED_TRC_SWITCH, cpu, next, (uint64_t)SCHED_NO_TIMER);
}

static unsigned int null_pick_cpu(struct sched_instance *s, struct sched_unit *u)
{
    int c = NUNIT(u)->cpu;

    if (c < 0)
        c = find_free_cpu(s, u);
    return c >= 0 ? (unsigned int)c : u->processor;
}

static void null_affinity_changed(struct sched_instance *s, struct sched_unit *u)
{
    struct null_unit *nu = NUNIT(u);

    if (nu->cpu >= 0) {
        unsigned int old = (unsigned int)nu->cpu;
        if (sched_mask_test(&u->hard_affinity, old))
            return;
        unassign(s, old);
        assign_or_wait(s, u);
        return;
    }
    /* Waiting: a free pCPU may now be allowed. */
    int c = find_free_cpu(s, u);
    if (c >= 0) {
        slist_del(&nu->wait_elem);
        assign(s, u, (unsigned int)c);
    }
}

static int null_adjust(struct sched_instance *s, struct sched_domain *d, struct sched_unit *u,
                       bool set, struct sched_params *p)
{
    (void)d;
    (void)u;
    if (set && p->sched_id != s->ops->sched_id)
        return -EINVAL;
    p->sched_id = s->ops->sched_id;
    return 0;
}

static int null_adjust_global(struct sched_instance *s, bool set, struct sched_global_params *gp)
{
    if (set && gp->sched_id != s->ops->sched_id)
        return -EINVAL;
    gp->sched_id = s->ops->sched_id;
    return 0;
}

static void null_dump(struct sched_instance *s, sched_print_fn pr, void *ctx)
{
    struct null_priv *p = NPRIV(s);
    struct slist *e;

    pr(ctx, "null scheduler: %u pCPUs\n", s->nr_cpus);
    for (unsigned int c = 0; c < s->nr_cpus; c++) {
        struct sched_unit *a = p->pcpu[c].assigned;
        if (a)
            pr(ctx, "  cpu%u: d%uv%u %s\n", c, a->dom->domid, a->unit_id,
               p->pcpu[c].curr == a ? "running"
               : NUNIT(a)->runnable ? "runnable"
                                    : "blocked");
        else
            pr(ctx, "  cpu%u: free\n", c);
    }
    pr(ctx, "  waiting:");
    slist_for_each(e, &p->waitq)
    {
        struct null_unit *w = container_of(e, struct null_unit, wait_elem);
        pr(ctx, " d%uv%u%s", w->u->dom->domid, w->u->unit_id, w->runnable ? "" : "(blocked)");
    }
    pr(ctx, "\n");
}

BUILD_BUG_ON(sizeof(struct null_unit) > SCHED_UNIT_PRIV_MAX);

const struct scheduler sched_null_def = {
    .name = "null Scheduler",
    .opt_name = "null",
    .sched_id = XEN_SCHEDULER_NULL,
    .unit_size = sizeof(struct null_unit),
    .dom_size = 0,
    .instance_size = null_instance_size,
    .blocked_keeps_cpu = true,
    .init = null_init,
    .deinit = sched_no_deinit,
    .init_domain = sched_plain_init_domain,
    .destroy_domain = sched_no_destroy_domain,
    .insert_unit = null_insert_unit,
    .remove_unit = null_remove_unit,
    .sleep = null_sleep,
    .wake = null_wake,
    .yield = null_yield,
    .do_schedule = null_do_schedule,
    .pick_cpu = null_pick_cpu,
    .affinity_changed = null_affinity_changed,
    .adjust = null_adjust,
    .adjust_global = null_adjust_global,
    .dump = null_dump,
};
