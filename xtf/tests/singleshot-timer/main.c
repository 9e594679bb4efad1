/**
 * @file
 * VCPUOP_set_singleshot_timer, VCPUOP_stop_singleshot_timer and
 * VCPUOP_stop_periodic_timer as a PVH Linux uses them for its clock events
 * (Xen's public vcpu.h): proves that a single-shot timer sends VIRQ_TIMER
 * once, not before its deadline (system time from the vCPU's pvclock); that
 * a deadline in the past fires at once, or gives -ETIME with
 * VCPU_SSHOTTMR_future; that stop_singleshot_timer cancels a pending one;
 * that a new deadline replaces the old; that setting or stopping another
 * vCPU's single-shot timer gives -EINVAL, a vCPU the domain does not have
 * -ENOENT and a bad pointer -EFAULT; and that stop_periodic_timer (for any
 * vCPU of the domain) stops a running periodic timer's events.
 * Needs: a 2-vCPU domain, shared info mapped.
 *
 * @category functional
 * @needs hypervisor evtchn memory vcpu-op
 * @envs hvm64 hvm32pae hvm32
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Single-shot and periodic vCPU timers";

#define ETIME                62
#define VCPU_SSHOTTMR_future (1u << 0)
#define MS                   1000000ull

static struct shared_info *s;
static evtchn_port_t tport;

static long singleshot(unsigned int vcpu, uint64_t deadline, uint32_t flags)
{
    struct vcpu_set_singleshot_timer t = {.timeout_abs_ns = deadline, .flags = flags};

    return hypercall_vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &t);
}

static bool fired(void)
{
    return evtchn_test(s->evtchn_pending, tport);
}

static void clear(void)
{
    evtchn_clear(s->evtchn_pending, tport);
    s->vcpu_info[0].evtchn_pending_sel = 0;
    s->vcpu_info[0].evtchn_upcall_pending = 0;
}

/* Wait until the timer port is pending or `until` (system time) passes;
 * returns the system time it was seen pending, or 0. */
static uint64_t wait_fire(uint64_t until)
{
    uint64_t now;

    while ((now = xen_system_time(s)) < until) {
        if (fired())
            return now;
        hypercall_yield();
    }
    return fired() ? xen_system_time(s) : 0;
}

static void test_errors(void)
{
    uint64_t now = xen_system_time(s);

    xtf_expect_rc("other vCPU's single-shot", singleshot(1, now + MS, 0), -EINVAL);
    xtf_expect_rc("stop other vCPU's single-shot",
                  hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 1, NULL), -EINVAL);
    xtf_expect_rc("no such vCPU", singleshot(7, now + MS, 0), -ENOENT);
    xtf_expect_rc("bad pointer", hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, XTF_BAD_PTR),
                  -EFAULT);
    xtf_expect_rc("past deadline, future flag", singleshot(0, now - MS, VCPU_SSHOTTMR_future),
                  -ETIME);
}

static void test_fire(void)
{
    uint64_t now, deadline, at;

    /* A past deadline without the flag fires at once. */
    clear();
    xtf_expect_rc("past deadline", singleshot(0, xen_system_time(s) - MS, 0), 0);
    if (!wait_fire(xen_system_time(s) + 50 * MS))
        xtf_failure("Fail: a past deadline did not fire\n");

    /* A future one fires once, not early.  -ETIME is right only when the
     * deadline has passed by the time the call is made (this vCPU may lose
     * its pCPU for longer than 5 ms on a busy host): then try again; an
     * -ETIME for a deadline still ahead of this vCPU's own clock fails. */
    for (unsigned int tries = 0;; tries++) {
        long rc;

        clear();
        now = xen_system_time(s);
        deadline = now + 5 * MS;
        rc = singleshot(0, deadline, VCPU_SSHOTTMR_future);
        if (rc == -ETIME && xen_system_time(s) >= deadline && tries < 20)
            continue;
        xtf_expect_rc("5 ms deadline", rc, 0);
        break;
    }
    at = wait_fire(now + 500 * MS);
    if (!at)
        xtf_failure("Fail: the single-shot timer never fired\n");
    else if (at < deadline)
        xtf_failure("Fail: fired %lu ns before its deadline\n", (unsigned long)(deadline - at));
    clear();
    if (wait_fire(xen_system_time(s) + 20 * MS))
        xtf_failure("Fail: a single-shot timer fired twice\n");

    /* Stopped before its deadline: nothing.  The stop counts only when it
     * returned before the deadline (a busy host can keep this vCPU off its
     * pCPU for longer than 10 ms between the two calls, and the timer then
     * rightly fires): try again, and judge nothing if no try was in time. */
    for (unsigned int tries = 0;; tries++) {
        clear();
        deadline = xen_system_time(s) + 10 * MS;
        xtf_expect_rc("10 ms deadline", singleshot(0, deadline, 0), 0);
        xtf_expect_rc("stop single-shot", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL),
                      0);
        if (xen_system_time(s) < deadline) {
            if (wait_fire(xen_system_time(s) + 30 * MS))
                xtf_failure("Fail: a stopped single-shot timer fired\n");
            break;
        }
        if (tries == 20) {
            xtf_error("Error: no stop returned within 10 ms of its timer in 20 tries\n");
            break;
        }
    }

    /* A new deadline replaces the pending one. The two calls must come
     * well within the first deadline: a try where this vCPU was held up
     * between them (a busy host) proves nothing and is made again. */
    for (unsigned int tries = 0; tries < 5; tries++) {
        clear();
        now = xen_system_time(s);
        xtf_expect_rc("first deadline", singleshot(0, now + 5 * MS, 0), 0);
        xtf_expect_rc("later deadline", singleshot(0, now + 40 * MS, 0), 0);
        if (xen_system_time(s) - now > 2 * MS) {
            xtf_expect_rc("stop", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
            wait_fire(xen_system_time(s) + 10 * MS);
            continue;
        }
        at = wait_fire(now + 500 * MS);
        if (!at || at < now + 40 * MS)
            xtf_failure("Fail: the replaced deadline still fired (at +%ld ns)\n",
                        at ? (long)(at - now) : -1l);
        break;
    }
    xtf_expect_rc("stop at the end", hypercall_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
}

static void test_stop_periodic(void)
{
    struct vcpu_set_periodic_timer p = {.period_ns = MS};

    clear();
    xtf_expect_rc("periodic 1 ms", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0);
    if (!wait_fire(xen_system_time(s) + 200 * MS))
        xtf_failure("Fail: the periodic timer never fired\n");
    xtf_expect_rc("stop periodic", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    clear();
    if (wait_fire(xen_system_time(s) + 20 * MS))
        xtf_failure("Fail: periodic events after stop_periodic_timer\n");
    /* Any vCPU of the domain, even one that is down, and more than once. */
    xtf_expect_rc("stop periodic of vCPU 1", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL),
                  0);
    xtf_expect_rc("stop periodic again", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    xtf_expect_rc("stop periodic, no such vCPU",
                  hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 7, NULL), -ENOENT);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &tport), 0);
    test_errors();
    test_fire();
    test_stop_periodic();
    xtf_success(NULL);
}
