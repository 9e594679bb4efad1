/* The guest speculation-control policy (arch/x86/spec_ctrl_guest.c) on
 * hosts that offer every, none or some of CPUID 0x80000008 EBX's bits:
 * every bit a guest sees that names an MSR is matched by that MSR
 * working, and every MSR whose bit the guest does not see gives #GP. */
#include <asm/spec_ctrl.h>
#include "harness.h"

/* Bits that promise an MSR: the MSR, and a value the bit makes valid. */
static const struct {
    uint32_t bit, msr;
    uint64_t val;
} msr_bits[] = {
    {E8B_IBPB, MSR_PRED_CMD, PRED_CMD_IBPB}, {E8B_IBRS, MSR_SPEC_CTRL, 1u << 0},
    {E8B_AMD_STIBP, MSR_SPEC_CTRL, 1u << 1}, {E8B_AMD_SSBD, MSR_SPEC_CTRL, 1u << 2},
    {E8B_PSFD, MSR_SPEC_CTRL, 1u << 7},      {E8B_VIRT_SSBD, MSR_VIRT_SPEC_CTRL, 1u << 2},
};

/* Hints that mean nothing without the bit they qualify. */
static const struct {
    uint32_t hint, needs;
} hints[] = {
    {E8B_IBRS_ALWAYS, E8B_IBRS},    {E8B_STIBP_ALWAYS, E8B_AMD_STIBP}, {E8B_IBRS_FAST, E8B_IBRS},
    {E8B_IBRS_SAME_MODE, E8B_IBRS}, {E8B_IBPB_RET, E8B_IBPB},
};

static void check_consistent(uint32_t host)
{
    uint32_t guest = spec_ctrl_guest_e8b(host);
    uint64_t val;

    for (unsigned int i = 0; i < sizeof(msr_bits) / sizeof(msr_bits[0]); i++) {
        enum spec_msr_op w = spec_ctrl_guest_wrmsr(guest, msr_bits[i].msr, msr_bits[i].val);

        if (guest & msr_bits[i].bit) {
            /* Offered: accepted, and an IBPB write really barriers. */
            CHECK(w != SPEC_MSR_GP);
            if (msr_bits[i].msr == MSR_PRED_CMD)
                CHECK(w == SPEC_MSR_IBPB);
        } else {
            bool other = false; /* another offered bit of the same MSR */

            for (unsigned int j = 0; j < sizeof(msr_bits) / sizeof(msr_bits[0]); j++)
                other |= j != i && msr_bits[j].msr == msr_bits[i].msr && (guest & msr_bits[j].bit);
            if (!other) {
                CHECK(w == SPEC_MSR_GP);
                CHECK(spec_ctrl_guest_rdmsr(guest, msr_bits[i].msr, &val) == SPEC_MSR_GP);
            }
        }
    }
    for (unsigned int i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        CHECK(!(guest & hints[i].hint) || (guest & hints[i].needs));
    /* PRED_CMD is write-only and takes no other bit. */
    CHECK(spec_ctrl_guest_rdmsr(guest, MSR_PRED_CMD, &val) == SPEC_MSR_GP);
    CHECK(spec_ctrl_guest_wrmsr(guest, MSR_PRED_CMD, 1u << 1) == SPEC_MSR_GP);
    CHECK(spec_ctrl_guest_wrmsr(guest, MSR_PRED_CMD, 1ull << 63) == SPEC_MSR_GP);
    CHECK(spec_ctrl_guest_wrmsr(guest, 0x10, 0) == SPEC_MSR_NOT_MINE);
    CHECK(spec_ctrl_guest_rdmsr(guest, 0x10, &val) == SPEC_MSR_NOT_MINE);
}

TEST(spec_ctrl_host_offers_everything)
{
    uint32_t guest = spec_ctrl_guest_e8b(~0u);

    check_consistent(~0u);
    /* IBPB is handled, so a host that has it gives it to guests. */
    CHECK(guest & E8B_IBPB);
    CHECK(guest & E8B_IBPB_RET);
    CHECK(guest & (E8B_SSB_NO | E8B_BTC_NO));
    CHECK(spec_ctrl_guest_wrmsr(guest, MSR_PRED_CMD, 0) == SPEC_MSR_DONE);
}

TEST(spec_ctrl_host_offers_nothing)
{
    uint32_t guest = spec_ctrl_guest_e8b(0);

    check_consistent(0);
    CHECK(!(guest & E8B_IBPB));
    CHECK(spec_ctrl_guest_wrmsr(guest, MSR_PRED_CMD, 0) == SPEC_MSR_GP);
    CHECK(guest & E8B_NO_LMSL); /* EFER.LMSLE is refused on every host */
}

TEST(spec_ctrl_host_mixes)
{
    /* Typical AMD hosts: Zen 2 (IBPB, STIBP, SSBD, hints), Zen 3 (+PSFD,
     * +IBPB_RET), a host under a hypervisor offering VIRT_SSBD only. */
    static const uint32_t hosts[] = {
        E8B_IBPB | E8B_AMD_STIBP | E8B_STIBP_ALWAYS | E8B_AMD_SSBD | E8B_CLZERO,
        E8B_IBPB | E8B_IBRS | E8B_AMD_STIBP | E8B_IBRS_SAME_MODE | E8B_AMD_SSBD | E8B_PSFD |
            E8B_IBPB_RET | E8B_BTC_NO,
        E8B_VIRT_SSBD | E8B_IBPB_RET,
        E8B_IBRS | E8B_IBRS_FAST,
    };

    for (unsigned int i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
        check_consistent(hosts[i]);
}
