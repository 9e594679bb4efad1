/**
 * @file
 * Speculation control as CPUID offers it.  Bug class: a bit that
 * promises an MSR the hypervisor does not handle (Linux trusts CPUID
 * 0x80000008 EBX.IBPB and writes PRED_CMD on every context switch: a #GP
 * there kills it), or an MSR that works without its bit (a barrier the
 * guest never asked for, or a silently dropped one).  Reads CPUID
 * 0x80000008 EBX (IBPB, IBRS, STIBP, SSBD, PSFD, VIRT_SSBD and the hints)
 * and leaf 7 EDX (IBRSB, STIBP, L1D_FLUSH, ARCH_CAPS, SSBD), then proves
 * that each offered bit's MSR takes the value the bit promises and that
 * each MSR no bit offers gives #GP: PRED_CMD (0x49, write-only),
 * SPEC_CTRL (0x48), VIRT_SPEC_CTRL (0xc001011f), ARCH_CAPS (0x10a),
 * FLUSH_CMD (0x10b).  Hints (IBRS_ALWAYS, IBPB_RET, ...) need the bit
 * they qualify.  Under QEMU's TCG the host offers none of these bits, so
 * the run proves the "not offered" side; the offered side is the
 * xen-unit test test-spec-ctrl.c on hosts that have them.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Speculation control: CPUID bits match MSR behaviour";

#define MSR_SPEC_CTRL      0x48
#define MSR_PRED_CMD       0x49
#define MSR_ARCH_CAPS      0x10a
#define MSR_FLUSH_CMD      0x10b
#define MSR_VIRT_SPEC_CTRL 0xc001011f

/* CPUID 0x80000008 EBX */
#define E8B_IBPB           (1u << 12)
#define E8B_IBRS           (1u << 14)
#define E8B_AMD_STIBP      (1u << 15)
#define E8B_IBRS_ALWAYS    (1u << 16)
#define E8B_STIBP_ALWAYS   (1u << 17)
#define E8B_IBRS_FAST      (1u << 18)
#define E8B_IBRS_SAME_MODE (1u << 19)
#define E8B_AMD_SSBD       (1u << 24)
#define E8B_VIRT_SSBD      (1u << 25)
#define E8B_PSFD           (1u << 28)
#define E8B_IBPB_RET       (1u << 30)
/* CPUID 7:0 EDX */
#define L7D_IBRSB     (1u << 26)
#define L7D_STIBP     (1u << 27)
#define L7D_L1D_FLUSH (1u << 28)
#define L7D_ARCH_CAPS (1u << 29)
#define L7D_SSBD      (1u << 31)

static void expect_gp(exinfo_t ex, const char *what, uint32_t msr)
{
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: %s %#x not offered by CPUID: got %#x, expected #GP\n", what, msr, ex);
}

/* A SPEC_CTRL bit the guest was offered: set, read back, cleared. */
static void spec_ctrl_bit(uint64_t bit, const char *name)
{
    uint64_t val = 0;
    exinfo_t ex = wrmsr_safe(MSR_SPEC_CTRL, bit);

    if (!ex)
        ex = rdmsr_safe(MSR_SPEC_CTRL, &val);
    if (ex || !(val & bit))
        xtf_failure("Fail: %s offered, SPEC_CTRL %#llx after writing %#llx (fault %#x)\n", name,
                    (unsigned long long)val, (unsigned long long)bit, ex);
    wrmsr_safe(MSR_SPEC_CTRL, 0);
}

void test_main(void)
{
    uint32_t a, b, c, d, e8b = 0, l7d = 0;
    uint64_t val;
    bool pred_cmd, spec_ctrl;

    xtf_require_hypervisor();
    cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000008)
        cpuid(0x80000008, &a, &e8b, &c, &d);
    if (cpuid_eax(0) >= 7)
        cpuid_count(7, 0, &a, &b, &c, &l7d);
    printk("CPUID 0x80000008 EBX %#x, 7:0 EDX %#x\n", e8b, l7d);

    /* PRED_CMD: IBPB (AMD's bit) or IBRSB (Intel's, IBRS and IBPB). */
    pred_cmd = (e8b & E8B_IBPB) || (l7d & L7D_IBRSB);
    if (rdmsr_safe(MSR_PRED_CMD, &val) != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: rdmsr PRED_CMD (write-only) did not give #GP\n");
    if (pred_cmd) {
        exinfo_t ex = wrmsr_safe(MSR_PRED_CMD, 1);

        if (ex)
            xtf_failure("Fail: IBPB offered, PRED_CMD write of IBPB gave %#x\n", ex);
        if (wrmsr_safe(MSR_PRED_CMD, 1u << 1) != EXINFO_SYM(GP, 0))
            xtf_failure("Fail: PRED_CMD reserved bit 1 accepted\n");
    } else
        expect_gp(wrmsr_safe(MSR_PRED_CMD, 1), "wrmsr IBPB to PRED_CMD", MSR_PRED_CMD);

    /* SPEC_CTRL: each offered bit holds; with none offered, #GP. */
    spec_ctrl = (e8b & (E8B_IBRS | E8B_AMD_STIBP | E8B_AMD_SSBD | E8B_PSFD)) ||
                (l7d & (L7D_IBRSB | L7D_STIBP | L7D_SSBD));
    if (spec_ctrl) {
        if (rdmsr_safe(MSR_SPEC_CTRL, &val))
            xtf_failure("Fail: SPEC_CTRL offered but rdmsr faults\n");
        if ((e8b & E8B_IBRS) || (l7d & L7D_IBRSB))
            spec_ctrl_bit(1u << 0, "IBRS");
        if ((e8b & E8B_AMD_STIBP) || (l7d & L7D_STIBP))
            spec_ctrl_bit(1u << 1, "STIBP");
        if ((e8b & E8B_AMD_SSBD) || (l7d & L7D_SSBD))
            spec_ctrl_bit(1u << 2, "SSBD");
        if (e8b & E8B_PSFD)
            spec_ctrl_bit(1u << 7, "PSFD");
    } else {
        expect_gp(rdmsr_safe(MSR_SPEC_CTRL, &val), "rdmsr SPEC_CTRL", MSR_SPEC_CTRL);
        expect_gp(wrmsr_safe(MSR_SPEC_CTRL, 0), "wrmsr 0 to SPEC_CTRL", MSR_SPEC_CTRL);
        expect_gp(wrmsr_safe(MSR_SPEC_CTRL, 1u << 2), "wrmsr SSBD to SPEC_CTRL", MSR_SPEC_CTRL);
    }

    /* VIRT_SPEC_CTRL: SSBD (bit 2) when VIRT_SSBD is offered. */
    if (e8b & E8B_VIRT_SSBD) {
        exinfo_t ex = wrmsr_safe(MSR_VIRT_SPEC_CTRL, 1u << 2);

        val = 0;
        if (!ex)
            ex = rdmsr_safe(MSR_VIRT_SPEC_CTRL, &val);
        if (ex || !(val & (1u << 2)))
            xtf_failure("Fail: VIRT_SSBD offered, VIRT_SPEC_CTRL %#llx (fault %#x)\n",
                        (unsigned long long)val, ex);
        wrmsr_safe(MSR_VIRT_SPEC_CTRL, 0);
    } else {
        expect_gp(rdmsr_safe(MSR_VIRT_SPEC_CTRL, &val), "rdmsr VIRT_SPEC_CTRL", MSR_VIRT_SPEC_CTRL);
        expect_gp(wrmsr_safe(MSR_VIRT_SPEC_CTRL, 1u << 2), "wrmsr SSBD to VIRT_SPEC_CTRL",
                  MSR_VIRT_SPEC_CTRL);
    }

    if (l7d & L7D_ARCH_CAPS) {
        if (rdmsr_safe(MSR_ARCH_CAPS, &val))
            xtf_failure("Fail: ARCH_CAPS offered but rdmsr faults\n");
    } else
        expect_gp(rdmsr_safe(MSR_ARCH_CAPS, &val), "rdmsr ARCH_CAPS", MSR_ARCH_CAPS);
    if (l7d & L7D_L1D_FLUSH) {
        if (wrmsr_safe(MSR_FLUSH_CMD, 1))
            xtf_failure("Fail: L1D_FLUSH offered but FLUSH_CMD write faults\n");
    } else
        expect_gp(wrmsr_safe(MSR_FLUSH_CMD, 1), "wrmsr L1D flush to FLUSH_CMD", MSR_FLUSH_CMD);

    /* Hints mean nothing without what they qualify. */
    if ((e8b & (E8B_IBRS_ALWAYS | E8B_IBRS_FAST | E8B_IBRS_SAME_MODE)) && !(e8b & E8B_IBRS))
        xtf_failure("Fail: IBRS hints %#x without IBRS\n", e8b);
    if ((e8b & E8B_STIBP_ALWAYS) && !(e8b & E8B_AMD_STIBP))
        xtf_failure("Fail: STIBP_ALWAYS without STIBP\n");
    if ((e8b & E8B_IBPB_RET) && !(e8b & E8B_IBPB))
        xtf_failure("Fail: IBPB_RET without IBPB\n");
    xtf_success(NULL);
}
