/* The p2m engine (arch/x86/hvm/p2m.c, xen/p2m.h): a 4 KiB change inside a
 * 2 MiB mapping splits it and keeps its other 511 pages where they were;
 * nested table frames are charged to the domain and stop at its cap with
 * -ENOMEM while what is mapped stays mapped; an extent is populated or
 * released whole or not at all; four threads ballooning the same gfns at
 * once leave every frame in exactly one place; teardown gives back every
 * frame the domain took. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <asm/page.h>
#include <xen/mm.h>
#include <xen/p2m.h>
#include <xen/sched.h>
#include "harness.h"

#define NR_FRAMES 4096 /* 16 MiB of test "RAM" */
extern unsigned char *test_ram;
static struct page_info table[NR_FRAMES];

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

static unsigned long free_at_start;

/* A 4 MiB domain: two 2 MiB RAM blocks, mapped large. Frame 0 stays out
 * of the allocator (mfn 0 means "none" in the p2m). */
static void setup(struct domain *d, unsigned int shadow_mb)
{
    if (!test_ram)
        test_ram = aligned_alloc(4096, (size_t)NR_FRAMES * 4096);
    page_alloc_init(table, NR_FRAMES);
    init_heap_pages(1, NR_FRAMES - 1);
    memset(d, 0, sizeof(*d));
    d->domain_id = 1;
    d->nr_vcpus = 1;
    d->mem_bytes = 4UL << 20;
    d->shadow_memory_mb = shadow_mb;
    d->shared_info_gfn = ~0UL;
    d->lock = d->p2m_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    free_at_start = total_free_pages();
    CHECK(p2m_populate(d, d->mem_bytes) == 0);
}

static void teardown(struct domain *d)
{
    p2m_teardown(d);
    page_reclaim_all(); /* teardown queues the frames; idle pCPUs free them */
    CHECK(!page_reclaim_pending());
    CHECK(total_free_pages() == free_at_start);
}

/* Every RAM gfn but `skip` still maps its own frame; RAM holds its pattern. */
static void check_ram(struct domain *d, unsigned long skip)
{
    unsigned int bad_map = 0, bad_data = 0;

    for (unsigned long g = 0; g < d->nr_pages; g++) {
        const uint32_t *p = mfn_to_virt(d->p2m[g]);

        if (g == skip)
            continue;
        if (walk(d, g) != d->p2m[g])
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

    setup(&d, 0);
    fill_ram(&d);
    CHECK(walk(&d, 0x102) == d.p2m[0x102]);
    pg = alloc_zeroed_pages(0);
    CHECK(pg && p2m_map_frame(&d, 0x102, page_to_mfn(pg), false) == 0);
    CHECK(walk(&d, 0x102) == page_to_mfn(pg));
    check_ram(&d, 0x102);
    /* Restored: the RAM frame is back. */
    CHECK(p2m_restore(&d, 0x102) == 0);
    CHECK(walk(&d, 0x102) == d.p2m[0x102]);
    free_heap_pages(pg, 0);
    teardown(&d);
}

TEST(p2m_release_4k_inside_2m_keeps_the_rest)
{
    static struct domain d;

    setup(&d, 0);
    fill_ram(&d);
    CHECK(p2m_ram_release(&d, 0x233, 0) == 0);
    CHECK(walk(&d, 0x233) == 0);
    CHECK(d.tot_pages == d.nr_pages - 1 && d.nr_spare == 1);
    check_ram(&d, 0x233);
    CHECK(p2m_ram_release(&d, 0x233, 0) == -ENOENT);
    CHECK(p2m_ram_populate(&d, 0x233, 0) == 0);
    CHECK(p2m_ram_populate(&d, 0x233, 0) == -EEXIST);
    CHECK(walk(&d, 0x233) == d.p2m[0x233] && d.nr_spare == 0);
    CHECK(((uint32_t *)mfn_to_virt(d.p2m[0x233]))[7] == 0); /* scrubbed */
    teardown(&d);
}

/* XENMEM_add_to_physmap(shared_info) or a grant map at ever new gfns: each
 * far gfn needs new tables, until the domain's cap; then -ENOMEM, and the
 * RAM, the last mapping and the count stay as they were. */
TEST(p2m_table_frames_capped)
{
    static struct domain d;
    struct page_info *pg;
    unsigned long ok = 0, cap;
    int rc = 0;

    setup(&d, 1); /* 1 MiB: 256 table frames */
    cap = d.max_p2m_pages;
    CHECK(cap == 256);
    CHECK(d.p2m_pages > 0 && d.p2m_pages < 8); /* populate's own, charged */
    fill_ram(&d);
    pg = alloc_zeroed_pages(0);
    for (unsigned long i = 0; i < 10000 && !rc; i++) {
        /* a new level-3 slot every time: 2 or 3 tables per gfn */
        rc = p2m_map_frame(&d, (i + 1) << 18, page_to_mfn(pg), false);
        if (!rc)
            ok++;
    }
    CHECK(rc == -ENOMEM);
    CHECK(d.p2m_pages == cap);
    CHECK(ok > 50 && ok < cap);
    CHECK(walk(&d, ok << 18) == page_to_mfn(pg));
    check_ram(&d, ~0UL);
    /* A release that needs no new table still works; one that needs a
     * split is refused whole and leaves the gfn mapped. */
    CHECK(p2m_ram_release(&d, 0x200, 9) == 0);
    CHECK(p2m_ram_release(&d, 0x10, 0) == -ENOMEM);
    CHECK(walk(&d, 0x10) == d.p2m[0x10] && d.p2m[0x10]);
    /* The 2 MiB entry went whole: taking it back needs a new level-1 table. */
    CHECK(p2m_ram_populate(&d, 0x200, 9) == -ENOMEM);
    CHECK(d.tot_pages == d.nr_pages - 512 && d.nr_spare == 512);
    free_heap_pages(pg, 0);
    teardown(&d);
}

/* The default cap: shadow_memory as xl.cfg derives it. */
TEST(p2m_default_cap_follows_xl)
{
    static struct domain d;

    setup(&d, 0);
    CHECK(d.max_p2m_pages == 256 * 1 + 2 * 4);
    teardown(&d);
}

TEST(p2m_extent_all_or_nothing)
{
    static struct domain d;

    setup(&d, 0);
    CHECK(p2m_ram_release(&d, 0x200, 9) == 0);
    CHECK(walk(&d, 0x3ff) == 0 && d.tot_pages == 512);
    /* One gfn of the extent is back: the whole extent is refused. */
    CHECK(p2m_ram_populate(&d, 0x300, 0) == 0);
    CHECK(p2m_ram_populate(&d, 0x200, 9) == -EEXIST);
    CHECK(d.tot_pages == 513 && d.nr_spare == 511);
    CHECK(p2m_ram_release(&d, 0x300, 0) == 0);
    CHECK(p2m_ram_populate(&d, 0x200, 9) == 0);
    CHECK(d.tot_pages == 1024 && d.nr_spare == 0);
    /* Past max_pages: nothing. */
    CHECK(p2m_ram_populate(&d, 0x200, 9) == -EEXIST);
    CHECK(p2m_ram_release(&d, 0x201, 0) == 0);
    CHECK(p2m_ram_move(&d, 0x202, 0x201) == 0);
    CHECK(walk(&d, 0x202) == 0 && walk(&d, 0x201) == d.p2m[0x201]);
    CHECK(p2m_ram_move(&d, 0x203, 0x201) == 0); /* 0x201's frame goes spare */
    CHECK(d.tot_pages == 1022 && d.nr_spare == 2);
    CHECK(p2m_ram_populate(&d, 0x200, 1) == -EEXIST);
    CHECK(p2m_ram_populate(&d, 0x202, 1) == 0);
    CHECK(d.tot_pages == 1024 && d.nr_spare == 0);
    /* Misaligned, too large, past RAM. */
    CHECK(p2m_ram_release(&d, 0x201, 1) == -EINVAL);
    CHECK(p2m_ram_release(&d, 0, 10) == -EINVAL);
    CHECK(p2m_ram_populate(&d, 1024, 0) == -EINVAL);
    teardown(&d);
}

/* Four threads give back and take again the same 64 gfns, as four vCPUs
 * ballooning at once. After: every RAM frame is in exactly one place (one
 * gfn or the spare list), the counts agree, the tables agree. */
static struct domain balloon_dom;
#define BALLOON_GFNS   16
#define BALLOON_ROUNDS 60000

static void *balloon_thread(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg;

    for (unsigned int r = 0; r < BALLOON_ROUNDS; r++) {
        unsigned long gfn = 0x80 + rand_r(&seed) % BALLOON_GFNS;

        if (rand_r(&seed) & 1)
            p2m_ram_release(&balloon_dom, gfn, 0);
        else
            p2m_ram_populate(&balloon_dom, gfn, 0);
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

TEST(p2m_concurrent_ballooning_stays_consistent)
{
    struct domain *d = &balloon_dom;
    pthread_t th[4];
    static uint32_t all[1024 + 1024];
    unsigned long n = 0, mapped = 0, dups = 0, bad_walk = 0;

    setup(d, 0);
    for (unsigned int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, balloon_thread, (void *)(uintptr_t)(i + 1)) == 0);
    for (unsigned int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (unsigned long g = 0; g < d->nr_pages; g++) {
        if (d->p2m[g]) {
            all[n++] = d->p2m[g];
            mapped++;
        }
        if (walk(d, g) != d->p2m[g])
            bad_walk++;
    }
    CHECK(mapped == d->tot_pages);
    CHECK(d->nr_spare <= d->max_spare);
    for (unsigned long i = 0; i < d->nr_spare && n < 2048; i++)
        all[n++] = d->spare[i];
    CHECK(n == d->nr_pages); /* no frame lost, none made up */
    qsort(all, n, sizeof(all[0]), cmp_u32);
    for (unsigned long i = 1; i < n; i++)
        if (all[i] == all[i - 1])
            dups++;
    CHECK(dups == 0);
    CHECK(bad_walk == 0);
    /* Every gfn can be had again. */
    for (unsigned long g = 0x80; g < 0x80 + BALLOON_GFNS; g++)
        if (!d->p2m[g])
            CHECK(p2m_ram_populate(d, g, 0) == 0);
    CHECK(d->tot_pages == d->nr_pages && d->nr_spare == 0);
    teardown(d);
}
