/* CPU registers, CPUID, MSRs and control instructions. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <xen/types.h>

#define X86_CR0_PE 0x00000001u
#define X86_CR0_MP 0x00000002UL
#define X86_CR0_EM 0x00000004UL
#define X86_CR0_TS 0x00000008UL
#define X86_CR0_ET 0x00000010UL
#define X86_CR0_NE 0x00000020UL
#define X86_CR0_WP 0x00010000UL
#define X86_CR0_AM 0x00040000UL
#define X86_CR0_NW 0x20000000UL
#define X86_CR0_CD 0x40000000UL
#define X86_CR0_PG 0x80000000u

#define X86_CR4_PSE        0x00000010UL
#define X86_CR4_PAE        0x00000020UL
#define X86_CR4_PGE        0x00000080UL
#define X86_CR4_OSFXSR     0x00000200UL
#define X86_CR4_OSXMMEXCPT 0x00000400UL
#define X86_CR4_OSXSAVE    0x00040000UL

#define X86_EFLAGS_CF 0x0001UL
#define X86_EFLAGS_IF 0x0200UL
#define X86_EFLAGS_DF 0x0400UL

#define MSR_EFER         0xC0000080
#define EFER_SCE         (1UL << 0)
#define EFER_LME         (1UL << 8)
#define EFER_LMA         (1UL << 10)
#define EFER_NXE         (1UL << 11)
#define EFER_SVME        (1UL << 12)
#define MSR_FS_BASE      0xC0000100
#define MSR_GS_BASE      0xC0000101
#define MSR_KERNEL_GS    0xC0000102
#define MSR_APIC_BASE    0x0000001B
#define MSR_TSC_DEADLINE 0x000006E0
#define MSR_PAT          0x00000277
#define MSR_VM_CR        0xC0010114
#define MSR_VM_HSAVE_PA  0xC0010117

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                               uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}
static inline uint32_t cpuid_ecx(uint32_t leaf)
{
    uint32_t a, b, c, d;
    cpuid(leaf, &a, &b, &c, &d);
    return c;
}
static inline uint32_t cpuid_edx(uint32_t leaf)
{
    uint32_t a, b, c, d;
    cpuid(leaf, &a, &b, &c, &d);
    return d;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return lo | ((uint64_t)hi << 32);
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return lo | ((uint64_t)hi << 32);
}

#define DEFINE_CR(n)                                                                               \
    static inline unsigned long read_cr##n(void)                                                   \
    {                                                                                              \
        unsigned long v;                                                                           \
        asm volatile("mov %%cr" #n ", %0" : "=r"(v));                                              \
        return v;                                                                                  \
    }                                                                                              \
    static inline void write_cr##n(unsigned long v)                                                \
    {                                                                                              \
        asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                                     \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

#ifdef HOST_TEST
/* Host unit tests may run more threads than the host has CPUs: a spinner
 * gives its time slice to the thread that holds the lock. */
int sched_yield(void);
static inline void cpu_relax(void)
{
    sched_yield();
}
#else
static inline void cpu_relax(void)
{
    asm volatile("pause" ::: "memory");
}
#endif
static inline void halt(void)
{
    asm volatile("hlt" ::: "memory");
}
#ifdef HOST_TEST
/* Host unit tests run this code in user mode, where cli/sti fault. */
static inline void local_irq_disable(void) {}
static inline void local_irq_enable(void) {}
#else
static inline void local_irq_disable(void)
{
    asm volatile("cli" ::: "memory");
}
static inline void local_irq_enable(void)
{
    asm volatile("sti" ::: "memory");
}
#endif
static inline void safe_halt(void)
{
    asm volatile("sti; hlt" ::: "memory");
}
static inline unsigned long local_save_flags(void)
{
    unsigned long f;
    asm volatile("pushf; pop %0" : "=r"(f));
#ifdef HOST_TEST
    f &= ~X86_EFLAGS_IF;
#endif
    return f;
}
static inline unsigned long local_irq_save(void)
{
    unsigned long f = local_save_flags();
    local_irq_disable();
    return f;
}
static inline void local_irq_restore(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        local_irq_enable();
}
static inline bool local_irq_is_enabled(void)
{
    return local_save_flags() & X86_EFLAGS_IF;
}
static inline void __noreturn halt_forever(void)
{
    for (;;)
        asm volatile("cli; hlt");
}
static inline void invlpg(unsigned long va)
{
    asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}
static inline void flush_tlb_local(void)
{
    write_cr3(read_cr3());
}

/* Register frame saved by the exception and interrupt entry code. */
struct cpu_user_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

#endif
