/* x86 architecture helpers: registers, control bits, CPUID, MSRs, port I/O. */
#ifndef XTF_X86_H
#define XTF_X86_H

#include <xtf/types.h>

#define X86_CR0_PE  (1u << 0)
#define X86_CR0_WP  (1u << 16)
#define X86_CR0_PG  (1u << 31)
#define X86_CR4_PSE (1u << 4)
#define X86_CR4_PAE (1u << 5)

#define MSR_EFER     0xc0000080
#define EFER_SCE     (1u << 0)
#define EFER_LME     (1u << 8)
#define EFER_LMA     (1u << 10)
#define EFER_NXE     (1u << 11)
#define MSR_APICBASE 0x1b

#define X86_EFLAGS_IF   (1u << 9)
#define X86_EFLAGS_IOPL (3u << 12)

/* Exception vectors. */
#define X86_EXC_DE  0
#define X86_EXC_DB  1
#define X86_EXC_NMI 2
#define X86_EXC_BP  3
#define X86_EXC_OF  4
#define X86_EXC_BR  5
#define X86_EXC_UD  6
#define X86_EXC_NM  7
#define X86_EXC_DF  8
#define X86_EXC_TS  10
#define X86_EXC_NP  11
#define X86_EXC_SS  12
#define X86_EXC_GP  13
#define X86_EXC_PF  14
#define X86_EXC_MF  16
#define X86_EXC_AC  17
#define X86_EXC_MC  18
#define X86_EXC_XM  19

/* Page fault error code bits. */
#define X86_PFEC_PRESENT (1u << 0)
#define X86_PFEC_WRITE   (1u << 1)
#define X86_PFEC_USER    (1u << 2)

/*
 * Register state at an exception, as the entry code in arch/x86/entry.S
 * saves it.  In 32-bit environments sp and ss are only valid when the
 * exception came from user mode.
 */
#ifdef CONFIG_64BIT
struct cpu_regs {
    unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
    unsigned long bp, bx, di, si, dx, cx, ax;
    unsigned long entry_vector, error_code;
    unsigned long ip, cs, flags, sp, ss;
};
#else
struct cpu_regs {
    unsigned long di, si, bp, _esp, bx, dx, cx, ax;
    unsigned long entry_vector, error_code;
    unsigned long ip, cs, flags, sp, ss;
};
#endif

static inline void cpuid_count(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(subleaf));
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}

static inline uint32_t cpuid_eax(uint32_t leaf)
{
    uint32_t a, b, c, d;
    cpuid(leaf, &a, &b, &c, &d);
    return a;
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

static inline uint64_t rdmsr(uint32_t idx)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t idx, uint64_t val)
{
    asm volatile("wrmsr" ::"c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

static inline void outb(uint8_t val, uint16_t port)
{
    asm volatile("outb %0, %1" ::"a"(val), "Nd"(port));
}

static inline void outl(uint32_t val, uint16_t port)
{
    asm volatile("outl %0, %1" ::"a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t val;
    asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

/* read_crN()/write_crN() for CR0, CR2-4; read_drN()/write_drN() for DR0-3, DR7. */
#define DEFINE_MOV_REG(reg)                                                                        \
    static inline unsigned long read_##reg(void)                                                   \
    {                                                                                              \
        unsigned long v;                                                                           \
        asm volatile("mov %%" #reg ", %0" : "=r"(v));                                              \
        return v;                                                                                  \
    }                                                                                              \
    static inline void write_##reg(unsigned long v)                                                \
    {                                                                                              \
        asm volatile("mov %0, %%" #reg : : "r"(v) : "memory");                                     \
    }
DEFINE_MOV_REG(cr0)
DEFINE_MOV_REG(cr2)
DEFINE_MOV_REG(cr3)
DEFINE_MOV_REG(cr4)
DEFINE_MOV_REG(dr0)
DEFINE_MOV_REG(dr1)
DEFINE_MOV_REG(dr2)
DEFINE_MOV_REG(dr3)
DEFINE_MOV_REG(dr7)
#undef DEFINE_MOV_REG

static inline unsigned int read_cs(void)
{
    unsigned int cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

static inline unsigned long read_flags(void)
{
    unsigned long f;
    asm volatile("pushf; pop %0" : "=r"(f));
    return f;
}

static inline void cpu_relax(void)
{
    asm volatile("pause" ::: "memory");
}

static inline void barrier(void)
{
    asm volatile("" ::: "memory");
}

static inline void sti(void)
{
    asm volatile("sti" ::: "memory");
}

static inline void cli(void)
{
    asm volatile("cli" ::: "memory");
}

static inline void invlpg(const void *va)
{
    asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/*
 * Exception information recorded by an exception table fixup:
 * bit 31 = valid, bits 16-23 = vector, bits 0-15 = error code.
 */
typedef uint32_t exinfo_t;
#define EXINFO(vec, ec)     ((exinfo_t)((1u << 31) | ((uint32_t)(vec) << 16) | ((ec)&0xffff)))
#define EXINFO_SYM(exc, ec) EXINFO(X86_EXC_##exc, ec)
#define exinfo_vec(e)       (((e) >> 16) & 0xff)
#define exinfo_ec(e)        ((e)&0xffff)

/*
 * Exception table entries.  _ASM_EXTABLE(fault, fixup): a fault at `fault`
 * resumes at `fixup`.  _ASM_EXTABLE_REC(fault, fixup) also stores an
 * exinfo_t in the di/edi register, so the asm gives "+D"(exinfo).
 */
#ifdef CONFIG_64BIT
#define _ASM_PTR ".quad "
#else
#define _ASM_PTR ".long "
#endif
#define _ASM_EXTABLE_TYPE(fault, fixup, type)                                                      \
    ".pushsection .ex_table, \"a\"\n\t" _ASM_PTR #fault ", " #fixup ", " #type "\n\t"              \
    ".popsection\n\t"
#define _ASM_EXTABLE(fault, fixup)     _ASM_EXTABLE_TYPE(fault, fixup, 0)
#define _ASM_EXTABLE_REC(fault, fixup) _ASM_EXTABLE_TYPE(fault, fixup, 1)

/* Forced emulation prefix: the hypervisor emulates the next instruction (needs hvm_fep). */
#define _ASM_XEN_FEP "ud2a; .ascii \"xen\"; "

/* Safe variants: return 0 or the exinfo of the fault they took. */
static inline exinfo_t rdmsr_safe(uint32_t idx, uint64_t *val)
{
    exinfo_t fault = 0;
    uint32_t lo = 0, hi = 0;
    asm volatile("1: rdmsr; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "=a"(lo), "=d"(hi), "+D"(fault)
                 : "c"(idx));
    *val = ((uint64_t)hi << 32) | lo;
    return fault;
}

static inline exinfo_t wrmsr_safe(uint32_t idx, uint64_t val)
{
    exinfo_t fault = 0;
    asm volatile("1: wrmsr; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault)
                 : "c"(idx), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
    return fault;
}

/* Read one byte at `ptr`, recording any fault. */
static inline exinfo_t read_byte_safe(const volatile void *ptr, uint8_t *val)
{
    exinfo_t fault = 0;
    uint8_t v = 0;
    asm volatile("1: movb (%2), %1; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault), "+q"(v)
                 : "r"(ptr)
                 : "memory");
    *val = v;
    return fault;
}

static inline exinfo_t write_byte_safe(volatile void *ptr, uint8_t val)
{
    exinfo_t fault = 0;
    asm volatile("1: movb %2, (%1); 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault)
                 : "r"(ptr), "q"(val)
                 : "memory");
    return fault;
}

/* Execute ud2 and report the fault (expected: #UD). */
static inline exinfo_t ud2_safe(void)
{
    exinfo_t fault = 0;
    asm volatile("1: ud2a; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b) : "+D"(fault));
    return fault;
}

/* Run CPUID with the forced emulation prefix; a fault is recorded. */
static inline exinfo_t fep_cpuid_safe(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
                                      uint32_t *d)
{
    exinfo_t fault = 0;
    uint32_t ra = leaf, rb = 0, rc = 0, rd = 0;
    asm volatile("1: " _ASM_XEN_FEP "cpuid; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+a"(ra), "=b"(rb), "+c"(rc), "=d"(rd), "+D"(fault));
    *a = ra;
    *b = rb;
    *c = rc;
    *d = rd;
    return fault;
}

struct extable_entry {
    unsigned long fault, fixup, type;
};

/* A test may install a hook that sees every exception first; return true if handled. */
extern bool (*xtf_exception_hook)(struct cpu_regs *regs);

/* CR2 of the last page fault handled by the framework. */
extern unsigned long xtf_last_cr2;

/* Interrupt descriptor table management. */
void xtf_set_idt_entry(unsigned int vec, void (*handler)(void), unsigned int dpl);
/* Handlers for vectors >= 32 registered with the generic entry path. */
typedef void (*xtf_irq_handler_t)(struct cpu_regs *regs);
void xtf_set_irq_handler(unsigned int vec, xtf_irq_handler_t fn);

/* Run fn(arg) in ring 3 and return its result. */
unsigned long exec_user_param(unsigned long (*fn)(unsigned long), unsigned long arg);
static inline unsigned long exec_user(unsigned long (*fn)(void))
{
    return exec_user_param((unsigned long (*)(unsigned long))(void (*)(void))fn, 0);
}

/* The IDT and the GDT, for tests that inspect them. */
struct xtf_desc_ptr {
    uint16_t limit;
    unsigned long base;
} __attribute__((packed));

static inline void sidt(struct xtf_desc_ptr *p)
{
    asm volatile("sidt %0" : "=m"(*p));
}

static inline void sgdt(struct xtf_desc_ptr *p)
{
    asm volatile("sgdt %0" : "=m"(*p));
}

static inline unsigned int str(void)
{
    unsigned int sel = 0;
    asm volatile("str %0" : "=r"(sel));
    return sel;
}

#endif /* XTF_X86_H */
