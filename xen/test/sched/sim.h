/* Discrete-event simulator of pCPUs, vCPUs and time that drives a real
 * scheduler through the interface of xen/include/xen/sched-if.h, the way the
 * hypervisor's scheduling core does: per-pCPU one-shot timers, tickles
 * (reschedule IPIs), blocking and wake-ups. Time is exact (ns) and a
 * decision takes no simulated time. */
#ifndef SCHED_SIM_H
#define SCHED_SIM_H

#include <xen/sched-if.h>

#define SIM_MAX_CPUS  16
#define SIM_MAX_UNITS 64
#define SIM_MAX_DOMS  16
#define SIM_PRIV      256
#define SIM_TRACE_MAX 200000
#define SIM_NEVER     INT64_MAX

enum sim_workload {
    WL_CPU,      /* always runnable once started */
    WL_PERIODIC, /* a job of `work` ns released every `period` ns, due by the next release */
    WL_NONE,     /* never woken */
};

struct sim_unit {
    struct sched_unit su;
    _Alignas(16) unsigned char priv[SIM_PRIV];
    enum sim_workload kind;
    s_time_t period, work;
    /* state */
    bool started, runnable;
    int on_cpu, last_cpu;
    s_time_t remaining, next_release, job_deadline, woke_at;
    unsigned int backlog; /* released jobs waiting behind the current one */
    /* statistics */
    s_time_t run_ns, run_on[SIM_MAX_CPUS], max_latency, max_lateness;
    uint64_t jobs, misses, migrations, switches_in;
};

struct sim_cpu {
    struct sim_unit *curr;
    s_time_t timer;
    bool tickled, resched;
    s_time_t busy_ns;
    uint64_t decisions, tickles;
};

struct sim_switch {
    s_time_t t;
    int cpu, unit; /* unit index, -1 for idle */
};

struct sim {
    const struct scheduler *ops;
    struct sched_instance inst;
    struct sched_callbacks cb;
    unsigned int nr_cpus;
    s_time_t now;
    struct sim_cpu cpu[SIM_MAX_CPUS];
    struct sim_unit unit[SIM_MAX_UNITS];
    unsigned int nr_units;
    struct sched_domain dom[SIM_MAX_DOMS];
    _Alignas(16) unsigned char dom_priv[SIM_MAX_DOMS][SIM_PRIV];
    unsigned int nr_doms;
    void *mem;
    s_time_t idle_waiting_ns; /* pCPU idle while a unit allowed there waits */
    uint64_t trace_count[16];
    struct sim_switch *log; /* switches, when logging is on */
    size_t nr_log;
    /* Every one-shot timer fires this late (a core that reacts late, as
     * under emulation); 0 = on time. */
    s_time_t timer_late;
    bool failed;
    char error[256];
};

/* All return 0 or fail the simulation (s->failed, s->error) and return -1. */
int sim_init(struct sim *s, const char *sched_name, unsigned int nr_cpus, const char *global);
void sim_free(struct sim *s);
void sim_log_switches(struct sim *s);
/* A domain with boot settings `params` (NULL: defaults); returns its index. */
int sim_add_domain(struct sim *s, uint32_t domid, const char *params);
/* A unit of domain index d, inserted asleep; all pCPUs, no soft affinity. */
struct sim_unit *sim_add_unit(struct sim *s, int d, enum sim_workload kind, s_time_t period,
                              s_time_t work);
/* Start the workload now: a CPU-bound unit wakes, a periodic one releases its first job. */
void sim_start(struct sim *s, struct sim_unit *u);
void sim_stop(struct sim *s, struct sim_unit *u); /* blocks it for good */
void sim_set_affinity(struct sim *s, struct sim_unit *u, const struct sched_cpumask *hard,
                      const struct sched_cpumask *soft);
void sim_remove(struct sim *s, struct sim_unit *u); /* must be stopped */
void sim_run_until(struct sim *s, s_time_t end);
int sim_unit_index(const struct sim *s, const struct sim_unit *u);
struct sched_cpumask sim_mask(unsigned int nr, ...); /* CPUs listed, nr of them */

#endif
