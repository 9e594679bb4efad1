/**
 * @file
 * Console flood from an unprivileged guest. Bug class: a guest holding a
 * pCPU (or every pCPU, through a global lock with interrupts off) for as long
 * as the UART needs to print what it sends, or drowning the other domains'
 * console lines. The primary issues CONSOLEIO_write of 64 KiB (the largest
 * accepted) for about two seconds and checks that every call returns 0 in a
 * bounded time; a bystander sharing the one pCPU sleeps on 10 ms timers
 * meanwhile and checks that none wakes much later than asked, and that its
 * own console lines (the result line included) still get through: the
 * hypervisor rate-limits and drops the flooder's lines, not the
 * bystander's. The boot has only these two domains (the rate options,
 * the defaults spelled out, keep other tests out of it), and its clock
 * counts instructions (@clock icount: 8 ns each), so neither other domains
 * nor the host's load change what the guests measure: on that clock a call
 * took 19.9 ms and the bystander woke at most 14.2 ms late (the same in
 * every run); the synchronous console of before took 46 ms per call and
 * woke the bystander 40 ms late.
 *
 * @category security
 * @needs hypervisor evtchn memory
 * @envs hvm64
 * @smp 1
 * @xen-cmdline guest_console_rate=16K guest_console_burst=64K
 * @clock icount
 * @companion bystander
 * @timeout 90
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Console flood";

#define MS(x)           ((uint64_t)(x)*1000000ull)
#define FLOOD_TIME      MS(2000)
#define MAX_CALL_TIME   MS(30)
#define MAX_LATENESS    MS(30)
#define BYSTANDER_SLEEP MS(10)

static char flood[64 * 1024];
static struct shared_info *s;

static void flooder(void)
{
    uint64_t end, worst = 0, calls = 0;

    for (size_t i = 0; i < sizeof(flood); i++)
        flood[i] = (i % 100 == 99 || i == sizeof(flood) - 1) ? '\n' : 'a' + (i % 26);
    end = xen_system_time(s) + FLOOD_TIME;
    while (xen_system_time(s) < end) {
        uint64_t t0 = xen_system_time(s), dt;
        long rc = hypercall_console_write(flood, sizeof(flood));

        dt = xen_system_time(s) - t0;
        if (rc)
            return xtf_failure("Fail: CONSOLEIO_write of 64 KiB: %ld\n", rc);
        if (dt > worst)
            worst = dt;
        calls++;
    }
    /* The flood used up this domain's console allowance: wait for it to
     * come back so that the result line gets through. */
    xtf_sleep_ms(s, 1500);
    printk("flooder: %llu calls of 64 KiB, longest %llu us\n", (unsigned long long)calls,
           (unsigned long long)(worst / 1000));
    if (worst > MAX_CALL_TIME)
        return xtf_failure("Fail: one CONSOLEIO_write took %llu ms\n",
                           (unsigned long long)(worst / 1000000));
    xtf_success(NULL);
}

static void bystander(void)
{
    evtchn_port_t port;
    uint64_t worst = 0, start = xen_system_time(s);
    unsigned int rounds = 0;

    xtf_expect_rc("bind VIRQ_TIMER", evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0);
    /* Sleep through the flood (and a little past it). */
    while (xen_system_time(s) - start < FLOOD_TIME + MS(500)) {
        uint64_t deadline = xen_system_time(s) + BYSTANDER_SLEEP, late;

        evtchn_clear(s->evtchn_pending, port);
        set_timer_op(deadline);
        while (!evtchn_test(s->evtchn_pending, port))
            sched_poll_ports(&port, 1, 0);
        late = xen_system_time(s) - deadline;
        if ((int64_t)late > (int64_t)worst)
            worst = late;
        rounds++;
    }
    printk("bystander: %u sleeps of 10 ms, latest wake-up %llu us after its deadline\n", rounds,
           (unsigned long long)(worst / 1000));
    if (worst > MAX_LATENESS)
        return xtf_failure("Fail: a 10 ms sleep woke %llu ms late\n",
                           (unsigned long long)(worst / 1000000));
    xtf_success(NULL);
}

void test_main(void)
{
    s = xtf_shared_info_start();
    xtf_main_by_role("bystander", bystander, flooder);
}
