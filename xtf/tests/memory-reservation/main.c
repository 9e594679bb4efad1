/**
 * @file
 * memory_op reservations and the physmap.  Bug classes: a guest growing
 * past its allowance, freeing or mapping frames it does not own, and
 * unchecked pointers.  Proves decrease_reservation gives a page back
 * (current_reservation drops by one) and populate_physmap brings a zeroed
 * one back, never past maximum_reservation; that populating a populated
 * gfn, freeing an empty one, gfns beyond RAM, misaligned or too large
 * extents and bad extent pointers do nothing; that XENMAPSPACE_gmfn moves
 * a page with its contents; that memory_map returns the e820 the domain
 * was booted with (clipped to nr_entries); and the error codes of bad
 * add_to_physmap and reservation arguments.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor memory
 */
#include <xtf.h>

const char test_title[] = "memory_op reservations and physmap";

#define XENMAPSPACE_gmfn_foreign 4

static uint8_t victim[4 * PAGE_SIZE] __aligned(PAGE_SIZE);

struct e820entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

struct xen_memory_map {
    unsigned int nr_entries;
    void *buffer;
};

static long reservation(unsigned int op, xen_pfn_t *list, unsigned long nr, unsigned int order,
                        domid_t dom)
{
    struct xen_memory_reservation r = {
        .extent_start = list, .nr_extents = nr, .extent_order = order, .domid = dom};
    return hypercall_memory_op(op, &r);
}

static void test_balloon(void)
{
    domid_t self = DOMID_SELF, other = 0x7000;
    long start = hypercall_current_reservation(),
         maxr = hypercall_memory_op(XENMEM_maximum_reservation, &self);
    xen_pfn_t pfn[3];
    unsigned long base = (unsigned long)victim >> PAGE_SHIFT;

    if (maxr != start)
        xtf_failure("Fail: maximum %ld != current %ld at start\n", maxr, start);
    /* Already at the maximum: nothing more can be populated anywhere. */
    pfn[0] = base;
    xtf_expect_rc("populate populated gfn",
                  reservation(XENMEM_populate_physmap, pfn, 1, 0, DOMID_SELF), 0);

    memset(victim, 0xaa, sizeof(victim));
    pfn[0] = base, pfn[1] = base + 1;
    xtf_expect_rc("decrease 2", reservation(XENMEM_decrease_reservation, pfn, 2, 0, DOMID_SELF), 2);
    xtf_expect_rc("current after decrease", hypercall_current_reservation(), start - 2);
    xtf_expect_rc("decrease empty gfn",
                  reservation(XENMEM_decrease_reservation, pfn, 1, 0, DOMID_SELF), 0);
    /* Three asked, two allowed: the quota stops the third. */
    pfn[2] = base + 2; /* still populated: fails anyway after the quota */
    xtf_expect_rc("populate back", reservation(XENMEM_populate_physmap, pfn, 2, 0, DOMID_SELF), 2);
    xtf_expect_rc("current after populate", hypercall_current_reservation(), start);
    for (unsigned int i = 0; i < 2 * PAGE_SIZE; i++)
        if (victim[i]) {
            xtf_failure("Fail: repopulated page not zeroed (byte %u = %#x)\n", i, victim[i]);
            break;
        }
    if (victim[2 * PAGE_SIZE] != 0xaa)
        xtf_failure("Fail: neighbouring page changed\n");

    /* Quota: give one back, ask for two. */
    pfn[0] = base;
    xtf_expect_rc("decrease 1", reservation(XENMEM_decrease_reservation, pfn, 1, 0, DOMID_SELF), 1);
    pfn[1] = (unsigned long)maxr + 4096; /* beyond RAM */
    xtf_expect_rc("populate past RAM",
                  reservation(XENMEM_populate_physmap, pfn + 1, 1, 0, DOMID_SELF), 0);
    xtf_expect_rc("populate 1 of 2", reservation(XENMEM_populate_physmap, pfn, 2, 0, DOMID_SELF),
                  1);
    xtf_expect_rc("current at max", hypercall_current_reservation(), maxr);

    /* Bad arguments do nothing. */
    xtf_expect_rc("order 10", reservation(XENMEM_decrease_reservation, pfn, 1, 10, DOMID_SELF), 0);
    pfn[0] = base | 1;
    xtf_expect_rc("misaligned order 1",
                  reservation(XENMEM_decrease_reservation, pfn, 1, 1, DOMID_SELF), 0);
    xtf_expect_rc("bad extent list",
                  reservation(XENMEM_decrease_reservation, XTF_BAD_PTR, 1, 0, DOMID_SELF), 0);
    xtf_expect_rc("bad reservation", hypercall_memory_op(XENMEM_decrease_reservation, XTF_BAD_PTR),
                  0);
    xtf_expect_rc("no extents", reservation(XENMEM_populate_physmap, pfn, 0, 0, DOMID_SELF), 0);
    xtf_expect_rc("current unchanged", hypercall_current_reservation(), maxr);
    if (reservation(XENMEM_decrease_reservation, pfn, 1, 0, 0) > 0 ||
        reservation(XENMEM_decrease_reservation, pfn, 1, 0, other) > 0)
        xtf_failure("Fail: decrease_reservation of another domain succeeded\n");
    if (hypercall_memory_op(XENMEM_current_reservation, &other) >= 0)
        xtf_failure("Fail: current_reservation of an absent domain succeeded\n");
    xtf_expect_rc("current_reservation bad ptr",
                  hypercall_memory_op(XENMEM_current_reservation, XTF_BAD_PTR), -EFAULT);
}

static void test_gmfn_move(void)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_gmfn,
        .idx = ((unsigned long)victim >> PAGE_SHIFT) + 2,
        .gpfn = ((unsigned long)victim >> PAGE_SHIFT) + 3,
    };
    long before = hypercall_current_reservation();

    memset(victim + 2 * PAGE_SIZE, 0x5c, PAGE_SIZE);
    memset(victim + 3 * PAGE_SIZE, 0x11, PAGE_SIZE);
    xtf_expect_rc("move gmfn", hypercall_memory_op(XENMEM_add_to_physmap, &x), 0);
    if (victim[3 * PAGE_SIZE] != 0x5c || victim[4 * PAGE_SIZE - 1] != 0x5c)
        xtf_failure("Fail: moved page lost its contents\n");
    /* The page that was at gpfn went away; idx is now empty. */
    xtf_expect_rc("current after move", hypercall_current_reservation(), before - 1);
    xtf_expect_rc("move from empty gfn", hypercall_memory_op(XENMEM_add_to_physmap, &x), -EINVAL);
    {
        xen_pfn_t pfn = x.idx;
        xtf_expect_rc("repopulate", reservation(XENMEM_populate_physmap, &pfn, 1, 0, DOMID_SELF),
                      1);
    }
}

static void test_add_to_physmap_errors(void)
{
    struct xen_add_to_physmap x = {.domid = DOMID_SELF,
                                   .space = XENMAPSPACE_shared_info,
                                   .idx = 1,
                                   .gpfn = (unsigned long)victim >> PAGE_SHIFT};

    xtf_expect_rc("shared_info idx 1", hypercall_memory_op(XENMEM_add_to_physmap, &x), -EINVAL);
    x.idx = 0, x.space = 99;
    xtf_expect_rc("space 99", hypercall_memory_op(XENMEM_add_to_physmap, &x), -EINVAL);
    x.space = XENMAPSPACE_gmfn_foreign;
    xtf_expect_rc("gmfn_foreign", hypercall_memory_op(XENMEM_add_to_physmap, &x), -EINVAL);
#ifdef CONFIG_64BIT
    x.space = XENMAPSPACE_shared_info, x.gpfn = 1ul << 40; /* beyond 48-bit addresses */
    xtf_expect_rc("huge gpfn", hypercall_memory_op(XENMEM_add_to_physmap, &x), -EINVAL);
#endif
    x.space = XENMAPSPACE_shared_info;
    x.gpfn = 1, x.domid = 0x7000;
    if (hypercall_memory_op(XENMEM_add_to_physmap, &x) >= 0)
        xtf_failure("Fail: add_to_physmap for another domain succeeded\n");
    xtf_expect_rc("bad pointer", hypercall_memory_op(XENMEM_add_to_physmap, XTF_BAD_PTR), -EFAULT);
}

static void test_memory_map(void)
{
    struct e820entry e[8] = {{0}};
    struct xen_memory_map m = {.nr_entries = ARRAY_SIZE(e), .buffer = e};
    long rc = hypercall_memory_op(XENMEM_memory_map, &m);

    xtf_expect_rc("memory_map", rc, 0);
    if (rc)
        return;
    if (pvh_start_info && pvh_start_info->memmap_entries) {
        const struct hvm_memmap_entry *pm =
            (const void *)(unsigned long)pvh_start_info->memmap_paddr;
        xtf_expect_rc("entries as at boot", m.nr_entries, pvh_start_info->memmap_entries);
        for (unsigned int i = 0; i < m.nr_entries && i < ARRAY_SIZE(e); i++)
            if (e[i].addr != pm[i].addr || e[i].size != pm[i].size || e[i].type != pm[i].type)
                xtf_failure("Fail: e820 entry %u differs from the boot memory map\n", i);
    } else if (m.nr_entries == 0 || e[0].type != 1)
        xtf_failure("Fail: memory_map gave %u entries, first type %u\n", m.nr_entries, e[0].type);
    m.nr_entries = 1;
    e[1].type = 0xdead;
    xtf_expect_rc("memory_map of 1", hypercall_memory_op(XENMEM_memory_map, &m), 0);
    xtf_expect_rc("clipped to 1", m.nr_entries, 1);
    xtf_expect_rc("entry 1 untouched", e[1].type, 0xdead);
    m.nr_entries = 2, m.buffer = XTF_BAD_PTR;
    xtf_expect_rc("bad buffer", hypercall_memory_op(XENMEM_memory_map, &m), -EFAULT);
    xtf_expect_rc("bad arg", hypercall_memory_op(XENMEM_memory_map, XTF_BAD_PTR), -EFAULT);
    if (hypercall_memory_op(XENMEM_maximum_ram_page, NULL) <= 0)
        xtf_failure("Fail: maximum_ram_page not positive\n");
}

void test_main(void)
{
    xtf_require_hypervisor();
    test_memory_map();
    test_add_to_physmap_errors();
    test_balloon();
    test_gmfn_move();
    xtf_success(NULL);
}
