/**
 * @file
 * Hypercall continuations: a huge reservation does not hold the pCPU.  Bug
 * class: a hypercall whose work grows with its arguments running to its end
 * in one exit (a decrease_reservation over a whole large guest held its
 * pCPU for the ~50k iterations it took).  On one pCPU, vCPU 0 gives back
 * 48k frames in one decrease_reservation and takes them again in one
 * populate_physmap, each also as one entry of a multicall, while vCPU 1
 * keeps reading the domain's current reservation: it must see values
 * strictly between the before and after counts, which it can only if each
 * call stopped part way (a continuation: the guest re-entered on its
 * hypercall instruction, the scheduler ran vCPU 1, the call went on).  Every
 * call must still return the whole count, the reservation come back to its
 * start, and the bystander domain sharing the pCPU succeed.  The same for an
 * add_to_physmap of a 16k-frame gmfn_range (its frames move with their
 * contents) and for 200 grant copy batches of 1024 elements: vCPU 1 must see
 * batches part done, and every element be done once with GNTST_okay.  Also proves
 * Xen's answers to bad continuation state: a start extent (cmd bits 6 and
 * up) at or past nr_extents returns that start and does nothing, a count
 * too large to encode a continuation returns the start, other memory ops
 * with start bits give -EINVAL, a gmfn_range start past 16 bits gives
 * -EDOM and past its size -EILSEQ, and grant_table_op with bits 12-31 set
 * gives -EINVAL.  The hypervisor's "exittime:" line at the end of the boot
 * shows the longest exit (max_ns).
 *
 * @category security
 * @envs hvm64 hvm32pae
 * @needs hypervisor memory vcpu-op evtchn gnttab
 * @domain vcpus=2 mem=256M
 * @smp 1
 * @alone a 256 MiB guest whose calls must share its single pCPU with none but its bystander
 * @companion bystander test=example
 * @timeout 240
 */
#include <xtf.h>
#include <xtf/evtchn.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Hypercall continuations";

#define FIRST_PFN ((32UL << 20) >> PAGE_SHIFT)
#define END_PFN   ((224UL << 20) >> PAGE_SHIFT)
#define NR        (END_PFN - FIRST_PFN)
#define TRIES     2000000
#define GFN(p)    ((unsigned long)(p) >> PAGE_SHIFT)
#define SLOTS     (PAGE_SIZE / 4) /* one 4-byte grant copy per slot */
#define BATCHES   200
#define COPY_REF  8
#define RANGE     16384 /* frames moved by one XENMAPSPACE_gmfn_range call */
#ifndef XENMAPSPACE_gmfn_range
#define XENMAPSPACE_gmfn_range 3
#endif
#ifndef EDOM
#define EDOM 33
#endif
#ifndef EILSEQ
#define EILSEQ 84
#endif

/* xen_ulong_t fields: 64-bit for 64-bit guests, 32-bit for 32-bit ones. */
struct mc_entry {
    unsigned long op, result;
    unsigned long args[6];
};

static xen_pfn_t list[NR];
static struct gnttab_copy copies[SLOTS];
static uint32_t source[SLOTS] __aligned(PAGE_SIZE);
static volatile uint32_t dest[SLOTS] __aligned(PAGE_SIZE);
static volatile uint32_t batch_gen; /* the copy batch under way, 0: none */
static uint8_t stack1[8192] __aligned(16);
static struct shared_info *s;

/* What vCPU 1 saw of the current reservation while a call was under way. */
static volatile unsigned int phase, ready;
static volatile long lo, hi;
static volatile unsigned long between[8], reads[8];

static void watcher(unsigned int id)
{
    long last = -1;

    ready = 1;
    while (phase != ~0u) {
        unsigned int p = phase;
        uint32_t g = batch_gen;
        unsigned int done = 0;
        long cur;

        if (g) {
            /* Slots this batch filled so far; part of a batch means that
             * it stopped part way (the counts before and after the call
             * are 0 and all). */
            for (unsigned int i = 0; i < SLOTS; i++)
                done += dest[i] == g;
            if (batch_gen == g && p < ARRAY_SIZE(between)) {
                reads[p]++;
                between[p] += done && done < SLOTS;
            }
            continue;
        }
        cur = hypercall_current_reservation();

        if (p >= ARRAY_SIZE(between))
            continue;
        reads[p]++;
        if (cur > lo && cur < hi && cur != last)
            between[p]++;
        last = cur;
    }
}

/* No 64-bit division in 32-bit environments. */
static unsigned long ns_to_ms(uint64_t ns)
{
    unsigned long ms = 0;

    for (; ns >= 1000000; ns -= 1000000)
        ms++;
    return ms;
}

static long reservation(unsigned int op, unsigned long nr)
{
    struct xen_memory_reservation r = {
        .extent_start = list, .nr_extents = nr, .extent_order = 0, .domid = DOMID_SELF};

    return hypercall_memory_op(op, &r);
}

static long reservation_multicall(unsigned int op, unsigned long nr)
{
    static struct xen_memory_reservation r;
    static struct mc_entry e[2];
    long rc;

    r = (struct xen_memory_reservation){
        .extent_start = list, .nr_extents = nr, .extent_order = 0, .domid = DOMID_SELF};
    e[0] = (struct mc_entry){.op = __HYPERVISOR_memory_op, .args = {op, (unsigned long)&r}};
    e[1] = (struct mc_entry){.op = __HYPERVISOR_xen_version, .args = {XENVER_version, 0}};
    rc = hypercall2(__HYPERVISOR_multicall, e, 2);
    if (rc)
        return xtf_failure("Fail: multicall returned %ld\n", rc), -1;
    if ((long)e[1].result != hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0))
        xtf_failure("Fail: the entry after the long one returned %#lx\n", e[1].result);
    return (long)e[0].result;
}

/* One huge call (phase p) from `from` pages to `to`, watched by vCPU 1. */
static void one_call(unsigned int p, const char *what, bool multicall, unsigned int op, long from,
                     long to)
{
    uint64_t t0, t1;
    long rc;

    lo = from < to ? from : to;
    hi = from < to ? to : from;
    phase = p;
    t0 = xen_system_time(s);
    rc = multicall ? reservation_multicall(op, NR) : reservation(op, NR);
    t1 = xen_system_time(s);
    phase = 0;
    printk("%s: %ld extents in %lu ms; vCPU 1 read the reservation %lu times, %lu of them "
           "part way\n",
           what, rc, ns_to_ms(t1 - t0), reads[p], between[p]);
    if (rc != (long)NR)
        xtf_failure("Fail: %s returned %ld, expected %lu\n", what, rc, (unsigned long)NR);
    if (hypercall_current_reservation() != to)
        xtf_failure("Fail: after %s the reservation is %ld, expected %ld\n", what,
                    hypercall_current_reservation(), to);
    if (between[p] < 2)
        xtf_failure("Fail: %s ran to its end in one stretch: vCPU 1 saw %lu values part way\n",
                    what, between[p]);
}

/* BATCHES grant copy batches of SLOTS elements each (phase p), watched by
 * vCPU 1: every element copies 4 bytes of a self-granted page into its own
 * slot of dest. */
static void copy_batches(unsigned int p, struct grant_entry_v1 *gt)
{
    uint64_t t0 = xen_system_time(s);
    unsigned long bad = 0;

    gt[COPY_REF].domid = xen_domid;
    gt[COPY_REF].frame = GFN(source);
    barrier();
    gt[COPY_REF].flags = GTF_permit_access | GTF_readonly;
    for (unsigned int i = 0; i < SLOTS; i++)
        copies[i] = (struct gnttab_copy){
            .source = {.u.ref = COPY_REF, .domid = DOMID_SELF, .offset = i * 4},
            .dest = {.u.gmfn = GFN(dest), .domid = DOMID_SELF, .offset = i * 4},
            .len = 4,
            .flags = GNTCOPY_source_gref,
        };
    phase = p;
    for (uint32_t g = 1; g <= BATCHES; g++) {
        long rc;

        for (unsigned int i = 0; i < SLOTS; i++) {
            source[i] = g;
            copies[i].status = 1;
        }
        batch_gen = g;
        rc = hypercall_grant_table_op(GNTTABOP_copy, copies, SLOTS);
        batch_gen = 0;
        if (rc) {
            xtf_failure("Fail: grant copy batch %u returned %ld\n", g, rc);
            break;
        }
        for (unsigned int i = 0; i < SLOTS; i++)
            bad += copies[i].status != GNTST_okay || dest[i] != g;
    }
    phase = 0;
    printk("grant copy: %u batches of %lu in %lu ms; vCPU 1 looked %lu times, %lu of them "
           "part way\n",
           BATCHES, (unsigned long)SLOTS, ns_to_ms(xen_system_time(s) - t0), reads[p], between[p]);
    if (bad)
        xtf_failure("Fail: %lu grant copies not done or not okay\n", bad);
    if (between[p] < 2)
        xtf_failure("Fail: grant copy batches ran to their end in one stretch: vCPU 1 saw %lu "
                    "part way\n",
                    between[p]);
}

/* One add_to_physmap of a RANGE-frame gmfn_range (phase p): the frames of
 * the first RANGE list pfns move to the next RANGE pfns, whose own frames go
 * back (the reservation drops by RANGE, a frame at a time, which vCPU 1
 * sees part way); then populate_physmap refills the first RANGE pfns. */
static void gmfn_range(unsigned int p, long start)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                   .size = RANGE,
                                   .space = XENMAPSPACE_gmfn_range,
                                   .idx = FIRST_PFN,
                                   .gpfn = FIRST_PFN + RANGE};
    volatile uint32_t *first = (volatile uint32_t *)(FIRST_PFN << PAGE_SHIFT);
    volatile uint32_t *moved = (volatile uint32_t *)((FIRST_PFN + RANGE) << PAGE_SHIFT);
    uint64_t t0;
    long rc;

    *first = 0x5eed;
    lo = start - RANGE;
    hi = start;
    phase = p;
    t0 = xen_system_time(s);
    rc = hypercall_memory_op(XENMEM_add_to_physmap, &x);
    phase = 0;
    printk("add_to_physmap gmfn_range: %u frames in %lu ms; vCPU 1 read the reservation %lu "
           "times, %lu of them part way\n",
           RANGE, ns_to_ms(xen_system_time(s) - t0), reads[p], between[p]);
    if (rc)
        xtf_failure("Fail: gmfn_range returned %ld\n", rc);
    if (hypercall_current_reservation() != start - RANGE)
        xtf_failure("Fail: after gmfn_range the reservation is %ld, expected %ld\n",
                    hypercall_current_reservation(), start - RANGE);
    if (*moved != 0x5eed)
        xtf_failure("Fail: the first frame did not move with its contents (%#x)\n", *moved);
    if (between[p] < 2)
        xtf_failure("Fail: gmfn_range ran to its end in one stretch: vCPU 1 saw %lu values part "
                    "way\n",
                    between[p]);
    rc = reservation(XENMEM_populate_physmap, RANGE);
    if (rc != RANGE || hypercall_current_reservation() != start)
        xtf_failure("Fail: refilling after gmfn_range: %ld of %u, reservation %ld (was %ld)\n", rc,
                    RANGE, hypercall_current_reservation(), start);
}

static void bad_continuations(long start)
{
    struct xen_memory_reservation r = {
        .extent_start = list, .nr_extents = 4, .extent_order = 0, .domid = DOMID_SELF};
    domid_t self = DOMID_SELF;

    for (unsigned long i = 0; i < 4; i++)
        list[i] = FIRST_PFN + i;
    xtf_expect_rc("decrease with start == nr_extents",
                  hypercall_memory_op(XENMEM_decrease_reservation | (4 << 6), &r), 4);
    xtf_expect_rc("decrease with start past nr_extents",
                  hypercall_memory_op(XENMEM_decrease_reservation | (9 << 6), &r), 9);
    xtf_expect_rc("populate with start past nr_extents",
                  hypercall_memory_op(XENMEM_populate_physmap | (77 << 6), &r), 77);
    r.nr_extents = (0xffffffffUL >> 6) + 1;
    xtf_expect_rc("decrease of a count too large to continue",
                  hypercall_memory_op(XENMEM_decrease_reservation | (2 << 6), &r), 2);
    xtf_expect_rc("current_reservation with start bits",
                  hypercall_memory_op(XENMEM_current_reservation | (1 << 6), &self), -EINVAL);
    if (hypercall_current_reservation() != start)
        xtf_failure("Fail: bad continuations changed the reservation: %ld, was %ld\n",
                    hypercall_current_reservation(), start);
    {
        struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                       .size = 4,
                                       .space = XENMAPSPACE_gmfn_range,
                                       .idx = FIRST_PFN,
                                       .gpfn = FIRST_PFN + 4};

        xtf_expect_rc("gmfn_range with a start past 16 bits",
                      hypercall_memory_op(XENMEM_add_to_physmap | (0x10000UL << 6), &x), -EDOM);
        xtf_expect_rc("gmfn_range with a start past its size",
                      hypercall_memory_op(XENMEM_add_to_physmap | (5 << 6), &x), -EILSEQ);
        xtf_expect_rc("gmfn_range with a start at its size",
                      hypercall_memory_op(XENMEM_add_to_physmap | (4 << 6), &x), 0);
    }
    if (hypercall_current_reservation() != start)
        xtf_failure("Fail: bad gmfn_range continuations changed the reservation: %ld, was %ld\n",
                    hypercall_current_reservation(), start);
    xtf_expect_rc("grant copy with continuation bits",
                  hypercall_grant_table_op(GNTTABOP_copy | (1 << 12), list, 1), -EINVAL);
}

void test_main(void)
{
    struct grant_entry_v1 *gt;
    long start, rc;

    s = xtf_shared_info_start();
    start = hypercall_current_reservation();
    if (start < (long)END_PFN)
        return xtf_failure("Fail: %ld pages, the test needs %lu (mem=256M)\n", start,
                           (unsigned long)END_PFN);
    bad_continuations(start);

    if (!xtf_vcpu_start_ready(1, watcher, stack1 + sizeof(stack1), &ready))
        return;

    for (unsigned long i = 0; i < NR; i++)
        list[i] = FIRST_PFN + i;
    one_call(1, "decrease_reservation", false, XENMEM_decrease_reservation, start, start - NR);
    one_call(2, "populate_physmap", false, XENMEM_populate_physmap, start - NR, start);
    one_call(3, "decrease_reservation in a multicall", true, XENMEM_decrease_reservation, start,
             start - NR);
    one_call(4, "populate_physmap in a multicall", true, XENMEM_populate_physmap, start - NR,
             start);
    gmfn_range(6, start);
    gt = gnttab_v1_setup(&rc);
    if (!gt)
        xtf_failure("Fail: grant table: %ld\n", rc);
    else
        copy_batches(5, gt);
    phase = ~0u;
    for (unsigned int i = 0; i < TRIES && hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) != 0; i++)
        hypercall_yield();
    xtf_success(NULL);
}
