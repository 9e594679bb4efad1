/**
 * @file
 * SCHEDOP_poll.  Bug class: unchecked port arrays and counts (out-of-bounds
 * reads in the hypervisor) and lost wake-ups.  Proves more than 128 ports
 * gives -EINVAL, a bad argument or port array pointer -EFAULT, a port past
 * the table -EINVAL; that a poll on a port already pending returns at once
 * (also when it is the second of two); that a poll with nothing pending
 * returns no earlier than its timeout, and a timeout in the past returns at
 * once; and that an event sent by another vCPU wakes the poller before its
 * timeout.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor evtchn memory vcpu-op
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "SCHEDOP_poll";

#define MS(x) ((uint64_t)(x)*1000000ull)

static struct shared_info *s;
static evtchn_port_t p0, p1;
static uint8_t stack1[8192] __aligned(16);
static volatile unsigned int go;

static void ap_main(unsigned int id)
{
    while (!go)
        hypercall_yield();
    /* Let vCPU 0 block first, then wake it. */
    uint64_t until = xen_system_time(s) + MS(20);
    while (xen_system_time(s) < until)
        hypercall_yield();
    evtchn_send(p0);
}

void test_main(void)
{
    evtchn_port_t ports[200] = {0};
    uint64_t t0, t1;
    long rc;

    s = xtf_shared_info_start();
    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &p0), 0);
    xtf_expect_rc("bind_ipi", evtchn_bind_ipi(0, &p1), 0);
    ports[0] = p0;
    ports[1] = p1;

    xtf_expect_rc("129 ports", sched_poll_ports(ports, 129, 1), -EINVAL);
    xtf_expect_rc("bad argument", hypercall_sched_op(SCHEDOP_poll, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("bad port array", sched_poll_ports(XTF_BAD_PTR, 1, 1), -EFAULT);
    ports[2] = 100000;
    xtf_expect_rc("port past the table", sched_poll_ports(ports, 3, 1), -EINVAL);

    evtchn_send(p1);
    t0 = xen_system_time(s);
    xtf_expect_rc("poll, second port pending", sched_poll_ports(ports, 2, t0 + MS(30000)), 0);
    if (xen_system_time(s) - t0 > MS(10000))
        xtf_failure("Fail: poll on a pending port waited\n");
    evtchn_clear(s->evtchn_pending, p1);

    t0 = xen_system_time(s);
    xtf_expect_rc("poll, timeout", sched_poll_ports(&p0, 1, t0 + MS(10)), 0);
    t1 = xen_system_time(s);
    if (t1 < t0 + MS(10))
        xtf_failure("Fail: poll returned %llu ns before its timeout\n",
                    (unsigned long long)(t0 + MS(10) - t1));
    t0 = xen_system_time(s);
    xtf_expect_rc("poll, past timeout", sched_poll_ports(&p0, 1, t0 - MS(1)), 0);
    if (xen_system_time(s) - t0 > MS(10000))
        xtf_failure("Fail: poll with a past timeout waited\n");

    rc = xtf_vcpu_start(1, ap_main, stack1 + sizeof(stack1));
    if (rc)
        return xtf_failure("Fail: start of vCPU 1: %ld\n", rc);
    t0 = xen_system_time(s);
    go = 1;
    while (!evtchn_test(s->evtchn_pending, p0) && xen_system_time(s) < t0 + MS(30000))
        sched_poll_ports(&p0, 1, t0 + MS(30000));
    t1 = xen_system_time(s);
    if (!evtchn_test(s->evtchn_pending, p0))
        xtf_failure("Fail: send from vCPU 1 never woke the poller\n");
    else if (t1 - t0 > MS(15000))
        xtf_failure("Fail: woken only after %llu ns\n", (unsigned long long)(t1 - t0));
    if (xtf_status_is_success())
        xtf_success(NULL);
}
