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

struct shared_info *xtf_shared_info_start(void)
{
    struct shared_info *s;
    long rc;

    xtf_require_hypervisor();
    s = map_shared_info(&rc);
    if (!s) {
        xtf_failure("Fail: add_to_physmap(shared_info): %ld\n", rc);
        xtf_exit();
    }
    return s;
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
            if (++spins > 1000000) /* ~20 s of yields: the store domain may wait its turn */
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

static const struct {
    const char *name;
    int err;
} xs_errors[] = {{"EINVAL", EINVAL}, {"EACCES", EACCES}, {"EEXIST", EEXIST}, {"ENOENT", ENOENT},
                 {"EAGAIN", EAGAIN}, {"EPERM", EPERM},   {"EBUSY", EBUSY},   {"ENOSYS", ENOSYS},
                 {"ENOSPC", ENOSPC}, {"E2BIG", E2BIG},   {"EIO", 5},         {"ENOMEM", ENOMEM}};

static char xs_events[4][128];
static unsigned int xs_nr_events;

/* One whole message; the payload (truncated to buflen - 1) into buf. */
static long xs_recv(struct xenstore_msg_hdr *hdr, char *buf, size_t buflen)
{
    char discard;
    long rc;

    if ((rc = xs_read_bytes(hdr, sizeof(*hdr))))
        return rc;
    for (uint32_t i = 0; i < hdr->len; ++i)
        if ((rc = xs_read_bytes(i + 1 < buflen ? &buf[i] : &discard, 1)))
            return rc;
    if (buflen)
        buf[min((size_t)hdr->len, buflen - 1)] = '\0';
    return hdr->len;
}

static void xs_keep_event(const char *buf, uint32_t len)
{
    if (xs_nr_events < ARRAY_SIZE(xs_events)) {
        memcpy(xs_events[xs_nr_events], buf, min((size_t)len, sizeof(xs_events[0])));
        xs_nr_events++;
    }
}

long xenstore_request(uint32_t type, uint32_t tx_id, const void *payload, size_t len, char *buf,
                      size_t buflen)
{
    struct xenstore_msg_hdr hdr = {.type = type, .req_id = ++xs_req_id, .tx_id = tx_id, .len = len};
    uint32_t id = hdr.req_id;
    char ev[128];
    long rc = xenstore_init();

    if (rc)
        return rc;
    if ((rc = xs_write_bytes(&hdr, sizeof(hdr))) || (len && (rc = xs_write_bytes(payload, len))))
        return rc;
    for (;;) {
        rc = xs_recv(&hdr, buflen ? buf : ev, buflen ? buflen : sizeof(ev));
        if (rc < 0)
            return rc;
        if (hdr.type == XS_WATCH_EVENT) {
            xs_keep_event(buflen ? buf : ev, hdr.len);
            continue;
        }
        if (hdr.req_id == id)
            break;
    }
    if (hdr.type == XS_ERROR) {
        for (unsigned int i = 0; i < ARRAY_SIZE(xs_errors); i++)
            if (buflen && !strcmp(buf, xs_errors[i].name))
                return -xs_errors[i].err;
        return -EINVAL;
    }
    return rc;
}

long xenstore_event(char *buf, size_t len)
{
    struct xenstore_msg_hdr hdr;
    long rc;

    if (!xs_nr_events) {
        rc = xenstore_init();
        if (rc)
            return rc;
        rc = xs_recv(&hdr, buf, len);
        if (rc < 0)
            return rc;
        return hdr.type == XS_WATCH_EVENT ? rc : -EINVAL;
    }
    memcpy(buf, xs_events[0], min(len, sizeof(xs_events[0])));
    memmove(xs_events[0], xs_events[1], sizeof(xs_events[0]) * --xs_nr_events);
    return 1;
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

void xtf_main_by_role(const char *role, void (*role_main)(void), void (*other_main)(void))
{
    if (!strcmp(xtf_role(), role))
        role_main();
    else
        other_main();
}
