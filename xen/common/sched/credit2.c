/* credit2: proportional share with credits, for general and latency-sensitive
 * use.
 *
 * Every unit has credit (ns). Running burns it at a rate scaled by
 * max_weight / weight of its run queue, so over time units get pCPU time in
 * proportion to their domain's weight. A pCPU runs the queued unit with the
 * most credit; when the best has none left, every unit of that run queue gets
 * CREDIT_INIT more (capped at CREDIT_INIT). A unit that slept keeps its
 * credit, so it usually has more than CPU hogs and preempts them on wake-up:
 * that is what gives low latency. The rate limit keeps a unit on its pCPU for
 * at least ratelimit_us before a preemption.
 *
 * Caps: a capped domain gets cap% of one pCPU per CAP_PERIOD as a budget
 * shared by its units; a unit of a domain whose budget is spent is parked
 * until the next refill. Overuse (units running on several pCPUs at once) is
 * paid back from the next period, so the cap holds over time.
 *
 * Run queues: one for all pCPUs (runqueue=all, the default) or one per pCPU
 * (runqueue=cpu). With several, a wake-up goes to an idle pCPU of the unit's
 * affinity (soft affinity first), or else to the least loaded run queue; each
 * run queue balances against the busiest one every BALANCE_PERIOD by moving
 * or swapping queued units to even out the sum of runnable weights, and a
 * pCPU with nothing to run pulls a unit from the busiest one. */
#include "private.h"

#define CREDIT_INIT    MILLISECS(10)
#define CREDIT_MAX     (2 * CREDIT_INIT) /* most credit kept at a reset */
#define MIN_SLICE      MICROSECS(500)
#define MAX_SLICE      MILLISECS(10)
#define CAP_PERIOD     MILLISECS(10)
#define BALANCE_PERIOD MILLISECS(1)

struct c2_unit {
    struct slist q_elem;   /* in its run queue's runq while queued */
    struct slist mem_elem; /* in its run queue's members */
    struct sched_unit *u;
    s_time_t credit;
    s_time_t budget;     /* capped domains: budget taken from the domain */
    s_time_t last_start; /* last time its credit was charged */
    s_time_t run_start;  /* when it was last picked */
    unsigned int rq;
    int running_cpu;
    bool runnable, yielding;
};

struct c2_dom {
    uint32_t weight, cap;
    s_time_t budget, quota, next_refill;
};

struct c2_rq {
    struct slist runq;    /* runnable and not running */
    struct slist members; /* every unit assigned here */
    uint32_t max_weight;
    s_time_t next_balance;
};

struct c2_pcpu {
    struct sched_unit *curr;
    unsigned int rq;
    bool tickled;
};

struct c2_priv {
    s_time_t ratelimit;
    unsigned int mode, nr_rqs;
    struct c2_rq *rqs;
    struct c2_pcpu *pcpu;
};

#define CPRIV(s) ((struct c2_priv *)(s)->priv)
#define CUNIT(u) ((struct c2_unit *)(u)->priv)
#define CDOM(d)  ((struct c2_dom *)(d)->priv)
#define Q2CU(e)  container_of(e, struct c2_unit, q_elem)
#define M2CU(e)  container_of(e, struct c2_unit, mem_elem)

static size_t c2_instance_size(unsigned int nr_cpus)
{
    return SCHED_ALIGN(sizeof(struct c2_priv)) + SCHED_ALIGN(nr_cpus * sizeof(struct c2_pcpu)) +
           nr_cpus * sizeof(struct c2_rq);
}

static void c2_apply_global(struct sched_instance *s, const struct sched_global_params *gp)
{
    CPRIV(s)->ratelimit = MICROSECS(gp->u.credit2.ratelimit_us);
}

static int c2_init(struct sched_instance *s, const struct sched_global_params *gp)
{
    struct c2_priv *p = CPRIV(s);
    struct sched_global_params def;
    char *mem = (char *)s->priv + SCHED_ALIGN(sizeof(struct c2_priv));

    if (gp == NULL) {
        sched_global_default(s->ops, &def);
        gp = &def;
    }
    if (sched_global_check(s->ops, gp))
        return -EINVAL;
    p->pcpu = (struct c2_pcpu *)mem;
    p->rqs = (struct c2_rq *)(mem + SCHED_ALIGN(s->nr_cpus * sizeof(struct c2_pcpu)));
    p->mode = gp->u.credit2.runqueue;
    p->nr_rqs = p->mode == SCHED_C2_RQ_CPU ? s->nr_cpus : 1;
    c2_apply_global(s, gp);
    for (unsigned int r = 0; r < p->nr_rqs; r++) {
        slist_init(&p->rqs[r].runq);
        slist_init(&p->rqs[r].members);
        p->rqs[r].max_weight = 1;
    }
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        p->pcpu[c].rq = p->mode == SCHED_C2_RQ_CPU ? c : 0;
    return 0;
}

static int c2_init_domain(struct sched_instance *s, struct sched_domain *d)
{
    struct c2_dom *cd = CDOM(d);

    memset(cd, 0, sizeof(*cd));
    cd->weight = 256;
    cd->next_refill = sched_now(s) + CAP_PERIOD;
    d->nr_units = 0;
    return 0;
}

static uint32_t weight_of(const struct c2_unit *cu)
{
    return CDOM(cu->u->dom)->weight;
}

/* Lowest pCPU of run queue r (which pCPUs a queue has follows the mode). */
static bool rq_has_cpu(const struct c2_priv *p, unsigned int r, unsigned int c)
{
    return p->pcpu[c].rq == r;
}

static bool rq_allows(struct sched_instance *s, unsigned int r, const struct sched_unit *u)
{
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        if (rq_has_cpu(CPRIV(s), r, c) && sched_mask_test(&u->hard_affinity, c))
            return true;
    return false;
}

static void update_max_weight(struct c2_rq *rq)
{
    struct slist *e;
    uint32_t m = 1;

    slist_for_each(e, &rq->members)
    {
        if (weight_of(M2CU(e)) > m)
            m = weight_of(M2CU(e));
    }
    rq->max_weight = m;
}

/* Credit burnt by running delta ns. */
static s_time_t burn_amount(const struct c2_priv *p, const struct c2_unit *cu, s_time_t delta)
{
    return delta * (s_time_t)p->rqs[cu->rq].max_weight / (s_time_t)weight_of(cu);
}

static void refill(struct c2_dom *cd, s_time_t now)
{
    s_time_t n;

    if (cd->cap == 0 || now < cd->next_refill)
        return;
    n = (now - cd->next_refill) / CAP_PERIOD + 1;
    cd->next_refill += n * CAP_PERIOD;
    cd->budget += n * cd->quota;
    if (cd->budget > cd->quota)
        cd->budget = cd->quota;
}

static bool eligible(struct c2_unit *cu, s_time_t now)
{
    struct c2_dom *cd = CDOM(cu->u->dom);

    if (cd->cap == 0 || cu->budget > 0)
        return true;
    refill(cd, now);
    return cd->budget > 0;
}

/* A unit about to run for up to `slice` takes what it can of that from its
 * capped domain's budget; returns the slice it may run. */
static s_time_t grab_budget(struct c2_unit *cu, s_time_t now, s_time_t slice)
{
    struct c2_dom *cd = CDOM(cu->u->dom);
    s_time_t take;

    if (cd->cap == 0)
        return slice;
    refill(cd, now);
    take = slice - cu->budget;
    if (take > cd->budget)
        take = cd->budget;
    if (take > 0) {
        cd->budget -= take;
        cu->budget += take;
    }
    return cu->budget < slice ? cu->budget : slice;
}

/* A unit leaving its pCPU gives back the budget it did not use. */
static void return_budget(struct c2_unit *cu, s_time_t now)
{
    struct c2_dom *cd = CDOM(cu->u->dom);

    if (cu->budget <= 0)
        return;
    refill(cd, now);
    cd->budget += cu->budget;
    cu->budget = 0;
    if (cd->budget > cd->quota)
        cd->budget = cd->quota;
}

static void burn(struct sched_instance *s, struct c2_unit *cu, s_time_t now)
{
    s_time_t delta = now - cu->last_start;
    struct c2_dom *cd = CDOM(cu->u->dom);

    cu->last_start = now;
    if (delta <= 0)
        return;
    cu->credit -= burn_amount(CPRIV(s), cu, delta);
    if (cd->cap) {
        cu->budget -= delta;
        if (cu->budget <= 0) {
            /* An overrun (the pCPU left the unit late) is a debt of the
             * domain, paid from the next refills, so the cap holds over
             * time even when slices end late. */
            cd->budget += cu->budget;
            cu->budget = 0;
            sched_trace(s, SCHED_TRC_PARK, cu->u->processor, cu->u, (uint64_t)cd->next_refill);
        }
    }
}

/* Move a unit that is neither queued nor running to run queue r. */
static void set_rq(struct sched_instance *s, struct c2_unit *cu, unsigned int r)
{
    struct c2_priv *p = CPRIV(s);
    unsigned int old = cu->rq;

    if (old == r && slist_linked(&cu->mem_elem))
        return;
    if (slist_linked(&cu->mem_elem)) {
        slist_del(&cu->mem_elem);
        update_max_weight(&p->rqs[old]);
    }
    cu->rq = r;
    slist_add_tail(&p->rqs[r].members, &cu->mem_elem);
    update_max_weight(&p->rqs[r]);
    if (cu->credit > CREDIT_INIT)
        cu->credit = CREDIT_INIT;
}

static bool cpu_idle(const struct c2_priv *p, unsigned int c)
{
    return p->pcpu[c].curr == NULL && !p->pcpu[c].tickled;
}

/* The run queue's unit load: sum of the weights of its runnable members. */
static uint64_t rq_load(const struct c2_rq *rq)
{
    struct slist *e;
    uint64_t l = 0;

    slist_for_each(e, &rq->members)
    {
        if (M2CU(e)->runnable)
            l += weight_of(M2CU(e));
    }
    return l;
}

static unsigned int c2_pick_cpu(struct sched_instance *s, struct sched_unit *u)
{
    struct c2_priv *p = CPRIV(s);
    bool soft = sched_has_soft(u, s->nr_cpus);
    int first = -1;
    uint64_t best_load = 0;
    int best_rq = -1;

    /* An idle pCPU: soft affinity first, the unit's last pCPU first. */
    for (int pass = soft ? 0 : 1; pass < 2; pass++) {
        if (sched_mask_test(&u->hard_affinity, u->processor) && u->processor < s->nr_cpus &&
            cpu_idle(p, u->processor) &&
            (pass == 1 || sched_mask_test(&u->soft_affinity, u->processor)))
            return u->processor;
        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            if (!sched_mask_test(&u->hard_affinity, c))
                continue;
            if (pass == 0 && !sched_mask_test(&u->soft_affinity, c))
                continue;
            if (first < 0)
                first = (int)c;
            if (cpu_idle(p, c))
                return c;
        }
    }
    if (first < 0)
        return u->processor < s->nr_cpus ? u->processor : 0; /* no allowed pCPU */
    if (p->nr_rqs == 1)
        return sched_mask_test(&u->hard_affinity, u->processor) ? u->processor
                                                                : (unsigned int)first;
    /* The least loaded run queue, its current one on a tie. */
    for (unsigned int r = 0; r < p->nr_rqs; r++) {
        uint64_t l;
        if (!rq_allows(s, r, u))
            continue;
        l = rq_load(&p->rqs[r]);
        if (best_rq < 0 || l < best_load || (l == best_load && r == CUNIT(u)->rq)) {
            best_rq = (int)r;
            best_load = l;
        }
    }
    if (rq_has_cpu(p, (unsigned int)best_rq, u->processor) &&
        sched_mask_test(&u->hard_affinity, u->processor))
        return u->processor;
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        if (rq_has_cpu(p, (unsigned int)best_rq, c) && sched_mask_test(&u->hard_affinity, c))
            return c;
    return (unsigned int)first;
}

/* Credit a running unit would have now. */
static s_time_t credit_now(struct sched_instance *s, const struct c2_unit *cu, s_time_t now)
{
    return cu->credit - burn_amount(CPRIV(s), cu, now - cu->last_start);
}

/* Find a pCPU for the queued unit cu and tickle it: an idle pCPU of its run
 * queue and affinity (soft affinity first), else an idle pCPU of another run
 * queue (it pulls the unit), else, with `preempt`, the pCPU of its run queue
 * running the unit with the least credit, if cu has more. */
static void tickle_for(struct sched_instance *s, struct c2_unit *cu, s_time_t now, bool preempt)
{
    struct c2_priv *p = CPRIV(s);
    struct sched_unit *u = cu->u;
    int target = -1;
    s_time_t lowest = 0;

    if (!eligible(cu, now))
        return;
    for (int pass = sched_has_soft(u, s->nr_cpus) ? 0 : 1; pass < 3 && target < 0; pass++) {
        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            if (!sched_mask_test(&u->hard_affinity, c) || !cpu_idle(p, c))
                continue;
            if (pass < 2 && !rq_has_cpu(p, cu->rq, c))
                continue;
            if (pass == 0 && !sched_mask_test(&u->soft_affinity, c))
                continue;
            if (target < 0 || c == u->processor)
                target = (int)c;
        }
    }
    for (unsigned int c = 0; preempt && target < 0 && c < s->nr_cpus; c++) {
        struct c2_pcpu *pc = &p->pcpu[c];
        s_time_t cr;
        if (!sched_mask_test(&u->hard_affinity, c) || !rq_has_cpu(p, cu->rq, c) || pc->tickled ||
            pc->curr == NULL)
            continue;
        cr = credit_now(s, CUNIT(pc->curr), now);
        if (cr < cu->credit && (target < 0 || cr < lowest))
            target = (int)c;
        if (target == (int)c)
            lowest = cr;
    }
    if (target >= 0) {
        p->pcpu[target].tickled = true;
        sched_tickle(s, (unsigned int)target);
    }
}

/* Queue a runnable unit that is not running, in a run queue that allows it;
 * true when it had to change run queue. */
static bool enqueue(struct sched_instance *s, struct c2_unit *cu)
{
    struct c2_priv *p = CPRIV(s);
    bool moved = false;

    if (!rq_allows(s, cu->rq, cu->u) || !slist_linked(&cu->mem_elem)) {
        unsigned int c = c2_pick_cpu(s, cu->u);
        moved = p->pcpu[c].rq != cu->rq;
        set_rq(s, cu, p->pcpu[c].rq);
    }
    slist_add_tail(&p->rqs[cu->rq].runq, &cu->q_elem);
    return moved;
}

static int c2_insert_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct c2_unit *cu = CUNIT(u);

    memset(cu, 0, sizeof(*cu));
    cu->u = u;
    slist_init(&cu->q_elem);
    slist_init(&cu->mem_elem);
    cu->credit = CREDIT_INIT;
    cu->running_cpu = -1;
    if (u->processor >= s->nr_cpus)
        u->processor = 0;
    set_rq(s, cu, CPRIV(s)->pcpu[c2_pick_cpu(s, u)].rq);
    u->dom->nr_units++;
    return 0;
}

static void c2_remove_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct c2_unit *cu = CUNIT(u);

    /* A pCPU may still hold it as its current unit (the core turned it
     * down as not runnable and went idle): its next decision must not
     * account a unit whose storage is about to be freed. */
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        if (CPRIV(s)->pcpu[c].curr == u)
            CPRIV(s)->pcpu[c].curr = NULL;
    cu->running_cpu = -1;
    if (slist_linked(&cu->q_elem))
        slist_del(&cu->q_elem);
    slist_del(&cu->mem_elem);
    update_max_weight(&CPRIV(s)->rqs[cu->rq]);
    u->dom->nr_units--;
}

static void c2_sleep(struct sched_instance *s, struct sched_unit *u)
{
    struct c2_unit *cu = CUNIT(u);

    cu->runnable = false;
    sched_trace(s, SCHED_TRC_SLEEP, u->processor, u, 0);
    if (cu->running_cpu >= 0)
        sched_tickle(s, (unsigned int)cu->running_cpu);
    else if (slist_linked(&cu->q_elem))
        slist_del(&cu->q_elem);
}

static void c2_wake(struct sched_instance *s, struct sched_unit *u)
{
    struct c2_unit *cu = CUNIT(u);
    unsigned int c;

    if (cu->runnable)
        return;
    cu->runnable = true;
    sched_trace(s, SCHED_TRC_WAKE, u->processor, u, 0);
    if (cu->running_cpu >= 0)
        return; /* still on its pCPU: do_schedule requeues it */
    c = c2_pick_cpu(s, u);
    set_rq(s, cu, CPRIV(s)->pcpu[c].rq);
    enqueue(s, cu);
    tickle_for(s, cu, sched_now(s), true);
}

static void c2_yield(struct sched_instance *s, struct sched_unit *u)
{
    CUNIT(u)->yielding = true;
    sched_trace(s, SCHED_TRC_YIELD, u->processor, u, 0);
}

/* Move queued unit cu to run queue r. */
static void move_queued(struct sched_instance *s, struct c2_unit *cu, unsigned int r)
{
    struct c2_priv *p = CPRIV(s);

    slist_del(&cu->q_elem);
    set_rq(s, cu, r);
    slist_add_tail(&p->rqs[r].runq, &cu->q_elem);
    for (unsigned int c = 0; c < s->nr_cpus; c++) {
        if (rq_has_cpu(p, r, c) && sched_mask_test(&cu->u->hard_affinity, c)) {
            if (cu->u->processor != c)
                sched_trace(s, SCHED_TRC_MIGRATE, cu->u->processor, cu->u, c);
            cu->u->processor = c;
            break;
        }
    }
}

/* Does run queue o hold a queued unit that may run on run queue r now? */
static bool has_pullable(struct sched_instance *s, unsigned int o, unsigned int r, s_time_t now)
{
    struct slist *e;

    slist_for_each(e, &CPRIV(s)->rqs[o].runq)
    {
        if (rq_allows(s, r, Q2CU(e)->u) && eligible(Q2CU(e), now))
            return true;
    }
    return false;
}

/* Even out runnable weight between run queue r and the busiest other one by
 * moving one queued unit or swapping two; with `pull`, take any queued unit
 * that may run on r (r has nothing to run). */
static void balance(struct sched_instance *s, unsigned int r, s_time_t now, bool pull)
{
    struct c2_priv *p = CPRIV(s);
    uint64_t load_r = rq_load(&p->rqs[r]), best_load = 0;
    int64_t diff, best_diff;
    struct c2_unit *mx = NULL, *my = NULL;
    struct slist *e, *f;
    int b = -1;

    for (unsigned int o = 0; o < p->nr_rqs; o++) {
        uint64_t l;
        if (o == r || slist_empty(&p->rqs[o].runq) || (pull && !has_pullable(s, o, r, now)))
            continue;
        l = rq_load(&p->rqs[o]);
        if (b < 0 || l > best_load) {
            b = (int)o;
            best_load = l;
        }
    }
    if (b < 0)
        return;
    diff = (int64_t)best_load - (int64_t)load_r;
    best_diff = diff < 0 ? -diff : diff;
    slist_for_each(e, &p->rqs[b].runq)
    {
        struct c2_unit *x = Q2CU(e);
        int64_t d;
        if (!rq_allows(s, r, x->u))
            continue;
        if (pull && eligible(x, now)) {
            mx = x;
            my = NULL;
            break;
        }
        d = diff - 2 * (int64_t)weight_of(x);
        if ((d < 0 ? -d : d) < best_diff) {
            best_diff = d < 0 ? -d : d;
            mx = x;
            my = NULL;
        }
        slist_for_each(f, &p->rqs[r].runq)
        {
            struct c2_unit *y = Q2CU(f);
            if (!rq_allows(s, (unsigned int)b, y->u))
                continue;
            d = diff - 2 * ((int64_t)weight_of(x) - (int64_t)weight_of(y));
            if ((d < 0 ? -d : d) < best_diff) {
                best_diff = d < 0 ? -d : d;
                mx = x;
                my = y;
            }
        }
    }
    if (mx)
        move_queued(s, mx, r);
    if (my)
        move_queued(s, my, (unsigned int)b);
}

/* cu would rather run on another pCPU of its run queue that is idle and in
 * its soft affinity (that pCPU is or gets tickled for it; if it takes
 * another unit, cu gets an idle pCPU tickled again then). */
static bool prefers_other(struct sched_instance *s, const struct c2_unit *cu, unsigned int cpu)
{
    struct c2_priv *p = CPRIV(s);

    if (!sched_has_soft(cu->u, s->nr_cpus) || sched_mask_test(&cu->u->soft_affinity, cpu))
        return false;
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        if (c != cpu && rq_has_cpu(p, cu->rq, c) && p->pcpu[c].curr == NULL &&
            sched_mask_test(&cu->u->soft_affinity, c) && sched_mask_test(&cu->u->hard_affinity, c))
            return true;
    return false;
}

/* Best queued unit of run queue r for cpu: most credit, allowed on cpu,
 * within its cap, not waiting for an idle pCPU it prefers; a yielding unit
 * only if nothing else. Sets *second to the
 * credit of the runner-up (or leaves it). */
static struct c2_unit *best_queued(struct sched_instance *s, unsigned int r, unsigned int cpu,
                                   s_time_t now, s_time_t *second, bool *has_second)
{
    struct c2_priv *p = CPRIV(s);
    struct c2_unit *best = NULL;
    struct slist *e;

    *has_second = false;
    slist_for_each(e, &p->rqs[r].runq)
    {
        struct c2_unit *cu = Q2CU(e);
        if (!sched_mask_test(&cu->u->hard_affinity, cpu) || !eligible(cu, now) ||
            prefers_other(s, cu, cpu))
            continue;
        if (best == NULL || (best->yielding && !cu->yielding) ||
            (cu->yielding == best->yielding && cu->credit > best->credit)) {
            if (best) {
                *second = best->credit;
                *has_second = true;
            }
            best = cu;
        } else if (!*has_second || cu->credit > *second) {
            *second = cu->credit;
            *has_second = true;
        }
    }
    return best;
}

static void reset_credit(struct sched_instance *s, unsigned int r)
{
    struct slist *e;

    slist_for_each(e, &CPRIV(s)->rqs[r].members)
    {
        struct c2_unit *cu = M2CU(e);
        cu->credit += CREDIT_INIT;
        if (cu->credit > CREDIT_MAX)
            cu->credit = CREDIT_MAX;
    }
}

/* Earliest refill among parked units that could run on cpu. */
static s_time_t parked_until(struct sched_instance *s, unsigned int r, unsigned int cpu)
{
    struct slist *e;
    s_time_t t = SCHED_NO_TIMER;

    slist_for_each(e, &CPRIV(s)->rqs[r].runq)
    {
        struct c2_unit *cu = Q2CU(e);
        struct c2_dom *cd = CDOM(cu->u->dom);
        if (cd->cap && cd->budget <= 0 && cu->budget <= 0 &&
            sched_mask_test(&cu->u->hard_affinity, cpu) &&
            (t == SCHED_NO_TIMER || cd->next_refill < t))
            t = cd->next_refill;
    }
    return t;
}

static void c2_do_schedule(struct sched_instance *s, unsigned int cpu, s_time_t now,
                           struct sched_decision *out)
{
    struct c2_priv *p = CPRIV(s);
    struct c2_pcpu *pc = &p->pcpu[cpu];
    unsigned int r = pc->rq;
    struct c2_unit *prev = pc->curr ? CUNIT(pc->curr) : NULL, *next;
    s_time_t second = 0, slice;
    bool has_second;
    struct slist *e;

    pc->tickled = false;
    if (prev) {
        burn(s, prev, now);
        prev->running_cpu = -1;
        /* Rate limit: keep a unit that ran less than ratelimit. */
        if (prev->runnable && !prev->yielding && p->ratelimit > 0 &&
            now - prev->run_start < p->ratelimit && prev->rq == r &&
            sched_mask_test(&prev->u->hard_affinity, cpu) && eligible(prev, now)) {
            prev->running_cpu = (int)cpu;
            slice = grab_budget(prev, now, p->ratelimit - (now - prev->run_start));
            out->next = prev->u;
            out->slice = slice;
            sched_trace(s, SCHED_TRC_SWITCH, cpu, prev->u, (uint64_t)slice);
            return;
        }
        return_budget(prev, now);
        if (prev->runnable && enqueue(s, prev))
            tickle_for(s, prev, now, true);
    }
    if (p->nr_rqs > 1 && now >= p->rqs[r].next_balance) {
        balance(s, r, now, false);
        p->rqs[r].next_balance = now + BALANCE_PERIOD;
    }
    next = best_queued(s, r, cpu, now, &second, &has_second);
    if (next == NULL && p->nr_rqs > 1) {
        balance(s, r, now, true);
        next = best_queued(s, r, cpu, now, &second, &has_second);
    }
    if (next && next->credit <= 0) {
        reset_credit(s, r);
        next = best_queued(s, r, cpu, now, &second, &has_second);
    }
    if (next == NULL) {
        s_time_t t = parked_until(s, r, cpu);
        pc->curr = NULL;
        out->next = NULL;
        out->slice = t == SCHED_NO_TIMER ? SCHED_NO_TIMER : t - now;
        sched_trace(s, SCHED_TRC_SWITCH, cpu, NULL, (uint64_t)out->slice);
    } else {
        slist_del(&next->q_elem);
        next->running_cpu = (int)cpu;
        next->last_start = next->run_start = now;
        next->yielding = false;
        if (next->u->processor != cpu)
            sched_trace(s, SCHED_TRC_MIGRATE, next->u->processor, next->u, cpu);
        next->u->processor = cpu;
        slice = MAX_SLICE;
        if (has_second) {
            /* Run until its credit falls to the runner-up's. */
            s_time_t d = next->credit - second;
            slice = d * (s_time_t)weight_of(next) / (s_time_t)p->rqs[r].max_weight;
            if (slice < MIN_SLICE)
                slice = MIN_SLICE;
            if (slice > MAX_SLICE)
                slice = MAX_SLICE;
            if (slice < p->ratelimit)
                slice = p->ratelimit;
        }
        slice = grab_budget(next, now, slice);
        pc->curr = next->u;
        out->next = next->u;
        out->slice = slice;
        sched_trace(s, SCHED_TRC_SWITCH, cpu, next->u, (uint64_t)slice);
    }
    if (prev && prev != next)
        prev->yielding = false;
    /* Queued units left over may have an idle pCPU elsewhere. */
    slist_for_each(e, &p->rqs[r].runq)
    {
        tickle_for(s, Q2CU(e), now, false);
    }
}

static void c2_affinity_changed(struct sched_instance *s, struct sched_unit *u)
{
    struct c2_unit *cu = CUNIT(u);
    s_time_t now = sched_now(s);

    if (cu->running_cpu >= 0) {
        if (!sched_mask_test(&u->hard_affinity, (unsigned int)cu->running_cpu))
            sched_tickle(s, (unsigned int)cu->running_cpu);
        return;
    }
    if (!slist_linked(&cu->q_elem))
        return; /* asleep: placed when it wakes */
    slist_del(&cu->q_elem);
    enqueue(s, cu);
    tickle_for(s, cu, now, true);
}

static int c2_adjust(struct sched_instance *s, struct sched_domain *d, struct sched_unit *u,
                     bool set, struct sched_params *prm)
{
    struct c2_priv *p = CPRIV(s);
    struct c2_dom *cd = CDOM(d);
    s_time_t now = sched_now(s);

    (void)u;
    if (!set) {
        prm->sched_id = s->ops->sched_id;
        prm->u.credit2.weight = cd->weight;
        prm->u.credit2.cap = cd->cap;
        return 0;
    }
    if (sched_params_check(s->ops, prm))
        return -EINVAL;
    if (prm->u.credit2.cap && !cd->cap) {
        cd->budget = 0;
        cd->next_refill = now;
    }
    cd->weight = prm->u.credit2.weight;
    cd->cap = prm->u.credit2.cap;
    cd->quota = CAP_PERIOD * (s_time_t)cd->cap / 100;
    refill(cd, now);
    for (unsigned int r = 0; r < p->nr_rqs; r++)
        update_max_weight(&p->rqs[r]);
    /* Units may have been parked or unparked: let every pCPU decide again. */
    for (unsigned int c = 0; c < s->nr_cpus; c++)
        sched_tickle(s, c);
    return 0;
}

static int c2_adjust_global(struct sched_instance *s, bool set, struct sched_global_params *gp)
{
    struct c2_priv *p = CPRIV(s);

    if (set) {
        /* The run queue layout is fixed at boot. */
        if (sched_global_check(s->ops, gp) || gp->u.credit2.runqueue != p->mode)
            return -EINVAL;
        c2_apply_global(s, gp);
        return 0;
    }
    gp->sched_id = s->ops->sched_id;
    gp->u.credit2.ratelimit_us = (uint32_t)(p->ratelimit / 1000);
    gp->u.credit2.runqueue = p->mode;
    return 0;
}

static void c2_dump_unit(sched_print_fn pr, void *ctx, const struct c2_unit *cu)
{
    const struct c2_dom *cd = CDOM(cu->u->dom);

    pr(ctx, "    d%uv%u weight %u cap %u credit %lld cpu %u%s%s\n", cu->u->dom->domid,
       cu->u->unit_id, cd->weight, cd->cap, (long long)cu->credit, cu->u->processor,
       cu->running_cpu >= 0 ? " running"
       : cu->runnable       ? " runnable"
                            : " blocked",
       cd->cap && cd->budget <= 0 && cu->budget <= 0 ? " parked" : "");
}

static void c2_dump(struct sched_instance *s, sched_print_fn pr, void *ctx)
{
    struct c2_priv *p = CPRIV(s);
    struct slist *e;

    pr(ctx, "credit2 scheduler: %u pCPUs, %u run queues, ratelimit %lld us\n", s->nr_cpus,
       p->nr_rqs, (long long)(p->ratelimit / 1000));
    for (unsigned int c = 0; c < s->nr_cpus; c++) {
        pr(ctx, "  cpu%u rq%u:%s\n", c, p->pcpu[c].rq, p->pcpu[c].curr ? "" : " idle");
        if (p->pcpu[c].curr)
            c2_dump_unit(pr, ctx, CUNIT(p->pcpu[c].curr));
    }
    for (unsigned int r = 0; r < p->nr_rqs; r++) {
        pr(ctx, "  rq%u: max_weight %u load %llu, queued:", r, p->rqs[r].max_weight,
           (unsigned long long)rq_load(&p->rqs[r]));
        slist_for_each(e, &p->rqs[r].runq)
            pr(ctx, " d%uv%u", Q2CU(e)->u->dom->domid, Q2CU(e)->u->unit_id);
        pr(ctx, "\n  rq%u members:\n", r);
        slist_for_each(e, &p->rqs[r].members) c2_dump_unit(pr, ctx, M2CU(e));
    }
}

BUILD_BUG_ON(sizeof(struct c2_unit) > SCHED_UNIT_PRIV_MAX);
BUILD_BUG_ON(sizeof(struct c2_dom) > SCHED_DOM_PRIV_MAX);

const struct scheduler sched_credit2_def = {
    .name = "SMP Credit Scheduler rev2",
    .opt_name = "credit2",
    .sched_id = XEN_SCHEDULER_CREDIT2,
    .unit_size = sizeof(struct c2_unit),
    .dom_size = sizeof(struct c2_dom),
    .instance_size = c2_instance_size,
    .init = c2_init,
    .deinit = sched_no_deinit,
    .init_domain = c2_init_domain,
    .destroy_domain = sched_no_destroy_domain,
    .insert_unit = c2_insert_unit,
    .remove_unit = c2_remove_unit,
    .sleep = c2_sleep,
    .wake = c2_wake,
    .yield = c2_yield,
    .do_schedule = c2_do_schedule,
    .pick_cpu = c2_pick_cpu,
    .affinity_changed = c2_affinity_changed,
    .adjust = c2_adjust,
    .adjust_global = c2_adjust_global,
    .dump = c2_dump,
};
