/**
 * @file
 * Four vCPUs giving back and taking again the same frames at once.  Bug
 * class: guest memory (the gfn -> mfn table, the spare frames, the counts,
 * the nested tables) changed with no lock, which left two gfns backed by
 * one machine frame and gfns that could never be populated again (and let
 * the spare list be written past its end).  Four vCPUs on two pCPUs each
 * make ROUNDS decrease_reservation or populate_physmap calls on random
 * gfns of one 16-page buffer (extents of order 0 and 1).  Afterwards every
 * empty gfn of the buffer must populate again, current_reservation must
 * equal maximum_reservation, every page of the buffer must hold its own
 * pattern when all are written and read back (two gfns on one frame would
 * show each other's), and a canary buffer nobody touched must be intact.
 * The bystander domain must finish SUCCESS.
 *
 * @category security
 * @envs hvm64
 * @needs hypervisor memory vcpu-op
 * @domain vcpus=4
 * @smp 3
 * @timeout 120
 * @companion bystander test=example
 */
#include <xtf.h>

const char test_title[] = "Concurrent ballooning keeps the map consistent";

#define RACERS 3 /* besides vCPU 0 */
#define POOL   16
#define ROUNDS 8000
#define TRIES  20000000
#define CANARY 8

static uint8_t pool[POOL * PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t canary[CANARY * PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t stacks[RACERS][8192] __aligned(16);
static volatile unsigned int finished, bad_count;
static volatile long bad_rc;

static long reservation(unsigned int op, xen_pfn_t pfn, unsigned int order)
{
    struct xen_memory_reservation r = {
        .extent_start = &pfn, .nr_extents = 1, .extent_order = order, .domid = DOMID_SELF};

    return hypercall_memory_op(op, &r);
}

static long pages(unsigned int op)
{
    domid_t self = DOMID_SELF;

    return hypercall_memory_op(op, &self);
}

static void race(unsigned int id)
{
    unsigned long base = (unsigned long)pool >> PAGE_SHIFT;
    uint32_t seed = 0x9e3779b9u * (id + 1);

    for (unsigned int r = 0; r < ROUNDS; r++) {
        unsigned int order, op;
        long rc;

        seed = seed * 1664525u + 1013904223u;
        order = (seed >> 8) % 4 == 0; /* a quarter of the extents are 2 pages */
        op = (seed >> 12) & 1 ? XENMEM_decrease_reservation : XENMEM_populate_physmap;
        rc = reservation(op, base + (((seed >> 16) % POOL) & ~(unsigned long)order), order);
        /* Done (1) or not (0, the gfns were not in the state asked for). */
        if (rc != 0 && rc != 1) {
            bad_rc = rc;
            __atomic_fetch_add(&bad_count, 1, __ATOMIC_SEQ_CST);
        }
    }
}

static void racer(unsigned int id)
{
    race(id);
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

void test_main(void)
{
    unsigned long base = (unsigned long)pool >> PAGE_SHIFT, refilled = 0, wrong = 0;
    long rc, cur, max;

    xtf_require_hypervisor();
    for (unsigned int i = 0; i < CANARY * PAGE_SIZE; i++)
        canary[i] = (uint8_t)(i * 7 + 3);
    for (unsigned int i = 0; i < RACERS; i++) {
        rc = xtf_vcpu_start(i + 1, racer, stacks[i] + sizeof(stacks[i]));
        if (rc)
            return xtf_failure("Fail: start of vCPU %u: %ld\n", i + 1, rc);
    }
    race(0);
    for (unsigned int i = 0; i < TRIES && finished < RACERS; i++)
        hypercall_yield();
    if (finished < RACERS)
        return xtf_failure("Fail: %u of %u racers finished\n", finished, RACERS);
    if (bad_count)
        return xtf_failure("Fail: %u calls returned neither 0 nor 1, last %ld\n", bad_count,
                           bad_rc);

    /* Every empty gfn can be had again, and then all RAM is back. */
    for (unsigned long g = 0; g < POOL; g++) {
        rc = reservation(XENMEM_populate_physmap, base + g, 0);
        if (rc == 1)
            refilled++;
        else if (rc != 0)
            return xtf_failure("Fail: populate of pool page %lu: %ld\n", g, rc);
    }
    cur = pages(XENMEM_current_reservation);
    max = pages(XENMEM_maximum_reservation);
    printk("%u vCPUs x %u calls; %lu pool pages refilled; %ld of %ld pages\n", RACERS + 1, ROUNDS,
           refilled, cur, max);
    if (cur != max)
        return xtf_failure("Fail: %ld pages after refilling, maximum %ld: frames lost\n", cur, max);

    /* One frame behind two gfns shows up as a page holding another's mark. */
    for (unsigned long g = 0; g < POOL; g++)
        for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
            ((volatile uint64_t *)(pool + g * PAGE_SIZE))[i] =
                0x5a5a000000000000ull | (g << 16) | i;
    for (unsigned long g = 0; g < POOL; g++)
        for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
            if (((volatile uint64_t *)(pool + g * PAGE_SIZE))[i] !=
                (0x5a5a000000000000ull | (g << 16) | i)) {
                wrong++;
                break;
            }
    if (wrong)
        return xtf_failure("Fail: %lu pool pages share a frame with another\n", wrong);
    for (unsigned int i = 0; i < CANARY * PAGE_SIZE; i++)
        if (canary[i] != (uint8_t)(i * 7 + 3))
            return xtf_failure("Fail: canary byte %u changed\n", i);
    xtf_success(NULL);
}
