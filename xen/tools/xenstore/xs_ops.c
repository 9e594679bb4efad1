/*
 * Portable xenstore core, part 2: paths, store operations through a view
 * (the main tree or a transaction's copy-on-access overlay), transactions,
 * the message handlers and the connection entry points.
 */
#include "xs_internal.h"

/* A view of the tree: the main store, or one transaction of a connection. */
struct view {
    struct xs_store *s;
    struct xs_tx *tx;
};

static struct xs_node *v_get(struct view *v, const char *path, uint32_t len)
{
    uint32_t h = xs_hash(path, len);
    struct xs_node *m = xs_ntab_find(&v->s->nodes, path, len, h), *o;

    if (!v->tx)
        return m;
    o = xs_ntab_find(&v->tx->overlay, path, len, h);
    if (!o) {
        if (v->tx->overlay.count >= v->tx->max_nodes) {
            v->tx->failed = v->tx->overflow = true;
            return NULL;
        }
        o = m ? xs_node_clone(m) : xs_node_alloc(path, len);
        if (!o) {
            v->tx->failed = true;
            return NULL;
        }
        o->base_gen = m ? m->gen : 0;
        o->deleted = !m;
        xs_ntab_insert(&v->tx->overlay, o);
    }
    return o->deleted ? NULL : o;
}

static void v_touch(struct view *v, struct xs_node *n)
{
    if (v->tx)
        n->modified = true;
    else
        n->gen = ++v->s->gen;
}

/* A new, empty node at path, known to be absent from the view. */
static struct xs_node *v_new(struct view *v, const char *path, uint32_t len)
{
    uint32_t h = xs_hash(path, len);
    struct xs_node *n;

    if (v->tx) {
        n = xs_ntab_find(&v->tx->overlay, path, len, h);
        if (n) {
            n->deleted = false;
            n->modified = true;
            return n;
        }
        n = xs_node_alloc(path, len);
        if (!n)
            return NULL;
        n->modified = true;
        xs_ntab_insert(&v->tx->overlay, n);
        return n;
    }
    n = xs_node_alloc(path, len);
    if (!n)
        return NULL;
    n->gen = ++v->s->gen;
    xs_ntab_insert(&v->s->nodes, n);
    return n;
}

/* Length of the parent path of path[0..len) ("/" for top-level nodes). */
static uint32_t parent_len(const char *path, uint32_t len)
{
    while (len > 0 && path[len - 1] != '/')
        len--;
    return len > 1 ? len - 1 : 1;
}

static void count_node(struct view *v, struct xs_conn *c, uint32_t owner, int delta)
{
    if (!v->tx)
        xs_dom_nodes(v->s, owner, delta);
    else if (owner == c->domid)
        v->tx->node_delta += delta;
}

/* Create path and any missing ancestors, checking permission and quota. */
static int v_create(struct view *v, struct xs_conn *c, const char *path, uint32_t len,
                    struct xs_node **out)
{
    struct xs_node *parent;
    uint32_t l = len, depth = 0;

    for (;;) {
        l = parent_len(path, l);
        depth++;
        parent = v_get(v, path, l);
        if (parent)
            break;
        if (l == 1)
            return XS_ENOENT;
    }
    if (!(xs_perm_for(c, parent) & XS_PERM_WRITE))
        return XS_EACCES;
    if (!c->priv && c->dom) {
        int64_t have = (int64_t)c->dom->nodes + (v->tx ? v->tx->node_delta : 0);

        if (have + depth > (int64_t)xs_quota(v->s, c->dom, XS_Q_NODES))
            return XS_EQUOTA;
    }
    while (l < len) {
        uint32_t start = l == 1 ? 1 : l + 1, end = start;
        struct xs_node *n;
        int err;

        while (end < len && path[end] != '/')
            end++;
        n = v_new(v, path, end);
        if (!n)
            return XS_ENOMEM;
        err = xs_node_set_perms(n, parent->perms, parent->nperms);
        if (!err && !c->priv)
            n->perms[0].id = c->domid;
        if (!err)
            err = xs_child_add(parent, path + start, end - start);
        if (err)
            return err;
        v_touch(v, parent);
        count_node(v, c, n->perms[0].id, 1);
        parent = n;
        l = end;
    }
    *out = parent;
    return 0;
}

/* Remove n and everything below it from the view. */
static void v_remove_tree(struct view *v, struct xs_conn *c, struct xs_node *n)
{
    uint32_t off = 0;

    while (off < n->clen) {
        const char *name = n->children + off;
        uint32_t l = (uint32_t)strlen(name), plen = n->namelen == 1 ? 0 : n->namelen;
        char *cp = xs_zalloc(plen + l + 2);
        struct xs_node *cn;

        off += l + 1;
        if (!cp)
            continue; /* the child stays unreachable but accounted */
        memcpy(cp, n->name, plen);
        cp[plen] = '/';
        memcpy(cp + plen + 1, name, l);
        cn = v_get(v, cp, plen + l + 1);
        xs_free(cp);
        if (cn)
            v_remove_tree(v, c, cn);
    }
    count_node(v, c, n->perms[0].id, -1);
    if (v->tx) {
        /* Keep the permissions: watch events at commit need them. */
        xs_free(n->value);
        xs_free(n->children);
        n->value = n->children = NULL;
        n->vlen = n->clen = n->ccap = 0;
        n->deleted = true;
        n->modified = true;
    } else {
        xs_ntab_remove(&v->s->nodes, n);
        xs_node_free(n);
    }
}

static void tx_event(struct xs_tx *tx, const char *path, uint32_t len, bool recursive)
{
    struct xs_evrec *e;

    for (e = tx->events; e; e = e->next)
        if (e->len == len && e->recursive == recursive && !memcmp(e->path, path, len))
            return;
    e = xs_zalloc(sizeof(*e) + len + 1);
    if (!e) {
        tx->failed = true;
        return;
    }
    memcpy(e->path, path, len);
    e->len = len;
    e->recursive = recursive;
    if (tx->events_tail)
        tx->events_tail->next = e;
    else
        tx->events = e;
    tx->events_tail = e;
}

static void changed(struct view *v, const char *path, uint32_t len, const struct xs_node *n,
                    bool recursive)
{
    if (v->tx)
        tx_event(v->tx, path, len, recursive);
    else
        xs_fire(v->s, path, len, n, recursive);
}

/* ---------- transactions ---------- */

static struct xs_tx *tx_find(struct xs_conn *c, uint32_t id)
{
    for (struct xs_tx *t = c->txs; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

static void tx_free(struct xs_conn *c, struct xs_tx *tx)
{
    struct xs_tx **pp;

    for (pp = &c->txs; *pp; pp = &(*pp)->next)
        if (*pp == tx) {
            *pp = tx->next;
            break;
        }
    for (uint32_t i = 0; i <= tx->overlay.mask; i++) {
        struct xs_node *n = tx->overlay.b[i], *next;

        for (; n; n = next) {
            next = n->hnext;
            xs_node_free(n);
        }
    }
    xs_free(tx->overlay.b);
    while (tx->events) {
        struct xs_evrec *e = tx->events;

        tx->events = e->next;
        xs_free(e);
    }
    if (c->dom)
        c->dom->transactions--;
    c->s->ntx--;
    xs_free(tx);
}

#define FOR_OVERLAY(tx, o)                                                                         \
    for (uint32_t i_ = 0; i_ <= (tx)->overlay.mask; i_++)                                          \
        for (struct xs_node *o = (tx)->overlay.b[i_]; o; o = o->hnext)

static void swap_contents(struct xs_node *a, struct xs_node *b)
{
    struct xs_node t = *a;

    a->value = b->value;
    a->vlen = b->vlen;
    a->perms = b->perms;
    a->nperms = b->nperms;
    a->children = b->children;
    a->clen = b->clen;
    a->ccap = b->ccap;
    b->value = t.value;
    b->vlen = t.vlen;
    b->perms = t.perms;
    b->nperms = t.nperms;
    b->children = t.children;
    b->clen = t.clen;
    b->ccap = t.ccap;
}

static int tx_commit(struct xs_conn *c, struct xs_tx *tx)
{
    struct xs_store *s = c->s;

    FOR_OVERLAY(tx, o)
    {
        struct xs_node *m = xs_ntab_find(&s->nodes, o->name, o->namelen, o->hash);

        if ((m ? m->gen : 0) != o->base_gen)
            return XS_EAGAIN;
    }
    if (tx->failed)
        return tx->overflow ? XS_EQUOTA : XS_ENOMEM;
    if (!c->priv && c->dom) {
        int64_t cnt = c->dom->nodes;

        FOR_OVERLAY(tx, o)
        {
            struct xs_node *m;

            if (!o->modified)
                continue;
            m = xs_ntab_find(&s->nodes, o->name, o->namelen, o->hash);
            if (m && m->perms[0].id == c->domid)
                cnt--;
            if (!o->deleted && o->perms[0].id == c->domid)
                cnt++;
        }
        if (cnt > (int64_t)c->dom->nodes && cnt > (int64_t)xs_quota(s, c->dom, XS_Q_NODES))
            return XS_EQUOTA;
    }
    FOR_OVERLAY(tx, o)
    {
        struct xs_node *m;

        if (!o->modified)
            continue;
        m = xs_ntab_find(&s->nodes, o->name, o->namelen, o->hash);
        if (o->deleted) {
            if (m) {
                xs_dom_nodes(s, m->perms[0].id, -1);
                xs_ntab_remove(&s->nodes, m);
                xs_node_free(m);
            }
            continue;
        }
        if (!m) {
            m = xs_node_alloc(o->name, o->namelen);
            if (!m) {
                xsp_log("xenstore: out of memory committing a transaction: %s", o->name);
                continue;
            }
            xs_ntab_insert(&s->nodes, m);
        } else {
            xs_dom_nodes(s, m->perms[0].id, -1);
        }
        swap_contents(m, o);
        xs_dom_nodes(s, m->perms[0].id, 1);
        m->gen = ++s->gen;
    }
    for (struct xs_evrec *e = tx->events; e; e = e->next) {
        uint32_t h = xs_hash(e->path, e->len);
        struct xs_node *n = xs_ntab_find(&s->nodes, e->path, e->len, h);

        if (!n) {
            /* Removed: the transaction copy kept the permissions. */
            n = xs_ntab_find(&tx->overlay, e->path, e->len, h);
            if (n && !n->nperms) {
                /* Contents were swapped into the store: find the old perms there. */
                n = NULL;
            }
        }
        if (n)
            xs_fire(s, e->path, e->len, n, e->recursive);
    }
    return 0;
}

/* ---------- request parsing ---------- */

/* Split a payload of nul-terminated strings; -1 if malformed or more than max. */
static int split(const char *p, uint32_t len, const char **argv, int max)
{
    int n = 0;
    uint32_t i = 0;

    while (i < len) {
        if (n == max)
            return -1;
        argv[n++] = p + i;
        while (i < len && p[i])
            i++;
        if (i == len)
            return -1;
        i++;
    }
    return n;
}

static bool path_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

/* Absolute form of a request path in out (XENSTORE_ABS_PATH_MAX + 1 bytes). */
static int canon(const struct xs_conn *c, const char *arg, char *out, uint32_t *olen,
                 bool *relative, bool allow_special)
{
    uint32_t len = (uint32_t)strlen(arg), n;

    *relative = false;
    if (!len)
        return XS_EINVAL;
    if (arg[0] == '@') {
        if (!allow_special || len > XENSTORE_ABS_PATH_MAX)
            return XS_EINVAL;
        memcpy(out, arg, len);
        n = len;
    } else if (arg[0] == '/') {
        if (len > XENSTORE_ABS_PATH_MAX)
            return XS_EINVAL;
        memcpy(out, arg, len);
        n = len;
    } else {
        if (len > XENSTORE_REL_PATH_MAX || c->homelen + len > XENSTORE_ABS_PATH_MAX)
            return XS_EINVAL;
        memcpy(out, c->home, c->homelen);
        memcpy(out + c->homelen, arg, len);
        n = c->homelen + len;
        *relative = true;
    }
    out[n] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        if (!path_char_ok(out[i]))
            return XS_EINVAL;
        if (out[i] == '/' && (out[i + 1] == '/' || (i + 1 == n && n > 1)))
            return XS_EINVAL;
    }
    *olen = n;
    return 0;
}

static void r_add(struct xs_store *s, const void *p, uint32_t len)
{
    if (s->rlen + len > XENSTORE_PAYLOAD_MAX) {
        s->roverflow = true;
        return;
    }
    if (len)
        memcpy(s->reply + s->rlen, p, len);
    s->rlen += len;
}

static void r_str(struct xs_store *s, const char *str)
{
    r_add(s, str, (uint32_t)strlen(str) + 1);
}

static void r_num(struct xs_store *s, uint64_t v)
{
    char buf[24];

    r_add(s, buf, xs_utoa(v, buf) + 1);
}

static int parse_domid(const char *a, uint32_t *domid)
{
    uint64_t v;

    if (!xs_parse_u64(a, XS_MAX_DOMID - 1, &v))
        return XS_EINVAL;
    *domid = (uint32_t)v;
    return 0;
}

static void set_home(struct xs_conn *c)
{
    memcpy(c->home, "/local/domain/", 14);
    c->homelen = 14 + xs_utoa(c->domid, c->home + 14);
    c->home[c->homelen++] = '/';
    c->home[c->homelen] = '\0';
}

/* ---------- handlers ---------- */

#define MAXARGS 16

struct req {
    struct xs_conn *c;
    const struct xs_msg_hdr *h;
    const char *p;
    const char *argv[MAXARGS];
    int argc;
    struct view v;
    char path[XENSTORE_ABS_PATH_MAX + 1];
    uint32_t plen;
    bool relative;
};

/* Common start: exactly nargs arguments, the first a path. */
static int path_req(struct req *r, int nargs, bool allow_special)
{
    if (r->argc != nargs)
        return XS_EINVAL;
    return canon(r->c, r->argv[0], r->path, &r->plen, &r->relative, allow_special);
}

/* The request's path (its first of `nargs` arguments) names an existing
 * node the connection may read. */
static int readable(struct req *r, unsigned int nargs, bool allow_special, struct xs_node **out)
{
    int err = path_req(r, nargs, allow_special);
    struct xs_node *n;

    if (err)
        return err;
    n = v_get(&r->v, r->path, r->plen);
    if (!n)
        return XS_ENOENT;
    if (!(xs_perm_for(r->c, n) & XS_PERM_READ))
        return XS_EACCES;
    *out = n;
    return 0;
}

static int h_directory(struct req *r)
{
    struct xs_node *n;
    int err = readable(r, 1, false, &n);

    if (err)
        return err;
    if (n->clen > XENSTORE_PAYLOAD_MAX)
        return XS_E2BIG;
    r_add(r->c->s, n->children, n->clen);
    return 0;
}

static int h_directory_part(struct req *r)
{
    struct xs_store *s = r->c->s;
    struct xs_node *n;
    uint64_t off;
    int err = readable(r, 2, false, &n);

    if (err)
        return err;
    if (!xs_parse_u64(r->argv[1], n->clen, &off))
        return XS_EINVAL;
    r_num(s, n->gen);
    while (off < n->clen) {
        uint32_t l = (uint32_t)strlen(n->children + off) + 1;

        if (s->rlen + l + 1 > XENSTORE_PAYLOAD_MAX)
            break;
        r_add(s, n->children + off, l);
        off += l;
    }
    if (off >= n->clen)
        r_add(s, "", 1);
    return 0;
}

static int h_read(struct req *r)
{
    struct xs_node *n;
    int err = readable(r, 1, false, &n);

    if (err)
        return err;
    r_add(r->c->s, n->value, n->vlen);
    return 0;
}

static int h_get_perms(struct req *r)
{
    struct xs_node *n;
    int err = readable(r, 1, true, &n);

    if (err)
        return err;
    for (uint32_t i = 0; i < n->nperms; i++) {
        static const char letters[] = "nrwb";
        char buf[24];

        buf[0] = letters[n->perms[i].perm & 3];
        r_add(r->c->s, buf, 1 + xs_utoa(n->perms[i].id, buf + 1) + 1);
    }
    return 0;
}

static int h_write(struct req *r)
{
    struct xs_conn *c = r->c;
    uint32_t i = 0, vlen;
    const char *value;
    struct xs_node *n;
    int err;

    while (i < r->h->len && r->p[i])
        i++;
    if (i == r->h->len)
        return XS_EINVAL;
    value = r->p + i + 1;
    vlen = r->h->len - i - 1;
    err = canon(c, r->p, r->path, &r->plen, &r->relative, false);
    if (err)
        return err;
    if (!c->priv && vlen > xs_quota(c->s, c->dom, XS_Q_VALUE_SIZE))
        return XS_E2BIG;
    n = v_get(&r->v, r->path, r->plen);
    if (n && !(xs_perm_for(c, n) & XS_PERM_WRITE))
        return XS_EACCES;
    if (!n) {
        err = v_create(&r->v, c, r->path, r->plen, &n);
        if (err)
            return err;
    }
    err = xs_node_set_value(n, value, vlen);
    if (err)
        return err;
    v_touch(&r->v, n);
    changed(&r->v, r->path, r->plen, n, false);
    r_str(c->s, "OK");
    return 0;
}

static int h_mkdir(struct req *r)
{
    struct xs_node *n;
    int err = path_req(r, 1, false);

    if (err)
        return err;
    n = v_get(&r->v, r->path, r->plen);
    if (!n) {
        err = v_create(&r->v, r->c, r->path, r->plen, &n);
        if (err)
            return err;
        changed(&r->v, r->path, r->plen, n, false);
    } else if (!(xs_perm_for(r->c, n) & XS_PERM_WRITE)) {
        return XS_EACCES;
    }
    r_str(r->c->s, "OK");
    return 0;
}

static int h_rm(struct req *r)
{
    struct xs_node *n, *parent;
    uint32_t pl;
    int err = path_req(r, 1, false);

    if (err)
        return err;
    if (r->plen == 1)
        return XS_EINVAL;
    n = v_get(&r->v, r->path, r->plen);
    if (!n)
        return XS_ENOENT;
    if (!(xs_perm_for(r->c, n) & XS_PERM_WRITE))
        return XS_EACCES;
    pl = parent_len(r->path, r->plen);
    parent = v_get(&r->v, r->path, pl);
    if (!parent)
        return XS_EIO;
    changed(&r->v, r->path, r->plen, n, true);
    xs_child_del(parent, r->path + (pl == 1 ? 1 : pl + 1), r->plen - (pl == 1 ? 1 : pl + 1));
    v_touch(&r->v, parent);
    v_remove_tree(&r->v, r->c, n);
    r_str(r->c->s, "OK");
    return 0;
}

static int h_set_perms(struct req *r)
{
    struct xs_conn *c = r->c;
    struct xs_perm perms[MAXARGS];
    uint32_t np = 0, old_owner;
    struct xs_node *n;
    int err;

    if (r->argc < 2)
        return XS_EINVAL;
    err = canon(c, r->argv[0], r->path, &r->plen, &r->relative, true);
    if (err)
        return err;
    if (r->path[0] == '@' && !c->priv)
        return XS_EACCES;
    for (int i = 1; i < r->argc; i++) {
        const char *a = r->argv[i];
        uint32_t id;

        switch (a[0]) {
        case 'n':
            perms[np].perm = 0;
            break;
        case 'r':
            perms[np].perm = XS_PERM_READ;
            break;
        case 'w':
            perms[np].perm = XS_PERM_WRITE;
            break;
        case 'b':
            perms[np].perm = XS_PERM_READ | XS_PERM_WRITE;
            break;
        default:
            return XS_EINVAL;
        }
        if (parse_domid(a + 1, &id))
            return XS_EINVAL;
        perms[np++].id = id;
    }
    if (!c->priv && np > xs_quota(c->s, c->dom, XS_Q_PERMS))
        return XS_EQUOTA;
    n = v_get(&r->v, r->path, r->plen);
    if (!n)
        return XS_ENOENT;
    if (!(xs_perm_for(c, n) & XS_PERM_WRITE))
        return XS_EACCES;
    if (!c->priv && perms[0].id != n->perms[0].id)
        return XS_EPERM;
    old_owner = n->perms[0].id;
    err = xs_node_set_perms(n, perms, np);
    if (err)
        return err;
    if (!r->v.tx && perms[0].id != old_owner) {
        xs_dom_nodes(c->s, old_owner, -1);
        xs_dom_nodes(c->s, perms[0].id, 1);
    }
    v_touch(&r->v, n);
    if (r->path[0] != '@')
        changed(&r->v, r->path, r->plen, n, false);
    r_str(c->s, "OK");
    return 0;
}

static int h_watch(struct req *r)
{
    struct xs_conn *c = r->c;
    const char *token;
    uint32_t tlen;
    int err = path_req(r, 2, true);

    if (err)
        return err;
    token = r->argv[1];
    tlen = (uint32_t)strlen(token);
    if (xs_watch_find(c, r->path, r->plen, token, tlen))
        return XS_EEXIST;
    if (!c->priv && c->dom && c->dom->watches >= xs_quota(c->s, c->dom, XS_Q_WATCHES))
        return XS_EQUOTA;
    c->s->new_watch = xs_watch_add(c, r->path, r->plen, token, tlen, r->relative);
    if (!c->s->new_watch)
        return XS_ENOMEM;
    r_str(c->s, "OK");
    return 0;
}

static int h_unwatch(struct req *r)
{
    struct xs_watch *w;
    int err = path_req(r, 2, true);

    if (err)
        return err;
    w = xs_watch_find(r->c, r->path, r->plen, r->argv[1], (uint32_t)strlen(r->argv[1]));
    if (!w)
        return XS_ENOENT;
    xs_watch_del(r->c, w);
    r_str(r->c->s, "OK");
    return 0;
}

static int h_tx_start(struct req *r)
{
    struct xs_conn *c = r->c;
    struct xs_store *s = c->s;
    struct xs_tx *tx;

    if (r->h->tx_id)
        return XS_EBUSY;
    if (r->argc > 1 || (r->argc == 1 && r->argv[0][0]))
        return XS_EINVAL;
    if (s->ntx >= s->lim.max_transactions)
        return XS_EQUOTA;
    if (!c->priv && c->dom && c->dom->transactions >= xs_quota(s, c->dom, XS_Q_TRANSACTIONS))
        return XS_EQUOTA;
    tx = xs_zalloc(sizeof(*tx));
    if (!tx || xs_ntab_init(&tx->overlay, 16)) {
        xs_free(tx);
        return XS_ENOMEM;
    }
    tx->max_nodes = c->priv ? UINT32_MAX : xs_quota(s, c->dom, XS_Q_TX_NODES);
    do {
        tx->id = ++s->next_txid;
    } while (!tx->id);
    tx->next = c->txs;
    c->txs = tx;
    if (c->dom)
        c->dom->transactions++;
    s->ntx++;
    r_num(s, tx->id);
    return 0;
}

static int h_tx_end(struct req *r)
{
    int err = 0;

    if (r->argc != 1 || (strlen(r->argv[0]) != 1) || (r->argv[0][0] != 'T' && r->argv[0][0] != 'F'))
        return XS_EINVAL;
    if (r->argv[0][0] == 'T')
        err = tx_commit(r->c, r->v.tx);
    tx_free(r->c, r->v.tx);
    r->v.tx = NULL;
    if (!err)
        r_str(r->c->s, "OK");
    return err;
}

static int h_get_domain_path(struct req *r)
{
    char buf[40];
    uint32_t domid;

    if (r->argc != 1 || parse_domid(r->argv[0], &domid))
        return XS_EINVAL;
    memcpy(buf, "/local/domain/", 14);
    xs_utoa(domid, buf + 14);
    r_str(r->c->s, buf);
    return 0;
}

static void close_domain_conns(struct xs_store *s, uint32_t domid, struct xs_conn *except)
{
    for (struct xs_conn *o = s->conns; o; o = o->next)
        if (o != except && !o->priv && o->domid == domid && !o->broken) {
            o->broken = true;
            if (s->ops.output_ready)
                s->ops.output_ready(s->ops_ctx, o);
        }
}

static void fire_special(struct xs_store *s, const char *name)
{
    uint32_t len = (uint32_t)strlen(name);
    struct xs_node *n = xs_ntab_find(&s->nodes, name, len, xs_hash(name, len));

    xs_fire(s, name, len, n, false);
}

static int h_introduce(struct req *r)
{
    struct xs_store *s = r->c->s;
    uint64_t mfn, evtchn;
    uint32_t domid;
    struct xs_domain *d;
    int err;

    if (!r->c->priv)
        return XS_EACCES;
    if (r->argc != 3 || parse_domid(r->argv[0], &domid) || !domid ||
        !xs_parse_u64(r->argv[1], UINT64_MAX, &mfn) ||
        !xs_parse_u64(r->argv[2], UINT32_MAX, &evtchn))
        return XS_EINVAL;
    d = xs_dom_get(s, domid, true);
    if (!d)
        return XS_ENOMEM;
    if (d->introduced) {
        if (d->mfn != mfn || d->evtchn != evtchn)
            return XS_EEXIST;
        r_str(s, "OK");
        return 0;
    }
    if (s->ops.introduce) {
        err = s->ops.introduce(s->ops_ctx, domid, mfn, (uint32_t)evtchn);
        if (err)
            return err;
    }
    d->introduced = true;
    d->mfn = mfn;
    d->evtchn = (uint32_t)evtchn;
    fire_special(s, "@introduceDomain");
    r_str(s, "OK");
    return 0;
}

static int introduced_domain(struct req *r, int nargs, struct xs_domain **out)
{
    uint32_t domid;

    if (!r->c->priv)
        return XS_EACCES;
    if (r->argc != nargs || parse_domid(r->argv[0], &domid))
        return XS_EINVAL;
    *out = xs_dom_get(r->c->s, domid, false);
    if (!*out || !(*out)->introduced)
        return XS_ENOENT;
    return 0;
}

static int h_release(struct req *r)
{
    struct xs_store *s = r->c->s;
    struct xs_domain *d;
    int err = introduced_domain(r, 1, &d);

    if (err)
        return err;
    if (!d->domid)
        return XS_EINVAL;
    if (s->ops.release)
        s->ops.release(s->ops_ctx, d->domid);
    d->introduced = false;
    d->has_target = false;
    close_domain_conns(s, d->domid, r->c);
    fire_special(s, "@releaseDomain");
    r_str(s, "OK");
    return 0;
}

static int h_is_introduced(struct req *r)
{
    uint32_t domid;
    struct xs_domain *d;

    if (r->argc != 1 || parse_domid(r->argv[0], &domid))
        return XS_EINVAL;
    d = xs_dom_get(r->c->s, domid, false);
    r_str(r->c->s, d && d->introduced ? "T" : "F");
    return 0;
}

static int h_resume(struct req *r)
{
    struct xs_domain *d;
    int err = introduced_domain(r, 1, &d);

    if (!err)
        r_str(r->c->s, "OK");
    return err;
}

static int h_set_target(struct req *r)
{
    struct xs_domain *d, *t;
    uint32_t tid;
    int err = introduced_domain(r, 2, &d);

    if (err)
        return err;
    if (parse_domid(r->argv[1], &tid))
        return XS_EINVAL;
    t = xs_dom_get(r->c->s, tid, false);
    if (!t || !t->introduced)
        return XS_ENOENT;
    d->has_target = true;
    d->target = tid;
    r_str(r->c->s, "OK");
    return 0;
}

static void drop_watches_and_txs(struct xs_conn *c)
{
    while (c->watches)
        xs_watch_del(c, c->watches);
    while (c->txs)
        tx_free(c, c->txs);
}

static int h_reset_watches(struct req *r)
{
    if (r->argc > 1 || (r->argc == 1 && r->argv[0][0]))
        return XS_EINVAL;
    drop_watches_and_txs(r->c);
    r_str(r->c->s, "OK");
    return 0;
}

static const uint32_t supported_features =
    XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR;

static int h_get_feature(struct req *r)
{
    uint32_t domid;
    struct xs_domain *d;

    if (!r->c->priv)
        return XS_EACCES;
    if (r->argc != 1 || parse_domid(r->argv[0], &domid))
        return XS_EINVAL;
    d = xs_dom_get(r->c->s, domid, false);
    if (!d || !d->introduced)
        return XS_ENOENT;
    r_num(r->c->s, d->features ? d->features : supported_features);
    return 0;
}

static int h_set_feature(struct req *r)
{
    struct xs_domain *d;
    uint64_t v;
    int err = introduced_domain(r, 2, &d);

    if (err)
        return err;
    if (!xs_parse_u64(r->argv[1], UINT32_MAX, &v) || (v & ~(uint64_t)supported_features))
        return XS_EINVAL;
    d->features = (uint32_t)v;
    r_str(r->c->s, "OK");
    return 0;
}

static const char *const quota_names[XS_Q_COUNT] = {
    "nodes",       "value-size",  "watches",           "transactions",
    "outstanding", "permissions", "transaction-nodes",
};

static int quota_index(const char *name)
{
    for (int i = 0; i < XS_Q_COUNT; i++) {
        size_t l = strlen(quota_names[i]);

        if (strlen(name) == l && !memcmp(name, quota_names[i], l))
            return i;
    }
    return -1;
}

/* GET_QUOTA "" (names) | <quota> (default) | <domid> <quota> (domain's). */
static int h_get_quota(struct req *r)
{
    struct xs_store *s = r->c->s;
    struct xs_domain *d = NULL;
    uint32_t domid;
    int q;

    if (!r->c->priv)
        return XS_EACCES;
    if (r->argc == 1 && !r->argv[0][0]) {
        for (int i = 0; i < XS_Q_COUNT; i++)
            r_str(s, quota_names[i]);
        return 0;
    }
    if (r->argc == 2) {
        if (parse_domid(r->argv[0], &domid))
            return XS_EINVAL;
        d = xs_dom_get(s, domid, false);
        if (!d)
            return XS_ENOENT;
    } else if (r->argc != 1) {
        return XS_EINVAL;
    }
    q = quota_index(r->argv[r->argc - 1]);
    if (q < 0)
        return XS_EINVAL;
    r_num(s, xs_quota(s, d, (enum xs_quota)q));
    return 0;
}

/* SET_QUOTA <quota> <value> (default) | <domid> <quota> <value> (one domain). */
static int h_set_quota(struct req *r)
{
    struct xs_store *s = r->c->s;
    struct xs_domain *d = NULL;
    uint32_t domid;
    uint64_t v;
    int q;

    if (!r->c->priv)
        return XS_EACCES;
    if (r->argc == 3) {
        if (parse_domid(r->argv[0], &domid))
            return XS_EINVAL;
        d = xs_dom_get(s, domid, true);
        if (!d)
            return XS_ENOMEM;
    } else if (r->argc != 2) {
        return XS_EINVAL;
    }
    q = quota_index(r->argv[r->argc - 2]);
    if (q < 0 || !xs_parse_u64(r->argv[r->argc - 1], UINT32_MAX - 1, &v))
        return XS_EINVAL;
    if (d)
        d->quota[q] = (uint32_t)v;
    else
        s->lim.quota[q] = (uint32_t)v;
    r_str(s, "OK");
    return 0;
}

/* Every node's parent exists and lists it; node counts match the domains'. */
static int check_store(struct xs_store *s)
{
    uint64_t per_dom_total = 0, counted = 0;

    for (uint32_t i = 0; i <= s->nodes.mask; i++)
        for (struct xs_node *n = s->nodes.b[i]; n; n = n->hnext) {
            uint32_t pl, off = 0, start;
            struct xs_node *p;
            bool found = false;

            counted++;
            if (n->name[0] == '@' || n->namelen == 1)
                continue;
            pl = parent_len(n->name, n->namelen);
            p = xs_ntab_find(&s->nodes, n->name, pl, xs_hash(n->name, pl));
            if (!p)
                return XS_EIO;
            start = pl == 1 ? 1 : pl + 1;
            while (off < p->clen && !found) {
                uint32_t l = (uint32_t)strlen(p->children + off);

                found = l == n->namelen - start && !memcmp(p->children + off, n->name + start, l);
                off += l + 1;
            }
            if (!found)
                return XS_EIO;
        }
    for (uint32_t d = 0; d < XS_MAX_DOMID; d++)
        if (s->domtab[d])
            per_dom_total += s->domtab[d]->nodes;
    return per_dom_total == counted ? 0 : XS_EIO;
}

static bool streq(const char *a, const char *b)
{
    size_t l = strlen(b);

    return strlen(a) == l && !memcmp(a, b, l);
}

static int h_control(struct req *r)
{
    struct xs_conn *c = r->c;
    struct xs_store *s = c->s;
    const char *cmd;

    if (!c->priv)
        return XS_EACCES;
    if (r->argc < 1)
        return XS_EINVAL;
    cmd = r->argv[0];
    if (streq(cmd, XS_CONTROL_ACT_AS)) {
        struct xs_domain *d;
        uint32_t domid;

        if (r->argc != 2 || parse_domid(r->argv[1], &domid))
            return XS_EINVAL;
        d = xs_dom_get(s, domid, false);
        if (!d || !d->introduced)
            return XS_ENOENT;
        if (c->watches || c->txs)
            return XS_EBUSY;
        if (c->dom) {
            c->dom->conns--;
            c->dom->outstanding -= c->out_replies;
        }
        c->dom = d;
        d->conns++;
        d->outstanding += c->out_replies;
        c->domid = domid;
        c->priv = false;
        set_home(c);
        r_str(s, "OK");
        return 0;
    }
    if (r->argc == 1 && streq(cmd, "stats")) {
        struct xs_stats st;
        static const char *const names[] = {"nodes",   "watches",  "transactions", "connections",
                                            "domains", "requests", "events",       "bytes"};
        uint64_t vals[8];

        xs_store_stats(s, &st);
        vals[0] = st.nodes;
        vals[1] = st.watches;
        vals[2] = st.transactions;
        vals[3] = st.connections;
        vals[4] = st.domains;
        vals[5] = st.requests;
        vals[6] = st.events;
        vals[7] = st.bytes_allocated;
        for (int i = 0; i < 8; i++) {
            char num[24];

            r_add(s, names[i], (uint32_t)strlen(names[i]));
            r_add(s, "=", 1);
            r_add(s, num, xs_utoa(vals[i], num));
            r_add(s, "", 1);
        }
        return 0;
    }
    if (r->argc == 1 && streq(cmd, "check")) {
        int err = check_store(s);

        if (!err)
            r_str(s, "OK");
        return err;
    }
    return XS_EINVAL;
}

static bool uses_tx(uint32_t type)
{
    switch (type) {
    case XS_DIRECTORY:
    case XS_DIRECTORY_PART:
    case XS_READ:
    case XS_GET_PERMS:
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_SET_PERMS:
    case XS_TRANSACTION_END:
        return true;
    default:
        return false;
    }
}

static int dispatch(struct req *r)
{
    switch (r->h->type) {
    case XS_CONTROL:
        return h_control(r);
    case XS_DIRECTORY:
        return h_directory(r);
    case XS_READ:
        return h_read(r);
    case XS_GET_PERMS:
        return h_get_perms(r);
    case XS_WATCH:
        return h_watch(r);
    case XS_UNWATCH:
        return h_unwatch(r);
    case XS_TRANSACTION_START:
        return h_tx_start(r);
    case XS_TRANSACTION_END:
        return r->v.tx ? h_tx_end(r) : XS_ENOENT;
    case XS_INTRODUCE:
        return h_introduce(r);
    case XS_RELEASE:
        return h_release(r);
    case XS_GET_DOMAIN_PATH:
        return h_get_domain_path(r);
    case XS_WRITE:
        return h_write(r);
    case XS_MKDIR:
        return h_mkdir(r);
    case XS_RM:
        return h_rm(r);
    case XS_SET_PERMS:
        return h_set_perms(r);
    case XS_IS_DOMAIN_INTRODUCED:
        return h_is_introduced(r);
    case XS_RESUME:
        return h_resume(r);
    case XS_SET_TARGET:
        return h_set_target(r);
    case XS_RESET_WATCHES:
        return h_reset_watches(r);
    case XS_DIRECTORY_PART:
        return h_directory_part(r);
    case XS_GET_FEATURE:
        return h_get_feature(r);
    case XS_SET_FEATURE:
        return h_set_feature(r);
    case XS_GET_QUOTA:
        return h_get_quota(r);
    case XS_SET_QUOTA:
        return h_set_quota(r);
    case 20: /* RESTRICT, withdrawn from the protocol */
        return XS_ENOSYS;
    default: /* WATCH_EVENT and ERROR are never requests */
        return XS_EINVAL;
    }
}

static void handle(struct xs_conn *c, const struct xs_msg_hdr *h, const char *p)
{
    struct xs_store *s = c->s;
    struct req r;
    int err = 0;

    s->requests++;
    s->rlen = 0;
    s->roverflow = false;
    s->new_watch = NULL;
    r.c = c;
    r.h = h;
    r.p = p;
    r.v.s = s;
    r.v.tx = NULL;
    r.argc = 0;
    if (h->type != XS_WRITE) {
        r.argc = split(p, h->len, r.argv, MAXARGS);
        if (r.argc < 0)
            err = XS_EINVAL;
    }
    if (!err && h->tx_id && uses_tx(h->type)) {
        r.v.tx = tx_find(c, h->tx_id);
        if (!r.v.tx)
            err = XS_ENOENT;
    }
    if (!err)
        err = dispatch(&r);
    if (!err && s->roverflow)
        err = XS_E2BIG;
    if (r.v.tx && r.v.tx->overflow)
        err = XS_EQUOTA; /* the transaction stays failed: its commit gets EQUOTA */
    if (err) {
        xs_send_error(c, h, err);
        return;
    }
    xs_send_reply(c, h, h->type, s->reply, s->rlen);
    if (s->new_watch)
        xs_watch_send(s->new_watch, s->new_watch->path, s->new_watch->pathlen);
}

/* ---------- connections ---------- */

bool xs_conn_want_input(const struct xs_conn *c)
{
    uint32_t limit = xs_quota(c->s, c->dom, XS_Q_OUTSTANDING);

    if (c->broken)
        return false;
    if (c->priv || !c->dom)
        return c->out_replies < limit;
    return c->dom->outstanding < limit;
}

size_t xs_conn_input_room(const struct xs_conn *c)
{
    return XS_IN_CAP - c->in_len;
}

int xs_conn_process(struct xs_conn *c)
{
    uint32_t off = 0;

    while (!c->broken && xs_conn_want_input(c) && c->in_len - off >= XS_HDR_SIZE) {
        struct xs_msg_hdr h;

        memcpy(&h, c->in + off, XS_HDR_SIZE);
        if (h.len > XENSTORE_PAYLOAD_MAX) {
            xsp_log("xenstore: domain %u sent a %u-byte payload: connection closed", c->domid,
                    h.len);
            xs_send_error(c, &h, XS_E2BIG);
            c->broken = true;
            break;
        }
        if (c->in_len - off < XS_HDR_SIZE + h.len)
            break;
        handle(c, &h, c->in + off + XS_HDR_SIZE);
        off += XS_HDR_SIZE + h.len;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    return c->broken ? -1 : 0;
}

long xs_conn_feed(struct xs_conn *c, const void *buf, size_t n)
{
    size_t take = XS_IN_CAP - c->in_len;

    if (c->broken)
        return -1;
    if (take > n)
        take = n;
    memcpy(c->in + c->in_len, buf, take);
    c->in_len += (uint32_t)take;
    if (xs_conn_process(c) < 0)
        return -1;
    return (long)take;
}

bool xs_conn_broken(const struct xs_conn *c)
{
    return c->broken;
}

void *xs_conn_user(const struct xs_conn *c)
{
    return c->user;
}

uint32_t xs_conn_domid(const struct xs_conn *c)
{
    return c->domid;
}

struct xs_conn *xs_conn_new(struct xs_store *s, uint32_t domid, bool privileged, void *user)
{
    struct xs_conn *c;

    if (domid >= XS_MAX_DOMID)
        return NULL;
    c = xs_zalloc(sizeof(*c));
    if (!c)
        return NULL;
    c->s = s;
    c->domid = domid;
    c->priv = privileged;
    c->user = user;
    c->dom = xs_dom_get(s, domid, true);
    if (!c->dom) {
        xs_free(c);
        return NULL;
    }
    c->dom->conns++;
    set_home(c);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    return c;
}

void xs_conn_free(struct xs_conn *c)
{
    struct xs_store *s = c->s;

    drop_watches_and_txs(c);
    while (c->out_head)
        xs_conn_output_consume(c, c->out_head->len - c->out_head->off);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    if (c->dom)
        c->dom->conns--;
    xs_free(c);
}

/* ---------- the store ---------- */

void xs_default_limits(struct xs_limits *lim)
{
    lim->quota[XS_Q_NODES] = 1000;
    lim->quota[XS_Q_VALUE_SIZE] = 2048;
    lim->quota[XS_Q_WATCHES] = 128;
    lim->quota[XS_Q_TRANSACTIONS] = 10;
    lim->quota[XS_Q_OUTSTANDING] = 64;
    lim->quota[XS_Q_PERMS] = 5;
    lim->quota[XS_Q_TX_NODES] = 2048;
    lim->max_transactions = 8192;
    lim->max_event_bytes = 8u << 20;
}

static int add_root_node(struct xs_store *s, const char *path)
{
    static const struct xs_perm none0 = {0, 0};
    uint32_t len = (uint32_t)strlen(path);
    struct xs_node *n = xs_node_alloc(path, len);

    if (!n || xs_node_set_perms(n, &none0, 1)) {
        xs_node_free(n);
        return XS_ENOMEM;
    }
    n->gen = ++s->gen;
    xs_ntab_insert(&s->nodes, n);
    xs_dom_nodes(s, 0, 1);
    if (len > 1 && path[0] == '/') {
        uint32_t pl = parent_len(path, len), start = pl == 1 ? 1 : pl + 1;
        struct xs_node *p = xs_ntab_find(&s->nodes, path, pl, xs_hash(path, pl));

        if (!p || xs_child_add(p, path + start, len - start))
            return XS_ENOMEM;
    }
    return 0;
}

struct xs_store *xs_store_new(const struct xs_limits *lim, const struct xs_transport_ops *ops,
                              void *ops_ctx)
{
    static const char *const initial[] = {"/", "/local", "/local/domain", "@introduceDomain",
                                          "@releaseDomain"};
    struct xs_store *s = xs_zalloc(sizeof(*s));

    if (!s)
        return NULL;
    if (lim)
        s->lim = *lim;
    else
        xs_default_limits(&s->lim);
    if (ops)
        s->ops = *ops;
    s->ops_ctx = ops_ctx;
    s->domtab = xs_zalloc(sizeof(*s->domtab) * XS_MAX_DOMID);
    s->watches.b = xs_zalloc(sizeof(*s->watches.b) * 64);
    s->watches.mask = 63;
    if (!s->domtab || !s->watches.b || xs_ntab_init(&s->nodes, 1024) || !xs_dom_get(s, 0, true))
        goto fail;
    s->domtab[0]->introduced = true;
    for (size_t i = 0; i < sizeof(initial) / sizeof(initial[0]); i++)
        if (add_root_node(s, initial[i]))
            goto fail;
    return s;
fail:
    xs_store_free(s);
    return NULL;
}

void xs_store_free(struct xs_store *s)
{
    if (!s)
        return;
    while (s->conns)
        xs_conn_free(s->conns);
    if (s->nodes.b) {
        for (uint32_t i = 0; i <= s->nodes.mask; i++) {
            struct xs_node *n = s->nodes.b[i], *next;

            for (; n; n = next) {
                next = n->hnext;
                xs_node_free(n);
            }
        }
        xs_free(s->nodes.b);
    }
    if (s->domtab)
        for (uint32_t d = 0; d < XS_MAX_DOMID; d++)
            xs_free(s->domtab[d]);
    xs_free(s->domtab);
    xs_free(s->watches.b);
    xs_free(s);
}

void xs_store_stats(const struct xs_store *s, struct xs_stats *st)
{
    st->nodes = s->nodes.count;
    st->watches = s->watches.count;
    st->transactions = s->ntx;
    st->connections = s->nconns;
    st->domains = s->ndomains;
    st->requests = s->requests;
    st->events = s->events;
    st->bytes_allocated = xs_allocated();
}
