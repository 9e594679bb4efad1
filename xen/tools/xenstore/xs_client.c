/* Client library for xenstored's unix-socket transport (see xs_client.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "xs_client.h"

struct xs_event {
    struct xs_event *next;
    char *path, *token;
};

struct xs_handle {
    int fd;
    uint32_t next_req;
    char error[32];
    struct xs_event *ev_head, *ev_tail;
};

const char *xs_error(const struct xs_handle *h)
{
    return h->error;
}

int xs_fd(const struct xs_handle *h)
{
    return h->fd;
}

static void set_error(struct xs_handle *h, const char *e)
{
    snprintf(h->error, sizeof(h->error), "%s", e);
}

struct xs_handle *xs_open(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct xs_handle *h;

    if (!path)
        path = getenv("XENSTORED_SOCKET");
    if (!path || strlen(path) >= sizeof(sa.sun_path)) {
        errno = EINVAL;
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    strcpy(sa.sun_path, path);
    h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h->fd < 0 || connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;

        if (h->fd >= 0)
            close(h->fd);
        free(h);
        errno = e;
        return NULL;
    }
    h->next_req = 1;
    return h;
}

void xs_close(struct xs_handle *h)
{
    if (!h)
        return;
    while (h->ev_head) {
        struct xs_event *e = h->ev_head;

        h->ev_head = e->next;
        free(e->path);
        free(e);
    }
    close(h->fd);
    free(h);
}

static int full_io(int fd, void *buf, size_t len, bool wr)
{
    char *p = buf;

    while (len) {
        ssize_t n = wr ? send(fd, p, len, MSG_NOSIGNAL) : read(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read one message; payload malloc'd with a nul after it. */
static int recv_msg(struct xs_handle *h, struct xs_msg_hdr *hdr, char **payload)
{
    if (full_io(h->fd, hdr, sizeof(*hdr), false) || hdr->len > XENSTORE_PAYLOAD_MAX) {
        set_error(h, "EIO");
        return -1;
    }
    *payload = malloc(hdr->len + 1);
    if (!*payload || full_io(h->fd, *payload, hdr->len, false)) {
        free(*payload);
        set_error(h, "EIO");
        return -1;
    }
    (*payload)[hdr->len] = '\0';
    return 0;
}

static void queue_event(struct xs_handle *h, char *payload, uint32_t len)
{
    struct xs_event *e = calloc(1, sizeof(*e));
    size_t pl = strnlen(payload, len);

    if (!e || pl + 1 >= len + 1u) {
        free(e);
        free(payload);
        return;
    }
    e->path = payload;
    e->token = payload + pl + 1;
    if (h->ev_tail)
        h->ev_tail->next = e;
    else
        h->ev_head = e;
    h->ev_tail = e;
}

int xs_request(struct xs_handle *h, uint32_t type, uint32_t tx, const void *payload, uint32_t len,
               char **reply, uint32_t *rlen)
{
    struct xs_msg_hdr hdr = {type, h->next_req++, tx, len};
    char *body;

    if (len > XENSTORE_PAYLOAD_MAX) {
        set_error(h, "E2BIG");
        return -1;
    }
    if (full_io(h->fd, &hdr, sizeof(hdr), true) || full_io(h->fd, (void *)payload, len, true)) {
        set_error(h, "EIO");
        return -1;
    }
    for (;;) {
        struct xs_msg_hdr r;

        if (recv_msg(h, &r, &body))
            return -1;
        if (r.type == XS_WATCH_EVENT) {
            queue_event(h, body, r.len);
            continue;
        }
        if (r.req_id != hdr.req_id) {
            free(body);
            continue;
        }
        if (r.type == XS_ERROR) {
            set_error(h, body);
            free(body);
            return -1;
        }
        h->error[0] = '\0';
        if (rlen)
            *rlen = r.len;
        if (reply)
            *reply = body;
        else
            free(body);
        return 0;
    }
}

/* Payload from strings, each with its nul. */
static uint32_t pack(char *buf, const char *const *strs, unsigned n)
{
    uint32_t len = 0;

    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(strs[i]) + 1;

        if (len + l > XENSTORE_PAYLOAD_MAX)
            return XENSTORE_PAYLOAD_MAX + 1;
        memcpy(buf + len, strs[i], l);
        len += (uint32_t)l;
    }
    return len;
}

static int simple(struct xs_handle *h, uint32_t type, uint32_t tx, const char *const *strs,
                  unsigned n, char **reply, uint32_t *rlen)
{
    char buf[XENSTORE_PAYLOAD_MAX + 1];

    return xs_request(h, type, tx, buf, pack(buf, strs, n), reply, rlen);
}

char *xs_read(struct xs_handle *h, uint32_t tx, const char *path, uint32_t *len)
{
    char *r;

    return simple(h, XS_READ, tx, &path, 1, &r, len) ? NULL : r;
}

int xs_write(struct xs_handle *h, uint32_t tx, const char *path, const void *val, uint32_t len)
{
    char buf[XENSTORE_PAYLOAD_MAX + 1];
    size_t pl = strlen(path) + 1;

    if (pl + len > XENSTORE_PAYLOAD_MAX) {
        set_error(h, "E2BIG");
        return -1;
    }
    memcpy(buf, path, pl);
    memcpy(buf + pl, val, len);
    return xs_request(h, XS_WRITE, tx, buf, (uint32_t)(pl + len), NULL, NULL);
}

int xs_mkdir(struct xs_handle *h, uint32_t tx, const char *path)
{
    return simple(h, XS_MKDIR, tx, &path, 1, NULL, NULL);
}

int xs_rm(struct xs_handle *h, uint32_t tx, const char *path)
{
    return simple(h, XS_RM, tx, &path, 1, NULL, NULL);
}

/* Split a reply of nul-terminated strings into an array in one block. */
static char **split_reply(char *r, uint32_t len, unsigned *num)
{
    unsigned n = 0, i = 0;
    char **v;

    for (uint32_t k = 0; k < len; k++)
        n += r[k] == '\0';
    v = malloc(sizeof(*v) * (n + 1) + len + 1);
    if (v) {
        char *copy = (char *)(v + n + 1);

        memcpy(copy, r, len + 1);
        for (uint32_t k = 0; k < len; k += (uint32_t)strlen(copy + k) + 1)
            v[i++] = copy + k;
        v[i] = NULL;
        *num = i;
    }
    free(r);
    return v;
}

char **xs_directory(struct xs_handle *h, uint32_t tx, const char *path, unsigned *num)
{
    char *r;
    uint32_t len;

    if (simple(h, XS_DIRECTORY, tx, &path, 1, &r, &len))
        return NULL;
    return split_reply(r, len, num);
}

int xs_set_perms(struct xs_handle *h, uint32_t tx, const char *path, const char *const *perms,
                 unsigned n)
{
    const char *strs[32];

    if (n + 1 > 32) {
        set_error(h, "EINVAL");
        return -1;
    }
    strs[0] = path;
    for (unsigned i = 0; i < n; i++)
        strs[i + 1] = perms[i];
    return simple(h, XS_SET_PERMS, tx, strs, n + 1, NULL, NULL);
}

char **xs_get_perms(struct xs_handle *h, uint32_t tx, const char *path, unsigned *num)
{
    char *r;
    uint32_t len;

    if (simple(h, XS_GET_PERMS, tx, &path, 1, &r, &len))
        return NULL;
    return split_reply(r, len, num);
}

int xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    const char *strs[2] = {path, token};

    return simple(h, XS_WATCH, 0, strs, 2, NULL, NULL);
}

int xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    const char *strs[2] = {path, token};

    return simple(h, XS_UNWATCH, 0, strs, 2, NULL, NULL);
}

int xs_read_watch(struct xs_handle *h, char **path, char **token, int timeout_ms)
{
    while (!h->ev_head) {
        struct pollfd pfd = {h->fd, POLLIN, 0};
        struct xs_msg_hdr r;
        char *body;
        int n = poll(&pfd, 1, timeout_ms);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_error(h, "EIO");
            return -1;
        }
        if (n == 0)
            return 0;
        if (recv_msg(h, &r, &body))
            return -1;
        if (r.type == XS_WATCH_EVENT)
            queue_event(h, body, r.len);
        else
            free(body);
    }
    {
        struct xs_event *e = h->ev_head;

        h->ev_head = e->next;
        if (!h->ev_head)
            h->ev_tail = NULL;
        *path = e->path;
        *token = strdup(e->token);
        free(e);
    }
    return 1;
}

uint32_t xs_transaction_start(struct xs_handle *h)
{
    char *r;
    unsigned long id;

    if (xs_request(h, XS_TRANSACTION_START, 0, "", 1, &r, NULL))
        return 0;
    id = strtoul(r, NULL, 10);
    free(r);
    return (uint32_t)id;
}

int xs_transaction_end(struct xs_handle *h, uint32_t tx, bool abort)
{
    return xs_request(h, XS_TRANSACTION_END, tx, abort ? "F" : "T", 2, NULL, NULL);
}

int xs_introduce(struct xs_handle *h, uint32_t domid, uint64_t mfn, uint32_t evtchn)
{
    char a[16], b[24], c[16];
    const char *strs[3] = {a, b, c};

    snprintf(a, sizeof(a), "%u", domid);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)mfn);
    snprintf(c, sizeof(c), "%u", evtchn);
    return simple(h, XS_INTRODUCE, 0, strs, 3, NULL, NULL);
}

int xs_release(struct xs_handle *h, uint32_t domid)
{
    char a[16];
    const char *s = a;

    snprintf(a, sizeof(a), "%u", domid);
    return simple(h, XS_RELEASE, 0, &s, 1, NULL, NULL);
}

char *xs_get_domain_path(struct xs_handle *h, uint32_t domid)
{
    char a[16], *r;
    const char *s = a;

    snprintf(a, sizeof(a), "%u", domid);
    return simple(h, XS_GET_DOMAIN_PATH, 0, &s, 1, &r, NULL) ? NULL : r;
}

int xs_act_as(struct xs_handle *h, uint32_t domid)
{
    char a[16];
    const char *strs[2] = {XS_CONTROL_ACT_AS, a};

    snprintf(a, sizeof(a), "%u", domid);
    return simple(h, XS_CONTROL, 0, strs, 2, NULL, NULL);
}
