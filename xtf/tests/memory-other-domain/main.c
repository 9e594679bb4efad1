/**
 * @file
 * memory_op on another live domain, without privilege.  Bug class: missing
 * privilege checks on a domain id (a guest reading another's memory
 * accounting, ballooning it, or mapping its frames).  The primary
 * (unprivileged) proves that current_reservation, maximum_reservation,
 * decrease_reservation and add_to_physmap naming its companion give -EPERM,
 * and that add_to_physmap_batch of one of the companion's frames
 * (XENMAPSPACE_gmfn_foreign) reports -EPERM for that frame.  The companion
 * (privileged, so that it may watch) stays alive until the primary is gone.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor memory
 * @companion peer priv=1
 */
#include <xtf.h>

const char test_title[] = "memory_op on another domain without privilege";

#define XENMEM_add_to_physmap_batch 23
#define XENMAPSPACE_gmfn_foreign    4
/* A guest-physical frame above the primary's RAM, where a foreign frame
 * would go. */
#define FOREIGN_GFN 0xf0200ul
/* A RAM frame every domain of this test has (1 MiB: its image). */
#define PEER_FRAME 0x100ul

static domid_t domid_of(const char *role)
{
    domid_t id;

    if (xtf_domids(role, &id, 1) != 1)
        panic("no domid for role %s on the command line\n", role);
    return id;
}

/* The peer runs until the primary is destroyed (its reservation then gives
 * -ESRCH), so the primary always names a live domain. */
static void peer(void)
{
    domid_t prim = domid_of("primary");

    for (unsigned long i = 0; i < 20000000ul; i++) {
        if (hypercall_memory_op(XENMEM_current_reservation, &prim) < 0)
            return xtf_success(NULL);
        hypercall_yield();
    }
    xtf_failure("Fail: the primary never finished\n");
}

static long map_foreign(domid_t dom, unsigned long idx, unsigned long gpfn, int *err)
{
    xen_ulong_t i = idx, g = gpfn;
    struct {
        domid_t domid;
        uint16_t space, size;
        domid_t foreign_domid;
        void *idxs, *gpfns, *errs;
    } b = {DOMID_SELF, XENMAPSPACE_gmfn_foreign, 1, dom, &i, &g, err};

    *err = 1;
    return hypercall_memory_op(XENMEM_add_to_physmap_batch, &b);
}

void test_main(void)
{
    domid_t other;
    xen_pfn_t pfn = PEER_FRAME;
    struct xen_memory_reservation r = {.extent_start = &pfn, .nr_extents = 1};
    struct xen_add_to_physmap x = {.space = XENMAPSPACE_shared_info, .gpfn = FOREIGN_GFN};
    int err;

    xtf_require_hypervisor();
    if (!strcmp(xtf_role(), "peer"))
        return peer();
    other = domid_of("peer");

    xtf_expect_rc("current_reservation of the peer",
                  hypercall_memory_op(XENMEM_current_reservation, &other), -EPERM);
    xtf_expect_rc("maximum_reservation of the peer",
                  hypercall_memory_op(XENMEM_maximum_reservation, &other), -EPERM);
    r.domid = other;
    xtf_expect_rc("decrease_reservation of the peer",
                  hypercall_memory_op(XENMEM_decrease_reservation, &r), -EPERM);
    x.domid = other;
    xtf_expect_rc("add_to_physmap for the peer", hypercall_memory_op(XENMEM_add_to_physmap, &x),
                  -EPERM);
    xtf_expect_rc("add_to_physmap_batch of a peer frame",
                  map_foreign(other, PEER_FRAME, FOREIGN_GFN, &err), 0);
    xtf_expect_rc("the peer frame's status", err, -EPERM);
    xtf_success(NULL);
}
