/* Buddy allocator of physical frames. Free blocks of 2^order frames are kept
 * on one list per order and per state: clean (every byte of every frame is
 * zero) or dirty (may hold data of a previous owner). A freed block merges
 * with its buddy while the buddy is a free block of the same order AND the
 * same state, so a clean block never absorbs dirty frames. Scrubbing (idle
 * time, or on demand when no clean block is left) turns dirty blocks clean a
 * chunk at a time, and scrubbed chunks merge back into large clean blocks.
 *
 * Frames freed by anyone are dirty; frames handed to the heap at boot are
 * dirty too (their content is whatever firmware left). Memory a guest will
 * see comes from alloc_zeroed_pages(), which never returns a non-zero byte.
 * The allocator touches frames only to zero them (through __va), so host
 * tests run it on a plain array. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <xen/symbols.h>

struct page_info *frame_table;
unsigned long max_page;
/* [0]: clean blocks, [1]: dirty blocks. */
static struct page_info *free_list[2][MAX_ORDER + 1];
static unsigned long free_pages, heap_pages, dirty_pages;
static unsigned long scrubbed_idle, scrubbed_sync;
static DEFINE_SPINLOCK(heap_lock);
/* Lists of blocks of destroyed domains, freed a step at a time. */
#define RECLAIM_LISTS 64
static struct page_info *reclaim_lists[RECLAIM_LISTS];
static unsigned int reclaim_owners[RECLAIM_LISTS];
static unsigned int nr_reclaim_lists;
static unsigned int reclaim_busy; /* blocks taken off a list, not yet freed */
static DEFINE_SPINLOCK(reclaim_lock);

/* The idle scrubber's wake-up: arch/x86/idle.c (host tests give their own). */

static inline unsigned int is_dirty(const struct page_info *pg)
{
    return (pg->flags & PGF_DIRTY) ? 1 : 0;
}

static void list_add(struct page_info *pg, unsigned int order, unsigned int dirty)
{
    pg->order = order;
    pg->flags = (pg->flags & ~PGF_DIRTY) | PGF_FREE | (dirty ? PGF_DIRTY : 0);
    pg->prev = NULL;
    pg->next = free_list[dirty][order];
    if (pg->next)
        pg->next->prev = pg;
    free_list[dirty][order] = pg;
    if (dirty)
        dirty_pages += 1UL << order;
}

static void list_del(struct page_info *pg, unsigned int order)
{
    unsigned int dirty = is_dirty(pg);

    if (pg->prev)
        pg->prev->next = pg->next;
    else
        free_list[dirty][order] = pg->next;
    if (pg->next)
        pg->next->prev = pg->prev;
    pg->next = pg->prev = NULL;
    pg->flags &= ~(PGF_FREE | PGF_DIRTY);
    if (dirty)
        dirty_pages -= 1UL << order;
}

void page_alloc_init(struct page_info *table, unsigned long nr)
{
    frame_table = table;
    max_page = nr;
    for (unsigned long i = 0; i < nr; i++)
        table[i] = (struct page_info){.flags = PGF_RESERVED};
    for (unsigned int o = 0; o <= MAX_ORDER; o++)
        free_list[0][o] = free_list[1][o] = NULL;
    free_pages = heap_pages = dirty_pages = 0;
    scrubbed_idle = scrubbed_sync = 0;
    nr_reclaim_lists = 0;
}

static void free_block_locked(mfn_t mfn, unsigned int order, unsigned int dirty)
{
    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1UL << order);
        struct page_info *b;

        if (buddy >= max_page)
            break;
        b = mfn_to_page(buddy);
        if (!(b->flags & PGF_FREE) || b->order != order || is_dirty(b) != dirty)
            break;
        list_del(b, order);
        mfn &= ~(1UL << order);
        order++;
    }
    list_add(mfn_to_page(mfn), order, dirty);
}

void init_heap_pages(mfn_t start, unsigned long nr)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    mfn_t end = start + nr;

    if (end > max_page)
        end = max_page;
    for (mfn_t m = start; m < end; m++)
        mfn_to_page(m)->flags &= ~PGF_RESERVED;
    /* Add the largest aligned blocks that fit, as dirty: nobody has
     * cleared what firmware or a previous boot left there. */
    while (start < end) {
        unsigned int order = 0;

        while (order < MAX_ORDER && !(start & ((2UL << order) - 1)) &&
               start + (2UL << order) <= end)
            order++;
        free_block_locked(start, order, 1);
        free_pages += 1UL << order;
        heap_pages += 1UL << order;
        start += 1UL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

/* Take a free block of at least `order` from the lists of state `dirty`
 * (smallest first), split down to `order`. The halves given back keep the
 * block's state. Heap lock held. */
static struct page_info *take_block(unsigned int order, unsigned int dirty)
{
    unsigned int o;
    struct page_info *pg;

    for (o = order; o <= MAX_ORDER && !free_list[dirty][o]; o++)
        ;
    if (o > MAX_ORDER)
        return NULL;
    pg = free_list[dirty][o];
    list_del(pg, o);
    while (o > order) {
        o--;
        list_add(pg + (1UL << o), o, dirty);
    }
    return pg;
}

/* What no frame on a free list may carry. */
#define FRAME_TAKEN (PGF_INUSE | PGF_FREE | PGF_RESERVED | PGF_DOMAIN | PGF_XENHEAP)

/* Every frame of a block handed out is marked in use, and a free checks
 * every frame of what it gives back: a frame freed twice, or freed as part
 * of a block larger than the one allocated, would otherwise sit on a free
 * list while still in use and be handed to a second owner. */
static void hand_out(struct page_info *pg, unsigned int order, unsigned long site)
{
    free_pages -= 1UL << order;
    pg->order = order;
    pg->alloc_order = order;
    for (unsigned long i = 0; i < (1UL << order); i++) {
        if (pg[i].flags & FRAME_TAKEN)
            panic("allocation of frame %#lx (block %#lx order %u) that is in use (flags %#x)",
                  (unsigned long)page_to_mfn(pg + i), (unsigned long)page_to_mfn(pg), order,
                  pg[i].flags);
        pg[i].flags |= PGF_INUSE;
    }
    pg->flags |= PGF_HEAD;
    pg->alloc_site = site;
}

/* Contents undefined: dirty blocks first, so that clean ones stay for
 * guests. The caller zeroes what it needs zeroed. */
struct page_info *alloc_heap_pages(unsigned int order)
{
    unsigned long flags;
    struct page_info *pg;

    if (order > MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    pg = take_block(order, 1);
    if (!pg)
        pg = take_block(order, 0);
    if (pg)
        hand_out(pg, order, (unsigned long)__builtin_return_address(0));
    spin_unlock_irqrestore(&heap_lock, flags);
    if (!pg && page_reclaim_pending()) {
        page_reclaim_step(PAGE_RECLAIM_STEP);
        pg = alloc_heap_pages(order);
        if (pg)
            pg->alloc_site = (unsigned long)__builtin_return_address(0);
    }
    return pg;
}

/* Zero the frames of an allocated block. */
static void scrub_block(struct page_info *pg, unsigned int order)
{
    clear_pages(page_to_virt(pg), 1UL << order);
}

struct page_info *alloc_zeroed_pages(unsigned int order)
{
    unsigned long flags;
    struct page_info *pg;
    bool dirty = false;

    if (order > MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    pg = take_block(order, 0);
    if (!pg) {
        pg = take_block(order, 1);
        dirty = pg != NULL;
    }
    if (pg) {
        hand_out(pg, order, (unsigned long)__builtin_return_address(0));
        if (dirty)
            scrubbed_sync += 1UL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    if (!pg && (page_reclaim_pending() || dirty_pages)) {
        if (page_reclaim_pending())
            page_reclaim_step(PAGE_RECLAIM_STEP);
        else /* Fragmented into clean and dirty halves that cannot merge:
              * scrub everything, so that all merges again, and retry. */
            while (scrub_free_pages(MAX_ORDER, false))
                ;
        pg = alloc_zeroed_pages(order);
        if (pg)
            pg->alloc_site = (unsigned long)__builtin_return_address(0);
        return pg;
    }
    if (dirty)
        scrub_block(pg, order);
    return pg;
}

static void site_name(unsigned long site, char *buf, size_t len)
{
    if (site)
        symbols_describe(site, buf, len);
    else
        snprintf(buf, len, "-");
}

void free_heap_pages(struct page_info *pg, unsigned int order)
{
    free_heap_pages_at(pg, order, (unsigned long)__builtin_return_address(0));
}

void free_heap_pages_at(struct page_info *pg, unsigned int order, unsigned long site)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    char by[64], last[64];

    if ((pg->flags & (PGF_INUSE | PGF_HEAD)) != (PGF_INUSE | PGF_HEAD) ||
        pg->alloc_order != order) {
        site_name(site, by, sizeof(by));
        site_name(pg->free_site, last, sizeof(last));
    }
    if (!(pg->flags & PGF_INUSE))
        panic("free of frame %#lx that is not in use (flags %#x) by %s: freed twice? (last freed "
              "by %s)",
              (unsigned long)page_to_mfn(pg), pg->flags, by, last);
    if (!(pg->flags & PGF_HEAD) || pg->alloc_order != order)
        panic("free of frame %#lx as a block of order %u by %s: it %s",
              (unsigned long)page_to_mfn(pg), order, by,
              (pg->flags & PGF_HEAD) ? "heads a block of another order" : "heads no block");
    for (unsigned long i = 0; i < (1UL << order); i++) {
        unsigned int want = PGF_INUSE | (i ? 0 : PGF_HEAD);

        if ((pg[i].flags & (PGF_INUSE | PGF_HEAD | PGF_FREE | PGF_RESERVED)) != want)
            panic("free of frame %#lx (block %#lx order %u) that is not in use (flags %#x)",
                  (unsigned long)page_to_mfn(pg + i), (unsigned long)page_to_mfn(pg), order,
                  pg[i].flags);
        pg[i].flags &= ~(PGF_INUSE | PGF_HEAD);
    }
    pg->flags = 0;
    pg->owner = 0;
    pg->free_site = site;
    free_block_locked(page_to_mfn(pg), order, 1);
    free_pages += 1UL << order;
    spin_unlock_irqrestore(&heap_lock, flags);
    page_scrub_notify();
}

/* --- frames of destroyed domains --- */

static unsigned long free_domain_block(struct page_info *pg, unsigned int owner)
{
    unsigned int order = pg->order;

    /* A frame on a domain's list that is not its own: the list is corrupt,
     * and freeing on would hand out frames someone still uses. */
    if (!(pg->flags & PGF_DOMAIN) || pg->owner != owner)
        panic("d%u: frame %#lx on its page list is not its own (owner %u, flags %#x)", owner,
              (unsigned long)page_to_mfn(pg), pg->owner, pg->flags);
    pg->next = pg->prev = NULL;
    for (unsigned long i = 0; i < (1UL << order); i++)
        pg[i].flags &= ~PGF_DOMAIN;
    free_heap_pages(pg, order);
    return 1UL << order;
}

void free_domain_pages(struct page_info *list, unsigned int owner)
{
    unsigned long flags = spin_lock_irqsave(&reclaim_lock);

    if (list && nr_reclaim_lists < RECLAIM_LISTS) {
        reclaim_owners[nr_reclaim_lists] = owner;
        reclaim_lists[nr_reclaim_lists++] = list;
        list = NULL;
    }
    spin_unlock_irqrestore(&reclaim_lock, flags);
    while (list) {
        struct page_info *next = list->next;

        free_domain_block(list, owner);
        list = next;
    }
    page_scrub_notify(); /* idle pCPUs reclaim, then scrub */
}

bool page_reclaim_pending(void)
{
    return __atomic_load_n(&nr_reclaim_lists, __ATOMIC_RELAXED) != 0;
}

bool page_reclaim_step(unsigned long max_pages)
{
    unsigned long freed = 0, flags;
    bool more = true;

    while (more && freed < max_pages) {
        struct page_info *pg = NULL;
        unsigned int owner = 0;

        flags = spin_lock_irqsave(&reclaim_lock);
        if (nr_reclaim_lists) {
            struct page_info **head = &reclaim_lists[nr_reclaim_lists - 1];

            owner = reclaim_owners[nr_reclaim_lists - 1];
            pg = *head;
            *head = pg->next;
            if (!*head)
                nr_reclaim_lists--;
            __atomic_fetch_add(&reclaim_busy, 1, __ATOMIC_RELAXED);
        }
        more = nr_reclaim_lists != 0;
        spin_unlock_irqrestore(&reclaim_lock, flags);
        if (pg) {
            freed += free_domain_block(pg, owner);
            __atomic_fetch_sub(&reclaim_busy, 1, __ATOMIC_RELEASE);
        }
    }
    return more;
}

/* Also waits for blocks another CPU took off a list and is still freeing,
 * so that the free count read next is final. */
void page_reclaim_all(void)
{
    while (page_reclaim_step(PAGE_RECLAIM_STEP) || __atomic_load_n(&reclaim_busy, __ATOMIC_ACQUIRE))
        asm volatile("pause");
}

unsigned long scrub_free_pages(unsigned int max_order, bool idle)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    struct page_info *pg = NULL;
    unsigned int order;

    /* The smallest dirty block, so that a large one is split only when
     * nothing smaller is left; at most 2^max_order frames at a time. */
    for (order = 0; order <= MAX_ORDER && !pg; order++)
        pg = free_list[1][order];
    if (!pg) {
        spin_unlock_irqrestore(&heap_lock, flags);
        return 0;
    }
    order--;
    if (order > max_order) {
        pg = take_block(max_order, 1);
        order = max_order;
    } else
        list_del(pg, order);
    /* Off the lists while it is zeroed: nobody can allocate it. It still
     * counts as free (a count read meanwhile is exact, memcheck.c). A
     * frame someone still uses must not be zeroed under them: the lists
     * are corrupt, and going on would wipe a live table or guest page. */
    for (unsigned long i = 0; i < (1UL << order); i++)
        if (pg[i].flags & (FRAME_TAKEN & ~PGF_FREE)) {
            page_print("in use", page_to_mfn(pg + i));
            panic("scrub of free block %#lx order %u: frame %#lx is in use (flags %#x)",
                  (unsigned long)page_to_mfn(pg), order, (unsigned long)page_to_mfn(pg + i),
                  pg[i].flags);
        }
    spin_unlock_irqrestore(&heap_lock, flags);

    scrub_block(pg, order);

    flags = spin_lock_irqsave(&heap_lock);
    free_block_locked(page_to_mfn(pg), order, 0);
    if (idle)
        scrubbed_idle += 1UL << order;
    else
        scrubbed_sync += 1UL << order;
    spin_unlock_irqrestore(&heap_lock, flags);
    return 1UL << order;
}

void page_print(const char *what, mfn_t mfn)
{
    const struct page_info *pg, *head;
    char a[64], f[64];
    mfn_t h = mfn;

    if (mfn >= max_page) {
        printk("    %s: frame %#lx is beyond the frame table\n", what, (unsigned long)mfn);
        return;
    }
    pg = mfn_to_page(mfn);
    /* The head of its block: the nearest frame at or below that heads one
     * (allocated blocks are aligned to their order). */
    for (unsigned int o = 0; o <= MAX_ORDER && !(mfn_to_page(h)->flags & (PGF_HEAD | PGF_FREE));
         o++)
        h = mfn & ~((2UL << o) - 1);
    head = mfn_to_page(h);
    site_name(head->alloc_site, a, sizeof(a));
    site_name(head->free_site, f, sizeof(f));
    printk("    %s: frame %#lx flags %#x owner %u; block %#lx flags %#x owner %u order %u, "
           "allocated by %s, last freed by %s\n",
           what, (unsigned long)mfn, pg->flags, pg->owner, (unsigned long)h, head->flags,
           head->owner, (head->flags & PGF_FREE) ? head->order : head->alloc_order, a, f);
}

unsigned long total_free_pages(void)
{
    return free_pages;
}

unsigned long total_heap_pages(void)
{
    return heap_pages;
}

unsigned long total_dirty_pages(void)
{
    return dirty_pages;
}

void page_scrub_stats(unsigned long *idle, unsigned long *sync)
{
    *idle = scrubbed_idle;
    *sync = scrubbed_sync;
}

void page_alloc_counts(unsigned long counts[MAX_ORDER + 1])
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    for (unsigned int o = 0; o <= MAX_ORDER; o++) {
        counts[o] = 0;
        for (unsigned int s = 0; s < 2; s++)
            for (struct page_info *pg = free_list[s][o]; pg; pg = pg->next)
                counts[o]++;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}
