/* What guests see of speculation control, and what their accesses to its
 * MSRs do (docs/spec-ctrl.md). One rule: a bit is offered only if its MSR
 * behaves as the bit promises; everything else is hidden and its MSR
 * gives #GP, as on a CPU without it. Bit meanings are word 8 of Xen's
 * public cpufeatureset.h.
 *
 * - IBPB is offered when the host has it: a guest's PRED_CMD write with
 *   bit 0 issues a real IBPB on the host (a write the hypervisor dropped
 *   would leave the guest unprotected while it believes otherwise).
 * - MSR_SPEC_CTRL (IBRS, STIBP, SSBD, PSFD and their hints) and
 *   MSR_VIRT_SPEC_CTRL (VIRT_SSBD) are not virtualised: a guest value
 *   would have to be loaded around every VMRUN. Hidden.
 * - Bits that only describe the hardware (SSB_NO, BTC_NO) and the
 *   instructions SVM lets guests run (CLZERO, RSTR_FP_ERR_PTRS) pass
 *   through; IBPB_RET only with IBPB. NO_LMSL is set always: EFER.LMSLE
 *   is refused (hvm.c's EFER_VALID). WBNOINVD and PPIN are not offered,
 *   as in Xen's default policy. */
#include <asm/spec_ctrl.h>

#define E8B_PASS (E8B_CLZERO | E8B_RSTR_FP_ERR_PTRS | E8B_SSB_NO | E8B_BTC_NO)

uint32_t spec_ctrl_guest_e8b(uint32_t host_ebx)
{
    uint32_t ebx = (host_ebx & E8B_PASS) | E8B_NO_LMSL;

    if (host_ebx & E8B_IBPB)
        ebx |= E8B_IBPB | (host_ebx & E8B_IBPB_RET);
    return ebx;
}

enum spec_msr_op spec_ctrl_guest_wrmsr(uint32_t guest_e8b, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_PRED_CMD:
        if (!(guest_e8b & E8B_IBPB) || (val & ~PRED_CMD_IBPB))
            return SPEC_MSR_GP;
        return val ? SPEC_MSR_IBPB : SPEC_MSR_DONE;
    case MSR_SPEC_CTRL:
    case MSR_VIRT_SPEC_CTRL:
        return SPEC_MSR_GP; /* never offered (above) */
    }
    return SPEC_MSR_NOT_MINE;
}

enum spec_msr_op spec_ctrl_guest_rdmsr(uint32_t guest_e8b, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_PRED_CMD: /* write-only */
    case MSR_SPEC_CTRL:
    case MSR_VIRT_SPEC_CTRL:
        return SPEC_MSR_GP;
    }
    return SPEC_MSR_NOT_MINE;
}
