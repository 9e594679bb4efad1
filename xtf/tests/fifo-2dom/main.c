/**
 * @file
 * The FIFO event channel ABI end to end, between two domains.  Each domain
 * registers a control block (EVTCHNOP_init_control) and one event array
 * page (EVTCHNOP_expand_array), then consumes events from its queues the
 * way a guest kernel does (take the ready word, follow the LINK fields,
 * clear LINKED and PENDING).  The primary proves Xen's errors (init_control
 * for an absent vCPU -ENOENT, for an unaligned or page-crossing offset or
 * a control gfn that is not RAM -EINVAL, twice for one vCPU -EINVAL;
 * expand_array with a gfn that is not RAM -EINVAL; set_priority above 15
 * -EINVAL), that link_bits is 17, that ports raised in order are linked in
 * order on the queue of their priority with the queue's ready bit set and
 * the control block's head on the first, that a higher priority gets its
 * own queue, and that a masked port stays pending and unlinked until
 * EVTCHNOP_unmask links it.  With its companion it then binds an
 * interdomain port and exchanges events both ways through the queues
 * (SCHEDOP_poll sees FIFO pending state).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor evtchn memory
 * @companion peer
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "FIFO event channels between two domains";

#define ROUNDS  20
#define PENDING (1u << 31)
#define MASKED  (1u << 30)
#define LINKED  (1u << 29)
#define LINK    0x1ffffu
#define BAD_GFN 0xf0000ul /* above RAM */

struct init_control {
    uint64_t control_gfn;
    uint32_t offset, vcpu;
    uint8_t link_bits, pad[7];
};

struct control_block {
    uint32_t ready, rsvd;
    uint32_t head[16];
};

static uint8_t control_page[4096] __aligned(4096);
static volatile uint32_t event_array[1024] __aligned(4096);
static volatile struct control_block *cb = (void *)control_page;
static uint32_t local_head[16];
static struct shared_info *s;

static long fifo_op(unsigned int op, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, op, arg);
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *bits)
{
    struct init_control ic = {.control_gfn = gfn, .offset = offset, .vcpu = vcpu};
    long rc = fifo_op(EVTCHNOP_init_control, &ic);

    if (bits)
        *bits = ic.link_bits;
    return rc;
}

static long expand_array(uint64_t gfn)
{
    return fifo_op(EVTCHNOP_expand_array, &gfn);
}

static long set_priority(evtchn_port_t port, uint32_t prio)
{
    uint32_t a[2] = {port, prio};

    return fifo_op(EVTCHNOP_set_priority, a);
}

/* Take one event off queue prio (bit prio of *ready set); 0 if none. */
static evtchn_port_t consume_one(unsigned int prio, uint32_t *ready)
{
    uint32_t head = local_head[prio], w, n;

    if (!head)
        head = __atomic_load_n(&cb->head[prio], __ATOMIC_SEQ_CST);
    if (!head || head >= 1024)
        return 0;
    w = __atomic_load_n(&event_array[head], __ATOMIC_SEQ_CST);
    do
        n = w & ~(LINKED | LINK);
    while (!__atomic_compare_exchange_n(&event_array[head], &w, n, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST));
    local_head[prio] = w & LINK;
    if (!(w & LINK))
        *ready &= ~(1u << prio);
    __atomic_fetch_and(&event_array[head], ~PENDING, __ATOMIC_SEQ_CST);
    return head;
}

/* Consume everything queued, in priority order; store up to max ports. */
static unsigned int drain(evtchn_port_t *out, unsigned int max)
{
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    unsigned int n = 0;

    s->vcpu_info[0].evtchn_upcall_pending = 0;
    while (ready) {
        unsigned int prio = __builtin_ctz(ready);
        evtchn_port_t p = consume_one(prio, &ready);

        if (!p)
            ready &= ~(1u << prio);
        else if (n < max)
            out[n++] = p;
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    return n;
}

/* Wait (up to 5 s) for port to come off a queue. */
static bool wait_port(evtchn_port_t port)
{
    uint64_t end = xen_system_time(s) + 5000000000ull;
    evtchn_port_t got[8];

    while (xen_system_time(s) < end) {
        unsigned int n = drain(got, ARRAY_SIZE(got));

        for (unsigned int i = 0; i < n; i++)
            if (got[i] == port)
                return true;
        sched_poll_ports(&port, 1, xen_system_time(s) + 20000000ull);
    }
    return false;
}

static bool setup_fifo(bool check_errors)
{
    uint8_t bits = 0;
    long rc;

    if (check_errors) {
        xtf_expect_rc("init_control vCPU 5",
                      init_control((unsigned long)control_page >> 12, 0, 5, NULL), -ENOENT);
        xtf_expect_rc("init_control offset 4",
                      init_control((unsigned long)control_page >> 12, 4, 0, NULL), -EINVAL);
        xtf_expect_rc("init_control offset crossing the page",
                      init_control((unsigned long)control_page >> 12, 4096 - 8, 0, NULL), -EINVAL);
        xtf_expect_rc("init_control gfn above RAM", init_control(BAD_GFN, 0, 0, NULL), -EINVAL);
        xtf_expect_rc("expand_array before init_control",
                      expand_array((unsigned long)event_array >> 12), -EOPNOTSUPP);
    }
    rc = init_control((unsigned long)control_page >> 12, 0, 0, &bits);
    if (rc) {
        xtf_failure("Fail: init_control: %ld%s\n", rc, rc == -ENOSYS ? " (no FIFO ABI)" : "");
        return false;
    }
    if (bits != 17)
        xtf_failure("Fail: link_bits %u, expected 17\n", bits);
    if (check_errors) {
        xtf_expect_rc("second init_control for vCPU 0",
                      init_control((unsigned long)control_page >> 12, 0, 0, NULL), -EINVAL);
        xtf_expect_rc("expand_array gfn above RAM", expand_array(BAD_GFN), -EINVAL);
    }
    rc = expand_array((unsigned long)event_array >> 12);
    if (rc) {
        xtf_failure("Fail: expand_array: %ld\n", rc);
        return false;
    }
    return true;
}

static domid_t one_domid(const char *role)
{
    domid_t id;

    if (xtf_domids(role, &id, 1) != 1)
        panic("no domid for role %s on the command line\n", role);
    return id;
}

static void check_queues(void)
{
    evtchn_port_t a = 0, b = 0, c = 0, d = 0, got[8] = {0};
    unsigned int n;

    xtf_expect_rc("bind_ipi A", evtchn_bind_ipi(0, &a), 0);
    xtf_expect_rc("bind_ipi B", evtchn_bind_ipi(0, &b), 0);
    xtf_expect_rc("bind_ipi C", evtchn_bind_ipi(0, &c), 0);
    xtf_expect_rc("bind_ipi D", evtchn_bind_ipi(0, &d), 0);
    xtf_expect_rc("set_priority 16", set_priority(b, 16), -EINVAL);
    xtf_expect_rc("set_priority B 3", set_priority(b, 3), 0);
    drain(got, 0);

    xtf_expect_rc("send A", evtchn_send(a), 0);
    xtf_expect_rc("send B", evtchn_send(b), 0);
    xtf_expect_rc("send C", evtchn_send(c), 0);
    xtf_expect_rc("send D", evtchn_send(d), 0);
    if (cb->ready != ((1u << 7) | (1u << 3)))
        xtf_failure("Fail: ready %#x, expected queues 3 and 7 (%#x)\n", cb->ready,
                    (1u << 7) | (1u << 3));
    if (cb->head[7] != a || cb->head[3] != b)
        xtf_failure("Fail: heads: queue 7 %u (want %u), queue 3 %u (want %u)\n", cb->head[7], a,
                    cb->head[3], b);
    if ((event_array[a] & (PENDING | LINKED | LINK)) != (PENDING | LINKED | c) ||
        (event_array[c] & (PENDING | LINKED | LINK)) != (PENDING | LINKED | d) ||
        (event_array[d] & (PENDING | LINKED | LINK)) != (PENDING | LINKED) ||
        (event_array[b] & (PENDING | LINKED | LINK)) != (PENDING | LINKED))
        xtf_failure("Fail: words A %#x B %#x C %#x D %#x (A->C->D on queue 7, B alone on 3)\n",
                    event_array[a], event_array[b], event_array[c], event_array[d]);
    if (!s->vcpu_info[0].evtchn_upcall_pending)
        xtf_failure("Fail: no upcall pending after queued events\n");
    n = drain(got, ARRAY_SIZE(got));
    if (n != 4 || got[0] != b || got[1] != a || got[2] != c || got[3] != d)
        xtf_failure("Fail: consumed %u events %u %u %u %u, expected %u %u %u %u\n", n, got[0],
                    got[1], got[2], got[3], b, a, c, d);

    /* Masked: pending but not linked, until unmask. */
    __atomic_fetch_or(&event_array[a], MASKED, __ATOMIC_SEQ_CST);
    xtf_expect_rc("send masked A", evtchn_send(a), 0);
    if ((event_array[a] & (PENDING | LINKED)) != PENDING || cb->ready)
        xtf_failure("Fail: masked A: word %#x ready %#x, expected pending and unlinked\n",
                    event_array[a], cb->ready);
    xtf_expect_rc("unmask A", evtchn_unmask(a), 0);
    if ((event_array[a] & (PENDING | LINKED | MASKED)) != (PENDING | LINKED) ||
        cb->ready != (1u << 7) || cb->head[7] != a)
        xtf_failure("Fail: after unmask: word %#x ready %#x head %u\n", event_array[a], cb->ready,
                    cb->head[7]);
    n = drain(got, ARRAY_SIZE(got));
    if (n != 1 || got[0] != a)
        xtf_failure("Fail: after unmask consumed %u events (first %u)\n", n, got[0]);
    evtchn_close(a);
    evtchn_close(b);
    evtchn_close(c);
    evtchn_close(d);
}

static void primary(void)
{
    domid_t peer = one_domid("peer");
    evtchn_port_t port = 0;
    struct evtchn_status st;
    unsigned int i;

    if (!setup_fifo(true))
        return;
    check_queues();

    xtf_expect_rc("alloc_unbound for the peer", evtchn_alloc_unbound(peer, &port), 0);
    for (i = 0; i < 500000; i++) {
        xtf_expect_rc("status", evtchn_status(port, &st), 0);
        if (st.status == EVTCHNSTAT_interdomain)
            break;
        hypercall_yield();
    }
    if (st.status != EVTCHNSTAT_interdomain)
        return xtf_failure("Fail: the peer never bound (status %u)\n", st.status);
    if (!wait_port(port))
        return xtf_failure("Fail: no hello from the peer\n");
    for (i = 0; i < ROUNDS; i++) {
        xtf_expect_rc("send to the peer", evtchn_send(port), 0);
        if (!wait_port(port))
            return xtf_failure("Fail: no answer in round %u (word %#x ready %#x)\n", i,
                               event_array[port], cb->ready);
    }
    printk("%u rounds through FIFO queues\n", ROUNDS);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

static void peer(void)
{
    domid_t prim = one_domid("primary");
    evtchn_port_t local = 0, remote = 0;

    if (!setup_fifo(false))
        return;
    for (unsigned int i = 0; i < 500000 && !remote; i++) {
        for (evtchn_port_t p = 1; p < 64; p++)
            if (evtchn_bind_interdomain(prim, p, &local) == 0) {
                remote = p;
                break;
            }
        if (!remote)
            hypercall_yield();
    }
    if (!remote)
        return xtf_failure("Fail: no port of d%u was unbound for us\n", prim);
    /* A newly bound port starts pending: it comes off our queue. */
    if (!wait_port(local))
        xtf_failure("Fail: the newly bound port %u was not queued\n", local);
    xtf_expect_rc("hello", evtchn_send(local), 0);
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (!wait_port(local))
            return xtf_failure("Fail: nothing from the primary in round %u\n", i);
        xtf_expect_rc("answer", evtchn_send(local), 0);
    }
    if (xtf_status_is_success())
        xtf_success(NULL);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    xtf_main_by_role("peer", peer, primary);
}
