/* Interface between the scheduling core (vCPUs, per-pCPU timers, IPIs) and
 * the schedulers under xen/common/sched/ (credit2, null, rtds, arinc653).
 *
 * A scheduler sees vCPUs as `struct sched_unit` and domains as
 * `struct sched_domain`; the core owns those structures and hands each one
 * private storage of ops->unit_size / ops->dom_size bytes, and one block of
 * ops->instance_size(nr_cpus) bytes per scheduler instance. A scheduler never
 * allocates and keeps no global state: everything lives behind the instance.
 *
 * Locking: the core serialises every call into one instance with a single
 * lock (the instance lock), taken with interrupts disabled. Every op below is
 * called with that lock held; the callbacks (tickle, now, trace) are called
 * with it held too and must neither block nor call back into the scheduler.
 * The lock must stay held from do_schedule() until the previous unit's
 * register state is saved (or the core must not resume a unit on another pCPU
 * before that), because the previous unit is runnable again as soon as
 * do_schedule() returns a different one.
 *
 * Life of a unit: init_domain(d) -> insert_unit(u) (the unit starts asleep)
 * -> wake(u) / sleep(u) / yield(u) any number of times -> sleep(u) and wait
 * until no pCPU runs it -> remove_unit(u) -> destroy_domain(d).
 *
 * Scheduling: whenever a pCPU's timer fires, it receives a tickle, or its
 * current unit blocked or yielded, the core calls do_schedule(cpu, now) on
 * that pCPU; it runs the returned unit (or its idle vCPU for NULL) and arms
 * its one-shot timer at now + slice (no timer for SCHED_NO_TIMER). */
#ifndef XEN_SCHED_IF_H
#define XEN_SCHED_IF_H

#include <xen/types.h>

/* System time in nanoseconds. */
typedef int64_t s_time_t;
#define MICROSECS(us)  ((s_time_t)(us)*1000)
#define MILLISECS(ms)  ((s_time_t)(ms)*1000000)
#define SECONDS(s)     ((s_time_t)(s)*1000000000)
#define SCHED_NO_TIMER ((s_time_t)-1)

#ifndef EPERM
#define EPERM 1
#endif
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif

/* Scheduler ids of Xen's scheduler_op (domctl and sysctl). */
#define XEN_SCHEDULER_CREDIT   5
#define XEN_SCHEDULER_CREDIT2  6
#define XEN_SCHEDULER_ARINC653 7
#define XEN_SCHEDULER_RTDS     8
#define XEN_SCHEDULER_NULL     9

/* ---- CPU masks ---------------------------------------------------------- */
#define SCHED_MAX_CPUS   256
#define SCHED_MASK_WORDS (SCHED_MAX_CPUS / 64)

struct sched_cpumask {
    uint64_t bits[SCHED_MASK_WORDS];
};

static inline void sched_mask_clear(struct sched_cpumask *m)
{
    for (unsigned int i = 0; i < SCHED_MASK_WORDS; i++)
        m->bits[i] = 0;
}

/* All CPUs 0..n-1 set. */
static inline void sched_mask_fill(struct sched_cpumask *m, unsigned int n)
{
    sched_mask_clear(m);
    for (unsigned int c = 0; c < n && c < SCHED_MAX_CPUS; c++)
        m->bits[c / 64] |= 1ULL << (c % 64);
}

static inline void sched_mask_set(struct sched_cpumask *m, unsigned int cpu)
{
    if (cpu < SCHED_MAX_CPUS)
        m->bits[cpu / 64] |= 1ULL << (cpu % 64);
}

static inline void sched_mask_unset(struct sched_cpumask *m, unsigned int cpu)
{
    if (cpu < SCHED_MAX_CPUS)
        m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

static inline bool sched_mask_test(const struct sched_cpumask *m, unsigned int cpu)
{
    return cpu < SCHED_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* m = m AND o. */
static inline void sched_mask_and(struct sched_cpumask *m, const struct sched_cpumask *o)
{
    for (unsigned int i = 0; i < SCHED_MASK_WORDS; i++)
        m->bits[i] &= o->bits[i];
}

/* True when no CPU below n is set. */
static inline bool sched_mask_empty(const struct sched_cpumask *m, unsigned int n)
{
    for (unsigned int c = 0; c < n && c < SCHED_MAX_CPUS; c++)
        if (sched_mask_test(m, c))
            return false;
    return true;
}

/* True when every CPU below n is set. */
static inline bool sched_mask_full(const struct sched_cpumask *m, unsigned int n)
{
    for (unsigned int c = 0; c < n && c < SCHED_MAX_CPUS; c++)
        if (!sched_mask_test(m, c))
            return false;
    return true;
}

/* ---- What the scheduler sees of domains and vCPUs ----------------------- */
struct sched_domain {
    uint32_t domid;
    unsigned int nr_units; /* maintained by the scheduler (insert/remove) */
    void *priv;            /* ops->dom_size bytes, given by the core */
};

struct sched_unit {
    uint32_t unit_id; /* the vCPU id within its domain */
    struct sched_domain *dom;
    /* Hard affinity: CPUs the unit may run on. Soft affinity: CPUs it
     * prefers (ignored when empty or full). The core changes them only
     * through affinity_changed(). */
    struct sched_cpumask hard_affinity;
    struct sched_cpumask soft_affinity;
    /* pCPU the unit runs on, last ran on, or is queued for; written by the
     * scheduler, read by the core (e.g. to send an event to the right pCPU). */
    unsigned int processor;
    void *priv; /* ops->unit_size bytes, given by the core */
    void *core; /* the core's own back pointer (its struct vcpu); unused here */
};

/* ---- Parameters (domctl / sysctl scheduler_op and boot settings) -------- */
struct sched_params {
    unsigned int sched_id;
    union {
        struct {
            uint32_t weight; /* 1..65535, default 256 */
            uint32_t cap;    /* percent of one pCPU, 0 = none */
        } credit2;
        struct {
            uint32_t period_us; /* 10..10000000, default 10000 */
            uint32_t budget_us; /* 10..period, default 4000 */
            bool extratime;     /* default true */
        } rtds;
    } u;
};

#define ARINC653_MAX_SLOTS 64
struct arinc653_slot {
    uint32_t domid;
    uint32_t unit_id;
    s_time_t runtime; /* ns */
};

struct sched_global_params {
    unsigned int sched_id;
    union {
        struct {
            uint32_t ratelimit_us; /* 0 (off) or 100..500000, default 1000 */
            uint32_t runqueue;     /* SCHED_C2_RQ_* */
        } credit2;
        struct {
            s_time_t major_frame; /* ns, >= sum of runtimes */
            unsigned int nr_slots;
            struct arinc653_slot slots[ARINC653_MAX_SLOTS];
        } arinc653;
    } u;
};
#define SCHED_C2_RQ_ALL 0 /* one run queue shared by all pCPUs */
#define SCHED_C2_RQ_CPU 1 /* one run queue per pCPU, with load balancing */

/* A parse error: what is wrong, and where (offset in the parsed string). */
struct sched_parse_error {
    const char *msg;
    size_t pos;
};

/* ---- What the core gives the scheduler ---------------------------------- */
/* Trace events: cpu, domid, unit_id, arg as described. */
enum sched_trace_event {
    SCHED_TRC_WAKE = 1,  /* cpu = unit's processor */
    SCHED_TRC_SLEEP,     /* cpu = unit's processor */
    SCHED_TRC_SWITCH,    /* cpu runs unit (domid ~0u = idle); arg = slice */
    SCHED_TRC_TICKLE,    /* cpu tickled */
    SCHED_TRC_MIGRATE,   /* unit moved; cpu = old, arg = new cpu */
    SCHED_TRC_YIELD,     /* unit yields */
    SCHED_TRC_REPLENISH, /* budget refilled; arg = new deadline (rtds) */
    SCHED_TRC_PARK,      /* credit2: unit out of capped budget */
};
#define SCHED_IDLE_DOMID 0xffffffffu

typedef void (*sched_print_fn)(void *ctx, const char *fmt, ...) __printf(2, 3);

struct sched_callbacks {
    /* Make `cpu` call do_schedule() soon (reschedule IPI or softirq). */
    void (*tickle)(void *ctx, unsigned int cpu);
    /* Current system time. */
    s_time_t (*now)(void *ctx);
    /* Optional (may be NULL): record a trace event. */
    void (*trace)(void *ctx, enum sched_trace_event ev, unsigned int cpu, uint32_t domid,
                  uint32_t unit_id, uint64_t arg);
    void *ctx;
};

struct sched_instance {
    const struct scheduler *ops;
    const struct sched_callbacks *cb;
    unsigned int nr_cpus;
    unsigned int first_cpu; /* lowest pCPU that runs guests: arinc653 runs there only */
    void *priv;             /* ops->instance_size(nr_cpus) bytes, given by the core */
};

struct sched_decision {
    struct sched_unit *next; /* NULL: run the idle vCPU */
    s_time_t slice;          /* ns until the next decision, or SCHED_NO_TIMER */
};

/* Upper bounds of ops->unit_size and ops->dom_size over all schedulers, so
 * the core can embed the storage in its vCPU and domain structures. */
#define SCHED_UNIT_PRIV_MAX 192
#define SCHED_DOM_PRIV_MAX  64

struct scheduler {
    const char *name;     /* human name */
    const char *opt_name; /* value of sched= */
    unsigned int sched_id;
    size_t unit_size; /* bytes of private storage per unit */
    size_t dom_size;  /* bytes of private storage per domain */
    size_t (*instance_size)(unsigned int nr_cpus);
    /* A blocked unit keeps its pCPU, which idles until the unit wakes or
     * the scheduler tickles it (null): the core may then let a blocked vCPU
     * wait on its pCPU without a decision on either side of the wait. */
    bool blocked_keeps_cpu;

    /* gp: NULL or parameters of this scheduler (sched_id must match). */
    int (*init)(struct sched_instance *s, const struct sched_global_params *gp);
    void (*deinit)(struct sched_instance *s);

    /* The domain starts with default parameters (set them with adjust). */
    int (*init_domain)(struct sched_instance *s, struct sched_domain *d);
    void (*destroy_domain)(struct sched_instance *s, struct sched_domain *d);
    int (*insert_unit)(struct sched_instance *s, struct sched_unit *u);
    void (*remove_unit)(struct sched_instance *s, struct sched_unit *u);

    /* The unit blocked / was paused; if it is running, its pCPU is tickled. */
    void (*sleep)(struct sched_instance *s, struct sched_unit *u);
    /* The unit became runnable; tickles the pCPU that should run it. A
     * wake of a runnable unit does nothing. */
    void (*wake)(struct sched_instance *s, struct sched_unit *u);
    /* The running unit gives way; the core then calls do_schedule. */
    void (*yield)(struct sched_instance *s, struct sched_unit *u);
    void (*do_schedule)(struct sched_instance *s, unsigned int cpu, s_time_t now,
                        struct sched_decision *out);
    /* pCPU a waking or migrating unit would go to (no side effect). */
    unsigned int (*pick_cpu)(struct sched_instance *s, struct sched_unit *u);
    /* Hard or soft affinity of u changed; the scheduler moves it if needed. */
    void (*affinity_changed)(struct sched_instance *s, struct sched_unit *u);

    /* Get (set=false) or set per-domain parameters; for rtds, u selects one
     * unit (NULL: all units on set, the first on get). -EINVAL when out of
     * range or of another scheduler. */
    int (*adjust)(struct sched_instance *s, struct sched_domain *d, struct sched_unit *u, bool set,
                  struct sched_params *p);
    int (*adjust_global)(struct sched_instance *s, bool set, struct sched_global_params *gp);

    /* Debug key: run queues and per-unit state. */
    void (*dump)(struct sched_instance *s, sched_print_fn pr, void *ctx);
};

/* ---- Registry and helpers (xen/common/sched/registry.c, params.c) ------- */
extern const struct scheduler sched_credit2_def, sched_null_def, sched_rtds_def, sched_arinc653_def;

/* By sched= name; NULL name or "" gives the default (credit2). */
const struct scheduler *sched_find_by_name(const char *name);
/* By Xen scheduler id; NULL when not implemented (credit, 5). */
const struct scheduler *sched_find_by_id(unsigned int sched_id);
const struct scheduler *sched_default(void);

/* Fill s and call ops->init over nr_cpus pCPUs (1..SCHED_MAX_CPUS); mem
 * holds ops->instance_size(nr_cpus) bytes. */
int sched_instance_init(struct sched_instance *s, const struct scheduler *ops,
                        const struct sched_callbacks *cb, unsigned int nr_cpus, void *mem,
                        const struct sched_global_params *gp);

void sched_params_default(const struct scheduler *ops, struct sched_params *p);
void sched_global_default(const struct scheduler *ops, struct sched_global_params *gp);
/* Range checks shared by parsers and adjust: 0 or -EINVAL. */
int sched_params_check(const struct scheduler *ops, const struct sched_params *p);
int sched_global_check(const struct scheduler *ops, const struct sched_global_params *gp);

/* Parse a domain's boot settings (key=value separated by spaces, ';' or ',')
 * over p, which holds defaults or earlier values:
 *   credit2:  weight=1..65535 cap=PERCENT
 *   rtds:     period=US budget=US extratime=0|1   (US: microseconds, or a
 *             number with a unit: 10ms)
 *   null, arinc653: no keys.
 * Returns 0, or -EINVAL with err filled. */
int sched_parse_params(const struct scheduler *ops, const char *str, struct sched_params *p,
                       struct sched_parse_error *err);
/* Parse scheduler-wide boot settings (key=value separated by spaces or ';',
 * so that they fit in one word of a command line) over gp:
 *   credit2:  ratelimit=US runqueue=all|cpu
 *   arinc653: major=DUR slots=dDOM[.VCPU]:DUR,...   (DUR: number with ns, us,
 *             ms or s; a slot names a domain id and vCPU id, vCPU 0 if left
 *             out; major frame >= sum of slots, the rest of it is idle)
 *   null, rtds: no keys. */
int sched_parse_global(const struct scheduler *ops, const char *str, struct sched_global_params *gp,
                       struct sched_parse_error *err);

#endif
