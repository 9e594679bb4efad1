/* System time in nanoseconds since boot, from the TSC. */
#ifndef XEN_TIME_H
#define XEN_TIME_H

#include <xen/types.h>

typedef int64_t s_time_t;
#define MILLISECS(ms) ((s_time_t)(ms)*1000000LL)
#define MICROSECS(us) ((s_time_t)(us)*1000LL)
#define SECONDS(s)    ((s_time_t)(s)*1000000000LL)

s_time_t NOW(void);
uint64_t tsc_khz(void);
/* NOW()'s scale: ns = (TSC delta * mult) >> 32; 0 before calibration. */
uint64_t time_ns_mult(void);
void udelay(unsigned long us);
void mdelay(unsigned long ms);
void time_init(void); /* calibrate the TSC and the APIC timer */
/* The guests' clocks (arch/x86/wallclock.c): the host wallclock read once
 * and the TSC scale guests are given, set at the first domain's build;
 * the wallclock in seconds since 1970 at system time 0. */
void arch_guest_time_init(void);
int64_t wallclock_boot_seconds(void);

/* One-shot software timers, each owned by one pCPU (its `cpu`) whose APIC
 * timer fires it; the callback runs in interrupt context on that pCPU. The
 * locking rules are in arch/x86/time.c. A zeroed timer is inert until
 * init_timer(); a killed one until init_timer() again. */
enum timer_status {
    TIMER_invalid,  /* never initialised: set/stop do nothing */
    TIMER_inactive, /* initialised, not armed */
    TIMER_killed,   /* kill_timer()ed: set/stop do nothing */
    TIMER_in_heap,  /* armed, in its pCPU's heap */
    TIMER_in_list,  /* armed, on its pCPU's overflow list */
};

struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;      /* owning pCPU: changes only in migrate_timer() */
    unsigned int heap_pos; /* index in that pCPU's heap while TIMER_in_heap */
    uint8_t status;        /* enum timer_status */
    struct timer *list_next;
};
/* Only on a timer no one else can reach (zeroed, inactive and private, or killed). */
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
/* Move t to another pCPU, keeping it armed if it was. */
void migrate_timer(struct timer *t, unsigned int cpu);
/* Disarm for good and wait until no handler of t runs on another pCPU. */
void kill_timer(struct timer *t);
bool timer_is_active(struct timer *t);
void timer_interrupt(void);
void dump_timers(void);
/* The heap memory the per-CPU timer heaps hold (they grow, never shrink). */
size_t timer_heaps_footprint(void);

#endif
