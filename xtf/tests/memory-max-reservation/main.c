/**
 * @file
 * maximum_reservation is the allowance, not the current size.  Bug class:
 * memory accounting sub-ops answering for each other (a guest told it may
 * grow to what it has, or past it).  Proves that after decrease_reservation
 * of one page current_reservation drops by one while maximum_reservation
 * stays, that populate_physmap brings the page back (current equals maximum
 * again, and the page reads zero), and that an order-1 extent at an odd gfn
 * is refused without a change of either.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor memory
 */
#include <xtf.h>

const char test_title[] = "maximum_reservation and current_reservation";

static uint8_t balloon[PAGE_SIZE] __aligned(PAGE_SIZE);
/* Three pages from an even gfn: the misaligned order-1 extent is the last two. */
static uint8_t pair[3 * PAGE_SIZE] __aligned(2 * PAGE_SIZE);

static long size_of(unsigned int op)
{
    domid_t self = DOMID_SELF;

    return hypercall_memory_op(op, &self);
}

static long reservation_order(unsigned int op, xen_pfn_t gfn, unsigned int order)
{
    xen_pfn_t list[1] = {gfn};
    struct xen_memory_reservation r = {
        .extent_start = list, .nr_extents = 1, .extent_order = order, .domid = DOMID_SELF};

    return hypercall_memory_op(op, &r);
}

static long reservation(unsigned int op, xen_pfn_t gfn)
{
    xen_pfn_t list[1] = {gfn};
    struct xen_memory_reservation r = {
        .extent_start = list, .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF};

    return hypercall_memory_op(op, &r);
}

void test_main(void)
{
    xen_pfn_t gfn = (unsigned long)balloon >> PAGE_SHIFT;
    long cur, max;

    xtf_require_hypervisor();
    balloon[0] = 0x5a;
    cur = size_of(XENMEM_current_reservation);
    max = size_of(XENMEM_maximum_reservation);
    if (cur <= 0 || max != cur)
        return xtf_failure("Fail: at start current %ld, maximum %ld\n", cur, max);

    xtf_expect_rc("decrease_reservation", reservation(XENMEM_decrease_reservation, gfn), 1);
    xtf_expect_rc("current after decrease", size_of(XENMEM_current_reservation), cur - 1);
    xtf_expect_rc("maximum after decrease", size_of(XENMEM_maximum_reservation), max);

    xtf_expect_rc("populate_physmap", reservation(XENMEM_populate_physmap, gfn), 1);
    xtf_expect_rc("current after populate", size_of(XENMEM_current_reservation), max);
    xtf_expect_rc("maximum after populate", size_of(XENMEM_maximum_reservation), max);
    if (((volatile uint8_t *)balloon)[0] != 0)
        xtf_failure("Fail: the repopulated page reads %#x, not zero\n", balloon[0]);

    pair[PAGE_SIZE] = pair[2 * PAGE_SIZE] = 1;
    xtf_expect_rc(
        "decrease of an order-1 extent at an odd gfn",
        reservation_order(XENMEM_decrease_reservation, ((unsigned long)pair >> PAGE_SHIFT) + 1, 1),
        0);
    xtf_expect_rc("current after the refused decrease", size_of(XENMEM_current_reservation), max);
    xtf_success(NULL);
}
