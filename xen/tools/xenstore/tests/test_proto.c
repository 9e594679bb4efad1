/*
 * Protocol tests through xenstored's unix socket: every message type,
 * permissions, transactions and conflicts, watches, quotas and malformed
 * input. Usage: xs-test-proto SOCKET. Prints "ok NAME" or "FAIL NAME: ...".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <poll.h>
#include "xs_client.h"

static const char *sock;
static struct xs_handle *adm;
static int passes, failures;
static const char *cur;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s: line %d: %s (last error %s)\n", cur, __LINE__, #cond,                 \
                   adm ? xs_error(adm) : "-");                                                     \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)
#define ERR(h, name) (!strcmp(xs_error(h), name))

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

static int wr(struct xs_handle *h, uint32_t tx, const char *path, const char *v)
{
    return xs_write(h, tx, path, v, (uint32_t)strlen(v));
}

static bool value_is(struct xs_handle *h, uint32_t tx, const char *path, const char *want)
{
    char *v = xs_read(h, tx, path, NULL);
    bool ok = v && !strcmp(v, want);

    free(v);
    return ok;
}

/* A connection acting as domid, with a home /local/domain/<domid> it owns. */
static struct xs_handle *guest(uint32_t domid)
{
    char home[64], perm[16];
    const char *perms[1] = {perm};
    struct xs_handle *h;
    char *v = NULL;

    snprintf(home, sizeof(home), "/local/domain/%u", domid);
    snprintf(perm, sizeof(perm), "n%u", domid);
    xs_request(adm, XS_IS_DOMAIN_INTRODUCED, 0, home + 14, (uint32_t)strlen(home + 14) + 1, &v,
               NULL);
    if (!v || strcmp(v, "T"))
        if (xs_introduce(adm, domid, 1000 + domid, 1))
            return NULL;
    free(v);
    if (xs_mkdir(adm, 0, home) || xs_set_perms(adm, 0, home, perms, 1))
        return NULL;
    h = xs_open(sock);
    if (h && xs_act_as(h, domid)) {
        xs_close(h);
        return NULL;
    }
    return h;
}

/* Expect one event for path with token within a second. */
static bool event_is(struct xs_handle *h, const char *path, const char *token)
{
    char *p, *t;
    bool ok;

    if (xs_read_watch(h, &p, &t, 1000) != 1)
        return false;
    ok = !strcmp(p, path) && !strcmp(t, token);
    if (!ok)
        fprintf(stderr, "event %s %s, wanted %s %s\n", p, t, path, token);
    free(p);
    free(t);
    return ok;
}

static bool no_event(struct xs_handle *h)
{
    char *p, *t;
    int r = xs_read_watch(h, &p, &t, 100);

    if (r == 1) {
        fprintf(stderr, "unexpected event %s %s\n", p, t);
        free(p);
        free(t);
    }
    return r == 0;
}

/* WRITE creates missing parents; READ, DIRECTORY and MKDIR see them. */
static int t_write_read_dir(void)
{
    unsigned n;
    char **d;

    CHECK(!wr(adm, 0, "/t/rw/a/b", "1"));
    CHECK(value_is(adm, 0, "/t/rw/a/b", "1"));
    CHECK(value_is(adm, 0, "/t/rw/a", ""));
    CHECK(!xs_mkdir(adm, 0, "/t/rw/c"));
    CHECK(!xs_mkdir(adm, 0, "/t/rw/c")); /* existing: fine */
    d = xs_directory(adm, 0, "/t/rw", &n);
    CHECK(d && n == 2 && !strcmp(d[0], "a") && !strcmp(d[1], "c"));
    free(d);
    CHECK(!xs_read(adm, 0, "/t/rw/none", NULL) && ERR(adm, "ENOENT"));
    CHECK(!xs_directory(adm, 0, "/t/none", &n) && ERR(adm, "ENOENT"));
    return 0;
}

/* Values are bytes: embedded nuls and empty values survive. */
static int t_binary_value(void)
{
    uint32_t len;
    char *v;

    CHECK(!xs_write(adm, 0, "/t/bin", "a\0b", 3));
    v = xs_read(adm, 0, "/t/bin", &len);
    CHECK(v && len == 3 && !memcmp(v, "a\0b", 3));
    free(v);
    CHECK(!xs_write(adm, 0, "/t/bin", "", 0));
    v = xs_read(adm, 0, "/t/bin", &len);
    CHECK(v && len == 0);
    free(v);
    return 0;
}

/* RM removes the whole subtree; the root cannot be removed. */
static int t_rm(void)
{
    CHECK(!wr(adm, 0, "/t/rm/x/y/z", "v"));
    CHECK(!xs_rm(adm, 0, "/t/rm/x"));
    CHECK(!xs_read(adm, 0, "/t/rm/x/y/z", NULL) && ERR(adm, "ENOENT"));
    CHECK(xs_rm(adm, 0, "/t/rm/x") && ERR(adm, "ENOENT"));
    CHECK(xs_rm(adm, 0, "/") && ERR(adm, "EINVAL"));
    return 0;
}

/* Malformed paths get EINVAL. */
static int t_bad_paths(void)
{
    static const char *bad[] = {"/t//x", "/t/x/", "/t/x y", "", "/t/\x01", "@introduceDomain"};
    char big[3200];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK(wr(adm, 0, bad[i], "v") && ERR(adm, "EINVAL"));
    memset(big, 'a', sizeof(big) - 1);
    big[0] = '/';
    big[sizeof(big) - 1] = '\0';
    CHECK(wr(adm, 0, big, "v") && ERR(adm, "EINVAL"));
    return 0;
}

/* GET_PERMS and SET_PERMS: owner first, then per-domain entries. */
static int t_perms(void)
{
    const char *p[] = {"b3", "r4"};
    unsigned n;
    char **v;

    CHECK(!wr(adm, 0, "/t/perm", "x"));
    v = xs_get_perms(adm, 0, "/t/perm", &n);
    CHECK(v && n == 1 && !strcmp(v[0], "n0"));
    free(v);
    CHECK(!xs_set_perms(adm, 0, "/t/perm", p, 2));
    v = xs_get_perms(adm, 0, "/t/perm", &n);
    CHECK(v && n == 2 && !strcmp(v[0], "b3") && !strcmp(v[1], "r4"));
    free(v);
    {
        const char *badp[] = {"x3"};

        CHECK(xs_set_perms(adm, 0, "/t/perm", badp, 1) && ERR(adm, "EINVAL"));
    }
    return 0;
}

/* Domains see only what permissions allow; new nodes are owned by their creator. */
static int t_access(void)
{
    struct xs_handle *g1 = guest(11), *g2 = guest(12);
    const char *share[] = {"n11", "r12"};
    unsigned n;
    char **v;

    CHECK(g1 && g2);
    CHECK(!wr(adm, 0, "/t/secret", "s"));
    CHECK(!xs_read(g1, 0, "/t/secret", NULL) && ERR(g1, "EACCES"));
    CHECK(wr(g1, 0, "/t/secret", "x") && ERR(g1, "EACCES"));
    CHECK(wr(g1, 0, "/t/new", "x") && ERR(g1, "EACCES"));
    CHECK(!wr(g1, 0, "data/a", "mine"));
    CHECK(value_is(adm, 0, "/local/domain/11/data/a", "mine"));
    v = xs_get_perms(g1, 0, "data/a", &n);
    CHECK(v && n == 1 && !strcmp(v[0], "n11"));
    free(v);
    CHECK(!xs_read(g2, 0, "/local/domain/11/data/a", NULL) && ERR(g2, "EACCES"));
    CHECK(!xs_set_perms(g1, 0, "data/a", share, 2));
    CHECK(value_is(g2, 0, "/local/domain/11/data/a", "mine"));
    CHECK(wr(g2, 0, "/local/domain/11/data/a", "no") && ERR(g2, "EACCES"));
    {
        const char *give[] = {"n12"};

        CHECK(xs_set_perms(g1, 0, "data/a", give, 1) && ERR(g1, "EPERM"));
    }
    CHECK(xs_introduce(g1, 50, 1, 1) && ERR(g1, "EACCES"));
    CHECK(xs_release(g1, 12) && ERR(g1, "EACCES"));
    xs_close(g1);
    xs_close(g2);
    return 0;
}

/* SET_TARGET lets a device-model domain act with its target's permissions. */
static int t_set_target(void)
{
    struct xs_handle *dm = guest(21), *tg = guest(22);
    const char *args[] = {"21", "22"};
    char buf[16];

    CHECK(dm && tg);
    CHECK(!wr(tg, 0, "dev", "t"));
    CHECK(!xs_read(dm, 0, "/local/domain/22/dev", NULL) && ERR(dm, "EACCES"));
    memcpy(buf,
           "21\0"
           "22",
           6);
    (void)args;
    CHECK(!xs_request(adm, XS_SET_TARGET, 0, buf, 6, NULL, NULL));
    CHECK(value_is(dm, 0, "/local/domain/22/dev", "t"));
    CHECK(xs_request(adm, XS_SET_TARGET, 0,
                     "21\0"
                     "999",
                     7, NULL, NULL) &&
          ERR(adm, "ENOENT"));
    xs_close(dm);
    xs_close(tg);
    return 0;
}

/* GET_DOMAIN_PATH, IS_DOMAIN_INTRODUCED, RESUME, INTRODUCE/RELEASE with their watches. */
static int t_domains(void)
{
    char *v;
    struct xs_handle *w = xs_open(sock), *g;

    CHECK(w);
    v = xs_get_domain_path(adm, 31);
    CHECK(v && !strcmp(v, "/local/domain/31"));
    free(v);
    CHECK(!xs_request(adm, XS_IS_DOMAIN_INTRODUCED, 0, "31", 3, &v, NULL) && !strcmp(v, "F"));
    free(v);
    CHECK(!xs_watch(w, "@introduceDomain", "in") && event_is(w, "@introduceDomain", "in"));
    CHECK(!xs_watch(w, "@releaseDomain", "out") && event_is(w, "@releaseDomain", "out"));
    CHECK(!xs_introduce(adm, 31, 77, 3));
    CHECK(event_is(w, "@introduceDomain", "in"));
    CHECK(!xs_introduce(adm, 31, 77, 3)); /* same again: accepted */
    CHECK(xs_introduce(adm, 31, 78, 3) && ERR(adm, "EEXIST"));
    CHECK(xs_introduce(adm, 0, 78, 3) && ERR(adm, "EINVAL"));
    CHECK(!xs_request(adm, XS_IS_DOMAIN_INTRODUCED, 0, "31", 3, &v, NULL) && !strcmp(v, "T"));
    free(v);
    CHECK(!xs_request(adm, XS_RESUME, 0, "31", 3, NULL, NULL));
    CHECK(xs_request(adm, XS_RESUME, 0, "32", 3, NULL, NULL) && ERR(adm, "ENOENT"));
    g = guest(31);
    CHECK(g);
    CHECK(!xs_release(adm, 31));
    CHECK(event_is(w, "@releaseDomain", "out"));
    /* The released domain's connection is closed. */
    CHECK(!xs_read(g, 0, "/local/domain/31", NULL) && ERR(g, "EIO"));
    CHECK(xs_release(adm, 31) && ERR(adm, "ENOENT"));
    xs_close(g);
    xs_close(w);
    return 0;
}

/* A transaction sees its own writes; others see them only after commit. */
static int t_tx_isolation(void)
{
    uint32_t tx = xs_transaction_start(adm);

    CHECK(tx);
    CHECK(!wr(adm, tx, "/t/tx/a", "in-tx"));
    CHECK(value_is(adm, tx, "/t/tx/a", "in-tx"));
    CHECK(!xs_read(adm, 0, "/t/tx/a", NULL) && ERR(adm, "ENOENT"));
    CHECK(!xs_transaction_end(adm, tx, false));
    CHECK(value_is(adm, 0, "/t/tx/a", "in-tx"));
    tx = xs_transaction_start(adm);
    CHECK(!wr(adm, tx, "/t/tx/a", "aborted") && !xs_rm(adm, tx, "/t/tx"));
    CHECK(!xs_transaction_end(adm, tx, true));
    CHECK(value_is(adm, 0, "/t/tx/a", "in-tx"));
    CHECK(xs_transaction_end(adm, tx, false) && ERR(adm, "ENOENT"));
    CHECK(!xs_read(adm, 12345, "/t/tx/a", NULL) && ERR(adm, "ENOENT"));
    return 0;
}

/* Two transactions touching the same node: the second commit gets EAGAIN. */
static int t_tx_conflict(void)
{
    struct xs_handle *b = xs_open(sock);
    uint32_t t1 = xs_transaction_start(adm), t2 = xs_transaction_start(b);
    char *v;

    CHECK(b && t1 && t2);
    CHECK(!wr(adm, 0, "/t/c/n", "0"));
    xs_transaction_end(adm, t1, true);
    xs_transaction_end(b, t2, true);
    t1 = xs_transaction_start(adm);
    t2 = xs_transaction_start(b);
    v = xs_read(adm, t1, "/t/c/n", NULL);
    free(v);
    v = xs_read(b, t2, "/t/c/n", NULL);
    free(v);
    CHECK(!wr(adm, t1, "/t/c/n", "1"));
    CHECK(!wr(b, t2, "/t/c/n", "2"));
    CHECK(!xs_transaction_end(adm, t1, false));
    CHECK(xs_transaction_end(b, t2, false) && ERR(b, "EAGAIN"));
    CHECK(value_is(adm, 0, "/t/c/n", "1"));
    /* A plain write between a transaction's read and commit also conflicts. */
    t1 = xs_transaction_start(adm);
    v = xs_read(adm, t1, "/t/c/n", NULL);
    free(v);
    CHECK(!wr(adm, t1, "/t/c/m", "x"));
    CHECK(!wr(b, 0, "/t/c/n", "3"));
    CHECK(xs_transaction_end(adm, t1, false) && ERR(adm, "EAGAIN"));
    CHECK(!xs_read(adm, 0, "/t/c/m", NULL));
    /* Disjoint transactions both commit. */
    CHECK(!wr(adm, 0, "/t/c/p/x", "0") && !wr(adm, 0, "/t/c/q/x", "0"));
    t1 = xs_transaction_start(adm);
    t2 = xs_transaction_start(b);
    CHECK(!wr(adm, t1, "/t/c/p/x", "1") && !wr(b, t2, "/t/c/q/x", "1"));
    CHECK(!xs_transaction_end(adm, t1, false) && !xs_transaction_end(b, t2, false));
    xs_close(b);
    return 0;
}

/* Nested TRANSACTION_START is refused; many transactions may be open at once. */
static int t_tx_many(void)
{
    uint32_t ids[200];
    char path[64];

    CHECK(xs_request(adm, XS_TRANSACTION_START, 5, "", 1, NULL, NULL) && ERR(adm, "EBUSY"));
    for (int i = 0; i < 200; i++) {
        ids[i] = xs_transaction_start(adm);
        CHECK(ids[i]);
        snprintf(path, sizeof(path), "/t/many/%d", i);
        CHECK(!wr(adm, ids[i], path, "v"));
    }
    for (int i = 0; i < 200; i++)
        CHECK(!xs_transaction_end(adm, ids[i], false) || ERR(adm, "EAGAIN"));
    CHECK(value_is(adm, 0, "/t/many/0", "v"));
    CHECK(xs_request(adm, XS_TRANSACTION_END, 0, "X", 2, NULL, NULL));
    return 0;
}

/* A watch fires once when set, on changes at or below its path, with its token. */
static int t_watch_basic(void)
{
    struct xs_handle *w = xs_open(sock);

    CHECK(w && !wr(adm, 0, "/t/w/x", "0"));
    CHECK(!xs_watch(w, "/t/w", "tok"));
    CHECK(event_is(w, "/t/w", "tok"));
    CHECK(no_event(w));
    CHECK(!wr(adm, 0, "/t/w/x", "1") && event_is(w, "/t/w/x", "tok"));
    CHECK(!wr(adm, 0, "/t/w/deep/er", "1") && event_is(w, "/t/w/deep/er", "tok"));
    CHECK(!wr(adm, 0, "/t/other", "1") && no_event(w));
    CHECK(!wr(adm, 0, "/t/wx", "1") && no_event(w));
    CHECK(xs_watch(w, "/t/w", "tok") && ERR(w, "EEXIST"));
    CHECK(!xs_unwatch(w, "/t/w", "tok"));
    CHECK(xs_unwatch(w, "/t/w", "tok") && ERR(w, "ENOENT"));
    CHECK(!wr(adm, 0, "/t/w/x", "2") && no_event(w));
    xs_close(w);
    return 0;
}

/* Removing a parent fires watches set on its children; transactions fire at commit. */
static int t_watch_rm_tx(void)
{
    struct xs_handle *w = xs_open(sock);
    uint32_t tx;

    CHECK(w && !wr(adm, 0, "/t/wr/a/b", "0"));
    CHECK(!xs_watch(w, "/t/wr/a/b", "child") && event_is(w, "/t/wr/a/b", "child"));
    CHECK(!xs_rm(adm, 0, "/t/wr/a") && event_is(w, "/t/wr/a/b", "child"));
    CHECK(!xs_watch(w, "/t/wt", "tx") && event_is(w, "/t/wt", "tx"));
    tx = xs_transaction_start(adm);
    CHECK(!wr(adm, tx, "/t/wt/k", "v") && no_event(w));
    CHECK(!xs_transaction_end(adm, tx, false) && event_is(w, "/t/wt/k", "tx"));
    tx = xs_transaction_start(adm);
    CHECK(!wr(adm, tx, "/t/wt/k", "w") && !xs_transaction_end(adm, tx, true) && no_event(w));
    xs_close(w);
    return 0;
}

/* Relative watches report relative paths; unreadable nodes fire no event. */
static int t_watch_relative_perm(void)
{
    struct xs_handle *g = guest(41);

    CHECK(g);
    CHECK(!xs_watch(g, "dev", "rel") && event_is(g, "dev", "rel"));
    CHECK(!wr(adm, 0, "/local/domain/41/dev/vif", "1") && event_is(g, "dev/vif", "rel"));
    CHECK(!xs_watch(g, "/t/hidden", "abs") && event_is(g, "/t/hidden", "abs"));
    CHECK(!wr(adm, 0, "/t/hidden", "1") && no_event(g));
    CHECK(!xs_request(g, XS_RESET_WATCHES, 0, "", 1, NULL, NULL));
    CHECK(!wr(adm, 0, "/local/domain/41/dev/vif", "2") && no_event(g));
    xs_close(g);
    return 0;
}

/* Watch events are queued without loss while the watcher is not reading. */
static int t_watch_no_loss(void)
{
    struct xs_handle *w = xs_open(sock);
    int n = 0;

    CHECK(w && !xs_watch(w, "/t/flood", "f") && event_is(w, "/t/flood", "f"));
    for (int i = 0; i < 5000; i++) {
        char v[16];

        snprintf(v, sizeof(v), "%d", i);
        CHECK(!wr(adm, 0, "/t/flood/k", v));
    }
    for (;;) {
        char *p, *t;

        if (xs_read_watch(w, &p, &t, 1000) != 1)
            break;
        n++;
        free(p);
        free(t);
    }
    CHECK(n == 5000);
    xs_close(w);
    return 0;
}

static int set_quota(const char *dom, const char *name, const char *val)
{
    char buf[64];
    int l = snprintf(buf, sizeof(buf), "%s%c%s%c%s", dom, 0, name, 0, val);

    return xs_request(adm, XS_SET_QUOTA, 0, buf, (uint32_t)l + 1, NULL, NULL);
}

/* Per-domain quotas: nodes, value size, watches, transactions, permissions. */
static int t_quotas(void)
{
    struct xs_handle *g = guest(51);
    char path[64];
    uint32_t tx[4];
    const char *many[] = {"n51", "r1", "r2", "r3"};
    int i;

    CHECK(g);
    CHECK(!set_quota("51", "nodes", "20") && !set_quota("51", "value-size", "100"));
    CHECK(!set_quota("51", "watches", "3") && !set_quota("51", "transactions", "2"));
    CHECK(!set_quota("51", "permissions", "3"));
    for (i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "n%d", i);
        if (wr(g, 0, path, "v"))
            break;
    }
    CHECK(i < 100 && ERR(g, "EQUOTA"));
    CHECK(!xs_rm(g, 0, "n0") && !wr(g, 0, "again", "v")); /* room again after a removal */
    {
        char big[200];

        memset(big, 'x', sizeof(big));
        CHECK(xs_write(g, 0, "n1", big, 101) && ERR(g, "E2BIG"));
        CHECK(!xs_write(g, 0, "n1", big, 100));
        CHECK(!xs_write(adm, 0, "/local/domain/51/n1", big, 200)); /* dom0 is exempt */
    }
    CHECK(!xs_watch(g, "a", "1") && !xs_watch(g, "b", "1") && !xs_watch(g, "c", "1"));
    CHECK(xs_watch(g, "d", "1") && ERR(g, "EQUOTA"));
    tx[0] = xs_transaction_start(g);
    tx[1] = xs_transaction_start(g);
    CHECK(tx[0] && tx[1]);
    CHECK(!xs_transaction_start(g) && ERR(g, "EQUOTA"));
    CHECK(!xs_transaction_end(g, tx[0], true));
    CHECK((tx[2] = xs_transaction_start(g)) != 0);
    CHECK(xs_set_perms(g, 0, "n1", many, 4) && ERR(g, "EQUOTA"));
    /* A transaction may touch only so many nodes; its commit then fails too. */
    CHECK(!set_quota("51", "transaction-nodes", "8"));
    CHECK(!xs_transaction_end(g, tx[1], true));
    CHECK((tx[1] = xs_transaction_start(g)) != 0);
    for (i = 0; i < 20; i++) {
        snprintf(path, sizeof(path), "absent%d", i);
        if (!xs_read(g, tx[1], path, NULL) && !ERR(g, "ENOENT"))
            break;
    }
    CHECK(i < 20 && ERR(g, "EQUOTA"));
    CHECK(xs_transaction_end(g, tx[1], false) && ERR(g, "EQUOTA"));
    {
        char *v;

        CHECK(!xs_request(adm, XS_GET_QUOTA, 0, "51\0nodes", 9, &v, NULL) && !strcmp(v, "20"));
        free(v);
        CHECK(!xs_request(adm, XS_GET_QUOTA, 0, "nodes", 6, &v, NULL) && !strcmp(v, "1000"));
        free(v);
        CHECK(!xs_request(adm, XS_GET_QUOTA, 0, "", 1, &v, NULL) && !strcmp(v, "nodes"));
        free(v);
        CHECK(xs_request(g, XS_GET_QUOTA, 0, "nodes", 6, NULL, NULL) && ERR(g, "EACCES"));
        CHECK(set_quota("51", "bogus", "1") && ERR(adm, "EINVAL"));
    }
    xs_close(g);
    return 0;
}

/* Raw socket for malformed input. */
static int raw_open(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    strcpy(sa.sun_path, sock);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Outstanding-replies quota: a domain pipelining 2000 requests is slowed by
 * backpressure, never failed; every reply arrives, in order.
 */
static int t_outstanding(void)
{
    struct xs_handle *g = guest(61);
    int fd = xs_fd(g), got = 0;
    static char out[2000 * 19], rbuf[65536];
    size_t have = 0, sent = 0;

    CHECK(g && !set_quota("61", "outstanding", "4"));
    for (int i = 0; i < 2000; i++) {
        struct xs_msg_hdr h = {XS_GET_DOMAIN_PATH, (uint32_t)i, 0, 3};

        memcpy(out + i * 19, &h, sizeof(h));
        memcpy(out + i * 19 + sizeof(h), "61", 3);
    }
    while (got < 2000) {
        struct pollfd p = {fd, POLLIN | (sent < sizeof(out) ? POLLOUT : 0), 0};
        ssize_t r;

        CHECK(poll(&p, 1, 2000) == 1);
        if (p.revents & POLLOUT) {
            r = send(fd, out + sent, sizeof(out) - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            CHECK(r > 0);
            sent += (size_t)r;
        }
        if (!(p.revents & POLLIN))
            continue;
        r = read(fd, rbuf + have, sizeof(rbuf) - have);
        CHECK(r > 0);
        have += (size_t)r;
        while (have >= 16) {
            struct xs_msg_hdr h;

            memcpy(&h, rbuf, sizeof(h));
            if (have < 16 + h.len)
                break;
            CHECK(h.type == XS_GET_DOMAIN_PATH && h.req_id == (uint32_t)got);
            got++;
            memmove(rbuf, rbuf + 16 + h.len, have - 16 - h.len);
            have -= 16 + h.len;
        }
    }
    xs_close(g);
    return 0;
}

/* Bad message types and unterminated payloads get errors; the connection goes on. */
static int t_bad_messages(void)
{
    CHECK(xs_request(adm, XS_WATCH_EVENT, 0, "x", 2, NULL, NULL) && ERR(adm, "EINVAL"));
    CHECK(xs_request(adm, XS_ERROR, 0, "x", 2, NULL, NULL) && ERR(adm, "EINVAL"));
    CHECK(xs_request(adm, 20, 0, "x", 2, NULL, NULL) && ERR(adm, "ENOSYS"));
    CHECK(xs_request(adm, 999, 0, "", 0, NULL, NULL) && ERR(adm, "EINVAL"));
    CHECK(xs_request(adm, XS_READ, 0, "/t", 2, NULL, NULL) && ERR(adm, "EINVAL"));
    CHECK(xs_request(adm, XS_WRITE, 0, "/t/nonul", 8, NULL, NULL) && ERR(adm, "EINVAL"));
    CHECK(xs_request(adm, XS_CONTROL, 0, "nosuch", 7, NULL, NULL) && ERR(adm, "EINVAL"));
    CHECK(!xs_request(adm, XS_CONTROL, 0, "check", 6, NULL, NULL));
    return 0;
}

/* An oversized length closes that connection only; stored data is intact. */
static int t_oversized_and_garbage(void)
{
    int fd = raw_open();
    struct xs_msg_hdr h = {XS_WRITE, 1, 0, 1u << 20}, r;
    char junk[300];

    CHECK(fd >= 0 && !wr(adm, 0, "/t/keep", "safe"));
    CHECK(write(fd, &h, sizeof(h)) == sizeof(h));
    CHECK(read(fd, &r, sizeof(r)) == sizeof(r) && r.type == XS_ERROR);
    CHECK(read(fd, junk, 6) == 6 && !memcmp(junk, "E2BIG", 6));
    CHECK(read(fd, junk, 1) == 0); /* closed */
    close(fd);
    /* A truncated message followed by a hang-up. */
    fd = raw_open();
    h.len = 100;
    CHECK(write(fd, &h, sizeof(h)) == sizeof(h) && write(fd, "/t/x", 4) == 4);
    close(fd);
    /* Random garbage. */
    fd = raw_open();
    srand(7);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)rand();
    CHECK(write(fd, junk, sizeof(junk)) == sizeof(junk));
    close(fd);
    CHECK(value_is(adm, 0, "/t/keep", "safe"));
    CHECK(!xs_request(adm, XS_CONTROL, 0, "check", 6, NULL, NULL));
    return 0;
}

/* DIRECTORY over the payload limit is E2BIG; DIRECTORY_PART pages through it all. */
static int t_directory_part(void)
{
    char path[64], *r, *gen = NULL;
    uint32_t len, off = 0;
    int seen = 0;
    unsigned n;

    for (int i = 0; i < 400; i++) {
        snprintf(path, sizeof(path), "/t/big/child-number-%04d", i);
        CHECK(!wr(adm, 0, path, ""));
    }
    CHECK(!xs_directory(adm, 0, "/t/big", &n) && ERR(adm, "E2BIG"));
    for (;;) {
        char req[64];
        int l = snprintf(req, sizeof(req), "/t/big%c%u", 0, off);
        uint32_t k;

        CHECK(!xs_request(adm, XS_DIRECTORY_PART, 0, req, (uint32_t)l + 1, &r, &len));
        k = (uint32_t)strlen(r) + 1;
        if (!gen)
            gen = strdup(r);
        CHECK(!strcmp(gen, r));
        while (k < len && r[k]) {
            seen++;
            off += (uint32_t)strlen(r + k) + 1;
            k += (uint32_t)strlen(r + k) + 1;
        }
        free(r);
        if (k < len)
            break; /* the empty name: end of list */
    }
    free(gen);
    CHECK(seen == 400);
    return 0;
}

/* GET_FEATURE / SET_FEATURE on an introduced domain. */
static int t_features(void)
{
    char *v;

    CHECK(!xs_introduce(adm, 71, 1, 1) || ERR(adm, "EEXIST"));
    CHECK(!xs_request(adm, XS_SET_FEATURE, 0,
                      "71\0"
                      "1",
                      5, NULL, NULL));
    CHECK(!xs_request(adm, XS_GET_FEATURE, 0, "71", 3, &v, NULL) && !strcmp(v, "1"));
    free(v);
    CHECK(xs_request(adm, XS_SET_FEATURE, 0,
                     "71\0"
                     "64",
                     6, NULL, NULL) &&
          ERR(adm, "EINVAL"));
    CHECK(xs_request(adm, XS_GET_FEATURE, 0, "72", 3, NULL, NULL) && ERR(adm, "ENOENT"));
    return 0;
}

/* act-as needs an introduced domain and a privileged, fresh connection. */
static int t_act_as(void)
{
    struct xs_handle *h = xs_open(sock);

    CHECK(h);
    CHECK(xs_act_as(h, 4000) && ERR(h, "ENOENT"));
    CHECK(!xs_watch(h, "/t", "x"));
    CHECK(xs_act_as(h, 11) && ERR(h, "EBUSY"));
    CHECK(!xs_unwatch(h, "/t", "x"));
    CHECK(!xs_act_as(h, 11));
    CHECK(xs_act_as(h, 12) && ERR(h, "EACCES"));
    xs_close(h);
    return 0;
}

/* Random requests (types, transaction ids, payload bytes) as dom0 and as a guest. */
static int t_fuzz(void)
{
    static const char alphabet[] = "/ab01_-@\0\0TF";
    struct xs_handle *g = guest(81);
    char buf[256];

    CHECK(g);
    srand(1234);
    for (int i = 0; i < 6000; i++) {
        struct xs_handle *h = (i & 1) ? g : adm;
        uint32_t type = (uint32_t)(rand() % 30), len = (uint32_t)(rand() % 64);

        if (type == XS_RELEASE || type == XS_SET_QUOTA || type == XS_RESET_WATCHES ||
            type == XS_CONTROL)
            continue; /* keep the test's own domains and limits */
        for (uint32_t k = 0; k < len; k++)
            buf[k] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
        if (rand() % 2)
            buf[0] = '/';
        /* Any answer is fine; the connection must stay usable. */
        xs_request(h, type, (uint32_t)(rand() % 4), buf, len, NULL, NULL);
        CHECK(strcmp(xs_error(h), "EIO"));
    }
    CHECK(!xs_request(adm, XS_CONTROL, 0, "check", 6, NULL, NULL));
    CHECK(!wr(g, 0, "still", "works") && value_is(g, 0, "still", "works"));
    xs_close(g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xs-test-proto SOCKET\n");
        return 2;
    }
    sock = argv[1];
    adm = xs_open(sock);
    if (!adm) {
        perror("xs-test-proto: connect");
        return 1;
    }
    run("write-read-directory", t_write_read_dir);
    run("binary-values", t_binary_value);
    run("rm-subtree", t_rm);
    run("bad-paths", t_bad_paths);
    run("get-set-perms", t_perms);
    run("domain-access", t_access);
    run("set-target", t_set_target);
    run("introduce-release-domains", t_domains);
    run("transaction-isolation", t_tx_isolation);
    run("transaction-conflict", t_tx_conflict);
    run("transaction-many", t_tx_many);
    run("watch-basic", t_watch_basic);
    run("watch-rm-and-transaction", t_watch_rm_tx);
    run("watch-relative-and-perms", t_watch_relative_perm);
    run("watch-no-loss", t_watch_no_loss);
    run("quotas", t_quotas);
    run("outstanding-quota", t_outstanding);
    run("bad-messages", t_bad_messages);
    run("oversized-and-garbage", t_oversized_and_garbage);
    run("directory-part", t_directory_part);
    run("features", t_features);
    run("act-as", t_act_as);
    run("fuzz-random-requests", t_fuzz);
    xs_close(adm);
    printf("proto: %d passed, %d failed\n", passes, failures);
    return failures ? 1 : 0;
}
