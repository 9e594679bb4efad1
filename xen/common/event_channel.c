/* Event channels with Xen's two-level ABI.
 *
 * Each domain has a table of ports (4096 with the 64-bit shared info
 * layout, 1024 with the 32-bit one; port 0 is reserved). A port is free,
 * unbound (waiting for a given remote domain to bind it), interdomain
 * (paired with a port of another domain, or of the same one), a virtual IRQ
 * or an IPI; it notifies one vCPU.
 *
 * Raising a port sets its bit in shared_info.evtchn_pending; unless the port
 * is masked, that sets its word's bit in the vCPU's evtchn_pending_sel and
 * then evtchn_upcall_pending, which makes the callback vector
 * (HVM_PARAM_CALLBACK_IRQ type 2) pending for as long as it stays set, and
 * wakes the vCPU. Unmasking a pending port delivers it then. vCPUs polling
 * (SCHEDOP_poll) for the port wake up.
 *
 * One lock guards every domain's table and the delivery into shared info:
 * operations are short, and interdomain pairs need no lock ordering. */
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

#define POLL_MAX_PORTS 128 /* as Xen: a fairly arbitrary limit */

struct evtchn {
    uint8_t state;
    uint8_t vcpu; /* the vCPU notified */
    domid_t dom;  /* unbound: who may bind; interdomain: the peer */
    uint32_t val; /* interdomain: the peer's port; virq: the VIRQ */
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
};

static DEFINE_SPINLOCK(evtchn_lock);

unsigned int evtchn_max_ports(const struct domain *d)
{
    return shared_info_is_compat(d) ? EVTCHN_2L_NR_CHANNELS_32 : EVTCHN_2L_NR_CHANNELS_64;
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
    if (__atomic_exchange_n(vi, 1, __ATOMIC_SEQ_CST))
        return; /* upcall already pending */
    if (v->upcall_vector)
        hvm_assert_evtchn_irq(v);
    else if (hvm_pending_interrupt(v) >= 0)
        vcpu_interrupt(v); /* the callback vector */
    else
        vcpu_wake(v);
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

/* Raise port of d (lock held). */
static void set_pending(struct domain *d, unsigned int port)
{
    struct evtchn *c;

    if (!port_valid(d, port) || !d->shared_info)
        return;
    c = &d->evtchn->chn[port];
    if (test_and_set(pending_map(d), port))
        return;
    if (!test_bit_shared(mask_map(d), port))
        mark_vcpu_pending(d, c->vcpu, port);
    check_pollers(d, port);
}

/* --- hooks of the HVM layer and the scheduler --- */

static bool upcall_pending(struct vcpu *v)
{
    const uint8_t *vi = vcpu_info_ptr(v);

    return vi && __atomic_load_n(vi, __ATOMIC_SEQ_CST);
}

void evtchn_move_vcpu_info(struct vcpu *v, unsigned long gfn, unsigned int offset)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
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
    spin_unlock_irqrestore(&evtchn_lock, flags);
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
    flags = spin_lock_irqsave(&evtchn_lock);
    if (d->evtchn && v->vcpu_id < MAX_VCPUS) {
        unsigned int port = d->evtchn->vcpu[v->vcpu_id].virq_port[virq];

        if (port)
            set_pending(d, port);
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

void send_timer_virq(struct vcpu *v)
{
    shared_info_update_time(v);
    vcpu_runstate_area_update(v);
    send_guest_vcpu_virq(v, VIRQ_TIMER);
}

int evtchn_notify(struct domain *d, evtchn_port_t port)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    int rc = -EINVAL;

    if (port_valid(d, port) && d->evtchn->chn[port].state != ECS_FREE &&
        d->evtchn->chn[port].state != ECS_RESERVED) {
        set_pending(d, port);
        rc = 0;
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return rc;
}

/* --- ports --- */

static long get_free_port(struct domain *d)
{
    unsigned int max = evtchn_max_ports(d);

    for (unsigned int p = 1; p < max; p++)
        if (d->evtchn->chn[p].state == ECS_FREE)
            return p;
    return -ENOSPC;
}

/* Close port of d (lock held): 0 or -EINVAL. */
static long close_port(struct domain *d, unsigned int port)
{
    struct evtchn *c;

    if (!d->evtchn || port >= EVTCHN_2L_NR_CHANNELS_64)
        return -EINVAL;
    c = &d->evtchn->chn[port];
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_VIRQ:
        for (unsigned int i = 0; i < MAX_VCPUS; i++)
            if (d->evtchn->vcpu[i].virq_port[c->val] == port)
                d->evtchn->vcpu[i].virq_port[c->val] = 0;
        break;
    case ECS_INTERDOMAIN: {
        struct domain *r = domain_by_id(c->dom);

        /* The peer's end goes back to waiting for this domain. */
        if (r && r->evtchn && c->val < EVTCHN_2L_NR_CHANNELS_64) {
            struct evtchn *rc = &r->evtchn->chn[c->val];

            if (rc->state == ECS_INTERDOMAIN && rc->dom == d->domain_id) {
                rc->state = ECS_UNBOUND;
                rc->val = 0;
            }
        }
        break;
    }
    }
    *c = (struct evtchn){.state = ECS_FREE};
    if (d->shared_info && port < evtchn_max_ports(d))
        clear_bit_shared(pending_map(d), port);
    return 0;
}

static long op_alloc_unbound(struct vcpu *v, struct evtchn_alloc_unbound *a)
{
    struct domain *d;
    long err = 0, port;

    d = hypercall_target(v, a->dom, &err);
    if (!d)
        return err;
    if (!d->evtchn)
        return -ESRCH;
    port = get_free_port(d);
    if (port < 0)
        return port;
    d->evtchn->chn[port] = (struct evtchn){
        .state = ECS_UNBOUND,
        .dom = a->remote_dom == DOMID_SELF ? v->domain->domain_id : a->remote_dom,
    };
    a->port = port;
    return 0;
}

static long op_bind_interdomain(struct vcpu *v, struct evtchn_bind_interdomain *b)
{
    struct domain *ld = v->domain, *rd;
    domid_t rdom = b->remote_dom == DOMID_SELF ? ld->domain_id : b->remote_dom;
    struct evtchn *rc;
    long lport;

    rd = rdom < DOMID_FIRST_RESERVED ? domain_by_id(rdom) : NULL;
    if (!rd || !rd->evtchn || rd->state == DOMSTATE_DEAD)
        return -ESRCH;
    if (!port_valid(rd, b->remote_port))
        return -EINVAL;
    rc = &rd->evtchn->chn[b->remote_port];
    if (rc->state != ECS_UNBOUND || rc->dom != ld->domain_id)
        return -EINVAL;
    lport = get_free_port(ld);
    if (lport < 0)
        return lport;
    ld->evtchn->chn[lport] = (struct evtchn){
        .state = ECS_INTERDOMAIN,
        .dom = rd->domain_id,
        .val = b->remote_port,
    };
    rc->state = ECS_INTERDOMAIN;
    rc->val = lport;
    b->local_port = lport;
    /* The peer may have sent before the bind: signal the new end. */
    set_pending(ld, lport);
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
    d->evtchn->chn[port] = (struct evtchn){.state = ECS_VIRQ, .vcpu = b->vcpu, .val = b->virq};
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
    d->evtchn->chn[port] = (struct evtchn){.state = ECS_IPI, .vcpu = b->vcpu};
    b->port = port;
    return 0;
}

static long op_send(struct vcpu *v, evtchn_port_t port)
{
    struct domain *d = v->domain;
    struct evtchn *c;

    if (!port_valid(d, port))
        return -EINVAL;
    c = &d->evtchn->chn[port];
    switch (c->state) {
    case ECS_INTERDOMAIN: {
        struct domain *r = domain_by_id(c->dom);

        if (r)
            set_pending(r, c->val);
        return 0;
    }
    case ECS_IPI:
        set_pending(d, port);
        return 0;
    case ECS_UNBOUND:
        return 0; /* nobody listens yet: dropped */
    }
    return -EINVAL;
}

static long op_status(struct vcpu *v, struct evtchn_status *s)
{
    struct domain *d;
    struct evtchn *c;
    long err = 0;

    d = hypercall_target(v, s->dom, &err);
    if (!d)
        return err;
    if (!port_valid(d, s->port))
        return -EINVAL;
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
    case ECS_VIRQ:
        s->status = EVTCHNSTAT_virq;
        s->u.virq = c->val;
        break;
    case ECS_IPI:
        s->status = EVTCHNSTAT_ipi;
        break;
    }
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

    d = hypercall_target(v, r->dom, &err);
    if (!d)
        return err;
    if (!d->evtchn)
        return -ESRCH;
    for (unsigned int p = 1; p < EVTCHN_2L_NR_CHANNELS_64; p++)
        if (d->evtchn->chn[p].state != ECS_FREE)
            close_port(d, p);
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
};

/* Sub-ops whose result goes back to the guest. */
static bool writes_back(unsigned int op)
{
    return op == EVTCHNOP_bind_interdomain || op == EVTCHNOP_bind_virq ||
           op == EVTCHNOP_alloc_unbound || op == EVTCHNOP_bind_ipi || op == EVTCHNOP_status;
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
    } u;
    unsigned long flags;
    long rc;

    /* The FIFO ABI is not offered: as a hypervisor built without it. */
    if (cmd >= ARRAY_SIZE(arg_size) || !arg_size[cmd])
        return -ENOSYS;
    if (copy_from_guest(v, &u, arg, arg_size[cmd]))
        return -EFAULT;
    if (!v->domain->evtchn)
        return -ENOSYS;
    shared_info_latch_layout(v->domain, compat);

    flags = spin_lock_irqsave(&evtchn_lock);
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        rc = op_bind_interdomain(v, &u.bind_interdomain);
        break;
    case EVTCHNOP_bind_virq:
        rc = op_bind_virq(v, &u.bind_virq);
        break;
    case EVTCHNOP_bind_pirq:
        rc = -EINVAL; /* no physical IRQs are given to guests */
        break;
    case EVTCHNOP_close:
        rc = close_port(v->domain, u.close.port);
        break;
    case EVTCHNOP_send:
        rc = op_send(v, u.send.port);
        break;
    case EVTCHNOP_status:
        rc = op_status(v, &u.status);
        break;
    case EVTCHNOP_alloc_unbound:
        rc = op_alloc_unbound(v, &u.alloc_unbound);
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
    default:
        rc = op_reset(v, &u.reset);
        break;
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
    if (rc == 0 && writes_back(cmd) && copy_to_guest(v, arg, &u, arg_size[cmd]))
        return -EFAULT;
    return rc;
}

/* --- SCHEDOP_poll --- */

static void poll_timeout(void *data)
{
    struct vcpu *v = data;
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    struct evtchn_state *e = v->domain->evtchn;

    if (e)
        e->vcpu[v->vcpu_id].polling = false;
    spin_unlock_irqrestore(&evtchn_lock, flags);
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

    flags = spin_lock_irqsave(&evtchn_lock);
    for (unsigned int i = 0; i < p.nr_ports; i++)
        if (!port_valid(d, ports[i])) {
            spin_unlock_irqrestore(&evtchn_lock, flags);
            return -EINVAL;
        }
    /* Block first, then look: a port raised meanwhile wakes us. */
    v->blocked = true;
    ev->polling = true;
    ev->poll_port = p.nr_ports == 1 ? (int)ports[0] : -1;
    for (unsigned int i = 0; i < p.nr_ports; i++)
        if (d->shared_info && test_bit_shared(pending_map(d), ports[i]))
            ev->polling = false;
    if (!ev->polling) {
        v->blocked = false;
        spin_unlock_irqrestore(&evtchn_lock, flags);
        return 0;
    }
    if (p.timeout)
        set_timer(&ev->poll_timer, (s_time_t)p.timeout);
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return 0;
}

/* --- for the hypervisor's own connections (xenstore domain) --- */

long evtchn_alloc_unbound_port(struct domain *d, domid_t remote)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    long port = -ESRCH;

    if (d->evtchn) {
        port = get_free_port(d);
        if (port > 0)
            d->evtchn->chn[port] = (struct evtchn){.state = ECS_UNBOUND, .dom = remote};
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return port;
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    unsigned long flags;

    if (virq >= NR_VIRQS)
        return;
    flags = spin_lock_irqsave(&evtchn_lock);
    for (unsigned int i = 0; d->evtchn && i < MAX_VCPUS; i++) {
        unsigned int port = d->evtchn->vcpu[i].virq_port[virq];

        if (port) {
            set_pending(d, port);
            break;
        }
    }
    spin_unlock_irqrestore(&evtchn_lock, flags);
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
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);

    if (d->evtchn)
        for (unsigned int p = 1; p < EVTCHN_2L_NR_CHANNELS_64; p++)
            if (d->evtchn->chn[p].state != ECS_FREE)
                close_port(d, p);
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

void evtchn_destroy(struct domain *d)
{
    struct evtchn_state *e;
    unsigned long flags;

    evtchn_close_all(d);
    flags = spin_lock_irqsave(&evtchn_lock);
    e = d->evtchn;
    d->evtchn = NULL;
    spin_unlock_irqrestore(&evtchn_lock, flags);
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
    flags = spin_lock_irqsave(&evtchn_lock);
    page = d->shared_info;
    d->shared_info = NULL;
    spin_unlock_irqrestore(&evtchn_lock, flags);
    if (page)
        free_page(page);
}
