/*
 * Portable xenstore core, part 1: memory, nodes, domains, connections, the
 * output queue and watches. Uses only xs_platform.h.
 */
#include "xs_internal.h"

/* ---------- memory with accounting ---------- */

static uint64_t allocated;

void *xs_zalloc(size_t n)
{
    uint64_t *p = xsp_alloc(n + 16);

    if (!p)
        return NULL;
    p[0] = n;
    allocated += n;
    memset(p + 2, 0, n);
    return p + 2;
}

void xs_free(void *q)
{
    uint64_t *p;

    if (!q)
        return;
    p = (uint64_t *)q - 2;
    allocated -= p[0];
    xsp_free(p);
}

uint64_t xs_allocated(void)
{
    return allocated;
}

/* ---------- small helpers ---------- */

static const struct {
    int err;
    const char *name;
} errnames[] = {
    {XS_EINVAL, "EINVAL"}, {XS_EACCES, "EACCES"},   {XS_EEXIST, "EEXIST"},
    {XS_EISDIR, "EISDIR"}, {XS_ENOENT, "ENOENT"},   {XS_ENOMEM, "ENOMEM"},
    {XS_ENOSPC, "ENOSPC"}, {XS_EIO, "EIO"},         {XS_ENOTEMPTY, "ENOTEMPTY"},
    {XS_ENOSYS, "ENOSYS"}, {XS_EROFS, "EROFS"},     {XS_EBUSY, "EBUSY"},
    {XS_EAGAIN, "EAGAIN"}, {XS_EISCONN, "EISCONN"}, {XS_E2BIG, "E2BIG"},
    {XS_EPERM, "EPERM"},   {XS_EQUOTA, "EQUOTA"},
};

const char *xs_errname(int err)
{
    for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
        if (errnames[i].err == err)
            return errnames[i].name;
    return "EINVAL";
}

uint32_t xs_hash(const char *p, uint32_t len)
{
    uint32_t h = 2166136261u;

    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

/* Decimal text of v into buf (at least 21 bytes); returns the length. */
uint32_t xs_utoa(uint64_t v, char *buf)
{
    char tmp[24];
    uint32_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

/* Strict decimal parse: digits only, no sign, no overflow past max. */
bool xs_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (max - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* ---------- node hash tables ---------- */

int xs_ntab_init(struct xs_ntab *t, uint32_t size)
{
    t->b = xs_zalloc(sizeof(*t->b) * size);
    t->mask = size - 1;
    t->count = 0;
    return t->b ? 0 : XS_ENOMEM;
}

struct xs_node *xs_ntab_find(const struct xs_ntab *t, const char *path, uint32_t len, uint32_t h)
{
    struct xs_node *n;

    for (n = t->b[h & t->mask]; n; n = n->hnext)
        if (n->hash == h && n->namelen == len && !memcmp(n->name, path, len))
            return n;
    return NULL;
}

static void ntab_grow(struct xs_ntab *t)
{
    uint32_t size = (t->mask + 1) * 2;
    struct xs_node **nb = xs_zalloc(sizeof(*nb) * size);

    if (!nb)
        return; /* keep the longer chains */
    for (uint32_t i = 0; i <= t->mask; i++) {
        struct xs_node *n = t->b[i], *next;

        for (; n; n = next) {
            next = n->hnext;
            n->hnext = nb[n->hash & (size - 1)];
            nb[n->hash & (size - 1)] = n;
        }
    }
    xs_free(t->b);
    t->b = nb;
    t->mask = size - 1;
}

void xs_ntab_insert(struct xs_ntab *t, struct xs_node *n)
{
    if (t->count > t->mask)
        ntab_grow(t);
    n->hnext = t->b[n->hash & t->mask];
    t->b[n->hash & t->mask] = n;
    t->count++;
}

void xs_ntab_remove(struct xs_ntab *t, struct xs_node *n)
{
    struct xs_node **pp = &t->b[n->hash & t->mask];

    for (; *pp; pp = &(*pp)->hnext)
        if (*pp == n) {
            *pp = n->hnext;
            t->count--;
            return;
        }
}

/* ---------- nodes ---------- */

struct xs_node *xs_node_alloc(const char *path, uint32_t len)
{
    struct xs_node *n = xs_zalloc(sizeof(*n) + len + 1);

    if (!n)
        return NULL;
    n->name = (char *)(n + 1);
    memcpy(n->name, path, len);
    n->name[len] = '\0';
    n->namelen = len;
    n->hash = xs_hash(path, len);
    return n;
}

void xs_node_clear(struct xs_node *n)
{
    xs_free(n->value);
    xs_free(n->perms);
    xs_free(n->children);
    n->value = NULL;
    n->perms = NULL;
    n->children = NULL;
    n->vlen = n->nperms = n->clen = n->ccap = 0;
}

void xs_node_free(struct xs_node *n)
{
    if (!n)
        return;
    xs_node_clear(n);
    xs_free(n);
}

int xs_node_set_value(struct xs_node *n, const char *v, uint32_t len)
{
    char *nv = NULL;

    if (len) {
        nv = xs_zalloc(len);
        if (!nv)
            return XS_ENOMEM;
        memcpy(nv, v, len);
    }
    xs_free(n->value);
    n->value = nv;
    n->vlen = len;
    return 0;
}

int xs_node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np)
{
    struct xs_perm *q = xs_zalloc(sizeof(*q) * np);

    if (!q)
        return XS_ENOMEM;
    memcpy(q, p, sizeof(*q) * np);
    xs_free(n->perms);
    n->perms = q;
    n->nperms = np;
    return 0;
}

int xs_node_set_children(struct xs_node *n, const char *c, uint32_t len)
{
    char *nc = NULL;

    if (len) {
        nc = xs_zalloc(len);
        if (!nc)
            return XS_ENOMEM;
        memcpy(nc, c, len);
    }
    xs_free(n->children);
    n->children = nc;
    n->clen = n->ccap = len;
    return 0;
}

/* A full copy of n (for a transaction). */
struct xs_node *xs_node_clone(const struct xs_node *m)
{
    struct xs_node *n = xs_node_alloc(m->name, m->namelen);

    if (!n)
        return NULL;
    if (xs_node_set_value(n, m->value, m->vlen) || xs_node_set_perms(n, m->perms, m->nperms) ||
        xs_node_set_children(n, m->children, m->clen)) {
        xs_node_free(n);
        return NULL;
    }
    n->gen = m->gen;
    return n;
}

int xs_child_add(struct xs_node *n, const char *name, uint32_t len)
{
    if (n->clen + len + 1 > n->ccap) {
        uint32_t cap = n->ccap ? n->ccap * 2 : 64;
        char *nc;

        while (cap < n->clen + len + 1)
            cap *= 2;
        nc = xs_zalloc(cap);
        if (!nc)
            return XS_ENOMEM;
        if (n->clen)
            memcpy(nc, n->children, n->clen);
        xs_free(n->children);
        n->children = nc;
        n->ccap = cap;
    }
    memcpy(n->children + n->clen, name, len);
    n->children[n->clen + len] = '\0';
    n->clen += len + 1;
    return 0;
}

void xs_child_del(struct xs_node *n, const char *name, uint32_t len)
{
    uint32_t off = 0;

    while (off < n->clen) {
        uint32_t l = (uint32_t)strlen(n->children + off);

        if (l == len && !memcmp(n->children + off, name, len)) {
            memmove(n->children + off, n->children + off + l + 1, n->clen - off - l - 1);
            n->clen -= l + 1;
            return;
        }
        off += l + 1;
    }
}

/* ---------- domains ---------- */

struct xs_domain *xs_dom_get(struct xs_store *s, uint32_t domid, bool create)
{
    struct xs_domain *d;

    if (domid >= XS_MAX_DOMID)
        return NULL;
    d = s->domtab[domid];
    if (d || !create)
        return d;
    d = xs_zalloc(sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    for (int i = 0; i < XS_Q_COUNT; i++)
        d->quota[i] = UINT32_MAX;
    s->domtab[domid] = d;
    s->ndomains++;
    return d;
}

uint32_t xs_quota(const struct xs_store *s, const struct xs_domain *d, enum xs_quota q)
{
    if (d && d->quota[q] != UINT32_MAX)
        return d->quota[q];
    return s->lim.quota[q];
}

/* Count a node for (or against) its owner. */
void xs_dom_nodes(struct xs_store *s, uint32_t owner, int delta)
{
    struct xs_domain *d = xs_dom_get(s, owner, true);

    if (d)
        d->nodes = (uint32_t)((int64_t)d->nodes + delta);
}

/* ---------- output queue ---------- */

static int queue_msg(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
                     const void *p1, uint32_t l1, const void *p2, uint32_t l2, bool is_reply)
{
    struct xs_store *s = c->s;
    struct xs_outbuf *o;
    struct xs_msg_hdr h;
    bool was_empty = !c->out_head;

    if (c->broken)
        return XS_EIO;
    if (!is_reply && c->out_bytes + XS_HDR_SIZE + l1 + l2 > s->lim.max_event_bytes) {
        xsp_log("xenstore: domain %u connection not reading its events: closed", c->domid);
        c->broken = true;
        return XS_ENOSPC;
    }
    o = xs_zalloc(sizeof(*o) + XS_HDR_SIZE + l1 + l2);
    if (!o) {
        c->broken = true;
        return XS_ENOMEM;
    }
    h.type = type;
    h.req_id = req_id;
    h.tx_id = tx_id;
    h.len = l1 + l2;
    memcpy(o->data, &h, XS_HDR_SIZE);
    if (l1)
        memcpy(o->data + XS_HDR_SIZE, p1, l1);
    if (l2)
        memcpy(o->data + XS_HDR_SIZE + l1, p2, l2);
    o->len = XS_HDR_SIZE + l1 + l2;
    o->is_reply = is_reply;
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_bytes += o->len;
    if (is_reply) {
        c->out_replies++;
        if (c->dom)
            c->dom->outstanding++;
    } else {
        s->events++;
    }
    if (was_empty && s->ops.output_ready)
        s->ops.output_ready(s->ops_ctx, c);
    return 0;
}

static void outbuf_drop(struct xs_conn *c, struct xs_outbuf *o)
{
    c->out_head = o->next;
    if (!c->out_head)
        c->out_tail = NULL;
    c->out_bytes -= o->len - o->off;
    if (o->is_reply) {
        c->out_replies--;
        if (c->dom)
            c->dom->outstanding--;
    }
    xs_free(o);
}

size_t xs_conn_output_peek(const struct xs_conn *c, const void **p)
{
    if (!c->out_head)
        return 0;
    *p = c->out_head->data + c->out_head->off;
    return c->out_head->len - c->out_head->off;
}

size_t xs_conn_output_peekv(const struct xs_conn *c, const void **ptrs, size_t *lens, size_t max)
{
    size_t n = 0;

    for (struct xs_outbuf *o = c->out_head; o && n < max; o = o->next, n++) {
        ptrs[n] = o->data + o->off;
        lens[n] = o->len - o->off;
    }
    return n;
}

void xs_conn_output_consume(struct xs_conn *c, size_t n)
{
    while (n && c->out_head) {
        struct xs_outbuf *o = c->out_head;
        size_t left = o->len - o->off;

        if (n < left) {
            o->off += (uint32_t)n;
            c->out_bytes -= n;
            return;
        }
        n -= left;
        outbuf_drop(c, o);
    }
}

bool xs_conn_has_output(const struct xs_conn *c)
{
    return c->out_head != NULL;
}

int xs_send_reply(struct xs_conn *c, const struct xs_msg_hdr *h, uint32_t type, const void *p,
                  uint32_t len)
{
    return queue_msg(c, type, h->req_id, h->tx_id, p, len, NULL, 0, true);
}

int xs_send_error(struct xs_conn *c, const struct xs_msg_hdr *h, int err)
{
    const char *name = xs_errname(err);

    return queue_msg(c, XS_ERROR, h->req_id, h->tx_id, name, (uint32_t)strlen(name) + 1, NULL, 0,
                     true);
}

/* ---------- permissions ---------- */

static uint32_t perm_of(const struct xs_node *n, uint32_t id)
{
    if (n->perms[0].id == id)
        return XS_PERM_READ | XS_PERM_WRITE;
    for (uint32_t i = 1; i < n->nperms; i++)
        if (n->perms[i].id == id)
            return n->perms[i].perm;
    return n->perms[0].perm;
}

uint32_t xs_perm_for(const struct xs_conn *c, const struct xs_node *n)
{
    uint32_t p;

    if (c->priv)
        return XS_PERM_READ | XS_PERM_WRITE;
    p = perm_of(n, c->domid);
    if (c->dom && c->dom->has_target)
        p |= perm_of(n, c->dom->target);
    return p;
}

/* ---------- watches ---------- */

static void wtab_grow(struct xs_wtab *t)
{
    uint32_t size = (t->mask + 1) * 2;
    struct xs_watch **nb = xs_zalloc(sizeof(*nb) * size);

    if (!nb)
        return;
    for (uint32_t i = 0; i <= t->mask; i++) {
        struct xs_watch *w = t->b[i], *next;

        for (; w; w = next) {
            next = w->hnext;
            w->hnext = nb[w->hash & (size - 1)];
            nb[w->hash & (size - 1)] = w;
        }
    }
    xs_free(t->b);
    t->b = nb;
    t->mask = size - 1;
}

struct xs_watch *xs_watch_add(struct xs_conn *c, const char *path, uint32_t plen, const char *token,
                              uint32_t tlen, bool relative)
{
    struct xs_store *s = c->s;
    struct xs_watch *w = xs_zalloc(sizeof(*w) + plen + tlen + 2);

    if (!w)
        return NULL;
    w->path = (char *)(w + 1);
    memcpy(w->path, path, plen);
    w->path[plen] = '\0';
    w->token = w->path + plen + 1;
    memcpy(w->token, token, tlen);
    w->token[tlen] = '\0';
    w->pathlen = plen;
    w->tokenlen = tlen;
    w->hash = xs_hash(path, plen);
    w->relative = relative;
    w->conn = c;
    if (s->watches.count > s->watches.mask)
        wtab_grow(&s->watches);
    w->hnext = s->watches.b[w->hash & s->watches.mask];
    s->watches.b[w->hash & s->watches.mask] = w;
    s->watches.count++;
    w->cnext = c->watches;
    c->watches = w;
    if (c->dom)
        c->dom->watches++;
    return w;
}

void xs_watch_del(struct xs_conn *c, struct xs_watch *w)
{
    struct xs_store *s = c->s;
    struct xs_watch **pp;

    for (pp = &s->watches.b[w->hash & s->watches.mask]; *pp; pp = &(*pp)->hnext)
        if (*pp == w) {
            *pp = w->hnext;
            break;
        }
    s->watches.count--;
    for (pp = &c->watches; *pp; pp = &(*pp)->cnext)
        if (*pp == w) {
            *pp = w->cnext;
            break;
        }
    if (c->dom)
        c->dom->watches--;
    xs_free(w);
}

struct xs_watch *xs_watch_find(struct xs_conn *c, const char *path, uint32_t plen,
                               const char *token, uint32_t tlen)
{
    for (struct xs_watch *w = c->watches; w; w = w->cnext)
        if (w->pathlen == plen && w->tokenlen == tlen && !memcmp(w->path, path, plen) &&
            !memcmp(w->token, token, tlen))
            return w;
    return NULL;
}

/* Queue one WATCH_EVENT for w about path (absolute). */
void xs_watch_send(struct xs_watch *w, const char *path, uint32_t plen)
{
    struct xs_conn *c = w->conn;
    char pbuf[XENSTORE_ABS_PATH_MAX + 1];

    if (w->relative && plen > c->homelen && !memcmp(path, c->home, c->homelen)) {
        path += c->homelen;
        plen -= c->homelen;
    }
    memcpy(pbuf, path, plen);
    pbuf[plen] = '\0';
    queue_msg(c, XS_WATCH_EVENT, 0, 0, pbuf, plen + 1, w->token, w->tokenlen + 1, false);
}

static void deliver(struct xs_watch *w, const char *path, uint32_t plen, const struct xs_node *n)
{
    if (w->conn->broken)
        return;
    if (n && !(xs_perm_for(w->conn, n) & XS_PERM_READ))
        return;
    xs_watch_send(w, path, plen);
}

static void fire_exact(struct xs_store *s, const char *path, uint32_t plen, const char *evpath,
                       uint32_t evlen, const struct xs_node *n)
{
    uint32_t h = xs_hash(path, plen);

    for (struct xs_watch *w = s->watches.b[h & s->watches.mask]; w; w = w->hnext)
        if (w->hash == h && w->pathlen == plen && !memcmp(w->path, path, plen))
            deliver(w, evpath, evlen, n);
}

/*
 * A change at path (node n gives the permissions watchers need): fire every
 * watch on path or an ancestor; with recursive (a removal) also every watch
 * below path, reporting the watch's own path.
 */
void xs_fire(struct xs_store *s, const char *path, uint32_t plen, const struct xs_node *n,
             bool recursive)
{
    uint32_t l = plen;

    if (!s->watches.count)
        return;
    if (path[0] == '@') {
        fire_exact(s, path, plen, path, plen, n);
        return;
    }
    for (;;) {
        fire_exact(s, path, l, path, plen, n);
        if (l <= 1)
            break;
        while (l > 0 && path[l - 1] != '/')
            l--;
        l = l > 1 ? l - 1 : 1;
    }
    if (!recursive)
        return;
    for (uint32_t i = 0; i <= s->watches.mask; i++)
        for (struct xs_watch *w = s->watches.b[i]; w; w = w->hnext)
            if (w->pathlen > plen && !memcmp(w->path, path, plen) &&
                (plen == 1 || w->path[plen] == '/'))
                deliver(w, w->path, w->pathlen, n);
}
