/* Guest physical memory: frames from the buddy allocator (2 MiB blocks where
 * possible), a gfn -> mfn table, and the nested page tables that map it.
 * Nested entries need the U bit (the walk is a user-mode walk) and grant
 * read, write and execute; the guest's own page tables decide the rest. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/string.h>
#include <asm/hvm/hvm.h>
#include <asm/page.h>

#define NPT_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

static void own_page(struct domain *d, struct page_info *pg, unsigned int order)
{
    pg->owner = d->domain_id;
    pg->flags |= PGF_DOMAIN;
    pg->order = order;
    pg->next = d->page_list;
    d->page_list = pg;
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

/* Map gfn -> mfn (2 MiB when `large`) in the nested tables. */
int npt_map(struct domain *d, unsigned long gfn, mfn_t mfn, bool large)
{
    pte_t *t;
    unsigned int stop = large ? 2 : 1;

    if (!d->npt_root && !(d->npt_root = npt_alloc_table(d)))
        return -ENOMEM;
    t = __va(d->npt_root);
    for (unsigned int l = 4; l > stop; l--) {
        unsigned int idx = (gfn >> (9 * (l - 1))) & 511;
        if (!(t[idx] & _PAGE_PRESENT)) {
            paddr_t n = npt_alloc_table(d);
            if (!n)
                return -ENOMEM;
            t[idx] = n | NPT_FLAGS;
        }
        t = __va(t[idx] & PADDR_MASK);
    }
    t[(gfn >> (9 * (stop - 1))) & 511] = (mfn << 12) | NPT_FLAGS | (large ? _PAGE_PSE : 0);
    return 0;
}

int npt_unmap(struct domain *d, unsigned long gfn)
{
    pte_t *t = d->npt_root ? __va(d->npt_root) : NULL;

    for (unsigned int l = 4; t && l >= 1; l--) {
        pte_t *e = &t[(gfn >> (9 * (l - 1))) & 511];
        if (!(*e & _PAGE_PRESENT))
            return -ENOENT;
        if (l == 1 || (*e & _PAGE_PSE)) {
            *e = 0;
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

void *gfn_to_virt(struct domain *d, unsigned long gfn)
{
    if (gfn < d->nr_pages && d->p2m[gfn])
        return mfn_to_virt(d->p2m[gfn]);
    if (d->shared_info && gfn == d->shared_info_gfn)
        return d->shared_info;
    return NULL;
}
