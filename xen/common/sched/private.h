/* Helpers shared by the schedulers in this directory (not an interface). */
#ifndef SCHED_PRIVATE_H
#define SCHED_PRIVATE_H

#include <xen/types.h>
#include <xen/string.h>
#include <xen/sched-if.h>

/* Intrusive doubly linked list; an empty list points at itself. */
struct slist {
    struct slist *next, *prev;
};

static inline void slist_init(struct slist *l)
{
    l->next = l->prev = l;
}

static inline bool slist_empty(const struct slist *l)
{
    return l->next == l;
}

static inline bool slist_linked(const struct slist *e)
{
    return e->next != NULL && e->next != e;
}

static inline void slist_add_tail(struct slist *l, struct slist *e)
{
    e->prev = l->prev;
    e->next = l;
    l->prev->next = e;
    l->prev = e;
}

static inline void slist_del(struct slist *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->next = e->prev = e;
}

#define slist_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Carve aligned pieces out of the instance's memory block. */
#define SCHED_ALIGN(x) (((x) + 15) & ~(size_t)15)

static inline void sched_tickle(struct sched_instance *s, unsigned int cpu)
{
    if (s->cb->trace)
        s->cb->trace(s->cb->ctx, SCHED_TRC_TICKLE, cpu, 0, 0, 0);
    s->cb->tickle(s->cb->ctx, cpu);
}

static inline void sched_trace(struct sched_instance *s, enum sched_trace_event ev,
                               unsigned int cpu, const struct sched_unit *u, uint64_t arg)
{
    if (s->cb->trace)
        s->cb->trace(s->cb->ctx, ev, cpu, u ? u->dom->domid : SCHED_IDLE_DOMID, u ? u->unit_id : 0,
                     arg);
}

static inline s_time_t sched_now(struct sched_instance *s)
{
    return s->cb->now(s->cb->ctx);
}

/* Soft affinity counts only when it restricts something and overlaps the
 * hard affinity within the instance's pCPUs. */
static inline bool sched_has_soft(const struct sched_unit *u, unsigned int nr_cpus)
{
    bool any = false;
    if (sched_mask_full(&u->soft_affinity, nr_cpus))
        return false;
    for (unsigned int c = 0; c < nr_cpus; c++)
        if (sched_mask_test(&u->soft_affinity, c) && sched_mask_test(&u->hard_affinity, c))
            any = true;
    return any;
}

static inline bool sched_params_are(const struct sched_instance *s, unsigned int id)
{
    return s->ops->sched_id == id;
}

/* Hooks for schedulers that keep no state to free (registry.c). */
void sched_no_deinit(struct sched_instance *s);
int sched_plain_init_domain(struct sched_instance *s, struct sched_domain *d);
void sched_no_destroy_domain(struct sched_instance *s, struct sched_domain *d);

#endif
