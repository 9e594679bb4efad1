/*
 * Unit tests of the portable core, in one process with no sockets: message
 * handling through xs_conn_feed, the shared-ring reader/writer with a ring
 * in ordinary memory (including corrupted indexes), and leak-free teardown.
 * Prints "ok NAME" or "FAIL NAME: ..." per test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_core.h"
#include "xs_internal.h"

extern int xsp_host_quiet;
static int passes, failures;
static const char *cur;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s: line %d: %s\n", cur, __LINE__, #cond);                                \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static void run(const char *name, int (*fn)(void))
{
    cur = name;
    if (fn() == 0) {
        printf("ok %s\n", name);
        passes++;
    } else {
        failures++;
    }
}

struct msg {
    struct xs_msg_hdr h;
    char body[XENSTORE_PAYLOAD_MAX + 1];
};

static size_t build(char *buf, uint32_t type, uint32_t req, uint32_t tx, const void *p,
                    uint32_t len)
{
    struct xs_msg_hdr h = {type, req, tx, len};

    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), p, len);
    return sizeof(h) + len;
}

/* Take the next queued output message of c. */
static int take(struct xs_conn *c, struct msg *m)
{
    char buf[sizeof(struct msg)];
    size_t have = 0;

    while (have < XS_HDR_SIZE || have < XS_HDR_SIZE + ((struct xs_msg_hdr *)buf)->len) {
        const void *p;
        size_t n = xs_conn_output_peek(c, &p);
        size_t want = have < XS_HDR_SIZE ? XS_HDR_SIZE - have
                                         : XS_HDR_SIZE + ((struct xs_msg_hdr *)buf)->len - have;

        if (!n)
            return -1;
        if (n > want)
            n = want;
        memcpy(buf + have, p, n);
        xs_conn_output_consume(c, n);
        have += n;
    }
    memcpy(&m->h, buf, XS_HDR_SIZE);
    memcpy(m->body, buf + XS_HDR_SIZE, m->h.len);
    m->body[m->h.len] = '\0';
    return 0;
}

static int call(struct xs_conn *c, uint32_t type, uint32_t tx, const void *p, uint32_t len,
                struct msg *m)
{
    char buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
    size_t n = build(buf, type, 7, tx, p, len);

    if (xs_conn_feed(c, buf, n) != (long)n)
        return -1;
    return take(c, m);
}

static struct xs_store *s;

/* A write is readable, listed in its parent, and removable. */
static int t_basic(void)
{
    struct xs_conn *c = xs_conn_new(s, 0, true, NULL);
    struct msg m;

    CHECK(c);
    CHECK(!call(c, XS_WRITE, 0, "/a/b\0hello", 10, &m) && m.h.type == XS_WRITE);
    CHECK(!call(c, XS_READ, 0, "/a/b", 5, &m) && m.h.type == XS_READ && m.h.len == 5);
    CHECK(!memcmp(m.body, "hello", 5) && m.h.req_id == 7);
    CHECK(!call(c, XS_DIRECTORY, 0, "/a", 3, &m) && m.h.len == 2 && !strcmp(m.body, "b"));
    CHECK(!call(c, XS_RM, 0, "/a", 3, &m) && m.h.type == XS_RM);
    CHECK(!call(c, XS_READ, 0, "/a/b", 5, &m) && m.h.type == XS_ERROR && !strcmp(m.body, "ENOENT"));
    CHECK(!call(c, XS_CONTROL, 0, "check", 6, &m) && m.h.type == XS_CONTROL);
    xs_conn_free(c);
    return 0;
}

/* A payload whose string is not nul-terminated gets EINVAL; the connection goes on. */
static int t_unterminated(void)
{
    struct xs_conn *c = xs_conn_new(s, 0, true, NULL);
    struct msg m;

    CHECK(!call(c, XS_READ, 0, "/local", 6, &m) && !strcmp(m.body, "EINVAL"));
    CHECK(!call(c, XS_READ, 0, "/local", 7, &m) && m.h.type == XS_READ);
    CHECK(!xs_conn_broken(c));
    xs_conn_free(c);
    return 0;
}

/* A header announcing more than XENSTORE_PAYLOAD_MAX bytes breaks the connection. */
static int t_oversized(void)
{
    struct xs_conn *c = xs_conn_new(s, 0, true, NULL);
    struct xs_msg_hdr h = {XS_READ, 3, 0, XENSTORE_PAYLOAD_MAX + 1};
    struct msg m;

    CHECK(xs_conn_feed(c, &h, sizeof(h)) == -1);
    CHECK(xs_conn_broken(c));
    CHECK(!take(c, &m) && m.h.type == XS_ERROR && !strcmp(m.body, "E2BIG") && m.h.req_id == 3);
    xs_conn_free(c);
    return 0;
}

static struct xenstore_domain_interface ring;

/* Requests through a ring in memory, enough to wrap the 1024-byte rings many times. */
static int t_ring_roundtrip(void)
{
    struct xs_conn *adm = xs_conn_new(s, 0, true, NULL), *c;
    struct msg m;
    char buf[256];

    CHECK(!call(adm, XS_WRITE, 0, "/ring/key\0value-in-store", 24, &m));
    CHECK(!call(adm, XS_INTRODUCE, 0,
                "5\0"
                "1234\0"
                "7",
                9, &m) &&
          m.h.type == XS_INTRODUCE);
    c = xs_conn_new(s, 5, false, NULL);
    memset(&ring, 0, sizeof(ring));
    ring.req_cons = ring.req_prod = ring.rsp_cons = ring.rsp_prod = 0xFFFFFF00u; /* wrap the u32 */
    for (int i = 0; i < 300; i++) {
        size_t n = build(buf, XS_GET_DOMAIN_PATH, (uint32_t)i, 0, "5", 2), got = 0;
        struct xs_msg_hdr h;
        char reply[64];

        CHECK(xs_ring_client_write(&ring, buf, n) == (long)n);
        CHECK(xs_conn_ring_service(c, &ring) == 1);
        while (got < XS_HDR_SIZE + 16) {
            long r = xs_ring_client_read(&ring, reply + got, sizeof(reply) - got);

            CHECK(r > 0);
            got += (size_t)r;
        }
        memcpy(&h, reply, sizeof(h));
        CHECK(h.type == XS_GET_DOMAIN_PATH && h.req_id == (uint32_t)i && h.len == 16);
        CHECK(!memcmp(reply + XS_HDR_SIZE, "/local/domain/5", 16));
    }
    CHECK(ring.error == XENSTORE_ERROR_NONE);
    xs_conn_free(c);
    xs_conn_free(adm);
    return 0;
}

/* A guest that pushes req_prod more than a ring ahead is cut off; the store is intact. */
static int t_ring_corrupt_req(void)
{
    struct xs_conn *adm = xs_conn_new(s, 0, true, NULL), *c = xs_conn_new(s, 5, false, NULL);
    struct msg m;

    memset(&ring, 0, sizeof(ring));
    ring.req_prod = XENSTORE_RING_SIZE + 1;
    CHECK(xs_conn_ring_service(c, &ring) == -1);
    CHECK(ring.error == XENSTORE_ERROR_RINGIDX && xs_conn_broken(c));
    CHECK(xs_conn_ring_service(c, &ring) == -1);
    CHECK(!call(adm, XS_READ, 0, "/ring/key", 10, &m) && !strcmp(m.body, "value-in-store"));
    CHECK(!call(adm, XS_CONTROL, 0, "check", 6, &m) && m.h.type == XS_CONTROL);
    xs_conn_free(c);
    xs_conn_free(adm);
    return 0;
}

/* A guest that moves rsp_cons past rsp_prod is cut off when a reply is due. */
static int t_ring_corrupt_rsp(void)
{
    struct xs_conn *c = xs_conn_new(s, 5, false, NULL);
    char buf[64];
    size_t n = build(buf, XS_GET_DOMAIN_PATH, 1, 0, "5", 2);

    memset(&ring, 0, sizeof(ring));
    ring.rsp_cons = 5000;
    CHECK(xs_ring_client_write(&ring, buf, n) == (long)n);
    CHECK(xs_conn_ring_service(c, &ring) == -1);
    CHECK(ring.error == XENSTORE_ERROR_RINGIDX);
    xs_conn_free(c);
    return 0;
}

/* An oversized length on the ring: an E2BIG reply, then the ring is no longer served. */
static int t_ring_oversized(void)
{
    struct xs_conn *c = xs_conn_new(s, 5, false, NULL);
    struct xs_msg_hdr h = {XS_READ, 9, 0, 100000}, r;

    memset(&ring, 0, sizeof(ring));
    CHECK(xs_ring_client_write(&ring, &h, sizeof(h)) == (long)sizeof(h));
    CHECK(xs_conn_ring_service(c, &ring) == -1);
    CHECK(ring.error == XENSTORE_ERROR_PROTO);
    CHECK(xs_ring_client_read(&ring, &r, sizeof(r)) == (long)sizeof(r));
    CHECK(r.type == XS_ERROR && r.req_id == 9);
    xs_conn_free(c);
    return 0;
}

/* A full reply ring holds output back until the guest consumes; nothing is lost. */
static int t_ring_backpressure(void)
{
    struct xs_conn *c = xs_conn_new(s, 5, false, NULL);
    char buf[64], out[4096];
    size_t n = build(buf, XS_GET_DOMAIN_PATH, 1, 0, "5", 2), got = 0;
    int sent = 0;

    memset(&ring, 0, sizeof(ring));
    for (int i = 0; i < 60; i++) {
        CHECK(xs_ring_client_write(&ring, buf, n) == (long)n);
        sent++;
        CHECK(xs_conn_ring_service(c, &ring) >= 0);
    }
    /* 60 replies of 32 bytes do not fit in 1024: drain and re-service until done. */
    while (got < (size_t)sent * 32) {
        long r = xs_ring_client_read(&ring, out, sizeof(out));

        CHECK(r >= 0);
        got += (size_t)r;
        CHECK(xs_conn_ring_service(c, &ring) >= 0);
        if (r == 0 && !xs_conn_has_output(c))
            break;
    }
    CHECK(got == (size_t)sent * 32);
    xs_conn_free(c);
    return 0;
}

/* Everything the core allocated is freed with the store. */
static int t_no_leak(void)
{
    xs_store_free(s);
    s = NULL;
    CHECK(xs_allocated() == 0);
    return 0;
}

int main(void)
{
    xsp_host_quiet = 1;
    s = xs_store_new(NULL, NULL, NULL);
    if (!s)
        return 1;
    run("core-basic", t_basic);
    run("core-unterminated-payload", t_unterminated);
    run("core-oversized-length", t_oversized);
    run("ring-roundtrip-wrap", t_ring_roundtrip);
    run("ring-corrupt-req-index", t_ring_corrupt_req);
    run("ring-corrupt-rsp-index", t_ring_corrupt_rsp);
    run("ring-oversized-length", t_ring_oversized);
    run("ring-backpressure", t_ring_backpressure);
    run("core-no-leak", t_no_leak);
    printf("core: %d passed, %d failed\n", passes, failures);
    return failures ? 1 : 0;
}
