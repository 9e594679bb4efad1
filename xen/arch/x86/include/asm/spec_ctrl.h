/* Speculation barriers between guests: IBPB when a pCPU switches to
 * another domain's vCPU, and the return stack buffer overwritten on every
 * #VMEXIT. Policy and measured facts: docs/spec-ctrl.md. */
#ifndef ASM_SPEC_CTRL_H
#define ASM_SPEC_CTRL_H

#include <xen/types.h>

#define MSR_PRED_CMD   0x00000049
#define PRED_CMD_IBPB  (1ULL << 0)
#define CPUID_IBPB_BIT 12 /* CPUID 0x80000008 EBX */

extern bool opt_ibpb;
/* Read by the #VMEXIT path (hvm/svm/entry.S): fill the RSB when set. */
extern bool opt_rsb;

/* Decide the policy from CPUID and the command line (boot CPU, once). */
void spec_ctrl_init(void);

/* A barrier between two domains' branch predictions, when enabled. */
void spec_ctrl_ibpb(void);

#endif
