/**
 * @file
 * No guest exit holds the hypervisor for more than 1 ms.  Bug class: a
 * hypercall whose work grows with its arguments running to its end in one
 * exit (a CONSOLEIO_write of 64 KiB took 17 ms in one exit), or one whose
 * work should be constant waiting on something else.  The boot's
 * hypervisor crashes a domain whose exit took longer than
 * exit_time_limit_us=1000, counted on a clock of executed instructions
 * (@clock icount, 8 ns each) on one pCPU: there an exit's time is the
 * hypervisor's own work, which neither the host's load nor another vCPU
 * can stretch.  vCPU 0 makes calls with the largest work the ABI lets a
 * guest ask for: CONSOLEIO_write of 64 KiB of text (and of one endless
 * line), a multicall of 24 such writes (each entry must go on in the
 * batch where it stopped), a multicall of 256 entries alternating 512-byte
 * writes and xen_version (the batch must stop between entries), a
 * decrease_reservation of 8192 frames and their
 * populate_physmap back, alone and as one entry of a multicall; then 5000
 * rounds of set_timer_op, SCHEDOP_watchdog arm and disarm and
 * VCPUOP_set_periodic_timer / stop while vCPU 1 re-arms and stops vCPU 0's
 * periodic timer.  Every call must return Xen's answer (0, the extent
 * count, a watchdog id) and every multicall entry its own; the domain must
 * not be crashed, which the runner reports as a CRASH naming the exit.
 *
 * @category security
 * @envs hvm64 hvm32pae
 * @needs hypervisor memory vcpu-op evtchn
 * @domain vcpus=2 mem=64M
 * @smp 1
 * @clock icount
 * @xen-cmdline exit_time_limit_us=1000
 * @timeout 150
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "No exit over 1 ms of hypervisor time";

#define MS(x)          ((uint64_t)(x)*1000000ull)
#define TEXT_SIZE      (64 * 1024) /* the largest CONSOLEIO_write */
#define WRITES         16
#define MC_WRITES      24
#define MC_MIXED       256
#define MC_MIXED_WRITE 512 /* one chunk each: only the batch can yield, between entries */
#define NR_FRAMES      8192
#define FIRST_PFN      ((16UL << 20) >> PAGE_SHIFT)
#define TIMER_ROUNDS   5000
#define TRIES          2000000

/* xen_ulong_t fields: 64-bit for 64-bit guests, 32-bit for 32-bit ones. */
struct mc_entry {
    unsigned long op, result;
    unsigned long args[6];
};

static char text[TEXT_SIZE];
static char one_line[TEXT_SIZE];
static struct mc_entry batch[MC_MIXED];
static xen_pfn_t frames[NR_FRAMES];
static struct shared_info *s;
static uint8_t stack1[8192] __aligned(16);
static volatile unsigned int vcpu1_ready, vcpu1_stop, vcpu1_done;
static volatile long vcpu1_bad;

static void console_writes(void)
{
    for (size_t i = 0; i < sizeof(text); i++) {
        text[i] = (i % 100 == 99) ? '\n' : 'a' + (i % 26);
        one_line[i] = 'A' + (i % 26);
    }
    for (unsigned int i = 0; i < WRITES; i++)
        xtf_expect_rc("CONSOLEIO_write of 64 KiB", hypercall_console_write(text, sizeof(text)), 0);
    xtf_expect_rc("CONSOLEIO_write of a 64 KiB line",
                  hypercall_console_write(one_line, sizeof(one_line)), 0);
}

static void check_batch(const char *what, unsigned int n, long rc)
{
    unsigned int bad = 0;

    if (rc)
        xtf_failure("Fail: %s returned %ld\n", what, rc);
    for (unsigned int i = 0; i < n; i++) {
        long want = batch[i].op == __HYPERVISOR_console_io
                        ? 0
                        : hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);

        if ((long)batch[i].result != want && !bad++)
            xtf_failure("Fail: %s: entry %u (op %lu) returned %ld, expected %ld\n", what, i,
                        batch[i].op, (long)batch[i].result, want);
    }
}

static void multicalls(void)
{
    for (unsigned int i = 0; i < MC_WRITES; i++)
        batch[i] = (struct mc_entry){.op = __HYPERVISOR_console_io,
                                     .args = {CONSOLEIO_write, sizeof(text), (unsigned long)text}};
    check_batch("a multicall of 64 KiB writes", MC_WRITES,
                hypercall2(__HYPERVISOR_multicall, batch, MC_WRITES));
    for (unsigned int i = 0; i < MC_MIXED; i++)
        batch[i] =
            i % 2
                ? (struct mc_entry){.op = __HYPERVISOR_xen_version, .args = {XENVER_version, 0}}
                : (struct mc_entry){.op = __HYPERVISOR_console_io,
                                    .args = {CONSOLEIO_write, MC_MIXED_WRITE, (unsigned long)text}};
    check_batch("a multicall of writes and xen_version", MC_MIXED,
                hypercall2(__HYPERVISOR_multicall, batch, MC_MIXED));
}

static long reservation(unsigned int op, bool in_multicall)
{
    static struct xen_memory_reservation r;

    r = (struct xen_memory_reservation){
        .extent_start = frames, .nr_extents = NR_FRAMES, .extent_order = 0, .domid = DOMID_SELF};
    if (!in_multicall)
        return hypercall_memory_op(op, &r);
    batch[0] = (struct mc_entry){.op = __HYPERVISOR_memory_op, .args = {op, (unsigned long)&r}};
    if (hypercall2(__HYPERVISOR_multicall, batch, 1))
        return -1;
    return (long)batch[0].result;
}

static void reservations(void)
{
    long start = hypercall_current_reservation();

    if (start < (long)(FIRST_PFN + NR_FRAMES))
        return xtf_failure("Fail: %ld pages, the test needs %lu\n", start, FIRST_PFN + NR_FRAMES);
    for (unsigned int m = 0; m < 2; m++) {
        for (unsigned long i = 0; i < NR_FRAMES; i++)
            frames[i] = FIRST_PFN + i;
        xtf_expect_rc(m ? "decrease_reservation of 8192 in a multicall"
                        : "decrease_reservation of 8192",
                      reservation(XENMEM_decrease_reservation, m), NR_FRAMES);
        xtf_expect_rc(m ? "populate_physmap of 8192 in a multicall" : "populate_physmap of 8192",
                      reservation(XENMEM_populate_physmap, m), NR_FRAMES);
        if (hypercall_current_reservation() != start)
            xtf_failure("Fail: the reservation is %ld after giving back and taking again, was "
                        "%ld\n",
                        hypercall_current_reservation(), start);
    }
}

/* vCPU 1: re-arm and stop vCPU 0's periodic timer until told to stop. */
static void periodic_racer(unsigned int id)
{
    struct vcpu_set_periodic_timer p = {.period_ns = MS(1)};

    vcpu1_ready = 1;
    while (!vcpu1_stop) {
        long rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &p);

        if (!rc)
            rc = hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
        if (rc && !vcpu1_bad)
            vcpu1_bad = rc;
    }
    vcpu1_done = 1;
}

static void timers(void)
{
    struct vcpu_set_periodic_timer p = {.period_ns = MS(2)};
    struct sched_watchdog w;
    long rc;

    rc = xtf_vcpu_start(1, periodic_racer, stack1 + sizeof(stack1));
    if (rc)
        return xtf_failure("Fail: start of vCPU 1: %ld\n", rc);
    for (unsigned int i = 0; i < TRIES && !vcpu1_ready; i++)
        hypercall_yield();
    if (!vcpu1_ready)
        return xtf_failure("Fail: vCPU 1 never ran\n");
    for (unsigned int i = 0; i < TIMER_ROUNDS; i++) {
        xtf_expect_rc("set_timer_op", set_timer_op(xen_system_time(s) + MS(50 + i % 7)), 0);
        w = (struct sched_watchdog){.id = 0, .timeout = 3600};
        rc = hypercall_sched_op(SCHEDOP_watchdog, &w);
        if (rc != 1 && rc != 2) {
            xtf_failure("Fail: watchdog arm returned %ld, expected an id\n", rc);
            break;
        }
        w = (struct sched_watchdog){.id = (uint32_t)rc, .timeout = 0};
        xtf_expect_rc("watchdog disarm", hypercall_sched_op(SCHEDOP_watchdog, &w), 0);
        xtf_expect_rc("set_periodic_timer", hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0);
        if (i % 2)
            xtf_expect_rc("stop_periodic_timer",
                          hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    }
    xtf_expect_rc("set_timer_op 0", set_timer_op(0), 0);
    xtf_expect_rc("stop_periodic_timer", hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
    vcpu1_stop = 1;
    for (unsigned int i = 0; i < TRIES && !vcpu1_done; i++)
        hypercall_yield();
    if (!vcpu1_done)
        xtf_failure("Fail: vCPU 1 did not stop\n");
    if (vcpu1_bad)
        xtf_failure("Fail: vCPU 1's periodic timer calls returned %ld\n", vcpu1_bad);
}

void test_main(void)
{
    long rc;

    xtf_require_hypervisor();
    s = map_shared_info(&rc);
    if (!s)
        return xtf_failure("Fail: shared info: %ld\n", rc);
    console_writes();
    multicalls();
    reservations();
    timers();
    /* The writes used up this domain's console allowance: wait for it to
     * come back so that the result line gets through. */
    xtf_sleep_ms(s, 1500);
    printk("%u writes of 64 KiB, %u multicall entries, 2 x 2 reservation calls of %u frames, "
           "%u timer rounds: no exit over the limit\n",
           WRITES + 1 + MC_WRITES, MC_WRITES + MC_MIXED, NR_FRAMES, TIMER_ROUNDS);
    xtf_success(NULL);
}
