/**
 * @file
 * Wake-up latency over event channels: the primary and a companion domain
 * bounce an interdomain event ROUNDS times, and the primary prints the
 * median and 90th percentile of the one-way time (half a round trip, system
 * time in ns): event sent -> the target vCPU running its handler -> reply.
 *
 * Variations, one per way the target waits:
 * - `block`: events come through the callback vector, and the target
 *   waits in `sti; hlt`, so each event wakes a blocked vCPU (with the null
 *   scheduler, on the pCPU it keeps).
 * - `spin`: the same callback vector, but the target keeps running
 *   (`sti; pause`), so no scheduler takes part: each event interrupts a
 *   running vCPU. The baseline of `block`.
 * - `poll`: no interrupts; the target polls its pending bit (no exit on
 *   the target's side at all: the floor of the event path).
 *
 * Proves that every event arrives: none is lost between the check and the
 * halt (a periodic VIRQ_TIMER, every WATCHDOG_NS, ends a halt that would
 * otherwise last, so a lost event fails the test instead of hanging it).
 * Figures only: no time is asserted. Used by
 * xen/test/sched/run-guest-tests --bench.
 *
 * @category utility
 * @envs hvm64
 * @needs hypervisor evtchn memory vcpu-op
 * @variations block spin poll
 * @companion peer
 * @smp 3
 * @alone the pair needs a pCPU each: packed beside other spinners, an answer waits for a timeslice
 * @timeout 60
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Scheduler: event ping-pong latency";

/* A round trip took over 0.2 s, no event lost, with two such boots on the
 * host at once: WAIT_LIMIT is ten times that. */
#define ROUNDS      1000
#define WAIT_LIMIT  2000000000ull /* ns: give up on a lost event after 2 s */
#define WATCHDOG_NS 20000000ull   /* ns: period of the timer that ends a lost halt */
#define CB_VECTOR   0x2f          /* the framework routes 0x20-0x2f to handlers */

enum wait_mode { WAIT_BLOCK, WAIT_SPIN, WAIT_POLL };

static struct shared_info *s;
static enum wait_mode mode;
static volatile evtchn_port_t ping_port;
static volatile bool got_event;
static uint32_t rtt[ROUNDS];

/* The guest kernel's upcall: clear the flag and selector, take our port. */
static void upcall(struct cpu_regs *regs)
{
    s->vcpu_info[0].evtchn_upcall_pending = 0;
    s->vcpu_info[0].evtchn_pending_sel = 0;
    if (evtchn_test(s->evtchn_pending, ping_port)) {
        evtchn_clear(s->evtchn_pending, ping_port);
        got_event = true;
    }
}

/* Wait until the port fired; false after WAIT_LIMIT. */
static bool wait_event(void)
{
    uint64_t start = xen_system_time(s);

    for (;;) {
        if (mode == WAIT_POLL) {
            if (evtchn_test(s->evtchn_pending, ping_port)) {
                evtchn_clear(s->evtchn_pending, ping_port);
                return true;
            }
        } else {
            cli();
            if (got_event) {
                got_event = false;
                sti();
                return true;
            }
            if (mode == WAIT_BLOCK)
                asm volatile("sti; hlt" ::: "memory"); /* no window: sti shadows hlt */
            else
                sti();
        }
        if (xen_system_time(s) - start > WAIT_LIMIT)
            return false;
        cpu_relax();
    }
}

/* Interrupt-driven modes: the callback vector, and a periodic VIRQ_TIMER
 * as the watchdog of a halt. */
static bool setup_upcall(void)
{
    struct vcpu_set_periodic_timer t = {.period_ns = WATCHDOG_NS};
    evtchn_port_t timer_port;
    long rc;

    evtchn_clear_all(s);
    if (mode == WAIT_POLL)
        return true;
    xtf_set_irq_handler(CB_VECTOR, upcall);
    rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ, CALLBACK_VIA_VECTOR(CB_VECTOR));
    if (rc)
        return xtf_failure("Fail: set CALLBACK_IRQ: %ld\n", rc), false;
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
    if (rc)
        return xtf_failure("Fail: bind VIRQ_TIMER: %ld\n", rc), false;
    rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &t);
    if (rc)
        return xtf_failure("Fail: periodic timer: %ld\n", rc), false;
    sti();
    return true;
}

static const char *mode_name(void)
{
    return mode == WAIT_BLOCK ? "block" : mode == WAIT_SPIN ? "spin" : "poll";
}

static void primary(domid_t peer)
{
    evtchn_port_t port = 0;

    /* Handler first: the peer's "bound" event may come at once. */
    if (!setup_upcall())
        return;
    xtf_expect_rc("alloc_unbound", evtchn_alloc_unbound(peer, &port), 0);
    ping_port = port;
    if (!wait_event() && !wait_event())
        return xtf_failure("Fail: the peer never bound port %u\n", ping_port);
    for (unsigned int i = 0; i < ROUNDS; i++) {
        uint64_t t0 = xen_system_time(s);

        evtchn_send(ping_port);
        if (!wait_event())
            return xtf_failure("Fail: round %u: no answer within 2 s\n", i);
        rtt[i] = (uint32_t)(xen_system_time(s) - t0);
    }
    evtchn_send(ping_port); /* done: the peer may go */
    sort_u32(rtt, ROUNDS);
    printk("pingpong %s: %u rounds, one-way median %u ns p90 %u ns max %u ns\n", mode_name(),
           ROUNDS, rtt[ROUNDS / 2] / 2, rtt[ROUNDS * 9 / 10] / 2, rtt[ROUNDS - 1] / 2);
    xtf_success(NULL);
}

static void peer(domid_t prim)
{
    long rc = -1;

    /* The primary allocated one port for us: find it. */
    evtchn_port_t port = 0;

    for (unsigned int tries = 0; rc && tries < 1000; tries++)
        for (evtchn_port_t remote = 1; remote < 64 && rc; remote++)
            rc = evtchn_bind_interdomain(prim, remote, &port);
    if (rc)
        return xtf_failure("Fail: no port of d%u to bind\n", prim);
    ping_port = port;
    /* Binding marks the new port pending (as in Xen): not a ping. */
    if (!setup_upcall())
        return;
    evtchn_send(ping_port); /* bound */
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (!wait_event())
            return xtf_failure("Fail: round %u: no ping within 2 s\n", i);
        evtchn_send(ping_port);
    }
    if (!wait_event()) /* the primary has every answer */
        return xtf_failure("Fail: no final event within 2 s\n");
    xtf_success(NULL);
}

void test_main(void)
{
    domid_t ids[2];

    s = xtf_shared_info_start();
    mode = !strcmp(test_variation, "block")  ? WAIT_BLOCK
           : !strcmp(test_variation, "spin") ? WAIT_SPIN
                                             : WAIT_POLL;
    if (!strcmp(xtf_role(), "peer")) {
        if (xtf_domids("primary", ids, 1) != 1)
            return xtf_failure("Fail: no primary domain id\n");
        return peer(ids[0]);
    }
    if (xtf_domids("peer", ids, 1) != 1)
        return xtf_failure("Fail: no peer domain id\n");
    primary(ids[0]);
}
