/* MSR indices and bits the guest MSR policy (hvm/hvm.c, svm/svm.c) uses
 * beyond the basic ones in processor.h. Numbers from the SDM and the APM. */
#ifndef ASM_MSR_INDEX_H
#define ASM_MSR_INDEX_H

#include <asm/processor.h>

#define MSR_EBL_CR_POWERON   0x0000002a
#define MSR_EBC_FREQUENCY_ID 0x0000002c
#define MSR_MCG_CAP          0x00000179
#define MSR_MCG_STATUS       0x0000017a
#define MSR_MCG_CTL          0x0000017b
#define MSR_DEBUGCTL         0x000001d9
#define MSR_LASTBRANCH_FROM  0x000001db
#define MSR_LASTBRANCH_TO    0x000001dc
#define MSR_LASTINT_FROM     0x000001dd
#define MSR_LASTINT_TO       0x000001de
#define MSR_MC0_CTL          0x00000400
#define MSR_MC4_MISC0        0x00000413
#define MSR_F10_MC4_MISC1    0xc0000408
#define MSR_F10_MC4_MISC3    0xc000040a
#define MSR_K7_EVNTSEL0      0xc0010000
#define MSR_K7_PERFCTR3      0xc0010007
#define MSR_F15H_PERF_CTL0   0xc0010200
#define MSR_F15H_PERF_CTR5   0xc001020b
#define MSR_AMD64_DE_CFG     0xc0011029

#define DEBUGCTL_LBR                  (1ULL << 0)
#define DEBUGCTL_BTF                  (1ULL << 1)
#define MCG_TES_P                     (1ULL << 11)
#define AMD64_DE_CFG_LFENCE_SERIALISE (1ULL << 1)

/* Machine-check banks a guest sees (Xen gives HVM guests two). */
#define GUEST_MC_BANKS 2

static inline bool cpu_is_amd(void)
{
    uint32_t a, b, c, d;

    cpuid(0, &a, &b, &c, &d);
    return b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* AuthenticAMD */
}

#endif
