/**
 * @file
 * Xenstore across domains, through the xenstore domain: proves that a peer
 * cannot read the primary's private node (EACCES) nor its name, nor write
 * its domid node; that the primary can grant the peer access to one node
 * with SET_PERMS; and that the primary's watch on that node fires when the
 * peer writes it, with the peer's value readable after; and that the peer,
 * neither privileged nor the xenstore domain, cannot map the primary's
 * store page (XENMAPSPACE_gmfn_foreign gives -EPERM). SKIPs without a
 * xenstore domain.
 *
 * Security: guards against a guest reading or forging another domain's
 * store traffic through a foreign mapping.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor memory xenstore
 * @companion peer
 */
#include <xtf.h>

const char test_title[] = "Xenstore watches and permissions across domains";

static long wr(const char *path, const char *val)
{
    char msg[128], buf[32];
    size_t pl = strlen(path) + 1, vl = strlen(val);

    memcpy(msg, path, pl);
    memcpy(msg + pl, val, vl);
    return xenstore_request(XS_WRITE, 0, msg, pl + vl, buf, sizeof(buf));
}

static long rd(const char *path, char *buf, size_t len)
{
    return xenstore_request(XS_READ, 0, path, strlen(path) + 1, buf, len);
}

static void primary(domid_t me, domid_t peer)
{
    char path[64], msg[128], buf[128];
    int n;
    long rc;
    bool seen = false;

    if ((rc = wr("data/secret", "only-mine")) < 0)
        return xtf_failure("Fail: write data/secret: %ld\n", rc);
    if ((rc = wr("data/shared", "empty")) < 0)
        return xtf_failure("Fail: write data/shared: %ld\n", rc);
    /* Owner: this domain (others: none); the peer may read and write. */
    n = snprintf(msg, sizeof(msg), "data/shared%cn%u%cb%u", 0, me, 0, peer);
    rc = xenstore_request(XS_SET_PERMS, 0, msg, (size_t)n + 1, buf, sizeof(buf));
    if (rc < 0)
        return xtf_failure("Fail: set_perms data/shared: %ld\n", rc);
    snprintf(path, sizeof(path), "/local/domain/%u/data/shared", me);
    n = snprintf(msg, sizeof(msg), "%s%ctok", path, 0);
    rc = xenstore_request(XS_WATCH, 0, msg, (size_t)n + 1, buf, sizeof(buf));
    if (rc < 0)
        return xtf_failure("Fail: watch: %ld\n", rc);
    /* The first event fires on registration; then wait for the peer. */
    for (unsigned int i = 0; i < 200 && !seen; i++) {
        rc = xenstore_event(buf, sizeof(buf));
        if (rc == -EAGAIN)
            continue;
        if (rc < 0)
            return xtf_failure("Fail: waiting for an event: %ld\n", rc);
        if (strcmp(buf, path))
            return xtf_failure("Fail: event for '%s'\n", buf);
        rc = rd("data/shared", buf, sizeof(buf));
        seen = rc > 0 && !strcmp(buf, "hello");
    }
    if (!seen)
        return xtf_failure("Fail: no event with the peer's write\n");
    printk("  the peer's write fired the watch\n");
    xtf_success(NULL);
}

/* XENMEM_add_to_physmap_batch of one foreign frame; the call's result, or
 * the entry's status if the call succeeded. */
static long map_foreign(domid_t dom, unsigned long idx, unsigned long gpfn)
{
    xen_ulong_t i = idx, g = gpfn;
    int err = 1;
    struct {
        domid_t domid;
        uint16_t space, size;
        domid_t foreign_domid;
        void *idxs, *gpfns, *errs;
    } b = {DOMID_SELF, 4 /* XENMAPSPACE_gmfn_foreign */, 1, dom, &i, &g, &err};
    long rc = hypercall_memory_op(23 /* XENMEM_add_to_physmap_batch */, &b);

    return rc ? rc : err;
}

static void peer(domid_t me, domid_t prim)
{
    uint64_t pfn = 0;

    char path[64], buf[64];
    long rc = -ENOENT;

    snprintf(path, sizeof(path), "/local/domain/%u/data/secret", prim);
    for (unsigned int i = 0; i < 2000 && rc == -ENOENT; i++)
        if ((rc = rd(path, buf, sizeof(buf))) == -ENOENT)
            hypercall_yield();
    xtf_expect_rc("read another domain's private node", rc, -EACCES);
    snprintf(path, sizeof(path), "/local/domain/%u/name", prim);
    xtf_expect_rc("read another domain's name", rd(path, buf, sizeof(buf)), -EACCES);
    snprintf(path, sizeof(path), "/local/domain/%u/domid", prim);
    xtf_expect_rc("write another domain's domid", wr(path, "0"), -EACCES);
    /* Same memory size: the primary's store page is where this one's is. */
    hvm_get_param(HVM_PARAM_STORE_PFN, &pfn);
    xtf_expect_rc("foreign map of the primary's store page", map_foreign(prim, pfn, 0x7f000),
                  -EPERM);
    snprintf(path, sizeof(path), "/local/domain/%u/data/shared", prim);
    rc = -EACCES;
    for (unsigned int i = 0; i < 2000 && rc < 0; i++)
        if ((rc = wr(path, "hello")) < 0)
            hypercall_yield();
    if (rc < 0)
        return xtf_failure("Fail: write of the granted node: %ld\n", rc);
    xtf_success(NULL);
}

void test_main(void)
{
    domid_t prim = 0, other = 0;
    char buf[16];
    long rc;

    xtf_require_hypervisor();
    rc = xenstore_read("domid", buf, sizeof(buf));
    if (rc == -ENODEV)
        return xtf_skip("Skip: no xenstore domain in this boot\n");
    if (rc <= 0)
        return xtf_failure("Fail: read domid: %ld\n", rc);
    if (xtf_domids("primary", &prim, 1) != 1 || xtf_domids("peer", &other, 1) != 1)
        return xtf_error("Error: domids of the group not given\n");
    if (!strcmp(xtf_role(), "primary"))
        primary(prim, other);
    else
        peer(other, prim);
}
