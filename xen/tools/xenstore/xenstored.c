/*
 * xenstored for the host: serves the xenstore core over a unix socket.
 * Every connection acts as a domain; by default dom0 and privileged. A
 * privileged connection may switch to an introduced domain with
 * XS_CONTROL "act-as\0<domid>\0" (see README.md), which is how tests and
 * benchmarks simulate many domains.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>
#include "xs_core.h"

struct client {
    int fd;
    size_t index; /* in clients[] */
    struct xs_conn *conn;
    struct client *pnext; /* pending list */
    struct client *dnext; /* closed, to be freed */
    bool pending, paused, out_armed, dead;
};

static struct xs_store *store;
static int epfd;
static struct client **clients;
static size_t nclients, cap_clients;
static struct client *pending_head, *dead_head;
static size_t npaused;
static volatile sig_atomic_t stop;
/* Out of descriptors: the listener leaves the poll set until a client goes
 * (or a retry interval passes), so a full table costs no CPU and no log. */
static int listen_fd = -1;
static bool listener_paused;
static unsigned long accept_refusals;
static bool refusal_logged;
static time_t paused_at;
#define ACCEPT_RETRY_SECONDS 1

static void usage(void)
{
    fprintf(stderr, "usage: xenstored --socket PATH [--quota NAME=VALUE]... "
                    "[--max-transactions N] [--quiet]\n"
                    "quota names: nodes value-size watches transactions outstanding "
                    "permissions transaction-nodes\n");
    exit(2);
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void update_events(struct client *cl)
{
    struct epoll_event ev = {0};

    ev.events = (cl->paused ? 0 : EPOLLIN) | (cl->out_armed ? EPOLLOUT : 0);
    ev.data.ptr = cl;
    epoll_ctl(epfd, EPOLL_CTL_MOD, cl->fd, &ev);
}

static void output_ready(void *ctx, struct xs_conn *conn)
{
    struct client *cl = xs_conn_user(conn);

    (void)ctx;
    if (cl && !cl->pending && !cl->dead) {
        cl->pending = true;
        cl->pnext = pending_head;
        pending_head = cl;
    }
}

static void resume_listener(void);

static void close_client(struct client *cl)
{
    resume_listener(); /* its descriptor is free now */
    if (cl->dead)
        return;
    cl->dead = true;
    if (cl->paused)
        npaused--;
    epoll_ctl(epfd, EPOLL_CTL_DEL, cl->fd, NULL);
    close(cl->fd);
    xs_conn_free(cl->conn);
    cl->conn = NULL;
    clients[cl->index] = clients[--nclients];
    clients[cl->index]->index = cl->index;
    cl->dnext = dead_head; /* freed at the end of the loop turn */
    dead_head = cl;
}

/* Write queued output; false if the client was closed. */
static bool flush_client(struct client *cl)
{
    while (xs_conn_has_output(cl->conn)) {
        const void *ptrs[64];
        size_t lens[64], n = xs_conn_output_peekv(cl->conn, ptrs, lens, 64);
        struct iovec iov[64];
        ssize_t w;

        for (size_t i = 0; i < n; i++) {
            iov[i].iov_base = (void *)ptrs[i];
            iov[i].iov_len = lens[i];
        }
        w = writev(cl->fd, iov, (int)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!cl->out_armed) {
                cl->out_armed = true;
                update_events(cl);
            }
            return true;
        }
        if (w < 0) {
            close_client(cl);
            return false;
        }
        xs_conn_output_consume(cl->conn, (size_t)w);
    }
    if (cl->out_armed) {
        cl->out_armed = false;
        update_events(cl);
    }
    return true;
}

static void set_paused(struct client *cl, bool paused)
{
    if (cl->paused == paused)
        return;
    cl->paused = paused;
    npaused += paused ? 1 : (size_t)-1;
    update_events(cl);
}

static void read_client(struct client *cl)
{
    char buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];

    for (int i = 0; i < 16; i++) {
        size_t room = xs_conn_input_room(cl->conn);
        ssize_t r;

        if (!xs_conn_want_input(cl->conn) || !room) {
            set_paused(cl, true);
            return;
        }
        r = read(cl->fd, buf, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            close_client(cl);
            return;
        }
        if (xs_conn_feed(cl->conn, buf, (size_t)r) < 0) {
            flush_client(cl);
            close_client(cl);
            return;
        }
        if (!xs_conn_want_input(cl->conn)) {
            set_paused(cl, true); /* requests wait in the buffer */
            return;
        }
        if ((size_t)r < room)
            return;
    }
}

static void pause_listener(int err)
{
    accept_refusals++;
    if (!refusal_logged) {
        fprintf(stderr,
                "xenstored: accept: %s; not accepting until a client disconnects (logged once)\n",
                strerror(err));
        refusal_logged = true;
    }
    if (!listener_paused) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, listen_fd, NULL);
        listener_paused = true;
        paused_at = time(NULL);
    }
}

/* Listen again: a descriptor may be free (a client went, or time passed). */
static void resume_listener(void)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

    if (!listener_paused)
        return;
    listener_paused = false;
    epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev);
}

static void accept_clients(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct epoll_event ev = {0};
        struct client *cl;

        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_listener(errno);
            else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                     errno != ECONNABORTED)
                perror("xenstored: accept");
            return;
        }
        cl = calloc(1, sizeof(*cl));
        if (!cl || (nclients == cap_clients &&
                    !(clients = realloc(clients, sizeof(*clients) *
                                                     (cap_clients = cap_clients * 2 + 64))))) {
            fprintf(stderr, "xenstored: out of memory accepting a client\n");
            close(fd);
            free(cl);
            return;
        }
        cl->fd = fd;
        cl->conn = xs_conn_new(store, 0, true, cl);
        if (!cl->conn) {
            close(fd);
            free(cl);
            return;
        }
        cl->index = nclients;
        clients[nclients++] = cl;
        ev.events = EPOLLIN;
        ev.data.ptr = cl;
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

/*
 * Flush clients with new output, then resume clients held back by the
 * outstanding-replies quota whose replies went out; repeat until no progress.
 */
static void run_pending(void)
{
    bool again = true;

    while (again) {
        again = false;
        while (pending_head) {
            struct client *cl = pending_head;

            pending_head = cl->pnext;
            cl->pending = false;
            if (cl->dead)
                continue;
            flush_client(cl);
            if (!cl->dead && xs_conn_broken(cl->conn))
                close_client(cl);
        }
        for (size_t i = 0; npaused && i < nclients; i++) {
            struct client *cl = clients[i];

            if (!cl->paused || !xs_conn_want_input(cl->conn))
                continue;
            set_paused(cl, false);
            if (xs_conn_process(cl->conn) < 0)
                output_ready(NULL, cl->conn);
            else if (!xs_conn_want_input(cl->conn))
                set_paused(cl, true);
            again = again || cl->pending;
        }
    }
    while (dead_head) {
        struct client *cl = dead_head;

        dead_head = cl->dnext;
        free(cl);
    }
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "xenstored: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
        fprintf(stderr, "xenstored: another xenstored is listening on %s\n", path);
        close(fd);
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
        fprintf(stderr, "xenstored: cannot listen on %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    chmod(path, 0600);
    return fd;
}

static void parse_quota(struct xs_limits *lim, const char *arg)
{
    static const char *const names[XS_Q_COUNT] = {
        "nodes",       "value-size",  "watches",           "transactions",
        "outstanding", "permissions", "transaction-nodes",
    };
    const char *eq = strchr(arg, '=');
    char *end;
    unsigned long v;

    if (!eq)
        goto bad;
    v = strtoul(eq + 1, &end, 10);
    if (!eq[1] || *end || v >= UINT32_MAX)
        goto bad;
    for (int i = 0; i < XS_Q_COUNT; i++)
        if (strlen(names[i]) == (size_t)(eq - arg) && !strncmp(arg, names[i], eq - arg)) {
            lim->quota[i] = (uint32_t)v;
            return;
        }
bad:
    fprintf(stderr, "xenstored: bad --quota '%s' (want NAME=NUMBER)\n", arg);
    usage();
}

int main(int argc, char **argv)
{
    extern int xsp_host_quiet;
    static const struct xs_transport_ops ops = {.output_ready = output_ready};
    struct xs_limits lim;
    const char *path = NULL;
    struct sigaction sa = {0};
    int lfd;

    xs_default_limits(&lim);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--quota") && i + 1 < argc)
            parse_quota(&lim, argv[++i]);
        else if (!strcmp(argv[i], "--max-transactions") && i + 1 < argc)
            lim.max_transactions = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--quiet"))
            xsp_host_quiet = 1;
        else
            usage();
    }
    if (!path)
        usage();
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    store = xs_store_new(&lim, &ops, NULL);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    lfd = listen_on(path);
    if (!store || epfd < 0 || lfd < 0)
        return 1;
    {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

        epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    }
    listen_fd = lfd;
    fprintf(stderr, "xenstored: listening on %s\n", path);
    while (!stop) {
        struct epoll_event evs[256];
        int n = epoll_wait(epfd, evs, 256, 1000);

        if (listener_paused && time(NULL) - paused_at >= ACCEPT_RETRY_SECONDS)
            resume_listener(); /* descriptors freed elsewhere in the system */

        if (n < 0 && errno != EINTR) {
            perror("xenstored: epoll_wait");
            break;
        }
        for (int i = 0; i < n; i++) {
            struct client *cl = evs[i].data.ptr;

            if (!cl) {
                accept_clients(lfd);
                continue;
            }
            if (cl->dead)
                continue;
            if (evs[i].events & EPOLLOUT)
                output_ready(NULL, cl->conn);
            if ((evs[i].events & (EPOLLHUP | EPOLLERR)) && cl->paused)
                close_client(cl);
            else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                read_client(cl);
        }
        run_pending();
    }
    if (accept_refusals)
        fprintf(stderr, "xenstored: %lu connection attempts met a full descriptor table\n",
                accept_refusals);
    while (nclients)
        close_client(clients[0]);
    run_pending();
    xs_store_free(store);
    close(lfd);
    unlink(path);
    fprintf(stderr, "xenstored: stopped\n");
    return 0;
}
