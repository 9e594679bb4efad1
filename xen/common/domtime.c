/* Per-domain timing of creation and destruction, for the domain benchmark.
 * "first_run" is the time vCPU 0 waited as runnable between the end of the
 * build and its first dispatch into the guest, i.e. until the guest's first
 * instruction (the scheduler's runnable-time account of vCPU 0, which also
 * holds any later wait: the benchmark guest never waits again). */
#include <xen/domtime.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>

static unsigned long sync_scrubbed(void)
{
    unsigned long idle, sync;

    page_scrub_stats(&idle, &sync);
    return sync;
}

static s_time_t vcpu0_runnable(const struct domain *d)
{
    return d->vcpus[0] ? d->vcpus[0]->runstate_time[RUNSTATE_runnable] : 0;
}

void domtime_mark(struct domain *d, enum domtime_mark m)
{
    struct domtime *t;
    s_time_t first_run, total;

    if (m >= DOMTIME_NR)
        return;
    t = &d->timing;
    t->at[m] = NOW();
    switch (m) {
    case DOMTIME_BUILD:
        t->sync_before = sync_scrubbed();
        for (unsigned int i = DOMTIME_POPULATED; i < DOMTIME_NR; i++)
            t->at[i] = 0;
        break;
    case DOMTIME_POPULATED:
        t->sync_after = sync_scrubbed();
        break;
    case DOMTIME_READY:
        t->runnable_at_ready = vcpu0_runnable(d);
        break;
    case DOMTIME_DESTROY:
        t->runnable_at_destroy = vcpu0_runnable(d);
        break;
    case DOMTIME_DESTROYED:
        /* Only a domain that was built completely and then ran. */
        if (!t->at[DOMTIME_READY] || !t->at[DOMTIME_DESTROY])
            return;
        first_run = t->runnable_at_destroy - t->runnable_at_ready;
        total = (t->at[DOMTIME_READY] - t->at[DOMTIME_BUILD]) + first_run +
                (t->at[DOMTIME_DESTROYED] - t->at[DOMTIME_DESTROY]);
        printk_nowait(
            "domtime: d%u '%s' populate_ns=%lu load_ns=%lu vcpus_ns=%lu first_run_ns=%lu "
            "destroy_ns=%lu total_ns=%lu sync_scrub_pages=%lu\n",
            d->domain_id, d->name, (unsigned long)(t->at[DOMTIME_POPULATED] - t->at[DOMTIME_BUILD]),
            (unsigned long)(t->at[DOMTIME_LOADED] - t->at[DOMTIME_POPULATED]),
            (unsigned long)(t->at[DOMTIME_READY] - t->at[DOMTIME_LOADED]), (unsigned long)first_run,
            (unsigned long)(t->at[DOMTIME_DESTROYED] - t->at[DOMTIME_DESTROY]),
            (unsigned long)total, t->sync_after - t->sync_before);
        t->at[DOMTIME_READY] = 0;
        break;
    default:
        break;
    }
}
