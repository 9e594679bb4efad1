/* The p2m engine (xen/p2m.h): the only code that changes a domain's
 * guest-physical map. RAM comes from the buddy allocator (2 MiB blocks
 * where possible); d->p2m holds gfn -> mfn for RAM, d->spare the RAM
 * frames given back, and the nested page tables map RAM and every other
 * frame the domain sees. Nested entries need the U bit (the walk is a
 * user-mode walk) and grant read, write and execute; the guest's own page
 * tables decide the rest.
 *
 * Every change happens under d->p2m_lock, and every table a change needs
 * is had (allocated, split) before the change starts, so a call that runs
 * out of memory or into the table cap leaves the map as it was. Tables
 * are never freed before teardown: a slot found under the lock stays a
 * slot. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/p2m.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <asm/hvm/hvm.h>
#include <asm/config.h>
#include <asm/page.h>

#define NPT_FLAGS    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define NPT_FLAGS_RO (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define NO_GFN       (~0UL)

/* npt_2m=off: guest RAM is mapped with 4 KiB nested entries only (to tell
 * a fault of large nested mappings from others; costs table frames). */
static bool opt_npt_2m = true;
boolean_param("npt_2m", opt_npt_2m);

unsigned long p2m_default_max_tables(const struct domain *d)
{
    unsigned long vcpus = d->nr_vcpus ? d->nr_vcpus : 1;

    return 256 * vcpus + 2 * (unsigned long)(d->mem_bytes >> 20);
}

static unsigned long p2m_lock(struct domain *d)
{
    return spin_lock_irqsave(&d->p2m_lock);
}

static void p2m_unlock(struct domain *d, unsigned long flags)
{
    spin_unlock_irqrestore(&d->p2m_lock, flags);
}

static void npt_set(pte_t *e, pte_t val)
{
    __atomic_store_n(e, val, __ATOMIC_RELEASE);
}

/* Under p2m_lock (or before the domain runs): pg joins the domain's
 * frames, freed at teardown. */
static void own_page(struct domain *d, struct page_info *pg, unsigned int order)
{
    pg->owner = d->domain_id;
    pg->flags |= PGF_DOMAIN;
    pg->order = order;
    pg->next = d->page_list;
    d->page_list = pg;
}

/* A zeroed table frame, charged to d; 0 when the domain's cap or the host's
 * memory says no. */
static paddr_t npt_alloc_table(struct domain *d)
{
    struct page_info *pg;

    if (d->p2m_pages >= d->max_p2m_pages)
        return 0;
    pg = alloc_zeroed_pages(0);
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
    npt_set(e, n | NPT_FLAGS);
    return 0;
}

/* The entry of gfn at level `stop` (1: 4 KiB, 2: 2 MiB). With `create`,
 * tables are made on the way and a 2 MiB mapping above a 4 KiB slot is
 * split; NULL with *rc = -ENOMEM when that cannot be had. Without it, NULL
 * with *rc = 0 when nothing maps gfn (a 2 MiB mapping is still split, so
 * that a 4 KiB slot can be cleared). */
static pte_t *npt_slot(struct domain *d, unsigned long gfn, unsigned int stop, bool create, int *rc)
{
    pte_t *t;

    *rc = 0;
    if (!d->npt_root) {
        if (!create)
            return NULL;
        if (!(d->npt_root = npt_alloc_table(d))) {
            *rc = -ENOMEM;
            return NULL;
        }
    }
    t = __va(d->npt_root);
    for (unsigned int l = 4; l > stop; l--) {
        pte_t *e = &t[(gfn >> (9 * (l - 1))) & 511];

        if (!(*e & _PAGE_PRESENT)) {
            paddr_t n;

            if (!create)
                return NULL;
            if (!(n = npt_alloc_table(d))) {
                *rc = -ENOMEM;
                return NULL;
            }
            npt_set(e, n | NPT_FLAGS);
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

/* Under p2m_lock: gfn shows nothing. */
static int npt_clear(struct domain *d, unsigned long gfn)
{
    int rc;
    pte_t *e = npt_slot(d, gfn, 1, false, &rc);

    if (e)
        npt_set(e, 0);
    return rc;
}

/* Under p2m_lock: RAM frame mfn is no longer mapped but stays the domain's. */
static void spare_push(struct domain *d, mfn_t mfn)
{
    /* Owned RAM (mapped + spare) never exceeds max_pages = max_spare. */
    ASSERT(d->nr_spare < d->max_spare);
    d->spare[d->nr_spare++] = (uint32_t)mfn;
}

/* Under p2m_lock: gfn's RAM frame leaves the guest's map for the spare list
 * (the caller clears its nested entry). */
static void ram_frame_unmap(struct domain *d, unsigned long gfn)
{
    spare_push(d, d->p2m[gfn]);
    d->p2m[gfn] = 0;
    d->tot_pages--;
}

/* Under p2m_lock: a RAM frame for the domain, zeroed: a spare one, or a
 * new one while it is below max_pages. 0 if none. */
static mfn_t ram_frame_take(struct domain *d)
{
    struct page_info *pg;
    mfn_t mfn;

    if (d->nr_spare)
        mfn = d->spare[--d->nr_spare];
    else if (d->tot_pages + d->nr_spare >= d->max_pages || !(pg = alloc_heap_pages(0)))
        return 0;
    else {
        own_page(d, pg, 0);
        mfn = page_to_mfn(pg);
    }
    memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
    return mfn;
}

/* --- build and teardown --- */

int p2m_populate(struct domain *d, uint64_t bytes)
{
    unsigned long nr = bytes >> 12, gfn = 0, flags;
    int rc = 0;

    d->nr_pages = nr;
    d->max_pages = nr;
    d->max_p2m_pages =
        d->shadow_memory_mb ? (unsigned long)d->shadow_memory_mb << 8 : p2m_default_max_tables(d);
    d->p2m = xzalloc_bytes(nr * sizeof(uint32_t));
    d->spare = xzalloc_bytes(nr * sizeof(uint32_t));
    if (!d->p2m || !d->spare)
        return -ENOMEM;
    d->max_spare = nr;
    while (gfn < nr) {
        bool big = opt_npt_2m && !(gfn & 511) && nr - gfn >= 512;
        struct page_info *pg = big ? alloc_zeroed_pages(9) : NULL;
        unsigned int order = 9;
        pte_t *e;

        if (!pg) {
            pg = alloc_zeroed_pages(0);
            order = 0;
        }
        if (!pg)
            return -ENOMEM;
        flags = p2m_lock(d);
        own_page(d, pg, order);
        d->tot_pages += 1UL << order;
        for (unsigned long i = 0; i < (1UL << order); i++)
            d->p2m[gfn + i] = (uint32_t)(page_to_mfn(pg) + i);
        e = npt_slot(d, gfn, order == 9 ? 2 : 1, true, &rc);
        if (e)
            npt_set(e, (page_to_mfn(pg) << 12) | NPT_FLAGS | (order == 9 ? _PAGE_PSE : 0));
        p2m_unlock(d, flags);
        if (!e)
            return rc;
        gfn += 1UL << order;
    }
    d->extra_gfn = ROUNDUP(nr, 512);
    return 0;
}

/* Return every frame the domain owns to the allocator: queued, and freed
 * in bounded steps (a large guest's frames take milliseconds to free). Each
 * block is checked to be d's own when it is freed. */
void p2m_teardown(struct domain *d)
{
    unsigned long flags = p2m_lock(d);
    struct page_info *list = d->page_list;

    d->page_list = NULL;
    d->npt_root = 0;
    d->tot_pages = d->p2m_pages = 0;
    d->nr_spare = d->max_spare = 0;
    p2m_unlock(d, flags);
    free_domain_pages(list, d->domain_id);
    xfree(d->p2m);
    d->p2m = NULL;
    xfree(d->spare);
    d->spare = NULL;
}

/* --- reservations --- */

static bool extent_ok(const struct domain *d, unsigned long gfn, unsigned int order)
{
    unsigned long n = 1UL << order;

    /* An aligned extent of at most 512 gfns lies in one level-1 table. */
    return order <= 9 && !(gfn & (n - 1)) && d->p2m && gfn < d->nr_pages && d->nr_pages - gfn >= n;
}

int p2m_ram_populate(struct domain *d, unsigned long gfn, unsigned int order)
{
    unsigned long n = 1UL << order, flags, i;
    pte_t *l1 = NULL;
    int rc = 0;

    if (!extent_ok(d, gfn, order))
        return -EINVAL;
    flags = p2m_lock(d);
    for (i = 0; !rc && i < n; i++)
        if (d->p2m[gfn + i] || gfn + i == d->shared_info_gfn)
            rc = -EEXIST;
    if (!rc && d->tot_pages + n > d->max_pages)
        rc = -ENOMEM;
    if (!rc)
        l1 = npt_slot(d, gfn, 1, true, &rc);
    for (i = 0; l1 && i < n; i++) {
        mfn_t mfn = ram_frame_take(d);

        if (!mfn)
            break;
        d->p2m[gfn + i] = (uint32_t)mfn;
        d->tot_pages++;
        npt_set(&l1[i], (mfn << 12) | NPT_FLAGS);
    }
    if (l1 && i < n) {
        /* All or nothing: what this extent got goes back. */
        rc = -ENOMEM;
        while (i--) {
            npt_set(&l1[i], 0);
            ram_frame_unmap(d, gfn + i);
        }
    }
    p2m_unlock(d, flags);
    return rc;
}

int p2m_ram_release(struct domain *d, unsigned long gfn, unsigned int order)
{
    unsigned long n = 1UL << order, flags;
    pte_t *e = NULL, *l1;
    int rc = 0;

    if (!extent_ok(d, gfn, order))
        return -EINVAL;
    flags = p2m_lock(d);
    for (unsigned long i = 0; !rc && i < n; i++)
        if (!d->p2m[gfn + i])
            rc = -ENOENT;
    /* A whole 2 MiB extent mapped large goes in one store, without a split. */
    if (!rc)
        e = npt_slot(d, gfn, order == 9 ? 2 : 1, true, &rc);
    l1 = e;
    if (e && order == 9) {
        l1 = (*e & _PAGE_PRESENT) && !(*e & _PAGE_PSE) ? __va(*e & PADDR_MASK) : NULL;
        if (!l1)
            npt_set(e, 0);
    }
    for (unsigned long i = 0; e && i < n; i++) {
        if (l1)
            npt_set(&l1[i], 0);
        ram_frame_unmap(d, gfn + i);
    }
    p2m_unlock(d, flags);
    return rc;
}

int p2m_ram_move(struct domain *d, unsigned long from, unsigned long to)
{
    unsigned long flags;
    pte_t *ef = NULL, *et = NULL;
    mfn_t mfn;
    int rc = 0;

    if (!d->p2m || from >= d->nr_pages || to >= d->nr_pages)
        return -EINVAL;
    flags = p2m_lock(d);
    if (!d->p2m[from] || to == d->shared_info_gfn)
        rc = -EINVAL;
    else if (from == to)
        goto out;
    /* Both slots first: nothing changes unless both can be had. */
    if (!rc && (ef = npt_slot(d, from, 1, true, &rc)))
        et = npt_slot(d, to, 1, true, &rc);
    if (et) {
        if (d->p2m[to])
            ram_frame_unmap(d, to);
        mfn = d->p2m[from];
        d->p2m[from] = 0;
        npt_set(ef, 0);
        d->p2m[to] = (uint32_t)mfn;
        npt_set(et, (mfn << 12) | NPT_FLAGS);
    }
out:
    p2m_unlock(d, flags);
    return rc;
}

mfn_t p2m_ram_mfn(struct domain *d, unsigned long gfn)
{
    const uint32_t *p2m = d->p2m;

    return p2m && gfn < d->nr_pages ? __atomic_load_n(&p2m[gfn], __ATOMIC_ACQUIRE) : 0;
}

/* --- other frames --- */

int p2m_map_shared_info(struct domain *d, unsigned long gfn)
{
    unsigned long flags;
    pte_t *e, *old = NULL;
    int rc = 0;

    if (!d->shared_info || !d->p2m)
        return -EINVAL;
    flags = p2m_lock(d);
    if (gfn == d->shared_info_gfn)
        goto out;
    if (!(e = npt_slot(d, gfn, 1, true, &rc)))
        goto out;
    if (d->shared_info_gfn != NO_GFN && !(old = npt_slot(d, d->shared_info_gfn, 1, true, &rc)))
        goto out;
    if (gfn < d->nr_pages && d->p2m[gfn])
        ram_frame_unmap(d, gfn);
    npt_set(e, (__pa(d->shared_info) & PADDR_MASK) | NPT_FLAGS);
    if (old)
        npt_set(old, 0);
    d->shared_info_gfn = gfn;
out:
    p2m_unlock(d, flags);
    return rc;
}

int p2m_map_frame(struct domain *d, unsigned long gfn, mfn_t mfn, bool readonly)
{
    unsigned long flags = p2m_lock(d);
    int rc;
    pte_t *e = npt_slot(d, gfn, 1, true, &rc);

    if (e)
        npt_set(e, (mfn << 12) | (readonly ? NPT_FLAGS_RO : NPT_FLAGS));
    p2m_unlock(d, flags);
    return rc;
}

int p2m_restore(struct domain *d, unsigned long gfn)
{
    unsigned long flags = p2m_lock(d);
    int rc = 0;
    pte_t *e;

    if (d->p2m && gfn < d->nr_pages && d->p2m[gfn]) {
        if ((e = npt_slot(d, gfn, 1, true, &rc)))
            npt_set(e, ((pte_t)d->p2m[gfn] << 12) | NPT_FLAGS);
    } else if (d->shared_info && gfn == d->shared_info_gfn) {
        if ((e = npt_slot(d, gfn, 1, true, &rc)))
            npt_set(e, (__pa(d->shared_info) & PADDR_MASK) | NPT_FLAGS);
    } else
        rc = npt_clear(d, gfn);
    p2m_unlock(d, flags);
    return rc;
}

/* --- access --- */

int p2m_write_phys(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    const uint8_t *s = src;

    while (len) {
        size_t chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
        unsigned long flags = p2m_lock(d);
        uint8_t *p = gfn_to_virt(d, gpa >> PAGE_SHIFT);

        if (chunk > len)
            chunk = len;
        if (p)
            memcpy(p + (gpa & (PAGE_SIZE - 1)), s, chunk);
        p2m_unlock(d, flags);
        if (!p)
            return -EFAULT;
        s += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

/* What the nested tables (not the p2m array) map at gfn, under the lock:
 * the frame, or 0 when nothing is mapped. Crash reports compare the two. */
mfn_t p2m_npt_mfn(struct domain *d, unsigned long gfn)
{
    unsigned long flags = p2m_lock(d);
    paddr_t table = d->npt_root;
    mfn_t mfn = 0;

    for (unsigned int l = 4; table && l >= 1; l--) {
        pte_t e = ((pte_t *)__va(table))[(gfn >> (9 * (l - 1))) & 511];

        if (!(e & _PAGE_PRESENT))
            break;
        if (l == 1 || (e & _PAGE_PSE)) {
            mfn = ((e & PADDR_MASK) >> 12) + (l == 2 ? (gfn & 511) : 0);
            break;
        }
        table = e & PADDR_MASK;
    }
    p2m_unlock(d, flags);
    return mfn;
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
        page_print("      its frame", table >> 12);
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            break;
        table = e & PADDR_MASK;
    }
}

void *gfn_to_virt(struct domain *d, unsigned long gfn)
{
    mfn_t mfn = p2m_ram_mfn(d, gfn);

    if (mfn)
        return mfn_to_virt(mfn);
    if (d->shared_info && gfn == d->shared_info_gfn)
        return d->shared_info;
    return NULL;
}
