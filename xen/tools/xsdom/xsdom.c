/* xenstored as a service domain: the portable core (../xenstore) on the
 * runtime of this directory. The hypervisor introduces domains through a
 * table in this domain's RAM and VIRQ_DOM_EXC (see README.md and
 * public/xenstore_domain.h); each introduced domain gets a connection
 * served over its store ring. */
#include "runtime.h"
#include "xs_core.h"
#include "../../include/public/xenstore_domain.h"

#define VIRQ_DOM_EXC  3
#define XS_DOMID_ZERO 0 /* owner of the nodes the store makes for domains */

struct guest {
    bool present;
    uint32_t gen;
    unsigned int domid, local_port;
    unsigned long map_gfn;
    struct xenstore_domain_interface *ring;
    struct xs_conn *conn;
    bool dead;    /* ring no longer served */
    bool serving; /* serve() is running for this guest */
    bool again;   /* more output was queued meanwhile */
};

static struct guest guests[XSDOM_INTRO_MAX + 1];
static struct guest *by_port[1024];
static struct xs_store *store;
static struct xs_conn *ctl; /* privileged: introduces domains, writes their nodes */
static uint32_t ctl_req;
static unsigned int virq_port;
static bool exit_when_idle; /* guest argument xsdom-exit-when-idle */
static unsigned int nr_present, nr_ever;

/* --- the core's platform --- */

void *xsp_alloc(size_t size)
{
    return rt_alloc(size);
}

void xsp_free(void *p)
{
    rt_free(p);
}

uint64_t xsp_now_ns(void)
{
    return rt_now_ns();
}

void xsp_log(const char *fmt, ...)
{
    char buf[200];
    va_list ap;

    va_start(ap, fmt);
    rt_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    rt_printf("xsdom: %s\n", buf);
}

/* --- serving rings --- */

/* Serving a ring handles its requests, whose replies and watch events call
 * output_ready for this very connection: that must not serve it again from
 * inside (the core would see the request being handled a second time, as a
 * guest with several requests in flight, such as Linux, showed). It only
 * asks the running serve() for one more round. */
static void serve(struct guest *g)
{
    bool notify = false;
    int r;

    if (!g->conn || g->dead)
        return;
    if (g->serving) {
        g->again = true;
        return;
    }
    g->serving = true;
    do {
        g->again = false;
        r = xs_conn_ring_service(g->conn, g->ring);
        if (r > 0)
            notify = true;
        else if (r < 0) {
            /* Only this domain's connection ends; the others go on. */
            rt_printf("xsdom: d%u: ring closed (error %u)\n", g->domid, g->ring->error);
            notify = true;
            g->dead = true;
        }
    } while (g->again && !g->dead);
    g->serving = false;
    if (notify)
        rt_evtchn_send(g->local_port);
}

static void output_ready(void *ctx, struct xs_conn *conn)
{
    struct guest *g = xs_conn_user(conn);

    (void)ctx;
    if (g)
        serve(g);
}

/* INTRODUCE (from ctl): map the ring, bind the port, open a connection. */
static int introduce(void *ctx, uint32_t domid, uint64_t gfn, uint32_t port)
{
    struct guest *g;
    long rc;

    (void)ctx;
    if (domid < 1 || domid > XSDOM_INTRO_MAX)
        return 22; /* EINVAL */
    g = &guests[domid];
    g->map_gfn = rt_ram_top_gfn() + 16 + domid;
    rc = rt_map_foreign(domid, (unsigned long)gfn, g->map_gfn);
    if (rc) {
        rt_printf("xsdom: d%u: cannot map store page %#llx: %ld\n", domid, (unsigned long long)gfn,
                  rc);
        return 13; /* EACCES */
    }
    rc = rt_bind_interdomain(domid, port);
    if (rc < 0 || rc >= (long)(sizeof(by_port) / sizeof(by_port[0]))) {
        rt_printf("xsdom: d%u: cannot bind port %u: %ld\n", domid, port, rc);
        rt_unmap(g->map_gfn);
        return 22;
    }
    g->domid = domid;
    g->local_port = (unsigned int)rc;
    g->ring = (void *)(g->map_gfn * PAGE_SIZE);
    g->dead = false;
    g->conn = xs_conn_new(store, domid, false, g);
    if (!g->conn) {
        rt_evtchn_close(g->local_port);
        rt_unmap(g->map_gfn);
        return 12; /* ENOMEM */
    }
    by_port[g->local_port] = g;
    return 0;
}

static void release(void *ctx, uint32_t domid)
{
    struct guest *g;

    (void)ctx;
    if (domid < 1 || domid > XSDOM_INTRO_MAX || !guests[domid].conn)
        return;
    g = &guests[domid];
    xs_conn_free(g->conn);
    g->conn = NULL;
    by_port[g->local_port] = NULL;
    rt_evtchn_close(g->local_port);
    rt_unmap(g->map_gfn);
}

/* --- the control connection --- */

/* Send one request on ctl; returns 0 or the error reply's first letters. */
static int ctl_request(uint32_t type, const char *payload, size_t len)
{
    struct xs_msg_hdr hdr = {.type = type, .req_id = ++ctl_req, .tx_id = 0, .len = (uint32_t)len};
    char msg[sizeof(hdr) + 256];
    const void *out;
    size_t n;
    int err = 0;

    if (len > 256)
        return -1;
    memcpy(msg, &hdr, sizeof(hdr));
    memcpy(msg + sizeof(hdr), payload, len);
    if (xs_conn_feed(ctl, msg, sizeof(hdr) + len) != (long)(sizeof(hdr) + len))
        return -1;
    while ((n = xs_conn_output_peek(ctl, &out)) > 0) {
        const struct xs_msg_hdr *r = out;

        if (n >= sizeof(*r) && r->type == XS_ERROR && r->req_id == hdr.req_id) {
            rt_printf("xsdom: control request %u: %.*s\n", type, (int)r->len,
                      (const char *)(r + 1));
            err = -1;
        }
        xs_conn_output_consume(ctl, n);
    }
    return err;
}

static int ctl_write(const char *path, const char *value, const char *perms, size_t perms_len)
{
    char buf[256];
    int n = rt_snprintf(buf, sizeof(buf), "%s", path);
    size_t vl = strlen(value);

    if ((size_t)n + 1 + vl > sizeof(buf))
        return -1;
    memcpy(buf + n + 1, value, vl);
    if (ctl_request(XS_WRITE, buf, (size_t)n + 1 + vl))
        return -1;
    memcpy(buf + n + 1, perms, perms_len);
    return ctl_request(XS_SET_PERMS, buf, (size_t)n + 1 + perms_len);
}

/* The domain's nodes, as a toolstack makes them: /local/domain/<id> and its
 * domid, name and control/ readable by the domain only; data/ and the
 * control/ nodes a guest writes (Linux announces feature-poweroff and
 * friends, and watches shutdown) its own. */
static void make_nodes(unsigned int domid, const char *name)
{
    static const char *const guest_control[] = {"shutdown", "feature-poweroff", "feature-reboot",
                                                "feature-suspend", "sysrq"};
    char path[80], val[16], perms[32], own[16];
    int pl = rt_snprintf(perms, sizeof(perms), "n%u", XS_DOMID_ZERO);
    int ol;

    pl += 1 + rt_snprintf(perms + pl + 1, sizeof(perms) - (size_t)pl - 1, "r%u", domid);
    ol = rt_snprintf(own, sizeof(own), "n%u", domid);
    rt_snprintf(path, sizeof(path), "/local/domain/%u", domid);
    ctl_write(path, "", perms, (size_t)pl + 1);
    rt_snprintf(path, sizeof(path), "/local/domain/%u/domid", domid);
    rt_snprintf(val, sizeof(val), "%u", domid);
    ctl_write(path, val, perms, (size_t)pl + 1);
    rt_snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    ctl_write(path, name, perms, (size_t)pl + 1);
    rt_snprintf(path, sizeof(path), "/local/domain/%u/data", domid);
    ctl_write(path, "", own, (size_t)ol + 1);
    rt_snprintf(path, sizeof(path), "/local/domain/%u/control", domid);
    ctl_write(path, "", perms, (size_t)pl + 1);
    for (unsigned int i = 0; i < sizeof(guest_control) / sizeof(guest_control[0]); i++) {
        rt_snprintf(path, sizeof(path), "/local/domain/%u/control/%s", domid, guest_control[i]);
        ctl_write(path, "", own, (size_t)ol + 1);
    }
}

static void introduce_entry(const struct xsdom_intro_entry *e)
{
    char buf[64];
    int n = rt_snprintf(buf, sizeof(buf), "%u", e->domid);

    n += 1 + rt_snprintf(buf + n + 1, sizeof(buf) - (size_t)n - 1, "%llu",
                         (unsigned long long)e->store_gfn);
    n += 1 + rt_snprintf(buf + n + 1, sizeof(buf) - (size_t)n - 1, "%u", e->store_port);
    if (ctl_request(XS_INTRODUCE, buf, (size_t)n + 1))
        return;
    guests[e->domid].present = true;
    nr_present++;
    nr_ever++;
    make_nodes(e->domid, e->name);
    rt_printf("xsdom: introduced d%u '%s' (store gfn %#llx, port %u)\n", e->domid, e->name,
              (unsigned long long)e->store_gfn, e->store_port);
    serve(&guests[e->domid]); /* it may have written before we came */
}

static void release_entry(unsigned int domid)
{
    char buf[16], path[32];
    int n = rt_snprintf(buf, sizeof(buf), "%u", domid);

    ctl_request(XS_RELEASE, buf, (size_t)n + 1);
    n = rt_snprintf(path, sizeof(path), "/local/domain/%u", domid);
    ctl_request(XS_RM, path, (size_t)n + 1);
    guests[domid].present = false;
    nr_present--;
    rt_printf("xsdom: released d%u\n", domid);
}

/* Compare the hypervisor's table with what we know. */
static void scan_intro(void)
{
    volatile struct xsdom_intro *t = (volatile void *)XSDOM_INTRO_GPA;

    if (t->magic != XSDOM_INTRO_MAGIC)
        return;
    for (unsigned int i = 0; i < XSDOM_INTRO_MAX && i < t->nr_entries; i++) {
        struct xsdom_intro_entry e;
        uint32_t gen = t->entry[i].gen;
        struct guest *g;

        if (!gen)
            continue; /* being written: a VIRQ follows */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        memcpy(&e, (const void *)&t->entry[i], sizeof(e));
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (t->entry[i].gen != gen || e.domid != i + 1)
            continue;
        e.name[sizeof(e.name) - 1] = '\0';
        g = &guests[e.domid];
        if (g->gen == gen)
            continue;
        g->gen = gen;
        if (g->present)
            release_entry(e.domid);
        if (e.state == XSDOM_ENTRY_PRESENT)
            introduce_entry(&e);
    }
}

static void on_port(unsigned int port, void *ctx)
{
    (void)ctx;
    if (port == virq_port) {
        scan_intro();
        if (exit_when_idle && nr_ever && !nr_present) {
            rt_printf("xsdom: every domain is gone: powering off\n");
            rt_poweroff();
        }
    } else if (port < sizeof(by_port) / sizeof(by_port[0]) && by_port[port])
        serve(by_port[port]);
}

static bool has_word(const char *s, const char *w)
{
    size_t n = strlen(w);

    for (; *s; s++)
        if (!memcmp(s, w, n) && (s[n] == ' ' || !s[n]))
            return true;
    return false;
}

void xsdom_main(uint32_t start_info_pa)
{
    static const struct xs_transport_ops ops = {introduce, release, output_ready};
    long rc;

    rt_init(start_info_pa);
    exit_when_idle = has_word(rt_cmdline(), "xsdom-exit-when-idle");
    rt_printf("xsdom: xenstore domain starting\n");
    rc = rt_evtchn_init();
    if (rc)
        rt_fail("shared info / callback vector: %ld", rc);
    rc = rt_bind_virq(VIRQ_DOM_EXC);
    if (rc < 0)
        rt_fail("bind VIRQ_DOM_EXC: %ld", rc);
    virq_port = (unsigned int)rc;
    store = xs_store_new(NULL, &ops, NULL);
    ctl = store ? xs_conn_new(store, XS_DOMID_ZERO, true, NULL) : NULL;
    if (!ctl)
        rt_fail("out of memory for the store");
    scan_intro();
    rt_printf("xsdom: ready\n");
    for (;;)
        rt_wait_events(on_port, NULL);
}
