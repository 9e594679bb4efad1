/**
 * @file
 * Forced emulation prefix: proves that with hvm_fep the hypervisor's
 * emulator runs CPUID to the same result as the hardware path, and that
 * without a hypervisor the prefix is a plain #UD.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor fep
 * @xen-cmdline hvm_fep
 */
#include <xtf.h>

const char test_title[] = "Forced emulation prefix";

void test_main(void)
{
    uint32_t a, b, c, d, ea, eb, ec, ed;
    exinfo_t ex = fep_cpuid_safe(0, &ea, &eb, &ec, &ed);

    if (!xen_present) {
        if (ex != EXINFO_SYM(UD, 0))
            return xtf_failure("Fail: bare FEP gave %#x, expected #UD\n", ex);
        return xtf_skip("Skip: no hypervisor found, FEP is #UD as expected\n");
    }
    if (ex == EXINFO_SYM(UD, 0))
        return xtf_skip("Skip: forced emulation not enabled (hvm_fep)\n");
    if (ex)
        return xtf_failure("Fail: FEP cpuid faulted: %#x\n", ex);
    cpuid(0, &a, &b, &c, &d);
    if (a != ea || b != eb || c != ec || d != ed)
        xtf_failure("Fail: emulated CPUID(0) differs from hardware\n");
    xtf_success(NULL);
}
