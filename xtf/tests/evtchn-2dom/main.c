/**
 * @file
 * Interdomain event channels between two domains.  The primary allocates an
 * unbound port for its companion (peer); the peer, told the primary's
 * domid, finds it by binding (every other remote port is refused with
 * -EINVAL), after which both ends report EVTCHNSTAT_interdomain naming the
 * other domain and port.  Proves events travel both ways (SCHEDOP_poll on
 * the receiving end returns with the port pending, many rounds), that a
 * second bind to the same remote port is refused, that the new local port
 * starts pending (as in Xen), and that when the peer
 * closes its end the primary's port goes back to unbound (for the peer's
 * domid) and sending on it still succeeds without reaching anybody.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor evtchn memory
 * @companion peer
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Interdomain event channels between two domains";

#define ROUNDS 20
#define TRIES  500000

static struct shared_info *s;

static domid_t one_domid(const char *role)
{
    domid_t id;

    if (xtf_domids(role, &id, 1) != 1)
        panic("no domid for role %s on the command line\n", role);
    return id;
}

/* Polls (of up to 20 ms) a wait makes at least, whatever the clock says. */
#define MIN_POLLS 250

/* Wait (SCHEDOP_poll) for `port` to become pending; clear it.  Gives up
 * after 5 s of system time and at least MIN_POLLS polls: system time runs
 * on while the host holds both domains off, so the clock alone could end
 * the wait before the other domain ran at all. */
static bool wait_event(evtchn_port_t port)
{
    uint64_t end = xen_system_time(s) + 5000000000ull;

    for (unsigned int polls = 0; xen_system_time(s) < end || polls < MIN_POLLS; polls++) {
        if (evtchn_test(s->evtchn_pending, port)) {
            evtchn_clear(s->evtchn_pending, port);
            return true;
        }
        sched_poll_ports(&port, 1, xen_system_time(s) + 20000000ull);
    }
    return false;
}

static void primary(void)
{
    domid_t peer = one_domid("peer");
    evtchn_port_t port = 0;
    struct evtchn_status st;
    unsigned int i;

    xtf_expect_rc("alloc_unbound for the peer", evtchn_alloc_unbound(peer, &port), 0);
    printk("port %u unbound for d%u\n", port, peer);
    for (i = 0; i < TRIES; i++) {
        xtf_expect_rc("status", evtchn_status(port, &st), 0);
        if (st.status == EVTCHNSTAT_interdomain)
            break;
        hypercall_yield();
    }
    if (st.status != EVTCHNSTAT_interdomain)
        return xtf_failure("Fail: the peer never bound (status %u)\n", st.status);
    if (st.u.interdomain.dom != peer)
        xtf_failure("Fail: bound to d%u, not the peer d%u\n", st.u.interdomain.dom, peer);
    printk("bound to d%u port %u\n", st.u.interdomain.dom, st.u.interdomain.port);

    /* The peer says hello once it has consumed its bind notification. */
    if (!wait_event(port))
        return xtf_failure("Fail: no hello from the peer\n");
    for (i = 0; i < ROUNDS; i++) {
        xtf_expect_rc("send to the peer", evtchn_send(port), 0);
        if (!wait_event(port)) {
            evtchn_status(port, &st);
            return xtf_failure("Fail: no answer from the peer in round %u (status %u, pending %d, "
                               "sel %#lx, upcall %u)\n",
                               i, st.status, evtchn_test(s->evtchn_pending, port),
                               (unsigned long)s->vcpu_info[0].evtchn_pending_sel,
                               s->vcpu_info[0].evtchn_upcall_pending);
        }
    }
    /* The peer closes after the last round: back to unbound for it. */
    for (i = 0; i < TRIES; i++) {
        xtf_expect_rc("status", evtchn_status(port, &st), 0);
        if (st.status != EVTCHNSTAT_interdomain)
            break;
        hypercall_yield();
    }
    if (st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != peer)
        xtf_failure("Fail: after the peer closed: status %u dom %u\n", st.status, st.u.unbound.dom);
    xtf_expect_rc("send on the orphaned port", evtchn_send(port), 0);
    xtf_expect_rc("close", evtchn_close(port), 0);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

static void peer(void)
{
    domid_t prim = one_domid("primary");
    evtchn_port_t local = 0, remote = 0, dummy;
    struct evtchn_status st;
    unsigned int i, refused = 0;

    /* Find the primary's port: only the one unbound for us binds. */
    for (i = 0; i < TRIES && !remote; i++) {
        for (evtchn_port_t p = 1; p < 64; p++) {
            long rc = evtchn_bind_interdomain(prim, p, &local);

            if (rc == 0) {
                remote = p;
                break;
            }
            if (rc != -EINVAL)
                return xtf_failure("Fail: bind_interdomain(d%u, %u): %ld\n", prim, p, rc);
            refused++;
        }
        if (!remote)
            hypercall_yield();
    }
    if (!remote)
        return xtf_failure("Fail: no port of d%u was unbound for us\n", prim);
    printk("bound local %u to d%u port %u (%u refused)\n", local, prim, remote, refused);
    /* As in Xen, binding marks the new local port pending (the remote end
     * may have sent before the bind): consume that first. */
    if (!evtchn_test(s->evtchn_pending, local))
        xtf_failure("Fail: the newly bound port is not pending\n");
    evtchn_clear(s->evtchn_pending, local);
    xtf_expect_rc("hello to the primary", evtchn_send(local), 0);
    xtf_expect_rc("second bind", evtchn_bind_interdomain(prim, remote, &dummy), -EINVAL);
    xtf_expect_rc("status", evtchn_status(local, &st), 0);
    if (st.status != EVTCHNSTAT_interdomain || st.u.interdomain.dom != prim ||
        st.u.interdomain.port != remote)
        xtf_failure("Fail: local status %u d%u port %u\n", st.status, st.u.interdomain.dom,
                    st.u.interdomain.port);

    for (i = 0; i < ROUNDS; i++) {
        if (!wait_event(local))
            return xtf_failure("Fail: nothing from the primary in round %u\n", i);
        xtf_expect_rc("send to the primary", evtchn_send(local), 0);
    }
    xtf_expect_rc("close", evtchn_close(local), 0);
    xtf_expect_rc("status after close", evtchn_status(local, &st), 0);
    if (st.status != EVTCHNSTAT_closed)
        xtf_failure("Fail: closed port has status %u\n", st.status);
    if (xtf_status_is_success())
        xtf_success(NULL);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    xtf_main_by_role("peer", peer, primary);
}
