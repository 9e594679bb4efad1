/**
 * @file
 * Wake-up latency over event channels (no callback vector: a pending
 * event sets the upcall flag, which wakes SCHEDOP_block): the primary and a companion domain
 * bounce an interdomain event ROUNDS times. Variation `block`: each side
 * waits in SCHEDOP_block, so every event wakes a blocked vCPU through the
 * scheduler (send -> wake -> the target vCPU running -> its reply).
 * Variation `spin`: each side polls its pending bit and never blocks (no
 * scheduler activity: the baseline of a domain running alone). Prints the
 * median and 90th percentile of the one-way latency (half a round trip,
 * system time in ns); proves that every one of the events arrives (none is
 * lost between the pending check and the block). Figures only: no time is
 * asserted. Used by xen/test/sched/run-guest-tests --bench.
 *
 * @category utility
 * @envs hvm64
 * @variations block spin
 * @companion peer
 * @smp 2
 * @timeout 60
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Scheduler: event ping-pong latency";

#define ROUNDS     1000
#define WAIT_LIMIT 200000000ull /* ns: give up on a lost event after 0.2 s */

static struct shared_info *s;
static bool blocking;
static uint32_t rtt[ROUNDS];

/* Wait until port is pending, then clear it; false after WAIT_LIMIT. */
static bool wait_port(evtchn_port_t port)
{
    uint64_t start = xen_system_time(s);

    for (;;) {
        if (evtchn_test(s->evtchn_pending, port)) {
            evtchn_clear(s->evtchn_pending, port);
            return true;
        }
        if (xen_system_time(s) - start > WAIT_LIMIT)
            return false;
        if (blocking) {
            /* Clear the upcall flag first, look again, then block: an event
             * after the clear sets the flag, which cancels or ends the block. */
            s->vcpu_info[0].evtchn_upcall_pending = 0;
            s->vcpu_info[0].evtchn_pending_sel = 0;
            if (evtchn_test(s->evtchn_pending, port))
                continue;
            /* The timer ends the block at the limit, so a lost
             * wake-up fails the test instead of hanging it. */
            set_timer_op(start + WAIT_LIMIT + 1000000);
            hypercall_sched_op(SCHEDOP_block, NULL);
        }
    }
}

static void sort(uint32_t *a, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++)
        for (unsigned int j = i; j && a[j - 1] > a[j]; j--) {
            uint32_t t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

static void primary(domid_t peer)
{
    evtchn_port_t port = 0;

    xtf_expect_rc("alloc_unbound", evtchn_alloc_unbound(peer, &port), 0);
    if (!wait_port(port) && !wait_port(port))
        return xtf_failure("Fail: the peer never bound port %u\n", port);
    for (unsigned int i = 0; i < ROUNDS; i++) {
        uint64_t t0 = xen_system_time(s);

        evtchn_send(port);
        if (!wait_port(port))
            return xtf_failure("Fail: round %u: no answer within 0.2 s\n", i);
        rtt[i] = (uint32_t)(xen_system_time(s) - t0);
    }
    evtchn_send(port); /* done: the peer may go */
    sort(rtt, ROUNDS);
    printk("pingpong %s: %u rounds, one-way median %u ns p90 %u ns max %u ns\n",
           blocking ? "block" : "spin", ROUNDS, rtt[ROUNDS / 2] / 2, rtt[ROUNDS * 9 / 10] / 2,
           rtt[ROUNDS - 1] / 2);
    xtf_success(NULL);
}

static void peer(domid_t prim)
{
    evtchn_port_t local = 0, remote;
    long rc = -1;

    /* The primary allocated one port for us: find it. */
    for (unsigned int tries = 0; rc && tries < 1000; tries++)
        for (remote = 1; remote < 64 && rc; remote++)
            rc = evtchn_bind_interdomain(prim, remote, &local);
    if (rc)
        return xtf_failure("Fail: no port of d%u to bind\n", prim);
    /* Binding marks the new port pending (as in Xen): not a ping. */
    evtchn_clear(s->evtchn_pending, local);
    evtchn_send(local); /* bound */
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (!wait_port(local))
            return xtf_failure("Fail: round %u: no ping within 0.2 s\n", i);
        evtchn_send(local);
    }
    if (!wait_port(local)) /* the primary has every answer */
        return xtf_failure("Fail: no final event within 0.2 s\n");
    xtf_success(NULL);
}

void test_main(void)
{
    domid_t ids[2];
    long rc;

    xtf_require_hypervisor();
    blocking = !strcmp(test_variation, "block");
    s = map_shared_info(&rc);
    if (!s)
        return xtf_failure("Fail: add_to_physmap(shared_info): %ld\n", rc);
    if (!strcmp(xtf_role(), "peer")) {
        if (xtf_domids("primary", ids, 1) != 1)
            return xtf_failure("Fail: no primary domain id\n");
        return peer(ids[0]);
    }
    if (xtf_domids("peer", ids, 1) != 1)
        return xtf_failure("Fail: no peer domain id\n");
    primary(ids[0]);
}
