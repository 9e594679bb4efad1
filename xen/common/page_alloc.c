/* Buddy allocator of physical frames. Free blocks of 2^order frames are kept
 * on one list per order; a freed block merges with its buddy while the buddy
 * is a free block of the same order. The allocator only touches the frame
 * table, never the frames themselves, so host tests run it on a plain array. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>

struct page_info *frame_table;
unsigned long max_page;
static struct page_info *free_list[MAX_ORDER + 1];
static unsigned long free_pages, heap_pages;
static DEFINE_SPINLOCK(heap_lock);

static void list_add(struct page_info *pg, unsigned int order)
{
    pg->order = order;
    pg->flags |= PGF_FREE;
    pg->prev = NULL;
    pg->next = free_list[order];
    if (pg->next)
        pg->next->prev = pg;
    free_list[order] = pg;
}

static void list_del(struct page_info *pg, unsigned int order)
{
    if (pg->prev)
        pg->prev->next = pg->next;
    else
        free_list[order] = pg->next;
    if (pg->next)
        pg->next->prev = pg->prev;
    pg->next = pg->prev = NULL;
    pg->flags &= ~PGF_FREE;
}

void page_alloc_init(struct page_info *table, unsigned long nr)
{
    frame_table = table;
    max_page = nr;
    for (unsigned long i = 0; i < nr; i++)
        table[i] = (struct page_info){.flags = PGF_RESERVED};
    for (unsigned int o = 0; o <= MAX_ORDER; o++)
        free_list[o] = NULL;
    free_pages = heap_pages = 0;
}

static void free_block_locked(mfn_t mfn, unsigned int order)
{
    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1UL << order);
        struct page_info *b;

        if (buddy >= max_page)
            break;
        b = mfn_to_page(buddy);
        if (!(b->flags & PGF_FREE) || b->order != order)
            break;
        list_del(b, order);
        mfn &= ~(1UL << order);
        order++;
    }
    list_add(mfn_to_page(mfn), order);
}

void init_heap_pages(mfn_t start, unsigned long nr)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);
    mfn_t end = start + nr;

    if (end > max_page)
        end = max_page;
    for (mfn_t m = start; m < end; m++)
        mfn_to_page(m)->flags &= ~PGF_RESERVED;
    /* Add the largest aligned blocks that fit. */
    while (start < end) {
        unsigned int order = 0;

        while (order < MAX_ORDER && !(start & ((2UL << order) - 1)) &&
               start + (2UL << order) <= end)
            order++;
        free_block_locked(start, order);
        free_pages += 1UL << order;
        heap_pages += 1UL << order;
        start += 1UL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

struct page_info *alloc_heap_pages(unsigned int order)
{
    unsigned long flags;
    unsigned int o;
    struct page_info *pg;

    if (order > MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    for (o = order; o <= MAX_ORDER && !free_list[o]; o++)
        ;
    if (o > MAX_ORDER) {
        spin_unlock_irqrestore(&heap_lock, flags);
        return NULL;
    }
    pg = free_list[o];
    list_del(pg, o);
    /* Split: hand back the upper halves. */
    while (o > order) {
        o--;
        list_add(pg + (1UL << o), o);
    }
    free_pages -= 1UL << order;
    pg->order = order;
    pg->count = 0;
    spin_unlock_irqrestore(&heap_lock, flags);
    return pg;
}

void free_heap_pages(struct page_info *pg, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    BUG_ON(pg->flags & (PGF_FREE | PGF_RESERVED));
    pg->flags = 0;
    pg->owner = 0;
    free_block_locked(page_to_mfn(pg), order);
    free_pages += 1UL << order;
    spin_unlock_irqrestore(&heap_lock, flags);
}

unsigned long total_free_pages(void)
{
    return free_pages;
}

unsigned long total_heap_pages(void)
{
    return heap_pages;
}

void page_alloc_counts(unsigned long counts[MAX_ORDER + 1])
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    for (unsigned int o = 0; o <= MAX_ORDER; o++) {
        counts[o] = 0;
        for (struct page_info *pg = free_list[o]; pg; pg = pg->next)
            counts[o]++;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}
