/* The nested page tables of p2m.c: a 4 KiB map or unmap inside a 2 MiB
 * mapping splits it and keeps its other 511 pages where they were, and
 * nothing is ever written into a guest's RAM frames. */
#include <stdlib.h>
#include <string.h>
#include <asm/page.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include "harness.h"

#define NR_FRAMES 4096 /* 16 MiB of test "RAM" */
extern unsigned char *test_ram;
static struct page_info table[NR_FRAMES];

int npt_map(struct domain *d, unsigned long gfn, mfn_t mfn, bool large);
int npt_unmap(struct domain *d, unsigned long gfn);
int p2m_populate(struct domain *d, uint64_t bytes);
void p2m_teardown(struct domain *d);

/* The frame gfn maps to by walking d's nested tables, or 0 if none. */
static mfn_t walk(struct domain *d, unsigned long gfn)
{
    pte_t *t = __va(d->npt_root);

    for (unsigned int l = 4; l >= 1; l--) {
        pte_t e = t[(gfn >> (9 * (l - 1))) & 511];

        if (!(e & _PAGE_PRESENT))
            return 0;
        if (l == 1 || (e & _PAGE_PSE))
            return ((e & PADDR_MASK) >> 12) + (l == 2 ? (gfn & 511) : 0);
        t = __va(e & PADDR_MASK);
    }
    return 0;
}

/* A 4 MiB domain: two 2 MiB RAM blocks, mapped large. */
static void setup(struct domain *d)
{
    if (!test_ram)
        test_ram = aligned_alloc(4096, (size_t)NR_FRAMES * 4096);
    page_alloc_init(table, NR_FRAMES);
    init_heap_pages(0, NR_FRAMES);
    memset(d, 0, sizeof(*d));
    d->domain_id = 1;
    d->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    CHECK(p2m_populate(d, 4UL << 20) == 0);
}

/* Every RAM gfn but `skip` still maps its own frame; RAM holds its pattern. */
static void check_ram(struct domain *d, unsigned long skip)
{
    unsigned int bad_map = 0, bad_data = 0;

    for (unsigned long g = 0; g < d->nr_pages; g++) {
        const uint32_t *p = mfn_to_virt(d->p2m[g]);

        if (g != skip && walk(d, g) != d->p2m[g])
            bad_map++;
        for (unsigned int i = 0; i < 1024; i++)
            if (p[i] != (uint32_t)g)
                bad_data++;
    }
    CHECK(bad_map == 0);
    CHECK(bad_data == 0);
}

static void fill_ram(struct domain *d)
{
    for (unsigned long g = 0; g < d->nr_pages; g++) {
        uint32_t *p = mfn_to_virt(d->p2m[g]);

        for (unsigned int i = 0; i < 1024; i++)
            p[i] = (uint32_t)g;
    }
}

TEST(p2m_map_4k_inside_2m_splits)
{
    static struct domain d;
    struct page_info *pg;

    setup(&d);
    fill_ram(&d);
    CHECK(walk(&d, 0x102) == d.p2m[0x102]);
    pg = alloc_zeroed_pages(0);
    CHECK(pg && npt_map(&d, 0x102, page_to_mfn(pg), false) == 0);
    CHECK(walk(&d, 0x102) == page_to_mfn(pg));
    check_ram(&d, 0x102);
    p2m_teardown(&d);
}

TEST(p2m_unmap_4k_inside_2m_keeps_the_rest)
{
    static struct domain d;

    setup(&d);
    fill_ram(&d);
    CHECK(npt_unmap(&d, 0x233) == 0);
    CHECK(walk(&d, 0x233) == 0);
    check_ram(&d, 0x233);
    CHECK(npt_unmap(&d, 0x233) == -ENOENT);
    p2m_teardown(&d);
}
