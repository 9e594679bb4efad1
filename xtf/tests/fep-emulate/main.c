/**
 * @file
 * The instruction emulator through the forced-emulation prefix (hvm_fep).
 * Proves that emulated arithmetic gives the same results and flags as the
 * CPU (ADD, SUB, ADC with carry in, overflow, zero and sign cases, SHL,
 * IMUL), that emulated string operations (REP MOVSB, REP STOSB, forward and
 * backward) copy exactly what the CPU copies, and that bad operands fault as
 * on hardware (#DE for a divide by zero, #PF for an unmapped operand on
 * paged environments, #UD for UD2) instead of reaching the hypervisor.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor fep
 * @xen-cmdline hvm_fep
 */
#include <xtf.h>

const char test_title[] = "Instruction emulation through FEP";

#define FLAGS_MASK 0x8d5ul /* OF SF ZF AF PF CF */

#define ARITH(insn, fep, a, b, cin, flags)                                                         \
    ({                                                                                             \
        unsigned long r_ = (a), f_;                                                                \
        asm volatile("bt $0, %[c]; " fep insn " %[b], %[r]; pushf; pop %[f]"                       \
                     : [r] "+r"(r_), [f] "=r"(f_)                                                  \
                     : [b] "r"((unsigned long)(b)), [c] "r"((unsigned long)(cin))                  \
                     : "cc");                                                                      \
        (flags) = f_ & FLAGS_MASK;                                                                 \
        r_;                                                                                        \
    })

static const unsigned long vals[] = {0,          1,    2,         0x7f,       0x80,      0x7fffffff,
                                     0x80000000, ~0ul, ~0ul >> 1, 0x12345678, 0xfffffffe};

static void check_arith(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(vals); i++)
        for (unsigned int j = 0; j < ARRAY_SIZE(vals); j++)
            for (unsigned int c = 0; c < 2; c++) {
                unsigned long a = vals[i], b = vals[j], fh, fe, rh, re;

#define ONE(insn)                                                                                  \
    rh = ARITH(insn, "", a, b, c, fh);                                                             \
    re = ARITH(insn, _ASM_XEN_FEP, a, b, c, fe);                                                   \
    if (rh != re || fh != fe)                                                                      \
        xtf_failure("Fail: %s %#lx, %#lx (cf %u): cpu %#lx/%#lx, emulated %#lx/%#lx\n", insn, a,   \
                    b, c, rh, fh, re, fe);
                ONE("add");
                ONE("sub");
                ONE("adc");
                ONE("sbb");
                ONE("and");
                ONE("xor");
                ONE("cmp");
                ONE("imul");
#undef ONE
            }
}

static uint8_t src[300], dst_cpu[300], dst_emu[300];

static void check_strings(void)
{
    for (unsigned int i = 0; i < sizeof(src); i++)
        src[i] = i * 7 + 3;
    memset(dst_cpu, 0, sizeof(dst_cpu));
    memset(dst_emu, 0, sizeof(dst_emu));
    {
        void *s = src + 5, *d = dst_emu + 9;
        unsigned long n = 200;

        asm volatile("cld; " _ASM_XEN_FEP "rep movsb" : "+S"(s), "+D"(d), "+c"(n)::"memory");
        if (n || s != src + 205 || d != dst_emu + 209)
            xtf_failure("Fail: rep movsb registers: count %lu\n", n);
    }
    memcpy(dst_cpu + 9, src + 5, 200);
    if (memcmp(dst_cpu, dst_emu, sizeof(dst_cpu)))
        xtf_failure("Fail: emulated rep movsb copied differently\n");
    {
        void *d = dst_emu + 299;
        unsigned long n = 50;

        asm volatile("std; " _ASM_XEN_FEP "rep stosb; cld"
                     : "+D"(d), "+c"(n)
                     : "a"(0xa5)
                     : "memory");
        if (n || d != dst_emu + 249)
            xtf_failure("Fail: backward rep stosb registers: count %lu\n", n);
    }
    memset(dst_cpu + 250, 0xa5, 50);
    if (memcmp(dst_cpu, dst_emu, sizeof(dst_cpu)))
        xtf_failure("Fail: emulated backward rep stosb stored differently\n");
}

static void check_faults(void)
{
    exinfo_t ex = 0;
    unsigned long a = 1, d = 0, z = 0;

    asm volatile("1: " _ASM_XEN_FEP "div %[z]; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+a"(a), "+d"(d), "+D"(ex)
                 : [z] "r"(z));
    if (ex != EXINFO_SYM(DE, 0))
        xtf_failure("Fail: emulated div by zero gave %#x, expected #DE\n", ex);
    ex = 0;
    asm volatile("1: " _ASM_XEN_FEP "ud2a; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b) : "+D"(ex));
    if (ex != EXINFO_SYM(UD, 0))
        xtf_failure("Fail: emulated ud2 gave %#x, expected #UD\n", ex);
#if CONFIG_PAGING_LEVELS > 0
    ex = 0;
    a = 0;
    asm volatile("1: " _ASM_XEN_FEP "mov (%[p]), %[v]; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(ex), [v] "+r"(a)
                 : [p] "r"((void *)8) /* the NULL page is not mapped */
                 : "memory");
    if (exinfo_vec(ex) != X86_EXC_PF)
        xtf_failure("Fail: emulated load from the NULL page gave %#x, expected #PF\n", ex);
#endif
}

void test_main(void)
{
    exinfo_t ex;
    uint32_t a, b, c, d;

    xtf_require_hypervisor();
    ex = fep_cpuid_safe(0, &a, &b, &c, &d);
    if (ex == EXINFO_SYM(UD, 0))
        return xtf_skip("Skip: forced emulation not enabled (hvm_fep)\n");
    check_arith();
    check_strings();
    check_faults();
    xtf_success(NULL);
}
