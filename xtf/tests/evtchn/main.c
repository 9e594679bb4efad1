/**
 * @file
 * Event channels: proves alloc_unbound gives a port whose status is
 * unbound, that send on it succeeds, that close frees it (status closed)
 * and a second close gives -EINVAL, and that bind_virq(TIMER) and
 * bind_ipi give ports with the matching status.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn
 */
#include <xtf.h>

const char test_title[] = "Event channel semantics";

void test_main(void)
{
    struct evtchn_status st;
    struct evtchn_bind_virq bv = {.virq = VIRQ_TIMER, .vcpu = 0};
    struct evtchn_bind_ipi bi = {.vcpu = 0};
    evtchn_port_t port = 0;
    long rc;

    xtf_require_hypervisor();
    rc = evtchn_alloc_unbound(0, &port);
    if (rc)
        return xtf_failure("Fail: alloc_unbound: %ld\n", rc);
    xtf_expect_rc("status", evtchn_status(port, &st), 0);
    xtf_expect_rc("status is unbound", st.status, EVTCHNSTAT_unbound);
    xtf_expect_rc("send on unbound", evtchn_send(port), 0);
    xtf_expect_rc("close", evtchn_close(port), 0);
    xtf_expect_rc("status after close", evtchn_status(port, &st), 0);
    xtf_expect_rc("status is closed", st.status, EVTCHNSTAT_closed);
    xtf_expect_rc("second close", evtchn_close(port), -EINVAL);

    xtf_expect_rc("bind_virq", hypercall_evtchn_op(EVTCHNOP_bind_virq, &bv), 0);
    xtf_expect_rc("virq status", evtchn_status(bv.port, &st), 0);
    xtf_expect_rc("virq status is virq", st.status, EVTCHNSTAT_virq);
    xtf_expect_rc("bind_virq twice", hypercall_evtchn_op(EVTCHNOP_bind_virq, &bv), -EEXIST);
    xtf_expect_rc("close virq", evtchn_close(bv.port), 0);

    xtf_expect_rc("bind_ipi", hypercall_evtchn_op(EVTCHNOP_bind_ipi, &bi), 0);
    xtf_expect_rc("ipi status", evtchn_status(bi.port, &st), 0);
    xtf_expect_rc("ipi status is ipi", st.status, EVTCHNSTAT_ipi);
    xtf_expect_rc("close ipi", evtchn_close(bi.port), 0);
    xtf_success(NULL);
}
