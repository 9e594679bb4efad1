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

/* One-shot timers on the local CPU's APIC timer. The callback runs in
 * interrupt context on the CPU that set the timer. */
struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;    /* where it fires next time it is set (may change) */
    unsigned int on_cpu; /* whose list holds it while active */
    bool active;
    struct timer *next;
};
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
void timer_interrupt(void);
void dump_timers(void);

#endif
