/**
 * @file
 * Grant tables: proves that query_size reports at least one frame with
 * GNTST_okay, that get_version reports 1, that the table maps with
 * add_to_physmap, and that a grant written there is honoured: the
 * hypervisor copies from the granted frame through GNTTABOP_copy, and
 * refuses the copy once the grant is withdrawn.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor gnttab memory
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Grant table setup";

static uint8_t granted[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t local[PAGE_SIZE] __aligned(PAGE_SIZE);

/* GNTTABOP_copy of 8 bytes from grant `ref` of this domain into local[]. */
static int16_t copy_from_grant(grant_ref_t ref)
{
    struct gnttab_copy c = {
        .source = {.u.ref = ref, .domid = DOMID_SELF},
        .dest = {.u.gmfn = (unsigned long)local >> PAGE_SHIFT, .domid = DOMID_SELF},
        .len = 8,
        .flags = GNTCOPY_source_gref,
    };
    long rc = hypercall_grant_table_op(GNTTABOP_copy, &c, 1);

    if (rc)
        xtf_failure("Fail: GNTTABOP_copy returned %ld\n", rc);
    return c.status;
}

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
    xtf_expect_rc("get_version", hypercall_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
    if (gv.version != 1)
        xtf_failure("Fail: grant table version %u\n", gv.version);
    gt = gnttab_v1_setup(&rc);
    if (!gt)
        return xtf_failure("Fail: add_to_physmap(grant_table): %ld\n", rc);
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");

    for (unsigned int i = 0; i < 8; i++)
        granted[i] = (uint8_t)(0x51 + i);
    gt[8].domid = xen_domid;
    gt[8].frame = (unsigned long)granted >> PAGE_SHIFT;
    barrier();
    gt[8].flags = GTF_permit_access | GTF_readonly;
    xtf_expect_rc("copy from the grant", copy_from_grant(8), GNTST_okay);
    if (memcmp(local, granted, 8))
        xtf_failure("Fail: the copy did not read the granted frame\n");

    gt[8].flags = 0;
    barrier();
    memset(local, 0, 8);
    xtf_expect_rc("copy from a withdrawn grant", copy_from_grant(8), GNTST_general_error);
    if (local[0])
        xtf_failure("Fail: a withdrawn grant was copied from\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
