/*
 * Local APIC details for the lapic-* tests, on top of the basics in xtf.h
 * (apic_read/apic_write, APIC_ID ... APIC_TDCR): the remaining register
 * offsets, x2APIC MSRs, CPUID bits, and small helpers built on them.
 */
#ifndef XTF_LAPIC_H
#define XTF_LAPIC_H

#include <xtf.h>

#define APIC_APR      0x090
#define APIC_PPR      0x0a0
#define APIC_LDR      0x0d0
#define APIC_DFR      0x0e0
#define APIC_ISR      0x100
#define APIC_TMR      0x180
#define APIC_IRR      0x200
#define APIC_LVT_CMCI 0x2f0
#define APIC_LVTTHMR  0x330
#define APIC_LVTPC    0x340
#define APIC_LVT0     0x350
#define APIC_LVT1     0x360
#define APIC_LVTERR   0x370

#define APIC_SPIV_ENABLE     (1u << 8)
#define APIC_TIMER_DEADLINE  (2u << 17)
#define APIC_ICR_SELF        (1u << 18)
#define APIC_ICR_ALL         (2u << 18)
#define APIC_ICR_ALL_BUT     (3u << 18)
#define APIC_ESR_SEND_ILL    (1u << 5)
#define APIC_ESR_ILLEGAL_REG (1u << 7)

#define APICBASE_BSP  (1ull << 8)
#define APICBASE_EXTD (1ull << 10)
#define APICBASE_EN   (1ull << 11)

#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC(reg)  (0x800 + ((reg) >> 4))
#define MSR_X2APIC_SELF  0x83f

#define CPUID1_ECX_X2APIC   (1u << 21)
#define CPUID1_ECX_DEADLINE (1u << 24)

static inline bool lapic_x2apic_offered(void)
{
    return cpuid_ecx(1) & CPUID1_ECX_X2APIC;
}

static inline bool lapic_deadline_offered(void)
{
    return cpuid_ecx(1) & CPUID1_ECX_DEADLINE;
}

/* Whether `vec` is set in the 256-bit register array at `reg` (ISR/TMR/IRR). */
static inline bool lapic_vec_set(unsigned int reg, unsigned int vec)
{
    return apic_read(reg + 0x10 * (vec / 32)) & (1u << (vec % 32));
}

/* Exits to the hypervisor (reads of the version register) after which
 * whatever was due when they began has been delivered. */
#define LAPIC_SETTLE_EXITS 1000

/* Wait until *count reaches n or about `tsc_budget` TSC ticks pass, with
 * interrupts as they are. Each round reads the version register, so the
 * vCPU exits to the hypervisor now and then even in a pure spin.  The TSC
 * runs on while the host holds the vCPU (or QEMU) off: once the budget is
 * over, LAPIC_SETTLE_EXITS more exits give the hypervisor its chance to
 * deliver what became due meanwhile before the wait gives up. */
static inline bool lapic_wait_count(volatile unsigned int *count, unsigned int n,
                                    uint64_t tsc_budget)
{
    uint64_t start = rdtsc();

    while (*count < n) {
        if (rdtsc() - start > tsc_budget) {
            for (unsigned int i = 0; i < LAPIC_SETTLE_EXITS && *count < n; i++) {
                (void)apic_read(APIC_LVR);
                cpu_relax();
            }
            return *count >= n;
        }
        (void)apic_read(APIC_LVR);
        cpu_relax();
    }
    return true;
}

/* Busy-wait about `ticks` TSC ticks. */
static inline void lapic_spin_tsc(uint64_t ticks)
{
    uint64_t start = rdtsc();

    while (rdtsc() - start < ticks)
        cpu_relax();
}

/*
 * Interrupt handlers for vectors 0x30-0xff, above the framework's stubs,
 * so tests can use vectors of different priority classes. Every stub
 * calls lapic_hi_irq(vector), which the test defines, with interrupts off;
 * the handler must not touch FPU/SSE state. lapic_hi_install() points the
 * IDT entries at the stubs.
 */
#define LAPIC_HI_FIRST 0x30
void lapic_hi_irq(unsigned int vec);
extern const char lapic_hi_stubs[];

#ifdef CONFIG_64BIT
asm(".pushsection .text\n\t"
    ".p2align 4\n"
    "lapic_hi_stubs:\n\t"
    ".set lapic_vec, 0x30\n\t"
    ".rept 0xd0\n\t"
    ".p2align 4\n\t"
    "push %rdi\n\t"
    "mov $lapic_vec, %edi\n\t"
    "jmp lapic_hi_common\n\t"
    ".set lapic_vec, lapic_vec + 1\n\t"
    ".endr\n"
    "lapic_hi_common:\n\t"
    /* 5 frame words + rdi + 8 pushes keep the stack 16-byte aligned. */
    "push %rax; push %rcx; push %rdx; push %rsi\n\t"
    "push %r8; push %r9; push %r10; push %r11\n\t"
    "cld\n\t"
    "call lapic_hi_irq\n\t"
    "pop %r11; pop %r10; pop %r9; pop %r8\n\t"
    "pop %rsi; pop %rdx; pop %rcx; pop %rax\n\t"
    "pop %rdi\n\t"
    "iretq\n\t"
    ".popsection");
#else
asm(".pushsection .text\n\t"
    ".p2align 4\n"
    "lapic_hi_stubs:\n\t"
    ".set lapic_vec, 0x30\n\t"
    ".rept 0xd0\n\t"
    ".p2align 4\n\t"
    "push $lapic_vec\n\t"
    "jmp lapic_hi_common\n\t"
    ".set lapic_vec, lapic_vec + 1\n\t"
    ".endr\n"
    "lapic_hi_common:\n\t"
    "push %eax; push %ecx; push %edx\n\t"
    "cld\n\t"
    "pushl 12(%esp)\n\t"
    "call lapic_hi_irq\n\t"
    "add $4, %esp\n\t"
    "pop %edx; pop %ecx; pop %eax\n\t"
    "add $4, %esp\n\t"
    "iret\n\t"
    ".popsection");
#endif

static inline void lapic_hi_install(void)
{
    for (unsigned int v = LAPIC_HI_FIRST; v < 256; v++)
        xtf_set_idt_entry(v, (void (*)(void))(lapic_hi_stubs + 16 * (v - LAPIC_HI_FIRST)), 0);
}

#endif /* XTF_LAPIC_H */
