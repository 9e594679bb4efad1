/* Clean and dirty memory in the frame allocator: a block the allocator
 * holds as clean is all zeroes, whatever sequence of allocations, frees,
 * splits, merges and scrubs came before; alloc_zeroed_pages() never returns
 * a non-zero byte; a clean block never merges with a dirty buddy. */
#include <stdlib.h>
#include <string.h>
#include <xen/mm.h>
#include "harness.h"

#define NR_FRAMES 4096 /* the same 16 MiB of test "RAM" as test-alloc.c */
extern unsigned char *test_ram;
static struct page_info table[NR_FRAMES];

/* The hypervisor's idle scrubber (arch/x86/idle.c) is not part of host
 * tests: the frees it would be woken for are scrubbed here by the tests. */
void page_scrub_notify(void) {}

static void setup_dirty_ram(void)
{
    if (!test_ram)
        test_ram = aligned_alloc(4096, (size_t)NR_FRAMES * 4096);
    /* What a previous boot or firmware might have left. */
    memset(test_ram, 0xa5, (size_t)NR_FRAMES * 4096);
    page_alloc_init(table, NR_FRAMES);
}

static bool frames_zero(mfn_t m, unsigned long nr)
{
    const uint64_t *p = (const uint64_t *)(test_ram + m * 4096);

    for (unsigned long i = 0; i < nr * 512; i++)
        if (p[i])
            return false;
    return true;
}

/* Walk the frame table: every free block held as clean must read zero, and
 * the free and dirty counts must match the blocks. Returns the number of
 * clean blocks found holding data (0 = invariant holds). */
static unsigned long check_heap(void)
{
    unsigned long bad = 0, free_seen = 0, dirty_seen = 0;

    for (mfn_t m = 0; m < NR_FRAMES; m++) {
        const struct page_info *pg = &table[m];

        if (!(pg->flags & PGF_FREE))
            continue;
        free_seen += 1UL << pg->order;
        if (pg->flags & PGF_DIRTY)
            dirty_seen += 1UL << pg->order;
        else if (!frames_zero(m, 1UL << pg->order))
            bad++;
    }
    CHECK(free_seen == total_free_pages());
    CHECK(dirty_seen == total_dirty_pages());
    return bad;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

TEST(scrub_boot_heap_is_dirty)
{
    setup_dirty_ram();
    init_heap_pages(0, NR_FRAMES);
    CHECK(total_dirty_pages() == NR_FRAMES);
    CHECK(check_heap() == 0);
    /* Every frame handed out zeroed although the RAM holds garbage. */
    struct page_info *pg = alloc_zeroed_pages(9);
    CHECK(pg && frames_zero(page_to_mfn(pg), 512));
    free_heap_pages(pg, 9);
    CHECK(total_dirty_pages() == NR_FRAMES);
    /* Scrubbing everything leaves one clean block of all frames. */
    unsigned long n = 0, got;
    while ((got = scrub_free_pages(4, true)))
        n += got;
    CHECK(n == NR_FRAMES && total_dirty_pages() == 0);
    CHECK(frames_zero(0, NR_FRAMES));
    pg = alloc_zeroed_pages(12);
    CHECK(pg && page_to_mfn(pg) == 0);
    if (pg)
        free_heap_pages(pg, 12);
}

TEST(scrub_clean_never_merges_with_dirty)
{
    struct page_info *a, *b;

    setup_dirty_ram();
    init_heap_pages(0, 2);
    while (scrub_free_pages(0, true))
        ;
    a = alloc_zeroed_pages(0);
    b = alloc_zeroed_pages(0);
    CHECK(a && b && total_free_pages() == 0);
    if (!a || !b)
        return;
    memset(page_to_virt(a), 1, 4096); /* a guest's data */
    free_heap_pages(a, 0);            /* dirty */
    free_heap_pages(b, 0);            /* dirty too: anything freed is */
    CHECK(total_dirty_pages() == 2 && mfn_to_page(0)->order == 1);
    /* Scrub one frame's worth at a time: frame 0 must not come back clean
     * merged with a dirty frame 1, or the reverse. */
    a = alloc_heap_pages(0); /* takes a dirty frame, splitting the pair */
    CHECK(a != NULL);
    if (!a)
        return;
    CHECK(scrub_free_pages(0, true) == 1); /* the other frame, now clean */
    memset(page_to_virt(a), 2, 4096);
    free_heap_pages(a, 0); /* dirty, next to a clean buddy: no merge */
    CHECK(check_heap() == 0);
    CHECK(total_dirty_pages() == 1 && total_free_pages() == 2);
    CHECK((table[0].flags & PGF_FREE) && (table[1].flags & PGF_FREE));
    CHECK(table[0].order == 0 && table[1].order == 0);
    /* Asking for the pair zeroed scrubs the dirty half and merges. */
    a = alloc_zeroed_pages(1);
    CHECK(a && page_to_mfn(a) == 0 && frames_zero(0, 2));
}

TEST(scrub_checker_catches_data_in_clean_block)
{
    setup_dirty_ram();
    init_heap_pages(0, 16);
    while (scrub_free_pages(4, true))
        ;
    CHECK(check_heap() == 0);
    test_ram[5 * 4096 + 77] = 1; /* data appears in a clean free block */
    CHECK(check_heap() == 1);
    test_ram[5 * 4096 + 77] = 0;
}

/* Random allocations (zeroed or not, any order), frees and scrub steps;
 * the invariant is checked throughout, and every zeroed allocation is
 * checked in full before it is filled with "guest data". */
TEST(scrub_random_never_hands_out_data)
{
    enum { SLOTS = 64, OPS = 4000 };
    struct {
        struct page_info *pg;
        unsigned int order;
    } held[SLOTS] = {{0}};
    unsigned long zeroed_allocs = 0, bad_allocs = 0, bad_heap = 0;

    setup_dirty_ram();
    init_heap_pages(1, NR_FRAMES - 1); /* odd start: uneven blocks */
    for (int op = 0; op < OPS; op++) {
        unsigned int s = next_rand() % SLOTS, r = next_rand() % 10;

        if (held[s].pg) {
            free_heap_pages(held[s].pg, held[s].order);
            held[s].pg = NULL;
        } else if (r < 3) {
            scrub_free_pages(next_rand() % 6, r == 0);
        } else {
            unsigned int order = next_rand() % 8;
            bool zero = r < 8;
            struct page_info *pg = zero ? alloc_zeroed_pages(order) : alloc_heap_pages(order);

            if (pg) {
                mfn_t m = page_to_mfn(pg);

                if (zero) {
                    zeroed_allocs++;
                    if (!frames_zero(m, 1UL << order))
                        bad_allocs++;
                }
                memset(test_ram + m * 4096, (int)(op % 255) + 1, 4096UL << order);
                held[s].pg = pg;
                held[s].order = order;
            }
        }
        if (op % 100 == 0)
            bad_heap += check_heap();
    }
    CHECK(zeroed_allocs > 500);
    CHECK(bad_allocs == 0);
    CHECK(bad_heap == 0);
    for (int s = 0; s < SLOTS; s++)
        if (held[s].pg)
            free_heap_pages(held[s].pg, held[s].order);
    CHECK(total_free_pages() == NR_FRAMES - 1);
    while (scrub_free_pages(3, false))
        ;
    CHECK(total_dirty_pages() == 0 && check_heap() == 0);
    /* Everything merged back: the largest aligned block fits again. */
    struct page_info *big = alloc_zeroed_pages(11);
    CHECK(big && page_to_mfn(big) == 2048 && frames_zero(2048, 2048));
}

/* Frames split into clean and dirty halves that cannot merge: a zeroed
 * allocation of the whole still succeeds (everything is scrubbed first). */
TEST(scrub_fragmented_halves_still_allocate)
{
    struct page_info *pgs[16];

    setup_dirty_ram();
    init_heap_pages(0, 16);
    for (int i = 0; i < 16; i++)
        pgs[i] = alloc_heap_pages(0);
    for (int i = 0; i < 16; i++)
        free_heap_pages(pgs[i], 0);
    pgs[0] = alloc_heap_pages(3); /* frames 0-7 */
    CHECK(pgs[0] != NULL);
    while (scrub_free_pages(3, true))
        ;
    free_heap_pages(pgs[0], 3);         /* dirty 0-7 beside clean 8-15 */
    CHECK(alloc_heap_pages(4) == NULL); /* the halves did not merge */
    struct page_info *all = alloc_zeroed_pages(4);
    CHECK(all && page_to_mfn(all) == 0 && frames_zero(0, 16));
}
