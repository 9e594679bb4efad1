/* Scheduler registry: lookup by sched= name and by Xen scheduler id,
 * instance set-up, default parameters and their range checks. */
#include "private.h"

static const struct scheduler *const schedulers[] = {
    &sched_credit2_def,
    &sched_null_def,
    &sched_rtds_def,
    &sched_arinc653_def,
};

const struct scheduler *sched_default(void)
{
    return &sched_credit2_def;
}

const struct scheduler *sched_find_by_name(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return sched_default();
    for (size_t i = 0; i < ARRAY_SIZE(schedulers); i++)
        if (strcmp(schedulers[i]->opt_name, name) == 0)
            return schedulers[i];
    return NULL;
}

const struct scheduler *sched_find_by_id(unsigned int sched_id)
{
    for (size_t i = 0; i < ARRAY_SIZE(schedulers); i++)
        if (schedulers[i]->sched_id == sched_id)
            return schedulers[i];
    return NULL;
}

int sched_instance_init(struct sched_instance *s, const struct scheduler *ops,
                        const struct sched_callbacks *cb, unsigned int nr_cpus, void *mem,
                        const struct sched_global_params *gp)
{
    if (ops == NULL || cb == NULL || cb->tickle == NULL || cb->now == NULL || mem == NULL)
        return -EINVAL;
    if (nr_cpus == 0 || nr_cpus > SCHED_MAX_CPUS)
        return -EINVAL;
    if (gp != NULL && sched_global_check(ops, gp) != 0)
        return -EINVAL;
    s->ops = ops;
    s->cb = cb;
    s->nr_cpus = nr_cpus;
    s->first_cpu = 0;
    s->priv = mem;
    memset(mem, 0, ops->instance_size(nr_cpus));
    return ops->init(s, gp);
}

void sched_params_default(const struct scheduler *ops, struct sched_params *p)
{
    memset(p, 0, sizeof(*p));
    p->sched_id = ops->sched_id;
    switch (ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        p->u.credit2.weight = 256;
        p->u.credit2.cap = 0;
        break;
    case XEN_SCHEDULER_RTDS:
        p->u.rtds.period_us = 10000;
        p->u.rtds.budget_us = 4000;
        p->u.rtds.extratime = true;
        break;
    default:
        break;
    }
}

void sched_global_default(const struct scheduler *ops, struct sched_global_params *gp)
{
    memset(gp, 0, sizeof(*gp));
    gp->sched_id = ops->sched_id;
    switch (ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        gp->u.credit2.ratelimit_us = 1000;
        gp->u.credit2.runqueue = SCHED_C2_RQ_ALL;
        break;
    case XEN_SCHEDULER_ARINC653:
        /* Like Xen: domain 0's first vCPU alone in a 10 ms frame. */
        gp->u.arinc653.major_frame = MILLISECS(10);
        gp->u.arinc653.nr_slots = 1;
        gp->u.arinc653.slots[0].domid = 0;
        gp->u.arinc653.slots[0].unit_id = 0;
        gp->u.arinc653.slots[0].runtime = MILLISECS(10);
        break;
    default:
        break;
    }
}

#define C2_CAP_MAX  (100u * SCHED_MAX_CPUS)
#define RTDS_MIN_US 10u
#define RTDS_MAX_US 10000000u

int sched_params_check(const struct scheduler *ops, const struct sched_params *p)
{
    if (p->sched_id != ops->sched_id)
        return -EINVAL;
    switch (ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        if (p->u.credit2.weight < 1 || p->u.credit2.weight > 65535)
            return -EINVAL;
        if (p->u.credit2.cap > C2_CAP_MAX)
            return -EINVAL;
        return 0;
    case XEN_SCHEDULER_RTDS:
        if (p->u.rtds.period_us < RTDS_MIN_US || p->u.rtds.period_us > RTDS_MAX_US)
            return -EINVAL;
        if (p->u.rtds.budget_us < RTDS_MIN_US || p->u.rtds.budget_us > p->u.rtds.period_us)
            return -EINVAL;
        return 0;
    default:
        return 0;
    }
}

int sched_global_check(const struct scheduler *ops, const struct sched_global_params *gp)
{
    s_time_t sum = 0;

    if (gp->sched_id != ops->sched_id)
        return -EINVAL;
    switch (ops->sched_id) {
    case XEN_SCHEDULER_CREDIT2:
        if (gp->u.credit2.ratelimit_us != 0 &&
            (gp->u.credit2.ratelimit_us < 100 || gp->u.credit2.ratelimit_us > 500000))
            return -EINVAL;
        if (gp->u.credit2.runqueue != SCHED_C2_RQ_ALL && gp->u.credit2.runqueue != SCHED_C2_RQ_CPU)
            return -EINVAL;
        return 0;
    case XEN_SCHEDULER_ARINC653:
        if (gp->u.arinc653.nr_slots < 1 || gp->u.arinc653.nr_slots > ARINC653_MAX_SLOTS)
            return -EINVAL;
        if (gp->u.arinc653.major_frame <= 0 || gp->u.arinc653.major_frame > SECONDS(10))
            return -EINVAL;
        for (unsigned int i = 0; i < gp->u.arinc653.nr_slots; i++) {
            s_time_t r = gp->u.arinc653.slots[i].runtime;
            if (r < MICROSECS(1) || r > SECONDS(10))
                return -EINVAL;
            sum += r;
        }
        if (sum > gp->u.arinc653.major_frame)
            return -EINVAL;
        return 0;
    default:
        return 0;
    }
}

void sched_no_deinit(struct sched_instance *s)
{
    (void)s;
}

int sched_plain_init_domain(struct sched_instance *s, struct sched_domain *d)
{
    (void)s;
    d->nr_units = 0;
    return 0;
}

void sched_no_destroy_domain(struct sched_instance *s, struct sched_domain *d)
{
    (void)s;
    (void)d;
}
