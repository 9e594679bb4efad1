/* Hypervisor time per guest exit (see xen/exit_time.h). Each pCPU counts
 * only its own exits, so recording takes no lock; a print reads the other
 * pCPUs' counters as they are (a count may be off by the exit under way). */
#include <xen/exit_time.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/time.h>
#include <asm/percpu.h>

struct exit_time_cpu {
    uint64_t hist[EXIT_TIME_BUCKETS];
    uint64_t count;
    uint64_t max_cycles;
    uint32_t max_code;
    uint64_t max_detail;
};

static struct exit_time_cpu exit_times[NR_CPUS];

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

void exit_time_record(uint32_t code, uint64_t detail, uint64_t cycles)
{
    struct exit_time_cpu *e = &exit_times[smp_processor_id()];

    e->hist[exit_time_bucket(cycles)]++;
    e->count++;
    if (cycles > e->max_cycles) {
        e->max_cycles = cycles;
        e->max_code = code;
        e->max_detail = detail;
    }
}

static uint64_t cycles_to_ns(uint64_t cycles)
{
    uint64_t mult = time_ns_mult();

    return mult ? (uint64_t)(((__uint128_t)cycles * mult) >> 32) : cycles;
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

void exit_time_print(void)
{
    static uint64_t hist[EXIT_TIME_BUCKETS];
    uint64_t total = 0, max = 0, detail = 0;
    uint32_t code = 0;

    for (unsigned int b = 0; b < EXIT_TIME_BUCKETS; b++)
        hist[b] = 0;
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        const struct exit_time_cpu *e = &exit_times[c];

        if (!e->count)
            continue;
        for (unsigned int b = 0; b < EXIT_TIME_BUCKETS; b++)
            hist[b] += e->hist[b];
        total += e->count;
        if (e->max_cycles > max) {
            max = e->max_cycles;
            code = e->max_code;
            detail = e->max_detail;
        }
    }
    printk("exittime: exits=%lu p50_ns=%lu p90_ns=%lu p99_ns=%lu p999_ns=%lu max_ns=%lu "
           "max_exit=%#x max_detail=%#lx\n",
           (unsigned long)total, (unsigned long)percentile_ns(hist, total, 500),
           (unsigned long)percentile_ns(hist, total, 900),
           (unsigned long)percentile_ns(hist, total, 990),
           (unsigned long)percentile_ns(hist, total, 999), (unsigned long)cycles_to_ns(max),
           (unsigned int)code, (unsigned long)detail);
}

static void exit_time_key(char key)
{
    exit_time_print();
}
register_keyhandler('x', exit_time_key, "print the hypervisor time per guest exit");
