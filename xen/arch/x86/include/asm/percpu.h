/* Per-CPU data. Each CPU's GS base points at its struct cpu_info, whose first
 * field points at itself, so this_cpu() is one load. */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <xen/types.h>
#include <xen/time.h>
#include <asm/config.h>

struct vcpu;

struct tss64 {
    uint32_t rsvd0;
    uint64_t rsp[3];
    uint64_t rsvd1;
    uint64_t ist[7];
    uint64_t rsvd2;
    uint16_t rsvd3, iomap_base;
} __packed;

struct cpu_info {
    struct cpu_info *self;
    unsigned int id; /* logical CPU number, 0 = boot CPU */
    uint32_t apic_id;
    bool online;
    unsigned long stack_top; /* primary stack */
    struct tss64 tss;
    struct vcpu *curr_vcpu;  /* vCPU running or about to run here */
    s_time_t timer_deadline; /* what the APIC timer is programmed for */
    uint64_t irq_count;
    uint64_t irq_cycles;  /* TSC cycles spent in interrupt handlers */
    uint64_t spin_cycles; /* TSC cycles spent waiting for spinlocks */
    uint64_t spin_max;    /* the longest of those waits since reset, */
    void *spin_max_lock;  /* on which lock */
    void *spin_max_from;  /* taken where */
    void *svm;            /* arch HVM per-CPU state */
    volatile bool dump_request;
    unsigned long softirq_pending;
};

extern struct cpu_info cpu_info_array[NR_CPUS];
extern unsigned int nr_cpus_online;

static inline struct cpu_info *this_cpu(void)
{
    struct cpu_info *c;
    asm volatile("mov %%gs:0, %0" : "=r"(c));
    return c;
}
static inline unsigned int smp_processor_id(void)
{
    return this_cpu()->id;
}
static inline struct cpu_info *per_cpu(unsigned int cpu)
{
    return &cpu_info_array[cpu];
}

#endif
