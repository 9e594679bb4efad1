/**
 * @file
 * Timers armed and disarmed from several vCPUs at once.  Bug class: a timer
 * changed by two pCPUs at the same time (or re-initialised while armed)
 * corrupting the hypervisor's timer queue: the host freezes, or a timer fires
 * at the wrong time.  Four vCPUs on two pCPUs race:
 * (watchdog) SCHEDOP_watchdog arm, refresh and disarm of the domain's
 * watchdogs, every return checked against the ABI (an id, 0, -ENOSPC or
 * -EINVAL); then two watchdogs armed for 3600 s (a third gets -ENOSPC) must
 * not fire during the next 3 s;
 * (periodic) VCPUOP_set_periodic_timer and VCPUOP_stop_periodic_timer on
 * vCPU 0's timer from the other vCPUs while vCPU 0 takes its ticks.
 * The host must stay up and the bystander domain finish SUCCESS.
 *
 * @category security
 * @envs hvm64 hvm32pae
 * @needs hypervisor evtchn memory vcpu-op
 * @variations watchdog periodic
 * @domain vcpus=4
 * @smp 3
 * @timeout 90
 * @companion bystander test=example
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Timer races between vCPUs";

#define RACERS  3
#define ROUNDS  3000
#define WAIT_NS 3000000000ull
#define TRIES   2000000

static uint8_t stacks[RACERS][8192] __aligned(16);
static volatile unsigned int finished, started, bad_rc_count;
static volatile long bad_rc;
static volatile const char *bad_what;

static void record_bad(const char *what, long rc)
{
    bad_what = what;
    bad_rc = rc;
    __atomic_fetch_add(&bad_rc_count, 1, __ATOMIC_SEQ_CST);
}

static long watchdog(uint32_t id, uint32_t timeout)
{
    struct sched_watchdog w = {.id = id, .timeout = timeout};

    return hypercall2(__HYPERVISOR_sched_op, SCHEDOP_watchdog, &w);
}

/* Arm a new watchdog, refresh it and a maybe foreign id 1, disarm both. */
static void watchdog_racer(void)
{
    for (unsigned int r = 0; r < ROUNDS; r++) {
        long id = watchdog(0, 3600), rc;

        if (id != 1 && id != 2 && id != -ENOSPC)
            record_bad("arm", id);
        if (id > 0) {
            rc = watchdog(id, 3600);
            if (rc != 0 && rc != -EINVAL) /* another vCPU may have disarmed it */
                record_bad("refresh", rc);
        }
        rc = watchdog(1, 3600);
        if (rc != 0 && rc != -EINVAL)
            record_bad("refresh id 1", rc);
        rc = watchdog(id > 0 ? id : 1, 0);
        if (rc != 0 && rc != -EINVAL)
            record_bad("disarm", rc);
    }
}

static void periodic_racer(unsigned int id)
{
    for (unsigned int r = 0; r < ROUNDS; r++) {
        struct vcpu_set_periodic_timer p = {.period_ns = 1000000ull * (1 + (r + id) % 5)};
        long rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, &p);

        if (rc)
            record_bad("set_periodic_timer(vCPU 0)", rc);
        if (r % 3 == id % 3) {
            rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, NULL);
            if (rc)
                record_bad("stop_periodic_timer(vCPU 0)", rc);
        }
    }
}

static void racer(unsigned int id)
{
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    if (!strcmp(test_variation, "watchdog"))
        watchdog_racer();
    else
        periodic_racer(id);
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

void test_main(void)
{
    struct shared_info *s;
    uint64_t t0;
    long rc;

    s = xtf_shared_info_start();
    for (unsigned int i = 0; i < RACERS; i++) {
        rc = xtf_vcpu_start(i + 1, racer, stacks[i] + sizeof(stacks[i]));
        if (rc)
            return xtf_failure("Fail: start of vCPU %u: %ld\n", i + 1, rc);
    }
    /* vCPU 0 races too: yields (periodic ticks land on it) or watchdog calls. */
    if (!strcmp(test_variation, "watchdog"))
        watchdog_racer();
    for (unsigned int i = 0; i < TRIES && finished < RACERS; i++)
        hypercall_yield();
    if (finished < RACERS)
        return xtf_failure("Fail: %u of %u racers finished\n", finished, RACERS);
    printk("%u racers done, %u unexpected returns\n", started, bad_rc_count);
    if (bad_rc_count)
        return xtf_failure("Fail: %u unexpected returns, last: %s gave %ld\n", bad_rc_count,
                           (const char *)bad_what, bad_rc);

    if (strcmp(test_variation, "watchdog")) {
        rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, NULL);
        if (rc)
            return xtf_failure("Fail: stop_periodic_timer: %ld\n", rc);
        return xtf_success(NULL);
    }

    /* Whatever the race left armed goes; then two long watchdogs must hold. */
    for (uint32_t id = 1; id <= 2; id++) {
        rc = watchdog(id, 0);
        if (rc != 0 && rc != -EINVAL)
            return xtf_failure("Fail: disarm of id %u: %ld\n", id, rc);
    }
    if ((rc = watchdog(0, 3600)) != 1)
        return xtf_failure("Fail: first watchdog: %ld, expected id 1\n", rc);
    if ((rc = watchdog(0, 3600)) != 2)
        return xtf_failure("Fail: second watchdog: %ld, expected id 2\n", rc);
    if ((rc = watchdog(0, 3600)) != -ENOSPC)
        return xtf_failure("Fail: third watchdog: %ld, expected -ENOSPC\n", rc);
    if ((rc = watchdog(3, 5)) != -EINVAL)
        return xtf_failure("Fail: refresh of id 3: %ld, expected -EINVAL\n", rc);
    t0 = xen_system_time(s);
    while (xen_system_time(s) - t0 < WAIT_NS)
        hypercall_yield(); /* an early watchdog ends the domain here */
    for (uint32_t id = 1; id <= 2; id++)
        if ((rc = watchdog(id, 0)) != 0)
            return xtf_failure("Fail: disarm of id %u: %ld\n", id, rc);
    xtf_success(NULL);
}
