/* Speculation barriers between guests: IBPB when a pCPU switches to
 * another domain's vCPU, and the return stack buffer overwritten on every
 * #VMEXIT. What guests see of speculation control (CPUID 0x80000008 EBX)
 * and what their accesses to its MSRs do. Policy and measured facts:
 * docs/spec-ctrl.md. */
#ifndef ASM_SPEC_CTRL_H
#define ASM_SPEC_CTRL_H

#include <xen/types.h>

#define MSR_SPEC_CTRL      0x00000048
#define MSR_PRED_CMD       0x00000049
#define MSR_VIRT_SPEC_CTRL 0xc001011f
#define PRED_CMD_IBPB      (1ULL << 0)
#define CPUID_IBPB_BIT     12 /* CPUID 0x80000008 EBX */

/* CPUID 0x80000008 EBX bits (word 8 of Xen's public cpufeatureset.h). */
#define E8B_CLZERO           (1u << 0)
#define E8B_RSTR_FP_ERR_PTRS (1u << 2)
#define E8B_WBNOINVD         (1u << 9)
#define E8B_IBPB             (1u << CPUID_IBPB_BIT)
#define E8B_IBRS             (1u << 14) /* MSR_SPEC_CTRL.IBRS */
#define E8B_AMD_STIBP        (1u << 15) /* MSR_SPEC_CTRL.STIBP */
#define E8B_IBRS_ALWAYS      (1u << 16)
#define E8B_STIBP_ALWAYS     (1u << 17)
#define E8B_IBRS_FAST        (1u << 18)
#define E8B_IBRS_SAME_MODE   (1u << 19)
#define E8B_NO_LMSL          (1u << 20)
#define E8B_AMD_PPIN         (1u << 23)
#define E8B_AMD_SSBD         (1u << 24) /* MSR_SPEC_CTRL.SSBD */
#define E8B_VIRT_SSBD        (1u << 25) /* MSR_VIRT_SPEC_CTRL.SSBD */
#define E8B_SSB_NO           (1u << 26)
#define E8B_PSFD             (1u << 28) /* MSR_SPEC_CTRL.PSFD */
#define E8B_BTC_NO           (1u << 29)
#define E8B_IBPB_RET         (1u << 30)

extern bool opt_ibpb;
/* Read by the #VMEXIT path (hvm/svm/entry.S): fill the RSB when set. */
extern bool opt_rsb;
/* The boot CPU's CPUID 0x80000008 EBX (0 where the leaf is absent). */
extern uint32_t host_e8b;

/* Decide the policy from CPUID and the command line (boot CPU, once). */
void spec_ctrl_init(void);

/* A barrier between two domains' branch predictions, when enabled. */
void spec_ctrl_ibpb(void);

/* CPUID 0x80000008 EBX as a guest sees it on a host whose EBX is
 * host_ebx: only what the hypervisor handles (spec_ctrl_guest.c). */
uint32_t spec_ctrl_guest_e8b(uint32_t host_ebx);

/* What a guest's access to a speculation-control MSR does, given the
 * EBX it sees. NOT_MINE: not one of these MSRs. */
enum spec_msr_op { SPEC_MSR_NOT_MINE, SPEC_MSR_GP, SPEC_MSR_DONE, SPEC_MSR_IBPB };
enum spec_msr_op spec_ctrl_guest_wrmsr(uint32_t guest_e8b, uint32_t msr, uint64_t val);
enum spec_msr_op spec_ctrl_guest_rdmsr(uint32_t guest_e8b, uint32_t msr, uint64_t *val);

#endif
