/* Benchmark: host time per do_schedule decision of each scheduler, with
 * 16 runnable CPU-bound units of 4 domains over 4 pCPUs, simulated time
 * moving 100 us per decision. Prints the median of 7 runs of 200000
 * decisions, and of wake+sleep pairs. Figures only, no assertions. */
#include <xen/sched-if.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NR_CPUS   4
#define NR_DOMS   4
#define NR_UNITS  16
#define RUNS      7
#define DECISIONS 200000

static s_time_t sim_now;
static unsigned long tickles;

static void tickle(void *ctx, unsigned int cpu)
{
    (void)ctx;
    (void)cpu;
    tickles++;
}

static s_time_t now(void *ctx)
{
    (void)ctx;
    return sim_now;
}

static double host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct setup {
    struct sched_instance in;
    struct sched_callbacks cb;
    struct sched_domain dom[NR_DOMS];
    struct sched_unit unit[NR_UNITS];
    void *mem, *upriv, *dpriv;
};

static int setup(struct setup *st, const struct scheduler *ops)
{
    struct sched_global_params gp, *gpp = NULL;
    struct sched_parse_error err;

    memset(st, 0, sizeof(*st));
    sim_now = 0;
    st->cb = (struct sched_callbacks){tickle, now, NULL, NULL};
    st->mem = calloc(1, ops->instance_size(NR_CPUS));
    st->upriv = calloc(NR_UNITS, ops->unit_size + 16);
    st->dpriv = calloc(NR_DOMS, ops->dom_size + 16);
    if (ops->sched_id == XEN_SCHEDULER_ARINC653) {
        sched_global_default(ops, &gp);
        if (sched_parse_global(ops, "slots=d1:1ms,d2:1ms,d3:1ms,d4:1ms", &gp, &err))
            return -1;
        gpp = &gp;
    }
    if (sched_instance_init(&st->in, ops, &st->cb, NR_CPUS, st->mem, gpp))
        return -1;
    for (int d = 0; d < NR_DOMS; d++) {
        st->dom[d].domid = (uint32_t)d + 1;
        st->dom[d].priv = (char *)st->dpriv + d * (ops->dom_size + 16);
        if (ops->init_domain(&st->in, &st->dom[d]))
            return -1;
    }
    for (int i = 0; i < NR_UNITS; i++) {
        struct sched_unit *u = &st->unit[i];
        u->unit_id = (uint32_t)i / NR_DOMS;
        u->dom = &st->dom[i % NR_DOMS];
        u->priv = (char *)st->upriv + i * (ops->unit_size + 16);
        sched_mask_fill(&u->hard_affinity, NR_CPUS);
        sched_mask_fill(&u->soft_affinity, NR_CPUS);
        if (ops->insert_unit(&st->in, u))
            return -1;
        ops->wake(&st->in, u);
    }
    return 0;
}

static void teardown(struct setup *st)
{
    st->in.ops->deinit(&st->in);
    free(st->mem);
    free(st->upriv);
    free(st->dpriv);
}

static double run_decisions(struct setup *st)
{
    struct sched_decision d;
    double t0 = host_ns();

    for (int i = 0; i < DECISIONS; i++) {
        sim_now += MICROSECS(100);
        st->in.ops->do_schedule(&st->in, (unsigned int)i % NR_CPUS, sim_now, &d);
    }
    return (host_ns() - t0) / DECISIONS;
}

/* Put all pCPUs on idle-free footing, then time sleep+wake of queued units. */
static double run_wake_sleep(struct setup *st)
{
    struct sched_decision d;
    double t0;

    for (unsigned int c = 0; c < NR_CPUS; c++)
        st->in.ops->do_schedule(&st->in, c, sim_now, &d);
    t0 = host_ns();
    for (int i = 0; i < DECISIONS; i++) {
        struct sched_unit *u = &st->unit[NR_UNITS - 1 - (i % 4)];
        st->in.ops->sleep(&st->in, u);
        st->in.ops->wake(&st->in, u);
    }
    return (host_ns() - t0) / DECISIONS;
}

int main(void)
{
    static const char *const names[] = {"credit2", "null", "rtds", "arinc653"};

    printf("scheduler decision cost: %d pCPUs, %d runnable units, median of %d runs of %d\n",
           NR_CPUS, NR_UNITS, RUNS, DECISIONS);
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        const struct scheduler *ops = sched_find_by_name(names[n]);
        double dec[RUNS], ws[RUNS];
        struct setup st;

        for (int r = 0; r < RUNS; r++) {
            if (setup(&st, ops)) {
                printf("%-9s setup failed\n", names[n]);
                return 1;
            }
            dec[r] = run_decisions(&st);
            ws[r] = run_wake_sleep(&st);
            teardown(&st);
        }
        qsort(dec, RUNS, sizeof(double), cmp_double);
        qsort(ws, RUNS, sizeof(double), cmp_double);
        printf("%-9s do_schedule %8.1f ns/decision   sleep+wake %8.1f ns/pair\n", names[n],
               dec[RUNS / 2], ws[RUNS / 2]);
    }
    return 0;
}
