/**
 * @file
 * Event channel delivery through shared info (two-level ABI): proves that
 * sending on an IPI port sets its pending bit, its selector bit and the
 * vCPU's upcall flag; that a masked port only sets its pending bit until
 * unmask delivers it; that a second send while pending changes nothing and
 * close clears the pending bit; that the callback vector
 * (HVM_PARAM_CALLBACK_IRQ type 2) runs the guest's handler; that a
 * loopback interdomain pair signals each end and goes back to unbound when
 * one end closes; that VIRQ_TIMER fires after set_timer_op and wakes
 * SCHEDOP_block; that SCHEDOP_poll returns at once for a pending port and
 * after its timeout otherwise; and that time info and wallclock are set.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn memory
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Event channel delivery";

#define CB_VECTOR 0x2f /* the framework routes vectors 0x20-0x2f to handlers */

static struct shared_info *s;
static volatile unsigned int upcalls;
static volatile xen_ulong_t seen_sel;

/* The upcall handler a guest kernel would have: clear the flag, take the
 * selector, and leave the pending bits for the test to inspect. */
static void upcall(struct cpu_regs *regs)
{
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    seen_sel = __atomic_exchange_n(&s->vcpu_info[0].evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    upcalls++;
}

static void check_flags(const char *what, evtchn_port_t port, bool pending, bool sel, bool upcall)
{
    struct vcpu_info *vi = &s->vcpu_info[0];

    if (evtchn_test(s->evtchn_pending, port) != pending)
        xtf_failure("Fail: %s: pending bit of port %u is %d\n", what, port, !pending);
    if (!!(vi->evtchn_pending_sel & (1ul << (port / BITS_PER_XEN_ULONG))) != sel)
        xtf_failure("Fail: %s: selector bit of port %u is %d\n", what, port, !sel);
    if (!!vi->evtchn_upcall_pending != upcall)
        xtf_failure("Fail: %s: upcall_pending is %d\n", what, !upcall);
}

static void test_ipi_and_mask(void)
{
    evtchn_port_t port = 0;

    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &port), 0);
    evtchn_clear_all(s);
    xtf_expect_rc("send ipi", evtchn_send(port), 0);
    check_flags("after send", port, true, true, true);

    /* Already pending: nothing more happens. */
    s->vcpu_info[0].evtchn_pending_sel = 0;
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    xtf_expect_rc("send again", evtchn_send(port), 0);
    check_flags("send while pending", port, true, false, false);

    /* Masked: only the pending bit. */
    evtchn_clear_all(s);
    evtchn_set(s->evtchn_mask, port);
    xtf_expect_rc("send masked", evtchn_send(port), 0);
    check_flags("masked send", port, true, false, false);
    xtf_expect_rc("unmask", evtchn_unmask(port), 0);
    if (evtchn_test(s->evtchn_mask, port))
        xtf_failure("Fail: unmask left the mask bit set\n");
    check_flags("after unmask", port, true, true, true);

    /* Unmask of a port that is not pending delivers nothing. */
    evtchn_clear_all(s);
    evtchn_set(s->evtchn_mask, port);
    xtf_expect_rc("unmask idle", evtchn_unmask(port), 0);
    check_flags("unmask idle", port, false, false, false);

    xtf_expect_rc("send before close", evtchn_send(port), 0);
    xtf_expect_rc("close ipi", evtchn_close(port), 0);
    if (evtchn_test(s->evtchn_pending, port))
        xtf_failure("Fail: close left port %u pending\n", port);
    xtf_expect_rc("send on closed", evtchn_send(port), -EINVAL);
    evtchn_clear_all(s);
}

static void test_upcall(void)
{
    evtchn_port_t port = 0;
    unsigned long spins;

    xtf_set_irq_handler(CB_VECTOR, upcall);
    xtf_expect_rc("set CALLBACK_IRQ",
                  hvm_set_param(HVM_PARAM_CALLBACK_IRQ, CALLBACK_VIA_VECTOR(CB_VECTOR)), 0);
    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &port), 0);
    evtchn_clear_all(s);
    upcalls = 0;

    /* Interrupts off: the upcall waits. */
    cli();
    xtf_expect_rc("send", evtchn_send(port), 0);
    if (upcalls)
        xtf_failure("Fail: upcall with interrupts disabled\n");
    sti();
    for (spins = 0; !upcalls && spins < 1000000; spins++)
        cpu_relax();
    cli();
    if (upcalls != 1)
        xtf_failure("Fail: %u upcalls after one send, expected 1\n", upcalls);
    else if (!(seen_sel & (1ul << (port / BITS_PER_XEN_ULONG))))
        xtf_failure("Fail: upcall saw selector %#lx without port %u's word\n",
                    (unsigned long)seen_sel, port);
    if (!evtchn_test(s->evtchn_pending, port))
        xtf_failure("Fail: port %u not pending in the upcall\n", port);

    /* A masked send raises no upcall; unmask does. */
    evtchn_clear_all(s);
    evtchn_set(s->evtchn_mask, port);
    upcalls = 0;
    sti();
    xtf_expect_rc("masked send", evtchn_send(port), 0);
    for (spins = 0; spins < 100000; spins++)
        cpu_relax();
    if (upcalls)
        xtf_failure("Fail: upcall for a masked port\n");
    xtf_expect_rc("unmask", evtchn_unmask(port), 0);
    for (spins = 0; !upcalls && spins < 1000000; spins++)
        cpu_relax();
    cli();
    if (upcalls != 1)
        xtf_failure("Fail: %u upcalls after unmask, expected 1\n", upcalls);
    xtf_expect_rc("close", evtchn_close(port), 0);
    xtf_expect_rc("clear CALLBACK_IRQ", hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 0), 0);
    evtchn_clear_all(s);
}

static void test_loopback(void)
{
    evtchn_port_t a = 0, b = 0;
    struct evtchn_status st;
    domid_t self;

    xtf_expect_rc("alloc_unbound(self)", evtchn_alloc_unbound(DOMID_SELF, &a), 0);
    xtf_expect_rc("status a", evtchn_status(a, &st), 0);
    self = st.u.unbound.dom; /* DOMID_SELF reads back as our own id */
    if (self == DOMID_SELF)
        xtf_failure("Fail: unbound remote reads back as DOMID_SELF\n");
    xtf_expect_rc("bind_interdomain", evtchn_bind_interdomain(DOMID_SELF, a, &b), 0);
    if (a == b)
        xtf_failure("Fail: both ends on port %u\n", a);
    xtf_expect_rc("status b", evtchn_status(b, &st), 0);
    xtf_expect_rc("b is interdomain", st.status, EVTCHNSTAT_interdomain);
    xtf_expect_rc("b's peer port", st.u.interdomain.port, a);
    xtf_expect_rc("b's peer dom", st.u.interdomain.dom, self);
    xtf_expect_rc("status a", evtchn_status(a, &st), 0);
    xtf_expect_rc("a is interdomain", st.status, EVTCHNSTAT_interdomain);
    xtf_expect_rc("a's peer port", st.u.interdomain.port, b);

    evtchn_clear_all(s);
    xtf_expect_rc("send b", evtchn_send(b), 0);
    if (!evtchn_test(s->evtchn_pending, a) || evtchn_test(s->evtchn_pending, b))
        xtf_failure("Fail: send on %u did not raise only its peer %u\n", b, a);
    evtchn_clear_all(s);
    xtf_expect_rc("send a", evtchn_send(a), 0);
    if (!evtchn_test(s->evtchn_pending, b) || evtchn_test(s->evtchn_pending, a))
        xtf_failure("Fail: send on %u did not raise only its peer %u\n", a, b);

    xtf_expect_rc("close a", evtchn_close(a), 0);
    xtf_expect_rc("status b", evtchn_status(b, &st), 0);
    xtf_expect_rc("b back to unbound", st.status, EVTCHNSTAT_unbound);
    xtf_expect_rc("b waits for us", st.u.unbound.dom, self);
    xtf_expect_rc("rebind to b", evtchn_bind_interdomain(DOMID_SELF, b, &a), 0);
    xtf_expect_rc("close b", evtchn_close(b), 0);
    xtf_expect_rc("close a", evtchn_close(a), 0);
    evtchn_clear_all(s);
}

static void test_timer_and_poll(void)
{
    evtchn_port_t tport = 0, ipi = 0, bad[2];
    uint64_t t0, t1;
    long rc;

    t0 = xen_system_time(s);
    if (!t0)
        xtf_failure("Fail: system time is zero\n");
    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &tport), 0);
    evtchn_clear_all(s);
    xtf_expect_rc("set_timer_op", set_timer_op(t0 + 2000000), 0);
    for (unsigned int i = 0; i < 100 && !evtchn_test(s->evtchn_pending, tport); i++)
        hypercall_sched_op(SCHEDOP_block, NULL);
    t1 = xen_system_time(s);
    if (!evtchn_test(s->evtchn_pending, tport))
        xtf_failure("Fail: VIRQ_TIMER not pending after SCHEDOP_block\n");
    else if (t1 < t0 + 2000000)
        xtf_failure("Fail: timer fired %lu ns early\n", (unsigned long)(t0 + 2000000 - t1));
    if (!s->vcpu_info[0].evtchn_upcall_pending)
        xtf_failure("Fail: VIRQ_TIMER raised no upcall flag\n");

    /* Poll: pending port returns at once, an idle one after the timeout. */
    rc = sched_poll_ports(&tport, 1, 0);
    xtf_expect_rc("poll on pending port", rc, 0);
    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &ipi), 0);
    t0 = xen_system_time(s);
    xtf_expect_rc("poll with timeout", sched_poll_ports(&ipi, 1, t0 + 5000000), 0);
    t1 = xen_system_time(s);
    if (t1 < t0 + 5000000)
        xtf_failure("Fail: poll returned after %lu ns, before its 5 ms timeout\n",
                    (unsigned long)(t1 - t0));
    if (t1 > t0 + 5000000000ull)
        xtf_failure("Fail: poll took %lu x 2^20 ns\n", (unsigned long)((t1 - t0) >> 20));

    /* Poll errors. */
    bad[0] = ipi, bad[1] = EVTCHN_2L_NR_PORTS;
    xtf_expect_rc("poll bad port", sched_poll_ports(bad, 2, 0), -EINVAL);
    xtf_expect_rc("poll 129 ports", sched_poll_ports(bad, 129, 0), -EINVAL);
    xtf_expect_rc("poll bad array", sched_poll_ports(XTF_BAD_PTR, 1, 0), -EFAULT);
    xtf_expect_rc("poll bad arg", hypercall_sched_op(SCHEDOP_poll, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("close timer", evtchn_close(tport), 0);
    xtf_expect_rc("close ipi", evtchn_close(ipi), 0);
    evtchn_clear_all(s);
}

static void test_time_info(void)
{
    const struct vcpu_time_info *t = &s->vcpu_info[0].time;

    if (t->version & 1)
        xtf_failure("Fail: time info version %u is odd\n", t->version);
    if (!t->tsc_to_system_mul)
        xtf_failure("Fail: tsc_to_system_mul is zero\n");
    if (s->wc_version & 1)
        xtf_failure("Fail: wallclock version %u is odd\n", s->wc_version);
    /* 2020-01-01: any sane host clock is later. */
    if (s->wc_sec < 1577836800u)
        xtf_failure("Fail: wallclock %u s is before 2020\n", s->wc_sec);
    printk("system time %lu x 1024 ns, wallclock at boot %u s\n",
           (unsigned long)(xen_system_time(s) >> 10), s->wc_sec);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    test_time_info();
    test_ipi_and_mask();
    test_loopback();
    test_timer_and_poll();
    test_upcall();
    xtf_success(NULL);
}
