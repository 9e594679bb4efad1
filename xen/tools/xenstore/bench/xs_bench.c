/*
 * Benchmark of xenstored over its socket with many simulated domains:
 * reads, writes and transactions per second (pipelined across all domains,
 * and one request at a time), watch-event latency, and store memory per
 * domain. Usage: xs-bench SOCKET DOMAINS RUNS. Prints medians of RUNS runs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "xs_client.h"

struct dconn {
    int fd;
    uint32_t domid;
    char wbuf[16384];
    size_t wlen;
    char rbuf[65536];
    size_t rlen, roff;
};

static const char *sock;
static struct dconn *doms;
static int ndoms;
static long errors;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int raw_connect(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("xs-bench: connect");
    return fd;
}

static void queue(struct dconn *d, uint32_t type, uint32_t rid, uint32_t tx, const void *p,
                  uint32_t len)
{
    struct xs_msg_hdr h = {type, rid, tx, len};

    memcpy(d->wbuf + d->wlen, &h, sizeof(h));
    memcpy(d->wbuf + d->wlen + sizeof(h), p, len);
    d->wlen += sizeof(h) + len;
}

static void flush(struct dconn *d)
{
    size_t off = 0;

    while (off < d->wlen) {
        ssize_t n = send(d->fd, d->wbuf + off, d->wlen - off, MSG_NOSIGNAL);

        if (n <= 0)
            die("xs-bench: write");
        off += (size_t)n;
    }
    d->wlen = 0;
}

/* Next message from d (skipping nothing); body is valid until the next call. */
static void next_msg(struct dconn *d, struct xs_msg_hdr *h, char **body)
{
    for (;;) {
        size_t have = d->rlen - d->roff;

        if (have >= sizeof(*h)) {
            memcpy(h, d->rbuf + d->roff, sizeof(*h));
            if (have >= sizeof(*h) + h->len) {
                *body = d->rbuf + d->roff + sizeof(*h);
                d->roff += sizeof(*h) + h->len;
                return;
            }
        }
        memmove(d->rbuf, d->rbuf + d->roff, have);
        d->rlen = have;
        d->roff = 0;
        ssize_t n = read(d->fd, d->rbuf + d->rlen, sizeof(d->rbuf) - d->rlen);

        if (n <= 0)
            die("xs-bench: read");
        d->rlen += (size_t)n;
    }
}

/* Next reply (not a watch event). */
static uint32_t reply(struct dconn *d, char **body)
{
    struct xs_msg_hdr h;

    do
        next_msg(d, &h, body);
    while (h.type == XS_WATCH_EVENT);
    if (h.type == XS_ERROR)
        errors++;
    return h.type;
}

static void setup(struct xs_handle *adm)
{
    doms = calloc((size_t)ndoms, sizeof(*doms));
    if (!doms)
        die("xs-bench: calloc");
    for (int i = 0; i < ndoms; i++) {
        uint32_t domid = (uint32_t)i + 1;
        char home[64], perm[16];
        const char *perms[1] = {perm};
        char *body;

        snprintf(home, sizeof(home), "/local/domain/%u", domid);
        snprintf(perm, sizeof(perm), "n%u", domid);
        if (xs_introduce(adm, domid, 100000 + domid, 1) || xs_mkdir(adm, 0, home) ||
            xs_set_perms(adm, 0, home, perms, 1)) {
            fprintf(stderr, "xs-bench: setting up domain %u: %s\n", domid, xs_error(adm));
            exit(1);
        }
        doms[i].domid = domid;
        doms[i].fd = raw_connect();
        snprintf(home, sizeof(home), "act-as%c%u", 0, domid);
        queue(&doms[i], XS_CONTROL, 1, 0, home, (uint32_t)(7 + strlen(home + 7) + 1));
        flush(&doms[i]);
        if (reply(&doms[i], &body) != XS_CONTROL) {
            fprintf(stderr, "xs-bench: act-as %u failed\n", domid);
            exit(1);
        }
    }
}

/* ops requests spread over all domains, depth in flight per domain; ops/s. */
static double phase(uint32_t type, int total, int depth, int key_space)
{
    double t0 = now();
    int done = 0, round = 0;

    while (done < total) {
        int this_round = 0;

        for (int i = 0; i < ndoms && done + this_round < total; i++) {
            for (int k = 0; k < depth && done + this_round < total; k++) {
                char p[64];
                int l, key = (round * depth + k) % key_space;

                if (type == XS_WRITE)
                    l = snprintf(p, sizeof(p), "data/k%d%cvalue-%d", key, 0, round) + 0;
                else
                    l = snprintf(p, sizeof(p), "data/k%d", key) + 1;
                queue(&doms[i], type, (uint32_t)k, 0, p, (uint32_t)l);
                this_round++;
            }
            flush(&doms[i]);
        }
        for (int i = 0, left = this_round; left > 0 && i < ndoms; i++)
            for (int k = 0; k < depth && left > 0; k++, left--) {
                char *b;

                reply(&doms[i], &b);
            }
        done += this_round;
        round++;
    }
    return total / (now() - t0);
}

/* Transactions: start, write, commit, across all domains; commits/s. */
static double tx_phase(int total)
{
    double t0 = now();
    int done = 0;
    uint32_t *ids = calloc((size_t)ndoms, sizeof(*ids));

    while (done < total) {
        int n = total - done < ndoms ? total - done : ndoms;

        for (int i = 0; i < n; i++) {
            queue(&doms[i], XS_TRANSACTION_START, 1, 0, "", 1);
            flush(&doms[i]);
        }
        for (int i = 0; i < n; i++) {
            char *b;

            ids[i] = reply(&doms[i], &b) == XS_TRANSACTION_START ? (uint32_t)atoi(b) : 0;
        }
        for (int i = 0; i < n; i++) {
            char p[64];
            int l = snprintf(p, sizeof(p), "data/tx%cv%d", 0, done);

            queue(&doms[i], XS_WRITE, 2, ids[i], p, (uint32_t)l);
            queue(&doms[i], XS_TRANSACTION_END, 3, ids[i], "T", 2);
            flush(&doms[i]);
        }
        for (int i = 0; i < n; i++) {
            char *b;

            reply(&doms[i], &b);
            reply(&doms[i], &b);
        }
        done += n;
    }
    free(ids);
    return total / (now() - t0);
}

/* Watch latency: domain 1 watches its home; dom0 writes; time to the event (us). */
static void watch_latency(struct xs_handle *adm, int count, double *med, double *p99)
{
    struct dconn *w = &doms[0];
    double *lat = calloc((size_t)count, sizeof(*lat));
    struct xs_msg_hdr h;
    char *b;
    int admfd = raw_connect();
    struct dconn a = {.fd = admfd};

    (void)adm;
    queue(w, XS_WATCH, 9, 0, "data/w\0tok", 11);
    flush(w);
    reply(w, &b);
    next_msg(w, &h, &b); /* the initial event */
    for (int i = 0; i < count; i++) {
        char p[64];
        int l = snprintf(p, sizeof(p), "/local/domain/1/data/w%c%d", 0, i);
        double t0 = now();

        queue(&a, XS_WRITE, 1, 0, p, (uint32_t)l);
        flush(&a);
        do
            next_msg(w, &h, &b);
        while (h.type != XS_WATCH_EVENT);
        lat[i] = (now() - t0) * 1e6;
        reply(&a, &b);
    }
    *med = median(lat, count);
    *p99 = lat[count * 99 / 100];
    queue(w, XS_UNWATCH, 9, 0, "data/w\0tok", 11);
    flush(w);
    reply(w, &b);
    close(admfd);
    free(lat);
}

/* CPU seconds the daemon has run so far (/proc/PID/schedstat, nanoseconds). */
static long daemon_pid;
static double daemon_cpu(void)
{
    char path[64];
    unsigned long long ns = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/schedstat", daemon_pid);
    f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%llu", &ns) != 1)
        ns = 0;
    fclose(f);
    return (double)ns / 1e9;
}

static long rss_kb(long pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = atol(line + 6);
    fclose(f);
    return kb;
}

static long store_bytes(struct xs_handle *adm)
{
    char *r;
    uint32_t len;
    long bytes = -1;

    if (xs_request(adm, XS_CONTROL, 0, "stats", 6, &r, &len))
        return -1;
    for (uint32_t k = 0; k < len; k += (uint32_t)strlen(r + k) + 1)
        if (!strncmp(r + k, "bytes=", 6))
            bytes = atol(r + k + 6);
    free(r);
    return bytes;
}

int main(int argc, char **argv)
{
    struct xs_handle *adm;
    int runs;
    long pid, rss0, rss1, bytes0, bytes1;
    double w1[16], wp[16], r1[16], rp[16], tx[16], lm[16], l99[16], s1[16], cw[16], cr[16];

    if (argc != 5) {
        fprintf(stderr, "usage: xs-bench SOCKET DOMAINS RUNS DAEMON_PID\n");
        return 2;
    }
    sock = argv[1];
    ndoms = atoi(argv[2]);
    runs = atoi(argv[3]);
    pid = atol(argv[4]);
    daemon_pid = pid;
    if (ndoms < 1 || runs < 1 || runs > 16)
        return 2;
    adm = xs_open(sock);
    if (!adm)
        die("xs-bench: connect");
    rss0 = rss_kb(pid);
    bytes0 = store_bytes(adm);
    setup(adm);
    /* Ten nodes per domain, written by the domains themselves. */
    phase(XS_WRITE, ndoms * 10, 10, 10);
    rss1 = rss_kb(pid);
    bytes1 = store_bytes(adm);
    for (int r = 0; r < runs; r++) {
        double c0 = daemon_cpu();

        wp[r] = phase(XS_WRITE, 200000, 16, 10);
        cw[r] = 200000 / (daemon_cpu() - c0 + 1e-9);
        c0 = daemon_cpu();
        rp[r] = phase(XS_READ, 200000, 16, 10);
        cr[r] = 200000 / (daemon_cpu() - c0 + 1e-9);
        w1[r] = phase(XS_WRITE, 20000, 1, 10);
        r1[r] = phase(XS_READ, 20000, 1, 10);
        tx[r] = tx_phase(20000);
        {
            int saved = ndoms;

            ndoms = 1; /* one domain, strictly one request at a time */
            s1[r] = phase(XS_READ, 20000, 1, 10);
            ndoms = saved;
        }
        watch_latency(adm, 2000, &lm[r], &l99[r]);
    }
    printf("xenstore bench: %d domains, each its own connection; medians of %d runs\n", ndoms,
           runs);
    printf("  writes/s  pipelined (16 in flight per domain): %.0f\n", median(wp, runs));
    printf("  reads/s   pipelined (16 in flight per domain): %.0f\n", median(rp, runs));
    printf("  daemon CPU: %.0f writes, %.0f reads per CPU-second (pipelined phases)\n",
           median(cw, runs), median(cr, runs));
    printf("  writes/s  one request in flight per domain:    %.0f\n", median(w1, runs));
    printf("  reads/s   one request in flight per domain:    %.0f\n", median(r1, runs));
    printf("  reads/s   one domain, one request at a time:   %.0f\n", median(s1, runs));
    printf("  transactions/s (start, write, commit):        %.0f\n", median(tx, runs));
    printf("  watch event latency: median %.1f us, p99 %.1f us\n", median(lm, runs),
           median(l99, runs));
    printf("  memory per domain (10 nodes, 1 connection): store %.0f bytes, daemon RSS %.1f KiB\n",
           (double)(bytes1 - bytes0) / ndoms, (double)(rss1 - rss0) / ndoms);
    printf("  error replies: %ld\n", errors);
    xs_close(adm);
    return errors ? 1 : 0;
}
