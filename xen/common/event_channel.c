/* Event channels with Xen's two ABIs: two-level and FIFO.
 *
 * Each domain has a table of ports (4096 with the 64-bit shared info
 * layout or FIFO, 1024 with the 32-bit 2-level layout, fewer if the
 * domain's max_event_channels says so; port 0 is reserved). A port is free,
 * unbound (waiting for a given remote domain to bind it), interdomain
 * (paired with a port of another domain, or of the same one), a virtual IRQ
 * or an IPI; it notifies one vCPU.
 *
 * Two-level: raising a port sets its bit in shared_info.evtchn_pending;
 * unless the port is masked, that sets its word's bit in the vCPU's
 * evtchn_pending_sel and then evtchn_upcall_pending.
 * FIFO (after EVTCHNOP_init_control): raising a port sets PENDING in its
 * event word (in the guest's event array pages); unless MASKED, the word is
 * LINKED onto the tail of its vCPU's queue for the port's priority (the
 * control block's head when the queue was empty) and the queue's ready bit
 * set, then evtchn_upcall_pending. A port raised before its event array
 * page exists is remembered and raised when the page comes.
 *
 * evtchn_upcall_pending makes the callback vector (HVM_PARAM_CALLBACK_IRQ
 * type 2) pending for as long as it stays set, and wakes the vCPU.
 * Unmasking a pending port delivers it then. vCPUs polling (SCHEDOP_poll)
 * for the port wake up.
 *
 * Locking: each domain's d->evtchn_lock guards its table, its FIFO state
 * and delivery into its shared info and event array. Operations that touch
 * two domains (bind_interdomain, closing an interdomain port) take both,
 * lower domain id first; sending takes the sender's lock to read the peer,
 * drops it, then takes the peer's and checks the pairing again. The order
 * against other locks is in docs/locking.md. Guest pages (control blocks,
 * event array) are looked up by gfn at each access, under the lock, so a
 * page the guest gives back simply stops receiving events. */
#include <xen/console.h>
#include <xen/event.h>
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <xen/xenstore_domain.h>
#include <asm/hvm/hvm.h>
#include <asm/percpu.h>
#include <public/sched.h>

#define ECS_FREE        0
#define ECS_RESERVED    1
#define ECS_UNBOUND     2
#define ECS_INTERDOMAIN 3
#define ECS_VIRQ        4
#define ECS_IPI         5
#define ECS_XEN         6 /* bound to a hypervisor service: val is its XEN_CONSUMER_* */

#define POLL_MAX_PORTS 128 /* as Xen: a fairly arbitrary limit */

struct evtchn {
    uint8_t state;
    uint8_t vcpu;      /* the vCPU notified */
    domid_t dom;       /* unbound: who may bind; interdomain: the peer */
    uint32_t val;      /* interdomain: the peer's port; virq: the VIRQ */
    uint8_t priority;  /* FIFO queue */
    bool fifo_pending; /* FIFO: raised while its event array page was missing */
};

struct fifo_vcpu {
    bool on;              /* control block registered */
    uint64_t control_gfn; /* and where */
    uint32_t offset;
    uint32_t tail[EVTCHN_FIFO_MAX_QUEUES]; /* last port linked per queue, 0 none */
};

struct evtchn_vcpu {
    uint16_t virq_port[NR_VIRQS]; /* 0: not bound */
    struct timer poll_timer;
    int poll_port; /* the one port polled, or -1 for any */
    bool polling;
};

struct evtchn_state {
    struct evtchn chn[EVTCHN_2L_NR_CHANNELS_64];
    struct evtchn_vcpu vcpu[MAX_VCPUS];
    bool fifo; /* the FIFO ABI is in use */
    unsigned int fifo_pages;
    uint64_t array_gfn[EVTCHN_2L_NR_CHANNELS_64 / EVTCHN_FIFO_WORDS_PER_PAGE];
    struct fifo_vcpu fifo_vcpu[MAX_VCPUS];
    /* No port at or above this was ever handed out (get_free_port): a
     * teardown closes the ports below it only, not all 4096. */
    unsigned int ports_used;
};

unsigned int evtchn_max_ports(const struct domain *d)
{
    unsigned int n = d->evtchn && d->evtchn->fifo ? EVTCHN_2L_NR_CHANNELS_64
                     : shared_info_is_compat(d)   ? EVTCHN_2L_NR_CHANNELS_32
                                                  : EVTCHN_2L_NR_CHANNELS_64;

    /* max_event_channels counts ports 1..N; port 0 is reserved. */
    if (d->max_evtchns && d->max_evtchns + 1 < n)
        n = d->max_evtchns + 1;
    return n;
}

static unsigned long evtchn_lock(struct domain *d)
{
    return spin_lock_irqsave(&d->evtchn_lock);
}

static void evtchn_unlock(struct domain *d, unsigned long flags)
{
    spin_unlock_irqrestore(&d->evtchn_lock, flags);
}

/* Both domains' locks, lower domain id first (one lock if a == b). */
static unsigned long evtchn_lock_pair(struct domain *a, struct domain *b)
{
    unsigned long flags;

    if (a == b)
        return evtchn_lock(a);
    if (a->domain_id > b->domain_id) {
        struct domain *t = a;
        a = b;
        b = t;
    }
    flags = spin_lock_irqsave(&a->evtchn_lock);
    spin_lock(&b->evtchn_lock);
    return flags;
}

static void evtchn_unlock_pair(struct domain *a, struct domain *b, unsigned long flags)
{
    if (a != b)
        spin_unlock(&(a->domain_id > b->domain_id ? a : b)->evtchn_lock);
    spin_unlock_irqrestore(&(a->domain_id > b->domain_id ? b : a)->evtchn_lock, flags);
}

static bool port_valid(const struct domain *d, unsigned long port)
{
    return d->evtchn && port < evtchn_max_ports(d);
}

static struct vcpu *domain_vcpu(struct domain *d, unsigned long id)
{
    return id < d->nr_vcpus ? d->vcpus[id] : NULL;
}

/* --- delivery into shared info --- */

/* Bit b of a bitmap in shared info: the same bytes in both layouts. */
static bool test_and_set(void *map, unsigned int b)
{
    uint32_t bit = 1u << (b & 31);
    return __atomic_fetch_or((uint32_t *)map + b / 32, bit, __ATOMIC_SEQ_CST) & bit;
}

static bool test_bit_shared(const void *map, unsigned int b)
{
    return __atomic_load_n((const uint32_t *)map + b / 32, __ATOMIC_SEQ_CST) & (1u << (b & 31));
}

static void clear_bit_shared(void *map, unsigned int b)
{
    __atomic_fetch_and((uint32_t *)map + b / 32, ~(1u << (b & 31)), __ATOMIC_SEQ_CST);
}

static uint8_t *pending_map(struct domain *d)
{
    return (uint8_t *)d->shared_info + 2048;
}

static uint8_t *mask_map(struct domain *d)
{
    return pending_map(d) + (shared_info_is_compat(d) ? 128 : 512);
}

/* Set the upcall flag of vCPU n and make it notice. */
static void mark_upcall(struct domain *d, unsigned int n)
{
    struct vcpu *v = domain_vcpu(d, n);
    uint8_t *vi = v ? vcpu_info_ptr(v) : NULL;

    if (!vi || __atomic_exchange_n(vi, 1, __ATOMIC_SEQ_CST))
        return; /* no vcpu_info, or upcall already pending */
    if (v->upcall_vector)
        hvm_assert_evtchn_irq(v); /* its own vector, through its APIC */
    else if (hvm_pending_interrupt(v) >= 0)
        vcpu_interrupt(v); /* the callback vector */
    else
        vcpu_wake(v);
}

/* Set the selector bit of port's word and the upcall flag of vCPU n; make
 * it notice. */
static void mark_vcpu_pending(struct domain *d, unsigned int n, unsigned int port)
{
    struct vcpu *v = domain_vcpu(d, n);
    uint8_t *vi = v ? vcpu_info_ptr(v) : NULL;
    bool was;

    if (!vi) {
        /* Its registered vcpu_info's frame was given back: the event has
         * nowhere to go, but a vCPU blocked for it must not sleep forever. */
        if (v)
            vcpu_wake(v);
        return;
    }
    if (shared_info_is_compat(d))
        was = test_and_set(vi + 4, port / 32);
    else
        was = test_and_set(vi + 8, port / 64);
    if (was)
        return;
    mark_upcall(d, n);
}

/* Wake vCPUs of d polling for port (or for any port). */
static void check_pollers(struct domain *d, unsigned int port)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct evtchn_vcpu *ev = &d->evtchn->vcpu[i];

        if (ev->polling && (ev->poll_port < 0 || ev->poll_port == (int)port)) {
            ev->polling = false;
            stop_timer(&ev->poll_timer);
            if (d->vcpus[i])
                vcpu_wake(d->vcpus[i]);
        }
    }
}

/* --- FIFO --- */

/* Port's event word, or NULL if its page is not there. Lock held. */
static uint32_t *fifo_word(struct domain *d, unsigned int port)
{
    struct evtchn_state *e = d->evtchn;
    unsigned int page = port / EVTCHN_FIFO_WORDS_PER_PAGE;
    uint32_t *base;

    if (page >= e->fifo_pages)
        return NULL;
    base = gfn_to_virt(d, e->array_gfn[page]);
    return base ? base + port % EVTCHN_FIFO_WORDS_PER_PAGE : NULL;
}

static struct evtchn_fifo_control_block *fifo_control(struct domain *d, unsigned int vcpu)
{
    struct fifo_vcpu *fv = &d->evtchn->fifo_vcpu[vcpu];
    uint8_t *page;

    if (!fv->on || !(page = gfn_to_virt(d, fv->control_gfn)))
        return NULL;
    return (struct evtchn_fifo_control_block *)(page + fv->offset);
}

static uint32_t word_or(uint32_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, 1u << bit, __ATOMIC_SEQ_CST);
}

static void word_clear(uint32_t *w, unsigned int bit)
{
    __atomic_fetch_and(w, ~(1u << bit), __ATOMIC_SEQ_CST);
}

/* Make tail's LINK point at port iff tail is still LINKED (the guest has
 * not consumed it); false when the queue turned out empty. */
static bool fifo_set_link(uint32_t *tail, unsigned int port)
{
    uint32_t w = __atomic_load_n(tail, __ATOMIC_SEQ_CST);

    for (;;) {
        uint32_t n;

        if (!(w & (1u << EVTCHN_FIFO_LINKED)))
            return false;
        n = (w & ~EVTCHN_FIFO_LINK_MASK) | port;
        if (__atomic_compare_exchange_n(tail, &w, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            return true;
    }
}

/* Queue a pending, unmasked port on its vCPU's queue for its priority,
 * unless already queued. Lock held. */
static void fifo_link(struct domain *d, unsigned int port, uint32_t *w)
{
    struct evtchn *c = &d->evtchn->chn[port];
    struct fifo_vcpu *fv = &d->evtchn->fifo_vcpu[c->vcpu];
    struct evtchn_fifo_control_block *cb = fifo_control(d, c->vcpu);
    unsigned int prio = c->priority;
    uint32_t *tw;
    bool linked = false;

    if (!cb || (__atomic_load_n(w, __ATOMIC_SEQ_CST) & (1u << EVTCHN_FIFO_MASKED)))
        return; /* no queue for that vCPU yet, or masked: unmask links it */
    if (word_or(w, EVTCHN_FIFO_LINKED) & (1u << EVTCHN_FIFO_LINKED))
        return;
    if (fv->tail[prio] && fv->tail[prio] != port && (tw = fifo_word(d, fv->tail[prio])))
        linked = fifo_set_link(tw, port);
    if (!linked)
        __atomic_store_n(&cb->head[prio], port, __ATOMIC_SEQ_CST);
    fv->tail[prio] = port;
    if (!(__atomic_fetch_or(&cb->ready, 1u << prio, __ATOMIC_SEQ_CST) & (1u << prio)))
        mark_upcall(d, c->vcpu);
}

static void fifo_set_pending(struct domain *d, unsigned int port)
{
    uint32_t *w = fifo_word(d, port);
    uint32_t old;

    if (!w) {
        d->evtchn->chn[port].fifo_pending = true;
        check_pollers(d, port);
        return;
    }
    old = word_or(w, EVTCHN_FIFO_PENDING);
    fifo_link(d, port, w);
    if (!(old & (1u << EVTCHN_FIFO_PENDING)))
        check_pollers(d, port);
}

/* Whether port is pending, in whichever ABI d uses. Lock held. */
static bool port_pending(struct domain *d, unsigned int port)
{
    if (d->evtchn->fifo) {
        uint32_t *w = fifo_word(d, port);

        return w ? __atomic_load_n(w, __ATOMIC_SEQ_CST) & (1u << EVTCHN_FIFO_PENDING)
                 : d->evtchn->chn[port].fifo_pending;
    }
    return d->shared_info && test_bit_shared(pending_map(d), port);
}

/* Raise port of d (lock held). */
static void set_pending(struct domain *d, unsigned int port)
{
    struct evtchn *c;

    if (!port_valid(d, port))
        return;
    if (d->evtchn->fifo)
        return fifo_set_pending(d, port);
    if (!d->shared_info)
        return;
    c = &d->evtchn->chn[port];
    if (test_and_set(pending_map(d), port))
        return;
    if (!test_bit_shared(mask_map(d), port))
        mark_vcpu_pending(d, c->vcpu, port);
    check_pollers(d, port);
}

/* Clear port's pending state when it closes. Lock held. */
static void clear_pending(struct domain *d, unsigned int port)
{
    if (d->evtchn->fifo) {
        uint32_t *w = fifo_word(d, port);

        d->evtchn->chn[port].fifo_pending = false;
        if (w)
            word_clear(w, EVTCHN_FIFO_PENDING);
    } else if (d->shared_info && port < evtchn_max_ports(d))
        clear_bit_shared(pending_map(d), port);
}

static long op_init_control(struct vcpu *v, struct evtchn_init_control *ic)
{
    struct domain *d = v->domain;
    struct evtchn_state *e = d->evtchn;
    struct fifo_vcpu *fv;
    bool first = !e->fifo;

    if (!domain_vcpu(d, ic->vcpu) || ic->vcpu >= MAX_VCPUS)
        return -ENOENT;
    if (ic->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (ic->offset & 7))
        return -EINVAL;
    if (!gfn_to_virt(d, ic->control_gfn) || ic->control_gfn >= d->nr_pages)
        return -EINVAL; /* not RAM of the domain */
    fv = &e->fifo_vcpu[ic->vcpu];
    if (fv->on)
        return -EINVAL; /* one control block per vCPU */
    memset(fv, 0, sizeof(*fv));
    fv->on = true;
    fv->control_gfn = ic->control_gfn;
    fv->offset = ic->offset;
    ic->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (first) {
        /* Switch ABI: the ports in use keep their pending state, to be
         * delivered once their event array page comes. A free port's
         * fields are all set when it is allocated: only ports in use are
         * visited (one pass read the 2-level state of every port and a
         * second wrote every port: most of a millisecond in one exit). */
        unsigned int max = evtchn_max_ports(d);

        for (unsigned int p = 0; p < max; p++) {
            struct evtchn *c = &e->chn[p];

            if (c->state == ECS_FREE)
                continue;
            c->fifo_pending = p && port_pending(d, p); /* still the 2-level ABI */
            c->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
        }
        e->fifo = true;
        e->fifo_pages = 0;
    }
    return 0;
}

static long op_expand_array(struct vcpu *v, struct evtchn_expand_array *ea)
{
    struct domain *d = v->domain;
    struct evtchn_state *e = d->evtchn;
    unsigned int first;

    if (!e->fifo)
        return -EOPNOTSUPP;
    if (e->fifo_pages >= ARRAY_SIZE(e->array_gfn) ||
        e->fifo_pages * EVTCHN_FIFO_WORDS_PER_PAGE >= evtchn_max_ports(d))
        return -ENOSPC; /* the domain's ports all have words already */
    if (!gfn_to_virt(d, ea->array_gfn) || ea->array_gfn >= d->nr_pages)
        return -EINVAL;
    e->array_gfn[e->fifo_pages++] = ea->array_gfn;
    /* Ports raised while their page was missing are raised now. */
    first = (e->fifo_pages - 1) * EVTCHN_FIFO_WORDS_PER_PAGE;
    for (unsigned int p = first; p < first + EVTCHN_FIFO_WORDS_PER_PAGE; p++)
        if (e->chn[p].fifo_pending) {
            e->chn[p].fifo_pending = false;
            fifo_set_pending(d, p);
        }
    return 0;
}

static long op_set_priority(struct vcpu *v, struct evtchn_set_priority *sp)
{
    struct domain *d = v->domain;

    if (!port_valid(d, sp->port))
        return -EINVAL;
    if (!d->evtchn->fifo)
        return -ENOSYS; /* the 2-level ABI has no priorities */
    if (sp->priority > EVTCHN_FIFO_PRIORITY_MIN)
        return -EINVAL;
    d->evtchn->chn[sp->port].priority = sp->priority;
    return 0;
}

/* --- hooks of the HVM layer and the scheduler --- */

static bool upcall_pending(struct vcpu *v)
{
    const uint8_t *vi = vcpu_info_ptr(v);

    return vi && __atomic_load_n(vi, __ATOMIC_SEQ_CST);
}

void evtchn_move_vcpu_info(struct vcpu *v, unsigned long gfn, unsigned int offset)
{
    unsigned long flags = evtchn_lock(v->domain);
    uint8_t *old = vcpu_info_ptr(v), *vi;

    v->vcpu_info_gfn = gfn;
    v->vcpu_info_offset = offset;
    __atomic_store_n(&v->vcpu_info_registered, true, __ATOMIC_RELEASE);
    vi = vcpu_info_ptr(v);
    if (vi && old)
        memmove(vi, old, 64);
    else if (vi)
        memset(vi, 0, 64);
    if (vi) {
        /* As Xen: every selector bit and the upcall flag set, so that the
         * guest rescans and no event raised before the move is lost. */
        if (shared_info_is_compat(v->domain))
            __atomic_store_n((uint32_t *)(vi + 4), ~0u, __ATOMIC_SEQ_CST);
        else
            __atomic_store_n((uint64_t *)(vi + 8), ~0ull, __ATOMIC_SEQ_CST);
        __atomic_store_n(vi, 1, __ATOMIC_SEQ_CST);
    }
    evtchn_unlock(v->domain, flags);
    shared_info_update_time(v);
    if (vi)
        hvm_assert_evtchn_irq(v);
    vcpu_wake(v);
}

/* The callback vector is level-triggered on evtchn_upcall_pending: the
 * guest's handler clears the flag before it looks at the selector. */
bool vcpu_callback_pending(struct vcpu *v)
{
    return upcall_pending(v);
}

void vcpu_callback_delivered(struct vcpu *v) {}

/* A vCPU whose registered vcpu_info lost its frame counts as always
 * having an event (on Xen the frame stays held with the flag set there):
 * its blocking calls return instead of hanging. */
bool vcpu_events_pending(struct vcpu *v)
{
    if (__atomic_load_n(&v->vcpu_info_registered, __ATOMIC_ACQUIRE) && !vcpu_info_ptr(v))
        return true;
    return upcall_pending(v);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    struct domain *d = v->domain;
    unsigned long flags;

    if (virq >= NR_VIRQS)
        return;
    flags = evtchn_lock(d);
    if (d->evtchn && v->vcpu_id < MAX_VCPUS) {
        unsigned int port = d->evtchn->vcpu[v->vcpu_id].virq_port[virq];

        if (port)
            set_pending(d, port);
    }
    evtchn_unlock(d, flags);
}

void send_timer_virq(struct vcpu *v)
{
    shared_info_update_time(v);
    vcpu_runstate_area_update(v);
    send_guest_vcpu_virq(v, VIRQ_TIMER);
}

int evtchn_notify(struct domain *d, evtchn_port_t port)
{
    unsigned long flags = evtchn_lock(d);
    int rc = -EINVAL;

    if (port_valid(d, port) && d->evtchn->chn[port].state != ECS_FREE &&
        d->evtchn->chn[port].state != ECS_RESERVED) {
        set_pending(d, port);
        rc = 0;
    }
    evtchn_unlock(d, flags);
    return rc;
}

/* --- ports --- */

static long get_free_port(struct domain *d)
{
    unsigned int max = evtchn_max_ports(d);

    for (unsigned int p = 1; p < max; p++)
        if (d->evtchn->chn[p].state == ECS_FREE) {
            if (p >= d->evtchn->ports_used)
                d->evtchn->ports_used = p + 1;
            return p;
        }
    return -ENOSPC;
}

/* Close port of d: 0 or -EINVAL. d's lock held, and for an interdomain
 * port also the lock of its peer r (found by close_port_peer). A guest may
 * close its console port, as it may close the interdomain one a console
 * daemon serves on Xen (Linux treats a failed close as a bug); the backend
 * then stops signalling. */
static long close_port_locked(struct domain *d, unsigned int port, struct domain *r)
{
    struct evtchn *c;

    if (!d->evtchn || port >= EVTCHN_2L_NR_CHANNELS_64)
        return -EINVAL;
    c = &d->evtchn->chn[port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_XEN:
        if (c->val == XEN_CONSUMER_CONSOLE && d->cons_port == port)
            d->cons_port = 0;
        break;
    case ECS_VIRQ:
        for (unsigned int i = 0; i < MAX_VCPUS; i++)
            if (d->evtchn->vcpu[i].virq_port[c->val] == port)
                d->evtchn->vcpu[i].virq_port[c->val] = 0;
        break;
    case ECS_INTERDOMAIN:
        /* The peer's end goes back to waiting for this domain. */
        if (r && r->evtchn && c->val < EVTCHN_2L_NR_CHANNELS_64) {
            struct evtchn *rc = &r->evtchn->chn[c->val];

            if (rc->state == ECS_INTERDOMAIN && rc->dom == d->domain_id && rc->val == port) {
                rc->state = ECS_UNBOUND;
                rc->val = 0;
            }
        }
        break;
    }
    clear_pending(d, port);
    *c = (struct evtchn){.state = ECS_FREE};
    return 0;
}

/* Close port of d, taking the locks it needs. */
static long close_port(struct domain *d, unsigned int port)
{
    unsigned long flags;
    struct domain *r = NULL;
    long rc;

    for (;;) {
        flags = evtchn_lock(d);
        if (!d->evtchn || port >= EVTCHN_2L_NR_CHANNELS_64 ||
            d->evtchn->chn[port].state != ECS_INTERDOMAIN) {
            rc = close_port_locked(d, port, NULL);
            evtchn_unlock(d, flags);
            return rc;
        }
        r = domain_by_id(d->evtchn->chn[port].dom);
        evtchn_unlock(d, flags);
        if (!r)
            r = d; /* the peer is gone: nothing of it to update */
        flags = evtchn_lock_pair(d, r);
        /* Still paired with that peer? Otherwise look again. */
        if (d->evtchn && d->evtchn->chn[port].state == ECS_INTERDOMAIN &&
            (r == d || d->evtchn->chn[port].dom == r->domain_id)) {
            rc = close_port_locked(d, port,
                                   r == d && d->evtchn->chn[port].dom != d->domain_id ? NULL : r);
            evtchn_unlock_pair(d, r, flags);
            return rc;
        }
        evtchn_unlock_pair(d, r, flags);
    }
}

static long op_alloc_unbound(struct vcpu *v, struct evtchn_alloc_unbound *a)
{
    struct domain *d;
    long err = 0, port;

    unsigned long flags;

    d = hypercall_target(v, a->dom, &err);
    if (!d)
        return err;
    flags = evtchn_lock(d);
    port = d->evtchn ? get_free_port(d) : -ESRCH;
    if (port < 0) {
        evtchn_unlock(d, flags);
        return port;
    }
    d->evtchn->chn[port] = (struct evtchn){
        .priority = EVTCHN_FIFO_PRIORITY_DEFAULT,
        .state = ECS_UNBOUND,
        .dom = a->remote_dom == DOMID_SELF ? v->domain->domain_id : a->remote_dom,
    };
    evtchn_unlock(d, flags);
    a->port = port;
    return 0;
}

static long op_bind_interdomain(struct vcpu *v, struct evtchn_bind_interdomain *b)
{
    struct domain *ld = v->domain, *rd;
    domid_t rdom = b->remote_dom == DOMID_SELF ? ld->domain_id : b->remote_dom;
    struct evtchn *rc;
    unsigned long flags;
    long lport;

    rd = rdom < DOMID_FIRST_RESERVED ? domain_by_id(rdom) : NULL;
    if (!rd || rd->state == DOMSTATE_DEAD)
        return -ESRCH;
    flags = evtchn_lock_pair(ld, rd);
    if (!rd->evtchn)
        lport = -ESRCH;
    else if (!port_valid(rd, b->remote_port))
        lport = -EINVAL;
    else if (rc = &rd->evtchn->chn[b->remote_port],
             rc->state != ECS_UNBOUND || rc->dom != ld->domain_id)
        lport = -EINVAL;
    else
        lport = get_free_port(ld);
    if (lport < 0) {
        evtchn_unlock_pair(ld, rd, flags);
        return lport;
    }
    ld->evtchn->chn[lport] = (struct evtchn){
        .priority = EVTCHN_FIFO_PRIORITY_DEFAULT,
        .state = ECS_INTERDOMAIN,
        .dom = rd->domain_id,
        .val = b->remote_port,
    };
    rc->state = ECS_INTERDOMAIN;
    rc->val = lport;
    b->local_port = lport;
    /* The peer may have sent before the bind: signal the new end. */
    set_pending(ld, lport);
    evtchn_unlock_pair(ld, rd, flags);
    return 0;
}

static bool virq_is_per_vcpu(unsigned int virq)
{
    return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU;
}

static long op_bind_virq(struct vcpu *v, struct evtchn_bind_virq *b)
{
    struct domain *d = v->domain;
    long port;

    if (b->virq >= NR_VIRQS)
        return -EINVAL;
    if (!virq_is_per_vcpu(b->virq) && b->vcpu != 0)
        return -EINVAL;
    if (!domain_vcpu(d, b->vcpu))
        return -ENOENT;
    if (d->evtchn->vcpu[b->vcpu].virq_port[b->virq])
        return -EEXIST;
    port = get_free_port(d);
    if (port < 0)
        return port;
    d->evtchn->chn[port] = (struct evtchn){.priority = EVTCHN_FIFO_PRIORITY_DEFAULT,
                                           .state = ECS_VIRQ,
                                           .vcpu = b->vcpu,
                                           .val = b->virq};
    d->evtchn->vcpu[b->vcpu].virq_port[b->virq] = port;
    b->port = port;
    return 0;
}

static long op_bind_ipi(struct vcpu *v, struct evtchn_bind_ipi *b)
{
    struct domain *d = v->domain;
    long port;

    if (!domain_vcpu(d, b->vcpu))
        return -ENOENT;
    port = get_free_port(d);
    if (port < 0)
        return port;
    d->evtchn->chn[port] = (struct evtchn){
        .priority = EVTCHN_FIFO_PRIORITY_DEFAULT, .state = ECS_IPI, .vcpu = b->vcpu};
    b->port = port;
    return 0;
}

static long op_send(struct vcpu *v, evtchn_port_t port, unsigned int *consumer)
{
    struct domain *d = v->domain, *r;
    struct evtchn *c;
    unsigned long flags = evtchn_lock(d);
    domid_t rdom;
    uint32_t rport;

    if (!port_valid(d, port)) {
        evtchn_unlock(d, flags);
        return -EINVAL;
    }
    c = &d->evtchn->chn[port];
    switch (c->state) {
    case ECS_INTERDOMAIN:
        rdom = c->dom;
        rport = c->val;
        evtchn_unlock(d, flags);
        /* Raise the peer under its own lock, if it is still our peer. */
        r = domain_by_id(rdom);
        if (!r)
            return 0;
        flags = evtchn_lock(r);
        if (r->evtchn && rport < EVTCHN_2L_NR_CHANNELS_64 &&
            r->evtchn->chn[rport].state == ECS_INTERDOMAIN &&
            r->evtchn->chn[rport].dom == d->domain_id && r->evtchn->chn[rport].val == port)
            set_pending(r, rport);
        evtchn_unlock(r, flags);
        return 0;
    case ECS_IPI:
        set_pending(d, port);
        evtchn_unlock(d, flags);
        return 0;
    case ECS_UNBOUND:
        evtchn_unlock(d, flags);
        return 0; /* nobody listens yet: dropped */
    case ECS_XEN:
        *consumer = c->val; /* called once the lock is dropped */
        evtchn_unlock(d, flags);
        return 0;
    }
    evtchn_unlock(d, flags);
    return -EINVAL;
}

static long op_status(struct vcpu *v, struct evtchn_status *s)
{
    struct domain *d;
    struct evtchn *c;
    long err = 0;

    unsigned long flags;

    d = hypercall_target(v, s->dom, &err);
    if (!d)
        return err;
    flags = evtchn_lock(d);
    if (!port_valid(d, s->port)) {
        evtchn_unlock(d, flags);
        return -EINVAL;
    }
    c = &d->evtchn->chn[s->port];
    memset(&s->u, 0, sizeof(s->u));
    s->vcpu = c->vcpu;
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        s->status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        s->status = EVTCHNSTAT_unbound;
        s->u.unbound.dom = c->dom;
        break;
    case ECS_INTERDOMAIN:
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = c->dom;
        s->u.interdomain.port = c->val;
        break;
    case ECS_XEN:
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = DOMID_XEN;
        break;
    case ECS_VIRQ:
        s->status = EVTCHNSTAT_virq;
        s->u.virq = c->val;
        break;
    case ECS_IPI:
        s->status = EVTCHNSTAT_ipi;
        break;
    }
    evtchn_unlock(d, flags);
    return 0;
}

static long op_bind_vcpu(struct vcpu *v, struct evtchn_bind_vcpu *b)
{
    struct domain *d = v->domain;
    struct evtchn *c;

    if (!domain_vcpu(d, b->vcpu))
        return -ENOENT;
    if (!port_valid(d, b->port))
        return -EINVAL;
    c = &d->evtchn->chn[b->port];
    switch (c->state) {
    case ECS_VIRQ:
        if (virq_is_per_vcpu(c->val))
            return -EINVAL;
        /* fall through */
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_XEN:
        c->vcpu = b->vcpu;
        return 0;
    }
    return -EINVAL;
}

static long op_unmask(struct vcpu *v, evtchn_port_t port)
{
    struct domain *d = v->domain;

    if (!port_valid(d, port))
        return -EINVAL;
    if (d->evtchn->fifo) {
        uint32_t *w = fifo_word(d, port);

        if (w) {
            word_clear(w, EVTCHN_FIFO_MASKED);
            if (__atomic_load_n(w, __ATOMIC_SEQ_CST) & (1u << EVTCHN_FIFO_PENDING))
                fifo_link(d, port, w);
        }
        return 0;
    }
    if (!d->shared_info)
        return 0;
    clear_bit_shared(mask_map(d), port);
    /* A port that became pending while masked is delivered now. */
    if (test_bit_shared(pending_map(d), port))
        mark_vcpu_pending(d, d->evtchn->chn[port].vcpu, port);
    return 0;
}

static long op_reset(struct vcpu *v, struct evtchn_reset *r)
{
    struct domain *d;
    long err = 0;

    unsigned long flags;

    d = hypercall_target(v, r->dom, &err);
    if (!d)
        return err;
    if (!d->evtchn)
        return -ESRCH;
    for (unsigned int p = 1; p < EVTCHN_2L_NR_CHANNELS_64; p++)
        if (d->evtchn && d->evtchn->chn[p].state != ECS_FREE)
            close_port(d, p);
    /* Back to the 2-level ABI, as Xen's reset does. */
    flags = evtchn_lock(d);
    if (d->evtchn) {
        d->evtchn->fifo = false;
        d->evtchn->fifo_pages = 0;
        memset(d->evtchn->fifo_vcpu, 0, sizeof(d->evtchn->fifo_vcpu));
    }
    evtchn_unlock(d, flags);
    return 0;
}

/* Sizes of each sub-op's argument (the same for 32- and 64-bit guests). */
static const unsigned int arg_size[] = {
    [EVTCHNOP_bind_interdomain] = sizeof(struct evtchn_bind_interdomain),
    [EVTCHNOP_bind_virq] = sizeof(struct evtchn_bind_virq),
    [EVTCHNOP_bind_pirq] = sizeof(struct evtchn_bind_pirq),
    [EVTCHNOP_close] = sizeof(struct evtchn_close),
    [EVTCHNOP_send] = sizeof(struct evtchn_send),
    [EVTCHNOP_status] = sizeof(struct evtchn_status),
    [EVTCHNOP_alloc_unbound] = sizeof(struct evtchn_alloc_unbound),
    [EVTCHNOP_bind_ipi] = sizeof(struct evtchn_bind_ipi),
    [EVTCHNOP_bind_vcpu] = sizeof(struct evtchn_bind_vcpu),
    [EVTCHNOP_unmask] = sizeof(struct evtchn_unmask),
    [EVTCHNOP_reset] = sizeof(struct evtchn_reset),
    [EVTCHNOP_init_control] = sizeof(struct evtchn_init_control),
    [EVTCHNOP_expand_array] = sizeof(struct evtchn_expand_array),
    [EVTCHNOP_set_priority] = sizeof(struct evtchn_set_priority),
};

/* Sub-ops whose result goes back to the guest. */
static bool writes_back(unsigned int op)
{
    return op == EVTCHNOP_bind_interdomain || op == EVTCHNOP_bind_virq ||
           op == EVTCHNOP_alloc_unbound || op == EVTCHNOP_bind_ipi || op == EVTCHNOP_status ||
           op == EVTCHNOP_init_control;
}

long do_event_channel_op(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long cmd = args[0], arg = args[1];
    union {
        struct evtchn_bind_interdomain bind_interdomain;
        struct evtchn_bind_virq bind_virq;
        struct evtchn_bind_pirq bind_pirq;
        struct evtchn_close close;
        struct evtchn_send send;
        struct evtchn_status status;
        struct evtchn_alloc_unbound alloc_unbound;
        struct evtchn_bind_ipi bind_ipi;
        struct evtchn_bind_vcpu bind_vcpu;
        struct evtchn_unmask unmask;
        struct evtchn_reset reset;
        struct evtchn_init_control init_control;
        struct evtchn_expand_array expand_array;
        struct evtchn_set_priority set_priority;
    } u;
    unsigned long flags;
    unsigned int consumer = 0;
    long rc;

    if (cmd >= ARRAY_SIZE(arg_size) || !arg_size[cmd])
        return -ENOSYS;
    if (copy_from_guest(v, &u, arg, arg_size[cmd]))
        return -EFAULT;
    if (!v->domain->evtchn)
        return -ENOSYS;
    shared_info_latch_layout(v->domain, compat);

    /* Ops on two domains, or on a target domain, lock for themselves; the
     * others work on the caller's domain under its lock. */
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        rc = op_bind_interdomain(v, &u.bind_interdomain);
        break;
    case EVTCHNOP_close:
        rc = close_port(v->domain, u.close.port);
        break;
    case EVTCHNOP_send:
        rc = op_send(v, u.send.port, &consumer);
        break;
    case EVTCHNOP_status:
        rc = op_status(v, &u.status);
        break;
    case EVTCHNOP_alloc_unbound:
        rc = op_alloc_unbound(v, &u.alloc_unbound);
        break;
    case EVTCHNOP_reset:
        rc = op_reset(v, &u.reset);
        break;
    default:
        flags = evtchn_lock(v->domain);
        switch (cmd) {
        case EVTCHNOP_bind_virq:
            rc = op_bind_virq(v, &u.bind_virq);
            break;
        case EVTCHNOP_bind_pirq:
            rc = -EINVAL; /* no physical IRQs are given to guests */
            break;
        case EVTCHNOP_bind_ipi:
            rc = op_bind_ipi(v, &u.bind_ipi);
            break;
        case EVTCHNOP_bind_vcpu:
            rc = op_bind_vcpu(v, &u.bind_vcpu);
            break;
        case EVTCHNOP_unmask:
            rc = op_unmask(v, u.unmask.port);
            break;
        case EVTCHNOP_init_control:
            rc = op_init_control(v, &u.init_control);
            break;
        case EVTCHNOP_expand_array:
            rc = op_expand_array(v, &u.expand_array);
            break;
        default:
            rc = op_set_priority(v, &u.set_priority);
            break;
        }
        evtchn_unlock(v->domain, flags);
        break;
    }
    /* A send to the hypervisor's end of a port, with no lock held. */
    if (consumer == XEN_CONSUMER_CONSOLE)
        console_ring_kick(v->domain);
    if (rc == 0 && writes_back(cmd) && copy_to_guest(v, arg, &u, arg_size[cmd]))
        return -EFAULT;
    return rc;
}

/* --- SCHEDOP_poll --- */

static void poll_timeout(void *data)
{
    struct vcpu *v = data;
    unsigned long flags = evtchn_lock(v->domain);
    struct evtchn_state *e = v->domain->evtchn;

    if (e)
        e->vcpu[v->vcpu_id].polling = false;
    evtchn_unlock(v->domain, flags);
    vcpu_wake(v);
}

long sched_poll(struct vcpu *v, unsigned long arg)
{
    struct domain *d = v->domain;
    struct sched_poll p;
    struct evtchn_vcpu *ev;
    evtchn_port_t ports[POLL_MAX_PORTS];
    unsigned long flags;
    struct x86_regs r;

    if (!d->evtchn)
        return -ENOSYS;
    hvm_funcs->get_regs(v, &r);
    if ((r.efer & EFER_LMA) && (r.seg[x86_seg_cs].attr & X86_SEG_L)) {
        if (copy_from_guest(v, &p, arg, sizeof(p)))
            return -EFAULT;
    } else {
        struct {
            uint32_t ports, nr_ports;
            uint64_t timeout;
        } c;

        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        p = (struct sched_poll){.ports = c.ports, .nr_ports = c.nr_ports, .timeout = c.timeout};
    }
    if (p.nr_ports > POLL_MAX_PORTS)
        return -EINVAL;
    if (p.nr_ports && copy_from_guest(v, ports, p.ports, p.nr_ports * sizeof(ports[0])))
        return -EFAULT;
    ev = &d->evtchn->vcpu[v->vcpu_id];

    flags = evtchn_lock(d);
    for (unsigned int i = 0; i < p.nr_ports; i++)
        if (!port_valid(d, ports[i])) {
            evtchn_unlock(d, flags);
            return -EINVAL;
        }
    /* Block first, then look: a port raised meanwhile wakes us. */
    v->blocked = true;
    ev->polling = true;
    ev->poll_port = p.nr_ports == 1 ? (int)ports[0] : -1;
    for (unsigned int i = 0; i < p.nr_ports; i++)
        if (port_pending(d, ports[i]))
            ev->polling = false;
    if (!ev->polling) {
        v->blocked = false;
        evtchn_unlock(d, flags);
        return 0;
    }
    if (p.timeout)
        set_timer(&ev->poll_timer, (s_time_t)p.timeout);
    evtchn_unlock(d, flags);
    return 0;
}

/* --- for the hypervisor's own connections (xenstore domain) --- */

long evtchn_alloc_unbound_port(struct domain *d, domid_t remote)
{
    unsigned long flags = evtchn_lock(d);
    long port = -ESRCH;

    if (d->evtchn) {
        port = get_free_port(d);
        if (port > 0)
            d->evtchn->chn[port] = (struct evtchn){
                .priority = EVTCHN_FIFO_PRIORITY_DEFAULT, .state = ECS_UNBOUND, .dom = remote};
    }
    evtchn_unlock(d, flags);
    return port;
}

long evtchn_alloc_xen_port(struct domain *d, unsigned int consumer)
{
    unsigned long flags = evtchn_lock(d);
    long port = -ESRCH;

    if (d->evtchn) {
        port = get_free_port(d);
        if (port > 0)
            d->evtchn->chn[port] = (struct evtchn){.priority = EVTCHN_FIFO_PRIORITY_DEFAULT,
                                                   .state = ECS_XEN,
                                                   .dom = DOMID_XEN,
                                                   .val = consumer};
    }
    evtchn_unlock(d, flags);
    return port;
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    unsigned long flags;

    if (virq >= NR_VIRQS)
        return;
    flags = evtchn_lock(d);
    for (unsigned int i = 0; d->evtchn && i < MAX_VCPUS; i++) {
        unsigned int port = d->evtchn->vcpu[i].virq_port[virq];

        if (port) {
            set_pending(d, port);
            break;
        }
    }
    evtchn_unlock(d, flags);
}

/* --- lifetime --- */

int evtchn_init(struct domain *d)
{
    struct evtchn_state *e = xzalloc(struct evtchn_state);

    if (!e)
        return -ENOMEM;
    e->chn[0].state = ECS_RESERVED;
    for (unsigned int i = 0; i < MAX_VCPUS; i++)
        if (i < d->nr_vcpus && d->vcpus[i])
            init_timer(&e->vcpu[i].poll_timer, poll_timeout, d->vcpus[i], d->vcpus[i]->processor);
    d->evtchn = e;
    return 0;
}

/* Close every port (peers' ends go back to unbound) and stop polling. Also
 * called before the shared info page goes. */
void evtchn_close_all(struct domain *d)
{
    for (unsigned int p = 1; d->evtchn && p < d->evtchn->ports_used; p++)
        if (d->evtchn->chn[p].state != ECS_FREE)
            close_port(d, p);
}

void evtchn_destroy(struct domain *d)
{
    struct evtchn_state *e;
    unsigned long flags;

    evtchn_close_all(d);
    flags = evtchn_lock(d);
    e = d->evtchn;
    d->evtchn = NULL;
    evtchn_unlock(d, flags);
    if (!e)
        return;
    for (unsigned int i = 0; i < MAX_VCPUS; i++)
        kill_timer(&e->vcpu[i].poll_timer); /* its callback may run elsewhere */
    xfree(e);
}

/* Shared info goes away under the lock, so no delivery touches it after. */
void evtchn_detach_shared_info(struct domain *d, void (*free_page)(void *))
{
    unsigned long flags;
    void *page;

    evtchn_close_all(d);
    flags = evtchn_lock(d);
    page = d->shared_info;
    d->shared_info = NULL;
    evtchn_unlock(d, flags);
    if (page)
        free_page(page);
}
