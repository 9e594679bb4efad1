/* The hypervisor's own address space.
 *
 *   image      identity mapped at XEN_PHYS_START: text RX, rodata R, data RW
 *   directmap  all RAM at DIRECTMAP_BASE, RW and non-executable
 *   ioremap    device memory, uncached, at IOREMAP_BASE
 *   0x8000     the AP trampoline, identity mapped while CPUs come up
 *
 * Page-table pages come from an early bump allocator (top of the highest
 * RAM region below 4 GiB, avoiding the image and the boot modules) until the
 * frame allocator is running, and from it afterwards. */
#include <xen/bootinfo.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/spinlock.h>
#include <xen/string.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/processor.h>

extern char __image_start[], __image_end[], __text_start[], __text_end[], __rodata_start[],
    __rodata_end[], __data_start[];

unsigned long idle_pg_table_pa;
static bool directmap_live, heap_live;
static paddr_t early_top, early_bottom; /* [early_bottom, early_top) handed out */
static DEFINE_SPINLOCK(map_lock);

void *__va(paddr_t pa)
{
    return (void *)(DIRECTMAP_BASE + pa);
}

paddr_t __pa(const void *va)
{
    unsigned long v = (unsigned long)va;

    if (v >= DIRECTMAP_BASE)
        return v - DIRECTMAP_BASE;
    return v; /* the image is identity mapped */
}

static void *table_va(paddr_t pa)
{
    return directmap_live ? __va(pa) : (void *)(uintptr_t)pa;
}

static bool overlaps_boot_data(paddr_t start, paddr_t end)
{
    if (start < __pa(__image_end) && end > __pa(__image_start))
        return true;
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        if (start < ROUNDUP(m->start + m->size, PAGE_SIZE) && end > m->start)
            return true;
    }
    return false;
}

static void early_alloc_init(void)
{
    paddr_t best = 0;

    /* The top of the RAM region that ends highest below 4 GiB. */
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct memmap_entry *e = &boot_info.memmap[i];
        paddr_t end = ROUNDDOWN(e->addr + e->size, PAGE_SIZE);

        if (e->type != E820_RAM || e->addr >= 0x100000000ULL)
            continue;
        if (end > 0x100000000ULL)
            end = 0x100000000ULL;
        if (end > best && end - e->addr >= (4UL << 20))
            best = end;
    }
    if (!best)
        panic("no RAM region of at least 4 MiB below 4 GiB for the boot allocator");
    early_top = early_bottom = best;
}

static paddr_t early_alloc_page(void)
{
    paddr_t pa;

    do {
        early_bottom -= PAGE_SIZE;
        if (early_bottom < 0x100000)
            panic("boot allocator ran out of low memory");
    } while (overlaps_boot_data(early_bottom, early_bottom + PAGE_SIZE));
    pa = early_bottom;
    memset(table_va(pa), 0, PAGE_SIZE);
    return pa;
}

static paddr_t alloc_table_page(void)
{
    if (heap_live) {
        struct page_info *pg = alloc_heap_pages(0);
        if (!pg)
            return 0;
        pg->flags |= PGF_XENHEAP;
        memset(page_to_virt(pg), 0, PAGE_SIZE);
        return page_to_mfn(pg) << PAGE_SHIFT;
    }
    return early_alloc_page();
}

static pte_t *walk(unsigned long va, unsigned int level, bool create)
{
    pte_t *t = table_va(idle_pg_table_pa);

    for (unsigned int l = 4; l > level; l--) {
        unsigned int idx = (va >> (12 + 9 * (l - 1))) & 511;
        pte_t e = t[idx];

        if (!(e & _PAGE_PRESENT)) {
            paddr_t n;
            if (!create || !(n = alloc_table_page()))
                return NULL;
            e = n | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
            t[idx] = e;
        } else if (e & _PAGE_PSE)
            return NULL; /* already covered by a large page */
        t = table_va(e & PADDR_MASK);
    }
    return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

int map_pages(unsigned long va, paddr_t pa, uint64_t size, uint64_t flags, bool large)
{
    unsigned long irq = spin_lock_irqsave(&map_lock);
    uint64_t done = 0;

    while (done < size) {
        bool big = large && !((va + done) & 0x1fffff) && !((pa + done) & 0x1fffff) &&
                   size - done >= 0x200000;
        pte_t *e = walk(va + done, big ? 2 : 1, true);

        if (!e) {
            spin_unlock_irqrestore(&map_lock, irq);
            return -1;
        }
        *e = (pa + done) | flags | (big ? _PAGE_PSE : 0);
        if (directmap_live)
            invlpg(va + done);
        done += big ? 0x200000 : PAGE_SIZE;
    }
    spin_unlock_irqrestore(&map_lock, irq);
    return 0;
}

pte_t lookup_pte(unsigned long va)
{
    pte_t *t = table_va(idle_pg_table_pa);

    for (unsigned int l = 4; l >= 1; l--) {
        pte_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE) || l == 1)
            return e;
        t = table_va(e & PADDR_MASK);
    }
    return 0;
}

void *ioremap(paddr_t pa, size_t size)
{
    static unsigned long next = IOREMAP_BASE;
    static DEFINE_SPINLOCK(io_lock);
    paddr_t base = ROUNDDOWN(pa, PAGE_SIZE);
    uint64_t len = ROUNDUP(pa + size, PAGE_SIZE) - base;
    unsigned long va, irq;

    irq = spin_lock_irqsave(&io_lock);
    va = next;
    next += len;
    spin_unlock_irqrestore(&io_lock, irq);
    if (next > IOREMAP_BASE + IOREMAP_SIZE || map_pages(va, base, len, PAGE_HYPERVISOR_UC, false))
        panic("ioremap of %#lx (+%#zx) failed", (unsigned long)pa, size);
    return (void *)(va + (pa - base));
}

void *alloc_xenheap_pages_at(unsigned int order, unsigned long site)
{
    struct page_info *pg = alloc_heap_pages(order);

    if (!pg)
        return NULL;
    pg->alloc_site = site;
    for (unsigned long i = 0; i < (1UL << order); i++)
        pg[i].flags |= PGF_XENHEAP;
    return page_to_virt(pg);
}

void *alloc_xenheap_pages(unsigned int order)
{
    return alloc_xenheap_pages_at(order, (unsigned long)__builtin_return_address(0));
}

void free_xenheap_pages_at(void *va, unsigned int order, unsigned long site)
{
    struct page_info *pg = mfn_to_page(__pa(va) >> PAGE_SHIFT);

    for (unsigned long i = 0; i < (1UL << order); i++)
        pg[i].flags &= ~PGF_XENHEAP;
    free_heap_pages_at(pg, order, site);
}

void free_xenheap_pages(void *va, unsigned int order)
{
    free_xenheap_pages_at(va, order, (unsigned long)__builtin_return_address(0));
}

static void map_image(void)
{
    paddr_t text = __pa(__text_start), rodata = __pa(__rodata_start), data = __pa(__data_start);

    map_pages(text, text, rodata - text, PAGE_HYPERVISOR_RX, false);
    map_pages(rodata, rodata, data - rodata, PAGE_HYPERVISOR_RO, false);
    map_pages(data, data, __pa(__image_end) - data, PAGE_HYPERVISOR_RW, false);
    /* The AP trampoline runs from low memory with these tables. */
    map_pages(AP_TRAMPOLINE, AP_TRAMPOLINE, PAGE_SIZE, PAGE_HYPERVISOR_RWX, false);
}

static void map_directmap(void)
{
    /* The first 1 MiB (BIOS data, EBDA, ROM: the RSDP search looks there). */
    map_pages(DIRECTMAP_BASE, 0, 0x100000, PAGE_HYPERVISOR_RW, false);
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct memmap_entry *e = &boot_info.memmap[i];
        paddr_t s, end;

        if (e->type != E820_RAM && e->type != E820_ACPI && e->type != E820_NVS)
            continue;
        s = ROUNDDOWN(e->addr, 0x200000);
        end = ROUNDUP(e->addr + e->size, 0x200000);
        if (s < 0x100000)
            s = 0x200000 > end ? end : 0;
        for (paddr_t p = s; p < end; p += 0x200000) {
            if (p < 0x100000)
                map_pages(DIRECTMAP_BASE + 0x100000, 0x100000, 0x100000, PAGE_HYPERVISOR_RW, false);
            else
                map_pages(DIRECTMAP_BASE + p, p, 0x200000, PAGE_HYPERVISOR_RW, true);
        }
    }
}

struct range {
    paddr_t s, e;
};

/* Hand [s, e) to the allocator minus the sorted, disjoint ranges `ex`. */
static void free_range_except(paddr_t s, paddr_t e, const struct range *ex, unsigned int n)
{
    for (unsigned int i = 0; i < n && s < e; i++) {
        if (ex[i].e <= s || ex[i].s >= e)
            continue;
        if (ex[i].s > s)
            init_heap_pages(s >> PAGE_SHIFT, (ex[i].s - s) >> PAGE_SHIFT);
        s = ex[i].e;
    }
    if (s < e)
        init_heap_pages(s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT);
}

static void heap_init(void)
{
    static struct range ex[MAX_MODULES + 2];
    unsigned int n = 0;
    paddr_t top = 0, before;
    unsigned long nr, table_pages;

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct memmap_entry *e = &boot_info.memmap[i];
        if (e->type == E820_RAM && e->addr + e->size > top)
            top = e->addr + e->size;
    }
    nr = top >> PAGE_SHIFT;
    table_pages = ROUNDUP(nr * sizeof(struct page_info), PAGE_SIZE) >> PAGE_SHIFT;
    before = early_bottom;
    for (unsigned long i = 0; i < table_pages; i++)
        early_alloc_page();
    if (before - early_bottom != table_pages * PAGE_SIZE)
        panic("boot modules lie where the frame table must go (%#lx-%#lx)",
              (unsigned long)early_bottom, (unsigned long)before);
    page_alloc_init(__va(early_bottom), nr);

    /* Everything the allocator must not hand out, sorted by start. */
    ex[n++] = (struct range){__pa(__image_start), __pa(__image_end)};
    ex[n++] = (struct range){early_bottom, early_top};
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        ex[n++] =
            (struct range){ROUNDDOWN(m->start, PAGE_SIZE), ROUNDUP(m->start + m->size, PAGE_SIZE)};
    }
    for (unsigned int i = 1; i < n; i++)
        for (unsigned int j = i; j > 0 && ex[j].s < ex[j - 1].s; j--) {
            struct range t = ex[j];
            ex[j] = ex[j - 1];
            ex[j - 1] = t;
        }

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct memmap_entry *e = &boot_info.memmap[i];
        paddr_t s = ROUNDUP(e->addr, PAGE_SIZE), end = ROUNDDOWN(e->addr + e->size, PAGE_SIZE);

        if (e->type != E820_RAM)
            continue;
        if (s < 0x100000)
            s = 0x100000; /* low memory stays reserved: BIOS data, trampoline */
        if (s < end)
            free_range_except(s, end, ex, n);
    }
    heap_live = true;
}

void paging_init(void)
{
    early_alloc_init();
    idle_pg_table_pa = early_alloc_page();
    map_image();
    map_directmap();
    write_cr3(idle_pg_table_pa);
    directmap_live = true;
    heap_init();
}
