/* The hypervisor's heap: objects up to 2 KiB come from power-of-two size
 * classes carved out of single pages; larger ones take whole page blocks.
 * Every object carries an 16-byte header naming its class or page order, so
 * xfree() needs no size. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <xen/string.h>

#define HDR_SIZE    16
#define MIN_SHIFT   5  /* 32-byte chunks: 16 bytes of header + 16 of data */
#define MAX_SHIFT   11 /* 2 KiB */
#define NR_CLASSES  (MAX_SHIFT - MIN_SHIFT + 1)
#define BIG_MAGIC   0x42494721u
#define SMALL_MAGIC 0x534d4c21u

struct hdr {
    uint32_t magic;
    uint32_t cls_or_order;
    uint64_t pad;
};

struct chunk {
    struct chunk *next;
};

static struct chunk *free_chunks[NR_CLASSES];
static DEFINE_SPINLOCK(xmalloc_lock);
/* What the heap holds (xmalloc_usage): pool pages are never given back;
 * live bytes count each live object's whole chunk or block. Under
 * xmalloc_lock. */
static unsigned long pool_pages, big_pages, live_bytes;

static bool refill(unsigned int cls)
{
    char *page = alloc_xenheap_pages(0);
    size_t sz = 1UL << (cls + MIN_SHIFT);

    if (!page)
        return false;
    pool_pages++;
    for (size_t off = 0; off + sz <= 4096; off += sz) {
        struct chunk *c = (struct chunk *)(page + off);
        c->next = free_chunks[cls];
        free_chunks[cls] = c;
    }
    return true;
}

void *xmalloc_bytes(size_t size)
{
    struct hdr *h;
    unsigned long flags;

    if (size + HDR_SIZE > (1UL << MAX_SHIFT)) {
        unsigned int order = get_order_from_bytes(size + HDR_SIZE);

        h = alloc_xenheap_pages_at(order, (unsigned long)__builtin_return_address(0));
        if (!h)
            return NULL;
        *h = (struct hdr){BIG_MAGIC, order, 0};
        flags = spin_lock_irqsave(&xmalloc_lock);
        big_pages += 1UL << order;
        live_bytes += 4096UL << order;
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        return (char *)h + HDR_SIZE;
    }

    unsigned int cls = 0;
    while ((1UL << (cls + MIN_SHIFT)) < size + HDR_SIZE)
        cls++;
    flags = spin_lock_irqsave(&xmalloc_lock);
    if (!free_chunks[cls] && !refill(cls)) {
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        return NULL;
    }
    h = (struct hdr *)free_chunks[cls];
    free_chunks[cls] = free_chunks[cls]->next;
    live_bytes += 1UL << (cls + MIN_SHIFT);
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    *h = (struct hdr){SMALL_MAGIC, cls, 0};
    return (char *)h + HDR_SIZE;
}

void *xzalloc_bytes(size_t size)
{
    void *p = xmalloc_bytes(size);

    if (p)
        memset(p, 0, size);
    return p;
}

/* Debug builds fill freed memory with a pattern, so that a use after free
 * reads an address that faults (0xdbdb...) instead of stale, plausible data. */
static void poison(void *p, size_t len)
{
#ifdef CONFIG_DEBUG
    memset(p, 0xdb, len);
#endif
}

void xfree(void *p)
{
    struct hdr *h;
    unsigned long flags;

    if (!p)
        return;
    h = (struct hdr *)((char *)p - HDR_SIZE);
    if (h->magic == BIG_MAGIC) {
        unsigned int order = h->cls_or_order;

        h->magic = 0;
        poison(h, 4096UL << order);
        free_xenheap_pages_at(h, order, (unsigned long)__builtin_return_address(0));
        flags = spin_lock_irqsave(&xmalloc_lock);
        big_pages -= 1UL << order;
        live_bytes -= 4096UL << order;
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        return;
    }
    BUG_ON(h->magic != SMALL_MAGIC || h->cls_or_order >= NR_CLASSES);
    unsigned int cls = h->cls_or_order;
    h->magic = 0;
    poison(h + 1, (1UL << (cls + MIN_SHIFT)) - HDR_SIZE);
    flags = spin_lock_irqsave(&xmalloc_lock);
    ((struct chunk *)h)->next = free_chunks[cls];
    free_chunks[cls] = (struct chunk *)h;
    live_bytes -= 1UL << (cls + MIN_SHIFT);
    spin_unlock_irqrestore(&xmalloc_lock, flags);
}

size_t xmalloc_footprint(const void *p)
{
    const struct hdr *h;

    if (!p)
        return 0;
    h = (const struct hdr *)((const char *)p - HDR_SIZE);
    if (h->magic == BIG_MAGIC)
        return 4096UL << h->cls_or_order;
    BUG_ON(h->magic != SMALL_MAGIC || h->cls_or_order >= NR_CLASSES);
    return 1UL << (h->cls_or_order + MIN_SHIFT);
}

void xmalloc_usage(struct xmalloc_usage *u)
{
    unsigned long flags = spin_lock_irqsave(&xmalloc_lock);

    u->pool_pages = pool_pages;
    u->big_pages = big_pages;
    u->live_bytes = live_bytes;
    spin_unlock_irqrestore(&xmalloc_lock, flags);
}
