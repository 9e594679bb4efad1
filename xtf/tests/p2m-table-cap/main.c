/**
 * @file
 * Nested page tables grown by a guest are charged to it and capped.  Bug
 * class: a guest that makes the hypervisor build page-table frames nothing
 * charges or bounds, until the host runs out of memory (an 8 MiB guest once
 * took 1004 of the host's 1023 MiB).  The attacker (shadow_memory=1: 256
 * table frames) asks for a mapping at an ever new gfn, 1 GiB apart so that
 * each needs new tables: XENMEM_add_to_physmap of its shared info page
 * (variation shinfo) or GNTTABOP_map_grant_ref of a grant of its own, then
 * unmapped (variation grant).  Within 4096 calls one must be refused with
 * Xen's answer (-ENOMEM; GNTST_general_error for a map), after fewer
 * successes than the cap has frames, and the attacker keeps working: a
 * mapping where tables already are still succeeds.  The bystander, running
 * the same image at the same time with the default cap, makes 20 such
 * mappings, all of which must succeed.  The runner's leak check then shows
 * that destroying both gave back every frame they took.
 *
 * @category security
 * @envs hvm64
 * @needs hypervisor memory gnttab
 * @variations shinfo grant
 * @domain shadow_memory=1
 * @timeout 90
 * @companion bystander
 */
#include <xtf.h>

const char test_title[] = "Nested page table growth is capped";

#define TRIES     4096
#define BYSTANDER 20
#define CAP       256         /* table frames of shadow_memory=1 */
#define STRIDE    (1ul << 18) /* gfns: one level-3 slot apart */

static uint8_t granted[PAGE_SIZE] __aligned(PAGE_SIZE);

static long map_shinfo(unsigned long gfn)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0, .gpfn = gfn};

    return hypercall_memory_op(XENMEM_add_to_physmap, &x);
}

/* Map our own grant at gfn and unmap it: 0, or the map's failure as a
 * negative number (-1000 - status) so that it cannot pass for an errno. */
static long map_grant(grant_ref_t ref, unsigned long gfn)
{
    struct gnttab_map_grant_ref op = {.host_addr = gfn << PAGE_SHIFT,
                                      .flags = GNTMAP_host_map,
                                      .ref = ref,
                                      .dom = DOMID_SELF,
                                      .status = 99};
    struct gnttab_unmap_grant_ref un = {.host_addr = gfn << PAGE_SHIFT, .status = 99};
    long rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    if (rc)
        return rc;
    if (op.status != GNTST_okay)
        return -1000 + op.status;
    un.handle = op.handle;
    rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &un, 1);
    if (rc || un.status != GNTST_okay) {
        xtf_failure("Fail: unmap at gfn %#lx: rc %ld status %d\n", gfn, rc, un.status);
        return -2000;
    }
    return 0;
}

static long map_at(bool grant, grant_ref_t ref, unsigned long gfn)
{
    return grant ? map_grant(ref, gfn) : map_shinfo(gfn);
}

void test_main(void)
{
    bool grant = !strcmp(test_variation, "grant");
    bool bystander = !strcmp(xtf_role(), "bystander");
    long want = grant ? -1000 + GNTST_general_error : -ENOMEM;
    grant_ref_t ref = 3;
    unsigned long ok = 0, home = (unsigned long)granted >> PAGE_SHIFT;
    long rc = 0;

    xtf_require_hypervisor();
    if (grant) {
        struct grant_entry_v1 *gt = gnttab_v1_setup(&rc);

        if (!gt)
            return xtf_failure("Fail: grant table: %ld\n", rc);
        if (xen_domid == DOMID_INVALID)
            return xtf_failure("Fail: the hypervisor did not give the domain id\n");
        gt[ref].domid = xen_domid;
        gt[ref].frame = home;
        barrier();
        gt[ref].flags = GTF_permit_access;
    }

    for (unsigned long i = 1; i <= (bystander ? BYSTANDER : TRIES); i++) {
        rc = map_at(grant, ref, i * STRIDE);
        if (rc)
            break;
        ok++;
    }
    printk("%s: %lu mappings at new gfns, then %ld\n", xtf_role(), ok, rc);
    if (bystander) {
        if (rc)
            return xtf_failure("Fail: the bystander's mapping %lu was refused: %ld\n", ok + 1, rc);
        return xtf_success(NULL);
    }
    if (!rc)
        return xtf_failure("Fail: %u mappings at new gfns, none refused: no cap\n", TRIES);
    if (rc != want)
        return xtf_failure("Fail: refused with %ld, expected %ld\n", rc, want);
    if (ok >= CAP)
        return xtf_failure("Fail: %lu mappings succeeded, more than the cap's %u frames\n", ok,
                           CAP);
    /* Refused alone: where the tables are, mapping still works. */
    if ((rc = map_at(grant, ref, STRIDE)))
        return xtf_failure("Fail: a mapping needing no new table was refused: %ld\n", rc);
    xtf_success(NULL);
}
