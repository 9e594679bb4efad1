/*
 * Helpers for Xen interfaces: the shared info page, grant tables (v1) and a
 * xenstore client over the store ring.
 */
#include <xtf.h>

/* Guest frames the helpers map things at. */
static uint8_t shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t gnttab_frames[PAGE_SIZE] __aligned(PAGE_SIZE);

struct shared_info *map_shared_info(long *rc)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = (unsigned long)shared_info_page >> PAGE_SHIFT,
    };

    *rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
    return *rc ? NULL : (struct shared_info *)shared_info_page;
}

struct grant_entry_v1 *gnttab_v1_setup(long *rc)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table,
        .idx = 0,
        .gpfn = (unsigned long)gnttab_frames >> PAGE_SHIFT,
    };

    *rc = hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
    return *rc ? NULL : (struct grant_entry_v1 *)gnttab_frames;
}

static struct xenstore_domain_interface *xs_ring;
static evtchn_port_t xs_port;
static uint32_t xs_req_id;

int xenstore_init(void)
{
    uint64_t pfn = 0, port = 0;
    long rc;

    if (xs_ring)
        return 0;
    rc = hvm_get_param(HVM_PARAM_STORE_PFN, &pfn);
    if (rc)
        return rc;
    rc = hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port);
    if (rc)
        return rc;
    if (!pfn)
        return -ENODEV;
    xs_ring = (void *)(unsigned long)(pfn << PAGE_SHIFT);
    xs_port = port;
    return 0;
}

static int xs_write_bytes(const void *data, size_t len)
{
    const char *p = data;

    while (len) {
        uint32_t prod = ACCESS_ONCE(xs_ring->req_prod), cons = ACCESS_ONCE(xs_ring->req_cons);
        size_t space = sizeof(xs_ring->req) - (prod - cons);

        if (!space) {
            evtchn_send(xs_port);
            hypercall_yield();
            continue;
        }
        for (; space && len; --space, --len, ++prod)
            xs_ring->req[prod % sizeof(xs_ring->req)] = *p++;
        barrier();
        xs_ring->req_prod = prod;
    }
    evtchn_send(xs_port);
    return 0;
}

static int xs_read_bytes(void *data, size_t len)
{
    char *p = data;
    unsigned long spins = 0;

    while (len) {
        uint32_t prod = ACCESS_ONCE(xs_ring->rsp_prod), cons = ACCESS_ONCE(xs_ring->rsp_cons);

        if (prod == cons) {
            if (++spins > 100000)
                return -EAGAIN;
            hypercall_yield();
            continue;
        }
        barrier();
        for (; prod != cons && len; --len, ++cons)
            *p++ = xs_ring->rsp[cons % sizeof(xs_ring->rsp)];
        barrier();
        xs_ring->rsp_cons = cons;
        evtchn_send(xs_port);
    }
    return 0;
}

long xenstore_read(const char *path, char *buf, size_t len)
{
    struct xenstore_msg_hdr hdr = {.type = XS_READ, .req_id = ++xs_req_id, .len = strlen(path) + 1};
    char discard;
    long rc = xenstore_init();

    if (rc)
        return rc;
    if ((rc = xs_write_bytes(&hdr, sizeof(hdr))) || (rc = xs_write_bytes(path, hdr.len)))
        return rc;
    if ((rc = xs_read_bytes(&hdr, sizeof(hdr))))
        return rc;
    for (uint32_t i = 0; i < hdr.len; ++i) {
        if ((rc = xs_read_bytes(i + 1 < len ? &buf[i] : &discard, 1)))
            return rc;
    }
    if (len)
        buf[min((size_t)hdr.len, len - 1)] = '\0';
    if (hdr.type == XS_ERROR)
        return -EINVAL;
    return hdr.len;
}

/* --- Hypercalls the hypervisor may not implement yet --- */

bool xtf_skip_absent_hypercalls = true;

bool hypercall_present(unsigned int nr)
{
    static int8_t known[64]; /* 0 unknown, 1 present, -1 absent */
    long rc;

    if (nr >= ARRAY_SIZE(known))
        return true;
    if (known[nr])
        return known[nr] > 0;
    switch (nr) {
    case __HYPERVISOR_memory_op:
        rc = hypercall2(nr, XENMEM_maximum_ram_page, NULL);
        break;
    case __HYPERVISOR_event_channel_op:
        rc = hypercall2(nr, EVTCHNOP_status, NULL); /* -EFAULT when present */
        break;
    case __HYPERVISOR_grant_table_op:
        rc = hypercall3(nr, GNTTABOP_query_size, NULL, 1);
        break;
    case __HYPERVISOR_vcpu_op:
        rc = hypercall3(nr, VCPUOP_is_up, 0, NULL);
        break;
    default:
        return true;
    }
    known[nr] = rc == -ENOSYS ? -1 : 1;
    return known[nr] > 0;
}

long xtf_hcall_rc(unsigned int nr, long rc)
{
    if (rc != -ENOSYS || !xtf_skip_absent_hypercalls || hypercall_present(nr))
        return rc;
    xtf_skip("Skip: hypercall %u not implemented by this hypervisor\n", nr);
    xtf_exit();
}

/* --- Domains of a multi-domain test (see the runner's @companion) --- */

int xtf_domids(const char *role, domid_t *ids, unsigned int max)
{
    char key[40], buf[256];
    const char *p = buf;
    unsigned int n = 0;

    snprintf(key, sizeof(key), "xtf-domid-%s", role);
    if (!cmdline_get(key, buf, sizeof(buf)))
        return -ENOENT;
    while (*p) {
        unsigned long lo = strtoul(p, &p, 10), hi = lo;

        if (*p == '-')
            hi = strtoul(p + 1, &p, 10);
        if (hi < lo || hi >= DOMID_SELF || (*p && *p != ':'))
            return -EINVAL;
        for (; lo <= hi; lo++) {
            if (n == max)
                return -ENOSPC;
            ids[n++] = lo;
        }
        if (*p == ':')
            p++;
    }
    return n;
}

const char *xtf_role(void)
{
    static char role[32];

    if (!role[0] && !cmdline_get("xtf-role", role, sizeof(role)))
        memcpy(role, "primary", sizeof("primary"));
    return role;
}
