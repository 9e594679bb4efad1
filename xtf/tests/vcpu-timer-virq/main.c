/**
 * @file
 * VIRQ_TIMER from the vcpu_op timers: proves that a single-shot timer
 * (VCPUOP_set_singleshot_timer) raises the VIRQ_TIMER port no earlier than
 * its deadline and well before a generous bound, that a stopped one never
 * fires, that a periodic timer (VCPUOP_set_periodic_timer) fires again and
 * again at no more than one event per period, and that after
 * VCPUOP_stop_periodic_timer no more events arrive.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn memory vcpu-op
 */
#include <xtf.h>
#include <xtf/evtchn.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "VIRQ_TIMER from vcpu_op timers";

#define MS(x) ((uint64_t)(x)*1000000ull)

static struct shared_info *s;
static evtchn_port_t port;

/* Poll the timer port until `deadline` (absolute); true if it fired. */
static bool wait_fire(uint64_t deadline)
{
    while (!evtchn_test(s->evtchn_pending, port)) {
        if (xen_system_time(s) >= deadline)
            return false;
        sched_poll_ports(&port, 1, deadline);
    }
    evtchn_clear(s->evtchn_pending, port);
    return true;
}

void test_main(void)
{
    struct vcpu_set_singleshot_timer ss = {0};
    struct vcpu_set_periodic_timer per = {.period_ns = MS(2)};
    uint64_t t0, t1;
    unsigned int n;
    long rc;

    xtf_require_hypervisor();
    s = map_shared_info(&rc);
    if (!s)
        return xtf_failure("Fail: shared info: %ld\n", rc);
    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0);
    evtchn_clear(s->evtchn_pending, port);

    t0 = xen_system_time(s);
    ss.timeout_abs_ns = t0 + MS(5);
    xtf_expect_rc("singleshot", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
    if (!wait_fire(t0 + MS(2000)))
        xtf_failure("Fail: single-shot timer never fired\n");
    t1 = xen_system_time(s);
    if (t1 < ss.timeout_abs_ns)
        xtf_failure("Fail: single-shot fired %llu ns early\n",
                    (unsigned long long)(ss.timeout_abs_ns - t1));

    t0 = xen_system_time(s);
    ss.timeout_abs_ns = t0 + MS(50);
    xtf_expect_rc("singleshot", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
    xtf_expect_rc("stop singleshot", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
    /* Only meaningful if the stop came before the deadline (a busy host
     * may deschedule us that long). */
    if (xen_system_time(s) < ss.timeout_abs_ns && wait_fire(t0 + MS(100)))
        xtf_failure("Fail: stopped single-shot timer fired\n");
    t0 = xen_system_time(s);
    xtf_expect_rc("periodic 2 ms", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0);
    for (n = 0; n < 5; n++)
        if (!wait_fire(t0 + MS(3000)))
            break;
    t1 = xen_system_time(s);
    xtf_expect_rc("stop periodic", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    if (n != 5)
        xtf_failure("Fail: periodic timer fired %u times, want 5\n", n);
    else if (t1 - t0 < MS(2) * 5 - MS(1))
        xtf_failure("Fail: 5 periods of 2 ms took only %llu ns\n", (unsigned long long)(t1 - t0));
    evtchn_clear(s->evtchn_pending, port);
    if (wait_fire(xen_system_time(s) + MS(15)))
        xtf_failure("Fail: stopped periodic timer fired\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
