/* The buddy frame allocator and the heap: blocks are aligned, split and
 * merged back, reserved frames are never handed out, nothing leaks. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xen/mm.h>
#include "harness.h"

#define NR_FRAMES 4096 /* 16 MiB of test "RAM" */
extern unsigned char *test_ram;
static struct page_info table[NR_FRAMES];

static void setup(void)
{
    if (!test_ram)
        test_ram = aligned_alloc(4096, (size_t)NR_FRAMES * 4096);
    page_alloc_init(table, NR_FRAMES);
}

TEST(alloc_all_and_merge_back)
{
    setup();
    init_heap_pages(0, NR_FRAMES);
    CHECK(total_free_pages() == NR_FRAMES);
    struct page_info *big = alloc_heap_pages(12);
    CHECK(big && page_to_mfn(big) == 0 && total_free_pages() == 0);
    CHECK(alloc_heap_pages(0) == NULL);
    free_heap_pages(big, 12);
    CHECK(total_free_pages() == NR_FRAMES);

    /* Take every frame one by one, give them back in another order, and the
     * whole range must merge into one block again. */
    static struct page_info *pgs[NR_FRAMES];
    for (int i = 0; i < NR_FRAMES; i++)
        CHECK((pgs[i] = alloc_heap_pages(0)) != NULL);
    CHECK(total_free_pages() == 0);
    for (int i = 0; i < NR_FRAMES; i += 2)
        free_heap_pages(pgs[i], 0);
    for (int i = 1; i < NR_FRAMES; i += 2)
        free_heap_pages(pgs[i], 0);
    CHECK(total_free_pages() == NR_FRAMES);
    CHECK((big = alloc_heap_pages(12)) != NULL);
    free_heap_pages(big, 12);
}

TEST(alloc_alignment_and_holes)
{
    setup();
    /* Two ranges with a reserved hole between them. */
    init_heap_pages(3, 1000);
    init_heap_pages(2000, 2000);
    CHECK(total_free_pages() == 3000);
    for (unsigned int order = 0; order <= 9; order++) {
        struct page_info *pg = alloc_heap_pages(order);
        mfn_t m;
        CHECK(pg != NULL);
        if (!pg)
            continue;
        m = page_to_mfn(pg);
        CHECK((m & ((1UL << order) - 1)) == 0);
        CHECK((m >= 3 && m + (1UL << order) <= 1003) || (m >= 2000 && m + (1UL << order) <= 4000));
        free_heap_pages(pg, order);
    }
    CHECK(alloc_heap_pages(11) == NULL); /* no 2048-frame aligned run fits */
    CHECK(alloc_heap_pages(MAX_ORDER + 1) == NULL);
    CHECK(total_free_pages() == 3000);
    CHECK(mfn_to_page(1500)->flags & PGF_RESERVED);
}

static void heap_round(void *p[200])
{
    for (int i = 0; i < 200; i++) {
        size_t sz = (size_t)(i * 37 % 5000) + 1;
        p[i] = xmalloc_bytes(sz);
        CHECK(p[i] != NULL);
        if (p[i])
            memset(p[i], i, sz);
    }
    for (int i = 0; i < 200; i++)
        if (p[i])
            CHECK(((unsigned char *)p[i])[(size_t)(i * 37 % 5000)] == (unsigned char)i);
    for (int i = 0; i < 200; i++)
        xfree(p[i]);
}

TEST(heap_objects)
{
    void *p[200];

    setup();
    init_heap_pages(0, NR_FRAMES);
    heap_round(p);
    /* Small chunks stay cached in their size classes, so the second round
     * of the same allocations must not take a single further frame. */
    unsigned long after_first = total_free_pages();
    heap_round(p);
    CHECK(total_free_pages() == after_first);
    CHECK(after_first < NR_FRAMES);

    char *z = xzalloc_bytes(3000);
    CHECK(z && z[0] == 0 && z[2999] == 0);
    xfree(z);
    xfree(NULL);
    CHECK(total_free_pages() == after_first);
}

/* What the end-of-boot memory check reads (common/memcheck.c): every live
 * object's footprint counted once, pages of big objects given back on
 * free, and the free count short by exactly the pages the heap took. In a
 * child: the chunks it leaves cached must not outlive this test's heap. */
static void heap_accounting_child(void)
{
    struct xmalloc_usage u0, u1, u2;
    unsigned long free0, free1;
    void *small, *big;

    setup();
    init_heap_pages(0, NR_FRAMES);
    xmalloc_usage(&u0);
    free0 = total_free_pages();
    small = xmalloc_bytes(100); /* 100 + 16 bytes of header: a 128-byte chunk */
    big = xmalloc_bytes(5000);  /* two pages */
    CHECK(small && big);
    CHECK(xmalloc_footprint(small) == 128 && xmalloc_footprint(big) == 8192);
    CHECK(xmalloc_footprint(NULL) == 0);
    xmalloc_usage(&u1);
    free1 = total_free_pages();
    CHECK(u1.live_bytes - u0.live_bytes == 128 + 8192);
    CHECK(u1.big_pages - u0.big_pages == 2);
    CHECK(free0 - free1 == (u1.pool_pages - u0.pool_pages) + 2);
    xfree(big);
    xfree(small);
    xmalloc_usage(&u2);
    CHECK(u2.live_bytes == u0.live_bytes && u2.big_pages == u0.big_pages);
    CHECK(u2.pool_pages == u1.pool_pages); /* the chunk stays cached */
    CHECK(free0 - total_free_pages() == u2.pool_pages - u0.pool_pages);
}

TEST(heap_accounting)
{
    int status;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        heap_accounting_child();
        fflush(stdout);
        _exit(test_failures ? 1 : 0);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Misuse stops the hypervisor at the call that did it, instead of leaving a
 * frame on a free list while someone still uses it. Each case runs in a
 * child: panic() aborts it, and its output must name the problem. */
static void expect_panic(const char *why, void (*misuse)(void))
{
    char out[2048] = "";
    size_t got = 0;
    int fds[2], status;
    pid_t pid;
    ssize_t n;

    CHECK(pipe(fds) == 0);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        setvbuf(stdout, NULL, _IONBF, 0); /* abort() flushes nothing */
        setup();
        init_heap_pages(0, NR_FRAMES);
        misuse();
        printf("no panic\n");
        fflush(stdout);
        _exit(0);
    }
    close(fds[1]);
    while (got < sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
        got += (size_t)n; /* the panic may follow other lines */
    close(fds[0]);
    out[got] = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    if (!strstr(out, why)) {
        printf("    wanted \"%s\" in: %s", why, out);
        test_failures++;
    }
}

static void double_free(void)
{
    struct page_info *pg = alloc_heap_pages(0);

    free_heap_pages(pg, 0);
    free_heap_pages(pg, 0);
}

static void free_wrong_order(void)
{
    struct page_info *pg = alloc_heap_pages(0);

    alloc_heap_pages(0);
    free_heap_pages(pg, 1); /* would take its neighbour, still in use */
}

static void free_inside_block(void)
{
    struct page_info *pg = alloc_heap_pages(2);

    free_heap_pages(pg + 1, 0);
}

static void scrub_live_frame(void)
{
    struct page_info *pg = alloc_heap_pages(0);

    free_heap_pages(pg, 0);
    pg->flags |= PGF_DOMAIN; /* a free list that lost track of an owner */
    while (scrub_free_pages(MAX_ORDER, false))
        ;
}

TEST(alloc_misuse_panics)
{
    expect_panic("not in use", double_free);
    expect_panic("heads a block of another order", free_wrong_order);
    expect_panic("heads no block", free_inside_block);
    expect_panic("is in use", scrub_live_frame);
}

/* A destroyed domain's blocks: queued, then freed a bounded step at a time
 * (each step at least the frames asked, never the whole list at once),
 * their domain mark cleared, and an allocation that finds nothing free
 * reclaims first. */
TEST(domain_pages_reclaimed_in_steps)
{
    struct page_info *list = NULL, *pg;

    setup();
    init_heap_pages(0, NR_FRAMES);
    for (int i = 0; i < NR_FRAMES / 512; i++) {
        CHECK((pg = alloc_heap_pages(9)) != NULL);
        for (int j = 0; j < 512; j++)
            pg[j].flags |= PGF_DOMAIN;
        pg->order = 9;
        pg->owner = 7;
        pg->next = list;
        list = pg;
    }
    CHECK(total_free_pages() == 0);
    free_domain_pages(list, 7);
    CHECK(total_free_pages() == 0 && page_reclaim_pending());
    CHECK(page_reclaim_step(1024));
    CHECK(total_free_pages() == 1024);
    CHECK(!(table[page_to_mfn(list)].flags & PGF_DOMAIN));
    /* Nothing free is left in the heap but the two reclaimed blocks: an
     * order-11 request reclaims more before it gives up. */
    pg = alloc_heap_pages(11);
    CHECK(pg != NULL);
    free_heap_pages(pg, 11);
    page_reclaim_all();
    CHECK(!page_reclaim_pending() && total_free_pages() == NR_FRAMES);
    for (int m = 0; m < NR_FRAMES; m++)
        if (table[m].flags & PGF_DOMAIN)
            CHECK(!"a frame still marked as a domain's");
}
