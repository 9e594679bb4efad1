/**
 * @file
 * Grant table operations (v1) in one domain, success and error paths.
 * Proves setup_table/query_size/get_version/set_version answer as Xen does
 * (switching to v2 and back while nothing is mapped succeeds; grant-v2
 * covers v2), that a domain can map its own grant into its
 * physical space and see the granted frame through it (read and write), that
 * mapping pins the entry (GTF_reading/GTF_writing) and unmapping restores
 * the frame that was there, that read-only grants need GNTMAP_readonly,
 * that GNTTABOP_copy copies between a grant and an own frame, and that
 * every bad domain, ref, handle, flag, address, count and pointer gives its
 * own status or errno. Bug class: unchecked grant refs/handles/frames.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor gnttab memory
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "Grant table operations";

static uint8_t granted[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t window[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t local[PAGE_SIZE] __aligned(PAGE_SIZE);

#define GFN(p) ((unsigned long)(p) >> PAGE_SHIFT)
#define NO_DOM 1000

static struct grant_entry_v1 *gt;

static void grant(grant_ref_t ref, domid_t dom, void *page, uint16_t flags)
{
    gt[ref].flags = 0;
    barrier();
    gt[ref].domid = dom;
    gt[ref].frame = GFN(page);
    barrier();
    gt[ref].flags = flags;
}

static int16_t map(grant_ref_t ref, domid_t dom, uint32_t flags, uint64_t addr, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = addr, .flags = flags, .ref = ref, .dom = dom, .status = 99};
    long rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    if (rc)
        xtf_failure("Fail: map_grant_ref returned %ld\n", rc);
    if (h)
        *h = op.handle;
    return op.status;
}

static int16_t unmap(grant_handle_t h, uint64_t addr)
{
    struct gnttab_unmap_grant_ref op = {.host_addr = addr, .handle = h, .status = 99};
    long rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

    if (rc)
        xtf_failure("Fail: unmap_grant_ref returned %ld\n", rc);
    return op.status;
}

static void test_sizes(void)
{
    struct gnttab_query_size qs = {.dom = DOMID_SELF};
    struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
    struct gnttab_set_version sv = {.version = 1};
    struct gnttab_get_version gv = {.dom = DOMID_SELF};
    xen_pfn_t frames[2] = {0, 0};
    uint32_t max_frames;

    xtf_expect_rc("query_size", hypercall_grant_table_op(GNTTABOP_query_size, &qs, 1), 0);
    xtf_expect_rc("query_size status", qs.status, GNTST_okay);
    if (qs.nr_frames < 1 || qs.max_nr_frames < qs.nr_frames)
        xtf_failure("Fail: %u frames of at most %u\n", qs.nr_frames, qs.max_nr_frames);
    max_frames = qs.max_nr_frames;
    xtf_expect_rc("query_size count 2", hypercall_grant_table_op(GNTTABOP_query_size, &qs, 2),
                  -EINVAL);
    xtf_expect_rc("query_size bad ptr",
                  hypercall_grant_table_op(GNTTABOP_query_size, XTF_BAD_PTR, 1), -EFAULT);
    qs.dom = NO_DOM;
    xtf_expect_rc("query_size other", hypercall_grant_table_op(GNTTABOP_query_size, &qs, 1), 0);
    xtf_expect_rc("query_size other status", qs.status, GNTST_bad_domain);

    st.frame_list = frames;
    xtf_expect_rc("setup_table", hypercall_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    xtf_expect_rc("setup_table status", st.status, GNTST_okay);
    xtf_expect_rc("setup_table frame 0 gfn", frames[0], GFN(gt));
    st.nr_frames = max_frames + 1;
    xtf_expect_rc("setup_table too many", hypercall_grant_table_op(GNTTABOP_setup_table, &st, 1),
                  0);
    xtf_expect_rc("setup_table too many status", st.status, GNTST_general_error);
    st.nr_frames = 1;
    st.frame_list = XTF_BAD_PTR;
    hypercall_grant_table_op(GNTTABOP_setup_table, &st, 1);
    xtf_expect_rc("setup_table bad list status", st.status, GNTST_bad_virt_addr);
    st.frame_list = frames;
    st.dom = NO_DOM;
    hypercall_grant_table_op(GNTTABOP_setup_table, &st, 1);
    xtf_expect_rc("setup_table other status", st.status, GNTST_bad_domain);
    xtf_expect_rc("setup_table count 0", hypercall_grant_table_op(GNTTABOP_setup_table, &st, 0),
                  -EINVAL);

    xtf_expect_rc("get_version", hypercall_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
    xtf_expect_rc("get_version value", gv.version, 1);
    gv.dom = NO_DOM;
    xtf_expect_rc("get_version other", hypercall_grant_table_op(GNTTABOP_get_version, &gv, 1),
                  -ESRCH);
    xtf_expect_rc("set_version 1", hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
    /* Version 2 exists (grant-v2 tests it); back to 1 for the rest. */
    sv.version = 2;
    xtf_expect_rc("set_version 2", hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
    xtf_expect_rc("set_version 2 writes back", sv.version, 2);
    sv.version = 3;
    xtf_expect_rc("set_version 3", hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1), -EINVAL);
    xtf_expect_rc("set_version 3 writes back the current", sv.version, 2);
    sv.version = 1;
    xtf_expect_rc("set_version back to 1", hypercall_grant_table_op(GNTTABOP_set_version, &sv, 1),
                  0);
    xtf_expect_rc("set_version bad ptr",
                  hypercall_grant_table_op(GNTTABOP_set_version, XTF_BAD_PTR, 1), -EFAULT);
    xtf_expect_rc("unknown op", hypercall_grant_table_op(0xfff, &sv, 1), -ENOSYS);
    /* Bits 12-31 are a continuation's state in Xen, for cache_flush only. */
    xtf_expect_rc("op with continuation bits", hypercall_grant_table_op(0x7fff, &sv, 1), -EINVAL);
}

static void test_map_self(domid_t me)
{
    volatile uint32_t *w = (volatile uint32_t *)window;
    uint32_t *g = (uint32_t *)granted;
    grant_handle_t h, h2;

    g[0] = 0x600d600d;
    w[0] = 0x0123abcd;
    grant(10, me, granted, GTF_permit_access);
    xtf_expect_rc("map own grant", map(10, DOMID_SELF, GNTMAP_host_map, (uintptr_t)window, &h),
                  GNTST_okay);
    if (w[0] != 0x600d600d)
        xtf_failure("Fail: mapped window reads %#x, not the granted frame\n", w[0]);
    w[1] = 0x5eedbeef;
    barrier();
    if (g[1] != 0x5eedbeef)
        xtf_failure("Fail: write through the mapping did not reach the granted frame\n");
    if ((gt[10].flags & (GTF_reading | GTF_writing)) != (GTF_reading | GTF_writing))
        xtf_failure("Fail: mapped entry flags %#x lack reading/writing\n", gt[10].flags);
    xtf_expect_rc("unmap wrong addr", unmap(h, (uintptr_t)local), GNTST_general_error);
    xtf_expect_rc("unmap", unmap(h, (uintptr_t)window), GNTST_okay);
    xtf_expect_rc("unmap twice", unmap(h, (uintptr_t)window), GNTST_bad_handle);
    if (w[0] != 0x0123abcd)
        xtf_failure("Fail: after unmap the window reads %#x, not its own frame\n", w[0]);
    if (gt[10].flags & (GTF_reading | GTF_writing))
        xtf_failure("Fail: unmapped entry flags %#x still busy\n", gt[10].flags);

    /* Read-only grants. */
    grant(11, me, granted, GTF_permit_access | GTF_readonly);
    xtf_expect_rc("map r/o grant writable", map(11, me, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("map r/o grant",
                  map(11, me, GNTMAP_host_map | GNTMAP_readonly, (uintptr_t)window, &h2),
                  GNTST_okay);
    if (w[0] != 0x600d600d)
        xtf_failure("Fail: read-only mapping reads %#x\n", w[0]);
    if ((gt[11].flags & (GTF_reading | GTF_writing)) != GTF_reading)
        xtf_failure("Fail: r/o mapped entry flags %#x\n", gt[11].flags);
    xtf_expect_rc("unmap r/o", unmap(h2, (uintptr_t)window), GNTST_okay);

    /* A mapping above RAM, where nothing was. */
    xtf_expect_rc("map above RAM", map(10, me, GNTMAP_host_map, 0xf0000000ull, &h), GNTST_okay);
    xtf_expect_rc("unmap above RAM", unmap(h, 0xf0000000ull), GNTST_okay);
}

static void test_map_errors(domid_t me)
{
    struct gnttab_map_grant_ref two[2] = {
        {.host_addr = (uintptr_t)window, .flags = GNTMAP_host_map, .ref = 10, .dom = DOMID_SELF},
        {.host_addr = (uintptr_t)window, .flags = GNTMAP_host_map, .ref = 99999, .dom = DOMID_SELF},
    };
    struct gnttab_unmap_grant_ref un = {.handle = 9999};

    grant(12, me, granted, GTF_permit_access);
    grant(13, me == 1 ? 2 : 1, granted, GTF_permit_access);
    grant(14, me, (void *)0xdead0000, GTF_permit_access);
    gt[15].flags = 0;
    xtf_expect_rc("map no flags", map(12, me, 0, (uintptr_t)window, NULL), GNTST_bad_gntref);
    xtf_expect_rc("map device", map(12, me, GNTMAP_device_map, (uintptr_t)window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("map application",
                  map(12, me, GNTMAP_host_map | GNTMAP_application_map, (uintptr_t)window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("map bad dom", map(12, NO_DOM, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_bad_domain);
    xtf_expect_rc("map reserved dom", map(12, DOMID_XEN, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_bad_domain);
    xtf_expect_rc("map bad ref", map(0xffffffff, me, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_bad_gntref);
    xtf_expect_rc("map other grantee", map(13, me, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("map not RAM", map(14, me, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("map unused entry", map(15, me, GNTMAP_host_map, (uintptr_t)window, NULL),
                  GNTST_general_error);
    xtf_expect_rc("map huge addr", map(12, me, GNTMAP_host_map, 1ull << 60, NULL),
                  GNTST_general_error);
    if (gt[12].flags != GTF_permit_access || gt[13].flags != GTF_permit_access)
        xtf_failure("Fail: failed maps left entries busy (%#x, %#x)\n", gt[12].flags, gt[13].flags);

    xtf_expect_rc("map batch", hypercall_grant_table_op(GNTTABOP_map_grant_ref, two, 2), 0);
    xtf_expect_rc("batch[0] status", two[0].status, GNTST_okay);
    xtf_expect_rc("batch[1] status", two[1].status, GNTST_bad_gntref);
    xtf_expect_rc("batch unmap", unmap(two[0].handle, (uintptr_t)window), GNTST_okay);

    xtf_expect_rc("unmap bad handle", hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &un, 1),
                  0);
    xtf_expect_rc("unmap bad handle status", un.status, GNTST_bad_handle);
    xtf_expect_rc("map bad ptr", hypercall_grant_table_op(GNTTABOP_map_grant_ref, XTF_BAD_PTR, 1),
                  -EFAULT);
    xtf_expect_rc("unmap bad ptr",
                  hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, XTF_BAD_PTR, 1), -EFAULT);
    xtf_expect_rc("map count 0", hypercall_grant_table_op(GNTTABOP_map_grant_ref, two, 0), 0);
    xtf_expect_rc("map huge count", hypercall_grant_table_op(GNTTABOP_map_grant_ref, two, 100000),
                  -EINVAL);
}

static int16_t copy(struct gnttab_copy *c)
{
    long rc = hypercall_grant_table_op(GNTTABOP_copy, c, 1);

    if (rc)
        xtf_failure("Fail: copy returned %ld\n", rc);
    return c->status;
}

static void test_copy(domid_t me)
{
    struct gnttab_copy c = {
        .source = {.u.ref = 20, .domid = DOMID_SELF, .offset = 8},
        .dest = {.u.gmfn = GFN(local), .domid = DOMID_SELF, .offset = 100},
        .len = 16,
        .flags = GNTCOPY_source_gref,
    };

    for (unsigned int i = 0; i < 32; i++)
        granted[i] = (uint8_t)(0xa0 + i);
    memset(local, 0, PAGE_SIZE);
    grant(20, me, granted, GTF_permit_access | GTF_readonly);
    xtf_expect_rc("copy from grant", copy(&c), GNTST_okay);
    for (unsigned int i = 0; i < 16; i++)
        if (local[100 + i] != (uint8_t)(0xa8 + i)) {
            xtf_failure("Fail: copied byte %u is %#x\n", i, local[100 + i]);
            break;
        }
    if (local[99] || local[116])
        xtf_failure("Fail: copy wrote outside its range\n");
    if (gt[20].flags != (GTF_permit_access | GTF_readonly))
        xtf_failure("Fail: copy left the entry busy (%#x)\n", gt[20].flags);

    /* Writing into a read-only grant is refused. */
    c.flags = GNTCOPY_dest_gref;
    c.dest.u.ref = 20;
    c.source.u.gmfn = GFN(local);
    xtf_expect_rc("copy into r/o grant", copy(&c), GNTST_general_error);
    c.flags = 0x80;
    xtf_expect_rc("copy bad flags", copy(&c), GNTST_bad_copy_arg);
    c.flags = 0;
    c.dest.u.gmfn = GFN(local);
    c.len = 4000;
    c.dest.offset = 200;
    xtf_expect_rc("copy past the page", copy(&c), GNTST_bad_copy_arg);
    c.len = 16;
    c.dest.domid = NO_DOM;
    xtf_expect_rc("copy to other's frame", copy(&c), GNTST_permission_denied);
    c.dest.domid = DOMID_SELF;
    c.source.u.gmfn = 0xdead0;
    xtf_expect_rc("copy from non-RAM", copy(&c), GNTST_bad_page);
    c.flags = GNTCOPY_source_gref;
    c.source.u.ref = 0x7fffffff;
    xtf_expect_rc("copy bad ref", copy(&c), GNTST_bad_gntref);
    c.source.u.ref = 20;
    c.source.domid = NO_DOM;
    xtf_expect_rc("copy bad dom", copy(&c), GNTST_bad_domain);
    xtf_expect_rc("copy bad ptr", hypercall_grant_table_op(GNTTABOP_copy, XTF_BAD_PTR, 1), -EFAULT);
}

void test_main(void)
{
    long rc;

    xtf_require_hypervisor();
    gt = gnttab_v1_setup(&rc);
    if (!gt)
        return xtf_failure("Fail: add_to_physmap(grant_table): %ld\n", rc);
    test_sizes();
    if (xen_domid == DOMID_INVALID)
        return xtf_failure("Fail: the hypervisor did not give the domain id\n");
    test_map_self(xen_domid);
    test_map_errors(xen_domid);
    test_copy(xen_domid);
    xtf_success(NULL);
}
