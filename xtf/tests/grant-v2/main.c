/**
 * @file
 * Grant tables version 2 and their status frames, in one domain.  Proves:
 * with version 1 there are no status frames (get_status_frames fails with
 * GNTST_general_error, add_to_physmap of a status frame -EINVAL); set_version
 * 2 succeeds and get_version says 2; get_status_frames gives where the
 * status frame is mapped (none, then the gfn add_to_physmap put it at); a
 * v2 full-page entry maps and reads the granted frame, its busy bits
 * (reading/writing) appear in the status frame and not in the entry's
 * flags, and go when it is unmapped; switching version while an entry is
 * mapped is -EBUSY; a sub-page entry cannot be mapped and can be copied
 * only within its range; a transitive entry is refused; switching back to
 * version 1 keeps the first 8 (toolstack) entries and clears the others.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor gnttab memory
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Grant tables v2 and status frames";

#define GFN(p)          ((unsigned long)(p) >> PAGE_SHIFT)
#define GTF_sub_page    (1u << 8)
#define GTF_transitive  3
#define STATUS_IDX      (1ul << 31)
#define GNTTABOP_status 9
#define NO_GFN64        (~0ull)

/* A v2 entry: header, then a sub-page range or padding, then the frame. */
struct entry_v2 {
    uint16_t flags;
    domid_t domid;
    uint16_t page_off, length;
    uint64_t frame;
};

struct get_status_frames {
    uint32_t nr_frames;
    domid_t dom;
    int16_t status;
    uint64_t frame_list; /* a guest handle: 8 bytes in both widths here */
};

static uint8_t table[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t status_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t granted[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t window[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t local[PAGE_SIZE] __aligned(PAGE_SIZE);

static volatile struct entry_v2 *e2 = (void *)table;
static volatile uint16_t *status = (void *)status_page;

static long map_frame(unsigned long idx, void *where)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = idx, .gpfn = GFN(where)};

    return hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &x);
}

static long set_version(uint32_t *v)
{
    return hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, v, 1);
}

static int16_t status_frames(uint32_t n, uint64_t *list)
{
    struct get_status_frames g = {
        .nr_frames = n, .dom = DOMID_SELF, .status = 99, .frame_list = (unsigned long)list};
    long rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_status, &g, 1);

    if (rc)
        xtf_failure("Fail: get_status_frames returned %ld\n", rc);
    return g.status;
}

static int16_t map(grant_ref_t ref, uint32_t flags, void *at, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = {.host_addr = (unsigned long)at,
                                      .flags = flags,
                                      .ref = ref,
                                      .dom = DOMID_SELF,
                                      .status = 99};

    if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &op, 1))
        xtf_failure("Fail: map_grant_ref hypercall failed\n");
    if (h)
        *h = op.handle;
    return op.status;
}

static int16_t unmap(grant_handle_t h, void *at)
{
    struct gnttab_unmap_grant_ref op = {.host_addr = (unsigned long)at, .handle = h};

    if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, &op, 1))
        xtf_failure("Fail: unmap_grant_ref hypercall failed\n");
    return op.status;
}

static int16_t copy_from(grant_ref_t ref, uint16_t off, uint16_t len)
{
    struct gnttab_copy c = {.source = {.u.ref = ref, .domid = DOMID_SELF, .offset = off},
                            .dest = {.u.gmfn = GFN(local), .domid = DOMID_SELF, .offset = off},
                            .len = len,
                            .flags = GNTCOPY_source_gref};

    if (hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, &c, 1))
        xtf_failure("Fail: copy hypercall failed\n");
    return c.status;
}

static void grant2(grant_ref_t ref, domid_t dom, void *page, uint16_t flags, uint16_t off,
                   uint16_t len)
{
    e2[ref].flags = 0;
    barrier();
    e2[ref].domid = dom;
    e2[ref].page_off = off;
    e2[ref].length = len;
    e2[ref].frame = GFN(page);
    barrier();
    e2[ref].flags = flags;
}

void test_main(void)
{
    struct grant_entry_v1 *e1 = (void *)table;
    struct gnttab_get_version gv = {.dom = DOMID_SELF};
    uint64_t list[1] = {0x1234};
    uint32_t ver;
    domid_t me;
    grant_handle_t h;
    long rc;

    xtf_require_hypervisor();
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");
    me = xen_domid;
    if ((rc = map_frame(0, table)))
        return xtf_failure("Fail: add_to_physmap(grant_table 0): %ld\n", rc);

    /* Version 1: no status frames. */
    xtf_expect_rc("get_status_frames with v1", status_frames(1, list), GNTST_general_error);
    xtf_expect_rc("add_to_physmap status frame with v1", map_frame(STATUS_IDX, status_page),
                  -EINVAL);

    /* A toolstack entry (ref 3) and an ordinary one (ref 20) in v1. */
    e1[3] = (struct grant_entry_v1){.flags = GTF_permit_access, .domid = me, .frame = 0x777};
    e1[20] = (struct grant_entry_v1){.flags = GTF_permit_access, .domid = me, .frame = 0x888};

    ver = 2;
    rc = set_version(&ver);
    if (rc == -ENOSYS)
        return xtf_failure("Fail: set_version 2 not offered (-ENOSYS)\n");
    xtf_expect_rc("set_version 2", rc, 0);
    xtf_expect_rc("set_version 2 writes back", ver, 2);
    xtf_expect_rc("get_version",
                  hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_get_version, &gv, 1), 0);
    xtf_expect_rc("get_version after set_version 2", gv.version, 2);
    if (e2[3].flags != GTF_permit_access || e2[3].domid != me || e2[3].frame != 0x777)
        xtf_failure("Fail: v2 entry 3 %#x d%u frame %#llx, want the v1 entry kept\n", e2[3].flags,
                    e2[3].domid, (unsigned long long)e2[3].frame);
    if (e2[10].flags || e2[10].frame)
        xtf_failure("Fail: v2 entry 10 not cleared (%#x)\n", e2[10].flags);

    /* Status frames. */
    xtf_expect_rc("get_status_frames, 1 frame", status_frames(1, list), GNTST_okay);
    if (list[0] != NO_GFN64)
        xtf_failure("Fail: unmapped status frame at %#llx, want ~0\n", (unsigned long long)list[0]);
    xtf_expect_rc("get_status_frames, 2 frames", status_frames(2, list), GNTST_general_error);
    xtf_expect_rc("add_to_physmap status frame 0", map_frame(STATUS_IDX, status_page), 0);
    xtf_expect_rc("add_to_physmap status frame 1", map_frame(STATUS_IDX | 1, local), -EINVAL);
    xtf_expect_rc("get_status_frames after mapping", status_frames(1, list), GNTST_okay);
    if (list[0] != GFN(status_page))
        xtf_failure("Fail: status frame at %#llx, mapped at %#lx\n", (unsigned long long)list[0],
                    GFN(status_page));

    /* A full-page v2 grant. */
    *(volatile uint32_t *)granted = 0x600d600d;
    *(volatile uint32_t *)window = 0x0123abcd;
    grant2(10, me, granted, GTF_permit_access, 0, 0);
    xtf_expect_rc("map v2 grant", map(10, GNTMAP_host_map, window, &h), GNTST_okay);
    if (*(volatile uint32_t *)window != 0x600d600d)
        xtf_failure("Fail: mapped v2 grant reads %#x\n", *(volatile uint32_t *)window);
    if ((status[10] & (GTF_reading | GTF_writing)) != (GTF_reading | GTF_writing))
        xtf_failure("Fail: status of mapped entry 10 is %#x, want reading|writing\n", status[10]);
    if (e2[10].flags & (GTF_reading | GTF_writing))
        xtf_failure("Fail: v2 entry flags %#x carry busy bits\n", e2[10].flags);
    ver = 1;
    xtf_expect_rc("set_version 1 while mapped", set_version(&ver), -EBUSY);
    xtf_expect_rc("set_version refused writes back", ver, 2);
    xtf_expect_rc("unmap v2 grant", unmap(h, window), GNTST_okay);
    if (status[10])
        xtf_failure("Fail: status of unmapped entry 10 is %#x\n", status[10]);

    /* Sub-page: copy within [256, 320) only, never mapped. */
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        granted[i] = (uint8_t)i;
    grant2(11, me, granted, GTF_permit_access | GTF_sub_page, 256, 64);
    xtf_expect_rc("map sub-page grant", map(11, GNTMAP_host_map, window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("copy inside the sub-page", copy_from(11, 256, 64), GNTST_okay);
    if (local[256] != 0 || local[319] != 63)
        xtf_failure("Fail: copied sub-page bytes %u..%u\n", local[256], local[319]);
    xtf_expect_rc("copy outside the sub-page", copy_from(11, 0, 64), GNTST_general_error);
    xtf_expect_rc("copy across its end", copy_from(11, 300, 64), GNTST_general_error);

    /* Transitive entries are not followed. */
    grant2(12, me, granted, GTF_transitive, 0, 0);
    xtf_expect_rc("map transitive grant", map(12, GNTMAP_host_map, window, NULL),
                  GNTST_general_error);

    /* Back to version 1: entry 3 kept, entry 10 cleared, no status frames. */
    ver = 1;
    xtf_expect_rc("set_version 1", set_version(&ver), 0);
    if (e1[3].flags != GTF_permit_access || e1[3].domid != me || e1[3].frame != 0x777)
        xtf_failure("Fail: v1 entry 3 %#x d%u frame %#x after the switch back\n", e1[3].flags,
                    e1[3].domid, e1[3].frame);
    if (e1[10].flags || e1[20].flags)
        xtf_failure("Fail: v1 entries 10/20 not cleared\n");
    xtf_expect_rc("get_status_frames after v1", status_frames(1, list), GNTST_general_error);
    xtf_success(NULL);
}
