/* Guest physical memory: frames from the buddy allocator (2 MiB blocks where
 * possible), a gfn -> mfn table, and the nested page tables that map it.
 * Nested entries need the U bit (the walk is a user-mode walk) and grant
 * read, write and execute; the guest's own page tables decide the rest. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <asm/hvm/hvm.h>
#include <asm/page.h>

#define NPT_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

/* Under d->lock: the grant table adds its nested tables to the same list,
 * and a domain's tables may change from another pCPU (foreign_revoke). */
static void own_page(struct domain *d, struct page_info *pg, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);

    pg->owner = d->domain_id;
    pg->flags |= PGF_DOMAIN;
    pg->order = order;
    pg->next = d->page_list;
    d->page_list = pg;
    spin_unlock_irqrestore(&d->lock, flags);
}

static paddr_t npt_alloc_table(struct domain *d)
{
    struct page_info *pg = alloc_zeroed_pages(0);

    if (!pg)
        return 0;
    own_page(d, pg, 0);
    d->p2m_pages++;
    return page_to_mfn(pg) << 12;
}

/* Replace the 2 MiB entry *e by a table of 512 4 KiB entries mapping the
 * same frames. The table is complete before the one store that swaps it
 * in, so a walk on another pCPU sees the old mapping or the new one, never
 * a hole. */
static int npt_split_entry(struct domain *d, pte_t *e)
{
    pte_t big = *e;
    paddr_t n = npt_alloc_table(d);
    pte_t *nt;

    if (!n)
        return -ENOMEM;
    nt = __va(n);
    for (unsigned int i = 0; i < 512; i++)
        nt[i] = ((big & PADDR_MASK) + ((paddr_t)i << 12)) | (big & ~PADDR_MASK & ~_PAGE_PSE);
    __atomic_store_n(e, n | NPT_FLAGS, __ATOMIC_RELEASE);
    return 0;
}

/* The entry of gfn at level `stop` (1: 4 KiB, 2: 2 MiB), creating tables
 * on the way; a 2 MiB mapping above a 4 KiB slot is split first. NULL with
 * *rc set when it cannot be had. */
static pte_t *npt_slot(struct domain *d, unsigned long gfn, unsigned int stop, int *rc)
{
    pte_t *t;

    if (!d->npt_root && !(d->npt_root = npt_alloc_table(d))) {
        *rc = -ENOMEM;
        return NULL;
    }
    t = __va(d->npt_root);
    for (unsigned int l = 4; l > stop; l--) {
        pte_t *e = &t[(gfn >> (9 * (l - 1))) & 511];

        if (!(*e & _PAGE_PRESENT)) {
            paddr_t n = npt_alloc_table(d);
            if (!n) {
                *rc = -ENOMEM;
                return NULL;
            }
            __atomic_store_n(e, n | NPT_FLAGS, __ATOMIC_RELEASE);
        } else if (*e & _PAGE_PSE) {
            /* Never walk into a large page's frames as if they were a table. */
            *rc = l == 2 ? npt_split_entry(d, e) : -EINVAL; /* no 1 GiB pages */
            if (*rc)
                return NULL;
        }
        t = __va(*e & PADDR_MASK);
    }
    return &t[(gfn >> (9 * (stop - 1))) & 511];
}

/* Map gfn -> mfn (2 MiB when `large`) in the nested tables. */
int npt_map(struct domain *d, unsigned long gfn, mfn_t mfn, bool large)
{
    int rc = 0;
    pte_t *e = npt_slot(d, gfn, large ? 2 : 1, &rc);

    if (!e)
        return rc;
    __atomic_store_n(e, (mfn << 12) | NPT_FLAGS | (large ? _PAGE_PSE : 0), __ATOMIC_RELEASE);
    return 0;
}

/* Make gfn's mapping a 4 KiB one (splitting a 2 MiB entry); nothing to do
 * when it is not mapped. */
int npt_split(struct domain *d, unsigned long gfn)
{
    pte_t *t = d->npt_root ? __va(d->npt_root) : NULL;

    for (unsigned int l = 4; t && l >= 2; l--) {
        pte_t *e = &t[(gfn >> (9 * (l - 1))) & 511];

        if (!(*e & _PAGE_PRESENT))
            return 0;
        if (*e & _PAGE_PSE)
            return l == 2 ? npt_split_entry(d, e) : -EINVAL;
        t = __va(*e & PADDR_MASK);
    }
    return 0;
}

/* Unmap the 4 KiB page at gfn; a 2 MiB entry around it is split first so
 * that its other 511 pages stay mapped. */
int npt_unmap(struct domain *d, unsigned long gfn)
{
    pte_t *t = d->npt_root ? __va(d->npt_root) : NULL;
    int rc = npt_split(d, gfn);

    if (rc)
        return rc;
    for (unsigned int l = 4; t && l >= 1; l--) {
        pte_t *e = &t[(gfn >> (9 * (l - 1))) & 511];
        if (!(*e & _PAGE_PRESENT))
            return -ENOENT;
        if (l == 1) {
            __atomic_store_n(e, 0, __ATOMIC_RELEASE);
            return 0;
        }
        t = __va(*e & PADDR_MASK);
    }
    return -ENOENT;
}

/* Populate [0, bytes) with RAM. Every frame comes zeroed from the
 * allocator (clean blocks scrubbed in idle time, or scrubbed on demand). */
int p2m_populate(struct domain *d, uint64_t bytes)
{
    unsigned long nr = bytes >> 12, gfn = 0;

    d->nr_pages = nr;
    d->p2m = xzalloc_bytes(nr * sizeof(uint32_t));
    if (!d->p2m)
        return -ENOMEM;
    while (gfn < nr) {
        bool big = !(gfn & 511) && nr - gfn >= 512;
        struct page_info *pg = big ? alloc_zeroed_pages(9) : NULL;
        unsigned int order = 9;

        if (!pg) {
            pg = alloc_zeroed_pages(0);
            order = 0;
        }
        if (!pg)
            return -ENOMEM;
        own_page(d, pg, order);
        d->tot_pages += 1UL << order;
        for (unsigned long i = 0; i < (1UL << order); i++)
            d->p2m[gfn + i] = (uint32_t)(page_to_mfn(pg) + i);
        if (npt_map(d, gfn, page_to_mfn(pg), order == 9))
            return -ENOMEM;
        gfn += 1UL << order;
    }
    d->extra_gfn = ROUNDUP(nr, 512);
    return 0;
}

/* Return every frame the domain owns to the allocator. */
void p2m_teardown(struct domain *d)
{
    struct page_info *pg = d->page_list;

    while (pg) {
        struct page_info *next = pg->next;
        unsigned int order = pg->order;

        if (!(pg->flags & PGF_DOMAIN) || pg->owner != d->domain_id)
            panic("d%u: frame %#lx on its page list is not its own (owner %u, flags %#x)",
                  d->domain_id, (unsigned long)page_to_mfn(pg), pg->owner, pg->flags);
        pg->next = pg->prev = NULL;
        for (unsigned long i = 0; i < (1UL << order); i++)
            pg[i].flags &= ~PGF_DOMAIN;
        free_heap_pages(pg, order);
        pg = next;
    }
    d->page_list = NULL;
    xfree(d->p2m);
    d->p2m = NULL;
    d->npt_root = 0;
    d->tot_pages = d->p2m_pages = 0;
}

/* Print the nested-table walk for gfn: each level's entry and the state of
 * the frame that holds it (a crash on RAM that the tables lost). */
void p2m_dump_walk(struct domain *d, unsigned long gfn)
{
    paddr_t table = d->npt_root;

    printk("    p2m[%#lx] = %#x; nested walk from root %#lx:\n", gfn,
           d->p2m && gfn < d->nr_pages ? d->p2m[gfn] : 0, (unsigned long)table);
    for (unsigned int l = 4; table && l >= 1; l--) {
        const struct page_info *pg = mfn_to_page(table >> 12);
        pte_t e = ((pte_t *)__va(table))[(gfn >> (9 * (l - 1))) & 511];

        printk("      L%u table %#lx (flags %#x owner %u order %u) entry %#lx\n", l,
               (unsigned long)table, pg->flags, pg->owner, pg->order, (unsigned long)e);
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            break;
        table = e & PADDR_MASK;
    }
}

void *gfn_to_virt(struct domain *d, unsigned long gfn)
{
    if (d->p2m && gfn < d->nr_pages && d->p2m[gfn])
        return mfn_to_virt(d->p2m[gfn]);
    if (d->shared_info && gfn == d->shared_info_gfn)
        return d->shared_info;
    return NULL;
}
