/* ARINC 653 scheduler: a major frame of fixed time slots, each naming one
 * unit (domain id, vCPU id), repeated forever from the time the instance was
 * initialised (or the frame last changed). The slot's unit runs for exactly
 * the slot's time if it is runnable; otherwise the pCPU idles, as it does in
 * the part of the frame after the last slot. Like Xen's, this scheduler is
 * meant for a one-pCPU pool: the frame runs on the instance's first pCPU and
 * the other pCPUs stay idle. A unit whose hard affinity leaves out that pCPU
 * does not run: its slots idle. */
#include "private.h"

struct a653_slot {
    uint32_t domid, unit_id;
    s_time_t runtime;
    struct sched_unit *unit; /* NULL while no such unit is inserted */
};

struct a653_unit {
    struct slist elem;
    struct sched_unit *u;
    bool runnable;
};

struct a653_priv {
    s_time_t major;
    s_time_t epoch; /* start of the first frame */
    unsigned int nr_slots;
    struct a653_slot slots[ARINC653_MAX_SLOTS];
    struct slist units;
    struct sched_unit *curr;
};

#define APRIV(s) ((struct a653_priv *)(s)->priv)
#define AUNIT(u) ((struct a653_unit *)(u)->priv)

static size_t a653_instance_size(unsigned int nr_cpus)
{
    (void)nr_cpus;
    return sizeof(struct a653_priv);
}

static void resolve_slots(struct a653_priv *p)
{
    struct slist *e;

    for (unsigned int i = 0; i < p->nr_slots; i++) {
        p->slots[i].unit = NULL;
        slist_for_each(e, &p->units)
        {
            struct sched_unit *u = container_of(e, struct a653_unit, elem)->u;
            if (u->dom->domid == p->slots[i].domid && u->unit_id == p->slots[i].unit_id)
                p->slots[i].unit = u;
        }
    }
}

static void set_frame(struct sched_instance *s, const struct sched_global_params *gp)
{
    struct a653_priv *p = APRIV(s);

    p->major = gp->u.arinc653.major_frame;
    p->nr_slots = gp->u.arinc653.nr_slots;
    for (unsigned int i = 0; i < p->nr_slots; i++) {
        p->slots[i].domid = gp->u.arinc653.slots[i].domid;
        p->slots[i].unit_id = gp->u.arinc653.slots[i].unit_id;
        p->slots[i].runtime = gp->u.arinc653.slots[i].runtime;
    }
    resolve_slots(p);
    p->epoch = sched_now(s);
}

static int a653_init(struct sched_instance *s, const struct sched_global_params *gp)
{
    struct sched_global_params def;

    slist_init(&APRIV(s)->units);
    if (gp == NULL) {
        sched_global_default(s->ops, &def);
        gp = &def;
    }
    if (sched_global_check(s->ops, gp))
        return -EINVAL;
    set_frame(s, gp);
    return 0;
}

static int a653_insert_unit(struct sched_instance *s, struct sched_unit *u)
{
    struct a653_unit *au = AUNIT(u);

    au->u = u;
    au->runnable = false;
    slist_add_tail(&APRIV(s)->units, &au->elem);
    u->processor = 0;
    u->dom->nr_units++;
    resolve_slots(APRIV(s));
    return 0;
}

static void a653_remove_unit(struct sched_instance *s, struct sched_unit *u)
{
    slist_del(&AUNIT(u)->elem);
    u->dom->nr_units--;
    resolve_slots(APRIV(s));
}

/* Slot running at `now`: its index (nr_slots for the idle tail of the
 * frame) and the time until it ends. */
static unsigned int slot_at(const struct a653_priv *p, s_time_t now, s_time_t *left)
{
    s_time_t pos = now > p->epoch ? (now - p->epoch) % p->major : 0, end = 0;

    for (unsigned int i = 0; i < p->nr_slots; i++) {
        end += p->slots[i].runtime;
        if (pos < end) {
            *left = end - pos;
            return i;
        }
    }
    *left = p->major - pos;
    return p->nr_slots;
}

static bool in_current_slot(struct sched_instance *s, const struct sched_unit *u)
{
    struct a653_priv *p = APRIV(s);
    s_time_t left;
    unsigned int i = slot_at(p, sched_now(s), &left);

    return i < p->nr_slots && p->slots[i].unit == u;
}

static void a653_sleep(struct sched_instance *s, struct sched_unit *u)
{
    AUNIT(u)->runnable = false;
    sched_trace(s, SCHED_TRC_SLEEP, s->first_cpu, u, 0);
    if (APRIV(s)->curr == u)
        sched_tickle(s, s->first_cpu);
}

static void a653_wake(struct sched_instance *s, struct sched_unit *u)
{
    if (AUNIT(u)->runnable)
        return;
    AUNIT(u)->runnable = true;
    sched_trace(s, SCHED_TRC_WAKE, s->first_cpu, u, 0);
    if (in_current_slot(s, u))
        sched_tickle(s, s->first_cpu);
}

static void a653_yield(struct sched_instance *s, struct sched_unit *u)
{
    /* Slots are fixed: the unit keeps its slot. */
    sched_trace(s, SCHED_TRC_YIELD, s->first_cpu, u, 0);
}

static void a653_do_schedule(struct sched_instance *s, unsigned int cpu, s_time_t now,
                             struct sched_decision *out)
{
    struct a653_priv *p = APRIV(s);
    struct sched_unit *next = NULL;
    s_time_t left = SCHED_NO_TIMER;

    if (cpu == s->first_cpu) {
        unsigned int i = slot_at(p, now, &left);
        if (i < p->nr_slots && p->slots[i].unit && AUNIT(p->slots[i].unit)->runnable &&
            sched_mask_test(&p->slots[i].unit->hard_affinity, cpu))
            next = p->slots[i].unit;
        p->curr = next;
    }
    out->next = next;
    out->slice = left;
    sched_trace(s, SCHED_TRC_SWITCH, cpu, next, (uint64_t)left);
}

static unsigned int a653_pick_cpu(struct sched_instance *s, struct sched_unit *u)
{
    (void)u;
    return s->first_cpu;
}

static void a653_affinity_changed(struct sched_instance *s, struct sched_unit *u)
{
    /* A unit whose hard affinity leaves out the first pCPU does not run. */
    if (APRIV(s)->curr == u || in_current_slot(s, u))
        sched_tickle(s, s->first_cpu);
}

static int a653_adjust(struct sched_instance *s, struct sched_domain *d, struct sched_unit *u,
                       bool set, struct sched_params *p)
{
    (void)d;
    (void)u;
    if (set && p->sched_id != s->ops->sched_id)
        return -EINVAL;
    p->sched_id = s->ops->sched_id;
    return 0;
}

static int a653_adjust_global(struct sched_instance *s, bool set, struct sched_global_params *gp)
{
    struct a653_priv *p = APRIV(s);

    if (set) {
        if (sched_global_check(s->ops, gp))
            return -EINVAL;
        set_frame(s, gp);
        sched_tickle(s, s->first_cpu);
        return 0;
    }
    gp->sched_id = s->ops->sched_id;
    gp->u.arinc653.major_frame = p->major;
    gp->u.arinc653.nr_slots = p->nr_slots;
    for (unsigned int i = 0; i < p->nr_slots; i++) {
        gp->u.arinc653.slots[i].domid = p->slots[i].domid;
        gp->u.arinc653.slots[i].unit_id = p->slots[i].unit_id;
        gp->u.arinc653.slots[i].runtime = p->slots[i].runtime;
    }
    return 0;
}

static void a653_dump(struct sched_instance *s, sched_print_fn pr, void *ctx)
{
    struct a653_priv *p = APRIV(s);
    struct slist *e;

    pr(ctx, "arinc653 scheduler: major frame %lld ns, %u slots, epoch %lld\n", (long long)p->major,
       p->nr_slots, (long long)p->epoch);
    for (unsigned int i = 0; i < p->nr_slots; i++)
        pr(ctx, "  slot %u: d%uv%u %lld ns%s\n", i, p->slots[i].domid, p->slots[i].unit_id,
           (long long)p->slots[i].runtime, p->slots[i].unit ? "" : " (no such unit)");
    slist_for_each(e, &p->units)
    {
        struct a653_unit *au = container_of(e, struct a653_unit, elem);
        pr(ctx, "  d%uv%u %s\n", au->u->dom->domid, au->u->unit_id,
           p->curr == au->u ? "running"
           : au->runnable   ? "runnable"
                            : "blocked");
    }
}

BUILD_BUG_ON(sizeof(struct a653_unit) > SCHED_UNIT_PRIV_MAX);

const struct scheduler sched_arinc653_def = {
    .name = "ARINC 653 Scheduler",
    .opt_name = "arinc653",
    .sched_id = XEN_SCHEDULER_ARINC653,
    .unit_size = sizeof(struct a653_unit),
    .dom_size = 0,
    .instance_size = a653_instance_size,
    .init = a653_init,
    .deinit = sched_no_deinit,
    .init_domain = sched_plain_init_domain,
    .destroy_domain = sched_no_destroy_domain,
    .insert_unit = a653_insert_unit,
    .remove_unit = a653_remove_unit,
    .sleep = a653_sleep,
    .wake = a653_wake,
    .yield = a653_yield,
    .do_schedule = a653_do_schedule,
    .pick_cpu = a653_pick_cpu,
    .affinity_changed = a653_affinity_changed,
    .adjust = a653_adjust,
    .adjust_global = a653_adjust_global,
    .dump = a653_dump,
};
