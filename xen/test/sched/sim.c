/* Discrete-event simulator; see sim.h. */
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sim_fail(struct sim *s, const char *fmt, ...) __printf(2, 3);

static void sim_fail(struct sim *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (s->failed)
        return;
    s->failed = true;
    n = snprintf(s->error, sizeof(s->error), "t=%lld: ", (long long)s->now);
    va_start(ap, fmt);
    vsnprintf(s->error + n, sizeof(s->error) - (size_t)n, fmt, ap);
    va_end(ap);
}

static void cb_tickle(void *ctx, unsigned int cpu)
{
    struct sim *s = ctx;

    if (cpu >= s->nr_cpus) {
        sim_fail(s, "tickle of pCPU %u out of range", cpu);
        return;
    }
    s->cpu[cpu].tickled = true;
    s->cpu[cpu].tickles++;
}

static s_time_t cb_now(void *ctx)
{
    return ((struct sim *)ctx)->now;
}

static void cb_trace(void *ctx, enum sched_trace_event ev, unsigned int cpu, uint32_t domid,
                     uint32_t unit_id, uint64_t arg)
{
    struct sim *s = ctx;

    (void)cpu;
    (void)domid;
    (void)unit_id;
    (void)arg;
    if ((unsigned int)ev < 16)
        s->trace_count[ev]++;
}

struct sched_cpumask sim_mask(unsigned int nr, ...)
{
    struct sched_cpumask m;
    va_list ap;

    sched_mask_clear(&m);
    va_start(ap, nr);
    for (unsigned int i = 0; i < nr; i++)
        sched_mask_set(&m, va_arg(ap, unsigned int));
    va_end(ap);
    return m;
}

int sim_init(struct sim *s, const char *sched_name, unsigned int nr_cpus, const char *global)
{
    struct sched_global_params gp;
    struct sched_parse_error err = {0};

    memset(s, 0, sizeof(*s));
    s->ops = sched_find_by_name(sched_name);
    s->nr_cpus = nr_cpus;
    if (s->ops == NULL || nr_cpus > SIM_MAX_CPUS) {
        sim_fail(s, "no scheduler %s or too many pCPUs", sched_name);
        return -1;
    }
    if (s->ops->unit_size > SIM_PRIV || s->ops->dom_size > SIM_PRIV) {
        sim_fail(s, "private data larger than the simulator's slots");
        return -1;
    }
    sched_global_default(s->ops, &gp);
    if (global && sched_parse_global(s->ops, global, &gp, &err)) {
        sim_fail(s, "global settings '%s': %s at %zu", global, err.msg, err.pos);
        return -1;
    }
    s->cb.tickle = cb_tickle;
    s->cb.now = cb_now;
    s->cb.trace = cb_trace;
    s->cb.ctx = s;
    s->mem = malloc(s->ops->instance_size(nr_cpus));
    /* Like the core at boot: every pCPU makes a first decision. */
    for (unsigned int c = 0; c < nr_cpus; c++) {
        s->cpu[c].timer = SIM_NEVER;
        s->cpu[c].resched = true;
    }
    if (s->mem == NULL || sched_instance_init(&s->inst, s->ops, &s->cb, nr_cpus, s->mem, &gp)) {
        sim_fail(s, "instance init failed");
        return -1;
    }
    return 0;
}

void sim_free(struct sim *s)
{
    s->ops->deinit(&s->inst);
    free(s->mem);
    free(s->log);
}

void sim_log_switches(struct sim *s)
{
    s->log = calloc(SIM_TRACE_MAX, sizeof(*s->log));
}

int sim_add_domain(struct sim *s, uint32_t domid, const char *params)
{
    struct sched_domain *d;
    struct sched_params p;
    struct sched_parse_error err = {0};

    if (s->nr_doms == SIM_MAX_DOMS) {
        sim_fail(s, "too many domains");
        return -1;
    }
    d = &s->dom[s->nr_doms];
    d->domid = domid;
    d->priv = s->dom_priv[s->nr_doms];
    if (s->ops->init_domain(&s->inst, d)) {
        sim_fail(s, "init_domain failed");
        return -1;
    }
    if (params) {
        sched_params_default(s->ops, &p);
        if (sched_parse_params(s->ops, params, &p, &err)) {
            sim_fail(s, "domain settings '%s': %s at %zu", params, err.msg, err.pos);
            return -1;
        }
        if (s->ops->adjust(&s->inst, d, NULL, true, &p)) {
            sim_fail(s, "adjust refused '%s'", params);
            return -1;
        }
    }
    return (int)s->nr_doms++;
}

struct sim_unit *sim_add_unit(struct sim *s, int d, enum sim_workload kind, s_time_t period,
                              s_time_t work)
{
    struct sim_unit *u;
    unsigned int id = 0;

    if (s->nr_units == SIM_MAX_UNITS || d < 0 || (unsigned int)d >= s->nr_doms) {
        sim_fail(s, "bad unit");
        return &s->unit[0];
    }
    for (unsigned int i = 0; i < s->nr_units; i++)
        if (s->unit[i].su.dom == &s->dom[d])
            id++;
    u = &s->unit[s->nr_units++];
    memset(u, 0, sizeof(*u));
    u->su.unit_id = id;
    u->su.dom = &s->dom[d];
    u->su.priv = u->priv;
    u->su.core = u;
    u->su.processor = 0;
    sched_mask_fill(&u->su.hard_affinity, s->nr_cpus);
    sched_mask_fill(&u->su.soft_affinity, s->nr_cpus);
    u->kind = kind;
    u->period = period;
    u->work = work;
    u->on_cpu = u->last_cpu = -1;
    u->woke_at = -1;
    u->next_release = SIM_NEVER;
    if (s->ops->insert_unit(&s->inst, &u->su))
        sim_fail(s, "insert_unit failed");
    return u;
}

int sim_unit_index(const struct sim *s, const struct sim_unit *u)
{
    return u ? (int)(u - s->unit) : -1;
}

static void wake(struct sim *s, struct sim_unit *u)
{
    if (u->runnable)
        return;
    u->runnable = true;
    u->woke_at = s->now;
    s->ops->wake(&s->inst, &u->su);
}

static void block(struct sim *s, struct sim_unit *u)
{
    u->runnable = false;
    s->ops->sleep(&s->inst, &u->su);
    if (u->on_cpu >= 0)
        s->cpu[u->on_cpu].resched = true;
}

void sim_start(struct sim *s, struct sim_unit *u)
{
    u->started = true;
    if (u->kind == WL_CPU)
        wake(s, u);
    else if (u->kind == WL_PERIODIC)
        u->next_release = s->now;
}

void sim_stop(struct sim *s, struct sim_unit *u)
{
    u->started = false;
    u->next_release = SIM_NEVER;
    if (u->runnable)
        block(s, u);
}

void sim_set_affinity(struct sim *s, struct sim_unit *u, const struct sched_cpumask *hard,
                      const struct sched_cpumask *soft)
{
    u->su.hard_affinity = *hard;
    u->su.soft_affinity = *soft;
    s->ops->affinity_changed(&s->inst, &u->su);
}

static void log_switch(struct sim *s, unsigned int c, struct sim_unit *u)
{
    if (s->log && s->nr_log < SIM_TRACE_MAX)
        s->log[s->nr_log++] = (struct sim_switch){s->now, (int)c, sim_unit_index(s, u)};
}

static void schedule(struct sim *s, unsigned int c)
{
    struct sim_cpu *pc = &s->cpu[c];
    struct sched_decision d = {NULL, 0};
    struct sim_unit *next, *prev = pc->curr;

    pc->tickled = pc->resched = false;
    pc->decisions++;
    s->ops->do_schedule(&s->inst, c, s->now, &d);
    if (d.slice != SCHED_NO_TIMER && d.slice <= 0) {
        sim_fail(s, "pCPU %u: slice %lld", c, (long long)d.slice);
        return;
    }
    next = d.next ? (struct sim_unit *)d.next->core : NULL;
    if (next) {
        int i = sim_unit_index(s, next);
        if (!next->runnable)
            sim_fail(s, "pCPU %u picked blocked unit %d", c, i);
        if (next->on_cpu >= 0 && next->on_cpu != (int)c)
            sim_fail(s, "pCPU %u picked unit %d running on pCPU %d", c, i, next->on_cpu);
        if (!sched_mask_test(&next->su.hard_affinity, c))
            sim_fail(s, "pCPU %u picked unit %d outside its hard affinity", c, i);
        if (next->su.processor != c)
            sim_fail(s, "unit %d picked on pCPU %u has processor %u", i, c, next->su.processor);
    }
    if (prev != next) {
        if (prev)
            prev->on_cpu = -1;
        if (next) {
            next->on_cpu = (int)c;
            next->switches_in++;
            if (next->last_cpu >= 0 && next->last_cpu != (int)c)
                next->migrations++;
            next->last_cpu = (int)c;
        }
        log_switch(s, c, next);
    }
    if (next && next->woke_at >= 0) {
        if (s->now - next->woke_at > next->max_latency)
            next->max_latency = s->now - next->woke_at;
        next->woke_at = -1;
    }
    pc->curr = next;
    pc->timer = d.slice == SCHED_NO_TIMER ? SIM_NEVER : s->now + d.slice + s->timer_late;
}

static void release_job(struct sim *s, struct sim_unit *u)
{
    if (u->remaining > 0 || u->backlog) {
        u->backlog++;
    } else {
        u->remaining = u->work;
        u->job_deadline = u->next_release + u->period;
        wake(s, u);
    }
    u->next_release += u->period;
}

static void complete_job(struct sim *s, struct sim_unit *u)
{
    s_time_t late = s->now - u->job_deadline;

    u->jobs++;
    if (late > 0) {
        u->misses++;
        if (late > u->max_lateness)
            u->max_lateness = late;
    }
    if (u->backlog) {
        u->backlog--;
        u->remaining = u->work;
        u->job_deadline += u->period;
    } else {
        block(s, u);
    }
}

/* Handle everything due at s->now, until nothing changes. */
static void process_instant(struct sim *s)
{
    unsigned int rounds = 0;

    for (;;) {
        bool any = false;

        for (unsigned int i = 0; i < s->nr_units; i++) {
            struct sim_unit *u = &s->unit[i];
            if (u->kind == WL_PERIODIC && u->runnable && u->remaining == 0 && u->on_cpu >= 0) {
                complete_job(s, u);
                any = true;
            }
            if (u->kind == WL_PERIODIC && u->started && u->next_release <= s->now) {
                release_job(s, u);
                any = true;
            }
        }
        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            struct sim_cpu *pc = &s->cpu[c];
            if (pc->timer <= s->now || pc->tickled || pc->resched) {
                pc->timer = SIM_NEVER;
                schedule(s, c);
                any = true;
            }
        }
        if (!any || s->failed)
            return;
        if (++rounds > 1000u * s->nr_cpus + s->nr_units * 10u) {
            sim_fail(s, "no progress: decisions keep coming at the same time");
            return;
        }
    }
}

static bool someone_waits_for(struct sim *s, unsigned int c)
{
    for (unsigned int i = 0; i < s->nr_units; i++) {
        struct sim_unit *u = &s->unit[i];
        if (u->runnable && u->on_cpu < 0 && sched_mask_test(&u->su.hard_affinity, c))
            return true;
    }
    return false;
}

void sim_run_until(struct sim *s, s_time_t end)
{
    while (!s->failed) {
        s_time_t next = end, dt;

        process_instant(s);
        if (s->failed || s->now >= end)
            return;
        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            struct sim_cpu *pc = &s->cpu[c];
            if (pc->timer < next)
                next = pc->timer;
            if (pc->curr && pc->curr->kind == WL_PERIODIC && s->now + pc->curr->remaining < next)
                next = s->now + pc->curr->remaining;
        }
        for (unsigned int i = 0; i < s->nr_units; i++)
            if (s->unit[i].started && s->unit[i].next_release < next)
                next = s->unit[i].next_release;
        dt = next - s->now;
        for (unsigned int c = 0; c < s->nr_cpus; c++) {
            struct sim_cpu *pc = &s->cpu[c];
            if (pc->curr) {
                pc->busy_ns += dt;
                pc->curr->run_ns += dt;
                pc->curr->run_on[c] += dt;
                if (pc->curr->kind == WL_PERIODIC)
                    pc->curr->remaining -= dt;
            } else if (someone_waits_for(s, c)) {
                s->idle_waiting_ns += dt;
            }
        }
        s->now = next;
    }
}

void sim_remove(struct sim *s, struct sim_unit *u)
{
    process_instant(s);
    if (u->runnable || u->on_cpu >= 0) {
        sim_fail(s, "remove of a unit still runnable or running");
        return;
    }
    s->ops->remove_unit(&s->inst, &u->su);
    u->kind = WL_NONE;
}
