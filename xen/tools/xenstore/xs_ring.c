/*
 * Portable xenstore core, part 3: the shared-ring reader and writer for
 * struct xenstore_domain_interface, and the glue that serves a connection
 * over a ring. The other side is a guest: every index it controls is read
 * once, checked, and never trusted beyond XENSTORE_RING_SIZE bytes in flight.
 */
#include "xs_internal.h"

#define RD(x)    (*(volatile XENSTORE_RING_IDX *)&(x))
#define WR(x, v) (*(volatile XENSTORE_RING_IDX *)&(x) = (v))

/* Copy out of a ring starting at index idx, wrapping at the end. */
static void ring_copy_out(void *dst, const char *ring, XENSTORE_RING_IDX idx, size_t n)
{
    size_t off = MASK_XENSTORE_IDX(idx), first = XENSTORE_RING_SIZE - off;

    if (first > n)
        first = n;
    memcpy(dst, ring + off, first);
    memcpy((char *)dst + first, ring, n - first);
}

static void ring_copy_in(char *ring, XENSTORE_RING_IDX idx, const void *src, size_t n)
{
    size_t off = MASK_XENSTORE_IDX(idx), first = XENSTORE_RING_SIZE - off;

    if (first > n)
        first = n;
    memcpy(ring + off, src, first);
    memcpy(ring, (const char *)src + first, n - first);
}

/* Consume up to len bytes of ring (cons, prod); -1 if the indexes are corrupt. */
static long ring_read(char *ring, XENSTORE_RING_IDX *consp, XENSTORE_RING_IDX *prodp, void *buf,
                      size_t len)
{
    XENSTORE_RING_IDX cons = RD(*consp), prod = RD(*prodp), avail;

    xsp_rmb();
    avail = prod - cons;
    if (avail > XENSTORE_RING_SIZE)
        return -1;
    if (avail > len)
        avail = (XENSTORE_RING_IDX)len;
    ring_copy_out(buf, ring, cons, avail);
    xsp_mb();
    WR(*consp, cons + avail);
    return avail;
}

static long ring_write(char *ring, XENSTORE_RING_IDX *consp, XENSTORE_RING_IDX *prodp,
                       const void *buf, size_t len)
{
    XENSTORE_RING_IDX cons = RD(*consp), prod = RD(*prodp), used, n;

    xsp_mb();
    used = prod - cons;
    if (used > XENSTORE_RING_SIZE)
        return -1;
    n = XENSTORE_RING_SIZE - used;
    if (n > len)
        n = (XENSTORE_RING_IDX)len;
    ring_copy_in(ring, prod, buf, n);
    xsp_wmb();
    WR(*prodp, prod + n);
    return n;
}

long xs_ring_server_read(struct xenstore_domain_interface *intf, void *buf, size_t len)
{
    return ring_read(intf->req, &intf->req_cons, &intf->req_prod, buf, len);
}

long xs_ring_server_write(struct xenstore_domain_interface *intf, const void *buf, size_t len)
{
    return ring_write(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, buf, len);
}

long xs_ring_client_write(struct xenstore_domain_interface *intf, const void *buf, size_t len)
{
    return ring_write(intf->req, &intf->req_cons, &intf->req_prod, buf, len);
}

long xs_ring_client_read(struct xenstore_domain_interface *intf, void *buf, size_t len)
{
    return ring_read(intf->rsp, &intf->rsp_cons, &intf->rsp_prod, buf, len);
}

static int ring_fail(struct xs_conn *c, struct xenstore_domain_interface *intf, uint32_t error)
{
    xsp_log("xenstore: domain %u ring %s: no longer served", c->domid,
            error == XENSTORE_ERROR_RINGIDX ? "indexes corrupt" : "protocol error");
    intf->error = error;
    c->broken = true;
    return -1;
}

static bool flush_to_ring(struct xs_conn *c, struct xenstore_domain_interface *intf, bool *moved)
{
    while (c->out_head) {
        const void *p;
        size_t l = xs_conn_output_peek(c, &p);
        long w = xs_ring_server_write(intf, p, l);

        if (w < 0)
            return false;
        if (!w)
            break;
        xs_conn_output_consume(c, (size_t)w);
        *moved = true;
    }
    return true;
}

int xs_conn_ring_service(struct xs_conn *c, struct xenstore_domain_interface *intf)
{
    char buf[XENSTORE_RING_SIZE];
    bool notify = false, progress = true;

    if (c->broken)
        return -1;
    while (progress) {
        progress = false;
        if (xs_conn_want_input(c) && xs_conn_input_room(c)) {
            size_t room = xs_conn_input_room(c);
            long r = xs_ring_server_read(intf, buf, room < sizeof(buf) ? room : sizeof(buf));

            if (r < 0)
                return ring_fail(c, intf, XENSTORE_ERROR_RINGIDX);
            if (r > 0) {
                notify = progress = true;
                if (xs_conn_feed(c, buf, (size_t)r) < 0) {
                    bool moved = false;

                    flush_to_ring(c, intf, &moved); /* the error reply, if it fits */
                    return ring_fail(c, intf, XENSTORE_ERROR_PROTO);
                }
            }
        }
        if (!flush_to_ring(c, intf, &progress))
            return ring_fail(c, intf, XENSTORE_ERROR_RINGIDX);
        if (progress)
            notify = true;
    }
    return notify ? 1 : 0;
}
