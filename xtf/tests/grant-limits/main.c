/**
 * @file
 * Grant table size limits, at the exact edges.  Bug class: bounds checks off
 * by one on grant refs and table frames (an entry or a frame pointer read or
 * written one past the table).  Proves that with the table at its initial
 * size the last ref maps and the first ref past it gives GNTST_bad_gntref;
 * that table frame max_nr_frames - 1 maps (the table grows) and frame
 * max_nr_frames gives -EINVAL and leaves the size alone; and that once grown
 * the last ref of the last frame maps while the one past it is refused.
 * Needs grant_table_op and memory_op.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor gnttab memory
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Grant table size limits";

#define ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1))
/* Where the extra table frames go: above RAM, inside the identity map. */
#define TABLE_GFN_BASE 0xf0100ul

static uint8_t granted[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t window[PAGE_SIZE] __aligned(PAGE_SIZE);

/* Entry ref: frame 0 where gnttab_v1_setup() put it, frame f at
 * TABLE_GFN_BASE + f. */
static struct grant_entry_v1 *entry(struct grant_entry_v1 *frame0, grant_ref_t ref)
{
    unsigned int f = ref / ENTRIES_PER_FRAME;
    struct grant_entry_v1 *base =
        f == 0 ? frame0 : (struct grant_entry_v1 *)((TABLE_GFN_BASE + f) << PAGE_SHIFT);

    return &base[ref % ENTRIES_PER_FRAME];
}

static void grant(struct grant_entry_v1 *e, domid_t dom)
{
    e->flags = 0;
    barrier();
    e->domid = dom;
    e->frame = (unsigned long)granted >> PAGE_SHIFT;
    barrier();
    e->flags = GTF_permit_access;
}

/* Map ref of our own table at window and unmap it again: the map status. */
static int16_t map_unmap(grant_ref_t ref)
{
    struct gnttab_map_grant_ref op = {.host_addr = (uintptr_t)window,
                                      .flags = GNTMAP_host_map,
                                      .ref = ref,
                                      .dom = DOMID_SELF,
                                      .status = 99};
    long rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    if (rc) {
        xtf_failure("Fail: map_grant_ref of ref %u returned %ld\n", ref, rc);
        return op.status;
    }
    if (op.status == GNTST_okay) {
        struct gnttab_unmap_grant_ref un = {
            .host_addr = (uintptr_t)window, .handle = op.handle, .status = 99};

        rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &un, 1);
        if (rc || un.status != GNTST_okay)
            xtf_failure("Fail: unmap of ref %u: rc %ld status %d\n", ref, rc, un.status);
    }
    return op.status;
}

static long map_table_frame(unsigned long idx, unsigned long gfn)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = idx, .gpfn = gfn};

    return hypercall_memory_op(XENMEM_add_to_physmap, &x);
}

static void query(uint32_t *nr, uint32_t *max)
{
    struct gnttab_query_size qs = {.dom = DOMID_SELF};

    xtf_expect_rc("query_size", hypercall_grant_table_op(GNTTABOP_query_size, &qs, 1), 0);
    xtf_expect_rc("query_size status", qs.status, GNTST_okay);
    *nr = qs.nr_frames;
    *max = qs.max_nr_frames;
}

void test_main(void)
{
    struct grant_entry_v1 *gt;
    uint32_t nr, max, nr_after;
    grant_ref_t last;
    long rc;

    xtf_require_hypervisor();
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");
    gt = gnttab_v1_setup(&rc);
    if (!gt)
        return xtf_failure("Fail: add_to_physmap(grant_table, 0): %ld\n", rc);
    query(&nr, &max);
    if (nr < 1 || max < 2 || max > 64)
        return xtf_failure("Fail: %u frames of at most %u: cannot test the edges\n", nr, max);

    /* At the initial size (frames past 0 are not mapped here: nr is 1 for
     * a fresh table, as Xen gives). */
    if (nr != 1)
        return xtf_failure("Fail: a fresh table has %u frames, expected 1\n", nr);
    last = ENTRIES_PER_FRAME - 1;
    grant(entry(gt, last), xen_domid);
    xtf_expect_rc("map last ref of frame 0", map_unmap(last), GNTST_okay);
    xtf_expect_rc("map first ref past the table", map_unmap(ENTRIES_PER_FRAME), GNTST_bad_gntref);

    /* Frame max is one past the largest table. */
    xtf_expect_rc("table frame max_nr_frames", map_table_frame(max, TABLE_GFN_BASE + max), -EINVAL);
    query(&nr_after, &max);
    xtf_expect_rc("frames after the refused frame", nr_after, 1);

    /* Frame max - 1 grows the table to max frames. */
    xtf_expect_rc("table frame max_nr_frames - 1",
                  map_table_frame(max - 1, TABLE_GFN_BASE + max - 1), 0);
    query(&nr_after, &max);
    xtf_expect_rc("frames after growing", nr_after, max);
    last = max * ENTRIES_PER_FRAME - 1;
    grant(entry(gt, last), xen_domid);
    xtf_expect_rc("map last ref of the last frame", map_unmap(last), GNTST_okay);
    xtf_expect_rc("map first ref past the grown table", map_unmap(max * ENTRIES_PER_FRAME),
                  GNTST_bad_gntref);
    xtf_success(NULL);
}
