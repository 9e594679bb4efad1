/* RTDS: real-time deferrable server. Each unit has a period and a budget
 * (microseconds). Its deadline moves forward by whole periods from 0, and at
 * each new deadline its budget is refilled. Units are scheduled globally,
 * earliest deadline first, over the pCPUs of their hard affinity. A unit
 * that used its budget waits for the next period, unless it has extratime:
 * then its budget is refilled at once at a lower priority level, so it only
 * uses time that units with budget left do not want. */
#include "private.h"

struct rt_unit {
    struct slist q_elem;   /* in runq (sorted) or depletedq when queued */
    struct slist dom_elem; /* in its domain's list */
    struct slist all_elem; /* in the instance's list of units */
    struct sched_unit *u;
    s_time_t period, budget; /* ns */
    bool extratime;
    s_time_t cur_budget, cur_deadline;
    s_time_t last_start;
    unsigned int prio_level; /* 0 with budget; +1 at each extratime refill */
    int running_cpu;
    bool runnable;
};

struct rt_dom {
    struct slist units;
    uint32_t period_us, budget_us; /* for units inserted later */
    bool extratime;
};

struct rt_pcpu {
    struct sched_unit *curr;
    bool tickled;
};

struct rt_priv {
    struct slist runq;      /* runnable, with budget or extratime, by priority */
    struct slist depletedq; /* runnable, waiting for their next period */
    struct slist all;
    struct rt_pcpu *pcpu;
};

#define RPRIV(s) ((struct rt_priv *)(s)->priv)
#define RUNIT(u) ((struct rt_unit *)(u)->priv)
#define RDOM(d)  ((struct rt_dom *)(d)->priv)
#define Q2RU(e)  container_of(e, struct rt_unit, q_elem)

static size_t rt_instance_size(unsigned int nr_cpus)
{
    return SCHED_ALIGN(sizeof(struct rt_priv)) + nr_cpus * sizeof(struct rt_pcpu);
}

static int rt_init(struct sched_instance *s, const struct sched_global_params *gp)
{
    struct rt_priv *p = RPRIV(s);

    (void)gp;
    slist_init(&p->runq);
    slist_init(&p->depletedq);
    slist_init(&p->all);
    p->pcpu = (struct rt_pcpu *)((char *)s->priv + SCHED_ALIGN(sizeof(struct rt_priv)));
    return 0;
}

static int rt_init_domain(struct sched_instance *s, struct sched_domain *d)
{
    struct rt_dom *rd = RDOM(d);
    struct sched_params def;

    sched_params_default(s->ops, &def);
    slist_init(&rd->units);
    rd->period_us = def.u.rtds.period_us;
    rd->budget_us = def.u.rtds.budget_us;
    rd->extratime = def.u.rtds.extratime;
    d->nr_units = 0;
    return 0;
}

/* Is a more urgent than b? */
static bool rt_before(const struct rt_unit *a, const struct rt_unit *b)
{
    if (a->prio_level != b->prio_level)
        return a->prio_level < b->prio_level;
    if (a->cur_deadline != b->cur_deadline)
        return a->cur_deadline < b->cur_deadline;
    if (a->u->dom->domid != b->u->dom->domid)
        return a->u->dom->domid < b->u->dom->domid;
    return a->u->unit_id < b->u->unit_id;
}

static void rt_update_deadline(struct sched_instance *s, struct rt_unit *ru, s_time_t now)
{
    s_time_t n;

    if (now < ru->cur_deadline)
        return;
    n = (now - ru->cur_deadline) / ru->period + 1;
    ru->cur_deadline += n * ru->period;
    /* An overrun of the last budget (a slice that ended late) is paid
     * back from the new one, so the share holds when timers are late. */
    if (ru->cur_budget < 0 && !ru->extratime) {
        ru->cur_budget += n * ru->budget;
        if (ru->cur_budget > ru->budget)
            ru->cur_budget = ru->budget;
    } else
        ru->cur_budget = ru->budget;
    ru->prio_level = 0;
    sched_trace(s, SCHED_TRC_REPLENISH, ru->u->processor, ru->u, (uint64_t)ru->cur_deadline);
}

static void rt_burn(struct rt_unit *ru, s_time_t now)
{
    s_time_t delta = now - ru->last_start;

    ru->last_start = now;
    if (delta <= 0)
        return;
    ru->cur_budget -= delta;
    if (ru->cur_budget <= 0) {
        if (ru->extratime) {
            ru->prio_level++;
            ru->cur_budget = ru->budget;
        } else if (ru->cur_budget < -ru->budget) {
            ru->cur_budget = -ru->budget; /* at most one budget of debt */
        }
    }
}

static void rt_queue(struct sched_instance *s, struct rt_unit *ru)
{
    struct rt_priv *p = RPRIV(s);
    struct slist *e;

    if (ru->cur_budget <= 0) {
        slist_add_tail(&p->depletedq, &ru->q_elem);
        return;
    }
    slist_for_each(e, &p->runq)
    {
        if (rt_before(ru, Q2RU(e)))
            break;
    }
    slist_add_tail(e, &ru->q_elem); /* i.e. just before e */
}

/* Tickle pCPUs that should run queued units: for each queued unit, most
 * urgent first, an idle pCPU of its affinity (its last one first), or else
 * the one running the least urgent unit if that is less urgent than it. */
static void rt_tickle_check(struct sched_instance *s)
{
    struct rt_priv *p = RPRIV(s);
    struct slist *e;

    slist_for_each(e, &p->runq)
    {
        struct rt_unit *ru = Q2RU(e), *worst = NULL;
        int idle = -1, busy = -1, target;

        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            struct rt_pcpu *pc = &p->pcpu[c];
            if (pc->tickled || !sched_mask_test(&ru->u->hard_affinity, c))
                continue;
            if (pc->curr == NULL) {
                if (idle < 0 || c == ru->u->processor)
                    idle = (int)c;
            } else if (rt_before(ru, RUNIT(pc->curr)) &&
                       (worst == NULL || rt_before(worst, RUNIT(pc->curr)))) {
                worst = RUNIT(pc->curr);
                busy = (int)c;
            }
        }
        target = idle >= 0 ? idle : busy;
        if (target >= 0) {
            p->pcpu[target].tickled = true;
            sched_tickle(s, (unsigned int)target);
        }
    }
}

static void rt_set_params(struct rt_unit *ru, uint32_t period_us, uint32_t budget_us, bool extra)
{
    ru->period = MICROSECS(period_us);
    ru->budget = MICROSECS(budget_us);
    ru->extratime = extra;
    if (ru->cur_budget > ru->budget)
        ru->cur_budget = ru->budget;
}

static int rt_insert_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct rt_unit *ru = RUNIT(u);
    struct rt_dom *rd = RDOM(u->dom);

    memset(ru, 0, sizeof(*ru));
    ru->u = u;
    slist_init(&ru->q_elem);
    rt_set_params(ru, rd->period_us, rd->budget_us, rd->extratime);
    ru->cur_deadline = 0; /* the first wake starts a period */
    ru->running_cpu = -1;
    slist_add_tail(&rd->units, &ru->dom_elem);
    slist_add_tail(&RPRIV(s)->all, &ru->all_elem);
    if (u->processor >= s->nr_cpus)
        u->processor = 0;
    u->dom->nr_units++;
    return 0;
}

static void rt_remove_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct rt_unit *ru = RUNIT(u);

    (void)s;
    if (slist_linked(&ru->q_elem))
        slist_del(&ru->q_elem);
    slist_del(&ru->dom_elem);
    slist_del(&ru->all_elem);
    u->dom->nr_units--;
}

static void rt_sleep(struct sched_instance *s, struct sched_unit *u)
{
    struct rt_unit *ru = RUNIT(u);

    ru->runnable = false;
    sched_trace(s, SCHED_TRC_SLEEP, u->processor, u, 0);
    if (ru->running_cpu >= 0)
        sched_tickle(s, (unsigned int)ru->running_cpu);
    else if (slist_linked(&ru->q_elem))
        slist_del(&ru->q_elem);
}

static void rt_wake(struct sched_instance *s, struct sched_unit *u)
{
    struct rt_unit *ru = RUNIT(u);

    if (ru->runnable)
        return;
    ru->runnable = true;
    sched_trace(s, SCHED_TRC_WAKE, u->processor, u, 0);
    if (ru->running_cpu >= 0)
        return; /* still on its pCPU: do_schedule requeues it */
    rt_update_deadline(s, ru, sched_now(s));
    rt_queue(s, ru);
    rt_tickle_check(s);
}

static void rt_yield(struct sched_instance *s, struct sched_unit *u)
{
    /* EDF order decides; a yield only forces a new decision. */
    sched_trace(s, SCHED_TRC_YIELD, u->processor, u, 0);
}

static void rt_replenish_all(struct sched_instance *s, s_time_t now)
{
    struct rt_priv *p = RPRIV(s);
    struct slist *e, *n;

    for (e = p->depletedq.next; e != &p->depletedq; e = n) {
        n = e->next;
        if (now >= Q2RU(e)->cur_deadline) {
            slist_del(e);
            rt_update_deadline(s, Q2RU(e), now);
            rt_queue(s, Q2RU(e));
        }
    }
    for (e = p->runq.next; e != &p->runq; e = n) {
        n = e->next;
        if (now >= Q2RU(e)->cur_deadline) {
            slist_del(e);
            rt_update_deadline(s, Q2RU(e), now);
            rt_queue(s, Q2RU(e)); /* re-sorted; may be visited again, harmlessly */
        }
    }
}

static void rt_do_schedule(struct sched_instance *s, unsigned int cpu, s_time_t now,
                           struct sched_decision *out)
{
    struct rt_priv *p = RPRIV(s);
    struct rt_pcpu *pc = &p->pcpu[cpu];
    struct sched_unit *prev = pc->curr;
    struct rt_unit *next = NULL;
    s_time_t ev = SCHED_NO_TIMER;
    struct slist *e;

    pc->tickled = false;
    if (prev != NULL) {
        struct rt_unit *pr = RUNIT(prev);
        rt_burn(pr, now);
        pr->running_cpu = -1;
        if (pr->runnable) {
            rt_update_deadline(s, pr, now);
            rt_queue(s, pr);
        }
    }
    rt_replenish_all(s, now);

    slist_for_each(e, &p->runq)
    {
        if (sched_mask_test(&Q2RU(e)->u->hard_affinity, cpu)) {
            next = Q2RU(e);
            break;
        }
    }
    if (next != NULL) {
        slist_del(&next->q_elem);
        next->running_cpu = (int)cpu;
        next->last_start = now;
        if (next->u->processor != cpu)
            sched_trace(s, SCHED_TRC_MIGRATE, next->u->processor, next->u, cpu);
        next->u->processor = cpu;
        ev = now + next->cur_budget;
        if (next->cur_deadline < ev)
            ev = next->cur_deadline;
    }
    /* Wake up again when a queued unit's period ends: its priority changes. */
    slist_for_each(e, &p->runq)
    {
        if (ev == SCHED_NO_TIMER || Q2RU(e)->cur_deadline < ev)
            ev = Q2RU(e)->cur_deadline;
    }
    slist_for_each(e, &p->depletedq)
    {
        if (ev == SCHED_NO_TIMER || Q2RU(e)->cur_deadline < ev)
            ev = Q2RU(e)->cur_deadline;
    }

    pc->curr = next ? next->u : NULL;
    out->next = pc->curr;
    out->slice = ev == SCHED_NO_TIMER ? SCHED_NO_TIMER : ev - now;
    sched_trace(s, SCHED_TRC_SWITCH, cpu, out->next, (uint64_t)out->slice);
    rt_tickle_check(s);
}

static unsigned int rt_pick_cpu(struct sched_instance *s, struct sched_unit *u)
{
    struct rt_priv *p = RPRIV(s);
    bool soft = sched_has_soft(u, s->nr_cpus);
    int first = -1;

    for (int pass = soft ? 0 : 1; pass < 2; pass++)
        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            if (!sched_mask_test(&u->hard_affinity, c))
                continue;
            if (pass == 0 && !sched_mask_test(&u->soft_affinity, c))
                continue;
            if (first < 0)
                first = (int)c;
            if (p->pcpu[c].curr == NULL && !p->pcpu[c].tickled)
                return c;
        }
    if (sched_mask_test(&u->hard_affinity, u->processor) || first < 0)
        return u->processor;
    return (unsigned int)first;
}

static void rt_affinity_changed(struct sched_instance *s, struct sched_unit *u)
{
    struct rt_unit *ru = RUNIT(u);

    if (ru->running_cpu >= 0 && !sched_mask_test(&u->hard_affinity, (unsigned int)ru->running_cpu))
        sched_tickle(s, (unsigned int)ru->running_cpu);
    else if (slist_linked(&ru->q_elem))
        rt_tickle_check(s);
}

static int rt_adjust(struct sched_instance *s, struct sched_domain *d, struct sched_unit *u,
                     bool set, struct sched_params *prm)
{
    struct rt_dom *rd = RDOM(d);
    struct slist *e;

    if (!set) {
        struct rt_unit *ru = u ? RUNIT(u) : NULL;
        prm->sched_id = s->ops->sched_id;
        prm->u.rtds.period_us = ru ? (uint32_t)(ru->period / 1000) : rd->period_us;
        prm->u.rtds.budget_us = ru ? (uint32_t)(ru->budget / 1000) : rd->budget_us;
        prm->u.rtds.extratime = ru ? ru->extratime : rd->extratime;
        return 0;
    }
    if (sched_params_check(s->ops, prm))
        return -EINVAL;
    if (u != NULL) {
        rt_set_params(RUNIT(u), prm->u.rtds.period_us, prm->u.rtds.budget_us,
                      prm->u.rtds.extratime);
    } else {
        rd->period_us = prm->u.rtds.period_us;
        rd->budget_us = prm->u.rtds.budget_us;
        rd->extratime = prm->u.rtds.extratime;
        slist_for_each(e, &rd->units)
        {
            rt_set_params(container_of(e, struct rt_unit, dom_elem), rd->period_us, rd->budget_us,
                          rd->extratime);
        }
    }
    /* Budgets may have shrunk: let every pCPU decide again. */
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        sched_tickle(s, c);
    return 0;
}

static int rt_adjust_global(struct sched_instance *s, bool set, struct sched_global_params *gp)
{
    if (set && gp->sched_id != s->ops->sched_id)
        return -EINVAL;
    gp->sched_id = s->ops->sched_id;
    return 0;
}

static void rt_dump_unit(sched_print_fn pr, void *ctx, const struct rt_unit *ru)
{
    pr(ctx, "    d%uv%u period %lld budget %lld%s cur_budget %lld deadline %lld level %u%s\n",
       ru->u->dom->domid, ru->u->unit_id, (long long)ru->period, (long long)ru->budget,
       ru->extratime ? " extratime" : "", (long long)ru->cur_budget, (long long)ru->cur_deadline,
       ru->prio_level, ru->runnable ? "" : " blocked");
}

static void rt_dump(struct sched_instance *s, sched_print_fn pr, void *ctx)
{
    struct rt_priv *p = RPRIV(s);
    struct slist *e;

    pr(ctx, "rtds scheduler: %u pCPUs\n", s->nr_cpus);
    for (unsigned int c = 0; c < s->nr_cpus; c++) {
        pr(ctx, "  cpu%u:%s\n", c, p->pcpu[c].curr ? "" : " idle");
        if (p->pcpu[c].curr)
            rt_dump_unit(pr, ctx, RUNIT(p->pcpu[c].curr));
    }
    pr(ctx, "  runq:\n");
    slist_for_each(e, &p->runq)
    {
        rt_dump_unit(pr, ctx, Q2RU(e));
    }
    pr(ctx, "  depleted:\n");
    slist_for_each(e, &p->depletedq)
    {
        rt_dump_unit(pr, ctx, Q2RU(e));
    }
    pr(ctx, "  all units:\n");
    slist_for_each(e, &p->all)
    {
        rt_dump_unit(pr, ctx, container_of(e, struct rt_unit, all_elem));
    }
}

BUILD_BUG_ON(sizeof(struct rt_unit) > SCHED_UNIT_PRIV_MAX);
BUILD_BUG_ON(sizeof(struct rt_dom) > SCHED_DOM_PRIV_MAX);

const struct scheduler sched_rtds_def = {
    .name = "SMP RTDS Scheduler",
    .opt_name = "rtds",
    .sched_id = XEN_SCHEDULER_RTDS,
    .unit_size = sizeof(struct rt_unit),
    .dom_size = sizeof(struct rt_dom),
    .instance_size = rt_instance_size,
    .init = rt_init,
    .deinit = sched_no_deinit,
    .init_domain = rt_init_domain,
    .destroy_domain = sched_no_destroy_domain,
    .insert_unit = rt_insert_unit,
    .remove_unit = rt_remove_unit,
    .sleep = rt_sleep,
    .wake = rt_wake,
    .yield = rt_yield,
    .do_schedule = rt_do_schedule,
    .pick_cpu = rt_pick_cpu,
    .affinity_changed = rt_affinity_changed,
    .adjust = rt_adjust,
    .adjust_global = rt_adjust_global,
    .dump = rt_dump,
};
