/**
 * @file
 * set_timer_op with SCHEDOP_block: proves that a vCPU blocked after
 * set_timer_op wakes with VIRQ_TIMER pending no earlier than the deadline,
 * that a deadline in the past fires at once, that a later set_timer_op
 * replaces the earlier deadline (the near one fires well before the far one
 * would have), and that set_timer_op(0) cancels the timer (nothing fires).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn memory
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "set_timer_op and SCHEDOP_block";

#define MS(x) ((uint64_t)(x)*1000000ull)

static struct shared_info *s;
static evtchn_port_t port;

static bool block_until_fire(unsigned int max_blocks)
{
    for (unsigned int i = 0; i < max_blocks; i++) {
        /* Acknowledge as a guest kernel does (the flag, then the selector),
         * look, then block: an event after the acknowledgement sets the flag
         * again, which cancels or ends the block. Without clearing the
         * selector a later event would not raise the flag (2-level ABI). */
        s->vcpu_info[0].evtchn_upcall_pending = 0;
        __atomic_exchange_n(&s->vcpu_info[0].evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        if (evtchn_test(s->evtchn_pending, port)) {
            evtchn_clear(s->evtchn_pending, port);
            return true;
        }
        hypercall_sched_op(SCHEDOP_block, NULL);
    }
    return false;
}

void test_main(void)
{
    uint64_t t0, t1, dl;

    s = xtf_shared_info_start();
    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0);
    evtchn_clear(s->evtchn_pending, port);
    s->vcpu_info[0].evtchn_upcall_pending = 0;

    dl = xen_system_time(s) + MS(3);
    xtf_expect_rc("set_timer_op +3 ms", set_timer_op(dl), 0);
    if (!block_until_fire(1000))
        xtf_failure("Fail: blocked vCPU never woke with VIRQ_TIMER\n");
    else if ((t1 = xen_system_time(s)) < dl)
        xtf_failure("Fail: woke %llu ns before the deadline\n", (unsigned long long)(dl - t1));
    s->vcpu_info[0].evtchn_upcall_pending = 0;

    t0 = xen_system_time(s);
    xtf_expect_rc("set_timer_op in the past", set_timer_op(t0 - MS(1)), 0);
    if (!block_until_fire(1000))
        xtf_failure("Fail: past deadline did not fire\n");
    s->vcpu_info[0].evtchn_upcall_pending = 0;

    t0 = xen_system_time(s);
    xtf_expect_rc("set_timer_op +10 s", set_timer_op(t0 + MS(10000)), 0);
    xtf_expect_rc("set_timer_op +2 ms", set_timer_op(t0 + MS(2)), 0);
    if (!block_until_fire(1000))
        xtf_failure("Fail: replaced deadline did not fire\n");
    else if ((t1 = xen_system_time(s)) - t0 > MS(5000))
        xtf_failure("Fail: replaced deadline fired after %llu ns\n", (unsigned long long)(t1 - t0));
    s->vcpu_info[0].evtchn_upcall_pending = 0;

    t0 = xen_system_time(s);
    xtf_expect_rc("set_timer_op +50 ms", set_timer_op(t0 + MS(50)), 0);
    xtf_expect_rc("set_timer_op(0)", set_timer_op(0), 0);
    t1 = xen_system_time(s);
    sched_poll_ports(&port, 1, t0 + MS(80));
    /* Only meaningful if the cancel came before the deadline (a busy host
     * may deschedule us that long). */
    if (t1 < t0 + MS(50) && evtchn_test(s->evtchn_pending, port))
        xtf_failure("Fail: cancelled timer fired\n");
    if (xen_system_time(s) < t0 + MS(80))
        xtf_failure("Fail: poll returned before its timeout with nothing pending\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
