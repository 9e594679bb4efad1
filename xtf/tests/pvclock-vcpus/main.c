/**
 * @file
 * The pvclock (vcpu_time_info) a PVH Linux uses as its clocksource, read on
 * two vCPUs at once while periodic timers refresh both vCPUs' time info:
 * proves that system time computed as a guest kernel does (version, TSC
 * stamp, scale) never goes backwards across vCPUs (each reading is at least
 * the latest any vCPU published), that it advances, that both vCPUs see the
 * same TSC scale, that the time info is never left mid-update (odd
 * version), that VCPUOP_stop_periodic_timer stops the refreshes, and that
 * the wallclock is set.
 * Needs: a 2-vCPU domain, shared info mapped.
 *
 * @category functional
 * @needs hypervisor evtchn memory vcpu-op
 * @envs hvm64 hvm32pae hvm32
 * @domain vcpus=2
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "pvclock monotonic across vCPUs";

#define READS 20000

static struct shared_info *s;
static uint8_t stack1[8192] __aligned(16);
static volatile uint64_t latest; /* under latest_lock (no 8-byte atomics in 32-bit builds) */
static volatile uint32_t latest_lock;

static void lock(void)
{
    while (__atomic_exchange_n(&latest_lock, 1, __ATOMIC_ACQUIRE))
        cpu_relax();
}

static void unlock(void)
{
    __atomic_store_n(&latest_lock, 0, __ATOMIC_RELEASE);
}
static volatile unsigned int backwards[2], odd[2], finished[2], go;
static volatile uint64_t worst[2];

/* System time from vCPU id's time info, as Linux's pvclock_clocksource_read
 * computes it (without its cross-vCPU "last value" guard). */
static uint64_t pvclock_read(unsigned int id, unsigned int *odd_seen)
{
    const volatile struct vcpu_time_info *t = &s->vcpu_info[id].time;
    uint32_t ver;
    uint64_t now;

    do {
        ver = t->version;
        if (ver & 1)
            (*odd_seen)++;
        barrier();
        uint64_t delta = rdtsc() - t->tsc_timestamp;
        if (t->tsc_shift >= 0)
            delta <<= t->tsc_shift;
        else
            delta >>= -t->tsc_shift;
        uint64_t mul = t->tsc_to_system_mul;
        now = t->system_time + (((delta >> 32) * mul) + (((delta & 0xffffffffu) * mul) >> 32));
        barrier();
    } while ((ver & 1) || ver != t->version);
    return now;
}

static void reader(unsigned int id)
{
    unsigned int odd_seen = 0;

    for (unsigned int i = 0; i < READS; i++) {
        uint64_t before, now;

        lock();
        before = latest;
        unlock();
        now = pvclock_read(id, &odd_seen);
        if (now < before) {
            backwards[id]++;
            if (before - now > worst[id])
                worst[id] = before - now;
        }
        lock();
        if (now > latest)
            latest = now;
        unlock();
    }
    odd[id] = odd_seen;
}

static void ap_main(unsigned int id)
{
    while (!go)
        cpu_relax();
    reader(id);
    finished[id] = 1;
}

static long periodic(unsigned int vcpu, uint64_t ns)
{
    struct vcpu_set_periodic_timer p = {.period_ns = ns};

    return hypercall_vcpu_op(VCPUOP_set_periodic_timer, vcpu, &p);
}

void test_main(void)
{
    unsigned int junk = 0;
    uint64_t start, end;
    uint32_t ver;
    long rc;

    s = xtf_shared_info_start();
    /* Refresh both vCPUs' time info every millisecond meanwhile. */
    xtf_expect_rc("periodic timer vCPU 0", periodic(0, 1000000), 0);
    xtf_expect_rc("periodic timer vCPU 1", periodic(1, 1000000), 0);
    rc = xtf_vcpu_start(1, ap_main, stack1 + sizeof(stack1));
    if (rc)
        return xtf_failure("Fail: start of vCPU 1: %ld\n", rc);
    start = pvclock_read(0, &junk);
    go = 1;
    reader(0);
    for (unsigned int i = 0; i < 1000000 && !finished[1]; i++)
        hypercall_yield();
    end = pvclock_read(0, &junk);
    if (!finished[1])
        return xtf_failure("Fail: vCPU 1 did not finish its reads\n");
    for (unsigned int id = 0; id < 2; id++)
        if (backwards[id])
            xtf_failure("Fail: vCPU %u saw time go back %u times (worst %lu ns)\n", id,
                        backwards[id], (unsigned long)worst[id]);
    if (end <= start)
        xtf_failure("Fail: system time did not advance (%lu -> %lu)\n", (unsigned long)start,
                    (unsigned long)end);
    if (s->vcpu_info[0].time.tsc_to_system_mul != s->vcpu_info[1].time.tsc_to_system_mul ||
        s->vcpu_info[0].time.tsc_shift != s->vcpu_info[1].time.tsc_shift)
        xtf_failure("Fail: vCPUs have different TSC scales\n");
    if ((s->vcpu_info[0].time.version | s->vcpu_info[1].time.version) & 1)
        xtf_failure("Fail: time info left mid-update\n");
    printk("%u reads per vCPU, %lu ns elapsed, odd versions seen %u/%u\n", READS,
           (unsigned long)(end - start), odd[0], odd[1]);

    /* Stopped periodic timers refresh nothing any more. */
    xtf_expect_rc("stop periodic vCPU 0", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL),
                  0);
    xtf_expect_rc("stop periodic vCPU 1", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL),
                  0);
    ver = s->vcpu_info[0].time.version;
    start = pvclock_read(0, &junk);
    while (pvclock_read(0, &junk) - start < 20000000)
        hypercall_yield();
    if (s->vcpu_info[0].time.version != ver)
        xtf_failure("Fail: time info refreshed after stop_periodic_timer\n");

    if (s->wc_version & 1)
        xtf_failure("Fail: wallclock left mid-update\n");
    if (s->wc_sec < 1577836800u)
        xtf_failure("Fail: wallclock %u s is before 2020\n", s->wc_sec);
    xtf_success(NULL);
}
