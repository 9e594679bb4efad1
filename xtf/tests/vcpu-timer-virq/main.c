/**
 * @file
 * VIRQ_TIMER from the vcpu_op timers: proves that a single-shot timer
 * (VCPUOP_set_singleshot_timer) raises the VIRQ_TIMER port no earlier than
 * its deadline and well before a generous bound, that a stopped one never
 * fires, that a periodic timer (VCPUOP_set_periodic_timer) fires again and
 * again at no more than one event per period, and that after
 * VCPUOP_stop_periodic_timer no more events arrive.
 *
 * "Never came" is judged on the time the vCPU spent blocked waiting (its
 * runstate), not on elapsed time: a lost event or a lost wake-up leaves it
 * blocked, while a busy host (dozens of domains on two pCPUs) can keep it
 * runnable but off the CPU for seconds, which says nothing about timers.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor evtchn memory vcpu-op
 * @timeout 60
 */
#include <xtf.h>
#include <xtf/evtchn.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "VIRQ_TIMER from vcpu_op timers";

#define MS(x) ((uint64_t)(x)*1000000ull)

#define RUNSTATE_BLOCKED 2
/* Blocked this long in one wait with no event: the event or the wake-up
 * was lost (500 periods of the periodic timer). */
#define BLOCKED_MAX MS(1000)
/* A wait ends after this much elapsed time in any case (the runner's
 * timeout is 30 s). */
#define WALL_MAX MS(15000)

static struct shared_info *s;
static evtchn_port_t port;

/* Nanoseconds vCPU 0 has spent blocked. */
static uint64_t blocked_ns(void)
{
    struct vcpu_runstate_info r;
    long rc = hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &r);

    if (rc) {
        xtf_failure("Fail: VCPUOP_get_runstate_info: %ld\n", rc);
        return ~0ull >> 1; /* ends the wait */
    }
    return r.time[RUNSTATE_BLOCKED];
}

enum wait_result { FIRED, BLOCKED_OUT, WALL_OUT };

/* Poll the timer port until it fires, until the vCPU has been blocked for
 * BLOCKED_MAX in this wait, or until `wall` (absolute system time). Blocked
 * time is looked at before the port: an event found only when the poll's
 * own timeout woke us came with a lost wake-up. */
static enum wait_result wait_fire(uint64_t wall)
{
    uint64_t b0 = blocked_ns(), now;

    for (;;) {
        if (blocked_ns() - b0 >= BLOCKED_MAX)
            return BLOCKED_OUT;
        if (evtchn_test(s->evtchn_pending, port)) {
            evtchn_clear(s->evtchn_pending, port);
            return FIRED;
        }
        now = xen_system_time(s);
        if (now >= wall)
            return WALL_OUT;
        sched_poll_ports(&port, 1, now + BLOCKED_MAX < wall ? now + BLOCKED_MAX : wall);
    }
}

void test_main(void)
{
    struct vcpu_set_singleshot_timer ss = {0};
    struct vcpu_set_periodic_timer per = {.period_ns = MS(2)};
    uint64_t t0, t1;
    enum wait_result w = FIRED;
    unsigned int n;

    s = xtf_shared_info_start();
    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0);
    evtchn_clear(s->evtchn_pending, port);

    t0 = xen_system_time(s);
    ss.timeout_abs_ns = t0 + MS(5);
    xtf_expect_rc("singleshot", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss), 0);
    w = wait_fire(t0 + WALL_MAX);
    if (w == BLOCKED_OUT)
        xtf_failure("Fail: single-shot timer never fired (%llu ms blocked)\n",
                    (unsigned long long)(BLOCKED_MAX / MS(1)));
    else if (w == WALL_OUT)
        xtf_error("Error: single-shot: ran too little in %llu ms to judge\n",
                  (unsigned long long)(WALL_MAX / MS(1)));
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
    if (xen_system_time(s) < ss.timeout_abs_ns && wait_fire(t0 + MS(100)) == FIRED)
        xtf_failure("Fail: stopped single-shot timer fired\n");
    t0 = xen_system_time(s);
    xtf_expect_rc("periodic 2 ms", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per), 0);
    for (n = 0; n < 5; n++)
        if ((w = wait_fire(t0 + WALL_MAX)) != FIRED)
            break;
    t1 = xen_system_time(s);
    xtf_expect_rc("stop periodic", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    if (w == BLOCKED_OUT)
        xtf_failure("Fail: periodic timer fired %u times, then nothing in %llu ms blocked\n", n,
                    (unsigned long long)(BLOCKED_MAX / MS(1)));
    else if (w == WALL_OUT)
        xtf_error("Error: periodic: %u events, ran too little in %llu ms to judge\n", n,
                  (unsigned long long)(WALL_MAX / MS(1)));
    else if (t1 - t0 < MS(2) * 5 - MS(1))
        xtf_failure("Fail: 5 periods of 2 ms took only %llu ns\n", (unsigned long long)(t1 - t0));
    evtchn_clear(s->evtchn_pending, port);
    if (wait_fire(xen_system_time(s) + MS(15)) == FIRED)
        xtf_failure("Fail: stopped periodic timer fired\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
