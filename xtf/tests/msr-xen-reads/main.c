/**
 * @file
 * MSRs Xen lets an HVM guest read.  Proves that DEBUGCTL reads 0 after
 * reset and keeps the bits Xen accepts (LBR, BTF) while other bits give
 * #GP; that the last-branch record MSRs, the Intel bus-frequency MSRs
 * (EBL_CR_POWERON, EBC_FREQUENCY_ID), MCG_STATUS and the MC4 MISC MSRs read
 * 0; that MCG_CAP shows the two machine-check banks Xen gives a guest, whose
 * MCi_CTL reads all ones and MCi_STATUS 0; that the K7 performance counters
 * read 0 and drop writes (no virtual PMU, Xen's default); and on AMD that
 * DE_CFG reads with LFENCE serialising set.  Needs nothing but an HVM guest.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "MSRs Xen lets HVM guests read";

static const struct {
    uint32_t msr;
    const char *name;
} zero_msrs[] = {
    {0x1d9, "DEBUGCTL"},         {0x1db, "LASTBRANCHFROMIP"}, {0x1dc, "LASTBRANCHTOIP"},
    {0x1dd, "LASTINTFROMIP"},    {0x1de, "LASTINTTOIP"},      {0x2a, "EBL_CR_POWERON"},
    {0x2c, "EBC_FREQUENCY_ID"},  {0x17a, "MCG_STATUS"},       {0x413, "MC4_MISC0"},
    {0xc0000408, "MC4_MISC1"},   {0xc0010000, "K7_EVNTSEL0"}, {0xc0010004, "K7_PERFCTR0"},
    {0xc0010007, "K7_PERFCTR3"}, {0x401, "MC0_STATUS"},       {0x405, "MC1_STATUS"},
};

static bool is_amd(void)
{
    uint32_t a, b, c, d;

    cpuid(0, &a, &b, &c, &d);
    return b == 0x68747541 && c == 0x444d4163 && d == 0x69746e65;
}

static void expect_val(uint32_t msr, const char *name, uint64_t want)
{
    uint64_t val = ~want;
    exinfo_t ex = rdmsr_safe(msr, &val);

    if (ex)
        xtf_failure("Fail: rdmsr %s (%#x) faulted %#x\n", name, msr, ex);
    else if (val != want)
        xtf_failure("Fail: %s (%#x) reads %#llx, expected %#llx\n", name, msr,
                    (unsigned long long)val, (unsigned long long)want);
}

void test_main(void)
{
    uint64_t val;
    exinfo_t ex;

    xtf_require_hypervisor();
    for (unsigned int i = 0; i < ARRAY_SIZE(zero_msrs); i++)
        expect_val(zero_msrs[i].msr, zero_msrs[i].name, 0);

    /* DEBUGCTL: LBR (bit 0) and BTF (bit 1) are accepted; bit 31 is not. */
    ex = wrmsr_safe(0x1d9, 2);
    if (ex)
        xtf_failure("Fail: DEBUGCTL.BTF write faulted %#x\n", ex);
    else
        expect_val(0x1d9, "DEBUGCTL after BTF", 2);
    ex = wrmsr_safe(0x1d9, 1u << 31);
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: DEBUGCTL reserved bit gave %#x, expected #GP\n", ex);
    if (wrmsr_safe(0x1d9, 0))
        xtf_failure("Fail: DEBUGCTL write of 0 faulted\n");
    expect_val(0x1d9, "DEBUGCTL after clear", 0);

    /* Machine check: two banks, MCi_CTL all ones. */
    ex = rdmsr_safe(0x179, &val);
    if (ex)
        xtf_failure("Fail: rdmsr MCG_CAP faulted %#x\n", ex);
    else if ((val & 0xff) != 2)
        xtf_failure("Fail: MCG_CAP %#llx shows %u banks, expected 2\n", (unsigned long long)val,
                    (unsigned int)(val & 0xff));
    expect_val(0x400, "MC0_CTL", ~0ULL);
    expect_val(0x404, "MC1_CTL", ~0ULL);
    if (wrmsr_safe(0x401, 0))
        xtf_failure("Fail: writing 0 to MC0_STATUS faulted\n");

    /* No virtual PMU: a counter write is dropped. */
    ex = wrmsr_safe(0xc0010004, 0x1234);
    if (ex)
        xtf_failure("Fail: K7_PERFCTR0 write faulted %#x\n", ex);
    expect_val(0xc0010004, "K7_PERFCTR0 after a write", 0);

    if (is_amd())
        expect_val(0xc0011029, "DE_CFG", 1u << 1);

    xtf_success(NULL);
}
