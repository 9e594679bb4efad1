/* Hypervisor time per guest exit: a per-pCPU histogram of the time from a
 * #VMEXIT's handling to its end (TSC cycles, shown in ns), the same less
 * the time spent waiting for locks held by another pCPU, and the longest
 * exits with what they were and where their time went (interrupt handlers,
 * lock waits, the lock and its caller). Cheap enough for every exit: a few
 * TSC reads and stores to this pCPU's own counters. Printed by debug key
 * 'x' and when every domain has finished ("exittime:", "exittime-nowait:",
 * "exittime-top:" and "exittime-hcall:" lines, read by the exit-time
 * benchmark). */
#ifndef XEN_EXIT_TIME_H
#define XEN_EXIT_TIME_H

#include <xen/types.h>

/* 4 buckets per power of two of cycles: a bucket's bounds are within 19%. */
#define EXIT_TIME_SUB     4
#define EXIT_TIME_BUCKETS (64 * EXIT_TIME_SUB)

/* The bucket of a duration, and the smallest duration after that bucket. */
unsigned int exit_time_bucket(uint64_t cycles);
uint64_t exit_time_bucket_end(unsigned int b);

/* One exit: what it was and where its time went (TSC cycles). */
struct exit_time_sample {
    uint64_t cycles;      /* from its handling to its end */
    uint64_t irq_cycles;  /* of which in interrupt handlers */
    uint64_t spin_cycles; /* of which waiting for locks held by another pCPU */
    uint64_t detail;      /* for a hypercall its number, else EXITINFO1 */
    uint64_t arg;         /* for a hypercall its first argument (the sub-op) */
    uint32_t code;        /* the exit code (0x81 a hypercall) */
    uint32_t irqs;        /* interrupts taken meanwhile */
    uint16_t domid, vcpu;
    void *wait_lock, *wait_from; /* its longest lock wait: the lock, the caller */
};

/* The longest exits are kept, with their breakdown, and printed as
 * "exittime-top:" lines after the summary. */
#define EXIT_TIME_TOP 8
/* The longest exit of each hypercall number below this is kept too
 * ("exittime-hcall:" lines, NR=ns). */
#define EXIT_TIME_HCALLS     64
#define EXIT_TIME_HCALL_CODE 0x81 /* VMEXIT_VMMCALL */

void exit_time_record(const struct exit_time_sample *s);
/* With exit_time_limit_us=, crash d if its exit s took longer. */
struct domain;
void exit_time_check(struct domain *d, const struct exit_time_sample *s);
void exit_time_print(void);

#endif
