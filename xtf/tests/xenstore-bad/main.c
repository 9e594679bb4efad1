/**
 * @file
 * A broken guest closes only its own xenstore connection: one peer makes
 * its ring indexes more than a ring apart, another sends a message longer
 * than the protocol allows. Proves that the xenstore domain marks each bad
 * ring with its error (RINGIDX, PROTO) and stops serving it, while the
 * primary's requests keep working before and after. SKIPs without a
 * xenstore domain.
 *
 * Security: guards against a guest denying the store to other domains
 * with a corrupt ring (the class of bug of XSA-type ring index checks).
 *
 * @category functional
 * @envs hvm64
 * @needs hypervisor evtchn xenstore
 * @companion ring
 * @companion proto
 */
#include <xtf.h>

const char test_title[] = "Xenstore survives a broken guest ring";

#define RING_ERROR_OFFSET 2072 /* error field of xenstore_domain_interface */
#define ERROR_RINGIDX     2
#define ERROR_PROTO       3

static long wr(const char *path, const char *val)
{
    char msg[128], buf[32];
    size_t pl = strlen(path) + 1, vl = strlen(val);

    memcpy(msg, path, pl);
    memcpy(msg + pl, val, vl);
    return xenstore_request(XS_WRITE, 0, msg, pl + vl, buf, sizeof(buf));
}

static void grant(const char *node, domid_t me, domid_t who)
{
    char msg[64], buf[16];
    int n = snprintf(msg, sizeof(msg), "%s%cn%u%cb%u", node, 0, me, 0, who);

    if (wr(node, "") < 0 || xenstore_request(XS_SET_PERMS, 0, msg, (size_t)n + 1, buf, 16) < 0)
        xtf_failure("Fail: cannot grant %s\n", node);
}

static void primary(domid_t me, domid_t ring, domid_t proto)
{
    char buf[64];
    long a = -ENOENT, b = -ENOENT;

    grant("data/ring", me, ring);
    grant("data/proto", me, proto);
    /* Wait until both peers said they are about to break their rings. */
    for (unsigned int i = 0; i < 5000 && (a <= 0 || b <= 0); i++) {
        a = xenstore_request(XS_READ, 0, "data/ring", 10, buf, sizeof(buf));
        b = xenstore_request(XS_READ, 0, "data/proto", 11, buf, sizeof(buf));
        if (a <= 0 || b <= 0)
            hypercall_yield();
    }
    if (a <= 0 || b <= 0)
        return xtf_failure("Fail: peers never reported (%ld, %ld)\n", a, b);
    /* The store keeps serving this domain. */
    for (unsigned int i = 0; i < 50; i++) {
        char val[16];

        snprintf(val, sizeof(val), "%u", i);
        if (wr("data/after", val) < 0 ||
            xenstore_request(XS_READ, 0, "data/after", 11, buf, sizeof(buf)) <= 0 ||
            strcmp(buf, val))
            return xtf_failure("Fail: request %u after the broken rings\n", i);
    }
    xtf_success(NULL);
}

static void peer(domid_t prim, bool index)
{
    uint64_t pfn = 0, port = 0;
    struct xenstore_domain_interface *r;
    volatile uint32_t *error;
    char path[64];
    long rc = -EACCES;

    snprintf(path, sizeof(path), "/local/domain/%u/data/%s", prim, index ? "ring" : "proto");
    for (unsigned int i = 0; i < 5000 && rc < 0; i++)
        if ((rc = wr(path, "now")) < 0)
            hypercall_yield();
    if (rc < 0)
        return xtf_failure("Fail: cannot report to the primary: %ld\n", rc);
    hvm_get_param(HVM_PARAM_STORE_PFN, &pfn);
    hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port);
    r = (void *)(unsigned long)(pfn << PAGE_SHIFT);
    error = (volatile uint32_t *)((char *)r + RING_ERROR_OFFSET);
    if (index)
        ACCESS_ONCE(r->req_prod) = r->req_cons + 4000;
    else {
        struct xenstore_msg_hdr h = {.type = XS_READ, .req_id = 1, .len = 5000};
        uint32_t prod = r->req_prod;

        for (unsigned int i = 0; i < sizeof(h); i++)
            r->req[(prod + i) % sizeof(r->req)] = ((const char *)&h)[i];
        barrier();
        ACCESS_ONCE(r->req_prod) = prod + sizeof(h);
    }
    evtchn_send(port);
    for (unsigned int i = 0; i < 100000 && !*error; i++)
        hypercall_yield();
    xtf_expect_rc("ring error set by the xenstore domain", *error,
                  index ? ERROR_RINGIDX : ERROR_PROTO);
    xtf_success(NULL);
}

void test_main(void)
{
    domid_t prim = 0, ring = 0, proto = 0;
    char buf[16];
    long rc;

    xtf_require_hypervisor();
    rc = xenstore_read("domid", buf, sizeof(buf));
    if (rc == -ENODEV)
        return xtf_skip("Skip: no xenstore domain in this boot\n");
    if (rc <= 0)
        return xtf_failure("Fail: read domid: %ld\n", rc);
    if (xtf_domids("primary", &prim, 1) != 1 || xtf_domids("ring", &ring, 1) != 1 ||
        xtf_domids("proto", &proto, 1) != 1)
        return xtf_error("Error: domids of the group not given\n");
    if (!strcmp(xtf_role(), "primary"))
        primary(prim, ring, proto);
    else
        peer(prim, !strcmp(xtf_role(), "ring"));
}
