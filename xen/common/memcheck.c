/* The host's memory before the boot's domains and after they all ended:
 * every frame taken from the free pool since the snapshot must be one of
 *   - a frame still owned by a domain (a preserved one keeps its memory),
 *   - a page the small-object heap cut into chunks (xmalloc never gives
 *     them back: a cache of free chunks once their objects are freed),
 *   - a page of a live xmalloc object over 2 KiB,
 * and the xmalloc objects live now and not before must be the structures
 * the hypervisor keeps on purpose: each domain's struct domain and struct
 * vcpu (the summary and domain ids still name them), and what the per-CPU
 * timer heaps grew by. Whatever is left is a leak, printed as
 * "unexplained" (xtf-runner fails the boot's tests on it):
 *   memory: N pages free (M before domains were built), K frames still owned by
 *     domains; kept: X xmalloc pages (D bytes of domain and vCPU structures, T bytes
 *     of timer heap growth, the rest free chunks); unexplained: U pages, B bytes of
 *     live xmalloc objects
 * (one line; U = M - N - K - X)
 * The counts are exact: frames being scrubbed count as free, and the
 * report waits for blocks of destroyed domains another CPU is freeing. */
#include <xen/lib.h>
#include <xen/memcheck.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/time.h>

struct mem_counts {
    unsigned long free;
    struct xmalloc_usage x;
    size_t timer_heaps;
};

static struct mem_counts before;

/* Read again until two reads agree: an idle CPU may be scrubbing or a
 * timer heap growing meanwhile. */
static void mem_counts_read(struct mem_counts *c)
{
    struct mem_counts again;

    for (;;) {
        c->free = total_free_pages();
        xmalloc_usage(&c->x);
        c->timer_heaps = timer_heaps_footprint();
        again.free = total_free_pages();
        xmalloc_usage(&again.x);
        again.timer_heaps = timer_heaps_footprint();
        if (c->free == again.free && c->x.pool_pages == again.x.pool_pages &&
            c->x.big_pages == again.x.big_pages && c->x.live_bytes == again.x.live_bytes &&
            c->timer_heaps == again.timer_heaps)
            return;
    }
}

void memcheck_snapshot(void)
{
    mem_counts_read(&before);
}

/* What the domains' own structures hold in the heap. */
static size_t domain_structures(void)
{
    size_t bytes = 0;

    for (unsigned int i = 0; i < nr_domains; i++) {
        const struct domain *d = domain_list[i];

        bytes += xmalloc_footprint(d);
        for (unsigned int v = 0; v < MAX_VCPUS; v++)
            bytes += xmalloc_footprint(d->vcpus[v]);
    }
    return bytes;
}

void memcheck_report(void)
{
    struct mem_counts now;
    unsigned long owned = 0;
    long xpages, pages_left, bytes_left;
    size_t doms;
    bool preserved = false;

    page_reclaim_all();
    mem_counts_read(&now);
    /* A domain's block is marked on its first frame only. */
    for (unsigned long m = 0; m < max_page; m++)
        if (frame_table[m].flags & PGF_DOMAIN)
            owned += (frame_table[m].flags & PGF_HEAD) ? 1UL << frame_table[m].alloc_order : 1;
    doms = domain_structures();
    for (unsigned int i = 0; i < nr_domains; i++)
        preserved |= domain_list[i]->state == DOMSTATE_SHUTDOWN;
    xpages = (long)(now.x.pool_pages - before.x.pool_pages) +
             (long)(now.x.big_pages - before.x.big_pages);
    pages_left = (long)(before.free - now.free) - (long)owned - xpages;
    bytes_left = (long)(now.x.live_bytes - before.x.live_bytes) - (long)doms -
                 ((long)now.timer_heaps - (long)before.timer_heaps);
    printk("memory: %lu pages free (%lu before domains were built), %lu frames still owned by "
           "domains; kept: %ld xmalloc pages (%zu bytes of domain and vCPU structures, %ld bytes "
           "of timer heap growth, the rest free chunks); unexplained: %ld pages, %ld bytes of "
           "live xmalloc objects%s\n",
           now.free, before.free, owned, xpages, doms,
           (long)now.timer_heaps - (long)before.timer_heaps, pages_left, bytes_left,
           preserved ? " (a preserved domain keeps all it had: not judged)" : "");
}
