/* Hypervisor time per guest exit (see xen/exit_time.h). Each pCPU counts
 * only its own exits, so recording takes no lock; a print reads the other
 * pCPUs' counters as they are (a count may be off by the exit under way). */
#include <xen/exit_time.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <asm/percpu.h>

struct exit_time_cpu {
    uint64_t hist[EXIT_TIME_BUCKETS];
    uint64_t nowait_hist[EXIT_TIME_BUCKETS]; /* the same less lock waits */
    uint64_t count;
    struct exit_time_sample top[EXIT_TIME_TOP]; /* longest first */
    struct exit_time_sample nowait_max;         /* longest less its lock waits */
    uint64_t hcall_max[EXIT_TIME_HCALLS];       /* longest per hypercall number */
};

static struct exit_time_cpu exit_times[NR_CPUS];

/* exit_time_limit_us=N (a test aid; 0, the default, is off): an exit that
 * took longer crashes its domain, naming the exit. Meant for boots where an
 * exit's time is its own work: QEMU's icount clock on one pCPU (no other
 * vCPU runs meanwhile, no host load stretches it). */
static unsigned int opt_exit_time_limit_us;
unsigned_param("exit_time_limit_us", opt_exit_time_limit_us, 0, 10000000);

unsigned int exit_time_bucket(uint64_t cycles)
{
    unsigned int lg, sub;

    if (cycles < EXIT_TIME_SUB)
        return (unsigned int)cycles;
    lg = 63 - (unsigned int)__builtin_clzll(cycles);
    /* the two bits below the top one pick the quarter of [2^lg, 2^(lg+1)) */
    sub = (unsigned int)(cycles >> (lg - 2)) & (EXIT_TIME_SUB - 1);
    return (lg - 1) * EXIT_TIME_SUB + sub;
}

uint64_t exit_time_bucket_end(unsigned int b)
{
    unsigned int lg = b / EXIT_TIME_SUB + 1, sub = b % EXIT_TIME_SUB;

    if (b < EXIT_TIME_SUB)
        return b + 1;
    if (lg >= 63)
        return ~0ULL;
    return (1ULL << lg) + ((uint64_t)(sub + 1) << (lg - 2));
}

static uint64_t nowait(const struct exit_time_sample *s)
{
    return s->cycles > s->spin_cycles ? s->cycles - s->spin_cycles : 0;
}

void exit_time_record(const struct exit_time_sample *s)
{
    struct exit_time_cpu *e = &exit_times[smp_processor_id()];
    unsigned int i = EXIT_TIME_TOP;

    e->hist[exit_time_bucket(s->cycles)]++;
    e->nowait_hist[exit_time_bucket(nowait(s))]++;
    e->count++;
    if (s->code == EXIT_TIME_HCALL_CODE && s->detail < EXIT_TIME_HCALLS &&
        s->cycles > e->hcall_max[s->detail])
        e->hcall_max[s->detail] = s->cycles;
    if (nowait(s) > nowait(&e->nowait_max))
        e->nowait_max = *s;
    if (s->cycles <= e->top[EXIT_TIME_TOP - 1].cycles)
        return;
    while (i > 0 && e->top[i - 1].cycles < s->cycles) {
        if (i < EXIT_TIME_TOP)
            e->top[i] = e->top[i - 1];
        i--;
    }
    e->top[i] = *s;
}

static uint64_t cycles_to_ns(uint64_t cycles)
{
    uint64_t mult = time_ns_mult();

    return mult ? (uint64_t)(((__uint128_t)cycles * mult) >> 32) : cycles;
}

void exit_time_check(struct domain *d, const struct exit_time_sample *s)
{
    uint64_t ns;

    if (!opt_exit_time_limit_us)
        return;
    ns = cycles_to_ns(s->cycles);
    if (ns <= (uint64_t)opt_exit_time_limit_us * 1000)
        return;
    domain_crash(d,
                 "v%u exit %#x (detail %#lx arg %#lx) took %lu us, over exit_time_limit_us=%u "
                 "(%lu us in interrupts, %lu us lock waits)",
                 (unsigned int)s->vcpu, (unsigned int)s->code, (unsigned long)s->detail,
                 (unsigned long)s->arg, (unsigned long)(ns / 1000), opt_exit_time_limit_us,
                 (unsigned long)(cycles_to_ns(s->irq_cycles) / 1000),
                 (unsigned long)(cycles_to_ns(s->spin_cycles) / 1000));
}

/* The end of the bucket holding the exit of rank ceil(total * per / 1000). */
static uint64_t percentile_ns(const uint64_t *hist, uint64_t total, unsigned int per_mille)
{
    uint64_t want = (total * per_mille + 999) / 1000, seen = 0;

    for (unsigned int b = 0; b < EXIT_TIME_BUCKETS; b++) {
        seen += hist[b];
        if (seen >= want && seen)
            return cycles_to_ns(exit_time_bucket_end(b));
    }
    return 0;
}

static void print_summary(const char *what, const uint64_t *hist, uint64_t total,
                          const struct exit_time_sample *max, uint64_t max_cycles)
{
    printk("%s: exits=%lu p50_ns=%lu p90_ns=%lu p99_ns=%lu p999_ns=%lu max_ns=%lu "
           "max_exit=%#x max_detail=%#lx\n",
           what, (unsigned long)total, (unsigned long)percentile_ns(hist, total, 500),
           (unsigned long)percentile_ns(hist, total, 900),
           (unsigned long)percentile_ns(hist, total, 990),
           (unsigned long)percentile_ns(hist, total, 999), (unsigned long)cycles_to_ns(max_cycles),
           max ? (unsigned int)max->code : 0, max ? (unsigned long)max->detail : 0UL);
}

void exit_time_print(void)
{
    static uint64_t hist[EXIT_TIME_BUCKETS], nowait_hist[EXIT_TIME_BUCKETS];
    static struct exit_time_sample top[EXIT_TIME_TOP];
    static uint64_t hcall_max[EXIT_TIME_HCALLS];
    char line[160];
    int len = 0;
    const struct exit_time_sample *nowait_max = NULL;
    uint64_t total = 0, nowait_max_cycles = 0;

    for (unsigned int b = 0; b < EXIT_TIME_BUCKETS; b++)
        hist[b] = nowait_hist[b] = 0;
    for (unsigned int i = 0; i < EXIT_TIME_TOP; i++)
        top[i] = (struct exit_time_sample){0};
    for (unsigned int i = 0; i < EXIT_TIME_HCALLS; i++)
        hcall_max[i] = 0;
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        const struct exit_time_cpu *e = &exit_times[c];

        if (!e->count)
            continue;
        for (unsigned int b = 0; b < EXIT_TIME_BUCKETS; b++) {
            hist[b] += e->hist[b];
            nowait_hist[b] += e->nowait_hist[b];
        }
        total += e->count;
        for (unsigned int i = 0; i < EXIT_TIME_HCALLS; i++)
            if (e->hcall_max[i] > hcall_max[i])
                hcall_max[i] = e->hcall_max[i];
        if (nowait(&e->nowait_max) > nowait_max_cycles) {
            nowait_max = &e->nowait_max;
            nowait_max_cycles = nowait(&e->nowait_max);
        }
        /* merge this pCPU's longest into the host's (both longest first) */
        for (unsigned int j = 0; j < EXIT_TIME_TOP && e->top[j].cycles; j++) {
            unsigned int i = EXIT_TIME_TOP - 1;

            if (e->top[j].cycles <= top[i].cycles)
                break;
            while (i > 0 && top[i - 1].cycles < e->top[j].cycles) {
                top[i] = top[i - 1];
                i--;
            }
            top[i] = e->top[j];
        }
    }
    print_summary("exittime", hist, total, top[0].cycles ? &top[0] : NULL, top[0].cycles);
    /* Less lock waits: a wait stretched by the lock holder's pCPU not
     * running (QEMU runs one vCPU at a time under icount; the host may
     * deschedule one on the real clock) is not work done here. */
    print_summary("exittime-nowait", nowait_hist, total, nowait_max, nowait_max_cycles);
    for (unsigned int i = 0; i < EXIT_TIME_TOP && top[i].cycles; i++)
        printk("exittime-top: ns=%lu exit=%#x detail=%#lx arg=%#lx d%u v%u irqs=%u irq_ns=%lu "
               "wait_ns=%lu lock=%pS from=%pS\n",
               (unsigned long)cycles_to_ns(top[i].cycles), (unsigned int)top[i].code,
               (unsigned long)top[i].detail, (unsigned long)top[i].arg, (unsigned int)top[i].domid,
               (unsigned int)top[i].vcpu, (unsigned int)top[i].irqs,
               (unsigned long)cycles_to_ns(top[i].irq_cycles),
               (unsigned long)cycles_to_ns(top[i].spin_cycles), top[i].wait_lock, top[i].wait_from);
    /* The longest exit of each hypercall made, NR=ns, a few to a line. */
    for (unsigned int i = 0; i < EXIT_TIME_HCALLS; i++) {
        if (!hcall_max[i])
            continue;
        len += snprintf(line + len, sizeof(line) - len, " %u=%lu", i,
                        (unsigned long)cycles_to_ns(hcall_max[i]));
        if (len > 100) {
            printk("exittime-hcall:%s\n", line);
            len = 0;
        }
    }
    if (len)
        printk("exittime-hcall:%s\n", line);
}

static void exit_time_key(char key)
{
    exit_time_print();
}
register_keyhandler('x', exit_time_key, "print the hypervisor time per guest exit");
