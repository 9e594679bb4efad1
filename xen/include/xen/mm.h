/* Physical memory: the frame table, the buddy allocator of frames, and the
 * small-object heap. */
#ifndef XEN_MM_H
#define XEN_MM_H

#include <xen/types.h>

#define MAX_ORDER 20 /* 4 GiB blocks */

struct page_info {
    struct page_info *next, *prev; /* free list links while free */
    uint32_t order;                /* block order while free (head page) */
    uint32_t flags;
    uint32_t owner;       /* domain id of the owner, or DOMID_XEN */
    uint32_t alloc_order; /* order of the block handed out (head page) */
    /* Head page: the code that last handed the block out and the code that
     * last gave it back, for the reports of a frame with two owners. */
    unsigned long alloc_site, free_site;
};

#define PGF_FREE     (1u << 0) /* head of a free block */
#define PGF_RESERVED (1u << 1) /* never handed to the allocator */
#define PGF_XENHEAP  (1u << 2)
#define PGF_DOMAIN   (1u << 3)
#define PGF_DIRTY    (1u << 4) /* head of a free block that may hold data */
#define PGF_INUSE    (1u << 5) /* handed out by the allocator, not yet freed */
#define PGF_HEAD     (1u << 6) /* first frame of a block handed out */

extern struct page_info *frame_table;
extern unsigned long max_page;

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
    return frame_table + mfn;
}
static inline mfn_t page_to_mfn(const struct page_info *pg)
{
    return (mfn_t)(pg - frame_table);
}

/* The allocator (common/page_alloc.c). The frame table covers frames
 * [0, nr); frames enter the allocator through init_heap_pages(). */
void page_alloc_init(struct page_info *table, unsigned long nr);
void init_heap_pages(mfn_t start, unsigned long nr);
/* Contents undefined (the caller zeroes what it needs): */
struct page_info *alloc_heap_pages(unsigned int order);
/* Every byte zero: clean blocks first, else a dirty one scrubbed now. Use it
 * for every frame a guest can see. */
struct page_info *alloc_zeroed_pages(unsigned int order);
/* Freed frames are dirty until scrubbed. */
void free_heap_pages(struct page_info *pg, unsigned int order);
/* Scrub one dirty free block of at most 2^max_order frames and return it
 * to the clean lists; returns the frames scrubbed, 0 if nothing is dirty.
 * `idle` only picks the statistics counter. */
unsigned long scrub_free_pages(unsigned int max_order, bool idle);
/* A destroyed domain's blocks (linked by next, each of its own order and
 * still marked PGF_DOMAIN) go back to the heap in bounded steps, so that no
 * exit or scheduling pass frees a whole large guest at once:
 * free_domain_pages() queues the list of domain `owner` (each block is
 * checked to be its own when freed; it frees at once only when the queue
 * is full), page_reclaim_step() frees blocks until at least max_pages
 * frames went back and says whether any are left, page_reclaim_all() frees
 * the rest. An allocation that finds no block reclaims before it fails. */
void free_domain_pages(struct page_info *list, unsigned int owner);
bool page_reclaim_step(unsigned long max_pages);
bool page_reclaim_pending(void);
void page_reclaim_all(void);
#define PAGE_RECLAIM_STEP 4096 /* frames per step: 16 MiB, about 100 us under TCG */
/* Called after frames became dirty (the idle scrubber's wake-up). */
void page_scrub_notify(void);
unsigned long total_free_pages(void);
unsigned long total_heap_pages(void);
unsigned long total_dirty_pages(void);
/* Frames scrubbed so far by idle CPUs and on demand (allocation). */
void page_scrub_stats(unsigned long *idle, unsigned long *sync);
/* Zero nr whole frames from page-aligned va (lib/string.c). */
void clear_pages(void *va, unsigned long nr);
/* Print one line on frame mfn: its flags, owner and the head of its block
 * with the sites that last allocated and freed it (crash reports). */
void page_print(const char *what, mfn_t mfn);
/* Free frames per order, for the debug key. */
void page_alloc_counts(unsigned long counts[MAX_ORDER + 1]);

/* Memory the hypervisor itself uses, by virtual address (directmap). */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);
/* The same, naming the code the block is for (wrappers pass their caller). */
void *alloc_xenheap_pages_at(unsigned int order, unsigned long site);
void free_xenheap_pages_at(void *va, unsigned int order, unsigned long site);
void free_heap_pages_at(struct page_info *pg, unsigned int order, unsigned long site);
void *xmalloc_bytes(size_t size);
void *xzalloc_bytes(size_t size);
void xfree(void *p);
/* The bytes object p holds: its whole chunk or page block (0 for NULL). */
size_t xmalloc_footprint(const void *p);
struct xmalloc_usage {
    unsigned long pool_pages; /* pages cut into small chunks, never returned */
    unsigned long big_pages;  /* pages of live objects over 2 KiB */
    unsigned long live_bytes; /* the footprints of every live object */
};
void xmalloc_usage(struct xmalloc_usage *u);
#define xmalloc(t)          ((t *)xmalloc_bytes(sizeof(t)))
#define xzalloc(t)          ((t *)xzalloc_bytes(sizeof(t)))
#define xzalloc_array(t, n) ((t *)xzalloc_bytes(sizeof(t) * (n)))

/* Address translation for the directmap (arch). */
void *__va(paddr_t pa);
paddr_t __pa(const void *va);
static inline void *mfn_to_virt(mfn_t mfn)
{
    return __va(mfn << 12);
}
static inline void *page_to_virt(const struct page_info *pg)
{
    return mfn_to_virt(page_to_mfn(pg));
}

static inline unsigned int get_order_from_bytes(uint64_t size)
{
    unsigned int order = 0;

    while ((4096ULL << order) < size)
        order++;
    return order;
}

#endif
