/**
 * @file
 * CPUID and MSR policy.  Bug class: guests reaching host MSRs or seeing
 * host features the hypervisor does not virtualise.  Proves that unknown
 * and host-only MSRs (SVM's VM_HSAVE_PA and VM_CR, SYSCFG, the hypercall
 * page MSR's neighbours, architecturally unused indices) give #GP on read
 * and write, that the MSRs the policy offers read back sanely (EFER.SVME
 * hidden, PAT's reset value, a reserved PAT type refused with #GP), and that
 * CPUID hides SVM and VMX and sets the hypervisor bit.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "CPUID and MSR policy";

static const uint32_t bad_msrs[] = {
    0xc0010117, /* VM_HSAVE_PA */
    0xc0010114, /* VM_CR */
    0xc0010010, /* SYSCFG */
    0x40000001, /* beside the hypercall page MSR */
    0x12345678, 0xffffffff, 0x00001234, 0xc0000123,
};

void test_main(void)
{
    uint64_t val;
    uint32_t a, b, c, d;
    exinfo_t ex;

    xtf_require_hypervisor();
    for (unsigned int i = 0; i < ARRAY_SIZE(bad_msrs); i++) {
        ex = rdmsr_safe(bad_msrs[i], &val);
        if (ex != EXINFO_SYM(GP, 0))
            xtf_failure("Fail: rdmsr %#x: got %#x, expected #GP\n", bad_msrs[i], ex);
        ex = wrmsr_safe(bad_msrs[i], 0);
        if (ex != EXINFO_SYM(GP, 0))
            xtf_failure("Fail: wrmsr %#x: got %#x, expected #GP\n", bad_msrs[i], ex);
    }
    ex = rdmsr_safe(0xc0000080, &val); /* EFER */
    if (ex)
        xtf_failure("Fail: rdmsr EFER faulted %#x\n", ex);
    else if (val & (1u << 12))
        xtf_failure("Fail: EFER.SVME visible to the guest (%#llx)\n", (unsigned long long)val);
    ex = wrmsr_safe(0xc0000080, val | (1u << 12));
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: setting EFER.SVME gave %#x, expected #GP\n", ex);
    ex = rdmsr_safe(0x277, &val); /* PAT */
    if (ex || val != 0x0007040600070406ull)
        xtf_failure("Fail: PAT %#llx (fault %#x)\n", (unsigned long long)val, ex);
    ex = wrmsr_safe(0x277, 0x0007040600070402ull); /* type 2 is reserved */
    if (ex != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: reserved PAT type gave %#x, expected #GP\n", ex);

    cpuid(1, &a, &b, &c, &d);
    if (!(c & (1u << 31)))
        xtf_failure("Fail: CPUID.1 hypervisor bit clear\n");
    if (c & (1u << 5))
        xtf_failure("Fail: CPUID.1 shows VMX\n");
    cpuid(0x80000001, &a, &b, &c, &d);
    if (c & (1u << 2))
        xtf_failure("Fail: CPUID.80000001 shows SVM\n");
    cpuid(0x40000000, &a, &b, &c, &d);
    if (a < 0x40000002)
        xtf_failure("Fail: CPUID 0x40000000 max leaf %#x\n", a);
    xtf_success(NULL);
}
